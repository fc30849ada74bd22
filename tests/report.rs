//! `sloforge report` against a real Prometheus (Debian's 3.5.3) on loopback, rendered in headless
//! Chromium (Debian's `chromium`).
//!
//! The Prometheus holds a month of the series the generated rules of `tests/report/specs` write,
//! backfilled with `promtool tsdb create-blocks-from openmetrics`: the budget remaining and the
//! burn rate of every tier window, computed here from a per-minute error ratio at constant
//! traffic (two total outages of 20 and 8 minutes and six hours at three times the budget's
//! pace), and `ALERTS` samples of the alerts those would have fired. The report, as of a fixed
//! instant, must show each SLO with its charts and the right numbers, be the same bytes twice,
//! load nothing, and render in Chromium to a page that is drawn (screenshot under
//! `target/report/`).
//!
//! The second test reports on the live-data harness (tests/common/live.rs): counters backfilled
//! over 36 days across a month boundary, the generated rules backfilled on them by promtool. Its
//! `shop` SLO is made a calendar month in Europe/Berlin with the harness's maintenance window as
//! a one-off exclusion, beside the rolling `payments` and `search`.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::chromium;
use common::loopback::{run_bounded, spawn_ready};

const MIN: i64 = 60;
const DAY: i64 = 86_400;
/// The report's instant: 2026-11-05T12:00:00Z.
const AT: i64 = 1_793_880_000;
/// The first sample: 30.5 days earlier.
const START: i64 = AT - 30 * DAY - DAY / 2;
/// Seconds between backfilled samples.
const EVERY: i64 = 4 * MIN;
const WINDOW: i64 = 30 * DAY;
/// The tier windows of the Workbook's policy.
const WINDOWS: [(&str, i64); 7] = [
    ("5m", 5 * MIN),
    ("30m", 30 * MIN),
    ("1h", 60 * MIN),
    ("2h", 120 * MIN),
    ("6h", 360 * MIN),
    ("1d", DAY),
    ("3d", 3 * DAY),
];

/// 2026-10-20T10:00Z, 2026-10-28T06:00Z, 2026-11-03T14:00Z.
const OUTAGE_1: i64 = 1_792_490_400;
const SLOW_BURN: i64 = 1_793_167_200;
const OUTAGE_2: i64 = 1_793_714_400;

/// One SLO's error ratio per minute, from `START - 3d` (the longest window) to [`AT`].
struct Sli {
    slo: &'static str,
    /// The group's labels of a grouped SLO (`,route="/a"`), else empty.
    group: &'static str,
    budget: f64,
    /// Σ of the error ratio of the minutes before minute i (prefix sums).
    sums: Vec<f64>,
    first: i64,
}

impl Sli {
    fn new(slo: &'static str, budget: f64, ratio: impl Fn(i64) -> f64) -> Sli {
        let first = START - 3 * DAY;
        let mut sums = vec![0.0];
        let mut t = first;
        while t <= AT {
            let last = *sums.last().unwrap();
            sums.push(last + ratio(t));
            t += MIN;
        }
        Sli {
            slo,
            group: "",
            budget,
            sums,
            first,
        }
    }

    fn grouped(self, group: &'static str) -> Sli {
        Sli { group, ..self }
    }

    /// The mean error ratio of the minutes in (t − w, t].
    fn mean(&self, t: i64, w: i64) -> f64 {
        let i = ((t - self.first) / MIN + 1) as usize;
        let j = ((t - w - self.first).max(0) / MIN + 1) as usize;
        (self.sums[i] - self.sums[j]) / (w / MIN) as f64
    }

    fn burn(&self, t: i64, w: i64) -> f64 {
        self.mean(t, w) / self.budget
    }

    /// Budget remaining over the 30-day window ending at t (no errors before the data).
    fn remaining(&self, t: i64) -> f64 {
        1.0 - self.burn(t, WINDOW)
    }
}

fn availability(t: i64) -> f64 {
    if (OUTAGE_1..OUTAGE_1 + 20 * MIN).contains(&t) || (OUTAGE_2..OUTAGE_2 + 8 * MIN).contains(&t) {
        1.0
    } else if (SLOW_BURN..SLOW_BURN + 6 * 3600).contains(&t) {
        0.003
    } else {
        0.0
    }
}

fn latency(t: i64) -> f64 {
    // A steady 0.2 % of slow requests: 0.2× the 1 % budget's pace.
    let _ = t;
    0.002
}

/// The alerts the data would have fired (alertname, extra labels, from, to), as Prometheus
/// records them in `ALERTS` at each evaluation.
fn alerts() -> Vec<(&'static str, &'static str, i64, i64)> {
    vec![
        (
            "CheckoutAvailabilitySLOBurn",
            "alert_tier=\"page-fast\",severity=\"page\"",
            OUTAGE_1 + 4 * MIN,
            OUTAGE_1 + 27 * MIN,
        ),
        (
            "CheckoutAvailabilitySLOBurn",
            "alert_tier=\"page-fast\",severity=\"page\"",
            OUTAGE_2 + 4 * MIN,
            OUTAGE_2 + 15 * MIN,
        ),
        (
            "CheckoutAvailabilityErrorBudget",
            "budget_stage=\"50\",severity=\"ticket\"",
            OUTAGE_2 + 6 * MIN,
            AT,
        ),
    ]
}

/// The OpenMetrics text of both SLOs' recorded series and the alerts.
fn openmetrics(slis: &[Sli]) -> String {
    let mut out = String::with_capacity(16 << 20);
    let labels = |s: &Sli| format!("service=\"checkout\",slo=\"{}\"{}", s.slo, s.group);
    out += "# TYPE slo:error_budget_remaining:ratio gauge\n";
    for s in slis {
        let l = labels(s);
        let mut t = START;
        while t <= AT {
            let _ = writeln!(
                out,
                "slo:error_budget_remaining:ratio{{{l}}} {} {t}",
                s.remaining(t)
            );
            t += EVERY;
        }
    }
    out += "# TYPE slo:burn_rate:ratio gauge\n";
    for s in slis {
        let l = labels(s);
        for (name, w) in WINDOWS {
            let mut t = START;
            while t <= AT {
                let _ = writeln!(
                    out,
                    "slo:burn_rate:ratio{{{l},window=\"{name}\"}} {} {t}",
                    s.burn(t, w)
                );
                t += EVERY;
            }
        }
    }
    out += "# TYPE ALERTS gauge\n";
    let mut series: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
    for (name, extra, from, to) in alerts() {
        let key = format!(
            "alertname=\"{name}\",alertstate=\"firing\",{extra},{}",
            labels(&slis[0])
        );
        match series.iter_mut().find(|(k, _)| *k == key) {
            Some((_, spans)) => spans.push((from, to)),
            None => series.push((key, vec![(from, to)])),
        }
    }
    for (key, spans) in series {
        for (from, to) in spans {
            let mut t = from;
            while t <= to {
                let _ = writeln!(out, "ALERTS{{{key}}} 1 {t}");
                t += MIN;
            }
        }
    }
    out += "# EOF\n";
    out
}

fn out_dir() -> PathBuf {
    let d = common::root().join("target/report");
    fs::create_dir_all(&d).unwrap();
    d
}

/// The number in `<strong>N %</strong>` after `after` in `page`.
fn strong_percent(page: &str, after: &str) -> f64 {
    let i = page
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in the page"));
    let rest = &page[i..];
    let a = rest.find("<strong>").unwrap() + "<strong>".len();
    let b = rest[a..].find(" %</strong>").unwrap();
    rest[a..a + b].replace('−', "-").parse().unwrap()
}

#[test]
fn report_of_backfilled_data_in_chromium() {
    let (Some(promtool), Some(prometheus)) = (common::tool("promtool"), common::tool("prometheus"))
    else {
        return;
    };
    let Some(chrome) = chromium::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let slis = [
        Sli::new("availability", 0.001, availability),
        Sli::new("latency", 0.01, latency),
        Sli::new("routes", 0.001, |t| latency(t) / 10.0).grouped(",route=\"/a\""),
        // A label value with characters HTML must escape.
        Sli::new("routes", 0.001, availability).grouped(",route=\"/b<&>\""),
    ];
    let om = root.join("history.om");
    fs::write(&om, openmetrics(&slis)).unwrap();
    let data = root.join("data");
    run_bounded(
        "promtool",
        Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&om)
            .arg(&data),
        Duration::from_secs(300),
        &root.join("promtool.log"),
    );
    let config = root.join("prometheus.yml");
    fs::write(&config, "global:\n  evaluation_interval: 1m\n").unwrap();
    let (_prom, port) = spawn_ready("prometheus", &prometheus, root, &|port| {
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", data.display()),
            "--storage.tsdb.retention.time=3650d".into(),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ]
    });
    let url = format!("http://127.0.0.1:{port}");
    let specs = common::root().join("tests/report/specs");
    let html = out_dir().join("report.html");
    let again = root.join("again.html");
    for file in [&html, &again] {
        let o = common::sloforge(
            &[
                "report",
                specs.to_str().unwrap(),
                "--prometheus",
                &url,
                "--at",
                "2026-11-05T12:00:00Z",
                "-o",
                file.to_str().unwrap(),
            ],
            root,
        );
        assert!(
            o.status.success(),
            "sloforge report failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let page = fs::read_to_string(&html).unwrap();
    assert_eq!(
        page,
        fs::read_to_string(&again).unwrap(),
        "the same data gave another page"
    );

    // The numbers: budget left at the instant, as the data says.
    let sections: Vec<&str> = page.split("<section id=\"slo-").skip(1).collect();
    assert_eq!(sections.len(), 3);
    // The grouped SLO's charts show its group with the least budget left: /b<&>.
    for (s, sli) in sections.iter().zip([&slis[0], &slis[1], &slis[3]]) {
        let shown = strong_percent(s, "<dt>Budget left</dt>");
        let truth = sli.remaining(AT) * 100.0;
        assert!(
            (shown - truth).abs() < 0.06,
            "{}: page says {shown} %, data {truth} %",
            sli.slo
        );
        assert_eq!(s.matches("<svg ").count(), 6, "budget, four tiers, history");
        assert!(!s.contains("class=\"problem\""), "{s}");
    }
    let avail = sections[0];
    assert!(
        avail.contains("stage st-alert"),
        "about 33 % left: stage alert"
    );
    assert!(avail.contains("5xx &amp; timeouts count as &lt;bad&gt;"));
    // Both page-fast firings, recorded; the conditions computed from the burn rates; the
    // budget alert still firing.
    assert!(avail.contains("page-fast: alert firing <span class=\"meta\">(recorded by Prometheus)</span></td><td>2026-10-20 10:04 UTC"));
    assert!(avail.contains("page-fast: condition held <span class=\"meta\">(computed from burn rates)</span></td><td>2026-10-20 10:0"));
    assert!(avail.contains("budget below 50 %: alert firing"));
    assert!(avail.contains("still at the report time"));
    assert!(sections[2].contains(
        "<dt>Group shown</dt><dd>route=&quot;/b&lt;&amp;&gt;&quot; — the group with the least budget left, of 2 groups</dd>"
    ));
    assert!(sections[2].contains("page-fast: condition held"));
    let latency_section = sections[1];
    assert!(latency_section.contains("stage st-normal"));
    assert!(latency_section.contains("No alert fired and no tier's condition held"));

    // Nothing to load: no source, no stylesheet or script, no link out.
    for needle in ["src=", "<script", "<link", "@import", "url(", "href=\"http"] {
        assert!(!page.contains(needle), "the page has {needle}");
    }
    let links: Vec<_> = page
        .match_indices("http")
        .map(|(i, _)| &page[i..i + 30])
        .collect();
    assert_eq!(
        links.len(),
        1,
        "only the Prometheus address, as text: {links:?}"
    );

    // Chromium: the DOM and a screenshot.
    let dom = chromium::dump_dom(&chrome, &html);
    assert!(
        dom.contains("<title>SLO report — 2026-11-05 12:00 UTC</title>"),
        "{}",
        &dom[..dom.len().min(400)]
    );
    assert_eq!(dom.matches("<section id=\"slo-").count(), 3);
    assert_eq!(dom.matches("<svg ").count(), 18);
    assert!(dom.contains("threshold 14.4×"));
    let (pic, bytes) = screenshot(&chrome, &html, &page, "report.png", 2400);
    assert_eq!((pic.width, pic.height), (1100, 2400));
    assert!(pic.colours > 16, "{pic:?}");
    assert!(pic.drawn > 0.03, "the page looks blank: {pic:?}");
    assert!(bytes > 20_000, "{bytes} bytes");
}

/// The specs of tests/live/ with `shop` over calendar months in Europe/Berlin, its maintenance
/// window excluded.
fn live_specs(dir: &Path, tl: &common::live::Timeline) {
    let src = common::root().join("tests/live");
    for f in ["defaults.yaml", "payments.yaml", "search.yaml"] {
        fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let m = tl.stretch("shop", "maintenance");
    fs::write(
        dir.join("shop.yaml"),
        format!(
            "apiVersion: sloforge.dev/v1\nkind: Service\nname: shop\nteam: web\n\
             exclusions:\n  - name: maintenance\n    start: \"{}\"\n    end: \"{}\"\n\
             slos:\n  - name: availability\n    objective: 99.9\n\
             \x20   window: {{calendar: month, timezone: Europe/Berlin}}\n\
             \x20   sli:\n      ratio:\n\
             \x20       errors: http_requests_total{{job=\"shop\",code=~\"5..\"}}\n\
             \x20       total: http_requests_total{{job=\"shop\"}}\n",
            common::utc(m.from),
            common::utc(m.to)
        ),
    )
    .unwrap();
}

/// The policy stage of a budget remaining (ratio), as the report's policy names it.
fn stage(v: f64) -> &'static str {
    match v {
        v if v >= 0.75 => "normal",
        v if v >= 0.5 => "caution",
        v if v >= 0.25 => "alert",
        v if v >= 0.1 => "critical",
        _ => "lockdown",
    }
}

#[test]
fn report_of_the_live_fleet_in_chromium() {
    use common::live::{LiveFleet, Timeline};
    let Some(chrome) = chromium::chromium() else {
        return;
    };
    let specs = tempfile::tempdir().unwrap();
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    live_specs(specs.path(), &Timeline::before(real_now));
    let Some(fleet) = LiveFleet::start_with(specs.path()) else {
        return;
    };
    let tl = &fleet.timeline;
    let html = out_dir().join("live.html");
    let at = fleet.now.to_string();
    let began = std::time::Instant::now();
    let o = common::sloforge(
        &[
            "report",
            specs.path().to_str().unwrap(),
            "--prometheus",
            &fleet.url,
            "--at",
            &at,
            "-o",
            html.to_str().unwrap(),
        ],
        specs.path(),
    );
    assert!(
        o.status.success(),
        "sloforge report failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("sloforge report of the live fleet: {:.1?}", began.elapsed());
    let page = fs::read_to_string(&html).unwrap();
    let sections: Vec<&str> = page.split("<section id=\"slo-").skip(1).collect();
    assert_eq!(sections.len(), 3, "payments, search, shop");
    for (s, service) in sections.iter().zip(["payments", "search", "shop"]) {
        assert!(
            s.contains(&format!("<h2>{service} / availability</h2>")),
            "{service}"
        );
        assert!(!s.contains("class=\"problem\""), "{service}: {s}");
        assert_eq!(
            s.matches("<svg ").count(),
            6,
            "{service}: budget, four tiers, history"
        );
        let q = format!("slo:error_budget_remaining:ratio{{service=\"{service}\"}}");
        let truth = fleet.query_at(&q, fleet.now)[0].1;
        let shown = strong_percent(s, "<dt>Budget left</dt>");
        eprintln!(
            "{service}: budget left {shown} % (Prometheus: {:.3} %), stage {}",
            truth * 100.0,
            stage(truth)
        );
        assert!(
            (shown - truth * 100.0).abs() < 0.06,
            "{service}: page {shown} %, Prometheus {truth}"
        );
        assert!(s.contains(&format!(
            "<dt>Policy stage</dt><dd><span class=\"stage st-{}\">",
            stage(truth)
        )));
        // Backfilled data has no ALERTS: every recorded-alert row is empty.
        assert!(!s.contains("(recorded by Prometheus)"), "{service}");
    }
    // The outage before the boundary: payments' fast page condition held from its start.
    let outage = tl.stretch("payments", "outage");
    let day = common::utc(outage.from)[..10].to_string();
    assert!(
        sections[0].contains(&format!("page-fast: condition held <span class=\"meta\">(computed from burn rates)</span></td><td>{day}")),
        "payments' outage on {day}"
    );
    // shop: the calendar month, its reset at the boundary, the maintenance shaded.
    let shop = sections[2];
    assert!(shop.contains("over each calendar month in the time zone Europe/Berlin"));
    assert!(shop.contains("budget resets"));
    assert!(shop.contains("class=\"excl\""));
    assert!(shop.contains("Planned maintenance “maintenance”"));
    // The month's budget, counted here: the errors since the boundary but those of the
    // maintenance, against the whole month's expected events (issue #24).
    let (errors, _) = tl.events("shop", tl.boundary, fleet.now);
    let m = tl.stretch("shop", "maintenance");
    let (excluded, _) = tl.events("shop", m.from, m.to);
    let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    let start = jiff::Timestamp::from_second(tl.boundary)
        .unwrap()
        .to_zoned(tz);
    let end = start.checked_add(jiff::Span::new().months(1)).unwrap();
    let month = (end.timestamp().as_second() - tl.boundary) as f64;
    let counted = 1.0 - (errors - excluded) / (common::live::RATE * month) / 0.001;
    let shown = strong_percent(shop, "<dt>Budget left</dt>");
    eprintln!(
        "shop (calendar month): budget left {shown} %, counted from the timeline {:.3} %",
        counted * 100.0
    );
    assert!(
        (shown - counted * 100.0).abs() < 0.3,
        "shop's month: page {shown} %, timeline {counted}"
    );

    let dom = chromium::dump_dom(&chrome, &html);
    assert_eq!(dom.matches("<section id=\"slo-").count(), 3);
    assert_eq!(dom.matches("<svg ").count(), 18);
    assert!(dom.contains("shop / availability"));
    let (pic, _) = screenshot(&chrome, &html, &page, "live.png", 4200);
    assert_eq!((pic.width, pic.height), (1100, 4200));
    assert!(
        pic.colours > 16 && pic.drawn > 0.03,
        "the page looks blank: {pic:?}"
    );
}

#[test]
fn report_fails_with_2_and_writes_nothing_when_prometheus_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let specs = common::root().join("tests/report/specs");
    let out = dir.path().join("report.html");
    let url = format!("http://127.0.0.1:{}", common::loopback::free_port());
    let run = |extra: &[&str]| {
        let mut args = vec![
            "report",
            specs.to_str().unwrap(),
            "--prometheus",
            &url,
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        common::sloforge(&args, dir.path())
    };
    let o = run(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&url), "the message names the server: {err}");
    assert!(!out.exists(), "a report was written without data");
    let o = run(&["--at", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("RFC 3339"));
    assert!(!out.exists());
}

/// A screenshot of the page `html` (text `page`) at 1100 × `height` under target/report/: its
/// picture and size in bytes, and a line saying where it is.
fn screenshot(
    chrome: &Path,
    html: &Path,
    page: &str,
    name: &str,
    height: u32,
) -> (chromium::Picture, u64) {
    let png = out_dir().join(name);
    chromium::screenshot(chrome, html, &png, 1100, height);
    let pic = chromium::picture(&png);
    let bytes = fs::metadata(&png).unwrap().len();
    println!(
        "screenshot: {} ({}×{}, {bytes} bytes, {} colours, {:.1} % not background); page: {} ({} bytes)",
        png.display(),
        pic.width,
        pic.height,
        pic.colours,
        pic.drawn * 100.0,
        html.display(),
        page.len()
    );
    (pic, bytes)
}
