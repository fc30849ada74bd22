//! The rule shape promised in the README: raw series read by one rule only, at two instants;
//! every window read from what earlier evaluations recorded (no rule needs a sample
//! written in the same evaluation, none reads its own output); windows up to 3d summed from
//! the recorded rates and longer ones averaged from the coarse group's; and no float artifacts
//! anywhere in the committed output.

mod common;

use sloforge::compile::rules::Rule;

fn expr(r: &Rule) -> &str {
    match r {
        Rule::Record(r) => r.expr.as_str(),
        Rule::Alert(a) => a.expr.as_str(),
    }
}

#[test]
fn a_ratio_slo_reads_raw_series_once_and_every_window_from_earlier_evaluations() {
    let b = sloforge::build(
        &[common::root().join("tests/cases/ratio_errors.yaml")],
        false,
    );
    let c = b.compilation.expect("compiles");
    let file = c.rule_files["api"].rules(&c.settings);
    assert_eq!(file.groups.len(), 2, "the SLO's group and its coarse group");
    let (group, coarse) = (&file.groups[0], &file.groups[1]);
    assert_eq!(
        (group.interval.as_str(), coarse.interval.as_str()),
        ("1m", "1h")
    );
    let alerts = group
        .rules
        .iter()
        .filter(|r| matches!(r, Rule::Alert(_)))
        .count();
    assert_eq!(alerts, 4 + 1, "four burn tiers and the no-data alert");
    let raw_readers: Vec<&str> = file
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(expr)
        .filter(|e| e.contains("http_requests_total"))
        .collect();
    assert_eq!(raw_readers.len(), 1, "{raw_readers:?}");
    // Two instants per counter (now and one base window back), no range: what PromQL and
    // MetricsQL agree on.
    assert!(!raw_readers[0].contains('['), "{}", raw_readers[0]);
    assert_eq!(
        raw_readers[0].matches("offset 1m >= 0) or (").count(),
        2,
        "errors and total: {}",
        raw_readers[0]
    );
    let expr_of = |name: &str| {
        file.groups
            .iter()
            .flat_map(|g| &g.rules)
            .find_map(|r| match r {
                Rule::Record(r) if r.record == name => Some(r.expr.clone()),
                _ => None,
            })
    };
    // The coarse rates: the recorded rates of the hour that ends one evaluation back, for an
    // hour that recorded a total.
    assert_eq!(
        expr_of("slo:sli_events:rate1h").expect("coarse rule"),
        "sum_over_time(slo:sli_events:rate1m{service=\"api\",slo=\"availability\"}[59m59s999ms] offset 1m) / 60 and on() count_over_time(slo:sli_events:rate1m{service=\"api\",slo=\"availability\",event=\"total\"}[59m59s999ms] offset 1m)"
    );
    let ratio = expr_of("slo:sli_error:ratio").expect("ratio rule");
    let terms: Vec<&str> = ratio.split(" or label_replace(").collect();
    assert_eq!(terms.len(), 8, "{ratio}");
    for term in terms {
        let window = term
            .rsplit("\"window\", \"")
            .next()
            .and_then(|t| t.split('"').next())
            .unwrap();
        // Σerrors / Σtotal of the same window.
        let (errors, total) = term.split_once(" / (").unwrap();
        assert!(
            errors.contains("event=\"errors\"") && !errors.contains("event=\"total\""),
            "{term}"
        );
        assert!(
            total.contains("event=\"total\"") && !total.contains("event=\"errors\""),
            "{term}"
        );
        let fine = window != "30d";
        assert_eq!(
            term.matches("sum(sum_over_time(slo:sli_events:rate1m{")
                .count(),
            if fine { 2 } else { 0 },
            "{window}: {term}"
        );
        assert_eq!(
            term.matches("sum(avg_over_time(slo:sli_events:rate1h{")
                .count(),
            if fine { 0 } else { 2 },
            "{window}: {term}"
        );
        // Every read of a recorded series ends one evaluation back.
        assert_eq!(
            term.matches("999ms] offset 1m))").count(),
            2,
            "{window}: {term}"
        );
    }
}

/// Record names a rule reads (metric names of `slo:` series in its expression).
fn recorded_reads(expr: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("slo:") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end].to_string();
        // Whether this read is a range that ends at least one evaluation back, or an instant
        // read one evaluation back (the local time of a calendar SLO: the latest sample then,
        // through the lookback).
        let after = &tail[end..];
        let selector_end = after.find('}').map_or(0, |j| j + 1);
        let offset = (after[selector_end..].starts_with('[')
            && after[selector_end..]
                .split(')')
                .next()
                .is_some_and(|r| r.contains("] offset ")))
            || after[selector_end..].starts_with(" offset ");
        out.push((name, offset));
        rest = &tail[end..];
    }
    out
}

#[test]
fn no_recording_rule_needs_a_sample_of_its_own_evaluation_or_reads_itself() {
    // Over the whole demo fleet and the test cases: a recording rule reads only raw series,
    // series recorded by another group, or a range of its own group's series that ends at
    // least one evaluation back. Alerts and the dashboard series (burn rate, budget left) read
    // the recorded ratios through the lookback: where the ratios of this evaluation are not
    // yet visible (rulers that write asynchronously) they see the previous evaluation's.
    let dashboards = ["slo:burn_rate:ratio", "slo:error_budget_remaining:ratio"];
    let mut checked = 0;
    for dir in ["slo-specs", "tests/e2e"] {
        let b = sloforge::build(&[common::root().join(dir)], false);
        let c = b.compilation.unwrap_or_else(|| panic!("{dir} compiles"));
        for rf in c.rule_files.values() {
            for g in rf.rules(&c.settings).groups {
                let own: Vec<String> = g
                    .rules
                    .iter()
                    .filter_map(|r| {
                        if let Rule::Record(r) = r {
                            Some(r.record.clone())
                        } else {
                            None
                        }
                    })
                    .collect();
                for r in &g.rules {
                    let Rule::Record(rec) = r else { continue };
                    if dashboards.contains(&rec.record.as_str()) {
                        continue;
                    }
                    for (name, offset) in recorded_reads(&rec.expr) {
                        assert_ne!(
                            name, rec.record,
                            "{}: {} reads itself: {}",
                            g.name, rec.record, rec.expr
                        );
                        assert!(
                            !own.contains(&name) || offset,
                            "{}: {} reads {name} of this evaluation: {}",
                            g.name,
                            rec.record,
                            rec.expr
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 20, "{checked} reads checked");
}

#[test]
fn no_float_artifacts_in_generated_output() {
    let tree = sloforge::render::tree::read_tree(&common::root().join("generated")).unwrap();
    assert!(tree.len() > 5);
    for (path, text) in tree {
        for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            if let Some((_, frac)) = token.split_once('.') {
                assert!(
                    frac.len() < 10,
                    "float artifact `{token}` in generated/{path}"
                );
            }
        }
    }
}
