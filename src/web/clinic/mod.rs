//! Pages for clinic staff: the queue and flags, patients, settings and rules,
//! the outbox, exports, staff and the audit log.

pub mod audit;
pub mod corrections;
pub mod export;
pub mod fhir;
pub mod patients;
pub mod photos;
pub mod queue;
pub mod settings;
pub mod staff;
