//! An admin retrying an email that is dead or stuck in the outbox.

use crate::db::{audit, dashboard, outbox, Db};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, OutboxId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// What became of a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Queued for another try now.
    Queued,
    /// A worker holds its lease: taking it over could send it twice, so it is
    /// left to that worker (which retries by itself if it fails).
    BeingSent,
    /// It was already sent.
    AlreadySent,
}

/// Queues the email `id` of `clinic` for another try now (another clinic's
/// row is "not found").
pub async fn retry(db: &Db, clinic: ClinicId, id: OutboxId, now: DateTime<Utc>, actor: audit::Actor) -> Result<Retry> {
    db.write_async(move |c| {
        if !dashboard::email_in_clinic(c, clinic, id)? {
            return Err(Error::NotFound);
        }
        if !outbox::retry(c, clinic, id, now.naive_utc())? {
            return Ok(if outbox::lease_held(c, id, now.naive_utc())? {
                Retry::BeingSent
            } else {
                Retry::AlreadySent
            });
        }
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::OutboxRetry,
            Some(&format!("outbox:{id}")),
            "",
            now.naive_utc(),
        )?;
        Ok(Retry::Queued)
    })
    .await
}
