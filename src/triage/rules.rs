//! The default flag rules (clinical reference, section 5) as one table,
//! [`RULES`], in the reference's order; each rule's id, default severity and
//! words are [`RuleId`]'s (a leaf in `domain/`, so settings and storage name
//! rules without importing this file). Each check-in rule is a small function
//! below the table; numbers a clinic can change come from [`RuleSettings`],
//! fixed day windows are the constants beside the table.

use super::course::{level_word, limit_words, ExpectedCourse};
use super::settings::RuleSettings;
use super::{Finding, PriorCheckIn, TreatmentFacts};
use crate::domain::{
    CheckInAnswers, Crusts, Oozing, Overall, PainRelief, Prophylaxis, RaisedAreaSite, RuleId, Severity, Zone,
};
use serde_json::{json, Value};

/// One row of the rule table.
pub struct Rule {
    pub id: RuleId,
    check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:?}): {}",
            self.id,
            self.id.default_severity(),
            self.id.summary()
        )
    }
}

enum Check {
    /// Judged on a check-in.
    CheckIn(fn(&Ctx) -> Option<Hit>),
    /// Judged by the scheduler (`schedule::missed_checkins`).
    Scheduler,
}

const fn rule(id: RuleId, f: fn(&Ctx) -> Option<Hit>) -> Rule {
    Rule {
        id,
        check: Check::CheckIn(f),
    }
}
const fn missed(id: RuleId) -> Rule {
    Rule {
        id,
        check: Check::Scheduler,
    }
}

use RuleId::*;

/// The rule table of the clinical reference, section 5: who judges each rule
/// (a check-in function, or the scheduler). What each rule says is
/// [`RuleId::summary`].
pub static RULES: [Rule; 27] = [
    rule(U1, u1),
    rule(U2, u2),
    rule(U3, u3),
    rule(U4, u4),
    rule(U5, u5),
    rule(U6, u6),
    rule(U7, u7),
    rule(U8, u8),
    rule(U9, u9),
    rule(U10, u10),
    rule(R1, r1),
    rule(R2, r2),
    rule(R3, r3),
    rule(R4, r4),
    rule(R5, r5),
    rule(R6, r6),
    rule(R7, r7),
    rule(R8, r8),
    rule(R9, r9),
    rule(R10, r10),
    rule(R11, r11),
    rule(R12, r12),
    rule(R13, r13),
    missed(M1),
    missed(M2),
    missed(M3),
    // Not in the reference: an invitation not accepted (see `RuleId::is_scheduled`).
    missed(A1),
];

// Fixed day windows of the table (not clinic settings).
const FEVER_LAST_DAY: i64 = 21; // U1
const INFECTION_FROM_DAY: i64 = 2; // U2
const HERPES_LAST_DAY: i64 = 14; // U3
const SWELLING_RISE_AFTER_DAY: i64 = 3; // U7, R3
const EYES_SHUT_FROM_DAY: i64 = 4; // U8
const REDNESS_RISE_AFTER_DAY: i64 = 7; // R4
const NEW_RASH_AFTER_DAY: i64 = 7; // R6
const BUMPS_FROM_DAY: i64 = 5; // R7
const RAISED_AREA_DAYS: (i64, i64) = (10, 90); // R8
const DARK_PATCH_DAYS: (i64, i64) = (14, 90); // R10
const LIGHT_PATCH_FROM_DAY: i64 = 60; // R11
use crate::domain::questions::PROPHYLAXIS_LAST_DAY; // R12
const WORSE_AFTER_DAY: i64 = 3; // R13

/// Everything a rule may look at.
struct Ctx<'a> {
    day: i64,
    a: &'a CheckInAnswers,
    prev: Option<&'a PriorCheckIn<'a>>,
    /// The check-in before `prev` (for rises on two check-ins in a row).
    before_prev: Option<&'a PriorCheckIn<'a>>,
    t: &'a TreatmentFacts,
    s: &'a RuleSettings,
    course: ExpectedCourse,
    /// "fully ablative CO2 laser": the class label used in reasons.
    class: &'static str,
}

impl Ctx<'_> {
    fn ablative(&self) -> bool {
        self.t.procedure.is_ablative()
    }
    /// "on day 6 after fully ablative CO2 laser"
    fn when(&self) -> String {
        format!("on day {} after {}", self.day, self.class)
    }
    fn prev_pain(&self) -> Option<u8> {
        self.prev.map(|p| p.answers.pain)
    }
    /// Pain rose compared with the previous check-in.
    fn pain_rose(&self) -> bool {
        self.prev_pain().is_some_and(|p| self.a.pain > p)
    }
}

/// A rule fired: its severity (`None` = the rule's default), reason, inputs.
struct Hit {
    severity: Option<Severity>,
    reason: String,
    inputs: Value,
}

fn hit(reason: String, inputs: Value) -> Option<Hit> {
    Some(Hit {
        severity: None,
        reason,
        inputs,
    })
}
fn hit_as(severity: Severity, reason: String, inputs: Value) -> Option<Hit> {
    Some(Hit {
        severity: Some(severity),
        reason,
        inputs,
    })
}

/// Runs every enabled check-in rule. See [`super::evaluate`].
pub(super) fn run(
    day: i64,
    a: &CheckInAnswers,
    [prev, before_prev]: [Option<&PriorCheckIn>; 2],
    t: &TreatmentFacts,
    s: &RuleSettings,
) -> Vec<Finding> {
    let ctx = Ctx {
        day,
        a,
        prev,
        before_prev,
        t,
        s,
        course: s.course_for(t.procedure),
        class: t.procedure.label(),
    };
    RULES
        .iter()
        .filter(|r| s.is_enabled(r.id))
        .filter_map(|r| match r.check {
            Check::CheckIn(f) => f(&ctx).map(|h| (r, h)),
            Check::Scheduler => None,
        })
        .map(|(r, h)| Finding {
            rule: r.id,
            severity: h.severity.or(r.id.default_severity()).unwrap_or(Severity::Info),
            reason: h.reason,
            inputs: h.inputs,
        })
        .collect()
}

fn u1(c: &Ctx) -> Option<Hit> {
    let threshold = c.s.fever_threshold_c;
    if c.day > FEVER_LAST_DAY || !c.a.has_fever(threshold) {
        return None;
    }
    let seen = match c.a.temperature {
        Some(t) if t.celsius() >= threshold => format!("Temperature {:.1} °C ({:.1} °F)", t.celsius(), t.fahrenheit()),
        _ => "Fever reported".to_string(),
    };
    let reason = format!(
        "{seen} {}; a temperature of {threshold:.1} °C or more in the first {FEVER_LAST_DAY} days can mean infection",
        c.when()
    );
    let temp = c.a.temperature.map(|t| t.celsius());
    hit(
        reason,
        json!({"day": c.day, "fever": c.a.fever, "temperature_c": temp, "threshold_c": threshold}),
    )
}

fn u2(c: &Ctx) -> Option<Hit> {
    let pus = c.a.oozing == Oozing::Pus;
    let yellow = c.a.crusts == Crusts::Yellow;
    if c.day < INFECTION_FROM_DAY || !(pus || yellow) {
        return None;
    }
    let seen = match (pus, yellow) {
        (true, true) => "Thick, cloudy or foul oozing and thick yellow or honey-coloured crusts",
        (true, false) => "Thick, cloudy or foul oozing",
        _ => "Thick yellow or honey-coloured crusts",
    };
    let reason = format!(
        "{seen} {}; from day {INFECTION_FROM_DAY} these can mean infection",
        c.when()
    );
    hit(
        reason,
        json!({"day": c.day, "oozing": c.a.oozing, "crusts": c.a.crusts}),
    )
}

fn u3(c: &Ctx) -> Option<Hit> {
    if c.day > HERPES_LAST_DAY || !(c.a.blisters || c.a.tingling) {
        return None;
    }
    let seen = match (c.a.blisters, c.a.tingling) {
        (true, true) => "Blisters or clustered sores and a tingling or cold-sore feeling",
        (true, false) => "Blisters or clustered sores",
        _ => "A tingling or cold-sore feeling",
    };
    let perioral = c.t.zones.contains(Zone::Perioral);
    let mut reason = format!(
        "{seen} {}; can mean a cold-sore (herpes) flare in the first {HERPES_LAST_DAY} days",
        c.when()
    );
    if perioral {
        reason.push_str("; the area around the mouth was treated, which raises this risk");
    }
    if c.t.cold_sores {
        reason.push_str("; the patient has a history of cold sores");
    }
    let inputs = json!({"day": c.day, "blisters": c.a.blisters, "tingling": c.a.tingling,
        "perioral": perioral, "cold_sores": c.t.cold_sores});
    hit(reason, inputs)
}

fn u4(c: &Ctx) -> Option<Hit> {
    if !(c.a.vision_change || c.a.eye_pain) {
        return None;
    }
    let seen = match (c.a.vision_change, c.a.eye_pain) {
        (true, true) => "Vision change and eye pain or light sensitivity",
        (true, false) => "Vision change",
        _ => "Eye pain or light sensitivity",
    };
    let reason = format!("{seen} {}; eye problems need same-day attention", c.when());
    hit(
        reason,
        json!({"day": c.day, "vision_change": c.a.vision_change, "eye_pain": c.a.eye_pain}),
    )
}

/// U5/U6 apply from day 3 (ablative) or day 2 (other classes) by default.
fn pain_from_day(c: &Ctx) -> i64 {
    if c.ablative() {
        c.s.pain_from_day_ablative
    } else {
        c.s.pain_from_day_other
    }
}

fn pain_expectation(c: &Ctx) -> String {
    format!(
        "expected {}/10 or less by day {}",
        c.s.pain_ok_level, c.course.pain_ok_by_day
    )
}

fn u5(c: &Ctx) -> Option<Hit> {
    let prev = c.prev?;
    let from = pain_from_day(c);
    let rise = u16::from(c.s.pain_rise);
    let min = c.s.pain_rise_min_level;
    if c.day < from || u16::from(c.a.pain) < u16::from(prev.answers.pain) + rise || c.a.pain < min {
        return None;
    }
    // Only the words of the level condition when it is set (older rules versions have none).
    let reaching = if min > 0 {
        format!(" reaching {min}/10 or more")
    } else {
        String::new()
    };
    let reason = format!(
        "Pain rose from {}/10 (day {}) to {}/10 {}; a rise of {rise} or more{reaching} from day {from} can mean \
         a complication ({})",
        prev.answers.pain,
        prev.day,
        c.a.pain,
        c.when(),
        pain_expectation(c)
    );
    let inputs = json!({"day": c.day, "pain": c.a.pain, "prev_pain": prev.answers.pain, "prev_day": prev.day,
        "rise": rise, "min_level": min, "from_day": from});
    hit(reason, inputs)
}

fn u6(c: &Ctx) -> Option<Hit> {
    let from = pain_from_day(c);
    let level = if c.ablative() {
        c.s.pain_severe_ablative
    } else {
        c.s.pain_severe_other
    };
    let severe = c.day >= from && c.a.pain >= level;
    let not_helping = c.a.pain_relief == PainRelief::No;
    if !(severe || not_helping) {
        return None;
    }
    let mut parts = Vec::new();
    if severe {
        parts.push(format!(
            "Pain {}/10 {}; {level}/10 or more from day {from} is more than expected ({})",
            c.a.pain,
            c.when(),
            pain_expectation(c)
        ));
    }
    if not_helping {
        parts.push(format!(
            "pain medicine is not helping (pain {}/10 {})",
            c.a.pain,
            c.when()
        ));
    }
    let mut reason = parts.join("; ");
    capitalise(&mut reason);
    let inputs =
        json!({"day": c.day, "pain": c.a.pain, "pain_relief": c.a.pain_relief, "level": level, "from_day": from});
    hit(reason, inputs)
}

fn u7(c: &Ctx) -> Option<Hit> {
    let rising = c
        .prev
        .filter(|p| c.day > SWELLING_RISE_AFTER_DAY && c.a.swelling > p.answers.swelling && c.a.pain > p.answers.pain);
    if !c.a.redness_spreading && rising.is_none() {
        return None;
    }
    let mut parts = Vec::new();
    if c.a.redness_spreading {
        parts.push(format!(
            "Redness spreading beyond the treated area or red streaks {}",
            c.when()
        ));
    }
    if let Some(p) = rising {
        parts.push(format!(
            "swelling rose from {} to {} and pain from {}/10 to {}/10 since day {} ({}); \
             after day {SWELLING_RISE_AFTER_DAY} swelling should be going down",
            level_word(p.answers.swelling),
            level_word(c.a.swelling),
            p.answers.pain,
            c.a.pain,
            p.day,
            c.when()
        ));
    }
    let mut reason = parts.join("; ");
    reason.push_str(": can mean spreading infection");
    capitalise(&mut reason);
    let inputs = json!({"day": c.day, "redness_spreading": c.a.redness_spreading, "swelling": c.a.swelling,
        "pain": c.a.pain, "prev_swelling": c.prev.map(|p| p.answers.swelling), "prev_pain": c.prev_pain()});
    hit(reason, inputs)
}

fn u8(c: &Ctx) -> Option<Hit> {
    if c.day < EYES_SHUT_FROM_DAY || !(c.a.eyes_swollen_shut || c.a.swelling >= 3) {
        return None;
    }
    let seen = if c.a.eyes_swollen_shut {
        format!("Eyes swollen shut or hard to open (swelling {}/3)", c.a.swelling)
    } else {
        format!("Swelling severe ({}/3)", c.a.swelling)
    };
    let reason = format!(
        "{seen} {}; swelling should be going down from day {EYES_SHUT_FROM_DAY}",
        c.when()
    );
    hit(
        reason,
        json!({"day": c.day, "eyes_swollen_shut": c.a.eyes_swollen_shut, "swelling": c.a.swelling}),
    )
}

fn u9(c: &Ctx) -> Option<Hit> {
    if !(c.a.bleeding || c.a.want_call) {
        return None;
    }
    let seen = match (c.a.bleeding, c.a.want_call) {
        (true, true) => "Bleeding that will not stop, and the patient asked for a call from the clinic",
        (true, false) => "Bleeding that will not stop",
        _ => "The patient asked for a call from the clinic",
    };
    hit(
        format!("{seen} ({})", c.when()),
        json!({"day": c.day, "bleeding": c.a.bleeding, "want_call": c.a.want_call}),
    )
}

fn u10(c: &Ctx) -> Option<Hit> {
    if !(c.a.rash_outside && c.a.lip_swelling_or_breathing) {
        return None;
    }
    let reason = format!(
        "Rash outside the treated area with lip or tongue swelling or trouble breathing {}; possible severe allergic \
         reaction: the patient is told to call emergency services",
        c.when()
    );
    hit(
        reason,
        json!({"day": c.day, "rash_outside": true, "lip_swelling_or_breathing": true}),
    )
}

fn r1(c: &Ctx) -> Option<Hit> {
    let oozing = c.a.oozing != Oozing::None && !c.course.oozing_expected(c.day);
    let blister = c.course.blister_unexpected && c.a.blisters;
    if !(oozing || blister) {
        return None;
    }
    let expectation = match c.course.oozing_stops_by_day {
        Some(d) => format!("expected oozing to stop by day {d}"),
        None if c.course.blister_unexpected => format!("no oozing or blisters are expected after {}", c.class),
        None => format!("no oozing is expected after {}", c.class),
    };
    let seen = match (oozing, blister) {
        (true, true) => format!("{} and blisters", oozing_words(c.a.oozing)),
        (true, false) => oozing_words(c.a.oozing).to_string(),
        _ => "Blisters".to_string(),
    };
    let reason = format!("{seen} {}; {expectation}", c.when());
    let inputs = json!({"day": c.day, "oozing": c.a.oozing, "blisters": c.a.blisters,
        "oozing_stops_by_day": c.course.oozing_stops_by_day, "blister_unexpected": c.course.blister_unexpected});
    hit(reason, inputs)
}

fn oozing_words(o: Oozing) -> &'static str {
    match o {
        Oozing::None => "No oozing",
        Oozing::Clear => "Thin clear or yellow oozing",
        Oozing::Pus => "Thick, cloudy or foul oozing",
    }
}

fn r2(c: &Ctx) -> Option<Hit> {
    if !c.a.raw_area || c.course.open_areas_expected(c.day) {
        return None;
    }
    let expectation = match c.course.open_areas_closed_by_day {
        Some(d) => format!("expected open areas to be closed by day {d}"),
        None => format!("no open areas are expected after {}", c.class),
    };
    let mut reason = format!("A raw area that is not healing {}; {expectation}", c.when());
    let rising = c.pain_rose();
    if rising {
        reason.push_str(&format!(
            "; pain is rising ({}/10 to {}/10): urgent",
            c.prev_pain().unwrap_or(0),
            c.a.pain
        ));
    }
    let inputs = json!({"day": c.day, "raw_area": true, "open_areas_closed_by_day": c.course.open_areas_closed_by_day,
        "pain": c.a.pain, "prev_pain": c.prev_pain()});
    if rising {
        hit_as(Severity::Urgent, reason, inputs)
    } else {
        hit(reason, inputs)
    }
}

/// R3/R4: a 0–3 level above the expected course; or, after `rise_after`, a
/// large rise on the previous check-in or a rise on two check-ins in a row.
struct Level {
    what: &'static str,
    key: &'static str,
    get: fn(&CheckInAnswers) -> u8,
    rise_after: i64,
    rise: u8,
    /// What it should be doing after `rise_after`.
    expectation: &'static str,
}

fn level_rule(c: &Ctx, m: &Level) -> Option<Hit> {
    let level = (m.get)(c.a);
    let limit = if m.key == "swelling" {
        c.course.swelling_limit(c.day)
    } else {
        c.course.redness_limit(c.day)
    };
    let above = limit.filter(|l| level > l.max);
    let prev = c.prev.filter(|_| c.day > m.rise_after);
    let prev_level = prev.map(|p| (m.get)(p.answers));
    let large = prev
        .zip(prev_level)
        .filter(|(_, pl)| u16::from(level) >= u16::from(*pl) + u16::from(m.rise.max(1)));
    // Sustained: up now and up at the previous check-in too, both after the window.
    let sustained = prev
        .zip(prev_level)
        .filter(|(p, pl)| level > *pl && p.day > m.rise_after)
        .zip(c.before_prev)
        .filter(|((p, pl), b)| *pl > (m.get)(b.answers) && b.day < p.day);
    if above.is_none() && large.is_none() && sustained.is_none() {
        return None;
    }
    let mut parts = vec![format!("{} {} ({level}/3) {}", m.what, level_word(level), c.when())];
    if let Some(l) = above {
        parts.push(format!("expected {} by day {}", limit_words(l.max), l.by_day));
    }
    if let Some((p, pl)) = large {
        let n = level - pl;
        parts.push(format!(
            "up {n} level{} from {} ({pl}/3) on day {}; after day {} it should be {}",
            if n == 1 { "" } else { "s" },
            level_word(pl),
            p.day,
            m.rise_after,
            m.expectation
        ));
    } else if let Some(((p, pl), b)) = sustained {
        let bl = (m.get)(b.answers);
        parts.push(format!(
            "up on two check-ins in a row ({} on day {}, {} on day {}); after day {} it should be {}",
            level_word(bl),
            b.day,
            level_word(pl),
            p.day,
            m.rise_after,
            m.expectation
        ));
    }
    let inputs = json!({"day": c.day, m.key: level,
        "limit": limit.map(|l| l.max), "limit_by_day": limit.map(|l| l.by_day),
        "prev": c.prev.map(|p| (m.get)(p.answers)), "prev_day": c.prev.map(|p| p.day),
        "before_prev": c.before_prev.map(|b| (m.get)(b.answers)), "before_prev_day": c.before_prev.map(|b| b.day),
        "rise": m.rise, "rise_after_day": m.rise_after});
    hit(parts.join("; "), inputs)
}

fn r3(c: &Ctx) -> Option<Hit> {
    let m = Level {
        what: "Swelling",
        key: "swelling",
        get: |a| a.swelling,
        rise_after: SWELLING_RISE_AFTER_DAY,
        rise: c.s.swelling_rise,
        expectation: "going down",
    };
    level_rule(c, &m)
}

fn r4(c: &Ctx) -> Option<Hit> {
    let m = Level {
        what: "Redness",
        key: "redness",
        get: |a| a.redness,
        rise_after: REDNESS_RISE_AFTER_DAY,
        rise: c.s.redness_rise,
        expectation: "fading",
    };
    level_rule(c, &m)
}

fn r5(c: &Ctx) -> Option<Hit> {
    let high = c.a.itch >= c.s.itch_high;
    let rise_after = c.s.itch_rise_after_day;
    let min = c.s.itch_rise_min_level;
    let rose = c.prev.filter(|p| {
        c.day > rise_after
            && u16::from(c.a.itch) >= u16::from(p.answers.itch) + u16::from(c.s.itch_rise)
            && c.a.itch >= min
    });
    if !(high || rose.is_some() || c.a.white_patches) {
        return None;
    }
    let mut parts = Vec::new();
    if high || rose.is_some() {
        let mut s = format!("Itch {}/10 {}", c.a.itch, c.when());
        if high {
            s.push_str(&format!("; {}/10 or more is more than expected", c.s.itch_high));
        }
        if let Some(p) = rose {
            let reaching = if min > 0 {
                format!(" to {min}/10 or more")
            } else {
                String::new()
            };
            s.push_str(&format!(
                "; up from {}/10 on day {} (a rise of {} or more{reaching} after day {rise_after})",
                p.answers.itch, p.day, c.s.itch_rise
            ));
        }
        parts.push(s);
    }
    if c.a.white_patches {
        parts.push(format!("white patches or spots {}", c.when()));
    }
    let mut reason = parts.join("; ");
    reason.push_str(": can mean a yeast infection or dermatitis");
    capitalise(&mut reason);
    let inputs = json!({"day": c.day, "itch": c.a.itch, "prev_itch": c.prev.map(|p| p.answers.itch),
        "white_patches": c.a.white_patches, "itch_high": c.s.itch_high, "itch_rise": c.s.itch_rise,
        "itch_rise_min_level": min});
    hit(reason, inputs)
}

fn r6(c: &Ctx) -> Option<Hit> {
    if !c.a.rash_outside {
        return None;
    }
    let new_late = c.day > NEW_RASH_AFTER_DAY && c.prev.is_some_and(|p| !p.answers.rash_outside);
    let mut reason = format!("Rash outside the treated area {}", c.when());
    if new_late {
        reason.push_str(&format!(
            "; new since the previous check-in, after day {NEW_RASH_AFTER_DAY}"
        ));
    }
    reason.push_str(": can mean contact dermatitis or infection");
    hit(
        reason,
        json!({"day": c.day, "rash_outside": true, "new_after_day_7": new_late}),
    )
}

fn r7(c: &Ctx) -> Option<Hit> {
    if !c.a.pimples || c.day < BUMPS_FROM_DAY {
        return None;
    }
    let level = c.s.bumps_review_level;
    let worse = c.a.overall == Overall::Worse;
    let review = c.a.itch >= level || c.a.pain >= level || worse;
    let mut reason = format!(
        "Whiteheads or pimples {} (itch {}/10, pain {}/10",
        c.when(),
        c.a.itch,
        c.a.pain
    );
    if worse {
        reason.push_str(", overall worse");
    }
    reason.push(')');
    if review {
        reason.push_str(&format!(
            "; itch or pain {level}/10 or more, or feeling worse, needs a look"
        ));
    } else {
        reason.push_str("; common in weeks 2–4 (milia or acne)");
    }
    let inputs = json!({"day": c.day, "pimples": true, "itch": c.a.itch, "pain": c.a.pain, "overall": c.a.overall,
        "level": level});
    if review {
        hit(reason, inputs)
    } else {
        hit_as(Severity::Info, reason, inputs)
    }
}

fn r8(c: &Ctx) -> Option<Hit> {
    let (from, to) = RAISED_AREA_DAYS;
    if !c.a.raised_area || c.day < from || c.day > to {
        return None;
    }
    let site = c.a.raised_area_site;
    let priority = matches!(
        site,
        Some(RaisedAreaSite::Neck | RaisedAreaSite::Jawline | RaisedAreaSite::Eyelid)
    );
    let site_words = match site {
        Some(RaisedAreaSite::Neck) => " on the neck",
        Some(RaisedAreaSite::Jawline) => " on the jawline",
        Some(RaisedAreaSite::Eyelid) => " on an eyelid",
        Some(RaisedAreaSite::Other) => " (other site)",
        None => "",
    };
    let mut reason = format!(
        "A raised, firm or tight area{site_words} {}: can be early scarring",
        c.when()
    );
    if priority {
        reason.push_str("; higher priority: neck, jawline and eyelids scar more easily");
    }
    hit(
        reason,
        json!({"day": c.day, "raised_area": true, "site": site, "higher_priority": priority}),
    )
}

fn r9(c: &Ctx) -> Option<Hit> {
    if !(c.a.lid_pulling || c.a.cannot_close_eye) {
        return None;
    }
    let seen = match (c.a.lid_pulling, c.a.cannot_close_eye) {
        (true, true) => "Lower lid pulling down or constant watering, and cannot close the eye",
        (true, false) => "Lower lid pulling down or constant watering",
        _ => "Cannot close the eye",
    };
    let urgent = c.a.eye_pain || c.a.vision_change || c.pain_rose();
    let mut reason = format!("{seen} {}: can mean the eyelid is turning out", c.when());
    if urgent {
        reason.push_str("; with eye pain, vision change or rising pain: urgent");
    }
    let inputs = json!({"day": c.day, "lid_pulling": c.a.lid_pulling, "cannot_close_eye": c.a.cannot_close_eye,
        "eye_pain": c.a.eye_pain, "vision_change": c.a.vision_change, "pain": c.a.pain, "prev_pain": c.prev_pain()});
    if urgent {
        hit_as(Severity::Urgent, reason, inputs)
    } else {
        hit(reason, inputs)
    }
}

fn r10(c: &Ctx) -> Option<Hit> {
    let (from, to) = DARK_PATCH_DAYS;
    if !c.a.dark_patches || c.day < from || c.day > to {
        return None;
    }
    let mut reason = format!("Dark patches {}: can be treated early", c.when());
    if let Some(st) = c.t.skin_type.filter(|s| s.get() >= 4) {
        reason.push_str(&format!("; skin type {} is more prone to them", st.roman()));
    }
    hit(
        reason,
        json!({"day": c.day, "dark_patches": true, "skin_type": c.t.skin_type}),
    )
}

fn r11(c: &Ctx) -> Option<Hit> {
    if !c.a.light_patches || c.day < LIGHT_PATCH_FROM_DAY {
        return None;
    }
    let reason = format!("Light or white patches {}: can be lasting; for the record", c.when());
    hit(reason, json!({"day": c.day, "light_patches": true}))
}

fn r12(c: &Ctx) -> Option<Hit> {
    let at_risk = c.ablative() || c.t.cold_sores;
    if c.a.prophylaxis != Prophylaxis::Missed || c.day > PROPHYLAXIS_LAST_DAY || !at_risk {
        return None;
    }
    let why = match (c.ablative(), c.t.cold_sores) {
        (true, true) => "ablative treatment and a history of cold sores",
        (true, false) => "ablative treatment",
        _ => "a history of cold sores",
    };
    let reason = format!(
        "Prescribed preventive medicine missed {}; it matters in the first {PROPHYLAXIS_LAST_DAY} days after {why}",
        c.when()
    );
    let inputs = json!({"day": c.day, "prophylaxis": c.a.prophylaxis, "ablative": c.ablative(),
        "cold_sores": c.t.cold_sores, "antiviral": c.t.prescribed.antiviral, "antibiotic": c.t.prescribed.antibiotic});
    hit(reason, inputs)
}

fn r13(c: &Ctx) -> Option<Hit> {
    let prev = c.prev?;
    let worse_twice = c.a.overall == Overall::Worse && prev.answers.overall == Overall::Worse;
    if !worse_twice || c.day <= WORSE_AFTER_DAY || prev.day <= WORSE_AFTER_DAY {
        return None;
    }
    let reason = format!(
        "Overall worse on day {} and again {}; after day {WORSE_AFTER_DAY} recovery should be improving",
        prev.day,
        c.when()
    );
    hit(
        reason,
        json!({"day": c.day, "prev_day": prev.day, "overall": c.a.overall, "prev_overall": prev.answers.overall}),
    )
}

fn capitalise(s: &mut String) {
    if let Some(first) = s.chars().next() {
        let upper: String = first.to_uppercase().collect();
        s.replace_range(..first.len_utf8(), &upper);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_rule_once_in_order() {
        let ids: Vec<RuleId> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids, RuleId::ALL.to_vec());
        for r in &RULES {
            assert_eq!(matches!(r.check, Check::Scheduler), r.id.is_scheduled(), "{r:?}");
        }
    }
}
