//! A loopback SMTP sink for the load benchmark: accepts every message
//! (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS or AUTH) and
//! records when each one's DATA was accepted, with its recipients, Subject
//! and Message-ID. Made to be cheap, so the server being measured, not the
//! sink, sets the pace. (`tests/api/support/smtp.rs` is the tests' server,
//! which can refuse and restart; it keeps every message's text.)

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// When the end of its DATA was read (just before the 250 went out).
    pub at: Instant,
    pub recipients: Vec<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
}

#[derive(Default)]
struct Shared {
    arrivals: Mutex<Vec<Arrival>>,
    arrived: Notify,
}

impl Shared {
    fn arrivals(&self) -> MutexGuard<'_, Vec<Arrival>> {
        // A panicking session leaves only plain data behind.
        self.arrivals.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1 and a free port.
    pub async fn start() -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let for_task = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(session(stream, for_task.clone()));
            }
        });
        Ok(SmtpSink { addr, shared, task })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many messages it accepted.
    pub fn count(&self) -> usize {
        self.shared.arrivals().len()
    }

    /// How many accepted messages went to `recipient`.
    pub fn count_to(&self, recipient: &str) -> usize {
        self.shared
            .arrivals()
            .iter()
            .filter(|a| a.recipients.iter().any(|r| r.eq_ignore_ascii_case(recipient)))
            .count()
    }

    /// The messages to `recipient`, in the order they were accepted.
    pub fn to(&self, recipient: &str) -> Vec<Arrival> {
        self.shared
            .arrivals()
            .iter()
            .filter(|a| a.recipients.iter().any(|r| r.eq_ignore_ascii_case(recipient)))
            .cloned()
            .collect()
    }

    /// When each accepted message arrived, in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.shared.arrivals().iter().map(|a| a.at).collect()
    }

    /// Waits until `n` messages in all arrived; false after `timeout`.
    pub async fn wait_for_count(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            if self.count() >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.count() >= n;
            }
        }
    }

    /// Waits until `n` messages went to `recipient` or `timeout` passed;
    /// returns those that did, in order.
    pub async fn wait_for(&self, recipient: &str, n: usize, timeout: Duration) -> Vec<Arrival> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before counting, so an arrival in between still wakes us.
            let arrived = self.shared.arrived.notified();
            if self.count_to(recipient) >= n || tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.to(recipient);
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let _ = run_session(stream, &shared).await;
}

/// The address inside `<…>` of a MAIL FROM or RCPT TO argument.
fn address_arg(rest: &str) -> Option<String> {
    let start = rest.find('<')?;
    let end = rest[start..].find('>')? + start;
    Some(rest[start + 1..end].to_string())
}

async fn run_session(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 localhost ESMTP aftercare-load-sink\r\n").await?;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let text = line.trim_end_matches(['\r', '\n']);
        let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
        let reply: &[u8] = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => b"250-localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            "HELO" | "MAIL" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                recipients.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                recipients.extend(address_arg(rest));
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let Some((subject, message_id)) = read_data(&mut read).await? else {
                    return Ok(());
                };
                shared.arrivals().push(Arrival {
                    at: Instant::now(),
                    recipients: std::mem::take(&mut recipients),
                    subject,
                    message_id,
                });
                shared.arrived.notify_waiters();
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"500 Command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// Reads DATA up to the lone `.`, keeping only the Subject and Message-ID
/// headers (unfolded). `None` when the client went away first.
async fn read_data(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<(Option<String>, Option<String>)>> {
    let (mut subject, mut message_id) = (None::<String>, None::<String>);
    // Which of the two the previous header line was, for folded lines.
    let mut last: Option<bool> = None;
    let mut in_headers = true;
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text == "." {
            return Ok(Some((subject, message_id)));
        }
        if !in_headers {
            continue;
        }
        if text.is_empty() {
            in_headers = false;
        } else if text.starts_with([' ', '\t']) {
            let target = match last {
                Some(true) => subject.as_mut(),
                Some(false) => message_id.as_mut(),
                None => None,
            };
            if let Some(v) = target {
                v.push(' ');
                v.push_str(text.trim());
            }
        } else if let Some((name, value)) = text.split_once(':') {
            let value = value.trim().to_string();
            last = if name.eq_ignore_ascii_case("Subject") {
                subject = Some(value);
                Some(true)
            } else if name.eq_ignore_ascii_case("Message-ID") {
                message_id = Some(value);
                Some(false)
            } else {
                None
            };
        }
    }
}
