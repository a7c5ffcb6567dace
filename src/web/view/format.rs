//! Dates and times as pages show them.

use crate::domain::ClinicTz;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use std::sync::LazyLock;

/// Formats read once: `format("…")` reads its text again on every call,
/// and a record page formats a few hundred times.
type Format = LazyLock<Vec<Item<'static>>>;
static LOCAL_TIME: Format = LazyLock::new(|| StrftimeItems::new("%a %-d %b %Y, %H:%M").collect());
static LONG_DATE: Format = LazyLock::new(|| StrftimeItems::new("%A %-d %B %Y").collect());

/// A stored UTC time in the clinic's zone: "Mon 2 Mar 2026, 10:00".
pub fn local_time(t: NaiveDateTime, tz: ClinicTz) -> String {
    let l = t.and_utc().with_timezone(&tz.0);
    let n = l.naive_local();
    if !(0..=9999).contains(&n.year()) {
        return l.format_with_items(LOCAL_TIME.iter()).to_string();
    }
    // By hand: a record page writes a few hundred of these, and chrono's
    // formatter (or `format!` with padding) took several times as long.
    let mut s = String::with_capacity(24);
    push_day(&mut s, n.date());
    s.push(' ');
    push_digits(&mut s, n.year() as u32, 4);
    s.push_str(", ");
    push_digits(&mut s, n.hour(), 2);
    s.push(':');
    push_digits(&mut s, n.minute(), 2);
    s
}

/// "Mon 2 Mar".
fn push_day(s: &mut String, d: NaiveDate) {
    s.push_str(WEEKDAYS[d.weekday().num_days_from_monday() as usize]);
    s.push(' ');
    let day = d.day();
    push_digits(s, day, if day < 10 { 1 } else { 2 });
    s.push(' ');
    s.push_str(MONTHS[d.month0() as usize]);
}

/// `v` as exactly `width` digits, zero-padded (`v` fits).
fn push_digits(s: &mut String, v: u32, width: u32) {
    for i in (0..width).rev() {
        let digit = (v / 10u32.pow(i)) % 10;
        s.push(char::from(b'0' + digit as u8));
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

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
    let mut s = String::with_capacity(12);
    push_day(&mut s, d);
    s
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

    #[test]
    fn hand_written_formats_match_chronos_over_years_of_hours() {
        let zones = ["Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"];
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 7, 0).unwrap();
        for z in zones {
            let tz = ClinicTz::parse(z).unwrap();
            for h in (0..3 * 365 * 24).step_by(7) {
                let t = (start + chrono::Duration::hours(h)).naive_utc();
                let by_chrono = t
                    .and_utc()
                    .with_timezone(&tz.0)
                    .format("%a %-d %b %Y, %H:%M")
                    .to_string();
                assert_eq!(local_time(t, tz), by_chrono);
                assert_eq!(short_date(t.date()), t.date().format("%a %-d %b").to_string());
            }
        }
        let far = Utc.with_ymd_and_hms(12026, 3, 2, 10, 0, 0).unwrap().naive_utc();
        let utc = ClinicTz::parse("UTC").unwrap();
        assert_eq!(local_time(far, utc), far.format("%a %-d %b %Y, %H:%M").to_string());
    }
}
