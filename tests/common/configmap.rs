//! The dashboard `ConfigMap`s as the API server and Grafana's dashboard sidecar read them: core
//! `v1` resources, which no CRD describes, so their schema is written here after the API
//! server's validation of a `ConfigMap`.

use serde_json::{Value, json};

/// A core `v1` `ConfigMap` as the API server validates it (the parts sloforge writes; any other
/// field is an error here), with `metadata` checked against `metadata`.
pub fn schema(metadata: Value) -> Value {
    json!({
        "type": "object",
        "required": ["apiVersion", "kind", "metadata"],
        "additionalProperties": false,
        "properties": {
            "apiVersion": {"enum": ["v1"]},
            "kind": {"enum": ["ConfigMap"]},
            "metadata": metadata,
            "immutable": {"type": "boolean"},
            "data": {
                "type": "object",
                "propertyNames": {"maxLength": 253, "x-go-pattern": "^[-._a-zA-Z0-9]+$"},
                "additionalProperties": {"type": "string"},
            },
        },
    })
}

/// The API server's limit on the data of one `ConfigMap`.
pub const MAX_BYTES: usize = 1024 * 1024;

/// What Grafana's dashboard sidecar needs of a `ConfigMap` and the API server's size limit:
/// the `grafana_dashboard: "1"` label, one `.json` key holding a dashboard with a uid.
pub fn sidecar_problems(doc: &Value) -> Vec<String> {
    let name = doc["metadata"]["name"].as_str().unwrap_or("-");
    let mut out = Vec::new();
    let (k, v) = sloforge::names::GRAFANA_DASHBOARD_LABEL;
    if doc["metadata"]["labels"][k] != v {
        out.push(format!("ConfigMap {name}: no label {k}: \"{v}\""));
    }
    let data = doc["data"].as_object().cloned().unwrap_or_default();
    let size: usize = data
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum();
    if size > MAX_BYTES {
        out.push(format!(
            "ConfigMap {name}: {size} bytes of data, over 1 MiB"
        ));
    }
    let dashboards: Vec<Value> = data
        .iter()
        .filter(|(k, _)| k.ends_with(".json"))
        .filter_map(|(_, v)| serde_json::from_str(v.as_str()?).ok())
        .filter(|d: &Value| d["uid"].is_string())
        .collect();
    if data.len() != 1 || dashboards.len() != 1 {
        out.push(format!(
            "ConfigMap {name}: not one dashboard under a .json key"
        ));
    }
    out
}
