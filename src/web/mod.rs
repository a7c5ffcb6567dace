//! HTTP: routes by audience, extractors, one error mapping, middleware.

pub mod account;
pub mod account_sessions;
pub mod auth;
// The catalogues as data for the completeness checks: it walks the words
// of every layer, so it sits at the top, above all it reads.
#[doc(hidden)]
pub mod catalogue;
#[cfg(test)]
mod catalogue_tests;
pub mod clinic;
pub mod error;
pub mod patient;
pub mod security;
pub mod session;
pub mod system;
pub mod totp;
pub mod view;

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
    /// FHIR Bulk Data only: one of the clinic's API tokens, or an admin's
    /// session (`ApiClient`).
    ApiClient,
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
    (@m delete) => { "DELETE" };
}

route_table! {
    get  "/healthz"                     => system::healthz, Public;
    get  "/readyz"                      => system::readyz, Public;
    get  "/static/app.css"              => system::stylesheet, Public;
    get  "/static/icon.svg"             => system::icon, Public;
    get  "/login"                       => auth::login_page, Public;
    post "/login"                       => auth::login, Public;
    get  "/login/totp"                  => totp::code_page, Public;
    post "/login/totp"                  => totp::submit_code, Public;
    get  "/login/totp/enrol"            => totp::enrol_page, Public;
    post "/login/totp/enrol"            => totp::enrol, Public;
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
    get  "/checkin"                     => patient::checkin::checkin_page, Patient;
    post "/checkin"                     => patient::checkin::checkin_submit, Patient;
    get  "/checkin/result"              => patient::checkin::result_page, Patient;
    get  "/history"                     => patient::checkin::history_page, Patient;
    post "/reminders"                   => patient::home::set_reminders, Patient;
    // A reminder email's one-click unsubscribe (RFC 8058): the token is the key.
    get  "/reminders/unsubscribe/{token}" => patient::unsubscribe::confirm_page, Public;
    post "/reminders/unsubscribe/{token}" => patient::unsubscribe::stop, Public;
    post "/language"                    => patient::home::set_language, Patient;
    post "/checkin/photos"              => patient::photos::upload, Patient;
    get  "/photos/{id}"                 => patient::photos::full, Patient;
    get  "/photos/{id}/thumb"           => patient::photos::thumbnail, Patient;
    post "/photos/{id}/remove"          => patient::photos::remove, Patient;
    get  "/account/password"            => account::password_page, SignedIn;
    post "/account/password"            => account::change_password, SignedIn;
    post "/account/sign-out-everywhere" => account::sign_out_everywhere, SignedIn;
    post "/account/sessions/sign-out"   => account_sessions::sign_out_session, SignedIn;
    get  "/account/totp"                => totp::account_page, Staff;
    post "/account/totp"                => totp::account_enrol, Staff;
    get  "/clinic"                      => clinic::queue::queue, Staff;
    get  "/clinic/flags/{reference}"    => clinic::queue::flag, Staff;
    post "/clinic/flags/{reference}/acknowledge" => clinic::queue::acknowledge, Staff;
    post "/clinic/flags/{reference}/resolve"     => clinic::queue::resolve, Staff;
    post "/clinic/patients/{id}/acknowledge-all" => clinic::queue::acknowledge_all, Staff;
    get  "/clinic/patients/{id}/resolve-all"     => clinic::queue::resolve_all_page, Staff;
    post "/clinic/patients/{id}/resolve-all"     => clinic::queue::resolve_all, Staff;
    get  "/clinic/patients"             => clinic::patients::list, Staff;
    get  "/clinic/patients/new"         => clinic::patients::new_page, Staff;
    post "/clinic/patients/new"         => clinic::patients::create, Staff;
    get  "/clinic/patients/{id}"        => clinic::patients::show, Staff;
    get  "/clinic/patients/{id}/fhir"   => clinic::fhir::patient_bundle, Staff;
    get  "/clinic/patients/{id}/treatments/new" => clinic::patients::treatment_page, Staff;
    post "/clinic/patients/{id}/treatments"     => clinic::patients::add_treatment, Staff;
    get  "/clinic/patients/{id}/close"  => clinic::corrections::close_page, Staff;
    post "/clinic/patients/{id}/close"  => clinic::patients::close_follow_up, Staff;
    post "/clinic/patients/{id}/reopen" => clinic::corrections::reopen, Admin;
    get  "/clinic/patients/{id}/edit"   => clinic::corrections::patient_form, Admin;
    post "/clinic/patients/{id}/edit"   => clinic::corrections::save_patient, Admin;
    get  "/clinic/patients/{id}/treatments/{treatment}/edit"  => clinic::corrections::treatment_form, Admin;
    post "/clinic/patients/{id}/treatments/{treatment}/edit"  => clinic::corrections::save_treatment, Admin;
    post "/clinic/patients/{id}/resend-invite" => clinic::patients::resend_invite, Staff;
    post "/clinic/patients/{id}/ask-photo" => clinic::photos::ask, Staff;
    get  "/clinic/patients/{id}/photos/compare" => clinic::photos::compare, Staff;
    get  "/clinic/photos/{id}"          => clinic::photos::full, Staff;
    get  "/clinic/photos/{id}/thumb"    => clinic::photos::thumbnail, Staff;
    get  "/clinic/settings"             => clinic::settings::settings_page, Admin;
    post "/clinic/settings"             => clinic::settings::save_settings, Admin;
    post "/clinic/settings/test-email"  => clinic::settings::send_test_email, Admin;
    get  "/clinic/settings/rules"       => clinic::settings::rules_page, Admin;
    post "/clinic/settings/rules"       => clinic::settings::save_rules, Admin;
    // Replays the posted draft on the last 90 days; writes nothing.
    post "/clinic/settings/rules/preview" => clinic::settings::preview, Admin;
    get  "/clinic/outbox"               => clinic::settings::outbox_page, Admin;
    post "/clinic/outbox/{id}/retry"    => clinic::settings::retry, Admin;
    get  "/clinic/export"               => clinic::export::export, Admin;
    // The quality report: any staff member reads it; its CSV is an export.
    get  "/clinic/report"               => clinic::report::report_page, Staff;
    get  "/clinic/report.csv"           => clinic::report::report_csv, Admin;
    get  "/clinic/staff"                => clinic::staff::staff_page, Admin;
    post "/clinic/staff/invite"         => clinic::staff::invite, Admin;
    post "/clinic/staff/{id}/disable"   => clinic::staff::disable, Admin;
    post "/clinic/staff/{id}/enable"    => clinic::staff::enable, Admin;
    post "/clinic/staff/{id}/role"      => clinic::staff::role, Admin;
    post "/clinic/staff/{id}/reset-totp" => totp::reset, Admin;
    post "/clinic/staff/require-totp"   => totp::set_required, Admin;
    get  "/clinic/api-tokens"           => clinic::api_tokens::page, Admin;
    post "/clinic/api-tokens"           => clinic::api_tokens::create, Admin;
    post "/clinic/api-tokens/{id}/revoke" => clinic::api_tokens::revoke, Admin;
    get  "/clinic/audit"                => clinic::audit::audit_page, Admin;
    get  "/clinic/audit.csv"            => clinic::audit::audit_csv, Admin;
    // FHIR: the check-in Questionnaires at their canonical URLs and what the
    // server supports. Neither holds any patient's data.
    get  "/fhir/metadata"               => clinic::fhir::metadata, Public;
    get  "/fhir/Questionnaire/{kind}"   => clinic::fhir::questionnaire, Public;
    // FHIR Bulk Data export of the caller's whole clinic (async pattern).
    get  "/fhir/$export"                => clinic::fhir::export_kick_off, ApiClient;
    get  "/fhir/$export-status/{id}"    => clinic::fhir::export_status, ApiClient;
    delete "/fhir/$export-status/{id}"  => clinic::fhir::export_cancel, ApiClient;
    get  "/fhir/$export-file/{job}/{file}" => clinic::fhir::export_file, ApiClient;
}

/// Routes anyone may reach without signing in (derived from the table).
pub fn public_routes() -> impl Iterator<Item = &'static Route> {
    ALL_ROUTES.iter().filter(|r| r.access == Access::Public)
}
