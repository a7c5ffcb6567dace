//! Issue 13 item 5: an admin corrects a patient's details and a treatment,
//! changes a staff member's role (never leaving the clinic without an active
//! admin, also under concurrent requests), reopens a follow-up; closing one
//! asks first. Every correction's audit row carries before and after.

use crate::dashboard::{post_form, set};
use crate::support::app::*;
use aftercare::app::onboarding::{self, Credential};
use aftercare::db::audit::Actor;
use aftercare::db::{accounts, checkins, flags, patients};
use aftercare::domain::*;

const ADMIN: &str = "ada@bright.example";
const DOC: &str = "doc@bright.example";

struct Fixture {
    app: TestApp,
    clinic: ClinicId,
    admin: StaffId,
    doc: StaffId,
    other_patient: PatientId,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let other = app.create_clinic("Other Clinic", "Europe/London");
    let admin = app.create_staff(clinic, ADMIN, Role::Admin);
    let doc = app.create_staff(clinic, DOC, Role::Clinician);
    let other_patient = app.create_patient(other, "olly@example.org", "Olly Other");
    Fixture {
        app,
        clinic,
        admin,
        doc,
        other_patient,
    }
}

/// An enrolled patient who has not accepted the invite yet, and their link.
fn invited_patient(app: &TestApp, clinic: ClinicId, email: &str, name: &str) -> (PatientId, String) {
    let input = onboarding::PatientInput {
        clinic,
        email: EmailAddress::parse(email).expect("email"),
        name: name.into(),
        skin_type: None,
        cold_sores: false,
        phone: None,
        language: aftercare::domain::Lang::En,
    };
    let now = app.clock_now();
    let (id, _, credential) = app
        .db
        .write(|c| onboarding::create_patient(c, &input, None, now, &app.address, &Actor::system("test")))
        .expect("patient");
    let Credential::Link(link) = credential else {
        panic!("an invited patient gets a link")
    };
    (id, link)
}

/// Signs staff out (the shared helper looks on `/`, which redirects staff).
async fn staff_sign_out(app: &TestApp) {
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    assert_eq!(app.post_raw("/logout", &[("csrf", &csrf)]).await.status(), 303);
}

fn patient(app: &TestApp, id: PatientId) -> patients::Patient {
    app.db.read(|c| patients::get(c, id)).unwrap().expect("patient")
}

#[tokio::test]
async fn an_admin_corrects_a_patients_details_with_before_and_after_audited() {
    let f = fixture().await;
    let app = &f.app;
    let (pid, old_link) = invited_patient(app, f.clinic, "pat.le@exmaple.org", "Pat Le");
    app.create_patient(f.clinic, "taken@example.org", "Tess Taken");

    // A clinician may not correct.
    app.sign_in(DOC, PASSWORD).await;
    assert_eq!(app.get(&format!("/clinic/patients/{pid}/edit")).await.status(), 403);
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    let r = app
        .post_raw(
            &format!("/clinic/patients/{pid}/edit"),
            &[("csrf", &csrf), ("name", "Mallory"), ("email", "m@example.org")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(patient(app, pid).name, "Pat Le");
    staff_sign_out(app).await;

    app.sign_in(ADMIN, PASSWORD).await;
    // Another clinic's patient is not found.
    assert_eq!(
        app.get(&format!("/clinic/patients/{}/edit", f.other_patient))
            .await
            .status(),
        404
    );
    // The form holds the stored values, and opening it is an audited view.
    let views = app.audit("patient.view").len();
    let edit = format!("/clinic/patients/{pid}/edit");
    let (status, html) = app.get_html(&edit).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"Pat Le\"") && html.contains("value=\"pat.le@exmaple.org\""));
    let view = app.audit("patient.view");
    assert_eq!(view.len(), views + 1);
    assert_eq!(view.last().unwrap().detail, "correction form");

    // A taken email: refused inline, input kept, nothing changed.
    let mut fields = form_values(&html, &edit);
    set(&mut fields, "email", "taken@example.org");
    set(&mut fields, "name", "Pat Lee");
    let r = post_form(app, &edit, &fields).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Another account already uses this email"));
    assert!(body.contains("value=\"Pat Lee\""));
    assert!(app.audit("patient.edit").is_empty());

    // Bad input: inline errors.
    set(&mut fields, "email", "not an email");
    set(&mut fields, "skin_type", "9");
    let r = post_form(app, &edit, &fields).await;
    assert_eq!(r.status(), 422);

    // The correction.
    set(&mut fields, "email", "pat.lee@example.org");
    set(&mut fields, "skin_type", "4");
    set(&mut fields, "cold_sores", "on");
    set(&mut fields, "phone", "+44 (0)20 7946 0123");
    let r = post_form(app, &edit, &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/clinic/patients/{pid}?notice=corrected").as_str()
    );
    let p = patient(app, pid);
    assert_eq!(p.name, "Pat Lee");
    assert_eq!(p.email, "pat.lee@example.org");
    assert_eq!(p.skin_type.map(|s| s.get()), Some(4));
    assert!(p.cold_sores);
    let phone = p.phone.expect("a phone");
    assert_eq!(
        (phone.as_entered(), phone.tel()),
        ("+44 (0)20 7946 0123", "tel:+442079460123")
    );
    let rows = app.audit("patient.edit");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].target.as_deref(), Some(format!("patient:{pid}").as_str()));
    assert_eq!(
        rows[0].detail,
        "name: \"Pat Le\" -> \"Pat Lee\"; email: \"pat.le@exmaple.org\" -> \"pat.lee@example.org\"; \
         phone: \"none\" -> \"+44 (0)20 7946 0123\"; skin_type: \"not recorded\" -> \"IV\"; cold_sores: \"no\" -> \"yes\""
    );
    assert_eq!(rows[0].patient_id, Some(pid.0));

    // The invitation mailed to the mistyped address no longer opens the account.
    let html = app
        .browser()
        .client
        .get(&old_link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("name=\"password\""), "the old link is refused: {html}");

    // The same values again change (and audit) nothing.
    let (_, html) = app.get_html(&edit).await;
    let fields = form_values(&html, &edit);
    let r = post_form(app, &edit, &fields).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("notice=unchanged"));
    assert_eq!(app.audit("patient.edit").len(), 1);

    // The record shows the corrected details.
    let (_, html) = app.get_html(&format!("/clinic/patients/{pid}")).await;
    assert!(html.contains("Pat Lee") && html.contains("pat.lee@example.org") && html.contains("IV"));
    assert!(
        html.contains("href=\"tel:+442079460123\""),
        "the call link uses the corrected number"
    );
    // Clearing the phone is a correction too.
    let (_, html) = app.get_html(&edit).await;
    let mut fields = form_values(&html, &edit);
    assert!(fields.contains(&("phone".to_string(), "+44 (0)20 7946 0123".to_string())));
    set(&mut fields, "phone", "");
    assert_eq!(post_form(app, &edit, &fields).await.status(), 303);
    assert!(patient(app, pid).phone.is_none());
    assert_eq!(
        app.audit("patient.edit").last().unwrap().detail,
        "phone: \"+44 (0)20 7946 0123\" -> \"none\""
    );
}

#[tokio::test]
async fn a_corrected_treatment_keeps_raised_flags_as_they_were_and_audits_before_and_after() {
    let f = fixture().await;
    let app = &f.app;
    let pid = app.create_patient(f.clinic, "pat@example.org", "Pat Lee");
    let tid = app.create_treatment(pid, ProcedureClass::NonablativeFractional, date("2026-02-27"), "other");
    let mut fever = CheckInAnswers::calm();
    fever.fever = true;
    fever.temperature = Some(Temperature::from_celsius(39.0));
    app.record_checkin(tid, date("2026-03-01"), &fever);
    let before: Vec<flags::Flag> = app.db.read(|c| flags::of_treatment(c, tid)).unwrap();
    assert!(!before.is_empty());
    let day_before = app.db.read(|c| checkins::of_treatment(c, tid)).unwrap()[0].day_number;
    assert_eq!(day_before, 2);

    app.sign_in(ADMIN, PASSWORD).await;
    let edit = format!("/clinic/patients/{pid}/treatments/{tid}/edit");
    let (status, html) = app.get_html(&edit).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"2026-02-27\""));
    assert!(html.contains("name=\"zone_other\" value=\"on\" checked"));
    // Another clinic's admin cannot open it.
    let elsewhere = app.browser();
    let other_clinic = app
        .db
        .read(|c| patients::get(c, f.other_patient))
        .unwrap()
        .unwrap()
        .clinic_id;
    app.create_staff(other_clinic, "admin@other.example", Role::Admin);
    sign_in_on(app, &elsewhere.client, "admin@other.example", PASSWORD).await;
    let r = elsewhere.client.get(app.url(&edit)).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // A date after the first check-in: refused inline, nothing changed.
    let fields: Vec<(String, String)> = hidden_fields(&html)
        .into_iter()
        .chain(
            [
                ("procedure", "ablative_fractional"),
                ("treated_on", "2026-03-02"),
                ("zone_perioral", "on"),
                ("antiviral", "on"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        )
        .collect();
    let r = post_form(app, &edit, &fields).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("checked in on 1 Mar 2026"), "{body}");
    assert!(body.contains("value=\"2026-03-02\""));
    assert!(app.audit("treatment.edit").is_empty());

    // The correction: a day earlier, another procedure, zones and an antiviral.
    let mut fields = fields;
    set(&mut fields, "treated_on", "2026-02-26");
    let r = post_form(app, &edit, &fields).await;
    assert_eq!(r.status(), 303);
    let t = app.db.read(|c| patients::treatment_by_id(c, tid)).unwrap().unwrap();
    assert_eq!(t.treated_on, date("2026-02-26"));
    assert_eq!(t.procedure, ProcedureClass::AblativeFractional);
    assert_eq!(t.zones.to_db(), "perioral");
    assert!(t.antiviral && !t.antibiotic);
    let rows = app.audit("treatment.edit");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].detail,
        format!(
            "treatment:{tid} treated_on: \"2026-02-27\" -> \"2026-02-26\"; procedure: \"nonablative_fractional\" -> \
             \"ablative_fractional\"; zones: \"other\" -> \"perioral\"; antiviral: \"no\" -> \"yes\""
        )
    );
    assert_eq!(rows[0].patient_id, Some(pid.0));
    // Day numbers follow the date; flags keep their inputs, reason and rules version.
    assert_eq!(
        app.db.read(|c| checkins::of_treatment(c, tid)).unwrap()[0].day_number,
        3
    );
    let after: Vec<flags::Flag> = app.db.read(|c| flags::of_treatment(c, tid)).unwrap();
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&b.inputs, &b.reason, b.rules_version_id, b.severity),
            (&a.inputs, &a.reason, a.rules_version_id, a.severity)
        );
    }
    // The record shows it.
    let (_, html) = app.get_html(&format!("/clinic/patients/{pid}")).await;
    assert!(html.contains("26 Feb 2026"), "the corrected date shows");
}

#[tokio::test]
async fn follow_up_closes_after_a_confirmation_page_and_an_admin_reopens_it() {
    let f = fixture().await;
    let app = &f.app;
    let pid = app.create_patient(f.clinic, "pat@example.org", "Pat Lee");

    app.sign_in(DOC, PASSWORD).await;
    let (_, html) = app.get_html(&format!("/clinic/patients/{pid}")).await;
    // The record links to the confirmation page instead of closing in one click.
    assert!(html.contains(&format!("href=\"/clinic/patients/{pid}/close\"")));
    assert!(!html.contains(&format!("action=\"/clinic/patients/{pid}/close\"")));
    assert!(!html.contains("/reopen"), "clinicians do not reopen");
    let (status, html) = app.get_html(&format!("/clinic/patients/{pid}/close")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Close follow-up for Pat Lee?"));
    assert!(html.contains(&format!("action=\"/clinic/patients/{pid}/close\"")));
    assert!(
        app.audit("patient.close_follow_up").is_empty(),
        "the page alone closes nothing"
    );
    assert_eq!(
        app.get(&format!("/clinic/patients/{}/close", f.other_patient))
            .await
            .status(),
        404
    );
    let page = format!("/clinic/patients/{pid}/close");
    let r = app.submit(&page, &page, &[]).await;
    assert_eq!(r.status(), 303);
    assert!(patient(app, pid).follow_up_closed_at.is_some());
    // A clinician cannot reopen.
    let csrf = csrf_of(&app.get_html("/clinic").await.1);
    let r = app
        .post_raw(&format!("/clinic/patients/{pid}/reopen"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 403);
    assert!(patient(app, pid).follow_up_closed_at.is_some());
    staff_sign_out(app).await;

    app.sign_in(ADMIN, PASSWORD).await;
    let record = format!("/clinic/patients/{pid}");
    let r = app.submit(&record, &format!("{record}/reopen"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/clinic/patients/{pid}?notice=reopened").as_str()
    );
    assert!(patient(app, pid).follow_up_closed_at.is_none());
    let rows = app.audit("patient.reopen_follow_up");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]
            .detail
            .starts_with("closed_at: \"2026-03-02T10:00:00Z\" -> none"),
        "{}",
        rows[0].detail
    );
    // Reopening an open follow-up changes nothing.
    let r = app.submit(&record, &format!("{record}/reopen"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit("patient.reopen_follow_up").len(), 1);
}

fn staff_of(app: &TestApp, clinic: ClinicId, id: StaffId) -> accounts::Staff {
    app.db
        .read(|c| accounts::staff_in_clinic(c, clinic, id))
        .unwrap()
        .expect("staff")
}

#[tokio::test]
async fn roles_change_but_the_clinic_always_keeps_an_active_admin() {
    let f = fixture().await;
    let app = &f.app;
    app.sign_in(ADMIN, PASSWORD).await;

    // Doc becomes an admin, audited with before and after.
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/role", f.doc),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(staff_of(app, f.clinic, f.doc).role, Role::Admin);
    let rows = app.audit("staff.role");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].target.as_deref(), Some(format!("staff:{}", f.doc).as_str()));
    assert_eq!(rows[0].detail, "role: \"clinician\" -> \"admin\"");
    // Two admins: Ada may step down.
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/role", f.admin),
            &[("role", "clinician")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(staff_of(app, f.clinic, f.admin).role, Role::Clinician);
    staff_sign_out(app).await;

    // Doc is now the only active admin: an invited admin who never chose a
    // password does not count.
    let now = app.clock_now();
    let invited = onboarding::StaffInput {
        clinic: f.clinic,
        email: EmailAddress::parse("ivy@bright.example").unwrap(),
        name: "Ivy Invited".into(),
        role: Role::Admin,
    };
    app.db
        .write(|c| onboarding::create_staff(c, &invited, None, now, &app.address, &Actor::system("test")))
        .unwrap();
    app.sign_in(DOC, PASSWORD).await;
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/role", f.doc),
            &[("role", "clinician")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("at least one active admin"));
    assert_eq!(staff_of(app, f.clinic, f.doc).role, Role::Admin);
    assert_eq!(app.audit("staff.role").len(), 2);
    // An unknown role is a clear error.
    let r = app
        .submit(
            "/clinic/staff",
            &format!("/clinic/staff/{}/role", f.admin),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(r.status(), 422);

    // Disabling the last active admin is refused too (here by the operator,
    // since an admin never disables their own account).
    let refused = aftercare::app::staff::set_disabled(&app.db, f.clinic, f.doc, true, now, Actor::system("test")).await;
    assert!(
        matches!(refused, Err(aftercare::error::Error::Conflict(ref m)) if m.contains("active admin")),
        "{refused:?}"
    );
    assert!(!staff_of(app, f.clinic, f.doc).disabled);
    assert!(app.audit("staff.disable").is_empty());
}

/// Two admins disabling each other at the same moment (two connections; on
/// PostgreSQL two transactions that would both see the other admin still
/// active without the clinic's lock): one of them stays an active admin.
#[tokio::test]
async fn two_admins_disabling_or_demoting_each_other_at_once_leave_one_admin() {
    let f = fixture().await;
    let app = &f.app;
    let nina = app.create_staff(f.clinic, "nina@bright.example", Role::Admin);
    let clinic = f.clinic;
    for round in 0..6 {
        let ada = app.browser();
        let other = app.browser();
        sign_in_on(app, &ada.client, ADMIN, PASSWORD).await;
        sign_in_on(app, &other.client, "nina@bright.example", PASSWORD).await;
        let csrf_a = csrf_of(
            &ada.client
                .get(app.url("/clinic/staff"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let csrf_n = csrf_of(
            &other
                .client
                .get(app.url("/clinic/staff"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let demote = round % 2 == 1;
        let (path_a, path_n) = if demote {
            (
                format!("/clinic/staff/{nina}/role"),
                format!("/clinic/staff/{}/role", f.admin),
            )
        } else {
            (
                format!("/clinic/staff/{nina}/disable"),
                format!("/clinic/staff/{}/disable", f.admin),
            )
        };
        let fields_a = [("csrf", csrf_a.as_str()), ("role", "clinician")];
        let fields_n = [("csrf", csrf_n.as_str()), ("role", "clinician")];
        let (ra, rn) = tokio::join!(
            ada.client.post(app.url(&path_a)).form(&fields_a).send(),
            other.client.post(app.url(&path_n)).form(&fields_n).send(),
        );
        let (sa, sn) = (ra.unwrap().status().as_u16(), rn.unwrap().status().as_u16());
        let admins = app.db.read(|c| accounts::active_admins(c, clinic)).unwrap();
        assert_eq!(admins.len(), 1, "round {round}: {sa} {sn}, admins {admins:?}");
        // Put both back as active admins for the next round.
        let now = app.clock_now();
        for id in [f.admin, nina] {
            let system = || Actor::system("test");
            aftercare::app::staff::set_disabled(&app.db, clinic, id, false, now, system())
                .await
                .unwrap();
            aftercare::app::staff::set_role(&app.db, clinic, id, Role::Admin, now, system())
                .await
                .unwrap();
        }
    }
}
