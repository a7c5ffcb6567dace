//! FHIR Bulk Data export jobs and their NDJSON files. A job is claimed with
//! a conditional UPDATE and a lease (as the outbox is): whoever holds an
//! unexpired lease is the only one writing its pages, and a page's files and
//! the job's progress commit together, so a restart resumes exactly after
//! the last stored page.

use super::schema::{export_files, export_jobs};
use super::{DbConn, DbError};
use crate::domain::{ClinicId, ExportState};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The job `$id` while `$worker` holds it.
macro_rules! held {
    ($id:expr, $worker:expr) => {
        export_jobs::table
            .filter(export_jobs::id.eq($id))
            .filter(export_jobs::claimed_by.eq($worker))
            .filter(export_jobs::state.eq(ExportState::Running.as_str()))
    };
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = export_jobs)]
pub struct ExportJob {
    pub id: String,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    pub requested_by: String,
    pub request_url: String,
    /// Comma-separated resource types.
    pub types: String,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub since: Option<NaiveDateTime>,
    #[diesel(deserialize_as = String)]
    pub state: ExportState,
    pub after_patient: i64,
    pub patients_total: i64,
    pub patients_done: i64,
    pub claimed_by: Option<String>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub lease_until: Option<NaiveDateTime>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub finished_at: Option<NaiveDateTime>,
    pub error: Option<String>,
}

impl ExportJob {
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.types.split(',').filter(|t| !t.is_empty())
    }
}

pub struct NewExportJob<'a> {
    pub id: &'a str,
    pub clinic: ClinicId,
    pub requested_by: &'a str,
    pub request_url: &'a str,
    pub types: &'a str,
    pub since: Option<NaiveDateTime>,
    pub patients_total: i64,
}

pub fn create(conn: &mut DbConn, new: &NewExportJob, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(export_jobs::table)
        .values((
            export_jobs::id.eq(new.id),
            export_jobs::clinic_id.eq(new.clinic.0),
            export_jobs::requested_by.eq(new.requested_by),
            export_jobs::request_url.eq(new.request_url),
            export_jobs::types.eq(new.types),
            export_jobs::since.eq(new.since),
            export_jobs::state.eq(ExportState::Queued.as_str()),
            export_jobs::after_patient.eq(0i64),
            export_jobs::patients_total.eq(new.patients_total),
            export_jobs::patients_done.eq(0i64),
            export_jobs::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One of `clinic`'s jobs; another clinic's id finds nothing.
pub fn in_clinic(conn: &mut DbConn, clinic: ClinicId, id: &str) -> Result<Option<ExportJob>, DbError> {
    Ok(export_jobs::table
        .filter(export_jobs::id.eq(id))
        .filter(export_jobs::clinic_id.eq(clinic.0))
        .select(ExportJob::as_select())
        .first(conn)
        .optional()?)
}

/// Claims the oldest job that is waiting, or running under an expired lease
/// (its worker died), for `worker` until `lease_until`. The UPDATE is
/// conditional on what was read, so of two workers racing only one wins.
pub fn claim(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<ExportJob>, DbError> {
    let claimable = export_jobs::state
        .eq(ExportState::Queued.as_str())
        .or(export_jobs::state
            .eq(ExportState::Running.as_str())
            .and(export_jobs::lease_until.lt(now)));
    let candidates: Vec<String> = export_jobs::table
        .filter(claimable)
        .order(export_jobs::created_at)
        .select(export_jobs::id)
        .limit(4)
        .load(conn)?;
    for id in candidates {
        let n = diesel::update(export_jobs::table.filter(export_jobs::id.eq(&id)).filter(claimable))
            .set((
                export_jobs::state.eq(ExportState::Running.as_str()),
                export_jobs::claimed_by.eq(worker),
                export_jobs::lease_until.eq(lease_until),
            ))
            .execute(conn)?;
        if n == 1 {
            return Ok(export_jobs::table
                .find(&id)
                .select(ExportJob::as_select())
                .first(conn)
                .optional()?);
        }
    }
    Ok(None)
}

/// Records a stored page: the last patient done and the new lease. False
/// when `worker` no longer holds the job (cancelled, or its lease expired
/// and another worker took it): the caller must roll back.
pub fn advance(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    after_patient: i64,
    patients_done: i64,
    lease_until: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held!(id, worker))
        .set((
            export_jobs::after_patient.eq(after_patient),
            export_jobs::patients_done.eq(patients_done),
            export_jobs::lease_until.eq(lease_until),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Ends a job `worker` holds as done or failed; false when it no longer holds it.
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    state: ExportState,
    error: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held!(id, worker))
        .set((
            export_jobs::state.eq(state.as_str()),
            export_jobs::finished_at.eq(now),
            export_jobs::error.eq(error),
            export_jobs::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cancels one of `clinic`'s jobs (or deletes a finished one's output):
/// its files go, the row stays as `cancelled`. False when there is nothing
/// to cancel.
pub fn cancel(conn: &mut DbConn, clinic: ClinicId, id: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        export_jobs::table
            .filter(export_jobs::id.eq(id))
            .filter(export_jobs::clinic_id.eq(clinic.0))
            .filter(export_jobs::state.ne(ExportState::Cancelled.as_str())),
    )
    .set((
        export_jobs::state.eq(ExportState::Cancelled.as_str()),
        export_jobs::finished_at.eq(now),
        export_jobs::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if n == 1 {
        diesel::delete(export_files::table.filter(export_files::job_id.eq(id))).execute(conn)?;
    }
    Ok(n == 1)
}

pub fn insert_file(
    conn: &mut DbConn,
    job: &str,
    resource_type: &str,
    resources: i64,
    body: &str,
) -> Result<(), DbError> {
    diesel::insert_into(export_files::table)
        .values((
            export_files::job_id.eq(job),
            export_files::resource_type.eq(resource_type),
            export_files::resources.eq(resources),
            export_files::body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}

/// A job's files without their bodies: (id, resource type, resources).
pub fn files_of(conn: &mut DbConn, job: &str) -> Result<Vec<(i64, String, i64)>, DbError> {
    Ok(export_files::table
        .filter(export_files::job_id.eq(job))
        .order(export_files::id)
        .select((export_files::id, export_files::resource_type, export_files::resources))
        .load(conn)?)
}

/// One file's body, if it belongs to `job`.
pub fn file_body(conn: &mut DbConn, job: &str, id: i64) -> Result<Option<String>, DbError> {
    Ok(export_files::table
        .filter(export_files::id.eq(id))
        .filter(export_files::job_id.eq(job))
        .select(export_files::body)
        .first(conn)
        .optional()?)
}
