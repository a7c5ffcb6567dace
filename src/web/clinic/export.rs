//! CSV export of a clinic's check-ins or flags for a date range (admins).
//! Streamed page by page with keyset pagination: memory stays flat however
//! large the range. Column names are stable and documented in README.

use crate::app;
use crate::db::checkins::{self, CheckIn};
use crate::db::{dashboard, flags};
use crate::domain::questions;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage;
use crate::web::error::{page, render};
use crate::web::session::AdminUser;
use crate::web::view::form::FormState;
use crate::web::view::nav::Nav;
use crate::web::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use bytes::Bytes;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use std::collections::HashMap;

/// Rows fetched per database round trip.
const PAGE: i64 = 500;
/// The longest range one export may cover.
const MAX_RANGE_DAYS: i64 = 3 * 366;

/// A check-in's own columns; its answers follow, one column per question of
/// the catalogue (see [`checkin_columns`]).
const CHECKIN_META_COLUMNS: &[&str] = &[
    "checkin_id",
    "patient_id",
    "treatment_id",
    "day",
    "day_number",
    "kind",
    "version",
    "first_entered_at_utc",
    "entered_at_utc",
    "highest_severity",
];

/// The check-in export's header, in order: a public contract (new columns
/// go at the end).
pub fn checkin_columns() -> Vec<&'static str> {
    CHECKIN_META_COLUMNS
        .iter()
        .copied()
        .chain(questions::QUESTIONS.iter().map(|q| q.column))
        .collect()
}

pub const FLAG_COLUMNS: &[&str] = &[
    "reference",
    "patient_id",
    "treatment_id",
    "checkin_id",
    "rule_id",
    "severity",
    "state",
    "reason",
    "occurrences",
    "rules_version_id",
    "raised_at_utc",
    "last_seen_at_utc",
    "acknowledged_at_utc",
    "acknowledged_by_staff_id",
    "resolved_at_utc",
    "resolved_by_staff_id",
    "resolution_note",
    "escalated_at_utc",
    "outcome",
];

/// One CSV cell: quoted when needed, and a leading = + - @ (or tab/CR)
/// neutralised with a quote mark so a spreadsheet never runs it as a formula.
pub fn cell(raw: &str) -> String {
    let mut v = String::with_capacity(raw.len() + 2);
    if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.push('\'');
    }
    v.push_str(raw);
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

fn line(cells: &[String]) -> String {
    let mut s = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    s.push_str("\r\n");
    s
}

fn ts(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn checkin_line(c: &CheckIn) -> String {
    let meta = [
        c.id.0.to_string(),
        c.patient_id.0.to_string(),
        c.treatment_id.0.to_string(),
        c.day.to_string(),
        c.day_number.to_string(),
        c.kind.as_str().into(),
        c.version.to_string(),
        ts(Some(c.first_entered_at)),
        ts(Some(c.entered_at)),
        c.highest_severity.map(|s| s.as_str().to_string()).unwrap_or_default(),
    ];
    let answers = questions::QUESTIONS.iter().map(|q| (q.get)(&c.answers).csv());
    line(&meta.into_iter().chain(answers).collect::<Vec<_>>())
}

fn flag_line(f: &flags::Flag) -> String {
    let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
    line(&[
        f.reference.clone(),
        f.patient_id.0.to_string(),
        f.treatment_id.0.to_string(),
        id(f.checkin_id),
        f.rule_id.to_string(),
        f.severity.as_str().into(),
        f.state.as_str().into(),
        f.reason.clone(),
        f.occurrences.to_string(),
        f.rules_version_id.0.to_string(),
        ts(Some(f.raised_at)),
        ts(Some(f.last_seen_at)),
        ts(f.acknowledged_at),
        id(f.acknowledged_by),
        ts(f.resolved_at),
        id(f.resolved_by),
        f.resolution_note.clone().unwrap_or_default(),
        ts(f.escalated_at),
        f.outcome().map(|o| o.as_str().to_string()).unwrap_or_default(),
    ])
}

#[derive(Template)]
#[template(path = "clinic/export.html")]
struct ExportPage {
    nav: Nav,
    form: FormState,
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    kind: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    CheckIns,
    Flags,
}

pub async fn export(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    let q = q.into_inner();
    let mut values = HashMap::new();
    values.insert("kind".to_string(), q.kind.clone());
    let (Some(from_raw), Some(to_raw)) = (q.from.clone(), q.to.clone()) else {
        let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
        values.insert("from".into(), (today - chrono::Duration::days(30)).to_string());
        values.insert("to".into(), today.to_string());
        return page(&ExportPage {
            nav: Nav::new(&user, "export"),
            form: FormState {
                values,
                errors: FieldErrors::default(),
            },
        });
    };
    values.insert("from".into(), from_raw.clone());
    values.insert("to".into(), to_raw.clone());
    let mut errors = FieldErrors::default();
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let from = parse(&from_raw);
    let to = parse(&to_raw);
    if from.is_none() {
        errors.add("from", "Enter a date like 2026-03-01");
    }
    if to.is_none() {
        errors.add("to", "Enter a date like 2026-03-31");
    }
    let kind = match q.kind.as_str() {
        "" | "checkins" => Some(Kind::CheckIns),
        "flags" => Some(Kind::Flags),
        _ => {
            errors.add("kind", "Choose check-ins or flags");
            None
        }
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.add("to", "The end date is before the start date");
        } else if (t - f).num_days() > MAX_RANGE_DAYS {
            errors.add("to", "Export at most three years at a time");
        }
    }
    let (Some(from), Some(to), Some(kind)) = (from, to, kind) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ExportPage {
                nav: Nav::new(&user, "export"),
                form: FormState { values, errors },
            },
        );
    };
    if !errors.is_empty() {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ExportPage {
                nav: Nav::new(&user, "export"),
                form: FormState { values, errors },
            },
        );
    }
    // Clinic-local dates → UTC instants: [from 00:00, to+1 00:00).
    let tz = user.clinic.timezone.0;
    let start = triage::local_instant(from, NaiveTime::MIN, tz).naive_utc();
    let end = triage::local_instant(to + chrono::Duration::days(1), NaiveTime::MIN, tz).naive_utc();
    let clinic = user.clinic.id;
    let kind_name = if kind == Kind::Flags { "flags" } else { "checkins" };
    app::clinic::record_export(
        &state.db,
        clinic,
        kind_name,
        (from, to),
        state.clock.now(),
        user.actor(),
    )
    .await?;

    let columns = if kind == Kind::Flags {
        FLAG_COLUMNS.to_vec()
    } else {
        checkin_columns()
    };
    let header_line = line(&columns.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let db = state.db.clone();
    // State: (after_id, header sent, finished).
    let body = futures_util::stream::unfold((0i64, false, false), move |(after, header_sent, done)| {
        let db = db.clone();
        let header_line = header_line.clone();
        async move {
            if done {
                return None;
            }
            if !header_sent {
                return Some((Ok(Bytes::from(header_line)), (after, true, false)));
            }
            let page = db
                .read_async(move |c| match kind {
                    Kind::CheckIns => checkins::of_clinic_between(c, clinic, start, end, after, PAGE)
                        .map(|rows| {
                            let last = rows.last().map(|r| r.id.0);
                            (rows.iter().map(checkin_line).collect::<String>(), rows.len(), last)
                        })
                        .map_err(Error::from),
                    Kind::Flags => dashboard::flags_between(c, clinic, start, end, after, PAGE)
                        .map(|rows| {
                            let last = rows.last().map(|r| r.id.0);
                            (rows.iter().map(flag_line).collect::<String>(), rows.len(), last)
                        })
                        .map_err(Error::from),
                })
                .await;
            match page {
                Ok((_, 0, _)) => None,
                Ok((text, n, last)) => {
                    let finished = (n as i64) < PAGE;
                    Some((Ok(Bytes::from(text)), (last.unwrap_or(after), true, finished)))
                }
                Err(e) => {
                    // Headers are gone already: cut the download short, visibly incomplete.
                    tracing::error!(error = %e, "export failed mid-stream");
                    Some((Err(e), (after, true, true)))
                }
            }
        }
    });
    let filename = format!("aftercare-{kind_name}-{from}-to-{to}.csv");
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM"), "'@SUM");
    }
}
