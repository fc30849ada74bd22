//! `sloforge convert`: the model written back in the native format, so that teams coming from
//! Sloth or OpenSLO can move their specs over.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::load::native::{API_VERSION, SeverityKind};
use crate::model::{
    Counter, Exclusion, ExclusionWhen, HistogramKind, Service, Sli, Slo, WEEKDAYS, clock,
};
use crate::names::label;
use crate::syntax::promql;

#[derive(Serialize)]
struct OutService<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    name: &'a str,
    team: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<&'a str>,
    slos: Vec<OutSlo>,
}

#[derive(Serialize)]
struct OutSlo {
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    objective: f64,
    window: OutWindow,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exclusions: Vec<OutExclusion>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_groups: Option<u64>,
    sli: OutSli,
    #[serde(skip_serializing_if = "Option::is_none")]
    alerting: Option<OutAlerting>,
}

#[derive(Serialize)]
struct OutExclusion {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    weekdays: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    times: Vec<OutTimeRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    mute_alerts: bool,
}

#[derive(Serialize)]
struct OutTimeRange {
    start_time: String,
    end_time: String,
}

fn exclusion(e: &Exclusion) -> OutExclusion {
    let instant =
        |t: i64| jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |t| t.to_string());
    let mut out = OutExclusion {
        name: e.name.clone(),
        weekdays: Vec::new(),
        times: Vec::new(),
        timezone: None,
        start: None,
        end: None,
        mute_alerts: e.mute_alerts,
    };
    match &e.when {
        ExclusionWhen::Recurring {
            weekdays,
            times,
            timezone,
        } => {
            out.weekdays = weekdays
                .iter()
                .filter_map(|d| WEEKDAYS.get(usize::from(*d)).copied())
                .collect();
            out.times = times
                .iter()
                .map(|(s, t)| OutTimeRange {
                    start_time: clock(*s),
                    end_time: clock(*t),
                })
                .collect();
            out.timezone = Some(timezone.clone());
        }
        ExclusionWhen::OneOff { start, end } => {
            out.start = Some(instant(*start));
            out.end = Some(instant(*end));
        }
    }
    out
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutWindow {
    Rolling(String),
    Calendar {
        calendar: &'static str,
        timezone: String,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum OutSli {
    Ratio {
        #[serde(skip_serializing_if = "Option::is_none")]
        errors: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        good: Option<String>,
        total: String,
    },
    Latency {
        metric: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        selector: String,
        threshold: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        buckets: Option<Vec<f64>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        histogram: Option<&'static str>,
    },
    Probe {
        metric: String,
    },
    Raw {
        error_ratio: String,
    },
    Events {
        errors: String,
        total: String,
    },
}

#[derive(Serialize, Default)]
struct OutAlerting {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tiers: BTreeMap<String, OutTier>,
    #[serde(skip_serializing_if = "is_zero")]
    min_events: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    budget_alerts: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    custom_tiers: Vec<OutCustomTier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_data: Option<OutNoData>,
}

#[derive(Serialize)]
struct OutNoData {
    enabled: bool,
    #[serde(rename = "for")]
    for_: String,
    severity: &'static str,
}

fn severity_name(k: SeverityKind) -> &'static str {
    k.as_str()
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Serialize, Default)]
struct OutTier {
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_firing_for: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct OutCustomTier {
    name: String,
    severity: &'static str,
    long_window: String,
    short_window: String,
    burn_rate: f64,
    #[serde(rename = "for")]
    for_: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_firing_for: Option<String>,
}

fn sli(s: &Sli) -> OutSli {
    match s {
        Sli::Ratio { errors, total } => match errors {
            Counter::Errors(e) => OutSli::Ratio {
                errors: Some(e.to_string()),
                good: None,
                total: total.to_string(),
            },
            Counter::Good(g) => OutSli::Ratio {
                errors: None,
                good: Some(g.to_string()),
                total: total.to_string(),
            },
        },
        Sli::Latency {
            metric,
            matchers,
            le,
            buckets,
            histogram,
        } => OutSli::Latency {
            metric: metric.clone(),
            selector: matchers.clone(),
            threshold: le.parse().unwrap_or(f64::NAN),
            buckets: buckets.clone(),
            histogram: (*histogram != HistogramKind::Classic).then(|| histogram.name()),
        },
        Sli::Probe { selector } => OutSli::Probe {
            metric: selector.to_string(),
        },
        Sli::RawRatio { ratio } => OutSli::Raw {
            error_ratio: promql::with_placeholder(ratio),
        },
        Sli::WindowedEvents { errors, total } => OutSli::Events {
            errors: promql::with_placeholder(errors),
            total: promql::with_placeholder(total),
        },
    }
}

fn slo(s: &Slo) -> OutSlo {
    let identity = [label::SERVICE, label::SLO, label::TEAM, label::SERVICE_TIER];
    let labels = s
        .labels
        .iter()
        .filter(|(k, _)| !identity.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let src = &s.source;
    let mut a = OutAlerting {
        name: src.alert_name.clone(),
        labels: src.labels.clone(),
        annotations: src.annotations.clone(),
        min_events: s.min_events,
        budget_alerts: src.budget_alerts,
        no_data: src.no_data.as_ref().map(|n| OutNoData {
            enabled: n.enabled,
            for_: n.for_.to_string(),
            severity: severity_name(n.severity),
        }),
        ..OutAlerting::default()
    };
    if s.custom_tiers {
        a.custom_tiers = s
            .alerts
            .iter()
            .map(|t| OutCustomTier {
                name: t.tier.clone(),
                severity: severity_name(t.severity_kind),
                long_window: t.long_window.to_string(),
                short_window: t.short_window.to_string(),
                burn_rate: t.burn_rate.to_f64(),
                for_: t.for_.to_string(),
                keep_firing_for: (t.keep_firing_for.as_millis() > 0)
                    .then(|| t.keep_firing_for.to_string()),
            })
            .collect();
    } else {
        for (name, t) in &src.tiers {
            a.tiers.insert(
                name.clone(),
                OutTier {
                    enabled: (!t.enabled).then_some(false),
                    for_: t.for_.map(|d| d.to_string()),
                    keep_firing_for: t.keep_firing_for.map(|d| d.to_string()),
                    labels: t.labels.clone(),
                    annotations: t.annotations.clone(),
                },
            );
        }
    }
    let empty = a.name.is_none()
        && a.labels.is_empty()
        && a.annotations.is_empty()
        && a.tiers.is_empty()
        && a.min_events == 0
        && !a.budget_alerts
        && a.custom_tiers.is_empty()
        && a.no_data.is_none();
    OutSlo {
        name: s.name.clone(),
        description: s.description.clone(),
        objective: s.objective.to_f64(),
        window: match &s.calendar {
            Some(c) => OutWindow::Calendar {
                calendar: c.period.as_str(),
                timezone: c.timezone.clone(),
            },
            None => OutWindow::Rolling(s.window.to_string()),
        },
        exclusions: s.exclusions.iter().map(exclusion).collect(),
        labels,
        group_by: s.grouping.as_ref().map(|g| g.labels.clone()),
        max_groups: s
            .grouping
            .as_ref()
            .filter(|g| g.max_groups_set)
            .map(|g| g.max_groups),
        sli: sli(&s.sli),
        alerting: (!empty).then_some(a),
    }
}

/// One service in the native format (a complete YAML document).
pub fn service_yaml(s: &Service) -> String {
    let out = OutService {
        api_version: API_VERSION,
        kind: "Service",
        name: &s.name,
        team: &s.team,
        tier: s.tier.as_deref(),
        slos: s.slos.iter().map(slo).collect(),
    };
    crate::syntax::yaml::to_yaml(&out)
}
