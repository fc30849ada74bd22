//! The live-data harness (tests/common/live.rs) itself: a real Prometheus 3.5.3 with 36 days of
//! backfilled counters and recorded SLO series around a month boundary. The recorded series at
//! the harness's `now` must match what the timeline's counters give when counted here, minute
//! by minute: the 30-day error ratio and budget remaining of every SLO, the burn rates of the
//! short windows, the budget just after the outage, and no burn from the excluded maintenance.

mod common;

use common::live::{DAY, HOUR, LiveFleet};

/// The objective of each job's SLO in tests/live/.
const OBJECTIVES: [(&str, f64); 3] = [("shop", 0.999), ("payments", 0.9995), ("search", 0.995)];

fn one(fleet: &LiveFleet, q: &str, at: i64) -> f64 {
    let r = fleet.query_at(q, at);
    assert_eq!(r.len(), 1, "{q} at {at}: {r:?}");
    r[0].1
}

fn remaining(tl: &common::live::Timeline, job: &str, budget: f64, at: i64) -> f64 {
    tl.remaining(job, budget, at)
}

#[test]
fn backfilled_series_match_the_timeline() {
    let Some(fleet) = LiveFleet::start() else {
        return;
    };
    let tl = &fleet.timeline;
    assert!(
        tl.start < tl.boundary && tl.boundary < fleet.now,
        "the month boundary is inside the data"
    );
    for (job, objective) in OBJECTIVES {
        let budget = 1.0 - objective;
        // The 30-day ratio reads hourly means: it trails the clock by one to two hours.
        let (early, late) = (
            remaining(tl, job, budget, fleet.now - 2 * HOUR),
            remaining(tl, job, budget, fleet.now),
        );
        let sel = format!("{{service=\"{job}\",slo=\"availability\"}}");
        let got = one(
            &fleet,
            &format!("slo:error_budget_remaining:ratio{sel}"),
            fleet.now,
        );
        eprintln!(
            "{job}: budget remaining {got:.4} (counted from the timeline: {early:.4} to {late:.4})"
        );
        assert!(
            early.min(late) - 1e-3 <= got && got <= early.max(late) + 1e-3,
            "{job}: budget remaining {got}, expected {early} to {late}"
        );
        for (w, secs) in [("5m", 300), ("1h", HOUR), ("6h", 6 * HOUR), ("3d", 3 * DAY)] {
            let (e, t) = fleet.window_events(job, "availability", w, secs);
            let got = one(
                &fleet,
                &format!(
                    "slo:burn_rate:ratio{{service=\"{job}\",slo=\"availability\",window=\"{w}\"}}"
                ),
                fleet.now,
            );
            let want = e / t / budget;
            assert!(
                (got - want).abs() < 1e-9 * want.max(1.0),
                "{job}: burn rate over {w} {got}, expected {want}"
            );
        }
    }
    // Three hours after the outage, shop's budget holds everything but the outage.
    let outage = tl.stretch("shop", "outage");
    let at = outage.to + 3 * HOUR;
    // The window is young there: the budget is that of 30 days of traffic (issue #24).
    let expected = remaining(tl, "shop", 0.001, at);
    let got = one(
        &fleet,
        "slo:error_budget_remaining:ratio{service=\"shop\",slo=\"availability\"}",
        at,
    );
    assert!(
        (got - expected).abs() < 0.005 && got < 0.35,
        "shop after the outage: {got}, expected {expected}"
    );
    // No event of the maintenance reaches the minutes after it: the calendar SLO, which
    // excludes it, burns nothing over the 5-minute window in the half hour after (shop has no
    // errors then), while the rolling SLO, which counts it, burns at 50x at its end.
    let m = tl.stretch("shop", "maintenance");
    let burn = |slo: &str| {
        format!(
            "max_over_time(slo:burn_rate:ratio{{service=\"shop\",slo=\"{slo}\",window=\"5m\"}}[30m])"
        )
    };
    let after = one(&fleet, &burn("availability-month"), m.to + 30 * 60);
    assert!(
        after == 0.0,
        "availability-month burns {after}x in the half hour after the maintenance"
    );
    let during = one(&fleet, &burn("availability"), m.to);
    assert!(
        (during - 50.0).abs() < 1.0,
        "availability burns {during}x at the end of the maintenance"
    );
    eprintln!("harness ready in {:.1?}", fleet.setup);
}
