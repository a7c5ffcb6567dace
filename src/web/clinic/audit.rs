//! The clinic's audit log for admins: plain sentences in clinic-local time
//! ("Ada Lee viewed Pat Lee's record"), filtered by person, patient, action
//! and dates, paged by keyset, and the same rows as CSV for a compliance
//! review (the download itself is audited).

use crate::app;
use crate::db::audit::{self, AuditEntry, AuditFilter, Cursor};
use crate::db::{accounts, patients, DbConn, DbError};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage;
use crate::web::clinic::export::cell;
use crate::web::error::{page, render};
use crate::web::session::AdminUser;
use crate::web::view::format::local_time;
use crate::web::view::nav::Nav;
use crate::web::view::pager::Pager;
use crate::web::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use bytes::Bytes;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use std::collections::HashMap;

/// Rows per page.
pub const AUDIT_PAGE_SIZE: i64 = 50;
/// Rows per database round trip of the CSV.
const CSV_PAGE: i64 = 500;

/// The CSV's columns, in order: a public contract from here on (new columns
/// go at the end).
pub const AUDIT_COLUMNS: &[&str] = &[
    "at_utc",
    "at_local",
    "actor",
    "actor_name",
    "action",
    "description",
    "target",
    "patient_id",
    "patient_name",
    "ip",
    "detail",
];

/// The filter form and the cursor, as typed: every field is text, so a
/// hand-edited URL gets an inline error rather than a bare 400.
#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    person: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The cursor: a row id (anything else starts at the newest).
    #[serde(default)]
    before: String,
    #[serde(default)]
    after: String,
}

impl AuditQuery {
    /// The filters as a query string (no cursor), for links and the CSV.
    fn filters(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("person", &self.person),
            ("patient", &self.patient),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }
}

/// Who may appear in the log, for the filter lists and the sentences.
struct Names {
    /// Staff by id: (account, name).
    staff: Vec<(StaffId, AccountId, String)>,
    patients: Vec<(PatientId, String, String)>,
}

impl Names {
    fn load(c: &mut DbConn, clinic: ClinicId) -> Result<Self, DbError> {
        Ok(Self {
            staff: accounts::clinic_staff(c, clinic)?
                .into_iter()
                .map(|s| (s.id, s.account_id, s.name))
                .collect(),
            patients: patients::directory(c, clinic)?,
        })
    }
}

/// A pick from one of the filter's lists, by id.
enum Chosen<'a, T> {
    /// The field was left empty.
    Nobody,
    One(&'a T),
    /// Not an id on the list.
    Unknown,
}

fn chosen<'a, T>(raw: &str, list: &'a [T], id_of: impl Fn(&T) -> i64) -> Chosen<'a, T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Chosen::Nobody;
    }
    match raw
        .parse::<i64>()
        .ok()
        .and_then(|id| list.iter().find(|t| id_of(t) == id))
    {
        Some(t) => Chosen::One(t),
        None => Chosen::Unknown,
    }
}

/// Reads the filters; an unknown person or patient, action or date is a field error.
fn parse(q: &AuditQuery, names: &Names, tz: ClinicTz) -> std::result::Result<AuditFilter, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut f = AuditFilter::default();
    match chosen(&q.person, &names.staff, |(s, _, _)| s.0) {
        Chosen::One((_, account, _)) => f.actor = Some(*account),
        Chosen::Unknown => e.add("person", "Choose a person from the list"),
        Chosen::Nobody => {}
    }
    match chosen(&q.patient, &names.patients, |(p, _, _)| p.0) {
        Chosen::One((p, _, _)) => f.patient = Some(*p),
        Chosen::Unknown => e.add("patient", "Choose a patient from the list"),
        Chosen::Nobody => {}
    }
    if !q.action.trim().is_empty() {
        match AuditAction::parse(q.action.trim()) {
            Ok(a) => f.action = Some(a),
            Err(_) => e.add("action", "Choose an action from the list"),
        }
    }
    let date = |e: &mut FieldErrors, k: &'static str, v: &str| -> Option<NaiveDate> {
        if v.trim().is_empty() {
            return None;
        }
        let d = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
        if d.is_none() {
            e.add(k, "Enter a date like 2026-03-01");
        }
        d
    };
    let (from, to) = (date(&mut e, "from", &q.from), date(&mut e, "to", &q.to));
    if let (Some(a), Some(b)) = (from, to) {
        if b < a {
            e.add("to", "The end date is before the start date");
        }
    }
    // Clinic-local dates → UTC instants: [from 00:00, to+1 00:00).
    f.from = from.map(|d| triage::local_instant(d, NaiveTime::MIN, tz.0).naive_utc());
    f.to = to.map(|d| triage::local_instant(d + chrono::Duration::days(1), NaiveTime::MIN, tz.0).naive_utc());
    if e.is_empty() {
        Ok(f)
    } else {
        Err(e)
    }
}

/// One row in words.
pub struct AuditRow {
    pub at: String,
    pub who: String,
    pub what: String,
    pub code: String,
    pub detail: String,
    pub ip: String,
}

/// Turns rows into sentences: names for accounts, patients and staff targets.
struct Words<'a> {
    staff_by_label: HashMap<String, &'a str>,
    staff_by_account: HashMap<i64, &'a str>,
    patients: HashMap<i64, String>,
    patient_accounts: HashMap<i64, String>,
}

impl<'a> Words<'a> {
    fn new(names: &'a Names, seen: Vec<(PatientId, AccountId, String)>) -> Self {
        Self {
            staff_by_label: names
                .staff
                .iter()
                .map(|(id, _, n)| (format!("staff:{id}"), n.as_str()))
                .collect(),
            staff_by_account: names.staff.iter().map(|(_, a, n)| (a.0, n.as_str())).collect(),
            patients: seen.iter().map(|(p, _, n)| (p.0, n.clone())).collect(),
            patient_accounts: seen.into_iter().map(|(_, a, n)| (a.0, n)).collect(),
        }
    }

    fn who(&self, e: &AuditEntry) -> String {
        if let Some(n) = e.actor_account_id.and_then(|a| {
            self.staff_by_account
                .get(&a)
                .map(|n| n.to_string())
                .or_else(|| self.patient_accounts.get(&a).cloned())
        }) {
            return n;
        }
        match e.actor.as_str() {
            "cli" => "The command line".into(),
            "demo" => "The demo generator".into(),
            "system" => "The system".into(),
            "anonymous" => "Someone not signed in".into(),
            other => other.to_string(),
        }
    }

    fn whom(&self, e: &AuditEntry) -> String {
        if let Some(n) = e.patient_id.and_then(|p| self.patients.get(&p)) {
            return n.clone();
        }
        let target = e.target.clone().unwrap_or_default();
        match self.staff_by_label.get(&target) {
            Some(n) => n.to_string(),
            None if target.is_empty() => "someone".into(),
            None => target,
        }
    }

    fn what(&self, e: &AuditEntry) -> String {
        match AuditAction::parse(&e.action) {
            Ok(a) => a.sentence(&self.whom(e)),
            // A row written by an older version: shown as stored.
            Err(_) => format!("{} {}", e.action, e.target.clone().unwrap_or_default()),
        }
    }

    fn patient_name(&self, e: &AuditEntry) -> String {
        e.patient_id
            .and_then(|p| self.patients.get(&p).cloned())
            .unwrap_or_default()
    }
}

/// The patients a page of rows mentions (as the patient concerned, or acting).
fn patients_seen(
    c: &mut DbConn,
    clinic: ClinicId,
    rows: &[AuditEntry],
) -> Result<Vec<(PatientId, AccountId, String)>, DbError> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.patient_id).collect();
    ids.extend(
        rows.iter()
            .filter_map(|r| r.actor.strip_prefix("patient:").and_then(|n| n.parse::<i64>().ok())),
    );
    ids.sort_unstable();
    ids.dedup();
    patients::names_of(c, clinic, &ids)
}

#[derive(Template)]
#[template(path = "clinic/audit.html")]
struct AuditPage {
    nav: Nav,
    tz: String,
    q: AuditQuery,
    errors: FieldErrors,
    people: Vec<(i64, String)>,
    patients: Vec<(i64, String)>,
    actions: Vec<(&'static str, String)>,
    rows: Vec<AuditRow>,
    pager: Pager,
    csv: String,
}

fn action_choices() -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = AuditAction::ALL
        .iter()
        .map(|a| (a.as_str(), capitalise(&a.sentence("someone"))))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub async fn audit_page(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse> {
    let q = q.into_inner();
    let (clinic, tz) = (user.clinic.id, user.clinic.timezone);
    let cursor = match (q.before.trim().parse::<i64>(), q.after.trim().parse::<i64>()) {
        (Ok(id), _) => Cursor::OlderThan(id),
        (_, Ok(id)) => Cursor::NewerThan(id),
        _ => Cursor::Newest,
    };
    let qc = q.clone();
    let (names, parsed, rows, more, seen) = state
        .db
        .read_async(move |c| {
            let names = Names::load(c, clinic)?;
            let parsed = parse(&qc, &names, tz);
            let (rows, more) = match &parsed {
                Ok(f) => audit::filtered_page(c, clinic, f, cursor, AUDIT_PAGE_SIZE)?,
                Err(_) => (Vec::new(), false),
            };
            let seen = patients_seen(c, clinic, &rows)?;
            Ok((names, parsed, rows, more, seen))
        })
        .await?;
    let words = Words::new(&names, seen);
    let filters = q.filters();
    let link = |k: &str, id: i64| {
        if filters.is_empty() {
            format!("/clinic/audit?{k}={id}")
        } else {
            format!("/clinic/audit?{filters}&{k}={id}")
        }
    };
    // Walking older, `more` means older rows exist; newer ones exist when
    // this page did not start at the newest. Walking newer, the reverse.
    let (has_newer, has_older) = match cursor {
        Cursor::Newest => (false, more),
        Cursor::OlderThan(_) => (true, more),
        Cursor::NewerThan(_) => (more, true),
    };
    let pager = Pager::keyset(
        has_newer.then(|| rows.first().map(|r| link("after", r.id))).flatten(),
        has_older.then(|| rows.last().map(|r| link("before", r.id))).flatten(),
    )
    .labelled("Audit log pages", "Newer entries", "Older entries");
    let view: Vec<AuditRow> = rows
        .iter()
        .map(|e| AuditRow {
            at: local_time(e.at, tz),
            who: words.who(e),
            what: words.what(e),
            code: e.action.clone(),
            detail: e.detail.clone(),
            ip: e.ip.clone().unwrap_or_default(),
        })
        .collect();
    let (status, errors) = match parsed {
        Ok(_) => (StatusCode::OK, FieldErrors::default()),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e),
    };
    let csv = if filters.is_empty() {
        "/clinic/audit.csv".to_string()
    } else {
        format!("/clinic/audit.csv?{filters}")
    };
    let body = AuditPage {
        nav: Nav::new(&user, "audit"),
        tz: tz.name().to_string(),
        people: names.staff.iter().map(|(id, _, n)| (id.0, n.clone())).collect(),
        patients: names
            .patients
            .iter()
            .map(|(id, n, email)| (id.0, format!("{n} ({email})")))
            .collect(),
        actions: action_choices(),
        q,
        errors,
        rows: view,
        pager,
        csv,
    };
    if status == StatusCode::OK {
        page(&body)
    } else {
        render(status, &body)
    }
}

/// The log as CSV with the page's filters, oldest first, streamed page by
/// page (memory stays flat). The download writes its own `export` row first.
pub async fn audit_csv(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse> {
    let q = q.into_inner();
    let (clinic, tz) = (user.clinic.id, user.clinic.timezone);
    let qc = q.clone();
    let (names, parsed) = state
        .db
        .read_async(move |c| {
            let names = Names::load(c, clinic)?;
            let parsed = parse(&qc, &names, tz);
            Ok((names, parsed))
        })
        .await?;
    let filter = parsed.map_err(Error::Invalid)?;
    let described = q.filters().replace('&', " ");
    app::clinic::record_audit_export(&state.db, clinic, described, state.clock.now(), user.actor()).await?;

    let names = std::sync::Arc::new(names);
    let db = state.db.clone();
    let header_line = line(AUDIT_COLUMNS.iter().map(|s| s.to_string()));
    // State: (cursor, header sent, finished).
    type State = (Option<(chrono::NaiveDateTime, i64)>, bool, bool);
    let body = futures_util::stream::unfold((None, false, false), move |(after, header_sent, done): State| {
        let (db, names, filter, header_line) = (db.clone(), names.clone(), filter.clone(), header_line.clone());
        async move {
            if done {
                return None;
            }
            if !header_sent {
                return Some((Ok(Bytes::from(header_line)), (after, true, false)));
            }
            let chunk = db
                .read_async(move |c| {
                    let rows = audit::filtered_after(c, clinic, &filter, after, CSV_PAGE)?;
                    let seen = patients_seen(c, clinic, &rows)?;
                    let words = Words::new(&names, seen);
                    let text: String = rows.iter().map(|e| csv_line(e, &words, tz)).collect();
                    Ok::<_, Error>((text, rows.len(), rows.last().map(|r| (r.at, r.id))))
                })
                .await;
            match chunk {
                Ok((_, 0, _)) => None,
                Ok((text, n, last)) => Some((Ok(Bytes::from(text)), (last.or(after), true, (n as i64) < CSV_PAGE))),
                Err(e) => {
                    // Headers are gone already: cut the download short, visibly incomplete.
                    tracing::error!(error = %e, "audit CSV failed mid-stream");
                    Some((Err(e), (after, true, true)))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"aftercare-audit-log.csv\"",
        ))
        .streaming(body))
}

fn line(cells: impl Iterator<Item = String>) -> String {
    let mut s = cells.map(|c| cell(&c)).collect::<Vec<_>>().join(",");
    s.push_str("\r\n");
    s
}

fn csv_line(e: &AuditEntry, words: &Words, tz: ClinicTz) -> String {
    line(
        [
            e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            e.at.and_utc()
                .with_timezone(&tz.0)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            e.actor.clone(),
            words.who(e),
            e.action.clone(),
            words.what(e),
            e.target.clone().unwrap_or_default(),
            e.patient_id.map(|p| p.to_string()).unwrap_or_default(),
            words.patient_name(e),
            e.ip.clone().unwrap_or_default(),
            e.detail.clone(),
        ]
        .into_iter(),
    )
}
