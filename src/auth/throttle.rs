//! Throttling of sign-in, password reset and invite acceptance.
//!
//! Two kinds of limit:
//! - per client address (`governor`), counting every attempt: generous, so a
//!   clinic's staff sharing one address are not slowed, but one address
//!   cannot guess at speed;
//! - per account, counting **failures only** ([`Budget`]): a correct password
//!   never spends it, so signing in often is never refused. Once an
//!   account's failure budget is spent only *untrusted* devices are refused;
//!   a browser that signed in to that account before (a device cookie, as in
//!   OWASP's "slow brute force protection with device cookies") has its own
//!   budget, which an attacker elsewhere cannot spend. So nobody can keep a
//!   person out of their own account by failing on purpose.
//!
//! "Forgot password" has a per-account cap counted per request (each one
//! sends an email): at most [`FORGOT_BURST`] at once, then one an hour.
//!
//! The limiter reads the application's clock, so tests move time instead of
//! sleeping.

use crate::clock::SharedClock;
use crate::error::Error;
use governor::clock::Clock as GovClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
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

/// Failures an account (or one trusted device of it) may have at once, and
/// how often one more is allowed.
pub const ACCOUNT_BURST: u32 = 5;
pub const ACCOUNT_REFILL: Duration = Duration::from_secs(60);
/// Attempts one address may make at once (a clinic's staff may share one
/// address), and how often one more is allowed.
pub const IP_BURST: u32 = 30;
pub const IP_REFILL: Duration = Duration::from_secs(2);
/// Reset emails one account may be sent at once, and how often one more.
pub const FORGOT_BURST: u32 = 3;
pub const FORGOT_REFILL: Duration = Duration::from_secs(3600);

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

/// What spending one unit of a [`Budget`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// Some budget is left.
    Left,
    /// This spent the last of it: the key is limited from now on (the
    /// moment to log and audit a lock-out, once).
    JustRanOut,
    /// It was already spent.
    AlreadyOut,
}

/// A keyed leaky bucket (GCRA) that can be *looked at* without spending,
/// which `governor` cannot do: sign-in checks the account's budget before
/// the password and spends it only when the password was wrong.
pub struct Budget {
    burst: u32,
    period: Duration,
    /// Per key: the theoretical arrival time of the next unit (since the epoch).
    tat: Mutex<HashMap<String, Duration>>,
}

impl Budget {
    pub fn new(burst: u32, period: Duration) -> Self {
        Self {
            burst: burst.max(1),
            period,
            tat: Mutex::new(HashMap::new()),
        }
    }

    fn window(&self) -> Duration {
        self.period * self.burst
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Duration>> {
        // A panic elsewhere while holding the lock leaves plain data behind.
        self.tat.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(wait)` when the budget of `key` is spent.
    pub fn check(&self, key: &str, now: Duration) -> Result<(), Duration> {
        let tat = self.map().get(key).copied().unwrap_or(now).max(now);
        let next = tat + self.period;
        if next - now <= self.window() {
            Ok(())
        } else {
            Err(next - now - self.window())
        }
    }

    /// Spends one unit of `key`'s budget. A spent budget is left as it is,
    /// so it refills at the steady rate however often it is hit.
    pub fn spend(&self, key: &str, now: Duration) -> Spent {
        let mut map = self.map();
        if map.len() > MAX_KEYS {
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        if tat + self.period - now > self.window() {
            return Spent::AlreadyOut;
        }
        let tat = tat + self.period;
        map.insert(key.to_string(), tat);
        if tat + self.period - now > self.window() {
            Spent::JustRanOut
        } else {
            Spent::Left
        }
    }
}

/// What a request to send a reset email may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgotVerdict {
    /// Send it; `last` when this one reached the account's cap.
    Send { last: bool },
    /// The account's cap is reached: answer as usual, send nothing.
    Capped,
}

/// The limiters of one process, shared by all its workers (in `AppState`).
pub struct Throttle {
    per_ip: Limiter,
    per_account: Limiter,
    /// Sign-in failures per account, and per (trusted device, account).
    failures: Budget,
    forgot: Budget,
    clock: AppClock,
}

fn quota(burst: u32, refill: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(refill)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// The key of an account's sign-in failures: the normalised address.
fn account_key(account: &str) -> String {
    format!("signin:{}", account.trim().to_lowercase())
}

fn device_key(device: &str, account: &str) -> String {
    format!("device:{device}:{}", account.trim().to_lowercase())
}

fn too_many(wait: Duration) -> Error {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Error::TooManyRequests {
        retry_after_secs: secs.max(1),
    }
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
            failures: Budget::new(ACCOUNT_BURST, ACCOUNT_REFILL),
            forgot: Budget::new(FORGOT_BURST, FORGOT_REFILL),
            clock,
        }
    }

    /// Counts one attempt of `action` from `ip` for `account` (an email,
    /// lower-cased here, or another stable account key). Refuses with
    /// [`Error::TooManyRequests`] once either budget is spent. For links
    /// and password changes; sign-in uses [`Throttle::sign_in_allowed`].
    pub fn attempt(&self, action: Action, ip: Option<&str>, account: Option<&str>) -> Result<(), Error> {
        self.address(ip)?;
        if let Some(account) = account {
            let key = format!("{}:{}", action.key(), account.trim().to_lowercase());
            check(&self.per_account, &self.clock, key)?;
        }
        Ok(())
    }

    /// Counts one attempt from `ip` against the per-address limit.
    pub fn address(&self, ip: Option<&str>) -> Result<(), Error> {
        match ip {
            Some(ip) => check(&self.per_ip, &self.clock, ip.to_string()),
            None => Ok(()),
        }
    }

    /// Before a password is checked: the per-address limit (counted), then
    /// the failure budget that applies: the trusted device's own, or the
    /// account's for any other device (looked at, not spent).
    pub fn sign_in_allowed(&self, ip: Option<&str>, account: &str, trusted_device: Option<&str>) -> Result<(), Error> {
        self.address(ip)?;
        let key = match trusted_device {
            Some(d) => device_key(d, account),
            None => account_key(account),
        };
        self.failures.check(&key, self.clock.now()).map_err(too_many)
    }

    /// A wrong password: spends the account's failure budget, or only the
    /// trusted device's (a person mistyping on their own device does not
    /// slow everyone else's sign-in to that account).
    pub fn sign_in_failed(&self, account: &str, trusted_device: Option<&str>) -> Spent {
        let key = match trusted_device {
            Some(d) => device_key(d, account),
            None => account_key(account),
        };
        self.failures.spend(&key, self.clock.now())
    }

    /// Before a second-step code is checked: the per-address limit, then
    /// the account's second-step failure budget (looked at, not spent).
    pub fn second_step_allowed(&self, ip: Option<&str>, account: i64) -> Result<(), Error> {
        self.address(ip)?;
        self.failures
            .check(&format!("totp:{account}"), self.clock.now())
            .map_err(too_many)
    }

    /// A wrong second-step code spends the account's budget (only someone
    /// who already has the password gets here).
    pub fn second_step_failed(&self, account: i64) -> Spent {
        self.failures.spend(&format!("totp:{account}"), self.clock.now())
    }

    /// A reset-email request: the per-address limit (429 when spent), then
    /// the account's cap, which never answers differently (so it tells
    /// nothing about whether the account exists) but stops sending.
    pub fn forgot(&self, ip: Option<&str>, account: &str) -> Result<ForgotVerdict, Error> {
        self.address(ip)?;
        let key = format!("forgot:{}", account.trim().to_lowercase());
        Ok(match self.forgot.spend(&key, self.clock.now()) {
            Spent::Left => ForgotVerdict::Send { last: false },
            Spent::JustRanOut => ForgotVerdict::Send { last: true },
            Spent::AlreadyOut => ForgotVerdict::Capped,
        })
    }
}

fn check(limiter: &Limiter, clock: &AppClock, key: String) -> Result<(), Error> {
    if limiter.len() > MAX_KEYS {
        limiter.retain_recent();
    }
    limiter
        .check_key(&key)
        .map_err(|not_until| too_many(not_until.wait_time_from(clock.now())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn throttle() -> (ManualClock, Throttle) {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
        let t = Throttle::new(Arc::new(clock.clone()));
        (clock, t)
    }

    #[test]
    fn only_failures_spend_an_accounts_budget_and_it_refills_with_the_clock() {
        let (clock, t) = throttle();
        // Correct sign-ins (allowed, never failed) do not count.
        for _ in 0..20 {
            t.sign_in_allowed(None, "a@x.example", None).unwrap();
        }
        for i in 0..ACCOUNT_BURST {
            t.sign_in_allowed(Some("10.0.0.1"), "A@x.example", None).unwrap();
            let spent = t.sign_in_failed("A@x.example", None);
            assert_eq!(spent == Spent::JustRanOut, i + 1 == ACCOUNT_BURST, "{i}: {spent:?}");
        }
        let Err(Error::TooManyRequests { retry_after_secs }) = t.sign_in_allowed(None, " a@x.example", None) else {
            panic!("an unknown device is refused once the failures are spent");
        };
        assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        // A device that signed in before has its own budget.
        t.sign_in_allowed(None, "a@x.example", Some("dev1")).unwrap();
        // Another account is unaffected.
        t.sign_in_allowed(None, "b@x.example", None).unwrap();
        clock.advance(chrono::Duration::seconds(60));
        t.sign_in_allowed(None, "a@x.example", None).unwrap();
    }

    #[test]
    fn a_trusted_devices_failures_spend_only_its_own_budget() {
        let (_clock, t) = throttle();
        for _ in 0..ACCOUNT_BURST {
            t.sign_in_failed("a@x.example", Some("dev1"));
        }
        assert!(t.sign_in_allowed(None, "a@x.example", Some("dev1")).is_err());
        t.sign_in_allowed(None, "a@x.example", Some("dev2")).unwrap();
        t.sign_in_allowed(None, "a@x.example", None).unwrap();
    }

    #[test]
    fn reset_emails_are_capped_per_account_per_hour() {
        let (clock, t) = throttle();
        let verdicts: Vec<_> = (0..10).map(|_| t.forgot(None, "a@x.example").unwrap()).collect();
        assert_eq!(verdicts[0], ForgotVerdict::Send { last: false });
        assert_eq!(verdicts[FORGOT_BURST as usize - 1], ForgotVerdict::Send { last: true });
        assert!(verdicts[FORGOT_BURST as usize..]
            .iter()
            .all(|v| *v == ForgotVerdict::Capped));
        assert_eq!(
            t.forgot(None, "b@x.example").unwrap(),
            ForgotVerdict::Send { last: false }
        );
        // A flood does not push the next email further away: one an hour.
        clock.advance(chrono::Duration::minutes(60));
        assert!(matches!(
            t.forgot(None, "a@x.example").unwrap(),
            ForgotVerdict::Send { .. }
        ));
        assert_eq!(t.forgot(None, "a@x.example").unwrap(), ForgotVerdict::Capped);
    }

    #[test]
    fn address_budget_is_separate_and_larger() {
        let (_clock, t) = throttle();
        for i in 0..IP_BURST {
            t.sign_in_allowed(Some("10.0.0.1"), &format!("u{i}@x.example"), None)
                .unwrap();
        }
        assert!(t.sign_in_allowed(Some("10.0.0.1"), "new@x.example", None).is_err());
        t.sign_in_allowed(Some("10.0.0.2"), "new@x.example", None).unwrap();
    }

    #[test]
    fn link_attempts_still_count_per_account() {
        let (clock, t) = throttle();
        for _ in 0..ACCOUNT_BURST {
            t.attempt(Action::Reset, None, Some("account:1")).unwrap();
        }
        assert!(t.attempt(Action::Reset, None, Some("account:1")).is_err());
        t.attempt(Action::Invite, None, Some("account:1")).unwrap();
        clock.advance(chrono::Duration::seconds(60));
        t.attempt(Action::Reset, None, Some("account:1")).unwrap();
    }
}
