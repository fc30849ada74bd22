//! What the checks of a receiver's settings share: secret file paths, `send_resolved`, and
//! what they note besides diagnostics (the Alertmanager release a setting needs, what an
//! `AlertmanagerConfig` cannot express).

use crate::diag::{Code, Loc};
use crate::load::spanned::Sp;
use crate::model::alertmanager::{AmVersion, Requirement};
use crate::model::routing::Gap;
use crate::validate::Ctx;

/// What the checks of a receiver's parts note besides diagnostics: what a later Alertmanager
/// release is needed for, and what an `AlertmanagerConfig` cannot express.
#[derive(Default)]
pub(super) struct Constraints {
    pub(super) requirements: Vec<Requirement>,
    pub(super) gaps: Vec<Gap>,
}

impl Constraints {
    pub(super) fn needs(
        &mut self,
        version: AmVersion,
        loc: Loc,
        path: &str,
        what: impl Into<String>,
    ) {
        self.requirements.push(Requirement {
            version,
            loc,
            path: path.to_string(),
            what: what.into(),
        });
    }

    pub(super) fn gap(
        &mut self,
        loc: Loc,
        path: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.gaps.push(Gap {
            loc,
            path: path.to_string(),
            message: message.into(),
            help: help.into(),
        });
    }
}

/// A secret file path: absolute, without `..`, naming a file.
pub(super) fn secret_file(cx: &mut Ctx, s: &Sp<String>, path: &str) -> String {
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

pub(super) fn send_resolved(s: Option<&Sp<bool>>) -> bool {
    s.is_none_or(|b| b.value)
}
