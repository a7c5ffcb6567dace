//! The clinic's work with patients: enrolment with an invite (and resending
//! it), adding a treatment, closing follow-up, the audited view of a record;
//! and the patient's own reminder preference.

use crate::app::checkin::rules_of;
use crate::app::notify::{self, MailContext};
use crate::app::onboarding::{self, Credential, PatientInput, TreatmentInput};
use crate::db::checkins;
use crate::db::checkins::TreatmentHistory;
use crate::db::{accounts, audit, dashboard, flags, patients, Db, DbConn};
use crate::domain::AuditAction;
use crate::domain::{CheckInId, ClinicId, FlagId, Lang, PatientId, TokenPurpose, TreatmentId};
use crate::error::{Error, Result};
use crate::triage::RuleSettings;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::HashMap;

/// Enrols a patient and emails them a link to choose a password. A taken
/// email is `Conflict`.
pub async fn enrol(
    db: &Db,
    mail: MailContext,
    input: PatientInput,
    clinic_name: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<PatientId> {
    db.write_async(move |c| {
        let (id, _, credential) = onboarding::create_patient(c, &input, None, now, &mail.public_url, &actor)?;
        if let Credential::Link(link) = credential {
            notify::invite(
                c,
                &mail,
                crate::i18n::Tr::new(input.language),
                input.clinic,
                &clinic_name,
                input.email.as_str(),
                &link,
                false,
                now,
            )?;
        }
        Ok(id)
    })
    .await
}

/// Whether a patient has accepted the invite, and if not, their newest link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    Active {
        since: NaiveDateTime,
    },
    Invited {
        /// When the newest link was sent (`None`: no link was ever sent, e.g. a
        /// CLI enrolment whose link was printed and lost).
        sent: Option<NaiveDateTime>,
        expires: Option<NaiveDateTime>,
        /// The link can no longer be used (expired, or replaced by a newer one).
        expired: bool,
    },
}

impl InviteState {
    /// From the account's activation and its newest invite link (sent, expires, used).
    pub fn of(
        activated_at: Option<NaiveDateTime>,
        latest: Option<(NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>)>,
        now: DateTime<Utc>,
    ) -> Self {
        if let Some(since) = activated_at {
            return InviteState::Active { since };
        }
        match latest {
            Some((sent, expires, used)) => InviteState::Invited {
                sent: Some(sent),
                expires: Some(expires),
                expired: used.is_some() || expires <= now.naive_utc(),
            },
            None => InviteState::Invited {
                sent: None,
                expires: None,
                expired: true,
            },
        }
    }

    pub fn is_active(&self) -> bool {
        matches!(self, InviteState::Active { .. })
    }
}

/// The invite state of one patient.
pub fn invite_state(conn: &mut DbConn, patient: &patients::Patient, now: DateTime<Utc>) -> Result<InviteState> {
    let latest = match patient.activated_at {
        Some(_) => None,
        None => accounts::latest_invite(conn, patient.account_id)?,
    };
    Ok(InviteState::of(patient.activated_at, latest, now))
}

/// A new invite link for a patient who has not accepted one: older links
/// stop working, the email goes through the outbox, audited. A patient who
/// is already active is `Conflict` (they use "Forgot your password?").
pub async fn resend_invite(
    db: &Db,
    mail: MailContext,
    clinic: ClinicId,
    clinic_name: String,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    db.write_async(move |c| {
        let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        if p.activated_at.is_some() {
            return Err(Error::Conflict(
                "This patient has already set up their account. If they forgot their password, they can use \"Forgot your password?\" on the sign-in page.".into(),
            ));
        }
        if p.disabled {
            return Err(Error::Conflict("This patient's account is disabled.".into()));
        }
        accounts::retire_tokens(c, TokenPurpose::Invite, Some(p.account_id), now.naive_utc())?;
        let link = onboarding::issue_link(
            c,
            TokenPurpose::Invite,
            Some(p.account_id),
            now,
            onboarding::INVITE_LIFETIME,
            &mail.public_url,
        )?;
        let link = crate::i18n::with_lang(&link, p.language);
        notify::invite(
            c,
            &mail,
            crate::i18n::Tr::new(p.language),
            clinic,
            &clinic_name,
            &p.email,
            &link,
            false,
            now,
        )?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::InviteResend,
            Some(&format!("patient:{}", p.id)),
            "",
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}

/// Adds a treatment session to a patient of `clinic`.
pub async fn add_treatment(
    db: &Db,
    clinic: ClinicId,
    input: TreatmentInput,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<TreatmentId> {
    db.write_async(move |c| onboarding::create_treatment(c, Some(clinic), &input, now, &actor))
        .await
}

/// Ends follow-up: no more reminders or missed check-in flags. Closing an
/// already closed follow-up changes (and audits) nothing.
pub async fn close_follow_up(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    db.write_async(move |c| {
        let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        if p.follow_up_closed_at.is_none() {
            patients::close_follow_up(c, p.id, now.naive_utc())?;
            audit::record(
                c,
                Some(clinic),
                &actor,
                AuditAction::PatientCloseFollowUp,
                Some(&format!("patient:{}", p.id)),
                "",
                now.naive_utc(),
            )?;
        }
        Ok(())
    })
    .await
}

/// Everything the clinician's page of one patient shows.
pub struct PatientRecord {
    pub patient: patients::Patient,
    pub treatments: Vec<TreatmentHistory>,
    pub flags: Vec<(flags::Flag, Vec<flags::FlagEvent>)>,
    pub staff_names: HashMap<i64, String>,
    pub rules: RuleSettings,
    pub invite: InviteState,
}

/// A clinician opens a patient's record, with whatever else the page shows
/// of it (`also`, read in the same snapshot). Viewing is audited: the
/// record is handed back only once its audit row has committed, so the row
/// exists whenever the data was seen.
pub async fn view_record<T: Send + 'static>(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
    also: impl FnOnce(&mut DbConn, &PatientRecord) -> Result<T> + Send + 'static,
) -> Result<(PatientRecord, T)> {
    view(db, clinic, id, now, actor, "", also).await
}

/// Opens a record, writing the `patient.view` audit row with `detail` (what
/// the record was opened as: the page, or a FHIR export). The reads run in a
/// read transaction first; the write is the one insert alone, so a view
/// holds SQLite's single writer for as little as it can and never makes
/// check-ins wait behind its reads. A patient of another clinic is
/// `NotFound` and writes no row.
pub(crate) async fn view<T: Send + 'static>(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
    detail: &'static str,
    also: impl FnOnce(&mut DbConn, &PatientRecord) -> Result<T> + Send + 'static,
) -> Result<(PatientRecord, T)> {
    db.run(move |db| {
        let (record, more) = db.read(|c| {
            let patient = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
            let treatments = treatment_histories(c, patient.id)?;
            let of_patient = dashboard::flags_of_patient(c, clinic, patient.id)?;
            let ids: Vec<FlagId> = of_patient.iter().map(|f| f.id).collect();
            let mut events = flags::events_of(c, &ids)?;
            let flag_list: Vec<_> = of_patient
                .into_iter()
                .map(|f| {
                    let ev = events.remove(&f.id).unwrap_or_default();
                    (f, ev)
                })
                .collect();
            let staff_names = accounts::staff_names(c, clinic)?;
            let (_, rules) = rules_of(c, clinic)?;
            let invite = invite_state(c, &patient, now)?;
            let record = PatientRecord {
                invite,
                patient,
                treatments,
                flags: flag_list,
                staff_names,
                rules,
            };
            let more = also(c, &record)?;
            Ok::<_, Error>((record, more))
        })?;
        let target = format!("patient:{}", record.patient.id);
        audit_view(db, clinic, &actor, AuditAction::PatientView, &target, detail, now)?;
        Ok((record, more))
    })
    .await
}

/// The audit row of a view whose reads are done: one insert, its own
/// transaction, nothing read inside it.
pub(crate) fn audit_view(
    db: &Db,
    clinic: ClinicId,
    actor: &audit::Actor,
    action: AuditAction,
    target: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(|c| {
        Ok(audit::record(
            c,
            Some(clinic),
            actor,
            action,
            Some(target),
            detail,
            now.naive_utc(),
        )?)
    })
}

/// A patient's treatments, each with its check-ins and their earlier
/// versions (the record page and the FHIR export read the same).
pub(crate) fn treatment_histories(c: &mut DbConn, patient: PatientId) -> Result<Vec<TreatmentHistory>> {
    let mut treatments = Vec::new();
    for t in patients::treatments_of(c, patient)? {
        let of_treatment = checkins::of_treatment(c, t.id)?;
        let amended: Vec<CheckInId> = of_treatment
            .iter()
            .filter(|ci| ci.version > 1)
            .map(|ci| ci.id)
            .collect();
        let mut revisions = checkins::revisions_of(c, &amended)?;
        let list = of_treatment
            .into_iter()
            .map(|ci| {
                let revs = revisions.remove(&ci.id).unwrap_or_default();
                (ci, revs)
            })
            .collect();
        treatments.push((t, list));
    }
    Ok(treatments)
}

/// The patient turns check-in reminder emails on or off.
pub async fn set_reminders(
    db: &Db,
    clinic: ClinicId,
    patient: PatientId,
    on: bool,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    choose(db, clinic, patient, Choice::Reminders(on), now, actor).await
}

/// The patient chooses the language of their pages and emails.
pub async fn set_language(
    db: &Db,
    clinic: ClinicId,
    patient: PatientId,
    language: Lang,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    choose(db, clinic, patient, Choice::Language(language), now, actor).await
}

/// What a patient chooses for themselves.
enum Choice {
    Reminders(bool),
    Language(Lang),
}

/// Stores the patient's choice with its audit row (the detail: what they chose).
async fn choose(
    db: &Db,
    clinic: ClinicId,
    patient: PatientId,
    choice: Choice,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<()> {
    db.write_async(move |c| {
        let (action, detail) = match choice {
            Choice::Reminders(on) => {
                patients::set_reminders(c, patient, on)?;
                (AuditAction::PatientReminders, if on { "on" } else { "off" })
            }
            Choice::Language(language) => {
                patients::set_language(c, patient, language)?;
                (AuditAction::PatientLanguage, language.as_str())
            }
        };
        audit::record(
            c,
            Some(clinic),
            &actor,
            action,
            Some(&format!("patient:{patient}")),
            detail,
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}
