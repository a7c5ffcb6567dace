//! API tokens: an admin makes a read-only token for another system of the
//! clinic (shown once, only its SHA-256 kept), names it, revokes it; each
//! request made with one is audited and updates its last-used time.

use crate::auth::tokens;
use crate::db::{api_tokens, audit, Db};
use crate::domain::{AuditAction, ClinicId, StaffId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// The longest name a token may have.
pub const NAME_MAX: usize = 80;

/// A clinic's tokens for the admin page.
pub async fn list(db: &Db, clinic: ClinicId) -> Result<Vec<api_tokens::ApiToken>> {
    db.read_async(move |c| Ok(api_tokens::of_clinic(c, clinic)?)).await
}

/// An admin creates a token named `name`; returns the token, the only time
/// it exists outside the caller's hands.
pub async fn create(
    db: &Db,
    clinic: ClinicId,
    by: StaffId,
    name: &str,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<String> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(Error::invalid(
            "name",
            "Give the token a name, e.g. the system that will use it",
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(Error::invalid(
            "name",
            format!("Keep the name to {NAME_MAX} characters"),
        ));
    }
    let (token, hash) = tokens::generate();
    db.write_async(move |c| {
        let id = api_tokens::create(c, clinic, &name, &hash, by, now.naive_utc())?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::ApiTokenCreate,
            Some(&format!("api_token:{id}")),
            &name,
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await?;
    Ok(token)
}

/// An admin revokes one of the clinic's tokens; at once, every later
/// request with it is 401. Another clinic's or an unknown id is 404.
pub async fn revoke(db: &Db, clinic: ClinicId, id: i64, now: DateTime<Utc>, actor: audit::Actor) -> Result<()> {
    db.write_async(move |c| {
        let name = api_tokens::revoke(c, clinic, id, now.naive_utc())?.ok_or(Error::NotFound)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::ApiTokenRevoke,
            Some(&format!("api_token:{id}")),
            &name,
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}

/// A request carries `token`: the clinic it belongs to and the audit actor
/// for what follows, or None when it is unknown or revoked. Every
/// successful use writes an `api_token.use` row (`what`: method and path)
/// and the token's last-used time, in one transaction.
pub async fn authenticate(
    db: &Db,
    token: &str,
    what: String,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<(ClinicId, audit::Actor)>> {
    let hash = tokens::hash(token);
    db.write_async(move |c| {
        let Some(t) = api_tokens::live_by_hash(c, &hash)? else {
            return Ok(None);
        };
        api_tokens::touch(c, t.id, now.naive_utc())?;
        let actor = audit::Actor {
            account: None,
            label: format!("api_token:{}", t.id),
            ip,
        };
        audit::record(
            c,
            Some(t.clinic_id),
            &actor,
            AuditAction::ApiTokenUse,
            Some(&format!("api_token:{}", t.id)),
            &what,
            now.naive_utc(),
        )?;
        Ok(Some((t.clinic_id, actor)))
    })
    .await
}
