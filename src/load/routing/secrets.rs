//! Secrets written inline in a routing document (`routing_key:`, `password:`, …): found by
//! key, each with the `*_file` key to give instead, so that they are reported as what they are
//! rather than as unknown keys.

use crate::diag::Loc;
use crate::load::node::{Node, Value};

/// Keys that would hold a secret inline, and the key to use instead.
pub const INLINE_SECRET_KEYS: &[(&str, &str)] = &[
    ("routing_key", "routing_key_file"),
    ("service_key", "routing_key_file"),
    ("api_url", "api_url_file"),
    ("auth_password", "auth_password_file"),
    ("auth_secret", "auth_password_file"),
    ("api_key", "api_key_file"),
    ("credentials", "credentials_file"),
    ("bearer_token", "credentials_file"),
    ("password", "auth_password_file"),
];

/// An inline secret found in a routing document.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineSecret {
    pub loc: Loc,
    pub path: String,
    pub key: String,
    pub instead: &'static str,
}

/// Whether a schema issue is a consequence of an inline secret (the unknown key itself, or the
/// `*_file` key missing beside it), so that only the inline-secret error is reported.
pub fn explained_by_secret(secrets: &[InlineSecret], issue_path: &str, issue_loc: Loc) -> bool {
    secrets.iter().any(|s| {
        let parent = s.path.rsplit_once('.').map_or("", |(p, _)| p);
        issue_loc == s.loc || issue_path == s.path || issue_path == parent
    })
}

/// Keys that hold a secret inline only inside one part of a receiver (by the key of that
/// part), and the key to use instead.
const INLINE_SECRET_KEYS_IN: &[(&str, &str, &str)] = &[
    ("basic_auth", "password", "password_file"),
    ("oauth2", "client_secret", "client_secret_file"),
    ("tls_config", "key", "key_file"),
    (
        "http_config",
        "bearer_token",
        "authorization.credentials_file",
    ),
    ("msteams", "webhook_url", "webhook_url_file"),
    ("msteamsv2", "webhook_url", "webhook_url_file"),
];

/// The key to give instead of `key` written inside the part `parent`, when `key` would hold a
/// secret there.
fn instead_of(parent: &str, key: &str) -> Option<&'static str> {
    INLINE_SECRET_KEYS_IN
        .iter()
        .find(|(p, k, _)| *p == parent && *k == key)
        .map(|(_, _, i)| *i)
        .or_else(|| {
            INLINE_SECRET_KEYS
                .iter()
                .find(|(s, _)| *s == key)
                .map(|(_, i)| *i)
        })
}

/// Finds every key under `receivers` that would hold a secret inline. The schema check does
/// not report these keys as unknown: they get this more useful error instead.
pub fn inline_secrets(doc: &Node) -> Vec<InlineSecret> {
    let mut out = Vec::new();
    if let Some(receivers) = doc.value.get("receivers") {
        walk(receivers, "receivers", "receivers", &mut out);
    }
    out
}

fn walk(node: &Node, path: &str, parent: &str, out: &mut Vec<InlineSecret>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.value.scalar_text();
                let p = format!("{path}.{key}");
                if let Some(instead) = instead_of(parent, &key) {
                    out.push(InlineSecret {
                        loc: k.loc,
                        path: p,
                        key,
                        instead,
                    });
                } else if key != "endpoint_params" {
                    // The parameters of an OAuth2 token request are the user's own names.
                    walk(v, &p, &key, out);
                }
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), parent, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::instead_of;

    #[test]
    fn the_key_to_give_instead_depends_on_where_the_secret_is() {
        assert_eq!(instead_of("basic_auth", "password"), Some("password_file"));
        assert_eq!(instead_of("email", "password"), Some("auth_password_file"));
        assert_eq!(instead_of("tls_config", "key"), Some("key_file"));
        assert_eq!(instead_of("headers", "key"), None);
        assert_eq!(
            instead_of("msteamsv2", "webhook_url"),
            Some("webhook_url_file")
        );
        assert_eq!(instead_of("webhook", "webhook_url"), None);
        assert_eq!(
            instead_of("http_config", "bearer_token"),
            Some("authorization.credentials_file")
        );
        assert_eq!(
            instead_of("webhook", "bearer_token"),
            Some("credentials_file")
        );
    }
}
