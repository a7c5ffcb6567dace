//! After a POST a page redirects with `?notice=code`; the page it lands on
//! shows the code's sentence. Every code and its words live here, so the
//! handler that redirects and the page that shows it cannot drift apart.

use serde::Deserialize;

/// `?notice=code` on any page.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub notice: Option<String>,
}

impl NoticeQuery {
    /// The sentence for the code, if it is one of ours.
    pub fn text(&self) -> Option<&'static str> {
        notice_text(self.notice.as_deref()?)
    }
}

const NOTICES: &[(&str, &str)] = &[
    // Signing in and out, accounts.
    (
        "setup",
        "Your clinic is ready. Sign in with the admin account you just created.",
    ),
    ("signed-out", "You have signed out."),
    ("password", "Your password is set. Sign in with it now."),
    ("signed-out-everywhere", "You have signed out on every device."),
    (
        "changed",
        "Your password is changed. Every other device you were signed in on is now signed out.",
    ),
    ("session-ended", "That session is signed out."),
    ("session-gone", "That session had already ended."),
    // Flags.
    ("acknowledged", "Flag acknowledged."),
    ("resolved", "Flag resolved."),
    (
        "already",
        "That flag had already changed state; the page shows it as it is now.",
    ),
    ("acknowledged-all", "That patient's flags are acknowledged."),
    (
        "acknowledged-all-new",
        "The flags you saw are acknowledged. A flag raised since you opened the page is still open: look at it now.",
    ),
    ("resolved-all", "That patient's flags are resolved."),
    (
        "resolved-all-new",
        "The flags you saw are resolved. A flag raised since you opened the page is still waiting: look at it now.",
    ),
    // Patients.
    ("treatment", "Treatment added."),
    (
        "invite-resent",
        "A new invitation is on its way. The link in it works once, for 7 days; earlier links no longer work.",
    ),
    (
        "closed",
        "Follow-up closed: no more reminders or missed check-in flags for this patient.",
    ),
    (
        "reopened",
        "Follow-up reopened: reminders and missed check-in flags run again.",
    ),
    ("corrected", "Correction saved and recorded in the audit log."),
    (
        "unchanged",
        "Nothing was changed: the form held the values already recorded.",
    ),
    // Settings, rules, outbox.
    ("saved", "Settings saved."),
    (
        "test-email",
        "Test email queued to the alert address. Its outcome shows below; reload the page to see it change.",
    ),
    (
        "rules",
        "New rule settings saved as a new version. Flags already raised keep the version that raised them.",
    ),
    ("retried", "The email will be tried again now."),
    ("not-retried", "That email was already sent."),
    (
        "sending",
        "That email is being sent right now; if this attempt fails it is tried again automatically.",
    ),
    // Staff.
    ("invited", "Invitation sent. The link in it works once, for 7 days."),
    (
        "token-revoked",
        "Token revoked. Requests made with it are refused from now on.",
    ),
    ("disabled", "Account disabled. Its sessions have ended."),
    (
        "totp-reset",
        "Second factor reset. That person is signed out and sets it up again.",
    ),
    ("totp-required", "Two-step sign-in setting saved."),
    ("enabled", "Account enabled again."),
    ("role", "Role changed."),
];

/// The sentence for a notice code; `None` for anything else (a hand-typed
/// URL shows no notice rather than its text).
pub fn notice_text(code: &str) -> Option<&'static str> {
    NOTICES.iter().find(|(c, _)| *c == code).map(|(_, text)| *text)
}

/// Adds `notice=code` to a local path.
pub fn with_notice(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}notice={code}")
}

/// A local path to go back to after a POST; anything else goes to the queue
/// (no open redirects).
pub fn safe_back(raw: &str) -> &str {
    match local_path(raw) {
        Some(p) if p.starts_with("/clinic") && !p.contains("//") => p,
        _ => "/clinic",
    }
}

/// `raw` when it is a path on this site (for `next=` and back links), else
/// `None`. Refused: anything not starting with one `/` (absolute URLs,
/// `javascript:`, relative paths), `//host` and `/\host` (browsers read both
/// as another host), any backslash, space or control character, non-ASCII,
/// and the same forms percent-encoded once more (`/%2F%2Fhost`, `%2F%5Chost`).
pub fn local_path(raw: &str) -> Option<&str> {
    /// One `/`, then not a second `/` or `\\` (either makes `//host`).
    fn rooted(p: &str) -> bool {
        let mut chars = p.chars();
        chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'))
    }
    let visible = raw.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    if raw.len() > 2000 || !visible || !rooted(raw) {
        return None;
    }
    // The same checks once more after one more decoding: a hop through
    // anything that decodes again must not turn it into another host.
    let decoded = percent_decoded(raw);
    if !rooted(&decoded) || decoded.contains('\\') || decoded.chars().any(char::is_control) {
        return None;
    }
    // Belt and braces: resolved against this site, it stays on this site.
    let base = url::Url::parse("http://this.invalid/").ok()?;
    let joined = base.join(raw).ok()?;
    (joined.origin() == base.origin()).then_some(raw)
}

/// `%XX` decoded once (ASCII input; an invalid escape stays as it is).
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_links_stay_on_the_dashboard() {
        assert_eq!(safe_back("/clinic/patients/3"), "/clinic/patients/3");
        assert_eq!(safe_back("https://evil.example/clinic"), "/clinic");
        assert_eq!(safe_back("//evil.example"), "/clinic");
        assert_eq!(safe_back("/clinic//evil"), "/clinic");
        assert_eq!(safe_back("/login"), "/clinic");
    }

    #[test]
    fn only_paths_on_this_site_are_local() {
        for ok in [
            "/clinic/flags/AC-7F3K2Q",
            "/clinic/patients?q=ada%20lee&page=2",
            "/checkin",
            "/",
            "/clinic/flags/AC-1#history",
        ] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "//evil.example",
            "//evil.example/clinic",
            "/\\evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "https://evil.example/clinic",
            "http:/evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " /clinic",
            "/clinic\r\nSet-Cookie: x=1",
            "/clinic\tx",
            "clinic/flags",
            "/%2F%2Fevil.example",
            "/%2fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "%2F%2Fevil.example",
            "/clinic/%0d%0aSet-Cookie:x",
            "/clinic/\u{e9}",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn notices_are_known_codes_only() {
        assert_eq!(notice_text("saved"), Some("Settings saved."));
        assert_eq!(notice_text("<script>"), None);
        let mut codes: Vec<&str> = NOTICES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), NOTICES.len(), "each code once");
        assert_eq!(with_notice("/clinic?page=2", "saved"), "/clinic?page=2&notice=saved");
    }
}
