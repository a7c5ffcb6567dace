//! FHIR R4 over HTTP: a patient's record as a Bundle (clinic staff), the
//! check-in Questionnaires at their canonical URLs and the
//! CapabilityStatement (public: they hold no patient data).

use crate::app;
use crate::domain::{CheckInKind, PatientId};
use crate::error::{Error, Result};
use crate::fhir::{self, questionnaire, Base};
use crate::web::clinic::patients::IdPath;
use crate::web::session::StaffUser;
use crate::web::AppState;
use actix_web::{web, HttpResponse};
use serde_json::Value;

fn fhir_json(v: &Value) -> HttpResponse {
    HttpResponse::Ok().content_type(fhir::CONTENT_TYPE).json(v)
}

/// `GET /clinic/patients/{id}/fhir`: everything about one patient of the
/// signed-in clinician's clinic; another clinic's patient is 404.
pub async fn patient_bundle(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse> {
    let bundle = app::fhir::patient_bundle(
        &state.db,
        &state.settings.public_url,
        user.clinic.id,
        PatientId(path.id),
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(fhir_json(&bundle))
}

/// `GET /fhir/Questionnaire/{daily|weekly}`: the canonical Questionnaire.
pub async fn questionnaire(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse> {
    let kind = CheckInKind::parse(&path).map_err(|_| Error::NotFound)?;
    // The canonical URL names no clinic; the clinic part of `Base` is unused here.
    let base = Base::new(&state.settings.public_url, crate::domain::ClinicId(0));
    Ok(fhir_json(&questionnaire::questionnaire(&base, kind)))
}

/// `GET /fhir/metadata`: the CapabilityStatement.
pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let now = state.clock.now().naive_utc();
    fhir_json(&fhir::capability_statement(&state.settings.public_url, now))
}
