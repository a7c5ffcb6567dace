//! HTTP: routes by audience, extractors, one error mapping, middleware.

pub mod auth;
pub mod clinic;
pub mod clinic_charts;
pub mod clinic_export;
pub mod clinic_patients;
pub mod clinic_settings;
pub mod error;
pub mod patient;
pub mod security;
pub mod session;
pub mod system;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::Db;
use actix_web::web;
use std::sync::Arc;

pub use patient::patient_home;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub clock: SharedClock,
}

/// Routes anyone may reach without signing in. Every other route refuses an
/// anonymous request; `tests/access.rs` walks them all to prove it.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/static/app.css"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/"),
];

/// Every route, for the access test: (method, path pattern).
pub const ALL_ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/static/app.css"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/"),
    ("GET", "/clinic"),
    ("GET", "/clinic/flags/{reference}"),
    ("POST", "/clinic/flags/{reference}/acknowledge"),
    ("POST", "/clinic/flags/{reference}/resolve"),
    ("GET", "/clinic/patients"),
    ("GET", "/clinic/patients/new"),
    ("POST", "/clinic/patients/new"),
    ("GET", "/clinic/patients/{id}"),
    ("GET", "/clinic/patients/{id}/treatments/new"),
    ("POST", "/clinic/patients/{id}/treatments"),
    ("POST", "/clinic/patients/{id}/close"),
    ("GET", "/clinic/settings"),
    ("POST", "/clinic/settings"),
    ("GET", "/clinic/settings/rules"),
    ("POST", "/clinic/settings/rules"),
    ("GET", "/clinic/outbox"),
    ("POST", "/clinic/outbox/{id}/retry"),
    ("GET", "/clinic/export"),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(system::healthz))
        .route("/readyz", web::get().to(system::readyz))
        .route("/static/app.css", web::get().to(system::stylesheet))
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/setup", web::get().to(auth::setup_page))
        .route("/setup", web::post().to(auth::setup))
        .route("/", web::get().to(auth::home))
        .route("/clinic", web::get().to(clinic::queue))
        .route("/clinic/flags/{reference}", web::get().to(clinic::flag))
        .route(
            "/clinic/flags/{reference}/acknowledge",
            web::post().to(clinic::acknowledge),
        )
        .route("/clinic/flags/{reference}/resolve", web::post().to(clinic::resolve))
        .route("/clinic/patients", web::get().to(clinic_patients::list))
        .route("/clinic/patients/new", web::get().to(clinic_patients::new_page))
        .route("/clinic/patients/new", web::post().to(clinic_patients::create))
        .route("/clinic/patients/{id}", web::get().to(clinic_patients::show))
        .route(
            "/clinic/patients/{id}/treatments/new",
            web::get().to(clinic_patients::treatment_page),
        )
        .route(
            "/clinic/patients/{id}/treatments",
            web::post().to(clinic_patients::add_treatment),
        )
        .route(
            "/clinic/patients/{id}/close",
            web::post().to(clinic_patients::close_follow_up),
        )
        .route("/clinic/settings", web::get().to(clinic_settings::settings_page))
        .route("/clinic/settings", web::post().to(clinic_settings::save_settings))
        .route("/clinic/settings/rules", web::get().to(clinic_settings::rules_page))
        .route("/clinic/settings/rules", web::post().to(clinic_settings::save_rules))
        .route("/clinic/outbox", web::get().to(clinic_settings::outbox_page))
        .route("/clinic/outbox/{id}/retry", web::post().to(clinic_settings::retry))
        .route("/clinic/export", web::get().to(clinic_export::export));
}
