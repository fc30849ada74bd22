//! Sloth's `version: prometheus/v1` spec, read unchanged. Sloth ignores keys it does not know;
//! sloforge reports them as warnings (errors under `--strict`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

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
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothSli {
    #[serde(default)]
    pub events: Option<SlothEvents>,
    #[serde(default)]
    pub raw: Option<SlothRaw>,
    #[serde(default)]
    pub plugin: Option<Sp<SlothPlugin>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothEvents {
    pub error_query: Sp<String>,
    pub total_query: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothRaw {
    pub error_ratio_query: Sp<String>,
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
    pub page_alert: Option<SlothAlert>,
    #[serde(default)]
    pub ticket_alert: Option<SlothAlert>,
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
}

/// Sloth's Kubernetes resource (`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`):
/// the same SLOs as `prometheus/v1`, with camelCase keys.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SlothCrd {
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    pub kind: Sp<String>,
    #[serde(default)]
    pub metadata: Option<CrdMetadata>,
    pub spec: CrdSpec,
}

pub const CRD_API_VERSION: &str = "sloth.slok.dev/v1";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CrdSli {
    #[serde(default)]
    pub events: Option<CrdEvents>,
    #[serde(default)]
    pub raw: Option<CrdRaw>,
    #[serde(default)]
    pub plugin: Option<Sp<SlothPlugin>>,
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
    pub page_alert: Option<SlothAlert>,
    #[serde(default, rename = "ticketAlert")]
    pub ticket_alert: Option<SlothAlert>,
}

impl SlothCrd {
    /// The same SLOs in the `prometheus/v1` structure.
    pub fn into_spec(self) -> SlothSpec {
        SlothSpec {
            version: Sp::new(VERSION.to_string(), self.api_version.loc),
            service: self.spec.service,
            labels: self.spec.labels,
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
                            events: s.sli.value.events.map(|e| SlothEvents { error_query: e.error_query, total_query: e.total_query }),
                            raw: s.sli.value.raw.map(|r| SlothRaw { error_ratio_query: r.error_ratio_query }),
                            plugin: s.sli.value.plugin,
                        },
                        s.sli.loc,
                    ),
                    alerting: SlothAlerting {
                        name: s.alerting.name,
                        labels: s.alerting.labels,
                        annotations: s.alerting.annotations,
                        page_alert: s.alerting.page_alert,
                        ticket_alert: s.alerting.ticket_alert,
                    },
                })
                .collect(),
        }
    }
}
