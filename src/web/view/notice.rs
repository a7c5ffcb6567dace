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
    let ok = raw.starts_with("/clinic")
        && !raw.contains("//")
        && !raw.contains('\\')
        && raw.chars().all(|c| c.is_ascii_graphic());
    if ok {
        raw
    } else {
        "/clinic"
    }
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
