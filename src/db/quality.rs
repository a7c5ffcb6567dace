//! Reads for the clinic's own measures of its alerting: the rules preview
//! (which treatments to replay) and the quality report (grouped counts over
//! a date range). Everything here is a read; the figures are computed in
//! `app/`.

use super::patients::Treatment;
use super::schema::{checkins, flags, outbox, patients, treatments};
use super::{DbConn, DbError};
use crate::domain::{
    ClinicId, FlagState, OutboxKind, Outcome, PatientId, ProcedureClass, RuleId, Severity, SkinType, TreatmentId,
    UnknownOption,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

fn bad(e: UnknownOption) -> DbError {
    DbError::Query(diesel::result::Error::DeserializationError(Box::new(e)))
}

/// A treatment to replay, with what the rules need from its patient.
#[derive(Debug, Clone)]
pub struct ReplayTreatment {
    pub treatment: Treatment,
    pub cold_sores: bool,
    pub skin_type: Option<SkinType>,
}

/// The next `limit` treatments of `clinic` after `after` (by id) that have a
/// check-in describing a day in `from..=to`. Keyset paging, so the caller
/// holds one batch at a time however large the clinic.
pub fn treatments_with_checkins(
    conn: &mut DbConn,
    clinic: ClinicId,
    (from, to): (NaiveDate, NaiveDate),
    after: TreatmentId,
    limit: i64,
) -> Result<Vec<ReplayTreatment>, DbError> {
    // EXISTS reads the (treatment_id, day) unique index only.
    let has_checkin = diesel::dsl::exists(
        checkins::table
            .filter(checkins::treatment_id.eq(treatments::id))
            .filter(checkins::day.ge(from))
            .filter(checkins::day.le(to)),
    );
    let rows: Vec<(Treatment, (bool, Option<i32>))> = treatments::table
        .inner_join(patients::table)
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::id.gt(after.0))
        .filter(has_checkin)
        .order(treatments::id.asc())
        .limit(limit)
        .select((Treatment::as_select(), (patients::cold_sores, patients::skin_type)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(treatment, (cold_sores, skin))| ReplayTreatment {
            treatment,
            cold_sores,
            // A stored value outside 1–6 cannot be written by this code; read it as unknown.
            skin_type: skin.and_then(|n| SkinType::new(n).ok()),
        })
        .collect())
}

// ---------- the quality report ----------

/// A treatment as the report counts it: what was due, and for whom.
#[derive(Debug, Clone)]
pub struct ReportTreatment {
    pub id: TreatmentId,
    pub patient: PatientId,
    pub procedure: ProcedureClass,
    pub treated_on: NaiveDate,
    /// When the patient's follow-up was closed (nothing is due after it).
    pub closed_at: Option<NaiveDateTime>,
}

/// Treatments of `clinic` treated in `from..=to` (clinic-local dates), read
/// through the `treatments_clinic_date` index.
pub fn treatments_between(
    conn: &mut DbConn,
    clinic: ClinicId,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<ReportTreatment>, DbError> {
    let rows: Vec<(i64, i64, String, NaiveDate, Option<NaiveDateTime>)> = treatments::table
        .inner_join(patients::table)
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::treated_on.ge(from))
        .filter(treatments::treated_on.le(to))
        .select((
            treatments::id,
            treatments::patient_id,
            treatments::procedure,
            treatments::treated_on,
            patients::follow_up_closed_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, patient, procedure, treated_on, closed_at)| {
            Ok(ReportTreatment {
                id: TreatmentId(id),
                patient: PatientId(patient),
                procedure: ProcedureClass::parse(&procedure).map_err(bad)?,
                treated_on,
                closed_at,
            })
        })
        .collect()
}

/// Check-ins of `clinic` describing each day of `from..=to`: (day, all
/// check-ins, those on a day numbered in `due_days`). Grouped in the
/// database in one pass over the `checkins_clinic_day` index, which covers
/// the query.
pub fn checkins_by_day(
    conn: &mut DbConn,
    clinic: ClinicId,
    (from, to): (NaiveDate, NaiveDate),
    due_days: &[i32],
) -> Result<Vec<(NaiveDate, i64, i64)>, DbError> {
    use diesel::sql_types::BigInt;
    // The day numbers come from the schedule in code, never from input, so
    // they are written into the statement as integer literals.
    let list = if due_days.is_empty() {
        "NULL".to_string()
    } else {
        due_days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")
    };
    let due_count = diesel::dsl::sql::<BigInt>(&format!("SUM(CASE WHEN day_number IN ({list}) THEN 1 ELSE 0 END)"));
    Ok(checkins::table
        .filter(checkins::clinic_id.eq(clinic.0))
        .filter(checkins::day.ge(from))
        .filter(checkins::day.le(to))
        .group_by(checkins::day)
        .select((checkins::day, diesel::dsl::count_star(), due_count))
        .load(conn)?)
}

/// Check-ins of `treatments` on a day numbered in `due_days`, describing a
/// day in `from..=to`, per treatment (the report adds them up by procedure
/// class). Reads the `checkins_treatment_due` index only, a chunk of
/// treatments per statement (bind limits).
pub fn due_checkins_by_treatment(
    conn: &mut DbConn,
    treatments: &[TreatmentId],
    (from, to): (NaiveDate, NaiveDate),
    due_days: &[i32],
) -> Result<Vec<(TreatmentId, i64)>, DbError> {
    let mut out = Vec::with_capacity(treatments.len());
    for chunk in treatments.chunks(2000) {
        let ids: Vec<i64> = chunk.iter().map(|t| t.0).collect();
        let rows: Vec<(i64, i64)> = checkins::table
            .filter(checkins::treatment_id.eq_any(ids))
            .filter(checkins::day.ge(from))
            .filter(checkins::day.le(to))
            .filter(checkins::day_number.eq_any(due_days))
            .group_by(checkins::treatment_id)
            .select((checkins::treatment_id, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(t, n)| (TreatmentId(t), n)));
    }
    Ok(out)
}

/// What the report reads of a flag.
#[derive(Debug, Clone)]
pub struct ReportFlag {
    pub rule: RuleId,
    pub severity: Severity,
    pub state: FlagState,
    pub treatment: TreatmentId,
    pub procedure: ProcedureClass,
    pub raised_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    /// What came of it (resolved flags; none for those resolved before outcomes were asked).
    pub outcome: Option<Outcome>,
}

/// Flags of `clinic` raised in `[start, end)` (UTC), read through the
/// `flags_clinic_raised` index.
pub fn flags_raised_between(
    conn: &mut DbConn,
    clinic: ClinicId,
    (start, end): (NaiveDateTime, NaiveDateTime),
) -> Result<Vec<ReportFlag>, DbError> {
    type Row = (
        String,
        String,
        String,
        i64,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<String>,
    );
    let rows: Vec<Row> = flags::table
        .inner_join(treatments::table)
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::raised_at.ge(start))
        .filter(flags::raised_at.lt(end))
        .select((
            flags::rule_id,
            flags::severity,
            flags::state,
            flags::treatment_id,
            treatments::procedure,
            flags::raised_at,
            flags::acknowledged_at,
            flags::escalated_at,
            flags::outcome,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(rule, severity, state, treatment, procedure, raised_at, acknowledged_at, escalated_at, outcome)| {
                Ok(ReportFlag {
                    rule: RuleId::parse(&rule).map_err(bad)?,
                    severity: Severity::parse(&severity).map_err(bad)?,
                    state: FlagState::parse(&state).map_err(bad)?,
                    treatment: TreatmentId(treatment),
                    procedure: ProcedureClass::parse(&procedure).map_err(bad)?,
                    raised_at,
                    acknowledged_at,
                    escalated_at,
                    outcome: outcome.as_deref().map(Outcome::parse).transpose().map_err(bad)?,
                })
            },
        )
        .collect()
}

/// Emails of `kinds` queued for `clinic` in `[start, end)`: (status, attempts).
pub fn emails_between(
    conn: &mut DbConn,
    clinic: ClinicId,
    kinds: &[OutboxKind],
    (start, end): (NaiveDateTime, NaiveDateTime),
) -> Result<Vec<(String, i32)>, DbError> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    Ok(outbox::table
        .filter(outbox::clinic_id.eq(clinic.0))
        .filter(outbox::kind.eq_any(kinds))
        .filter(outbox::created_at.ge(start))
        .filter(outbox::created_at.lt(end))
        .select((outbox::status, outbox::attempts))
        .load(conn)?)
}
