//! What the HTTP benchmarks share: the app on an existing database, a
//! signed-in client, and timing.

// Each benchmark uses part of this module.
#![allow(dead_code)]

pub mod loadgen;
pub mod smtp;

use aftercare::config::Settings;
use aftercare::startup::{system_clock, Application};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

/// A surname the demo gives about one patient in 24 (it draws them evenly),
/// for the patient-list search.
pub const COMMON_SURNAME: &str = "okafor";

/// Starts the app on `DATABASE_URL` (no workers) and returns its base URL,
/// its database, and the temp dir its mail would go to (keep it alive).
pub async fn start_app(generate: Option<(u32, u32)>) -> (String, aftercare::db::Db, tempfile::TempDir) {
    let url = std::env::var("DATABASE_URL").expect("set DATABASE_URL to the database to measure");
    let dir = tempfile::tempdir().expect("temp dir");
    let env = |k: &str| -> Option<String> {
        match k {
            "DATABASE_URL" => Some(url.clone()),
            "BIND" => Some("127.0.0.1:0".into()),
            "MAIL_DIR" => Some(dir.path().to_string_lossy().to_string()),
            "RUN_WORKERS" => Some("off".into()),
            _ => None,
        }
    };
    let settings = Settings::from_lookup(env).expect("settings");
    if let Some((patients, days)) = generate {
        // The benchmark's data is the demo's: `aftercare demo` calls the same generator.
        let db = aftercare::db::Db::connect(&settings.database).expect("database");
        let report =
            aftercare::demo::generate(&db, patients, days, chrono::Utc::now(), &settings.public_url).expect("generate");
        eprintln!("{report}");
    }
    let app = Application::build(settings, system_clock()).await.expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db.clone();
    tokio::spawn(app.run_until_stopped());
    (base, db, dir)
}

/// The `csrf` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a csrf field on the page")
        .to_string()
}

/// A client signed in like a browser.
pub async fn signed_in(base: &str, email: &str, password: &str) -> reqwest::Client {
    signed_in_from(base, email, password, None).await.0
}

/// A client signed in like a browser from `local` (any 127.x.y.z: each
/// person at their own address, as the sign-in throttle counts per
/// address), with its cookie jar, to hand the session to another client.
pub async fn signed_in_from(
    base: &str,
    email: &str,
    password: &str,
    local: Option<IpAddr>,
) -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .local_address(local)
        .build()
        .expect("client");
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = csrf_of(&login);
    let r = client
        .post(format!("{base}/login"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303, "sign-in failed for {email}: check --email/--password");
    (client, jar)
}

/// The `q` quantile (0 to 1, nearest rank) of sorted values; 0 when empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n => sorted[((n as f64 - 1.0) * q).round() as usize],
    }
}

/// (min, median, p95, max) of milliseconds.
pub fn stats(mut ms: Vec<f64>) -> (f64, f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    (
        quantile(&ms, 0.0),
        quantile(&ms, 0.5),
        quantile(&ms, 0.95),
        *ms.last().unwrap_or(&0.0),
    )
}

/// Times `n` runs of `f` (after one warm-up), in milliseconds.
pub async fn time<F, Fut>(n: usize, mut f: F) -> Vec<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await;
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms
}
