//! Schedule and missed check-ins, with an injected clock moving across days
//! in clinic time zones that differ from UTC, through daylight-saving changes.

use super::*;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use chrono_tz::Pacific::Auckland;
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}
fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

#[test]
fn clinic_day_differs_from_utc() {
    let now = utc(2026, 3, 8, 1, 0);
    assert_eq!(clinic_today(now, Los_Angeles), date(2026, 3, 7));
    assert_eq!(clinic_today(now, Auckland), date(2026, 3, 8));
    let now = utc(2026, 3, 8, 12, 0);
    assert_eq!(clinic_today(now, Auckland), date(2026, 3, 9));
    assert_eq!(day_number(date(2026, 3, 5), date(2026, 3, 5)), 0);
    assert_eq!(day_number(date(2026, 3, 5), date(2026, 3, 9)), 4);
    assert_eq!(day_number(date(2026, 3, 5), date(2026, 3, 4)), -1);
    assert_eq!(date_of_day(date(2026, 3, 5), 14), Some(date(2026, 3, 19)));
    assert_eq!(date_of_day(date(2026, 3, 5), i64::MAX), None);
}

#[test]
fn local_instant_in_gaps_and_folds() {
    // Los Angeles, 2026-03-08: 02:00 PST jumps to 03:00 PDT.
    assert_eq!(
        local_instant(date(2026, 3, 8), hm(2, 30), Los_Angeles),
        utc(2026, 3, 8, 10, 0)
    );
    assert_eq!(
        local_instant(date(2026, 3, 8), hm(18, 0), Los_Angeles),
        utc(2026, 3, 9, 1, 0)
    );
    assert_eq!(
        local_instant(date(2026, 3, 7), hm(18, 0), Los_Angeles),
        utc(2026, 3, 8, 2, 0)
    );
    // Los Angeles, 2026-11-01: 01:30 happens twice; the earlier is PDT.
    assert_eq!(
        local_instant(date(2026, 11, 1), hm(1, 30), Los_Angeles),
        utc(2026, 11, 1, 8, 30)
    );
    // Auckland, 2026-04-05: 03:00 NZDT falls back to 02:00 NZST; 02:30 is NZDT first.
    assert_eq!(
        local_instant(date(2026, 4, 5), hm(2, 30), Auckland),
        utc(2026, 4, 4, 13, 30)
    );
    // Auckland, 2026-09-27: 02:00 NZST jumps to 03:00 NZDT.
    assert_eq!(
        local_instant(date(2026, 9, 27), hm(2, 15), Auckland),
        utc(2026, 9, 26, 14, 0)
    );
    let with_seconds = NaiveTime::from_hms_opt(2, 15, 30).unwrap();
    assert_eq!(
        local_instant(date(2026, 9, 27), with_seconds, Auckland),
        utc(2026, 9, 26, 14, 0)
    );
}

#[test]
fn due_days_daily_then_weekly() {
    let table = [
        // day, follow-up days, due
        (-1, 84, false),
        (0, 84, true),
        (14, 84, true),
        (15, 84, false),
        (20, 84, false),
        (21, 84, true),
        (28, 84, true),
        (84, 84, true),
        (91, 84, false),
        (10, 7, false),
        (7, 7, true),
        (i64::MAX, i64::MAX, false),
        (0, -1, false),
    ];
    for (day, f, due) in table {
        assert_eq!(is_due_day(day, f), due, "{day} {f}");
    }
    let days = due_days(84);
    assert_eq!(days.len(), 15 + 10);
    assert_eq!(&days[13..], &[13, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84]);
    assert!(due_days(-5).is_empty());
    assert_eq!(due_days(i64::MAX).last(), Some(&728));
    assert_eq!(next_due(-3, 84), Some(0));
    assert_eq!(next_due(14, 84), Some(14));
    assert_eq!(next_due(15, 84), Some(21));
    assert_eq!(next_due(21, 84), Some(21));
    assert_eq!(next_due(22, 84), Some(28));
    assert_eq!(next_due(85, 84), None);
    assert_eq!(next_due(80, 82), None);
    assert_eq!(next_due(i64::MAX, i64::MAX), None);
}

#[test]
fn missed_days_are_past_due_days_without_a_check_in() {
    let entered: BTreeSet<i64> = [0, 1, 3, 16].into_iter().collect();
    let daily_gaps: Vec<i64> = [2].into_iter().chain(4..=14).collect();
    // Day 0 is not judged, 15-20 are not due, today (22) may still come.
    assert_eq!(missed_days(&entered, 22, 84), [daily_gaps.clone(), vec![21]].concat());
    assert_eq!(missed_days(&entered, 21, 84), daily_gaps);
    assert_eq!(missed_days(&entered, 3, 84), vec![2]);
    assert!(missed_days(&entered, 0, 84).is_empty());
    assert!(missed_days(&entered, -4, 84).is_empty());
    // Nothing after the follow-up window, however late today is.
    assert_eq!(missed_days(&entered, i64::MAX, 28).last(), Some(&28));
}

fn long_before(d: NaiveDate) -> DateTime<Utc> {
    (d - TimeDelta::days(30)).and_hms_opt(12, 0, 0).expect("noon").and_utc()
}

struct Patient {
    treated_on: NaiveDate,
    tz: Tz,
    reminder: NaiveTime,
    procedure: ProcedureClass,
    checkins: BTreeSet<i64>,
    severity: BTreeMap<i64, Severity>,
    settings: RuleSettings,
    reminders: bool,
    activated_at: Option<DateTime<Utc>>,
    enrolled_at: DateTime<Utc>,
}

impl Patient {
    fn new(treated_on: NaiveDate, tz: Tz, procedure: ProcedureClass, checkins: &[i64]) -> Self {
        Self {
            treated_on,
            tz,
            reminder: hm(18, 0),
            procedure,
            checkins: checkins.iter().copied().collect(),
            severity: BTreeMap::new(),
            settings: RuleSettings::default(),
            reminders: true,
            // Active well before the treatment: the schedule as in the reference.
            activated_at: Some(long_before(treated_on)),
            enrolled_at: long_before(treated_on),
        }
    }
    fn at(&self, now: DateTime<Utc>) -> Vec<MissedFinding> {
        missed_checkins(&MissedInput {
            treated_on: self.treated_on,
            follow_up_days: 84,
            tz: self.tz,
            reminder_time: self.reminder,
            now,
            checkin_days: &self.checkins,
            severity_by_day: &self.severity,
            procedure: self.procedure,
            settings: &self.settings,
            reminders_enabled: self.reminders,
            activated_at: self.activated_at,
            enrolled_at: self.enrolled_at,
        })
    }
    /// Runs the scheduler every 15 minutes from `from` to `to`; returns when
    /// each (rule, dedup key) was first reported.
    fn run(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeMap<(RuleId, String), DateTime<Utc>> {
        let mut seen = BTreeMap::new();
        let mut now = from;
        while now <= to {
            for f in self.at(now) {
                assert_eq!(f.dedup_key, f.date.to_string());
                assert_eq!(date_of_day(self.treated_on, f.day), Some(f.date));
                assert_eq!(f.severity.is_none(), f.rule == RuleId::M1);
                seen.entry((f.rule, f.dedup_key)).or_insert(now);
            }
            now += TimeDelta::minutes(15);
        }
        seen
    }
}

fn key(rule: RuleId, d: NaiveDate) -> (RuleId, String) {
    (rule, d.to_string())
}

#[test]
fn los_angeles_across_the_spring_forward() {
    // Treated Thu 2026-03-05 (day 0); clocks spring forward on Sun 2026-03-08 (day 3).
    let mut p = Patient::new(
        date(2026, 3, 5),
        Los_Angeles,
        ProcedureClass::AblativeFullCo2,
        &[0, 1, 4, 5, 6, 7, 8],
    );
    p.severity.insert(8, Severity::Review);
    p.severity.insert(1, Severity::Info);
    let seen = p.run(utc(2026, 3, 5, 8, 0), utc(2026, 3, 18, 6, 0));

    let mut expected = BTreeMap::new();
    // M2: days 2–3 missed in a row (ablative, days 1–7): judged once Sunday is over (PDT midnight = 07:00 UTC).
    expected.insert(key(RuleId::M2, date(2026, 3, 8)), utc(2026, 3, 9, 7, 0));
    // M3: day 8 raised review, day 9 (Sat 03-14) missed.
    expected.insert(key(RuleId::M3, date(2026, 3, 14)), utc(2026, 3, 15, 7, 0));
    // M2: days 9–11 missed in a row (days 8–14).
    expected.insert(key(RuleId::M2, date(2026, 3, 16)), utc(2026, 3, 17, 7, 0));
    // M1 at 18:00 local on each due day without a check-in: PST before the change, PDT after.
    expected.insert(key(RuleId::M1, date(2026, 3, 7)), utc(2026, 3, 8, 2, 0));
    expected.insert(key(RuleId::M1, date(2026, 3, 8)), utc(2026, 3, 9, 1, 0));
    for d in 14..=17 {
        expected.insert(key(RuleId::M1, date(2026, 3, d)), utc(2026, 3, d + 1, 1, 0));
    }
    assert_eq!(seen, expected);

    // The same day gives the same key whenever the scheduler looks.
    let a = p.at(utc(2026, 3, 9, 7, 0));
    let b = p.at(utc(2026, 3, 11, 6, 45));
    let m2 = |v: &[MissedFinding]| v.iter().find(|f| f.rule == RuleId::M2).map(|f| f.dedup_key.clone());
    assert_eq!(m2(&a), Some("2026-03-08".into()));
    assert_eq!(m2(&a), m2(&b));
    // After the lookback window the day is no longer reported.
    assert_eq!(m2(&p.at(utc(2026, 3, 12, 7, 0))), None);
}

#[test]
fn auckland_across_the_fall_back() {
    // Treated Fri 2026-04-03; clocks fall back on Sun 2026-04-05 (day 2), a 25-hour day.
    let mut p = Patient::new(date(2026, 4, 3), Auckland, ProcedureClass::NonablativeFractional, &[]);
    p.reminder = hm(2, 30); // happens twice on 04-05: the earlier (NZDT) counts
    let seen = p.run(utc(2026, 4, 2, 11, 0), utc(2026, 4, 7, 11, 45));
    let mut expected = BTreeMap::new();
    // "None by day 2": day 2 is over at NZST midnight, 12:00 UTC.
    expected.insert(key(RuleId::M2, date(2026, 4, 5)), utc(2026, 4, 5, 12, 0));
    expected.insert(key(RuleId::M1, date(2026, 4, 3)), utc(2026, 4, 2, 13, 30));
    expected.insert(key(RuleId::M1, date(2026, 4, 4)), utc(2026, 4, 3, 13, 30));
    expected.insert(key(RuleId::M1, date(2026, 4, 5)), utc(2026, 4, 4, 13, 30));
    expected.insert(key(RuleId::M1, date(2026, 4, 6)), utc(2026, 4, 5, 14, 30));
    expected.insert(key(RuleId::M1, date(2026, 4, 7)), utc(2026, 4, 6, 14, 30));
    assert_eq!(seen, expected);
    // Non-ablative: no M2 for two missed days in days 1–7.
    assert!(!seen.contains_key(&key(RuleId::M2, date(2026, 4, 4))));
}

#[test]
fn ablative_none_by_day_2_and_runs() {
    // No check-in at all after an ablative treatment: from day 2 every missed
    // daily day extends the run (hygiene merges them into one open flag).
    let p = Patient::new(date(2026, 6, 1), Los_Angeles, ProcedureClass::AblativeFractional, &[]);
    let got = p.at(utc(2026, 6, 4, 12, 0)); // 05:00 PDT on day 3
    let m2: Vec<i64> = got.iter().filter(|f| f.rule == RuleId::M2).map(|f| f.day).collect();
    assert_eq!(m2, vec![2], "day 1 alone is a run of 1; day 0 does not count");
    let day2 = got
        .iter()
        .find(|f| f.rule == RuleId::M2 && f.day == 2)
        .map(|f| f.reason.clone());
    assert!(day2.is_some_and(|r| r.contains("2 daily check-ins missed") && r.contains("no check-in at all")));
}

#[test]
fn m3_only_for_the_next_due_day_after_a_flagged_check_in() {
    let mut p = Patient::new(date(2026, 6, 1), Los_Angeles, ProcedureClass::Ipl, &[0, 1, 2, 14]);
    p.severity.insert(2, Severity::Urgent);
    p.severity.insert(14, Severity::Review);
    let m3 = |p: &Patient, now| -> Vec<i64> {
        p.at(now)
            .iter()
            .filter(|f| f.rule == RuleId::M3)
            .map(|f| f.day)
            .collect()
    };
    assert_eq!(m3(&p, utc(2026, 6, 5, 8, 0)), vec![3]); // 01:00 PDT on day 4
    assert!(m3(&p, utc(2026, 6, 5, 6, 59)).is_empty(), "day 3 is not over yet");
    // Weekly phase: after day 14 the next due day is 21.
    assert_eq!(m3(&p, utc(2026, 6, 23, 7, 0)), vec![21]);
    p.severity.insert(14, Severity::Info);
    assert!(m3(&p, utc(2026, 6, 23, 7, 0)).is_empty());
}

#[test]
fn long_outage_switches_and_window() {
    let mut p = Patient::new(date(2026, 1, 1), Auckland, ProcedureClass::AblativeFullCo2, &[0]);
    // Day 10 noon in Auckland: only days 7–9 are judged, not days 2–6.
    let noon_day_10 = local_instant(date(2026, 1, 11), hm(12, 0), Auckland);
    let days: Vec<i64> = p
        .at(noon_day_10)
        .iter()
        .filter(|f| f.rule == RuleId::M2)
        .map(|f| f.day)
        .collect();
    assert_eq!(days, vec![7, 8, 9]);
    // Day 30: nothing daily left to judge; day 30 is not due.
    assert!(p.at(local_instant(date(2026, 1, 31), hm(20, 0), Auckland)).is_empty());
    // The last day of follow-up still reminds; after the window nothing does.
    let day_84 = p.at(local_instant(date(2026, 3, 26), hm(20, 0), Auckland));
    assert_eq!(
        day_84.iter().map(|f| (f.rule, f.day)).collect::<Vec<_>>(),
        vec![(RuleId::M1, 84)]
    );
    assert!(p.at(local_instant(date(2026, 4, 2), hm(20, 0), Auckland)).is_empty()); // day 91
    let evening_day_3 = local_instant(date(2026, 1, 4), hm(18, 0), Auckland);
    assert!(p.at(evening_day_3).iter().any(|f| f.rule == RuleId::M1));
    p.reminders = false;
    assert!(p.at(evening_day_3).iter().all(|f| f.rule != RuleId::M1));
    p.reminders = true;
    p.settings.disabled.insert(RuleId::M1);
    p.settings.disabled.insert(RuleId::M2);
    assert!(p.at(evening_day_3).is_empty());
    // Before the treatment date: nothing.
    assert!(p.at(utc(2025, 12, 1, 0, 0)).is_empty());
}

#[test]
fn clamped_follow_up_and_weird_settings_do_not_panic() {
    let mut p = Patient::new(date(2026, 1, 1), Auckland, ProcedureClass::PeelMedium, &[-4, 0, 500]);
    p.settings.missed_none_by_day = -3;
    p.settings.missed_in_row_days_8_14 = 0;
    for h in (0..24 * 40).step_by(7) {
        let _ = p.at(utc(2026, 1, 1, 0, 0) + TimeDelta::hours(h));
    }
    let _ = p.at(DateTime::<Utc>::MAX_UTC);
    let _ = p.at(DateTime::<Utc>::MIN_UTC);
}

#[test]
fn missed_check_ins_and_reminders_count_from_the_activation_day() {
    // Ablative, treated Mon 2026-03-02 (London, UTC in winter); the patient
    // accepts the invite on day 3 (Thu) at 10:00, before the 18:00 reminder.
    let mut p = Patient::new(
        date(2026, 3, 2),
        chrono_tz::Europe::London,
        ProcedureClass::AblativeFractional,
        &[],
    );
    let everything = p.run(utc(2026, 3, 2, 0, 0), utc(2026, 3, 8, 23, 45));
    // Active from the start: M2 on day 2 ("none by day 2" and a run of 2).
    assert!(everything.contains_key(&key(RuleId::M2, date(2026, 3, 4))));

    p.activated_at = Some(utc(2026, 3, 5, 10, 0));
    let seen = p.run(utc(2026, 3, 2, 0, 0), utc(2026, 3, 8, 23, 45));
    let mut expected = BTreeMap::new();
    // Reminders only from the activation day on.
    for d in 5..=8 {
        expected.insert(key(RuleId::M1, date(2026, 3, d)), utc(2026, 3, d, 18, 0));
    }
    // Days 3 and 4 missed (a run of 2 counted from day 3), judged once day 4 is over.
    expected.insert(key(RuleId::M2, date(2026, 3, 6)), utc(2026, 3, 7, 0, 0));
    // Day 5 = start day + 2 with nothing since day 3: "none by", and the run grows.
    expected.insert(key(RuleId::M2, date(2026, 3, 7)), utc(2026, 3, 8, 0, 0));
    assert_eq!(seen, expected);
    let day5 = p
        .at(utc(2026, 3, 8, 0, 0))
        .into_iter()
        .find(|f| f.rule == RuleId::M2 && f.day == 5)
        .expect("M2 on day 5");
    assert!(
        day5.reason.contains("no check-in at all from day 3 to day 5"),
        "{}",
        day5.reason
    );

    // Accepted after today's reminder time: no reminder minutes later.
    p.activated_at = Some(utc(2026, 3, 5, 19, 0));
    let late = p.run(utc(2026, 3, 5, 19, 0), utc(2026, 3, 5, 23, 45));
    assert!(late.is_empty(), "{late:?}");
}

#[test]
fn a_patient_never_activated_gets_one_invitation_finding_instead() {
    let mut p = Patient::new(
        date(2026, 3, 2),
        chrono_tz::Europe::London,
        ProcedureClass::AblativeFractional,
        &[],
    );
    p.activated_at = None;
    p.enrolled_at = utc(2026, 3, 1, 15, 0);
    let a1 = |p: &Patient, now| -> Vec<MissedFinding> { p.at(now) };
    // 47 h 45 min after the treatment's start (midnight of day 0): nothing at all.
    assert!(a1(&p, utc(2026, 3, 3, 23, 45)).is_empty());
    let got = a1(&p, utc(2026, 3, 4, 0, 0));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].rule, RuleId::A1);
    assert_eq!(got[0].severity, Some(Severity::Info));
    assert_eq!(got[0].dedup_key, INVITATION_KEY);
    assert!(got[0].reason.contains("Invitation not accepted"));
    // Its key stays the same on every later pass (the caller claims it once).
    assert_eq!(a1(&p, utc(2026, 3, 9, 12, 0))[0].dedup_key, INVITATION_KEY);

    // Enrolled after a back-dated treatment: 48 h from the enrolment.
    p.enrolled_at = utc(2026, 3, 6, 9, 30);
    assert!(a1(&p, utc(2026, 3, 8, 9, 15)).is_empty());
    let got = a1(&p, utc(2026, 3, 8, 9, 30));
    assert!(got[0].reason.contains("enrolment on 2026-03-06"), "{}", got[0].reason);
    // Switched off: nothing.
    p.settings.disabled.insert(RuleId::A1);
    assert!(a1(&p, utc(2026, 3, 9, 12, 0)).is_empty());
}
