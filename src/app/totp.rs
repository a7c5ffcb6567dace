//! Staff second factor: enrolment, the second sign-in step (a code, or a
//! recovery code), and an admin's reset. Each use case opens its own
//! transaction (off the async workers) and writes its own audit row.

use crate::auth::{signin, tokens, totp};
use crate::config::{SessionLifetimes, TotpKey};
use crate::db::{accounts, audit, sessions, totp as store, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{AccountId, AccountKind, ClinicId, StaffId, TokenPurpose};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// How long the second step may take after a right password.
pub use crate::auth::second_step::CHALLENGE_LIFETIME;

fn key(key: Option<&TotpKey>) -> Result<&TotpKey> {
    key.ok_or_else(|| Error::Conflict("Two-step sign-in needs TOTP_KEY to be set on the server.".into()))
}

/// What the enrolment page shows.
pub struct Enrolment {
    /// The secret as text (base32), for typing into an app.
    pub secret: String,
    /// The `otpauth://` URL as a QR code (SVG).
    pub qr_svg: String,
}

/// Whether `account` has a confirmed second factor.
pub use crate::auth::second_step::enrolled;

/// Starts (or shows again) an enrolment: a new secret, kept encrypted and unconfirmed until a
/// first code proves the app has it. Refused once a factor is confirmed.
fn begin_in(conn: &mut DbConn, k: Option<&TotpKey>, account: AccountId, now: DateTime<Utc>) -> Result<Enrolment> {
    let k = key(k)?;
    if enrolled(conn, account)? {
        return Err(Error::Conflict(
            "Two-step sign-in is already on for this account.".into(),
        ));
    }
    let email = accounts::get(conn, account)?.ok_or(Error::NotFound)?.email;
    // A reload (or a wrong first code) keeps the secret the app may already have.
    let pending = store::get(conn, account)?.and_then(|row| totp::open(k, &row.secret));
    let secret = match pending {
        Some(s) => s,
        None => {
            let s = totp::new_secret();
            store::put_pending(conn, account, &totp::seal(k, &s), now.naive_utc())?;
            s
        }
    };
    let url = totp::otpauth_url(&secret, &email).ok_or_else(|| Error::Internal("otpauth url".into()))?;
    Ok(Enrolment {
        secret: totp::secret_text(&secret),
        qr_svg: totp::qr_svg(&url).ok_or_else(|| Error::Internal("qr code".into()))?,
    })
}

/// Confirms an enrolment with a first code; returns the ten recovery codes
/// (shown once: only their hashes are kept), or `None` for a wrong code.
fn confirm_in(
    conn: &mut DbConn,
    k: Option<&TotpKey>,
    account: AccountId,
    code: &str,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<String>>> {
    let k = key(k)?;
    let Some(row) = store::get(conn, account)?.filter(|t| t.confirmed_at.is_none()) else {
        return Ok(None);
    };
    let secret =
        totp::open(k, &row.secret).ok_or_else(|| Error::Internal("TOTP secret does not open with TOTP_KEY".into()))?;
    let Some(step) = totp::check(&secret, code, now) else {
        return Ok(None);
    };
    if !store::confirm(conn, account, step, now.naive_utc())? {
        return Ok(None);
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|(_, h)| h.clone()).collect();
    store::set_recovery_codes(conn, account, &hashes)?;
    signin::audit_self(conn, account, AccountKind::Staff, ip, AuditAction::TotpEnrolled, now)?;
    Ok(Some(codes.into_iter().map(|(c, _)| c).collect()))
}

/// Checks a typed code, or else a recovery code, and uses it up: a code's
/// time step is accepted once only, a recovery code once only.
fn verify_in(
    conn: &mut DbConn,
    k: Option<&TotpKey>,
    account: AccountId,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let k = key(k)?;
    let Some(row) = store::get(conn, account)?.filter(|t| t.confirmed_at.is_some()) else {
        return Ok(false);
    };
    let secret =
        totp::open(k, &row.secret).ok_or_else(|| Error::Internal("TOTP secret does not open with TOTP_KEY".into()))?;
    if let Some(step) = totp::check(&secret, typed, now) {
        return Ok(store::use_step(conn, account, step)?);
    }
    Ok(store::use_recovery_code(
        conn,
        account,
        &totp::recovery_hash(typed),
        now.naive_utc(),
    )?)
}

pub use crate::auth::second_step::{open_challenge, step_for, Step};

/// The account a challenge cookie stands for, if it is still open.
fn challenge_account_in(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> Result<Option<AccountId>> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    Ok(accounts::peek_token(conn, TokenPurpose::SecondFactor, &tokens::hash(token), now.naive_utc())?.flatten())
}

/// Closes the challenge and opens the session (audited as a sign-in).
fn finish_sign_in_in(
    conn: &mut DbConn,
    token: &str,
    account: AccountId,
    ip: Option<String>,
    browser: &str,
    now: DateTime<Utc>,
    lifetimes: &SessionLifetimes,
) -> Result<Option<String>> {
    if accounts::consume_token(conn, TokenPurpose::SecondFactor, &tokens::hash(token), now.naive_utc())?.flatten()
        != Some(account)
    {
        return Ok(None);
    }
    let session = signin::open_session(conn, account, AccountKind::Staff, ip.clone(), now, lifetimes)?;
    sessions::set_browser(conn, &tokens::hash(&session), browser)?;
    signin::audit_self(conn, account, AccountKind::Staff, ip, AuditAction::SigninSuccess, now)?;
    Ok(Some(session))
}

/// A wrong second-step code: audited like a wrong password.
fn record_failure_in(conn: &mut DbConn, account: AccountId, ip: Option<String>, now: DateTime<Utc>) -> Result<()> {
    signin::audit_self(
        conn,
        account,
        AccountKind::Staff,
        ip,
        AuditAction::SigninTotpFailure,
        now,
    )
}

/// An admin removes another staff member's second factor (lost phone): it
/// and the recovery codes go, that person's sessions end; audited. The
/// person enrols again at their next sign-in if the clinic requires it.
fn reset_in(
    conn: &mut DbConn,
    admin: &audit::Actor,
    clinic: ClinicId,
    target: StaffId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let staff = accounts::staff_in_clinic(conn, clinic, target)?.ok_or(Error::NotFound)?;
    let removed = store::remove(conn, staff.account_id)?;
    sessions::delete_all(conn, staff.account_id, None)?;
    accounts::retire_tokens(
        conn,
        TokenPurpose::SecondFactor,
        Some(staff.account_id),
        now.naive_utc(),
    )?;
    audit::record(
        conn,
        Some(clinic),
        admin,
        AuditAction::TotpReset,
        Some(&format!("staff:{}", target.0)),
        if removed {
            "second factor removed; sessions ended"
        } else {
            "no second factor; sessions ended"
        },
        now.naive_utc(),
    )?;
    Ok(removed)
}

/// An admin turns the clinic's two-step requirement on or off; audited.
fn set_required_in(
    conn: &mut DbConn,
    admin: &audit::Actor,
    clinic: ClinicId,
    required: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    crate::db::clinics::set_require_totp(conn, clinic, required)?;
    audit::record(
        conn,
        Some(clinic),
        admin,
        AuditAction::ClinicRequireTotp,
        None,
        if required { "on" } else { "off" },
        now.naive_utc(),
    )?;
    Ok(())
}

/// Whether the server may start: staff with a second factor need the key.
pub fn check_key(conn: &mut DbConn, k: Option<&TotpKey>) -> Result<()> {
    if k.is_none() && store::any_confirmed(conn)? {
        return Err(Error::Conflict(
            "TOTP_KEY is not set, but staff have two-step sign-in: set TOTP_KEY to the key they enrolled with".into(),
        ));
    }
    Ok(())
}

/// Starts (or shows again) an enrolment; see [`begin_in`].
pub async fn begin(db: &Db, k: Option<TotpKey>, account: AccountId, now: DateTime<Utc>) -> Result<Enrolment> {
    db.write_async(move |c| begin_in(c, k.as_ref(), account, now)).await
}

/// "Your account": how many recovery codes are left when enrolled (with no
/// enrolment), else an enrolment to confirm; `-1` codes when the server has
/// no key to enrol with.
pub async fn account_state(
    db: &Db,
    k: Option<TotpKey>,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<(Option<Enrolment>, i64)> {
    db.write_async(move |c| {
        if enrolled(c, account)? {
            return Ok((None, store::recovery_codes_left(c, account)?));
        }
        if k.is_none() {
            return Ok((None, -1));
        }
        Ok((Some(begin_in(c, k.as_ref(), account, now)?), 0))
    })
    .await
}

/// Confirms an enrolment with a first code; see [`confirm_in`].
pub async fn confirm(
    db: &Db,
    k: Option<TotpKey>,
    account: AccountId,
    code: String,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<String>>> {
    db.write_async(move |c| confirm_in(c, k.as_ref(), account, &code, ip, now))
        .await
}

/// The second step's code (or recovery code), used up; see [`verify_in`].
pub async fn verify(
    db: &Db,
    k: Option<TotpKey>,
    account: AccountId,
    typed: String,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write_async(move |c| verify_in(c, k.as_ref(), account, &typed, now))
        .await
}

/// The account an open challenge cookie stands for.
pub async fn challenge_account(db: &Db, token: String, now: DateTime<Utc>) -> Result<Option<AccountId>> {
    db.read_async(move |c| challenge_account_in(c, &token, now)).await
}

/// Closes the challenge and opens the session; see [`finish_sign_in_in`].
pub async fn finish_sign_in(
    db: &Db,
    token: String,
    account: AccountId,
    ip: Option<String>,
    browser: String,
    now: DateTime<Utc>,
    lifetimes: SessionLifetimes,
) -> Result<Option<String>> {
    db.write_async(move |c| finish_sign_in_in(c, &token, account, ip, &browser, now, &lifetimes))
        .await
}

/// A wrong second-step code, audited.
pub async fn record_failure(db: &Db, account: AccountId, ip: Option<String>, now: DateTime<Utc>) -> Result<()> {
    db.write_async(move |c| record_failure_in(c, account, ip, now)).await
}

/// An admin resets another's second factor; see [`reset_in`].
pub async fn reset(
    db: &Db,
    admin: audit::Actor,
    clinic: ClinicId,
    target: StaffId,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write_async(move |c| reset_in(c, &admin, clinic, target, now)).await
}

/// An admin turns the clinic's requirement on or off; see [`set_required_in`].
pub async fn set_required(
    db: &Db,
    admin: audit::Actor,
    clinic: ClinicId,
    required: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write_async(move |c| set_required_in(c, &admin, clinic, required, now))
        .await
}
