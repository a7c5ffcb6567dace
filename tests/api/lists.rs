//! Issue 13 items 6 and 8: the patient list's filters and order, the rules
//! page in plain words, and the audit log in plain words with its filters,
//! pages and CSV.

use crate::dashboard::{post_form, set};
use crate::support::app::*;
use aftercare::app::onboarding;
use aftercare::db::audit::Actor;
use aftercare::domain::*;
use chrono::Duration;

const ADMIN: &str = "ada@bright.example";
const DOC: &str = "doc@bright.example";

/// The patient names in the list, top to bottom.
fn names_in(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("table tbody tr td:first-child a").expect("selector");
    doc.select(&sel).map(|e| e.text().collect::<String>()).collect()
}

fn urgent() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.fever = true;
    a.temperature = Some(Temperature::from_celsius(39.2));
    a
}

fn review() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.itch = 8;
    a
}

#[tokio::test]
async fn the_patient_list_filters_by_open_flags_overdue_and_invited_with_urgent_first() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other", "Europe/London");
    app.create_staff(clinic, DOC, Role::Clinician);
    // Today is Mon 2 Mar 2026 (day 3 of a 27 Feb treatment; day 2 was due).
    let zed = app.create_patient(clinic, "zed@example.org", "Zed Urgent");
    let t = app.create_treatment(zed, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    app.record_checkin(t, date("2026-03-02"), &urgent());
    let rita = app.create_patient(clinic, "rita@example.org", "Rita Review");
    let t = app.create_treatment(rita, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    app.record_checkin(t, date("2026-03-02"), &review());
    // Olly accepted his invite before his treatment (overdue counts from then).
    let today = app.clock_now();
    app.clock.set(today - chrono::Duration::days(10));
    let olly = app.create_patient(clinic, "olly@example.org", "Olly Overdue");
    app.clock.set(today);
    app.create_treatment(olly, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    let abe = app.create_patient(clinic, "abe@example.org", "Abe Calm");
    let t = app.create_treatment(abe, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    app.record_checkin(t, date("2026-03-02"), &CheckInAnswers::calm());
    let input = onboarding::PatientInput {
        clinic,
        email: EmailAddress::parse("ivy@example.org").unwrap(),
        name: "Ivy Invited".into(),
        skin_type: None,
        cold_sores: false,
        phone: None,
        language: aftercare::domain::Lang::En,
    };
    let now = app.clock_now();
    app.db
        .write(|c| onboarding::create_patient(c, &input, None, now, &app.address, &Actor::system("test")))
        .unwrap();
    // Elsewhere: never listed.
    let x = app.create_patient(other, "xena@example.org", "Xena Elsewhere");
    let t = app.create_treatment(x, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    app.record_checkin(t, date("2026-03-02"), &urgent());

    app.sign_in(DOC, PASSWORD).await;
    let list = |show: &'static str| {
        let app = &app;
        async move {
            let (status, html) = app.get_html(&format!("/clinic/patients?show={show}")).await;
            assert_eq!(status, 200, "{show}");
            html
        }
    };
    // Everyone: the open urgent flag first, then by name; rows show open
    // flags and the last check-in.
    let html = list("").await;
    assert_eq!(
        names_in(&html),
        ["Zed Urgent", "Abe Calm", "Ivy Invited", "Olly Overdue", "Rita Review"]
    );
    assert!(html.contains("1 urgent") && html.contains("1 review"));
    assert!(html.contains("Invited, not active"));
    assert!(html.contains("Check-in overdue"));
    assert!(html.contains("Mon 2 Mar 2026, 10:00"), "last check-in shown");
    assert!(html.contains("aria-current=\"page\">Everyone"));

    let html = list("flags").await;
    assert_eq!(names_in(&html), ["Zed Urgent", "Rita Review"]);
    assert!(html.contains("2 patients"));
    let html = list("overdue").await;
    assert_eq!(names_in(&html), ["Olly Overdue"]);
    let html = list("invited").await;
    assert_eq!(names_in(&html), ["Ivy Invited"]);
    assert!(html.contains("aria-current=\"page\">Invited, not active"));
    // The search still works, alone and with a filter (kept in the form).
    let (_, html) = app.get_html("/clinic/patients?q=rita").await;
    assert_eq!(names_in(&html), ["Rita Review"]);
    let (_, html) = app.get_html("/clinic/patients?show=flags&q=zed").await;
    assert_eq!(names_in(&html), ["Zed Urgent"]);
    assert!(html.contains("name=\"show\" value=\"flags\""));
    let (_, html) = app.get_html("/clinic/patients?show=invited&q=zed").await;
    assert!(names_in(&html).is_empty());
    assert!(html.contains("No patient in this list"));
    // An unknown filter shows everyone.
    let (status, html) = app.get_html("/clinic/patients?show=nonsense").await;
    assert_eq!(status, 200);
    assert_eq!(names_in(&html).len(), 5);
}

#[tokio::test]
async fn urgent_patients_come_first_across_pages() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, DOC, Role::Clinician);
    for i in 0..30 {
        app.create_patient(clinic, &format!("p{i:02}@example.org"), &format!("Calm {i:02}"));
    }
    let z = app.create_patient(clinic, "zz@example.org", "Zz Urgent");
    let t = app.create_treatment(z, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    app.record_checkin(t, date("2026-03-02"), &urgent());
    app.sign_in(DOC, PASSWORD).await;
    let (_, one) = app.get_html("/clinic/patients").await;
    let (_, two) = app.get_html("/clinic/patients?page=2").await;
    let one = names_in(&one);
    let two = names_in(&two);
    assert_eq!(one.len(), 25);
    assert_eq!(one[0], "Zz Urgent");
    assert_eq!(one[1], "Calm 00");
    assert_eq!(two.first().map(String::as_str), Some("Calm 24"));
    assert_eq!(two.len(), 6);
    let mut all: Vec<String> = one.into_iter().chain(two).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 31, "every patient once");
}

#[tokio::test]
async fn the_rules_page_speaks_plainly_in_collapsed_groups_with_each_default() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.sign_in(ADMIN, PASSWORD).await;
    let (status, html) = app.get_html("/clinic/settings/rules").await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let groups: Vec<String> = doc
        .select(&sel("details.rules-group > summary"))
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(groups[0].starts_with("Fever and infection"), "{groups:?}");
    assert!(groups.iter().any(|g| g.starts_with("Eyes")));
    assert!(groups.iter().any(|g| g.starts_with("Expected recovery: ")));
    assert!(groups.iter().all(|g| g.contains("as the defaults")), "{groups:?}");
    assert_eq!(
        doc.select(&sel("details.rules-group[open]")).count(),
        0,
        "all collapsed"
    );
    // Plain words first; the rule id only as a tag.
    let fever = doc.select(&sel("label[for=fever_threshold_c]")).next().unwrap();
    assert_eq!(fever.text().collect::<String>(), "Fever at or above (°C) U1");
    assert!(html.contains("Watch for: a change in vision or eye pain <span class=\"tag\">U4</span>"));
    assert!(!html.contains("U5/U6:"), "no rule id leads a label");
    assert!(html.contains("Default: 38.0"));
    // The vision switch sits with the eyes, beside its values.
    let eyes = doc
        .select(&sel("details.rules-group"))
        .find(|d| {
            d.select(&sel("summary"))
                .next()
                .unwrap()
                .text()
                .collect::<String>()
                .starts_with("Eyes")
        })
        .unwrap();
    assert!(eyes.html().contains("name=\"rule.U4.enabled\""));

    // A changed value is counted on its closed group; a bad one opens it.
    let mut fields = form_values(&html, "/clinic/settings/rules");
    set(&mut fields, "itch_high", "8");
    assert_eq!(post_form(&app, "/clinic/settings/rules", &fields).await.status(), 303);
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    assert!(html.contains("Itch, rash and spots <span class=\"muted\">· 1 changed from the default</span>"));
    set(&mut fields, "itch_high", "eleven");
    let r = post_form(&app, "/clinic/settings/rules", &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let open: Vec<String> = doc
        .select(&sel("details.rules-group[open] > summary"))
        .map(|e| e.text().collect::<String>())
        .collect();
    assert_eq!(open.len(), 1);
    assert!(open[0].starts_with("Itch"), "{open:?}");
}

/// The audit log's rows as shown: "Who what".
fn sentences(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("ol.audit-list li p:first-child").expect("selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[tokio::test]
async fn the_audit_log_reads_plainly_filters_pages_and_downloads_as_csv() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "America/New_York");
    let other = app.create_clinic("Other", "Europe/London");
    let admin = app.create_staff(clinic, ADMIN, Role::Admin);
    app.create_staff(clinic, DOC, Role::Clinician);
    app.create_staff(other, "admin@other.example", Role::Admin);
    let pat = app.create_patient(clinic, "pat@example.org", "Pat Lee");
    let sam = app.create_patient(clinic, "sam@example.org", "Sam Roe");
    let t = app.create_treatment(pat, ProcedureClass::AblativeFractional, date("2026-02-27"), "other");
    app.record_checkin(t, date("2026-03-02"), &urgent());

    // The clinician opens Pat's record and a flag; the next day, Sam's record.
    let doc_browser = app.browser();
    sign_in_on(&app, &doc_browser.client, DOC, PASSWORD).await;
    let get = |path: String| {
        let c = doc_browser.client.clone();
        let url = app.url(&path);
        async move { assert_eq!(c.get(url).send().await.unwrap().status(), 200, "{path}") }
    };
    get(format!("/clinic/patients/{pat}")).await;
    let flag = app
        .db
        .read(|c| aftercare::db::flags::of_treatment(c, t))
        .unwrap()
        .remove(0);
    get(format!("/clinic/flags/{}", flag.reference)).await;
    app.clock.advance(Duration::days(1));
    // (A day later the session has timed out: sign in again.)
    sign_in_on(&app, &doc_browser.client, DOC, PASSWORD).await;
    get(format!("/clinic/patients/{sam}")).await;

    // Admins only.
    assert_eq!(
        doc_browser
            .client
            .get(app.url("/clinic/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        doc_browser
            .client
            .get(app.url("/clinic/audit.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    app.sign_in(ADMIN, PASSWORD).await;
    let (status, html) = app.get_html("/clinic/audit").await;
    assert_eq!(status, 200);
    let lines = sentences(&html);
    let doc_name = format!("Staff {DOC}");
    assert!(
        lines.contains(&format!("{doc_name} viewed Sam Roe's record patient.view")),
        "{lines:?}"
    );
    assert!(lines.contains(&format!("{doc_name} viewed Pat Lee's record patient.view")));
    assert!(lines.contains(&format!("{doc_name} viewed a flag of Pat Lee flag.view")));
    assert!(lines.contains(&format!("Staff {ADMIN} signed in signin.success")));
    // Clinic-local times (New York, UTC-5): 10:00 UTC is 05:00 there.
    assert!(html.contains("Mon 2 Mar 2026, 05:00"), "local time");
    assert!(html.contains("America/New_York"));
    assert!(
        !html.contains("admin@other.example"),
        "another clinic's staff is not offered"
    );

    // Filters: patient, person, action, dates.
    let (_, html) = app.get_html(&format!("/clinic/audit?patient={pat}")).await;
    let lines = sentences(&html);
    assert!(lines.iter().all(|l| l.contains("Pat Lee")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("a flag of Pat Lee")),
        "flag rows count for the patient"
    );
    let doc_staff = app
        .db
        .read(|c| aftercare::db::accounts::by_email(c, &EmailAddress::parse(DOC).unwrap()))
        .unwrap()
        .unwrap();
    let doc_staff = app
        .db
        .read(|c| aftercare::db::accounts::staff_by_account(c, doc_staff.id))
        .unwrap()
        .unwrap();
    let (_, html) = app
        .get_html(&format!("/clinic/audit?person={}&action=patient.view", doc_staff.id))
        .await;
    assert_eq!(
        sentences(&html),
        [
            format!("{doc_name} viewed Sam Roe's record patient.view"),
            format!("{doc_name} viewed Pat Lee's record patient.view")
        ]
    );
    let (_, html) = app
        .get_html("/clinic/audit?action=patient.view&from=2026-03-03&to=2026-03-03")
        .await;
    assert_eq!(
        sentences(&html),
        [format!("{doc_name} viewed Sam Roe's record patient.view")]
    );
    let (_, html) = app
        .get_html(&format!("/clinic/audit?person={admin}&patient={sam}"))
        .await;
    assert!(sentences(&html).is_empty());
    // Bad filters: inline errors, kept, status 422.
    for bad in [
        "from=yesterday",
        "action=drop.tables",
        "person=99999",
        "from=2026-03-05&to=2026-03-01",
    ] {
        let (status, html) = app.get_html(&format!("/clinic/audit?{bad}")).await;
        assert_eq!(status, 422, "{bad}");
        assert!(html.contains("Please check these filters"), "{bad}");
    }
    let (status, html) = app.get_html("/clinic/audit?before=notanumber").await;
    assert_eq!(status, 200, "a cursor that is not a row id starts at the newest");
    assert!(!sentences(&html).is_empty());

    // Pages: 60 more views, then newer/older links walk them without gaps.
    for _ in 0..60 {
        app.clock.advance(Duration::seconds(1));
        get(format!("/clinic/patients/{pat}")).await;
    }
    let (_, first) = app.get_html("/clinic/audit?action=patient.view").await;
    assert_eq!(sentences(&first).len(), 50);
    assert!(!first.contains("Newer entries"));
    let older = scraper::Html::parse_document(&first)
        .select(&scraper::Selector::parse("a[rel=next]").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("an older-entries link");
    assert!(older.contains("action=patient.view") && older.contains("before="));
    let (_, second) = app.get_html(&older).await;
    assert_eq!(sentences(&second).len(), 62 - 50, "the rest of the 62 views");
    let newer = scraper::Html::parse_document(&second)
        .select(&scraper::Selector::parse("a[rel=prev]").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("a newer-entries link");
    let (_, back) = app.get_html(&newer).await;
    assert_eq!(sentences(&back), sentences(&first));

    // CSV: the filtered rows, oldest first, with their words; the download is audited.
    let exports = app.audit("export").len();
    let r = app.get(&format!("/clinic/audit.csv?patient={sam}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let body = r.text().await.unwrap();
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("at_utc,at_local,actor,actor_name,action,description,target,patient_id,patient_name,ip,detail")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "Sam's enrolment and the view: {body}");
    assert!(rows[0].contains("patient.create"));
    assert!(
        rows[1].starts_with("2026-03-03T10:00:00Z,2026-03-03 05:00:00,"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains(&format!(
        "{doc_name},patient.view,viewed Sam Roe's record,patient:{sam},{sam},Sam Roe"
    )));
    let audited = app.audit("export");
    assert_eq!(audited.len(), exports + 1);
    assert_eq!(audited.last().unwrap().detail, format!("kind=audit patient={sam}"));
    let r = app.get("/clinic/audit.csv?from=nope").await;
    assert_eq!(r.status(), 422);
    // A large download pages through the database (over 500 rows).
    for _ in 0..520 {
        get(format!("/clinic/patients/{pat}")).await;
    }
    let body = app
        .get("/clinic/audit.csv?action=patient.view")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body.lines().count(), 1 + 62 + 520);
}

/// Issue 19: the search finds the start of a name, of any word of it, or of
/// the email or its domain, whatever the case, in the clinic only. A text
/// inside a word is not looked for: no index answers that, so it would read
/// every patient of the clinic on each search.
#[tokio::test]
async fn the_search_finds_the_start_of_a_name_a_word_or_an_email_in_the_clinic_only() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other", "Europe/London");
    app.create_staff(clinic, DOC, Role::Clinician);
    app.create_patient(clinic, "ava.okafor@example.org", "Ava Okafor");
    app.create_patient(clinic, "ben@bright.example", "Ben O'Neil-Smith");
    app.create_patient(clinic, "elodie@example.org", "Élodie Durand");
    app.create_patient(clinic, "dev.patel@mail.example", "Dev Patel");
    app.create_patient(other, "ava@other.example", "Ava Elsewhere");
    app.sign_in(DOC, PASSWORD).await;
    let found = |q: &'static str| {
        let app = &app;
        async move {
            let (status, html) = app.get_html(&format!("/clinic/patients?q={q}")).await;
            assert_eq!(status, 200, "{q}");
            (names_in(&html), html)
        }
    };
    for (q, want) in [
        ("oka", vec!["Ava Okafor"]),
        ("OKAFOR", vec!["Ava Okafor"]),
        ("ava", vec!["Ava Okafor"]),
        ("ava+oka", vec!["Ava Okafor"]),
        ("++Ava+++Okafor+", vec!["Ava Okafor"]),
        ("neil", vec!["Ben O'Neil-Smith"]),
        ("smith", vec!["Ben O'Neil-Smith"]),
        ("o%27neil", vec!["Ben O'Neil-Smith"]),
        ("%C3%A9lodie", vec!["Élodie Durand"]),
        ("%C3%89LODIE", vec!["Élodie Durand"]),
        ("dev.patel%40", vec!["Dev Patel"]),
        ("mail.example", vec!["Dev Patel"]),
        ("bright", vec!["Ben O'Neil-Smith"]),
        ("d", vec!["Dev Patel", "Élodie Durand"]),
    ] {
        assert_eq!(found(q).await.0, want, "{q}");
    }
    // Not inside a word, no wildcards, not another clinic's.
    for q in ["kafor", "%25", "_", "elsewhere", "other.example"] {
        let (names, html) = found(q).await;
        assert!(names.is_empty(), "{q}: {names:?}");
        assert!(html.contains("No patient matches"), "{q}");
    }
    let (_, html) = found("oka").await;
    assert!(html.contains("1 patient matching “oka”"), "the count");
    assert!(html.contains("The start of a name, of any word of it, or of the email address."));
}

/// Issue 19: a correction of the name or the email moves the patient in the
/// search at once (the terms are written with the correction).
#[tokio::test]
async fn a_corrected_name_or_email_is_what_the_search_finds() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    let pid = app.create_patient(clinic, "pat.le@exmaple.org", "Pat Le");
    app.sign_in(ADMIN, PASSWORD).await;
    let search = |q: &'static str| {
        let app = &app;
        async move { names_in(&app.get_html(&format!("/clinic/patients?q={q}")).await.1) }
    };
    assert_eq!(search("le").await, ["Pat Le"]);
    let edit = format!("/clinic/patients/{pid}/edit");
    let (_, html) = app.get_html(&edit).await;
    let mut fields = form_values(&html, &edit);
    set(&mut fields, "name", "Pat Morgan-Jones");
    set(&mut fields, "email", "pat.morgan@example.org");
    assert_eq!(post_form(&app, &edit, &fields).await.status(), 303);
    assert_eq!(search("jones").await, ["Pat Morgan-Jones"]);
    assert_eq!(search("pat.morgan%40example").await, ["Pat Morgan-Jones"]);
    assert_eq!(search("example.org").await, ["Pat Morgan-Jones"]);
    assert!(search("exmaple").await.is_empty(), "the old address is gone");
    assert!(search("le").await.is_empty(), "so is the old name's last word");
}

/// Issue 19: the list's count comes from the clinic's row (kept by the
/// database on every enrolment); a search matching more patients than
/// `SEARCH_CAP` says "more than" and pages by name with only its
/// neighbours' links.
#[tokio::test]
async fn counts_follow_enrolments_and_a_broad_search_pages_by_name() {
    let app = spawn_app().await;
    let cap = aftercare::db::dashboard::SEARCH_CAP;
    let (db, now, url) = (app.db.clone(), app.clock_now(), app.address.clone());
    let n = cap as u32 + 10;
    tokio::task::spawn_blocking(move || aftercare::demo::generate(&db, n, 1, now, &url))
        .await
        .unwrap()
        .unwrap();
    app.sign_in(aftercare::demo::ADMIN_EMAIL, aftercare::demo::PASSWORD)
        .await;
    let (_, html) = app.get_html("/clinic/patients").await;
    assert!(html.contains(&format!("{n} patients.")), "the clinic's count");
    let fields = [("name", "Zoe Newcomer"), ("email", "zoe.newcomer@example.org")];
    let r = app
        .submit("/clinic/patients/new", "/clinic/patients/new", &fields)
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_html("/clinic/patients").await;
    assert!(html.contains(&format!("{} patients.", n + 1)), "counted at enrolment");
    let (_, html) = app.get_html("/clinic/patients?q=zoe+new").await;
    assert_eq!(names_in(&html), ["Zoe Newcomer"], "and found");

    // Every demo patient's email starts with "patient".
    let (status, one) = app.get_html("/clinic/patients?q=patient").await;
    assert_eq!(status, 200);
    assert!(one.contains(&format!("More than {cap} patients match “patient”")));
    assert!(!one.contains("Page 1 of"), "no page count to give");
    assert!(one.contains("q=patient&#38;page=2\" rel=\"next\""), "a link to page 2");
    let (_, two) = app.get_html("/clinic/patients?q=patient&page=2").await;
    assert!(two.contains("rel=\"prev\"") && two.contains("rel=\"next\""));
    let (one, two) = (names_in(&one), names_in(&two));
    assert_eq!((one.len(), two.len()), (25, 25));
    let mut sorted = two.clone();
    sorted.sort();
    assert_eq!(two, sorted, "by name");
    assert!(one.last() <= two.first(), "page 2 goes on where page 1 stopped");
}
