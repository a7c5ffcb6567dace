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
