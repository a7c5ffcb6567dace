//! Patients and their treatments. Every lookup for staff is scoped by clinic;
//! another clinic's id finds nothing.

use super::reused::one_of;
use super::schema::{accounts, patient_search, patients, tokens, treatments};
use super::stamp::{MaybeStamp, Stamp};
use super::{DbConn, DbError};
use crate::domain::{
    AccountId, AccountKind, ClinicId, EmailAddress, Lang, PatientId, PhoneNumber, Prescribed, ProcedureClass,
    RulesVersionId, SkinType, TokenPurpose, TreatmentId, Zones,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = patients)]
pub struct PatientRow {
    #[diesel(deserialize_as = i64)]
    pub id: PatientId,
    #[diesel(deserialize_as = i64)]
    pub account_id: AccountId,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    pub name: String,
    pub skin_type: Option<i32>,
    pub cold_sores: bool,
    pub reminders: bool,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub follow_up_closed_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub last_checkin_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    pub phone: Option<String>,
    pub phone_tel: Option<String>,
    pub language: String,
}

#[derive(Debug, Clone)]
pub struct Patient {
    pub id: PatientId,
    pub account_id: AccountId,
    pub clinic_id: ClinicId,
    pub name: String,
    pub email: String,
    pub skin_type: Option<SkinType>,
    pub cold_sores: bool,
    pub reminders: bool,
    pub follow_up_closed_at: Option<NaiveDateTime>,
    pub last_checkin_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub disabled: bool,
    pub phone: Option<PhoneNumber>,
    /// When the patient accepted the invite; `None` while only invited.
    pub activated_at: Option<NaiveDateTime>,
    /// The language of their pages and emails.
    pub language: Lang,
}

type AccountColumns = (String, bool, Option<NaiveDateTime>);

fn to_patient((row, (email, disabled, activated_at)): (PatientRow, AccountColumns)) -> Patient {
    Patient {
        id: row.id,
        account_id: row.account_id,
        clinic_id: row.clinic_id,
        name: row.name,
        email,
        // A stored value outside 1–6 cannot be written by this code; read it as unknown.
        skin_type: row.skin_type.and_then(|n| SkinType::new(n).ok()),
        cold_sores: row.cold_sores,
        reminders: row.reminders,
        follow_up_closed_at: row.follow_up_closed_at,
        last_checkin_at: row.last_checkin_at,
        created_at: row.created_at,
        disabled,
        phone: stored_phone(row.phone, row.phone_tel),
        activated_at,
        // Only `Lang` texts are written; anything else reads as English.
        language: Lang::parse(&row.language).unwrap_or(Lang::En),
    }
}

/// Both columns are written together; a row with only one reads as no number.
pub fn stored_phone(entered: Option<String>, tel: Option<String>) -> Option<PhoneNumber> {
    Some(PhoneNumber::from_stored(entered?, tel?))
}

pub struct NewPatient<'a> {
    pub clinic: ClinicId,
    pub email: &'a EmailAddress,
    pub name: &'a str,
    pub skin_type: Option<SkinType>,
    pub cold_sores: bool,
    pub phone: Option<&'a PhoneNumber>,
    pub language: Lang,
}

pub fn create(conn: &mut DbConn, new: &NewPatient, now: NaiveDateTime) -> Result<(PatientId, AccountId), DbError> {
    let account = super::accounts::create_account(conn, new.email, AccountKind::Patient, now)?;
    let id: i64 = diesel::insert_into(patients::table)
        .values((
            patients::account_id.eq(account.0),
            patients::clinic_id.eq(new.clinic.0),
            patients::name.eq(new.name),
            patients::skin_type.eq(new.skin_type.map(|s| s.get())),
            patients::cold_sores.eq(new.cold_sores),
            patients::language.eq(new.language.as_str()),
            patients::created_at.eq(now),
            patients::phone.eq(new.phone.map(|p| p.as_entered())),
            patients::phone_tel.eq(new.phone.map(|p| p.tel())),
        ))
        .returning(patients::id)
        .get_result(conn)?;
    index_for_search(conn, PatientId(id))?;
    Ok((PatientId(id), account))
}

/// Writes patient `id`'s search terms (`domain::search::terms`) from the
/// name and email stored now, replacing any earlier ones: every write of
/// either calls it, in the same transaction.
pub fn index_for_search(conn: &mut DbConn, id: PatientId) -> Result<(), DbError> {
    let stored: Option<(i64, String, String)> = patients::table
        .inner_join(accounts::table)
        .filter(patients::id.eq(id.0))
        .select((patients::clinic_id, patients::name, accounts::email))
        .first(conn)
        .optional()?;
    diesel::delete(patient_search::table.filter(patient_search::patient_id.eq(id.0))).execute(conn)?;
    let Some((clinic, name, email)) = stored else {
        return Ok(());
    };
    let rows: Vec<_> = crate::domain::search::terms(&name, &email)
        .into_iter()
        .map(|term| {
            (
                patient_search::clinic_id.eq(clinic),
                patient_search::term.eq(term),
                patient_search::patient_id.eq(id.0),
                patient_search::name.eq(name.clone()),
            )
        })
        .collect();
    // Multi-row inserts exist on each backend, not on the pair of them.
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(patient_search::table).values(&rows).execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(patient_search::table).values(&rows).execute(c)?,
    };
    Ok(())
}

/// Indexes the patients that have no search terms yet (those enrolled
/// before the search had its table); returns how many. Run when the
/// database is opened, after its migrations: a probe of
/// `patient_search_patient` per patient, so a no-op costs little.
pub fn index_unsearchable(conn: &mut DbConn) -> Result<usize, DbError> {
    let missing: Vec<i64> = patients::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            patient_search::table.filter(patient_search::patient_id.eq(patients::id)),
        )))
        .select(patients::id)
        .load(conn)?;
    for id in &missing {
        index_for_search(conn, PatientId(*id))?;
    }
    Ok(missing.len())
}

/// A patient's new email, with their search terms.
pub fn set_email(
    conn: &mut DbConn,
    patient: PatientId,
    account: AccountId,
    email: &EmailAddress,
) -> Result<(), DbError> {
    super::accounts::set_email(conn, account, email)?;
    index_for_search(conn, patient)
}

macro_rules! patient_select {
    () => {
        patients::table.inner_join(accounts::table).select((
            PatientRow::as_select(),
            (accounts::email, accounts::disabled, accounts::activated_at),
        ))
    };
}

pub fn by_account(conn: &mut DbConn, account: AccountId) -> Result<Option<Patient>, DbError> {
    Ok(per_backend!(conn, |c| patient_select!()
        .filter(patients::account_id.eq(account.0))
        .first(c)
        .optional())?
    .map(to_patient))
}

/// A patient of `clinic`; `None` for another clinic's patient.
pub fn in_clinic(conn: &mut DbConn, clinic: ClinicId, id: PatientId) -> Result<Option<Patient>, DbError> {
    Ok(per_backend!(conn, |c| patient_select!()
        .filter(patients::clinic_id.eq(clinic.0))
        .filter(patients::id.eq(id.0))
        .first(c)
        .optional())?
    .map(to_patient))
}

/// One page of a clinic's patients in id order, after patient id `after`
/// (keyset paging: each page costs the same however far in).
pub fn page_after(conn: &mut DbConn, clinic: ClinicId, after: i64, limit: i64) -> Result<Vec<Patient>, DbError> {
    Ok(patient_select!()
        .filter(patients::clinic_id.eq(clinic.0))
        .filter(patients::id.gt(after))
        .order(patients::id)
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(to_patient)
        .collect())
}

pub fn count_in_clinic(conn: &mut DbConn, clinic: ClinicId) -> Result<i64, DbError> {
    Ok(patients::table
        .filter(patients::clinic_id.eq(clinic.0))
        .count()
        .get_result(conn)?)
}

/// Any patient by id: only for the CLI, which acts as the operator.
pub fn get(conn: &mut DbConn, id: PatientId) -> Result<Option<Patient>, DbError> {
    Ok(patient_select!()
        .filter(patients::id.eq(id.0))
        .first(conn)
        .optional()?
        .map(to_patient))
}

/// A newest invite link: (sent, expires, used or retired).
pub type InviteLink = (NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>);
/// A patient's activation time and newest invite link.
pub type InviteFacts = (Option<NaiveDateTime>, Option<InviteLink>);

/// For a page of patients of `clinic`: each one's activation time and newest
/// invite link (two queries, whatever the page size).
pub fn invites_of(
    conn: &mut DbConn,
    clinic: ClinicId,
    ids: &[PatientId],
) -> Result<std::collections::HashMap<PatientId, InviteFacts>, DbError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let raw: Vec<i64> = ids.iter().map(|p| p.0).collect();
    let rows: Vec<(i64, i64, MaybeStamp)> = per_backend!(conn, |c| patients::table
        .inner_join(accounts::table)
        .filter(same_clinic!(patients::clinic_id, clinic))
        .filter(one_of(patients::id, raw))
        .select((patients::id, accounts::id, accounts::activated_at))
        .load(c))?;
    let waiting: Vec<i64> = rows.iter().filter(|r| r.2 .0.is_none()).map(|r| r.1).collect();
    let mut latest: std::collections::HashMap<i64, InviteLink> = std::collections::HashMap::new();
    if !waiting.is_empty() {
        let links: Vec<(Option<i64>, Stamp, Stamp, MaybeStamp)> = per_backend!(conn, |c| tokens::table
            .filter(tokens::purpose.eq(TokenPurpose::Invite.as_str()))
            .filter(one_of(tokens::account_id, waiting))
            .order((tokens::created_at.asc(), tokens::expires_at.asc()))
            .select((
                tokens::account_id,
                tokens::created_at,
                tokens::expires_at,
                tokens::used_at,
            ))
            .load(c))?;
        // Oldest first, so the newest per account is the one left.
        for (account, sent, expires, used) in links {
            if let Some(a) = account {
                latest.insert(a, (sent.0, expires.0, used.0));
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, account, activated)| (PatientId(id), (activated.0, latest.get(&account).copied())))
        .collect())
}

/// Sets when the patient last checked in (the demo writes check-ins in bulk).
pub fn set_last_checkin_at(conn: &mut DbConn, id: PatientId, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(patients::table.find(id.0))
        .set(patients::last_checkin_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn set_reminders(conn: &mut DbConn, id: PatientId, on: bool) -> Result<(), DbError> {
    diesel::update(patients::table.find(id.0))
        .set(patients::reminders.eq(on))
        .execute(conn)?;
    Ok(())
}

pub fn set_language(conn: &mut DbConn, id: PatientId, language: Lang) -> Result<(), DbError> {
    diesel::update(patients::table.find(id.0))
        .set(patients::language.eq(language.as_str()))
        .execute(conn)?;
    Ok(())
}

/// A new treatment session starts a new follow-up.
pub fn reopen_follow_up(conn: &mut DbConn, id: PatientId) -> Result<(), DbError> {
    diesel::update(patients::table.find(id.0))
        .set(patients::follow_up_closed_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

pub fn close_follow_up(conn: &mut DbConn, id: PatientId, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(patients::table.find(id.0))
        .set(patients::follow_up_closed_at.eq(now))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = treatments)]
pub struct Treatment {
    #[diesel(deserialize_as = i64)]
    pub id: TreatmentId,
    #[diesel(deserialize_as = i64)]
    pub patient_id: PatientId,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    #[diesel(deserialize_as = String)]
    pub procedure: ProcedureClass,
    pub treated_on: NaiveDate,
    #[diesel(deserialize_as = ZonesText)]
    pub zones: Zones,
    pub antiviral: bool,
    pub antibiotic: bool,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
}

impl Treatment {
    pub fn prescribed(&self) -> Prescribed {
        Prescribed {
            antiviral: self.antiviral,
            antibiotic: self.antibiotic,
        }
    }
}

/// Reads the stored comma list into [`Zones`].
pub struct ZonesText(String);
impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for ZonesText
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        String::from_sql(bytes).map(ZonesText)
    }
}
impl<DB> diesel::deserialize::Queryable<diesel::sql_types::Text, DB> for ZonesText
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    type Row = String;
    fn build(row: String) -> diesel::deserialize::Result<Self> {
        Ok(ZonesText(row))
    }
}
impl TryFrom<ZonesText> for Zones {
    type Error = crate::domain::UnknownOption;
    fn try_from(z: ZonesText) -> Result<Self, Self::Error> {
        Zones::parse(&z.0)
    }
}

pub struct NewTreatment<'a> {
    pub patient: PatientId,
    pub clinic: ClinicId,
    pub procedure: ProcedureClass,
    pub treated_on: NaiveDate,
    pub zones: &'a Zones,
    pub prescribed: Prescribed,
}

pub fn create_treatment(conn: &mut DbConn, new: &NewTreatment, now: NaiveDateTime) -> Result<TreatmentId, DbError> {
    let id: i64 = diesel::insert_into(treatments::table)
        .values((
            treatments::patient_id.eq(new.patient.0),
            treatments::clinic_id.eq(new.clinic.0),
            treatments::procedure.eq(new.procedure.as_str()),
            treatments::treated_on.eq(new.treated_on),
            treatments::zones.eq(new.zones.to_db()),
            treatments::antiviral.eq(new.prescribed.antiviral),
            treatments::antibiotic.eq(new.prescribed.antibiotic),
            treatments::created_at.eq(now),
        ))
        .returning(treatments::id)
        .get_result(conn)?;
    Ok(TreatmentId(id))
}

/// Holds the treatment until the transaction ends: everything recorded
/// against one treatment (the day's check-in and its version, the flags
/// raised on it) is decided by one writer at a time.
pub fn lock_treatment(conn: &mut DbConn, id: TreatmentId) -> Result<(), DbError> {
    lock_row!(conn, treatments, id.0);
    Ok(())
}

/// [`lock_treatment`], and the clinic's rules in force (their version and
/// stored JSON) read with it: a check-in needs both. On PostgreSQL one
/// statement, the rules as subqueries beside the lock (which takes only
/// the treatment's row), so one round trip instead of two.
pub fn lock_treatment_reading_rules(
    conn: &mut DbConn,
    id: TreatmentId,
    clinic: ClinicId,
) -> Result<(RulesVersionId, String), DbError> {
    use super::schema::rules_versions as rv;
    let c = match conn {
        DbConn::Pg(c) => c,
        DbConn::Sqlite(_) => {
            let v = super::clinics::current_rules(conn, clinic)?;
            return Ok((v.id, v.settings));
        }
    };
    let latest = || {
        rv::table
            .filter(rv::clinic_id.eq(clinic.0))
            .order(rv::version.desc())
            .limit(1)
    };
    let (version, settings) = treatments::table
        .find(id.0)
        .select((
            latest().select(rv::id).single_value(),
            latest().select(rv::settings).single_value(),
        ))
        .for_no_key_update()
        .first::<(Option<i64>, Option<String>)>(c)
        .optional()?
        .unwrap_or_default();
    // As `current_rules`: a clinic always has a version from its creation.
    match (version, settings) {
        (Some(v), Some(s)) => Ok((RulesVersionId(v), s)),
        _ => Err(DbError::Query(diesel::result::Error::NotFound)),
    }
}

/// A patient's treatments, most recent first.
pub fn treatments_of(conn: &mut DbConn, patient: PatientId) -> Result<Vec<Treatment>, DbError> {
    Ok(per_backend!(conn, |c| treatments::table
        .filter(treatments::patient_id.eq(patient.0))
        .order((treatments::treated_on.desc(), treatments::id.desc()))
        .select(Treatment::as_select())
        .load(c))?)
}

/// One of the patient's own treatments; `None` for anyone else's.
pub fn treatment_of(conn: &mut DbConn, patient: PatientId, id: TreatmentId) -> Result<Option<Treatment>, DbError> {
    Ok(per_backend!(conn, |c| treatments::table
        .filter(treatments::patient_id.eq(patient.0))
        .filter(treatments::id.eq(id.0))
        .select(Treatment::as_select())
        .first(c)
        .optional())?)
}

/// Any treatment by id: for the CLI, the scheduler and tests, which act as the operator.
pub fn treatment_by_id(conn: &mut DbConn, id: TreatmentId) -> Result<Option<Treatment>, DbError> {
    Ok(treatments::table
        .find(id.0)
        .select(Treatment::as_select())
        .first(conn)
        .optional()?)
}

/// A patient's own details as an admin corrects them (the email lives on the account).
pub struct PatientDetails<'a> {
    pub name: &'a str,
    pub phone: Option<&'a PhoneNumber>,
    pub skin_type: Option<SkinType>,
    pub cold_sores: bool,
}

pub fn update_details(conn: &mut DbConn, id: PatientId, d: &PatientDetails) -> Result<(), DbError> {
    diesel::update(patients::table.find(id.0))
        .set((
            patients::name.eq(d.name),
            patients::phone.eq(d.phone.map(|p| p.as_entered())),
            patients::phone_tel.eq(d.phone.map(|p| p.tel())),
            patients::skin_type.eq(d.skin_type.map(|s| s.get())),
            patients::cold_sores.eq(d.cold_sores),
        ))
        .execute(conn)?;
    index_for_search(conn, id)
}

/// A treatment of `clinic`; `None` for another clinic's.
pub fn treatment_in_clinic(conn: &mut DbConn, clinic: ClinicId, id: TreatmentId) -> Result<Option<Treatment>, DbError> {
    Ok(treatments::table
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::id.eq(id.0))
        .select(Treatment::as_select())
        .first(conn)
        .optional()?)
}

/// Corrects a treatment's facts in place: the same fields as [`NewTreatment`].
pub fn correct_treatment(conn: &mut DbConn, id: TreatmentId, t: &NewTreatment) -> Result<(), DbError> {
    diesel::update(treatments::table.find(id.0))
        .set((
            treatments::procedure.eq(t.procedure.as_str()),
            treatments::treated_on.eq(t.treated_on),
            treatments::zones.eq(t.zones.to_db()),
            treatments::antiviral.eq(t.prescribed.antiviral),
            treatments::antibiotic.eq(t.prescribed.antibiotic),
        ))
        .execute(conn)?;
    Ok(())
}

/// Names of `ids` among `clinic`'s patients, with their account ids (the
/// audit log names both the patient a row concerns and a patient who acted).
pub fn names_of(
    conn: &mut DbConn,
    clinic: ClinicId,
    ids: &[i64],
) -> Result<Vec<(PatientId, AccountId, String)>, DbError> {
    let rows: Vec<(i64, i64, String)> = patients::table
        .filter(patients::clinic_id.eq(clinic.0))
        .filter(patients::id.eq_any(ids))
        .select((patients::id, patients::account_id, patients::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, n)| (PatientId(id), AccountId(a), n))
        .collect())
}

/// Every patient of `clinic` by name, as (id, name, email): the audit log's
/// patient filter lists them.
pub fn directory(conn: &mut DbConn, clinic: ClinicId) -> Result<Vec<(PatientId, String, String)>, DbError> {
    let rows: Vec<(i64, String, String)> = patients::table
        .inner_join(accounts::table)
        .filter(patients::clinic_id.eq(clinic.0))
        .order((patients::name.asc(), patients::id.asc()))
        .select((patients::id, patients::name, accounts::email))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, n, e)| (PatientId(id), n, e)).collect())
}
