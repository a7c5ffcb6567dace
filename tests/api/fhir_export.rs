//! Issue 16: the FHIR Bulk Data export (`$export`, async pattern) and the
//! API tokens that reach it. Runs on SQLite and PostgreSQL: the full flow
//! with a second process taking over mid-export, cancel, `_since`/`_type`,
//! cross-clinic and revoked tokens, a token on a page; every exported
//! resource validated by the two validators.

use crate::fhir::{fixture, references, validate, DOC};
use crate::support::app::*;
use aftercare::domain::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const ADMIN: &str = "admin@bright.example";
const OTHER_ADMIN: &str = "admin@other.example";

fn clinic_of(app: &TestApp, p: PatientId) -> ClinicId {
    app.db
        .read(|c| aftercare::db::patients::get(c, p))
        .expect("read")
        .expect("patient")
        .clinic_id
}

/// An admin of the clinic makes a token on the admin page; returns it.
async fn make_token(app: &TestApp, admin: &str, name: &str) -> String {
    let browser = new_client();
    assert_eq!(sign_in_on(app, &browser, admin, PASSWORD).await, 303);
    let csrf = csrf_on(app, &browser, "/clinic/api-tokens").await;
    let r = browser
        .post(app.url("/clinic/api-tokens"))
        .form(&[("csrf", csrf.as_str()), ("name", name)])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("input#token").expect("selector");
    let token = doc
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("the new token is shown once")
        .to_string();
    // Shown once: the list page never shows it again.
    let list = browser
        .get(app.url("/clinic/api-tokens"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(!list.contains(&token));
    assert!(list.contains(name));
    token
}

fn bearer(req: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
    req.header("Authorization", format!("Bearer {token}"))
}

async fn kick_off(app: &TestApp, token: &str, query: &str) -> String {
    let r = bearer(new_client().get(app.url(&format!("/fhir/$export{query}"))), token)
        .header("Prefer", "respond-async")
        .header("Accept", "application/fhir+json")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 202, "kick-off");
    let loc = r.headers()["content-location"].to_str().expect("ascii").to_string();
    assert!(loc.starts_with(&app.url("/fhir/$export-status/")), "{loc}");
    loc
}

/// (status, X-Progress, body) of the status URL.
async fn poll(token: &str, url: &str) -> (u16, Option<String>, Value) {
    let r = bearer(new_client().get(url), token).send().await.expect("GET");
    let status = r.status().as_u16();
    let progress = r
        .headers()
        .get("x-progress")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let body = r.text().await.expect("body");
    (status, progress, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Every resource of a finished export, by type, read from its NDJSON files.
async fn download(token: &str, manifest: &Value) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for f in manifest["output"].as_array().expect("output") {
        let r = bearer(new_client().get(f["url"].as_str().expect("url")), token)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/fhir+ndjson"));
        let text = r.text().await.expect("body");
        let t = f["type"].as_str().expect("type").to_string();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("one resource a line"))
            .collect();
        assert_eq!(lines.len() as i64, f["count"].as_i64().expect("count"));
        for r in &lines {
            assert_eq!(r["resourceType"], t.as_str(), "a file holds one type");
        }
        out.entry(t).or_default().extend(lines);
    }
    out
}

fn all_of(files: &HashMap<String, Vec<Value>>) -> Vec<&Value> {
    files.values().flatten().collect()
}

/// Validates every resource with HL7's schema and fhir.resources (one run).
fn validate_all(files: &HashMap<String, Vec<Value>>) {
    let entry: Vec<Value> = all_of(files)
        .into_iter()
        .map(|r| serde_json::json!({ "resource": r }))
        .collect();
    validate(&serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": entry }));
}

#[tokio::test]
async fn the_bulk_export_runs_async_survives_a_restart_and_resolves_across_files() {
    let f = fixture().await;
    let app = &f.app;
    let clinic = clinic_of(app, f.patient);
    let other = clinic_of(app, f.other_patient);
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.create_staff(other, OTHER_ADMIN, Role::Admin);
    // A second and third patient: the export runs one patient a page here.
    let second = app.create_patient(clinic, "sam@example.org", "Sam Stone");
    let t2 = app.create_treatment(second, ProcedureClass::Ipl, date("2026-02-28"), "");
    app.record_checkin(t2, date("2026-03-01"), &CheckInAnswers::calm());
    app.create_patient(clinic, "ria@example.org", "Ria Rao");
    let token = make_token(app, ADMIN, "EHR nightly import").await;
    let other_token = make_token(app, OTHER_ADMIN, "Other EHR").await;

    let status_url = kick_off(app, &token, "").await;
    let (s, progress, _) = poll(&token, &status_url).await;
    assert_eq!(s, 202);
    assert_eq!(progress.as_deref(), Some("0 of 3 patients"));
    // Another clinic's token cannot see it.
    assert_eq!(poll(&other_token, &status_url).await.0, 404);

    // Process A stores one page, then "dies" holding its lease.
    let mut a = app.exporter.clone();
    a.page_size = 1;
    assert_eq!(a.run_pages(1).expect("page"), 1);
    let (s, progress, _) = poll(&token, &status_url).await;
    assert_eq!(s, 202);
    assert_eq!(progress.as_deref(), Some("1 of 3 patients"));

    // Process B on the same database: nothing to take while A's lease holds.
    let b_app = spawn_app_sharing(app, &[]).await;
    let mut b = b_app.exporter.clone();
    b.page_size = 1;
    assert_eq!(b.run_once().expect("pass"), 0, "A's lease still holds");
    // A's lease runs out; B resumes after A's last stored page.
    b_app.clock.advance(chrono::Duration::minutes(3));
    let job_before = app
        .db
        .read(|c| aftercare::db::exports::in_clinic(c, clinic, status_url.rsplit('/').next().unwrap()))
        .expect("read")
        .expect("job");
    assert_eq!(
        b.run_once().expect("pass"),
        3,
        "two patient pages and the empty last one"
    );
    // A, come back with its stale claim, can store nothing more.
    let mut stale = job_before.clone();
    let now = app.clock_now().naive_utc();
    let lost = aftercare::app::fhir::export_page(&app.db, &app.url(""), &a.id, &mut stale, 1, now, now).expect("page");
    assert_eq!(lost, aftercare::app::fhir::PageResult::Lost);

    let (s, _, manifest) = poll(&token, &status_url).await;
    assert_eq!(s, 200, "{manifest}");
    assert_eq!(manifest["requiresAccessToken"], true);
    assert!(manifest["request"].as_str().unwrap().ends_with("/fhir/$export"));
    assert!(manifest["transactionTime"].as_str().unwrap().ends_with('Z'));
    // Files are the clinic's only: the other clinic's token gets 404.
    let first_file = manifest["output"][0]["url"].as_str().unwrap().to_string();
    let r = bearer(new_client().get(&first_file), &other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let files = download(&token, &manifest).await;

    // Every patient of the clinic exactly once (no page stored twice), none of the other's.
    let patients: Vec<&str> = files["Patient"].iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(patients.len(), 3);
    assert!(!patients.contains(&f.other_patient.to_string().as_str()));
    for (t, list) in &files {
        let ids: HashSet<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), list.len(), "{t}: an id exported twice");
    }
    // References resolve across the NDJSON files.
    let known: HashSet<String> = all_of(&files)
        .iter()
        .map(|r| format!("{}/{}", r["resourceType"].as_str().unwrap(), r["id"].as_str().unwrap()))
        .collect();
    let mut refs = Vec::new();
    for r in all_of(&files) {
        references(r, &mut refs);
    }
    assert!(refs.len() > 10);
    for r in &refs {
        assert!(known.contains(r), "{r} does not resolve in the export");
    }
    // The amended check-in: both versions, with the right statuses.
    let own: Vec<&Value> = files["QuestionnaireResponse"]
        .iter()
        .filter(|r| r["subject"]["reference"] == format!("Patient/{}", f.patient))
        .collect();
    assert_eq!(own.len(), 4);
    assert_eq!(own.iter().filter(|r| r["status"] == "amended").count(), 1);
    assert_eq!(own.iter().filter(|r| r["status"] == "completed").count(), 3);
    for o in &files["Observation"] {
        let qr = o["derivedFrom"][0]["reference"].as_str().unwrap();
        let qr = files["QuestionnaireResponse"]
            .iter()
            .find(|r| format!("QuestionnaireResponse/{}", r["id"].as_str().unwrap()) == qr)
            .unwrap();
        let want = if qr["status"] == "amended" { "amended" } else { "final" };
        assert_eq!(o["status"], want);
    }
    // Itch as SNOMED CT 418363000 and redness as 247441003 (verified;
    // swelling stays in the response).
    for code in ["418363000", "247441003"] {
        assert!(
            files["Observation"]
                .iter()
                .any(|o| o["code"]["coding"][0]["system"] == "http://snomed.info/sct"
                    && o["code"]["coding"][0]["code"] == code),
            "an Observation coded {code}"
        );
    }
    assert_eq!(files["Questionnaire"].len(), 2);
    assert!(files["Flag"].iter().all(|fl| fl["meta"]["lastUpdated"].is_string()));
    // Audited: the kick-off, each download, each token use.
    assert_eq!(app.audit("fhir.export").len(), 1);
    assert_eq!(
        app.audit("fhir.export_download").len(),
        manifest["output"].as_array().unwrap().len()
    );
    assert!(app
        .audit("api_token.use")
        .iter()
        .any(|e| e.detail.starts_with("GET /fhir/$export-file/")));
    validate_all(&files);
}

#[tokio::test]
async fn an_export_can_be_cancelled_while_running_and_after() {
    let f = fixture().await;
    let app = &f.app;
    let clinic = clinic_of(app, f.patient);
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.create_patient(clinic, "sam@example.org", "Sam Stone");
    let token = make_token(app, ADMIN, "EHR").await;

    let url = kick_off(app, &token, "").await;
    let mut w = app.exporter.clone();
    w.page_size = 1;
    assert_eq!(w.run_pages(1).expect("page"), 1);
    let r = bearer(new_client().delete(&url), &token).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(poll(&token, &url).await.0, 404, "a cancelled export is gone");
    assert_eq!(w.run_once().expect("pass"), 0, "the worker stores nothing more of it");
    let id = url.rsplit('/').next().unwrap().to_string();
    let files = app.db.read(|c| aftercare::db::exports::files_of(c, &id)).expect("read");
    assert!(files.is_empty(), "its stored pages are deleted");
    let r = bearer(new_client().delete(&url), &token).send().await.unwrap();
    assert_eq!(r.status(), 404, "nothing left to cancel");

    // A finished export's DELETE removes its files.
    let url = kick_off(app, &token, "?_type=Patient").await;
    w.run_once().expect("pass");
    let (s, _, manifest) = poll(&token, &url).await;
    assert_eq!(s, 200);
    let file = manifest["output"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(
        bearer(new_client().delete(&url), &token).send().await.unwrap().status(),
        202
    );
    assert_eq!(
        bearer(new_client().get(&file), &token).send().await.unwrap().status(),
        404
    );
    assert_eq!(app.audit("fhir.export_cancel").len(), 2);
}

#[tokio::test]
async fn since_and_type_narrow_the_export() {
    let f = fixture().await;
    let app = &f.app;
    let clinic = clinic_of(app, f.patient);
    app.create_staff(clinic, ADMIN, Role::Admin);
    let token = make_token(app, ADMIN, "EHR").await;
    // Everything so far is older than `since`; then one new check-in.
    app.clock.advance(chrono::Duration::hours(2));
    let since = app.clock_now();
    app.clock.advance(chrono::Duration::minutes(5));
    let t = app
        .db
        .read(|c| aftercare::db::patients::treatments_of(c, f.patient))
        .expect("read")[0]
        .id;
    let mut later = CheckInAnswers::calm();
    later.pain = 2;
    app.record_checkin(t, date("2026-03-03"), &later);

    let query = format!(
        "?_since={}&_type=QuestionnaireResponse,Observation,Patient",
        since.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let url = kick_off(app, &token, &query).await;
    app.exporter.run_once().expect("pass");
    let (s, _, manifest) = poll(&token, &url).await;
    assert_eq!(s, 200, "{manifest}");
    let files = download(&token, &manifest).await;
    let types: HashSet<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        types,
        HashSet::from(["QuestionnaireResponse", "Observation"]),
        "only the asked types, and only what changed: the patient is older"
    );
    assert_eq!(files["QuestionnaireResponse"].len(), 1, "only the new check-in");
    for r in all_of(&files) {
        let at = r["meta"]["lastUpdated"].as_str().unwrap();
        assert!(at >= since.format("%Y-%m-%dT%H:%M:%SZ").to_string().as_str(), "{at}");
    }
    validate_all(&files);

    // Bad parameters are 400 with an OperationOutcome.
    for q in ["?_type=Encounter", "?_since=yesterday", "?_outputFormat=text/csv"] {
        let r = bearer(new_client().get(app.url(&format!("/fhir/$export{q}"))), &token)
            .header("Prefer", "respond-async")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{q}");
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(body["resourceType"], "OperationOutcome");
    }
}

#[tokio::test]
async fn tokens_reach_only_fhir_of_their_clinic_and_revoked_ones_are_refused() {
    let f = fixture().await;
    let app = &f.app;
    let clinic = clinic_of(app, f.patient);
    app.create_staff(clinic, ADMIN, Role::Admin);
    let token = make_token(app, ADMIN, "EHR").await;
    let export = |t: &str| {
        bearer(new_client().get(app.url("/fhir/$export")), t)
            .header("Prefer", "respond-async")
            .send()
    };
    // No token, an unknown token, a malformed header: 401.
    let r = new_client()
        .get(app.url("/fhir/$export"))
        .header("Prefer", "respond-async")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(export("not-a-token").await.unwrap().status(), 401);
    let r = new_client()
        .get(app.url("/fhir/$export"))
        .header("Authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(export(&token).await.unwrap().status(), 202);

    // A token on a page is refused: it signs nobody in.
    for page in [
        "/clinic",
        "/clinic/patients",
        &format!("/clinic/patients/{}/fhir", f.patient),
        "/clinic/api-tokens",
    ] {
        let r = bearer(new_client().get(app.url(page)), &token).send().await.unwrap();
        assert_eq!(r.status(), 303, "{page}");
        // To sign-in (keeping the page as `next`): a token signs nobody in.
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to == "/login" || to.starts_with("/login?next="), "{page}: {to}");
    }
    // A clinician's session may not export (admins only).
    let clinician = new_client();
    assert_eq!(sign_in_on(app, &clinician, DOC, PASSWORD).await, 303);
    let r = clinician
        .get(app.url("/fhir/$export"))
        .header("Prefer", "respond-async")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Every use is audited; last used is shown.
    let uses = app.audit("api_token.use");
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].detail, "GET /fhir/$export");
    assert!(uses[0].actor.starts_with("api_token:"));
    assert_eq!(app.audit("api_token.create").len(), 1);
    assert_eq!(app.audit("api_token.create")[0].detail, "EHR");

    // Revoked (by the page's button): 401 from then on.
    let admin = new_client();
    assert_eq!(sign_in_on(app, &admin, ADMIN, PASSWORD).await, 303);
    let html = admin
        .get(app.url("/clinic/api-tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("never"), "its last use is shown");
    let id = app.audit("api_token.create")[0]
        .target
        .clone()
        .unwrap()
        .trim_start_matches("api_token:")
        .to_string();
    let csrf = csrf_of(&html);
    let r = admin
        .post(app.url(&format!("/clinic/api-tokens/{id}/revoke")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(export(&token).await.unwrap().status(), 401);
    assert_eq!(app.audit("api_token.revoke").len(), 1);
    // An id that is not one of this clinic's tokens is 404.
    let r = admin
        .post(app.url("/clinic/api-tokens/999999/revoke"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A token needs a name.
    let r = admin
        .post(app.url("/clinic/api-tokens"))
        .form(&[("csrf", csrf.as_str()), ("name", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
