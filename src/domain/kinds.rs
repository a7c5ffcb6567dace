//! Kinds stored as text: what happened to a flag, which email an outbox row
//! is, what an audit row records, what the scheduler claimed. Each text is
//! written here once; the database keeps exactly these strings.

use super::RuleId;
use crate::text_enum;

text_enum! {
    /// One line of a flag's history.
    pub enum FlagEventKind ("flag event") {
        Raised = "raised",
        /// The rule fired again at a higher severity.
        SeverityRaised = "severity_raised",
        /// The rule fired again (same or lower severity).
        Repeated = "repeated",
        Acknowledged = "acknowledged",
        Resolved = "resolved",
        /// Re-sent to the escalation address: nobody acknowledged it in time.
        Escalated = "escalated",
    }
}

text_enum! {
    /// Which email an outbox row is (also the first part of its Message-ID).
    pub enum OutboxKind ("email kind") {
        Invite = "invite",
        PasswordReset = "password_reset",
        AlertUrgent = "alert_urgent",
        AlertReview = "alert_review",
        Digest = "digest",
        Escalation = "escalation",
        Reminder = "reminder",
        /// The clinic asks the patient for a photo (no clinical content).
        PhotoRequest = "photo_request",
    }
}

text_enum! {
    /// What an audit row records.
    pub enum AuditAction ("audit action") {
        SigninSuccess = "signin.success",
        SigninFailure = "signin.failure",
        /// An account's failure budget ran out (an untrusted device is slowed).
        SigninLocked = "signin.locked",
        Signout = "signout",
        SignoutEverywhere = "signout.everywhere",
        /// One session signed out from the session list.
        SignoutSession = "signout.session",
        PasswordChange = "password.change",
        PasswordReset = "password.reset",
        PasswordResetRequested = "password.reset_requested",
        /// The last reset email the hourly cap allows was sent.
        PasswordResetCapped = "password.reset_capped",
        InviteAccept = "invite.accept",
        ClinicCreate = "clinic.create",
        ClinicSettings = "clinic.settings",
        RulesChange = "rules.change",
        /// An urgent-capable rule was switched off (who, when, which).
        RulesDisableUrgent = "rules.disable_urgent",
        StaffCreate = "staff.create",
        StaffInvite = "staff.invite",
        StaffDisable = "staff.disable",
        StaffEnable = "staff.enable",
        PatientCreate = "patient.create",
        /// A clinician opened a patient's record.
        PatientView = "patient.view",
        PatientCloseFollowUp = "patient.close_follow_up",
        PatientReminders = "patient.reminders",
        /// The patient chose the language of their pages and emails.
        PatientLanguage = "patient.language",
        TreatmentCreate = "treatment.create",
        /// A clinician opened a flag's page (it shows the patient's name and symptoms).
        FlagView = "flag.view",
        FlagAcknowledge = "flag.acknowledge",
        FlagResolve = "flag.resolve",
        OutboxRetry = "outbox.retry",
        Export = "export",
        PhotoAdd = "photo.add",
        PhotoRemove = "photo.remove",
        /// A staff member looked at a photo (each image load).
        PhotoView = "photo.view",
        PhotoRequest = "photo.request",
        PhotoCompare = "photo.compare",
        TotpEnrolled = "totp.enrolled",
        /// A wrong second-step code.
        SigninTotpFailure = "signin.totp-failure",
        /// An admin reset a staff member's second factor.
        TotpReset = "totp.reset",
        ClinicRequireTotp = "clinic.require-totp",
    }
}

/// What the scheduler claimed for a treatment (each exactly once per key):
/// a flag taken into the morning digest, or a missed check-in (M1–M3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduledKind {
    Digest,
    /// Only M1–M3 (see [`RuleId::is_missed_checkin`]).
    Missed(RuleId),
}

impl ScheduledKind {
    const DIGEST: &'static str = "digest";

    /// The stored text: "digest", or the rule id ("M1", "M2", "M3").
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduledKind::Digest => Self::DIGEST,
            ScheduledKind::Missed(rule) => rule.as_str(),
        }
    }

    pub fn parse(s: &str) -> Result<Self, super::UnknownOption> {
        let s = s.trim();
        if s == Self::DIGEST {
            return Ok(ScheduledKind::Digest);
        }
        match RuleId::parse(s) {
            Ok(rule) if rule.is_missed_checkin() => Ok(ScheduledKind::Missed(rule)),
            _ => Err(super::UnknownOption::new("scheduled kind", s, "digest M1 M2 M3")),
        }
    }
}

impl std::fmt::Display for ScheduledKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_texts_round_trip() {
        for k in FlagEventKind::ALL {
            assert_eq!(FlagEventKind::parse(k.as_str()).unwrap(), *k);
        }
        for k in OutboxKind::ALL {
            assert_eq!(OutboxKind::parse(k.as_str()).unwrap(), *k);
        }
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()).unwrap(), *a);
        }
        // The database keeps these texts: a change here needs a data migration.
        let texts = |all: Vec<&str>| all.join(" ");
        assert_eq!(
            texts(FlagEventKind::ALL.iter().map(|k| k.as_str()).collect()),
            "raised severity_raised repeated acknowledged resolved escalated"
        );
        assert_eq!(
            texts(OutboxKind::ALL.iter().map(|k| k.as_str()).collect()),
            "invite password_reset alert_urgent alert_review digest escalation reminder photo_request"
        );
        assert_eq!(
            texts(AuditAction::ALL.iter().map(|k| k.as_str()).collect()),
            "signin.success signin.failure signin.locked signout signout.everywhere signout.session password.change \
             password.reset password.reset_requested password.reset_capped invite.accept clinic.create \
             clinic.settings rules.change rules.disable_urgent staff.create staff.invite staff.disable staff.enable \
             patient.create patient.view patient.close_follow_up patient.reminders patient.language treatment.create flag.view \
             flag.acknowledge flag.resolve outbox.retry export photo.add photo.remove photo.view photo.request \
             photo.compare totp.enrolled signin.totp-failure totp.reset clinic.require-totp"
        );
        let kinds = [ScheduledKind::Digest, ScheduledKind::Missed(RuleId::M2)];
        for k in kinds {
            assert_eq!(ScheduledKind::parse(k.as_str()).unwrap(), k);
        }
        assert_eq!(ScheduledKind::Missed(RuleId::M3).as_str(), "M3");
        assert!(
            ScheduledKind::parse("U1").is_err(),
            "only missed check-ins are scheduled"
        );
    }
}
