//! The patient's home page and their reminder setting.

use crate::app;
use crate::db::{checkins, patients};
use crate::domain::{Lang, Words};
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::triage;
use crate::web::error::{page, see_other};
use crate::web::patient::photos::photo_requested;
use crate::web::session::{PatientUser, SecureForm};
use crate::web::AppState;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

/// One treatment as the patient sees it on their home page.
pub struct TreatmentSummary {
    pub id: i64,
    pub procedure: String,
    pub treated_on: String,
    pub day: i64,
    pub started: bool,
    pub done_today: bool,
    pub due_today: bool,
    /// "today", "tomorrow", "Monday 9 March (day 14)"; `None` when follow-up is over.
    pub next_due: Option<String>,
}

#[derive(Template)]
#[template(path = "patient/home.html")]
struct PatientHome<'a> {
    tr: Tr,
    csrf: &'a str,
    notice: Option<String>,
    /// Every language: its code and its own name.
    languages: Vec<(&'static str, &'static str)>,
    name: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
    reminders: bool,
    reminder_time: String,
    treatments: Vec<TreatmentSummary>,
    /// The clinic asked for a photo and none has arrived since.
    photo_requested: bool,
}

fn next_due_words(
    tr: Tr,
    treated_on: NaiveDate,
    today_day: i64,
    done_today: bool,
    follow_up_days: i64,
) -> Option<String> {
    // Once today is done, the next one is from tomorrow on.
    let from = if done_today { today_day + 1 } else { today_day };
    let day = triage::next_due(from, follow_up_days)?;
    Some(match day - today_day {
        0 => tr.t("home-next-today"),
        1 => tr.t("home-next-tomorrow"),
        _ => {
            let date = triage::date_of_day(treated_on, day)
                .map(|d| tr.date_no_year(d))
                .unwrap_or_default();
            tr.t2("home-next-date", "date", date, "day", day)
        }
    })
}

pub async fn patient_home(state: &AppState, user: PatientUser, notice: Option<&str>) -> Result<HttpResponse> {
    let tr = user.tr();
    let pid = user.patient.id;
    let today = triage::clinic_today(state.clock.now(), user.clinic.timezone.0);
    let (list, photo_requested) = state
        .db
        .read_async(move |c| {
            let mut out = Vec::new();
            for t in patients::treatments_of(c, pid)? {
                let done = checkins::for_day(c, t.id, today)?.is_some();
                out.push((t, done));
            }
            Ok((out, photo_requested(c, pid)?))
        })
        .await?;
    let follow_up = i64::from(user.clinic.follow_up_days);
    let treatments = list
        .iter()
        .map(|(t, done)| {
            let day = triage::day_number(t.treated_on, today);
            TreatmentSummary {
                id: t.id.0,
                procedure: tr.procedure(t.procedure),
                treated_on: tr.long_date(t.treated_on),
                day,
                started: day >= 0,
                done_today: *done,
                due_today: triage::is_due_day(day, follow_up),
                next_due: next_due_words(tr, t.treated_on, day, *done, follow_up),
            }
        })
        .collect();
    page(&PatientHome {
        tr,
        csrf: &user.session.csrf,
        // Only a notice this page knows: the language just saved.
        notice: (notice == Some("language")).then(|| tr.t("home-language-saved")),
        languages: Lang::ALL.iter().map(|l| (l.as_str(), l.own_name())).collect(),
        name: &user.patient.name,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        reminders: user.patient.reminders,
        reminder_time: user.clinic.reminder_time.format("%H:%M").to_string(),
        treatments,
        photo_requested,
    })
}

pub const CHOOSE_REMINDERS: Words = crate::words!("home-reminders-choose", "Choose whether to get reminder emails.");
pub const CHOOSE_LANGUAGE: Words = crate::words!("home-language-choose", "Choose English or Español.");

/// `POST /reminders` with `reminders` = `on` or `off`.
pub async fn set_reminders(state: web::Data<AppState>, user: PatientUser, form: SecureForm) -> Result<HttpResponse> {
    let on = match form.get("reminders") {
        "on" => true,
        "off" => false,
        _ => return Err(Error::invalid_words("reminders", CHOOSE_REMINDERS)),
    };
    app::patients::set_reminders(
        &state.db,
        user.clinic.id,
        user.patient.id,
        on,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other("/"))
}

/// `POST /language` with `language` = a language code: the patient's pages
/// and emails from now on.
pub async fn set_language(state: web::Data<AppState>, user: PatientUser, form: SecureForm) -> Result<HttpResponse> {
    let Ok(language) = Lang::parse(form.get("language")) else {
        return Err(Error::invalid_words("language", CHOOSE_LANGUAGE));
    };
    app::patients::set_language(
        &state.db,
        user.clinic.id,
        user.patient.id,
        language,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other("/?notice=language"))
}
