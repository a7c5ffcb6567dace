//! Settings from the environment (12-factor; a `.env` file is read by the
//! binary). Validated once at start-up: a bad value ends the process with one
//! line naming the setting. The variable names are a public contract.

use crate::db::DatabaseUrl;
use chrono::Duration;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret that never prints: `Debug` and `Display` show a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A configuration problem: which setting, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    Off,
    StartTls,
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
}

/// Where email goes: a real SMTP server, or `.eml` files in a folder.
#[derive(Debug, Clone)]
pub enum MailTransportSettings {
    Smtp(SmtpSettings),
    Dir(PathBuf),
}

#[derive(Debug, Clone, Copy)]
pub struct SessionLifetimes {
    pub staff_idle: Duration,
    pub staff_absolute: Duration,
    pub patient_idle: Duration,
    pub patient_absolute: Duration,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        Self {
            staff_idle: Duration::minutes(30),
            staff_absolute: Duration::hours(12),
            patient_idle: Duration::days(14),
            patient_absolute: Duration::days(30),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    /// Base for links in emails, without a trailing slash.
    pub public_url: String,
    pub mail: MailTransportSettings,
    pub mail_from: String,
    pub sessions: SessionLifetimes,
    /// Seconds between scheduler and delivery-worker passes.
    pub worker_interval_secs: u64,
    /// Whether `serve` runs the delivery worker and the scheduler (on by
    /// default; off for a web-only process beside others that run them).
    pub run_workers: bool,
    /// Requests at least this slow are logged at info even when they succeeded.
    pub slow_request: std::time::Duration,
    /// Encrypts staff TOTP secrets at rest (`TOTP_KEY`, 64 hex digits).
    pub totp_key: Option<TotpKey>,
}

/// The 256-bit key that encrypts TOTP secrets in the database; never printed.
#[derive(Clone)]
pub struct TotpKey(pub [u8; 32]);

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(..)")
    }
}

impl TotpKey {
    /// 64 hex digits (e.g. from `openssl rand -hex 32`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bytes =
            hex::decode(s.trim()).map_err(|_| "is not 64 hex digits (try `openssl rand -hex 32`)".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be 64 hex digits (32 bytes; try `openssl rand -hex 32`)".to_string())?;
        Ok(Self(key))
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests can pass a map.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let database = DatabaseUrl::parse(&var("DATABASE_URL").unwrap_or_else(|| "aftercare.db".into()))
            .map_err(|m| ConfigError::new("DATABASE_URL", m))?;

        let bind_raw = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_raw.parse().map_err(|_| {
            ConfigError::new(
                "BIND",
                format!("{bind_raw:?} is not an address and port like 127.0.0.1:8080"),
            )
        })?;

        let public_url = match var("PUBLIC_URL") {
            Some(u) => {
                let parsed = url::Url::parse(&u).map_err(|_| {
                    ConfigError::new(
                        "PUBLIC_URL",
                        format!("{u:?} is not a URL like https://aftercare.example.org"),
                    )
                })?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err(ConfigError::new(
                        "PUBLIC_URL",
                        "must start with http:// or https:// and name a host",
                    ));
                }
                u.trim_end_matches('/').to_string()
            }
            None => {
                let host = if bind.ip().is_unspecified() {
                    "127.0.0.1".to_string()
                } else {
                    bind.ip().to_string()
                };
                let host = if bind.is_ipv6() && host.contains(':') {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("http://{host}:{}", bind.port())
            }
        };

        let mail = match var("SMTP_HOST") {
            Some(host) => {
                let security = match var("SMTP_SECURITY").as_deref() {
                    None | Some("starttls") => SmtpSecurity::StartTls,
                    Some("tls") => SmtpSecurity::Tls,
                    Some("off") => SmtpSecurity::Off,
                    Some(other) => {
                        return Err(ConfigError::new(
                            "SMTP_SECURITY",
                            format!("{other:?} is not one of: off, starttls, tls"),
                        ))
                    }
                };
                let port = match var("SMTP_PORT") {
                    Some(p) => p
                        .parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| ConfigError::new("SMTP_PORT", format!("{p:?} is not a port number")))?,
                    None => match security {
                        SmtpSecurity::Off => 25,
                        SmtpSecurity::StartTls => 587,
                        SmtpSecurity::Tls => 465,
                    },
                };
                let username = var("SMTP_USERNAME");
                let password = get("SMTP_PASSWORD").filter(|p| !p.is_empty()).map(Secret::new);
                if username.is_some() != password.is_some() {
                    return Err(ConfigError::new(
                        if username.is_some() {
                            "SMTP_PASSWORD"
                        } else {
                            "SMTP_USERNAME"
                        },
                        "set both SMTP_USERNAME and SMTP_PASSWORD, or neither",
                    ));
                }
                MailTransportSettings::Smtp(SmtpSettings {
                    host,
                    port,
                    security,
                    username,
                    password,
                })
            }
            None => {
                if let Some(s) = var("SMTP_SECURITY") {
                    if !matches!(s.as_str(), "off" | "starttls" | "tls") {
                        return Err(ConfigError::new(
                            "SMTP_SECURITY",
                            format!("{s:?} is not one of: off, starttls, tls"),
                        ));
                    }
                }
                MailTransportSettings::Dir(PathBuf::from(var("MAIL_DIR").unwrap_or_else(|| "mail".into())))
            }
        };

        let mail_from = var("SMTP_FROM").unwrap_or_else(|| "Aftercare <aftercare@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new(
                "SMTP_FROM",
                format!("{mail_from:?} is not a sender like \"Aftercare <alerts@clinic.example>\""),
            ));
        }

        let mut sessions = SessionLifetimes::default();
        let minutes = |k: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            match var(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|m| (1..=60 * 24 * 366).contains(m))
                    .map(Duration::minutes)
                    .ok_or_else(|| ConfigError::new(k, format!("{v:?} is not a number of minutes (1 to 527040)"))),
            }
        };
        sessions.staff_idle = minutes("STAFF_IDLE_MINUTES", sessions.staff_idle)?;
        sessions.staff_absolute = minutes("STAFF_SESSION_MINUTES", sessions.staff_absolute)?;
        sessions.patient_idle = minutes("PATIENT_IDLE_MINUTES", sessions.patient_idle)?;
        sessions.patient_absolute = minutes("PATIENT_SESSION_MINUTES", sessions.patient_absolute)?;

        let worker_interval_secs = match var("WORKER_INTERVAL_SECONDS") {
            None => 5,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=3600).contains(s))
                .ok_or_else(|| ConfigError::new("WORKER_INTERVAL_SECONDS", format!("{v:?} is not 1 to 3600")))?,
        };

        let run_workers = match var("RUN_WORKERS").as_deref() {
            None | Some("on") | Some("true") | Some("1") => true,
            Some("off") | Some("false") | Some("0") => false,
            Some(other) => return Err(ConfigError::new("RUN_WORKERS", format!("{other:?} is not on or off"))),
        };

        let slow_request = match var("SLOW_REQUEST_MS") {
            None => std::time::Duration::from_millis(500),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=600_000).contains(ms))
                .map(std::time::Duration::from_millis)
                .ok_or_else(|| ConfigError::new("SLOW_REQUEST_MS", format!("{v:?} is not 1 to 600000")))?,
        };
        let totp_key = match get("TOTP_KEY").filter(|k| !k.trim().is_empty()) {
            Some(k) => Some(TotpKey::parse(&k).map_err(|m| ConfigError::new("TOTP_KEY", m))?),
            None => None,
        };

        Ok(Self {
            database,
            bind,
            public_url,
            mail,
            mail_from,
            sessions,
            worker_interval_secs,
            run_workers,
            slow_request,
            totp_key,
        })
    }

    /// True when links and cookies are served over https.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Checks what can only be checked against the machine: that the mail
    /// folder can be written when mail goes to files.
    pub fn check_mail_dir(&self) -> Result<(), ConfigError> {
        if let MailTransportSettings::Dir(dir) = &self.mail {
            let fail =
                |e: std::io::Error| ConfigError::new("MAIL_DIR", format!("cannot write to {}: {e}", dir.display()));
            std::fs::create_dir_all(dir).map_err(fail)?;
            let probe = dir.join(".aftercare-write-check");
            std::fs::write(&probe, b"ok").map_err(fail)?;
            let _ = std::fs::remove_file(probe);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_safe_and_local() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert!(matches!(s.mail, MailTransportSettings::Dir(ref d) if d == std::path::Path::new("mail")));
        assert!(matches!(s.database, DatabaseUrl::Sqlite(ref p) if p == "aftercare.db"));
        assert_eq!(s.slow_request, std::time::Duration::from_millis(500));
    }

    #[test]
    fn each_bad_value_names_its_setting() {
        for (pairs, setting) in [
            (vec![("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (vec![("BIND", "localhost")], "BIND"),
            (vec![("PUBLIC_URL", "ftp://x")], "PUBLIC_URL"),
            (
                vec![("SMTP_HOST", "mail.example.org"), ("SMTP_SECURITY", "ssl")],
                "SMTP_SECURITY",
            ),
            (vec![("SMTP_SECURITY", "maybe")], "SMTP_SECURITY"),
            (
                vec![("SMTP_HOST", "mail.example.org"), ("SMTP_PORT", "99999")],
                "SMTP_PORT",
            ),
            (
                vec![("SMTP_HOST", "mail.example.org"), ("SMTP_USERNAME", "u")],
                "SMTP_PASSWORD",
            ),
            (vec![("SMTP_FROM", "not an address")], "SMTP_FROM"),
            (vec![("SLOW_REQUEST_MS", "0")], "SLOW_REQUEST_MS"),
            (vec![("SLOW_REQUEST_MS", "fast")], "SLOW_REQUEST_MS"),
        ] {
            let err = settings(&pairs).unwrap_err();
            assert_eq!(err.setting, setting, "{pairs:?}");
            assert!(err.to_string().starts_with(setting));
        }
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[
            ("SMTP_HOST", "smtp.example.org"),
            ("SMTP_USERNAME", "apikey"),
            ("SMTP_PASSWORD", "hunter2-very-secret"),
            ("DATABASE_URL", "postgres://u:dbpass@h/db"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("dbpass"), "{shown}");
        match s.mail {
            MailTransportSettings::Smtp(smtp) => {
                assert_eq!(smtp.port, 587);
                assert_eq!(smtp.security, SmtpSecurity::StartTls);
            }
            _ => panic!("expected SMTP"),
        }
    }
}
