//! The Alertmanager release the routing spec says loads `alertmanager.yml`
//! (`alertmanager_version`), and every receiver setting that release (or, when the spec names
//! none, Alertmanager 0.25) cannot load.

use std::collections::BTreeMap;

use crate::diag::Code;
use crate::load::routing::RoutingSpec;
use crate::model::alertmanager::AmVersion;
use crate::model::routing::Receiver;
use crate::validate::Ctx;

/// The release of `alertmanager_version`: a release sloforge knows the configuration format of
/// is taken as it is, one between two of them as the older (0.30 loads what 0.28 loads).
pub(super) fn alertmanager_version(cx: &mut Ctx, spec: &RoutingSpec) -> Option<AmVersion> {
    let v = spec.alertmanager_version.as_ref()?;
    let text = v.value.trim().trim_start_matches('v');
    let mut parts = text.split('.');
    let minor = match (parts.next(), parts.next().map(str::parse::<u32>)) {
        (Some("0"), Some(Ok(minor))) if parts.all(|p| p.parse::<u32>().is_ok()) => Some(minor),
        _ => None,
    };
    let known: Vec<String> = AmVersion::ALL.iter().map(|r| format!("\"{r}\"")).collect();
    let release = minor.and_then(AmVersion::at_or_before);
    if release.is_none() {
        cx.err_help(
            Code::Config,
            v.loc,
            "alertmanager_version",
            format!(
                "`{}` is not an Alertmanager release sloforge writes for",
                v.value.escape_debug()
            ),
            format!(
                "give the release that loads alertmanager.yml, 0.25 or later: {} (a release in between reads as the one before it)",
                known.join(", ")
            ),
        );
    }
    release
}

/// Reports every receiver setting the release cannot load: an error against a release the
/// spec names (E124), a warning against Alertmanager 0.25 when it names none (W208).
pub(super) fn check(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    receivers: &BTreeMap<String, Receiver>,
    release: Option<AmVersion>,
) {
    let declared = spec.alertmanager_version.as_ref();
    for r in receivers.values().flat_map(|r| &r.requirements) {
        match (declared, release) {
            (None, _) if r.version > AmVersion::OLDEST => cx.warn_help(
                Code::NeedsNewerAlertmanager,
                r.loc,
                &r.path,
                format!(
                    "{} needs Alertmanager {} or later: {} (Debian bookworm's) refuses the whole configuration",
                    r.what,
                    r.version,
                    AmVersion::OLDEST
                ),
                format!(
                    "say which release loads alertmanager.yml: `alertmanager_version: \"{}\"` (or later) in the AlertRouting document",
                    r.version
                ),
            ),
            (Some(d), Some(rel)) if r.version > rel => cx.err_help(
                Code::AlertmanagerRelease,
                r.loc,
                &r.path,
                format!(
                    "{} needs Alertmanager {} or later, and `alertmanager_version` is {}",
                    r.what, r.version, d.value
                ),
                "raise `alertmanager_version` if the Alertmanager you run is newer, or use another integration",
            ),
            _ => {}
        }
    }
}
