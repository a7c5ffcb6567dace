//! Passwords: 8 to 128 characters, no composition rules, not a common
//! password; stored as Argon2id with the `argon2` crate's defaults (the OWASP
//! minimum). Hashing is slow on purpose: callers run it off the async workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// The 5,000 most common passwords of 8+ characters, lower-case, one per line
/// (from the frequency list of the zxcvbn crate, MIT licence).
static COMMON: &str = include_str!("common-passwords.txt");

/// A password that meets the rules. Never printed.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("use at least 8 characters")]
    TooShort,
    #[error("use at most 128 characters")]
    TooLong,
    #[error("this password is too common: choose another (a few unrelated words work well)")]
    Common,
    #[error("a password cannot hold invisible control characters: type it again")]
    ControlCharacters,
}

impl NewPassword {
    pub fn parse(s: &str) -> Result<Self, PasswordError> {
        let n = s.chars().count();
        if n < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if n > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        if !crate::domain::text::is_plain_line(s) {
            return Err(PasswordError::ControlCharacters);
        }
        let lower = s.to_lowercase();
        if COMMON.lines().any(|c| c == lower) {
            return Err(PasswordError::Common);
        }
        Ok(Self(s.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Argon2 runs at once, process-wide. Each takes 19 MiB and a core for tens
/// of milliseconds: more at once than there are cores finishes no sooner and
/// only adds memory (64 sign-ins together took serve's RSS past 250 MB).
const AT_ONCE: usize = 2;

static BUSY: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static FREED: std::sync::Condvar = std::sync::Condvar::new();

/// The count of running hashes. A poisoned count is still a count: a
/// panicking hash gives its place back when [`Place`] drops.
fn busy() -> std::sync::MutexGuard<'static, usize> {
    BUSY.lock().unwrap_or_else(|p| p.into_inner())
}

/// One of the [`AT_ONCE`] places, given back on drop.
struct Place;

impl Drop for Place {
    fn drop(&mut self) {
        *busy() -= 1;
        FREED.notify_one();
    }
}

/// Runs `f` when one of the [`AT_ONCE`] places is free.
fn in_turn<T>(f: impl FnOnce() -> T) -> T {
    let mut n = busy();
    while *n >= AT_ONCE {
        n = FREED.wait(n).unwrap_or_else(|p| p.into_inner());
    }
    *n += 1;
    drop(n);
    let _place = Place;
    f()
}

/// Argon2id PHC string for `password`.
pub fn hash(password: &NewPassword) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    in_turn(|| {
        Ok(Argon2::default()
            .hash_password(password.0.as_bytes(), &salt)?
            .to_string())
    })
}

/// True when `password` matches `stored`. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    // Overlong input is refused before hashing so it cannot cost CPU.
    if password.len() > MAX_CHARS * 4 {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => in_turn(|| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so a wrong
/// email takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(b"not-a-real-password-at-all", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert_eq!(NewPassword::parse("short").unwrap_err(), PasswordError::TooShort);
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).unwrap_err(),
            PasswordError::TooLong
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(
            NewPassword::parse(&"é".repeat(128)).is_ok(),
            "counts characters, not bytes"
        );
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(COMMON.lines().count() >= 1000);
        for p in ["password", "Password1", "12345678", "qwertyuiop"] {
            assert_eq!(NewPassword::parse(p).unwrap_err(), PasswordError::Common, "{p}");
        }
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let p = NewPassword::parse("a long enough passphrase").unwrap();
        let h = hash(&p).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("a long enough passphrase", &h));
        assert!(!verify("a long enough passphrasf", &h));
        assert!(!verify("anything", "not a hash"));
    }
}
