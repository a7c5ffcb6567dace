//! When to retry an email that could not be sent, and when to give up.
//! Pure functions: the caller supplies the clock and the randomness, so the
//! worker's timing can be tested without waiting.

use chrono::{DateTime, Duration, Utc};

/// Delay before the first retry, before jitter.
pub const FIRST_DELAY: Duration = Duration::seconds(30);
/// No retry waits longer than this: an alert that is late by more is of
/// little use, and the server may be back sooner.
pub const MAX_DELAY: Duration = Duration::minutes(15);
/// An email still unsent this long after it was queued is marked dead.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// Delay before the next try, after `attempts` failed tries (1 after the
/// first failure). Doubles from 30 s up to 15 min, then ±20% from `jitter`
/// (uniform in 0..1, from the caller) so that queued emails do not all hit
/// a recovering server at the same moment; never above 15 min.
pub fn next_attempt_delay(attempts: u32, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    // 2^5 * 30 s already passes the cap; the bound keeps the shift in range.
    let doublings = attempts.saturating_sub(1).min(10);
    let base_ms = (FIRST_DELAY.num_milliseconds() << doublings).min(MAX_DELAY.num_milliseconds());
    let factor = 0.8 + 0.4 * jitter;
    let ms = (base_ms as f64 * factor).round() as i64;
    Duration::milliseconds(ms.min(MAX_DELAY.num_milliseconds()))
}

/// True once an email has been failing for longer than [`GIVE_UP_AFTER`].
pub fn is_dead(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at >= GIVE_UP_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_retry_is_within_a_minute() {
        for j in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let d = next_attempt_delay(1, j);
            assert!(d >= Duration::seconds(24) && d <= Duration::seconds(36), "{d}");
        }
        assert_eq!(next_attempt_delay(1, 0.5), Duration::seconds(30));
        // Zero attempts is treated like the first failure.
        assert_eq!(next_attempt_delay(0, 0.5), Duration::seconds(30));
    }

    #[test]
    fn grows_then_caps_at_fifteen_minutes() {
        let mut last = Duration::zero();
        for a in 1..=6 {
            let d = next_attempt_delay(a, 0.5);
            assert!(d > last, "attempt {a}: {d} <= {last}");
            last = d;
        }
        for a in [6, 7, 10, 11, 50, u32::MAX] {
            for j in [0.0, 0.5, 1.0] {
                let d = next_attempt_delay(a, j);
                assert!(d <= MAX_DELAY, "attempt {a} jitter {j}: {d}");
                assert!(d >= Duration::minutes(12), "attempt {a} jitter {j}: {d}");
            }
        }
    }

    #[test]
    fn jitter_is_plus_or_minus_twenty_percent_and_sanitised() {
        assert_eq!(next_attempt_delay(3, 0.0), Duration::seconds(96));
        assert_eq!(next_attempt_delay(3, 1.0), Duration::seconds(144));
        assert_eq!(next_attempt_delay(3, f64::NAN), Duration::seconds(120));
        assert_eq!(next_attempt_delay(3, -5.0), Duration::seconds(96));
        assert_eq!(next_attempt_delay(3, 9.0), Duration::seconds(144));
    }

    #[test]
    fn dead_after_a_day() {
        let t0 = DateTime::parse_from_rfc3339("2025-03-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(!is_dead(t0, t0));
        assert!(!is_dead(t0, t0 + Duration::hours(23) + Duration::minutes(59)));
        assert!(is_dead(t0, t0 + Duration::hours(24)));
        assert!(is_dead(t0, t0 + Duration::days(3)));
    }
}
