//! Issue 5: the patient's check-in, its result page, history and home page.

use crate::support::app::*;
use aftercare::db::{checkins, clinics, flags, patients};
use aftercare::domain::*;
use aftercare::triage;
use chrono::{TimeZone, Utc};
use scraper::{Html, Selector};

const PATIENT: &str = "pat@example.org";

/// A clinic, a patient signed in, and a fully ablative CO2 treatment on
/// 2026-02-25: "today" (the default clock, 2 March) is day 5.
async fn patient_app() -> (TestApp, PatientId, TreatmentId) {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, PATIENT, "Pat Lee");
    let t = app.create_treatment(patient, ProcedureClass::AblativeFullCo2, date("2026-02-25"), "perioral");
    assert_eq!(app.sign_in(PATIENT, PASSWORD).await.status(), 303);
    (app, patient, t)
}

/// Answers that raise nothing on day 5 after CO2.
pub fn calm() -> Vec<(&'static str, &'static str)> {
    vec![
        ("overall", "better"),
        ("pain", "2"),
        ("pain_relief", "yes"),
        ("itch", "1"),
        ("swelling", "1"),
        ("redness", "2"),
        ("oozing", "none"),
        ("crusts", "thin"),
        ("prophylaxis", "not_prescribed"),
    ]
}

fn with<'a>(mut base: Vec<(&'a str, &'a str)>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    for (k, v) in extra {
        base.retain(|(name, _)| name != k);
        base.push((k, v));
    }
    base
}

fn form_page(t: TreatmentId) -> String {
    format!("/checkin?treatment={}", t.0)
}

/// The form with every question (the short form's second step).
fn full_form_page(t: TreatmentId) -> String {
    format!("/checkin?treatment={}&signs=some", t.0)
}

async fn send(app: &TestApp, t: TreatmentId, fields: &[(&str, &str)]) -> reqwest::Response {
    app.submit(&form_page(t), "/checkin", fields).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Sends a check-in that must be accepted; returns the result page's path.
async fn send_ok(app: &TestApp, t: TreatmentId, fields: &[(&str, &str)]) -> String {
    let r = send(app, t, fields).await;
    let status = r.status().as_u16();
    let loc = location(&r);
    assert_eq!(status, 303, "{}", r.text().await.unwrap_or_default());
    assert!(loc.starts_with("/checkin/result?checkin="), "{loc}");
    loc
}

fn stored(app: &TestApp, t: TreatmentId) -> Vec<checkins::CheckIn> {
    app.db.read(|c| checkins::of_treatment(c, t)).expect("check-ins")
}

fn flags_of(app: &TestApp, t: TreatmentId) -> Vec<flags::Flag> {
    app.db.read(|c| flags::of_treatment(c, t)).expect("flags")
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = Selector::parse(css).expect("selector");
    doc.select(&sel).collect()
}

fn has(doc: &Html, css: &str) -> bool {
    !select(doc, css).is_empty()
}

async fn main_severity(app: &TestApp, path: &str) -> (String, String) {
    let (status, html) = app.get_html(path).await;
    assert_eq!(status, 200, "{html}");
    let doc = Html::parse_document(&html);
    let sev = select(&doc, "main")
        .first()
        .and_then(|m| m.value().attr("data-severity"))
        .unwrap_or("")
        .to_string();
    (sev, html)
}

#[tokio::test]
async fn a_daily_check_in_is_stored_and_answered_with_what_is_normal() {
    let (app, _, t) = patient_app().await;
    let (status, html) = app.get_html(&full_form_page(t)).await;
    assert_eq!(status, 200);
    let doc = Html::parse_document(&html);
    assert!(html.contains("day 5"), "{html}");
    assert!(html.contains("since your last check-in"));
    assert!(html.contains("0 = no pain") && html.contains("10 = worst imaginable"));
    // Every radio group is a fieldset with a legend; nothing is prefilled.
    for name in [
        "overall",
        "pain",
        "pain_relief",
        "itch",
        "swelling",
        "redness",
        "oozing",
        "crusts",
        "prophylaxis",
    ] {
        assert!(has(&doc, &format!("fieldset#field-{name} > legend")), "{name}");
        assert!(!has(&doc, &format!("input[name={name}][checked]")), "{name} prefilled");
    }
    assert_eq!(select(&doc, "input[name=pain][type=radio]").len(), 11);
    assert!(
        !html.contains("name=\"dark_patches\""),
        "weekly fields only from day 15"
    );
    assert!(has(&doc, "input[type=hidden][name=date][value=\"2026-03-02\"]"));

    let result = send_ok(&app, t, &calm()).await;
    let list = stored(&app, t);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].day, date("2026-03-02"));
    assert_eq!(list[0].day_number, 5);
    assert_eq!(list[0].kind, CheckInKind::Daily);
    assert_eq!(list[0].answers.pain, 2);

    let (sev, html) = main_severity(&app, &result).await;
    assert_eq!(sev, "none");
    assert!(html.contains("saved"));
    assert!(html.contains("What is normal now"));
    assert!(html.contains("crusts form"), "day 5 CO2 text: {html}");
    assert!(flags_of(&app, t).is_empty());
}

#[tokio::test]
async fn a_weekly_check_in_has_the_weekly_questions() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, PATIENT, "Pat Lee");
    // Day 29 on 2 March.
    let t = app.create_treatment(patient, ProcedureClass::AblativeFullCo2, date("2026-02-01"), "neck");
    app.sign_in(PATIENT, PASSWORD).await;
    let (_, html) = app.get_html(&full_form_page(t)).await;
    for name in ["dark_patches", "light_patches", "raised_area", "raised_area_site"] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }
    // The daily questions are all there too.
    assert!(html.contains("name=\"pain\"") && html.contains("name=\"fever\""));

    // A raised area needs a site.
    let r = send(&app, t, &with(calm(), &[("raised_area", "yes")])).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Say where the raised, firm or tight area is"));
    let doc = Html::parse_document(&html);
    assert!(has(&doc, "input[name=raised_area][checked]"), "kept");

    let result = send_ok(
        &app,
        t,
        &with(
            calm(),
            &[
                ("raised_area", "yes"),
                ("raised_area_site", "neck"),
                ("dark_patches", "yes"),
            ],
        ),
    )
    .await;
    let list = stored(&app, t);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kind, CheckInKind::Weekly);
    assert_eq!(list[0].day_number, 29);
    assert!(list[0].answers.dark_patches && list[0].answers.raised_area);
    assert_eq!(list[0].answers.raised_area_site, Some(RaisedAreaSite::Neck));
    // R8 and R10 are review flags.
    let (sev, html) = main_severity(&app, &result).await;
    assert_eq!(sev, "review");
    assert!(html.contains("The clinic will look at this by the next working day"));
}

/// The form's field names (and each radio group's values), in the order the
/// form shows them.
fn form_fields(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut out: Vec<String> = Vec::new();
    for e in select(&doc, "form#checkin-form input, form#checkin-form textarea") {
        let v = e.value();
        let name = v.attr("name").unwrap_or("");
        let field = match v.attr("type") {
            Some("radio") => format!("{name}={}", v.attr("value").unwrap_or("")),
            _ => name.to_string(),
        };
        if !out.contains(&field) {
            out.push(field);
        }
    }
    out
}

/// The field names are a public contract (a single POST with them keeps
/// working): pinned here for the daily and the weekly form.
#[tokio::test]
async fn the_form_field_names_and_values_stay_the_same() {
    let (app, patient, t) = patient_app().await;
    let (_, html) = app.get_html(&full_form_page(t)).await;
    let scale = |name: &str, max: u8| (0..=max).map(|n| format!("{name}={n}")).collect::<Vec<_>>();
    let mut daily: Vec<String> = [
        "csrf",
        "treatment",
        "date",
        "overall=better",
        "overall=same",
        "overall=worse",
    ]
    .map(String::from)
    .to_vec();
    daily.extend(scale("pain", 10));
    daily.extend(["pain_relief=yes", "pain_relief=no", "pain_relief=not_taking"].map(String::from));
    daily.extend(scale("itch", 10));
    daily.extend(scale("swelling", 3));
    daily.push("eyes_swollen_shut".into());
    daily.extend(scale("redness", 3));
    daily.push("redness_spreading".into());
    let rest = [
        "oozing=none",
        "oozing=clear",
        "oozing=pus",
        "crusts=none",
        "crusts=thin",
        "crusts=yellow",
        "blisters",
        "tingling",
        "pimples",
        "white_patches",
        "rash_outside",
        "raw_area",
        "lip_swelling_or_breathing",
        "fever",
        "temperature",
        "vision_change",
        "eye_pain",
        "cannot_close_eye",
        "lid_pulling",
    ];
    daily.extend(rest.map(String::from));
    let tail = [
        "prophylaxis=taken",
        "prophylaxis=missed",
        "prophylaxis=not_prescribed",
        "bleeding",
        "want_call",
        "note",
    ]
    .map(String::from);
    let mut weekly = daily.clone();
    daily.extend(tail.clone());
    assert_eq!(form_fields(&html), daily);

    weekly.extend(
        [
            "dark_patches",
            "light_patches",
            "raised_area",
            "raised_area_site=neck",
            "raised_area_site=jawline",
            "raised_area_site=eyelid",
            "raised_area_site=other",
        ]
        .map(String::from),
    );
    weekly.extend(tail);
    let clinic = clinic_of(&app, patient);
    let p = app.create_patient(clinic, "wk@example.org", "Wes Kay");
    let w = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-01"), "neck");
    app.sign_out().await;
    app.sign_in("wk@example.org", PASSWORD).await;
    let (_, html) = app.get_html(&full_form_page(w)).await;
    assert_eq!(form_fields(&html), weekly);
}

#[tokio::test]
async fn a_missed_day_can_be_filled_in_up_to_three_days_back() {
    let (app, patient, t) = patient_app().await;
    let (_, html) = app.get_html(&form_page(t)).await;
    assert!(html.contains("date=2026-02-27"), "links to missed days: {html}");
    assert!(!html.contains("date=2026-02-26"), "4 days back is not offered");

    // The form for a past day says which day it is.
    let (status, html) = app
        .get_html(&format!("/checkin?treatment={}&date=2026-02-27", t.0))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("day 2"), "{html}");

    let page = format!("/checkin?treatment={}&date=2026-02-27", t.0);
    let r = app.submit(&page, "/checkin", &calm()).await;
    assert_eq!(r.status(), 303);
    let list = stored(&app, t);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].day, date("2026-02-27"));
    assert_eq!(list[0].day_number, 2);

    for (bad, message) in [
        ("2026-02-26", "up to 3 days back"),
        ("2026-03-03", "has not happened yet"),
        ("2026-02-24", "before your treatment"),
        ("02/03/2026", "year-month-day"),
    ] {
        let r = send(&app, t, &with(calm(), &[("date", bad)])).await;
        assert_eq!(r.status(), 422, "{bad}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{bad}: {html}");
        let doc = Html::parse_document(&html);
        assert!(
            has(&doc, &format!("input#date[value=\"{bad}\"][aria-invalid=true]")),
            "{bad} kept"
        );
        assert!(has(&doc, ".error-summary a[href=\"#date\"]"));
        // The other answers are kept.
        assert!(has(&doc, "input[name=overall][value=better][checked]"));
    }
    assert_eq!(stored(&app, t).len(), 1, "nothing stored by a wrong date");

    // Before the treatment date, though within three days of today.
    let recent = app.create_treatment(patient, ProcedureClass::Ipl, date("2026-03-01"), "other");
    let r = send(&app, recent, &with(calm(), &[("date", "2026-02-28")])).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("before your treatment"));
    assert!(stored(&app, recent).is_empty());
}

#[tokio::test]
async fn sending_again_for_the_same_day_amends_it() {
    let (app, _, t) = patient_app().await;
    send_ok(&app, t, &with(calm(), &[("fever", "yes"), ("note", "sore at night")])).await;
    let first = stored(&app, t).remove(0);
    assert_eq!(first.answers.note.as_deref(), Some("sore at night"));
    let (_, html) = app.get_html(&form_page(t)).await;
    assert!(html.contains("You already checked in for this day. Sending again will update it."));
    // Issue 11: amending opens with that day's answers filled in.
    assert!(Html::parse_document(&html)
        .select(&Selector::parse("input[name=fever][checked]").unwrap())
        .any(|_| true));

    app.clock.advance(chrono::Duration::minutes(10));
    let result = send_ok(&app, t, &with(calm(), &[("fever", "yes"), ("pain", "4")])).await;
    let list = stored(&app, t);
    assert_eq!(list.len(), 1, "one check-in row");
    assert_eq!(list[0].version, 2);
    assert_eq!(list[0].answers.pain, 4);
    // The amendment rewrites the answers (a note left out is gone) and
    // when, never where it belongs or when it was first entered.
    assert_eq!(list[0].answers.note, None);
    assert_eq!(list[0].first_entered_at, first.first_entered_at);
    assert_eq!(list[0].entered_at, first.entered_at + chrono::Duration::minutes(10));
    assert_eq!((list[0].day, list[0].id), (first.day, first.id));
    let revs = app.db.read(|c| checkins::revisions(c, list[0].id)).unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!(revs[0].version, 1);
    assert_eq!(revs[0].parsed().unwrap().pain, 2);
    let u1: Vec<_> = flags_of(&app, t)
        .into_iter()
        .filter(|f| f.rule_id.as_str() == "U1")
        .collect();
    assert_eq!(u1.len(), 1, "the fever flag is not raised twice");
    let alerts = app
        .outbox()
        .into_iter()
        .filter(|o| o.kind.as_str().starts_with("alert"))
        .count();
    assert_eq!(alerts, 1, "no second alert for the same severity");
    let (sev, html) = main_severity(&app, &result).await;
    assert_eq!(sev, "urgent");
    assert!(html.contains("updated"));
}

#[tokio::test]
async fn every_wrong_answer_comes_back_inline_with_the_input_kept() {
    let (app, _, t) = patient_app().await;
    let long_note = "n".repeat(2001);
    let fields = vec![
        ("overall", "worse"),
        ("pain", "11"),
        ("pain_relief", "yes"),
        ("itch", "ten"),
        ("swelling", "4"),
        ("redness", "-1"),
        ("oozing", "lots"),
        ("crusts", "thin"),
        ("blisters", "yes"),
        ("temperature", "50"),
        ("note", long_note.as_str()),
    ];
    let r = send(&app, t, &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let doc = Html::parse_document(&html);
    for (field, message, anchor) in [
        ("pain", "from 0 to 10", "pain-0"),
        ("itch", "worst itch", "itch-0"),
        ("swelling", "how swollen", "swelling-0"),
        ("redness", "how red", "redness-0"),
        ("oozing", "what oozing", "oozing-none"),
        ("prophylaxis", "prescribed tablets", "prophylaxis-taken"),
        ("temperature", "34 to 43", "temperature"),
        ("note", "too long", "note"),
    ] {
        let err = select(&doc, &format!("#{field}-error"));
        assert_eq!(err.len(), 1, "{field}: inline message");
        let text: String = err[0].text().collect();
        assert!(text.contains(message), "{field}: {text}");
        assert!(
            has(&doc, &format!(".error-summary a[href=\"#{anchor}\"]")),
            "{field}: linked from the summary"
        );
    }
    // Fields carry aria-invalid and point at their message.
    assert!(has(
        &doc,
        "fieldset#field-pain[aria-invalid=true][aria-describedby~=pain-error]"
    ));
    assert!(has(
        &doc,
        "input#temperature[aria-invalid=true][aria-describedby~=temperature-error]"
    ));
    assert!(has(
        &doc,
        "textarea#note[aria-invalid=true][aria-describedby~=note-error]"
    ));
    assert!(
        !has(&doc, "fieldset#field-overall[aria-invalid]"),
        "right answers are not marked"
    );
    // Everything typed is kept.
    assert!(has(&doc, "input[name=overall][value=worse][checked]"));
    assert!(has(&doc, "input[name=pain_relief][value=yes][checked]"));
    assert!(has(&doc, "input[name=crusts][value=thin][checked]"));
    assert!(has(&doc, "input[name=blisters][checked]"));
    assert!(!has(&doc, "input[name=tingling][checked]"));
    assert!(has(&doc, "input#temperature[value=\"50\"]"));
    let note: String = select(&doc, "textarea#note")[0].text().collect();
    assert_eq!(note, long_note);
    assert!(stored(&app, t).is_empty(), "nothing stored");

    // Fahrenheit out of range, one error alone.
    let r = send(&app, t, &with(calm(), &[("temperature", "111")])).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("93 to 110"));

    // Only the hidden fields: every question is missing.
    let r = send(&app, t, &[]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Choose better, the same or worse"));

    // Garbage bodies never produce a 500.
    let csrf = app.csrf().await;
    let r = app
        .client
        .post(app.url("/checkin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&%%%&pain=%FF%FE&=&&treatment=&date=\u{0}"))
        .send()
        .await
        .unwrap();
    assert!(r.status() != 500 && r.status() != 303, "{}", r.status());
    let r = app
        .client
        .post(app.url("/checkin"))
        .header("content-type", "application/json")
        .body("{\"pain\": 3}")
        .send()
        .await
        .unwrap();
    // Issue 15 changed this from 403 (no CSRF token found in a non-form
    // body) to 415: a non-form body is refused before anything else.
    assert_eq!(r.status(), 415, "a non-form body is refused");
    let r = app
        .post_raw("/checkin", &[("csrf", csrf.as_str()), ("treatment", "abc")])
        .await;
    assert_eq!(r.status(), 404);
    let r = app.post_raw("/checkin", &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 422);
    let (status, _) = app.get_html("/checkin?treatment=%ZZ&date=%%").await;
    assert!(status < 500, "{status}");
    assert!(stored(&app, t).is_empty());
}

#[tokio::test]
async fn another_patients_treatment_answers_404_and_stores_nothing() {
    let (app, patient, mine) = patient_app().await;
    let clinic = clinic_of(&app, patient);
    let other = app.create_patient(clinic, "other@example.org", "Other Person");
    let theirs = app.create_treatment(other, ProcedureClass::Ipl, date("2026-02-28"), "other");

    let (status, _) = app.get_html(&form_page(theirs)).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_html(&format!("/history?treatment={}", theirs.0)).await;
    assert_eq!(status, 404);
    // POST with my form's CSRF token but their treatment.
    let theirs_id = theirs.0.to_string();
    let r = app
        .submit(
            &form_page(mine),
            "/checkin",
            &with(calm(), &[("treatment", theirs_id.as_str())]),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert!(stored(&app, theirs).is_empty());
    assert!(stored(&app, mine).is_empty());

    // My check-in's result page is not theirs to see.
    let mine_result = send_ok(&app, mine, &calm()).await;
    let id: i64 = mine_result.rsplit('=').next().unwrap().parse().unwrap();
    app.sign_out().await;
    app.sign_in("other@example.org", PASSWORD).await;
    let (status, _) = app.get_html(&format!("/checkin/result?checkin={id}")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_html("/checkin/result?checkin=nope").await;
    assert_eq!(status, 404);
}

fn clinic_of(app: &TestApp, patient: PatientId) -> ClinicId {
    app.db.read(|c| patients::get(c, patient)).unwrap().unwrap().clinic_id
}

#[tokio::test]
async fn the_result_page_says_what_to_do_for_each_severity() {
    let (app, _, t) = patient_app().await;
    // none
    let r = send_ok(&app, t, &calm()).await;
    assert_eq!(main_severity(&app, &r).await.0, "none");

    // info: whiteheads on day 5 with low pain and itch (R7). Each on its own day.
    app.clock.advance(chrono::Duration::days(1));
    let r = send_ok(&app, t, &with(calm(), &[("pimples", "yes")])).await;
    let (sev, html) = main_severity(&app, &r).await;
    assert_eq!(sev, "info");
    assert!(html.contains("What is normal now"));

    // review: itch 8 (R5).
    app.clock.advance(chrono::Duration::days(1));
    let r = send_ok(&app, t, &with(calm(), &[("itch", "8")])).await;
    let (sev, html) = main_severity(&app, &r).await;
    assert_eq!(sev, "review");
    assert!(html.contains("The clinic will look at this by the next working day"));
    let before = app.outbox().len();

    // urgent: fever (U1), exactly one email to the clinic's alert address.
    app.clock.advance(chrono::Duration::days(1));
    let r = send_ok(&app, t, &with(calm(), &[("fever", "yes")])).await;
    let (sev, html) = main_severity(&app, &r).await;
    assert_eq!(sev, "urgent");
    assert!(html.contains("Call the clinic now on"), "{html}");
    assert!(html.contains("+44 20 7946 0000"));
    assert!(html.contains("If it is severe or the clinic is closed, seek emergency care"));
    assert!(!html.contains("emergency services"));
    let new: Vec<_> = app.outbox().into_iter().skip(before).collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].recipient, "alerts@clinic.example");
    assert_eq!(new[0].kind.as_str(), "alert_urgent");
    assert!(
        !new[0].body_text.contains("fever") && !new[0].body_text.contains("Pat"),
        "no health data in email"
    );

    // U10: call emergency services.
    app.clock.advance(chrono::Duration::days(1));
    let r = send_ok(
        &app,
        t,
        &with(calm(), &[("rash_outside", "yes"), ("lip_swelling_or_breathing", "yes")]),
    )
    .await;
    let (sev, html) = main_severity(&app, &r).await;
    assert_eq!(sev, "urgent");
    assert!(html.contains("Call emergency services now"));
}

/// Issue 10, bug 2: the result page shows what the rules decided for the
/// check-in as it now stands, not a second reading of the answers. Here the
/// clinic switches U10 off between a check-in and its amendment: the amended
/// check-in is urgent (fever) but no longer an emergency, though its answers
/// still show a rash with lip swelling and the earlier U10 flag is still open.
#[tokio::test]
async fn the_result_page_follows_the_rules_decision_after_u10_is_switched_off() {
    let (app, patient, t) = patient_app().await;
    let answers = with(
        calm(),
        &[
            ("rash_outside", "yes"),
            ("lip_swelling_or_breathing", "yes"),
            ("fever", "yes"),
        ],
    );
    let r = send_ok(&app, t, &answers).await;
    let (sev, html) = main_severity(&app, &r).await;
    assert_eq!(sev, "urgent");
    assert!(html.contains("Call emergency services now"), "{html}");

    let clinic = clinic_of(&app, patient);
    let current = app.db.read(|c| clinics::current_rules(c, clinic)).unwrap();
    let mut settings: triage::RuleSettings = serde_json::from_str(&current.settings).unwrap();
    settings.disabled.insert(triage::RuleId::U10);
    let now = app.clock_now().naive_utc();
    let json = serde_json::to_string(&settings).unwrap();
    app.db
        .write(|c| clinics::new_rules_version(c, clinic, &json, None, "U10 off", now))
        .unwrap();

    app.clock.advance(chrono::Duration::minutes(30));
    let r = send_ok(&app, t, &answers).await;
    let (sev, html) = main_severity(&app, &r).await;
    assert_eq!(sev, "urgent", "U1 (fever) still decides urgent");
    assert!(!html.contains("Call emergency services now"), "{html}");
    assert!(html.contains("Call the clinic now on"), "{html}");
    assert!(
        flags_of(&app, t)
            .iter()
            .any(|f| f.rule_id == aftercare::domain::RuleId::U10),
        "the earlier U10 flag stays"
    );
}

#[tokio::test]
async fn history_shows_a_timeline_charts_and_a_table() {
    let (app, _, t) = patient_app().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 2, 28, 10, 0, 0).unwrap());
    send_ok(&app, t, &with(calm(), &[("pain", "6"), ("note", "Sore <b>today</b>")])).await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
    send_ok(&app, t, &with(calm(), &[("itch", "8")])).await;

    let (status, html) = app.get_html("/history").await;
    assert_eq!(status, 200);
    let doc = Html::parse_document(&html);
    assert_eq!(select(&doc, "svg[role=img]").len(), 4, "pain, itch, swelling, redness");
    for id in ["chart-pain", "chart-itch", "chart-swelling", "chart-redness"] {
        assert!(
            has(&doc, &format!("svg[aria-labelledby=\"{id}-title {id}-desc\"]")),
            "{id}"
        );
        assert!(has(&doc, &format!("title#{id}-title")));
    }
    // Expected range shaded on pain, swelling and redness; flag marker for the review day.
    assert!(html.contains("Expected: 3 or less from day 5"));
    assert!(html.contains("Expected swelling"));
    // The table: one row per check-in, most recent first like the cards.
    let rows = select(&doc, "table tbody tr");
    assert_eq!(rows.len(), 2);
    let last: String = rows[1].text().collect();
    assert!(last.contains('3') && last.contains('6'), "{last}");
    // Timeline, most recent first, with the note escaped.
    let items = select(&doc, "ol.timeline > li");
    assert_eq!(items.len(), 2);
    assert!(items[0].text().collect::<String>().contains("Day 5"));
    assert!(html.contains("Sore &lt;b&gt;today&lt;/b&gt;") || html.contains("Sore &#60;b&#62;today"));
    assert!(html.contains("The clinic will review"));
}

/// The chart of `name` on the patient's history page (`chart-{name}`).
fn chart<'a>(doc: &'a Html, name: &str) -> scraper::ElementRef<'a> {
    let id = format!("chart-{name}");
    select(doc, &format!("svg[aria-labelledby=\"{id}-title {id}-desc\"]"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a {name} chart"))
}

/// The points of each line drawn in a chart, in order.
fn lines(svg: scraper::ElementRef) -> Vec<usize> {
    svg.select(&Selector::parse("polyline").expect("selector"))
        .map(|l| l.value().attr("points").unwrap_or("").split_whitespace().count())
        .collect()
}

/// Flag markers: the urgent diamond (a path) and the review square (a rect
/// that is not the expected range).
fn markers(svg: scraper::ElementRef) -> usize {
    let paths = svg.select(&Selector::parse("path").expect("selector")).count();
    let squares = svg
        .select(&Selector::parse("rect").expect("selector"))
        .filter(|r| r.value().attr("class") != Some("expected"))
        .count();
    paths + squares
}

/// Issue 11 item 5: a missed day is a gap in every line, not a line drawn
/// through it (days 2 and 4 missed; 0-1 and 3 on either side of a gap).
#[tokio::test]
async fn history_lines_break_across_a_missed_day() {
    let (app, _, t) = patient_app().await;
    // Each on its own day: days 0, 1 and 3.
    for (day, pain) in [(25, "6"), (26, "5"), (28, "4")] {
        app.clock.set(Utc.with_ymd_and_hms(2026, 2, day, 10, 0, 0).unwrap());
        send_ok(&app, t, &with(calm(), &[("pain", pain)])).await;
    }
    // Today (day 5) with yesterday (day 4) missed.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
    send_ok(&app, t, &calm()).await;
    let (status, html) = app.get_html("/history").await;
    assert_eq!(status, 200);
    let doc = Html::parse_document(&html);
    for name in ["pain", "itch", "swelling", "redness"] {
        let svg = chart(&doc, name);
        assert_eq!(
            lines(svg),
            vec![2],
            "{name}: days 0-1 joined; day 3 and day 5 alone, each side of a missed day"
        );
        let desc: String = select(&doc, &format!("desc#chart-{name}-desc"))
            .iter()
            .flat_map(|d| d.text())
            .collect();
        assert!(desc.contains("No check-in on day 2, 4"), "{name}: {desc}");
    }
    assert!(html.contains("A gap in the line is a day with no check-in"));

    // Day 2 filled in late: 0-1-2-3 is one line; 4 still breaks it before 5.
    let page = format!("/checkin?treatment={}&date=2026-02-27", t.0);
    let r = app
        .submit(&page, "/checkin", &with(calm(), &[("date", "2026-02-27")]))
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_html("/history").await;
    let doc = Html::parse_document(&html);
    assert_eq!(lines(chart(&doc, "pain")), vec![4]);
}

/// Issue 11 item 5: a flag marks the value that raised it, on the chart of
/// the symptom its rule reads, not every chart of that day. Itch 8 raises
/// R5 (review), a rule about itch only.
#[tokio::test]
async fn history_marks_a_flag_on_its_symptoms_chart_only() {
    let (app, _, t) = patient_app().await;
    send_ok(&app, t, &with(calm(), &[("itch", "8")])).await;
    assert!(flags_of(&app, t).iter().any(|f| f.rule_id == RuleId::R5), "R5 raised");
    let (_, html) = app.get_html("/history").await;
    let doc = Html::parse_document(&html);
    for (name, expected) in [("pain", 0), ("itch", 1), ("swelling", 0), ("redness", 0)] {
        assert_eq!(markers(chart(&doc, name)), expected, "{name}");
    }
    let desc: String = select(&doc, "desc#chart-itch-desc")
        .iter()
        .flat_map(|d| d.text())
        .collect();
    assert!(desc.contains("Marked: the value of day 5"), "{desc}");
    let desc: String = select(&doc, "desc#chart-pain-desc")
        .iter()
        .flat_map(|d| d.text())
        .collect();
    assert!(!desc.contains("Marked"), "{desc}");

    // Amended to urgent pain with medicine not helping (U6, about pain):
    // the diamond goes on the pain chart; itch keeps its square.
    app.clock.advance(chrono::Duration::minutes(10));
    send_ok(
        &app,
        t,
        &with(calm(), &[("itch", "8"), ("pain", "9"), ("pain_relief", "no")]),
    )
    .await;
    assert!(flags_of(&app, t).iter().any(|f| f.severity == Severity::Urgent));
    let (_, html) = app.get_html("/history").await;
    let doc = Html::parse_document(&html);
    let pain = chart(&doc, "pain");
    assert_eq!(
        pain.select(&Selector::parse("path").expect("selector")).count(),
        1,
        "urgent diamond"
    );
    assert_eq!(markers(chart(&doc, "itch")), 1);
    assert_eq!(markers(chart(&doc, "swelling")), 0);
    assert_eq!(markers(chart(&doc, "redness")), 0);
}

/// Issue 11 item 5: the cards and the table run in the same order (most
/// recent first), and the table's cells carry their column's name for the
/// phone layout (one card per row).
#[tokio::test]
async fn history_cards_and_table_run_in_the_same_order() {
    let (app, _, t) = patient_app().await;
    for day in ["2026-02-27", "2026-02-28", "2026-03-01"] {
        let page = format!("/checkin?treatment={}&date={day}", t.0);
        let r = app.submit(&page, "/checkin", &with(calm(), &[("date", day)])).await;
        assert_eq!(r.status(), 303);
    }
    send_ok(&app, t, &calm()).await;
    let (_, html) = app.get_html("/history").await;
    let doc = Html::parse_document(&html);
    let cards: Vec<String> = select(&doc, "ol.timeline > li h3")
        .iter()
        .map(|h| h.text().collect::<String>())
        .collect();
    let rows: Vec<String> = select(&doc, "table tbody tr th[scope=row]")
        .iter()
        .map(|h| h.text().collect::<String>())
        .collect();
    let card_days: Vec<String> = cards
        .iter()
        .map(|c| c.trim_start_matches("Day ").split(' ').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(card_days, ["5", "4", "3", "2"], "{cards:?}");
    assert_eq!(rows, card_days, "table rows in the cards' order");
    for cell in select(&doc, "table.checkins tbody td") {
        assert!(
            cell.value().attr("data-label").is_some_and(|l| !l.is_empty()),
            "every cell names its column: {}",
            cell.html()
        );
    }
}

/// Issue 11 item 5: "Check in now" only while today's check-in is not in;
/// then the page offers to update it.
#[tokio::test]
async fn history_offers_check_in_now_only_until_today_is_done() {
    let (app, _, t) = patient_app().await;
    // Yesterday's only: today is still to do.
    let page = format!("/checkin?treatment={}&date=2026-03-01", t.0);
    let r = app
        .submit(&page, "/checkin", &with(calm(), &[("date", "2026-03-01")]))
        .await;
    assert_eq!(r.status(), 303);
    let links = |html: &str| -> Vec<String> {
        let doc = Html::parse_document(html);
        select(&doc, "main a[href^=\"/checkin\"]")
            .iter()
            .map(|a| a.text().collect::<String>())
            .collect()
    };
    let (_, html) = app.get_html("/history").await;
    assert_eq!(links(&html), ["Check in now"]);

    send_ok(&app, t, &calm()).await;
    let (_, html) = app.get_html("/history").await;
    assert!(!html.contains("Check in now"), "{html}");
    assert_eq!(links(&html), ["Update today’s check-in"]);

    // The next day it is due again.
    app.clock.advance(chrono::Duration::days(1));
    let (_, html) = app.get_html("/history").await;
    assert_eq!(links(&html), ["Check in now"]);
}

/// Issue 10, bug 3: the patient's history and the clinician's patient page
/// show the same expected range for every chart, shaded and in words (the
/// patient was told itch had none while the clinician saw one shaded). R5
/// reviews itch at 7 or more on any day, so 0–6 is the expected itch range.
#[tokio::test]
async fn patient_and_clinician_charts_show_the_same_expected_ranges() {
    let (app, patient, t) = patient_app().await;
    send_ok(&app, t, &with(calm(), &[("itch", "3")])).await;
    let (status, patient_html) = app.get_html("/history").await;
    assert_eq!(status, 200);
    let clinic = clinic_of(&app, patient);
    app.create_staff(clinic, "ada@bright.example", Role::Clinician);
    app.sign_out().await;
    assert_eq!(app.sign_in("ada@bright.example", PASSWORD).await.status(), 303);
    let (status, clinic_html) = app.get_html(&format!("/clinic/patients/{}", patient.0)).await;
    assert_eq!(status, 200);

    // Fully ablative CO2 with the default rules, in the words both pages use.
    let expected = [
        ("itch", "6 or less"),
        ("pain", "3 or less from day 5; any level before that"),
        (
            "swelling",
            "moderate or less from day 7; mild or less from day 14; any level before that",
        ),
        ("redness", "moderate or less from day 28; any level before that"),
    ];
    let clinic_prefix = format!("chart-t{}-", t.0);
    for (page, html, prefix) in [
        ("patient", &patient_html, "chart-"),
        ("clinician", &clinic_html, clinic_prefix.as_str()),
    ] {
        let doc = Html::parse_document(html);
        for (name, words) in expected {
            let id = format!("{prefix}{name}");
            let svg = select(&doc, &format!("svg[aria-labelledby=\"{id}-title {id}-desc\"]"));
            assert_eq!(svg.len(), 1, "{page}: one {name} chart");
            let desc: String = select(&doc, &format!("desc#{id}-desc"))
                .iter()
                .flat_map(|d| d.text())
                .collect();
            assert!(desc.contains(words), "{page} {name}: {desc}");
            // Shown under the chart as well, not only to screen readers.
            let shown: String = svg[0]
                .ancestors()
                .filter_map(scraper::ElementRef::wrap)
                .find(|e| e.value().name() == "figure")
                .map(|f| {
                    f.select(&Selector::parse("figcaption, p").expect("selector"))
                        .flat_map(|e| e.text())
                        .collect()
                })
                .unwrap_or_default();
            assert!(shown.contains(words), "{page} {name}: {shown}");
            let shaded = svg[0]
                .select(&Selector::parse("rect.expected").expect("selector"))
                .count();
            assert!(shaded > 0, "{page} {name}: the expected range is shaded");
        }
    }
    assert!(!patient_html.contains("no expected range"));
}

#[tokio::test]
async fn the_home_page_shows_the_day_whether_today_is_done_and_the_next_one() {
    let (app, patient, t) = patient_app().await;
    let (status, html) = app.get_html("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Day 5 after your fully ablative CO2 laser"), "{html}");
    assert!(html.contains("check-in is due"));
    assert!(html.contains("Next check-in: today"));
    assert!(html.contains(&format!("/checkin?treatment={}", t.0)));
    assert!(html.contains(&format!("/history?treatment={}", t.0)));
    assert!(html.contains("+44 20 7946 0000"));

    send_ok(&app, t, &calm()).await;
    let (_, html) = app.get_html("/").await;
    assert!(html.contains("check-in: done"), "{html}");
    assert!(html.contains("Next check-in: tomorrow"));

    // Weekly after day 14: day 15 is 2026-03-12; the next due day is 21.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 12, 10, 0, 0).unwrap());
    let (_, html) = app.get_html("/").await;
    assert!(html.contains("Day 15"));
    assert!(html.contains("(day 21)"), "{html}");

    // Reminder emails can be switched off and on again.
    assert!(html.contains("Reminder emails are on"));
    let r = app.submit("/", "/reminders", &[("reminders", "off")]).await;
    assert_eq!(r.status(), 303);
    let p = app.db.read(|c| patients::get(c, patient)).unwrap().unwrap();
    assert!(!p.reminders);
    assert_eq!(app.audit("patient.reminders").len(), 1);
    let (_, html) = app.get_html("/").await;
    assert!(html.contains("Reminder emails are off"));
    let r = app.submit("/", "/reminders", &[("reminders", "maybe")]).await;
    assert_eq!(r.status(), 422);
    let r = app.post_raw("/reminders", &[("reminders", "on")]).await;
    assert_eq!(r.status(), 403, "no CSRF token");
}

#[tokio::test]
async fn staff_and_anonymous_visitors_cannot_use_patient_pages() {
    let (app, patient, t) = patient_app().await;
    let clinic = clinic_of(&app, patient);
    app.create_staff(clinic, "ada@bright.example", Role::Clinician);

    let anon = app.browser();
    for path in ["/checkin", "/history", "/checkin/result?checkin=1"] {
        let r = anon.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        let back: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(location(&r), format!("/login?next={back}"), "{path}");
    }
    let r = anon
        .client
        .post(format!("{}/checkin", app.address))
        .form(&calm())
        .send()
        .await
        .unwrap();
    assert!(r.status() == 303 || r.status() == 403, "{}", r.status());

    app.sign_out().await;
    app.sign_in("ada@bright.example", PASSWORD).await;
    for path in ["/checkin", "/history", "/checkin/result?checkin=1"] {
        let (status, _) = app.get_html(path).await;
        assert_eq!(status, 403, "{path}");
    }
    let r = app.submit("/clinic", "/checkin", &calm()).await;
    assert_eq!(r.status(), 403);
    assert!(stored(&app, t).is_empty());
}

#[tokio::test]
async fn after_the_follow_up_is_closed_check_ins_are_refused_until_a_new_session() {
    let (app, patient, t) = patient_app().await;
    let now = app.clock_now().naive_utc();
    app.db.write(|c| patients::close_follow_up(c, patient, now)).unwrap();

    let (status, html) = app.get_html(&form_page(t)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Your follow-up has ended") && html.contains("call the clinic"),
        "{html}"
    );
    assert!(!html.contains("name=\"pain\""), "no form whose answers nobody reads");
    // A submission anyway (an old tab) is refused and stores nothing.
    let r = send(&app, t, &with(calm(), &[("treatment", &t.0.to_string())])).await;
    assert_eq!(r.status(), 409);
    assert!(stored(&app, t).is_empty());

    // The clinic adds the next session: follow-up is open again.
    let t2 = app.create_treatment(patient, ProcedureClass::AblativeFractional, date("2026-03-02"), "");
    let p = app.db.read(|c| patients::get(c, patient)).unwrap().unwrap();
    assert!(p.follow_up_closed_at.is_none());
    send_ok(&app, t2, &calm()).await;
    assert_eq!(stored(&app, t2).len(), 1);
}

/// Issue 18: a double tap on "Send" (two identical POSTs at once, same
/// session, same day) never fails: the later one becomes the next
/// amendment. Each round starts a fresh treatment, so both the first insert
/// of the day's check-in and the amendment race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_on_send_never_fails_and_amends_in_order() {
    let (app, patient, _) = patient_app().await;
    let fields = with(calm(), &[("fever", "yes")]);
    const ROUNDS: usize = 30;
    for round in 0..ROUNDS {
        let t = app.create_treatment(patient, ProcedureClass::AblativeFullCo2, date("2026-02-25"), "perioral");
        let (_, html) = app.get_html(&form_page(t)).await;
        let mut form: Vec<(String, String)> = hidden_fields(&html);
        for (k, v) in &fields {
            form.retain(|(name, _)| name != k);
            form.push((k.to_string(), v.to_string()));
        }
        for tap in 0..2 {
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            let sends = (0..2).map(|_| {
                let (client, url, form, barrier) =
                    (app.client.clone(), app.url("/checkin"), form.clone(), barrier.clone());
                tokio::spawn(async move {
                    let request = client.post(url).form(&form);
                    barrier.wait().await;
                    let r = request.send().await.expect("POST");
                    (r.status().as_u16(), location(&r), r.text().await.unwrap_or_default())
                })
            });
            let answers = futures_util::future::join_all(sends).await;
            let mut results = Vec::new();
            for answer in answers {
                let (status, loc, body) = answer.expect("task");
                assert_eq!(status, 303, "round {round}, tap {tap}: {body}");
                assert!(loc.starts_with("/checkin/result?checkin="), "{loc}");
                results.push(loc);
            }
            assert_eq!(results[0], results[1], "one check-in for the day");
            let (status, _) = app.get_html(&results[0]).await;
            assert_eq!(status, 200, "the result page answers");
        }

        // Four stored versions, gapless: 1..=3 kept whole, 4 current.
        let list = stored(&app, t);
        assert_eq!(list.len(), 1, "round {round}: one check-in row");
        assert_eq!(list[0].version, 4, "round {round}");
        let revs = app.db.read(|c| checkins::revisions(c, list[0].id)).unwrap();
        assert_eq!(revs.iter().map(|r| r.version).collect::<Vec<_>>(), vec![1, 2, 3]);

        // The fever flag: raised once, counted once per stored version, and
        // the clinic emailed about it once.
        let u1: Vec<_> = flags_of(&app, t)
            .into_iter()
            .filter(|f| f.rule_id == aftercare::domain::RuleId::U1)
            .collect();
        assert_eq!(u1.len(), 1, "round {round}: U1 raised once");
        assert_eq!(u1[0].occurrences, 4, "round {round}: evaluated once per version");
        let events = app.db.read(|c| flags::events(c, u1[0].id)).unwrap();
        assert_eq!(events.len(), 4, "round {round}: raised + 3 repeats");
        let mut ids: Vec<i64> = flags_of(&app, t).iter().map(|f| f.id.0).collect();
        ids.sort();
        let alerts = app
            .outbox()
            .into_iter()
            .filter(|o| o.flag_id.is_some_and(|f| ids.binary_search(&f).is_ok()))
            .count();
        assert_eq!(alerts, 1, "round {round}: one alert for the treatment");
    }
}

// ---------------------------------------------------------------------------
// Issue 11: the short form for an ordinary day.

/// The first step's answers of an ordinary day 5 after CO2.
fn first_step() -> Vec<(&'static str, &'static str)> {
    vec![
        ("overall", "better"),
        ("pain", "2"),
        ("itch", "1"),
        ("swelling", "1"),
        ("redness", "2"),
    ]
}

#[tokio::test]
async fn the_short_form_asks_the_first_step_and_summarises_the_warning_signs() {
    let (app, _, t) = patient_app().await;
    let (status, html) = app.get_html(&form_page(t)).await;
    assert_eq!(status, 200);
    let doc = Html::parse_document(&html);
    for name in ["overall", "pain", "itch", "swelling", "redness"] {
        assert!(has(&doc, &format!("fieldset#field-{name}")), "{name}");
    }
    for name in ["oozing", "fever", "pain_relief", "prophylaxis", "note", "dark_patches"] {
        assert!(
            !html.contains(&format!("name=\"{name}\"")),
            "{name} waits for the second step"
        );
    }
    assert!(has(&doc, "button[name=signs][value=none]"));
    assert!(has(&doc, "button[name=signs][value=some]"));
    assert!(html.contains("A fever, or feeling hot and shivery"));
    assert!(
        html.contains("A missed dose of the tablets"),
        "day 5: the tablets matter"
    );
    assert!(!html.contains("Darker or lighter patches"), "weekly only");
}

/// "None of these" stores, for every question behind the signs, exactly
/// what "none" says (clinical reference section 4): no tick, no oozing, no
/// crusts, and for the tablets "taken" when the clinic prescribed some (no
/// missed dose), "not prescribed" when it did not.
#[tokio::test]
async fn none_of_these_stores_what_none_means_for_each_sign() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, PATIENT, "Pat Lee");
    let input = aftercare::app::onboarding::TreatmentInput {
        patient,
        procedure: ProcedureClass::AblativeFullCo2,
        treated_on: date("2026-02-25"),
        zones: Zones::parse("perioral").expect("zones"),
        prescribed: Prescribed {
            antiviral: true,
            antibiotic: false,
        },
    };
    let now = app.clock_now();
    let t = app
        .db
        .write(|c| {
            aftercare::app::onboarding::create_treatment(
                c,
                None,
                &input,
                now,
                &aftercare::db::audit::Actor::system("test"),
            )
        })
        .expect("treatment");
    assert_eq!(app.sign_in(PATIENT, PASSWORD).await.status(), 303);
    send_ok(&app, t, &with(first_step(), &[("signs", "none")])).await;
    let a = stored(&app, t)[0].answers.clone();
    assert_eq!(a.prophylaxis, Prophylaxis::Taken, "none missed, and some were given");
    assert_eq!((a.oozing, a.crusts), (Oozing::None, Crusts::None));
    // "None" rules out only "no, it does not help": not asked, not a guess.
    assert_eq!(a.pain_relief, PainRelief::NotAsked);
    assert!(a.temperature.is_none() && a.note.is_none());
    assert!(
        questions::reported(&a).is_empty(),
        "nothing behind a sign: {:?}",
        questions::reported(&a)
    );

    // Without tablets on record: not prescribed.
    let (app, _, t) = patient_app().await;
    send_ok(&app, t, &with(first_step(), &[("signs", "none")])).await;
    assert_eq!(stored(&app, t)[0].answers.prophylaxis, Prophylaxis::NotPrescribed);
}

/// Pain relief after "None of these": stored as not asked, never shown as an
/// option the patient chose (amend prefill, export, clinician summary); the
/// one-POST contract without a summary is what it was.
#[tokio::test]
async fn none_of_these_leaves_pain_relief_not_asked() {
    let (app, patient, t) = patient_app().await;
    // A raw POST without `pain_relief` and without a summary: refused, as
    // before (the question is required on the full form).
    let without: Vec<_> = calm().into_iter().filter(|(k, _)| *k != "pain_relief").collect();
    let r = send(&app, t, &without).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Say whether pain medicine helps"));
    assert!(stored(&app, t).is_empty(), "nothing stored");
    // "None" with the patient's own pain-relief answer keeps it.
    send_ok(
        &app,
        t,
        &with(first_step(), &[("signs", "none"), ("pain_relief", "yes")]),
    )
    .await;
    assert_eq!(stored(&app, t)[0].answers.pain_relief, PainRelief::Yes);
    // "None" without it: not asked (also when amending the day).
    send_ok(&app, t, &with(first_step(), &[("signs", "none")])).await;
    assert_eq!(stored(&app, t)[0].answers.pain_relief, PainRelief::NotAsked);

    // Amending: no pain-medicine option preselected, on either step.
    for page in [form_page(t), full_form_page(t)] {
        let (status, html) = app.get_html(&page).await;
        assert_eq!(status, 200);
        let doc = Html::parse_document(&html);
        assert!(
            has(&doc, "input[name=pain][value=\"2\"][checked]"),
            "{page}: the day's answers"
        );
        assert!(!has(&doc, "input[name=pain_relief][checked]"), "{page}: never chosen");
        assert!(!html.contains("not_asked"), "{page}: never offered");
    }
    let (_, html) = app.get_html("/history").await;
    assert!(!html.contains("pain medicine") && !html.contains("not_asked"), "{html}");

    // The export has the value (the admin in a browser of their own).
    let clinic = clinic_of(&app, patient);
    app.create_staff(clinic, "admin@bright.example", Role::Admin);
    let admin = new_client();
    assert_eq!(sign_in_on(&app, &admin, "admin@bright.example", PASSWORD).await, 303);
    let staff_get = |path: String| {
        let (admin, url) = (admin.clone(), app.url(&path));
        async move {
            let r = admin.get(url).send().await.expect("GET");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let (status, body) = staff_get("/clinic/export?from=2026-03-02&to=2026-03-02&kind=checkins".into()).await;
    assert_eq!(status, 200, "{body}");
    let column = aftercare::web::clinic::export::checkin_columns()
        .iter()
        .position(|c| *c == "pain_relief")
        .expect("the column");
    let relief: Vec<&str> = body
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(column).unwrap_or(""))
        .collect();
    assert_eq!(relief, ["not_asked"], "{body}");

    // Amended with an answer: the clinician's summary of the earlier
    // version says "not asked" in words.
    send_ok(&app, t, &with(calm(), &[("signs", "some")])).await;
    let (status, html) = staff_get(format!("/clinic/patients/{}", patient.0)).await;
    assert_eq!(status, 200);
    assert!(html.contains("pain relief not asked"), "{html}");
    assert!(!html.contains("not_asked"), "{html}");
}

#[tokio::test]
async fn none_of_these_saves_the_day_in_one_post() {
    let (app, _, t) = patient_app().await;
    let result = send_ok(&app, t, &with(first_step(), &[("signs", "none")])).await;
    let list = stored(&app, t);
    assert_eq!(list.len(), 1);
    let a = &list[0].answers;
    assert_eq!((a.pain, a.itch, a.swelling, a.redness), (2, 1, 1, 2));
    assert_eq!(a.oozing, Oozing::None);
    assert!(!a.fever);
    let (sev, _) = main_severity(&app, &result).await;
    assert_eq!(sev, "none");

    // Amending opens the short form with that day's answers.
    let (_, html) = app.get_html(&form_page(t)).await;
    let doc = Html::parse_document(&html);
    assert!(has(&doc, "input[name=pain][value=\"2\"][checked]"));
    assert!(has(&doc, "button[name=signs][value=none]"));
    assert!(html.contains("Your answers are filled in"));
}

#[tokio::test]
async fn none_of_these_with_ticks_is_refused_with_a_clear_message() {
    let (app, _, t) = patient_app().await;
    for extra in [
        &[("signs", "none"), ("fever", "yes")][..],
        &[("signs", "none"), ("oozing", "pus"), ("eye_pain", "on")][..],
    ] {
        let r = send(&app, t, &with(calm(), extra)).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("You answered “None of these” but also reported"),
            "{html}"
        );
        // Shown with every question, what was ticked kept.
        let doc = Html::parse_document(&html);
        let (name, _) = extra[1];
        assert!(has(&doc, &format!("input[name={name}][checked]")), "{name} kept");
    }
    let r = send(&app, t, &with(calm(), &[("signs", "maybe")])).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Choose “None of these” or “Yes, some of these”"));
    assert!(stored(&app, t).is_empty(), "nothing stored");
    // Agreeing with the ticks: saved.
    send_ok(&app, t, &with(calm(), &[("signs", "some"), ("fever", "yes")])).await;
    assert!(stored(&app, t)[0].answers.fever);
    // "none" with nothing behind it, all the contract's fields: saved too.
    send_ok(&app, t, &with(calm(), &[("signs", "none"), ("crusts", "none")])).await;
    assert!(!stored(&app, t)[0].answers.fever);
}

#[tokio::test]
async fn yes_some_of_these_shows_the_second_step_then_reaches_the_rules() {
    let (app, _, t) = patient_app().await;
    let r = send(&app, t, &with(first_step(), &[("signs", "some")])).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let doc = Html::parse_document(&html);
    assert!(has(&doc, "input[name=fever]") && has(&doc, "input[name=oozing]"));
    assert!(
        has(&doc, "input[name=pain][value=\"2\"][checked]"),
        "the first step is carried along"
    );
    assert!(stored(&app, t).is_empty(), "nothing stored yet");
    let mut second = first_step();
    second.extend([
        ("pain_relief", "yes"),
        ("oozing", "none"),
        ("crusts", "thin"),
        ("prophylaxis", "taken"),
        ("fever", "yes"),
        ("vision_change", "yes"),
    ]);
    let result = send_ok(&app, t, &second).await;
    let a = &stored(&app, t)[0].answers;
    assert!(a.fever && a.vision_change);
    let rules: Vec<String> = flags_of(&app, t)
        .iter()
        .map(|f| f.rule_id.as_str().to_string())
        .collect();
    assert!(
        rules.contains(&"U1".to_string()) && rules.contains(&"U4".to_string()),
        "{rules:?}"
    );
    let (sev, _) = main_severity(&app, &result).await;
    assert_eq!(sev, "urgent");
}

#[tokio::test]
async fn a_back_filled_day_says_which_day_it_is_for() {
    let (app, _, t) = patient_app().await;
    let (_, html) = app
        .get_html(&format!("/checkin?treatment={}&date=2026-02-28", t.0))
        .await;
    assert!(
        html.contains("You are filling in a missed day: <strong>Saturday 28 February 2026</strong>"),
        "{html}"
    );
    let (_, html) = app.get_html(&form_page(t)).await;
    assert!(!html.contains("filling in a missed day"));
}

#[tokio::test]
async fn the_weekly_short_form_lists_the_weekly_signs_and_not_the_tablets() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, PATIENT, "Pat Lee");
    let t = app.create_treatment(patient, ProcedureClass::AblativeFullCo2, date("2026-02-01"), "neck");
    app.sign_in(PATIENT, PASSWORD).await;
    let (_, html) = app.get_html(&form_page(t)).await;
    assert!(html.contains("Darker or lighter patches"));
    assert!(
        !html.contains("A missed dose of the tablets"),
        "day 29: no longer asked"
    );
    send_ok(&app, t, &with(first_step(), &[("signs", "none")])).await;
    let list = stored(&app, t);
    assert_eq!(list[0].kind, CheckInKind::Weekly);
    assert!(!list[0].answers.raised_area);
}

/// Runs tests/browser/checkin.mjs (real headless Chromium) against `app` and
/// returns what it measured. Needs node, Debian's chromium and playwright-core
/// (installed by .ci/run), hence `#[ignore]`d in a plain `cargo test`.
fn in_browser(address: &str, scenario: &str) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/checkin.mjs");
    let out = std::process::Command::new("node")
        .args([script, "--base", address, "--email", PATIENT, "--password", PASSWORD])
        .args(["--scenario", scenario])
        .output()
        .expect("node runs (installed by .ci/run)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser run failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("the script's JSON")
}

#[tokio::test]
#[ignore = "needs chromium and playwright-core: run by .ci/run"]
async fn browser_an_ordinary_day_takes_six_taps_on_two_phone_screens() {
    let (app, _, t) = patient_app().await;
    let address = app.address.clone();
    let m = tokio::task::spawn_blocking(move || in_browser(&address, "ordinary"))
        .await
        .unwrap();
    println!("ordinary day at 390x844: {m}");
    assert!(m["taps"].as_u64().unwrap() <= 6, "{m}");
    assert!(m["form_height"].as_u64().unwrap() <= 1700, "{m}");
    assert_eq!(m["severity"], "none", "{m}");
    let list = stored(&app, t);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].answers.overall, Overall::Same);
    assert_eq!(list[0].answers.redness, 2);
}

#[tokio::test]
#[ignore = "needs chromium and playwright-core: run by .ci/run"]
async fn browser_a_day_with_two_warning_signs_reaches_the_rules() {
    let (app, _, t) = patient_app().await;
    let address = app.address.clone();
    let m = tokio::task::spawn_blocking(move || in_browser(&address, "signs"))
        .await
        .unwrap();
    println!("day with two warning signs at 390x844: {m}");
    assert_eq!(m["severity"], "urgent", "{m}");
    let a = &stored(&app, t)[0].answers;
    assert!(a.fever && a.vision_change);
    let rules: Vec<String> = flags_of(&app, t)
        .iter()
        .map(|f| f.rule_id.as_str().to_string())
        .collect();
    assert!(
        rules.contains(&"U1".to_string()) && rules.contains(&"U4".to_string()),
        "{rules:?}"
    );
}

#[tokio::test]
async fn the_urgent_page_puts_the_call_first_and_says_why_in_the_patients_words() {
    let (app, _, t) = patient_app().await;
    let result = send_ok(&app, t, &with(calm(), &[("fever", "yes"), ("vision_change", "yes")])).await;
    let (sev, html) = main_severity(&app, &result).await;
    assert_eq!(sev, "urgent");
    let doc = Html::parse_document(&html);
    let first = select(&doc, "main > *");
    assert!(
        first[0].value().attr("href").is_some_and(|h| h.starts_with("tel:")),
        "the call button comes first: {html}"
    );
    let reasons: Vec<String> = select(&doc, "ul.reasons li")
        .iter()
        .map(|e| e.text().collect())
        .collect();
    assert!(
        reasons.contains(&"I have a fever, or I feel hot and shivery".to_string()),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"A change in my vision".to_string()), "{reasons:?}");
    assert!(
        !reasons.iter().any(|r| r.contains("U1") || r.contains("U4")),
        "no rule codes"
    );
    assert!(!html.contains("an earlier day"));

    // About an earlier day: the page says so and asks whether it still is.
    let page = format!("/checkin?treatment={}&date=2026-02-28", t.0);
    let r = app.submit(&page, "/checkin", &with(calm(), &[("fever", "yes")])).await;
    let (_, html) = main_severity(&app, &location(&r)).await;
    assert!(
        html.contains("an earlier day") && html.contains("Is it still the case today?"),
        "{html}"
    );
}

#[tokio::test]
#[ignore = "needs chromium, playwright-core and axe-core: run by .ci/run"]
async fn browser_every_patient_page_passes_axe_at_390_px_and_200_percent_zoom() {
    let (app, patient, t) = patient_app().await;
    // Yesterday's (a back-fill): today's form stays empty for the browser.
    let result = send_ok(&app, t, &with(calm(), &[("fever", "yes"), ("date", "2026-03-01")])).await;
    let account = app.db.read(|c| patients::get(c, patient)).unwrap().unwrap().account_id;
    let now = app.clock_now();
    let invite = app
        .db
        .write(|c| {
            aftercare::app::links::issue_link(
                c,
                TokenPurpose::Invite,
                Some(account),
                now,
                chrono::Duration::days(7),
                "",
            )
        })
        .unwrap();
    let public = [
        "/login",
        "/forgot",
        invite.as_str(),
        "/invite?token=no-such-link",
        "/reset?token=no-such-link",
        "/reminders/unsubscribe/no-such-link",
    ]
    .join(",");
    let private = ["/", "/checkin", "/history", "/account/password"].join(",");
    let (address, result) = (app.address.clone(), result.clone());
    let out = tokio::task::spawn_blocking(move || {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/patient_pages.mjs");
        std::process::Command::new("node")
            .args([script, "--base", &address, "--email", PATIENT, "--password", PASSWORD])
            .args(["--public", &public, "--private", &private, "--result", &result])
            .output()
            .expect("node runs (installed by .ci/run)")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser run failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("the script's JSON");
    let pages = m["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 2 * 13, "every page at both sizes: {m}");
    for p in pages {
        assert_eq!(p["violations"].as_array().unwrap().len(), 0, "axe: {p}");
        assert!(p["overflow"].as_i64().unwrap() <= 0, "no sideways scrolling: {p}");
        assert!(p["clipped"].as_i64().unwrap() <= 0, "nothing cut off in a box: {p}");
        if let Some(s) = p["status"].as_u64() {
            assert!(s == 200 || s == 404, "{p}");
        }
    }
    assert!(
        m["focus"].as_str().unwrap_or("").contains("error-summary"),
        "focus moves to the error summary: {m}"
    );
}
