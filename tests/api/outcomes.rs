//! Issue 14 item 4: resolving a flag asks what came of it (the clinical
//! reference's section 5 outcomes) as well as the note; the outcome is stored
//! on the flag and its resolve event, shown on the flag's page and exported
//! as the last column of the flags CSV.

use crate::support::app::*;
use aftercare::db::flags;
use aftercare::domain::*;

struct Fixture {
    app: TestApp,
    treatment: TreatmentId,
}

/// A clinic with a clinician and an admin, one patient whose check-in raised
/// an urgent flag (fever) and a review flag (itch 8).
async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, "doc@bright.example", Role::Clinician);
    app.create_staff(clinic, "admin@bright.example", Role::Admin);
    let p = app.create_patient(clinic, "pat@example.org", "Pat Lee");
    let treatment = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "");
    let mut a = CheckInAnswers::calm();
    a.fever = true;
    a.temperature = Some(Temperature::from_celsius(39.0));
    a.itch = 8;
    app.record_checkin(treatment, date("2026-03-02"), &a);
    Fixture { app, treatment }
}

fn flags_of(app: &TestApp, t: TreatmentId) -> Vec<flags::Flag> {
    app.db.read(|c| flags::of_treatment(c, t)).expect("flags")
}

fn flag_by_rule(app: &TestApp, t: TreatmentId, rule: RuleId) -> flags::Flag {
    flags_of(app, t)
        .into_iter()
        .find(|f| f.rule_id == rule)
        .expect("flag of the rule")
}

/// The `<select name="outcome">`'s chosen value on a page, if any.
fn selected_outcome(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("select#outcome option[selected]").expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_string))
}

#[tokio::test]
async fn resolving_needs_an_outcome_and_stores_it_on_the_flag_its_event_and_the_page() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in("doc@bright.example", PASSWORD).await;
    let flag = flag_by_rule(app, f.treatment, RuleId::U1);
    let page = format!("/clinic/flags/{}", flag.reference);
    let action = format!("/clinic/flags/{}/resolve", flag.reference);

    // The page offers the eight outcomes, none chosen.
    let (status, html) = app.get_html(&page).await;
    assert_eq!(status, 200);
    for o in Outcome::ALL {
        assert!(
            html.contains(&format!("<option value=\"{}\"", o.as_str())),
            "{o} offered"
        );
        assert!(html.contains(o.label()));
    }
    assert_eq!(selected_outcome(&html), None);

    // No outcome: an inline error, the note kept, nothing changed.
    let note = "Called: fever since this morning; GP appointment today";
    let r = app.submit(&page, &action, &[("note", note)]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"outcome-error\""), "{html}");
    assert!(html.contains("Choose what came of this flag"));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"outcome-error"));
    assert!(html.contains(note), "the note is kept");
    assert!(!html.contains("id=\"note-error\""));

    // An outcome that is not one of the eight: the same, with its own words.
    let r = app
        .submit(&page, &action, &[("outcome", "cured"), ("note", note)])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Choose one of the listed outcomes"));
    assert!(html.contains(note));

    // An outcome without a note: the outcome is kept, the note asked for.
    let r = app
        .submit(&page, &action, &[("outcome", "treated_infection"), ("note", " ")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"note-error\""));
    assert!(!html.contains("id=\"outcome-error\""));
    assert_eq!(selected_outcome(&html).as_deref(), Some("treated_infection"));

    let unchanged = flag_by_rule(app, f.treatment, RuleId::U1);
    assert_eq!(unchanged.state, FlagState::Open);
    assert_eq!(unchanged.outcome(), None);
    assert!(app.audit("flag.resolve").is_empty());

    // Both given: resolved with its outcome, one audit row, one resolve event.
    let r = app
        .submit(&page, &action, &[("outcome", "treated_infection"), ("note", note)])
        .await;
    assert_eq!(r.status(), 303);
    let done = flag_by_rule(app, f.treatment, RuleId::U1);
    assert_eq!(done.state, FlagState::Resolved);
    assert_eq!(done.outcome(), Some(Outcome::TreatedInfection));
    assert_eq!(done.outcome_text.as_deref(), Some("treated_infection"));
    assert_eq!(done.resolution_note.as_deref(), Some(note));
    let audit = app.audit("flag.resolve");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target.as_deref(), Some(format!("flag:{}", done.id).as_str()));
    assert!(
        !audit[0].detail.contains("infection") && !audit[0].detail.contains("fever"),
        "no clinical detail in the audit row: {}",
        audit[0].detail
    );
    let events = app.db.read(|c| flags::events(c, done.id)).unwrap();
    let resolved: Vec<_> = events.iter().filter(|e| e.kind == FlagEventKind::Resolved).collect();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].outcome(), Some(Outcome::TreatedInfection));
    assert_eq!(resolved[0].detail, note);
    assert!(
        events
            .iter()
            .filter(|e| e.kind != FlagEventKind::Resolved)
            .all(|e| e.outcome().is_none()),
        "only the resolve event carries an outcome"
    );

    // The page shows it, in the facts and in the history.
    let (_, html) = app.get_html(&page).await;
    assert!(
        html.contains("<dt>Outcome</dt><dd>Treated for an infection</dd>"),
        "{html}"
    );
    assert!(html.contains("Resolved: Treated for an infection"));
    assert!(!html.contains("name=\"outcome\""), "no resolve form on a resolved flag");

    // A second resolve changes nothing, not even the outcome.
    let r = app
        .post_raw(
            &action,
            &[("csrf", &csrf_of(&html)), ("outcome", "expected"), ("note", "again")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        flag_by_rule(app, f.treatment, RuleId::U1).outcome(),
        Some(Outcome::TreatedInfection)
    );
    assert_eq!(app.audit("flag.resolve").len(), 1);
}

#[tokio::test]
async fn the_queue_and_patient_page_resolve_forms_carry_the_outcome_too() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in("doc@bright.example", PASSWORD).await;
    let flag = flag_by_rule(app, f.treatment, RuleId::R5);
    // The queue works a patient's flags together: "Resolve all…" asks for one outcome.
    let (_, html) = app
        .get_html(&format!("/clinic/patients/{}/resolve-all", flag.patient_id))
        .await;
    assert!(
        html.contains("id=\"outcome\" name=\"outcome\""),
        "the queue's resolve-all form asks for the outcome"
    );
    let id = format!("id=\"outcome-{}\" name=\"outcome\"", flag.reference);
    let patient_page = format!("/clinic/patients/{}", flag.patient_id);
    let (_, html) = app.get_html(&patient_page).await;
    assert!(html.contains(&id), "so does the patient's page, flag by flag");

    // Submitted from the patient's page without an outcome: the flag's page with the error.
    let r = app
        .submit(
            &patient_page,
            &format!("/clinic/flags/{}/resolve", flag.reference),
            &[("note", "Itch settling with antihistamine")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Choose what came of this flag"));
    assert!(html.contains("Itch settling with antihistamine"));

    let r = app
        .submit(
            &patient_page,
            &format!("/clinic/flags/{}/resolve", flag.reference),
            &[("outcome", "self_care"), ("note", "Itch settling with antihistamine")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/clinic/patients/"));
    assert_eq!(
        flag_by_rule(app, f.treatment, RuleId::R5).outcome(),
        Some(Outcome::SelfCare)
    );
}

#[tokio::test]
async fn the_flags_export_ends_with_the_outcome_column_and_keeps_the_earlier_order() {
    let f = fixture().await;
    let app = &f.app;
    // Admins resolve flags too, and only they export.
    app.sign_in("admin@bright.example", PASSWORD).await;
    let urgent = flag_by_rule(app, f.treatment, RuleId::U1);
    let review = flag_by_rule(app, f.treatment, RuleId::R5);
    let r = app
        .submit(
            &format!("/clinic/flags/{}", urgent.reference),
            &format!("/clinic/flags/{}/resolve", urgent.reference),
            &[("outcome", "seen_in_clinic"), ("note", "Seen today; no infection")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app.get("/clinic/export?from=2026-03-01&to=2026-03-02&kind=flags").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let mut lines = body.split("\r\n");
    // The column order is a public contract: the new column comes last.
    assert_eq!(
        lines.next().unwrap(),
        "reference,patient_id,treatment_id,checkin_id,rule_id,severity,state,reason,occurrences,\
         rules_version_id,raised_at_utc,last_seen_at_utc,acknowledged_at_utc,acknowledged_by_staff_id,\
         resolved_at_utc,resolved_by_staff_id,resolution_note,escalated_at_utc,outcome"
    );
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "{body}");
    let row_of = |reference: &str| *rows.iter().find(|l| l.starts_with(reference)).expect("the flag's row");
    let resolved = row_of(&urgent.reference);
    assert!(
        resolved.ends_with(",Seen today; no infection,,seen_in_clinic"),
        "{resolved}"
    );
    assert!(resolved.contains(",U1,urgent,resolved,"));
    let open = row_of(&review.reference);
    assert!(open.ends_with(",,"), "unresolved: empty outcome: {open}");
    assert!(open.contains(",R5,review,open,"));
}
