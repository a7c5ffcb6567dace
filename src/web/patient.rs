//! The patient's pages.

use super::error::page;
use super::session::PatientUser;
use super::AppState;
use crate::db::patients;
use crate::error::Result;
use actix_web::HttpResponse;
use askama::Template;

/// One treatment as the patient sees it on their home page.
pub struct TreatmentSummary {
    pub id: i64,
    pub procedure: &'static str,
    pub treated_on: String,
    pub day: i64,
}

#[derive(Template)]
#[template(path = "patient/home.html")]
struct PatientHome<'a> {
    csrf: &'a str,
    name: &'a str,
    clinic_name: &'a str,
    clinic_phone: &'a str,
    treatments: Vec<TreatmentSummary>,
}

pub async fn patient_home(state: &AppState, user: PatientUser) -> Result<HttpResponse> {
    let pid = user.patient.id;
    let list = state
        .db
        .run(move |db| db.read(|c| patients::treatments_of(c, pid).map_err(crate::error::Error::from)))
        .await?;
    let today = state.clock.now().with_timezone(&user.clinic.timezone.0).date_naive();
    let treatments = list
        .iter()
        .map(|t| TreatmentSummary {
            id: t.id.0,
            procedure: t.procedure.label(),
            treated_on: t.treated_on.format("%-d %B %Y").to_string(),
            day: (today - t.treated_on).num_days(),
        })
        .collect();
    page(&PatientHome {
        csrf: &user.session.csrf,
        name: &user.patient.name,
        clinic_name: &user.clinic.name,
        clinic_phone: &user.clinic.phone,
        treatments,
    })
}
