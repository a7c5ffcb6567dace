//! API tokens: one clinic's read-only access for another system. Only the
//! token's SHA-256 is stored.

use super::schema::api_tokens;
use super::{DbConn, DbError};
use crate::domain::{ClinicId, StaffId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    pub name: String,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub last_used_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn create(
    conn: &mut DbConn,
    clinic: ClinicId,
    name: &str,
    hash: &str,
    by: StaffId,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::clinic_id.eq(clinic.0),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(hash),
            api_tokens::created_by.eq(by.0),
            api_tokens::created_at.eq(now),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?)
}

/// A clinic's tokens, newest first (revoked ones too: the page shows them).
pub fn of_clinic(conn: &mut DbConn, clinic: ClinicId) -> Result<Vec<ApiToken>, DbError> {
    Ok(api_tokens::table
        .filter(api_tokens::clinic_id.eq(clinic.0))
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// The live (not revoked) token with this hash.
pub fn live_by_hash(conn: &mut DbConn, hash: &str) -> Result<Option<ApiToken>, DbError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?)
}

pub fn touch(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Revokes one of `clinic`'s tokens; the name of the token, or None when it
/// is another clinic's, unknown, or already revoked.
pub fn revoke(conn: &mut DbConn, clinic: ClinicId, id: i64, now: NaiveDateTime) -> Result<Option<String>, DbError> {
    let live = api_tokens::table
        .filter(api_tokens::id.eq(id))
        .filter(api_tokens::clinic_id.eq(clinic.0))
        .filter(api_tokens::revoked_at.is_null());
    let Some(name) = live.select(api_tokens::name).first::<String>(conn).optional()? else {
        return Ok(None);
    };
    diesel::update(live).set(api_tokens::revoked_at.eq(now)).execute(conn)?;
    Ok(Some(name))
}
