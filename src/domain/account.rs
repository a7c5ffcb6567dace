use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What a staff member may do. Admins manage the clinic; clinicians work flags.
    pub enum Role ("role") { Clinician = "clinician", Admin = "admin" }
}
text_enum! {
    /// Which kind of person an account signs in.
    pub enum AccountKind ("account kind") { Staff = "staff", Patient = "patient" }
}
text_enum! {
    /// What a one-time link is for.
    pub enum TokenPurpose ("token purpose") {
        /// First run: creates the first clinic and its admin.
        Setup = "setup",
        /// A new account chooses its password.
        Invite = "invite",
        /// "Forgot password".
        Reset = "reset",
        /// The password was right; the second factor is still to come.
        SecondFactor = "second-factor",
        /// A reminder email's one-click "stop these reminders" link.
        Unsubscribe = "unsubscribe",
    }
}

/// An IANA time zone, e.g. `Europe/London`. Day N is counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClinicTz(pub chrono_tz::Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time zone name like Europe/London or America/New_York")]
pub struct InvalidTimeZone(pub String);

impl ClinicTz {
    pub fn parse(s: &str) -> Result<Self, InvalidTimeZone> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| InvalidTimeZone(s.chars().take(60).collect()))
    }
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}
impl TryFrom<String> for ClinicTz {
    type Error = InvalidTimeZone;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<ClinicTz> for String {
    fn from(t: ClinicTz) -> String {
        t.name().to_string()
    }
}

/// A person's name as entered: trimmed, 1–120 characters, no control characters.
pub fn parse_name(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Err("enter a name");
    }
    if s.chars().count() > 120 || s.chars().any(char::is_control) {
        return Err("a name is at most 120 characters, on one line");
    }
    Ok(s.to_string())
}

/// A phone number as shown to patients: digits, spaces and + ( ) - . only.
pub fn parse_phone(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.len() > 40 || !s.chars().all(|c| c.is_ascii_digit() || " +()-.".contains(c)) {
        return Err("enter a phone number using digits, spaces and + ( ) -");
    }
    Ok(s.to_string())
}

/// A patient's phone number: checked loosely (the characters of
/// [`parse_phone`], 3 to 20 digits, a `+` only in front), kept as typed for
/// people to read, with its `tel:` URI (RFC 3966: the digits, with the `+`
/// of an international number) for the call link. A local number without
/// `+` dials as the clinic's own phone would dial it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    entered: String,
    tel: String,
}

impl PhoneNumber {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let entered = parse_phone(s)?;
        let plus = entered.starts_with('+');
        // "+44 (0)20 …": the bracketed trunk 0 is not dialled after a country code.
        let dialled = if plus {
            entered.replacen("(0)", "", 1)
        } else {
            entered.clone()
        };
        let digits: String = dialled.chars().filter(char::is_ascii_digit).collect();
        if entered.chars().skip(1).any(|c| c == '+') {
            return Err("a + may only stand at the start of the number");
        }
        if !(3..=20).contains(&digits.len()) {
            return Err("enter a phone number of 3 to 20 digits");
        }
        let tel = format!("tel:{}{digits}", if plus { "+" } else { "" });
        Ok(Self { entered, tel })
    }
    /// An empty field means no number.
    pub fn parse_optional(s: &str) -> Result<Option<Self>, &'static str> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(s).map(Some)
        }
    }
    /// Both stored forms, as read back from the database.
    pub fn from_stored(entered: String, tel: String) -> Self {
        Self { entered, tel }
    }
    /// As typed: what a page shows.
    pub fn as_entered(&self) -> &str {
        &self.entered
    }
    /// `tel:+4420…`: what a call link's `href` holds.
    pub fn tel(&self) -> &str {
        &self.tel
    }
    /// The number without the `tel:` scheme (FHIR's ContactPoint value).
    pub fn dialable(&self) -> &str {
        self.tel.trim_start_matches("tel:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn time_zones() {
        assert_eq!(ClinicTz::parse("Europe/London").unwrap().name(), "Europe/London");
        assert!(ClinicTz::parse("Mars/Olympus").is_err());
    }
    #[test]
    fn names_and_phones() {
        assert_eq!(parse_name("  Ann Lee ").unwrap(), "Ann Lee");
        assert!(parse_name("").is_err() && parse_name("a\nb").is_err());
        assert!(parse_phone("+44 (0)20 7946-0000").is_ok());
        assert!(parse_phone("call me").is_err());
    }
    #[test]
    fn patient_phones_keep_what_was_typed_and_dial_the_digits() {
        let p = PhoneNumber::parse(" +44 (0)20 7946-0000 ").unwrap();
        assert_eq!(p.as_entered(), "+44 (0)20 7946-0000");
        // "(0)" is the trunk prefix, not dialled after the country code.
        assert_eq!(p.tel(), "tel:+442079460000");
        assert_eq!(p.dialable(), "+442079460000");
        assert_eq!(PhoneNumber::parse("0161 496 0000").unwrap().tel(), "tel:01614960000");
        assert_eq!(PhoneNumber::parse_optional("  ").unwrap(), None);
        for bad in [
            "call me",
            "12",
            "+44 +20 1234",
            "0161 496 0000 ext",
            "1234\n5678",
            "javascript:1",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?}");
        }
        assert!(PhoneNumber::parse(&"1".repeat(21)).is_err());
    }
}
