//! Sloth's service specs (`version: prometheus/v1`) → services of the model: its SLI kinds,
//! its page and ticket alerts mapped onto the tiers of the alert policy, and its SLO plugins.

use std::collections::BTreeMap;

use super::Ctx;
use super::burn::SeverityLabels;
use super::clashes::{check_group_clashes, check_slo_name_unique};
use super::defaults::{Defaults, merge_alerting};
use super::interop;
use super::labels::{check_alert_label, check_labels, check_name, check_service_name, is_name};
use super::sli::{raw_ratio, windowed_events};
use super::slo::{SloInput, build_slo};
use crate::diag::{Code, Loc};
use crate::load::native::{AlertingSpec, SeverityKind, TierOverrideSpec};
use crate::load::sloth;
use crate::load::spanned::Sp;
use crate::model::{Service, Settings, Sli, Slo, SourceFormat};
use crate::names;

/// What the SLOs of a Sloth service share.
struct SlothService<'a> {
    spec: &'a sloth::SlothSpec,
    /// The `team` (or `owner`) label, `unowned` without one.
    team: String,
    /// The service's labels but `team`, checked.
    labels: BTreeMap<String, String>,
    /// Whether the service's SLO plugins apply the alerts' `for`.
    alert_for: bool,
}

pub(super) fn service_from_sloth(
    cx: &mut Ctx,
    d: &Defaults,
    s: &sloth::SlothSpec,
) -> Option<Service> {
    let name_ok = check_service_name(cx, &s.service, "service");
    let team = s
        .labels
        .iter()
        .find(|(k, _)| k.value == "team" || k.value == "owner")
        .map_or_else(|| "unowned".to_string(), |(_, v)| v.value.clone());
    let mut labels = BTreeMap::new();
    check_labels(cx, &without_team(&s.labels), "labels", &mut labels);
    if !is_name(&team)
        && let Some((k, v)) = s
            .labels
            .iter()
            .find(|(k, _)| k.value == "team" || k.value == "owner")
    {
        check_name(cx, v, &format!("labels.{}", k.value));
    }
    let service = SlothService {
        spec: s,
        team,
        labels,
        alert_for: interop::sloth_plugin_chain(cx, s.slo_plugins.as_ref(), "slo_plugins"),
    };
    let mut slos = Vec::new();
    let mut seen: BTreeMap<&str, Loc> = BTreeMap::new();
    for (i, slo) in s.slos.iter().enumerate() {
        let path = format!("slos[{i}]");
        check_name(cx, &slo.name, &format!("{path}.name"));
        check_slo_name_unique(cx, &mut seen, &slo.name, &path);
        slos.extend(slo_from_sloth(cx, d, &service, slo, path));
    }
    check_group_clashes(
        cx,
        &s.service.value,
        &slos,
        &d.settings,
        &s.slos.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
    );
    let team = service.team;
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

/// Labels but `team`, which becomes the service's team.
fn without_team(labels: &sloth::Labels) -> sloth::Labels {
    labels
        .iter()
        .filter(|(k, _)| k.value != "team")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One SLO of a Sloth service.
fn slo_from_sloth(
    cx: &mut Ctx,
    d: &Defaults,
    service: &SlothService,
    slo: &sloth::SlothSlo,
    path: String,
) -> Option<Slo> {
    let alert_for =
        interop::sloth_plugin_chain(cx, slo.plugins.as_ref(), &format!("{path}.plugins"))
            || service.alert_for;
    if let Some(iv) = &slo.interval {
        cx.warn(
            Code::NotMapped,
            iv.loc,
            format!("{path}.interval"),
            "Sloth's rule-group intervals are not applied: sloforge evaluates every rule group at the fleet's evaluation interval",
        );
    }
    let mut labels = service.labels.clone();
    check_labels(
        cx,
        &without_team(&slo.labels),
        &format!("{path}.labels"),
        &mut labels,
    );
    let sli = sloth_sli(cx, &slo.sli, &format!("{path}.sli"));
    let (alerting, severity_labels) = sloth_alerting(cx, d, slo, &path, alert_for);
    let implied_groups = sli
        .as_ref()
        .and_then(|s| super::grouping::implied_group_by(s, slo.name.loc));
    let input = SloInput {
        service: &service.spec.service.value,
        team: &service.team,
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
        group_by: implied_groups,
        max_groups: None,
        calendar: None,
        exclusions: Vec::new(),
    };
    build_slo(cx, d, None, input)
}

/// A Sloth SLI: `events` or `raw`; plugins and denominator-corrected SLIs are reported.
fn sloth_sli(cx: &mut Ctx, sli: &Sp<sloth::SlothSli>, sp: &str) -> Option<Sli> {
    let sv = &sli.value;
    match (&sv.events, &sv.raw, &sv.plugin, &sv.denominator_corrected) {
        (Some(ev), None, None, None) => sloth_events(cx, ev, &format!("{sp}.events")),
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
            .and_then(|q| raw_ratio(cx, q, &format!("{rp}.error_ratio_query")))
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
                sli.loc,
                sp,
                "give exactly one of `events`, `raw`, `plugin` or `denominator_corrected`",
            );
            None
        }
    }
}

/// Sloth's `events` SLI: error and total queries (snake_case or camelCase keys).
fn sloth_events(cx: &mut Ctx, ev: &Sp<sloth::SlothEvents>, ep: &str) -> Option<Sli> {
    let e = interop::sloth_either(
        cx,
        ev.loc,
        ep,
        [
            ("error_query", &ev.value.error_query),
            ("errorQuery", &ev.value.error_query_camel),
        ],
    );
    let t = interop::sloth_either(
        cx,
        ev.loc,
        ep,
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

/// The alerting settings of a Sloth SLO over the fleet's, and the labels and annotations of
/// its page and ticket alerts.
fn sloth_alerting(
    cx: &mut Ctx,
    d: &Defaults,
    slo: &sloth::SlothSlo,
    path: &str,
    alert_for: bool,
) -> (AlertingSpec, BTreeMap<SeverityKind, SeverityLabels>) {
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
    // Sloth sets `sloth_severity` and leaves `severity` to the spec: one in `alerting.labels`
    // goes to both alerts, unless an alert sets its own.
    let mut labels = a.labels.clone();
    let shared = labels
        .keys()
        .find(|k| k.value == names::label::SEVERITY)
        .cloned()
        .and_then(|k| labels.remove_entry(&k));
    let mut over = AlertingSpec {
        name: a.name.clone(),
        labels,
        annotations: a.annotations.clone(),
        ..AlertingSpec::default()
    };
    let mut severity_labels = BTreeMap::new();
    for (kind, alert) in [(SeverityKind::Page, page), (SeverityKind::Ticket, ticket)] {
        let (mut labels, annotations) = match alert {
            Some(alert) => (
                severity_alert(cx, &d.settings, kind, alert, &ap, alert_for, &mut over),
                alert.annotations.clone(),
            ),
            None => Default::default(),
        };
        if let Some((k, v)) = &shared
            && !labels.contains_key(names::label::SEVERITY)
        {
            check_alert_label(cx, k, v, &format!("{ap}.labels"), &mut labels);
        }
        severity_labels.insert(kind, (labels, annotations));
    }
    interop::without_for(&d.settings, &mut over);
    same_severity(cx, &d.settings, &severity_labels, shared.as_ref(), &ap);
    // Sloth's own annotations replace the default description only where given.
    merge_alerting(&mut alerting, &over);
    (alerting, severity_labels)
}

/// Sloth's page or ticket alert on the tiers of that severity: `disable` turns them off, `for`
/// is applied only with Sloth's `alert_for` plugin. Returns the alert's labels, checked.
fn severity_alert(
    cx: &mut Ctx,
    settings: &Settings,
    kind: SeverityKind,
    alert: &sloth::SlothAlert,
    ap: &str,
    alert_for: bool,
    over: &mut AlertingSpec,
) -> BTreeMap<String, String> {
    let sev = if kind == SeverityKind::Page {
        "page"
    } else {
        "ticket"
    };
    let tiers = || settings.alert_tiers.iter().filter(|t| t.severity == kind);
    if alert.disable {
        for t in tiers() {
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
        if alert_for {
            for t in tiers() {
                over.tiers
                    .entry(Sp::new(t.name.clone(), Loc::default()))
                    .or_default()
                    .for_ = Some(f.clone());
            }
        } else {
            cx.warn(
                Code::NotMapped,
                f.loc,
                format!("{ap}.{sev}_alert.for"),
                format!(
                    "`for` is applied only with the `{}` SLO plugin, as in Sloth; ignored",
                    sloth::PLUGIN_ALERT_FOR
                ),
            );
        }
    }
    let mut labels = BTreeMap::new();
    for (k, v) in &alert.labels {
        check_alert_label(cx, k, v, &format!("{ap}.{sev}_alert.labels"), &mut labels);
    }
    labels
}

/// Warns when the page and ticket alerts end up with one `severity` value: Alertmanager then
/// cannot tell them apart by it.
fn same_severity(
    cx: &mut Ctx,
    settings: &Settings,
    severity_labels: &BTreeMap<SeverityKind, SeverityLabels>,
    shared: Option<&(Sp<String>, Sp<String>)>,
    ap: &str,
) {
    let value = |kind: SeverityKind| {
        severity_labels
            .get(&kind)
            .and_then(|(l, _)| l.get(names::label::SEVERITY))
            .map_or_else(|| settings.severity(kind).to_string(), Clone::clone)
    };
    let (page, ticket) = (value(SeverityKind::Page), value(SeverityKind::Ticket));
    if page != ticket {
        return;
    }
    let Some((k, _)) = shared else { return };
    cx.warn_help(
        Code::NotMapped,
        k.loc,
        format!("{ap}.labels.severity"),
        format!("the page and the ticket alerts both get `severity: {page}`, as in Sloth: Alertmanager cannot tell them apart by severity, so no page mutes this SLO's tickets and routes by severity send both to one receiver"),
        "to tell them apart, set `severity` under `page_alert.labels` and `ticket_alert.labels` instead",
    );
}
