//! `sloforge drill` with the real promtool: a total outage pages the team and resolves, a page
//! inhibits the tickets of its SLO while it fires (as the demo routing says), a burn below
//! every threshold stays quiet, every promtool release reads alike, and bad scenarios and a
//! missing promtool fail clearly.

mod common;

use serde_json::Value;

use common::{root, sloforge};

fn drill(args: &[&str], promtool: &std::path::Path) -> (i32, String, String) {
    let p = promtool.display().to_string();
    let mut all = vec!["drill"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--promtool", &p]);
    let o = sloforge(&all, &root());
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn json(args: &[&str], promtool: &std::path::Path) -> Value {
    let args = [args, &["--output", "json"]].concat();
    let (code, out, err) = drill(&args, promtool);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// Every event as `(time, alert, what)`, in order.
fn events(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for m in v["moments"].as_array().unwrap() {
        for e in m["events"].as_array().unwrap() {
            out.push((
                m["at"].as_str().unwrap().to_string(),
                e["alert"].as_str().unwrap_or("").to_string(),
                e["what"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// The first event of `alert` that is `what`: its time in seconds and the event.
fn first<'a>(v: &'a Value, alert: &str, what: &str) -> Option<(u64, &'a Value)> {
    v["moments"].as_array().unwrap().iter().find_map(|m| {
        m["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["alert"] == alert && e["what"] == what)
            .map(|e| (m["seconds"].as_u64().unwrap(), e))
    })
}

fn receivers(e: &Value) -> Vec<&str> {
    e["receivers"]
        .as_array()
        .map(|r| r.iter().map(|x| x.as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn an_outage_pages_the_team_then_resolves_and_the_text_tells_the_same() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let scenario = "outage:checkout/availability@10m";
    let v = json(&[scenario], &promtool);
    assert_eq!(v["scenario"], scenario);
    assert_eq!(v["slos"], serde_json::json!(["availability"]));
    let (pending, _) = first(&v, "availability page-fast", "pending").expect("goes pending");
    let (fires, e) = first(&v, "availability page-fast", "firing").expect("pages");
    assert!(
        0 < pending && pending < fires && fires <= 5 * 60,
        "{pending} {fires}"
    );
    assert!(e["inhibited_by"].is_null());
    let r = receivers(e);
    assert!(r.contains(&"sloforge-pagerduty-payments"), "{r:?}");
    assert!(r.contains(&"sloforge-slack-payments") && r.contains(&"sloforge-audit-log"));
    let (resolved, _) = first(&v, "availability page-fast", "resolved").expect("resolves");
    assert!(resolved > 10 * 60, "after the errors stop");
    // Every burn-rate alert resolves by the end; the spent budget stays spent.
    for a in v["active_at_end"].as_array().unwrap() {
        assert!(a["alert"].as_str().unwrap().contains("budget"), "{a}");
    }
    let b = &v["budgets"][0];
    assert_eq!(b["before"], 1.0);
    let spent = b["spent"].as_f64().unwrap();
    // Ten minutes of total outage at 99.99 % over 30 days: 10 / 4.32 of the budget.
    assert!((spent - 10.0 / 4.32).abs() < 0.05, "{spent}");

    // The text tells the same events at the same times.
    let (code, text, err) = drill(&[scenario], &promtool);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("time "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.contains("end of the drill"))
        .collect();
    let want = events(&v);
    assert_eq!(rows.len(), want.len(), "{text}");
    let mut at = String::new();
    for (row, (t, alert, what)) in rows.iter().zip(&want) {
        if let Some(first) = row.split_whitespace().next().filter(|w| w.starts_with('+')) {
            at = first.to_string();
        }
        assert_eq!(&at, t, "{row}");
        let verb = match what.as_str() {
            "errors_start" => "errors start",
            "errors_stop" => "errors stop",
            "released" => "notifies",
            w => w,
        };
        assert!(row.contains(alert) && row.contains(verb), "{row} vs {what}");
    }
    let spent = format!("spent {:.2}% of its 30d error budget", spent * 100.0);
    assert!(text.contains(&spent), "{spent}: {text}");

    // The README shows this very timeline.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let shown = readme
        .split_once(&format!("$ sloforge drill {scenario}\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README shows the checkout outage drill");
    assert_eq!(
        shown, text,
        "the README's drill is not what the drill prints"
    );
}

#[test]
fn a_page_inhibits_the_tickets_of_its_slo_while_it_fires() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    // The routing says so: page-fast mutes the tickets of its own SLO.
    let am = std::fs::read_to_string(root().join("generated/alertmanager.yml")).unwrap();
    let cfg = sloforge::verify::amconfig::AmConfig::parse(&am).unwrap();
    assert!(cfg.inhibit_rules.iter().any(|r| {
        r.source
            .iter()
            .any(|m| m.to_string() == "alert_tier=\"page-fast\"")
            && r.target
                .iter()
                .any(|m| m.to_string() == "severity=\"ticket\"")
    }));
    let v = json(
        &["outage:checkout/availability@90m", "--after", "40m"],
        &promtool,
    );
    let (fires, _) = first(&v, "availability page-fast", "firing").unwrap();
    let (page_resolved, _) = first(&v, "availability page-fast", "resolved").unwrap();
    let (ticket, e) = first(&v, "availability ticket-fast", "firing").expect("the ticket fires");
    assert!(fires < ticket && ticket < page_resolved);
    assert_eq!(e["inhibited_by"]["alert"], "availability page-fast");
    assert!(receivers(e).is_empty(), "{e}");
    let (released, e) = first(&v, "availability ticket-fast", "released").expect("released");
    assert!(released >= page_resolved);
    assert!(receivers(e).contains(&"sloforge-slack-payments"), "{e}");
    assert!(!receivers(e).contains(&"sloforge-pagerduty-payments"));
}

#[test]
fn a_burn_below_every_threshold_raises_no_alert() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let v = json(
        &[
            "errors:cart/availability:0.05%@30m",
            "--before",
            "1h",
            "--after",
            "30m",
        ],
        &promtool,
    );
    let whats: Vec<String> = events(&v).into_iter().map(|e| e.2).collect();
    assert_eq!(whats, ["errors_start", "errors_stop"]);
    let spent = v["budgets"][0]["spent"].as_f64().unwrap();
    assert!(spent > 0.0 && spent < 0.01, "{spent}");
    assert!(v["active_at_end"].as_array().unwrap().is_empty());
}

#[test]
fn every_promtool_release_gives_the_same_timeline() {
    let matrix = common::tool_matrix("promtool");
    let args = [
        "outage:checkout/availability@10m",
        "--before",
        "1h",
        "--after",
        "20m",
    ];
    let runs: Vec<(&str, Value)> = matrix.iter().map(|(v, p)| (*v, json(&args, p))).collect();
    for (version, v) in &runs {
        assert!(
            first(v, "availability page-fast", "firing").is_some(),
            "{version}"
        );
        assert_eq!(events(v), events(&runs[0].1), "{version}");
    }
}

#[test]
fn bad_scenarios_fail_clearly() {
    let nowhere = root().join("no/such/promtool");
    for (scenario, says) in [
        ("flood:checkout/availability@1m", "unknown kind `flood`"),
        ("outage:checkout/availability", "no `@DURATION`"),
        ("errors:cart/availability@1h", "no `:PCT%`"),
        ("errors:cart/availability:200%@1h", "at most 100%"),
        (
            "outage:nosuch/availability@10m",
            "no service `nosuch` in the specs; services: cart, catalog, checkout",
        ),
        (
            "outage:checkout/nosuch@10m",
            "service `checkout` has no SLO `nosuch`; its SLOs: availability, latency",
        ),
        (
            "latency:checkout/availability:5%@1h",
            "`checkout/availability` is not a latency SLO",
        ),
        ("latency:cart:5%@1h", "service `cart` has no latency SLO"),
        (
            "errors:cart/availability:2%@90s",
            "is not a whole number of evaluation intervals (1m)",
        ),
    ] {
        let (code, out, err) = drill(&[scenario], &nowhere);
        assert_eq!(code, 1, "{scenario}: {err}");
        assert!(out.is_empty(), "{scenario}: {out}");
        assert!(err.contains(says), "{scenario}: {err}");
    }
}

#[test]
fn a_missing_promtool_is_a_clear_error() {
    let (code, out, err) = drill(
        &["outage:checkout/availability@10m"],
        &root().join("no/such/promtool"),
    );
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains("cannot run") && err.contains("--promtool PATH"),
        "{err}"
    );
}
