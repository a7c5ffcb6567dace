//! The delivery worker: claims due outbox rows, sends them, records the
//! outcome. Failures retry with exponential backoff and jitter; after 24
//! hours of failures a row is dead (shown to admins, logged at error).
//! A row is marked sent only once the server accepted it; a crash between
//! the two means one resend, recognisable by its unchanged Message-ID.
//!
//! Sending is a pipeline: up to [`PARALLEL`] messages are in flight, each on
//! its own, and a free slot is refilled by the next claim, so no message waits
//! for a slower one. Outcomes go to one marker task that writes all that have
//! arrived in one transaction: a lone alert is marked at once, and under load
//! the marks that arrive while one write commits share the next one.

use super::backoff;
use super::message::OutgoingEmail;
use super::transport::Mailer;
use crate::clock::SharedClock;
use crate::db::outbox::{self, OutboxRow};
use crate::db::Db;
use crate::domain::{OutboxId, OutboxKind};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How long a claim lasts: a worker that dies mid-send releases its rows after this.
pub const LEASE: Duration = Duration::minutes(2);
pub use super::transport::PARALLEL;

/// Claim again once this many slots are free (or none is busy): fewer, larger
/// claim transactions, while every claimed row still starts at once (its
/// lease runs from the claim).
const REFILL_AT: usize = PARALLEL / 4;
/// The most marks written in one transaction.
const MARKS_PER_WRITE: usize = 256;

#[derive(Clone)]
pub struct DeliveryWorker {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    pub clock: SharedClock,
    /// Unique per process: claims are made in its name.
    pub id: String,
}

/// What became of one send, to be written to its row.
struct Outcome {
    id: OutboxId,
    kind: OutboxKind,
    /// For logs: the recipient's domain, never the address.
    domain: String,
    result: Attempt,
}

enum Attempt {
    Sent {
        at: DateTime<Utc>,
    },
    Failed {
        attempts: u32,
        error: String,
        next: DateTime<Utc>,
        dead: bool,
    },
}

impl Outcome {
    fn sent(&self) -> bool {
        matches!(self.result, Attempt::Sent { .. })
    }

    fn log(&self) {
        let (id, kind, domain) = (self.id, &self.kind, &self.domain);
        match &self.result {
            Attempt::Sent { .. } => tracing::info!(outbox = %id, kind = %kind, to_domain = %domain, "email sent"),
            Attempt::Failed {
                attempts,
                error,
                dead: true,
                ..
            } => {
                tracing::error!(outbox = %id, kind = %kind, to_domain = %domain, attempts, error = %error, "email is dead after 24 hours of failures")
            }
            Attempt::Failed { attempts, error, .. } => {
                tracing::warn!(outbox = %id, kind = %kind, to_domain = %domain, attempts, error = %error, "email failed; will retry")
            }
        }
    }
}

/// Writes outcomes to their rows in the caller's transaction: the sent ones
/// in one statement, stamped with the latest acceptance among them (a few
/// milliseconds late for the others, never early); each failure on its own.
fn write_outcomes(
    c: &mut crate::db::DbConn,
    outcomes: &[Outcome],
    worker: &str,
) -> std::result::Result<(), crate::db::DbError> {
    let mut sent = Vec::new();
    let mut latest = None;
    for o in outcomes {
        match &o.result {
            Attempt::Sent { at } => {
                sent.push(o.id);
                latest = latest.max(Some(*at));
            }
            Attempt::Failed { error, next, dead, .. } => {
                outbox::mark_failed(c, o.id, worker, error, next.naive_utc(), *dead)?
            }
        }
    }
    match latest {
        Some(at) => outbox::mark_sent(c, &sent, worker, at.naive_utc()),
        None => Ok(()),
    }
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

    /// Claims and sends what is due now, until nothing is; returns how many
    /// were sent. Every outcome is written before it returns.
    pub async fn run_once(&self) -> Result<usize> {
        let (marks, inbox) = mpsc::unbounded_channel();
        let marker = tokio::spawn(record_outcomes(self.db.clone(), self.id.clone(), inbox));
        let tally = Arc::new(Tally::default());
        let mut sends = JoinSet::new();
        let mut claim_error = None;
        let mut drained = false;
        loop {
            let free = PARALLEL - sends.len();
            // Nothing sent and many failed (the server is down): leave the rest for later passes.
            let failing = tally.failed() >= 2 * PARALLEL && tally.sent() == 0;
            if !drained && !failing && free > 0 && (free >= REFILL_AT || sends.is_empty()) {
                match self.claim(free).await {
                    Ok(rows) => {
                        drained = rows.len() < free;
                        for row in rows {
                            let (worker, marks, tally) = (self.clone(), marks.clone(), tally.clone());
                            sends.spawn(async move {
                                let outcome = worker.attempt(&row).await;
                                tally.count(outcome.sent());
                                // The marker outlives every send: it stops when the last sender is gone.
                                let _ = marks.send(outcome);
                            });
                        }
                    }
                    Err(e) => {
                        claim_error = Some(e);
                        drained = true;
                    }
                }
            }
            match sends.join_next().await {
                Some(Err(e)) => {
                    // Its row keeps its lease and is sent again once it lapses.
                    tracing::error!(error = %e, "an email's send task failed");
                }
                Some(Ok(())) => {}
                None if drained || failing => break,
                None => {}
            }
        }
        drop(marks);
        let marked = marker
            .await
            .map_err(|e| Error::Internal(format!("outbox marker stopped: {e}")))?;
        match claim_error {
            Some(e) => Err(e),
            None => marked,
        }
    }

    async fn claim(&self, limit: usize) -> Result<Vec<OutboxRow>> {
        let now = self.clock.now();
        let (db, id) = (self.db.clone(), self.id.clone());
        db.write_async(move |c| {
            outbox::claim_due(c, &id, now.naive_utc(), (now + LEASE).naive_utc(), limit as i64).map_err(Error::from)
        })
        .await
    }

    /// Sends one row this worker has claimed and records the outcome;
    /// Ok(true) when accepted.
    pub async fn deliver(&self, row: &OutboxRow) -> Result<bool> {
        let outcome = self.attempt(row).await;
        let sent = outcome.sent();
        let (db, id) = (self.db.clone(), self.id.clone());
        let outcome = db
            .write_async(move |c| {
                write_outcomes(c, std::slice::from_ref(&outcome), &id)?;
                Ok::<_, Error>(outcome)
            })
            .await?;
        outcome.log();
        Ok(sent)
    }

    /// One send of a claimed row, and what its row should say after it.
    async fn attempt(&self, row: &OutboxRow) -> Outcome {
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
        let result = match result {
            Ok(_) => Attempt::Sent { at: now },
            Err(e) => {
                let attempts = (row.attempts + 1).max(1) as u32;
                let jitter: f64 = rand::thread_rng().gen();
                Attempt::Failed {
                    attempts,
                    error: e.message,
                    next: now + backoff::next_attempt_delay(attempts, jitter),
                    dead: backoff::is_dead(row.created_at.and_utc(), now),
                }
            }
        };
        Outcome {
            id: row.id,
            kind: row.kind,
            domain: super::transport::recipient_domain(&row.recipient),
            result,
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

/// Sends and failures of one pass so far.
#[derive(Default)]
struct Tally {
    sent: std::sync::atomic::AtomicUsize,
    failed: std::sync::atomic::AtomicUsize,
}

impl Tally {
    fn count(&self, sent: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        if sent { &self.sent } else { &self.failed }.fetch_add(1, Relaxed);
    }
    fn sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn failed(&self) -> usize {
        self.failed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Writes outcomes as they come, each write taking all that have arrived
/// (no fixed delay); returns how many were marked sent. A write that fails
/// leaves its rows leased: once the lease lapses they are sent again, with
/// the same Message-ID. The first such error is returned after the rest.
async fn record_outcomes(db: Db, worker: String, mut inbox: mpsc::UnboundedReceiver<Outcome>) -> Result<usize> {
    let (mut sent, mut first_error) = (0, None);
    while let Some(first) = inbox.recv().await {
        let mut batch = vec![first];
        while batch.len() < MARKS_PER_WRITE {
            match inbox.try_recv() {
                Ok(o) => batch.push(o),
                Err(_) => break,
            }
        }
        let (db, worker) = (db.clone(), worker.clone());
        let written = db
            .write_async(move |c| {
                write_outcomes(c, &batch, &worker)?;
                Ok::<_, Error>(batch)
            })
            .await;
        match written {
            Ok(batch) => {
                for o in &batch {
                    o.log();
                }
                sent += batch.iter().filter(|o| o.sent()).count();
            }
            Err(e) => {
                tracing::error!(error = %e, "could not record email outcomes; those rows are sent again once their lease lapses");
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(sent), Err)
}
