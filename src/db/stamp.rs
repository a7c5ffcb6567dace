//! Timestamps as rows read them. SQLite keeps a timestamp as text; diesel
//! reads it by trying chrono format strings in turn, about 2,500
//! instructions a value (callgrind), and a record page reads a few hundred.
//! Ours are all written by diesel as `YYYY-MM-DD HH:MM:SS[.fraction]`: that
//! shape is read here directly, and anything else still goes to diesel's own
//! reading, so nothing it accepted is refused. PostgreSQL's binary
//! timestamps are diesel's as they are.
//!
//! Used through `#[diesel(deserialize_as = Stamp)]` (or [`MaybeStamp`]) on a
//! row's `NaiveDateTime` fields: the fields keep their chrono type.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};

/// A non-null timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

/// A nullable timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(s: Stamp) -> Self {
        s.0
    }
}

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(s: MaybeStamp) -> Self {
        s.0
    }
}

/// `n` ASCII digits at `b[at..]` as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    b.get(at..at + n)?.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1–9 digits of fraction;
/// `None` for any other text (diesel's reading then decides).
fn parse(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?)?;
    let (h, m, s) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            digits(frac, 0, frac.len())? * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    // Seconds of 60 (a leap second) are left to chrono's own reading.
    if s > 59 {
        return None;
    }
    Some(date.and_time(NaiveTime::from_hms_nano_opt(h, m, s, nanos)?))
}

fn read_sqlite(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<NaiveDateTime> {
    if let Some(t) = parse(value.read_text()) {
        return Ok(t);
    }
    <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value)
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        read_sqlite(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, super::Backend> for Stamp {
    fn from_sql(value: <super::Backend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Nullable<Timestamp>, Sqlite> for MaybeStamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        read_sqlite(value).map(|t| MaybeStamp(Some(t)))
    }
    fn from_nullable_sql(value: Option<SqliteValue<'_, '_, '_>>) -> deserialize::Result<Self> {
        value.map_or(
            Ok(MaybeStamp(None)),
            <Self as FromSql<Nullable<Timestamp>, Sqlite>>::from_sql,
        )
    }
}

impl FromSql<Nullable<Timestamp>, Pg> for MaybeStamp {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(|t| MaybeStamp(Some(t)))
    }
    fn from_nullable_sql(value: Option<diesel::pg::PgValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(
            Ok(MaybeStamp(None)),
            <Self as FromSql<Nullable<Timestamp>, Pg>>::from_sql,
        )
    }
}

impl FromSql<Nullable<Timestamp>, super::Backend> for MaybeStamp {
    fn from_sql(value: <super::Backend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Nullable<Timestamp>>()
    }
    fn from_nullable_sql(
        value: Option<<super::Backend as diesel::backend::Backend>::RawValue<'_>>,
    ) -> deserialize::Result<Self> {
        value.map_or(
            Ok(MaybeStamp(None)),
            <Self as FromSql<Nullable<Timestamp>, super::Backend>>::from_sql,
        )
    }
}

/// A non-null date column, read the same way: `YYYY-MM-DD` directly
/// (diesel's reading tries several formats, about 1,400 instructions a
/// value), anything else by diesel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Day(pub NaiveDate);

impl From<Day> for NaiveDate {
    fn from(d: Day) -> Self {
        d.0
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?)
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(d) = parse_day(value.read_text()) {
            return Ok(Day(d));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Day)
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Day)
    }
}

impl FromSql<Date, super::Backend> for Day {
    fn from_sql(value: <super::Backend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Date>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    /// What we and diesel read from `text` stored in a real SQLite column.
    fn read_back(c: &mut SqliteConnection, text: &str) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
        use diesel::connection::SimpleConnection;
        c.batch_execute("CREATE TABLE IF NOT EXISTS t (at TEXT); DELETE FROM t")
            .expect("table");
        diesel::sql_query("INSERT INTO t (at) VALUES (?)")
            .bind::<diesel::sql_types::Text, _>(text)
            .execute(c)
            .expect("insert");
        let q = || diesel::select(diesel::dsl::sql::<Timestamp>("(SELECT at FROM t)"));
        let ours = q().get_result::<Stamp>(c).ok().map(|s| s.0);
        let diesels = q().get_result::<NaiveDateTime>(c).ok();
        (ours, diesels)
    }

    #[test]
    fn reads_what_diesel_reads() {
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        for text in [
            "2026-03-02 10:00:00",
            "2026-03-02 10:00:00.5",
            "2026-03-02 10:00:00.123456",
            "2026-03-02 23:59:59.999999999",
            "2024-02-29 00:00:00.000001",
            // Other shapes: diesel's reading, as before.
            "2026-03-02T10:00:00",
            "2026-03-02 10:00",
            "2026-03-02 10:00:00Z",
            "2026-03-02 10:00:00+01:00",
            "2461100.5",
        ] {
            let (ours, diesels) = read_back(&mut c, text);
            assert!(diesels.is_some(), "diesel reads {text}");
            assert_eq!(ours, diesels, "{text}");
        }
    }

    #[test]
    fn refuses_what_diesel_refuses() {
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        for text in [
            "",
            "yesterday",
            "2026-02-30 10:00:00",
            "2026-03-02 24:00:00",
            "2026-03-02 10:61:00",
            "2026-13-02 10:00:00",
            "2026-03-02 1a:00:00",
        ] {
            let (ours, diesels) = read_back(&mut c, text);
            assert_eq!(ours, diesels, "{text:?}");
            assert!(ours.is_none(), "{text:?} is no time");
        }
        // Edge shapes the fast reading leaves alone: whatever diesel says.
        for text in [
            "2026-03-02 10:00:00.",
            "2026-03-02 10:00:00.1234567890",
            "2026-03-02 10:00:60",
        ] {
            let (ours, diesels) = read_back(&mut c, text);
            assert_eq!(ours, diesels, "{text:?}");
        }
    }

    #[test]
    fn fast_reading_is_exact() {
        let t = parse("2026-03-02 10:20:30.000042").expect("reads");
        assert_eq!(t.to_string(), "2026-03-02 10:20:30.000042");
        assert_eq!(
            parse("2026-03-02 10:20:30"),
            NaiveDateTime::parse_from_str("2026-03-02 10:20:30", "%F %T").ok()
        );
        assert!(parse("2026-03-02 10:20:30.1234567890").is_none());
        assert!(parse("2026-03-02T10:20:30").is_none(), "left to diesel");
    }

    #[test]
    fn nullable_reads_null() {
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        let none = diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>("NULL"))
            .get_result::<MaybeStamp>(&mut c)
            .expect("null");
        assert_eq!(none.0, None);
        let some = diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>("'2026-03-02 10:00:00.25'"))
            .get_result::<MaybeStamp>(&mut c)
            .expect("time");
        assert_eq!(some.0.map(|t| t.to_string()), Some("2026-03-02 10:00:00.250".into()));
    }

    #[test]
    fn days_read_what_diesel_reads_and_refuse_what_it_refuses() {
        use diesel::connection::SimpleConnection;
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        c.batch_execute("CREATE TABLE d (day TEXT)").expect("table");
        for text in [
            "2026-03-02",
            "2024-02-29",
            "0001-01-01",
            "9999-12-31",
            // Other shapes: diesel's reading decides.
            "2026-02-30",
            "2026-13-01",
            "2026-3-2",
            "20260302",
            "2026-03-02 10:00:00",
            "yesterday",
            "",
        ] {
            c.batch_execute("DELETE FROM d").expect("clear");
            diesel::sql_query("INSERT INTO d (day) VALUES (?)")
                .bind::<diesel::sql_types::Text, _>(text)
                .execute(&mut c)
                .expect("insert");
            let q = || diesel::select(diesel::dsl::sql::<Date>("(SELECT day FROM d)"));
            let ours = q().get_result::<Day>(&mut c).ok().map(|d| d.0);
            let diesels = q().get_result::<NaiveDate>(&mut c).ok();
            assert_eq!(ours, diesels, "{text:?}");
        }
        assert_eq!(parse_day("2026-03-02"), NaiveDate::from_ymd_opt(2026, 3, 2));
    }
}
