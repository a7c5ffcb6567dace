//! Background work inside `serve`: clinical scheduling (escalations, the
//! morning review digest and missed check-ins, each calling the use cases)
//! and FHIR Bulk Data exports.

pub mod export;
pub mod scheduler;
