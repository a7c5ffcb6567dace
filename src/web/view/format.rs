//! Dates and times as pages show them.

use crate::domain::ClinicTz;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A stored UTC time in the clinic's zone: "Mon 2 Mar 2026, 10:00".
pub fn local_time(t: NaiveDateTime, tz: ClinicTz) -> String {
    t.and_utc()
        .with_timezone(&tz.0)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// "just now", "25 min ago", "2 h ago", "3 days ago".
pub fn ago(t: NaiveDateTime, now: DateTime<Utc>) -> String {
    let mins = (now.naive_utc() - t).num_minutes();
    match mins {
        i64::MIN..=0 => "just now".into(),
        1..=59 => format!("{mins} min ago"),
        60..=2879 => format!("{} h ago", mins / 60),
        _ => format!("{} days ago", mins / 1440),
    }
}

/// "Monday 2 March 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// "Mon 2 Mar".
pub fn short_date(d: NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_read_plainly() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        let t = |h: i64| (now - chrono::Duration::minutes(h)).naive_utc();
        assert_eq!(ago(t(0), now), "just now");
        assert_eq!(ago(t(25), now), "25 min ago");
        assert_eq!(ago(t(130), now), "2 h ago");
        assert_eq!(ago(t(3 * 1440), now), "3 days ago");
    }
}
