//! FHIR Bulk Data export at scale: generates the demo's data (or uses an
//! existing database), then runs whole exports of the demo clinic through
//! the export worker exactly as `serve` does (claim, page by page, NDJSON
//! stored in the database), and reports per run the time, the resources and
//! bytes written, and the peak heap (counted by this binary's allocator)
//! above what was live before the run. A flat peak across data sizes is
//! the point: memory holds one page of patients.
//!
//! Beside each run, in the same process and on the same database, a
//! baseline reads the clinic's check-ins once in keyset pages and writes
//! each as a plain JSON line (no FHIR, no references, nothing stored): the
//! floor of any export of these rows. The ratio of the two is printed.
//!
//! ```sh
//! cargo bench --bench fhir_export -- --patients 1000 --days 100 --runs 3
//! # the demo's million check-ins (slow: generates ~1M rows first)
//! cargo bench --bench fhir_export -- --patients 10000 --days 100 --runs 1
//! # an existing database whose first clinic is the demo's
//! DATABASE_URL=/tmp/bench.db cargo bench --bench fhir_export -- --existing --runs 1
//! ```

#[path = "support/counting.rs"]
mod counting;
use counting::{LIVE, PEAK};

use aftercare::app::fhir::{self, Requester};
use aftercare::clock::ManualClock;
use aftercare::db::{audit::Actor, exports, DatabaseUrl, Db};
use aftercare::domain::ClinicId;
use aftercare::fhir::bulk;
use aftercare::jobs::export::ExportWorker;
use chrono::{TimeZone, Utc};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// The baseline: every check-in of `clinic` read once (pages of 5,000 by
/// id) and written as a JSON line; returns (rows, bytes).
fn baseline(db: &Db, clinic: ClinicId) -> (usize, usize) {
    use aftercare::db::schema::checkins::dsl as c;
    use diesel::prelude::*;
    let (mut rows, mut bytes, mut after) = (0usize, 0usize, 0i64);
    loop {
        type Row = (
            i64,
            i64,
            chrono::NaiveDate,
            i32,
            String,
            i32,
            i32,
            i32,
            i32,
            String,
            String,
            bool,
        );
        let page: Vec<Row> = db
            .read(|conn| {
                c::checkins
                    .filter(c::clinic_id.eq(clinic.0))
                    .filter(c::id.gt(after))
                    .order(c::id)
                    .limit(5000)
                    .select((
                        c::id,
                        c::patient_id,
                        c::day,
                        c::day_number,
                        c::kind,
                        c::pain,
                        c::itch,
                        c::swelling,
                        c::redness,
                        c::oozing,
                        c::crusts,
                        c::fever,
                    ))
                    .load::<Row>(conn)
                    .map_err(aftercare::db::DbError::from)
            })
            .expect("baseline page");
        let Some(last) = page.last() else { break };
        after = last.0;
        for r in &page {
            let line = serde_json::json!({
                "id": r.0, "patient": r.1, "day": r.2.to_string(), "day_number": r.3, "kind": r.4,
                "pain": r.5, "itch": r.6, "swelling": r.7, "redness": r.8, "oozing": r.9,
                "crusts": r.10, "fever": r.11,
            })
            .to_string();
            bytes += line.len() + 1;
        }
        rows += page.len();
    }
    (rows, bytes)
}

fn arg(name: &str, default: u32) -> u32 {
    let raw: Vec<String> = std::env::args().collect();
    raw.iter()
        .position(|a| a == name)
        .and_then(|i| raw.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).single().expect("time");
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, clinic) = if flag("--existing") {
        let url = std::env::var("DATABASE_URL").expect("--existing needs DATABASE_URL");
        let db = Db::connect(&DatabaseUrl::parse(&url).expect("DATABASE_URL")).expect("connect");
        (db, ClinicId(1))
    } else {
        let (patients, days) = (arg("--patients", 1000), arg("--days", 100));
        let path = dir.path().join("bench.db").to_string_lossy().to_string();
        let db = Db::connect(&DatabaseUrl::Sqlite(path)).expect("connect");
        let t = Instant::now();
        let out = aftercare::demo::generate(&db, patients, days, now, "http://bench.example").expect("demo");
        let id: i64 = out
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("clinic id");
        println!(
            "data: {} ({:.0} s to generate)",
            out.lines().nth(1).unwrap_or(""),
            t.elapsed().as_secs_f64()
        );
        (db, ClinicId(id))
    };
    let clock = ManualClock::new(now);
    let worker = ExportWorker::new(db.clone(), Arc::new(clock.clone()), "http://bench.example");
    println!("page: {} patients", worker.page_size);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let runs = arg("--runs", 3).max(1) as usize;
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    let mut base_times = Vec::new();
    let mut ratios = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        let (rows, base_bytes) = baseline(&db, clinic);
        let base_secs = t.elapsed().as_secs_f64();
        println!(
            "run {}: baseline read {rows} check-ins as {:.0} MB of JSON lines in {base_secs:.1} s",
            run + 1,
            base_bytes as f64 / 1e6
        );
        base_times.push(base_secs);
        let who = Requester {
            clinic,
            actor: Actor::system("bench"),
        };
        let request = bulk::parse_request(None, None, None).expect("request");
        let id = rt
            .block_on(fhir::start_export(
                &db,
                who,
                request,
                "http://bench.example/fhir/$export".into(),
                now,
            ))
            .expect("kick-off");
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let t = Instant::now();
        let pages = worker.run_once().expect("export");
        let secs = t.elapsed().as_secs_f64();
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        let files = db.read(|c| exports::files_of(c, &id)).expect("files");
        let resources: i64 = files.iter().map(|f| f.2).sum();
        let bytes: i64 = db
            .read(|c| {
                files
                    .iter()
                    .map(|f| exports::file_body(c, &id, f.0).map(|b| b.map_or(0, |b| b.len() as i64)))
                    .sum::<Result<i64, _>>()
            })
            .expect("sizes");
        println!(
            "run {}: {pages} pages, {} files, {resources} resources, {:.0} MB NDJSON in {secs:.1} s \
             ({:.0} resources/s); peak heap {:.1} MB",
            run + 1,
            files.len(),
            bytes as f64 / 1e6,
            resources as f64 / secs,
            peak as f64 / (1024.0 * 1024.0)
        );
        times.push(secs);
        peaks.push(peak);
        ratios.push(secs / base_secs.max(1e-9));
        // Free the space for the next run (a DELETE on the status URL does the same).
        db.write(|c| exports::cancel(c, clinic, &id, now.naive_utc()))
            .expect("delete");
    }
    times.sort_by(|a, b| a.total_cmp(b));
    base_times.sort_by(|a, b| a.total_cmp(b));
    ratios.sort_by(|a, b| a.total_cmp(b));
    peaks.sort();
    let n = times.len();
    println!(
        "export, {n} runs: min {:.1} s, median {:.1} s, max {:.1} s; peak heap min {:.1} MB, max {:.1} MB",
        times[0],
        times[n / 2],
        times[n - 1],
        peaks[0] as f64 / 1048576.0,
        peaks[n - 1] as f64 / 1048576.0
    );
    println!(
        "baseline, {n} runs: min {:.1} s, median {:.1} s, max {:.1} s; export / baseline, paired: min {:.1}×, median {:.1}×, max {:.1}×",
        base_times[0],
        base_times[n / 2],
        base_times[n - 1],
        ratios[0],
        ratios[n / 2],
        ratios[n - 1]
    );
}
