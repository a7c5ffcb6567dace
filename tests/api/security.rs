//! Issue 15: a sign-in throttle that cannot lock people out, capped reset
//! emails, and the smaller holes (control characters, Content-Type, the
//! flag page's audit row, the retry race).

use crate::access::{fixtures, X_ADMIN, X_CLINICIAN};
use crate::support::app::*;
use chrono::Duration;

/// Signs out `client` (keeping its device cookie).
async fn sign_out_on(app: &TestApp, client: &reqwest::Client) {
    let csrf = csrf_on(app, client, "/account/password").await;
    let r = client
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn an_attacker_failing_on_purpose_cannot_keep_the_victim_out_of_a_known_device() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    // The victim has signed in from this browser before.
    let victim = new_client();
    assert_eq!(sign_in_on(&app, &victim, X_CLINICIAN, PASSWORD).await, 303);
    sign_out_on(&app, &victim).await;

    let attacker = new_client();
    for _ in 0..5 {
        assert_eq!(sign_in_on(&app, &attacker, X_CLINICIAN, "wrong password!").await, 401);
    }
    assert_eq!(app.audit("signin.locked").len(), 1, "the lock-out is audited once");
    // The attacker keeps trying, one a minute: refused, and the victim's own
    // device still gets in every time.
    for minute in 0..3 {
        assert_eq!(sign_in_on(&app, &attacker, X_CLINICIAN, "wrong again!").await, 429);
        assert_eq!(
            sign_in_on(&app, &victim, X_CLINICIAN, PASSWORD).await,
            303,
            "minute {minute}: the known device signs in"
        );
        sign_out_on(&app, &victim).await;
        app.clock.advance(Duration::seconds(60));
        assert_eq!(sign_in_on(&app, &attacker, X_CLINICIAN, "wrong again!").await, 401);
    }
    // An unknown device is slowed, even with the right password, until the
    // budget refills.
    let unknown = new_client();
    assert_eq!(sign_in_on(&app, &unknown, X_CLINICIAN, PASSWORD).await, 429);
    app.clock.advance(Duration::seconds(60));
    assert_eq!(sign_in_on(&app, &unknown, X_CLINICIAN, PASSWORD).await, 303);
    // The victim's device is trusted for its own account only.
    assert_eq!(sign_in_on(&app, &victim, X_ADMIN, "wrong password!").await, 401);
}

#[tokio::test]
async fn six_correct_sign_ins_in_a_minute_all_succeed() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    for i in 0..6 {
        // Each from a brand-new browser: no device cookie helps.
        let b = new_client();
        assert_eq!(sign_in_on(&app, &b, X_CLINICIAN, PASSWORD).await, 303, "sign-in {i}");
    }
    // One typo among many correct sign-ins is far from any limit.
    assert_eq!(sign_in_on(&app, &new_client(), X_CLINICIAN, "typo").await, 401);
    assert_eq!(sign_in_on(&app, &new_client(), X_CLINICIAN, PASSWORD).await, 303);
    assert!(app.audit("signin.locked").is_empty());
}

#[tokio::test]
async fn reset_emails_to_one_account_are_capped_and_the_answer_does_not_change() {
    let app = spawn_app().await;
    let _fx = fixtures(&app);
    let mut pages = Vec::new();
    for _ in 0..8 {
        let r = app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        pages.push(
            html.lines()
                .filter(|l| !l.contains("name=\"csrf\""))
                .collect::<String>(),
        );
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "same answer capped or not");
    let sent = |app: &TestApp| app.outbox().iter().filter(|r| r.recipient == X_CLINICIAN).count();
    assert_eq!(sent(&app), 3, "three reset emails, not eight");
    assert_eq!(app.audit("password.reset_capped").len(), 1);
    // Another account is not affected by this one's cap.
    app.submit("/forgot", "/forgot", &[("email", X_ADMIN)]).await;
    assert_eq!(app.outbox().iter().filter(|r| r.recipient == X_ADMIN).count(), 1);
    // One more an hour.
    app.clock.advance(Duration::minutes(60));
    app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
    app.submit("/forgot", "/forgot", &[("email", X_CLINICIAN)]).await;
    assert_eq!(sent(&app), 4);
}
