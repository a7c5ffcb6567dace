//! A small pool of SMTP connections whose sockets have TCP_NODELAY set.
//!
//! Why not lettre's own pool: lettre 0.11.23 opens its sockets itself and
//! leaves Nagle's algorithm on (its upstream fix is merged but not released).
//! It writes a message body and the closing `\r\n.\r\n` as two writes, so the
//! second waits for the server's delayed ACK: about 40 ms per message. Its
//! pool cannot be given a stream, but a single connection can
//! ([`AsyncSmtpConnection::connect_with_transport`]), so the SMTP protocol,
//! STARTTLS and AUTH stay lettre's; only the socket, implicit TLS (rustls, the
//! same webpki roots lettre uses) and the pooling are here.
//!
//! Like lettre's pool, a parked connection is checked with NOOP before it is
//! used again, so a server that closed it costs a reconnect, not a failed send.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_rustls::rustls;

use crate::config::{ConfigError, SmtpSecurity, SmtpSettings};

/// How a connection is secured (`SMTP_SECURITY`).
enum Security {
    Off,
    /// Plain connect, then STARTTLS (lettre's), refusing a server without it.
    StartTls(TlsParameters),
    /// TLS from the first byte (port 465).
    Tls {
        connector: tokio_rustls::TlsConnector,
        name: rustls::pki_types::ServerName<'static>,
    },
}

/// Why a connection could not be had or a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("Connection error: {0}")]
    Connect(std::io::Error),
    #[error("TLS error: {0}")]
    Tls(std::io::Error),
    #[error("connection timed out after {} s", .0.as_secs())]
    ConnectTimeout(Duration),
    #[error(transparent)]
    Smtp(#[from] lettre::transport::smtp::Error),
}

struct Parked {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// Where and how to connect: built once, shared by every send.
pub struct SmtpPool {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// Bounds connecting, TLS, greeting, EHLO, STARTTLS and AUTH together,
    /// and each NOOP check of a parked connection.
    timeout: Duration,
    idle_timeout: Duration,
    /// One permit per connection in use: at most `size` open at once.
    slots: Semaphore,
    idle: Mutex<Vec<Parked>>,
}

/// The options [`SmtpPool::new`] takes.
pub struct PoolOptions {
    pub size: usize,
    pub timeout: Duration,
    pub idle_timeout: Duration,
}

impl SmtpPool {
    pub fn new(s: &SmtpSettings, options: PoolOptions) -> Result<Self, ConfigError> {
        let bad_host = |e: String| ConfigError::new("SMTP_HOST", format!("{:?}: {e}", s.host));
        let security = match s.security {
            SmtpSecurity::Off => Security::Off,
            SmtpSecurity::StartTls => {
                Security::StartTls(TlsParameters::new(s.host.clone()).map_err(|e| bad_host(e.to_string()))?)
            }
            SmtpSecurity::Tls => Security::Tls {
                connector: tokio_rustls::TlsConnector::from(Arc::new(
                    tls_config().map_err(|e| bad_host(e.to_string()))?,
                )),
                name: rustls::pki_types::ServerName::try_from(s.host.clone()).map_err(|e| bad_host(e.to_string()))?,
            },
        };
        let credentials = match (&s.username, &s.password) {
            (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password.expose().to_string())),
            _ => None,
        };
        Ok(Self {
            host: s.host.clone(),
            port: s.port,
            security,
            credentials,
            hello: ClientId::default(),
            timeout: options.timeout,
            idle_timeout: options.idle_timeout,
            slots: Semaphore::new(options.size.max(1)),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one message over a pooled connection (opened if none is idle).
    /// The connection goes back to the pool only if it is still sound;
    /// lettre closes it on any error.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<Response, SmtpError> {
        // Never closed: the pool owns the semaphore and closes nothing.
        let _slot = self.slots.acquire().await.ok();
        let mut conn = self.checkout().await?;
        let result = conn.send(envelope, message).await;
        if !conn.has_broken() {
            self.park(conn);
        }
        Ok(result?)
    }

    /// A parked connection that still answers NOOP, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        loop {
            let parked = {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                // Dropping one closes its socket; the server sees a hang-up, as it would from lettre.
                idle.retain(|p| p.since.elapsed() < self.idle_timeout);
                idle.pop()
            };
            let Some(Parked { mut conn, .. }) = parked else {
                return self.connect().await;
            };
            if tokio::time::timeout(self.timeout, conn.test_connected())
                .await
                .unwrap_or(false)
            {
                return Ok(conn);
            }
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.push(Parked {
            conn,
            since: Instant::now(),
        });
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        tokio::time::timeout(self.timeout, self.connect_inner())
            .await
            .map_err(|_| SmtpError::ConnectTimeout(self.timeout))?
    }

    async fn connect_inner(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(SmtpError::Connect)?;
        // The reason for this module: see its header.
        tcp.set_nodelay(true).map_err(SmtpError::Connect)?;
        let mut conn = match &self.security {
            Security::Off => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?,
            Security::StartTls(params) => {
                let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?;
                conn.starttls(params.clone(), &self.hello).await?;
                conn
            }
            Security::Tls { connector, name } => {
                let tls = connector.connect(name.clone(), tcp).await.map_err(SmtpError::Tls)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(TlsStream(tls)), &self.hello).await?
            }
        };
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

/// What lettre's rustls backend trusts by default here: the webpki roots.
fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// An implicit-TLS stream in the shape lettre takes.
#[derive(Debug)]
struct TlsStream(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncRead for TlsStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}
