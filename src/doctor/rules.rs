//! Checks of what the rules need from the server: retention that covers what they read back
//! (D006, D007), and the generated rule groups loaded, healthy (D008, D009) and writing their
//! series (D010).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::Server;
use super::report::{Code, Section};
use crate::compile::rules::{Rule, RuleGroup};
use crate::model::{Duration, Settings, Slo};
use crate::names::{self, label};
use crate::syntax::promql;

/// Prometheus' time retention when neither retention flag is set.
const DEFAULT_RETENTION: Duration = Duration::from_secs(15 * 86_400);

/// Prometheus' retention, as its flags say.
#[derive(Debug, Clone, PartialEq)]
pub struct Retention {
    pub time: Duration,
    /// `storage.tsdb.retention.size` when set (not `0B`).
    pub size: Option<String>,
    /// The time is the default because no flag sets it.
    pub defaulted: bool,
}

/// Reads retention from `/api/v1/status/flags` (`storage.tsdb.retention.time`, the older
/// `storage.tsdb.retention`, and `storage.tsdb.retention.size`).
pub fn retention_of(flags: &Json) -> Result<Retention, String> {
    let flag = |k: &str| flags[k].as_str().map(str::trim).filter(|v| !v.is_empty());
    let size = flag("storage.tsdb.retention.size")
        .filter(|v| !v.chars().all(|c| c == '0' || c.is_ascii_alphabetic()))
        .map(ToString::to_string);
    let set = [
        flag("storage.tsdb.retention.time"),
        flag("storage.tsdb.retention"),
    ]
    .into_iter()
    .flatten()
    .map(|v| Duration::parse(v).map_err(|e| format!("retention `{v}`: {e:?}")))
    .collect::<Result<Vec<Duration>, String>>()?
    .into_iter()
    .find(|d| d.as_millis() > 0);
    Ok(match set {
        Some(time) => Retention {
            time,
            size,
            defaulted: false,
        },
        // With only a size limit Prometheus keeps data until the size is reached.
        None => Retention {
            time: DEFAULT_RETENTION,
            defaulted: size.is_none(),
            size,
        },
    })
}

/// What the rules of `slo` read back: its longest window, plus the coarse step when that window
/// averages coarse rates (else one evaluation interval, the offset every window is read at).
pub fn needed_retention(slo: &Slo, settings: &Settings) -> Duration {
    let mut longest = slo.ratio_windows().into_iter().max().unwrap_or(slo.window);
    if let Some(c) = &slo.calendar {
        // The period's coarse rates are read over its longest length.
        longest = longest.max(c.period.longest());
    }
    let extra = if longest > settings.fine_limit() {
        settings.coarse_step()
    } else {
        settings.evaluation_interval
    };
    Duration::from_millis(longest.as_millis() + extra.as_millis())
}

/// D006 for one SLO.
pub fn check_retention(r: &Retention, slo: &Slo, settings: &Settings, sec: &mut Section) {
    let need = needed_retention(slo, settings);
    if r.time >= need {
        sec.pass(format!("retention {} covers {need}", r.time));
        return;
    }
    sec.error(
        Code::Retention,
        format!(
            "retention is {}{}, shorter than the {} window plus what the rules look back ({need} in all): the error budget over the SLO window is computed from data Prometheus has already deleted",
            r.time,
            if r.defaulted { " (the default)" } else { "" },
            slo.window
        ),
        format!("start Prometheus with --storage.tsdb.retention.time={need} or longer (or record the SLO in long-term storage and point doctor at it)"),
    );
}

/// D007: a size limit can delete data before the time retention does.
pub fn check_retention_size(r: &Retention, sec: &mut Section) {
    if let Some(size) = &r.size {
        sec.warn(
            Code::RetentionSize,
            format!("Prometheus also deletes data beyond --storage.tsdb.retention.size={size}: the SLO windows are covered only while the data stays under that size"),
            "check that the TSDB holds the longest SLO window under the size limit (`prometheus_tsdb_lowest_timestamp_seconds`), or raise the limit".into(),
        );
    }
}

/// A loaded rule group, as `/api/v1/rules` reports it.
#[derive(Debug, Clone, Default)]
pub struct LoadedGroup {
    pub rules: Vec<String>,
    /// `(rule, why)` of every rule whose health is not `ok` or that has a `lastError`.
    pub unhealthy: Vec<(String, String)>,
    /// Whether the group has been evaluated at least once.
    pub evaluated: bool,
}

/// The loaded rule groups by name, from the `data` of `/api/v1/rules`.
pub fn loaded_groups(data: &Json) -> Result<BTreeMap<String, LoadedGroup>, String> {
    let Some(groups) = data["groups"].as_array() else {
        return Err("the answer has no `groups` list".into());
    };
    let mut out = BTreeMap::new();
    for g in groups {
        let Some(name) = g["name"].as_str() else {
            continue;
        };
        let mut lg = LoadedGroup {
            evaluated: g["lastEvaluation"]
                .as_str()
                .is_some_and(|t| !t.starts_with("0001-")),
            ..LoadedGroup::default()
        };
        for r in g["rules"].as_array().into_iter().flatten() {
            let rule = r["name"].as_str().unwrap_or("?").to_string();
            let health = r["health"].as_str().unwrap_or("");
            let error = r["lastError"].as_str().unwrap_or("");
            if !error.is_empty() {
                lg.unhealthy.push((rule.clone(), error.to_string()));
            } else if health != "ok" && (health != "unknown" || lg.evaluated) {
                lg.unhealthy
                    .push((rule.clone(), format!("health `{health}`")));
            }
            lg.rules.push(rule);
        }
        out.insert(name.to_string(), lg);
    }
    Ok(out)
}

fn rule_name(r: &Rule) -> &str {
    match r {
        Rule::Record(r) => &r.record,
        Rule::Alert(a) => &a.alert,
    }
}

/// D008 and D009 for the generated groups of one SLO. Returns the recorded series names to look
/// for (D010, [`check_records`]) once every group is loaded, healthy and has run: a record of
/// the SLO's group can read the coarse group's records, which exist only after the coarse
/// group's first evaluation (up to its interval after a reload).
pub fn check_groups(
    loaded: &BTreeMap<String, LoadedGroup>,
    groups: &[RuleGroup],
    sec: &mut Section,
) -> Vec<String> {
    let mut ok = 0;
    let mut not_run = Vec::new();
    for g in groups {
        let Some(l) = loaded.get(&g.name) else {
            sec.error(
                Code::GroupMissing,
                format!("rule group `{}` is not loaded", g.name),
                "add the generated rule file to `rule_files` in prometheus.yml (or load it into the ruler) and reload Prometheus; `promtool check rules` shows why a file is refused".into(),
            );
            continue;
        };
        let want: BTreeSet<&str> = g.rules.iter().map(rule_name).collect();
        let have: BTreeSet<&str> = l.rules.iter().map(String::as_str).collect();
        let mut healthy = true;
        if want != have {
            healthy = false;
            let missing: Vec<&str> = want.difference(&have).copied().collect();
            let extra: Vec<&str> = have.difference(&want).copied().collect();
            sec.error(
                Code::GroupUnhealthy,
                format!(
                    "rule group `{}` differs from the generated one (missing: [{}]; not generated: [{}])",
                    g.name,
                    missing.join(", "),
                    extra.join(", ")
                ),
                "deploy the rule files `sloforge generate` writes now, and reload Prometheus".into(),
            );
        }
        for (rule, why) in l.unhealthy.iter().take(3) {
            healthy = false;
            sec.error(
                Code::GroupUnhealthy,
                format!("rule `{rule}` of group `{}` fails: {why}", g.name),
                "fix what the error names (often a series with duplicate labels, or a rule the server's version does not support), then reload".into(),
            );
        }
        if healthy {
            ok += 1;
            if !l.evaluated {
                not_run.push(format!("`{}`", g.name));
            }
        }
    }
    if ok < groups.len() {
        return Vec::new();
    }
    sec.pass(format!("{ok} rule group(s) loaded and healthy"));
    if !not_run.is_empty() {
        sec.pass(format!(
            "recorded series not checked yet: {} not run since loaded",
            not_run.join(", ")
        ));
        return Vec::new();
    }
    let mut records: Vec<String> = Vec::new();
    for r in groups.iter().flat_map(|g| &g.rules) {
        if let Rule::Record(rec) = r
            && !records.contains(&rec.record)
        {
            records.push(rec.record.clone());
        }
    }
    records
}

/// D010: every record of the SLO's evaluated groups has a series with its `service` and `slo`:
/// an error for the raw event rates, a warning for the records that read earlier records.
pub fn check_records(
    server: &Server,
    slo: &Slo,
    settings: &Settings,
    records: &[String],
    sec: &mut Section,
) {
    if records.is_empty() {
        return;
    }
    let alternatives: Vec<String> = records.iter().map(|r| regex::escape(r)).collect();
    let alt = alternatives.join("|");
    let sel = promql::selector(
        "",
        [
            (label::SERVICE, slo.service.as_str()),
            (label::SLO, slo.name.as_str()),
        ],
    );
    let q = format!(
        "count by (__name__) ({{__name__=~{}, {}}})",
        promql::string_literal(&alt),
        sel.trim_start_matches('{').trim_end_matches('}')
    );
    let present: BTreeSet<String> = match server.prometheus.instant(&q) {
        Ok(v) => v
            .into_iter()
            .filter_map(|s| s.labels.get("__name__").cloned())
            .collect(),
        Err(e) => {
            sec.error(
                Code::ApiFailed,
                format!("reading the recorded series: {e}"),
                "check that the query runs on the server".into(),
            );
            return;
        }
    };
    let missing: Vec<&String> = records.iter().filter(|r| !present.contains(*r)).collect();
    if missing.is_empty() {
        sec.pass(format!("{} recorded series present", records.len()));
        return;
    }
    let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
    let message = format!(
        "the rules have run, but {} of their recorded series have no sample with service=\"{}\", slo=\"{}\": {}",
        missing.len(),
        slo.service,
        slo.name,
        list.join(", ")
    );
    let fix = "check the rule group's evaluations (`/api/v1/rules`), and that no relabelling or remote-write filter drops `slo:` series";
    // The raw event rates are written at every evaluation (`or on() vector(0)`); every other
    // record reads earlier records, so right after a reload it can be absent until the groups
    // have run with data (a coarse group up to its interval later).
    let base = names::events_record(&settings.base_window.to_string());
    if missing.iter().any(|m| **m == base) {
        sec.error(Code::RecordMissing, message, fix.into());
    } else {
        sec.warn(
            Code::RecordMissing,
            format!("{message}; these read earlier records, and can be missing for up to {} after the rules were loaded", settings.coarse_step()),
            format!("run doctor again after that; if they are still missing, {fix}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_from_flags() {
        let r = retention_of(&serde_json::json!({
            "storage.tsdb.retention.time": "1d",
            "storage.tsdb.retention.size": "0B"
        }))
        .unwrap();
        assert_eq!(
            (r.time, r.size, r.defaulted),
            (Duration::from_secs(86_400), None, false)
        );
        let r = retention_of(&serde_json::json!({
            "storage.tsdb.retention.time": "0s",
            "storage.tsdb.retention.size": "10GB"
        }))
        .unwrap();
        assert_eq!(
            (r.time, r.size.as_deref()),
            (DEFAULT_RETENTION, Some("10GB"))
        );
        assert!(retention_of(&serde_json::json!({"storage.tsdb.retention.time": "x"})).is_err());
        let r = retention_of(&serde_json::json!({})).unwrap();
        assert!(r.defaulted);
    }

    #[test]
    fn groups_from_the_rules_api() {
        let data = serde_json::json!({"groups": [{
            "name": "g", "lastEvaluation": "2026-01-01T00:00:00Z",
            "rules": [
                {"name": "a", "health": "ok"},
                {"name": "b", "health": "err", "lastError": "boom"}
            ]
        }, {"name": "h", "lastEvaluation": "0001-01-01T00:00:00Z", "rules": [{"name": "c", "health": "unknown"}]}]});
        let g = loaded_groups(&data).unwrap();
        assert_eq!(
            g["g"].unhealthy,
            vec![("b".to_string(), "boom".to_string())]
        );
        assert!(g["g"].evaluated && !g["h"].evaluated && g["h"].unhealthy.is_empty());
        assert!(loaded_groups(&serde_json::json!(null)).is_err());
    }
}
