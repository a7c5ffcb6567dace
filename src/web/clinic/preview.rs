//! What "Preview" on the rules page shows: the form as posted (not saved)
//! replayed on the clinic's last 90 days (`app::preview`), as rows for the
//! page. The handler (`settings::preview`) draws it above the same form with
//! the draft still in it, so the admin can adjust, preview again, or save
//! (a separate, audited step).

use crate::app::clinic::rule_list;
use crate::app::preview::{Changed, RulesPreview, Tally};

/// One rule's line of the comparison.
pub struct RuleRow {
    pub id: &'static str,
    pub summary: &'static str,
    pub now: String,
    pub draft: String,
    /// "+3", "−2", "no change".
    pub change: String,
    pub now_share: String,
    pub draft_share: String,
}

/// One line of the totals.
pub struct TotalRow {
    pub label: &'static str,
    pub now: String,
    pub draft: String,
    pub change: String,
}

/// A link to a check-in that changed sides.
pub struct CheckInLink {
    pub href: String,
    pub text: String,
}

pub struct ChangedList {
    pub count: u32,
    pub links: Vec<CheckInLink>,
}

/// What `clinic/rules_preview.html` shows.
pub struct PreviewView {
    pub from: String,
    pub to: String,
    pub version: i32,
    pub checkins: u32,
    pub rules: Vec<RuleRow>,
    pub totals: Vec<TotalRow>,
    pub newly: ChangedList,
    pub no_longer: ChangedList,
}

fn change(now: u32, draft: u32) -> String {
    match i64::from(draft) - i64::from(now) {
        0 => "no change".into(),
        d if d > 0 => format!("+{d}"),
        // A real minus sign reads better than a hyphen.
        d => format!("\u{2212}{}", -d),
    }
}

/// "2.1 %" of `total`, or "–" when there is nothing to divide by.
fn share(n: u32, total: u32) -> String {
    if total == 0 {
        return "–".into();
    }
    format!("{:.1} %", f64::from(n) * 100.0 / f64::from(total))
}

/// "12" or, when mixed, "12 (3 urgent, 9 review)".
fn flags_words(t: &Tally) -> String {
    let parts: Vec<String> = [(t.urgent, "urgent"), (t.review, "review"), (t.info, "info")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
    if parts.len() > 1 {
        format!("{} ({})", t.flags(), parts.join(", "))
    } else {
        t.flags().to_string()
    }
}

fn links(c: &Changed) -> ChangedList {
    ChangedList {
        count: c.count,
        links: c
            .latest
            .iter()
            .map(|x| CheckInLink {
                href: format!("/clinic/patients/{}", x.patient.0),
                text: format!(
                    "{}: day {} after {}, {} ({})",
                    x.date,
                    x.day_number,
                    x.procedure.label(),
                    x.severity.label().to_lowercase(),
                    rule_list(&x.rules)
                ),
            })
            .collect(),
    }
}

impl PreviewView {
    pub fn new(p: &RulesPreview) -> Self {
        let n = p.checkins;
        let rules = p
            .rules
            .iter()
            .map(|r| RuleRow {
                id: r.rule.as_str(),
                summary: r.rule.summary(),
                now: flags_words(&r.current),
                draft: flags_words(&r.draft),
                change: change(r.current.flags(), r.draft.flags()),
                now_share: share(r.current.checkins, n),
                draft_share: share(r.draft.checkins, n),
            })
            .collect();
        let (c, d) = (&p.current, &p.draft);
        let row = |label, now: u32, draft: u32| TotalRow {
            label,
            now: now.to_string(),
            draft: draft.to_string(),
            change: change(now, draft),
        };
        let share_row = |label, now: u32, draft: u32| TotalRow {
            label,
            now: format!("{now} ({})", share(now, n)),
            draft: format!("{draft} ({})", share(draft, n)),
            change: change(now, draft),
        };
        let totals = vec![
            row("Flags", c.flags.flags(), d.flags.flags()),
            row("Urgent flags", c.flags.urgent, d.flags.urgent),
            row("Review flags", c.flags.review, d.flags.review),
            row("Info flags (dashboard only)", c.flags.info, d.flags.info),
            share_row(
                "Check-ins flagged review or urgent",
                c.checkins_review_or_urgent,
                d.checkins_review_or_urgent,
            ),
            share_row("Check-ins flagged urgent", c.checkins_urgent, d.checkins_urgent),
        ];
        PreviewView {
            from: p.from.to_string(),
            to: p.to.to_string(),
            version: p.current_version,
            checkins: n,
            rules,
            totals,
            newly: links(&p.newly_flagged),
            no_longer: links(&p.no_longer_flagged),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_changes_and_shares() {
        assert_eq!(change(3, 3), "no change");
        assert_eq!(change(3, 5), "+2");
        assert_eq!(change(5, 3), "\u{2212}2");
        assert_eq!(share(1, 0), "–");
        assert_eq!(share(1, 8), "12.5 %");
        let mixed = Tally {
            urgent: 1,
            review: 2,
            info: 0,
            checkins: 4,
        };
        assert_eq!(flags_words(&mixed), "3 (1 urgent, 2 review)");
        assert_eq!(flags_words(&Tally::default()), "0");
    }
}
