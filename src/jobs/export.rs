//! The Bulk Data export worker, run by every `serve` process: claims a
//! waiting export (or one whose worker's lease ran out: a restart, a
//! crash), then stores it page by page, each page of patients read in one
//! snapshot and committed with the job's progress. Memory holds one page,
//! however large the clinic; a restart resumes after the last stored page,
//! and two processes never store the same page (the lease, renewed with
//! every page, is checked in the page's transaction).

use crate::app::fhir::{self, PageResult};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::Result;
use chrono::Duration;

/// How long a claim lasts without a stored page.
pub const LEASE: Duration = Duration::minutes(2);
/// Patients per page (each page is one read snapshot and one short write).
pub const PAGE_PATIENTS: i64 = 50;

#[derive(Clone)]
pub struct ExportWorker {
    pub db: Db,
    pub clock: SharedClock,
    pub public_url: String,
    /// Unique per process: claims are made in its name.
    pub id: String,
    pub page_size: i64,
}

impl ExportWorker {
    pub fn new(db: Db, clock: SharedClock, public_url: &str) -> Self {
        Self {
            db,
            clock,
            public_url: public_url.to_string(),
            id: format!("export-{}", uuid::Uuid::new_v4().simple()),
            page_size: PAGE_PATIENTS,
        }
    }

    /// Claims one export and stores at most `pages` pages of it; returns
    /// how many pages were stored (0: nothing to do, or the job was lost).
    pub fn run_pages(&self, pages: usize) -> Result<usize> {
        let now = self.clock.now();
        let Some(mut job) = fhir::claim_export(&self.db, &self.id, now.naive_utc(), (now + LEASE).naive_utc())? else {
            return Ok(0);
        };
        tracing::info!(export = %job.id, clinic = %job.clinic_id, after = job.after_patient, "export claimed");
        let mut stored = 0;
        while stored < pages {
            let now = self.clock.now();
            let page = fhir::export_page(
                &self.db,
                &self.public_url,
                &self.id,
                &mut job,
                self.page_size,
                now.naive_utc(),
                (now + LEASE).naive_utc(),
            );
            match page {
                Ok(PageResult::More) => stored += 1,
                Ok(PageResult::Finished) => {
                    tracing::info!(export = %job.id, patients = job.patients_done, "export done");
                    return Ok(stored + 1);
                }
                Ok(PageResult::Lost) => {
                    tracing::warn!(export = %job.id, "export no longer held by this worker (cancelled or taken over)");
                    return Ok(stored);
                }
                Err(e) => {
                    tracing::error!(export = %job.id, error = %e, "export failed");
                    fhir::fail_export(
                        &self.db,
                        &self.id,
                        &job.id,
                        "the export could not be completed",
                        now.naive_utc(),
                    )?;
                    return Err(e);
                }
            }
        }
        Ok(stored)
    }

    /// Runs every waiting export to the end; returns the pages stored.
    pub fn run_once(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.run_pages(usize::MAX)?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Runs forever, every `interval`; errors are logged, never fatal.
    pub async fn run_forever(self, interval: std::time::Duration) {
        loop {
            let w = self.clone();
            match tokio::task::spawn_blocking(move || w.run_once()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "export pass failed"),
                Err(e) => tracing::error!(error = %e, "export pass panicked"),
            }
            tokio::time::sleep(interval).await;
        }
    }
}
