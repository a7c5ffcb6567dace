//! One-time links: a random token, stored hashed with its purpose, account
//! and expiry, and the URL that carries it.

use crate::auth::tokens;
use crate::db::{accounts, DbConn};
use crate::domain::{AccountId, TokenPurpose};
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};

/// A new one-time link for `purpose`; returns the full URL.
pub fn issue_link(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    account: Option<AccountId>,
    now: DateTime<Utc>,
    lifetime: Duration,
    public_url: &str,
) -> Result<String> {
    let (token, hash) = tokens::generate();
    accounts::create_token(
        conn,
        purpose,
        account,
        &hash,
        now.naive_utc(),
        (now + lifetime).naive_utc(),
    )?;
    let public_url = public_url.trim_end_matches('/');
    let path = match purpose {
        TokenPurpose::Setup => "setup",
        TokenPurpose::Invite => "invite",
        TokenPurpose::Reset => "reset",
        // Travels in a cookie, not a link; this is the page it opens.
        TokenPurpose::SecondFactor => "login/totp",
        // In the path: RFC 8058's one-click POST goes to the URL as it is.
        TokenPurpose::Unsubscribe => return Ok(format!("{public_url}/reminders/unsubscribe/{token}")),
    };
    Ok(format!("{public_url}/{path}?token={token}"))
}
