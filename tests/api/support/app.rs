//! `spawn_app()`: the real application on a random port with a fresh
//! database (a SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` is set), a manual clock, and a cookie-keeping client.

use aftercare::app::onboarding;
use aftercare::clock::ManualClock;
use aftercare::config::Settings;
use aftercare::db::{audit::Actor, Db};
use aftercare::domain::*;
use aftercare::startup::Application;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use diesel::{Connection, RunQueryDsl};
use std::collections::HashMap;
use std::sync::Arc;

pub const PASSWORD: &str = "recovery-is-a-process";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db: Db,
    pub clock: ManualClock,
    pub client: reqwest::Client,
    pub setup_link: Option<String>,
    pub dir: tempfile::TempDir,
    pub database_url: String,
    pub settings_env: HashMap<String, String>,
    pub worker: aftercare::mail::worker::DeliveryWorker,
    pub mail: aftercare::app::notify::MailContext,
    /// This process's Bulk Data export worker (tests drive it).
    pub exporter: aftercare::jobs::export::ExportWorker,
    _pg: Option<PgTestDb>,
}

/// A PostgreSQL database made for one test and dropped after it.
pub struct PgTestDb {
    admin_url: String,
    name: String,
}

impl PgTestDb {
    pub fn create(admin_url: &str) -> (Self, String) {
        let name = format!("aftercare_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = diesel::pg::PgConnection::establish(admin_url).expect("TEST_DATABASE_URL must be reachable");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create test database");
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        (
            Self {
                admin_url: admin_url.to_string(),
                name,
            },
            url.to_string(),
        )
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::pg::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}

/// The PostgreSQL admin URL for tests, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A fresh database URL: (url, guard, temp dir).
pub fn fresh_database() -> (String, Option<PgTestDb>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    match postgres_url() {
        Some(admin) => {
            let (pg, url) = PgTestDb::create(&admin);
            (url, Some(pg), dir)
        }
        None => (dir.path().join("aftercare.db").to_string_lossy().to_string(), None, dir),
    }
}

/// Monday 2026-03-02 10:00 UTC: a fixed, ordinary starting point.
pub fn default_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).single().expect("valid time")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with extra environment settings (e.g. SMTP_HOST).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let (database_url, pg, dir) = fresh_database();
    start(database_url, pg, dir, extra).await
}

/// A second app process on the same database as `other` (a restart, or a
/// second `serve` beside the first).
pub async fn spawn_app_sharing(other: &TestApp, extra: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = start(other.database_url.clone(), None, dir, extra).await;
    app.clock.set(other.clock_now());
    app
}

/// Another process on `other`'s database whose mail goes to `smtp`.
pub async fn spawn_app_sharing_smtp(other: &TestApp, smtp: &crate::support::smtp::SmtpServer) -> TestApp {
    let port = smtp.port().to_string();
    spawn_app_sharing(
        other,
        &[
            ("SMTP_HOST", "127.0.0.1"),
            ("SMTP_PORT", &port),
            ("SMTP_SECURITY", "off"),
        ],
    )
    .await
}

/// An app whose mail goes to a real SMTP server over TCP (security off).
pub async fn spawn_app_with_smtp() -> (TestApp, crate::support::smtp::SmtpServer) {
    let smtp = crate::support::smtp::SmtpServer::start_new().await;
    let port = smtp.port().to_string();
    let app = spawn_app_with(&[
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_SECURITY", "off"),
    ])
    .await;
    (app, smtp)
}

async fn start(database_url: String, pg: Option<PgTestDb>, dir: tempfile::TempDir, extra: &[(&str, &str)]) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("DATABASE_URL".into(), database_url.clone());
    env.insert("BIND".into(), "127.0.0.1:0".into());
    env.insert("MAIL_DIR".into(), dir.path().join("mail").to_string_lossy().to_string());
    env.insert("WORKER_INTERVAL_SECONDS".into(), "1".into());
    // Tests drive the worker and the scheduler themselves (deterministic).
    env.insert("RUN_WORKERS".into(), "off".into());
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
    settings.check_mail_dir().expect("mail dir");
    let clock = ManualClock::new(default_now());
    let app = Application::build(settings, Arc::new(clock.clone()))
        .await
        .expect("app builds");
    let port = app.port();
    let db = app.db.clone();
    let setup_link = app.setup_link.clone();
    let worker = app.worker.clone();
    let mail = app.mail.clone();
    let exporter = app.exporter.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db,
        clock,
        client: new_client(),
        setup_link,
        dir,
        database_url,
        settings_env: env,
        worker,
        mail,
        exporter,
        _pg: pg,
    }
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of every hidden input in a page (csrf, token, …).
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("input[type=hidden]").expect("selector");
    doc.select(&sel)
        .filter_map(|e| {
            Some((
                e.value().attr("name")?.to_string(),
                e.value().attr("value").unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// Every field a browser would send from the first form posting to `action`.
pub fn form_values(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let form_sel = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).expect("selector");
    let form = doc.select(&form_sel).next().expect("form on page");
    let input = scraper::Selector::parse("input, textarea, select").expect("selector");
    let mut out = Vec::new();
    for e in form.select(&input) {
        let v = e.value();
        let Some(name) = v.attr("name") else { continue };
        match (v.name(), v.attr("type")) {
            ("input", Some("checkbox")) | ("input", Some("radio")) => {
                if v.attr("checked").is_some() {
                    out.push((name.to_string(), v.attr("value").unwrap_or("on").to_string()));
                }
            }
            ("textarea", _) => out.push((name.to_string(), e.text().collect())),
            ("select", _) => {
                let opt = scraper::Selector::parse("option[selected]").expect("selector");
                let val = e
                    .select(&opt)
                    .next()
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or("");
                out.push((name.to_string(), val.to_string()));
            }
            _ => out.push((name.to_string(), v.attr("value").unwrap_or("").to_string())),
        }
    }
    out
}

pub fn csrf_of(html: &str) -> String {
    hidden_fields(html)
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
        .expect("page has a csrf field")
}

/// The CSRF token of page `path` as `client` sees it.
pub async fn csrf_on(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let html = client
        .get(app.url(path))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    csrf_of(&html)
}

/// Signs in from `client` (its own cookies); returns the status.
pub async fn sign_in_on(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> u16 {
    let csrf = csrf_on(app, client, "/login").await;
    client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// POSTs `fields` as a form, as is (no CSRF added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Opens `page`, takes its hidden fields (CSRF and others), adds
    /// `fields`, and submits to `action`, as a browser would.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let (_, html) = self.get_html(page).await;
        let mut all: Vec<(String, String)> = hidden_fields(&html);
        for (k, v) in fields {
            all.retain(|(name, _)| name != k);
            all.push((k.to_string(), v.to_string()));
        }
        self.client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .expect("POST")
    }

    /// A CSRF token valid for this client's current session.
    pub async fn csrf(&self) -> String {
        let (_, html) = self.get_html("/login").await;
        if let Some((_, v)) = hidden_fields(&html).into_iter().find(|(k, _)| k == "csrf") {
            return v;
        }
        // Signed in: /login redirects; take it from the home page.
        let (_, html) = self.get_html("/").await;
        csrf_of(&html)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.submit("/login", "/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn sign_out(&self) -> reqwest::Response {
        let (_, html) = self.get_html("/").await;
        let csrf = hidden_fields(&html)
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
            .unwrap_or_default();
        self.client
            .post(self.url("/logout"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("POST")
    }

    /// Another browser on the same app (its own cookies).
    pub fn browser(&self) -> Browser {
        Browser {
            address: self.address.clone(),
            client: new_client(),
        }
    }

    // ---- fixtures, written straight to the database ----

    pub fn create_clinic(&self, name: &str, tz: &str) -> ClinicId {
        let input = onboarding::ClinicInput::parse(name, tz, "+44 20 7946 0000", "alerts@clinic.example")
            .expect("clinic input");
        let now = self.clock_now();
        self.db
            .write(|c| onboarding::create_clinic(c, &input, now, &Actor::system("test")))
            .expect("clinic")
    }

    pub fn create_staff(&self, clinic: ClinicId, email: &str, role: Role) -> StaffId {
        let input = onboarding::StaffInput {
            clinic,
            email: EmailAddress::parse(email).expect("email"),
            name: format!("Staff {email}"),
            role,
        };
        let hash = test_hash();
        let now = self.clock_now();
        self.db
            .write(|c| onboarding::create_staff(c, &input, Some(&hash), now, &self.address, &Actor::system("test")))
            .expect("staff")
            .0
    }

    pub fn create_patient(&self, clinic: ClinicId, email: &str, name: &str) -> PatientId {
        self.create_patient_with_phone(clinic, email, name, None)
    }

    /// A patient with a phone number (as typed), or none.
    pub fn create_patient_with_phone(
        &self,
        clinic: ClinicId,
        email: &str,
        name: &str,
        phone: Option<&str>,
    ) -> PatientId {
        let input = onboarding::PatientInput {
            clinic,
            email: EmailAddress::parse(email).expect("email"),
            name: name.to_string(),
            skin_type: SkinType::new(3).ok(),
            cold_sores: false,
            phone: phone.map(|p| PhoneNumber::parse(p).expect("phone")),
            language: aftercare::domain::Lang::En,
        };
        let hash = test_hash();
        let now = self.clock_now();
        self.db
            .write(|c| onboarding::create_patient(c, &input, Some(&hash), now, &self.address, &Actor::system("test")))
            .expect("patient")
            .0
    }

    pub fn create_treatment(
        &self,
        patient: PatientId,
        procedure: ProcedureClass,
        date: NaiveDate,
        zones: &str,
    ) -> TreatmentId {
        let input = onboarding::TreatmentInput {
            patient,
            procedure,
            treated_on: date,
            zones: Zones::parse(zones).expect("zones"),
            prescribed: Prescribed::default(),
        };
        let now = self.clock_now();
        self.db
            .write(|c| onboarding::create_treatment(c, None, &input, now, &Actor::system("test")))
            .expect("treatment")
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use aftercare::clock::Clock;
        self.clock.now()
    }

    /// Records a check-in through the same service the form uses.
    pub fn record_checkin(
        &self,
        treatment: TreatmentId,
        date: NaiveDate,
        answers: &CheckInAnswers,
    ) -> aftercare::app::checkin::Outcome {
        use aftercare::db::{clinics, patients};
        let now = self.clock_now();
        self.db
            .write(|c| {
                let t = patients::treatment_by_id(c, treatment)?.expect("treatment exists");
                let p = patients::get(c, t.patient_id)?.expect("patient exists");
                let clinic = clinics::get(c, p.clinic_id)?.expect("clinic exists");
                let sub = aftercare::app::checkin::Submission {
                    patient: &p,
                    clinic: &clinic,
                    treatment: &t,
                    date,
                    answers,
                };
                aftercare::app::checkin::record(c, &self.mail, &sub, now)
            })
            .expect("check-in recorded")
    }

    /// Sends every email that is due now; returns how many were accepted.
    pub async fn drain_outbox(&self) -> usize {
        self.worker.run_once().await.expect("delivery pass")
    }

    /// One scheduler pass at the clock's current time.
    pub async fn run_scheduler(&self) -> aftercare::jobs::scheduler::PassReport {
        let (db, mail, now) = (self.db.clone(), self.mail.clone(), self.clock_now());
        tokio::task::spawn_blocking(move || aftercare::jobs::scheduler::run_pass(&db, &mail, now))
            .await
            .expect("scheduler task")
            .expect("scheduler pass")
    }

    /// Every outbox row, oldest first.
    pub fn outbox(&self) -> Vec<aftercare::db::outbox::OutboxRow> {
        self.db.read(aftercare::db::outbox::all).expect("outbox")
    }

    /// Audit rows with `action` (its stored text, which must be a known action).
    pub fn audit(&self, action: &str) -> Vec<aftercare::db::audit::AuditEntry> {
        let action = aftercare::domain::AuditAction::parse(action).expect("a known audit action");
        self.db
            .read(|c| aftercare::db::audit::with_action(c, action))
            .expect("audit")
    }
}

/// A separate browser (cookie jar) against the same app.
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
}

/// Hashing is slow on purpose; tests share one hash of [`PASSWORD`].
pub fn test_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let p = aftercare::auth::password::NewPassword::parse(PASSWORD).expect("test password is valid");
        aftercare::auth::password::hash(&p).expect("hash")
    })
    .clone()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}
