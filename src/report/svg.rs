//! The charts, as inline SVG: the budget over the range against a steady spend, one burn-rate
//! chart per alert tier with its threshold, and the alert history as a timeline. Colours and
//! line styles come from the page's stylesheet (classes); every chart has a `<title>` and a
//! `<desc>`, and the page repeats its numbers in tables.

use std::fmt::Write as _;

use super::time::ticks;
use super::{SloReport, Span, Tier, esc, percent};

const WIDTH: f64 = 960.0;

/// The plot area of a chart and its time range.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    from: i64,
    to: i64,
}

impl Frame {
    fn x(&self, t: i64) -> f64 {
        let span = (self.to - self.from).max(1) as f64;
        let f = ((t - self.from) as f64 / span).clamp(0.0, 1.0);
        self.left + f * (self.right - self.left)
    }

    fn y(&self, scale: Scale, v: f64) -> f64 {
        self.bottom - scale.frac(v) * (self.bottom - self.top)
    }
}

/// How values map onto the height of a chart.
#[derive(Clone, Copy)]
enum Scale {
    Linear {
        lo: f64,
        hi: f64,
    },
    /// `log10(1 + v)`: zero at the bottom, then every factor of ten the same height.
    SymLog {
        hi: f64,
    },
}

impl Scale {
    fn frac(self, v: f64) -> f64 {
        let f = match self {
            Scale::Linear { lo, hi } => (v - lo) / (hi - lo),
            Scale::SymLog { hi } => (1.0 + v.max(0.0)).log10() / (1.0 + hi).log10(),
        };
        if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) }
    }
}

fn open(out: &mut String, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\">\
         <title>{}</title><desc>{}</desc>",
        esc(title),
        esc(desc)
    );
}

/// Vertical grid lines at the time ticks, their labels and the axis' title.
fn time_axis(out: &mut String, f: &Frame, zone: &str) {
    let (ticks, title) = ticks(f.from, f.to, zone);
    for (t, label) in ticks {
        let x = f.x(t);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.top,
            f.bottom,
            f.bottom + 16.0,
            esc(&label)
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (f.left + f.right) / 2.0,
        f.bottom + 36.0,
        esc(&title)
    );
}

/// Horizontal grid lines at `ticks` (value, label) and the axis' title, turned.
fn value_axis(out: &mut String, f: &Frame, scale: Scale, ticks: &[(f64, String)], title: &str) {
    for (v, label) in ticks {
        let y = f.y(scale, *v);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            f.left,
            f.right,
            f.left - 6.0,
            y + 4.0,
            esc(label)
        );
    }
    let (x, y) = (16.0, (f.top + f.bottom) / 2.0);
    let _ = write!(
        out,
        "<text class=\"axis\" x=\"{x}\" y=\"{y:.1}\" text-anchor=\"middle\" \
         transform=\"rotate(-90 {x} {y:.1})\">{}</text>",
        esc(title)
    );
}

/// A line through `points`, broken where a value is not finite, where two points are more
/// than `gap` seconds apart, and at each of `breaks` (a period boundary).
fn line(
    out: &mut String,
    f: &Frame,
    scale: Scale,
    points: &[(i64, f64)],
    gap: i64,
    breaks: &[i64],
    class: &str,
) {
    let mut d = String::new();
    let mut prev: Option<i64> = None;
    for &(t, v) in points {
        if !v.is_finite() || t < f.from || t > f.to {
            prev = None;
            continue;
        }
        let joined =
            prev.is_some_and(|p| t - p <= gap && !breaks.iter().any(|b| p < *b && *b <= t));
        let cmd = if joined { 'L' } else { 'M' };
        let _ = write!(d, "{cmd}{:.1} {:.1}", f.x(t), f.y(scale, v));
        prev = Some(t);
    }
    if !d.is_empty() {
        let _ = write!(out, "<path class=\"{class}\" d=\"{d}\"/>");
    }
}

/// Rectangles over `spans` from `y0` to `y1`, at least 2 pixels wide, each titled.
fn span_rects(
    out: &mut String,
    f: &Frame,
    spans: &[(i64, i64, String)],
    y0: f64,
    y1: f64,
    class: &str,
) {
    for (s, e, title) in spans {
        if *e < f.from || *s > f.to {
            continue;
        }
        let (x0, x1) = (f.x(*s), f.x(*e));
        let w = (x1 - x0).max(2.0);
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
            y1 - y0,
            esc(title)
        );
    }
}

fn no_data(out: &mut String, f: &Frame, what: &str) {
    let _ = write!(
        out,
        "<text class=\"nodata\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (f.left + f.right) / 2.0,
        (f.top + f.bottom) / 2.0,
        esc(what)
    );
}

/// A vertical marker at `t` with a label at its top.
fn marker(out: &mut String, f: &Frame, t: i64, class: &str, label: &str) {
    if t < f.from || t > f.to {
        return;
    }
    let x = f.x(t);
    let _ = write!(
        out,
        "<line class=\"{class}\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
         <text class=\"mark\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        f.top,
        f.bottom,
        x + 3.0,
        f.top + 10.0,
        esc(label)
    );
}

fn frame(s: &SloReport, left: f64, height: f64) -> Frame {
    Frame {
        left,
        right: WIDTH - 24.0,
        top: 14.0,
        bottom: height - 48.0,
        from: s.from,
        to: s.to,
    }
}

/// The budget remaining over the range, with the steady spend of each period, the policy's
/// stages, planned maintenance and the report's instant.
pub fn budget(s: &SloReport, at: i64) -> String {
    let height = 320.0;
    let f = frame(s, 64.0, height);
    let lowest = s
        .budget_remaining
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::min);
    let lo = ((lowest * 4.0).floor() / 4.0).max(-1.0);
    let scale = Scale::Linear { lo, hi: 1.0 };
    let mut out = String::new();
    open(
        &mut out,
        height,
        &format!("Error budget remaining of {}/{}", s.service, s.slo),
        "Budget remaining as a percentage over time, against a straight line from 100 % at the start of each budget period to 0 % at its end.",
    );
    let excluded: Vec<_> = s
        .exclusions
        .iter()
        .map(|e| (e.start, e.end, format!("planned maintenance: {}", e.name)))
        .collect();
    span_rects(&mut out, &f, &excluded, f.top, f.bottom, "excl");
    let mut ticks = Vec::new();
    let mut v = 1.0;
    while v >= lo - 1e-9 {
        ticks.push((v, percent(v)));
        v -= if lo < -0.5 { 0.5 } else { 0.25 };
    }
    value_axis(&mut out, &f, scale, &ticks, "budget remaining");
    time_axis(&mut out, &f, &s.zone);
    let bands = [
        (0.875, "normal"),
        (0.625, "caution"),
        (0.375, "alert"),
        (0.175, "critical"),
    ];
    for (v, name) in bands {
        let _ = write!(
            out,
            "<text class=\"band\" x=\"{:.1}\" y=\"{:.1}\">{name}</text>",
            f.left + 4.0,
            f.y(scale, v) + 4.0
        );
    }
    let _ = write!(
        out,
        "<text class=\"band\" x=\"{:.1}\" y=\"{:.1}\">lockdown</text>",
        f.left + 4.0,
        f.y(scale, (0.1 + lo.min(0.0)) / 2.0) + 4.0
    );
    for v in [0.75, 0.5, 0.25, 0.1] {
        let y = f.y(scale, v);
        let _ = write!(
            out,
            "<line class=\"stage\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>",
            f.left, f.right
        );
    }
    for &(start, end) in &s.periods {
        let _ = write!(
            out,
            "<path class=\"ideal\" d=\"M{:.1} {:.1}L{:.1} {:.1}\"/>",
            f.x(start),
            f.y(scale, 1.0),
            f.x(end),
            f.y(scale, 0.0)
        );
    }
    let breaks: Vec<i64> = s.periods.iter().skip(1).map(|p| p.0).collect();
    for b in &breaks {
        marker(&mut out, &f, *b, "reset", "budget resets");
    }
    if s.budget_remaining.iter().any(|p| p.1.is_finite()) {
        line(
            &mut out,
            &f,
            scale,
            &s.budget_remaining,
            2 * s.step,
            &breaks,
            "budget",
        );
    } else {
        no_data(&mut out, &f, "No budget data in this range");
    }
    if at < f.to {
        marker(&mut out, &f, at, "now", "report time");
    }
    out.push_str("</svg>");
    out
}

/// The burn rates of a tier's two windows, its threshold, and when its condition held.
pub fn burn(s: &SloReport, tier: &Tier) -> String {
    let height = 230.0;
    let f = frame(s, 64.0, height);
    let empty = Vec::new();
    let long = s.burn.get(&tier.long).unwrap_or(&empty);
    let short = s.burn.get(&tier.short).unwrap_or(&empty);
    let top = long
        .iter()
        .chain(short)
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold((tier.factor * 2.0).max(2.0), f64::max)
        .min(1e6);
    let scale = Scale::SymLog { hi: top };
    let mut out = String::new();
    open(
        &mut out,
        height,
        &format!(
            "Burn rates of the {} tier of {}/{}",
            tier.name, s.service, s.slo
        ),
        &format!(
            "Burn rate over {} and over {}, on a logarithmic scale, against the threshold {}; shaded where both were above it.",
            tier.long, tier.short, tier.factor_text
        ),
    );
    let held: Vec<_> = tier
        .condition
        .iter()
        .map(|sp| (sp.start, sp.end, format!("both above {}", tier.factor_text)))
        .collect();
    span_rects(&mut out, &f, &held, f.top, f.bottom, "cond");
    let mut ticks = Vec::new();
    for m in [1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0] {
        for k in [1.0, 2.0, 5.0] {
            let v = k * m;
            if v <= top {
                ticks.push((v, super::times(v)));
            }
        }
    }
    ticks.insert(0, (0.0, "0×".to_string()));
    value_axis(&mut out, &f, scale, &ticks, "burn rate");
    time_axis(&mut out, &f, &s.zone);
    let y = f.y(scale, tier.factor);
    let _ = write!(
        out,
        "<line class=\"threshold\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
         <text class=\"mark\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">threshold {}×</text>",
        f.left,
        f.right,
        f.right - 4.0,
        y - 4.0,
        esc(&tier.factor_text)
    );
    let gap = 2 * s.step;
    if long.iter().chain(short).any(|p| p.1.is_finite()) {
        line(&mut out, &f, scale, long, gap, &[], "long");
        line(&mut out, &f, scale, short, gap, &[], "short");
    } else {
        no_data(&mut out, &f, "No burn-rate data in this range");
    }
    out.push_str("</svg>");
    out
}

/// One row of the alert timeline: its label and spans.
pub struct Row {
    pub label: String,
    pub class: &'static str,
    pub spans: Vec<Span>,
}

/// The alert history: one row per tier and kind (alert firing, condition held) and per other
/// alert, with the time each was active.
pub fn timeline(s: &SloReport, rows: &[Row]) -> String {
    let row_h = 24.0;
    let height = 14.0 + row_h * rows.len().max(1) as f64 + 48.0;
    let f = frame(s, 300.0, height);
    let mut out = String::new();
    open(
        &mut out,
        height,
        &format!("Alert history of {}/{}", s.service, s.slo),
        "One row per alert tier and kind: bars where the alert was firing, or where its condition held.",
    );
    time_axis(&mut out, &f, &s.zone);
    for (i, r) in rows.iter().enumerate() {
        let y = f.top + row_h * i as f64;
        let _ = write!(
            out,
            "<text class=\"row\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <line class=\"grid\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
            f.left - 8.0,
            y + row_h / 2.0 + 4.0,
            esc(&r.label),
            f.left,
            y + row_h,
            f.right,
            y + row_h
        );
        let spans: Vec<_> = r
            .spans
            .iter()
            .map(|sp| {
                let end = if sp.open {
                    "still at the report time".to_string()
                } else {
                    super::time::date_time(sp.end, &s.zone)
                };
                (
                    sp.start,
                    sp.end,
                    format!("{} — {end}", super::time::date_time(sp.start, &s.zone)),
                )
            })
            .collect();
        span_rects(&mut out, &f, &spans, y + 5.0, y + row_h - 5.0, r.class);
        if r.spans.is_empty() {
            let _ = write!(
                out,
                "<text class=\"none\" x=\"{:.1}\" y=\"{:.1}\">none in this range</text>",
                f.left + 6.0,
                y + row_h / 2.0 + 4.0
            );
        }
    }
    out.push_str("</svg>");
    out
}
