//! Signing in and out. Runs on a blocking thread (Argon2 is slow on purpose).

use super::{password, tokens};
use crate::config::SessionLifetimes;
use crate::db::{accounts, audit, devices, sessions, staff_clinic, Db};
use crate::domain::{AccountId, AccountKind, AuditAction, EmailAddress};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// A new session: the cookie value (only the browser keeps it) and the kind.
pub struct NewSession {
    pub token: String,
    pub account: AccountId,
    pub kind: AccountKind,
}

/// What a right password leads to.
pub enum Outcome {
    /// Signed in.
    Session(NewSession),
    /// A second step first: a code, or enrolment the clinic requires. The
    /// challenge is the cookie value that stands for the right password.
    SecondStep {
        challenge: String,
        step: super::second_step::Step,
    },
}

/// The browser signing in.
pub struct Device<'a> {
    /// The hash of its device cookie.
    pub cookie_hash: &'a str,
    /// Its family ("Firefox on Linux"), for the session list.
    pub browser: &'a str,
}

/// Checks the credentials and opens a new session (a new id every time, so a
/// session id planted before sign-in is worthless). Failures are audited
/// without the typed email's full address or the password.
///
/// On success the device becomes trusted for this account (see
/// [`super::throttle`]).
pub fn sign_in(
    db: &Db,
    email: &str,
    password_typed: &str,
    ip: Option<String>,
    now: DateTime<Utc>,
    lifetimes: &SessionLifetimes,
    from: &Device,
) -> Result<Option<Outcome>> {
    let parsed = EmailAddress::parse(email).ok();
    let account = match &parsed {
        Some(e) => db.read(|c| accounts::by_email(c, e))?,
        None => None,
    };
    let ok = match account.as_ref().and_then(|a| a.password_hash.as_deref()) {
        Some(hash) => password::verify(password_typed, hash),
        None => {
            // Same work whether or not the account exists.
            let _ = password::verify(password_typed, password::dummy_hash());
            false
        }
    };
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        other => {
            let target = parsed.as_ref().map(|e| format!("domain:{}", e.domain()));
            let clinic = match &other {
                Some(a) => db.read(|c| staff_clinic(c, a.id))?,
                None => None,
            };
            let actor = audit::Actor {
                account: other.as_ref().map(|a| a.id),
                label: "anonymous".into(),
                ip,
            };
            let why = match &other {
                Some(a) if a.disabled => "account disabled",
                Some(_) => "wrong password",
                None => "unknown account",
            };
            db.write(|c| {
                audit::record(
                    c,
                    clinic,
                    &actor,
                    AuditAction::SigninFailure,
                    target.as_deref(),
                    why,
                    now.naive_utc(),
                )
            })?;
            return Ok(None);
        }
    };
    let second = db.write(|c| {
        let step = super::second_step::step_for(c, account.id, account.kind)?;
        if step == super::second_step::Step::None {
            return Ok::<_, Error>(None);
        }
        devices::trust(c, from.cookie_hash, account.id, now.naive_utc())?;
        let challenge = super::second_step::open_challenge(c, account.id, now)?;
        Ok(Some(Outcome::SecondStep { challenge, step }))
    })?;
    if second.is_some() {
        return Ok(second);
    }
    let token = db.write(|c| {
        let token = open_session(c, account.id, account.kind, ip.clone(), now, lifetimes)?;
        devices::trust(c, from.cookie_hash, account.id, now.naive_utc())?;
        sessions::set_browser(c, &tokens::hash(&token), from.browser)?;
        let clinic = staff_clinic(c, account.id)?;
        let actor = audit::Actor {
            account: Some(account.id),
            label: label(c, account.id, account.kind)?,
            ip: ip.clone(),
        };
        audit::record(c, clinic, &actor, AuditAction::SigninSuccess, None, "", now.naive_utc())?;
        Ok::<_, Error>(token)
    })?;
    Ok(Some(Outcome::Session(NewSession {
        token,
        account: account.id,
        kind: account.kind,
    })))
}

/// Whether the browser with device-cookie hash `device` has signed in to
/// the account typed as `email` before.
pub fn device_trusted(db: &Db, device: Option<&str>, email: &str) -> Result<bool> {
    let (Some(device), Ok(email)) = (device, EmailAddress::parse(email)) else {
        return Ok(false);
    };
    Ok(db.read(|c| devices::is_trusted_for(c, device, &email))?)
}

/// An account's sign-in failure budget just ran out: untrusted devices are
/// refused from now until it refills. Audited once per lock-out (the
/// address's domain only), and logged.
pub fn record_lockout(db: &Db, email: &str, ip: Option<String>, now: DateTime<Utc>) -> Result<()> {
    let parsed = EmailAddress::parse(email).ok();
    let domain = parsed.as_ref().map(|e| e.domain().to_string());
    tracing::warn!(
        domain = domain.as_deref().unwrap_or("-"),
        "sign-in failures spent an account's budget: unknown devices are slowed"
    );
    db.write(|c| {
        let account = match &parsed {
            Some(e) => accounts::by_email(c, e)?,
            None => None,
        };
        let clinic = match &account {
            Some(a) => staff_clinic(c, a.id)?,
            None => None,
        };
        let actor = audit::Actor {
            account: account.as_ref().map(|a| a.id),
            label: "anonymous".into(),
            ip,
        };
        let target = domain.map(|d| format!("domain:{d}"));
        audit::record(
            c,
            clinic,
            &actor,
            AuditAction::SigninLocked,
            target.as_deref(),
            "failure budget spent: unknown devices slowed",
            now.naive_utc(),
        )?;
        Ok(())
    })
}

/// Opens a new session for `account` (a new random id, a new CSRF token);
/// returns the cookie value.
pub fn open_session(
    conn: &mut crate::db::DbConn,
    account: AccountId,
    kind: AccountKind,
    ip: Option<String>,
    now: DateTime<Utc>,
    lifetimes: &SessionLifetimes,
) -> Result<String> {
    let (token, id_hash) = tokens::generate();
    let (csrf, _) = tokens::generate();
    let lifetime = match kind {
        AccountKind::Staff => lifetimes.staff_absolute,
        AccountKind::Patient => lifetimes.patient_absolute,
    };
    sessions::insert(
        conn,
        &id_hash,
        account,
        &csrf,
        now.naive_utc(),
        (now + lifetime).naive_utc(),
        ip.as_deref(),
    )?;
    Ok(token)
}

/// Writes an audit row for something `account` did to itself (password
/// change, sign out everywhere, ...), in the caller's transaction.
pub fn audit_self(
    conn: &mut crate::db::DbConn,
    account: AccountId,
    kind: AccountKind,
    ip: Option<String>,
    action: AuditAction,
    now: DateTime<Utc>,
) -> Result<()> {
    let clinic = staff_clinic(conn, account)?;
    let actor = audit::Actor {
        account: Some(account),
        label: label(conn, account, kind)?,
        ip,
    };
    audit::record(conn, clinic, &actor, action, None, "", now.naive_utc())?;
    Ok(())
}

/// "staff:12" or "patient:40": how the audit log names a person.
pub fn label(conn: &mut crate::db::DbConn, account: AccountId, kind: AccountKind) -> Result<String> {
    Ok(match kind {
        AccountKind::Staff => match accounts::staff_by_account(conn, account)? {
            Some(s) => format!("staff:{}", s.id),
            None => format!("account:{account}"),
        },
        AccountKind::Patient => match crate::db::patients::by_account(conn, account)? {
            Some(p) => format!("patient:{}", p.id),
            None => format!("account:{account}"),
        },
    })
}

/// Ends one session (sign out).
pub fn sign_out(
    db: &Db,
    id_hash: &str,
    account: AccountId,
    kind: AccountKind,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(|c| {
        sessions::delete(c, id_hash)?;
        let clinic = staff_clinic(c, account)?;
        let actor = audit::Actor {
            account: Some(account),
            label: label(c, account, kind)?,
            ip,
        };
        audit::record(c, clinic, &actor, AuditAction::Signout, None, "", now.naive_utc())?;
        Ok(())
    })
}
