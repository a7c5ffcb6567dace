//! Issue 13 items 3, 4 and 7 on both databases: deep links that survive
//! sign-in (and every open-redirect form refused), activation before alarms
//! (invite state, resend, missed check-ins counted from activation, one
//! "invitation not accepted" flag), and setup that does not make anyone
//! guess (the time zone select, the getting-started list, a test email
//! through a real SMTP server and a failing one, password-manager hints).

use crate::accounts::link_in_outbox;
use crate::dashboard::{post_form, set};
use crate::support::app::*;
use crate::support::smtp::Mode;
use aftercare::db::{audit::Actor, clinics, flags, outbox};
use aftercare::domain::*;
use chrono::{Duration, TimeZone, Utc};
use std::time::Duration as StdDuration;

const ADMIN: &str = "ada@bright.example";
const NURSE: &str = "nina@bright.example";

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

fn encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A clinic with an admin and a nurse; a patient with an urgent flag.
async fn clinic_with_a_flag() -> (TestApp, ClinicId, String) {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.create_staff(clinic, NURSE, Role::Clinician);
    let p = app.create_patient(clinic, "pat@example.org", "Pat Lee");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-03-01"), "");
    let fever = CheckInAnswers {
        fever: true,
        ..CheckInAnswers::calm()
    };
    app.record_checkin(t, date("2026-03-02"), &fever);
    let reference = app
        .db
        .read(|c| flags::of_treatment(c, t))
        .unwrap()
        .into_iter()
        .next()
        .expect("a flag")
        .reference;
    (app, clinic, reference)
}

/// POSTs the sign-in form from `client` with `next`, as the login page would.
async fn sign_in_with_next(app: &TestApp, client: &reqwest::Client, email: &str, next: &str) -> reqwest::Response {
    let csrf = csrf_on(app, client, "/login").await;
    client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .expect("POST")
}

// ---------- item 3: next= ----------

#[tokio::test]
async fn an_alert_link_survives_sign_in() {
    let (app, _, reference) = clinic_with_a_flag().await;
    let path = format!("/clinic/flags/{reference}");
    // The link in the alert email, opened signed out.
    let alert = app
        .outbox()
        .into_iter()
        .find(|r| r.kind == OutboxKind::AlertUrgent)
        .unwrap();
    assert!(alert.body_text.contains(&format!("{}{path}", app.address)));
    let client = new_client();
    let r = client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert_eq!(to, format!("/login?next={}", encoded(&path)));
    // The sign-in page carries it in the form...
    let html = client.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    let mut fields = hidden_fields(&html);
    assert!(fields.contains(&("next".to_string(), path.clone())), "{fields:?}");
    fields.push(("email".into(), NURSE.into()));
    fields.push(("password".into(), PASSWORD.into()));
    let r = client.post(app.url("/login")).form(&fields).send().await.unwrap();
    // ...and the sign-in lands on the flag.
    assert_eq!((r.status().as_u16(), location(&r)), (303, path.clone()));
    let r = client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(&reference));
    // Signed in already: /login?next= goes straight there.
    let r = client
        .get(app.url(&format!("/login?next={}", encoded("/clinic/patients"))))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/clinic/patients");
    // A wrong password keeps the target in the form shown again.
    let other = new_client();
    let csrf = csrf_on(&app, &other, "/login").await;
    let r = other
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", NURSE),
            ("password", "not the password"),
            ("next", path.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(hidden_fields(&r.text().await.unwrap()).contains(&("next".to_string(), path.clone())));
}

#[tokio::test]
async fn every_open_redirect_form_falls_back_to_the_home_page() {
    let (app, _, _) = clinic_with_a_flag().await;
    let bad = [
        "//evil.example",
        "//evil.example/clinic/flags/AC-1",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "https://evil.example/clinic",
        "http://evil.example",
        "HTTPS://evil.example",
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example/clinic",
        " //evil.example",
        "/%2F%2Fevil.example",
        "/%2fevil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "/%09/evil.example",
        "/clinic\r\nSet-Cookie: a=b",
        "/login?next=//evil.example",
        "/logout",
    ];
    for next in bad {
        // In the query: not carried into the form.
        let client = new_client();
        let html = client
            .get(app.url(&format!("/login?next={}", encoded(next))))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !hidden_fields(&html).iter().any(|(k, _)| k == "next"),
            "{next:?} kept in the form"
        );
        // In the form: the sign-in goes home.
        let r = sign_in_with_next(&app, &client, NURSE, next).await;
        assert_eq!(
            (r.status().as_u16(), location(&r)),
            (303, "/clinic".to_string()),
            "{next:?}"
        );
        // Signed in: /login?next= goes home too.
        let r = client
            .get(app.url(&format!("/login?next={}", encoded(next))))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/clinic", "{next:?}");
    }
    // A page for the other audience is not honoured either.
    let r = sign_in_with_next(&app, &new_client(), "pat@example.org", "/clinic/patients").await;
    assert_eq!(location(&r), "/");
    let r = sign_in_with_next(&app, &new_client(), NURSE, "/checkin").await;
    assert_eq!(location(&r), "/clinic");
    // A patient's own page is.
    let r = sign_in_with_next(&app, &new_client(), "pat@example.org", "/history").await;
    assert_eq!(location(&r), "/history");
}

// ---------- item 4: activation before alarms ----------

/// A nurse enrols a patient over HTTP (an invite, no password); returns the id.
async fn enrol_over_http(app: &TestApp, email: &str, name: &str) -> PatientId {
    let r = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[("name", name), ("email", email)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    let id: i64 = to
        .trim_start_matches("/clinic/patients/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    PatientId(id)
}

async fn accept_invite(app: &TestApp, link: &str, password: &str) -> reqwest::Response {
    let me = app.browser();
    let html = me.client.get(app.url(link)).send().await.unwrap().text().await.unwrap();
    let mut form = hidden_fields(&html);
    form.push(("password".into(), password.into()));
    form.push(("confirm".into(), password.into()));
    me.client.post(app.url("/invite")).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn an_invited_patient_shows_as_invited_and_a_resent_invite_replaces_the_link() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, NURSE, Role::Clinician);
    app.sign_in(NURSE, PASSWORD).await;
    let pid = enrol_over_http(&app, "ivy@example.org", "Ivy Invited").await;
    let active = app.create_patient(clinic, "al@example.org", "Al Active");

    let (_, list) = app.get_html("/clinic/patients").await;
    let row = |html: &str, name: &str| -> String {
        let doc = scraper::Html::parse_document(html);
        let tr = scraper::Selector::parse("tbody tr").unwrap();
        doc.select(&tr)
            .map(|e| e.text().collect::<String>())
            .find(|t| t.contains(name))
            .unwrap_or_else(|| panic!("a row for {name}"))
    };
    let ivy = row(&list, "Ivy Invited");
    assert!(ivy.contains("Invited"), "{ivy}");
    assert!(ivy.contains("sent Mon 2 Mar 2026, 10:00 (just now)"), "{ivy}");
    assert!(ivy.contains("the link works until Mon 9 Mar 2026, 10:00"), "{ivy}");
    assert!(!row(&list, "Al Active").contains("Invited"));
    let (_, page) = app.get_html(&format!("/clinic/patients/{pid}")).await;
    assert!(page.contains("Resend invite") && page.contains("badge invited"));
    let (_, page) = app.get_html(&format!("/clinic/patients/{active}")).await;
    assert!(!page.contains("Resend invite"));

    // A week and a day later the link has expired: the list says so.
    let first_link = link_in_outbox(&app, "ivy@example.org");
    app.clock.advance(Duration::days(8));
    app.sign_in(NURSE, PASSWORD).await;
    let (_, list) = app.get_html("/clinic/patients").await;
    assert!(row(&list, "Ivy Invited").contains("the link has expired"));

    // Resend: a new link by email (through the outbox), audited; the old one is refused.
    let invites_before = app.outbox().iter().filter(|r| r.kind == OutboxKind::Invite).count();
    let r = app
        .submit(
            &format!("/clinic/patients/{pid}"),
            &format!("/clinic/patients/{pid}/resend-invite"),
            &[],
        )
        .await;
    assert_eq!(location(&r), format!("/clinic/patients/{pid}?notice=invite-resent"));
    let invites = app
        .outbox()
        .into_iter()
        .filter(|r| r.kind == OutboxKind::Invite)
        .collect::<Vec<_>>();
    assert_eq!(invites.len(), invites_before + 1);
    assert_eq!(invites.last().unwrap().recipient, "ivy@example.org");
    let resent = app.audit("invite.resend");
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].target.as_deref(), Some(format!("patient:{pid}").as_str()));
    let new_link = link_in_outbox(&app, "ivy@example.org");
    assert_ne!(new_link, first_link);
    let (_, list) = app.get_html("/clinic/patients").await;
    assert!(row(&list, "Ivy Invited").contains("the link works until Tue 17 Mar 2026, 10:00"));

    // Resent before it expired: the previous link stops working at once.
    let r = app
        .submit(
            &format!("/clinic/patients/{pid}"),
            &format!("/clinic/patients/{pid}/resend-invite"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let newest = link_in_outbox(&app, "ivy@example.org");
    let token_of = |link: &str| link.split("token=").nth(1).unwrap().to_string();
    for old in [&first_link, &new_link] {
        let r = app.browser().client.get(app.url(old)).send().await.unwrap();
        assert_eq!(r.status(), 404, "an old link is refused: {old}");
        // Submitted anyway (a form opened before the resend): refused too.
        let me = app.browser();
        let csrf = csrf_on(&app, &me.client, &newest).await;
        let r = me
            .client
            .post(app.url("/invite"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("token", token_of(old).as_str()),
                ("password", "a calm long passphrase"),
                ("confirm", "a calm long passphrase"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "an old link's form is refused: {old}");
    }
    // The newest link's page names the account for password managers.
    let html = app
        .browser()
        .client
        .get(app.url(&newest))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    let hint = scraper::Selector::parse("input[autocomplete=username][hidden]").unwrap();
    let input = doc.select(&hint).next().expect("a hidden username field");
    assert_eq!(input.value().attr("value"), Some("ivy@example.org"));
    assert_eq!(input.value().attr("name"), None, "not submitted with the form");
    assert_eq!(
        accept_invite(&app, &newest, "a calm long passphrase").await.status(),
        303
    );

    // Active now: no invite state, and resend is refused.
    let (_, list) = app.get_html("/clinic/patients").await;
    assert!(!row(&list, "Ivy Invited").contains("the link"));
    let (_, page) = app.get_html(&format!("/clinic/patients/{pid}")).await;
    assert!(!page.contains("Resend invite") && page.contains("<dd>Active</dd>"));
    let csrf = csrf_of(&page);
    let r = app
        .post_raw(&format!("/clinic/patients/{pid}/resend-invite"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.audit("invite.resend").len(), 2);
    // Another clinic's patient: 404.
    let other = app.create_clinic("Other", "Europe/London");
    let theirs = app.create_patient(other, "x@example.org", "X");
    let r = app
        .post_raw(&format!("/clinic/patients/{theirs}/resend-invite"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_reset_page_carries_the_username_hint_too() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, NURSE, Role::Clinician);
    let r = app.submit("/forgot", "/forgot", &[("email", NURSE)]).await;
    assert_eq!(r.status(), 200);
    let html = app
        .browser()
        .client
        .get(app.url(&link_in_outbox(&app, NURSE)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    let hint = scraper::Selector::parse("input[autocomplete=username][hidden]").unwrap();
    assert_eq!(
        doc.select(&hint).next().and_then(|i| i.value().attr("value")),
        Some(NURSE)
    );
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn flags_of(app: &TestApp, t: TreatmentId, rule: &str) -> Vec<flags::Flag> {
    app.db
        .read(|c| flags::of_treatment(c, t))
        .unwrap()
        .into_iter()
        .filter(|f| f.rule_id.as_str() == rule)
        .collect()
}

#[tokio::test]
async fn missed_check_ins_and_reminders_count_from_activation_and_the_invite_flag_comes_once() {
    let app = spawn_app().await;
    // London is UTC in March until the 29th.
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    // Enrolled with an invite on Mon 2 Mar 10:00; an ablative treatment that day (day 0).
    let input = aftercare::app::onboarding::PatientInput {
        clinic,
        email: EmailAddress::parse("ivy@example.org").unwrap(),
        name: "Ivy".into(),
        skin_type: None,
        cold_sores: false,
        phone: None,
        language: aftercare::domain::Lang::En,
    };
    let pid = aftercare::app::patients::enrol(
        &app.db,
        app.mail.clone(),
        input,
        "Bright Skin".into(),
        app.clock_now(),
        Actor::system("test"),
    )
    .await
    .unwrap();
    let t = app.create_treatment(pid, ProcedureClass::AblativeFractional, date("2026-03-02"), "");
    // A second treatment the same day: still one "invitation not accepted".
    let t2 = app.create_treatment(pid, ProcedureClass::Ipl, date("2026-03-02"), "");

    // Day 1 after the reminder time: not active, so no reminder and no flag.
    app.clock.set(at(2026, 3, 3, 18, 30));
    let pass = app.run_scheduler().await;
    assert_eq!((pass.reminders, pass.missed_flags), (0, 0));
    // 47 h 59 min after the enrolment (later than the treatment's midnight start): nothing.
    app.clock.set(at(2026, 3, 4, 9, 59));
    assert_eq!(app.run_scheduler().await.missed_flags, 0);
    // 48 h: one info flag, no alert email.
    app.clock.set(at(2026, 3, 4, 10, 0));
    let alerts_before = app
        .outbox()
        .iter()
        .filter(|r| r.recipient == "alerts@clinic.example")
        .count();
    app.run_scheduler().await;
    let a1 = [flags_of(&app, t, "A1"), flags_of(&app, t2, "A1")].concat();
    assert_eq!(a1.len(), 1, "{a1:?}");
    assert_eq!(a1[0].severity, Severity::Info);
    assert!(a1[0].reason.starts_with("Invitation not accepted"), "{}", a1[0].reason);
    // Days later: still the one flag, and none of the missed check-in rules
    // (days 0–3 were all "missed", but nobody could check in).
    for day in [5, 6] {
        app.clock.set(at(2026, 3, day, 8, 0));
        app.run_scheduler().await;
    }
    let a1 = [flags_of(&app, t, "A1"), flags_of(&app, t2, "A1")].concat();
    assert_eq!(a1.len(), 1);
    for rule in ["M2", "M3"] {
        assert!(flags_of(&app, t, rule).is_empty(), "{rule}");
    }
    assert_eq!(
        app.outbox()
            .iter()
            .filter(|r| r.recipient == "alerts@clinic.example")
            .count(),
        alerts_before,
        "info flags send no email"
    );
    assert_eq!(
        app.outbox().iter().filter(|r| r.kind == OutboxKind::Reminder).count(),
        0,
        "no reminders while invited"
    );

    // The patient accepts on day 4 (Fri 6 Mar) at 12:00.
    app.clock.set(at(2026, 3, 6, 12, 0));
    let link = link_in_outbox(&app, "ivy@example.org");
    assert_eq!(accept_invite(&app, &link, "a calm long passphrase").await.status(), 303);
    let activated = app
        .db
        .read(|c| aftercare::db::patients::get(c, pid))
        .unwrap()
        .unwrap()
        .activated_at;
    assert_eq!(activated, Some(at(2026, 3, 6, 12, 0).naive_utc()));
    // Reminders start that evening.
    app.clock.set(at(2026, 3, 6, 18, 1));
    assert_eq!(
        app.run_scheduler().await.reminders,
        2,
        "one per treatment on its due day"
    );
    // Day 4 and day 5 missed: a run of 2 counted from the activation day, judged once day 5 is over.
    app.clock.set(at(2026, 3, 7, 23, 59));
    app.run_scheduler().await;
    assert!(flags_of(&app, t, "M2").is_empty(), "day 5 is not over");
    app.clock.set(at(2026, 3, 8, 0, 1));
    app.run_scheduler().await;
    let m2 = flags_of(&app, t, "M2");
    assert_eq!(m2.len(), 1);
    assert!(
        m2[0].reason.contains("2 daily check-ins missed in a row up to day 5"),
        "{}",
        m2[0].reason
    );
    assert!(!m2[0].reason.contains("day 1"), "{}", m2[0].reason);
    // Still one "invitation not accepted".
    assert_eq!([flags_of(&app, t, "A1"), flags_of(&app, t2, "A1")].concat().len(), 1);
}

// ---------- item 7: setup ----------

fn selected_zone(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("select#timezone option[selected]").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_string))
}

#[tokio::test]
async fn the_time_zone_is_a_select_grouped_by_region_and_round_trips() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.sign_in(ADMIN, PASSWORD).await;
    let (_, html) = app.get_html("/clinic/settings").await;
    let doc = scraper::Html::parse_document(&html);
    let groups: Vec<String> = doc
        .select(&scraper::Selector::parse("select#timezone optgroup").unwrap())
        .filter_map(|g| g.value().attr("label").map(str::to_string))
        .collect();
    for region in ["Africa", "America", "Asia", "Australia", "Europe", "Pacific"] {
        assert!(groups.iter().any(|g| g == region), "{region} in {groups:?}");
    }
    assert!(doc
        .select(&scraper::Selector::parse("optgroup[label=America] option[value=\"America/New_York\"]").unwrap())
        .next()
        .is_some_and(|o| o.text().collect::<String>() == "America/New York"));
    assert!(doc
        .select(&scraper::Selector::parse("input#timezone").unwrap())
        .next()
        .is_none());
    assert_eq!(selected_zone(&html).as_deref(), Some("Europe/London"));

    // Round trip: what the browser sends back is saved and shown selected.
    let mut fields = form_values(&html, "/clinic/settings");
    assert!(fields.contains(&("timezone".to_string(), "Europe/London".to_string())));
    set(&mut fields, "timezone", "America/New_York");
    assert_eq!(post_form(&app, "/clinic/settings", &fields).await.status(), 303);
    let saved = app.db.read(|c| clinics::get(c, clinic)).unwrap().unwrap();
    assert_eq!(saved.timezone.name(), "America/New_York");
    let (_, html) = app.get_html("/clinic/settings").await;
    assert_eq!(selected_zone(&html).as_deref(), Some("America/New_York"));
    // Unchanged: saving again keeps it.
    let fields = form_values(&html, "/clinic/settings");
    assert_eq!(post_form(&app, "/clinic/settings", &fields).await.status(), 303);
    let (_, html) = app.get_html("/clinic/settings").await;
    assert_eq!(selected_zone(&html).as_deref(), Some("America/New_York"));

    // Not a zone: refused inline, the rest of the input kept.
    let mut fields = form_values(&html, "/clinic/settings");
    set(&mut fields, "timezone", "Mars/Olympus_Mons");
    set(&mut fields, "name", "Bright Skin Two");
    let r = post_form(&app, "/clinic/settings", &fields).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("is not a time zone name"));
    assert!(body.contains("value=\"Bright Skin Two\""));
    // An older alias the list does not show stays selectable (and selected).
    let mut fields = form_values(&html, "/clinic/settings");
    set(&mut fields, "timezone", "US/Eastern");
    assert_eq!(post_form(&app, "/clinic/settings", &fields).await.status(), 303);
    let (_, html) = app.get_html("/clinic/settings").await;
    assert_eq!(selected_zone(&html).as_deref(), Some("US/Eastern"));

    // The first-run setup page uses the same select, with nothing chosen yet.
    let fresh = spawn_app().await;
    let setup = fresh.setup_link.clone().expect("setup link");
    let (_, html) = fresh.get_html(setup.strip_prefix(&fresh.address).unwrap()).await;
    assert_eq!(selected_zone(&html).as_deref(), Some(""));
    assert!(html.contains("<optgroup label=\"Europe\">"));
}

#[tokio::test]
async fn the_empty_dashboard_lists_first_steps_until_they_are_done() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.sign_in(ADMIN, PASSWORD).await;
    let steps = |html: &str| -> Vec<(String, bool)> {
        let doc = scraper::Html::parse_document(html);
        let li = scraper::Selector::parse(".getting-started li").unwrap();
        doc.select(&li)
            .map(|e| {
                let t: String = e.text().collect();
                (t.clone(), t.contains("Done:"))
            })
            .collect()
    };
    let (_, html) = app.get_html("/clinic").await;
    let s = steps(&html);
    assert_eq!(s.len(), 4, "{s:?}");
    assert!(s.iter().all(|(_, done)| !done));
    for words in ["Enrol a patient", "Invite staff", "Check settings", "Send a test email"] {
        assert!(s.iter().any(|(t, _)| t.contains(words)), "{words}");
    }

    app.create_patient(clinic, "pat@example.org", "Pat");
    app.create_staff(clinic, NURSE, Role::Clinician);
    let (_, html) = app.get_html("/clinic").await;
    assert_eq!(steps(&html).iter().filter(|(_, d)| *d).count(), 2);
    // A clinician sees no list.
    let nurse = app.browser();
    let csrf = csrf_on(&app, &nurse.client, "/login").await;
    nurse
        .client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("email", NURSE), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let html = nurse
        .client
        .get(app.url("/clinic"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(steps(&html).is_empty());

    let (_, settings) = app.get_html("/clinic/settings").await;
    let fields = form_values(&settings, "/clinic/settings");
    assert_eq!(post_form(&app, "/clinic/settings", &fields).await.status(), 303);
    let r = app.submit("/clinic/settings", "/clinic/settings/test-email", &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_html("/clinic").await;
    assert_eq!(
        steps(&html).iter().filter(|(_, d)| *d).count(),
        3,
        "the test email is not sent yet"
    );
    assert_eq!(app.drain_outbox().await, 1, "the test email");
    let (_, html) = app.get_html("/clinic").await;
    assert!(steps(&html).is_empty(), "all done: the list is gone");
    assert!(!html.contains("Getting started"));
}

#[tokio::test]
async fn a_test_email_reaches_a_real_smtp_server_and_a_failing_one_says_why() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.sign_in(ADMIN, PASSWORD).await;
    let outcome = |html: &str| -> String {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("#test-email .test-outcome").unwrap();
        doc.select(&sel).next().map(|e| e.text().collect()).unwrap_or_default()
    };
    let (_, html) = app.get_html("/clinic/settings").await;
    assert!(outcome(&html).is_empty(), "no test yet");
    assert!(html.contains("Send a test email"));

    // Two clicks while it waits: one email.
    for _ in 0..2 {
        let r = app.submit("/clinic/settings", "/clinic/settings/test-email", &[]).await;
        assert_eq!(location(&r), "/clinic/settings?notice=test-email#test-email");
    }
    let tests: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|r| r.kind == OutboxKind::TestEmail)
        .collect();
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].recipient, "alerts@clinic.example");
    assert_eq!(app.audit("clinic.test_email").len(), 1);
    let (_, html) = app.get_html("/clinic/settings").await;
    assert!(outcome(&html).contains("Waiting to be sent"), "{}", outcome(&html));

    assert_eq!(app.drain_outbox().await, 1);
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].recipients, vec!["alerts@clinic.example".to_string()]);
    assert_eq!(got[0].subject.as_deref(), Some("Aftercare test email"));
    assert!(got[0].decoded_text().contains("alert emails reach this address"));
    let (_, html) = app.get_html("/clinic/settings").await;
    assert!(outcome(&html).contains("Sent."), "{}", outcome(&html));

    // The server refuses for now: retrying, with the reason in words and the reply.
    smtp.set_mode(Mode::TempFail);
    let r = app.submit("/clinic/settings", "/clinic/settings/test-email", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.drain_outbox().await, 0);
    let (_, html) = app.get_html("/clinic/settings").await;
    let text = outcome(&html);
    assert!(text.contains("Not sent yet: retrying"), "{text}");
    assert!(text.contains("refused the message for now"), "{text}");
    assert!(text.contains("451"), "{text}");

    // The server is down: at the next attempt, "could not connect".
    smtp.stop().await;
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.drain_outbox().await, 0);
    app.sign_in(ADMIN, PASSWORD).await;
    let (_, html) = app.get_html("/clinic/settings").await;
    let text = outcome(&html);
    assert!(text.contains("2 attempts failed"), "{text}");
    assert!(text.contains("could not connect to the mail server"), "{text}");
    let row = app
        .outbox()
        .into_iter()
        .rfind(|r| r.kind == OutboxKind::TestEmail)
        .unwrap();
    assert_eq!(row.status, outbox::PENDING);

    // Back up: the retry is delivered, and the page says sent.
    smtp.start().await;
    smtp.set_mode(Mode::Accept);
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.drain_outbox().await, 1);
    app.sign_in(ADMIN, PASSWORD).await;
    let (_, html) = app.get_html("/clinic/settings").await;
    assert!(outcome(&html).contains("Sent."));
}
