//! Domain types shared by every layer: typed ids, procedure classes, check-in
//! answers and the question catalogue, severities. Parsing lives here ("parse, don't validate"): once a
//! value has one of these types it is known to be valid.

mod account;
mod checkin;
mod email;
mod flag;
mod ids;
mod kinds;
mod lang;
mod outcome;
mod procedure;
pub mod questions;
mod rule_id;
pub mod search;
pub mod text;

pub use account::*;
pub use checkin::*;
pub use email::*;
pub use flag::*;
pub use ids::*;
pub use kinds::*;
pub use lang::*;
pub use outcome::*;
pub use procedure::*;
pub use rule_id::*;

/// A value that was not one of the allowed options. Carries what was given
/// (already truncated) so an error message can show it safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {given:?} is not one of: {allowed}")]
pub struct UnknownOption {
    pub what: &'static str,
    pub given: String,
    pub allowed: &'static str,
}

impl UnknownOption {
    pub fn new(what: &'static str, given: &str, allowed: &'static str) -> Self {
        let given: String = given.chars().take(40).collect();
        Self { what, given, allowed }
    }
}

/// A string-backed enum ([`text_enum!`]) read from its stored text: the
/// storage layer parses a column straight from the row's bytes with it,
/// with no `String` in between.
pub trait TextEnum: Sized {
    fn parse_text(s: &str) -> Result<Self, UnknownOption>;
}

/// Declares a string-backed enum: `as_str`, `parse`, `ALL`, `Display`,
/// `FromStr`, serde as the string. Every stored enum uses it so the text in
/// the database, in forms and in JSON is the same everywhere.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Result<Self, $crate::domain::UnknownOption> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownOption::new($what, other, concat!($($text, " "),+))),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl $crate::domain::TextEnum for $name {
            fn parse_text(s: &str) -> Result<Self, $crate::domain::UnknownOption> { Self::parse(s) }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownOption;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }
        // Row conversions: diesel reads text columns into the enum with
        // `deserialize_as = String` and writes them with `serialize_as`.
        impl TryFrom<String> for $name {
            type Error = $crate::domain::UnknownOption;
            fn try_from(s: String) -> Result<Self, Self::Error> { Self::parse(&s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.as_str().to_string() }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
