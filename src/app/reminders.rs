//! The one-click "stop these reminders" link of a reminder email (RFC 8058):
//! no sign-in, a single-use token that reaches nothing but this patient's
//! reminder setting. Opening the link only asks; the POST (from the page's
//! button, or a mail provider's one-click) turns reminders off, audited.

use crate::auth::tokens;
use crate::db::{accounts, audit, clinics, patients, Db, DbConn};
use crate::domain::{AccountId, AuditAction, TokenPurpose};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// Whose reminders a link stops: for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub clinic_name: String,
    /// The patient's language: the page answers in it.
    pub language: crate::domain::Lang,
}

/// Tokens are 43 characters of base64url; anything else is not one of ours.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Unsubscribe {
    fn of(patient: patients::Patient, clinic: clinics::Clinic) -> Self {
        Self {
            clinic_name: clinic.name,
            language: patient.language,
        }
    }
}

/// The account a link was found for (the token lookup's answer), with its
/// patient and clinic; `None` when the link is not usable or not a patient's.
fn holder(
    conn: &mut DbConn,
    found: Option<Option<AccountId>>,
) -> Result<Option<(AccountId, patients::Patient, clinics::Clinic)>> {
    let Some(Some(account)) = found else {
        return Ok(None);
    };
    let Some(p) = patients::by_account(conn, account)? else {
        return Ok(None);
    };
    Ok(clinics::get(conn, p.clinic_id)?.map(|c| (account, p, c)))
}

/// What an unused, unexpired link would stop; `None` for an unknown, used,
/// expired or altered link. Changes nothing.
pub async fn peek(db: &Db, token: String, now: DateTime<Utc>) -> Result<Option<Unsubscribe>> {
    if !plausible(&token) {
        return Ok(None);
    }
    db.read_async(move |c| {
        let found = accounts::peek_token(c, TokenPurpose::Unsubscribe, &tokens::hash(&token), now.naive_utc())?;
        Ok(holder(c, found)?.map(|(_, patient, clinic)| Unsubscribe::of(patient, clinic)))
    })
    .await
}

/// Uses the link: the patient's reminders go off and the change is audited
/// (as the patient, who holds the link). `None` when the link is not usable
/// (unknown, altered, expired, or already used: nothing changes again).
pub async fn stop(db: &Db, token: String, ip: Option<String>, now: DateTime<Utc>) -> Result<Option<Unsubscribe>> {
    if !plausible(&token) {
        return Ok(None);
    }
    db.write_async(move |c| {
        let used = accounts::consume_token(c, TokenPurpose::Unsubscribe, &tokens::hash(&token), now.naive_utc())?;
        let Some((account, patient, clinic)) = holder(c, used)? else {
            return Ok(None);
        };
        patients::set_reminders(c, patient.id, false)?;
        // Every other unsubscribe link of this patient has done its job too.
        accounts::retire_tokens(c, TokenPurpose::Unsubscribe, Some(account), now.naive_utc())?;
        let actor = audit::Actor {
            account: Some(account),
            label: format!("patient:{}", patient.id),
            ip,
        };
        audit::record(
            c,
            Some(clinic.id),
            &actor,
            AuditAction::PatientReminders,
            Some(&format!("patient:{}", patient.id)),
            "off (one-click unsubscribe link)",
            now.naive_utc(),
        )?;
        Ok(Some(Unsubscribe::of(patient, clinic)))
    })
    .await
}
