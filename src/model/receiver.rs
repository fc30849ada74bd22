//! The validated receivers of the routing: their integrations, the HTTP client settings of those
//! that take one, what a later Alertmanager release than 0.25 is needed for, and what the
//! Prometheus Operator's `AlertmanagerConfig` cannot express. Secrets are only file paths.

use std::collections::BTreeMap;

use super::alertmanager::Requirement;
use crate::diag::Loc;

#[derive(Debug, Clone, Default)]
pub struct Receiver {
    /// The spec's name (an existing receiver's exact name in the user's configuration).
    pub name: String,
    /// Where the receiver's name is in the routing spec.
    pub loc: Loc,
    /// A receiver of the user's own Alertmanager configuration (`existing: true`): routes name
    /// it as it is, `splice` writes no receiver for it, and it has no integration here.
    pub existing: bool,
    pub pagerduty: Option<PagerDuty>,
    pub slack: Option<Slack>,
    pub email: Option<Email>,
    pub webhook: Option<Webhook>,
    pub opsgenie: Option<Opsgenie>,
    /// Microsoft Teams, Office 365 connector (`msteams_configs`).
    pub msteams: Option<MsTeams>,
    /// Microsoft Teams, Power Automate workflow (`msteamsv2_configs`).
    pub msteamsv2: Option<MsTeams>,
    /// What of it a later release than Alertmanager 0.25 is needed for.
    pub requirements: Vec<Requirement>,
    /// What of it an `AlertmanagerConfig` cannot express (`--format kubernetes` refuses it).
    pub kubernetes_gaps: Vec<Gap>,
}

impl Receiver {
    /// Whether the receiver has an integration of its own (a receiver without one discards
    /// what it gets; an existing receiver delivers as the user's configuration says).
    pub fn delivers(&self) -> bool {
        self.existing
            || self.pagerduty.is_some()
            || self.slack.is_some()
            || self.email.is_some()
            || self.webhook.is_some()
            || self.opsgenie.is_some()
            || self.msteams.is_some()
            || self.msteamsv2.is_some()
    }

    /// Every secret file the receiver reads.
    pub fn secret_files(&self) -> Vec<&str> {
        let mut v = Vec::new();
        if let Some(p) = &self.pagerduty {
            v.push(p.routing_key_file.as_str());
        }
        if let Some(s) = &self.slack {
            v.push(s.api_url_file.as_str());
        }
        if let Some(f) = self
            .email
            .as_ref()
            .and_then(|e| e.auth_password_file.as_deref())
        {
            v.push(f);
        }
        if let Some(h) = self.webhook.as_ref().and_then(|w| w.http.as_ref()) {
            v.extend(h.secret_files());
        }
        if let Some(o) = &self.opsgenie {
            v.push(o.api_key_file.as_str());
        }
        for t in self.msteams.iter().chain(&self.msteamsv2) {
            v.push(t.webhook_url_file.as_str());
            v.extend(t.http.iter().flat_map(HttpClient::secret_files));
        }
        v
    }
}

/// A part of the routing spec that the Prometheus Operator's `AlertmanagerConfig`
/// (`monitoring.coreos.com/v1alpha1`) cannot express, at its place in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub loc: Loc,
    pub path: String,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Clone)]
pub struct PagerDuty {
    pub routing_key_file: String,
    pub severity: Option<String>,
    pub send_resolved: bool,
}

#[derive(Debug, Clone)]
pub struct Slack {
    pub api_url_file: String,
    pub channel: Option<String>,
    pub send_resolved: bool,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub from: String,
    pub smarthost: String,
    pub auth_username: Option<String>,
    pub auth_password_file: Option<String>,
    pub require_tls: bool,
    pub send_resolved: bool,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    /// The HTTP client: the spec's `http_config`, with its `credentials_file` as the
    /// `Authorization: Bearer` header.
    pub http: Option<HttpClient>,
    pub max_alerts: u64,
    pub send_resolved: bool,
}

#[derive(Debug, Clone)]
pub struct Opsgenie {
    pub api_key_file: String,
    pub priority: Option<String>,
    pub send_resolved: bool,
}

/// A Microsoft Teams integration (either kind): the webhook URL from a file.
#[derive(Debug, Clone)]
pub struct MsTeams {
    pub webhook_url_file: String,
    pub http: Option<HttpClient>,
    pub send_resolved: bool,
}

/// The HTTP client of an integration (Alertmanager's `http_config`), secrets as files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpClient {
    pub authorization: Option<Authorization>,
    pub basic_auth: Option<BasicAuth>,
    pub oauth2: Option<OAuth2>,
    pub tls: Option<Tls>,
    pub proxy_url: Option<String>,
    pub follow_redirects: Option<bool>,
    pub enable_http2: Option<bool>,
}

impl HttpClient {
    /// Every secret file the client reads (TLS certificates and CA included).
    pub fn secret_files(&self) -> Vec<&str> {
        let mut v = Vec::new();
        if let Some(a) = &self.authorization {
            v.push(a.credentials_file.as_str());
        }
        if let Some(b) = &self.basic_auth {
            v.extend(b.username_file.as_deref());
            v.extend(b.password_file.as_deref());
        }
        if let Some(o) = &self.oauth2 {
            v.extend(o.client_secret_file.as_deref());
        }
        if let Some(t) = &self.tls {
            v.extend(t.ca_file.as_deref());
            v.extend(t.cert_file.as_deref());
            v.extend(t.key_file.as_deref());
        }
        v
    }
}

/// The `Authorization` header: `<type> <credentials read from the file>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub type_: String,
    pub credentials_file: String,
}

/// HTTP basic authentication: the user name inline or from a file, the password from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct BasicAuth {
    pub username: Option<String>,
    pub username_file: Option<String>,
    pub password_file: Option<String>,
}

/// OAuth 2.0 client credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2 {
    pub client_id: String,
    pub client_secret_file: Option<String>,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub endpoint_params: BTreeMap<String, String>,
}

/// TLS settings of the client.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tls {
    pub ca_file: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub server_name: Option<String>,
    pub insecure_skip_verify: Option<bool>,
    /// `TLS10` to `TLS13`.
    pub min_version: Option<String>,
}
