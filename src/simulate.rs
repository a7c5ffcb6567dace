//! A population simulator for the alert burden of the rules (clinical
//! reference, section 5 "Alert burden targets"): synthetic patients of every
//! procedure class recover along the expected course of section 2 with
//! day-to-day variation in what they report; others develop one of the
//! complications of section 3 at its typical onset. Every check-in goes
//! through the real rules (`triage::evaluate`) with the settings given.
//!
//! Pure and deterministic: no IO, no clock; the same [`Config`] (seed
//! included) gives the same [`Report`] (with this build's `rand`).
//!
//! # The model's assumptions
//!
//! They come from the reference and ordinary clinical reading of it, not from
//! the rules' thresholds; where the reference gives no number the choice is
//! named here.
//!
//! - **Schedule and adherence.** Check-ins are due daily on days 0–14 and
//!   weekly to day 84 (`triage::due_days`). A patient misses a daily check-in
//!   with probability 0.12 and a weekly one with 0.2, independently, so
//!   "previous check-in" is sometimes two or more days back.
//! - **A normal recovery stays within section 2.** Each patient has a true
//!   course per symptom: swelling and redness rise to a peak (swelling on
//!   days 1–3) and then fall, reaching a little below each "≤ X by day N"
//!   step somewhat before day N (each patient's pace drawn between 70 % and
//!   100 % of the window); pain starts at a class-typical level and falls
//!   exponentially to the "≤ 3" level by 60–100 % of its window; itch rises
//!   while healing (peak 1–5 on days 5–10) and fades by days 21–35; oozing
//!   (classes that ooze) stops at 50–95 % of its window; raw areas are
//!   ticked on a quarter of the days while still expected; thin crusts.
//!   Peak levels per class are in [`ClassModel`]. Because section 2 defines
//!   the normal course as "at or below X by day N", a reported level is
//!   capped at the step in force (and pain at 3 from its day): a report above
//!   the course is not a normal recovery.
//! - **Day-to-day variation in self-report.** Each report is the true value
//!   plus independent noise, rounded: normal with σ 0.35 levels for swelling
//!   and redness (0–3), σ 0.8 points for pain and σ 0.9 for itch (0–10),
//!   about the test–retest spread of a 0–10 rating scale. Independence makes
//!   wobbles more frequent than real, autocorrelated reports would (the
//!   figures err on the side of more alerts).
//! - **Other answers.** "Overall worse" on 7 % of check-ins at random, else
//!   better (days 0–14, 60 %) or the same; pain medicine helps when taken;
//!   prescribed prophylaxis (ablative classes or a cold-sore history, 20 % of
//!   patients) missed on 3 % of days 0–10; "I would like a call" on 0.4 % of
//!   check-ins; no fever, eye problems, blisters, rashes or bumps.
//! - **Complications** (section 3), each in its own cohort, start at an
//!   onset drawn from their typical window and then *grow*, as section 3
//!   describes them, until the end of follow-up (the simulation stops at
//!   the first report, when the clinic would act): a sign that shows stays,
//!   and a level rises by so much a day to its top and stays there. The
//!   patient reports the complication on top of the day's normal answers
//!   (pain added to the normal pain; itch and redness the higher of the
//!   complication's and the normal course's, with the same self-report noise;
//!   weekly-only questions from the first weekly check-in).
//!   - bacterial infection: onset days 2–10, a fifth in week 2; "overall
//!     worse" on 60 % of check-ins; each of rising pain (60 %: +0.5 to +2
//!     points a day up to +3 to +6, with pain medicine not helping from
//!     day 0–3 in 30 % of those), pus (50 %), yellow crusts (40 %),
//!     spreading redness (30 %), fever (25 %) and a raw area that will not
//!     heal (30 %) by chance, each sign from day 0–4 after onset; at least one.
//!   - cold sores: 40 % tingling on days 1–3 with sores from days 5–10, the
//!     others sores on days 5–10 (tingling with them half the time); pain out
//!     of proportion with the sores (+0.5 to +1.5 a day up to +1 to +3).
//!   - yeast (ablative and peel): onset days 6–14; itch rising 1.5–3 points
//!     a day to an intense 7–9; redness stops fading; white spots (white
//!     patches) and pustules (whiteheads or pimples) half the time each, from
//!     day 0–3; "worse" on 30 %.
//!   - contact dermatitis: onset days 8–28; itch rising 1–2.5 a day to 4–8,
//!     redness rising 0.5–1 level a day to 2–3, a rash outside the treated
//!     area half the time from day 0–3; "worse" on 30 %.
//!   - prolonged redness: one level above the course from the end of its
//!     window; dark patches (days 21–56) and raised scarring (ablative and
//!     peel, days 14–21) on the weekly form; eyelid turning out (ablative,
//!     eyes treated, days 21–84).
//!
//!   Milia/acne (R7: info when mild) and light patches (R11: info) are not
//!   seeded: the reference does not ask for review of them.
//! - **"First reported"** is the first check-in on or after onset whose
//!   answers go beyond what *every* normal recovery of the same class in the
//!   same run reported on that day: a pain, itch, swelling or redness above
//!   the highest normal report, or a sign (pus, fever, a raw area, "pain
//!   medicine not helping", ...) that no normal patient ticked that day,
//!   counting only the measures and signs the complication changes (an
//!   infected patient's itch wobbling above the normal range is not the
//!   infection). It
//!   is measured on the normal cohort, not read from the rules, so a
//!   complication indistinguishable from a normal day is not yet reported
//!   however the rules treat it. Check-ins after onset but before the first
//!   report are counted and shown (and whether the rules flagged them
//!   anyway), as are complications never distinguishable by the end of
//!   follow-up. A smaller normal cohort gives a narrower normal range, so
//!   earlier first reports.
//! - **The normal cohort comes first** and draws its random numbers before
//!   any complication, so the complication model does not move the
//!   normal-course figures.

use crate::domain::*;
use crate::triage::{self, ExpectedCourse, LevelStep, Measure, PriorCheckIn, RuleSettings, TreatmentFacts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The last day of follow-up (section 4: weekly to about day 84).
const FOLLOW_UP_DAYS: i64 = 84;

/// Missed first reports shown per complication by [`Report::render`].
const SHOWN_MISSES: usize = 5;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Normal recoveries per procedure class.
    pub patients_per_class: usize,
    /// Patients per complication and procedure class it concerns.
    pub per_complication: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            seed: 20261201,
            patients_per_class: 500,
            per_complication: 40,
        }
    }
}

/// The complications of section 3 that the rules are meant to catch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Complication {
    Infection,
    ColdSores,
    Yeast,
    ContactDermatitis,
    ProlongedRedness,
    DarkPatches,
    RaisedScar,
    EyelidTurningOut,
}

impl Complication {
    pub const ALL: [Complication; 8] = [
        Complication::Infection,
        Complication::ColdSores,
        Complication::Yeast,
        Complication::ContactDermatitis,
        Complication::ProlongedRedness,
        Complication::DarkPatches,
        Complication::RaisedScar,
        Complication::EyelidTurningOut,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Complication::Infection => "bacterial infection",
            Complication::ColdSores => "cold sores (herpes simplex)",
            Complication::Yeast => "yeast (candida)",
            Complication::ContactDermatitis => "contact dermatitis",
            Complication::ProlongedRedness => "prolonged redness",
            Complication::DarkPatches => "dark patches",
            Complication::RaisedScar => "raised scarring",
            Complication::EyelidTurningOut => "eyelid turning out",
        }
    }

    /// Whether it is seeded after `p` (yeast and scarring need an open wound).
    fn concerns(self, p: ProcedureClass) -> bool {
        match self {
            Complication::Yeast | Complication::RaisedScar | Complication::EyelidTurningOut => {
                p.is_ablative() || (p == ProcedureClass::PeelMedium && self != Complication::EyelidTurningOut)
            }
            _ => true,
        }
    }
}

/// How one complication cohort fared.
#[derive(Debug, Clone, PartialEq)]
pub struct Caught {
    pub complication: Complication,
    /// Patients with at least one check-in after onset.
    pub seeded: usize,
    /// Of those, the ones whose answers went beyond what any normal recovery
    /// of their class reported that day: "first reported" on that check-in.
    pub reported: usize,
    /// Review or urgent on the check-in that first reported it.
    pub caught: usize,
    /// Of those, urgent.
    pub urgent: usize,
    /// Check-ins after onset and before the first report (answers within
    /// what normal recoveries reported that day).
    pub not_yet_distinguishable: usize,
    /// Of those, shown review or urgent anyway.
    pub flagged_before_distinguishable: usize,
    /// First reports not caught although an earlier check-in after onset
    /// had been shown review or urgent.
    pub missed_but_flagged_earlier: usize,
    /// Seeded but never distinguishable from normal recovery by the end of
    /// follow-up (or of the patient's check-ins).
    pub never_distinguishable: usize,
    /// The first reports that were missed: class, day, what was reported.
    pub missed: Vec<String>,
}

impl Caught {
    fn new(complication: Complication) -> Self {
        Self {
            complication,
            seeded: 0,
            reported: 0,
            caught: 0,
            urgent: 0,
            not_yet_distinguishable: 0,
            flagged_before_distinguishable: 0,
            missed_but_flagged_earlier: 0,
            never_distinguishable: 0,
            missed: Vec::new(),
        }
    }
}

/// What the simulation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub config_seed: u64,
    pub patients: usize,
    /// Check-ins of normal recoveries.
    pub normal_checkins: usize,
    /// Of those, shown review or urgent (highest severity).
    pub review_plus: usize,
    pub urgent: usize,
    /// Per class: (check-ins, review or urgent, urgent).
    pub by_class: BTreeMap<ProcedureClass, (usize, usize, usize)>,
    /// Normal-course findings at review or urgent, per rule.
    pub by_rule: BTreeMap<RuleId, usize>,
    pub complications: Vec<Caught>,
}

impl Report {
    /// Share of normal-course check-ins shown review or urgent.
    pub fn review_plus_share(&self) -> f64 {
        share(self.review_plus, self.normal_checkins)
    }
    pub fn urgent_share(&self) -> f64 {
        share(self.urgent, self.normal_checkins)
    }
    pub fn complications_seeded(&self) -> usize {
        self.complications.iter().map(|c| c.seeded).sum()
    }
    pub fn complications_reported(&self) -> usize {
        self.complications.iter().map(|c| c.reported).sum()
    }
    pub fn complications_caught(&self) -> usize {
        self.complications.iter().map(|c| c.caught).sum()
    }

    /// Plain text for the terminal and the README.
    pub fn render(&self) -> String {
        let pct = |n: usize, d: usize| format!("{:.1} %", 100.0 * share(n, d));
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Simulated {} patients (seed {}); {} normal-course check-ins.",
            self.patients, self.config_seed, self.normal_checkins
        );
        let _ = writeln!(
            s,
            "Normal course: review or urgent {} ({}), urgent {} ({}).",
            self.review_plus,
            pct(self.review_plus, self.normal_checkins),
            self.urgent,
            pct(self.urgent, self.normal_checkins)
        );
        let _ = writeln!(s, "\nBy class (check-ins, review or urgent, urgent):");
        for (p, (n, r, u)) in &self.by_class {
            let _ = writeln!(
                s,
                "  {:<24} {:>6}  {:>6}  {:>6}",
                p.as_str(),
                n,
                pct(*r, *n),
                pct(*u, *n)
            );
        }
        let _ = writeln!(s, "\nNormal-course findings at review or urgent, by rule:");
        for (r, n) in &self.by_rule {
            let _ = writeln!(
                s,
                "  {:<4} {:>6}  ({} of check-ins)",
                r.as_str(),
                n,
                pct(*n, self.normal_checkins)
            );
        }
        let _ = writeln!(
            s,
            "\nSeeded complications: {} seeded, {} first reported (answers beyond every normal recovery of the class that day),\n\
             {} caught (review or urgent) on the check-in that first reported them.",
            self.complications_seeded(),
            self.complications_reported(),
            self.complications_caught()
        );
        let _ = writeln!(
            s,
            "  caught of first reported (urgent); check-ins after onset not yet distinguishable from normal\n  \
             recovery (of them flagged anyway); first reports missed after such an earlier flag; never distinguishable"
        );
        for c in &self.complications {
            let _ = writeln!(
                s,
                "  {:<28} {:>4} of {:>4} ({:>3});  not yet {:>4} ({:>3});  missed after a flag {};  never {}",
                c.complication.label(),
                c.caught,
                c.reported,
                c.urgent,
                c.not_yet_distinguishable,
                c.flagged_before_distinguishable,
                c.missed_but_flagged_earlier,
                c.never_distinguishable
            );
            for m in c.missed.iter().take(SHOWN_MISSES) {
                let _ = writeln!(s, "      missed: {m}");
            }
            if c.missed.len() > SHOWN_MISSES {
                let _ = writeln!(s, "      ... and {} more", c.missed.len() - SHOWN_MISSES);
            }
        }
        s
    }
}

fn share(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// Per class: typical first-days levels (assumptions, see the module docs).
struct ClassModel {
    /// Peak swelling (0–3 scale, continuous).
    swelling_peak: (f64, f64),
    /// Redness in the first days.
    redness_peak: (f64, f64),
    /// Pain on days 0–1 (0–10).
    pain_start: (f64, f64),
    /// Days over which redness fades to none after the last step.
    redness_fade_days: f64,
}

fn class_model(p: ProcedureClass) -> ClassModel {
    use ProcedureClass::*;
    let (swelling_peak, redness_peak, pain_start, redness_fade_days) = match p {
        AblativeFullCo2 => ((2.2, 3.0), (2.5, 3.0), (5.0, 8.0), 110.0),
        AblativeFullErbium => ((1.8, 2.8), (2.0, 3.0), (4.0, 7.0), 40.0),
        AblativeFractional => ((1.2, 2.5), (1.5, 2.5), (3.0, 6.0), 30.0),
        NonablativeFractional => ((0.8, 1.8), (1.0, 2.0), (2.0, 5.0), 7.0),
        Ipl => ((0.2, 1.0), (0.5, 1.5), (1.0, 4.0), 4.0),
        PeelMedium => ((1.0, 2.2), (2.0, 3.0), (4.0, 7.0), 30.0),
    };
    ClassModel {
        swelling_peak,
        redness_peak,
        pain_start,
        redness_fade_days,
    }
}

/// A standard normal draw (Box–Muller).
fn gauss(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn uniform(rng: &mut StdRng, (lo, hi): (f64, f64)) -> f64 {
    if hi > lo {
        rng.gen_range(lo..hi)
    } else {
        lo
    }
}

/// Piecewise-linear through `points` (days ascending); flat outside.
fn interpolate(points: &[(f64, f64)], day: f64) -> f64 {
    let Some(first) = points.first() else { return 0.0 };
    if day <= first.0 {
        return first.1;
    }
    for w in points.windows(2) {
        let ((d0, v0), (d1, v1)) = (w[0], w[1]);
        if day <= d1 {
            let t = if d1 > d0 { (day - d0) / (d1 - d0) } else { 1.0 };
            return v0 + t * (v1 - v0);
        }
    }
    points.last().map_or(0.0, |p| p.1)
}

/// A 0–3 symptom's true course: rise to `peak` on `peak_day`, then fall to a
/// little below each step before its day, then fade to none.
fn level_course(rng: &mut StdRng, steps: &[LevelStep], peak: f64, peak_day: f64, fade_days: f64) -> Vec<(f64, f64)> {
    let pace = uniform(rng, (0.7, 1.0));
    let mut points = vec![(0.0, peak * 0.7), (peak_day, peak)];
    let mut level = peak;
    let mut last_day = peak_day;
    for st in steps {
        let day = (st.by_day as f64 * pace).max(last_day + 0.5);
        level = level.min(f64::from(st.max) - 0.3).max(0.0);
        points.push((day, level));
        last_day = day;
    }
    points.push((last_day + fade_days, 0.0));
    points
}

/// One synthetic patient's true course.
struct Patient {
    facts: TreatmentFacts,
    course: ExpectedCourse,
    swelling: Vec<(f64, f64)>,
    redness: Vec<(f64, f64)>,
    pain_start: f64,
    /// Pain decay per day.
    pain_rate: f64,
    itch: Vec<(f64, f64)>,
    ooze_until: i64,
    raw_until: i64,
    crusts: (i64, i64),
}

fn new_patient(rng: &mut StdRng, p: ProcedureClass, s: &RuleSettings) -> Patient {
    let m = class_model(p);
    let course = s.course_for(p);
    let mut zones = Vec::new();
    if rng.gen_bool(0.5) {
        zones.push("perioral");
    }
    if rng.gen_bool(0.4) {
        zones.push("periorbital");
    }
    if rng.gen_bool(0.15) {
        zones.push("neck");
    }
    let cold_sores = rng.gen_bool(0.2);
    let facts = TreatmentFacts {
        procedure: p,
        zones: Zones::parse(&zones.join(",")).unwrap_or_default(),
        prescribed: Prescribed {
            antiviral: p.is_ablative() || cold_sores,
            antibiotic: false,
        },
        cold_sores,
        skin_type: SkinType::new(rng.gen_range(1..=6)).ok(),
    };
    let first_step = |steps: &[LevelStep]| steps.first().map_or(14, |st| st.by_day);
    // Swelling peaks on days 1–3 (earlier when the course wants it gone by day 3).
    let peak_last = (first_step(&course.swelling) - 1).clamp(1, 3);
    let swelling_peak_day = f64::from(rng.gen_range(1..=peak_last as i32));
    let swelling_peak = uniform(rng, m.swelling_peak);
    let swelling = level_course(rng, &course.swelling, swelling_peak, swelling_peak_day, 7.0);
    let (redness_peak, redness_peak_day) = (uniform(rng, m.redness_peak), f64::from(rng.gen_range(0..=1)));
    let redness = level_course(
        rng,
        &course.redness,
        redness_peak,
        redness_peak_day,
        m.redness_fade_days,
    );
    let pain_start = uniform(rng, m.pain_start);
    let ok_day = course.pain_ok_by_day.max(1) as f64 * uniform(rng, (0.6, 1.0));
    let pain_rate = if pain_start > 2.5 {
        (pain_start / 2.5).ln() / ok_day
    } else {
        0.3
    };
    let itch_peak = uniform(rng, (1.0, 5.0));
    let itch = vec![
        (0.0, 0.0),
        (2.0, 0.3),
        (uniform(rng, (5.0, 10.0)), itch_peak),
        (uniform(rng, (21.0, 35.0)), 0.3),
    ];
    let mut window = |d: Option<i64>, range| d.map_or(0, |d| (d as f64 * uniform(rng, range)).round() as i64);
    let ooze_until = window(course.oozing_stops_by_day, (0.5, 0.95));
    let raw_until = window(course.open_areas_closed_by_day, (0.3, 0.9));
    let crusts = if course.open_areas_closed_by_day.is_some() {
        (rng.gen_range(2..=4), rng.gen_range(6..=10))
    } else {
        (0, -1)
    };
    Patient {
        facts,
        course,
        swelling,
        redness,
        pain_start,
        pain_rate,
        itch,
        ooze_until,
        raw_until,
        crusts,
    }
}

fn level_report(rng: &mut StdRng, truth: f64, sigma: f64, max: u8) -> u8 {
    let v = (truth + sigma * gauss(rng)).round().clamp(0.0, f64::from(max));
    v as u8
}

/// What a patient on a normal course reports on `day`.
fn normal_answers(rng: &mut StdRng, pt: &Patient, day: i64, s: &RuleSettings) -> CheckInAnswers {
    let d = day as f64;
    let mut a = CheckInAnswers::calm();
    let cap = |limit: Option<LevelStep>| limit.map_or(3, |l| l.max);
    a.swelling = level_report(rng, interpolate(&pt.swelling, d), 0.35, 3).min(cap(pt.course.swelling_limit(day)));
    a.redness = level_report(rng, interpolate(&pt.redness, d), 0.35, 3).min(cap(pt.course.redness_limit(day)));
    let pain_truth = (pt.pain_start * (-pt.pain_rate * d).exp()).max(0.3);
    let mut pain = level_report(rng, pain_truth, 0.8, 10);
    if day >= pt.course.pain_ok_by_day {
        pain = pain.min(s.pain_ok_level);
    }
    a.pain = pain;
    a.pain_relief = if pain >= 2 {
        PainRelief::Yes
    } else {
        PainRelief::NotTaking
    };
    a.itch = level_report(rng, interpolate(&pt.itch, d), 0.9, 10);
    if day < pt.ooze_until && rng.gen_bool(0.8) {
        a.oozing = Oozing::Clear;
    }
    if day < pt.raw_until && rng.gen_bool(0.25) {
        a.raw_area = true;
    }
    if (pt.crusts.0..=pt.crusts.1).contains(&day) {
        a.crusts = Crusts::Thin;
    }
    a.overall = if rng.gen_bool(0.07) {
        Overall::Worse
    } else if day <= 14 && rng.gen_bool(0.6) {
        Overall::Better
    } else {
        Overall::Same
    };
    a.prophylaxis = match (pt.facts.prescribed.antiviral, day <= 10) {
        (true, true) if rng.gen_bool(0.03) => Prophylaxis::Missed,
        (true, true) => Prophylaxis::Taken,
        _ => Prophylaxis::NotPrescribed,
    };
    a.want_call = rng.gen_bool(0.004);
    a
}

/// The days a patient checks in (due days, minus the ones missed).
fn checkin_days(rng: &mut StdRng) -> Vec<i64> {
    triage::due_days(FOLLOW_UP_DAYS)
        .into_iter()
        .filter(|d| {
            let miss = if *d < triage::WEEKLY_FROM_DAY { 0.12 } else { 0.2 };
            !rng.gen_bool(miss)
        })
        .collect()
}

/// The categorical answers a check-in ticked, by name. The normal range
/// records which of them normal recoveries report on each day.
fn signs(a: &CheckInAnswers) -> Vec<&'static str> {
    [
        (a.overall == Overall::Worse, "overall worse"),
        (a.pain_relief == PainRelief::No, "pain medicine not helping"),
        (a.eyes_swollen_shut, "eyes swollen shut"),
        (a.redness_spreading, "redness spreading"),
        (a.oozing == Oozing::Clear, "thin clear oozing"),
        (a.oozing == Oozing::Pus, "thick cloudy oozing"),
        (a.crusts == Crusts::Thin, "thin crusts"),
        (a.crusts == Crusts::Yellow, "yellow crusts"),
        (a.blisters, "blisters"),
        (a.tingling, "tingling"),
        (a.pimples, "whiteheads or pimples"),
        (a.white_patches, "white patches"),
        (a.rash_outside, "rash outside the treated area"),
        (a.raw_area, "raw area"),
        (a.lip_swelling_or_breathing, "lip swelling or trouble breathing"),
        (a.fever, "fever"),
        (a.vision_change, "vision change"),
        (a.eye_pain, "eye pain"),
        (a.cannot_close_eye, "cannot close the eye"),
        (a.lid_pulling, "lid pulling down"),
        (a.bleeding, "bleeding"),
        (a.want_call, "would like a call"),
        (a.prophylaxis == Prophylaxis::Missed, "prophylaxis missed"),
        (a.dark_patches, "dark patches"),
        (a.light_patches, "light patches"),
        (a.raised_area, "raised area"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect()
}

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Pain => "pain",
        Measure::Itch => "itch",
        Measure::Swelling => "swelling",
        Measure::Redness => "redness",
    }
}

/// What the normal recoveries of one class reported on one day of the run:
/// the highest value of each measure and every sign anyone ticked. A
/// complication is "first reported" when a check-in goes beyond this.
#[derive(Debug, Default)]
struct NormalRange {
    /// In the order of [`Measure::ALL`].
    highest: [u8; 4],
    signs: BTreeSet<&'static str>,
}

impl NormalRange {
    fn add(&mut self, a: &CheckInAnswers) {
        for (top, m) in self.highest.iter_mut().zip(Measure::ALL) {
            *top = (*top).max(m.of(a));
        }
        self.signs.extend(signs(a));
    }

    /// What `a` reports of `measures` and `own_signs` that no normal
    /// recovery of the class reported that day.
    fn beyond(&self, a: &CheckInAnswers, measures: &[Measure], own_signs: &[&'static str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .highest
            .iter()
            .zip(Measure::ALL)
            .filter(|(top, m)| measures.contains(m) && m.of(a) > **top)
            .map(|(top, m)| format!("{} {} (normal at most {top})", measure_name(m), m.of(a)))
            .collect();
        out.extend(
            signs(a)
                .into_iter()
                .filter(|s| own_signs.contains(s) && !self.signs.contains(s))
                .map(String::from),
        );
        out
    }
}

/// A sign a complication adds from some day after its onset on, and keeps.
#[derive(Debug, Clone, Copy)]
enum Sign {
    Pus,
    YellowCrusts,
    RednessSpreading,
    Fever,
    RawArea,
    PainNotHelped,
    Blisters,
    Tingling,
    WhitePatches,
    Pimples,
    RashOutside,
    DarkPatches,
    RaisedArea(RaisedAreaSite),
    LidPulling,
}

impl Sign {
    fn tick(self, a: &mut CheckInAnswers) {
        match self {
            Sign::Pus => a.oozing = Oozing::Pus,
            Sign::YellowCrusts => a.crusts = Crusts::Yellow,
            Sign::RednessSpreading => a.redness_spreading = true,
            Sign::Fever => a.fever = true,
            Sign::RawArea => a.raw_area = true,
            Sign::PainNotHelped => a.pain_relief = PainRelief::No,
            Sign::Blisters => a.blisters = true,
            Sign::Tingling => a.tingling = true,
            Sign::WhitePatches => a.white_patches = true,
            Sign::Pimples => a.pimples = true,
            Sign::RashOutside => a.rash_outside = true,
            Sign::DarkPatches => a.dark_patches = true,
            Sign::RaisedArea(site) => {
                a.raised_area = true;
                a.raised_area_site = Some(site);
            }
            Sign::LidPulling => a.lid_pulling = true,
        }
    }
}

/// A level that rises by `per_day` from `from` days after onset (the first
/// step on that day) until it reaches `top`, then stays.
#[derive(Debug, Clone, Copy, Default)]
struct Ramp {
    from: i64,
    per_day: f64,
    top: f64,
}

impl Ramp {
    fn rising(rng: &mut StdRng, from: i64, per_day: (f64, f64), top: (f64, f64)) -> Self {
        Self {
            from,
            per_day: uniform(rng, per_day),
            top: uniform(rng, top),
        }
    }

    fn constant(level: f64) -> Self {
        Self {
            from: 0,
            per_day: level,
            top: level,
        }
    }

    fn at(self, since_onset: i64) -> f64 {
        if since_onset < self.from {
            return 0.0;
        }
        (self.per_day * (since_onset - self.from + 1) as f64).min(self.top)
    }
}

/// One seeded complication in one patient, from its onset until the end of
/// follow-up (untreated: the simulation stops at its first report, when the
/// clinic would act).
#[derive(Debug, Default)]
struct Progression {
    onset: i64,
    /// Only the weekly form asks about it.
    weekly_only: bool,
    /// Added to the pain the normal course gives that day.
    pain: Ramp,
    /// The complication's own itch and redness: the patient reports the
    /// higher of it and the normal course.
    itch: Ramp,
    redness: Ramp,
    /// Each sign with the day after onset from which it shows.
    signs: Vec<(Sign, i64)>,
    /// "Overall worse" on each check-in after onset with this probability.
    worse: f64,
}

impl Progression {
    /// Whether the check-in on `day` can show it.
    fn shows_on(&self, day: i64) -> bool {
        day >= self.onset && (!self.weekly_only || day >= triage::WEEKLY_FROM_DAY)
    }

    /// What the complication changes: the measures it raises and the names
    /// of its signs. Only these make a first report (a patient's ordinary
    /// day-to-day variation on other answers is not the complication).
    fn shown_in(&self) -> (Vec<Measure>, Vec<&'static str>) {
        let measures = [
            (Measure::Pain, self.pain),
            (Measure::Itch, self.itch),
            (Measure::Redness, self.redness),
        ]
        .into_iter()
        .filter(|(_, ramp)| ramp.top > 0.0)
        .map(|(m, _)| m)
        .collect();
        let mut ticked = CheckInAnswers::calm();
        for (sign, _) in &self.signs {
            sign.tick(&mut ticked);
        }
        (measures, signs(&ticked))
    }

    /// The day's normal answers with the complication as it stands on `day`.
    fn apply(&self, rng: &mut StdRng, day: i64, a: &mut CheckInAnswers) {
        let t = day - self.onset;
        let pain = self.pain.at(t);
        if pain > 0.0 {
            a.pain = (f64::from(a.pain) + pain).round().min(10.0) as u8;
            if a.pain >= 2 && a.pain_relief == PainRelief::NotTaking {
                a.pain_relief = PainRelief::Yes;
            }
        }
        let itch = self.itch.at(t);
        if itch > 0.0 {
            a.itch = a.itch.max(level_report(rng, itch, 0.9, 10));
        }
        let redness = self.redness.at(t);
        if redness > 0.0 {
            a.redness = a.redness.max(level_report(rng, redness, 0.35, 3));
        }
        for (sign, from) in &self.signs {
            if t >= *from {
                sign.tick(a);
            }
        }
        if self.worse > 0.0 && rng.gen_bool(self.worse) {
            a.overall = Overall::Worse;
        }
    }
}

/// How complication `c` starts and grows in `pt` (section 3; the numbers
/// are the module docs' assumptions).
fn progression(rng: &mut StdRng, c: Complication, pt: &Patient) -> Progression {
    let mut p = Progression::default();
    match c {
        Complication::Infection => {
            p.onset = if rng.gen_bool(0.8) {
                rng.gen_range(2..=10)
            } else {
                rng.gen_range(11..=14)
            };
            p.worse = 0.6;
            // At least one sign: a "complication" with none is not one.
            while p.signs.is_empty() && p.pain.top == 0.0 {
                if rng.gen_bool(0.6) {
                    p.pain = Ramp::rising(rng, 0, (0.5, 2.0), (3.0, 6.0));
                    if rng.gen_bool(0.3) {
                        p.signs.push((Sign::PainNotHelped, rng.gen_range(0..=3)));
                    }
                }
                for (sign, chance) in [
                    (Sign::Pus, 0.5),
                    (Sign::YellowCrusts, 0.4),
                    (Sign::RednessSpreading, 0.3),
                    (Sign::Fever, 0.25),
                    (Sign::RawArea, 0.3),
                ] {
                    if rng.gen_bool(chance) {
                        p.signs.push((sign, rng.gen_range(0..=4)));
                    }
                }
            }
        }
        Complication::ColdSores => {
            let sores_from = if rng.gen_bool(0.4) {
                // Tingling at 24–72 h, sores from day 5 to 10.
                p.onset = rng.gen_range(1..=3);
                p.signs.push((Sign::Tingling, 0));
                rng.gen_range(5..=10) - p.onset
            } else {
                p.onset = rng.gen_range(5..=10);
                if rng.gen_bool(0.5) {
                    p.signs.push((Sign::Tingling, 0));
                }
                0
            };
            p.signs.push((Sign::Blisters, sores_from));
            // Pain out of proportion, with the sores.
            p.pain = Ramp::rising(rng, sores_from, (0.5, 1.5), (1.0, 3.0));
            p.worse = 0.5;
        }
        Complication::Yeast => {
            p.onset = rng.gen_range(6..=14);
            p.itch = Ramp::rising(rng, 0, (1.5, 3.0), (7.0, 9.0));
            // Prolonged redness: it stops fading.
            p.redness = Ramp::constant(interpolate(&pt.redness, p.onset as f64));
            for sign in [Sign::WhitePatches, Sign::Pimples] {
                if rng.gen_bool(0.5) {
                    p.signs.push((sign, rng.gen_range(0..=3)));
                }
            }
            p.worse = 0.3;
        }
        Complication::ContactDermatitis => {
            p.onset = rng.gen_range(8..=28);
            p.itch = Ramp::rising(rng, 0, (1.0, 2.5), (4.0, 8.0));
            p.redness = Ramp::rising(rng, 0, (0.5, 1.0), (2.0, 3.0));
            if rng.gen_bool(0.5) {
                p.signs.push((Sign::RashOutside, rng.gen_range(0..=3)));
            }
            p.worse = 0.3;
        }
        Complication::ProlongedRedness => {
            let last = pt.course.redness.last().copied();
            p.onset = last.map_or(28, |st| st.by_day);
            p.redness = Ramp::constant(f64::from((last.map_or(2, |st| st.max) + 1).min(3)));
        }
        Complication::DarkPatches => {
            p.onset = rng.gen_range(21..=56);
            p.weekly_only = true;
            p.signs.push((Sign::DarkPatches, 0));
        }
        Complication::RaisedScar => {
            p.onset = rng.gen_range(14..=21);
            p.weekly_only = true;
            let site = RaisedAreaSite::ALL[rng.gen_range(0..RaisedAreaSite::ALL.len())];
            p.signs.push((Sign::RaisedArea(site), 0));
        }
        Complication::EyelidTurningOut => {
            p.onset = rng.gen_range(21..=84);
            p.signs.push((Sign::LidPulling, 0));
        }
    }
    p
}

/// Runs the simulation with `settings` (the rules a clinic would use).
pub fn run(config: &Config, settings: &RuleSettings) -> Report {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut report = Report {
        config_seed: config.seed,
        patients: 0,
        normal_checkins: 0,
        review_plus: 0,
        urgent: 0,
        by_class: BTreeMap::new(),
        by_rule: BTreeMap::new(),
        complications: Vec::new(),
    };
    let mut normal: BTreeMap<(ProcedureClass, i64), NormalRange> = BTreeMap::new();
    for p in ProcedureClass::ALL {
        for _ in 0..config.patients_per_class {
            let pt = new_patient(&mut rng, *p, settings);
            report.patients += 1;
            let mut done: Vec<(i64, CheckInAnswers)> = Vec::new();
            for day in checkin_days(&mut rng) {
                let a = normal_answers(&mut rng, &pt, day, settings);
                normal.entry((*p, day)).or_default().add(&a);
                let findings = evaluate(day, &a, &done, &pt.facts, settings);
                let highest = triage::highest(&findings);
                let entry = report.by_class.entry(*p).or_default();
                entry.0 += 1;
                report.normal_checkins += 1;
                if highest >= Some(Severity::Review) {
                    entry.1 += 1;
                    report.review_plus += 1;
                }
                if highest == Some(Severity::Urgent) {
                    entry.2 += 1;
                    report.urgent += 1;
                }
                for f in findings.iter().filter(|f| f.severity >= Severity::Review) {
                    *report.by_rule.entry(f.rule).or_default() += 1;
                }
                done.push((day, a));
            }
        }
    }
    let nothing_normal = NormalRange::default();
    for c in Complication::ALL {
        let mut caught = Caught::new(c);
        for p in ProcedureClass::ALL.iter().filter(|p| c.concerns(**p)) {
            let mut n = 0;
            while n < config.per_complication {
                let mut pt = new_patient(&mut rng, *p, settings);
                if c == Complication::EyelidTurningOut && !pt.facts.zones.contains(Zone::Periorbital) {
                    pt.facts.zones = Zones::parse("periorbital").unwrap_or_default();
                }
                let course = progression(&mut rng, c, &pt);
                let (measures, own_signs) = course.shown_in();
                let days = checkin_days(&mut rng);
                if !days.iter().any(|d| course.shows_on(*d)) {
                    continue; // never checked in after onset: nothing to catch
                }
                n += 1;
                report.patients += 1;
                caught.seeded += 1;
                let mut done: Vec<(i64, CheckInAnswers)> = Vec::new();
                let mut reported = false;
                let mut flagged_earlier = false;
                for day in days {
                    let mut a = normal_answers(&mut rng, &pt, day, settings);
                    if course.shows_on(day) {
                        course.apply(&mut rng, day, &mut a);
                        let findings = evaluate(day, &a, &done, &pt.facts, settings);
                        let flagged = triage::highest(&findings) >= Some(Severity::Review);
                        let beyond = normal
                            .get(&(*p, day))
                            .unwrap_or(&nothing_normal)
                            .beyond(&a, &measures, &own_signs);
                        if beyond.is_empty() {
                            caught.not_yet_distinguishable += 1;
                            caught.flagged_before_distinguishable += usize::from(flagged);
                            flagged_earlier |= flagged;
                        } else {
                            reported = true;
                            caught.reported += 1;
                            if flagged {
                                caught.caught += 1;
                            } else {
                                caught.missed_but_flagged_earlier += usize::from(flagged_earlier);
                                let prev = done.last().map(|(_, x)| x);
                                caught.missed.push(format!(
                                    "{} day {day} (onset day {}): {}; beyond the normal course: {}",
                                    p.as_str(),
                                    course.onset,
                                    describe(&a, prev),
                                    beyond.join(", ")
                                ));
                            }
                            if triage::highest(&findings) == Some(Severity::Urgent) {
                                caught.urgent += 1;
                            }
                            break; // the clinic acts on it from here
                        }
                    }
                    done.push((day, a));
                }
                caught.never_distinguishable += usize::from(!reported);
            }
        }
        report.complications.push(caught);
    }
    report
}

fn evaluate(
    day: i64,
    a: &CheckInAnswers,
    done: &[(i64, CheckInAnswers)],
    facts: &TreatmentFacts,
    s: &RuleSettings,
) -> Vec<triage::Finding> {
    // The rules read the latest two earlier check-ins.
    let earlier: Vec<PriorCheckIn> = done
        .iter()
        .rev()
        .take(2)
        .map(|(d, x)| PriorCheckIn { day: *d, answers: x })
        .collect();
    triage::evaluate(day, a, &earlier, facts, s)
}

/// A missed complication's answers, briefly (for the report).
fn describe(a: &CheckInAnswers, prev: Option<&CheckInAnswers>) -> String {
    let mut parts = vec![format!(
        "pain {}, itch {}, swelling {}, redness {}",
        a.pain, a.itch, a.swelling, a.redness
    )];
    if let Some(p) = prev {
        parts.push(format!(
            "(before: pain {} itch {} swelling {} redness {})",
            p.pain, p.itch, p.swelling, p.redness
        ));
    }
    parts.extend(signs(a).into_iter().map(String::from));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Section 5's burden targets with the default (revised) rules: at most
    /// 10 % of normal-course check-ins review or urgent, at most 3 % urgent.
    #[test]
    fn the_default_rules_meet_the_alert_burden_targets() {
        let r = run(&Config::default(), &RuleSettings::default());
        let text = r.render();
        assert!(r.normal_checkins > 50_000, "{text}");
        assert!(r.review_plus_share() <= 0.10, "{text}");
        assert!(r.urgent_share() <= 0.03, "{text}");
    }

    /// What the revised rules catch on the check-in that first reports a
    /// seeded complication: every cold sore, prolonged redness, dark patch,
    /// raised scar and eyelid; at least nine in ten infections, yeast
    /// infections and contact dermatitis (the misses are listed by `render`).
    /// Every seeded complication grows until its answers leave the normal
    /// range, so none goes uncounted.
    #[test]
    fn seeded_complications_are_caught_on_the_check_in_that_first_reports_them() {
        let r = run(&Config::default(), &RuleSettings::default());
        let text = r.render();
        assert!(r.complications_seeded() >= 8 * 40, "{text}");
        for c in &r.complications {
            assert_eq!(c.never_distinguishable, 0, "{text}");
            assert_eq!(c.reported, c.seeded, "{text}");
            let complete = !matches!(
                c.complication,
                Complication::Infection | Complication::Yeast | Complication::ContactDermatitis
            );
            if complete {
                assert_eq!(c.caught, c.reported, "{text}");
            } else {
                assert!(c.caught as f64 >= 0.9 * c.reported as f64, "{text}");
            }
        }
    }

    /// Section 5's third target. Not met by this model with the revised
    /// rules (see `render` for every miss's answers): an infection whose pain
    /// climbs a point or so a day, so that it is above every normal report of
    /// the day (pain 4–6) but never 2 above the check-in before (U5) nor at
    /// U6's 7; a yeast infection whose first sign is pustules ("whiteheads or
    /// pimples") before the itch is intense (R7: info while itch and pain are
    /// below 4), or whose itch has climbed to 6 a point at a time; a contact
    /// dermatitis whose itch climbs to 5–6 (R5 wants 7, or
    /// a rise of 3 on the check-in before) or whose redness is severe while
    /// the course still allows any level. Kept as the target, ignored until
    /// the rules or the reference decide; the model is not fitted to it.
    #[test]
    #[ignore = "section 5 target not met: see the test's comment and the README's Alert burden section"]
    fn every_seeded_complication_is_caught_on_the_day_it_is_first_reported() {
        let r = run(&Config::default(), &RuleSettings::default());
        assert!(r.complications_seeded() >= 8 * 40, "{}", r.render());
        assert_eq!(r.complications_reported(), r.complications_seeded(), "{}", r.render());
        assert_eq!(r.complications_caught(), r.complications_reported(), "{}", r.render());
    }

    /// "First reported" is measured against the normal cohort, not the
    /// rules: an answer some normal recovery gave that day is not a report,
    /// a higher level or a sign none of them ticked is.
    #[test]
    fn a_check_in_is_a_first_report_when_it_goes_beyond_every_normal_one_that_day() {
        let mut range = NormalRange::default();
        let mut normal = CheckInAnswers::calm();
        normal.pain = 3;
        normal.itch = 4;
        normal.raw_area = true;
        range.add(&normal);
        let mut quieter = normal.clone();
        quieter.pain = 1;
        quieter.raw_area = false;
        let all = ["raw area", "thick cloudy oozing"];
        assert!(range.beyond(&quieter, &Measure::ALL, &all).is_empty());
        assert!(range.beyond(&normal, &Measure::ALL, &all).is_empty());
        let mut itchier = normal.clone();
        itchier.itch = 5;
        assert_eq!(
            range.beyond(&itchier, &Measure::ALL, &all),
            vec!["itch 5 (normal at most 4)".to_string()]
        );
        // Only what the complication changes counts.
        assert!(range.beyond(&itchier, &[Measure::Pain], &all).is_empty());
        let mut pus = quieter;
        pus.oozing = Oozing::Pus;
        assert_eq!(range.beyond(&pus, &[], &all), vec!["thick cloudy oozing".to_string()]);
        assert!(range.beyond(&pus, &[], &["raw area"]).is_empty());
    }

    /// Complications grow: signs stay once they show, and levels rise to
    /// their top and stay there.
    #[test]
    fn a_complication_keeps_its_signs_and_its_levels_do_not_fall() {
        let s = RuleSettings::default();
        let mut rng = StdRng::seed_from_u64(3);
        for c in Complication::ALL {
            for _ in 0..20 {
                let pt = new_patient(&mut rng, ProcedureClass::AblativeFullCo2, &s);
                let course = progression(&mut rng, c, &pt);
                assert!(
                    !course.signs.is_empty()
                        || course.pain.top > 0.0
                        || course.itch.top > 0.0
                        || course.redness.top > 0.0,
                    "{c:?}"
                );
                for ramp in [course.pain, course.itch, course.redness] {
                    let levels: Vec<f64> = (0..30).map(|t| ramp.at(t)).collect();
                    assert!(levels.windows(2).all(|w| w[0] <= w[1]), "{c:?} {levels:?}");
                    assert!(levels.iter().all(|l| *l <= ramp.top), "{c:?}");
                }
                let (mut a, mut b) = (CheckInAnswers::calm(), CheckInAnswers::calm());
                course.apply(&mut rng, course.onset + 5, &mut a);
                course.apply(&mut rng, course.onset + 12, &mut b);
                assert!(
                    signs(&a)
                        .iter()
                        .filter(|x| **x != "overall worse")
                        .all(|x| signs(&b).contains(x)),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_report_and_another_seed_another() {
        let small = Config {
            patients_per_class: 30,
            per_complication: 5,
            ..Config::default()
        };
        let s = RuleSettings::default();
        assert_eq!(run(&small, &s), run(&small, &s));
        let other = Config {
            seed: 7,
            ..small.clone()
        };
        assert_ne!(run(&small, &s).normal_checkins, 0);
        assert_ne!(run(&small, &s), run(&other, &s));
    }

    /// The normal model stays within section 2 (its definition of normal):
    /// no report above the course step in force, pain at or below 3 from its
    /// day, no oozing or raw area after their windows.
    #[test]
    fn normal_reports_stay_within_the_expected_course() {
        let s = RuleSettings::default();
        let mut rng = StdRng::seed_from_u64(1);
        for p in ProcedureClass::ALL {
            for _ in 0..50 {
                let pt = new_patient(&mut rng, *p, &s);
                for day in triage::due_days(FOLLOW_UP_DAYS) {
                    let a = normal_answers(&mut rng, &pt, day, &s);
                    let c = &pt.course;
                    assert!(c.swelling_limit(day).is_none_or(|l| a.swelling <= l.max), "{p} {day}");
                    assert!(c.redness_limit(day).is_none_or(|l| a.redness <= l.max), "{p} {day}");
                    assert!(day < c.pain_ok_by_day || a.pain <= s.pain_ok_level, "{p} {day}");
                    assert!(a.oozing == Oozing::None || c.oozing_expected(day), "{p} {day}");
                    assert!(!a.raw_area || c.open_areas_expected(day), "{p} {day}");
                }
            }
        }
    }

    /// The revision's reason: under the rules from before it, one-step
    /// wobbles alone put well over a tenth of normal check-ins up for review.
    #[test]
    fn the_rules_from_before_the_revision_flag_more_of_the_normal_course() {
        let config = Config {
            patients_per_class: 150,
            per_complication: 5,
            ..Config::default()
        };
        let before = run(&config, &RuleSettings::defaults_before_trend_revision());
        let after = run(&config, &RuleSettings::default());
        assert!(
            before.review_plus > after.review_plus,
            "{}\n{}",
            before.render(),
            after.render()
        );
    }
}
