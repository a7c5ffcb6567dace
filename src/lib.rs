//! Aftercare: daily recovery check-ins after laser skin resurfacing, triage
//! flags for what is concerning on that day of recovery, and clinic alerts.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
mod db_edge;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fhir;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod memory;
pub mod simulate;
pub mod startup;
pub mod telemetry;
pub mod triage;
pub mod web;
