//! Scenarios of the no-data alerts: the SLI's series vanish after normal traffic, and a
//! histogram counts requests without the threshold's bucket. Each proves that the no-data
//! alert fires with the SLO's labels, that no burn alert is ever even pending, and that no
//! error ratio leaves 0 (a missing bucket is not every request failing).

use super::ctx::{Ctx, firing_sample, ms};
use super::series::{input_series, volume};
use super::synth::{Role, Synthetic};
use super::{ExprTest, TestGroup, sim::Frac, sim::Phase, sim::Reading};
use crate::model::{NoDataAlert, NoDataKind};
use crate::names::{self, alert_label, label};
use crate::syntax::promql;

/// Promtool's query lookback: an instant selector still returns a series this long after its
/// last sample, so the raw read sees a vanished series as flat (zero traffic) for that long.
const LOOKBACK_MS: u64 = 5 * 60_000;

impl Ctx<'_> {
    /// Every no-data scenario the SLO's alerts and SLI allow.
    pub(super) fn no_data(&self, s: &Synthetic) -> Vec<(TestGroup, Vec<String>)> {
        let counters_or_probes = matches!(
            s.reading,
            Reading::Counters { ratio: false, .. } | Reading::Probe
        );
        if !counters_or_probes {
            return Vec::new();
        }
        let mut out = Vec::new();
        for n in &self.slo.no_data_alerts {
            out.extend(match n.kind {
                NoDataKind::Events => self.series_vanish(s, n),
                NoDataKind::ThresholdBucket => self.bucket_missing(s, n),
            });
        }
        out
    }

    fn no_data_selector(&self, n: &NoDataAlert, firing: bool) -> String {
        let mut m: Vec<(&str, &str)> = vec![(alert_label::ALERTNAME, n.alert_name.as_str())];
        m.extend(self.identity());
        m.push((label::NO_DATA, n.kind.label_value()));
        if firing {
            m.push((alert_label::ALERTSTATE, alert_label::FIRING));
        }
        promql::selector(names::ALERTS, m)
    }

    /// `n` firing at evaluation `k`, with exactly its labels.
    fn no_data_firing(&self, n: &NoDataAlert, k: usize) -> ExprTest {
        ExprTest {
            expr: self.no_data_selector(n, true),
            eval_time: self.at(k),
            exp_samples: vec![firing_sample(&n.alert_name, &n.labels)],
        }
    }

    /// No burn alert pending or firing up to `k`, and every error ratio 0 at `k`.
    fn quiet_burn_checks(&self, k: usize) -> Vec<ExprTest> {
        let mut checks = Vec::new();
        if !self.tiers.is_empty() {
            let all: Vec<usize> = (0..self.tiers.len()).collect();
            checks.push(self.never_check(&all, k, true));
        }
        checks.push(ExprTest {
            expr: format!(
                "{} != 0",
                promql::selector(names::ERROR_RATIO, self.identity())
            ),
            eval_time: self.at(k),
            exp_samples: Vec::new(),
        });
        checks
    }

    /// Normal traffic for longer than `for`, then every series of the SLI stops.
    fn series_vanish(&self, s: &Synthetic, n: &NoDataAlert) -> Option<(TestGroup, Vec<String>)> {
        let for_ms = n.for_.as_millis();
        let healthy = self.round_up(for_ms + 3 * self.step);
        let gone = self.round_up(LOOKBACK_MS + self.base + for_ms + 3 * self.step);
        let tl = self.timeline(&[(healthy, Phase::Traffic(Frac::ZERO))]);
        if tl.end_ms() + gone > self.hard_max {
            return None;
        }
        let volume = volume(&tl, self.step / self.scrape, self.slo.min_events)?;
        let missing = gone / self.scrape;
        let series = input_series(s, &tl, volume, self.windows.span_ms)
            .into_iter()
            .map(|mut i| {
                i.values.push_str(&format!(" _x{missing}"));
                i
            })
            .collect();
        let (k_healthy, k_end) = (self.steps(tl.end_ms()), self.steps(tl.end_ms() + gone));
        let mut checks = vec![
            ExprTest {
                expr: format!(
                    "count_over_time({}[{}])",
                    self.no_data_selector(n, true),
                    self.at(k_healthy)
                ),
                eval_time: self.at(k_healthy),
                exp_samples: Vec::new(),
            },
            self.no_data_firing(n, k_end),
        ];
        checks.extend(self.quiet_burn_checks(k_end));
        let name = format!(
            "{}: the SLI's series vanish after {} of normal traffic: {} (no_data=\"{}\") is silent before and fires by {}, no burn alert, every ratio 0",
            self.slo.name,
            ms(healthy),
            n.alert_name,
            n.kind.label_value(),
            ms(tl.end_ms() + gone)
        );
        let note = format!(
            "no data: the series vanish at {} → {} fires by {}; silent during normal traffic; no burn alert",
            ms(tl.end_ms()),
            n.alert_name,
            ms(tl.end_ms() + gone)
        );
        Some((self.test_group(name, series, checks), vec![note]))
    }

    /// A histogram with `_count` and no bucket at the threshold, its requests all slow as far
    /// as the missing bucket could tell.
    fn bucket_missing(&self, s: &Synthetic, n: &NoDataAlert) -> Option<(TestGroup, Vec<String>)> {
        let for_ms = n.for_.as_millis();
        let span = self.round_up(for_ms + self.base + 4 * self.step);
        let tl = self.timeline(&[(span, Phase::Traffic(Frac::ZERO))]);
        if tl.end_ms() > self.hard_max {
            return None;
        }
        let volume = volume(&tl, self.step / self.scrape, self.slo.min_events)?;
        let kept: Vec<_> = s
            .series
            .iter()
            .filter(|x| x.role != Role::Good)
            .cloned()
            .collect();
        if kept.len() == s.series.len() {
            return None;
        }
        let without = Synthetic {
            reading: s.reading,
            series: kept,
        };
        let series = input_series(&without, &tl, volume, self.windows.span_ms);
        let k_end = self.steps(tl.end_ms());
        let mut checks = vec![self.no_data_firing(n, k_end)];
        checks.extend(self.quiet_burn_checks(k_end));
        let name = format!(
            "{}: the histogram has `_count` but no bucket at the threshold: {} (no_data=\"{}\") fires by {}, no burn alert, every ratio 0 (not 1)",
            self.slo.name,
            n.alert_name,
            n.kind.label_value(),
            ms(tl.end_ms())
        );
        let note = format!(
            "no data: no threshold bucket → {} fires by {}; errors not counted, no burn alert",
            n.alert_name,
            ms(tl.end_ms())
        );
        Some((self.test_group(name, series, checks), vec![note]))
    }
}
