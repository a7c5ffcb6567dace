//! The use cases: one function for each thing a person or the scheduler
//! does. Each takes a connection, the clock's `now` and the actor, runs in
//! one transaction and writes its own audit row. Handlers in `web/` parse the
//! request, call one of these and render; `jobs/` calls them on a schedule.

pub mod checkin;
pub mod flag_view;
pub mod notify;
pub mod onboarding;
pub mod review;
pub mod sessions;
pub mod totp;
