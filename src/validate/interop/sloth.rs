//! Sloth spec keys sloforge reads under either of Sloth's spellings, and Sloth's SLO plugin
//! chain, which sloforge checks but does not run.

use crate::diag::{Code, Loc};
use crate::load::native::AlertingSpec;
use crate::load::sloth;
use crate::load::spanned::Sp;
use crate::model::Settings;
use crate::validate::Ctx;

/// A key Sloth reads under two spellings (`error_query` / `errorQuery`): the one given, or an
/// error when both or neither are.
pub(in crate::validate) fn sloth_either<'a>(
    cx: &mut Ctx,
    at: Loc,
    path: &str,
    keys: [(&str, &'a Option<Sp<String>>); 2],
) -> Option<&'a Sp<String>> {
    let [(snake, a), (camel, b)] = keys;
    match (a, b) {
        (Some(v), None) | (None, Some(v)) => Some(v),
        (Some(_), Some(second)) => {
            cx.err(
                Code::Schema,
                second.loc,
                format!("{path}.{camel}"),
                format!("`{snake}` and `{camel}` are the same key: give only one"),
            );
            None
        }
        (None, None) => {
            cx.err(
                Code::Schema,
                at,
                path,
                format!("missing required field `{snake}` (or `{camel}`)"),
            );
            None
        }
    }
}

/// The page or ticket alert block of a Sloth SLO, under either spelling.
pub(in crate::validate) fn sloth_alert<'a>(
    cx: &mut Ctx,
    path: &str,
    snake: &str,
    camel: &str,
    a: &'a Option<Sp<sloth::SlothAlert>>,
    b: &'a Option<Sp<sloth::SlothAlert>>,
) -> Option<&'a sloth::SlothAlert> {
    match (a, b) {
        (Some(v), None) | (None, Some(v)) => Some(&v.value),
        (Some(_), Some(second)) => {
            cx.err(
                Code::Schema,
                second.loc,
                format!("{path}.{camel}"),
                format!("`{snake}` and `{camel}` are the same key: give only one"),
            );
            None
        }
        (None, None) => None,
    }
}

/// Checks a Sloth SLO plugin chain. sloforge does not run Sloth's plugins: the debug plugin
/// (which only logs) is ignored with a warning, `alert_for` is applied (its `for` fields are
/// read by the caller), anything else is refused because it would change the rules. Returns
/// whether the chain holds `alert_for`.
pub(in crate::validate) fn sloth_plugin_chain(
    cx: &mut Ctx,
    chain: Option<&Sp<sloth::SloPlugins>>,
    path: &str,
) -> bool {
    let Some(chain) = chain else { return false };
    if let Some(o) = chain.value.override_previous.as_ref().filter(|o| o.value) {
        cx.err_help(
            Code::Sli,
            o.loc,
            format!("{path}.overridePrevious"),
            "replacing Sloth's default SLO plugins is not supported: sloforge always generates its own recording and alert rules",
            "remove `overridePrevious` and the plugins that re-create Sloth's defaults",
        );
    }
    let mut alert_for = false;
    for (i, p) in chain.value.chain.iter().enumerate() {
        let at = format!("{path}.chain[{i}].id");
        match p.value.id.value.as_str() {
            sloth::PLUGIN_DEBUG => cx.warn(Code::NotMapped, p.value.id.loc, at, format!("SLO plugin `{}` only logs in Sloth; ignored", sloth::PLUGIN_DEBUG)),
            sloth::PLUGIN_ALERT_FOR => alert_for = true,
            other => cx.err_help(
                Code::Sli,
                p.value.id.loc,
                at,
                format!("Sloth SLO plugin `{other}` is not supported: sloforge does not run Sloth's plugin chain, and this plugin would change the generated rules"),
                format!("remove it; sloforge applies only `{}` (alert `for`) and ignores `{}`", sloth::PLUGIN_ALERT_FOR, sloth::PLUGIN_DEBUG),
            ),
        }
    }
    alert_for
}

/// Sloth writes its alerts without `for`: only its `alert_for` plugin sets one. Every tier the
/// spec leaves without `for` gets none, so that a migrated SLO pages and tickets when Sloth's
/// did.
pub(in crate::validate) fn without_for(settings: &Settings, over: &mut AlertingSpec) {
    for t in &settings.alert_tiers {
        over.tiers
            .entry(Sp::new(t.name.clone(), Loc::default()))
            .or_default()
            .for_
            .get_or_insert_with(|| Sp::new("0s".into(), Loc::default()));
    }
}
