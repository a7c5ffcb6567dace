//! The use cases: one function for each thing a person or the scheduler
//! does. Each takes a connection, the clock's `now` and the actor, runs in
//! one transaction and writes its own audit row. Handlers in `web/` parse the
//! request, call one of these and render; `jobs/` calls them on a schedule.

pub mod accounts;
pub mod api_tokens;
pub mod checkin;
pub mod clinic;
pub mod corrections;
pub mod fhir;
pub mod flag_view;
pub mod flags;
pub mod followup;
pub mod links;
pub mod notify;
pub mod onboarding;
pub mod outbox;
pub mod patients;
pub mod photos;
pub mod preview;
pub mod reminders;
pub mod report;
pub mod sessions;
pub mod staff;
pub mod totp;
