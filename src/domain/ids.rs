//! Typed ids: a `PatientId` cannot be passed where a `ClinicId` is meant.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($name:ident),+) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}", self.0) }
        }
        impl From<i64> for $name {
            fn from(v: i64) -> Self { $name(v) }
        }
        impl From<$name> for i64 {
            fn from(v: $name) -> i64 { v.0 }
        }
        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { s.trim().parse().map($name) }
        }
    )+};
}

id_type!(
    ClinicId,
    AccountId,
    StaffId,
    PatientId,
    TreatmentId,
    CheckInId,
    FlagId,
    OutboxId,
    RulesVersionId,
    PhotoId,
    PhotoRequestId
);
