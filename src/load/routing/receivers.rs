//! The receivers of the routing spec as read: each integration, and the HTTP client settings
//! (`http_config`) of those that take one. Secrets are only paths of files holding them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::load::spanned::Sp;

/// One receiver: one or more integrations, none (a receiver that discards what it gets), or
/// `existing: true` for a receiver of the configuration `splice` writes into.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiverSpec {
    /// A receiver that already exists, by this exact name, in the Alertmanager configuration
    /// `sloforge splice` writes into: routes send to it as it is, and sloforge writes no
    /// receiver for it (it has no integration here). `splice` stops when that configuration has
    /// no receiver of the name; the standalone `alertmanager.yml` of `generate` declares it
    /// without an integration; `--format kubernetes` cannot route to it.
    #[serde(default)]
    pub existing: Option<Sp<bool>>,
    /// PagerDuty, Events API v2.
    #[serde(default)]
    pub pagerduty: Option<PagerDutySpec>,
    /// A Slack incoming webhook.
    #[serde(default)]
    pub slack: Option<SlackSpec>,
    /// Email over SMTP.
    #[serde(default)]
    pub email: Option<EmailSpec>,
    /// A generic webhook (the Alertmanager webhook payload).
    #[serde(default)]
    pub webhook: Option<WebhookSpec>,
    /// Opsgenie.
    #[serde(default)]
    pub opsgenie: Option<OpsgenieSpec>,
    /// Microsoft Teams through an Office 365 connector (`msteams_configs`; Alertmanager 0.28 or
    /// later reads its URL from a file).
    #[serde(default)]
    pub msteams: Option<Sp<MsTeamsSpec>>,
    /// Microsoft Teams through a Power Automate workflow (`msteamsv2_configs`; Alertmanager
    /// 0.28 or later).
    #[serde(default)]
    pub msteamsv2: Option<Sp<MsTeamsSpec>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PagerDutySpec {
    /// Absolute path of a file holding the Events API v2 routing (integration) key.
    pub routing_key_file: Sp<String>,
    /// PagerDuty severity of the incident: `critical`, `error`, `warning` or `info`.
    #[serde(default)]
    pub severity: Option<Sp<String>>,
    /// Notify when the alert resolves (default true).
    #[serde(default)]
    pub send_resolved: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackSpec {
    /// Absolute path of a file holding the incoming-webhook URL.
    pub api_url_file: Sp<String>,
    /// Channel (`#payments-oncall`) or user; default: the webhook's own channel.
    #[serde(default)]
    pub channel: Option<Sp<String>>,
    /// Notify when the alert resolves (default true; Alertmanager's own default for Slack is
    /// false).
    #[serde(default)]
    pub send_resolved: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailSpec {
    /// Recipient address(es), comma-separated.
    pub to: Sp<String>,
    /// Sender address.
    pub from: Sp<String>,
    /// SMTP server, `host:port`.
    pub smarthost: Sp<String>,
    /// SMTP user name.
    #[serde(default)]
    pub auth_username: Option<Sp<String>>,
    /// Absolute path of a file holding the SMTP password.
    #[serde(default)]
    pub auth_password_file: Option<Sp<String>>,
    /// Require STARTTLS (default true, as in Alertmanager).
    #[serde(default)]
    pub require_tls: Option<Sp<bool>>,
    /// Notify when the alert resolves (default true; Alertmanager's own default for email is
    /// false).
    #[serde(default)]
    pub send_resolved: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// Endpoint (`https://…`). Alertmanager 0.25 has no `url_file`: keep credentials out of the
    /// URL and give them in `credentials_file` or `http_config`.
    pub url: Sp<String>,
    /// Absolute path of a file holding a bearer token (`Authorization: Bearer …`); the same as
    /// `http_config.authorization.credentials_file`.
    #[serde(default)]
    pub credentials_file: Option<Sp<String>>,
    /// The HTTP client: authentication, TLS, proxy.
    #[serde(default)]
    pub http_config: Option<HttpConfigSpec>,
    /// Largest number of alerts in one message (default 0: all).
    #[serde(default)]
    pub max_alerts: Option<Sp<u64>>,
    /// Notify when the alert resolves (default true).
    #[serde(default)]
    pub send_resolved: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieSpec {
    /// Absolute path of a file holding the Opsgenie API key.
    pub api_key_file: Sp<String>,
    /// Opsgenie priority, `P1` to `P5`.
    #[serde(default)]
    pub priority: Option<Sp<String>>,
    /// Notify when the alert resolves (default true).
    #[serde(default)]
    pub send_resolved: Option<Sp<bool>>,
}

/// A Microsoft Teams integration (`msteams` or `msteamsv2`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MsTeamsSpec {
    /// Absolute path of a file holding the incoming-webhook (or workflow) URL.
    pub webhook_url_file: Sp<String>,
    /// Notify when the alert resolves (default true).
    #[serde(default)]
    pub send_resolved: Option<Sp<bool>>,
    /// The HTTP client: authentication, TLS, proxy.
    #[serde(default)]
    pub http_config: Option<HttpConfigSpec>,
}

/// The HTTP client of an integration, as Alertmanager's `http_config` (every secret as a file).
/// At most one of `authorization`, `basic_auth` and `oauth2`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpConfigSpec {
    /// The `Authorization` header.
    #[serde(default)]
    pub authorization: Option<Sp<AuthorizationSpec>>,
    /// HTTP basic authentication.
    #[serde(default)]
    pub basic_auth: Option<Sp<BasicAuthSpec>>,
    /// OAuth 2.0 client credentials.
    #[serde(default)]
    pub oauth2: Option<Sp<OAuth2Spec>>,
    /// TLS: the CA, a client certificate, the server name.
    #[serde(default)]
    pub tls_config: Option<TlsConfigSpec>,
    /// HTTP proxy (`http://`, `https://` or `socks5://`, without credentials).
    #[serde(default)]
    pub proxy_url: Option<Sp<String>>,
    /// Follow HTTP 3xx redirects (Alertmanager's default true).
    #[serde(default)]
    pub follow_redirects: Option<Sp<bool>>,
    /// Allow HTTP/2 (Alertmanager's default true).
    #[serde(default)]
    pub enable_http2: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationSpec {
    /// The scheme (default `Bearer`; `Basic` is `basic_auth`).
    #[serde(default, rename = "type")]
    pub type_: Option<Sp<String>>,
    /// Absolute path of a file holding the credentials.
    pub credentials_file: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthSpec {
    /// User name (or `username_file`).
    #[serde(default)]
    pub username: Option<Sp<String>>,
    /// Absolute path of a file holding the user name (Alertmanager 0.28 or later).
    #[serde(default)]
    pub username_file: Option<Sp<String>>,
    /// Absolute path of a file holding the password.
    #[serde(default)]
    pub password_file: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Spec {
    /// Client ID.
    pub client_id: Sp<String>,
    /// Absolute path of a file holding the client secret.
    #[serde(default)]
    pub client_secret_file: Option<Sp<String>>,
    /// Token endpoint (`https://…`).
    pub token_url: Sp<String>,
    /// Scopes to ask for.
    #[serde(default)]
    pub scopes: Vec<Sp<String>>,
    /// Further parameters of the token request.
    #[serde(default)]
    pub endpoint_params: BTreeMap<Sp<String>, Sp<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfigSpec {
    /// Absolute path of the CA certificate file the server is verified with.
    #[serde(default)]
    pub ca_file: Option<Sp<String>>,
    /// Absolute path of the client certificate file (with `key_file`).
    #[serde(default)]
    pub cert_file: Option<Sp<String>>,
    /// Absolute path of the client key file (with `cert_file`).
    #[serde(default)]
    pub key_file: Option<Sp<String>>,
    /// Server name the certificate is checked against (SNI).
    #[serde(default)]
    pub server_name: Option<Sp<String>>,
    /// Skip verifying the server certificate.
    #[serde(default)]
    pub insecure_skip_verify: Option<Sp<bool>>,
    /// Lowest TLS version: `TLS10`, `TLS11`, `TLS12` or `TLS13`.
    #[serde(default)]
    pub min_version: Option<Sp<String>>,
}
