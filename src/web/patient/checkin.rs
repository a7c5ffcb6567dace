//! The patient's check-in: the form (`GET/POST /checkin`), what happens next
//! (`GET /checkin/result`), and the history with charts (`GET /history`).
//! Every lookup is scoped by the signed-in patient: another patient's
//! treatment or check-in answers 404.

use crate::app::checkin::{self, Submission, BACKFILL_DAYS};
use crate::app::notify::MailContext;
use crate::db::{checkins, flags, patients};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage::{self, level_word, Advice, ExpectedCourse};
use crate::web::error::{page, render, see_other};
use crate::web::patient::photos::PhotoPanel;
use crate::web::session::{PatientUser, SecureForm};
use crate::web::view::charts::{Band, Chart, Point, Svg};
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

fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

fn short_date(d: NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

// ---------------------------------------------------------------------------
// The questions (clinical reference, section 4), in the order they are asked.

/// One option of a radio group.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
}

const fn opt(value: &'static str, label: &'static str) -> Opt {
    Opt { value, label }
}

/// A radio group. `ends` marks a 0–10 scale laid out as a grid of tap targets.
pub struct Radios {
    pub name: &'static str,
    pub legend: &'static str,
    pub hint: &'static str,
    pub options: &'static [Opt],
    pub ends: Option<(&'static str, &'static str)>,
}

/// A checkbox.
pub struct Check {
    pub name: &'static str,
    pub label: &'static str,
}

const fn check(name: &'static str, label: &'static str) -> Check {
    Check { name, label }
}

const ZERO_TO_TEN: &[Opt] = &[
    opt("0", "0"),
    opt("1", "1"),
    opt("2", "2"),
    opt("3", "3"),
    opt("4", "4"),
    opt("5", "5"),
    opt("6", "6"),
    opt("7", "7"),
    opt("8", "8"),
    opt("9", "9"),
    opt("10", "10"),
];
const LEVELS: &[Opt] = &[
    opt("0", "0 – None"),
    opt("1", "1 – Mild"),
    opt("2", "2 – Moderate"),
    opt("3", "3 – Severe"),
];

pub const OVERALL: Radios = Radios {
    name: "overall",
    legend: "Overall, since your last check-in, is your skin",
    hint: "",
    options: &[
        opt("better", "Getting better"),
        opt("same", "About the same"),
        opt("worse", "Getting worse"),
    ],
    ends: None,
};
pub const PAIN: Radios = Radios {
    name: "pain",
    legend: "The worst burning or pain since your last check-in",
    hint: "",
    options: ZERO_TO_TEN,
    ends: Some(("0 = no pain", "10 = worst imaginable")),
};
pub const PAIN_RELIEF: Radios = Radios {
    name: "pain_relief",
    legend: "Does pain medicine help?",
    hint: "",
    options: &[
        opt("yes", "Yes, it helps"),
        opt("no", "No, it does not help"),
        opt("not_taking", "I am not taking any"),
    ],
    ends: None,
};
pub const ITCH: Radios = Radios {
    name: "itch",
    legend: "The worst itch since your last check-in",
    hint: "",
    options: ZERO_TO_TEN,
    ends: Some(("0 = no itch", "10 = worst imaginable")),
};
pub const SWELLING: Radios = Radios {
    name: "swelling",
    legend: "How swollen is the treated skin?",
    hint: "",
    options: LEVELS,
    ends: None,
};
pub const REDNESS: Radios = Radios {
    name: "redness",
    legend: "How red is the treated skin?",
    hint: "",
    options: LEVELS,
    ends: None,
};
pub const OOZING: Radios = Radios {
    name: "oozing",
    legend: "Is anything oozing or weeping from the skin?",
    hint: "",
    options: &[
        opt("none", "No"),
        opt("clear", "Thin, clear or yellow liquid"),
        opt("pus", "Thick, cloudy or green, or it smells bad"),
    ],
    ends: None,
};
pub const CRUSTS: Radios = Radios {
    name: "crusts",
    legend: "Are there crusts or scabs?",
    hint: "",
    options: &[
        opt("none", "No"),
        opt("thin", "Thin, brown crusts"),
        opt("yellow", "Thick, yellow or honey-coloured crusts"),
    ],
    ends: None,
};
pub const PROPHYLAXIS: Radios = Radios {
    name: "prophylaxis",
    legend: "Tablets the clinic gave you to prevent infection or cold sores",
    hint: "For example an antiviral or an antibiotic.",
    options: &[
        opt("taken", "I took them as prescribed"),
        opt("missed", "I missed a dose"),
        opt("not_prescribed", "I was not given any"),
    ],
    ends: None,
};
pub const RAISED_AREA_SITE: Radios = Radios {
    name: "raised_area_site",
    legend: "If so, where is it?",
    hint: "",
    options: &[
        opt("neck", "Neck"),
        opt("jawline", "Jawline"),
        opt("eyelid", "Eyelid"),
        opt("other", "Somewhere else"),
    ],
    ends: None,
};

pub const EYES_SWOLLEN_SHUT: Check = check("eyes_swollen_shut", "My eyes are swollen shut or hard to open");
pub const REDNESS_SPREADING: Check = check(
    "redness_spreading",
    "The redness is spreading beyond the treated area, or there are red streaks",
);
pub const NEW_SPOTS: &[Check] = &[
    check("blisters", "Blisters, or clusters of small sores"),
    check("tingling", "Tingling, or a cold-sore feeling"),
    check("pimples", "Whiteheads or pimples"),
    check("white_patches", "White patches"),
    check("rash_outside", "A rash outside the treated area"),
    check("raw_area", "A raw area that is not healing"),
    check(
        "lip_swelling_or_breathing",
        "Swelling of the lips or tongue, or trouble breathing",
    ),
];
pub const FEVER: Check = check("fever", "I have a fever, or I feel hot and shivery");
pub const EYES: &[Check] = &[
    check("vision_change", "A change in my vision"),
    check("eye_pain", "Eye pain, or light hurts my eyes"),
    check("cannot_close_eye", "I cannot close my eye fully"),
    check(
        "lid_pulling",
        "My lower eyelid is pulling down, or my eye waters all the time",
    ),
];
pub const BLEEDING: Check = check("bleeding", "Bleeding that will not stop");
pub const WANT_CALL: Check = check("want_call", "I would like a call from the clinic");
pub const WEEKLY: &[Check] = &[
    check("dark_patches", "Darker patches of skin"),
    check("light_patches", "Lighter or white patches of skin"),
];
pub const RAISED_AREA: Check = check("raised_area", "A raised, firm or tight area");

/// The order fields appear on the form, for the error summary.
const FIELD_ORDER: &[&str] = &[
    "form",
    "date",
    "overall",
    "pain",
    "pain_relief",
    "itch",
    "swelling",
    "redness",
    "oozing",
    "crusts",
    "temperature",
    "prophylaxis",
    "raised_area_site",
    "note",
];

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
    weekly: bool,
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
    /// Same reading as the domain's: present and not an explicit "no".
    fn ticked(&self, name: &str) -> bool {
        let v = self.value(name).trim();
        !v.is_empty() && !matches!(v.to_ascii_lowercase().as_str(), "off" | "false" | "0" | "no")
    }
    /// Where the error summary's link for `field` points.
    fn anchor(&self, field: &str) -> String {
        let first = [
            &OVERALL,
            &PAIN,
            &PAIN_RELIEF,
            &ITCH,
            &SWELLING,
            &REDNESS,
            &OOZING,
            &CRUSTS,
            &PROPHYLAXIS,
            &RAISED_AREA_SITE,
        ]
        .into_iter()
        .find(|r| r.name == field)
        .and_then(|r| r.options.first());
        match (field, first) {
            ("form", _) => "checkin-form".into(),
            (_, Some(o)) => format!("{field}-{}", o.value),
            _ => field.to_string(),
        }
    }
    /// The errors in form order.
    fn summary(&self) -> Vec<(String, &str)> {
        let mut v: Vec<(&str, &str)> = self.errors.iter().collect();
        v.sort_by_key(|(f, _)| FIELD_ORDER.iter().position(|o| o == f).unwrap_or(usize::MAX));
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
    /// Days already checked in (for the "already" notice and the day links).
    done_days: Vec<NaiveDate>,
    photo_requested: bool,
}

async fn form_context(state: &AppState, user: &PatientUser, raw: Option<String>) -> Result<Option<FormContext>> {
    let pid = user.patient.id;
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    state
        .db
        .run(move |db| {
            db.read(|c| {
                let Some(treatment) = pick_treatment(c, pid, raw.as_deref())? else {
                    return Ok(None);
                };
                let done_days = checkins::of_treatment(c, treatment.id)?
                    .into_iter()
                    .map(|ci| ci.day)
                    .collect();
                Ok::<_, Error>(Some(FormContext {
                    treatment,
                    today,
                    done_days,
                    photo_requested: super::photos::photo_requested(c, pid)?,
                }))
            })
        })
        .await
}

/// Renders the form for `date` (or, when the date was wrong, for today with
/// the wrong value shown next to its message).
fn render_form(
    user: &PatientUser,
    ctx: &FormContext,
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
    let heading = if day_date == ctx.today {
        format!("Today’s check-in: day {day}")
    } else {
        format!("Check-in for {}: day {day}", long_date(day_date))
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
            done: ctx.done_days.contains(&d),
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
        weekly: CheckInKind::for_day(day) == CheckInKind::Weekly,
        already: date.is_ok() && ctx.done_days.contains(&day_date),
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
    let values = HashMap::new();
    match checkin::parse_checkin_date(raw, ctx.today, ctx.treatment.treated_on) {
        Ok(d) => render_form(&user, &ctx, Ok(d), &values, &FieldErrors::default(), StatusCode::OK),
        Err(msg) => render_form(
            &user,
            &ctx,
            Err(raw.to_string()),
            &values,
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
    let answers = CheckInAnswers::from_form(&form.fields, CheckInKind::for_day(day));
    let (date, answers) = match (date, answers) {
        (Ok(d), Ok(a)) => (d, a),
        (date, answers) => {
            let mut errors = FieldErrors::default();
            if let Err(msg) = &date {
                errors.add("date", *msg);
            }
            if let Err(e) = answers {
                errors.merge(e);
            }
            let date = date.map_err(|_| raw_date.to_string());
            return render_form(
                &user,
                &ctx,
                date,
                &form.fields,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mail = MailContext::from_settings(&state.settings);
    let now = state.clock.now();
    let FormContext { treatment, .. } = ctx;
    let PatientUser { patient, clinic, .. } = user;
    let outcome = state
        .db
        .run(move |db| {
            db.write(|c| {
                let sub = Submission {
                    patient: &patient,
                    clinic: &clinic,
                    treatment: &treatment,
                    date,
                    answers: &answers,
                };
                checkin::record(c, &mail, &sub, now)
            })
        })
        .await?;
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
    emergency: bool,
    amended: bool,
    day: i64,
    date: String,
    date_iso: String,
    normal: &'static str,
    emergency_message: &'static str,
    treatment_id: i64,
    /// "Add a photo of the area", with the photos already added.
    panel: PhotoPanel,
}

pub async fn result_page(state: web::Data<AppState>, user: PatientUser, req: HttpRequest) -> Result<HttpResponse> {
    let id: i64 = query(&req)
        .get("checkin")
        .and_then(|s| s.trim().parse().ok())
        .ok_or(Error::NotFound)?;
    let pid = user.patient.id;
    let clinic = user.clinic.clone();
    let now = state.clock.now();
    let (ci, treatment, emergency, photos) = state
        .db
        .run(move |db| {
            db.read(|c| {
                let ci = checkins::of_patient(c, pid, CheckInId(id))?.ok_or(Error::NotFound)?;
                let photos = PhotoPanel::load(c, pid, &clinic, ci.id, now)?;
                let t = patients::treatment_of(c, pid, ci.treatment_id)?.ok_or(Error::NotFound)?;
                // U10 tells the patient to call emergency services. The flag
                // may be older than an amendment, so the current answers must
                // still meet it too.
                let u10 = flags::of_checkin(c, ci.id)?
                    .iter()
                    .any(|f| f.rule_id == triage::RuleId::U10.as_str() && f.severity == Severity::Urgent);
                let emergency = u10
                    && ci.highest_severity == Some(Severity::Urgent)
                    && ci.answers.rash_outside
                    && ci.answers.lip_swelling_or_breathing;
                Ok::<_, Error>((ci, t, emergency, photos))
            })
        })
        .await?;
    page(&ResultPage {
        csrf: &user.session.csrf,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        severity: ci.highest_severity.map(|s| s.as_str()).unwrap_or("none"),
        emergency,
        amended: ci.version > 1,
        day: ci.day_number,
        date: long_date(ci.day),
        date_iso: ci.day.format("%Y-%m-%d").to_string(),
        normal: triage::what_is_normal(treatment.procedure, ci.day_number),
        emergency_message: Advice::Emergency.message(),
        treatment_id: treatment.id.0,
        panel: photos,
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

/// Everything else the patient reported, in plain words.
fn also_reported(a: &CheckInAnswers) -> Vec<String> {
    let mut out = Vec::new();
    let mut tick = |on: bool, c: &Check| {
        if on {
            out.push(c.label.to_string());
        }
    };
    tick(a.eyes_swollen_shut, &EYES_SWOLLEN_SHUT);
    tick(a.redness_spreading, &REDNESS_SPREADING);
    let spots = [
        a.blisters,
        a.tingling,
        a.pimples,
        a.white_patches,
        a.rash_outside,
        a.raw_area,
        a.lip_swelling_or_breathing,
    ];
    for (on, c) in spots.into_iter().zip(NEW_SPOTS) {
        tick(on, c);
    }
    tick(a.fever, &FEVER);
    let eyes = [a.vision_change, a.eye_pain, a.cannot_close_eye, a.lid_pulling];
    for (on, c) in eyes.into_iter().zip(EYES) {
        tick(on, c);
    }
    tick(a.bleeding, &BLEEDING);
    tick(a.want_call, &WANT_CALL);
    tick(a.dark_patches, &WEEKLY[0]);
    tick(a.light_patches, &WEEKLY[1]);
    tick(a.raised_area, &RAISED_AREA);
    if let Some(t) = a.temperature {
        out.push(format!("Temperature {} °C ({} °F)", t.celsius(), t.fahrenheit()));
    }
    if a.oozing != Oozing::None {
        out.push(format!("Oozing: {}", OOZING.label_of(a.oozing.as_str()).to_lowercase()));
    }
    if a.crusts != Crusts::None {
        out.push(format!("Crusts: {}", CRUSTS.label_of(a.crusts.as_str()).to_lowercase()));
    }
    if a.pain_relief == PainRelief::No {
        out.push("Pain medicine does not help".into());
    }
    if a.prophylaxis == Prophylaxis::Missed {
        out.push("Missed a dose of the preventive tablets".into());
    }
    out
}

impl Radios {
    fn label_of(&self, value: &str) -> &'static str {
        self.options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label)
            .unwrap_or("")
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
        also: also_reported(a),
        note: a.note.clone(),
        severity: c.highest_severity.map(|s| s.as_str()).unwrap_or("none"),
        severity_label: severity_label(c.highest_severity),
        amended: c.version > 1,
    }
}

/// "any level to day 6; moderate or less from day 7; mild or less from day 14".
fn describe_limits(limit: impl Fn(i64) -> Option<u8>, last_day: i64, word: fn(u8) -> String) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<Option<u8>> = None;
    for d in 0..=last_day {
        let l = limit(d);
        if current != Some(l) {
            let what = match l {
                None => "any level".to_string(),
                Some(m) => word(m),
            };
            parts.push(if d == 0 {
                format!("{what} at first")
            } else {
                format!("{what} from day {d}")
            });
            current = Some(l);
        }
    }
    parts.join("; ")
}

/// The last day worth describing: the chart's end, or a later step of the course.
fn last_step(steps: &[triage::LevelStep], chart_end: i64) -> i64 {
    steps.iter().map(|s| s.by_day).max().unwrap_or(0).max(chart_end)
}

fn level_limit_word(m: u8) -> String {
    if m == 0 {
        "none".into()
    } else {
        format!("{} or less", level_word(m))
    }
}

#[allow(clippy::too_many_arguments)]
fn figure(
    id: &str,
    title: &str,
    y_label: &str,
    y_max: f64,
    y_ticks: Vec<f64>,
    days: (i64, i64),
    points: Vec<Point>,
    limit: Option<&dyn Fn(i64) -> Option<u8>>,
    expected_text: String,
) -> Figure {
    let band = match limit {
        Some(l) => (days.0..=days.1)
            .map(|d| Band {
                day: d,
                low: 0.0,
                high: l(d).map(f64::from).unwrap_or(y_max),
            })
            .collect(),
        None => Vec::new(),
    };
    let description = format!("{} {}", Chart::summary(&points, ""), expected_text);
    let chart = Chart {
        id,
        title,
        description,
        x_label: "Days since treatment",
        y_label,
        y_max,
        y_ticks,
        days,
        points,
        band,
    };
    Figure {
        id: id.to_string(),
        svg: chart.render(),
        caption: expected_text,
    }
}

pub async fn history_page(state: web::Data<AppState>, user: PatientUser, req: HttpRequest) -> Result<HttpResponse> {
    let q = query(&req);
    let pid = user.patient.id;
    let clinic = user.clinic.id;
    let raw = q.get("treatment").cloned();
    let loaded = state
        .db
        .run(move |db| {
            db.read(|c| {
                let Some(t) = pick_treatment(c, pid, raw.as_deref())? else {
                    return Ok(None);
                };
                let all = patients::treatments_of(c, pid)?;
                let list = checkins::of_treatment(c, t.id)?;
                let (_, rules) = checkin::rules_of(c, clinic)?;
                Ok::<_, Error>(Some((t, all, list, rules)))
            })
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

    let course: ExpectedCourse = rules.course_for(t.procedure);
    let pain_ok = rules.pain_ok_level;
    let pain_by = course.pain_ok_by_day;
    let points = |f: &dyn Fn(&CheckInAnswers) -> u8| -> Vec<Point> {
        list.iter()
            .map(|c| Point {
                day: c.day_number,
                value: f64::from(f(&c.answers)),
                mark: c.highest_severity.filter(|s| *s >= Severity::Review),
            })
            .collect()
    };
    let pain_limit = move |d: i64| (d >= pain_by).then_some(pain_ok);
    let swelling_limit = |d: i64| course.swelling_limit(d).map(|s| s.max);
    let redness_limit = |d: i64| course.redness_limit(d).map(|s| s.max);
    let figures = vec![
        figure(
            "chart-pain",
            "Worst burning or pain by day",
            "Pain (0–10)",
            10.0,
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            days,
            points(&|a| a.pain),
            Some(&pain_limit),
            format!("Expected: {pain_ok} or less from day {pain_by}; any level before that."),
        ),
        figure(
            "chart-itch",
            "Worst itch by day",
            "Itch (0–10)",
            10.0,
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            days,
            points(&|a| a.itch),
            None,
            "Itching is common while the skin heals; there is no expected range.".into(),
        ),
        figure(
            "chart-swelling",
            "Swelling by day",
            "Swelling (0–3)",
            3.0,
            vec![0.0, 1.0, 2.0, 3.0],
            days,
            points(&|a| a.swelling),
            Some(&swelling_limit),
            format!(
                "Expected swelling: {}.",
                describe_limits(swelling_limit, last_step(&course.swelling, days.1), level_limit_word)
            ),
        ),
        figure(
            "chart-redness",
            "Redness by day",
            "Redness (0–3)",
            3.0,
            vec![0.0, 1.0, 2.0, 3.0],
            days,
            points(&|a| a.redness),
            Some(&redness_limit),
            format!(
                "Expected redness: {}.",
                describe_limits(redness_limit, last_step(&course.redness, days.1), level_limit_word)
            ),
        ),
    ];
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
