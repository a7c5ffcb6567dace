//! The email outbox: every email is a row, written in the same transaction
//! as the event that causes it, already rendered. The delivery worker claims
//! due rows with a conditional update (portable: no `SKIP LOCKED`), so with
//! several processes each row is sent by one of them.

use super::schema::outbox;
use super::{DbConn, DbError};
use crate::domain::{ClinicId, FlagId, OutboxId, OutboxKind};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::cell::Cell;

/// The PostgreSQL channel a commit that queued email notifies, so every
/// `serve` process sharing the database wakes its worker at once.
pub const CHANNEL: &str = "aftercare_outbox";

thread_local! {
    /// Set when this thread's transaction queued (or re-queued) an email;
    /// [`super::Db::write`] reads it after the commit to wake the worker.
    static QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the transaction on this thread queued email since the last call.
pub(super) fn take_queued() -> bool {
    QUEUED.with(|q| q.replace(false))
}

/// Notes that this transaction queued email. On PostgreSQL the NOTIFY is
/// delivered only if the transaction commits, so other processes never wake
/// for a row that was rolled back.
fn mark_queued(conn: &mut DbConn) -> Result<(), DbError> {
    QUEUED.with(|q| q.set(true));
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("NOTIFY {CHANNEL}")).execute(c)?;
    }
    Ok(())
}

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    #[diesel(deserialize_as = i64)]
    pub id: OutboxId,
    pub message_id: String,
    #[diesel(deserialize_as = String)]
    pub kind: OutboxKind,
    pub clinic_id: Option<i64>,
    pub flag_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub sent_at: Option<NaiveDateTime>,
    /// The From display name (a clinic's name on patient emails).
    pub sender_name: Option<String>,
    /// The RFC 8058 one-click unsubscribe URL, when the email has one.
    pub list_unsubscribe: Option<String>,
}

/// An email to queue.
pub struct NewEmail<'a> {
    pub kind: OutboxKind,
    pub clinic: Option<ClinicId>,
    pub flag: Option<FlagId>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Sets the sender name and one-click unsubscribe URL of a queued email
/// (in the transaction that queued it).
pub fn set_headers(
    conn: &mut DbConn,
    id: OutboxId,
    sender_name: Option<&str>,
    list_unsubscribe: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id.0))
        .set((
            outbox::sender_name.eq(sender_name),
            outbox::list_unsubscribe.eq(list_unsubscribe),
        ))
        .execute(conn)?;
    Ok(())
}

/// Queues an email; its Message-ID is fixed now, so a resend after a crash is
/// recognisable as the same message.
pub fn enqueue(conn: &mut DbConn, e: &NewEmail, mail_domain: &str, now: NaiveDateTime) -> Result<OutboxId, DbError> {
    let message_id = format!("<{}.{}@{}>", e.kind, uuid::Uuid::new_v4().simple(), mail_domain);
    let id: i64 = diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(&message_id),
            outbox::kind.eq(e.kind.as_str()),
            outbox::clinic_id.eq(e.clinic.map(|c| c.0)),
            outbox::flag_id.eq(e.flag.map(|f| f.0)),
            outbox::recipient.eq(e.recipient),
            outbox::subject.eq(e.subject),
            outbox::body_text.eq(e.text),
            outbox::body_html.eq(e.html),
            outbox::status.eq(PENDING),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .returning(outbox::id)
        .get_result(conn)?;
    mark_queued(conn)?;
    Ok(OutboxId(id))
}

/// Claims up to `limit` due rows for `worker` until `lease_until`. A row
/// whose previous claim lapsed (its worker died mid-send) can be claimed again.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, DbError> {
    let due = outbox::table
        .filter(outbox::status.eq(PENDING))
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now)))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select(outbox::id);
    let candidates: Vec<i64> = match conn {
        // Locked in one order by every worker, so two claims never deadlock;
        // a row another worker claimed meanwhile is re-checked once its lock
        // is released and no longer matches.
        //
        // The send pipeline claims often, so a claim's commit does not wait
        // for the WAL flush. A database crash can then lose a claim, and
        // another worker may send that row again: one resend with the same
        // Message-ID, as with any crash between a send and its mark (which is
        // durable, and flushes the claim before it).
        DbConn::Pg(c) => {
            diesel::sql_query("SET LOCAL synchronous_commit = off").execute(c)?;
            due.for_update().load(c)?
        }
        // One writer at a time.
        DbConn::Sqlite(c) => due.load(c)?,
    };
    // One conditional UPDATE for all of them (the condition again, for the
    // lease semantics on any backend).
    let claimed: Vec<i64> = diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&candidates))
            .filter(outbox::status.eq(PENDING))
            .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now))),
    )
    .set((outbox::claimed_by.eq(worker), outbox::claimed_until.eq(lease_until)))
    .returning(outbox::id)
    .get_results(conn)?;
    Ok(outbox::table
        .filter(outbox::id.eq_any(&claimed))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// The server accepted these messages (by `now`: one statement for a batch).
pub fn mark_sent(conn: &mut DbConn, ids: &[OutboxId], worker: &str, now: NaiveDateTime) -> Result<(), DbError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::claimed_by.eq(worker)),
    )
    .set((
        outbox::status.eq(SENT),
        outbox::sent_at.eq(now),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// A failed attempt: retry at `next_attempt_at`, or give up (`dead`).
pub fn mark_failed(
    conn: &mut DbConn,
    id: OutboxId,
    worker: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
    dead: bool,
) -> Result<(), DbError> {
    let error: String = error.chars().take(500).collect();
    diesel::update(outbox::table.find(id.0).filter(outbox::claimed_by.eq(worker)))
        .set((
            outbox::status.eq(if dead { DEAD } else { PENDING }),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// An admin asks for a dead (or stuck) email to be tried again now. Never
/// while a worker holds its lease (it may be mid-send: taking the row from
/// it would send the email twice); the condition is in the update itself,
/// so a claim made a moment earlier by another process is respected too.
/// False when the row was sent or is held ([`lease_held`] tells which).
pub fn retry(conn: &mut DbConn, clinic: ClinicId, id: OutboxId, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        outbox::table
            .find(id.0)
            .filter(outbox::clinic_id.eq(clinic.0))
            .filter(outbox::status.ne(SENT))
            .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now))),
    )
    .set((
        outbox::status.eq(PENDING),
        outbox::next_attempt_at.eq(now),
        // A fresh 24-hour window before it can die again.
        outbox::created_at.eq(now),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if n == 1 {
        mark_queued(conn)?;
    }
    Ok(n == 1)
}

/// Whether a worker holds the row's lease at `now` (it may be sending it).
pub fn lease_held(conn: &mut DbConn, id: OutboxId, now: NaiveDateTime) -> Result<bool, DbError> {
    let n: i64 = outbox::table
        .find(id.0)
        .filter(outbox::status.eq(PENDING))
        .filter(outbox::claimed_until.ge(now))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// How many of a clinic's emails are dead or pending since before
/// `stuck_before` (the queue's banner): two ranges of `outbox_clinic`
/// `(clinic_id, status, created_at)`, never the clinic's sent mail.
pub fn problem_count(conn: &mut DbConn, clinic: ClinicId, stuck_before: NaiveDateTime) -> Result<i64, DbError> {
    let dead: i64 = outbox::table
        .filter(outbox::clinic_id.eq(clinic.0))
        .filter(outbox::status.eq(DEAD))
        .count()
        .get_result(conn)?;
    let stuck: i64 = outbox::table
        .filter(outbox::clinic_id.eq(clinic.0))
        .filter(outbox::status.eq(PENDING))
        .filter(outbox::created_at.lt(stuck_before))
        .count()
        .get_result(conn)?;
    Ok(dead + stuck)
}

/// Recent rows of a clinic, newest first (the settings page's outbox view).
pub fn recent(conn: &mut DbConn, clinic: ClinicId, limit: i64) -> Result<Vec<OutboxRow>, DbError> {
    Ok(outbox::table
        .filter(outbox::clinic_id.eq(clinic.0))
        .order(outbox::id.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// The newest row of `kind` for a clinic (the settings page's test email).
pub fn latest_of_kind(conn: &mut DbConn, clinic: ClinicId, kind: OutboxKind) -> Result<Option<OutboxRow>, DbError> {
    Ok(outbox::table
        .filter(outbox::clinic_id.eq(clinic.0))
        .filter(outbox::kind.eq(kind.as_str()))
        .order(outbox::id.desc())
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every row, oldest first (tests and diagnostics).
pub fn all(conn: &mut DbConn) -> Result<Vec<OutboxRow>, DbError> {
    Ok(outbox::table
        .order(outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Whether any row is still waiting to be sent.
pub fn pending_count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(outbox::table
        .filter(outbox::status.eq(PENDING))
        .count()
        .get_result(conn)?)
}

/// Dead rows, and rows pending since before `stuck_before`, across clinics.
pub fn stuck_count(conn: &mut DbConn, stuck_before: NaiveDateTime) -> Result<i64, DbError> {
    Ok(outbox::table
        .filter(
            outbox::status
                .eq(DEAD)
                .or(outbox::status.eq(PENDING).and(outbox::created_at.lt(stuck_before))),
        )
        .count()
        .get_result(conn)?)
}
