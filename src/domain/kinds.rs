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
        /// An admin's test of the alert address ("Send a test email").
        TestEmail = "test_email",
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
        /// Staff sent a patient a new invite link (the old one stops working).
        InviteResend = "invite.resend",
        ClinicCreate = "clinic.create",
        ClinicSettings = "clinic.settings",
        /// An admin queued a test email to the clinic's alert address.
        ClinicTestEmail = "clinic.test_email",
        RulesChange = "rules.change",
        /// An urgent-capable rule was switched off (who, when, which).
        RulesDisableUrgent = "rules.disable_urgent",
        StaffCreate = "staff.create",
        StaffInvite = "staff.invite",
        StaffDisable = "staff.disable",
        StaffEnable = "staff.enable",
        /// An admin changed a staff member's role (before and after in the detail).
        StaffRole = "staff.role",
        PatientCreate = "patient.create",
        /// A clinician opened a patient's record.
        PatientView = "patient.view",
        PatientCloseFollowUp = "patient.close_follow_up",
        PatientReminders = "patient.reminders",
        /// An admin corrected a patient's details (before and after in the detail).
        PatientEdit = "patient.edit",
        /// An admin reopened a closed follow-up.
        PatientReopenFollowUp = "patient.reopen_follow_up",
        /// The patient chose the language of their pages and emails.
        PatientLanguage = "patient.language",
        TreatmentCreate = "treatment.create",
        /// An admin corrected a treatment (before and after in the detail).
        TreatmentEdit = "treatment.edit",
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
        /// An admin created an API token (its name; never the token).
        ApiTokenCreate = "api_token.create",
        ApiTokenRevoke = "api_token.revoke",
        /// A request authenticated by an API token (method and path).
        ApiTokenUse = "api_token.use",
        /// A FHIR Bulk Data export was started.
        FhirExport = "fhir.export",
        /// A FHIR Bulk Data export was cancelled (or its files deleted).
        FhirExportCancel = "fhir.export_cancel",
        /// One NDJSON file of an export was downloaded.
        FhirExportDownload = "fhir.export_download",
    }
}

text_enum! {
    /// Where a FHIR Bulk Data export is.
    pub enum ExportState ("export state") {
        /// Waiting for a worker.
        Queued = "queued",
        /// A worker holds it (or held it until its lease ran out).
        Running = "running",
        Done = "done",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl AuditAction {
    /// What the row says in plain words, after the actor's name ("Ada Lee
    /// viewed Pat Lee's record"). `{}` stands for whom it concerns: the
    /// patient, or the staff member the action was done to.
    pub fn phrase(self) -> &'static str {
        use AuditAction::*;
        match self {
            SigninSuccess => "signed in",
            SigninFailure => "failed to sign in",
            SigninLocked => "was slowed down after too many failed sign-ins",
            Signout => "signed out",
            SignoutEverywhere => "signed out on every device",
            SignoutSession => "signed out one of their sessions",
            PasswordChange => "changed their password",
            PasswordReset => "set a new password with an emailed link",
            PasswordResetRequested => "asked for a password reset link",
            PasswordResetCapped => "was sent the last reset email allowed this hour",
            InviteAccept => "accepted their invitation",
            InviteResend => "sent {} a new invitation",
            ClinicTestEmail => "sent a test email to the alert address",
            ClinicCreate => "created the clinic",
            ClinicSettings => "changed the clinic's settings",
            RulesChange => "changed the rule settings",
            RulesDisableUrgent => "switched off rules that raise urgent flags",
            StaffCreate => "created the staff account of {}",
            StaffInvite => "invited {} to the staff",
            StaffDisable => "disabled {}'s account",
            StaffEnable => "enabled {}'s account again",
            StaffRole => "changed {}'s role",
            PatientCreate => "enrolled {}",
            PatientView => "viewed {}'s record",
            PatientCloseFollowUp => "closed {}'s follow-up",
            PatientReminders => "changed {}'s reminder emails",
            PatientLanguage => "changed {}'s language",
            PatientEdit => "corrected {}'s details",
            PatientReopenFollowUp => "reopened {}'s follow-up",
            TreatmentCreate => "added a treatment for {}",
            TreatmentEdit => "corrected a treatment of {}",
            FlagView => "viewed a flag of {}",
            FlagAcknowledge => "acknowledged a flag of {}",
            FlagResolve => "resolved a flag of {}",
            OutboxRetry => "sent an email again",
            Export => "exported data",
            PhotoAdd => "added a photo of {}",
            PhotoRemove => "removed a photo of {}",
            PhotoView => "looked at a photo of {}",
            PhotoRequest => "asked {} for a photo",
            PhotoCompare => "compared photos of {}",
            TotpEnrolled => "set up two-step sign-in",
            SigninTotpFailure => "entered a wrong sign-in code",
            TotpReset => "reset {}'s two-step sign-in",
            ClinicRequireTotp => "changed whether staff must use two-step sign-in",
            ApiTokenCreate => "created an API token",
            ApiTokenRevoke => "revoked an API token",
            ApiTokenUse => "used an API token",
            FhirExport => "started a FHIR export",
            FhirExportCancel => "cancelled a FHIR export",
            FhirExportDownload => "downloaded a FHIR export file",
        }
    }

    /// The phrase with `whom` in place of `{}`.
    pub fn sentence(self, whom: &str) -> String {
        self.phrase().replacen("{}", whom, 1)
    }
}

/// What the scheduler claimed for a treatment (each exactly once per key):
/// a flag taken into the morning digest, or a scheduled rule (M1–M3, A1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduledKind {
    Digest,
    /// Only M1–M3 and A1 (see [`RuleId::is_scheduled`]).
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
            Ok(rule) if rule.is_scheduled() => Ok(ScheduledKind::Missed(rule)),
            _ => Err(super::UnknownOption::new("scheduled kind", s, "digest M1 M2 M3 A1")),
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
            "invite password_reset alert_urgent alert_review digest escalation reminder photo_request test_email"
        );
        assert_eq!(
            texts(AuditAction::ALL.iter().map(|k| k.as_str()).collect()),
            "signin.success signin.failure signin.locked signout signout.everywhere signout.session \
             password.change password.reset password.reset_requested password.reset_capped invite.accept \
             invite.resend clinic.create clinic.settings clinic.test_email rules.change rules.disable_urgent \
             staff.create staff.invite staff.disable staff.enable staff.role patient.create patient.view \
             patient.close_follow_up patient.reminders patient.edit patient.reopen_follow_up patient.language \
             treatment.create treatment.edit flag.view flag.acknowledge flag.resolve outbox.retry export \
             photo.add photo.remove photo.view photo.request photo.compare totp.enrolled signin.totp-failure \
             totp.reset clinic.require-totp api_token.create api_token.revoke api_token.use fhir.export \
             fhir.export_cancel fhir.export_download"
        );
        assert_eq!(
            texts(ExportState::ALL.iter().map(|k| k.as_str()).collect()),
            "queued running done failed cancelled"
        );
        for a in AuditAction::ALL {
            assert!(a.phrase().matches("{}").count() <= 1, "{a}");
        }
        assert_eq!(AuditAction::PatientView.sentence("Pat Lee"), "viewed Pat Lee's record");
        let kinds = [ScheduledKind::Digest, ScheduledKind::Missed(RuleId::M2)];
        for k in kinds {
            assert_eq!(ScheduledKind::parse(k.as_str()).unwrap(), k);
        }
        assert_eq!(ScheduledKind::Missed(RuleId::M3).as_str(), "M3");
        assert_eq!(ScheduledKind::parse("A1").unwrap(), ScheduledKind::Missed(RuleId::A1));
        assert!(
            ScheduledKind::parse("U1").is_err(),
            "only missed check-ins are scheduled"
        );
    }
}
