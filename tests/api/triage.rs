//! Issue 4 wired to the database: rules versions, one transaction, and the
//! missed-check-in scheduler (exactly once, in the clinic's time zone).

use crate::support::app::*;
use aftercare::db::{checkins, clinics, flags};
use aftercare::domain::*;
use aftercare::triage::RuleSettings;
use chrono::{TimeZone, Utc};

#[tokio::test]
async fn a_threshold_change_affects_new_check_ins_and_not_flags_already_raised() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let p = app.create_patient(clinic, "p@example.org", "P");
    let t = app.create_treatment(p, ProcedureClass::AblativeFractional, date("2026-03-01"), "");
    let itch7 = CheckInAnswers {
        itch: 7,
        ..CheckInAnswers::calm()
    };

    let first = app.record_checkin(t, date("2026-03-02"), &itch7);
    assert!(
        first.rules.contains(&aftercare::domain::RuleId::R5),
        "itch 7 raises R5 by default"
    );
    let v1 = app.db.read(|c| clinics::current_rules(c, clinic)).unwrap();

    // The clinic raises the itch threshold to 9: a new rules version.
    let mut settings: RuleSettings = serde_json::from_str(&v1.settings).unwrap();
    settings.itch_high = 9;
    let now = app.clock_now().naive_utc();
    let v2 = app
        .db
        .write(|c| {
            clinics::new_rules_version(
                c,
                clinic,
                &serde_json::to_string(&settings).unwrap(),
                None,
                "itch 9",
                now,
            )
        })
        .unwrap();
    assert_eq!(v2.version, v1.version + 1);

    app.clock.advance(chrono::Duration::days(2));
    let later = app.record_checkin(t, date("2026-03-04"), &itch7);
    assert!(
        !later.rules.contains(&aftercare::domain::RuleId::R5),
        "new check-ins use the new threshold: {:?}",
        later.rules
    );

    let raised = app.db.read(|c| flags::of_treatment(c, t)).unwrap();
    let r5: Vec<_> = raised.iter().filter(|f| f.rule_id.as_str() == "R5").collect();
    assert_eq!(r5.len(), 1);
    assert_eq!(
        r5[0].rules_version_id, v1.id,
        "the flag keeps the version that raised it"
    );
    assert_eq!(r5[0].severity, Severity::Review);
}

#[tokio::test]
async fn a_check_in_its_flags_and_emails_commit_together_or_not_at_all() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let p = app.create_patient(clinic, "p@example.org", "P");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-03-01"), "");
    // A damaged rules version makes evaluation fail after the check-in row was written.
    let now = app.clock_now().naive_utc();
    app.db
        .write(|c| clinics::new_rules_version(c, clinic, "{not json", None, "broken", now))
        .unwrap();
    let fever = CheckInAnswers {
        fever: true,
        ..CheckInAnswers::calm()
    };
    let result = app.db.write(|c| {
        let tr = aftercare::db::patients::treatment_by_id(c, t)?.unwrap();
        let pa = aftercare::db::patients::get(c, p)?.unwrap();
        let cl = clinics::get(c, clinic)?.unwrap();
        let sub = aftercare::app::checkin::Submission {
            patient: &pa,
            clinic: &cl,
            treatment: &tr,
            date: date("2026-03-02"),
            answers: &fever,
        };
        aftercare::app::checkin::record(c, &app.mail, &sub, app.clock_now())
    });
    assert!(result.is_err());
    assert!(
        app.db.read(|c| checkins::of_treatment(c, t)).unwrap().is_empty(),
        "no check-in without its evaluation"
    );
    assert!(app.db.read(|c| flags::of_treatment(c, t)).unwrap().is_empty());
    assert!(app.outbox().is_empty());
}

#[tokio::test]
async fn missed_check_ins_raise_once_in_the_clinics_time_zone_even_with_two_processes() {
    let app = spawn_app().await;
    // Auckland is UTC+13 in March: the clinic's day starts at 11:00 UTC the day before.
    let clinic = app.create_clinic("Harbour Skin", "Pacific/Auckland");
    let p = app.create_patient(clinic, "kiri@example.org", "Kiri");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullErbium, date("2026-03-10"), "");
    let second = spawn_app_sharing(&app, &[]).await;

    // Day 0 and day 1 checked in; days 2 and 3 missed.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 10, 5, 0, 0).unwrap()); // 18:00 on the 10th in Auckland
    app.record_checkin(t, date("2026-03-10"), &CheckInAnswers::calm());
    app.record_checkin(t, date("2026-03-11"), &CheckInAnswers::calm());

    // 23:30 on the 13th in Auckland (10:30 UTC): day 3 is not over yet.
    let at = Utc.with_ymd_and_hms(2026, 3, 13, 10, 30, 0).unwrap();
    app.clock.set(at);
    second.clock.set(at);
    let before = app.run_scheduler().await.missed_flags + second.run_scheduler().await.missed_flags;
    // 00:30 on the 14th in Auckland (11:30 UTC on the 13th): day 3 is over — in UTC it is still the 13th.
    let at = Utc.with_ymd_and_hms(2026, 3, 13, 11, 30, 0).unwrap();
    app.clock.set(at);
    second.clock.set(at);
    let (a, b) = tokio::join!(app.run_scheduler(), second.run_scheduler());
    let again = app.run_scheduler().await.missed_flags + second.run_scheduler().await.missed_flags;

    let m2: Vec<_> = app
        .db
        .read(|c| flags::of_treatment(c, t))
        .unwrap()
        .into_iter()
        .filter(|f| f.rule_id.as_str() == "M2")
        .collect();
    assert_eq!(m2.len(), 1, "one M2 flag: {m2:?}");
    assert_eq!(m2[0].severity, Severity::Review);
    assert_eq!(
        before, 0,
        "one missed day (day 2) is not yet two in a row while day 3 lasts"
    );
    assert_eq!(a.missed_flags + b.missed_flags, 1, "two processes, one flag");
    assert_eq!(again, 0, "re-running raises nothing new");
}

#[tokio::test]
async fn a_missed_check_in_after_a_flagged_one_is_urgent() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let p = app.create_patient(clinic, "p@example.org", "P");
    let t = app.create_treatment(p, ProcedureClass::NonablativeFractional, date("2026-03-01"), "");
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    // Day 2: oozing after a non-ablative treatment raises review (R1).
    let ooze = CheckInAnswers {
        oozing: Oozing::Clear,
        ..CheckInAnswers::calm()
    };
    assert_eq!(
        app.record_checkin(t, date("2026-03-03"), &ooze).highest,
        Some(Severity::Review)
    );
    // Day 3 missed entirely; the morning of day 4 the scheduler sees it.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 5, 7, 0, 0).unwrap());
    app.run_scheduler().await;
    let m3: Vec<_> = app
        .db
        .read(|c| flags::of_treatment(c, t))
        .unwrap()
        .into_iter()
        .filter(|f| f.rule_id.as_str() == "M3")
        .collect();
    assert_eq!(m3.len(), 1);
    assert_eq!(m3[0].severity, Severity::Urgent);
    assert!(
        app.outbox().iter().any(|r| r.kind.as_str() == "alert_urgent"),
        "an urgent missed check-in emails the clinic"
    );
}
