//! Photos of a check-in and requests for one. Lists and pages load
//! [`PhotoMeta`] only; the picture bytes are read one at a time, by
//! [`image_of`], for the handler that serves them.

use super::schema::{checkins, photo_requests, photos};
use super::{DbConn, DbError};
use crate::domain::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// Everything about a photo except its bytes, with its check-in's day.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = photos)]
pub struct PhotoMeta {
    #[diesel(deserialize_as = i64)]
    pub id: PhotoId,
    #[diesel(deserialize_as = i64)]
    pub checkin_id: CheckInId,
    #[diesel(deserialize_as = i64)]
    pub patient_id: PatientId,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    #[diesel(deserialize_as = i64)]
    pub added_by: AccountId,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub added_at: NaiveDateTime,
    pub sha256: String,
    pub size_bytes: i64,
    pub width: i32,
    pub height: i32,
    pub thumb_width: i32,
    pub thumb_height: i32,
    /// The check-in's day and day number since treatment.
    #[diesel(select_expression = checkins::day, select_expression_type = checkins::day)]
    pub day: NaiveDate,
    #[diesel(select_expression = checkins::day_number, select_expression_type = checkins::day_number)]
    pub day_number: i32,
    #[diesel(deserialize_as = i64)]
    #[diesel(select_expression = checkins::treatment_id, select_expression_type = checkins::treatment_id)]
    pub treatment_id: TreatmentId,
}

/// A processed photo to store.
pub struct NewPhoto<'a> {
    pub checkin: CheckInId,
    pub patient: PatientId,
    pub clinic: ClinicId,
    pub added_by: AccountId,
    pub added_at: NaiveDateTime,
    pub sha256: &'a str,
    pub jpeg: &'a [u8],
    pub width: u32,
    pub height: u32,
    pub thumbnail: &'a [u8],
    pub thumb_width: u32,
    pub thumb_height: u32,
}

fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn len(b: &[u8]) -> i64 {
    i64::try_from(b.len()).unwrap_or(i64::MAX)
}

pub fn insert(conn: &mut DbConn, p: &NewPhoto) -> Result<PhotoId, DbError> {
    let id: i64 = diesel::insert_into(photos::table)
        .values((
            photos::checkin_id.eq(p.checkin.0),
            photos::patient_id.eq(p.patient.0),
            photos::clinic_id.eq(p.clinic.0),
            photos::added_by.eq(p.added_by.0),
            photos::added_at.eq(p.added_at),
            photos::sha256.eq(p.sha256),
            photos::size_bytes.eq(len(p.jpeg)),
            photos::width.eq(int(p.width)),
            photos::height.eq(int(p.height)),
            photos::thumb_size_bytes.eq(len(p.thumbnail)),
            photos::thumb_width.eq(int(p.thumb_width)),
            photos::thumb_height.eq(int(p.thumb_height)),
            photos::bytes.eq(p.jpeg),
            photos::thumbnail.eq(p.thumbnail),
        ))
        .returning(photos::id)
        .get_result(conn)?;
    Ok(PhotoId(id))
}

/// One photo's details, whoever it belongs to (callers scope it).
pub fn get(conn: &mut DbConn, id: PhotoId) -> Result<Option<PhotoMeta>, DbError> {
    Ok(photos::table
        .inner_join(checkins::table)
        .filter(photos::id.eq(id.0))
        .select(PhotoMeta::as_select())
        .first(conn)
        .optional()?)
}

/// The photos of one check-in, oldest first.
pub fn of_checkin(conn: &mut DbConn, checkin: CheckInId) -> Result<Vec<PhotoMeta>, DbError> {
    Ok(photos::table
        .inner_join(checkins::table)
        .filter(photos::checkin_id.eq(checkin.0))
        .order(photos::id)
        .select(PhotoMeta::as_select())
        .load(conn)?)
}

/// A patient's photos, by day of recovery then as added.
pub fn of_patient(conn: &mut DbConn, patient: PatientId) -> Result<Vec<PhotoMeta>, DbError> {
    Ok(per_backend!(conn, |c| photos::table
        .inner_join(checkins::table)
        .filter(photos::patient_id.eq(patient.0))
        .order((checkins::day, photos::id))
        .select(PhotoMeta::as_select())
        .load(c))?)
}

/// How many photos each of `checkin_ids` has (absent: none).
pub fn counts_of_checkins(conn: &mut DbConn, checkin_ids: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
    if checkin_ids.is_empty() {
        return Ok(Vec::new());
    }
    // One bind for the whole list (`reused::one_of`): prepared once.
    let ids = checkin_ids.to_vec();
    Ok(per_backend!(conn, |c| photos::table
        .filter(super::reused::one_of(photos::checkin_id, ids))
        .group_by(photos::checkin_id)
        .select((photos::checkin_id, diesel::dsl::count_star()))
        .load(c))?)
}

/// Which picture of a photo to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Full,
    Thumbnail,
}

/// The JPEG bytes of one picture (one column, one row).
pub fn image_of(conn: &mut DbConn, id: PhotoId, size: Size) -> Result<Option<Vec<u8>>, DbError> {
    let q = photos::table.filter(photos::id.eq(id.0));
    Ok(match size {
        Size::Full => q.select(photos::bytes).first(conn).optional()?,
        Size::Thumbnail => q.select(photos::thumbnail).first(conn).optional()?,
    })
}

pub fn delete(conn: &mut DbConn, id: PhotoId) -> Result<usize, DbError> {
    Ok(diesel::delete(photos::table.filter(photos::id.eq(id.0))).execute(conn)?)
}

/// What a clinic's photos take: (photos, bytes of pictures and thumbnails).
pub fn storage_of_clinic(conn: &mut DbConn, clinic: ClinicId) -> Result<(i64, i64), DbError> {
    // Summed here: SUM(BIGINT) is NUMERIC on PostgreSQL, which the shared
    // connection type does not read.
    let sizes: Vec<(i64, i64)> = photos::table
        .filter(photos::clinic_id.eq(clinic.0))
        .select((photos::size_bytes, photos::thumb_size_bytes))
        .load(conn)?;
    let total = sizes
        .iter()
        .map(|(a, b)| a.saturating_add(*b))
        .fold(0i64, i64::saturating_add);
    Ok((sizes.len() as i64, total))
}

// ---------------------------------------------------------------------------
// Requests.

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = photo_requests)]
pub struct PhotoRequest {
    #[diesel(deserialize_as = i64)]
    pub id: PhotoRequestId,
    #[diesel(deserialize_as = i64)]
    pub patient_id: PatientId,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    pub flag_id: Option<i64>,
    #[diesel(deserialize_as = i64)]
    pub requested_by: StaffId,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub requested_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub fulfilled_at: Option<NaiveDateTime>,
}

pub fn request(
    conn: &mut DbConn,
    patient: PatientId,
    clinic: ClinicId,
    flag: Option<FlagId>,
    by: StaffId,
    now: NaiveDateTime,
) -> Result<PhotoRequestId, DbError> {
    let id: i64 = diesel::insert_into(photo_requests::table)
        .values((
            photo_requests::patient_id.eq(patient.0),
            photo_requests::clinic_id.eq(clinic.0),
            photo_requests::flag_id.eq(flag.map(|f| f.0)),
            photo_requests::requested_by.eq(by.0),
            photo_requests::requested_at.eq(now),
        ))
        .returning(photo_requests::id)
        .get_result(conn)?;
    Ok(PhotoRequestId(id))
}

/// A patient's requests, newest first.
pub fn requests_of(conn: &mut DbConn, patient: PatientId) -> Result<Vec<PhotoRequest>, DbError> {
    Ok(per_backend!(conn, |c| photo_requests::table
        .filter(photo_requests::patient_id.eq(patient.0))
        .order(photo_requests::id.desc())
        .select(PhotoRequest::as_select())
        .load(c))?)
}

/// The patient's requests still waiting for a photo.
pub fn open_requests_of(conn: &mut DbConn, patient: PatientId) -> Result<Vec<PhotoRequest>, DbError> {
    Ok(photo_requests::table
        .filter(photo_requests::patient_id.eq(patient.0))
        .filter(photo_requests::fulfilled_at.is_null())
        .order(photo_requests::id)
        .select(PhotoRequest::as_select())
        .load(conn)?)
}

/// Marks every open request of the patient fulfilled; returns how many.
pub fn fulfil_open(conn: &mut DbConn, patient: PatientId, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(
        photo_requests::table
            .filter(photo_requests::patient_id.eq(patient.0))
            .filter(photo_requests::fulfilled_at.is_null()),
    )
    .set(photo_requests::fulfilled_at.eq(Some(now)))
    .execute(conn)?)
}
