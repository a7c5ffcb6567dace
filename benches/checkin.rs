//! What one check-in costs inside the write transaction, beside the disk's
//! own one-row commit in the same run: `app::checkin::record` (store, the
//! two earlier check-ins, the rules, flags, outcome) in one `Db::write`,
//! over real patients of a demo database, against a one-row insert into a
//! scratch SQLite file in the same folder (WAL, `synchronous=FULL`).
//!
//! ```sh
//! DATABASE_URL=/tmp/load/demo.db cargo run --release -- demo   # once
//! cp /tmp/load/demo.db /tmp/load/run.db                        # it writes
//! DATABASE_URL=/tmp/load/run.db cargo bench --bench checkin -- --checkins 2000 --repeats 3
//! ```
//! Under `valgrind --tool=callgrind` (instruction counts, repeatable on a
//! noisy machine) the same run shows where the time inside the gate goes.

mod support;

use aftercare::app::checkin::{record, Submission};
use aftercare::app::notify::MailContext;
use aftercare::db::{clinics, patients, DatabaseUrl, Db};
use aftercare::domain::*;
use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::time::Instant;

struct Args {
    checkins: usize,
    repeats: usize,
}

fn args() -> Args {
    let mut a = Args {
        checkins: 2000,
        repeats: 3,
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    for w in raw.windows(2) {
        match w[0].as_str() {
            "--checkins" => a.checkins = w[1].parse().expect("--checkins N"),
            "--repeats" => a.repeats = w[1].parse().expect("--repeats N"),
            _ => {}
        }
    }
    a
}

/// Ordinary answers for the day: nothing the rules flag.
fn mild(kind: CheckInKind) -> CheckInAnswers {
    let mut f = std::collections::HashMap::new();
    for (k, v) in [
        ("overall", "same"),
        ("pain", "2"),
        ("pain_relief", "not_taking"),
        ("itch", "2"),
        ("swelling", "1"),
        ("redness", "1"),
        ("oozing", "none"),
        ("crusts", "none"),
        ("prophylaxis", "taken"),
    ] {
        f.insert(k.to_string(), v.to_string());
    }
    CheckInAnswers::from_form(&f, kind).expect("mild answers parse")
}

/// One-row commits into a scratch file beside the database, for `secs` seconds.
fn raw_commits_per_second(dir: &std::path::Path, n: usize) -> f64 {
    let path = dir.join(format!("bench-raw-commits-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut c = SqliteConnection::establish(path.to_str().expect("utf-8 path")).expect("scratch db");
    c.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);",
    )
    .expect("scratch table");
    let t = Instant::now();
    for i in 0..n {
        c.batch_execute(&format!(
            "BEGIN IMMEDIATE; INSERT INTO t (v) VALUES ('row {i}'); COMMIT;"
        ))
        .expect("insert");
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    drop(c);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    rate
}

fn main() {
    let a = args();
    let url = std::env::var("DATABASE_URL").expect("set DATABASE_URL to a copy of a demo database");
    let url = DatabaseUrl::parse(&url).expect("DATABASE_URL");
    let DatabaseUrl::Sqlite(path) = &url else {
        panic!("this benchmark measures the SQLite write path");
    };
    let dir = std::path::Path::new(path).parent().expect("a folder").to_path_buf();
    let db = Db::connect(&url).expect("database");
    let now = Utc::now();
    let today = now.date_naive();
    // Treatments a patient could check in on today (treated within 30 days).
    let ids: Vec<i64> = db
        .read(|c| {
            use aftercare::db::schema::treatments::dsl::*;
            treatments
                .filter(treated_on.ge(today - Duration::days(30)))
                .select(id)
                .order(id.asc())
                .load::<i64>(c)
                .map_err(aftercare::error::Error::from)
        })
        .expect("treatments");
    assert!(!ids.is_empty(), "no treatment within 30 days: generate the demo today");
    let subjects: Vec<(patients::Patient, clinics::Clinic, patients::Treatment)> = db
        .read(|c| {
            let mut out = Vec::new();
            for id in ids.iter().take(a.checkins) {
                let t = patients::treatment_by_id(c, TreatmentId(*id))?.expect("treatment");
                let p = patients::get(c, t.patient_id)?.expect("patient");
                let cl = clinics::get(c, p.clinic_id)?.expect("clinic");
                out.push((p, cl, t));
            }
            Ok::<_, aftercare::error::Error>(out)
        })
        .expect("subjects");
    let mail = MailContext {
        public_url: "http://127.0.0.1".into(),
        domain: "bench.example".into(),
    };
    println!(
        "{} check-ins per repeat over {} treatments; database {}",
        a.checkins,
        subjects.len(),
        path
    );
    println!(
        "{:<8} {:>16} {:>16} {:>8}",
        "repeat", "raw commits/s", "check-ins/s", "ratio"
    );
    let mut ratios = Vec::new();
    let mut per_checkin_us = Vec::new();
    for r in 0..a.repeats {
        let raw = raw_commits_per_second(&dir, a.checkins);
        let t = Instant::now();
        for i in 0..a.checkins {
            let (p, cl, tr) = &subjects[i % subjects.len()];
            // Today and the back-fill days, so inserts and amendments mix.
            let date = (today - Duration::days(((i / subjects.len()) % 4) as i64)).max(tr.treated_on);
            let kind = CheckInKind::for_day(aftercare::triage::day_number(tr.treated_on, date));
            let answers = mild(kind);
            let sub = Submission {
                patient: p,
                clinic: cl,
                treatment: tr,
                date,
                answers: &answers,
            };
            db.write(|c| record(c, &mail, &sub, now)).expect("check-in recorded");
        }
        let elapsed = t.elapsed().as_secs_f64();
        let rate = a.checkins as f64 / elapsed;
        per_checkin_us.push(elapsed * 1e6 / a.checkins as f64);
        ratios.push(rate / raw);
        println!("{:<8} {raw:>16.0} {rate:>16.0} {:>8.3}", r + 1, rate / raw);
    }
    let (min, med, _, max) = support::stats(per_checkin_us);
    println!("µs per check-in inside the gate: min {min:.0} / median {med:.0} / max {max:.0}");
    let (min, med, _, max) = support::stats(ratios);
    println!("check-ins ÷ raw commits: min {min:.3} / median {med:.3} / max {max:.3}");
}
