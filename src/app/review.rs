//! A clinician working a flag: acknowledge it, or resolve it with a note.
//! Each change is recorded on the flag (who, when) and in the audit log, in
//! one transaction.

use crate::db::{audit, flags, DbConn};
use crate::domain::{AuditAction, ClinicId, StaffId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// What the clinician did.
pub enum Transition {
    Acknowledge,
    Resolve { note: String },
}

/// Applies `t` to the flag `reference` of `clinic` (another clinic's answers
/// `NotFound`). Returns false when the flag was already past that state.
pub fn apply(
    conn: &mut DbConn,
    clinic: ClinicId,
    reference: &str,
    staff: StaffId,
    actor: &audit::Actor,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<bool> {
    let flag = flags::by_reference(conn, clinic, reference)?.ok_or(Error::NotFound)?;
    let (changed, action) = match t {
        Transition::Acknowledge => (
            flags::acknowledge(conn, flag.id, staff, now.naive_utc())?,
            AuditAction::FlagAcknowledge,
        ),
        Transition::Resolve { note } => (
            flags::resolve(conn, flag.id, staff, note, now.naive_utc())?,
            AuditAction::FlagResolve,
        ),
    };
    if changed {
        // The note may hold clinical detail: it stays on the flag, not in the audit row.
        audit::record(
            conn,
            Some(clinic),
            actor,
            action,
            Some(&format!("flag:{}", flag.id)),
            &format!("reference={} patient:{}", flag.reference, flag.patient_id),
            now.naive_utc(),
        )?;
    }
    Ok(changed)
}
