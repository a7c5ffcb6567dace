//! A clinic's rule settings: the numbers a clinic admin may change, the
//! expected course per procedure class, and a switch per rule. Stored as JSON
//! per rules version; round-trips through the settings page form.

use super::course::{ExpectedCourse, ExpectedRanges, LevelStep};
use crate::domain::{FieldErrors, ProcedureClass, RuleId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The checkbox that confirms switching off urgent rules (the caller audits
/// [`RuleSettings::disabled_urgent_rules`] when it is ticked).
pub const CONFIRM_DISABLE_URGENT: &str = "confirm_disable_urgent";

/// Largest day number a course step may name (a year covers every class).
const MAX_COURSE_DAY: i64 = 365;

/// The clinic's rule settings. `Default` is the clinical reference. Missing
/// keys in stored JSON take the default (`#[serde(default)]`), so settings
/// saved by an older version still load; the trend-rule keys added by the
/// December 2026 revision take the values from before it instead, so an
/// older rules version keeps its meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSettings {
    /// Section 2, per class. A class missing here uses its default.
    pub course: BTreeMap<ProcedureClass, ExpectedCourse>,
    /// U1: fever at or above this, °C.
    pub fever_threshold_c: f64,
    /// Pain "ok" level of section 2 ("pain ≤ 3 by day N"), quoted in reasons.
    pub pain_ok_level: u8,
    /// U5: pain at least this much above the previous check-in...
    pub pain_rise: u8,
    /// ...and at least this level (a rise among low scores is day-to-day
    /// variation). Missing in JSON saved before the December 2026 revision:
    /// that version's value, so an older rules version means what it meant.
    #[serde(default = "before_revision::pain_rise_min_level")]
    pub pain_rise_min_level: u8,
    /// R3: after day 3, swelling at least this many levels above the previous
    /// check-in (or up on two check-ins in a row).
    #[serde(default = "before_revision::level_rise")]
    pub swelling_rise: u8,
    /// R4: after day 7, redness at least this many levels above the previous
    /// check-in (or up on two check-ins in a row).
    #[serde(default = "before_revision::level_rise")]
    pub redness_rise: u8,
    /// U5/U6 apply from this day after ablative classes.
    pub pain_from_day_ablative: i64,
    /// U5/U6 apply from this day after other classes.
    pub pain_from_day_other: i64,
    /// U6: pain at or above this after ablative classes.
    pub pain_severe_ablative: u8,
    /// U6: pain at or above this after other classes.
    pub pain_severe_other: u8,
    /// R5: itch at or above this.
    pub itch_high: u8,
    /// R5: itch at least this much above the previous check-in...
    #[serde(default = "before_revision::itch_rise")]
    pub itch_rise: u8,
    /// ...reaching at least this level...
    #[serde(default = "before_revision::itch_rise_min_level")]
    pub itch_rise_min_level: u8,
    /// ...after this day.
    pub itch_rise_after_day: i64,
    /// R7: bumps are review (not info) with itch or pain at or above this.
    pub bumps_review_level: u8,
    /// M2: daily check-ins missed in a row in days 1–7 (ablative classes).
    pub missed_in_row_days_1_7_ablative: u32,
    /// M2: daily check-ins missed in a row in days 8–14 (every class).
    pub missed_in_row_days_8_14: u32,
    /// M2: no check-in at all by the end of this day.
    pub missed_none_by_day: i64,
    /// Rules switched off. Empty by default: every rule is on.
    pub disabled: BTreeSet<RuleId>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            course: ProcedureClass::ALL
                .iter()
                .map(|p| (*p, ExpectedCourse::default_for(*p)))
                .collect(),
            fever_threshold_c: 38.0,
            pain_ok_level: 3,
            pain_rise: 2,
            pain_rise_min_level: 4,
            swelling_rise: 2,
            redness_rise: 2,
            pain_from_day_ablative: 3,
            pain_from_day_other: 2,
            pain_severe_ablative: 7,
            pain_severe_other: 5,
            itch_high: 7,
            itch_rise: 3,
            itch_rise_min_level: 5,
            itch_rise_after_day: 4,
            bumps_review_level: 4,
            missed_in_row_days_1_7_ablative: 2,
            missed_in_row_days_8_14: 3,
            missed_none_by_day: 2,
            disabled: BTreeSet::new(),
        }
    }
}

/// The trend-rule values before the December 2026 revision of section 5
/// (U5, R3, R4, R5), when any one-step rise counted: what a key missing from
/// older stored JSON means.
mod before_revision {
    pub fn pain_rise_min_level() -> u8 {
        0
    }
    pub fn level_rise() -> u8 {
        1
    }
    pub fn itch_rise() -> u8 {
        2
    }
    pub fn itch_rise_min_level() -> u8 {
        0
    }
}

impl RuleSettings {
    /// The defaults as they were before the December 2026 revision of the
    /// trend rules. A clinic whose rules in force equal these never changed
    /// a threshold, so it moves to the revised defaults
    /// (`app::clinic::adopt_revised_defaults`).
    pub fn defaults_before_trend_revision() -> Self {
        Self {
            pain_rise_min_level: before_revision::pain_rise_min_level(),
            swelling_rise: before_revision::level_rise(),
            redness_rise: before_revision::level_rise(),
            itch_rise: before_revision::itch_rise(),
            itch_rise_min_level: before_revision::itch_rise_min_level(),
            ..Self::default()
        }
    }
}

/// How the settings page renders a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FieldKind {
    /// A whole number.
    Integer,
    /// A whole number, or empty (meaning stated in the label).
    OptionalInteger,
    /// A number with one decimal.
    Decimal,
    /// A checkbox: "on" when ticked, "off" when not.
    Checkbox,
}

/// One field of the settings page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingField {
    /// Stable form field name, e.g. `course.ablative_full_co2.pain_ok_by_day`.
    pub name: &'static str,
    pub label: String,
    /// The current value as the form shows it.
    pub value: String,
    /// The reference default, shown beside it.
    pub default: String,
    /// Heading under which the field is shown: what it watches (one of
    /// [`WATCHES`]), or one procedure class's expected course.
    pub group: String,
    /// The rule ids the field feeds ("U5 U6"), shown beside the plain label.
    pub tag: String,
    pub kind: FieldKind,
    /// For rule switches: whether switching it off needs confirmation.
    pub needs_confirmation_to_disable: bool,
}

/// A whole-number setting: its form name, range, getter and setter.
struct Scalar {
    name: &'static str,
    label: &'static str,
    /// The rule ids it feeds, shown as a small secondary tag.
    tag: &'static str,
    group: &'static str,
    min: i64,
    max: i64,
    get: fn(&RuleSettings) -> i64,
    // Only called with a value already checked against min..=max, which all
    // fit the field's type, so the `as` casts below cannot truncate.
    set: fn(&mut RuleSettings, i64),
}

const FEVER: &str = "Fever and infection";
const PAIN: &str = "Pain";
const SWELLING: &str = "Swelling and redness";
const SKIN: &str = "Healing skin";
const ITCH: &str = "Itch, rash and spots";
const EYES: &str = "Eyes";
const EMERGENCY: &str = "Bleeding, allergy and call requests";
const CHECKINS: &str = "Check-ins and medicines";

/// What the settings watch, in the page's order; the expected course of
/// each procedure class follows.
pub const WATCHES: &[&str] = &[FEVER, PAIN, SWELLING, SKIN, ITCH, EYES, EMERGENCY, CHECKINS];

/// Which group a rule's on/off switch sits in: beside the values it reads.
fn watches(rule: RuleId) -> &'static str {
    use RuleId::*;
    match rule {
        U1 | U2 | U3 => FEVER,
        U5 | U6 => PAIN,
        U7 | U8 | R3 | R4 => SWELLING,
        R1 | R2 | R8 | R10 | R11 => SKIN,
        R5 | R6 | R7 => ITCH,
        U4 | R9 => EYES,
        U9 | U10 => EMERGENCY,
        R12 | R13 | M1 | M2 | M3 | A1 => CHECKINS,
    }
}

#[rustfmt::skip]
const SCALARS: &[Scalar] = &[
    Scalar { name: "pain_ok_level", label: "Pain level counted as settled (0–10)", tag: "", group: PAIN,
        min: 0, max: 10, get: |s| s.pain_ok_level.into(), set: |s, v| s.pain_ok_level = v as u8 },
    Scalar { name: "pain_rise", label: "Pain rise since the last check-in (points)", tag: "U5", group: PAIN,
        min: 1, max: 10, get: |s| s.pain_rise.into(), set: |s, v| s.pain_rise = v as u8 },
    Scalar { name: "pain_rise_min_level", label: "A pain rise counts when pain reaches at least", tag: "U5", group: PAIN,
        min: 0, max: 10, get: |s| s.pain_rise_min_level.into(), set: |s, v| s.pain_rise_min_level = v as u8 },
    Scalar { name: "pain_from_day_ablative", label: "Pain rules start on day (ablative)", tag: "U5 U6", group: PAIN,
        min: 0, max: 30, get: |s| s.pain_from_day_ablative, set: |s, v| s.pain_from_day_ablative = v },
    Scalar { name: "pain_from_day_other", label: "Pain rules start on day (other procedures)", tag: "U5 U6", group: PAIN,
        min: 0, max: 30, get: |s| s.pain_from_day_other, set: |s, v| s.pain_from_day_other = v },
    Scalar { name: "pain_severe_ablative", label: "Severe pain at or above (ablative)", tag: "U6", group: PAIN,
        min: 1, max: 10, get: |s| s.pain_severe_ablative.into(), set: |s, v| s.pain_severe_ablative = v as u8 },
    Scalar { name: "pain_severe_other", label: "Severe pain at or above (other procedures)", tag: "U6", group: PAIN,
        min: 1, max: 10, get: |s| s.pain_severe_other.into(), set: |s, v| s.pain_severe_other = v as u8 },
    Scalar { name: "itch_high", label: "Strong itch at or above (0–10)", tag: "R5", group: ITCH,
        min: 1, max: 10, get: |s| s.itch_high.into(), set: |s, v| s.itch_high = v as u8 },
    Scalar { name: "itch_rise", label: "Itch rise since the last check-in (points)", tag: "R5", group: ITCH,
        min: 1, max: 10, get: |s| s.itch_rise.into(), set: |s, v| s.itch_rise = v as u8 },
    Scalar { name: "itch_rise_min_level", label: "An itch rise counts when itch reaches at least", tag: "R5", group: ITCH,
        min: 0, max: 10, get: |s| s.itch_rise_min_level.into(), set: |s, v| s.itch_rise_min_level = v as u8 },
    Scalar { name: "itch_rise_after_day", label: "An itch rise counts after day", tag: "R5", group: ITCH,
        min: 0, max: 30, get: |s| s.itch_rise_after_day, set: |s, v| s.itch_rise_after_day = v },
    Scalar { name: "bumps_review_level", label: "Whiteheads need a review with itch or pain at or above", tag: "R7", group: ITCH,
        min: 1, max: 10, get: |s| s.bumps_review_level.into(), set: |s, v| s.bumps_review_level = v as u8 },
    Scalar { name: "swelling_rise", label: "After day 3, a swelling rise on the previous check-in of at least (levels)",
        tag: "R3", group: SWELLING, min: 1, max: 3,
        get: |s| s.swelling_rise.into(), set: |s, v| s.swelling_rise = v as u8 },
    Scalar { name: "redness_rise", label: "After day 7, a redness rise on the previous check-in of at least (levels)",
        tag: "R4", group: SWELLING, min: 1, max: 3,
        get: |s| s.redness_rise.into(), set: |s, v| s.redness_rise = v as u8 },
    Scalar { name: "missed_in_row_days_1_7_ablative", label: "Daily check-ins missed in a row, days 1–7 (ablative)",
        tag: "M2", group: CHECKINS, min: 1, max: 7,
        get: |s| s.missed_in_row_days_1_7_ablative.into(), set: |s, v| s.missed_in_row_days_1_7_ablative = v as u32 },
    Scalar { name: "missed_in_row_days_8_14", label: "Daily check-ins missed in a row, days 8–14", tag: "M2", group: CHECKINS,
        min: 1, max: 7, get: |s| s.missed_in_row_days_8_14.into(), set: |s, v| s.missed_in_row_days_8_14 = v as u32 },
    Scalar { name: "missed_none_by_day", label: "No check-in at all by the end of day", tag: "M2", group: CHECKINS,
        min: 0, max: 14, get: |s| s.missed_none_by_day, set: |s, v| s.missed_none_by_day = v },
];

const FEVER_FIELD: &str = "fever_threshold_c";
const FEVER_RANGE: (f64, f64) = (37.0, 40.0);

/// Field names of one class's course row. Static strings because
/// [`FieldErrors`] keys are `&'static str`.
struct CourseNames {
    class: ProcedureClass,
    /// `[slot][0 = max, 1 = by_day]`
    swelling: [[&'static str; 2]; 2],
    redness: [[&'static str; 2]; 2],
    pain_ok_by_day: &'static str,
    oozing_stops_by_day: &'static str,
    open_areas_closed_by_day: &'static str,
    blister_unexpected: &'static str,
}

macro_rules! course_names {
    ($class:expr, $id:literal) => {
        CourseNames {
            class: $class,
            swelling: [
                [
                    concat!("course.", $id, ".swelling_1_max"),
                    concat!("course.", $id, ".swelling_1_by_day"),
                ],
                [
                    concat!("course.", $id, ".swelling_2_max"),
                    concat!("course.", $id, ".swelling_2_by_day"),
                ],
            ],
            redness: [
                [
                    concat!("course.", $id, ".redness_1_max"),
                    concat!("course.", $id, ".redness_1_by_day"),
                ],
                [
                    concat!("course.", $id, ".redness_2_max"),
                    concat!("course.", $id, ".redness_2_by_day"),
                ],
            ],
            pain_ok_by_day: concat!("course.", $id, ".pain_ok_by_day"),
            oozing_stops_by_day: concat!("course.", $id, ".oozing_stops_by_day"),
            open_areas_closed_by_day: concat!("course.", $id, ".open_areas_closed_by_day"),
            blister_unexpected: concat!("course.", $id, ".blister_unexpected"),
        }
    };
}

const COURSE_NAMES: [CourseNames; 6] = [
    course_names!(ProcedureClass::AblativeFullCo2, "ablative_full_co2"),
    course_names!(ProcedureClass::AblativeFullErbium, "ablative_full_erbium"),
    course_names!(ProcedureClass::AblativeFractional, "ablative_fractional"),
    course_names!(ProcedureClass::NonablativeFractional, "nonablative_fractional"),
    course_names!(ProcedureClass::Ipl, "ipl"),
    course_names!(ProcedureClass::PeelMedium, "peel_medium"),
];

/// Number of "≤ X by day N" steps the form offers for swelling and redness.
const STEPS: usize = 2;

impl RuleSettings {
    /// The expected course for `procedure` (its default if not stored).
    pub fn course_for(&self, procedure: ProcedureClass) -> ExpectedCourse {
        self.course
            .get(&procedure)
            .cloned()
            .unwrap_or_else(|| ExpectedCourse::default_for(procedure))
    }

    /// What the charts show as expected for `procedure`, with this clinic's levels.
    pub fn expected_ranges(&self, procedure: ProcedureClass) -> ExpectedRanges {
        ExpectedRanges {
            course: self.course_for(procedure),
            pain_ok_level: self.pain_ok_level,
            itch_high: self.itch_high,
        }
    }

    /// Whether `rule` is switched on.
    pub fn is_enabled(&self, rule: RuleId) -> bool {
        !self.disabled.contains(&rule)
    }

    /// Switched-off rules that can raise urgent flags: the caller audits these
    /// (who, when) whenever it saves settings that contain any.
    pub fn disabled_urgent_rules(&self) -> Vec<RuleId> {
        self.disabled.iter().copied().filter(|r| r.can_raise_urgent()).collect()
    }

    /// Urgent-capable rules switched off here but on in `previous`: what a
    /// change newly switched off.
    pub fn newly_disabled_urgent_rules(&self, previous: &RuleSettings) -> Vec<RuleId> {
        self.disabled_urgent_rules()
            .into_iter()
            .filter(|r| previous.is_enabled(*r))
            .collect()
    }

    /// Checks every number against a sane range and the course steps for
    /// order (days ascending, levels not rising). Errors are keyed by the
    /// form field names of [`Self::form_fields`].
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        for sc in SCALARS {
            let v = (sc.get)(self);
            if v < sc.min || v > sc.max {
                e.add(sc.name, format!("Enter a whole number from {} to {}", sc.min, sc.max));
            }
        }
        let (lo, hi) = FEVER_RANGE;
        if !(self.fever_threshold_c.is_finite() && self.fever_threshold_c >= lo && self.fever_threshold_c <= hi) {
            e.add(FEVER_FIELD, format!("Enter a temperature from {lo:.1} to {hi:.1} °C"));
        }
        for names in &COURSE_NAMES {
            let c = self.course_for(names.class);
            validate_steps(&mut e, &c.swelling, &names.swelling);
            validate_steps(&mut e, &c.redness, &names.redness);
            if !(0..=MAX_COURSE_DAY).contains(&c.pain_ok_by_day) {
                e.add(names.pain_ok_by_day, day_range_msg());
            }
            if c.oozing_stops_by_day
                .is_some_and(|d| !(0..=MAX_COURSE_DAY).contains(&d))
            {
                e.add(names.oozing_stops_by_day, day_range_msg());
            }
            if c.open_areas_closed_by_day
                .is_some_and(|d| !(0..=MAX_COURSE_DAY).contains(&d))
            {
                e.add(names.open_areas_closed_by_day, day_range_msg());
            }
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }

    /// Every field of the settings page, with the current and default values,
    /// in display order. The page adds the [`CONFIRM_DISABLE_URGENT`] checkbox.
    pub fn form_fields(&self) -> Vec<SettingField> {
        let d = RuleSettings::default();
        let mut out = Vec::new();
        let field = |name, (label, tag): (String, &str), value, default, group: &str, kind| SettingField {
            name,
            label,
            value,
            default,
            group: group.to_string(),
            tag: tag.to_string(),
            kind,
            needs_confirmation_to_disable: false,
        };
        out.push(field(
            FEVER_FIELD,
            ("Fever at or above (°C)".into(), "U1"),
            format!("{:.1}", self.fever_threshold_c),
            format!("{:.1}", d.fever_threshold_c),
            FEVER,
            FieldKind::Decimal,
        ));
        for sc in SCALARS {
            let (v, dv) = ((sc.get)(self).to_string(), (sc.get)(&d).to_string());
            out.push(field(
                sc.name,
                (sc.label.into(), sc.tag),
                v,
                dv,
                sc.group,
                FieldKind::Integer,
            ));
        }
        for names in &COURSE_NAMES {
            let (cur, def) = (self.course_for(names.class), d.course_for(names.class));
            let group = format!("Expected recovery: {}", names.class.label());
            for (what, slots, cs, ds) in [
                ("Swelling", &names.swelling, &cur.swelling, &def.swelling),
                ("Redness", &names.redness, &cur.redness, &def.redness),
            ] {
                for (i, [max_name, day_name]) in slots.iter().enumerate() {
                    let (c, dft) = (cs.get(i), ds.get(i));
                    let opt = |s: Option<&LevelStep>, f: fn(&LevelStep) -> i64| {
                        s.map(|s| f(s).to_string()).unwrap_or_default()
                    };
                    out.push(field(
                        max_name,
                        (
                            format!("{what}, step {}: at or below (0–3; empty = no step)", i + 1),
                            if what == "Swelling" { "R3" } else { "R4" },
                        ),
                        opt(c, |s| s.max.into()),
                        opt(dft, |s| s.max.into()),
                        &group,
                        FieldKind::OptionalInteger,
                    ));
                    out.push(field(
                        day_name,
                        (
                            format!("{what}, step {}: by day", i + 1),
                            if what == "Swelling" { "R3" } else { "R4" },
                        ),
                        opt(c, |s| s.by_day),
                        opt(dft, |s| s.by_day),
                        &group,
                        FieldKind::OptionalInteger,
                    ));
                }
            }
            let opt_day = |d: Option<i64>| d.map(|d| d.to_string()).unwrap_or_default();
            out.push(field(
                names.pain_ok_by_day,
                ("Pain settled by day (quoted in reasons and charts)".into(), ""),
                cur.pain_ok_by_day.to_string(),
                def.pain_ok_by_day.to_string(),
                &group,
                FieldKind::Integer,
            ));
            out.push(field(
                names.oozing_stops_by_day,
                ("Oozing stops by day (empty: any oozing is unexpected)".into(), "R1"),
                opt_day(cur.oozing_stops_by_day),
                opt_day(def.oozing_stops_by_day),
                &group,
                FieldKind::OptionalInteger,
            ));
            out.push(field(
                names.open_areas_closed_by_day,
                ("Open areas closed by day (empty: none expected)".into(), "R2"),
                opt_day(cur.open_areas_closed_by_day),
                opt_day(def.open_areas_closed_by_day),
                &group,
                FieldKind::OptionalInteger,
            ));
            out.push(field(
                names.blister_unexpected,
                ("Any blister is unexpected".into(), "R1"),
                on_off(cur.blister_unexpected),
                on_off(def.blister_unexpected),
                &group,
                FieldKind::Checkbox,
            ));
        }
        for id in RuleId::ALL {
            let mut f = field(
                id.enabled_field(),
                (format!("Watch for: {}", id.plain_name()), id.as_str()),
                on_off(self.is_enabled(*id)),
                on_off(true),
                watches(*id),
                FieldKind::Checkbox,
            );
            f.needs_confirmation_to_disable = id.can_raise_urgent();
            out.push(f);
        }
        // Grouped by what they watch (a stable sort keeps each group's order:
        // values first, then the switches); the courses follow.
        let rank = |g: &str| WATCHES.iter().position(|w| *w == g).unwrap_or(WATCHES.len());
        out.sort_by_key(|f| rank(&f.group));
        out
    }

    /// Reads the submitted settings page. Every numeric field is required
    /// (except the optional ones, where empty has the meaning in the label);
    /// an absent checkbox is unticked, so an absent rule switch is "off".
    /// Switching off an urgent-capable rule needs [`CONFIRM_DISABLE_URGENT`]
    /// ticked, else an error on that field.
    pub fn from_form(form: &HashMap<String, String>) -> Result<RuleSettings, FieldErrors> {
        let form = Form(form);
        let get = |k: &str| form.get(k);
        let mut e = FieldErrors::default();
        let mut s = RuleSettings::default();

        match get(FEVER_FIELD).replace(',', ".").parse::<f64>() {
            Ok(v) if v.is_finite() => s.fever_threshold_c = (v * 10.0).round() / 10.0,
            _ => e.add(FEVER_FIELD, "Enter a temperature in °C, like 38.0"),
        }
        for sc in SCALARS {
            match parse_int(get(sc.name), sc.min, sc.max) {
                Ok(v) => (sc.set)(&mut s, v),
                Err(msg) => e.add(sc.name, msg),
            }
        }
        for names in &COURSE_NAMES {
            let mut c = ExpectedCourse::default_for(names.class);
            c.swelling = read_steps(&mut e, &form, &names.swelling);
            c.redness = read_steps(&mut e, &form, &names.redness);
            match parse_int(get(names.pain_ok_by_day), 0, MAX_COURSE_DAY) {
                Ok(v) => c.pain_ok_by_day = v,
                Err(msg) => e.add(names.pain_ok_by_day, msg),
            }
            c.oozing_stops_by_day = read_optional_day(&mut e, &form, names.oozing_stops_by_day);
            c.open_areas_closed_by_day = read_optional_day(&mut e, &form, names.open_areas_closed_by_day);
            c.blister_unexpected = is_checked(get(names.blister_unexpected));
            s.course.insert(names.class, c);
        }
        for id in RuleId::ALL {
            if !is_checked(get(id.enabled_field())) {
                s.disabled.insert(*id);
            }
        }
        if e.is_empty() {
            if let Err(v) = s.validate() {
                e.merge(v);
            }
        }
        let urgent_off = s.disabled_urgent_rules();
        if !urgent_off.is_empty() && !is_checked(get(CONFIRM_DISABLE_URGENT)) {
            let list: Vec<&str> = urgent_off.iter().map(|r| r.as_str()).collect();
            e.add(
                CONFIRM_DISABLE_URGENT,
                format!(
                    "Switching off rules that raise urgent flags ({}) must be confirmed: tick the box",
                    list.join(", ")
                ),
            );
        }
        if e.is_empty() {
            Ok(s)
        } else {
            Err(e)
        }
    }
}

/// The submitted form: absent and blank fields read as "".
struct Form<'a>(&'a HashMap<String, String>);

impl<'a> Form<'a> {
    fn get(&self, k: &str) -> &'a str {
        self.0.get(k).map(|v| v.trim()).unwrap_or("")
    }
}

fn on_off(b: bool) -> String {
    if b { "on" } else { "off" }.to_string()
}

fn day_range_msg() -> String {
    format!("Enter a day from 0 to {MAX_COURSE_DAY}")
}

/// A checkbox counts as ticked when present with any value but an explicit no
/// (the same reading as the check-in form).
fn is_checked(v: &str) -> bool {
    !v.is_empty() && !matches!(v.to_ascii_lowercase().as_str(), "off" | "false" | "0" | "no")
}

fn parse_int(v: &str, min: i64, max: i64) -> Result<i64, String> {
    match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("Enter a whole number from {min} to {max}")),
    }
}

fn read_optional_day(e: &mut FieldErrors, form: &Form, name: &'static str) -> Option<i64> {
    let v = form.get(name);
    if v.is_empty() {
        return None;
    }
    match parse_int(v, 0, MAX_COURSE_DAY) {
        Ok(d) => Some(d),
        Err(msg) => {
            e.add(name, msg);
            None
        }
    }
}

/// Reads the step slots; a slot with both parts empty is no step.
fn read_steps(e: &mut FieldErrors, form: &Form, slots: &[[&'static str; 2]; STEPS]) -> Vec<LevelStep> {
    let mut steps = Vec::new();
    for [max_name, day_name] in slots {
        let (max, day) = (form.get(max_name), form.get(day_name));
        if max.is_empty() && day.is_empty() {
            continue;
        }
        let max = parse_int(max, 0, 3).map_err(|_| e.add(max_name, "Enter a level from 0 to 3 (or leave both empty)"));
        let day = parse_int(day, 0, MAX_COURSE_DAY).map_err(|msg| e.add(day_name, msg));
        if let (Ok(max), Ok(by_day)) = (max, day) {
            // Range-checked above: 0..=3 fits u8.
            steps.push(LevelStep { max: max as u8, by_day });
        }
    }
    steps
}

fn validate_steps(e: &mut FieldErrors, steps: &[LevelStep], slots: &[[&'static str; 2]; STEPS]) {
    // Stored steps beyond the form's slots are reported on the last slot.
    if steps.len() > STEPS {
        e.add(slots[STEPS - 1][0], format!("At most {STEPS} steps"));
    }
    for (i, st) in steps.iter().enumerate() {
        let [max_name, day_name] = slots[i.min(STEPS - 1)];
        if st.max > 3 {
            e.add(max_name, "Enter a level from 0 to 3");
        }
        if !(0..=MAX_COURSE_DAY).contains(&st.by_day) {
            e.add(day_name, day_range_msg());
        }
        if let Some(before) = i.checked_sub(1).and_then(|j| steps.get(j)) {
            if st.by_day <= before.by_day {
                e.add(day_name, "Each step must come on a later day than the one before");
            }
            if st.max > before.max {
                e.add(max_name, "A later step cannot allow more than the one before");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;

    fn form_of(s: &RuleSettings) -> HashMap<String, String> {
        s.form_fields()
            .into_iter()
            .map(|f| (f.name.to_string(), f.value))
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_round_trip_through_the_form() {
        let d = RuleSettings::default();
        d.validate().unwrap();
        assert_eq!(RuleSettings::from_form(&form_of(&d)).unwrap(), d);
        for f in d.form_fields() {
            assert_eq!(f.value, f.default, "{}", f.name);
        }
    }

    #[test]
    fn field_names_are_stable_and_unique() {
        let fields = RuleSettings::default().form_fields();
        let names: BTreeSet<&str> = fields.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), fields.len());
        for n in [
            "course.ablative_full_co2.pain_ok_by_day",
            "course.ipl.oozing_stops_by_day",
            "course.peel_medium.swelling_1_max",
            "rule.R5.enabled",
            "rule.U10.enabled",
            "fever_threshold_c",
            "missed_in_row_days_8_14",
        ] {
            assert!(names.contains(n), "{n}");
        }
        // Escalation is the clinic's setting (settings page), not a rule setting.
        assert!(!names.iter().any(|n| n.contains("escalation")), "{names:?}");
        for (names, class) in COURSE_NAMES.iter().zip(ProcedureClass::ALL) {
            assert_eq!(names.class, *class);
            assert!(names.pain_ok_by_day.contains(class.as_str()));
        }
    }

    #[test]
    fn changed_values_round_trip_and_show_beside_defaults() {
        let mut f = form_of(&RuleSettings::default());
        f.insert("fever_threshold_c".into(), "38,5".into());
        f.insert("course.ablative_full_co2.swelling_2_max".into(), "".into());
        f.insert("course.ablative_full_co2.swelling_2_by_day".into(), "".into());
        f.insert("course.ipl.oozing_stops_by_day".into(), "2".into());
        f.insert("rule.R5.enabled".into(), "off".into());
        let s = RuleSettings::from_form(&f).unwrap();
        assert_eq!(s.fever_threshold_c, 38.5);
        assert_eq!(s.course_for(ProcedureClass::AblativeFullCo2).swelling.len(), 1);
        assert_eq!(s.course_for(ProcedureClass::Ipl).oozing_stops_by_day, Some(2));
        assert!(!s.is_enabled(RuleId::R5));
        assert!(s.disabled_urgent_rules().is_empty());
        let fever = s
            .form_fields()
            .into_iter()
            .find(|f| f.name == "fever_threshold_c")
            .unwrap();
        assert_eq!((fever.value.as_str(), fever.default.as_str()), ("38.5", "38.0"));
        assert_eq!(RuleSettings::from_form(&form_of(&s)).unwrap(), s);
    }

    #[test]
    fn disabling_an_urgent_rule_needs_confirmation() {
        let mut f = form_of(&RuleSettings::default());
        f.remove("rule.U9.enabled"); // an unticked checkbox is not submitted
        let e = RuleSettings::from_form(&f).unwrap_err();
        assert!(e.get(CONFIRM_DISABLE_URGENT).unwrap().contains("U9"));
        f.insert(CONFIRM_DISABLE_URGENT.into(), "on".into());
        let s = RuleSettings::from_form(&f).unwrap();
        assert_eq!(s.disabled_urgent_rules(), vec![RuleId::U9]);
        assert_eq!(
            s.newly_disabled_urgent_rules(&RuleSettings::default()),
            vec![RuleId::U9]
        );
        assert!(s.newly_disabled_urgent_rules(&s).is_empty());
        // R2 can escalate to urgent, so it counts too.
        assert!(RuleId::R2.can_raise_urgent() && RuleId::R9.can_raise_urgent() && !RuleId::R5.can_raise_urgent());
        assert_eq!(RuleId::U9.default_severity(), Some(Severity::Urgent));
    }

    #[test]
    fn bad_values_are_reported_per_field() {
        let mut f = form_of(&RuleSettings::default());
        f.insert("fever_threshold_c".into(), "hot".into());
        f.insert("itch_high".into(), "11".into());
        f.insert("course.ablative_full_co2.swelling_1_max".into(), "".into());
        f.insert("course.ablative_full_co2.open_areas_closed_by_day".into(), "-1".into());
        f.remove("pain_rise");
        let e = RuleSettings::from_form(&f).unwrap_err();
        for n in [
            "fever_threshold_c",
            "itch_high",
            "pain_rise",
            "course.ablative_full_co2.swelling_1_max",
            "course.ablative_full_co2.open_areas_closed_by_day",
        ] {
            assert!(e.get(n).is_some(), "{n}");
        }
        // Order of steps is checked too.
        let mut f = form_of(&RuleSettings::default());
        f.insert("course.ablative_full_co2.swelling_2_by_day".into(), "5".into());
        f.insert("course.peel_medium.redness_2_max".into(), "3".into());
        f.insert("course.peel_medium.redness_2_by_day".into(), "20".into());
        let e = RuleSettings::from_form(&f).unwrap_err();
        assert!(e.get("course.ablative_full_co2.swelling_2_by_day").is_some());
        assert!(e.get("course.peel_medium.redness_2_max").is_some());
        f.insert("fever_threshold_c".into(), "41".into());
        assert!(RuleSettings::from_form(&f)
            .unwrap_err()
            .get("fever_threshold_c")
            .is_some());
        let s = RuleSettings {
            fever_threshold_c: f64::NAN,
            ..Default::default()
        };
        assert!(s.validate().unwrap_err().get("fever_threshold_c").is_some());
    }

    #[test]
    fn json_round_trip_and_older_json_loads() {
        let mut s = RuleSettings {
            itch_high: 6,
            ..Default::default()
        };
        s.disabled.insert(RuleId::R11);
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<RuleSettings>(&text).unwrap(), s);
        let old: RuleSettings = serde_json::from_str(r#"{"fever_threshold_c": 38.3, "disabled": ["R7"]}"#).unwrap();
        assert_eq!(old.fever_threshold_c, 38.3);
        assert_eq!(old.itch_high, 7);
        assert!(!old.is_enabled(RuleId::R7));
        let partial: RuleSettings = serde_json::from_str(r#"{"course": {}}"#).unwrap();
        assert_eq!(
            partial.course_for(ProcedureClass::Ipl),
            ExpectedCourse::default_for(ProcedureClass::Ipl)
        );
        let old_course: RuleSettings = serde_json::from_str(
            r#"{"course": {"ipl": {"swelling": [], "redness": [], "pain_ok_by_day": 1,
                "oozing_stops_by_day": null, "open_areas_closed_by_day": null}}}"#,
        )
        .unwrap();
        assert!(!old_course.course_for(ProcedureClass::Ipl).blister_unexpected);
    }

    /// Issue 10, bug 1: the rules kept an escalation window of their own that
    /// nothing read. JSON saved with it still loads; new JSON has no such key.
    #[test]
    fn escalation_is_not_a_rule_setting_and_older_json_with_it_loads() {
        let old: RuleSettings = serde_json::from_str(r#"{"itch_high": 6, "escalation_window_minutes": 30}"#).unwrap();
        assert_eq!(old.itch_high, 6);
        assert_eq!(
            old,
            RuleSettings {
                itch_high: 6,
                ..RuleSettings::defaults_before_trend_revision()
            }
        );
        let text = serde_json::to_string(&RuleSettings::default()).unwrap();
        assert!(!text.contains("escalation"), "{text}");
    }
}
