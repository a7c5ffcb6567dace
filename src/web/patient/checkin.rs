//! The patient's check-in: the form (`GET/POST /checkin`), what happens next
//! (`GET /checkin/result`), and the history with charts (`GET /history`).
//! Every lookup is scoped by the signed-in patient: another patient's
//! treatment or check-in answers 404.

use crate::app::checkin::{self, BACKFILL_DAYS};
use crate::app::notify::MailContext;
use crate::db::{checkins, patients};
use crate::domain::questions::{self, Group, Question, SignsAnswer};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage::{self, level_word, Advice, Measure};
use crate::web::error::{page, render, see_other};
use crate::web::patient::photos::PhotoPanel;
use crate::web::session::{PatientUser, SecureForm};
use crate::web::view::charts::{Chart, Frame, Point, Svg};
use crate::web::view::format::{long_date, short_date};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDate};
use std::collections::HashMap;

/// Query parameters, read leniently: a garbled query string is an empty one.
fn query(req: &HttpRequest) -> HashMap<String, String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map(|v| v.into_iter().collect())
        .unwrap_or_default()
}

/// The treatment named by `raw` (one of the patient's own, else 404), or the
/// most recent one when `raw` is empty. `None`: the patient has none yet.
fn pick_treatment(
    conn: &mut crate::db::DbConn,
    patient: PatientId,
    raw: Option<&str>,
) -> Result<Option<patients::Treatment>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(patients::treatments_of(conn, patient)?.into_iter().next()),
        Some(s) => {
            let id: i64 = s.parse().map_err(|_| Error::NotFound)?;
            patients::treatment_of(conn, patient, TreatmentId(id))?
                .ok_or(Error::NotFound)
                .map(Some)
        }
    }
}

// ---------------------------------------------------------------------------
// The form.

/// A day the patient may fill in instead, as a link.
pub struct DayLink {
    pub href: String,
    pub label: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "patient/checkin.html")]
struct CheckinPage<'a> {
    csrf: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
    treatment_id: i64,
    procedure: &'static str,
    treated_on: String,
    /// The date field's value: the chosen day, or what was sent when it was wrong.
    date_value: String,
    heading: String,
    /// Set when the day is not today: which day the answers are for.
    back_fill: Option<String>,
    weekly: bool,
    /// The short form (first step with the warning-sign summary) rather
    /// than every question.
    short: bool,
    day: i64,
    already: bool,
    values: &'a HashMap<String, String>,
    errors: &'a FieldErrors,
    other_days: Vec<DayLink>,
    photo_requested: bool,
}

impl CheckinPage<'_> {
    fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map(|s| s.as_str()).unwrap_or("")
    }
    fn checked(&self, name: &str, value: &str) -> bool {
        self.value(name).trim() == value
    }
    fn ticked(&self, name: &str) -> bool {
        is_checked(self.value(name))
    }
    fn kind(&self) -> CheckInKind {
        if self.weekly {
            CheckInKind::Weekly
        } else {
            CheckInKind::Daily
        }
    }
    /// The catalogue's groups asked on this form, each with its questions
    /// (on the short form only those of the first step).
    fn groups(&self) -> Vec<(&'static Group, Vec<&'static Question>)> {
        questions::FORM
            .iter()
            .map(|g| {
                let mut qs = g.asked_on(self.kind());
                if self.short {
                    qs.retain(|q| questions::FIRST_STEP.iter().any(|f| f.id == q.id));
                }
                (g, qs)
            })
            .filter(|(_, qs)| !qs.is_empty())
            .collect()
    }
    /// The warning-sign summary's lines for this day.
    fn signs(&self) -> Vec<&'static str> {
        questions::SIGNS
            .iter()
            .filter(|s| s.listed_on(self.kind(), self.day))
            .map(|s| s.words)
            .collect()
    }
    /// Where the error summary's link for `field` points: a radio group's
    /// first option, else the field itself.
    fn anchor(&self, field: &str) -> String {
        match (field, questions::question(field).and_then(|q| q.options().first())) {
            ("form", _) => "checkin-form".into(),
            ("signs", _) if !self.short => "checkin-form".into(),
            (_, Some(o)) => format!("{field}-{}", o.value),
            _ => field.to_string(),
        }
    }
    /// The errors in form order (the date first: it is at the top).
    fn summary(&self) -> Vec<(String, &str)> {
        let order = |f: &str| match f {
            "form" => 0,
            "date" => 1,
            _ => questions::in_form_order()
                .position(|q| q.id == f)
                .map_or(usize::MAX, |i| i + 2),
        };
        let mut v: Vec<(&str, &str)> = self.errors.iter().collect();
        v.sort_by_key(|(f, _)| order(f));
        v.into_iter().map(|(f, m)| (self.anchor(f), m)).collect()
    }
}

#[derive(Template)]
#[template(path = "patient/message.html")]
struct MessagePage<'a> {
    csrf: &'a str,
    title: &'a str,
    message: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
}

fn message(user: &PatientUser, title: &str, msg: &str) -> Result<HttpResponse> {
    message_with(user, title, msg, StatusCode::OK)
}

fn message_with(user: &PatientUser, title: &str, msg: &str, status: StatusCode) -> Result<HttpResponse> {
    render(
        status,
        &MessagePage {
            csrf: &user.session.csrf,
            title,
            message: msg,
            clinic_name: &user.clinic.name,
            clinic_phone: &user.clinic.phone,
        },
    )
}

/// After the clinic closed the follow-up nobody watches new check-ins, so the
/// patient is sent to the phone instead of a form whose answers nobody reads.
fn follow_up_closed(user: &PatientUser, status: StatusCode) -> Option<Result<HttpResponse>> {
    user.patient.follow_up_closed_at.map(|_| {
        message_with(
            user,
            "Your follow-up has ended",
            "Your clinic has closed your recovery follow-up, so check-ins are no longer read. If anything worries you, call the clinic.",
            status,
        )
    })
}

/// What the form needs to know about the treatment and the day.
struct FormContext {
    treatment: patients::Treatment,
    today: NaiveDate,
    /// Days already checked in, with their answers (for the "already"
    /// notice, the day links and filling the form in again).
    done: Vec<(NaiveDate, CheckInAnswers)>,
    photo_requested: bool,
}

impl FormContext {
    fn answers_on(&self, day: NaiveDate) -> Option<&CheckInAnswers> {
        self.done.iter().find(|(d, _)| *d == day).map(|(_, a)| a)
    }
}

async fn form_context(state: &AppState, user: &PatientUser, raw: Option<String>) -> Result<Option<FormContext>> {
    let pid = user.patient.id;
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    state
        .db
        .read_async(move |c| {
            let Some(treatment) = pick_treatment(c, pid, raw.as_deref())? else {
                return Ok(None);
            };
            let done = checkins::of_treatment(c, treatment.id)?
                .into_iter()
                .map(|ci| (ci.day, ci.answers))
                .collect();
            Ok(Some(FormContext {
                treatment,
                today,
                done,
                photo_requested: super::photos::photo_requested(c, pid)?,
            }))
        })
        .await
}

/// Renders the form for `date` (or, when the date was wrong, for today with
/// the wrong value shown next to its message).
#[allow(clippy::too_many_arguments)]
fn render_form(
    user: &PatientUser,
    ctx: &FormContext,
    short: bool,
    date: Result<NaiveDate, String>,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse> {
    let t = &ctx.treatment;
    let (day_date, date_value) = match &date {
        Ok(d) => (*d, d.format("%Y-%m-%d").to_string()),
        Err(raw) => (ctx.today, raw.clone()),
    };
    let day = triage::day_number(t.treated_on, day_date);
    let (heading, back_fill) = if day_date == ctx.today {
        (format!("Today’s check-in: day {day}"), None)
    } else {
        (
            format!("Check-in for {}: day {day}", long_date(day_date)),
            Some(long_date(day_date)),
        )
    };
    let other_days = (0..=BACKFILL_DAYS)
        .filter_map(|back| ctx.today.checked_sub_signed(Duration::days(back)))
        .filter(|d| *d >= t.treated_on && *d != day_date)
        .map(|d| DayLink {
            href: format!("/checkin?treatment={}&date={}", t.id.0, d.format("%Y-%m-%d")),
            label: if d == ctx.today {
                "Today".into()
            } else {
                format!("{} (day {})", short_date(d), triage::day_number(t.treated_on, d))
            },
            done: ctx.answers_on(d).is_some(),
        })
        .collect();
    let p = CheckinPage {
        csrf: &user.session.csrf,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        treatment_id: t.id.0,
        procedure: t.procedure.label(),
        treated_on: long_date(t.treated_on),
        date_value,
        heading,
        back_fill,
        weekly: CheckInKind::for_day(day) == CheckInKind::Weekly,
        short,
        day,
        already: date.is_ok() && ctx.answers_on(day_date).is_some(),
        values,
        errors,
        other_days,
        photo_requested: ctx.photo_requested,
    };
    render(status, &p)
}

pub async fn checkin_page(state: web::Data<AppState>, user: PatientUser, req: HttpRequest) -> Result<HttpResponse> {
    if let Some(closed) = follow_up_closed(&user, StatusCode::OK) {
        return closed;
    }
    let q = query(&req);
    let Some(ctx) = form_context(&state, &user, q.get("treatment").cloned()).await? else {
        return message(
            &user,
            "No treatment yet",
            "Your clinic has not added a treatment for you yet. Check-ins start on the day of your treatment.",
        );
    };
    if ctx.today < ctx.treatment.treated_on {
        let msg = format!(
            "Your check-ins start on the day of your treatment, {}.",
            long_date(ctx.treatment.treated_on)
        );
        return message(&user, "Not yet", &msg);
    }
    let raw = q.get("date").map(|s| s.as_str()).unwrap_or("");
    // `signs=some` asks for every question at once (the second step).
    let mut short = q.get("signs").map(String::as_str) != Some("some");
    match checkin::parse_checkin_date(raw, ctx.today, ctx.treatment.treated_on) {
        Ok(d) => {
            // Amending opens with that day's answers (never another day's);
            // a day with warning signs opens with every question shown.
            let values = ctx.answers_on(d).map(questions::values_of).unwrap_or_default();
            short &= questions::signs_reported(&values).is_empty();
            render_form(
                &user,
                &ctx,
                short,
                Ok(d),
                &values,
                &FieldErrors::default(),
                StatusCode::OK,
            )
        }
        Err(msg) => render_form(
            &user,
            &ctx,
            short,
            Err(raw.to_string()),
            &HashMap::new(),
            &FieldErrors::single("date", msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

pub async fn checkin_submit(state: web::Data<AppState>, user: PatientUser, form: SecureForm) -> Result<HttpResponse> {
    if let Some(closed) = follow_up_closed(&user, StatusCode::CONFLICT) {
        return closed;
    }
    let Some(ctx) = form_context(&state, &user, Some(form.get("treatment").to_string())).await? else {
        return Err(Error::NotFound);
    };
    let raw_date = form.get("date");
    let date = checkin::parse_checkin_date(raw_date, ctx.today, ctx.treatment.treated_on);
    // A wrong date still gets every other answer checked, as the form for today.
    let day = triage::day_number(ctx.treatment.treated_on, *date.as_ref().unwrap_or(&ctx.today));
    let mut fields = form.fields.clone();
    let mut errors = FieldErrors::default();
    // The short form's summary is optional: without it the form is read as
    // every question at once (the public contract).
    let short = match SignsAnswer::parse(form.get("signs")) {
        Err(msg) => {
            errors.add("signs", msg);
            true
        }
        Ok(None) => false,
        Ok(Some(SignsAnswer::None)) => {
            let said = questions::signs_reported(&fields);
            if !said.is_empty() {
                let msg = format!(
                    "You answered “None of these” but also reported: {}. Choose “Yes, some of these”, or untick them.",
                    said.join("; ")
                );
                errors.add("signs", msg);
            }
            questions::fill_calm_behind_signs(&mut fields);
            said.is_empty()
        }
        Ok(Some(SignsAnswer::Some)) => {
            if !questions::any_behind_signs(&fields) {
                // The second step: every question, the first step's answers kept.
                let date = date.map_err(|_| raw_date.to_string());
                let none = FieldErrors::default();
                return render_form(&user, &ctx, false, date, &fields, &none, StatusCode::OK);
            }
            false
        }
    };
    let answers = CheckInAnswers::from_form(&fields, CheckInKind::for_day(day));
    let (date, answers) = match (date, answers) {
        (Ok(d), Ok(a)) if errors.is_empty() => (d, a),
        (date, answers) => {
            if let Err(msg) = &date {
                errors.add("date", *msg);
            }
            if let Err(e) = answers {
                errors.merge(e);
            }
            let date = date.map_err(|_| raw_date.to_string());
            // A "none" in conflict with ticks is shown with every question
            // (`short` is false then), so the ticks can be seen and changed.
            return render_form(
                &user,
                &ctx,
                short,
                date,
                &fields,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mail = MailContext::from_settings(&state.settings);
    let now = state.clock.now();
    let FormContext { treatment, .. } = ctx;
    let PatientUser { patient, clinic, .. } = user;
    let outcome = checkin::submit(&state.db, mail, patient, clinic, treatment, date, answers, now).await?;
    Ok(see_other(&format!("/checkin/result?checkin={}", outcome.checkin.0)))
}

// ---------------------------------------------------------------------------
// What happens next.

#[derive(Template)]
#[template(path = "patient/result.html")]
struct ResultPage<'a> {
    csrf: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
    /// `urgent`, `review`, `info` or `none`: a public contract (`data-severity`).
    severity: &'static str,
    /// What the rules decided when the check-in was recorded.
    advice: Advice,
    amended: bool,
    day: i64,
    date: String,
    date_iso: String,
    normal: &'static str,
    treatment_id: i64,
    /// "Add a photo of the area", with the photos already added.
    panel: PhotoPanel,
    /// Why the answer is urgent, in the patient's own words.
    reasons: Vec<String>,
    /// The check-in was for an earlier day (a back-fill).
    earlier_day: bool,
}

pub async fn result_page(state: web::Data<AppState>, user: PatientUser, req: HttpRequest) -> Result<HttpResponse> {
    let id: i64 = query(&req)
        .get("checkin")
        .and_then(|s| s.trim().parse().ok())
        .ok_or(Error::NotFound)?;
    let pid = user.patient.id;
    let clinic = user.clinic.clone();
    let now = state.clock.now();
    let (ci, treatment, urgent_rules, photos) = state
        .db
        .read_async(move |c| {
            let ci = checkins::of_patient(c, pid, CheckInId(id))?.ok_or(Error::NotFound)?;
            let photos = PhotoPanel::load(c, pid, &clinic, ci.id, now)?;
            let t = patients::treatment_of(c, pid, ci.treatment_id)?.ok_or(Error::NotFound)?;
            let rules: Vec<String> = crate::db::flags::of_checkin(c, ci.id)?
                .into_iter()
                .filter(|f| f.severity == Severity::Urgent)
                .map(|f| f.rule_id.as_str().to_string())
                .collect();
            Ok((ci, t, rules, photos))
        })
        .await?;
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    let rules: Vec<&str> = urgent_rules.iter().map(String::as_str).collect();
    let reasons = match ci.advice {
        Advice::Emergency | Advice::CallClinicNow => questions::in_own_words(&ci.answers, &rules),
        _ => Vec::new(),
    };
    page(&ResultPage {
        csrf: &user.session.csrf,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        severity: ci.highest_severity.map(|s| s.as_str()).unwrap_or("none"),
        advice: ci.advice,
        amended: ci.version > 1,
        day: ci.day_number,
        date: long_date(ci.day),
        date_iso: ci.day.format("%Y-%m-%d").to_string(),
        normal: triage::what_is_normal(treatment.procedure, ci.day_number),
        treatment_id: treatment.id.0,
        panel: photos,
        reasons,
        earlier_day: ci.day < today,
    })
}

// ---------------------------------------------------------------------------
// History.

/// One check-in on the timeline.
pub struct Entry {
    pub day: i64,
    pub date: String,
    pub overall: &'static str,
    pub pain: u8,
    pub itch: u8,
    pub swelling: &'static str,
    pub redness: &'static str,
    pub swelling_n: u8,
    pub redness_n: u8,
    pub also: Vec<String>,
    pub note: Option<String>,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub amended: bool,
}

/// A chart with its caption.
pub struct Figure {
    /// The chart's id (its `<title>` is `{id}-title`).
    pub id: String,
    pub svg: Svg,
    pub caption: String,
}

/// A treatment to switch to.
pub struct TreatmentLink {
    pub id: i64,
    pub label: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "patient/history.html")]
struct HistoryPage<'a> {
    csrf: &'a str,
    procedure: &'static str,
    treated_on: String,
    treatment_id: i64,
    /// Most recent first.
    entries: Vec<Entry>,
    /// By day, for the table.
    rows: Vec<Entry>,
    figures: Vec<Figure>,
    treatments: Vec<TreatmentLink>,
}

fn overall_word(o: Overall) -> &'static str {
    match o {
        Overall::Better => "getting better",
        Overall::Same => "about the same",
        Overall::Worse => "getting worse",
    }
}

fn severity_label(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Urgent) => "Urgent: the clinic was alerted",
        Some(Severity::Review) => "The clinic will review",
        Some(Severity::Info) => "Noted for the clinic",
        None => "Nothing to flag",
    }
}

fn entry(c: &checkins::CheckIn) -> Entry {
    let a = &c.answers;
    Entry {
        day: c.day_number,
        date: short_date(c.day),
        overall: overall_word(a.overall),
        pain: a.pain,
        itch: a.itch,
        swelling: level_word(a.swelling),
        redness: level_word(a.redness),
        swelling_n: a.swelling,
        redness_n: a.redness,
        also: questions::reported(a),
        note: a.note.clone(),
        severity: c.highest_severity.map(|s| s.as_str()).unwrap_or("none"),
        severity_label: severity_label(c.highest_severity),
        amended: c.version > 1,
    }
}

pub async fn history_page(state: web::Data<AppState>, user: PatientUser, req: HttpRequest) -> Result<HttpResponse> {
    let q = query(&req);
    let pid = user.patient.id;
    let clinic = user.clinic.id;
    let raw = q.get("treatment").cloned();
    let loaded = state
        .db
        .read_async(move |c| {
            let Some(t) = pick_treatment(c, pid, raw.as_deref())? else {
                return Ok(None);
            };
            let all = patients::treatments_of(c, pid)?;
            let list = checkins::of_treatment(c, t.id)?;
            let (_, rules) = checkin::rules_of(c, clinic)?;
            Ok(Some((t, all, list, rules)))
        })
        .await?;
    let Some((t, all, list, rules)) = loaded else {
        return message(
            &user,
            "No treatment yet",
            "Your clinic has not added a treatment for you yet, so there is no history to show.",
        );
    };
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    let today_day = triage::day_number(t.treated_on, today);
    let last = list.iter().map(|c| c.day_number).max().unwrap_or(0);
    let first = list.iter().map(|c| c.day_number).min().unwrap_or(0).min(0);
    let days = (first, last.max(today_day).max(7));

    let ranges = rules.expected_ranges(t.procedure);
    let figures = [
        (
            Measure::Pain,
            "chart-pain",
            "Worst burning or pain by day",
            "Pain (0–10)",
            "Expected",
        ),
        (
            Measure::Itch,
            "chart-itch",
            "Worst itch by day",
            "Itch (0–10)",
            "Expected",
        ),
        (
            Measure::Swelling,
            "chart-swelling",
            "Swelling by day",
            "Swelling (0–3)",
            "Expected swelling",
        ),
        (
            Measure::Redness,
            "chart-redness",
            "Redness by day",
            "Redness (0–3)",
            "Expected redness",
        ),
    ]
    .into_iter()
    .map(|(m, id, title, y_label, lead)| {
        let mut caption = format!("{lead}: {}.", ranges.describe(m));
        if m == Measure::Itch {
            caption.push_str(" Itching is common while the skin heals.");
        }
        let points = list
            .iter()
            .map(|c| Point {
                day: c.day_number,
                value: f64::from(m.of(&c.answers)),
                mark: c.highest_severity.filter(|s| *s >= Severity::Review),
            })
            .collect();
        let mut chart = Chart::of_measure(id, title, m, &ranges, days, points, Frame::PHONE);
        chart.y_label = Some(y_label);
        chart.description = format!("{} {caption}", chart.description);
        Figure {
            id: id.to_string(),
            svg: chart.render(),
            caption,
        }
    })
    .collect();
    let rows: Vec<Entry> = list.iter().map(entry).collect();
    let entries: Vec<Entry> = list.iter().rev().map(entry).collect();
    let treatments = if all.len() > 1 {
        all.iter()
            .map(|x| TreatmentLink {
                id: x.id.0,
                label: format!("{}, {}", x.procedure.label(), long_date(x.treated_on)),
                current: x.id == t.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    page(&HistoryPage {
        csrf: &user.session.csrf,
        procedure: t.procedure.label(),
        treated_on: long_date(t.treated_on),
        treatment_id: t.id.0,
        entries,
        rows,
        figures,
        treatments,
    })
}
