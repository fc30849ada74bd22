//! Burn-rate alerts: one per tier of the alert policy (the fleet's, scaled to the SLO window,
//! or the SLO's own), with the spec's overrides of each tier.

use std::collections::{BTreeMap, BTreeSet};

use super::Ctx;
use super::alerts::{SloAlerts, Target};
use super::labels::check_alert_label;
use crate::diag::Code;
use crate::load::native::{AlertingSpec, SeverityKind, TierOverrideSpec};
use crate::load::spanned::Sp;
use crate::model::{
    AlertTierPolicy, BurnAlert, Decimal, Duration, REFERENCE_WINDOW, Settings, TierSource,
};
use crate::names;
use crate::syntax::gotmpl;

/// Sloth's per-severity alert labels (rendered) and annotations (templates).
pub(super) type SeverityLabels = (BTreeMap<String, String>, BTreeMap<Sp<String>, Sp<String>>);

/// The burn alerts of one SLO, with what its spec changes of each tier.
pub(super) struct BurnAlerts {
    pub(super) alerts: Vec<BurnAlert>,
    /// Per tier: the settings that differ from the policy, as written.
    pub(super) tiers: BTreeMap<String, TierSource>,
    /// The longest alert window.
    pub(super) longest: Duration,
}

/// Scales a 30-day policy window to an SLO window, rounded to the evaluation interval.
pub(super) fn scale_window(w: Duration, slo_window: Duration, step: Duration) -> Duration {
    let ms = u128::from(w.as_millis()) * u128::from(slo_window.as_millis())
        / u128::from(REFERENCE_WINDOW.as_millis());
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)).round_to(step)
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

/// Reports overrides of tiers the fleet's policy does not have.
pub(super) fn check_tier_names(
    cx: &mut Ctx,
    alerting: &AlertingSpec,
    policy: &[AlertTierPolicy],
    path: &str,
) {
    for k in alerting.tiers.keys() {
        if !policy.iter().any(|t| t.name == k.value) {
            let known_tiers: BTreeSet<&str> = policy.iter().map(|t| t.name.as_str()).collect();
            let list: Vec<String> = known_tiers.iter().map(|t| format!("`{t}`")).collect();
            cx.err(
                Code::UnknownReference,
                k.loc,
                format!("{path}.alerting.tiers.{}", k.value),
                format!(
                    "unknown alert tier `{}`; the policy has {}",
                    k.value,
                    list.join(", ")
                ),
            );
        }
    }
}

/// One burn alert per enabled tier of `custom` (the SLO's own tiers, absolute windows) or of
/// the fleet's policy (scaled to the SLO window).
pub(super) fn burn_alerts(
    cx: &mut Ctx,
    settings: &Settings,
    slo: &SloAlerts,
    alerting: &AlertingSpec,
    severity_labels: &BTreeMap<SeverityKind, SeverityLabels>,
    custom: Option<&[AlertTierPolicy]>,
) -> BurnAlerts {
    let mut out = BurnAlerts {
        alerts: Vec::new(),
        tiers: BTreeMap::new(),
        longest: Duration::ZERO,
    };
    let policy = custom.unwrap_or(&settings.alert_tiers);
    let no_override = TierOverrideSpec::default();
    let no_severity_labels = (BTreeMap::new(), BTreeMap::new());
    for t in policy {
        let over = alerting
            .tiers
            .iter()
            .find(|(k, _)| k.value == t.name)
            .map_or(&no_override, |(_, v)| v);
        if over.enabled.as_ref().is_some_and(|e| !e.value) {
            out.tiers.insert(t.name.clone(), TierSource::default());
            continue;
        }
        let tp = || format!("{}.alerting.tiers.{}", slo.path, t.name);
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
        let (long, short) = tier_windows(settings, t, slo.target.window, custom.is_some());
        out.longest = out.longest.max(long);
        let threshold = threshold(cx, slo, t);
        let severity = settings.severity(t.severity).to_string();
        let (sev_labels, sev_annotations) = severity_labels
            .get(&t.severity)
            .unwrap_or(&no_severity_labels);
        let source = tier_source(t, for_, keep, over, sev_labels, sev_annotations);
        if source
            != (TierSource {
                enabled: true,
                ..Default::default()
            })
        {
            out.tiers.insert(t.name.clone(), source);
        }
        let vars = tier_vars(t, &severity, long, short, threshold, slo.target.window);
        let annotations = slo.annotations(
            cx,
            vars,
            &[&alerting.annotations, sev_annotations, &over.annotations],
        );
        let labels = tier_labels(cx, slo, t, over, sev_labels, severity, short);
        out.alerts.push(BurnAlert {
            alert_name: slo.name.clone(),
            tier: t.name.clone(),
            severity_kind: t.severity,
            severity: labels[names::label::SEVERITY].clone(),
            long_window: long,
            short_window: short,
            burn_rate: t.burn_rate,
            for_,
            keep_firing_for: keep,
            labels: labels.into(),
            annotations: annotations.into(),
        });
    }
    out
}

/// The long and short window of a tier: the policy's scaled to the SLO window unless they are
/// the SLO's own, and the short one at least the base window.
fn tier_windows(
    settings: &Settings,
    t: &AlertTierPolicy,
    window: Duration,
    custom: bool,
) -> (Duration, Duration) {
    let step = settings.evaluation_interval;
    let (long, short) = if custom {
        (t.long_window, t.short_window)
    } else {
        (
            scale_window(t.long_window, window, step),
            scale_window(t.short_window, window, step),
        )
    };
    (long, short.max(settings.base_window))
}

/// The error ratio above which a tier fires; warns when it is never crossed.
fn threshold(cx: &mut Ctx, slo: &SloAlerts, t: &AlertTierPolicy) -> Decimal {
    let Target {
        objective,
        objective_loc,
        budget,
        ..
    } = &slo.target;
    // The error ratio is at most 1 (a total outage) and the windows trip only above the
    // threshold: a threshold of 1 or more is never crossed. Exact for every objective (the
    // largest burn rate, 1 / budget, has no finite decimal form for most of them).
    let threshold = t.burn_rate.checked_mul(*budget).unwrap_or(Decimal::ZERO);
    if threshold >= Decimal::ONE {
        cx.warn(
            Code::TierNeverFires,
            *objective_loc,
            format!("{}.alerting.tiers.{}", slo.path, t.name),
            format!(
                "alert tier `{}` can never fire: its error-ratio threshold is {threshold} ({}x the {budget} budget of the {objective}% objective), and even a total outage reaches only 1",
                t.name, t.burn_rate
            ),
        );
    }
    threshold
}

/// The template variables of a tier's annotations.
fn tier_vars(
    t: &AlertTierPolicy,
    severity: &str,
    long: Duration,
    short: Duration,
    threshold: Decimal,
    window: Duration,
) -> Vec<(&'static str, String)> {
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
    vec![
        ("tier", t.name.clone()),
        ("severity", severity.to_string()),
        ("long_window", long.to_string()),
        ("short_window", short.to_string()),
        ("burn_rate", t.burn_rate.to_string()),
        ("threshold", threshold.to_string()),
        ("budget_spent_percent", spent.to_string()),
        ("exhaustion", exhaustion),
    ]
}

/// What the spec sets on an enabled tier, as written.
fn tier_source(
    t: &AlertTierPolicy,
    for_: Duration,
    keep: Duration,
    over: &TierOverrideSpec,
    sev_labels: &BTreeMap<String, String>,
    sev_annotations: &BTreeMap<Sp<String>, Sp<String>>,
) -> TierSource {
    TierSource {
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
    }
}

/// The labels of a tier's alert: the SLO's alert labels, the tier's and the severity's (which
/// may set `severity`), and the tier and short window.
fn tier_labels(
    cx: &mut Ctx,
    slo: &SloAlerts,
    t: &AlertTierPolicy,
    over: &TierOverrideSpec,
    sev_labels: &BTreeMap<String, String>,
    severity: String,
    short: Duration,
) -> BTreeMap<String, String> {
    let mut labels = slo.labels.clone();
    let mut checked = BTreeMap::new();
    for (k, v) in &over.labels {
        let path = format!("{}.alerting.tiers.{}.labels", slo.path, t.name);
        check_alert_label(cx, k, v, &path, &mut checked);
    }
    labels.extend(
        checked
            .iter()
            .chain(sev_labels)
            .map(|(k, v)| (k.clone(), gotmpl::literal(v))),
    );
    labels
        .entry(names::label::SEVERITY.into())
        .or_insert(severity);
    labels.insert(names::label::TIER.into(), t.name.clone());
    labels.insert(names::label::SHORT_WINDOW.into(), short.to_string());
    labels
}
