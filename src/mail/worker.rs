//! The delivery worker: claims due outbox rows, sends them, records the
//! outcome. Failures retry with exponential backoff and jitter; after 24
//! hours of failures a row is dead (shown to admins, logged at error).
//! A row is marked sent only once the server accepted it; a crash between
//! the two means one resend, recognisable by its unchanged Message-ID.

use super::backoff;
use super::message::OutgoingEmail;
use super::transport::Mailer;
use crate::clock::SharedClock;
use crate::db::outbox::{self, OutboxRow};
use crate::db::Db;
use crate::error::{Error, Result};
use chrono::Duration;
use futures_util::StreamExt;
use rand::Rng;
use std::sync::Arc;

/// How long a claim lasts: a worker that dies mid-send releases its rows after this.
pub const LEASE: Duration = Duration::minutes(2);
pub use super::transport::PARALLEL;

#[derive(Clone)]
pub struct DeliveryWorker {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    pub clock: SharedClock,
    /// Unique per process: claims are made in its name.
    pub id: String,
}

impl DeliveryWorker {
    pub fn new(db: Db, mailer: Mailer, clock: SharedClock) -> Self {
        let id = format!("worker-{}", uuid::Uuid::new_v4().simple());
        Self {
            db,
            mailer: Arc::new(mailer),
            clock,
            id,
        }
    }

    /// Claims and sends what is due now; returns how many were sent.
    pub async fn run_once(&self) -> Result<usize> {
        let mut sent_total = 0;
        loop {
            let now = self.clock.now();
            let (db, id) = (self.db.clone(), self.id.clone());
            let batch = db
                .write_async(move |c| {
                    outbox::claim_due(c, &id, now.naive_utc(), (now + LEASE).naive_utc(), 32).map_err(Error::from)
                })
                .await?;
            if batch.is_empty() {
                return Ok(sent_total);
            }
            let n = batch.len();
            // Each message on its own: a slow one holds up only its slot.
            let sends: Vec<_> = batch.iter().map(|row| self.deliver(row)).collect();
            let results: Vec<Result<bool>> = futures_util::stream::iter(sends)
                .buffer_unordered(PARALLEL)
                .collect()
                .await;
            let sent = results.iter().filter(|r| matches!(r, Ok(true))).count();
            sent_total += sent;
            // A batch that sent nothing is failing: wait for the backoff.
            if sent == 0 || n < 32 {
                return Ok(sent_total);
            }
        }
    }

    /// Sends one row this worker has claimed and records the outcome;
    /// Ok(true) when accepted.
    pub async fn deliver(&self, row: &OutboxRow) -> Result<bool> {
        let email = OutgoingEmail {
            message_id: row.message_id.clone(),
            to: row.recipient.clone(),
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            html: row.body_html.clone(),
            sender_name: row.sender_name.clone(),
            list_unsubscribe: row.list_unsubscribe.clone(),
        };
        let result = self.mailer.send(&email).await;
        let now = self.clock.now();
        let (db, id, row_id) = (self.db.clone(), self.id.clone(), row.id);
        let domain = super::transport::recipient_domain(&row.recipient);
        match result {
            Ok(_) => {
                db.write_async(move |c| outbox::mark_sent(c, row_id, &id, now.naive_utc()).map_err(Error::from))
                    .await?;
                tracing::info!(outbox = %row_id, kind = %row.kind, to_domain = %domain, "email sent");
                Ok(true)
            }
            Err(e) => {
                let attempts = (row.attempts + 1).max(1) as u32;
                let dead = backoff::is_dead(row.created_at.and_utc(), now);
                let jitter: f64 = rand::thread_rng().gen();
                let next = now + backoff::next_attempt_delay(attempts, jitter);
                let message = e.message.clone();
                db.write_async(move |c| {
                    outbox::mark_failed(c, row_id, &id, &message, next.naive_utc(), dead).map_err(Error::from)
                })
                .await?;
                if dead {
                    tracing::error!(outbox = %row_id, kind = %row.kind, to_domain = %domain, attempts, error = %e.message, "email is dead after 24 hours of failures");
                } else {
                    tracing::warn!(outbox = %row_id, kind = %row.kind, to_domain = %domain, attempts, error = %e.message, "email failed; will retry");
                }
                Ok(false)
            }
        }
    }

    /// Runs forever: at once when a commit queued email, else every
    /// `interval` (retries, and the fallback should a wakeup be missed);
    /// errors are logged and retried.
    pub async fn run_forever(self, interval: std::time::Duration) {
        let wake = self.db.outbox_wake();
        let mut last_stuck_log = None::<chrono::DateTime<chrono::Utc>>;
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "delivery pass failed");
            }
            // Rows pending for more than 15 minutes are logged at error, at most every 10 minutes.
            let now = self.clock.now();
            if last_stuck_log.is_none_or(|t| now - t > Duration::minutes(10)) {
                let db = self.db.clone();
                let stuck = db
                    .read_async(move |c| {
                        outbox::stuck_count(c, (now - Duration::minutes(15)).naive_utc()).map_err(Error::from)
                    })
                    .await;
                if let Ok(n) = stuck {
                    if n > 0 {
                        tracing::error!(count = n, "emails pending for more than 15 minutes or dead");
                        last_stuck_log = Some(now);
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = wake.notified() => {}
            }
        }
    }
}
