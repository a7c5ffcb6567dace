//! The expected course per procedure class (clinical reference, section 2),
//! written as "at or below X by day N".

use crate::domain::ProcedureClass;
use serde::{Deserialize, Serialize};

/// "At or below `max` by day `by_day`": from day `by_day` on, a level above
/// `max` is unexpected. Before `by_day` the step sets no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelStep {
    /// 0 none, 1 mild, 2 moderate, 3 severe.
    pub max: u8,
    pub by_day: i64,
}

const fn step(max: u8, by_day: i64) -> LevelStep {
    LevelStep { max, by_day }
}

/// One row of the section 2 table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedCourse {
    /// Swelling steps, by day ascending (the settings page offers two).
    pub swelling: Vec<LevelStep>,
    /// Redness steps, by day ascending (the settings page offers two).
    pub redness: Vec<LevelStep>,
    /// Pain at or below the clinic's "pain ok" level (3) by this day. No
    /// default rule fires on it alone; pain reasons quote it.
    pub pain_ok_by_day: i64,
    /// Oozing stops by this day; `None` = any oozing is unexpected.
    pub oozing_stops_by_day: Option<i64>,
    /// Open (raw) areas closed by this day; `None` = none expected.
    pub open_areas_closed_by_day: Option<i64>,
    /// Blisters are unexpected at any time (IPL: "any oozing or blister").
    #[serde(default)]
    pub blister_unexpected: bool,
}

impl ExpectedCourse {
    /// The reference default for `procedure`.
    pub fn default_for(procedure: ProcedureClass) -> Self {
        use ProcedureClass::*;
        // (swelling, redness, pain ok by, oozing stops by, open areas closed by, any blister unexpected)
        let (swelling, redness, pain, oozing, open, blister) = match procedure {
            AblativeFullCo2 => (
                vec![step(2, 7), step(1, 14)],
                vec![step(2, 28)],
                5,
                Some(7),
                Some(14),
                false,
            ),
            AblativeFullErbium => (vec![step(1, 7)], vec![step(1, 28)], 4, Some(5), Some(10), false),
            AblativeFractional => (vec![step(1, 7)], vec![step(1, 21)], 3, Some(3), Some(10), false),
            NonablativeFractional => (
                vec![step(1, 3), step(0, 5)],
                vec![step(1, 3), step(0, 7)],
                2,
                None,
                None,
                false,
            ),
            Ipl => (vec![step(0, 3)], vec![step(0, 3)], 1, None, None, true),
            PeelMedium => (vec![step(1, 5)], vec![step(2, 14)], 4, Some(7), Some(14), false),
        };
        Self {
            swelling,
            redness,
            pain_ok_by_day: pain,
            oozing_stops_by_day: oozing,
            open_areas_closed_by_day: open,
            blister_unexpected: blister,
        }
    }

    /// The tightest swelling step in force on `day`, if any.
    pub fn swelling_limit(&self, day: i64) -> Option<LevelStep> {
        tightest(&self.swelling, day)
    }

    /// The tightest redness step in force on `day`, if any.
    pub fn redness_limit(&self, day: i64) -> Option<LevelStep> {
        tightest(&self.redness, day)
    }

    /// Whether oozing is still expected on `day` ("stops by day N": from day N
    /// on it is unexpected).
    pub fn oozing_expected(&self, day: i64) -> bool {
        self.oozing_stops_by_day.is_some_and(|d| day < d)
    }

    /// Whether an open (raw) area is still expected on `day`.
    pub fn open_areas_expected(&self, day: i64) -> bool {
        self.open_areas_closed_by_day.is_some_and(|d| day < d)
    }

    /// "≤ 2 by day 7, ≤ 1 by day 14" (for the settings page and docs).
    pub fn describe_steps(steps: &[LevelStep]) -> String {
        if steps.is_empty() {
            return "no limit".into();
        }
        steps
            .iter()
            .map(|s| format!("≤ {} by day {}", s.max, s.by_day))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Several steps may apply on one day; the lowest maximum wins (for valid
/// settings that is the latest step).
fn tightest(steps: &[LevelStep], day: i64) -> Option<LevelStep> {
    steps
        .iter()
        .filter(|s| day >= s.by_day)
        .min_by_key(|s| (s.max, std::cmp::Reverse(s.by_day)))
        .copied()
}

/// Words for the 0–3 scales of swelling and redness.
pub fn level_word(level: u8) -> &'static str {
    match level {
        0 => "none",
        1 => "mild",
        2 => "moderate",
        _ => "severe",
    }
}

/// "mild or less", "none": how an expectation reads in a reason.
pub(crate) fn limit_words(max: u8) -> String {
    if max == 0 {
        "none".into()
    } else {
        format!("{} or less", level_word(max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_apply_from_their_day() {
        let co2 = ExpectedCourse::default_for(ProcedureClass::AblativeFullCo2);
        assert_eq!(co2.swelling_limit(6), None);
        assert_eq!(co2.swelling_limit(7), Some(step(2, 7)));
        assert_eq!(co2.swelling_limit(13).map(|s| s.max), Some(2));
        assert_eq!(co2.swelling_limit(14).map(|s| s.max), Some(1));
        assert_eq!(co2.swelling_limit(400).map(|s| s.max), Some(1));
        assert!(co2.oozing_expected(6) && !co2.oozing_expected(7));
        let ipl = ExpectedCourse::default_for(ProcedureClass::Ipl);
        assert!(!ipl.oozing_expected(0) && !ipl.open_areas_expected(0) && ipl.blister_unexpected);
        assert_eq!(
            ExpectedCourse::describe_steps(&co2.swelling),
            "≤ 2 by day 7, ≤ 1 by day 14"
        );
    }
}
