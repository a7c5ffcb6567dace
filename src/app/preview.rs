//! An admin previews a rules change on the clinic's own history: the
//! check-ins of the last [`PREVIEW_DAYS`] days are replayed through the rules
//! in force and through the draft (the form as posted, not saved), with the
//! same pure rules (`triage::evaluate`) and alert hygiene
//! (`triage::on_finding`) that raise real flags. Nothing is written and
//! nothing is audited: saving stays the separate, audited
//! [`super::clinic::save_rules`].
//!
//! Reading of a replayed "flag": a finding that alert hygiene would raise as
//! a new flag, assuming the clinic had not resolved the open one in between
//! (a repeat of the same rule within 24 hours of its last sighting joins it,
//! as in the queue). Its severity is the highest it reached. Missed-check-in
//! rules (M1–M3) judge absences, not answers, and are not replayed.
//!
//! Treatments are read in keyset batches of [`BATCH`], so memory holds one
//! batch of check-ins and the tallies, however large the clinic.

use crate::app::checkin::rules_of;
use crate::db::checkins::CheckIn;
use crate::db::quality::{self, ReplayTreatment};
use crate::db::{clinics, Db};
use crate::domain::{CheckInId, PatientId, ProcedureClass, RuleId, Severity, TreatmentId};
use crate::error::Result;
use crate::triage::{self, Finding, HygieneDecision, OpenFlag, PriorCheckIn, RuleSettings, TreatmentFacts};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;

/// How far back the preview replays, in days (today included).
pub const PREVIEW_DAYS: i64 = 90;
/// Treatments read per round trip.
const BATCH: i64 = 200;
/// Check-ins this many days before the window are read as "previous
/// check-ins" only (never counted), so the first check-in in the window is
/// judged against its real predecessor. Four weeks cover the weekly phase.
const CONTEXT_DAYS: i64 = 28;
/// How many changed check-ins each list shows.
pub const EXAMPLES: usize = 8;

/// Replayed flags of one rule set, by severity, and the check-ins it fired on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub urgent: u32,
    pub review: u32,
    pub info: u32,
    /// Check-ins on which the rule fired (a repeat joining a flag counts too).
    pub checkins: u32,
}

impl Tally {
    pub fn flags(&self) -> u32 {
        self.urgent + self.review + self.info
    }
    fn count_flag(&mut self, s: Severity) {
        match s {
            Severity::Urgent => self.urgent += 1,
            Severity::Review => self.review += 1,
            Severity::Info => self.info += 1,
        }
    }
}

/// One rule under the current rules and under the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleComparison {
    pub rule: RuleId,
    pub current: Tally,
    pub draft: Tally,
}

/// The whole of one rule set's replay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideTotals {
    pub flags: Tally,
    /// Check-ins that raised review or urgent (what reaches the clinic).
    pub checkins_review_or_urgent: u32,
    /// Check-ins that raised urgent.
    pub checkins_urgent: u32,
}

/// A check-in flagged (review or urgent) by one rule set and not the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedCheckIn {
    pub checkin: CheckInId,
    pub patient: PatientId,
    pub date: NaiveDate,
    pub day_number: i64,
    pub procedure: ProcedureClass,
    /// The highest severity on the side that flags it.
    pub severity: Severity,
    /// The rules that flag it there (review or urgent).
    pub rules: Vec<RuleId>,
}

/// A list of changed check-ins: the latest [`EXAMPLES`] and how many in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    pub count: u32,
    pub latest: Vec<ChangedCheckIn>,
}

impl Changed {
    fn push(&mut self, c: ChangedCheckIn) {
        self.count += 1;
        self.latest.push(c);
        // Keep the latest few only: memory stays bounded.
        if self.latest.len() > 4 * EXAMPLES {
            self.trim();
        }
    }
    fn trim(&mut self) {
        self.latest
            .sort_by(|a, b| b.date.cmp(&a.date).then(b.checkin.0.cmp(&a.checkin.0)));
        self.latest.truncate(EXAMPLES);
    }
}

/// What the preview shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesPreview {
    /// The window replayed (clinic-local dates, inclusive).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The rules version in force, compared against.
    pub current_version: i32,
    /// Check-ins replayed (those describing a day in the window).
    pub checkins: u32,
    /// Rules that fired under either rule set, in the reference's order.
    pub rules: Vec<RuleComparison>,
    pub current: SideTotals,
    pub draft: SideTotals,
    /// Flagged with the draft, not with the current rules.
    pub newly_flagged: Changed,
    /// Flagged with the current rules, not with the draft.
    pub no_longer_flagged: Changed,
}

/// Replays the clinic's last [`PREVIEW_DAYS`] days through `draft`. One read
/// transaction; nothing is written.
pub async fn preview_rules(
    db: &Db,
    clinic: &clinics::Clinic,
    draft: RuleSettings,
    now: DateTime<Utc>,
) -> Result<RulesPreview> {
    let clinic_id = clinic.id;
    let to = triage::clinic_today(now, clinic.timezone.0);
    let from = to - Duration::days(PREVIEW_DAYS - 1);
    db.read_async(move |c| {
        let current_version = clinics::current_rules(c, clinic_id)?.version;
        let (_, current) = rules_of(c, clinic_id)?;
        let mut replay = Replay::new(current, draft, from);
        let mut after = TreatmentId(0);
        loop {
            let batch = quality::treatments_with_checkins(c, clinic_id, (from, to), after, BATCH)?;
            let Some(last) = batch.last() else { break };
            after = last.treatment.id;
            let ids: Vec<TreatmentId> = batch.iter().map(|t| t.treatment.id).collect();
            let checkins =
                crate::db::checkins::of_treatments_between(c, &ids, from - Duration::days(CONTEXT_DAYS), to)?;
            // Both lists are ordered by treatment id: walk them together.
            let mut rest = checkins.as_slice();
            for t in &batch {
                let n = rest.iter().take_while(|ci| ci.treatment_id == t.treatment.id).count();
                let (own, tail) = rest.split_at(n);
                replay.treatment(t, own);
                rest = tail;
            }
            if (batch.len() as i64) < BATCH {
                break;
            }
        }
        Ok(replay.finish(current_version, to))
    })
    .await
}

/// One rule set's flags being replayed for one treatment.
struct Side<'a> {
    settings: &'a RuleSettings,
    per_rule: BTreeMap<RuleId, Tally>,
    totals: SideTotals,
    /// The open flag of each rule on the current treatment.
    open: BTreeMap<RuleId, OpenFlag>,
}

impl<'a> Side<'a> {
    fn new(settings: &'a RuleSettings) -> Self {
        Side {
            settings,
            per_rule: BTreeMap::new(),
            totals: SideTotals::default(),
            open: BTreeMap::new(),
        }
    }

    /// Evaluates one check-in, counts what it raises, returns its findings.
    fn check_in(&mut self, day: i64, ci: &CheckIn, earlier: &[PriorCheckIn], facts: &TreatmentFacts) -> Vec<Finding> {
        let findings = triage::evaluate(day, &ci.answers, earlier, facts, self.settings);
        let at = ci.first_entered_at.and_utc();
        for f in &findings {
            self.per_rule.entry(f.rule).or_default().checkins += 1;
            match triage::on_finding(self.open.get(&f.rule), f.severity, at) {
                HygieneDecision::UpdateExisting { new_severity, .. } => {
                    if let Some(o) = self.open.get_mut(&f.rule) {
                        o.severity = new_severity;
                        o.last_seen_at = at;
                    }
                }
                HygieneDecision::RaiseNew => {
                    self.close(f.rule);
                    self.open.insert(
                        f.rule,
                        OpenFlag {
                            severity: f.severity,
                            last_seen_at: at,
                            notified_severity: None,
                        },
                    );
                }
            }
        }
        match triage::highest(&findings) {
            Some(Severity::Urgent) => {
                self.totals.checkins_urgent += 1;
                self.totals.checkins_review_or_urgent += 1;
            }
            Some(Severity::Review) => self.totals.checkins_review_or_urgent += 1,
            _ => {}
        }
        findings
    }

    /// Counts the open flag of `rule`, at the severity it reached.
    fn close(&mut self, rule: RuleId) {
        if let Some(o) = self.open.remove(&rule) {
            self.per_rule.entry(rule).or_default().count_flag(o.severity);
            self.totals.flags.count_flag(o.severity);
        }
    }

    fn end_treatment(&mut self) {
        let open: Vec<RuleId> = self.open.keys().copied().collect();
        for r in open {
            self.close(r);
        }
    }
}

/// The replay of both rule sets. Pure: fed treatments and their check-ins.
struct Replay {
    current: RuleSettings,
    draft: RuleSettings,
    from: NaiveDate,
    checkins: u32,
    // Tallies (the open flags live only while a treatment is replayed).
    current_rules: BTreeMap<RuleId, Tally>,
    draft_rules: BTreeMap<RuleId, Tally>,
    current_totals: SideTotals,
    draft_totals: SideTotals,
    newly: Changed,
    no_longer: Changed,
}

/// Review-or-urgent findings: the rules and the highest severity.
fn flagged(findings: &[Finding]) -> Option<(Severity, Vec<RuleId>)> {
    let rules: Vec<RuleId> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Review)
        .map(|f| f.rule)
        .collect();
    let highest = triage::highest(findings)?;
    (!rules.is_empty()).then_some((highest, rules))
}

impl Replay {
    fn new(current: RuleSettings, draft: RuleSettings, from: NaiveDate) -> Self {
        Replay {
            current,
            draft,
            from,
            checkins: 0,
            current_rules: BTreeMap::new(),
            draft_rules: BTreeMap::new(),
            current_totals: SideTotals::default(),
            draft_totals: SideTotals::default(),
            newly: Changed::default(),
            no_longer: Changed::default(),
        }
    }

    /// Replays one treatment's check-ins (by day; those before the window
    /// serve only as previous check-ins).
    fn treatment(&mut self, t: &ReplayTreatment, checkins: &[CheckIn]) {
        let tr = &t.treatment;
        let facts = TreatmentFacts {
            procedure: tr.procedure,
            zones: tr.zones.clone(),
            prescribed: tr.prescribed(),
            cold_sores: t.cold_sores,
            skin_type: t.skin_type,
        };
        let mut cur = Side::new(&self.current);
        let mut dra = Side::new(&self.draft);
        let earlier: Vec<PriorCheckIn> = checkins
            .iter()
            .map(|c| PriorCheckIn {
                day: triage::day_number(tr.treated_on, c.day),
                answers: &c.answers,
            })
            .collect();
        for (i, ci) in checkins.iter().enumerate() {
            if ci.day < self.from {
                continue;
            }
            self.checkins += 1;
            let day = earlier[i].day;
            let before = &earlier[..i];
            let fc = cur.check_in(day, ci, before, &facts);
            let fd = dra.check_in(day, ci, before, &facts);
            let changed = |(severity, rules): (Severity, Vec<RuleId>)| ChangedCheckIn {
                checkin: ci.id,
                patient: ci.patient_id,
                date: ci.day,
                day_number: day,
                procedure: tr.procedure,
                severity,
                rules,
            };
            match (flagged(&fc), flagged(&fd)) {
                (None, Some(d)) => self.newly.push(changed(d)),
                (Some(c), None) => self.no_longer.push(changed(c)),
                _ => {}
            }
        }
        cur.end_treatment();
        dra.end_treatment();
        merge(&mut self.current_rules, &mut self.current_totals, cur);
        merge(&mut self.draft_rules, &mut self.draft_totals, dra);
    }

    fn finish(mut self, current_version: i32, to: NaiveDate) -> RulesPreview {
        self.newly.trim();
        self.no_longer.trim();
        let rules = RuleId::ALL
            .iter()
            .filter(|r| !r.is_missed_checkin())
            .filter_map(|r| {
                let current = self.current_rules.get(r).copied().unwrap_or_default();
                let draft = self.draft_rules.get(r).copied().unwrap_or_default();
                (current.checkins + draft.checkins > 0).then_some(RuleComparison {
                    rule: *r,
                    current,
                    draft,
                })
            })
            .collect();
        RulesPreview {
            from: self.from,
            to,
            current_version,
            checkins: self.checkins,
            rules,
            current: self.current_totals,
            draft: self.draft_totals,
            newly_flagged: self.newly,
            no_longer_flagged: self.no_longer,
        }
    }
}

fn merge(rules: &mut BTreeMap<RuleId, Tally>, totals: &mut SideTotals, side: Side) {
    for (r, t) in side.per_rule {
        let e = rules.entry(r).or_default();
        e.urgent += t.urgent;
        e.review += t.review;
        e.info += t.info;
        e.checkins += t.checkins;
    }
    let s = side.totals;
    totals.flags.urgent += s.flags.urgent;
    totals.flags.review += s.flags.review;
    totals.flags.info += s.flags.info;
    totals.checkins_review_or_urgent += s.checkins_review_or_urgent;
    totals.checkins_urgent += s.checkins_urgent;
}
