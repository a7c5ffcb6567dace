//! Issue 19: no staff page reads a whole table. The test records every
//! statement the pages actually run (diesel's instrumentation on this test's
//! database only: the sign-in extractor, the queue, the patient list in each
//! of its shapes, a patient's page and a flag's page), then asks the
//! database for each one's plan (`db::plan::explain_sql`: SQLite's `EXPLAIN
//! QUERY PLAN`, PostgreSQL's generic plan with sequential scans off) and
//! checks it reads an index. A table that grows with the clinic's patients
//! is never scanned, and never walked by `clinic_id` alone: the one walk
//! allowed is the patient list's, by name, and only with a LIMIT (a page).

use crate::support::app::*;
use aftercare::db::plan::explain_sql;
use diesel::connection::{set_default_instrumentation, Instrumentation, InstrumentationEvent};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, Once};

/// Tables that grow with the clinic: patients, their accounts and what they write.
const GROWING: &[&str] = &[
    "accounts",
    "patients",
    "patient_search",
    "treatments",
    "checkins",
    "checkin_revisions",
    "flags",
    "flag_events",
    "audit_log",
    "photos",
    "photo_requests",
    "tokens",
    "sessions",
    "outbox",
];

/// Partial indexes holding only rows a page wants (reading all of one is
/// reading just those): `accounts_invited`, the accounts without a password.
const PARTIAL: &[&str] = &["accounts_invited"];

/// Database URL → statements recorded on its connections, for the URLs a
/// test is watching (every other test's connections record nothing).
static WATCHED: Mutex<Option<HashMap<String, Vec<String>>>> = Mutex::new(None);

struct Recorder {
    url: Option<String>,
}

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartEstablishConnection { url, .. } => self.url = Some(url.to_string()),
            InstrumentationEvent::StartQuery { query, .. } => {
                let Some(url) = &self.url else { return };
                let mut watched = WATCHED.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(list) = watched.as_mut().and_then(|w| w.get_mut(url)) {
                    list.push(query.to_string());
                }
            }
            _ => {}
        }
    }
}

fn recorder() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(Recorder { url: None }))
}

/// Gives every connection opened from now on a [`Recorder`]: call it
/// before the app under test opens any.
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| set_default_instrumentation(recorder).expect("instrumentation"));
}

/// Starts recording the statements run on `url`'s connections.
fn watch(url: &str) {
    WATCHED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(url.to_string(), Vec::new());
}

/// The statements recorded on `url` since the last call (their SQL only, no binds).
fn take(url: &str) -> Vec<String> {
    let mut watched = WATCHED.lock().unwrap_or_else(|p| p.into_inner());
    let list = watched
        .as_mut()
        .and_then(|w| w.get_mut(url))
        .map(std::mem::take)
        .unwrap_or_default();
    list.into_iter()
        .map(|q| q.split(" -- binds:").next().unwrap_or_default().trim().to_string())
        .filter(|sql| {
            let head = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            matches!(head.as_str(), "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH")
        })
        .collect()
}

fn unwatch(url: &str) {
    if let Some(w) = WATCHED.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        w.remove(url);
    }
}

/// What is wrong with `plan` for `sql`, if anything. `big`: the tables with
/// rows enough for PostgreSQL's choice among its indexes to mean something
/// (on a table of a few rows, with sequential scans off, it takes any index
/// whole: no sign of what it does on a real one). `leading`: PostgreSQL's
/// indexes by name, with their first column (an index condition without it
/// reads the whole index: PostgreSQL 15 shows that as an `Index Cond` too).
fn problems(sql: &str, plan: &str, big: &[&str], leading: &HashMap<String, String>) -> Vec<String> {
    let limited = sql.contains(" LIMIT ");
    let lines: Vec<&str> = plan
        .lines()
        .map(|l| l.trim().trim_start_matches(['|', '`', '-', '>', ' ']))
        .collect();
    let partial = |line: &str| PARTIAL.iter().any(|i| line.contains(&format!(" {i}")));
    let mut out = Vec::new();
    for line in &lines {
        for t in GROWING {
            // SQLite: "SCAN t …" reads all of t; "SEARCH t USING … (clinic_id=?)"
            // all of the clinic's.
            if (*line == format!("SCAN {t}") || line.starts_with(&format!("SCAN {t} "))) && !partial(line) {
                out.push(format!("scans {t}: {line}"));
            }
            let the_list = *t == "patients" && line.contains("patients_clinic_name") && limited;
            if line.starts_with(&format!("SEARCH {t} ")) && line.ends_with("(clinic_id=?)") && !the_list {
                out.push(format!("reads all of the clinic's {t}: {line}"));
            }
        }
    }
    // PostgreSQL: each plan node ("… (cost=…)") with the lines under it.
    let nodes: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].contains("(cost=")).collect();
    for (k, &i) in nodes.iter().enumerate() {
        let node = lines[i];
        let props = &lines[i + 1..nodes.get(k + 1).copied().unwrap_or(lines.len())];
        let after = |line: &'_ str, marker: &str| -> Option<String> {
            line.split(marker)
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_string)
        };
        if let Some(t) = after(node, "Seq Scan on ").filter(|t| GROWING.contains(&t.as_str())) {
            out.push(format!("scans {t}: {node}"));
        }
        let (index, table) = if node.starts_with("Bitmap Index Scan on ") {
            // Its table is its heap scan's, a node above.
            let heap = nodes[..k]
                .iter()
                .rev()
                .map(|j| lines[*j])
                .find(|l| l.starts_with("Bitmap Heap Scan on "));
            (
                after(node, "Bitmap Index Scan on "),
                heap.and_then(|h| after(h, "Bitmap Heap Scan on ")),
            )
        } else if node.starts_with("Index") {
            (after(node, " using "), after(node, " on "))
        } else {
            (None, None)
        };
        let (Some(index), Some(table)) = (index, table) else {
            continue;
        };
        if !GROWING.contains(&table.as_str()) || PARTIAL.contains(&index.as_str()) {
            continue;
        }
        let Some(cond) = props.iter().find_map(|l| l.strip_prefix("Index Cond: ")) else {
            // With sequential scans off, a whole table comes as an index
            // scan with no condition.
            if big.contains(&table.as_str()) {
                out.push(format!("reads all of {table}: {node}"));
            }
            continue;
        };
        if let Some(first) = leading.get(&index) {
            if !cond.contains(&format!("({first} ")) {
                out.push(format!(
                    "reads all of {index}, without its first column {first}: {node} / {cond}"
                ));
            }
        }
        let clinic_only = cond.starts_with("(clinic_id = $") && !cond.contains(" AND ");
        let the_list = table == "patients" && index == "patients_clinic_name" && plan.contains("Limit");
        if clinic_only && !the_list {
            out.push(format!("reads all of the clinic's {table}: {node} / {cond}"));
        }
    }
    out
}

/// PostgreSQL: each index of the database with its first column.
fn leading_columns(app: &TestApp) -> HashMap<String, String> {
    #[derive(diesel::QueryableByName)]
    struct Leading {
        #[diesel(sql_type = diesel::sql_types::Text)]
        index: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        first: String,
    }
    if !app.db.is_postgres() {
        return HashMap::new();
    }
    let sql = "SELECT c.relname::text AS index, a.attname::text AS first FROM pg_index i \
               JOIN pg_class c ON c.oid = i.indexrelid \
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'";
    app.db
        .read(|c| diesel::RunQueryDsl::load::<Leading>(diesel::sql_query(sql), c).map_err(aftercare::db::DbError::from))
        .expect("indexes")
        .into_iter()
        .map(|l| (l.index, l.first))
        .collect()
}

/// How many rows `table` holds.
fn rows_in(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    app.db
        .read(move |c| {
            diesel::RunQueryDsl::get_result::<Count>(diesel::sql_query(sql), c).map_err(aftercare::db::DbError::from)
        })
        .expect("count")
        .n
}

/// `sql` with each run of placeholders in an `IN (…)` list as one: the
/// same statement for any number of ids.
fn shape(sql: &str) -> String {
    let mut s = sql.to_string();
    while s.contains("?, ?") {
        s = s.replace("?, ?", "?");
    }
    s
}

/// The plan of every statement `paths` ran (each shape once, with its
/// longest `IN` list), with what is wrong with each.
async fn plans_of(app: &TestApp, paths: &[String]) -> Vec<(String, String, Vec<String>)> {
    let mut statements: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        let (status, _) = app.get_html(path).await;
        assert_eq!(status, 200, "{path}");
        for sql in take(&app.database_url) {
            let kept = statements.entry(shape(&sql)).or_default();
            if sql.len() > kept.len() {
                *kept = sql;
            }
        }
    }
    let big: Vec<&str> = GROWING.iter().copied().filter(|t| rows_in(app, t) >= 500).collect();
    let leading = leading_columns(app);
    let mut out = Vec::new();
    for (short, sql) in statements {
        let s = sql.clone();
        let plan = app
            .db
            .read(move |c| explain_sql(c, &s))
            .unwrap_or_else(|e| panic!("explain {sql}: {e}"));
        let wrong = problems(&sql, &plan, &big, &leading);
        out.push((short, plan, wrong));
    }
    out
}

#[tokio::test]
async fn every_staff_page_reads_indexes_never_a_whole_table() {
    install();
    let app = spawn_app().await;
    watch(&app.database_url);
    // The demo's data, big enough for every shape of the patient list: a
    // search matching more than `SEARCH_CAP` patients walks by name instead.
    let patients = aftercare::db::dashboard::SEARCH_CAP as u32 + 20;
    let (db, now, url) = (app.db.clone(), app.clock_now(), app.address.clone());
    tokio::task::spawn_blocking(move || aftercare::demo::generate(&db, patients, 12, now, &url))
        .await
        .expect("demo task")
        .expect("demo data");
    assert_eq!(
        app.sign_in(aftercare::demo::ADMIN_EMAIL, aftercare::demo::PASSWORD)
            .await
            .status(),
        303
    );
    // A patient with flags (the newest first), and one amended check-in, so
    // the record reads earlier versions too.
    let (patient, reference, treatment, day) = app
        .db
        .read(|c| {
            use aftercare::db::schema::{checkins, flags};
            use diesel::prelude::*;
            let (p, r): (i64, String) = flags::table
                .order(flags::id.desc())
                .select((flags::patient_id, flags::reference))
                .first(c)?;
            let (t, d): (i64, chrono::NaiveDate) = checkins::table
                .filter(checkins::patient_id.eq(p))
                .order(checkins::day.desc())
                .select((checkins::treatment_id, checkins::day))
                .first(c)?;
            Ok::<_, aftercare::error::Error>((p, r, aftercare::domain::TreatmentId(t), d))
        })
        .expect("a flagged patient");
    app.record_checkin(treatment, day, &aftercare::domain::CheckInAnswers::calm());
    // And one patient still invited (no password), for the invite columns.
    let enrolled = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[("name", "Ivy Invited"), ("email", "ivy.invited@example.org")],
        )
        .await;
    assert_eq!(enrolled.status(), 303);
    if app.db.is_postgres() {
        // What autovacuum keeps up to date on a real database: without it,
        // PostgreSQL guesses a handful of rows per clinic.
        app.db
            .write(|c| {
                diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), c).map_err(aftercare::db::DbError::from)
            })
            .expect("analyze");
    }
    take(&app.database_url);

    let paths: Vec<String> = [
        "/clinic",
        "/clinic?page=2",
        "/clinic?severity=urgent&state=all",
        "/clinic/patients",
        "/clinic/patients?page=2",
        "/clinic/patients?page=30",
        "/clinic/patients?q=okafor",
        "/clinic/patients?q=okafor&page=2",
        "/clinic/patients?q=ava+oka",
        "/clinic/patients?q=patient",
        "/clinic/patients?q=patient&page=3",
        "/clinic/patients?show=flags",
        "/clinic/patients?show=flags&q=a",
        "/clinic/patients?show=overdue",
        "/clinic/patients?show=invited",
    ]
    .iter()
    .map(|p| p.to_string())
    .chain([
        format!("/clinic/patients/{patient}"),
        format!("/clinic/flags/{reference}"),
    ])
    .collect();
    let plans = plans_of(&app, &paths).await;
    unwatch(&app.database_url);

    // Diesel quotes names with backticks on SQLite, double quotes on PostgreSQL.
    let read = |t: &str| {
        plans
            .iter()
            .any(|(sql, _, _)| sql.contains(&format!("`{t}`")) || sql.contains(&format!("\"{t}\"")))
    };
    for t in [
        "patients",
        "patient_search",
        "checkins",
        "flags",
        "flag_events",
        "checkin_revisions",
    ] {
        assert!(read(t), "the pages read {t}: the recording works");
    }
    for (sql, plan, _) in &plans {
        println!("{sql}\n    {}\n", plan.replace('\n', "\n    "));
    }
    let wrong: Vec<String> = plans
        .iter()
        .filter(|(_, _, w)| !w.is_empty())
        .map(|(sql, plan, w)| {
            format!(
                "{}\n  {sql}\n  plan:\n    {}",
                w.join("\n"),
                plan.replace('\n', "\n    ")
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} statements read more than a page's worth:\n\n{}",
        wrong.len(),
        plans.len(),
        wrong.join("\n\n")
    );
}

#[test]
fn the_rules_catch_scans_and_clinic_wide_walks() {
    let sql = "SELECT `patients`.`id` FROM `patients` WHERE `patients`.`clinic_id` = ?";
    let page = format!("{sql} LIMIT ? OFFSET ?");
    let leading: HashMap<String, String> = [("flags_queue", "clinic_id"), ("flags_patient", "patient_id")]
        .into_iter()
        .map(|(i, c)| (i.to_string(), c.to_string()))
        .collect();
    let wrong = |sql: &str, plan: &str| !problems(sql, plan, GROWING, &leading).is_empty();
    // SQLite.
    assert!(wrong(sql, "SCAN checkins"));
    assert!(wrong(sql, "SCAN patients USING COVERING INDEX patients_clinic_name"));
    assert!(wrong(
        sql,
        "SEARCH patients USING COVERING INDEX patients_clinic_name (clinic_id=?)"
    ));
    assert!(!wrong(
        &page,
        "SEARCH patients USING COVERING INDEX patients_clinic_name (clinic_id=?)"
    ));
    assert!(wrong(
        &page,
        "SEARCH checkins USING INDEX checkins_clinic_day (clinic_id=?)"
    ));
    assert!(!wrong(
        sql,
        "SEARCH flags USING INDEX flags_queue (clinic_id=? AND state=?)"
    ));
    assert!(!wrong(sql, "SCAN accounts USING INDEX accounts_invited"));
    // PostgreSQL.
    assert!(wrong(sql, "Seq Scan on checkins  (cost=0.00..1.00 rows=1 width=8)"));
    assert!(wrong(
        sql,
        "Index Only Scan using treatments_clinic_date on treatments  (cost=0.15..8.17 rows=1 width=8)\n  Index Cond: (clinic_id = $1)"
    ));
    assert!(wrong(
        sql,
        "Bitmap Heap Scan on flags  (cost=4.19..20.05 rows=1 width=20)\n  Recheck Cond: (clinic_id = $1)\n  ->  Bitmap Index Scan on flags_clinic_raised  (cost=0.00..4.19 rows=5 width=0)\n        Index Cond: (clinic_id = $1)"
    ));
    assert!(wrong(
        sql,
        "Index Scan using flags_queue on flags  (cost=0.27..53.71 rows=1 width=452)\n  Index Cond: (patient_id = $1)"
    ));
    assert!(!wrong(
        sql,
        "Index Scan using flags_patient on flags  (cost=0.27..10.07 rows=1 width=452)\n  Index Cond: (patient_id = $1)"
    ));
    let whole = "Merge Join  (cost=0.40..12.70 rows=2 width=80)\n  ->  Index Scan using accounts_pkey on accounts  (cost=0.28..117.50 rows=1023 width=42)";
    assert!(wrong(sql, whole));
    assert!(
        problems(sql, whole, &[], &leading).is_empty(),
        "a table of a few rows is not judged"
    );
    assert!(!wrong(
        sql,
        "Index Scan using staff_clinic on staff  (cost=0.15..8.17 rows=1 width=8)\n  Index Cond: (clinic_id = $1)"
    ));
    assert!(!wrong(
        &page,
        "Limit  (cost=0.29..8.30 rows=1 width=8)\n  ->  Index Only Scan using patients_clinic_name on patients\n        Index Cond: (clinic_id = $1)"
    ));
    assert!(!wrong(
        sql,
        "Index Scan using flags_queue on flags\n  Index Cond: ((clinic_id = $1) AND (state = $2))"
    ));
    assert!(!wrong(
        sql,
        "Index Only Scan using accounts_invited on accounts  (cost=0.25..8.26 rows=1 width=8)"
    ));
}

/// A check-in POST reads the session once (its user and its CSRF check
/// share the read) and the treatment's check-ins in one statement (the
/// day's own and the two before it, for the trend rules).
#[tokio::test]
async fn a_check_in_post_reads_the_session_once_and_its_check_ins_in_one_statement() {
    use aftercare::domain::ProcedureClass;
    install();
    let app = spawn_app().await;
    watch(&app.database_url);
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, "reads.once@example.org", "Pat Lee");
    let t = app.create_treatment(
        patient,
        ProcedureClass::AblativeFullCo2,
        chrono::NaiveDate::from_ymd_opt(2026, 2, 25).unwrap(),
        "perioral",
    );
    assert_eq!(app.sign_in("reads.once@example.org", PASSWORD).await.status(), 303);
    let csrf = csrf_on(&app, &app.client, &format!("/checkin?treatment={}", t.0)).await;
    let treatment = t.0.to_string();
    let mut fields = vec![("csrf", csrf.as_str()), ("treatment", treatment.as_str())];
    fields.extend(crate::checkin::calm());
    for round in ["first", "amended"] {
        take(&app.database_url);
        let r = app.post_raw("/checkin", &fields).await;
        assert_eq!(r.status(), 303, "{round}");
        let sql = take(&app.database_url);
        let reading = |table: &str| {
            sql.iter()
                .filter(|s| {
                    s.starts_with("SELECT")
                        && s.replace('`', "\"")
                            .replace("FROM (", "FROM ")
                            .contains(&format!("FROM \"{table}\""))
                })
                .count()
        };
        assert_eq!(reading("sessions"), 1, "{round}: {sql:#?}");
        assert_eq!(reading("checkins"), 1, "{round}: {sql:#?}");
    }
    unwatch(&app.database_url);
}
