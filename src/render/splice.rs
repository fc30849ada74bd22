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
//! When the file is a block-style YAML mapping (as Alertmanager configurations usually are),
//! sloforge's parts are inserted as text between `# BEGIN sloforge` and `# END sloforge` marker
//! lines and every other byte of the file stays as it was, comments included. The result is
//! accepted only if it reads back as exactly the same configuration as a structural splice;
//! otherwise (flow-style lists, sloforge parts without markers) the file is rewritten in a
//! canonical YAML form that keeps every value but not comments or anchors.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::compile::alertmanager::Compiled;
use crate::diag::Loc;
use crate::load::node::{Node, Value};
use crate::names;
use crate::syntax::matchers::{Matcher, parse_matchers};
use crate::syntax::yaml::to_yaml;
use crate::verify::amconfig::{InhibitRule, is_sloforge_rule};

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

/// Why a configuration cannot be spliced into.
#[derive(Debug, thiserror::Error)]
pub enum SpliceError {
    #[error("cannot read the Alertmanager configuration: {0}")]
    Yaml(String),
    #[error("the Alertmanager configuration is not a mapping")]
    NotMapping,
    #[error("the configuration has no `route`: Alertmanager needs a root route with a receiver")]
    NoRoute,
    #[error("`route` is not a mapping")]
    RouteNotMapping,
    #[error(
        "the root route's receiver is sloforge's: this is a generated configuration, not one to splice into"
    )]
    Generated,
    #[error("`{key}` is {kind}, expected a list")]
    NotList { key: String, kind: &'static str },
    #[error("internal: generated YAML does not read back: {0}")]
    ReadBack(String),
}

fn to_node<T: Serialize>(v: &T) -> Result<Node, SpliceError> {
    let text = to_yaml(v);
    serde_saphyr::from_str(&text).map_err(|e| SpliceError::ReadBack(e.to_string()))
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
fn list_entry<'a>(
    map: &'a mut Vec<(Node, Node)>,
    key: &str,
) -> Result<&'a mut Vec<Node>, SpliceError> {
    let idx = match map.iter().position(|(k, _)| key_str(k) == Some(key)) {
        Some(i) => i,
        None => {
            map.push((
                Node::new(Value::Str(key.into()), Default::default()),
                Node::new(Value::Seq(Vec::new()), Default::default()),
            ));
            map.len() - 1
        }
    };
    let v = &mut map[idx].1;
    if v.value == Value::Null {
        v.value = Value::Seq(Vec::new());
    }
    match &mut v.value {
        Value::Seq(items) => Ok(items),
        other => Err(SpliceError::NotList {
            key: key.to_string(),
            kind: other.kind_name(),
        }),
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
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.value.as_str().map(ToString::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let has_legacy = [
        "source_match",
        "source_match_re",
        "target_match",
        "target_match_re",
    ]
    .iter()
    .any(|k| n.value.get(k).is_some());
    !has_legacy
        && is_sloforge_rule(&InhibitRule {
            index: 0,
            source: matchers_of(n, "source_matchers"),
            target: matchers_of(n, "target_matchers"),
            equal,
        })
}

/// Where each inhibition rule of the user's own sits in `user_text` (sloforge's rules left
/// out), in the order a splice keeps them: the `i`-th is `inhibit_rules[i]` after splicing.
pub(crate) fn user_inhibit_rule_locs(user_text: &str) -> Vec<Loc> {
    let Ok(doc) = serde_saphyr::from_str::<Node>(user_text) else {
        return Vec::new();
    };
    match doc.value.get("inhibit_rules").map(|v| &v.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter(|r| !is_owned_rule(r))
            .map(|r| r.loc)
            .collect(),
        _ => Vec::new(),
    }
}

/// The user's configuration with sloforge's parts replaced by the compiled ones.
pub fn splice(user_text: &str, am: &Compiled) -> Result<String, SpliceError> {
    let structural = splice_structural(user_text, am)?;
    if let Some(text) = splice_text(user_text, am) {
        let read = |t: &str| serde_saphyr::from_str::<serde_json::Value>(t).ok();
        if read(&text).is_some() && read(&text) == read(&structural) {
            return Ok(text);
        }
    }
    Ok(structural)
}

/// The splice as a new document: every value kept, comments and layout not.
fn splice_structural(user_text: &str, am: &Compiled) -> Result<String, SpliceError> {
    let mut doc: Node =
        serde_saphyr::from_str(user_text).map_err(|e| SpliceError::Yaml(e.to_string()))?;
    let top = entries_mut(&mut doc).ok_or(SpliceError::NotMapping)?;
    let part = &am.splice;

    let route = top
        .iter_mut()
        .find(|(k, _)| key_str(k) == Some("route"))
        .map(|(_, v)| v)
        .ok_or(SpliceError::NoRoute)?;
    if owned_name(route, "receiver") {
        return Err(SpliceError::Generated);
    }
    let route_map = entries_mut(route).ok_or(SpliceError::RouteNotMapping)?;
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

    if !part.time_intervals.is_empty()
        || top
            .iter()
            .any(|(k, _)| key_str(k) == Some("time_intervals"))
    {
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
            templates.push(Node::new(
                Value::Str(TEMPLATE_FILE.into()),
                Default::default(),
            ));
        }
    }

    Ok(format!(
        "# sloforge keeps its routes, receivers, inhibition rules and time intervals (named `{p}…`) in this file\n\
         # up to date: run `sloforge splice` again after changing the specs. Everything else is yours.\n{}",
        to_yaml(&Out(&doc)),
        p = names::ALERTMANAGER_PREFIX
    ))
}

const BEGIN: &str = "# BEGIN sloforge: written by `sloforge splice` and replaced on every run";
const END: &str = "# END sloforge";

/// The text without the marked blocks of an earlier splice; `None` when markers do not pair up.
/// A file that ends with an end marker and no newline had no final newline before the block:
/// the newline before the block is removed with it.
fn strip_marked(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let ends_in_block = text
        .rsplit_once('\n')
        .is_some_and(|(_, last)| last.trim() == END);
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("# BEGIN sloforge") {
            if inside {
                return None;
            }
            inside = true;
        } else if t == END {
            if !inside {
                return None;
            }
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    if ends_in_block {
        out.pop();
    }
    (!inside).then_some(out)
}

/// Whether a (marker-free) document still holds parts sloforge owns.
fn owns_anything(top: &[(Node, Node)]) -> bool {
    let get = |k: &str| {
        top.iter()
            .find(|(n, _)| key_str(n) == Some(k))
            .map(|(_, v)| v)
    };
    let items = |k: &str| match get(k).map(|v| &v.value) {
        Some(Value::Seq(items)) => items.clone(),
        _ => Vec::new(),
    };
    let routes = get("route")
        .and_then(|r| r.value.get("routes"))
        .map_or_else(Vec::new, |r| match &r.value {
            Value::Seq(items) => items.clone(),
            _ => Vec::new(),
        });
    routes.iter().any(|r| owned_name(r, "receiver"))
        || items("receivers").iter().any(|r| owned_name(r, "name"))
        || items("time_intervals")
            .iter()
            .any(|r| owned_name(r, "name"))
        || items("inhibit_rules").iter().any(is_owned_rule)
        || items("templates")
            .iter()
            .any(|t| t.value.as_str() == Some(TEMPLATE_FILE))
}

/// 0-based column of the `-` of a block sequence item whose content starts at `col` (1-based).
fn dash_col(line: &str, col: u64) -> Option<usize> {
    let before: Vec<char> = line
        .chars()
        .take(usize::try_from(col).ok()?.saturating_sub(1))
        .collect();
    let i = before.iter().rposition(|c| *c != ' ')?;
    (before[i] == '-').then_some(i)
}

/// 1-based number of the last line with content in the block of the top-level key at
/// `key_line`.
fn block_end(lines: &[&str], key_line: usize) -> usize {
    let mut last = key_line;
    for (i, l) in lines.iter().enumerate().skip(key_line) {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if l.starts_with(' ') || l.starts_with('-') {
            last = i + 1;
        } else {
            break;
        }
    }
    last
}

/// `key:` and its items as a marked block, the key at `indent` (for a key the user's file lacks,
/// so that removing the block leaves the file as it was).
fn marked_keyed_block<T: Serialize>(indent: usize, key: &str, items: &[T]) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}{BEGIN}\n{pad}{key}:\n");
    for line in to_yaml(&items).lines() {
        out.push_str(&pad);
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("{pad}{END}\n"));
    out
}

/// Items as a marked block sequence at `indent`.
fn marked_block<T: Serialize>(indent: usize, items: &[T]) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}{BEGIN}\n");
    for line in to_yaml(&items).lines() {
        out.push_str(&pad);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("{pad}{END}\n"));
    out
}

/// sloforge's route as a marked block under the user's root route, and the line it goes after:
/// before the user's first route, or with its own `routes:` key when the root has none.
fn route_insert<T: Serialize>(
    top: &[(Node, Node)],
    lines: &[&str],
    route_part: &T,
) -> Option<(usize, String)> {
    let n = |v: u64| usize::try_from(v).ok();
    let (rk, rv) = top.iter().find(|(k, _)| key_str(k) == Some("route"))?;
    let Value::Map(route) = &rv.value else {
        return None;
    };
    if rv.loc.line <= rk.loc.line {
        return None;
    }
    let one = std::slice::from_ref(route_part);
    match route.iter().find(|(k, _)| key_str(k) == Some("routes")) {
        Some((k, v)) => match &v.value {
            Value::Seq(items) if !items.is_empty() && items[0].loc.line > k.loc.line => {
                let first = lines.get(n(items[0].loc.line)?.checked_sub(1)?)?;
                let indent = dash_col(first, items[0].loc.col)?;
                Some((n(k.loc.line)?, marked_block(indent, one)))
            }
            Value::Null => {
                let indent = usize::try_from(k.loc.col).ok()? + 1;
                Some((n(k.loc.line)?, marked_block(indent, one)))
            }
            _ => None,
        },
        None => {
            let indent = usize::try_from(rv.loc.col).ok()?.checked_sub(1)?;
            Some((n(rk.loc.line)?, marked_keyed_block(indent, "routes", one)))
        }
    }
}

/// The splice as text insertions into the user's file, or `None` when its layout does not
/// allow it.
fn splice_text(user_text: &str, am: &Compiled) -> Option<String> {
    let clean = strip_marked(user_text)?;
    let doc: Node = serde_saphyr::from_str(&clean).ok()?;
    let Value::Map(top) = &doc.value else {
        return None;
    };
    if top.iter().any(|(k, _)| k.loc.col != 1) || owns_anything(top) {
        return None;
    }
    let lines: Vec<&str> = clean.split_inclusive('\n').collect();
    let line = |n: u64| lines.get(usize::try_from(n).ok()?.checked_sub(1)?).copied();
    let part = &am.splice;
    // Insertions: after line N (0 = before the first line), in order.
    let mut inserts: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut at_end: Vec<String> = Vec::new();
    let n = |v: u64| usize::try_from(v).ok();

    let (after, block) = route_insert(top, &lines, &part.route)?;
    inserts.entry(after).or_default().push(block);

    let mut lists: Vec<(&str, String, usize)> = Vec::new();
    // `render(indent)`: the items as a block under the user's key; `missing(key)`: the key and
    // its items as one block, when the user's file has no such key.
    let mut add = |key: &'static str,
                   render: &dyn Fn(usize) -> String,
                   missing: &dyn Fn(&str) -> String|
     -> Option<()> {
        match top.iter().find(|(k, _)| key_str(k) == Some(key)) {
            Some((k, v)) => match &v.value {
                Value::Seq(items) if !items.is_empty() && items[0].loc.line > k.loc.line => {
                    let indent = dash_col(line(items[0].loc.line)?, items[0].loc.col)?;
                    lists.push((key, render(indent), block_end(&lines, n(k.loc.line)?)));
                }
                Value::Null => lists.push((key, render(2), n(k.loc.line)?)),
                _ => return None,
            },
            None => at_end.push(missing(key)),
        }
        Some(())
    };
    add("receivers", &|i| marked_block(i, &part.receivers), &|k| {
        marked_keyed_block(0, k, &part.receivers)
    })?;
    add(
        "inhibit_rules",
        &|i| marked_block(i, &part.inhibit_rules),
        &|k| marked_keyed_block(0, k, &part.inhibit_rules),
    )?;
    if !part.time_intervals.is_empty()
        || top
            .iter()
            .any(|(k, _)| key_str(k) == Some("time_intervals"))
    {
        add(
            "time_intervals",
            &|i| marked_block(i, &part.time_intervals),
            &|k| marked_keyed_block(0, k, &part.time_intervals),
        )?;
    }
    if am.template.is_some() {
        add("templates", &|i| marked_block(i, &[TEMPLATE_FILE]), &|k| {
            marked_keyed_block(0, k, &[TEMPLATE_FILE])
        })?;
    }
    for (_, text, after) in lists {
        inserts.entry(after).or_default().push(text);
    }

    let mut out = String::with_capacity(clean.len() + 4096);
    for t in inserts.get(&0).into_iter().flatten() {
        out.push_str(t);
    }
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        if !l.ends_with('\n') {
            out.push('\n');
        }
        for t in inserts.get(&(i + 1)).into_iter().flatten() {
            out.push_str(t);
        }
    }
    for t in at_end {
        out.push_str(&t);
    }
    // A file without a final newline keeps lacking one: when a block follows its last line,
    // the newline between them is the block's (`strip_marked` removes it with the block).
    if !clean.is_empty() && !clean.ends_with('\n') {
        out.pop();
    }
    Some(out)
}
