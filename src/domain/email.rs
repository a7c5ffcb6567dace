use serde::{Deserialize, Serialize};

/// A syntactically plausible email address, trimmed and lower-cased so that
/// sign-in and uniqueness do not depend on how it was typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("enter an email address like name@example.org")]
pub struct InvalidEmail;

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, InvalidEmail> {
        let s = s.trim().to_lowercase();
        if s.len() > 254
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',' || c == '"')
        {
            return Err(InvalidEmail);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidEmail)?;
        if local.is_empty()
            || local.contains('@')
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(InvalidEmail);
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The part after '@': what logs may carry instead of the address.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidEmail;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}
impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            EmailAddress::parse("  Ann@Example.ORG ").unwrap().as_str(),
            "ann@example.org"
        );
    }
    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "a b@example.org",
            "ann@localhost",
            "a@b@c.org",
            "x<y>@e.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
