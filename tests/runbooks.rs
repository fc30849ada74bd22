//! The generated runbooks of the demo fleet: one per SLO, every alert of its rule group in it,
//! PromQL that parses and (for the window queries) gives what the rules record, silences that
//! match their alert, the receivers Alertmanager itself routes each alert to, and section
//! templates of the `Defaults` document (taking effect, or located errors).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use common::routing::{demo_fleet, fleet_in, out, routes_test, site};
use common::{File, root, sloforge, tool};
use sloforge::syntax::matchers::parse_matcher;
use sloforge::verify::alerts::{AlertInstance, slo_alert_instances};

/// The demo fleet generated into `<dir>/out`.
fn generate(dir: &Path) -> BTreeMap<String, String> {
    let o = sloforge(&["generate", "slo-specs", "-o", "out"], dir);
    assert!(o.status.success(), "{}", out(&o));
    let base = dir.join("out/runbooks");
    let mut runbooks = BTreeMap::new();
    for service in fs::read_dir(&base).unwrap() {
        let service = service.unwrap().path();
        for f in fs::read_dir(&service).unwrap() {
            let f = f.unwrap().path();
            let rel = f
                .strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            runbooks.insert(rel, fs::read_to_string(&f).unwrap());
        }
    }
    runbooks
}

/// The fenced blocks of `lang` in a markdown text.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<&'a str> {
    let open = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        let body = &rest[i + open.len()..];
        let end = body.find("\n```").expect("unclosed block");
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// The subsections of the Alerts section: (heading, text up to the next heading).
fn alert_sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            out.push((h.to_string(), String::new()));
        } else if line.starts_with("## ") {
            if let Some(last) = out.last_mut() {
                last.1.push('\u{0}');
            }
        } else if let Some(last) = out.last_mut()
            && !last.1.ends_with('\u{0}')
        {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    out
}

/// The heading of the runbook subsection of an alert.
fn heading_of(a: &AlertInstance) -> String {
    let name = a.get("alertname");
    if !a.get("alert_tier").is_empty() {
        format!("`{name}`, tier `{}`", a.get("alert_tier"))
    } else if !a.get("budget_stage").is_empty() {
        format!("`{name}`, stage `{}`", a.get("budget_stage"))
    } else if !a.get("guard").is_empty() {
        format!("`{name}`, guard `{}`", a.get("guard"))
    } else {
        format!("`{name}`, no data ({})", a.get("no_data"))
    }
}

#[test]
fn one_runbook_per_slo_with_every_alert_and_parsing_promql() {
    let tmp = demo_fleet();
    let runbooks = generate(tmp.path());
    let fleet = fleet_in(tmp.path());
    let expected: BTreeSet<String> = fleet
        .services
        .iter()
        .flat_map(|s| s.slos.iter().map(|o| format!("{}/{}.md", s.name, o.name)))
        .collect();
    assert_eq!(runbooks.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let mut checked = 0;
    for s in &fleet.services {
        let rules: File = serde_saphyr::from_str(
            &fs::read_to_string(tmp.path().join(format!("out/rules/{}.rules.yaml", s.name)))
                .unwrap(),
        )
        .unwrap();
        let text = fs::read_to_string(tmp.path().join(format!("out/rules/{}.rules.yaml", s.name)))
            .unwrap();
        let groups: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(
            rules.groups.len(),
            groups["groups"].as_array().unwrap().len()
        );
        for slo in &s.slos {
            let runbook = &runbooks[&format!("{}/{}.md", s.name, slo.name)];
            let prefix = format!("sloforge-{}-{}", s.name, slo.name);
            for g in groups["groups"].as_array().unwrap() {
                let name = g["name"].as_str().unwrap();
                if name != prefix && !name.starts_with(&format!("{prefix}-")) {
                    continue;
                }
                for r in g["rules"].as_array().unwrap() {
                    if let Some(alert) = r["alert"].as_str() {
                        assert!(
                            runbook.contains(&format!("`{alert}`")),
                            "{}/{}: {alert} missing",
                            s.name,
                            slo.name
                        );
                        checked += 1;
                    }
                }
            }
            for q in blocks(runbook, "promql") {
                promql_parser::parser::parse(q)
                    .unwrap_or_else(|e| panic!("{}/{}: {q}: {e}", s.name, slo.name));
            }
            assert!(runbook.contains("## First five minutes"));
            assert!(runbook.contains("## Escalation"));
        }
    }
    assert!(checked > 50, "{checked} alerts");
}

/// Every alert's silence matches it (and only by equality on the labels that pick it out),
/// and the receivers its runbook names are those amtool routes it to in the generated
/// `alertmanager.yml`.
#[test]
fn silences_and_receivers_of_every_alert() {
    let tmp = demo_fleet();
    let runbooks = generate(tmp.path());
    let fleet = fleet_in(tmp.path());
    let config = tmp.path().join("out/alertmanager.yml");
    let am: serde_json::Value =
        serde_saphyr::from_str(&fs::read_to_string(&config).unwrap()).unwrap();
    let defined: BTreeSet<&str> = am["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let amtool = tool("amtool");
    let mut routed = 0;
    for s in &fleet.services {
        for slo in &s.slos {
            let runbook = &runbooks[&format!("{}/{}.md", s.name, slo.name)];
            let sections: BTreeMap<String, String> = alert_sections(runbook).into_iter().collect();
            let instances = slo_alert_instances(slo);
            for a in &instances {
                let section = sections
                    .get(&heading_of(a))
                    .unwrap_or_else(|| panic!("{}: no section for {:?}", s.name, a.labels));
                let silence = blocks(section, "sh");
                assert_eq!(silence.len(), 1, "{section}");
                let words: Vec<&str> = silence[0].split(' ').collect();
                assert_eq!(&words[..3], ["amtool", "silence", "add"]);
                let matchers: Vec<_> = words
                    .iter()
                    .filter(|w| w.starts_with('\'') && !w.contains("--"))
                    .filter(|w| !w.starts_with("'--"))
                    .map(|w| parse_matcher(w.trim_matches('\'')).unwrap())
                    .collect();
                assert!(matchers.len() >= 3, "{}", silence[0]);
                for m in &matchers {
                    assert!(a.matched_by(m), "{m} does not match {:?}", a.labels);
                }
                // Only this alert of the SLO.
                for other in instances.iter().filter(|o| *o != a) {
                    assert!(
                        !matchers.iter().all(|m| other.matched_by(m)),
                        "{} also silences {:?}",
                        silence[0],
                        other.labels
                    );
                }
                let line = section
                    .lines()
                    .find(|l| l.starts_with("Notifies: "))
                    .unwrap_or_else(|| panic!("no receivers in {section}"));
                let receivers: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
                for r in &receivers {
                    assert!(defined.contains(r), "{r} is not in alertmanager.yml");
                }
                if let Some(amtool) = &amtool {
                    let o = routes_test(amtool, &config, a, &receivers.join(","))
                        .output()
                        .unwrap();
                    assert!(
                        o.status.success(),
                        "{:?} → {receivers:?}: {}",
                        a.labels,
                        out(&o)
                    );
                    routed += 1;
                }
            }
        }
    }
    if amtool.is_some() {
        assert!(routed > 50, "{routed}");
    }
}

/// The raw window queries give what the rules record, under promtool: linear counters (the
/// error ratio constant) read by the SLIs of three kinds. Checked at 9h55m: the payment SLO's
/// maintenance (Thursday 02:00–04:00 in New York, 07:00–09:00 UTC on 1970-01-01) is over and
/// its shortest windows hold recorded minutes again.
#[test]
fn window_queries_give_the_recorded_ratio() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let tmp = demo_fleet();
    let runbooks = generate(tmp.path());
    let mut tests = String::new();
    for rb in [
        "checkout/availability.md",
        "checkout/latency.md",
        "payment/availability.md",
    ] {
        let text = &runbooks[rb];
        let investigation = &text[text.find("## Investigation").unwrap()..];
        let queries = blocks(investigation, "promql");
        let mut pairs = 0;
        for pair in queries.chunks(2) {
            let [raw, recorded] = pair else { break };
            if !recorded.starts_with("slo:sli_error:ratio{") {
                break;
            }
            pairs += 1;
            tests.push_str(&format!(
                "      - expr: 'abs(({raw}) - sum({recorded})) < bool 1e-9'\n        eval_time: 9h55m\n        exp_samples: [{{labels: '{{}}', value: 1}}]\n      - expr: 'sum({recorded}) > bool 0.001'\n        eval_time: 9h55m\n        exp_samples: [{{labels: '{{}}', value: 1}}]\n",
            ));
        }
        assert!(pairs >= 5, "{rb}: {pairs} windows");
    }
    let file = format!(
        r#"rule_files: [out/rules/checkout.rules.yaml, out/rules/payment.rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{{job="checkout",code="500"}}'
        values: '0+2x600'
      - series: 'http_requests_total{{job="checkout",code="200"}}'
        values: '0+98x600'
      - series: 'http_request_duration_seconds_count{{job="checkout",route="/pay"}}'
        values: '0+100x600'
      - series: 'http_request_duration_seconds_bucket{{job="checkout",route="/pay",le="0.2"}}'
        values: '0+97x600'
      - series: 'http_request_duration_seconds_count{{job="checkout",route="/healthz"}}'
        values: '0+50x600'
      - series: 'http_request_duration_seconds_bucket{{job="checkout",route="/healthz",le="0.2"}}'
        values: '0+0x600'
      - series: 'payment_authorizations_total{{job="payment",outcome="approved"}}'
        values: '0+95x600'
      - series: 'payment_authorizations_total{{job="payment",outcome="declined_server"}}'
        values: '0+5x600'
      - series: 'payment_authorizations_total{{job="payment",outcome="declined_card"}}'
        values: '0+40x600'
    promql_expr_test:
{tests}"#
    );
    let path = tmp.path().join("runbook-queries.test.yaml");
    fs::write(&path, file).unwrap();
    let o = std::process::Command::new(promtool)
        .args(["test", "rules"])
        .arg(&path)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));
}

/// A section template of the Defaults document replaces the section (with `[[ default ]]`
/// its default text), an empty one leaves the section out, and `runbook_url` points at the
/// runbook under the base URL.
#[test]
fn section_templates_take_effect() {
    let tmp = demo_fleet();
    let defaults = tmp.path().join("slo-specs/defaults.yaml");
    let text = fs::read_to_string(&defaults).unwrap().replace(
        "runbooks:\n",
        "runbooks:\n  sections:\n    escalation: |\n      Call the [[ team ]] lead: [[ receivers | map(attribute=\"name\") | join(\", \") ]].\n\n      [[ default ]]\n    communication: \"\"\n",
    );
    fs::write(&defaults, text).unwrap();
    let runbooks = generate(tmp.path());
    let rb = &runbooks["checkout/availability.md"];
    let escalation = &rb[rb.find("## Escalation").unwrap()..];
    assert!(
        escalation
            .contains("Call the payments lead: sloforge-audit-log, sloforge-pagerduty-payments"),
        "{escalation}"
    );
    assert!(
        escalation.contains("Not mitigated within 30 minutes"),
        "{escalation}"
    );
    assert!(!rb.contains("## Communication"));
    let rules = fs::read_to_string(tmp.path().join("out/rules/checkout.rules.yaml")).unwrap();
    assert!(rules.contains(
        "runbook_url: https://git.example.com/sre/slos/blob/main/generated/runbooks/checkout/availability.md"
    ));
}

/// Without routing the runbooks are still written (the fleet is streamed), and say so.
#[test]
fn runbooks_without_routing() {
    let tmp = demo_fleet();
    fs::remove_file(tmp.path().join("slo-specs/routing.yaml")).unwrap();
    let runbooks = generate(tmp.path());
    let rb = &runbooks["cart/availability.md"];
    assert!(rb.contains("no `AlertRouting` spec"), "{rb}");
    assert!(!rb.contains("Notifies: "));
}

/// A template that does not compile, an unknown variable and an unknown section are errors
/// at their place in the Defaults file.
#[test]
fn bad_templates_are_located() {
    let tmp = demo_fleet();
    let defaults = tmp.path().join("slo-specs/defaults.yaml");
    let text = fs::read_to_string(&defaults)
        .unwrap()
        .replace(
            "runbooks:\n",
            "runbooks:\n  sections:\n    mitigation: \"[% if %]x\"\n    escalation: \"Call [[ teem ]]\"\n    postmortem: \"x\"\n",
        )
        .replace(
            "base_url: https://git.example.com",
            "base_url: https://git.example.com/[[ team ]]",
        );
    fs::write(&defaults, &text).unwrap();
    let o = sloforge(&["check", "slo-specs", "-o", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let printed = out(&o);
    let file = "slo-specs/defaults.yaml";
    for (needle, at, what) in [
        ("mitigation:", Some("\"[%"), "template error"),
        (
            "escalation:",
            Some("\"Call"),
            "undefined template variable: teem",
        ),
        ("postmortem:", None, "unknown runbook section `postmortem`"),
        (
            "base_url:",
            Some("https:"),
            "a base URL with template delimiters",
        ),
    ] {
        let place = site(file, &text, needle, at);
        assert!(printed.contains(&place), "{place} not in:\n{printed}");
        assert!(printed.contains(what), "{what} not in:\n{printed}");
    }
}

/// The variables a section template may name (which validation checks) are the facts a
/// runbook is written from, and `default`.
#[test]
fn template_variables_are_the_facts() {
    let tmp = demo_fleet();
    let fleet = fleet_in(tmp.path());
    let s = &fleet.services[0];
    let ctx = sloforge::render::runbook::context::context(s, &s.slos[0], &fleet.settings, None);
    let json = serde_json::to_value(&ctx).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.push("default");
    keys.sort();
    let mut expected = sloforge::render::runbook::KEYS.to_vec();
    expected.sort();
    assert_eq!(keys, expected);
}

#[test]
fn checkout_availability_runbook() {
    let text =
        fs::read_to_string(root().join("generated/runbooks/checkout/availability.md")).unwrap();
    insta::assert_snapshot!(text);
}
