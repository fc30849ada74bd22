//! The routing tree: root → team → severity, budget-stage routes after the audit route,
//! `continue` where one alert goes to several receivers, and an explicit catch-all. An SLO whose
//! exclusions mute its alerts gets a route of its own below each team and budget-stage route
//! its alerts reach, to the same receiver, with the exclusions added to the parent's
//! `mute_time_intervals`: Alertmanager does not pass a route's time intervals on to its
//! children, so each child lists them all.

use super::config::Route;
use crate::model::routing::{Routing, SloMute, TeamRouting, Timing};
use crate::names::{self, label};
use crate::syntax::matchers::Matcher;

/// Spec names as written into `alertmanager.yml` (`sloforge-<name>`).
pub(super) fn am_names(list: &[String]) -> Vec<String> {
    list.iter().map(|m| names::alertmanager_name(m)).collect()
}

pub(super) fn dur(d: crate::model::Duration) -> String {
    d.to_string()
}

/// Timing fields of a route that differ from what it inherits.
pub(super) fn timing_diff(route: &mut Route, t: &Timing, parent: &Timing) {
    if t.group_by != parent.group_by {
        route.group_by = Some(t.group_by.clone());
    }
    if t.group_wait != parent.group_wait {
        route.group_wait = Some(dur(t.group_wait));
    }
    if t.group_interval != parent.group_interval {
        route.group_interval = Some(dur(t.group_interval));
    }
    if t.repeat_interval != parent.repeat_interval {
        route.repeat_interval = Some(dur(t.repeat_interval));
    }
}

pub(super) fn timing_full(route: &mut Route, t: &Timing) {
    route.group_by = Some(t.group_by.clone());
    route.group_wait = Some(dur(t.group_wait));
    route.group_interval = Some(dur(t.group_interval));
    route.repeat_interval = Some(dur(t.repeat_interval));
}

/// The matchers of one SLO's alerts.
fn slo_matchers(m: &SloMute) -> Vec<Matcher> {
    vec![
        Matcher::equal(label::SERVICE, &m.service),
        Matcher::equal(label::SLO, &m.slo),
    ]
}

/// `list` (names as written) with the SLO's exclusion intervals added, each once.
fn with_mutes(list: &[String], m: &SloMute) -> Vec<String> {
    let mut out = list.to_vec();
    for i in am_names(&m.intervals) {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Below `parent`, one route per SLO of `mutes` matching that SLO's alerts, to the same
/// receiver, with its exclusions added to the parent's `mute_time_intervals`. The parent is
/// still reached by every alert it took before (a child is only taken below it).
fn muted_children<'a>(parent: &Route, mutes: impl Iterator<Item = &'a SloMute>) -> Vec<Route> {
    mutes
        .map(|m| Route {
            receiver: parent.receiver.clone(),
            matchers: slo_matchers(m),
            mute_time_intervals: with_mutes(&parent.mute_time_intervals, m),
            active_time_intervals: parent.active_time_intervals.clone(),
            ..Route::default()
        })
        .collect()
}

/// The routes of the budget stages' own receivers: one per stage and receiver, each matching
/// the stage and continuing, so that the team's routes still take the alert. Below each, a
/// muted copy per SLO of `team` (of every team when `None`) whose exclusions mute its alerts
/// and which has alerts of that stage.
pub(super) fn stage_routes(routing: &Routing, team: Option<&str>) -> Vec<Route> {
    let mut out = Vec::new();
    for s in &routing.stage_routes {
        for rec in &s.receivers {
            let mut r = Route {
                receiver: routing.am_name(rec),
                matchers: vec![Matcher::equal(label::BUDGET_STAGE, &s.stage)],
                continue_: true,
                mute_time_intervals: am_names(&s.mute_time_intervals),
                active_time_intervals: am_names(&s.active_time_intervals),
                ..Route::default()
            };
            timing_diff(&mut r, &s.timing, &routing.defaults);
            r.routes = muted_children(
                &r,
                routing
                    .slo_mutes
                    .iter()
                    .filter(|m| m.stages.contains(&s.stage) && team.is_none_or(|t| t == m.team)),
            );
            out.push(r);
        }
    }
    out
}

/// A team's routes: one per severity and receiver, `continue: true` on all but the last
/// receiver of a severity, with the timing and time intervals that differ from the root's.
/// Below each, a muted copy per SLO of the team whose exclusions mute its alerts and which has
/// alerts of that severity.
pub(super) fn team_routes(routing: &Routing, team: &TeamRouting) -> Vec<Route> {
    let mut leaves = Vec::new();
    for r in &team.routes {
        for (i, rec) in r.receivers.iter().enumerate() {
            let mut leaf = Route {
                receiver: routing.am_name(rec),
                matchers: vec![Matcher::equal(label::SEVERITY, &r.severity)],
                continue_: i + 1 < r.receivers.len(),
                mute_time_intervals: am_names(&r.mute_time_intervals),
                active_time_intervals: am_names(&r.active_time_intervals),
                ..Route::default()
            };
            timing_diff(&mut leaf, &r.timing, &routing.defaults);
            leaf.routes = muted_children(
                &leaf,
                routing
                    .slo_mutes
                    .iter()
                    .filter(|m| m.team == team.name && m.severities.contains(&r.severity)),
            );
            leaves.push(leaf);
        }
    }
    leaves
}

/// The routes below the root: audit receivers first (`continue`), the budget stages' own
/// receivers (`continue`), one route per team with one child per severity and receiver, and a
/// catch-all last when any route continues.
pub(super) fn children(routing: &Routing) -> Vec<Route> {
    let default = names::alertmanager_name(&routing.default_receiver);
    let mut out = Vec::new();
    for a in &routing.audit_receivers {
        out.push(Route {
            receiver: routing.am_name(a),
            continue_: true,
            ..Route::default()
        });
    }
    out.extend(stage_routes(routing, None));
    for team in routing.teams.values() {
        if team.routes.is_empty() {
            continue;
        }
        out.push(Route {
            receiver: default.clone(),
            matchers: vec![Matcher::equal(label::TEAM, &team.name)],
            routes: team_routes(routing, team),
            ..Route::default()
        });
    }
    if has_continue(&out) {
        out.push(Route {
            receiver: default,
            ..Route::default()
        });
    }
    out
}

pub(super) fn has_continue(routes: &[Route]) -> bool {
    routes
        .iter()
        .any(|r| r.continue_ || has_continue(&r.routes))
}
