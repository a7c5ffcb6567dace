//! Check-ins: one per treatment and day described. A second submission for
//! the same day amends it; the earlier version is kept whole in
//! `checkin_revisions`. Nothing is ever deleted.

use super::parsed::{MaybeParsed, Parsed};
use super::reused;
use super::schema::{checkin_revisions, checkins, patients};
use super::{DbConn, DbError};
use crate::domain::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A treatment with its check-ins, each with its earlier versions.
pub type TreatmentHistory = (super::patients::Treatment, Vec<(CheckIn, Vec<Revision>)>);

/// A stored check-in with its answers.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub id: CheckInId,
    pub treatment_id: TreatmentId,
    pub patient_id: PatientId,
    pub clinic_id: ClinicId,
    pub day: NaiveDate,
    pub day_number: i64,
    pub kind: CheckInKind,
    pub answers: CheckInAnswers,
    pub highest_severity: Option<Severity>,
    /// What the rules told the patient about this version.
    pub advice: Advice,
    pub version: i32,
    pub entered_at: NaiveDateTime,
    pub first_entered_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = checkins)]
struct Row {
    id: i64,
    treatment_id: i64,
    patient_id: i64,
    clinic_id: i64,
    #[diesel(deserialize_as = super::stamp::Day)]
    day: NaiveDate,
    day_number: i32,
    kind: Parsed<CheckInKind>,
    overall: Parsed<Overall>,
    pain: i32,
    pain_relief: Parsed<PainRelief>,
    itch: i32,
    swelling: i32,
    eyes_swollen_shut: bool,
    redness: i32,
    redness_spreading: bool,
    oozing: Parsed<Oozing>,
    crusts: Parsed<Crusts>,
    blisters: bool,
    tingling: bool,
    pimples: bool,
    white_patches: bool,
    rash_outside: bool,
    raw_area: bool,
    lip_swelling_or_breathing: bool,
    fever: bool,
    temperature_c: Option<f64>,
    vision_change: bool,
    eye_pain: bool,
    cannot_close_eye: bool,
    lid_pulling: bool,
    bleeding: bool,
    want_call: bool,
    prophylaxis: Parsed<Prophylaxis>,
    dark_patches: bool,
    light_patches: bool,
    raised_area: bool,
    raised_area_site: MaybeParsed<RaisedAreaSite>,
    note: Option<String>,
    highest_severity: MaybeParsed<Severity>,
    advice: Parsed<Advice>,
    version: i32,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    entered_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    first_entered_at: NaiveDateTime,
}

fn scale(v: i32, max: u8) -> Result<u8, DbError> {
    u8::try_from(v).ok().filter(|n| *n <= max).ok_or_else(|| {
        DbError::Query(diesel::result::Error::DeserializationError(
            format!("value {v} out of range").into(),
        ))
    })
}

impl TryFrom<Row> for CheckIn {
    type Error = DbError;
    fn try_from(r: Row) -> Result<Self, DbError> {
        let answers = CheckInAnswers {
            overall: r.overall.0,
            pain: scale(r.pain, 10)?,
            pain_relief: r.pain_relief.0,
            itch: scale(r.itch, 10)?,
            swelling: scale(r.swelling, 3)?,
            eyes_swollen_shut: r.eyes_swollen_shut,
            redness: scale(r.redness, 3)?,
            redness_spreading: r.redness_spreading,
            oozing: r.oozing.0,
            crusts: r.crusts.0,
            blisters: r.blisters,
            tingling: r.tingling,
            pimples: r.pimples,
            white_patches: r.white_patches,
            rash_outside: r.rash_outside,
            raw_area: r.raw_area,
            lip_swelling_or_breathing: r.lip_swelling_or_breathing,
            fever: r.fever,
            temperature: r.temperature_c.map(Temperature::from_celsius),
            vision_change: r.vision_change,
            eye_pain: r.eye_pain,
            cannot_close_eye: r.cannot_close_eye,
            lid_pulling: r.lid_pulling,
            bleeding: r.bleeding,
            want_call: r.want_call,
            prophylaxis: r.prophylaxis.0,
            dark_patches: r.dark_patches,
            light_patches: r.light_patches,
            raised_area: r.raised_area,
            raised_area_site: r.raised_area_site.0,
            note: r.note,
        };
        Ok(CheckIn {
            id: CheckInId(r.id),
            treatment_id: TreatmentId(r.treatment_id),
            patient_id: PatientId(r.patient_id),
            clinic_id: ClinicId(r.clinic_id),
            day: r.day,
            day_number: r.day_number as i64,
            kind: r.kind.0,
            answers,
            highest_severity: r.highest_severity.0,
            advice: r.advice.0,
            version: r.version,
            entered_at: r.entered_at,
            first_entered_at: r.first_entered_at,
        })
    }
}

/// Where a check-in belongs.
pub struct CheckInKey {
    pub treatment: TreatmentId,
    pub patient: PatientId,
    pub clinic: ClinicId,
    pub day: NaiveDate,
    pub day_number: i64,
    pub kind: CheckInKind,
}

/// Stores the answers for a day with what the rules decided of them:
/// inserts, or amends `existing`, the day's check-in as read under the
/// treatment's lock (keeping the earlier version). Returns the check-in's
/// id and whether it was an amendment. The caller holds the treatment's
/// lock ([`super::patients::lock_treatment`]) from before that read: two
/// submissions at once (a double tap) would otherwise both find no
/// check-in, or both the same version.
pub fn upsert(
    conn: &mut DbConn,
    key: &CheckInKey,
    existing: Option<&CheckIn>,
    a: &CheckInAnswers,
    (highest, advice): (Option<Severity>, Advice),
    now: NaiveDateTime,
) -> Result<(CheckInId, bool), DbError> {
    let amended = existing.is_some();
    let row = NewCheckInRow::new(key, a, highest, advice, now);
    let touched = reused::update(
        patients::table,
        patients::id.eq(key.patient.0),
        patients::last_checkin_at.eq(now),
    );
    // SQLite: a statement each on its own connection (see `per_backend!`).
    // PostgreSQL: one statement (`with_writes`), so one round trip; the
    // writes touch different rows (the revision, the check-in, the patient).
    let id = match existing {
        Some(old) => {
            let snapshot = serde_json::to_string(&old.answers)
                .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
            let revision = diesel::insert_into(checkin_revisions::table).values((
                checkin_revisions::checkin_id.eq(old.id.0),
                checkin_revisions::version.eq(old.version),
                checkin_revisions::answers.eq(snapshot),
                checkin_revisions::highest_severity.eq(old.highest_severity.map(|s| s.as_str())),
                checkin_revisions::entered_at.eq(old.entered_at),
            ));
            let amend = reused::update(
                checkins::table,
                checkins::id.eq(old.id.0),
                (&row, checkins::version.eq(old.version + 1)),
            );
            match conn {
                DbConn::Sqlite(c) => {
                    revision.execute(c)?;
                    amend.execute(c)?;
                    touched.execute(c)?;
                }
                DbConn::Pg(c) => {
                    reused::with_writes((revision, touched), amend).execute(c)?;
                }
            }
            old.id
        }
        None => {
            let insert = diesel::insert_into(checkins::table)
                .values(&row)
                .returning(checkins::id);
            CheckInId(match conn {
                DbConn::Sqlite(c) => {
                    let id = insert.get_result(c)?;
                    touched.execute(c)?;
                    id
                }
                DbConn::Pg(c) => reused::with_writes((touched,), insert).get_result(c)?,
            })
        }
    };
    Ok((id, amended))
}

pub fn for_day(conn: &mut DbConn, treatment: TreatmentId, day: NaiveDate) -> Result<Option<CheckIn>, DbError> {
    per_backend!(conn, |c| checkins::table
        .filter(checkins::treatment_id.eq(treatment.0))
        .filter(checkins::day.eq(day))
        .select(Row::as_select())
        .first(c)
        .optional())?
    .map(CheckIn::try_from)
    .transpose()
}

/// A treatment's check-in ids by day number (the demo links its flags).
pub fn ids_by_day(
    conn: &mut DbConn,
    treatment: TreatmentId,
) -> Result<std::collections::HashMap<i64, CheckInId>, DbError> {
    let rows: Vec<(i32, i64)> = checkins::table
        .filter(checkins::treatment_id.eq(treatment.0))
        .select((checkins::day_number, checkins::id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(d, id)| (i64::from(d), CheckInId(id))).collect())
}

/// Every check-in of a treatment, by day.
pub fn of_treatment(conn: &mut DbConn, treatment: TreatmentId) -> Result<Vec<CheckIn>, DbError> {
    per_backend!(conn, |c| checkins::table
        .filter(checkins::treatment_id.eq(treatment.0))
        .order(checkins::day.asc())
        .select(Row::as_select())
        .load(c))?
    .into_iter()
    .map(CheckIn::try_from)
    .collect()
}

/// A day's check-in as stored so far, and the `n` latest of the treatment
/// on days before it, newest first: all the trend rules compare with
/// (`prev` and the one before it). One statement through the (treatment,
/// day) index instead of the whole history, or of a statement each.
pub fn day_and_latest_before(
    conn: &mut DbConn,
    treatment: TreatmentId,
    day: NaiveDate,
    n: i64,
) -> Result<(Option<CheckIn>, Vec<CheckIn>), DbError> {
    let mut rows = per_backend!(conn, |c| checkins::table
        .filter(checkins::treatment_id.eq(treatment.0))
        .filter(checkins::day.le(day))
        .order(checkins::day.desc())
        .limit(n + 1)
        .select(Row::as_select())
        .load(c))?
    .into_iter()
    .map(CheckIn::try_from)
    .collect::<Result<Vec<_>, _>>()?;
    let this_day = match rows.first() {
        Some(first) if first.day == day => Some(rows.remove(0)),
        _ => None,
    };
    rows.truncate(n.max(0) as usize);
    Ok((this_day, rows))
}

/// The days (and their highest severity) a treatment has check-ins for, cheaply.
pub fn days_of_treatment(conn: &mut DbConn, treatment: TreatmentId) -> Result<Vec<(i64, Option<Severity>)>, DbError> {
    let rows: Vec<(i32, Option<String>)> = checkins::table
        .filter(checkins::treatment_id.eq(treatment.0))
        .order(checkins::day_number.asc())
        .select((checkins::day_number, checkins::highest_severity))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(d, s)| (d as i64, s.as_deref().and_then(|s| Severity::parse(s).ok())))
        .collect())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checkin_revisions)]
pub struct Revision {
    pub version: i32,
    pub answers: String,
    pub highest_severity: Option<String>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub entered_at: NaiveDateTime,
}

impl Revision {
    pub fn parsed(&self) -> Option<CheckInAnswers> {
        serde_json::from_str(&self.answers).ok()
    }
}

/// Earlier versions of an amended check-in, oldest first.
pub fn revisions(conn: &mut DbConn, checkin: CheckInId) -> Result<Vec<Revision>, DbError> {
    Ok(revisions_of(conn, &[checkin])?.remove(&checkin).unwrap_or_default())
}

/// The earlier versions of each of `checkins`, oldest first: one statement
/// for a whole record page instead of one per amended check-in.
pub fn revisions_of(
    conn: &mut DbConn,
    checkins: &[CheckInId],
) -> Result<std::collections::HashMap<CheckInId, Vec<Revision>>, DbError> {
    let mut out: std::collections::HashMap<CheckInId, Vec<Revision>> = std::collections::HashMap::new();
    if checkins.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = checkins.iter().map(|c| c.0).collect();
    let rows: Vec<(i64, Revision)> = per_backend!(conn, |c| checkin_revisions::table
        .filter(reused::one_of(checkin_revisions::checkin_id, ids))
        .order((checkin_revisions::checkin_id.asc(), checkin_revisions::version.asc()))
        .select((checkin_revisions::checkin_id, Revision::as_select()))
        .load(c))?;
    for (id, rev) in rows {
        out.entry(CheckInId(id)).or_default().push(rev);
    }
    Ok(out)
}

/// A page of check-ins of a clinic entered in [from, to), for export.
pub fn of_clinic_between(
    conn: &mut DbConn,
    clinic: ClinicId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after_id: i64,
    limit: i64,
) -> Result<Vec<CheckIn>, DbError> {
    checkins::table
        .filter(checkins::clinic_id.eq(clinic.0))
        .filter(checkins::entered_at.ge(from))
        .filter(checkins::entered_at.lt(to))
        .filter(checkins::id.gt(after_id))
        .order(checkins::id.asc())
        .limit(limit)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(CheckIn::try_from)
        .collect()
}

/// A whole check-in row: a first version as [`upsert`] inserts it (and the
/// demo generator in bulk), or, as a changeset, what an amendment rewrites:
/// the answers, the outcome and when (`None` writes NULL). Where it belongs,
/// when it was first entered and its version are never rewritten.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = checkins, treat_none_as_null = true)]
pub struct NewCheckInRow {
    #[diesel(skip_update)]
    pub treatment_id: i64,
    #[diesel(skip_update)]
    pub patient_id: i64,
    #[diesel(skip_update)]
    pub clinic_id: i64,
    #[diesel(skip_update)]
    pub day: NaiveDate,
    pub day_number: i32,
    pub kind: &'static str,
    pub overall: &'static str,
    pub pain: i32,
    pub pain_relief: &'static str,
    pub itch: i32,
    pub swelling: i32,
    pub eyes_swollen_shut: bool,
    pub redness: i32,
    pub redness_spreading: bool,
    pub oozing: &'static str,
    pub crusts: &'static str,
    pub blisters: bool,
    pub tingling: bool,
    pub pimples: bool,
    pub white_patches: bool,
    pub rash_outside: bool,
    pub raw_area: bool,
    pub lip_swelling_or_breathing: bool,
    pub fever: bool,
    pub temperature_c: Option<f64>,
    pub vision_change: bool,
    pub eye_pain: bool,
    pub cannot_close_eye: bool,
    pub lid_pulling: bool,
    pub bleeding: bool,
    pub want_call: bool,
    pub prophylaxis: &'static str,
    pub dark_patches: bool,
    pub light_patches: bool,
    pub raised_area: bool,
    pub raised_area_site: Option<&'static str>,
    pub note: Option<String>,
    pub highest_severity: Option<&'static str>,
    pub advice: &'static str,
    #[diesel(skip_update)]
    pub version: i32,
    pub entered_at: NaiveDateTime,
    #[diesel(skip_update)]
    pub first_entered_at: NaiveDateTime,
}

impl NewCheckInRow {
    /// A first version entered at `entered`, with the rules' outcome.
    pub fn new(
        key: &CheckInKey,
        a: &CheckInAnswers,
        highest: Option<Severity>,
        advice: Advice,
        entered: NaiveDateTime,
    ) -> Self {
        Self {
            treatment_id: key.treatment.0,
            patient_id: key.patient.0,
            clinic_id: key.clinic.0,
            day: key.day,
            day_number: key.day_number as i32,
            kind: key.kind.as_str(),
            overall: a.overall.as_str(),
            pain: a.pain as i32,
            pain_relief: a.pain_relief.as_str(),
            itch: a.itch as i32,
            swelling: a.swelling as i32,
            eyes_swollen_shut: a.eyes_swollen_shut,
            redness: a.redness as i32,
            redness_spreading: a.redness_spreading,
            oozing: a.oozing.as_str(),
            crusts: a.crusts.as_str(),
            blisters: a.blisters,
            tingling: a.tingling,
            pimples: a.pimples,
            white_patches: a.white_patches,
            rash_outside: a.rash_outside,
            raw_area: a.raw_area,
            lip_swelling_or_breathing: a.lip_swelling_or_breathing,
            fever: a.fever,
            temperature_c: a.temperature.map(|t| t.celsius()),
            vision_change: a.vision_change,
            eye_pain: a.eye_pain,
            cannot_close_eye: a.cannot_close_eye,
            lid_pulling: a.lid_pulling,
            bleeding: a.bleeding,
            want_call: a.want_call,
            prophylaxis: a.prophylaxis.as_str(),
            dark_patches: a.dark_patches,
            light_patches: a.light_patches,
            raised_area: a.raised_area,
            raised_area_site: a.raised_area_site.map(|s| s.as_str()),
            note: a.note.clone(),
            highest_severity: highest.map(|s| s.as_str()),
            advice: advice.as_str(),
            version: 1,
            entered_at: entered,
            first_entered_at: entered,
        }
    }
}

/// Inserts many check-ins at once: multi-row statements on the concrete
/// backend (far fewer round trips than one insert per row).
pub fn insert_many(conn: &mut DbConn, rows: &[NewCheckInRow]) -> Result<(), DbError> {
    // SQLite allows 32,766 bound values per statement; 42 columns × 400 rows fits.
    for batch in rows.chunks(400) {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(checkins::table).values(batch).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(checkins::table).values(batch).execute(c)?,
        };
    }
    Ok(())
}

/// One of the patient's own check-ins; `None` for anyone else's.
pub fn of_patient(conn: &mut DbConn, patient: PatientId, id: CheckInId) -> Result<Option<CheckIn>, DbError> {
    checkins::table
        .filter(checkins::patient_id.eq(patient.0))
        .filter(checkins::id.eq(id.0))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(CheckIn::try_from)
        .transpose()
}

/// The check-ins of `treatments` describing days `from..=to`, by treatment
/// and day (the rules preview replays them in that order).
pub fn of_treatments_between(
    conn: &mut DbConn,
    treatments: &[TreatmentId],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CheckIn>, DbError> {
    let ids: Vec<i64> = treatments.iter().map(|t| t.0).collect();
    checkins::table
        .filter(checkins::treatment_id.eq_any(ids))
        .filter(checkins::day.ge(from))
        .filter(checkins::day.le(to))
        .order((checkins::treatment_id.asc(), checkins::day.asc()))
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(CheckIn::try_from)
        .collect()
}

/// Every check-in of a treatment as (id, day), by day: what a corrected
/// treatment date renumbers.
pub fn ids_and_days(conn: &mut DbConn, treatment: TreatmentId) -> Result<Vec<(CheckInId, NaiveDate)>, DbError> {
    let rows: Vec<(i64, NaiveDate)> = checkins::table
        .filter(checkins::treatment_id.eq(treatment.0))
        .order(checkins::day.asc())
        .select((checkins::id, checkins::day))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, d)| (CheckInId(id), d)).collect())
}

/// The day number of a check-in, after its treatment's date was corrected
/// (the answers, and the flags raised on them, stay as they were).
pub fn set_day_number(conn: &mut DbConn, id: CheckInId, day_number: i64) -> Result<(), DbError> {
    diesel::update(checkins::table.find(id.0))
        .set(checkins::day_number.eq(day_number as i32))
        .execute(conn)?;
    Ok(())
}
