//! A small SMTP server for tests (RFC 5321 without TLS or AUTH), enough for
//! lettre: it records accepted messages and can be told to refuse them, or
//! be stopped and started again on the same port to play a server that was
//! down for a while.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::{JoinHandle, JoinSet};

/// How the server answers transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 at MAIL FROM (and at the end of DATA, if switched mid-message).
    TempFail,
    /// 550 at the same points.
    PermFail,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub recipients: Vec<String>,
    /// The DATA section, dot-unstuffed, CRLF line endings, without the final `.`.
    pub data: String,
    pub message_id: Option<String>,
    pub subject: Option<String>,
}

struct Shared {
    mode: Mutex<Mode>,
    messages: Mutex<Vec<Received>>,
    arrived: Notify,
}

struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    running: Mutex<Option<Running>>,
}

impl SmtpServer {
    /// Starts on 127.0.0.1 and a free port.
    pub async fn start_new() -> SmtpServer {
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Accept),
            messages: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        });
        let (addr, running) =
            listen(SocketAddr::from(([127, 0, 0, 1], 0)), shared.clone()).expect("bind test SMTP server");
        SmtpServer {
            addr,
            shared,
            running: Mutex::new(Some(running)),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Stops listening and drops every open connection; returns once done,
    /// so the next connection attempt is refused.
    pub async fn stop(&self) {
        let running = self.running.lock().unwrap().take();
        if let Some(r) = running {
            let _ = r.stop.send(true);
            let _ = r.task.await;
        }
    }

    /// Listens again on the same port after [`stop`](Self::stop).
    pub async fn start(&self) {
        let mut running = self.running.lock().unwrap();
        if running.is_none() {
            let (_, r) = listen(self.addr, self.shared.clone()).expect("rebind test SMTP server on the same port");
            *running = Some(r);
        }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived or `timeout` passed, and
    /// returns what arrived (callers assert on the count).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            let now = self.messages();
            if now.len() >= n {
                return now;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.messages();
            }
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.get_mut().ok().and_then(|r| r.take()) {
            r.task.abort();
        }
    }
}

fn listen(addr: SocketAddr, shared: Arc<Shared>) -> std::io::Result<(SocketAddr, Running)> {
    let socket = TcpSocket::new_v4()?;
    // Connections closed by stop() linger in TIME_WAIT on this port.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(64)?;
    let addr = listener.local_addr()?;
    let (stop, mut stop_rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stop_rx.changed() => break,
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        connections.spawn(session(stream, shared.clone()));
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        connections.shutdown().await;
    });
    Ok((addr, Running { stop, task }))
}

const MAX_LINE: usize = 64 * 1024;
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let _ = run_session(stream, shared).await;
}

fn address_arg(rest: &str) -> Option<String> {
    let start = rest.find('<')?;
    let end = rest[start..].find('>')? + start;
    Some(rest[start + 1..end].to_string())
}

fn refusal(mode: Mode) -> Option<&'static str> {
    match mode {
        Mode::Accept => None,
        Mode::TempFail => Some("451 4.3.0 Temporary failure, try again later\r\n"),
        Mode::PermFail => Some("550 5.7.1 Message refused\r\n"),
    }
}

async fn run_session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 localhost ESMTP aftercare-test\r\n").await?;

    let mut greeted = false;
    let mut from: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 || line.len() > MAX_LINE {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                greeted = true;
                from = None;
                recipients.clear();
                "250-localhost greets you\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n".into()
            }
            "HELO" => {
                greeted = true;
                from = None;
                recipients.clear();
                "250 localhost\r\n".into()
            }
            "MAIL" if !greeted => "503 5.5.1 Say EHLO first\r\n".into(),
            "MAIL" if from.is_some() => "503 5.5.1 Nested MAIL command\r\n".into(),
            "MAIL" => {
                let mode = *shared.mode.lock().unwrap();
                match (refusal(mode), rest.to_ascii_uppercase().starts_with("FROM:")) {
                    (Some(r), _) => r.into(),
                    (None, false) => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into(),
                    (None, true) => match address_arg(rest) {
                        Some(a) => {
                            from = Some(a);
                            "250 2.1.0 OK\r\n".into()
                        }
                        None => "501 5.1.7 Bad sender address syntax\r\n".into(),
                    },
                }
            }
            "RCPT" if from.is_none() => "503 5.5.1 Need MAIL first\r\n".into(),
            "RCPT" => match address_arg(rest).filter(|a| !a.is_empty()) {
                Some(a) if rest.to_ascii_uppercase().starts_with("TO:") => {
                    recipients.push(a);
                    "250 2.1.5 OK\r\n".into()
                }
                _ => "501 5.1.3 Bad recipient address syntax\r\n".into(),
            },
            "DATA" if recipients.is_empty() => "503 5.5.1 Need RCPT first\r\n".into(),
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let Some(data) = read_data(&mut read).await? else {
                    return Ok(());
                };
                let mode = *shared.mode.lock().unwrap();
                let reply = match refusal(mode) {
                    Some(r) => r.to_string(),
                    None => {
                        let received = Received {
                            from: from.clone().unwrap_or_default(),
                            recipients: recipients.clone(),
                            message_id: header(&data, "Message-ID"),
                            subject: header(&data, "Subject").map(|s| decode_words(&s)),
                            data,
                        };
                        let n = {
                            let mut all = shared.messages.lock().unwrap();
                            all.push(received);
                            all.len()
                        };
                        shared.arrived.notify_waiters();
                        format!("250 2.0.0 OK queued as TEST{n}\r\n")
                    }
                };
                from = None;
                recipients.clear();
                reply
            }
            "RSET" => {
                from = None;
                recipients.clear();
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            "VRFY" | "EXPN" => "502 5.5.1 Not implemented\r\n".into(),
            _ => "500 5.5.2 Command not recognized\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Reads DATA lines up to the lone `.`, undoing dot-stuffing. `None` when
/// the client went away first.
async fn read_data(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(String::from_utf8_lossy(&data).into_owned()));
        }
        let body = if line.starts_with(b".") { &line[1..] } else { &line[..] };
        if data.len() + body.len() <= MAX_MESSAGE {
            data.extend_from_slice(body);
        }
    }
}

/// Splits a MIME entity into (unfolded headers, body).
fn split_entity(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    (headers, body)
}

fn header(raw: &str, name: &str) -> Option<String> {
    let (headers, _) = split_entity(raw);
    headers
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Decodes RFC 2047 `=?utf-8?b?...?=` words (lettre's form for non-ASCII
/// subjects); other text is kept.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let decoded = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|w| {
                let mut parts = w.splitn(3, '?');
                let (_charset, enc, text) = (parts.next()?, parts.next()?, parts.next()?);
                match enc {
                    "b" | "B" => base64::engine::general_purpose::STANDARD.decode(text).ok(),
                    "q" | "Q" => Some(decode_qp(&text.replace('_', " "))),
                    _ => None,
                }
            })
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        match decoded {
            Some(d) => out.push_str(&d),
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
    }
    out
}

fn decode_qp(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(hex) = s.get(i + 1..i + 3) {
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let encoding = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_qp(body),
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default()
        }
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

/// Finds the first part of the given MIME type (depth-first through
/// multiparts) and returns its decoded body.
fn find_part(raw: &str, mime: &str) -> Option<String> {
    let (headers, body) = split_entity(raw);
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "text/plain".into());
    let lower = content_type.to_ascii_lowercase();
    if lower.starts_with("multipart/") {
        let boundary = content_type.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_string())
        })?;
        let delimiter = format!("--{boundary}");
        for part in body.split(delimiter.as_str()).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let part = part.strip_prefix("\r\n").unwrap_or(part);
            if let Some(found) = find_part(part, mime) {
                return Some(found);
            }
        }
        None
    } else if lower.starts_with(mime) {
        let body = body.strip_suffix("\r\n").unwrap_or(body);
        Some(decode_body(&headers, body))
    } else {
        None
    }
}

impl Received {
    /// The text/plain body, transfer-decoded, with `\n` line endings.
    pub fn decoded_text(&self) -> String {
        find_part(&self.data, "text/plain").unwrap_or_default()
    }

    /// The text/html body, transfer-decoded.
    pub fn decoded_html(&self) -> String {
        find_part(&self.data, "text/html").unwrap_or_default()
    }
}
