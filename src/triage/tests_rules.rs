//! Table-driven tests: every check-in rule fires and does not fire at the
//! edges of its thresholds and day windows, for every class it concerns.

use super::*;
use crate::domain::{Crusts, Oozing, Overall, PainRelief, Prophylaxis, RaisedAreaSite, Temperature, Zone};
use ProcedureClass::*;
use Severity::*;

const ALL: &[ProcedureClass] = ProcedureClass::ALL;
const ABLATIVE: &[ProcedureClass] = &[AblativeFullCo2, AblativeFullErbium, AblativeFractional];
const OTHER: &[ProcedureClass] = &[NonablativeFractional, Ipl, PeelMedium];

fn facts(procedure: ProcedureClass) -> TreatmentFacts {
    TreatmentFacts {
        procedure,
        zones: Zones::default(),
        prescribed: Prescribed::default(),
        cold_sores: false,
        skin_type: None,
    }
}

fn a(f: impl FnOnce(&mut CheckInAnswers)) -> CheckInAnswers {
    let mut x = CheckInAnswers::calm();
    f(&mut x);
    x
}

/// One row: on `day` after each class of `classes`, with an optional
/// previous check-in, `rule` raises `expect` (`None`: it does not fire).
struct Row {
    classes: &'static [ProcedureClass],
    day: i64,
    /// Earlier check-ins (day, answers).
    prev: Vec<(i64, CheckInAnswers)>,
    now: CheckInAnswers,
    expect: Option<Severity>,
}

fn row(classes: &'static [ProcedureClass], day: i64, now: CheckInAnswers, expect: Option<Severity>) -> Row {
    Row {
        classes,
        day,
        prev: Vec::new(),
        now,
        expect,
    }
}
fn row_prev(
    classes: &'static [ProcedureClass],
    prev: (i64, CheckInAnswers),
    day: i64,
    now: CheckInAnswers,
    expect: Option<Severity>,
) -> Row {
    Row {
        classes,
        day,
        prev: vec![prev],
        now,
        expect,
    }
}
/// A row with two earlier check-ins (for "up on two check-ins in a row").
fn row_prev2(
    classes: &'static [ProcedureClass],
    before: [(i64, CheckInAnswers); 2],
    day: i64,
    now: CheckInAnswers,
    expect: Option<Severity>,
) -> Row {
    Row {
        classes,
        day,
        prev: before.to_vec(),
        now,
        expect,
    }
}

fn fired(
    rule: RuleId,
    f: &TreatmentFacts,
    day: i64,
    prev: Option<&(i64, CheckInAnswers)>,
    now: &CheckInAnswers,
) -> Option<Finding> {
    fired_with(rule, f, day, prev.cloned().as_slice(), now, &RuleSettings::default())
}

fn fired_with(
    rule: RuleId,
    f: &TreatmentFacts,
    day: i64,
    prev: &[(i64, CheckInAnswers)],
    now: &CheckInAnswers,
    s: &RuleSettings,
) -> Option<Finding> {
    let earlier: Vec<PriorCheckIn> = prev.iter().map(|(d, x)| PriorCheckIn { day: *d, answers: x }).collect();
    let findings = evaluate(day, now, &earlier, f, s);
    let mine: Vec<Finding> = findings.into_iter().filter(|x| x.rule == rule).collect();
    assert!(mine.len() <= 1, "one finding per rule");
    mine.into_iter().next()
}

fn check(rule: RuleId, rows: &[Row]) {
    check_with(rule, rows, &RuleSettings::default());
}

fn check_with(rule: RuleId, rows: &[Row], s: &RuleSettings) {
    for (i, r) in rows.iter().enumerate() {
        for p in r.classes {
            let got = fired_with(rule, &facts(*p), r.day, &r.prev, &r.now, s);
            assert_eq!(
                got.as_ref().map(|f| f.severity),
                r.expect,
                "{rule} row {i}, {p}, day {}: {:?}",
                r.day,
                got.map(|f| f.reason)
            );
        }
    }
}

const U: Option<Severity> = Some(Urgent);
const R: Option<Severity> = Some(Review);
const I: Option<Severity> = Some(Info);
const NO: Option<Severity> = None;

fn temp(c: f64) -> CheckInAnswers {
    a(|x| x.temperature = Some(Temperature::from_celsius(c)))
}

#[test]
fn u1_fever() {
    check(
        RuleId::U1,
        &[
            row(ALL, 21, temp(38.0), U),
            row(ALL, 21, temp(37.9), NO),
            row(ALL, 22, temp(39.5), NO),
            row(ALL, 0, a(|x| x.fever = true), U),
            row(ALL, 3, a(|x| x.temperature = Temperature::parse("100.4").ok()), U),
        ],
    );
}

#[test]
fn u2_infection_signs() {
    check(
        RuleId::U2,
        &[
            row(ALL, 2, a(|x| x.oozing = Oozing::Pus), U),
            row(ALL, 1, a(|x| x.oozing = Oozing::Pus), NO),
            row(ALL, 2, a(|x| x.crusts = Crusts::Yellow), U),
            row(ALL, 1, a(|x| x.crusts = Crusts::Yellow), NO),
            row(ALL, 5, a(|x| (x.oozing, x.crusts) = (Oozing::Clear, Crusts::Thin)), NO),
        ],
    );
}

#[test]
fn u3_herpes() {
    check(
        RuleId::U3,
        &[
            row(ALL, 14, a(|x| x.blisters = true), U),
            row(ALL, 15, a(|x| x.blisters = true), NO),
            row(ALL, 0, a(|x| x.tingling = true), U),
            row(ALL, 15, a(|x| x.tingling = true), NO),
            row(ALL, 3, CheckInAnswers::calm(), NO),
        ],
    );
    let mut f = facts(AblativeFractional);
    let now = a(|x| x.tingling = true);
    assert!(!fired(RuleId::U3, &f, 2, None, &now).unwrap().reason.contains("mouth"));
    f.zones = Zones::new(vec![Zone::Perioral]);
    assert!(fired(RuleId::U3, &f, 2, None, &now)
        .unwrap()
        .reason
        .contains("around the mouth was treated"));
}

#[test]
fn u4_eyes() {
    check(
        RuleId::U4,
        &[
            row(ALL, 0, a(|x| x.vision_change = true), U),
            row(ALL, 80, a(|x| x.eye_pain = true), U),
            row(ALL, 5, a(|x| x.cannot_close_eye = true), NO),
        ],
    );
}

fn pain(p: u8) -> CheckInAnswers {
    a(|x| x.pain = p)
}

/// U5 (revised): a rise of 2 or more that reaches 4/10, from day 3
/// (ablative) or day 2 (other classes).
#[test]
fn u5_pain_rise() {
    check(
        RuleId::U5,
        &[
            row_prev(ABLATIVE, (2, pain(3)), 3, pain(5), U),
            row_prev(ABLATIVE, (2, pain(2)), 3, pain(4), U),
            row_prev(ABLATIVE, (2, pain(1)), 3, pain(3), NO),
            row_prev(ABLATIVE, (2, pain(3)), 3, pain(4), NO),
            row_prev(ABLATIVE, (1, pain(3)), 2, pain(5), NO),
            row_prev(OTHER, (1, pain(3)), 2, pain(5), U),
            row_prev(OTHER, (1, pain(2)), 2, pain(4), U),
            row_prev(OTHER, (1, pain(1)), 2, pain(3), NO),
            row_prev(OTHER, (1, pain(3)), 2, pain(4), NO),
            row_prev(OTHER, (0, pain(3)), 1, pain(5), NO),
            row(ALL, 5, pain(10), NO),
        ],
    );
    let f = fired(RuleId::U5, &facts(AblativeFullCo2), 4, Some(&(3, pain(2))), &pain(4)).unwrap();
    assert_eq!(
        f.reason,
        "Pain rose from 2/10 (day 3) to 4/10 on day 4 after fully ablative CO2 laser; a rise of 2 or more \
         reaching 4/10 or more from day 3 can mean a complication (expected 3/10 or less by day 5)"
    );
}

#[test]
fn u6_severe_pain() {
    check(
        RuleId::U6,
        &[
            row(ABLATIVE, 3, pain(7), U),
            row(ABLATIVE, 3, pain(6), NO),
            row(ABLATIVE, 2, pain(9), NO),
            row(OTHER, 2, pain(5), U),
            row(OTHER, 2, pain(4), NO),
            row(OTHER, 1, pain(9), NO),
            row(ALL, 0, a(|x| (x.pain, x.pain_relief) = (2, PainRelief::No)), U),
            row(ALL, 0, a(|x| (x.pain, x.pain_relief) = (2, PainRelief::NotTaking)), NO),
            // "None of these" left it unasked: not a "no".
            row(ALL, 0, a(|x| (x.pain, x.pain_relief) = (2, PainRelief::NotAsked)), NO),
            row(
                ABLATIVE,
                3,
                a(|x| (x.pain, x.pain_relief) = (7, PainRelief::NotAsked)),
                U,
            ),
        ],
    );
}

fn sw_pain(s: u8, p: u8) -> CheckInAnswers {
    a(|x| (x.swelling, x.pain) = (s, p))
}

#[test]
fn u7_spreading_or_swelling_with_pain() {
    check(
        RuleId::U7,
        &[
            row(ALL, 0, a(|x| x.redness_spreading = true), U),
            row_prev(ALL, (3, sw_pain(1, 2)), 4, sw_pain(2, 3), U),
            row_prev(ALL, (3, sw_pain(1, 2)), 4, sw_pain(2, 2), NO),
            row_prev(ALL, (3, sw_pain(1, 2)), 4, sw_pain(1, 5), NO),
            row_prev(ALL, (2, sw_pain(1, 2)), 3, sw_pain(2, 3), NO),
        ],
    );
}

#[test]
fn u8_severe_swelling() {
    check(
        RuleId::U8,
        &[
            row(ALL, 4, a(|x| x.swelling = 3), U),
            row(ALL, 3, a(|x| x.swelling = 3), NO),
            row(ALL, 4, a(|x| (x.swelling, x.eyes_swollen_shut) = (2, true)), U),
            row(ALL, 3, a(|x| x.eyes_swollen_shut = true), NO),
            row(ALL, 4, a(|x| x.swelling = 2), NO),
        ],
    );
}

#[test]
fn u9_bleeding_or_call() {
    check(
        RuleId::U9,
        &[
            row(ALL, 0, a(|x| x.bleeding = true), U),
            row(ALL, 40, a(|x| x.want_call = true), U),
            row(ALL, 1, CheckInAnswers::calm(), NO),
        ],
    );
}

#[test]
fn u10_allergic_reaction() {
    check(
        RuleId::U10,
        &[
            row(
                ALL,
                1,
                a(|x| (x.rash_outside, x.lip_swelling_or_breathing) = (true, true)),
                U,
            ),
            row(ALL, 1, a(|x| x.rash_outside = true), NO),
            row(ALL, 1, a(|x| x.lip_swelling_or_breathing = true), NO),
        ],
    );
}

/// R1 and R2 rows from the default course table, for every class.
fn course_day_rows(get: fn(&ExpectedCourse) -> Option<i64>) -> Vec<(ProcedureClass, i64, bool)> {
    let mut out = Vec::new();
    for p in ALL {
        match get(&ExpectedCourse::default_for(*p)) {
            Some(d) => {
                out.push((*p, d - 1, false));
                out.push((*p, d, true));
            }
            None => {
                out.push((*p, 0, true));
                out.push((*p, 30, true));
            }
        }
    }
    out
}

#[test]
fn r1_oozing_after_expected() {
    let oozing = a(|x| x.oozing = Oozing::Clear);
    for (p, day, fires) in course_day_rows(|c| c.oozing_stops_by_day) {
        let got = fired(RuleId::R1, &facts(p), day, None, &oozing).map(|f| f.severity);
        assert_eq!(got, fires.then_some(Review), "{p} day {day}");
    }
    check(
        RuleId::R1,
        &[
            row(&[Ipl], 20, a(|x| x.blisters = true), R),
            row(
                &[AblativeFullCo2, NonablativeFractional, PeelMedium],
                20,
                a(|x| x.blisters = true),
                NO,
            ),
            row(&[NonablativeFractional, Ipl], 0, a(|x| x.oozing = Oozing::Pus), R),
            row(ALL, 60, CheckInAnswers::calm(), NO),
        ],
    );
    let f = fired(RuleId::R1, &facts(AblativeFullCo2), 7, None, &oozing).unwrap();
    assert_eq!(
        f.reason,
        "Thin clear or yellow oozing on day 7 after fully ablative CO2 laser; expected oozing to stop by day 7"
    );
}

#[test]
fn r2_raw_area_not_healing() {
    let raw = a(|x| x.raw_area = true);
    for (p, day, fires) in course_day_rows(|c| c.open_areas_closed_by_day) {
        let got = fired(RuleId::R2, &facts(p), day, None, &raw).map(|f| f.severity);
        assert_eq!(got, fires.then_some(Review), "{p} day {day}");
    }
    check(
        RuleId::R2,
        &[
            row_prev(
                &[AblativeFullCo2, PeelMedium],
                (13, pain(2)),
                14,
                a(|x| (x.raw_area, x.pain) = (true, 3)),
                U,
            ),
            row_prev(
                &[AblativeFullCo2, PeelMedium],
                (13, pain(3)),
                14,
                a(|x| (x.raw_area, x.pain) = (true, 3)),
                R,
            ),
            row_prev(
                &[AblativeFullCo2, PeelMedium],
                (12, pain(2)),
                13,
                a(|x| (x.raw_area, x.pain) = (true, 6)),
                NO,
            ),
            row_prev(
                &[Ipl, NonablativeFractional],
                (0, pain(0)),
                1,
                a(|x| (x.raw_area, x.pain) = (true, 1)),
                U,
            ),
        ],
    );
}

/// R3/R4 edges from each class's steps: at `by_day` the step's maximum is
/// fine and one more is flagged; the day before, one more is fine (an
/// earlier, looser step or none applies).
fn level_edges(rule: RuleId, steps: fn(&ExpectedCourse) -> Vec<LevelStep>, set: fn(&mut CheckInAnswers, u8)) {
    for p in ALL {
        for st in steps(&ExpectedCourse::default_for(*p)) {
            let at = |level: u8| {
                let mut x = CheckInAnswers::calm();
                set(&mut x, level);
                x
            };
            let f = facts(*p);
            assert_eq!(
                fired(rule, &f, st.by_day, None, &at(st.max)),
                None,
                "{rule} {p} {st:?} at max"
            );
            let over = fired(rule, &f, st.by_day, None, &at(st.max + 1));
            assert_eq!(
                over.as_ref().map(|f| f.severity),
                Some(Review),
                "{rule} {p} {st:?} over"
            );
            assert_eq!(
                fired(rule, &f, st.by_day - 1, None, &at(st.max + 1)),
                None,
                "{rule} {p} {st:?} day before"
            );
        }
    }
}

/// Classes whose course sets no swelling limit on days 4–6 (CO2, erbium,
/// fractional) and, for peel, none before day 5: trend rows there test the
/// trend alone.
const SWELLING_FREE_TO_DAY_6: &[ProcedureClass] = &[AblativeFullCo2, AblativeFullErbium, AblativeFractional];
const SWELLING_FREE_ON_DAY_4: &[ProcedureClass] =
    &[AblativeFullCo2, AblativeFullErbium, AblativeFractional, PeelMedium];
/// Classes whose course sets no redness limit on days 7–12.
const REDNESS_FREE_TO_DAY_12: &[ProcedureClass] =
    &[AblativeFullCo2, AblativeFullErbium, AblativeFractional, PeelMedium];

fn sw(s: u8) -> CheckInAnswers {
    a(|x| x.swelling = s)
}
fn red(r: u8) -> CheckInAnswers {
    a(|x| x.redness = r)
}

/// R3 (revised): above the expected course; or, after day 3, up 2 levels on
/// the previous check-in, or up on two check-ins in a row. A one-step wobble
/// is not flagged.
#[test]
fn r3_swelling_above_expected_or_rising() {
    level_edges(RuleId::R3, |c| c.swelling.clone(), |x, l| x.swelling = l);
    check(
        RuleId::R3,
        &[
            // Up 2 levels after day 3; not on day 3.
            row_prev(SWELLING_FREE_ON_DAY_4, (3, sw(0)), 4, sw(2), R),
            row_prev(SWELLING_FREE_ON_DAY_4, (2, sw(0)), 3, sw(2), NO),
            // A one-step wobble.
            row_prev(SWELLING_FREE_ON_DAY_4, (3, sw(1)), 4, sw(2), NO),
            row_prev(SWELLING_FREE_ON_DAY_4, (3, sw(2)), 4, sw(3), NO),
            row_prev(SWELLING_FREE_TO_DAY_6, (5, sw(1)), 6, sw(1), NO),
            // Up on two check-ins in a row, both after day 3.
            row_prev2(SWELLING_FREE_TO_DAY_6, [(4, sw(0)), (5, sw(1))], 6, sw(2), R),
            row_prev2(SWELLING_FREE_TO_DAY_6, [(3, sw(0)), (4, sw(1))], 5, sw(2), R),
            // The first rise on day 3 (the peak) does not count.
            row_prev2(SWELLING_FREE_ON_DAY_4, [(2, sw(0)), (3, sw(1))], 4, sw(2), NO),
            // Down, then up again: a wobble.
            row_prev2(SWELLING_FREE_TO_DAY_6, [(4, sw(1)), (5, sw(0))], 6, sw(1), NO),
            // Up, then the same: not two rises.
            row_prev2(SWELLING_FREE_TO_DAY_6, [(4, sw(0)), (5, sw(1))], 6, sw(1), NO),
            row(&[NonablativeFractional], 3, sw(2), R),
            row(&[Ipl], 3, sw(1), R),
        ],
    );
    let f = fired(RuleId::R3, &facts(AblativeFullCo2), 8, None, &sw(3)).unwrap();
    assert_eq!(
        f.reason,
        "Swelling severe (3/3) on day 8 after fully ablative CO2 laser; expected moderate or less by day 7"
    );
    let f = fired(RuleId::R3, &facts(AblativeFullErbium), 4, Some(&(3, sw(0))), &sw(2)).unwrap();
    assert_eq!(
        f.reason,
        "Swelling moderate (2/3) on day 4 after fully ablative erbium laser; up 2 levels from none (0/3) on \
         day 3; after day 3 it should be going down"
    );
    let f = fired_with(
        RuleId::R3,
        &facts(AblativeFullCo2),
        6,
        &[(4, sw(0)), (5, sw(1))],
        &sw(2),
        &RuleSettings::default(),
    )
    .unwrap();
    assert_eq!(
        f.reason,
        "Swelling moderate (2/3) on day 6 after fully ablative CO2 laser; up on two check-ins in a row (none on \
         day 4, mild on day 5); after day 3 it should be going down"
    );
}

/// R4 (revised): above the expected course; or, after day 7, up 2 levels on
/// the previous check-in, or up on two check-ins in a row.
#[test]
fn r4_redness_above_expected_or_rising() {
    level_edges(RuleId::R4, |c| c.redness.clone(), |x, l| x.redness = l);
    check(
        RuleId::R4,
        &[
            row_prev(REDNESS_FREE_TO_DAY_12, (7, red(0)), 8, red(2), R),
            row_prev(REDNESS_FREE_TO_DAY_12, (6, red(0)), 7, red(2), NO),
            row_prev(REDNESS_FREE_TO_DAY_12, (7, red(1)), 8, red(2), NO),
            row_prev(REDNESS_FREE_TO_DAY_12, (6, red(1)), 7, red(2), NO),
            row_prev2(REDNESS_FREE_TO_DAY_12, [(8, red(0)), (9, red(1))], 10, red(2), R),
            row_prev2(REDNESS_FREE_TO_DAY_12, [(6, red(0)), (7, red(1))], 8, red(2), NO),
            row_prev2(REDNESS_FREE_TO_DAY_12, [(8, red(1)), (9, red(0))], 10, red(1), NO),
            // Above the course: non-ablative and IPL expect none by day 7 / day 3.
            row_prev(&[NonablativeFractional, Ipl], (7, red(0)), 8, red(1), R),
            row(&[Ipl], 3, red(1), R),
        ],
    );
    let f = fired(RuleId::R4, &facts(PeelMedium), 9, Some(&(8, red(0))), &red(2)).unwrap();
    assert_eq!(
        f.reason,
        "Redness moderate (2/3) on day 9 after medium-depth chemical peel; up 2 levels from none (0/3) on day 8; \
         after day 7 it should be fading"
    );
}

/// Clinics that kept the rules from before the revision (or changed a
/// threshold, keeping the rest) still flag any one-step rise: their rules
/// version means what it meant.
#[test]
fn rules_from_before_the_revision_still_flag_a_one_step_rise() {
    let old = RuleSettings::defaults_before_trend_revision();
    let new = RuleSettings::default();
    let cases = [
        (RuleId::U5, AblativeFullCo2, (2, pain(1)), 3, pain(3)),
        (RuleId::R3, AblativeFullCo2, (3, sw(1)), 4, sw(2)),
        (RuleId::R4, AblativeFullCo2, (7, red(1)), 8, red(2)),
        (RuleId::R5, PeelMedium, (4, itch(3)), 5, itch(5)),
    ];
    for (rule, p, prev, day, now) in cases {
        let prev = [prev];
        assert!(
            fired_with(rule, &facts(p), day, &prev, &now, &old).is_some(),
            "{rule} before"
        );
        assert!(
            fired_with(rule, &facts(p), day, &prev, &now, &new).is_none(),
            "{rule} revised"
        );
    }
    // The reasons of the older version keep their words (no level condition).
    let f = fired_with(RuleId::U5, &facts(Ipl), 2, &[(1, pain(0))], &pain(2), &old).unwrap();
    assert_eq!(
        f.reason,
        "Pain rose from 0/10 (day 1) to 2/10 on day 2 after intense pulsed light (IPL); a rise of 2 or more from \
         day 2 can mean a complication (expected 3/10 or less by day 1)"
    );
    let f = fired_with(RuleId::R3, &facts(AblativeFullCo2), 4, &[(3, sw(1))], &sw(2), &old).unwrap();
    assert!(f
        .reason
        .ends_with("up 1 level from mild (1/3) on day 3; after day 3 it should be going down"));
}

fn itch(i: u8) -> CheckInAnswers {
    a(|x| x.itch = i)
}

/// R5 (revised): itch 7 or more; or, after day 4, a rise of 3 or more
/// reaching 5/10; or white patches.
#[test]
fn r5_itch() {
    check(
        RuleId::R5,
        &[
            row(ALL, 1, itch(7), R),
            row(ALL, 1, itch(6), NO),
            row_prev(ALL, (4, itch(2)), 5, itch(5), R),
            row_prev(ALL, (4, itch(3)), 5, itch(6), R),
            row_prev(ALL, (4, itch(3)), 5, itch(5), NO),
            row_prev(ALL, (4, itch(1)), 5, itch(4), NO),
            row_prev(ALL, (3, itch(2)), 4, itch(5), NO),
            row_prev(ALL, (4, itch(4)), 5, itch(6), NO),
            row(ALL, 9, a(|x| x.white_patches = true), R),
        ],
    );
    let f = fired(RuleId::R5, &facts(AblativeFractional), 6, Some(&(5, itch(2))), &itch(5)).unwrap();
    assert_eq!(
        f.reason,
        "Itch 5/10 on day 6 after fractional ablative laser; up from 2/10 on day 5 (a rise of 3 or more to 5/10 \
         or more after day 4): can mean a yeast infection or dermatitis"
    );
}

#[test]
fn r6_rash() {
    let rash = a(|x| x.rash_outside = true);
    check(
        RuleId::R6,
        &[row(ALL, 2, rash.clone(), R), row(ALL, 2, CheckInAnswers::calm(), NO)],
    );
    let f = facts(PeelMedium);
    let prev = (7, CheckInAnswers::calm());
    assert!(fired(RuleId::R6, &f, 8, Some(&prev), &rash)
        .unwrap()
        .reason
        .contains("new since"));
    let prev = (6, CheckInAnswers::calm());
    assert!(!fired(RuleId::R6, &f, 7, Some(&prev), &rash)
        .unwrap()
        .reason
        .contains("new since"));
}

#[test]
fn r7_bumps() {
    let bumps = |i: u8, p: u8, o: Overall| a(|x| (x.pimples, x.itch, x.pain, x.overall) = (true, i, p, o));
    check(
        RuleId::R7,
        &[
            row(ALL, 5, bumps(3, 3, Overall::Same), I),
            row(ALL, 5, bumps(4, 0, Overall::Same), R),
            row(ALL, 5, bumps(0, 4, Overall::Better), R),
            row(ALL, 5, bumps(0, 0, Overall::Worse), R),
            row(ALL, 4, bumps(9, 9, Overall::Worse), NO),
        ],
    );
}

#[test]
fn r8_raised_area() {
    let raised = |site| a(|x| (x.raised_area, x.raised_area_site) = (true, Some(site)));
    check(
        RuleId::R8,
        &[
            row(ALL, 10, raised(RaisedAreaSite::Other), R),
            row(ALL, 9, raised(RaisedAreaSite::Neck), NO),
            row(ALL, 90, raised(RaisedAreaSite::Eyelid), R),
            row(ALL, 91, raised(RaisedAreaSite::Jawline), NO),
        ],
    );
    let f = facts(AblativeFullCo2);
    assert!(fired(RuleId::R8, &f, 21, None, &raised(RaisedAreaSite::Neck))
        .unwrap()
        .reason
        .contains("higher priority"));
    assert!(!fired(RuleId::R8, &f, 21, None, &raised(RaisedAreaSite::Other))
        .unwrap()
        .reason
        .contains("higher priority"));
}

#[test]
fn r9_eyelid() {
    check(
        RuleId::R9,
        &[
            row(ALL, 21, a(|x| x.lid_pulling = true), R),
            row(ALL, 21, a(|x| (x.lid_pulling, x.eye_pain) = (true, true)), U),
            row(ALL, 28, a(|x| (x.cannot_close_eye, x.vision_change) = (true, true)), U),
            row_prev(
                ALL,
                (21, pain(1)),
                28,
                a(|x| (x.cannot_close_eye, x.pain) = (true, 2)),
                U,
            ),
            row_prev(
                ALL,
                (21, pain(2)),
                28,
                a(|x| (x.cannot_close_eye, x.pain) = (true, 2)),
                R,
            ),
            row(ALL, 28, a(|x| x.eye_pain = true), NO),
        ],
    );
}

#[test]
fn r10_r11_pigment() {
    let dark = a(|x| x.dark_patches = true);
    check(
        RuleId::R10,
        &[
            row(ALL, 14, dark.clone(), R),
            row(ALL, 13, dark.clone(), NO),
            row(ALL, 90, dark.clone(), R),
            row(ALL, 91, dark, NO),
        ],
    );
    let light = a(|x| x.light_patches = true);
    check(RuleId::R11, &[row(ALL, 60, light.clone(), I), row(ALL, 59, light, NO)]);
}

#[test]
fn r12_prophylaxis_missed() {
    let missed = a(|x| x.prophylaxis = Prophylaxis::Missed);
    check(
        RuleId::R12,
        &[
            row(ABLATIVE, 10, missed.clone(), R),
            row(ABLATIVE, 11, missed.clone(), NO),
            row(OTHER, 5, missed.clone(), NO),
            row(ABLATIVE, 5, a(|x| x.prophylaxis = Prophylaxis::Taken), NO),
        ],
    );
    for p in OTHER {
        let mut f = facts(*p);
        f.cold_sores = true;
        assert_eq!(fired(RuleId::R12, &f, 10, None, &missed).map(|x| x.severity), R, "{p}");
        assert_eq!(fired(RuleId::R12, &f, 11, None, &missed), None, "{p}");
    }
}

#[test]
fn r13_worse_twice() {
    let worse = a(|x| x.overall = Overall::Worse);
    check(
        RuleId::R13,
        &[
            row_prev(ALL, (4, worse.clone()), 5, worse.clone(), R),
            row_prev(ALL, (3, worse.clone()), 5, worse.clone(), NO),
            row_prev(ALL, (4, a(|x| x.overall = Overall::Same)), 5, worse.clone(), NO),
            row(ALL, 6, worse, NO),
        ],
    );
}

#[test]
fn prev_is_the_latest_earlier_day_and_backfill_is_ignored() {
    let f = facts(AblativeFullCo2);
    let (p2, p4, p9) = (pain(2), pain(6), pain(0));
    let earlier = [
        PriorCheckIn { day: 9, answers: &p9 },
        PriorCheckIn { day: 2, answers: &p2 },
        PriorCheckIn { day: 4, answers: &p4 },
    ];
    // Prev is day 4 (pain 6), not day 2 (pain 2) nor the back-filled day 9.
    let got = evaluate(5, &pain(7), &earlier, &f, &RuleSettings::default());
    assert!(got.iter().all(|x| x.rule != RuleId::U5), "{got:?}");
    let got = evaluate(5, &pain(8), &earlier, &f, &RuleSettings::default());
    assert!(got.iter().any(|x| x.rule == RuleId::U5 && x.reason.contains("day 4")));
}

#[test]
fn disabled_rules_raise_nothing_and_thresholds_matter() {
    let f = facts(AblativeFullCo2);
    let now = a(|x| (x.itch, x.temperature) = (7, Some(Temperature::from_celsius(38.2))));
    let mut s = RuleSettings::default();
    let rules = |s: &RuleSettings| -> Vec<RuleId> { evaluate(3, &now, &[], &f, s).iter().map(|x| x.rule).collect() };
    assert_eq!(rules(&s), vec![RuleId::U1, RuleId::R5]);
    s.disabled.insert(RuleId::R5);
    assert_eq!(rules(&s), vec![RuleId::U1]);
    s.fever_threshold_c = 38.5;
    assert!(rules(&s).is_empty());
}

#[test]
fn a_calm_day_raises_nothing_on_any_day_and_m_rules_never_come_from_a_checkin() {
    for p in ALL {
        for day in [-5, 0, 1, 3, 7, 14, 21, 90, 400, i64::MIN, i64::MAX] {
            let got = evaluate(day, &CheckInAnswers::calm(), &[], &facts(*p), &RuleSettings::default());
            assert!(got.is_empty(), "{p} {day}: {got:?}");
        }
    }
    let mut everything = CheckInAnswers::calm();
    everything.want_call = true;
    let got = evaluate(0, &everything, &[], &facts(Ipl), &RuleSettings::default());
    assert!(got.iter().all(|f| !f.rule.is_scheduled()));
    assert_eq!(highest(&got), Some(Urgent));
    assert_eq!(highest(&[]), None);
}

#[test]
fn reasons_never_include_the_note() {
    let mut x = a(|x| (x.want_call, x.pain, x.itch) = (true, 9, 9));
    x.note = Some("SECRET-NOTE".into());
    for p in ALL {
        for f in evaluate(6, &x, &[], &facts(*p), &RuleSettings::default()) {
            assert!(!f.reason.contains("SECRET") && !f.inputs.to_string().contains("SECRET"));
            assert!(f.reason.contains(p.label()) || f.rule == RuleId::U9, "{}", f.reason);
        }
    }
}
