//! Trusted devices: browsers that signed in to an account before. The
//! browser keeps a random token in a long-lived cookie; the database keeps
//! its hash per account, so one browser can be trusted by several accounts.

use super::schema::{accounts, trusted_devices};
use super::{DbConn, DbError};
use crate::domain::{AccountId, EmailAddress};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Whether the device with `token_hash` has signed in to the account with
/// `email` before.
pub fn is_trusted_for(conn: &mut DbConn, token_hash: &str, email: &EmailAddress) -> Result<bool, DbError> {
    let n: i64 = trusted_devices::table
        .inner_join(accounts::table)
        .filter(trusted_devices::token_hash.eq(token_hash))
        .filter(accounts::email.eq(email.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Remembers that the device signed in to `account` (or refreshes when).
pub fn trust(conn: &mut DbConn, token_hash: &str, account: AccountId, now: NaiveDateTime) -> Result<(), DbError> {
    let updated = diesel::update(trusted_devices::table.find((token_hash, account.0)))
        .set(trusted_devices::last_used_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(trusted_devices::table)
            .values((
                trusted_devices::token_hash.eq(token_hash),
                trusted_devices::account_id.eq(account.0),
                trusted_devices::created_at.eq(now),
                trusted_devices::last_used_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
