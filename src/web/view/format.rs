//! Dates and times as pages show them.

use crate::domain::ClinicTz;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::sync::LazyLock;

/// Formats read once: `format("…")` reads its text again on every call,
/// and a record page formats a few hundred times.
type Format = LazyLock<Vec<Item<'static>>>;
static LOCAL_TIME: Format = LazyLock::new(|| StrftimeItems::new("%a %-d %b %Y, %H:%M").collect());
static LONG_DATE: Format = LazyLock::new(|| StrftimeItems::new("%A %-d %B %Y").collect());
static SHORT_DATE: Format = LazyLock::new(|| StrftimeItems::new("%a %-d %b").collect());

/// A stored UTC time in the clinic's zone: "Mon 2 Mar 2026, 10:00".
pub fn local_time(t: NaiveDateTime, tz: ClinicTz) -> String {
    t.and_utc()
        .with_timezone(&tz.0)
        .format_with_items(LOCAL_TIME.iter())
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
    d.format_with_items(LONG_DATE.iter()).to_string()
}

/// "Mon 2 Mar".
pub fn short_date(d: NaiveDate) -> String {
    d.format_with_items(SHORT_DATE.iter()).to_string()
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

    #[test]
    fn dates_read_plainly() {
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap().naive_utc();
        let london = ClinicTz::parse("Europe/London").unwrap();
        assert_eq!(local_time(t, london), "Mon 2 Mar 2026, 10:00");
        assert_eq!(long_date(t.date()), "Monday 2 March 2026");
        assert_eq!(short_date(t.date()), "Mon 2 Mar");
    }
}
