//! Issue 7: the clinician dashboard over HTTP — queue, flags, patients,
//! settings, rules, outbox, export — each action with its permission check
//! and its audit row.

use crate::support::app::*;
use aftercare::db::{clinics, flags, outbox, patients};
use aftercare::domain::*;
use chrono::Duration;

struct Fixture {
    app: TestApp,
    clinic: ClinicId,
    other: ClinicId,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other Clinic", "America/New_York");
    app.create_staff(clinic, "admin@bright.example", Role::Admin);
    app.create_staff(clinic, "doc@bright.example", Role::Clinician);
    app.create_staff(other, "admin@other.example", Role::Admin);
    Fixture { app, clinic, other }
}

/// Records a check-in as the patient would (through the check-in service).
fn check_in(app: &TestApp, patient: PatientId, treatment: TreatmentId, date: &str, answers: CheckInAnswers) {
    let now = app.clock_now();
    let mail = app.mail.clone();
    app.db
        .write(|c| {
            let p = patients::get(c, patient)?.expect("patient");
            let clinic = clinics::get(c, p.clinic_id)?.expect("clinic");
            let t = patients::treatment_of(c, patient, treatment)?.expect("treatment");
            aftercare::app::checkin::record(
                c,
                &mail,
                &aftercare::app::checkin::Submission {
                    patient: &p,
                    clinic: &clinic,
                    treatment: &t,
                    date: date_of(date),
                    answers: &answers,
                },
                now,
            )
        })
        .expect("check-in recorded");
}

fn date_of(s: &str) -> chrono::NaiveDate {
    date(s)
}

fn urgent() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.fever = true;
    a.temperature = Some(Temperature::from_celsius(39.2));
    a
}

fn review() -> CheckInAnswers {
    let mut a = CheckInAnswers::calm();
    a.itch = 8;
    a
}

fn flags_of(app: &TestApp, t: TreatmentId) -> Vec<flags::Flag> {
    app.db.read(|c| flags::of_treatment(c, t)).expect("flags")
}

pub(crate) async fn post_form(app: &TestApp, action: &str, fields: &[(String, String)]) -> reqwest::Response {
    app.client
        .post(app.url(action))
        .form(fields)
        .send()
        .await
        .expect("POST")
}

/// Signs the staff member out (the shared helper looks for the form on `/`,
/// which redirects staff).
async fn staff_sign_out(app: &TestApp) {
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    let r = app.post_raw("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
}

pub(crate) fn set(fields: &mut Vec<(String, String)>, k: &str, v: &str) {
    fields.retain(|(n, _)| n != k);
    fields.push((k.to_string(), v.to_string()));
}

/// A second browser on the same app (its own cookies).
struct Other {
    address: String,
    client: reqwest::Client,
}

fn spawn_shadow(app: &TestApp) -> Other {
    let b = app.browser();
    Other {
        address: b.address,
        client: b.client,
    }
}

impl Other {
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.address)
    }
    async fn get_html(&self, p: &str) -> (u16, String) {
        let r = self.client.get(self.url(p)).send().await.expect("GET");
        (r.status().as_u16(), r.text().await.expect("body"))
    }
    async fn sign_in(&self, email: &str, password: &str) {
        let (_, html) = self.get_html("/login").await;
        let mut fields = hidden_fields(&html);
        fields.push(("email".into(), email.into()));
        fields.push(("password".into(), password.into()));
        let r = self
            .client
            .post(self.url("/login"))
            .form(&fields)
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), 303);
    }
    async fn csrf(&self) -> String {
        csrf_of(&self.get_html("/clinic").await.1)
    }
    async fn post_raw(&self, p: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(p)).form(fields).send().await.expect("POST")
    }
}

#[tokio::test]
async fn acknowledge_and_resolve_record_who_when_and_an_audit_row_and_stay_in_the_clinic() {
    let f = fixture().await;
    let app = &f.app;
    let p = app.create_patient(f.clinic, "pat@example.org", "Pat Lee");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "perioral");
    check_in(app, p, t, "2026-03-02", urgent());
    let flag = flags_of(app, t).remove(0);
    let r = flag.reference.clone();

    // Another clinic's staff: the reference does not exist for them.
    let other = spawn_shadow(app);
    other.sign_in("admin@other.example", PASSWORD).await;
    assert_eq!(other.get_html(&format!("/clinic/flags/{r}")).await.0, 404);
    let csrf = other.csrf().await;
    let resp = other
        .post_raw(&format!("/clinic/flags/{r}/acknowledge"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(other.get_html(&format!("/clinic/patients/{p}")).await.0, 404);

    app.sign_in("doc@bright.example", PASSWORD).await;
    app.clock.advance(Duration::minutes(5));
    let resp = app
        .submit("/clinic", &format!("/clinic/flags/{r}/acknowledge"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    assert!(resp.headers()["location"].to_str().unwrap().starts_with("/clinic?"));
    let now = flags_of(app, t).remove(0);
    assert_eq!(now.state, FlagState::Acknowledged);
    assert!(now.acknowledged_by.is_some());
    let audit = app.audit("flag.acknowledge");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target.as_deref(), Some(format!("flag:{}", flag.id).as_str()));

    // Resolving needs a note; the error comes back inline.
    let page = format!("/clinic/flags/{r}");
    let resp = app
        .submit(
            &page,
            &format!("/clinic/flags/{r}/resolve"),
            &[("outcome", "self_care"), ("note", "  ")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Write a short note"));
    let resp = app
        .submit(
            &page,
            &format!("/clinic/flags/{r}/resolve"),
            &[
                ("outcome", "treated_infection"),
                ("note", "Called the patient; GP seen, on antibiotics"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let done = flags_of(app, t).remove(0);
    assert_eq!(done.state, FlagState::Resolved);
    assert_eq!(
        done.resolution_note.as_deref(),
        Some("Called the patient; GP seen, on antibiotics")
    );
    let audit = app.audit("flag.resolve");
    assert_eq!(audit.len(), 1);
    assert!(!audit[0].detail.contains("antibiotics"), "no note in the audit log");

    // The history shows who did what.
    let (_, html) = app.get_html(&page).await;
    assert!(html.contains("Acknowledged") && html.contains("Resolved"));
    assert!(html.contains("Staff doc@bright.example"));
    assert!(html.contains("Called the patient"));
    // Resolved: no more actions; a second resolve changes nothing.
    assert!(!html.contains("/resolve\""));
}

/// The part of a record page from one flag's history to the end of it.
fn history_of<'a>(html: &'a str, reference: &str) -> &'a str {
    let from = html
        .find(&format!("History of {reference}"))
        .unwrap_or_else(|| panic!("no history of {reference}"));
    let rest = &html[from..];
    &rest[..rest.find("</details>").expect("history closed")]
}

#[tokio::test]
async fn each_flag_on_the_patient_page_shows_its_own_history_in_order() {
    let f = fixture().await;
    let app = &f.app;
    let p = app.create_patient(f.clinic, "pat@example.org", "Pat Lee");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "");
    check_in(app, p, t, "2026-02-28", review());
    check_in(app, p, t, "2026-03-02", urgent());
    // A patient of another clinic with a flag of its own: never on this page.
    let o = app.create_patient(f.other, "olu@example.org", "Olu Park");
    let ot = app.create_treatment(o, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "");
    check_in(app, o, ot, "2026-03-02", urgent());
    let fl = flags_of(app, t);
    let by_severity = |s: Severity| fl.iter().find(|x| x.severity == s).expect("flag").reference.clone();
    let (review_ref, urgent_ref) = (by_severity(Severity::Review), by_severity(Severity::Urgent));
    let other_ref = flags_of(app, ot).remove(0).reference;

    app.sign_in("doc@bright.example", PASSWORD).await;
    app.clock.advance(Duration::minutes(5));
    let r = app
        .submit("/clinic", &format!("/clinic/flags/{urgent_ref}/acknowledge"), &[])
        .await;
    assert_eq!(r.status(), 303);
    app.clock.advance(Duration::minutes(5));
    let page = format!("/clinic/flags/{review_ref}");
    let r = app
        .submit(
            &page,
            &format!("/clinic/flags/{review_ref}/resolve"),
            &[("outcome", "self_care"), ("note", "Advice given by phone")],
        )
        .await;
    assert_eq!(r.status(), 303);

    let (status, html) = app.get_html(&format!("/clinic/patients/{p}")).await;
    assert_eq!(status, 200);
    let urgent_history = history_of(&html, &urgent_ref);
    let review_history = history_of(&html, &review_ref);
    assert!(urgent_history.contains("Acknowledged"), "{urgent_history}");
    assert!(!urgent_history.contains("Resolved"), "{urgent_history}");
    assert!(!urgent_history.contains("Advice given"), "{urgent_history}");
    assert!(review_history.contains("Resolved"), "{review_history}");
    assert!(review_history.contains("Advice given by phone"), "{review_history}");
    assert!(!review_history.contains("Acknowledged"), "{review_history}");
    // Raised first, then what staff did.
    let raised = review_history.find("Raised").expect("raised event");
    assert!(raised < review_history.find("Resolved").expect("resolved event"));
    assert!(!html.contains(&other_ref));
}

#[tokio::test]
async fn enrolling_a_patient_queues_an_invite_and_treatments_are_added_in_the_clinic_only() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in("doc@bright.example", PASSWORD).await;

    let resp = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[("name", "Rae Ng"), ("email", "not-an-email"), ("skin_type", "9")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("value=\"Rae Ng\""), "input kept");
    assert!(html.contains("skin type"));

    let resp = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[
                ("name", "Rae Ng"),
                ("email", "rae@example.org"),
                ("skin_type", "4"),
                ("cold_sores", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let pid: i64 = location
        .trim_start_matches("/clinic/patients/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let invite: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|r| r.kind.as_str() == "invite")
        .collect();
    assert_eq!(invite.len(), 1);
    assert_eq!(invite[0].recipient, "rae@example.org");
    assert_eq!(invite[0].clinic_id, Some(f.clinic.0));
    assert_eq!(
        app.audit("patient.create")
            .iter()
            .filter(|a| a.actor.starts_with("staff:"))
            .count(),
        1
    );
    let stored = app.db.read(|c| patients::get(c, PatientId(pid))).unwrap().unwrap();
    assert!(stored.cold_sores);
    assert_eq!(stored.skin_type.map(|s| s.get()), Some(4));

    // The same email again: an inline error.
    let resp = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[("name", "Rae Two"), ("email", "rae@example.org")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("already exists"));

    // Add a treatment.
    let form_page = format!("/clinic/patients/{pid}/treatments/new");
    let action = format!("/clinic/patients/{pid}/treatments");
    let resp = app.submit(&form_page, &action, &[("treated_on", "yesterday")]).await;
    assert_eq!(resp.status(), 422);
    let resp = app
        .submit(
            &form_page,
            &action,
            &[
                ("procedure", "ablative_fractional"),
                ("treated_on", "2026-03-01"),
                ("zone_perioral", "on"),
                ("zone_neck", "on"),
                ("antiviral", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let ts = app.db.read(|c| patients::treatments_of(c, PatientId(pid))).unwrap();
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0].procedure, ProcedureClass::AblativeFractional);
    assert!(ts[0].antiviral && !ts[0].antibiotic);
    assert_eq!(ts[0].zones.to_db(), "perioral,neck");
    assert!(app
        .audit("treatment.create")
        .iter()
        .any(|a| a.actor.starts_with("staff:")));

    // Another clinic cannot add a treatment or close follow-up for this patient.
    let other = spawn_shadow(app);
    other.sign_in("admin@other.example", PASSWORD).await;
    let csrf = other.csrf().await;
    let resp = other
        .post_raw(
            &action,
            &[("csrf", &csrf), ("procedure", "ipl"), ("treated_on", "2026-03-01")],
        )
        .await;
    assert_eq!(resp.status(), 404);
    let resp = other
        .post_raw(&format!("/clinic/patients/{pid}/close"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 404);

    // Closing follow-up, audited.
    let resp = app
        .submit(
            &format!("/clinic/patients/{pid}"),
            &format!("/clinic/patients/{pid}/close"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let stored = app.db.read(|c| patients::get(c, PatientId(pid))).unwrap().unwrap();
    assert!(stored.follow_up_closed_at.is_some());
    assert_eq!(app.audit("patient.close_follow_up").len(), 1);
}

#[tokio::test]
async fn the_patient_page_shows_charts_flags_and_amendments_and_audits_the_view() {
    let f = fixture().await;
    let app = &f.app;
    let p = app.create_patient(f.clinic, "pat@example.org", "Pat Lee");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "");
    check_in(app, p, t, "2026-02-28", CheckInAnswers::calm());
    let mut second = CheckInAnswers::calm();
    second.pain = 4;
    check_in(app, p, t, "2026-03-01", second);
    app.clock.advance(Duration::hours(1));
    check_in(app, p, t, "2026-03-01", review());

    app.sign_in("doc@bright.example", PASSWORD).await;
    let (status, html) = app.get_html(&format!("/clinic/patients/{p}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        4,
        "pain, itch, swelling, redness"
    );
    assert!(html.contains("role=\"img\""));
    // Itch 8 raised the review flag: its value, and only it, is marked (a
    // review square on the itch chart), with no line across the other charts.
    assert_eq!(html.matches("<rect x=").count(), 1, "one review marker");
    assert!(html.contains("Flag raised on the value of day 2 (review)."));
    assert!(!html.contains("stroke-dasharray=\"4 3\""));
    assert!(html.contains("Amended: version 2"));
    assert!(html.contains("Version 1"));
    assert!(html.contains("pain 4"), "the earlier version's answers are shown");
    let fl = flags_of(app, t);
    assert!(html.contains(&fl[0].reference));
    let views = app.audit("patient.view");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].target.as_deref(), Some(format!("patient:{p}").as_str()));

    // The patient list: search by name and email (any case), status shown.
    // Zed accepted his invite before his treatment (overdue counts from then).
    let now = app.clock_now();
    app.clock.set(now - Duration::days(10));
    let q = app.create_patient(f.clinic, "zed@elsewhere.org", "Zed Quinn");
    app.clock.set(now);
    app.create_treatment(q, ProcedureClass::Ipl, date("2026-02-25"), "");
    let (_, html) = app.get_html("/clinic/patients?q=pAt").await;
    assert!(html.contains("Pat Lee") && !html.contains("Zed Quinn"));
    let (_, html) = app.get_html("/clinic/patients?q=ELSEWHERE").await;
    assert!(html.contains("Zed Quinn") && !html.contains("Pat Lee"));
    let (_, html) = app.get_html("/clinic/patients").await;
    assert!(html.contains("1 review"), "{html}");
    assert!(html.contains("Check-in overdue"), "Zed never checked in");
    let (_, html) = app.get_html("/clinic/patients?q=100%25_").await;
    assert!(html.contains("No patient matches"));
}

#[tokio::test]
async fn clinic_settings_are_for_admins_and_audited() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in("doc@bright.example", PASSWORD).await;
    for path in [
        "/clinic/settings",
        "/clinic/settings/rules",
        "/clinic/outbox",
        "/clinic/export",
    ] {
        assert_eq!(app.get_html(path).await.0, 403, "{path}");
    }
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    let resp = app
        .post_raw("/clinic/settings", &[("csrf", &csrf), ("name", "Hijacked")])
        .await;
    assert_eq!(resp.status(), 403);
    let resp = app.post_raw("/clinic/settings/rules", &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), 403);
    staff_sign_out(app).await;

    app.sign_in("admin@bright.example", PASSWORD).await;
    let (_, html) = app.get_html("/clinic/settings").await;
    let mut fields = form_values(&html, "/clinic/settings");
    set(&mut fields, "escalation_minutes", "0");
    set(&mut fields, "timezone", "Nowhere/Land");
    let resp = post_form(app, "/clinic/settings", &fields).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    // The time zone is a select: a value outside it is refused inline.
    assert!(html.contains("is not a time zone name"), "{html}");
    assert!(html.contains("from 5 to 1440"));

    set(&mut fields, "escalation_minutes", "45");
    set(&mut fields, "timezone", "Europe/Paris");
    set(&mut fields, "name", "Bright Skin Paris");
    set(&mut fields, "escalation_email", "oncall@bright.example");
    set(&mut fields, "review_alerts", "digest");
    set(&mut fields, "reminder_time", "19:30");
    set(&mut fields, "follow_up_days", "90");
    let resp = post_form(app, "/clinic/settings", &fields).await;
    assert_eq!(resp.status(), 303);
    let c = app.db.read(|c| clinics::get(c, f.clinic)).unwrap().unwrap();
    assert_eq!(c.name, "Bright Skin Paris");
    assert_eq!(c.timezone.name(), "Europe/Paris");
    assert_eq!(c.escalation_minutes, 45);
    assert_eq!(c.escalation_email.as_deref(), Some("oncall@bright.example"));
    assert!(c.review_digest);
    assert_eq!(c.reminder_time.format("%H:%M").to_string(), "19:30");
    assert_eq!(c.follow_up_days, 90);
    let audit = app.audit("clinic.settings");
    assert_eq!(audit.len(), 1);
    assert!(audit[0].detail.contains("timezone") && audit[0].detail.contains("escalation_minutes"));
    // The other clinic is untouched.
    let o = app.db.read(|c| clinics::get(c, f.other)).unwrap().unwrap();
    assert_eq!(o.name, "Other Clinic");
}

#[tokio::test]
async fn rule_changes_make_a_new_version_and_switching_off_urgent_rules_needs_confirmation() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in("admin@bright.example", PASSWORD).await;
    let (status, html) = app.get_html("/clinic/settings/rules").await;
    assert_eq!(status, 200);
    assert!(html.contains("Default: 38.0"));
    let mut fields = form_values(&html, "/clinic/settings/rules");
    set(&mut fields, "fever_threshold_c", "38.5");
    set(&mut fields, "note", "Local protocol");
    let resp = post_form(app, "/clinic/settings/rules", &fields).await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap_or_default());
    let v = app.db.read(|c| clinics::current_rules(c, f.clinic)).unwrap();
    assert_eq!(v.version, 2);
    let (_, s) = app.db.read(|c| aftercare::app::checkin::rules_of(c, f.clinic)).unwrap();
    assert_eq!(s.fever_threshold_c, 38.5);
    let audit = app.audit("rules.change");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail, "version=2");

    // Switching U1 off without confirming: refused, nothing saved, input kept.
    let u1 = aftercare::triage::RuleId::U1.enabled_field();
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    let mut fields = form_values(&html, "/clinic/settings/rules");
    fields.retain(|(k, _)| k != u1);
    set(&mut fields, "fever_threshold_c", "38.7");
    let resp = post_form(app, "/clinic/settings/rules", &fields).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("must be confirmed"));
    assert!(html.contains("value=\"38.7\""));
    assert_eq!(app.db.read(|c| clinics::current_rules(c, f.clinic)).unwrap().version, 2);
    assert!(app.audit("rules.disable_urgent").is_empty());

    set(&mut fields, aftercare::triage::CONFIRM_DISABLE_URGENT, "on");
    let resp = post_form(app, "/clinic/settings/rules", &fields).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.db.read(|c| clinics::current_rules(c, f.clinic)).unwrap().version, 3);
    let off = app.audit("rules.disable_urgent");
    assert_eq!(off.len(), 1);
    assert!(
        off[0].detail.contains("U1") && off[0].detail.contains("version=3"),
        "{}",
        off[0].detail
    );
    assert_eq!(app.audit("rules.change").len(), 2);

    // Bad numbers: inline errors.
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    let mut fields = form_values(&html, "/clinic/settings/rules");
    set(&mut fields, "fever_threshold_c", "hot");
    let resp = post_form(app, "/clinic/settings/rules", &fields).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("value=\"hot\""));
}

/// Issue 10, bug 1: one escalation setting. The rules page offered its own
/// window that nothing read; only the settings page's remains.
#[tokio::test]
async fn escalation_is_set_on_the_settings_page_only() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in("admin@bright.example", PASSWORD).await;
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    assert!(!html.contains("escalation"), "the rules page has no escalation field");
    let (_, html) = app.get_html("/clinic/settings").await;
    assert!(html.contains("name=\"escalation_minutes\""));

    // An old rules form that still sends the field: saved without it.
    let (_, html) = app.get_html("/clinic/settings/rules").await;
    let mut fields = form_values(&html, "/clinic/settings/rules");
    fields.push(("escalation_window_minutes".into(), "30".into()));
    let resp = post_form(app, "/clinic/settings/rules", &fields).await;
    assert_eq!(resp.status(), 303);
    let v = app.db.read(|c| clinics::current_rules(c, f.clinic)).unwrap();
    assert_eq!(v.version, 2);
    assert!(!v.settings.contains("escalation"), "{}", v.settings);
    let c = app.db.read(|c| clinics::get(c, f.clinic)).unwrap().unwrap();
    assert_eq!(c.escalation_minutes, 120);
}

#[tokio::test]
async fn export_streams_csv_with_stable_columns_neutralised_formulas_and_an_audit_row() {
    let f = fixture().await;
    let app = &f.app;
    let p = app.create_patient(f.clinic, "pat@example.org", "Pat Lee");
    let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "");
    let mut a = review();
    a.note = Some("=HYPERLINK(\"http://evil\"), \"quoted\"".into());
    check_in(app, p, t, "2026-03-02", a);
    // Another clinic's data never appears.
    let o = app.create_patient(f.other, "o@example.org", "Other Person");
    let ot = app.create_treatment(o, ProcedureClass::Ipl, date("2026-02-27"), "");
    check_in(app, o, ot, "2026-03-01", urgent());

    app.sign_in("admin@bright.example", PASSWORD).await;
    let (status, html) = app.get_html("/clinic/export").await;
    assert_eq!(status, 200);
    assert!(html.contains("type=\"date\""));
    let (status, html) = app.get_html("/clinic/export?from=2026-03-05&to=2026-03-01").await;
    assert_eq!(status, 422);
    assert!(html.contains("before the start date"));

    let r = app
        .get("/clinic/export?from=2026-03-01&to=2026-03-02&kind=checkins")
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = r.text().await.unwrap();
    let mut lines = body.split("\r\n");
    let header = lines.next().unwrap();
    assert_eq!(header, aftercare::web::clinic::export::checkin_columns().join(","));
    // The column order is a public contract: pinned here, byte for byte.
    assert_eq!(
        header,
        "checkin_id,patient_id,treatment_id,day,day_number,kind,version,first_entered_at_utc,entered_at_utc,\
         highest_severity,overall,pain,pain_relief,itch,swelling,eyes_swollen_shut,redness,redness_spreading,\
         oozing,crusts,blisters,tingling,pimples,white_patches,rash_outside,raw_area,lip_swelling_or_breathing,\
         fever,temperature_c,vision_change,eye_pain,cannot_close_eye,lid_pulling,bleeding,want_call,prophylaxis,\
         dark_patches,light_patches,raised_area,raised_area_site,note"
    );
    assert_eq!(body.matches("\r\n").count(), 2, "header and one check-in: {body}");
    assert!(
        body.contains("\"'=HYPERLINK(\"\"http://evil\"\"), \"\"quoted\"\"\""),
        "{body}"
    );
    let audit = app.audit("export");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail, "kind=checkins from=2026-03-01 to=2026-03-02");

    let r = app.get("/clinic/export?from=2026-03-01&to=2026-03-02&kind=flags").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.starts_with(&aftercare::web::clinic::export::FLAG_COLUMNS.join(",")));
    let fl = flags_of(app, t);
    assert!(body.contains(&fl[0].reference));
    assert!(!body.contains(&flags_of(app, ot)[0].reference));
    assert_eq!(app.audit("export").len(), 2);

    // A range without data: just the header.
    let body = app
        .get("/clinic/export?from=2025-01-01&to=2025-01-31")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body.matches("\r\n").count(), 1);
}

#[tokio::test]
async fn export_pages_through_more_rows_than_one_page() {
    let f = fixture().await;
    let app = &f.app;
    let mut count = 0;
    // More rows than one export page (500).
    for i in 0..90 {
        let p = app.create_patient(f.clinic, &format!("bulk{i}@example.org"), &format!("Bulk {i}"));
        let t = app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-20"), "");
        for d in [
            "2026-02-24",
            "2026-02-25",
            "2026-02-26",
            "2026-02-27",
            "2026-02-28",
            "2026-03-01",
        ] {
            check_in(app, p, t, d, CheckInAnswers::calm());
            count += 1;
        }
    }
    app.sign_in("admin@bright.example", PASSWORD).await;
    let body = app
        .get("/clinic/export?from=2026-03-01&to=2026-03-02")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body.matches("\r\n").count(), count + 1);
    let ids: Vec<&str> = body
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), count, "no row twice across pages");
}

#[tokio::test]
async fn failing_emails_show_a_banner_and_an_admin_can_retry_them() {
    let f = fixture().await;
    let app = &f.app;
    let now = app.clock_now();
    let (mine, theirs) = app
        .db
        .write(|c| {
            let mut ids = Vec::new();
            for clinic in [f.clinic, f.other] {
                let id = aftercare::app::notify::invite(
                    c,
                    &app.mail,
                    aftercare::i18n::Tr::EN,
                    clinic,
                    "X",
                    "x@example.org",
                    "http://x/invite",
                    false,
                    now,
                )?;
                ids.push(id);
            }
            let claimed = outbox::claim_due(c, "test", now.naive_utc(), (now + Duration::minutes(5)).naive_utc(), 10)?;
            for row in claimed {
                outbox::mark_failed(c, row.id, "test", "550 mailbox unavailable", now.naive_utc(), true)?;
            }
            Ok::<_, aftercare::error::Error>((ids[0], ids[1]))
        })
        .unwrap();

    app.sign_in("doc@bright.example", PASSWORD).await;
    let (_, html) = app.get_html("/clinic").await;
    assert!(html.contains("Emails are not going out"));
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    let resp = app
        .post_raw(&format!("/clinic/outbox/{mine}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 403, "clinicians cannot retry");
    staff_sign_out(app).await;

    app.sign_in("admin@bright.example", PASSWORD).await;
    let (status, html) = app.get_html("/clinic/outbox").await;
    assert_eq!(status, 200);
    assert!(html.contains("550 mailbox unavailable"));
    assert!(!html.contains("http://x/invite"), "never the body");
    // Another clinic's row: not found.
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    let resp = app
        .post_raw(&format!("/clinic/outbox/{theirs}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 404);
    let resp = app
        .submit("/clinic/outbox", &format!("/clinic/outbox/{mine}/retry"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let rows = app.outbox();
    let row = rows.iter().find(|r| r.id == mine).unwrap();
    assert_eq!(row.status, "pending");
    assert_eq!(rows.iter().find(|r| r.id == theirs).unwrap().status, "dead");
    let audit = app.audit("outbox.retry");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target.as_deref(), Some(format!("outbox:{mine}").as_str()));
    let (_, html) = app.get_html("/clinic").await;
    assert!(!html.contains("Emails are not going out"));
}
