//! The patient's check-in: the form (`GET/POST /checkin`), what happens next
//! (`GET /checkin/result`), and the history with charts (`GET /history`).
//! Every lookup is scoped by the signed-in patient: another patient's
//! treatment or check-in answers 404.

use crate::app::checkin::{self, BACKFILL_DAYS};
use crate::app::notify::MailContext;
use crate::db::{checkins, flags, patients};
use crate::domain::questions::{self, Group, Question, SignsAnswer};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::triage::{self, Advice, ExpectedRanges, Measure};
use crate::web::error::{page, render, see_other};
use crate::web::patient::photos::PhotoPanel;
use crate::web::session::{PatientUser, SecureForm};
use crate::web::view::charts::{Chart, Frame, Point, Svg};
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
    tr: Tr,
    csrf: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
    treatment_id: i64,
    procedure: String,
    backfill_days: i64,
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
    /// The message for `name`, in the patient's language.
    fn error(&self, name: &str) -> Option<String> {
        self.errors.entry(name).map(|(msg, key)| self.tr.keyed(key, msg))
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
    fn signs(&self) -> Vec<String> {
        questions::SIGNS
            .iter()
            .filter(|s| s.listed_on(self.kind(), self.day))
            .map(|s| self.tr.words(s.words))
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
    fn summary(&self) -> Vec<(String, String)> {
        let order = |f: &str| match f {
            "form" => 0,
            "date" => 1,
            _ => questions::in_form_order()
                .position(|q| q.id == f)
                .map_or(usize::MAX, |i| i + 2),
        };
        let mut v: Vec<&str> = self.errors.iter().map(|(f, _)| f).collect();
        v.sort_by_key(|f| order(f));
        v.into_iter()
            .map(|f| (self.anchor(f), self.error(f).unwrap_or_default()))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "patient/message.html")]
struct MessagePage<'a> {
    tr: Tr,
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
            tr: user.tr(),
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
    let tr = user.tr();
    user.patient.follow_up_closed_at.map(|_| {
        message_with(
            user,
            &tr.t("checkin-closed-title"),
            &tr.t("checkin-closed-text"),
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

/// What the form needs. Without `history` only the treatment is read: a
/// submission shows the form again only on its rare error paths, and the
/// days done cost a read of every check-in of the treatment.
async fn form_context(
    state: &AppState,
    user: &PatientUser,
    raw: Option<String>,
    history: bool,
) -> Result<Option<FormContext>> {
    let pid = user.patient.id;
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    // The treatment and its days need no common snapshot (every check-in
    // POST reads the treatment first).
    state
        .db
        .read_each_async(move |c| {
            let Some(treatment) = pick_treatment(c, pid, raw.as_deref())? else {
                return Ok(None);
            };
            if !history {
                return Ok(Some(FormContext {
                    treatment,
                    today,
                    done: Vec::new(),
                    photo_requested: false,
                }));
            }
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
    let tr = user.tr();
    let (day_date, date_value) = match &date {
        Ok(d) => (*d, d.format("%Y-%m-%d").to_string()),
        Err(raw) => (ctx.today, raw.clone()),
    };
    let day = triage::day_number(t.treated_on, day_date);
    let (heading, back_fill) = if day_date == ctx.today {
        (tr.t1("checkin-heading-today", "day", day), None)
    } else {
        let date = tr.long_date(day_date);
        (tr.t2("checkin-heading-other", "date", &date, "day", day), Some(date))
    };
    let other_days = (0..=BACKFILL_DAYS)
        .filter_map(|back| ctx.today.checked_sub_signed(Duration::days(back)))
        .filter(|d| *d >= t.treated_on && *d != day_date)
        .map(|d| DayLink {
            href: format!("/checkin?treatment={}&date={}", t.id.0, d.format("%Y-%m-%d")),
            label: if d == ctx.today {
                tr.t("home-today")
            } else {
                tr.t2(
                    "checkin-day-link",
                    "date",
                    tr.short_date(d),
                    "day",
                    triage::day_number(t.treated_on, d),
                )
            },
            done: ctx.answers_on(d).is_some(),
        })
        .collect();
    let p = CheckinPage {
        tr,
        csrf: &user.session.csrf,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        treatment_id: t.id.0,
        procedure: tr.procedure(t.procedure),
        backfill_days: BACKFILL_DAYS,
        treated_on: tr.long_date(t.treated_on),
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
    let tr = user.tr();
    let Some(ctx) = form_context(&state, &user, q.get("treatment").cloned(), true).await? else {
        return message(
            &user,
            &tr.t("checkin-no-treatment-title"),
            &tr.t("checkin-no-treatment-text"),
        );
    };
    if ctx.today < ctx.treatment.treated_on {
        let msg = tr.t1("checkin-not-yet-text", "date", tr.long_date(ctx.treatment.treated_on));
        return message(&user, &tr.t("checkin-not-yet-title"), &msg);
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
        Err(msg) => {
            let mut errors = FieldErrors::default();
            errors.add_words("date", msg);
            render_form(
                &user,
                &ctx,
                short,
                Err(raw.to_string()),
                &HashMap::new(),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

pub async fn checkin_submit(state: web::Data<AppState>, user: PatientUser, form: SecureForm) -> Result<HttpResponse> {
    if let Some(closed) = follow_up_closed(&user, StatusCode::CONFLICT) {
        return closed;
    }
    let treatment_raw = form.get("treatment").to_string();
    let Some(ctx) = form_context(&state, &user, Some(treatment_raw.clone()), false).await? else {
        return Err(Error::NotFound);
    };
    // The form drawn again (second step, errors) shows the days done.
    let full = || async {
        form_context(&state, &user, Some(treatment_raw.clone()), true)
            .await?
            .ok_or(Error::NotFound)
    };
    let raw_date = form.get("date");
    let date = checkin::parse_checkin_date(raw_date, ctx.today, ctx.treatment.treated_on);
    // A wrong date still gets every other answer checked, as the form for today.
    let day = triage::day_number(ctx.treatment.treated_on, *date.as_ref().unwrap_or(&ctx.today));
    let mut fields = form.fields.clone();
    let mut errors = FieldErrors::default();
    // The short form's summary is optional: without it the form is read as
    // every question at once (the public contract).
    let tr = user.tr();
    let short = match SignsAnswer::parse(form.get("signs")) {
        Err(msg) => {
            errors.add_words("signs", msg);
            true
        }
        Ok(None) => false,
        Ok(Some(SignsAnswer::None)) => {
            let said = questions::signs_reported(&fields);
            if !said.is_empty() {
                // Already in the patient's language: no key to look up again.
                errors.add(
                    "signs",
                    tr.t1("checkin-none-but-reported", "signs", tr.said_list(&said)),
                );
            }
            questions::fill_calm_behind_signs(&mut fields, ctx.treatment.prescribed());
            said.is_empty()
        }
        Ok(Some(SignsAnswer::Some)) => {
            if !questions::any_behind_signs(&fields) {
                // The second step: every question, the first step's answers kept.
                let date = date.map_err(|_| raw_date.to_string());
                let none = FieldErrors::default();
                return render_form(&user, &full().await?, false, date, &fields, &none, StatusCode::OK);
            }
            false
        }
    };
    let answers = CheckInAnswers::from_form(&fields, CheckInKind::for_day(day));
    let (date, answers) = match (date, answers) {
        (Ok(d), Ok(a)) if errors.is_empty() => (d, a),
        (date, answers) => {
            if let Err(msg) = &date {
                errors.add_words("date", *msg);
            }
            if let Err(e) = answers {
                errors.merge(e);
            }
            let date = date.map_err(|_| raw_date.to_string());
            // A "none" in conflict with ticks is shown with every question
            // (`short` is false then), so the ticks can be seen and changed.
            return render_form(
                &user,
                &full().await?,
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
    tr: Tr,
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
    normal: Words,
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
    let tr = user.tr();
    let reasons = match ci.advice {
        Advice::Emergency | Advice::CallClinicNow => questions::in_own_words(&ci.answers, &rules)
            .iter()
            .map(|s| tr.said(s))
            .collect(),
        _ => Vec::new(),
    };
    page(&ResultPage {
        tr,
        csrf: &user.session.csrf,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        severity: ci.highest_severity.map(|s| s.as_str()).unwrap_or("none"),
        advice: ci.advice,
        amended: ci.version > 1,
        day: ci.day_number,
        date: tr.long_date(ci.day),
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
    /// "Overall getting better. Pain 2, itch 1, swelling mild, redness none."
    pub summary: String,
    pub pain: u8,
    pub itch: u8,
    pub swelling: String,
    pub redness: String,
    pub swelling_n: u8,
    pub redness_n: u8,
    pub also: Vec<String>,
    pub note: Option<String>,
    pub severity: &'static str,
    pub severity_label: String,
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
    tr: Tr,
    csrf: &'a str,
    procedure: String,
    treated_on: String,
    treatment_id: i64,
    /// Today's check-in is in: the page offers to update it, not to check in.
    done_today: bool,
    /// Day 0 has come: there is a day to check in for.
    started: bool,
    /// Most recent first, for the cards and the table alike.
    entries: Vec<Entry>,
    figures: Vec<Figure>,
    treatments: Vec<TreatmentLink>,
}

fn entry(tr: Tr, c: &checkins::CheckIn) -> Entry {
    let a = &c.answers;
    let severity = c.highest_severity.map(|s| s.as_str()).unwrap_or("none");
    let (swelling, redness) = (tr.level(a.swelling), tr.level(a.redness));
    let summary = tr.lookup_args(
        "history-summary",
        &[
            ("overall", tr.overall(a.overall).into()),
            ("pain", a.pain.into()),
            ("itch", a.itch.into()),
            ("swelling", swelling.as_str().into()),
            ("redness", redness.as_str().into()),
        ],
    );
    Entry {
        day: c.day_number,
        date: tr.short_date(c.day),
        summary,
        pain: a.pain,
        itch: a.itch,
        swelling,
        redness,
        swelling_n: a.swelling,
        redness_n: a.redness,
        also: questions::reported(a).iter().map(|s| tr.said(s)).collect(),
        note: a.note.clone(),
        severity,
        severity_label: tr.t(&format!("history-sev-{severity}")),
        amended: c.version > 1,
    }
}

/// The expected course of `m` in words (`ExpectedRanges::describe`, in the
/// patient's language).
fn expected_words(tr: Tr, ranges: &ExpectedRanges, m: Measure) -> String {
    let (runs, open_start) = ranges.runs(m);
    let level = matches!(m, Measure::Swelling | Measure::Redness);
    let parts: Vec<String> = runs
        .iter()
        .map(|(d, c)| {
            let words = match (level, *c) {
                (true, 0) => tr.t("expected-none"),
                (true, c) => tr.t1("expected-at-most", "value", tr.level(c)),
                (false, c) => tr.t1("expected-at-most", "value", c.to_string()),
            };
            if *d == 0 {
                words
            } else {
                tr.t2("expected-from-day", "words", words, "day", *d)
            }
        })
        .collect();
    match (parts.is_empty(), open_start) {
        (true, _) => tr.t("expected-any"),
        (false, true) => tr.t1("expected-any-before", "parts", parts.join("; ")),
        (false, false) => parts.join("; "),
    }
}

/// What a chart shows, for screen readers (`Chart::summary`, in the
/// patient's language).
fn chart_summary(tr: Tr, points: &[Point]) -> String {
    let (Some(first), Some(last)) = (points.iter().min_by_key(|p| p.day), points.iter().max_by_key(|p| p.day)) else {
        return tr.t("history-none");
    };
    let lo = points.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.value).fold(f64::NEG_INFINITY, f64::max);
    tr.lookup_args(
        "chart-summary",
        &[
            ("first", first.day.into()),
            ("last", last.day.into()),
            ("lowest", tr.decimal(lo).into()),
            ("highest", tr.decimal(hi).into()),
            ("latest", tr.decimal(last.value).into()),
        ],
    )
}

/// "3, 5, 9": days for a sentence.
fn day_list(days: &[i64]) -> String {
    days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
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
            let raised = flags::of_treatment(c, t.id)?;
            let (_, rules) = checkin::rules_of(c, clinic)?;
            Ok(Some((t, all, list, raised, rules)))
        })
        .await?;
    let tr = user.tr();
    let Some((t, all, list, raised, rules)) = loaded else {
        return message(
            &user,
            &tr.t("checkin-no-treatment-title"),
            &tr.t("history-no-treatment-text"),
        );
    };
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    let today_day = triage::day_number(t.treated_on, today);
    let last = list.iter().map(|c| c.day_number).max().unwrap_or(0);
    let first = list.iter().map(|c| c.day_number).min().unwrap_or(0).min(0);
    let days = (first, last.max(today_day).max(7));
    let entered = list.iter().map(|c| c.day_number).collect();
    let missed = triage::missed_days(&entered, today_day, i64::from(user.clinic.follow_up_days));
    let raised: Vec<&flags::Flag> = raised.iter().collect();
    let gaps = if missed.is_empty() {
        String::new()
    } else {
        format!(" {}", tr.t1("chart-gaps", "days", day_list(&missed)))
    };

    let ranges = rules.expected_ranges(t.procedure);
    let x_label = tr.t("chart-days-axis");
    let empty_label = tr.t("history-none");
    let figures = [
        (Measure::Pain, "chart-pain", "chart-expected"),
        (Measure::Itch, "chart-itch", "chart-expected"),
        (Measure::Swelling, "chart-swelling", "chart-expected-swelling"),
        (Measure::Redness, "chart-redness", "chart-expected-redness"),
    ]
    .into_iter()
    .map(|(m, id, lead)| {
        let (title, y_label) = (tr.t(&format!("{id}-title")), tr.t(&format!("{id}-axis")));
        let mut caption = tr.t2(
            "chart-caption",
            "lead",
            tr.t(lead),
            "expected",
            expected_words(tr, &ranges, m),
        );
        if m == Measure::Itch {
            caption.push(' ');
            caption.push_str(&tr.t("chart-itch-common"));
        }
        // The legend names the urgent and review shapes only.
        let points: Vec<Point> = Point::of_measure(m, &list, &raised)
            .into_iter()
            .map(|p| Point {
                mark: p.mark.filter(|s| *s >= Severity::Review),
                ..p
            })
            .collect();
        let marked: Vec<i64> = points.iter().filter(|p| p.mark.is_some()).map(|p| p.day).collect();
        let flagged = if marked.is_empty() {
            String::new()
        } else {
            format!(" {}", tr.t1("chart-flagged", "days", day_list(&marked)))
        };
        let summary = chart_summary(tr, &points);
        let mut chart = Chart::of_measure(id, &title, m, &ranges, days, points, Frame::PHONE);
        chart.x_label = &x_label;
        chart.empty_label = &empty_label;
        chart.y_label = Some(&y_label);
        chart.missed = missed.clone();
        chart.description = format!("{summary} {caption}{flagged}{gaps}");
        Figure {
            id: id.to_string(),
            svg: chart.render(),
            caption,
        }
    })
    .collect();
    let done_today = list.iter().any(|c| c.day == today);
    let entries: Vec<Entry> = list.iter().rev().map(|c| entry(tr, c)).collect();
    let treatments = if all.len() > 1 {
        all.iter()
            .map(|x| TreatmentLink {
                id: x.id.0,
                label: tr.t2(
                    "history-treatment-link",
                    "procedure",
                    tr.procedure(x.procedure),
                    "date",
                    tr.long_date(x.treated_on),
                ),
                current: x.id == t.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    page(&HistoryPage {
        tr,
        csrf: &user.session.csrf,
        procedure: tr.procedure(t.procedure),
        treated_on: tr.long_date(t.treated_on),
        treatment_id: t.id.0,
        done_today,
        started: today_day >= 0,
        entries,
        figures,
        treatments,
    })
}
