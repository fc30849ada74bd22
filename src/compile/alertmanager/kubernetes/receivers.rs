//! The receivers of an `AlertmanagerConfig` (`monitoring.coreos.com/v1alpha1`) in the CRD's
//! field names, from those of `alertmanager.yml`: every secret file as a Secret key
//! (`SecretKeySelector`), a CA or certificate file as a Secret or ConfigMap key.

use std::collections::BTreeMap;

use serde::Serialize;

use super::KubernetesError;
use crate::compile::alertmanager::config::{AmReceiver, HttpConfig as AmHttpConfig};

#[derive(Serialize, Clone)]
struct SecretKeySelector {
    name: String,
    key: String,
}

#[derive(Serialize, Clone)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Receiver {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<PagerDuty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<Slack>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<Email>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<Webhook>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    opsgenie_configs: Vec<Opsgenie>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    msteams_configs: Vec<MsTeams>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    msteamsv2_configs: Vec<MsTeamsV2>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagerDuty {
    send_resolved: bool,
    routing_key: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<KeyValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Slack {
    send_resolved: bool,
    #[serde(rename = "apiURL")]
    api_url: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Email {
    send_resolved: bool,
    to: String,
    from: String,
    smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password: Option<SecretKeySelector>,
    #[serde(rename = "requireTLS")]
    require_tls: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    headers: Vec<KeyValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    send_resolved: bool,
    url: String,
    #[serde(skip_serializing_if = "crate::compile::alertmanager::config::is_zero")]
    max_alerts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_config: Option<HttpConfig>,
}

/// An integration's HTTP client (`httpConfig`): secrets as `SecretKeySelector`s, the CA and
/// client certificate from a Secret or a ConfigMap.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct HttpConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<Authorization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    basic_auth: Option<BasicAuth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_config: Option<TlsConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    follow_redirects: Option<bool>,
}

#[derive(Serialize)]
struct Authorization {
    #[serde(rename = "type")]
    type_: String,
    credentials: SecretKeySelector,
}

#[derive(Serialize)]
struct BasicAuth {
    username: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<SecretKeySelector>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct TlsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    ca: Option<SecretOrConfigMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert: Option<SecretOrConfigMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_secret: Option<SecretKeySelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    insecure_skip_verify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_version: Option<String>,
}

/// A key of a Secret or of a ConfigMap.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum SecretOrConfigMap {
    Secret(SecretKeySelector),
    ConfigMap(SecretKeySelector),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MsTeams {
    send_resolved: bool,
    webhook_url: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_config: Option<HttpConfig>,
}

/// `msteamsv2Configs`: as `msteamsConfigs`, but the URL is `webhookURL`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MsTeamsV2 {
    send_resolved: bool,
    #[serde(rename = "webhookURL")]
    webhook_url: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_config: Option<HttpConfig>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Opsgenie {
    send_resolved: bool,
    api_key: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// A Secret and key from a mounted secret path: the operator mounts the `secrets` of the
/// Alertmanager resource at `/etc/alertmanager/secrets/<secret>/<key>`, so the last two
/// components of the path name them.
fn secret(path: &str) -> Result<SecretKeySelector, KubernetesError> {
    let mut parts = path.rsplit('/');
    let key = parts.next().unwrap_or_default();
    let name = parts.next().unwrap_or_default();
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let key_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    if name_ok && key_ok {
        Ok(SecretKeySelector {
            name: name.to_string(),
            key: key.to_string(),
        })
    } else {
        Err(KubernetesError::SecretPath(path.to_string()))
    }
}

/// Where the operator mounts the `configMaps` of the Alertmanager resource.
const CONFIG_MAP_MOUNT: &str = "/etc/alertmanager/configmaps/";

/// A CA or certificate file as a key of a ConfigMap (under the operator's ConfigMap mount,
/// `/etc/alertmanager/configmaps/<configmap>/<key>`) or of a Secret (anywhere else, named as
/// [`secret`] names it).
fn secret_or_config_map(path: &str) -> Result<SecretOrConfigMap, KubernetesError> {
    let sel = secret(path)?;
    Ok(if path.starts_with(CONFIG_MAP_MOUNT) {
        SecretOrConfigMap::ConfigMap(sel)
    } else {
        SecretOrConfigMap::Secret(sel)
    })
}

/// A receiver of `alertmanager.yml` as the `AlertmanagerConfig` writes it. Parts it cannot
/// express were reported before (the receiver's gaps), and none is left here.
pub(super) fn receiver(r: &AmReceiver) -> Result<Receiver, KubernetesError> {
    let kv = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| KeyValue {
                key: k.clone(),
                value: v.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = Receiver {
        name: r.name.clone(),
        ..Receiver::default()
    };
    for p in &r.pagerduty_configs {
        out.pagerduty_configs.push(PagerDuty {
            send_resolved: p.send_resolved,
            routing_key: secret(&p.routing_key_file)?,
            severity: p.severity.clone(),
            description: p.description.clone(),
            details: kv(&p.details),
        });
    }
    for s in &r.slack_configs {
        out.slack_configs.push(Slack {
            send_resolved: s.send_resolved,
            api_url: secret(&s.api_url_file)?,
            channel: s.channel.clone(),
            title: s.title.clone(),
            text: s.text.clone(),
        });
    }
    for e in &r.email_configs {
        out.email_configs.push(Email {
            send_resolved: e.send_resolved,
            to: e.to.clone(),
            from: e.from.clone(),
            smarthost: e.smarthost.clone(),
            auth_username: e.auth_username.clone(),
            auth_password: e.auth_password_file.as_deref().map(secret).transpose()?,
            require_tls: e.require_tls,
            headers: kv(&e.headers),
            html: e.html.clone(),
            text: e.text.clone(),
        });
    }
    for w in &r.webhook_configs {
        out.webhook_configs.push(Webhook {
            send_resolved: w.send_resolved,
            url: w.url.clone(),
            max_alerts: w.max_alerts,
            http_config: w.http_config.as_ref().map(http_config).transpose()?,
        });
    }
    for o in &r.opsgenie_configs {
        out.opsgenie_configs.push(Opsgenie {
            send_resolved: o.send_resolved,
            api_key: secret(&o.api_key_file)?,
            priority: o.priority.clone(),
            message: o.message.clone(),
            description: o.description.clone(),
        });
    }
    for t in &r.msteams_configs {
        out.msteams_configs.push(MsTeams {
            send_resolved: t.send_resolved,
            webhook_url: secret(&t.webhook_url_file)?,
            title: t.title.clone(),
            text: t.text.clone(),
            http_config: t.http_config.as_ref().map(http_config).transpose()?,
        });
    }
    for t in &r.msteamsv2_configs {
        out.msteamsv2_configs.push(MsTeamsV2 {
            send_resolved: t.send_resolved,
            webhook_url: secret(&t.webhook_url_file)?,
            title: t.title.clone(),
            text: t.text.clone(),
            http_config: t.http_config.as_ref().map(http_config).transpose()?,
        });
    }
    Ok(out)
}

/// The HTTP client as `httpConfig`. `oauth2` (its client ID comes from a Secret or ConfigMap)
/// and `enable_http2` (no field) are gaps, reported before; a user name without a file is one
/// too.
fn http_config(h: &AmHttpConfig) -> Result<HttpConfig, KubernetesError> {
    let authorization = match &h.authorization {
        Some(a) => Some(Authorization {
            type_: a.type_.clone(),
            credentials: secret(&a.credentials_file)?,
        }),
        None => None,
    };
    let basic_auth = match h
        .basic_auth
        .as_ref()
        .and_then(|b| Some((b, b.username_file.as_ref()?)))
    {
        Some((b, user)) => Some(BasicAuth {
            username: secret(user)?,
            password: b.password_file.as_deref().map(secret).transpose()?,
        }),
        None => None,
    };
    let tls_config = match &h.tls_config {
        Some(t) => Some(TlsConfig {
            ca: t.ca_file.as_deref().map(secret_or_config_map).transpose()?,
            cert: t
                .cert_file
                .as_deref()
                .map(secret_or_config_map)
                .transpose()?,
            key_secret: t.key_file.as_deref().map(secret).transpose()?,
            server_name: t.server_name.clone(),
            insecure_skip_verify: t.insecure_skip_verify,
            min_version: t.min_version.clone(),
        }),
        None => None,
    };
    Ok(HttpConfig {
        authorization,
        basic_auth,
        tls_config,
        proxy_url: h.proxy_url.clone(),
        follow_redirects: h.follow_redirects,
    })
}
