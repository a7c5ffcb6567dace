//! Turning events into outbox rows: invites, password resets, alerts,
//! escalations, reminders. Called inside the caller's transaction, so the
//! email is queued if and only if the event commits.

use crate::config::Settings;
use crate::db::outbox::{self, NewEmail};
use crate::db::{clinics, flags, DbConn};
use crate::domain::{AccountId, ClinicId, FlagId, OutboxId, OutboxKind, Severity, TokenPurpose};
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::mail::message;
use chrono::{DateTime, Utc};

/// What every email needs: where links point, and the Message-ID domain.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub public_url: String,
    pub domain: String,
}

impl MailContext {
    pub fn from_settings(s: &Settings) -> Self {
        let domain = url::Url::parse(&s.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "aftercare.local".into());
        Self {
            public_url: s.public_url.clone(),
            domain,
        }
    }
}

/// Where a rendered email goes: its kind, clinic, the flag it is about and
/// the recipient.
struct Envelope<'a> {
    kind: OutboxKind,
    clinic: Option<ClinicId>,
    flag: Option<FlagId>,
    recipient: &'a str,
}

/// Queues a rendered email (a template failure is an internal error).
fn queue(
    conn: &mut DbConn,
    ctx: &MailContext,
    to: Envelope,
    email: std::result::Result<message::Rendered, askama::Error>,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let (subject, text, html) = email.map_err(|e| Error::Internal(format!("email template: {e}")))?;
    let e = NewEmail {
        kind: to.kind,
        clinic: to.clinic,
        flag: to.flag,
        recipient: to.recipient,
        subject: &subject,
        text: &text,
        html: &html,
    };
    Ok(outbox::enqueue(conn, &e, &ctx.domain, now.naive_utc())?)
}

/// An invitation to choose a password (new patient or staff member), in
/// `tr`'s language.
#[allow(clippy::too_many_arguments)]
pub fn invite(
    conn: &mut DbConn,
    ctx: &MailContext,
    tr: Tr,
    clinic: ClinicId,
    clinic_name: &str,
    to: &str,
    link: &str,
    for_staff: bool,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let email = message::render_invite(&message::InviteEmail {
        tr,
        clinic_name,
        link,
        for_staff,
    });
    queue(
        conn,
        ctx,
        Envelope {
            kind: OutboxKind::Invite,
            clinic: Some(clinic),
            flag: None,
            recipient: to,
        },
        email,
        now,
    )
}

/// A password reset link, in `tr`'s language.
pub fn password_reset(
    conn: &mut DbConn,
    ctx: &MailContext,
    tr: Tr,
    clinic: Option<ClinicId>,
    to: &str,
    link: &str,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let email = message::render_password_reset(&message::PasswordResetEmail { tr, link });
    queue(
        conn,
        ctx,
        Envelope {
            kind: OutboxKind::PasswordReset,
            clinic,
            flag: None,
            recipient: to,
        },
        email,
        now,
    )
}

/// Alerts for flags that need the clinic now: one email per event, urgent if
/// any flag is urgent. An urgent email lists only the urgent items as
/// needing a call; review items raised with them are counted on a line of
/// their own. Review flags wait for the morning digest when the clinic chose
/// it. Info flags never email.
pub fn flags_raised(
    conn: &mut DbConn,
    ctx: &MailContext,
    clinic: &clinics::Clinic,
    raised: &[flags::Flag],
    now: DateTime<Utc>,
) -> Result<()> {
    let urgent = raised.iter().any(|f| f.severity == Severity::Urgent);
    let included: Vec<&flags::Flag> = raised
        .iter()
        .filter(|f| f.severity == Severity::Urgent || (f.severity == Severity::Review && !clinic.review_digest))
        .collect();
    if included.is_empty() {
        return Ok(());
    }
    let listed = |f: &&&flags::Flag| !urgent || f.severity == Severity::Urgent;
    let references: Vec<String> = included.iter().filter(listed).map(|f| f.reference.clone()).collect();
    let also_review = included.len() - references.len();
    let severity = if urgent {
        message::AlertSeverity::Urgent
    } else {
        message::AlertSeverity::Review
    };
    let email = message::render_alert(&message::AlertEmail {
        severity,
        clinic_name: &clinic.name,
        public_url: &ctx.public_url,
        references: &references,
        also_review,
    });
    let kind = if urgent {
        OutboxKind::AlertUrgent
    } else {
        OutboxKind::AlertReview
    };
    to_clinic_inbox(conn, ctx, clinic, kind, email, &included, now)
}

/// Queues one email to the clinic's alert address about `about`, and marks
/// each of those flags notified at its severity (so hygiene and the digest
/// know what the clinic has already heard).
fn to_clinic_inbox(
    conn: &mut DbConn,
    ctx: &MailContext,
    clinic: &clinics::Clinic,
    kind: OutboxKind,
    email: std::result::Result<message::Rendered, askama::Error>,
    about: &[&flags::Flag],
    now: DateTime<Utc>,
) -> Result<()> {
    let to = Envelope {
        kind,
        clinic: Some(clinic.id),
        flag: about.first().map(|f| f.id),
        recipient: &clinic.alert_email,
    };
    queue(conn, ctx, to, email, now)?;
    for f in about {
        flags::set_notified(conn, f.id, f.severity)?;
    }
    Ok(())
}

/// The review digest at the start of the clinic's working day.
pub fn review_digest(
    conn: &mut DbConn,
    ctx: &MailContext,
    clinic: &clinics::Clinic,
    pending: &[flags::Flag],
    now: DateTime<Utc>,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let references: Vec<String> = pending.iter().map(|f| f.reference.clone()).collect();
    let email = message::render_digest(&message::DigestEmail {
        clinic_name: &clinic.name,
        public_url: &ctx.public_url,
        references: &references,
    });
    let about: Vec<&flags::Flag> = pending.iter().collect();
    to_clinic_inbox(conn, ctx, clinic, OutboxKind::Digest, email, &about, now)
}

/// An urgent flag nobody acknowledged in time, to the escalation address
/// (the alert address when none is set).
pub fn escalation(
    conn: &mut DbConn,
    ctx: &MailContext,
    clinic: &clinics::Clinic,
    flag: &flags::Flag,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let email = message::render_escalation(&message::EscalationEmail {
        clinic_name: &clinic.name,
        public_url: &ctx.public_url,
        reference: &flag.reference,
        window_minutes: clinic.escalation_minutes.max(0) as u32,
    });
    let to = clinic
        .escalation_email
        .as_deref()
        .filter(|e| !e.is_empty())
        .unwrap_or(&clinic.alert_email);
    queue(
        conn,
        ctx,
        Envelope {
            kind: OutboxKind::Escalation,
            clinic: Some(clinic.id),
            flag: Some(flag.id),
            recipient: to,
        },
        email,
        now,
    )
}

/// How long a reminder's one-click unsubscribe link works.
pub const UNSUBSCRIBE_LIFETIME_DAYS: i64 = 30;

/// The patient's check-in reminder, in their language: a link, no clinical
/// content, sent in the clinic's name, with a one-click unsubscribe (RFC
/// 8058) whose single-use token is stored hashed like every other link.
pub fn reminder(
    conn: &mut DbConn,
    ctx: &MailContext,
    tr: Tr,
    clinic: &clinics::Clinic,
    patient_account: AccountId,
    to: &str,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let unsubscribe = super::links::issue_link(
        conn,
        TokenPurpose::Unsubscribe,
        Some(patient_account),
        now,
        chrono::Duration::days(UNSUBSCRIBE_LIFETIME_DAYS),
        &ctx.public_url,
    )?;
    let email = message::render_reminder(&message::ReminderEmail {
        tr,
        clinic_name: &clinic.name,
        public_url: &ctx.public_url,
        unsubscribe_url: &unsubscribe,
    });
    let id = queue(
        conn,
        ctx,
        Envelope {
            kind: OutboxKind::Reminder,
            clinic: Some(clinic.id),
            flag: None,
            recipient: to,
        },
        email,
        now,
    )?;
    outbox::set_headers(conn, id, Some(&clinic.name), Some(&unsubscribe))?;
    Ok(id)
}

/// An admin's test of the alert address: the same route as an alert (the
/// outbox, the worker, the clinic's alert address), with no clinical content.
pub fn test_email(
    conn: &mut DbConn,
    ctx: &MailContext,
    clinic: &clinics::Clinic,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let email = message::render_test(&message::TestEmail {
        clinic_name: &clinic.name,
        public_url: &ctx.public_url,
    });
    queue(
        conn,
        ctx,
        Envelope {
            kind: OutboxKind::TestEmail,
            clinic: Some(clinic.id),
            flag: None,
            recipient: &clinic.alert_email,
        },
        email,
        now,
    )
}

/// A clinic asked the patient for a photo, in their language: a link, no
/// clinical content.
pub fn photo_request(
    conn: &mut DbConn,
    ctx: &MailContext,
    tr: Tr,
    clinic: &clinics::Clinic,
    to: &str,
    now: DateTime<Utc>,
) -> Result<OutboxId> {
    let email = message::render_photo_request(&message::PhotoRequestEmail {
        tr,
        clinic_name: &clinic.name,
        public_url: &ctx.public_url,
    });
    queue(
        conn,
        ctx,
        Envelope {
            kind: OutboxKind::PhotoRequest,
            clinic: Some(clinic.id),
            flag: None,
            recipient: to,
        },
        email,
        now,
    )
}
