//! A direct YAML writer for rule files and promtool test files: their shape is fixed, so they
//! are written without a serializer, quoting every scalar that a YAML 1.1 or 1.2 reader could take for anything but
//! the same string.

use std::fmt::Write as _;

use crate::compile::rules::{Rule, RuleFile};
use crate::compile::scenarios::{ServiceTests, TestFile};
use crate::syntax::yaml::scalar;

fn map(
    out: &mut String,
    indent: &str,
    key: &str,
    entries: &std::collections::BTreeMap<String, String>,
) {
    out.push_str(indent);
    out.push_str(key);
    if entries.is_empty() {
        out.push_str(": {}\n");
        return;
    }
    out.push_str(":\n");
    for (k, v) in entries {
        out.push_str(indent);
        out.push_str("  ");
        scalar(k, out);
        out.push_str(": ");
        scalar(v, out);
        out.push('\n');
    }
}

fn field(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push_str(indent);
    out.push_str(key);
    out.push_str(": ");
    scalar(value, out);
    out.push('\n');
}

/// About the length of [`rule_file`]'s text, so that it is written without regrowing.
fn size_hint(f: &RuleFile) -> usize {
    let map_len = |m: &std::collections::BTreeMap<String, String>| {
        m.iter().map(|(k, v)| k.len() + v.len() + 12).sum::<usize>() + 20
    };
    let rules: usize = f
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(|r| match r {
            Rule::Record(r) => r.record.len() + r.expr.len() + map_len(&r.labels) + 32,
            Rule::Alert(a) => {
                a.alert.len() + a.expr.len() + map_len(&a.labels) + map_len(&a.annotations) + 80
            }
        })
        .sum();
    rules + f.groups.iter().map(|g| g.name.len() + 48).sum::<usize>() + 64
}

/// Keys a ruler reads beside those of a Prometheus rule file.
#[derive(Debug, Clone, Copy, Default)]
pub struct RulerKeys<'a> {
    /// Top-level `namespace` of the file's groups (`mimirtool`/`cortextool rules load`).
    pub namespace: Option<&'a str>,
    /// `partial_response_strategy` of every group (Thanos Ruler).
    pub partial_response_strategy: Option<&'a str>,
}

/// The YAML of a rule file, after `head` (its comment header), with the keys of a ruler.
pub fn ruler_rule_file(head: &str, f: &RuleFile, keys: RulerKeys) -> String {
    let mut out = String::with_capacity(head.len() + size_hint(f));
    out.push_str(head);
    if let Some(ns) = keys.namespace {
        field(&mut out, "", "namespace", ns);
    }
    if f.groups.is_empty() {
        out.push_str("groups: []\n");
        return out;
    }
    out.push_str("groups:\n");
    // The recording rules of a group share their label maps: each is written once.
    let mut label_text: Vec<(*const std::collections::BTreeMap<String, String>, String)> =
        Vec::new();
    for g in &f.groups {
        out.push_str("- ");
        field(&mut out, "", "name", &g.name);
        field(&mut out, "  ", "interval", &g.interval);
        if let Some(p) = keys.partial_response_strategy {
            field(&mut out, "  ", "partial_response_strategy", p);
        }
        out.push_str("  rules:\n");
        for r in &g.rules {
            match r {
                Rule::Record(r) => {
                    out.push_str("  - ");
                    field(&mut out, "", "record", &r.record);
                    field(&mut out, "    ", "expr", &r.expr);
                    let ptr = std::sync::Arc::as_ptr(&r.labels);
                    match label_text.iter().find(|(p, _)| *p == ptr) {
                        Some((_, text)) => out.push_str(text),
                        None => {
                            let mut text = String::new();
                            map(&mut text, "    ", "labels", &r.labels);
                            out.push_str(&text);
                            label_text.push((ptr, text));
                        }
                    }
                }
                Rule::Alert(a) => {
                    out.push_str("  - ");
                    field(&mut out, "", "alert", &a.alert);
                    field(&mut out, "    ", "expr", &a.expr);
                    if let Some(f) = &a.for_ {
                        field(&mut out, "    ", "for", f);
                    }
                    if let Some(k) = &a.keep_firing_for {
                        field(&mut out, "    ", "keep_firing_for", k);
                    }
                    map(&mut out, "    ", "labels", &a.labels);
                    map(&mut out, "    ", "annotations", &a.annotations);
                }
            }
        }
    }
    out
}

/// A sequence under `key`: `[]` when empty, else one `- ` item per element, written by `item`
/// (which gets the indent of the item's further keys).
fn seq<T>(
    out: &mut String,
    indent: &str,
    key: &str,
    items: &[T],
    mut item: impl FnMut(&mut String, &str, &T),
) {
    if items.is_empty() {
        let _ = writeln!(out, "{indent}{key}: []");
        return;
    }
    let _ = writeln!(out, "{indent}{key}:");
    let inner = format!("{indent}  ");
    for x in items {
        out.push_str(indent);
        out.push_str("- ");
        item(out, &inner, x);
    }
}

/// A promtool unit-test file, after `head` (its comment header).
pub fn test_file(head: &str, f: &TestFile) -> String {
    let mut out = String::with_capacity(head.len() + 4096);
    out.push_str(head);
    seq(&mut out, "", "rule_files", &f.rule_files, |out, _, r| {
        scalar(r, out);
        out.push('\n');
    });
    field(&mut out, "", "evaluation_interval", &f.evaluation_interval);
    seq(&mut out, "", "tests", &f.tests, |out, ind, g| {
        field(out, "", "name", &g.name);
        field(out, ind, "interval", &g.interval);
        seq(out, ind, "input_series", &g.input_series, |out, ind, s| {
            field(out, "", "series", &s.series);
            field(out, ind, "values", &s.values);
        });
        seq(
            out,
            ind,
            "promql_expr_test",
            &g.promql_expr_test,
            |out, ind, t| {
                field(out, "", "expr", &t.expr);
                field(out, ind, "eval_time", &t.eval_time);
                seq(out, ind, "exp_samples", &t.exp_samples, |out, ind, e| {
                    field(out, "", "labels", &e.labels);
                    // Sample values are whole (alert states, 0 or 1): written as YAML floats.
                    let _ = if e.value.is_finite() && e.value.fract() == 0.0 {
                        writeln!(out, "{ind}value: {:.1}", e.value)
                    } else {
                        writeln!(out, "{ind}value: {}", e.value)
                    };
                });
            },
        );
    });
    out
}

/// The test file of a service: a comment saying what each scenario proves, then the YAML.
pub fn service_test_file(t: &ServiceTests, source: &std::path::Path) -> String {
    let name = source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = format!(
        "# Generated by sloforge from {name}. Do not edit: change the spec and run `sloforge generate`.\n"
    );
    out.push_str(
        "# promtool unit tests of the burn-rate alerts; run them with `sloforge test` or\n",
    );
    out.push_str("# `promtool test rules` on this file. Expected alerts are computed from each SLO's objective,\n");
    out.push_str("# window, tiers, `for` and `keep_firing_for` on the synthetic series, with exact arithmetic.\n");
    for n in &t.notes {
        out.push('#');
        if !n.is_empty() {
            out.push(' ');
            out.push_str(n);
        }
        out.push('\n');
    }
    test_file(&out, &t.file)
}

#[cfg(test)]
mod tests {
    use crate::compile::scenarios::{ExpSample, ExprTest, InputSeries, TestFile, TestGroup};

    #[test]
    fn test_files_read_back_as_written() {
        let odd = [
            "plain",
            "a: b",
            "x #y",
            "- dash",
            "\"quoted\"",
            "yes",
            "1.5",
            "0x1f",
            "tab\there",
            "ünïcode",
            "trailing ",
            "{brace}",
            "1h: 2m",
        ];
        let groups = odd
            .iter()
            .map(|s| TestGroup {
                name: (*s).to_string(),
                interval: "15s".into(),
                input_series: vec![InputSeries {
                    series: format!("m{{l=\"{s}\"}}"),
                    values: "0+1x10".into(),
                }],
                promql_expr_test: vec![
                    ExprTest {
                        expr: (*s).to_string(),
                        eval_time: "1m".into(),
                        exp_samples: vec![],
                    },
                    ExprTest {
                        expr: "ALERTS".into(),
                        eval_time: "2m".into(),
                        exp_samples: vec![
                            ExpSample {
                                labels: (*s).to_string(),
                                value: 1.0,
                            },
                            ExpSample {
                                labels: "x".into(),
                                value: 0.0,
                            },
                        ],
                    },
                ],
            })
            .chain([TestGroup {
                name: "empty".into(),
                interval: "1m".into(),
                input_series: vec![],
                promql_expr_test: vec![],
            }])
            .collect();
        let f = TestFile {
            rule_files: vec!["../rules/a.rules.yaml".into()],
            evaluation_interval: "1m".into(),
            tests: groups,
        };
        let text = super::test_file("# head\n", &f);
        assert!(
            text.starts_with("# head\nrule_files:\n- ../rules/a.rules.yaml\n"),
            "{text}"
        );
        let back: serde_json::Value = serde_saphyr::from_str(&text).expect("parses");
        assert_eq!(back, serde_json::to_value(&f).expect("json"), "{text}");
        // The serializer's text, but for a value it leaves plain that could read as a number.
        assert_eq!(
            text["# head\n".len()..],
            crate::syntax::yaml::to_yaml(&f).replace("values: 0+1x10", "values: \"0+1x10\"")
        );
    }
}
