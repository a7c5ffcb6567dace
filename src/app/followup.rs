//! What the scheduler does on the clinic's behalf: escalate an urgent flag
//! nobody acknowledged, send the morning review digest, act on a missed
//! check-in (remind the patient, or flag it). Each claims its action in the
//! database first, in the same transaction, so with several processes it
//! happens exactly once. `jobs/` decides what is due and calls these.

use crate::app::flags::raise_or_merge;
use crate::app::notify::{self, MailContext};
use crate::db::{clinics, flags, scheduled, Db};
use crate::domain::{RuleId, RulesVersionId, ScheduledKind};
use crate::error::Result;
use crate::triage::MissedFinding;
use chrono::{DateTime, Utc};

/// Escalates one urgent flag; false when another process already did.
pub fn escalate(
    db: &Db,
    mail: &MailContext,
    clinic: &clinics::Clinic,
    flag: &flags::Flag,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write(|c| {
        if !flags::mark_escalated(c, flag.id, now.naive_utc())? {
            return Ok(false);
        }
        notify::escalation(c, mail, clinic, flag, now)?;
        Ok(true)
    })
}

/// Emails one digest of the review flags raised before `start` (today's
/// start of the working day) that no digest has covered. True when sent.
pub fn send_digest(
    db: &Db,
    mail: &MailContext,
    clinic: &clinics::Clinic,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write(|c| {
        let waiting = flags::review_awaiting_digest(c, clinic.id)?;
        let mut claimed = Vec::new();
        for f in waiting.into_iter().filter(|f| f.raised_at < start.naive_utc()) {
            // Claimed through scheduled_findings: two processes never digest the same flag.
            if scheduled::claim(c, f.treatment_id, ScheduledKind::Digest, &f.reference, now.naive_utc())? {
                claimed.push(f);
            }
        }
        notify::review_digest(c, mail, clinic, &claimed, now)?;
        Ok(!claimed.is_empty())
    })
}

/// Acts on one missed check-in: M1 reminds the patient, M2/M3 raise (or
/// merge into) a flag; A1 raises one info flag per patient (never emailed:
/// info). False when another process already did.
pub fn missed_checkin(
    db: &Db,
    mail: &MailContext,
    clinic: &clinics::Clinic,
    f: &scheduled::Followed,
    finding: &MissedFinding,
    rules_version: RulesVersionId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let rule = finding.rule;
    db.write(|c| {
        if !scheduled::claim(
            c,
            f.treatment.id,
            ScheduledKind::Missed(rule),
            &finding.dedup_key,
            now.naive_utc(),
        )? {
            return Ok(false);
        }
        let Some(severity) = finding.severity else {
            notify::reminder(
                c,
                mail,
                crate::i18n::Tr::new(f.language),
                clinic,
                f.patient_account,
                &f.patient_email,
                now,
            )?;
            return Ok(true);
        };
        // One "invitation not accepted" per patient, however many treatments wait.
        if rule == RuleId::A1 && flags::patient_has_rule(c, f.treatment.patient_id, rule)? {
            return Ok(true);
        }
        let inputs = if rule == RuleId::A1 {
            serde_json::json!({ "activated": false, "enrolled_at": f.enrolled_at.to_string() })
        } else {
            serde_json::json!({ "missed_day": finding.dedup_key })
        }
        .to_string();
        let new = flags::NewFlag {
            clinic: clinic.id,
            patient: f.treatment.patient_id,
            treatment: f.treatment.id,
            checkin: None,
            rule_id: rule,
            severity,
            reason: &finding.reason,
            inputs: &inputs,
            rules_version,
            dedup_key: Some(&finding.dedup_key),
        };
        if let Some(flag) = raise_or_merge(c, &new, now)? {
            notify::flags_raised(c, mail, clinic, &[flag], now)?;
        }
        Ok(true)
    })
}
