//! The check-in as a Questionnaire, and one version of a check-in as a
//! QuestionnaireResponse: both read from the question catalogue.

use super::{instant, Base};
use crate::domain::questions::{self, Answer, Kind, Presence, Question, FORM_VERSION};
use crate::domain::{CheckInAnswers, CheckInKind};
use chrono::NaiveDateTime;
use serde_json::{json, Value};

/// UCUM, for the temperature's unit.
pub const UCUM: &str = "http://unitsofmeasure.org";

/// The item type a question is asked as.
fn item_type(q: &Question) -> &'static str {
    match q.kind {
        Kind::Scale { .. } | Kind::Level | Kind::Choice(_) => "choice",
        Kind::Tick => "boolean",
        Kind::Temperature => "quantity",
        Kind::Note => "text",
    }
}

/// One answer option as a Coding in the question's own code system (the
/// stored value as the code, the form's words as the display).
fn coding(base: &Base, q: &Question, value: &str) -> Value {
    json!({ "system": base.code_system(q.id), "code": value, "display": q.label_of(value) })
}

fn item(base: &Base, q: &Question) -> Value {
    let mut item = json!({
        "linkId": q.id,
        "text": q.label,
        "type": item_type(q),
        // Not for a question "None of these" leaves unasked: its item may
        // have no answer.
        "required": matches!(q.presence, Presence::Required) && !q.may_go_unasked(),
    });
    let options: Vec<Value> = q
        .options()
        .iter()
        .map(|o| json!({ "valueCoding": coding(base, q, o.value) }))
        .collect();
    if !options.is_empty() {
        item["answerOption"] = Value::Array(options);
    }
    if let Presence::With { tick, .. } = q.presence {
        item["enableWhen"] = json!([{ "question": tick, "operator": "=", "answerBoolean": true }]);
    }
    item
}

/// The daily or the weekly check-in's Questionnaire, in the form's order,
/// published at [`Base::questionnaire_url`] under [`FORM_VERSION`].
pub fn questionnaire(base: &Base, kind: CheckInKind) -> Value {
    let items: Vec<Value> = questions::in_form_order()
        .filter(|q| q.cadence.asked_on(kind))
        .map(|q| item(base, q))
        .collect();
    json!({
        "resourceType": "Questionnaire",
        "id": kind.as_str(),
        "url": base.questionnaire_url(kind),
        "version": FORM_VERSION,
        "name": format!("Aftercare{}CheckIn", title(kind)),
        "title": format!("Aftercare {} check-in", kind.as_str()),
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    })
}

fn title(kind: CheckInKind) -> &'static str {
    match kind {
        CheckInKind::Daily => "Daily",
        CheckInKind::Weekly => "Weekly",
    }
}

/// The answer of `q`, or `None` when it was left empty (an unmeasured
/// temperature, no note, no site for an unticked raised area) or not asked
/// (pain relief after "None of these"): such an item has no answer.
fn answer(base: &Base, q: &Question, a: &CheckInAnswers) -> Option<Value> {
    let value = match (q.get)(a) {
        Answer::Number(n) => json!({ "valueCoding": coding(base, q, &n.to_string()) }),
        Answer::Choice(Some(v)) => json!({ "valueCoding": coding(base, q, v) }),
        Answer::Tick(b) => json!({ "valueBoolean": b }),
        Answer::Temperature(Some(t)) => json!({ "valueQuantity": celsius(t.celsius()) }),
        Answer::Text(Some(s)) if !s.is_empty() => json!({ "valueString": s }),
        Answer::Choice(None) | Answer::NotAsked | Answer::Temperature(None) | Answer::Text(_) => return None,
    };
    Some(value)
}

/// A temperature in °C as a UCUM Quantity.
pub fn celsius(c: f64) -> Value {
    json!({ "value": c, "unit": "°C", "system": UCUM, "code": "Cel" })
}

/// One stored version of a check-in.
pub struct Version<'a> {
    /// The resource id, unique per check-in and version.
    pub id: String,
    pub kind: CheckInKind,
    pub version: i32,
    pub answers: &'a CheckInAnswers,
    pub entered_at: NaiveDateTime,
    pub subject: String,
}

impl Version<'_> {
    /// `completed` for the first version, `amended` for a later one.
    pub fn status(&self) -> &'static str {
        if self.version > 1 {
            "amended"
        } else {
            "completed"
        }
    }
}

/// One version of a check-in as a QuestionnaireResponse: the questions asked
/// on that kind of check-in, each with its answer.
pub fn response(base: &Base, v: &Version) -> Value {
    let items: Vec<Value> = questions::in_form_order()
        .filter(|q| q.cadence.asked_on(v.kind))
        .filter_map(|q| answer(base, q, v.answers).map(|a| json!({ "linkId": q.id, "text": q.label, "answer": [a] })))
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": v.id,
        "questionnaire": format!("{}|{}", base.questionnaire_url(v.kind), FORM_VERSION),
        "status": v.status(),
        "subject": { "reference": v.subject },
        "authored": instant(v.entered_at),
        "item": items,
    })
}
