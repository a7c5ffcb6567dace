//! The quality report (`app::report`): a page with server-drawn SVG charts
//! and tables for staff, and its figures as CSV for admins (audited like
//! every export).

use crate::app;
use crate::app::report::{BySeverity, QualityReport, ResponseTimes, Responsiveness, COMPLICATIONS, MAX_REPORT_DAYS};
use crate::domain::FieldErrors;
use crate::error::Result;
use crate::triage;
use crate::web::error::{page, render};
use crate::web::session::{AdminUser, StaffUser};
use crate::web::view::charts::{BarSeries, Bars, Frame, Svg};
use crate::web::view::form::FormState;
use crate::web::view::nav::Nav;
use crate::web::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

/// The default range: the last twelve weeks, today included.
const DEFAULT_DAYS: i64 = 84;

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// Reads the range, or says what is wrong with it (by field).
fn parse_range(
    q: &RangeQuery,
    today: NaiveDate,
) -> (
    HashMap<String, String>,
    std::result::Result<(NaiveDate, NaiveDate), FieldErrors>,
) {
    let from_raw = q
        .from
        .clone()
        .unwrap_or_else(|| (today - Duration::days(DEFAULT_DAYS - 1)).to_string());
    let to_raw = q.to.clone().unwrap_or_else(|| today.to_string());
    let mut values = HashMap::new();
    values.insert("from".to_string(), from_raw.clone());
    values.insert("to".to_string(), to_raw.clone());
    let mut e = FieldErrors::default();
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (from, to) = (parse(&from_raw), parse(&to_raw));
    if from.is_none() {
        e.add("from", "Enter a date like 2026-03-01");
    }
    if to.is_none() {
        e.add("to", "Enter a date like 2026-03-31");
    }
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.add("to", "The end date is before the start date");
        } else if (t - f).num_days() >= MAX_REPORT_DAYS {
            e.add("to", "Choose at most a year at a time");
        }
    }
    match (from, to) {
        (Some(f), Some(t)) if e.is_empty() => (values, Ok((f, t))),
        _ => (values, Err(e)),
    }
}

fn pct(n: u32, of: u32) -> Option<f64> {
    (of > 0).then(|| f64::from(n) * 100.0 / f64::from(of))
}

fn pct_words(n: u32, of: u32) -> String {
    pct(n, of).map(|p| format!("{p:.1} %")).unwrap_or_else(|| "–".into())
}

fn per100(n: u32, of: u32) -> String {
    pct(n, of).map(|p| format!("{p:.1}")).unwrap_or_else(|| "–".into())
}

/// "42 min", "3 h 5 min", or "–".
fn minutes(m: Option<i64>) -> String {
    match m {
        None => "–".into(),
        Some(m) if m < 60 => format!("{m} min"),
        Some(m) => format!("{} h {} min", m / 60, m % 60),
    }
}

pub struct WeekRow {
    pub label: String,
    pub due: u32,
    pub received: u32,
    pub adherence: String,
    pub checkins: u32,
    pub urgent: String,
    pub review: String,
    pub info: String,
}

pub struct ClassRow {
    pub label: &'static str,
    pub treatments: u32,
    pub due: u32,
    pub received: u32,
    pub adherence: String,
    pub complications: Vec<u32>,
    pub per100: String,
}

pub struct RuleRow {
    pub id: &'static str,
    pub summary: &'static str,
    pub urgent: u32,
    pub review: u32,
    pub info: u32,
    pub per100: String,
    pub resolved: u32,
    pub action: u32,
    pub precision: String,
}

pub struct ResponseRow {
    pub label: &'static str,
    pub acknowledged: u32,
    pub median: String,
    pub p90: String,
}

#[derive(Template)]
#[template(path = "clinic/report.html")]
struct ReportPage {
    nav: Nav,
    form: FormState,
    /// `?from=…&to=…` of the range shown (for the CSV link).
    query: String,
    report: Option<ReportView>,
}

pub struct ReportView {
    pub from: String,
    pub to: String,
    pub checkins: u32,
    pub due: u32,
    pub received: u32,
    pub adherence: String,
    pub flags: u32,
    pub flags_per100: String,
    pub weeks: Vec<WeekRow>,
    pub classes: Vec<ClassRow>,
    pub complication_labels: Vec<&'static str>,
    pub rules: Vec<RuleRow>,
    pub response: Vec<ResponseRow>,
    /// Urgent flag counts and alert email outcomes, as counted.
    pub resp: Responsiveness,
    pub adherence_chart: ChartPair,
    pub burden_chart: ChartPair,
    pub precision_chart: ChartPair,
}

/// A chart drawn twice: wide for desks, and in the phone frame, whose text
/// stays readable at 390 px (the page shows one by screen width).
pub struct ChartPair {
    pub wide: Svg,
    pub phone: Svg,
}

fn pair(b: Bars) -> ChartPair {
    let id = format!("{}-phone", b.id);
    let phone = Bars {
        id: &id,
        frame: Frame::PHONE,
        ..b.clone()
    }
    .render();
    ChartPair {
        wide: b.render(),
        phone,
    }
}

fn week_label(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

fn response_row(label: &'static str, r: &ResponseTimes) -> ResponseRow {
    ResponseRow {
        label,
        acknowledged: r.acknowledged,
        median: minutes(r.median_minutes),
        p90: minutes(r.p90_minutes),
    }
}

fn severity_per100(s: &BySeverity, checkins: u32) -> [Option<f64>; 3] {
    [pct(s.urgent, checkins), pct(s.review, checkins), pct(s.info, checkins)]
}

impl ReportView {
    fn new(r: &QualityReport) -> Self {
        let weeks: Vec<WeekRow> = r
            .weeks
            .iter()
            .map(|w| WeekRow {
                label: if w.start == w.end {
                    week_label(w.start)
                } else {
                    format!("{} – {}", week_label(w.start), week_label(w.end))
                },
                due: w.due,
                received: w.received,
                adherence: pct_words(w.received, w.due),
                checkins: w.checkins,
                urgent: per100(w.flags.urgent, w.checkins),
                review: per100(w.flags.review, w.checkins),
                info: per100(w.flags.info, w.checkins),
            })
            .collect();
        let cats: Vec<String> = r.weeks.iter().map(|w| week_label(w.start)).collect();

        let adherence: Vec<Option<f64>> = r.weeks.iter().map(|w| pct(w.received, w.due)).collect();
        let (y_max, y_ticks) = (100.0, vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        let adherence_chart = pair(Bars {
            id: "adherence",
            title: "Adherence by week: check-ins received on due days, % of those due",
            description: format!(
                "{} weeks from {} to {}; overall {} of {} due check-ins received ({}).",
                r.weeks.len(),
                r.from,
                r.to,
                r.received(),
                r.due(),
                pct_words(r.received(), r.due())
            ),
            y_label: Some("% received"),
            y_max,
            y_ticks,
            categories: cats.clone(),
            series: vec![BarSeries {
                name: "Received",
                values: adherence,
            }],
            frame: Frame::WIDE,
        });

        let per_week: Vec<[Option<f64>; 3]> = r.weeks.iter().map(|w| severity_per100(&w.flags, w.checkins)).collect();
        let top = per_week
            .iter()
            .flat_map(|a| a.iter().flatten().copied())
            .fold(0.0, f64::max);
        let (y_max, y_ticks) = Bars::scale(top);
        let burden_chart = pair(Bars {
            id: "burden",
            title: "Alert burden by week: flags per 100 check-ins, by severity",
            description: format!(
                "{} flags on {} check-ins ({} per 100): {} urgent, {} review, {} info.",
                r.flags.total(),
                r.checkins,
                per100(r.flags.total(), r.checkins),
                r.flags.urgent,
                r.flags.review,
                r.flags.info
            ),
            y_label: Some("per 100 check-ins"),
            y_max,
            y_ticks,
            categories: cats,
            series: ["Urgent", "Review", "Info"]
                .iter()
                .enumerate()
                .map(|(i, name)| BarSeries {
                    name,
                    values: per_week.iter().map(|a| a[i]).collect(),
                })
                .collect(),
            frame: Frame::WIDE,
        });

        let rules: Vec<RuleRow> = r
            .rules
            .iter()
            .map(|x| RuleRow {
                id: x.rule.as_str(),
                summary: x.rule.summary(),
                urgent: x.flags.urgent,
                review: x.flags.review,
                info: x.flags.info,
                per100: per100(x.flags.total(), r.checkins),
                resolved: x.resolved_with_outcome,
                action: x.action,
                precision: pct_words(x.action, x.resolved_with_outcome),
            })
            .collect();
        let precision_chart = pair(Bars {
            id: "precision",
            title: "Alert precision by rule: % of resolved flags whose outcome was an action",
            description: format!(
                "{} rules raised flags; {} of their resolved flags had an outcome recorded.",
                r.rules.len(),
                r.rules.iter().map(|x| x.resolved_with_outcome).sum::<u32>()
            ),
            y_label: Some("% action"),
            y_max: 100.0,
            y_ticks: vec![0.0, 25.0, 50.0, 75.0, 100.0],
            categories: r.rules.iter().map(|x| x.rule.as_str().to_string()).collect(),
            series: vec![BarSeries {
                name: "Action",
                values: r.rules.iter().map(|x| pct(x.action, x.resolved_with_outcome)).collect(),
            }],
            frame: Frame::WIDE,
        });

        let classes = r
            .classes
            .iter()
            .map(|c| ClassRow {
                label: c.class.label(),
                treatments: c.treatments,
                due: c.due,
                received: c.received,
                adherence: pct_words(c.received, c.due),
                complications: c.complications.clone(),
                per100: per100(c.complications.iter().sum(), c.treatments),
            })
            .collect();
        let rs = &r.response;
        ReportView {
            from: r.from.to_string(),
            to: r.to.to_string(),
            checkins: r.checkins,
            due: r.due(),
            received: r.received(),
            adherence: pct_words(r.received(), r.due()),
            flags: r.flags.total(),
            flags_per100: per100(r.flags.total(), r.checkins),
            weeks,
            classes,
            complication_labels: COMPLICATIONS.iter().map(|c| c.label()).collect(),
            rules,
            response: vec![
                response_row("Raised within clinic hours", &rs.in_hours),
                response_row("Raised outside clinic hours", &rs.out_of_hours),
            ],
            resp: *rs,
            adherence_chart,
            burden_chart,
            precision_chart,
        }
    }
}

/// GET /clinic/report: the page (any staff member).
pub async fn report_page(
    state: web::Data<AppState>,
    user: StaffUser,
    q: web::Query<RangeQuery>,
) -> Result<HttpResponse> {
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    let (values, range) = parse_range(&q, today);
    match range {
        Ok(range) => {
            let query = format!("?from={}&to={}", range.0, range.1);
            let r = app::report::quality_report(&state.db, &user.clinic, range, state.clock.now()).await?;
            page(&ReportPage {
                nav: Nav::new(&user, "report"),
                form: FormState {
                    values,
                    errors: FieldErrors::default(),
                },
                query,
                report: Some(ReportView::new(&r)),
            })
        }
        Err(errors) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ReportPage {
                nav: Nav::new(&user, "report"),
                form: FormState { values, errors },
                query: String::new(),
                report: None,
            },
        ),
    }
}

/// The CSV's columns: a public contract (new columns go at the end).
pub const REPORT_COLUMNS: &[&str] = &["section", "group", "measure", "value"];

fn csv(r: &QualityReport) -> String {
    use super::export::cell;
    let mut out = REPORT_COLUMNS.join(",") + "\r\n";
    let mut row = |section: &str, group: &str, measure: &str, value: String| {
        let cells = [section, group, measure, value.as_str()].map(cell);
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    for w in &r.weeks {
        let g = w.start.to_string();
        row("adherence_week", &g, "due", w.due.to_string());
        row("adherence_week", &g, "received", w.received.to_string());
        row("burden_week", &g, "checkins", w.checkins.to_string());
        row("burden_week", &g, "urgent", w.flags.urgent.to_string());
        row("burden_week", &g, "review", w.flags.review.to_string());
        row("burden_week", &g, "info", w.flags.info.to_string());
    }
    for c in &r.classes {
        let g = c.class.as_str();
        row("adherence_class", g, "treatments", c.treatments.to_string());
        row("adherence_class", g, "due", c.due.to_string());
        row("adherence_class", g, "received", c.received.to_string());
        for (o, n) in COMPLICATIONS.iter().zip(&c.complications) {
            row("complications_class", g, o.as_str(), n.to_string());
        }
    }
    for x in &r.rules {
        let g = x.rule.as_str();
        row("burden_rule", g, "urgent", x.flags.urgent.to_string());
        row("burden_rule", g, "review", x.flags.review.to_string());
        row("burden_rule", g, "info", x.flags.info.to_string());
        row(
            "precision_rule",
            g,
            "resolved_with_outcome",
            x.resolved_with_outcome.to_string(),
        );
        row("precision_rule", g, "action", x.action.to_string());
    }
    let rs = &r.response;
    let opt = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
    for (g, t) in [("in_hours", &rs.in_hours), ("out_of_hours", &rs.out_of_hours)] {
        row("response", g, "acknowledged", t.acknowledged.to_string());
        row("response", g, "median_minutes", opt(t.median_minutes));
        row("response", g, "p90_minutes", opt(t.p90_minutes));
    }
    row("response", "urgent", "flags", rs.urgent_flags.to_string());
    row("response", "urgent", "unacknowledged", rs.unacknowledged.to_string());
    row("response", "urgent", "escalated", rs.escalated.to_string());
    row("alert_emails", "", "queued", rs.alert_emails.to_string());
    row(
        "alert_emails",
        "",
        "sent_after_retries",
        rs.sent_after_retries.to_string(),
    );
    row("alert_emails", "", "dead", rs.dead.to_string());
    row("alert_emails", "", "pending", rs.pending.to_string());
    out
}

/// GET /clinic/report.csv: the figures for a spreadsheet (admins; audited).
pub async fn report_csv(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<RangeQuery>,
) -> Result<HttpResponse> {
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    let (values, range) = parse_range(&q, today);
    let (from, to) = match range {
        Ok(r) => r,
        Err(errors) => {
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ReportPage {
                    nav: Nav::new(&user, "report"),
                    form: FormState { values, errors },
                    query: String::new(),
                    report: None,
                },
            )
        }
    };
    let r = app::report::quality_report(&state.db, &user.clinic, (from, to), state.clock.now()).await?;
    app::clinic::record_export(
        &state.db,
        user.clinic.id,
        "report",
        (from, to),
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"aftercare-report-{from}-to-{to}.csv\""),
        ))
        .body(csv(&r)))
}
