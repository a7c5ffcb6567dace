//! Accounts (one per person who signs in), staff, and one-time link tokens.

use super::schema::{accounts, staff, tokens};
use super::{DbConn, DbError};
use crate::domain::{AccountId, AccountKind, ClinicId, EmailAddress, Role, StaffId, TokenPurpose};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    #[diesel(deserialize_as = i64)]
    pub id: AccountId,
    pub email: String,
    #[diesel(deserialize_as = String)]
    pub kind: AccountKind,
    pub password_hash: Option<String>,
    pub disabled: bool,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub password_changed_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    /// When a password was first set (the invite accepted): `None` while invited.
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub activated_at: Option<NaiveDateTime>,
}

/// Emails are unique across staff and patients: one sign-in form serves both.
pub fn create_account(
    conn: &mut DbConn,
    email: &EmailAddress,
    kind: AccountKind,
    now: NaiveDateTime,
) -> Result<AccountId, DbError> {
    let id: i64 = diesel::insert_into(accounts::table)
        .values((
            accounts::email.eq(email.as_str()),
            accounts::kind.eq(kind.as_str()),
            accounts::created_at.eq(now),
        ))
        .returning(accounts::id)
        .get_result(conn)?;
    Ok(AccountId(id))
}

/// For a writer about to create an account: whether `email` is taken, and
/// (PostgreSQL) the address held until the transaction ends, so of two
/// creations with one email the second sees the first's account instead of
/// failing on the unique index.
pub fn claim_email(conn: &mut DbConn, email: &EmailAddress) -> Result<bool, DbError> {
    if let DbConn::Pg(c) = conn {
        // Two-key form: its own key space, apart from the migration lock.
        diesel::sql_query("SELECT pg_advisory_xact_lock(7284002, hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(email.as_str())
            .execute(c)?;
    }
    email_taken(conn, email)
}

pub fn email_taken(conn: &mut DbConn, email: &EmailAddress) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        accounts::table.filter(accounts::email.eq(email.as_str())),
    ))
    .get_result(conn)?)
}

pub fn by_email(conn: &mut DbConn, email: &EmailAddress) -> Result<Option<Account>, DbError> {
    Ok(accounts::table
        .filter(accounts::email.eq(email.as_str()))
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: AccountId) -> Result<Option<Account>, DbError> {
    Ok(accounts::table
        .find(id.0)
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the password; the first one also activates the account (by an
/// invite, a reset link or at creation: whichever came first).
pub fn set_password_hash(conn: &mut DbConn, id: AccountId, hash: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(accounts::table.find(id.0))
        .set((accounts::password_hash.eq(hash), accounts::password_changed_at.eq(now)))
        .execute(conn)?;
    diesel::update(accounts::table.find(id.0).filter(accounts::activated_at.is_null()))
        .set(accounts::activated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The newest invite link of an account: (sent, expires, used or retired).
pub fn latest_invite(
    conn: &mut DbConn,
    account: AccountId,
) -> Result<Option<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)>, DbError> {
    Ok(tokens::table
        .filter(tokens::account_id.eq(account.0))
        .filter(tokens::purpose.eq(TokenPurpose::Invite.as_str()))
        .order((tokens::created_at.desc(), tokens::expires_at.desc()))
        .select((tokens::created_at, tokens::expires_at, tokens::used_at))
        .first(conn)
        .optional()?)
}

pub fn set_disabled(conn: &mut DbConn, id: AccountId, disabled: bool) -> Result<(), DbError> {
    diesel::update(accounts::table.find(id.0))
        .set(accounts::disabled.eq(disabled))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    #[diesel(deserialize_as = i64)]
    pub id: StaffId,
    #[diesel(deserialize_as = i64)]
    pub account_id: AccountId,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub role: Role,
}

/// A staff member with their account's email and state.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: StaffId,
    pub account_id: AccountId,
    pub clinic_id: ClinicId,
    pub name: String,
    pub role: Role,
    pub email: String,
    pub disabled: bool,
}

fn staff_query() -> diesel::dsl::InnerJoin<staff::table, accounts::table> {
    staff::table.inner_join(accounts::table)
}

fn to_staff((row, (email, disabled)): (StaffRow, (String, bool))) -> Staff {
    Staff {
        id: row.id,
        account_id: row.account_id,
        clinic_id: row.clinic_id,
        name: row.name,
        role: row.role,
        email,
        disabled,
    }
}

pub fn create_staff(
    conn: &mut DbConn,
    clinic: ClinicId,
    email: &EmailAddress,
    name: &str,
    role: Role,
    now: NaiveDateTime,
) -> Result<(StaffId, AccountId), DbError> {
    let account = create_account(conn, email, AccountKind::Staff, now)?;
    let id: i64 = diesel::insert_into(staff::table)
        .values((
            staff::account_id.eq(account.0),
            staff::clinic_id.eq(clinic.0),
            staff::name.eq(name),
            staff::role.eq(role.as_str()),
            staff::created_at.eq(now),
        ))
        .returning(staff::id)
        .get_result(conn)?;
    Ok((StaffId(id), account))
}

pub fn staff_by_account(conn: &mut DbConn, account: AccountId) -> Result<Option<Staff>, DbError> {
    Ok(per_backend!(conn, |c| staff_query()
        .filter(staff::account_id.eq(account.0))
        .select((StaffRow::as_select(), (accounts::email, accounts::disabled)))
        .first(c)
        .optional())?
    .map(to_staff))
}

/// A staff member of `clinic` (another clinic's id finds nothing).
pub fn staff_in_clinic(conn: &mut DbConn, clinic: ClinicId, id: StaffId) -> Result<Option<Staff>, DbError> {
    Ok(staff_query()
        .filter(staff::clinic_id.eq(clinic.0))
        .filter(staff::id.eq(id.0))
        .select((StaffRow::as_select(), (accounts::email, accounts::disabled)))
        .first(conn)
        .optional()?
        .map(to_staff))
}

pub fn clinic_staff(conn: &mut DbConn, clinic: ClinicId) -> Result<Vec<Staff>, DbError> {
    Ok(staff_query()
        .filter(staff::clinic_id.eq(clinic.0))
        .order(staff::name)
        .select((StaffRow::as_select(), (accounts::email, accounts::disabled)))
        .load(conn)?
        .into_iter()
        .map(to_staff)
        .collect())
}

/// Staff ids to names, for "acknowledged by …" lines: `staff_clinic` alone,
/// no account joined.
pub fn staff_names(conn: &mut DbConn, clinic: ClinicId) -> Result<std::collections::HashMap<i64, String>, DbError> {
    Ok(per_backend!(conn, |c| staff::table
        .filter(staff::clinic_id.eq(clinic.0))
        .select((staff::id, staff::name))
        .load::<(i64, String)>(c))?
    .into_iter()
    .collect())
}

pub fn set_role(conn: &mut DbConn, id: StaffId, role: Role) -> Result<(), DbError> {
    diesel::update(staff::table.find(id.0))
        .set(staff::role.eq(role.as_str()))
        .execute(conn)?;
    Ok(())
}

/// Stores a one-time link token by its hash.
pub fn create_token(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    account: Option<AccountId>,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(tokens::table)
        .values((
            tokens::token_hash.eq(token_hash),
            tokens::purpose.eq(purpose.as_str()),
            tokens::account_id.eq(account.map(|a| a.0)),
            tokens::created_at.eq(now),
            tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A usable token's account (`Some(None)` for a setup token); `None` when the
/// token is unknown, used or expired. Does not use it up.
pub fn peek_token(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<Option<AccountId>>, DbError> {
    Ok(tokens::table
        .filter(tokens::token_hash.eq(token_hash))
        .filter(tokens::purpose.eq(purpose.as_str()))
        .filter(tokens::used_at.is_null())
        .filter(tokens::expires_at.gt(now))
        .select(tokens::account_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .map(|a| a.map(AccountId)))
}

/// Uses a token up, atomically: of two requests racing, one wins.
pub fn consume_token(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<Option<AccountId>>, DbError> {
    let found = peek_token(conn, purpose, token_hash, now)?;
    if found.is_none() {
        return Ok(None);
    }
    let n = diesel::update(
        tokens::table
            .filter(tokens::token_hash.eq(token_hash))
            .filter(tokens::used_at.is_null()),
    )
    .set(tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(if n == 1 { found } else { None })
}

/// Retires every unused token of `purpose` for `account` (e.g. older invites).
pub fn retire_tokens(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    account: Option<AccountId>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let q = tokens::table
        .filter(tokens::purpose.eq(purpose.as_str()))
        .filter(tokens::used_at.is_null());
    match account {
        Some(a) => diesel::update(q.filter(tokens::account_id.eq(a.0)))
            .set(tokens::used_at.eq(now))
            .execute(conn)?,
        None => diesel::update(q.filter(tokens::account_id.is_null()))
            .set(tokens::used_at.eq(now))
            .execute(conn)?,
    };
    Ok(())
}

pub fn set_email(conn: &mut DbConn, id: AccountId, email: &EmailAddress) -> Result<(), DbError> {
    diesel::update(accounts::table.find(id.0))
        .set(accounts::email.eq(email.as_str()))
        .execute(conn)?;
    Ok(())
}

/// Admins of `clinic` who can act: enabled, and past the invitation (a
/// password chosen). The clinic must always keep one.
pub fn active_admins(conn: &mut DbConn, clinic: ClinicId) -> Result<Vec<StaffId>, DbError> {
    Ok(staff_query()
        .filter(staff::clinic_id.eq(clinic.0))
        .filter(staff::role.eq(Role::Admin.as_str()))
        .filter(accounts::disabled.eq(false))
        .filter(accounts::password_hash.is_not_null())
        .select(staff::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(StaffId)
        .collect())
}
