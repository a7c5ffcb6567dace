//! Admins correcting a record: a patient's details, a treatment, reopening a
//! follow-up; and the confirmation page before closing one (any staff).

use super::patients::{kept_values, parse_patient, parse_treatment, Correcting, NewPatientPage};
use crate::app::corrections::{self, Corrected};
use crate::db::patients;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage;
use crate::web::error::{page, render, see_other};
use crate::web::session::{AdminUser, SecureForm, StaffUser};
use crate::web::view::form::FormState;
use crate::web::view::nav::Nav;
use crate::web::view::notice::{safe_back, with_notice};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
pub struct TreatmentPath {
    pub id: i64,
    pub treatment: i64,
}

fn record_of(id: PatientId) -> String {
    format!("/clinic/patients/{id}")
}

fn notice_of(result: Corrected) -> &'static str {
    match result {
        Corrected::Changed => "corrected",
        Corrected::Unchanged => "unchanged",
    }
}

// ---------- a patient's details ----------

fn patient_page(user: &StaffUser, p: &patients::Patient, form: FormState) -> NewPatientPage {
    let action = format!("/clinic/patients/{}/edit", p.id);
    NewPatientPage {
        correcting: Some(Correcting {
            heading: format!("Correct {}'s details", p.name),
            explain: "Each change is recorded in the audit log with its value before and after. \
                      A new email is what they sign in with; an unused invitation link sent to the old address stops working.",
            submit: "Save the correction",
            back: record_of(p.id),
        }),
        ..NewPatientPage::new(user, form, false, p.name.clone(), action)
    }
}

pub async fn patient_form(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let (p, _) = corrections::open(
        &state.db,
        user.clinic.id,
        PatientId(path.into_inner()),
        None,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    let mut values = HashMap::new();
    values.insert("name".to_string(), p.name.clone());
    values.insert("email".to_string(), p.email.clone());
    values.insert(
        "phone".to_string(),
        p.phone.as_ref().map(|n| n.as_entered().to_string()).unwrap_or_default(),
    );
    values.insert(
        "skin_type".to_string(),
        p.skin_type.map(|s| s.get().to_string()).unwrap_or_default(),
    );
    if p.cold_sores {
        values.insert("cold_sores".to_string(), "on".to_string());
    }
    page(&patient_page(&user, &p, FormState::new(values, FieldErrors::default())))
}

pub async fn save_patient(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    path: web::Path<i64>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let id = PatientId(path.into_inner());
    let clinic = user.clinic.id;
    let p = state
        .db
        .read_async(move |c| patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound))
        .await?;
    let mut errors = FieldErrors::default();
    let input = parse_patient(&form, clinic, &mut errors).filter(|_| errors.is_empty());
    let rerender = |errors: FieldErrors| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &patient_page(&user, &p, FormState::new(kept_values(&form), errors)),
        )
    };
    let Some(input) = input else {
        return rerender(errors);
    };
    match corrections::patient_details(&state.db, clinic, id, input, state.clock.now(), user.actor()).await {
        Ok(done) => Ok(see_other(&with_notice(&record_of(id), notice_of(done)))),
        Err(Error::Conflict(_)) => rerender(FieldErrors::single("email", "Another account already uses this email")),
        Err(e) => Err(e),
    }
}

// ---------- a treatment ----------

fn treatment_page(user: &StaffUser, p: &patients::Patient, t: &patients::Treatment, form: FormState) -> NewPatientPage {
    let action = format!("/clinic/patients/{}/treatments/{}/edit", p.id, t.id);
    NewPatientPage {
        correcting: Some(Correcting {
            heading: format!("Correct {}'s treatment of {}", p.name, t.treated_on.format("%-d %b %Y")),
            explain: "Flags already raised keep what the rules saw when they were raised; new check-ins use the corrected facts. \
                      Each change is recorded in the audit log with its value before and after.",
            submit: "Save the correction",
            back: record_of(p.id),
        }),
        ..NewPatientPage::new(user, form, true, p.name.clone(), action)
    }
}

pub async fn treatment_form(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    path: web::Path<TreatmentPath>,
) -> Result<HttpResponse> {
    let (p, t) = corrections::open(
        &state.db,
        user.clinic.id,
        PatientId(path.id),
        Some(TreatmentId(path.treatment)),
        state.clock.now(),
        user.actor(),
    )
    .await?;
    let t = t.ok_or(Error::NotFound)?;
    let mut values = HashMap::new();
    values.insert("procedure".to_string(), t.procedure.as_str().to_string());
    values.insert("treated_on".to_string(), t.treated_on.to_string());
    for z in Zone::ALL {
        if t.zones.contains(*z) {
            values.insert(format!("zone_{}", z.as_str()), "on".to_string());
        }
    }
    for (k, on) in [("antiviral", t.antiviral), ("antibiotic", t.antibiotic)] {
        if on {
            values.insert(k.to_string(), "on".to_string());
        }
    }
    page(&treatment_page(
        &user,
        &p,
        &t,
        FormState::new(values, FieldErrors::default()),
    ))
}

pub async fn save_treatment(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    path: web::Path<TreatmentPath>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let (id, tid, clinic) = (PatientId(path.id), TreatmentId(path.treatment), user.clinic.id);
    let (p, t) = state
        .db
        .read_async(move |c| {
            let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
            let t = patients::treatment_of(c, p.id, tid)?.ok_or(Error::NotFound)?;
            Ok((p, t))
        })
        .await?;
    let now = state.clock.now();
    let today = triage::clinic_today(now, user.clinic.timezone.0);
    let mut errors = FieldErrors::default();
    let input = parse_treatment(&form, p.id, today, &mut errors).filter(|_| errors.is_empty());
    let rerender = |errors: FieldErrors| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &treatment_page(&user, &p, &t, FormState::new(kept_values(&form), errors)),
        )
    };
    let Some(input) = input else {
        return rerender(errors);
    };
    match corrections::treatment(&state.db, clinic, tid, input, now, user.actor()).await {
        Ok(done) => Ok(see_other(&with_notice(&record_of(id), notice_of(done)))),
        Err(Error::Invalid(errors)) => rerender(errors),
        Err(e) => Err(e),
    }
}

// ---------- follow-up ----------

pub async fn reopen(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    path: web::Path<i64>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    let id = PatientId(path.into_inner());
    let done = corrections::reopen_follow_up(&state.db, user.clinic.id, id, state.clock.now(), user.actor()).await?;
    Ok(see_other(&with_notice(
        &record_of(id),
        match done {
            Corrected::Changed => "reopened",
            Corrected::Unchanged => "unchanged",
        },
    )))
}

#[derive(Template)]
#[template(path = "clinic/close_confirm.html")]
struct ClosePage {
    nav: Nav,
    id: i64,
    name: String,
    back: String,
}

#[derive(Deserialize, Default)]
pub struct BackQuery {
    #[serde(default)]
    back: String,
}

/// "Close follow-up?" on its own page: the action stops reminders and
/// missed check-in flags, so it is never a single click.
pub async fn close_page(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<i64>,
    q: web::Query<BackQuery>,
) -> Result<HttpResponse> {
    let (id, clinic) = (PatientId(path.into_inner()), user.clinic.id);
    let p = state
        .db
        .read_async(move |c| patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound))
        .await?;
    if p.follow_up_closed_at.is_some() {
        return Ok(see_other(&with_notice(&record_of(id), "closed")));
    }
    let back = match safe_back(&q.back) {
        "/clinic" if q.back.is_empty() => record_of(id),
        b => b.to_string(),
    };
    page(&ClosePage {
        nav: Nav::new(&user, "patients"),
        id: id.0,
        name: p.name,
        back,
    })
}
