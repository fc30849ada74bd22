//! The Alertmanager configuration the Prometheus Operator builds from `AlertmanagerConfig`
//! resources, as its configuration builder does it (v0.85): every resource's route becomes a
//! child of the root route, in the order of the resources' `<namespace>/<name>`, with
//! `continue: true` and, under its `alertmanagerConfigMatcherStrategy`, a
//! `namespace="<namespace>"` matcher; receivers and time intervals are renamed
//! `<namespace>/<name>/<name in the resource>`; inhibition rules get the same namespace matcher
//! on both sides. The root is the operator's default configuration (receiver `null`), which
//! takes whatever no `AlertmanagerConfig` route matches.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::amconfig::{AmConfig, ConfigError, InhibitRule, RouteNode};
use crate::model::routing::Operator;
use crate::names::label;
use crate::syntax::matchers::{Matcher, Op};

/// The receiver of the root route of the operator's default configuration.
pub const ROOT_RECEIVER: &str = "null";

/// The label of a generated `AlertmanagerConfig` that names its team.
pub const TEAM_LABEL: &str = "sloforge.dev/team";

#[derive(Deserialize)]
struct Resource {
    metadata: Metadata,
    spec: Spec,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(default)]
    route: Option<Route>,
    #[serde(default)]
    receivers: Vec<Named>,
    #[serde(default)]
    inhibit_rules: Vec<Inhibit>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Route {
    #[serde(default)]
    receiver: String,
    #[serde(default)]
    matchers: Vec<ResourceMatcher>,
    #[serde(default, rename = "continue")]
    continue_: bool,
    #[serde(default)]
    routes: Vec<Route>,
    #[serde(default)]
    mute_time_intervals: Vec<String>,
    #[serde(default)]
    active_time_intervals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceMatcher {
    name: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    match_type: Option<String>,
    /// The older form of `matchType: =~`.
    #[serde(default)]
    regex: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Inhibit {
    #[serde(default)]
    source_match: Vec<ResourceMatcher>,
    #[serde(default)]
    target_match: Vec<ResourceMatcher>,
    #[serde(default)]
    equal: Vec<String>,
}

/// One `AlertmanagerConfig` as the operator merged it.
#[derive(Debug, Clone)]
pub struct Merged {
    /// `<namespace>/<name>`: what its receivers and time intervals are prefixed with.
    pub key: String,
    pub namespace: String,
    /// The team of a generated resource (its `sloforge.dev/team` label).
    pub team: Option<String>,
    /// Whether the operator added a `namespace` matcher to its route and inhibition rules.
    pub namespace_matcher: bool,
    /// Its inhibition rules, by their index in the configuration.
    pub inhibit_rules: std::ops::Range<usize>,
}

impl Merged {
    /// A name of the resource (receiver, time interval) as the operator renames it.
    pub fn prefixed(&self, name: &str) -> String {
        format!("{}/{name}", self.key)
    }
}

/// The operator's configuration from `AlertmanagerConfig` resources (YAML texts; the namespace
/// of a resource without one is `default_namespace`), and what became of each resource.
pub fn operator_config(
    resources: &[String],
    default_namespace: &str,
    operator: &Operator,
) -> Result<(AmConfig, Vec<Merged>), ConfigError> {
    let mut parsed: Vec<(String, Resource)> = Vec::new();
    for text in resources {
        let r: Resource = serde_saphyr::from_str(text).map_err(|e| {
            ConfigError::Yaml(format!("an AlertmanagerConfig does not read back: {e}"))
        })?;
        let ns = r
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| default_namespace.to_string());
        parsed.push((format!("{ns}/{}", r.metadata.name), r));
    }
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut cfg = AmConfig {
        nodes: vec![RouteNode {
            path: "route".into(),
            matchers: Vec::new(),
            receiver: ROOT_RECEIVER.into(),
            continue_: false,
            children: Vec::new(),
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }],
        receivers: vec![ROOT_RECEIVER.into()],
        inhibit_rules: Vec::new(),
    };
    let mut merged = Vec::new();
    for (key, r) in parsed {
        let namespace = key.split('/').next().unwrap_or_default().to_string();
        let first_rule = cfg.inhibit_rules.len();
        let m = Merged {
            namespace_matcher: operator.enforces_namespace(&namespace),
            team: r.metadata.labels.get(TEAM_LABEL).cloned(),
            namespace,
            key,
            inhibit_rules: first_rule..first_rule + r.spec.inhibit_rules.len(),
        };
        let enforced = m
            .namespace_matcher
            .then(|| Matcher::equal(label::NAMESPACE, &m.namespace));
        for i in &r.spec.inhibit_rules {
            let at = |side: &str| format!("AlertmanagerConfig {}: inhibitRules.{side}", m.key);
            let mut source = matchers(&i.source_match, &at("sourceMatch"))?;
            let mut target = matchers(&i.target_match, &at("targetMatch"))?;
            source.extend(enforced.clone());
            target.extend(enforced.clone());
            cfg.inhibit_rules.push(InhibitRule {
                index: cfg.inhibit_rules.len(),
                source,
                target,
                equal: i.equal.clone(),
            });
        }
        if let Some(route) = &r.spec.route {
            let path = format!("route.routes[{}]", cfg.nodes[0].children.len());
            let top = add_route(&mut cfg, route, &m, path, ROOT_RECEIVER)?;
            cfg.nodes[top].matchers.extend(enforced);
            cfg.nodes[top].continue_ = true;
            cfg.nodes[0].children.push(top);
            cfg.receivers
                .extend(r.spec.receivers.iter().map(|n| m.prefixed(&n.name)));
        }
        merged.push(m);
    }
    Ok((cfg, merged))
}

fn matchers(list: &[ResourceMatcher], at: &str) -> Result<Vec<Matcher>, ConfigError> {
    list.iter()
        .map(|m| {
            let op = match (m.match_type.as_deref(), m.regex) {
                (Some("!="), _) => Op::NotEq,
                (Some("=~"), _) | (None | Some(""), true) => Op::Re,
                (Some("!~"), _) => Op::NotRe,
                _ => Op::Eq,
            };
            Matcher::new(&m.name, op, &m.value).map_err(|error| ConfigError::Matcher {
                at: at.to_string(),
                error,
            })
        })
        .collect()
}

fn add_route(
    cfg: &mut AmConfig,
    r: &Route,
    m: &Merged,
    path: String,
    parent_receiver: &str,
) -> Result<usize, ConfigError> {
    let receiver = if r.receiver.is_empty() {
        parent_receiver.to_string()
    } else {
        m.prefixed(&r.receiver)
    };
    let at = format!("AlertmanagerConfig {}: {path}.matchers", m.key);
    let idx = cfg.nodes.len();
    cfg.nodes.push(RouteNode {
        path: path.clone(),
        matchers: matchers(&r.matchers, &at)?,
        receiver: receiver.clone(),
        continue_: r.continue_,
        children: Vec::new(),
        mute_time_intervals: r
            .mute_time_intervals
            .iter()
            .map(|i| m.prefixed(i))
            .collect(),
        active_time_intervals: r
            .active_time_intervals
            .iter()
            .map(|i| m.prefixed(i))
            .collect(),
    });
    for (i, c) in r.routes.iter().enumerate() {
        let child = add_route(cfg, c, m, format!("{path}.routes[{i}]"), &receiver)?;
        cfg.nodes[idx].children.push(child);
    }
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::routing::MatcherStrategy;
    use crate::verify::alerts::tests::alert;

    const PAYMENTS: &str = r#"# a generated resource
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata:
  name: sloforge-payments
  namespace: payments
  labels: {sloforge.dev/team: payments}
spec:
  route:
    receiver: sloforge-unrouted
    matchers: [{name: team, value: payments, matchType: "="}]
    routes:
    - {receiver: sloforge-pager, matchers: [{name: severity, value: page, matchType: "="}], muteTimeIntervals: [sloforge-night]}
    - {matchers: [{name: severity, value: "tick.*", regex: true}]}
  receivers: [{name: sloforge-unrouted}, {name: sloforge-pager}]
  inhibitRules:
  - sourceMatch: [{name: severity, value: page}]
    targetMatch: [{name: severity, value: ticket, matchType: "="}]
    equal: [service, slo]
"#;

    fn operator(strategy: MatcherStrategy) -> Operator {
        Operator {
            matcher_strategy: strategy,
            alertmanager_namespace: Some("monitoring".into()),
        }
    }

    #[test]
    fn the_operator_prefixes_names_and_adds_the_namespace_matcher_to_the_top_route() {
        let (cfg, merged) = operator_config(
            &[PAYMENTS.to_string()],
            "default",
            &operator(MatcherStrategy::OnNamespace),
        )
        .unwrap();
        assert_eq!(merged[0].key, "payments/sloforge-payments");
        assert_eq!(merged[0].team.as_deref(), Some("payments"));
        let top = &cfg.nodes[cfg.nodes[0].children[0]];
        assert!(top.continue_, "the operator sets continue on the top route");
        let shown: Vec<String> = top.matchers.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["team=\"payments\"", "namespace=\"payments\""]);
        assert!(
            cfg.nodes[top.children[0]].matchers.len() == 1,
            "only the top route"
        );
        assert_eq!(
            cfg.nodes[top.children[0]].mute_time_intervals,
            ["payments/sloforge-payments/sloforge-night"]
        );
        assert_eq!(
            cfg.receivers,
            [
                "null",
                "payments/sloforge-payments/sloforge-unrouted",
                "payments/sloforge-payments/sloforge-pager"
            ]
        );
        let page = alert(&[("team", "payments"), ("severity", "page")]);
        assert_eq!(cfg.receivers_of(&page), ["null"], "no namespace label");
        let mut labelled = page.clone();
        labelled
            .labels
            .insert("namespace".into(), "payments".into());
        assert_eq!(
            cfg.receivers_of(&labelled),
            ["payments/sloforge-payments/sloforge-pager"]
        );
        labelled.labels.insert("severity".into(), "ticket".into());
        assert_eq!(
            cfg.receivers_of(&labelled),
            ["payments/sloforge-payments/sloforge-unrouted"],
            "a child without a receiver inherits its parent's"
        );
        let rule = &cfg.inhibit_rules[0];
        assert!(
            rule.source
                .iter()
                .chain(&rule.target)
                .any(|m| m.name == "namespace")
        );
        assert_eq!(rule.source[0].op, Op::Eq, "no matchType is =");
    }

    #[test]
    fn each_strategy_matches_on_namespace_where_the_operator_does() {
        let other = PAYMENTS.replace("namespace: payments", "namespace: monitoring");
        for (strategy, payments, monitoring) in [
            (MatcherStrategy::OnNamespace, true, true),
            (
                MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace,
                true,
                false,
            ),
            (MatcherStrategy::None, false, false),
        ] {
            let (_, merged) = operator_config(
                &[other.clone(), PAYMENTS.to_string()],
                "default",
                &operator(strategy),
            )
            .unwrap();
            // In the order of `<namespace>/<name>`.
            assert_eq!(merged[0].namespace, "monitoring");
            assert_eq!(
                (merged[1].namespace_matcher, merged[0].namespace_matcher),
                (payments, monitoring),
                "{strategy:?}"
            );
        }
    }
}
