//! What the scheduler needs: the treatments still in follow-up, and a record
//! of scheduled findings already acted on (each exactly once).

use super::patients::Treatment;
use super::schema::{accounts, patients, scheduled_findings, treatments};
use super::{DbConn, DbError};
use crate::domain::{AccountId, ClinicId, Lang, ScheduledKind, TreatmentId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A treatment in follow-up with what the scheduler needs of its patient.
#[derive(Debug, Clone)]
pub struct Followed {
    pub treatment: Treatment,
    pub patient_account: AccountId,
    pub patient_email: String,
    /// The patient's language (their reminders are written in it).
    pub language: Lang,
    pub reminders: bool,
    pub disabled: bool,
    /// When the patient accepted the invite (`None`: only invited).
    pub activated_at: Option<NaiveDateTime>,
    /// When the patient was enrolled.
    pub enrolled_at: NaiveDateTime,
}

/// Treatments of `clinic` treated on or after `since`, whose patient's
/// follow-up is not closed.
pub fn in_follow_up(conn: &mut DbConn, clinic: ClinicId, since: NaiveDate) -> Result<Vec<Followed>, DbError> {
    // account id, email, language, reminders, disabled, activated, enrolled
    type Row = (
        Treatment,
        (i64, String, String, bool, bool, Option<NaiveDateTime>, NaiveDateTime),
    );
    let rows: Vec<Row> = treatments::table
        .inner_join(patients::table.inner_join(accounts::table))
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::treated_on.ge(since))
        .filter(patients::follow_up_closed_at.is_null())
        .select((
            Treatment::as_select(),
            (
                accounts::id,
                accounts::email,
                patients::language,
                patients::reminders,
                accounts::disabled,
                accounts::activated_at,
                patients::created_at,
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(treatment, (account, patient_email, language, reminders, disabled, activated_at, enrolled_at))| {
                Followed {
                    treatment,
                    patient_account: AccountId(account),
                    patient_email,
                    language: Lang::parse(&language).unwrap_or(Lang::En),
                    reminders,
                    disabled,
                    activated_at,
                    enrolled_at,
                }
            },
        )
        .collect())
}

/// Records that `kind` was acted on for `key`; false when it already was (by
/// this or another process). Uses a savepoint so a duplicate does not abort
/// the caller's transaction.
pub fn claim(
    conn: &mut DbConn,
    treatment: TreatmentId,
    kind: ScheduledKind,
    key: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let r = conn.transaction::<_, diesel::result::Error, _>(|c| {
        diesel::insert_into(scheduled_findings::table)
            .values((
                scheduled_findings::treatment_id.eq(treatment.0),
                scheduled_findings::rule_id.eq(kind.as_str()),
                scheduled_findings::dedup_key.eq(key),
                scheduled_findings::created_at.eq(now),
            ))
            .execute(c)
    });
    match r {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether the scheduler already acted on `kind`/`key` for this treatment.
pub fn is_claimed(conn: &mut DbConn, treatment: TreatmentId, kind: ScheduledKind, key: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        scheduled_findings::table
            .filter(scheduled_findings::treatment_id.eq(treatment.0))
            .filter(scheduled_findings::rule_id.eq(kind.as_str()))
            .filter(scheduled_findings::dedup_key.eq(key)),
    ))
    .get_result(conn)?)
}
