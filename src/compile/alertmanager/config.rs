//! The types of `alertmanager.yml` as sloforge writes it (Alertmanager 0.25 and later; the
//! Microsoft Teams integrations and `basic_auth.username_file` 0.28 and later).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::syntax::matchers::Matcher;

pub(super) fn is_false(b: &bool) -> bool {
    !*b
}

pub(super) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `alertmanager.yml`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Config {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
    pub route: Route,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<InhibitRule>,
    pub receivers: Vec<AmReceiver>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<NamedInterval>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Route {
    pub receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<Matcher>,
    #[serde(rename = "continue", skip_serializing_if = "is_false")]
    pub continue_: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InhibitRule {
    pub source_matchers: Vec<Matcher>,
    pub target_matchers: Vec<Matcher>,
    pub equal: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AmReceiver {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<PagerDutyConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<SlackConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<EmailConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<WebhookConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<OpsgenieConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub msteams_configs: Vec<MsTeamsConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub msteamsv2_configs: Vec<MsTeamsConfig>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PagerDutyConfig {
    pub send_resolved: bool,
    pub routing_key_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlackConfig {
    pub send_resolved: bool,
    pub api_url_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EmailConfig {
    pub send_resolved: bool,
    pub to: String,
    pub from: String,
    pub smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_password_file: Option<String>,
    pub require_tls: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WebhookConfig {
    pub send_resolved: bool,
    pub url: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub max_alerts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
}

/// An integration's HTTP client (`http_config`), secrets as files.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HttpConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<OAuth2>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_redirects: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_http2: Option<bool>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Authorization {
    #[serde(rename = "type")]
    pub type_: String,
    pub credentials_file: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BasicAuth {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OAuth2 {
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<String>,
    pub token_url: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoint_params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TlsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
}

/// A Microsoft Teams integration (`msteams_configs` and `msteamsv2_configs` alike; sloforge
/// writes no `summary` for the older kind).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MsTeamsConfig {
    pub send_resolved: bool,
    pub webhook_url_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpsgenieConfig {
    pub send_resolved: bool,
    pub api_key_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NamedInterval {
    pub name: String,
    pub time_intervals: Vec<AmPeriod>,
}

/// One period of a time interval. `location` is written into every period: Alertmanager applies
/// a zone only to the list item it is in.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmPeriod {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<AmTimeRange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub days_of_month: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<String>,
    pub location: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmTimeRange {
    pub start_time: String,
    pub end_time: String,
}
