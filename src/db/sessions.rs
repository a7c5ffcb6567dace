//! Server-side sessions: the cookie holds a random token, the database holds
//! its hash. Deleting the row signs the browser out, on every app instance.

use super::schema::{accounts, sessions};
use super::{DbConn, DbError};
use crate::domain::{AccountId, AccountKind};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id_hash: String,
    #[diesel(deserialize_as = i64)]
    pub account_id: AccountId,
    pub csrf_token: String,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub last_seen_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub expires_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    id_hash: &str,
    account: AccountId,
    csrf: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    ip: Option<&str>,
) -> Result<(), DbError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::account_id.eq(account.0),
            sessions::csrf_token.eq(csrf),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
            sessions::ip.eq(ip),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session and its account's kind and disabled flag.
pub fn find(conn: &mut DbConn, id_hash: &str) -> Result<Option<(SessionRow, AccountKind, bool)>, DbError> {
    let found = per_backend!(conn, |c| sessions::table
        .inner_join(accounts::table)
        .filter(sessions::id_hash.eq(id_hash))
        .select((SessionRow::as_select(), accounts::kind, accounts::disabled))
        .first::<(SessionRow, String, bool)>(c)
        .optional())?;
    Ok(match found {
        Some((row, kind, disabled)) => match AccountKind::parse(&kind) {
            Ok(kind) => Some((row, kind, disabled)),
            Err(_) => None,
        },
        None => None,
    })
}

pub fn touch(conn: &mut DbConn, id_hash: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id_hash: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    Ok(())
}

/// Ends every session of an account ("sign out everywhere", disabling, password change).
pub fn delete_all(conn: &mut DbConn, account: AccountId, except: Option<&str>) -> Result<usize, DbError> {
    let q = sessions::table.filter(sessions::account_id.eq(account.0));
    Ok(match except {
        Some(keep) => diesel::delete(q.filter(sessions::id_hash.ne(keep))).execute(conn)?,
        None => diesel::delete(q).execute(conn)?,
    })
}

/// Removes sessions past their absolute lifetime.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)?)
}

/// Records which browser family a session was opened from.
pub fn set_browser(conn: &mut DbConn, id_hash: &str, browser: &str) -> Result<(), DbError> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::browser.eq(browser))
        .execute(conn)?;
    Ok(())
}

/// One of an account's sessions, for "Your account".
#[derive(Debug, Clone, Queryable)]
pub struct SessionInfo {
    pub id_hash: String,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub last_seen_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub expires_at: NaiveDateTime,
    pub ip: Option<String>,
    pub browser: Option<String>,
}

/// An account's sessions, most recently seen first.
pub fn of_account(conn: &mut DbConn, account: AccountId) -> Result<Vec<SessionInfo>, DbError> {
    Ok(sessions::table
        .filter(sessions::account_id.eq(account.0))
        .order(sessions::last_seen_at.desc())
        .select((
            sessions::id_hash,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::expires_at,
            sessions::ip,
            sessions::browser,
        ))
        .load(conn)?)
}

/// Ends one session of `account` (never another account's).
pub fn delete_of_account(conn: &mut DbConn, account: AccountId, id_hash: &str) -> Result<bool, DbError> {
    let n = diesel::delete(
        sessions::table
            .filter(sessions::id_hash.eq(id_hash))
            .filter(sessions::account_id.eq(account.0)),
    )
    .execute(conn)?;
    Ok(n == 1)
}
