//! FHIR R4 over HTTP: a patient's record as a Bundle (clinic staff), the
//! check-in Questionnaires at their canonical URLs and the
//! CapabilityStatement (public: they hold no patient data), and the clinic's
//! Bulk Data export (an API token or an admin).

use crate::app;
use crate::domain::{CheckInKind, PatientId};
use crate::error::{Error, Result};
use crate::fhir::{self, bulk, questionnaire, Base};
use crate::web::clinic::patients::IdPath;
use crate::web::session::{ApiClient, StaffUser};
use crate::web::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

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

/// The Bulk Data status URL of an export.
fn status_url(state: &AppState, id: &str) -> String {
    format!(
        "{}/fhir/$export-status/{id}",
        state.settings.public_url.trim_end_matches('/')
    )
}

fn bad_request(msg: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type(fhir::CONTENT_TYPE)
        .body(bulk::outcome("error", "invalid", msg).to_string())
}

/// `GET /fhir/$export` with `Prefer: respond-async`: queues an export of the
/// caller's clinic and answers 202 with the status URL in `Content-Location`.
pub async fn export_kick_off(
    state: web::Data<AppState>,
    client: ApiClient,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse> {
    let prefer = req.headers().get("prefer").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !prefer.split(',').any(|p| p.trim() == "respond-async") {
        return Ok(bad_request(
            "send 'Prefer: respond-async': the export runs in the background",
        ));
    }
    let request = match bulk::parse_request(
        q.get("_type").map(String::as_str),
        q.get("_since").map(String::as_str),
        q.get("_outputFormat").map(String::as_str),
    ) {
        Ok(r) => r,
        Err(msg) => return Ok(bad_request(&msg)),
    };
    let request_url = format!(
        "{}{}",
        state.settings.public_url.trim_end_matches('/'),
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/fhir/$export")
    );
    let id = app::fhir::start_export(&state.db, client.requester(), request, request_url, state.clock.now()).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::CONTENT_LOCATION, status_url(&state, &id)))
        .finish())
}

#[derive(Deserialize)]
pub struct ExportPath {
    id: String,
}

/// `GET /fhir/$export-status/{id}`: 202 with `X-Progress` while running,
/// 200 with the manifest when done, 500 with an OperationOutcome if it failed.
pub async fn export_status(
    state: web::Data<AppState>,
    client: ApiClient,
    path: web::Path<ExportPath>,
) -> Result<HttpResponse> {
    let status = app::fhir::export_status(
        &state.db,
        &state.settings.public_url,
        client.clinic,
        path.into_inner().id,
    )
    .await?;
    Ok(match status {
        app::fhir::ExportStatus::InProgress { done, total } => HttpResponse::Accepted()
            .insert_header(("X-Progress", format!("{done} of {total} patients")))
            .insert_header((header::RETRY_AFTER, "2"))
            .finish(),
        app::fhir::ExportStatus::Done(manifest) => HttpResponse::Ok()
            .insert_header((header::EXPIRES, "0"))
            .content_type("application/json")
            .body(manifest.to_string()),
        app::fhir::ExportStatus::Failed(why) => HttpResponse::InternalServerError()
            .content_type(fhir::CONTENT_TYPE)
            .body(bulk::outcome("error", "exception", &why).to_string()),
    })
}

/// `DELETE /fhir/$export-status/{id}`: cancels the export (or deletes a
/// finished one's files); later requests for it are 404.
pub async fn export_cancel(
    state: web::Data<AppState>,
    client: ApiClient,
    path: web::Path<ExportPath>,
) -> Result<HttpResponse> {
    app::fhir::cancel_export(&state.db, client.requester(), path.into_inner().id, state.clock.now()).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize)]
pub struct FilePath {
    job: String,
    file: i64,
}

/// `GET /fhir/$export-file/{job}/{file}`: one NDJSON file of a finished
/// export, for the same clinic's token or admin.
pub async fn export_file(
    state: web::Data<AppState>,
    client: ApiClient,
    path: web::Path<FilePath>,
) -> Result<HttpResponse> {
    let FilePath { job, file } = path.into_inner();
    let body = app::fhir::export_file(&state.db, client.requester(), job, file, state.clock.now()).await?;
    Ok(HttpResponse::Ok().content_type(bulk::NDJSON).body(body))
}
