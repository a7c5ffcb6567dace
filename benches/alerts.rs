//! Alert delivery against a real SMTP server on loopback (issue 19).
//!
//! The delivery worker runs as in `serve` (woken by commits, a 600 s poll),
//! sending to a sink (`support/smtp.rs`) that notes when each message's
//! closing dot arrived. Measured, each repeat:
//! - **burst**: 1,000 urgent alerts committed in one transaction, from the
//!   commit to the last message at the sink (and to the last row marked sent);
//! - **single**: one alert committed at a time, commit → its arrival, 200 of them;
//! - **baseline**, in the same run: the same messages through stock lettre
//!   0.11 (its pool, Nagle on) as the worker sent them before: 4 connections,
//!   claimed 32 at a time, each batch waiting for its slowest message (no
//!   database, so the old worker was slower still); and one message at a
//!   time, send → arrival. Also the new transport alone (no database).
//!
//! ```sh
//! cargo bench --bench alerts                      # a temp SQLite file
//! DATABASE_URL=postgres://… cargo bench --bench alerts -- --repeats 3 --burst 1000 --singles 200
//! ```

// Shared with the load benchmark, which uses more of it.
#[path = "support/smtp.rs"]
#[allow(dead_code)]
mod smtp_sink;

use std::time::{Duration, Instant};

use aftercare::config::{MailTransportSettings, SmtpSecurity, SmtpSettings};
use aftercare::db::{outbox, Db};
use aftercare::domain::OutboxKind;
use aftercare::mail::message::{build_message, render_alert, AlertEmail, AlertSeverity, OutgoingEmail};
use aftercare::mail::transport::Mailer;
use aftercare::mail::worker::DeliveryWorker;
use futures_util::StreamExt;
use lettre::AsyncTransport;
use smtp_sink::SmtpSink;

const FROM: &str = "Aftercare <alerts@aftercare.example>";
const WAIT: Duration = Duration::from_secs(120);

struct Args {
    repeats: usize,
    burst: usize,
    singles: usize,
}

fn args() -> Args {
    let mut a = Args {
        repeats: 3,
        burst: 1000,
        singles: 200,
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < raw.len() {
        let next = || raw.get(i + 1).and_then(|v| v.parse().ok());
        match raw[i].as_str() {
            "--repeats" => a.repeats = next().expect("--repeats N"),
            "--burst" => a.burst = next().expect("--burst N"),
            "--singles" => a.singles = next().expect("--singles N"),
            // `cargo bench` passes `--bench`; ignore what we do not know.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

/// An urgent alert as `notify::flags_raised` renders it.
fn alert(n: usize) -> OutgoingEmail {
    let refs = vec![format!("AC-{n:06}")];
    let (subject, text, html) = render_alert(&AlertEmail {
        severity: AlertSeverity::Urgent,
        clinic_name: "Harbour Skin Clinic",
        public_url: "https://aftercare.example.org",
        references: &refs,
        also_review: 0,
    })
    .expect("render");
    OutgoingEmail {
        message_id: format!("<alert-{n}.bench@aftercare.example>"),
        to: format!("desk{n}@harbour-clinic.example"),
        subject,
        text,
        html,
        sender_name: None,
        list_unsubscribe: None,
    }
}

/// Commits `emails` in one transaction; returns when the commit did.
fn enqueue(db: &Db, emails: &[OutgoingEmail]) -> Instant {
    let now = chrono::Utc::now().naive_utc();
    db.write(|c| {
        for e in emails {
            outbox::enqueue(
                c,
                &outbox::NewEmail {
                    kind: OutboxKind::AlertUrgent,
                    clinic: None,
                    flag: None,
                    recipient: &e.to,
                    subject: &e.subject,
                    text: &e.text,
                    html: &e.html,
                },
                "aftercare.example",
                now,
            )?;
        }
        Ok::<_, aftercare::db::DbError>(())
    })
    .expect("enqueue");
    Instant::now()
}

fn pending(db: &Db) -> i64 {
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).naive_utc();
    db.read(|c| outbox::stuck_count(c, later)).expect("count")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (p50, p99, max) of milliseconds.
fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let pick = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5), pick(0.99), pick(1.0))
}

/// (min, median, max).
fn spread(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

/// Stock lettre with the pool the worker used before (4 connections).
fn stock_lettre(port: u16) -> lettre::AsyncSmtpTransport<lettre::Tokio1Executor> {
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(4))
        .build()
}

/// The old worker's sending pattern: claims of 32, 4 at a time, each claim
/// waiting for its slowest message. Returns the time to the last arrival.
async fn baseline_burst(sink: &SmtpSink, emails: &[OutgoingEmail]) -> Duration {
    let lettre = stock_lettre(sink.port());
    let before = sink.count();
    let start = Instant::now();
    for batch in emails.chunks(32) {
        let sends = batch.iter().map(|e| {
            let lettre = &lettre;
            async move {
                lettre
                    .send(build_message(e, FROM).expect("message"))
                    .await
                    .expect("sent")
            }
        });
        futures_util::stream::iter(sends)
            .buffer_unordered(4)
            .collect::<Vec<_>>()
            .await;
    }
    assert!(sink.wait_for_count(before + emails.len(), WAIT).await);
    *sink.arrivals().last().expect("arrived") - start
}

/// Stock lettre, one message at a time: send → arrival, per message.
async fn baseline_singles(sink: &SmtpSink, emails: &[OutgoingEmail]) -> Vec<f64> {
    let lettre = stock_lettre(sink.port());
    // The first send opens the connection; the worker's pool is warm too.
    lettre
        .send(build_message(&emails[0], FROM).expect("message"))
        .await
        .expect("sent");
    let mut out = Vec::new();
    for e in emails {
        let before = sink.count();
        let start = Instant::now();
        lettre
            .send(build_message(e, FROM).expect("message"))
            .await
            .expect("sent");
        assert!(sink.wait_for_count(before + 1, WAIT).await);
        out.push(ms(sink.arrivals()[before] - start));
    }
    out
}

/// The new transport with no database: as many at once as the worker sends.
async fn transport_burst(sink: &SmtpSink, mailer: &Mailer, emails: &[OutgoingEmail]) -> Duration {
    let before = sink.count();
    let start = Instant::now();
    futures_util::stream::iter(emails.iter().map(|e| mailer.send(e)))
        .buffer_unordered(aftercare::mail::worker::PARALLEL)
        .for_each(|r| async move {
            r.expect("sent");
        })
        .await;
    assert!(sink.wait_for_count(before + emails.len(), WAIT).await);
    *sink.arrivals().last().expect("arrived") - start
}

fn mailer(port: u16) -> Mailer {
    let settings = MailTransportSettings::Smtp(SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::Off,
        username: None,
        password: None,
    });
    Mailer::new(&settings, FROM).expect("mailer")
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| dir.path().join("alerts.db").to_string_lossy().into_owned());
    let db = Db::connect(&aftercare::db::DatabaseUrl::parse(&url).expect("DATABASE_URL")).expect("database");
    let sink = SmtpSink::start().await.expect("sink");
    let worker = DeliveryWorker::new(db.clone(), mailer(sink.port()), aftercare::startup::system_clock());
    tokio::spawn(worker.run_forever(Duration::from_secs(600)));
    let direct = mailer(sink.port());
    println!(
        "database: {}; burst {} alerts, {} single alerts, {} repeats; {} sends at once",
        if db.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite (synchronous=FULL)"
        },
        a.burst,
        a.singles,
        a.repeats,
        aftercare::mail::worker::PARALLEL
    );

    let burst: Vec<OutgoingEmail> = (0..a.burst).map(alert).collect();
    let (mut worker_burst, mut worker_marked, mut old_burst, mut bare_burst) = (vec![], vec![], vec![], vec![]);
    let (mut p99s, mut old_p99s) = (vec![], vec![]);
    for repeat in 1..=a.repeats {
        // Burst: one commit of N alerts → the last at the sink.
        let before = sink.count();
        let committed = enqueue(&db, &burst);
        assert!(sink.wait_for_count(before + a.burst, WAIT).await, "burst arrived");
        let last = *sink.arrivals().last().expect("arrived");
        while pending(&db) > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let marked = committed.elapsed();
        let took = last.saturating_duration_since(committed);

        // Singles: commit one, wait for it, a short pause, the next.
        let mut single = Vec::with_capacity(a.singles);
        for n in 0..a.singles {
            let before = sink.count();
            let committed = enqueue(&db, std::slice::from_ref(&burst[n % burst.len()]));
            assert!(sink.wait_for_count(before + 1, WAIT).await, "single arrived");
            single.push(ms(sink.arrivals()[before].saturating_duration_since(committed)));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (p50, p99, max) = percentiles(single);

        let old = baseline_burst(&sink, &burst).await;
        let (op50, op99, omax) = percentiles(baseline_singles(&sink, &burst[..a.singles.min(burst.len())]).await);
        let bare = transport_burst(&sink, &direct, &burst).await;

        println!(
            "repeat {repeat}: burst {:.0} ms to the last 250 ({:.0}/s), {:.0} ms to all marked sent | single p50 {p50:.2} p99 {p99:.2} max {max:.2} ms",
            ms(took),
            a.burst as f64 / took.as_secs_f64(),
            ms(marked)
        );
        println!(
            "          baseline (stock lettre, 4 connections, batches of 32): burst {:.0} ms ({:.0}/s) | single p50 {op50:.2} p99 {op99:.2} max {omax:.2} ms; new transport alone: burst {:.0} ms",
            ms(old),
            a.burst as f64 / old.as_secs_f64(),
            ms(bare)
        );
        worker_burst.push(ms(took));
        worker_marked.push(ms(marked));
        old_burst.push(ms(old));
        bare_burst.push(ms(bare));
        p99s.push(p99);
        old_p99s.push(op99);
    }
    let ratios = |old: &[f64], new: &[f64]| spread(old.iter().zip(new).map(|(o, n)| o / n).collect());
    let show = |name: &str, v: &[f64]| {
        let (lo, mid, hi) = spread(v.to_vec());
        println!("{name:<44} {lo:>9.2} {mid:>9.2} {hi:>9.2}");
    };
    println!("\n{:<44} {:>9} {:>9} {:>9}", "over the repeats", "min", "median", "max");
    show("burst: commit → last 250, ms", &worker_burst);
    show("burst: commit → all marked sent, ms", &worker_marked);
    show("burst: baseline, ms", &old_burst);
    show("burst: new transport alone, ms", &bare_burst);
    show("single: commit → 250 p99, ms", &p99s);
    show("single: baseline send → 250 p99, ms", &old_p99s);
    let (lo, mid, hi) = ratios(&old_burst, &worker_burst);
    println!(
        "{:<44} {lo:>9.2} {mid:>9.2} {hi:>9.2}",
        "burst speed-up (baseline / worker)"
    );
    let (lo, mid, hi) = ratios(&old_p99s, &p99s);
    println!(
        "{:<44} {lo:>9.2} {mid:>9.2} {hi:>9.2}",
        "single p99 (baseline / worker)"
    );
}
