//! Sending an [`OutgoingEmail`]: over SMTP (lettre's protocol over our own
//! pooled TCP_NODELAY connections, [`super::smtp_pool`]) or into a folder as
//! `.eml` files (development, and sites without a relay).
//!
//! Errors are classified for the outbox: permanent ones (5xx replies, an
//! address or message that can never be sent) end retries; everything else
//! (4xx replies, refused connections, timeouts, TLS) is retried.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;

use crate::config::{ConfigError, MailTransportSettings, Secret, SmtpSecurity};
use crate::mail::message::{build_message, OutgoingEmail};
use crate::mail::smtp_pool::{PoolOptions, SmtpError, SmtpPool};

/// Messages sent at once: the worker's parallelism and the SMTP pool size.
/// Each message waits on its server round trips, not on this machine, so
/// more connections is more throughput; 16 stays well under the per-client
/// connection limits of common relays (Postfix allows 50 by default).
pub const PARALLEL: usize = 16;

/// Bounds opening a connection (TCP, TLS, greeting, EHLO, STARTTLS, AUTH),
/// and each check of a parked one.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound for one whole send, so a server that trickles bytes cannot
/// hold a delivery worker indefinitely.
const SEND_DEADLINE: Duration = Duration::from_secs(120);

/// Where email goes. Built once at start-up and shared: the SMTP variant
/// keeps a pool of connections, so it must not be rebuilt per message.
pub enum Mailer {
    Smtp {
        pool: Box<SmtpPool>,
        from: String,
        /// `host:port (security)`, for logs.
        endpoint: String,
        /// Kept only to scrub it from error text, in case a server echoes it.
        password: Option<Secret>,
    },
    Dir {
        dir: PathBuf,
        from: String,
    },
}

/// What a successful send produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The SMTP server's final reply, e.g. `250 2.0.0 queued as 1A2B`.
    Smtp { response: String },
    /// The `.eml` file written.
    File { path: PathBuf },
}

/// A failed send. `message` names no password and no full recipient
/// address, so it can be logged and stored with the outbox row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// True when retrying cannot help (5xx reply, invalid address).
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }
    fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }
}

impl Mailer {
    /// Builds the mailer. `from` is the sender mailbox (`SMTP_FROM`).
    pub fn new(settings: &MailTransportSettings, from: &str) -> Result<Self, ConfigError> {
        if from.parse::<Mailbox>().is_err() {
            return Err(ConfigError::new("SMTP_FROM", format!("{from:?} is not a valid sender")));
        }
        match settings {
            MailTransportSettings::Dir(dir) => Ok(Mailer::Dir {
                dir: dir.clone(),
                from: from.to_string(),
            }),
            MailTransportSettings::Smtp(smtp) => Ok(Mailer::Smtp {
                pool: Box::new(SmtpPool::new(
                    smtp,
                    PoolOptions {
                        size: PARALLEL,
                        timeout: SMTP_TIMEOUT,
                        idle_timeout: Duration::from_secs(60),
                    },
                )?),
                from: from.to_string(),
                endpoint: format!("{}:{} ({})", smtp.host, smtp.port, security_name(smtp.security)),
                password: smtp.password.clone(),
            }),
        }
    }

    /// For logs: the server and its security, or the folder. Never credentials.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { endpoint, .. } => format!("SMTP {endpoint}"),
            Mailer::Dir { dir, .. } => format!("folder {}", dir.display()),
        }
    }

    /// Sends one email. Safe to call again for the same outbox row after a
    /// transient error: the Message-ID stays the same.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<Delivered, SendError> {
        let domain = recipient_domain(&email.to);
        let result = self.send_inner(email).await;
        match &result {
            Ok(_) => {
                tracing::info!(to_domain = %domain, message_id = %email.message_id, mailer = %self.describe(), "email sent")
            }
            Err(e) => tracing::warn!(
                to_domain = %domain,
                message_id = %email.message_id,
                mailer = %self.describe(),
                permanent = e.permanent,
                error = %e.message,
                "email not sent"
            ),
        }
        result
    }

    async fn send_inner(&self, email: &OutgoingEmail) -> Result<Delivered, SendError> {
        match self {
            Mailer::Smtp {
                pool,
                from,
                endpoint,
                password,
            } => {
                let message = build_message(email, from).map_err(|e| SendError::permanent(e.to_string()))?;
                let clean = |text: String| redact(&text, password.as_ref(), &email.to);
                let (envelope, bytes) = (message.envelope().clone(), message.formatted());
                match tokio::time::timeout(SEND_DEADLINE, pool.send(&envelope, &bytes)).await {
                    Err(_) => Err(SendError::transient(format!(
                        "SMTP {endpoint}: no answer within {} s",
                        SEND_DEADLINE.as_secs()
                    ))),
                    Ok(Ok(response)) => Ok(Delivered::Smtp {
                        response: clean(format!(
                            "{} {}",
                            response.code(),
                            response.message().collect::<Vec<_>>().join(" ")
                        )),
                    }),
                    Ok(Err(e)) => Err(SendError {
                        permanent: is_permanent(&e),
                        message: clean(format!("SMTP {endpoint}: {}", describe_smtp_error(&e))),
                    }),
                }
            }
            Mailer::Dir { dir, from } => {
                let message = build_message(email, from).map_err(|e| SendError::permanent(e.to_string()))?;
                let bytes = message.formatted();
                let dir = dir.clone();
                let name = format!("{}.eml", sanitise_file_stem(&email.message_id));
                let path = tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &bytes))
                    .await
                    .map_err(|e| SendError::transient(format!("mail folder writer stopped: {e}")))?
                    .map_err(|e| SendError::transient(format!("cannot write to mail folder: {e}")))?;
                tracing::info!(path = %path.display(), "email written to file");
                Ok(Delivered::File { path })
            }
        }
    }
}

fn security_name(s: SmtpSecurity) -> &'static str {
    match s {
        SmtpSecurity::Off => "no TLS",
        SmtpSecurity::StartTls => "STARTTLS",
        SmtpSecurity::Tls => "TLS",
    }
}

/// 5xx replies and client-side refusals of the message (an address or body
/// the server cannot take) fail the same way every time; all else may pass later
/// (a connection that could not be opened, TLS, a timeout).
/// Authentication failures are the exception: they are our configuration,
/// not the message, and an expired relay password must not turn every
/// pending alert into a dead one, so they stay retryable until fixed.
fn is_permanent(e: &SmtpError) -> bool {
    let SmtpError::Smtp(e) = e else { return false };
    if let Some(code) = e.status() {
        return e.is_permanent() && !is_auth_code(&code.to_string());
    }
    // Of lettre's client-side errors only the non-ASCII refusals concern the
    // message; the rest (no STARTTLS, no auth mechanism) are server setup.
    e.is_client() && e.to_string().contains("non-ascii")
}

/// 530 authentication required, 534 mechanism too weak, 535 credentials
/// invalid, 538 encryption required for the mechanism (RFC 4954).
fn is_auth_code(code: &str) -> bool {
    matches!(code, "530" | "534" | "535" | "538")
}

fn describe_smtp_error(e: &SmtpError) -> String {
    let e = match e {
        SmtpError::Smtp(e) => e,
        SmtpError::Connect(_) => return format!("failed: {e}"),
        SmtpError::Tls(_) => return format!("TLS failed: {e}"),
        SmtpError::ConnectTimeout(_) => return format!("timed out: {e}"),
    };
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_permanent() {
        "rejected"
    } else if e.is_transient() {
        "temporarily refused"
    } else if e.is_tls() {
        "TLS failed"
    } else {
        "failed"
    };
    format!("{kind}: {e}")
}

/// A failed attempt's stored error in plain words for an admin: what
/// probably happened and what to check. The stored text (the server's own
/// reply) is shown beside it.
pub fn in_words(error: &str) -> &'static str {
    let e = error.to_ascii_lowercase();
    let code = |c: &str| e.contains(&format!("({c})"));
    if e.contains("no answer within") || e.contains("timed out") {
        "The mail server did not answer in time. It may be down or overloaded, or a firewall may be blocking the connection."
    } else if code("530") || code("534") || code("535") || code("538") {
        "The mail server refused Aftercare's sign-in: check SMTP_USERNAME and SMTP_PASSWORD (and SMTP_SECURITY)."
    } else if e.contains("connection refused") || e.contains("connection error") || e.contains("network error") {
        "Aftercare could not connect to the mail server: check SMTP_HOST and SMTP_PORT, and that the server is running."
    } else if e.contains("tls error") || e.contains("tls failed") {
        "The secure connection to the mail server failed: check SMTP_SECURITY and the server's certificate."
    } else if e.contains("transient error") || e.contains("temporarily refused") {
        "The mail server refused the message for now (a temporary problem on its side). Aftercare keeps trying."
    } else if e.contains("permanent error") || e.contains("rejected") {
        "The mail server rejected the message: check the address, and whether the server accepts mail from Aftercare's sender address (SMTP_FROM)."
    } else if e.contains("mail folder") {
        "Aftercare could not write the email into its mail folder (MAIL_DIR): check the folder exists and can be written."
    } else {
        "The email could not be sent. The server's reply below says why."
    }
}

/// The domain part of a recipient, for logs (the full address is personal
/// data and stays out of them).
pub fn recipient_domain(to: &str) -> String {
    match to.parse::<Mailbox>() {
        Ok(m) => m.email.domain().to_string(),
        Err(_) => "(invalid address)".to_string(),
    }
}

/// Removes the SMTP password and the recipient's full address from text
/// that came back from the server.
fn redact(text: &str, password: Option<&Secret>, to: &str) -> String {
    let mut out = text.to_string();
    if let Some(p) = password.map(Secret::expose).filter(|p| !p.is_empty()) {
        out = out.replace(p, "[redacted]");
    }
    if let Ok(m) = to.parse::<Mailbox>() {
        let address = m.email.to_string();
        out = out.replace(&address, &format!("…@{}", m.email.domain()));
    }
    out
}

/// A file name from a Message-ID: keeps letters, digits, `.`, `-`, `_`, `@`;
/// anything else becomes `_`, and no leading dot (hidden file, or `..`).
fn sanitise_file_stem(message_id: &str) -> String {
    let stem: String = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_start_matches('.');
    if stem.is_empty() {
        "message".to_string()
    } else {
        stem.to_string()
    }
}

/// Writes to a temporary name in the same folder, then renames, so a reader
/// never sees half a message; a retry of the same row replaces the file.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let final_path = dir.join(name);
    let tmp_path = dir.join(format!(".{}.{}.tmp", name, uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp_path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp_path, &final_path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result.map(|()| final_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SmtpSettings;

    fn smtp(security: SmtpSecurity) -> MailTransportSettings {
        MailTransportSettings::Smtp(SmtpSettings {
            host: "smtp.example.org".into(),
            port: 2525,
            security,
            username: Some("apikey-user".into()),
            password: Some(Secret::new("hunter2-very-secret")),
        })
    }

    #[tokio::test]
    async fn describe_names_endpoint_not_credentials() {
        for (sec, word) in [
            (SmtpSecurity::Off, "no TLS"),
            (SmtpSecurity::StartTls, "STARTTLS"),
            (SmtpSecurity::Tls, "TLS"),
        ] {
            let m = Mailer::new(&smtp(sec), "Aftercare <a@b.example>").unwrap();
            let d = m.describe();
            assert!(d.contains("smtp.example.org:2525") && d.contains(word), "{d}");
            assert!(!d.contains("hunter2") && !d.contains("apikey-user"), "{d}");
        }
        let m = Mailer::new(&MailTransportSettings::Dir("/tmp/mail".into()), "a@b.example").unwrap();
        assert_eq!(m.describe(), "folder /tmp/mail");
        assert!(Mailer::new(&MailTransportSettings::Dir("/tmp".into()), "nope").is_err());
    }

    #[test]
    fn redaction_removes_password_and_full_address() {
        let secret = Secret::new("hunter2-very-secret");
        let text = "535 auth failed for hunter2-very-secret; 550 <jane.doe@patient.example> unknown";
        let out = redact(text, Some(&secret), "Jane <jane.doe@patient.example>");
        assert!(!out.contains("hunter2") && !out.contains("jane.doe"), "{out}");
        assert!(out.contains("…@patient.example"), "{out}");
    }

    #[test]
    fn errors_read_in_plain_words() {
        let cases = [
            ("SMTP 127.0.0.1:25 (no TLS): no answer within 30 s", "did not answer"),
            (
                "SMTP h:25 (no TLS): failed: Connection error: Connection refused (os error 111)",
                "could not connect",
            ),
            (
                "SMTP h:25 (no TLS): temporarily refused: transient error (451): try later",
                "for now",
            ),
            (
                "SMTP h:25 (no TLS): rejected: permanent error (550): no such user",
                "rejected",
            ),
            (
                "SMTP h:25 (TLS): rejected: permanent error (535): bad credentials",
                "sign-in",
            ),
            ("cannot write to mail folder: denied", "mail folder"),
        ];
        for (raw, words) in cases {
            assert!(in_words(raw).contains(words), "{raw} -> {}", in_words(raw));
        }
    }

    #[test]
    fn authentication_codes_are_recognised() {
        assert!(is_auth_code("535") && is_auth_code("530"));
        assert!(!is_auth_code("550") && !is_auth_code("451"));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(sanitise_file_stem("<outbox-12.ab@aftercare>"), "outbox-12.ab@aftercare");
        assert_eq!(sanitise_file_stem("<../../etc/passwd@x>"), "_.._etc_passwd@x");
        assert_eq!(sanitise_file_stem("<>"), "message");
        assert_eq!(recipient_domain("Desk <desk@clinic.example>"), "clinic.example");
    }
}
