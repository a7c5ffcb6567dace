//! Both migration sets build the same tables and columns, and every
//! migration goes down and up again.

use aftercare::db::{DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_migrations::MigrationHarness;
use std::collections::BTreeMap;

use crate::support::app::{fresh_database, postgres_url, PgTestDb};

#[derive(QueryableByName, Debug)]
struct SqliteCol {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Integer)]
    nn: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName, Debug)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName, Debug)]
struct PgCol {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// table -> column -> (type family, nullable)
type Shape = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn family(t: &str) -> String {
    let t = t.to_lowercase();
    let f = if t.contains("int") {
        "integer"
    } else if t.contains("char") || t == "text" {
        "text"
    } else if t.starts_with("timestamp") {
        "timestamp"
    } else if t == "date" {
        "date"
    } else if t.starts_with("time") {
        "time"
    } else if t.starts_with("bool") {
        "bool"
    } else if t.starts_with("double") || t == "real" {
        "double"
    } else if t == "blob" || t == "bytea" {
        "binary"
    } else {
        t.as_str()
    };
    f.to_string()
}

fn sqlite_shape(path: &str) -> Shape {
    let mut c = SqliteConnection::establish(path).unwrap();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'",
    )
    .load(&mut c)
    .unwrap();
    let mut shape = Shape::new();
    for t in tables {
        let cols: Vec<SqliteCol> = diesel::sql_query(format!(
            "SELECT name, type AS ty, \"notnull\" AS nn, pk FROM pragma_table_info('{}')",
            t.name
        ))
        .load(&mut c)
        .unwrap();
        shape.insert(
            t.name.clone(),
            cols.into_iter()
                .map(|c| (c.name, (family(&c.ty), c.nn == 0 && c.pk == 0)))
                .collect(),
        );
    }
    shape
}

fn pg_shape(url: &str) -> Shape {
    let mut c = PgConnection::establish(url).unwrap();
    let cols: Vec<PgCol> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
    )
    .load(&mut c)
    .unwrap();
    let mut shape = Shape::new();
    for col in cols {
        shape
            .entry(col.table_name)
            .or_default()
            .insert(col.column_name, (family(&col.data_type), col.is_nullable == "YES"));
    }
    shape
}

#[test]
fn sqlite_migrations_go_down_and_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db").to_string_lossy().to_string();
    let mut c = SqliteConnection::establish(&path).unwrap();
    c.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    let before = sqlite_shape(&path);
    assert!(before.contains_key("checkins") && before.contains_key("audit_log"));
    c.revert_all_migrations(SQLITE_MIGRATIONS).unwrap();
    assert!(sqlite_shape(&path).is_empty(), "down removes every table");
    c.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    assert_eq!(sqlite_shape(&path), before);
}

#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let Some(admin) = postgres_url() else {
        println!("PostgreSQL: skipped (set TEST_DATABASE_URL to compare the migration sets)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db").to_string_lossy().to_string();
    SqliteConnection::establish(&path)
        .unwrap()
        .run_pending_migrations(SQLITE_MIGRATIONS)
        .unwrap();
    let (_guard, url) = PgTestDb::create(&admin);
    let mut pg = PgConnection::establish(&url).unwrap();
    pg.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
    let (s, p) = (sqlite_shape(&path), pg_shape(&url));
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        p.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (table, cols) in &s {
        assert_eq!(cols, &p[table], "columns of {table}");
    }
    pg.revert_all_migrations(POSTGRES_MIGRATIONS).unwrap();
    assert!(pg_shape(&url).is_empty(), "down removes every table");
    pg.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
    assert_eq!(pg_shape(&url), p);
}

#[test]
fn the_audit_log_refuses_edits() {
    let (url, _pg, _dir) = fresh_database();
    let db = aftercare::db::Db::connect(&aftercare::db::DatabaseUrl::parse(&url).unwrap()).unwrap();
    let now = chrono::Utc::now().naive_utc();
    db.write(|c: &mut DbConn| {
        aftercare::db::audit::record(
            c,
            None,
            &aftercare::db::audit::Actor::system("test"),
            aftercare::domain::AuditAction::Export,
            None,
            "",
            now,
        )
    })
    .unwrap();
    let mut conn = db.conn().unwrap();
    assert!(diesel::sql_query("UPDATE audit_log SET action = 'y'")
        .execute(&mut *conn)
        .is_err());
    assert!(diesel::sql_query("DELETE FROM audit_log").execute(&mut *conn).is_err());
}

/// Runs only the first migration, lets `fill` write rows in that schema,
/// then runs the rest: what an upgrade of an existing database does.
fn upgrade_with(conn: &mut DbConn, fill: impl FnOnce(&mut DbConn)) {
    match conn {
        DbConn::Sqlite(c) => c.run_next_migration(SQLITE_MIGRATIONS).map(drop).unwrap(),
        DbConn::Pg(c) => c.run_next_migration(POSTGRES_MIGRATIONS).map(drop).unwrap(),
    }
    fill(conn);
    match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop).unwrap(),
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop).unwrap(),
    }
}

/// Issue 10, bug 1: the rules page had its own escalation window, stored in
/// the rules JSON and read by nothing. The upgrade keeps one setting (the
/// clinic's `escalation_minutes`) and carries over a window that only the
/// rules page had changed.
fn escalation_window_moves_to_the_clinic(conn: &mut DbConn) {
    let rules = |minutes: &str| format!("{{\"fever_threshold_c\":38.0,\"escalation_window_minutes\":{minutes}}}");
    upgrade_with(conn, |c| {
        // (clinic, its escalation_minutes, its rules versions in order)
        let clinics: [(&str, i32, Vec<String>); 5] = [
            ("only rules changed", 120, vec![rules("120"), rules("30")]),
            ("both changed", 45, vec![rules("30")]),
            ("changed back", 120, vec![rules("30"), rules("120")]),
            ("never changed", 120, vec!["{}".into()]),
            ("unreadable", 120, vec!["not json".into()]),
        ];
        for (name, minutes, versions) in clinics {
            diesel::sql_query(format!(
                "INSERT INTO clinics (name, timezone, alert_email, escalation_minutes, created_at) \
                 VALUES ('{name}', 'UTC', 'a@example.org', {minutes}, '2026-01-01 00:00:00')"
            ))
            .execute(c)
            .unwrap();
            for (i, settings) in versions.iter().enumerate() {
                diesel::sql_query(format!(
                    "INSERT INTO rules_versions (clinic_id, version, settings, created_at) \
                     SELECT id, {}, '{settings}', '2026-01-01 00:00:00' FROM clinics WHERE name = '{name}'",
                    i + 1
                ))
                .execute(c)
                .unwrap();
            }
        }
    });
    let got: BTreeMap<String, i32> = aftercare::db::clinics::all(conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.escalation_minutes))
        .collect();
    let want: BTreeMap<String, i32> = [
        ("only rules changed", 30),
        ("both changed", 45),
        ("changed back", 120),
        ("never changed", 120),
        ("unreadable", 120),
    ]
    .into_iter()
    .map(|(n, m)| (n.to_string(), m))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn sqlite_upgrade_keeps_one_escalation_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db").to_string_lossy().to_string();
    let mut conn = DbConn::Sqlite(SqliteConnection::establish(&path).unwrap());
    escalation_window_moves_to_the_clinic(&mut conn);
}

#[test]
fn postgres_upgrade_keeps_one_escalation_setting() {
    let Some(admin) = postgres_url() else {
        println!("PostgreSQL: skipped (set TEST_DATABASE_URL)");
        return;
    };
    let (_guard, url) = PgTestDb::create(&admin);
    let mut conn = DbConn::Pg(PgConnection::establish(&url).unwrap());
    escalation_window_moves_to_the_clinic(&mut conn);
}

/// Issue 19: patients enrolled before the patient list had its search terms
/// and count are found and counted once the database is opened again (the
/// terms are split and folded in Rust, as for a new patient).
fn patients_from_before_the_search_are_found_and_counted(url: &str, conn: &mut DbConn) {
    use aftercare::db::dashboard::{patient_list, ListTotal, PatientSet};
    use aftercare::domain::search::SearchPrefix;
    use diesel_migrations::MigrationHarness;
    // Every migration before this issue's.
    macro_rules! run_before {
        ($c:expr, $source:expr) => {
            loop {
                let pending = $c.pending_migrations($source).unwrap();
                let Some(next) = pending.first() else { break };
                if next.name().version().to_string().replace('-', "").as_str() >= "20261204300001" {
                    break;
                }
                $c.run_migration(next.as_ref()).unwrap();
            }
        };
    }
    match conn {
        DbConn::Sqlite(c) => run_before!(c, SQLITE_MIGRATIONS),
        DbConn::Pg(c) => run_before!(c, POSTGRES_MIGRATIONS),
    }
    for sql in [
        "INSERT INTO clinics (name, timezone, alert_email, created_at) VALUES ('Bright', 'UTC', 'a@example.org', '2026-01-01 00:00:00')",
        "INSERT INTO accounts (email, kind, created_at) VALUES ('ava.okafor@example.org', 'patient', '2026-01-01 00:00:00')",
        "INSERT INTO accounts (email, kind, created_at) VALUES ('ben@example.org', 'patient', '2026-01-01 00:00:00')",
        "INSERT INTO patients (account_id, clinic_id, name, created_at) SELECT id, 1, 'Ava Okafor', created_at FROM accounts WHERE email LIKE 'ava%'",
        "INSERT INTO patients (account_id, clinic_id, name, created_at) SELECT id, 1, 'Ben Adams', created_at FROM accounts WHERE email LIKE 'ben%'",
    ] {
        diesel::sql_query(sql).execute(conn).unwrap();
    }
    aftercare::db::Db::migrate(&aftercare::db::DatabaseUrl::parse(url).unwrap()).unwrap();
    let clinic = aftercare::domain::ClinicId(1);
    let list = |conn: &mut DbConn, q: &str| {
        let page = patient_list(
            conn,
            clinic,
            SearchPrefix::parse(q).as_ref(),
            &PatientSet::default(),
            &[],
            0,
            25,
        )
        .unwrap();
        (page.rows.into_iter().map(|r| r.name).collect::<Vec<_>>(), page.total)
    };
    assert_eq!(
        list(conn, ""),
        (vec!["Ava Okafor".into(), "Ben Adams".into()], ListTotal::Exactly(2))
    );
    assert_eq!(list(conn, "okafor"), (vec!["Ava Okafor".into()], ListTotal::Exactly(1)));
    assert_eq!(list(conn, "ben@"), (vec!["Ben Adams".into()], ListTotal::Exactly(1)));
    // Opening it again indexes nothing twice.
    aftercare::db::Db::migrate(&aftercare::db::DatabaseUrl::parse(url).unwrap()).unwrap();
    assert_eq!(list(conn, "a").1, ListTotal::Exactly(2));
}

#[test]
fn sqlite_upgrade_finds_and_counts_earlier_patients() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db").to_string_lossy().to_string();
    let mut conn = DbConn::Sqlite(SqliteConnection::establish(&path).unwrap());
    patients_from_before_the_search_are_found_and_counted(&path, &mut conn);
}

#[test]
fn postgres_upgrade_finds_and_counts_earlier_patients() {
    let Some(admin) = postgres_url() else {
        println!("PostgreSQL: skipped (set TEST_DATABASE_URL)");
        return;
    };
    let (_guard, url) = PgTestDb::create(&admin);
    let mut conn = DbConn::Pg(PgConnection::establish(&url).unwrap());
    patients_from_before_the_search_are_found_and_counted(&url, &mut conn);
}
