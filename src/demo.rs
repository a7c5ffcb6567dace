//! `aftercare demo`: a demo clinic with staff, patients across every
//! procedure class and realistic check-in histories, flagged by the real
//! triage rules. With large numbers it is the benchmarks' data generator
//! (`--patients 10000 --days 100` writes about a million check-ins).

use crate::app::onboarding::{self, ClinicInput, Credential, PatientInput, StaffInput, TreatmentInput};
use crate::auth::password::NewPassword;
use crate::db::audit::Actor;
use crate::db::checkins::{CheckInKey, NewCheckInRow};
use crate::db::{clinics, flags, Db, DbConn};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::triage::{self, PriorCheckIn, RuleSettings, TreatmentFacts};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const ADMIN_EMAIL: &str = "admin@demo.aftercare.example";
pub const CLINICIAN_EMAIL: &str = "clinician@demo.aftercare.example";
pub const PATIENT_EMAIL: &str = "patient1@demo.aftercare.example";
/// Every demo account's password (demo data only).
pub const PASSWORD: &str = "demo-recovery-2026";

const FIRST: &[&str] = &[
    "Ava", "Ben", "Chloe", "Dev", "Elena", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo", "Nia",
    "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vik", "Wren", "Yara", "Zane",
];
const LAST: &[&str] = &[
    "Adams", "Brown", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Khan", "Lopez",
    "Mensah", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Umar", "Varga", "Walsh", "Yilmaz", "Zhou",
];

/// What could happen to a demo patient's recovery.
#[derive(Clone, Copy, PartialEq)]
enum Course {
    Smooth,
    Infection { from: i64 },
    ColdSore { from: i64 },
    SlowRedness,
    Bumps,
}

/// Generates the demo and returns the text to print (the sign-ins).
pub fn generate(db: &Db, patients_n: u32, days: u32, now: DateTime<Utc>, public_url: &str) -> Result<String> {
    let days = days.clamp(1, 400) as i64;
    let patients_n = patients_n.clamp(1, 200_000);
    let admin = email(ADMIN_EMAIL)?;
    let exists = db.read(|c| crate::db::accounts::email_taken(c, &admin))?;
    if exists {
        return Err(Error::Conflict(
            "this database already holds the demo: point DATABASE_URL at a new file to make another".into(),
        ));
    }
    let started = std::time::Instant::now();
    let hash = onboarding::hash_password(&NewPassword::parse(PASSWORD).map_err(|e| Error::Internal(e.to_string()))?)?;
    let actor = Actor::system("demo");
    let input = ClinicInput::parse(
        "Demo Skin Clinic",
        "Europe/London",
        "020 7946 0000",
        "alerts@demo.aftercare.example",
    )?;
    let clinic_id = db.write(|c| onboarding::create_clinic(c, &input, now, &actor))?;
    let (clinic, rules_id, settings) = db.read(|c| {
        let cl = clinics::get(c, clinic_id)?.ok_or(Error::NotFound)?;
        let (id, s) = crate::app::checkin::rules_of(c, clinic_id)?;
        Ok::<_, Error>((cl, id, s))
    })?;
    db.write(|c| {
        for (mail, name, role) in [
            (ADMIN_EMAIL, "Dr Alex Morgan", Role::Admin),
            (CLINICIAN_EMAIL, "Sam Clinician", Role::Clinician),
        ] {
            let s = StaffInput {
                clinic: clinic_id,
                email: email(mail)?,
                name: name.into(),
                role,
            };
            onboarding::create_staff(c, &s, Some(&hash), now, public_url, &actor)?;
        }
        Ok::<_, Error>(())
    })?;
    let clinician = db.read(|c| crate::db::accounts::by_email(c, &email(CLINICIAN_EMAIL)?)?.ok_or(Error::NotFound))?;
    let clinician = db
        .read(|c| crate::db::accounts::staff_by_account(c, clinician.id)?.ok_or(Error::NotFound))?
        .id;

    let today = triage::clinic_today(now, clinic.timezone.0);
    let mut rng = StdRng::seed_from_u64(20261124);
    let mut total_checkins = 0usize;
    let mut total_flags = 0usize;
    // Patients are written in chunks: each chunk is one transaction.
    let chunk = 200u32;
    let mut first = 1u32;
    while first <= patients_n {
        let last = (first + chunk - 1).min(patients_n);
        let (n_c, n_f) = db.write(|c| {
            let mut n_c = 0;
            let mut n_f = 0;
            for i in first..=last {
                let (a, b) = one_patient(
                    c, &mut rng, i, &clinic, rules_id, &settings, clinician, today, days, now, &hash, public_url,
                    &actor,
                )?;
                n_c += a;
                n_f += b;
            }
            Ok::<_, Error>((n_c, n_f))
        })?;
        total_checkins += n_c;
        total_flags += n_f;
        first = last + 1;
    }
    let secs = started.elapsed().as_secs_f64();
    Ok(format!(
        "{clinic_id}\nDemo clinic \"{}\" created: {patients_n} patients, {total_checkins} check-ins, {total_flags} flags in {secs:.1} s.\n\
         Sign in at {public_url}/login with password {PASSWORD}:\n  admin      {ADMIN_EMAIL}\n  clinician  {CLINICIAN_EMAIL}\n  patient    {PATIENT_EMAIL} (patient2@…, patient3@… too)",
        clinic.name
    ))
}

fn email(s: &str) -> Result<EmailAddress> {
    EmailAddress::parse(s).map_err(|e| Error::Internal(e.to_string()))
}

#[allow(clippy::too_many_arguments)]
fn one_patient(
    c: &mut DbConn,
    rng: &mut StdRng,
    i: u32,
    clinic: &clinics::Clinic,
    rules_id: RulesVersionId,
    settings: &RuleSettings,
    clinician: StaffId,
    today: NaiveDate,
    days: i64,
    now: DateTime<Utc>,
    hash: &str,
    public_url: &str,
    actor: &Actor,
) -> Result<(usize, usize)> {
    let name = format!(
        "{} {}",
        FIRST[rng.gen_range(0..FIRST.len())],
        LAST[rng.gen_range(0..LAST.len())]
    );
    let input = PatientInput {
        clinic: clinic.id,
        email: email(&format!("patient{i}@demo.aftercare.example"))?,
        name,
        skin_type: SkinType::new(rng.gen_range(1..=6)).ok(),
        cold_sores: rng.gen_bool(0.2),
        // Ofcom keeps 020 7946 0000–0999 for drama: never a real line.
        phone: PhoneNumber::parse(&format!("+44 20 7946 {:04}", i % 1000)).ok(),
        // Every fourth demo patient reads Spanish.
        language: if i % 4 == 3 { Lang::Es } else { Lang::En },
    };
    let (patient_id, _, cred) = onboarding::create_patient(c, &input, Some(hash), now, public_url, actor)?;
    debug_assert!(matches!(cred, Credential::PasswordSet));
    let procedure = ProcedureClass::ALL[(i as usize) % ProcedureClass::ALL.len()];
    let zones = match rng.gen_range(0..4) {
        0 => "perioral",
        1 => "periorbital,perioral",
        2 => "neck",
        _ => "other",
    };
    // The history spans `days` days: the first session that long ago, and a
    // second, recent session for some patients (resurfacing comes in series).
    let mut sessions = vec![today - Duration::days(days - rng.gen_range(0..=days.min(3)))];
    if days > 21 && rng.gen_bool(0.4) {
        sessions.push(today - Duration::days(rng.gen_range(0..=14)));
    }
    let (mut n_c, mut n_f) = (0, 0);
    for (k, treated_on) in sessions.iter().enumerate() {
        let until = sessions
            .get(k + 1)
            .map(|next| *next - Duration::days(1))
            .unwrap_or(today);
        let t_input = TreatmentInput {
            patient: patient_id,
            procedure,
            treated_on: *treated_on,
            zones: Zones::parse(zones).map_err(|e| Error::Internal(e.to_string()))?,
            prescribed: Prescribed {
                antiviral: procedure.is_ablative() || input.cold_sores,
                antibiotic: procedure == ProcedureClass::AblativeFullCo2,
            },
        };
        let treatment = onboarding::create_treatment(c, Some(clinic.id), &t_input, now, actor)?;
        let course = match rng.gen_range(0..100) {
            0..=5 => Course::Infection {
                from: rng.gen_range(3..=7),
            },
            6..=8 => Course::ColdSore {
                from: rng.gen_range(2..=5),
            },
            9..=11 => Course::SlowRedness,
            12..=20 => Course::Bumps,
            _ => Course::Smooth,
        };
        let facts = TreatmentFacts {
            procedure,
            zones: t_input.zones.clone(),
            prescribed: t_input.prescribed,
            cold_sores: input.cold_sores,
            skin_type: input.skin_type,
        };
        let (a, b) = history(
            c,
            rng,
            clinic,
            rules_id,
            settings,
            clinician,
            patient_id,
            treatment,
            *treated_on,
            until,
            today,
            course,
            &facts,
            now,
        )?;
        n_c += a;
        n_f += b;
    }
    Ok((n_c, n_f))
}

/// Symptoms that follow the expected course for the class, with noise and
/// the chosen complication.
fn answers_for(
    rng: &mut StdRng,
    procedure: ProcedureClass,
    day: i64,
    course: Course,
    prescribed: bool,
) -> CheckInAnswers {
    let heavy = matches!(
        procedure,
        ProcedureClass::AblativeFullCo2 | ProcedureClass::AblativeFullErbium
    );
    let ablative = procedure.is_ablative() || procedure == ProcedureClass::PeelMedium;
    // Smooth, non-increasing curves inside the expected course: a calm
    // recovery raises nothing; the complications below raise the flags.
    let mut a = CheckInAnswers::calm();
    a.swelling = match (heavy, ablative) {
        (true, _) => [2, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1]
            .get(day as usize)
            .copied()
            .unwrap_or(0),
        (false, true) => [1, 2, 2, 1, 1, 1, 1].get(day as usize).copied().unwrap_or(0),
        _ => [1, 1, 1].get(day as usize).copied().unwrap_or(0),
    };
    a.redness = match procedure {
        ProcedureClass::AblativeFullCo2 => {
            if day < 7 {
                3
            } else if day < 40 {
                2
            } else {
                1
            }
        }
        ProcedureClass::AblativeFullErbium => {
            if day < 7 {
                3
            } else if day < 20 {
                2
            } else {
                1
            }
        }
        ProcedureClass::AblativeFractional | ProcedureClass::PeelMedium => {
            if day < 10 {
                2
            } else if day < 20 {
                1
            } else {
                0
            }
        }
        _ => u8::from(day < 3),
    };
    let pain0: i64 = if heavy {
        6
    } else if ablative {
        4
    } else {
        2
    };
    a.pain = (pain0 - day).max(0) as u8;
    a.itch = match day {
        4 | 10 => 2,
        5..=9 => 3,
        11..=20 => 1,
        _ => 0,
    };
    a.oozing = if (heavy && day <= 4) || (ablative && procedure != ProcedureClass::PeelMedium && day <= 2) {
        Oozing::Clear
    } else {
        Oozing::None
    };
    a.crusts = if ablative && (3..=7).contains(&day) {
        Crusts::Thin
    } else {
        Crusts::None
    };
    a.overall = if day <= 2 {
        Overall::Same
    } else if rng.gen_bool(0.85) {
        Overall::Better
    } else {
        Overall::Same
    };
    a.pain_relief = if a.pain >= 3 {
        PainRelief::Yes
    } else {
        PainRelief::NotTaking
    };
    a.prophylaxis = match (prescribed, day <= 10) {
        (true, true) if rng.gen_bool(0.03) => Prophylaxis::Missed,
        (true, true) => Prophylaxis::Taken,
        _ => Prophylaxis::NotPrescribed,
    };
    match course {
        Course::Infection { from } if (from..from + 4).contains(&day) => {
            a.pain = (a.pain + 3 + (day - from) as u8).min(9);
            a.oozing = Oozing::Pus;
            a.crusts = Crusts::Yellow;
            a.overall = Overall::Worse;
            a.fever = day > from;
            a.temperature = a
                .fever
                .then(|| Temperature::from_celsius(38.2 + rng.gen_range(0.0..0.8)));
        }
        Course::ColdSore { from } if (from..from + 3).contains(&day) => {
            a.tingling = day == from;
            a.blisters = day > from;
            a.pain = (a.pain + 2).min(8);
        }
        Course::SlowRedness if day > 20 => a.redness = a.redness.max(2),
        Course::Bumps if (14..=28).contains(&day) => {
            a.pimples = true;
            a.itch = a.itch.max(rng.gen_range(2..=5));
        }
        _ => {}
    }
    a
}

#[allow(clippy::too_many_arguments)]
fn history(
    c: &mut DbConn,
    rng: &mut StdRng,
    clinic: &clinics::Clinic,
    rules_id: RulesVersionId,
    settings: &RuleSettings,
    clinician: StaffId,
    patient: PatientId,
    treatment: TreatmentId,
    treated_on: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
    course: Course,
    facts: &TreatmentFacts,
    now: DateTime<Utc>,
) -> Result<(usize, usize)> {
    let mut rows: Vec<NewCheckInRow> = Vec::new();
    let mut done: Vec<(i64, CheckInAnswers)> = Vec::new();
    // Open flag per rule: (index into `raised`, last day seen).
    let mut open: std::collections::HashMap<&'static str, (usize, i64)> = Default::default();
    let mut raised: Vec<(triage::Finding, i64, i32, i64)> = Vec::new();
    let last_day = triage::day_number(treated_on, until);
    let mut last_entered = None;
    for day in 0..=last_day {
        // Most patients check in almost every day, also after day 14 when weekly would do.
        if rng.gen_bool(0.03) || (day > 14 && rng.gen_bool(0.03)) {
            continue;
        }
        let date = treated_on + Duration::days(day);
        let answers = answers_for(rng, facts.procedure, day, course, facts.prescribed.any());
        let earlier: Vec<PriorCheckIn> = done
            .iter()
            .rev()
            .take(2)
            .map(|(d, a)| PriorCheckIn { day: *d, answers: a })
            .collect();
        let findings = triage::evaluate(day, &answers, &earlier, facts, settings);
        let highest = triage::highest(&findings);
        let advice = triage::Advice::from_findings(&findings);
        for f in findings {
            let rule = f.rule.as_str();
            match open.get(rule).copied() {
                Some((idx, seen)) if day - seen <= 1 => {
                    let entry = &mut raised[idx];
                    entry.2 += 1;
                    entry.3 = day;
                    if f.severity > entry.0.severity {
                        entry.0 = f;
                    }
                    open.insert(rule, (idx, day));
                }
                _ => {
                    raised.push((f, day, 1, day));
                    open.insert(rule, (raised.len() - 1, day));
                }
            }
        }
        let entered = (date.and_hms_opt(19, 0, 0).unwrap_or_default() + Duration::minutes(rng.gen_range(0..120)))
            .min(now.naive_utc());
        last_entered = Some(entered);
        let key = CheckInKey {
            treatment,
            patient,
            clinic: clinic.id,
            day: date,
            day_number: day,
            kind: CheckInKind::for_day(day),
        };
        rows.push(NewCheckInRow::new(&key, &answers, highest, advice, entered));
        done.push((day, answers));
    }
    let n = rows.len();
    // Large multi-row inserts: far fewer round trips (SQLite allows 32,766 binds).
    crate::db::checkins::insert_many(c, &rows)?;
    if let Some(at) = last_entered {
        crate::db::patients::set_last_checkin_at(c, patient, at)?;
    }
    // A flag points at the last check-in it was seen on, as a live one does.
    let ids = crate::db::checkins::ids_by_day(c, treatment)?;
    for (f, day, occurrences, last_day) in &raised {
        let at = (treated_on + Duration::days(*day))
            .and_hms_opt(20, 0, 0)
            .unwrap_or_default()
            .min(now.naive_utc());
        let inputs = f.inputs.to_string();
        let new = flags::NewFlag {
            clinic: clinic.id,
            patient,
            treatment,
            checkin: ids.get(last_day).copied(),
            rule_id: f.rule,
            severity: f.severity,
            reason: &f.reason,
            inputs: &inputs,
            rules_version: rules_id,
            dedup_key: None,
        };
        if let Some(flag) = flags::insert(c, &new, at)? {
            if *occurrences > 1 {
                flags::set_occurrences(c, flag.id, *occurrences)?;
            }
            // The clinic has worked everything but the last few days.
            let age = triage::day_number(treated_on + Duration::days(*day), today);
            if age > 3 {
                // Plausible outcomes by what the rule looks for, so the
                // quality report has precision figures to show.
                let (outcome, note) = match f.rule {
                    RuleId::U2 => (Outcome::TreatedInfection, "Seen: infection, antibiotics started."),
                    RuleId::U3 => (Outcome::TreatedColdSores, "Antiviral dose increased."),
                    _ if f.severity == Severity::Urgent => (Outcome::SeenInClinic, "Seen in clinic the same day."),
                    _ if day % 2 == 0 => (Outcome::Expected, "Called the patient: recovering as expected."),
                    _ => (Outcome::SelfCare, "Called the patient: advice given."),
                };
                flags::resolve(c, flag.id, clinician, outcome, note, at + Duration::hours(3))?;
            } else if age > 1 && rng.gen_bool(0.5) {
                flags::acknowledge(c, flag.id, clinician, at + Duration::hours(1))?;
            } else if f.severity >= Severity::Review {
                flags::set_notified(c, flag.id, f.severity)?;
            }
        }
    }
    Ok((n, raised.len()))
}
