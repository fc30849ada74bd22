//! The panel queries of the generated Grafana dashboards, with Grafana's variables filled in as
//! Grafana fills them, the selectors they read, and their answers from a running Prometheus.

use std::collections::BTreeMap;

use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;
use promql_parser::util::{ExprVisitor, walk_expr};
use serde_json::Value as Json;

use super::loopback;

/// One query of a panel.
#[derive(Debug, Clone)]
pub struct PanelQuery {
    pub panel: String,
    pub expr: String,
}

/// Every query of every panel of `dashboard`, rows' panels included.
pub fn queries(dashboard: &Json) -> Vec<PanelQuery> {
    fn walk(panels: &Json, out: &mut Vec<PanelQuery>) {
        for p in panels.as_array().into_iter().flatten() {
            walk(&p["panels"], out);
            for t in p["targets"].as_array().into_iter().flatten() {
                out.push(PanelQuery {
                    panel: p["title"].as_str().unwrap_or_default().to_string(),
                    expr: t["expr"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

/// The names of the dashboard's variables.
pub fn variables(dashboard: &Json) -> Vec<String> {
    dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

/// `expr` with each `$name` of `values` replaced by its value (longest names first, so that
/// `$slo` does not eat the start of a longer name).
pub fn interpolate(expr: &str, values: &BTreeMap<String, String>) -> String {
    let mut names: Vec<&String> = values.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = expr.to_string();
    for n in names {
        out = out.replace(&format!("${{{n}}}"), &values[n]);
        out = out.replace(&format!("${n}"), &values[n]);
    }
    out
}

/// The value of every multi-value variable of `dashboard` with `All` selected: its `allValue`.
pub fn all_values(dashboard: &Json) -> BTreeMap<String, String> {
    dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some((
                v["name"].as_str()?.to_string(),
                v["allValue"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// One selector of a query: its metric name and matchers as (label, operator, value).
#[derive(Debug, Clone)]
pub struct Selector {
    pub name: Option<String>,
    pub matchers: Vec<(String, &'static str, String)>,
}

impl Selector {
    /// The value of the label's equality matcher.
    pub fn eq(&self, label: &str) -> Option<&str> {
        self.matchers
            .iter()
            .find(|(l, op, _)| l == label && *op == "=")
            .map(|(_, _, v)| v.as_str())
    }
}

struct Collect(Vec<Selector>);

impl ExprVisitor for Collect {
    type Error = ();
    fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
        let vs = match e {
            Expr::VectorSelector(vs) => vs,
            Expr::MatrixSelector(ms) => &ms.vs,
            _ => return Ok(true),
        };
        let matchers = vs
            .matchers
            .matchers
            .iter()
            .chain(vs.matchers.or_matchers.iter().flatten())
            .map(|m| {
                let op = match m.op {
                    MatchOp::Equal => "=",
                    MatchOp::NotEqual => "!=",
                    MatchOp::Re(_) => "=~",
                    MatchOp::NotRe(_) => "!~",
                };
                (m.name.clone(), op, m.value.clone())
            })
            .collect();
        self.0.push(Selector {
            name: vs.name.clone(),
            matchers,
        });
        Ok(false)
    }
}

/// The selectors `expr` reads, or why it does not parse.
pub fn selectors(expr: &str) -> Result<Vec<Selector>, String> {
    let e = promql_parser::parser::parse(expr)?;
    let mut c = Collect(Vec::new());
    let _ = walk_expr(&mut c, &e);
    Ok(c.0)
}

/// Runs every panel query of the dashboards in `dir` against the Prometheus on 127.0.0.1:`port`,
/// with Grafana's variables as Grafana first sets them (`All` for a multi-value variable, the
/// first value Prometheus lists for another), and the label query of every variable: (queries,
/// returning data), and what returns nothing.
pub fn run_against(port: u16, dir: &std::path::Path) -> (usize, usize, Vec<String>) {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut checked, mut with_data, mut empty) = (0, 0, Vec::new());
    for f in &files {
        let d: Json = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let mut values = all_values(&d);
        for v in d["templating"]["list"].as_array().into_iter().flatten() {
            // `label_values(SELECTOR, LABEL)`: the label's values on the selected series.
            let Some(q) = v["query"]
                .as_str()
                .and_then(|q| q.strip_prefix("label_values("))
            else {
                continue;
            };
            let (selector, label) = q.trim_end_matches(')').rsplit_once(", ").unwrap();
            let selector = interpolate(selector, &values);
            let path = format!(
                "/api/v1/label/{label}/values?match[]={}",
                loopback::form_encode(&selector)
            );
            let found: Vec<String> = loopback::get_json(port, &path)["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            checked += 1;
            if found.is_empty() {
                empty.push(format!(
                    "{}: variable {}: {selector}",
                    f.display(),
                    v["name"]
                ));
                continue;
            }
            with_data += 1;
            if v["includeAll"] != true {
                values.insert(v["name"].as_str().unwrap().to_string(), found[0].clone());
            }
        }
        for q in queries(&d) {
            let expr = interpolate(&q.expr, &values);
            checked += 1;
            if loopback::instant_query(port, &expr).is_empty() {
                empty.push(format!("{}: {}: {expr}", f.display(), q.panel));
            } else {
                with_data += 1;
            }
        }
    }
    (checked, with_data, empty)
}
