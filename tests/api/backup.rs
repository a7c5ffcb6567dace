//! Issue 15: `aftercare backup` copies a live SQLite database while check-ins
//! are being written, verifies it, and `aftercare restore` puts it back,
//! refusing a database that a running process holds.

use crate::support::app::*;
use aftercare::db::{checkins, DatabaseUrl, Db};
use aftercare::domain::*;
use diesel::RunQueryDsl;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

fn aftercare(dir: &Path, database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aftercare"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("MAIL_DIR", dir.join("mail"))
        .output()
        .expect("aftercare runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn has(db: &Db, t: TreatmentId, id: CheckInId) -> bool {
    db.read(|c| checkins::of_treatment(c, t))
        .unwrap()
        .iter()
        .any(|ci| ci.id == id)
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[tokio::test]
async fn a_backup_taken_while_check_ins_are_written_restores_with_every_acknowledged_one() {
    let app = spawn_app().await;
    if postgres_url().is_some() {
        let out = aftercare(app.dir.path(), &app.database_url, &["backup", "--to", "x.db"]);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("pg_dump"), "{}", text(&out.stderr));
        return;
    }
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let treatments: Vec<TreatmentId> = (0..150)
        .map(|i| {
            let p = app.create_patient(clinic, &format!("p{i}@patients.example"), &format!("Patient {i}"));
            app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "perioral")
        })
        .collect();
    let backup = app.dir.path().join("backup.db");
    let acknowledged = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let (before_backup, during) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for (i, t) in treatments.iter().enumerate() {
                if stop.load(Ordering::SeqCst) {
                    return i;
                }
                let outcome = app.record_checkin(*t, date("2026-03-02"), &CheckInAnswers::calm());
                acknowledged.lock().unwrap().push((*t, outcome.checkin));
            }
            treatments.len()
        });
        while acknowledged.lock().unwrap().len() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // Everything acknowledged up to here must be in the backup.
        let before: Vec<(TreatmentId, CheckInId)> = acknowledged.lock().unwrap().clone();
        let out = aftercare(
            app.dir.path(),
            &app.database_url,
            &["backup", "--to", backup.to_str().unwrap()],
        );
        let during = acknowledged.lock().unwrap().len() - before.len();
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let report = text(&out.stdout);
        assert!(report.contains("integrity_check: ok"), "{report}");
        assert!(report.contains("checkins: "), "row counts printed: {report}");
        (before, during)
    });
    eprintln!(
        "{} check-ins acknowledged before the backup, {during} while it ran",
        before_backup.len()
    );

    // A backup never overwrites.
    let out = aftercare(
        app.dir.path(),
        &app.database_url,
        &["backup", "--to", backup.to_str().unwrap()],
    );
    assert!(!out.status.success() && text(&out.stderr).contains("already exists"));

    // Restoring over the live database is refused while `serve` holds it.
    let out = aftercare(
        app.dir.path(),
        &app.database_url,
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("running aftercare process"),
        "{}",
        text(&out.stderr)
    );
    let more = app.record_checkin(treatments[149], date("2026-03-01"), &CheckInAnswers::calm());
    assert!(
        has(&app.db, treatments[149], more.checkin),
        "the live database is untouched"
    );

    // Restored into a fresh file: every acknowledged check-in is there.
    let fresh = app.dir.path().join("restored.db");
    let fresh_url = fresh.to_str().unwrap();
    let out = aftercare(
        app.dir.path(),
        fresh_url,
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("integrity_check: ok"));
    let restored = Db::connect(&DatabaseUrl::Sqlite(fresh_url.to_string())).unwrap();
    for (t, id) in &before_backup {
        assert!(
            has(&restored, *t, *id),
            "check-in {id} acknowledged before the backup is in it"
        );
    }
    let check: Vec<Check> = restored
        .read(|c| match c {
            aftercare::db::DbConn::Sqlite(s) => diesel::sql_query("PRAGMA integrity_check")
                .load(s)
                .map_err(aftercare::db::DbError::from),
            aftercare::db::DbConn::Pg(_) => unreachable!("SQLite only"),
        })
        .unwrap();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].integrity_check, "ok");
    // The restored database is in use now: a second restore onto it is refused.
    let out = aftercare(
        app.dir.path(),
        fresh_url,
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(!out.status.success() && text(&out.stderr).contains("running aftercare process"));
    drop(restored);
    // Once closed, restoring over it keeps the replaced file aside.
    let out = aftercare(
        app.dir.path(),
        fresh_url,
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("kept as"), "{}", text(&out.stdout));
}
