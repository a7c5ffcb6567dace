//! An admin correcting a record: a patient's details, a treatment's facts,
//! a follow-up closed by mistake. Each change is one transaction with one
//! audit row that names every field changed with its value before and after;
//! a submission that changes nothing writes nothing.
//!
//! What was derived from the old facts stays as it was: flags already raised
//! keep their inputs, reason and rules version (they record what the rules
//! saw then). Only the check-ins' day numbers follow a corrected date, since
//! "day N" is counted from it by the scheduler and the charts.

use crate::app::onboarding::{PatientInput, TreatmentInput};
use crate::app::patients::audit_view;
use crate::db::{accounts, audit, checkins, patients, Db};
use crate::domain::{AuditAction, ClinicId, PatientId, TokenPurpose, TreatmentId};
use crate::error::{Error, Result};
use crate::triage;
use chrono::{DateTime, Utc};

/// Fields that differ, with their values before and after, for the audit row.
#[derive(Default)]
struct Changes(Vec<String>);

impl Changes {
    fn field(&mut self, name: &str, before: &str, after: &str) {
        if before != after {
            self.0.push(format!("{name}: {before:?} -> {after:?}"));
        }
    }
    fn flag(&mut self, name: &str, before: bool, after: bool) {
        let word = |b| if b { "yes" } else { "no" };
        self.field(name, word(before), word(after));
    }
    fn detail(&self) -> String {
        self.0.join("; ")
    }
}

/// What a correction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corrected {
    Changed,
    /// The form held the values already stored: nothing written, nothing audited.
    Unchanged,
}

/// An admin opens the correction form of a patient (and, with `treatment`,
/// of one of their treatments). The form shows the record, so it is an
/// audited view (`patient.view`, detail "correction form").
pub async fn open(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    treatment: Option<TreatmentId>,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<(patients::Patient, Option<patients::Treatment>)> {
    db.run(move |db| {
        // Read first, then the audit row alone (as `patients::view`).
        let (p, t) = db.read(|c| {
            let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
            let t = match treatment {
                Some(tid) => Some(
                    patients::treatment_of(c, p.id, tid)?
                        .filter(|t| t.clinic_id == clinic)
                        .ok_or(Error::NotFound)?,
                ),
                None => None,
            };
            Ok::<_, Error>((p, t))
        })?;
        let target = format!("patient:{}", p.id);
        audit_view(
            db,
            clinic,
            &actor,
            AuditAction::PatientView,
            &target,
            "correction form",
            now,
        )?;
        Ok((p, t))
    })
    .await
}

/// Corrects a patient's name, email, phone, skin type and cold-sore history. A new
/// email taken by another account is `Conflict`. The account's sessions and
/// password stay: the same person signs in with the corrected address; an
/// unused invite or reset link sent to the old address stops working.
pub async fn patient_details(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    input: PatientInput,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<Corrected> {
    db.write_async(move |c| {
        let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        let mut changes = Changes::default();
        changes.field("name", &p.name, &input.name);
        changes.field("email", &p.email, input.email.as_str());
        let phone = |n: Option<&crate::domain::PhoneNumber>| {
            n.map(|n| n.as_entered().to_string()).unwrap_or_else(|| "none".into())
        };
        changes.field("phone", &phone(p.phone.as_ref()), &phone(input.phone.as_ref()));
        let skin = |s: Option<crate::domain::SkinType>| s.map(|s| s.roman()).unwrap_or("not recorded");
        changes.field("skin_type", skin(p.skin_type), skin(input.skin_type));
        changes.flag("cold_sores", p.cold_sores, input.cold_sores);
        if changes.0.is_empty() {
            return Ok(Corrected::Unchanged);
        }
        if p.email != input.email.as_str() {
            if accounts::claim_email(c, &input.email)? {
                return Err(Error::Conflict(format!(
                    "an account with the email {} already exists",
                    input.email
                )));
            }
            patients::set_email(c, p.id, p.account_id, &input.email)?;
            // A link mailed to the old (mistyped) address must not open the
            // account: it stops working; a new invite goes to the new address.
            for purpose in [TokenPurpose::Invite, TokenPurpose::Reset] {
                accounts::retire_tokens(c, purpose, Some(p.account_id), now.naive_utc())?;
            }
        }
        patients::update_details(
            c,
            p.id,
            &patients::PatientDetails {
                name: &input.name,
                phone: input.phone.as_ref(),
                skin_type: input.skin_type,
                cold_sores: input.cold_sores,
            },
        )?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::PatientEdit,
            Some(&format!("patient:{}", p.id)),
            &changes.detail(),
            now.naive_utc(),
        )?;
        Ok(Corrected::Changed)
    })
    .await
}

/// Corrects a treatment's date, procedure, zones and prophylaxis. A date
/// after the treatment's first check-in is refused (that check-in would sit
/// before the treatment). Flags already raised are not touched.
pub async fn treatment(
    db: &Db,
    clinic: ClinicId,
    id: TreatmentId,
    input: TreatmentInput,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<Corrected> {
    db.write_async(move |c| {
        let t = patients::treatment_in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        if t.patient_id != input.patient {
            return Err(Error::NotFound);
        }
        // One writer per treatment: a check-in recorded meanwhile gets its day
        // number from the date this correction leaves.
        patients::lock_treatment(c, t.id)?;
        let mut changes = Changes::default();
        changes.field("treated_on", &t.treated_on.to_string(), &input.treated_on.to_string());
        changes.field("procedure", t.procedure.as_str(), input.procedure.as_str());
        changes.field("zones", &t.zones.to_db(), &input.zones.to_db());
        changes.flag("antiviral", t.antiviral, input.prescribed.antiviral);
        changes.flag("antibiotic", t.antibiotic, input.prescribed.antibiotic);
        if changes.0.is_empty() {
            return Ok(Corrected::Unchanged);
        }
        let days = checkins::ids_and_days(c, t.id)?;
        if let Some((_, first)) = days.first() {
            if input.treated_on > *first {
                return Err(Error::invalid(
                    "treated_on",
                    format!(
                        "The patient checked in on {} already: the treatment cannot be later than that",
                        first.format("%-d %b %Y")
                    ),
                ));
            }
        }
        patients::correct_treatment(
            c,
            t.id,
            &patients::NewTreatment {
                patient: t.patient_id,
                clinic: t.clinic_id,
                procedure: input.procedure,
                treated_on: input.treated_on,
                zones: &input.zones,
                prescribed: input.prescribed,
            },
        )?;
        if input.treated_on != t.treated_on {
            for (checkin, day) in &days {
                checkins::set_day_number(c, *checkin, triage::day_number(input.treated_on, *day))?;
            }
        }
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::TreatmentEdit,
            Some(&format!("patient:{}", t.patient_id)),
            &format!("treatment:{} {}", t.id, changes.detail()),
            now.naive_utc(),
        )?;
        Ok(Corrected::Changed)
    })
    .await
}

/// Reopens a closed follow-up: reminders and missed check-in rules run
/// again. An open follow-up is left (and audited) as it is.
pub async fn reopen_follow_up(
    db: &Db,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<Corrected> {
    db.write_async(move |c| {
        let p = patients::in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
        let Some(closed) = p.follow_up_closed_at else {
            return Ok(Corrected::Unchanged);
        };
        patients::reopen_follow_up(c, p.id)?;
        audit::record(
            c,
            Some(clinic),
            &actor,
            AuditAction::PatientReopenFollowUp,
            Some(&format!("patient:{}", p.id)),
            &format!("closed_at: \"{}\" -> none", closed.format("%Y-%m-%dT%H:%M:%SZ")),
            now.naive_utc(),
        )?;
        Ok(Corrected::Changed)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_each_differing_field_with_before_and_after() {
        let mut c = Changes::default();
        c.field("name", "Pat Le", "Pat Lee");
        c.flag("cold_sores", false, false);
        c.flag("antiviral", false, true);
        assert_eq!(
            c.detail(),
            "name: \"Pat Le\" -> \"Pat Lee\"; antiviral: \"no\" -> \"yes\""
        );
    }
}
