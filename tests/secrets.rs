//! Secrets in the routing spec: written inline they are located errors naming the `*_file` key
//! to give instead, and no secret value ever reaches a generated configuration (the standalone
//! one, a spliced one, or an `AlertmanagerConfig`, whose secrets are all Secret keys).

mod common;

use std::fs;

use serde_json::Value as Json;

use common::routing::{fixture, fleet, fleet_in, fleet_of, out, site, yaml};
use common::{root, sloforge};

/// Inline secrets in a routing spec: each one located, with the `*_file` key to give instead,
/// and reported once (not also as an unknown key); nothing is generated.
#[test]
fn an_inline_secret_is_rejected_with_its_location() {
    let http = fs::read_to_string(fixture("routing-http.yaml")).unwrap();
    let teams = fs::read_to_string(fixture("routing-teams.yaml")).unwrap();
    let cases = [
        (
            &http,
            "password_file: /etc/alertmanager/secrets/storefront-hook/password",
            "password: hunter2",
            "password_file",
        ),
        (
            &http,
            "client_secret_file: /etc/alertmanager/secrets/discovery-oauth/client-secret",
            "client_secret: s3cr3t",
            "client_secret_file",
        ),
        (
            &http,
            "credentials_file: /etc/alertmanager/secrets/payments-hook/token",
            "credentials: t0k3n",
            "credentials_file",
        ),
        (
            &http,
            "key_file: /etc/alertmanager/secrets/hooks-client/tls.key",
            "key: \"-----BEGIN PRIVATE KEY-----\"",
            "key_file",
        ),
        (
            &http,
            "credentials_file: /etc/alertmanager/secrets/audit-log/token",
            "bearer_token: t0k3n",
            "credentials_file",
        ),
        (
            &teams,
            "webhook_url_file: /etc/alertmanager/secrets/teams-payments/workflow-url",
            "webhook_url: https://example.webhook.office.com/x",
            "webhook_url_file",
        ),
        (
            &teams,
            "proxy_url: http://proxy.example.com:3128",
            "bearer_token: t0k3n",
            "authorization.credentials_file",
        ),
    ];
    for (spec, from, to, instead) in cases {
        let broken = spec.replacen(from, to, 1);
        assert_ne!(&broken, spec, "{from}");
        let dir = fleet(&broken);
        let key = to.split(':').next().unwrap();
        let at = site("slo-specs/routing.yaml", &broken, to, None);
        for cmd in ["validate", "generate"] {
            let o = sloforge(&[cmd], dir.path());
            assert_eq!(o.status.code(), Some(1), "{cmd} {to}");
            let text = out(&o);
            assert!(
                text.contains(&format!(
                    "`{key}` would put a secret into alertmanager.yml\n  --> {at}"
                )) && text.contains(&format!("help: give `{instead}`")),
                "{to}: {text}"
            );
            assert!(
                !text.contains("E003") && !text.contains("E004"),
                "{to}: {text}"
            );
        }
        assert!(!dir.path().join("generated").exists());
    }
}

/// A Slack webhook URL inline in the demo fleet: located, in every command that reads the
/// routing, and reported once.
#[test]
fn an_inline_slack_url_is_rejected_by_every_command() {
    let demo = fs::read_to_string(root().join("slo-specs/routing.yaml")).unwrap();
    let broken = demo.replace(
        "api_url_file: /etc/alertmanager/secrets/slack-webhooks/payments",
        "api_url: https://hooks.slack.com/services/T000/B000/XXXX",
    );
    assert_ne!(broken, demo);
    let dir = fleet(&broken);
    let line = broken
        .lines()
        .position(|l| l.contains("api_url: https"))
        .unwrap()
        + 1;
    for cmd in ["validate", "generate", "routes"] {
        let o = sloforge(&[cmd], dir.path());
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let text = out(&o);
        assert!(text.contains("error[E118]"), "{text}");
        assert!(
            text.contains(&format!("slo-specs/routing.yaml:{line}:7")),
            "{text}"
        );
        assert!(text.contains("api_url_file"), "{text}");
        assert!(
            !text.contains("E003"),
            "the inline secret is reported once, not also as an unknown key:\n{text}"
        );
    }
    assert!(!dir.path().join("generated").exists());
}

/// Keys of Alertmanager's integrations and HTTP clients that hold a secret inline.
const SECRET_KEYS: &[&str] = &[
    "routing_key",
    "service_key",
    "api_url",
    "api_key",
    "auth_password",
    "auth_secret",
    "password",
    "credentials",
    "bearer_token",
    "client_secret",
    "key",
    "webhook_url",
    "url_secret",
];

/// Every `*_file` value of a configuration (or resource), and fails on a key that holds a
/// secret inline or a URL with credentials.
fn secret_files_of(v: &Json, at: &str, files: &mut Vec<String>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}.{k}");
                assert!(!SECRET_KEYS.contains(&k.as_str()), "{p}: a secret inline");
                if k.ends_with("_file") {
                    files.push(x.as_str().unwrap().to_string());
                }
                if let Some(s) = x.as_str().filter(|_| k.contains("url")) {
                    let authority = s
                        .split("://")
                        .nth(1)
                        .unwrap_or("")
                        .split('/')
                        .next()
                        .unwrap();
                    assert!(!authority.contains('@'), "{p}: credentials in {s}");
                }
                secret_files_of(x, &p, files);
            }
        }
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                secret_files_of(x, &format!("{at}[{i}]"), files);
            }
        }
        _ => {}
    }
}

#[test]
fn no_secret_value_is_ever_written_into_a_generated_configuration() {
    for name in [
        "routing-teams.yaml",
        "routing-http.yaml",
        "routing-existing.yaml",
    ] {
        let dir = fleet_of(name);
        let d = dir.path();
        assert_eq!(
            sloforge(&["generate", "-o", "out"], d).status.code(),
            Some(0)
        );
        let fleet = fleet_in(d);
        let mut want: Vec<String> = fleet
            .routing
            .as_ref()
            .unwrap()
            .receivers
            .values()
            .flat_map(|r| r.secret_files())
            .map(String::from)
            .collect();
        want.sort();
        let mut files = Vec::new();
        let cfg = yaml(&fs::read_to_string(d.join("out/alertmanager.yml")).unwrap());
        secret_files_of(&cfg["receivers"], "receivers", &mut files);
        files.sort();
        assert_eq!(
            files, want,
            "{name}: the secret files written are the spec's"
        );
        // Spliced: the same, in the user's configuration (whose own receivers are theirs).
        let user = if name == "routing-existing.yaml" {
            fixture("user-alertmanager.yml")
        } else {
            root().join("tests/alertmanager/user-alertmanager.yml")
        };
        fs::copy(user, d.join("alertmanager.yml")).unwrap();
        let o = sloforge(&["splice", "--config", "alertmanager.yml", "-o", "-"], d);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", out(&o));
        let spliced = yaml(&String::from_utf8_lossy(&o.stdout));
        for r in spliced["receivers"].as_array().unwrap() {
            if r["name"].as_str().unwrap().starts_with("sloforge-") {
                secret_files_of(r, "receivers[]", &mut Vec::new());
            }
        }
    }
    // The Kubernetes resources: no file at all, every secret a Secret's key.
    let dir = fleet(&fs::read_to_string(root().join("tests/kubernetes/routing.yaml")).unwrap());
    let o = sloforge(
        &["generate", "--format", "kubernetes", "-o", "-"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let stream = String::from_utf8_lossy(&o.stdout).to_string();
    let mut selectors = 0;
    for doc in stream
        .split("\n---\n")
        .filter(|d| d.contains("kind: AlertmanagerConfig"))
    {
        selectors += secret_selectors_of(&yaml(doc)["spec"]["receivers"], "spec.receivers");
    }
    assert!(selectors > 20, "{selectors}");
    assert!(
        stream.contains("webhookURL:")
            && stream.contains("webhookUrl:")
            && stream.contains("keySecret:"),
        "{stream}"
    );
}

/// Keys of an `AlertmanagerConfig`'s receivers that hold a secret: each must be a key of a
/// Secret (or, for a CA or certificate, of a ConfigMap), never a value.
const RESOURCE_SECRET_KEYS: &[&str] = &[
    "routingKey",
    "apiURL",
    "apiKey",
    "authPassword",
    "credentials",
    "username",
    "password",
    "webhookUrl",
    "webhookURL",
    "keySecret",
    "ca",
    "cert",
];

/// How many secret selectors the receivers of a resource have; fails on a file path or a
/// secret value.
fn secret_selectors_of(v: &Json, at: &str) -> usize {
    let mut n = 0;
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}.{k}");
                assert!(!k.ends_with("_file") && !k.ends_with("File"), "{p}: a file");
                if RESOURCE_SECRET_KEYS.contains(&k.as_str()) {
                    let sel = x.get("secret").or_else(|| x.get("configMap")).unwrap_or(x);
                    assert!(
                        sel["name"].is_string()
                            && sel["key"].is_string()
                            && sel.as_object().unwrap().len() == 2,
                        "{p}: {x} is not a Secret's key"
                    );
                    n += 1;
                } else {
                    n += secret_selectors_of(x, &p);
                }
            }
        }
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                n += secret_selectors_of(x, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
    n
}
