//! The clinician dashboard's home: the triage queue, one flag with its
//! history, acknowledging and resolving.

use crate::app::flag_view;
use crate::app::flags::{self as app_flags, Transition};
use crate::db::dashboard::{self, QueueRow, StateFilter};
use crate::db::{accounts, outbox};
use crate::domain::*;
use crate::error::Result;
use crate::triage;
use crate::web::clinic::getting_started::GettingStarted;
use crate::web::clinic::photos::{counts as photo_counts, PhotoBox, Scope};
use crate::web::error::{page, render, see_other};
use crate::web::session::{SecureForm, StaffUser};
use crate::web::view::flag::{event_views, EventView, FlagView};
use crate::web::view::nav::Nav;
use crate::web::view::notice::{notice_text, safe_back, with_notice};
use crate::web::view::pager::Pager;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

// ---------- the queue ----------

pub const QUEUE_PAGE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    notice: String,
}

pub struct QueueItem {
    pub flag: FlagView,
    pub patient_id: i64,
    pub patient_name: String,
    pub phone: Option<PhoneNumber>,
    pub procedure: &'static str,
    pub day_now: i64,
    /// Photos with the flag's check-in.
    pub photos: i64,
}

pub struct SeverityCount {
    pub severity: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "clinic/queue.html")]
struct QueuePage {
    nav: Nav,
    items: Vec<QueueItem>,
    counts: Vec<SeverityCount>,
    severity: String,
    state: &'static str,
    pager: Pager,
    total: i64,
    mail_problems: usize,
    notice: Option<&'static str>,
    back: String,
    /// A new clinic's first steps (admins, while nothing is waiting).
    getting_started: Option<GettingStarted>,
}

pub async fn queue(state: web::Data<AppState>, user: StaffUser, q: web::Query<QueueQuery>) -> Result<HttpResponse> {
    let severity = Severity::parse(&q.severity).ok();
    let filter = StateFilter::parse(&q.state);
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let clinic = user.clinic.id;
    let now = state.clock.now();
    let stuck_before = (now - chrono::Duration::minutes(15)).naive_utc();
    let is_admin = user.is_admin();
    let (rows, total, counts, names, problems, photo_counts, getting_started) = state
        .db
        .read_async(move |c| {
            let rows = dashboard::queue(c, clinic, filter, severity, (page_no - 1) * QUEUE_PAGE, QUEUE_PAGE)?;
            let total = dashboard::queue_count(c, clinic, filter, severity)?;
            let counts = dashboard::unresolved_counts(c, clinic)?;
            let names = accounts::staff_names(c, clinic)?;
            let problems = outbox::problems(c, clinic, stuck_before)?.len();
            let ids: Vec<i64> = rows.iter().filter_map(|r| r.flag.checkin_id).collect();
            let photo_counts = photo_counts(c, &ids)?;
            let nothing_waiting = counts.values().all(|n| *n == 0);
            let getting_started = match is_admin && nothing_waiting {
                true => GettingStarted::load(c, clinic)?,
                false => None,
            };
            Ok((rows, total, counts, names, problems, photo_counts, getting_started))
        })
        .await?;
    let tz = user.clinic.timezone;
    let today = triage::clinic_today(now, tz.0);
    let items = rows
        .iter()
        .map(|r: &QueueRow| QueueItem {
            flag: FlagView::new(&r.flag, Some(r.treated_on), tz, now, &names),
            patient_id: r.flag.patient_id.0,
            patient_name: r.patient_name.clone(),
            phone: r.phone.clone(),
            procedure: r.procedure.label(),
            day_now: triage::day_number(r.treated_on, today),
            photos: r
                .flag
                .checkin_id
                .and_then(|c| photo_counts.get(&c).copied())
                .unwrap_or(0),
        })
        .collect();
    let counts = [Severity::Urgent, Severity::Review, Severity::Info]
        .iter()
        .map(|s| SeverityCount {
            severity: s.as_str(),
            label: s.label(),
            count: counts.get(s).copied().unwrap_or(0),
        })
        .collect();
    let severity_str = severity.map(|s| s.as_str().to_string()).unwrap_or_default();
    let back = format!(
        "/clinic?severity={}&state={}&page={page_no}",
        severity_str,
        filter.as_str()
    );
    page(&QueuePage {
        nav: Nav::new(&user, "queue"),
        items,
        counts,
        severity: severity_str.clone(),
        state: filter.as_str(),
        pager: Pager::new(page_no, total, QUEUE_PAGE, |p| {
            format!("/clinic?severity={severity_str}&state={}&page={p}", filter.as_str())
        }),
        total,
        mail_problems: problems,
        notice: notice_text(&q.notice),
        back,
        getting_started,
    })
}

// ---------- one flag ----------

#[derive(Template)]
#[template(path = "clinic/flag.html")]
struct FlagPage {
    nav: Nav,
    flag: FlagView,
    events: Vec<EventView>,
    patient_id: i64,
    patient_name: String,
    phone: Option<PhoneNumber>,
    procedure: &'static str,
    treated_on: String,
    /// The resolve form as sent back after an error: input kept.
    outcome: String,
    outcome_error: Option<String>,
    note: String,
    note_error: Option<String>,
    back: String,
    photos: PhotoBox,
}

/// What a resolve form sent, as typed back into the flag's page.
#[derive(Default)]
struct ResolveInput {
    outcome: String,
    outcome_error: Option<String>,
    note: String,
    note_error: Option<String>,
}

#[derive(Deserialize)]
pub struct RefPath {
    reference: String,
}

async fn flag_page(state: &AppState, user: &StaffUser, reference: String, input: ResolveInput) -> Result<FlagPage> {
    let (clinic, actor) = (user.clinic.id, user.actor());
    let now = state.clock.now();
    let flag_view::FlagRecord {
        flag,
        events,
        patient,
        treatment,
        staff_names: names,
    } = flag_view::view(&state.db, clinic, reference, now, actor).await?;
    let tz = user.clinic.timezone;
    let back = format!("/clinic/flags/{}", flag.reference);
    let (pid, checkin, flag_id) = (patient.id, flag.checkin_id, flag.id);
    let photos = state
        .db
        .read_async(move |c| PhotoBox::load(c, pid, Scope::CheckIn(checkin), Some(flag_id), tz, back))
        .await?;
    Ok(FlagPage {
        photos,
        nav: Nav::new(user, "queue"),
        back: format!("/clinic/flags/{}", flag.reference),
        flag: FlagView::new(&flag, Some(treatment.treated_on), tz, now, &names),
        events: event_views(&events, tz, &names),
        patient_id: patient.id.0,
        patient_name: patient.name,
        phone: patient.phone,
        procedure: treatment.procedure.label(),
        treated_on: treatment.treated_on.format("%-d %b %Y").to_string(),
        outcome: input.outcome,
        outcome_error: input.outcome_error,
        note: input.note,
        note_error: input.note_error,
    })
}

pub async fn flag(state: web::Data<AppState>, user: StaffUser, path: web::Path<RefPath>) -> Result<HttpResponse> {
    let p = flag_page(&state, &user, path.into_inner().reference, ResolveInput::default()).await?;
    page(&p)
}

/// The longest resolution note kept.
pub const NOTE_MAX: usize = 2000;

pub async fn acknowledge(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<RefPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let reference = path.into_inner().reference;
    let changed = work_flag(&state, &user, reference, Transition::Acknowledge).await?;
    Ok(see_other(&with_notice(
        safe_back(form.get("back")),
        if changed { "acknowledged" } else { "already" },
    )))
}

/// Applies a clinician's transition to a flag of their clinic.
async fn work_flag(state: &AppState, user: &StaffUser, reference: String, t: Transition) -> Result<bool> {
    let (clinic, staff) = (user.clinic.id, user.staff.id);
    app_flags::review(&state.db, clinic, reference, staff, t, state.clock.now(), user.actor()).await
}

pub async fn resolve(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<RefPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let reference = path.into_inner().reference;
    let note = form.get("note").trim().to_string();
    let outcome_raw = form.get("outcome").trim().to_string();
    let outcome = Outcome::parse(&outcome_raw).ok();
    let outcome_error = match (outcome, outcome_raw.is_empty()) {
        (Some(_), _) => None,
        (None, true) => Some("Choose what came of this flag".to_string()),
        (None, false) => Some("Choose one of the listed outcomes".to_string()),
    };
    let note_error = if note.is_empty() {
        Some("Write a short note: what was done, or why no action is needed".to_string())
    } else if note.chars().count() > NOTE_MAX {
        Some(format!("Keep the note under {NOTE_MAX} characters"))
    } else if let Err(m) = crate::domain::text::check_note(&note) {
        Some(format!("The note has characters that cannot be saved: {m}"))
    } else {
        None
    };
    let Some(outcome) = outcome.filter(|_| note_error.is_none()) else {
        let input = ResolveInput {
            // An unknown value is not echoed back: the select starts over.
            outcome: outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
            outcome_error,
            note,
            note_error,
        };
        let p = flag_page(&state, &user, reference, input).await?;
        return render(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let changed = work_flag(&state, &user, reference, Transition::Resolve { outcome, note }).await?;
    Ok(see_other(&with_notice(
        safe_back(form.get("back")),
        if changed { "resolved" } else { "already" },
    )))
}
