//! The clinician dashboard's home: the triage queue, one flag with its
//! history, acknowledging and resolving. Shared helpers for the other
//! `clinic_*` pages live here too.

use crate::app::review::{self, Transition};
use crate::db::dashboard::{self, QueueRow, StateFilter};
use crate::db::{accounts, flags, outbox, patients, DbConn};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage;
use crate::web::clinic::photos::{counts as photo_counts, PhotoBox, Scope};
use crate::web::error::{page, render, see_other};
use crate::web::session::{SecureForm, StaffUser};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// What every dashboard page's header needs.
pub struct Nav {
    pub csrf: String,
    pub clinic_name: String,
    pub staff_name: String,
    pub is_admin: bool,
    /// Which section is current (`queue`, `patients`, `settings`, `outbox`, `export`).
    pub section: &'static str,
}

impl Nav {
    pub fn new(user: &StaffUser, section: &'static str) -> Self {
        Self {
            csrf: user.session.csrf.clone(),
            clinic_name: user.clinic.name.clone(),
            staff_name: user.staff.name.clone(),
            is_admin: user.is_admin(),
            section,
        }
    }
    pub fn current(&self, s: &str) -> bool {
        self.section == s
    }
}

/// A stored UTC time in the clinic's zone: "Mon 2 Mar 2026, 10:00".
pub fn local_time(t: NaiveDateTime, tz: ClinicTz) -> String {
    t.and_utc()
        .with_timezone(&tz.0)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// "just now", "25 min ago", "2 h ago", "3 days ago".
pub fn ago(t: NaiveDateTime, now: DateTime<Utc>) -> String {
    let mins = (now.naive_utc() - t).num_minutes();
    match mins {
        i64::MIN..=0 => "just now".into(),
        1..=59 => format!("{mins} min ago"),
        60..=2879 => format!("{} h ago", mins / 60),
        _ => format!("{} days ago", mins / 1440),
    }
}

/// Staff names of a clinic by staff id, for "acknowledged by …".
pub fn staff_names(conn: &mut DbConn, clinic: ClinicId) -> Result<HashMap<i64, String>> {
    Ok(accounts::clinic_staff(conn, clinic)?
        .into_iter()
        .map(|s| (s.id.0, s.name))
        .collect())
}

/// A local path to go back to after a POST; anything else goes to the queue
/// (no open redirects).
pub fn safe_back(raw: &str) -> &str {
    let ok = raw.starts_with("/clinic")
        && !raw.contains("//")
        && !raw.contains('\\')
        && raw.chars().all(|c| c.is_ascii_graphic());
    if ok {
        raw
    } else {
        "/clinic"
    }
}

/// How a flag looks on a page.
pub struct FlagView {
    pub reference: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub state: &'static str,
    pub open: bool,
    pub resolved: bool,
    pub reason: String,
    pub rule_id: String,
    pub raised_local: String,
    pub raised_ago: String,
    pub escalated: Option<String>,
    pub acknowledged: Option<String>,
    pub resolved_text: Option<String>,
    pub resolution_note: Option<String>,
    pub occurrences: i32,
    pub day: Option<i64>,
}

impl FlagView {
    pub fn new(
        f: &flags::Flag,
        treated_on: Option<chrono::NaiveDate>,
        tz: ClinicTz,
        now: DateTime<Utc>,
        names: &HashMap<i64, String>,
    ) -> Self {
        let who = |id: Option<i64>| {
            id.and_then(|i| names.get(&i).cloned())
                .unwrap_or_else(|| "a former staff member".into())
        };
        Self {
            reference: f.reference.clone(),
            severity: f.severity.as_str(),
            severity_label: f.severity.label(),
            state: f.state.as_str(),
            open: f.state == FlagState::Open,
            resolved: f.state == FlagState::Resolved,
            reason: f.reason.clone(),
            rule_id: f.rule_id.clone(),
            raised_local: local_time(f.raised_at, tz),
            raised_ago: ago(f.raised_at, now),
            escalated: f.escalated_at.map(|t| local_time(t, tz)),
            acknowledged: f
                .acknowledged_at
                .map(|t| format!("{} by {}", local_time(t, tz), who(f.acknowledged_by))),
            resolved_text: f
                .resolved_at
                .map(|t| format!("{} by {}", local_time(t, tz), who(f.resolved_by))),
            resolution_note: f.resolution_note.clone(),
            occurrences: f.occurrences,
            day: treated_on.map(|d| triage::day_number(d, triage::clinic_today(f.raised_at.and_utc(), tz.0))),
        }
    }
}

/// One entry of a flag's history.
pub struct EventView {
    pub what: String,
    pub when: String,
    pub who: Option<String>,
    pub detail: String,
}

pub fn event_views(events: &[flags::FlagEvent], tz: ClinicTz, names: &HashMap<i64, String>) -> Vec<EventView> {
    events
        .iter()
        .map(|e| {
            let what = match (e.kind.as_str(), e.severity.as_deref()) {
                ("raised", Some(s)) => format!("Raised ({s})"),
                ("severity_raised", Some(s)) => format!("Severity raised to {s}"),
                ("repeated", _) => "Seen again".to_string(),
                ("acknowledged", _) => "Acknowledged".to_string(),
                ("resolved", _) => "Resolved".to_string(),
                ("escalated", _) => "Escalated (re-sent to the escalation address)".to_string(),
                (other, _) => other.replace('_', " "),
            };
            EventView {
                what,
                when: local_time(e.at, tz),
                who: e
                    .staff_id
                    .map(|i| names.get(&i).cloned().unwrap_or_else(|| format!("staff {i}"))),
                detail: e.detail.clone(),
            }
        })
        .collect()
}

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
    page: i64,
    pages: i64,
    total: i64,
    mail_problems: usize,
    notice: Option<&'static str>,
    back: String,
}

impl QueuePage {
    fn page_link(&self, p: i64) -> String {
        format!("/clinic?severity={}&state={}&page={p}", self.severity, self.state)
    }
}

fn notice_text(code: &str) -> Option<&'static str> {
    match code {
        "acknowledged" => Some("Flag acknowledged."),
        "resolved" => Some("Flag resolved."),
        "already" => Some("That flag had already changed state; the page shows it as it is now."),
        _ => None,
    }
}

pub async fn queue(state: web::Data<AppState>, user: StaffUser, q: web::Query<QueueQuery>) -> Result<HttpResponse> {
    let severity = Severity::parse(&q.severity).ok();
    let filter = StateFilter::parse(&q.state);
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let clinic = user.clinic.id;
    let now = state.clock.now();
    let stuck_before = (now - chrono::Duration::minutes(15)).naive_utc();
    let (rows, total, counts, names, problems, photo_counts) = state
        .db
        .run(move |db| {
            db.read(|c| {
                let rows = dashboard::queue(c, clinic, filter, severity, (page_no - 1) * QUEUE_PAGE, QUEUE_PAGE)?;
                let total = dashboard::queue_count(c, clinic, filter, severity)?;
                let counts = dashboard::unresolved_counts(c, clinic)?;
                let names = staff_names(c, clinic)?;
                let problems = outbox::problems(c, clinic, stuck_before)?.len();
                let ids: Vec<i64> = rows.iter().filter_map(|r| r.flag.checkin_id).collect();
                let photo_counts = photo_counts(c, &ids)?;
                Ok::<_, Error>((rows, total, counts, names, problems, photo_counts))
            })
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
        severity: severity_str,
        state: filter.as_str(),
        page: page_no,
        pages: ((total + QUEUE_PAGE - 1) / QUEUE_PAGE).max(1),
        total,
        mail_problems: problems,
        notice: notice_text(&q.notice),
        back,
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
    procedure: &'static str,
    treated_on: String,
    note: String,
    note_error: Option<String>,
    back: String,
    photos: PhotoBox,
}

#[derive(Deserialize)]
pub struct RefPath {
    reference: String,
}

async fn flag_page(
    state: &AppState,
    user: &StaffUser,
    reference: String,
    note: String,
    note_error: Option<String>,
) -> Result<FlagPage> {
    let clinic = user.clinic.id;
    let tz = user.clinic.timezone;
    let (flag, events, patient, treatment, names, photos) = state
        .db
        .run(move |db| {
            db.read(|c| {
                let flag = flags::by_reference(c, clinic, &reference)?.ok_or(Error::NotFound)?;
                let events = flags::events(c, flag.id)?;
                let patient = patients::in_clinic(c, clinic, flag.patient_id)?.ok_or(Error::NotFound)?;
                let treatment = patients::treatment_of(c, patient.id, flag.treatment_id)?.ok_or(Error::NotFound)?;
                let names = staff_names(c, clinic)?;
                let back = format!("/clinic/flags/{}", flag.reference);
                let photos = PhotoBox::load(c, patient.id, Scope::CheckIn(flag.checkin_id), Some(flag.id), tz, back)?;
                Ok::<_, Error>((flag, events, patient, treatment, names, photos))
            })
        })
        .await?;
    let now = state.clock.now();
    Ok(FlagPage {
        photos,
        nav: Nav::new(user, "queue"),
        back: format!("/clinic/flags/{}", flag.reference),
        flag: FlagView::new(&flag, Some(treatment.treated_on), tz, now, &names),
        events: event_views(&events, tz, &names),
        patient_id: patient.id.0,
        patient_name: patient.name,
        procedure: treatment.procedure.label(),
        treated_on: treatment.treated_on.format("%-d %b %Y").to_string(),
        note,
        note_error,
    })
}

pub async fn flag(state: web::Data<AppState>, user: StaffUser, path: web::Path<RefPath>) -> Result<HttpResponse> {
    let p = flag_page(&state, &user, path.into_inner().reference, String::new(), None).await?;
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
    let (clinic, staff, actor) = (user.clinic.id, user.staff.id, user.actor());
    let now = state.clock.now();
    state
        .db
        .run(move |db| db.write(|c| review::apply(c, clinic, &reference, staff, &actor, &t, now)))
        .await
}

pub async fn resolve(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<RefPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let reference = path.into_inner().reference;
    let note = form.get("note").trim().to_string();
    let error = if note.is_empty() {
        Some("Write a short note: what was done, or why no action is needed".to_string())
    } else if note.chars().count() > NOTE_MAX {
        Some(format!("Keep the note under {NOTE_MAX} characters"))
    } else {
        None
    };
    if let Some(msg) = error {
        let p = flag_page(&state, &user, reference, note, Some(msg)).await?;
        return render(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let changed = work_flag(&state, &user, reference, Transition::Resolve { note }).await?;
    Ok(see_other(&with_notice(
        safe_back(form.get("back")),
        if changed { "resolved" } else { "already" },
    )))
}

/// Adds `notice=code` to a local path.
pub fn with_notice(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}notice={code}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn back_links_stay_on_the_dashboard() {
        assert_eq!(safe_back("/clinic/patients/3"), "/clinic/patients/3");
        assert_eq!(safe_back("https://evil.example/clinic"), "/clinic");
        assert_eq!(safe_back("//evil.example"), "/clinic");
        assert_eq!(safe_back("/clinic//evil"), "/clinic");
        assert_eq!(safe_back("/login"), "/clinic");
    }

    #[test]
    fn ages_read_plainly() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let t = |h: i64| (now - chrono::Duration::minutes(h)).naive_utc();
        assert_eq!(ago(t(0), now), "just now");
        assert_eq!(ago(t(25), now), "25 min ago");
        assert_eq!(ago(t(130), now), "2 h ago");
        assert_eq!(ago(t(3 * 1440), now), "3 days ago");
    }
}
