//! The page rendered from hand-made data: escaping, empty series, values that are not numbers,
//! a calendar period boundary, determinism.

use std::collections::BTreeMap;

use super::*;

const DAY: i64 = 86_400;
/// 2026-12-01T00:00:00Z.
const DEC1: i64 = 1_796_083_200;

fn tier(condition: Vec<Span>) -> Tier {
    Tier {
        name: "page-fast".into(),
        long: "1h".into(),
        short: "5m".into(),
        factor: 14.4,
        factor_text: "14.4".into(),
        for_: "2m".into(),
        severity: "page".into(),
        condition,
    }
}

/// A rolling 30-day SLO ending at `at`, its budget falling linearly to `low`.
fn rolling(at: i64, low: f64) -> SloReport {
    let from = at - 30 * DAY;
    let step = 4320;
    let budget: Vec<(i64, f64)> = (0..=600)
        .map(|i| (from + i * step, 1.0 - (1.0 - low) * i as f64 / 600.0))
        .collect();
    let burn: Vec<(i64, f64)> = budget.iter().map(|(t, _)| (*t, 0.5)).collect();
    SloReport {
        service: "checkout".into(),
        slo: "availability".into(),
        description: "Requests answered without a server error".into(),
        objective: "99.9".into(),
        budget: 0.001,
        window: Window::Rolling {
            length: 30 * DAY,
            label: "30d".into(),
        },
        zone: "UTC".into(),
        from,
        to: at,
        step,
        periods: vec![(from, at)],
        tiers: vec![tier(vec![Span {
            start: at - 2 * DAY,
            end: at - 2 * DAY + 1800,
            open: false,
        }])],
        group: None,
        budget_remaining: budget,
        burn: BTreeMap::from([("1h".to_string(), burn.clone()), ("5m".to_string(), burn)]),
        burn_now: BTreeMap::from([("1h".to_string(), 0.5), ("5m".to_string(), f64::NAN)]),
        alerts: vec![AlertHistory {
            alertname: "CheckoutAvailabilitySLOBurn".into(),
            detail: "alert_tier=\"page-fast\"".into(),
            severity: "page".into(),
            spans: vec![Span {
                start: at - 2 * DAY + 120,
                end: at - 2 * DAY + 1900,
                open: false,
            }],
        }],
        exclusions: Vec::new(),
        problems: Vec::new(),
    }
}

fn report(slos: Vec<SloReport>, at: i64) -> Report {
    Report {
        prometheus: "http://prometheus:9090".into(),
        at,
        slos,
    }
}

/// The `d` attributes of the paths of `class` in `svg`.
fn paths<'a>(page: &'a str, class: &str) -> Vec<&'a str> {
    let key = format!("<path class=\"{class}\" d=\"");
    page.match_indices(&key)
        .map(|(i, _)| {
            let rest = &page[i + key.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn one_section_per_slo_with_its_charts_and_numbers() {
    let at = DEC1 + 5 * DAY;
    let mut second = rolling(at, 0.3);
    second.slo = "latency".into();
    let page = html::page(&report(vec![rolling(at, 0.6), second], at));
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<section id=\"slo-").count(), 2);
    // Budget, one burn chart per tier, the timeline: three charts per SLO.
    assert_eq!(page.matches("<svg ").count(), 6);
    assert!(page.contains("<title>SLO report — 2026-12-06 00:00 UTC</title>"));
    assert!(page.contains("<strong>60 %</strong>"), "budget left now");
    assert!(page.contains("stage st-caution"));
    assert!(page.contains("<strong>30 %</strong>"));
    assert!(page.contains("stage st-alert"));
    assert!(page.contains("<strong>43 min 12 s</strong> of total outage"));
    assert!(page.contains("threshold 14.4×"));
    assert!(
        page.contains("1 times, 30 min"),
        "condition held once for 30 minutes"
    );
    assert_eq!(paths(&page, "ideal").len(), 2);
    // Nothing to fetch: no link or source other than the Prometheus address as text.
    for needle in ["src=", "href=\"http", "<script", "<link", "@import", "url("] {
        assert!(!page.contains(needle), "{needle}");
    }
    assert_eq!(page.matches("http").count(), 1);
}

#[test]
fn label_values_and_text_are_escaped() {
    let at = DEC1;
    let mut s = rolling(at, 0.9);
    s.service = "<script>alert(1)</script>".into();
    s.description = "a \"quoted\" & <b>bold</b> 'one'".into();
    s.group = Some("route=\"/a<b>&c\"".into());
    s.alerts[0].detail = "budget_stage=\"<x>\"".into();
    s.problems.push("`up{a=\"<\"}`: bad".into());
    let mut r = report(vec![s], at);
    r.prometheus = "http://p/?a=<b>&c=\"d\"".into();
    let page = html::page(&r);
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<b>"));
    assert!(!page.contains("<x>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("a &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; &#39;one&#39;"));
    assert!(page.contains("route=&quot;/a&lt;b&gt;&amp;c&quot;"));
    assert!(page.contains("http://p/?a=&lt;b&gt;&amp;c=&quot;d&quot;"));
}

#[test]
fn empty_series_say_so() {
    let at = DEC1;
    let mut s = rolling(at, 0.5);
    s.budget_remaining.clear();
    s.burn.clear();
    s.alerts.clear();
    s.tiers[0].condition.clear();
    s.problems.push("no budget series".into());
    let page = html::page(&report(vec![s], at));
    assert!(page.contains("No budget data in this range"));
    assert!(page.contains("No burn-rate data in this range"));
    assert!(page.contains("none in this range"));
    assert!(page.contains("No alert fired and no tier's condition held"));
    assert!(page.contains("unknown: no recent value"));
    assert!(page.contains("class=\"problem\""));
    assert!(paths(&page, "budget").is_empty());
    let empty = html::page(&report(Vec::new(), at));
    assert!(empty.contains("0 SLOs"));
    assert_eq!(empty.matches("<svg ").count(), 0);
}

#[test]
fn values_that_are_not_numbers_break_the_line() {
    let at = DEC1;
    let mut s = rolling(at, 0.5);
    s.budget_remaining[100].1 = f64::NAN;
    s.budget_remaining[200].1 = f64::INFINITY;
    s.budget_remaining[300].1 = f64::NEG_INFINITY;
    let burn = s.burn.get_mut("1h").unwrap();
    burn[10].1 = f64::INFINITY;
    burn[11].1 = f64::NAN;
    let page = html::page(&report(vec![s], at));
    let budget = paths(&page, "budget");
    assert_eq!(budget.len(), 1);
    assert_eq!(budget[0].matches('M').count(), 4, "three gaps, four pieces");
    assert_eq!(paths(&page, "long")[0].matches('M').count(), 2);
    let lower = page.to_lowercase();
    assert!(!lower.contains("nan"), "NaN leaked into the page");
    assert!(
        !lower.contains("inf\""),
        "infinity leaked into a coordinate"
    );
}

#[test]
fn a_calendar_period_boundary_resets_the_budget() {
    // November and December 2026 in Berlin; the report at 5 December.
    let nov1 = DEC1 - 30 * DAY - 3600;
    let dec1 = DEC1 - 3600;
    let jan1 = dec1 + 31 * DAY;
    let at = DEC1 + 4 * DAY;
    let mut s = rolling(at, 0.5);
    s.window = Window::Calendar {
        period: "month".into(),
        timezone: "Europe/Berlin".into(),
    };
    s.zone = "Europe/Berlin".into();
    s.from = nov1;
    s.to = jan1;
    s.step = 8640;
    s.periods = vec![(nov1, dec1), (dec1, jan1)];
    // November spends down to 20 %, December starts afresh and is at 95 %.
    s.budget_remaining = (0..)
        .map(|i| nov1 + i * s.step)
        .take_while(|t| *t <= at)
        .map(|t| {
            let v = if t < dec1 {
                1.0 - 0.8 * (t - nov1) as f64 / (dec1 - nov1) as f64
            } else {
                0.95
            };
            (t, v)
        })
        .collect();
    let page = html::page(&report(vec![s], at));
    assert_eq!(
        paths(&page, "ideal").len(),
        2,
        "one steady-spend line per period"
    );
    assert!(page.contains("budget resets"));
    assert!(
        page.contains("report time"),
        "the instant is marked inside the period"
    );
    assert!(
        page.contains("<dt>This month</dt><dd>2026-12-01 00:00 CET to 2027-01-01 00:00 CET</dd>")
    );
    let budget = paths(&page, "budget");
    assert_eq!(
        budget[0].matches('M').count(),
        2,
        "the line breaks at the boundary"
    );
    assert!(page.contains("<strong>95 %</strong>"));
    assert!(page.contains("Least budget left in the chart</th><td class=\"n\">20.3 %"));
}

#[test]
fn the_same_data_gives_the_same_page() {
    let at = DEC1;
    let r = report(vec![rolling(at, 0.4)], at);
    assert_eq!(html::page(&r), html::page(&r.clone()));
}
