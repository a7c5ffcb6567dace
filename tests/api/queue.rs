//! Issue 13, item 2: the queue by patient. One card per patient with open or
//! acknowledged flags (highest severity, how many, their reasons, the day of
//! the latest check-in, photos), urgent first and oldest first within each;
//! "Acknowledge all" and "Resolve all…" work every flag through the
//! per-flag use case (its own state, event and audit row); the urgent email
//! lists only the urgent items as needing a call.

use crate::support::app::*;
use aftercare::db::flags;
use aftercare::domain::*;
use chrono::Duration;
use std::time::Duration as StdDuration;

const DOC: &str = "doc@bright.example";

fn fever() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.fever = true;
    a.temperature = Some(Temperature::from_celsius(39.1));
    a
}

fn itchy() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.itch = 8;
    a
}

fn pimples() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.pimples = true;
    a
}

/// Fever and itch 8 in one check-in: an urgent and a review flag.
fn fever_and_itch() -> CheckInAnswers {
    let mut a = fever();
    a.itch = 8;
    a
}

fn flags_of(app: &TestApp, t: TreatmentId) -> Vec<flags::Flag> {
    let mut f = app.db.read(|c| flags::of_treatment(c, t)).expect("flags");
    f.sort_by_key(|f| f.id.0);
    f
}

/// Each card's (patient id, data-severity, reason words) top to bottom.
fn cards(html: &str) -> Vec<(i64, String, Vec<String>)> {
    let doc = scraper::Html::parse_document(html);
    let card = scraper::Selector::parse("ol.queue-patients > li").unwrap();
    let reason = scraper::Selector::parse("ul.reasons a").unwrap();
    doc.select(&card)
        .map(|c| {
            let v = c.value();
            let words = c
                .select(&reason)
                .map(|a| {
                    // The severity is read out first for screen readers; the visible words follow.
                    let t: String = a.text().collect();
                    t.rsplit(": ").next().unwrap_or("").to_string()
                })
                .collect();
            (
                v.attr("data-patient").unwrap().parse().unwrap(),
                v.attr("data-severity").unwrap().to_string(),
                words,
            )
        })
        .collect()
}

fn text_of(html: &str, css: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" | ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn one_card_per_patient_urgent_first_oldest_first_counting_patients_and_flags() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other Clinic", "UTC");
    app.create_staff(clinic, DOC, Role::Clinician);
    app.create_staff(other, "doc@other.example", Role::Clinician);
    let mut pt = Vec::new();
    for (i, name) in ["Ann Info", "Ben Both", "Cy Review", "Di Urgent", "Ed Late"]
        .iter()
        .enumerate()
    {
        let p = app.create_patient(clinic, &format!("p{i}@example.org"), name);
        let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
        pt.push((p, t));
    }
    let step = |app: &TestApp| app.clock.advance(Duration::minutes(10));
    // Ed's review flag is the oldest flag of all; his urgent one the newest.
    app.record_checkin(pt[4].1, date("2026-03-01"), &itchy());
    step(&app);
    app.record_checkin(pt[0].1, date("2026-03-02"), &pimples());
    step(&app);
    app.record_checkin(pt[1].1, date("2026-03-02"), &fever_and_itch());
    step(&app);
    app.record_checkin(pt[2].1, date("2026-03-02"), &itchy());
    step(&app);
    app.record_checkin(pt[3].1, date("2026-03-02"), &fever());
    step(&app);
    app.record_checkin(pt[4].1, date("2026-03-02"), &fever());
    assert_eq!(flags_of(&app, pt[1].1).len(), 2, "fever and itch: two flags for Ben");
    assert_eq!(flags_of(&app, pt[4].1).len(), 2, "itch, then fever: two flags for Ed");

    app.sign_in(DOC, PASSWORD).await;
    let (status, html) = app.get_html("/clinic").await;
    assert_eq!(status, 200);
    let got = cards(&html);
    let order: Vec<i64> = got.iter().map(|c| c.0).collect();
    // Urgent: Ben (oldest urgent), Di, Ed (his urgent is newest, whatever his
    // review's age); then review: Cy; then info: Ann.
    assert_eq!(
        order,
        [1, 3, 4, 2, 0].iter().map(|i| pt[*i].0 .0).collect::<Vec<_>>(),
        "{got:?}"
    );
    let sev: Vec<&str> = got.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(sev, ["urgent", "urgent", "urgent", "review", "info"]);
    // Ben's card: both flags, urgent first, in plain words.
    assert_eq!(got[0].2, vec!["fever".to_string(), "itch".to_string()]);
    let ben = text_of(&html, &format!("li[data-patient=\"{}\"]", pt[1].0));
    assert!(ben.contains("2 flags (1 urgent, 1 review)"), "{ben}");
    assert!(ben.contains("Last check-in: day 10"), "{ben}");
    assert!(ben.contains("Ben Both") && ben.contains("Acknowledge all") && ben.contains("Resolve all"));
    // The counts: patients and flags, in all and by severity.
    let total = text_of(&html, ".queue-total");
    assert_eq!(total, "5 patients with 7 open or acknowledged flags");
    let counts = text_of(&html, "ul.counts a");
    assert_eq!(
        counts,
        "Urgent 3 patients · 3 flags | Review 3 patients · 3 flags | Info 1 patient · 1 flag"
    );

    // The severity filter shows the patients with flags of that severity,
    // and only those flags; the counts stay those of all the work.
    let (_, html) = app.get_html("/clinic?severity=review").await;
    let got = cards(&html);
    assert_eq!(
        got.iter().map(|c| c.0).collect::<Vec<_>>(),
        [4, 1, 2].iter().map(|i| pt[*i].0 .0).collect::<Vec<_>>(),
        "review: oldest first"
    );
    assert!(got.iter().all(|c| c.1 == "review" && c.2 == vec!["itch".to_string()]));
    assert_eq!(text_of(&html, ".queue-total"), total);
    let (_, html) = app.get_html("/clinic?state=resolved").await;
    assert!(cards(&html).is_empty());

    // Another clinic sees none of it.
    let b = app.browser();
    assert_eq!(sign_in_on(&app, &b.client, "doc@other.example", PASSWORD).await, 303);
    let html = b
        .client
        .get(app.url("/clinic"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(cards(&html).is_empty());
    assert!(!html.contains("Ben Both"));
    assert!(text_of(&html, ".queue-total").starts_with("0 patients with 0"));
}

/// A patient's flags of one severity count once on the card whether they
/// are open or acknowledged (the queue reads each state apart and merges).
#[actix_web::test]
async fn open_and_acknowledged_flags_of_one_severity_count_together() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let doc = app.create_staff(clinic, DOC, Role::Clinician);
    let p = app.create_patient(clinic, "p@example.org", "Fay Mixed");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
    app.record_checkin(t, date("2026-03-01"), &itchy());
    app.clock.advance(Duration::minutes(10));
    let mut rash = fever();
    rash.rash_outside = true;
    app.record_checkin(t, date("2026-03-02"), &rash);
    let all = flags_of(&app, t);
    assert_eq!(all.len(), 3, "itch, then fever and a rash: {all:?}");
    assert_eq!(all[0].rule_id, RuleId::R5, "{all:?}");
    let first = all[0].id;
    let now = app.clock_now().naive_utc();
    assert!(app
        .db
        .write(move |c| flags::acknowledge(c, first, doc, now))
        .expect("ack"));

    app.sign_in(DOC, PASSWORD).await;
    let (status, html) = app.get_html("/clinic").await;
    assert_eq!(status, 200);
    let card = text_of(&html, &format!("li[data-patient=\"{p}\"]"));
    assert!(card.contains("3 flags (1 urgent, 2 review)"), "{card}");
    assert_eq!(
        text_of(&html, ".queue-total"),
        "1 patient with 3 open or acknowledged flags"
    );
    // Acknowledged only: the older review flag alone.
    let (_, html) = app.get_html("/clinic?state=acknowledged").await;
    let card = text_of(&html, &format!("li[data-patient=\"{p}\"]"));
    assert!(card.contains("1 flag (1 review)"), "{card}");
}

/// The fields a browser sends from the form posting to `action` on `page`.
async fn form_on(app: &TestApp, page: &str, action: &str) -> Vec<(String, String)> {
    let (status, html) = app.get_html(page).await;
    assert_eq!(status, 200, "{page}");
    form_values(&html, action)
}

async fn post(app: &TestApp, action: &str, fields: &[(String, String)]) -> reqwest::Response {
    app.client
        .post(app.url(action))
        .form(fields)
        .send()
        .await
        .expect("POST")
}

fn set(fields: &mut Vec<(String, String)>, k: &str, v: &str) {
    fields.retain(|(n, _)| n != k);
    fields.push((k.to_string(), v.to_string()));
}

#[tokio::test]
async fn acknowledge_all_and_resolve_all_work_each_flag_with_its_own_history_and_audit_row() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other Clinic", "UTC");
    app.create_staff(clinic, DOC, Role::Clinician);
    app.create_staff(other, "doc@other.example", Role::Clinician);
    let p = app.create_patient(clinic, "pat@example.org", "Pat Lee");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
    let q = app.create_patient(clinic, "quinn@example.org", "Quinn Other");
    let tq = app.create_treatment(q, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
    app.record_checkin(t, date("2026-03-01"), &itchy());
    app.clock.advance(Duration::minutes(5));
    app.record_checkin(t, date("2026-03-02"), &fever());
    app.record_checkin(tq, date("2026-03-02"), &fever());
    let mine = flags_of(&app, t);
    assert_eq!(mine.len(), 2);
    let quinns = flags_of(&app, tq);

    app.sign_in(DOC, PASSWORD).await;
    let ack = format!("/clinic/patients/{p}/acknowledge-all");
    let fields = form_on(&app, "/clinic", &ack).await;

    // Another clinic's staff: the patient does not exist for them.
    let b = app.browser();
    assert_eq!(sign_in_on(&app, &b.client, "doc@other.example", PASSWORD).await, 303);
    let csrf = csrf_on(&app, &b.client, "/clinic").await;
    let mut theirs = fields.clone();
    set(&mut theirs, "csrf", &csrf);
    let r = b.client.post(app.url(&ack)).form(&theirs).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = b
        .client
        .get(app.url(&format!("/clinic/patients/{p}/resolve-all")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Another patient's flag slipped into the list: refused, nothing changes.
    let mut mixed = fields.clone();
    let refs = fields.iter().find(|(k, _)| k == "flags").unwrap().1.clone();
    set(&mut mixed, "flags", &format!("{refs} {}", quinns[0].reference));
    assert_eq!(post(&app, &ack, &mixed).await.status(), 404);
    assert!(flags_of(&app, t).iter().all(|f| f.state == FlagState::Open));
    assert!(app.audit("flag.acknowledge").is_empty());

    // Acknowledge all: each flag, with who and when, its event and its audit row.
    app.clock.advance(Duration::minutes(3));
    let r = post(&app, &ack, &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/clinic?severity=&state=unresolved&page=1&notice=acknowledged-all"
    );
    let now = flags_of(&app, t);
    assert!(now
        .iter()
        .all(|f| f.state == FlagState::Acknowledged && f.acknowledged_by.is_some()));
    assert_eq!(flags_of(&app, tq)[0].state, FlagState::Open, "Quinn's flag untouched");
    let audit = app.audit("flag.acknowledge");
    let mut targets: Vec<String> = audit.iter().filter_map(|a| a.target.clone()).collect();
    targets.sort();
    let mut expected: Vec<String> = mine.iter().map(|f| format!("flag:{}", f.id)).collect();
    expected.sort();
    assert_eq!(targets, expected, "one audit row per flag");
    for f in &mine {
        let events = app.db.read(|c| flags::events(c, f.id)).unwrap();
        let kinds: Vec<FlagEventKind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![FlagEventKind::Raised, FlagEventKind::Acknowledged]);
    }
    // The same form again changes nothing and writes nothing.
    assert_eq!(post(&app, &ack, &fields).await.status(), 303);
    assert_eq!(app.audit("flag.acknowledge").len(), 2);

    // Resolve all…: a page listing the flags, one note for them all.
    let page = format!("/clinic/patients/{p}/resolve-all?back=%2Fclinic");
    let action = format!("/clinic/patients/{p}/resolve-all");
    let mut resolve = form_on(&app, &page, &action).await;
    // A flag raised after the page was drawn is not resolved unseen.
    app.clock.advance(Duration::minutes(2));
    app.record_checkin(t, date("2026-03-02"), &{
        let mut a = fever();
        a.pimples = true;
        a
    });
    let after = flags_of(&app, t);
    assert_eq!(after.len(), 3, "pimples: a new info flag");
    let newest = after
        .iter()
        .find(|f| !mine.iter().any(|m| m.id == f.id))
        .unwrap()
        .clone();

    set(&mut resolve, "note", "   ");
    let r = post(&app, &action, &resolve).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Write a short note") && html.contains("Choose what came of this flag"));
    assert!(app.audit("flag.resolve").is_empty());
    // One outcome for them all; the note without it is kept.
    set(&mut resolve, "note", "Called Pat: antipyretics, seen tomorrow");
    let r = post(&app, &action, &resolve).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("antipyretics, seen tomorrow</textarea>"));
    set(&mut resolve, "outcome", "seen_in_clinic");
    let r = post(&app, &action, &resolve).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/clinic?notice=resolved-all-new"
    );
    for f in flags_of(&app, t) {
        if f.id == newest.id {
            assert_eq!(f.state, FlagState::Open, "raised since: left for a look");
        } else {
            assert_eq!(f.state, FlagState::Resolved);
            assert_eq!(
                f.resolution_note.as_deref(),
                Some("Called Pat: antipyretics, seen tomorrow")
            );
            assert_eq!(f.outcome(), Some(Outcome::SeenInClinic), "each flag keeps the outcome");
            let events = app.db.read(|c| flags::events(c, f.id)).unwrap();
            assert_eq!(events.last().unwrap().kind, FlagEventKind::Resolved);
        }
    }
    let audit = app.audit("flag.resolve");
    assert_eq!(audit.len(), 2, "one per flag resolved");
    assert!(
        audit.iter().all(|a| !a.detail.contains("antipyretics")),
        "no note in the audit log"
    );

    // The single-flag actions stay on the flag and patient pages.
    let (_, html) = app.get_html(&format!("/clinic/flags/{}", newest.reference)).await;
    assert!(html.contains(&format!("/clinic/flags/{}/acknowledge", newest.reference)));
    let (_, html) = app.get_html(&format!("/clinic/patients/{p}")).await;
    assert!(html.contains(&format!("/clinic/flags/{}/resolve", newest.reference)));
    // The queue card shows what is left: one info flag.
    let (_, html) = app.get_html("/clinic").await;
    let card = text_of(&html, &format!("li[data-patient=\"{p}\"]"));
    assert!(card.contains("1 flag (1 info)"), "{card}");
}

#[tokio::test]
async fn an_urgent_email_lists_only_the_urgent_items_and_counts_review_items_apart() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let p = app.create_patient(clinic, "zelda@example.org", "Zelda Quince");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
    app.record_checkin(t, date("2026-03-02"), &fever_and_itch());
    let fl = flags_of(&app, t);
    let urgent = fl.iter().find(|f| f.severity == Severity::Urgent).unwrap();
    let review = fl.iter().find(|f| f.severity == Severity::Review).unwrap();

    app.drain_outbox().await;
    let got = smtp.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "one email for the check-in");
    let m = &got[0];
    assert_eq!(m.subject.as_deref(), Some("Urgent: a patient needs a same-day call"));
    let text = m.decoded_text();
    let html = m.decoded_html();
    for body in [&text, &html] {
        assert!(body.contains(&urgent.reference), "the urgent item is listed");
        assert!(
            !body.contains(&review.reference),
            "the review item is not listed as a call"
        );
        assert!(body.contains("Also 1 item for review (no call needed)"), "{body}");
        for secret in ["Zelda", "itch", "fever", "example.org"] {
            assert!(!body.contains(secret), "no {secret} in the email");
        }
    }
    assert!(text.contains("has 1 item that needs a call today"), "{text}");
    // The review flag counts as told (no second email, no digest for it).
    assert_eq!(
        app.db.read(|c| flags::get(c, review.id)).unwrap().notified(),
        Some(Severity::Review)
    );

    // A review-only check-in: a review alert listing it, with no extra line.
    app.clock.advance(Duration::days(1));
    let q = app.create_patient(clinic, "rev@example.org", "Rev Only");
    let tq = app.create_treatment(q, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
    app.record_checkin(tq, date("2026-03-03"), &itchy());
    app.drain_outbox().await;
    let got = smtp.wait_for(2, StdDuration::from_secs(5)).await;
    let r = &got[1];
    assert_eq!(r.subject.as_deref(), Some("New item for review"));
    assert!(r.decoded_text().contains(&flags_of(&app, tq)[0].reference));
    assert!(!r.decoded_text().contains("Also"));
}
