//! The append-only audit log (the database refuses updates and deletes).

use super::schema::audit_log;
use super::{DbConn, DbError};
use crate::domain::{AccountId, AuditAction, ClinicId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Who did something, from where. `actor` is a label safe to show admins
/// (e.g. "staff:12", "patient:40", "cli", "system").
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: Option<AccountId>,
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Self {
            account: None,
            label: label.to_string(),
            ip: None,
        }
    }
}

/// Writes one audit row. `detail` must carry no health data, password or token.
pub fn record(
    conn: &mut DbConn,
    clinic: Option<ClinicId>,
    actor: &Actor,
    action: AuditAction,
    target: Option<&str>,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::clinic_id.eq(clinic.map(|c| c.0)),
            audit_log::actor_account_id.eq(actor.account.map(|a| a.0)),
            audit_log::actor.eq(&actor.label),
            audit_log::action.eq(action.as_str()),
            audit_log::target.eq(target),
            audit_log::ip.eq(actor.ip.as_deref()),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    /// As stored: the log outlives the code, so a row written by an older
    /// version still shows (new rows only come from [`AuditAction`]).
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
}

/// One page of a clinic's log, newest first.
pub fn page(conn: &mut DbConn, clinic: ClinicId, offset: i64, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::clinic_id.eq(clinic.0))
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn, clinic: ClinicId) -> Result<i64, DbError> {
    Ok(audit_log::table
        .filter(audit_log::clinic_id.eq(clinic.0))
        .count()
        .get_result(conn)?)
}

/// Rows with a given action (tests and the dashboard use it).
pub fn with_action(conn: &mut DbConn, action: AuditAction) -> Result<Vec<AuditEntry>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::action.eq(action.as_str()))
        .order(audit_log::id)
        .select(AuditEntry::as_select())
        .load(conn)?)
}

/// Every row written after row `id`, oldest first (tests use it).
pub fn after(conn: &mut DbConn, id: i64) -> Result<Vec<AuditEntry>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::id.gt(id))
        .order(audit_log::id)
        .select(AuditEntry::as_select())
        .load(conn)?)
}

/// Whether `clinic` has any audit row of `action` (e.g. settings ever saved).
pub fn any_of(conn: &mut DbConn, clinic: ClinicId, action: AuditAction) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        audit_log::table
            .filter(audit_log::clinic_id.eq(clinic.0))
            .filter(audit_log::action.eq(action.as_str())),
    ))
    .get_result(conn)?)
}
