//! A clinic admin managing staff: inviting, disabling, re-enabling. Scoped by
//! the admin's clinic; another clinic's staff id is "not found".

use crate::app::notify::{self, MailContext};
use crate::app::onboarding::{self, Credential, StaffInput};
use crate::db::{accounts, audit, clinics, sessions, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, Role, StaffId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// Creates the staff member and emails them a link to choose a password.
/// A taken email is `Conflict`.
pub async fn invite(
    db: &Db,
    mail: MailContext,
    input: StaffInput,
    clinic_name: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<StaffId> {
    db.write_async(move |c| {
        let (id, _, credential) = onboarding::create_staff(c, &input, None, now, &mail.public_url, &actor)?;
        let Credential::Link(link) = credential else {
            return Err(Error::Internal("an invited account got no link".into()));
        };
        notify::invite(
            c,
            &mail,
            // Staff read Aftercare in the clinic's language.
            crate::i18n::Tr::EN,
            input.clinic,
            &clinic_name,
            input.email.as_str(),
            &link,
            true,
            now,
        )?;
        audit::record(
            c,
            Some(input.clinic),
            &actor,
            AuditAction::StaffInvite,
            Some(&format!("staff:{id}")),
            &format!("role={}", input.role),
            now.naive_utc(),
        )?;
        Ok(id)
    })
    .await
}

/// What a refused change would have done: left no admin who can act.
pub const LAST_ADMIN: &str = "The clinic needs at least one active admin: make someone else an admin first.";

/// Refuses when `target` is the clinic's only active admin: demoting or
/// disabling them would leave no one who can manage staff and settings. The
/// caller holds the clinic's lock ([`clinics::lock`]) from before it read
/// the target, so of two such changes at once (two admins disabling each
/// other, on two PostgreSQL connections) the second sees the first's result.
fn keep_an_admin(c: &mut DbConn, clinic: ClinicId, target: StaffId) -> Result<()> {
    let admins = accounts::active_admins(c, clinic)?;
    if admins == [target] {
        return Err(Error::Conflict(LAST_ADMIN.into()));
    }
    Ok(())
}

/// Changes a staff member's role. Making the last active admin a clinician
/// is refused. Setting the role they have changes (and audits) nothing.
pub async fn set_role(
    db: &Db,
    clinic: ClinicId,
    id: StaffId,
    role: Role,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<bool> {
    db.write_async(move |c| {
        clinics::lock(c, clinic)?;
        let target = accounts::staff_in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        if target.role == role {
            return Ok(false);
        }
        if target.role == Role::Admin {
            keep_an_admin(c, clinic, id)?;
        }
        accounts::set_role(c, id, role)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::StaffRole,
            Some(&format!("staff:{id}")),
            &format!("role: {:?} -> {:?}", target.role.as_str(), role.as_str()),
            now.naive_utc(),
        )?;
        Ok(true)
    })
    .await
}

/// Disables (every session ends at once, on every app instance) or
/// re-enables a staff member of `clinic`. Disabling the last active admin
/// is refused.
pub async fn set_disabled(
    db: &Db,
    clinic: ClinicId,
    id: StaffId,
    disabled: bool,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    db.write_async(move |c| {
        clinics::lock(c, clinic)?;
        let target = accounts::staff_in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        if disabled && target.role == Role::Admin {
            keep_an_admin(c, clinic, id)?;
        }
        accounts::set_disabled(c, target.account_id, disabled)?;
        if disabled {
            sessions::delete_all(c, target.account_id, None)?;
        }
        let action = if disabled {
            AuditAction::StaffDisable
        } else {
            AuditAction::StaffEnable
        };
        audit::record(
            c,
            Some(clinic),
            &actor,
            action,
            Some(&format!("staff:{id}")),
            "",
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}
