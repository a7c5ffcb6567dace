//! Alert hygiene (clinical reference, section 5): the same rule for the same
//! treatment within 24 hours updates the open flag instead of raising a new
//! one, and only a rise in severity notifies the clinic again.

use crate::domain::Severity;
use chrono::{DateTime, TimeDelta, Utc};

/// A finding within this time of the open flag's last sighting updates it.
pub const DEDUP_WINDOW: TimeDelta = TimeDelta::hours(24);

/// The open (or acknowledged) flag of the same rule and treatment. Pass
/// `None` to [`on_finding`] when there is none, or when it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFlag {
    pub severity: Severity,
    /// When the rule last fired for this flag.
    pub last_seen_at: DateTime<Utc>,
    /// The highest severity the clinic was notified of; `None` if never
    /// (info flags are dashboard only).
    pub notified_severity: Option<Severity>,
}

/// What to do with a new finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HygieneDecision {
    /// Raise a new flag (and notify as its severity says).
    RaiseNew,
    /// Update the open flag: count + 1, latest values, `last_seen_at = now`,
    /// severity `new_severity`; email the clinic only if `notify`.
    UpdateExisting { new_severity: Severity, notify: bool },
}

/// Decides between a new flag and an update of `existing`.
///
/// Within [`DEDUP_WINDOW`] of `existing.last_seen_at` (inclusive; a
/// `last_seen_at` in the future counts as within) the flag is updated: its
/// severity becomes the higher of the two, and the clinic is notified only if
/// that is a rise over the flag's severity and over what was notified
/// (info never notifies). After the window, a new flag is raised.
pub fn on_finding(existing: Option<&OpenFlag>, finding_severity: Severity, now: DateTime<Utc>) -> HygieneDecision {
    let Some(flag) = existing else {
        return HygieneDecision::RaiseNew;
    };
    // A negative difference (clock skew between writers) counts as within.
    let within = now.signed_duration_since(flag.last_seen_at) <= DEDUP_WINDOW;
    if !within {
        return HygieneDecision::RaiseNew;
    }
    let new_severity = flag.severity.max(finding_severity);
    let notified = flag.notified_severity.unwrap_or(Severity::Info);
    let notify = new_severity > flag.severity && new_severity > notified;
    HygieneDecision::UpdateExisting { new_severity, notify }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use Severity::*;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + TimeDelta::hours(h)
    }
    fn flag(severity: Severity, notified: Option<Severity>) -> OpenFlag {
        OpenFlag {
            severity,
            last_seen_at: at(0),
            notified_severity: notified,
        }
    }

    #[test]
    fn no_open_flag_raises_new() {
        assert_eq!(on_finding(None, Review, at(0)), HygieneDecision::RaiseNew);
    }

    #[test]
    fn window_edges() {
        let f = flag(Review, Some(Review));
        let update = HygieneDecision::UpdateExisting {
            new_severity: Review,
            notify: false,
        };
        assert_eq!(on_finding(Some(&f), Review, at(24)), update);
        assert_eq!(
            on_finding(Some(&f), Review, at(24) + TimeDelta::seconds(1)),
            HygieneDecision::RaiseNew
        );
        assert_eq!(
            on_finding(Some(&f), Review, at(-1)),
            update,
            "clock skew counts as within"
        );
    }

    #[test]
    fn only_a_rise_notifies() {
        let table = [
            // open flag, notified, finding → new severity, notify
            (Review, Some(Review), Urgent, Urgent, true),
            (Review, Some(Review), Info, Review, false),
            (Urgent, Some(Urgent), Review, Urgent, false),
            (Urgent, Some(Urgent), Urgent, Urgent, false),
            (Info, None, Info, Info, false),
            (Info, None, Review, Review, true),
            (Review, None, Review, Review, false),
        ];
        for (sev, notified, finding, new_severity, notify) in table {
            assert_eq!(
                on_finding(Some(&flag(sev, notified)), finding, at(3)),
                HygieneDecision::UpdateExisting { new_severity, notify },
                "{sev:?} {notified:?} {finding:?}"
            );
        }
    }
}
