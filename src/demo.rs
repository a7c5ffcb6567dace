use crate::db::Db;
use crate::error::Result;
pub fn generate(_db: &Db, _p: u32, _d: u32, _now: chrono::DateTime<chrono::Utc>, _u: &str) -> Result<String> {
    Err(crate::error::Error::Internal(
        "demo data generator lands with the check-in store".into(),
    ))
}
