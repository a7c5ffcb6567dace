//! HTTP: routes by audience, extractors, one error mapping, middleware.

pub mod auth;
pub mod charts;
pub mod checkin;
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
    ("GET", "/checkin"),
    ("POST", "/checkin"),
    ("GET", "/checkin/result"),
    ("GET", "/history"),
    ("POST", "/reminders"),
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
        .route("/clinic", web::get().to(auth::clinic_home))
        .route("/checkin", web::get().to(checkin::checkin_page))
        .route("/checkin", web::post().to(checkin::checkin_submit))
        .route("/checkin/result", web::get().to(checkin::result_page))
        .route("/history", web::get().to(checkin::history_page))
        .route("/reminders", web::post().to(patient::set_reminders));
}
