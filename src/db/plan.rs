//! What the database plans to do with a statement, for the query-plan tests
//! (`tests/api/query_plans.rs`): the statement is the very diesel expression
//! a page runs, wrapped in `EXPLAIN QUERY PLAN` (SQLite) or `EXPLAIN`
//! (PostgreSQL) with its binds, so no copy of its SQL can drift.

use super::{DbConn, DbError};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Text, Untyped};

/// `EXPLAIN …` around a statement, keeping its binds.
struct Explain<Q> {
    prefix: &'static str,
    query: Q,
}

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Explain<Q> {
    type SqlType = Untyped;
}

impl<Q, DB: Backend> QueryFragment<DB> for Explain<Q>
where
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, C> RunQueryDsl<C> for Explain<Q> {}

#[derive(QueryableByName)]
struct SqliteStep {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgStep {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan chosen for `query`, one line per step. On PostgreSQL,
/// sequential scans are switched off for this statement alone: on a test's
/// handful of rows the planner rightly prefers one, which would hide whether
/// an index can answer it.
pub fn explain<Q>(conn: &mut DbConn, query: Q) -> Result<String, DbError>
where
    Q: QueryFragment<<DbConn as Connection>::Backend>,
{
    let lines: Vec<String> = match conn {
        DbConn::Sqlite(_) => Explain {
            prefix: "EXPLAIN QUERY PLAN ",
            query,
        }
        .load::<SqliteStep>(conn)?
        .into_iter()
        .map(|s| s.detail)
        .collect(),
        DbConn::Pg(_) => {
            diesel::sql_query("SET LOCAL enable_seqscan = off").execute(conn)?;
            let plan = Explain {
                prefix: "EXPLAIN ",
                query,
            }
            .load::<PgStep>(conn);
            diesel::sql_query("SET LOCAL enable_seqscan = on").execute(conn)?;
            plan?.into_iter().map(|s| s.line).collect()
        }
    };
    Ok(lines.join("\n"))
}
