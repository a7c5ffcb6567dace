//! HL7 FHIR R4 (4.0.1) JSON: a pure mapping from the stored record to
//! resources. No IO: `app::fhir` reads and audits, `web::clinic::fhir`
//! serves. The Questionnaires and every response are generated from the
//! question catalogue (`domain::questions`), so a new question needs no code
//! here; only a question that also becomes a coded Observation is listed in
//! [`resources::SCORED`].
//!
//! Identifiers and code systems of our own live under the clinic's
//! `PUBLIC_URL` (see [`Base`]).

pub mod bulk;
pub mod questionnaire;
pub mod resources;

use crate::db::checkins::TreatmentHistory;
use crate::db::flags::{Flag, FlagEvent};
use crate::db::patients::Patient;
use crate::domain::{CheckInKind, ClinicId};
use chrono::NaiveDateTime;
use serde_json::{json, Value};

/// What the export maps: the parts of a patient's record, borrowed from
/// whoever read them (the use case), so this module stays below it.
pub struct Record<'a> {
    pub patient: &'a Patient,
    pub treatments: &'a [TreatmentHistory],
    pub flags: &'a [(Flag, Vec<FlagEvent>)],
}

/// The media type of every FHIR answer.
pub const CONTENT_TYPE: &str = "application/fhir+json";
/// The FHIR version every resource is written in.
pub const FHIR_VERSION: &str = "4.0.1";

/// Where our canonical URLs, code systems and identifier systems live.
#[derive(Debug, Clone)]
pub struct Base {
    /// `PUBLIC_URL` without a trailing slash.
    pub url: String,
    pub clinic: ClinicId,
}

impl Base {
    pub fn new(public_url: &str, clinic: ClinicId) -> Self {
        Self {
            url: public_url.trim_end_matches('/').to_string(),
            clinic,
        }
    }
    /// The FHIR endpoint: `{PUBLIC_URL}/fhir`.
    pub fn fhir(&self) -> String {
        format!("{}/fhir", self.url)
    }
    /// The canonical URL of a check-in's Questionnaire (unversioned).
    pub fn questionnaire_url(&self, kind: CheckInKind) -> String {
        format!("{}/Questionnaire/{}", self.fhir(), kind.as_str())
    }
    /// A code system of ours, e.g. the answer values of one question.
    pub fn code_system(&self, name: &str) -> String {
        format!("{}/CodeSystem/{name}", self.fhir())
    }
    /// An extension of ours.
    pub fn extension(&self, name: &str) -> String {
        format!("{}/StructureDefinition/{name}", self.fhir())
    }
    /// The identifier system of one clinic's internal ids of `what`: the
    /// same number means different people in different clinics.
    pub fn id_system(&self, what: &str) -> String {
        format!("{}/sid/clinic/{}/{what}", self.fhir(), self.clinic)
    }
    fn full_url(&self, resource: &Value) -> String {
        format!(
            "{}/{}/{}",
            self.fhir(),
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        )
    }
}

/// FHIR `instant`/`dateTime` of a stored UTC time.
pub fn instant(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A `collection` Bundle of everything exported for one patient: both
/// Questionnaires, the Patient, each treatment's Procedure, every check-in
/// version's QuestionnaireResponse and Observations, and every Flag.
pub fn patient_bundle(record: &Record<'_>, base: &Base, now: NaiveDateTime) -> Value {
    let mut resources = vec![
        questionnaire::questionnaire(base, CheckInKind::Daily),
        questionnaire::questionnaire(base, CheckInKind::Weekly),
    ];
    resources.extend(resources::of_record(record, base));
    bundle(base, resources, now)
}

/// A `collection` Bundle with a full URL for each entry.
pub fn bundle(base: &Base, resources: Vec<Value>, now: NaiveDateTime) -> Value {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| json!({ "fullUrl": base.full_url(&r), "resource": r }))
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(now),
        "entry": entry,
    })
}

/// What `GET /fhir/metadata` answers: what this server supports today.
pub fn capability_statement(public_url: &str, now: NaiveDateTime) -> Value {
    let fhir = format!("{}/fhir", public_url.trim_end_matches('/'));
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "kind": "instance",
        "software": { "name": "Aftercare", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Aftercare FHIR export", "url": fhir },
        "fhirVersion": FHIR_VERSION,
        "format": [CONTENT_TYPE, "json"],
        // The Bulk Data Access IG's server profile: system-level $export.
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "rest": [{
            "mode": "server",
            "documentation": "Read-only. A patient's whole record is one Bundle at \
                /clinic/patients/{id}/fhir (clinic staff, signed in). The Questionnaires are public. \
                A clinic's whole data set is a Bulk Data export: GET /fhir/$export with \
                'Prefer: respond-async' (an admin's session, or an API token), then poll the \
                Content-Location; DELETE on it cancels.",
            "security": {
                "description": "API tokens, made by a clinic's admins on /clinic/api-tokens, sent as \
                    'Authorization: Bearer <token>'. A token is read-only, reaches only the FHIR \
                    endpoints and only its own clinic's data; it never signs anyone in to pages. \
                    A missing, unknown or revoked token is 401.",
            },
            "resource": [
                { "type": "Questionnaire", "interaction": [{ "code": "read" }] },
                { "type": "QuestionnaireResponse" },
                { "type": "Observation" },
                { "type": "Patient" },
                { "type": "Procedure" },
                { "type": "Flag" },
            ],
            "operation": [{
                "name": "export",
                "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                "documentation": "System level: every resource of the caller's clinic. _type and \
                    _since are honoured; _outputFormat application/fhir+ndjson only.",
            }],
        }],
    })
}
