//! A form's state when a page shows it again: the input as typed and the
//! errors by field (templates/macros/form.html reads it).

use crate::domain::FieldErrors;
use std::collections::HashMap;

/// What a re-rendered form needs: the input as typed and errors by field.
#[derive(Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn new(values: HashMap<String, String>, errors: FieldErrors) -> Self {
        Self { values, errors }
    }
    /// Only errors: for forms whose input is never shown again (passwords).
    pub fn errors(errors: FieldErrors) -> Self {
        Self {
            values: HashMap::new(),
            errors,
        }
    }
    pub fn value(&self, k: &str) -> &str {
        self.values.get(k).map(|s| s.as_str()).unwrap_or("")
    }
    pub fn error(&self, k: &str) -> Option<&str> {
        self.errors.get(k)
    }
    pub fn checked(&self, k: &str) -> bool {
        !self.value(k).is_empty()
    }
}
