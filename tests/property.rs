//! Property test: specs generated from a seeded pseudo-random source always compile; every
//! expression in the output parses again as PromQL, the YAML reads back, thresholds are exact
//! decimals; a sample of them passes `promtool check rules`.

mod common;

use std::fmt::Write as _;
use std::process::Command;

use sloforge::render::{self, RenderOptions};

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }
}

const OBJECTIVES: &[&str] = &[
    "90", "95", "99", "99.5", "99.9", "99.95", "99.99", "99.999", "97.25", "99.123",
];
const WINDOWS: &[&str] = &[
    "1d", "2d", "7d", "14d", "28d", "30d", "90d", "36h", "1w", "12h",
];
const VALUES: &[&str] = &[
    "plain",
    "no",
    "yes",
    "~",
    "a: b",
    "# x",
    "{{ x }}",
    "[[ y ]]",
    "q\"uote",
    "back\\slash",
    "ünï",
    "multi\nline",
];

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn spec(rng: &mut Rng, i: usize) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: svc-{i}\nteam: team-{}",
        rng.below(4)
    )
    .unwrap();
    writeln!(s, "labels:\n  extra: {}", yaml_str(rng.pick(VALUES))).unwrap();
    s.push_str("slos:\n");
    for j in 0..=rng.below(3) {
        writeln!(
            s,
            "  - name: slo-{j}\n    objective: {}\n    window: {}",
            rng.pick(OBJECTIVES),
            rng.pick(WINDOWS)
        )
        .unwrap();
        writeln!(s, "    description: {}", yaml_str(rng.pick(VALUES))).unwrap();
        match rng.below(5) {
            0 => s.push_str("    sli: {ratio: {errors: 'req_total{code=~\"5..\",job=\"a\"}', total: 'req_total{job=\"a\"}'}}\n"),
            1 => s.push_str("    sli: {ratio: {good: 'sum without (pod) (ok_total)', total: 'sum without (pod) (all_total)'}}\n"),
            2 => writeln!(s, "    sli: {{latency: {{metric: lat_seconds, threshold: {}, selector: '{{job=\"a\"}}'}}}}", rng.pick(&["0.1", "250ms", "1", "2.5"])).unwrap(),
            3 => s.push_str("    sli: {probe: {metric: 'probe_success{job=\"bb\"}'}}\n"),
            _ => s.push_str("    sli: {raw: {error_ratio: 'avg_over_time(bad_ratio{job=\"a\"}[$window])'}}\n"),
        }
        writeln!(
            s,
            "    alerting:\n      labels: {{owner: {}}}",
            yaml_str(rng.pick(VALUES))
        )
        .unwrap();
        writeln!(
            s,
            "      min_events: {}\n      budget_alerts: {}",
            rng.below(3) * 100,
            rng.below(2) == 1
        )
        .unwrap();
        s.push_str("      tiers:\n");
        for t in ["page-fast", "page-slow", "ticket-fast", "ticket-slow"] {
            writeln!(
                s,
                "        {t}: {{enabled: {}, for: {}m}}",
                rng.below(4) != 0,
                rng.below(10)
            )
            .unwrap();
        }
    }
    s
}

use common::File;

#[test]
fn generated_specs_compile_and_reparse() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let tmp = tempfile::tempdir().unwrap();
    let mut sample = Vec::new();
    for i in 0..200 {
        let text = spec(&mut rng, i);
        let path = tmp.path().join(format!("svc-{i}.yaml"));
        std::fs::write(&path, &text).unwrap();
        let b = sloforge::build(std::slice::from_ref(&path), false);
        let c = b
            .compilation
            .unwrap_or_else(|| panic!("spec {i} does not compile:\n{text}\n{}", b.diagnostics));
        let out = render::render_tree(&c, &RenderOptions::default())
            .remove(&format!("rules/svc-{i}.rules.yaml"))
            .unwrap();
        let file: File = serde_saphyr::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        for r in file.groups.iter().flat_map(|g| &g.rules) {
            promql_parser::parser::parse(&r.expr)
                .unwrap_or_else(|e| panic!("spec {i}: {e}: {}", r.expr));
            for num in r
                .expr
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter(|t| t.contains('.'))
            {
                assert!(num.len() < 16, "float artifact `{num}` in {}", r.expr);
            }
            assert!(r.labels.values().all(|v| !v.is_empty()));
        }
        if i % 10 == 0 {
            let f = tmp.path().join(format!("svc-{i}.rules.yaml"));
            std::fs::write(&f, out).unwrap();
            sample.push(f);
        }
    }
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let out = common::run_ok(
        Command::new(promtool)
            .args(["check", "rules", "--lint=all", "--lint-fatal"])
            .args(&sample),
    );
    assert_eq!(out.matches("SUCCESS").count(), sample.len());
}
