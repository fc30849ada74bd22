//! The receivers of the `AlertRouting` document: each one assembled from its integrations
//! (checked in `integrations`, their HTTP clients in `http`) or named as a receiver of the
//! user's own configuration (`existing: true`), the default and audit receivers, and the
//! receivers each route lists resolved.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Code;
use crate::load::routing::{ReceiverSpec, RoutingSpec};
use crate::load::spanned::Sp;
use crate::model::routing::Receiver;
use crate::names;
use crate::validate::Ctx;

use super::check_name;
use super::integrations;
use super::settings::Constraints;

fn is_existing(r: &ReceiverSpec) -> bool {
    r.existing.as_ref().is_some_and(|e| e.value)
}

fn has_integration(r: &ReceiverSpec) -> bool {
    r.pagerduty.is_some()
        || r.slack.is_some()
        || r.email.is_some()
        || r.webhook.is_some()
        || r.opsgenie.is_some()
        || r.msteams.is_some()
        || r.msteamsv2.is_some()
}

/// The receivers the document defines, by name; those with errors left out.
pub(super) fn receivers(cx: &mut Ctx, spec: &RoutingSpec) -> BTreeMap<String, Receiver> {
    let mut receivers = BTreeMap::new();
    for (name, r) in &spec.receivers {
        let path = format!("receivers.{}", name.value);
        let named = if is_existing(r) {
            existing_name(cx, name, &path)
        } else {
            check_name(cx, name, &path)
        };
        if named {
            receivers.insert(name.value.clone(), receiver(cx, name, r, &path));
        }
    }
    receivers
}

/// The name of a receiver of the user's configuration: any name Alertmanager takes, but not
/// one of sloforge's own (`splice` replaces those).
fn existing_name(cx: &mut Ctx, name: &Sp<String>, path: &str) -> bool {
    let v = &name.value;
    if v.trim().is_empty() || v.chars().any(char::is_control) {
        cx.err(
            Code::Name,
            name.loc,
            path,
            format!("`{}` is not a receiver name", v.escape_debug()),
        );
        return false;
    }
    if v.starts_with(names::ALERTMANAGER_PREFIX) {
        cx.err_help(
            Code::Name,
            name.loc,
            path,
            format!(
                "`{v}` cannot be a receiver of yours: `splice` owns every receiver named `{}…` and replaces it",
                names::ALERTMANAGER_PREFIX
            ),
            format!(
                "rename the receiver in your Alertmanager configuration, or declare it here without `existing` and without the `{}` prefix",
                names::ALERTMANAGER_PREFIX
            ),
        );
        return false;
    }
    true
}

fn receiver(cx: &mut Ctx, name: &Sp<String>, r: &ReceiverSpec, path: &str) -> Receiver {
    if let Some(e) = r.existing.as_ref().filter(|e| e.value) {
        if has_integration(r) {
            cx.err_help(
                Code::Config,
                e.loc,
                format!("{path}.existing"),
                format!(
                    "receiver `{}` is one of your Alertmanager configuration's: its integrations are there, not here",
                    name.value
                ),
                "leave out `existing` to have sloforge write the receiver, or leave out its integrations to route to yours",
            );
        }
        let mut c = Constraints::default();
        c.gap(
            e.loc,
            &format!("{path}.existing"),
            format!(
                "receiver `{}` exists only in your Alertmanager configuration: an AlertmanagerConfig can route only to receivers it defines itself, not to those of the Alertmanager's main configuration",
                name.value
            ),
            "give the receiver its integrations here (without `existing`) for --format kubernetes, or use the yaml format and `sloforge splice`",
        );
        return Receiver {
            name: name.value.clone(),
            loc: name.loc,
            existing: true,
            kubernetes_gaps: c.gaps,
            ..Receiver::default()
        };
    }
    let mut c = Constraints::default();
    let mut out = Receiver {
        name: name.value.clone(),
        loc: name.loc,
        ..Receiver::default()
    };
    integrations::integrations(cx, r, path, &mut out, &mut c);
    // No integration: Alertmanager's usual discard receiver (`"null"`), a valid default.
    out.requirements = c.requirements;
    out.kubernetes_gaps = c.gaps;
    out
}

/// The default receiver, checked: defined, and one sloforge writes (the receiver of its own
/// routes, which `splice` finds by its name).
pub(super) fn default_receiver(cx: &mut Ctx, spec: &RoutingSpec, refs: &mut ReceiverRefs) {
    let d = &spec.default_receiver;
    if !refs.check(cx, d, "default_receiver") {
        return;
    }
    if spec
        .receivers
        .iter()
        .any(|(k, r)| k.value == d.value && is_existing(r))
    {
        cx.err_help(
            Code::Routing,
            d.loc,
            "default_receiver",
            format!(
                "the default receiver `{}` is one of your Alertmanager configuration's: it must be one sloforge writes",
                d.value
            ),
            "the default receiver is the receiver of sloforge's own routes (proved to receive no SLO alert); declare one here, such as `unrouted: {}`",
        );
    }
}

/// The references the document makes to receivers: each resolved, and the receivers named kept
/// to report those no route uses.
pub(super) struct ReceiverRefs<'a> {
    defined: &'a BTreeMap<Sp<String>, ReceiverSpec>,
    used: BTreeSet<String>,
}

impl<'a> ReceiverRefs<'a> {
    pub(super) fn new(defined: &'a BTreeMap<Sp<String>, ReceiverSpec>) -> Self {
        ReceiverRefs {
            defined,
            used: BTreeSet::new(),
        }
    }

    /// Whether the receiver `r` (at `path`) is defined; marks it used.
    pub(super) fn check(&mut self, cx: &mut Ctx, r: &Sp<String>, path: &str) -> bool {
        if self.defined.keys().any(|k| k.value == r.value) {
            self.used.insert(r.value.clone());
            return true;
        }
        let known: Vec<String> = self
            .defined
            .keys()
            .map(|k| format!("`{}`", k.value))
            .collect();
        cx.err_help(
            Code::UnknownReference,
            r.loc,
            path,
            format!("unknown receiver `{}`", r.value),
            format!("receivers are {}", known.join(", ")),
        );
        false
    }

    /// Whether the receiver `name` has no integration (a discard receiver); a receiver of the
    /// user's own configuration delivers as that configuration says.
    fn discards(&self, name: &str) -> bool {
        self.defined
            .iter()
            .any(|(k, r)| k.value == name && !is_existing(r) && !has_integration(r))
    }

    /// Warns of every receiver no route names.
    pub(super) fn warn_unused(&self, cx: &mut Ctx) {
        for name in self.defined.keys() {
            if !self.used.contains(&name.value) {
                cx.warn(
                    Code::RoutingWarning,
                    name.loc,
                    format!("receivers.{}", name.value),
                    format!("receiver `{}` is not used by any route", name.value),
                );
            }
        }
    }
}

/// The audit receivers, checked: defined, none twice, not the default receiver.
pub(super) fn audit_receivers(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    refs: &mut ReceiverRefs,
) -> Vec<String> {
    let mut audit = Vec::new();
    for (i, a) in spec.audit_receivers.iter().enumerate() {
        let p = format!("audit_receivers[{i}]");
        if a.value == spec.default_receiver.value {
            cx.err(
                Code::Routing,
                a.loc,
                &p,
                "the default receiver cannot also be an audit receiver",
            );
        } else if audit.contains(&a.value) {
            cx.err(
                Code::Routing,
                a.loc,
                &p,
                format!("`{}` is listed twice", a.value),
            );
        } else if refs.check(cx, a, &p) {
            audit.push(a.value.clone());
        }
    }
    audit
}

/// The receivers of a route (a team's severity or a budget stage), checked: at least one, none
/// twice, no audit receiver (it gets every alert already), not the default receiver, and each
/// defined (which also marks it used).
pub(super) fn receiver_list(
    cx: &mut Ctx,
    receivers: &Sp<Vec<Sp<String>>>,
    rp: &str,
    (audit, default): (&[String], &str),
    refs: &mut ReceiverRefs,
) -> Vec<String> {
    if receivers.value.is_empty() {
        cx.err(
            Code::Routing,
            receivers.loc,
            format!("{rp}.receivers"),
            "at least one receiver is needed",
        );
    }
    let mut list: Vec<String> = Vec::new();
    for (i, rec) in receivers.value.iter().enumerate() {
        let p = format!("{rp}.receivers[{i}]");
        if list.contains(&rec.value) {
            cx.err(
                Code::Routing,
                rec.loc,
                p,
                format!(
                    "`{}` is listed twice: it would be notified twice",
                    rec.value
                ),
            );
        } else if audit.contains(&rec.value) {
            cx.err(
                Code::Routing,
                rec.loc,
                p,
                format!(
                    "`{}` is an audit receiver: it already gets every alert",
                    rec.value
                ),
            );
        } else if rec.value == default {
            cx.err_help(
                Code::Routing,
                rec.loc,
                p,
                format!("`{}` is the default receiver", rec.value),
                "the default receiver is for alerts no team route takes; sloforge proves no generated alert reaches it",
            );
        } else if refs.check(cx, rec, &p) {
            if refs.discards(&rec.value) {
                cx.warn_help(
                    Code::RoutingWarning,
                    rec.loc,
                    &p,
                    format!(
                        "`{}` has no integration: the alerts this route sends to it are dropped",
                        rec.value
                    ),
                    "give the receiver an integration, or leave it out of the route",
                );
            }
            list.push(rec.value.clone());
        }
    }
    list
}
