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

#[test]
fn create_commands_print_the_new_id_first() {
    let cli = Cli::new();
    let clinic = cli.ok(&[
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
    ]);
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
