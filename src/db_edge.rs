//! The async edge of the database: [`Db::read_async`] and [`Db::write_async`]
//! run a closure on a blocking thread, in one transaction, and return the
//! crate's `Result`. They live here, not in `db/`, because `db/` knows only
//! its own `DbError`; the crate's `Error` sits above it.

use crate::db::{Db, DbConn};
use crate::error::Result;

impl Db {
    /// Runs `f` in one read-only snapshot, off the async workers.
    pub async fn read_async<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |db| db.read(f)).await
    }

    /// [`Db::read_each`] off the async workers.
    pub async fn read_each_async<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |db| db.read_each(f)).await
    }

    /// Runs `f` in one write transaction (all of it commits, or none of it),
    /// off the async workers.
    pub async fn write_async<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |db| db.write(f)).await
    }
}
