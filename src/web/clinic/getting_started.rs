//! The empty dashboard's getting-started list for a new clinic's admin:
//! enrol a patient, invite staff, check the settings, send a test email.
//! Each step is ticked once done (read from what the clinic has); the list
//! goes away when all four are.

use crate::db::{audit, clinics, outbox, DbConn};
use crate::domain::{AuditAction, ClinicId, OutboxKind};
use crate::error::Result;

/// One step of the list.
pub struct Step {
    pub done: bool,
    pub text: &'static str,
    pub href: &'static str,
    pub link: &'static str,
}

pub struct GettingStarted {
    pub steps: Vec<Step>,
}

impl GettingStarted {
    /// `None` once every step is done.
    pub fn load(conn: &mut DbConn, clinic: ClinicId) -> Result<Option<Self>> {
        let patient = clinics::patients_count(conn, clinic)? > 0;
        let staff = crate::db::accounts::clinic_staff(conn, clinic)?.len() > 1;
        let settings = audit::any_of(conn, clinic, AuditAction::ClinicSettings)?;
        let test =
            outbox::latest_of_kind(conn, clinic, OutboxKind::TestEmail)?.is_some_and(|r| r.status == outbox::SENT);
        let steps = vec![
            Step {
                done: patient,
                text: "they get an email to set up their account.",
                href: "/clinic/patients/new",
                link: "Enrol a patient",
            },
            Step {
                done: staff,
                text: "the clinicians who will work the flags.",
                href: "/clinic/staff",
                link: "Invite staff",
            },
            Step {
                done: settings,
                text: "time zone, alert address, reminder time; save them once.",
                href: "/clinic/settings",
                link: "Check settings",
            },
            Step {
                done: test,
                text: "then see it arrive at the alert address.",
                href: "/clinic/settings#test-email",
                link: "Send a test email",
            },
        ];
        Ok((!steps.iter().all(|s| s.done)).then_some(GettingStarted { steps }))
    }
}
