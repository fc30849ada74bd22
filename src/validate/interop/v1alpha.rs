//! `openslo/v1alpha` SLO documents, read as Sloth reads them: ratio-metric objectives of
//! Prometheus queries, compiled for the default SLO window only.

use std::collections::BTreeMap;

use crate::diag::Code;
use crate::load::openslo as os;
use crate::load::spanned::Sp;
use crate::model::{Duration, Sli};
use crate::validate::{Ctx, Defaults, SloInput, build_slo, check_name, windowed_events};

use super::metadata::{objective_name, slo_labels, team_of};
use super::{Pending, pending};

pub(super) fn v1alpha_slo(
    cx: &mut Ctx,
    d: &Defaults,
    slo: &os::V1AlphaSlo,
    by_service: &mut BTreeMap<String, Pending>,
) {
    let spec = &slo.spec;
    let team = team_of(cx, &slo.metadata);
    let labels = slo_labels(cx, &slo.metadata);
    let mut ok = check_name(cx, &slo.metadata.name, "metadata.name");
    if let Some(m) = spec
        .budgeting_method
        .as_ref()
        .filter(|m| m.value != "Occurrences")
    {
        cx.err(
            Code::Sli,
            m.loc,
            "spec.budgetingMethod",
            format!(
                "budgeting method `{}` is not supported: use `Occurrences`",
                m.value
            ),
        );
        ok = false;
    }
    let window = time_window(cx, d, spec);
    // As Sloth reads it: alerts without `for` (see the Sloth reader).
    let mut alerting = d.alerting.clone();
    super::sloth::without_for(&d.settings, &mut alerting);
    let count = spec.objectives.len();
    let mut built = Vec::new();
    for (i, o) in spec.objectives.iter().enumerate() {
        let op = format!("spec.objectives[{i}]");
        let sli = objective_sli(cx, o, &op, &mut ok);
        let name = Sp::new(
            objective_name(&slo.metadata.name.value, o.display_name.as_ref(), i, count),
            slo.metadata.name.loc,
        );
        let Ok(window) = &window else {
            continue;
        };
        if !ok {
            continue;
        }
        let implied_groups = sli
            .as_ref()
            .and_then(|s| crate::validate::grouping::implied_group_by(s, name.loc));
        let input = SloInput {
            service: &spec.service.value,
            team: &team,
            service_tier: None,
            name: &name,
            description: spec.description.as_ref(),
            objective: None,
            window: window.as_ref(),
            sli,
            labels: labels.clone(),
            alerting: alerting.clone(),
            path: op,
            severity_labels: BTreeMap::new(),
            objective_ratio: Some(o.target.clone()),
            custom_tiers: None,
            group_by: implied_groups,
            max_groups: None,
            calendar: None,
            exclusions: Vec::new(),
        };
        if let Some(s) = build_slo(cx, d, None, input) {
            built.push(s);
        }
    }
    if let Some(p) = pending(cx, by_service, &spec.service, team) {
        p.add(cx, built, slo.metadata.name.loc);
    }
}

/// The SLO's window: its one rolling time window, which must be the default SLO window;
/// `Ok(None)` (the default SLO window) without `timeWindows`, as Sloth reads it; `Err` once
/// reported.
fn time_window(
    cx: &mut Ctx,
    d: &Defaults,
    spec: &os::V1AlphaSpec,
) -> Result<Option<Sp<String>>, ()> {
    let Some(windows) = &spec.time_windows else {
        return Ok(None);
    };
    match windows.value.as_slice() {
        [w] if w.is_rolling => rolling_window(cx, d, w).map(Some).ok_or(()),
        [w] => {
            cx.err(
                Code::DurationSyntax,
                w.count.loc,
                "spec.timeWindows[0]",
                "calendar windows are not supported: use a rolling window",
            );
            Err(())
        }
        _ => {
            cx.err(
                Code::DurationSyntax,
                windows.loc,
                "spec.timeWindows",
                "give exactly one time window",
            );
            Err(())
        }
    }
}

fn rolling_window(cx: &mut Ctx, d: &Defaults, w: &os::V1AlphaTimeWindow) -> Option<Sp<String>> {
    let unit = match w.unit.value.as_str() {
        "Day" | "day" | "d" => "d",
        "Week" | "week" | "w" => "w",
        "Hour" | "hour" | "h" => "h",
        _ => {
            cx.err(
                Code::DurationSyntax,
                w.unit.loc,
                "spec.timeWindows[0].unit",
                format!(
                    "unit `{}` is not supported: use Day, Week or Hour",
                    w.unit.value
                ),
            );
            return None;
        }
    };
    // Sloth compiles openslo/v1alpha SLOs only for its configured SLO period.
    match Duration::parse(&format!("{}{unit}", w.count.value)) {
        Ok(v) if v == d.window => Some(Sp::new(d.window.to_string(), w.count.loc)),
        Ok(v) => {
            cx.err_help(
                Code::DurationSyntax,
                w.count.loc,
                "spec.timeWindows[0]",
                format!("time window {v} is not the default SLO window {}: openslo/v1alpha SLOs are compiled for that window only, as Sloth does", d.window),
                "set `window` in the Defaults document, or write the SLO in openslo/v1 or the native format, which take any window",
            );
            None
        }
        Err(e) => {
            cx.err(
                Code::DurationSyntax,
                w.count.loc,
                "spec.timeWindows[0]",
                e.to_string(),
            );
            None
        }
    }
}

/// The SLI of objective `o` (at `op`): errors (total − good) over total of Prometheus queries;
/// a source other than Prometheus clears `ok`.
fn objective_sli(cx: &mut Ctx, o: &os::V1AlphaObjective, op: &str, ok: &mut bool) -> Option<Sli> {
    let Some(r) = &o.ratio_metrics else {
        cx.err(
            Code::Sli,
            o.target.loc,
            op,
            "only ratioMetrics objectives are supported",
        );
        return None;
    };
    for q in [&r.value.good, &r.value.total] {
        if !q.source.value.eq_ignore_ascii_case("prometheus") {
            cx.err(
                Code::Sli,
                q.source.loc,
                format!("{op}.ratioMetrics"),
                format!(
                    "source `{}` is not supported: only prometheus",
                    q.source.value
                ),
            );
            *ok = false;
        }
    }
    let errors = Sp::new(
        format!(
            "({}) - ({})",
            r.value.total.query.value.trim(),
            r.value.good.query.value.trim()
        ),
        r.value.good.query.loc,
    );
    windowed_events(
        cx,
        &errors,
        &r.value.total.query,
        &format!("{op}.ratioMetrics.good.query"),
        &format!("{op}.ratioMetrics.total.query"),
    )
}
