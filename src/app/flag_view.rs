//! A staff member opening a flag's page: it shows the patient's name and
//! symptoms, so like the patient page the view is audited: read first, then
//! the audit row alone (see `app::patients::view`), and the page is drawn
//! only once that row committed.

use crate::app::patients::audit_view;
use crate::db::{accounts, audit, flags, patients, Db, DbConn};
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
/// and is not audited) with whatever else the page shows of it (`also`, in
/// the same snapshot), and records that `actor` viewed it.
pub async fn view<T: Send + 'static>(
    db: &Db,
    clinic: ClinicId,
    reference: String,
    now: DateTime<Utc>,
    actor: audit::Actor,
    also: impl FnOnce(&mut DbConn, &FlagRecord) -> Result<T> + Send + 'static,
) -> Result<(FlagRecord, T)> {
    db.run(move |db| {
        let (record, more) = db.read(|conn| {
            let flag = flags::by_reference(conn, clinic, &reference)?.ok_or(Error::NotFound)?;
            let patient = patients::in_clinic(conn, clinic, flag.patient_id)?.ok_or(Error::NotFound)?;
            let treatment = patients::treatment_of(conn, patient.id, flag.treatment_id)?.ok_or(Error::NotFound)?;
            let events = flags::events(conn, flag.id)?;
            let staff_names = accounts::staff_names(conn, clinic)?;
            let record = FlagRecord {
                flag,
                events,
                patient,
                treatment,
                staff_names,
            };
            let more = also(conn, &record)?;
            Ok::<_, Error>((record, more))
        })?;
        let target = format!("patient:{}", record.patient.id);
        let detail = format!("reference={}", record.flag.reference);
        audit_view(db, clinic, &actor, AuditAction::FlagView, &target, &detail, now)?;
        Ok((record, more))
    })
    .await
}
