//! The second factor's mechanics (RFC 6238: SHA-1, 6 digits, 30 s, ±1
//! step), the secret's encryption at rest, recovery codes and the QR code.
//! No database here: `app::totp` keeps the state.

use crate::config::TotpKey;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::RngCore;
use totp_rs::{Builder, Secret, Totp};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// A fresh 160-bit secret (RFC 4226's recommended length).
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn totp(secret: &[u8], account_name: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .with_issuer(Some("Aftercare"))
        .with_account_name(account_name.replace(':', ""))
        .build()
        .ok()
}

/// The secret as people type it into an authenticator app.
pub fn secret_text(secret: &[u8]) -> String {
    Secret::new(secret.to_vec().into_boxed_slice()).to_base32()
}

/// The `otpauth://` URL the QR code carries.
pub fn otpauth_url(secret: &[u8], account_name: &str) -> Option<String> {
    totp(secret, account_name)?.to_url().ok()
}

/// The time step `code` belongs to at `now` (within ±1 step), if it is right.
pub fn check(secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs = u64::try_from(now.timestamp()).ok()?;
    let step = totp(secret, "")?.check(&code, secs)?;
    i64::try_from(step).ok()
}

/// The code for `now` (tests, and nothing else, need to make one).
pub fn code_at(secret: &[u8], now: DateTime<Utc>) -> String {
    let secs = u64::try_from(now.timestamp()).unwrap_or(0);
    totp(secret, "")
        .map(|t| t.generate(secs).to_string())
        .unwrap_or_default()
}

/// Encrypts `secret` with `key`: base64 of a random 24-byte nonce followed
/// by the ciphertext (XChaCha20-Poly1305, so a random nonce is safe).
pub fn seal(key: &TotpKey, secret: &[u8]) -> String {
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    // Encryption with a valid key and nonce cannot fail for a short input.
    let sealed = cipher.encrypt(XNonce::from_slice(&nonce), secret).unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend(sealed);
    STANDARD.encode(out)
}

/// Decrypts what [`seal`] made; `None` with the wrong key or tampered data.
pub fn open(key: &TotpKey, sealed: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(sealed).ok()?;
    if bytes.len() < 24 {
        return None;
    }
    let (nonce, body) = bytes.split_at(24);
    XChaCha20Poly1305::new((&key.0).into())
        .decrypt(XNonce::from_slice(nonce), body)
        .ok()
}

/// Ten recovery codes like `7kq2-m9xd-4hpw` (60 bits each, no look-alike
/// characters): (what the person writes down, what is stored).
pub fn new_recovery_codes() -> Vec<(String, String)> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 12];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            let code = format!(
                "{}-{}-{}",
                chars[0..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..12].iter().collect::<String>()
            );
            let hash = recovery_hash(&code);
            (code, hash)
        })
        .collect()
}

/// The stored form of a recovery code as typed (case, spaces and dashes
/// do not matter).
pub fn recovery_hash(typed: &str) -> String {
    let norm: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    super::tokens::hash(&format!("recovery:{norm}"))
}

/// The QR code of `url` as an SVG, drawn on the server (no JavaScript).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s.
        let secret = b"12345678901234567890";
        let at = Utc.timestamp_opt(59, 0).unwrap();
        assert_eq!(code_at(secret, at), "287082");
        assert_eq!(check(secret, "287082", at), Some(1));
        assert_eq!(check(secret, "287 082", at), Some(1));
        assert_eq!(check(secret, "28708", at), None);
    }

    #[test]
    fn one_step_either_side_and_no_more() {
        let secret = new_secret();
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 15).unwrap();
        let code = code_at(&secret, t);
        assert!(check(&secret, &code, t + chrono::Duration::seconds(30)).is_some());
        assert!(check(&secret, &code, t - chrono::Duration::seconds(30)).is_some());
        assert!(check(&secret, &code, t + chrono::Duration::seconds(60)).is_none());
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let key = TotpKey([7; 32]);
        let secret = new_secret();
        let sealed = seal(&key, &secret);
        assert_ne!(seal(&key, &secret), sealed, "a fresh nonce each time");
        assert_eq!(open(&key, &sealed), Some(secret));
        assert_eq!(open(&TotpKey([8; 32]), &sealed), None);
        assert_eq!(open(&key, "not base64!"), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_as_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let (code, hash) = &codes[0];
        assert_eq!(&recovery_hash(&code.to_uppercase().replace('-', " ")), hash);
        let unique: std::collections::HashSet<_> = codes.iter().map(|c| &c.1).collect();
        assert_eq!(unique.len(), 10);
    }

    #[test]
    fn qr_is_an_svg() {
        let url = otpauth_url(&new_secret(), "ada@clinic.example").unwrap();
        assert!(url.starts_with("otpauth://totp/Aftercare:"));
        assert!(qr_svg(&url).unwrap().contains("<svg"));
    }
}
