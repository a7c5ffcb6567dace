//! Triage: which answers of a recovery check-in are concerning for that day
//! after that procedure (clinical reference, sections 2 and 5).
//!
//! Everything here is pure: no IO, no database, no clock (the current time is
//! always a `now` parameter), no randomness. The web, database and scheduler
//! layers call:
//!
//! - [`evaluate`]: one check-in → the flags it raises ([`Finding`]s, at most
//!   one per rule, U1–U10 and R1–R13); [`highest`] of those decides the
//!   patient's [`Advice`].
//! - [`missed_checkins`]: the scheduler's view of check-ins that were due and
//!   did not come (M1 reminder, M2, M3), each with a stable `dedup_key`,
//!   counted from the day the patient activated; A1 for an invitation not
//!   accepted 48 h after the treatment's start.
//! - [`on_finding`]: alert hygiene (merge the same rule within 24 hours, notify
//!   again only when severity rises).
//! - [`RuleSettings`]: the clinic's thresholds and rule switches, the expected
//!   course per procedure class, and their settings-page form round trip.
//! - [`what_is_normal`]: the reassuring text for a check-in with no flag.
//!
//! The rule table itself is [`RULES`] in `rules.rs`, in the order of the
//! reference; each rule's id, default severity and words are
//! [`RuleId`]'s (`domain/rule_id.rs`, a leaf that settings, storage and pages
//! share).
//!
//! # Readings of the reference
//!
//! - Day N counts calendar days in the clinic's time zone; the treatment date
//!   is day 0. "After d 3" means day > 3; "d ≥ 2" means day ≥ 2.
//! - "≤ X by day N" (section 2): from day N on, a level above X is unexpected;
//!   before day N that step sets no limit. "Oozing stops by day N" and "open
//!   areas closed by day N" likewise flag from day N on; "any oozing is
//!   unexpected" / "none expected" flag on every day. IPL: any blister is
//!   also R1 ("any oozing or blister is unexpected").
//! - `prev` is the latest earlier check-in with a smaller day, however many
//!   days back. "Rising pain" means pain > prev pain.
//! - Trend rules (revised December 2026: a one-step wobble is day-to-day
//!   variation). U5: pain ≥ prev + 2 and pain ≥ 4. R3 (after day 3) and R4
//!   (after day 7): up ≥ 2 levels on prev, or "up on two check-ins in a
//!   row": this check-in above prev and prev above the one before it, both
//!   rises after the day window (prev's day is past it too). R5: after day 4,
//!   itch ≥ prev + 3 and itch ≥ 5. The numbers are settings; clinics whose
//!   rules were never changed moved to these with a new rules version.
//! - U6: "pain medicine not helping" fires on any day. U7: swelling > prev
//!   and pain > prev, day > 3. R2/R9 are urgent with rising pain (R9 also
//!   with eye pain or vision change). R6: any rash outside the treated area;
//!   the reason says when it is new after day 7. R7: review when itch or
//!   pain ≥ 4 or overall worse, else info. R8 on neck, jawline or eyelid
//!   says "higher priority" (still review). R9 reads the eye fields of either
//!   form. R12: prophylaxis missed, day ≤ 10, ablative class or cold-sore
//!   history. R13: overall worse on this and the previous check-in, both
//!   after day 3.
//! - Missed check-ins: see [`missed_checkins`].

mod advice;
mod course;
mod hygiene;
mod rules;
mod schedule;
mod settings;

#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_rules;
#[cfg(test)]
mod tests_schedule;

pub use crate::domain::RuleId;
pub use advice::{what_is_normal, Advice};
pub use course::{level_word, ExpectedCourse, ExpectedRanges, LevelStep, Measure};
pub use hygiene::{on_finding, HygieneDecision, OpenFlag, DEDUP_WINDOW};
pub use rules::{Rule, RULES};
pub use schedule::{
    clinic_today, date_of_day, day_number, due_days, is_due_day, local_instant, missed_checkins, missed_days, next_due,
    MissedFinding, MissedInput, INVITATION_GRACE, INVITATION_KEY, LOOKBACK_DAYS, MAX_FOLLOW_UP_DAYS, WEEKLY_FROM_DAY,
};
pub use settings::{FieldKind, RuleSettings, SettingField, CONFIRM_DISABLE_URGENT};

use crate::domain::{CheckInAnswers, Prescribed, ProcedureClass, Severity, SkinType, Zones};
use serde::{Deserialize, Serialize};

/// Shown wherever flags are shown, to clinicians and patients alike.
pub const DISCLAIMER: &str = "These flags support, and do not replace, a clinician's judgement. \
The thresholds are defaults drawn from published sources and can be changed by the clinic; \
they should be reviewed by a dermatologist or laser surgeon.";

/// An earlier check-in of the same treatment. Any order; may include days
/// after the one being evaluated (a back-filled day).
#[derive(Debug, Clone, Copy)]
pub struct PriorCheckIn<'a> {
    /// Days since treatment (day 0 = treatment day, clinic time zone).
    pub day: i64,
    pub answers: &'a CheckInAnswers,
}

/// What the rules need to know about the treatment and the patient.
#[derive(Debug, Clone, PartialEq)]
pub struct TreatmentFacts {
    pub procedure: ProcedureClass,
    pub zones: Zones,
    pub prescribed: Prescribed,
    /// History of cold sores (herpes simplex).
    pub cold_sores: bool,
    pub skin_type: Option<SkinType>,
}

/// One flag raised by one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// Plain language: the values seen and the expectation they broke. Never
    /// contains the patient's note.
    pub reason: String,
    /// The values the rule looked at (stored with the flag).
    pub inputs: serde_json::Value,
}

/// Evaluates one check-in describing day `day` (0 = treatment day) against
/// every enabled check-in rule (U1–U10, R1–R13). Returns at most one finding
/// per rule, in rule-table order; never an M-rule finding (those come from
/// [`missed_checkins`]).
///
/// "Previous check-in" (`prev` in the reference) is the check-in in `earlier`
/// with the largest day smaller than `day`, and the one before it is the
/// latest before that (for "up on two check-ins in a row"); check-ins on
/// later days (back-filling) are ignored. Never panics, whatever the day or
/// settings.
pub fn evaluate(
    day: i64,
    answers: &CheckInAnswers,
    earlier: &[PriorCheckIn],
    treatment: &TreatmentFacts,
    settings: &RuleSettings,
) -> Vec<Finding> {
    let latest_before = |d: i64| earlier.iter().filter(|p| p.day < d).max_by_key(|p| p.day);
    let prev = latest_before(day);
    let before_prev = prev.and_then(|p| latest_before(p.day));
    rules::run(day, answers, [prev, before_prev], treatment, settings)
}

/// The highest severity among `findings`, or `None` when there are none.
pub fn highest(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}
