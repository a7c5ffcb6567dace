//! Backups of a SQLite database, online: `VACUUM INTO` copies one consistent
//! snapshot (a read transaction, so `serve` keeps writing meanwhile in WAL
//! mode), into a temporary file that is verified (`PRAGMA integrity_check`,
//! row counts) before it takes its final name. Restoring refuses a database
//! that a running process holds: every process that opens the database
//! holds a shared lock on `<database>.lock` ([`hold`]); a restore needs it
//! exclusively. PostgreSQL is backed up with `pg_dump` (see the README).

use super::DbError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("DATABASE_URL is a PostgreSQL database: back it up with pg_dump and restore with pg_restore (README, \"Backups\")")]
    Postgres,
    #[error("{0}: already exists; choose a new file name (a backup never overwrites)")]
    Exists(String),
    #[error("{0}: no such file")]
    Missing(String),
    #[error("{0}: a running aftercare process has this database open; stop every `serve` (and other commands) using it, then restore")]
    InUse(String),
    #[error("{path}: not a sound database: {why}")]
    Corrupt { path: String, why: String },
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The lock file beside a database file.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut p = database.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Holds a shared lock on the database's lock file for as long as the
/// returned file lives: restores wait for no one and refuse instead.
pub fn hold(database: &Path) -> Result<File, DbError> {
    let path = lock_path(database);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| DbError::Connect(format!("{}: {e}", path.display())))?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(DbError::Connect(format!(
            "{}: a restore is replacing this database right now; start again when it has finished",
            database.display()
        ))),
        Err(TryLockError::Error(e)) => Err(DbError::Connect(format!("{}: {e}", path.display()))),
    }
}

/// What a backup or restore wrote: the file, its size, and its tables' rows.
#[derive(Debug)]
pub struct Report {
    pub path: PathBuf,
    pub bytes: u64,
    pub tables: Vec<(String, i64)>,
    /// Restore only: where the database that was replaced now is.
    pub replaced: Option<PathBuf>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "wrote {} ({} bytes); integrity_check: ok",
            self.path.display(),
            self.bytes
        )?;
        if let Some(old) = &self.replaced {
            writeln!(f, "the database it replaced is kept as {}", old.display())?;
        }
        for (table, rows) in &self.tables {
            writeln!(f, "  {table}: {rows} rows")?;
        }
        Ok(())
    }
}

fn open(path: &Path) -> Result<SqliteConnection, BackupError> {
    let url = path.to_str().ok_or_else(|| BackupError::Corrupt {
        path: path.display().to_string(),
        why: "the path is not valid UTF-8".into(),
    })?;
    let mut c = SqliteConnection::establish(url).map_err(|e| DbError::Connect(e.to_string()))?;
    c.batch_execute("PRAGMA busy_timeout = 10000;")
        .map_err(DbError::Query)?;
    Ok(c)
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Checks `path` is a sound SQLite database; returns its tables' row counts.
pub fn verify(path: &Path) -> Result<Vec<(String, i64)>, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Missing(path.display().to_string()));
    }
    let corrupt = |why: String| BackupError::Corrupt {
        path: path.display().to_string(),
        why,
    };
    let mut c = open(path)?;
    let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut c)
        .map_err(|e| corrupt(e.to_string()))?;
    let verdict: Vec<String> = lines.into_iter().map(|l| l.integrity_check).collect();
    if verdict != ["ok"] {
        return Err(corrupt(verdict.join("; ")));
    }
    let names: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(&mut c)
    .map_err(|e| corrupt(e.to_string()))?;
    if !names.iter().any(|n| n.name == "__diesel_schema_migrations") {
        return Err(corrupt("not an Aftercare database (no migrations table)".into()));
    }
    let mut tables = Vec::new();
    for Name { name } in names {
        // Names come from sqlite_master, quoted as identifiers (no binds for those).
        let q = format!("SELECT COUNT(*) AS n FROM \"{}\"", name.replace('"', "\"\""));
        let Count { n } = diesel::sql_query(q)
            .get_result(&mut c)
            .map_err(|e| corrupt(e.to_string()))?;
        tables.push((name, n));
    }
    Ok(tables)
}

/// A sibling of `path` with `suffix` added to its name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Copies the live database at `database` into the new file `to`.
pub fn backup(database: &Path, to: &Path) -> Result<Report, BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    if !database.is_file() {
        return Err(BackupError::Missing(database.display().to_string()));
    }
    let partial = sibling(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let result = (|| -> Result<Vec<(String, i64)>, BackupError> {
        let mut c = open(database)?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(partial.to_str().unwrap_or_default())
            .execute(&mut c)
            .map_err(DbError::Query)?;
        drop(c);
        let tables = verify(&partial)?;
        File::open(&partial).and_then(|f| f.sync_all()).map_err(io(&partial))?;
        // Never replaces a file that appeared meanwhile.
        std::fs::hard_link(&partial, to).map_err(io(to))?;
        Ok(tables)
    })();
    let _ = std::fs::remove_file(&partial);
    let tables = result?;
    let bytes = std::fs::metadata(to).map_err(io(to))?.len();
    Ok(Report {
        path: to.to_path_buf(),
        bytes,
        tables,
        replaced: None,
    })
}

/// Replaces the database at `database` with the backup `from`, after
/// verifying it. The database it replaces (with its WAL) is moved aside,
/// never deleted. Refuses while any process holds the database.
pub fn restore(from: &Path, database: &Path, stamp: &str) -> Result<Report, BackupError> {
    verify(from)?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))
        .map_err(io(database))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(BackupError::InUse(database.display().to_string())),
        Err(TryLockError::Error(e)) => return Err(io(database)(e)),
    }
    let incoming = sibling(database, ".restoring");
    std::fs::copy(from, &incoming).map_err(io(&incoming))?;
    File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(io(&incoming))?;
    let replaced = if database.exists() {
        let aside = sibling(database, &format!(".before-restore-{stamp}"));
        // The old WAL moves with its database, so the old copy stays whole
        // and the restored file never meets a stale WAL.
        for suffix in ["-wal", "-shm"] {
            let from = sibling(database, suffix);
            if from.exists() {
                std::fs::rename(&from, sibling(&aside, suffix)).map_err(io(&from))?;
            }
        }
        std::fs::rename(database, &aside).map_err(io(database))?;
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&incoming, database).map_err(io(database))?;
    let tables = verify(database)?;
    let bytes = std::fs::metadata(database).map_err(io(database))?.len();
    drop(lock);
    Ok(Report {
        path: database.to_path_buf(),
        bytes,
        tables,
        replaced,
    })
}
