//! Photos for clinic staff: the pictures themselves (each view audited), the
//! photo box on the flag and patient pages (thumbnails, "Ask for a photo"),
//! and a side-by-side comparison of two days.

use crate::app::notify::MailContext;
use crate::app::photos::{self as use_case, Asked};
use crate::db::photos::{self, PhotoMeta, Size};
use crate::db::DbConn;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::web::error::{page, see_other};
use crate::web::patient::photos::jpeg;
use crate::web::session::{SecureForm, StaffUser};
use crate::web::view::format::{local_time, short_date};
use crate::web::view::nav::Nav;
use crate::web::view::notice::{safe_back, with_notice};
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// A photo as staff see it in a list.
pub struct StaffPhoto {
    pub id: i64,
    pub day_number: i32,
    pub date: String,
    /// The check-in's calendar day and treatment: what groups a timeline.
    day: NaiveDate,
    treatment: i64,
    pub thumb_width: i32,
    pub thumb_height: i32,
    pub width: i32,
    pub height: i32,
}

impl StaffPhoto {
    fn of(p: &PhotoMeta) -> Self {
        StaffPhoto {
            id: p.id.0,
            day_number: p.day_number,
            date: short_date(p.day),
            day: p.day,
            treatment: p.treatment_id.0,
            thumb_width: p.thumb_width,
            thumb_height: p.thumb_height,
            width: p.width,
            height: p.height,
        }
    }
}

/// Where the patient's latest photo request stands.
pub enum RequestState {
    None,
    Open { since: String },
    Fulfilled { at: String },
}

/// Which photos a box shows.
pub enum Scope {
    /// One check-in's (the flag page); `None`: the flag has no check-in.
    CheckIn(Option<i64>),
    /// All of the patient's, as a timeline (the patient page).
    Patient,
}

/// The photo box of the flag and patient pages.
pub struct PhotoBox {
    pub title: &'static str,
    pub timeline: bool,
    pub patient_id: i64,
    /// The flag the box is on (sent with "Ask for a photo").
    pub flag_id: Option<i64>,
    pub photos: Vec<StaffPhoto>,
    pub request: RequestState,
    /// Where the ask form returns to.
    pub back: String,
}

impl PhotoBox {
    pub fn load(
        conn: &mut DbConn,
        patient: PatientId,
        scope: Scope,
        flag: Option<FlagId>,
        tz: ClinicTz,
        back: String,
    ) -> Result<PhotoBox> {
        let (title, timeline, list) = match scope {
            Scope::CheckIn(Some(c)) => (
                "Photos with this check-in",
                false,
                photos::of_checkin(conn, CheckInId(c))?,
            ),
            Scope::CheckIn(None) => ("Photos with this check-in", false, Vec::new()),
            Scope::Patient => ("Photos by day", true, photos::of_patient(conn, patient)?),
        };
        let request = match photos::requests_of(conn, patient)?.first() {
            None => RequestState::None,
            Some(r) => match r.fulfilled_at {
                None => RequestState::Open {
                    since: local_time(r.requested_at, tz),
                },
                Some(at) => RequestState::Fulfilled { at: local_time(at, tz) },
            },
        };
        Ok(PhotoBox {
            title,
            timeline,
            patient_id: patient.0,
            flag_id: flag.map(|f| f.0),
            photos: list.iter().map(StaffPhoto::of).collect(),
            request,
            back,
        })
    }

    pub fn requested_since(&self) -> Option<&str> {
        match &self.request {
            RequestState::Open { since } => Some(since),
            _ => None,
        }
    }

    pub fn fulfilled_at(&self) -> Option<&str> {
        match &self.request {
            RequestState::Fulfilled { at } => Some(at),
            _ => None,
        }
    }

    /// The photos by day since treatment, for the timeline: one entry per
    /// check-in day and treatment, in calendar order, so a second
    /// treatment's day 3 never merges with the first one's.
    pub fn by_day(&self) -> Vec<(i32, String, Vec<&StaffPhoto>)> {
        let mut days: BTreeMap<(NaiveDate, i64), (i32, String, Vec<&StaffPhoto>)> = BTreeMap::new();
        for p in &self.photos {
            days.entry((p.day, p.treatment))
                .or_insert_with(|| (p.day_number, p.date.clone(), Vec::new()))
                .2
                .push(p);
        }
        days.into_values().collect()
    }
}

/// How many photos each flag's check-in has, by check-in id (the queue's marker).
pub fn counts(conn: &mut DbConn, checkin_ids: &[i64]) -> Result<HashMap<i64, i64>> {
    Ok(photos::counts_of_checkins(conn, checkin_ids)?.into_iter().collect())
}

/// What the clinic's photos take, in words: "12 photos, 3.4 MB".
pub async fn photo_storage(state: &AppState, clinic: ClinicId) -> Result<String> {
    let (n, bytes) = use_case::storage_of_clinic(&state.db, clinic).await?;
    Ok(format!(
        "{n} photo{}, {}",
        if n == 1 { "" } else { "s" },
        human_bytes(bytes)
    ))
}

fn human_bytes(b: i64) -> String {
    let b = b as f64;
    if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", (b / 1024.0).ceil())
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

async fn staff_image(state: &AppState, user: &StaffUser, raw: &str, size: Size) -> Result<HttpResponse> {
    let id: PhotoId = raw.parse().map_err(|_| Error::NotFound)?;
    let (clinic, actor, now) = (user.clinic.id, user.actor(), state.clock.now());
    let bytes = use_case::image_for_staff(&state.db, clinic, id, size, actor, now).await?;
    Ok(jpeg(bytes))
}

pub async fn full(state: web::Data<AppState>, user: StaffUser, path: web::Path<String>) -> Result<HttpResponse> {
    staff_image(&state, &user, &path, Size::Full).await
}

pub async fn thumbnail(state: web::Data<AppState>, user: StaffUser, path: web::Path<String>) -> Result<HttpResponse> {
    staff_image(&state, &user, &path, Size::Thumbnail).await
}

/// `POST /clinic/patients/{id}/ask-photo` (optional `flag`, `back`).
pub async fn ask(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let patient: PatientId = path.parse().map_err(|_| Error::NotFound)?;
    let flag = match form.get("flag").trim() {
        "" => None,
        raw => Some(raw.parse::<FlagId>().map_err(|_| Error::NotFound)?),
    };
    let mail = MailContext::from_settings(&state.settings);
    let (staff, actor, now) = (user.staff.clone(), user.actor(), state.clock.now());
    let asked = use_case::ask(&state.db, mail, staff, patient, flag, actor, now).await?;
    let default_back = format!("/clinic/patients/{patient}");
    let back = match form.get("back") {
        "" => default_back.as_str(),
        b => safe_back(b),
    };
    let code = match asked {
        Asked::Sent(_) => "photo_asked",
        Asked::AlreadyOpen(_) => "photo_already_asked",
    };
    Ok(see_other(&with_notice(back, code)))
}

/// The notices the ask form leads to (the flag and patient pages show them).
pub fn notice_text(code: &str) -> Option<&'static str> {
    match code {
        "photo_asked" => Some("The patient has been asked for a photo, and emailed."),
        "photo_already_asked" => Some("A photo request is already open for this patient: no second email was sent."),
        _ => None,
    }
}

// ---------- side by side ----------

pub struct DayOption {
    /// The calendar day (`YYYY-MM-DD`): unique across treatments.
    pub value: String,
    pub label: String,
    pub left: bool,
    pub right: bool,
}

#[derive(Template)]
#[template(path = "clinic/photo_compare.html")]
struct ComparePage {
    nav: Nav,
    patient_id: i64,
    patient_name: String,
    /// Days that have photos, as options of the two selects.
    days: Vec<DayOption>,
    a: Option<String>,
    b: Option<String>,
    left: Vec<StaffPhoto>,
    right: Vec<StaffPhoto>,
}

/// A chosen day: a calendar date (`2026-03-04`), or a day number since
/// treatment (`4`, as older links have it: the latest day with that number).
fn day_param(req: &HttpRequest, key: &str, days: &[(NaiveDate, i32)]) -> Option<NaiveDate> {
    let raw = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)?
        .1;
    let raw = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return days.iter().any(|(d, _)| *d == date).then_some(date);
    }
    let n: i32 = raw.parse().ok()?;
    days.iter().rev().find(|(_, day)| *day == n).map(|(d, _)| *d)
}

/// `GET /clinic/patients/{id}/photos/compare?a=DATE&b=DATE`: two days of one
/// patient's photos side by side (by default the first and the latest).
pub async fn compare(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let id: PatientId = path.parse().map_err(|_| Error::NotFound)?;
    let (clinic, actor, now) = (user.clinic.id, user.actor(), state.clock.now());
    // Showing the pictures is viewing them: audited with the page.
    let (patient, list) = use_case::compare(&state.db, clinic, id, actor, now).await?;
    // The list is in calendar order; one option per calendar day.
    let mut days: Vec<(NaiveDate, i32)> = list.iter().map(|p| (p.day, p.day_number)).collect();
    days.dedup_by_key(|d| d.0);
    let a = day_param(&req, "a", &days).or(days.first().map(|d| d.0));
    let b = day_param(&req, "b", &days).or(days.last().map(|d| d.0));
    let on = |day: Option<NaiveDate>| -> Vec<StaffPhoto> {
        list.iter().filter(|p| Some(p.day) == day).map(StaffPhoto::of).collect()
    };
    let label = |date: NaiveDate, n: i32| format!("Day {n} ({})", short_date(date));
    let label_of = |d: Option<NaiveDate>| {
        d.and_then(|d| days.iter().find(|(x, _)| *x == d))
            .map(|(d, n)| label(*d, *n))
    };
    page(&ComparePage {
        nav: Nav::new(&user, "patients"),
        patient_id: patient.id.0,
        patient_name: patient.name,
        left: on(a),
        right: on(b),
        a: label_of(a),
        b: label_of(b),
        days: days
            .iter()
            .map(|(d, n)| DayOption {
                value: d.format("%Y-%m-%d").to_string(),
                label: label(*d, *n),
                left: a == Some(*d),
                right: b == Some(*d),
            })
            .collect(),
    })
}
