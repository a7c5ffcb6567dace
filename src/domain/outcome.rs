//! What came of a flag, chosen by the clinician when resolving it (the
//! clinical reference, section 5). Outcomes make each rule's alert precision
//! measurable: the share of its resolved flags that led to action.

use crate::text_enum;

text_enum! {
    /// The outcome of a resolved flag. Stored as its text on `flags.outcome`
    /// (empty for flags resolved before outcomes were asked for).
    pub enum Outcome ("outcome") {
        /// Normal course; the patient was reassured.
        Expected = "expected",
        /// Advice given.
        SelfCare = "self_care",
        TreatedInfection = "treated_infection",
        TreatedColdSores = "treated_cold_sores",
        TreatedOther = "treated_other",
        SeenInClinic = "seen_in_clinic",
        ReferredEmergency = "referred_emergency",
        /// The clinic could not reach the patient.
        NotReached = "not_reached",
    }
}

impl Outcome {
    /// Plain words for the resolve form and the flag's page.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Expected => "Normal course, patient reassured",
            Outcome::SelfCare => "Self-care advice given",
            Outcome::TreatedInfection => "Treated for an infection",
            Outcome::TreatedColdSores => "Treated for cold sores",
            Outcome::TreatedOther => "Treated for something else",
            Outcome::SeenInClinic => "Seen in the clinic",
            Outcome::ReferredEmergency => "Referred to emergency care",
            Outcome::NotReached => "Could not reach the patient",
        }
    }

    /// The flag led to action: anything but a normal course or a patient not
    /// reached (the numerator of a rule's alert precision).
    pub fn is_action(self) -> bool {
        !matches!(self, Outcome::Expected | Outcome::NotReached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_the_references_eight_and_two_are_not_action() {
        // The database keeps these texts: a change here needs a data migration.
        let texts: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            texts.join(" "),
            "expected self_care treated_infection treated_cold_sores treated_other seen_in_clinic \
             referred_emergency not_reached"
        );
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()).unwrap(), *o);
            assert!(!o.label().is_empty());
        }
        let not_action: Vec<Outcome> = Outcome::ALL.iter().copied().filter(|o| !o.is_action()).collect();
        assert_eq!(not_action, vec![Outcome::Expected, Outcome::NotReached]);
        assert!(Outcome::parse("").is_err());
        assert!(Outcome::parse("cured").is_err());
    }
}
