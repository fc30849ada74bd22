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
