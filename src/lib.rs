//! Aftercare: daily recovery check-ins after laser skin resurfacing, triage
//! flags for what is concerning on that day of recovery, and clinic alerts.

pub mod alerts;
pub mod config;
pub mod db;
pub mod domain;
pub mod triage;
