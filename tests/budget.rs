//! `sloforge status` and `sloforge gate` against a real Prometheus 3.5.3 holding 36 days of
//! backfilled data across a month boundary (tests/common/live.rs): every figure they print is
//! checked against the same figure counted here from the timeline the counters were made
//! from, minute by minute (budget left after the outage, the slow burn's time to exhaustion,
//! when the frozen budget recovers). The gate must open, freeze with the stage and the
//! recovery time, let a hotfix through except in lockdown, and exit 2 — never 0 — when
//! Prometheus cannot be reached or has no data. Tables carry no escape codes in a pipe or
//! under NO_COLOR, and do on a terminal (a pseudo-terminal from util-linux `script`).
//!
//! One Prometheus serves every check (starting it takes about half a minute); it is stopped by
//! its pid when the test ends, failing or not.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::live::{DAY, HOUR, LiveFleet, MINUTE, RATE, Timeline};
use serde_json::Value as Json;

/// The objective of each job's SLO in tests/live/.
const BUDGETS: [(&str, f64); 3] = [("shop", 0.001), ("payments", 0.0005), ("search", 0.005)];

fn run(args: &[&str], specs: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sloforge"));
    cmd.args(args).arg(specs).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run sloforge")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The policy's stage of a budget left, as the seeds' design gives it.
fn stage(left: f64) -> &'static str {
    match left {
        l if l >= 0.75 => "normal",
        l if l >= 0.5 => "caution",
        l if l >= 0.25 => "alert",
        l if l >= 0.1 => "critical",
        _ => "lockdown",
    }
}

/// When `job`'s 30-day budget is back at `target` if no error happens after `at`: the
/// earliest minute by which enough of the window's errors have aged out.
fn recovery(tl: &Timeline, job: &str, budget: f64, target: f64, at: i64) -> i64 {
    let per_minute = RATE * MINUTE as f64;
    let minutes: Vec<(i64, f64)> = ((at - 30 * DAY) / MINUTE + 1..=at / MINUTE)
        .map(|m| (m * MINUTE, per_minute * tl.error_ratio(job, m * MINUTE)))
        .collect();
    let keep = (1.0 - target) * budget * RATE * (30 * DAY) as f64;
    let mut errors: f64 = minutes.iter().map(|m| m.1).sum();
    for (t, e) in minutes {
        if errors <= keep {
            return (t - MINUTE + 30 * DAY).max(at);
        }
        errors -= e;
    }
    at + 30 * DAY
}

/// The RFC 3339 time after `by ` in a gate verdict, as Unix seconds.
fn recovery_in(out: &str) -> i64 {
    let t = out
        .split("by ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no recovery time in:\n{out}"));
    common::rfc3339(t)
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn status_and_gate_on_backfilled_data() {
    let Some(fleet) = LiveFleet::start() else {
        return;
    };
    let (url, now) = (fleet.url.as_str(), fleet.now.to_string());
    let specs = fleet.specs.as_path();
    let tl = &fleet.timeline;

    // status --output json: each SLO's figures against the timeline.
    let o = run(
        &[
            "status",
            "--prometheus",
            url,
            "--at",
            &now,
            "--output",
            "json",
        ],
        specs,
        &[],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    let status: Json = serde_json::from_str(&out).unwrap();
    for (job, budget) in BUDGETS {
        let s = status["slos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == job && s["slo"] == "availability")
            .unwrap_or_else(|| panic!("no {job} in {out}"));
        // The 30-day ratio reads hourly means: it trails the clock by one to two hours.
        let (early, late) = (
            tl.remaining(job, budget, fleet.now - 2 * HOUR),
            tl.remaining(job, budget, fleet.now),
        );
        let left = s["budget_remaining"].as_f64().unwrap();
        assert!(
            early.min(late) - 1e-3 <= left && left <= early.max(late) + 1e-3,
            "{job}: {left} left, counted {early} to {late}"
        );
        assert_eq!(s["stage"], stage(late), "{job}: {s}");
        let minutes = s["budget_remaining_minutes"].as_f64().unwrap();
        assert!(
            (minutes - left * budget * 30.0 * 1440.0).abs() < 1e-6,
            "{s}"
        );
        let (errors, total) = tl.events(job, fleet.now - 30 * DAY, fleet.now);
        let sli = s["sli"].as_f64().unwrap();
        assert!(
            (sli - (1.0 - errors / total)).abs() < 2e-5,
            "{job}: SLI {sli}"
        );
        assert_eq!(s["window"]["kind"], "rolling");
        assert_eq!(s["burn_rates"].as_array().unwrap().len(), 4, "{s}");
        // Time to exhaustion at the last hour's burn.
        let (e1h, t1h) = fleet.window_events(job, "availability", "1h", HOUR);
        let burn = e1h / t1h / budget;
        let got = s["burn_rate_1h"].as_f64().unwrap();
        assert!(
            (got - burn).abs() < 0.01 * burn.max(0.1),
            "{job}: 1h burn {got}, counted {burn}"
        );
        let exhaustion = s["exhaustion_seconds"].as_f64();
        if late <= 0.0 {
            assert_eq!(exhaustion, Some(0.0), "{job}");
        } else {
            // The budget left as checked above, at the burn counted here.
            let want = left * (30 * DAY) as f64 / burn;
            let got = exhaustion.unwrap();
            assert!(
                (got - want).abs() < 0.02 * want,
                "{job}: exhaustion in {got}s, counted {want}s"
            );
        }
    }

    calendar_checks(&fleet, &status);

    // The table: the same figures, no escape codes in a pipe.
    let o = run(&["status", "--prometheus", url, "--at", &now], specs, &[]);
    let (table, _) = text(&o);
    assert!(!table.contains('\x1b'), "escape codes in a pipe:\n{table}");
    let shop_left = tl.remaining("shop", 0.001, fleet.now);
    for (row, stage) in [
        ("shop/availability ", "critical"),
        ("payments/availability", "lockdown"),
        ("search/availability", "normal"),
    ] {
        let line = row_of(&table, row);
        assert!(line.ends_with(stage), "{line}");
        assert!(line.contains("30d rolling"), "{line}");
    }
    let month = row_of(&table, "shop/availability-month");
    assert!(
        month.contains("month ") && month.contains("Europe/Berlin"),
        "{month}"
    );
    assert!(month.ends_with("normal"), "{month}");
    let shop = row_of(&table, "shop/availability ");
    assert!(
        shop.contains("of 43.2 min") && shop.contains("2.50x"),
        "{shop}"
    );
    let shown: f64 = shop
        .split_whitespace()
        .nth(5)
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(
        (shown - shop_left * 100.0).abs() < 0.4,
        "{shop}: counted {shop_left}"
    );
    assert!(table.contains("payments/availability") && table.contains("exhausted"));
    eprintln!("{table}");

    // Markdown.
    let o = run(
        &[
            "status",
            "--prometheus",
            url,
            "--at",
            &now,
            "--output",
            "markdown",
        ],
        specs,
        &[],
    );
    let (md, _) = text(&o);
    assert!(md.starts_with("### Error budgets at "), "{md}");
    assert!(
        md.contains("| shop/availability | 99.9% | 30d rolling |"),
        "{md}"
    );
    assert!(
        md.contains("**critical** |") && md.contains("**lockdown** |"),
        "{md}"
    );
    assert!(!md.contains('\x1b'));

    // Colour: forced, on a terminal, and not under NO_COLOR on that terminal.
    let o = run(
        &[
            "--color",
            "always",
            "status",
            "--prometheus",
            url,
            "--at",
            &now,
        ],
        specs,
        &[],
    );
    assert!(
        text(&o).0.contains("\x1b["),
        "no colour with --color always"
    );
    if Path::new("/usr/bin/script").is_file() {
        let bin = env!("CARGO_BIN_EXE_sloforge");
        let line = format!(
            "{bin} status --prometheus {url} --at {now} {}",
            specs.display()
        );
        let tty = |no_color: Option<&str>| {
            let mut c = Command::new("/usr/bin/script");
            c.args(["-qec", &line, "/dev/null"]).env_remove("NO_COLOR");
            if let Some(v) = no_color {
                c.env("NO_COLOR", v);
            }
            String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
        };
        assert!(tty(None).contains("\x1b["), "no colour on a terminal");
        let plain = tty(Some("1"));
        assert!(
            plain.contains("shop/availability") && !plain.contains('\x1b'),
            "{plain:?}"
        );
    } else {
        eprintln!("note: no /usr/bin/script: colour on a terminal not checked");
    }

    // A post-mortem: three hours after the outage, shop's young window.
    let outage = tl.stretch("shop", "outage");
    let at = outage.to + 3 * HOUR;
    let o = run(
        &[
            "status",
            "--prometheus",
            url,
            "--at",
            &common::utc(at),
            "--output",
            "json",
        ],
        specs,
        &[],
    );
    let s: Json = serde_json::from_slice(&o.stdout).unwrap();
    let shop = s["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "shop")
        .unwrap();
    let want = tl.remaining("shop", 0.001, at);
    let got = shop["budget_remaining"].as_f64().unwrap();
    assert!(
        (got - want).abs() < 2e-3,
        "shop after the outage: {got}, counted {want}"
    );
    assert_eq!(shop["stage"], stage(want));

    // No data before the data begins: reported, exit 1, never a perfect SLO.
    let before = (tl.start - DAY).to_string();
    let o = run(
        &[
            "status",
            "--prometheus",
            url,
            "--at",
            &before,
            "--output",
            "json",
        ],
        specs,
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let s: Json = serde_json::from_slice(&o.stdout).unwrap();
    for slo in s["slos"].as_array().unwrap() {
        assert!(
            slo["stage"].is_null() && slo["budget_remaining"].is_null(),
            "{slo}"
        );
        assert!(!slo["missing"].as_array().unwrap().is_empty(), "{slo}");
    }
    let o = run(
        &["status", "--prometheus", url, "--at", &before],
        specs,
        &[],
    );
    assert!(text(&o).0.contains("NO DATA"));

    gate_checks(&fleet);
    eprintln!("live harness ready in {:.1?}", fleet.setup);
}

fn gate_checks(fleet: &LiveFleet) {
    let (url, now) = (fleet.url.as_str(), fleet.now.to_string());
    let specs = fleet.specs.as_path();
    let tl = &fleet.timeline;
    let gate = |service: &str, extra: &[&str]| {
        let mut args = vec![
            "gate",
            "--prometheus",
            url,
            "--at",
            &now,
            "--service",
            service,
        ];
        args.extend_from_slice(extra);
        let o = run(&args, specs, &[]);
        let (out, err) = text(&o);
        eprintln!(
            "$ sloforge {}\n{out}{err}(exit {:?})",
            args.join(" "),
            o.status.code()
        );
        (o.status.code(), out, err)
    };

    let (code, out, _) = gate("search", &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("allowed search/availability") && out.contains("are allowed"),
        "{out}"
    );

    let (code, out, _) = gate("shop", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("frozen") && out.contains("shop/availability"),
        "{out}"
    );
    assert!(out.contains("stage critical"), "{out}");
    let want = recovery(tl, "shop", 0.001, 0.25, fleet.now);
    let got = recovery_in(&out);
    // The rules keep hourly rates: a rate leaves the window up to two hours after its minute.
    assert!(
        (got - want).abs() <= 2 * HOUR,
        "shop recovers at {got} ({}), counted {want} ({})",
        common::utc(got),
        common::utc(want)
    );
    assert!(
        want > outage_end(tl) + 30 * DAY - HOUR,
        "the outage is what must age out"
    );

    // A hotfix passes in critical, not in lockdown; a later freeze line opens the gate.
    assert_eq!(gate("shop", &["--allow-hotfix"]).0, Some(0));
    assert_eq!(gate("shop", &["--min-stage", "lockdown"]).0, Some(0));
    let (code, out, _) = gate("payments", &["--allow-hotfix"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("stage lockdown"), "{out}");
    let got = recovery_in(&out);
    let want = recovery(tl, "payments", 0.0005, 0.1, fleet.now);
    assert!(
        (got - want).abs() <= 2 * HOUR,
        "payments: {got}, counted {want}"
    );
    assert_eq!(gate("search", &["--min-stage", "caution"]).0, Some(0));
    assert_eq!(gate("shop", &["--slo", "availability"]).0, Some(1));

    // The calendar month reset at the boundary: allowed now; before the boundary, frozen by
    // the outage until the boundary itself.
    let (code, out, _) = gate("shop", &["--slo", "availability-month"]);
    assert_eq!(code, Some(0), "{out}");
    let before_boundary = (tl.stretch("shop", "outage").to + 3 * HOUR).to_string();
    let o = run(
        &[
            "gate",
            "--prometheus",
            url,
            "--at",
            &before_boundary,
            "--service",
            "shop",
            "--slo",
            "availability-month",
            "--min-stage",
            "alert",
        ],
        specs,
        &[],
    );
    let (out, err) = text(&o);
    eprintln!("{out}{err}");
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("stage alert"), "{out}");
    let reset = out
        .split("next period starts, ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no reset time in {out}"));
    assert_eq!(reset, common::utc(tl.boundary), "{out}");

    // Usage errors, an unreachable server, missing data: 2, and never "allowed".
    for (service, extra, why) in [
        ("nope", &[][..], "no service `nope`"),
        ("shop", &["--slo", "nope"][..], "no SLO `nope`"),
    ] {
        let (code, out, err) = gate(service, extra);
        assert_eq!(code, Some(2), "{out}{err}");
        assert!(err.contains(why) && !out.contains("allowed"), "{err}");
    }
    let o = run(
        &[
            "gate",
            "--prometheus",
            "http://127.0.0.1:9",
            "--service",
            "search",
        ],
        specs,
        &[],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(
        out.is_empty() && err.contains("could not be reached"),
        "{err}"
    );
    let before = (tl.start - DAY).to_string();
    let o = run(
        &[
            "gate",
            "--prometheus",
            url,
            "--at",
            &before,
            "--service",
            "search",
        ],
        specs,
        &[],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("no data for search/availability"), "{err}");

    // A service in the specs whose rules Prometheus never ran.
    let dir = tempfile::tempdir().unwrap();
    common::copy_specs("tests/live", dir.path(), common::WEBHOOK_PLACEHOLDER);
    std::fs::write(
        dir.path().join("ghost.yaml"),
        std::fs::read_to_string(specs.join("search.yaml"))
            .unwrap()
            .replace("search", "ghost"),
    )
    .unwrap();
    let o = run(
        &[
            "gate",
            "--prometheus",
            url,
            "--at",
            &now,
            "--service",
            "ghost",
        ],
        dir.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let o = run(
        &["status", "--prometheus", url, "--at", &now],
        dir.path(),
        &[],
    );
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let ghost = out.lines().find(|l| l.starts_with("ghost/")).unwrap();
    assert!(ghost.ends_with("NO DATA"), "{ghost}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("search/") && l.ends_with("normal"))
    );
}

/// Whether the minute ending at `t` is in shop's calendar SLO's exclusion: Thursdays 02:00 to
/// 04:00 in Europe/Berlin.
fn excluded(t: i64) -> bool {
    let local = jiff::Timestamp::from_second(t - MINUTE)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
    local.weekday() == jiff::civil::Weekday::Thursday && (2..4).contains(&local.hour())
}

/// The calendar month's budget left at `at`: the errors of the period outside the exclusion,
/// against the budget of the whole period's traffic (the rules scale what they saw).
fn month_remaining(tl: &Timeline, at: i64, period: (i64, i64), exclude: bool) -> f64 {
    let per_minute = RATE * MINUTE as f64;
    let errors: f64 = (period.0 / MINUTE + 1..=at / MINUTE)
        .map(|m| m * MINUTE)
        .filter(|t| !(exclude && excluded(*t)))
        .map(|t| per_minute * tl.error_ratio("shop", t))
        .sum();
    1.0 - errors / (0.001 * RATE * (period.1 - period.0) as f64)
}

/// shop's calendar-month SLO: its period, a budget reset at the boundary, the maintenance
/// excluded.
fn calendar_checks(fleet: &LiveFleet, status: &Json) {
    let tl = &fleet.timeline;
    let s = status["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slo"] == "availability-month")
        .unwrap_or_else(|| panic!("no calendar SLO in {status}"));
    let w = &s["window"];
    assert_eq!(w["kind"], "calendar", "{s}");
    assert_eq!(w["period"], "month");
    assert_eq!(w["timezone"], "Europe/Berlin");
    let start = jiff::Timestamp::from_second(tl.boundary)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
    assert_eq!(
        (start.day(), start.hour(), start.minute()),
        (1, 0, 0),
        "{start}"
    );
    let end = start.checked_add(jiff::Span::new().months(1)).unwrap();
    let period = (tl.boundary, end.timestamp().as_second());
    assert_eq!(w["start_unix"], period.0, "{w}");
    assert_eq!(w["end_unix"], period.1, "{w}");
    let (early, late) = (
        month_remaining(tl, fleet.now - 2 * HOUR, period, true),
        month_remaining(tl, fleet.now, period, true),
    );
    let left = s["budget_remaining"].as_f64().unwrap();
    assert!(
        early.min(late) - 2e-3 <= left && left <= early.max(late) + 2e-3,
        "calendar month: {left} left, counted {early} to {late}"
    );
    // The maintenance's errors would have spent a seventh of the budget.
    let spent_in_maintenance = late - month_remaining(tl, fleet.now, period, false);
    assert!(spent_in_maintenance > 0.1, "{spent_in_maintenance}");
    assert_eq!(s["stage"], stage(late));
    let minutes = s["budget_minutes"].as_f64().unwrap();
    assert!((minutes - 0.001 * (period.1 - period.0) as f64 / 60.0).abs() < 1e-9);
}

fn outage_end(tl: &Timeline) -> i64 {
    tl.stretch("shop", "outage").to
}

/// The line of the status table that starts with `prefix`.
fn row_of<'a>(table: &'a str, prefix: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} row:\n{table}"))
}
