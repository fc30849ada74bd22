//! The checks Alertmanager runs once the configuration has been read: a root route with a
//! receiver and without matchers, `continue` or time intervals; routes naming receivers and time
//! intervals that exist; unique receiver and time interval names; `group_by` without repeats;
//! non-zero intervals; and each integration's required settings (given inline, in a file or in
//! `global`). The messages are Alertmanager's own where it has one.

use std::collections::BTreeSet;

use super::schema::{Config, Global, NamedInterval, Receiver, Route, get, set};
use super::{AmVersion, Cx};
use crate::diag::Loc;
use crate::load::spanned::Sp;

/// Every check on a configuration that has been read.
pub(super) fn check(c: &Config, cx: &mut Cx<'_>) {
    let top = Loc { line: 1, col: 1 };
    let Some(route) = &c.route else {
        cx.problem(top, "no route provided in config".into());
        return;
    };
    let receivers = names_of(get(&c.receivers), |r| &r.name, "receiver", cx);
    let mut intervals = BTreeSet::new();
    for (list, what) in [
        (&c.mute_time_intervals, "mute time interval"),
        (&c.time_intervals, "time interval"),
    ] {
        for i in get(list).into_iter().flatten() {
            interval_name(i, what, &mut intervals, cx);
        }
    }
    root(&route.value, route.loc, cx);
    walk_routes(&route.value, &receivers, &intervals, cx);
    let default = Global::default();
    let global = get(&c.global).unwrap_or(&default);
    for r in get(&c.receivers).into_iter().flatten() {
        integrations(&r.value, global, cx);
    }
}

/// The names of a list's items, each reported when missing or repeated.
fn names_of<T>(
    items: Option<&Vec<Sp<T>>>,
    name: impl Fn(&T) -> &Option<Sp<String>>,
    what: &str,
    cx: &mut Cx<'_>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for i in items.into_iter().flatten() {
        match name(&i.value) {
            Some(n) if !n.value.is_empty() => {
                if !seen.insert(n.value.clone()) {
                    cx.problem(
                        n.loc,
                        format!("notification config name {:?} is not unique", n.value),
                    );
                }
            }
            _ => cx.problem(i.loc, format!("missing name in {what}")),
        }
    }
    seen
}

fn interval_name(i: &Sp<NamedInterval>, what: &str, seen: &mut BTreeSet<String>, cx: &mut Cx<'_>) {
    match &i.value.name {
        Some(n) if !n.value.is_empty() => {
            if !seen.insert(n.value.clone()) {
                cx.problem(n.loc, format!("{what} {:?} is not unique", n.value));
            }
        }
        _ => cx.problem(i.loc, format!("missing name in {what}")),
    }
}

/// The root route's own constraints.
fn root(r: &Route, at: Loc, cx: &mut Cx<'_>) {
    if !set(&r.receiver) {
        cx.problem(at, "root route must specify a default receiver".into());
    }
    let has = |v: bool, cx: &mut Cx<'_>, msg: &str| {
        if v {
            cx.problem(at, msg.into());
        }
    };
    has(
        get(&r.matchers).is_some_and(|m| !m.0.is_empty())
            || get(&r.r#match).is_some_and(|m| !m.0.is_empty())
            || get(&r.match_re).is_some_and(|m| !m.0.is_empty()),
        cx,
        "root route must not have any matchers",
    );
    has(
        get(&r.mute_time_intervals).is_some_and(|m| !m.is_empty()),
        cx,
        "root route must not have any mute time intervals",
    );
    has(
        get(&r.active_time_intervals).is_some_and(|m| !m.is_empty()),
        cx,
        "root route must not have any active time intervals",
    );
    has(
        get(&r.r#continue).copied().unwrap_or(false),
        cx,
        "cannot have continue in root route",
    );
}

/// Receivers and time intervals every route names, `group_by` and the intervals.
fn walk_routes(
    r: &Route,
    receivers: &BTreeSet<String>,
    intervals: &BTreeSet<String>,
    cx: &mut Cx<'_>,
) {
    if let Some(n) = &r.receiver
        && !n.value.is_empty()
        && !receivers.contains(&n.value)
    {
        cx.problem(
            n.loc,
            format!("undefined receiver {:?} used in route", n.value),
        );
    }
    for list in [&r.mute_time_intervals, &r.active_time_intervals] {
        for i in get(list).into_iter().flatten() {
            if !intervals.contains(&i.value) {
                cx.problem(
                    i.loc,
                    format!("undefined time interval {:?} used in route", i.value),
                );
            }
        }
    }
    if let Some(g) = get(&r.group_by) {
        let mut seen = BTreeSet::new();
        for l in &g.0 {
            if !seen.insert(l.value.as_str()) {
                cx.problem(l.loc, format!("duplicated label {:?} in group_by", l.value));
            }
        }
        if seen.contains("...") && seen.len() > 1 {
            cx.problem(
                g.0[0].loc,
                "cannot have wildcard group_by (`...`) and other labels at the same time".into(),
            );
        }
    }
    for (d, what) in [
        (&r.group_interval, "group_interval"),
        (&r.repeat_interval, "repeat_interval"),
    ] {
        if let Some(d) = d
            && d.value.get().is_some_and(|d| d.as_millis() == 0)
        {
            cx.problem(d.loc, format!("{what} cannot be zero"));
        }
    }
    for child in get(&r.routes).into_iter().flatten() {
        walk_routes(&child.value, receivers, intervals, cx);
    }
}

/// Each integration's required settings.
fn integrations(r: &Receiver, g: &Global, cx: &mut Cx<'_>) {
    for e in get(&r.email_configs).into_iter().flatten() {
        let c = &e.value;
        if !set(&c.to) {
            cx.problem(e.loc, "missing to address in email config".into());
        }
        if get(&c.smarthost).is_none_or(|h| h.0.is_empty())
            && get(&g.smtp_smarthost).is_none_or(|h| h.0.is_empty())
        {
            cx.problem(e.loc, "no global SMTP smarthost set".into());
        }
        if !set(&c.from) && !set(&g.smtp_from) {
            cx.problem(e.loc, "no global SMTP from set".into());
        }
    }
    for s in get(&r.slack_configs).into_iter().flatten() {
        let c = &s.value;
        let own = c.api_url.is_some() || set(&c.api_url_file) || set(&c.app_token);
        let global =
            g.slack_api_url.is_some() || set(&g.slack_api_url_file) || set(&g.slack_app_token);
        if !own && !global {
            cx.problem(
                s.loc,
                "no global Slack API URL set either inline or in a file".into(),
            );
        }
    }
    for w in get(&r.webhook_configs).into_iter().flatten() {
        let c = &w.value;
        match (c.url.is_some(), set(&c.url_file)) {
            (false, false) => cx.problem(
                w.loc,
                if cx.version < AmVersion::V0_28 {
                    "missing URL in webhook config"
                } else {
                    "one of url or url_file must be configured"
                }
                .into(),
            ),
            (true, true) => cx.problem(
                w.loc,
                "at most one of url & url_file must be configured".into(),
            ),
            _ => {}
        }
    }
    for p in get(&r.pagerduty_configs).into_iter().flatten() {
        let c = &p.value;
        let keys = [
            &c.routing_key,
            &c.routing_key_file,
            &c.service_key,
            &c.service_key_file,
        ];
        if !keys.iter().any(|k| set(k)) {
            cx.problem(
                p.loc,
                "missing service or routing key in PagerDuty config".into(),
            );
        }
    }
    for o in get(&r.opsgenie_configs).into_iter().flatten() {
        let c = &o.value;
        if !set(&c.api_key)
            && !set(&c.api_key_file)
            && !set(&g.opsgenie_api_key)
            && !set(&g.opsgenie_api_key_file)
        {
            cx.problem(
                o.loc,
                "no global OpsGenie API Key set either inline or in a file".into(),
            );
        }
    }
}
