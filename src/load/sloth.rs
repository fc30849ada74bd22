//! Sloth's `version: prometheus/v1` spec, read unchanged. Sloth ignores keys it does not know;
//! sloforge reports them as warnings (errors under `--strict`). Like Sloth, a `prometheus/v1`
//! file may spell the query and alert keys in camelCase too (`errorQuery`, `pageAlert`, …).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::node::Value;
use super::spanned::Sp;

pub const VERSION: &str = "prometheus/v1";

pub type Labels = BTreeMap<Sp<String>, Sp<String>>;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothSpec {
    pub version: Sp<String>,
    pub service: Sp<String>,
    #[serde(default)]
    pub labels: Labels,
    /// SLO plugin chain of every SLO of the service.
    #[serde(default)]
    pub slo_plugins: Option<Sp<SloPlugins>>,
    pub slos: Vec<SlothSlo>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothSlo {
    pub name: Sp<String>,
    pub objective: Sp<f64>,
    #[serde(default)]
    pub description: Option<Sp<String>>,
    #[serde(default)]
    pub labels: Labels,
    pub sli: Sp<SlothSli>,
    #[serde(default)]
    pub alerting: SlothAlerting,
    /// SLO plugins of this SLO, after those of the service.
    #[serde(default)]
    pub plugins: Option<Sp<SloPlugins>>,
    /// Rule-group evaluation intervals (not applied by sloforge).
    #[serde(default)]
    pub interval: Option<Sp<SlothInterval>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothSli {
    #[serde(default)]
    pub events: Option<Sp<SlothEvents>>,
    #[serde(default)]
    pub raw: Option<Sp<SlothRaw>>,
    #[serde(default)]
    pub plugin: Option<Sp<SlothPlugin>>,
    /// Sloth's traffic-corrected SLI (error or success query, and total query).
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub denominator_corrected: Option<Sp<Value>>,
}

/// Error and total queries; each key may be written in snake_case or camelCase.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothEvents {
    #[serde(default)]
    pub error_query: Option<Sp<String>>,
    #[serde(default, rename = "errorQuery")]
    pub error_query_camel: Option<Sp<String>>,
    #[serde(default)]
    pub total_query: Option<Sp<String>>,
    #[serde(default, rename = "totalQuery")]
    pub total_query_camel: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothRaw {
    #[serde(default)]
    pub error_ratio_query: Option<Sp<String>>,
    #[serde(default, rename = "errorRatioQuery")]
    pub error_ratio_query_camel: Option<Sp<String>>,
}

/// Sloth's SLO plugin chain (`slo_plugins` / `sloPlugins` of a service, `plugins` of an SLO).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SloPlugins {
    #[serde(default, rename = "overridePrevious")]
    pub override_previous: Option<Sp<bool>>,
    #[serde(default)]
    pub chain: Vec<Sp<SloPlugin>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SloPlugin {
    pub id: Sp<String>,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub config: Option<Sp<Value>>,
}

/// SLO plugins that leave the generated rules unchanged (they only log).
pub const PLUGIN_DEBUG: &str = "sloth.dev/core/debug/v1";
/// The contrib plugin that applies `page_alert.for` / `ticket_alert.for`.
pub const PLUGIN_ALERT_FOR: &str = "sloth.dev/contrib/alert_for/v1";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothInterval {
    #[serde(default)]
    pub all: Option<Sp<String>>,
    #[serde(default)]
    pub slierror: Option<Sp<String>>,
    #[serde(default)]
    pub metadata: Option<Sp<String>>,
    #[serde(default)]
    pub alert: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SlothPlugin {
    pub id: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothAlerting {
    #[serde(default)]
    pub name: Option<Sp<String>>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(default)]
    pub page_alert: Option<Sp<SlothAlert>>,
    #[serde(default, rename = "pageAlert")]
    pub page_alert_camel: Option<Sp<SlothAlert>>,
    #[serde(default)]
    pub ticket_alert: Option<Sp<SlothAlert>>,
    #[serde(default, rename = "ticketAlert")]
    pub ticket_alert_camel: Option<Sp<SlothAlert>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothAlert {
    #[serde(default)]
    pub disable: bool,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    /// Pending time, applied by the `sloth.dev/contrib/alert_for/v1` SLO plugin only.
    #[serde(default, rename = "for")]
    pub for_: Option<Sp<String>>,
}

/// Sloth's Kubernetes resource (`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`
/// or `ManagedPrometheusServiceLevel`): the same SLOs as `prometheus/v1`, with camelCase keys.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothCrd {
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    #[expect(
        dead_code,
        reason = "read for the JSON Schema and the unknown-field check only"
    )]
    pub kind: Sp<String>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "read for the JSON Schema and the unknown-field check only"
    )]
    pub metadata: Option<CrdMetadata>,
    pub spec: CrdSpec,
}

pub const CRD_API_VERSION: &str = "sloth.slok.dev/v1";
/// Kinds of `sloth.slok.dev/v1` that hold SLOs (the second is written as Google Managed
/// Prometheus rules by Sloth; its SLOs are the same).
pub const CRD_KINDS: [&str; 2] = ["PrometheusServiceLevel", "ManagedPrometheusServiceLevel"];
/// Sloth's alert-window documents: `sloth.slok.dev/v1` `AlertWindows`, or the older
/// `version: alertWindows/v1`.
pub const ALERT_WINDOWS_KIND: &str = "AlertWindows";
pub const ALERT_WINDOWS_VERSION: &str = "alertWindows/v1";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "read for the JSON Schema only")]
pub struct CrdMetadata {
    #[serde(default)]
    pub name: Option<Sp<String>>,
    #[serde(default)]
    pub namespace: Option<Sp<String>>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdSpec {
    pub service: Sp<String>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default, rename = "sloPlugins")]
    pub slo_plugins: Option<Sp<SloPlugins>>,
    pub slos: Vec<CrdSlo>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdSlo {
    pub name: Sp<String>,
    pub objective: Sp<f64>,
    #[serde(default)]
    pub description: Option<Sp<String>>,
    #[serde(default)]
    pub labels: Labels,
    pub sli: Sp<CrdSli>,
    #[serde(default)]
    pub alerting: CrdAlerting,
    #[serde(default)]
    pub plugins: Option<Sp<SloPlugins>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdSli {
    #[serde(default)]
    pub events: Option<Sp<CrdEvents>>,
    #[serde(default)]
    pub raw: Option<Sp<CrdRaw>>,
    #[serde(default)]
    pub plugin: Option<Sp<SlothPlugin>>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub denominator_corrected: Option<Sp<Value>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdEvents {
    #[serde(rename = "errorQuery")]
    pub error_query: Sp<String>,
    #[serde(rename = "totalQuery")]
    pub total_query: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdRaw {
    #[serde(rename = "errorRatioQuery")]
    pub error_ratio_query: Sp<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdAlerting {
    #[serde(default)]
    pub name: Option<Sp<String>>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(default, rename = "pageAlert")]
    pub page_alert: Option<Sp<SlothAlert>>,
    #[serde(default, rename = "ticketAlert")]
    pub ticket_alert: Option<Sp<SlothAlert>>,
}

impl SlothCrd {
    /// The same SLOs in the `prometheus/v1` structure.
    pub fn into_spec(self) -> SlothSpec {
        SlothSpec {
            version: Sp::new(VERSION.to_string(), self.api_version.loc),
            service: self.spec.service,
            labels: self.spec.labels,
            slo_plugins: self.spec.slo_plugins,
            slos: self
                .spec
                .slos
                .into_iter()
                .map(|s| SlothSlo {
                    name: s.name,
                    objective: s.objective,
                    description: s.description,
                    labels: s.labels,
                    sli: Sp::new(
                        SlothSli {
                            events: s.sli.value.events.map(|e| {
                                Sp::new(
                                    SlothEvents {
                                        error_query: None,
                                        error_query_camel: Some(e.value.error_query),
                                        total_query: None,
                                        total_query_camel: Some(e.value.total_query),
                                    },
                                    e.loc,
                                )
                            }),
                            raw: s.sli.value.raw.map(|r| {
                                Sp::new(
                                    SlothRaw {
                                        error_ratio_query: None,
                                        error_ratio_query_camel: Some(r.value.error_ratio_query),
                                    },
                                    r.loc,
                                )
                            }),
                            plugin: s.sli.value.plugin,
                            denominator_corrected: s.sli.value.denominator_corrected,
                        },
                        s.sli.loc,
                    ),
                    alerting: SlothAlerting {
                        name: s.alerting.name,
                        labels: s.alerting.labels,
                        annotations: s.alerting.annotations,
                        page_alert: None,
                        page_alert_camel: s.alerting.page_alert,
                        ticket_alert: None,
                        ticket_alert_camel: s.alerting.ticket_alert,
                    },
                    plugins: s.plugins,
                    interval: None,
                })
                .collect(),
        }
    }
}
