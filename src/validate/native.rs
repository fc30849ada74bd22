//! Native service specs (`kind: Service`) → services of the model.

use std::collections::BTreeMap;

use super::Ctx;
use super::calendar_window;
use super::clashes::{check_group_clashes, check_slo_name_unique};
use super::defaults::{Defaults, TierDefaults, merge_alerting};
use super::labels::{check_labels, check_name, check_service_name};
use super::sli::native_sli;
use super::slo::{SloInput, build_slo};
use crate::diag::{Code, Loc};
use crate::load::native;
use crate::load::native_window::WindowSpec;
use crate::load::spanned::Sp;
use crate::model::{Service, Slo, SourceFormat};

pub(super) fn service_from_native(
    cx: &mut Ctx,
    d: &Defaults,
    s: &native::ServiceSpec,
) -> Option<Service> {
    if s.api_version.value != native::API_VERSION {
        cx.err(
            Code::UnknownKind,
            s.api_version.loc,
            "apiVersion",
            format!("expected `{}`", native::API_VERSION),
        );
    }
    let name_ok = check_service_name(cx, &s.name, "name");
    let team_ok = check_name(cx, &s.team, "team");
    let tier = service_tier(cx, d, s);
    let mut service_labels = BTreeMap::new();
    check_labels(cx, &s.labels, "labels", &mut service_labels);
    if s.slos.is_empty() {
        cx.err(Code::Sli, s.name.loc, "slos", "the service has no SLOs");
    }
    let mut slos = Vec::new();
    let mut seen: BTreeMap<&str, Loc> = BTreeMap::new();
    for (i, slo) in s.slos.iter().enumerate() {
        let path = format!("slos[{i}]");
        check_name(cx, &slo.name, &format!("{path}.name"));
        check_slo_name_unique(cx, &mut seen, &slo.name, &path);
        slos.extend(slo_from_native(cx, d, s, tier, &service_labels, slo, path));
    }
    check_group_clashes(
        cx,
        &s.name.value,
        &slos,
        &d.settings,
        &s.slos.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
    );
    (name_ok && team_ok).then(|| Service {
        name: s.name.value.clone(),
        team: s.team.value.clone(),
        tier: s.tier.as_ref().map(|t| t.value.clone()),
        file: cx.file.to_path_buf(),
        format: SourceFormat::Native,
        slos,
    })
}

/// The defaults of the service's tier, when it names one the fleet has.
fn service_tier<'d>(
    cx: &mut Ctx,
    d: &'d Defaults,
    s: &native::ServiceSpec,
) -> Option<&'d TierDefaults> {
    let t = s.tier.as_ref()?;
    if let Some(td) = d.tiers.get(&t.value) {
        return Some(td);
    }
    let known: Vec<String> = d.tiers.keys().map(|k| format!("`{k}`")).collect();
    let help = if known.is_empty() {
        "no tiers are defined: add them under `tiers` in a `kind: Defaults` document".to_string()
    } else {
        format!("known tiers: {}", known.join(", "))
    };
    cx.err_help(
        Code::UnknownReference,
        t.loc,
        "tier",
        format!("unknown tier `{}`", t.value),
        help,
    );
    None
}

/// One SLO of a native service: its alerting settings are the fleet's, the tier's, the
/// service's and its own, each over the one before.
fn slo_from_native(
    cx: &mut Ctx,
    d: &Defaults,
    s: &native::ServiceSpec,
    tier: Option<&TierDefaults>,
    service_labels: &BTreeMap<String, String>,
    slo: &native::SloSpec,
    path: String,
) -> Option<Slo> {
    let mut labels = service_labels.clone();
    check_labels(cx, &slo.labels, &format!("{path}.labels"), &mut labels);
    let sli = native_sli(cx, &slo.sli, tier, &d.settings.engines, &path);
    let mut alerting = d.alerting.clone();
    if let Some(a) = tier.and_then(|t| t.alerting.as_ref()) {
        merge_alerting(&mut alerting, a);
    }
    if let Some(a) = &s.alerting {
        merge_alerting(&mut alerting, a);
    }
    if let Some(a) = &slo.alerting {
        merge_alerting(&mut alerting, a);
    }
    let wpath = format!("{path}.window");
    let (window, calendar) = match slo.window.as_ref() {
        Some(Sp {
            value: WindowSpec::Rolling(w),
            loc,
        }) => (Some(Sp::new(w.clone(), *loc)), None),
        Some(Sp {
            value: WindowSpec::Calendar(c),
            ..
        }) => (None, calendar_window::calendar(cx, c, &wpath)),
        None => (None, None),
    };
    let exclusions = calendar_window::exclusions(
        cx,
        (&s.exclusions, "exclusions"),
        (&slo.exclusions, &format!("{path}.exclusions")),
    );
    let input = SloInput {
        service: &s.name.value,
        team: &s.team.value,
        service_tier: s.tier.as_ref().map(|t| t.value.as_str()),
        name: &slo.name,
        description: slo.description.as_ref(),
        objective: slo.objective.as_ref(),
        window: window.as_ref(),
        sli,
        labels,
        alerting,
        path,
        severity_labels: BTreeMap::new(),
        objective_ratio: None,
        custom_tiers: None,
        group_by: slo.group_by.clone(),
        max_groups: slo.max_groups.clone(),
        calendar,
        exclusions,
    };
    build_slo(cx, d, tier, input)
}
