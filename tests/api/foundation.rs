//! Issue 2: health, first-run setup, error pages, headers, the backend in use.

use crate::support::app::*;

#[tokio::test]
async fn backend_in_use_is_reported() {
    match postgres_url() {
        Some(_) => println!("running on PostgreSQL (TEST_DATABASE_URL is set)"),
        None => println!("PostgreSQL: skipped (set TEST_DATABASE_URL=postgres://... to run this suite on PostgreSQL)"),
    }
    let app = spawn_app().await;
    assert_eq!(app.db.is_postgres(), postgres_url().is_some());
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ready");
}

/// PostgreSQL: pooled connections the server has closed (a restart, an
/// administrator) are found and replaced before they are lent again, so
/// the next request is served, not answered with an error.
#[tokio::test]
async fn connections_the_server_closed_are_replaced() {
    use diesel::{Connection, RunQueryDsl};
    let Some(_) = postgres_url() else { return };
    let app = spawn_app().await;
    let select_one = |conn: &mut aftercare::db::DbConn| {
        let aftercare::db::DbConn::Pg(c) = conn else {
            unreachable!()
        };
        diesel::sql_query("SELECT 1").execute(c)
    };
    // Four connections in the pool, all lent at once.
    {
        let mut held: Vec<_> = (0..4).map(|_| app.db.conn().unwrap()).collect();
        for c in &mut held {
            select_one(c).unwrap();
        }
    }
    // Idle long enough to be tested, then closed by the server.
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut admin = diesel::PgConnection::establish(&app.database_url).unwrap();
    let killed = diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .get_result::<N>(&mut admin)
    .unwrap()
    .n;
    assert!(killed >= 4, "the pool's connections were closed ({killed})");
    let mut held: Vec<_> = (0..4).map(|_| app.db.conn().unwrap()).collect();
    for c in &mut held {
        select_one(c).expect("a live connection lent");
    }
    drop(held);
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
}

/// Every page names its icon, so browsers do not ask for a missing
/// /favicon.ico (a 404 logged at WARN on every page view).
#[tokio::test]
async fn pages_link_an_icon_that_is_served() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.unwrap();
    assert!(page.contains(r#"<link rel="icon" href="/static/icon.svg""#), "{page}");
    let r = app.get("/static/icon.svg").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().starts_with("<svg"));
}

#[tokio::test]
async fn first_run_setup_creates_a_clinic_and_an_admin_who_can_sign_in() {
    let app = spawn_app().await;
    let link = app.setup_link.clone().expect("an empty database prints a setup link");
    let path = link
        .strip_prefix(&app.address)
        .expect("link uses the public URL")
        .to_string();

    // Until setup is done the front door says how to set up.
    let (status, html) = app.get_html("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("not set up yet"), "{html}");

    // Bad answers come back inline with what was typed kept (but not the password).
    let r = app
        .submit(
            &path,
            "/setup",
            &[
                ("clinic_name", "Bright Skin"),
                ("timezone", "Mars/Base"),
                ("alert_email", "nope"),
                ("admin_name", "Ada"),
                ("admin_email", "ada@bright.example"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Bright Skin\""));
    assert!(html.contains("not a time zone"));
    assert!(html.contains("at least 8 characters"));

    let r = app
        .submit(
            &path,
            "/setup",
            &[
                ("clinic_name", "Bright Skin"),
                ("timezone", "Europe/London"),
                ("phone", "+44 20 7946 0000"),
                ("alert_email", "alerts@bright.example"),
                ("admin_name", "Ada Admin"),
                ("admin_email", "ada@bright.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The link is single-use.
    let (status, _) = app.get_html(&path).await;
    assert_eq!(status, 404);

    let r = app.sign_in("ada@bright.example", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/clinic");
    let (status, html) = app.get_html("/clinic").await;
    assert_eq!(status, 200);
    assert!(html.contains("Bright Skin"));
}

#[tokio::test]
async fn a_wrong_setup_token_finds_nothing() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/setup?token=not-the-token").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn unknown_pages_get_a_plain_404_page_with_security_headers() {
    let app = spawn_app().await;
    let r = app.get("/no/such/page?x=%00").await;
    assert_eq!(r.status(), 404);
    let h = r.headers().clone();
    assert_eq!(h["content-security-policy"], aftercare::web::security::CSP);
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.get("strict-transport-security").is_none(), "HSTS only over https");
    let body = r.text().await.unwrap();
    assert!(body.contains("<main") && !body.contains("diesel") && !body.contains("panicked"));
}

#[tokio::test]
async fn garbage_bodies_never_cause_a_server_error() {
    let app = spawn_app().await;
    for (ctype, body) in [
        ("application/x-www-form-urlencoded", "%%%&&&==="),
        ("application/json", "{\"email\": 1}"),
        ("application/x-www-form-urlencoded", ""),
    ] {
        let r = app
            .client
            .post(app.url("/login"))
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{ctype} {body:?} -> {}", r.status());
    }
}
