//! Recording a check-in: store it (or amend the day's), evaluate it against
//! the clinic's rules, apply alert hygiene, write the flags and the alert
//! emails. All of it commits in one transaction, or none of it does.

use crate::app::flags::raise_or_merge;
use crate::app::notify::{self, MailContext};
use crate::db::{checkins, clinics, flags, patients, Db, DbConn};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage::{self, Advice, PriorCheckIn, RuleSettings, TreatmentFacts};
use crate::words;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How far back a patient may fill in a missed day.
pub const BACKFILL_DAYS: i64 = 3;

/// Parses the `date` field: YYYY-MM-DD, not before the treatment, not in the
/// future, at most [`BACKFILL_DAYS`] back. Empty means today.
pub fn parse_checkin_date(raw: &str, today: NaiveDate, treated_on: NaiveDate) -> Result<NaiveDate, Words> {
    let raw = raw.trim();
    let date = if raw.is_empty() {
        today
    } else {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| words!("date-invalid", "Enter the date as year-month-day, like 2026-03-14"))?
    };
    if date > today {
        return Err(words!(
            "date-future",
            "You cannot check in for a day that has not happened yet"
        ));
    }
    if date < treated_on {
        return Err(words!("date-before-treatment", "That day is before your treatment"));
    }
    if date < today - Duration::days(BACKFILL_DAYS) {
        return Err(words!("date-too-old", "You can fill in a missed day up to 3 days back"));
    }
    Ok(date)
}

/// The rules in force for a clinic (the stored JSON, defaults where absent).
pub fn rules_of(conn: &mut DbConn, clinic: ClinicId) -> Result<(RulesVersionId, RuleSettings)> {
    let v = clinics::current_rules(conn, clinic)?;
    Ok((v.id, settings_of(v.id, &v.settings)?))
}

/// A stored rules version's settings.
fn settings_of(id: RulesVersionId, json: &str) -> Result<RuleSettings> {
    parsed(json).map_err(|e| Error::Internal(format!("stored rules version {id}: {e}")))
}

/// Rules JSON already parsed. A rules version is never changed once
/// written, so every check-in need not parse it again. Keyed by the text,
/// not the version id, so databases sharing a process (tests) cannot mix.
fn parsed(json: &str) -> Result<RuleSettings, serde_json::Error> {
    type Cache = std::sync::Mutex<std::collections::HashMap<String, RuleSettings>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A poisoned cache is still a map of correct entries.
    let lock = || cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = lock().get(json) {
        return Ok(s.clone());
    }
    let s: RuleSettings = serde_json::from_str(json)?;
    let mut c = lock();
    // Clinics × versions in use is small; a bound all the same.
    if c.len() >= 256 {
        c.clear();
    }
    c.insert(json.to_string(), s.clone());
    Ok(s)
}

/// What happened, for the patient's result page.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub checkin: CheckInId,
    pub day_number: i64,
    pub highest: Option<Severity>,
    pub advice: Advice,
    pub amended: bool,
    /// Rule ids raised or updated by this check-in.
    pub rules: Vec<RuleId>,
}

/// One day's answers for one treatment (already known to belong to the patient).
pub struct Submission<'a> {
    pub patient: &'a patients::Patient,
    pub clinic: &'a clinics::Clinic,
    pub treatment: &'a patients::Treatment,
    pub date: NaiveDate,
    pub answers: &'a CheckInAnswers,
}

/// A patient submits a day's check-in: [`record`] in its own transaction.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    db: &Db,
    mail: MailContext,
    patient: patients::Patient,
    clinic: clinics::Clinic,
    treatment: patients::Treatment,
    date: NaiveDate,
    answers: CheckInAnswers,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    db.write_async(move |c| {
        let sub = Submission {
            patient: &patient,
            clinic: &clinic,
            treatment: &treatment,
            date,
            answers: &answers,
        };
        record(c, &mail, &sub, now)
    })
    .await
}

/// Records a submission. Runs inside the caller's write transaction.
pub fn record(conn: &mut DbConn, mail: &MailContext, sub: &Submission, now: DateTime<Utc>) -> Result<Outcome> {
    let Submission {
        patient,
        clinic,
        treatment,
        date,
        answers,
    } = *sub;
    let day_number = triage::day_number(treatment.treated_on, date);
    let kind = CheckInKind::for_day(day_number);
    let key = checkins::CheckInKey {
        treatment: treatment.id,
        patient: patient.id,
        clinic: clinic.id,
        day: date,
        day_number,
        kind,
    };
    // Two submissions at once (a double tap) queue here: the second then
    // sees the first's check-in and amends it.
    let (rules_version, rules_json) = patients::lock_treatment_reading_rules(conn, treatment.id, clinic.id)?;

    // `evaluate` reads only the two latest earlier days (prev and the one
    // before); the day's own check-in, if any, is amended.
    let (existing, recent) = checkins::day_and_latest_before(conn, treatment.id, date, 2)?;
    let earlier: Vec<PriorCheckIn> = recent
        .iter()
        .map(|c| PriorCheckIn {
            day: c.day_number,
            answers: &c.answers,
        })
        .collect();
    let facts = TreatmentFacts {
        procedure: treatment.procedure,
        zones: treatment.zones.clone(),
        prescribed: treatment.prescribed(),
        cold_sores: patient.cold_sores,
        skin_type: patient.skin_type,
    };
    let settings = settings_of(rules_version, &rules_json)?;
    let findings = triage::evaluate(day_number, answers, &earlier, &facts, &settings);
    let highest = triage::highest(&findings);
    let advice = Advice::from_findings(&findings);
    // Stored with its outcome in one statement.
    let (stored, amended) = checkins::upsert(
        conn,
        &key,
        existing.as_ref(),
        answers,
        (highest, advice),
        now.naive_utc(),
    )?;

    let mut to_notify: Vec<flags::Flag> = Vec::new();
    let mut rules = Vec::new();
    for f in &findings {
        let rule = f.rule;
        rules.push(rule);
        let inputs = f.inputs.to_string();
        let new = flags::NewFlag {
            clinic: clinic.id,
            patient: patient.id,
            treatment: treatment.id,
            checkin: Some(stored),
            rule_id: rule,
            severity: f.severity,
            reason: &f.reason,
            inputs: &inputs,
            rules_version,
            dedup_key: None,
        };
        to_notify.extend(raise_or_merge(conn, &new, now)?);
    }
    notify::flags_raised(conn, mail, clinic, &to_notify, now)?;
    Ok(Outcome {
        checkin: stored,
        day_number,
        highest,
        advice,
        amended,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn date_window() {
        let today = d("2026-03-10");
        let treated = d("2026-03-05");
        assert_eq!(parse_checkin_date("", today, treated).unwrap(), today);
        assert_eq!(
            parse_checkin_date("2026-03-07", today, treated).unwrap(),
            d("2026-03-07")
        );
        assert!(parse_checkin_date("2026-03-06", today, treated).is_err(), "4 days back");
        assert!(parse_checkin_date("2026-03-11", today, treated).is_err(), "future");
        assert!(
            parse_checkin_date("2026-03-04", d("2026-03-05"), treated).is_err(),
            "before treatment"
        );
        assert!(parse_checkin_date("10/03/2026", today, treated).is_err());
        assert!(parse_checkin_date("2026-02-30", today, treated).is_err());
    }
}
