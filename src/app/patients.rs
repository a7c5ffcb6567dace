//! The clinic's work with patients: enrolment with an invite, adding a
//! treatment, closing follow-up, the audited view of a record; and the
//! patient's own reminder preference.

use crate::app::checkin::rules_of;
use crate::app::notify::{self, MailContext};
use crate::app::onboarding::{self, Credential, PatientInput, TreatmentInput};
use crate::db::checkins;
use crate::db::patients::TreatmentHistory;
use crate::db::{accounts, audit, dashboard, flags, patients, Db};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, Lang, PatientId, TreatmentId};
use crate::error::{Error, Result};
use crate::triage::RuleSettings;
use chrono::{DateTime, Utc};
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
}

/// A clinician opens a patient's record. Viewing is audited; the reads share
/// the audit row's transaction, so the row exists whenever the data was seen.
pub async fn view_record(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<PatientRecord> {
    view(db, clinic, id, now, actor, "").await
}

/// Opens a record, writing the `patient.view` audit row with `detail` (what
/// the record was opened as: the page, or a FHIR export) in the same
/// transaction as the reads.
pub(crate) async fn view(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
    detail: &'static str,
) -> Result<PatientRecord> {
    db.write_async(move |c| {
        let patient = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::PatientView,
            Some(&format!("patient:{}", patient.id)),
            detail,
            now.naive_utc(),
        )?;
        let mut treatments = Vec::new();
        for t in patients::treatments_of(c, patient.id)? {
            let mut list = Vec::new();
            for ci in checkins::of_treatment(c, t.id)? {
                let revs = if ci.version > 1 {
                    checkins::revisions(c, ci.id)?
                } else {
                    Vec::new()
                };
                list.push((ci, revs));
            }
            treatments.push((t, list));
        }
        let mut flag_list = Vec::new();
        for f in dashboard::flags_of_patient(c, clinic, patient.id)? {
            let ev = flags::events(c, f.id)?;
            flag_list.push((f, ev));
        }
        let staff_names = accounts::staff_names(c, clinic)?;
        let (_, rules) = rules_of(c, clinic)?;
        Ok(PatientRecord {
            patient,
            treatments,
            flags: flag_list,
            staff_names,
            rules,
        })
    })
    .await
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
    db.write_async(move |c| {
        patients::set_reminders(c, patient, on)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::PatientReminders,
            Some(&format!("patient:{patient}")),
            if on { "on" } else { "off" },
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
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
    db.write_async(move |c| {
        patients::set_language(c, patient, language)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::PatientLanguage,
            Some(&format!("patient:{patient}")),
            language.as_str(),
            now.naive_utc(),
        )?;
        Ok(())
    })
    .await
}
