//! Wiring: the database, the HTTP server and the background work, built from
//! settings and a clock (tests pass a manual clock and port 0).

use crate::app::notify::MailContext;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Settings;
use crate::db::audit::Actor;
use crate::db::{Db, DbError};
use crate::error::Error;
use crate::jobs::export::ExportWorker;
use crate::jobs::scheduler;
use crate::mail::transport::Mailer;
use crate::mail::worker::DeliveryWorker;
use crate::web::{self, AppState};
use actix_web::{middleware, web as aweb, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;

pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("DATABASE_URL: {0}")]
    Database(#[from] DbError),
    #[error("BIND: cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}

impl From<Error> for StartError {
    fn from(e: Error) -> Self {
        StartError::Other(e.to_string())
    }
}

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    pub db: Db,
    /// The delivery worker (tests drive it with `run_once`).
    pub worker: DeliveryWorker,
    pub mail: MailContext,
    /// The Bulk Data export worker (tests drive it with `run_pages`).
    pub exporter: ExportWorker,
    clock: SharedClock,
    interval: std::time::Duration,
    run_workers: bool,
    /// The first-run setup link, when the database has no clinic yet.
    pub setup_link: Option<String>,
}

impl Application {
    /// Connects (running migrations), binds, and prepares the server. With
    /// `BIND` port 0 the OS picks a port; [`Application::port`] tells which.
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, StartError> {
        let url = settings.database.clone();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url))
            .await
            .map_err(|e| StartError::Other(e.to_string()))??;

        let listener = TcpListener::bind(settings.bind).map_err(|source| StartError::Bind {
            addr: settings.bind.to_string(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartError::Other(e.to_string()))?
            .port();

        let key = settings.totp_key.clone();
        let db3 = db.clone();
        tokio::task::spawn_blocking(move || db3.read(|c| crate::app::totp::check_key(c, key.as_ref())))
            .await
            .map_err(|e| StartError::Other(e.to_string()))??;

        // Clinics still on the previous default rules move to the revised ones.
        let (db4, now) = (db.clone(), clock.now());
        let moved = tokio::task::spawn_blocking(move || {
            db4.write(|c| crate::app::clinic::adopt_revised_defaults(c, now, &Actor::system("rules revision")))
        })
        .await
        .map_err(|e| StartError::Other(e.to_string()))??;
        if !moved.is_empty() {
            tracing::info!(clinics = moved.len(), "moved to the revised default trend rules");
        }

        let mut settings = settings;
        // PUBLIC_URL defaults from BIND; with port 0 that must be the real port.
        if settings.bind.port() == 0 && settings.public_url.ends_with(":0") {
            settings.public_url = format!("{}{port}", settings.public_url.trim_end_matches('0'));
        }
        let settings = Arc::new(settings);

        let now = clock.now();
        let public_url = settings.public_url.clone();
        let db2 = db.clone();
        let setup_link =
            tokio::task::spawn_blocking(move || crate::app::onboarding::start_setup(&db2, now, &public_url))
                .await
                .map_err(|e| StartError::Other(e.to_string()))??;
        if let Some(link) = &setup_link {
            println!(
                "\nAftercare has no clinic yet. Open this one-time link to set it up (valid 24 hours):\n\n    {link}\n"
            );
        }

        let mailer = Mailer::new(&settings.mail, &settings.mail_from).map_err(|e| StartError::Other(e.to_string()))?;
        tracing::info!(mail = %mailer.describe(), "mail transport");
        let worker = DeliveryWorker::new(db.clone(), mailer, clock.clone());
        let mail = MailContext::from_settings(&settings);
        let exporter = ExportWorker::new(db.clone(), clock.clone(), &settings.public_url);
        let interval = std::time::Duration::from_secs(settings.worker_interval_secs);
        let run_workers = settings.run_workers;

        let state = aweb::Data::new(AppState {
            db: db.clone(),
            settings: settings.clone(),
            clock: clock.clone(),
            throttle: crate::auth::throttle::Throttle::new(clock.clone()),
        });
        let slow_request = crate::telemetry::SlowRequest(settings.slow_request);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(slow_request)
                .app_data(aweb::QueryConfig::default().error_handler(|_, _| Error::NotFound.into()))
                .app_data(aweb::PathConfig::default().error_handler(|_, _| Error::NotFound.into()))
                .wrap(middleware::from_fn(web::security::protect))
                // Outside `protect`: it changes only an error page's words,
                // keeping the headers `protect` set.
                .wrap(middleware::from_fn(web::error::in_readers_language))
                .wrap(middleware::Compress::default())
                .wrap(tracing_actix_web::TracingLogger::<crate::telemetry::RequestSpan>::new())
                .configure(web::routes)
                .default_service(aweb::to(|| async {
                    Err::<actix_web::HttpResponse, Error>(Error::NotFound)
                }))
        })
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: settings.bind.to_string(),
            source,
        })?
        .run();

        Ok(Self {
            port,
            server,
            db,
            worker,
            mail,
            exporter,
            clock,
            interval,
            run_workers,
            setup_link,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves, delivers email and runs the scheduler until the process is
    /// asked to stop (SIGTERM, SIGINT). Background work never stops the web
    /// server.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        tracing::info!(port = self.port, "serving");
        let stop_listener = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let listener = if self.run_workers {
            self.db.listen_for_outbox(stop_listener.clone())
        } else {
            None
        };
        let background = if self.run_workers {
            vec![
                tokio::spawn(self.worker.clone().run_forever(self.interval)),
                tokio::spawn(scheduler::run_forever(
                    self.db.clone(),
                    self.mail.clone(),
                    self.clock.clone(),
                    self.interval,
                )),
                tokio::spawn(self.exporter.clone().run_forever(self.interval)),
            ]
        } else {
            Vec::new()
        };
        // Returns once a signal stopped the server and its requests drained.
        let served = self.server.await;
        // Stop the loops and let go of every handle on the pool, so its
        // connections close here and not in a thread racing the exit. A
        // database call already running finishes first: the runtime waits
        // for blocking tasks when it shuts down.
        for task in &background {
            task.abort();
        }
        for task in background {
            let _ = task.await;
        }
        stop_listener.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(listener) = listener {
            let _ = tokio::task::spawn_blocking(move || listener.join()).await;
        }
        drop(self.worker);
        drop(self.exporter);
        drop(self.db);
        tracing::info!("stopped");
        served.map_err(|e| StartError::Other(e.to_string()))
    }
}
