//! What every scenario shares: an SLO's alert tiers as the model evaluates them, the context a
//! scenario is built in (evaluation interval, windows, history caps), simulated runs of the
//! rules, and the checks on Prometheus' `ALERTS` series that a run's expectations become.

use std::collections::BTreeMap;

use super::series::{input_series, volume};
use super::sim::{self, Phase, Recorded, TierModel, TierRun, Timeline};
use super::synth::Synthetic;
use super::{ExpSample, ExprTest, InputSeries, MAX_HISTORY_STEPS, TestGroup};
use crate::model::{BurnAlert, Decimal, Duration, Settings, SeverityKind, Slo};
use crate::names::{self, alert_label, label};
use crate::syntax::promql;

/// Evaluations a scenario runs when its input reads the same at every one of them.
pub(super) const QUIET_STEPS: u64 = 10;

pub(super) fn ms(d: u64) -> String {
    Duration::from_millis(d).to_string()
}

/// Human form rounded to the second (`52s`, `5h43m`), in milliseconds below a second.
pub(super) fn human(ms_: u64) -> String {
    if ms_ < 1000 {
        return Duration::from_millis(ms_).to_string();
    }
    Duration::from_millis((ms_ + 500) / 1000 * 1000).to_string()
}

/// Label values as Prometheus stores them: spec text written as Go-template literals reads back
/// as itself.
pub(super) fn expanded(v: &str) -> String {
    v.replace("{{ \"{{\" }}", "{{")
}

pub(super) struct Tier<'a> {
    pub(super) alert: &'a BurnAlert,
    pub(super) model: TierModel,
    pub(super) threshold: Decimal,
    /// The threshold is below a ratio of 1: a total outage can reach it.
    pub(super) reachable: bool,
}

impl Tier<'_> {
    pub(super) fn page(&self) -> bool {
        self.alert.severity_kind == SeverityKind::Page
    }
    pub(super) fn name(&self) -> &str {
        &self.alert.tier
    }
}

pub(super) struct Ctx<'a> {
    pub(super) slo: &'a Slo,
    pub(super) step: u64,
    pub(super) base: u64,
    /// How the rules read their windows.
    pub(super) windows: sim::Windows,
    pub(super) scrape: u64,
    /// Idle lead-in so that every rate window lies after the first sample.
    pub(super) warm: u64,
    pub(super) max_hist: u64,
    pub(super) hard_max: u64,
    pub(super) tiers: Vec<Tier<'a>>,
    pub(super) alertname: Option<String>,
}

/// One simulated run.
pub(super) struct Run {
    pub(super) timeline: Timeline,
    pub(super) volume: u64,
    pub(super) rec: Recorded,
    pub(super) tiers: Vec<TierRun>,
}

impl Run {
    pub(super) fn ambiguous(&self) -> bool {
        self.tiers.iter().any(|t| t.ambiguous)
    }
    pub(super) fn last(&self) -> usize {
        self.rec.steps() - 1
    }
}

pub(super) fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap_or(Decimal::ONE)
}

impl<'a> Ctx<'a> {
    pub(super) fn new(slo: &'a Slo, settings: &Settings, scrape: u64, max_hist: u64) -> Ctx<'a> {
        let step = settings.evaluation_interval.as_millis();
        let base = settings.base_window.as_millis();
        let range = settings.raw_span().as_millis();
        let windows = sim::Windows {
            step_ms: step,
            base_ms: base,
            span_ms: range,
            fine_ms: settings.fine_limit().as_millis(),
            coarse_evals: crate::model::COARSE_EVALUATIONS,
        };
        let warm = range.max(step).div_ceil(step) * step;
        let budget = slo.error_budget();
        let tiers: Vec<Tier> = slo
            .alerts
            .iter()
            .filter_map(|a| {
                let threshold = a.threshold(budget);
                let parts = sim::decimal_parts(threshold)?;
                Some(Tier {
                    alert: a,
                    model: TierModel {
                        long_ms: a.long_window.as_millis(),
                        short_ms: a.short_window.as_millis(),
                        threshold: parts,
                        for_ms: a.for_.as_millis(),
                        keep_firing_ms: a.keep_firing_for.as_millis(),
                        min_events: slo.min_events,
                    },
                    threshold,
                    reachable: threshold < Decimal::ONE,
                })
            })
            .collect();
        Ctx {
            slo,
            step,
            base,
            windows,
            scrape,
            warm,
            max_hist: max_hist.max(warm + step),
            hard_max: MAX_HISTORY_STEPS * step,
            tiers,
            alertname: slo.alerts.first().map(|a| a.alert_name.clone()),
        }
    }

    pub(super) fn steps(&self, ms_: u64) -> usize {
        usize::try_from(ms_ / self.step).unwrap_or(usize::MAX)
    }

    pub(super) fn at(&self, k: usize) -> String {
        ms(k as u64 * self.step)
    }

    pub(super) fn round_up(&self, ms_: u64) -> u64 {
        ms_.div_ceil(self.step) * self.step
    }

    /// A timeline: the warm-up, then `parts`.
    pub(super) fn timeline(&self, parts: &[(u64, Phase)]) -> Timeline {
        let mut tl = Timeline::new(self.scrape);
        tl.push(self.warm, Phase::Idle);
        for (d, p) in parts {
            tl.push(*d, *p);
        }
        tl
    }

    pub(super) fn simulate(&self, s: &Synthetic, tl: Timeline) -> Option<Run> {
        self.simulate_if(s, tl, 0, |_| true)
    }

    /// [`Ctx::simulate`], but `None` as soon as tier `i`'s run fails `keep` (the other tiers
    /// are then not simulated).
    pub(super) fn simulate_if(
        &self,
        s: &Synthetic,
        tl: Timeline,
        i: usize,
        keep: impl Fn(&TierRun) -> bool,
    ) -> Option<Run> {
        let volume = volume(&tl, self.step / self.scrape, self.slo.min_events)?;
        let rec = Recorded::compute(&tl, s.reading, volume, self.windows)?;
        let ith = self.tiers.get(i).map(|t| sim::run_tier(&rec, &t.model));
        if ith.as_ref().is_some_and(|r| !keep(r)) {
            return None;
        }
        let mut tiers: Vec<TierRun> = self
            .tiers
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, t)| sim::run_tier(&rec, &t.model))
            .collect();
        if let Some(r) = ith {
            tiers.insert(i, r);
        }
        Some(Run {
            timeline: tl,
            volume,
            rec,
            tiers,
        })
    }

    pub(super) fn identity(&self) -> [(&'static str, &str); 2] {
        [
            (label::SERVICE, self.slo.service.as_str()),
            (label::SLO, self.slo.name.as_str()),
        ]
    }

    pub(super) fn alerts_selector(&self, extra: &[(&str, &str)]) -> String {
        let mut m: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &self.alertname {
            m.push((alert_label::ALERTNAME, a));
        }
        m.extend(self.identity());
        m.extend(extra.iter().copied());
        promql::selector(names::ALERTS, m)
    }

    /// Labels of the firing `ALERTS` series of a tier.
    pub(super) fn alert_labels(&self, t: &Tier) -> BTreeMap<String, String> {
        let mut l: BTreeMap<String, String> = (*self.slo.labels).clone();
        l.insert(label::WINDOW.into(), t.alert.long_window.to_string());
        for (k, v) in t.alert.labels.iter() {
            l.insert(k.clone(), expanded(v));
        }
        l.insert(alert_label::ALERTNAME.into(), t.alert.alert_name.clone());
        l.insert(alert_label::ALERTSTATE.into(), alert_label::FIRING.into());
        l
    }

    /// The burn alerts firing at evaluation `k`, exactly.
    pub(super) fn firing_check(&self, run: &Run, k: usize) -> ExprTest {
        let mut exp = Vec::new();
        for (i, t) in self.tiers.iter().enumerate() {
            if run.tiers[i].firing[k] {
                let l = self.alert_labels(t);
                exp.push(ExpSample {
                    labels: promql::selector(
                        names::ALERTS,
                        l.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    ),
                    value: 1.0,
                });
            }
        }
        ExprTest {
            expr: self.alerts_selector(&[(alert_label::ALERTSTATE, alert_label::FIRING)]),
            eval_time: self.at(k),
            exp_samples: exp,
        }
    }

    /// None of `tiers` fired (or, with `any_state`, was even pending) from 0 to evaluation `k`.
    pub(super) fn never_check(&self, tiers: &[usize], k: usize, any_state: bool) -> ExprTest {
        let names: Vec<&str> = tiers.iter().map(|i| self.tiers[*i].name()).collect();
        let mut m: Vec<String> = Vec::new();
        if let Some(a) = &self.alertname {
            m.push(format!(
                "{}={}",
                alert_label::ALERTNAME,
                promql::string_literal(a)
            ));
        }
        for (k, v) in self.identity() {
            m.push(format!("{k}={}", promql::string_literal(v)));
        }
        m.push(format!(
            "{}=~{}",
            label::TIER,
            promql::string_literal(&names.join("|"))
        ));
        if !any_state {
            m.push(format!(
                "{}={}",
                alert_label::ALERTSTATE,
                promql::string_literal(alert_label::FIRING)
            ));
        }
        let sel = format!("{}{{{}}}", names::ALERTS, m.join(","));
        ExprTest {
            expr: format!("count_over_time({sel}[{}])", self.at(k.max(1))),
            eval_time: self.at(k),
            exp_samples: Vec::new(),
        }
    }

    pub(super) fn checks(&self, run: &Run, at: &mut Vec<usize>) -> Vec<ExprTest> {
        let last = run.last();
        at.retain(|k| *k <= last);
        at.sort_unstable();
        at.dedup();
        at.iter().map(|k| self.firing_check(run, *k)).collect()
    }

    /// A test group of `series`, scraped at the scenarios' interval, with `checks`.
    pub(super) fn test_group(
        &self,
        name: String,
        series: Vec<InputSeries>,
        checks: Vec<ExprTest>,
    ) -> TestGroup {
        TestGroup {
            name,
            interval: ms(self.scrape),
            input_series: series,
            promql_expr_test: checks,
        }
    }

    pub(super) fn group(
        &self,
        name: String,
        run: &Run,
        s: &Synthetic,
        checks: Vec<ExprTest>,
    ) -> TestGroup {
        TestGroup {
            name,
            interval: ms(self.scrape),
            input_series: input_series(s, &run.timeline, run.volume, self.windows.span_ms),
            promql_expr_test: checks,
        }
    }

    /// The fastest tier a total outage fires: the reachable page tier with the shortest long
    /// window, else any reachable tier.
    pub(super) fn fastest(&self, pages_only: bool) -> Option<usize> {
        (0..self.tiers.len())
            .filter(|i| self.tiers[*i].reachable && (!pages_only || self.tiers[*i].page()))
            .min_by_key(|i| {
                (
                    self.tiers[*i].model.long_ms,
                    std::cmp::Reverse(self.tiers[*i].alert.burn_rate),
                )
            })
    }
}

/// The `ALERTS` sample of alert `name` firing with the rule's `labels` (Go-template literals,
/// read back as Prometheus stores them) and nothing else: the labels of a label-free
/// expression's alert.
pub(super) fn firing_sample(name: &str, labels: &BTreeMap<String, String>) -> ExpSample {
    let mut l: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.clone(), expanded(v)))
        .collect();
    l.insert(alert_label::ALERTNAME.into(), name.to_string());
    l.insert(alert_label::ALERTSTATE.into(), alert_label::FIRING.into());
    ExpSample {
        labels: promql::selector(
            names::ALERTS,
            l.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ),
        value: 1.0,
    }
}

/// `x` rounded to `sig` significant digits.
pub(super) fn round_sig(x: Decimal, sig: u32) -> Option<Decimal> {
    let (m, s) = sim::decimal_parts(x)?;
    let digits = m.unsigned_abs().to_string().len() as u32;
    if digits <= sig {
        return Some(x);
    }
    let drop = digits - sig;
    Decimal::new(m, s).div_rounded(Decimal::ONE, s.saturating_sub(drop))
}

/// The Workbook's detection time of a tier for a constant error ratio: (threshold / error
/// ratio) × long window.
pub(super) fn workbook_detection_ms(t: &Tier, error_ratio: Decimal) -> Option<u64> {
    let share = t.threshold.div_rounded(error_ratio, 12)?;
    let ms_ = share.checked_mul(Decimal::from_int(i64::try_from(t.model.long_ms).ok()?))?;
    Some(ms_.to_f64().round() as u64)
}
