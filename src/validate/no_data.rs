//! No-data alerts: an SLI's series missing, which no burn alert can see (the SLO reads as
//! zero traffic), and for a latency SLI the threshold's bucket missing.

use std::collections::BTreeMap;

use super::Ctx;
use super::alerts::SloAlerts;
use crate::diag::Loc;
use crate::load::native::{NoDataSpec, SeverityKind};
use crate::load::spanned::Sp;
use crate::model::{Duration, HistogramKind, NoDataAlert, NoDataKind, NoDataSource, Settings, Sli};
use crate::names;
use crate::syntax::gotmpl;

/// The `tier` template variable of no-data alerts.
const NO_DATA_TIER: &str = "no-data";

/// How long an SLI's data must be missing before its no-data alert fires, by default.
const DEFAULT_NO_DATA_FOR: Duration = Duration::from_mins(10);

/// The series a no-data alert watches for an SLI, as PromQL text for its annotations: the
/// events (total, `_count` or probe), and for a latency SLI the threshold's bucket. None for a
/// raw error ratio, whose query gives nothing on zero traffic as on missing data.
fn no_data_series(sli: &Sli) -> Vec<(NoDataKind, String)> {
    match sli {
        Sli::Ratio { total, .. } | Sli::WindowedEvents { total, .. } => {
            vec![(NoDataKind::Events, total.to_string())]
        }
        Sli::Probe { selector } => vec![(NoDataKind::Events, selector.to_string())],
        // One series holds the count and the buckets: no bucket can be missing on its own.
        Sli::Latency {
            metric,
            matchers,
            histogram: HistogramKind::Native,
            ..
        } => vec![(
            NoDataKind::Events,
            format!("histogram_count({metric}{matchers})"),
        )],
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => {
            let inner = matchers.trim_start_matches('{').trim_end_matches('}');
            let sep = if inner.is_empty() { "" } else { "," };
            vec![
                (NoDataKind::Events, format!("{metric}_count{{{inner}}}")),
                (
                    NoDataKind::ThresholdBucket,
                    format!("{metric}_bucket{{{inner}{sep}le=\"{le}\"}}"),
                ),
            ]
        }
        Sli::RawRatio { .. } => Vec::new(),
    }
}

/// The no-data alerts of an SLO (`slo_labels` are the labels of its series), and its
/// `alerting.no_data` as written when that differs from the defaults.
pub(super) fn no_data_alerts(
    cx: &mut Ctx,
    settings: &Settings,
    slo: &SloAlerts,
    spec: Option<&NoDataSpec>,
    sli: &Sli,
    slo_labels: &BTreeMap<String, String>,
) -> (Vec<NoDataAlert>, Option<NoDataSource>) {
    let no_data = spec.cloned().unwrap_or_default();
    let enabled = no_data.enabled.as_ref().is_none_or(|e| e.value);
    let for_ = no_data
        .for_
        .as_ref()
        .and_then(|f| cx.duration(f, &format!("{}.alerting.no_data.for", slo.path)))
        .unwrap_or(DEFAULT_NO_DATA_FOR);
    let kind = no_data
        .severity
        .as_ref()
        .map_or(SeverityKind::Ticket, |s| s.value);
    let source = NoDataSource {
        enabled,
        for_,
        severity: kind,
    };
    let source = (source
        != NoDataSource {
            enabled: true,
            for_: DEFAULT_NO_DATA_FOR,
            severity: SeverityKind::Ticket,
        })
    .then_some(source);
    let watched = if enabled {
        no_data_series(sli)
    } else {
        Vec::new()
    };
    let mut alerts = Vec::new();
    for (series_kind, series) in watched {
        let severity = settings.severity(kind).to_string();
        // `tier` is `no-data`, so that a runbook link built from it (`#[[ tier ]]`) has an
        // anchor for these alerts too.
        let vars = vec![
            ("tier", NO_DATA_TIER.to_string()),
            ("severity", severity.clone()),
            ("no_data_for", for_.to_string()),
            ("no_data_series", gotmpl::literal(&series)),
        ];
        let defaults = default_annotations(series_kind);
        let annotations = slo.annotations(cx, vars, &[&defaults, &slo.shared_annotations]);
        // Alert labels are Go templates: the SLO's label values are literal text there.
        let mut labels: BTreeMap<String, String> = slo_labels
            .iter()
            .map(|(k, v)| (k.clone(), gotmpl::literal(v)))
            .collect();
        labels.extend(slo.labels.clone());
        labels.insert(names::label::SEVERITY.into(), severity.clone());
        labels.insert(
            names::label::NO_DATA.into(),
            series_kind.label_value().into(),
        );
        alerts.push(NoDataAlert {
            alert_name: slo.name_with("NoData"),
            kind: series_kind,
            for_,
            severity_kind: kind,
            severity,
            labels: labels.into(),
            annotations: annotations.into(),
        });
    }
    (alerts, source)
}

/// The summary and description of a no-data alert.
fn default_annotations(kind: NoDataKind) -> BTreeMap<Sp<String>, Sp<String>> {
    let s = |v: &str| Sp::new(v.to_string(), Loc::default());
    let (summary, description) = match kind {
        NoDataKind::Events => (
            "[[ service ]]/[[ slo ]]: no data for [[ no_data_for ]]: the SLO cannot see any traffic",
            "[[ slo_description ]]`[[ no_data_series ]]` has returned nothing for [[ no_data_for ]]: the SLO reads as zero traffic and none of its burn alerts can fire. Check that the target is scraped and that the metric name and the selector are right (`sloforge doctor` checks them against the server).",
        ),
        NoDataKind::ThresholdBucket => (
            "[[ service ]]/[[ slo ]][[ group ]]: no threshold bucket for [[ no_data_for ]]: latency cannot be judged",
            "[[ slo_description ]]The histogram counts requests (`_count` is present) but has no bucket `[[ no_data_series ]]`: no request can be judged against the threshold, so the SLO counts no errors. Add the threshold to the histogram's buckets or set the threshold to a bucket it has (`sloforge doctor` lists them).",
        ),
    };
    let mut defaults = BTreeMap::new();
    defaults.insert(s("summary"), s(summary));
    defaults.insert(s("description"), s(description));
    defaults
}
