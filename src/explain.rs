//! `sloforge explain`: what each SLO's alerts will do, in plain numbers (SRE Workbook, ch. 5).
//!
//! The figures are computed in [`crate::compile::facts`]; this module prints them.

use std::fmt::Write as _;

pub use crate::compile::facts::{
    NoDataExplanation, SloExplanation, StageExplanation, TierExplanation, explain, human_seconds,
};
use crate::model::Decimal;

fn num(x: f64) -> String {
    Decimal::from_f64(x).map_or_else(|| x.to_string(), |d| d.to_string())
}

/// The text report: one block per SLO.
pub fn render_text(slos: &[SloExplanation]) -> String {
    let mut out = String::new();
    for (i, s) in slos.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{}/{}", s.service, s.slo);
        if !s.description.is_empty() {
            let _ = write!(out, ": {}", s.description);
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "  objective {}% over {}: error budget {} = {} min of total outage; rules evaluated every {}",
            num(s.objective),
            s.window,
            num(s.error_budget),
            num(s.error_budget_minutes),
            s.evaluation_interval
        );
        let _ = writeln!(
            out,
            "  the budget counts against the whole {}, from the first evaluation on: a minute of total outage spends {}% of it (while less than {} is covered, the events expected over it are those seen so far, scaled up)",
            s.window,
            num((s.outage_minute_budget_percent * 100.0).round() / 100.0),
            s.window
        );
        if let Some(c) = &s.calendar {
            let _ = writeln!(
                out,
                "  calendar window: one budget per {c}, reset at 00:00 at the period's start in that zone (daylight saving followed); the burn-rate tiers keep the windows of the {} nominal length; the period's budget is counted from the hourly records, so it lags by up to an hour, and its young-period share scales the events seen so far to the whole period",
                s.window
            );
        }
        if !s.exclusions.is_empty() {
            let _ = writeln!(
                out,
                "  planned maintenance ({}): events in these windows are not recorded, so they count in no window and no budget, and no alert sees them",
                s.exclusions.join(", ")
            );
        }
        if !s.muting_exclusions.is_empty() {
            let _ = writeln!(
                out,
                "  alerts muted in Alertmanager during {} (`mute_alerts`): the generated routes of its alerts carry them in `mute_time_intervals`; the audit receivers still get a copy",
                s.muting_exclusions.join(", ")
            );
        }
        if let Some(g) = &s.groups {
            let _ = writeln!(
                out,
                "  one SLO per group by {}: each group has its own windows (its own traffic), budget and alerts, named by its labels; more than {} groups fire {} ({}) after {}",
                g.group_by.join(", "),
                g.max_groups,
                g.guard_alert,
                g.guard_severity,
                crate::model::Duration::from_millis(g.guard_for_seconds * 1000)
            );
        }
        if s.min_events > 0 {
            let _ = writeln!(
                out,
                "  alerts need at least {} events over their long window{}",
                s.min_events,
                if s.groups.is_some() {
                    " (in their group)"
                } else {
                    ""
                }
            );
        }
        for n in &s.no_data {
            let what = if n.missing == crate::names::label::NO_DATA_BUCKET {
                "the threshold's bucket is absent while `_count` is present"
            } else {
                "the SLI's total series give nothing"
            };
            let _ = writeln!(
                out,
                "  no data: {} ({}) fires after {} in which {what}",
                n.alert,
                n.severity,
                human_seconds(n.for_seconds as f64)
            );
        }
        if !s.budget_stages.is_empty() {
            let stages: Vec<String> = s
                .budget_stages
                .iter()
                .map(|b| {
                    if b.remaining_below_percent == 0.0 {
                        format!("exhausted ({})", b.severity)
                    } else {
                        format!("< {}% ({})", num(b.remaining_below_percent), b.severity)
                    }
                })
                .collect();
            let _ = writeln!(out, "  budget stages: {}", stages.join(", "));
        }
        if s.tiers.is_empty() {
            out.push_str("  no burn-rate alert tiers\n");
            continue;
        }
        let header = [
            "tier",
            "severity",
            "windows",
            "burn",
            "error ratio",
            "budget spent",
            "detect 100%",
            "detect 2x",
            "exhausts in",
            "for",
            "resets within",
        ];
        let rows: Vec<[String; 11]> = s
            .tiers
            .iter()
            .map(|t| {
                [
                    t.tier.clone(),
                    t.severity.clone(),
                    format!("{}/{}", t.long_window, t.short_window),
                    format!("{}x", num(t.burn_rate)),
                    num(t.error_ratio_threshold),
                    format!("{}%", num(t.budget_spent_percent)),
                    t.detection_total_outage_seconds
                        .map_or_else(|| "never".into(), human_seconds),
                    t.detection_twice_factor_seconds
                        .map_or_else(|| "never".into(), human_seconds),
                    human_seconds(t.exhaustion_seconds),
                    for_text(t.for_seconds),
                    human_seconds(t.reset_seconds as f64),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut l = String::from("  ");
            for (i, (c, w)) in cells.iter().zip(widths.iter()).enumerate() {
                if i + 1 == cells.len() {
                    l.push_str(c);
                } else {
                    let _ = write!(l, "{c:<w$}  ");
                }
            }
            l.trim_end().to_string() + "\n"
        };
        out.push('\n');
        out.push_str(&line(header.to_vec()));
        for r in &rows {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
        }
        let for_changed: Vec<String> = s
            .tiers
            .iter()
            .filter(|t| t.for_seconds != t.policy_for_seconds)
            .map(|t| format!("{} {}", t.tier, for_text(t.policy_for_seconds)))
            .collect();
        if !for_changed.is_empty() {
            let _ = writeln!(
                out,
                "  (for: {}; the native defaults are {})",
                if s.format == "sloth" {
                    "as in Sloth, none unless its alert_for plugin sets one"
                } else {
                    "as the spec sets it"
                },
                for_changed.join(", ")
            );
        }
        if s.tiers.iter().any(|t| t.keep_firing_for_seconds > 0) {
            out.push_str("  (resets within: short window + base window + one evaluation + keep_firing_for)\n");
        }
        for t in s
            .tiers
            .iter()
            .filter(|t| t.detection_total_outage_seconds.is_none())
        {
            let _ = writeln!(
                out,
                "  {} can never fire: even a total outage stays under its error-ratio threshold {}",
                t.tier,
                num(t.error_ratio_threshold)
            );
        }
    }
    out
}

/// A `for` in the table: `-` for none.
fn for_text(seconds: u64) -> String {
    if seconds == 0 {
        "-".into()
    } else {
        human_seconds(seconds as f64)
    }
}
