//! The database: SQLite or PostgreSQL behind one connection type, chosen by
//! `DATABASE_URL`. Nothing outside this module knows which backend runs.
//!
//! Writes go through [`Db::write`], one transaction per call; on SQLite that
//! is `BEGIN IMMEDIATE` behind an in-process writer gate, because SQLite
//! serialises writers anyway and a deferred transaction that upgrades from
//! read to write fails at once instead of waiting.

/// PostgreSQL: locks one row by id until the transaction ends, so writers
/// that must not interleave (read a number, then insert the next) queue
/// behind each other. `FOR NO KEY UPDATE` still lets other transactions
/// insert rows referencing it. SQLite needs nothing: `BEGIN IMMEDIATE`
/// already admits one writer at a time.
macro_rules! lock_row {
    ($conn:expr, $table:ident, $id:expr) => {
        if let $crate::db::DbConn::Pg(c) = $conn {
            $table::table
                .find($id)
                .select($table::id)
                .for_no_key_update()
                .first::<i64>(c)
                .optional()?;
        }
    };
}

/// Runs `$body` with `$c` bound to the backend's own connection (a
/// `SqliteConnection` or a `PgConnection`): the query is written once and
/// compiled for each. Why: through [`DbConn`] (diesel's derived
/// `MultiConnection`) a query's whole SQL text is rebuilt on each pass diesel
/// makes over it per execution (the statement-cache check and the bind
/// collection), even when its prepared statement is cached; callgrind put
/// that at about a tenth of all serve's work. Kept for the statements every
/// request or every check-in runs.
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

/// `$column = $clinic` as a check on rows another index already finds (by
/// id, by patient), never as the way in. Without statistics SQLite takes
/// `clinic_id = ?` for a few rows, and would walk a `clinic_id` index
/// through every row of the clinic instead; `+ 0` takes the term out of
/// index selection (SQLite's documented way; a plain filter on PostgreSQL).
/// `tests/api/query_plans.rs` checks the plans.
macro_rules! same_clinic {
    ($column:expr, $clinic:expr) => {
        ($column + 0_i64).eq($clinic.0)
    };
}

pub mod schema;
pub mod stamp;

pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod backup;
pub mod checkins;
pub mod clinics;
pub mod dashboard;
pub mod devices;
pub mod exports;
pub mod flags;
mod group_commit;
pub mod outbox;
pub mod parsed;
pub mod patients;
pub mod photos;
pub mod plan;
pub mod quality;
pub mod reused;
pub mod scheduled;
pub mod sessions;
pub mod totp;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to whichever backend runs.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// The backend every query is built for: whichever [`DbConn`] runs.
pub type Backend = <DbConn as Connection>::Backend;

/// Where the database is. Parsed from `DATABASE_URL`; unknown schemes refused.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (from `path`, `sqlite://path` or `sqlite:///abs/path`).
    Sqlite(String),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    // Never print a PostgreSQL password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "Sqlite({p:?})"),
            DatabaseUrl::Postgres(u) => write!(f, "Postgres({:?})", redact_url(u)),
        }
    }
}

/// `postgres://user:pw@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparseable URL>".into(),
    }
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty: give a SQLite file path or a postgres:// URL".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|_| "is not a valid postgres:// URL".to_string())?;
            return Ok(Self::Postgres(raw.to_string()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://aftercare.db".into());
            }
            return Ok(Self::Sqlite(path.to_string()));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "the scheme {:?} is not supported: use a SQLite file path, sqlite://PATH, or postgres://",
                scheme.chars().take(20).collect::<String>()
            ));
        }
        if raw == ":memory:" {
            return Err("an in-memory database would lose every check-in: give a file path".into());
        }
        Ok(Self::Sqlite(raw.to_string()))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("background task failed: {0}")]
    Task(String),
    /// The shared commit of a group of SQLite writers failed: nothing of
    /// the group was stored.
    #[error("the write could not be committed: {0}")]
    Commit(String),
}

impl DbError {
    /// True when the error is a unique-constraint violation (e.g. a duplicate email).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Opens connections for the pool and prepares each SQLite connection.
pub struct Manager {
    url: DatabaseUrl,
}

fn establish(url: &DatabaseUrl) -> Result<DbConn, DbError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let mut c = SqliteConnection::establish(path).map_err(|e| DbError::Connect(e.to_string()))?;
            // foreign_keys is off by default in SQLite; synchronous=FULL so a
            // committed check-in survives power loss, not only a crash.
            c.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;")
                .map_err(|e| DbError::Connect(e.to_string()))?;
            Ok(DbConn::Sqlite(c))
        }
        DatabaseUrl::Postgres(u) => PgConnection::establish(u)
            .map(DbConn::Pg)
            // libpq's message can echo the URL; keep only its first line.
            .map_err(|e| DbError::Connect(e.to_string().lines().next().unwrap_or("").replace(u, &redact_url(u)))),
    }
}

/// A pooled connection and when it was last handed back.
pub struct PoolConn {
    conn: DbConn,
    returned: Instant,
}

/// A connection handed back this recently is lent again without a `SELECT 1`
/// first: under load that test was a quarter of PostgreSQL's round trips per
/// check-in. One idle longer (the server may have closed it since) is tested.
const FRESH: Duration = Duration::from_secs(1);

impl ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PoolConn, r2d2::Error> {
        let conn = establish(&self.url)
            .map_err(|e| r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e.to_string())))?;
        Ok(PoolConn {
            conn,
            returned: Instant::now(),
        })
    }
    fn is_valid(&self, c: &mut PoolConn) -> Result<(), r2d2::Error> {
        if c.returned.elapsed() < FRESH {
            return Ok(());
        }
        c.conn.ping().map_err(r2d2::Error::QueryError)
    }
    fn has_broken(&self, c: &mut PoolConn) -> bool {
        // Called as the connection goes back to the pool.
        c.returned = Instant::now();
        c.conn.is_broken()
    }
}

/// The database handle shared by the web app, the workers and the CLI.
#[derive(Clone)]
pub struct Db {
    source: Source,
    postgres: bool,
    /// SQLite one-shot commands: one writer at a time inside this process.
    write_gate: Arc<Mutex<()>>,
    /// SQLite `serve`: writers that arrive together share one transaction
    /// and one fsync ([`group_commit`]).
    group: Option<Arc<group_commit::GroupCommit>>,
    /// SQLite: the shared lock that makes a restore refuse while this
    /// process has the database open ([`backup::hold`]).
    _holder: Option<Arc<std::fs::File>>,
    url: DatabaseUrl,
    /// Signalled after a commit that queued email (and, on PostgreSQL, by
    /// [`Db::listen_for_outbox`] when another process did): the delivery
    /// worker waits on it instead of only its poll interval.
    outbox_wake: Arc<tokio::sync::Notify>,
    /// Database calls running at once from async code ([`Db::run`]). The
    /// rest wait here as tasks, not as blocked threads: each blocked
    /// thread costs a stack and, under glibc, a share of malloc arenas that
    /// are never given back (memory grew with concurrency without it).
    running: Arc<tokio::sync::Semaphore>,
}

/// Pooled connections: SQLite's are readers only (writes have their own
/// connection, [`group_commit`]); PostgreSQL's do both, and more of them
/// keep its server's cores busy while some wait on the network.
fn pool_size(url: &DatabaseUrl) -> u32 {
    if url.is_postgres() {
        16
    } else {
        4
    }
}

/// SQLite: the shared lock a restore waits on while this process has the file open.
fn hold(url: &DatabaseUrl) -> Result<Option<Arc<std::fs::File>>, DbError> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Some(Arc::new(backup::hold(std::path::Path::new(path))?)),
        DatabaseUrl::Postgres(_) => None,
    })
}

/// Where connections come from.
#[derive(Clone)]
enum Source {
    /// `serve`: a pool that opens connections only when asked (see [`Db::connect`]).
    Pool(r2d2::Pool<Manager>),
    /// One-shot commands: one connection, no background threads at all.
    Single(Arc<Mutex<DbConn>>),
}

/// A connection lent by [`Db::conn`]; derefs to [`DbConn`].
pub enum Conn<'a> {
    Pooled(r2d2::PooledConnection<Manager>),
    Single(std::sync::MutexGuard<'a, DbConn>),
}

impl std::ops::Deref for Conn<'_> {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        match self {
            Conn::Pooled(c) => &c.conn,
            Conn::Single(c) => c,
        }
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        match self {
            Conn::Pooled(c) => &mut c.conn,
            Conn::Single(c) => c,
        }
    }
}

impl Db {
    /// Connects, runs pending migrations, then opens the pool (for `serve`).
    ///
    /// The pool never works in the background on its own: no minimum of idle
    /// connections to keep topped up and no reaper, so a connection is only
    /// opened while a caller waits for it. r2d2 does not join its worker
    /// threads when the pool drops, and one still inside libpq while the
    /// process exits crashes it (SIGSEGV at exit).
    pub fn connect(url: &DatabaseUrl) -> Result<Self, DbError> {
        let holder = hold(url)?;
        Self::migrate(url)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size(url))
            .min_idle(Some(0))
            .idle_timeout(None)
            .max_lifetime(None)
            .connection_timeout(Duration::from_secs(10))
            // A SQLite file cannot drop the connection: no `SELECT 1` before
            // every transaction. A PostgreSQL server can, so one idle for a
            // while is asked ([`FRESH`]).
            .test_on_check_out(url.is_postgres())
            .build(Manager { url: url.clone() })
            .map_err(|e| DbError::Connect(e.to_string()))?;
        let mut db = Self::with(Source::Pool(pool), url, holder);
        if !url.is_postgres() {
            db.group = Some(Arc::new(group_commit::GroupCommit::new(url)));
        }
        Ok(db)
    }

    /// Connects and runs pending migrations over one connection, kept for
    /// every later call: a one-shot command starts no thread that could
    /// outlive it.
    pub fn connect_single(url: &DatabaseUrl) -> Result<Self, DbError> {
        let holder = hold(url)?;
        let mut conn = establish(url)?;
        migrate_on(&mut conn)?;
        Ok(Self::with(Source::Single(Arc::new(Mutex::new(conn))), url, holder))
    }

    fn with(source: Source, url: &DatabaseUrl, holder: Option<Arc<std::fs::File>>) -> Self {
        Self {
            source,
            postgres: url.is_postgres(),
            write_gate: Arc::new(Mutex::new(())),
            group: None,
            _holder: holder,
            url: url.clone(),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            // Enough to keep every pooled connection and the writer busy.
            running: Arc::new(tokio::sync::Semaphore::new(2 * pool_size(url) as usize)),
        }
    }

    /// What the delivery worker waits on besides its interval.
    pub fn outbox_wake(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_wake.clone()
    }

    /// PostgreSQL: a thread that LISTENs on [`outbox::CHANNEL`] over its own
    /// connection and wakes this process's worker when any process commits
    /// email, until `stop` is set (join it before exiting: a thread still in
    /// libpq at exit crashes the process). None on SQLite, where only this
    /// process writes. libpq reads notifications without blocking, so it
    /// checks every 100 ms; the worker's poll stays as the fallback.
    pub fn listen_for_outbox(&self, stop: Arc<std::sync::atomic::AtomicBool>) -> Option<std::thread::JoinHandle<()>> {
        use std::sync::atomic::Ordering;
        if !self.postgres {
            return None;
        }
        // Weak: the thread also ends once every handle on this Db is gone.
        let (url, wake) = (self.url.clone(), Arc::downgrade(&self.outbox_wake));
        let tick = Duration::from_millis(100);
        Some(std::thread::spawn(move || {
            let mut conn: Option<PgConnection> = None;
            let mut retry_in = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                let Some(wake) = wake.upgrade() else { break };
                if conn.is_none() {
                    if retry_in > 0 {
                        retry_in -= 1;
                        continue;
                    }
                    match establish(&url).and_then(|c| match c {
                        DbConn::Pg(mut c) => {
                            c.batch_execute(&format!("LISTEN {}", outbox::CHANNEL))?;
                            Ok(c)
                        }
                        DbConn::Sqlite(_) => Err(DbError::Connect("not PostgreSQL".into())),
                    }) {
                        Ok(c) => {
                            conn = Some(c);
                            // Anything queued while we were not listening.
                            wake.notify_one();
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "outbox listener cannot connect; polling only, retrying in 5 s");
                            retry_in = 50;
                        }
                    }
                    continue;
                }
                let Some(c) = conn.as_mut() else { continue };
                let (mut woke, mut broken) = (false, false);
                for n in c.notifications_iter() {
                    match n {
                        Ok(_) => woke = true,
                        Err(_) => {
                            broken = true;
                            break;
                        }
                    }
                }
                if woke {
                    wake.notify_one();
                }
                if broken {
                    tracing::warn!("outbox listener lost its connection; reconnecting");
                    conn = None;
                }
            }
        }))
    }

    /// Runs pending migrations (also `aftercare migrate`). Returns how many ran.
    pub fn migrate(url: &DatabaseUrl) -> Result<usize, DbError> {
        migrate_on(&mut establish(url)?)
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    pub fn conn(&self) -> Result<Conn<'_>, DbError> {
        match &self.source {
            Source::Pool(p) => Ok(Conn::Pooled(p.get()?)),
            // Poisoned only if a caller panicked mid-call: its transaction was
            // rolled back, or the connection is broken and says so.
            Source::Single(c) => Ok(Conn::Single(c.lock().unwrap_or_else(|p| p.into_inner()))),
        }
    }

    /// Runs `f` in one read-only snapshot.
    pub fn read<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
    {
        let mut conn = self.conn()?;
        let conn: &mut DbConn = &mut conn;
        conn.transaction(f)
    }

    /// Runs `f` outside a transaction: each statement reads what is
    /// committed when it runs. For a read of one statement, or of
    /// statements that need not agree with each other (a session, then its
    /// person): on PostgreSQL a transaction is two round trips more.
    pub fn read_each<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Runs `f` in one write transaction: all of it commits, or none of it.
    /// A commit that queued email wakes the delivery worker.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
    {
        // Forget a mark left by a transaction that did not commit.
        outbox::take_queued();
        let result = self.write_once(f);
        if outbox::take_queued() && result.is_ok() {
            self.outbox_wake.notify_one();
        }
        result
    }

    fn write_once<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
    {
        if let Some(group) = &self.group {
            return group.write(f);
        }
        let mut conn = self.conn()?;
        let conn: &mut DbConn = &mut conn;
        if self.postgres {
            return conn.transaction(f);
        }
        // A poisoned gate only means another writer panicked; the database
        // rolled that transaction back, so carrying on is safe.
        let _gate = self.write_gate.lock().unwrap_or_else(|p| p.into_inner());
        match conn {
            DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
            DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
        }
        match f(conn) {
            Ok(v) => {
                <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                Ok(v)
            }
            Err(e) => {
                // The caller's error is what matters; a failed rollback shows up
                // as a broken connection, which the pool discards.
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                Err(e)
            }
        }
    }

    /// Runs a blocking database closure off the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Db) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        // Closed never: the semaphore lives as long as the Db. The permit
        // moves into the thread: a request dropped mid-call (the client
        // left) still counts until its call has finished.
        let permit = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| E::from(DbError::Task(e.to_string())))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&db)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Readiness: the database answers and no migration is pending.
    pub fn ready(&self) -> Result<(), DbError> {
        let mut conn = self.conn()?;
        let pending = match &mut *conn {
            DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
            DbConn::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        if pending {
            return Err(DbError::Migration("migrations are pending".into()));
        }
        Ok(())
    }
}

fn migrate_on(conn: &mut DbConn) -> Result<usize, DbError> {
    let ran = match conn {
        DbConn::Sqlite(c) => {
            // WAL once per database file: readers then never block the writer.
            c.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| DbError::Migration(e.to_string()))?;
            let ran = c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|e| DbError::Migration(e.to_string()))?
                .len();
            return after_migrations(conn).map(|()| ran);
        }
        DbConn::Pg(c) => {
            // Several `serve` processes may start together: one migrates at a time.
            c.batch_execute("SELECT pg_advisory_lock(7284001)")
                .map_err(|e| DbError::Migration(e.to_string()))?;
            c.run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| DbError::Migration(e.to_string()))
        }
    };
    let ran = ran.and_then(|ran| after_migrations(conn).map(|()| ran));
    let _ = conn.batch_execute("SELECT pg_advisory_unlock(7284001)");
    ran
}

/// What SQL alone cannot fill in for rows older than a migration: the
/// search terms of patients enrolled before `patient_search` (their words
/// are split and folded in Rust, the same way as for a new patient).
fn after_migrations(conn: &mut DbConn) -> Result<(), DbError> {
    conn.transaction(|c| patients::index_unsearchable(c).map(|_| ()))
}

/// The clinic an account belongs to (staff's clinic, or a patient's), for audit rows.
pub fn staff_clinic(
    conn: &mut DbConn,
    account: crate::domain::AccountId,
) -> Result<Option<crate::domain::ClinicId>, DbError> {
    if let Some(s) = accounts::staff_by_account(conn, account)? {
        return Ok(Some(s.clinic_id));
    }
    Ok(patients::by_account(conn, account)?.map(|p| p.clinic_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("aftercare.db").unwrap(),
            DatabaseUrl::Sqlite("aftercare.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/a.db").unwrap(),
            DatabaseUrl::Sqlite("data/a.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/a.db").unwrap(),
            DatabaseUrl::Sqlite("/var/a.db".into())
        );
        assert!(DatabaseUrl::parse("postgres://u@localhost/a").unwrap().is_postgres());
        assert!(DatabaseUrl::parse("postgresql://u@localhost/a").unwrap().is_postgres());
        for bad in ["mysql://x/y", "", ":memory:", "sqlite://"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let u = DatabaseUrl::parse("postgres://me:s3cret@db.example/a").unwrap();
        assert!(!format!("{u:?}").contains("s3cret"));
    }
}
