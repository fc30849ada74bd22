//! An Alertmanager configuration as the routing proof reads it: the routing tree (matchers,
//! legacy `match`/`match_re`, `continue`, receivers, time intervals), the receivers' names and
//! the inhibition rules.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::compile::alertmanager;
use crate::syntax::matchers::{Matcher, MatcherError, Op, parse_matchers};

#[derive(Debug, Deserialize, Default)]
struct RawRoute {
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    matchers: Vec<String>,
    #[serde(default, rename = "match")]
    match_: BTreeMap<String, String>,
    #[serde(default)]
    match_re: BTreeMap<String, String>,
    #[serde(default, rename = "continue")]
    continue_: bool,
    #[serde(default)]
    routes: Vec<RawRoute>,
    #[serde(default)]
    mute_time_intervals: Vec<String>,
    #[serde(default)]
    active_time_intervals: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawInhibit {
    #[serde(default)]
    source_matchers: Vec<String>,
    #[serde(default)]
    target_matchers: Vec<String>,
    #[serde(default)]
    source_match: BTreeMap<String, String>,
    #[serde(default)]
    source_match_re: BTreeMap<String, String>,
    #[serde(default)]
    target_match: BTreeMap<String, String>,
    #[serde(default)]
    target_match_re: BTreeMap<String, String>,
    #[serde(default)]
    equal: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Named {
    name: String,
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    route: RawRoute,
    #[serde(default)]
    receivers: Vec<Named>,
    #[serde(default)]
    inhibit_rules: Vec<RawInhibit>,
}

/// One node of the routing tree.
#[derive(Debug, Clone)]
pub struct RouteNode {
    /// Position in the file (`route.routes[2].routes[0]`).
    pub path: String,
    pub matchers: Vec<Matcher>,
    /// Effective receiver (inherited when the route names none).
    pub receiver: String,
    pub continue_: bool,
    pub children: Vec<usize>,
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct InhibitRule {
    pub index: usize,
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: Vec<String>,
}

/// A parsed Alertmanager configuration: its routing tree (node 0 is the root), receivers and
/// inhibition rules.
#[derive(Debug, Clone)]
pub struct AmConfig {
    pub nodes: Vec<RouteNode>,
    pub receivers: Vec<String>,
    pub inhibit_rules: Vec<InhibitRule>,
}

/// Why an Alertmanager configuration does not read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the Alertmanager configuration: {0}")]
    Yaml(String),
    /// A matcher at a path of the configuration (`route.routes[0].matchers`).
    #[error("{at}: {error}")]
    Matcher { at: String, error: MatcherError },
    /// A legacy `source_match`/`target_match` matcher of an inhibition rule.
    #[error(transparent)]
    Legacy(#[from] MatcherError),
}

fn at(at: String) -> impl FnOnce(MatcherError) -> ConfigError {
    move |error| ConfigError::Matcher { at, error }
}

fn legacy(m: &BTreeMap<String, String>, op: Op) -> Result<Vec<Matcher>, MatcherError> {
    m.iter().map(|(k, v)| Matcher::new(k, op, v)).collect()
}

fn add_route(
    nodes: &mut Vec<RouteNode>,
    r: &RawRoute,
    path: String,
    parent_receiver: &str,
) -> Result<usize, ConfigError> {
    let mut matchers = Vec::new();
    for m in &r.matchers {
        matchers.extend(parse_matchers(m).map_err(at(format!("{path}.matchers")))?);
    }
    matchers.extend(legacy(&r.match_, Op::Eq).map_err(at(format!("{path}.match")))?);
    matchers.extend(legacy(&r.match_re, Op::Re).map_err(at(format!("{path}.match_re")))?);
    let receiver = r
        .receiver
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| parent_receiver.to_string());
    let idx = nodes.len();
    nodes.push(RouteNode {
        path: path.clone(),
        matchers,
        receiver: receiver.clone(),
        continue_: r.continue_,
        children: Vec::new(),
        mute_time_intervals: r.mute_time_intervals.clone(),
        active_time_intervals: r.active_time_intervals.clone(),
    });
    for (i, c) in r.routes.iter().enumerate() {
        let child = add_route(nodes, c, format!("{path}.routes[{i}]"), &receiver)?;
        nodes[idx].children.push(child);
    }
    Ok(idx)
}

impl AmConfig {
    /// Reads an Alertmanager configuration (only what routing and inhibition need).
    pub fn parse(text: &str) -> Result<AmConfig, ConfigError> {
        let raw: RawConfig =
            serde_saphyr::from_str(text).map_err(|e| ConfigError::Yaml(e.to_string()))?;
        let mut nodes = Vec::new();
        add_route(&mut nodes, &raw.route, "route".into(), "")?;
        let mut inhibit_rules = Vec::new();
        for (i, r) in raw.inhibit_rules.iter().enumerate() {
            let p = format!("inhibit_rules[{i}]");
            let mut source = Vec::new();
            for m in &r.source_matchers {
                source.extend(parse_matchers(m).map_err(at(format!("{p}.source_matchers")))?);
            }
            source.extend(legacy(&r.source_match, Op::Eq)?);
            source.extend(legacy(&r.source_match_re, Op::Re)?);
            let mut target = Vec::new();
            for m in &r.target_matchers {
                target.extend(parse_matchers(m).map_err(at(format!("{p}.target_matchers")))?);
            }
            target.extend(legacy(&r.target_match, Op::Eq)?);
            target.extend(legacy(&r.target_match_re, Op::Re)?);
            inhibit_rules.push(InhibitRule {
                index: i,
                source,
                target,
                equal: r.equal.clone(),
            });
        }
        Ok(AmConfig {
            nodes,
            receivers: raw.receivers.into_iter().map(|n| n.name).collect(),
            inhibit_rules,
        })
    }
}

/// Whether an inhibition rule is one sloforge writes: both sides require `slo` and `service` to
/// be present and `equal` starts with the SLO identity (then the fleet's group labels). Splice
/// mode replaces such rules.
pub fn is_sloforge_rule(r: &InhibitRule) -> bool {
    let needs = |side: &[Matcher]| {
        alertmanager::identity().iter().all(|l| {
            side.iter()
                .any(|m| &m.name == l && m.op == Op::Re && m.value == ".+")
        })
    };
    needs(&r.source) && needs(&r.target) && r.equal.starts_with(&alertmanager::identity())
}
