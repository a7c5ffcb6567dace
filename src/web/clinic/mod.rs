//! Pages for clinic staff: the queue and flags, patients, settings and rules,
//! the outbox, exports, staff and the audit log.

pub mod api_tokens;
pub mod audit;
pub mod corrections;
pub mod export;
pub mod fhir;
pub mod getting_started;
pub mod patients;
pub mod photos;
pub mod preview;
pub mod queue;
pub mod report;
pub mod settings;
pub mod staff;
