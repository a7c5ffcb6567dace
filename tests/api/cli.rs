//! The operators' scripting surface: ids on the first line, one clear line
//! and a non-zero exit for every bad input or setting.

use crate::support::app::fresh_database;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    url: String,
    dir: tempfile::TempDir,
    _pg: Option<crate::support::app::PgTestDb>,
}

impl Cli {
    fn new() -> Self {
        let (url, pg, dir) = fresh_database();
        Self { url, dir, _pg: pg }
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftercare"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("MAIL_DIR", self.dir.path().join("mail"))
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("aftercare runs");
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Vec<String> {
        let out = self.run_with(args, &[], None);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn fails(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.run_with(args, env, None);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "no panic: {err}"
        );
        err
    }
}

const CLINIC_CREATE: &[&str] = &[
    "clinic",
    "create",
    "--name",
    "Bright Skin",
    "--timezone",
    "Europe/London",
    "--alert-email",
    "alerts@bright.example",
    "--phone",
    "020 7946 0000",
];

#[test]
fn create_commands_print_the_new_id_first() {
    let cli = Cli::new();
    let clinic = cli.ok(CLINIC_CREATE);
    let clinic_id: i64 = clinic[0].parse().expect("id alone on line 1");

    let out = cli.run_with(
        &[
            "staff",
            "create",
            "--clinic",
            &clinic_id.to_string(),
            "--email",
            "ada@bright.example",
            "--name",
            "Ada",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &[],
        Some("a long admin passphrase\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = String::from_utf8(out.stdout).unwrap();
    lines.lines().next().unwrap().parse::<i64>().expect("staff id");

    let staff = cli.ok(&[
        "staff",
        "create",
        "--clinic",
        &clinic_id.to_string(),
        "--email",
        "cy@bright.example",
        "--name",
        "Cy",
        "--role",
        "clinician",
    ]);
    staff[0].parse::<i64>().unwrap();
    assert!(staff[1].contains("/invite?token="), "a set-password link: {staff:?}");

    let patient = cli.ok(&[
        "patient",
        "create",
        "--clinic",
        &clinic_id.to_string(),
        "--email",
        "pat@example.org",
        "--name",
        "Pat Lee",
        "--skin-type",
        "4",
        "--cold-sores",
    ]);
    let patient_id: i64 = patient[0].parse().unwrap();
    assert!(patient[1].contains("/invite?token="));

    let t = cli.ok(&[
        "treatment",
        "create",
        "--patient",
        &patient_id.to_string(),
        "--procedure",
        "ablative_full_co2",
        "--date",
        "2026-03-01",
        "--zones",
        "perioral,neck",
    ]);
    t[0].parse::<i64>().unwrap();
}

#[test]
fn bad_input_is_one_clear_line_and_a_failure() {
    let cli = Cli::new();
    let id = cli.ok(&[
        "clinic",
        "create",
        "--name",
        "C",
        "--timezone",
        "UTC",
        "--alert-email",
        "a@c.example",
    ])[0]
        .clone();
    let pid = cli.ok(&[
        "patient",
        "create",
        "--clinic",
        &id,
        "--email",
        "p@c.example",
        "--name",
        "P",
    ])[0]
        .clone();

    let err = cli.fails(
        &[
            "clinic",
            "create",
            "--name",
            "C",
            "--timezone",
            "Nowhere/Land",
            "--alert-email",
            "a@c.example",
        ],
        &[],
    );
    assert!(err.contains("timezone"), "{err}");
    let err = cli.fails(
        &[
            "staff",
            "create",
            "--clinic",
            "999",
            "--email",
            "x@c.example",
            "--name",
            "X",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(err.contains("no clinic with id 999"), "{err}");
    let err = cli.fails(
        &[
            "staff",
            "create",
            "--clinic",
            &id,
            "--email",
            "x@c.example",
            "--name",
            "X",
            "--role",
            "boss",
        ],
        &[],
    );
    assert!(err.contains("--role"), "{err}");
    let err = cli.fails(
        &[
            "patient",
            "create",
            "--clinic",
            &id,
            "--email",
            "P@C.example",
            "--name",
            "Dup",
        ],
        &[],
    );
    assert!(err.contains("already exists"), "duplicate email, any case: {err}");
    let err = cli.fails(
        &[
            "treatment",
            "create",
            "--patient",
            &pid,
            "--procedure",
            "laser",
            "--date",
            "2026-03-01",
        ],
        &[],
    );
    assert!(
        err.contains("--procedure") && err.contains("ablative_full_co2"),
        "{err}"
    );
    let err = cli.fails(
        &[
            "treatment",
            "create",
            "--patient",
            &pid,
            "--procedure",
            "ipl",
            "--date",
            "2026-02-30",
        ],
        &[],
    );
    assert!(err.contains("--date"), "{err}");
    let err = cli.fails(
        &[
            "treatment",
            "create",
            "--patient",
            "4242",
            "--procedure",
            "ipl",
            "--date",
            "2026-02-03",
        ],
        &[],
    );
    assert!(err.contains("no patient with id 4242"), "{err}");
    let err = cli.fails(
        &[
            "patient",
            "create",
            "--clinic",
            &id,
            "--email",
            "q@c.example",
            "--name",
            "Q",
            "--skin-type",
            "7",
        ],
        &[],
    );
    assert!(err.contains("--skin-type"), "{err}");
}

#[test]
fn bad_settings_name_the_setting() {
    let cli = Cli::new();
    for (env, setting) in [
        (("DATABASE_URL", "mysql://db/x"), "DATABASE_URL"),
        (("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"), "DATABASE_URL"),
        (("BIND", "not-an-address"), "BIND"),
        (("SMTP_SECURITY", "sometimes"), "SMTP_SECURITY"),
    ] {
        let err = cli.fails(&["migrate"], &[env]);
        assert!(err.starts_with(&format!("error: {setting}")), "{env:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    // An unwritable mail folder stops `serve` before it listens.
    let file = cli.dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let err = cli.fails(
        &["serve"],
        &[("MAIL_DIR", file.to_str().unwrap()), ("BIND", "127.0.0.1:0")],
    );
    assert!(err.starts_with("error: MAIL_DIR"), "{err}");
}

#[test]
fn migrate_reports_what_it_did() {
    let cli = Cli::new();
    let out = cli.ok(&["migrate"]);
    assert!(out[0].ends_with("migration(s) applied"), "{out:?}");
}

/// Issue 18: one-shot commands crashed at exit on PostgreSQL (SIGSEGV in a
/// pool thread still opening a connection, 3.5–5 % of runs) after the row
/// was committed. Every one-shot command, `RUNS` times, several at once:
/// every exit status is 0.
#[test]
fn one_shot_commands_always_exit_cleanly() {
    const RUNS: usize = 200;
    // Each run mostly waits on the database (a commit's fsync): more runs at
    // once than cores.
    const THREADS: usize = 8;
    let cli = Cli::new();
    let clinic = cli.ok(CLINIC_CREATE)[0].clone();
    let patient = cli.ok(&[
        "patient",
        "create",
        "--clinic",
        &clinic,
        "--email",
        "pat@example.org",
        "--name",
        "Pat",
    ])[0]
        .clone();

    let args = |command: &str, i: usize| -> Vec<String> {
        match command {
            "migrate" => vec!["migrate".into()],
            "clinic" => vec![
                "clinic",
                "create",
                "--name",
                "C",
                "--timezone",
                "UTC",
                "--alert-email",
                "a@c.example",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "staff" => vec![
                "staff".into(),
                "create".into(),
                "--clinic".into(),
                clinic.clone(),
                "--email".into(),
                format!("staff{i}@bright.example"),
                "--name".into(),
                "Staff".into(),
                "--role".into(),
                "clinician".into(),
            ],
            "patient" => vec![
                "patient".into(),
                "create".into(),
                "--clinic".into(),
                clinic.clone(),
                "--email".into(),
                format!("p{i}@example.org"),
                "--name".into(),
                "P".into(),
            ],
            "treatment" => vec![
                "treatment".into(),
                "create".into(),
                "--patient".into(),
                patient.clone(),
                "--procedure".into(),
                "ipl".into(),
                "--date".into(),
                "2026-03-01".into(),
            ],
            "demo" => vec!["demo", "--patients", "1", "--days", "1"]
                .into_iter()
                .map(String::from)
                .collect(),
            other => unreachable!("{other}"),
        }
    };
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    for command in ["migrate", "clinic", "staff", "patient", "treatment", "demo"] {
        let took = std::time::Instant::now();
        let failed: Vec<String> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let (cli, args) = (&cli, &args);
                    s.spawn(move || {
                        let mut failed = Vec::new();
                        let demo_db = (command == "demo").then(|| demo_database(cli, thread));
                        let env: Vec<(&str, &str)> = demo_db.iter().map(|u| ("DATABASE_URL", u.as_str())).collect();
                        for i in (thread..RUNS).step_by(THREADS) {
                            let argv = args(command, i);
                            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                            let out = cli.run_with(&argv, &env, None);
                            if let Some(url) = &demo_db {
                                forget_demo(url, i);
                            }
                            if !out.status.success() {
                                failed.push(format!(
                                    "{command} #{i}: {:?} {}",
                                    out.status,
                                    String::from_utf8_lossy(&out.stderr).trim()
                                ));
                            }
                        }
                        failed
                    })
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().expect("worker")).collect()
        });
        eprintln!("{RUNS} × {command}: {:?}", took.elapsed());
        failures.extend(failed);
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs failed:\n{}",
        failures.len(),
        6 * RUNS,
        failures.join("\n")
    );
    eprintln!("{} one-shot runs in {:?}", 6 * RUNS, started.elapsed());
}

/// A database of its own for one thread's demo runs: a SQLite file, or on
/// PostgreSQL a schema of the test's database (making and dropping hundreds
/// of databases would take minutes).
fn demo_database(cli: &Cli, thread: usize) -> String {
    if crate::support::app::postgres_url().is_none() {
        return cli
            .dir
            .path()
            .join(format!("demo-{thread}.db"))
            .to_string_lossy()
            .to_string();
    }
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::pg::PgConnection::establish(&cli.url).expect("test database");
    diesel::sql_query(format!("CREATE SCHEMA demo_{thread}"))
        .execute(&mut conn)
        .expect("schema");
    format!("{}?options=-csearch_path%3Ddemo_{thread}", cli.url)
}

/// The demo refuses a database that already holds it (it finds its
/// accounts' emails): renames them all so the next run starts afresh.
fn forget_demo(url: &str, run: usize) {
    use diesel::RunQueryDsl;
    let db = aftercare::db::Db::connect_single(&aftercare::db::DatabaseUrl::parse(url).unwrap()).unwrap();
    let sql = format!("UPDATE accounts SET email = 'run{run}.' || email WHERE email NOT LIKE 'run%'");
    db.write(|c: &mut aftercare::db::DbConn| {
        diesel::sql_query(&sql)
            .execute(c)
            .map_err(aftercare::error::Error::from)
    })
    .unwrap();
}

/// `serve` stops cleanly on SIGTERM (exit 0), its pool closed first, after
/// its pool, worker and scheduler have been busy.
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let cli = Cli::new();
    for round in 0..10 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let bind = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftercare"));
        cmd.arg("serve")
            .current_dir(cli.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &cli.url)
            .env("MAIL_DIR", cli.dir.path().join("mail"))
            .env("BIND", &bind)
            .env("WORKER_INTERVAL_SECONDS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let child = cmd.spawn().expect("serve starts");
        let ready = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            http_get(&bind, "/readyz").is_some_and(|s| s.starts_with("HTTP/1.1 200"))
        });
        assert!(ready, "round {round}: serve answers /readyz");
        // Several requests at once: the pool opens more than one connection.
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| http_get(&bind, "/readyz"));
            }
        });
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let out = child.wait_with_output().expect("serve exits");
        assert!(
            out.status.success(),
            "round {round}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A bare HTTP/1.1 GET; the whole response, or `None` if nobody answers.
fn http_get(addr: &str, path: &str) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn patient_create_takes_an_optional_phone_kept_as_typed_with_its_tel_form() {
    let cli = Cli::new();
    let clinic = cli.ok(CLINIC_CREATE)[0].clone();
    let base = ["patient", "create", "--clinic", clinic.as_str(), "--name", "Pat Lee"];
    let err = cli.fails(
        &[&base[..], &["--email", "a@example.org", "--phone", "call me"]].concat(),
        &[],
    );
    assert!(err.contains("--phone"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let id: i64 = cli.ok(&[
        &base[..],
        &["--email", "b@example.org", "--phone", "+44 (0)20 7946 0456"],
    ]
    .concat())[0]
        .parse()
        .unwrap();
    let none: i64 = cli.ok(&[&base[..], &["--email", "c@example.org"]].concat())[0]
        .parse()
        .unwrap();
    let db = aftercare::db::Db::connect_single(&aftercare::db::DatabaseUrl::parse(&cli.url).unwrap()).unwrap();
    let get = |id: i64| {
        db.read(|c| aftercare::db::patients::get(c, aftercare::domain::PatientId(id)))
            .unwrap()
            .unwrap()
    };
    let phone = get(id).phone.expect("phone stored");
    assert_eq!(phone.as_entered(), "+44 (0)20 7946 0456");
    assert_eq!(phone.tel(), "tel:+442079460456");
    assert!(get(none).phone.is_none());
}
