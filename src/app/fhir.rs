//! FHIR export of one patient's record: read and audited like opening the
//! record (`patient.view`, detail `fhir`), mapped by the pure `fhir` module.

use crate::app::patients;
use crate::db::{audit, dashboard, exports, Db};
use crate::domain::{AuditAction, ClinicId, ExportState, PatientId};
use crate::error::{Error, Result};
use crate::fhir::{self, bulk, Base};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// A clinician exports a patient's record as a FHIR `collection` Bundle.
pub async fn patient_bundle(
    db: &Db,
    public_url: &str,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<Value> {
    let (record, ()) = patients::view(db, clinic, id, now, actor, "fhir", |_, _| Ok(())).await?;
    let parts = fhir::Record {
        patient: &record.patient,
        treatments: &record.treatments,
        flags: &record.flags,
    };
    Ok(fhir::patient_bundle(
        &parts,
        &Base::new(public_url, clinic),
        now.naive_utc(),
    ))
}

// ---- Bulk Data export ($export) ----

/// Who asked for an export: the clinic it covers and the audit actor.
#[derive(Debug, Clone)]
pub struct Requester {
    pub clinic: ClinicId,
    pub actor: audit::Actor,
}

/// Starts a clinic's export (queued for the worker); returns the job id.
/// Audited as `fhir.export` with the types and `_since` asked for.
pub async fn start_export(
    db: &Db,
    who: Requester,
    request: bulk::ExportRequest,
    request_url: String,
    now: DateTime<Utc>,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let job = id.clone();
    db.write_async(move |c| {
        let total = crate::db::patients::count_in_clinic(c, who.clinic)?;
        exports::create(
            c,
            &exports::NewExportJob {
                id: &job,
                clinic: who.clinic,
                requested_by: &who.actor.label,
                request_url: &request_url,
                types: &request.types,
                since: request.since,
                patients_total: total,
            },
            now.naive_utc(),
        )?;
        let since = request.since.map(fhir::instant).unwrap_or_default();
        audit::record(
            c,
            Some(who.clinic),
            &who.actor,
            AuditAction::FhirExport,
            Some(&format!("export:{job}")),
            &format!("types={} since={since}", request.types),
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await?;
    Ok(id)
}

/// Where an export is, as the status URL answers it.
pub enum ExportStatus {
    /// Still running: patients done of the total.
    InProgress {
        done: i64,
        total: i64,
    },
    /// The manifest.
    Done(Value),
    Failed(String),
}

/// The status of one of the clinic's exports; another clinic's, an unknown
/// or a cancelled one is 404 (as the Bulk Data spec has it after a DELETE).
pub async fn export_status(db: &Db, public_url: &str, clinic: ClinicId, id: String) -> Result<ExportStatus> {
    let base = Base::new(public_url, clinic);
    db.read_async(move |c| {
        let job = exports::in_clinic(c, clinic, &id)?.ok_or(Error::NotFound)?;
        Ok(match job.state {
            ExportState::Queued | ExportState::Running => ExportStatus::InProgress {
                done: job.patients_done,
                total: job.patients_total,
            },
            ExportState::Failed => ExportStatus::Failed(job.error.unwrap_or_default()),
            ExportState::Cancelled => return Err(Error::NotFound),
            ExportState::Done => {
                let files: Vec<(String, String, i64)> = exports::files_of(c, &job.id)?
                    .into_iter()
                    .map(|(file, t, n)| (file_url(&base, &job.id, file), t, n))
                    .collect();
                ExportStatus::Done(bulk::manifest(job.created_at, &job.request_url, &files))
            }
        })
    })
    .await
}

/// Where one output file is served.
pub fn file_url(base: &Base, job: &str, file: i64) -> String {
    format!("{}/$export-file/{job}/{file}", base.fhir())
}

/// Cancels one of the clinic's exports (or deletes a finished one's files).
pub async fn cancel_export(db: &Db, who: Requester, id: String, now: DateTime<Utc>) -> Result<()> {
    db.write_async(move |c| {
        if !exports::cancel(c, who.clinic, &id, now.naive_utc())? {
            return Err(Error::NotFound);
        }
        audit::record(
            c,
            Some(who.clinic),
            &who.actor,
            AuditAction::FhirExportCancel,
            Some(&format!("export:{id}")),
            "",
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}

/// One NDJSON file of a finished export of the clinic; audited.
pub async fn export_file(db: &Db, who: Requester, job: String, file: i64, now: DateTime<Utc>) -> Result<String> {
    db.write_async(move |c| {
        let j = exports::in_clinic(c, who.clinic, &job)?.ok_or(Error::NotFound)?;
        if j.state != ExportState::Done {
            return Err(Error::NotFound);
        }
        let body = exports::file_body(c, &job, file)?.ok_or(Error::NotFound)?;
        audit::record(
            c,
            Some(who.clinic),
            &who.actor,
            AuditAction::FhirExportDownload,
            Some(&format!("export:{job}")),
            &format!("file={file}"),
            now.naive_utc(),
        )?;
        Ok(body)
    })
    .await
}

/// What one page of an export did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageResult {
    /// Stored; more patients follow.
    More,
    /// Stored the last page: the export is done.
    Finished,
    /// The worker no longer holds the job (cancelled, or its lease ran
    /// out and another worker took it): nothing was stored.
    Lost,
}

/// The worker stores the next page of `job` (up to `page_size` patients):
/// reads it in one snapshot, maps it, then in one short write transaction
/// records the files and the progress, only if `worker` still holds the
/// job, renewing its lease to `lease_until`.
pub fn export_page(
    db: &Db,
    public_url: &str,
    worker: &str,
    job: &mut exports::ExportJob,
    page_size: i64,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<PageResult> {
    let base = Base::new(public_url, job.clinic_id);
    let types: Vec<&str> = job.types().collect();
    let (page, last, n) = db.read(|c| {
        let mut page = bulk::Page::new();
        if job.after_patient == 0 {
            bulk::add(&mut page, bulk::questionnaires(&base, job.since), &types, job.since);
        }
        let list = crate::db::patients::page_after(c, job.clinic_id, job.after_patient, page_size)?;
        for p in &list {
            let treatments = patients::treatment_histories(c, p.id)?;
            let flags: Vec<_> = dashboard::flags_of_patient(c, job.clinic_id, p.id)?
                .into_iter()
                .map(|f| (f, Vec::new()))
                .collect();
            let record = fhir::Record {
                patient: p,
                treatments: &treatments,
                flags: &flags,
            };
            bulk::add(&mut page, fhir::resources::of_record(&record, &base), &types, job.since);
        }
        let last = list.last().map(|p| p.id.0).unwrap_or(job.after_patient);
        Ok::<_, Error>((page, last, list.len() as i64))
    })?;
    let finished = n < page_size;
    let done = job.patients_done + n;
    let result = db.write(|c| {
        if !exports::advance(c, &job.id, worker, last, done, lease_until)? {
            return Ok(PageResult::Lost);
        }
        for (t, (body, count)) in &page {
            exports::insert_file(c, &job.id, t, *count, body)?;
        }
        if finished {
            exports::finish(c, &job.id, worker, ExportState::Done, None, now)?;
            return Ok(PageResult::Finished);
        }
        Ok::<_, Error>(PageResult::More)
    })?;
    if result != PageResult::Lost {
        job.after_patient = last;
        job.patients_done = done;
    }
    Ok(result)
}

/// The worker gives up on a job that cannot be exported (logged; the status
/// URL answers 500 with the reason).
pub fn fail_export(db: &Db, worker: &str, job: &str, error: &str, now: NaiveDateTime) -> Result<()> {
    db.write(|c| {
        exports::finish(c, job, worker, ExportState::Failed, Some(error), now)?;
        Ok(())
    })
}

/// Claims the next export that is waiting or whose worker's lease ran out.
pub fn claim_export(
    db: &Db,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<exports::ExportJob>> {
    db.write(|c| Ok(exports::claim(c, worker, now, lease_until)?))
}
