//! Grafana dashboards of the SLOs: one per service (its SLOs' budget, SLI against the
//! objective, burn rate per alert tier with the tier's threshold, alert state) and an overview
//! of the fleet. Every panel reads only the series the rules record and `ALERTS`, by the names
//! in [`crate::names`]. The JSON has the shape of the `Dashboard` type Grafana publishes in
//! `@grafana/schema` (tests/dashboards.rs type-checks it), its keys sorted, its uid derived
//! from the service's name ([`names::dashboard_uid`]).

mod overview;
mod panel;
mod query;
mod service;

use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::model::{Service, Settings};
use crate::names;

/// The schema version of the dashboards' JSON (Grafana 12); a later Grafana migrates it.
const SCHEMA_VERSION: u32 = 41;

/// The dashboard of one service, as pretty-printed JSON.
pub fn service_dashboard(s: &Service, settings: &Settings) -> String {
    text(&service::dashboard(s, settings))
}

/// The fleet's overview dashboard, as pretty-printed JSON: the same for every fleet of the same
/// settings (its variables list the services and SLOs from the recorded series).
pub fn overview_dashboard(settings: &Settings) -> String {
    text(&overview::dashboard(settings))
}

fn text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The parts of a dashboard sloforge writes around its panels.
struct Envelope<'a> {
    uid: &'a str,
    title: &'a str,
    description: &'a str,
    tags: Vec<&'a str>,
    variables: Vec<Value>,
    panels: Value,
}

impl Envelope<'_> {
    fn json(self) -> Value {
        json!({
            "description": self.description,
            "editable": true,
            "graphTooltip": 1,
            "links": [{
                "asDropdown": true,
                "icon": "external link",
                "includeVars": false,
                "keepTime": true,
                "tags": [names::DASHBOARD_TAG],
                "targetBlank": false,
                "title": "SLO dashboards",
                "tooltip": "",
                "type": "dashboards",
                "url": "",
            }],
            "panels": self.panels,
            "refresh": "1m",
            "schemaVersion": SCHEMA_VERSION,
            "tags": self.tags,
            "templating": { "list": self.variables },
            "time": { "from": "now-7d", "to": "now" },
            "timezone": "",
            "title": self.title,
            "uid": self.uid,
            "version": 1,
        })
    }
}

/// The variable choosing the Prometheus data source every panel reads.
fn datasource_variable() -> Value {
    json!({
        "hide": 0,
        "label": "Data source",
        "name": "datasource",
        "query": "prometheus",
        "refresh": 1,
        "type": "datasource",
    })
}

/// The selection of every value of a multi-value variable.
fn all_selected() -> Value {
    json!({ "selected": true, "text": ["All"], "value": ["$__all"] })
}

/// A multi-value variable with `All` selected at first, which reads as the regex `.+`.
fn multi_variable(name: &str, label: &str, kind: &str, query: &str, options: Value) -> Value {
    json!({
        "allValue": ".+",
        "current": all_selected(),
        "hide": 0,
        "includeAll": true,
        "label": label,
        "multi": true,
        "name": name,
        "options": options,
        "query": query,
        "type": kind,
    })
}

/// A multi-value variable of a group label (`group_by`) of `service`'s SLOs, read from the
/// recorded budgets. `All` reads as `.*`, which also matches the series of the service's
/// SLOs without that label.
fn group_variable(service: &str, group_label: &str) -> Value {
    let mut v = multi_variable(
        group_label,
        group_label,
        "query",
        &format!(
            "label_values({}, {group_label})",
            query::sel(
                names::BUDGET_REMAINING,
                &[query::M::Eq(names::label::SERVICE, service)]
            )
        ),
        Value::Array(Vec::new()),
    );
    v["allValue"] = Value::String(".*".into());
    v["refresh"] = json!(2);
    v
}

/// A `ConfigMap` holding one dashboard, labelled for Grafana's dashboard sidecar
/// (kube-prometheus-stack finds it by [`names::GRAFANA_DASHBOARD_LABEL`]).
#[derive(Serialize)]
struct ConfigMap<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    data: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    labels: BTreeMap<String, String>,
}

/// The `ConfigMap` of a dashboard as YAML: `name`, the dashboard under `key` (its file name),
/// `labels` (the command line's, and the rule resource's `sloforge.dev/service` on a service's
/// dashboard) with the sidecar's label and sloforge's.
pub fn configmap(
    name: &str,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
    key: &str,
    dashboard: &str,
) -> String {
    let mut l = labels.clone();
    let (k, v) = names::GRAFANA_DASHBOARD_LABEL;
    l.insert(k.into(), v.into());
    l.insert("app.kubernetes.io/managed-by".into(), "sloforge".into());
    let cm = ConfigMap {
        api_version: "v1",
        kind: "ConfigMap",
        metadata: Metadata {
            name,
            namespace,
            labels: l,
        },
        data: BTreeMap::from([(key, dashboard)]),
    };
    // The dashboard as a literal block, readable and diffable line by line.
    let mut opts = serde_saphyr::SerializerOptions::default();
    opts.prefer_block_scalars = true;
    opts.min_fold_chars = usize::MAX;
    opts.folded_wrap_chars = usize::MAX / 2;
    serde_saphyr::to_string_with_options(&cm, opts)
        .unwrap_or_else(|e| format!("# serialization failed: {e}\n"))
}
