//! The fleet's defaults: the settings, alert policy, budget policy, alerting defaults and
//! service tiers of the `kind: Defaults` document, over sloforge's own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::Ctx;
use super::labels::{check_label_value, check_name};
use crate::diag::{Code, Diagnostics, Loc};
use crate::load::native::{
    self, AlertingSpec, DefaultsSpec, NumOrString, SeveritiesSpec, SeverityKind,
};
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc};
use crate::model::{AlertTierPolicy, Decimal, Duration, Engine, REFERENCE_WINDOW, Settings};

/// Largest SLO window accepted.
const MAX_WINDOW: Duration = Duration::from_mins(366 * 24 * 60);

/// The fleet's defaults, resolved.
pub(super) struct Defaults {
    pub(super) settings: Settings,
    pub(super) window: Duration,
    pub(super) alerting: AlertingSpec,
    pub(super) tiers: BTreeMap<String, TierDefaults>,
    pub(super) stages: Vec<Stage>,
}

/// What a service tier gives the SLOs of its services.
pub(super) struct TierDefaults {
    pub(super) objective: Option<Sp<f64>>,
    pub(super) window: Option<Sp<String>>,
    pub(super) latency_threshold: Option<Sp<NumOrString>>,
    pub(super) alerting: Option<AlertingSpec>,
}

/// One stage of the error-budget policy.
pub(super) struct Stage {
    pub(super) name: String,
    pub(super) below: Decimal,
    pub(super) severity: SeverityKind,
}

/// The workbook policy for a 30-day window (SRE Workbook, ch. 5, table 5-8 and the 3-day tier).
fn workbook_tiers() -> Vec<AlertTierPolicy> {
    let t = |name: &str, sev, long: u64, short: u64, burn: &str, for_min: u64| AlertTierPolicy {
        name: name.to_string(),
        severity: sev,
        long_window: Duration::from_mins(long),
        short_window: Duration::from_mins(short),
        burn_rate: Decimal::parse(burn).unwrap_or(Decimal::ONE),
        for_: Duration::from_mins(for_min),
        keep_firing_for: Duration::ZERO,
    };
    vec![
        t("page-fast", SeverityKind::Page, 60, 5, "14.4", 2),
        t("page-slow", SeverityKind::Page, 6 * 60, 30, "6", 15),
        t(
            "ticket-fast",
            SeverityKind::Ticket,
            24 * 60,
            2 * 60,
            "3",
            60,
        ),
        t(
            "ticket-slow",
            SeverityKind::Ticket,
            3 * 24 * 60,
            6 * 60,
            "1",
            3 * 60,
        ),
    ]
}

/// The seeds' error-budget policy: a notification as the budget left falls below 75 %, 50 %,
/// 25 % and 10 %, and when it is exhausted. A budget stage is a state that lasts days: it is
/// sent when it begins and at the notify route's long repeat interval, never paged.
fn default_stages() -> Vec<Stage> {
    ["75", "50", "25", "10"]
        .into_iter()
        .map(|p| (p, Decimal::parse(p).unwrap_or(Decimal::ZERO)))
        .chain([("exhausted", Decimal::ZERO)])
        .map(|(name, below)| Stage {
            name: name.into(),
            below,
            severity: SeverityKind::Notify,
        })
        .collect()
}

fn builtin_alerting() -> AlertingSpec {
    let s = |v: &str| Sp::new(v.to_string(), Loc::default());
    let mut annotations = BTreeMap::new();
    annotations.insert(
        s("summary"),
        s("[[ service ]]/[[ slo ]][[ group ]]: error budget burning faster than [[ burn_rate ]]x ([[ tier ]], [[ long_window ]]/[[ short_window ]])"),
    );
    annotations.insert(
        s("description"),
        s("[[ slo_description ]]Error ratio above [[ threshold ]] over both [[ long_window ]] and [[ short_window ]] ([[ burn_rate ]]x the [[ error_budget ]] budget of the [[ objective ]]% / [[ window ]] objective); burn rate over [[ long_window ]] is {{ $value | printf \"%.2f\" }}x. At [[ burn_rate ]]x the whole budget lasts [[ exhaustion ]]; [[ budget_spent_percent ]]% of it is spent when this fires."),
    );
    AlertingSpec {
        annotations,
        ..AlertingSpec::default()
    }
}

/// sloforge's own defaults, before any `Defaults` document.
fn builtin_defaults() -> Defaults {
    Defaults {
        settings: Settings {
            evaluation_interval: Duration::from_mins(1),
            base_window: Duration::from_mins(1),
            scrape_interval: Some(Duration::from_secs(15)),
            page_severity: "page".into(),
            ticket_severity: "ticket".into(),
            notify_severity: "notify".into(),
            alert_tiers: workbook_tiers(),
            runbooks: crate::model::RunbookSettings {
                enabled: true,
                ..Default::default()
            },
            engines: crate::model::Engine::ALL.to_vec(),
        },
        window: REFERENCE_WINDOW,
        alerting: builtin_alerting(),
        tiers: BTreeMap::new(),
        stages: default_stages(),
    }
}

/// Sets what `over` gives over `base`, key by key.
pub(super) fn merge_alerting(base: &mut AlertingSpec, over: &AlertingSpec) {
    if over.name.is_some() {
        base.name.clone_from(&over.name);
    }
    for (k, v) in &over.labels {
        base.labels.insert(k.clone(), v.clone());
    }
    for (k, v) in &over.annotations {
        base.annotations.insert(k.clone(), v.clone());
    }
    for (k, v) in &over.tiers {
        let e = base.tiers.entry(k.clone()).or_default();
        if v.enabled.is_some() {
            e.enabled.clone_from(&v.enabled);
        }
        if v.for_.is_some() {
            e.for_.clone_from(&v.for_);
        }
        if v.keep_firing_for.is_some() {
            e.keep_firing_for.clone_from(&v.keep_firing_for);
        }
        for (lk, lv) in &v.labels {
            e.labels.insert(lk.clone(), lv.clone());
        }
        for (ak, av) in &v.annotations {
            e.annotations.insert(ak.clone(), av.clone());
        }
    }
    if over.min_events.is_some() {
        base.min_events.clone_from(&over.min_events);
    }
    if over.budget_alerts.is_some() {
        base.budget_alerts.clone_from(&over.budget_alerts);
    }
    if over.custom_tiers.is_some() {
        base.custom_tiers.clone_from(&over.custom_tiers);
    }
    if let Some(o) = &over.no_data {
        let b = base.no_data.get_or_insert_with(Default::default);
        if o.enabled.is_some() {
            b.enabled.clone_from(&o.enabled);
        }
        if o.for_.is_some() {
            b.for_.clone_from(&o.for_);
        }
        if o.severity.is_some() {
            b.severity.clone_from(&o.severity);
        }
    }
}

/// The fleet's defaults: sloforge's own, overridden by the one `Defaults` document (a second
/// one is an error).
pub(super) fn defaults(loaded: &Loaded, diags: &mut Diagnostics) -> Defaults {
    let mut out = builtin_defaults();
    let mut seen: Option<PathBuf> = None;
    for doc in &loaded.docs {
        let RawDoc::Defaults(d) = &doc.doc else {
            continue;
        };
        let mut cx = Ctx {
            file: &doc.file,
            diags,
        };
        if let Some(first) = &seen {
            cx.err(
                Code::Config,
                d.kind.loc,
                "kind",
                format!(
                    "a second `Defaults` document (the first is in {})",
                    first.display()
                ),
            );
            continue;
        }
        seen = Some(doc.file.clone());
        apply_defaults(&mut cx, d, &mut out);
    }
    out
}

/// Applies a `Defaults` document.
fn apply_defaults(cx: &mut Ctx, d: &DefaultsSpec, out: &mut Defaults) {
    intervals(cx, d, &mut out.settings);
    if let Some(s) = &d.window
        && let Some(v) = window_value(cx, s, "window")
    {
        out.window = v;
    }
    if let Some(sev) = &d.severities {
        severities(cx, sev, &mut out.settings);
    }
    if let Some(tiers) = &d.alert_tiers {
        if tiers.is_empty() {
            cx.err(
                Code::Config,
                d.kind.loc,
                "alert_tiers",
                "at least one alert tier is needed",
            );
        }
        out.settings.alert_tiers = policy_tiers(cx, tiers, "alert_tiers");
    }
    if let Some(stages) = &d.budget_policy {
        out.stages = budget_policy(cx, stages);
    }
    if let Some(url) = d.dashboards.as_ref().and_then(|g| g.base_url.as_ref()) {
        dashboard_url(cx, url, &mut out.alerting);
    }
    if let Some(a) = &d.alerting {
        merge_alerting(&mut out.alerting, a);
    }
    if let Some(r) = &d.runbooks {
        super::runbooks::runbooks(cx, r, &mut out.settings.runbooks, &mut out.alerting);
    }
    if let Some(e) = &d.engines {
        out.settings.engines = engines(cx, e);
    }
    for (name, t) in &d.tiers {
        check_label_value(cx, name, || format!("tiers.{}", name.value));
        out.tiers.insert(
            name.value.clone(),
            TierDefaults {
                objective: t.objective.clone(),
                window: t.window.clone(),
                latency_threshold: t.latency_threshold.clone(),
                alerting: t.alerting.clone(),
            },
        );
    }
}

/// The engines the rules must run on: known names, at least one; sorted, without repeats.
fn engines(cx: &mut Ctx, list: &Sp<Vec<Sp<String>>>) -> Vec<Engine> {
    let known = || {
        Engine::ALL
            .iter()
            .map(|e| format!("`{}`", e.name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    for (i, name) in list.value.iter().enumerate() {
        match Engine::parse(&name.value) {
            Some(e) => out.push(e),
            None => cx.err_help(
                Code::Config,
                name.loc,
                format!("engines[{i}]"),
                format!("unknown engine `{}`", name.value.escape_debug()),
                format!("the engines are {}", known()),
            ),
        }
    }
    if list.value.is_empty() {
        cx.err_help(
            Code::Config,
            list.loc,
            "engines",
            "no engine listed",
            format!(
                "list the engines the rules run on ({}), or leave `engines` out for all of them",
                known()
            ),
        );
        return Engine::ALL.to_vec();
    }
    out.sort();
    out.dedup();
    out
}

/// The `dashboard_url` annotation of every alert whose spec sets none: the generated dashboard
/// of its service in the Grafana at `base`, its SLO selected. Set under the `Defaults`
/// document's own annotations, which (like every later layer) may replace or remove it.
fn dashboard_url(cx: &mut Ctx, base: &Sp<String>, alerting: &mut AlertingSpec) {
    let url = base.value.trim_end_matches('/');
    let scheme = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    if scheme.is_none_or(str::is_empty)
        || url.contains(char::is_whitespace)
        || url.contains(['?', '#'])
        || url.contains("[[")
        || url.contains("{{")
    {
        cx.err_help(
            Code::Config,
            base.loc,
            "dashboards.base_url",
            format!("`{}` is not a Grafana address", base.value.escape_debug()),
            "give Grafana's root URL, `https://grafana.example.com` (or with the path Grafana is served under), without a query or template",
        );
        return;
    }
    alerting.annotations.insert(
        Sp::new("dashboard_url".to_string(), base.loc),
        Sp::new(
            format!("{url}[[ dashboard_path ]]?var-slo=[[ slo ]]"),
            base.loc,
        ),
    );
}

/// The evaluation interval, base window and scrape interval, each checked against the one
/// before it.
fn intervals(cx: &mut Ctx, d: &DefaultsSpec, settings: &mut Settings) {
    if let Some(s) = &d.evaluation_interval
        && let Some(v) = cx.duration(s, "evaluation_interval")
    {
        if v.as_millis() == 0 || v.as_millis() % 1000 != 0 {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                "evaluation_interval",
                "must be a positive whole number of seconds",
            );
        } else {
            settings.evaluation_interval = v;
        }
    }
    settings.base_window = settings.evaluation_interval.max(Duration::from_mins(1));
    if let Some(s) = &d.base_window
        && let Some(v) = cx.duration(s, "base_window")
    {
        if v < settings.evaluation_interval {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                "base_window",
                "must be at least the evaluation interval, or samples would be missed",
            );
        } else if v.as_millis() % 1000 != 0 {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                "base_window",
                "must be a whole number of seconds",
            );
        } else {
            settings.base_window = v;
        }
    }
    // Exact windows by default: a 15s scrape interval (at most half the base window).
    let half_base = settings.base_window.as_millis() / 2 / 1000 * 1000;
    settings.scrape_interval = Some(Duration::from_millis(15_000.min(half_base).max(1000)));
    if let Some(s) = &d.scrape_interval
        && let Some(v) = cx.duration(s, "scrape_interval")
    {
        if v.as_millis() == 0 || v.as_millis() % 1000 != 0 {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                "scrape_interval",
                "must be a positive whole number of seconds",
            );
        } else if v > settings.base_window {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                "scrape_interval",
                "must not be longer than base_window: the raw read needs at least two samples",
            );
        } else {
            settings.scrape_interval = Some(v);
        }
    }
}

/// The severity label values of pages, tickets and notifications, which must differ.
fn severities(cx: &mut Ctx, sev: &SeveritiesSpec, settings: &mut Settings) {
    for (s, path) in [
        (&sev.page, "severities.page"),
        (&sev.ticket, "severities.ticket"),
    ] {
        check_label_value(cx, s, || path.to_string());
    }
    if sev.page.value == sev.ticket.value {
        cx.err(
            Code::Config,
            sev.ticket.loc,
            "severities.ticket",
            "page and ticket severities must differ",
        );
    }
    if let Some(n) = &sev.notify {
        check_label_value(cx, n, || "severities.notify".to_string());
        if n.value == sev.page.value || n.value == sev.ticket.value {
            cx.err(
                Code::Config,
                n.loc,
                "severities.notify",
                "the notify severity must differ from the page and ticket severities",
            );
        }
        settings.notify_severity = n.value.clone();
    }
    settings.page_severity = sev.page.value.clone();
    settings.ticket_severity = sev.ticket.value.clone();
}

/// The stages of the error-budget policy, from the most budget left to the least.
fn budget_policy(cx: &mut Ctx, stages: &[native::BudgetStageSpec]) -> Vec<Stage> {
    let mut v = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        let p = format!("budget_policy[{i}]");
        check_label_value(cx, &s.name, || format!("{p}.name"));
        match Decimal::from_f64(s.remaining_below.value)
            .filter(|b| *b >= Decimal::ZERO && *b < Decimal::from_int(100))
        {
            Some(below) => v.push(Stage {
                name: s.name.value.clone(),
                below,
                severity: s.severity.value,
            }),
            None => cx.err(
                Code::Config,
                s.remaining_below.loc,
                format!("{p}.remaining_below"),
                "must be a percentage in [0, 100)",
            ),
        }
    }
    v.sort_by_key(|s| std::cmp::Reverse(s.below));
    v
}

/// Window pairs of an alert policy (the fleet's, or one SLO's `custom_tiers`).
pub(super) fn policy_tiers(
    cx: &mut Ctx,
    tiers: &[native::AlertTierSpec],
    prefix: &str,
) -> Vec<AlertTierPolicy> {
    let mut policy = Vec::new();
    let mut names = BTreeSet::new();
    for (i, t) in tiers.iter().enumerate() {
        let p = format!("{prefix}[{i}]");
        check_name(cx, &t.name, &format!("{p}.name"));
        if !names.insert(t.name.value.clone()) {
            cx.err(
                Code::Config,
                t.name.loc,
                format!("{p}.name"),
                format!("alert tier `{}` is defined twice", t.name.value),
            );
        }
        let long = cx.duration(&t.long_window, &format!("{p}.long_window"));
        let short = cx.duration(&t.short_window, &format!("{p}.short_window"));
        let burn = Decimal::from_f64(t.burn_rate.value).filter(|b| b.is_positive());
        if burn.is_none() {
            cx.err(
                Code::Config,
                t.burn_rate.loc,
                format!("{p}.burn_rate"),
                "burn rate must be a positive number",
            );
        }
        let for_ = t
            .for_
            .as_ref()
            .and_then(|s| cx.duration(s, &format!("{p}.for")))
            .unwrap_or(Duration::ZERO);
        let keep = t
            .keep_firing_for
            .as_ref()
            .and_then(|s| cx.duration(s, &format!("{p}.keep_firing_for")))
            .unwrap_or(Duration::ZERO);
        if let (Some(l), Some(s)) = (long, short)
            && (s.as_millis() == 0 || s >= l)
        {
            cx.err(
                Code::Config,
                t.short_window.loc,
                format!("{p}.short_window"),
                "short window must be positive and shorter than the long window",
            );
        }
        if let (Some(long_window), Some(short_window), Some(burn_rate)) = (long, short, burn) {
            policy.push(AlertTierPolicy {
                name: t.name.value.clone(),
                severity: t.severity.value,
                long_window,
                short_window,
                burn_rate,
                for_,
                keep_firing_for: keep,
            });
        }
    }
    policy
}

/// An SLO window: a positive whole number of minutes, at most 366 days.
pub(super) fn window_value(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<Duration> {
    let v = cx.duration(s, path)?;
    if v.as_millis() == 0 || !v.is_whole_minutes() {
        cx.err(
            Code::DurationSyntax,
            s.loc,
            path,
            format!(
                "window `{}` must be a positive whole number of minutes",
                s.value
            ),
        );
        return None;
    }
    if v > MAX_WINDOW {
        cx.err(
            Code::DurationSyntax,
            s.loc,
            path,
            format!(
                "window `{}` is longer than the supported maximum of 366d",
                s.value
            ),
        );
        return None;
    }
    Some(v)
}
