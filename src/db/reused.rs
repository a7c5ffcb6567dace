//! An `UPDATE` kept prepared. Diesel never caches an `UPDATE` statement
//! (a changeset may skip fields, so its SQL may change), and a SQLite
//! prepare costs more than running the statement: callgrind put a
//! check-in's writes at about 80k instructions each to prepare, against
//! about 25k to bind and run.
//!
//! [`update`] writes the same `UPDATE … SET … WHERE …` that diesel would,
//! but keys the connection's statement cache by its SQL text (and bind
//! types), never by its Rust type: a text that differs (a changeset that
//! skips a field) simply gets a statement of its own. The cache keeps
//! every text it sees, so use it where those are few and fixed.

//! [`one_of`] is `column IN (…)` with the whole list as one bind
//! (`IN (SELECT value FROM json_each(?))` on SQLite, `= ANY(?)` on
//! PostgreSQL), so its statement is prepared once however long the list:
//! diesel's `eq_any` writes a `?` per value and never caches the statement.

//! [`with_writes`] is PostgreSQL's `WITH w0 AS (write), … statement`: writes
//! whose answer nobody reads ride along with the statement that follows,
//! one round trip for all of them instead of one each.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AsChangeset, AstPass, Query, QueryFragment, QueryId};
use diesel::query_source::{QuerySource, Table};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, Bool, HasSqlType, SingleValue, SqlType, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

/// `UPDATE table SET changes WHERE filter`, prepared once per text.
/// `changes` must set at least one column: an empty changeset is an SQL
/// error from the database (diesel's own update refuses it beforehand).
pub fn update<T, F, C>(table: T, filter: F, changes: C) -> Update<T::FromClause, F, C::Changeset>
where
    T: Table + QuerySource,
    F: Expression<SqlType = Bool> + AppearsOnTable<T>,
    C: AsChangeset<Target = T>,
{
    Update {
        table: table.from_clause(),
        filter,
        changes: changes.as_changeset(),
    }
}

#[derive(Debug, Clone)]
pub struct Update<T, F, C> {
    table: T,
    filter: F,
    changes: C,
}

impl<T, F, C, DB> QueryFragment<DB> for Update<T, F, C>
where
    DB: Backend,
    T: QueryFragment<DB>,
    F: QueryFragment<DB>,
    C: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.table.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changes.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<T, F, C> QueryId for Update<T, F, C> {
    type QueryId = ();
    // Keyed by text: two values of one type may be different SQL.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, F, C, Conn> RunQueryDsl<Conn> for Update<T, F, C> {}

/// `column IN values`, one bind whatever the number of values. Runs on the
/// backend's own connection (through `per_backend!`), or in a boxed query
/// of the derived one.
pub fn one_of<C, T>(column: C, values: Vec<T>) -> OneOf<C, T>
where
    C: Expression,
    T: serde::Serialize,
{
    // A list of numbers or strings always serializes; an empty list if not.
    let json = serde_json::to_string(&values).unwrap_or_else(|_| "[]".into());
    OneOf { column, values, json }
}

#[derive(Debug, Clone)]
pub struct OneOf<C, T> {
    column: C,
    values: Vec<T>,
    /// The same values as a JSON array: SQLite's bind.
    json: String,
}

impl<C: Expression, T> Expression for OneOf<C, T> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, T, QS: ?Sized> AppearsOnTable<QS> for OneOf<C, T> where Self: Expression {}

impl<C: SelectableExpression<QS>, T, QS: ?Sized> SelectableExpression<QS> for OneOf<C, T> where Self: AppearsOnTable<QS> {}

impl<C: ValidGrouping<GB>, T, GB> ValidGrouping<GB> for OneOf<C, T> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryFragment<Sqlite>, T> QueryFragment<Sqlite> for OneOf<C, T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, T> QueryFragment<Pg> for OneOf<C, T>
where
    C: QueryFragment<Pg> + Expression,
    C::SqlType: SqlType + SingleValue,
    Pg: HasSqlType<C::SqlType>,
    Vec<T>: ToSql<Array<C::SqlType>, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<C::SqlType>, Vec<T>>(&self.values)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Through the derived connection (a boxed query for either backend): the
/// backend's own fragment, chosen when the statement is built.
impl<C, T> QueryFragment<super::Backend> for OneOf<C, T>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, super::Backend>) -> QueryResult<()> {
        super::Backend::walk_variant_ast(self, pass)
    }
}

impl<C, T> QueryId for OneOf<C, T> {
    type QueryId = ();
    // Keyed by text, as `Update`.
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// PostgreSQL only: `WITH w0 AS (writes.0), w1 AS (writes.1) then`, one
/// statement. PostgreSQL runs every write in a `WITH` exactly once and to
/// completion whether or not `then` reads it; all of them see the same
/// snapshot, so the writes and `then` must touch different rows. Prepared
/// once per text, as [`update`].
pub fn with_writes<W: Writes, Q>(writes: W, then: Q) -> WithWrites<W, Q> {
    WithWrites { writes, then }
}

#[derive(Debug, Clone)]
pub struct WithWrites<W, Q> {
    writes: W,
    then: Q,
}

/// The writes of a [`with_writes`]: a tuple of one or two statements.
pub trait Writes {
    fn walk_each<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

impl<A: QueryFragment<Pg>> Writes for (A,) {
    fn walk_each<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("w0 AS (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

impl<A: QueryFragment<Pg>, B: QueryFragment<Pg>> Writes for (A, B) {
    fn walk_each<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("w0 AS (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql("), w1 AS (");
        self.1.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

impl<W: Writes, Q: QueryFragment<Pg>> QueryFragment<Pg> for WithWrites<W, Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH ");
        self.writes.walk_each(&mut out)?;
        out.push_sql(" ");
        self.then.walk_ast(out.reborrow())
    }
}

impl<W, Q: Query> Query for WithWrites<W, Q> {
    type SqlType = Q::SqlType;
}

impl<W, Q> QueryId for WithWrites<W, Q> {
    type QueryId = ();
    // Keyed by text, as `Update`.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<W, Q, Conn> RunQueryDsl<Conn> for WithWrites<W, Q> {}

#[cfg(test)]
mod tests {
    use super::update;
    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;
    use std::sync::{Arc, Mutex};

    diesel::table! {
        t (id) {
            id -> BigInt,
            n -> BigInt,
            note -> Nullable<Text>,
        }
    }

    #[derive(Default, Clone)]
    struct Seen(Arc<Mutex<Vec<String>>>);

    impl Instrumentation for Seen {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                self.0.lock().expect("test lock").push(sql.to_string());
            }
        }
    }

    fn conn() -> (SqliteConnection, Seen) {
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        c.batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT)")
            .expect("table");
        let seen = Seen::default();
        c.set_instrumentation(seen.clone());
        (c, seen)
    }

    fn cached(seen: &Seen) -> Vec<String> {
        seen.0.lock().expect("test lock").clone()
    }

    fn two_rows(c: &mut SqliteConnection) {
        diesel::insert_into(t::table)
            .values(&vec![(t::id.eq(1), t::n.eq(0)), (t::id.eq(2), t::n.eq(0))])
            .execute(c)
            .expect("rows");
    }

    fn rows(c: &mut SqliteConnection) -> Vec<(i64, i64, Option<String>)> {
        t::table
            .order(t::id)
            .select((t::id, t::n, t::note))
            .load(c)
            .expect("read")
    }

    /// Diesel alone prepares an UPDATE every time; [`update`] prepares it
    /// once for its text, with the same SQL, and the values arrive as binds.
    #[test]
    fn an_update_is_prepared_once_per_text() {
        let (mut c, seen) = conn();
        two_rows(&mut c);
        for n in 1..=3 {
            diesel::update(t::table.find(1))
                .set(t::n.eq(n))
                .execute(&mut c)
                .expect("plain");
        }
        assert!(
            cached(&seen).iter().all(|s| !s.starts_with("UPDATE")),
            "{:?}",
            cached(&seen)
        );

        for n in 4..=6 {
            update(t::table, t::id.eq(1), t::n.eq(n)).execute(&mut c).expect("kept");
        }
        let updates: Vec<String> = cached(&seen).into_iter().filter(|s| s.starts_with("UPDATE")).collect();
        assert_eq!(updates.len(), 1, "{updates:?}");
        let diesels = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
            &diesel::update(t::table.filter(t::id.eq(1))).set(t::n.eq(1)),
        )
        .to_string();
        assert!(
            diesels.starts_with(&format!("{} -- binds", updates[0])),
            "{diesels} vs {}",
            updates[0]
        );
        assert_eq!(
            rows(&mut c),
            vec![(1, 6, None), (2, 0, None)],
            "the last values, on the filtered row only"
        );

        // Another text is another statement, never the first one reused.
        update(t::table, t::id.eq(2), (t::n.eq(7), t::note.eq("x")))
            .execute(&mut c)
            .expect("other text");
        assert_eq!(rows(&mut c), vec![(1, 6, None), (2, 7, Some("x".into()))]);
        update(t::table, t::id.eq(1), t::n.eq(8))
            .execute(&mut c)
            .expect("first text again");
        assert_eq!(rows(&mut c), vec![(1, 8, None), (2, 7, Some("x".into()))]);
        assert_eq!(cached(&seen).iter().filter(|s| s.starts_with("UPDATE")).count(), 2);
    }

    /// A changeset that skips a `None` is another text, so another statement.
    #[test]
    fn a_changeset_that_skips_a_field_is_its_own_statement() {
        let (mut c, seen) = conn();
        two_rows(&mut c);
        let set = |c: &mut SqliteConnection, id: i64, n: i64, note: Option<&str>| {
            update(t::table, t::id.eq(id), (t::n.eq(n), note.map(|s| t::note.eq(s))))
                .execute(c)
                .expect("update")
        };
        set(&mut c, 1, 1, Some("a"));
        set(&mut c, 2, 2, None);
        set(&mut c, 1, 3, None);
        set(&mut c, 2, 4, Some("b"));
        assert_eq!(rows(&mut c), vec![(1, 3, Some("a".into())), (2, 4, Some("b".into()))]);
        assert_eq!(cached(&seen).iter().filter(|s| s.starts_with("UPDATE")).count(), 2);
    }

    /// An empty changeset is an error, not a panic, and changes nothing.
    #[test]
    fn an_empty_changeset_is_an_error() {
        let (mut c, _) = conn();
        two_rows(&mut c);
        let none: Option<diesel::dsl::Eq<t::n, i64>> = None;
        assert!(update(t::table, t::id.eq(1), none).execute(&mut c).is_err());
        assert_eq!(rows(&mut c), vec![(1, 0, None), (2, 0, None)]);
    }

    /// `one_of` finds the listed rows, numbers or strings, for lists of any
    /// length (none too) with one prepared statement, where `eq_any`
    /// prepares one for every call.
    #[test]
    fn a_list_is_one_bind_and_one_statement() {
        use super::one_of;
        let (mut c, seen) = conn();
        for id in 1..=5 {
            diesel::insert_into(t::table)
                .values((t::id.eq(id), t::n.eq(id * 10), t::note.eq(format!("n{id}"))))
                .execute(&mut c)
                .expect("row");
        }
        let ids = |c: &mut SqliteConnection, list: Vec<i64>| -> Vec<i64> {
            t::table
                .filter(one_of(t::id, list))
                .order(t::id)
                .select(t::id)
                .load(c)
                .expect("read")
        };
        assert_eq!(ids(&mut c, vec![1, 3]), vec![1, 3]);
        assert_eq!(ids(&mut c, vec![5, 2, 4, 2, 99]), vec![2, 4, 5]);
        assert_eq!(ids(&mut c, vec![]), Vec::<i64>::new());
        assert_eq!(ids(&mut c, vec![i64::MAX, i64::MIN]), Vec::<i64>::new());
        let lists: Vec<String> = cached(&seen).into_iter().filter(|s| s.contains("json_each")).collect();
        assert_eq!(lists.len(), 1, "{lists:?}");

        let notes: Vec<i64> = t::table
            .filter(one_of(t::note.assume_not_null(), vec!["n2", "n4", "it's \"quoted\""]))
            .order(t::id)
            .select(t::id)
            .load(&mut c)
            .expect("read");
        assert_eq!(notes, vec![2, 4]);

        for _ in 0..3 {
            let _: Vec<i64> = t::table
                .filter(t::id.eq_any(vec![1, 2]))
                .select(t::id)
                .load(&mut c)
                .expect("eq_any");
        }
        let plain = cached(&seen).iter().filter(|s| s.contains(" IN (?")).count();
        assert_eq!(plain, 0, "eq_any's statement is never kept: {:?}", cached(&seen));
    }

    /// In a boxed query of the derived connection (the patient list's),
    /// `one_of` and its negation keep one statement for lists of any length,
    /// and find the same rows.
    #[test]
    fn a_list_in_a_boxed_query_of_either_backend_is_one_statement() {
        use super::one_of;
        use crate::db::{Backend, DbConn};
        let mut c = DbConn::establish(":memory:").expect("sqlite");
        c.batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT)")
            .expect("table");
        c.batch_execute("INSERT INTO t (id, n) VALUES (1, 0), (2, 0), (3, 0), (4, 0)")
            .expect("rows");
        let seen = Seen::default();
        c.set_instrumentation(seen.clone());
        let read = |c: &mut DbConn, list: Vec<i64>, except: bool| -> Vec<i64> {
            let q = t::table.into_boxed::<Backend>();
            let q = if except {
                q.filter(diesel::dsl::not(one_of(t::id, list)))
            } else {
                q.filter(one_of(t::id, list))
            };
            q.order(t::id).select(t::id).load(c).expect("read")
        };
        for _ in 0..2 {
            assert_eq!(read(&mut c, vec![2, 4], false), vec![2, 4]);
            assert_eq!(read(&mut c, vec![1, 3, 4, 99], false), vec![1, 3, 4]);
            assert_eq!(read(&mut c, vec![], false), Vec::<i64>::new());
            assert_eq!(read(&mut c, vec![2, 4], true), vec![1, 3]);
            assert_eq!(read(&mut c, vec![], true), vec![1, 2, 3, 4]);
        }
        let kept = cached(&seen);
        assert_eq!(kept.iter().filter(|s| s.contains("json_each")).count(), 2, "{kept:?}");
    }
}
