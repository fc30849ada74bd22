//! Checks a located YAML tree against the JSON Schema of the format (the one `sloforge schema`
//! prints), reporting every unknown key, missing key and wrong type at once with its position.

use serde_json::Value as Json;

use super::node::{Node, Value};
use crate::diag::Loc;

#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub loc: Loc,
    pub path: String,
    pub message: String,
    pub unknown_field: bool,
    pub help: Option<String>,
}

pub fn check(node: &Node, schema: &Json) -> Vec<Issue> {
    let mut out = Vec::new();
    walk(node, schema, schema, "", &mut out);
    out
}

fn resolve<'a>(schema: &'a Json, root: &'a Json) -> &'a Json {
    let mut s = schema;
    for _ in 0..32 {
        match s.get("$ref").and_then(Json::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or_default();
                match root.get("$defs").and_then(|d| d.get(name)) {
                    Some(t) => s = t,
                    None => return s,
                }
            }
            None => return s,
        }
    }
    s
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match (t, v) {
        ("null", Value::Null) | ("boolean", Value::Bool(_)) | ("string", Value::Str(_)) => true,
        ("object", Value::Map(_)) | ("array", Value::Seq(_)) => true,
        ("number", Value::Int(_) | Value::Float(_)) | ("integer", Value::Int(_)) => true,
        ("integer", Value::Float(f)) => f.fract() == 0.0,
        _ => false,
    }
}

fn type_name(t: &str) -> &str {
    match t {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "number" => "a number",
        "integer" => "a whole number",
        "boolean" => "true or false",
        "null" => "null",
        other => other,
    }
}

fn walk(node: &Node, schema: &Json, root: &Json, path: &str, out: &mut Vec<Issue>) {
    let schema = resolve(schema, root);
    if schema == &Json::Bool(true) {
        return;
    }
    let alts = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Json::as_array);
    if let Some(alts) = alts {
        walk_alternatives(node, alts, root, path, out);
        return;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Json::String(s) => vec![s.as_str()],
            Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
            _ => vec![],
        };
        // A plain scalar such as `y`, `no` or `1` reads as a string where a string is wanted.
        let scalar_as_string = types.contains(&"string")
            && matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_));
        if !types.is_empty()
            && !scalar_as_string
            && !types.iter().any(|t| type_matches(t, &node.value))
        {
            let want: Vec<&str> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| type_name(t))
                .collect();
            let hint = if matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_))
                && types.contains(&"string")
            {
                Some("quote the value to make it a string".to_string())
            } else {
                None
            };
            out.push(Issue {
                loc: node.loc,
                path: path.to_string(),
                message: format!(
                    "expected {}, found {}",
                    want.join(" or "),
                    node.value.kind_name()
                ),
                unknown_field: false,
                help: hint,
            });
            return;
        }
    }
    if let Some(issue) = range_issue(node, schema, path) {
        out.push(issue);
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
        let text = node.value.scalar_text();
        if !allowed.iter().any(|a| a.as_str() == Some(text.as_str())) {
            let names: Vec<String> = allowed
                .iter()
                .filter_map(Json::as_str)
                .map(|s| format!("`{s}`"))
                .collect();
            out.push(Issue {
                loc: node.loc,
                path: path.to_string(),
                message: format!("`{text}` is not one of {}", names.join(", ")),
                unknown_field: false,
                help: None,
            });
        }
        return;
    }
    match &node.value {
        Value::Map(entries) => walk_map(node, entries, schema, root, path, out),
        Value::Seq(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk(item, item_schema, root, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn walk_map(
    node: &Node,
    entries: &[(Node, Node)],
    schema: &Json,
    root: &Json,
    path: &str,
    out: &mut Vec<Issue>,
) {
    let props = schema.get("properties").and_then(Json::as_object);
    let additional = schema.get("additionalProperties");
    for (k, v) in entries {
        let key = k.value.scalar_text();
        let child = join(path, &key);
        if let Some(p) = props.and_then(|p| p.get(&key)) {
            walk(v, p, root, &child, out);
            continue;
        }
        match additional {
            Some(Json::Bool(false)) => {
                let known: Vec<&String> = props.map(|p| p.keys().collect()).unwrap_or_default();
                let help = suggest(&key, &known).map(|s| format!("did you mean `{s}`?"));
                let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                out.push(Issue {
                    loc: k.loc,
                    path: child,
                    message: format!("unknown field `{key}`, expected one of {}", list.join(", ")),
                    unknown_field: true,
                    help,
                });
            }
            Some(s @ Json::Object(_)) => {
                if let Some(ks) = schema.get("propertyNames") {
                    walk(k, ks, root, &child, out);
                }
                walk(v, s, root, &child, out);
            }
            _ => {}
        }
    }
    if let Some(req) = schema.get("required").and_then(Json::as_array) {
        for r in req.iter().filter_map(Json::as_str) {
            if !entries.iter().any(|(k, _)| k.value.as_str() == Some(r)) {
                out.push(Issue {
                    loc: node.loc,
                    path: path.to_string(),
                    message: format!("missing required field `{r}`"),
                    unknown_field: false,
                    help: None,
                });
            }
        }
    }
}

fn walk_alternatives(node: &Node, alts: &[Json], root: &Json, path: &str, out: &mut Vec<Issue>) {
    // An externally tagged enum whose tag is given: check against that variant alone.
    if let Value::Map(entries) = &node.value
        && let [(k, _)] = entries.as_slice()
    {
        let tagged = alts.iter().find(|a| {
            let a = resolve(a, root);
            a.get("required")
                .and_then(Json::as_array)
                .is_some_and(|r| r.len() == 1 && r[0].as_str() == k.value.as_str())
        });
        if let Some(alt) = tagged {
            walk(node, alt, root, path, out);
            return;
        }
    }
    let mut best: Option<Vec<Issue>> = None;
    for alt in alts {
        // `null` of an optional field explains nothing about a value that is given.
        let is_null = resolve(alt, root).get("type").and_then(Json::as_str) == Some("null");
        if is_null && node.value != Value::Null && alts.len() > 1 {
            continue;
        }
        let mut issues = Vec::new();
        walk(node, alt, root, path, &mut issues);
        if issues.is_empty() {
            return;
        }
        if best.as_ref().is_none_or(|b| issues.len() < b.len()) {
            best = Some(issues);
        }
    }
    // Externally tagged enums (`ratio: {…}` / `latency: {…}`): name the keys when none fits.
    let tags: Vec<String> = alts
        .iter()
        .filter_map(|a| {
            let a = resolve(a, root);
            let req = a.get("required")?.as_array()?;
            (req.len() == 1).then(|| req[0].as_str().map(str::to_string))?
        })
        .collect();
    if let Value::Map(entries) = &node.value {
        if tags.len() == alts.len()
            && !entries
                .iter()
                .any(|(k, _)| tags.iter().any(|t| k.value.as_str() == Some(t)))
        {
            let list: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
            out.push(Issue {
                loc: node.loc,
                path: path.to_string(),
                message: format!("expected exactly one of {}", list.join(", ")),
                unknown_field: false,
                help: None,
            });
            return;
        }
        if tags.len() == alts.len() && entries.len() > 1 {
            let list: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
            out.push(Issue {
                loc: node.loc,
                path: path.to_string(),
                message: format!("give exactly one of {}", list.join(", ")),
                unknown_field: false,
                help: None,
            });
            return;
        }
    }
    out.extend(best.unwrap_or_default());
}

/// The known name closest to `key`, if it is close enough to be a typo.
pub fn suggest<'a>(key: &str, known: &[&'a String]) -> Option<&'a String> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    known
        .iter()
        .map(|k| (edit_distance(&norm(key), &norm(k)), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Numeric bounds (`minimum`, `maximum`, and the ranges of integer formats).
fn range_issue(node: &Node, schema: &Json, path: &str) -> Option<Issue> {
    let v = match node.value {
        Value::Int(i) => i as f64,
        Value::Float(f) => f,
        _ => return None,
    };
    let (mut lo, mut hi) = (
        schema.get("minimum").and_then(Json::as_f64),
        schema.get("maximum").and_then(Json::as_f64),
    );
    match schema.get("format").and_then(Json::as_str) {
        Some("uint64") => {
            lo = lo.or(Some(0.0));
            hi = hi.or(Some(u64::MAX as f64));
        }
        Some("uint32") => {
            lo = lo.or(Some(0.0));
            hi = hi.or(Some(f64::from(u32::MAX)));
        }
        _ => {}
    }
    let shown = node.value.scalar_text();
    let shown = if shown.len() > 24 {
        format!("{}…", &shown[..24])
    } else {
        shown
    };
    let bad = |msg: String| {
        Some(Issue {
            loc: node.loc,
            path: path.to_string(),
            message: msg,
            unknown_field: false,
            help: None,
        })
    };
    if lo.is_some_and(|lo| v < lo) {
        return bad(format!(
            "{shown} is below the minimum of {}",
            lo.unwrap_or_default()
        ));
    }
    if hi.is_some_and(|hi| v > hi) {
        return bad(format!("{shown} is too large"));
    }
    None
}
