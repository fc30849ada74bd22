//! OpenSLO documents as read from YAML: `openslo/v1` (SLO, SLI, AlertPolicy, AlertCondition,
//! AlertNotificationTarget, Service, DataSource) and `openslo/v1alpha` SLOs as Sloth reads them.
//! Keys sloforge does not use are reported as warnings, like Sloth's.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::node::Value;
use super::spanned::Sp;

pub const V1: &str = "openslo/v1";
pub const V1ALPHA: &str = "openslo/v1alpha";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Metadata {
    pub name: Sp<String>,
    #[serde(default, rename = "displayName")]
    pub display_name: Option<Sp<String>>,
    /// Labels: a string or a list of strings each.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub labels: BTreeMap<String, Sp<Value>>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl JsonSchema for Value {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AnyValue".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!(true)
    }
}

/// Any `openslo/v1` document.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Doc<S> {
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    pub kind: Sp<String>,
    pub metadata: Metadata,
    pub spec: S,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SloSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    pub service: Sp<String>,
    #[serde(default)]
    pub indicator: Option<Inline<SliSpec>>,
    #[serde(default, rename = "indicatorRef")]
    pub indicator_ref: Option<Sp<String>>,
    /// Optional in OpenSLO; without it the fleet's default window is used.
    #[serde(default, rename = "timeWindow")]
    pub time_window: Option<Sp<Vec<TimeWindow>>>,
    #[serde(rename = "budgetingMethod")]
    pub budgeting_method: Sp<String>,
    pub objectives: Sp<Vec<Objective>>,
    /// May be given empty (`alertPolicies:` with nothing after it).
    #[serde(default, rename = "alertPolicies")]
    pub alert_policies: Option<Vec<Sp<AlertPolicyItem>>>,
}

/// A document embedded in another (`indicator`, an inline alert policy or condition).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Inline<S> {
    #[serde(default, rename = "apiVersion")]
    pub api_version: Option<Sp<String>>,
    #[serde(default)]
    pub kind: Option<Sp<String>>,
    pub metadata: Metadata,
    pub spec: S,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TimeWindow {
    pub duration: Sp<String>,
    #[serde(default = "yes", rename = "isRolling")]
    pub is_rolling: bool,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub calendar: Option<Sp<Value>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Objective {
    #[serde(default, rename = "displayName")]
    pub display_name: Option<Sp<String>>,
    #[serde(default)]
    pub target: Option<Sp<f64>>,
    #[serde(default, rename = "targetPercent")]
    pub target_percent: Option<Sp<f64>>,
    #[serde(default)]
    pub op: Option<Sp<String>>,
    #[serde(default)]
    pub value: Option<Sp<f64>>,
    #[serde(default, rename = "timeSliceTarget")]
    pub time_slice_target: Option<Sp<f64>>,
    #[serde(default, rename = "timeSliceWindow")]
    pub time_slice_window: Option<Sp<String>>,
    #[serde(default)]
    pub indicator: Option<Inline<SliSpec>>,
    #[serde(default, rename = "indicatorRef")]
    pub indicator_ref: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SliSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    #[serde(default, rename = "thresholdMetric")]
    pub threshold_metric: Option<Sp<Metric>>,
    #[serde(default, rename = "ratioMetric")]
    pub ratio_metric: Option<Sp<RatioMetric>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RatioMetric {
    #[serde(default)]
    pub counter: bool,
    #[serde(default)]
    pub good: Option<Sp<Metric>>,
    #[serde(default)]
    pub bad: Option<Sp<Metric>>,
    /// Required with `good` or `bad`; absent with `raw`.
    #[serde(default)]
    pub total: Option<Sp<Metric>>,
    #[serde(default, rename = "rawType")]
    pub raw_type: Option<Sp<String>>,
    #[serde(default)]
    pub raw: Option<Sp<Metric>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Metric {
    #[serde(rename = "metricSource")]
    pub metric_source: MetricSource,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MetricSource {
    #[serde(default, rename = "metricSourceRef")]
    pub metric_source_ref: Option<Sp<String>>,
    #[serde(default, rename = "type")]
    pub type_: Option<Sp<String>>,
    #[schemars(with = "serde_json::Value")]
    pub spec: Sp<Value>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AlertPolicyItem {
    #[serde(default, rename = "alertPolicyRef")]
    pub alert_policy_ref: Option<Sp<String>>,
    #[serde(default)]
    pub kind: Option<Sp<String>>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub spec: Option<AlertPolicySpec>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AlertPolicySpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    #[serde(default, rename = "alertWhenNoData")]
    pub alert_when_no_data: Option<bool>,
    #[serde(default, rename = "alertWhenResolved")]
    pub alert_when_resolved: Option<bool>,
    #[serde(default, rename = "alertWhenBreaching")]
    pub alert_when_breaching: Option<bool>,
    pub conditions: Vec<Sp<ConditionItem>>,
    #[serde(default, rename = "notificationTargets")]
    pub notification_targets: Vec<Sp<TargetItem>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ConditionItem {
    #[serde(default, rename = "conditionRef")]
    pub condition_ref: Option<Sp<String>>,
    #[serde(default)]
    pub kind: Option<Sp<String>>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub spec: Option<AlertConditionSpec>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AlertConditionSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    pub severity: Sp<String>,
    pub condition: Sp<Condition>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Condition {
    pub kind: Sp<String>,
    #[serde(default)]
    pub op: Option<Sp<String>>,
    pub threshold: Sp<f64>,
    #[serde(rename = "lookbackWindow")]
    pub lookback_window: Sp<String>,
    #[serde(default, rename = "alertAfter")]
    pub alert_after: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TargetItem {
    #[serde(default, rename = "targetRef")]
    pub target_ref: Option<Sp<String>>,
    #[serde(default)]
    pub kind: Option<Sp<String>>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub spec: Option<NotificationTargetSpec>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NotificationTargetSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    pub target: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServiceSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct DataSourceSpec {
    #[serde(default, rename = "type")]
    pub type_: Option<Sp<String>>,
    #[serde(default, rename = "connectionDetails")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub connection_details: Option<Sp<Value>>,
}

/// One `openslo/v1` document of a kind sloforge reads. Its variants differ in size; there are
/// as many as documents, read once, so none is boxed.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum V1Doc {
    Slo(Doc<SloSpec>),
    Sli(Doc<SliSpec>),
    AlertPolicy(Doc<AlertPolicySpec>),
    AlertCondition(Doc<AlertConditionSpec>),
    AlertNotificationTarget(Doc<NotificationTargetSpec>),
    Service(Doc<ServiceSpec>),
    DataSource(Doc<DataSourceSpec>),
}

/// `openslo/v1alpha` SLO, the subset Sloth reads.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct V1AlphaSlo {
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    pub kind: Sp<String>,
    pub metadata: Metadata,
    pub spec: V1AlphaSpec,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct V1AlphaSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    pub service: Sp<String>,
    #[serde(default, rename = "budgetingMethod")]
    pub budgeting_method: Option<Sp<String>>,
    pub objectives: Vec<V1AlphaObjective>,
    /// Absent: the default SLO window, as Sloth reads it.
    #[serde(default, rename = "timeWindows")]
    pub time_windows: Option<Sp<Vec<V1AlphaTimeWindow>>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct V1AlphaObjective {
    #[serde(default, rename = "displayName")]
    pub display_name: Option<Sp<String>>,
    pub target: Sp<f64>,
    #[serde(default, rename = "ratioMetrics")]
    pub ratio_metrics: Option<Sp<V1AlphaRatio>>,
    #[serde(default)]
    pub value: Option<Sp<f64>>,
    #[serde(default)]
    pub op: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct V1AlphaRatio {
    pub good: V1AlphaQuery,
    pub total: V1AlphaQuery,
    #[serde(default)]
    pub incremental: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct V1AlphaQuery {
    pub source: Sp<String>,
    #[serde(rename = "queryType")]
    pub query_type: Sp<String>,
    pub query: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct V1AlphaTimeWindow {
    pub count: Sp<u64>,
    pub unit: Sp<String>,
    #[serde(default = "yes", rename = "isRolling")]
    pub is_rolling: bool,
}
