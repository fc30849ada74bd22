//! Validation of the `AlertRouting` document against the fleet: every reference resolved,
//! every team and severity that generated alerts carry routed, secrets only as file paths,
//! time intervals checked the way Alertmanager checks them (and put into a form it reads
//! correctly). This module finds the document and assembles the routing from its parts.

pub(super) mod calendar;
mod exclusions;
mod facts;
mod http;
mod integrations;
mod intervals;
mod kubernetes;
mod receivers;
mod releases;
mod settings;
mod severities;
mod stages;
mod teams;
mod timing;

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Code, Diagnostics};
use crate::load::routing::{RoutingSpec, SeverityRouteSpec};
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc, native};
use crate::model::routing::{Routing, Timing, TimingOverride};
use crate::model::{Service, Settings};

use super::Ctx;
use facts::FleetFacts;
use intervals::IntervalRefs;
use receivers::ReceiverRefs;

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
    let Some((file, spec)) = found else {
        exclusions::warn_without_routing(services, diags);
        return None;
    };
    let errors_before = diags.error_count();
    let mut cx = Ctx { file, diags };
    let routing = routing(&mut cx, spec, services, settings, loaded);
    if cx.diags.error_count() > errors_before {
        return None;
    }
    routing
}

fn check_name(cx: &mut Ctx, s: &Sp<String>, path: &str) -> bool {
    super::labels::check_name_for(cx, s, path, "")
}

/// What every team and budget-stage route is checked against and timed from.
struct RouteBase<'a> {
    facts: &'a FleetFacts,
    settings: &'a Settings,
    /// The audit receivers, which no route may list.
    audit: &'a [String],
    /// The default receiver, which no route may list.
    default_receiver: &'a str,
    defaults: &'a Timing,
    severity_timing: &'a BTreeMap<String, TimingOverride>,
    severity_order: &'a [String],
}

impl RouteBase<'_> {
    /// The timing of a route of severity `sev` before the team's and the route's own: the
    /// defaults with the severity's overrides.
    fn timing_of(&self, sev: &str) -> Timing {
        self.defaults.with(
            self.severity_timing
                .get(sev)
                .unwrap_or(&TimingOverride::default()),
        )
    }
}

/// The references routes make to receivers and time intervals.
struct Refs<'a> {
    receivers: ReceiverRefs<'a>,
    intervals: IntervalRefs<'a>,
}

/// What a team's severity route and a budget-stage route have alike, checked.
struct RouteParts {
    timing: TimingOverride,
    mute_time_intervals: Vec<String>,
    active_time_intervals: Vec<String>,
    receivers: Vec<String>,
}

/// The parts of the route at `rp`, checked in order: timing, mute and active time intervals,
/// receivers.
fn route_parts(
    cx: &mut Ctx,
    r: &SeverityRouteSpec,
    rp: &str,
    base: &RouteBase,
    refs: &mut Refs,
) -> RouteParts {
    let timing = timing::timing_override(cx, &r.timing(), rp, base.facts);
    let mute_time_intervals = refs.intervals.check(
        cx,
        &r.mute_time_intervals,
        &format!("{rp}.mute_time_intervals"),
    );
    let active_time_intervals = refs.intervals.check(
        cx,
        &r.active_time_intervals,
        &format!("{rp}.active_time_intervals"),
    );
    let receivers = receivers::receiver_list(
        cx,
        &r.receivers,
        rp,
        (base.audit, base.default_receiver),
        &mut refs.receivers,
    );
    RouteParts {
        timing,
        mute_time_intervals,
        active_time_intervals,
        receivers,
    }
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
    let facts = facts::fleet_facts(services);
    let receivers = receivers::receivers(cx, spec);
    let alertmanager_version = releases::alertmanager_version(cx, spec);
    releases::check(cx, spec, &receivers, alertmanager_version);
    let mut receiver_refs = ReceiverRefs::new(&spec.receivers);
    receivers::default_receiver(cx, spec, &mut receiver_refs);
    let audit = receivers::audit_receivers(cx, spec, &mut receiver_refs);
    let mut time_intervals = intervals::time_intervals(cx, spec);
    let slo_mutes = exclusions::slo_mutes(cx, spec, services, &mut time_intervals);
    let mut refs = Refs {
        receivers: receiver_refs,
        intervals: IntervalRefs::new(&spec.time_intervals),
    };

    let severity_order = severities::severity_order(cx, spec, &facts, settings);
    let mut defaults = timing::default_timing();
    if let Some(d) = &spec.defaults {
        defaults = defaults.with(&timing::timing_override(cx, d, "defaults", &facts));
    }
    let severity_timing = severities::severity_timing(cx, spec, &facts, settings, &severity_order);

    let base = RouteBase {
        facts: &facts,
        settings,
        audit: &audit,
        default_receiver: &spec.default_receiver.value,
        defaults: &defaults,
        severity_timing: &severity_timing,
        severity_order: &severity_order,
    };
    teams::report_unrouted(cx, spec, &facts, loaded);
    let teams = teams::teams(cx, spec, &base, &mut refs);
    let stage_routes = stages::stage_routes(cx, spec, &base, &mut refs);
    refs.receivers.warn_unused(cx);
    refs.intervals.warn_unused(cx);
    let operator = kubernetes::operator(cx, spec);
    Some(Routing {
        file: cx.file.to_path_buf(),
        loc: spec.kind.loc,
        default_receiver: spec.default_receiver.value.clone(),
        audit_receivers: audit,
        defaults,
        severity_order,
        templates: spec.templates.as_ref().is_some_and(|t| t.value),
        receivers,
        time_intervals,
        teams,
        stage_routes,
        operator,
        alertmanager_version,
        slo_mutes,
    })
}
