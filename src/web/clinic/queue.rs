//! The clinician dashboard's home: the triage queue, one flag with its
//! history, acknowledging and resolving.

use crate::app::flag_view;
use crate::app::flags::{self as app_flags, GroupOutcome, Transition};
use crate::db::dashboard::{self, QueueRow, SeverityCounts, StateFilter};
use crate::db::{accounts, flags, outbox, patients};
use crate::domain::*;
use crate::error::Error;
use crate::error::Result;
use crate::triage;
use crate::web::clinic::getting_started::GettingStarted;
use crate::web::clinic::photos::{counts as photo_counts, PhotoBox, Scope};
use crate::web::error::{page, render, see_other};
use crate::web::session::{SecureForm, StaffUser};
use crate::web::view::flag::{event_views, EventView, FlagView};
use crate::web::view::format::{ago, local_time};
use crate::web::view::nav::Nav;
use crate::web::view::notice::{notice_text, safe_back, with_notice};
use crate::web::view::pager::Pager;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

// ---------- the queue ----------

/// Patients per page.
pub const QUEUE_PAGE: usize = 25;

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

/// One flag on a patient's queue card: its reason in a few words, linking
/// to the flag's page (where the single-flag actions are).
pub struct FlagLink {
    pub reference: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub short: &'static str,
    pub state: &'static str,
    pub day: Option<i64>,
}

/// One patient's card in the queue.
pub struct QueueItem {
    pub patient_id: i64,
    pub patient_name: String,
    pub phone: Option<PhoneNumber>,
    /// The highest severity of the patient's flags shown.
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub flags: Vec<FlagLink>,
    /// "2 urgent, 1 review".
    pub count_words: String,
    pub procedure: &'static str,
    pub day_now: i64,
    /// The day of recovery of the latest check-in, if any.
    pub latest_day: Option<i64>,
    /// Photos with the flags' check-ins.
    pub photos: i64,
    /// When the oldest flag of the top severity was raised.
    pub raised_ago: String,
    pub raised_local: String,
    pub escalated: bool,
    /// References for "Acknowledge all" (the open ones) and "Resolve all"
    /// (open and acknowledged), space-separated: exactly the flags shown.
    pub open_refs: String,
    pub unresolved_refs: String,
}

pub struct SeverityCount {
    pub severity: &'static str,
    pub label: &'static str,
    pub patients: usize,
    pub flags: i64,
}

#[derive(Template)]
#[template(path = "clinic/queue.html")]
struct QueuePage {
    nav: Nav,
    items: Vec<QueueItem>,
    counts: Vec<SeverityCount>,
    patients_total: usize,
    flags_total: i64,
    severity: String,
    state: &'static str,
    pager: Pager,
    /// Patients matching the filters.
    total: usize,
    mail_problems: i64,
    notice: Option<&'static str>,
    back: String,
    /// A new clinic's first steps (admins, while nothing is waiting).
    getting_started: Option<GettingStarted>,
}

/// "2 urgent, 1 review": a patient's flags by severity, highest first.
fn count_words(counts: &SeverityCounts) -> String {
    counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn queue(state: web::Data<AppState>, user: StaffUser, q: web::Query<QueueQuery>) -> Result<HttpResponse> {
    let severity = Severity::parse(&q.severity).ok();
    let filter = StateFilter::parse(&q.state);
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let clinic = user.clinic.id;
    let now = state.clock.now();
    let stuck_before = (now - chrono::Duration::minutes(15)).naive_utc();
    let offset = (page_no as usize - 1) * QUEUE_PAGE;
    let is_admin = user.is_admin();
    let (groups, unresolved, rows, latest, problems, photo_counts, getting_started) = state
        .db
        .read_async(move |c| {
            let groups = dashboard::queue_groups(c, clinic, filter, severity)?;
            let unresolved = if filter == StateFilter::Unresolved && severity.is_none() {
                groups.clone()
            } else {
                dashboard::queue_groups(c, clinic, StateFilter::Unresolved, None)?
            };
            let page: Vec<PatientId> = groups.iter().skip(offset).take(QUEUE_PAGE).map(|g| g.patient).collect();
            let rows = dashboard::queue_flags_of(c, clinic, filter, severity, &page)?;
            let latest = dashboard::latest_checkin_days(c, clinic, &page)?;
            let problems = outbox::problem_count(c, clinic, stuck_before)?;
            let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.flag.checkin_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let photo_counts = photo_counts(c, &ids)?;
            let nothing_waiting = unresolved.is_empty();
            let getting_started = match is_admin && nothing_waiting {
                true => GettingStarted::load(c, clinic)?,
                false => None,
            };
            Ok((
                groups,
                unresolved,
                rows,
                latest,
                problems,
                photo_counts,
                getting_started,
            ))
        })
        .await?;
    let tz = user.clinic.timezone;
    let today = triage::clinic_today(now, tz.0);
    let items = groups
        .iter()
        .skip(offset)
        .take(QUEUE_PAGE)
        .filter_map(|g| {
            let mine: Vec<&QueueRow> = rows.iter().filter(|r| r.flag.patient_id == g.patient).collect();
            let first = mine.first()?;
            // The newest treatment among the flags' is the one being followed.
            let (procedure, treated_on) = mine
                .iter()
                .map(|r| (r.treated_on, r.procedure))
                .max_by_key(|(d, _)| *d)
                .map(|(d, p)| (p, d))?;
            let oldest_top = mine
                .iter()
                .filter(|r| r.flag.severity == g.top)
                .map(|r| r.flag.raised_at)
                .min()
                .unwrap_or(g.oldest_top);
            let refs = |open_only: bool| {
                mine.iter()
                    .filter(|r| match r.flag.state {
                        FlagState::Open => true,
                        FlagState::Acknowledged => !open_only,
                        FlagState::Resolved => false,
                    })
                    .map(|r| r.flag.reference.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut checkins: Vec<i64> = mine.iter().filter_map(|r| r.flag.checkin_id).collect();
            checkins.sort_unstable();
            checkins.dedup();
            Some(QueueItem {
                patient_id: g.patient.0,
                patient_name: first.patient_name.clone(),
                phone: first.phone.clone(),
                severity: g.top.as_str(),
                severity_label: g.top.label(),
                flags: mine
                    .iter()
                    .map(|r| FlagLink {
                        reference: r.flag.reference.clone(),
                        severity: r.flag.severity.as_str(),
                        severity_label: r.flag.severity.label(),
                        short: r.flag.rule_id.short(),
                        state: r.flag.state.as_str(),
                        day: Some(triage::day_number(
                            r.treated_on,
                            triage::clinic_today(r.flag.raised_at.and_utc(), tz.0),
                        )),
                    })
                    .collect(),
                count_words: count_words(&g.counts),
                procedure: procedure.label(),
                day_now: triage::day_number(treated_on, today),
                latest_day: latest.get(&g.patient).copied(),
                photos: checkins.iter().filter_map(|c| photo_counts.get(c)).sum(),
                raised_ago: ago(oldest_top, now),
                raised_local: local_time(oldest_top, tz),
                escalated: mine
                    .iter()
                    .any(|r| r.flag.escalated_at.is_some() && r.flag.state == FlagState::Open),
                open_refs: refs(true),
                unresolved_refs: refs(false),
            })
        })
        .collect();
    let counts = [Severity::Urgent, Severity::Review, Severity::Info]
        .iter()
        .map(|s| SeverityCount {
            severity: s.as_str(),
            label: s.label(),
            patients: unresolved
                .iter()
                .filter(|g| g.counts.iter().any(|(cs, _)| cs == *s))
                .count(),
            flags: unresolved
                .iter()
                .flat_map(|g| g.counts.iter())
                .filter(|(cs, _)| cs == s)
                .map(|(_, n)| n)
                .sum(),
        })
        .collect();
    let severity_str = severity.map(|s| s.as_str().to_string()).unwrap_or_default();
    let back = format!(
        "/clinic?severity={}&state={}&page={page_no}",
        severity_str,
        filter.as_str()
    );
    let total = groups.len();
    page(&QueuePage {
        nav: Nav::new(&user, "queue"),
        items,
        counts,
        patients_total: unresolved.len(),
        flags_total: unresolved.iter().map(|g| g.flags()).sum(),
        severity: severity_str.clone(),
        state: filter.as_str(),
        pager: Pager::new(page_no, total as i64, QUEUE_PAGE as i64, |p| {
            format!("/clinic?severity={severity_str}&state={}&page={p}", filter.as_str())
        }),
        total,
        mail_problems: problems,
        notice: notice_text(&q.notice),
        back,
        getting_started,
    })
}

// ---------- a patient's flags at once ----------

#[derive(Deserialize)]
pub struct PatientPath {
    id: i64,
}

/// The references a group form carries (space-separated), at most a page's worth.
fn references(form: &SecureForm) -> Vec<String> {
    form.get("flags")
        .split_whitespace()
        .take(200)
        .map(str::to_string)
        .collect()
}

/// The notice after a group action: done, or done with flags raised since
/// the page was drawn still waiting.
fn group_notice(base: &str, out: GroupOutcome) -> &'static str {
    match (base, out.unseen > 0) {
        ("acknowledged", false) => "acknowledged-all",
        ("acknowledged", true) => "acknowledged-all-new",
        (_, false) => "resolved-all",
        (_, true) => "resolved-all-new",
    }
}

pub async fn acknowledge_all(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<PatientPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let out = app_flags::review_all(
        &state.db,
        user.clinic.id,
        PatientId(path.id),
        references(&form),
        user.staff.id,
        Transition::Acknowledge,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other(&with_notice(
        safe_back(form.get("back")),
        group_notice("acknowledged", out),
    )))
}

#[derive(Template)]
#[template(path = "clinic/resolve_all.html")]
struct ResolveAllPage {
    nav: Nav,
    patient_id: i64,
    patient_name: String,
    phone: Option<PhoneNumber>,
    flags: Vec<FlagView>,
    references: String,
    outcome: String,
    outcome_error: Option<String>,
    note: String,
    note_error: Option<String>,
    back: String,
}

async fn resolve_all_page_of(
    state: &AppState,
    user: &StaffUser,
    id: PatientId,
    input: ResolveInput,
    back: String,
) -> Result<ResolveAllPage> {
    let clinic = user.clinic.id;
    let (patient, list, names) = state
        .db
        .read_async(move |c| {
            let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
            let list = flags::unresolved_of_patient(c, clinic, id)?;
            let names = accounts::staff_names(c, clinic)?;
            let treatments: std::collections::HashMap<_, _> = patients::treatments_of(c, id)?
                .into_iter()
                .map(|t| (t.id, t.treated_on))
                .collect();
            let list = list
                .into_iter()
                .map(|f| {
                    let d = treatments.get(&f.treatment_id).copied();
                    (f, d)
                })
                .collect::<Vec<_>>();
            Ok((p, list, names))
        })
        .await?;
    let (tz, now) = (user.clinic.timezone, state.clock.now());
    let mut list = list;
    list.sort_by_key(|(f, _)| (std::cmp::Reverse(f.severity), f.raised_at));
    Ok(ResolveAllPage {
        nav: Nav::new(user, "queue"),
        patient_id: patient.id.0,
        patient_name: patient.name,
        phone: patient.phone,
        references: list
            .iter()
            .map(|(f, _)| f.reference.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        flags: list
            .iter()
            .map(|(f, d)| FlagView::new(f, *d, tz, now, &names))
            .collect(),
        outcome: input.outcome,
        outcome_error: input.outcome_error,
        note: input.note,
        note_error: input.note_error,
        back,
    })
}

/// "Resolve all…": the patient's unresolved flags, one outcome and one note for them all.
pub async fn resolve_all_page(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<PatientPath>,
    q: web::Query<BackQuery>,
) -> Result<HttpResponse> {
    let back = safe_back(&q.back).to_string();
    let p = resolve_all_page_of(&state, &user, PatientId(path.id), ResolveInput::default(), back).await?;
    page(&p)
}

#[derive(Deserialize, Default)]
pub struct BackQuery {
    #[serde(default)]
    back: String,
}

pub async fn resolve_all(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<PatientPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let id = PatientId(path.id);
    let back = safe_back(form.get("back")).to_string();
    let (outcome, note) = match resolve_form(&form) {
        Ok(chosen) => chosen,
        Err(input) => {
            let mut p = resolve_all_page_of(&state, &user, id, input, back).await?;
            // Keep acting on the flags the clinician saw, not on any raised since.
            p.references = references(&form).join(" ");
            return render(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let out = app_flags::review_all(
        &state.db,
        user.clinic.id,
        id,
        references(&form),
        user.staff.id,
        Transition::Resolve { outcome, note },
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other(&with_notice(&back, group_notice("resolved", out))))
}

/// The outcome a resolve form chose, or what is wrong with the choice.
/// The outcome and note of a resolve form (one flag or all shown), or the
/// form's state with its errors to show again.
fn resolve_form(form: &SecureForm) -> std::result::Result<(Outcome, String), ResolveInput> {
    let note = form.get("note").trim().to_string();
    let (outcome, outcome_error) = parse_outcome(form.get("outcome"));
    let note_error = note_problem(&note);
    match outcome {
        Some(o) if note_error.is_none() => Ok((o, note)),
        _ => Err(ResolveInput {
            // An unknown value is not echoed back: the select starts over.
            outcome: outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
            outcome_error,
            note,
            note_error,
        }),
    }
}

fn parse_outcome(raw: &str) -> (Option<Outcome>, Option<String>) {
    let raw = raw.trim();
    match Outcome::parse(raw) {
        Ok(o) => (Some(o), None),
        Err(_) if raw.is_empty() => (None, Some("Choose what came of this flag".to_string())),
        Err(_) => (None, Some("Choose one of the listed outcomes".to_string())),
    }
}

/// What is wrong with a resolution note, if anything.
fn note_problem(note: &str) -> Option<String> {
    if note.is_empty() {
        Some("Write a short note: what was done, or why no action is needed".to_string())
    } else if note.chars().count() > NOTE_MAX {
        Some(format!("Keep the note under {NOTE_MAX} characters"))
    } else if let Err(m) = crate::domain::text::check_note(note) {
        Some(format!("The note has characters that cannot be saved: {m}"))
    } else {
        None
    }
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
    let tz = user.clinic.timezone;
    let (
        flag_view::FlagRecord {
            flag,
            events,
            patient,
            treatment,
            staff_names: names,
        },
        photos,
    ) = flag_view::view(&state.db, clinic, reference, now, actor, move |c, r| {
        let back = format!("/clinic/flags/{}", r.flag.reference);
        PhotoBox::load(
            c,
            r.patient.id,
            Scope::CheckIn(r.flag.checkin_id),
            Some(r.flag.id),
            tz,
            back,
        )
    })
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
    let (outcome, note) = match resolve_form(&form) {
        Ok(chosen) => chosen,
        Err(input) => {
            let p = flag_page(&state, &user, reference, input).await?;
            return render(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let changed = work_flag(&state, &user, reference, Transition::Resolve { outcome, note }).await?;
    Ok(see_other(&with_notice(
        safe_back(form.get("back")),
        if changed { "resolved" } else { "already" },
    )))
}
