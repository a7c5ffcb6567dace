//! A person's own sessions: the list on "Your account", and signing one of
//! them out (audited).

use crate::auth::signin;
use crate::db::{sessions, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{AccountId, AccountKind};
use crate::error::Result;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// How a session is named in a form: a prefix of its id's hash (the hash is
/// not the cookie, and a prefix cannot be turned back into either).
pub fn handle(id_hash: &str) -> &str {
    &id_hash[..id_hash.len().min(16)]
}

/// One active session.
pub struct SessionView {
    pub handle: String,
    pub started: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub ip: Option<String>,
    pub browser: Option<String>,
    /// The session this page is being viewed in.
    pub current: bool,
}

/// `account`'s sessions that are still active at `now` (within the absolute
/// lifetime and the idle timeout `idle`), most recently seen first.
pub async fn list(
    db: &Db,
    account: AccountId,
    current_hash: String,
    idle: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<SessionView>> {
    let now = now.naive_utc();
    let all = db.read_async(move |c| Ok(sessions::of_account(c, account)?)).await?;
    Ok(all
        .into_iter()
        .filter(|s| s.expires_at > now && s.last_seen_at + idle > now)
        .map(|s| SessionView {
            handle: handle(&s.id_hash).to_string(),
            current: s.id_hash == current_hash,
            started: s.created_at,
            last_seen: s.last_seen_at,
            ip: s.ip,
            browser: s.browser,
        })
        .collect())
}

/// What signing out one session did.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Another device's session.
    Other,
    /// The session the request came from.
    This,
    /// No such session of this account (already ended).
    None,
}

/// Ends the session of `account` named by `handle`; audited.
pub async fn end_one(
    db: &Db,
    account: AccountId,
    kind: AccountKind,
    handle_typed: String,
    current_hash: String,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<Ended> {
    db.write_async(move |c| end_one_in(c, account, kind, &handle_typed, &current_hash, ip, now))
        .await
}

fn end_one_in(
    conn: &mut DbConn,
    account: AccountId,
    kind: AccountKind,
    handle_typed: &str,
    current_hash: &str,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<Ended> {
    if handle_typed.len() != 16 {
        return Ok(Ended::None);
    }
    let Some(target) = sessions::of_account(conn, account)?
        .into_iter()
        .find(|s| handle(&s.id_hash) == handle_typed)
    else {
        return Ok(Ended::None);
    };
    if !sessions::delete_of_account(conn, account, &target.id_hash)? {
        return Ok(Ended::None);
    }
    signin::audit_self(conn, account, kind, ip, AuditAction::SignoutSession, now)?;
    Ok(if target.id_hash == current_hash {
        Ended::This
    } else {
        Ended::Other
    })
}
