//! Server-rendered SVG charts of a treatment's check-ins by day since
//! treatment: the expected range shaded, flags marked. No script, no inline
//! style (the CSP forbids both): presentation attributes and CSS classes only.
//! The check-in table beside each chart is its text alternative.

use crate::domain::Severity;
use crate::triage::ExpectedCourse;
use std::fmt::Write;

/// One measure across days: (day, value).
pub struct Series<'a> {
    pub id: &'a str,
    pub title: &'static str,
    /// The scale's top (10 for pain and itch, 3 for swelling and redness).
    pub max: u8,
    pub points: Vec<(i64, u8)>,
    /// Expected band per day: the highest expected value on that day.
    pub expected: Box<dyn Fn(i64) -> u8 + 'a>,
}

/// A flag to mark: its day and severity.
pub struct Mark {
    pub day: i64,
    pub severity: Severity,
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders one chart as an `<svg>` element (safe HTML: every text escaped).
pub fn render(series: &Series, last_day: i64, marks: &[Mark]) -> String {
    let last_day = last_day
        .max(series.points.iter().map(|p| p.0).max().unwrap_or(0))
        .max(7);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |d: f64| LEFT + plot_w * d / last_day as f64;
    let y = |v: f64| TOP + plot_h * (1.0 - v / series.max as f64);
    let title_id = format!("chart-{}-title", esc(series.id));
    let desc_id = format!("chart-{}-desc", esc(series.id));
    let mut s = String::new();
    let desc = if series.points.is_empty() {
        "No check-ins yet.".to_string()
    } else {
        let latest = series.points.last().copied().unwrap_or((0, 0));
        format!(
            "{} check-ins; latest {} of {} on day {}. Shaded: the expected range. Flags marked by day. The table below has every value.",
            series.points.len(),
            latest.1,
            series.max,
            latest.0
        )
    };
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{}</title><desc id="{desc_id}">{}</desc>"#,
        esc(series.title),
        esc(&desc)
    );
    // Expected range: one shaded column per day (a step function).
    for d in 0..=last_day {
        let top = (series.expected)(d).min(series.max) as f64;
        let (x0, x1) = (x(d as f64 - 0.5).max(LEFT), x(d as f64 + 0.5).min(W - RIGHT));
        let _ = write!(
            s,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#d8efe0"/>"##,
            y(top),
            (x1 - x0).max(0.0),
            (y(0.0) - y(top)).max(0.0)
        );
    }
    // Grid and axes.
    for v in 0..=series.max {
        let step = if series.max > 5 { 2 } else { 1 };
        if v % step != 0 {
            continue;
        }
        let yy = y(v as f64);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#c9d1db" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#1b1f24">{v}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0
        );
    }
    let tick = if last_day > 42 {
        14
    } else if last_day > 14 {
        7
    } else {
        1
    };
    for d in (0..=last_day).filter(|d| d % tick == 0) {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#1b1f24">{d}</text>"##,
            x(d as f64),
            H - BOTTOM + 16.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#1b1f24">Day since treatment</text>"##,
        LEFT + plot_w / 2.0,
        H - 4.0
    );
    // Flags: a dashed line and a letter (U, R, I), so severity is not told by colour alone.
    for m in marks {
        if m.day < 0 || m.day > last_day {
            continue;
        }
        let (colour, letter) = match m.severity {
            Severity::Urgent => ("#a4161a", "U"),
            Severity::Review => ("#7a4b00", "R"),
            Severity::Info => ("#1d4f91", "I"),
        };
        let xx = x(m.day as f64);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3"/><text x="{xx:.1}" y="{:.1}" font-size="11" font-weight="700" text-anchor="middle" fill="{colour}">{letter}</text>"##,
            y(0.0),
            TOP - 3.0
        );
    }
    // The values: a line and a dot per check-in.
    if !series.points.is_empty() {
        let path: Vec<String> = series
            .points
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d as f64), y(*v as f64)))
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#0b5a6b" stroke-width="2.5"/>"##,
            path.join(" ")
        );
        for (d, v) in &series.points {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#0b5a6b"/>"##,
                x(*d as f64),
                y(*v as f64)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The expected upper limit of a 0–3 level on `day` from course steps: no
/// limit (3) before the first step.
pub fn level_expected(steps: &[crate::triage::LevelStep], day: i64) -> u8 {
    steps
        .iter()
        .filter(|s| day >= s.by_day)
        .map(|s| s.max)
        .min()
        .unwrap_or(3)
}

/// The expected pain ceiling on `day`: anything early on, then at or below
/// the clinic's "pain ok" level from the course's day.
pub fn pain_expected(course: &ExpectedCourse, pain_ok_level: u8, day: i64) -> u8 {
    if day >= course.pain_ok_by_day {
        pain_ok_level
    } else {
        10
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProcedureClass;

    #[test]
    fn charts_escape_text_and_mark_flags_with_letters() {
        let s = Series {
            id: "p1",
            title: "Pain <0–10>",
            max: 10,
            points: vec![(0, 4), (1, 6)],
            expected: Box::new(|_| 5),
        };
        let svg = render(
            &s,
            14,
            &[Mark {
                day: 1,
                severity: Severity::Urgent,
            }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Pain &lt;0–10&gt;"));
        assert!(svg.contains(">U</text>"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn expected_levels_follow_the_course() {
        let c = ExpectedCourse::default_for(ProcedureClass::AblativeFullCo2);
        assert_eq!(level_expected(&c.swelling, 3), 3);
        assert_eq!(level_expected(&c.swelling, 7), 2);
        assert_eq!(level_expected(&c.swelling, 20), 1);
        assert_eq!(pain_expected(&c, 3, 2), 10);
        assert_eq!(pain_expected(&c, 3, 9), 3);
    }
}
