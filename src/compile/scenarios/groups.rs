//! Scenarios of a grouped SLO (`group_by`): two groups of the same series, told apart by their
//! group labels. A total outage in one group pages that group alone, with its labels, while
//! the other (clean) stays silent; with `min_events`, a group whose outage holds fewer events
//! than that never pages, even pending, while a busy group's outage at the same time does.
//!
//! Every rule aggregates per group, so each group runs exactly as an SLO of its own: the
//! model simulates each group's series alone.

use std::collections::BTreeMap;

use promql_parser::parser::{self, Expr};

use super::ctx::{Ctx, Run, firing_sample};
use super::series::{input_series, volume};
use super::sim::{self, Frac, Phase, Recorded, TierModel};
use super::synth::Synthetic;
use super::{ExpSample, ExprTest, InputSeries, TestGroup};
use crate::names::{self, alert_label};
use crate::syntax::promql;

/// The most groups the too-many-groups scenario writes series for (`max_groups` + 1).
const MAX_GUARD_GROUPS: u64 = 100;

/// The label values of the two groups of a scenario.
const GROUP_VALUES: [&str; 2] = ["a", "b"];

impl Ctx<'_> {
    /// The group labels of the scenarios' group `i` (0 or 1).
    fn group_of(&self, i: usize) -> Vec<(String, String)> {
        self.slo
            .group_labels()
            .iter()
            .map(|l| (l.clone(), GROUP_VALUES[i].to_string()))
            .collect()
    }

    /// The scenarios of a grouped SLO, or why there are none.
    pub(super) fn groups(&self, s: &Synthetic) -> Vec<Result<(TestGroup, Vec<String>), String>> {
        if self.slo.grouping.is_none() {
            return Vec::new();
        }
        if let Some(l) = self.slo.group_labels().iter().find(|l| {
            s.series
                .iter()
                .any(|spec| labelled(&spec.text, &[]).is_none_or(|m| m.contains_key(*l)))
        }) {
            return vec![Err(format!(
                "no group scenarios: the SLI's selectors fix the group label `{l}`"
            ))];
        }
        let mut out = vec![self.one_group_outage(s).ok_or_else(|| {
            "no group scenario: no tier fires on a total outage without a tie".to_string()
        })];
        out.push(self.too_many_groups(s).ok_or_else(|| {
            "no too-many-groups scenario: max_groups is above what one test holds".to_string()
        }));
        if self.slo.min_events > 0 {
            out.push(self.quiet_group(s).ok_or_else(|| {
                format!(
                    "no min_events group scenario: no outage of fewer than {} events would fire a tier without the guard",
                    self.slo.min_events
                )
            }));
        }
        out
    }

    /// Group `a` in total outage after a clean long window of the fastest tier.
    fn group_outage_run(&self, s: &Synthetic) -> Option<(usize, usize, Run)> {
        let lead_i = self.fastest(true).or_else(|| self.fastest(false))?;
        let lead = &self.tiers[lead_i];
        (0..4).find_map(|extra| {
            let clean = self.round_up(lead.model.long_ms) + extra * self.step;
            let start = self.warm + clean;
            let trip = (lead.threshold.to_f64() * lead.model.long_ms as f64).ceil() as u64;
            let end = (start
                + self.round_up(trip + lead.model.for_ms + lead.model.short_ms)
                + 4 * self.step)
                .min(self.hard_max);
            if end <= start + self.step {
                return None;
            }
            let run = self.simulate(
                s,
                self.timeline(&[
                    (clean, Phase::Traffic(Frac::ZERO)),
                    (end - start, Phase::Traffic(Frac::ONE)),
                ]),
            )?;
            if run.ambiguous() {
                return None;
            }
            run.tiers[lead_i].first_firing(self.steps(start))?;
            Some((lead_i, self.steps(start), run))
        })
    }

    fn one_group_outage(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
        let (lead_i, k0, run) = self.group_outage_run(s)?;
        let fire = run.tiers[lead_i].first_firing(k0)?;
        let (a, b) = (self.group_of(0), self.group_of(1));
        let clean = self.timeline(&[(
            run.timeline.end_ms() - self.warm,
            Phase::Traffic(Frac::ZERO),
        )]);
        let b_series = input_series(s, &clean, run.volume, self.windows.span_ms);
        let lead = &self.tiers[lead_i];
        let name = format!(
            "{}: groups: a total outage from {} in group {} fires {} for that group alone at {}; group {} stays silent",
            self.slo.name,
            self.at(k0),
            show(&a),
            lead.name(),
            self.at(fire),
            show(&b),
        );
        let notes = vec![format!(
            "groups: a total outage in group {} pages it ({} at {}, with its labels); group {}, clean, never has a burn alert",
            show(&a),
            lead.name(),
            self.at(fire),
            show(&b)
        )];
        self.two_groups(s, &run, fire, b_series, name, notes)
    }

    /// Group `a` as in [`Self::one_group_outage`]; group `b` in total outage at the same time
    /// with fewer events than `min_events` in any long window: never pending, where without
    /// the guard it would fire.
    fn quiet_group(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
        let (lead_i, k0, run) = self.group_outage_run(s)?;
        let fire = run.tiers[lead_i].first_firing(k0)?;
        let (a, b) = (self.group_of(0), self.group_of(1));
        let start_abs = k0 as u64 * self.step;
        let outage_ms = run.timeline.end_ms().saturating_sub(start_abs);
        // One event per scrape: fewer than `min_events` over the burst.
        let scrapes = (self.slo.min_events - 1).min(outage_ms / self.scrape);
        let burst = scrapes * self.scrape / self.step * self.step;
        if burst == 0 {
            return None;
        }
        let tl = self.timeline(&[
            (start_abs - self.warm, Phase::Idle),
            (burst, Phase::Traffic(Frac::ONE)),
            (outage_ms - burst, Phase::Idle),
        ]);
        let rec = Recorded::compute(&tl, s.reading, 1, self.windows)?;
        let guarded = self
            .tiers
            .iter()
            .map(|t| sim::run_tier(&rec, &t.model))
            .collect::<Vec<_>>();
        if guarded
            .iter()
            .any(|r| r.ambiguous || r.active.iter().any(|x| *x))
        {
            return None;
        }
        let unguarded = self.tiers.iter().any(|t| {
            let model = TierModel {
                min_events: 0,
                ..t.model.clone()
            };
            let r = sim::run_tier(&rec, &model);
            !r.ambiguous && r.ever_fires()
        });
        if !unguarded {
            return None;
        }
        let b_series = input_series(s, &tl, 1, self.windows.span_ms);
        let name = format!(
            "{}: groups: group {} with {} failed events (min_events {}) never has a burn alert while group {}'s outage fires {} at {}",
            self.slo.name,
            show(&b),
            burst / self.scrape,
            self.slo.min_events,
            show(&a),
            self.tiers[lead_i].name(),
            self.at(fire),
        );
        let notes = vec![format!(
            "groups: group {} fails all of its {} events from {} (below min_events {}, which alone would fire a tier): no burn alert, even pending, while group {} pages",
            show(&b),
            burst / self.scrape,
            self.at(k0),
            self.slo.min_events,
            show(&a)
        )];
        self.two_groups(s, &run, fire, b_series, name, notes)
    }

    /// One group more than `max_groups`, all with clean traffic: the guard alert is silent
    /// before its `for` and fires after it, with exactly its labels.
    fn too_many_groups(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
        let grouping = self.slo.grouping.as_ref()?;
        if grouping.max_groups > MAX_GUARD_GROUPS {
            return None;
        }
        let guard = &grouping.guard;
        let n = grouping.max_groups + 1;
        let span = self.round_up(guard.for_.as_millis()) + 4 * self.step;
        let tl = self.timeline(&[(span, Phase::Traffic(Frac::ZERO))]);
        let volume = volume(&tl, self.step / self.scrape, self.slo.min_events)?;
        let base = input_series(s, &tl, volume, self.windows.span_ms);
        let mut series = Vec::new();
        for i in 0..n {
            let g: Vec<(String, String)> = self
                .slo
                .group_labels()
                .iter()
                .map(|l| (l.clone(), format!("g{i}")))
                .collect();
            series.extend(with_group(base.clone(), &g)?);
        }
        let sel = promql::selector(
            names::ALERTS,
            [
                (alert_label::ALERTNAME, guard.alert_name.as_str()),
                (alert_label::ALERTSTATE, alert_label::FIRING),
            ],
        );
        let last = self.steps(tl.end_ms()) - 1;
        // Pending at the earliest from the second evaluation (the first records the totals it
        // counts), so never firing before `for` has passed; pending by the second evaluation
        // after the warm-up at the latest, so firing before the end.
        let before = self.steps(guard.for_.as_millis()).max(1);
        let checks = vec![
            ExprTest {
                expr: sel.clone(),
                eval_time: self.at(before),
                exp_samples: Vec::new(),
            },
            ExprTest {
                expr: sel,
                eval_time: self.at(last),
                exp_samples: vec![firing_sample(&guard.alert_name, &guard.labels)],
            },
        ];
        let name = format!(
            "{}: groups: {n} groups (max_groups {}) fire {} after its `for` ({}), not before",
            self.slo.name, grouping.max_groups, guard.alert_name, guard.for_
        );
        let notes = vec![format!(
            "groups: {n} groups, one more than max_groups: {} is silent at {} and fires by {}",
            guard.alert_name,
            self.at(before),
            self.at(last)
        )];
        Some((self.test_group(name, series, checks), notes))
    }

    /// The test of group `a` running `run` (its burn alerts firing at `fire` and at the end,
    /// exactly, with its labels) beside group `b` with the series `b_series` (no burn alert).
    fn two_groups(
        &self,
        s: &Synthetic,
        run: &Run,
        fire: usize,
        b_series: Vec<InputSeries>,
        name: String,
        notes: Vec<String>,
    ) -> Option<(TestGroup, Vec<String>)> {
        let (a, b) = (self.group_of(0), self.group_of(1));
        let a_series = input_series(s, &run.timeline, run.volume, self.windows.span_ms);
        let mut series = with_group(a_series, &a)?;
        series.extend(with_group(b_series, &b)?);
        let last = run.last();
        let mut checks: Vec<ExprTest> = [fire, last]
            .iter()
            .map(|k| self.group_firing_check(run, *k, &a))
            .collect();
        checks.push(self.group_silent_check(&b, last));
        Some((self.test_group(name, series, checks), notes))
    }

    /// The burn alerts firing at evaluation `k` of `run`, all of group `g`.
    fn group_firing_check(&self, run: &Run, k: usize, g: &[(String, String)]) -> ExprTest {
        let mut t = self.firing_check(run, k);
        for e in &mut t.exp_samples {
            *e = ExpSample {
                labels: add_labels(&e.labels, g),
                value: e.value,
            };
        }
        t
    }

    /// No burn alert of the SLO, in any state, carries group `g`'s labels up to evaluation
    /// `k`. (Budget-stage alerts are not held back by `min_events`: a group's failed events
    /// spend its budget however few they are.)
    fn group_silent_check(&self, g: &[(String, String)], k: usize) -> ExprTest {
        let extra: Vec<(&str, &str)> = g.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sel = self.alerts_selector(&extra);
        ExprTest {
            expr: format!("count_over_time({sel}[{}])", self.at(k.max(1))),
            eval_time: self.at(k),
            exp_samples: Vec::new(),
        }
    }
}

/// `name=value, …` of a group.
fn show(g: &[(String, String)]) -> String {
    g.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The labels of a series written as a selector with equality matchers only (`extra` added).
fn labelled(text: &str, extra: &[(String, String)]) -> Option<BTreeMap<String, String>> {
    let Ok(Expr::VectorSelector(vs)) = parser::parse(text) else {
        return None;
    };
    let mut out = BTreeMap::new();
    for m in &vs.matchers.matchers {
        out.insert(m.name.clone(), m.value.clone());
    }
    if let Some(n) = &vs.name {
        out.insert("__name__".into(), n.clone());
    }
    out.extend(extra.iter().cloned());
    Some(out)
}

fn add_labels(text: &str, extra: &[(String, String)]) -> String {
    labelled(text, extra).map_or_else(|| text.to_string(), |l| selector_of(&l))
}

fn selector_of(l: &BTreeMap<String, String>) -> String {
    let name = l.get("__name__").map_or("", String::as_str);
    promql::selector(
        name,
        l.iter()
            .filter(|(k, _)| *k != "__name__")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// `series` with the group's labels added.
fn with_group(series: Vec<InputSeries>, g: &[(String, String)]) -> Option<Vec<InputSeries>> {
    series
        .into_iter()
        .map(|s| {
            let l = labelled(&s.series, g)?;
            Some(InputSeries {
                series: selector_of(&l),
                values: s.values,
            })
        })
        .collect()
}
