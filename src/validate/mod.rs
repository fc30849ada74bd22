//! Stage 2, validate: raw located specs → the typed model, collecting every problem of every
//! file as a diagnostic before failing.

pub mod interop;
pub mod routing;
pub mod templates;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::load::native::{self, AlertingSpec, NumOrString, SeverityKind, TierOverrideSpec};
use crate::load::sloth;
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc};
use crate::model::{
    AlertTierPolicy, BudgetAlert, BurnAlert, Counter, Decimal, Duration, Fleet, NoDataAlert,
    NoDataKind, REFERENCE_WINDOW, Service, Settings, Sli, Slo, SourceFormat,
};
use crate::names;
use crate::syntax::gotmpl;
use crate::syntax::promql;

/// Largest SLO window accepted.
pub const MAX_WINDOW: Duration = Duration::from_mins(366 * 24 * 60);

pub(crate) struct Ctx<'a> {
    file: &'a Path,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    fn err(&mut self, code: Code, loc: Loc, path: impl Into<String>, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(code, self.file, loc, path, msg));
    }
    fn err_help(
        &mut self,
        code: Code,
        loc: Loc,
        path: impl Into<String>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, self.file, loc, path, msg).with_help(help));
    }
    fn warn(&mut self, code: Code, loc: Loc, path: impl Into<String>, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(code, self.file, loc, path, msg));
    }
    fn warn_help(
        &mut self,
        code: Code,
        loc: Loc,
        path: impl Into<String>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::warning(code, self.file, loc, path, msg).with_help(help));
    }

    fn duration(&mut self, s: &Sp<String>, path: &str) -> Option<Duration> {
        match Duration::parse(&s.value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(Code::DurationSyntax, s.loc, path, e.to_string());
                None
            }
        }
    }
}

/// The workbook policy for a 30-day window (SRE Workbook, ch. 5, table 5-8 and the 3-day tier).
pub fn workbook_tiers() -> Vec<AlertTierPolicy> {
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

/// The `tier` template variable of no-data alerts.
const NO_DATA_TIER: &str = "no-data";

/// How long an SLI's data must be missing before its no-data alert fires, by default.
pub const DEFAULT_NO_DATA_FOR: Duration = Duration::from_mins(10);

/// The series a no-data alert watches for an SLI, as PromQL text for its annotations: the
/// events (total, `_count` or probe), and for a latency SLI the threshold's bucket. None for a
/// raw error ratio, whose query gives nothing on zero traffic as on missing data.
fn no_data_series(sli: &Sli) -> Vec<(NoDataKind, String)> {
    match sli {
        Sli::Ratio { total, .. } | Sli::WindowedEvents { total, .. } => {
            vec![(NoDataKind::Events, total.to_string())]
        }
        Sli::Probe { selector } => vec![(NoDataKind::Events, selector.to_string())],
        Sli::Latency {
            metric,
            matchers,
            le,
        } => {
            let inner = matchers.trim_start_matches('{').trim_end_matches('}');
            let sep = if inner.is_empty() { "" } else { "," };
            vec![
                (NoDataKind::Events, format!("{metric}_count{{{inner}}}")),
                (
                    NoDataKind::ThresholdBucket,
                    format!("{metric}_bucket{{{inner}{sep}le=\"{le}\"}}"),
                ),
            ]
        }
        Sli::RawRatio { .. } => Vec::new(),
    }
}

/// Sloth's per-severity alert labels (rendered) and annotations (templates).
type SeverityLabels = (BTreeMap<String, String>, BTreeMap<Sp<String>, Sp<String>>);

struct Stage {
    name: String,
    below: Decimal,
    severity: SeverityKind,
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

struct Defaults {
    settings: Settings,
    window: Duration,
    alerting: AlertingSpec,
    tiers: BTreeMap<String, TierDefaults>,
    stages: Vec<Stage>,
}

struct TierDefaults {
    objective: Option<Sp<f64>>,
    window: Option<Sp<String>>,
    latency_threshold: Option<Sp<NumOrString>>,
    alerting: Option<AlertingSpec>,
}

fn builtin_alerting() -> AlertingSpec {
    let s = |v: &str| Sp::new(v.to_string(), Loc::default());
    let mut annotations = BTreeMap::new();
    annotations.insert(
        s("summary"),
        s("[[ service ]]/[[ slo ]]: error budget burning faster than [[ burn_rate ]]x ([[ tier ]], [[ long_window ]]/[[ short_window ]])"),
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

fn merge_alerting(base: &mut AlertingSpec, over: &AlertingSpec) {
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

fn defaults(loaded: &Loaded, diags: &mut Diagnostics) -> Defaults {
    let mut out = Defaults {
        settings: Settings {
            evaluation_interval: Duration::from_mins(1),
            base_window: Duration::from_mins(1),
            scrape_interval: Some(Duration::from_secs(15)),
            page_severity: "page".into(),
            ticket_severity: "ticket".into(),
            notify_severity: "notify".into(),
            alert_tiers: workbook_tiers(),
        },
        window: REFERENCE_WINDOW,
        alerting: builtin_alerting(),
        tiers: BTreeMap::new(),
        stages: default_stages(),
    };
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
                out.settings.evaluation_interval = v;
            }
        }
        out.settings.base_window = out.settings.evaluation_interval.max(Duration::from_mins(1));
        if let Some(s) = &d.base_window
            && let Some(v) = cx.duration(s, "base_window")
        {
            if v < out.settings.evaluation_interval {
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
                out.settings.base_window = v;
            }
        }
        // Exact windows by default: a 15s scrape interval (at most half the base window).
        let half_base = out.settings.base_window.as_millis() / 2 / 1000 * 1000;
        out.settings.scrape_interval = Some(Duration::from_millis(15_000.min(half_base).max(1000)));
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
            } else if v > out.settings.base_window {
                cx.err(
                    Code::DurationSyntax,
                    s.loc,
                    "scrape_interval",
                    "must not be longer than base_window: the raw read needs at least two samples",
                );
            } else {
                out.settings.scrape_interval = Some(v);
            }
        }
        if let Some(s) = &d.window
            && let Some(v) = window_value(&mut cx, s, "window")
        {
            out.window = v;
        }
        if let Some(sev) = &d.severities {
            for (s, path) in [
                (&sev.page, "severities.page"),
                (&sev.ticket, "severities.ticket"),
            ] {
                check_label_value(&mut cx, s, || path.to_string());
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
                check_label_value(&mut cx, n, || "severities.notify".to_string());
                if n.value == sev.page.value || n.value == sev.ticket.value {
                    cx.err(
                        Code::Config,
                        n.loc,
                        "severities.notify",
                        "the notify severity must differ from the page and ticket severities",
                    );
                }
                out.settings.notify_severity = n.value.clone();
            }
            out.settings.page_severity = sev.page.value.clone();
            out.settings.ticket_severity = sev.ticket.value.clone();
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
            out.settings.alert_tiers = policy_tiers(&mut cx, tiers, "alert_tiers");
        }
        if let Some(stages) = &d.budget_policy {
            let mut v = Vec::new();
            for (i, s) in stages.iter().enumerate() {
                let p = format!("budget_policy[{i}]");
                check_label_value(&mut cx, &s.name, || format!("{p}.name"));
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
            out.stages = v;
        }
        if let Some(a) = &d.alerting {
            merge_alerting(&mut out.alerting, a);
        }
        for (name, t) in &d.tiers {
            check_label_value(&mut cx, name, || format!("tiers.{}", name.value));
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
    out
}

/// Window pairs of an alert policy (the fleet's, or one SLO's `custom_tiers`).
fn policy_tiers(
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

fn window_value(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<Duration> {
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

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
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
        "names are 1–63 characters: lower-case letters, digits, `-` and `_`, starting with a letter (they become file, group and label values)",
    );
    false
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reports an empty label value or one with control characters; the path is formatted only then.
fn check_label_value(cx: &mut Ctx, v: &Sp<String>, path: impl FnOnce() -> String) {
    if v.value.is_empty() {
        cx.err(
            Code::LabelValue,
            v.loc,
            path(),
            "label value must not be empty (an empty value removes the label in Prometheus)",
        );
    } else if v
        .value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        cx.err(
            Code::LabelValue,
            v.loc,
            path(),
            "label value contains control characters",
        );
    }
}

fn check_labels(
    cx: &mut Ctx,
    labels: &BTreeMap<Sp<String>, Sp<String>>,
    path: &str,
    out: &mut BTreeMap<String, String>,
) {
    for (k, v) in labels {
        let p = || format!("{path}.{}", k.value);
        if !is_label_name(&k.value) {
            cx.err(
                Code::LabelName,
                k.loc,
                p(),
                format!(
                    "`{}` is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                    k.value.escape_debug()
                ),
            );
            continue;
        }
        if k.value.starts_with("__") {
            cx.err(Code::LabelName, k.loc, p(), format!("label names starting with `__` are reserved for Prometheus' internal use (`{}`)", k.value));
            continue;
        }
        if names::label::RESERVED.contains(&k.value.as_str()) {
            cx.err_help(
                Code::Reserved,
                k.loc,
                p(),
                format!("label `{}` is set by sloforge", k.value),
                "use another label name",
            );
            continue;
        }
        check_label_value(cx, v, p);
        out.insert(k.value.clone(), v.value.clone());
    }
}

fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn is_alert_name(s: &str) -> bool {
    is_label_name(s)
}

/// Human form of a duration in days/hours/minutes, rounded to the minute.
fn human(d: Duration) -> String {
    let mins = (d.as_millis() + 30_000) / 60_000;
    let rounded = Duration::from_mins(mins.max(if d.as_millis() > 0 { 1 } else { 0 }));
    let s = rounded.to_string();
    if d.as_millis() > 0 && d.as_millis() < 60_000 {
        format!("{}s", d.as_millis() / 1000)
    } else {
        s
    }
}

/// Scales a 30-day policy window to an SLO window, rounded to the evaluation interval.
pub fn scale_window(w: Duration, slo_window: Duration, step: Duration) -> Duration {
    let ms = u128::from(w.as_millis()) * u128::from(slo_window.as_millis())
        / u128::from(REFERENCE_WINDOW.as_millis());
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)).round_to(step)
}

fn latency_threshold(cx: &mut Ctx, t: &Sp<NumOrString>, path: &str) -> Option<Decimal> {
    let v = match &t.value {
        NumOrString::Num(n) => Decimal::from_f64(*n),
        NumOrString::Str(s) => match Duration::parse(s) {
            Ok(d) => Decimal::from_int(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .checked_div(Decimal::from_int(1000)),
            Err(_) => Decimal::parse(s),
        },
    };
    match v.filter(|v| v.is_positive()) {
        Some(v) => Some(v),
        None => {
            let shown = match &t.value {
                NumOrString::Num(n) => n.to_string(),
                NumOrString::Str(s) => s.clone(),
            };
            let shown = if shown.chars().count() > 24 {
                format!("{}…", shown.chars().take(24).collect::<String>())
            } else {
                shown
            };
            cx.err_help(
                Code::Threshold,
                t.loc,
                path,
                format!(
                    "latency threshold `{shown}` is not a positive number of seconds or a duration"
                ),
                "write it as seconds (`0.2`) or as a duration (`200ms`)",
            );
            None
        }
    }
}

fn parse_selector_expr(
    cx: &mut Ctx,
    s: &Sp<String>,
    path: &str,
) -> Option<promql_parser::parser::Expr> {
    match promql::parse(&s.value) {
        Ok(e) => match promql::check_selector_expr(&e) {
            Ok(()) => Some(e),
            Err(m) => {
                cx.err(Code::PromqlType, s.loc, path, m);
                None
            }
        },
        Err(m) => {
            cx.err(
                Code::PromqlSyntax,
                s.loc,
                path,
                format!("PromQL does not parse: {m}"),
            );
            None
        }
    }
}

fn parse_windowed(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<promql_parser::parser::Expr> {
    if !promql::has_placeholder(&s.value) {
        cx.err_help(
            Code::PromqlType,
            s.loc,
            path,
            "query has no window placeholder",
            "write the range as `[$window]` (or Sloth's `[{{.window}}]`)",
        );
        return None;
    }
    match promql::parse_windowed(&s.value) {
        Ok(e) => match promql::check_instant(&e) {
            Ok(()) => Some(e),
            Err(m) => {
                cx.err(Code::PromqlType, s.loc, path, m);
                None
            }
        },
        Err(m) => {
            cx.err(
                Code::PromqlSyntax,
                s.loc,
                path,
                format!("PromQL does not parse: {m}"),
            );
            None
        }
    }
}

/// Everything an SLO needs, whatever format it was written in.
struct SloInput<'a> {
    service: &'a str,
    team: &'a str,
    service_tier: Option<&'a str>,
    name: &'a Sp<String>,
    description: Option<&'a Sp<String>>,
    objective: Option<&'a Sp<f64>>,
    window: Option<&'a Sp<String>>,
    sli: Option<Sli>,
    labels: BTreeMap<String, String>,
    alerting: AlertingSpec,
    path: String,
    /// Sloth: per-severity labels and annotations.
    severity_labels: BTreeMap<SeverityKind, SeverityLabels>,
    /// The objective as a ratio (OpenSLO `target`), used instead of `objective` when given.
    objective_ratio: Option<Sp<f64>>,
    /// Alert tiers of this SLO alone with absolute windows (OpenSLO alert conditions) instead
    /// of the fleet policy scaled to the SLO window.
    custom_tiers: Option<Vec<AlertTierPolicy>>,
}

fn build_slo(
    cx: &mut Ctx,
    d: &Defaults,
    tier: Option<&TierDefaults>,
    input: SloInput,
) -> Option<Slo> {
    let p = &input.path;
    let mut ok = true;
    let ratio_objective = input.objective_ratio.as_ref().map(|r| {
        Sp::new(
            Decimal::from_f64(r.value)
                .and_then(|v| v.checked_mul(Decimal::from_int(100)))
                .map_or(f64::NAN, Decimal::to_f64),
            r.loc,
        )
    });
    let objective = match ratio_objective
        .as_ref()
        .or(input.objective)
        .or(tier.and_then(|t| t.objective.as_ref()))
    {
        Some(o) => match Decimal::from_f64(o.value) {
            Some(v) if v.is_positive() && v < Decimal::from_int(100) => Some(v),
            _ => {
                cx.err_help(
                    Code::Objective,
                    o.loc,
                    format!("{p}.objective"),
                    format!("objective {} is outside (0, 100)", o.value),
                    "the objective is a percentage such as 99.9",
                );
                None
            }
        },
        None => {
            cx.err(
                Code::Objective,
                input.name.loc,
                format!("{p}.objective"),
                "no objective: set `objective` or give the service a tier that has one",
            );
            None
        }
    };
    // Where the objective is written in this file (a tier's objective is in the Defaults file:
    // its SLO's name stands for it).
    let objective_loc = input
        .objective_ratio
        .as_ref()
        .or(input.objective)
        .map_or(input.name.loc, |o| o.loc);
    if let Some(v) = objective.filter(|v| *v < Decimal::from_int(50)) {
        let help = if input.objective_ratio.is_some() {
            "`target` is the share of good events as a ratio: 0.999 is 99.9 %".to_string()
        } else if let Some(percent) = v
            .checked_mul(Decimal::from_int(100))
            .filter(|_| v < Decimal::ONE)
        {
            format!(
                "the objective is a percentage, not a ratio: did you mean {percent}? (`{v}` is {v} %)"
            )
        } else {
            "the objective is a percentage of good events, such as 99.9".to_string()
        };
        cx.warn_help(
            Code::ObjectiveBelowHalf,
            objective_loc,
            format!("{p}.objective"),
            format!("objective {v}% is below 50%: more than half of the events may fail within the budget"),
            help,
        );
    }
    let window = match input.window.or(tier.and_then(|t| t.window.as_ref())) {
        Some(w) => window_value(cx, w, &format!("{p}.window")),
        None => Some(d.window),
    };
    if input.sli.is_none() {
        ok = false;
    }
    let mut labels = input.labels.clone();
    labels.insert(names::label::SERVICE.into(), input.service.into());
    labels.insert(names::label::SLO.into(), input.name.value.clone());
    labels.insert(names::label::TEAM.into(), input.team.into());
    if let Some(t) = input.service_tier {
        labels.insert(names::label::SERVICE_TIER.into(), t.into());
    }
    let (objective, window) = match (objective, window) {
        (Some(o), Some(w)) if ok => (o, w),
        _ => return None,
    };
    let budget = Decimal::ONE.checked_sub(objective.checked_div(Decimal::from_int(100))?)?;
    let step = d.settings.evaluation_interval;

    let alerting = &input.alerting;
    let base_name = camel(input.service) + &camel(&input.name.value);
    let alert_name = match &alerting.name {
        Some(n) => {
            if !is_alert_name(&n.value) {
                cx.err(
                    Code::Name,
                    n.loc,
                    format!("{p}.alerting.name"),
                    format!(
                        "`{}` is not a valid alert name ([a-zA-Z_][a-zA-Z0-9_]*)",
                        n.value
                    ),
                );
            }
            n.value.clone()
        }
        None => format!("{base_name}SLOBurn"),
    };
    let mut alert_labels = BTreeMap::new();
    check_labels(
        cx,
        &alerting.labels,
        &format!("{p}.alerting.labels"),
        &mut alert_labels,
    );
    // Prometheus expands templates in alert labels: values from specs are literal text.
    for v in alert_labels.values_mut() {
        *v = gotmpl::literal(v);
    }
    for k in alerting.annotations.keys() {
        if !is_label_name(&k.value) {
            cx.err(
                Code::LabelName,
                k.loc,
                format!("{p}.alerting.annotations.{}", k.value),
                "annotation names follow label-name rules",
            );
        }
    }
    for k in alerting.tiers.keys() {
        if !d.settings.alert_tiers.iter().any(|t| t.name == k.value) {
            let known_tiers: BTreeSet<&str> = d
                .settings
                .alert_tiers
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            let list: Vec<String> = known_tiers.iter().map(|t| format!("`{t}`")).collect();
            cx.err(
                Code::UnknownReference,
                k.loc,
                format!("{p}.alerting.tiers.{}", k.value),
                format!(
                    "unknown alert tier `{}`; the policy has {}",
                    k.value,
                    list.join(", ")
                ),
            );
        }
    }
    let min_events = alerting.min_events.as_ref().map_or(0, |m| m.value);
    let budget_minutes = Decimal::from_int(i64::try_from(window.minutes()).unwrap_or(0))
        .checked_mul(budget)
        .unwrap_or(Decimal::ZERO);
    let desc = input
        .description
        .map(|s| s.value.trim().to_string())
        .unwrap_or_default();
    let desc = if desc.is_empty() || desc.ends_with('.') {
        desc
    } else {
        format!("{desc}.")
    };
    let ctx_base: Vec<(&'static str, String)> = vec![
        ("service", input.service.to_string()),
        ("team", input.team.to_string()),
        ("service_tier", input.service_tier.unwrap_or("").to_string()),
        ("slo", input.name.value.clone()),
        (
            "slo_description",
            if desc.is_empty() {
                String::new()
            } else {
                gotmpl::literal(&format!("{desc} "))
            },
        ),
        ("objective", objective.to_string()),
        (
            "objective_ratio",
            objective
                .checked_div(Decimal::from_int(100))
                .unwrap_or(Decimal::ZERO)
                .to_string(),
        ),
        ("window", window.to_string()),
        ("error_budget", budget.to_string()),
        ("budget_minutes", budget_minutes.to_string()),
        ("alert_name", alert_name.clone()),
    ];
    let ctx_labels: BTreeMap<String, String> = input
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), gotmpl::literal(v)))
        .collect();
    let base_ctx = |extra: Vec<(&'static str, String)>| templates::Context {
        base: &ctx_base,
        extra,
        labels: &ctx_labels,
    };
    let render_annotations = |cx: &mut Ctx,
                              ctx: &templates::Context,
                              sets: &[&BTreeMap<Sp<String>, Sp<String>>]|
     -> BTreeMap<String, String> {
        let mut merged: BTreeMap<&Sp<String>, &Sp<String>> = BTreeMap::new();
        for set in sets {
            for (k, v) in *set {
                merged.insert(k, v);
            }
        }
        let mut out = BTreeMap::new();
        for (k, v) in merged {
            let path = format!("{p}.alerting.annotations.{}", k.value);
            match templates::render(&v.value, ctx) {
                // An empty annotation removes an inherited one.
                Ok(s) if s.trim().is_empty() => {}
                Ok(s) if !gotmpl::actions_balanced(&s) => cx.err_help(
                    Code::TemplateSyntax,
                    v.loc,
                    path,
                    "unclosed `{{` in the annotation: Prometheus would refuse to load the rule",
                    "close every `{{ … }}` action, or write a literal `{{` as `{{ \"{{\" }}`",
                ),
                Ok(s) => {
                    out.insert(k.value.clone(), s);
                }
                Err(templates::TemplateError::Syntax(m)) => cx.err(
                    Code::TemplateSyntax,
                    v.loc,
                    path,
                    format!("template error: {m}"),
                ),
                Err(templates::TemplateError::Undefined(m)) => cx.err_help(
                    Code::TemplateUndefined,
                    v.loc,
                    path,
                    format!("undefined template variable: {m}"),
                    format!("available: {}", templates::CONTEXT_KEYS.join(", ")),
                ),
            }
        }
        out
    };

    let mut source = crate::model::SloSource {
        alert_name: alerting.name.as_ref().map(|n| n.value.clone()),
        labels: alerting
            .labels
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        annotations: alerting
            .annotations
            .iter()
            .filter(|(k, v)| {
                d.alerting
                    .annotations
                    .get(*k)
                    .is_none_or(|dv| dv.value != v.value)
            })
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        tiers: BTreeMap::new(),
        budget_alerts: alerting.budget_alerts.as_ref().is_some_and(|b| b.value),
        no_data: None,
    };
    let mut alerts = Vec::new();
    let mut longest = Duration::ZERO;
    let spec_tiers = alerting
        .custom_tiers
        .as_ref()
        .map(|t| policy_tiers(cx, &t.value, &format!("{p}.alerting.custom_tiers")));
    let custom = input.custom_tiers.clone().or(spec_tiers);
    let policy: &[AlertTierPolicy] = custom.as_deref().unwrap_or(&d.settings.alert_tiers);
    let no_override = TierOverrideSpec::default();
    let no_severity_labels = (BTreeMap::new(), BTreeMap::new());
    for t in policy {
        let over = alerting
            .tiers
            .iter()
            .find(|(k, _)| k.value == t.name)
            .map_or(&no_override, |(_, v)| v);
        if over.enabled.as_ref().is_some_and(|e| !e.value) {
            source
                .tiers
                .insert(t.name.clone(), crate::model::TierSource::default());
            continue;
        }
        let tp = || format!("{p}.alerting.tiers.{}", t.name);
        let for_ = over
            .for_
            .as_ref()
            .and_then(|s| cx.duration(s, &format!("{}.for", tp())))
            .unwrap_or(t.for_);
        let keep = over
            .keep_firing_for
            .as_ref()
            .and_then(|s| cx.duration(s, &format!("{}.keep_firing_for", tp())))
            .unwrap_or(t.keep_firing_for);
        let (long, mut short) = if custom.is_some() {
            (t.long_window, t.short_window)
        } else {
            (
                scale_window(t.long_window, window, step),
                scale_window(t.short_window, window, step),
            )
        };
        if short < d.settings.base_window {
            short = d.settings.base_window;
        }
        longest = longest.max(long);
        // The error ratio is at most 1 (a total outage) and the windows trip only above the
        // threshold: a threshold of 1 or more is never crossed. Exact for every objective (the
        // largest burn rate, 1 / budget, has no finite decimal form for most of them).
        let threshold = t.burn_rate.checked_mul(budget).unwrap_or(Decimal::ZERO);
        if threshold >= Decimal::ONE {
            cx.warn(
                Code::TierNeverFires,
                objective_loc,
                format!("{p}.alerting.tiers.{}", t.name),
                format!(
                    "alert tier `{}` can never fire: its error-ratio threshold is {threshold} ({}x the {budget} budget of the {objective}% objective), and even a total outage reaches only 1",
                    t.name, t.burn_rate
                ),
            );
        }
        let severity = d.settings.severity(t.severity).to_string();
        let spent = t
            .burn_rate
            .checked_mul(Decimal::from_int(
                i64::try_from(long.as_millis()).unwrap_or(0),
            ))
            .and_then(|x| x.checked_mul(Decimal::from_int(100)))
            .and_then(|x| {
                x.div_rounded(
                    Decimal::from_int(i64::try_from(window.as_millis()).unwrap_or(1)),
                    2,
                )
            })
            .unwrap_or(Decimal::ZERO);
        let exhaustion_ms = u128::from(window.as_millis()) * 1000
            / u128::from(
                t.burn_rate
                    .checked_mul(Decimal::from_int(1000))
                    .map_or(1, |b| b.to_f64() as u64)
                    .max(1),
            );
        let exhaustion = human(Duration::from_millis(
            u64::try_from(exhaustion_ms).unwrap_or(u64::MAX),
        ));
        let ctx = base_ctx(vec![
            ("tier", t.name.clone()),
            ("severity", severity.clone()),
            ("long_window", long.to_string()),
            ("short_window", short.to_string()),
            ("burn_rate", t.burn_rate.to_string()),
            ("threshold", threshold.to_string()),
            ("budget_spent_percent", spent.to_string()),
            ("exhaustion", exhaustion),
        ]);
        let (sev_labels, sev_annotations) = input
            .severity_labels
            .get(&t.severity)
            .unwrap_or(&no_severity_labels);
        let tier_source = crate::model::TierSource {
            enabled: true,
            for_: (for_ != t.for_).then_some(for_),
            keep_firing_for: (keep != t.keep_firing_for).then_some(keep),
            labels: sev_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .chain(
                    over.labels
                        .iter()
                        .map(|(k, v)| (k.value.clone(), v.value.clone())),
                )
                .collect(),
            annotations: sev_annotations
                .iter()
                .chain(over.annotations.iter())
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect(),
        };
        if tier_source
            != (crate::model::TierSource {
                enabled: true,
                ..Default::default()
            })
        {
            source.tiers.insert(t.name.clone(), tier_source);
        }
        let annotations = render_annotations(
            cx,
            &ctx,
            &[&alerting.annotations, sev_annotations, &over.annotations],
        );
        let mut labels = alert_labels.clone();
        for (k, v) in &over.labels {
            if k.value == names::label::SEVERITY {
                check_label_value(cx, v, || format!("{}.labels.{}", tp(), k.value));
                labels.insert(k.value.clone(), gotmpl::literal(&v.value));
            } else {
                let one: BTreeMap<Sp<String>, Sp<String>> =
                    [(k.clone(), v.clone())].into_iter().collect();
                let mut l = BTreeMap::new();
                check_labels(cx, &one, &format!("{}.labels", tp()), &mut l);
                labels.extend(l.into_iter().map(|(k, v)| (k, gotmpl::literal(&v))));
            }
        }
        labels.extend(
            sev_labels
                .iter()
                .map(|(k, v)| (k.clone(), gotmpl::literal(v))),
        );
        labels
            .entry(names::label::SEVERITY.into())
            .or_insert(severity.clone());
        let severity = labels
            .get(names::label::SEVERITY)
            .cloned()
            .unwrap_or(severity);
        labels.insert(names::label::TIER.into(), t.name.clone());
        labels.insert(names::label::SHORT_WINDOW.into(), short.to_string());
        alerts.push(BurnAlert {
            alert_name: alert_name.clone(),
            tier: t.name.clone(),
            severity_kind: t.severity,
            severity,
            long_window: long,
            short_window: short,
            burn_rate: t.burn_rate,
            for_,
            keep_firing_for: keep,
            labels: labels.into(),
            annotations: annotations.into(),
        });
    }
    if longest > window {
        cx.err(
            Code::WindowTooShort,
            input.window.map_or(input.name.loc, |w| w.loc),
            format!("{p}.window"),
            format!("window {window} is shorter than the longest alert window ({longest})"),
        );
    }
    if window < Duration::from_mins(60) {
        cx.err(
            Code::WindowTooShort,
            input.window.map_or(input.name.loc, |w| w.loc),
            format!("{p}.window"),
            format!("window {window} is shorter than one hour"),
        );
    }

    // The annotations budget-stage and no-data alerts share with the burn alerts: all but the
    // summary and description, which are their own.
    let runbook_only: BTreeMap<Sp<String>, Sp<String>> = alerting
        .annotations
        .iter()
        .filter(|(k, _)| k.value != "summary" && k.value != "description")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut budget_alerts = Vec::new();
    if alerting.budget_alerts.as_ref().is_some_and(|b| b.value) {
        for (i, st) in d.stages.iter().enumerate() {
            let below = st
                .below
                .checked_div(Decimal::from_int(100))
                .unwrap_or(Decimal::ZERO);
            let floor = d
                .stages
                .get(i + 1)
                .and_then(|n| n.below.checked_div(Decimal::from_int(100)));
            let severity = d.settings.severity(st.severity).to_string();
            let ctx = base_ctx(vec![
                ("stage", st.name.clone()),
                ("severity", severity.clone()),
                ("remaining_below_percent", st.below.to_string()),
            ]);
            let s = |v: &str| Sp::new(v.to_string(), Loc::default());
            let mut defaults = BTreeMap::new();
            let text = if st.below.is_zero() {
                "[[ service ]]/[[ slo ]]: error budget exhausted over [[ window ]]"
            } else {
                "[[ service ]]/[[ slo ]]: less than [[ remaining_below_percent ]]% of the [[ window ]] error budget left"
            };
            defaults.insert(s("summary"), s(text));
            defaults.insert(
                s("description"),
                s("[[ slo_description ]]Error budget remaining over [[ window ]]: {{ $value | humanizePercentage }} (objective [[ objective ]]%). Apply the error-budget policy for stage [[ stage ]]."),
            );
            let mut sets: Vec<&BTreeMap<Sp<String>, Sp<String>>> = vec![&defaults];
            sets.push(&runbook_only);
            let annotations = render_annotations(cx, &ctx, &sets);
            let mut labels = alert_labels.clone();
            labels.insert(names::label::SEVERITY.into(), severity.clone());
            labels.insert(names::label::BUDGET_STAGE.into(), st.name.clone());
            budget_alerts.push(BudgetAlert {
                alert_name: format!(
                    "{}ErrorBudget",
                    alert_name.strip_suffix("SLOBurn").unwrap_or(&alert_name)
                ),
                stage: st.name.clone(),
                below,
                floor,
                severity_kind: st.severity,
                severity,
                labels: labels.into(),
                annotations: annotations.into(),
            });
        }
    }

    let no_data = alerting.no_data.clone().unwrap_or_default();
    let no_data_enabled = no_data.enabled.as_ref().is_none_or(|e| e.value);
    let no_data_for = no_data
        .for_
        .as_ref()
        .and_then(|f| cx.duration(f, &format!("{p}.alerting.no_data.for")))
        .unwrap_or(DEFAULT_NO_DATA_FOR);
    let no_data_kind = no_data
        .severity
        .as_ref()
        .map_or(SeverityKind::Ticket, |s| s.value);
    let no_data_source = crate::model::NoDataSource {
        enabled: no_data_enabled,
        for_: no_data_for,
        severity: no_data_kind,
    };
    if no_data_source
        != (crate::model::NoDataSource {
            enabled: true,
            for_: DEFAULT_NO_DATA_FOR,
            severity: SeverityKind::Ticket,
        })
    {
        source.no_data = Some(no_data_source);
    }
    let mut no_data_alerts = Vec::new();
    let watched = if no_data_enabled {
        input.sli.as_ref().map(no_data_series).unwrap_or_default()
    } else {
        Vec::new()
    };
    for (kind, series) in watched {
        let severity = d.settings.severity(no_data_kind).to_string();
        // `tier` is `no-data`, so that a runbook link built from it (`#[[ tier ]]`) has an
        // anchor for these alerts too.
        let ctx = base_ctx(vec![
            ("tier", NO_DATA_TIER.to_string()),
            ("severity", severity.clone()),
            ("no_data_for", no_data_for.to_string()),
            ("no_data_series", gotmpl::literal(&series)),
        ]);
        let s = |v: &str| Sp::new(v.to_string(), Loc::default());
        let (summary, description) = match kind {
            NoDataKind::Events => (
                "[[ service ]]/[[ slo ]]: no data for [[ no_data_for ]]: the SLO cannot see any traffic",
                "[[ slo_description ]]`[[ no_data_series ]]` has returned nothing for [[ no_data_for ]]: the SLO reads as zero traffic and none of its burn alerts can fire. Check that the target is scraped and that the metric name and the selector are right (`sloforge doctor` checks them against the server).",
            ),
            NoDataKind::ThresholdBucket => (
                "[[ service ]]/[[ slo ]]: no threshold bucket for [[ no_data_for ]]: latency cannot be judged",
                "[[ slo_description ]]The histogram counts requests (`_count` is present) but has no bucket `[[ no_data_series ]]`: no request can be judged against the threshold, so the SLO counts no errors. Add the threshold to the histogram's buckets or set the threshold to a bucket it has (`sloforge doctor` lists them).",
            ),
        };
        let mut defaults = BTreeMap::new();
        defaults.insert(s("summary"), s(summary));
        defaults.insert(s("description"), s(description));
        let annotations = render_annotations(cx, &ctx, &[&defaults, &runbook_only]);
        // Alert labels are Go templates: the SLO's label values are literal text there.
        let mut rule_labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.clone(), gotmpl::literal(v)))
            .collect();
        rule_labels.extend(alert_labels.clone());
        rule_labels.insert(names::label::SEVERITY.into(), severity.clone());
        rule_labels.insert(names::label::NO_DATA.into(), kind.label_value().into());
        no_data_alerts.push(NoDataAlert {
            alert_name: format!(
                "{}NoData",
                alert_name.strip_suffix("SLOBurn").unwrap_or(&alert_name)
            ),
            kind,
            for_: no_data_for,
            severity_kind: no_data_kind,
            severity,
            labels: rule_labels.into(),
            annotations: annotations.into(),
        });
    }

    Some(Slo {
        service: input.service.to_string(),
        name: input.name.value.clone(),
        description: input
            .description
            .map(|s| s.value.clone())
            .unwrap_or_default(),
        objective,
        window,
        sli: input.sli?,
        labels: labels.into(),
        alerts,
        budget_alerts,
        no_data_alerts,
        min_events,
        custom_tiers: custom.is_some(),
        source,
    })
}

fn native_sli(
    cx: &mut Ctx,
    sli: &Sp<native::SliSpec>,
    tier: Option<&TierDefaults>,
    path: &str,
) -> Option<Sli> {
    use native::SliSpec;
    let p = format!("{path}.sli");
    match &sli.value {
        SliSpec::Ratio(r) => {
            let total = parse_selector_expr(cx, &r.total, &format!("{p}.ratio.total"));
            let counter = match (&r.errors, &r.good) {
                (Some(e), None) => parse_selector_expr(cx, e, &format!("{p}.ratio.errors"))
                    .map(|x| (Counter::Errors(x), e)),
                (None, Some(g)) => parse_selector_expr(cx, g, &format!("{p}.ratio.good"))
                    .map(|x| (Counter::Good(x), g)),
                (Some(_), Some(g)) => {
                    cx.err(
                        Code::Sli,
                        g.loc,
                        format!("{p}.ratio.good"),
                        "give either `errors` or `good`, not both",
                    );
                    None
                }
                (None, None) => {
                    cx.err(
                        Code::Sli,
                        sli.loc,
                        format!("{p}.ratio"),
                        "a ratio SLI needs `errors` or `good` besides `total`",
                    );
                    None
                }
            };
            let (counter, text) = counter?;
            let total = total?;
            if total.to_string()
                == match &counter {
                    Counter::Errors(e) | Counter::Good(e) => e.to_string(),
                }
            {
                cx.err(Code::SameSeries, text.loc, format!("{p}.ratio"), "the bad/good and total queries select the same series: the ratio would always be 1");
                return None;
            }
            let part = if r.errors.is_some() { "errors" } else { "good" };
            match &counter {
                Counter::Errors(e) | Counter::Good(e) => {
                    check_ratio_sources(cx, e, text.loc, &format!("{p}.ratio.{part}"), &total)
                }
            }
            Some(Sli::Ratio {
                errors: counter,
                total,
            })
        }
        SliSpec::Latency(l) => {
            let metric = l.metric.value.trim_end_matches("_bucket").to_string();
            let metric_ok = is_label_name(&metric) || metric.contains(':');
            if !metric_ok {
                cx.err(
                    Code::PromqlSyntax,
                    l.metric.loc,
                    format!("{p}.latency.metric"),
                    format!("`{}` is not a metric name", l.metric.value),
                );
            }
            let matchers = match &l.selector {
                Some(s) => {
                    let text = s.value.trim();
                    let wrapped = if text.starts_with('{') {
                        text.to_string()
                    } else {
                        format!("{{{text}}}")
                    };
                    match promql::parse(&format!("{metric}_bucket{wrapped}")) {
                        Ok(promql_parser::parser::Expr::VectorSelector(vs)) => {
                            if vs.matchers.matchers.iter().any(|m| m.name == "le") {
                                cx.err(
                                    Code::Sli,
                                    s.loc,
                                    format!("{p}.latency.selector"),
                                    "do not match on `le`: sloforge selects the threshold bucket",
                                );
                            }
                            let body = vs.to_string();
                            body.find('{')
                                .map(|i| body[i..].to_string())
                                .unwrap_or_default()
                        }
                        Ok(_) => {
                            cx.err(
                                Code::PromqlType,
                                s.loc,
                                format!("{p}.latency.selector"),
                                "expected label matchers such as `{job=\"api\"}`",
                            );
                            String::new()
                        }
                        Err(m) => {
                            cx.err(
                                Code::PromqlSyntax,
                                s.loc,
                                format!("{p}.latency.selector"),
                                format!("label matchers do not parse: {m}"),
                            );
                            String::new()
                        }
                    }
                }
                None => String::new(),
            };
            let threshold = match l
                .threshold
                .as_ref()
                .or(tier.and_then(|t| t.latency_threshold.as_ref()))
            {
                Some(t) => latency_threshold(cx, t, &format!("{p}.latency.threshold"))?,
                None => {
                    cx.err(Code::Threshold, sli.loc, format!("{p}.latency.threshold"), "no latency threshold: set `threshold` or give the service a tier with `latency_threshold`");
                    return None;
                }
            };
            if let Some(b) = &l.buckets {
                let known: Vec<Decimal> = b
                    .value
                    .iter()
                    .filter_map(|x| Decimal::from_f64(*x))
                    .collect();
                if !known.contains(&threshold) {
                    let list: Vec<String> = known.iter().map(ToString::to_string).collect();
                    cx.err(
                        Code::Threshold,
                        l.threshold.as_ref().map_or(b.loc, |t| t.loc),
                        format!("{p}.latency.threshold"),
                        format!(
                            "threshold {threshold}s is not one of the histogram's buckets ({})",
                            list.join(", ")
                        ),
                    );
                    return None;
                }
            }
            let le = le_text(threshold);
            if l.buckets.is_none() && metric_ok {
                // A tier's threshold is written in the Defaults file: the SLI stands for it here.
                cx.warn_help(
                    Code::ThresholdBucketUnchecked,
                    l.threshold.as_ref().map_or(sli.loc, |t| t.loc),
                    format!("{p}.latency.threshold"),
                    format!("latency threshold {threshold}s is not checked against the histogram's buckets (no `buckets:` list): without a bucket at exactly {threshold}, no request can be judged and the SLO's no-data alert fires instead of its burn alerts"),
                    format!("list the histogram's bucket bounds under `buckets:`, or run `sloforge doctor` against the server: it checks that `{metric}_bucket` has the label `le=\"{le}\"`"),
                );
            }
            metric_ok.then(|| Sli::Latency {
                metric,
                matchers,
                le,
            })
        }
        SliSpec::Probe(pr) => parse_selector_expr(cx, &pr.metric, &format!("{p}.probe.metric"))
            .map(|selector| Sli::Probe { selector }),
        SliSpec::Raw(r) => parse_windowed(cx, &r.error_ratio, &format!("{p}.raw.error_ratio"))
            .map(|ratio| Sli::RawRatio { ratio }),
        SliSpec::Events(ev) => windowed_events(
            cx,
            &ev.errors,
            &ev.total,
            &format!("{p}.events.errors"),
            &format!("{p}.events.total"),
        ),
    }
}

/// Metric names and `job` values an expression selects by equality.
fn selected_sources(e: &promql_parser::parser::Expr) -> (BTreeSet<String>, BTreeSet<String>) {
    use promql_parser::label::MatchOp;
    use promql_parser::parser::{Expr, VectorSelector};
    use promql_parser::util::{ExprVisitor, walk_expr};
    struct Sources(BTreeSet<String>, BTreeSet<String>);
    impl Sources {
        fn add(&mut self, vs: &VectorSelector) {
            let named = vs
                .matchers
                .matchers
                .iter()
                .find(|m| m.name == "__name__" && matches!(m.op, MatchOp::Equal))
                .map(|m| &m.value);
            if let Some(name) = vs.name.as_ref().or(named) {
                self.0.insert(name.clone());
            }
            for m in vs
                .matchers
                .matchers
                .iter()
                .filter(|m| m.name == "job" && matches!(m.op, MatchOp::Equal))
            {
                self.1.insert(m.value.clone());
            }
        }
    }
    impl ExprVisitor for Sources {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::VectorSelector(vs) => self.add(vs),
                Expr::MatrixSelector(ms) => self.add(&ms.vs),
                _ => {}
            }
            Ok(true)
        }
    }
    let mut found = Sources(BTreeSet::new(), BTreeSet::new());
    let _ = walk_expr(&mut found, e);
    (found.0, found.1)
}

/// Warns when the errors (or good) query and the total query of a ratio share no metric or
/// no `job`: errors counted from one source against traffic from another are no error ratio,
/// and a typo in either leaves the SLO reading 0 or 1 without a word.
pub(crate) fn check_ratio_sources(
    cx: &mut Ctx,
    part: &promql_parser::parser::Expr,
    at: Loc,
    path: &str,
    total: &promql_parser::parser::Expr,
) {
    let (part_metrics, part_jobs) = selected_sources(part);
    let (total_metrics, total_jobs) = selected_sources(total);
    let list = |set: &BTreeSet<String>| {
        set.iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The field named in the message: `errors`, `good`, `error_query`, OpenSLO's `bad`.
    let field = path
        .rsplit('.')
        .find(|f| !matches!(*f, "query" | "spec" | "metricSource"))
        .unwrap_or("errors");
    let help = "errors (or good events) must be counted from the same requests as total: give both the same metric and job, or check the selectors for a typo";
    // One source: a histogram's `_bucket` and `_count` series, and a counter that extends the
    // other's name by `_…` (`cart_operations_errors_total` counts a part of
    // `cart_operations_total`).
    let family = |n: &str| {
        ["_bucket", "_count", "_total"]
            .iter()
            .find_map(|x| n.strip_suffix(x))
            .unwrap_or(n)
            .to_string()
    };
    let extends = |a: &str, b: &str| {
        a.strip_prefix(b)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    };
    let related = |a: &str, b: &str| {
        let (a, b) = (family(a), family(b));
        extends(&a, &b) || extends(&b, &a)
    };
    let shared = part_metrics
        .iter()
        .any(|a| total_metrics.iter().any(|b| related(a, b)));
    if !part_metrics.is_empty() && !total_metrics.is_empty() && !shared {
        cx.warn_help(
            Code::RatioSourcesDiffer,
            at,
            path,
            format!(
                "{field} and total read different metrics ({} and {})",
                list(&part_metrics),
                list(&total_metrics)
            ),
            help,
        );
    }
    if !part_jobs.is_empty() && !total_jobs.is_empty() && part_jobs.is_disjoint(&total_jobs) {
        cx.warn_help(
            Code::RatioSourcesDiffer,
            at,
            path,
            format!(
                "{field} and total select different jobs (job {} and job {})",
                list(&part_jobs),
                list(&total_jobs)
            ),
            help,
        );
    }
}

/// Error and total queries with window placeholders (native `events`, Sloth `events`).
pub(crate) fn windowed_events(
    cx: &mut Ctx,
    errors: &Sp<String>,
    total: &Sp<String>,
    errors_path: &str,
    total_path: &str,
) -> Option<Sli> {
    let e = parse_windowed(cx, errors, errors_path);
    let t = parse_windowed(cx, total, total_path);
    let (e, t) = (e?, t?);
    // (The parsed queries are compared: spelling and spacing do not matter.)
    if e == t {
        cx.err(
            Code::SameSeries,
            errors.loc,
            errors_path,
            "the error and total queries are the same: the ratio would always be 1",
        );
        return None;
    }
    check_ratio_sources(cx, &e, errors.loc, errors_path, &t);
    Some(Sli::WindowedEvents {
        errors: e,
        total: t,
    })
}

/// The `le` label value Prometheus' client libraries write for a bucket bound.
fn le_text(d: Decimal) -> String {
    let s = d.to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// SLOs of one service whose rule group would take the name of another one's coarse group
/// (`availability-1h` beside `availability`, whose coarse rates are recorded in
/// `sloforge-<service>-availability-1h`): a rule file with a group name twice, which Prometheus
/// refuses. Each as (the SLO, the group, the SLO whose coarse group it is).
pub(super) fn group_clashes<'a>(
    service: &str,
    slos: &'a [Slo],
    settings: &Settings,
) -> Vec<(&'a str, String, &'a str)> {
    let by_group: BTreeMap<String, &str> = slos
        .iter()
        .map(|s| (names::group(service, &s.name), s.name.as_str()))
        .collect();
    let step = settings.coarse_step().to_string();
    let mut out = Vec::new();
    for s in slos {
        let coarse = names::coarse_group(service, &s.name, &step);
        let Some(&other) = by_group.get(&coarse) else {
            continue;
        };
        if s.has_coarse_group(settings) {
            out.push((other, coarse, s.name.as_str()));
        }
    }
    out
}

/// Reports [`group_clashes`] of a service read from one file, at the name of the SLO whose
/// group clashes.
fn check_group_clashes(
    cx: &mut Ctx,
    service: &str,
    slos: &[Slo],
    settings: &Settings,
    names: &[Sp<String>],
) {
    let at = |name: &str| {
        names
            .iter()
            .enumerate()
            .find(|(_, n)| n.value == name)
            .map(|(i, n)| (i, n.loc))
    };
    for (slo, group, owner) in group_clashes(service, slos, settings) {
        let (Some((i, loc)), Some((_, first))) = (at(slo), at(owner)) else {
            continue;
        };
        cx.err_help(
            Code::DuplicateSlo,
            loc,
            format!("slos[{i}].name"),
            format!(
                "the rule group of SLO `{slo}` would be `{group}`, the name of the group SLO `{owner}` (at {}:{}:{}) records its coarse rates in",
                cx.file.display(),
                first.line,
                first.col
            ),
            "rename one of the SLOs: a rule file may not hold two groups of the same name",
        );
    }
}

fn service_from_native(cx: &mut Ctx, d: &Defaults, s: &native::ServiceSpec) -> Option<Service> {
    if s.api_version.value != native::API_VERSION {
        cx.err(
            Code::UnknownKind,
            s.api_version.loc,
            "apiVersion",
            format!("expected `{}`", native::API_VERSION),
        );
    }
    let name_ok = check_name(cx, &s.name, "name");
    let team_ok = check_name(cx, &s.team, "team");
    let tier = match &s.tier {
        Some(t) => match d.tiers.get(&t.value) {
            Some(td) => Some(td),
            None => {
                let known: Vec<String> = d.tiers.keys().map(|k| format!("`{k}`")).collect();
                let help = if known.is_empty() {
                    "no tiers are defined: add them under `tiers` in a `kind: Defaults` document"
                        .to_string()
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
        },
        None => None,
    };
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
        if let Some(first) = seen.insert(slo.name.value.as_str(), slo.name.loc) {
            let here = cx.file.display();
            cx.err(
                Code::DuplicateSlo,
                slo.name.loc,
                format!("{path}.name"),
                format!(
                    "SLO `{}` is defined twice in this service (first at {here}:{}:{})",
                    slo.name.value, first.line, first.col
                ),
            );
        }
        let mut labels = service_labels.clone();
        check_labels(cx, &slo.labels, &format!("{path}.labels"), &mut labels);
        let sli = native_sli(cx, &slo.sli, tier, &path);
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
        let input = SloInput {
            service: &s.name.value,
            team: &s.team.value,
            service_tier: s.tier.as_ref().map(|t| t.value.as_str()),
            name: &slo.name,
            description: slo.description.as_ref(),
            objective: slo.objective.as_ref(),
            window: slo.window.as_ref(),
            sli,
            labels,
            alerting,
            path,
            severity_labels: BTreeMap::new(),
            objective_ratio: None,
            custom_tiers: None,
        };
        if let Some(slo) = build_slo(cx, d, tier, input) {
            slos.push(slo);
        }
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

fn service_from_sloth(cx: &mut Ctx, d: &Defaults, s: &sloth::SlothSpec) -> Option<Service> {
    let name_ok = check_name(cx, &s.service, "service");
    let team = s
        .labels
        .iter()
        .find(|(k, _)| k.value == "team" || k.value == "owner")
        .map_or_else(|| "unowned".to_string(), |(_, v)| v.value.clone());
    let mut service_labels = BTreeMap::new();
    let without_team: BTreeMap<Sp<String>, Sp<String>> = s
        .labels
        .iter()
        .filter(|(k, _)| k.value != "team")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    check_labels(cx, &without_team, "labels", &mut service_labels);
    if !is_name(&team)
        && let Some((_, v)) = s
            .labels
            .iter()
            .find(|(k, _)| k.value == "team" || k.value == "owner")
    {
        check_name(cx, v, "labels.team");
    }
    let mut slos = Vec::new();
    let mut seen: BTreeMap<&str, Loc> = BTreeMap::new();
    let service_alert_for = interop::sloth_plugin_chain(cx, s.slo_plugins.as_ref(), "slo_plugins");
    for (i, slo) in s.slos.iter().enumerate() {
        let path = format!("slos[{i}]");
        check_name(cx, &slo.name, &format!("{path}.name"));
        if let Some(first) = seen.insert(slo.name.value.as_str(), slo.name.loc) {
            let here = cx.file.display();
            cx.err(
                Code::DuplicateSlo,
                slo.name.loc,
                format!("{path}.name"),
                format!(
                    "SLO `{}` is defined twice in this service (first at {here}:{}:{})",
                    slo.name.value, first.line, first.col
                ),
            );
        }
        let alert_for =
            interop::sloth_plugin_chain(cx, slo.plugins.as_ref(), &format!("{path}.plugins"))
                || service_alert_for;
        if let Some(iv) = &slo.interval {
            cx.warn(
                Code::NotMapped,
                iv.loc,
                format!("{path}.interval"),
                "Sloth's rule-group intervals are not applied: sloforge evaluates every rule group at the fleet's evaluation interval",
            );
        }
        let mut labels = service_labels.clone();
        let slo_labels: BTreeMap<Sp<String>, Sp<String>> = slo
            .labels
            .iter()
            .filter(|(k, _)| k.value != "team")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        check_labels(cx, &slo_labels, &format!("{path}.labels"), &mut labels);
        let sp = format!("{path}.sli");
        let sv = &slo.sli.value;
        let sli = match (&sv.events, &sv.raw, &sv.plugin, &sv.denominator_corrected) {
            (Some(ev), None, None, None) => {
                let ep = format!("{sp}.events");
                let e = interop::sloth_either(
                    cx,
                    ev.loc,
                    &ep,
                    [
                        ("error_query", &ev.value.error_query),
                        ("errorQuery", &ev.value.error_query_camel),
                    ],
                );
                let t = interop::sloth_either(
                    cx,
                    ev.loc,
                    &ep,
                    [
                        ("total_query", &ev.value.total_query),
                        ("totalQuery", &ev.value.total_query_camel),
                    ],
                );
                match (e, t) {
                    (Some(e), Some(t)) => windowed_events(
                        cx,
                        e,
                        t,
                        &format!("{ep}.error_query"),
                        &format!("{ep}.total_query"),
                    ),
                    _ => None,
                }
            }
            (None, Some(raw), None, None) => {
                let rp = format!("{sp}.raw");
                interop::sloth_either(
                    cx,
                    raw.loc,
                    &rp,
                    [
                        ("error_ratio_query", &raw.value.error_ratio_query),
                        ("errorRatioQuery", &raw.value.error_ratio_query_camel),
                    ],
                )
                .and_then(|q| parse_windowed(cx, q, &format!("{rp}.error_ratio_query")))
                .map(|ratio| Sli::RawRatio { ratio })
            }
            (None, None, Some(pl), None) => {
                cx.err_help(
                    Code::Sli,
                    pl.loc,
                    format!("{sp}.plugin"),
                    format!("Sloth SLI plugins are not supported (`{}`)", pl.value.id),
                    "Sloth runs SLI plugins as Go code, which sloforge cannot load: write the query the plugin builds as a `raw` or `events` SLI",
                );
                None
            }
            (None, None, None, Some(dc)) => {
                cx.err_help(
                    Code::Sli,
                    dc.loc,
                    format!("{sp}.denominator_corrected"),
                    "denominator-corrected SLIs are not supported: sloforge does not scale burn rates by traffic volume",
                    "write the error (or total minus success) and total queries as an `events` SLI",
                );
                None
            }
            _ => {
                cx.err(
                    Code::Sli,
                    slo.sli.loc,
                    &sp,
                    "give exactly one of `events`, `raw`, `plugin` or `denominator_corrected`",
                );
                None
            }
        };
        let mut alerting = d.alerting.clone();
        let a = &slo.alerting;
        let ap = format!("{path}.alerting");
        let page = interop::sloth_alert(
            cx,
            &ap,
            "page_alert",
            "pageAlert",
            &a.page_alert,
            &a.page_alert_camel,
        );
        let ticket = interop::sloth_alert(
            cx,
            &ap,
            "ticket_alert",
            "ticketAlert",
            &a.ticket_alert,
            &a.ticket_alert_camel,
        );
        let any_alert = !page.is_some_and(|p| p.disable) || !ticket.is_some_and(|t| t.disable);
        if any_alert && a.name.is_none() {
            cx.err_help(
                Code::Name,
                slo.name.loc,
                format!("{ap}.name"),
                format!("SLO `{}` has alerts but no `alerting.name`, which Sloth requires", slo.name.value),
                "name the alerts, or disable both with `disable: true` under `page_alert` and `ticket_alert`",
            );
        }
        let mut over = AlertingSpec {
            name: a.name.clone(),
            labels: a.labels.clone(),
            annotations: a.annotations.clone(),
            ..AlertingSpec::default()
        };
        let mut severity_labels = BTreeMap::new();
        for (kind, alert) in [(SeverityKind::Page, page), (SeverityKind::Ticket, ticket)] {
            let Some(alert) = alert else { continue };
            if alert.disable {
                for t in d.settings.alert_tiers.iter().filter(|t| t.severity == kind) {
                    over.tiers.insert(
                        Sp::new(t.name.clone(), Loc::default()),
                        TierOverrideSpec {
                            enabled: Some(Sp::new(false, Loc::default())),
                            ..TierOverrideSpec::default()
                        },
                    );
                }
            }
            if let Some(f) = &alert.for_ {
                let fp = format!(
                    "{ap}.{}_alert.for",
                    if kind == SeverityKind::Page {
                        "page"
                    } else {
                        "ticket"
                    }
                );
                if alert_for {
                    for t in d.settings.alert_tiers.iter().filter(|t| t.severity == kind) {
                        over.tiers
                            .entry(Sp::new(t.name.clone(), Loc::default()))
                            .or_default()
                            .for_ = Some(f.clone());
                    }
                } else {
                    cx.warn(
                        Code::NotMapped,
                        f.loc,
                        fp,
                        format!(
                            "`for` is applied only with the `{}` SLO plugin, as in Sloth; ignored",
                            sloth::PLUGIN_ALERT_FOR
                        ),
                    );
                }
            }
            let mut l = BTreeMap::new();
            for (k, v) in &alert.labels {
                let p = format!(
                    "{path}.alerting.{}_alert.labels.{}",
                    if kind == SeverityKind::Page {
                        "page"
                    } else {
                        "ticket"
                    },
                    k.value
                );
                if k.value == names::label::SEVERITY {
                    check_label_value(cx, v, || p.clone());
                    l.insert(k.value.clone(), v.value.clone());
                } else {
                    let one: BTreeMap<Sp<String>, Sp<String>> =
                        [(k.clone(), v.clone())].into_iter().collect();
                    check_labels(cx, &one, &p[..p.len() - k.value.len() - 1], &mut l);
                }
            }
            severity_labels.insert(kind, (l, alert.annotations.clone()));
        }
        // Sloth's own annotations replace the default description only where given.
        merge_alerting(&mut alerting, &std::mem::take(&mut over));
        let input = SloInput {
            service: &s.service.value,
            team: &team,
            service_tier: None,
            name: &slo.name,
            description: slo.description.as_ref(),
            objective: Some(&slo.objective),
            window: None,
            sli,
            labels,
            alerting,
            path,
            severity_labels,
            objective_ratio: None,
            custom_tiers: None,
        };
        if let Some(slo) = build_slo(cx, d, None, input) {
            slos.push(slo);
        }
    }
    check_group_clashes(
        cx,
        &s.service.value,
        &slos,
        &d.settings,
        &s.slos.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
    );
    name_ok.then(|| Service {
        name: s.service.value.clone(),
        team: if is_name(&team) {
            team
        } else {
            "unowned".into()
        },
        tier: None,
        file: cx.file.to_path_buf(),
        format: SourceFormat::Sloth,
        slos,
    })
}

/// Validates everything loaded; returns the fleet when there is no error.
pub fn validate(loaded: &Loaded) -> (Option<Fleet>, Diagnostics) {
    validate_inner::<()>(loaded, usize::MAX, None, &mut |_| true)
}

/// Whether [`validate_streaming`] can validate these documents: the fleet-wide parts (OpenSLO
/// references between documents, Alertmanager routing) need every service at once.
pub fn can_stream(loaded: &Loaded) -> bool {
    !loaded.docs.iter().any(|d| {
        matches!(
            d.doc,
            RawDoc::Routing(_) | RawDoc::OpenSlo(_) | RawDoc::OpenSloAlpha(_)
        )
    })
}

/// Validates the documents side by side and hands each valid service to `each` on the core
/// that validated it, then frees it there (nothing of a service outlives its turn, and memory
/// is freed by the thread that allocated it); `done` gets the results of `chunk` documents at a
/// time, in document order, and says whether to go on. The returned fleet has no services. Only
/// for documents [`can_stream`] accepts. A service whose name an earlier document already
/// took is not handed over (the diagnostics hold the duplicate error).
pub fn validate_streaming<W: Send>(
    loaded: &Loaded,
    chunk: usize,
    each: &(dyn Fn(&Arc<Service>, &Settings) -> W + Sync),
    done: &mut dyn FnMut(Vec<W>) -> bool,
) -> (Option<Fleet>, Diagnostics) {
    validate_inner(loaded, chunk, Some(each), done)
}

/// The service name a document declares, before validation.
fn declared_name(doc: &RawDoc) -> Option<&str> {
    match doc {
        RawDoc::Service(s) => Some(&s.name.value),
        RawDoc::Sloth(s) => Some(&s.service.value),
        RawDoc::Defaults(_) | RawDoc::Routing(_) | RawDoc::OpenSlo(_) | RawDoc::OpenSloAlpha(_) => {
            None
        }
    }
}

/// What `validate_inner` does with each valid service as soon as it is built.
type EachService<'a, W> = &'a (dyn Fn(&Arc<Service>, &Settings) -> W + Sync);

/// Without `each`, every valid service is kept in the returned fleet.
fn validate_inner<W: Send>(
    loaded: &Loaded,
    chunk: usize,
    each: Option<EachService<'_, W>>,
    done: &mut dyn FnMut(Vec<W>) -> bool,
) -> (Option<Fleet>, Diagnostics) {
    let mut diags = loaded.diags.clone();
    let d = defaults(loaded, &mut diags);
    let mut services: Vec<Arc<Service>> = Vec::new();
    let mut first_seen: BTreeMap<String, (PathBuf, Loc)> = BTreeMap::new();
    // Documents whose declared service name an earlier one declares: a worker does not hand
    // them over. (Whether one is an error is decided below, in document order, among the valid
    // services; a name first declared by an invalid document fails the run anyway.)
    let mut declared = std::collections::HashSet::new();
    let repeated: Vec<bool> = loaded
        .docs
        .iter()
        .map(|doc| declared_name(&doc.doc).is_some_and(|n| !declared.insert(n)))
        .collect();
    // Each document is validated on its own (side by side); the results are merged in
    // document order, so diagnostics and duplicate checks stay deterministic.
    let indexed: Vec<(usize, &crate::load::LoadedDoc)> = loaded.docs.iter().enumerate().collect();
    for docs in indexed.chunks(chunk.max(1)) {
        let per_doc = crate::par::map(docs, |&(i, doc)| {
            let mut doc_diags = Diagnostics::default();
            let mut cx = Ctx {
                file: &doc.file,
                diags: &mut doc_diags,
            };
            let (service, name_loc) = match &doc.doc {
                RawDoc::Service(s) => (service_from_native(&mut cx, &d, s), s.name.loc),
                RawDoc::Sloth(s) => (service_from_sloth(&mut cx, &d, s), s.service.loc),
                RawDoc::Defaults(_)
                | RawDoc::Routing(_)
                | RawDoc::OpenSlo(_)
                | RawDoc::OpenSloAlpha(_) => (None, Loc::default()),
            };
            let service = service.map(Arc::new);
            let (service, name, handed) = match (service, each) {
                (Some(s), Some(each)) => {
                    let handed = (!repeated[i]).then(|| each(&s, &d.settings));
                    (None, Some(s.name.clone()), handed)
                }
                (s, _) => {
                    let name = s.as_ref().map(|s| s.name.clone());
                    (s, name, None)
                }
            };
            (service, name, name_loc, doc_diags, handed)
        });
        let mut handed_over = Vec::new();
        for (&(_, doc), (service, name, name_loc, doc_diags, handed)) in docs.iter().zip(per_doc) {
            diags.extend(doc_diags);
            handed_over.extend(handed);
            let Some(name) = name else { continue };
            let mut cx = Ctx {
                file: &doc.file,
                diags: &mut diags,
            };
            if let Some((f, l)) = first_seen.get(&name) {
                cx.err(
                    Code::DuplicateSlo,
                    name_loc,
                    "name",
                    format!("service `{name}` is already defined at {}:{}:{}; SLO ids (service/slo) must be unique across files", f.display(), l.line, l.col),
                );
                continue;
            }
            first_seen.insert(name, (doc.file.clone(), name_loc));
            services.extend(service);
        }
        if !done(handed_over) {
            break;
        }
    }
    for o in interop::openslo_services(loaded, &d, &mut diags) {
        if let Some((f, l)) = first_seen.get(&o.service.name) {
            let (f, l) = (f.clone(), *l);
            diags.push(Diagnostic::error(
                Code::DuplicateSlo,
                &o.file,
                o.loc,
                "spec.service",
                format!(
                    "service `{}` is already defined at {}:{}:{}",
                    o.service.name,
                    f.display(),
                    l.line,
                    l.col
                ),
            ));
            continue;
        }
        first_seen.insert(o.service.name.clone(), (o.file.clone(), o.loc));
        services.push(Arc::new(o.service));
    }
    let only_settings = loaded.docs.iter().all(|d| match &d.doc {
        RawDoc::Defaults(_) | RawDoc::Routing(_) => true,
        RawDoc::OpenSlo(v1) => !matches!(v1.as_ref(), crate::load::openslo::V1Doc::Slo(_)),
        _ => false,
    });
    if only_settings && !diags.has_errors() {
        let file = loaded
            .docs
            .first()
            .map_or_else(PathBuf::new, |d| d.file.clone());
        diags.push(Diagnostic::error(
            Code::NoSpecs,
            &file,
            Loc::default(),
            "",
            "no service specs found",
        ));
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let routing = routing::validate(loaded, &services, &d.settings, &mut diags);
    if diags.has_errors() {
        return (None, diags);
    }
    (
        Some(Fleet {
            settings: d.settings,
            services,
            routing,
        }),
        diags,
    )
}
