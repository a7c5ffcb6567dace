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

mod support;

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

#[tokio::main]
async fn main() {
    let a = args();
    let (base, db, _dir) = support::start_app(a.generate.then_some((a.patients, a.days))).await;
    let client = support::signed_in(&base, &a.email, &a.password).await;

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
        (
            "patients search",
            format!("/clinic/patients?q={}", support::COMMON_SURNAME),
        ),
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
        let (_, p50, p95, max) = support::stats(ms);
        println!("{name:<18} {p50:>8.1} {p95:>8.1} {max:>8.1}");
    }
}
