//! Time-driven work, run by every `serve` process every few seconds:
//! escalations, the morning review digest, missed check-ins (M1 reminders,
//! M2/M3 flags). Each action is claimed in the database first, so with
//! several processes (or after a restart) it happens exactly once.

use crate::app::checkin::rules_of;
use crate::app::notify::{self, MailContext};
use crate::clock::SharedClock;
use crate::db::{checkins, clinics, flags, scheduled, Db, DbConn};
use crate::domain::*;
use crate::error::Result;
use crate::triage::{self, HygieneDecision, MissedInput, OpenFlag};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// What one pass did (tests and logs read it).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub escalated: usize,
    pub digests: usize,
    pub reminders: usize,
    pub missed_flags: usize,
}

/// How often the missed-check-in scan runs (it reads every treatment in
/// follow-up; escalations and digests run on every tick).
pub const MISSED_SCAN_EVERY: Duration = Duration::minutes(1);

/// One full pass over every clinic.
pub fn run_pass(db: &Db, mail: &MailContext, now: DateTime<Utc>) -> Result<PassReport> {
    run_pass_with(db, mail, now, true)
}

/// One pass; `scan_missed` includes the missed-check-in scan.
pub fn run_pass_with(db: &Db, mail: &MailContext, now: DateTime<Utc>, scan_missed: bool) -> Result<PassReport> {
    let mut report = PassReport::default();
    let all = db.read(|c| clinics::all(c).map_err(crate::error::Error::from))?;
    for clinic in all {
        report.escalated += escalate(db, mail, &clinic, now)?;
        report.digests += digest(db, mail, &clinic, now)?;
        if scan_missed {
            let (r, m) = missed(db, mail, &clinic, now)?;
            report.reminders += r;
            report.missed_flags += m;
        }
    }
    Ok(report)
}

fn escalate(db: &Db, mail: &MailContext, clinic: &clinics::Clinic, now: DateTime<Utc>) -> Result<usize> {
    let window = Duration::minutes(clinic.escalation_minutes.max(1) as i64);
    let due = db.read(|c| {
        flags::due_for_escalation(c, clinic.id, (now - window).naive_utc()).map_err(crate::error::Error::from)
    })?;
    let mut n = 0;
    for flag in due {
        let sent = db.write(|c| {
            if !flags::mark_escalated(c, flag.id, now.naive_utc())? {
                return Ok::<_, crate::error::Error>(false);
            }
            notify::escalation(c, mail, clinic, &flag, now)?;
            Ok(true)
        })?;
        if sent {
            tracing::warn!(clinic = %clinic.id, flag = %flag.reference, "urgent flag escalated: not acknowledged in time");
            n += 1;
        }
    }
    Ok(n)
}

/// Review flags raised before today's start of the working day, emailed as one digest.
fn digest(db: &Db, mail: &MailContext, clinic: &clinics::Clinic, now: DateTime<Utc>) -> Result<usize> {
    if !clinic.review_digest {
        return Ok(0);
    }
    let tz = clinic.timezone.0;
    let today = triage::clinic_today(now, tz);
    let start = triage::local_instant(today, clinic.workday_start, tz);
    if now < start {
        return Ok(0);
    }
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
        Ok(usize::from(!claimed.is_empty()))
    })
}

fn missed(db: &Db, mail: &MailContext, clinic: &clinics::Clinic, now: DateTime<Utc>) -> Result<(usize, usize)> {
    let tz = clinic.timezone.0;
    let today = triage::clinic_today(now, tz);
    let follow_up = clinic.follow_up_days as i64;
    let since = today - Duration::days(follow_up + triage::LOOKBACK_DAYS + 1);
    let (rules_version, settings) = db.read(|c| rules_of(c, clinic.id))?;
    let followed = db.read(|c| scheduled::in_follow_up(c, clinic.id, since).map_err(crate::error::Error::from))?;
    let (mut reminders, mut missed_flags) = (0, 0);
    for f in followed {
        if f.disabled {
            continue;
        }
        let days = db.read(|c| checkins::days_of_treatment(c, f.treatment.id).map_err(crate::error::Error::from))?;
        let checkin_days: BTreeSet<i64> = days.iter().map(|(d, _)| *d).collect();
        let severity_by_day: BTreeMap<i64, Severity> = days.iter().filter_map(|(d, s)| s.map(|s| (*d, s))).collect();
        let input = MissedInput {
            treated_on: f.treatment.treated_on,
            follow_up_days: follow_up,
            tz,
            reminder_time: clinic.reminder_time,
            now,
            checkin_days: &checkin_days,
            severity_by_day: &severity_by_day,
            procedure: f.treatment.procedure,
            settings: &settings,
            reminders_enabled: f.reminders,
        };
        for finding in triage::missed_checkins(&input) {
            let rule = finding.rule;
            let acted = db.write(|c| {
                if !scheduled::claim(
                    c,
                    f.treatment.id,
                    ScheduledKind::Missed(rule),
                    &finding.dedup_key,
                    now.naive_utc(),
                )? {
                    return Ok::<_, crate::error::Error>(false);
                }
                match finding.severity {
                    None => {
                        notify::reminder(c, mail, clinic.id, &f.patient_email, now)?;
                    }
                    Some(severity) => raise_missed(
                        c,
                        mail,
                        clinic,
                        &f,
                        rule,
                        severity,
                        &finding.reason,
                        &finding.dedup_key,
                        rules_version,
                        now,
                    )?,
                }
                Ok(true)
            })?;
            if acted {
                match finding.severity {
                    None => reminders += 1,
                    Some(_) => missed_flags += 1,
                }
            }
        }
    }
    Ok((reminders, missed_flags))
}

#[allow(clippy::too_many_arguments)]
fn raise_missed(
    c: &mut DbConn,
    mail: &MailContext,
    clinic: &clinics::Clinic,
    f: &scheduled::Followed,
    rule: RuleId,
    severity: Severity,
    reason: &str,
    key: &str,
    rules_version: RulesVersionId,
    now: DateTime<Utc>,
) -> Result<()> {
    let inputs = serde_json::json!({ "missed_day": key }).to_string();
    let existing = flags::unresolved_for_rule(c, f.treatment.id, rule)?;
    let open = existing.as_ref().map(|e| OpenFlag {
        severity: e.severity,
        last_seen_at: e.last_seen_at.and_utc(),
        notified_severity: e.notified(),
    });
    let notify_flag = match (triage::on_finding(open.as_ref(), severity, now), existing) {
        (HygieneDecision::UpdateExisting { new_severity, notify }, Some(e)) => {
            let updated = flags::record_repeat(c, &e, new_severity, None, reason, &inputs, now.naive_utc())?;
            notify.then_some(updated)
        }
        _ => {
            let new = flags::NewFlag {
                clinic: clinic.id,
                patient: f.treatment.patient_id,
                treatment: f.treatment.id,
                checkin: None,
                rule_id: rule,
                severity,
                reason,
                inputs: &inputs,
                rules_version,
                dedup_key: Some(key),
            };
            flags::insert(c, &new, now.naive_utc())?
        }
    };
    if let Some(flag) = notify_flag {
        notify::flags_raised(c, mail, clinic, &[flag], now)?;
    }
    Ok(())
}

/// Runs passes forever, every `interval`. Errors are logged, never fatal:
/// the next pass tries again.
pub async fn run_forever(db: Db, mail: MailContext, clock: SharedClock, interval: std::time::Duration) {
    let mut last_scan: Option<DateTime<Utc>> = None;
    loop {
        let (db2, mail2, now) = (db.clone(), mail.clone(), clock.now());
        let scan = last_scan.is_none_or(|t| now - t >= MISSED_SCAN_EVERY || now < t);
        if scan {
            last_scan = Some(now);
        }
        match tokio::task::spawn_blocking(move || run_pass_with(&db2, &mail2, now, scan)).await {
            Ok(Ok(report)) if report != PassReport::default() => tracing::info!(?report, "scheduler pass"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "scheduler pass failed"),
            Err(e) => tracing::error!(error = %e, "scheduler pass panicked"),
        }
        tokio::time::sleep(interval).await;
    }
}
