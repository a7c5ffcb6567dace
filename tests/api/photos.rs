//! Issue 12: photos with a check-in, over HTTP on both databases — what is
//! stored (no metadata, upright), what is refused (with nothing stored), who
//! sees a photo (everyone else 404, staff views audited), removal on the same
//! day only, the clinician's pages, and "Ask for a photo" end to end.

use crate::access::browser_as;
use crate::support::app::*;
use aftercare::db::{flags, photos};
use aftercare::domain::*;
use aftercare::media::fixtures::*;
use chrono::Duration;
use image::{Rgba, RgbaImage};
use reqwest::multipart::{Form, Part};

const ALICE: &str = "alice@patients.example";
const BOB: &str = "bob@patients.example";
const DOC: &str = "doc@x.example";
const ADMIN: &str = "admin@x.example";
const OTHER_DOC: &str = "doc@y.example";

struct World {
    app: TestApp,
    x: ClinicId,
    alice: PatientId,
    treatment: TreatmentId,
    checkin: CheckInId,
    bob_checkin: CheckInId,
}

/// Clinic X (admin, clinician, patient Alice with a check-in today) and
/// clinic Y (a clinician, patient Bob with a check-in).
async fn world() -> World {
    let app = spawn_app().await;
    let x = app.create_clinic("Clinic X", "Europe/London");
    let y = app.create_clinic("Clinic Y", "Europe/London");
    app.create_staff(x, DOC, Role::Clinician);
    app.create_staff(x, ADMIN, Role::Admin);
    app.create_staff(y, OTHER_DOC, Role::Clinician);
    let alice = app.create_patient(x, ALICE, "Alice Able");
    let bob = app.create_patient(y, BOB, "Bob Baker");
    let treatment = app.create_treatment(alice, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "perioral");
    let bob_t = app.create_treatment(bob, ProcedureClass::AblativeFullCo2, date("2026-02-27"), "perioral");
    let checkin = app
        .record_checkin(treatment, date("2026-03-02"), &CheckInAnswers::calm())
        .checkin;
    let bob_checkin = app
        .record_checkin(bob_t, date("2026-03-02"), &CheckInAnswers::calm())
        .checkin;
    World {
        app,
        x,
        alice,
        treatment,
        checkin,
        bob_checkin,
    }
}

/// The next day, a check-in with a fever: an urgent flag on it.
fn flagged_next_day(w: &World) -> (CheckInId, flags::Flag) {
    w.app.clock.advance(Duration::days(1));
    let mut feverish = CheckInAnswers::calm();
    feverish.fever = true;
    feverish.temperature = Some(Temperature::from_celsius(39.2));
    let flagged = w.app.record_checkin(w.treatment, date("2026-03-03"), &feverish).checkin;
    let flag = w.app.db.read(|c| flags::of_checkin(c, flagged)).unwrap().remove(0);
    (flagged, flag)
}

/// Sends `bytes` as the photo of `checkin`, as the result page's form does.
async fn upload(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    checkin: CheckInId,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", csrf.to_string())
        .text("checkin", checkin.to_string())
        // The name and type a browser sends say nothing the server trusts.
        .part(
            "photo",
            Part::bytes(bytes)
                .file_name("IMG_0001.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    client
        .post(app.url("/checkin/photos"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn photos_of(app: &TestApp, checkin: CheckInId) -> Vec<photos::PhotoMeta> {
    app.db.read(|c| photos::of_checkin(c, checkin)).unwrap()
}

fn stored_bytes(app: &TestApp, id: PhotoId) -> Vec<u8> {
    app.db
        .read(|c| photos::image_of(c, id, photos::Size::Full))
        .unwrap()
        .unwrap()
}

async fn page_of(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    client.get(app.url(path)).send().await.unwrap().text().await.unwrap()
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(fields).send().await.unwrap()
}

async fn body_of(r: reqwest::Response) -> (u16, String) {
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

#[tokio::test]
async fn a_phone_photo_is_stored_without_metadata_and_upright() {
    let w = world().await;
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    let page = alice
        .get(w.app.url(&format!("/checkin/result?checkin={}", w.checkin)))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Add a photo of the area"), "{html}");
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(html.contains(r#"capture="environment""#) && html.contains(r#"accept="image/*""#));

    let input = phone_jpeg();
    assert!(contains(&input, GPS_MARKER));
    let r = upload(&alice, &w.app, &csrf, w.checkin, input).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/checkin/result?checkin={}#photos", w.checkin).as_str()
    );
    let list = photos_of(&w.app, w.checkin);
    assert_eq!(list.len(), 1);
    let p = &list[0];
    assert_eq!((p.patient_id, p.clinic_id), (w.alice, w.x));
    // Stored 40 × 20 with orientation 6: kept as 20 × 40.
    assert_eq!((p.width, p.height), (20, 40));
    let bytes = stored_bytes(&w.app, p.id);
    assert_clean(&bytes);
    assert_eq!(p.size_bytes, bytes.len() as i64);
    use sha2::Digest;
    assert_eq!(p.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!(w.app.audit("photo.add").len(), 1);

    // The result page shows it; the patient can open it.
    let html = page_of(&alice, &w.app, &format!("/checkin/result?checkin={}", w.checkin)).await;
    assert!(html.contains(&format!("/photos/{}/thumb", p.id)), "{html}");
    for path in [format!("/photos/{}", p.id), format!("/photos/{}/thumb", p.id)] {
        let r = alice.get(w.app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert_eq!(h["content-type"], "image/jpeg");
        assert_eq!(h["cache-control"], "private, no-store");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["content-security-policy"], aftercare::web::security::CSP);
        let served = r.bytes().await.unwrap();
        assert_clean(&served);
    }
    // The patient's own views are not staff views.
    assert!(w.app.audit("photo.view").is_empty());
}

#[tokio::test]
async fn png_webp_and_heic_are_accepted_by_their_content() {
    let w = world().await;
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    let png = png_of(&RgbaImage::from_pixel(3000, 1000, Rgba([10, 120, 200, 255])));
    let webp = webp_of(&two_halves(64, 32));
    let mut files = vec![png, webp];
    #[cfg(feature = "heic")]
    files.push(heic_of(&two_halves(128, 64)));
    for f in files {
        let r = upload(&alice, &w.app, &csrf, w.checkin, f).await;
        assert_eq!(r.status(), 303);
    }
    let list = photos_of(&w.app, w.checkin);
    assert_eq!((list[0].width, list[0].height), (2048, 683));
    assert_eq!((list[0].thumb_width, list[0].thumb_height), (320, 107));
    assert_eq!((list[1].width, list[1].height), (64, 32));
    #[cfg(feature = "heic")]
    assert_eq!((list[2].width, list[2].height), (128, 64));
    for p in &list {
        assert_clean(&stored_bytes(&w.app, p.id));
    }
}

#[tokio::test]
async fn each_bad_file_gets_a_clear_refusal_and_nothing_is_stored() {
    let w = world().await;
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    let jpeg = plain_jpeg(&two_halves(200, 100));
    let mut polyglot = png_of(&RgbaImage::from_pixel(8, 8, Rgba([1, 2, 3, 255])));
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb", png_bomb(), "larger than we accept"),
        ("50,000 square", png_header_only(50_000, 50_000), "50000 × 50000"),
        ("truncated", jpeg[..jpeg.len() / 2].to_vec(), "damaged or incomplete"),
        (
            "not an image",
            b"%PDF-1.4 not a photo".to_vec(),
            "not a photo we can read",
        ),
        ("polyglot", polyglot, "something besides a photo"),
        ("over 15 MB", vec![0xFF; 15 * 1024 * 1024 + 10], "larger than 15 MB"),
        ("empty", Vec::new(), "empty"),
    ];
    for (what, bytes, says) in cases {
        let (status, html) = body_of(upload(&alice, &w.app, &csrf, w.checkin, bytes).await).await;
        assert_eq!(status, 422, "{what}");
        assert!(html.contains(says), "{what}: {html}");
        assert!(html.contains("Your check-in is saved"), "{what}");
        // The form is there again for a retry.
        assert!(html.contains(r#"action="/checkin/photos""#), "{what}");
        assert!(photos_of(&w.app, w.checkin).is_empty(), "{what} stored something");
    }
    assert!(w.app.audit("photo.add").is_empty());
    // The check-in itself is untouched.
    let (status, _) = body_of(
        alice
            .get(w.app.url(&format!("/checkin/result?checkin={}", w.checkin)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // A form without its CSRF token is refused too.
    let r = upload(&alice, &w.app, "wrong", w.checkin, phone_jpeg()).await;
    assert_eq!(r.status(), 403);
    assert!(photos_of(&w.app, w.checkin).is_empty());
}

#[tokio::test]
async fn a_check_in_takes_at_most_three_photos() {
    let w = world().await;
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    for _ in 0..3 {
        assert_eq!(
            upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await.status(),
            303
        );
    }
    let (status, html) = body_of(upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await).await;
    assert_eq!(status, 422);
    assert!(html.contains("already has 3 photos"), "{html}");
    assert_eq!(photos_of(&w.app, w.checkin).len(), 3);
}

#[tokio::test]
async fn nobody_else_sees_a_photo_and_every_staff_view_is_audited() {
    let w = world().await;
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await;
    let id = photos_of(&w.app, w.checkin)[0].id;
    let own = [format!("/photos/{id}"), format!("/photos/{id}/thumb")];
    let staff = [format!("/clinic/photos/{id}"), format!("/clinic/photos/{id}/thumb")];

    // Another patient, and another clinic's staff: 404, as for a photo that does not exist.
    let (bob, bob_csrf) = browser_as(&w.app, BOB).await;
    for p in &own {
        assert_eq!(bob.get(w.app.url(p)).send().await.unwrap().status(), 404, "bob {p}");
    }
    let r = post(
        &bob,
        &w.app,
        &format!("/photos/{id}/remove"),
        &[("csrf", bob_csrf.as_str())],
    )
    .await;
    assert_eq!(r.status(), 404);
    // Bob cannot attach a photo to Alice's check-in either.
    let r = upload(&bob, &w.app, &bob_csrf, w.checkin, phone_jpeg()).await;
    assert_eq!(r.status(), 404);
    let (other, _) = browser_as(&w.app, OTHER_DOC).await;
    for p in &staff {
        assert_eq!(
            other.get(w.app.url(p)).send().await.unwrap().status(),
            404,
            "clinic Y {p}"
        );
    }
    // Anonymous: sign in first.
    let anon = new_client();
    for p in own.iter().chain(staff.iter()) {
        let r = anon.get(w.app.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{p}");
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to == "/login" || to.starts_with("/login?next=%2F"), "{p} -> {to}");
    }
    assert!(w.app.audit("photo.view").is_empty(), "refusals are not views");

    // The clinic's clinician sees both sizes; each view is one audit row.
    let (doc, _) = browser_as(&w.app, DOC).await;
    for p in &staff {
        let r = doc.get(w.app.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        assert_clean(&r.bytes().await.unwrap());
    }
    let views = w.app.audit("photo.view");
    assert_eq!(views.len(), 2);
    assert!(views
        .iter()
        .all(|v| v.target.as_deref() == Some(format!("photo:{id}").as_str())));
    assert!(views.iter().all(|v| v.actor.starts_with("staff:")));
    // Bob's photo stays out of clinic X's reach.
    let r = upload(&bob, &w.app, &bob_csrf, w.bob_checkin, phone_jpeg()).await;
    assert_eq!(r.status(), 303);
    let bob_photo = photos_of(&w.app, w.bob_checkin)[0].id;
    let r = doc
        .get(w.app.url(&format!("/clinic/photos/{bob_photo}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_patient_removes_a_photo_on_the_day_only_and_staff_cannot() {
    let w = world().await;
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await;
    upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await;
    let list = photos_of(&w.app, w.checkin);
    let (first, second) = (list[0].id, list[1].id);
    let html = page_of(&alice, &w.app, &format!("/checkin/result?checkin={}", w.checkin)).await;
    assert!(html.contains(&format!("/photos/{first}/remove")));

    // Staff have no way to delete: the patient's route refuses them.
    let (doc, doc_csrf) = browser_as(&w.app, DOC).await;
    let r = post(
        &doc,
        &w.app,
        &format!("/photos/{first}/remove"),
        &[("csrf", doc_csrf.as_str())],
    )
    .await;
    assert_eq!(r.status(), 403);

    let r = post(
        &alice,
        &w.app,
        &format!("/photos/{first}/remove"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(photos_of(&w.app, w.checkin).len(), 1);
    let removed = w.app.audit("photo.remove");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].target.as_deref(), Some(format!("photo:{first}").as_str()));

    // The next day (in the clinic's zone) the other one stays.
    w.app.clock.advance(Duration::days(1));
    let (status, html) = body_of(
        post(
            &alice,
            &w.app,
            &format!("/photos/{second}/remove"),
            &[("csrf", csrf.as_str())],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("only on the day it was added"), "{html}");
    assert_eq!(photos_of(&w.app, w.checkin).len(), 1);
    assert_eq!(w.app.audit("photo.remove").len(), 1);
}

#[tokio::test]
async fn clinicians_see_photos_on_the_queue_the_flag_and_the_patient_page() {
    let w = world().await;
    // An urgent flag on a new check-in on day 4.
    let (flagged, flag) = flagged_next_day(&w);

    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await;
    upload(&alice, &w.app, &csrf, flagged, phone_jpeg()).await;
    upload(&alice, &w.app, &csrf, flagged, webp_of(&two_halves(64, 32))).await;
    let on_flag = photos_of(&w.app, flagged);
    let earlier = photos_of(&w.app, w.checkin)[0].id;

    let (doc, _) = browser_as(&w.app, DOC).await;
    let queue = page_of(&doc, &w.app, "/clinic").await;
    assert!(queue.contains("2 photos"), "{queue}");

    let html = page_of(&doc, &w.app, &format!("/clinic/flags/{}", flag.reference)).await;
    for p in &on_flag {
        assert!(html.contains(&format!("/clinic/photos/{}/thumb", p.id)), "{html}");
        assert!(html.contains(&format!(r#"href="/clinic/photos/{}""#, p.id)));
    }
    assert!(
        !html.contains(&format!("/clinic/photos/{earlier}/thumb")),
        "only this check-in's photos"
    );

    // The patient page: a timeline by day since treatment.
    let html = page_of(&doc, &w.app, &format!("/clinic/patients/{}", w.alice)).await;
    assert!(html.contains("Photos by day"));
    let (d3, d4) = (html.find("<h3>Day 3").unwrap(), html.find("<h3>Day 4").unwrap());
    assert!(d3 < d4);
    assert!(html.contains(&format!("/clinic/photos/{earlier}/thumb")));

    // Side by side: day 3 left, day 4 right.
    let html = doc
        .get(
            w.app
                .url(&format!("/clinic/patients/{}/photos/compare?a=3&b=4", w.alice)),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let left = html
        .find(&format!(r#"src="/clinic/photos/{earlier}""#))
        .expect("day 3 shown");
    let right = html
        .find(&format!(r#"src="/clinic/photos/{}""#, on_flag[0].id))
        .expect("day 4 shown");
    assert!(left < right);
    assert_eq!(w.app.audit("photo.compare").len(), 1);
    // Another clinic's staff cannot compare this patient's photos.
    let (other, _) = browser_as(&w.app, OTHER_DOC).await;
    let r = other
        .get(w.app.url(&format!("/clinic/patients/{}/photos/compare", w.alice)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Storage per clinic on the settings page.
    let (admin, _) = browser_as(&w.app, ADMIN).await;
    let html = page_of(&admin, &w.app, "/clinic/settings").await;
    assert!(html.contains("Photo storage: 3 photos"), "{html}");
}

#[tokio::test]
async fn ask_for_a_photo_end_to_end() {
    let w = world().await;
    let (flagged, flag) = flagged_next_day(&w);
    let before = w.app.outbox().len();

    // From the flag page.
    let (doc, doc_csrf) = browser_as(&w.app, DOC).await;
    let page = format!("/clinic/flags/{}", flag.reference);
    let html = page_of(&doc, &w.app, &page).await;
    assert!(html.contains("Ask for a photo"));
    let r = post(
        &doc,
        &w.app,
        &format!("/clinic/patients/{}/ask-photo", w.alice),
        &[
            ("csrf", doc_csrf.as_str()),
            ("flag", flag.id.to_string().as_str()),
            ("back", page.as_str()),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with(&page));
    let html = page_of(&doc, &w.app, &page).await;
    assert!(html.contains("waiting for the patient"), "{html}");
    assert_eq!(w.app.audit("photo.request").len(), 1);

    // One email to the patient, with nothing clinical in it.
    let mail = w.app.outbox();
    assert_eq!(mail.len(), before + 1);
    let m = mail.last().unwrap();
    assert_eq!(m.recipient, ALICE);
    let all = format!("{} {} {}", m.subject, m.body_text, m.body_html);
    assert!(all.contains("photo"));
    for clinical in [
        flag.reason.as_str(),
        "fever",
        "urgent",
        "Urgent",
        "day 4",
        flag.reference.as_str(),
    ] {
        assert!(!all.contains(clinical), "the email mentions {clinical:?}: {all}");
    }
    // Asking again while it is open sends nothing new.
    let r = post(
        &doc,
        &w.app,
        &format!("/clinic/patients/{}/ask-photo", w.alice),
        &[("csrf", doc_csrf.as_str())],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(w.app.outbox().len(), before + 1);

    // The patient sees it on home and on the next check-in.
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    let home = page_of(&alice, &w.app, "/").await;
    assert!(home.contains("asked you for a photo"), "{home}");
    let form = page_of(&alice, &w.app, "/checkin").await;
    assert!(form.contains("asked you for a photo"), "{form}");

    // A photo arrives: fulfilled, and the notices go.
    assert_eq!(upload(&alice, &w.app, &csrf, flagged, phone_jpeg()).await.status(), 303);
    let reqs = w.app.db.read(|c| photos::requests_of(c, w.alice)).unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].fulfilled_at.is_some());
    assert_eq!(reqs[0].flag_id, Some(flag.id.0));
    let home = page_of(&alice, &w.app, "/").await;
    assert!(!home.contains("asked you for a photo"));
    let html = page_of(&doc, &w.app, &page).await;
    assert!(html.contains("request fulfilled"), "{html}");

    // Another clinic cannot ask this patient.
    let (other, other_csrf) = browser_as(&w.app, OTHER_DOC).await;
    let r = post(
        &other,
        &w.app,
        &format!("/clinic/patients/{}/ask-photo", w.alice),
        &[("csrf", other_csrf.as_str())],
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_second_treatment_keeps_its_own_days_on_the_timeline_and_side_by_side() {
    let w = world().await;
    // Alice's first treatment (27 Feb) has a photo on its day 3 (2 Mar).
    let (alice, csrf) = browser_as(&w.app, ALICE).await;
    upload(&alice, &w.app, &csrf, w.checkin, phone_jpeg()).await;
    let first = photos_of(&w.app, w.checkin)[0].id;
    // A second session on 1 Mar: its day 3 is 4 Mar.
    let second = w
        .app
        .create_treatment(w.alice, ProcedureClass::NonablativeFractional, date("2026-03-01"), "");
    w.app.clock.advance(Duration::days(2));
    let later = w
        .app
        .record_checkin(second, date("2026-03-04"), &CheckInAnswers::calm())
        .checkin;
    upload(&alice, &w.app, &csrf, later, webp_of(&two_halves(64, 32))).await;
    let other = photos_of(&w.app, later)[0].id;

    let (doc, _) = browser_as(&w.app, DOC).await;
    let html = page_of(&doc, &w.app, &format!("/clinic/patients/{}", w.alice)).await;
    assert_eq!(html.matches("<h3>Day 3").count(), 2, "two day 3s, not one: {html}");
    let (a, b) = (
        html.find(&format!("/clinic/photos/{first}/thumb")).unwrap(),
        html.find(&format!("/clinic/photos/{other}/thumb")).unwrap(),
    );
    assert!(a < b, "in calendar order");

    // Side by side by calendar day: each side shows only its own day 3.
    let page = format!("/clinic/patients/{}/photos/compare?a=2026-03-02&b=2026-03-04", w.alice);
    let html = page_of(&doc, &w.app, &page).await;
    let left = html
        .find(&format!(r#"src="/clinic/photos/{first}""#))
        .expect("2 Mar shown");
    let right = html
        .find(&format!(r#"src="/clinic/photos/{other}""#))
        .expect("4 Mar shown");
    assert!(left < right);
    assert_eq!(html.matches(&format!(r#"src="/clinic/photos/{first}""#)).count(), 1);
    assert!(html.contains(r#"<option value="2026-03-02""#) && html.contains(r#"<option value="2026-03-04""#));
    // A day number (older links) is the latest day with that number.
    let html = page_of(
        &doc,
        &w.app,
        &format!("/clinic/patients/{}/photos/compare?a=3&b=3", w.alice),
    )
    .await;
    assert!(html.contains(&format!(r#"src="/clinic/photos/{other}""#)));
    assert!(!html.contains(&format!(r#"src="/clinic/photos/{first}""#)));
}
