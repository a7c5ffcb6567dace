use crate::text_enum;

text_enum! {
    /// How soon the clinic must act. Ordered: `Info < Review < Urgent`.
    pub enum Severity ("severity") {
        /// Dashboard only.
        Info = "info",
        /// Next business day.
        Review = "review",
        /// Same-day contact; email the clinic at once.
        Urgent = "urgent",
    }
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Review => "Review",
            Severity::Urgent => "Urgent",
        }
    }
}

text_enum! {
    /// The patient's next step after a check-in, as the rules decided it
    /// (`triage::Advice::from_findings`). Stored with the check-in so the
    /// result page shows that decision. Ordered by urgency.
    pub enum Advice ("advice") {
        /// Nothing above info: show what is normal for the day.
        Normal = "normal",
        /// A review flag: the clinic looks next business day.
        ClinicWillReview = "review",
        /// An urgent flag: call the clinic now.
        CallClinicNow = "call_clinic",
        /// U10: call emergency services.
        Emergency = "emergency",
    }
}

text_enum! {
    /// A flag's life: open → acknowledged → resolved.
    pub enum FlagState ("flag state") {
        Open = "open",
        Acknowledged = "acknowledged",
        Resolved = "resolved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn severity_orders_by_urgency() {
        assert!(Severity::Info < Severity::Review && Severity::Review < Severity::Urgent);
        assert_eq!(Severity::parse("urgent").unwrap(), Severity::Urgent);
        assert!(Severity::parse("URGENT!").is_err());
    }
}
