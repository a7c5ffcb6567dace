//! How a flag and its history look on the dashboard (the queue, a flag's
//! page, a patient's page).

use super::format::{ago, local_time};
use crate::db::flags;
use crate::domain::*;
use crate::triage;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How a flag looks on a page.
pub struct FlagView {
    pub reference: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub state: &'static str,
    pub open: bool,
    pub resolved: bool,
    pub reason: String,
    pub rule_id: RuleId,
    pub raised_local: String,
    pub raised_ago: String,
    pub escalated: Option<String>,
    pub acknowledged: Option<String>,
    pub resolved_text: Option<String>,
    pub resolution_note: Option<String>,
    pub outcome: Option<Outcome>,
    pub occurrences: i32,
    pub day: Option<i64>,
}

impl FlagView {
    pub fn new(
        f: &flags::Flag,
        treated_on: Option<chrono::NaiveDate>,
        tz: ClinicTz,
        now: DateTime<Utc>,
        names: &HashMap<i64, String>,
    ) -> Self {
        let who = |id: Option<i64>| {
            id.and_then(|i| names.get(&i).cloned())
                .unwrap_or_else(|| "a former staff member".into())
        };
        Self {
            reference: f.reference.clone(),
            severity: f.severity.as_str(),
            severity_label: f.severity.label(),
            state: f.state.as_str(),
            open: f.state == FlagState::Open,
            resolved: f.state == FlagState::Resolved,
            reason: f.reason.clone(),
            rule_id: f.rule_id,
            raised_local: local_time(f.raised_at, tz),
            raised_ago: ago(f.raised_at, now),
            escalated: f.escalated_at.map(|t| local_time(t, tz)),
            acknowledged: f
                .acknowledged_at
                .map(|t| format!("{} by {}", local_time(t, tz), who(f.acknowledged_by))),
            resolved_text: f
                .resolved_at
                .map(|t| format!("{} by {}", local_time(t, tz), who(f.resolved_by))),
            resolution_note: f.resolution_note.clone(),
            outcome: f.outcome(),
            occurrences: f.occurrences,
            day: treated_on.map(|d| triage::day_number(d, triage::clinic_today(f.raised_at.and_utc(), tz.0))),
        }
    }
}

/// One entry of a flag's history.
pub struct EventView {
    pub what: String,
    pub when: String,
    pub who: Option<String>,
    pub detail: String,
}

pub fn event_views(events: &[flags::FlagEvent], tz: ClinicTz, names: &HashMap<i64, String>) -> Vec<EventView> {
    events
        .iter()
        .map(|e| {
            let what = match (e.kind, e.severity.as_deref()) {
                (FlagEventKind::Raised, Some(s)) => format!("Raised ({s})"),
                (FlagEventKind::Raised, None) => "Raised".to_string(),
                (FlagEventKind::SeverityRaised, Some(s)) => format!("Severity raised to {s}"),
                (FlagEventKind::SeverityRaised, None) => "Severity raised".to_string(),
                (FlagEventKind::Repeated, _) => "Seen again".to_string(),
                (FlagEventKind::Acknowledged, _) => "Acknowledged".to_string(),
                (FlagEventKind::Resolved, _) => match e.outcome() {
                    Some(o) => format!("Resolved: {}", o.label()),
                    None => "Resolved".to_string(),
                },
                (FlagEventKind::Escalated, _) => "Escalated (re-sent to the escalation address)".to_string(),
            };
            EventView {
                what,
                when: local_time(e.at, tz),
                who: e
                    .staff_id
                    .map(|i| names.get(&i).cloned().unwrap_or_else(|| format!("staff {i}"))),
                detail: e.detail.clone(),
            }
        })
        .collect()
}
