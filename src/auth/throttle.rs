//! Throttling of sign-in, password reset and invite acceptance with
//! `governor`: one limit per client address and a stricter one per account
//! (keyed by the normalised email, or the account a link belongs to). The
//! per-account limit is small but refills quickly, so a real person is never
//! locked out for long; the per-address limit is separate and more generous,
//! so one address cannot lock out every account by itself.
//!
//! The limiter reads the application's clock, so tests move time instead of
//! sleeping.

use crate::clock::SharedClock;
use crate::error::Error;
use governor::clock::Clock as GovClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

/// `governor`'s view of [`crate::clock::Clock`]: time since the Unix epoch.
#[derive(Clone)]
pub struct AppClock(pub SharedClock);

impl GovClock for AppClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        // A clock set before 1970 reads as the epoch (governor saturates).
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or(0).max(0);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
    }
}

type Limiter = RateLimiter<String, DefaultKeyedStateStore<String>, AppClock, NoOpMiddleware<Duration>>;

/// Attempts an account may make at once, and how often one more is allowed.
pub const ACCOUNT_BURST: u32 = 5;
pub const ACCOUNT_REFILL: Duration = Duration::from_secs(60);
/// Attempts one address may make at once (a clinic's staff may share one
/// address), and how often one more is allowed.
pub const IP_BURST: u32 = 30;
pub const IP_REFILL: Duration = Duration::from_secs(2);

/// Above this many remembered keys, keys back at a fresh state are dropped.
const MAX_KEYS: usize = 10_000;

/// What is being attempted: accounts get a separate budget per action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    Forgot,
    Reset,
    Invite,
    ChangePassword,
}

impl Action {
    fn key(self) -> &'static str {
        match self {
            Action::SignIn => "signin",
            Action::Forgot => "forgot",
            Action::Reset => "reset",
            Action::Invite => "invite",
            Action::ChangePassword => "password",
        }
    }
}

/// The limiters of one process, shared by all its workers (in `AppState`).
pub struct Throttle {
    per_ip: Limiter,
    per_account: Limiter,
    clock: AppClock,
}

fn quota(burst: u32, refill: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(refill)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Throttle {
    pub fn new(clock: SharedClock) -> Self {
        let clock = AppClock(clock);
        Self {
            per_ip: RateLimiter::new(
                quota(IP_BURST, IP_REFILL),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            per_account: RateLimiter::new(
                quota(ACCOUNT_BURST, ACCOUNT_REFILL),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            clock,
        }
    }

    /// Counts one attempt of `action` from `ip` for `account` (an email,
    /// lower-cased here, or another stable account key). Refuses with
    /// [`Error::TooManyRequests`] once either budget is spent.
    pub fn attempt(&self, action: Action, ip: Option<&str>, account: Option<&str>) -> Result<(), Error> {
        if let Some(ip) = ip {
            check(&self.per_ip, &self.clock, ip.to_string())?;
        }
        if let Some(account) = account {
            let key = format!("{}:{}", action.key(), account.trim().to_lowercase());
            check(&self.per_account, &self.clock, key)?;
        }
        Ok(())
    }
}

fn check(limiter: &Limiter, clock: &AppClock, key: String) -> Result<(), Error> {
    if limiter.len() > MAX_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(clock.now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Error::TooManyRequests {
            retry_after_secs: secs.max(1),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;
    use std::sync::Arc;

    #[test]
    fn account_budget_refills_with_the_injected_clock() {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
        let t = Throttle::new(Arc::new(clock.clone()));
        for _ in 0..ACCOUNT_BURST {
            t.attempt(Action::SignIn, Some("10.0.0.1"), Some("A@x.example"))
                .unwrap();
        }
        let Err(Error::TooManyRequests { retry_after_secs }) = t.attempt(Action::SignIn, None, Some("a@x.example"))
        else {
            panic!("sixth attempt must be refused");
        };
        assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        // Another account and another action are unaffected.
        t.attempt(Action::SignIn, None, Some("b@x.example")).unwrap();
        t.attempt(Action::Forgot, None, Some("a@x.example")).unwrap();
        clock.advance(chrono::Duration::seconds(60));
        t.attempt(Action::SignIn, None, Some("a@x.example")).unwrap();
    }

    #[test]
    fn address_budget_is_separate_and_larger() {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
        let t = Throttle::new(Arc::new(clock));
        for i in 0..IP_BURST {
            t.attempt(Action::SignIn, Some("10.0.0.1"), Some(&format!("u{i}@x.example")))
                .unwrap();
        }
        assert!(t
            .attempt(Action::SignIn, Some("10.0.0.1"), Some("new@x.example"))
            .is_err());
        t.attempt(Action::SignIn, Some("10.0.0.2"), Some("new@x.example"))
            .unwrap();
    }
}
