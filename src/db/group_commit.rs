//! SQLite group commit. SQLite admits one writer at a time and each commit
//! is an fsync (`synchronous=FULL`); writers that arrive while another one
//! runs join its transaction instead of queueing for their own. Each
//! writer's work runs on the caller's thread inside its own savepoint (a
//! failed one is rolled back alone), and the last writer of the group, the
//! one that finds nobody waiting behind it, commits for all. Every writer
//! returns only once the shared commit is durable, so a 303 still means
//! "stored". A failed commit fails every writer of its group: none of
//! them was told its work was stored.

use super::{establish, DatabaseUrl, DbConn, DbError};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Most writers one transaction holds, so a steady stream still commits.
const MAX_MEMBERS: usize = 64;

pub(super) struct GroupCommit {
    url: DatabaseUrl,
    /// Writers waiting for the lock: while there are some, the writer that
    /// holds it leaves the transaction open for them.
    arriving: AtomicUsize,
    state: Mutex<State>,
    ended: Condvar,
}

#[derive(Default)]
struct State {
    /// The writers' own connection (not the readers' pool); opened on first
    /// use and after a failure.
    conn: Option<DbConn>,
    /// The number of the open group, or of the last one when none is open.
    group: u64,
    /// Writers in the open group; 0 when no transaction is open.
    members: usize,
    /// The newest group that has ended (committed or failed).
    ended: u64,
    /// Groups whose commit failed, and why (recent ones only).
    failures: BTreeMap<u64, String>,
}

impl State {
    /// Ends the open group: wakes its waiting members.
    fn end(&mut self, failure: Option<String>) {
        self.members = 0;
        self.ended = self.group;
        if let Some(why) = failure {
            // Rolled back by closing the connection; a fresh one next time.
            self.conn = None;
            self.failures.insert(self.group, why);
            while self.failures.len() > 256 {
                self.failures.pop_first();
            }
        }
    }
}

impl GroupCommit {
    pub(super) fn new(url: &DatabaseUrl) -> Self {
        Self {
            url: url.clone(),
            arriving: AtomicUsize::new(0),
            state: Mutex::new(State::default()),
            ended: Condvar::new(),
        }
    }

    /// How many groups have ended (tests: writers at once share commits).
    #[cfg(test)]
    fn groups(&self) -> u64 {
        self.lock().ended
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Poisoned only by a panic outside a writer's closure (those are
        // caught); the state is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in the current group's transaction, then commits or leaves
    /// the commit to the writer behind; returns once it is durable.
    pub(super) fn write<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
    {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut st = self.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        if st.members == 0 {
            if st.conn.is_none() {
                st.conn = Some(establish(&self.url)?);
            }
            let Some(DbConn::Sqlite(c)) = st.conn.as_mut() else {
                return Err(DbError::Connect("group commit needs SQLite".into()).into());
            };
            if let Err(e) = AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE") {
                st.conn = None;
                return Err(e.into());
            }
            st.group += 1;
        }
        st.members += 1;
        let group = st.group;

        // This writer's part, in its own savepoint.
        let conn = st.conn.as_mut().expect("a connection is open while a group is");
        let mut broken = None;
        let ran = match <DbConn as Connection>::TransactionManager::begin_transaction(conn) {
            Err(e) => {
                broken = Some(e.to_string());
                None
            }
            Ok(()) => {
                let ran = catch_unwind(AssertUnwindSafe(|| f(conn)));
                let undo = !matches!(ran, Ok(Ok(_)));
                let closed = if undo {
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
                } else {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)
                };
                if let Err(e) = closed {
                    broken = Some(e.to_string());
                }
                Some(ran)
            }
        };

        // Commit when nobody is waiting to join, the group is full, or it broke.
        let commit_now = broken.is_some() || st.members >= MAX_MEMBERS || self.arriving.load(Ordering::SeqCst) == 0;
        let mut failure = broken.clone();
        if commit_now {
            if failure.is_none() {
                let conn = st.conn.as_mut().expect("a connection is open while a group is");
                if let Err(e) = <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
                    failure = Some(e.to_string());
                }
            }
            st.end(failure.clone());
            self.ended.notify_all();
        }
        let own = match ran {
            None => return Err(DbError::Commit(broken.unwrap_or_default()).into()),
            Some(Err(panic)) => {
                drop(st);
                resume_unwind(panic)
            }
            Some(Ok(Err(e))) => return Err(e),
            Some(Ok(Ok(v))) => v,
        };
        if !commit_now {
            while st.ended < group {
                st = self.ended.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            failure = st.failures.get(&group).cloned();
        }
        match failure {
            None => Ok(own),
            Some(why) => Err(DbError::Commit(why).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{DatabaseUrl, Db, DbConn, DbError};
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use std::sync::Arc;

    fn db() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("g.db").to_string_lossy().into_owned());
        let db = Db::connect(&url).expect("database");
        db.write(|c| match c {
            DbConn::Sqlite(c) => c
                .batch_execute("CREATE TABLE g (id INTEGER PRIMARY KEY, who INTEGER NOT NULL UNIQUE)")
                .map_err(DbError::from),
            DbConn::Pg(_) => unreachable!(),
        })
        .expect("table");
        (db, dir)
    }

    fn insert(c: &mut DbConn, who: i64) -> Result<(), DbError> {
        diesel::sql_query(format!("INSERT INTO g (who) VALUES ({who})")).execute(c)?;
        Ok(())
    }

    fn stored(db: &Db) -> Vec<i64> {
        #[derive(QueryableByName)]
        struct W {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            who: i64,
        }
        db.read(|c| {
            diesel::sql_query("SELECT who FROM g ORDER BY who")
                .load::<W>(c)
                .map_err(DbError::from)
        })
        .expect("read")
        .into_iter()
        .map(|w| w.who)
        .collect()
    }

    /// Writers at once: each one's work is stored exactly when it was told
    /// so; a failing writer and a panicking one lose only their own work.
    #[test]
    fn writers_at_once_share_commits_and_fail_alone() {
        let (db, _dir) = db();
        let db = Arc::new(db);
        let threads: Vec<_> = (0..48i64)
            .map(|who| {
                let db = db.clone();
                std::thread::spawn(move || {
                    for round in 0..20i64 {
                        let n = who * 100 + round;
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            db.write(|c| {
                                insert(c, n)?;
                                match n % 10 {
                                    // Inserted, then refused: its row must go.
                                    3 => Err(DbError::Task("refused".into())),
                                    // A constraint error mid-way, after a row of its own.
                                    5 => {
                                        insert(c, 1_000_000 + n)?;
                                        insert(c, n)
                                    }
                                    7 => panic!("a writer panics"),
                                    _ => Ok(()),
                                }
                            })
                        }));
                        let expect_ok = !matches!(n % 10, 3 | 5 | 7);
                        assert_eq!(matches!(r, Ok(Ok(()))), expect_ok, "writer {n}");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("writer thread");
        }
        let want: Vec<i64> = (0..48i64)
            .flat_map(|who| (0..20).map(move |r| who * 100 + r))
            .filter(|n| !matches!(n % 10, 3 | 5 | 7))
            .collect();
        assert_eq!(stored(&db), want);
        let groups = db.group.as_ref().expect("serve's database commits in groups").groups();
        // 960 writers (plus the table) ended in fewer transactions.
        assert!(groups < 961, "{groups} groups");
        println!("960 writers in {groups} groups");
    }

    /// A writer that arrives after a panic or an error is served as usual.
    #[test]
    fn the_next_writer_after_a_failure_is_served() {
        let (db, _dir) = db();
        let r: Result<(), DbError> = db.write(|c| {
            insert(c, 1)?;
            Err(DbError::Task("no".into()))
        });
        assert!(r.is_err());
        let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<(), DbError> = db.write(|c| {
                insert(c, 2)?;
                panic!("boom")
            });
        }));
        assert!(p.is_err());
        db.write(|c| insert(c, 3)).expect("third writer");
        assert_eq!(stored(&db), vec![3]);
    }
}
