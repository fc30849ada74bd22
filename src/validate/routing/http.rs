//! The HTTP client of an integration (`http_config`), checked the way Alertmanager's HTTP
//! client configuration checks it after reading (one kind of authentication, an OAuth2 client
//! ID and token URL, a client certificate with its key, TLS versions, proxy URLs), every secret
//! a file path; with what it needs of the Alertmanager release and what an
//! `AlertmanagerConfig` cannot express of it.

use crate::diag::Code;
use crate::load::routing::{
    AuthorizationSpec, BasicAuthSpec, HttpConfigSpec, OAuth2Spec, TlsConfigSpec,
};
use crate::load::spanned::Sp;
use crate::model::alertmanager::AmVersion;
use crate::model::routing::{Authorization, BasicAuth, HttpClient, OAuth2, Tls};
use crate::validate::Ctx;

use super::settings::{Constraints, secret_file};

/// The TLS versions Alertmanager's HTTP client takes.
const TLS_VERSIONS: [&str; 4] = ["TLS10", "TLS11", "TLS12", "TLS13"];

/// The HTTP client at `hp`.
pub(super) fn http_client(
    cx: &mut Ctx,
    h: &HttpConfigSpec,
    hp: &str,
    c: &mut Constraints,
) -> HttpClient {
    let kinds = [
        ("authorization", h.authorization.as_ref().map(|a| a.loc)),
        ("basic_auth", h.basic_auth.as_ref().map(|b| b.loc)),
        ("oauth2", h.oauth2.as_ref().map(|o| o.loc)),
    ];
    let given: Vec<_> = kinds
        .iter()
        .filter_map(|(k, loc)| loc.map(|l| (*k, l)))
        .collect();
    if let [(first, _), (second, loc), ..] = given.as_slice() {
        cx.err_help(
            Code::Config,
            *loc,
            format!("{hp}.{second}"),
            format!("`{second}` and `{first}` both authenticate the client"),
            "Alertmanager takes at most one of `authorization`, `basic_auth` and `oauth2`",
        );
    }
    HttpClient {
        authorization: h
            .authorization
            .as_ref()
            .map(|a| authorization(cx, &a.value, &format!("{hp}.authorization"))),
        basic_auth: h
            .basic_auth
            .as_ref()
            .map(|b| basic_auth(cx, b, &format!("{hp}.basic_auth"), c)),
        oauth2: h
            .oauth2
            .as_ref()
            .map(|o| oauth2(cx, o, &format!("{hp}.oauth2"), c)),
        tls: h
            .tls_config
            .as_ref()
            .map(|t| tls(cx, t, &format!("{hp}.tls_config"))),
        proxy_url: h
            .proxy_url
            .as_ref()
            .map(|p| proxy_url(cx, p, &format!("{hp}.proxy_url"))),
        follow_redirects: h.follow_redirects.as_ref().map(|b| b.value),
        enable_http2: h.enable_http2.as_ref().map(|b| {
            if !b.value {
                c.gap(
                    b.loc,
                    &format!("{hp}.enable_http2"),
                    "an AlertmanagerConfig (v1alpha1) has no `enableHttp2`: the operator's configuration keeps HTTP/2 on",
                    "leave out `enable_http2: false` for --format kubernetes, or use the yaml format",
                );
            }
            b.value
        }),
    }
}

/// A value without spaces or control characters (a header scheme, a server name).
fn token(cx: &mut Ctx, s: &Sp<String>, path: &str, what: &str) {
    if s.value.is_empty() || s.value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        cx.err(
            Code::Config,
            s.loc,
            path,
            format!("`{}` is not {what}", s.value.escape_debug()),
        );
    }
}

fn authorization(cx: &mut Ctx, a: &AuthorizationSpec, ap: &str) -> Authorization {
    let type_ = match &a.type_ {
        Some(t) => {
            token(
                cx,
                t,
                &format!("{ap}.type"),
                "an authorization scheme (`Bearer`)",
            );
            if t.value.eq_ignore_ascii_case("basic") {
                cx.err_help(
                    Code::Config,
                    t.loc,
                    format!("{ap}.type"),
                    "Alertmanager refuses the `Basic` authorization type",
                    "give `basic_auth: {username, password_file}` instead",
                );
            }
            t.value.clone()
        }
        None => "Bearer".to_string(),
    };
    Authorization {
        type_,
        credentials_file: secret_file(cx, &a.credentials_file, &format!("{ap}.credentials_file")),
    }
}

fn basic_auth(cx: &mut Ctx, sb: &Sp<BasicAuthSpec>, bp: &str, c: &mut Constraints) -> BasicAuth {
    let b = &sb.value;
    match (&b.username, &b.username_file) {
        (Some(u), Some(_)) => cx.err(
            Code::Config,
            u.loc,
            format!("{bp}.username"),
            "give one of `username` and `username_file`",
        ),
        (Some(u), None) => {
            if u.value.is_empty() || u.value.chars().any(char::is_control) {
                cx.err(
                    Code::Config,
                    u.loc,
                    format!("{bp}.username"),
                    format!("`{}` is not a user name", u.value.escape_debug()),
                );
            }
            c.gap(
                u.loc,
                &format!("{bp}.username"),
                "an AlertmanagerConfig reads the basic-auth user name from a Secret, not from the spec",
                "give `username_file` (the Secret's mount path, /etc/alertmanager/secrets/<secret>/<key>) for --format kubernetes",
            );
        }
        (None, Some(f)) => c.needs(
            AmVersion::V0_28,
            f.loc,
            &format!("{bp}.username_file"),
            "`basic_auth.username_file`",
        ),
        (None, None) => cx.err(
            Code::Config,
            sb.loc,
            bp,
            "basic authentication needs `username` or `username_file`",
        ),
    }
    BasicAuth {
        username: b.username.as_ref().map(|u| u.value.clone()),
        username_file: b
            .username_file
            .as_ref()
            .map(|f| secret_file(cx, f, &format!("{bp}.username_file"))),
        password_file: b
            .password_file
            .as_ref()
            .map(|f| secret_file(cx, f, &format!("{bp}.password_file"))),
    }
}

fn oauth2(cx: &mut Ctx, o: &Sp<OAuth2Spec>, op: &str, c: &mut Constraints) -> OAuth2 {
    let s = &o.value;
    if s.client_id.value.trim().is_empty() {
        cx.err(
            Code::Config,
            s.client_id.loc,
            format!("{op}.client_id"),
            "the OAuth2 client ID is empty",
        );
    }
    url(
        cx,
        &s.token_url,
        &format!("{op}.token_url"),
        &["https", "http"],
    );
    for (i, scope) in s.scopes.iter().enumerate() {
        token(cx, scope, &format!("{op}.scopes[{i}]"), "an OAuth2 scope");
    }
    c.gap(
        o.loc,
        op,
        "an AlertmanagerConfig reads the OAuth2 client ID from a Secret or ConfigMap, which the routing spec cannot name",
        "use the yaml format (`alertmanager.yml`) for a receiver with `oauth2`, or `authorization` or `basic_auth`",
    );
    OAuth2 {
        client_id: s.client_id.value.clone(),
        client_secret_file: s
            .client_secret_file
            .as_ref()
            .map(|f| secret_file(cx, f, &format!("{op}.client_secret_file"))),
        token_url: s.token_url.value.clone(),
        scopes: s.scopes.iter().map(|x| x.value.clone()).collect(),
        endpoint_params: s
            .endpoint_params
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
    }
}

fn tls(cx: &mut Ctx, t: &TlsConfigSpec, tp: &str) -> Tls {
    let file = |cx: &mut Ctx, f: &Option<Sp<String>>, k: &str| {
        f.as_ref().map(|f| secret_file(cx, f, &format!("{tp}.{k}")))
    };
    let out = Tls {
        ca_file: file(cx, &t.ca_file, "ca_file"),
        cert_file: file(cx, &t.cert_file, "cert_file"),
        key_file: file(cx, &t.key_file, "key_file"),
        server_name: t.server_name.as_ref().map(|s| {
            token(cx, s, &format!("{tp}.server_name"), "a server name");
            s.value.clone()
        }),
        insecure_skip_verify: t.insecure_skip_verify.as_ref().map(|b| b.value),
        min_version: t.min_version.as_ref().map(|v| {
            if !TLS_VERSIONS.contains(&v.value.as_str()) {
                cx.err(
                    Code::Config,
                    v.loc,
                    format!("{tp}.min_version"),
                    format!(
                        "TLS versions are {}, not `{}`",
                        TLS_VERSIONS.join(", "),
                        v.value.escape_debug()
                    ),
                );
            }
            v.value.clone()
        }),
    };
    match (&t.cert_file, &t.key_file) {
        (Some(f), None) | (None, Some(f)) => {
            let (given, missing) = if t.cert_file.is_some() {
                ("cert_file", "key_file")
            } else {
                ("key_file", "cert_file")
            };
            cx.err(
                Code::Config,
                f.loc,
                format!("{tp}.{given}"),
                format!("a client certificate needs both `cert_file` and `key_file`: `{missing}` is missing"),
            );
        }
        _ => {}
    }
    out
}

/// A URL of one of `schemes` with a host and without credentials.
fn url(cx: &mut Ctx, u: &Sp<String>, path: &str, schemes: &[&str]) {
    let v = &u.value;
    let rest = v
        .split_once("://")
        .filter(|(s, _)| schemes.contains(s))
        .map(|(_, r)| r);
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if authority.contains('@') {
                cx.err_help(
                    Code::InlineSecret,
                    u.loc,
                    path,
                    "the URL carries credentials",
                    "give credentials only in `*_file` settings",
                );
            }
        }
        _ => {
            let names: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
            cx.err(
                Code::Config,
                u.loc,
                path,
                format!("`{}` is not a URL ({})", v.escape_debug(), names.join(", ")),
            );
        }
    }
}

fn proxy_url(cx: &mut Ctx, p: &Sp<String>, path: &str) -> String {
    url(cx, p, path, &["http", "https", "socks5"]);
    p.value.clone()
}
