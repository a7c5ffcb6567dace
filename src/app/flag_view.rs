//! A staff member opening a flag's page: it shows the patient's name and
//! symptoms, so like the patient page the view is audited, in the same
//! transaction as the reads.

use crate::db::{accounts, audit, flags, patients, Db};
use crate::domain::{AuditAction, ClinicId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What the flag page shows.
pub struct FlagRecord {
    pub flag: flags::Flag,
    pub events: Vec<flags::FlagEvent>,
    pub patient: patients::Patient,
    pub treatment: patients::Treatment,
    /// Staff id → name, for "acknowledged by".
    pub staff_names: HashMap<i64, String>,
}

/// Loads flag `reference` of `clinic` (another clinic's answers `NotFound`,
/// and is not audited) and records that `actor` viewed it.
pub async fn view(
    db: &Db,
    clinic: ClinicId,
    reference: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<FlagRecord> {
    db.write_async(move |conn| {
        let flag = flags::by_reference(conn, clinic, &reference)?.ok_or(Error::NotFound)?;
        let patient = patients::in_clinic(conn, clinic, flag.patient_id)?.ok_or(Error::NotFound)?;
        let treatment = patients::treatment_of(conn, patient.id, flag.treatment_id)?.ok_or(Error::NotFound)?;
        let events = flags::events(conn, flag.id)?;
        let staff_names = accounts::staff_names(conn, clinic)?;
        audit::record(
            conn,
            Some(clinic),
            &actor,
            AuditAction::FlagView,
            Some(&format!("patient:{}", patient.id)),
            &format!("reference={}", flag.reference),
            now.naive_utc(),
        )?;
        Ok(FlagRecord {
            flag,
            events,
            patient,
            treatment,
            staff_names,
        })
    })
    .await
}
