//! Unit tests of the generated scenarios: the claims they make on the demo SLO, and the
//! bounds they keep across settings.

use super::ctx::{dec, round_sig};
use super::series::progressions;
use super::*;
use crate::model::Decimal;

fn service(spec: &str) -> (Service, Settings) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(spec);
    let loaded = crate::load::load_paths(&[path], crate::load::LoadOptions::default());
    let f = crate::validate::validate(&loaded).0.expect("spec compiles");
    ((*f.services[0]).clone(), f.settings)
}

/// Tiers expected to fire at `time` in the group whose name contains `name`.
fn firing(t: &ServiceTests, name: &str, time: &str) -> Vec<String> {
    let g = t
        .file
        .tests
        .iter()
        .find(|g| g.name.contains(name))
        .unwrap_or_else(|| panic!("no test `{name}`"));
    let check = g
        .promql_expr_test
        .iter()
        .find(|c| c.eval_time == time && c.expr.starts_with("ALERTS{"))
        .unwrap_or_else(|| panic!("no check at {time} in {}", g.name));
    let mut tiers: Vec<String> = check
        .exp_samples
        .iter()
        .map(|s| {
            s.labels
                .split("alert_tier=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    tiers.sort();
    tiers
}

#[test]
fn workbook_slo_claims() {
    // 99.9 % / 30d, Workbook tiers, 1m evaluations.
    let (svc, settings) = service("tests/promtool/spec.yaml");
    let t = service_tests(&svc, &settings, &ScenarioOptions::default());
    assert_eq!(t.file.rule_files, ["../rules/api.rules.yaml"]);
    // Total outage from 1h2m (after a clean hour and the raw read's lead-in). The rates
    // recorded at 1h3m hold the first bad minute; the windows read at 1h4m end there:
    // 1/60 > 0.0144, page-fast becomes pending and fires after its `for` of 2m.
    let outage = "total outage from 1h2m";
    assert_eq!(firing(&t, outage, "1h5m"), Vec::<String>::new());
    assert_eq!(firing(&t, outage, "1h6m"), ["page-fast"]);
    // Both page tiers fire by the time the errors stop (1h20m).
    let g = t
        .file
        .tests
        .iter()
        .find(|g| g.name.contains(outage))
        .unwrap();
    assert!(g.name.contains("errors stop at 1h20m"), "{}", g.name);
    assert_eq!(firing(&t, outage, "1h20m"), ["page-fast", "page-slow"]);
    // The last bad minute is recorded at 1h20m and read until its window has passed it:
    // page-fast resolves 5m + 1m after, page-slow 30m + 1m after.
    assert_eq!(firing(&t, outage, "1h25m"), ["page-fast", "page-slow"]);
    assert_eq!(firing(&t, outage, "1h26m"), ["page-slow"]);
    assert_eq!(firing(&t, outage, "1h50m"), ["page-slow"]);
    assert_eq!(firing(&t, outage, "1h51m"), Vec::<String>::new());
    // Just above the 14.4x factor from a full window of clean traffic: pending once 58 of
    // the 60 minutes in the hour are bad (60/1.0501 = 57.14), firing 2m later (page-slow,
    // at 6x, has fired long before).
    assert_eq!(
        firing(&t, "page-fast: a burn 1.0501x", "1h7m"),
        ["page-slow"]
    );
    assert_eq!(
        firing(&t, "page-fast: a burn 1.0501x", "1h8m"),
        ["page-fast", "page-slow"]
    );
    // Every tier has its pair of tests, plus outage, spike, the fresh-start budget, the
    // series vanishing (no data) and zero traffic (a whole 30d window is beyond promtool's
    // sample limit).
    assert_eq!(t.file.tests.len(), 1 + 4 * 2 + 1 + 1 + 1 + 1);
    // Five minutes of total outage on a fresh start spend about an eighth of the budget:
    // 5 of the 43.2 minutes that 0.1 % of 30 days holds, counted against the whole window.
    let budget = t
        .file
        .tests
        .iter()
        .find(|g| g.name.contains("of total outage from") && g.name.contains("on a fresh start"))
        .unwrap();
    assert!(
        budget.name.starts_with("availability: 5m of total outage"),
        "{}",
        budget.name
    );
    let pct: f64 = budget
        .name
        .split(" leaves ")
        .nth(1)
        .and_then(|r| r.split('%').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    assert!((87.0..=89.0).contains(&pct), "{}", budget.name);
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("no budget test after a whole window"))
    );
    for tier in ["page-fast", "page-slow", "ticket-fast", "ticket-slow"] {
        assert!(
            t.file.tests.iter().any(|g| g
                .name
                .contains(&format!("{tier}: a burn 0.95x the factor"))
                && g.name.ends_with("never fires it")),
            "{tier}"
        );
    }
    let notes = t.notes.join("\n");
    assert!(
        notes.contains("page-slow (6h/30m, 6x): a burn of 6.3006x")
            && notes.contains("page-slow")
            && notes.contains("exercised fully"),
        "{notes}"
    );
    assert!(
        notes.contains("spike: 5m of 1.44% errors") || notes.contains("spike: 5m of 14.4% errors"),
        "{notes}"
    );
}

#[test]
fn bounds_hold_across_settings() {
    for spec in [
        "tests/cases/custom_alert_tiers.yaml",
        "tests/cases/tier_overrides.yaml",
        "tests/cases/window_7d.yaml",
        "tests/cases/window_28d.yaml",
        "tests/cases/min_events.yaml",
        "tests/cases/probe.yaml",
        "tests/cases/raw.yaml",
    ] {
        let (svc, settings) = service(spec);
        let t = service_tests(&svc, &settings, &ScenarioOptions::default());
        let notes = t.notes.join("\n");
        // Every tier's reset after a total outage is within its bound.
        for line in notes.lines().filter(|l| l.contains("resolved after:")) {
            for part in line.split("resolved after: ").nth(1).unwrap().split(", ") {
                let (tier, rest) = part.split_once(' ').unwrap();
                let took = Duration::parse(rest.split(' ').next().unwrap()).unwrap();
                let bound =
                    Duration::parse(rest.split("bound ").nth(1).unwrap().trim_end_matches(')'))
                        .unwrap();
                assert!(
                    took <= bound,
                    "{spec}: {tier} resolves after {took}, bound {bound}\n{notes}"
                );
            }
        }
        // Every reachable tier gets its just-above and just-below tests.
        for a in &svc.slos[0].alerts {
            if a.threshold(svc.slos[0].error_budget()) < Decimal::ONE {
                assert!(
                    t.file
                        .tests
                        .iter()
                        .any(|g| g.name.contains(&format!("{}: a burn", a.tier))
                            && g.name.contains("fires it at")),
                    "{spec}: {}\n{notes}",
                    a.tier
                );
                assert!(
                    t.file
                        .tests
                        .iter()
                        .any(|g| g.name.contains(&format!("{}: a burn", a.tier))
                            && g.name.ends_with("never fires it")),
                    "{spec}: {}\n{notes}",
                    a.tier
                );
            }
        }
        // No scenario loads more samples per query than promtool allows.
        let step = settings.evaluation_interval.as_millis();
        for g in &t.file.tests {
            for c in &g.promql_expr_test {
                assert!(
                    Duration::parse(&c.eval_time).unwrap().as_millis() / step < MAX_HISTORY_STEPS,
                    "{spec}: {}",
                    g.name
                );
            }
        }
    }
}

#[test]
fn tier_overrides_keep_firing_for() {
    // page-fast: `for` 5m, keep_firing_for 10m: resolves 5m + 1m + 10m after the errors
    // stop, within the bound of 5m + 1m + 1m (the windows end one evaluation back) + 10m.
    let (svc, settings) = service("tests/cases/tier_overrides.yaml");
    let t = service_tests(&svc, &settings, &ScenarioOptions::default());
    let notes = t.notes.join("\n");
    assert!(notes.contains("page-fast 16m (bound 17m)"), "{notes}");
}

#[test]
fn expanding_notation() {
    let v = |xs: &[i64]| xs.iter().map(|x| Some(i128::from(*x))).collect::<Vec<_>>();
    assert_eq!(
        progressions(&v(&[0, 10, 20, 30, 30, 30, 31])),
        "0+10x3 30x1 31"
    );
    assert_eq!(
        progressions(&[None, None, Some(1), Some(1), None]),
        "_x2 1x1 _"
    );
    assert_eq!(progressions(&v(&[5, 3, 1])), "5-2x2");
    assert_eq!(round_sig(dec("0.11520"), 3), Some(dec("0.115")));
    assert_eq!(round_sig(dec("0.0144"), 3), Some(dec("0.0144")));
}
