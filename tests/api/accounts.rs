//! Issue 3: sign-in, sessions, CSRF, throttling, invites, password reset and
//! change, sign out everywhere, staff management, the audit log.

use crate::access::{browser_as, fixtures, PATIENT_A, X_ADMIN, X_CLINICIAN};
use crate::support::app::*;
use chrono::Duration;

/// The value a response sets for cookie `name`, if any.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..].split(';').next().unwrap_or("").to_string();
            (value, v.to_string())
        })
}

/// A GET from a brand-new browser that only carries `cookie`.
async fn replay(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    new_client()
        .get(app.url(path))
        .header("cookie", format!("aftercare_session={cookie}"))
        .send()
        .await
        .unwrap()
}

/// Signs in on `app.client` and returns the session cookie value.
async fn sign_in_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let r = app.sign_in(email, password).await;
    assert_eq!(r.status(), 303, "sign in {email}");
    set_cookie(&r, "aftercare_session").expect("session cookie").0
}

fn is_anonymous(r: &reqwest::Response) -> bool {
    r.status() == 303 && r.headers()["location"] == "/login"
}

/// The link in the newest email to `to`.
pub(crate) fn link_in_outbox(app: &TestApp, to: &str) -> String {
    let row = app
        .outbox()
        .into_iter()
        .rev()
        .find(|r| r.recipient == to)
        .unwrap_or_else(|| panic!("no email to {to}"));
    let start = row.body_text.find(&app.address).expect("a link in the email");
    let link: String = row.body_text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.strip_prefix(&app.address).expect("local link").to_string()
}

#[tokio::test]
async fn staff_land_on_the_clinic_patients_at_home_with_a_new_session_id_each_time() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let r = app.sign_in(X_CLINICIAN, PASSWORD).await;
    assert_eq!(r.headers()["location"], "/clinic");
    let (first, header) = set_cookie(&r, "aftercare_session").unwrap();
    let lower = header.to_lowercase();
    assert!(lower.contains("httponly") && lower.contains("samesite=lax") && lower.contains("path=/"));
    assert!(!lower.contains("secure"), "no Secure over plain http");
    // Signing in again (same browser) gives a new id; the old one is ended.
    let r = app
        .submit(
            "/account/password",
            "/login",
            &[("email", X_CLINICIAN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let second = set_cookie(&r, "aftercare_session").unwrap().0;
    assert_ne!(first, second);
    assert!(is_anonymous(&replay(&app, "/clinic", &first).await));
    assert_eq!(replay(&app, "/clinic", &second).await.status(), 200);

    let patient = app.browser();
    let html = patient
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = patient
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("email", PATIENT_A),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");

    assert_eq!(app.audit("signin.success").len(), 3);
}

#[tokio::test]
async fn wrong_credentials_are_refused_and_audited_without_the_address_or_password() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let r = app.sign_in(X_CLINICIAN, "not-the-password").await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("do not match") && html.contains(X_CLINICIAN),
        "the address typed is kept"
    );
    let r = app.sign_in("nobody@nowhere.example", PASSWORD).await;
    assert_eq!(r.status(), 401);
    let failures = app.audit("signin.failure");
    assert_eq!(failures.len(), 2);
    for f in &failures {
        let all = format!("{f:?}");
        assert!(
            !all.contains("clinician@") && !all.contains("nobody@") && !all.contains("not-the-password"),
            "{all}"
        );
        assert!(f.ip.as_deref() == Some("127.0.0.1"), "{all}");
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let cookie = sign_in_cookie(&app, PATIENT_A, PASSWORD).await;
    assert_eq!(replay(&app, "/", &cookie).await.status(), 200);
    let r = app.sign_out().await;
    assert_eq!(r.headers()["location"], "/login?notice=signed-out");
    assert!(
        is_anonymous(&replay(&app, "/", &cookie).await),
        "the old cookie replayed is anonymous"
    );
    assert_eq!(app.audit("signout").len(), 1);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_account() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let (other, _) = browser_as(&app, X_CLINICIAN).await;
    assert_eq!(other.get(app.url("/clinic")).send().await.unwrap().status(), 200);
    let cookie = sign_in_cookie(&app, X_CLINICIAN, PASSWORD).await;
    let r = app
        .submit("/account/password", "/account/sign-out-everywhere", &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?notice=signed-out-everywhere");
    assert!(is_anonymous(&replay(&app, "/clinic", &cookie).await));
    assert!(is_anonymous(&other.get(app.url("/clinic")).send().await.unwrap()));
    let rows = app.audit("signout.everywhere");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn staff_sessions_end_after_30_idle_minutes_and_12_hours_in_all() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let cookie = sign_in_cookie(&app, X_CLINICIAN, PASSWORD).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(replay(&app, "/clinic", &cookie).await.status(), 200);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        replay(&app, "/clinic", &cookie).await.status(),
        200,
        "activity keeps it alive"
    );
    app.clock.advance(Duration::minutes(31));
    assert!(is_anonymous(&replay(&app, "/clinic", &cookie).await), "idle timeout");

    // Active every 20 minutes, it still ends 12 hours after sign-in.
    let cookie = sign_in_cookie(&app, X_CLINICIAN, PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(replay(&app, "/clinic", &cookie).await.status(), 200);
    }
    app.clock.advance(Duration::minutes(20)); // 12 h after sign-in
    assert!(
        is_anonymous(&replay(&app, "/clinic", &cookie).await),
        "absolute lifetime"
    );
}

#[tokio::test]
async fn patient_sessions_end_after_14_idle_days_and_30_days_in_all() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let cookie = sign_in_cookie(&app, PATIENT_A, PASSWORD).await;
    app.clock.advance(Duration::days(13));
    assert_eq!(replay(&app, "/", &cookie).await.status(), 200);
    app.clock.advance(Duration::days(14) + Duration::minutes(1));
    assert!(is_anonymous(&replay(&app, "/", &cookie).await), "idle timeout");

    let cookie = sign_in_cookie(&app, PATIENT_A, PASSWORD).await;
    for _ in 0..2 {
        app.clock.advance(Duration::days(10));
        assert_eq!(replay(&app, "/", &cookie).await.status(), 200);
    }
    app.clock.advance(Duration::days(10));
    assert!(is_anonymous(&replay(&app, "/", &cookie).await), "absolute lifetime");
}

#[tokio::test]
async fn a_disabled_accounts_open_session_stops_at_once_and_it_cannot_sign_in() {
    let app = spawn_app().await;
    let fx = fixtures(&app);
    let (clinician, _) = browser_as(&app, X_CLINICIAN).await;
    assert_eq!(clinician.get(app.url("/clinic")).send().await.unwrap().status(), 200);

    sign_in_cookie(&app, X_ADMIN, PASSWORD).await;
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/disable", fx.x_clinician),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = clinician.get(app.url("/clinic")).send().await.unwrap();
    assert!(is_anonymous(&r), "the open session ended at once");
    let other = app.browser();
    let html = other
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = other
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("email", X_CLINICIAN),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (_, html) = app.get_html("/clinic/staff").await;
    assert!(html.contains("Disabled"));

    // Re-enabled, the clinician can sign in again.
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/enable", fx.x_clinician),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    browser_as(&app, X_CLINICIAN).await;

    // An admin cannot disable themself.
    let r = app
        .submit("/clinic/staff", &format!("/clinic/staff/{}/disable", fx.x_admin), &[])
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.get("/clinic/staff").await.status(), 200, "still signed in");

    let disable = app.audit("staff.disable");
    assert_eq!(disable.len(), 1);
    assert_eq!(
        disable[0].target.as_deref(),
        Some(format!("staff:{}", fx.x_clinician).as_str())
    );
    assert_eq!(disable[0].actor, format!("staff:{}", fx.x_admin));
    assert_eq!(app.audit("staff.enable").len(), 1);
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_or_from_another_site_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let cookie = sign_in_cookie(&app, X_CLINICIAN, PASSWORD).await;
    let fields = [
        ("current", PASSWORD),
        ("password", "a brand new passphrase"),
        ("confirm", "a brand new passphrase"),
    ];
    // No token, a wrong token.
    let r = app.post_raw("/account/password", &fields).await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Reload the page"), "{html}");
    let mut with_wrong: Vec<(&str, &str)> = fields.to_vec();
    with_wrong.push(("csrf", "x".repeat(43).leak()));
    assert_eq!(app.post_raw("/account/password", &with_wrong).await.status(), 403);
    assert_eq!(app.post_raw("/logout", &[("csrf", "nope")]).await.status(), 403);
    // The anonymous token is not the session's token.
    let anon = csrf_of(
        &new_client()
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(app.post_raw("/logout", &[("csrf", anon.as_str())]).await.status(), 403);

    // The right token, but sent from another site.
    let (_, html) = app.get_html("/account/password").await;
    let csrf = csrf_of(&html);
    let mut good: Vec<(&str, &str)> = fields.to_vec();
    good.push(("csrf", csrf.as_str()));
    for (h, v) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let r = app
            .client
            .post(app.url("/account/password"))
            .header(h, v)
            .form(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{h}: {v}");
    }
    // Nothing changed: still signed in, and the old password still works.
    assert_eq!(replay(&app, "/clinic", &cookie).await.status(), 200);
    assert!(app.audit("password.change").is_empty());
    browser_as(&app, X_CLINICIAN).await;
    // The same origin is fine.
    let r = app
        .client
        .post(app.url("/account/password"))
        .header("origin", app.address.clone())
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn sign_in_is_throttled_and_the_right_password_gets_through_after_the_wait() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    for _ in 0..5 {
        assert_eq!(app.sign_in(X_CLINICIAN, "wrong password!").await.status(), 401);
    }
    let r = app.sign_in(X_CLINICIAN, PASSWORD).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Too many attempts") && html.contains("wait"), "{html}");
    // The address typed differently is the same account.
    assert_eq!(app.sign_in(" Clinician@X.example ", PASSWORD).await.status(), 429);
    // Another account from the same address is not locked out.
    assert_eq!(app.browser_sign_in(X_ADMIN, PASSWORD).await, 303);

    app.clock.advance(Duration::seconds(wait as i64));
    let r = app.sign_in(X_CLINICIAN, PASSWORD).await;
    assert_eq!(r.status(), 303, "the right password gets through after the wait");
}

#[tokio::test]
async fn an_invite_link_works_once_and_not_after_seven_days() {
    let app = spawn_app().await;
    let fx = fixtures(&app);
    sign_in_cookie(&app, X_ADMIN, PASSWORD).await;
    let r = app
        .submit(
            "/clinic/staff",
            "/clinic/staff/invite",
            &[
                ("name", "Nina Nurse"),
                ("email", "Nina@X.example"),
                ("role", "clinician"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/clinic/staff?notice=invited");
    let invites = app.audit("staff.invite");
    assert_eq!(invites.len(), 1);
    assert_eq!(invites[0].actor, format!("staff:{}", fx.x_admin));
    let (_, html) = app.get_html("/clinic/staff").await;
    assert!(html.contains("Nina Nurse") && html.contains("nina@x.example"));
    // The same address again is refused inline, input kept.
    let r = app
        .submit(
            "/clinic/staff",
            "/clinic/staff/invite",
            &[("name", "Nina Again"), ("email", "nina@x.example"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("already exists") && html.contains("value=\"Nina Again\""));

    let path = link_in_outbox(&app, "nina@x.example");
    assert!(path.starts_with("/invite?token="), "{path}");
    let nina = app.browser();
    let (status, html) = {
        let r = nina.client.get(app.url(&path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(status, 200);
    let mut form = hidden_fields(&html);
    form.push(("password".into(), "a calm long passphrase".into()));
    form.push(("confirm".into(), "a calm long passphrase typo".into()));
    let r = nina.client.post(app.url("/invite")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not the same"));
    form.pop();
    form.push(("confirm".into(), "a calm long passphrase".into()));
    let r = nina.client.post(app.url("/invite")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/clinic");
    assert_eq!(
        nina.client.get(app.url("/clinic")).send().await.unwrap().status(),
        200,
        "signed in"
    );
    assert_eq!(app.audit("invite.accept").len(), 1);

    // Used once: the link is dead, the page says what to do.
    let r = new_client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("no longer works"));
    // Posting it again (from another browser, with that browser's token) fails too.
    let again = new_client();
    let html = again
        .get(app.url("/forgot"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (k, v) in form.iter_mut() {
        if k == "csrf" {
            *v = csrf_of(&html);
        }
    }
    let r = again.post(app.url("/invite")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Another invite, opened after 7 days: expired.
    app.submit(
        "/clinic/staff",
        "/clinic/staff/invite",
        &[("name", "Late Larry"), ("email", "larry@x.example"), ("role", "admin")],
    )
    .await;
    let path = link_in_outbox(&app, "larry@x.example");
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(new_client().get(app.url(&path)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_addresses_and_the_reset_link_works_once() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let (old_session, _) = browser_as(&app, PATIENT_A).await;

    let r = app
        .submit("/forgot", "/forgot", &[("email", "nobody@nowhere.example")])
        .await;
    assert_eq!(r.status(), 200);
    let unknown = r.text().await.unwrap().replace("nobody@nowhere.example", "EMAIL");
    let r = app.submit("/forgot", "/forgot", &[("email", PATIENT_A)]).await;
    assert_eq!(r.status(), 200);
    let known = r.text().await.unwrap().replace(PATIENT_A, "EMAIL");
    let strip = |s: &str| s.lines().filter(|l| !l.contains("name=\"csrf\"")).collect::<String>();
    assert_eq!(
        strip(&unknown),
        strip(&known),
        "same answer whether or not the account exists"
    );
    let outbox = app.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].kind.as_str(), "password_reset");
    assert_eq!(outbox[0].recipient, PATIENT_A);

    let path = link_in_outbox(&app, PATIENT_A);
    assert!(path.starts_with("/reset?token="), "{path}");
    let r = app
        .submit(&path, "/reset", &[("password", "password"), ("confirm", "password")])
        .await;
    assert_eq!(r.status(), 422, "common passwords are refused");
    assert!(r.text().await.unwrap().contains("too common"));
    let r = app
        .submit(
            &path,
            "/reset",
            &[
                ("password", "fresh start passphrase"),
                ("confirm", "fresh start passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?notice=password");
    assert!(
        is_anonymous(&old_session.get(app.url("/")).send().await.unwrap()),
        "sessions ended"
    );
    assert_eq!(
        app.sign_in(PATIENT_A, PASSWORD).await.status(),
        401,
        "old password gone"
    );
    sign_in_cookie(&app, PATIENT_A, "fresh start passphrase").await;
    assert_eq!(
        new_client().get(app.url(&path)).send().await.unwrap().status(),
        404,
        "single use"
    );
    assert_eq!(app.audit("password.reset").len(), 1);

    // A reset link is good for one hour only.
    app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
    let path = link_in_outbox(&app, X_CLINICIAN);
    app.clock.advance(Duration::minutes(61));
    assert_eq!(new_client().get(app.url(&path)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let (other, _) = browser_as(&app, PATIENT_A).await;
    let cookie = sign_in_cookie(&app, PATIENT_A, PASSWORD).await;
    let new = "another quiet passphrase";
    let r = app
        .submit(
            "/account/password",
            "/account/password",
            &[("current", "not it at all"), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not your current password"));
    let r = app
        .submit(
            "/account/password",
            "/account/password",
            &[("current", PASSWORD), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .submit(
            "/account/password",
            "/account/password",
            &[("current", PASSWORD), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(replay(&app, "/", &cookie).await.status(), 200, "this session goes on");
    assert!(
        is_anonymous(&other.get(app.url("/")).send().await.unwrap()),
        "others end"
    );
    let (_, html) = app.get_html("/account/password?notice=changed").await;
    assert!(html.contains("Your password is changed"));
    assert_eq!(app.audit("password.change").len(), 1);
    assert_eq!(app.browser_sign_in(PATIENT_A, new).await, 303);
    assert_eq!(app.browser_sign_in(PATIENT_A, PASSWORD).await, 401);
}

#[tokio::test]
async fn admins_read_their_clinics_audit_log_page_by_page() {
    let app = spawn_app().await;
    let fx = fixtures(&app);
    for _ in 0..3 {
        browser_as(&app, X_CLINICIAN).await;
        app.clock.advance(Duration::minutes(1));
    }
    sign_in_cookie(&app, X_ADMIN, PASSWORD).await;
    let (status, html) = app.get_html("/clinic/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("signin.success") && html.contains("127.0.0.1"), "{html}");
    assert!(
        html.contains("Mon 2 Mar 2026, 10:0"),
        "clinic-local times (London: UTC in March)"
    );
    // More than a page of entries gets a pager.
    let clinic = Some(fx.x);
    let now = app.clock_now().naive_utc();
    app.db
        .write(|c| {
            for i in 0..60 {
                aftercare::db::audit::record(
                    c,
                    clinic,
                    &aftercare::db::audit::Actor::system("test"),
                    aftercare::domain::AuditAction::Export,
                    Some(&format!("n:{i}")),
                    "",
                    now,
                )?;
            }
            Ok::<_, aftercare::error::Error>(())
        })
        .unwrap();
    // Issue 13 item 8: keyset pages ("Older entries" / "Newer entries").
    let (_, html) = app.get_html("/clinic/audit").await;
    assert!(html.contains("Older entries") && html.contains("before="), "{html}");
    let at = html.find("before=").unwrap();
    let cursor: String = html[at + 7..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let (status, html) = app.get_html(&format!("/clinic/audit?before={cursor}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Newer entries"), "{html}");
}

#[tokio::test]
async fn over_https_cookies_are_host_prefixed_and_secure_and_hsts_is_sent() {
    let app = spawn_app_with(&[("PUBLIC_URL", "https://aftercare.example")]).await;
    let _fx = fixtures(&app);
    // Secure cookies are not sent back over plain http, so carry them by hand.
    let client = new_client();
    let r = client.get(app.url("/login")).send().await.unwrap();
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    let (anon, header) = set_cookie(&r, "__Host-aftercare-csrf").expect("anonymous CSRF cookie");
    assert!(header.contains("Secure") && header.contains("HttpOnly") && header.contains("Path=/"));
    let csrf = csrf_of(&r.text().await.unwrap());
    let r = client
        .post(app.url("/login"))
        .header("cookie", format!("__Host-aftercare-csrf={anon}"))
        .header("origin", "https://aftercare.example")
        .form(&[("csrf", csrf.as_str()), ("email", X_CLINICIAN), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (session, header) = set_cookie(&r, "__Host-aftercare").expect("session cookie");
    assert!(header.contains("Secure") && header.contains("HttpOnly") && header.contains("SameSite=Lax"));
    assert!(!header.contains("Domain"), "{header}");
    let r = client
        .get(app.url("/clinic"))
        .header("cookie", format!("__Host-aftercare={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("strict-transport-security").is_some());
    assert_eq!(r.headers()["cache-control"], "no-store");
}

impl TestApp {
    /// Signs `email` in from a new browser; returns the status.
    async fn browser_sign_in(&self, email: &str, password: &str) -> u16 {
        sign_in_on(self, &self.browser().client, email, password).await
    }
}

#[tokio::test]
async fn a_second_app_instance_on_the_same_database_sees_sign_out_at_once() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    // Another `serve` process on the same database (same settings, own port).
    let env = app.settings_env.clone();
    let settings = aftercare::config::Settings::from_lookup(|k| env.get(k).cloned()).unwrap();
    let second = aftercare::startup::Application::build(settings, std::sync::Arc::new(app.clock.clone()))
        .await
        .unwrap();
    let other = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let at_other = |cookie: String| {
        let url = format!("{other}/clinic");
        async move {
            new_client()
                .get(url)
                .header("cookie", format!("aftercare_session={cookie}"))
                .send()
                .await
                .unwrap()
        }
    };
    let cookie = sign_in_cookie(&app, X_CLINICIAN, PASSWORD).await;
    assert_eq!(at_other(cookie.clone()).await.status(), 200);
    let r = app.submit("/account/password", "/logout", &[]).await;
    assert_eq!(r.headers()["location"], "/login?notice=signed-out");
    assert!(is_anonymous(&at_other(cookie).await));
}
