//! Photos with a check-in: a patient adds one (after the check-in is saved,
//! so a photo can never lose the answers) or removes one the same day; staff
//! of the clinic view them (each view audited) and ask for one. Staff never
//! delete photos. Each use case opens its own transaction (off the async
//! workers) and writes its own audit row.

use crate::app::notify::{self, MailContext};
use crate::db::audit::{self, Actor};
use crate::db::photos::{self, NewPhoto, PhotoMeta, Size};
use crate::db::{checkins, clinics, flags, patients, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::media::Processed;
use crate::triage;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How many photos one check-in may carry.
pub const MAX_PER_CHECKIN: usize = 3;

/// Why yesterday's photo stays.
pub const REMOVE_TOO_LATE: Words = crate::words!(
    "photo-remove-too-late",
    "A photo can be removed only on the day it was added. If it should not be in your record, call the clinic."
);

/// What became of photos sent with a check-in: all stored, or none (the
/// check-in would have more than [`MAX_PER_CHECKIN`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Stored,
    Full,
}

fn target(id: PhotoId) -> String {
    format!("photo:{id}")
}

/// Stores a processed photo with one of the patient's own check-ins, and
/// marks the patient's open photo requests fulfilled.
fn add_one(
    conn: &mut DbConn,
    patient: &patients::Patient,
    checkin: CheckInId,
    photo: &Processed,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PhotoId> {
    let sha = hex::encode(Sha256::digest(&photo.jpeg));
    let id = photos::insert(
        conn,
        &NewPhoto {
            checkin,
            patient: patient.id,
            clinic: patient.clinic_id,
            added_by: patient.account_id,
            added_at: now.naive_utc(),
            sha256: &sha,
            jpeg: &photo.jpeg,
            width: photo.width,
            height: photo.height,
            thumbnail: &photo.thumbnail,
            thumb_width: photo.thumb_width,
            thumb_height: photo.thumb_height,
        },
    )?;
    let fulfilled = photos::fulfil_open(conn, patient.id, now.naive_utc())?;
    let detail = format!("from {}; {} request(s) fulfilled", photo.source.label(), fulfilled);
    audit::record(
        conn,
        Some(patient.clinic_id),
        actor,
        AuditAction::PhotoAdd,
        Some(&target(id)),
        &detail,
        now.naive_utc(),
    )?;
    Ok(id)
}

/// Whether the patient may still remove this photo: on the clinic's day it was added.
pub fn removable(photo: &PhotoMeta, clinic: &clinics::Clinic, now: DateTime<Utc>) -> bool {
    let tz = clinic.timezone.0;
    triage::clinic_today(photo.added_at.and_utc(), tz) == triage::clinic_today(now, tz)
}

/// Deletes a photo the patient added today (by the clinic's calendar).
fn remove_in(
    conn: &mut DbConn,
    patient: &patients::Patient,
    clinic: &clinics::Clinic,
    id: PhotoId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CheckInId> {
    let photo = photos::get(conn, id)?
        .filter(|p| p.patient_id == patient.id)
        .ok_or(Error::NotFound)?;
    if !removable(&photo, clinic, now) {
        return Err(Error::Refused(REMOVE_TOO_LATE));
    }
    photos::delete(conn, id)?;
    audit::record(
        conn,
        Some(patient.clinic_id),
        actor,
        AuditAction::PhotoRemove,
        Some(&target(id)),
        "",
        now.naive_utc(),
    )?;
    Ok(photo.checkin_id)
}

/// One of the patient's own pictures (no audit: it is their own).
fn image_for_patient_in(conn: &mut DbConn, patient: PatientId, id: PhotoId, size: Size) -> Result<Vec<u8>> {
    photos::get(conn, id)?
        .filter(|p| p.patient_id == patient)
        .ok_or(Error::NotFound)?;
    photos::image_of(conn, id, size)?.ok_or(Error::NotFound)
}

/// A picture for staff of the photo's clinic; every view writes an audit row.
fn image_for_staff_in(
    conn: &mut DbConn,
    clinic: ClinicId,
    id: PhotoId,
    size: Size,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let photo = photos::get(conn, id)?
        .filter(|p| p.clinic_id == clinic)
        .ok_or(Error::NotFound)?;
    let what = match size {
        Size::Full => "full",
        Size::Thumbnail => "thumbnail",
    };
    audit::record(
        conn,
        Some(clinic),
        actor,
        AuditAction::PhotoView,
        Some(&target(id)),
        &format!("{what}; patient:{}", photo.patient_id),
        now.naive_utc(),
    )?;
    photos::image_of(conn, id, size)?.ok_or(Error::NotFound)
}

/// What asking for a photo did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// A new request, and an email to the patient.
    Sent(PhotoRequestId),
    /// One was already open: nothing new, no second email.
    AlreadyOpen(PhotoRequestId),
}

/// Staff ask one of their clinic's patients for a photo, from a flag of that
/// patient or from the patient's page.
fn ask_in(
    conn: &mut DbConn,
    mail: &MailContext,
    staff: &crate::db::accounts::Staff,
    patient: PatientId,
    flag: Option<FlagId>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Asked> {
    let p = patients::in_clinic(conn, staff.clinic_id, patient)?.ok_or(Error::NotFound)?;
    if let Some(f) = flag {
        flags::in_clinic(conn, staff.clinic_id, f)?
            .filter(|f| f.patient_id == p.id)
            .ok_or(Error::NotFound)?;
    }
    if let Some(open) = photos::open_requests_of(conn, p.id)?.first() {
        return Ok(Asked::AlreadyOpen(open.id));
    }
    let clinic = clinics::get(conn, staff.clinic_id)?.ok_or(Error::NotFound)?;
    let id = photos::request(conn, p.id, staff.clinic_id, flag, staff.id, now.naive_utc())?;
    notify::photo_request(conn, mail, crate::i18n::Tr::new(p.language), &clinic, &p.email, now)?;
    audit::record(
        conn,
        Some(staff.clinic_id),
        actor,
        AuditAction::PhotoRequest,
        Some(&format!("patient:{}", p.id)),
        &flag.map(|f| format!("flag:{f}")).unwrap_or_default(),
        now.naive_utc(),
    )?;
    Ok(Asked::Sent(id))
}

/// A patient adds photos to one of their check-ins: all of them, or none.
pub async fn add(
    db: &Db,
    patient: patients::Patient,
    checkin: CheckInId,
    photos: Vec<Processed>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Added> {
    db.write_async(move |c| {
        checkins::of_patient(c, patient.id, checkin)?.ok_or(Error::NotFound)?;
        if photos::of_checkin(c, checkin)?.len() + photos.len() > MAX_PER_CHECKIN {
            return Ok(Added::Full);
        }
        for p in &photos {
            add_one(c, &patient, checkin, p, &actor, now)?;
        }
        Ok(Added::Stored)
    })
    .await
}

/// A patient removes a photo added today; see [`remove_in`].
pub async fn remove(
    db: &Db,
    patient: patients::Patient,
    clinic: clinics::Clinic,
    id: PhotoId,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<CheckInId> {
    db.write_async(move |c| remove_in(c, &patient, &clinic, id, &actor, now))
        .await
}

/// One of the patient's own pictures.
pub async fn image_for_patient(db: &Db, patient: PatientId, id: PhotoId, size: Size) -> Result<Vec<u8>> {
    db.read_async(move |c| image_for_patient_in(c, patient, id, size)).await
}

/// A picture for staff, its view audited.
pub async fn image_for_staff(
    db: &Db,
    clinic: ClinicId,
    id: PhotoId,
    size: Size,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    db.write_async(move |c| image_for_staff_in(c, clinic, id, size, &actor, now))
        .await
}

/// Staff ask a patient for a photo; see [`ask_in`].
pub async fn ask(
    db: &Db,
    mail: MailContext,
    staff: crate::db::accounts::Staff,
    patient: PatientId,
    flag: Option<FlagId>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Asked> {
    db.write_async(move |c| ask_in(c, &mail, &staff, patient, flag, &actor, now))
        .await
}

/// Staff open one patient's photos side by side: the patient and every
/// photo's metadata, the view audited in the same transaction.
pub async fn compare(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(patients::Patient, Vec<PhotoMeta>)> {
    db.write_async(move |c| {
        let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::PhotoCompare,
            Some(&format!("patient:{}", p.id)),
            "",
            now.naive_utc(),
        )?;
        let list = photos::of_patient(c, p.id)?;
        Ok((p, list))
    })
    .await
}

/// How many photos a clinic keeps and their bytes.
pub async fn storage_of_clinic(db: &Db, clinic: ClinicId) -> Result<(i64, i64)> {
    db.read_async(move |c| Ok(photos::storage_of_clinic(c, clinic)?)).await
}
