//! The rule shape promised in the README: at most 10 rules for a ratio SLO with four tiers,
//! raw series read by one rule only, and no float artifacts anywhere in the committed output.

mod common;

use sloforge::compile::rules::Rule;

#[test]
fn a_ratio_slo_with_four_tiers_is_ten_rules_and_reads_raw_series_once() {
    let b = sloforge::build(&[common::root().join("tests/cases/ratio_errors.yaml")], false);
    let c = b.compilation.expect("compiles");
    let file = c.rule_files["api"].rules(&c.settings);
    let group = &file.groups[0];
    let alerts = group.rules.iter().filter(|r| matches!(r, Rule::Alert(_))).count();
    assert_eq!(alerts, 4);
    assert!(group.rules.len() <= 10, "{} rules", group.rules.len());
    let raw_readers: Vec<&str> = group
        .rules
        .iter()
        .map(|r| match r {
            Rule::Record(r) => r.expr.as_str(),
            Rule::Alert(a) => a.expr.as_str(),
        })
        .filter(|e| e.contains("http_requests_total"))
        .collect();
    assert_eq!(raw_readers.len(), 1, "{raw_readers:?}");
    // Every longer window is derived from the recorded rates, traffic-weighted.
    let ratio = group.rules.iter().find_map(|r| match r {
        Rule::Record(r) if r.record == "slo:sli_error:ratio" => Some(r.expr.as_str()),
        _ => None,
    });
    let ratio = ratio.expect("ratio rule");
    assert!(ratio.contains("sum(sum_over_time(slo:sli_events:rate1m{") && !ratio.contains("avg_over_time"), "{ratio}");
}

#[test]
fn no_float_artifacts_in_generated_output() {
    let tree = sloforge::render::tree::read_tree(&common::root().join("generated")).unwrap();
    assert!(tree.len() > 5);
    for (path, text) in tree {
        for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            if let Some((_, frac)) = token.split_once('.') {
                assert!(frac.len() < 10, "float artifact `{token}` in generated/{path}");
            }
        }
    }
}
