//! Credentials: password rules and hashing, one-time link tokens, sessions.
//! Web-free so the CLI and the web layer share it.

pub mod browser;
pub mod password;
pub mod second_step;
pub mod signin;
pub mod throttle;
pub mod tokens;
pub mod totp;
