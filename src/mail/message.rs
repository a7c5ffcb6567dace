//! Email content: the templates (subject, plain text, HTML) and the lettre
//! message built from a rendered outbox row.
//!
//! Privacy (clinical reference, section 6): alert emails carry only the
//! clinic's name, a count, opaque references and links behind sign-in. The
//! data structs below have no field for anything about a patient, so a
//! caller cannot put a name, symptom or note into an alert by mistake.

use crate::i18n::Tr;
use askama::Template;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

/// A rendered email, as stored in the outbox and handed to the mailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// Full Message-ID with angle brackets, e.g. `<outbox-123.abcd@aftercare>`.
    /// Stable per outbox row so that a retried send is recognisably the same
    /// message to the receiving side.
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The From display name, e.g. the clinic's name on a reminder.
    pub sender_name: Option<String>,
    /// An RFC 8058 one-click unsubscribe URL (`List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
    pub list_unsubscribe: Option<String>,
}

/// Why an [`OutgoingEmail`] cannot become a message. Retrying never helps.
/// The messages name no address, so they are safe to log and store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the sender address is not a valid mailbox")]
    InvalidFrom,
    #[error("the recipient address is not a valid mailbox")]
    InvalidRecipient,
    #[error("the subject contains a line break or control character")]
    InvalidSubject,
    #[error("the Message-ID is not of the form <id@domain>")]
    InvalidMessageId,
    #[error("the sender name contains a line break or control character")]
    InvalidSenderName,
    #[error("the unsubscribe URL is not a plain https or http URL")]
    InvalidUnsubscribe,
    #[error("the message could not be built: {0}")]
    Build(String),
}

/// Builds the MIME message: multipart/alternative (text, then HTML), an
/// explicit Message-ID and a Date. Only lettre's typed builder is used, and
/// every caller-supplied header value is checked first, so nothing can add
/// headers through a CR/LF.
pub fn build_message(email: &OutgoingEmail, from: &str) -> Result<Message, MessageError> {
    let mut from: Mailbox = from.parse().map_err(|_| MessageError::InvalidFrom)?;
    if let Some(name) = email.sender_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        if has_control(name) {
            return Err(MessageError::InvalidSenderName);
        }
        from.name = Some(name.to_string());
    }
    if has_control(&email.to) {
        return Err(MessageError::InvalidRecipient);
    }
    let to: Mailbox = email.to.parse().map_err(|_| MessageError::InvalidRecipient)?;
    if has_control(&email.subject) {
        return Err(MessageError::InvalidSubject);
    }
    if !is_valid_message_id(&email.message_id) {
        return Err(MessageError::InvalidMessageId);
    }
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.as_str())
        .message_id(Some(email.message_id.clone()))
        .date_now();
    if let Some(url) = &email.list_unsubscribe {
        if !is_plain_url(url) {
            return Err(MessageError::InvalidUnsubscribe);
        }
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| MessageError::Build(e.to_string()))
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// An http(s) URL of visible ASCII with no angle brackets or spaces: safe
/// inside `List-Unsubscribe: <…>`.
fn is_plain_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 900
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>' && b != b',')
}

/// `<left@right>`, visible ASCII only, no spaces or brackets inside: the
/// header is passed through verbatim by lettre, so it must be checked here.
pub fn is_valid_message_id(id: &str) -> bool {
    let Some(inner) = id.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else {
        return false;
    };
    let ok_char = |c: char| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '@' | '"' | '\\' | '(' | ')' | ',');
    match inner.split_once('@') {
        Some((left, right)) => {
            !left.is_empty() && !right.is_empty() && left.chars().all(ok_char) && right.chars().all(ok_char)
        }
        None => false,
    }
}

/// Subject, plain text body, HTML body.
pub type Rendered = (String, String, String);

pub const URGENT_SUBJECT: &str = "Urgent: a patient needs a same-day call";
pub const REVIEW_SUBJECT: &str = "New item for review";
pub const ESCALATION_SUBJECT: &str = "Escalation: an urgent item has not been acknowledged";
pub const TEST_SUBJECT: &str = "Aftercare test email";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertSeverity {
    Urgent,
    Review,
}

/// One urgent or review alert to the clinic (normally one reference).
#[derive(Debug, Clone)]
pub struct AlertEmail<'a> {
    pub severity: AlertSeverity,
    pub clinic_name: &'a str,
    /// Base URL without a trailing slash (a trailing one is tolerated).
    pub public_url: &'a str,
    /// Opaque flag references such as `AC-7F3K2Q`: in an urgent alert, the
    /// urgent items only (each needs a call).
    pub references: &'a [String],
    /// Review items raised with them, only counted (on their own line) in
    /// an urgent alert: they need no call. Zero in a review alert.
    pub also_review: usize,
}

/// The review digest sent at the start of the working day.
#[derive(Debug, Clone)]
pub struct DigestEmail<'a> {
    pub clinic_name: &'a str,
    pub public_url: &'a str,
    pub references: &'a [String],
}

/// An urgent item nobody acknowledged within `window_minutes`.
#[derive(Debug, Clone)]
pub struct EscalationEmail<'a> {
    pub clinic_name: &'a str,
    pub public_url: &'a str,
    pub reference: &'a str,
    pub window_minutes: u32,
}

/// The daily check-in reminder to a patient: no clinical content at all.
#[derive(Debug, Clone)]
pub struct ReminderEmail<'a> {
    /// The patient's language.
    pub tr: Tr,
    pub clinic_name: &'a str,
    pub public_url: &'a str,
    /// The one-click "stop these reminders" link (also in `List-Unsubscribe`).
    pub unsubscribe_url: &'a str,
}

/// A clinic's request for a photo with the next check-in: no clinical content.
#[derive(Debug, Clone)]
pub struct PhotoRequestEmail<'a> {
    /// The patient's language.
    pub tr: Tr,
    pub clinic_name: &'a str,
    pub public_url: &'a str,
}

/// An admin's test of the alert address: no clinical content at all.
#[derive(Debug, Clone)]
pub struct TestEmail<'a> {
    pub clinic_name: &'a str,
    pub public_url: &'a str,
}

/// An invitation for a patient or a member of staff.
#[derive(Debug, Clone)]
pub struct InviteEmail<'a> {
    /// The patient's language (staff invitations are in English).
    pub tr: Tr,
    pub clinic_name: &'a str,
    pub link: &'a str,
    pub for_staff: bool,
}

#[derive(Debug, Clone)]
pub struct PasswordResetEmail<'a> {
    /// The account's language (a patient's own; English for staff).
    pub tr: Tr,
    pub link: &'a str,
}

/// A new staff account, created by an administrator.
#[derive(Debug, Clone)]
pub struct SetPasswordEmail<'a> {
    pub clinic_name: &'a str,
    pub link: &'a str,
}

// What the alert templates see: the severity reduced to a flag and the URL
// trimmed, so templates can join paths without doubling slashes.
struct ListView<'a> {
    urgent: bool,
    clinic_name: &'a str,
    public_url: &'a str,
    references: &'a [String],
    also_review: usize,
}

struct EscalationView<'a> {
    clinic_name: &'a str,
    public_url: &'a str,
    reference: &'a str,
    window_minutes: u32,
}

impl ReminderEmail<'_> {
    fn checkin_url(&self) -> String {
        format!("{}/checkin", self.public_url)
    }
    fn home_url(&self) -> String {
        format!("{}/", self.public_url)
    }
}

impl PhotoRequestEmail<'_> {
    fn home_url(&self) -> String {
        format!("{}/", self.public_url)
    }
}

// Two templates per email share one view; askama wants one struct per file.
// Each email gets one function rendering both bodies under its subject.
macro_rules! text_and_html {
    ($bodies:ident($view:ty) = $text_path:tt, $html_path:tt) => {
        fn $bodies<'a>(subject: String, d: &'a $view) -> Result<Rendered, askama::Error> {
            #[derive(Template)]
            #[template(path = $text_path)]
            struct Text<'a> {
                d: &'a $view,
            }

            #[derive(Template)]
            #[template(path = $html_path)]
            struct Html<'a> {
                d: &'a $view,
            }

            Ok((subject, Text { d }.render()?, Html { d }.render()?))
        }
    };
}

text_and_html!(alert_bodies(ListView<'a>) = "email/alert.txt", "email/alert.html");
text_and_html!(digest_bodies(ListView<'a>) = "email/digest.txt", "email/digest.html");
text_and_html!(escalation_bodies(EscalationView<'a>) = "email/escalation.txt", "email/escalation.html");
text_and_html!(reminder_bodies(ReminderEmail<'a>) = "email/reminder.txt", "email/reminder.html");
text_and_html!(photo_request_bodies(PhotoRequestEmail<'a>) = "email/photo_request.txt", "email/photo_request.html");
text_and_html!(test_bodies(TestEmail<'a>) = "email/test.txt", "email/test.html");
text_and_html!(invite_bodies(InviteEmail<'a>) = "email/invite.txt", "email/invite.html");
text_and_html!(reset_bodies(PasswordResetEmail<'a>) = "email/password_reset.txt", "email/password_reset.html");
text_and_html!(set_password_bodies(SetPasswordEmail<'a>) = "email/set_password.txt", "email/set_password.html");

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// A clinic name goes into some subjects; a stray line break in it must not
/// make every email to that clinic unsendable, so it becomes a space.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub fn render_alert(data: &AlertEmail<'_>) -> Result<Rendered, askama::Error> {
    let view = ListView {
        urgent: data.severity == AlertSeverity::Urgent,
        clinic_name: data.clinic_name,
        public_url: base(data.public_url),
        references: data.references,
        also_review: data.also_review,
    };
    let subject = match data.severity {
        AlertSeverity::Urgent => URGENT_SUBJECT,
        AlertSeverity::Review => REVIEW_SUBJECT,
    };
    alert_bodies(subject.to_string(), &view)
}

pub fn render_digest(data: &DigestEmail<'_>) -> Result<Rendered, askama::Error> {
    let view = ListView {
        urgent: false,
        clinic_name: data.clinic_name,
        public_url: base(data.public_url),
        references: data.references,
        also_review: 0,
    };
    let n = data.references.len();
    let subject = format!("Review digest: {n} {} waiting", if n == 1 { "item" } else { "items" });
    digest_bodies(subject, &view)
}

pub fn render_escalation(data: &EscalationEmail<'_>) -> Result<Rendered, askama::Error> {
    let view = EscalationView {
        clinic_name: data.clinic_name,
        public_url: base(data.public_url),
        reference: data.reference,
        window_minutes: data.window_minutes,
    };
    escalation_bodies(ESCALATION_SUBJECT.to_string(), &view)
}

pub fn render_reminder(data: &ReminderEmail<'_>) -> Result<Rendered, askama::Error> {
    let view = ReminderEmail {
        public_url: base(data.public_url),
        ..data.clone()
    };
    reminder_bodies(data.tr.t("email-reminder-subject"), &view)
}

pub fn render_photo_request(data: &PhotoRequestEmail<'_>) -> Result<Rendered, askama::Error> {
    let view = PhotoRequestEmail {
        tr: data.tr,
        clinic_name: data.clinic_name,
        public_url: base(data.public_url),
    };
    photo_request_bodies(
        data.tr.t1("email-photo-subject", "clinic", one_line(data.clinic_name)),
        &view,
    )
}

pub fn render_test(data: &TestEmail<'_>) -> Result<Rendered, askama::Error> {
    let view = TestEmail {
        clinic_name: data.clinic_name,
        public_url: base(data.public_url),
    };
    test_bodies(TEST_SUBJECT.to_string(), &view)
}

pub fn render_invite(data: &InviteEmail<'_>) -> Result<Rendered, askama::Error> {
    let subject = if data.for_staff {
        format!(
            "You have been invited to join {} on Aftercare",
            one_line(data.clinic_name)
        )
    } else {
        data.tr.t1("email-invite-subject", "clinic", one_line(data.clinic_name))
    };
    invite_bodies(subject, data)
}

pub fn render_password_reset(data: &PasswordResetEmail<'_>) -> Result<Rendered, askama::Error> {
    reset_bodies(data.tr.t("email-reset-subject"), data)
}

pub fn render_set_password(data: &SetPasswordEmail<'_>) -> Result<Rendered, askama::Error> {
    let subject = format!("Your {} account on Aftercare is ready", one_line(data.clinic_name));
    set_password_bodies(subject, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            message_id: "<outbox-1.ab12@aftercare>".into(),
            to: "Clinic Desk <desk@clinic.example>".into(),
            subject: REVIEW_SUBJECT.into(),
            text: "text body".into(),
            html: "<p>html body</p>".into(),
            sender_name: None,
            list_unsubscribe: None,
        }
    }

    #[test]
    fn a_reminder_names_the_clinic_and_offers_one_click_unsubscribe() {
        let mut e = email();
        e.sender_name = Some("Lee Skin Clinic".into());
        e.list_unsubscribe = Some("https://care.example/reminders/unsubscribe/abc_DEF-123".into());
        let m = build_message(&e, "Aftercare <alerts@aftercare.example>").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(
            raw.contains("From: \"Lee Skin Clinic\" <alerts@aftercare.example>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("List-Unsubscribe: <https://care.example/reminders/unsubscribe/abc_DEF-123>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            "{raw}"
        );
        // Without them: the configured sender, no unsubscribe headers.
        let raw = String::from_utf8(build_message(&email(), "Aftercare <a@b.example>").unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: Aftercare <a@b.example>\r\n") && !raw.contains("List-Unsubscribe"),
            "{raw}"
        );
    }

    #[test]
    fn refuses_a_sender_name_or_unsubscribe_url_that_could_add_headers() {
        let mut e = email();
        e.sender_name = Some("Clinic\r\nBcc: evil@example.org".into());
        assert_eq!(
            build_message(&e, "a@b.example").unwrap_err(),
            MessageError::InvalidSenderName
        );
        for bad in [
            "https://x.example/u>\r\nBcc: evil@example.org",
            "javascript:alert(1)",
            "https://x.example/a b",
            "https://x.example/a>, <mailto:evil@example.org",
        ] {
            let mut e = email();
            e.list_unsubscribe = Some(bad.into());
            assert_eq!(
                build_message(&e, "a@b.example").unwrap_err(),
                MessageError::InvalidUnsubscribe,
                "{bad}"
            );
        }
    }

    #[test]
    fn builds_multipart_with_given_message_id() {
        let m = build_message(&email(), "Aftercare <alerts@aftercare.example>").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("Message-ID: <outbox-1.ab12@aftercare>\r\n"), "{raw}");
        assert!(raw.contains("Date: "));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert_eq!(raw.matches("Message-ID:").count(), 1);
    }

    #[test]
    fn refuses_header_injection() {
        let mut e = email();
        e.to = "desk@clinic.example\r\nBcc: evil@example.org".into();
        assert_eq!(
            build_message(&e, "a@b.example").unwrap_err(),
            MessageError::InvalidRecipient
        );
        e.to = "Desk\n <desk@clinic.example>".into();
        assert_eq!(
            build_message(&e, "a@b.example").unwrap_err(),
            MessageError::InvalidRecipient
        );

        let mut e = email();
        e.subject = "Hello\r\nBcc: evil@example.org".into();
        assert_eq!(
            build_message(&e, "a@b.example").unwrap_err(),
            MessageError::InvalidSubject
        );

        let mut e = email();
        e.message_id = "<a@b>\r\nBcc: evil@example.org".into();
        assert_eq!(
            build_message(&e, "a@b.example").unwrap_err(),
            MessageError::InvalidMessageId
        );

        assert_eq!(
            build_message(&email(), "not a mailbox").unwrap_err(),
            MessageError::InvalidFrom
        );
    }

    #[test]
    fn message_id_shape() {
        assert!(is_valid_message_id("<outbox-123.abcd@aftercare>"));
        for bad in ["outbox@x", "<x>", "<@x>", "<x@>", "<a b@x>", "<a@b@c>", "<a@b>\n", ""] {
            assert!(!is_valid_message_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn subjects_with_clinic_names_stay_on_one_line() {
        let (subject, _, _) = render_set_password(&SetPasswordEmail {
            clinic_name: "Skin\r\nBcc: x@y",
            link: "https://a.example/set/abc",
        })
        .unwrap();
        assert!(!has_control(&subject), "{subject:?}");
    }
}
