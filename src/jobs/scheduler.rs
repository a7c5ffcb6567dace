//! Time-driven work, run by every `serve` process every few seconds:
//! escalations, the morning review digest, missed check-ins (M1 reminders,
//! M2/M3 flags, counted from the patient's activation) and invitations not
//! accepted (A1). Each action is claimed in the database first, so with
//! several processes (or after a restart) it happens exactly once.

use crate::app::checkin::rules_of;
use crate::app::followup;
use crate::app::notify::MailContext;
use crate::clock::SharedClock;
use crate::db::{checkins, clinics, flags, scheduled, Db};
use crate::domain::*;
use crate::error::Result;
use crate::triage::{self, MissedInput};
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
        if followup::escalate(db, mail, clinic, &flag, now)? {
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
    Ok(usize::from(followup::send_digest(db, mail, clinic, start, now)?))
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
            activated_at: f.activated_at.map(|t| t.and_utc()),
            enrolled_at: f.enrolled_at.and_utc(),
        };
        for finding in triage::missed_checkins(&input) {
            let acted = followup::missed_checkin(db, mail, clinic, &f, &finding, rules_version, now)?;
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
