//! The languages a patient can read Aftercare in, and the words the domain
//! itself writes (a question's message, a result's advice) paired with the
//! key that names them in the other languages' catalogues (`locales/`).

use crate::text_enum;

text_enum! {
    /// A language with a complete patient catalogue. Stored on the patient's
    /// record; the code is also `<html lang>`.
    pub enum Lang ("language") { En = "en", Es = "es" }
}

impl Lang {
    /// The language's own name (what a language switch shows).
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }
}

/// English words written in the domain, with their catalogue key. English
/// lives here, beside the knowledge it describes; other languages find the
/// same words under `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    pub key: &'static str,
    pub en: &'static str,
}

/// `words!("key", "English")`.
#[macro_export]
macro_rules! words {
    ($key:expr, $en:expr) => {
        $crate::domain::Words { key: $key, en: $en }
    };
}
