//! What each SLO's alerts will do, in plain numbers (SRE Workbook, ch. 5): the facts
//! `sloforge explain` prints and the runbooks quote.
//!
//! Per SLO: the error budget as a ratio and as minutes of full outage; per alert tier: its
//! windows, burn factor and error-ratio threshold, the share of the budget spent by the time it
//! fires, the theoretical detection time for a total outage and for a burn at twice the factor
//! ((threshold / error ratio) × long window, plus one evaluation interval: every window ends
//! at the previous evaluation), the time a burn at the factor takes to exhaust the budget, and
//! the reset bound after a total outage ends (short window + the base window the recorded rates
//! still hold errors for, one evaluation interval by default, + the evaluation interval the
//! windows end before + `keep_firing_for`). Every figure is computed with exact decimals.

use serde::Serialize;

use crate::model::{Decimal, Duration, Fleet, Settings, Slo, SourceFormat};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloExplanation {
    pub service: String,
    pub slo: String,
    pub description: String,
    /// Percent.
    pub objective: f64,
    pub window: String,
    pub window_seconds: u64,
    /// A calendar window: its period and zone (`month in America/New_York`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// Planned-maintenance exclusions, by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<String>,
    /// The exclusions that also mute the SLO's alerts in Alertmanager (`mute_alerts`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub muting_exclusions: Vec<String>,
    pub error_budget: f64,
    /// Minutes of total outage the budget allows over the window.
    pub error_budget_minutes: f64,
    /// Percent of the budget one minute of total outage spends (steady traffic). The budget
    /// counts against the whole window, also while the rules have covered less of it (a fresh
    /// start, a new SLO): the events expected over the window are those seen so far, scaled
    /// from the time covered to the window's length.
    pub outage_minute_budget_percent: f64,
    pub evaluation_interval: String,
    pub min_events: u64,
    /// Where the SLO was read from: `native`, `sloth` or `openslo`.
    pub format: &'static str,
    pub tiers: Vec<TierExplanation>,
    /// The no-data alerts: what each finds missing, its severity and `for`.
    pub no_data: Vec<NoDataExplanation>,
    /// The budget-stage alerts, highest stage first.
    pub budget_stages: Vec<StageExplanation>,
    /// `group_by`: one budget and one set of alerts per group; absent without groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<GroupsExplanation>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupsExplanation {
    pub group_by: Vec<String>,
    pub max_groups: u64,
    /// The alert that fires while more groups report.
    pub guard_alert: String,
    pub guard_severity: String,
    pub guard_for_seconds: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NoDataExplanation {
    pub alert: String,
    /// `events` or `threshold_bucket` (the alert's `no_data` label).
    pub missing: String,
    pub severity: String,
    pub for_seconds: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageExplanation {
    pub stage: String,
    /// Fires while the budget left is below this percentage (0: exhausted).
    pub remaining_below_percent: f64,
    pub severity: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TierExplanation {
    pub tier: String,
    pub severity: String,
    pub long_window: String,
    pub short_window: String,
    pub burn_rate: f64,
    /// Error ratio above which the tier's windows trip: burn rate × budget.
    pub error_ratio_threshold: f64,
    /// Percent of the budget spent over the long window when the tier fires.
    pub budget_spent_percent: f64,
    /// Time for a total outage to trip the long window, plus the evaluation interval the
    /// windows end before; none when it never does (threshold ≥ 1).
    pub detection_total_outage_seconds: Option<f64>,
    /// The Workbook's theoretical figure for the same: threshold × long window.
    pub workbook_detection_total_outage_seconds: Option<f64>,
    /// Time for a burn at twice the factor to trip the long window; none when that burn is
    /// more than a total outage.
    pub detection_twice_factor_seconds: Option<f64>,
    /// Time a burn at the factor takes to spend the whole budget.
    pub exhaustion_seconds: f64,
    pub for_seconds: u64,
    /// The `for` of the tier in the fleet's policy (the native default), which the spec may
    /// change: a Sloth SLO has none unless its `alert_for` plugin sets one.
    pub policy_for_seconds: u64,
    pub keep_firing_for_seconds: u64,
    /// Upper bound on the time to resolve after a total outage ends.
    pub reset_seconds: u64,
}

fn ms_dec(d: Duration) -> Decimal {
    Decimal::from_int(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn secs(ms: Decimal) -> f64 {
    ms.div_rounded(Decimal::from_int(1000), 3)
        .map_or(f64::NAN, Decimal::to_f64)
}

/// Explanations of every SLO of a fleet.
pub fn explain(fleet: &Fleet) -> Vec<SloExplanation> {
    fleet
        .services
        .iter()
        .flat_map(|s| {
            s.slos
                .iter()
                .map(|slo| explain_slo(slo, s.format, &fleet.settings))
        })
        .collect()
}

/// The explanation of one SLO of a service read from `format`.
pub fn explain_slo(slo: &Slo, format: SourceFormat, settings: &Settings) -> SloExplanation {
    let step = settings.evaluation_interval;
    // Errors linger in the recorded rates for one base window after they stop.
    let linger = settings
        .base_window
        .as_millis()
        .div_ceil(step.as_millis().max(1))
        * step.as_millis();
    let budget = slo.error_budget();
    let window_ms = ms_dec(slo.window);
    let budget_minutes = Decimal::from_int(i64::try_from(slo.window.minutes()).unwrap_or(0))
        .checked_mul(budget)
        .unwrap_or(Decimal::ZERO);
    let tiers = slo
        .alerts
        .iter()
        .map(|a| {
            let threshold = a.threshold(budget);
            let long = ms_dec(a.long_window);
            let spent = a
                .burn_rate
                .checked_mul(long)
                .and_then(|x| x.checked_mul(Decimal::from_int(100)))
                .and_then(|x| x.div_rounded(window_ms, 4))
                .unwrap_or(Decimal::ZERO);
            // (threshold / error ratio) × long window: the ratio is 1 for a total outage and
            // 2 × threshold at twice the factor.
            let lag = ms_dec(step);
            let workbook = (threshold < Decimal::ONE)
                .then(|| threshold.checked_mul(long))
                .flatten();
            let total = workbook.and_then(|d| d.checked_add(lag));
            let twice_ratio = threshold
                .checked_mul(Decimal::from_int(2))
                .unwrap_or(Decimal::ONE);
            let twice = (twice_ratio <= Decimal::ONE)
                .then(|| {
                    long.div_rounded(Decimal::from_int(2), 3)
                        .and_then(|d| d.checked_add(lag))
                })
                .flatten();
            let exhaustion = window_ms
                .div_rounded(a.burn_rate, 3)
                .unwrap_or(Decimal::ZERO);
            let reset = a.short_window.as_millis()
                + linger
                + step.as_millis()
                + a.keep_firing_for.as_millis();
            TierExplanation {
                tier: a.tier.clone(),
                severity: a.severity_kind.as_str().into(),
                long_window: a.long_window.to_string(),
                short_window: a.short_window.to_string(),
                burn_rate: a.burn_rate.to_f64(),
                error_ratio_threshold: threshold.to_f64(),
                budget_spent_percent: spent.to_f64(),
                detection_total_outage_seconds: total.map(secs),
                workbook_detection_total_outage_seconds: workbook.map(secs),
                detection_twice_factor_seconds: twice.map(secs),
                exhaustion_seconds: secs(exhaustion),
                for_seconds: a.for_.as_millis() / 1000,
                policy_for_seconds: settings
                    .alert_tiers
                    .iter()
                    .find(|t| t.name == a.tier)
                    .map_or(a.for_, |t| t.for_)
                    .as_millis()
                    / 1000,
                keep_firing_for_seconds: a.keep_firing_for.as_millis() / 1000,
                reset_seconds: reset / 1000,
            }
        })
        .collect();
    SloExplanation {
        service: slo.service.clone(),
        slo: slo.name.clone(),
        description: slo.description.trim().to_string(),
        objective: slo.objective.to_f64(),
        window: slo.window.to_string(),
        window_seconds: slo.window.as_millis() / 1000,
        calendar: slo
            .calendar
            .as_ref()
            .map(|c| format!("{} in {}", c.period.as_str(), c.timezone)),
        exclusions: slo.exclusions.iter().map(|e| e.name.clone()).collect(),
        muting_exclusions: slo
            .exclusions
            .iter()
            .filter(|e| e.mute_alerts)
            .map(|e| e.name.clone())
            .collect(),
        error_budget: budget.to_f64(),
        error_budget_minutes: budget_minutes.to_f64(),
        outage_minute_budget_percent: if budget_minutes.to_f64() > 0.0 {
            100.0 / budget_minutes.to_f64()
        } else {
            0.0
        },
        evaluation_interval: step.to_string(),
        min_events: slo.min_events,
        format: match format {
            SourceFormat::Native => "native",
            SourceFormat::Sloth => "sloth",
            SourceFormat::OpenSlo => "openslo",
        },
        tiers,
        no_data: slo
            .no_data_alerts
            .iter()
            .map(|n| NoDataExplanation {
                alert: n.alert_name.clone(),
                missing: n.kind.label_value().to_string(),
                severity: n.severity.clone(),
                for_seconds: n.for_.as_millis() / 1000,
            })
            .collect(),
        groups: slo.grouping.as_ref().map(|g| GroupsExplanation {
            group_by: g.labels.clone(),
            max_groups: g.max_groups,
            guard_alert: g.guard.alert_name.clone(),
            guard_severity: g.guard.severity.clone(),
            guard_for_seconds: g.guard.for_.as_millis() / 1000,
        }),
        budget_stages: slo
            .budget_alerts
            .iter()
            .map(|b| StageExplanation {
                stage: b.stage.clone(),
                remaining_below_percent: b
                    .below
                    .checked_mul(Decimal::from_int(100))
                    .map_or(0.0, Decimal::to_f64),
                severity: b.severity.clone(),
            })
            .collect(),
    }
}

/// A duration for people: whole seconds below a minute (`52s`, `0.5s` below a second), else
/// rounded to the second in Prometheus units (`57m8s`, `2d2h`).
pub fn human_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    if s < 1.0 {
        return format!("{}s", (s * 1000.0).round() / 1000.0);
    }
    Duration::from_secs(s.round() as u64).to_string()
}
