//! The append-only audit log (the database refuses updates and deletes).

use super::schema::{audit_log, flags, photos};
use super::{DbConn, DbError};
use crate::domain::{AccountId, AuditAction, ClinicId, PatientId};
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

/// The patient a row concerns, from its target: `patient:N` itself, or the
/// patient of `flag:N` / `photo:N`. Every writer gets it without saying so,
/// so the log's patient filter also finds the rows of later actions.
fn patient_of(conn: &mut DbConn, target: Option<&str>) -> Result<Option<i64>, DbError> {
    let Some((kind, id)) = target.and_then(|t| t.split_once(':')) else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    Ok(match kind {
        "patient" => Some(id),
        "flag" => flags::table.find(id).select(flags::patient_id).first(conn).optional()?,
        "photo" => photos::table
            .find(id)
            .select(photos::patient_id)
            .first(conn)
            .optional()?,
        _ => None,
    })
}

/// Writes one audit row. `detail` must carry no symptoms, notes, password or
/// token; a correction's before and after values (a name, an email, a skin
/// type, a treatment date) are the exception: that is what the row is for.
pub fn record(
    conn: &mut DbConn,
    clinic: Option<ClinicId>,
    actor: &Actor,
    action: AuditAction,
    target: Option<&str>,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let patient = patient_of(conn, target)?;
    // Every page view writes one: on the backend's own connection (see `per_backend!`).
    per_backend!(conn, |c| diesel::insert_into(audit_log::table)
        .values((
            audit_log::patient_id.eq(patient),
            audit_log::at.eq(now),
            audit_log::clinic_id.eq(clinic.map(|c| c.0)),
            audit_log::actor_account_id.eq(actor.account.map(|a| a.0)),
            audit_log::actor.eq(&actor.label),
            audit_log::action.eq(action.as_str()),
            audit_log::target.eq(target),
            audit_log::ip.eq(actor.ip.as_deref()),
            audit_log::detail.eq(detail),
        ))
        .execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub at: NaiveDateTime,
    pub actor: String,
    /// As stored: the log outlives the code, so a row written by an older
    /// version still shows (new rows only come from [`AuditAction`]).
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
    pub actor_account_id: Option<i64>,
    pub patient_id: Option<i64>,
}

/// What the log page and its CSV show: every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<AccountId>,
    pub patient: Option<PatientId>,
    pub action: Option<AuditAction>,
    /// UTC instants, `[from, to)`.
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Where a page starts: after (older than) or before (newer than) a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Newest,
    OlderThan(i64),
    NewerThan(i64),
}

macro_rules! filtered {
    ($clinic:expr, $f:expr) => {{
        let f: &AuditFilter = $f;
        let mut q = audit_log::table.filter(audit_log::clinic_id.eq($clinic.0)).into_boxed();
        if let Some(a) = f.actor {
            q = q.filter(audit_log::actor_account_id.eq(a.0));
        }
        if let Some(p) = f.patient {
            q = q.filter(audit_log::patient_id.eq(p.0));
        }
        if let Some(a) = f.action {
            q = q.filter(audit_log::action.eq(a.as_str()));
        }
        if let Some(t) = f.from {
            q = q.filter(audit_log::at.ge(t));
        }
        if let Some(t) = f.to {
            q = q.filter(audit_log::at.lt(t));
        }
        q
    }};
}

/// One page of a clinic's log matching `filter`, newest first, by keyset on
/// `(at, id)`: each filter walks its own index (`audit_clinic_at`,
/// `_patient`, `_actor`, `_action`), however deep the page. Returns up to
/// `limit` rows and whether there are more beyond them in the direction walked.
pub fn filtered_page(
    conn: &mut DbConn,
    clinic: ClinicId,
    filter: &AuditFilter,
    cursor: Cursor,
    limit: i64,
) -> Result<(Vec<AuditEntry>, bool), DbError> {
    let anchor = match cursor {
        Cursor::Newest => None,
        Cursor::OlderThan(id) | Cursor::NewerThan(id) => audit_log::table
            .filter(audit_log::clinic_id.eq(clinic.0))
            .find(id)
            .select(audit_log::at)
            .first::<NaiveDateTime>(conn)
            .optional()?
            .map(|at| (at, id)),
    };
    let mut q = filtered!(clinic, filter);
    let older = !matches!(cursor, Cursor::NewerThan(_));
    if let Some((at, id)) = anchor {
        q = if older {
            q.filter(audit_log::at.lt(at).or(audit_log::at.eq(at).and(audit_log::id.lt(id))))
        } else {
            q.filter(audit_log::at.gt(at).or(audit_log::at.eq(at).and(audit_log::id.gt(id))))
        };
    }
    q = if older {
        q.order((audit_log::at.desc(), audit_log::id.desc()))
    } else {
        q.order((audit_log::at.asc(), audit_log::id.asc()))
    };
    let mut rows: Vec<AuditEntry> = q.limit(limit + 1).select(AuditEntry::as_select()).load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if !older {
        rows.reverse();
    }
    Ok((rows, more))
}

/// Rows matching `filter` oldest first, after the row at `(at, id)` (the
/// CSV streams them page by page along the same indexes as the page).
pub fn filtered_after(
    conn: &mut DbConn,
    clinic: ClinicId,
    filter: &AuditFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<AuditEntry>, DbError> {
    let mut q = filtered!(clinic, filter);
    if let Some((at, id)) = after {
        q = q.filter(audit_log::at.gt(at).or(audit_log::at.eq(at).and(audit_log::id.gt(id))));
    }
    Ok(q.order((audit_log::at.asc(), audit_log::id.asc()))
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?)
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
