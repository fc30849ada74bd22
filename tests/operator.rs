//! The routing proof in the cluster: the demo fleet's alerts routed through the configuration
//! the Prometheus Operator builds from the generated `AlertmanagerConfig`s, under each
//! `alertmanagerConfigMatcherStrategy`; the located error when an alert would go nowhere there,
//! and the `namespace` label that keeps the alerts and their team's `AlertmanagerConfig`
//! together.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{root, sloforge};
use sloforge::verify::cluster::{Cluster, prove_cluster};

fn workspace() -> tempfile::TempDir {
    common::routing::demo_fleet()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join("slo-specs").join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} lacks {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Before the fix the `AlertmanagerConfig`s were written as they are now, but the alerts
/// carried no `namespace` label: under the operator's default strategy no alert reached a
/// receiver of its team, though the proof on `alertmanager.yml` passed. With the label each
/// alert reaches exactly its team's receivers.
#[test]
fn the_cluster_proof_fails_without_the_namespace_label_and_passes_with_it() {
    let b = sloforge::build(&[root().join("slo-specs")], false);
    assert!(!b.failed());
    let fleet = b.fleet.as_ref().unwrap();
    let am = b
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap();
    let resources: Vec<String> = am
        .kubernetes(&BTreeMap::new())
        .unwrap()
        .into_values()
        .collect();
    let operator = am.operator();
    let before = BTreeMap::new();
    let cluster = Cluster {
        operator,
        resources: &resources,
        alert_namespaces: &before,
    };
    let proof = prove_cluster(fleet, fleet.routing.as_ref().unwrap(), &cluster).unwrap();
    let messages: Vec<&str> = proof.findings.iter().map(|f| f.message.as_str()).collect();
    eprintln!("before the fix:\n{}", messages.join("\n"));
    let teams: Vec<&str> = proof
        .findings
        .iter()
        .filter_map(|f| f.team.as_deref())
        .collect();
    for team in ["discovery", "ml-platform", "payments", "storefront"] {
        assert!(teams.contains(&team), "{team}: {messages:?}");
    }
    assert!(
        messages.iter().any(|m| m.contains(
            "reach none of the team's receivers in the cluster, only the Alertmanager's root route: the Prometheus Operator (alertmanagerConfigMatcherStrategy `OnNamespace`) matches the route of AlertmanagerConfig payments/sloforge-payments only on `namespace=\"payments\"`, and these alerts carry no `namespace` label"
        )),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("matches on `namespace`, a label no generated alert carries")),
        "the inhibition rules never apply either: {messages:?}"
    );
    let after = am.alert_namespaces(operator);
    assert_eq!(after["payments"], "payments");
    let cluster = Cluster {
        alert_namespaces: &after,
        ..cluster
    };
    let proof = prove_cluster(fleet, fleet.routing.as_ref().unwrap(), &cluster).unwrap();
    assert!(proof.findings.is_empty(), "{:?}", proof.findings);
    assert!(proof.alerts > 50);
}

/// An SLO label `namespace` other than the team's: `generate` and `check` stop with the error
/// at the team's entry of the routing spec, and pass once the team's namespace is the alerts'
/// (or the Alertmanager matches on no namespace).
#[test]
fn a_namespace_mismatch_fails_generate_and_check_at_the_team() {
    let tmp = workspace();
    edit(
        tmp.path(),
        "checkout.yaml",
        "labels:\n",
        "labels:\n  namespace: shop\n",
    );
    let routing = fs::read_to_string(tmp.path().join("slo-specs/routing.yaml")).unwrap();
    let line = routing.lines().position(|l| l == "  payments:").unwrap() + 1;
    let k8s = ["--format", "kubernetes", "-o", "k8s"];
    for cmd in ["generate", "check"] {
        let o = sloforge(&[&[cmd][..], &k8s[..]].concat(), tmp.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.contains("error[E120]: teams.payments:"), "{err}");
        assert!(
            err.contains(&format!("slo-specs/routing.yaml:{line}:3")),
            "{err}"
        );
        assert!(
            err.contains("and these alerts carry `namespace=\"shop\"`"),
            "{err}"
        );
        assert!(err.contains("help: put the team's AlertmanagerConfig in the alerts' namespace (`teams.payments.namespace: shop`)"), "{err}");
        assert!(
            !err.contains("teams.storefront"),
            "only the team concerned: {err}"
        );
    }
    assert!(!tmp.path().join("k8s").exists());
    // The proof on alertmanager.yml knows nothing of namespaces.
    let o = sloforge(&["generate", "-o", "plain"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for strategy in [
        vec!["--matcher-strategy", "None"],
        vec![
            "--matcher-strategy",
            "OnNamespaceExceptForAlertmanagerNamespace",
            "--alertmanager-namespace",
            "payments",
        ],
    ] {
        let o = sloforge(
            &[&["generate"][..], &k8s[..], &strategy[..]].concat(),
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{strategy:?}: {}", stderr(&o));
    }
    let o = sloforge(
        &[
            "generate",
            "--format",
            "kubernetes",
            "-o",
            "k8s",
            "--matcher-strategy",
            "OnNamespaceExceptForAlertmanagerNamespace",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--alertmanager-namespace"),
        "{}",
        stderr(&o)
    );
    edit(
        tmp.path(),
        "routing.yaml",
        "  payments:\n",
        "  payments:\n    namespace: shop\n",
    );
    let o = sloforge(&[&["generate"][..], &k8s[..]].concat(), tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let amc = fs::read_to_string(
        tmp.path()
            .join("k8s/kubernetes/payments.alertmanagerconfig.yaml"),
    )
    .unwrap();
    assert!(amc.contains("\n  namespace: shop\n"), "{amc}");
}

/// The label follows the strategy: on every alerting rule (never a recording rule) of a team
/// whose `AlertmanagerConfig` gets the namespace matcher, unless the SLO carries a `namespace`
/// label of its own; nowhere in the rule files of `--format yaml`.
#[test]
fn the_namespace_label_follows_the_matcher_strategy() {
    let tmp = workspace();
    edit(
        tmp.path(),
        "routing.yaml",
        "templates: true\n",
        "templates: true\nkubernetes:\n  matcher_strategy: OnNamespaceExceptForAlertmanagerNamespace\n  alertmanager_namespace: monitoring\n",
    );
    edit(
        tmp.path(),
        "routing.yaml",
        "  storefront:\n",
        "  storefront:\n    namespace: monitoring\n",
    );
    let o = sloforge(
        &["generate", "--format", "kubernetes", "-o", "k8s"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let read = |f: &str| fs::read_to_string(tmp.path().join("k8s/kubernetes").join(f)).unwrap();
    let checkout = read("checkout.prometheusrule.yaml");
    let alerts = checkout.matches("  - alert: ").count();
    assert!(alerts > 0);
    assert_eq!(
        checkout.matches("      namespace: payments\n").count(),
        alerts,
        "{checkout}"
    );
    // storefront's AlertmanagerConfig is in the Alertmanager's namespace: no matcher, no label.
    assert!(!read("cart.prometheusrule.yaml").contains("namespace:"));
    let o = sloforge(
        &[
            "generate",
            "--format",
            "kubernetes",
            "-o",
            "k8s",
            "--matcher-strategy",
            "None",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!read("checkout.prometheusrule.yaml").contains("namespace:"));
    let o = sloforge(&["generate", "-o", "plain"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plain = fs::read_to_string(tmp.path().join("plain/rules/checkout.rules.yaml")).unwrap();
    assert!(!plain.contains("namespace:"));
    // A bad setting is located.
    edit(
        tmp.path(),
        "routing.yaml",
        "matcher_strategy: OnNamespaceExceptForAlertmanagerNamespace",
        "matcher_strategy: OnNamespaces",
    );
    let o = sloforge(&["validate"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`OnNamespaces` is not an alertmanagerConfigMatcherStrategy type"),
        "{}",
        stderr(&o)
    );
}
