//! Issue 11 item 6: reminder emails in the clinic's name with a one-click
//! unsubscribe (RFC 8058) — through a real SMTP server, then the link as a
//! mail provider (no cookies, no CSRF token) and as a person would use it.

use crate::support::app::*;
use aftercare::domain::*;
use chrono::{TimeZone, Utc};
use std::time::Duration as StdDuration;

fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    data.split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .split("\r\n")
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
}

/// The link's path on this server (links point at `PUBLIC_URL`).
fn path_of(url: &str) -> String {
    let at = url.find("/reminders/unsubscribe/").expect("an unsubscribe link");
    url[at..].to_string()
}

fn reminders_on(app: &TestApp, p: PatientId) -> bool {
    app.db
        .read(|c| aftercare::db::patients::get(c, p))
        .expect("read")
        .expect("patient")
        .reminders
}

#[tokio::test]
async fn a_reminder_names_the_clinic_and_unsubscribes_in_one_click() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let clinic = app.create_clinic("West Coast Skin", "America/Los_Angeles");
    let patient = app.create_patient(clinic, "rem@example.org", "Rem Inder");
    app.create_treatment(patient, ProcedureClass::AblativeFractional, date("2026-03-10"), "");
    // Day 2, 18:01 local: the reminder is due.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 13, 1, 1, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 1);
    app.drain_outbox().await;
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    let m = &got[0];

    // Sent in the clinic's name, with both RFC 8058 headers.
    let from = header(&m.data, "From").expect("From");
    assert!(from.contains("West Coast Skin"), "{from}");
    let list = header(&m.data, "List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        header(&m.data, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let url = list.strip_prefix('<').and_then(|l| l.strip_suffix('>')).expect("<url>");
    let path = path_of(url);
    let text = m.decoded_text();
    assert!(text.contains("West Coast Skin") && text.contains(url), "{text}");

    // Opening the link only asks (mail scanners open links).
    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Stop check-in reminders from West Coast Skin?"), "{html}");
    assert!(reminders_on(&app, patient));

    // A mail provider's one-click POST: no cookies, no CSRF token.
    let provider = reqwest::Client::new();
    let one_click = |p: String| {
        let provider = provider.clone();
        let target = app.url(&p);
        async move {
            provider
                .post(target)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
                .await
                .expect("POST")
        }
    };

    // Tampered: one character changed. Nothing changes.
    let mut tampered = path.clone();
    let last = tampered.pop().expect("a token");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let r = one_click(tampered).await;
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.text().await.unwrap().contains("This link does not work"));
    for bad in ["/reminders/unsubscribe/short", "/reminders/unsubscribe/%00%00"] {
        assert_eq!(one_click(bad.to_string()).await.status().as_u16(), 404, "{bad}");
    }
    assert!(reminders_on(&app, patient));
    assert!(app.audit("patient.reminders").is_empty());

    // Valid: reminders off, audited once, as the patient.
    let r = one_click(path.clone()).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("Reminders are off"));
    assert!(!reminders_on(&app, patient));
    let rows = app.audit("patient.reminders");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, format!("patient:{patient}"));
    assert!(rows[0].detail.contains("unsubscribe"), "{}", rows[0].detail);

    // Reused: refused, and no second change or audit row.
    let r = one_click(path.clone()).await;
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(app.audit("patient.reminders").len(), 1);
    let (status, _) = app.get_html(&path).await;
    assert_eq!(status, 404, "a used link no longer asks either");

    // And no more reminders: day 3 at 18:01 local.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 14, 1, 1, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 0);
}

#[tokio::test]
async fn the_unsubscribe_page_button_works_without_javascript() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let clinic = app.create_clinic("Harbour Skin", "Europe/London");
    let patient = app.create_patient(clinic, "pat@example.org", "Pat Lee");
    app.create_treatment(patient, ProcedureClass::NonablativeFractional, date("2026-03-10"), "");
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 12, 18, 5, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 1);
    app.drain_outbox().await;
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    let list = header(&got[0].data, "List-Unsubscribe").expect("List-Unsubscribe");
    let path = path_of(list.trim_matches(|c| c == '<' || c == '>'));
    // The page's own form (its hidden field and action), as a browser sends it.
    let r = app.submit(&path, &path, &[]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(!reminders_on(&app, patient));
}
