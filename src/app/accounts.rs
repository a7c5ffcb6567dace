//! A person's own account: accepting an invite, resetting a forgotten
//! password, changing it, signing out everywhere, and the session upkeep the
//! web layer does on every request. Each is one transaction with its audit row.

use crate::app::notify::{self, MailContext};
use crate::app::onboarding;
use crate::auth::password::{self, NewPassword};
use crate::auth::throttle::ForgotVerdict;
use crate::auth::{signin, tokens};
use crate::config::SessionLifetimes;
use crate::db::{accounts, sessions, staff_clinic, Db};
use crate::domain::AuditAction;
use crate::domain::{AccountId, AccountKind, EmailAddress, TokenPurpose};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};

/// How long a reset link stays valid.
pub const RESET_LIFETIME: Duration = Duration::hours(1);

/// The account a usable invite or reset link belongs to (it must exist and
/// be enabled), with its email. Reads only: the link is used up by [`use_link`].
pub async fn link_account(
    db: &Db,
    purpose: TokenPurpose,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(AccountId, AccountKind, String)>> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let hash = tokens::hash(token);
    db.read_async(move |c| {
        let Some(Some(id)) = accounts::peek_token(c, purpose, &hash, now.naive_utc())? else {
            return Ok(None);
        };
        Ok(accounts::get(c, id)?
            .filter(|a| !a.disabled)
            .map(|a| (a.id, a.kind, a.email)))
    })
    .await
}

/// What using a link did.
pub enum LinkUsed {
    /// Someone else used it first (or it expired meanwhile).
    Invalid,
    /// The password is set; an invite also signs in (the new session's cookie value).
    PasswordSet { session: Option<String> },
}

/// An invite or reset link, submitted: sets the password, ends every other
/// session, retires reset links, audits; an invite also opens a session.
#[allow(clippy::too_many_arguments)]
pub async fn use_link(
    db: &Db,
    purpose: TokenPurpose,
    token: &str,
    account: AccountId,
    kind: AccountKind,
    password: NewPassword,
    ip: Option<String>,
    now: DateTime<Utc>,
    lifetimes: SessionLifetimes,
) -> Result<LinkUsed> {
    let hash_of_token = tokens::hash(token);
    db.run(move |db| {
        let hash = onboarding::hash_password(&password)?;
        db.write(|c| {
            // Used up atomically: of two tabs submitting, one wins.
            if accounts::consume_token(c, purpose, &hash_of_token, now.naive_utc())? != Some(Some(account)) {
                return Ok(LinkUsed::Invalid);
            }
            accounts::set_password_hash(c, account, &hash, now.naive_utc())?;
            // A new password ends every session the old one opened.
            sessions::delete_all(c, account, None)?;
            accounts::retire_tokens(c, TokenPurpose::Reset, Some(account), now.naive_utc())?;
            let action = match purpose {
                TokenPurpose::Invite => AuditAction::InviteAccept,
                _ => AuditAction::PasswordReset,
            };
            signin::audit_self(c, account, kind, ip.clone(), action, now)?;
            if purpose != TokenPurpose::Invite {
                return Ok(LinkUsed::PasswordSet { session: None });
            }
            let token = signin::open_session(c, account, kind, ip.clone(), now, &lifetimes)?;
            signin::audit_self(c, account, kind, ip, AuditAction::SigninSuccess, now)?;
            Ok(LinkUsed::PasswordSet { session: Some(token) })
        })
    })
    .await
}

/// "Forgot password": a new reset link by email when the address has an
/// enabled account (older links retired); nothing otherwise.
pub async fn request_reset(
    db: &Db,
    mail: MailContext,
    email: EmailAddress,
    verdict: ForgotVerdict,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write_async(move |c| {
        let Some(account) = accounts::by_email(c, &email)?.filter(|a| !a.disabled) else {
            return Ok(());
        };
        let last = match verdict {
            ForgotVerdict::Capped => return Ok(()),
            ForgotVerdict::Send { last } => last,
        };
        // Only the newest link works.
        accounts::retire_tokens(c, TokenPurpose::Reset, Some(account.id), now.naive_utc())?;
        let link = onboarding::issue_link(
            c,
            TokenPurpose::Reset,
            Some(account.id),
            now,
            RESET_LIFETIME,
            &mail.public_url,
        )?;
        let clinic = staff_clinic(c, account.id)?;
        // A patient's reset email and page are in their language; staff's in English.
        let language = match account.kind {
            AccountKind::Patient => crate::db::patients::by_account(c, account.id)?.map(|p| p.language),
            AccountKind::Staff => None,
        };
        let (tr, link) = match language {
            Some(l) => (crate::i18n::Tr::new(l), crate::i18n::with_lang(&link, l)),
            None => (crate::i18n::Tr::EN, link),
        };
        notify::password_reset(c, &mail, tr, clinic, email.as_str(), &link, now)?;
        signin::audit_self(
            c,
            account.id,
            account.kind,
            ip.clone(),
            AuditAction::PasswordResetRequested,
            now,
        )?;
        if last {
            signin::audit_self(c, account.id, account.kind, ip, AuditAction::PasswordResetCapped, now)?;
        }
        Ok(())
    })
    .await
}

/// The signed-in person changes their password. False when `current` is not
/// their password. Every other session ends; this one (`keep`) stays.
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    db: &Db,
    account: AccountId,
    kind: AccountKind,
    keep: String,
    current: String,
    new: NewPassword,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.run(move |db| {
        let acc = db.read(|c| accounts::get(c, account))?.ok_or(Error::Unauthenticated)?;
        let ok = acc
            .password_hash
            .as_deref()
            .is_some_and(|h| password::verify(&current, h));
        if !ok {
            return Ok(false);
        }
        let hash = onboarding::hash_password(&new)?;
        db.write(|c| {
            accounts::set_password_hash(c, account, &hash, now.naive_utc())?;
            sessions::delete_all(c, account, Some(&keep))?;
            accounts::retire_tokens(c, TokenPurpose::Reset, Some(account), now.naive_utc())?;
            signin::audit_self(c, account, kind, ip, AuditAction::PasswordChange, now)?;
            Ok(true)
        })
    })
    .await
}

/// Ends every session of `account`, this one included.
pub async fn sign_out_everywhere(
    db: &Db,
    account: AccountId,
    kind: AccountKind,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write_async(move |c| {
        sessions::delete_all(c, account, None)?;
        signin::audit_self(c, account, kind, ip, AuditAction::SignoutEverywhere, now)
    })
    .await
}

/// Drops one session without an audit row: an expired or replaced one is
/// upkeep, not something the person did.
pub fn drop_session(db: &Db, id_hash: &str) -> Result<()> {
    db.write(|c| Ok(sessions::delete(c, id_hash)?))
}

/// Refreshes a session's last-seen time (the idle timeout counts from it).
pub fn touch_session(db: &Db, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
    db.write(|c| Ok(sessions::touch(c, id_hash, now.naive_utc())?))
}
