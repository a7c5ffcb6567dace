//! The second sign-in step after a right password: whether one is due, and
//! the one-time challenge that carries the sign-in to it. Below the use cases
//! so sign-in can ask without importing them.

use super::tokens;
use crate::db::{accounts, staff_clinic, totp as store, DbConn};
use crate::domain::{AccountId, AccountKind, TokenPurpose};
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};

/// How long a second-step challenge stays open.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(10);

/// True when the account has a confirmed second factor.
pub fn enrolled(conn: &mut DbConn, account: AccountId) -> Result<bool> {
    Ok(store::get(conn, account)?.is_some_and(|t| t.confirmed_at.is_some()))
}

/// After a right password: what the second step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No second factor, and the clinic does not require one.
    None,
    /// Type a code.
    Code,
    /// The clinic requires one and the account has none: enrol first.
    Enrol,
}

pub fn step_for(conn: &mut DbConn, account: AccountId, kind: AccountKind) -> Result<Step> {
    if kind != AccountKind::Staff {
        return Ok(Step::None);
    }
    if enrolled(conn, account)? {
        return Ok(Step::Code);
    }
    let required = match staff_clinic(conn, account)? {
        Some(c) => crate::db::clinics::get(conn, c)?.is_some_and(|c| c.require_totp),
        None => false,
    };
    Ok(if required { Step::Enrol } else { Step::None })
}

/// A challenge for the second step: the cookie value (the database keeps its hash).
pub fn open_challenge(conn: &mut DbConn, account: AccountId, now: DateTime<Utc>) -> Result<String> {
    let (token, hash) = tokens::generate();
    accounts::retire_tokens(conn, TokenPurpose::SecondFactor, Some(account), now.naive_utc())?;
    accounts::create_token(
        conn,
        TokenPurpose::SecondFactor,
        Some(account),
        &hash,
        now.naive_utc(),
        (now + CHALLENGE_LIFETIME).naive_utc(),
    )?;
    Ok(token)
}
