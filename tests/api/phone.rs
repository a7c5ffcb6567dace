//! Issue 13, item 1: the patient's phone number. Entered at enrolment
//! (loosely checked, kept as typed plus its tel: form), a call link on the
//! queue, the flag page and the patient page, and in no email.

use crate::support::app::*;
use aftercare::db::{flags, patients};
use aftercare::domain::*;
use chrono::{Duration, TimeZone, Utc};
use std::time::Duration as StdDuration;

const TYPED: &str = "+44 (0)20 7946 0321";
const TEL: &str = "tel:+442079460321";

/// The `href` of every call link on a page.
fn call_links(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[href^=\"tel:\"]").expect("selector");
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

async fn enrol(app: &TestApp, phone: &str) -> reqwest::Response {
    app.submit(
        "/clinic/patients/new",
        "/clinic/patients/new",
        &[
            ("name", "Zelda Quince"),
            ("email", "zelda@example.org"),
            ("phone", phone),
        ],
    )
    .await
}

#[tokio::test]
async fn the_phone_is_kept_as_typed_shown_as_a_call_link_and_never_emailed() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, "doc@bright.example", Role::Clinician);
    app.sign_in("doc@bright.example", PASSWORD).await;

    // Loosely checked: a word is refused inline with what was typed kept.
    for bad in ["call me on 0207", "12", "+44 +20 7946"] {
        let r = enrol(&app, bad).await;
        assert_eq!(r.status(), 422, "{bad}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("value=\"{bad}\"")), "input kept: {bad}");
        assert!(html.contains("id=\"phone-error\""), "inline error for {bad}");
    }
    let r = enrol(&app, TYPED).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let pid = PatientId(
        location
            .trim_start_matches("/clinic/patients/")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap(),
    );
    let stored = app.db.read(|c| patients::get(c, pid)).unwrap().unwrap();
    let phone = stored.phone.expect("stored");
    assert_eq!(phone.as_entered(), TYPED, "as typed");
    assert_eq!(phone.tel(), TEL, "and as a tel: URI");

    // Optional: a patient without one is enrolled, and no page offers a call.
    let r = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[("name", "No Phone"), ("email", "nophone@example.org"), ("phone", "  ")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The patient accepted the invite (reminders count from activation).
    let account = stored.account_id;
    let now = app.clock_now().naive_utc();
    app.db
        .write(|c| aftercare::db::accounts::set_password_hash(c, account, &test_hash(), now))
        .unwrap();
    let t = app.create_treatment(pid, ProcedureClass::AblativeFullCo2, date("2026-03-01"), "perioral");
    let mut urgent = CheckInAnswers::calm();
    urgent.fever = true;
    urgent.temperature = Some(Temperature::from_celsius(39.0));
    app.record_checkin(t, date("2026-03-02"), &urgent);
    let flag = app.db.read(|c| flags::of_treatment(c, t)).unwrap().remove(0);

    // The call link on the queue, the flag page and the patient page.
    for page in [
        "/clinic".to_string(),
        format!("/clinic/flags/{}", flag.reference),
        format!("/clinic/patients/{pid}"),
    ] {
        let (status, html) = app.get_html(&page).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(call_links(&html), vec![TEL.to_string()], "{page}");
        assert!(html.contains(TYPED), "{page} shows the number as typed");
    }

    // Every email this patient's care sends: the invite, the urgent alert,
    // the escalation and a reminder. None holds the number in any form.
    app.clock.advance(Duration::hours(3));
    assert_eq!(app.run_scheduler().await.escalated, 1);
    // Day 3 at 18:30 London, nothing entered that day: the reminder.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 4, 18, 30, 0).unwrap());
    assert!(app.run_scheduler().await.reminders >= 1);
    let rows = app.outbox();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    for kind in ["invite", "alert_urgent", "escalation", "reminder"] {
        assert!(kinds.contains(&kind), "a {kind} email was queued: {kinds:?}");
    }
    let forms = ["7946", "0321", "2079460321", TYPED, TEL];
    for r in &rows {
        let all = format!("{} {} {}", r.subject, r.body_text, r.body_html);
        for f in forms {
            assert!(!all.contains(f), "{} email holds {f:?}", r.kind);
        }
    }
    // And as delivered over SMTP.
    app.drain_outbox().await;
    let got = smtp.wait_for(rows.len(), StdDuration::from_secs(5)).await;
    assert_eq!(got.len(), rows.len());
    for m in &got {
        let all = format!(
            "{} {} {}",
            m.subject.as_deref().unwrap_or(""),
            m.decoded_text(),
            m.decoded_html()
        );
        for f in forms {
            assert!(!all.contains(f), "a delivered email holds {f:?}");
        }
    }
}
