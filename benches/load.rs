//! The load benchmark: the release `aftercare serve` as a child process on
//! a copy of the demo data, driven over loopback by its own HTTP load
//! generator (one keep-alive connection per task, each from its own
//! 127.x.y.z address), with a loopback SMTP server for the alerts. In one
//! run, side by side:
//!
//! 1. check-in POSTs (`/checkin`, the single-POST form) at 1, 16 and 64
//!    connections, one signed-in patient per connection, mild answers spread
//!    over today and the backfill days: req/s, p50/p99/max, answers other
//!    than the 303, and the rows really stored;
//! 2. the disk's one-row fsync'd commit rate beside it (SQLite: a table in a
//!    file in the same folder, WAL, `synchronous=FULL`, one connection;
//!    PostgreSQL: `pgbench -n -c 64 -j 2` with a one-row insert script in
//!    its own database), just before and just after the check-ins, and the
//!    check-in rate as a ratio of their mean;
//! 3. `/healthz` at 64 connections;
//! 4. each staff page at 64 connections, as a % of `/healthz`;
//! 5. alerts: one urgent check-in at a time, POST sent → SMTP DATA accepted,
//!    then a burst of urgent check-ins and how long after the last 303 the
//!    last email reached the server;
//! 6. the `serve` process's VmRSS/VmHWM idle and after each phase;
//!
//! then min/median/max over the repeats. Each repeat starts from a fresh
//! copy of the database.
//!
//! ```sh
//! cargo build --release && cargo bench --bench load -- --database /tmp/load/demo.db
//! cargo bench --bench load -- --database postgres://postgres@127.0.0.1:5432/aftercare_load
//! ```
//! A missing database is made first with `aftercare demo` (`--patients`,
//! `--days`; 10,000 × 100 by default). Other options: `--seconds`,
//! `--warmup`, `--repeats`, `--skip-alerts`, `--skip-pages` (check-ins,
//! the disk and `/healthz` only), `--alert-samples`,
//! `--alert-burst`, `--alert-timeout`, `--worker-interval`, `--keep`; the
//! binary is `AFTERCARE_BIN` or the one cargo built beside this bench.

mod support;

use aftercare::app::onboarding::{self, ClinicInput, PatientInput, TreatmentInput};
use aftercare::auth::password::NewPassword;
use aftercare::db::audit::Actor;
use aftercare::db::{accounts, checkins, flags, patients, DatabaseUrl, Db};
use aftercare::domain::questions;
use aftercare::domain::*;
use aftercare::error::Error as AppError;
use aftercare::triage::{self, PriorCheckIn, TreatmentFacts};
use chrono::{Duration as Days, NaiveDate, Utc};
use reqwest::cookie::CookieStore;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::loadgen::{self, Conn, Expect, PhaseResult, Prepared};
use support::smtp::SmtpSink;

/// The check-in concurrencies compared.
const CHECKIN_CONNECTIONS: [usize; 3] = [1, 16, 64];
/// Connections for `/healthz`, the staff pages and the alert burst.
const WIDE: usize = 64;
/// The load's own clinic, so its alerts are told apart from the demo's
/// scheduler mail by their recipient.
const LOAD_CLINIC: &str = "Load Test Clinic";
const LOAD_ALERTS: &str = "alerts@load.aftercare.example";
/// A check-in accepted: 303 to its result page.
const CHECKED_IN: Expect = Expect {
    status: hyper::StatusCode::SEE_OTHER,
    location: Some("/checkin/result"),
};

#[derive(Debug, thiserror::Error)]
enum Fail {
    #[error("{0}")]
    Setup(String),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0}")]
    Db(#[from] aftercare::db::DbError),
    #[error("{0}")]
    Diesel(#[from] diesel::result::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Http(#[from] reqwest::Error),
}

type Result<T, E = Fail> = std::result::Result<T, E>;

fn setup(msg: impl Into<String>) -> Fail {
    Fail::Setup(msg.into())
}

struct Args {
    database: String,
    patients: u32,
    days: u32,
    seconds: u64,
    warmup: u64,
    repeats: usize,
    skip_alerts: bool,
    skip_pages: bool,
    alert_samples: usize,
    alert_burst: usize,
    alert_timeout: u64,
    worker_interval: u64,
    keep: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        database: "/tmp/aftercare-load/demo.db".into(),
        patients: 10_000,
        days: 100,
        seconds: 10,
        warmup: 2,
        repeats: 3,
        skip_alerts: false,
        skip_pages: false,
        alert_samples: 100,
        alert_burst: 1000,
        alert_timeout: 30,
        worker_interval: 600,
        keep: false,
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < raw.len() {
        let next = raw.get(i + 1).cloned().unwrap_or_default();
        let number = |name: &str| -> Result<u64> {
            next.parse()
                .map_err(|_| setup(format!("{name} takes a number, not {next:?}")))
        };
        let mut takes_value = true;
        match raw[i].as_str() {
            "--database" => a.database = next.clone(),
            "--patients" => a.patients = number("--patients")? as u32,
            "--days" => a.days = number("--days")? as u32,
            "--seconds" => a.seconds = number("--seconds")?.max(1),
            "--warmup" => a.warmup = number("--warmup")?,
            "--repeats" => a.repeats = (number("--repeats")? as usize).max(1),
            "--alert-samples" => a.alert_samples = number("--alert-samples")? as usize,
            "--alert-burst" => a.alert_burst = number("--alert-burst")? as usize,
            "--alert-timeout" => a.alert_timeout = number("--alert-timeout")?.max(1),
            "--worker-interval" => a.worker_interval = number("--worker-interval")?,
            "--skip-alerts" => (a.skip_alerts, takes_value) = (true, false),
            "--skip-pages" => (a.skip_pages, takes_value) = (true, false),
            "--keep" => (a.keep, takes_value) = (true, false),
            // `cargo bench` passes `--bench`; ignore what we do not know.
            _ => takes_value = false,
        }
        i += 1 + usize::from(takes_value);
    }
    Ok(a)
}

/// The `aftercare` binary: `AFTERCARE_BIN`, else the one cargo built for
/// this bench (`cargo bench` builds the package's binaries with the bench
/// profile, which is the release one).
fn binary() -> Result<PathBuf> {
    let bin = std::env::var_os("AFTERCARE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_aftercare")));
    if !bin.is_file() {
        return Err(setup(format!(
            "no aftercare binary at {}: build it with `cargo build --release` (or set AFTERCARE_BIN)",
            bin.display()
        )));
    }
    if bin.components().any(|c| c.as_os_str() == "debug") {
        eprintln!(
            "warning: {} is a debug build; measure with `cargo build --release && cargo bench --bench load`",
            bin.display()
        );
    }
    Ok(bin)
}

// ---------------------------------------------------------------------------
// The database measured, and the fresh copy each repeat runs on.

/// The demo database the repeats copy.
enum Source {
    Sqlite(PathBuf),
    /// A database on a PostgreSQL server, and that server's `postgres`
    /// database for CREATE/DROP DATABASE.
    Postgres {
        url: url::Url,
        name: String,
    },
}

/// A plain PostgreSQL database name (it goes into CREATE DATABASE unquoted).
fn plain_name(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() < 50
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    ok.then(|| name.to_string())
        .ok_or_else(|| setup(format!("use a database name of a-z, 0-9 and _ (not {name:?})")))
}

fn pg_url(base: &url::Url, name: &str) -> String {
    let mut u = base.clone();
    u.set_path(&format!("/{name}"));
    u.to_string()
}

fn pg_admin(base: &url::Url, sql: &str) -> Result<()> {
    use diesel::{Connection, RunQueryDsl};
    let mut c = diesel::pg::PgConnection::establish(&pg_url(base, "postgres"))
        .map_err(|e| setup(format!("PostgreSQL server: {e}")))?;
    diesel::sql_query(sql).execute(&mut c)?;
    Ok(())
}

impl Source {
    fn parse(raw: &str) -> Result<Source> {
        match DatabaseUrl::parse(raw).map_err(|e| setup(format!("--database {e}")))? {
            DatabaseUrl::Sqlite(path) => Ok(Source::Sqlite(PathBuf::from(path))),
            DatabaseUrl::Postgres(u) => {
                let url = url::Url::parse(&u).map_err(|e| setup(format!("--database: {e}")))?;
                let name = plain_name(url.path().trim_start_matches('/'))?;
                Ok(Source::Postgres { url, name })
            }
        }
    }

    fn url(&self) -> String {
        match self {
            Source::Sqlite(p) => p.to_string_lossy().into_owned(),
            Source::Postgres { url, name } => pg_url(url, name),
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            Source::Sqlite(_) => "SQLite",
            Source::Postgres { .. } => "PostgreSQL",
        }
    }

    /// Where the copies, the disk probe and the logs go: beside the database
    /// (same disk) for SQLite, a temporary folder for PostgreSQL.
    fn work_dir(&self) -> PathBuf {
        match self {
            Source::Sqlite(p) => p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join("aftercare-load-run"),
            Source::Postgres { name, .. } => std::env::temp_dir().join(format!("aftercare-load-{name}")),
        }
    }

    /// Makes the demo data when the database does not hold it yet.
    fn ensure_demo(&self, bin: &Path, patients: u32, days: u32) -> Result<()> {
        if let Source::Postgres { url, name } = self {
            use diesel::Connection;
            if diesel::pg::PgConnection::establish(&self.url()).is_err() {
                pg_admin(url, &format!("CREATE DATABASE {name}"))?;
            }
        }
        let has_demo = match self {
            Source::Sqlite(p) if !p.exists() => false,
            _ => {
                let db = Db::connect_single(&DatabaseUrl::parse(&self.url()).map_err(setup)?)?;
                let admin = EmailAddress::parse(aftercare::demo::ADMIN_EMAIL).map_err(|e| setup(e.to_string()))?;
                db.read(|c| Ok::<_, Fail>(accounts::email_taken(c, &admin)?))?
            }
        };
        if has_demo {
            return Ok(());
        }
        if let Source::Sqlite(p) = self {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        eprintln!(
            "making the demo data ({patients} patients × {days} days) in {} …",
            self.url()
        );
        let status = Command::new(bin)
            .args(["demo", "--patients", &patients.to_string(), "--days", &days.to_string()])
            .env("DATABASE_URL", self.url())
            .status()?;
        if !status.success() {
            return Err(setup(format!("`aftercare demo` failed ({status})")));
        }
        Ok(())
    }

    /// On PostgreSQL, what autovacuum would long since have done to a real
    /// database (this machine's server runs with autovacuum off): `VACUUM
    /// ANALYZE` the demo once, so each copy plans with statistics and its
    /// index-only scans need not visit the heap. Without it every statement
    /// was planned on guesses (a queue read walked every unresolved-state
    /// entry of `flags_escalation`). SQLite has no such upkeep.
    fn settle(&self) -> Result<()> {
        if let Source::Postgres { .. } = self {
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            let mut c = diesel::pg::PgConnection::establish(&self.url())
                .map_err(|e| setup(format!("PostgreSQL server: {e}")))?;
            c.batch_execute("VACUUM ANALYZE")
                .map_err(|e| setup(format!("VACUUM ANALYZE of the demo: {e}")))?;
        }
        Ok(())
    }

    /// A fresh copy of the database for one repeat.
    fn copy(&self, dir: &Path, repeat: usize) -> Result<Working> {
        match self {
            Source::Sqlite(p) => {
                let to = dir.join(format!("run{repeat}.db"));
                for suffix in SQLITE_FILES {
                    let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
                }
                std::fs::copy(p, &to)?;
                let wal = PathBuf::from(format!("{}-wal", p.display()));
                if wal.exists() {
                    std::fs::copy(&wal, format!("{}-wal", to.display()))?;
                }
                Ok(Working::Sqlite(to))
            }
            Source::Postgres { url, name } => {
                let run = format!("{name}_run");
                pg_admin(url, &format!("DROP DATABASE IF EXISTS {run} WITH (FORCE)"))?;
                pg_admin(url, &format!("CREATE DATABASE {run} TEMPLATE {name}"))?;
                Ok(Working::Postgres {
                    server: url.clone(),
                    name: run,
                })
            }
        }
    }
}

/// A SQLite database's files: the database, its WAL and shared memory, and
/// the lock file `serve` holds against a restore.
const SQLITE_FILES: [&str; 4] = ["", "-wal", "-shm", ".lock"];

/// One repeat's copy; removed when dropped.
enum Working {
    Sqlite(PathBuf),
    Postgres { server: url::Url, name: String },
}

impl Working {
    fn url(&self) -> String {
        match self {
            Working::Sqlite(p) => p.to_string_lossy().into_owned(),
            Working::Postgres { server, name } => pg_url(server, name),
        }
    }
    fn database_url(&self) -> Result<DatabaseUrl> {
        DatabaseUrl::parse(&self.url()).map_err(setup)
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        match self {
            Working::Sqlite(p) => {
                for suffix in SQLITE_FILES {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Working::Postgres { server, name } => {
                let _ = pg_admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The patients who check in, made before `serve` starts.

struct LoadPatient {
    email: String,
    /// Checked in with mild answers, again and again (the throughput phases).
    mild: TreatmentId,
    /// Each gets one urgent check-in: a new flag, so a new email.
    alerts: Vec<TreatmentId>,
}

struct Scene {
    today: NaiveDate,
    treated_on: NaiveDate,
    patients: Vec<LoadPatient>,
    /// Demo data the staff pages show.
    demo_patient: PatientId,
    demo_flag: String,
    checkins_total: i64,
    patients_total: i64,
}

/// An ordinary day a few days after a non-ablative treatment: a little
/// pain, itch, swelling and redness, which no rule flags (checked in
/// [`check_answers`]).
fn mild() -> CheckInAnswers {
    CheckInAnswers {
        pain: 1,
        itch: 1,
        swelling: 1,
        redness: 1,
        ..CheckInAnswers::calm()
    }
}

/// Answers a rule flags as urgent (a fever, as in tests/api/alerts.rs).
fn urgent() -> CheckInAnswers {
    CheckInAnswers {
        fever: true,
        pain: 4,
        ..CheckInAnswers::calm()
    }
}

const PROCEDURE: ProcedureClass = ProcedureClass::NonablativeFractional;
const ZONES: &str = "other";

/// The treatment day the load's days fall on: today and the backfill days
/// after it (so no day is before the treatment).
fn treated_on(today: NaiveDate) -> NaiveDate {
    today - Days::days(aftercare::app::checkin::BACKFILL_DAYS + 1)
}

/// The days a patient may check in for: today and the backfill days.
fn checkin_days(today: NaiveDate) -> Vec<NaiveDate> {
    (0..=aftercare::app::checkin::BACKFILL_DAYS)
        .map(|back| today - Days::days(back))
        .collect()
}

/// The benchmark's claims rest on which answers flag: mild raise nothing on
/// any day (whatever came before), urgent raise an urgent flag.
fn check_answers(c: &mut aftercare::db::DbConn, clinic: ClinicId, scene_today: NaiveDate) -> Result<()> {
    let (_, settings) = aftercare::app::checkin::rules_of(c, clinic)?;
    let facts = TreatmentFacts {
        procedure: PROCEDURE,
        zones: Zones::parse(ZONES).map_err(|e| setup(e.to_string()))?,
        prescribed: Prescribed::default(),
        cold_sores: false,
        skin_type: None,
    };
    let start = treated_on(scene_today);
    let (calm, fever) = (mild(), urgent());
    let days: Vec<i64> = checkin_days(scene_today)
        .into_iter()
        .map(|d| triage::day_number(start, d))
        .collect();
    for &day in &days {
        let earlier: Vec<PriorCheckIn> = days
            .iter()
            .filter(|d| **d != day)
            .map(|&d| PriorCheckIn { day: d, answers: &calm })
            .collect();
        let found = triage::evaluate(day, &calm, &earlier, &facts, &settings);
        if !found.is_empty() {
            return Err(setup(format!("the mild answers flag on day {day}: pick other answers")));
        }
    }
    let today = triage::day_number(start, scene_today);
    if triage::highest(&triage::evaluate(today, &fever, &[], &facts, &settings)) != Some(Severity::Urgent) {
        return Err(setup("the urgent answers do not flag urgent: pick other answers"));
    }
    Ok(())
}

/// The load's clinic, patients and treatments, and what the staff pages
/// will show, in the repeat's copy.
fn make_scene(db: &Db, n_patients: usize, alerts_each: usize, public_url: &str) -> Result<Scene> {
    let now = Utc::now();
    let actor = Actor::system("load-bench");
    let hash =
        onboarding::hash_password(&NewPassword::parse(aftercare::demo::PASSWORD).map_err(|e| setup(e.to_string()))?)?;
    let input = ClinicInput::parse(LOAD_CLINIC, "Europe/London", "020 7946 0999", LOAD_ALERTS)?;
    let clinic = db.write(|c| onboarding::create_clinic(c, &input, now, &actor))?;
    let today = triage::clinic_today(now, input.timezone.0);
    db.read(|c| check_answers(c, clinic, today))?;
    let start = treated_on(today);
    let patients = db.write(|c| {
        let mut out = Vec::with_capacity(n_patients);
        for i in 0..n_patients {
            let email = format!("load{i}@load.aftercare.example");
            let p = PatientInput {
                clinic,
                email: EmailAddress::parse(&email).map_err(|e| setup(e.to_string()))?,
                name: format!("Load Patient {i}"),
                skin_type: None,
                cold_sores: false,
                phone: None,
                language: Lang::En,
            };
            let (patient, _, _) = onboarding::create_patient(c, &p, Some(&hash), now, public_url, &actor)?;
            let mut treatment = || {
                let t = TreatmentInput {
                    patient,
                    procedure: PROCEDURE,
                    treated_on: start,
                    zones: Zones::parse(ZONES).map_err(|e| setup(e.to_string()))?,
                    prescribed: Prescribed::default(),
                };
                Ok::<_, Fail>(onboarding::create_treatment(c, Some(clinic), &t, now, &actor)?)
            };
            let mild = treatment()?;
            let alerts = (0..alerts_each).map(|_| treatment()).collect::<Result<Vec<_>>>()?;
            out.push(LoadPatient { email, mild, alerts });
        }
        Ok::<_, Fail>(out)
    })?;

    // The staff pages' subjects: the demo's first patient, and the first
    // open flag of the demo clinic's first patients.
    let admin = EmailAddress::parse(aftercare::demo::ADMIN_EMAIL).map_err(|e| setup(e.to_string()))?;
    db.read(|c| {
        let account = accounts::by_email(c, &admin)?.ok_or_else(|| setup("no demo admin"))?;
        let demo = accounts::staff_by_account(c, account.id)?
            .ok_or_else(|| setup("the demo admin is not staff"))?
            .clinic_id;
        let first = patients::page_after(c, demo, 0, 200)?;
        let demo_patient = first
            .first()
            .map(|p| p.id)
            .ok_or_else(|| setup("the demo has no patients"))?;
        let mut demo_flag = None;
        for p in &first {
            if let Some(f) = flags::unresolved_of_patient(c, demo, p.id)?.into_iter().next() {
                demo_flag = Some(f.reference);
                break;
            }
        }
        let demo_flag = demo_flag.ok_or_else(|| setup("no open flag among the demo's first 200 patients"))?;
        Ok(Scene {
            today,
            treated_on: start,
            patients,
            demo_patient,
            demo_flag,
            checkins_total: count_checkins(c)?,
            patients_total: patients::count_in_clinic(c, demo)?,
        })
    })
}

fn count_checkins(c: &mut aftercare::db::DbConn) -> Result<i64> {
    use diesel::prelude::*;
    Ok(aftercare::db::schema::checkins::table.count().get_result::<i64>(c)?)
}

/// What the mild treatments hold: (check-in versions stored, flags).
fn stored(db: &Db, scene: &Scene) -> Result<(u64, u64)> {
    db.read(|c| {
        let (mut versions, mut raised) = (0u64, 0u64);
        for p in &scene.patients {
            for ci in checkins::of_treatment(c, p.mild)? {
                versions += 1 + checkins::revisions(c, ci.id)?.len() as u64;
            }
            raised += flags::of_treatment(c, p.mild)?.len() as u64;
        }
        Ok::<_, Fail>((versions, raised))
    })
}

// ---------------------------------------------------------------------------
// The server.

/// `aftercare serve` as a child process; stopped (SIGTERM, then SIGKILL)
/// when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    base: String,
    log: PathBuf,
}

impl Serve {
    async fn start(bin: &Path, db_url: &str, dir: &Path, smtp_port: u16, worker_interval: u64) -> Result<Serve> {
        // A free port: bound and let go, then given to serve.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let base = format!("http://{addr}");
        let log = dir.join("serve.log");
        let out = std::fs::File::create(&log)?;
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            // Only what is set here (and the PG*/RUST_LOG the caller set):
            // no DATABASE_URL or MAIL_DIR from the shell, no .env from a checkout.
            .env_clear()
            .envs(std::env::vars().filter(|(k, _)| k.starts_with("PG") || k == "RUST_LOG"))
            .env("DATABASE_URL", db_url)
            .env("BIND", addr.to_string())
            .env("PUBLIC_URL", &base)
            .env("SMTP_HOST", "127.0.0.1")
            .env("SMTP_PORT", smtp_port.to_string())
            .env("SMTP_SECURITY", "off")
            .env("SMTP_FROM", "Aftercare <aftercare@load.aftercare.example>")
            .env("WORKER_INTERVAL_SECONDS", worker_interval.to_string())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        let child = cmd.spawn()?;
        let mut serve = Serve { child, addr, base, log };
        serve.wait_ready().await?;
        Ok(serve)
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(10).collect();
                return Err(setup(format!(
                    "serve exited ({status}); its log ends:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )));
            }
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(setup("serve did not answer /healthz within 300 s"))
    }

    /// VmRSS and VmHWM from /proc/<pid>/status, in kB.
    fn memory(&self) -> Mem {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Mem {
            rss_kb: field("VmRSS:"),
            hwm_kb: field("VmHWM:"),
        }
    }

    fn log_bytes(&self) -> u64 {
        std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0)
    }

    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // SIGTERM (std can only send SIGKILL): serve's graceful shutdown.
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.stop();
    }
}

/// CPU seconds (user + system) a process has used: `/proc/<pid>/stat`, in
/// the kernel's fixed 100 ticks a second.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses: utime
    // and stime are the 12th and 13th of them.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let ticks: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    ticks.iter().sum::<u64>() as f64 / 100.0
}

/// One load phase, and the CPU time each side used during it.
struct Phase {
    r: PhaseResult,
    serve_cpu_s: f64,
    client_cpu_s: f64,
    wall_s: f64,
}

impl Phase {
    /// The server's CPU time per request, in ms.
    fn serve_ms_per_request(&self) -> f64 {
        1000.0 * self.serve_cpu_s / (self.r.sent_total.max(1) as f64)
    }
    /// The load generator's (this process's) share of one core, in %.
    fn client_percent(&self) -> f64 {
        100.0 * self.client_cpu_s / self.wall_s.max(f64::EPSILON)
    }
}

async fn phase(serve: &Serve, clients: Vec<loadgen::Client>, expect: Expect, a: &Args) -> Phase {
    let pid = serve.child.id().to_string();
    let (s0, c0, t0) = (cpu_seconds(&pid), cpu_seconds("self"), Instant::now());
    let r = loadgen::run(
        serve.addr,
        clients,
        expect,
        Duration::from_secs(a.warmup),
        Duration::from_secs(a.seconds),
    )
    .await;
    Phase {
        r,
        serve_cpu_s: cpu_seconds(&pid) - s0,
        client_cpu_s: cpu_seconds("self") - c0,
        wall_s: t0.elapsed().as_secs_f64(),
    }
}

// ---------------------------------------------------------------------------
// Sign-in and the requests.

/// Each person's own loopback address: 127.<group>.<i / 250>.<i % 250 + 1>.
fn address(group: u8, i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, group, (i / 250) as u8, (i % 250 + 1) as u8))
}

struct Session {
    local: IpAddr,
    cookie: Option<hyper::header::HeaderValue>,
    csrf: String,
}

async fn sign_in(base: &str, email: &str, local: IpAddr, form_page: Option<&str>) -> Result<Session> {
    let (client, jar) = support::signed_in_from(base, email, aftercare::demo::PASSWORD, Some(local)).await;
    let csrf = match form_page {
        Some(page) => support::csrf_of(&client.get(format!("{base}{page}")).send().await?.text().await?),
        None => String::new(),
    };
    let url = url::Url::parse(base).map_err(|e| setup(e.to_string()))?;
    Ok(Session {
        local,
        cookie: jar.cookies(&url),
        csrf,
    })
}

/// The single-POST check-in form: every question at once (no `signs`).
fn checkin_post(s: &Session, treatment: TreatmentId, day: NaiveDate, answers: &CheckInAnswers) -> Prepared {
    let mut fields = vec![
        ("csrf".to_string(), s.csrf.clone()),
        ("treatment".to_string(), treatment.0.to_string()),
        ("date".to_string(), day.format("%Y-%m-%d").to_string()),
    ];
    let mut answers: Vec<(String, String)> = questions::values_of(answers).into_iter().collect();
    answers.sort();
    fields.extend(answers);
    Prepared::post("/checkin", &fields)
}

// ---------------------------------------------------------------------------
// One repeat.

#[derive(Clone, Copy, Default)]
struct Mem {
    rss_kb: u64,
    hwm_kb: u64,
}

struct Checkins {
    connections: usize,
    result: Phase,
    accepted: u64,
    stored: u64,
    flags_raised: u64,
}

struct Alerts {
    /// ms from the POST being sent to the SMTP server accepting the email.
    latencies: Vec<f64>,
    wanted: usize,
    timed_out: usize,
    not_accepted: usize,
    burst: Option<Burst>,
}

struct Burst {
    posted: usize,
    accepted: usize,
    arrived: usize,
    posting_s: f64,
    /// The last email's arrival after the last 303 (None: not all arrived).
    after_last_post_s: Option<f64>,
}

struct Repeat {
    checkins: Vec<Checkins>,
    disk: Disk,
    healthz: Phase,
    pages: Vec<(String, Phase)>,
    alerts: Option<Alerts>,
    memory: Vec<(&'static str, Mem)>,
    log_bytes: u64,
    /// Emails to others than the load's clinic (the scheduler's, on the
    /// demo data) while it ran.
    other_mail: usize,
}

/// The disk's one-row commit rate, measured just before the check-in
/// phases and just after them (on a shared machine it moves with what
/// others write).
struct Disk {
    what: &'static str,
    before: f64,
    after: f64,
}

impl Disk {
    /// What the check-in rates are compared with: the mean of the two.
    fn rate(&self) -> f64 {
        (self.before + self.after) / 2.0
    }
}

impl Source {
    fn disk_what(&self) -> &'static str {
        match self {
            Source::Sqlite(_) => "SQLite one-row fsync'd commits/s (WAL, synchronous=FULL, 1 connection)",
            Source::Postgres { .. } => "pgbench one-row insert tps (-c 64 -j 2)",
        }
    }

    fn disk_rate(&self, dir: &Path, a: &Args) -> Result<f64> {
        match self {
            Source::Sqlite(_) => sqlite_fsync_rate(dir, a.warmup, a.seconds),
            Source::Postgres { url, name } => pgbench_rate(url, name, dir, a.seconds),
        }
    }
}

/// SQLite: one-row transactions on one connection in a WAL file with
/// `synchronous=FULL`, in `dir`, for `seconds`: commits per second. Timed
/// once the WAL has wrapped at a checkpoint (1,000 pages), so that, like a
/// database in use, commits overwrite a WAL of steady size rather than grow
/// the file (whose fsync then also writes the file system's metadata).
fn sqlite_fsync_rate(dir: &Path, warmup: u64, seconds: u64) -> Result<f64> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let path = dir.join("fsync-probe.db");
    let _ = std::fs::remove_file(&path);
    let mut c = diesel::sqlite::SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| setup(format!("probe database: {e}")))?;
    c.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL);",
    )?;
    let commit = "BEGIN IMMEDIATE; INSERT INTO probe (at) VALUES (datetime('now')); COMMIT;";
    let start = Instant::now();
    let mut n = 0u64;
    while n < 1_100 || start.elapsed() < Duration::from_secs(warmup) {
        c.batch_execute(commit)?;
        n += 1;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        c.batch_execute(commit)?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(c);
    for suffix in SQLITE_FILES {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(rate)
}

/// PostgreSQL: pgbench's tps for a one-row insert at 64 clients, in a
/// database of its own on the same server.
fn pgbench_rate(server: &url::Url, source: &str, dir: &Path, seconds: u64) -> Result<f64> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let name = format!("{source}_pgbench");
    pg_admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    pg_admin(server, &format!("CREATE DATABASE {name}"))?;
    let url = pg_url(server, &name);
    let mut c = diesel::pg::PgConnection::establish(&url).map_err(|e| setup(format!("pgbench database: {e}")))?;
    c.batch_execute("CREATE TABLE probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())")?;
    drop(c);
    let script = dir.join("insert-one.sql");
    std::fs::write(&script, "INSERT INTO probe DEFAULT VALUES;\n")?;
    let pgbench = std::env::var("PGBENCH").unwrap_or_else(|_| "pgbench".into());
    let out = Command::new(&pgbench)
        .args(["-n", "-c", "64", "-j", "2", "-T", &seconds.to_string(), "-f"])
        .arg(&script)
        .arg(&url)
        .output()
        .map_err(|e| setup(format!("{pgbench}: {e} (install postgresql-client or set PGBENCH)")))?;
    let _ = pg_admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| {
            setup(format!(
                "pgbench gave no tps: {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            ))
        })
}

#[allow(clippy::too_many_arguments)]
async fn alerts(
    serve: &Serve,
    sink: &SmtpSink,
    scene: &Scene,
    sessions: &[Session],
    samples: usize,
    burst: usize,
    timeout: Duration,
) -> Alerts {
    // Alert treatment number g belongs to patient g % P, its (g / P)th.
    let per = sessions.len();
    let treatment = |g: usize| scene.patients[g % per].alerts[g / per];
    let fever = urgent();
    let mut out = Alerts {
        latencies: Vec::with_capacity(samples),
        wanted: samples,
        timed_out: 0,
        not_accepted: 0,
        burst: None,
    };
    let mut conns: Vec<Conn> = sessions
        .iter()
        .map(|s| Conn::new(serve.addr, s.local, s.cookie.clone()))
        .collect();
    let mut consecutive_timeouts = 0;
    for g in 0..samples {
        let s = &sessions[g % per];
        let post = checkin_post(s, treatment(g), scene.today, &fever);
        let before = sink.count_to(LOAD_ALERTS);
        let sent = Instant::now();
        let reply = conns[g % per].send(&post).await;
        if !matches!(&reply, Ok(r) if r.meets(CHECKED_IN)) {
            out.not_accepted += 1;
            continue;
        }
        let got = sink.wait_for(LOAD_ALERTS, before + 1, timeout).await;
        match got.get(before) {
            Some(a) => {
                consecutive_timeouts = 0;
                out.latencies
                    .push(a.at.saturating_duration_since(sent).as_secs_f64() * 1000.0);
            }
            None => {
                out.timed_out += 1;
                consecutive_timeouts += 1;
                if consecutive_timeouts == 3 {
                    eprintln!(
                        "  three alerts in a row did not arrive within {} s: no wake-up on commit? (--worker-interval)",
                        timeout.as_secs()
                    );
                    break;
                }
            }
        }
    }
    out.latencies.sort_by(|a, b| a.total_cmp(b));
    if burst == 0 {
        return out;
    }

    // The burst: every connection posts its patients' urgent check-ins as
    // fast as it can.
    let before = sink.count_to(LOAD_ALERTS);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (p, mut conn) in conns.into_iter().enumerate() {
        let posts: Vec<Prepared> = (samples..samples + burst)
            .filter(|g| g % per == p)
            .map(|g| checkin_post(&sessions[p], treatment(g), scene.today, &fever))
            .collect();
        tasks.push(tokio::spawn(async move {
            let (mut accepted, mut last) = (0usize, None::<Instant>);
            for post in &posts {
                if matches!(conn.send(post).await, Ok(r) if r.meets(CHECKED_IN)) {
                    accepted += 1;
                    last = Some(Instant::now());
                }
            }
            (accepted, last)
        }));
    }
    let (mut accepted, mut last_post) = (0usize, None::<Instant>);
    for t in tasks {
        if let Ok((a, l)) = t.await {
            accepted += a;
            last_post = last_post.max(l);
        }
    }
    let posting_s = started.elapsed().as_secs_f64();
    let got = sink.wait_for(LOAD_ALERTS, before + accepted, timeout).await;
    let arrived = got.len().saturating_sub(before);
    let after_last_post_s = match (got.last(), last_post) {
        (Some(last), Some(posted)) if arrived >= accepted && accepted > 0 => {
            // Signed: the last email may beat the last 303 to the client.
            let s = if last.at >= posted {
                last.at.duration_since(posted).as_secs_f64()
            } else {
                -posted.duration_since(last.at).as_secs_f64()
            };
            Some(s)
        }
        _ => None,
    };
    out.burst = Some(Burst {
        posted: burst,
        accepted,
        arrived,
        posting_s,
        after_last_post_s,
    });
    out
}

async fn one_repeat(a: &Args, bin: &Path, source: &Source, dir: &Path, repeat: usize) -> Result<(Repeat, Scene)> {
    let working = source.copy(dir, repeat)?;
    let alerts_wanted = if a.skip_alerts {
        0
    } else {
        a.alert_samples + a.alert_burst
    };
    let patients_n = WIDE;
    let alerts_each = alerts_wanted.div_ceil(patients_n);
    let db = Db::connect_single(&working.database_url()?)?;
    let scene = make_scene(&db, patients_n, alerts_each, "http://127.0.0.1")?;

    let sink = SmtpSink::start().await?;
    let mut serve = Serve::start(bin, &working.url(), dir, sink.port(), a.worker_interval).await?;
    let mut memory = vec![("idle", serve.memory())];
    let base = serve.base.clone();

    // Sign-in runs argon2: all of it before anything is timed.
    let mut sessions = Vec::with_capacity(patients_n);
    for (i, p) in scene.patients.iter().enumerate() {
        let page = format!("/checkin?treatment={}", p.mild.0);
        sessions.push(sign_in(&base, &p.email, address(1, i), Some(&page)).await?);
    }
    let staff = sign_in(&base, aftercare::demo::ADMIN_EMAIL, address(2, 0), None).await?;
    memory.push(("signed in", serve.memory()));

    let disk_before = source.disk_rate(dir, a)?;

    let days = checkin_days(scene.today);
    let calm = mild();
    let mut checkin_results = Vec::new();
    for conns in CHECKIN_CONNECTIONS {
        let (before, flags_before) = stored(&db, &scene)?;
        let clients = sessions[..conns]
            .iter()
            .zip(&scene.patients)
            .map(|(s, p)| loadgen::Client {
                local: s.local,
                cookie: s.cookie.clone(),
                requests: days.iter().map(|d| checkin_post(s, p.mild, *d, &calm)).collect(),
            })
            .collect();
        let result = phase(&serve, clients, CHECKED_IN, a).await;
        let (after, flags_after) = stored(&db, &scene)?;
        checkin_results.push(Checkins {
            connections: conns,
            accepted: result.r.successes_total,
            stored: after - before,
            flags_raised: flags_after - flags_before,
            result,
        });
    }
    memory.push(("check-ins", serve.memory()));
    let disk = Disk {
        what: source.disk_what(),
        before: disk_before,
        after: source.disk_rate(dir, a)?,
    };

    // WIDE connections asking for `path`, connection i from `local(i)`.
    let wide = |local: &dyn Fn(usize) -> IpAddr, cookie: Option<hyper::header::HeaderValue>, path: &str| {
        (0..WIDE)
            .map(|i| loadgen::Client {
                local: local(i),
                cookie: cookie.clone(),
                requests: vec![Prepared::get(path)],
            })
            .collect::<Vec<_>>()
    };
    let healthz = phase(&serve, wide(&|i| address(3, i), None, "/healthz"), Expect::OK, a).await;
    memory.push(("/healthz", serve.memory()));

    let pages = [
        ("queue /clinic".to_string(), "/clinic".to_string()),
        ("patient list".to_string(), "/clinic/patients".to_string()),
        (
            "patient list page 50".to_string(),
            "/clinic/patients?page=50".to_string(),
        ),
        (
            format!("search \"{}\"", support::COMMON_SURNAME),
            format!("/clinic/patients?q={}", support::COMMON_SURNAME),
        ),
        (
            "patient page".to_string(),
            format!("/clinic/patients/{}", scene.demo_patient.0),
        ),
        ("flag page".to_string(), format!("/clinic/flags/{}", scene.demo_flag)),
    ];
    let mut page_results = Vec::new();
    let pages = if a.skip_pages { Vec::new() } else { pages.to_vec() };
    for (name, path) in pages {
        // All 64 connections share the one staff session, as tabs would.
        let clients = wide(&|_| staff.local, staff.cookie.clone(), &path);
        page_results.push((name, phase(&serve, clients, Expect::OK, a).await));
    }
    memory.push(("staff pages", serve.memory()));

    let alert_results = if a.skip_alerts {
        None
    } else {
        let timeout = Duration::from_secs(a.alert_timeout);
        let r = alerts(
            &serve,
            &sink,
            &scene,
            &sessions,
            a.alert_samples,
            a.alert_burst,
            timeout,
        )
        .await;
        memory.push(("alerts", serve.memory()));
        Some(r)
    };

    serve.stop();
    let other_mail = sink.count() - sink.count_to(LOAD_ALERTS);
    let log_bytes = serve.log_bytes();
    if !a.keep {
        let _ = std::fs::remove_file(&serve.log);
    }
    drop(db);
    drop(working);
    Ok((
        Repeat {
            checkins: checkin_results,
            disk,
            healthz,
            pages: page_results,
            alerts: alert_results,
            memory,
            log_bytes,
            other_mail,
        },
        scene,
    ))
}

// ---------------------------------------------------------------------------
// Reporting.

const MB: f64 = 1024.0;

/// A figure of one repeat, for the min/median/max over the repeats.
struct Figure {
    name: String,
    value: f64,
}

fn fig(name: impl Into<String>, value: f64) -> Figure {
    Figure {
        name: name.into(),
        value,
    }
}

fn status_note(r: &PhaseResult) -> String {
    if r.unexpected == 0 {
        return String::new();
    }
    let mut s: Vec<String> = r
        .statuses
        .iter()
        .map(|(code, n)| {
            if *code == 0 {
                format!("{n}× no answer")
            } else {
                format!("{n}× {code}")
            }
        })
        .collect();
    if let Some(e) = &r.first_error {
        s.push(format!("first error: {e}"));
    }
    format!("  [{}]", s.join(", "))
}

impl Repeat {
    fn print(&self) {
        println!(
            "{:<26} {:>5} {:>9} {:>8} {:>8} {:>8} {:>6} {:>4} {:>9} {:>7}  compared",
            "", "conns", "req/s", "p50 ms", "p99 ms", "max ms", "not ok", "5xx", "CPU ms/r", "load %"
        );
        // CPU ms/r: serve's CPU time per request; load %: the load
        // generator's share of one core (it runs on the same machine).
        let row = |name: &str, conns: usize, p: &Phase, compared: String| {
            let r = &p.r;
            println!(
                "{name:<26} {conns:>5} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>4} {:>9.3} {:>7.0}  {compared}{}",
                r.per_second(),
                r.quantile(0.5),
                r.quantile(0.99),
                r.latencies.last().copied().unwrap_or(0.0),
                r.unexpected,
                r.server_errors(),
                p.serve_ms_per_request(),
                p.client_percent(),
                status_note(r),
            )
        };
        let disk = self.disk.rate();
        for c in &self.checkins {
            let stored = if c.stored == c.accepted {
                format!("all {} stored", c.accepted)
            } else {
                format!("MISMATCH: {} accepted, {} stored", c.accepted, c.stored)
            };
            row(
                "check-in POST",
                c.connections,
                &c.result,
                format!(
                    "{:.3}× disk; {stored}; {} flags",
                    c.result.r.per_second() / disk,
                    c.flags_raised
                ),
            );
        }
        println!(
            "{:<32} {disk:>9.1}  {} (before the check-ins {:.1}, after {:.1})",
            "disk", self.disk.what, self.disk.before, self.disk.after
        );
        row("/healthz", WIDE, &self.healthz, String::new());
        let h = self.healthz.r.per_second();
        for (name, p) in &self.pages {
            row(
                name,
                WIDE,
                p,
                format!("{:.2} % of /healthz", 100.0 * p.r.per_second() / h),
            );
        }
        if let Some(a) = &self.alerts {
            let q = |x: f64| support::quantile(&a.latencies, x);
            println!(
                "alert, one at a time: POST sent → SMTP DATA accepted, n={} of {}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}{}",
                a.latencies.len(),
                a.wanted,
                q(0.5),
                q(0.99),
                q(1.0),
                if a.timed_out > 0 { format!("; {} timed out", a.timed_out) } else { String::new() },
                if a.not_accepted > 0 { format!("; {} check-ins not accepted", a.not_accepted) } else { String::new() },
            );
            if let Some(b) = &a.burst {
                let after = b
                    .after_last_post_s
                    .map(|s| format!("the last email reached the server {s:.2} s after the last 303"))
                    .unwrap_or_else(|| "NOT all emails arrived before the timeout".into());
                println!(
                    "alert burst: {} urgent check-ins ({} accepted) posted in {:.2} s on {WIDE} connections; {after} ({} arrived)",
                    b.posted, b.accepted, b.posting_s, b.arrived
                );
            }
        }
        let mem: Vec<String> = self
            .memory
            .iter()
            .map(|(when, m)| format!("{when} {:.0}/{:.0}", m.rss_kb as f64 / MB, m.hwm_kb as f64 / MB))
            .collect();
        println!("serve memory, VmRSS/VmHWM MB: {}", mem.join(", "));
        println!(
            "serve log: {:.1} MB; other emails sent meanwhile (the scheduler's): {}",
            self.log_bytes as f64 / MB / MB,
            self.other_mail
        );
    }

    fn figures(&self) -> Vec<Figure> {
        let mut f = Vec::new();
        let disk = self.disk.rate();
        for c in &self.checkins {
            let (n, r) = (c.connections, &c.result.r);
            f.push(fig(format!("check-in {n:>2} conns req/s"), r.per_second()));
            f.push(fig(format!("check-in {n:>2} conns p50 ms"), r.quantile(0.5)));
            f.push(fig(format!("check-in {n:>2} conns p99 ms"), r.quantile(0.99)));
            f.push(fig(format!("check-in {n:>2} conns × disk"), r.per_second() / disk));
            f.push(fig(
                format!("check-in {n:>2} conns CPU ms/req"),
                c.result.serve_ms_per_request(),
            ));
        }
        f.push(fig("disk commits/s", disk));
        let h = self.healthz.r.per_second();
        f.push(fig("/healthz req/s", h));
        f.push(fig("/healthz p99 ms", self.healthz.r.quantile(0.99)));
        for (name, p) in &self.pages {
            f.push(fig(format!("{name} req/s"), p.r.per_second()));
            f.push(fig(format!("{name} p99 ms"), p.r.quantile(0.99)));
            f.push(fig(format!("{name} % of /healthz"), 100.0 * p.r.per_second() / h));
            f.push(fig(format!("{name} CPU ms/req"), p.serve_ms_per_request()));
        }
        if let Some(a) = &self.alerts {
            f.push(fig("alert p50 ms", support::quantile(&a.latencies, 0.5)));
            f.push(fig("alert p99 ms", support::quantile(&a.latencies, 0.99)));
            f.push(fig("alert max ms", support::quantile(&a.latencies, 1.0)));
            if let Some(s) = a.burst.as_ref().and_then(|b| b.after_last_post_s) {
                f.push(fig("alert burst: last email after last 303 s", s));
            }
        }
        for (when, m) in &self.memory {
            f.push(fig(format!("VmRSS MB {when}"), m.rss_kb as f64 / MB));
        }
        if let Some((_, m)) = self.memory.last() {
            f.push(fig("VmHWM MB at the end", m.hwm_kb as f64 / MB));
        }
        f.push(fig("serve log MB", self.log_bytes as f64 / MB / MB));
        f
    }
}

fn summary(repeats: &[Repeat]) {
    let all: Vec<Vec<Figure>> = repeats.iter().map(Repeat::figures).collect();
    let Some(first) = all.first() else { return };
    println!("\n== min / median / max over {} repeats ==", repeats.len());
    println!("{:<44} {:>10} {:>10} {:>10}", "", "min", "median", "max");
    for (k, f) in first.iter().enumerate() {
        let mut v: Vec<f64> = all
            .iter()
            .filter_map(|r| r.get(k).filter(|g| g.name == f.name).map(|g| g.value))
            .collect();
        v.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{:<44} {:>10.2} {:>10.2} {:>10.2}",
            f.name,
            support::quantile(&v, 0.0),
            support::quantile(&v, 0.5),
            support::quantile(&v, 1.0)
        );
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

async fn run() -> Result<()> {
    let a = args()?;
    let bin = binary()?;
    let source = Source::parse(&a.database)?;
    source.ensure_demo(&bin, a.patients, a.days)?;
    source.settle()?;
    let dir = source.work_dir();
    std::fs::create_dir_all(&dir)?;
    println!(
        "load benchmark: {} ({}), binary {}, {} s per phase after {} s warm-up, worker interval {} s",
        source.backend(),
        source.url().split('@').next_back().unwrap_or(""),
        bin.display(),
        a.seconds,
        a.warmup,
        a.worker_interval
    );
    let mut repeats = Vec::with_capacity(a.repeats);
    for r in 1..=a.repeats {
        let load = load_average();
        let (rep, scene) = one_repeat(&a, &bin, &source, &dir, r).await?;
        println!(
            "\n== repeat {r} of {}: {} check-ins, {} demo patients; load patients treated {} (days {}..{}); load average before {load} ==",
            a.repeats,
            scene.checkins_total,
            scene.patients_total,
            scene.treated_on,
            triage::day_number(scene.treated_on, scene.today) - aftercare::app::checkin::BACKFILL_DAYS,
            triage::day_number(scene.treated_on, scene.today),
        );
        rep.print();
        repeats.push(rep);
    }
    summary(&repeats);
    if !a.keep {
        let _ = std::fs::remove_dir(&dir);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load benchmark: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
