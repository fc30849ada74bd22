//! One SLO, whatever format it was written in: its objective, window and labels checked, and
//! its burn-rate, budget-stage and no-data alerts built.

use std::collections::BTreeMap;

use super::Ctx;
use super::alerts::{self, SloAlerts, Target};
use super::budget::budget_alerts;
use super::burn::{BurnAlerts, SeverityLabels, burn_alerts, check_tier_names};
use super::defaults::{Defaults, TierDefaults, policy_tiers, window_value};
use super::grouping;
use super::labels::check_annotation_names;
use super::no_data::no_data_alerts;
use crate::diag::{Code, Loc};
use crate::load::native::{AlertingSpec, SeverityKind};
use crate::load::spanned::Sp;
use crate::model::{AlertTierPolicy, Calendar, Decimal, Duration, Exclusion, Sli, Slo, SloSource};
use crate::names;
use crate::syntax::gotmpl;

/// Everything an SLO needs, whatever format it was written in.
pub(super) struct SloInput<'a> {
    pub(super) service: &'a str,
    pub(super) team: &'a str,
    pub(super) service_tier: Option<&'a str>,
    pub(super) name: &'a Sp<String>,
    pub(super) description: Option<&'a Sp<String>>,
    pub(super) objective: Option<&'a Sp<f64>>,
    pub(super) window: Option<&'a Sp<String>>,
    pub(super) sli: Option<Sli>,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) alerting: AlertingSpec,
    pub(super) path: String,
    /// Sloth: per-severity labels and annotations.
    pub(super) severity_labels: BTreeMap<SeverityKind, SeverityLabels>,
    /// The objective as a ratio (OpenSLO `target`), used instead of `objective` when given.
    pub(super) objective_ratio: Option<Sp<f64>>,
    /// Alert tiers of this SLO alone with absolute windows (OpenSLO alert conditions) instead
    /// of the fleet policy scaled to the SLO window.
    pub(super) custom_tiers: Option<Vec<AlertTierPolicy>>,
    /// `group_by` and `max_groups` (Sloth's `by (…)` and OpenSLO's grouping map onto them).
    pub(super) group_by: Option<Sp<Vec<Sp<String>>>>,
    pub(super) max_groups: Option<Sp<u64>>,
    /// A calendar window (the spec's `window: {calendar: …}`), validated.
    pub(super) calendar: Option<Calendar>,
    pub(super) exclusions: Vec<Exclusion>,
}

/// The SLO of `input`, or None after reporting why not; `tier` is its service's tier.
pub(super) fn build_slo(
    cx: &mut Ctx,
    d: &Defaults,
    tier: Option<&TierDefaults>,
    input: SloInput,
) -> Option<Slo> {
    let p = &input.path;
    let objective = objective(cx, &input, tier);
    let window = match (&input.calendar, input.window) {
        (Some(c), _) => Some(c.period.nominal()),
        (None, Some(w)) => window_value(cx, w, &format!("{p}.window")),
        (None, None) => match tier.and_then(|t| t.window.as_ref()) {
            Some(w) => window_value(cx, w, &format!("{p}.window")),
            None => Some(d.window),
        },
    };
    let labels = slo_labels(&input);
    let (Some(objective), Some(window)) = (objective, window) else {
        return None;
    };
    let sli = input.sli.as_ref()?;
    let budget = Decimal::ONE.checked_sub(objective.checked_div(Decimal::from_int(100))?)?;
    let target = Target {
        objective,
        objective_loc: objective_loc(&input),
        window,
        budget,
    };

    let alerting = &input.alerting;
    let slo = slo_alerts(cx, d, &input, target);
    let mut source = slo_source(d, alerting);
    let spec_tiers = alerting
        .custom_tiers
        .as_ref()
        .map(|t| policy_tiers(cx, &t.value, &format!("{p}.alerting.custom_tiers")));
    let custom = input.custom_tiers.clone().or(spec_tiers);
    let BurnAlerts {
        alerts,
        tiers,
        longest,
    } = burn_alerts(
        cx,
        &d.settings,
        &slo,
        alerting,
        &input.severity_labels,
        custom.as_deref(),
    );
    source.tiers = tiers;
    check_window(cx, &input, window, longest);
    let budget_alerts = if alerting.budget_alerts.as_ref().is_some_and(|b| b.value) {
        budget_alerts(cx, &d.settings, &d.stages, &slo)
    } else {
        Vec::new()
    };
    let (no_data_alerts, no_data_source) = no_data_alerts(
        cx,
        &d.settings,
        &slo,
        alerting.no_data.as_ref(),
        sli,
        &labels,
    );
    source.no_data = no_data_source;
    grouping::check_max_groups(cx, input.max_groups.as_ref(), input.group_by.is_some(), p);
    let grouping = input.group_by.as_ref().and_then(|g| {
        let p = format!("{p}.group_by");
        let group_labels = grouping::group_labels(cx, g, &p, &labels, &slo.labels)?;
        grouping::check_sli(cx, sli, &group_labels, g.loc, &p);
        Some(grouping::grouping(
            cx,
            &d.settings,
            &slo,
            group_labels,
            input.max_groups.as_ref(),
            &labels,
        ))
    });

    Some(Slo {
        service: input.service.to_string(),
        name: input.name.value.clone(),
        description: input
            .description
            .map(|s| s.value.clone())
            .unwrap_or_default(),
        objective,
        window,
        calendar: input.calendar.clone(),
        exclusions: input.exclusions.clone(),
        labels: labels.into(),
        alerts,
        budget_alerts,
        no_data_alerts,
        min_events: alerting.min_events.as_ref().map_or(0, |m| m.value),
        custom_tiers: custom.is_some(),
        grouping,
        source,
        sli: input.sli?,
    })
}

/// What the alerts of the SLO share: their name and labels (checked, with the names of its
/// annotations and of the tiers it overrides) and their template variables.
fn slo_alerts<'a>(
    cx: &mut Ctx,
    d: &Defaults,
    input: &'a SloInput,
    target: Target,
) -> SloAlerts<'a> {
    let (p, alerting) = (&input.path, &input.alerting);
    let name = alerts::alert_name(cx, alerting, p, input.service, &input.name.value);
    let labels = alerts::alert_labels(cx, alerting, p);
    check_annotation_names(
        cx,
        &alerting.annotations,
        &format!("{p}.alerting.annotations"),
    );
    check_tier_names(cx, alerting, &d.settings.alert_tiers, p);
    SloAlerts {
        path: p,
        vars: template_vars(input, &target, &name),
        target,
        name,
        labels,
        template_labels: input
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), gotmpl::literal(v)))
            .collect(),
        shared_annotations: alerts::shared_annotations(alerting),
    }
}

/// The objective in percent: the SLO's (or its ratio, OpenSLO's `target`), else its tier's.
/// Warns when it is below 50 %, which is most likely a ratio written as a percentage.
fn objective(cx: &mut Ctx, input: &SloInput, tier: Option<&TierDefaults>) -> Option<Decimal> {
    let p = &input.path;
    let ratio_objective = input.objective_ratio.as_ref().map(|r| {
        Sp::new(
            Decimal::from_f64(r.value)
                .and_then(|v| v.checked_mul(Decimal::from_int(100)))
                .map_or(f64::NAN, Decimal::to_f64),
            r.loc,
        )
    });
    let objective = match ratio_objective
        .as_ref()
        .or(input.objective)
        .or(tier.and_then(|t| t.objective.as_ref()))
    {
        Some(o) => match Decimal::from_f64(o.value) {
            Some(v) if v.is_positive() && v < Decimal::from_int(100) => Some(v),
            _ => {
                cx.err_help(
                    Code::Objective,
                    o.loc,
                    format!("{p}.objective"),
                    format!("objective {} is outside (0, 100)", o.value),
                    "the objective is a percentage such as 99.9",
                );
                None
            }
        },
        None => {
            cx.err(
                Code::Objective,
                input.name.loc,
                format!("{p}.objective"),
                "no objective: set `objective` or give the service a tier that has one",
            );
            None
        }
    };
    if let Some(v) = objective.filter(|v| *v < Decimal::from_int(50)) {
        let help = if input.objective_ratio.is_some() {
            "`target` is the share of good events as a ratio: 0.999 is 99.9 %".to_string()
        } else if let Some(percent) = v
            .checked_mul(Decimal::from_int(100))
            .filter(|_| v < Decimal::ONE)
        {
            format!(
                "the objective is a percentage, not a ratio: did you mean {percent}? (`{v}` is {v} %)"
            )
        } else {
            "the objective is a percentage of good events, such as 99.9".to_string()
        };
        cx.warn_help(
            Code::ObjectiveBelowHalf,
            objective_loc(input),
            format!("{p}.objective"),
            format!("objective {v}% is below 50%: more than half of the events may fail within the budget"),
            help,
        );
    }
    objective
}

/// Where the objective is written in this file (a tier's objective is in the Defaults file:
/// its SLO's name stands for it).
fn objective_loc(input: &SloInput) -> Loc {
    input
        .objective_ratio
        .as_ref()
        .or(input.objective)
        .map_or(input.name.loc, |o| o.loc)
}

/// The labels of the SLO's series: the spec's, and the service, SLO, team and service tier.
fn slo_labels(input: &SloInput) -> BTreeMap<String, String> {
    let mut labels = input.labels.clone();
    labels.insert(names::label::SERVICE.into(), input.service.into());
    labels.insert(names::label::SLO.into(), input.name.value.clone());
    labels.insert(names::label::TEAM.into(), input.team.into());
    if let Some(t) = input.service_tier {
        labels.insert(names::label::SERVICE_TIER.into(), t.into());
    }
    labels
}

/// Reports a window shorter than an hour or than its longest alert window.
fn check_window(cx: &mut Ctx, input: &SloInput, window: Duration, longest: Duration) {
    let p = &input.path;
    let at = input.window.map_or(input.name.loc, |w| w.loc);
    if longest > window {
        cx.err(
            Code::WindowTooShort,
            at,
            format!("{p}.window"),
            format!("window {window} is shorter than the longest alert window ({longest})"),
        );
    }
    if window < Duration::from_mins(60) {
        cx.err(
            Code::WindowTooShort,
            at,
            format!("{p}.window"),
            format!("window {window} is shorter than one hour"),
        );
    }
}

/// The template variables every annotation of the SLO's alerts sees.
fn template_vars(
    input: &SloInput,
    target: &Target,
    alert_name: &str,
) -> Vec<(&'static str, String)> {
    let Target {
        objective,
        window,
        budget,
        ..
    } = target;
    let budget_minutes = Decimal::from_int(i64::try_from(window.minutes()).unwrap_or(0))
        .checked_mul(*budget)
        .unwrap_or(Decimal::ZERO);
    let desc = input
        .description
        .map(|s| s.value.trim().to_string())
        .unwrap_or_default();
    let desc = if desc.is_empty() || desc.ends_with('.') {
        desc
    } else {
        format!("{desc}.")
    };
    vec![
        ("service", input.service.to_string()),
        ("team", input.team.to_string()),
        ("service_tier", input.service_tier.unwrap_or("").to_string()),
        ("slo", input.name.value.clone()),
        (
            "group",
            grouping::group_var(
                &input
                    .group_by
                    .as_ref()
                    .map(|g| g.value.iter().map(|l| l.value.clone()).collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
        ),
        (
            "slo_description",
            if desc.is_empty() {
                String::new()
            } else {
                gotmpl::literal(&format!("{desc} "))
            },
        ),
        ("objective", objective.to_string()),
        (
            "objective_ratio",
            objective
                .checked_div(Decimal::from_int(100))
                .unwrap_or(Decimal::ZERO)
                .to_string(),
        ),
        ("window", window.to_string()),
        ("error_budget", budget.to_string()),
        ("budget_minutes", budget_minutes.to_string()),
        ("alert_name", alert_name.to_string()),
        ("dashboard_path", names::dashboard_path(input.service)),
    ]
}

/// The SLO's alerting settings as written, without the fleet's default annotations; the tiers
/// and `no_data` are set by their alerts.
fn slo_source(d: &Defaults, alerting: &AlertingSpec) -> SloSource {
    SloSource {
        alert_name: alerting.name.as_ref().map(|n| n.value.clone()),
        labels: alerting
            .labels
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        annotations: alerting
            .annotations
            .iter()
            .filter(|(k, v)| {
                d.alerting
                    .annotations
                    .get(*k)
                    .is_none_or(|dv| dv.value != v.value)
            })
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        tiers: BTreeMap::new(),
        budget_alerts: alerting.budget_alerts.as_ref().is_some_and(|b| b.value),
        no_data: None,
    }
}
