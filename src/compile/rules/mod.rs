//! Prometheus rules of one SLO.
//!
//! Every rule reads raw series or what earlier evaluations wrote, never a sample written in the
//! same evaluation nor its own output, so the same rules hold on Prometheus 2 and 3 and on the
//! rulers that write asynchronously or run in pairs (vmalert, Thanos Ruler, Mimir and Cortex).
//!
//! Shape (a ratio SLO with the four Workbook tiers and a 30d window):
//! 1. `slo:sli_events:rate<base>`: the only rule reading raw series, at two instants (now and
//!    one base window ago): per-second increases of errors and of all events
//!    (`event="errors"|"total"`) since the previous evaluation. Errors are `0` when their
//!    series are absent (nothing failed yet); total is absent when its series are (no data is
//!    not zero traffic), and so are a latency SLI's errors without the threshold's bucket.
//!    A native histogram is read the same way: its `histogram_count` and its count at or below
//!    the threshold (`histogram_fraction(-Inf, le, h)` × count), at the same two instants.
//! 2. `slo:sli_error:ratio`: one series per `window` (every alert window and the SLO window),
//!    Σerrors/Σtotal over the window that ends at the previous evaluation. Windows up to the
//!    fine limit (3d at 1m) sum the recorded rates of the evaluations in it (`sum_over_time(…
//!    offset <interval>)`); longer ones average the coarse rates. Traffic-weighted by
//!    construction (counts, never averaged ratios), `0` on zero traffic.
//! 3. `slo:burn_rate:ratio`: ratio / budget, per `window`.
//! 4. `slo:objective:ratio`, `slo:error_budget:ratio`, `slo:error_budget_remaining:ratio`:
//!    errors against the budget of the whole SLO window. Until the rules have run for a whole
//!    window, the events expected over it are the events seen so far scaled from the time
//!    covered to the window's length (the window's ratio times the share covered), so a bad
//!    first minute spends a minute's share of the budget, not all of it. A full window gives
//!    the window's ratio over the budget.
//! 5. one alert per tier: long and short window both above the burn rate; budget-stage alerts;
//!    no-data alerts: no total recorded (the SLI's series absent), and for a latency SLI a
//!    total without errors (the threshold's bucket absent while `_count` is present).
//!
//! Only when some window is longer than the fine limit, a second group with the coarse
//! interval (1h at 1m) records `slo:sli_events:rate<coarse>`: the mean of the recorded rates
//! over the coarse step that ends at its previous evaluation interval; and, when the SLO window
//! is one of those windows, `slo:sli_coverage:ratio<coarse>`: the share of that step in which
//! the rates were recorded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

mod calendar;
mod events;

use crate::model::{Counter, Duration, NoDataKind, Settings, Sli, Slo};
use crate::names::{self, label};
use crate::syntax::promql::selector;

pub use events::latency_series;
use events::{Groups, concat, event_exprs, or_zero};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    pub interval: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Rule {
    Record(RecordingRule),
    Alert(AlertingRule),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordingRule {
    pub record: String,
    pub expr: String,
    /// Shared by every recording rule of an SLO.
    pub labels: Arc<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertingRule {
    pub alert: String,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<String>,
    pub labels: Arc<BTreeMap<String, String>>,
    pub annotations: Arc<BTreeMap<String, String>>,
}

fn identity(slo: &Slo) -> [(&'static str, &str); 2] {
    [
        (label::SERVICE, slo.service.as_str()),
        (label::SLO, slo.name.as_str()),
    ]
}

fn sel(metric: &str, slo: &Slo, extra: &[(&'static str, &str)]) -> String {
    selector(
        metric,
        identity(slo).into_iter().chain(extra.iter().copied()),
    )
}

fn dur(d: Duration) -> Option<String> {
    (d.as_millis() > 0).then(|| d.to_string())
}

/// Seconds of a duration as a PromQL number (`86400`, `0.5`).
fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
            .trim_end_matches('0')
            .to_string()
    }
}

/// The rule groups of one SLO: its group, and its coarse group when a window needs one.
pub fn slo_groups(slo: &Slo, settings: &Settings) -> Vec<RuleGroup> {
    let mut groups = vec![slo_group(slo, settings)];
    groups.extend(coarse_group(slo, settings));
    groups
}

/// The label `name="value"` on every alerting rule of `group` that does not set `name` itself.
pub fn label_alerts(group: &mut RuleGroup, name: &str, value: &str) {
    for r in &mut group.rules {
        if let Rule::Alert(a) = r
            && !a.labels.contains_key(name)
        {
            Arc::make_mut(&mut a.labels).insert(name.to_string(), value.to_string());
        }
    }
}

/// Whether window `w` averages the coarse rates rather than summing the recorded ones.
fn is_coarse(w: Duration, settings: &Settings) -> bool {
    w > settings.fine_limit()
}

/// The coarse group: the mean of the recorded base-window rates over each coarse step, at the
/// coarse interval. Only when some window is longer than the fine limit.
fn coarse_group(slo: &Slo, settings: &Settings) -> Option<RuleGroup> {
    if !slo.has_coarse_group(settings) {
        return None;
    }
    let step = settings.coarse_step();
    let base = settings.base_window.to_string();
    let events = sel(&names::events_record(&base), slo, &[]);
    let per_step = crate::model::COARSE_EVALUATIONS;
    let (range, offset) = (settings.window_range(step), settings.evaluation_interval);
    let total = sel(
        &names::events_record(&base),
        slo,
        &[(label::EVENT, label::EVENT_TOTAL)],
    );
    // Both rates only for a step that recorded a total: errors alone (recorded as 0 while the
    // SLI had no data) would weigh in the windows' mean of the error rates and not in the
    // totals', and bias the ratio.
    let g = Groups {
        labels: slo.group_labels(),
    };
    let expr = format!(
        "sum_over_time({events}[{range}] offset {offset}) / {per_step} and {} count_over_time({total}[{range}] offset {offset})",
        g.on()
    );
    let mut rules = vec![Rule::Record(RecordingRule {
        record: names::coarse_record(&step.to_string(), &base),
        expr,
        labels: Arc::clone(&slo.labels),
    })];
    // A calendar SLO's coverage is per period, as its rates are.
    let mut by_period = slo.group_labels().to_vec();
    if slo.calendar.is_some() {
        by_period.push(label::PERIOD.to_string());
    }
    let gp = Groups { labels: &by_period };
    if is_coarse(slo.window, settings) {
        rules.push(Rule::Record(RecordingRule {
            record: names::coverage_record(&step.to_string()),
            expr: format!(
                "{} / {per_step}",
                gp.sum(&format!(
                    "count_over_time({total}[{range}] offset {offset})"
                ))
            ),
            labels: Arc::clone(&slo.labels),
        }));
    }
    Some(RuleGroup {
        name: names::coarse_group(&slo.service, &slo.name, &step.to_string()),
        interval: step.to_string(),
        rules,
    })
}

/// The share of the SLO window the rules have covered at the previous evaluation, in [0, 1]
/// (label-free): for a window up to the fine limit, the recorded rates in it over the
/// evaluations it holds; for a longer one, the coverage of the coarse steps in it over the
/// coarse steps it holds. The coarse sum is divided by the coarse records of the last coarse
/// step (at least 1): one where the coarse group runs at its own interval, one per evaluation
/// where every group runs at every evaluation (`promtool test rules`), so that the share is
/// the same either way.
///
/// Per group for a grouped SLO: a group whose series appeared later has a younger window.
fn covered(slo: &Slo, settings: &Settings) -> String {
    let g = Groups {
        labels: slo.group_labels(),
    };
    let w = slo.window;
    let step = settings.evaluation_interval;
    let evals = w.as_millis() / step.as_millis().max(1);
    let base = settings.base_window.to_string();
    if is_coarse(w, settings) {
        let cstep = settings.coarse_step();
        let cov = sel(&names::coverage_record(&cstep.to_string()), slo, &[]);
        let per_step = crate::model::COARSE_EVALUATIONS;
        if g.any() {
            return format!(
                "clamp_max({} / clamp_min({}, 1) * {per_step} / {evals}, 1)",
                g.sum(&format!(
                    "sum_over_time({cov}[{}] offset {step})",
                    settings.window_range(w)
                )),
                g.sum(&format!(
                    "count_over_time({cov}[{}] offset {step})",
                    settings.window_range(cstep)
                )),
            );
        }
        format!(
            "clamp_max((sum(sum_over_time({cov}[{}] offset {step})) or on() vector(0)) / clamp_min(sum(count_over_time({cov}[{}] offset {step})) or on() vector(0), 1) * {per_step} / {evals}, 1)",
            settings.window_range(w),
            settings.window_range(cstep),
        )
    } else {
        let total = sel(
            &names::events_record(&base),
            slo,
            &[(label::EVENT, label::EVENT_TOTAL)],
        );
        if g.any() {
            return format!(
                "clamp_max({} / {evals}, 1)",
                g.sum(&format!(
                    "count_over_time({total}[{}] offset {step})",
                    settings.window_range(w)
                ))
            );
        }
        format!(
            "clamp_max((sum(count_over_time({total}[{}] offset {step})) or on() vector(0)) / {evals}, 1)",
            settings.window_range(w)
        )
    }
}

/// The rule group of one SLO.
fn slo_group(slo: &Slo, settings: &Settings) -> RuleGroup {
    let base = settings.base_window;
    let events = names::events_record(&base.to_string());
    let coarse = names::coarse_record(&settings.coarse_step().to_string(), &base.to_string());
    let labels = Arc::clone(&slo.labels);
    let budget = slo.error_budget();
    let step = settings.evaluation_interval;
    let step_secs = seconds(step);
    let ev = label::EVENT;
    let mut rules = Vec::new();

    let g = Groups {
        labels: slo.group_labels(),
    };
    // The local time of the zones of a calendar and of exclusions, for the next evaluation.
    for zone in calendar::zones(slo) {
        let mut labels = (*slo.labels).clone();
        labels.insert(label::TIMEZONE.to_string(), zone.clone());
        rules.push(Rule::Record(RecordingRule {
            record: names::LOCAL_TIME.into(),
            expr: calendar::local_time_rule(&zone, base, step),
            labels: Arc::new(labels),
        }));
    }
    let (errors, total) = event_exprs(&slo.sli, base, settings.raw_range(), g);
    // Errors absent are none (nothing failed yet), except for a latency SLI, where they are
    // absent only without the threshold's bucket. Total absent stays absent: no data, which
    // the no-data alert watches, is not zero traffic. Per group: errors are 0 in every group
    // with a total.
    let errors = match &slo.sli {
        Sli::Latency { .. } => errors,
        Sli::Probe { .. }
        | Sli::Ratio {
            errors: Counter::Good(_),
            ..
        } if g.any() => errors,
        _ if g.any() => concat(&[&errors, " or 0 * ", &total]),
        _ => or_zero(&errors),
    };
    let mut base_expr = concat(&[
        "label_replace(",
        &errors,
        ", \"",
        ev,
        "\", \"",
        label::EVENT_ERRORS,
        "\", \"\", \"\") or label_replace(",
        &total,
        ", \"",
        ev,
        "\", \"",
        label::EVENT_TOTAL,
        "\", \"\", \"\")",
    ]);
    // Planned maintenance: nothing recorded, so its events count in no window or budget.
    let excluded = calendar::excluded(slo, base, step);
    if let Some(e) = &excluded {
        base_expr = format!("({base_expr}) unless on() ({e})");
    }
    // A calendar SLO's rates carry the period they were recorded in.
    if let Some(c) = &slo.calendar {
        base_expr = format!(
            "({base_expr}) * on() group_left({}) {}",
            label::PERIOD,
            calendar::period_info(slo, c, base, step)
        );
    }
    rules.push(Rule::Record(RecordingRule {
        record: events.clone(),
        expr: base_expr,
        labels: labels.clone(),
    }));

    let windows = slo.ratio_windows();
    let by_event = |metric: &str| {
        [
            sel(metric, slo, &[(ev, label::EVENT_ERRORS)]),
            sel(metric, slo, &[(ev, label::EVENT_TOTAL)]),
        ]
    };
    let (rate_sels, coarse_sels) = (by_event(&events), by_event(&coarse));
    // Events of one kind in window `w` ending at the previous evaluation, `(t-step-w, t-step]`:
    // what earlier evaluations wrote, on every engine. Up to the fine limit the sum of the
    // recorded rates (`scaled`: times the interval, in events); beyond it the mean of the coarse
    // rates (`scaled`: times the window). What follows the selector (`[range] offset step))`)
    // is the same for both kinds: it is written once per window.
    let tail = |w: Duration| format!("[{}] offset {step}))", settings.window_range(w));
    let sum_open = if g.any() {
        concat(&["sum by (", &g.list(), ") ("])
    } else {
        "sum(".to_string()
    };
    let count = |out: &mut String, k: usize, w: Duration, tail: &str, scaled: bool| {
        if is_coarse(w, settings) {
            out.push_str(&sum_open);
            out.push_str("avg_over_time(");
            out.push_str(&coarse_sels[k]);
            out.push_str(tail);
            if scaled {
                let _ = write!(out, " * {}", seconds(w));
            }
        } else {
            out.push_str(&sum_open);
            out.push_str("sum_over_time(");
            out.push_str(&rate_sels[k]);
            out.push_str(tail);
            if scaled {
                let _ = write!(out, " * {step_secs}");
            }
        }
    };
    let mut ratio = String::with_capacity(windows.len() * 2 * (rate_sels[0].len() + 80));
    for (i, w) in windows.iter().copied().enumerate() {
        let tail = tail(w);
        if i > 0 {
            ratio.push_str(" or ");
        }
        ratio.push_str("label_replace(");
        count(&mut ratio, 0, w, &tail, false);
        ratio.push_str(" / (");
        count(&mut ratio, 1, w, &tail, false);
        if g.any() {
            // Zero traffic in a group is a ratio of 0 for that group.
            ratio.push_str(" > 0) or 0 * ");
            count(&mut ratio, 1, w, &tail, false);
        } else {
            ratio.push_str(" > 0) or on() vector(0)");
        }
        let _ = write!(ratio, ", \"{}\", \"{w}\", \"\", \"\")", label::WINDOW);
    }
    if let Some(c) = &slo.calendar {
        ratio.push_str(" or ");
        calendar::period_ratio(&mut ratio, slo, settings, c);
    }
    rules.push(Rule::Record(RecordingRule {
        record: names::ERROR_RATIO.into(),
        expr: ratio,
        labels: labels.clone(),
    }));
    rules.push(Rule::Record(RecordingRule {
        record: names::BURN_RATE.into(),
        expr: format!("{} / {budget}", sel(names::ERROR_RATIO, slo, &[])),
        labels: labels.clone(),
    }));
    rules.push(Rule::Record(RecordingRule {
        record: names::OBJECTIVE.into(),
        expr: format!("vector({})", slo.objective_ratio()),
        labels: labels.clone(),
    }));
    rules.push(Rule::Record(RecordingRule {
        record: names::ERROR_BUDGET.into(),
        expr: format!("vector({budget})"),
        labels: labels.clone(),
    }));
    let full = slo.window_label();
    let covered = match &slo.calendar {
        Some(c) => calendar::period_covered(slo, settings, c),
        None => covered(slo, settings),
    };
    rules.push(Rule::Record(RecordingRule {
        record: names::BUDGET_REMAINING.into(),
        expr: format!(
            "1 - {} * {} group_left() {covered} / {budget}",
            sel(names::ERROR_RATIO, slo, &[(label::WINDOW, &full)]),
            g.on(),
        ),
        labels: labels.clone(),
    }));

    for a in &slo.alerts {
        let long = a.long_window.to_string();
        let short = a.short_window.to_string();
        let b = a.burn_rate.to_string();
        let mut expr = concat(&[
            &sel(names::BURN_RATE, slo, &[(label::WINDOW, &long)]),
            " > ",
            &b,
            " and ignoring(",
            label::WINDOW,
            ") ",
            &sel(names::BURN_RATE, slo, &[(label::WINDOW, &short)]),
            " > ",
            &b,
        ]);
        if slo.min_events > 0 {
            expr.push_str(" and ");
            expr.push_str(&g.on());
            expr.push(' ');
            count(&mut expr, 1, a.long_window, &tail(a.long_window), true);
            let _ = write!(expr, " >= {}", slo.min_events);
        }
        rules.push(Rule::Alert(AlertingRule {
            alert: a.alert_name.clone(),
            expr,
            for_: dur(a.for_),
            keep_firing_for: dur(a.keep_firing_for),
            labels: Arc::clone(&a.labels),
            annotations: Arc::clone(&a.annotations),
        }));
    }
    let remaining = sel(names::BUDGET_REMAINING, slo, &[]);
    for b in &slo.budget_alerts {
        let expr = if b.below.is_zero() {
            format!("{remaining} <= 0")
        } else {
            match b.floor {
                Some(f) if f.is_zero() => format!("{remaining} < {} and {remaining} > 0", b.below),
                Some(f) => format!("{remaining} < {} and {remaining} >= {f}", b.below),
                None => format!("{remaining} < {}", b.below),
            }
        };
        rules.push(Rule::Alert(AlertingRule {
            alert: b.alert_name.clone(),
            expr,
            for_: None,
            keep_firing_for: None,
            labels: Arc::clone(&b.labels),
            annotations: Arc::clone(&b.annotations),
        }));
    }
    // No data: nothing recorded at the previous evaluation (what earlier evaluations wrote,
    // as everywhere), for `for`. Label-free: the rule's labels are the SLO's.
    let last = settings.window_range(step);
    let recorded = |event: &'static str| {
        format!(
            "count_over_time({}[{last}] offset {step})",
            sel(&events, slo, &[(ev, event)])
        )
    };
    for n in &slo.no_data_alerts {
        let mut expr = match n.kind {
            NoDataKind::Events => format!("vector(1) unless on() {}", recorded(label::EVENT_TOTAL)),
            // Per group: one group's histogram may lack the bucket while the others have it.
            NoDataKind::ThresholdBucket if g.any() => format!(
                "{} unless {} {}",
                g.sum(&recorded(label::EVENT_TOTAL)),
                g.on(),
                g.sum(&recorded(label::EVENT_ERRORS))
            ),
            NoDataKind::ThresholdBucket => format!(
                "vector(1) and on() {} unless on() {}",
                recorded(label::EVENT_TOTAL),
                recorded(label::EVENT_ERRORS)
            ),
        };
        if let Some(e) = &excluded {
            // Nothing is recorded during planned maintenance, which is not missing data.
            let _ = write!(expr, " unless on() ({e})");
        }
        rules.push(Rule::Alert(AlertingRule {
            alert: n.alert_name.clone(),
            expr,
            for_: dur(n.for_),
            keep_firing_for: None,
            labels: Arc::clone(&n.labels),
            annotations: Arc::clone(&n.annotations),
        }));
    }
    if let Some(grouping) = &slo.grouping {
        let guard = &grouping.guard;
        rules.push(Rule::Alert(AlertingRule {
            alert: guard.alert_name.clone(),
            expr: format!(
                "count({}) > {}",
                recorded(label::EVENT_TOTAL),
                grouping.max_groups
            ),
            for_: dur(guard.for_),
            keep_firing_for: None,
            labels: Arc::clone(&guard.labels),
            annotations: Arc::clone(&guard.annotations),
        }));
    }
    RuleGroup {
        name: names::group(&slo.service, &slo.name),
        interval: settings.evaluation_interval.to_string(),
        rules,
    }
}
