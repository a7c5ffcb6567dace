//! The mailer against a real SMTP exchange over TCP (the test server in
//! `support::smtp`), the folder mailer, and the email templates' privacy.

use std::time::Duration;

use crate::support::smtp::{Mode, SmtpServer};
use aftercare::config::{MailTransportSettings, Secret, SmtpSecurity, SmtpSettings};
use aftercare::mail::message::{
    build_message, render_alert, render_digest, render_escalation, render_invite, render_password_reset,
    render_reminder, render_set_password, AlertEmail, AlertSeverity, DigestEmail, EscalationEmail, InviteEmail,
    OutgoingEmail, PasswordResetEmail, ReminderEmail, Rendered, SetPasswordEmail, URGENT_SUBJECT,
};
use aftercare::mail::transport::{Delivered, Mailer};

const FROM: &str = "Aftercare <alerts@aftercare.example>";
const PUBLIC_URL: &str = "https://aftercare.example.org";
const WAIT: Duration = Duration::from_secs(5);

fn smtp_mailer(server: &SmtpServer) -> Mailer {
    let settings = MailTransportSettings::Smtp(SmtpSettings {
        host: server.host(),
        port: server.port(),
        security: SmtpSecurity::Off,
        username: None,
        password: None,
    });
    Mailer::new(&settings, FROM).expect("mailer")
}

fn urgent_alert(n: u32) -> OutgoingEmail {
    let refs = vec!["AC-7F3K2Q".to_string()];
    let (subject, text, html) = render_alert(&AlertEmail {
        severity: AlertSeverity::Urgent,
        clinic_name: "Harbour Skin Clinic",
        public_url: PUBLIC_URL,
        references: &refs,
        also_review: 0,
    })
    .expect("render");
    OutgoingEmail {
        message_id: format!("<outbox-{n}.k2q9@aftercare>"),
        to: "Desk <desk@harbour-clinic.example>".into(),
        subject,
        text,
        html,
        sender_name: None,
        list_unsubscribe: None,
    }
}

#[tokio::test]
async fn smtp_delivers_with_message_id_subject_and_text() {
    let server = SmtpServer::start_new().await;
    let mailer = smtp_mailer(&server);
    let delivered = mailer.send(&urgent_alert(1)).await.expect("sent");
    assert!(
        matches!(delivered, Delivered::Smtp { ref response } if response.starts_with("250")),
        "{delivered:?}"
    );

    let got = server.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.from, "alerts@aftercare.example");
    assert_eq!(m.recipients, vec!["desk@harbour-clinic.example".to_string()]);
    assert_eq!(m.message_id.as_deref(), Some("<outbox-1.k2q9@aftercare>"));
    assert_eq!(m.subject.as_deref(), Some(URGENT_SUBJECT));
    let text = m.decoded_text();
    assert!(text.contains("Harbour Skin Clinic"), "{text}");
    assert!(
        text.contains("https://aftercare.example.org/clinic/flags/AC-7F3K2Q"),
        "{text}"
    );
    assert!(text.contains("sign in"), "{text}");
    let html = m.decoded_html();
    assert!(
        html.contains("href=\"https://aftercare.example.org/clinic/flags/AC-7F3K2Q\""),
        "{html}"
    );
}

#[tokio::test]
async fn smtp_dot_stuffing_round_trips() {
    let server = SmtpServer::start_new().await;
    let mut email = urgent_alert(2);
    email.text = "line one\n.\n..two dots\n.leading dot\nend".into();
    smtp_mailer(&server).send(&email).await.expect("sent");
    let got = server.wait_for(1, WAIT).await;
    assert_eq!(got[0].decoded_text(), "line one\n.\n..two dots\n.leading dot\nend");
}

#[tokio::test]
async fn smtp_several_connections_at_once() {
    let server = SmtpServer::start_new().await;
    let mailer = smtp_mailer(&server);
    let emails: Vec<OutgoingEmail> = (10..16).map(urgent_alert).collect();
    let results = futures_util::future::join_all(emails.iter().map(|e| mailer.send(e))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let got = server.wait_for(6, WAIT).await;
    let mut ids: Vec<String> = got.iter().filter_map(|m| m.message_id.clone()).collect();
    ids.sort();
    let mut want: Vec<String> = emails.iter().map(|e| e.message_id.clone()).collect();
    want.sort();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn smtp_temporary_failure_is_transient() {
    let server = SmtpServer::start_new().await;
    server.set_mode(Mode::TempFail);
    let mailer = smtp_mailer(&server);
    let err = mailer.send(&urgent_alert(3)).await.expect_err("refused");
    assert!(!err.permanent, "{err:?}");
    assert!(err.message.contains("451"), "{err:?}");
    assert!(!err.message.contains("desk@harbour-clinic.example"), "{err:?}");

    // The same mailer (and pool) delivers once the server accepts again.
    server.set_mode(Mode::Accept);
    mailer.send(&urgent_alert(3)).await.expect("sent after recovery");
    assert_eq!(server.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn smtp_permanent_failure_is_permanent() {
    let server = SmtpServer::start_new().await;
    server.set_mode(Mode::PermFail);
    let err = smtp_mailer(&server).send(&urgent_alert(4)).await.expect_err("refused");
    assert!(err.permanent, "{err:?}");
    assert!(err.message.contains("550"), "{err:?}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn smtp_server_down_is_transient_and_recovers_on_same_port() {
    let server = SmtpServer::start_new().await;
    let mailer = smtp_mailer(&server);
    mailer.send(&urgent_alert(5)).await.expect("sent while up");

    server.stop().await;
    let err = mailer.send(&urgent_alert(6)).await.expect_err("server down");
    assert!(!err.permanent, "{err:?}");

    server.start().await;
    mailer.send(&urgent_alert(6)).await.expect("sent after restart");
    let got = server.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].message_id.as_deref(), Some("<outbox-6.k2q9@aftercare>"));
}

/// SMTP_SECURITY=tls and starttls against a server offering neither: the
/// connection is refused as a TLS problem that may pass (retried), never sent
/// in the clear.
#[tokio::test]
async fn tls_modes_refuse_a_server_without_tls_and_retry() {
    let server = SmtpServer::start_new().await;
    for security in [SmtpSecurity::Tls, SmtpSecurity::StartTls] {
        let settings = MailTransportSettings::Smtp(SmtpSettings {
            host: server.host(),
            port: server.port(),
            security,
            username: None,
            password: None,
        });
        let mailer = Mailer::new(&settings, FROM).expect("mailer");
        let err = mailer.send(&urgent_alert(11)).await.expect_err("no TLS offered");
        assert!(!err.permanent, "{security:?}: {err:?}");
        let words = aftercare::mail::transport::in_words(&err.message);
        if security == SmtpSecurity::Tls {
            assert!(words.contains("secure connection"), "{err:?} -> {words}");
        } else {
            assert!(err.message.contains("STARTTLS"), "{err:?}");
        }
    }
    assert!(server.messages().is_empty(), "nothing sent in the clear");
}

/// Sends over a pooled connection after the server dropped it: the pool
/// notices (NOOP) and opens a new one, so no send fails for it.
#[tokio::test]
async fn a_pooled_connection_the_server_dropped_is_replaced_without_a_failed_send() {
    let server = SmtpServer::start_new().await;
    let mailer = smtp_mailer(&server);
    mailer.send(&urgent_alert(12)).await.expect("sent");
    server.stop().await;
    server.start().await;
    mailer.send(&urgent_alert(13)).await.expect("sent on a new connection");
    assert_eq!(server.wait_for(2, WAIT).await.len(), 2);
}

#[tokio::test]
async fn smtp_errors_never_show_the_password() {
    // Nothing listens on this port once the server is stopped.
    let server = SmtpServer::start_new().await;
    server.stop().await;
    let settings = MailTransportSettings::Smtp(SmtpSettings {
        host: server.host(),
        port: server.port(),
        security: SmtpSecurity::Off,
        username: Some("apikey".into()),
        password: Some(Secret::new("hunter2-very-secret")),
    });
    let mailer = Mailer::new(&settings, FROM).expect("mailer");
    let err = mailer.send(&urgent_alert(7)).await.expect_err("down");
    assert!(
        !err.message.contains("hunter2") && !mailer.describe().contains("hunter2"),
        "{err:?}"
    );
    assert!(!mailer.describe().contains("apikey"));
}

#[tokio::test]
async fn refused_addresses_and_header_injection_are_permanent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mailer = Mailer::new(&MailTransportSettings::Dir(dir.path().to_path_buf()), FROM).expect("mailer");
    for (to, subject) in [
        (
            "desk@harbour-clinic.example\r\nBcc: someone@evil.example",
            URGENT_SUBJECT,
        ),
        ("not an address", URGENT_SUBJECT),
        ("desk@harbour-clinic.example", "Hi\r\nBcc: someone@evil.example"),
    ] {
        let mut email = urgent_alert(8);
        email.to = to.into();
        email.subject = subject.into();
        let err = mailer.send(&email).await.expect_err("refused");
        assert!(err.permanent, "{to:?} {subject:?}: {err:?}");
        assert!(build_message(&email, FROM).is_err());
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 0);
}

#[tokio::test]
async fn dir_mailer_writes_an_eml_file_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("mail");
    let mailer = Mailer::new(&MailTransportSettings::Dir(folder.clone()), FROM).expect("mailer");
    assert!(mailer.describe().contains("mail"));
    let delivered = mailer.send(&urgent_alert(9)).await.expect("written");
    let Delivered::File { path } = delivered else {
        panic!("expected a file: {delivered:?}");
    };
    assert_eq!(path, folder.join("outbox-9.k2q9@aftercare.eml"));
    let raw = std::fs::read_to_string(&path).expect("read eml");
    assert!(raw.contains("Message-ID: <outbox-9.k2q9@aftercare>"), "{raw}");
    assert!(raw.contains(&format!("Subject: {URGENT_SUBJECT}")), "{raw}");

    // Sending the same row again replaces the file; no temporary files remain.
    mailer.send(&urgent_alert(9)).await.expect("written again");
    let names: Vec<String> = std::fs::read_dir(&folder)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["outbox-9.k2q9@aftercare.eml".to_string()]);
}

/// What a patient record might hold. None of it has anywhere to go in the
/// email data structs; this checks nothing leaks in through what does.
struct Patient {
    name: &'static str,
    email: &'static str,
    symptom: &'static str,
    note: &'static str,
}

const PATIENT: Patient = Patient {
    name: "Margaret Okonkwo",
    email: "margaret.okonkwo@patient.example",
    symptom: "yellow crusting",
    note: "pain 8 out of 10",
};

fn all_rendered(refs: &[String]) -> Vec<(&'static str, Rendered)> {
    let clinic = "Harbour Skin Clinic";
    vec![
        (
            "urgent",
            render_alert(&AlertEmail {
                severity: AlertSeverity::Urgent,
                clinic_name: clinic,
                public_url: PUBLIC_URL,
                references: &refs[..1],
                also_review: 0,
            })
            .unwrap(),
        ),
        (
            "review",
            render_alert(&AlertEmail {
                severity: AlertSeverity::Review,
                clinic_name: clinic,
                public_url: PUBLIC_URL,
                references: &refs[..1],
                also_review: 0,
            })
            .unwrap(),
        ),
        (
            "digest",
            render_digest(&DigestEmail {
                clinic_name: clinic,
                public_url: PUBLIC_URL,
                references: refs,
            })
            .unwrap(),
        ),
        (
            "escalation",
            render_escalation(&EscalationEmail {
                clinic_name: clinic,
                public_url: PUBLIC_URL,
                reference: &refs[0],
                window_minutes: 30,
            })
            .unwrap(),
        ),
        (
            "reminder",
            render_reminder(&ReminderEmail {
                tr: aftercare::i18n::Tr::EN,
                clinic_name: clinic,
                public_url: PUBLIC_URL,
                unsubscribe_url: "https://aftercare.example.org/reminders/unsubscribe/tok789",
            })
            .unwrap(),
        ),
        (
            "invite",
            render_invite(&InviteEmail {
                tr: aftercare::i18n::Tr::EN,
                clinic_name: clinic,
                link: "https://aftercare.example.org/invite/tok123",
                for_staff: false,
            })
            .unwrap(),
        ),
        (
            "staff invite",
            render_invite(&InviteEmail {
                tr: aftercare::i18n::Tr::EN,
                clinic_name: clinic,
                link: "https://aftercare.example.org/invite/tok123",
                for_staff: true,
            })
            .unwrap(),
        ),
        (
            "password reset",
            render_password_reset(&PasswordResetEmail {
                tr: aftercare::i18n::Tr::EN,
                link: "https://aftercare.example.org/reset/tok456",
            })
            .unwrap(),
        ),
        (
            "set password",
            render_set_password(&SetPasswordEmail {
                clinic_name: clinic,
                link: "https://aftercare.example.org/set/tok789",
            })
            .unwrap(),
        ),
    ]
}

#[test]
fn templates_carry_no_patient_details() {
    let refs = vec![
        "AC-7F3K2Q".to_string(),
        "AC-9D2M4X".to_string(),
        "AC-3H8P1Z".to_string(),
    ];
    for (which, (subject, text, html)) in all_rendered(&refs) {
        for part in [&subject, &text, &html] {
            for secret in [
                PATIENT.name,
                "Margaret",
                "Okonkwo",
                PATIENT.email,
                PATIENT.symptom,
                PATIENT.note,
            ] {
                assert!(!part.contains(secret), "{which} contains {secret:?}: {part}");
            }
        }
        assert!(!subject.is_empty() && !text.is_empty(), "{which}");
        assert!(
            html.contains("<html lang=\"en\">") && html.contains("<h1"),
            "{which}: {html}"
        );
        assert!(!text.contains('<'), "{which} text has markup: {text}");
    }
}

#[test]
fn alert_templates_have_exact_subjects_and_links() {
    let refs = vec!["AC-7F3K2Q".to_string(), "AC-9D2M4X".to_string()];
    let all = all_rendered(&refs);
    let get = |w: &str| all.iter().find(|(n, _)| *n == w).map(|(_, r)| r.clone()).unwrap();

    let (subject, text, html) = get("urgent");
    assert_eq!(subject, "Urgent: a patient needs a same-day call");
    assert!(text.contains("1 item") && text.contains("AC-7F3K2Q"), "{text}");
    assert!(text.contains("https://aftercare.example.org/clinic/flags/AC-7F3K2Q"));
    assert!(html.contains(">Open item AC-7F3K2Q</a>"), "{html}");
    assert!(text.contains("only after you sign in"));

    assert_eq!(get("review").0, "New item for review");

    let (subject, text, _) = get("digest");
    assert!(subject.contains('2'), "{subject}");
    assert!(
        text.contains("2 items") && text.contains("AC-7F3K2Q") && text.contains("AC-9D2M4X"),
        "{text}"
    );
    assert!(text.contains("/clinic/flags/AC-9D2M4X"));

    let (subject, text, _) = get("escalation");
    assert_eq!(subject, "Escalation: an urgent item has not been acknowledged");
    assert!(
        text.contains("30 minutes") && text.contains("/clinic/flags/AC-7F3K2Q"),
        "{text}"
    );

    let (subject, text, html) = get("reminder");
    assert_eq!(subject, "Time for today's recovery check-in");
    assert!(text.contains("https://aftercare.example.org/checkin"), "{text}");
    assert!(html.contains("href=\"https://aftercare.example.org/\""), "{html}");
    // Issue 11: the clinic is named (a reminder from an unknown sender is
    // ignored), with the one-click unsubscribe link; still nothing clinical.
    assert!(
        text.contains("Harbour Skin Clinic") && !text.contains("flags"),
        "{text}"
    );
    assert!(text.contains("/reminders/unsubscribe/tok789") && html.contains("/reminders/unsubscribe/tok789"));

    let (_, text, _) = get("invite");
    assert!(text.contains("Harbour Skin Clinic") && text.contains("7 days") && text.contains("/invite/tok123"));
    let (_, text, _) = get("password reset");
    assert!(text.contains("1 hour") && text.contains("did not ask") && text.contains("/reset/tok456"));
    let (_, text, _) = get("set password");
    assert!(text.contains("7 days") && text.contains("/set/tok789"));
}

#[test]
fn html_escapes_clinic_names_and_urls_tolerate_trailing_slash() {
    let refs = vec!["AC-7F3K2Q".to_string()];
    let (_, text, html) = render_alert(&AlertEmail {
        severity: AlertSeverity::Review,
        clinic_name: "Skin & <b>Co</b>",
        public_url: "https://aftercare.example.org/",
        references: &refs,
        also_review: 0,
    })
    .unwrap();
    assert!(
        html.contains("Skin &#38; &#60;b&#62;Co&#60;/b&#62;") || html.contains("Skin &amp; &lt;b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>Co"), "{html}");
    assert!(text.contains("Skin & <b>Co</b>"), "text is not escaped: {text}");
    assert!(
        text.contains("https://aftercare.example.org/clinic/flags/AC-7F3K2Q"),
        "{text}"
    );
}
