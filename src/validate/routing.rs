//! Validation of the `AlertRouting` document against the fleet: every reference resolved,
//! every team and severity that generated alerts carry routed, secrets only as file paths,
//! time intervals checked the way Alertmanager checks them (and put into a form it reads
//! correctly).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::load::routing::{PeriodSpec, ReceiverSpec, RoutingSpec, TimeIntervalSpec, TimingSpec};
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc, native};
use crate::model::routing::{
    Email, Opsgenie, PagerDuty, Period, Receiver, Routing, SeverityRoute, Slack, StageRoute,
    TeamRouting, TimeInterval, Timing, TimingOverride, Webhook,
};
use crate::model::{Duration, Service, Settings};
use crate::names;
use crate::syntax::gotmpl::expand_literal as rendered_label;

use super::{Ctx, is_label_name, is_name};

/// Default grouping: one notification group per SLO and severity.
pub fn default_group_by() -> Vec<String> {
    [
        "alertname",
        names::label::TEAM,
        names::label::SERVICE,
        names::label::SLO,
        names::label::SEVERITY,
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

/// Alertmanager's own defaults for the timing of the root route.
/// The receivers of a route (a team's severity or a budget stage), checked: at least one, none
/// twice, no audit receiver (it gets every alert already), not the default receiver, and each
/// defined (`known`, which also marks it used).
fn receiver_list(
    cx: &mut Ctx,
    receivers: &Sp<Vec<Sp<String>>>,
    rp: &str,
    (audit, default): (&[String], &str),
    known: &mut dyn FnMut(&mut Ctx, &Sp<String>, &str) -> bool,
) -> Vec<String> {
    if receivers.value.is_empty() {
        cx.err(
            Code::Routing,
            receivers.loc,
            format!("{rp}.receivers"),
            "at least one receiver is needed",
        );
    }
    let mut list: Vec<String> = Vec::new();
    for (i, rec) in receivers.value.iter().enumerate() {
        let p = format!("{rp}.receivers[{i}]");
        if list.contains(&rec.value) {
            cx.err(
                Code::Routing,
                rec.loc,
                p,
                format!(
                    "`{}` is listed twice: it would be notified twice",
                    rec.value
                ),
            );
        } else if audit.contains(&rec.value) {
            cx.err(
                Code::Routing,
                rec.loc,
                p,
                format!(
                    "`{}` is an audit receiver: it already gets every alert",
                    rec.value
                ),
            );
        } else if rec.value == default {
            cx.err_help(
                Code::Routing,
                rec.loc,
                p,
                format!("`{}` is the default receiver", rec.value),
                "the default receiver is for alerts no team route takes; sloforge proves no generated alert reaches it",
            );
        } else if known(cx, rec, &p) {
            list.push(rec.value.clone());
        }
    }
    list
}

/// How often a notification (a budget stage) is repeated while it lasts, unless the routing says.
pub const NOTIFY_REPEAT_INTERVAL: crate::model::Duration =
    crate::model::Duration::from_mins(24 * 60);

pub fn default_timing() -> Timing {
    Timing {
        group_by: default_group_by(),
        group_wait: Duration::from_secs(30),
        group_interval: Duration::from_mins(5),
        repeat_interval: Duration::from_mins(4 * 60),
    }
}

fn check_name(cx: &mut Ctx, s: &Sp<String>, path: &str) -> bool {
    if is_name(&s.value) {
        return true;
    }
    cx.err_help(
        Code::Name,
        s.loc,
        path,
        format!("`{}` is not a valid name", s.value.escape_debug()),
        "names are 1–63 characters: lower-case letters, digits, `-` and `_`, starting with a letter",
    );
    false
}

/// What every generated alert of the fleet carries, for the checks below.
struct FleetFacts {
    /// Team → severity → SLOs (`service/slo`) with alerts of that severity.
    team_severities: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Team → services.
    team_services: BTreeMap<String, BTreeSet<String>>,
    /// Severity → kinds (page/ticket) of the alerts that carry it.
    severity_kinds: BTreeMap<String, BTreeSet<native::SeverityKind>>,
    /// Every label name some generated alert carries.
    labels: BTreeSet<String>,
    /// Budget stages some generated alert carries (`budget_stage` values).
    stages: BTreeSet<String>,
}

fn fleet_facts(services: &[std::sync::Arc<Service>]) -> FleetFacts {
    let mut f = FleetFacts {
        team_severities: BTreeMap::new(),
        team_services: BTreeMap::new(),
        severity_kinds: BTreeMap::new(),
        labels: BTreeSet::new(),
        stages: BTreeSet::new(),
    };
    for s in services {
        f.team_services
            .entry(s.team.clone())
            .or_default()
            .insert(s.name.clone());
        for slo in &s.slos {
            let id = format!("{}/{}", s.name, slo.name);
            let burn = slo
                .alerts
                .iter()
                .map(|a| (&a.severity, a.severity_kind, &a.labels));
            let budget = slo
                .budget_alerts
                .iter()
                .map(|a| (&a.severity, a.severity_kind, &a.labels));
            f.stages
                .extend(slo.budget_alerts.iter().map(|b| b.stage.clone()));
            let no_data = slo
                .no_data_alerts
                .iter()
                .map(|a| (&a.severity, a.severity_kind, &a.labels));
            for (sev, kind, labels) in burn.chain(budget).chain(no_data) {
                let sev = rendered_label(sev);
                f.team_severities
                    .entry(s.team.clone())
                    .or_default()
                    .entry(sev.clone())
                    .or_default()
                    .insert(id.clone());
                f.severity_kinds.entry(sev).or_default().insert(kind);
                f.labels.extend(labels.keys().cloned());
                f.labels.extend(slo.labels.keys().cloned());
                f.labels.insert("alertname".into());
                f.labels.insert(names::label::WINDOW.into());
            }
        }
    }
    f
}

/// Validates the `AlertRouting` document (if any) against the fleet's services.
pub fn validate(
    loaded: &Loaded,
    services: &[std::sync::Arc<Service>],
    settings: &Settings,
    diags: &mut Diagnostics,
) -> Option<Routing> {
    let mut found: Option<(&Path, &RoutingSpec)> = None;
    for doc in &loaded.docs {
        let RawDoc::Routing(r) = &doc.doc else {
            continue;
        };
        if let Some((first, _)) = found {
            let mut cx = Ctx {
                file: &doc.file,
                diags,
            };
            cx.err(
                Code::Config,
                r.kind.loc,
                "kind",
                format!(
                    "a second `AlertRouting` document (the first is in {})",
                    first.display()
                ),
            );
            continue;
        }
        found = Some((&doc.file, r));
    }
    let (file, spec) = found?;
    let errors_before = diags.error_count();
    let mut cx = Ctx { file, diags };
    let routing = routing(&mut cx, spec, services, settings, loaded);
    if cx.diags.error_count() > errors_before {
        return None;
    }
    routing
}

fn duration(cx: &mut Ctx, s: &Sp<String>, path: &str, positive: bool) -> Option<Duration> {
    match Duration::parse(&s.value) {
        Ok(d) if positive && d.as_millis() == 0 => {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                path,
                "must be longer than zero",
            );
            None
        }
        Ok(d) if d.as_millis() % 1000 != 0 => {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                path,
                "must be a whole number of seconds",
            );
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            cx.err(Code::DurationSyntax, s.loc, path, e.to_string());
            None
        }
    }
}

fn timing_override(cx: &mut Ctx, t: &TimingSpec, path: &str, facts: &FleetFacts) -> TimingOverride {
    let p = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    let group_by = t.group_by.as_ref().map(|g| {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, l) in g.value.iter().enumerate() {
            let lp = format!("{}[{i}]", p("group_by"));
            if l.value == "..." {
                cx.err_help(Code::Routing, l.loc, &lp, "grouping by every label (`...`) sends one notification per alert", "list the labels, e.g. alertname, team, service, slo, severity");
            } else if !is_label_name(&l.value) {
                cx.err(Code::LabelName, l.loc, &lp, format!("`{}` is not a valid label name (Alertmanager 0.25 accepts [a-zA-Z_][a-zA-Z0-9_]*)", l.value.escape_debug()));
            } else if !facts.labels.contains(&l.value) {
                cx.err(Code::Routing, l.loc, &lp, format!("no generated alert carries the label `{}`", l.value));
            } else if !seen.insert(l.value.clone()) {
                cx.err(Code::Routing, l.loc, &lp, format!("`{}` is listed twice", l.value));
            } else {
                out.push(l.value.clone());
            }
        }
        if g.value.is_empty() {
            cx.err(Code::Routing, g.loc, p("group_by"), "an empty group_by puts every alert of the route into one notification");
        } else {
            let missing: Vec<&str> = [names::label::SERVICE, names::label::SLO, names::label::SEVERITY].into_iter().filter(|l| !g.value.iter().any(|x| x.value == *l)).collect();
            if !missing.is_empty() {
                cx.warn(
                    Code::Routing,
                    g.loc,
                    p("group_by"),
                    format!("group_by lacks {}: one notification can mix SLOs or severities, and the template's title loses them", missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")),
                );
            }
        }
        out
    });
    TimingOverride {
        group_by,
        group_wait: t
            .group_wait
            .as_ref()
            .and_then(|s| duration(cx, s, &p("group_wait"), false)),
        group_interval: t
            .group_interval
            .as_ref()
            .and_then(|s| duration(cx, s, &p("group_interval"), true)),
        repeat_interval: t
            .repeat_interval
            .as_ref()
            .and_then(|s| duration(cx, s, &p("repeat_interval"), true)),
    }
}

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

fn routing(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    services: &[std::sync::Arc<Service>],
    settings: &Settings,
    loaded: &Loaded,
) -> Option<Routing> {
    if spec.api_version.value != native::API_VERSION {
        cx.err(
            Code::UnknownKind,
            spec.api_version.loc,
            "apiVersion",
            format!("expected `{}`", native::API_VERSION),
        );
    }
    let facts = fleet_facts(services);

    let mut receivers = BTreeMap::new();
    for (name, r) in &spec.receivers {
        let path = format!("receivers.{}", name.value);
        if check_name(cx, name, &path)
            && let Some(rec) = receiver(cx, name, r, &path)
        {
            receivers.insert(name.value.clone(), rec);
        }
    }
    let mut used_receivers: BTreeSet<String> = BTreeSet::new();
    let mut receiver_ref = |cx: &mut Ctx, r: &Sp<String>, path: &str| -> bool {
        if spec.receivers.keys().any(|k| k.value == r.value) {
            used_receivers.insert(r.value.clone());
            return true;
        }
        let known: Vec<String> = spec
            .receivers
            .keys()
            .map(|k| format!("`{}`", k.value))
            .collect();
        cx.err_help(
            Code::UnknownReference,
            r.loc,
            path,
            format!("unknown receiver `{}`", r.value),
            format!("receivers are {}", known.join(", ")),
        );
        false
    };
    receiver_ref(cx, &spec.default_receiver, "default_receiver");
    let mut audit = Vec::new();
    for (i, a) in spec.audit_receivers.iter().enumerate() {
        let p = format!("audit_receivers[{i}]");
        if a.value == spec.default_receiver.value {
            cx.err(
                Code::Routing,
                a.loc,
                &p,
                "the default receiver cannot also be an audit receiver",
            );
        } else if audit.contains(&a.value) {
            cx.err(
                Code::Routing,
                a.loc,
                &p,
                format!("`{}` is listed twice", a.value),
            );
        } else if receiver_ref(cx, a, &p) {
            audit.push(a.value.clone());
        }
    }

    let mut intervals = BTreeMap::new();
    for (name, ti) in &spec.time_intervals {
        let path = format!("time_intervals.{}", name.value);
        if check_name(cx, name, &path)
            && let Some(t) = time_interval(cx, name, ti, &path)
        {
            intervals.insert(name.value.clone(), t);
        }
    }
    let mut used_intervals: BTreeSet<String> = BTreeSet::new();
    let mut interval_refs = |cx: &mut Ctx, list: &[Sp<String>], path: &str| -> Vec<String> {
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !spec.time_intervals.keys().any(|k| k.value == r.value) {
                let known: Vec<String> = spec
                    .time_intervals
                    .keys()
                    .map(|k| format!("`{}`", k.value))
                    .collect();
                let help = if known.is_empty() {
                    "define it under `time_intervals`".to_string()
                } else {
                    format!("time intervals are {}", known.join(", "))
                };
                cx.err_help(
                    Code::UnknownReference,
                    r.loc,
                    p,
                    format!("unknown time interval `{}`", r.value),
                    help,
                );
            } else if out.contains(&r.value) {
                cx.err(
                    Code::Routing,
                    r.loc,
                    p,
                    format!("`{}` is listed twice", r.value),
                );
            } else {
                used_intervals.insert(r.value.clone());
                out.push(r.value.clone());
            }
        }
        out
    };

    // Severities: the order, and the timing of each.
    let used_severities: BTreeSet<String> = facts.severity_kinds.keys().cloned().collect();
    let severity_order = match &spec.severity_order {
        Some(order) => {
            let mut out: Vec<String> = Vec::new();
            for (i, s) in order.value.iter().enumerate() {
                if out.contains(&s.value) {
                    cx.err(
                        Code::Routing,
                        s.loc,
                        format!("severity_order[{i}]"),
                        format!("`{}` is listed twice", s.value),
                    );
                } else {
                    out.push(s.value.clone());
                }
            }
            for s in &used_severities {
                if !out.contains(s) {
                    cx.err_help(
                        Code::Routing,
                        order.loc,
                        "severity_order",
                        format!("generated alerts carry severity `{s}`, which is not in the order"),
                        "list every severity, most severe first",
                    );
                }
            }
            out
        }
        None => {
            let mut out = vec![
                settings.page_severity.clone(),
                settings.ticket_severity.clone(),
            ];
            if used_severities.contains(&settings.notify_severity) {
                out.push(settings.notify_severity.clone());
            }
            for kind in [
                native::SeverityKind::Page,
                native::SeverityKind::Ticket,
                native::SeverityKind::Notify,
            ] {
                for (s, kinds) in &facts.severity_kinds {
                    if kinds.iter().min() == Some(&kind) && !out.contains(s) {
                        out.push(s.clone());
                    }
                }
            }
            out
        }
    };
    let mut defaults = default_timing();
    if let Some(d) = &spec.defaults {
        defaults = defaults.with(&timing_override(cx, d, "defaults", &facts));
    }
    let mut severity_timing: BTreeMap<String, TimingOverride> = BTreeMap::new();
    // Notifications (budget stages) are states that last days: once a day unless the spec says
    // otherwise.
    severity_timing.insert(
        settings.notify_severity.clone(),
        TimingOverride {
            repeat_interval: Some(NOTIFY_REPEAT_INTERVAL),
            ..TimingOverride::default()
        },
    );
    for (sev, t) in &spec.severities {
        let path = format!("severities.{}", sev.value);
        if !severity_order.contains(&sev.value) && !used_severities.contains(&sev.value) {
            cx.err(
                Code::Routing,
                sev.loc,
                &path,
                format!("no generated alert carries severity `{}`", sev.value),
            );
        }
        let o = timing_override(cx, t, &path, &facts);
        let merged = severity_timing
            .remove(&sev.value)
            .map_or(o.clone(), |builtin| TimingOverride {
                group_by: o.group_by.clone().or(builtin.group_by),
                group_wait: o.group_wait.or(builtin.group_wait),
                group_interval: o.group_interval.or(builtin.group_interval),
                repeat_interval: o.repeat_interval.or(builtin.repeat_interval),
            });
        severity_timing.insert(sev.value.clone(), merged);
    }

    // Teams.
    let mut teams = BTreeMap::new();
    for (team, sevs) in &facts.team_severities {
        if !spec.teams.keys().any(|k| &k.value == team) {
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
    for (name, t) in &spec.teams {
        let path = format!("teams.{}", name.value);
        if !check_name(cx, name, &path) {
            continue;
        }
        let Some(team_sevs) = facts.team_severities.get(&name.value) else {
            let known: Vec<String> = facts
                .team_severities
                .keys()
                .map(|t| format!("`{t}`"))
                .collect();
            cx.err_help(
                Code::UnknownReference,
                name.loc,
                &path,
                format!(
                    "unknown team `{}`: no service has it, so no alert carries `team=\"{}\"`",
                    name.value, name.value
                ),
                format!("teams of the services: {}", known.join(", ")),
            );
            continue;
        };
        let team_timing = timing_override(cx, &t.timing(), &path, &facts);
        let team_mute = interval_refs(
            cx,
            &t.mute_time_intervals,
            &format!("{path}.mute_time_intervals"),
        );
        let team_active = interval_refs(
            cx,
            &t.active_time_intervals,
            &format!("{path}.active_time_intervals"),
        );
        let namespace = match &t.namespace {
            Some(ns) => {
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
            None => name.value.clone(),
        };
        // A notification without a route of its own goes where the team's tickets go.
        let ticket_route = t.routes.keys().any(|k| k.value == settings.ticket_severity);
        let notify_only = |sev: &str| {
            facts
                .severity_kinds
                .get(sev)
                .is_some_and(|k| k.iter().all(|k| *k == native::SeverityKind::Notify))
        };
        let mut borrowed: Vec<String> = Vec::new();
        for (sev, slos) in team_sevs {
            if !t.routes.keys().any(|k| &k.value == sev) {
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
                    format!("team `{}` has no route for severity `{sev}`, which alerts of {}{more} carry", name.value, list.join(", ")),
                    format!("add `{sev}: {{receivers: [...]}}` under `{path}.routes`"),
                );
            }
        }
        let mut routes = Vec::new();
        for (sev, r) in &t.routes {
            let rp = format!("{path}.routes.{}", sev.value);
            let route_timing = timing_override(cx, &r.timing(), &rp, &facts);
            let mute = interval_refs(
                cx,
                &r.mute_time_intervals,
                &format!("{rp}.mute_time_intervals"),
            );
            let active = interval_refs(
                cx,
                &r.active_time_intervals,
                &format!("{rp}.active_time_intervals"),
            );
            let list = receiver_list(
                cx,
                &r.receivers,
                &rp,
                (&audit, &spec.default_receiver.value),
                &mut receiver_ref,
            );
            if !team_sevs.contains_key(&sev.value) {
                cx.warn(
                    Code::Routing,
                    sev.loc,
                    &rp,
                    format!("no alert of team `{}` carries severity `{}`: the route would be unreachable and is not generated", name.value, sev.value),
                );
                continue;
            }
            let timing = defaults
                .with(
                    severity_timing
                        .get(&sev.value)
                        .unwrap_or(&TimingOverride::default()),
                )
                .with(&team_timing)
                .with(&route_timing);
            let mut mute_all = team_mute.clone();
            mute_all.extend(mute.into_iter().filter(|m| !team_mute.contains(m)));
            let mut active_all = team_active.clone();
            active_all.extend(active.into_iter().filter(|m| !team_active.contains(m)));
            routes.push(SeverityRoute {
                severity: sev.value.clone(),
                loc: sev.loc,
                receivers: list,
                timing,
                mute_time_intervals: mute_all,
                active_time_intervals: active_all,
            });
        }
        for sev in borrowed {
            let Some(ticket) = routes
                .iter()
                .find(|r| r.severity == settings.ticket_severity)
                .cloned()
            else {
                continue;
            };
            // The receivers and time intervals of the ticket route, the notify severity's
            // timing.
            let timing = defaults
                .with(
                    severity_timing
                        .get(&sev)
                        .unwrap_or(&TimingOverride::default()),
                )
                .with(&team_timing);
            routes.push(SeverityRoute {
                severity: sev,
                timing,
                ..ticket
            });
        }
        routes.sort_by_key(|r| {
            severity_order
                .iter()
                .position(|s| *s == r.severity)
                .unwrap_or(usize::MAX)
        });
        teams.insert(
            name.value.clone(),
            TeamRouting {
                name: name.value.clone(),
                loc: name.loc,
                namespace,
                routes,
            },
        );
    }
    let mut stage_routes = Vec::new();
    for (stage, r) in &spec.budget_stages {
        let rp = format!("budget_stages.{}", stage.value);
        if !facts.stages.contains(&stage.value) {
            let known: Vec<String> = facts.stages.iter().map(|s| format!("`{s}`")).collect();
            cx.err_help(
                Code::UnknownReference,
                stage.loc,
                &rp,
                format!(
                    "no generated alert carries `budget_stage=\"{}\"`",
                    stage.value
                ),
                if known.is_empty() {
                    "no SLO has budget alerts (`alerting.budget_alerts: true`)".to_string()
                } else {
                    format!("budget stages of the fleet: {}", known.join(", "))
                },
            );
            continue;
        }
        let own = timing_override(cx, &r.timing(), &rp, &facts);
        let mute = interval_refs(
            cx,
            &r.mute_time_intervals,
            &format!("{rp}.mute_time_intervals"),
        );
        let active = interval_refs(
            cx,
            &r.active_time_intervals,
            &format!("{rp}.active_time_intervals"),
        );
        let list = receiver_list(
            cx,
            &r.receivers,
            &rp,
            (&audit, &spec.default_receiver.value),
            &mut receiver_ref,
        );
        stage_routes.push(StageRoute {
            stage: stage.value.clone(),
            receivers: list,
            timing: defaults
                .with(
                    severity_timing
                        .get(&settings.notify_severity)
                        .unwrap_or(&TimingOverride::default()),
                )
                .with(&own),
            mute_time_intervals: mute,
            active_time_intervals: active,
        });
    }
    for name in spec.receivers.keys() {
        if !used_receivers.contains(&name.value) {
            cx.warn(
                Code::Routing,
                name.loc,
                format!("receivers.{}", name.value),
                format!("receiver `{}` is not used by any route", name.value),
            );
        }
    }
    for name in spec.time_intervals.keys() {
        if !used_intervals.contains(&name.value) {
            cx.warn(
                Code::Routing,
                name.loc,
                format!("time_intervals.{}", name.value),
                format!("time interval `{}` is not used by any route", name.value),
            );
        }
    }
    Some(Routing {
        file: cx.file.to_path_buf(),
        loc: spec.kind.loc,
        default_receiver: spec.default_receiver.value.clone(),
        audit_receivers: audit,
        defaults,
        severity_order,
        templates: spec.templates.as_ref().is_some_and(|t| t.value),
        receivers,
        time_intervals: intervals,
        teams,
        stage_routes,
    })
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A secret file path: absolute, without `..`, naming a file.
fn secret_file(cx: &mut Ctx, s: &Sp<String>, path: &str) -> String {
    let v = &s.value;
    if !v.starts_with('/')
        || v.ends_with('/')
        || v.split('/').any(|c| c == "..")
        || v.chars().any(char::is_control)
    {
        cx.err_help(
            Code::InlineSecret,
            s.loc,
            path,
            format!("`{}` is not an absolute path of a file", v.escape_debug()),
            "give the path Alertmanager reads the secret from, e.g. /etc/alertmanager/secrets/pagerduty-payments/routing-key",
        );
    }
    v.clone()
}

fn send_resolved(s: Option<&Sp<bool>>) -> bool {
    s.is_none_or(|b| b.value)
}

fn receiver(cx: &mut Ctx, name: &Sp<String>, r: &ReceiverSpec, path: &str) -> Option<Receiver> {
    let mut out = Receiver {
        name: name.value.clone(),
        ..Receiver::default()
    };
    if let Some(p) = &r.pagerduty {
        let pp = format!("{path}.pagerduty");
        let routing_key_file =
            secret_file(cx, &p.routing_key_file, &format!("{pp}.routing_key_file"));
        if let Some(s) = &p.severity
            && !["critical", "error", "warning", "info"].contains(&s.value.as_str())
        {
            cx.err(
                Code::Config,
                s.loc,
                format!("{pp}.severity"),
                format!(
                    "PagerDuty severities are critical, error, warning and info, not `{}`",
                    s.value
                ),
            );
        }
        out.pagerduty = Some(PagerDuty {
            routing_key_file,
            severity: p.severity.as_ref().map(|s| s.value.clone()),
            send_resolved: send_resolved(p.send_resolved.as_ref()),
        });
    }
    if let Some(s) = &r.slack {
        let sp = format!("{path}.slack");
        let api_url_file = secret_file(cx, &s.api_url_file, &format!("{sp}.api_url_file"));
        if let Some(c) = &s.channel
            && (c.value.trim().is_empty() || c.value.chars().any(char::is_whitespace))
        {
            cx.err(
                Code::Config,
                c.loc,
                format!("{sp}.channel"),
                "a Slack channel has no spaces (`#payments-oncall`)",
            );
        }
        out.slack = Some(Slack {
            api_url_file,
            channel: s.channel.as_ref().map(|c| c.value.clone()),
            send_resolved: send_resolved(s.send_resolved.as_ref()),
        });
    }
    if let Some(e) = &r.email {
        let ep = format!("{path}.email");
        for (v, k) in [(&e.to, "to"), (&e.from, "from")] {
            let ok = v.value.split(',').all(|a| {
                let a = a.trim();
                let (user, host) = a.rsplit_once('@').unwrap_or(("", ""));
                !user.is_empty() && host.contains('.') && !a.chars().any(char::is_whitespace)
            });
            if !ok {
                cx.err(
                    Code::Config,
                    v.loc,
                    format!("{ep}.{k}"),
                    format!("`{}` is not an email address", v.value.escape_debug()),
                );
            }
        }
        let port_ok = e
            .smarthost
            .value
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
        if !port_ok {
            cx.err(
                Code::Config,
                e.smarthost.loc,
                format!("{ep}.smarthost"),
                "the SMTP server is `host:port` (`smtp.example.com:587`)",
            );
        }
        let auth_password_file = e
            .auth_password_file
            .as_ref()
            .map(|f| secret_file(cx, f, &format!("{ep}.auth_password_file")));
        if auth_password_file.is_some() && e.auth_username.is_none() {
            cx.err(
                Code::Config,
                e.smarthost.loc,
                format!("{ep}.auth_username"),
                "a password file needs `auth_username`",
            );
        }
        out.email = Some(Email {
            to: e.to.value.clone(),
            from: e.from.value.clone(),
            smarthost: e.smarthost.value.clone(),
            auth_username: e.auth_username.as_ref().map(|u| u.value.clone()),
            auth_password_file,
            require_tls: e.require_tls.as_ref().is_none_or(|b| b.value),
            send_resolved: send_resolved(e.send_resolved.as_ref()),
        });
    }
    if let Some(w) = &r.webhook {
        let wp = format!("{path}.webhook");
        let u = &w.url.value;
        let rest = u
            .strip_prefix("https://")
            .or_else(|| u.strip_prefix("http://"));
        match rest {
            Some(rest)
                if !rest.is_empty()
                    && !rest.starts_with('/')
                    && !u.chars().any(char::is_whitespace) =>
            {
                let authority = rest.split('/').next().unwrap_or_default();
                if authority.contains('@') {
                    cx.err_help(
                        Code::InlineSecret,
                        w.url.loc,
                        format!("{wp}.url"),
                        "the URL carries credentials",
                        "give a bearer token in `credentials_file` instead",
                    );
                }
            }
            _ => cx.err(
                Code::Config,
                w.url.loc,
                format!("{wp}.url"),
                format!("`{}` is not an http(s) URL", u.escape_debug()),
            ),
        }
        let credentials_file = w
            .credentials_file
            .as_ref()
            .map(|f| secret_file(cx, f, &format!("{wp}.credentials_file")));
        out.webhook = Some(Webhook {
            url: u.clone(),
            credentials_file,
            max_alerts: w.max_alerts.as_ref().map_or(0, |m| m.value),
            send_resolved: send_resolved(w.send_resolved.as_ref()),
        });
    }
    if let Some(o) = &r.opsgenie {
        let op = format!("{path}.opsgenie");
        let api_key_file = secret_file(cx, &o.api_key_file, &format!("{op}.api_key_file"));
        if let Some(p) = &o.priority
            && !["P1", "P2", "P3", "P4", "P5"].contains(&p.value.as_str())
        {
            cx.err(
                Code::Config,
                p.loc,
                format!("{op}.priority"),
                format!("Opsgenie priorities are P1 to P5, not `{}`", p.value),
            );
        }
        out.opsgenie = Some(Opsgenie {
            api_key_file,
            priority: o.priority.as_ref().map(|p| p.value.clone()),
            send_resolved: send_resolved(o.send_resolved.as_ref()),
        });
    }
    if out.pagerduty.is_none()
        && out.slack.is_none()
        && out.email.is_none()
        && out.webhook.is_none()
        && out.opsgenie.is_none()
    {
        cx.err_help(
            Code::Config,
            name.loc,
            path,
            format!("receiver `{}` has no integration", name.value),
            "give one or more of pagerduty, slack, email, webhook, opsgenie",
        );
        return None;
    }
    Some(out)
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Minutes since midnight of `HH:MM` (00:00–23:59, or 24:00), as Alertmanager parses it.
pub fn parse_clock(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    if (h < 24 && m < 60) || (h == 24 && m == 0) {
        Some(h * 60 + m)
    } else {
        None
    }
}

fn clock(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A set of indices (weekdays 0–6 from Sunday, months 0–11) from names or ranges `a:b`. A range
/// that wraps (`friday:monday`) is accepted and becomes the days it covers.
fn parse_named_set(
    cx: &mut Ctx,
    items: &[Sp<String>],
    names: &[&str],
    numeric: bool,
    path: &str,
    what: &str,
    example: &str,
) -> Option<Vec<bool>> {
    let mut set = vec![false; names.len()];
    let mut ok = true;
    let one = |s: &str| -> Option<usize> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == s) {
            return Some(i);
        }
        if numeric
            && let Ok(n) = s.parse::<usize>()
            && (1..=names.len()).contains(&n)
        {
            return Some(n - 1);
        }
        None
    };
    for (i, item) in items.iter().enumerate() {
        let parts: Vec<&str> = item.value.split(':').collect();
        let parsed: Vec<Option<usize>> = parts.iter().map(|p| one(p)).collect();
        match (parts.len(), parsed.as_slice()) {
            (1, [Some(a)]) => set[*a] = true,
            (2, [Some(a), Some(b)]) => {
                let mut d = *a;
                loop {
                    set[d] = true;
                    if d == *b {
                        break;
                    }
                    d = (d + 1) % names.len();
                }
            }
            _ => {
                ok = false;
                cx.err_help(
                    Code::TimeInterval,
                    item.loc,
                    format!("{path}[{i}]"),
                    format!(
                        "`{}` is not a {what} or a range of them",
                        item.value.escape_debug()
                    ),
                    format!("write e.g. {example}"),
                );
            }
        }
    }
    ok.then_some(set)
}

/// Renders a set as ranges in Alertmanager's form (never wrapping).
fn render_set(set: &[bool], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < set.len() {
        if !set[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < set.len() && set[i + 1] {
            i += 1;
        }
        out.push(if start == i {
            names[start].to_string()
        } else {
            format!("{}:{}", names[start], names[i])
        });
        i += 1;
    }
    out
}

fn parse_day_of_month(s: &str) -> Result<String, String> {
    let parts: Vec<&str> = s.split(':').map(str::trim).collect();
    let nums: Vec<Option<i32>> = parts.iter().map(|p| p.parse::<i32>().ok()).collect();
    let (b, e) = match nums.as_slice() {
        [Some(a)] => (*a, *a),
        [Some(a), Some(b)] if parts.len() == 2 => (*a, *b),
        _ => {
            return Err(format!(
                "`{s}` is not a day of the month or a range of them (`1`, `1:7`, `-1`)"
            ));
        }
    };
    for d in [b, e] {
        if d == 0 || !(-31..=31).contains(&d) {
            return Err(format!("{d} is not a valid day of the month: out of range"));
        }
    }
    if b < 0 && e > 0 {
        return Err("end day must be negative if start day is negative".into());
    }
    let (cb, ce) = (
        if b < 0 { 28 + b } else { b },
        if e < 0 { 28 + e } else { e },
    );
    if cb > ce {
        return Err(format!("end day {e} is before start day {b}"));
    }
    Ok(if b == e {
        b.to_string()
    } else {
        format!("{b}:{e}")
    })
}

fn parse_year(s: &str) -> Result<String, String> {
    let parts: Vec<&str> = s.split(':').map(str::trim).collect();
    let year = |p: &str| {
        (p.len() == 4 && p.bytes().all(|c| c.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [a] => year(a)
            .map(|y| y.to_string())
            .ok_or_else(|| format!("`{s}` is not a year (`2026`) or a range (`2026:2027`)")),
        [a, b] => match (year(a), year(b)) {
            (Some(x), Some(y)) if x <= y => Ok(if x == y {
                x.to_string()
            } else {
                format!("{x}:{y}")
            }),
            (Some(_), Some(_)) => Err(format!("end year {b} is before start year {a}")),
            _ => Err(format!(
                "`{s}` is not a year (`2026`) or a range (`2026:2027`)"
            )),
        },
        _ => Err(format!(
            "`{s}` is not a year (`2026`) or a range (`2026:2027`)"
        )),
    }
}

/// An IANA zone name (`UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+2`).
fn is_zone_name(s: &str) -> bool {
    if s == "UTC" {
        return true;
    }
    !s.is_empty()
        && s.split('/').count() >= 2
        && s.split('/').all(|p| {
            matches!(p.chars().next(), Some(c) if c.is_ascii_uppercase())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '+')
        })
}

/// Whether the zone is in this machine's time zone database; a machine without one (no
/// /usr/share/zoneinfo) accepts every well-formed name.
fn zone_known(name: &str) -> bool {
    let db = Path::new("/usr/share/zoneinfo");
    name == "UTC" || !db.is_dir() || db.join(name).is_file()
}

fn time_interval(
    cx: &mut Ctx,
    name: &Sp<String>,
    ti: &TimeIntervalSpec,
    path: &str,
) -> Option<TimeInterval> {
    let mut ok = true;
    let location = match &ti.location {
        Some(l) if l.value == "Local" => {
            cx.err_help(
                Code::TimeInterval,
                l.loc,
                format!("{path}.location"),
                "`Local` depends on the machine Alertmanager runs on",
                "name the zone, e.g. `Europe/Berlin` or `UTC`",
            );
            ok = false;
            String::new()
        }
        Some(l) if !is_zone_name(&l.value) => {
            cx.err_help(
                Code::TimeInterval,
                l.loc,
                format!("{path}.location"),
                format!("`{}` is not an IANA time zone name", l.value.escape_debug()),
                "e.g. `UTC`, `Europe/Berlin`, `America/New_York`",
            );
            ok = false;
            String::new()
        }
        Some(l) if !zone_known(&l.value) => {
            cx.err_help(Code::TimeInterval, l.loc, format!("{path}.location"), format!("unknown time zone `{}`", l.value), "Alertmanager would refuse to load it: check the spelling against the IANA time zone database");
            ok = false;
            String::new()
        }
        Some(l) => l.value.clone(),
        None => "UTC".to_string(),
    };
    if ti.periods.is_empty() {
        cx.err(
            Code::TimeInterval,
            name.loc,
            format!("{path}.periods"),
            "a time interval needs at least one period",
        );
        ok = false;
    }
    let mut periods = Vec::new();
    for (i, p) in ti.periods.iter().enumerate() {
        match period(cx, p, &format!("{path}.periods[{i}]"), name.loc) {
            Some(mut ps) => periods.append(&mut ps),
            None => ok = false,
        }
    }
    ok.then(|| TimeInterval {
        name: name.value.clone(),
        location,
        periods,
    })
}

/// One spec period → one or two Alertmanager periods (a range crossing midnight continues on
/// the next day).
fn period(cx: &mut Ctx, p: &PeriodSpec, path: &str, at: Loc) -> Option<Vec<Period>> {
    let mut ok = true;
    let mut same_day: Vec<(u32, u32)> = Vec::new();
    let mut next_day: Vec<(u32, u32)> = Vec::new();
    for (i, t) in p.times.iter().enumerate() {
        let tp = format!("{path}.times[{i}]");
        let s = parse_clock(&t.start_time.value);
        let e = parse_clock(&t.end_time.value);
        for (v, parsed, k) in [
            (&t.start_time, s, "start_time"),
            (&t.end_time, e, "end_time"),
        ] {
            if parsed.is_none() {
                cx.err_help(
                    Code::TimeInterval,
                    v.loc,
                    format!("{tp}.{k}"),
                    format!("`{}` is not a time of day", v.value.escape_debug()),
                    "write `HH:MM` from `00:00` to `24:00`, quoted",
                );
                ok = false;
            }
        }
        let (Some(s), Some(e)) = (s, e) else { continue };
        if s == 1440 {
            cx.err(
                Code::TimeInterval,
                t.start_time.loc,
                format!("{tp}.start_time"),
                "a range cannot start at 24:00",
            );
            ok = false;
        } else if s == e {
            cx.err(
                Code::TimeInterval,
                t.end_time.loc,
                format!("{tp}.end_time"),
                "start and end are equal: the range is empty",
            );
            ok = false;
        } else if s < e {
            same_day.push((s, e));
        } else {
            same_day.push((s, 1440));
            if e > 0 {
                next_day.push((0, e));
            }
        }
    }
    let weekdays = parse_named_set(
        cx,
        &p.weekdays,
        &WEEKDAYS,
        false,
        &format!("{path}.weekdays"),
        "weekday",
        "`monday` or `monday:friday`",
    );
    let months = parse_named_set(
        cx,
        &p.months,
        &MONTHS,
        true,
        &format!("{path}.months"),
        "month",
        "`march`, `3` or `january:march`",
    );
    let mut days_of_month = Vec::new();
    for (i, d) in p.days_of_month.iter().enumerate() {
        match parse_day_of_month(&d.value) {
            Ok(v) => days_of_month.push(v),
            Err(m) => {
                cx.err(
                    Code::TimeInterval,
                    d.loc,
                    format!("{path}.days_of_month[{i}]"),
                    m,
                );
                ok = false;
            }
        }
    }
    let mut years = Vec::new();
    for (i, y) in p.years.iter().enumerate() {
        match parse_year(&y.value) {
            Ok(v) => years.push(v),
            Err(m) => {
                cx.err(Code::TimeInterval, y.loc, format!("{path}.years[{i}]"), m);
                ok = false;
            }
        }
    }
    let (Some(weekdays), Some(months)) = (weekdays, months) else {
        return None;
    };
    if !ok {
        return None;
    }
    if !next_day.is_empty()
        && (!days_of_month.is_empty() || !p.months.is_empty() || !p.years.is_empty())
    {
        let loc = p
            .times
            .iter()
            .find(|t| parse_clock(&t.start_time.value) > parse_clock(&t.end_time.value))
            .map_or(at, |t| t.start_time.loc);
        cx.err_help(
            Code::TimeInterval,
            loc,
            format!("{path}.times"),
            "a range that crosses midnight cannot be combined with days of the month, months or years",
            "write the part after midnight as a period of its own",
        );
        return None;
    }
    let times = |v: &[(u32, u32)]| {
        v.iter()
            .map(|(s, e)| (clock(*s), clock(*e)))
            .collect::<Vec<_>>()
    };
    let month_list = if p.months.is_empty() {
        Vec::new()
    } else {
        render_set(&months, &MONTHS)
    };
    let base = Period {
        times: Vec::new(),
        weekdays: Vec::new(),
        days_of_month,
        months: month_list,
        years,
    };
    if p.weekdays.is_empty() {
        let mut all = same_day;
        all.extend(next_day);
        return Some(vec![Period {
            times: times(&all),
            ..base
        }]);
    }
    let mut out = vec![Period {
        times: times(&same_day),
        weekdays: render_set(&weekdays, &WEEKDAYS),
        ..base.clone()
    }];
    if !next_day.is_empty() {
        let shifted: Vec<bool> = (0..7).map(|d| weekdays[(d + 6) % 7]).collect();
        out.push(Period {
            times: times(&next_day),
            weekdays: render_set(&shifted, &WEEKDAYS),
            ..base
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_parsing_matches_alertmanager() {
        assert_eq!(parse_clock("09:00"), Some(540));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("00:00"), Some(0));
        for bad in ["9:00", "24:01", "25:00", "12:60", "12-00", "12:0", " 12:00"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_of_month_follow_alertmanager_rules() {
        assert_eq!(parse_day_of_month("1:7").unwrap(), "1:7");
        assert_eq!(parse_day_of_month("-3:-1").unwrap(), "-3:-1");
        assert_eq!(parse_day_of_month("5").unwrap(), "5");
        assert!(parse_day_of_month("0").is_err());
        assert!(parse_day_of_month("32").is_err());
        assert!(parse_day_of_month("-1:5").is_err());
        assert!(parse_day_of_month("10:2").is_err());
        assert!(parse_year("2027:2026").is_err());
        assert_eq!(parse_year("2026:2027").unwrap(), "2026:2027");
    }

    #[test]
    fn sets_render_without_wrapping() {
        let mut set = vec![false; 7];
        for d in [5, 6, 0, 1] {
            set[d] = true;
        }
        assert_eq!(
            render_set(&set, &WEEKDAYS),
            vec!["sunday:monday", "friday:saturday"]
        );
        assert!(
            is_zone_name("Europe/Berlin")
                && is_zone_name("UTC")
                && is_zone_name("America/Argentina/Buenos_Aires")
        );
        assert!(
            !is_zone_name("Berlin") && !is_zone_name("europe/berlin") && !is_zone_name("Local")
        );
    }

    #[test]
    fn a_range_across_midnight_continues_on_the_next_days() {
        use crate::load::routing::TimeRangeSpec;
        let sp = |v: &str| Sp::new(v.to_string(), Loc::default());
        let spec = PeriodSpec {
            times: vec![
                TimeRangeSpec {
                    start_time: sp("22:00"),
                    end_time: sp("06:00"),
                },
                TimeRangeSpec {
                    start_time: sp("12:00"),
                    end_time: sp("13:00"),
                },
            ],
            weekdays: vec![sp("Friday:monday")],
            ..PeriodSpec::default()
        };
        let mut diags = Diagnostics::default();
        let mut cx = Ctx {
            file: Path::new("r.yaml"),
            diags: &mut diags,
        };
        let periods = period(&mut cx, &spec, "p", Loc::default()).unwrap();
        assert!(diags.is_empty());
        let t = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(periods.len(), 2);
        assert_eq!(
            periods[0].times,
            vec![t("22:00", "24:00"), t("12:00", "13:00")]
        );
        assert_eq!(
            periods[0].weekdays,
            vec!["sunday:monday", "friday:saturday"]
        );
        assert_eq!(periods[1].times, vec![t("00:00", "06:00")]);
        assert_eq!(periods[1].weekdays, vec!["sunday:tuesday", "saturday"]);
        // Without weekdays both parts are times of the same period.
        let every_day = PeriodSpec {
            times: vec![TimeRangeSpec {
                start_time: sp("23:30"),
                end_time: sp("00:30"),
            }],
            ..PeriodSpec::default()
        };
        let mut cx = Ctx {
            file: Path::new("r.yaml"),
            diags: &mut diags,
        };
        let p = period(&mut cx, &every_day, "p", Loc::default()).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].times, vec![t("23:30", "24:00"), t("00:00", "00:30")]);
    }

    #[test]
    fn zones_are_looked_up_where_a_database_exists() {
        assert!(zone_known("UTC"));
        if Path::new("/usr/share/zoneinfo/Europe/Berlin").is_file() {
            assert!(zone_known("Europe/Berlin"));
            assert!(!zone_known("Europe/Berln"));
        }
    }
}
