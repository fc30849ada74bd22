//! `sloforge explain`: the Workbook's numbers per SLO and tier, as text and JSON.

mod common;

use common::{root, sloforge};

fn run(args: &[&str]) -> String {
    let o = sloforge(args, &root());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn text_for_the_demo_fleet() {
    let text = run(&["explain", "slo-specs"]);
    insta::assert_snapshot!(text);
}

#[test]
fn json_for_the_demo_fleet() {
    let text = run(&["explain", "slo-specs", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 10);
    insta::assert_snapshot!(text);
}

#[test]
fn workbook_numbers() {
    let v: serde_json::Value = serde_json::from_str(&run(&[
        "explain",
        "tests/promtool/spec.yaml",
        "--output",
        "json",
    ]))
    .unwrap();
    let slo = &v[0];
    assert_eq!(slo["error_budget"], 0.001);
    // 0.1 % of 30 days.
    assert_eq!(slo["error_budget_minutes"], 43.2);
    let tiers = slo["tiers"].as_array().unwrap();
    let tier = |name: &str| tiers.iter().find(|t| t["tier"] == name).unwrap();
    // Table 5-8: 2 % of the budget in 1h at 14.4x, 5 % in 6h at 6x, 10 % in 1d at 3x, 10 % in
    // 3d at 1x.
    for (name, spent) in [
        ("page-fast", 2.0),
        ("page-slow", 5.0),
        ("ticket-fast", 10.0),
        ("ticket-slow", 10.0),
    ] {
        assert_eq!(tier(name)["budget_spent_percent"], spent, "{name}");
    }
    let fast = tier("page-fast");
    assert_eq!(fast["error_ratio_threshold"], 0.0144);
    // (0.0144 / 1) × 1h = 51.84 s, the Workbook's 52 s, plus the 1m evaluation the windows end
    // before.
    assert_eq!(fast["detection_total_outage_seconds"], 111.84);
    // At 28.8x (twice the factor) the hour trips after half an hour (plus the evaluation).
    assert_eq!(fast["detection_twice_factor_seconds"], 1860.0);
    // 30d / 14.4 = 50h.
    assert_eq!(fast["exhaustion_seconds"], 180_000.0);
    // 5m short window + 1m base window + the 1m evaluation the windows end before.
    assert_eq!(fast["reset_seconds"], 420);
    assert_eq!(fast["for_seconds"], 120);
}

#[test]
fn unreachable_tiers_never_detect() {
    let text = run(&["explain", "tests/cases/low_objective_warning.yaml"]);
    assert!(text.contains("page-fast can never fire: even a total outage stays under its error-ratio threshold 1.44"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&run(&[
        "explain",
        "tests/cases/low_objective_warning.yaml",
        "--output",
        "json",
    ]))
    .unwrap();
    let fast = &v[0]["tiers"][0];
    assert_eq!(fast["tier"], "page-fast");
    assert!(fast["detection_total_outage_seconds"].is_null());
    assert!(fast["detection_twice_factor_seconds"].is_null());
}

/// W201 warns of exactly the tiers `explain` says never detect, for objectives whose budget
/// makes the largest burn rate (1 / budget) a terminating decimal and for those where it is not
/// (85 %: 6.666…x), and at the boundary (90 % with a 10x tier: threshold exactly 1).
#[test]
fn never_firing_warnings_agree_with_explain_for_every_objective() {
    let objectives = [
        "0.5", "10", "30", "33.3", "50", "66.6", "70", "75", "80", "85", "90", "92.9", "93.05",
        "95", "97", "99", "99.9",
    ];
    for objective in objectives {
        let text = format!(
            "apiVersion: sloforge.dev/v1\nkind: Defaults\nalert_tiers:\n\
             - {{ name: a, severity: page, long_window: 1h, short_window: 5m, burn_rate: 14.4 }}\n\
             - {{ name: b, severity: page, long_window: 6h, short_window: 30m, burn_rate: 10 }}\n\
             - {{ name: c, severity: ticket, long_window: 1d, short_window: 2h, burn_rate: 3 }}\n\
             - {{ name: d, severity: ticket, long_window: 3d, short_window: 6h, burn_rate: 1 }}\n\
             ---\napiVersion: sloforge.dev/v1\nkind: Service\nname: lab\nteam: research\nslos:\n\
             - name: availability\n  objective: {objective}\n  sli:\n    ratio:\n      errors: e_total\n      total: t_total\n"
        );
        let mut loaded = sloforge::load::Loaded::default();
        sloforge::load::load_str(
            std::path::Path::new("lab.yaml"),
            &text,
            sloforge::load::LoadOptions::default(),
            &mut loaded,
        );
        let b = sloforge::build_loaded(loaded, false);
        let fleet = b
            .fleet
            .as_ref()
            .unwrap_or_else(|| panic!("{objective}: {}", b.diagnostics));
        let never: Vec<String> = sloforge::explain::explain(fleet)[0]
            .tiers
            .iter()
            .filter(|t| t.detection_total_outage_seconds.is_none())
            .map(|t| t.tier.clone())
            .collect();
        let warned: Vec<String> = b
            .diagnostics
            .sorted()
            .into_iter()
            .filter(|d| d.code == sloforge::diag::Code::TierNeverFires)
            .map(|d| d.path.rsplit('.').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(warned, never, "objective {objective}");
        if ["85", "70", "30", "10"].contains(&objective) {
            assert!(!never.is_empty(), "objective {objective}");
        }
    }
}

#[test]
fn invalid_specs_exit_1() {
    let o = sloforge(
        &["explain", "tests/cases/err_objective_range.yaml"],
        &root(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error["));
}
