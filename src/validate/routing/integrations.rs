//! The integrations of a receiver (PagerDuty, Slack, email, webhook, Opsgenie, Microsoft
//! Teams), each checked: secrets only as file paths, values as the integration takes them.

use crate::diag::Code;
use crate::load::routing::{
    EmailSpec, HttpConfigSpec, MsTeamsSpec, OpsgenieSpec, PagerDutySpec, ReceiverSpec, SlackSpec,
    WebhookSpec,
};
use crate::load::spanned::Sp;
use crate::model::alertmanager::AmVersion;
use crate::model::routing::{
    Authorization, Email, HttpClient, MsTeams, Opsgenie, PagerDuty, Receiver, Slack, Webhook,
};
use crate::validate::Ctx;

use super::http;
use super::settings::{Constraints, secret_file, send_resolved};

/// The integrations of the receiver at `path` into `out`.
pub(super) fn integrations(
    cx: &mut Ctx,
    r: &ReceiverSpec,
    path: &str,
    out: &mut Receiver,
    c: &mut Constraints,
) {
    let at = |k: &str| format!("{path}.{k}");
    out.pagerduty = r
        .pagerduty
        .as_ref()
        .map(|p| pagerduty(cx, p, &at("pagerduty")));
    out.slack = r.slack.as_ref().map(|s| slack(cx, s, &at("slack")));
    out.email = r.email.as_ref().map(|e| email(cx, e, &at("email")));
    out.webhook = r
        .webhook
        .as_ref()
        .map(|w| webhook(cx, w, &at("webhook"), c));
    out.opsgenie = r
        .opsgenie
        .as_ref()
        .map(|o| opsgenie(cx, o, &at("opsgenie")));
    out.msteams = r
        .msteams
        .as_ref()
        .map(|t| msteams(cx, t, &at("msteams"), "msteams", c));
    out.msteamsv2 = r
        .msteamsv2
        .as_ref()
        .map(|t| msteams(cx, t, &at("msteamsv2"), "msteamsv2", c));
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

fn webhook(cx: &mut Ctx, w: &WebhookSpec, wp: &str, c: &mut Constraints) -> Webhook {
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
    let mut http = w
        .http_config
        .as_ref()
        .map(|h| http::http_client(cx, h, &format!("{wp}.http_config"), c));
    if let (Some(f), Some(cf)) = (&w.credentials_file, credentials_file) {
        bearer_token(cx, f, wp, w.http_config.as_ref());
        http.get_or_insert_with(HttpClient::default)
            .authorization
            .get_or_insert(Authorization {
                type_: "Bearer".into(),
                credentials_file: cf,
            });
    }
    Webhook {
        url: u.clone(),
        http,
        max_alerts: w.max_alerts.as_ref().map_or(0, |m| m.value),
        send_resolved: send_resolved(w.send_resolved.as_ref()),
    }
}

/// A webhook's `credentials_file` (the `Authorization: Bearer` header), checked against the
/// authentication its `http_config` gives: Alertmanager takes one.
fn bearer_token(cx: &mut Ctx, f: &Sp<String>, wp: &str, h: Option<&HttpConfigSpec>) {
    let Some(h) = h else { return };
    let other = if h.authorization.is_some() {
        Some("authorization")
    } else if h.basic_auth.is_some() {
        Some("basic_auth")
    } else if h.oauth2.is_some() {
        Some("oauth2")
    } else {
        None
    };
    if let Some(other) = other {
        let help = if other == "authorization" {
            "`credentials_file` is the same as `http_config.authorization.credentials_file`: give one of them".to_string()
        } else {
            format!(
                "Alertmanager sends one `Authorization` header: give either `credentials_file` or `http_config.{other}`"
            )
        };
        cx.err_help(
            Code::Config,
            f.loc,
            format!("{wp}.credentials_file"),
            format!(
                "`credentials_file` and `http_config.{other}` both set the `Authorization` header"
            ),
            help,
        );
    }
}

/// A Microsoft Teams integration of kind `kind` (`msteams` or `msteamsv2`).
fn msteams(
    cx: &mut Ctx,
    t: &Sp<MsTeamsSpec>,
    tp: &str,
    kind: &str,
    c: &mut Constraints,
) -> MsTeams {
    let s = &t.value;
    let webhook_url_file = secret_file(cx, &s.webhook_url_file, &format!("{tp}.webhook_url_file"));
    let what = if kind == "msteams" {
        "`msteams_configs` with `webhook_url_file`"
    } else {
        "`msteamsv2_configs`"
    };
    c.needs(AmVersion::V0_28, t.loc, tp, what);
    MsTeams {
        webhook_url_file,
        http: s
            .http_config
            .as_ref()
            .map(|h| http::http_client(cx, h, &format!("{tp}.http_config"), c)),
        send_resolved: send_resolved(s.send_resolved.as_ref()),
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
