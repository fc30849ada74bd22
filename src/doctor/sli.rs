//! Checks of one SLO's SLI against the live series: every selector returns series (D001), the
//! errors are among the total's series (D002), the latency threshold is a bucket bound (D003)
//! of classic buckets that exist (D004), and the series are scraped at the interval the settings
//! assume (D005, [`super::interval`]).

use std::collections::{BTreeMap, BTreeSet};

use promql_parser::parser::Expr;

use super::Server;
use super::api::Client;
use super::report::{Code, Section, api_failed};
use crate::model::{Counter, HistogramKind, Settings, Sli, Slo};
use crate::syntax::promql;

/// Every vector selector of `e` (those inside range selectors too), without `offset` or `@`,
/// as PromQL text.
pub fn selectors_of(e: &Expr) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    promql::for_each_selector(e, |vs| {
        let mut plain = vs.clone();
        plain.offset = None;
        plain.at = None;
        let text = plain.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    });
    out
}

/// The selectors of an SLI by their role (`errors`, `total`, `_count`, …), and which one is
/// read for the scrape interval.
struct Selectors {
    roles: Vec<(&'static str, String)>,
    raw: Option<String>,
}

fn latency_selectors(metric: &str, matchers: &str) -> (String, String, String) {
    let inner = matchers.trim_start_matches('{').trim_end_matches('}');
    (
        format!("{metric}_count{{{inner}}}"),
        format!("{metric}_bucket{{{inner}}}"),
        format!("{metric}{{{inner}}}"),
    )
}

fn sli_selectors(sli: &Sli) -> Selectors {
    let mut roles = Vec::new();
    let mut add = |role: &'static str, e: &Expr| {
        for s in selectors_of(e) {
            roles.push((role, s));
        }
    };
    match sli {
        Sli::Ratio { errors, total } => {
            match errors {
                Counter::Errors(e) => add("errors", e),
                Counter::Good(g) => add("good", g),
            }
            add("total", total);
        }
        Sli::Latency {
            metric,
            matchers,
            histogram: HistogramKind::Native,
            ..
        } => {
            let (_, _, native) = latency_selectors(metric, matchers);
            roles.push(("histogram", native));
        }
        Sli::Latency {
            metric, matchers, ..
        } => {
            let (count, bucket, _) = latency_selectors(metric, matchers);
            roles.push(("_count", count));
            roles.push(("_bucket", bucket));
        }
        Sli::Probe { selector } => add("probe", selector),
        Sli::WindowedEvents { errors, total } => {
            add("errors", errors);
            add("total", total);
        }
        Sli::RawRatio { ratio } => add("ratio", ratio),
    }
    let raw = roles
        .iter()
        .find(|(r, _)| matches!(*r, "total" | "_count" | "probe" | "histogram"))
        .or(roles.first())
        .map(|(_, s)| s.clone());
    Selectors { roles, raw }
}

/// The number of series `selector` selects now, `None` when the query failed (reported).
fn count(c: &Client, selector: &str, sec: &mut Section) -> Option<u64> {
    match c.instant(&format!("count({selector})")) {
        Ok(v) => Some(v.first().map_or(0, |s| s.value as u64)),
        Err(e) => {
            api_failed(sec, &format!("counting the series of `{selector}`"), &e);
            None
        }
    }
}

/// Runs the SLI checks of one SLO into `sec`.
pub fn check(server: &Server, slo: &Slo, settings: &Settings, sec: &mut Section) {
    let c = &server.prometheus;
    let sels = sli_selectors(&slo.sli);
    let mut empty: BTreeSet<&str> = BTreeSet::new();
    let mut found = 0;
    for (role, s) in &sels.roles {
        let Some(n) = count(c, s, sec) else {
            empty.insert(role);
            continue;
        };
        if n > 0 {
            found += 1;
            continue;
        }
        empty.insert(role);
        if *role == "_bucket" {
            // Reported by the classic-bucket check below.
            continue;
        }
        let (hint, metric_exists) = name_hint(server, s);
        let fix = "correct the metric name or label matchers in the spec (or the exporter/relabelling), so that the selector matches the series Prometheus scrapes";
        if *role == "errors" && metric_exists {
            // Client libraries create an error series with the first error: none yet is
            // normal, and the rules count a missing errors series as no errors.
            sec.warn(
                Code::NoSeries,
                format!("the errors selector `{s}` returns no series{hint} (no errors counted yet, or wrong matchers)"),
                format!("if errors have happened, {fix}"),
            );
        } else {
            sec.error(
                Code::NoSeries,
                format!("the {role} selector `{s}` returns no series{hint}"),
                fix.into(),
            );
        }
    }
    if found == sels.roles.len() {
        sec.pass(format!("{found} selector(s) return series"));
    }
    if let Sli::Latency {
        metric,
        matchers,
        le,
        histogram: HistogramKind::Classic,
        ..
    } = &slo.sli
        && !empty.contains("_count")
    {
        latency(c, metric, matchers, le, empty.contains("_bucket"), sec);
    }
    if let Sli::Ratio { errors, total } = &slo.sli {
        let (role, part) = match errors {
            Counter::Errors(e) => ("errors", e),
            Counter::Good(g) => ("good", g),
        };
        if !empty.contains(role) && !empty.contains("total") {
            subset(c, role, part, total, sec);
        }
    }
    if let Some(raw) = &sels.raw
        && !sels
            .roles
            .iter()
            .any(|(r, s)| s == raw && empty.contains(r))
    {
        super::interval::check(server, raw, settings, sec);
        if let Some(g) = &slo.grouping {
            groups(c, raw, g, sec);
        }
    }
}

/// The live groups of a grouped SLO: how many value sets of its group labels the SLI's series
/// (`raw`: its total, `_count` or probe selector) carry now, against `max_groups`, and series
/// without a group label (they make a group of their own, with the label empty).
fn groups(c: &Client, raw: &str, g: &crate::model::Grouping, sec: &mut Section) {
    let by = g.labels.join(", ");
    let q = format!("count(count by ({by}) ({raw}))");
    let n = match c.instant(&q) {
        Ok(v) => v.first().map_or(0, |s| s.value as u64),
        Err(e) => {
            api_failed(sec, &format!("counting the groups of `{raw}`"), &e);
            return;
        }
    };
    if n > g.max_groups {
        sec.error(
            Code::Groups,
            format!(
                "`{raw}` has {n} groups by {by}, more than max_groups ({}): the too-many-groups alert fires",
                g.max_groups
            ),
            "check that the group labels have a bounded set of values (no request or user IDs), or raise `max_groups`".into(),
        );
    } else {
        sec.pass(format!(
            "{n} group(s) by {by} (max_groups {})",
            g.max_groups
        ));
    }
    for l in &g.labels {
        let sel = with_empty_label(raw, l);
        if let Ok(v) = c.instant(&format!("count({sel})"))
            && let Some(s) = v.first()
            && s.value > 0.0
        {
            sec.warn(
                Code::Groups,
                format!(
                    "{} series of `{raw}` have no label `{l}`: together they are one group with `{l}` empty",
                    s.value as u64
                ),
                format!("add `{l}` to those series (exporter or relabelling), or narrow the selector to the series that have it"),
            );
        }
    }
}

/// `selector` with the matcher `label=""` added (its series without the label).
fn with_empty_label(selector: &str, label: &str) -> String {
    match selector.strip_suffix('}') {
        Some(head) if head.ends_with('{') => format!("{head}{label}=\"\"}}"),
        Some(head) => format!("{head},{label}=\"\"}}"),
        None => format!("{selector}{{{label}=\"\"}}"),
    }
}

/// Why a selector that returns no series does so: `: metric … exists, but …` or `: there is
/// no metric …; did you mean …?`, and whether its metric exists on the server.
fn name_hint(server: &Server, selector: &str) -> (String, bool) {
    let Ok(Expr::VectorSelector(vs)) = promql::parse(selector) else {
        return (String::new(), false);
    };
    let Some(name) = vs.name.clone() else {
        return (String::new(), false);
    };
    let names = server.metric_names();
    if names.contains(&name) {
        return (
            format!(": metric `{name}` exists, but none of its series match the label matchers"),
            true,
        );
    }
    let limit = (name.len() / 5).max(2);
    let mut near: Vec<(usize, &String)> = names
        .iter()
        .map(|n| (edit_distance(&name, n), n))
        .filter(|(d, _)| *d <= limit)
        .collect();
    near.sort();
    let hint = match near.first() {
        Some((_, n)) => format!(": there is no metric `{name}`; did you mean `{n}`?"),
        None => format!(": there is no metric `{name}` on the server"),
    };
    (hint, false)
}

/// Levenshtein distance of two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let v = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// D004 (no classic buckets) and D003 (no bucket at the threshold).
fn latency(
    c: &Client,
    metric: &str,
    matchers: &str,
    le: &str,
    no_buckets: bool,
    sec: &mut Section,
) {
    let (count_sel, bucket_sel, native_sel) = latency_selectors(metric, matchers);
    if no_buckets {
        let native = count(c, &native_sel, sec).unwrap_or(0) > 0;
        let why = if native {
            format!(" (`{native_sel}` is a native histogram)")
        } else {
            String::new()
        };
        sec.error(
            Code::ClassicBuckets,
            format!("`{count_sel}` has series but `{bucket_sel}` has none{why}: the SLI reads classic buckets"),
            "keep the classic buckets: set `always_scrape_classic_histograms: true` on the scrape job (Prometheus 2: `scrape_classic_histograms: true`) where native histograms are scraped, or drop the relabelling that removes `_bucket` series; or, where the rules run on Prometheus 3 only, read the native histogram: `histogram: native` in the SLI and `engines: [prometheus-3]` in the Defaults document".into(),
        );
        return;
    }
    let les = match c.instant(&format!("count by (le) ({bucket_sel})")) {
        Ok(v) => v
            .into_iter()
            .filter_map(|s| s.labels.get("le").cloned())
            .collect::<BTreeSet<String>>(),
        Err(e) => {
            api_failed(sec, &format!("reading the buckets of `{bucket_sel}`"), &e);
            return;
        }
    };
    let spellings = promql::le_spellings(le);
    let matches = |v: &str| spellings.iter().any(|s| s == v);
    if les.iter().any(|v| matches(v)) {
        sec.pass(format!("bucket le=\"{le}\" exists"));
        return;
    }
    let target: f64 = le.parse().unwrap_or(f64::NAN);
    let mut bounds: Vec<(f64, &String)> = les
        .iter()
        .filter_map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| (x, v))
        })
        .collect();
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let list: Vec<String> = bounds.iter().map(|(_, v)| format!("\"{v}\"")).collect();
    let same = bounds.iter().find(|(x, _)| *x == target);
    let (message, fix) = match same {
        Some((_, v)) => (
            format!(
                "`{bucket_sel}` has the threshold's bucket as le=\"{v}\", which the rules' le=\"{le}\" does not match"
            ),
            format!(
                "have the exporter write the bound as \"{le}\" (Prometheus 3 normalises classic bucket bounds when it scrapes them)"
            ),
        ),
        None => {
            let nearest = bounds
                .iter()
                .min_by(|a, b| (a.0 - target).abs().total_cmp(&(b.0 - target).abs()))
                .map(|(_, v)| v.as_str());
            (
                format!(
                    "`{bucket_sel}` has no bucket at the threshold le=\"{le}\"; the server has le {}",
                    if list.is_empty() {
                        "(none but +Inf)".into()
                    } else {
                        list.join(", ")
                    }
                ),
                match nearest {
                    Some(n) => format!(
                        "set the latency threshold to a bucket bound the histogram has (nearest: {n}s), or add a {le}s bucket to the histogram"
                    ),
                    None => format!("add a {le}s bucket to the histogram"),
                },
            )
        }
    };
    sec.error(Code::ThresholdBucket, message, fix);
}

/// D002: every series of `part` (errors or good) agrees with some series of `total` on every
/// label both sides have.
///
/// Why this is sound: the rules divide Σ`part` by Σ`total`, which means something only when
/// each event `part` counts is also counted by `total`. Labels that only one side carries
/// (`reason` on an errors-only metric, say) say nothing about that and are left out; a label
/// both carry (`job`, `instance`, `code`, …) identifies where an event was counted, so a
/// `part` series whose values on those labels no `total` series has counts events that
/// `total` does not (another job, a status code that total's matchers exclude). The check
/// reads the current series of both expressions as the spec writes them (aggregations
/// included), so it compares what the rules compare. It cannot see events that fall into a
/// total series with the same labels but a different meaning; that needs knowledge of the
/// metrics, not of their labels.
fn subset(c: &Client, role: &str, part: &Expr, total: &Expr, sec: &mut Section) {
    let read = |e: &Expr, sec: &mut Section| match c.instant(&e.to_string()) {
        Ok(v) => Some(v),
        Err(err) => {
            api_failed(sec, &format!("reading the {role} and total series"), &err);
            None
        }
    };
    let Some(p) = read(part, sec) else { return };
    let Some(t) = read(total, sec) else { return };
    let p: Vec<BTreeMap<String, String>> = p.into_iter().map(|s| s.labels).collect();
    let t: Vec<BTreeMap<String, String>> = t.into_iter().map(|s| s.labels).collect();
    let missing = not_covered(&p, &t);
    if missing.is_empty() {
        sec.pass(format!("{role} series are among total's"));
        return;
    }
    let shown: Vec<String> = missing.iter().take(3).map(format_labels).collect();
    let more = if missing.len() > 3 {
        format!(" and {} more", missing.len() - 3)
    } else {
        String::new()
    };
    sec.error(
        Code::NotSubset,
        format!(
            "{} of {} {role} series have no total series with the same shared labels: {}{more}",
            missing.len(),
            p.len(),
            shown.join(", ")
        ),
        format!("make the total selector select every series the {role} selector does (the same job, no matcher that excludes {role})"),
    );
}

/// The series of `part` that no series of `total` agrees with on the labels both sides carry
/// (the metric name left out), projected on those labels.
pub fn not_covered(
    part: &[BTreeMap<String, String>],
    total: &[BTreeMap<String, String>],
) -> Vec<BTreeMap<String, String>> {
    let names = |v: &[BTreeMap<String, String>]| -> BTreeSet<String> {
        v.iter()
            .flat_map(|l| l.keys().cloned())
            .filter(|k| k != "__name__")
            .collect()
    };
    let shared: BTreeSet<String> = names(part).intersection(&names(total)).cloned().collect();
    let project = |l: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        shared
            .iter()
            .map(|k| (k.clone(), l.get(k).cloned().unwrap_or_default()))
            .collect()
    };
    let have: BTreeSet<BTreeMap<String, String>> = total.iter().map(project).collect();
    let mut out: Vec<BTreeMap<String, String>> = part
        .iter()
        .map(project)
        .filter(|p| !have.contains(p))
        .collect();
    out.dedup();
    out
}

fn format_labels(l: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = l.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn subset_on_shared_labels() {
        let total = [
            l(&[("__name__", "req"), ("job", "a"), ("code", "200")]),
            l(&[("__name__", "req"), ("job", "a"), ("code", "503")]),
        ];
        let ok = [l(&[("__name__", "req"), ("job", "a"), ("code", "503")])];
        assert!(not_covered(&ok, &total).is_empty());
        // A label only the errors carry is left out.
        let extra = [l(&[("__name__", "err"), ("job", "a"), ("reason", "x")])];
        assert!(not_covered(&extra, &total).is_empty());
        let other_job = [l(&[("job", "b"), ("code", "503")])];
        assert_eq!(
            not_covered(&other_job, &total),
            vec![l(&[("job", "b"), ("code", "503")])]
        );
    }

    #[test]
    fn selectors_and_distance() {
        let e =
            promql::parse(r#"sum without (instance) (rate(a{j="1"}[5m] offset 1m)) / b"#).unwrap();
        assert_eq!(selectors_of(&e), vec![r#"a{j="1"}"#, "b"]);
        assert_eq!(
            edit_distance("http_requests_totl", "http_requests_total"),
            1
        );
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
