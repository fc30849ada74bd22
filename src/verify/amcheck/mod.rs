//! A user's Alertmanager configuration checked as Alertmanager loads it, before splicing into
//! it: the file is read into strict typed structures (`deny_unknown_fields`, as Alertmanager's
//! own strict YAML read refuses unknown keys), each value with its location, then the checks
//! Alertmanager runs after reading (receivers and time intervals a route names exist, names are
//! unique, the root route's constraints, integrations' required fields, durations, matchers,
//! URLs). Every problem has a line and column.
//!
//! Fields differ between Alertmanager releases. The structures hold every field of the newest
//! release sloforge knows; a field marked with the release that introduced it is an unknown
//! field for an older target ([`AmVersion`]). The field sets are those of the shipped
//! `amtool check-config` binaries of 0.25, 0.28 and 0.33, and `tests/alertmanager/corpus.rs`
//! holds the verdicts to theirs on every configuration under `tests/`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Loc;
use crate::load::spanned::Sp;
use crate::syntax::duration::Duration;
use crate::syntax::matchers::{Matcher, Op, parse_matchers};

pub use crate::model::alertmanager::AmVersion;

/// One problem Alertmanager would refuse the configuration for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AmProblem {
    pub loc: Loc,
    pub message: String,
}

/// Checks an Alertmanager configuration as release `version` loads it; empty when it would
/// load it.
pub fn check(text: &str, version: AmVersion) -> Vec<AmProblem> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let config: schema::Config = match serde_saphyr::from_str_with_options(text, options) {
        Ok(c) => c,
        Err(e) => {
            let loc = e.location().map_or(Loc { line: 1, col: 1 }, |l| Loc {
                line: l.line(),
                col: l.column(),
            });
            let msg = e.without_snippet().to_string();
            let msg = msg.lines().next().unwrap_or("invalid YAML").to_string();
            let msg = match msg.rfind(" at line ") {
                Some(i) if msg[i..].contains(", column ") => msg[..i].to_string(),
                _ => msg,
            };
            // The usual slip: an email's subject is one of its headers.
            let msg = if msg.starts_with("unknown field `subject`") && msg.contains("headers") {
                format!("{msg} (an email's subject is a header: `headers: {{Subject: ...}}`)")
            } else {
                msg
            };
            return vec![AmProblem { loc, message: msg }];
        }
    };
    let mut cx = Cx {
        version,
        lines: text.lines().collect(),
        problems: Vec::new(),
    };
    config.walk(&mut cx, Loc { line: 1, col: 1 });
    rules::check(&config, &mut cx);
    cx.problems.sort();
    cx.problems.dedup();
    cx.problems
}

/// What a walk over the typed configuration collects.
pub(crate) struct Cx<'a> {
    version: AmVersion,
    lines: Vec<&'a str>,
    problems: Vec<AmProblem>,
}

impl Cx<'_> {
    fn problem(&mut self, loc: Loc, message: String) {
        self.problems.push(AmProblem { loc, message });
    }

    /// Where the key `field` of a value at `value` is written: the nearest `field:` at or
    /// before it (the value's own location when the key is not found, as in flow style).
    fn key_of(&self, field: &str, value: Loc) -> Loc {
        let key = format!("{field}:");
        let last = usize::try_from(value.line).unwrap_or(0);
        for n in (1..=last.min(self.lines.len())).rev() {
            let line = self.lines[n - 1];
            let t = line.trim_start().trim_start_matches("- ").trim_start();
            if t.starts_with(&key) {
                let col = line.len() - t.len() + 1;
                return Loc {
                    line: n as u64,
                    col: col as u64,
                };
            }
        }
        value
    }

    /// A field introduced in release `since`: unknown to an older target.
    fn since(&mut self, since: AmVersion, field: &str, within: &str, loc: Loc) {
        if self.version < since {
            let loc = self.key_of(field, loc);
            self.problem(
                loc,
                format!(
                    "unknown field `{field}` in {within}: Alertmanager {} does not know it (added in {since})",
                    self.version
                ),
            );
        }
    }
}

/// A walk over typed values: version gates and value checks, each value at its location.
pub(crate) trait Walk {
    fn walk(&self, cx: &mut Cx<'_>, at: Loc);
}

impl<T: Walk> Walk for Vec<Sp<T>> {
    fn walk(&self, cx: &mut Cx<'_>, _: Loc) {
        for x in self {
            x.value.walk(cx, x.loc);
        }
    }
}

impl Walk for String {
    fn walk(&self, _: &mut Cx<'_>, _: Loc) {}
}

impl Walk for bool {
    fn walk(&self, _: &mut Cx<'_>, _: Loc) {}
}

/// A value read but not checked (numbers, free-form maps, parts of integrations sloforge does
/// not look into).
#[derive(Debug, Default)]
pub(crate) struct Any;

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Any)
    }
}

impl Walk for Any {
    fn walk(&self, _: &mut Cx<'_>, _: Loc) {}
}

/// A Prometheus duration (`30s`, `1h30m`, `0`).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Dur(pub(crate) String);

impl Dur {
    /// The duration, when it reads.
    pub(crate) fn get(&self) -> Option<Duration> {
        if self.0 == "0" {
            return Some(Duration::ZERO);
        }
        Duration::parse(&self.0).ok()
    }
}

impl Walk for Dur {
    fn walk(&self, cx: &mut Cx<'_>, at: Loc) {
        if self.get().is_none() {
            cx.problem(at, format!("not a valid duration string: {:?}", self.0));
        }
    }
}

/// An HTTP or HTTPS URL with a host, as Alertmanager's URL fields require.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Url(pub(crate) String);

impl Walk for Url {
    fn walk(&self, cx: &mut Cx<'_>, at: Loc) {
        // What Alertmanager prints for a secret URL reads back as one.
        if self.0 == "<secret>" {
            return;
        }
        let Some((scheme, rest)) = self.0.split_once("://") else {
            cx.problem(at, format!("unsupported scheme \"\" for URL `{}`", self.0));
            return;
        };
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            cx.problem(at, format!("unsupported scheme {scheme:?} for URL"));
        } else if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
            cx.problem(at, "host missing in URL".into());
        }
    }
}

/// `host:port` (an SMTP smarthost).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct HostPort(pub(crate) String);

impl Walk for HostPort {
    fn walk(&self, cx: &mut Cx<'_>, at: Loc) {
        let ok = match self.0.rsplit_once(':') {
            Some((host, port)) => !port.is_empty() && (!host.contains(':') || host.ends_with(']')),
            None => false,
        };
        if !self.0.is_empty() && !ok {
            cx.problem(at, format!("address {}: missing port in address", self.0));
        }
    }
}

/// A label name as Alertmanager's configuration takes one.
pub(crate) fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A list of `matchers` items, each one or more matchers.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Matchers(pub(crate) Vec<Sp<String>>);

impl Walk for Matchers {
    fn walk(&self, cx: &mut Cx<'_>, _: Loc) {
        for m in &self.0 {
            if let Err(e) = parse_matchers(&m.value) {
                cx.problem(m.loc, format!("bad matcher format: {e}"));
            }
        }
    }
}

/// `match`: label name → value.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct LabelMap(pub(crate) BTreeMap<String, String>);

impl Walk for LabelMap {
    fn walk(&self, cx: &mut Cx<'_>, at: Loc) {
        for k in self.0.keys() {
            if !valid_label_name(k) {
                cx.problem(at, format!("{k:?} is not a valid label name"));
            }
        }
    }
}

/// `match_re`: label name → regular expression.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct RegexMap(pub(crate) BTreeMap<String, String>);

impl Walk for RegexMap {
    fn walk(&self, cx: &mut Cx<'_>, at: Loc) {
        for (k, v) in &self.0 {
            if !valid_label_name(k) {
                cx.problem(at, format!("{k:?} is not a valid label name"));
            } else if let Err(e) = Matcher::new(k, Op::Re, v) {
                cx.problem(at, e.to_string());
            }
        }
    }
}

/// `group_by` or `equal`: label names.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct LabelNames(pub(crate) Vec<Sp<String>>);

impl Walk for LabelNames {
    fn walk(&self, cx: &mut Cx<'_>, _: Loc) {
        for l in &self.0 {
            if l.value != "..." && !valid_label_name(&l.value) {
                cx.problem(l.loc, format!("invalid label name {:?}", l.value));
            }
        }
    }
}

/// A strict configuration structure: every field optional and located, unknown keys refused,
/// and a [`Walk`] that reports fields newer than the target release (`=> V0_28`) and walks into
/// every value. `$within` names the structure in messages.
macro_rules! am_struct {
    ($(#[$doc:meta])* $name:ident, $within:literal { $($field:ident : $ty:ty $(=> $since:ident)?),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            $(#[serde(default)] pub(crate) $field: Option<crate::load::spanned::Sp<$ty>>,)*
        }

        impl crate::verify::amcheck::Walk for $name {
            fn walk(&self, cx: &mut crate::verify::amcheck::Cx<'_>, _: crate::diag::Loc) {
                $(
                    if let Some(v) = &self.$field {
                        $(cx.since(
                            crate::verify::amcheck::AmVersion::$since,
                            stringify!($field).trim_start_matches("r#"),
                            $within,
                            v.loc,
                        );)?
                        v.value.walk(cx, v.loc);
                    }
                )*
            }
        }
    };
}
mod http;
mod integrations;
mod rules;
mod schema;

#[cfg(test)]
mod tests;
