//! Two-step sign-in for staff (issue 15 item 2), on both databases.

use crate::support::app::*;
use aftercare::domain::Role;
use chrono::Duration;

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const CLINICIAN: &str = "cara@bright.example";
const ADMIN: &str = "ade@bright.example";

async fn app_with_key() -> (TestApp, aftercare::domain::StaffId) {
    let app = spawn_app_with(&[("TOTP_KEY", KEY)]).await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let clinician = app.create_staff(clinic, CLINICIAN, Role::Clinician);
    app.create_staff(clinic, ADMIN, Role::Admin);
    (app, clinician)
}

async fn html_on(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String, Option<String>) {
    let r = client.get(app.url(path)).send().await.expect("GET");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap_or("").to_string());
    (status, r.text().await.expect("body"), location)
}

/// Submits `fields` (plus the page's hidden fields) from `client`; (status, location, body).
async fn submit_on(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let (_, html, _) = html_on(app, client, page).await;
    let mut all = hidden_fields(&html);
    for (k, v) in fields {
        all.push((k.to_string(), v.to_string()));
    }
    let r = client.post(app.url(action)).form(&all).send().await.expect("POST");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap_or("").to_string());
    (status, location, r.text().await.expect("body"))
}

/// Signs in with the password from a fresh browser; (browser, where it was sent).
async fn password_step(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = new_client();
    let csrf = csrf_on(app, &client, "/login").await;
    let r = client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    (client, to)
}

fn secret_of(html: &str) -> Vec<u8> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("code.secret").unwrap();
    let text: String = doc.select(&sel).next().expect("the secret as text").text().collect();
    totp_rs::Secret::try_from_base32(text.trim())
        .expect("base32")
        .as_bytes()
        .to_vec()
}

fn recovery_codes_of(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("ul.recovery-codes code").unwrap();
    doc.select(&sel).map(|e| e.text().collect()).collect()
}

fn code(secret: &[u8], app: &TestApp, ago_secs: i64) -> String {
    aftercare::auth::totp::code_at(secret, app.clock_now() - Duration::seconds(ago_secs))
}

#[tokio::test]
async fn enrolment_sign_in_no_replay_no_stale_code_and_single_use_recovery_codes() {
    let (app, _) = app_with_key().await;
    // Without a second factor the password is enough.
    let (client, to) = password_step(&app, CLINICIAN).await;
    assert_eq!(to, "/clinic");

    // Enrolment from "Your account": QR code as SVG and the key as text.
    let (status, html, _) = html_on(&app, &client, "/account/totp").await;
    assert_eq!(status, 200);
    assert!(html.contains("<svg"), "a server-drawn QR code");
    let secret = secret_of(&html);
    let (status, _, _) = submit_on(&app, &client, "/account/totp", "/account/totp", &[("code", "000000")]).await;
    assert_eq!(status, 422, "a wrong first code does not enrol");
    let (status, _, body) = submit_on(
        &app,
        &client,
        "/account/totp",
        "/account/totp",
        &[("code", &code(&secret, &app, 0))],
    )
    .await;
    assert_eq!(status, 200);
    let recovery = recovery_codes_of(&body);
    assert_eq!(recovery.len(), 10);
    assert_eq!(app.audit("totp.enrolled").len(), 1);
    // Stored encrypted, and recovery codes only as hashes.
    let email = aftercare::domain::EmailAddress::parse(CLINICIAN).unwrap();
    let row = app
        .db
        .read(|c| {
            let account = aftercare::db::accounts::by_email(c, &email)?.expect("account").id;
            aftercare::db::totp::get(c, account)
        })
        .unwrap()
        .unwrap();
    assert!(!row.secret.contains(&aftercare::auth::totp::secret_text(&secret)));

    // The password alone no longer signs in.
    let (client, to) = password_step(&app, CLINICIAN).await;
    assert_eq!(to, "/login/totp");
    assert_eq!(html_on(&app, &client, "/clinic").await.2.as_deref(), Some("/login"));
    // The code used to enrol is spent (same step): refused.
    let used = code(&secret, &app, 0);
    let (status, _, _) = submit_on(&app, &client, "/login/totp", "/login/totp", &[("code", &used)]).await;
    assert_eq!(status, 401, "a code is accepted once only");
    // The next step's code signs in.
    app.clock.advance(Duration::seconds(30));
    let fresh = code(&secret, &app, 0);
    let (status, location, _) = submit_on(&app, &client, "/login/totp", "/login/totp", &[("code", &fresh)]).await;
    assert_eq!((status, location.as_deref()), (303, Some("/clinic")));
    assert_eq!(html_on(&app, &client, "/clinic").await.0, 200);

    // Replaying that code from another browser is refused.
    let (other, _) = password_step(&app, CLINICIAN).await;
    let (status, _, _) = submit_on(&app, &other, "/login/totp", "/login/totp", &[("code", &fresh)]).await;
    assert_eq!(status, 401, "replay refused");
    // A code from two steps ago is refused (±1 step only).
    app.clock.advance(Duration::seconds(90));
    let (status, _, _) = submit_on(
        &app,
        &other,
        "/login/totp",
        "/login/totp",
        &[("code", &code(&secret, &app, 60))],
    )
    .await;
    assert_eq!(status, 401, "two steps ago is too old");
    assert!(app.audit("signin.totp-failure").len() >= 2);

    // A recovery code signs in once.
    let (status, location, _) = submit_on(
        &app,
        &other,
        "/login/totp",
        "/login/totp",
        &[("code", &recovery[0].to_uppercase())],
    )
    .await;
    assert_eq!((status, location.as_deref()), (303, Some("/clinic")));
    let (third, _) = password_step(&app, CLINICIAN).await;
    let (status, _, _) = submit_on(&app, &third, "/login/totp", "/login/totp", &[("code", &recovery[0])]).await;
    assert_eq!(status, 401, "recovery codes are single use");
    let (status, location, _) = submit_on(&app, &third, "/login/totp", "/login/totp", &[("code", &recovery[1])]).await;
    assert_eq!((status, location.as_deref()), (303, Some("/clinic")));
}

#[tokio::test]
async fn a_clinic_can_require_two_step_sign_in_and_an_admin_can_reset_it() {
    let (app, clinician) = app_with_key().await;
    let (admin, _) = password_step(&app, ADMIN).await;
    let (status, location, _) = submit_on(
        &app,
        &admin,
        "/clinic/staff",
        "/clinic/staff/require-totp",
        &[("require_totp", "on")],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/clinic/staff?notice=totp-required"))
    );
    assert_eq!(app.audit("clinic.require-totp").len(), 1);

    // Staff without a second factor are sent to enrolment after their password.
    let (client, to) = password_step(&app, CLINICIAN).await;
    assert_eq!(to, "/login/totp/enrol");
    assert_eq!(html_on(&app, &client, "/clinic").await.2.as_deref(), Some("/login"));
    let (status, html, _) = html_on(&app, &client, "/login/totp/enrol").await;
    assert_eq!(status, 200);
    let secret = secret_of(&html);
    let (status, _, body) = submit_on(
        &app,
        &client,
        "/login/totp/enrol",
        "/login/totp/enrol",
        &[("code", &code(&secret, &app, 0))],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(recovery_codes_of(&body).len(), 10);
    assert_eq!(html_on(&app, &client, "/clinic").await.0, 200, "enrolled and signed in");

    // The admin resets it (a lost phone): audited, the person is signed out.
    let (status, location, _) = submit_on(
        &app,
        &admin,
        "/clinic/staff",
        &format!("/clinic/staff/{}/reset-totp", clinician.0),
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/clinic/staff?notice=totp-reset"))
    );
    assert_eq!(app.audit("totp.reset").len(), 1);
    assert_eq!(html_on(&app, &client, "/clinic").await.2.as_deref(), Some("/login"));
    // ... and enrols afresh at the next sign-in.
    let (_, to) = password_step(&app, CLINICIAN).await;
    assert_eq!(to, "/login/totp/enrol");
}

#[tokio::test]
async fn the_server_refuses_to_start_without_totp_key_once_staff_use_it() {
    let (app, _) = app_with_key().await;
    let (client, _) = password_step(&app, CLINICIAN).await;
    let (_, html, _) = html_on(&app, &client, "/account/totp").await;
    let secret = secret_of(&html);
    let (status, _, _) = submit_on(
        &app,
        &client,
        "/account/totp",
        "/account/totp",
        &[("code", &code(&secret, &app, 0))],
    )
    .await;
    assert_eq!(status, 200);
    let mut env = app.settings_env.clone();
    env.remove("TOTP_KEY");
    let settings = aftercare::config::Settings::from_lookup(|k| env.get(k).cloned()).unwrap();
    let clock = aftercare::clock::ManualClock::new(app.clock_now());
    let started = aftercare::startup::Application::build(settings, std::sync::Arc::new(clock)).await;
    let err = started.err().expect("refuses to start").to_string();
    assert!(err.contains("TOTP_KEY"), "{err}");
}

/// Enrols `email` from "Your account"; returns the secret.
async fn enrolled(app: &TestApp, email: &str) -> Vec<u8> {
    let (client, _) = password_step(app, email).await;
    let (_, html, _) = html_on(app, &client, "/account/totp").await;
    let secret = secret_of(&html);
    let (status, _, _) = submit_on(
        app,
        &client,
        "/account/totp",
        "/account/totp",
        &[("code", &code(&secret, app, 0))],
    )
    .await;
    assert_eq!(status, 200, "enrolled");
    // The enrolment code's step is spent: the tests below use later ones.
    app.clock.advance(Duration::seconds(30));
    secret
}

/// The password step from a fresh browser with `next`; (browser, where it was sent).
async fn password_step_to(app: &TestApp, email: &str, next: &str) -> (reqwest::Client, String) {
    let client = new_client();
    let csrf = csrf_on(app, &client, "/login").await;
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 303);
    (client, r.headers()["location"].to_str().unwrap().to_string())
}

#[tokio::test]
async fn next_is_kept_through_the_code_step_and_through_enrolment() {
    let (app, _) = app_with_key().await;
    let secret = enrolled(&app, CLINICIAN).await;
    let target = "/clinic/patients?q=ada";
    let (client, to) = password_step_to(&app, CLINICIAN, target).await;
    assert_eq!(to, "/login/totp?next=%2Fclinic%2Fpatients%3Fq%3Dada");
    let (status, html, _) = html_on(&app, &client, &to).await;
    assert_eq!(status, 200);
    assert!(hidden_fields(&html).contains(&("next".to_string(), target.to_string())));
    // A wrong code keeps it too.
    let (status, _, body) = submit_on(&app, &client, &to, "/login/totp", &[("code", "000000")]).await;
    assert_eq!(status, 401);
    assert!(hidden_fields(&body).contains(&("next".to_string(), target.to_string())));
    let (status, location, _) =
        submit_on(&app, &client, &to, "/login/totp", &[("code", &code(&secret, &app, 0))]).await;
    assert_eq!((status, location.as_deref()), (303, Some(target)));

    // A foreign target is dropped at the second step as at the first.
    app.clock.advance(Duration::seconds(30));
    let (client, to) = password_step_to(&app, CLINICIAN, "//evil.example/clinic").await;
    assert_eq!(to, "/login/totp");
    let r = client
        .post(app.url("/login/totp"))
        .form(&[
            ("csrf", csrf_on(&app, &client, "/login/totp").await.as_str()),
            ("code", code(&secret, &app, 0).as_str()),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/clinic")
    );

    // Enrolment at sign-in (the clinic requires it): the recovery codes page leads on to the target.
    let (admin, _) = password_step(&app, ADMIN).await;
    let (status, _, _) = submit_on(
        &app,
        &admin,
        "/clinic/staff",
        "/clinic/staff/require-totp",
        &[("require_totp", "on")],
    )
    .await;
    assert_eq!(status, 303);
    let (client, to) = password_step_to(&app, ADMIN, "/clinic/settings").await;
    assert_eq!(to, "/login/totp/enrol?next=%2Fclinic%2Fsettings");
    let (_, html, _) = html_on(&app, &client, &to).await;
    let admin_secret = secret_of(&html);
    let (status, _, body) = submit_on(
        &app,
        &client,
        &to,
        "/login/totp/enrol",
        &[("code", &code(&admin_secret, &app, 0))],
    )
    .await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&body);
    let next_link = scraper::Selector::parse("a.button.primary").unwrap();
    let href = doc.select(&next_link).next().and_then(|a| a.value().attr("href"));
    assert_eq!(href, Some("/clinic/settings"));
    assert_eq!(html_on(&app, &client, "/clinic/settings").await.0, 200);
}

#[tokio::test]
async fn a_spent_second_step_budget_answers_429_until_it_refills() {
    let (app, _) = app_with_key().await;
    let secret = enrolled(&app, CLINICIAN).await;
    let (client, to) = password_step(&app, CLINICIAN).await;
    assert_eq!(to, "/login/totp");
    for i in 0..aftercare::auth::throttle::ACCOUNT_BURST {
        let (status, _, _) = submit_on(&app, &client, "/login/totp", "/login/totp", &[("code", "000000")]).await;
        assert_eq!(status, 401, "wrong code {i}");
    }
    // Spent: even the right code is refused, with a Retry-After.
    let csrf = csrf_on(&app, &client, "/login/totp").await;
    let r = client
        .post(app.url("/login/totp"))
        .form(&[("csrf", csrf.as_str()), ("code", code(&secret, &app, 0).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(html_on(&app, &client, "/clinic").await.0, 303, "not signed in");
    // Another browser with the password does not get round it: the budget is the account's.
    let (other, _) = password_step(&app, CLINICIAN).await;
    let (status, _, _) = submit_on(
        &app,
        &other,
        "/login/totp",
        "/login/totp",
        &[("code", &code(&secret, &app, 0))],
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(app.audit("signin.totp-failure").len(), ACCOUNT_BURST_USIZE);
    // A minute later one attempt is back, and the right code signs in
    // (in the newer browser: one open challenge per account).
    app.clock.advance(Duration::seconds(wait as i64));
    let (status, location, _) = submit_on(
        &app,
        &other,
        "/login/totp",
        "/login/totp",
        &[("code", &code(&secret, &app, 0))],
    )
    .await;
    assert_eq!((status, location.as_deref()), (303, Some("/clinic")));
}

const ACCOUNT_BURST_USIZE: usize = aftercare::auth::throttle::ACCOUNT_BURST as usize;
