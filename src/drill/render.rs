//! A drill as text: what was played, one line per event at the evaluations where something
//! changes (with the struck SLOs' remaining budget), and what the incident cost.

use std::fmt::Write as _;

use super::Drill;
use super::timeline::{Event, What};
use crate::names;

/// A ratio as a percentage with `places` decimals: `0.977 → 97.7%`.
fn pct_places(r: f64, places: i32) -> String {
    let scale = 10f64.powi(places);
    let v = (r * 100.0 * scale).round() / scale;
    // No `-0.0%`.
    let v = if v == 0.0 { 0.0 } else { v };
    format!("{v:.prec$}%", prec = usize::try_from(places).unwrap_or(0))
}

/// A ratio as a percentage with one decimal.
fn pct(r: f64) -> String {
    pct_places(r, 1)
}

fn short(receiver: &str) -> &str {
    receiver
        .strip_prefix(names::ALERTMANAGER_PREFIX)
        .unwrap_or(receiver)
}

fn describe(e: &Event, d: &Drill) -> String {
    let alert = e.alert.as_deref().unwrap_or("");
    let recv = || {
        e.receivers
            .iter()
            .map(|r| short(r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let muted = || {
        e.inhibited_by.as_ref().map_or_else(String::new, |i| {
            format!("inhibited by {} ({}): no one notified", i.alert, i.rule)
        })
    };
    let notified = |verb: &str| {
        if e.inhibited_by.is_some() {
            format!("{alert:<width$}{verb:<10}{}", muted(), width = d.width)
        } else if !d.routed {
            format!("{alert:<width$}{verb}", width = d.width)
        } else if e.receivers.is_empty() {
            format!("{alert:<width$}{verb:<10}no receiver", width = d.width)
        } else {
            format!("{alert:<width$}{verb:<10}→ {}", recv(), width = d.width)
        }
    };
    match e.what {
        What::ErrorsStart => "errors start".to_string(),
        What::ErrorsStop => "errors stop: clean traffic again".to_string(),
        What::Pending => format!("{alert:<width$}pending", width = d.width),
        What::Firing => notified("firing"),
        What::Inhibited => notified("inhibited"),
        What::Released => format!(
            "{alert:<width$}{:<10}→ {} (no longer inhibited)",
            "notifies",
            recv(),
            width = d.width
        ),
        What::Resolved => format!("{alert:<width$}resolved", width = d.width),
        What::Cleared => format!("{alert:<width$}cleared (never fired)", width = d.width),
    }
}

/// The drill as text.
pub(crate) fn text(d: &Drill) -> String {
    let mut out = String::new();
    let s = &d.scenario;
    let _ = writeln!(
        out,
        "drill {}: {} for {}",
        s.scenario, s.description, s.duration
    );
    let _ = writeln!(
        out,
        "{} of clean traffic before, {} after; {}'s rules evaluated every {} by promtool; times from the start of the errors",
        s.before, s.after, s.service, s.evaluation_interval
    );
    for n in &d.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out.push('\n');
    let budget_cell = |m: &super::timeline::Moment| -> String {
        let cells: Vec<String> = s
            .slos
            .iter()
            .filter_map(|slo| {
                let v = m.budget_remaining.get(slo)?;
                Some(if s.slos.len() == 1 {
                    pct(*v)
                } else {
                    format!("{slo} {}", pct(*v))
                })
            })
            .collect();
        cells.join(", ")
    };
    let rows: Vec<(String, String, Vec<String>)> = d
        .timeline
        .moments
        .iter()
        .map(|m| {
            let lines = if m.events.is_empty() {
                vec!["end of the drill".to_string()]
            } else {
                m.events.iter().map(|e| describe(e, d)).collect()
            };
            (m.at.clone(), budget_cell(m), lines)
        })
        .collect();
    let tw = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
    let bw = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max("budget left".len());
    let _ = writeln!(out, "  {:<tw$}  {:<bw$}  event", "time", "budget left");
    for (at, budget, lines) in &rows {
        for (i, l) in lines.iter().enumerate() {
            let (a, b) = if i == 0 {
                (at.as_str(), budget.as_str())
            } else {
                ("", "")
            };
            let _ = writeln!(out, "  {a:<tw$}  {b:<bw$}  {l}");
        }
    }
    out.push('\n');
    for b in &d.timeline.budgets {
        let _ = writeln!(
            out,
            "budget: {}/{} spent {} of its {} error budget ({} left before, {} after)",
            s.service,
            b.slo,
            pct_places(b.spent, 2),
            d.windows.get(&b.slo).map_or("", String::as_str),
            pct_places(b.before, 2),
            pct_places(b.after, 2)
        );
    }
    if d.timeline.active_at_end.is_empty() {
        let _ = writeln!(out, "every alert resolved by the end");
    } else {
        let active: Vec<String> = d
            .timeline
            .active_at_end
            .iter()
            .map(|a| format!("{} ({})", a.alert, a.state))
            .collect();
        let _ = writeln!(out, "still active at the end: {}", active.join(", "));
    }
    out
}
