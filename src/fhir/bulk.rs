//! FHIR Bulk Data Access (`$export`), the pure parts: what a kick-off
//! request asks for, how one page of patients becomes NDJSON lines per
//! resource type, the completion manifest and OperationOutcome errors.
//! Storage and the worker are elsewhere (`db::exports`, `jobs::export`).

use super::resources::last_updated;
use super::{instant, questionnaire, Base};
use crate::domain::CheckInKind;
use chrono::{DateTime, NaiveDateTime};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Every resource type an export can hold, in the order they are written.
pub const TYPES: &[&str] = &[
    "Patient",
    "Procedure",
    "QuestionnaireResponse",
    "Observation",
    "Flag",
    "Questionnaire",
];

/// The media type of each output file.
pub const NDJSON: &str = "application/fhir+ndjson";

/// A kick-off request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// Comma-separated, in [`TYPES`] order, no repeats.
    pub types: String,
    pub since: Option<NaiveDateTime>,
}

/// Parses `_type`, `_since` and `_outputFormat`; the message says what is wrong.
pub fn parse_request(
    types: Option<&str>,
    since: Option<&str>,
    output_format: Option<&str>,
) -> Result<ExportRequest, String> {
    if let Some(f) = output_format {
        if !matches!(f, "application/fhir+ndjson" | "application/ndjson" | "ndjson") {
            return Err(format!(
                "_outputFormat {f:?} is not supported: use application/fhir+ndjson"
            ));
        }
    }
    let wanted: Vec<&str> = match types.map(str::trim).filter(|t| !t.is_empty()) {
        None => TYPES.to_vec(),
        Some(list) => {
            let asked: Vec<&str> = list.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
            if let Some(bad) = asked.iter().find(|t| !TYPES.contains(t)) {
                return Err(format!("_type {bad:?} is not exported; supported: {}", TYPES.join(",")));
            }
            TYPES.iter().copied().filter(|t| asked.contains(t)).collect()
        }
    };
    let since = match since.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| format!("_since {s:?} is not a FHIR instant (e.g. 2026-03-01T00:00:00Z)"))?
                .naive_utc(),
        ),
    };
    Ok(ExportRequest {
        types: wanted.join(","),
        since,
    })
}

/// One page's output: per resource type, its NDJSON text and line count.
pub type Page = BTreeMap<&'static str, (String, i64)>;

/// Adds `resources` to `page`: only the wanted types, and with `since` only
/// those changed at or after it (a resource changed in the very second of
/// `since` may come twice over two exports, never not at all).
pub fn add(page: &mut Page, resources: Vec<Value>, types: &[&str], since: Option<NaiveDateTime>) {
    for r in resources {
        let Some(t) = TYPES.iter().copied().find(|t| r["resourceType"] == *t) else {
            continue;
        };
        if !types.contains(&t) {
            continue;
        }
        if let Some(since) = since {
            if last_updated(&r).is_none_or(|at| at < since) {
                continue;
            }
        }
        let entry = page.entry(t).or_default();
        entry.0.push_str(&r.to_string());
        entry.0.push('\n');
        entry.1 += 1;
    }
}

/// The first page also carries the two Questionnaires every response
/// points at (unless `_since` asks only for what changed: they change with
/// a release, not with data).
pub fn questionnaires(base: &Base, since: Option<NaiveDateTime>) -> Vec<Value> {
    if since.is_some() {
        return Vec::new();
    }
    vec![
        questionnaire::questionnaire(base, CheckInKind::Daily),
        questionnaire::questionnaire(base, CheckInKind::Weekly),
    ]
}

/// The completion manifest. `files` are (url, type, count).
pub fn manifest(transaction_time: NaiveDateTime, request: &str, files: &[(String, String, i64)]) -> Value {
    let output: Vec<Value> = files
        .iter()
        .map(|(url, t, n)| json!({ "type": t, "url": url, "count": n }))
        .collect();
    json!({
        "transactionTime": instant(transaction_time),
        "request": request,
        "requiresAccessToken": true,
        "output": output,
        "error": [],
    })
}

/// An OperationOutcome with one issue.
pub fn outcome(severity: &str, code: &str, text: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": text }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        let all = parse_request(None, None, None).unwrap();
        assert_eq!(all.types, TYPES.join(","));
        assert_eq!(all.since, None);
        let some = parse_request(Some("Flag, Patient"), Some("2026-03-01T10:00:00+01:00"), Some("ndjson")).unwrap();
        assert_eq!(some.types, "Patient,Flag");
        assert_eq!(some.since.unwrap().to_string(), "2026-03-01 09:00:00");
        assert!(parse_request(Some("Patient,Encounter"), None, None).is_err());
        assert!(parse_request(None, Some("yesterday"), None).is_err());
        assert!(parse_request(None, None, Some("text/csv")).is_err());
    }

    #[test]
    fn pages_keep_wanted_types_changed_since() {
        let r = |t: &str, at: &str| json!({ "resourceType": t, "id": "1", "meta": { "lastUpdated": at } });
        let since = NaiveDateTime::parse_from_str("2026-03-01 00:00:00", "%Y-%m-%d %H:%M:%S").ok();
        let mut page = Page::new();
        add(
            &mut page,
            vec![
                r("Patient", "2026-02-01T00:00:00Z"),
                r("Flag", "2026-03-01T00:00:00Z"),
                r("Flag", "2026-03-02T00:00:00Z"),
                r("Observation", "2026-03-02T00:00:00Z"),
            ],
            &["Patient", "Flag"],
            since,
        );
        assert!(!page.contains_key("Patient"), "older than _since");
        assert!(!page.contains_key("Observation"), "not asked for");
        assert_eq!(page["Flag"].1, 2);
        assert_eq!(page["Flag"].0.lines().count(), 2);
    }
}
