//! An admin retrying an email that is dead or stuck in the outbox.

use crate::db::{audit, dashboard, outbox, Db};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, OutboxId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// Queues the email `id` of `clinic` for another try now (another clinic's
/// row is "not found"). False when it was already sent.
pub async fn retry(db: &Db, clinic: ClinicId, id: OutboxId, now: DateTime<Utc>, actor: audit::Actor) -> Result<bool> {
    db.write_async(move |c| {
        if !dashboard::email_in_clinic(c, clinic, id)? {
            return Err(Error::NotFound);
        }
        let done = outbox::retry(c, clinic, id, now.naive_utc())?;
        if done {
            audit::record(
                c,
                Some(clinic),
                &actor,
                AuditAction::OutboxRetry,
                Some(&format!("outbox:{id}")),
                "",
                now.naive_utc(),
            )?;
        }
        Ok(done)
    })
    .await
}
