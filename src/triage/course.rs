//! The expected course per procedure class (clinical reference, section 2),
//! written as "at or below X by day N".

use crate::domain::{CheckInAnswers, ProcedureClass};
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

/// A symptom the charts draw against the expected course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Pain,
    Itch,
    Swelling,
    Redness,
}

impl Measure {
    pub const ALL: [Measure; 4] = [Measure::Pain, Measure::Itch, Measure::Swelling, Measure::Redness];

    /// The top of its scale: 0–10 for pain and itch, 0–3 for the levels.
    pub fn scale_max(self) -> u8 {
        match self {
            Measure::Pain | Measure::Itch => 10,
            Measure::Swelling | Measure::Redness => 3,
        }
    }

    /// The answer to this measure in a check-in.
    pub fn of(self, a: &CheckInAnswers) -> u8 {
        match self {
            Measure::Pain => a.pain,
            Measure::Itch => a.itch,
            Measure::Swelling => a.swelling,
            Measure::Redness => a.redness,
        }
    }

    /// How a ceiling reads: "3 or less" on a 0–10 scale, "mild or less" on a level.
    fn ceiling_words(self, max: u8) -> String {
        match self {
            Measure::Pain | Measure::Itch => format!("{max} or less"),
            Measure::Swelling | Measure::Redness => limit_words(max),
        }
    }
}

/// What is expected of each charted measure on each day of one treatment:
/// the procedure's course plus the clinic's pain and itch levels. The
/// patient's history, the clinician's charts and their words all come from
/// here, so the two audiences see the same ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedRanges {
    pub course: ExpectedCourse,
    /// "Pain ≤ 3 by day N" (section 2).
    pub pain_ok_level: u8,
    /// R5 reviews itch at or above this on any day.
    pub itch_high: u8,
}

impl ExpectedRanges {
    /// The highest value of `m` expected on `day`; `None`: any value.
    pub fn ceiling(&self, m: Measure, day: i64) -> Option<u8> {
        match m {
            Measure::Pain => (day >= self.course.pain_ok_by_day).then_some(self.pain_ok_level),
            // Itching is normal while the skin heals (section 2 lists no limit
            // for it), but R5 reviews itch at or above `itch_high` on every
            // day: the expected range is everything below that.
            Measure::Itch => Some(self.itch_high.saturating_sub(1)),
            Measure::Swelling => self.course.swelling_limit(day).map(|s| s.max),
            Measure::Redness => self.course.redness_limit(day).map(|s| s.max),
        }
    }

    /// The top of the expected band on `day`, in the measure's units (the
    /// scale's top where any value is expected).
    pub fn band_top(&self, m: Measure, day: i64) -> u8 {
        self.ceiling(m, day).unwrap_or(m.scale_max()).min(m.scale_max())
    }

    /// The days on which the ceiling may change: day 0 and each step's day.
    fn change_days(&self, m: Measure) -> Vec<i64> {
        let mut days = vec![0];
        match m {
            Measure::Pain => days.push(self.course.pain_ok_by_day),
            Measure::Itch => {}
            Measure::Swelling => days.extend(self.course.swelling.iter().map(|s| s.by_day)),
            Measure::Redness => days.extend(self.course.redness.iter().map(|s| s.by_day)),
        }
        days.retain(|d| *d >= 0);
        days.sort_unstable();
        days.dedup();
        days
    }

    /// The expected course of `m` in words, over the whole course:
    /// "3 or less from day 5; any level before that",
    /// "moderate or less from day 7; mild or less from day 14; any level before that",
    /// "6 or less".
    pub fn describe(&self, m: Measure) -> String {
        let (runs, open_start) = self.runs(m);
        let parts: Vec<String> = runs
            .iter()
            .map(|(d, c)| {
                let words = m.ceiling_words(*c);
                if *d == 0 {
                    words
                } else {
                    format!("{words} from day {d}")
                }
            })
            .collect();
        match (parts.is_empty(), open_start) {
            (true, _) => "any level".into(),
            (false, true) => format!("{}; any level before that", parts.join("; ")),
            (false, false) => parts.join("; "),
        }
    }

    /// The expected course of `m` as runs: from each day on, the highest
    /// value expected; and whether any value is expected from day 0 until the
    /// first run (the words in other languages are put together from these).
    pub fn runs(&self, m: Measure) -> (Vec<(i64, u8)>, bool) {
        let mut runs: Vec<(i64, Option<u8>)> = Vec::new();
        for d in self.change_days(m) {
            let c = self.ceiling(m, d);
            if runs.last().map(|r| r.1) != Some(c) {
                runs.push((d, c));
            }
        }
        let open_start = matches!(runs.first(), Some((0, None)));
        (
            runs.into_iter().filter_map(|(d, c)| Some((d, c?))).collect(),
            open_start,
        )
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

    fn ranges(p: ProcedureClass) -> ExpectedRanges {
        ExpectedRanges {
            course: ExpectedCourse::default_for(p),
            pain_ok_level: 3,
            itch_high: 7,
        }
    }

    #[test]
    fn ranges_follow_the_course_and_the_clinic_levels() {
        let co2 = ranges(ProcedureClass::AblativeFullCo2);
        assert_eq!(co2.ceiling(Measure::Pain, 4), None);
        assert_eq!(co2.ceiling(Measure::Pain, 5), Some(3));
        assert_eq!(co2.band_top(Measure::Pain, 4), 10);
        assert_eq!(co2.band_top(Measure::Swelling, 3), 3);
        assert_eq!(co2.band_top(Measure::Swelling, 7), 2);
        assert_eq!(co2.band_top(Measure::Swelling, 20), 1);
        assert_eq!(co2.band_top(Measure::Redness, 28), 2);
        assert_eq!(
            co2.describe(Measure::Pain),
            "3 or less from day 5; any level before that"
        );
        assert_eq!(
            co2.describe(Measure::Swelling),
            "moderate or less from day 7; mild or less from day 14; any level before that"
        );
        let nonablative = ranges(ProcedureClass::NonablativeFractional);
        assert_eq!(
            nonablative.describe(Measure::Redness),
            "mild or less from day 3; none from day 7; any level before that"
        );
    }

    #[test]
    fn itch_below_the_review_level_is_expected_on_every_day() {
        // R5 reviews itch at or above `itch_high` on any day, so both
        // audiences are shown the range below it, never "no expected range".
        for p in ProcedureClass::ALL.iter().copied() {
            let mut r = ranges(p);
            for day in [0, 3, 14, 90] {
                assert_eq!(r.ceiling(Measure::Itch, day), Some(6), "{p:?} day {day}");
            }
            assert_eq!(r.describe(Measure::Itch), "6 or less");
            r.itch_high = 5;
            assert_eq!(r.band_top(Measure::Itch, 40), 4);
            assert_eq!(r.describe(Measure::Itch), "4 or less");
        }
    }
}
