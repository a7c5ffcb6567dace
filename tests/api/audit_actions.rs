//! Every audited action, done once over HTTP as a person would: each writes
//! exactly its own audit row(s), with the right action name, and nothing else
//! does (page views other than a patient's record write none).

use crate::accounts::link_in_outbox;
use crate::dashboard::{post_form, set};
use crate::support::app::form_values;
use crate::support::app::*;
use aftercare::db::{accounts, audit, flags, outbox};
use aftercare::domain::*;
use chrono::Duration;

const ADMIN: &str = "ada@bright.example";
const NURSE: &str = "nina@bright.example";
const PATIENT: &str = "pat@example.org";

/// The audit log read step by step.
struct Log<'a> {
    app: &'a TestApp,
    seen: i64,
}

impl Log<'_> {
    /// The actions written since the last look, oldest first.
    fn since_last(&mut self) -> Vec<String> {
        let seen = self.seen;
        let rows = self.app.db.read(|c| audit::after(c, seen)).expect("audit rows");
        if let Some(r) = rows.last() {
            self.seen = r.id;
        }
        rows.into_iter().map(|r| r.action).collect()
    }

    #[track_caller]
    fn wrote(&mut self, step: &str, actions: &[&str]) {
        assert_eq!(self.since_last(), actions, "{step}");
    }
}

async fn choose_password(
    browser: &Browser,
    app: &TestApp,
    link: &str,
    action: &str,
    password: &str,
) -> reqwest::Response {
    let html = browser
        .client
        .get(app.url(link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = hidden_fields(&html);
    form.push(("password".into(), password.into()));
    form.push(("confirm".into(), password.into()));
    browser.client.post(app.url(action)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn every_audited_action_writes_exactly_its_own_rows() {
    let app = spawn_app().await;
    let mut log = Log { app: &app, seen: 0 };
    log.wrote("before anything", &[]);

    // First-run setup: the clinic and its admin.
    let setup = app.setup_link.clone().expect("setup link");
    let setup = setup.strip_prefix(&app.address).expect("local").to_string();
    let r = app
        .submit(
            &setup,
            "/setup",
            &[
                ("clinic_name", "Bright Skin"),
                ("timezone", "Europe/London"),
                ("phone", "+44 20 7946 0000"),
                ("alert_email", "alerts@bright.example"),
                ("admin_name", "Ada Admin"),
                ("admin_email", ADMIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("setup", &["clinic.create", "staff.create"]);

    // Sign-in, good and bad.
    assert_eq!(app.sign_in(ADMIN, PASSWORD).await.status(), 303);
    log.wrote("sign in", &["signin.success"]);
    let stranger = app.browser();
    let html = stranger
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = stranger
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("email", ADMIN),
            ("password", "not it at all"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    log.wrote("failed sign in", &["signin.failure"]);

    // Staff: invite, accept, disable, enable.
    let r = app
        .submit(
            "/clinic/staff",
            "/clinic/staff/invite",
            &[("name", "Nina Nurse"), ("email", NURSE), ("role", "clinician")],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("staff invite", &["staff.create", "staff.invite"]);
    let nina = app.browser();
    let r = choose_password(
        &nina,
        &app,
        &link_in_outbox(&app, NURSE),
        "/invite",
        "a calm long passphrase",
    )
    .await;
    assert_eq!(r.status(), 303);
    log.wrote("invite accepted", &["invite.accept", "signin.success"]);
    let nurse = app
        .db
        .read(|c| {
            let a = accounts::by_email(c, &EmailAddress::parse(NURSE).unwrap())?.expect("account");
            accounts::staff_by_account(c, a.id)
        })
        .unwrap()
        .expect("staff");
    let r = app
        .submit("/clinic/staff", &format!("/clinic/staff/{}/disable", nurse.id), &[])
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("staff disable", &["staff.disable"]);
    let r = app
        .submit("/clinic/staff", &format!("/clinic/staff/{}/enable", nurse.id), &[])
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("staff enable", &["staff.enable"]);
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/role", nurse.id),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("role change", &["staff.role"]);

    // Patients: enrol, add a treatment, view the record.
    let r = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[("name", "Pat Lee"), ("email", PATIENT), ("skin_type", "3")],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("enrol", &["patient.create"]);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let pid: i64 = location
        .strip_prefix("/clinic/patients/")
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .expect("patient id in the redirect");
    let r = app
        .submit(
            &format!("/clinic/patients/{pid}/treatments/new"),
            &format!("/clinic/patients/{pid}/treatments"),
            &[
                ("procedure", "ablative_fractional"),
                ("treated_on", "2026-03-01"),
                ("zone_perioral", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("add treatment", &["treatment.create"]);
    assert_eq!(app.get(&format!("/clinic/patients/{pid}")).await.status(), 200);
    log.wrote("view a record", &["patient.view"]);

    // Flags: acknowledge, resolve.
    let treatment = app
        .db
        .read(|c| aftercare::db::patients::treatments_of(c, PatientId(pid)))
        .unwrap()
        .remove(0);
    let mut fever = CheckInAnswers::calm();
    fever.fever = true;
    fever.temperature = Some(Temperature::from_celsius(39.2));
    app.record_checkin(treatment.id, date("2026-03-02"), &fever);
    log.wrote("a check-in", &[]);
    let flag = app.db.read(|c| flags::of_treatment(c, treatment.id)).unwrap().remove(0);
    let r = app
        .submit("/clinic", &format!("/clinic/flags/{}/acknowledge", flag.reference), &[])
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("acknowledge", &["flag.acknowledge"]);
    let r = app
        .submit(
            "/clinic",
            &format!("/clinic/flags/{}/resolve", flag.reference),
            &[
                ("outcome", "seen_in_clinic"),
                ("note", "Called the patient; seen by the GP"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("resolve", &["flag.resolve"]);

    // Clinic settings, rules (an urgent rule switched off), export.
    let (_, html) = app.get_html("/clinic/settings").await;
    let mut fields = form_values(&html, "/clinic/settings");
    set(&mut fields, "name", "Bright Skin Harbour");
    assert_eq!(post_form(&app, "/clinic/settings", &fields).await.status(), 303);
    log.wrote("settings", &["clinic.settings"]);
    let r = app.submit("/clinic/settings", "/clinic/settings/test-email", &[]).await;
    assert_eq!(r.status(), 303);
    log.wrote("test email", &["clinic.test_email"]);
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    let mut fields = form_values(&html, "/clinic/settings/rules");
    fields.retain(|(k, _)| k != aftercare::triage::RuleId::U1.enabled_field());
    set(&mut fields, aftercare::triage::CONFIRM_DISABLE_URGENT, "on");
    assert_eq!(post_form(&app, "/clinic/settings/rules", &fields).await.status(), 303);
    log.wrote("rules", &["rules.disable_urgent", "rules.change"]);
    let r = app
        .get("/clinic/export?from=2026-03-01&to=2026-03-02&kind=checkins")
        .await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    log.wrote("export", &["export"]);

    // API tokens and the FHIR Bulk Data export: creating a token, each use
    // of it (one row per request, then the action's own), downloading,
    // cancelling, revoking.
    let r = app
        .submit("/clinic/api-tokens", "/clinic/api-tokens", &[("name", "EHR")])
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    log.wrote("token create", &["api_token.create"]);
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("input#token").unwrap();
    let token = doc
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    let with_token = |req: reqwest::RequestBuilder| req.header("Authorization", format!("Bearer {token}"));
    let r = with_token(new_client().get(app.url("/fhir/$export?_type=Patient")))
        .header("Prefer", "respond-async")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let status_url = r.headers()["content-location"].to_str().unwrap().to_string();
    log.wrote("bulk export kick-off", &["api_token.use", "fhir.export"]);
    app.exporter.run_once().unwrap();
    let manifest: serde_json::Value = serde_json::from_str(
        &with_token(new_client().get(&status_url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    log.wrote("poll", &["api_token.use"]);
    let file = manifest["output"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(with_token(new_client().get(&file)).send().await.unwrap().status(), 200);
    log.wrote("download", &["api_token.use", "fhir.export_download"]);
    assert_eq!(
        with_token(new_client().delete(&status_url))
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    log.wrote("cancel", &["api_token.use", "fhir.export_cancel"]);
    let id = app.audit("api_token.create")[0]
        .target
        .clone()
        .unwrap()
        .replace("api_token:", "");
    let r = app
        .submit("/clinic/api-tokens", &format!("/clinic/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("token revoke", &["api_token.revoke"]);

    // An email stuck in the outbox, retried by hand.
    app.clock.advance(Duration::minutes(16));
    let stuck = app
        .outbox()
        .into_iter()
        .find(|e| e.status == outbox::PENDING && e.recipient == PATIENT)
        .expect("the patient's invite waits in the outbox");
    let r = app
        .submit("/clinic/outbox", &format!("/clinic/outbox/{}/retry", stuck.id), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/clinic/outbox?notice=retried");
    log.wrote("outbox retry", &["outbox.retry"]);
    let r = app
        .submit(
            &format!("/clinic/patients/{pid}"),
            &format!("/clinic/patients/{pid}/resend-invite"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("view, then resend the invite", &["patient.view", "invite.resend"]);

    // Closing follow-up (after its confirmation page), reopening it; corrections.
    let r = app
        .submit(
            &format!("/clinic/patients/{pid}/close"),
            &format!("/clinic/patients/{pid}/close"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("confirm, then close follow-up", &["patient.close_follow_up"]);
    let r = app
        .submit(
            &format!("/clinic/patients/{pid}"),
            &format!("/clinic/patients/{pid}/reopen"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("view, then reopen", &["patient.view", "patient.reopen_follow_up"]);
    let edit = format!("/clinic/patients/{pid}/edit");
    let r = app
        .submit(
            &edit,
            &edit,
            &[("name", "Pat Leigh"), ("email", PATIENT), ("skin_type", "3")],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("correct details", &["patient.view", "patient.edit"]);
    let edit = format!("/clinic/patients/{pid}/treatments/{}/edit", treatment.id);
    let r = app
        .submit(
            &edit,
            &edit,
            &[
                ("procedure", "ablative_fractional"),
                ("treated_on", "2026-02-28"),
                ("zone_perioral", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    log.wrote("correct a treatment", &["patient.view", "treatment.edit"]);
    assert_eq!(app.get("/clinic/audit").await.status(), 200);
    log.wrote("read the audit log", &[]);
    let r = app.get("/clinic/audit.csv").await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    log.wrote("audit log as CSV", &["export"]);

    // Signing out.
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    assert_eq!(app.post_raw("/logout", &[("csrf", &csrf)]).await.status(), 303);
    log.wrote("sign out", &["signout"]);

    // The patient: accepts the invite, turns reminders off, changes the
    // password, signs out everywhere, forgets it and resets it.
    let me = app.browser();
    let r = choose_password(
        &me,
        &app,
        &link_in_outbox(&app, PATIENT),
        "/invite",
        "first calm passphrase",
    )
    .await;
    assert_eq!(r.status(), 303);
    log.wrote("patient accepts the invite", &["invite.accept", "signin.success"]);
    let html = me.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&html);
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", csrf.clone())];
        all.extend(fields);
        me.client.post(app.url(path)).form(&all).send()
    };
    assert_eq!(
        post("/reminders", vec![("reminders", "off".into())])
            .await
            .unwrap()
            .status(),
        303
    );
    log.wrote("reminders", &["patient.reminders"]);
    assert_eq!(
        post("/language", vec![("language", "es".into())])
            .await
            .unwrap()
            .status(),
        303
    );
    log.wrote("language", &["patient.language"]);
    let r = post(
        "/account/password",
        vec![
            ("current", "first calm passphrase".into()),
            ("password", "second calm passphrase".into()),
            ("confirm", "second calm passphrase".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    log.wrote("change password", &["password.change"]);
    assert_eq!(
        post("/account/sign-out-everywhere", vec![]).await.unwrap().status(),
        303
    );
    log.wrote("sign out everywhere", &["signout.everywhere"]);
    let r = app.submit("/forgot", "/forgot", &[("email", PATIENT)]).await;
    assert_eq!(r.status(), 200);
    log.wrote("forgot password", &["password.reset_requested"]);
    let r = choose_password(
        &app.browser(),
        &app,
        &link_in_outbox(&app, PATIENT),
        "/reset",
        "third calm passphrase",
    )
    .await;
    assert_eq!(r.status(), 303);
    log.wrote("reset password", &["password.reset"]);
}
