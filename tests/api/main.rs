//! The integration suite: the real app over HTTP, on SQLite by default and
//! on PostgreSQL when `TEST_DATABASE_URL` is set (CI runs both).

mod support;

mod access;
mod accounts;
mod alerts;
mod audit_actions;
mod backup;
mod checkin;
mod cli;
mod corrections;
mod dashboard;
mod fhir;
mod fhir_export;
mod first_week;
mod foundation;
mod i18n;
mod lists;
mod migrations;
mod outcomes;
mod phone;
mod photos;
mod quality;
mod query_plans;
mod queue;
mod rules_revision;
mod security;
mod smtp_transport;
mod totp;
mod triage;
mod unsubscribe;
