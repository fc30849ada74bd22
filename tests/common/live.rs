//! A real Prometheus (the 3.x LTS) on loopback holding 36 days of backfilled data that cross
//! a month boundary: the specs of tests/live/, their generated recording rules, and request
//! counters whose errors follow a known [`Timeline`] (clean traffic, a total outage before the
//! boundary, a bad stretch after it, a maintenance window with errors on the first Thursday
//! after it, a recovery, and a slow burn at the end).
//!
//! How the data is made: the counters are written as OpenMetrics and turned into blocks by
//! `promtool tsdb create-blocks-from openmetrics`; then the generated recording rules are
//! backfilled with `promtool tsdb create-blocks-from rules`, level by level (a rule reading
//! another rule's series needs that series backfilled first): each level is a rule file of its
//! own, evaluated by promtool against the running Prometheus at each group's own interval
//! (`interval:` of the group: 1m, and 1h for the hourly groups), and Prometheus is restarted
//! with the new blocks before the next level. Blocks span up to 162 hours (promtool's hidden
//! `--max-block-duration`), which keeps each range query under Prometheus's 11,000 points and
//! the number of blocks small. The levels of the window ratios, burn rates and budget
//! remaining are backfilled over the last 31 days only (nothing reads them earlier), those of
//! the event rates over all the data.
//!
//! As in Prometheus, a group evaluates at a phase within its interval that is a hash of its
//! name and file; the level files have fixed names, so every run has the same phases, and a
//! window that does not cover one uniform stretch is counted from the evaluation times the
//! rules actually had ([`LiveFleet::window_events`]), not from the minute before `now`.
//!
//! The data ends at [`LiveFleet::now`], ten days and eleven hours after the start of a month in
//! Europe/Berlin: the latest such instant before the real clock, so that the boundary and the
//! events around it sit at the same places whatever day the tests run. Commands evaluate at
//! that instant with `--at`.
//!
//! ```ignore
//! let Some(fleet) = common::live::LiveFleet::start() else { return };
//! let out = common::sloforge(&["status", "--prometheus", &fleet.url, "--at", &fleet.now.to_string(),
//!     fleet.specs.to_str().unwrap()], &fleet.specs);
//! let (errors, total) = fleet.timeline.events("shop", fleet.now - 30 * DAY, fleet.now);
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use super::loopback::{Proc, spawn_ready};

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;
/// Requests per second of every job, all the time.
pub const RATE: f64 = 10.0;
/// Days of data before [`LiveFleet::now`].
pub const DAYS: i64 = 36;
/// The zone of the month boundary (and of the calendar SLOs).
pub const ZONE: &str = "Europe/Berlin";
/// Blocks span at most this (promtool rounds it down to 162h, 9,720 one-minute steps).
const BLOCK: &str = "168h";
/// promtool processes backfilling one level side by side (each with its own rule file, so
/// each group keeps one evaluation phase): 20 s to set up instead of 28 s with one.
const PARALLEL: usize = 2;

/// A stretch of minutes with one error ratio: the minutes ending in `(from, to]`.
#[derive(Clone, Debug)]
pub struct Stretch {
    pub name: &'static str,
    pub from: i64,
    pub to: i64,
    pub error_ratio: f64,
}

/// The errors of one job (`job` label of `http_requests_total`): `baseline` outside its
/// stretches; a later stretch wins where two overlap.
#[derive(Clone, Debug)]
pub struct Job {
    pub name: &'static str,
    pub baseline: f64,
    pub stretches: Vec<Stretch>,
}

/// What the counters hold, in Unix seconds; every minute carries `RATE * 60` requests.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// The first sample.
    pub start: i64,
    /// The start of the month (Europe/Berlin) inside the data.
    pub boundary: i64,
    /// The last sample: the instant the tests evaluate at.
    pub now: i64,
    pub jobs: Vec<Job>,
}

impl Timeline {
    /// The timeline whose `now` is the latest "ten days and eleven hours into a month" not after
    /// `real_now` (Unix seconds).
    pub fn before(real_now: i64) -> Timeline {
        let tz = jiff::tz::TimeZone::get(ZONE).expect("the bundled time-zone database");
        let into = 10 * DAY + 11 * HOUR;
        let month = jiff::Timestamp::from_second(real_now - into)
            .unwrap()
            .to_zoned(tz)
            .first_of_month()
            .unwrap()
            .start_of_day()
            .unwrap();
        let b = month.timestamp().as_second();
        let now = b + into;
        let outage = b - 6 * DAY + 14 * HOUR;
        let outage = Stretch {
            name: "outage",
            from: outage,
            to: outage + 30 * MINUTE,
            error_ratio: 1.0,
        };
        // The maintenance: 02:00 to 04:00 local time on the first Thursday after the 1st, as
        // the calendar SLO of tests/live/shop.yaml excludes every Thursday.
        let mut day = month.checked_add(jiff::Span::new().days(1)).unwrap();
        while day.weekday() != jiff::civil::Weekday::Thursday {
            day = day.checked_add(jiff::Span::new().days(1)).unwrap();
        }
        let maintenance = day.with().hour(2).build().unwrap().timestamp().as_second();
        Timeline {
            start: now - DAYS * DAY,
            boundary: b,
            now,
            jobs: vec![
                Job {
                    name: "shop",
                    baseline: 0.0,
                    stretches: vec![
                        outage.clone(),
                        Stretch {
                            name: "bad-start",
                            from: b + 5 * HOUR,
                            to: b + 11 * HOUR,
                            error_ratio: 0.005,
                        },
                        Stretch {
                            name: "maintenance",
                            from: maintenance,
                            to: maintenance + 2 * HOUR,
                            error_ratio: 0.05,
                        },
                        Stretch {
                            name: "slow-burn",
                            from: now - 2 * HOUR,
                            to: now,
                            error_ratio: 0.0025,
                        },
                    ],
                },
                Job {
                    name: "payments",
                    baseline: 0.0,
                    stretches: vec![outage],
                },
                Job {
                    name: "search",
                    baseline: 0.0005,
                    stretches: vec![],
                },
            ],
        }
    }

    pub fn job(&self, name: &str) -> &Job {
        self.jobs
            .iter()
            .find(|j| j.name == name)
            .unwrap_or_else(|| panic!("no job {name} in the timeline"))
    }

    pub fn stretch(&self, job: &str, name: &str) -> &Stretch {
        self.job(job)
            .stretches
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no stretch {name} of {job}"))
    }

    /// The error ratio of the minute ending at `t`.
    pub fn error_ratio(&self, job: &str, t: i64) -> f64 {
        let j = self.job(job);
        j.stretches
            .iter()
            .rev()
            .find(|s| s.from < t && t <= s.to)
            .map_or(j.baseline, |s| s.error_ratio)
    }

    /// (errors, requests) of the minutes ending in `(from, to]` within the data.
    pub fn events(&self, job: &str, from: i64, to: i64) -> (f64, f64) {
        let per_minute = RATE * MINUTE as f64;
        let first = from.max(self.start) / MINUTE * MINUTE + MINUTE;
        let (mut errors, mut total) = (0.0, 0.0);
        let mut t = first;
        while t <= to.min(self.now) {
            errors += per_minute * self.error_ratio(job, t);
            total += per_minute;
            t += MINUTE;
        }
        (errors, total)
    }

    /// The budget left (ratio) of `job`'s 30-day rolling window ending at `at` with error
    /// budget `budget` (0.001 for 99.9 %), counted minute by minute; a window older than the
    /// data counts its errors against 30 days of traffic, as the rules do (issue #24).
    pub fn remaining(&self, job: &str, budget: f64, at: i64) -> f64 {
        let (errors, total) = self.events(job, at - 30 * DAY, at);
        let full = RATE * (30 * DAY) as f64;
        1.0 - errors / total.max(full) / budget
    }

    /// The counters as OpenMetrics text: `http_requests_total{job, code="200"|"500"}`, one
    /// sample a minute from `start` to `now`.
    pub fn openmetrics(&self) -> String {
        let per_minute = RATE * MINUTE as f64;
        let mut out = String::from("# TYPE http_requests counter\n");
        for job in &self.jobs {
            for code in ["200", "500"] {
                let mut count = 0.0;
                let mut t = self.start;
                while t <= self.now {
                    if t > self.start {
                        let errors = per_minute * self.error_ratio(job.name, t);
                        count += if code == "500" {
                            errors
                        } else {
                            per_minute - errors
                        };
                    }
                    let _ = writeln!(
                        out,
                        "http_requests_total{{job=\"{}\",code=\"{code}\"}} {count} {t}",
                        job.name
                    );
                    t += MINUTE;
                }
            }
        }
        out.push_str("# EOF\n");
        out
    }
}

/// The running Prometheus with the backfilled data, stopped when dropped.
pub struct LiveFleet {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub port: u16,
    /// The spec directory (tests/live/).
    pub specs: PathBuf,
    /// The generated rule files the data was backfilled with.
    pub rules: PathBuf,
    /// The end of the data (Unix seconds): evaluate at this instant (`--at`).
    pub now: i64,
    pub timeline: Timeline,
    /// How long [`LiveFleet::start`] took.
    pub setup: Duration,
    /// Field order matters: Prometheus stops before its directory goes.
    prometheus: Proc,
    pub dir: tempfile::TempDir,
}

impl LiveFleet {
    /// Builds the data and starts Prometheus on it; `None` (with a note on stderr) when
    /// `prometheus` or `promtool` of the LTS is not installed outside CI.
    pub fn start() -> Option<LiveFleet> {
        LiveFleet::start_with(&super::root().join("tests/live"))
    }

    /// As [`LiveFleet::start`], from the specs of `specs` (which must read `http_requests_total`
    /// of the timeline's jobs).
    pub fn start_with(specs: &Path) -> Option<LiveFleet> {
        let prometheus_bin = super::tool("prometheus")?;
        let promtool = super::tool("promtool")?;
        let began = Instant::now();
        let real_now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let timeline = Timeline::before(real_now);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (data, generated) = (d.join("data"), d.join("generated"));
        fs::create_dir_all(&data).unwrap();

        let out = Command::new(env!("CARGO_BIN_EXE_sloforge"))
            .args(["generate", "--no-tests", "--no-dashboards", "--no-runbooks"])
            .arg(specs)
            .arg("-o")
            .arg(&generated)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sloforge generate {}: {}",
            specs.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let rules = generated.join("rules");
        let levels = rule_levels(&rules);

        let om = d.join("counters.om");
        fs::write(&om, timeline.openmetrics()).unwrap();
        let mut t = Instant::now();
        super::run_ok(
            Command::new(&promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
                .arg(format!("--max-block-duration={BLOCK}"))
                .arg(&om)
                .arg(&data),
        );
        eprintln!("live: counters as blocks in {:.1?}", t.elapsed());

        let config = d.join("prometheus.yml");
        fs::write(&config, "global:\n  evaluation_interval: 1m\n").unwrap();
        let spawn = || {
            spawn_ready("prometheus", &prometheus_bin, d, &|port| {
                vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.tsdb.path={}", data.display()),
                    "--storage.tsdb.retention.time=3650d".into(),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                ]
            })
        };
        let (mut prometheus, mut port) = spawn();
        for (i, level) in levels.iter().enumerate() {
            t = Instant::now();
            let blocks = d.join(format!("level{}", i + 1));
            // The event rates (and the local time a calendar SLO reads) over all the data; the
            // window ratios and what reads them only matter within the last window.
            let events = level["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|g| g["rules"].as_array().into_iter().flatten())
                .filter_map(|r| r["record"].as_str())
                .any(|r| {
                    ["slo:sli_events:", "slo:sli_coverage:", "slo:local_time:"]
                        .iter()
                        .any(|p| r.starts_with(p))
                });
            let from = if events {
                timeline.start
            } else {
                timeline.now - 31 * DAY
            };
            // The groups in PARALLEL files, backfilled side by side.
            let groups = level["groups"].as_array().cloned().unwrap_or_default();
            let children: Vec<_> = (0..PARALLEL)
                .map(|k| {
                    let part: Vec<&Json> = groups.iter().skip(k).step_by(PARALLEL).collect();
                    // A relative path: a group's evaluation phase within its interval is a
                    // hash of its name and file, so it is the same in every run.
                    let file = format!("level{}-{k}.rules.json", i + 1);
                    let text = serde_json::to_string_pretty(&json!({ "groups": part })).unwrap();
                    fs::write(d.join(&file), text).unwrap();
                    (!part.is_empty()).then(|| {
                        Command::new(&promtool)
                            .current_dir(d)
                            .args(["tsdb", "create-blocks-from", "rules", "-q"])
                            .arg(format!("--max-block-duration={BLOCK}"))
                            .arg(format!("--url=http://127.0.0.1:{port}"))
                            .arg(format!("--start={from}"))
                            .arg(format!("--end={}", timeline.now))
                            .arg(format!(
                                "--output-dir={}",
                                blocks.join(k.to_string()).display()
                            ))
                            .arg(&file)
                            .stdout(Stdio::piped())
                            .stderr(Stdio::piped())
                            .spawn()
                            .expect("start promtool")
                    })
                })
                .collect();
            for child in children.into_iter().flatten() {
                let out = child.wait_with_output().expect("wait for promtool");
                assert!(
                    out.status.success(),
                    "promtool tsdb create-blocks-from rules (level {}): {}{}",
                    i + 1,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            drop(prometheus);
            for part in fs::read_dir(&blocks).unwrap() {
                for b in fs::read_dir(part.unwrap().path()).unwrap() {
                    let b = b.unwrap().path();
                    fs::rename(&b, data.join(b.file_name().unwrap())).unwrap();
                }
            }
            (prometheus, port) = spawn();
            eprintln!(
                "live: rule level {} ({} rules) backfilled in {:.1?}",
                i + 1,
                level["groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g["rules"].as_array().unwrap().len())
                    .sum::<usize>(),
                t.elapsed()
            );
        }

        let fleet = LiveFleet {
            url: format!("http://127.0.0.1:{port}"),
            port,
            specs: specs.to_path_buf(),
            rules,
            now: timeline.now,
            timeline,
            setup: began.elapsed(),
            prometheus,
            dir,
        };
        // Every SLO has its budget at `now`.
        let remaining = fleet.query("slo:error_budget_remaining:ratio");
        let services: BTreeSet<&str> = remaining
            .iter()
            .filter_map(|(m, _)| m["service"].as_str())
            .collect();
        for job in &fleet.timeline.jobs {
            assert!(
                services.contains(job.name),
                "no budget of {} at {}: {remaining:?}",
                job.name,
                fleet.now
            );
        }
        eprintln!(
            "live: Prometheus on {} with {} days of data up to {} ({}), ready in {:.1?}",
            fleet.url,
            DAYS,
            fleet.now,
            super::utc(fleet.now),
            fleet.setup
        );
        let _ = &fleet.prometheus;
        Some(fleet)
    }

    /// An instant query at [`LiveFleet::now`]: (labels, value) per series.
    pub fn query(&self, q: &str) -> Vec<(Json, f64)> {
        self.query_at(q, self.now)
    }

    /// The events (errors, requests) behind the burn rate over `window` (of `secs` seconds) of
    /// `job`'s SLO `slo` recorded last before [`LiveFleet::now`], counted from the timeline.
    /// Each level of rules was backfilled as a group of its own, which evaluates at its own
    /// phase within the minute (a hash of its name and file, as in Prometheus), so the window
    /// does not end on the minute: the burn rate evaluated at `T3` reads the ratio evaluated
    /// last at `T2 ≤ T3`, which sums the 1-minute rates recorded in `(T2 − 1m − secs, T2 − 1m]`;
    /// the rate recorded at `T1` counts the minute ending at `T1` rounded down to the minute.
    pub fn window_events(&self, job: &str, slo: &str, window: &str, secs: i64) -> (f64, f64) {
        let sel = format!("service=\"{job}\",slo=\"{slo}\"");
        let stamp = |q: &str, at: f64| -> f64 {
            let r = super::loopback::query_at(self.port, &format!("timestamp({q})"), at);
            assert_eq!(r.len(), 1, "timestamp({q}) at {at}: {r:?}");
            r[0].1
        };
        let burn = stamp(
            &format!("slo:burn_rate:ratio{{{sel},window=\"{window}\"}}"),
            self.now as f64,
        );
        let ratio = stamp(
            &format!("slo:sli_error:ratio{{{sel},window=\"{window}\"}}"),
            burn,
        );
        let rate = stamp(
            &format!("slo:sli_events:rate1m{{{sel},event=\"total\"}}"),
            ratio,
        );
        let ms = |t: f64| (t * 1000.0).round() as i64;
        // Minutes ending in (to − secs, to], in milliseconds before rounding.
        let to = ms(ratio) - 60_000 - ms(rate).rem_euclid(60_000);
        let from = to - secs * 1000;
        self.timeline
            .events(job, from.div_euclid(1000), to.div_euclid(1000))
    }

    /// An instant query at `at` (Unix seconds): (labels, value) per series.
    pub fn query_at(&self, q: &str, at: i64) -> Vec<(Json, f64)> {
        super::loopback::query_at(self.port, q, at as f64)
    }
}

/// The recording rules of the rule files in `dir`, split by dependency level: level 1 reads
/// only raw series, level n reads series recorded at level n − 1 or below. Each level is a rule
/// file (as JSON) with the groups (name and interval kept) that have rules at that level;
/// alerting rules are left out (promtool does not backfill them).
pub fn rule_levels(dir: &Path) -> Vec<Json> {
    #[derive(serde::Deserialize)]
    struct File {
        groups: Vec<Group>,
    }
    #[derive(serde::Deserialize)]
    struct Group {
        name: String,
        #[serde(default)]
        interval: Option<String>,
        rules: Vec<Json>,
    }
    let mut groups = Vec::new();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let file: File =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        groups.extend(file.groups);
    }
    let rules: Vec<(usize, &Json)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| group.rules.iter().map(move |r| (g, r)))
        .filter(|(_, r)| r.get("record").is_some())
        .collect();
    let records: BTreeSet<&str> = rules
        .iter()
        .map(|(_, r)| r["record"].as_str().unwrap())
        .collect();
    let reads = |expr: &str, name: &str| {
        expr.match_indices(name).any(|(i, _)| {
            let before = expr[..i].chars().next_back();
            let after = expr[i + name.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "_:".contains(c));
            !word(before) && !word(after)
        })
    };
    let deps: Vec<Vec<&str>> = rules
        .iter()
        .map(|(_, r)| {
            let expr = r["expr"].as_str().unwrap();
            records.iter().copied().filter(|n| reads(expr, n)).collect()
        })
        .collect();
    let mut level = vec![1usize; rules.len()];
    for _ in 0..=rules.len() {
        let mut of_name: BTreeMap<&str, usize> = BTreeMap::new();
        for ((_, r), l) in rules.iter().zip(&level) {
            let e = of_name.entry(r["record"].as_str().unwrap()).or_default();
            *e = (*e).max(*l);
        }
        let next: Vec<usize> = deps
            .iter()
            .map(|ds| 1 + ds.iter().map(|n| of_name[n]).max().unwrap_or(0))
            .collect();
        if next == level {
            break;
        }
        level = next;
    }
    let top = level.iter().copied().max().unwrap_or(0);
    (1..=top)
        .map(|l| {
            let mut out: Vec<Json> = Vec::new();
            for (g, group) in groups.iter().enumerate() {
                let here: Vec<Json> = rules
                    .iter()
                    .zip(&level)
                    .filter(|((gi, _), rl)| *gi == g && **rl == l)
                    .map(|((_, r), _)| (*r).clone())
                    .collect();
                if !here.is_empty() {
                    let mut group_json = json!({"name": group.name, "rules": here});
                    if let Some(i) = &group.interval {
                        group_json["interval"] = json!(i);
                    }
                    out.push(group_json);
                }
            }
            json!({ "groups": out })
        })
        .collect()
}
