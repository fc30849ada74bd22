//! The budget-stage routes of the `AlertRouting` document: one per `budget_stage` value some
//! generated alert carries, timed as notifications of the notify severity.

use crate::diag::Code;
use crate::load::routing::RoutingSpec;
use crate::model::routing::StageRoute;
use crate::validate::Ctx;

use super::{Refs, RouteBase, route_parts};

/// The routes of `budget_stages`, each for a stage some alert carries.
pub(super) fn stage_routes(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    base: &RouteBase,
    refs: &mut Refs,
) -> Vec<StageRoute> {
    let mut stage_routes = Vec::new();
    for (stage, r) in &spec.budget_stages {
        let rp = format!("budget_stages.{}", stage.value);
        if !base.facts.stages.contains(&stage.value) {
            let known: Vec<String> = base.facts.stages.iter().map(|s| format!("`{s}`")).collect();
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
        let parts = route_parts(cx, r, &rp, base, refs);
        stage_routes.push(StageRoute {
            stage: stage.value.clone(),
            receivers: parts.receivers,
            timing: base
                .timing_of(&base.settings.notify_severity)
                .with(&parts.timing),
            mute_time_intervals: parts.mute_time_intervals,
            active_time_intervals: parts.active_time_intervals,
        });
    }
    stage_routes
}
