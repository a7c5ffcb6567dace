//! A clinic admin changing the clinic: its settings, its rule thresholds (a
//! new rules version per change, with an extra audit row when an urgent rule
//! is switched off), a test email to the alert address, and exporting its data.

use crate::app::checkin::rules_of;
use crate::app::notify::{self, MailContext};
use crate::db::{audit, clinics, outbox, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, OutboxId, OutboxKind, StaffId};
use crate::error::{Error, Result};
use crate::triage::{RuleId, RuleSettings};
use chrono::{DateTime, NaiveDate, Utc};

/// Saves the settings page. `fields` names what changed (for the audit row).
pub async fn save_settings(
    db: &Db,
    clinic: ClinicId,
    changes: clinics::ClinicChanges,
    fields: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    db.write_async(move |c| {
        clinics::update(c, clinic, &changes)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::ClinicSettings,
            Some(&format!("clinic:{clinic}")),
            &format!("changed={fields}"),
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}

/// "Send a test email": queues one to the clinic's alert address through the
/// outbox, audited. While an earlier test is still waiting to go, no second
/// one is queued (a double click sends one); that one's id is returned.
pub async fn send_test_email(
    db: &Db,
    mail: MailContext,
    clinic: ClinicId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<OutboxId> {
    db.write_async(move |c| {
        let clinic = clinics::get(c, clinic)?.ok_or(Error::NotFound)?;
        if let Some(waiting) = outbox::latest_of_kind(c, clinic.id, OutboxKind::TestEmail)?
            .filter(|r| r.status == outbox::PENDING && r.attempts == 0)
        {
            return Ok(waiting.id);
        }
        let id = notify::test_email(c, &mail, &clinic, now)?;
        audit::record(
            c,
            Some(clinic.id),
            &actor,
            AuditAction::ClinicTestEmail,
            Some(&format!("outbox:{id}")),
            "",
            now.naive_utc(),
        )?;
        Ok(id)
    })
    .await
}

/// "U1, U4": rule ids for people to read.
pub fn rule_list(rules: &[RuleId]) -> String {
    rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// Saves new rule thresholds as a new rules version (flags already raised
/// keep theirs). Switching an urgent rule off is audited on its own row too.
pub async fn save_rules(
    db: &Db,
    clinic: ClinicId,
    staff: StaffId,
    settings: RuleSettings,
    note: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    let json = serde_json::to_string(&settings).map_err(|e| Error::Internal(e.to_string()))?;
    db.write_async(move |c| {
        let now = now.naive_utc();
        let (_, previous) = rules_of(c, clinic)?;
        let newly = settings.newly_disabled_urgent_rules(&previous);
        let v = clinics::new_rules_version(c, clinic, &json, Some(staff), &note, now)?;
        let target = format!("clinic:{clinic}");
        if !newly.is_empty() {
            audit::record(
                c,
                Some(clinic),
                &actor,
                AuditAction::RulesDisableUrgent,
                Some(&target),
                &format!("version={} rules={}", v.version, rule_list(&newly)),
                now,
            )?;
        }
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::RulesChange,
            Some(&target),
            &format!("version={}", v.version),
            now,
        )?;
        Ok(())
    })
    .await
}

/// Why [`adopt_revised_defaults`] added a rules version (its note).
pub const REVISED_DEFAULTS_NOTE: &str =
    "Revised default trend rules (U5, R3, R4, R5; December 2026): a one-step wobble is no longer flagged";

/// Startup step for the December 2026 revision of the trend rules: a clinic
/// whose rules in force are still the previous defaults gets a new rules
/// version with the revised defaults; a clinic that changed any threshold
/// keeps its own values. Flags already raised keep the version that raised
/// them. Safe to run at every start and from several processes at once (the
/// clinic's row is held while deciding). Returns the clinics moved.
pub fn adopt_revised_defaults(conn: &mut DbConn, now: DateTime<Utc>, actor: &audit::Actor) -> Result<Vec<ClinicId>> {
    let previous = RuleSettings::defaults_before_trend_revision();
    let json = serde_json::to_string(&RuleSettings::default()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut moved = Vec::new();
    for clinic in clinics::all(conn)? {
        clinics::lock_for_rules(conn, clinic.id)?;
        let (_, current) = rules_of(conn, clinic.id)?;
        if current != previous {
            continue;
        }
        let v = clinics::new_rules_version(conn, clinic.id, &json, None, REVISED_DEFAULTS_NOTE, now.naive_utc())?;
        audit::record(
            conn,
            Some(clinic.id),
            actor,
            AuditAction::RulesChange,
            Some(&format!("clinic:{}", clinic.id)),
            &format!("version={} revised defaults", v.version),
            now.naive_utc(),
        )?;
        moved.push(clinic.id);
    }
    Ok(moved)
}

/// Records that an admin exported `kind` ("checkins" or "flags") for the
/// clinic-local dates `from..=to`; the rows stream afterwards.
pub async fn record_export(
    db: &Db,
    clinic: ClinicId,
    kind: &'static str,
    (from, to): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    export_row(db, clinic, format!("kind={kind} from={from} to={to}"), now, actor).await
}

/// Records that an admin downloaded the audit log as CSV with `filters`
/// (e.g. "person=staff:3 from=2026-03-01"); the rows stream afterwards.
pub async fn record_audit_export(
    db: &Db,
    clinic: ClinicId,
    filters: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    let detail = format!("kind=audit {filters}").trim_end().to_string();
    export_row(db, clinic, detail, now, actor).await
}

/// The audit row of an export (`detail`: what was exported).
async fn export_row(db: &Db, clinic: ClinicId, detail: String, now: DateTime<Utc>, actor: audit::Actor) -> Result<()> {
    db.write_async(move |c| {
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::Export,
            Some(&format!("clinic:{clinic}")),
            &detail,
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}
