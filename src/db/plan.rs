//! What the database plans to do with a statement, for the query-plan tests
//! (`tests/api/query_plans.rs`). The tests record the SQL every staff page
//! actually runs (diesel's instrumentation) and ask for each one's plan
//! here, so no copy of a page's statements can drift from the page.

use super::{DbConn, DbError};
use diesel::prelude::*;
use diesel::sql_types::Text;

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

/// The plan of `sql` (as diesel wrote it for this backend, binds still
/// placeholders), one line per step, whatever values are bound later.
///
/// SQLite plans a statement before binding, so `EXPLAIN QUERY PLAN` takes
/// it as it is. PostgreSQL gets it prepared and explained with its generic
/// plan (`plan_cache_mode = force_generic_plan`, PostgreSQL 12+): the plan
/// for any parameters, as `EXPLAIN (GENERIC_PLAN)` gives from version 16.
/// Sequential scans are switched off for it: on a test's few rows the
/// planner rightly prefers one, which would hide whether an index can
/// answer. Run it inside a transaction (`Db::read`): the settings are local.
pub fn explain_sql(conn: &mut DbConn, sql: &str) -> Result<String, DbError> {
    let lines: Vec<String> = match conn {
        DbConn::Sqlite(_) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqliteStep>(conn)?
            .into_iter()
            .map(|s| s.detail)
            .collect(),
        DbConn::Pg(_) => {
            let params = highest_placeholder(sql);
            let nulls = vec!["NULL"; params].join(", ");
            diesel::sql_query("SET LOCAL plan_cache_mode = force_generic_plan").execute(conn)?;
            diesel::sql_query("SET LOCAL enable_seqscan = off").execute(conn)?;
            diesel::sql_query(format!("PREPARE aftercare_plan AS {sql}")).execute(conn)?;
            let execute = if params == 0 {
                "EXPLAIN EXECUTE aftercare_plan".to_string()
            } else {
                format!("EXPLAIN EXECUTE aftercare_plan({nulls})")
            };
            let plan = diesel::sql_query(execute).load::<PgStep>(conn);
            diesel::sql_query("DEALLOCATE aftercare_plan").execute(conn)?;
            plan?.into_iter().map(|s| s.line).collect()
        }
    };
    Ok(lines.join("\n"))
}

/// The highest `$n` in PostgreSQL SQL (how many parameters it takes).
fn highest_placeholder(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_counted_by_the_highest() {
        assert_eq!(super::highest_placeholder("SELECT 1"), 0);
        assert_eq!(
            super::highest_placeholder("SELECT a FROM t WHERE b = $2 AND c = ANY($10) AND d = $1"),
            10
        );
    }
}
