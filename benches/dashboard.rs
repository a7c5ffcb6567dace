//! Dashboard latency at scale: spawns the app on an existing database, signs
//! in as staff and times the queue, the patient list (page 1, page 50, a
//! search) and a patient page, reporting p50/p95/max in milliseconds.
//!
//! ```sh
//! # generate throwaway data (10k patients × 100 days = 1M check-ins), then measure
//! DATABASE_URL=/tmp/bench.db cargo bench --bench dashboard -- --generate --patients 10000 --days 100
//! DATABASE_URL=/tmp/bench.db cargo bench --bench dashboard -- --requests 50
//! ```
//! Without `--generate` the database must already hold a clinic with a staff
//! member `--email` / `--password` (for example one made by `aftercare demo`).

use aftercare::config::Settings;
use aftercare::db::{audit::Actor, Db, DbConn};
use aftercare::domain::*;
use aftercare::onboarding;
use aftercare::startup::{system_clock, Application};
use chrono::{Duration, Utc};
use diesel::RunQueryDsl;
use std::time::Instant;

const BENCH_EMAIL: &str = "bench-admin@clinic.example";
const BENCH_PASSWORD: &str = "bench-password-123";

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

fn exec(c: &mut DbConn, sql: &str) -> Result<usize, aftercare::error::Error> {
    Ok(diesel::sql_query(sql).execute(c)?)
}

/// Throwaway data: one clinic, an admin, `patients` patients each with one
/// treatment 100–139 days ago and a check-in on each of its first `days`
/// days, flags on some of them. Bulk inserts in SQL for speed.
fn generate(db: &Db, patients: u32, days: u32) -> Result<(), aftercare::error::Error> {
    let now = Utc::now();
    let actor = Actor::system("bench");
    let pg = db.is_postgres();
    let clinic = db.write(|c| {
        let input =
            onboarding::ClinicInput::parse("Bench Clinic", "Europe/London", "020 7946 0000", "alerts@bench.example")?;
        let clinic = onboarding::create_clinic(c, &input, now)?;
        let p = aftercare::auth::password::NewPassword::parse(BENCH_PASSWORD)
            .map_err(|e| aftercare::error::Error::Internal(e.to_string()))?;
        let hash = onboarding::hash_password(&p)?;
        let staff = onboarding::StaffInput {
            clinic,
            email: EmailAddress::parse(BENCH_EMAIL).map_err(|e| aftercare::error::Error::Internal(e.to_string()))?,
            name: "Bench Admin".into(),
            role: Role::Admin,
        };
        onboarding::create_staff(c, &staff, Some(&hash), now, "", &actor)?;
        Ok::<_, aftercare::error::Error>(clinic)
    })?;
    let today = aftercare::triage::clinic_today(now, chrono_tz::Europe::London);
    let names = ["Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun"];
    let surnames = [
        "Lee", "Khan", "Moore", "Novak", "Okafor", "Park", "Quinn", "Rossi", "Singh", "Tran",
    ];
    let chunk = 1000;
    for start in (0..patients).step_by(chunk) {
        db.write(|c| {
            for i in start..(start + chunk as u32).min(patients) {
                let input = onboarding::PatientInput {
                    clinic,
                    email: EmailAddress::parse(&format!("patient{i}@bench.example"))
                        .map_err(|e| aftercare::error::Error::Internal(e.to_string()))?,
                    name: format!(
                        "{} {} {i}",
                        names[(i % 10) as usize],
                        surnames[((i / 10) % 10) as usize]
                    ),
                    skin_type: SkinType::new((i % 6 + 1) as i32).ok(),
                    cold_sores: i % 7 == 0,
                };
                let (pid, _, _) = onboarding::create_patient(c, &input, Some("x"), now, "", &actor)?;
                let t = onboarding::TreatmentInput {
                    patient: pid,
                    procedure: ProcedureClass::ALL[(i % 6) as usize],
                    treated_on: today - Duration::days(100 + (i % 40) as i64),
                    zones: Zones::parse("perioral").map_err(|e| aftercare::error::Error::Internal(e.to_string()))?,
                    prescribed: Prescribed::default(),
                };
                onboarding::create_treatment(c, Some(clinic), &t, now, &actor)?;
            }
            Ok::<_, aftercare::error::Error>(())
        })?;
        eprintln!("patients: {}", (start + chunk as u32).min(patients));
    }
    let (day_expr, at_expr) = if pg {
        ("t.treated_on + d.n", "(t.treated_on + d.n) + time '19:00'")
    } else {
        (
            "date(t.treated_on, '+' || d.n || ' days')",
            "datetime(t.treated_on, '+' || d.n || ' days', '+19 hours')",
        )
    };
    let cid = clinic.0;
    db.write(|c| {
        exec(
            c,
            &format!(
                "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < {last}) \
             INSERT INTO checkins (treatment_id, patient_id, clinic_id, day, day_number, kind, overall, pain, pain_relief, itch, \
             swelling, eyes_swollen_shut, redness, redness_spreading, oozing, crusts, blisters, tingling, pimples, white_patches, \
             rash_outside, raw_area, lip_swelling_or_breathing, fever, temperature_c, vision_change, eye_pain, cannot_close_eye, \
             lid_pulling, bleeding, want_call, prophylaxis, dark_patches, light_patches, raised_area, raised_area_site, note, \
             highest_severity, version, entered_at, first_entered_at) \
             SELECT t.id, t.patient_id, t.clinic_id, {day_expr}, d.n, CASE WHEN d.n <= 14 THEN 'daily' ELSE 'weekly' END, 'better', \
             CASE WHEN d.n < 6 THEN 6 - d.n ELSE 0 END, 'not_taking', CASE WHEN d.n < 10 THEN 3 ELSE 1 END, \
             CASE WHEN d.n < 3 THEN 2 WHEN d.n < 10 THEN 1 ELSE 0 END, false, CASE WHEN d.n < 20 THEN 2 ELSE 1 END, false, 'none', 'none', \
             false, false, false, false, false, false, false, false, NULL, false, false, false, false, false, false, 'not_prescribed', \
             false, false, false, NULL, NULL, NULL, 1, {at_expr}, {at_expr} \
             FROM treatments t CROSS JOIN d WHERE t.clinic_id = {cid}",
                last = days.saturating_sub(1)
            ),
        )?;
        exec(
            c,
            &format!(
                "UPDATE patients SET last_checkin_at = (SELECT MAX(entered_at) FROM checkins WHERE checkins.patient_id = patients.id) \
                 WHERE clinic_id = {cid}"
            ),
        )?;
        // Flags: open ones of every severity on some patients, resolved ones on more.
        let rv = aftercare::db::clinics::current_rules(c, clinic)?.id.0;
        exec(
            c,
            &format!(
                "INSERT INTO flags (reference, clinic_id, patient_id, treatment_id, checkin_id, rule_id, severity, severity_rank, reason, \
                 inputs, rules_version_id, occurrences, state, raised_at, last_seen_at) \
                 SELECT 'AC-B' || ch.id, ch.clinic_id, ch.patient_id, ch.treatment_id, ch.id, 'R5', \
                 CASE WHEN ch.patient_id % 3 = 0 THEN 'urgent' WHEN ch.patient_id % 3 = 1 THEN 'review' ELSE 'info' END, \
                 ch.patient_id % 3, 'Itch 8 of 10 on day 3 (expected below 7)', '{{}}', {rv}, 1, \
                 CASE WHEN ch.patient_id % 20 = 0 THEN 'open' WHEN ch.patient_id % 20 = 1 THEN 'acknowledged' ELSE 'resolved' END, \
                 ch.entered_at, ch.entered_at FROM checkins ch WHERE ch.clinic_id = {cid} AND ch.day_number = 3 AND ch.patient_id % 4 < 2"
            ),
        )?;
        Ok::<_, aftercare::error::Error>(())
    })?;
    // Fresh statistics, as a long-running database would have.
    db.write(|c| exec(c, "ANALYZE"))?;
    eprintln!("generated {patients} patients × {days} days of check-ins");
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
        let t = Instant::now();
        generate(&db, a.patients, a.days).expect("generate");
        eprintln!("generation took {:.1} s", t.elapsed().as_secs_f64());
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
