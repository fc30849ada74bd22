//! The teams of the `AlertRouting` document: every team whose services raise alerts routed,
//! each team's routes checked against the severities its alerts carry, timed, and put in
//! severity order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::{Code, Diagnostic, Loc};
use crate::load::routing::{RoutingSpec, TeamSpec};
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc, native};
use crate::model::routing::{SeverityRoute, TeamRouting, TimingOverride};
use crate::validate::Ctx;

use super::facts::FleetFacts;
use super::timing::timing_override;
use super::{Refs, RouteBase, check_name, route_parts};

/// Where a service spec names the team (`team:` of a native spec, the `team` label of a Sloth
/// spec), for errors about the team.
fn team_site<'a>(loaded: &'a Loaded, team: &str) -> Option<(&'a Path, Loc)> {
    loaded.docs.iter().find_map(|d| match &d.doc {
        RawDoc::Service(s) if s.team.value == team => Some((d.file.as_path(), s.team.loc)),
        RawDoc::Sloth(s) => s
            .labels
            .iter()
            .find(|(k, v)| (k.value == "team" || k.value == "owner") && v.value == team)
            .map(|(_, v)| (d.file.as_path(), v.loc)),
        _ => None,
    })
}

/// An error for each team with alerts that `teams` lacks, reported where a service names it.
pub(super) fn report_unrouted(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    facts: &FleetFacts,
    loaded: &Loaded,
) {
    for (team, sevs) in &facts.team_severities {
        if spec.teams.keys().any(|k| &k.value == team) {
            continue;
        }
        let svc: Vec<String> = facts
            .team_services
            .get(team)
            .map(|s| s.iter().map(|x| format!("`{x}`")).collect())
            .unwrap_or_default();
        let sev_list: Vec<&str> = sevs.keys().map(String::as_str).collect();
        let (file, loc, path) = match team_site(loaded, team) {
            Some((f, l)) => (f, l, "team".to_string()),
            None => (cx.file, spec.kind.loc, format!("teams.{team}")),
        };
        cx.diags.push(
            Diagnostic::error(
                Code::Routing,
                file,
                loc,
                path,
                format!(
                    "team `{team}` (services {}) has no routing in {}",
                    svc.join(", "),
                    cx.file.display()
                ),
            )
            .with_help(format!(
                "add `{team}` under `teams` of the AlertRouting spec, with routes for {}",
                sev_list.join(" and ")
            )),
        );
    }
}

/// The routing of every team of `teams` that is a team of the fleet.
pub(super) fn teams(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    base: &RouteBase,
    refs: &mut Refs,
) -> BTreeMap<String, TeamRouting> {
    let mut teams = BTreeMap::new();
    for (name, t) in &spec.teams {
        let path = format!("teams.{}", name.value);
        if !check_name(cx, name, &path) {
            continue;
        }
        let Some(team_sevs) = base.facts.team_severities.get(&name.value) else {
            let known: Vec<String> = base
                .facts
                .team_severities
                .keys()
                .map(|t| format!("`{t}`"))
                .collect();
            // A team set up before its first service: its routes wait for it. Its receivers
            // still have to exist (and count as used).
            cx.warn_help(
                Code::RoutingWarning,
                name.loc,
                &path,
                format!(
                    "team `{}` has no service yet, so no alert carries `team=\"{}\"`: its routes are left out until one names it",
                    name.value, name.value
                ),
                format!("teams of the services: {} (a misspelt team name also shows here)", known.join(", ")),
            );
            for (sev, r) in &t.routes {
                for (i, rec) in r.receivers.value.iter().enumerate() {
                    let p = format!("{path}.routes.{}.receivers[{i}]", sev.value);
                    refs.receivers.check(cx, rec, &p);
                }
            }
            continue;
        };
        let team = team(cx, name, t, &path, team_sevs, base, refs);
        teams.insert(name.value.clone(), team);
    }
    teams
}

/// What a team gives all of its routes: timing overrides and time intervals.
struct TeamWide {
    timing: TimingOverride,
    mute_time_intervals: Vec<String>,
    active_time_intervals: Vec<String>,
}

/// The routing of one team (at `path`), whose alerts carry the severities `team_sevs` (each
/// with the SLOs that raise it).
fn team(
    cx: &mut Ctx,
    name: &Sp<String>,
    t: &TeamSpec,
    path: &str,
    team_sevs: &BTreeMap<String, BTreeSet<String>>,
    base: &RouteBase,
    refs: &mut Refs,
) -> TeamRouting {
    let wide = TeamWide {
        timing: timing_override(cx, &t.timing(), path, base.facts),
        mute_time_intervals: refs.intervals.check(
            cx,
            &t.mute_time_intervals,
            &format!("{path}.mute_time_intervals"),
        ),
        active_time_intervals: refs.intervals.check(
            cx,
            &t.active_time_intervals,
            &format!("{path}.active_time_intervals"),
        ),
    };
    let namespace = namespace(cx, name, t, path);
    let borrowed = unrouted_severities(cx, name, t, path, team_sevs, base);
    let mut routes = Vec::new();
    for (sev, r) in &t.routes {
        let rp = format!("{path}.routes.{}", sev.value);
        let parts = route_parts(cx, r, &rp, base, refs);
        if !team_sevs.contains_key(&sev.value) {
            cx.warn(
                Code::RoutingWarning,
                sev.loc,
                &rp,
                format!("no alert of team `{}` carries severity `{}`: the route would be unreachable and is not generated", name.value, sev.value),
            );
            continue;
        }
        routes.push(SeverityRoute {
            severity: sev.value.clone(),
            loc: sev.loc,
            receivers: parts.receivers,
            timing: base
                .timing_of(&sev.value)
                .with(&wide.timing)
                .with(&parts.timing),
            mute_time_intervals: merged(&wide.mute_time_intervals, parts.mute_time_intervals),
            active_time_intervals: merged(&wide.active_time_intervals, parts.active_time_intervals),
        });
    }
    routes.extend(borrowed_routes(&routes, borrowed, &wide, base));
    routes.sort_by_key(|r| {
        base.severity_order
            .iter()
            .position(|s| *s == r.severity)
            .unwrap_or(usize::MAX)
    });
    TeamRouting {
        name: name.value.clone(),
        loc: name.loc,
        namespace,
        routes,
    }
}

/// The team's Kubernetes namespace: the one given (a DNS label), else the team's name.
fn namespace(cx: &mut Ctx, name: &Sp<String>, t: &TeamSpec, path: &str) -> String {
    let Some(ns) = &t.namespace else {
        return name.value.clone();
    };
    if !is_dns_label(&ns.value) {
        cx.err(
            Code::Name,
            ns.loc,
            format!("{path}.namespace"),
            format!(
                "`{}` is not a Kubernetes namespace name",
                ns.value.escape_debug()
            ),
        );
    }
    ns.value.clone()
}

/// An error for each severity the team's alerts carry that has no route; returned are those
/// (of notifications only) that borrow the team's ticket route instead.
fn unrouted_severities(
    cx: &mut Ctx,
    name: &Sp<String>,
    t: &TeamSpec,
    path: &str,
    team_sevs: &BTreeMap<String, BTreeSet<String>>,
    base: &RouteBase,
) -> Vec<String> {
    // A notification without a route of its own goes where the team's tickets go.
    let ticket_route = t
        .routes
        .keys()
        .any(|k| k.value == base.settings.ticket_severity);
    let notify_only = |sev: &str| {
        base.facts
            .severity_kinds
            .get(sev)
            .is_some_and(|k| k.iter().all(|k| *k == native::SeverityKind::Notify))
    };
    let mut borrowed: Vec<String> = Vec::new();
    for (sev, slos) in team_sevs {
        if t.routes.keys().any(|k| &k.value == sev) {
            continue;
        }
        if ticket_route && notify_only(sev) {
            borrowed.push(sev.clone());
            continue;
        }
        let list: Vec<&str> = slos.iter().map(String::as_str).take(3).collect();
        let more = if slos.len() > 3 {
            format!(" and {} more", slos.len() - 3)
        } else {
            String::new()
        };
        cx.err_help(
            Code::Routing,
            name.loc,
            format!("{path}.routes"),
            format!(
                "team `{}` has no route for severity `{sev}`, which alerts of {}{more} carry",
                name.value,
                list.join(", ")
            ),
            format!("add `{sev}: {{receivers: [...]}}` under `{path}.routes`"),
        );
    }
    borrowed
}

/// The routes of the `borrowed` severities: the receivers and time intervals of the team's
/// ticket route, the timing of the severity and the team.
fn borrowed_routes(
    routes: &[SeverityRoute],
    borrowed: Vec<String>,
    wide: &TeamWide,
    base: &RouteBase,
) -> Vec<SeverityRoute> {
    let Some(ticket) = routes
        .iter()
        .find(|r| r.severity == base.settings.ticket_severity)
    else {
        return Vec::new();
    };
    borrowed
        .into_iter()
        .map(|sev| {
            let timing = base.timing_of(&sev).with(&wide.timing);
            SeverityRoute {
                severity: sev,
                timing,
                ..ticket.clone()
            }
        })
        .collect()
}

/// The team's time intervals followed by those of the route it lacks.
fn merged(team: &[String], route: Vec<String>) -> Vec<String> {
    let mut all = team.to_vec();
    all.extend(route.into_iter().filter(|m| !team.contains(m)));
    all
}

pub(super) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}
