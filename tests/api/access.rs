//! Issue 3: access control, proven over every registered route.
//!
//! `aftercare::web::ALL_ROUTES` is generated from the same table that
//! registers the routes with actix, so every served route is walked here.
//! When you add a route: give it the right `Access` in the table, and if it
//! shows one patient's or one clinic's data, add its path to
//! [`foreign_paths`] so the cross-tenant test covers it.

use crate::support::app::*;
use aftercare::domain::*;
use aftercare::web::{Access, ALL_ROUTES};
use reqwest::header::HeaderMap;

/// The routes anyone may use without signing in. Changing this list is a
/// security decision: review it.
const EXPECTED_PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/static/app.css"),
    ("GET", "/static/icon.svg"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    // The second sign-in step: only with the cookie a right password sets.
    ("GET", "/login/totp"),
    ("POST", "/login/totp"),
    ("GET", "/login/totp/enrol"),
    ("POST", "/login/totp/enrol"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/invite"),
    ("POST", "/invite"),
    ("GET", "/forgot"),
    ("POST", "/forgot"),
    ("GET", "/reset"),
    ("POST", "/reset"),
    ("GET", "/"),
    // A reminder's one-click unsubscribe: the single-use token is the key.
    ("GET", "/reminders/unsubscribe/{token}"),
    ("POST", "/reminders/unsubscribe/{token}"),
    // FHIR: the check-in Questionnaires and the CapabilityStatement hold no
    // patient's data.
    ("GET", "/fhir/metadata"),
    ("GET", "/fhir/Questionnaire/{kind}"),
];

/// Two clinics, each with an admin, a clinician and a patient with a treatment.
pub struct Fixtures {
    pub x: ClinicId,
    pub y: ClinicId,
    pub x_admin: StaffId,
    pub x_clinician: StaffId,
    pub y_admin: StaffId,
    pub y_clinician: StaffId,
    pub patient_a: PatientId,
    pub patient_b: PatientId,
    pub treatment_a: TreatmentId,
    pub treatment_b: TreatmentId,
}

pub const X_ADMIN: &str = "admin@x.example";
pub const X_CLINICIAN: &str = "clinician@x.example";
pub const Y_ADMIN: &str = "admin@y.example";
pub const Y_CLINICIAN: &str = "clinician@y.example";
pub const PATIENT_A: &str = "alice@patients.example";
pub const PATIENT_B: &str = "bob@patients.example";

pub fn fixtures(app: &TestApp) -> Fixtures {
    let x = app.create_clinic("Clinic X", "Europe/London");
    let y = app.create_clinic("Clinic Y", "America/New_York");
    let patient_a = app.create_patient(x, PATIENT_A, "Alice Able");
    let patient_b = app.create_patient(y, PATIENT_B, "Bob Baker");
    Fixtures {
        x,
        y,
        x_admin: app.create_staff(x, X_ADMIN, Role::Admin),
        x_clinician: app.create_staff(x, X_CLINICIAN, Role::Clinician),
        y_admin: app.create_staff(y, Y_ADMIN, Role::Admin),
        y_clinician: app.create_staff(y, Y_CLINICIAN, Role::Clinician),
        patient_a,
        patient_b,
        treatment_a: app.create_treatment(
            patient_a,
            ProcedureClass::AblativeFullCo2,
            date("2026-02-27"),
            "perioral",
        ),
        treatment_b: app.create_treatment(
            patient_b,
            ProcedureClass::AblativeFullCo2,
            date("2026-02-27"),
            "perioral",
        ),
    }
}

/// A route pattern with its parameters filled in (any id will do for
/// checks that must refuse before looking anything up).
fn fill(pattern: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e + 1).unwrap_or(rest.len());
        out.push_str(id);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A fresh browser signed in as `email`; returns its client and CSRF token.
pub async fn browser_as(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = new_client();
    assert_eq!(
        sign_in_on(app, &client, email, PASSWORD).await,
        303,
        "sign-in of {email}"
    );
    let csrf = csrf_on(app, &client, "/account/password").await;
    (client, csrf)
}

async fn request(client: &reqwest::Client, app: &TestApp, method: &str, path: &str, csrf: &str) -> reqwest::Response {
    let url = app.url(path);
    match method {
        "GET" => client.get(url).send().await.unwrap(),
        "POST" => client.post(url).form(&[("csrf", csrf)]).send().await.unwrap(),
        "DELETE" => client.delete(url).send().await.unwrap(),
        other => panic!("the route table has a method the test does not know: {other}"),
    }
}

fn assert_security_headers(h: &HeaderMap, what: &str) {
    assert_eq!(h["content-security-policy"], aftercare::web::security::CSP, "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert!(h.get("cache-control").is_some(), "{what}");
}

#[test]
fn the_public_list_is_explicit_and_every_route_is_unique() {
    let public: Vec<(&str, &str)> = ALL_ROUTES
        .iter()
        .filter(|r| r.access == Access::Public)
        .map(|r| (r.method, r.path))
        .collect();
    let mut expected = EXPECTED_PUBLIC.to_vec();
    let mut got = public.clone();
    expected.sort();
    got.sort();
    assert_eq!(
        got, expected,
        "a route became public (or stopped being): review and update EXPECTED_PUBLIC"
    );
    let mut all: Vec<(&str, &str)> = ALL_ROUTES.iter().map(|r| (r.method, r.path)).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "a route is listed twice");
}

#[tokio::test]
async fn every_non_public_route_refuses_an_anonymous_request() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let client = new_client();
    // A valid anonymous CSRF token, so a refusal is about access, not CSRF.
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    for route in ALL_ROUTES {
        let path = fill(route.path, "1");
        let what = format!("{} {}", route.method, path);
        let r = request(&client, &app, route.method, &path, &csrf).await;
        let status = r.status().as_u16();
        assert_security_headers(r.headers(), &what);
        if route.access == Access::Public {
            assert!(status < 500, "{what} -> {status}");
            continue;
        }
        match status {
            // To sign in; a page (GET) comes back after it (`next=`).
            303 => {
                let to = r.headers()["location"].to_str().unwrap().to_string();
                let expected = if route.method == "GET" && path != "/clinic" {
                    format!(
                        "/login?next={}",
                        url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
                    )
                } else {
                    "/login".to_string()
                };
                assert_eq!(to, expected, "{what}");
            }
            401 | 403 | 404 => {}
            other => panic!("{what} answered {other} to an anonymous request"),
        }
    }
}

/// Routes that name one record (in the path, or a required query such as
/// `/checkin/result?checkin=ID`): without a real id they answer 404.
fn names_a_record(path: &str) -> bool {
    path.contains('{') || path == "/checkin/result"
}

/// Which roles may use a route.
fn allowed(access: Access, role: &str) -> bool {
    match access {
        Access::Public | Access::SignedIn => true,
        Access::Patient => role == "patient",
        Access::Staff => role == "clinician" || role == "admin",
        Access::Admin | Access::ApiClient => role == "admin",
    }
}

#[tokio::test]
async fn each_role_reaches_its_pages_and_no_other() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    for (role, email) in [("patient", PATIENT_A), ("clinician", X_CLINICIAN), ("admin", X_ADMIN)] {
        let (client, csrf) = browser_as(&app, email).await;
        for route in ALL_ROUTES {
            // Allowed POSTs (sign out, change password, invite, ...) change
            // state or end this session; each has its own test.
            if route.method != "GET" && allowed(route.access, role) {
                continue;
            }
            let path = fill(route.path, "1");
            let what = format!("{role}: {} {path}", route.method);
            let r = request(&client, &app, route.method, &path, &csrf).await;
            let status = r.status().as_u16();
            assert_security_headers(r.headers(), &what);
            if allowed(route.access, role) {
                if route.access == Access::Public {
                    assert!(status < 500, "{what} -> {status}");
                } else if route.access == Access::ApiClient && !names_a_record(route.path) {
                    // The Bulk Data kick-off without `Prefer: respond-async`.
                    assert_eq!(status, 400, "{what}");
                } else if !names_a_record(route.path) {
                    assert_eq!(status, 200, "{what}");
                    assert_eq!(r.headers()["cache-control"], "no-store", "{what}");
                }
            } else {
                assert!(
                    matches!(status, 403 | 404),
                    "{what} answered {status}: the wrong role must be refused"
                );
            }
        }
        // Still signed in after the walk: refusals changed nothing.
        let r = client.get(app.url("/account/password")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{role}");
    }
}

/// Paths that belong to patient B or to clinic Y, with who asks for them
/// (patient A or staff of clinic X): each must answer 404 and reveal nothing.
/// Add the routes of new features here (e.g. a treatment's check-ins, a flag).
fn foreign_paths(fx: &Fixtures) -> Vec<(&'static str, &'static str, String)> {
    vec![
        // (who asks, method, path)
        ("x_admin", "POST", format!("/clinic/staff/{}/disable", fx.y_admin)),
        ("x_admin", "POST", format!("/clinic/staff/{}/disable", fx.y_clinician)),
        ("x_admin", "POST", format!("/clinic/staff/{}/enable", fx.y_clinician)),
        (
            "x_clinician",
            "POST",
            format!("/clinic/patients/{}/ask-photo", fx.patient_b),
        ),
        (
            "x_clinician",
            "GET",
            format!("/clinic/patients/{}/photos/compare", fx.patient_b),
        ),
        ("x_clinician", "GET", format!("/clinic/patients/{}/fhir", fx.patient_b)),
        (
            "x_clinician",
            "GET",
            format!("/clinic/patients/{}/resolve-all", fx.patient_b),
        ),
        (
            "x_clinician",
            "POST",
            format!("/clinic/patients/{}/resolve-all", fx.patient_b),
        ),
        (
            "x_clinician",
            "POST",
            format!("/clinic/patients/{}/acknowledge-all", fx.patient_b),
        ),
    ]
}

#[tokio::test]
async fn nobody_reaches_another_patients_or_another_clinics_data() {
    let app = spawn_app().await;
    let fx = fixtures(&app);
    let _ = (
        fx.treatment_a,
        fx.treatment_b,
        fx.patient_a,
        fx.patient_b,
        fx.x_clinician,
        fx.x_admin,
    );
    for (who, method, path) in foreign_paths(&fx) {
        let email = match who {
            "x_admin" => X_ADMIN,
            "x_clinician" => X_CLINICIAN,
            "patient_a" => PATIENT_A,
            other => panic!("unknown asker {other}"),
        };
        let (client, csrf) = browser_as(&app, email).await;
        let r = request(&client, &app, method, &path, &csrf).await;
        assert_eq!(r.status(), 404, "{who}: {method} {path}");
    }
    // Nothing changed in clinic Y.
    let y_staff = app.db.read(|c| aftercare::db::accounts::clinic_staff(c, fx.y)).unwrap();
    assert!(y_staff.iter().all(|s| !s.disabled));

    // Patient A's home shows A's treatment and nothing of B.
    let (client, _) = browser_as(&app, PATIENT_A).await;
    let html = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Alice Able") && !html.contains("Bob Baker"), "{html}");

    // Clinic X's staff list and audit log show nothing of clinic Y.
    let (client, _) = browser_as(&app, X_ADMIN).await;
    for page in ["/clinic/staff", "/clinic/audit", "/clinic"] {
        let html = client.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        for foreign in [Y_ADMIN, Y_CLINICIAN, "Clinic Y", PATIENT_B, "Bob Baker"] {
            assert!(!html.contains(foreign), "{page} shows {foreign}");
        }
        assert!(!html.contains(&format!("staff:{}", fx.y_admin)), "{page}");
    }
}
