//! The dashboard's patient pages: the list (search, status), enrolment, a
//! patient's record (treatments, check-ins, charts, flags with history),
//! adding a treatment and closing follow-up.

use crate::app::notify::MailContext;
use crate::app::onboarding::{PatientInput, TreatmentInput};
use crate::app::patients::{self as app_patients, InviteState, PatientRecord};
use crate::db::checkins::{self, CheckIn};
use crate::db::{dashboard, flags, patients};
use crate::domain::questions::{self, Answer, Kind};
use crate::domain::search::SearchPrefix;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage::{self, Measure};
use crate::web::clinic::photos::{PhotoBox, Scope};
use crate::web::error::{page, render, see_other};
use crate::web::session::{SecureForm, StaffUser};
use crate::web::view::charts::{Chart, Frame, Point, Svg};
use crate::web::view::flag::{event_views, EventView, FlagView};
use crate::web::view::form::FormState;
use crate::web::view::format::{ago, local_time, short_date};
use crate::web::view::invite::InviteView;
use crate::web::view::nav::Nav;
use crate::web::view::notice::{safe_back, with_notice, NoticeQuery};
use crate::web::view::pager::Pager;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;

pub const PATIENT_PAGE: i64 = 25;

// ---------- the list ----------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
    /// Which patients: everyone (empty), `flags`, `overdue` or `invited`.
    #[serde(default)]
    show: String,
}

/// The list's filters. Unknown values show everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Everyone,
    /// With open (unresolved) flags.
    OpenFlags,
    /// With a check-in overdue.
    Overdue,
    /// Invited and not active yet.
    Invited,
}

impl Show {
    pub const ALL: [(Show, &'static str, &'static str); 4] = [
        (Show::Everyone, "", "Everyone"),
        (Show::OpenFlags, "flags", "Open flags"),
        (Show::Overdue, "overdue", "Overdue check-in"),
        (Show::Invited, "invited", "Invited, not active"),
    ];
    fn parse(s: &str) -> Self {
        Self::ALL
            .iter()
            .find(|(_, k, _)| *k == s.trim())
            .map(|(v, _, _)| *v)
            .unwrap_or(Show::Everyone)
    }
    fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(v, _, _)| *v == self)
            .map(|(_, k, _)| *k)
            .unwrap_or("")
    }
}

pub struct PatientItem {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub treatment: Option<String>,
    pub last_checkin: String,
    pub urgent: i64,
    pub review: i64,
    pub info: i64,
    pub overdue: bool,
    pub closed: bool,
    /// Not active yet (invited): when the invite went out, and whether its
    /// link expired.
    pub invite: Option<InviteView>,
}

#[derive(Template)]
#[template(path = "clinic/patients.html")]
struct PatientsPage {
    nav: Nav,
    q: String,
    show: &'static str,
    shows: Vec<(&'static str, &'static str, String)>,
    search_error: Option<&'static str>,
    items: Vec<PatientItem>,
    pager: Pager,
    total: i64,
    /// `total` is only a floor: a search matching more patients than it.
    more: bool,
}

/// Whether a check-in is overdue: follow-up is running, the patient is
/// active (`activated_on`, a clinic date; an invited patient shows as
/// invited instead), and nothing was entered since the last due day before
/// today that came on or after the activation day (today's may still come).
pub fn overdue(
    treated_on: NaiveDate,
    last_checkin_at: Option<NaiveDateTime>,
    closed: bool,
    today: NaiveDate,
    follow_up_days: i64,
    tz: ClinicTz,
    activated_on: Option<NaiveDate>,
) -> bool {
    let Some(activated_on) = activated_on else {
        return false;
    };
    if closed {
        return false;
    }
    let today_day = triage::day_number(treated_on, today);
    if today_day < 1 || today_day > follow_up_days + 1 {
        return false;
    }
    let start_day = triage::day_number(treated_on, activated_on).max(0);
    let Some(last_due) = (start_day..today_day)
        .rev()
        .find(|d| triage::is_due_day(*d, follow_up_days))
    else {
        return false;
    };
    let Some(due_date) = triage::date_of_day(treated_on, last_due) else {
        return false;
    };
    match last_checkin_at {
        None => true,
        Some(t) => triage::clinic_today(t.and_utc(), tz.0) < due_date,
    }
}

pub async fn list(state: web::Data<AppState>, user: StaffUser, q: web::Query<ListQuery>) -> Result<HttpResponse> {
    let query: String = q.q.trim().chars().take(100).collect();
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let show = Show::parse(&q.show);
    let clinic = user.clinic.id;
    // No name or address holds a control character, so such a search finds
    // nothing; it is refused before it reaches the database (a NUL in a
    // query's text has ended it early before).
    let search_error = (!crate::domain::text::is_plain_line(&query))
        .then_some("Search text cannot hold invisible control characters: type it again");
    let query_c = query.clone();
    let searchable = search_error.is_none();
    let now = state.clock.now();
    let tz = user.clinic.timezone;
    let today = triage::clinic_today(now, tz.0);
    let follow_up = user.clinic.follow_up_days as i64;
    let (rows, total, treatments, flag_counts, invites) = state
        .db
        .read_async(move |c| {
            if !searchable {
                let none = dashboard::ListTotal::Exactly(0);
                return Ok((
                    Vec::new(),
                    none,
                    Default::default(),
                    Default::default(),
                    Default::default(),
                ));
            }
            let q = SearchPrefix::parse(&query_c);
            let set = dashboard::PatientSet {
                only: match show {
                    Show::OpenFlags => Some(dashboard::patients_with_unresolved_flags(c, clinic, None)?),
                    Show::Overdue => Some(overdue_patients(c, clinic, today, follow_up, tz)?),
                    Show::Invited => Some(dashboard::invited_patients(c, clinic)?),
                    Show::Everyone => None,
                },
            };
            let urgent_first = dashboard::patients_with_unresolved_flags(c, clinic, Some(Severity::Urgent))?;
            let offset = (page_no - 1) * PATIENT_PAGE;
            let page = dashboard::patient_list(c, clinic, q.as_ref(), &set, &urgent_first, offset, PATIENT_PAGE)?;
            let ids: Vec<PatientId> = page.rows.iter().map(|r| r.id).collect();
            let treatments = dashboard::latest_treatments(c, clinic, &ids)?;
            let flag_counts = dashboard::unresolved_flags_of(c, clinic, &ids)?;
            let invites = patients::invites_of(c, clinic, &ids)?;
            Ok((page.rows, page.total, treatments, flag_counts, invites))
        })
        .await?;
    let full_page = rows.len() as i64 == PATIENT_PAGE;
    let items = rows
        .into_iter()
        .map(|r| {
            let t = treatments.get(&r.id);
            let counts = flag_counts.get(&r.id);
            let n = |s: Severity| counts.and_then(|c| c.get(&s)).copied().unwrap_or(0);
            let (activated_at, link) = invites.get(&r.id).copied().unwrap_or((None, None));
            let invite = InviteState::of(activated_at, link, now);
            let activated_on = activated_at.map(|t| triage::clinic_today(t.and_utc(), tz.0));
            PatientItem {
                invite: InviteView::of(invite, tz, now),
                id: r.id.0,
                treatment: t.map(|(p, d)| format!("{}, day {}", p.label(), triage::day_number(*d, today))),
                last_checkin: r
                    .last_checkin_at
                    .map(|t| format!("{} ({})", local_time(t, tz), ago(t, now)))
                    .unwrap_or_else(|| "Never".into()),
                urgent: n(Severity::Urgent),
                review: n(Severity::Review),
                info: n(Severity::Info),
                overdue: t.is_some_and(|(_, d)| {
                    overdue(
                        *d,
                        r.last_checkin_at,
                        r.follow_up_closed_at.is_some(),
                        today,
                        follow_up,
                        tz,
                        activated_on,
                    )
                }),
                closed: r.follow_up_closed_at.is_some(),
                name: r.name,
                email: r.email,
            }
        })
        .collect();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let q_enc = enc(&query);
    let shows = Show::ALL
        .iter()
        .map(|(_, key, label)| {
            let href = match (key.is_empty(), query.is_empty()) {
                (true, true) => "/clinic/patients".to_string(),
                (true, false) => format!("/clinic/patients?q={q_enc}"),
                (false, true) => format!("/clinic/patients?show={key}"),
                (false, false) => format!("/clinic/patients?show={key}&q={q_enc}"),
            };
            (*key, *label, href)
        })
        .collect();
    let show_key = show.key();
    let link = |p: i64| format!("/clinic/patients?show={show_key}&q={q_enc}&page={p}");
    let (total, more) = match total {
        dashboard::ListTotal::Exactly(n) => (n, false),
        dashboard::ListTotal::MoreThan(n) => (n, true),
    };
    page(&PatientsPage {
        nav: Nav::new(&user, "patients"),
        pager: if more {
            // Too many matches to count: no "page N of M", only the neighbours.
            Pager::keyset(
                (page_no > 1).then(|| link(page_no - 1)),
                full_page.then(|| link(page_no + 1)),
            )
        } else {
            Pager::new(page_no, total, PATIENT_PAGE, link)
        },
        // Shown back without the characters refused (never a NUL in a page).
        q: if search_error.is_some() {
            query.chars().filter(|c| !c.is_control()).collect()
        } else {
            query
        },
        show: show_key,
        shows,
        search_error,
        items,
        total,
        more,
    })
}

/// The patients whose check-in is overdue today: only those with a
/// treatment recent enough to still be in follow-up are read (from the
/// treatments' date index), then judged by [`overdue`] on their latest one.
fn overdue_patients(
    c: &mut crate::db::DbConn,
    clinic: ClinicId,
    today: NaiveDate,
    follow_up_days: i64,
    tz: ClinicTz,
) -> std::result::Result<Vec<i64>, crate::db::DbError> {
    let since = today - chrono::Duration::days(follow_up_days + 1);
    let candidates = dashboard::in_follow_up_since(c, clinic, since)?;
    let ids: Vec<PatientId> = candidates.iter().map(|(id, _)| *id).collect();
    let latest = dashboard::latest_treatments(c, clinic, &ids)?;
    let invites = patients::invites_of(c, clinic, &ids)?;
    let mut out: Vec<i64> = candidates
        .into_iter()
        .filter(|(id, last)| {
            let activated_on = invites
                .get(id)
                .and_then(|(at, _)| *at)
                .map(|t| triage::clinic_today(t.and_utc(), tz.0));
            latest
                .get(id)
                .is_some_and(|(_, d)| overdue(*d, *last, false, today, follow_up_days, tz, activated_on))
        })
        .map(|(id, _)| id.0)
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

// ---------- forms ----------

/// The enrolment and treatment form; corrections reuse it with the stored values.
#[derive(Template)]
#[template(path = "clinic/patient_new.html")]
pub(super) struct NewPatientPage {
    pub nav: Nav,
    pub form: FormState,
    pub procedures: Vec<(&'static str, &'static str)>,
    pub zones: Vec<(&'static str, &'static str)>,
    pub with_treatment: bool,
    pub patient_name: String,
    pub action: String,
    /// Set when correcting: the page's heading, its explanation, the button.
    pub correcting: Option<Correcting>,
}

impl NewPatientPage {
    /// The form for `patient_name` (empty when enrolling), posting to
    /// `action`; `with_treatment` asks for a treatment's fields.
    pub(super) fn new(
        user: &StaffUser,
        form: FormState,
        with_treatment: bool,
        patient_name: String,
        action: String,
    ) -> Self {
        Self {
            nav: Nav::new(user, "patients"),
            form,
            procedures: procedures(),
            zones: zones(),
            with_treatment,
            patient_name,
            action,
            correcting: None,
        }
    }

    /// Enrolling a new patient.
    fn enrol(user: &StaffUser, form: FormState) -> Self {
        Self::new(user, form, false, String::new(), "/clinic/patients/new".into())
    }

    /// A new treatment of `p`.
    fn treatment(user: &StaffUser, form: FormState, p: &patients::Patient) -> Self {
        let action = format!("/clinic/patients/{}/treatments", p.id);
        Self::new(user, form, true, p.name.clone(), action)
    }
}

pub(super) struct Correcting {
    pub heading: String,
    pub explain: &'static str,
    pub submit: &'static str,
    pub back: String,
}

pub(super) fn procedures() -> Vec<(&'static str, &'static str)> {
    ProcedureClass::ALL.iter().map(|p| (p.as_str(), p.label())).collect()
}
pub(super) fn zones() -> Vec<(&'static str, &'static str)> {
    Zone::ALL.iter().map(|z| (z.as_str(), z.label())).collect()
}

pub async fn new_page(user: StaffUser) -> Result<HttpResponse> {
    page(&NewPatientPage::enrol(&user, FormState::default()))
}

pub(super) fn parse_patient(form: &SecureForm, clinic: ClinicId, errors: &mut FieldErrors) -> Option<PatientInput> {
    let name = parse_name(form.get("name")).map_err(|m| errors.add("name", m)).ok();
    let email = EmailAddress::parse(form.get("email"))
        .map_err(|e| errors.add("email", e.to_string()))
        .ok();
    let skin_type = match form.get("skin_type").trim() {
        "" => Some(None),
        s => s
            .parse::<i32>()
            .ok()
            .and_then(|n| SkinType::new(n).ok())
            .map(Some)
            .or_else(|| {
                errors.add("skin_type", "Choose a skin type from I to VI, or leave it unknown");
                None
            }),
    };
    let phone = PhoneNumber::parse_optional(form.get("phone"))
        .map_err(|m| errors.add("phone", m))
        .ok();
    let language = match form.get("language").trim() {
        // Absent (an older client): English, as before languages existed.
        "" => Some(Lang::En),
        s => Lang::parse(s)
            .map_err(|_| errors.add("language", "Choose English or Spanish"))
            .ok(),
    };
    Some(PatientInput {
        clinic,
        email: email?,
        name: name?,
        skin_type: skin_type?,
        cold_sores: form.checked("cold_sores"),
        phone: phone?,
        language: language?,
    })
}

/// Reads the treatment fields; `today` bounds the date (a year back, 90 days ahead).
pub(super) fn parse_treatment(
    form: &SecureForm,
    patient: PatientId,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<TreatmentInput> {
    let procedure = ProcedureClass::parse(form.get("procedure"))
        .map_err(|_| errors.add("procedure", "Choose the procedure"))
        .ok();
    let date = match NaiveDate::parse_from_str(form.get("treated_on").trim(), "%Y-%m-%d") {
        Ok(d) if d < today - chrono::Duration::days(365) => {
            errors.add("treated_on", "The date is more than a year ago");
            None
        }
        Ok(d) if d > today + chrono::Duration::days(90) => {
            errors.add("treated_on", "The date is more than 90 days ahead");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.add("treated_on", "Enter the treatment date, like 2026-03-01");
            None
        }
    };
    let zones = Zones::new(
        Zone::ALL
            .iter()
            .copied()
            .filter(|z| form.checked(&format!("zone_{}", z.as_str())))
            .collect(),
    );
    Some(TreatmentInput {
        patient,
        procedure: procedure?,
        treated_on: date?,
        zones,
        prescribed: Prescribed {
            antiviral: form.checked("antiviral"),
            antibiotic: form.checked("antibiotic"),
        },
    })
}

pub(super) fn kept_values(form: &SecureForm) -> HashMap<String, String> {
    let mut v = form.fields.clone();
    v.remove("csrf");
    v
}

pub async fn create(state: web::Data<AppState>, user: StaffUser, form: SecureForm) -> Result<HttpResponse> {
    let mut errors = FieldErrors::default();
    let input = parse_patient(&form, user.clinic.id, &mut errors);
    let rerender = |errors: FieldErrors| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPatientPage::enrol(&user, FormState::new(kept_values(&form), errors)),
        )
    };
    let Some(input) = input.filter(|_| errors.is_empty()) else {
        return rerender(errors);
    };
    let mail = MailContext::from_settings(&state.settings);
    let created = app_patients::enrol(
        &state.db,
        mail,
        input,
        user.clinic.name.clone(),
        state.clock.now(),
        user.actor(),
    )
    .await;
    match created {
        Ok(id) => Ok(see_other(&format!(
            "/clinic/patients/{id}/treatments/new?notice=enrolled"
        ))),
        Err(Error::Conflict(_)) => rerender(FieldErrors::single(
            "email",
            "An account with this email already exists",
        )),
        Err(e) => Err(e),
    }
}

// ---------- adding a treatment ----------

#[derive(Deserialize)]
pub struct IdPath {
    pub id: i64,
}

async fn patient_of(state: &AppState, user: &StaffUser, id: i64) -> Result<patients::Patient> {
    let clinic = user.clinic.id;
    state
        .db
        .read_async(move |c| patients::in_clinic(c, clinic, PatientId(id))?.ok_or(Error::NotFound))
        .await
}

pub async fn treatment_page(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<IdPath>,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let p = patient_of(&state, &user, path.id).await?;
    let mut form = FormState::default();
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    form.values.insert("treated_on".into(), today.to_string());
    if q.notice.as_deref() == Some("enrolled") {
        form.values.insert("enrolled".into(), "1".into());
    }
    page(&NewPatientPage::treatment(&user, form, &p))
}

pub async fn add_treatment(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<IdPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let p = patient_of(&state, &user, path.id).await?;
    let now = state.clock.now();
    let today = triage::clinic_today(now, user.clinic.timezone.0);
    let mut errors = FieldErrors::default();
    let input = parse_treatment(&form, p.id, today, &mut errors);
    let Some(input) = input.filter(|_| errors.is_empty()) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPatientPage::treatment(&user, FormState::new(kept_values(&form), errors), &p),
        );
    };
    app_patients::add_treatment(&state.db, user.clinic.id, input, now, user.actor()).await?;
    Ok(see_other(&format!("/clinic/patients/{}?notice=treatment", p.id)))
}

pub async fn close_follow_up(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<IdPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let id = PatientId(path.id);
    app_patients::close_follow_up(&state.db, user.clinic.id, id, state.clock.now(), user.actor()).await?;
    let back = safe_back(form.get("back"));
    let back = if back == "/clinic" {
        format!("/clinic/patients/{}", path.id)
    } else {
        back.to_string()
    };
    Ok(see_other(&with_notice(&back, "closed")))
}

// ---------- a patient's record ----------

pub struct CheckInRow {
    pub day_number: i64,
    pub date: String,
    pub severity: Option<&'static str>,
    pub severity_label: &'static str,
    pub overall: &'static str,
    pub pain: u8,
    pub itch: u8,
    pub swelling: &'static str,
    pub redness: &'static str,
    pub oozing: &'static str,
    pub crusts: &'static str,
    pub other: String,
    pub note: Option<String>,
    pub version: i32,
    pub entered: String,
    pub revisions: Vec<RevisionRow>,
}

pub struct RevisionRow {
    pub version: i32,
    pub entered: String,
    pub summary: String,
    pub severity: String,
}

pub struct PatientFlag {
    pub flag: FlagView,
    pub events: Vec<EventView>,
}

/// One chart of a treatment with its title and the expected range in words.
pub struct ChartView {
    pub title: &'static str,
    pub expected: String,
    pub svg: Svg,
}

pub struct TreatmentView {
    pub id: i64,
    pub procedure: &'static str,
    pub treated_on: String,
    pub day_now: i64,
    pub zones: String,
    pub prophylaxis: String,
    pub checkins: Vec<CheckInRow>,
    pub charts: Vec<ChartView>,
    pub flags: Vec<PatientFlag>,
}

#[derive(Template)]
#[template(path = "clinic/patient.html")]
struct PatientPage {
    nav: Nav,
    id: i64,
    name: String,
    email: String,
    phone: Option<PhoneNumber>,
    skin_type: String,
    cold_sores: bool,
    language: &'static str,
    closed: Option<String>,
    last_checkin: String,
    treatments: Vec<TreatmentView>,
    notice: Option<&'static str>,
    back: String,
    disclaimer: &'static str,
    photos: PhotoBox,
    /// Not active yet: the invite's state, with "Resend invite".
    invite: Option<InviteView>,
}

/// Ticked boxes and a measured temperature, in the catalogue's short words.
fn yes_list(a: &CheckInAnswers) -> String {
    let out = questions::noted(a);
    if out.is_empty() {
        "—".into()
    } else {
        out.join(", ")
    }
}

/// An earlier version in one line: every answered radio question ("pain 3",
/// "swelling mild"), then [`yes_list`].
fn summary(a: &CheckInAnswers) -> String {
    let answers: Vec<String> = questions::QUESTIONS
        .iter()
        .filter_map(|q| match (q.get)(a) {
            Answer::Number(n) if matches!(q.kind, Kind::Level) => {
                Some(format!("{} {}", q.short, triage::level_word(n)))
            }
            Answer::Number(n) => Some(format!("{} {n}", q.short)),
            Answer::Choice(Some(v)) => Some(format!("{} {v}", q.short)),
            Answer::NotAsked => Some(format!("{} not asked", q.short)),
            _ => None,
        })
        .collect();
    format!("{}; {}", answers.join(", "), yes_list(a))
}

fn checkin_row(c: &CheckIn, revisions: Vec<RevisionRow>, tz: ClinicTz) -> CheckInRow {
    let a = &c.answers;
    CheckInRow {
        day_number: c.day_number,
        date: short_date(c.day),
        severity: c.highest_severity.map(|s| s.as_str()),
        severity_label: c.highest_severity.map(|s| s.label()).unwrap_or("None"),
        overall: a.overall.as_str(),
        pain: a.pain,
        itch: a.itch,
        swelling: triage::level_word(a.swelling),
        redness: triage::level_word(a.redness),
        oozing: a.oozing.as_str(),
        crusts: a.crusts.as_str(),
        other: yes_list(a),
        note: a.note.clone(),
        version: c.version,
        entered: local_time(c.entered_at, tz),
        revisions,
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<IdPath>,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let now = state.clock.now();
    let tz = user.clinic.timezone;
    let (
        PatientRecord {
            patient,
            treatments,
            flags: flag_list,
            staff_names: names,
            rules,
            invite,
        },
        photos,
    ) = app_patients::view_record(
        &state.db,
        user.clinic.id,
        PatientId(path.id),
        now,
        user.actor(),
        move |c, r| {
            let back = format!("/clinic/patients/{}", r.patient.id);
            PhotoBox::load(c, r.patient.id, Scope::Patient, None, tz, back)
        },
    )
    .await?;
    let today = triage::clinic_today(now, tz.0);
    let follow_up = user.clinic.follow_up_days as i64;
    let views = treatments
        .into_iter()
        .map(|(t, list)| treatment_view(t, list, &flag_list, &names, &rules, tz, now, today, follow_up))
        .collect();
    page(&PatientPage {
        nav: Nav::new(&user, "patients"),
        id: patient.id.0,
        email: patient.email,
        phone: patient.phone,
        skin_type: patient
            .skin_type
            .map(|s| s.roman().to_string())
            .unwrap_or_else(|| "not recorded".into()),
        cold_sores: patient.cold_sores,
        language: patient.language.own_name(),
        closed: patient.follow_up_closed_at.map(|t| local_time(t, tz)),
        last_checkin: patient
            .last_checkin_at
            .map(|t| local_time(t, tz))
            .unwrap_or_else(|| "never".into()),
        name: patient.name,
        treatments: views,
        notice: q.text(),
        back: format!("/clinic/patients/{}", path.id),
        disclaimer: triage::DISCLAIMER,
        photos,
        invite: InviteView::of(invite, tz, now),
    })
}

/// "Resend invite": a new link by email; the old one stops working.
pub async fn resend_invite(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<IdPath>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    app_patients::resend_invite(
        &state.db,
        MailContext::from_settings(&state.settings),
        user.clinic.id,
        user.clinic.name.clone(),
        PatientId(path.id),
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other(&format!("/clinic/patients/{}?notice=invite-resent", path.id)))
}

#[allow(clippy::too_many_arguments)]
fn treatment_view(
    t: patients::Treatment,
    list: Vec<(CheckIn, Vec<checkins::Revision>)>,
    all_flags: &[(flags::Flag, Vec<flags::FlagEvent>)],
    names: &HashMap<i64, String>,
    rules: &triage::RuleSettings,
    tz: ClinicTz,
    now: DateTime<Utc>,
    today: NaiveDate,
    follow_up_days: i64,
) -> TreatmentView {
    let mine: Vec<&(flags::Flag, Vec<flags::FlagEvent>)> =
        all_flags.iter().filter(|(f, _)| f.treatment_id == t.id).collect();
    let day_now = triage::day_number(t.treated_on, today);
    let last_checkin_day = list.iter().map(|(c, _)| c.day_number).max().unwrap_or(0);
    let entered = list.iter().map(|(c, _)| c.day_number).collect();
    let missed = triage::missed_days(&entered, day_now, follow_up_days);
    let days = (0, day_now.clamp(0, 120).max(last_checkin_day).max(7));
    let ranges = rules.expected_ranges(t.procedure);
    let flags_here: Vec<&flags::Flag> = mine.iter().map(|(f, _)| f).collect();
    let id = t.id.0;
    let charts = [
        (Measure::Pain, "pain", "Pain (0–10) by day since treatment"),
        (Measure::Itch, "itch", "Itch (0–10) by day since treatment"),
        (
            Measure::Swelling,
            "swelling",
            "Swelling (0 none – 3 severe) by day since treatment",
        ),
        (
            Measure::Redness,
            "redness",
            "Redness (0 none – 3 severe) by day since treatment",
        ),
    ]
    .into_iter()
    .map(|(m, name, title)| {
        let chart_id = format!("chart-t{id}-{name}");
        let points = Point::of_measure(m, list.iter().map(|(c, _)| c), &flags_here);
        let marked: Vec<String> = points
            .iter()
            .filter_map(|p| p.mark.map(|s| format!("day {} ({})", p.day, s.as_str())))
            .collect();
        let expected = format!("Expected: {}.", ranges.describe(m));
        let mut chart = Chart::of_measure(&chart_id, title, m, &ranges, days, points, Frame::WIDE);
        chart.missed = missed.clone();
        let flagged = if marked.is_empty() {
            "No flag was raised on these values.".to_string()
        } else {
            format!("Flag raised on the value of {}.", marked.join(", "))
        };
        let gaps = if missed.is_empty() {
            String::new()
        } else {
            format!(
                " Missed check-ins (gaps in the line): day {}.",
                missed.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
            )
        };
        chart.description = format!("{} {expected} {flagged}{gaps}", chart.description);
        ChartView {
            title,
            expected,
            svg: chart.render(),
        }
    })
    .collect();
    let checkins = list
        .iter()
        .rev()
        .map(|(c, revs)| {
            let revisions = revs
                .iter()
                .map(|r| RevisionRow {
                    version: r.version,
                    entered: local_time(r.entered_at, tz),
                    summary: r
                        .parsed()
                        .map(|a| summary(&a))
                        .unwrap_or_else(|| "(could not be read)".into()),
                    severity: r.highest_severity.clone().unwrap_or_else(|| "none".into()),
                })
                .collect();
            checkin_row(c, revisions, tz)
        })
        .collect();
    let flags = mine
        .iter()
        .map(|(f, ev)| PatientFlag {
            flag: FlagView::new(f, Some(t.treated_on), tz, now, names),
            events: event_views(ev, tz, names),
        })
        .collect();
    let mut prophylaxis = Vec::new();
    if t.antiviral {
        prophylaxis.push("antiviral");
    }
    if t.antibiotic {
        prophylaxis.push("antibiotic");
    }
    TreatmentView {
        id,
        procedure: t.procedure.label(),
        treated_on: t.treated_on.format("%-d %b %Y").to_string(),
        day_now,
        zones: if t.zones.is_empty() {
            "not recorded".into()
        } else {
            t.zones.labels()
        },
        prophylaxis: if prophylaxis.is_empty() {
            "none".into()
        } else {
            prophylaxis.join(", ")
        },
        checkins,
        charts,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn overdue_when_the_last_due_day_passed_without_a_check_in() {
        let tz = ClinicTz::parse("Europe/London").unwrap();
        let t = d("2026-03-01");
        // Day 3 today; nothing since day 2 → overdue.
        let entered = |s: &str| Some(d(s).and_hms_opt(12, 0, 0).unwrap());
        let active = Some(d("2026-02-20"));
        assert!(overdue(t, None, false, d("2026-03-04"), 84, tz, active));
        assert!(overdue(
            t,
            entered("2026-03-02"),
            false,
            d("2026-03-04"),
            84,
            tz,
            active
        ));
        assert!(!overdue(
            t,
            entered("2026-03-03"),
            false,
            d("2026-03-04"),
            84,
            tz,
            active
        ));
        // Day 0 today: nothing due yet; closed: never.
        assert!(!overdue(t, None, false, d("2026-03-01"), 84, tz, active));
        assert!(!overdue(t, None, true, d("2026-03-04"), 84, tz, active));
        // Day 17: the last due day was 14.
        assert!(!overdue(
            t,
            entered("2026-03-15"),
            false,
            d("2026-03-18"),
            84,
            tz,
            active
        ));
        // Not active: invited, never overdue; active today (day 3): nothing due before today.
        assert!(!overdue(t, None, false, d("2026-03-04"), 84, tz, None));
        assert!(!overdue(t, None, false, d("2026-03-04"), 84, tz, Some(d("2026-03-04"))));
        assert!(overdue(t, None, false, d("2026-03-05"), 84, tz, Some(d("2026-03-04"))));
    }
}
