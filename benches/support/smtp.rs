//! A minimal SMTP sink on loopback for benchmarks: it answers every command
//! with success, reads each message to its closing dot, and notes the
//! [`Instant`] it arrived (just before its `250`). It keeps no message text,
//! so it costs the sender as little as a server can.
//!
//! ```ignore
//! #[path = "support/smtp.rs"]
//! mod smtp_sink;
//! let sink = smtp_sink::SmtpSink::start().await?;
//! // SMTP_HOST=127.0.0.1 SMTP_PORT=sink.port() SMTP_SECURITY=off
//! sink.wait_for(1_000, Duration::from_secs(60)).await;
//! let arrivals: Vec<Instant> = sink.arrivals();
//! ```

// Each benchmark uses part of this module.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Default)]
struct Shared {
    arrivals: Mutex<Vec<Instant>>,
    arrived: Notify,
}

/// Listens until dropped.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// Starts on 127.0.0.1 and a free port.
    pub async fn start() -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::default());
        let accepted = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, accepted.clone()));
            }
        });
        Ok(SmtpSink { port, shared, task })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Messages received so far.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// When each message arrived (its closing dot read), in arrival order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.lock().clone()
    }

    /// Waits until `n` messages have arrived in all or `timeout` passed;
    /// true if they did.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> bool {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Instant>> {
        self.shared.arrivals.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    // Replies are one write each; this only keeps the sink out of any doubt.
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb: Vec<u8> = line.iter().take(4).map(u8::to_ascii_uppercase).collect();
        let reply: &[u8] = match verb.as_slice() {
            b"EHLO" => b"250-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            b"DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                }
                shared
                    .arrivals
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Instant::now());
                shared.arrived.notify_waiters();
                b"250 2.0.0 queued\r\n"
            }
            b"QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 2.0.0 OK\r\n",
        };
        write.write_all(reply).await?;
    }
}
