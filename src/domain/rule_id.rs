//! The rules of the clinical reference's section 5 by id, with the columns
//! every layer reads: the default severity and the "when" line. A leaf: the
//! rule logic (`triage/rules.rs`), the clinic's settings (`triage/settings.rs`),
//! the stored flags (`db/`) and the pages all name rules through this type,
//! and it imports nothing of theirs.

use super::Severity;

/// Declares [`RuleId`] from the reference's table: id, default severity,
/// the staff's words for it (short, for a list of flags; plain, beside a
/// switch), the "when" line; and the stable settings field name of each switch.
macro_rules! rule_ids {
    ($($variant:ident = $text:literal, $severity:expr, $short:literal, $plain:literal, $when:literal;)+) => {
        crate::text_enum! {
            /// A rule of the reference's section 5 (stored as its text, e.g. "U1").
            pub enum RuleId ("rule") { $($variant = $text),+ }
        }
        impl RuleId {
            /// The settings form field that switches this rule on or off.
            pub fn enabled_field(self) -> &'static str {
                match self { $(RuleId::$variant => concat!("rule.", $text, ".enabled")),+ }
            }
            /// The severity in the reference's table. `None` for M1, which only
            /// reminds the patient and never raises a clinic flag. R7 can also
            /// raise info; R2 and R9 can raise urgent.
            pub fn default_severity(self) -> Option<Severity> {
                match self { $(RuleId::$variant => $severity),+ }
            }
            /// What the rule watches, in a few plain words for a list of a
            /// patient's flags ("fever", "pain rising"); the flag's own reason
            /// says the rest.
            pub fn short(self) -> &'static str {
                match self { $(RuleId::$variant => $short),+ }
            }
            /// What the rule watches for, in the plain words staff use (the id
            /// is shown beside it as a small tag; [`RuleId::summary`] has the detail).
            pub fn plain_name(self) -> &'static str {
                match self { $(RuleId::$variant => $plain),+ }
            }
            /// One line: when the rule fires (the reference's "when" column,
            /// with the default numbers).
            pub fn summary(self) -> &'static str {
                match self { $(RuleId::$variant => $when),+ }
            }
        }
    };
}

const URGENT: Option<Severity> = Some(Severity::Urgent);
const REVIEW: Option<Severity> = Some(Severity::Review);
const INFO: Option<Severity> = Some(Severity::Info);
const REMINDER: Option<Severity> = None;

// `d` = days since treatment; `prev` = the previous check-in; `expected(x)` = section 2.
#[rustfmt::skip]
rule_ids! {
    // id, default severity, short words, plain words;
    //           then the "when" line.
    U1  = "U1",  URGENT,   "fever", "fever",
                 "fever, or temperature ≥ 38.0 °C (100.4 °F), d ≤ 21";
    U2  = "U2",  URGENT,   "signs of infection", "signs of infection (cloudy or foul oozing, honey-coloured crusts)",
                 "thick/cloudy/foul oozing, or thick yellow/honey crusts, d ≥ 2";
    U3  = "U3",  URGENT,   "cold-sore signs", "cold sore signs (blisters, clustered sores, tingling)",
                 "blisters/clustered sores or tingling/cold-sore feeling, d ≤ 14 (more so if perioral)";
    U4  = "U4",  URGENT,   "eye symptoms", "a change in vision or eye pain",
                 "vision change, or eye pain/light sensitivity";
    U5  = "U5",  URGENT,   "pain rising", "pain rising since the last check-in",
                 "pain ≥ prev + 2 and pain ≥ 4, with d ≥ 3 (ablative) or d ≥ 2 (other classes)";
    U6  = "U6",  URGENT,   "severe pain", "severe pain, or pain medicine not helping",
                 "pain ≥ 7 with d ≥ 3 (ablative), or ≥ 5 with d ≥ 2 (other), or pain medicine not helping";
    U7  = "U7",  URGENT,   "spreading redness", "spreading redness or red streaks",
                 "redness spreading or red streaks; or swelling up ≥ 1 on prev after d 3 with rising pain";
    U8  = "U8",  URGENT,   "severe swelling", "eyes swollen shut or severe swelling",
                 "eyes swollen shut, or swelling 3, on d ≥ 4";
    U9  = "U9",  URGENT,   "bleeding or asked for a call", "bleeding that will not stop, or a patient asking for a call",
                 "bleeding that will not stop, or \"I would like a call\"";
    U10 = "U10", URGENT,   "allergic reaction", "a rash with lip or tongue swelling or trouble breathing",
                 "rash outside the treated area with lip/tongue swelling or trouble breathing (emergency)";
    R1  = "R1",  REVIEW,   "oozing", "oozing later than expected",
                 "any oozing after expected(oozing); any oozing at all for non-ablative and IPL";
    R2  = "R2",  REVIEW,   "raw area not healing", "a raw area not healing",
                 "raw area not healing after expected(open areas) (urgent with rising pain)";
    R3  = "R3",  REVIEW,   "swelling", "more swelling than expected",
                 "swelling above expected(swelling); or, after d 3, up ≥ 2 levels on prev or up on two check-ins in a row";
    R4  = "R4",  REVIEW,   "redness", "more redness than expected",
                 "redness above expected(redness); or, after d 7, up ≥ 2 levels on prev or up on two check-ins in a row";
    R5  = "R5",  REVIEW,   "itch", "strong or rising itch, or white patches",
                 "itch ≥ 7; or, after d 4, itch ≥ prev + 3 reaching ≥ 5; or white patches";
    R6  = "R6",  REVIEW,   "rash", "a rash outside the treated area",
                 "rash outside the treated area, or a new rash after d 7";
    R7  = "R7",  REVIEW,   "pimples", "whiteheads or pimples",
                 "whiteheads/pimples with d ≥ 5: review if itch or pain ≥ 4 or overall worse, else info";
    R8  = "R8",  REVIEW,   "raised or firm area", "a raised, firm or tight area (weekly question)",
                 "weekly: raised, firm or tight area, d 10–90 (higher priority on neck, jawline, eyelid)";
    R9  = "R9",  REVIEW,   "eyelid pulling", "an eyelid pulling down or an eye that will not close",
                 "lid pulling down, watering, cannot close the eye (urgent with pain or vision change)";
    R10 = "R10", REVIEW,   "dark patches", "dark patches (weekly question)",
                 "weekly: dark patches, d 14–90";
    R11 = "R11", INFO,     "light patches", "light patches",
                 "light patches, d ≥ 60";
    R12 = "R12", REVIEW,   "prophylaxis missed", "a missed antiviral or antibiotic",
                 "prophylaxis missed, d ≤ 10, ablative or cold-sore history";
    R13 = "R13", REVIEW,   "feeling worse", "feeling worse on two check-ins in a row",
                 "overall \"worse\" on two check-ins in a row after d 3";
    M1  = "M1",  REMINDER, "reminder", "today's check-in not done (a reminder to the patient only)",
                 "no check-in by the clinic's reminder time on a scheduled day: patient reminder only";
    M2  = "M2",  REVIEW,   "missed check-ins", "several check-ins missed",
                 "2 daily check-ins missed in a row in days 1–7 (ablative), 3 in days 8–14, or none by day 2";
    M3  = "M3",  URGENT,   "missed check-in after a flag", "a check-in missed after a worrying one",
                 "the last check-in raised urgent or review, and the next one is missed";
    A1  = "A1",  INFO,     "invitation not accepted", "an invitation not accepted 48 hours after the treatment",
                 "invitation not accepted: the patient is not active 48 h after the treatment's start (or enrolment, if later)";
}

impl RuleId {
    /// Rules that can raise an urgent flag: switching one off needs a
    /// confirmation that the caller audits (R2 and R9 count: they escalate).
    pub fn can_raise_urgent(self) -> bool {
        self.default_severity() == Some(Severity::Urgent) || matches!(self, RuleId::R2 | RuleId::R9)
    }
    /// M1–M3: check-ins that were due and did not come.
    pub fn is_missed_checkin(self) -> bool {
        matches!(self, RuleId::M1 | RuleId::M2 | RuleId::M3)
    }
    /// Judged by the scheduler, never by a check-in: M1–M3, and A1 (not a
    /// rule of the reference: an invitation nobody accepted, so the missed
    /// check-in rules have nothing to count from).
    pub fn is_scheduled(self) -> bool {
        self.is_missed_checkin() || self == RuleId::A1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_round_trips_and_has_its_columns() {
        for id in RuleId::ALL {
            assert_eq!(RuleId::parse(id.as_str()).unwrap(), *id);
            assert!(!id.summary().is_empty());
            assert!(!id.short().is_empty() && id.short().len() <= 30, "{id}: short words");
            assert_eq!(id.enabled_field(), format!("rule.{}.enabled", id.as_str()));
        }
        assert_eq!(RuleId::M1.default_severity(), None);
        assert_eq!(RuleId::M3.default_severity(), Some(Severity::Urgent));
        assert_eq!(RuleId::R11.default_severity(), Some(Severity::Info));
        assert!(RuleId::M2.is_missed_checkin() && !RuleId::U1.is_missed_checkin());
        assert_eq!(RuleId::A1.default_severity(), Some(Severity::Info));
        assert!(RuleId::A1.is_scheduled() && !RuleId::A1.is_missed_checkin());
        // Stored in flags and scheduled_findings: the text is a contract.
        assert_eq!(RuleId::A1.as_str(), "A1");
    }
}
