//! Flags: raising one (or merging a repeat into the open one), for check-ins
//! and missed check-ins alike; and a clinician working one (acknowledge, or
//! resolve with an outcome and a note), recorded on the flag and in the audit log in one
//! transaction.

use crate::db::{audit, flags, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, Outcome, Severity, StaffId};
use crate::error::{Error, Result};
use crate::triage::{self, HygieneDecision, OpenFlag};
use chrono::{DateTime, Utc};

/// Alert hygiene: a finding becomes a new flag, or updates the open flag of
/// the same rule on the same treatment (seen within 24 h, or raised by the
/// same check-in, which an amendment never raises twice). Returns the flag
/// when the clinic must hear about it (a new flag, or a severity rise above
/// what it was told). Runs in the caller's transaction.
pub fn raise_or_merge(conn: &mut DbConn, new: &flags::NewFlag, now: DateTime<Utc>) -> Result<Option<flags::Flag>> {
    let existing = flags::unresolved_for_rule(conn, new.treatment, new.rule_id)?;
    let open = existing.as_ref().map(|e| OpenFlag {
        severity: e.severity,
        last_seen_at: e.last_seen_at.and_utc(),
        notified_severity: e.notified(),
    });
    let same_checkin = existing
        .as_ref()
        .is_some_and(|e| new.checkin.is_some_and(|c| e.checkin_id == Some(c.0)));
    let decision = match (triage::on_finding(open.as_ref(), new.severity, now), &existing) {
        (HygieneDecision::RaiseNew, Some(e)) if same_checkin => {
            let new_severity = e.severity.max(new.severity);
            let notified = e.notified().unwrap_or(Severity::Info);
            HygieneDecision::UpdateExisting {
                new_severity,
                notify: new_severity > e.severity && new_severity > notified,
            }
        }
        (d, _) => d,
    };
    match (decision, existing) {
        (HygieneDecision::UpdateExisting { new_severity, notify }, Some(e)) => {
            let updated = flags::record_repeat(
                conn,
                &e,
                new_severity,
                new.checkin,
                new.reason,
                new.inputs,
                now.naive_utc(),
            )?;
            Ok(notify.then_some(updated))
        }
        // Info flags are kept but never email (`notify::flags_raised` skips them).
        _ => Ok(flags::insert(conn, new, now.naive_utc())?),
    }
}

/// What the clinician did.
pub enum Transition {
    Acknowledge,
    /// Resolve with what came of it and the clinician's note.
    Resolve {
        outcome: Outcome,
        note: String,
    },
}

/// A clinician applies `t` to the flag `reference` of `clinic` (another
/// clinic's answers `NotFound`). False when the flag was already past that state.
pub async fn review(
    db: &Db,
    clinic: ClinicId,
    reference: String,
    staff: StaffId,
    t: Transition,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<bool> {
    db.write_async(move |c| apply(c, clinic, &reference, staff, &actor, &t, now))
        .await
}

/// [`review`] inside the caller's transaction.
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
        Transition::Resolve { outcome, note } => (
            flags::resolve(conn, flag.id, staff, *outcome, note, now.naive_utc())?,
            AuditAction::FlagResolve,
        ),
    };
    if changed {
        // The note and the outcome are clinical detail: they stay on the flag
        // and its history, not in the audit row.
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
