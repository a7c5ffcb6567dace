//! The rules preview and the quality report at scale, each beside a
//! baseline page on the same database and client, reporting
//! min/median/p95/max in milliseconds at the client and the ratios of the
//! medians (to the baseline, and to the issue's budget).
//!
//! ```sh
//! # the preview: a clinic of 1,000 patients over 90 days (about 90,000 check-ins)
//! DATABASE_URL=/tmp/preview.db cargo bench --bench quality -- --generate --patients 1000 --days 90 --preview
//! # the report: the demo's million check-ins
//! DATABASE_URL=/tmp/bench.db cargo run --release -- demo --patients 10000 --days 100
//! DATABASE_URL=/tmp/bench.db cargo bench --bench quality -- --report
//! ```
//! Baselines: the rules page itself for the preview (the same page without
//! the replay), the triage queue for the report. Signs in as the demo's admin.

mod support;

use aftercare::triage::{FieldKind, RuleSettings};

struct Args {
    generate: Option<(u32, u32)>,
    preview: bool,
    report: bool,
    requests: usize,
}

fn args() -> Args {
    let mut a = Args {
        generate: None,
        preview: false,
        report: false,
        requests: 10,
    };
    let (mut patients, mut days, mut generate) = (1000, 90, false);
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < raw.len() {
        let next = raw.get(i + 1).cloned().unwrap_or_default();
        match raw[i].as_str() {
            "--generate" => generate = true,
            "--preview" => a.preview = true,
            "--report" => a.report = true,
            "--patients" => {
                patients = next.parse().expect("--patients N");
                i += 1
            }
            "--days" => {
                days = next.parse().expect("--days D");
                i += 1
            }
            "--requests" => {
                a.requests = next.parse().expect("--requests N");
                i += 1
            }
            // `cargo bench` passes `--bench`; ignore what we do not know.
            _ => {}
        }
        i += 1;
    }
    if generate {
        a.generate = Some((patients, days));
    }
    if !a.preview && !a.report {
        a.preview = true;
        a.report = true;
    }
    a
}

fn line(name: &str, ms: Vec<f64>) -> f64 {
    let (min, median, p95, max) = support::stats(ms);
    println!("{name:<28} {min:>9.1} {median:>9.1} {p95:>9.1} {max:>9.1}");
    median
}

/// The rules form as a browser posts it, with the defaults' values, one
/// changed (a stricter itch threshold).
fn draft_form(csrf: &str) -> Vec<(String, String)> {
    let mut out = vec![("csrf".to_string(), csrf.to_string())];
    for f in RuleSettings::default().form_fields() {
        let value = if f.name == "itch_high" {
            "5".to_string()
        } else {
            f.value
        };
        match f.kind {
            FieldKind::Checkbox if value != "on" => {}
            _ => out.push((f.name.to_string(), value)),
        }
    }
    out.push(("note".into(), String::new()));
    out
}

#[tokio::main]
async fn main() {
    let a = args();
    let (base, db, _dir) = support::start_app(a.generate).await;
    let client = support::signed_in(&base, aftercare::demo::ADMIN_EMAIL, aftercare::demo::PASSWORD).await;
    let checkins: i64 = db
        .read(|c| {
            use diesel::prelude::*;
            aftercare::db::schema::checkins::table
                .count()
                .get_result::<i64>(c)
                .map_err(aftercare::error::Error::from)
        })
        .expect("count");
    println!("database: {checkins} check-ins; {} requests per page", a.requests);
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9}",
        "page", "min ms", "median", "p95", "max"
    );
    let get = |path: &'static str| {
        let client = client.clone();
        let url = format!("{base}{path}");
        move || {
            let client = client.clone();
            let url = url.clone();
            async move {
                let r = client.get(&url).send().await.expect("GET");
                assert_eq!(r.status(), 200, "{url}");
                let _ = r.bytes().await.expect("body");
            }
        }
    };
    if a.preview {
        let html = client
            .get(format!("{base}/clinic/settings/rules"))
            .send()
            .await
            .expect("rules page")
            .text()
            .await
            .expect("body");
        let form = draft_form(&support::csrf_of(&html));
        let baseline = line(
            "rules page (baseline)",
            support::time(a.requests, get("/clinic/settings/rules")).await,
        );
        let url = format!("{base}/clinic/settings/rules/preview");
        let preview = line(
            "rules preview, 90 days",
            support::time(a.requests, || {
                let (client, url, form) = (client.clone(), url.clone(), form.clone());
                async move {
                    let r = client.post(&url).form(&form).send().await.expect("POST");
                    assert_eq!(r.status(), 200, "preview");
                    let body = r.text().await.expect("body");
                    assert!(body.contains("Nothing has been saved"));
                }
            })
            .await,
        );
        println!(
            "preview / baseline median: {:.1}×; preview / 2,000 ms budget: {:.2}",
            preview / baseline,
            preview / 2000.0
        );
    }
    if a.report {
        let baseline = line(
            "triage queue (baseline)",
            support::time(a.requests, get("/clinic")).await,
        );
        // The whole of the demo's history: 400 days back covers any --days.
        let today = chrono::Utc::now().date_naive();
        let from = today - chrono::Duration::days(365);
        let path: &'static str = Box::leak(format!("/clinic/report?from={from}&to={today}").into_boxed_str());
        let report = line("quality report, 366 days", support::time(a.requests, get(path)).await);
        let path12: &'static str = Box::leak(
            format!("/clinic/report?from={}&to={today}", today - chrono::Duration::days(83)).into_boxed_str(),
        );
        let report12 = line("quality report, 12 weeks", support::time(a.requests, get(path12)).await);
        println!(
            "report / baseline median: {:.1}× (12 weeks: {:.1}×); report / 500 ms budget: {:.2} (12 weeks: {:.2})",
            report / baseline,
            report12 / baseline,
            report / 500.0,
            report12 / 500.0
        );
    }
}
