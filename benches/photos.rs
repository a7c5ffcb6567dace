//! Photo pipeline cost: a 12-megapixel phone-like JPEG (4032 × 3024, with
//! an EXIF block) through `media::process` — recognise, decode under limits,
//! turn upright, scale to 2048 px, re-encode, thumbnail — on one thread.
//! Reports min / median / max time, the size ratio, and the peak heap of one
//! run (counted by this binary's allocator). Each repeat also times a
//! baseline beside it, decoding the same JPEG and nothing else (the floor
//! any pipeline pays), and both are measured twice: wall time, and the
//! thread's own CPU time (`/proc/thread-self/schedstat`), which a busy
//! shared machine inflates far less than wall time.
//!
//! With `--load`, it then starts the app on a fresh SQLite file and sends
//! ten such uploads at once (ten patients, each to their own check-in)
//! while one staff member keeps loading other pages (the queue, a patient
//! page), and reports the upload times and the other pages' p50 / p99 / max.
//!
//! ```sh
//! cargo bench --bench photos -- --runs 10 --load
//! ```

use aftercare::media::{self, fixtures};
use image::codecs::jpeg::JpegEncoder;
use std::sync::atomic::Ordering;
use std::time::Instant;

#[path = "support/counting.rs"]
mod counting;
use counting::{LIVE, PEAK};

fn runs() -> usize {
    let raw: Vec<String> = std::env::args().collect();
    raw.iter()
        .position(|a| a == "--runs")
        .and_then(|i| raw.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// CPU time this thread has used so far, in seconds (Linux; 0 elsewhere).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// min / median / max of `v` in milliseconds.
fn spread(v: &mut [f64]) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    format!(
        "min {:.0} ms, median {:.0} ms, max {:.0} ms",
        v[0] * 1000.0,
        v[n / 2] * 1000.0,
        v[n - 1] * 1000.0
    )
}

fn main() {
    let (w, h) = (4032, 3024);
    let picture = fixtures::photo_like(w, h);
    let mut plain = Vec::new();
    JpegEncoder::new_with_quality(&mut plain, 92)
        .encode_image(&picture)
        .expect("encode the input");
    drop(picture);
    let input = fixtures::with_segments(&plain, &[fixtures::exif_segment(6)]);
    drop(plain);
    println!(
        "input: {w} × {h} JPEG ({:.1} MP), {:.2} MB, EXIF orientation 6",
        f64::from(w * h) / 1e6,
        input.len() as f64 / 1e6
    );

    let n = runs();
    let (mut wall, mut cpu, mut base_wall, mut base_cpu, mut ratio) = (vec![], vec![], vec![], vec![], vec![]);
    let mut peak = 0usize;
    let mut out_size = (0usize, 0usize, 0u32, 0u32);
    for _ in 0..n {
        // The baseline: decode only, on the same thread, in the same repeat.
        let (t, c) = (Instant::now(), thread_cpu());
        let decoded = image::load_from_memory(&input).expect("the input decodes");
        base_wall.push(t.elapsed().as_secs_f64());
        base_cpu.push(thread_cpu() - c);
        drop(decoded);

        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let (t, c) = (Instant::now(), thread_cpu());
        let p = media::process(&input).expect("a phone photo is accepted");
        wall.push(t.elapsed().as_secs_f64());
        cpu.push(thread_cpu() - c);
        peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
        out_size = (p.jpeg.len(), p.thumbnail.len(), p.width, p.height);
        ratio.push(cpu[cpu.len() - 1] / base_cpu[base_cpu.len() - 1].max(1e-9));
    }
    println!(
        "output: {} × {} JPEG {:.0} KB + thumbnail {:.0} KB; size ratio {:.1} : 1",
        out_size.2,
        out_size.3,
        out_size.0 as f64 / 1024.0,
        out_size.1 as f64 / 1024.0,
        input.len() as f64 / (out_size.0 + out_size.1) as f64
    );
    println!("process, {n} runs on one thread, wall: {}", spread(&mut wall));
    println!("process, {n} runs on one thread, CPU:  {}", spread(&mut cpu));
    println!("baseline (decode only), wall: {}", spread(&mut base_wall));
    println!("baseline (decode only), CPU:  {}", spread(&mut base_cpu));
    ratio.sort_by(|a, b| a.total_cmp(b));
    println!(
        "process / decode-only CPU time, paired per repeat: min {:.2}×, median {:.2}×, max {:.2}×",
        ratio[0],
        ratio[n / 2],
        ratio[n - 1]
    );
    println!("peak heap during one run: {:.0} MB", peak as f64 / (1024.0 * 1024.0));
    #[cfg(feature = "heic")]
    if flag("--heic") {
        heic(w, h, n);
    }
    if flag("--load") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(load::run(input));
    }
}

/// The same picture as an iPhone-style HEIC (encoding it first takes a while).
#[cfg(feature = "heic")]
fn heic(w: u32, h: u32, n: usize) {
    let picture = fixtures::photo_like(w, h);
    let opts = heifer::EncodeOptions {
        quality: 80,
        max_threads: 0,
    };
    let input = heifer::encode_rgb8(w, h, picture.as_raw(), &opts).expect("encode HEIC");
    drop(picture);
    let mut times = Vec::with_capacity(n);
    let mut peak = 0usize;
    for _ in 0..n {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let t = Instant::now();
        media::process(&input).expect("a HEIC photo is accepted");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "HEIC {w} × {h} ({:.2} MB), {n} runs: min {:.0} ms, median {:.0} ms, max {:.0} ms; peak heap {:.0} MB",
        input.len() as f64 / 1e6,
        times[0],
        times[n / 2],
        times[n - 1],
        peak as f64 / (1024.0 * 1024.0)
    );
}

/// Ten uploads at once against the real app, and the other pages meanwhile.
mod load {
    use aftercare::app::onboarding;
    use aftercare::config::Settings;
    use aftercare::db::audit::Actor;
    use aftercare::domain::*;
    use aftercare::startup::{system_clock, Application};
    use chrono::Utc;
    use std::time::{Duration, Instant};

    const PASSWORD: &str = "recovery-is-a-process";
    const UPLOADS: usize = 10;

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    fn hidden_csrf(html: &str) -> String {
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a csrf field")
            .to_string()
    }

    async fn sign_in(base: &str, email: &str) -> (reqwest::Client, String) {
        let c = client();
        let html = c
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = c
            .post(format!("{base}/login"))
            .form(&[
                ("csrf", hidden_csrf(&html).as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "sign-in of {email}");
        let html = c
            .get(format!("{base}/account/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_csrf(&html);
        (c, csrf)
    }

    fn pct(sorted: &[f64], q: f64) -> f64 {
        sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
    }

    pub async fn run(photo: Vec<u8>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("load.db").to_string_lossy().to_string();
        let mail_dir = dir.path().join("mail");
        std::fs::create_dir_all(&mail_dir).expect("mail dir");
        let env = |k: &str| -> Option<String> {
            match k {
                "DATABASE_URL" => Some(db_path.clone()),
                "BIND" => Some("127.0.0.1:0".into()),
                "MAIL_DIR" => Some(mail_dir.to_string_lossy().to_string()),
                "RUN_WORKERS" => Some("off".into()),
                _ => None,
            }
        };
        let settings = Settings::from_lookup(env).expect("settings");
        let app = Application::build(settings, system_clock()).await.expect("app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.db.clone();
        tokio::spawn(app.run_until_stopped());

        // A clinic, a clinician, and ten patients each with today's check-in.
        let hash = aftercare::auth::password::hash(
            &aftercare::auth::password::NewPassword::parse(PASSWORD).expect("password"),
        )
        .expect("hash");
        let now = Utc::now();
        let today = now.date_naive();
        let sys = Actor::system("bench");
        let (checkins, first_patient) = db
            .write(|c| {
                let input =
                    onboarding::ClinicInput::parse("Bench Clinic", "UTC", "+44 20 7946 0000", "alerts@bench.example")
                        .expect("clinic");
                let clinic = onboarding::create_clinic(c, &input, now, &sys)?;
                let staff = onboarding::StaffInput {
                    clinic,
                    email: EmailAddress::parse("doc@bench.example").expect("email"),
                    name: "Dr Bench".into(),
                    role: Role::Clinician,
                };
                onboarding::create_staff(c, &staff, Some(&hash), now, &base, &sys)?;
                let mut out = Vec::new();
                let mut first = None;
                for i in 0..UPLOADS {
                    let p = onboarding::PatientInput {
                        clinic,
                        email: EmailAddress::parse(&format!("p{i}@bench.example")).expect("email"),
                        name: format!("Patient {i}"),
                        skin_type: None,
                        cold_sores: false,
                        phone: None,
                        language: aftercare::domain::Lang::En,
                    };
                    let (pid, _, _) = onboarding::create_patient(c, &p, Some(&hash), now, &base, &sys)?;
                    first.get_or_insert(pid);
                    let t = onboarding::TreatmentInput {
                        patient: pid,
                        procedure: ProcedureClass::AblativeFullCo2,
                        treated_on: today - chrono::Duration::days(3),
                        zones: Zones::parse("perioral").expect("zones"),
                        prescribed: Prescribed::default(),
                    };
                    let tid = onboarding::create_treatment(c, None, &t, now, &sys)?;
                    let patient = aftercare::db::patients::get(c, pid)?.expect("patient");
                    let clinic_row = aftercare::db::clinics::get(c, clinic)?.expect("clinic");
                    let treatment = aftercare::db::patients::treatment_by_id(c, tid)?.expect("treatment");
                    let mail = aftercare::app::notify::MailContext {
                        public_url: base.clone(),
                        domain: "bench.local".into(),
                    };
                    let outcome = aftercare::app::checkin::record(
                        c,
                        &mail,
                        &aftercare::app::checkin::Submission {
                            patient: &patient,
                            clinic: &clinic_row,
                            treatment: &treatment,
                            date: today,
                            answers: &CheckInAnswers::calm(),
                        },
                        now,
                    )?;
                    out.push(outcome.checkin);
                }
                Ok::<_, aftercare::error::Error>((out, first.expect("a patient")))
            })
            .expect("fixtures");

        let mut patients = Vec::new();
        for i in 0..UPLOADS {
            patients.push(sign_in(&base, &format!("p{i}@bench.example")).await);
        }
        let (staff, _) = sign_in(&base, "doc@bench.example").await;
        let pages = ["/clinic".to_string(), format!("/clinic/patients/{first_patient}")];
        // Quiet baseline.
        let mut quiet = Vec::new();
        for i in 0..100 {
            let t = Instant::now();
            let r = staff.get(format!("{base}{}", pages[i % 2])).send().await.unwrap();
            let _ = r.bytes().await;
            quiet.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        quiet.sort_by(|a, b| a.total_cmp(b));

        let started = Instant::now();
        let mut uploads = Vec::new();
        for ((client, csrf), checkin) in patients.into_iter().zip(checkins) {
            let photo = photo.clone();
            let base = base.clone();
            uploads.push(tokio::spawn(async move {
                let form = reqwest::multipart::Form::new()
                    .text("csrf", csrf)
                    .text("checkin", checkin.to_string())
                    .part("photo", reqwest::multipart::Part::bytes(photo).file_name("IMG.jpg"));
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/checkin/photos"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 303, "upload accepted");
                t.elapsed().as_secs_f64()
            }));
        }
        // Other pages while the uploads run.
        let mut busy = Vec::new();
        let mut i = 0;
        while uploads.iter().any(|u| !u.is_finished()) && started.elapsed() < Duration::from_secs(120) {
            let t = Instant::now();
            let r = staff.get(format!("{base}{}", pages[i % 2])).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let _ = r.bytes().await;
            busy.push(t.elapsed().as_secs_f64() * 1000.0);
            i += 1;
        }
        let mut upload_s = Vec::new();
        for u in uploads {
            upload_s.push(u.await.expect("upload task"));
        }
        upload_s.sort_by(|a, b| a.total_cmp(b));
        busy.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{UPLOADS} concurrent 12 MP uploads: all done in {:.1} s; each {:.2} s min, {:.2} s median, {:.2} s max",
            started.elapsed().as_secs_f64(),
            upload_s[0],
            pct(&upload_s, 0.5),
            upload_s[upload_s.len() - 1]
        );
        println!(
            "other pages, quiet ({} requests): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            quiet.len(),
            pct(&quiet, 0.5),
            pct(&quiet, 0.99),
            quiet[quiet.len() - 1]
        );
        if busy.is_empty() {
            println!("other pages during the uploads: none measured");
        } else {
            println!(
                "other pages during the uploads ({} requests): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                busy.len(),
                pct(&busy, 0.5),
                pct(&busy, 0.99),
                busy[busy.len() - 1]
            );
        }
    }
}
