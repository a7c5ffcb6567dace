//! Dashboard latency at scale: spawns the app on an existing database, signs
//! in as staff and times the queue, the patient list (page 1, page 50, a
//! search) and a patient page, reporting p50/p95/max in milliseconds.
//!
//! ```sh
//! # the demo's data (10k patients × 100 days ≈ 1M check-ins), then measure
//! DATABASE_URL=/tmp/bench.db cargo run --release -- demo --patients 10000 --days 100
//! DATABASE_URL=/tmp/bench.db cargo bench --bench dashboard -- --requests 50
//! ```
//! `--generate --patients N --days D` runs the same generator first. Without
//! `--email`/`--password` it signs in as the demo's admin.

use aftercare::config::Settings;
use aftercare::db::Db;
use aftercare::startup::{system_clock, Application};
use chrono::Utc;
use std::time::Instant;

const BENCH_EMAIL: &str = aftercare::demo::ADMIN_EMAIL;
const BENCH_PASSWORD: &str = aftercare::demo::PASSWORD;

struct Args {
    generate: bool,
    patients: u32,
    days: u32,
    requests: usize,
    email: String,
    password: String,
}

fn args() -> Args {
    let mut a = Args {
        generate: false,
        patients: 10_000,
        days: 100,
        requests: 30,
        email: BENCH_EMAIL.into(),
        password: BENCH_PASSWORD.into(),
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < raw.len() {
        let next = raw.get(i + 1).cloned().unwrap_or_default();
        match raw[i].as_str() {
            "--generate" => a.generate = true,
            "--patients" => {
                a.patients = next.parse().expect("--patients N");
                i += 1
            }
            "--days" => {
                a.days = next.parse().expect("--days D");
                i += 1
            }
            "--requests" => {
                a.requests = next.parse().expect("--requests N");
                i += 1
            }
            "--email" => {
                a.email = next;
                i += 1
            }
            "--password" => {
                a.password = next;
                i += 1
            }
            // `cargo bench` passes `--bench`; ignore what we do not know.
            _ => {}
        }
        i += 1;
    }
    a
}

/// The benchmark's data is the demo's: `aftercare demo` and `--generate`
/// call the same generator.
fn generate(db: &Db, patients: u32, days: u32, public_url: &str) -> Result<(), aftercare::error::Error> {
    let report = aftercare::demo::generate(db, patients, days, Utc::now(), public_url)?;
    eprintln!("{report}");
    Ok(())
}

fn stats(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5), pick(0.95), *ms.last().unwrap_or(&0.0))
}

#[tokio::main]
async fn main() {
    let a = args();
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
    if a.generate {
        let db = Db::connect(&settings.database).expect("database");
        generate(&db, a.patients, a.days, &settings.public_url).expect("generate");
    }
    let app = Application::build(settings, system_clock()).await.expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Sign in like a browser.
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = login
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf on the login page")
        .to_string();
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", a.email.as_str()),
            ("password", a.password.as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303, "sign-in failed: check --email/--password");

    let patient: i64 = db
        .read(|c| {
            use aftercare::db::schema::patients::dsl::*;
            use diesel::prelude::*;
            patients
                .select(id)
                .order(id.desc())
                .first::<i64>(c)
                .map_err(aftercare::error::Error::from)
        })
        .expect("a patient");
    let checkins: i64 = db
        .read(|c| {
            use diesel::prelude::*;
            aftercare::db::schema::checkins::table
                .count()
                .get_result::<i64>(c)
                .map_err(aftercare::error::Error::from)
        })
        .expect("count");
    println!("database: {} check-ins; {} requests per page", checkins, a.requests);
    let pages = [
        ("queue", "/clinic".to_string()),
        ("patients p1", "/clinic/patients".to_string()),
        ("patients p50", "/clinic/patients?page=50".to_string()),
        ("patients search", "/clinic/patients?q=okafor".to_string()),
        ("patient page", format!("/clinic/patients/{patient}")),
    ];
    println!("{:<18} {:>8} {:>8} {:>8}", "page", "p50 ms", "p95 ms", "max ms");
    for (name, path) in pages {
        // One warm-up request, then the timed ones.
        let r = client.get(format!("{base}{path}")).send().await.expect("GET");
        assert_eq!(r.status(), 200, "{path}");
        let _ = r.bytes().await;
        let mut ms = Vec::with_capacity(a.requests);
        for _ in 0..a.requests {
            let t = Instant::now();
            let r = client.get(format!("{base}{path}")).send().await.expect("GET");
            let _ = r.bytes().await.expect("body");
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p95, max) = stats(ms);
        println!("{name:<18} {p50:>8.1} {p95:>8.1} {max:>8.1}");
    }
}
