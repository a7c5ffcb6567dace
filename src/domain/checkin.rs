//! A patient's answers for one day of recovery (clinical reference section 4),
//! and their parsing from the check-in form. The questions themselves (field
//! names, words, options, cadence) are in [`super::questions`].

use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// Overall compared with yesterday.
    pub enum Overall ("overall") { Better = "better", Same = "same", Worse = "worse" }
}
text_enum! {
    /// Whether pain medicine helps. `NotAsked`: the patient answered "None of
    /// these" to the warning signs, which rules out only "no", and so was
    /// never asked (the form does not offer it; see `questions::NOT_ASKED`).
    pub enum PainRelief ("pain_relief") { Yes = "yes", No = "no", NotTaking = "not_taking", NotAsked = "not_asked" }
}
text_enum! {
    /// Oozing: none, thin clear or yellow, thick cloudy green or foul-smelling.
    pub enum Oozing ("oozing") { None = "none", Clear = "clear", Pus = "pus" }
}
text_enum! {
    /// Crusts: none, thin brown, thick yellow or honey-coloured.
    pub enum Crusts ("crusts") { None = "none", Thin = "thin", Yellow = "yellow" }
}
text_enum! {
    /// Prescribed prophylaxis today.
    pub enum Prophylaxis ("prophylaxis") { Taken = "taken", Missed = "missed", NotPrescribed = "not_prescribed" }
}
text_enum! {
    /// Where a raised, firm or tight area is (weekly form).
    pub enum RaisedAreaSite ("raised_area_site") { Neck = "neck", Jawline = "jawline", Eyelid = "eyelid", Other = "other" }
}
text_enum! {
    /// Which form a check-in used: daily to day 14, weekly after.
    pub enum CheckInKind ("check-in kind") { Daily = "daily", Weekly = "weekly" }
}

impl CheckInKind {
    /// The last day of the daily schedule (clinical reference section 4).
    pub const LAST_DAILY_DAY: i64 = 14;
    pub fn for_day(day: i64) -> Self {
        if day <= Self::LAST_DAILY_DAY {
            Self::Daily
        } else {
            Self::Weekly
        }
    }
}

/// A body temperature, always held in °C (one decimal).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Temperature(f64);

impl Temperature {
    /// Reads a number the way the form does: 34–43 is °C, 93–110 is °F.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let v: f64 = s.trim().replace(',', ".").parse().map_err(|_| TEMPERATURE_HELP)?;
        if !v.is_finite() {
            return Err(TEMPERATURE_HELP);
        }
        let c = if (34.0..=43.0).contains(&v) {
            v
        } else if (93.0..=110.0).contains(&v) {
            (v - 32.0) * 5.0 / 9.0
        } else {
            return Err(TEMPERATURE_HELP);
        };
        Ok(Self((c * 10.0).round() / 10.0))
    }
    pub fn from_celsius(c: f64) -> Self {
        Self((c * 10.0).round() / 10.0)
    }
    pub fn celsius(self) -> f64 {
        self.0
    }
    pub fn fahrenheit(self) -> f64 {
        ((self.0 * 9.0 / 5.0 + 32.0) * 10.0).round() / 10.0
    }
}

const TEMPERATURE_HELP: &str = "Enter your temperature as a number: 34 to 43 in °C, or 93 to 110 in °F";

/// The most a free-text note may hold.
pub const NOTE_MAX_CHARS: usize = 2000;

/// Everything a patient answered for one day. Every value is in range:
/// build it with [`CheckInAnswers::from_form`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInAnswers {
    pub overall: Overall,
    /// Worst burning or pain, 0–10.
    pub pain: u8,
    pub pain_relief: PainRelief,
    /// Worst itch, 0–10.
    pub itch: u8,
    /// 0 none, 1 mild, 2 moderate, 3 severe.
    pub swelling: u8,
    pub eyes_swollen_shut: bool,
    /// 0 none, 1 mild, 2 moderate, 3 severe.
    pub redness: u8,
    pub redness_spreading: bool,
    pub oozing: Oozing,
    pub crusts: Crusts,
    pub blisters: bool,
    pub tingling: bool,
    pub pimples: bool,
    pub white_patches: bool,
    pub rash_outside: bool,
    pub raw_area: bool,
    pub lip_swelling_or_breathing: bool,
    pub fever: bool,
    pub temperature: Option<Temperature>,
    pub vision_change: bool,
    pub eye_pain: bool,
    pub cannot_close_eye: bool,
    pub lid_pulling: bool,
    pub bleeding: bool,
    pub want_call: bool,
    pub prophylaxis: Prophylaxis,
    /// Weekly form only (false on daily check-ins).
    pub dark_patches: bool,
    pub light_patches: bool,
    pub raised_area: bool,
    pub raised_area_site: Option<RaisedAreaSite>,
    pub note: Option<String>,
}

impl CheckInAnswers {
    /// A calm day: nothing to report. Useful as a base in tests and demos.
    pub fn calm() -> Self {
        Self {
            overall: Overall::Better,
            pain: 0,
            pain_relief: PainRelief::NotTaking,
            itch: 0,
            swelling: 0,
            eyes_swollen_shut: false,
            redness: 0,
            redness_spreading: false,
            oozing: Oozing::None,
            crusts: Crusts::None,
            blisters: false,
            tingling: false,
            pimples: false,
            white_patches: false,
            rash_outside: false,
            raw_area: false,
            lip_swelling_or_breathing: false,
            fever: false,
            temperature: None,
            vision_change: false,
            eye_pain: false,
            cannot_close_eye: false,
            lid_pulling: false,
            bleeding: false,
            want_call: false,
            prophylaxis: Prophylaxis::NotPrescribed,
            dark_patches: false,
            light_patches: false,
            raised_area: false,
            raised_area_site: None,
            note: None,
        }
    }

    /// True when the temperature or the fever box says fever at `threshold_c`.
    pub fn has_fever(&self, threshold_c: f64) -> bool {
        self.fever || self.temperature.is_some_and(|t| t.celsius() >= threshold_c)
    }
}

/// A checkbox counts as ticked when present with any value but an explicit "no".
pub fn is_checked(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty() && !matches!(v.to_ascii_lowercase().as_str(), "off" | "false" | "0" | "no")
}

/// Problems with a submitted form, one message per field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String, Option<&'static str>)>);

impl FieldErrors {
    pub fn single(field: &'static str, msg: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(field, msg);
        e
    }
    pub fn add(&mut self, field: &'static str, msg: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, msg.into(), None));
        }
    }
    /// A message the domain wrote, kept with its catalogue key so a page can
    /// show it in the reader's language.
    pub fn add_words(&mut self, field: &'static str, w: super::Words) {
        if self.get(field).is_none() {
            self.0.push((field, w.en.to_string(), Some(w.key)));
        }
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, ..)| *f == field).map(|(_, m, _)| m.as_str())
    }
    /// The message for `field` with its catalogue key, when it has one.
    pub fn entry(&self, field: &str) -> Option<(&str, Option<&'static str>)> {
        self.0
            .iter()
            .find(|(f, ..)| *f == field)
            .map(|(_, m, k)| (m.as_str(), *k))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m, _)| (*f, m.as_str()))
    }
    /// Each message with its catalogue key, when it has one.
    pub fn messages(&self) -> impl Iterator<Item = (&str, Option<&'static str>)> {
        self.0.iter().map(|(_, m, k)| (m.as_str(), *k))
    }
    pub fn merge(&mut self, other: FieldErrors) {
        for e in other.0 {
            if self.get(e.0).is_none() {
                self.0.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
    fn valid() -> Vec<(&'static str, &'static str)> {
        vec![
            ("overall", "same"),
            ("pain", "3"),
            ("pain_relief", "yes"),
            ("itch", "2"),
            ("swelling", "1"),
            ("redness", "2"),
            ("oozing", "clear"),
            ("crusts", "thin"),
            ("prophylaxis", "taken"),
        ]
    }

    #[test]
    fn parses_a_full_daily_form() {
        let mut f = valid();
        f.extend([
            ("blisters", "on"),
            ("temperature", "100.4"),
            ("note", " sore "),
            ("dark_patches", "on"),
        ]);
        let a = CheckInAnswers::from_form(&form(&f), CheckInKind::Daily).unwrap();
        assert_eq!(a.pain, 3);
        assert!(a.blisters && !a.tingling);
        assert_eq!(a.temperature.unwrap().celsius(), 38.0);
        assert_eq!(a.note.as_deref(), Some("sore"));
        assert!(!a.dark_patches, "weekly fields are ignored on a daily check-in");
    }

    #[test]
    fn reports_every_bad_field() {
        let f = form(&[
            ("pain", "11"),
            ("swelling", "-1"),
            ("oozing", "lots"),
            ("temperature", "50"),
        ]);
        let e = CheckInAnswers::from_form(&f, CheckInKind::Daily).unwrap_err();
        for field in [
            "overall",
            "pain",
            "pain_relief",
            "itch",
            "swelling",
            "redness",
            "oozing",
            "crusts",
            "prophylaxis",
            "temperature",
        ] {
            assert!(e.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn temperature_units() {
        assert_eq!(Temperature::parse("37,5").unwrap().celsius(), 37.5);
        assert_eq!(Temperature::parse("98.6").unwrap().celsius(), 37.0);
        for bad in ["33.9", "43.1", "92", "111", "hot", "NaN", "inf"] {
            assert!(Temperature::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weekly_raised_area_needs_a_site() {
        let mut f = valid();
        f.push(("raised_area", "on"));
        let e = CheckInAnswers::from_form(&form(&f), CheckInKind::Weekly).unwrap_err();
        assert!(e.get("raised_area_site").is_some());
        f.push(("raised_area_site", "neck"));
        let a = CheckInAnswers::from_form(&form(&f), CheckInKind::Weekly).unwrap();
        assert_eq!(a.raised_area_site, Some(RaisedAreaSite::Neck));
    }

    #[test]
    fn note_length_is_limited() {
        let long = "x".repeat(NOTE_MAX_CHARS + 1);
        let mut f = form(&valid());
        f.insert("note".into(), long);
        assert!(CheckInAnswers::from_form(&f, CheckInKind::Daily)
            .unwrap_err()
            .get("note")
            .is_some());
    }
}
