//! Splice mode: sloforge's routing sub-tree, inhibition rules, receivers, time intervals and
//! template file inserted into an Alertmanager configuration of the user's, everything else
//! of that file kept. What sloforge owns is recognisable, so a second run replaces it instead
//! of adding it again:
//! - the top-level route (under the user's root) whose receiver starts with `sloforge-`,
//! - receivers and time intervals whose names start with `sloforge-`,
//! - inhibition rules that require `service` and `slo` on both sides and are `equal` on
//!   exactly those two labels,
//! - the `templates` entry of sloforge's template file.
//!
//! The result is written in a canonical YAML form: values are kept, comments and anchors are
//! not.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::compile::alertmanager::Compiled;
use crate::compile::routes::{InhibitRule, Matcher, is_sloforge_rule, parse_matchers};
use crate::load::node::{Node, Value};
use crate::names;

/// Template file name in splice mode, next to the spliced configuration.
pub const TEMPLATE_FILE: &str = "sloforge.tmpl";

struct Out<'a>(&'a Node);

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0.value {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => match i64::try_from(*i) {
                Ok(v) => s.serialize_i64(v),
                Err(_) => s.serialize_str(&i.to_string()),
            },
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(&Out(i))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(&Out(k), &Out(v))?;
                }
                map.end()
            }
        }
    }
}

fn to_node<T: Serialize>(v: &T) -> Result<Node, String> {
    let text = super::to_yaml(v);
    serde_saphyr::from_str(&text).map_err(|e| format!("internal: generated YAML does not read back: {e}"))
}

fn entries_mut(n: &mut Node) -> Option<&mut Vec<(Node, Node)>> {
    match &mut n.value {
        Value::Map(e) => Some(e),
        _ => None,
    }
}

fn key_str(k: &Node) -> Option<&str> {
    k.value.as_str()
}

/// The value of `key` in a mapping, created (empty list) at the end when missing.
fn list_entry<'a>(map: &'a mut Vec<(Node, Node)>, key: &str) -> Result<&'a mut Vec<Node>, String> {
    let idx = match map.iter().position(|(k, _)| key_str(k) == Some(key)) {
        Some(i) => i,
        None => {
            map.push((Node::new(Value::Str(key.into()), Default::default()), Node::new(Value::Seq(Vec::new()), Default::default())));
            map.len() - 1
        }
    };
    let v = &mut map[idx].1;
    if v.value == Value::Null {
        v.value = Value::Seq(Vec::new());
    }
    match &mut v.value {
        Value::Seq(items) => Ok(items),
        other => Err(format!("`{key}` is {}, expected a list", other.kind_name())),
    }
}

fn string_field<'a>(n: &'a Node, key: &str) -> Option<&'a str> {
    n.value.get(key).and_then(|v| v.value.as_str())
}

fn owned_name(n: &Node, key: &str) -> bool {
    string_field(n, key).is_some_and(|s| s.starts_with(names::ALERTMANAGER_PREFIX))
}

fn matchers_of(n: &Node, key: &str) -> Vec<Matcher> {
    let mut out = Vec::new();
    if let Some(Value::Seq(items)) = n.value.get(key).map(|v| &v.value) {
        for i in items {
            if let Some(s) = i.value.as_str() {
                out.extend(parse_matchers(s).unwrap_or_default());
            }
        }
    }
    out
}

fn is_owned_rule(n: &Node) -> bool {
    let equal: Vec<String> = match n.value.get("equal").map(|v| &v.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(|i| i.value.as_str().map(ToString::to_string)).collect(),
        _ => Vec::new(),
    };
    let has_legacy = ["source_match", "source_match_re", "target_match", "target_match_re"].iter().any(|k| n.value.get(k).is_some());
    !has_legacy && is_sloforge_rule(&InhibitRule { index: 0, source: matchers_of(n, "source_matchers"), target: matchers_of(n, "target_matchers"), equal })
}

/// The user's configuration with sloforge's parts replaced by the compiled ones.
pub fn splice(user_text: &str, am: &Compiled) -> Result<String, String> {
    let mut doc: Node = serde_saphyr::from_str(user_text).map_err(|e| format!("cannot read the Alertmanager configuration: {e}"))?;
    let top = entries_mut(&mut doc).ok_or("the Alertmanager configuration is not a mapping")?;
    let part = &am.splice;

    let route = top
        .iter_mut()
        .find(|(k, _)| key_str(k) == Some("route"))
        .map(|(_, v)| v)
        .ok_or("the configuration has no `route`: Alertmanager needs a root route with a receiver")?;
    if owned_name(route, "receiver") {
        return Err("the root route's receiver is sloforge's: this is a generated configuration, not one to splice into".into());
    }
    let route_map = entries_mut(route).ok_or("`route` is not a mapping")?;
    let routes = list_entry(route_map, "routes")?;
    routes.retain(|r| !owned_name(r, "receiver"));
    routes.insert(0, to_node(&part.route)?);

    let receivers = list_entry(top, "receivers")?;
    receivers.retain(|r| !owned_name(r, "name"));
    for r in &part.receivers {
        receivers.push(to_node(r)?);
    }

    let rules = list_entry(top, "inhibit_rules")?;
    rules.retain(|r| !is_owned_rule(r));
    for r in &part.inhibit_rules {
        rules.push(to_node(r)?);
    }

    if !part.time_intervals.is_empty() || top.iter().any(|(k, _)| key_str(k) == Some("time_intervals")) {
        let intervals = list_entry(top, "time_intervals")?;
        intervals.retain(|r| !owned_name(r, "name"));
        for t in &part.time_intervals {
            intervals.push(to_node(t)?);
        }
    }

    if am.template.is_some() || top.iter().any(|(k, _)| key_str(k) == Some("templates")) {
        let templates = list_entry(top, "templates")?;
        templates.retain(|t| t.value.as_str() != Some(TEMPLATE_FILE));
        if am.template.is_some() {
            templates.push(Node::new(Value::Str(TEMPLATE_FILE.into()), Default::default()));
        }
    }

    Ok(format!(
        "# sloforge keeps its routes, receivers, inhibition rules and time intervals (named `{p}…`) in this file\n\
         # up to date: run `sloforge splice` again after changing the specs. Everything else is yours.\n{}",
        super::to_yaml(&Out(&doc)),
        p = names::ALERTMANAGER_PREFIX
    ))
}
