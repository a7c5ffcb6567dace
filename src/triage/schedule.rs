//! Day numbers, the check-in schedule and missed check-ins (M1–M3), all in
//! the clinic's time zone. The current time is always a parameter.
//!
//! Schedule: a check-in is due every day from day 0 to day 14, then every 7th
//! day (21, 28, …) up to the treatment's follow-up window (clinical
//! reference, section 4).

use super::settings::RuleSettings;
use crate::domain::{ProcedureClass, RuleId, Severity};
use chrono::{DateTime, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// Daily check-ins run to this day; weekly ones follow.
pub const LAST_DAILY_DAY: i64 = crate::domain::CheckInKind::LAST_DAILY_DAY;
/// The first day of the weekly form.
pub const WEEKLY_FROM_DAY: i64 = LAST_DAILY_DAY + 1;
/// Follow-up windows longer than this are cut to it (two years), so that
/// schedules stay small whatever a caller passes.
pub const MAX_FOLLOW_UP_DAYS: i64 = 730;
/// How many completed clinic days back [`missed_checkins`] judges M2/M3.
/// Three days cover a scheduler outage over a weekend; after a longer outage
/// older days are not raised, because an alert about ancient history helps
/// nobody and would bury the current ones.
pub const LOOKBACK_DAYS: i64 = 3;
/// A1: how long after a treatment's start (or the enrolment, if later) a
/// patient who has not accepted the invite is flagged.
pub const INVITATION_GRACE: TimeDelta = TimeDelta::hours(48);
/// A1's dedup key: one per treatment (the caller also keeps it to one per patient).
pub const INVITATION_KEY: &str = "invitation";

/// The clinic's calendar date at `now`.
pub fn clinic_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    // Not `with_timezone(..).date_naive()`: that panics at the ends of the
    // calendar's range; here the UTC date is the answer there.
    let utc = now.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(TimeDelta::seconds(i64::from(offset)))
        .unwrap_or(utc)
        .date()
}

/// Days since treatment: the treatment date is day 0 (negative before it).
pub fn day_number(treated_on: NaiveDate, date: NaiveDate) -> i64 {
    date.signed_duration_since(treated_on).num_days()
}

/// The calendar date of day `day`, or `None` outside the calendar's range.
pub fn date_of_day(treated_on: NaiveDate, day: i64) -> Option<NaiveDate> {
    treated_on.checked_add_signed(TimeDelta::try_days(day)?)
}

/// The instant of a clinic-local wall-clock time. In a daylight-saving gap
/// (the time does not exist) it is the first valid instant after it; in a
/// fold (the time happens twice) the earlier one.
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(time);
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return t.with_timezone(&Utc);
    }
    // In a gap: step by whole minutes from the start of the minute; gaps in
    // the tz database end on a minute boundary and last at most a few hours.
    let start = local.with_second(0).and_then(|l| l.with_nanosecond(0)).unwrap_or(local);
    (1..=24 * 60)
        .filter_map(|m| start.checked_add_signed(TimeDelta::minutes(m)))
        .find_map(|l| tz.from_local_datetime(&l).earliest())
        .map(|t| t.with_timezone(&Utc))
        // Unreachable for real zones; reading the time as UTC is a safe answer.
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// Whether a check-in is due on day `day`: every day 0–14, then days 21, 28, …
/// up to `follow_up_days` (at most [`MAX_FOLLOW_UP_DAYS`]).
pub fn is_due_day(day: i64, follow_up_days: i64) -> bool {
    day >= 0 && day <= follow_up_days.min(MAX_FOLLOW_UP_DAYS) && (day <= LAST_DAILY_DAY || day % 7 == 0)
}

/// Every due day, ascending.
pub fn due_days(follow_up_days: i64) -> Vec<i64> {
    (0..=follow_up_days.min(MAX_FOLLOW_UP_DAYS))
        .filter(|d| is_due_day(*d, follow_up_days))
        .collect()
}

/// The first due day on or after `today_day`, if any is left.
pub fn next_due(today_day: i64, follow_up_days: i64) -> Option<i64> {
    let last = follow_up_days.min(MAX_FOLLOW_UP_DAYS);
    let start = today_day.max(0);
    if start > last {
        return None;
    }
    // start ≤ MAX_FOLLOW_UP_DAYS here, so rounding up cannot overflow.
    let day = if start <= LAST_DAILY_DAY {
        start
    } else {
        (start + 6) / 7 * 7
    };
    (day <= last).then_some(day)
}

/// The due days that passed with no check-in, for the charts' gaps: from
/// day 1 (where the missed check-in rules start) up to yesterday, since
/// today's may still come.
pub fn missed_days(checkin_days: &BTreeSet<i64>, today_day: i64, follow_up_days: i64) -> Vec<i64> {
    (1..today_day.min(MAX_FOLLOW_UP_DAYS + 1))
        .filter(|d| is_due_day(*d, follow_up_days) && !checkin_days.contains(d))
        .collect()
}

/// What the scheduler knows about one treatment.
#[derive(Debug, Clone)]
pub struct MissedInput<'a> {
    /// Day 0, in the clinic's time zone.
    pub treated_on: NaiveDate,
    /// Last day of follow-up (about 84).
    pub follow_up_days: i64,
    pub tz: Tz,
    /// The clinic's reminder time (local wall clock).
    pub reminder_time: NaiveTime,
    pub now: DateTime<Utc>,
    /// Days that have a check-in.
    pub checkin_days: &'a BTreeSet<i64>,
    /// The highest severity each check-in raised, by day (days whose
    /// check-in raised nothing may be absent).
    pub severity_by_day: &'a BTreeMap<i64, Severity>,
    pub procedure: ProcedureClass,
    pub settings: &'a RuleSettings,
    /// Whether the patient gets reminders (M1).
    pub reminders_enabled: bool,
    /// When the patient accepted the invite (set a password); `None` while
    /// only invited. M1–M3 count from the later of the treatment date and
    /// this day; before it nobody could check in.
    pub activated_at: Option<DateTime<Utc>>,
    /// When the patient was enrolled: A1 waits 48 h from the later of this
    /// and the treatment's start, so a patient enrolled after a back-dated
    /// treatment is not flagged at once.
    pub enrolled_at: DateTime<Utc>,
}

/// A missed check-in (or A1: an invitation not accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedFinding {
    /// M1, M2, M3 or A1.
    pub rule: RuleId,
    /// `None` for M1: a reminder to the patient, never a clinic flag.
    pub severity: Option<Severity>,
    /// The missed day (days since treatment) and its date.
    pub day: i64,
    pub date: NaiveDate,
    /// Stable: the missed day's date, `YYYY-MM-DD`. The database keeps one
    /// row per (treatment, rule, dedup_key), so each is raised exactly once.
    pub dedup_key: String,
    pub reason: String,
}

/// The missed check-ins to act on at `input.now`. Running it again at any
/// later time yields the same keys for the same days, so the caller may run
/// it as often as it likes.
///
/// Days count from the patient's **start day**: the later of the treatment
/// date (day 0) and the clinic date the patient activated their account.
/// Days before it are never missed. A patient who has not activated gets no
/// M1–M3 at all; instead, 48 hours after the later of the treatment's start
/// (clinic midnight of day 0) and the enrolment, **A1** (info, key
/// [`INVITATION_KEY`]): the invitation was not accepted.
///
/// - **M1** (reminder only): today (clinic date) is a due day, the clinic's
///   local time has reached the reminder time, and today has no check-in.
///   Only today: a reminder for a past day is useless. Nothing when
///   reminders are off or after the follow-up window.
/// - **M2** (review) and **M3** (urgent) are judged only for due days that
///   are completely over in the clinic's time zone, and only the last
///   [`LOOKBACK_DAYS`] of them. A missed day D raises:
///   - M2 when the run of missed daily check-ins ending at D (counted back to
///     day 1, or the start day) is at least 2 and D is in days 1–7 after an
///     ablative class, or at least 3 and D is in days 8–14 (every class); or
///     when D is 2 days after the start day ("none by day 2": days 0, 1 and 2
///     all without a check-in, when the patient was active on day 0). Each
///     further missed day of a run raises again with its own key; alert
///     hygiene merges them into the open flag.
///   - M3 when the latest check-in before D raised urgent or review and D is
///     the first due day after it.
pub fn missed_checkins(input: &MissedInput) -> Vec<MissedFinding> {
    let s = input.settings;
    let Some(activated_at) = input.activated_at else {
        return invitation_not_accepted(input).into_iter().collect();
    };
    let today = clinic_today(input.now, input.tz);
    let today_day = day_number(input.treated_on, today);
    let start_day = start_day(input.treated_on, activated_at, input.tz);
    let missed = |d: i64| d >= start_day && is_due_day(d, input.follow_up_days) && !input.checkin_days.contains(&d);
    let mut out = Vec::new();

    if input.reminders_enabled && s.is_enabled(RuleId::M1) && missed(today_day) {
        let reminder_at = local_instant(today, input.reminder_time, input.tz);
        // Someone who accepted the invite after today's reminder time is
        // not reminded minutes later.
        if input.now >= reminder_at && reminder_at >= activated_at {
            out.push(finding(
                RuleId::M1,
                today_day,
                today,
                format!(
                    "No check-in yet for day {today_day} ({today}) by the reminder time {}: remind the patient",
                    input.reminder_time.format("%H:%M")
                ),
            ));
        }
    }

    for d in today_day.saturating_sub(LOOKBACK_DAYS)..today_day {
        if !missed(d) {
            continue;
        }
        let Some(date) = date_of_day(input.treated_on, d) else {
            continue;
        };
        if s.is_enabled(RuleId::M2) {
            if let Some(reason) = m2_reason(input, d, start_day, &missed) {
                out.push(finding(RuleId::M2, d, date, reason));
            }
        }
        if s.is_enabled(RuleId::M3) {
            if let Some(reason) = m3_reason(input, d) {
                out.push(finding(RuleId::M3, d, date, reason));
            }
        }
    }
    out
}

/// The first day that can be missed: the treatment's day 0, or the day the
/// patient activated if that was later (clinic dates).
fn start_day(treated_on: NaiveDate, activated_at: DateTime<Utc>, tz: Tz) -> i64 {
    day_number(treated_on, clinic_today(activated_at, tz)).max(0)
}

/// A1: not active 48 h after the later of the treatment's start and the enrolment.
fn invitation_not_accepted(input: &MissedInput) -> Option<MissedFinding> {
    if !input.settings.is_enabled(RuleId::A1) {
        return None;
    }
    let treatment_start = local_instant(input.treated_on, NaiveTime::MIN, input.tz);
    let from = treatment_start.max(input.enrolled_at);
    let due = from.checked_add_signed(INVITATION_GRACE)?;
    let today = clinic_today(input.now, input.tz);
    let day = day_number(input.treated_on, today);
    if input.now < due || day > input.follow_up_days.min(MAX_FOLLOW_UP_DAYS) {
        return None;
    }
    let since = if from == treatment_start {
        format!("the treatment on {}", input.treated_on)
    } else {
        format!("enrolment on {}", clinic_today(input.enrolled_at, input.tz))
    };
    Some(MissedFinding {
        rule: RuleId::A1,
        severity: RuleId::A1.default_severity(),
        day,
        date: today,
        dedup_key: INVITATION_KEY.to_string(),
        reason: format!(
            "Invitation not accepted: the patient has not set up their account 48 hours after {since}, \
             so no check-ins can come. Resend the invite or call them."
        ),
    })
}

/// A missed check-in finding at its rule's severity (none for M1: a reminder).
fn finding(rule: RuleId, day: i64, date: NaiveDate, reason: String) -> MissedFinding {
    MissedFinding {
        rule,
        severity: rule.default_severity(),
        day,
        date,
        dedup_key: date.format("%Y-%m-%d").to_string(),
        reason,
    }
}

fn m2_reason(input: &MissedInput, d: i64, start_day: i64, missed: &dyn Fn(i64) -> bool) -> Option<String> {
    let s = input.settings;
    let ablative = input.procedure.is_ablative();
    let needed = match d {
        1..=7 if ablative => Some(i64::from(s.missed_in_row_days_1_7_ablative)),
        8..=LAST_DAILY_DAY => Some(i64::from(s.missed_in_row_days_8_14)),
        _ => None,
    };
    // The run is at most 14 long: it only covers daily days 1..=d (and
    // `missed` is false before the start day).
    let run = (1..=d).rev().take_while(|k| missed(*k)).count() as i64;
    let mut parts = Vec::new();
    if let Some(n) = needed.filter(|n| run >= *n) {
        let window = if d <= 7 { "days 1–7" } else { "days 8–14" };
        parts.push(format!(
            "{run} daily check-ins missed in a row up to day {d} ({}); the clinic's limit in {window} is {n}",
            date_of_day(input.treated_on, d)
                .map(|x| x.to_string())
                .unwrap_or_default()
        ));
    }
    // "None by day N" counts N days from the start day.
    let none_by = start_day.saturating_add(s.missed_none_by_day);
    // d ≥ start_day here (a missed day), so the range below is never reversed.
    if d == none_by && input.checkin_days.range(start_day..=d).next().is_none() {
        parts.push(format!("no check-in at all from day {start_day} to day {d}"));
    }
    if parts.is_empty() {
        return None;
    }
    let mut reason = parts.join("; ");
    if let Some(first) = reason.get(..1) {
        let upper = first.to_uppercase();
        reason.replace_range(..1, &upper);
    }
    Some(reason)
}

fn m3_reason(input: &MissedInput, d: i64) -> Option<String> {
    let &last_day = input.checkin_days.range(..d).next_back()?;
    let severity = *input.severity_by_day.get(&last_day)?;
    let first_due_after = next_due(last_day.checked_add(1)?, input.follow_up_days)?;
    if severity < Severity::Review || first_due_after != d {
        return None;
    }
    Some(format!(
        "No check-in for day {d} ({}); the check-in before it (day {last_day}) raised a {} flag",
        date_of_day(input.treated_on, d)
            .map(|x| x.to_string())
            .unwrap_or_default(),
        severity.as_str()
    ))
}
