//! A clinic admin managing staff: inviting, disabling, re-enabling. Scoped by
//! the admin's clinic; another clinic's staff id is "not found".

use crate::app::notify::{self, MailContext};
use crate::app::onboarding::{self, Credential, StaffInput};
use crate::db::{accounts, audit, sessions, Db};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, StaffId};
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

/// Disables (every session ends at once, on every app instance) or
/// re-enables a staff member of `clinic`.
pub async fn set_disabled(
    db: &Db,
    clinic: ClinicId,
    id: StaffId,
    disabled: bool,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    db.write_async(move |c| {
        let target = accounts::staff_in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
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
