//! The rule shape promised in the README: at most 12 rules for a ratio SLO with four tiers,
//! raw series read by one rule only, no window longer than the bridge read sample by sample, and no float artifacts anywhere in the committed output.

mod common;

use sloforge::compile::rules::Rule;

#[test]
fn a_ratio_slo_with_four_tiers_is_twelve_rules_and_reads_raw_series_once() {
    let b = sloforge::build(&[common::root().join("tests/cases/ratio_errors.yaml")], false);
    let c = b.compilation.expect("compiles");
    let file = c.rule_files["api"].rules(&c.settings);
    let group = &file.groups[0];
    let alerts = group.rules.iter().filter(|r| matches!(r, Rule::Alert(_))).count();
    assert_eq!(alerts, 4);
    assert!(group.rules.len() <= 12, "{} rules", group.rules.len());
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
    // Every window is counted from the recorded rates (sums up to the bridge, running totals
    // beyond it), and the ratio is Σerrors/Σtotal of those counts.
    let expr_of = |name: &str| {
        group.rules.iter().find_map(|r| match r {
            Rule::Record(r) if r.record == name => Some(r.expr.clone()),
            _ => None,
        })
    };
    let ratio = expr_of("slo:sli_error:ratio").expect("ratio rule");
    assert!(!ratio.contains("avg"), "{ratio}");
    let bridge = sloforge::compile::rules::bridge(&c.settings);
    assert_eq!(bridge.to_string(), "6h");
    let terms: Vec<&str> = ratio.split(" or label_replace(").collect();
    assert_eq!(terms.len(), 8, "{ratio}");
    for term in terms {
        let window = term.rsplit("\"window\", \"").next().and_then(|t| t.split('"').next()).unwrap();
        let long = ["1d", "3d", "30d"].contains(&window);
        // Σerrors / Σtotal of the same window.
        let (errors, total) = term.split_once(" / (").unwrap();
        assert!(errors.contains("event=\"errors\"") && !errors.contains("event=\"total\""), "{term}");
        assert!(total.contains("event=\"total\"") && !total.contains("event=\"errors\""), "{term}");
        assert_eq!(term.contains("sum(sum_over_time(slo:sli_events:rate1m{"), !long, "{window}: {term}");
        // The total at the window's start: the last one within the bridge before it, so that a
        // gap in evaluation there does not turn the window into everything since the start.
        assert_eq!(term.matches(&format!("[{bridge}] offset {window})")).count(), if long { 2 } else { 0 }, "{window}: {term}");
        assert!(!term.contains(&format!("}} offset {window}")), "{window}: {term}");
    }
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
