//! OpenSLO input (`openslo/v1` with references between documents, `openslo/v1alpha` as Sloth
//! reads it) → services of the model, through the same checks as native specs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{
    Ctx, Defaults, SloInput, build_slo, check_labels, check_name, check_ratio_sources, is_name,
    parse_selector_expr, scale_window, windowed_events,
};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::load::native::{AlertingSpec, SeverityKind};
use crate::load::node::Value;
use crate::load::openslo::{self as os, V1Doc};
use crate::load::sloth;
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc};
use crate::model::{AlertTierPolicy, Counter, Decimal, Duration, Service, Sli, SourceFormat};

/// A service assembled from OpenSLO SLO documents, with where it was first named.
pub(super) struct OpenSloService {
    pub service: Service,
    pub file: PathBuf,
    pub loc: Loc,
}

struct Named<'a, T> {
    file: &'a Path,
    doc: &'a os::Doc<T>,
}

struct Index<'a> {
    slis: BTreeMap<&'a str, Named<'a, os::SliSpec>>,
    policies: BTreeMap<&'a str, Named<'a, os::AlertPolicySpec>>,
    conditions: BTreeMap<&'a str, Named<'a, os::AlertConditionSpec>>,
    targets: BTreeMap<&'a str, Named<'a, os::NotificationTargetSpec>>,
    sources: BTreeMap<&'a str, Named<'a, os::DataSourceSpec>>,
}

fn index<'a>(loaded: &'a Loaded, diags: &mut Diagnostics) -> Index<'a> {
    let mut ix = Index {
        slis: BTreeMap::new(),
        policies: BTreeMap::new(),
        conditions: BTreeMap::new(),
        targets: BTreeMap::new(),
        sources: BTreeMap::new(),
    };
    fn put<'a, T>(
        map: &mut BTreeMap<&'a str, Named<'a, T>>,
        file: &'a Path,
        doc: &'a os::Doc<T>,
        diags: &mut Diagnostics,
    ) {
        let name = doc.metadata.name.value.as_str();
        if let Some(first) = map.get(name) {
            diags.push(Diagnostic::error(
                Code::DuplicateSlo,
                file,
                doc.metadata.name.loc,
                "metadata.name",
                format!(
                    "{} `{name}` is defined twice (first in {})",
                    doc.kind.value,
                    first.file.display()
                ),
            ));
            return;
        }
        map.insert(name, Named { file, doc });
    }
    for d in &loaded.docs {
        let RawDoc::OpenSlo(doc) = &d.doc else {
            continue;
        };
        match doc.as_ref() {
            V1Doc::Sli(x) => put(&mut ix.slis, &d.file, x, diags),
            V1Doc::AlertPolicy(x) => put(&mut ix.policies, &d.file, x, diags),
            V1Doc::AlertCondition(x) => put(&mut ix.conditions, &d.file, x, diags),
            V1Doc::AlertNotificationTarget(x) => put(&mut ix.targets, &d.file, x, diags),
            V1Doc::DataSource(x) => put(&mut ix.sources, &d.file, x, diags),
            V1Doc::Slo(_) | V1Doc::Service(_) => {}
        }
    }
    ix
}

fn label_text(v: &Sp<Value>) -> Option<String> {
    match &v.value {
        Value::Str(s) => Some(s.clone()),
        Value::Seq(items) => items
            .first()
            .and_then(|i| i.value.as_str().map(str::to_string)),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(v.value.scalar_text()),
        _ => None,
    }
}

fn team_of(cx: &mut Ctx, meta: &os::Metadata) -> String {
    for key in ["team", "owner"] {
        if let Some(v) = meta.labels.get(key)
            && let Some(t) = label_text(v)
        {
            if is_name(&t) {
                return t;
            }
            check_name(cx, &Sp::new(t, v.loc), &format!("metadata.labels.{key}"));
        }
    }
    "unowned".to_string()
}

fn slo_labels(cx: &mut Ctx, meta: &os::Metadata) -> BTreeMap<String, String> {
    let raw: BTreeMap<Sp<String>, Sp<String>> = meta
        .labels
        .iter()
        .filter(|(k, _)| *k != "team" && *k != "owner")
        .filter_map(|(k, v)| label_text(v).map(|t| (Sp::new(k.clone(), v.loc), Sp::new(t, v.loc))))
        .collect();
    let mut out = BTreeMap::new();
    check_labels(cx, &raw, "metadata.labels", &mut out);
    out
}

/// The Prometheus query of a metric source (inline `type: Prometheus` or a DataSource ref).
fn prometheus_query(
    cx: &mut Ctx,
    ix: &Index,
    m: &Sp<os::Metric>,
    path: &str,
) -> Option<Sp<String>> {
    let src = &m.value.metric_source;
    let kind = match (&src.type_, &src.metric_source_ref) {
        (Some(t), _) => Some(t.value.clone()),
        (None, Some(r)) => match ix.sources.get(r.value.as_str()) {
            Some(ds) => ds.doc.spec.type_.as_ref().map(|t| t.value.clone()),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    format!("{path}.metricSource.metricSourceRef"),
                    format!("no DataSource named `{}`", r.value),
                );
                return None;
            }
        },
        (None, None) => None,
    };
    if !kind
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("prometheus"))
    {
        cx.err(
            Code::Sli,
            src.type_.as_ref().map_or(m.loc, |t| t.loc),
            format!("{path}.metricSource.type"),
            format!(
                "metric source `{}` is not supported: sloforge compiles Prometheus sources only",
                kind.unwrap_or_else(|| "(none)".into())
            ),
        );
        return None;
    }
    match src.spec.value.get("query") {
        Some(q) => match &q.value {
            Value::Str(s) => Some(Sp::new(s.clone(), q.loc)),
            other => {
                cx.err(
                    Code::Schema,
                    q.loc,
                    format!("{path}.metricSource.spec.query"),
                    format!("expected a string, found {}", other.kind_name()),
                );
                None
            }
        },
        None => {
            cx.err(
                Code::Schema,
                src.spec.loc,
                format!("{path}.metricSource.spec"),
                "missing `query`",
            );
            None
        }
    }
}

fn sli_from(cx: &mut Ctx, ix: &Index, sli: &os::SliSpec, loc: Loc, path: &str) -> Option<Sli> {
    if let Some(t) = &sli.threshold_metric {
        cx.err(
            Code::Sli,
            t.loc,
            format!("{path}.thresholdMetric"),
            "thresholdMetric SLIs are not supported: use a ratioMetric of Prometheus counters",
        );
        return None;
    }
    let Some(r) = &sli.ratio_metric else {
        cx.err(Code::Sli, loc, path, "the SLI has no ratioMetric");
        return None;
    };
    let rp = format!("{path}.ratioMetric");
    if let Some(raw) = &r.value.raw {
        cx.err(
            Code::Sli,
            raw.loc,
            format!("{rp}.raw"),
            "raw ratio metrics are not supported: give good or bad, and total",
        );
        return None;
    }
    if !r.value.counter {
        cx.err(
            Code::Sli,
            r.loc,
            format!("{rp}.counter"),
            "only counters are supported (`counter: true`): sloforge takes their rate",
        );
        return None;
    }
    let Some(total) = &r.value.total else {
        cx.err(Code::Schema, r.loc, &rp, "missing required field `total`");
        return None;
    };
    let total = prometheus_query(cx, ix, total, &format!("{rp}.total"))
        .and_then(|q| parse_selector_expr(cx, &q, &format!("{rp}.total.metricSource.spec.query")));
    let (part, query) = match (&r.value.good, &r.value.bad) {
        (Some(g), None) => ("good", g),
        (None, Some(b)) => ("bad", b),
        _ => {
            cx.err(
                Code::Sli,
                r.loc,
                &rp,
                "give exactly one of `good` and `bad`",
            );
            return None;
        }
    };
    let part_path = format!("{rp}.{part}.metricSource.spec.query");
    let query = prometheus_query(cx, ix, query, &format!("{rp}.{part}"))?;
    let expr = parse_selector_expr(cx, &query, &part_path);
    let (expr, total) = (expr?, total?);
    if expr.to_string() == total.to_string() {
        cx.err(
            Code::SameSeries,
            r.loc,
            &rp,
            "the good/bad and total queries are the same: the ratio would be constant",
        );
        return None;
    }
    check_ratio_sources(cx, &expr, query.loc, &part_path, &total);
    let counter = if part == "good" {
        Counter::Good(expr)
    } else {
        Counter::Errors(expr)
    };
    Some(Sli::Ratio {
        errors: counter,
        total,
    })
}

fn severity_kind(s: &str) -> SeverityKind {
    match s.to_ascii_lowercase().as_str() {
        "page" | "critical" | "high" | "p0" | "p1" | "sev1" | "urgent" => SeverityKind::Page,
        _ => SeverityKind::Ticket,
    }
}

/// The SLO's alert policies' `alertWhenNoData`: on when any policy asks for it, off when every
/// policy that says anything turns it off, else unsaid (sloforge's default, on).
fn no_data_from_policies(ix: &Index, slo: &os::SloSpec) -> Option<bool> {
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
fn with_no_data(mut alerting: AlertingSpec, enabled: Option<bool>, loc: Loc) -> AlertingSpec {
    if let Some(e) = enabled {
        alerting
            .no_data
            .get_or_insert_with(Default::default)
            .enabled = Some(Sp::new(e, loc));
    }
    alerting
}

/// Alert conditions → alert tiers of this SLO: a condition with a policy tier's burn rate and
/// (scaled) long window becomes that tier; any other becomes a tier of its own whose short
/// window is a twelfth of its lookback window (the Workbook's ratio).
fn tiers_from_policies(
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
    let step = d.settings.evaluation_interval;
    let mut tiers: Vec<AlertTierPolicy> = Vec::new();
    for (i, item) in policies.iter().enumerate() {
        let pp = format!("{path}.alertPolicies[{i}]");
        let policy: Option<&os::AlertPolicySpec> =
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
                        &pp,
                        "give `alertPolicyRef` or an inline AlertPolicy",
                    );
                    None
                }
            };
        let Some(policy) = policy else { continue };
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
        for (j, c) in policy.conditions.iter().enumerate() {
            let cp = format!("{pp}.conditions[{j}]");
            let (name, spec) = match (&c.value.condition_ref, &c.value.spec) {
                (Some(r), _) => match ix.conditions.get(r.value.as_str()) {
                    Some(cd) => (cd.doc.metadata.name.clone(), &cd.doc.spec),
                    None => {
                        cx.err(
                            Code::UnknownReference,
                            r.loc,
                            format!("{cp}.conditionRef"),
                            format!("no AlertCondition named `{}`", r.value),
                        );
                        continue;
                    }
                },
                (None, Some(spec)) => match &c.value.metadata {
                    Some(m) => (m.name.clone(), spec),
                    None => (Sp::new(format!("condition-{j}"), c.loc), spec),
                },
                (None, None) => {
                    cx.err(
                        Code::Schema,
                        c.loc,
                        &cp,
                        "give `conditionRef` or an inline AlertCondition",
                    );
                    continue;
                }
            };
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
                continue;
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
                continue;
            }
            let Some(burn) = Decimal::from_f64(cond.threshold.value).filter(|b| b.is_positive())
            else {
                cx.err(
                    Code::Config,
                    cond.threshold.loc,
                    format!("{cp}.condition.threshold"),
                    "the burn-rate threshold must be a positive number",
                );
                continue;
            };
            let Some(long) = cx.duration(
                &cond.lookback_window,
                &format!("{cp}.condition.lookbackWindow"),
            ) else {
                continue;
            };
            if long < step {
                cx.err(
                    Code::DurationSyntax,
                    cond.lookback_window.loc,
                    format!("{cp}.condition.lookbackWindow"),
                    format!("lookback window {long} is shorter than the evaluation interval"),
                );
                continue;
            }
            let for_ = cond
                .alert_after
                .as_ref()
                .and_then(|a| cx.duration(a, &format!("{cp}.condition.alertAfter")))
                .unwrap_or(Duration::ZERO);
            let matching =
                d.settings.alert_tiers.iter().find(|t| {
                    t.burn_rate == burn && scale_window(t.long_window, window, step) == long
                });
            let tier = match matching {
                Some(t) => AlertTierPolicy {
                    long_window: long,
                    short_window: scale_window(t.short_window, window, step),
                    for_,
                    ..t.clone()
                },
                None => {
                    if !check_name(cx, &name, &format!("{cp}.metadata.name")) {
                        continue;
                    }
                    AlertTierPolicy {
                        name: name.value.clone(),
                        severity: severity_kind(&spec.severity.value),
                        long_window: long,
                        short_window: long
                            .div_floor(12)
                            .round_to(step)
                            .max(d.settings.base_window),
                        burn_rate: burn,
                        for_,
                        keep_firing_for: Duration::ZERO,
                    }
                }
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

fn objective_name(base: &str, o_name: Option<&Sp<String>>, i: usize, count: usize) -> String {
    if count == 1 {
        return base.to_string();
    }
    let slug: String = o_name
        .map(|n| {
            n.value
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        })
        .map(|s| s.trim_matches('-').to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| i.to_string());
    format!("{base}-{slug}")
}

struct Pending {
    team: String,
    file: PathBuf,
    loc: Loc,
    slos: Vec<crate::model::Slo>,
    /// Where each SLO (by name) was defined first.
    defined: BTreeMap<String, (PathBuf, Loc)>,
}

impl Pending {
    /// Adds the SLOs of one document (named at `loc`); one whose name the service already has,
    /// from this file or another, is an error naming both places.
    fn add(&mut self, cx: &mut Ctx, built: Vec<crate::model::Slo>, loc: Loc) {
        for s in built {
            if let Some((f, l)) = self.defined.get(&s.name) {
                cx.err(
                    Code::DuplicateSlo,
                    loc,
                    "metadata.name",
                    format!(
                        "SLO `{}` of service `{}` is already defined at {}:{}:{}",
                        s.name,
                        s.service,
                        f.display(),
                        l.line,
                        l.col
                    ),
                );
                continue;
            }
            self.defined
                .insert(s.name.clone(), (cx.file.to_path_buf(), loc));
            self.slos.push(s);
        }
    }
}

/// Every service defined by OpenSLO documents.
pub(super) fn openslo_services(
    loaded: &Loaded,
    d: &Defaults,
    diags: &mut Diagnostics,
) -> Vec<OpenSloService> {
    let ix = index(loaded, diags);
    let mut by_service: BTreeMap<String, Pending> = BTreeMap::new();
    for doc in &loaded.docs {
        let mut cx = Ctx {
            file: &doc.file,
            diags,
        };
        match &doc.doc {
            RawDoc::OpenSlo(v1) => {
                let V1Doc::Slo(slo) = v1.as_ref() else {
                    continue;
                };
                v1_slo(&mut cx, d, &ix, slo, &mut by_service);
            }
            RawDoc::OpenSloAlpha(a) => v1alpha_slo(&mut cx, d, a, &mut by_service),
            _ => {}
        }
    }
    for (name, p) in &by_service {
        for (slo, group, owner) in super::group_clashes(name, &p.slos, &d.settings) {
            let (Some((file, loc)), Some((first_file, first))) =
                (p.defined.get(slo), p.defined.get(owner))
            else {
                continue;
            };
            diags.push(
                Diagnostic::error(
                    Code::DuplicateSlo,
                    file,
                    *loc,
                    "metadata.name",
                    format!(
                        "the rule group of SLO `{slo}` would be `{group}`, the name of the group SLO `{owner}` (at {}:{}:{}) records its coarse rates in",
                        first_file.display(),
                        first.line,
                        first.col
                    ),
                )
                .with_help("rename one of the SLOs: a rule file may not hold two groups of the same name"),
            );
        }
    }
    by_service
        .into_iter()
        .map(|(name, p)| OpenSloService {
            service: Service {
                name,
                team: p.team,
                tier: None,
                file: p.file.clone(),
                format: SourceFormat::OpenSlo,
                slos: p.slos,
            },
            file: p.file,
            loc: p.loc,
        })
        .collect()
}

fn pending<'a>(
    cx: &mut Ctx,
    by_service: &'a mut BTreeMap<String, Pending>,
    service: &Sp<String>,
    team: String,
) -> Option<&'a mut Pending> {
    if !check_name(cx, service, "spec.service") {
        return None;
    }
    let file = cx.file.to_path_buf();
    Some(
        by_service
            .entry(service.value.clone())
            .or_insert_with(|| Pending {
                team,
                file,
                loc: service.loc,
                slos: Vec::new(),
                defined: BTreeMap::new(),
            }),
    )
}

fn v1_slo(
    cx: &mut Ctx,
    d: &Defaults,
    ix: &Index,
    slo: &os::Doc<os::SloSpec>,
    by_service: &mut BTreeMap<String, Pending>,
) {
    let spec = &slo.spec;
    let team = team_of(cx, &slo.metadata);
    let labels = slo_labels(cx, &slo.metadata);
    let mut ok = check_name(cx, &slo.metadata.name, "metadata.name");
    if spec.budgeting_method.value != "Occurrences" {
        cx.err(
            Code::Sli,
            spec.budgeting_method.loc,
            "spec.budgetingMethod",
            format!("budgeting method `{}` is not supported: sloforge budgets by occurrences (good/total events)", spec.budgeting_method.value),
        );
        ok = false;
    }
    let default_window = Sp::new(d.window.to_string(), slo.metadata.name.loc);
    let window = match &spec.time_window {
        None => Some(&default_window),
        Some(tw) => {
            match tw.value.as_slice() {
                [w] if w.is_rolling && w.calendar.is_none() => Some(&w.duration),
                [w] => {
                    cx.err(Code::DurationSyntax, w.duration.loc, "spec.timeWindow[0]", "calendar windows are not supported: use a rolling window (`isRolling: true`)");
                    None
                }
                _ => {
                    cx.err(
                        Code::DurationSyntax,
                        tw.loc,
                        "spec.timeWindow",
                        "give exactly one time window",
                    );
                    None
                }
            }
        }
    };
    let window_value =
        window.and_then(|w| super::window_value(cx, w, "spec.timeWindow[0].duration"));
    let sli_doc = match (&spec.indicator, &spec.indicator_ref) {
        (Some(inline), _) => Some((&inline.spec, inline.metadata.name.loc)),
        (None, Some(r)) => match ix.slis.get(r.value.as_str()) {
            Some(s) => Some((&s.doc.spec, r.loc)),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    "spec.indicatorRef",
                    format!("no SLI named `{}`", r.value),
                );
                None
            }
        },
        (None, None) => None,
    };
    let tiers = window_value.and_then(|w| tiers_from_policies(cx, d, ix, spec, w, "spec"));
    let count = spec.objectives.value.len();
    if count == 0 {
        cx.err(
            Code::Objective,
            spec.objectives.loc,
            "spec.objectives",
            "the SLO has no objective",
        );
    }
    let mut built = Vec::new();
    for (i, o) in spec.objectives.value.iter().enumerate() {
        let op = format!("spec.objectives[{i}]");
        let sli = match (&o.indicator, &o.indicator_ref, sli_doc) {
            (Some(inline), _, _) => sli_from(
                cx,
                ix,
                &inline.spec,
                inline.metadata.name.loc,
                &format!("{op}.indicator.spec"),
            ),
            (None, Some(r), _) => match ix.slis.get(r.value.as_str()) {
                Some(s) => sli_from(cx, ix, &s.doc.spec, r.loc, &format!("{op}.indicatorRef")),
                None => {
                    cx.err(
                        Code::UnknownReference,
                        r.loc,
                        format!("{op}.indicatorRef"),
                        format!("no SLI named `{}`", r.value),
                    );
                    None
                }
            },
            (None, None, Some((s, loc))) => sli_from(cx, ix, s, loc, "spec.indicator.spec"),
            (None, None, None) => {
                if spec.indicator.is_none() && spec.indicator_ref.is_none() {
                    cx.err(
                        Code::Sli,
                        slo.metadata.name.loc,
                        "spec",
                        "the SLO has neither `indicator` nor `indicatorRef`",
                    );
                }
                None
            }
        };
        if o.time_slice_target.is_some() || o.time_slice_window.is_some() {
            cx.err(
                Code::Sli,
                o.time_slice_target
                    .as_ref()
                    .map_or(spec.objectives.loc, |t| t.loc),
                &op,
                "time-slice objectives are not supported",
            );
            continue;
        }
        let (objective, objective_ratio) = match (&o.target, &o.target_percent) {
            (Some(t), None) => (None, Some(t.clone())),
            (None, Some(p)) => (Some(p.clone()), None),
            _ => {
                cx.err(
                    Code::Objective,
                    spec.objectives.loc,
                    &op,
                    "give exactly one of `target` (0–1) and `targetPercent`",
                );
                continue;
            }
        };
        let name = Sp::new(
            objective_name(&slo.metadata.name.value, o.display_name.as_ref(), i, count),
            slo.metadata.name.loc,
        );
        if !ok || window_value.is_none() {
            continue;
        }
        let input = SloInput {
            service: &spec.service.value,
            team: &team,
            service_tier: None,
            name: &name,
            description: spec.description.as_ref(),
            objective: objective.as_ref(),
            window,
            sli,
            labels: labels.clone(),
            alerting: with_no_data(
                d.alerting.clone(),
                no_data_from_policies(ix, spec),
                slo.metadata.name.loc,
            ),
            path: op.clone(),
            severity_labels: BTreeMap::new(),
            objective_ratio,
            custom_tiers: tiers.clone(),
        };
        if let Some(s) = build_slo(cx, d, None, input) {
            built.push(s);
        }
    }
    if let Some(p) = pending(cx, by_service, &spec.service, team) {
        p.add(cx, built, slo.metadata.name.loc);
    }
}

fn v1alpha_slo(
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
    let window = match spec.time_windows.value.as_slice() {
        [w] if w.is_rolling => {
            let unit = match w.unit.value.as_str() {
                "Day" | "day" | "d" => Some("d"),
                "Week" | "week" | "w" => Some("w"),
                "Hour" | "hour" | "h" => Some("h"),
                _ => None,
            };
            match unit {
                // Sloth compiles openslo/v1alpha SLOs only for its configured SLO period.
                Some(u) => match Duration::parse(&format!("{}{u}", w.count.value)) {
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
                },
                None => {
                    cx.err(
                        Code::DurationSyntax,
                        w.unit.loc,
                        "spec.timeWindows[0].unit",
                        format!(
                            "unit `{}` is not supported: use Day, Week or Hour",
                            w.unit.value
                        ),
                    );
                    None
                }
            }
        }
        [w] => {
            cx.err(
                Code::DurationSyntax,
                w.count.loc,
                "spec.timeWindows[0]",
                "calendar windows are not supported: use a rolling window",
            );
            None
        }
        _ => {
            cx.err(
                Code::DurationSyntax,
                spec.time_windows.loc,
                "spec.timeWindows",
                "give exactly one time window",
            );
            None
        }
    };
    let count = spec.objectives.len();
    let mut built = Vec::new();
    for (i, o) in spec.objectives.iter().enumerate() {
        let op = format!("spec.objectives[{i}]");
        let sli = match &o.ratio_metrics {
            Some(r) => {
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
                        ok = false;
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
            None => {
                cx.err(
                    Code::Sli,
                    o.target.loc,
                    &op,
                    "only ratioMetrics objectives are supported",
                );
                None
            }
        };
        let name = Sp::new(
            objective_name(&slo.metadata.name.value, o.display_name.as_ref(), i, count),
            slo.metadata.name.loc,
        );
        if !ok || window.is_none() {
            continue;
        }
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
            alerting: AlertingSpec {
                ..d.alerting.clone()
            },
            path: op,
            severity_labels: BTreeMap::new(),
            objective_ratio: Some(o.target.clone()),
            custom_tiers: None,
        };
        if let Some(s) = build_slo(cx, d, None, input) {
            built.push(s);
        }
    }
    if let Some(p) = pending(cx, by_service, &spec.service, team) {
        p.add(cx, built, slo.metadata.name.loc);
    }
}

/// A key Sloth reads under two spellings (`error_query` / `errorQuery`): the one given, or an
/// error when both or neither are.
pub(super) fn sloth_either<'a>(
    cx: &mut Ctx,
    at: Loc,
    path: &str,
    keys: [(&str, &'a Option<Sp<String>>); 2],
) -> Option<&'a Sp<String>> {
    let [(snake, a), (camel, b)] = keys;
    match (a, b) {
        (Some(v), None) | (None, Some(v)) => Some(v),
        (Some(_), Some(second)) => {
            cx.err(
                Code::Schema,
                second.loc,
                format!("{path}.{camel}"),
                format!("`{snake}` and `{camel}` are the same key: give only one"),
            );
            None
        }
        (None, None) => {
            cx.err(
                Code::Schema,
                at,
                path,
                format!("missing required field `{snake}` (or `{camel}`)"),
            );
            None
        }
    }
}

/// The page or ticket alert block of a Sloth SLO, under either spelling.
pub(super) fn sloth_alert<'a>(
    cx: &mut Ctx,
    path: &str,
    snake: &str,
    camel: &str,
    a: &'a Option<Sp<sloth::SlothAlert>>,
    b: &'a Option<Sp<sloth::SlothAlert>>,
) -> Option<&'a sloth::SlothAlert> {
    match (a, b) {
        (Some(v), None) | (None, Some(v)) => Some(&v.value),
        (Some(_), Some(second)) => {
            cx.err(
                Code::Schema,
                second.loc,
                format!("{path}.{camel}"),
                format!("`{snake}` and `{camel}` are the same key: give only one"),
            );
            None
        }
        (None, None) => None,
    }
}

/// Checks a Sloth SLO plugin chain. sloforge does not run Sloth's plugins: the debug plugin
/// (which only logs) is ignored with a warning, `alert_for` is applied (its `for` fields are
/// read by the caller), anything else is refused because it would change the rules. Returns
/// whether the chain holds `alert_for`.
pub(super) fn sloth_plugin_chain(
    cx: &mut Ctx,
    chain: Option<&Sp<sloth::SloPlugins>>,
    path: &str,
) -> bool {
    let Some(chain) = chain else { return false };
    if let Some(o) = chain.value.override_previous.as_ref().filter(|o| o.value) {
        cx.err_help(
            Code::Sli,
            o.loc,
            format!("{path}.overridePrevious"),
            "replacing Sloth's default SLO plugins is not supported: sloforge always generates its own recording and alert rules",
            "remove `overridePrevious` and the plugins that re-create Sloth's defaults",
        );
    }
    let mut alert_for = false;
    for (i, p) in chain.value.chain.iter().enumerate() {
        let at = format!("{path}.chain[{i}].id");
        match p.value.id.value.as_str() {
            sloth::PLUGIN_DEBUG => cx.warn(Code::NotMapped, p.value.id.loc, at, format!("SLO plugin `{}` only logs in Sloth; ignored", sloth::PLUGIN_DEBUG)),
            sloth::PLUGIN_ALERT_FOR => alert_for = true,
            other => cx.err_help(
                Code::Sli,
                p.value.id.loc,
                at,
                format!("Sloth SLO plugin `{other}` is not supported: sloforge does not run Sloth's plugin chain, and this plugin would change the generated rules"),
                format!("remove it; sloforge applies only `{}` (alert `for`) and ignores `{}`", sloth::PLUGIN_ALERT_FOR, sloth::PLUGIN_DEBUG),
            ),
        }
    }
    alert_for
}
