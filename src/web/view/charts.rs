//! The one SVG chart engine, for patients and clinicians alike: a series of
//! (day, value) points, an optional shaded "expected range" band, markers on
//! the values that raised a flag, the line broken across missed days, axis
//! labels, and a `<title>`/`<desc>` named by `aria-labelledby`. No script, no inline style
//! (presentation attributes only), so it passes the CSP and reads the same to
//! every browser. Each page picks its [`Frame`] (size) and labels; colours and
//! shapes live here only.
//!
//! The chart is a picture; every page that shows one must also give the same
//! numbers as text (a table), since a screen reader gets only the summary.

use crate::db::{checkins::CheckIn, flags::Flag};
use crate::domain::{questions, Severity};
use crate::triage::{ExpectedRanges, Measure};
use askama::filters::HtmlSafe;
use std::fmt::{self, Write};

mod bars;
pub use bars::{BarSeries, Bars};

/// One value on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub day: i64,
    pub value: f64,
    /// Drawn as a distinct shape when the day raised a flag.
    pub mark: Option<Severity>,
}

impl Point {
    /// `m` in each check-in, marked only where a flag was raised on that
    /// value: by that check-in, and by a rule that reads `m` (the catalogue's
    /// list). A flag about another symptom that day marks that symptom's
    /// chart, not this one.
    pub fn of_measure<'c>(m: Measure, checkins: impl IntoIterator<Item = &'c CheckIn>, flags: &[&Flag]) -> Vec<Point> {
        let reads = question_of(m).rules;
        checkins
            .into_iter()
            .map(|c| Point {
                day: c.day_number,
                value: f64::from(m.of(&c.answers)),
                mark: flags
                    .iter()
                    .filter(|f| f.checkin_id == Some(c.id.0) && reads.contains(&f.rule_id.as_str()))
                    .map(|f| f.severity)
                    .max(),
            })
            .collect()
    }
}

/// The catalogue's question of a charted measure.
fn question_of(m: Measure) -> &'static questions::Question {
    match m {
        Measure::Pain => &questions::PAIN,
        Measure::Itch => &questions::ITCH,
        Measure::Swelling => &questions::SWELLING,
        Measure::Redness => &questions::REDNESS,
    }
}

/// The expected range on one day (inclusive, in the chart's units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub day: i64,
    pub low: f64,
    pub high: f64,
}

/// The chart's size and margins, in SVG units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// Sized for a phone: drawn at about 1:1 on a 390 px screen, so 12-unit
    /// text reads as 12 px there and grows with the page on wider screens
    /// and at zoom.
    pub const PHONE: Frame = Frame {
        width: 360.0,
        height: 220.0,
        left: 40.0,
        right: 12.0,
        top: 12.0,
        bottom: 44.0,
    };
    /// Wide and low, two to a row on a clinician's desk screen.
    pub const WIDE: Frame = Frame {
        width: 640.0,
        height: 200.0,
        left: 40.0,
        right: 12.0,
        top: 14.0,
        bottom: 37.0,
    };
}

/// A chart to draw. `id` must be unique within the page (it prefixes the
/// ids of `<title>` and `<desc>`).
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// A sentence or two for screen readers; see [`Chart::summary`].
    pub description: String,
    pub x_label: &'a str,
    /// What an empty chart says ("No check-ins yet"; a patient's language).
    pub empty_label: &'a str,
    /// `None` when the title already names the scale.
    pub y_label: Option<&'a str>,
    /// The scale runs from 0 to `y_max`; a tick and a grid line at each of `y_ticks`.
    pub y_max: f64,
    pub y_ticks: Vec<f64>,
    /// First and last day shown.
    pub days: (i64, i64),
    pub points: Vec<Point>,
    pub band: Vec<Band>,
    /// Days a check-in was due and none came: the line is not drawn across
    /// them, so a missed day never looks like a quiet one.
    pub missed: Vec<i64>,
    pub frame: Frame,
}

/// SVG markup whose every piece of text was escaped when it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Only `Chart::render` makes an `Svg`, and it escapes all text it writes.
impl HtmlSafe for Svg {}

// Colours meet 3:1 against white for graphics (WCAG 1.4.11); flag markers
// differ by shape as well as colour.
const LINE: &str = "#0b5a6b";
const BAND: &str = "#cfe9d6";
const BAND_EDGE: &str = "#2f7d46";
const GRID: &str = "#c9d1db";
const INK: &str = "#1b1f24";
const URGENT: &str = "#a4161a";
const REVIEW: &str = "#8a5300";
const INFO: &str = "#1d4f91";

impl<'a> Chart<'a> {
    /// A chart of `m` by day since treatment with its expected range (from
    /// `triage`) shaded, described by [`Chart::summary`]; the caller adds
    /// its words for the range to `description`, and any flag lines.
    pub fn of_measure(
        id: &'a str,
        title: &'a str,
        m: Measure,
        ranges: &ExpectedRanges,
        days: (i64, i64),
        points: Vec<Point>,
        frame: Frame,
    ) -> Self {
        let max = m.scale_max();
        let step = if max > 5 { 2 } else { 1 };
        Chart {
            id,
            title,
            description: Chart::summary(&points, ""),
            x_label: "Days since treatment",
            empty_label: "No check-ins yet",
            y_label: None,
            y_max: f64::from(max),
            y_ticks: (0..=max).step_by(step).map(f64::from).collect(),
            days,
            points,
            band: (days.0..=days.1)
                .map(|day| Band {
                    day,
                    low: 0.0,
                    high: f64::from(ranges.band_top(m, day)),
                })
                .collect(),
            missed: Vec::new(),
            frame,
        }
    }

    /// "Day 0 to day 12: lowest 2, highest 6, latest 3 (day 12)." — or that
    /// there is nothing yet.
    pub fn summary(points: &[Point], unit: &str) -> String {
        let (Some(first), Some(last)) = (points.iter().min_by_key(|p| p.day), points.iter().max_by_key(|p| p.day))
        else {
            return "No check-ins yet.".into();
        };
        let lo = points.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p.value).fold(f64::NEG_INFINITY, f64::max);
        format!(
            "Day {} to day {}: lowest {}{unit}, highest {}{unit}, latest {}{unit} on day {}.",
            first.day,
            last.day,
            num(lo),
            num(hi),
            num(last.value),
            last.day
        )
    }

    fn x(&self, day: f64) -> f64 {
        let (d0, d1) = self.days;
        let span = (d1 - d0).max(1) as f64;
        let fr = &self.frame;
        fr.left + (fr.width - fr.left - fr.right) * (day - d0 as f64) / span
    }

    fn y(&self, v: f64) -> f64 {
        let max = if self.y_max > 0.0 { self.y_max } else { 1.0 };
        let v = v.clamp(0.0, max);
        let fr = &self.frame;
        fr.top + (fr.height - fr.top - fr.bottom) * (1.0 - v / max)
    }

    fn x_step(&self) -> i64 {
        match self.days.1 - self.days.0 {
            ..=14 => 1,
            15..=28 => 2,
            29..=98 => 7,
            99..=196 => 14,
            _ => 28,
        }
    }

    /// The SVG. Never panics: an empty series draws the axes and says so.
    pub fn render(&self) -> Svg {
        // About 60 bytes a point; grown once at most.
        let mut s = String::with_capacity(4096 + 64 * self.points.len());
        let id = esc(self.id);
        let (d0, d1) = (self.days.0, self.days.1.max(self.days.0));
        let fr = self.frame;
        let (plot_l, plot_r) = (fr.left, fr.width - fr.right);
        let (plot_t, plot_b) = (fr.top, fr.height - fr.bottom);
        // `write!` into a String cannot fail.
        let _ = write!(
            s,
            r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-labelledby="{id}-title {id}-desc" focusable="false"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            f(fr.width),
            f(fr.height),
            esc(self.title),
            esc(&self.description)
        );

        // Expected range: one rectangle per run of days with the same range.
        let mut runs: Vec<(i64, i64, f64, f64)> = Vec::new();
        let mut band: Vec<&Band> = self.band.iter().filter(|b| b.day >= d0 && b.day <= d1).collect();
        band.sort_by_key(|b| b.day);
        for b in band {
            match runs.last_mut() {
                Some(r) if r.1 + 1 == b.day && r.2 == b.low && r.3 == b.high => r.1 = b.day,
                _ => runs.push((b.day, b.day, b.low, b.high)),
            }
        }
        for (from, to, low, high) in runs {
            let x0 = self.x(from as f64 - 0.5).max(plot_l);
            let x1 = self.x(to as f64 + 0.5).min(plot_r);
            let (y_top, y_bottom) = (self.y(high), self.y(low));
            // A range of exactly one level (e.g. "none") still shows as a strip.
            let h = (y_bottom - y_top).max(5.0);
            let _ = write!(
                s,
                r#"<rect class="expected" x="{}" y="{}" width="{}" height="{}" fill="{BAND}" stroke="{BAND_EDGE}" stroke-width="1" stroke-dasharray="3 2"/>"#,
                f(x0),
                f(y_bottom - h),
                f(x1 - x0),
                f(h)
            );
        }

        // Grid and y ticks.
        for t in &self.y_ticks {
            let y = self.y(*t);
            let _ = write!(
                s,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{}" font-size="12" text-anchor="end" fill="{INK}">{}</text>"#,
                f(plot_l),
                f(y),
                f(plot_r),
                f(y),
                f(plot_l - 6.0),
                f(y + 4.0),
                num(*t)
            );
        }
        // Axes.
        let _ = write!(
            s,
            r#"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="{INK}" stroke-width="1.5"/><line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="{INK}" stroke-width="1.5"/>"#,
            l = f(plot_l),
            r = f(plot_r),
            t = f(plot_t),
            b = f(plot_b)
        );
        // X ticks.
        let step = self.x_step();
        let first_tick = if d0 % step == 0 {
            d0
        } else {
            d0 + (step - d0.rem_euclid(step))
        };
        let mut d = first_tick;
        while d <= d1 {
            let x = self.x(d as f64);
            let _ = write!(
                s,
                r#"<line x1="{x}" y1="{b}" x2="{x}" y2="{b2}" stroke="{INK}" stroke-width="1"/><text x="{x}" y="{ty}" font-size="12" text-anchor="middle" fill="{INK}">{d}</text>"#,
                x = f(x),
                b = f(plot_b),
                b2 = f(plot_b + 4.0),
                ty = f(plot_b + 17.0),
            );
            d += step;
        }
        // Axis labels.
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="{INK}">{}</text>"#,
            f((plot_l + plot_r) / 2.0),
            f(fr.height - 6.0),
            esc(self.x_label),
        );
        if let Some(label) = self.y_label {
            let _ = write!(
                s,
                r#"<text transform="translate(12 {}) rotate(-90)" font-size="12" text-anchor="middle" fill="{INK}">{}</text>"#,
                f((plot_t + plot_b) / 2.0),
                esc(label)
            );
        }

        // The series.
        let mut pts: Vec<&Point> = self
            .points
            .iter()
            .filter(|p| p.day >= d0 && p.day <= d1 && p.value.is_finite())
            .collect();
        pts.sort_by_key(|p| p.day);
        if pts.is_empty() {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" font-size="13" text-anchor="middle" fill="{INK}">{}</text>"#,
                f((plot_l + plot_r) / 2.0),
                f((plot_t + plot_b) / 2.0),
                esc(self.empty_label)
            );
        }
        // One line per run of points with no missed day between them.
        let mut runs: Vec<Vec<&Point>> = Vec::new();
        for p in &pts {
            match runs.last_mut() {
                Some(run)
                    if !self
                        .missed
                        .iter()
                        .any(|m| run.last().is_some_and(|q| q.day < *m && *m < p.day)) =>
                {
                    run.push(p)
                }
                _ => runs.push(vec![p]),
            }
        }
        for run in runs.iter().filter(|r| r.len() > 1) {
            s.push_str(r#"<polyline points=""#);
            for (i, p) in run.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                f(self.x(p.day as f64)).push_onto(&mut s);
                s.push(',');
                f(self.y(p.value)).push_onto(&mut s);
            }
            let _ = write!(
                s,
                r#"" fill="none" stroke="{LINE}" stroke-width="2.5" stroke-linejoin="round"/>"#
            );
        }
        for p in pts {
            let (x, y) = (self.x(p.day as f64), self.y(p.value));
            let _ = match p.mark {
                Some(Severity::Urgent) => write!(
                    s,
                    r#"<path d="M{} {}l7 7l-7 7l-7 -7z" fill="{URGENT}" stroke="white" stroke-width="1.5"/>"#,
                    f(x),
                    f(y - 7.0)
                ),
                Some(Severity::Review) => write!(
                    s,
                    r#"<rect x="{}" y="{}" width="11" height="11" fill="{REVIEW}" stroke="white" stroke-width="1.5"/>"#,
                    f(x - 5.5),
                    f(y - 5.5)
                ),
                Some(Severity::Info) => write!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="5.5" fill="white" stroke="{INFO}" stroke-width="3"/>"#,
                    f(x),
                    f(y)
                ),
                // The common mark: pushed, not formatted.
                None => {
                    s.push_str(r#"<circle cx=""#);
                    f(x).push_onto(&mut s);
                    s.push_str(r#"" cy=""#);
                    f(y).push_onto(&mut s);
                    s.push_str(r#"" r="4" fill=""#);
                    s.push_str(LINE);
                    s.push_str(r#""/>"#);
                    Ok(())
                }
            };
        }
        s.push_str("</svg>");
        Svg(s)
    }
}

/// A coordinate with at most one decimal.
fn f(v: f64) -> Tenths {
    Tenths((v * 10.0).round() as i64)
}

/// 3 rather than 3.0; 37.5 as is.
fn num(v: f64) -> Num {
    Num(v)
}

/// A number written straight into the SVG, with no `String` of its own.
#[derive(Clone, Copy)]
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.fract() == 0.0 {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v}")
        }
    }
}

/// A coordinate in tenths, written as "12", "12.5" or "-0.5": a chart has
/// about a thousand of them, and the float formatter was a third of a
/// record page's drawing.
#[derive(Clone, Copy)]
struct Tenths(i64);

impl Tenths {
    /// Digits from the right into a small buffer; `with` gets the text.
    fn with<R>(self, with: impl FnOnce(&str) -> R) -> R {
        let mut buf = [0u8; 24];
        let mut i = buf.len();
        let n = self.0.unsigned_abs();
        let mut push = |b: u8| {
            i -= 1;
            buf[i] = b;
        };
        if !n.is_multiple_of(10) {
            push(b'0' + (n % 10) as u8);
            push(b'.');
        }
        let mut whole = n / 10;
        loop {
            push(b'0' + (whole % 10) as u8);
            whole /= 10;
            if whole == 0 {
                break;
            }
        }
        if self.0 < 0 {
            push(b'-');
        }
        // Only ASCII digits, '.' and '-' were written.
        with(std::str::from_utf8(&buf[i..]).unwrap_or_default())
    }

    /// Onto the SVG without `write!`'s formatting machinery: a series of a
    /// hundred days writes its points with this.
    fn push_onto(self, s: &mut String) {
        self.with(|t| s.push_str(t));
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with(|t| f.write_str(t))
    }
}

use crate::domain::text::escape_html as esc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_read_as_the_float_formatter_rounded_to_tenths_would() {
        // What `f` wrote before it had its own digits.
        let by_float = |v: f64| {
            let r = (v * 10.0).round() / 10.0;
            if r.fract() == 0.0 {
                format!("{}", r as i64)
            } else {
                format!("{r}")
            }
        };
        let mut v = -40.0;
        while v < 1300.0 {
            assert_eq!(f(v).to_string(), by_float(v), "{v}");
            v += 0.037;
        }
        for v in [0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 9.95, 99.99, 1e9 + 0.3] {
            assert_eq!(f(v).to_string(), by_float(v), "{v}");
        }
    }

    fn chart(points: Vec<Point>, band: Vec<Band>) -> Chart<'static> {
        Chart {
            id: "pain",
            title: "Pain <by> day",
            description: Chart::summary(&points, ""),
            x_label: "Days since treatment",
            empty_label: "No check-ins yet",
            y_label: Some("Pain 0–10"),
            y_max: 10.0,
            y_ticks: vec![0.0, 5.0, 10.0],
            days: (0, 7),
            points,
            band,
            missed: Vec::new(),
            frame: Frame::PHONE,
        }
    }

    #[test]
    fn draws_points_band_marks_and_escapes_text() {
        let points = vec![
            Point {
                day: 0,
                value: 5.0,
                mark: None,
            },
            Point {
                day: 2,
                value: 8.0,
                mark: Some(Severity::Urgent),
            },
            Point {
                day: 3,
                value: 6.0,
                mark: Some(Severity::Review),
            },
        ];
        let band = (0..=7)
            .map(|d| Band {
                day: d,
                low: 0.0,
                high: if d < 3 { 10.0 } else { 3.0 },
            })
            .collect();
        let svg = chart(points, band).render();
        let s = svg.as_str();
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains(r#"aria-labelledby="pain-title pain-desc""#));
        assert!(s.contains("Pain &lt;by&gt; day"), "{s}");
        assert_eq!(
            s.matches("<rect").count(),
            3,
            "two band runs and one review marker: {s}"
        );
        assert_eq!(s.matches("<polyline").count(), 1);
        assert!(s.contains("<path"), "urgent marker");
        assert!(s.contains("Day 0 to day 3: lowest 5, highest 8, latest 6 on day 3."));
    }

    #[test]
    fn a_missed_day_breaks_the_line_and_only_marked_values_stand_out() {
        let p = |day, value, mark| Point { day, value, mark };
        let mut c = chart(
            vec![
                p(0, 5.0, None),
                p(1, 4.0, None),
                p(4, 7.0, Some(Severity::Review)),
                p(5, 6.0, None),
            ],
            vec![],
        );
        assert_eq!(
            c.render().as_str().matches("<polyline").count(),
            1,
            "no missed day: one line"
        );
        c.missed = vec![2, 3];
        let svg = c.render();
        let s = svg.as_str();
        assert_eq!(s.matches("<polyline").count(), 2, "days 2 and 3 missed: two lines: {s}");
        assert!(s.contains(r#"<polyline points="40,"#), "the first run starts at day 0");
        assert_eq!(s.matches("<rect x=").count(), 1, "one review marker, on day 4 only");
        assert!(
            !s.contains("stroke-dasharray=\"4 3\""),
            "no flag lines across the chart"
        );
        // A missed day before the first or after the last point splits nothing.
        c.missed = vec![6, 9];
        assert_eq!(c.render().as_str().matches("<polyline").count(), 1);
    }

    #[test]
    fn empty_and_odd_input_never_panics() {
        let mut c = chart(vec![], vec![]);
        assert!(c.render().as_str().contains("No check-ins yet"));
        c.days = (5, 2);
        c.y_max = 0.0;
        c.points = vec![Point {
            day: 3,
            value: f64::NAN,
            mark: None,
        }];
        let _ = c.render();
        c.days = (0, 400);
        c.frame = Frame::WIDE;
        let _ = c.render();
    }
}
