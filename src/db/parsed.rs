//! Text columns read straight into their enums ([`TextEnum`]). Read into a
//! `String` first, each value cost an allocation, a copy and a free: a
//! record page reads about eight such columns from each of a hundred
//! check-ins. Here the enum is parsed from the row's own bytes; text that
//! is not one of the enum's options is a deserialization error, as the
//! `TryFrom<String>` after the read was.
//!
//! A private row's field has the type `Parsed<E>` (or [`MaybeParsed`] for a
//! nullable column) and the row's conversion takes `.0`; a public row keeps
//! the enum's own type with `#[diesel(deserialize_as = Parsed<E>)]` (the
//! enums such rows hold are listed at `into_enum!`).

use crate::domain::TextEnum;
use diesel::backend::Backend as DieselBackend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Nullable, SingleValue, Text};
use diesel::sqlite::{Sqlite, SqliteValue};

/// A non-null text column as its enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed<E>(pub E);

/// A nullable text column as its enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeParsed<E>(pub Option<E>);

fn parse<E: TextEnum>(text: &str) -> deserialize::Result<E> {
    Ok(E::parse_text(text)?)
}

fn pg_text<'a>(value: &'a PgValue<'_>) -> deserialize::Result<&'a str> {
    Ok(std::str::from_utf8(value.as_bytes())?)
}

impl<E: TextEnum> FromSql<Text, Sqlite> for Parsed<E> {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        parse(value.read_text()).map(Parsed)
    }
}

impl<E: TextEnum> FromSql<Text, Pg> for Parsed<E> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        parse(pg_text(&value)?).map(Parsed)
    }
}

impl<E: TextEnum> FromSql<Text, super::Backend> for Parsed<E> {
    fn from_sql(value: <super::Backend as DieselBackend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Text>()
    }
}

impl<E: TextEnum> FromSql<Nullable<Text>, Sqlite> for MaybeParsed<E> {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        parse(value.read_text()).map(|e| MaybeParsed(Some(e)))
    }
    fn from_nullable_sql(value: Option<SqliteValue<'_, '_, '_>>) -> deserialize::Result<Self> {
        value.map_or(
            Ok(MaybeParsed(None)),
            <Self as FromSql<Nullable<Text>, Sqlite>>::from_sql,
        )
    }
}

impl<E: TextEnum> FromSql<Nullable<Text>, Pg> for MaybeParsed<E> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        parse(pg_text(&value)?).map(|e| MaybeParsed(Some(e)))
    }
    fn from_nullable_sql(value: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeParsed(None)), <Self as FromSql<Nullable<Text>, Pg>>::from_sql)
    }
}

impl<E: TextEnum> FromSql<Nullable<Text>, super::Backend> for MaybeParsed<E> {
    fn from_sql(value: <super::Backend as DieselBackend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Nullable<Text>>()
    }
    fn from_nullable_sql(value: Option<<super::Backend as DieselBackend>::RawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(
            Ok(MaybeParsed(None)),
            <Self as FromSql<Nullable<Text>, super::Backend>>::from_sql,
        )
    }
}

// What `#[derive(FromSqlRow)]` writes, by hand for the generic types: one
// column, read by `FromSql`.
macro_rules! one_column {
    ($($t:ident),+) => {$(
        impl<E, ST, DB> Queryable<ST, DB> for $t<E>
        where
            DB: DieselBackend,
            ST: SingleValue,
            Self: FromSql<ST, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}
one_column!(Parsed, MaybeParsed);

/// `deserialize_as = Parsed<E>` needs `E: From<Parsed<E>>`, which Rust
/// allows only for each enum by name.
macro_rules! into_enum {
    ($($e:ty),+) => {$(
        impl From<Parsed<$e>> for $e {
            fn from(p: Parsed<$e>) -> Self {
                p.0
            }
        }
    )+};
}
into_enum!(
    crate::domain::Severity,
    crate::domain::FlagState,
    crate::domain::RuleId,
    crate::domain::ProcedureClass
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Overall, Severity};
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[test]
    fn text_columns_read_as_their_enums_and_unknown_text_is_an_error() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        let read = |c: &mut SqliteConnection, sql: &str| {
            diesel::select(diesel::dsl::sql::<Text>(sql)).get_result::<Parsed<Overall>>(c)
        };
        assert_eq!(read(&mut c, "'worse'").unwrap(), Parsed(Overall::Worse));
        // `parse` trims, as it always did for stored text.
        assert_eq!(read(&mut c, "' same '").unwrap(), Parsed(Overall::Same));
        assert!(read(&mut c, "'awful'").is_err());
        let maybe = |c: &mut SqliteConnection, sql: &str| {
            diesel::select(diesel::dsl::sql::<Nullable<Text>>(sql)).get_result::<MaybeParsed<Severity>>(c)
        };
        assert_eq!(maybe(&mut c, "NULL").unwrap(), MaybeParsed(None));
        assert_eq!(maybe(&mut c, "'urgent'").unwrap(), MaybeParsed(Some(Severity::Urgent)));
        assert!(maybe(&mut c, "'loud'").is_err());
    }
}
