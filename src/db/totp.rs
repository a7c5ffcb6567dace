//! Staff second factors and their recovery codes.

use super::schema::{recovery_codes, staff_totp};
use super::{DbConn, DbError};
use crate::domain::AccountId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_totp)]
pub struct TotpRow {
    pub account_id: i64,
    /// Encrypted (see `auth::totp::seal`).
    pub secret: String,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, account: AccountId) -> Result<Option<TotpRow>, DbError> {
    Ok(staff_totp::table
        .find(account.0)
        .select(TotpRow::as_select())
        .first(conn)
        .optional()?)
}

/// Starts (or restarts) an enrolment: an unconfirmed secret.
pub fn put_pending(conn: &mut DbConn, account: AccountId, sealed: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::delete(staff_totp::table.find(account.0)).execute(conn)?;
    diesel::insert_into(staff_totp::table)
        .values((
            staff_totp::account_id.eq(account.0),
            staff_totp::secret.eq(sealed),
            staff_totp::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn confirm(conn: &mut DbConn, account: AccountId, step: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        staff_totp::table
            .find(account.0)
            .filter(staff_totp::confirmed_at.is_null()),
    )
    .set((staff_totp::confirmed_at.eq(now), staff_totp::last_step.eq(step)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Accepts `step` if it is later than the last one accepted, atomically: of
/// two requests with the same code, one wins.
pub fn use_step(conn: &mut DbConn, account: AccountId, step: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        staff_totp::table
            .find(account.0)
            .filter(staff_totp::confirmed_at.is_not_null())
            .filter(staff_totp::last_step.is_null().or(staff_totp::last_step.lt(step))),
    )
    .set(staff_totp::last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

/// Removes the second factor and its recovery codes.
pub fn remove(conn: &mut DbConn, account: AccountId) -> Result<bool, DbError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account.0))).execute(conn)?;
    Ok(diesel::delete(staff_totp::table.find(account.0)).execute(conn)? > 0)
}

/// Whether any account has a confirmed second factor (startup refuses to run
/// without `TOTP_KEY` then).
pub fn any_confirmed(conn: &mut DbConn) -> Result<bool, DbError> {
    Ok(staff_totp::table
        .filter(staff_totp::confirmed_at.is_not_null())
        .select(staff_totp::account_id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Replaces the account's recovery codes with `hashes`.
pub fn set_recovery_codes(conn: &mut DbConn, account: AccountId, hashes: &[String]) -> Result<(), DbError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account.0))).execute(conn)?;
    for h in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::code_hash.eq(h),
                recovery_codes::account_id.eq(account.0),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses up one recovery code, atomically; false if unknown or used.
pub fn use_recovery_code(
    conn: &mut DbConn,
    account: AccountId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::account_id.eq(account.0))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn recovery_codes_left(conn: &mut DbConn, account: AccountId) -> Result<i64, DbError> {
    Ok(recovery_codes::table
        .filter(recovery_codes::account_id.eq(account.0))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}
