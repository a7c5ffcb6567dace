//! Issue 14: the rules preview on the clinic's own history, and the quality
//! report, each on a fixture whose figures were worked out by hand.

use crate::dashboard::{post_form, set};
use crate::support::app::*;
use aftercare::app::preview::{self, Tally};
use aftercare::db::clinics;
use aftercare::domain::*;
use aftercare::triage::RuleSettings;
use chrono::{TimeZone, Utc};

fn at_noon(app: &TestApp, d: &str) {
    let d = date(d);
    app.clock
        .set(Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).expect("noon")));
}

fn fever(c: f64) -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.temperature = Some(Temperature::from_celsius(c));
    a
}

fn itch(n: u8) -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.itch = n;
    a
}

fn worse() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.overall = Overall::Worse;
    a
}

struct History {
    app: TestApp,
    clinic: ClinicId,
    a: PatientId,
    ta: TreatmentId,
}

/// Today is 2026-03-02 (London); the window is 2025-12-03 to 2026-03-02.
///
/// - Patient A (non-ablative fractional, treated 2026-02-20): temperature
///   37.6 on day 1, 37.7 on day 2, 38.2 on day 3; itch 5 on day 4, 7 on day 6.
/// - Patient B (non-ablative fractional, treated 2026-02-20): overall worse
///   on days 4 and 5.
/// - Patient C: a fever of 38.5 on 2025-11-25, before the window.
///
/// Each check-in is entered at noon of its day.
async fn history() -> History {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, "admin@bright.example", Role::Admin);
    app.create_staff(clinic, "doc@bright.example", Role::Clinician);
    let a = app.create_patient(clinic, "a@example.com", "Ada Lee");
    let b = app.create_patient(clinic, "b@example.com", "Bo Chan");
    let c = app.create_patient(clinic, "c@example.com", "Cy Park");
    let ta = app.create_treatment(a, ProcedureClass::NonablativeFractional, date("2026-02-20"), "other");
    let tb = app.create_treatment(b, ProcedureClass::NonablativeFractional, date("2026-02-20"), "other");
    let tc = app.create_treatment(c, ProcedureClass::NonablativeFractional, date("2025-11-20"), "other");
    for (t, d, answers) in [
        (tc, "2025-11-25", fever(38.5)),
        (ta, "2026-02-21", fever(37.6)),
        (ta, "2026-02-22", fever(37.7)),
        (ta, "2026-02-23", fever(38.2)),
        (ta, "2026-02-24", itch(5)),
        (ta, "2026-02-26", itch(7)),
        (tb, "2026-02-24", worse()),
        (tb, "2026-02-25", worse()),
    ] {
        at_noon(&app, d);
        app.record_checkin(t, date(d), &answers);
    }
    app.clock.set(default_now());
    History { app, clinic, a, ta }
}

fn draft() -> RuleSettings {
    let mut s = RuleSettings {
        fever_threshold_c: 37.5,
        itch_high: 5,
        ..RuleSettings::default()
    };
    s.disabled.insert(RuleId::R13);
    s
}

fn tally(urgent: u32, review: u32, checkins: u32) -> Tally {
    Tally {
        urgent,
        review,
        info: 0,
        checkins,
    }
}

#[tokio::test]
async fn the_preview_counts_a_hand_worked_history() {
    let h = history().await;
    let clinic = h.app.db.read(|c| clinics::get(c, h.clinic)).unwrap().unwrap();
    let p = preview::preview_rules(&h.app.db, &clinic, draft(), h.app.clock_now())
        .await
        .expect("preview");
    assert_eq!((p.from, p.to), (date("2025-12-03"), date("2026-03-02")));
    assert_eq!(p.checkins, 7, "C's check-in is before the window");
    let rules: Vec<(RuleId, Tally, Tally)> = p.rules.iter().map(|r| (r.rule, r.current, r.draft)).collect();
    assert_eq!(
        rules,
        vec![
            // Now: day 3 only. Draft: days 1–3, each within 24 h of the last: one flag.
            (RuleId::U1, tally(1, 0, 1), tally(1, 0, 3)),
            // Now: day 6 (itch 7). Draft: day 4 (itch 5) and day 6, 48 h apart: two flags.
            (RuleId::R5, tally(0, 1, 1), tally(0, 2, 2)),
            // B worse twice after day 3; switched off in the draft.
            (RuleId::R13, tally(0, 1, 1), tally(0, 0, 0)),
        ]
    );
    assert_eq!(p.current.flags, tally(1, 2, 0));
    assert_eq!((p.current.checkins_review_or_urgent, p.current.checkins_urgent), (3, 1));
    assert_eq!(p.draft.flags, tally(1, 2, 0));
    assert_eq!((p.draft.checkins_review_or_urgent, p.draft.checkins_urgent), (5, 3));
    let days = |c: &preview::Changed| c.latest.iter().map(|x| x.day_number).collect::<Vec<_>>();
    assert_eq!(p.newly_flagged.count, 3);
    assert_eq!(days(&p.newly_flagged), vec![4, 2, 1], "latest first");
    assert!(p.newly_flagged.latest.iter().all(|x| x.patient == h.a));
    assert_eq!(p.newly_flagged.latest[0].rules, vec![RuleId::R5]);
    assert_eq!(p.newly_flagged.latest[2].severity, Severity::Urgent);
    assert_eq!(p.no_longer_flagged.count, 1);
    assert_eq!(days(&p.no_longer_flagged), vec![5]);
    assert_eq!(p.no_longer_flagged.latest[0].rules, vec![RuleId::R13]);
}

#[tokio::test]
async fn the_preview_button_shows_the_draft_and_saves_nothing() {
    let h = history().await;
    let app = &h.app;
    let flags_before = app
        .db
        .read(|c| aftercare::db::flags::of_treatment(c, h.ta))
        .unwrap()
        .len();
    app.sign_in("admin@bright.example", PASSWORD).await;
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    assert!(html.contains(r#"formaction="/clinic/settings/rules/preview""#));
    let mut fields = form_values(&html, "/clinic/settings/rules");
    set(&mut fields, "fever_threshold_c", "37.5");
    set(&mut fields, "itch_high", "5");
    // Switching U4 off unconfirmed is refused on save, but previewed.
    let u4 = RuleId::U4.enabled_field();
    fields.retain(|(k, _)| k != u4);
    let resp = post_form(app, "/clinic/settings/rules/preview", &fields).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Nothing has been saved"), "{html}");
    assert!(html.contains("The 7 check-ins from 2025-12-03 to 2026-03-02"));
    assert!(html.contains(r#"value="37.5""#), "the form keeps the draft");
    assert!(html.contains("Newly flagged (3)") && html.contains("No longer flagged (0)"));
    assert!(html.contains(&format!(r#"href="/clinic/patients/{}""#, h.a.0)));
    assert!(html.contains("2026-02-21: day 1 after non-ablative fractional laser, urgent (U1)"));
    // Nothing written: no new version, no audit row, no flag.
    assert_eq!(app.db.read(|c| clinics::current_rules(c, h.clinic)).unwrap().version, 1);
    assert!(app.audit("rules.change").is_empty() && app.audit("rules.disable_urgent").is_empty());
    let flags_after = app
        .db
        .read(|c| aftercare::db::flags::of_treatment(c, h.ta))
        .unwrap()
        .len();
    assert_eq!(flags_before, flags_after);

    // A bad value: the form comes back with the error, nothing replayed.
    set(&mut fields, "itch_high", "eleven");
    let resp = post_form(app, "/clinic/settings/rules/preview", &fields).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("value=\"eleven\"") && !html.contains("Nothing has been saved"));
}

struct Ward {
    app: TestApp,
    clinic: ClinicId,
}

fn at(app: &TestApp, d: &str, h: u32, m: u32) -> chrono::NaiveDateTime {
    let t = date(d).and_hms_opt(h, m, 0).expect("time");
    app.clock.set(Utc.from_utc_datetime(&t));
    t
}

/// The week 2026-02-23 to 2026-03-01 (London, on GMT: local = UTC).
///
/// - T1, fractional ablative, treated 2026-02-23: due days 0–6 (7), check-ins
///   on days 0, 1, 2, 4, 5 (5). Day 1 at 12:00 has a fever (U1 urgent,
///   acknowledged 30 min later, inside clinic hours 08–18); day 4 itch 8
///   (R5 review).
/// - T2, IPL, treated 2026-02-01: in the week only day 28 (2026-03-01) is
///   due; check-ins on day 22 (not due) and day 28 at 22:00 asking for a
///   call (U9 urgent, outside hours, acknowledged 90 min later, escalated).
///
/// So: 8 due, 6 received (75 %); 7 check-ins; 3 flags (2 urgent, 1 review):
/// 42.9 per 100. The three alert emails: one sent at once, one sent on the
/// third attempt, one dead. Resolved: U1 "treated infection" (an action, and
/// a complication of T1's class), R5 "expected", U9 "not reached" (neither
/// an action): precision U1 100 %, R5 and U9 0 %.
async fn ward() -> Ward {
    use aftercare::db::{flags, schema::outbox};
    use diesel::prelude::*;
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let admin = app.create_staff(clinic, "admin@bright.example", Role::Admin);
    app.create_staff(clinic, "doc@bright.example", Role::Clinician);
    let a = app.create_patient(clinic, "a@example.com", "Ada Lee");
    let b = app.create_patient(clinic, "b@example.com", "Bo Chan");
    let t1 = app.create_treatment(a, ProcedureClass::AblativeFractional, date("2026-02-23"), "other");
    let t2 = app.create_treatment(b, ProcedureClass::Ipl, date("2026-02-01"), "other");
    let mut call = CheckInAnswers::calm();
    call.want_call = true;
    for (t, d, h, answers) in [
        (t1, "2026-02-23", 12, CheckInAnswers::calm()),
        (t1, "2026-02-24", 12, fever(39.0)),
        (t1, "2026-02-25", 12, CheckInAnswers::calm()),
        (t1, "2026-02-27", 12, itch(8)),
        (t1, "2026-02-28", 12, CheckInAnswers::calm()),
        (t2, "2026-02-23", 12, CheckInAnswers::calm()),
        (t2, "2026-03-01", 22, call),
    ] {
        at(&app, d, h, 0);
        app.record_checkin(t, date(d), &answers);
    }
    let all: Vec<flags::Flag> = [t1, t2]
        .iter()
        .flat_map(|t| app.db.read(|c| flags::of_treatment(c, *t)).unwrap())
        .collect();
    assert_eq!(all.len(), 3, "{all:?}");
    let u1 = all.iter().find(|f| f.rule_id == RuleId::U1).expect("U1");
    let u9 = all.iter().find(|f| f.rule_id == RuleId::U9).expect("U9");
    let r5 = all.iter().find(|f| f.rule_id == RuleId::R5).expect("R5");
    app.db
        .write(|c| {
            flags::acknowledge(c, u1.id, admin, u1.raised_at + chrono::Duration::minutes(30))?;
            flags::mark_escalated(c, u9.id, u9.raised_at + chrono::Duration::minutes(60))?;
            flags::acknowledge(c, u9.id, admin, u9.raised_at + chrono::Duration::minutes(90))?;
            let later = u9.raised_at + chrono::Duration::hours(5);
            flags::resolve(c, u1.id, admin, Outcome::TreatedInfection, "Antibiotics", later)?;
            flags::resolve(c, r5.id, admin, Outcome::Expected, "Reassured", later)?;
            flags::resolve(c, u9.id, admin, Outcome::NotReached, "No answer", later)?;
            Ok::<_, aftercare::error::Error>(())
        })
        .unwrap();
    let rows = app.outbox();
    assert_eq!(rows.len(), 3, "one alert per check-in that raised a flag");
    app.db
        .write(|c| {
            for (row, status, attempts) in [(&rows[0], "sent", 1), (&rows[1], "sent", 3), (&rows[2], "dead", 9)] {
                diesel::update(outbox::table.find(row.id.0))
                    .set((outbox::status.eq(status), outbox::attempts.eq(attempts)))
                    .execute(c)
                    .map_err(aftercare::db::DbError::from)?;
            }
            Ok::<_, aftercare::error::Error>(())
        })
        .unwrap();
    app.clock.set(default_now());
    Ward { app, clinic }
}

#[tokio::test]
async fn the_report_figures_a_hand_worked_week() {
    use aftercare::app::report::{self, BySeverity};
    let w = ward().await;
    let clinic = w.app.db.read(|c| clinics::get(c, w.clinic)).unwrap().unwrap();
    let r = report::quality_report(
        &w.app.db,
        &clinic,
        (date("2026-02-23"), date("2026-03-01")),
        w.app.clock_now(),
    )
    .await
    .expect("report");
    assert_eq!(r.weeks.len(), 1);
    let wk = &r.weeks[0];
    assert_eq!((wk.due, wk.received, wk.checkins), (8, 6, 7));
    let sev = |urgent, review| BySeverity {
        urgent,
        review,
        info: 0,
    };
    assert_eq!(wk.flags, sev(2, 1));
    let classes: Vec<(ProcedureClass, u32, u32, u32)> = r
        .classes
        .iter()
        .map(|c| (c.class, c.treatments, c.due, c.received))
        .collect();
    assert_eq!(
        classes,
        vec![
            (ProcedureClass::AblativeFractional, 1, 7, 5),
            (ProcedureClass::Ipl, 1, 1, 1),
        ]
    );
    let rules: Vec<(RuleId, BySeverity)> = r.rules.iter().map(|x| (x.rule, x.flags)).collect();
    assert_eq!(
        rules,
        vec![
            (RuleId::U1, sev(1, 0)),
            (RuleId::U9, sev(1, 0)),
            (RuleId::R5, sev(0, 1))
        ]
    );
    let precision: Vec<(RuleId, u32, u32)> = r
        .rules
        .iter()
        .map(|x| (x.rule, x.resolved_with_outcome, x.action))
        .collect();
    assert_eq!(
        precision,
        vec![(RuleId::U1, 1, 1), (RuleId::U9, 1, 0), (RuleId::R5, 1, 0)]
    );
    let complications: Vec<(ProcedureClass, Vec<u32>)> =
        r.classes.iter().map(|c| (c.class, c.complications.clone())).collect();
    assert_eq!(
        complications,
        vec![
            (ProcedureClass::AblativeFractional, vec![1, 0, 0, 0, 0]),
            (ProcedureClass::Ipl, vec![0, 0, 0, 0, 0]),
        ],
        "columns: {:?}",
        report::COMPLICATIONS
    );
    let rs = &r.response;
    assert_eq!((rs.urgent_flags, rs.unacknowledged, rs.escalated), (2, 0, 1));
    assert_eq!(
        (
            rs.in_hours.acknowledged,
            rs.in_hours.median_minutes,
            rs.in_hours.p90_minutes
        ),
        (1, Some(30), Some(30))
    );
    assert_eq!(
        (
            rs.out_of_hours.acknowledged,
            rs.out_of_hours.median_minutes,
            rs.out_of_hours.p90_minutes
        ),
        (1, Some(90), Some(90))
    );
    assert_eq!(
        (rs.alert_emails, rs.sent_after_retries, rs.dead, rs.pending),
        (3, 1, 1, 0)
    );
}

#[tokio::test]
async fn staff_read_the_report_and_admins_download_its_csv() {
    let w = ward().await;
    let app = &w.app;
    let range = "?from=2026-02-23&to=2026-03-01";
    app.sign_in("doc@bright.example", PASSWORD).await;
    let (status, html) = app.get_html(&format!("/clinic/report{range}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("6 of 8 due check-ins received (75.0 %)"), "{html}");
    assert!(html.contains("42.9 flags per 100 check-ins"));
    assert!(html.contains(r#"<svg class="chart""#) && html.contains(r#"id="burden-title""#));
    assert!(html.contains("1 h 30 min"), "out-of-hours median");
    assert!(!html.contains("report.csv"), "clinicians get no download link");
    assert_eq!(app.get(&format!("/clinic/report.csv{range}")).await.status(), 403);
    // A bad range: the form again with the error, the input kept.
    let (status, html) = app.get_html("/clinic/report?from=2026-03-05&to=2026-03-01").await;
    assert_eq!(status, 422);
    assert!(html.contains("The end date is before the start date") && html.contains("2026-03-05"));

    let admin = app.browser();
    assert_eq!(
        sign_in_on(app, &admin.client, "admin@bright.example", PASSWORD).await,
        303
    );
    let r = admin
        .client
        .get(app.url(&format!("/clinic/report.csv{range}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = r.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "section,group,measure,value");
    for want in [
        "adherence_week,2026-02-23,due,8",
        "adherence_week,2026-02-23,received,6",
        "adherence_class,ablative_fractional,due,7",
        "burden_rule,U1,urgent,1",
        "precision_rule,U1,action,1",
        "precision_rule,R5,resolved_with_outcome,1",
        "complications_class,ablative_fractional,treated_infection,1",
        "response,out_of_hours,median_minutes,90",
        "alert_emails,,dead,1",
    ] {
        assert!(lines.contains(&want), "{want} in\n{body}");
    }
    let audit = app.audit("export");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail, "kind=report from=2026-02-23 to=2026-03-01");
}
