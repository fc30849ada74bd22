//! The alert policies of an OpenSLO SLO: their burn-rate conditions as alert tiers, their
//! `alertWhenNoData` as the no-data alerts, and a warning for the notification targets, which
//! are routed by the `AlertRouting` document instead.

use crate::diag::{Code, Loc};
use crate::load::native::{AlertingSpec, SeverityKind};
use crate::load::openslo as os;
use crate::load::spanned::Sp;
use crate::model::{AlertTierPolicy, Decimal, Duration};
use crate::validate::{Ctx, Defaults, check_name, scale_window};

use super::index::Index;

fn severity_kind(s: &str) -> SeverityKind {
    match s.to_ascii_lowercase().as_str() {
        "page" | "critical" | "high" | "p0" | "p1" | "sev1" | "urgent" => SeverityKind::Page,
        _ => SeverityKind::Ticket,
    }
}

/// The SLO's alert policies' `alertWhenNoData`: on when any policy asks for it, off when every
/// policy that says anything turns it off, else unsaid (sloforge's default, on).
pub(super) fn no_data_from_policies(ix: &Index, slo: &os::SloSpec) -> Option<bool> {
    let said: Vec<bool> = slo
        .alert_policies
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(
            |item| match (&item.value.alert_policy_ref, &item.value.spec) {
                (Some(r), _) => ix
                    .policies
                    .get(r.value.as_str())
                    .and_then(|p| p.doc.spec.alert_when_no_data),
                (None, Some(spec)) => spec.alert_when_no_data,
                (None, None) => None,
            },
        )
        .collect();
    if said.contains(&true) {
        Some(true)
    } else if said.is_empty() {
        None
    } else {
        Some(false)
    }
}

/// `alerting` with the no-data alerts turned on or off, where `enabled` says.
pub(super) fn with_no_data(
    mut alerting: AlertingSpec,
    enabled: Option<bool>,
    loc: Loc,
) -> AlertingSpec {
    if let Some(e) = enabled {
        alerting
            .no_data
            .get_or_insert_with(Default::default)
            .enabled = Some(Sp::new(e, loc));
    }
    alerting
}

/// The SLO an alert policy is read for: its defaults, its window and the evaluation step.
struct Scope<'a> {
    d: &'a Defaults,
    ix: &'a Index<'a>,
    window: Duration,
    step: Duration,
}

/// Alert conditions → alert tiers of this SLO: a condition with a policy tier's burn rate and
/// (scaled) long window becomes that tier; any other becomes a tier of its own whose short
/// window is a twelfth of its lookback window (the Workbook's ratio).
pub(super) fn tiers_from_policies(
    cx: &mut Ctx,
    d: &Defaults,
    ix: &Index,
    slo: &os::SloSpec,
    window: Duration,
    path: &str,
) -> Option<Vec<AlertTierPolicy>> {
    let policies = slo.alert_policies.as_deref().unwrap_or_default();
    if policies.is_empty() {
        return None;
    }
    let scope = Scope {
        d,
        ix,
        window,
        step: d.settings.evaluation_interval,
    };
    let mut tiers: Vec<AlertTierPolicy> = Vec::new();
    for (i, item) in policies.iter().enumerate() {
        let pp = format!("{path}.alertPolicies[{i}]");
        let Some(policy) = resolve_policy(cx, ix, item, &pp) else {
            continue;
        };
        warn_of_targets(cx, ix, policy, &pp);
        for (j, c) in policy.conditions.iter().enumerate() {
            let cp = format!("{pp}.conditions[{j}]");
            let Some(tier) = condition_tier(cx, &scope, c, j, &cp) else {
                continue;
            };
            if tiers.iter().any(|t| t.name == tier.name) {
                cx.err(
                    Code::Config,
                    c.loc,
                    &cp,
                    format!("two conditions map to the alert tier `{}`", tier.name),
                );
                continue;
            }
            tiers.push(tier);
        }
    }
    Some(tiers)
}

/// The alert policy an SLO lists (at `pp`): by reference or inline.
fn resolve_policy<'a>(
    cx: &mut Ctx,
    ix: &'a Index,
    item: &'a Sp<os::AlertPolicyItem>,
    pp: &str,
) -> Option<&'a os::AlertPolicySpec> {
    match (&item.value.alert_policy_ref, &item.value.spec) {
        (Some(r), _) => match ix.policies.get(r.value.as_str()) {
            Some(p) => Some(&p.doc.spec),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    format!("{pp}.alertPolicyRef"),
                    format!("no AlertPolicy named `{}`", r.value),
                );
                None
            }
        },
        (None, Some(spec)) => Some(spec),
        (None, None) => {
            cx.err(
                Code::Schema,
                item.loc,
                pp,
                "give `alertPolicyRef` or an inline AlertPolicy",
            );
            None
        }
    }
}

/// A warning for each notification target of a policy (an error for an unknown reference):
/// routing comes from the `AlertRouting` document.
fn warn_of_targets(cx: &mut Ctx, ix: &Index, policy: &os::AlertPolicySpec, pp: &str) {
    for t in &policy.notification_targets {
        let name = t
            .value
            .target_ref
            .as_ref()
            .map(|r| r.value.clone())
            .or_else(|| t.value.metadata.as_ref().map(|m| m.name.value.clone()))
            .unwrap_or_default();
        if let Some(r) = &t.value.target_ref
            && !ix.targets.contains_key(r.value.as_str())
        {
            cx.err(
                Code::UnknownReference,
                r.loc,
                format!("{pp}.notificationTargets"),
                format!("no AlertNotificationTarget named `{}`", r.value),
            );
            continue;
        }
        cx.warn(
            Code::NotMapped,
            t.loc,
            format!("{pp}.notificationTargets"),
            format!("notification target `{name}` is not turned into Alertmanager routing: route this SLO's alerts by their `team` label in an AlertRouting document"),
        );
    }
}

/// The alert condition `j` of a policy (at `cp`) with its name: by reference or inline (named
/// by its index when it has no metadata).
fn resolve_condition<'a>(
    cx: &mut Ctx,
    ix: &'a Index,
    c: &'a Sp<os::ConditionItem>,
    j: usize,
    cp: &str,
) -> Option<(Sp<String>, &'a os::AlertConditionSpec)> {
    match (&c.value.condition_ref, &c.value.spec) {
        (Some(r), _) => match ix.conditions.get(r.value.as_str()) {
            Some(cd) => Some((cd.doc.metadata.name.clone(), &cd.doc.spec)),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    format!("{cp}.conditionRef"),
                    format!("no AlertCondition named `{}`", r.value),
                );
                None
            }
        },
        (None, Some(spec)) => match &c.value.metadata {
            Some(m) => Some((m.name.clone(), spec)),
            None => Some((Sp::new(format!("condition-{j}"), c.loc), spec)),
        },
        (None, None) => {
            cx.err(
                Code::Schema,
                c.loc,
                cp,
                "give `conditionRef` or an inline AlertCondition",
            );
            None
        }
    }
}

/// The alert tier of a burn-rate condition (at `cp`): a tier of the settings when its burn rate
/// and scaled long window match, else a tier of its own named after the condition.
fn condition_tier(
    cx: &mut Ctx,
    scope: &Scope,
    c: &Sp<os::ConditionItem>,
    j: usize,
    cp: &str,
) -> Option<AlertTierPolicy> {
    let (name, spec) = resolve_condition(cx, scope.ix, c, j, cp)?;
    let cond = &spec.condition.value;
    if !cond.kind.value.eq_ignore_ascii_case("burnrate") {
        cx.err(
            Code::Sli,
            cond.kind.loc,
            format!("{cp}.condition.kind"),
            format!(
                "condition kind `{}` is not supported: only `burnrate`",
                cond.kind.value
            ),
        );
        return None;
    }
    if let Some(op) = &cond.op
        && !matches!(op.value.as_str(), "gte" | "gt")
    {
        cx.err(
            Code::Sli,
            op.loc,
            format!("{cp}.condition.op"),
            format!(
                "operator `{}` is not supported for a burn rate: use `gte` or `gt`",
                op.value
            ),
        );
        return None;
    }
    let Some(burn) = Decimal::from_f64(cond.threshold.value).filter(|b| b.is_positive()) else {
        cx.err(
            Code::Config,
            cond.threshold.loc,
            format!("{cp}.condition.threshold"),
            "the burn-rate threshold must be a positive number",
        );
        return None;
    };
    let long = cx.duration(
        &cond.lookback_window,
        &format!("{cp}.condition.lookbackWindow"),
    )?;
    let (step, window) = (scope.step, scope.window);
    if long < step {
        cx.err(
            Code::DurationSyntax,
            cond.lookback_window.loc,
            format!("{cp}.condition.lookbackWindow"),
            format!("lookback window {long} is shorter than the evaluation interval"),
        );
        return None;
    }
    let for_ = cond
        .alert_after
        .as_ref()
        .and_then(|a| cx.duration(a, &format!("{cp}.condition.alertAfter")))
        .unwrap_or(Duration::ZERO);
    let settings = &scope.d.settings;
    let matching = settings
        .alert_tiers
        .iter()
        .find(|t| t.burn_rate == burn && scale_window(t.long_window, window, step) == long);
    if let Some(t) = matching {
        return Some(AlertTierPolicy {
            long_window: long,
            short_window: scale_window(t.short_window, window, step),
            for_,
            ..t.clone()
        });
    }
    if !check_name(cx, &name, &format!("{cp}.metadata.name")) {
        return None;
    }
    Some(AlertTierPolicy {
        name: name.value.clone(),
        severity: severity_kind(&spec.severity.value),
        long_window: long,
        short_window: long.div_floor(12).round_to(step).max(settings.base_window),
        burn_rate: burn,
        for_,
        keep_firing_for: Duration::ZERO,
    })
}
