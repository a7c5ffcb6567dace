//! HTTP: routes by audience, extractors, one error mapping, middleware.

pub mod account;
pub mod auth;
pub mod charts;
pub mod checkin;
pub mod clinic;
pub mod clinic_charts;
pub mod clinic_export;
pub mod clinic_patients;
pub mod clinic_settings;
pub mod error;
pub mod patient;
pub mod security;
pub mod session;
pub mod staff;
pub mod system;

use crate::auth::throttle::Throttle;
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
    /// Sign-in, reset and invite limits; one per process, shared by its workers.
    pub throttle: Throttle,
}

/// Who a route is for. The handler's extractor enforces it (`PatientUser`,
/// `StaffUser`, `AdminUser`, `SignedIn`); this column is what
/// `tests/api/access.rs` checks that enforcement against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    Patient,
    Staff,
    Admin,
}

/// One registered route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// The ONE list of routes: [`ALL_ROUTES`] and the actix registration are
/// both generated from it, so a route cannot be served without being listed
/// (and walked by the access test). Add new routes here and nowhere else.
macro_rules! route_table {
    ($( $method:ident $path:literal => $handler:path, $access:ident; )*) => {
        /// Every route: (method, path pattern, who may use it).
        pub const ALL_ROUTES: &[Route] = &[
            $( Route { method: route_table!(@m $method), path: $path, access: Access::$access }, )*
        ];

        pub fn routes(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::$method().to($handler)); )*
        }
    };
    (@m get) => { "GET" };
    (@m post) => { "POST" };
}

route_table! {
    get  "/healthz"                     => system::healthz, Public;
    get  "/readyz"                      => system::readyz, Public;
    get  "/static/app.css"              => system::stylesheet, Public;
    get  "/login"                       => auth::login_page, Public;
    post "/login"                       => auth::login, Public;
    post "/logout"                      => auth::logout, Public;
    get  "/setup"                       => auth::setup_page, Public;
    post "/setup"                       => auth::setup, Public;
    get  "/invite"                      => account::invite_page, Public;
    post "/invite"                      => account::accept_invite, Public;
    get  "/forgot"                      => account::forgot_page, Public;
    post "/forgot"                      => account::forgot, Public;
    get  "/reset"                       => account::reset_page, Public;
    post "/reset"                       => account::reset, Public;
    // The front door: a patient's home, or a redirect for everyone else.
    get  "/"                            => auth::home, Public;
    get  "/checkin"                     => checkin::checkin_page, Patient;
    post "/checkin"                     => checkin::checkin_submit, Patient;
    get  "/checkin/result"              => checkin::result_page, Patient;
    get  "/history"                     => checkin::history_page, Patient;
    post "/reminders"                   => patient::set_reminders, Patient;
    get  "/account/password"            => account::password_page, SignedIn;
    post "/account/password"            => account::change_password, SignedIn;
    post "/account/sign-out-everywhere" => account::sign_out_everywhere, SignedIn;
    get  "/clinic"                      => clinic::queue, Staff;
    get  "/clinic/flags/{reference}"    => clinic::flag, Staff;
    post "/clinic/flags/{reference}/acknowledge" => clinic::acknowledge, Staff;
    post "/clinic/flags/{reference}/resolve"     => clinic::resolve, Staff;
    get  "/clinic/patients"             => clinic_patients::list, Staff;
    get  "/clinic/patients/new"         => clinic_patients::new_page, Staff;
    post "/clinic/patients/new"         => clinic_patients::create, Staff;
    get  "/clinic/patients/{id}"        => clinic_patients::show, Staff;
    get  "/clinic/patients/{id}/treatments/new" => clinic_patients::treatment_page, Staff;
    post "/clinic/patients/{id}/treatments"     => clinic_patients::add_treatment, Staff;
    post "/clinic/patients/{id}/close"  => clinic_patients::close_follow_up, Staff;
    get  "/clinic/settings"             => clinic_settings::settings_page, Admin;
    post "/clinic/settings"             => clinic_settings::save_settings, Admin;
    get  "/clinic/settings/rules"       => clinic_settings::rules_page, Admin;
    post "/clinic/settings/rules"       => clinic_settings::save_rules, Admin;
    get  "/clinic/outbox"               => clinic_settings::outbox_page, Admin;
    post "/clinic/outbox/{id}/retry"    => clinic_settings::retry, Admin;
    get  "/clinic/export"               => clinic_export::export, Admin;
    get  "/clinic/staff"                => staff::staff_page, Admin;
    post "/clinic/staff/invite"         => staff::invite, Admin;
    post "/clinic/staff/{id}/disable"   => staff::disable, Admin;
    post "/clinic/staff/{id}/enable"    => staff::enable, Admin;
    get  "/clinic/audit"                => staff::audit_page, Admin;
}

/// Routes anyone may reach without signing in (derived from the table).
pub fn public_routes() -> impl Iterator<Item = &'static Route> {
    ALL_ROUTES.iter().filter(|r| r.access == Access::Public)
}
