//! The one error type of the application's use cases. The web layer maps it
//! to a status and an error page; the CLI prints it as one line.

use crate::db::DbError;
use crate::domain::{FieldErrors, Words};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Also what another clinic's or patient's id gets: existence is not confirmed.
    #[error("not found")]
    NotFound,
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("please sign in")]
    Unauthenticated,
    /// A FHIR request without a valid API token or an admin's session (401:
    /// a system, not a browser, is asking).
    #[error("a valid API token is required")]
    TokenRefused,
    #[error("this form has expired: reload the page and try again")]
    Csrf,
    #[error("too many attempts: try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    /// A form route sent something other than a form (e.g. JSON).
    #[error("this address accepts only forms sent by a browser")]
    UnsupportedMediaType,
    #[error("{}", describe(.0))]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    /// A conflict a patient can meet (409), in words with their catalogue
    /// key, so the page says why in the patient's language.
    #[error("{}", .0.en)]
    Refused(Words),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

fn describe(e: &FieldErrors) -> String {
    e.iter()
        .map(|(f, m)| format!("{f}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::Db(DbError::Query(e))
    }
}

impl Error {
    pub fn invalid(field: &'static str, msg: impl Into<String>) -> Self {
        Error::Invalid(FieldErrors::single(field, msg))
    }
    /// A refusal a patient can meet: its words kept with their key.
    pub fn invalid_words(field: &'static str, w: Words) -> Self {
        let mut e = FieldErrors::default();
        e.add_words(field, w);
        Error::Invalid(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
