//! Flags: raising one (or merging a repeat into the open one), for check-ins
//! and missed check-ins alike; and a clinician working one (acknowledge, or
//! resolve with an outcome and a note), recorded on the flag and in the audit log in one
//! transaction.

use crate::db::{audit, flags, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, FlagState, Outcome, PatientId, Severity, StaffId};
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

/// What a clinician's "Acknowledge all" or "Resolve all" did to a patient's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupOutcome {
    /// Flags this action changed.
    pub changed: usize,
    /// Flags already past that state (another clinician was quicker).
    pub already: usize,
    /// Unresolved flags of the patient that were not on the page the
    /// clinician acted from (raised since): left as they are.
    pub unseen: usize,
}

/// A clinician applies `t` to each of `references` — the flags of patient
/// `patient` they saw on the queue — one by one through [`apply`], so each
/// flag keeps its own state change, history event and audit row; all in one
/// transaction. A reference that is not a flag of that patient in `clinic`
/// answers `NotFound` and changes nothing. A flag raised after the page was
/// drawn is never acted on unseen: it is counted in `unseen` instead.
#[allow(clippy::too_many_arguments)]
pub async fn review_all(
    db: &Db,
    clinic: ClinicId,
    patient: PatientId,
    references: Vec<String>,
    staff: StaffId,
    t: Transition,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<GroupOutcome> {
    if references.is_empty() {
        return Err(Error::NotFound);
    }
    db.write_async(move |c| {
        let mut out = GroupOutcome::default();
        for reference in &references {
            let flag = flags::by_reference(c, clinic, reference)?.ok_or(Error::NotFound)?;
            if flag.patient_id != patient {
                return Err(Error::NotFound);
            }
            if apply(c, clinic, reference, staff, &actor, &t, now)? {
                out.changed += 1;
            } else {
                out.already += 1;
            }
        }
        out.unseen = flags::unresolved_of_patient(c, clinic, patient)?
            .iter()
            .filter(|f| !references.contains(&f.reference))
            .filter(|f| match t {
                Transition::Acknowledge => f.state == FlagState::Open,
                Transition::Resolve { .. } => true,
            })
            .count();
        Ok(out)
    })
    .await
}
