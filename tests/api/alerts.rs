//! Issue 6: alert and reminder emails that are never lost — against a real
//! SMTP server over TCP.

use crate::support::app::*;
use crate::support::smtp::Mode;
use aftercare::db::{clinics, outbox};
use aftercare::domain::*;
use chrono::{Duration, TimeZone, Utc};
use std::time::Duration as StdDuration;

/// A clinic, a patient "Zelda Quince" with a fully ablative CO2 treatment on 2026-03-01.
fn enrolled(app: &TestApp) -> (ClinicId, PatientId, TreatmentId) {
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, "zelda.quince@example.org", "Zelda Quince");
    let t = app.create_treatment(patient, ProcedureClass::AblativeFullCo2, date("2026-03-01"), "perioral");
    (clinic, patient, t)
}

fn feverish() -> CheckInAnswers {
    CheckInAnswers {
        fever: true,
        pain: 4,
        note: Some("my secret note about burning pus".into()),
        ..CheckInAnswers::calm()
    }
}

#[tokio::test]
async fn an_urgent_check_in_sends_exactly_one_email_with_no_health_data() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (_, _, t) = enrolled(&app);
    let outcome = app.record_checkin(t, date("2026-03-02"), &feverish());
    assert_eq!(outcome.highest, Some(Severity::Urgent));

    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(app.drain_outbox().await, 0, "nothing left to send");
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.recipients, vec!["alerts@clinic.example".to_string()]);
    assert_eq!(
        m.subject.as_deref().unwrap_or(""),
        "Urgent: a patient needs a same-day call"
    );
    let text = format!(
        "{} {} {}",
        m.subject.as_deref().unwrap_or(""),
        m.decoded_text(),
        m.decoded_html()
    )
    .to_lowercase();
    for secret in [
        "zelda",
        "quince",
        "example.org",
        "secret note",
        "fever",
        "pus",
        "burning",
        "pain",
        "co2",
    ] {
        assert!(!text.contains(secret), "the email must not contain {secret:?}: {text}");
    }
    assert!(text.contains("bright skin"), "names the clinic");
    assert!(
        text.contains("/clinic/flags/ac-"),
        "links to the flag by its opaque reference"
    );

    // The same findings again the same day update the open flag: no new email.
    app.clock.advance(Duration::hours(2));
    app.record_checkin(t, date("2026-03-02"), &feverish());
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn a_review_flag_emails_at_once() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (_, _, t) = enrolled(&app);
    let itchy = CheckInAnswers {
        itch: 8,
        ..CheckInAnswers::calm()
    };
    assert_eq!(
        app.record_checkin(t, date("2026-03-02"), &itchy).highest,
        Some(Severity::Review)
    );
    app.drain_outbox().await;
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(got[0].subject.as_deref().unwrap_or(""), "New item for review");
    // Same rule, same day, no rise: nothing more.
    app.record_checkin(t, date("2026-03-02"), &itchy);
    assert_eq!(app.drain_outbox().await, 0);
}

#[tokio::test]
async fn a_severity_rise_on_an_open_flag_emails_again_and_a_repeat_does_not() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (_, _, t) = enrolled(&app);
    // Day 6, whiteheads alone: R7 at info (dashboard only, no email).
    let bumps = CheckInAnswers {
        pimples: true,
        ..CheckInAnswers::calm()
    };
    assert_eq!(
        app.record_checkin(t, date("2026-03-07"), &bumps).highest,
        Some(Severity::Info)
    );
    assert_eq!(app.drain_outbox().await, 0);
    // Amended the same day with itch 5: R7 rises to review on the same open flag.
    let itchy_bumps = CheckInAnswers {
        itch: 5,
        ..bumps.clone()
    };
    assert_eq!(
        app.record_checkin(t, date("2026-03-07"), &itchy_bumps).highest,
        Some(Severity::Review)
    );
    assert_eq!(app.drain_outbox().await, 1);
    let flags = app.db.read(|c| aftercare::db::flags::of_treatment(c, t)).unwrap();
    assert_eq!(flags.len(), 1, "one flag, updated");
    assert_eq!(flags[0].occurrences, 2);
    assert_eq!(flags[0].severity, Severity::Review);
    // The next day, the same: a repeat within 24 hours, no email.
    app.clock.advance(Duration::hours(20));
    app.record_checkin(t, date("2026-03-08"), &itchy_bumps);
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(smtp.wait_for(1, StdDuration::from_secs(5)).await.len(), 1);
}

#[tokio::test]
async fn smtp_down_for_an_hour_then_back_delivers_every_alert_exactly_once() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, t) = enrolled(&app);
    let p2 = app.create_patient(clinic, "second@example.org", "Second Patient");
    let t2 = app.create_treatment(p2, ProcedureClass::Ipl, date("2026-03-01"), "");

    // First half hour: the server answers 451 to everything.
    smtp.set_mode(Mode::TempFail);
    app.record_checkin(t, date("2026-03-02"), &feverish());
    app.record_checkin(t2, date("2026-03-02"), &feverish());
    for _ in 0..30 {
        app.drain_outbox().await;
        app.clock.advance(Duration::minutes(1));
    }
    // Second half hour: nothing listens at all.
    smtp.stop().await;
    for _ in 0..30 {
        app.drain_outbox().await;
        app.clock.advance(Duration::minutes(1));
    }
    let rows = app.outbox();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(r.status, outbox::PENDING, "still waiting, not dead");
        assert!(r.attempts >= 5, "retried with backoff: {} attempts", r.attempts);
        assert!(r.attempts <= 20, "backoff, not a hot loop: {} attempts", r.attempts);
        assert!(r.last_error.is_some());
        assert!(
            r.next_attempt_at - app.clock_now().naive_utc() <= Duration::minutes(15),
            "interval capped"
        );
    }
    assert!(smtp.messages().is_empty());

    // Back: within the capped interval, each alert arrives exactly once.
    smtp.set_mode(Mode::Accept);
    smtp.start().await;
    for _ in 0..16 {
        app.drain_outbox().await;
        app.clock.advance(Duration::minutes(1));
    }
    let got = smtp.wait_for(2, StdDuration::from_secs(5)).await;
    assert_eq!(got.len(), 2);
    let mut ids: Vec<_> = got.iter().map(|m| m.message_id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 2, "no duplicates");
    for r in app.outbox() {
        assert_eq!(r.status, outbox::SENT);
        assert!(r.attempts > 5);
    }
}

#[tokio::test]
async fn after_24_hours_of_failure_an_email_is_dead_visible_and_retryable() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, t) = enrolled(&app);
    smtp.set_mode(Mode::PermFail);
    app.record_checkin(t, date("2026-03-02"), &feverish());
    for _ in 0..(25 * 4) {
        app.drain_outbox().await;
        app.clock.advance(Duration::minutes(15));
    }
    let rows = app.outbox();
    assert_eq!(rows[0].status, outbox::DEAD);
    let now = app.clock_now().naive_utc();
    let problems = app
        .db
        .read(|c| outbox::problem_count(c, clinic, now - Duration::minutes(15)))
        .unwrap();
    assert_eq!(problems, 1, "shown to the clinic's admins");

    smtp.set_mode(Mode::Accept);
    assert!(app.db.write(|c| outbox::retry(c, clinic, rows[0].id, now)).unwrap());
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(smtp.wait_for(1, StdDuration::from_secs(5)).await.len(), 1);
}

#[tokio::test]
async fn an_email_committed_before_a_crash_is_sent_after_restart() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (_, _, t) = enrolled(&app);
    app.record_checkin(t, date("2026-03-02"), &feverish());
    // The first process claimed the row and died before sending.
    let now = app.clock_now().naive_utc();
    let claimed = app
        .db
        .write(|c| outbox::claim_due(c, "crashed-worker", now, now + Duration::minutes(2), 10))
        .unwrap();
    assert_eq!(claimed.len(), 1);
    drop(app.worker.clone());

    // A new process on the same database.
    let restarted = spawn_app_sharing_smtp(&app, &smtp).await;
    assert_eq!(restarted.drain_outbox().await, 0, "the dead worker's lease still holds");
    restarted.clock.advance(Duration::minutes(3));
    assert_eq!(restarted.drain_outbox().await, 1, "sent once the lease lapsed");
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].message_id.as_deref(),
        Some(claimed[0].message_id.as_str()),
        "the same Message-ID as queued"
    );
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_an_email_twice() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, _) = enrolled(&app);
    queue_alerts(&app, clinic, 40);
    let second = spawn_app_sharing_smtp(&app, &smtp).await;
    let (a, b) = tokio::join!(app.drain_outbox(), second.drain_outbox());
    assert_eq!(a + b, 40, "every email sent by one of them");
    let got = smtp.wait_for(40, StdDuration::from_secs(10)).await;
    assert_eq!(got.len(), 40);
    let mut ids: Vec<_> = got.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "no email sent twice");
}

/// Queues `n` urgent alerts to distinct inboxes in one transaction.
fn queue_alerts(app: &TestApp, clinic: ClinicId, n: usize) {
    let now = app.clock_now().naive_utc();
    app.db
        .write(|c| {
            for i in 0..n {
                let to = format!("inbox{i}@clinic.example");
                outbox::enqueue(
                    c,
                    &outbox::NewEmail {
                        kind: aftercare::domain::OutboxKind::AlertUrgent,
                        clinic: Some(clinic),
                        flag: None,
                        recipient: &to,
                        subject: "s",
                        text: "t",
                        html: "<p>h</p>",
                    },
                    "aftercare.test",
                    now,
                )?;
            }
            Ok::<_, aftercare::db::DbError>(())
        })
        .unwrap();
}

/// Issue 19: three processes, each with many sends in flight and its marks
/// written in batches, share 300 alerts: each goes out once, and every row
/// ends `sent` after one attempt (no mark lost, none written twice).
#[tokio::test]
async fn many_alerts_with_parallel_sends_in_three_workers_each_go_out_once_and_are_all_marked() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, _) = enrolled(&app);
    queue_alerts(&app, clinic, 300);
    let second = spawn_app_sharing_smtp(&app, &smtp).await;
    let third = spawn_app_sharing_smtp(&app, &smtp).await;
    let (a, b, c) = tokio::join!(app.drain_outbox(), second.drain_outbox(), third.drain_outbox());
    assert_eq!(a + b + c, 300, "every email sent by one of them");
    let got = smtp.wait_for(300, StdDuration::from_secs(20)).await;
    let mut ids: Vec<_> = got.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (300, 300), "no email sent twice");
    let rows = app.outbox();
    assert_eq!(rows.len(), 300);
    for r in &rows {
        assert_eq!(r.status, outbox::SENT, "row {} marked", r.id);
        assert_eq!(r.attempts, 1, "row {} sent once", r.id);
        assert!(r.sent_at.is_some() && r.claimed_until.is_none() && r.last_error.is_none());
    }
    assert_eq!(app.drain_outbox().await, 0, "nothing left");
}

/// A pass against a server that is down gives up after a few failures and
/// leaves the rest due, each failed row waiting for its backoff.
#[tokio::test]
async fn a_pass_against_a_server_that_is_down_stops_early() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, _) = enrolled(&app);
    queue_alerts(&app, clinic, 200);
    smtp.stop().await;
    assert_eq!(app.drain_outbox().await, 0);
    let rows = app.outbox();
    let tried: Vec<_> = rows.iter().filter(|r| r.attempts > 0).collect();
    let parallel = aftercare::mail::worker::PARALLEL;
    assert!(
        !tried.is_empty() && tried.len() <= 3 * parallel,
        "{} tried",
        tried.len()
    );
    let now = app.clock_now().naive_utc();
    for r in &rows {
        assert_eq!(r.status, outbox::PENDING);
        assert!(r.claimed_until.is_none(), "no lease kept");
        if r.attempts > 0 {
            assert!(r.next_attempt_at > now && r.last_error.is_some(), "backoff recorded");
        }
    }
    smtp.start().await;
    app.clock.advance(Duration::minutes(30));
    assert_eq!(app.drain_outbox().await, 200, "all of them once the server is back");
    assert_eq!(smtp.wait_for(200, StdDuration::from_secs(20)).await.len(), 200);
}

#[tokio::test]
async fn escalation_after_the_window_and_not_before_once() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, t) = enrolled(&app);
    app.db
        .write(|c| {
            let mut cl = clinics::get(c, clinic)?.unwrap();
            cl.escalation_email = Some("oncall@clinic.example".into());
            clinics::update(c, clinic, &changes(&cl))
        })
        .unwrap();
    app.record_checkin(t, date("2026-03-02"), &feverish());
    app.drain_outbox().await;
    assert_eq!(smtp.wait_for(1, StdDuration::from_secs(5)).await.len(), 1);

    app.clock.advance(Duration::minutes(119));
    assert_eq!(app.run_scheduler().await.escalated, 0, "not before the window");
    app.clock.advance(Duration::minutes(2));
    assert_eq!(app.run_scheduler().await.escalated, 1);
    assert_eq!(app.run_scheduler().await.escalated, 0, "once per flag");
    app.drain_outbox().await;
    let got = smtp.wait_for(2, StdDuration::from_secs(5)).await;
    assert_eq!(got[1].recipients, vec!["oncall@clinic.example".to_string()]);
    assert!(got[1].subject.as_deref().unwrap_or("").starts_with("Escalation"));
    let flag = app
        .db
        .read(|c| aftercare::db::flags::of_treatment(c, t))
        .unwrap()
        .remove(0);
    assert!(flag.escalated_at.is_some(), "the flag records it");
}

#[tokio::test]
async fn an_acknowledged_flag_is_not_escalated() {
    let (app, _smtp) = spawn_app_with_smtp().await;
    let (clinic, _, t) = enrolled(&app);
    let staff = app.create_staff(clinic, "nurse@clinic.example", Role::Clinician);
    app.record_checkin(t, date("2026-03-02"), &feverish());
    let flag = app
        .db
        .read(|c| aftercare::db::flags::of_treatment(c, t))
        .unwrap()
        .remove(0);
    let now = app.clock_now().naive_utc();
    app.db
        .write(|c| aftercare::db::flags::acknowledge(c, flag.id, staff, now))
        .unwrap();
    app.clock.advance(Duration::hours(5));
    assert_eq!(app.run_scheduler().await.escalated, 0);
}

#[tokio::test]
async fn reminders_on_due_days_only_at_the_clinics_local_time() {
    let (app, smtp) = spawn_app_with_smtp().await;
    // Los Angeles: reminder time 18:00 local is 02:00 UTC the next day in March (PDT, UTC-7 from 8 March).
    let clinic = app.create_clinic("West Coast Skin", "America/Los_Angeles");
    let patient = app.create_patient(clinic, "rem@example.org", "Rem Inder");
    let t = app.create_treatment(patient, ProcedureClass::AblativeFractional, date("2026-03-10"), "");
    let quiet = app.create_patient(clinic, "quiet@example.org", "No Reminders");
    app.create_treatment(quiet, ProcedureClass::AblativeFractional, date("2026-03-10"), "");
    app.db
        .write(|c| aftercare::db::patients::set_reminders(c, quiet, false))
        .unwrap();

    // Day 2 (2026-03-12), 17:59 local = 00:59 UTC on the 13th: too early.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 13, 0, 59, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 0);
    // 18:01 local.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 13, 1, 1, 0).unwrap());
    assert_eq!(
        app.run_scheduler().await.reminders,
        1,
        "one reminder, not for the patient who turned them off"
    );
    assert_eq!(app.run_scheduler().await.reminders, 0, "never twice for the same day");
    // A check-in before the reminder time means no reminder that day.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 13, 20, 0, 0).unwrap());
    app.record_checkin(t, date("2026-03-13"), &CheckInAnswers::calm());
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 14, 1, 30, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 0);
    // Day 16 is not a due day (weekly after day 14): no reminder.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 27, 1, 30, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 0);
    // Day 21 is.
    app.clock.set(Utc.with_ymd_and_hms(2026, 4, 1, 1, 30, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 1);

    app.drain_outbox().await;
    let got = smtp.wait_for(2, StdDuration::from_secs(5)).await;
    let reminders: Vec<_> = got
        .iter()
        .filter(|m| m.subject.as_deref().unwrap_or("").contains("check-in"))
        .collect();
    assert_eq!(reminders.len(), 2);
    assert_eq!(reminders[0].recipients, vec!["rem@example.org".to_string()]);
    let body = reminders[0].decoded_text().to_lowercase();
    assert!(body.contains("/checkin"));
    for clinical in ["pain", "swelling", "laser", "fractional", "day 2"] {
        assert!(!body.contains(clinical), "no clinical content: {clinical}");
    }
}

fn changes(c: &clinics::Clinic) -> clinics::ClinicChanges {
    clinics::ClinicChanges {
        name: c.name.clone(),
        timezone: c.timezone,
        phone: c.phone.clone(),
        alert_email: c.alert_email.clone(),
        escalation_email: c.escalation_email.clone(),
        reminder_time: c.reminder_time,
        workday_start: c.workday_start,
        workday_end: c.workday_end,
        escalation_minutes: c.escalation_minutes,
        review_digest: c.review_digest,
        follow_up_days: c.follow_up_days,
    }
}

#[tokio::test]
async fn review_flags_wait_for_one_morning_digest_when_the_clinic_chose_it() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let (clinic, _, t) = enrolled(&app);
    let p2 = app.create_patient(clinic, "two@example.org", "Two");
    let t2 = app.create_treatment(p2, ProcedureClass::AblativeFullCo2, date("2026-03-01"), "");
    app.db
        .write(|c| {
            let mut cl = clinics::get(c, clinic)?.unwrap();
            cl.review_digest = true;
            clinics::update(c, clinic, &changes(&cl))
        })
        .unwrap();
    // Two review flags in the afternoon (London, 14:00 UTC = 14:00 GMT).
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 14, 0, 0).unwrap());
    let itchy = CheckInAnswers {
        itch: 8,
        ..CheckInAnswers::calm()
    };
    app.record_checkin(t, date("2026-03-02"), &itchy);
    app.record_checkin(t2, date("2026-03-02"), &itchy);
    assert!(app.outbox().is_empty(), "no immediate email in digest mode");
    assert_eq!(
        app.run_scheduler().await.digests,
        0,
        "raised after today's start: tomorrow's digest"
    );

    // 07:59 the next morning: not yet. 08:00 (the working day starts): one digest.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 7, 59, 0).unwrap());
    assert_eq!(app.run_scheduler().await.digests, 0);
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap());
    assert_eq!(app.run_scheduler().await.digests, 1);
    assert_eq!(app.run_scheduler().await.digests, 0, "once");
    // An urgent flag still emails at once.
    app.record_checkin(t, date("2026-03-03"), &feverish());
    assert_eq!(app.drain_outbox().await, 2);
    let got = smtp.wait_for(2, StdDuration::from_secs(5)).await;
    let digest = got
        .iter()
        .find(|m| m.subject.as_deref().unwrap_or("").contains("digest"))
        .expect("a digest email");
    let refs = digest.decoded_text().matches("AC-").count();
    assert!(refs >= 2, "both references in one email: {}", digest.decoded_text());
    assert!(got
        .iter()
        .any(|m| m.subject.as_deref() == Some("Urgent: a patient needs a same-day call")));
}

/// Issue 19: with a 10-minute poll, an alert still leaves as soon as its
/// check-in commits. `via` records the check-in; `sender` runs the worker.
async fn alert_arrives_before_the_poll(via: &TestApp, smtp: &crate::support::smtp::SmtpServer) {
    let (_, _, t) = enrolled(via);
    // The worker's first pass (at start) is long over: it now sleeps on its interval.
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    let before = smtp.messages().len();
    let outcome = via.record_checkin(t, date("2026-03-02"), &feverish());
    assert_eq!(outcome.highest, Some(Severity::Urgent));
    let got = smtp.wait_for(before + 1, StdDuration::from_secs(10)).await;
    assert!(
        got.iter()
            .any(|m| m.subject.as_deref() == Some("Urgent: a patient needs a same-day call")),
        "the alert must arrive long before the 600 s poll; got {} message(s)",
        got.len()
    );
}

fn smtp_env(smtp: &crate::support::smtp::SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_HOST", "127.0.0.1".into()),
        ("SMTP_PORT", smtp.port().to_string()),
        ("SMTP_SECURITY", "off".into()),
        ("RUN_WORKERS", "on".into()),
        ("WORKER_INTERVAL_SECONDS", "600".into()),
    ]
}

/// An app whose own worker runs as in `serve`, polling every 600 s.
async fn serving_app() -> (TestApp, crate::support::smtp::SmtpServer) {
    let smtp = crate::support::smtp::SmtpServer::start_new().await;
    let env = smtp_env(&smtp);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    (spawn_app_with(&env).await, smtp)
}

#[tokio::test]
async fn a_committed_alert_wakes_the_delivery_worker_at_once() {
    let (app, smtp) = serving_app().await;
    alert_arrives_before_the_poll(&app, &smtp).await;
    rows_end_sent(&app).await;
}

/// Waits (well within the 600 s poll) until every outbox row is marked sent.
async fn rows_end_sent(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    loop {
        let rows = app.outbox();
        if rows.iter().all(|r| r.status == outbox::SENT) {
            assert!(rows.iter().all(|r| r.attempts == 1), "each sent once");
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rows not marked sent: {:?}",
            rows.iter().map(|r| &r.status).collect::<Vec<_>>()
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// The serving worker, woken by one commit of 200 alerts, sends them all
/// (in parallel, marks in batches) long before its 600 s poll.
#[tokio::test]
async fn a_committed_burst_of_alerts_is_sent_at_once_and_every_row_marked() {
    let (app, smtp) = serving_app().await;
    let (clinic, _, _) = enrolled(&app);
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    queue_alerts(&app, clinic, 200);
    let got = smtp.wait_for(200, StdDuration::from_secs(20)).await;
    assert_eq!(got.len(), 200, "the burst must arrive long before the 600 s poll");
    rows_end_sent(&app).await;
}

#[tokio::test]
async fn on_postgres_another_process_sends_the_alert_at_once() {
    if postgres_url().is_none() {
        println!("PostgreSQL: skipped (set TEST_DATABASE_URL to check LISTEN/NOTIFY between processes)");
        return;
    }
    let smtp = crate::support::smtp::SmtpServer::start_new().await;
    // A web-only process records the check-in; only the second one delivers.
    let web = spawn_app().await;
    let env = smtp_env(&smtp);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _sender = spawn_app_sharing(&web, &env).await;
    alert_arrives_before_the_poll(&web, &smtp).await;
    rows_end_sent(&web).await;
}
