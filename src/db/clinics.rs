//! Clinics and their rules versions.

use super::schema::{clinics, rules_versions};
use super::{DbConn, DbError};
use crate::domain::{ClinicId, ClinicTz, RulesVersionId, StaffId};
use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clinics)]
pub struct Clinic {
    #[diesel(deserialize_as = i64)]
    pub id: ClinicId,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub timezone: ClinicTz,
    pub phone: String,
    pub alert_email: String,
    pub escalation_email: Option<String>,
    pub reminder_time: NaiveTime,
    pub workday_start: NaiveTime,
    pub workday_end: NaiveTime,
    pub escalation_minutes: i32,
    pub review_digest: bool,
    pub follow_up_days: i32,
    pub require_totp: bool,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
}

pub struct NewClinic<'a> {
    pub name: &'a str,
    pub timezone: ClinicTz,
    pub phone: &'a str,
    pub alert_email: &'a str,
}

/// Creates a clinic with its first rules version (`rules_json`, the default settings).
pub fn create(conn: &mut DbConn, new: &NewClinic, rules_json: &str, now: NaiveDateTime) -> Result<ClinicId, DbError> {
    let id: i64 = diesel::insert_into(clinics::table)
        .values((
            clinics::name.eq(new.name),
            clinics::timezone.eq(new.timezone.name()),
            clinics::phone.eq(new.phone),
            clinics::alert_email.eq(new.alert_email),
            clinics::created_at.eq(now),
        ))
        .returning(clinics::id)
        .get_result(conn)?;
    insert_rules_version(
        conn,
        ClinicId(id),
        1,
        rules_json,
        None,
        "Defaults from the clinical reference",
        now,
    )?;
    Ok(ClinicId(id))
}

pub fn get(conn: &mut DbConn, id: ClinicId) -> Result<Option<Clinic>, DbError> {
    Ok(per_backend!(conn, |c| clinics::table
        .find(id.0)
        .select(Clinic::as_select())
        .first(c)
        .optional())?)
}

/// How many patients the clinic has: kept by the database on every insert
/// and delete of a patient (a trigger), so nothing counts them per page.
pub fn patients_count(conn: &mut DbConn, id: ClinicId) -> Result<i64, DbError> {
    Ok(clinics::table
        .find(id.0)
        .select(clinics::patients_count)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0))
}

pub fn all(conn: &mut DbConn) -> Result<Vec<Clinic>, DbError> {
    Ok(clinics::table
        .order(clinics::id)
        .select(Clinic::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(clinics::table.count().get_result(conn)?)
}

/// The settings an admin may change on the clinic itself.
#[derive(Debug, Clone)]
pub struct ClinicChanges {
    pub name: String,
    pub timezone: ClinicTz,
    pub phone: String,
    pub alert_email: String,
    pub escalation_email: Option<String>,
    pub reminder_time: NaiveTime,
    pub workday_start: NaiveTime,
    pub workday_end: NaiveTime,
    pub escalation_minutes: i32,
    pub review_digest: bool,
    pub follow_up_days: i32,
}

pub fn update(conn: &mut DbConn, id: ClinicId, c: &ClinicChanges) -> Result<(), DbError> {
    diesel::update(clinics::table.find(id.0))
        .set((
            clinics::name.eq(&c.name),
            clinics::timezone.eq(c.timezone.name()),
            clinics::phone.eq(&c.phone),
            clinics::alert_email.eq(&c.alert_email),
            clinics::escalation_email.eq(&c.escalation_email),
            clinics::reminder_time.eq(c.reminder_time),
            clinics::workday_start.eq(c.workday_start),
            clinics::workday_end.eq(c.workday_end),
            clinics::escalation_minutes.eq(c.escalation_minutes),
            clinics::review_digest.eq(c.review_digest),
            clinics::follow_up_days.eq(c.follow_up_days),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the clinic's staff must use two-step sign-in.
pub fn set_require_totp(conn: &mut DbConn, id: ClinicId, required: bool) -> Result<(), DbError> {
    diesel::update(clinics::table.find(id.0))
        .set(clinics::require_totp.eq(required))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rules_versions)]
pub struct RulesVersion {
    #[diesel(deserialize_as = i64)]
    pub id: RulesVersionId,
    pub version: i32,
    pub settings: String,
    /// Why it was made (the admin's words, or the system's).
    pub note: String,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
}

/// The clinic's rules in force: its highest version.
pub fn current_rules(conn: &mut DbConn, clinic: ClinicId) -> Result<RulesVersion, DbError> {
    Ok(per_backend!(conn, |c| rules_versions::table
        .filter(rules_versions::clinic_id.eq(clinic.0))
        .order(rules_versions::version.desc())
        .select(RulesVersion::as_select())
        .first(c))?)
}

/// Holds the clinic's row until the transaction ends, so two processes
/// deciding whether to add a rules version decide one after the other.
pub fn lock_for_rules(conn: &mut DbConn, clinic: ClinicId) -> Result<(), DbError> {
    lock_row!(conn, clinics, clinic.0);
    Ok(())
}

/// Adds a new rules version; flags already raised keep theirs.
pub fn new_rules_version(
    conn: &mut DbConn,
    clinic: ClinicId,
    rules_json: &str,
    by: Option<StaffId>,
    note: &str,
    now: NaiveDateTime,
) -> Result<RulesVersion, DbError> {
    // Two admins saving at once would both read the same version.
    lock_row!(conn, clinics, clinic.0);
    let next = current_rules(conn, clinic)?.version + 1;
    let id = insert_rules_version(conn, clinic, next, rules_json, by, note, now)?;
    Ok(RulesVersion {
        id,
        version: next,
        settings: rules_json.to_string(),
        note: note.to_string(),
        created_at: now,
    })
}

fn insert_rules_version(
    conn: &mut DbConn,
    clinic: ClinicId,
    version: i32,
    rules_json: &str,
    by: Option<StaffId>,
    note: &str,
    now: NaiveDateTime,
) -> Result<RulesVersionId, DbError> {
    let id: i64 = diesel::insert_into(rules_versions::table)
        .values((
            rules_versions::clinic_id.eq(clinic.0),
            rules_versions::version.eq(version),
            rules_versions::settings.eq(rules_json),
            rules_versions::created_by.eq(by.map(|s| s.0)),
            rules_versions::note.eq(note),
            rules_versions::created_at.eq(now),
        ))
        .returning(rules_versions::id)
        .get_result(conn)?;
    Ok(RulesVersionId(id))
}

/// Holds the clinic's row until the transaction ends: changes to who the
/// clinic's admins are (a role change, disabling an account) are decided one
/// at a time, so two at once cannot both leave the other as the last admin.
pub fn lock(conn: &mut DbConn, clinic: ClinicId) -> Result<(), DbError> {
    lock_row!(conn, clinics, clinic.0);
    Ok(())
}
