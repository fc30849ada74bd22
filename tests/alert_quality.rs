//! docs/alert-quality.md: detection and reset times of the demo fleet's alerts measured with the
//! real promtool (the Prometheus 3 LTS of `make tools`), for sloforge's generated rules and, on the
//! same synthetic series, for the rules Sloth generates for the same SLOs. The test measures,
//! renders the report and fails when the committed one differs; `make alert-quality`
//! (SLOFORGE_UPDATE_DOCS=1) rewrites it.
//!
//! Sloth's rules come from `sloth generate` (the version `make tools` installs) on Sloth specs
//! the test writes from the demo specs: each SLI as Sloth's `events` (error and total queries) or
//! `raw` (error ratio) query with `[{{.window}}]` ranges, the objective, Sloth's default page and
//! ticket alerts, and Sloth's default windows of the SLO's period (`--default-slo-period`; Sloth
//! ships windows for 30d and 28d only, so an SLO over another period has no Sloth column).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use sloforge::compile::scenarios::{self, ExprTest, TestFile, TestGroup};
use sloforge::model::{BurnAlert, Counter, Decimal, Duration, Settings, SeverityKind, Sli, Slo};
use sloforge::render::{self, RenderOptions};
use sloforge::syntax::promql;

const DOC: &str = "docs/alert-quality.md";
/// The total outage: clean traffic, the outage, clean traffic again (minutes).
const LEAD: u64 = 60;
const OUTAGE: u64 = 30;
const RECOVERY: u64 = 45;
/// Sloth's default alert windows (its `google-30d` and `google-28d` catalogues): per severity,
/// (short, long) windows in minutes and the percent of the budget each pair spends over its long
/// window.
const SLOTH_PAGE: [(u64, u64, i64); 2] = [(5, 60, 2), (30, 360, 5)];
const SLOTH_TICKET: [(u64, u64, i64); 2] = [(120, 1440, 10), (360, 4320, 10)];
const SLOTH_PERIODS: [u64; 2] = [30 * 1440, 28 * 1440];
const SLOTH_ALERT: &str = "SlothBurn";
/// Ticket burns: one sample every 4 × 15 s (see `scenario`).
const STRETCH: u64 = 4;
/// The SLOs whose ticket tiers get burns too: each takes days of one-minute evaluations, over a
/// minute of promtool, so one 99.9 % / 30d SLO with all four tiers stands for the fleet.
const TICKET_BURNS: [&str; 1] = ["catalog/latency"];

fn mins(m: u64) -> Duration {
    Duration::from_mins(m)
}

// ---------------------------------------------------------------------------------------------
// Sloth specs for sloforge SLOs

enum SlothSli {
    Events { error: String, total: String },
    Raw { ratio: String },
}

/// An SLI as Sloth's error and total queries (or error-ratio query) with `{{.window}}` ranges.
fn sloth_sli(sli: &Sli) -> SlothSli {
    // The queries are written for a window no SLO uses, which then becomes Sloth's placeholder.
    let w = mins(9_999_999);
    let win = |s: String| {
        s.replace(&format!("[{w}]"), "[{{.window}}]")
            .replace(&format!("[{w}:"), "[{{.window}}:")
    };
    let sum_rate = |e| format!("sum({})", promql::rate_of(e, w));
    match sli {
        Sli::Ratio {
            errors: Counter::Errors(e),
            total,
        } => SlothSli::Events {
            error: win(sum_rate(e)),
            total: win(sum_rate(total)),
        },
        Sli::Ratio {
            errors: Counter::Good(g),
            total,
        } => SlothSli::Events {
            error: win(format!("{} - {}", sum_rate(total), sum_rate(g))),
            total: win(sum_rate(total)),
        },
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => {
            let inner = matchers.trim_start_matches('{').trim_end_matches('}');
            let sep = if inner.is_empty() { "" } else { "," };
            let total = format!("sum(rate({metric}_count{{{inner}}}[{{{{.window}}}}]))");
            SlothSli::Events {
                error: format!(
                    "{total} - sum(rate({metric}_bucket{{{inner}{sep}le=\"{le}\"}}[{{{{.window}}}}]))"
                ),
                total,
            }
        }
        Sli::Probe { selector } => SlothSli::Raw {
            ratio: win(format!(
                "1 - avg({})",
                promql::apply_over_selectors(selector, "avg_over_time", w)
            )),
        },
        Sli::WindowedEvents { errors, total } => SlothSli::Events {
            error: win(promql::with_window(errors, w)),
            total: win(promql::with_window(total, w)),
        },
        Sli::RawRatio { ratio } => SlothSli::Raw {
            ratio: win(promql::with_window(ratio, w)),
        },
    }
}

/// A Sloth `prometheus/v1` spec of `slos` (one service, one period).
fn sloth_spec(service: &str, slos: &[&Slo]) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let mut out = format!("version: prometheus/v1\nservice: {}\nslos:\n", q(service));
    for slo in slos {
        let _ = write!(
            out,
            "  - name: {}\n    objective: {}\n    description: {}\n    sli:\n",
            q(&slo.name),
            slo.objective,
            q(&slo.description)
        );
        match sloth_sli(&slo.sli) {
            SlothSli::Events { error, total } => {
                let _ = write!(
                    out,
                    "      events:\n        error_query: {}\n        total_query: {}\n",
                    q(&error),
                    q(&total)
                );
            }
            SlothSli::Raw { ratio } => {
                let _ = write!(
                    out,
                    "      raw:\n        error_ratio_query: {}\n",
                    q(&ratio)
                );
            }
        }
        let _ = write!(out, "    alerting:\n      name: {SLOTH_ALERT}\n");
    }
    out
}

fn sloth_id(slo: &Slo) -> String {
    format!("{}-{}", slo.service, slo.name)
}

fn sloth_expresses(slo: &Slo) -> bool {
    SLOTH_PERIODS.contains(&slo.window.minutes())
}

/// Sloth's rules for one SLO it can express, written into `dir` by `sloth generate` with the
/// default windows of the SLO's period; the file's name relative to `dir`.
fn sloth_rules(sloth: &Path, dir: &Path, slo: &Slo) -> Option<String> {
    if !sloth_expresses(slo) {
        return None;
    }
    let spec = dir.join("sloth.spec.yaml");
    std::fs::write(&spec, sloth_spec(&slo.service, &[slo])).unwrap();
    let out = "sloth.rules.yaml".to_string();
    common::run_ok(
        std::process::Command::new(sloth)
            .arg("generate")
            .arg("--no-log")
            .arg(format!("--default-slo-period={}", slo.window))
            .arg("-i")
            .arg(&spec)
            .arg("-o")
            .arg(dir.join(&out)),
    );
    Some(out)
}

/// The first cells of a table row: the SLO, its objective and window, the tier and its windows.
fn tier_cells(service: &str, slo: &Slo, a: &BurnAlert) -> String {
    format!(
        "| {service}/{} | {}% / {} | {} ({}/{}, {}×) |",
        slo.name, slo.objective, slo.window, a.tier, a.long_window, a.short_window, a.burn_rate
    )
}

/// promtool's `group_eval_order` for the rule files: every group in the order the files list
/// them. Sloth's alert group reads what its recording groups write in the same evaluation, so
/// without a fixed order promtool's evaluation order would move its alerts by a minute from run
/// to run; sloforge's groups read earlier evaluations only and are indifferent to it.
fn group_eval_order(dir: &Path, rule_files: &[String]) -> String {
    let mut out = String::from("group_eval_order:\n");
    for f in rule_files {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        for name in text.lines().filter_map(|l| l.strip_prefix("- name: ")) {
            out.push_str(&format!("- {}\n", name.trim()));
        }
    }
    out
}

/// The groups of a sloforge rule file that belong to one SLO (their rules carry its `slo` label).
fn groups_of(rules: &str, slo: &str) -> String {
    let mut out = String::from("groups:\n");
    let label = format!("\n      slo: {slo}\n");
    let body = &rules[rules.find("\n- name: ").expect("a rule group") + 1..];
    for group in body
        .split_inclusive('\n')
        .fold(Vec::<String>::new(), |mut acc, line| {
            if line.starts_with("- name: ") || acc.is_empty() {
                acc.push(String::new());
            }
            acc.last_mut().unwrap().push_str(line);
            acc
        })
    {
        if group.contains(&label) {
            out.push_str(&group);
        }
    }
    out
}

/// Sloth's burn factor for a pair that spends `percent` of the budget over `long` minutes.
fn sloth_factor(percent: i64, period: Duration, long: u64) -> Decimal {
    let p = Decimal::from_int(i64::try_from(period.minutes()).unwrap());
    Decimal::from_int(percent)
        .checked_mul(p)
        .unwrap()
        .div_rounded(Decimal::from_int(100 * i64::try_from(long).unwrap()), 6)
        .unwrap()
}

fn sloth_pairs(kind: SeverityKind) -> &'static [(u64, u64, i64)] {
    if kind == SeverityKind::Page {
        &SLOTH_PAGE
    } else {
        &SLOTH_TICKET
    }
}

fn severity_name(kind: SeverityKind) -> &'static str {
    if kind == SeverityKind::Page {
        "page"
    } else {
        "ticket"
    }
}

// ---------------------------------------------------------------------------------------------
// Measurement

/// Labels (and the values `count_values` put into them) of every sample on a promtool `got:` line.
fn parse_samples(line: &str) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        let mut labels = BTreeMap::new();
        while let Some(eq) = rest.find("=\"") {
            let key = rest[..eq].trim().trim_start_matches(',').trim().to_string();
            let mut val = String::new();
            let mut chars = rest[eq + 2..].char_indices();
            let mut end = 0;
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            val.push(n);
                        }
                    }
                    '"' => {
                        end = eq + 2 + j + 1;
                        break;
                    }
                    c => val.push(c),
                }
            }
            labels.insert(key, val);
            rest = &rest[end..];
            if rest.starts_with('}') {
                break;
            }
        }
        out.push(labels);
    }
    out
}

/// The `got` samples of every check promtool reports, by (expression, minutes).
fn check_results(output: &str) -> BTreeMap<(String, u64), Vec<BTreeMap<String, String>>> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, u64)> = None;
    for line in output.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("expr: ") {
            let (expr, time) = rest.rsplit_once(", time: ").unwrap();
            let time = Duration::parse(time.trim_end_matches(',').trim_end_matches("0s"))
                .or_else(|_| Duration::parse(time.trim_end_matches(',')))
                .unwrap();
            current = Some((
                serde_json::from_str::<String>(expr).unwrap(),
                time.minutes(),
            ));
        } else if let Some(got) = t.strip_prefix("got: ")
            && let Some(k) = current.take()
        {
            out.insert(k, parse_samples(got));
        }
    }
    out
}

/// Checks at the end of a scenario that tell, for the alerts `sel` selects: the first evaluation
/// at which each state held, the last one firing and how many were firing. `count_values` puts
/// the numbers into labels, which promtool prints exactly.
fn checks(sel: &str, end: u64) -> [String; 3] {
    let firing = format!("{},alertstate=\"firing\"}}", sel.strip_suffix('}').unwrap());
    [
        format!(
            "count_values by (alertstate) (\"t\", min by (alertstate) (min_over_time(timestamp({sel})[{end}m:1m])))"
        ),
        format!("count_values(\"t\", max(max_over_time(timestamp({firing})[{end}m:1m])))"),
        format!("count_values(\"n\", sum(count_over_time({firing}[{end}m])))"),
    ]
}

#[derive(Clone, Copy)]
struct Measured {
    /// Minutes after the errors start: first evaluation pending (or firing), first firing.
    pending: Option<i64>,
    firing: Option<i64>,
    /// Minutes after the errors stop: first evaluation no longer firing; `Err` when it still
    /// fired at the end of the scenario.
    reset: Option<Result<i64, ()>>,
    /// Firing at every evaluation from the first firing one to the last.
    steady: bool,
}

fn measure(
    results: &BTreeMap<(String, u64), Vec<BTreeMap<String, String>>>,
    sel: &str,
    s: &Scenario,
) -> Measured {
    let [first, last, count] = checks(sel, s.end);
    let get = |e: &str| {
        results
            .get(&(e.to_string(), s.end))
            .cloned()
            .unwrap_or_default()
    };
    let num =
        |m: &BTreeMap<String, String>, k: &str| m.get(k).map(|v| v.parse::<f64>().unwrap() as i64);
    let firsts = get(&first);
    let at = |state: Option<&str>| {
        firsts
            .iter()
            .filter(|m| state.is_none_or(|st| m.get("alertstate").map(String::as_str) == Some(st)))
            .filter_map(|m| num(m, "t"))
            .min()
    };
    let rel = |t: i64| (t - 60 * i64::try_from(s.start).unwrap()) / 60;
    let pending = at(None).map(rel);
    let firing = at(Some("firing")).map(rel);
    let last = get(&last).first().and_then(|m| num(m, "t"));
    let n = get(&count).first().and_then(|m| num(m, "n"));
    let stop = 60 * i64::try_from(s.stop).unwrap();
    let reset = last.filter(|l| *l >= stop).map(|l| {
        if l >= 60 * i64::try_from(s.end).unwrap() {
            Err(())
        } else {
            Ok((l + 60 - stop) / 60)
        }
    });
    let steady = match (at(Some("firing")), last, n) {
        (Some(f), Some(l), Some(n)) => (l - f) / 60 + 1 == n,
        _ => true,
    };
    Measured {
        pending,
        firing,
        reset,
        steady,
    }
}

fn fmt_min(m: Option<i64>) -> String {
    m.map_or_else(|| "—".into(), |m| format!("{m} min"))
}

fn fmt_reset(m: &Measured, recovery: u64) -> String {
    let s = match m.reset {
        None => "—".into(),
        Some(Ok(r)) => format!("{r} min"),
        Some(Err(())) => format!("> {}", mins(recovery)),
    };
    if m.steady {
        s
    } else {
        format!("{s} (intermittent)")
    }
}

fn fmt_secs(s: f64) -> String {
    if s < 60.0 {
        format!("{} s", (s * 10.0).round() / 10.0)
    } else if s < 6.0 * 3600.0 {
        format!("{} min", (s / 6.0).round() / 10.0)
    } else {
        format!("{} h", (s / 360.0).round() / 10.0)
    }
}

enum Kind {
    Outage,
    /// A burn at twice the factor of this tier (index into the SLO's alerts).
    Burn(usize),
}

struct Scenario<'a> {
    service: String,
    slo: &'a Slo,
    kind: Kind,
    /// Minutes from the start of the series: errors start, errors stop, last evaluation.
    start: u64,
    stop: u64,
    end: u64,
    recovery: u64,
    /// The error ratio of the burn.
    ratio: Decimal,
    /// One sample of the series every `scrape`.
    scrape: Duration,
}

impl Scenario<'_> {
    fn ours(&self, a: &BurnAlert) -> String {
        promql::selector(
            "ALERTS",
            [
                ("service", self.slo.service.as_str()),
                ("slo", self.slo.name.as_str()),
                ("alertname", a.alert_name.as_str()),
                ("alert_tier", a.tier.as_str()),
            ],
        )
    }

    fn theirs(&self, kind: SeverityKind) -> String {
        promql::selector(
            "ALERTS",
            [
                ("sloth_id", sloth_id(self.slo).as_str()),
                ("sloth_severity", severity_name(kind)),
            ],
        )
    }

    /// The sloforge tiers this scenario measures.
    fn tiers(&self) -> Vec<&BurnAlert> {
        match self.kind {
            Kind::Outage => self
                .slo
                .alerts
                .iter()
                .filter(|a| a.severity_kind == SeverityKind::Page)
                .collect(),
            Kind::Burn(i) => vec![&self.slo.alerts[i]],
        }
    }

    fn severity(&self) -> SeverityKind {
        match self.kind {
            Kind::Outage => SeverityKind::Page,
            Kind::Burn(i) => self.slo.alerts[i].severity_kind,
        }
    }
}

/// The window pairs that can raise an alert of a burn of `a`'s severity: (long window in minutes,
/// error-ratio threshold); sloforge's tier itself and, when Sloth expresses the SLO, Sloth's pairs
/// of that severity.
fn pairs(slo: &Slo, a: &BurnAlert) -> Vec<(u64, f64)> {
    let budget = slo.error_budget();
    let mut out = vec![(a.long_window.minutes(), a.threshold(budget).to_f64())];
    if sloth_expresses(slo) {
        out.extend(sloth_pairs(a.severity_kind).iter().map(|(_, l, pc)| {
            (
                *l,
                sloth_factor(*pc, slo.window, *l)
                    .checked_mul(budget)
                    .unwrap()
                    .to_f64(),
            )
        }));
    }
    out
}

/// Minutes of clean traffic before a burn at error ratio `r`: a pair with long window L and
/// threshold θ < r trips after (θ / r) × L of burn, when its window still holds L × (1 − θ / r) of
/// the clean history; with that much history every pair trips when it would after any longer one.
fn lead(slo: &Slo, a: &BurnAlert, r: f64) -> u64 {
    pairs(slo, a)
        .iter()
        .filter(|(_, th)| *th < r)
        .map(|(l, th)| (*l as f64 * (1.0 - th / r)).ceil() as u64)
        .max()
        .unwrap_or(0)
}

/// Minutes of the burn: long enough for the tier to fire and settle before the errors stop — its
/// long window (half of it for ticket tiers, whose detection takes half of it, to bound the days
/// of evaluations), its `for` and its short window.
fn burn_len(a: &BurnAlert) -> u64 {
    let l = a.long_window.minutes();
    let base = if a.severity_kind == SeverityKind::Ticket {
        l.div_ceil(2)
    } else {
        l
    };
    base + a.for_.minutes() + a.short_window.minutes()
}

/// Minutes of clean traffic after a burn: one and a half times the longest short window of the
/// severity, sloforge's and Sloth's.
fn recovery(slo: &Slo, kind: SeverityKind) -> u64 {
    let ours = slo
        .alerts
        .iter()
        .filter(|a| a.severity_kind == kind)
        .map(|a| a.short_window.minutes())
        .max()
        .unwrap_or(0);
    let theirs = if sloth_expresses(slo) {
        sloth_pairs(kind).iter().map(|p| p.0).max().unwrap()
    } else {
        0
    };
    ours.max(theirs) * 3 / 2
}

fn scenario<'a>(
    service: &str,
    slo: &'a Slo,
    settings: &Settings,
    kind: Kind,
) -> Option<(Scenario<'a>, TestGroup)> {
    // promtool's unit-test engine loads at most 10,000 samples per query: Sloth's 1d and 3d
    // windows over a series scraped every 15 s (5,760 and 17,280 samples) fail. Ticket burns
    // therefore get one sample a minute: the series built for a quarter of the duration, read at
    // four times the interval.
    let stretch = if matches!(kind, Kind::Burn(i) if slo.alerts[i].severity_kind == SeverityKind::Ticket)
    {
        STRETCH
    } else {
        1
    };
    let up = |m: u64| m.div_ceil(stretch) * stretch;
    let (lead, len, tail, ratio, label) = match kind {
        Kind::Outage => (LEAD, OUTAGE, RECOVERY, Decimal::ONE, "outage".to_string()),
        Kind::Burn(i) => {
            let a = &slo.alerts[i];
            let ratio = Decimal::from_int(2).checked_mul(a.threshold(slo.error_budget()))?;
            if ratio > Decimal::ONE {
                return None;
            }
            (
                up(lead(slo, a, ratio.to_f64()).max(LEAD)),
                up(burn_len(a)),
                up(recovery(slo, a.severity_kind)),
                ratio,
                format!("burn {}", a.tier),
            )
        }
    };
    let phases = [
        (mins(lead / stretch), Some(Decimal::ZERO)),
        (mins(len / stretch), Some(ratio)),
        (mins(tail / stretch), Some(Decimal::ZERO)),
    ];
    let syn = scenarios::synthesize(slo, settings, &phases)
        .unwrap_or_else(|e| panic!("{}/{} {label}: {e}", slo.service, slo.name));
    let start = syn.warm_up.minutes() * stretch + lead;
    let s = Scenario {
        service: service.to_string(),
        slo,
        kind,
        start,
        stop: start + len,
        end: start + len + tail,
        recovery: tail,
        ratio,
        scrape: Duration::from_millis(syn.scrape.as_millis() * stretch),
    };
    let mut sels: Vec<String> = s.tiers().iter().map(|a| s.ours(a)).collect();
    if sloth_expresses(slo) {
        sels.push(s.theirs(s.severity()));
    }
    let tests = sels
        .iter()
        .flat_map(|sel| checks(sel, s.end))
        .map(|expr| ExprTest {
            expr,
            eval_time: mins(s.end).to_string(),
            exp_samples: Vec::new(),
        })
        .collect();
    let group = TestGroup {
        name: format!("{}/{} {label}", slo.service, slo.name),
        interval: s.scrape.to_string(),
        input_series: syn.series,
        promql_expr_test: tests,
    };
    Some((s, group))
}

struct Run<'a> {
    scenarios: Vec<Scenario<'a>>,
    results: BTreeMap<(String, u64), Vec<BTreeMap<String, String>>>,
}

fn run<'a>(
    fleet: &'a sloforge::model::Fleet,
    tree: &BTreeMap<String, String>,
    promtool: &Path,
    sloth: &Path,
    tmp: &Path,
) -> Run<'a> {
    let settings: &Settings = &fleet.settings;
    let mut scenarios_all = Vec::new();
    let mut jobs = Vec::new();
    for svc in &fleet.services {
        let rules = &tree[&sloforge::names::rule_file(&svc.name)];
        for slo in &svc.slos {
            // Each SLO's own groups only: the other SLOs of the service would be evaluated on no data.
            let dir = tmp.join(&svc.name).join(&slo.name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("sloforge.rules.yaml"), groups_of(rules, &slo.name)).unwrap();
            let rule_files: Vec<String> = std::iter::once("sloforge.rules.yaml".to_string())
                .chain(sloth_rules(sloth, &dir, slo))
                .collect();
            let id = format!("{}/{}", svc.name, slo.name);
            let kinds = std::iter::once(Kind::Outage).chain(
                (0..slo.alerts.len())
                    .filter(|i| {
                        slo.alerts[*i].severity_kind == SeverityKind::Page
                            || TICKET_BURNS.contains(&id.as_str())
                    })
                    .map(Kind::Burn),
            );
            for (i, kind) in kinds.enumerate() {
                if let Some((s, g)) = scenario(&svc.name, slo, settings, kind) {
                    let file = TestFile {
                        rule_files: rule_files.clone(),
                        evaluation_interval: settings.evaluation_interval.to_string(),
                        tests: vec![g],
                    };
                    let path = dir.join(format!("measure-{i}.test.yaml"));
                    std::fs::write(
                        &path,
                        sloforge::syntax::yaml::to_yaml(&file)
                            + &group_eval_order(&dir, &rule_files),
                    )
                    .unwrap();
                    jobs.push((s.end / s.scrape.as_millis().div_ceil(15_000).max(1), path));
                    scenarios_all.push(s);
                }
            }
        }
    }
    let keys: Vec<_> = scenarios_all
        .iter()
        .flat_map(|s| {
            s.tiers()
                .into_iter()
                .map(|a| s.ours(a))
                .chain(std::iter::once(s.theirs(s.severity())))
                .map(move |sel| (sel, s.end))
        })
        .collect();
    assert_eq!(
        keys.len(),
        keys.iter().collect::<std::collections::BTreeSet<_>>().len(),
        "two scenarios share a check"
    );
    // The longest scenarios first, two promtool processes at a time.
    jobs.sort_by_key(|j| std::cmp::Reverse(j.0));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outputs: Vec<String> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                sc.spawn(|| {
                    let mut text = String::new();
                    while let Some((_, file)) =
                        jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                    {
                        let out = std::process::Command::new(promtool)
                            .arg("test")
                            .arg("rules")
                            .arg(file.file_name().unwrap())
                            .current_dir(file.parent().unwrap())
                            .output()
                            .unwrap();
                        text.push_str(&String::from_utf8_lossy(&out.stdout));
                        text.push_str(&String::from_utf8_lossy(&out.stderr));
                    }
                    text
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let text = outputs.concat();
    assert!(
        !text.contains("rule:") && !text.contains("error:"),
        "rule evaluation failed:\n{text}"
    );
    Run {
        scenarios: scenarios_all,
        results: check_results(&text),
    }
}

fn report(root: &Path, promtool: &Path, sloth: &Path) -> String {
    let b = sloforge::build(&[root.join("slo-specs")], false);
    let fleet = b.fleet.expect("demo fleet compiles");
    let c = b.compilation.expect("demo fleet compiles");
    assert_eq!(fleet.settings.evaluation_interval, mins(1));
    let tree = render::render_tree(&c, &RenderOptions::default());
    let tmp = tempfile::tempdir().unwrap();
    let run = run(&fleet, &tree, promtool, sloth, tmp.path());
    let explained = sloforge::explain::explain(&fleet);
    let sloth_version = sloth_version(sloth);
    let prom_version = common::LTS;

    let mut doc = String::new();
    let _ = write!(
        doc,
        r#"# Alert quality: measured detection and reset times

<!-- Generated by `make alert-quality` (tests/alert_quality.rs). Do not edit. -->

Every SLO of the demo fleet (`slo-specs/`) gets synthetic series built by the generator of
sloforge's unit tests (`sloforge::compile::scenarios::synthesize`), and the real `promtool test
rules` of Prometheus {prom_version} evaluates two rule sets on them every minute: sloforge's generated rules
(`generated/rules/`) and the rules **Sloth {sloth_version}** generates for the same SLOs. Checks read
`ALERTS` over the whole scenario: every time below is measured, at the resolution of the
evaluation interval (1 min).

- **Sloth {sloth_version}**: `sloth generate` on a Sloth `prometheus/v1` spec the test writes from each demo
  spec — the SLI as Sloth's `events` error and total queries (or a `raw` error-ratio query for
  probes) with `[{{{{.window}}}}]` ranges, the same objective, Sloth's default page and ticket alerts
  and its default windows for the SLO's period (`--default-slo-period`). Sloth ships windows for 30d
  and 28d (the same 1h/5m and 6h/30m page pairs, 1d/2h and 3d/6h ticket pairs for both, spending 2 %,
  5 %, 10 % and 10 % of the budget), so the 7d SLO has no Sloth column. Sloth's page alert is one
  alert for both page pairs (its ticket alert likewise), without `for`.
- **sloforge**: per alert tier, *pending* when its condition first holds, *firing* after the tier's
  `for`, *reset* when it stops firing.
- **Workbook**: the SRE Workbook's theoretical value (ch. 5): an error ratio *r* trips a long
  window *L* with threshold *θ* after (*θ* / *r*) × *L*; the short window makes the alert reset
  within the short window once the errors stop.

"#
    );

    // Total outage.
    let _ = write!(
        doc,
        "## A total outage\n\nAfter a one-minute warm-up without traffic, {LEAD} minutes of clean traffic, a **total outage of {OUTAGE} \
         minutes**, then {RECOVERY} minutes of clean traffic again. The slow tiers' long windows hold only the {LEAD} minutes of clean \
         history before the outage here.\n\n"
    );
    let _ = writeln!(
        doc,
        "| SLO | objective / window | tier | detect, Workbook | sloforge pending | sloforge firing (`for`) | reset, Workbook | sloforge reset | Sloth page: firing | Sloth page: reset |"
    );
    doc.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for s in run
        .scenarios
        .iter()
        .filter(|s| matches!(s.kind, Kind::Outage))
    {
        let slo = s.slo;
        let ex = explained
            .iter()
            .find(|e| e.service == s.service && e.slo == slo.name)
            .unwrap();
        let theirs =
            sloth_expresses(slo).then(|| measure(&run.results, &s.theirs(SeverityKind::Page), s));
        for (i, a) in s.tiers().into_iter().enumerate() {
            let m = measure(&run.results, &s.ours(a), s);
            let t = ex.tiers.iter().find(|t| t.tier == a.tier).unwrap();
            let workbook = t
                .workbook_detection_total_outage_seconds
                .map_or_else(|| "never".into(), fmt_secs);
            let (sp, sr) = match (&theirs, i) {
                (None, _) => ("not expressible".to_string(), "".to_string()),
                (Some(m), 0) => (fmt_min(m.firing), fmt_reset(m, s.recovery)),
                (Some(_), _) => ("〃".into(), "〃".into()),
            };
            let _ = writeln!(
                doc,
                "{} {} | {} | {} ({}) | ≤ {} | {} | {} | {} |",
                tier_cells(&s.service, slo, a),
                workbook,
                fmt_min(m.pending),
                fmt_min(m.firing),
                a.for_,
                a.short_window,
                fmt_reset(&m, s.recovery),
                sp,
                sr
            );
        }
    }

    // Burns at twice each tier's factor.
    let _ = write!(
        doc,
        "\n## Burns at the Workbook's burn rates\n\nFor every page tier of every SLO, and for every tier of {} (a ticket burn \
         takes days of one-minute evaluations, over a minute of promtool each, so one 99.9 % / 30d SLO with all four tiers \
         stands for the fleet), a burn at **twice the tier's burn rate**: the Workbook's detection time is then half the long \
         window. Before the burn, clean traffic long enough that every window pair that can raise an alert of the tier's \
         severity (sloforge's tier, Sloth's pairs) trips when it would after any longer history: a pair with long window *L* \
         and threshold *θ* trips after (*θ* / *r*) × *L* of a burn at error ratio *r*, when *L* × (1 − *θ* / *r*) of its \
         window still holds clean traffic (at 30d: 4h45m before page-fast burns, whose Sloth page alert could also trip on \
         its 6h/30m pair; 2d12h before ticket-fast burns, for Sloth's 3d/6h pair). The burn lasts the tier's long window (half of \
         it for ticket tiers) plus its `for` and its short window; then clean traffic for one and a half times the longest short window of the \
         severity. Page burns have a sample every 15 s, like the outage; ticket burns one every {}: promtool's unit-test \
         engine loads at most 10,000 samples per query, fewer than Sloth's 3d window holds at 15 s (17,280). The Sloth \
         column is Sloth's alert of the tier's severity (page or ticket) on the same series.\n\n",
        TICKET_BURNS.join(", "),
        Duration::from_millis(15_000 * STRETCH)
    );
    let _ = writeln!(
        doc,
        "| SLO | objective / window | tier | error ratio | detect, Workbook | sloforge pending | sloforge firing (`for`) | reset, Workbook | sloforge reset | Sloth: firing | Sloth: reset |"
    );
    doc.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for s in run
        .scenarios
        .iter()
        .filter(|s| matches!(s.kind, Kind::Burn(_)))
    {
        let slo = s.slo;
        let a = s.tiers()[0];
        let m = measure(&run.results, &s.ours(a), s);
        let (sp, sr) = if sloth_expresses(slo) {
            let th = measure(&run.results, &s.theirs(a.severity_kind), s);
            (
                format!(
                    "{} ({})",
                    fmt_min(th.firing),
                    severity_name(a.severity_kind)
                ),
                fmt_reset(&th, s.recovery),
            )
        } else {
            ("not expressible".into(), String::new())
        };
        let _ = writeln!(
            doc,
            "{} {} ({}×) | {} | {} | {} ({}) | ≤ {} | {} | {} | {} |",
            tier_cells(&s.service, slo, a),
            s.ratio,
            Decimal::from_int(2).checked_mul(a.burn_rate).unwrap(),
            fmt_secs(a.long_window.as_millis() as f64 / 2000.0),
            fmt_min(m.pending),
            fmt_min(m.firing),
            a.for_,
            a.short_window,
            fmt_reset(&m, s.recovery),
            sp,
            sr
        );
    }

    // Sloth's factors for the periods it knows, for the reader.
    doc.push_str("\nSloth's burn factors, from its windows: ");
    let parts: Vec<String> = SLOTH_PERIODS
        .iter()
        .map(|p| {
            let f: Vec<String> = SLOTH_PAGE
                .iter()
                .chain(SLOTH_TICKET.iter())
                .map(|(s, l, pc)| {
                    format!(
                        "{}/{} {}×",
                        mins(*l),
                        mins(*s),
                        sloth_factor(*pc, mins(*p), *l)
                    )
                })
                .collect();
            format!("{}: {}", mins(*p), f.join(", "))
        })
        .collect();
    let _ = writeln!(doc, "{}.", parts.join("; "));
    doc.push_str(
        r#"
Why the numbers differ:

- Prometheus evaluates every minute, so nothing is detected in less than a minute: the first
  evaluation after an outage starts sees a whole bad minute, already more than 1.44 % of the hour.
- sloforge's windows sum the one-minute event rates recorded by earlier evaluations (`offset 1m`:
  no rule reads a sample of its own evaluation, which holds on every engine), so a window sees a
  change one evaluation after Sloth's, whose rules apply `rate()` to the raw counters up to the
  evaluation itself: at the same threshold sloforge's tier is pending about a minute after
  Sloth's alert fires, and resets about a minute later (`sloforge explain` adds that evaluation
  to the Workbook's figures).
- sloforge's tiers then wait their `for` before firing; Sloth's alerts have none.
- Sloth's page alert is one alert for both page pairs (its ticket alert likewise): once a burn has
  tripped the slower pair, the alert keeps firing until that pair's short window clears — 30
  minutes after an outage, hours after a long ticket burn — where each sloforge tier resolves on
  its own short window. With only an hour of history before the outage, the slow pair (30m and
  6h) also trips within minutes at 99.5 % and 99 %.
- Probes and gauges give one 0/1 verdict per sample: a burn's bad samples are spread evenly, so a
  window's error ratio moves one bad sample at a time. Both rule sets detect a probe burn a few
  minutes after an SLI of counters would, and a 5-minute short window flaps (*intermittent*). The
  freshness SLO's 1-minute short window holds one point of its gauge, bad at one point in seven
  at this burn: page-fast is pending at those minutes only and never lasts its 2m `for`.
- Sloth keeps the 30-day windows for a 28-day period and scales the factors instead (13.44× over
  1h); sloforge scales the windows with the period (56m/5m, 5h36m/28m, …) and keeps the Workbook's
  factors.
"#,
    );
    doc
}

/// The version of the Sloth module a `go install`ed binary was built from (`sloth version` of
/// such a build prints `dev`), from its build information.
fn sloth_version(sloth: &Path) -> String {
    let bytes = std::fs::read(sloth).unwrap();
    let needle = b"\nmod\tgithub.com/slok/sloth\t";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("sloth binary without Go build information");
    let rest = &bytes[at + needle.len()..];
    let end = rest
        .iter()
        .position(|b| *b == b'\t' || *b == b'\n')
        .unwrap();
    format!(
        "v{}",
        String::from_utf8_lossy(&rest[..end]).trim_start_matches('v')
    )
}

#[test]
fn committed_report_is_current() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let Some(sloth) = common::go_tool("sloth") else {
        return;
    };
    let root = common::root();
    let doc = report(&root, &promtool, &sloth);
    let path = root.join(DOC);
    if std::env::var_os("SLOFORGE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == doc,
        "{DOC} is out of date: run `make alert-quality`\n\n{doc}"
    );
}
