//! What the patient is told right after a check-in.

use super::Finding;
pub use crate::domain::Advice;
use crate::domain::{ProcedureClass, RuleId, Severity, Words};
use crate::words;

impl Advice {
    /// U10 → `Emergency`; any urgent → `CallClinicNow`; any review →
    /// `ClinicWillReview`; info or nothing → `Normal`.
    pub fn from_findings(findings: &[Finding]) -> Self {
        if findings
            .iter()
            .any(|f| f.rule == RuleId::U10 && f.severity == Severity::Urgent)
        {
            return Advice::Emergency;
        }
        match super::highest(findings) {
            Some(Severity::Urgent) => Advice::CallClinicNow,
            Some(Severity::Review) => Advice::ClinicWillReview,
            _ => Advice::Normal,
        }
    }

    /// Plain words for the result page.
    pub fn message(self) -> Words {
        match self {
            Advice::Emergency => words!(
                "advice-emergency",
                "Call emergency services now. A rash with swelling of the lips or tongue, or trouble breathing, \
                 needs help straight away. Then let the clinic know."
            ),
            Advice::CallClinicNow => words!(
                "advice-call-clinic",
                "Please call the clinic now. If it is severe or the clinic is closed, seek emergency care."
            ),
            Advice::ClinicWillReview => words!(
                "advice-review",
                "Thank you. The clinic will look at your answers, usually by the next working day. \
                 If you feel worse before then, call the clinic."
            ),
            Advice::Normal => words!(
                "advice-normal",
                "Thank you. Nothing in your answers needs the clinic's attention today."
            ),
        }
    }
}

macro_rules! normal {
    ($key:literal, $text:literal) => {
        words!($key, concat!($text, " If anything worries you, call the clinic."))
    };
}

/// Reassuring text about what is normal on day `day` after `procedure`
/// (clinical reference, section 2, "normal findings"). Ends with "If
/// anything worries you, call the clinic."
pub fn what_is_normal(procedure: ProcedureClass, day: i64) -> Words {
    use ProcedureClass::*;
    match (procedure, day) {
        (AblativeFullCo2 | AblativeFullErbium, ..=3) => normal!(
            "normal-full-early",
            "Swelling is usually at its worst on days 1 to 3. Clear or yellowish weeping from the treated skin is \
             normal in the first days after this treatment."
        ),
        (AblativeFullCo2 | AblativeFullErbium, 4..=5) => normal!(
            "normal-full-crusts",
            "Around days 4 to 5 the weeping usually stops and crusts form. Itching is common while the skin heals."
        ),
        (AblativeFullCo2 | AblativeFullErbium, 6..=7) => {
            normal!(
                "normal-full-peeling",
                "Peeling is common around days 5 to 7. Itching is common while the skin heals."
            )
        }
        (AblativeFullCo2, _) => normal!(
            "normal-co2-late",
            "Pink skin is normal for weeks to months after this treatment and fades slowly. Itching is common while \
             the skin heals."
        ),
        (AblativeFullErbium, _) => {
            normal!(
                "normal-erbium-late",
                "Some pinkness can stay for a few weeks and fades slowly. Itching is common while the skin heals."
            )
        }
        (AblativeFractional | PeelMedium, ..=3) => {
            normal!(
                "normal-fractional-early",
                "Swelling is usually at its worst on days 1 to 3 and then goes down."
            )
        }
        (AblativeFractional | PeelMedium, 4..=7) => {
            normal!(
                "normal-fractional-peeling",
                "Peeling is common around days 5 to 7. Itching is common while the skin heals."
            )
        }
        (AblativeFractional | PeelMedium, _) => {
            normal!(
                "normal-fractional-late",
                "Some pinkness can stay for a few weeks and fades slowly. Itching is common while the skin heals."
            )
        }
        (NonablativeFractional, ..=4) => normal!(
            "normal-nonablative-early",
            "Some swelling and redness in the first few days is usual and settles within days. Nothing should ooze \
             after this treatment."
        ),
        (NonablativeFractional, _) => {
            normal!(
                "normal-nonablative-late",
                "Swelling and redness should have settled by now. Nothing should ooze after this treatment."
            )
        }
        (Ipl, ..=2) => normal!(
            "normal-ipl-early",
            "Some redness or swelling in the first day or two is usual and settles quickly. Nothing should ooze or \
             blister after this treatment."
        ),
        (Ipl, _) => normal!(
            "normal-ipl-late",
            "Redness and swelling should have settled by now. Nothing should ooze or blister after this treatment."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn f(rule: RuleId, severity: Severity) -> Finding {
        Finding {
            rule,
            severity,
            reason: String::new(),
            inputs: Value::Null,
        }
    }

    #[test]
    fn advice_follows_the_highest_finding() {
        assert_eq!(Advice::from_findings(&[]), Advice::Normal);
        assert_eq!(Advice::from_findings(&[f(RuleId::R7, Severity::Info)]), Advice::Normal);
        assert_eq!(
            Advice::from_findings(&[f(RuleId::R3, Severity::Review)]),
            Advice::ClinicWillReview
        );
        let urgent = [f(RuleId::R3, Severity::Review), f(RuleId::U1, Severity::Urgent)];
        assert_eq!(Advice::from_findings(&urgent), Advice::CallClinicNow);
        let emergency = [f(RuleId::U1, Severity::Urgent), f(RuleId::U10, Severity::Urgent)];
        assert_eq!(Advice::from_findings(&emergency), Advice::Emergency);
        assert!(Advice::CallClinicNow.message().en.contains("call the clinic now"));
    }

    #[test]
    fn normal_text_for_every_class_and_day() {
        for p in ProcedureClass::ALL {
            for day in [-1, 0, 2, 3, 4, 5, 6, 7, 8, 14, 60, i64::MAX] {
                let t = what_is_normal(*p, day).en;
                assert!(t.ends_with("If anything worries you, call the clinic."), "{p} {day}");
            }
        }
        assert!(what_is_normal(ProcedureClass::AblativeFullCo2, 2)
            .en
            .contains("days 1 to 3"));
        assert!(what_is_normal(ProcedureClass::AblativeFullCo2, 5).en.contains("crusts"));
        assert!(what_is_normal(ProcedureClass::AblativeFullCo2, 30)
            .en
            .contains("Pink skin"));
        assert!(what_is_normal(ProcedureClass::Ipl, 1)
            .en
            .contains("Nothing should ooze"));
    }
}
