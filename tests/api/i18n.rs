//! Issue 17: patients read Aftercare in English or Spanish. A Spanish
//! patient's whole journey in Spanish, the language before sign-in
//! (`Accept-Language`, the switch), and requests in two languages at once.

use crate::accounts::link_in_outbox;
use crate::support::app::*;
use aftercare::domain::*;
use aftercare::media::fixtures::{phone_jpeg, png_header_only};
use aftercare::web::catalogue;
use chrono::{Duration, TimeZone, Utc};
use reqwest::multipart::{Form, Part};
use scraper::{Html, Selector};
use std::collections::BTreeSet;

const ADMIN: &str = "admin@clinic.example";
const ANA: &str = "ana@example.org";

/// The visible text of a page (what a person reads, not ids or classes):
/// text nodes outside `<script>`/`<style>`, plus `alt`, `aria-label`,
/// `title` and `placeholder` values.
fn visible_text(html: &str) -> String {
    let doc = Html::parse_document(html);
    let mut out = String::new();
    for node in doc.root_element().descendants() {
        if let Some(t) = node.value().as_text() {
            let hidden = node.ancestors().any(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "script" | "style"))
            });
            if !hidden {
                out.push_str(t);
                out.push(' ');
            }
        } else if let Some(e) = node.value().as_element() {
            for attr in ["alt", "aria-label", "title", "placeholder"] {
                if let Some(v) = e.attr(attr) {
                    out.push_str(v);
                    out.push(' ');
                }
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Catalogue keys shown as themselves (a message that does not exist).
fn raw_keys(text: &str) -> Vec<String> {
    let keys: BTreeSet<String> = catalogue::required_keys(Lang::Es);
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ':' | '(' | ')' | '“' | '”'))
        .filter(|w| keys.contains(*w))
        .map(str::to_string)
        .collect()
}

/// Everyday English words no Spanish sentence uses: they catch English
/// written straight into a template or a handler, which the catalogue's
/// sentences cannot.
const ENGLISH_WORDS: &[&str] = &[
    "the", "your", "you", "please", "this", "that", "with", "for", "and", "not", "was", "is", "are", "has", "have",
    "page", "sign", "signed", "password", "photo", "check", "try", "again", "choose", "could", "what", "who", "where",
];

/// The English words of [`ENGLISH_WORDS`] in `text`.
fn english_words(text: &str) -> Vec<String> {
    let words: BTreeSet<String> = text
        .split(|c: char| !c.is_alphabetic())
        .map(str::to_lowercase)
        .filter(|w| ENGLISH_WORDS.contains(&w.as_str()))
        .collect();
    words.into_iter().collect()
}

/// A page a Spanish reader gets: `<html lang="es">`, no raw key, not one
/// English sentence of the catalogues and no everyday English word.
fn assert_spanish(what: &str, html: &str) {
    let doc = Html::parse_document(html);
    let lang = doc.root_element().value().attr("lang");
    assert_eq!(lang, Some("es"), "{what}: <html lang>");
    let text = visible_text(html);
    assert!(
        raw_keys(&text).is_empty(),
        "{what}: raw keys {:?} in {text}",
        raw_keys(&text)
    );
    let english: Vec<String> = catalogue::english_sentences()
        .into_iter()
        .filter(|s| text.contains(s.as_str()))
        .collect();
    assert!(english.is_empty(), "{what}: English {english:?} in {text}");
    let words = english_words(&text);
    assert!(words.is_empty(), "{what}: English words {words:?} in {text}");
}

fn assert_english(what: &str, html: &str) {
    let doc = Html::parse_document(html);
    assert_eq!(doc.root_element().value().attr("lang"), Some("en"), "{what}");
    let text = visible_text(html);
    assert!(raw_keys(&text).is_empty(), "{what}: raw keys {:?}", raw_keys(&text));
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[test]
fn the_page_checks_find_what_they_look_for() {
    // The helpers above cannot pass by accident: each finds its fault.
    let english = "<html lang=\"es\"><body><p>Hola. Answer for the time since your last check-in.</p></body></html>";
    assert!(std::panic::catch_unwind(|| assert_spanish("english", english)).is_err());
    let raw = "<html lang=\"es\"><body><h1>home-title</h1></body></html>";
    assert!(std::panic::catch_unwind(|| assert_spanish("raw", raw)).is_err());
    let literal = "<html lang=\"es\"><body><p>Hola. Go back to the start.</p></body></html>";
    assert!(std::panic::catch_unwind(|| assert_spanish("literal English", literal)).is_err());
    let wrong_lang = "<html lang=\"en\"><body><p>Hola</p></body></html>";
    assert!(std::panic::catch_unwind(|| assert_spanish("lang", wrong_lang)).is_err());
    assert_spanish("ok", "<html lang=\"es\"><body><p>Hola, Ana</p></body></html>");
}

/// The day's answers with no warning sign, and with a fever (urgent, U1).
fn answers(fever: bool) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("overall", "better"),
        ("pain", "2"),
        ("pain_relief", "yes"),
        ("itch", "1"),
        ("swelling", "1"),
        ("redness", "2"),
        ("oozing", "none"),
        ("crusts", "thin"),
        ("prophylaxis", "not_prescribed"),
    ];
    if fever {
        v.push(("fever", "yes"));
        v.push(("temperature", "38,6"));
    }
    v
}

#[tokio::test]
async fn a_spanish_patients_whole_journey_is_in_spanish() {
    let (app, smtp) = spawn_app_with_smtp().await;
    let clinic = app.create_clinic("Clínica Sol", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    assert_eq!(app.sign_in(ADMIN, PASSWORD).await.status(), 303);

    // Enrolment by staff, with the patient's language; staff pages stay English.
    let (_, html) = app.get_html("/clinic/patients/new").await;
    assert_english("enrol form", &html);
    let r = app
        .submit(
            "/clinic/patients/new",
            "/clinic/patients/new",
            &[
                ("name", "Ana García"),
                ("email", ANA),
                ("skin_type", "4"),
                ("language", "es"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let pid: i64 = location(&r)
        .strip_prefix("/clinic/patients/")
        .and_then(|s| s.split(['/', '?']).next())
        .and_then(|s| s.parse().ok())
        .expect("patient id");
    let (_, html) = app.get_html(&format!("/clinic/patients/{pid}")).await;
    assert_english("patient record", &html);
    assert!(html.contains("<dd>Español</dd>"), "the record shows the language");
    assert_eq!(app.audit("patient.create")[0].detail, "language=es");
    app.create_treatment(
        PatientId(pid),
        ProcedureClass::AblativeFullCo2,
        date("2026-02-25"),
        "perioral",
    );
    app.sign_out().await;

    // The invitation email, over real SMTP, in Spanish.
    assert!(app.drain_outbox().await >= 1);
    let mail = smtp.wait_for(1, std::time::Duration::from_secs(10)).await;
    let invite = mail
        .iter()
        .find(|m| m.recipients.iter().any(|r| r.contains(ANA)))
        .expect("invite to Ana");
    let text = invite.decoded_text();
    assert!(text.contains("Clínica Sol le ha invitado a Aftercare"), "{text}");
    assert!(text.contains("Este enlace vence en 7 días"), "{text}");
    assert!(!text.contains("has invited you"), "{text}");
    let html = invite.decoded_html();
    assert_spanish("invite email", &html);
    let link = link_in_outbox(&app, ANA);
    assert!(
        link.starts_with("/invite?token=") && link.ends_with("&lang=es"),
        "{link}"
    );

    // Set the password, with one mistake first.
    let ana = app.browser();
    let r = ana.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_spanish("choose password", &html);
    assert!(html.contains("Elija su contraseña"));
    let mut form = hidden_fields(&html);
    form.push(("password".into(), "una frase larga y tranquila".into()));
    form.push(("confirm".into(), "otra frase distinta".into()));
    let r = ana.client.post(app.url("/invite")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert_spanish("choose password, wrong", &html);
    assert!(html.contains("las dos contraseñas no son iguales"), "{html}");
    form.pop();
    form.push(("confirm".into(), "una frase larga y tranquila".into()));
    let r = ana.client.post(app.url("/invite")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");

    // Home.
    let get = |path: &str| {
        let c = ana.client.clone();
        let url = app.url(path);
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, html) = get("/").await;
    assert_eq!(status, 200);
    assert_spanish("home", &html);
    assert!(html.contains("Hola, Ana García") && html.contains("Día 5 después de su láser de CO2"));
    assert!(
        html.contains("lunes, 2 de marzo") || html.contains("25 de febrero de 2026"),
        "{html}"
    );

    // The check-in: the short form, then a validation error on the full form.
    let (_, html) = get("/checkin").await;
    assert_spanish("check-in form", &html);
    assert!(html.contains("0 = sin dolor") && html.contains("10 = el peor imaginable"));
    assert!(html.contains("Nada de esto: enviar mi registro"));
    let (_, html) = get("/checkin?signs=some").await;
    assert_spanish("full check-in form", &html);
    let mut fields: Vec<(String, String)> = hidden_fields(&html);
    for (k, v) in answers(true).into_iter().filter(|(k, _)| *k != "pain") {
        fields.push((k.into(), v.into()));
    }
    let r = ana.client.post(app.url("/checkin")).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert_spanish("check-in with an error", &html);
    assert!(html.contains("Por favor, revise esta respuesta"), "{html}");
    assert!(html.contains("Elija qué tan fuerte fue el peor ardor o dolor, de 0 a 10"));
    assert!(html.contains("value=\"38,6\""), "input kept");

    // Sent right: a fever is urgent.
    fields.push(("pain".into(), "3".into()));
    let r = ana.client.post(app.url("/checkin")).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = get(&location(&r)).await;
    assert_spanish("urgent result", &html);
    assert!(html.contains("data-severity=\"urgent\""));
    assert!(html.contains("Llame a la clínica ahora"));
    assert!(html.contains("Porque nos dijo"));
    assert!(html.contains("Tengo fiebre, o me siento caliente y con escalofríos"));
    assert!(html.contains("Temperatura 38,6 °C (101,5 °F)"), "{html}");
    assert!(html.contains("número de emergencias de su zona"));

    // History.
    let (_, html) = get("/history").await;
    assert_spanish("history", &html);
    assert!(html.contains("Sus registros") && html.contains("Urgente: se avisó a la clínica"));
    assert!(html.contains("Días desde el tratamiento"), "chart axis");

    // The clinic's alert stays in English; the reminder the next evening is Spanish.
    let alert = app
        .outbox()
        .into_iter()
        .find(|r| r.kind == OutboxKind::AlertUrgent)
        .expect("urgent alert");
    assert!(alert.subject.starts_with("Urgent"), "{}", alert.subject);
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 18, 30, 0).unwrap());
    assert_eq!(app.run_scheduler().await.reminders, 1);
    let reminder = app
        .outbox()
        .into_iter()
        .find(|r| r.kind == OutboxKind::Reminder)
        .expect("reminder");
    assert_eq!(reminder.recipient, ANA);
    assert_eq!(reminder.subject, "Es hora del registro de hoy sobre su recuperación");
    assert!(
        reminder.body_text.contains("le pide que haga un registro cada día"),
        "{}",
        reminder.body_text
    );
    assert!(reminder.body_text.contains("/reminders/unsubscribe/"));
    assert_spanish("reminder email", &reminder.body_html);
}

#[tokio::test]
async fn the_patient_changes_their_language_from_home() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let patient = app.create_patient(clinic, ANA, "Ana García");
    app.create_treatment(patient, ProcedureClass::AblativeFractional, date("2026-02-28"), "");
    app.sign_in(ANA, PASSWORD).await;
    let (_, html) = app.get_html("/").await;
    assert_english("home", &html);
    assert!(html.contains("Hello, Ana García"));
    let r = app.submit("/", "/language", &[("language", "es")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/?notice=language");
    let (_, html) = app.get_html("/?notice=language").await;
    assert_spanish("home after the change", &html);
    assert!(html.contains("Sus páginas y correos ahora están en español."));
    assert_eq!(app.audit("patient.language")[0].detail, "es");
    // Back to English; an unknown language is refused and changes nothing.
    let r = app.submit("/", "/language", &[("language", "fr")]).await;
    assert_eq!(r.status(), 422);
    let (_, html) = app.get_html("/").await;
    assert_spanish("home after a refused change", &html);
    app.submit("/", "/language", &[("language", "en")]).await;
    let (_, html) = app.get_html("/").await;
    assert_english("home in English again", &html);
}

#[tokio::test]
async fn before_sign_in_accept_language_decides_and_the_switch_overrides_it() {
    let app = spawn_app().await;
    let get = |path: &'static str, accept: &'static str, client: reqwest::Client| {
        let url = app.url(path);
        async move {
            let r = client.get(url).header("accept-language", accept).send().await.unwrap();
            let cookie = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.starts_with("aftercare_lang="));
            (cookie, r.text().await.unwrap())
        }
    };
    let (_, html) = get("/login", "es-MX,es;q=0.9,en;q=0.5", new_client()).await;
    assert_spanish("sign-in, Accept-Language es", &html);
    assert!(html.contains("Entrar") && html.contains("¿Olvidó su contraseña?"));
    let (_, html) = get("/forgot", "es", new_client()).await;
    assert_spanish("forgot, Accept-Language es", &html);
    let (_, html) = get("/login", "en-GB,en;q=0.9", new_client()).await;
    assert_english("sign-in, Accept-Language en", &html);
    assert!(html.contains("Forgot your password?"));

    // The switch: a plain link (no JavaScript), remembered in a cookie.
    let doc = Html::parse_document(&html);
    let sel = Selector::parse("nav.lang-switch a[hreflang=es]").unwrap();
    let href = doc
        .select(&sel)
        .next()
        .expect("a link to Spanish")
        .value()
        .attr("href")
        .unwrap();
    assert_eq!(href, "/login?lang=es");
    let browser = new_client();
    let (remembered, html) = get("/login?lang=es", "en", browser.clone()).await;
    assert!(remembered, "the choice is remembered");
    assert_spanish("sign-in after the switch", &html);
    let (_, html) = get("/forgot", "en", browser.clone()).await;
    assert_spanish("the next page keeps the choice", &html);
    let (_, html) = get("/login?lang=en", "es", browser.clone()).await;
    assert_english("switched back", &html);

    // The invite and reset pages keep their token in the switch's links.
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    app.sign_in(ADMIN, PASSWORD).await;
    app.submit(
        "/clinic/patients/new",
        "/clinic/patients/new",
        &[("name", "Eve English"), ("email", "eve@example.org")],
    )
    .await;
    let link = link_in_outbox(&app, "eve@example.org");
    assert!(link.ends_with("&lang=en"), "{link}");
    let r = new_client().get(app.url(&link)).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert_english("invite page", &html);
    let doc = Html::parse_document(&html);
    let href = doc.select(&sel).next().expect("switch").value().attr("href").unwrap();
    let token = link.trim_start_matches("/invite?token=").trim_end_matches("&lang=en");
    assert_eq!(href, format!("/invite?token={token}&lang=es"));
    let r = new_client().get(app.url(href)).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert_spanish("invite page, switched", &html);
    assert!(html.contains("Elija su contraseña"));
    // A used-up or wrong link answers in the visitor's language too.
    let r = new_client()
        .get(app.url("/reset?token=nope&lang=es"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_spanish("invalid link", &r.text().await.unwrap());
}

#[tokio::test]
async fn requests_in_two_languages_at_once_never_mix() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let es = app.create_patient(clinic, ANA, "Ana García");
    let en = app.create_patient(clinic, "pat@example.org", "Pat Lee");
    app.db
        .write(|c| aftercare::db::patients::set_language(c, es, Lang::Es))
        .unwrap();
    for p in [es, en] {
        app.create_treatment(p, ProcedureClass::AblativeFullCo2, date("2026-02-25"), "");
    }
    let (ana, pat) = (app.browser(), app.browser());
    assert_eq!(sign_in_on(&app, &ana.client, ANA, PASSWORD).await, 303);
    assert_eq!(sign_in_on(&app, &pat.client, "pat@example.org", PASSWORD).await, 303);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let spanish = i % 2 == 0;
        let client = if spanish {
            ana.client.clone()
        } else {
            pat.client.clone()
        };
        let path = ["/", "/checkin?signs=some", "/history", "/login"][i / 2 % 4];
        let (path, accept) = if path == "/login" {
            // Visitors: a fresh browser, the header decides.
            ("/login", if spanish { "es" } else { "en" })
        } else {
            (path, if spanish { "en" } else { "es" })
        };
        let client = if path == "/login" { new_client() } else { client };
        let url = app.url(path);
        tasks.push(tokio::spawn(async move {
            let r = client.get(url).header("accept-language", accept).send().await.unwrap();
            (spanish, path, r.text().await.unwrap())
        }));
    }
    for t in tasks {
        let (spanish, path, html) = t.await.unwrap();
        if spanish {
            assert_spanish(path, &html);
        } else {
            assert_english(path, &html);
            let text = visible_text(&html);
            for word in ["Registro", "Sus registros", "Entrar", "Hola,"] {
                assert!(!text.contains(word), "{path}: Spanish {word:?} on an English page");
            }
        }
    }
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_aftercare"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("MAIL_DIR", app.dir.path().join("mail"))
        .env("PUBLIC_URL", &app.address)
        .output()
        .expect("the CLI runs")
}

#[tokio::test]
async fn the_cli_enrols_a_patient_in_spanish() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Bright Skin", "Europe/London");
    let out = cli(
        &app,
        &[
            "patient",
            "create",
            "--clinic",
            &clinic.to_string(),
            "--email",
            ANA,
            "--name",
            "Ana García",
            "--language",
            "es",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let mut lines = stdout.lines();
    let id: i64 = lines.next().and_then(|l| l.trim().parse().ok()).expect("the id");
    assert!(lines.next().is_some_and(|l| l.ends_with("&lang=es")), "{stdout}");
    let p = app
        .db
        .read(|c| aftercare::db::patients::get(c, PatientId(id)))
        .expect("read")
        .expect("the patient exists");
    assert_eq!(p.language, Lang::Es);
    let out = cli(
        &app,
        &[
            "patient",
            "create",
            "--clinic",
            &clinic.to_string(),
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--language",
            "fr",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--language"));
}

/// A multipart photo form with `files`, as the result page sends it.
fn photo_form(csrf: &str, checkin: CheckInId, files: Vec<Vec<u8>>) -> Form {
    let mut form = Form::new()
        .text("csrf", csrf.to_string())
        .text("checkin", checkin.to_string());
    for f in files {
        form = form.part("photo", Part::bytes(f).file_name("IMG.jpg"));
    }
    form
}

async fn answer(r: reqwest::Response) -> (u16, String) {
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Every page a Spanish patient can reach, and every error page they or a
/// Spanish visitor can meet, is Spanish (a browser asking for English
/// changes nothing once signed in); staff and English readers get English.
#[tokio::test]
async fn every_page_a_spanish_patient_can_meet_is_in_spanish() {
    let app = spawn_app().await;
    let clinic = app.create_clinic("Clínica Sol", "Europe/London");
    app.create_staff(clinic, ADMIN, Role::Admin);
    let ana = app.create_patient(clinic, ANA, "Ana García");
    app.db
        .write(|c| aftercare::db::patients::set_language(c, ana, Lang::Es))
        .unwrap();
    let t = app.create_treatment(ana, ProcedureClass::AblativeFullCo2, date("2026-02-25"), "");
    let checkin = app
        .record_checkin(t, app.clock_now().date_naive(), &CheckInAnswers::calm())
        .checkin;
    let (client, csrf) = crate::access::browser_as(&app, ANA).await;
    let get = |path: String| {
        let (c, url) = (client.clone(), app.url(&path));
        async move { answer(c.get(url).header("accept-language", "en").send().await.unwrap()).await }
    };
    let post = |path: &str, fields: Vec<(&'static str, String)>| {
        let (c, url) = (client.clone(), app.url(path));
        async move {
            answer(
                c.post(url)
                    .header("accept-language", "en")
                    .form(&fields)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };

    // The pages, and the errors a mistyped or old address meets.
    let pages = [
        ("/", 200),
        ("/checkin", 200),
        ("/checkin?signs=some", 200),
        (&*format!("/checkin/result?checkin={checkin}"), 200),
        ("/history", 200),
        ("/account/password", 200),
        ("/account/password?notice=changed", 200),
        ("/account/password?notice=session-ended", 200),
        ("/no-such-page", 404),
        ("/checkin/result?checkin=abc", 404),
        ("/photos/99999", 404),
        ("/clinic", 403),
        ("/clinic/patients/1", 403),
    ];
    for (path, status) in pages {
        let (got, html) = get(path.to_string()).await;
        assert_eq!(got, status, "{path}");
        assert_spanish(path, &html);
    }
    let (_, html) = get("/".into()).await;
    assert!(
        html.contains("Su contraseña y los dispositivos donde ha entrado"),
        "home links to the account page"
    );
    let (_, html) = get("/account/password".into()).await;
    assert!(
        html.contains("Cambiar su contraseña") && html.contains("Este dispositivo"),
        "{html}"
    );

    // Refused forms.
    let with_csrf = |pairs: &[(&'static str, &str)]| {
        let mut v: Vec<(&'static str, String)> = vec![("csrf", csrf.clone())];
        v.extend(pairs.iter().map(|(k, v)| (*k, v.to_string())));
        v
    };
    let (status, html) = post("/reminders", with_csrf(&[("reminders", "maybe")])).await;
    assert_eq!(status, 422);
    assert_spanish("reminders refused", &html);
    assert!(
        html.contains("Elija si quiere recibir correos de recordatorio"),
        "{html}"
    );
    let (status, html) = post("/language", with_csrf(&[("language", "fr")])).await;
    assert_eq!(status, 422);
    assert_spanish("language refused", &html);
    let (status, html) = post("/reminders", vec![("csrf", "stale".into()), ("reminders", "on".into())]).await;
    assert_eq!(status, 403);
    assert_spanish("CSRF refusal", &html);
    assert!(html.contains("Vuelva a cargar la página"), "{html}");
    let r = client
        .post(app.url("/reminders"))
        .header("origin", "https://elsewhere.example")
        .form(&with_csrf(&[("reminders", "on")]))
        .send()
        .await
        .unwrap();
    let (status, html) = answer(r).await;
    assert_eq!(status, 403);
    assert_spanish("cross-site refusal", &html);
    let r = client
        .post(app.url("/reminders"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, html) = answer(r).await;
    assert_eq!(status, 415);
    assert_spanish("not a form", &html);
    let (status, html) = post("/reminders", vec![("csrf", "x".repeat(70 * 1024))]).await;
    assert_eq!(status, 422);
    assert_spanish("form too large", &html);
    assert!(html.contains("demasiado grande"), "{html}");

    // Changing the password, wrongly.
    let (status, html) = post(
        "/account/password",
        with_csrf(&[
            ("current", "not it at all"),
            ("password", "una frase larga y nueva"),
            ("confirm", "una frase larga y nueva"),
        ]),
    )
    .await;
    assert_eq!(status, 422);
    assert_spanish("password change, wrong current", &html);
    assert!(html.contains("esa no es su contraseña actual"), "{html}");
    let (status, html) = post(
        "/account/password",
        with_csrf(&[("password", "short"), ("confirm", "x")]),
    )
    .await;
    assert_eq!(status, 422);
    assert_spanish("password change, too short", &html);
    assert!(html.contains("escriba su contraseña actual") && html.contains("use al menos 8 caracteres"));

    // Photos refused, each reason in Spanish.
    let upload = |files: Vec<Vec<u8>>| {
        let (c, url, form) = (
            client.clone(),
            app.url("/checkin/photos"),
            photo_form(&csrf, checkin, files),
        );
        async move { answer(c.post(url).multipart(form).send().await.unwrap()).await }
    };
    let refusals: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        (
            "not an image",
            vec![b"%PDF-1.4".to_vec()],
            "no es una foto que podamos abrir",
        ),
        (
            "too many pixels",
            vec![png_header_only(50_000, 50_000)],
            "50000 × 50000 píxeles",
        ),
        ("empty", vec![Vec::new()], "El archivo está vacío"),
        ("four at once", vec![phone_jpeg(); 4], "Elija 3 fotos como máximo"),
    ];
    for (what, files, says) in refusals {
        let (status, html) = upload(files).await;
        assert_eq!(status, 422, "{what}");
        assert_spanish(what, &html);
        assert!(html.contains(says), "{what}: {html}");
    }
    for _ in 0..3 {
        assert_eq!(upload(vec![phone_jpeg()]).await.0, 303);
    }
    let (status, html) = upload(vec![phone_jpeg()]).await;
    assert_eq!(status, 422);
    assert_spanish("a fourth photo", &html);
    assert!(html.contains("Este registro ya tiene 3 fotos"), "{html}");
    // Yesterday's photo stays: a 409 in Spanish.
    app.clock.advance(Duration::days(1));
    let photo = app.db.read(|c| aftercare::db::photos::of_checkin(c, checkin)).unwrap()[0].id;
    let (status, html) = post(&format!("/photos/{photo}/remove"), with_csrf(&[])).await;
    assert_eq!(status, 409);
    assert_spanish("photo kept", &html);
    assert!(html.contains("solo se puede quitar el mismo día"), "{html}");

    // A visitor who reads Spanish: the header, or the switch's cookie.
    let visitor = |accept: &'static str| {
        let (c, url) = (new_client(), app.url("/no-such-page"));
        async move { answer(c.get(url).header("accept-language", accept).send().await.unwrap()).await }
    };
    let (status, html) = visitor("es-ES,es;q=0.9").await;
    assert_eq!(status, 404);
    assert_spanish("404, Accept-Language es", &html);
    assert_english("404, Accept-Language en", &visitor("en").await.1);
    let browser = new_client();
    browser.get(app.url("/login?lang=es")).send().await.unwrap();
    let r = browser
        .get(app.url("/no-such-page"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_spanish("404 after the switch", &answer(r).await.1);
    // Too many sign-in attempts.
    let visitor = new_client();
    let csrf_v = csrf_on(&app, &visitor, "/login").await;
    let mut last = (0, String::new());
    for _ in 0..=aftercare::auth::throttle::ACCOUNT_BURST {
        let r = visitor
            .post(app.url("/login"))
            .header("accept-language", "es")
            .form(&[("csrf", csrf_v.as_str()), ("email", ANA), ("password", "wrong guess")])
            .send()
            .await
            .unwrap();
        last = answer(r).await;
    }
    assert_eq!(last.0, 429);
    assert_spanish("429", &last.1);
    assert!(
        last.1.contains("Demasiados intentos") && last.1.contains("segundos"),
        "{}",
        last.1
    );

    // Staff read English, whatever their browser asks for.
    let admin = new_client();
    assert_eq!(sign_in_on(&app, &admin, ADMIN, PASSWORD).await, 303);
    for path in ["/no-such-page", "/clinic/patients/99999", "/account/password"] {
        let r = admin
            .get(app.url(path))
            .header("accept-language", "es")
            .send()
            .await
            .unwrap();
        assert_english(path, &answer(r).await.1);
    }
}
