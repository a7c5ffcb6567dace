//! Bar charts in the same engine: named categories along the x axis (weeks,
//! rules, procedure classes), one bar per series in each, a legend. Same
//! frame, colours, text sizes, escaping and `<title>`/`<desc>` as the day
//! charts; series differ by colour and by pattern (solid, striped, dotted),
//! so they are told apart without colour too.

use super::{esc, f, num, Frame, Svg, GRID, INK};
use std::fmt::Write;

/// One series of a bar chart: a value per category (`None` = no value, e.g.
/// nothing to divide by; drawn as a gap, not as zero).
#[derive(Debug, Clone)]
pub struct BarSeries<'a> {
    pub name: &'a str,
    pub values: Vec<Option<f64>>,
}

/// A bar chart to draw. `id` must be unique within the page.
#[derive(Debug, Clone)]
pub struct Bars<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// A sentence or two for screen readers (the page's table has the numbers).
    pub description: String,
    pub y_label: Option<&'a str>,
    pub y_max: f64,
    pub y_ticks: Vec<f64>,
    /// Short labels under each group of bars.
    pub categories: Vec<String>,
    pub series: Vec<BarSeries<'a>>,
    pub frame: Frame,
}

// Series fills: teal, amber, dark blue; each also has its own pattern.
const FILLS: [&str; 3] = ["#0b5a6b", "#8a5300", "#1d4f91"];

impl Bars<'_> {
    /// A y scale from 0 to a round number at or above `max`, with 4–6 ticks.
    pub fn scale(max: f64) -> (f64, Vec<f64>) {
        let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
        let raw = max / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let top = (max / step).ceil() * step;
        let ticks = (0..=((top / step).round() as i64)).map(|i| i as f64 * step).collect();
        (top, ticks)
    }

    fn pattern_defs(&self, s: &mut String) {
        let id = esc(self.id);
        let _ = write!(s, "<defs>");
        for (i, fill) in FILLS.iter().enumerate() {
            match i {
                0 => {}
                1 => {
                    let _ = write!(
                        s,
                        r#"<pattern id="{id}-p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{fill}"/><line x1="0" y1="0" x2="0" y2="6" stroke="white" stroke-width="2"/></pattern>"#
                    );
                }
                _ => {
                    let _ = write!(
                        s,
                        r#"<pattern id="{id}-p2" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="{fill}"/><circle cx="2.5" cy="2.5" r="1" fill="white"/></pattern>"#
                    );
                }
            }
        }
        s.push_str("</defs>");
    }

    fn fill(&self, series: usize) -> String {
        match series % FILLS.len() {
            0 => FILLS[0].to_string(),
            i => format!("url(#{}-p{i})", esc(self.id)),
        }
    }

    /// The SVG. Never panics: no categories draws the axes and says so.
    pub fn render(&self) -> Svg {
        let mut s = String::with_capacity(4096);
        let id = esc(self.id);
        let fr = self.frame;
        // Room for the legend above the plot.
        let legend_h = if self.series.len() > 1 { 18.0 } else { 0.0 };
        let (plot_l, plot_r) = (fr.left, fr.width - fr.right);
        let (plot_t, plot_b) = (fr.top + legend_h, fr.height - fr.bottom);
        let max = if self.y_max > 0.0 { self.y_max } else { 1.0 };
        let y = |v: f64| plot_t + (plot_b - plot_t) * (1.0 - v.clamp(0.0, max) / max);
        let _ = write!(
            s,
            r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-labelledby="{id}-title {id}-desc" focusable="false"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            f(fr.width),
            f(fr.height),
            esc(self.title),
            esc(&self.description)
        );
        self.pattern_defs(&mut s);
        for t in &self.y_ticks {
            let _ = write!(
                s,
                r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{}" font-size="12" text-anchor="end" fill="{INK}">{}</text>"#,
                f(plot_l),
                f(plot_r),
                f(plot_l - 6.0),
                f(y(*t) + 4.0),
                num(*t),
                y = f(y(*t)),
            );
        }
        let _ = write!(
            s,
            r#"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="{INK}" stroke-width="1.5"/><line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="{INK}" stroke-width="1.5"/>"#,
            l = f(plot_l),
            r = f(plot_r),
            t = f(plot_t),
            b = f(plot_b)
        );
        if let Some(label) = self.y_label {
            let _ = write!(
                s,
                r#"<text transform="translate(12 {}) rotate(-90)" font-size="12" text-anchor="middle" fill="{INK}">{}</text>"#,
                f((plot_t + plot_b) / 2.0),
                esc(label)
            );
        }
        if self.series.len() > 1 {
            let mut x = plot_l;
            for (i, se) in self.series.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<rect x="{}" y="{}" width="12" height="12" fill="{}" stroke="{INK}" stroke-width="0.5"/><text x="{}" y="{}" font-size="12" fill="{INK}">{}</text>"#,
                    f(x),
                    f(fr.top),
                    self.fill(i),
                    f(x + 16.0),
                    f(fr.top + 10.5),
                    esc(se.name)
                );
                x += 16.0 + 7.0 * se.name.chars().count() as f64 + 14.0;
            }
        }
        let n = self.categories.len();
        if n == 0 || self.series.is_empty() {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" font-size="13" text-anchor="middle" fill="{INK}">Nothing in this range</text>"#,
                f((plot_l + plot_r) / 2.0),
                f((plot_t + plot_b) / 2.0)
            );
            s.push_str("</svg>");
            return Svg(s);
        }
        let slot = (plot_r - plot_l) / n as f64;
        let bar_w = (slot * 0.8 / self.series.len() as f64).max(1.0);
        // Label every k-th category so the labels do not overlap.
        let longest = self.categories.iter().map(|c| c.chars().count()).max().unwrap_or(1) as f64;
        let every = ((longest * 7.0 + 6.0) / slot).ceil().max(1.0) as usize;
        for (ci, cat) in self.categories.iter().enumerate() {
            let x0 = plot_l + slot * ci as f64 + slot * 0.1;
            for (si, se) in self.series.iter().enumerate() {
                let Some(v) = se.values.get(ci).copied().flatten().filter(|v| v.is_finite()) else {
                    continue;
                };
                let top = y(v);
                let _ = write!(
                    s,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                    f(x0 + bar_w * si as f64),
                    f(top),
                    f(bar_w),
                    f((plot_b - top).max(0.0)),
                    self.fill(si)
                );
            }
            if ci % every == 0 {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="{INK}">{}</text>"#,
                    f(plot_l + slot * (ci as f64 + 0.5)),
                    f(plot_b + 17.0),
                    esc(cat)
                );
            }
        }
        s.push_str("</svg>");
        Svg(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_legend_patterns_and_gaps() {
        let (y_max, y_ticks) = Bars::scale(37.0);
        assert_eq!(y_max, 40.0);
        assert_eq!(y_ticks, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        let b = Bars {
            id: "burden",
            title: "Flags <per> 100",
            description: "Two weeks.".into(),
            y_label: Some("per 100"),
            y_max,
            y_ticks,
            categories: vec!["2 Mar".into(), "9 Mar".into()],
            series: vec![
                BarSeries {
                    name: "Urgent",
                    values: vec![Some(3.0), None],
                },
                BarSeries {
                    name: "Review",
                    values: vec![Some(12.0), Some(8.0)],
                },
            ],
            frame: Frame::WIDE,
        };
        let svg = b.render();
        let s = svg.as_str();
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("Flags &lt;per&gt; 100"));
        assert!(s.contains(r#"aria-labelledby="burden-title burden-desc""#));
        assert!(s.contains("url(#burden-p1)"), "the second series is striped: {s}");
        assert!(s.contains(">Urgent</text>") && s.contains(">9 Mar</text>"));
        // 2 legend swatches + 3 bars (the gap draws nothing) + 2 pattern tiles.
        assert_eq!(s.matches("<rect").count(), 7, "{s}");
    }

    #[test]
    fn empty_and_odd_input_never_panics() {
        let (y_max, y_ticks) = Bars::scale(f64::NAN);
        let mut b = Bars {
            id: "x",
            title: "t",
            description: String::new(),
            y_label: None,
            y_max,
            y_ticks,
            categories: vec![],
            series: vec![],
            frame: Frame::PHONE,
        };
        assert!(b.render().as_str().contains("Nothing in this range"));
        b.categories = (0..60).map(|i| format!("week {i}")).collect();
        b.series = vec![BarSeries {
            name: "a",
            values: vec![Some(f64::INFINITY), Some(-3.0)],
        }];
        b.y_max = 0.0;
        let _ = b.render();
    }
}
