//! The receivers of the `AlertRouting` document: each integration checked (secrets only as
//! file paths), the default and audit receivers, and the receivers each route lists resolved.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Code;
use crate::load::routing::{
    EmailSpec, OpsgenieSpec, PagerDutySpec, ReceiverSpec, RoutingSpec, SlackSpec, WebhookSpec,
};
use crate::load::spanned::Sp;
use crate::model::routing::{Email, Opsgenie, PagerDuty, Receiver, Slack, Webhook};
use crate::validate::Ctx;

use super::check_name;

/// The receivers the document defines, by name; those with errors left out.
pub(super) fn receivers(cx: &mut Ctx, spec: &RoutingSpec) -> BTreeMap<String, Receiver> {
    let mut receivers = BTreeMap::new();
    for (name, r) in &spec.receivers {
        let path = format!("receivers.{}", name.value);
        if check_name(cx, name, &path)
            && let Some(rec) = receiver(cx, name, r, &path)
        {
            receivers.insert(name.value.clone(), rec);
        }
    }
    receivers
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

    /// Whether the receiver `name` has no integration (a discard receiver).
    fn discards(&self, name: &str) -> bool {
        self.defined.iter().any(|(k, r)| {
            k.value == name
                && r.pagerduty.is_none()
                && r.slack.is_none()
                && r.email.is_none()
                && r.webhook.is_none()
                && r.opsgenie.is_none()
        })
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

/// A secret file path: absolute, without `..`, naming a file.
fn secret_file(cx: &mut Ctx, s: &Sp<String>, path: &str) -> String {
    let v = &s.value;
    if !v.starts_with('/')
        || v.ends_with('/')
        || v.split('/').any(|c| c == "..")
        || v.chars().any(char::is_control)
    {
        cx.err_help(
            Code::InlineSecret,
            s.loc,
            path,
            format!("`{}` is not an absolute path of a file", v.escape_debug()),
            "give the path Alertmanager reads the secret from, e.g. /etc/alertmanager/secrets/pagerduty-payments/routing-key",
        );
    }
    v.clone()
}

fn send_resolved(s: Option<&Sp<bool>>) -> bool {
    s.is_none_or(|b| b.value)
}

fn receiver(cx: &mut Ctx, name: &Sp<String>, r: &ReceiverSpec, path: &str) -> Option<Receiver> {
    let pagerduty = r
        .pagerduty
        .as_ref()
        .map(|p| pagerduty(cx, p, &format!("{path}.pagerduty")));
    let slack = r
        .slack
        .as_ref()
        .map(|s| slack(cx, s, &format!("{path}.slack")));
    let email = r
        .email
        .as_ref()
        .map(|e| email(cx, e, &format!("{path}.email")));
    let webhook = r
        .webhook
        .as_ref()
        .map(|w| webhook(cx, w, &format!("{path}.webhook")));
    let opsgenie = r
        .opsgenie
        .as_ref()
        .map(|o| opsgenie(cx, o, &format!("{path}.opsgenie")));
    // No integration: Alertmanager's usual discard receiver (`"null"`), a valid default.
    Some(Receiver {
        name: name.value.clone(),
        pagerduty,
        slack,
        email,
        webhook,
        opsgenie,
    })
}

fn pagerduty(cx: &mut Ctx, p: &PagerDutySpec, pp: &str) -> PagerDuty {
    let routing_key_file = secret_file(cx, &p.routing_key_file, &format!("{pp}.routing_key_file"));
    if let Some(s) = &p.severity
        && !["critical", "error", "warning", "info"].contains(&s.value.as_str())
    {
        cx.err(
            Code::Config,
            s.loc,
            format!("{pp}.severity"),
            format!(
                "PagerDuty severities are critical, error, warning and info, not `{}`",
                s.value
            ),
        );
    }
    PagerDuty {
        routing_key_file,
        severity: p.severity.as_ref().map(|s| s.value.clone()),
        send_resolved: send_resolved(p.send_resolved.as_ref()),
    }
}

fn slack(cx: &mut Ctx, s: &SlackSpec, sp: &str) -> Slack {
    let api_url_file = secret_file(cx, &s.api_url_file, &format!("{sp}.api_url_file"));
    if let Some(c) = &s.channel
        && (c.value.trim().is_empty() || c.value.chars().any(char::is_whitespace))
    {
        cx.err(
            Code::Config,
            c.loc,
            format!("{sp}.channel"),
            "a Slack channel has no spaces (`#payments-oncall`)",
        );
    }
    Slack {
        api_url_file,
        channel: s.channel.as_ref().map(|c| c.value.clone()),
        send_resolved: send_resolved(s.send_resolved.as_ref()),
    }
}

fn email(cx: &mut Ctx, e: &EmailSpec, ep: &str) -> Email {
    for (v, k) in [(&e.to, "to"), (&e.from, "from")] {
        let ok = v.value.split(',').all(|a| {
            let a = a.trim();
            let (user, host) = a.rsplit_once('@').unwrap_or(("", ""));
            !user.is_empty() && host.contains('.') && !a.chars().any(char::is_whitespace)
        });
        if !ok {
            cx.err(
                Code::Config,
                v.loc,
                format!("{ep}.{k}"),
                format!("`{}` is not an email address", v.value.escape_debug()),
            );
        }
    }
    let port_ok = e
        .smarthost
        .value
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
    if !port_ok {
        cx.err(
            Code::Config,
            e.smarthost.loc,
            format!("{ep}.smarthost"),
            "the SMTP server is `host:port` (`smtp.example.com:587`)",
        );
    }
    let auth_password_file = e
        .auth_password_file
        .as_ref()
        .map(|f| secret_file(cx, f, &format!("{ep}.auth_password_file")));
    if auth_password_file.is_some() && e.auth_username.is_none() {
        cx.err(
            Code::Config,
            e.smarthost.loc,
            format!("{ep}.auth_username"),
            "a password file needs `auth_username`",
        );
    }
    Email {
        to: e.to.value.clone(),
        from: e.from.value.clone(),
        smarthost: e.smarthost.value.clone(),
        auth_username: e.auth_username.as_ref().map(|u| u.value.clone()),
        auth_password_file,
        require_tls: e.require_tls.as_ref().is_none_or(|b| b.value),
        send_resolved: send_resolved(e.send_resolved.as_ref()),
    }
}

fn webhook(cx: &mut Ctx, w: &WebhookSpec, wp: &str) -> Webhook {
    let u = &w.url.value;
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !u.chars().any(char::is_whitespace) =>
        {
            let authority = rest.split('/').next().unwrap_or_default();
            if authority.contains('@') {
                cx.err_help(
                    Code::InlineSecret,
                    w.url.loc,
                    format!("{wp}.url"),
                    "the URL carries credentials",
                    "give a bearer token in `credentials_file` instead",
                );
            }
        }
        _ => cx.err(
            Code::Config,
            w.url.loc,
            format!("{wp}.url"),
            format!("`{}` is not an http(s) URL", u.escape_debug()),
        ),
    }
    let credentials_file = w
        .credentials_file
        .as_ref()
        .map(|f| secret_file(cx, f, &format!("{wp}.credentials_file")));
    Webhook {
        url: u.clone(),
        credentials_file,
        max_alerts: w.max_alerts.as_ref().map_or(0, |m| m.value),
        send_resolved: send_resolved(w.send_resolved.as_ref()),
    }
}

fn opsgenie(cx: &mut Ctx, o: &OpsgenieSpec, op: &str) -> Opsgenie {
    let api_key_file = secret_file(cx, &o.api_key_file, &format!("{op}.api_key_file"));
    if let Some(p) = &o.priority
        && !["P1", "P2", "P3", "P4", "P5"].contains(&p.value.as_str())
    {
        cx.err(
            Code::Config,
            p.loc,
            format!("{op}.priority"),
            format!("Opsgenie priorities are P1 to P5, not `{}`", p.value),
        );
    }
    Opsgenie {
        api_key_file,
        priority: o.priority.as_ref().map(|p| p.value.clone()),
        send_resolved: send_resolved(o.send_resolved.as_ref()),
    }
}
