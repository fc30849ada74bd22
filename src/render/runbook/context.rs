//! The facts of one SLO a runbook is written from: the figures `explain` computes, the
//! queries, who each alert notifies and how to silence it. Its fields are the variables of
//! section templates (`validate::runbooks::KEYS`, `default` aside).

use serde::Serialize;

use super::notify::{Receiver, Routes, silence_command};
use super::queries::{self, Breakdown, SliText, WindowQuery};
use crate::compile::facts::{SloExplanation, explain_slo, human_seconds};
use crate::model::{Decimal, Duration, Service, Settings, Slo};
use crate::names::{self, label};
use crate::verify::alerts::{AlertInstance, slo_alert_instances};

#[derive(Debug, Clone, Serialize)]
pub struct RunbookContext {
    pub service: String,
    pub team: String,
    pub service_tier: String,
    pub slo: String,
    pub slo_description: String,
    pub objective: String,
    pub window: String,
    pub error_budget: String,
    pub budget_minutes: String,
    pub evaluation_interval: String,
    pub runbook_url: String,
    pub dashboard_url: String,
    pub sli: SliText,
    /// The labels of a grouped SLO's groups (empty without groups).
    pub group_by: Vec<String>,
    pub windows: Vec<WindowQuery>,
    /// Window of the breakdowns (the shortest window recorded).
    pub breakdowns: Breakdowns,
    pub budget_remaining_query: String,
    /// The lowest error-ratio threshold of the burn-rate tiers (empty without tiers).
    pub lowest_threshold: String,
    pub tiers: Vec<TierFacts>,
    pub budget_stages: Vec<StageFacts>,
    pub no_data: Vec<NoDataFacts>,
    /// A grouped SLO's too-many-groups alert.
    pub guard: Option<GuardFacts>,
    /// Every receiver some alert of the SLO reaches, in first-reached order.
    pub receivers: Vec<Receiver>,
    /// Whether the fleet has an `AlertRouting` spec (else `receivers` are empty).
    pub routed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Breakdowns {
    pub window: String,
    pub queries: Vec<Breakdown>,
    /// The 99th percentile, for a latency SLI.
    pub quantile: Option<String>,
}

/// What one alert shares whatever its kind.
#[derive(Debug, Clone, Serialize)]
pub struct AlertFacts {
    pub alert: String,
    pub severity: String,
    pub receivers: Vec<Receiver>,
    pub silence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierFacts {
    #[serde(flatten)]
    pub alert: AlertFacts,
    pub tier: String,
    pub long_window: String,
    pub short_window: String,
    pub burn_rate: String,
    pub threshold: String,
    pub budget_spent_percent: String,
    pub exhaustion: String,
    /// Time a total outage takes to fire it (`never` when it cannot).
    pub detect_total_outage: String,
    pub for_duration: String,
    pub reset: String,
    /// The burn rates over its two windows, recorded.
    pub long_query: String,
    pub short_query: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageFacts {
    #[serde(flatten)]
    pub alert: AlertFacts,
    pub stage: String,
    /// Fires while less than this percentage of the budget is left (`0`: exhausted).
    pub remaining_below_percent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoDataFacts {
    #[serde(flatten)]
    pub alert: AlertFacts,
    /// `events` or `threshold_bucket`.
    pub missing: String,
    pub for_duration: String,
    /// The recorded total events, absent while the alert fires.
    pub query: String,
}

/// The too-many-groups alert of a grouped SLO.
#[derive(Debug, Clone, Serialize)]
pub struct GuardFacts {
    #[serde(flatten)]
    pub alert: AlertFacts,
    pub max_groups: u64,
    pub for_duration: String,
    /// How many groups report events now.
    pub query: String,
}

fn num(x: f64) -> String {
    Decimal::from_f64(x).map_or_else(|| x.to_string(), |d| d.to_string())
}

fn for_text(seconds: u64) -> String {
    if seconds == 0 {
        "0s".into()
    } else {
        human_seconds(seconds as f64)
    }
}

/// The silence a runbook suggests for one alert: pages for an hour, the rest for a day.
fn alert_facts(
    a: &AlertInstance,
    severity: &str,
    page: bool,
    routes: Option<&Routes>,
) -> AlertFacts {
    let comment = format!(
        "{}/{}: <incident or ticket link>",
        a.get(label::SERVICE),
        a.get(label::SLO)
    );
    AlertFacts {
        alert: a.get(names::alert_label::ALERTNAME).to_string(),
        severity: severity.to_string(),
        receivers: routes.map(|r| r.receivers(a)).unwrap_or_default(),
        silence: silence_command(a, if page { "1h" } else { "1d" }, &comment),
    }
}

/// The annotation `name` of the SLO's first alert that has it.
fn annotation(slo: &Slo, name: &str) -> String {
    slo.alerts
        .iter()
        .map(|a| &a.annotations)
        .chain(slo.budget_alerts.iter().map(|b| &b.annotations))
        .chain(slo.no_data_alerts.iter().map(|n| &n.annotations))
        .find_map(|m| m.get(name).cloned())
        .unwrap_or_default()
}

pub fn context(
    service: &Service,
    slo: &Slo,
    settings: &Settings,
    routes: Option<&Routes>,
) -> RunbookContext {
    let x: SloExplanation = explain_slo(slo, service.format, settings);
    let instances = slo_alert_instances(slo);
    let (burn, rest) = instances.split_at(slo.alerts.len().min(instances.len()));
    let (stages, no_data) = rest.split_at(slo.budget_alerts.len().min(rest.len()));
    let page = settings.page_severity.as_str();
    let tiers: Vec<TierFacts> = x
        .tiers
        .iter()
        .zip(&slo.alerts)
        .zip(burn)
        .map(|((t, a), i)| TierFacts {
            alert: alert_facts(i, &a.severity, a.severity == page, routes),
            tier: t.tier.clone(),
            long_window: t.long_window.clone(),
            short_window: t.short_window.clone(),
            burn_rate: num(t.burn_rate),
            threshold: num(t.error_ratio_threshold),
            budget_spent_percent: num(t.budget_spent_percent),
            exhaustion: human_seconds(t.exhaustion_seconds),
            detect_total_outage: t
                .detection_total_outage_seconds
                .map_or_else(|| "never".into(), human_seconds),
            for_duration: for_text(t.for_seconds),
            reset: human_seconds(t.reset_seconds as f64),
            long_query: queries::recorded(names::BURN_RATE, slo, Some(a.long_window)),
            short_query: queries::recorded(names::BURN_RATE, slo, Some(a.short_window)),
        })
        .collect();
    let budget_stages: Vec<StageFacts> = x
        .budget_stages
        .iter()
        .zip(&slo.budget_alerts)
        .zip(stages)
        .map(|((s, b), i)| StageFacts {
            alert: alert_facts(i, &b.severity, b.severity == page, routes),
            stage: s.stage.clone(),
            remaining_below_percent: num(s.remaining_below_percent),
        })
        .collect();
    let events = names::events_record(&settings.base_window.to_string());
    let no_data: Vec<NoDataFacts> = x
        .no_data
        .iter()
        .zip(no_data)
        .map(|(n, i)| NoDataFacts {
            alert: alert_facts(i, &n.severity, n.severity == page, routes),
            missing: n.missing.clone(),
            for_duration: for_text(n.for_seconds),
            query: crate::syntax::promql::selector(
                &events,
                [
                    (label::SERVICE, slo.service.as_str()),
                    (label::SLO, slo.name.as_str()),
                    (label::EVENT, "total"),
                ],
            ),
        })
        .collect();
    let guard = slo
        .grouping
        .as_ref()
        .zip(instances.last())
        .map(|(g, i)| GuardFacts {
            alert: alert_facts(i, &g.guard.severity, g.guard.severity == page, routes),
            max_groups: g.max_groups,
            for_duration: for_text(g.guard.for_.as_millis() / 1000),
            query: format!(
                "count({})",
                crate::syntax::promql::selector(
                    &events,
                    [
                        (label::SERVICE, slo.service.as_str()),
                        (label::SLO, slo.name.as_str()),
                        (label::EVENT, "total"),
                    ],
                )
            ),
        });
    let mut receivers: Vec<Receiver> = Vec::new();
    for r in tiers
        .iter()
        .map(|t| &t.alert)
        .chain(budget_stages.iter().map(|s| &s.alert))
        .chain(no_data.iter().map(|n| &n.alert))
        .chain(guard.iter().map(|g| &g.alert))
        .flat_map(|a| &a.receivers)
    {
        if !receivers.contains(r) {
            receivers.push(r.clone());
        }
    }
    let shortest = slo
        .ratio_windows()
        .first()
        .copied()
        .unwrap_or(Duration::from_mins(5));
    RunbookContext {
        service: service.name.clone(),
        team: service.team.clone(),
        service_tier: service.tier.clone().unwrap_or_default(),
        slo: slo.name.clone(),
        slo_description: x.description.clone(),
        objective: num(x.objective),
        window: x.window.clone(),
        error_budget: num(x.error_budget),
        budget_minutes: num(x.error_budget_minutes),
        evaluation_interval: x.evaluation_interval.clone(),
        runbook_url: annotation(slo, names::RUNBOOK_ANNOTATION),
        dashboard_url: annotation(slo, names::DASHBOARD_ANNOTATION),
        sli: queries::sli_text(slo),
        group_by: slo.group_labels().to_vec(),
        windows: queries::windows(slo),
        breakdowns: Breakdowns {
            window: shortest.to_string(),
            queries: queries::breakdowns(&slo.sli, shortest, slo.group_labels()),
            quantile: queries::latency_quantile(&slo.sli, shortest),
        },
        budget_remaining_query: queries::recorded(names::BUDGET_REMAINING, slo, None),
        lowest_threshold: slo
            .alerts
            .iter()
            .map(|a| a.threshold(slo.error_budget()))
            .min()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        tiers,
        budget_stages,
        no_data,
        guard,
        receivers,
        routed: routes.is_some(),
    }
}
