//! A patient's photos: adding them to a saved check-in (`POST /checkin/photos`,
//! multipart), removing one the same day, and seeing their own pictures.
//! The check-in is always saved before a photo is sent, so a refused or
//! failed photo never costs the answers.

use crate::app::photos::{self as use_case, Added, MAX_PER_CHECKIN};
use crate::auth::tokens;
use crate::db::photos::{self, PhotoMeta, Size};
use crate::db::{checkins, clinics, DbConn};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::media::{self, Refusal, MAX_UPLOAD_BYTES};
use crate::web::error::{render, see_other};
use crate::web::session::{PatientUser, SecureForm};
use crate::web::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// What the result page shows about photos of its check-in.
pub struct PhotoPanel {
    pub checkin_id: i64,
    pub photos: Vec<OwnPhoto>,
    pub can_add: bool,
    pub max: usize,
    /// The clinic asked for a photo and none has arrived since.
    pub requested: bool,
}

/// One of the patient's photos, as a thumbnail.
pub struct OwnPhoto {
    pub id: i64,
    pub number: usize,
    pub thumb_width: i32,
    pub thumb_height: i32,
    pub removable: bool,
}

impl PhotoPanel {
    /// Reads the panel for one of the patient's check-ins.
    pub fn load(
        conn: &mut DbConn,
        patient: PatientId,
        clinic: &clinics::Clinic,
        checkin: CheckInId,
        now: DateTime<Utc>,
    ) -> Result<PhotoPanel> {
        let list = photos::of_checkin(conn, checkin)?;
        let requested = !photos::open_requests_of(conn, patient)?.is_empty();
        Ok(Self::of(checkin, &list, clinic, now, requested))
    }

    fn of(
        checkin: CheckInId,
        list: &[PhotoMeta],
        clinic: &clinics::Clinic,
        now: DateTime<Utc>,
        requested: bool,
    ) -> Self {
        PhotoPanel {
            checkin_id: checkin.0,
            photos: list
                .iter()
                .enumerate()
                .map(|(i, p)| OwnPhoto {
                    id: p.id.0,
                    number: i + 1,
                    thumb_width: p.thumb_width,
                    thumb_height: p.thumb_height,
                    removable: use_case::removable(p, clinic, now),
                })
                .collect(),
            can_add: list.len() < MAX_PER_CHECKIN,
            max: MAX_PER_CHECKIN,
            requested,
        }
    }
}

/// Whether the patient has a photo request waiting (home page, check-in form).
pub fn photo_requested(conn: &mut DbConn, patient: PatientId) -> Result<bool> {
    Ok(!photos::open_requests_of(conn, patient)?.is_empty())
}

#[derive(Template)]
#[template(path = "patient/photo_refused.html")]
struct RefusedPage<'a> {
    tr: Tr,
    csrf: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
    message: &'a str,
    panel: PhotoPanel,
}

/// The form's fields, read from the multipart body under a size limit.
struct Upload {
    csrf: String,
    checkin: String,
    files: Vec<Vec<u8>>,
    too_big: bool,
}

/// Everything a form with three full-size photos could need, and a little more.
const BODY_LIMIT: usize = (MAX_PER_CHECKIN + 1) * MAX_UPLOAD_BYTES;
const TEXT_LIMIT: usize = 256;

/// The upload broke off on the way.
pub const NOT_RECEIVED: Words = crate::words!(
    "photo-not-received",
    "The photo could not be received. Check your connection and try again."
);

fn unreadable() -> Error {
    Error::invalid_words("photo", NOT_RECEIVED)
}

/// Why a photo was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAdded {
    /// The file itself.
    File(Refusal),
    /// More files in one form than a check-in takes.
    TooManyAtOnce,
    /// The check-in has its photos already.
    CheckInFull,
}

/// What the patient reads about a photo that was not added: the one place
/// each reason meets its catalogue key.
pub fn reason(tr: Tr, why: &NotAdded) -> String {
    let key = match why {
        NotAdded::File(r) => match r {
            Refusal::Empty => "photo-refused-empty",
            Refusal::TooBig => "photo-refused-too-big",
            Refusal::NotAnImage => "photo-refused-not-an-image",
            Refusal::TooManyPixels { width, height } => {
                // Plain digits, as the picture's size is usually written.
                return tr.t2(
                    "photo-refused-too-many-pixels",
                    "width",
                    width.to_string(),
                    "height",
                    height.to_string(),
                );
            }
            Refusal::TooLarge => "photo-refused-too-large",
            Refusal::Corrupt => "photo-refused-corrupt",
            Refusal::Polyglot => "photo-refused-polyglot",
            Refusal::HeicUnsupported => "photo-refused-heic",
        },
        NotAdded::TooManyAtOnce => "photo-refused-too-many-at-once",
        NotAdded::CheckInFull => "photo-refused-full",
    };
    tr.t1(key, "max", MAX_PER_CHECKIN)
}

async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Upload> {
    let mut form = Multipart::new(req.headers(), payload);
    let mut up = Upload {
        csrf: String::new(),
        checkin: String::new(),
        files: Vec::new(),
        too_big: false,
    };
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field.name().unwrap_or("").to_string();
        let limit = if name == "photo" { MAX_UPLOAD_BYTES } else { TEXT_LIMIT };
        let mut buf: Vec<u8> = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            total += chunk.len();
            if total > BODY_LIMIT {
                // Stop reading: the fields before the photo (the check-in)
                // are enough to answer with the refusal page.
                up.too_big = true;
                return Ok(up);
            }
            // Past the limit the rest is read and dropped, so the browser
            // gets the answer instead of a reset connection.
            if !over && buf.len() + chunk.len() > limit {
                over = true;
                buf = Vec::new();
            }
            if !over {
                buf.extend_from_slice(&chunk);
            }
        }
        match name.as_str() {
            "csrf" => up.csrf = String::from_utf8_lossy(&buf).into_owned(),
            "checkin" => up.checkin = String::from_utf8_lossy(&buf).into_owned(),
            // A file input left empty still sends a part, with no bytes.
            "photo" if over => up.too_big = true,
            "photo" if !buf.is_empty() => up.files.push(buf),
            _ => {}
        }
    }
    Ok(up)
}

/// Decoding is CPU work: at most this many at once, leaving a core for pages.
fn decode_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Semaphore::new(cores.saturating_sub(1).max(1))
    })
}

/// Runs the image pipeline on the blocking pool, a limited number at a time.
async fn process_all(files: Vec<Vec<u8>>) -> Result<std::result::Result<Vec<media::Processed>, Refusal>> {
    let _permit = decode_permits()
        .acquire()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    web::block(move || files.iter().map(|f| media::process(f)).collect())
        .await
        .map_err(|e| Error::Internal(e.to_string()))
}

fn checkin_of(raw: &str) -> Result<CheckInId> {
    raw.trim().parse().map(CheckInId).map_err(|_| Error::NotFound)
}

pub async fn upload(
    state: web::Data<AppState>,
    user: PatientUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let up = read_upload(&req, payload).await?;
    if up.csrf.is_empty() || !tokens::same(&up.csrf, &user.session.csrf) {
        return Err(Error::Csrf);
    }
    let checkin = checkin_of(&up.checkin)?;
    let refusal = if up.too_big {
        Some(Refusal::TooBig)
    } else if up.files.is_empty() {
        Some(Refusal::Empty)
    } else {
        None
    };
    let processed = match refusal {
        Some(r) => Err(r),
        None => {
            if up.files.len() > MAX_PER_CHECKIN {
                return refused(&state, &user, checkin, &NotAdded::TooManyAtOnce).await;
            }
            process_all(up.files).await?
        }
    };
    let photos = match processed {
        Ok(p) => p,
        Err(r) => return refused(&state, &user, checkin, &NotAdded::File(r)).await,
    };
    let now = state.clock.now();
    let actor = user.actor();
    let patient = user.patient.clone();
    match use_case::add(&state.db, patient, checkin, photos, actor, now).await? {
        Added::Stored => Ok(see_other(&format!("/checkin/result?checkin={}#photos", checkin.0))),
        Added::Full => refused(&state, &user, checkin, &NotAdded::CheckInFull).await,
    }
}

/// The photo was not added: why, and the form again. The check-in stays saved.
async fn refused(state: &AppState, user: &PatientUser, checkin: CheckInId, why: &NotAdded) -> Result<HttpResponse> {
    let pid = user.patient.id;
    let clinic = user.clinic.clone();
    let now = state.clock.now();
    let panel = state
        .db
        .run(move |db| {
            db.read(|c| {
                checkins::of_patient(c, pid, checkin)?.ok_or(Error::NotFound)?;
                PhotoPanel::load(c, pid, &clinic, checkin, now)
            })
        })
        .await?;
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &RefusedPage {
            tr: user.tr(),
            csrf: &user.session.csrf,
            clinic_name: &user.clinic.name,
            clinic_phone: &user.clinic.phone,
            message: &reason(user.tr(), why),
            panel,
        },
    )
}

pub async fn remove(
    state: web::Data<AppState>,
    user: PatientUser,
    path: web::Path<String>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    let id: PhotoId = path.parse().map_err(|_| Error::NotFound)?;
    let now = state.clock.now();
    let actor = user.actor();
    let PatientUser { patient, clinic, .. } = user;
    let checkin = use_case::remove(&state.db, patient, clinic, id, actor, now).await?;
    Ok(see_other(&format!("/checkin/result?checkin={}#photos", checkin.0)))
}

/// A JPEG response that no browser or proxy keeps and none sniffs.
pub fn jpeg(bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes)
}

async fn own_image(state: &AppState, user: &PatientUser, raw: &str, size: Size) -> Result<HttpResponse> {
    let id: PhotoId = raw.parse().map_err(|_| Error::NotFound)?;
    let pid = user.patient.id;
    let bytes = use_case::image_for_patient(&state.db, pid, id, size).await?;
    Ok(jpeg(bytes))
}

pub async fn full(state: web::Data<AppState>, user: PatientUser, path: web::Path<String>) -> Result<HttpResponse> {
    own_image(&state, &user, &path, Size::Full).await
}

pub async fn thumbnail(state: web::Data<AppState>, user: PatientUser, path: web::Path<String>) -> Result<HttpResponse> {
    own_image(&state, &user, &path, Size::Thumbnail).await
}
