//! The page: a header saying what an SLO, its error budget, a burn rate and the policy's
//! stages are; per SLO its objective, budget and stage now, the charts with captions in plain
//! words, and tables of the same numbers. One file: the stylesheet is inline, the charts are
//! inline SVG, nothing is loaded from anywhere.

use std::fmt::Write as _;

use super::svg::{self, Row};
use super::time::{date_time, duration, rfc3339};
use super::{POLICY, Report, SloReport, Span, Window, esc, percent, stage_of, times};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:#1d2329;background:#fff;margin:0 auto;max-width:1000px;padding:24px;line-height:1.45}
h1{font-size:1.7em;margin:0 0 .2em}h2{font-size:1.35em;margin:2em 0 .3em;border-top:2px solid #d0d7de;padding-top:1em}h3{font-size:1.05em;margin:1.4em 0 .3em}
.meta{color:#57606a}.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25em 1.2em;margin:.8em 0}.facts dt{font-weight:600}.facts dd{margin:0}
.stage{font-weight:700;padding:0 .4em;border-radius:3px}.st-normal{background:#dff3e4}.st-caution{background:#fff4c2}.st-alert{background:#ffe0b8}.st-critical{background:#ffc9c2}.st-lockdown{background:#d1242f;color:#fff}
.problem{background:#fff4c2;border-left:4px solid #bf8700;padding:.4em .8em}
figure{margin:.6em 0 1.2em}figcaption{color:#3d444d;font-size:.93em;max-width:920px}svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
ul.legend{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.3em 1.4em;font-size:.9em}.sw{display:inline-block;width:22px;height:10px;margin-right:.4em;vertical-align:middle}
.sw-budget{border-top:3px solid #1f5fa8}.sw-ideal{border-top:2px dashed #6e7781}.sw-stage{border-top:1px solid #afb8c1}.sw-excl{background:#cfe8d4}.sw-long{border-top:3px solid #1f5fa8}.sw-short{border-top:2px solid #d4761a}.sw-threshold{border-top:2px dashed #c0392b}.sw-cond{background:#f6d5d1}.sw-fired{background:#b3261e}.sw-held{background:#eea49c}.sw-other{background:#6f42c1}
svg text{font-family:inherit;fill:#3d444d}svg .tick{font-size:11px}svg .axis{font-size:12px;font-weight:600}svg .band{font-size:10px;fill:#8c959f}svg .mark{font-size:11px}svg .row{font-size:12px}svg .none{font-size:11px;fill:#8c959f}svg .nodata{font-size:15px;fill:#8c959f}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .stage{stroke:#afb8c1;stroke-width:1}svg .ideal{stroke:#6e7781;stroke-width:1.5;stroke-dasharray:6 4;fill:none}
svg .budget{stroke:#1f5fa8;stroke-width:2.2;fill:none}svg .long{stroke:#1f5fa8;stroke-width:2;fill:none}svg .short{stroke:#d4761a;stroke-width:1.4;fill:none}
svg .threshold{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:5 3}svg .excl{fill:#cfe8d4}svg .cond{fill:#f6d5d1}svg .fired{fill:#b3261e}svg .held{fill:#eea49c}svg .other{fill:#6f42c1}
svg .reset{stroke:#57606a;stroke-width:1;stroke-dasharray:2 3}svg .now{stroke:#1d2329;stroke-width:1}
";

/// The whole page.
pub fn page(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let when = date_time(r.at, "UTC");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>SLO report — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&when)
    );
    let _ = write!(
        out,
        "<header>\n<h1>Service level objectives: error budget report</h1>\n\
         <p class=\"meta\">As of <time datetime=\"{}\">{}</time>, from the Prometheus at <code>{}</code>. \
         {} SLO{}.</p>\n",
        rfc3339(r.at),
        esc(&when),
        esc(&r.prometheus),
        r.slos.len(),
        if r.slos.len() == 1 { "" } else { "s" }
    );
    intro(&mut out);
    out.push_str("<nav><h2>Contents</h2><ol>\n");
    for (i, s) in r.slos.iter().enumerate() {
        let left = s.remaining_at(r.at);
        let _ = writeln!(
            out,
            "<li><a href=\"#slo-{i}\">{} / {}</a> — {}{}</li>",
            esc(&s.service),
            esc(&s.slo),
            left.map_or("no current budget value".to_string(), |v| format!(
                "{} of the budget left",
                percent(v)
            )),
            left.and_then(stage_of)
                .map_or(String::new(), |st| format!(", stage {}", st.name()))
        );
    }
    out.push_str("</ol></nav>\n</header>\n<main>\n");
    for (i, s) in r.slos.iter().enumerate() {
        slo_section(&mut out, i, s, r.at);
    }
    let _ = write!(
        out,
        "</main>\n<footer class=\"meta\"><p>Made by <code>sloforge report</code> from the series the generated \
         recording rules write. The page is complete in itself: it loads nothing.</p></footer>\n</body>\n</html>\n"
    );
    out
}

fn intro(out: &mut String) {
    out.push_str(
        "<section><h2>How to read this page</h2>\n\
         <p>A <strong>service level objective</strong> (SLO) is a promise such as “99.9 % of requests succeed over 30 days”. \
         The part that may fail — here 0.1 % of the requests — is the <strong>error budget</strong>. Each bad request \
         spends some of it; when none is left, the promise is broken. A budget is counted over a <strong>window</strong>: \
         a rolling one (always the last 30 days) or a calendar one (each month, starting afresh on the 1st).</p>\n\
         <p>The <strong>burn rate</strong> is how fast the budget is being spent, as a multiple of the steady pace that \
         would spend exactly all of it over the window: at 1× the budget lasts the whole window, at 14.4× a 30-day budget \
         is gone in about two days. Alerts fire when the burn rate over a long and a short window are both above a \
         tier's threshold, so that a brief spike does not page and a page stops soon after the errors do.</p>\n\
         <p>The <strong>error-budget policy</strong> says what the team does at each stage of budget left:</p>\n\
         <table><thead><tr><th scope=\"col\">Stage</th><th scope=\"col\">Budget left</th><th scope=\"col\">What happens</th></tr></thead><tbody>\n",
    );
    for st in &POLICY {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"stage st-{n}\">{n}</span></td><td>{}</td><td>{}</td></tr>",
            esc(st.range),
            esc(st.meaning),
            n = st.name()
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn window_words(s: &SloReport) -> String {
    match &s.window {
        Window::Rolling { label, .. } => format!(
            "over a rolling {} (the last {} at any moment)",
            label, label
        ),
        Window::Calendar { period, timezone } => format!(
            "over each calendar {period} in the time zone {timezone}; the budget starts afresh at the start of every {period}"
        ),
    }
}

fn period_name(s: &SloReport) -> String {
    match &s.window {
        Window::Rolling { label, .. } => label.clone(),
        Window::Calendar { period, .. } => period.clone(),
    }
}

fn slo_section(out: &mut String, i: usize, s: &SloReport, at: i64) {
    let _ = write!(
        out,
        "<section id=\"slo-{i}\" class=\"slo\">\n<h2>{} / {}</h2>\n",
        esc(&s.service),
        esc(&s.slo)
    );
    if !s.description.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", esc(&s.description));
    }
    let length = s.period_length() as f64;
    let budget_time = s.budget * length;
    let left = s.remaining_at(at);
    out.push_str("<dl class=\"facts\">\n");
    let _ = writeln!(
        out,
        "<dt>Objective</dt><dd>{} % of events good, {}.</dd>",
        esc(&s.objective),
        esc(&window_words(s))
    );
    let _ = writeln!(
        out,
        "<dt>Error budget</dt><dd>{} of events may be bad: over {} that is <strong>{}</strong> of total outage.</dd>",
        percent(s.budget),
        esc(&duration(length)),
        esc(&duration(budget_time))
    );
    if let (Window::Calendar { period, .. }, Some((start, end))) = (&s.window, s.periods.last()) {
        let _ = writeln!(
            out,
            "<dt>This {period}</dt><dd>{} to {}</dd>",
            esc(&date_time(*start, &s.zone)),
            esc(&date_time(*end, &s.zone))
        );
    }
    match left {
        Some(v) => {
            let _ = writeln!(
                out,
                "<dt>Budget left</dt><dd><strong>{}</strong> at {} (≈ {} of total outage still allowed)</dd>",
                percent(v),
                esc(&date_time(at, &s.zone)),
                esc(&duration((v * budget_time).max(0.0)))
            );
        }
        None => out.push_str(
            "<dt>Budget left</dt><dd>unknown: no recent value of the budget series</dd>\n",
        ),
    }
    match left.and_then(stage_of) {
        Some(st) => {
            let _ = writeln!(
                out,
                "<dt>Policy stage</dt><dd><span class=\"stage st-{n}\">{n}</span> ({} left): {}</dd>",
                esc(st.range),
                esc(st.meaning),
                n = st.name()
            );
        }
        None => out.push_str("<dt>Policy stage</dt><dd>unknown</dd>\n"),
    }
    if let Some(g) = &s.group {
        let _ = writeln!(out, "<dt>Group shown</dt><dd>{}</dd>", esc(g));
    }
    out.push_str("</dl>\n");
    for p in &s.problems {
        let _ = writeln!(
            out,
            "<p class=\"problem\">Could not show everything: {}</p>",
            esc(p)
        );
    }
    budget_figure(out, s, at);
    for t in &s.tiers {
        burn_figure(out, s, t);
    }
    history(out, s);
    out.push_str("</section>\n");
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    out.push_str("<ul class=\"legend\">");
    for (class, text) in items {
        let _ = write!(
            out,
            "<li><span class=\"sw sw-{class}\"></span>{}</li>",
            esc(text)
        );
    }
    out.push_str("</ul>\n");
}

fn budget_figure(out: &mut String, s: &SloReport, at: i64) {
    let period = period_name(s);
    out.push_str("<h3>Error budget over time</h3>\n<figure>\n");
    let mut items = vec![
        ("budget", "budget left"),
        ("ideal", "steady spend"),
        ("stage", "policy stages (75, 50, 25, 10 %)"),
    ];
    if !s.exclusions.is_empty() {
        items.push(("excl", "planned maintenance"));
    }
    legend(out, &items);
    out.push_str(&svg::budget(s, at));
    let how = match &s.window {
        Window::Rolling { label, .. } => format!(
            "Every point counts the {label} before it. The dashed line spends the budget at a steady pace, from 100 % at the start of the window to 0 % at its end, the report time"
        ),
        Window::Calendar { period, .. } => format!(
            "The chart shows the previous and the current {period}; the budget starts afresh at 100 % when a {period} begins. \
             The dashed lines spend each {period}'s budget at a steady pace, from 100 % at its start to 0 % at its end"
        ),
    };
    let _ = write!(
        out,
        "<figcaption>How much of the error budget was left at each moment (vertical) over time (horizontal, dates in {}). \
         {how}: where the solid line is below the dashed one, the budget is going faster than the {period} allows. \
         The grey lines mark the policy's stages. Points are {} apart; values below −100 % are drawn at the bottom edge.{}</figcaption>\n</figure>\n",
        esc(&s.zone),
        esc(&duration(s.step as f64)),
        if s.exclusions.is_empty() {
            ""
        } else {
            " Green bands are planned maintenance: the events in them count neither as errors nor as traffic."
        }
    );
    let (low_t, low) = s.budget_remaining.iter().filter(|p| p.1.is_finite()).fold(
        (None, f64::INFINITY),
        |(t, m), p| {
            if p.1 < m { (Some(p.0), p.1) } else { (t, m) }
        },
    );
    out.push_str("<table><caption>Key numbers</caption><tbody>\n");
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Budget left at the report time</th><td class=\"n\">{}</td></tr>",
        s.remaining_at(at).map_or("unknown".into(), percent)
    );
    if let Some(t) = low_t {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">Least budget left in the chart</th><td class=\"n\">{} at {}</td></tr>",
            percent(low),
            esc(&date_time(t, &s.zone))
        );
    }
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Chart range</th><td>{} to {}</td></tr>",
        esc(&date_time(s.from, &s.zone)),
        esc(&date_time(s.to, &s.zone))
    );
    for e in &s.exclusions {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">Planned maintenance “{}”</th><td>{} to {}</td></tr>",
            esc(&e.name),
            esc(&date_time(e.start, &s.zone)),
            esc(&date_time(e.end, &s.zone))
        );
    }
    out.push_str("</tbody></table>\n");
}

fn burn_figure(out: &mut String, s: &SloReport, t: &super::Tier) {
    let _ = writeln!(
        out,
        "<h3>Burn rate: tier {} ({})</h3>\n<figure>",
        esc(&t.name),
        esc(&t.severity)
    );
    let long = format!("burn rate over {}", t.long);
    let short = format!("burn rate over {}", t.short);
    let thr = format!("threshold {}×", t.factor_text);
    legend(
        out,
        &[
            ("long", &long),
            ("short", &short),
            ("threshold", &thr),
            ("cond", "both above the threshold"),
        ],
    );
    out.push_str(&svg::burn(s, t));
    let _ = write!(
        out,
        "<figcaption>How fast the budget was being spent, as a multiple of the steady pace (1× spends exactly the budget over the {}). \
         The {} alert ({}) fires when the burn rate over {} and over {} have both been above {}× for {}; the shaded times are when both were above it. \
         Each point is the highest burn rate of the {} before it, so that short bursts show; the vertical scale is logarithmic. Burn now: {} over {}, {} over {}.</figcaption>\n</figure>\n",
        esc(&period_name(s)),
        esc(&t.name),
        esc(&t.severity),
        esc(&t.long),
        esc(&t.short),
        esc(&t.factor_text),
        esc(&t.for_),
        esc(&duration(s.step as f64)),
        s.burn_at(&t.long).map_or("no value".into(), times),
        esc(&t.long),
        s.burn_at(&t.short).map_or("no value".into(), times),
        esc(&t.short),
    );
}

fn total(spans: &[Span]) -> f64 {
    spans.iter().map(|s| (s.end - s.start) as f64).sum()
}

fn alert_rows(s: &SloReport) -> Vec<(Row, String)> {
    let mut rows = Vec::new();
    for t in &s.tiers {
        let key = format!("alert_tier=\"{}\"", t.name);
        let mut fired: Vec<Span> = s
            .alerts
            .iter()
            .filter(|a| a.detail == key)
            .flat_map(|a| a.spans.clone())
            .collect();
        fired.sort_by_key(|x| (x.start, x.end));
        rows.push((
            Row {
                label: format!("{}: alert firing", t.name),
                class: "fired",
                spans: fired,
            },
            "recorded by Prometheus".to_string(),
        ));
        rows.push((
            Row {
                label: format!("{}: condition held", t.name),
                class: "held",
                spans: t.condition.clone(),
            },
            "computed from burn rates".to_string(),
        ));
    }
    for a in &s.alerts {
        if a.detail.starts_with("alert_tier=")
            && s.tiers
                .iter()
                .any(|t| a.detail == format!("alert_tier=\"{}\"", t.name))
        {
            continue;
        }
        let label = match a
            .detail
            .strip_prefix("budget_stage=\"")
            .and_then(|d| d.strip_suffix('"'))
        {
            Some("exhausted") => "budget exhausted".to_string(),
            Some(stage) => format!("budget below {stage} %"),
            None if a.detail.is_empty() => a.alertname.clone(),
            None => format!("{} {}", a.alertname, a.detail),
        };
        rows.push((
            Row {
                label: format!("{label}: alert firing"),
                class: "other",
                spans: a.spans.clone(),
            },
            format!("{}, recorded by Prometheus", a.alertname),
        ));
    }
    rows
}

fn history(out: &mut String, s: &SloReport) {
    out.push_str("<h3>Alert history</h3>\n<figure>\n");
    legend(
        out,
        &[
            ("fired", "alert firing, as Prometheus recorded it"),
            ("held", "tier condition held, computed from burn rates"),
            ("other", "other alerts of this SLO"),
        ],
    );
    let rows = alert_rows(s);
    let only_rows: Vec<Row> = rows
        .iter()
        .map(|(r, _)| Row {
            label: r.label.clone(),
            class: r.class,
            spans: r.spans.clone(),
        })
        .collect();
    out.push_str(&svg::timeline(s, &only_rows));
    out.push_str(
        "<figcaption>Dark bars: the alert was firing, as Prometheus recorded it in its <code>ALERTS</code> series. \
         Prometheus writes that series only while it evaluates the alerting rules itself, so there are no dark bars \
         for backfilled or imported data or for times before the rules were loaded. \
         Light bars: the times each tier's condition held — both burn rates above the threshold — computed for this \
         report from the burn-rate series at every rule evaluation; the alert fires once the condition has held for \
         the tier's waiting time, so a light bar shorter than that waiting time pages nobody.</figcaption>\n</figure>\n",
    );
    out.push_str(
        "<table><caption>Alert tiers</caption><thead><tr><th scope=\"col\">Tier</th><th scope=\"col\">Severity</th>\
         <th scope=\"col\">Windows</th><th scope=\"col\">Threshold</th><th scope=\"col\">Waits</th>\
         <th scope=\"col\">Burn now (long / short)</th><th scope=\"col\">Condition held</th><th scope=\"col\">Alert firing</th></tr></thead><tbody>\n",
    );
    for t in &s.tiers {
        let key = format!("alert_tier=\"{}\"", t.name);
        let fired: Vec<Span> = s
            .alerts
            .iter()
            .filter(|a| a.detail == key)
            .flat_map(|a| a.spans.clone())
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{} and {}</td><td class=\"n\">{}×</td><td>{}</td><td class=\"n\">{} / {}</td>\
             <td class=\"n\">{} times, {}</td><td class=\"n\">{} times, {}</td></tr>",
            esc(&t.name),
            esc(&t.severity),
            esc(&t.long),
            esc(&t.short),
            esc(&t.factor_text),
            esc(&t.for_),
            s.burn_at(&t.long).map_or("—".into(), times),
            s.burn_at(&t.short).map_or("—".into(), times),
            t.condition.len(),
            esc(&duration(total(&t.condition))),
            fired.len(),
            esc(&duration(total(&fired)))
        );
    }
    out.push_str("</tbody></table>\n");
    let mut events: Vec<(i64, i64, bool, String, String)> = Vec::new();
    for (r, kind) in &rows {
        for sp in &r.spans {
            events.push((sp.start, sp.end, sp.open, r.label.clone(), kind.clone()));
        }
    }
    events.sort();
    if events.is_empty() {
        out.push_str("<p>No alert fired and no tier's condition held in this range.</p>\n");
        return;
    }
    let shown = events.len().min(100);
    let _ = writeln!(
        out,
        "<table><caption>Alert history ({}{})</caption><thead><tr><th scope=\"col\">What</th><th scope=\"col\">From</th>\
         <th scope=\"col\">To</th><th scope=\"col\">For</th></tr></thead><tbody>",
        events.len(),
        if shown < events.len() {
            ", the first 100 shown"
        } else {
            ""
        }
    );
    for (start, end, open, label, kind) in events.iter().take(shown) {
        let _ = writeln!(
            out,
            "<tr><td>{} <span class=\"meta\">({})</span></td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(label),
            esc(kind),
            esc(&date_time(*start, &s.zone)),
            if *open {
                "still at the report time".to_string()
            } else {
                esc(&date_time(*end, &s.zone))
            },
            esc(&duration((end - start) as f64))
        );
    }
    out.push_str("</tbody></table>\n");
}
