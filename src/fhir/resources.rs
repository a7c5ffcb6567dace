//! Patient, Procedure, QuestionnaireResponse, Observation and Flag from a
//! patient's record.

use super::questionnaire::{self, celsius, Version};
use super::{instant, Base, Record};
use crate::db::checkins::CheckIn;
use crate::db::flags::Flag;
use crate::db::patients::{Patient, Treatment};
use crate::domain::questions::{self, Answer};
use crate::domain::{CheckInAnswers, FlagState};
use chrono::NaiveDateTime;
use serde_json::{json, Value};
use std::collections::HashMap;

const LOINC: &str = "http://loinc.org";
const SNOMED: &str = "http://snomed.info/sct";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const FLAG_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/flag-category";

/// A question whose answer is also exported as a coded Observation.
pub struct Scored {
    /// The question's id (form field name).
    pub question: &'static str,
    pub system: &'static str,
    pub code: &'static str,
    pub display: &'static str,
    /// `survey` or `vital-signs`.
    pub category: &'static str,
}

/// Only codes checked against a published source are listed. Swelling has
/// no SNOMED CT finding code we could verify against a published source
/// (candidate codes appeared only in unofficial data sets), so it travels in
/// the QuestionnaireResponse only.
pub static SCORED: &[Scored] = &[
    // LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] -
    // Reported": cited by the HL7 Belgium patient-monitoring IG, ValueSet
    // pain-scale (build.fhir.org/ig/hl7-be/patient-monitoring, "See
    // https://loinc.org/72514-3").
    Scored {
        question: "pain",
        system: LOINC,
        code: "72514-3",
        display: "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        category: "survey",
    },
    // LOINC 8310-5 "Body temperature": the code the FHIR Body Temperature
    // profile fixes (hl7.org/fhir/R4B/bodytemp.html; ValueSet
    // observation-vitalsign-bodytemp), with UCUM `Cel`.
    Scored {
        question: "temperature",
        system: LOINC,
        code: "8310-5",
        display: "Body temperature",
        category: "vital-signs",
    },
    // SNOMED CT 418363000 "Itching of skin (finding)": the code of the SNOMED
    // CT Implementation Guide for FHIR's example Condition
    // AllergyConditionExample7-2 (build.fhir.org/ig/IHTSDO/snomed-ig, listed
    // as "Itching of skin (finding)" in its ProblemListExample7). The value
    // is the patient's own 0-10 rating of the worst itch.
    Scored {
        question: "itch",
        system: SNOMED,
        code: "418363000",
        display: "Itching of skin",
        category: "survey",
    },
    // SNOMED CT 247441003 "Erythema": listed as a patient-reported lesion
    // characteristic in DICOM PS3.16 CID 4406 "Patient Reported Lesion
    // Characteristic" (beside 418363000 "Itching") and in CID 4408 "Lesion
    // Visual Finding" (dicom.nema.org/medical/dicom/current/output/chtml/
    // part16/sect_CID_4406.html). The value is the patient's own 0-3 rating
    // of how red the treated skin is (0 none, 1 mild, 2 moderate, 3 severe).
    Scored {
        question: "redness",
        system: SNOMED,
        code: "247441003",
        display: "Erythema",
        category: "survey",
    },
];

fn reference(kind: &str, id: impl std::fmt::Display) -> String {
    format!("{kind}/{id}")
}

fn patient_ref(p: &Patient) -> String {
    reference("Patient", p.id)
}

/// The id of one version of a check-in's response.
pub fn response_id(checkin: &CheckIn, version: i32) -> String {
    format!("checkin-{}-v{version}", checkin.id.0)
}

/// The phone goes in as dialled (`+4420…`, the digits of its `tel:` URI),
/// which other systems can call or match; what was typed stays on our pages.
/// No `use`: the clinic records a number to reach the patient, not whether
/// it is a mobile or a home line.
pub fn patient(base: &Base, p: &Patient) -> Value {
    let mut telecom = vec![json!({ "system": "email", "value": p.email, "use": "home" })];
    if let Some(phone) = &p.phone {
        telecom.push(json!({ "system": "phone", "value": phone.dialable() }));
    }
    json!({
        "resourceType": "Patient",
        "id": p.id.to_string(),
        "identifier": [{ "system": base.id_system("patient"), "value": p.id.to_string() }],
        "active": !p.disabled,
        "name": [{ "text": p.name }],
        "telecom": telecom,
    })
}

/// A treatment as a completed Procedure. No SNOMED CT code for the laser
/// procedure classes (ablative/non-ablative resurfacing, IPL) could be
/// verified against a published source, so the class is coded in our own
/// code system only, with its words as text.
pub fn procedure(base: &Base, p: &Patient, t: &Treatment) -> Value {
    json!({
        "resourceType": "Procedure",
        "id": format!("treatment-{}", t.id),
        "identifier": [{ "system": base.id_system("treatment"), "value": t.id.to_string() }],
        "status": "completed",
        "code": {
            "coding": [{
                "system": base.code_system("procedure-class"),
                "code": t.procedure.as_str(),
                "display": t.procedure.label(),
            }],
            "text": t.procedure.label(),
        },
        "subject": { "reference": patient_ref(p) },
        "performedDateTime": t.treated_on.format("%Y-%m-%d").to_string(),
    })
}

/// The Observations of one check-in version, each derived from its response.
pub fn observations(v: &Version, procedure: &str) -> Vec<Value> {
    SCORED
        .iter()
        .filter_map(|s| {
            let q = questions::question(s.question)?;
            let value = match (q.get)(v.answers) {
                Answer::Number(n) => json!({ "valueInteger": n }),
                Answer::Temperature(Some(t)) => json!({ "valueQuantity": celsius(t.celsius()) }),
                _ => return None,
            };
            let mut o = json!({
                "resourceType": "Observation",
                "id": format!("{}-{}", v.id, q.id.replace('_', "-")),
                "status": if v.version > 1 { "amended" } else { "final" },
                "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": s.category }] }],
                "code": { "coding": [{ "system": s.system, "code": s.code, "display": s.display }], "text": q.short },
                "subject": { "reference": v.subject },
                "effectiveDateTime": instant(v.entered_at),
                "issued": instant(v.entered_at),
                "derivedFrom": [{ "reference": reference("QuestionnaireResponse", &v.id) }],
                "partOf": [{ "reference": procedure }],
            });
            let map = o.as_object_mut().expect("an object");
            for (k, val) in value.as_object().into_iter().flatten() {
                map.insert(k.clone(), val.clone());
            }
            Some(o)
        })
        .collect()
}

/// Every stored version of a check-in, oldest first: the earlier ones from
/// its revisions, then the current one.
fn versions<'a>(
    p: &Patient,
    ci: &'a CheckIn,
    earlier: &'a [(i32, CheckInAnswers, chrono::NaiveDateTime)],
) -> Vec<Version<'a>> {
    let subject = patient_ref(p);
    let mut out: Vec<Version> = earlier
        .iter()
        .map(|(version, answers, at)| Version {
            id: response_id(ci, *version),
            kind: ci.kind,
            version: *version,
            answers,
            entered_at: *at,
            subject: subject.clone(),
        })
        .collect();
    out.push(Version {
        id: response_id(ci, ci.version),
        kind: ci.kind,
        version: ci.version,
        answers: &ci.answers,
        entered_at: ci.entered_at,
        subject,
    });
    out
}

/// A flag: `active` until resolved, then `inactive`. The rule, severity,
/// outcome, resolution note and the check-in that raised it travel as extensions
/// (documented in the README's FHIR section).
pub fn flag(base: &Base, p: &Patient, f: &Flag, checkin: Option<&str>) -> Value {
    let resolved = f.state == FlagState::Resolved;
    let mut ext = vec![
        json!({ "url": base.extension("flag-rule"), "valueCode": f.rule_id.as_str() }),
        json!({ "url": base.extension("flag-severity"), "valueCode": f.severity.as_str() }),
        json!({ "url": base.extension("flag-state"), "valueCode": f.state.as_str() }),
    ];
    if let Some(note) = f.resolution_note.as_deref().filter(|n| !n.is_empty()) {
        ext.push(json!({ "url": base.extension("flag-resolution-note"), "valueString": note }));
    }
    // What came of it (clinical reference section 5), set when resolved:
    // a Coding in our code system, with the words the clinician chose.
    if let Some(o) = f.outcome().filter(|_| resolved) {
        ext.push(json!({
            "url": base.extension("flag-outcome"),
            "valueCoding": { "system": base.code_system("flag-outcome"), "code": o.as_str(), "display": o.label() },
        }));
    }
    if let Some(r) = checkin {
        ext.push(json!({ "url": base.extension("flag-checkin"), "valueReference": { "reference": r } }));
    }
    let mut period = json!({ "start": instant(f.raised_at) });
    if let Some(end) = f.resolved_at.filter(|_| resolved) {
        period["end"] = json!(instant(end));
    }
    json!({
        "resourceType": "Flag",
        "id": format!("flag-{}", f.id.0),
        "extension": ext,
        "identifier": [{ "system": base.id_system("flag"), "value": f.reference }],
        "status": if resolved { "inactive" } else { "active" },
        "category": [{ "coding": [{ "system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical" }] }],
        "code": { "text": f.reason },
        "subject": { "reference": patient_ref(p) },
        "period": period,
    })
}

/// Sets `meta.lastUpdated`: when the record behind a resource last changed
/// (what a Bulk Data `_since` compares with).
fn stamped(mut r: Value, at: NaiveDateTime) -> Value {
    r["meta"] = json!({ "lastUpdated": instant(at) });
    r
}

/// When a flag last changed: raised, seen again, acknowledged, escalated or resolved.
pub fn flag_updated(f: &Flag) -> NaiveDateTime {
    [f.acknowledged_at, f.resolved_at, f.escalated_at]
        .into_iter()
        .flatten()
        .fold(f.raised_at.max(f.last_seen_at), NaiveDateTime::max)
}

/// `meta.lastUpdated` of a resource made here, as stored (UTC, seconds).
pub fn last_updated(r: &Value) -> Option<NaiveDateTime> {
    let s = r["meta"]["lastUpdated"].as_str()?;
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").ok()
}

/// Every resource of a patient's record except the Questionnaires.
pub fn of_record(record: &Record<'_>, base: &Base) -> Vec<Value> {
    let p = &record.patient;
    let mut out = vec![stamped(patient(base, p), p.created_at)];
    // The current version's response of each check-in, for the flags.
    let mut current: HashMap<i64, String> = HashMap::new();
    for (t, list) in record.treatments {
        let proc = stamped(procedure(base, p, t), t.created_at);
        let proc_ref = reference("Procedure", proc["id"].as_str().unwrap_or_default());
        out.push(proc);
        for (ci, revisions) in list {
            let earlier: Vec<_> = revisions
                .iter()
                .filter_map(|r| r.parsed().map(|a| (r.version, a, r.entered_at)))
                .collect();
            for v in versions(p, ci, &earlier) {
                out.push(stamped(questionnaire::response(base, &v), v.entered_at));
                out.extend(
                    observations(&v, &proc_ref)
                        .into_iter()
                        .map(|o| stamped(o, v.entered_at)),
                );
            }
            current.insert(ci.id.0, reference("QuestionnaireResponse", response_id(ci, ci.version)));
        }
    }
    for (f, _) in record.flags {
        let checkin = f.checkin_id.and_then(|id| current.get(&id)).map(String::as_str);
        out.push(stamped(flag(base, p, f, checkin), flag_updated(f)));
    }
    out
}
