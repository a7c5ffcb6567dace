//! FHIR export of one patient's record: read and audited like opening the
//! record (`patient.view`, detail `fhir`), mapped by the pure `fhir` module.

use crate::app::patients;
use crate::db::{audit, Db};
use crate::domain::{ClinicId, PatientId};
use crate::error::Result;
use crate::fhir::{self, Base};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A clinician exports a patient's record as a FHIR `collection` Bundle.
pub async fn patient_bundle(
    db: &Db,
    public_url: &str,
    clinic: ClinicId,
    id: PatientId,
    now: DateTime<Utc>,
    actor: audit::Actor,
) -> Result<Value> {
    let record = patients::view(db, clinic, id, now, actor, "fhir").await?;
    let parts = fhir::Record {
        patient: &record.patient,
        treatments: &record.treatments,
        flags: &record.flags,
    };
    Ok(fhir::patient_bundle(
        &parts,
        &Base::new(public_url, clinic),
        now.naive_utc(),
    ))
}
