//! The clinic's quality report for a date range: adherence (check-ins
//! received on the days they were due), alert burden (flags per 100
//! check-ins, by rule, severity and week), alert precision per rule (the
//! share of its resolved flags whose outcome was an action), responsiveness
//! (urgent flag to acknowledgement, inside and outside clinic hours;
//! escalations; alert emails that needed retries or died) and complications
//! by procedure class (from outcomes). One read transaction of grouped,
//! index-backed queries; the figures are added up here. Nothing is written.
//!
//! Readings:
//! - A check-in is due on each scheduled day (`triage::is_due_day`) from the
//!   treatment day to the end of the clinic's follow-up, up to today, until
//!   the patient's next treatment starts or their follow-up is closed.
//!   "Received" counts check-ins on due days; others count towards burden only.
//! - Weeks run from the first day of the range in steps of 7 days.
//! - Clinic hours: the clinic's working day (start to end, local time),
//!   every day of the week; a flag counts by the time it was raised.

use crate::db::quality::{self, ReportFlag, ReportTreatment};
use crate::db::{clinics, outbox, Db};
use crate::domain::{FlagState, OutboxKind, Outcome, PatientId, ProcedureClass, RuleId, Severity, TreatmentId};
use crate::error::Result;
use crate::triage;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The longest range one report covers.
pub const MAX_REPORT_DAYS: i64 = 366;

/// Emails about flags (the ones whose delivery matters clinically).
pub const ALERT_EMAILS: &[OutboxKind] = &[
    OutboxKind::AlertUrgent,
    OutboxKind::AlertReview,
    OutboxKind::Escalation,
    OutboxKind::Digest,
];

/// Flags by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BySeverity {
    pub urgent: u32,
    pub review: u32,
    pub info: u32,
}

impl BySeverity {
    pub fn total(&self) -> u32 {
        self.urgent + self.review + self.info
    }
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Urgent => self.urgent += 1,
            Severity::Review => self.review += 1,
            Severity::Info => self.info += 1,
        }
    }
}

/// One week of the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    pub start: NaiveDate,
    /// Last day (inclusive; the last week may be short).
    pub end: NaiveDate,
    pub due: u32,
    /// Check-ins on due days.
    pub received: u32,
    /// Every check-in describing a day of the week.
    pub checkins: u32,
    pub flags: BySeverity,
}

/// Adherence and complications of one procedure class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFigures {
    pub class: ProcedureClass,
    /// Treatments with a check-in due in the range.
    pub treatments: u32,
    pub due: u32,
    pub received: u32,
    /// Treatments with at least one flag resolved with each complication
    /// outcome (see [`COMPLICATIONS`]), in that order.
    pub complications: Vec<u32>,
}

/// One rule's burden and precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFigures {
    pub rule: RuleId,
    pub flags: BySeverity,
    /// Resolved flags with an outcome recorded.
    pub resolved_with_outcome: u32,
    /// ... of which the outcome was an action.
    pub action: u32,
}

/// Minutes from an urgent flag to its acknowledgement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseTimes {
    pub acknowledged: u32,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

impl ResponseTimes {
    fn of(mut minutes: Vec<i64>) -> Self {
        minutes.sort_unstable();
        ResponseTimes {
            acknowledged: minutes.len() as u32,
            median_minutes: percentile(&minutes, 50),
            p90_minutes: percentile(&minutes, 90),
        }
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Responsiveness {
    pub urgent_flags: u32,
    pub in_hours: ResponseTimes,
    pub out_of_hours: ResponseTimes,
    /// Urgent flags nobody has acknowledged yet.
    pub unacknowledged: u32,
    /// Urgent flags re-sent to the escalation address.
    pub escalated: u32,
    /// Alert emails queued in the range ([`ALERT_EMAILS`]).
    pub alert_emails: u32,
    /// ... sent, but only after more than one attempt.
    pub sent_after_retries: u32,
    /// ... given up on (dead).
    pub dead: u32,
    /// ... still waiting to be sent.
    pub pending: u32,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub weeks: Vec<Week>,
    pub classes: Vec<ClassFigures>,
    /// Rules with a flag in the range, in the reference's order.
    pub rules: Vec<RuleFigures>,
    pub checkins: u32,
    pub flags: BySeverity,
    pub response: Responsiveness,
}

impl QualityReport {
    pub fn due(&self) -> u32 {
        self.weeks.iter().map(|w| w.due).sum()
    }
    pub fn received(&self) -> u32 {
        self.weeks.iter().map(|w| w.received).sum()
    }
}

/// The outcomes counted as complications, in the report's column order.
pub const COMPLICATIONS: &[Outcome] = &[
    Outcome::TreatedInfection,
    Outcome::TreatedColdSores,
    Outcome::TreatedOther,
    Outcome::SeenInClinic,
    Outcome::ReferredEmergency,
];

/// Builds the report for the clinic-local dates `from..=to`.
pub async fn quality_report(
    db: &Db,
    clinic: &clinics::Clinic,
    (from, to): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> Result<QualityReport> {
    let clinic = clinic.clone();
    db.read_async(move |c| {
        let tz = clinic.timezone.0;
        let today = triage::clinic_today(now, tz);
        let follow_up = i64::from(clinic.follow_up_days).min(triage::MAX_FOLLOW_UP_DAYS);
        let due_days: Vec<i32> = triage::due_days(follow_up).into_iter().map(|d| d as i32).collect();
        // Treatments whose follow-up can reach into the range.
        let treatments = quality::treatments_between(c, clinic.id, (from - Duration::days(follow_up), to))?;
        let by_day = quality::checkins_by_day(c, clinic.id, (from, to), &due_days)?;
        let ids: Vec<TreatmentId> = treatments.iter().map(|t| t.id).collect();
        let by_treatment = quality::due_checkins_by_treatment(c, &ids, (from, to), &due_days)?;
        let start = triage::local_instant(from, NaiveTime::MIN, tz).naive_utc();
        let end = triage::local_instant(to + Duration::days(1), NaiveTime::MIN, tz).naive_utc();
        let flags = quality::flags_raised_between(c, clinic.id, (start, end))?;
        let emails = quality::emails_between(c, clinic.id, ALERT_EMAILS, (start, end))?;
        let input = Input {
            from,
            to,
            today,
            follow_up,
            tz,
            workday: (clinic.workday_start, clinic.workday_end),
            treatments: &treatments,
            by_day: &by_day,
            by_treatment: &by_treatment,
            flags: &flags,
            emails: &emails,
        };
        Ok(input.figures())
    })
    .await
}

/// Everything read, for the pure arithmetic below.
struct Input<'a> {
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    follow_up: i64,
    tz: chrono_tz::Tz,
    workday: (NaiveTime, NaiveTime),
    treatments: &'a [ReportTreatment],
    by_day: &'a [(NaiveDate, i64, i64)],
    by_treatment: &'a [(TreatmentId, i64)],
    flags: &'a [ReportFlag],
    emails: &'a [(String, i32)],
}

impl Input<'_> {
    fn week_of(&self, d: NaiveDate) -> Option<usize> {
        (d >= self.from && d <= self.to).then(|| ((d - self.from).num_days() / 7) as usize)
    }

    fn local_date(&self, t: NaiveDateTime) -> NaiveDate {
        triage::clinic_today(t.and_utc(), self.tz)
    }

    fn in_hours(&self, t: NaiveDateTime) -> bool {
        let local = t.and_utc().with_timezone(&self.tz).time();
        local >= self.workday.0 && local < self.workday.1
    }

    fn figures(&self) -> QualityReport {
        let n_weeks = ((self.to - self.from).num_days() / 7 + 1).max(1) as usize;
        let mut weeks: Vec<Week> = (0..n_weeks)
            .map(|i| {
                let start = self.from + Duration::days(7 * i as i64);
                Week {
                    start,
                    end: (start + Duration::days(6)).min(self.to),
                    due: 0,
                    received: 0,
                    checkins: 0,
                    flags: BySeverity::default(),
                }
            })
            .collect();

        // Due days, per treatment: until the patient's next treatment starts.
        let mut next_start: HashMap<TreatmentId, NaiveDate> = HashMap::new();
        let mut by_patient: HashMap<PatientId, Vec<&ReportTreatment>> = HashMap::new();
        for t in self.treatments {
            by_patient.entry(t.patient).or_default().push(t);
        }
        for list in by_patient.values_mut() {
            list.sort_by_key(|t| (t.treated_on, t.id.0));
            for pair in list.windows(2) {
                next_start.insert(pair[0].id, pair[1].treated_on);
            }
        }
        let last_due_date = self.to.min(self.today);
        let mut classes: BTreeMap<ProcedureClass, ClassFigures> = BTreeMap::new();
        let mut class_of: HashMap<TreatmentId, ProcedureClass> = HashMap::new();
        for t in self.treatments {
            class_of.insert(t.id, t.procedure);
            let closed = t.closed_at.map(|c| self.local_date(c));
            let stop = next_start.get(&t.id).copied();
            let mut due = 0u32;
            for day in triage::due_days(self.follow_up) {
                let Some(date) = triage::date_of_day(t.treated_on, day) else {
                    continue;
                };
                if date < self.from || date > last_due_date {
                    continue;
                }
                if stop.is_some_and(|s| date >= s) || closed.is_some_and(|c| date > c) {
                    break;
                }
                due += 1;
                if let Some(w) = self.week_of(date) {
                    weeks[w].due += 1;
                }
            }
            if due > 0 {
                let cf = classes.entry(t.procedure).or_insert_with(|| ClassFigures {
                    class: t.procedure,
                    treatments: 0,
                    due: 0,
                    received: 0,
                    complications: vec![0; COMPLICATIONS.len()],
                });
                cf.treatments += 1;
                cf.due += due;
            }
        }
        for (t, n) in self.by_treatment {
            if let Some(cf) = class_of.get(t).and_then(|c| classes.get_mut(c)) {
                cf.received += *n as u32;
            }
        }
        let mut checkins = 0;
        for (d, all, on_due) in self.by_day {
            if let Some(w) = self.week_of(*d) {
                weeks[w].checkins += *all as u32;
                weeks[w].received += *on_due as u32;
                checkins += *all as u32;
            }
        }

        let mut rules: BTreeMap<RuleId, RuleFigures> = BTreeMap::new();
        let mut flags = BySeverity::default();
        let (mut in_hours, mut out_hours) = (Vec::new(), Vec::new());
        let mut response = Responsiveness::default();
        // (treatment, complication, class): each treatment counts once per complication.
        let mut complicated: BTreeSet<(TreatmentId, usize, ProcedureClass)> = BTreeSet::new();
        for f in self.flags {
            flags.add(f.severity);
            if let Some(w) = self.week_of(self.local_date(f.raised_at)) {
                weeks[w].flags.add(f.severity);
            }
            let rf = rules.entry(f.rule).or_insert_with(|| RuleFigures {
                rule: f.rule,
                flags: BySeverity::default(),
                resolved_with_outcome: 0,
                action: 0,
            });
            rf.flags.add(f.severity);
            if let (FlagState::Resolved, Some(o)) = (f.state, f.outcome) {
                rf.resolved_with_outcome += 1;
                if o.is_action() {
                    rf.action += 1;
                }
                if let Some(k) = COMPLICATIONS.iter().position(|c| *c == o) {
                    complicated.insert((f.treatment, k, f.procedure));
                }
            }
            if f.severity == Severity::Urgent {
                response.urgent_flags += 1;
                if f.escalated_at.is_some() {
                    response.escalated += 1;
                }
                match f.acknowledged_at {
                    Some(a) => {
                        let minutes = (a - f.raised_at).num_minutes().max(0);
                        if self.in_hours(f.raised_at) {
                            in_hours.push(minutes)
                        } else {
                            out_hours.push(minutes)
                        }
                    }
                    None => response.unacknowledged += 1,
                }
            }
        }
        for (_, k, class) in complicated {
            let cf = classes.entry(class).or_insert_with(|| ClassFigures {
                class,
                treatments: 0,
                due: 0,
                received: 0,
                complications: vec![0; COMPLICATIONS.len()],
            });
            cf.complications[k] += 1;
        }
        response.in_hours = ResponseTimes::of(in_hours);
        response.out_of_hours = ResponseTimes::of(out_hours);
        for (status, attempts) in self.emails {
            response.alert_emails += 1;
            match status.as_str() {
                outbox::SENT if *attempts > 1 => response.sent_after_retries += 1,
                outbox::DEAD => response.dead += 1,
                outbox::PENDING => response.pending += 1,
                _ => {}
            }
        }

        QualityReport {
            from: self.from,
            to: self.to,
            weeks,
            classes: classes.into_values().collect(),
            rules: rules.into_values().collect(),
            checkins,
            flags,
            response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[10, 20, 30, 40], 50), Some(20));
        assert_eq!(percentile(&[10, 20, 30, 40], 90), Some(40));
    }
}
