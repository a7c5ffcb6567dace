//! Issue 15: a sign-in throttle that cannot lock people out, capped reset
//! emails, and the smaller holes (control characters, Content-Type, the
//! flag page's audit row, the retry race).

use crate::access::{fixtures, Fixtures, PATIENT_A, X_ADMIN, X_CLINICIAN, Y_CLINICIAN};
use crate::checkin::calm;
use crate::support::app::*;
use aftercare::db::{checkins, flags, outbox};
use aftercare::domain::*;
use aftercare::mail::worker::LEASE;
use chrono::Duration;
use std::time::Duration as StdDuration;

/// Signs out `client` (keeping its device cookie).
async fn sign_out_on(app: &TestApp, client: &reqwest::Client) {
    let csrf = csrf_on(app, client, "/account/password").await;
    let r = client
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn an_attacker_failing_on_purpose_cannot_keep_the_victim_out_of_a_known_device() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    // The victim has signed in from this browser before.
    let victim = new_client();
    assert_eq!(sign_in_on(&app, &victim, X_CLINICIAN, PASSWORD).await, 303);
    sign_out_on(&app, &victim).await;

    let attacker = new_client();
    for _ in 0..5 {
        assert_eq!(sign_in_on(&app, &attacker, X_CLINICIAN, "wrong password!").await, 401);
    }
    assert_eq!(app.audit("signin.locked").len(), 1, "the lock-out is audited once");
    // The attacker keeps trying, one a minute: refused, and the victim's own
    // device still gets in every time.
    for minute in 0..3 {
        assert_eq!(sign_in_on(&app, &attacker, X_CLINICIAN, "wrong again!").await, 429);
        assert_eq!(
            sign_in_on(&app, &victim, X_CLINICIAN, PASSWORD).await,
            303,
            "minute {minute}: the known device signs in"
        );
        sign_out_on(&app, &victim).await;
        app.clock.advance(Duration::seconds(60));
        assert_eq!(sign_in_on(&app, &attacker, X_CLINICIAN, "wrong again!").await, 401);
    }
    // An unknown device is slowed, even with the right password, until the
    // budget refills.
    let unknown = new_client();
    assert_eq!(sign_in_on(&app, &unknown, X_CLINICIAN, PASSWORD).await, 429);
    app.clock.advance(Duration::seconds(60));
    assert_eq!(sign_in_on(&app, &unknown, X_CLINICIAN, PASSWORD).await, 303);
    // The victim's device is trusted for its own account only.
    assert_eq!(sign_in_on(&app, &victim, X_ADMIN, "wrong password!").await, 401);
}

#[tokio::test]
async fn six_correct_sign_ins_in_a_minute_all_succeed() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    for i in 0..6 {
        // Each from a brand-new browser: no device cookie helps.
        let b = new_client();
        assert_eq!(sign_in_on(&app, &b, X_CLINICIAN, PASSWORD).await, 303, "sign-in {i}");
    }
    // One typo among many correct sign-ins is far from any limit.
    assert_eq!(sign_in_on(&app, &new_client(), X_CLINICIAN, "typo").await, 401);
    assert_eq!(sign_in_on(&app, &new_client(), X_CLINICIAN, PASSWORD).await, 303);
    assert!(app.audit("signin.locked").is_empty());
}

#[tokio::test]
async fn reset_emails_to_one_account_are_capped_and_the_answer_does_not_change() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let mut pages = Vec::new();
    for _ in 0..8 {
        let r = app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        pages.push(
            html.lines()
                .filter(|l| !l.contains("name=\"csrf\""))
                .collect::<String>(),
        );
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "same answer capped or not");
    let sent = |app: &TestApp| app.outbox().iter().filter(|r| r.recipient == X_CLINICIAN).count();
    assert_eq!(sent(&app), 3, "three reset emails, not eight");
    assert_eq!(app.audit("password.reset_capped").len(), 1);
    // Another account is not affected by this one's cap.
    app.submit("/forgot", "/forgot", &[("email", X_ADMIN)]).await;
    assert_eq!(app.outbox().iter().filter(|r| r.recipient == X_ADMIN).count(), 1);
    // One more an hour.
    app.clock.advance(Duration::minutes(60));
    app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
    app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
    assert_eq!(sent(&app), 4);
}

fn urgent() -> CheckInAnswers {
    CheckInAnswers {
        fever: true,
        pain: 4,
        ..CheckInAnswers::calm()
    }
}

/// Patient A's urgent check-in today, and the flag it raised.
fn urgent_flag(app: &TestApp, fx: &Fixtures) -> flags::Flag {
    app.record_checkin(fx.treatment_a, date("2026-03-02"), &urgent());
    app.db
        .read(|c| flags::of_treatment(c, fx.treatment_a))
        .unwrap()
        .remove(0)
}

/// Opens `page`, takes every field of its form posting to `action` (as a
/// browser would send it), sets `field` to `value` and submits.
async fn submit_form(app: &TestApp, page: &str, action: &str, field: &str, value: &str) -> (u16, String) {
    let (_, html) = app.get_html(page).await;
    let mut fields = form_values(&html, action);
    fields.retain(|(k, _)| k != field);
    fields.push((field.to_string(), value.to_string()));
    let r = app.client.post(app.url(action)).form(&fields).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn nul_and_control_characters_are_refused_inline_in_every_text_field_and_in_search() {
    let app = spawn_app().await;
    let fx = fixtures(&app);

    // The patient's note.
    assert_eq!(app.sign_in(PATIENT_A, PASSWORD).await.status(), 303);
    let page = format!("/checkin?treatment={}", fx.treatment_a);
    for bad in ["sore\0", "bell\u{7}", "esc\u{1b}[2J"] {
        let mut fields = calm();
        fields.push(("note", bad));
        let r = app.submit(&page, "/checkin", &fields).await;
        assert_eq!(r.status(), 422, "{bad:?}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"note-error\"") && html.contains("control characters"),
            "{html}"
        );
    }
    let stored = || app.db.read(|c| checkins::of_treatment(c, fx.treatment_a)).unwrap();
    assert!(stored().is_empty(), "nothing stored");
    // Line breaks (CRLF from a browser) and tabs are fine in a note.
    let mut fields = calm();
    fields.push(("note", "first line\r\nsecond\tline"));
    assert_eq!(app.submit(&page, "/checkin", &fields).await.status(), 303);
    assert_eq!(stored()[0].answers.note.as_deref(), Some("first line\r\nsecond\tline"));
    app.sign_out().await;

    // Staff forms: every text input.
    assert_eq!(app.sign_in(X_ADMIN, PASSWORD).await.status(), 303);
    let cases = [
        ("/clinic/patients/new", "/clinic/patients/new", "name", "Ann\0 Lee"),
        (
            "/clinic/patients/new",
            "/clinic/patients/new",
            "email",
            "ann\0@x.example",
        ),
        ("/clinic/staff", "/clinic/staff/invite", "name", "Nina\u{1}"),
        ("/clinic/staff", "/clinic/staff/invite", "email", "nina\0@x.example"),
        ("/clinic/settings", "/clinic/settings", "name", "Clinic\0X"),
        ("/clinic/settings", "/clinic/settings", "phone", "020\0 7946"),
        ("/clinic/settings", "/clinic/settings", "timezone", "Europe/London\0"),
        (
            "/clinic/settings",
            "/clinic/settings",
            "alert_email",
            "a\0@clinic.example",
        ),
        (
            "/clinic/settings",
            "/clinic/settings",
            "escalation_email",
            "e\0@clinic.example",
        ),
        ("/clinic/settings/rules", "/clinic/settings/rules", "note", "why\0"),
        (
            "/account/password",
            "/account/password",
            "password",
            "long enough\0pass",
        ),
    ];
    for (page, action, field, value) in cases {
        let (status, html) = if field == "password" {
            let r = app
                .submit(
                    page,
                    action,
                    &[("current", PASSWORD), ("password", value), ("confirm", value)],
                )
                .await;
            (r.status().as_u16(), r.text().await.unwrap())
        } else {
            submit_form(&app, page, action, field, value).await
        };
        assert_eq!(status, 422, "{action} {field}");
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{action} {field}: the error is shown at the field"
        );
    }
    assert!(app.audit("password.change").is_empty());
    assert!(app.audit("clinic.settings").is_empty());

    // A flag's resolution note.
    let flag = urgent_flag(&app, &fx);
    let r = app
        .submit(
            &format!("/clinic/flags/{}", flag.reference),
            &format!("/clinic/flags/{}/resolve", flag.reference),
            &[("outcome", "self_care"), ("note", "called\0 her")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"note-error\""));
    let flag = app
        .db
        .read(|c| flags::of_treatment(c, fx.treatment_a))
        .unwrap()
        .remove(0);
    assert!(flag.resolved_at.is_none());

    // Search: "%00" used to list every patient (SQLite's LIKE stops at NUL).
    let (status, html) = app.get_html("/clinic/patients?q=%00").await;
    assert_eq!(status, 200);
    assert!(!html.contains("Alice Able"), "{html}");
    assert!(html.contains("id=\"q-error\"") && html.contains("control characters"));
    let (_, html) = app.get_html("/clinic/patients?q=%00%25").await;
    assert!(!html.contains("Alice Able"));
    let (_, html) = app.get_html("/clinic/patients?q=alice").await;
    assert!(html.contains("Alice Able"), "a plain search still works");
}

#[tokio::test]
async fn the_flag_page_writes_an_audit_row_like_the_patient_page() {
    let app = spawn_app().await;
    let fx = fixtures(&app);
    let flag = urgent_flag(&app, &fx);
    assert_eq!(app.sign_in(X_CLINICIAN, PASSWORD).await.status(), 303);
    let (status, html) = app.get_html(&format!("/clinic/flags/{}", flag.reference)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Alice Able"), "the page shows the patient");
    let views = app.audit("flag.view");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].actor, format!("staff:{}", fx.x_clinician));
    assert_eq!(
        views[0].target.as_deref(),
        Some(format!("patient:{}", fx.patient_a).as_str())
    );
    assert!(views[0].ip.is_some(), "from where");
    // Another clinic's staff: 404, and no view recorded.
    app.sign_out().await;
    let (client, _) = crate::access::browser_as(&app, Y_CLINICIAN).await;
    let r = client
        .get(app.url(&format!("/clinic/flags/{}", flag.reference)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(app.audit("flag.view").len(), 1);
}

#[tokio::test]
async fn form_routes_refuse_json_and_other_content_types_with_415() {
    let app = spawn_app().await;
    let fx = fixtures(&app);
    let csrf = app.csrf().await;
    for ty in ["application/json", "text/plain", "application/xml"] {
        let r = app
            .client
            .post(app.url("/login"))
            .header("content-type", ty)
            .body(format!(
                r#"{{"csrf":"{csrf}","email":"{X_ADMIN}","password":"{PASSWORD}"}}"#
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{ty}");
    }
    assert!(app.audit("signin.success").is_empty());
    // Signed in, a state-changing route too.
    let flag = urgent_flag(&app, &fx);
    assert_eq!(app.sign_in(X_CLINICIAN, PASSWORD).await.status(), 303);
    let csrf = csrf_on(&app, &app.client, "/account/password").await;
    let r = app
        .client
        .post(app.url(&format!("/clinic/flags/{}/acknowledge", flag.reference)))
        .header("content-type", "application/json")
        .body(format!(r#"{{"csrf":"{csrf}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .client
        .post(app.url(&format!("/clinic/flags/{}/acknowledge", flag.reference)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a form is still a form");
    // With a charset parameter, still a form.
    let r = app
        .client
        .post(app.url("/logout"))
        .header("content-type", "application/x-www-form-urlencoded; charset=UTF-8")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn an_admins_retry_while_a_worker_holds_the_email_never_sends_it_twice() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let fx = fixtures(&app);
    app.record_checkin(fx.treatment_a, date("2026-03-02"), &urgent());
    // Worker A claims the alert and is mid-send.
    let now = app.clock_now();
    let claimed = app
        .db
        .write(|c| outbox::claim_due(c, &app.worker.id, now.naive_utc(), (now + LEASE).naive_utc(), 10))
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let id = claimed[0].id;

    // An admin presses "retry" on it meanwhile.
    assert_eq!(app.sign_in(X_ADMIN, PASSWORD).await.status(), 303);
    let r = app
        .submit("/clinic/outbox", &format!("/clinic/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/clinic/outbox?notice=sending");
    assert!(app.audit("outbox.retry").is_empty());

    // Worker B (another process on the same database) finds nothing to send.
    let second = spawn_app_sharing_smtp(&app, &smtp).await;
    let (b, a) = tokio::join!(second.drain_outbox(), app.worker.deliver(&claimed[0]));
    assert_eq!(b, 0);
    assert!(a.unwrap(), "worker A's send goes through");
    assert_eq!(second.drain_outbox().await, 0);
    assert_eq!(app.drain_outbox().await, 0);
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(smtp.messages().len(), 1, "one email at the SMTP server");
    // Once sent, a retry is refused plainly.
    let r = app
        .submit("/clinic/outbox", &format!("/clinic/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(r.headers()["location"], "/clinic/outbox?notice=not-retried");
}

fn browser_with_agent(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap()
}

/// Presses "sign out this session" for session `handle` on `client`.
async fn end_session(app: &TestApp, client: &reqwest::Client, csrf: &str, handle: &str) -> reqwest::Response {
    client
        .post(app.url("/account/sessions/sign-out"))
        .form(&[("csrf", csrf), ("session", handle)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn your_account_lists_active_sessions_and_signs_one_out() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let phone = browser_with_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    );
    let desk = browser_with_agent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0");
    assert_eq!(sign_in_on(&app, &phone, X_CLINICIAN, PASSWORD).await, 303);
    app.clock.advance(Duration::minutes(5));
    assert_eq!(sign_in_on(&app, &desk, X_CLINICIAN, PASSWORD).await, 303);
    // Someone else's session is never listed.
    assert_eq!(sign_in_on(&app, &new_client(), X_ADMIN, PASSWORD).await, 303);

    let html = desk
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    let item = scraper::Selector::parse("ul.sessions > li").unwrap();
    let items: Vec<String> = doc.select(&item).map(|e| e.text().collect::<String>()).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].contains("Firefox on Linux") && items[0].contains("This device"));
    assert!(items[0].contains("127.0.0.1") && items[0].contains("2 Mar 2026, 10:05 UTC"));
    assert!(items[1].contains("Safari on iPhone") && !items[1].contains("This device"));
    assert!(items[1].contains("2 Mar 2026, 10:00 UTC"), "started: {}", items[1]);

    // Sign out the phone from the desk.
    let handle_sel = scraper::Selector::parse("ul.sessions > li input[name=session]").unwrap();
    let handles: Vec<String> = doc
        .select(&handle_sel)
        .map(|e| e.value().attr("value").unwrap().to_string())
        .collect();
    let csrf = csrf_of(&html);
    let r = end_session(&app, &desk, &csrf, &handles[1]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/account/password?notice=session-ended#sessions"
    );
    let r = phone.get(app.url("/clinic")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login", "the phone is signed out at once");
    assert_eq!(desk.get(app.url("/clinic")).send().await.unwrap().status(), 200);
    assert_eq!(app.audit("signout.session").len(), 1);
    // A handle of another account's session, or a made-up one, ends nothing.
    for bad in ["0000000000000000", "short", ""] {
        let r = end_session(&app, &desk, &csrf, bad).await;
        assert_eq!(
            r.headers()["location"],
            "/account/password?notice=session-gone#sessions"
        );
    }
    // Signing out this session is signing out.
    let r = end_session(&app, &desk, &csrf, &handles[0]).await;
    assert_eq!(r.headers()["location"], "/login?notice=signed-out");
    let r = desk.get(app.url("/clinic")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(app.audit("signout.session").len(), 2);
}
