//! Checks of a live Alertmanager: the configuration it runs (`config.original` of
//! `/api/v2/status`) passes the routing proof `sloforge routes --config` runs (D011) and holds
//! the receivers (D012) and inhibition rules (D013) sloforge generates for the specs.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::report::{Code, Section};
use crate::compile::alertmanager::Compiled;
use crate::model::Fleet;
use crate::syntax::matchers::Matcher;
use crate::verify::amconfig::{AmConfig, InhibitRule};
use crate::verify::proof;

const DEPLOY: &str = "deploy the generated alertmanager.yml, or splice sloforge's part into yours with `sloforge splice --config alertmanager.yml`, then reload Alertmanager";

/// An inhibition rule compared by content: its matchers (sorted, as text) and `equal`.
fn key(r: &InhibitRule) -> (Vec<String>, Vec<String>, Vec<String>) {
    let sorted = |v: &[Matcher]| {
        let mut s: Vec<String> = v.iter().map(ToString::to_string).collect();
        s.sort();
        s
    };
    let mut equal = r.equal.clone();
    equal.sort();
    (sorted(&r.source), sorted(&r.target), equal)
}

/// Runs the Alertmanager checks on the answer of `/api/v2/status` into `sec`.
pub fn check(status: &Json, fleet: &Fleet, compiled: Option<&Compiled>, sec: &mut Section) {
    let (Some(routing), Some(am)) = (&fleet.routing, compiled) else {
        sec.warn(
            Code::Routing,
            "the specs have no `kind: AlertRouting` document, so there are no generated routes to look for in Alertmanager".into(),
            "add an AlertRouting document to the specs, or leave out --alertmanager".into(),
        );
        return;
    };
    let Some(text) = status["config"]["original"].as_str() else {
        sec.error(
            Code::ApiFailed,
            "Alertmanager's /api/v2/status has no `config.original`".into(),
            "point --alertmanager at Alertmanager itself (API v2, Alertmanager 0.16 or later)"
                .into(),
        );
        return;
    };
    let live = match AmConfig::parse(text) {
        Ok(c) => c,
        Err(e) => {
            sec.error(
                Code::Routing,
                format!("Alertmanager's configuration cannot be read: {e}"),
                DEPLOY.into(),
            );
            return;
        }
    };
    match proof::prove(fleet, routing, text) {
        Ok(proof) => {
            for f in &proof.findings {
                sec.error(
                    Code::Routing,
                    format!("running configuration: {}", f.message),
                    DEPLOY.into(),
                );
            }
            if proof.ok() {
                sec.pass(format!(
                    "{} alerts reach exactly their team's receivers",
                    proof.routed.len()
                ));
            }
        }
        Err(e) => {
            sec.error(
                Code::Routing,
                format!("running configuration: {e}"),
                DEPLOY.into(),
            );
        }
    }
    let wanted: Vec<&str> = am
        .config
        .receivers
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|r| !live.receivers.iter().any(|l| l == r))
        .collect();
    if missing.is_empty() {
        sec.pass(format!("{} generated receivers present", wanted.len()));
    } else {
        sec.error(
            Code::ReceiverMissing,
            format!(
                "{} of {} generated receivers are not in Alertmanager's configuration: {}",
                missing.len(),
                wanted.len(),
                missing.join(", ")
            ),
            DEPLOY.into(),
        );
    }
    match AmConfig::parse(&am.text) {
        Ok(generated) => {
            let have: BTreeSet<_> = live.inhibit_rules.iter().map(key).collect();
            let absent: Vec<&InhibitRule> = generated
                .inhibit_rules
                .iter()
                .filter(|r| !have.contains(&key(r)))
                .collect();
            if absent.is_empty() {
                sec.pass(format!(
                    "{} generated inhibition rules present",
                    generated.inhibit_rules.len()
                ));
            } else {
                let (src, tgt, _) = key(absent[0]);
                sec.error(
                    Code::InhibitionMissing,
                    format!(
                        "{} of {} generated inhibition rules are not in Alertmanager's configuration (the first: source [{}], target [{}])",
                        absent.len(),
                        generated.inhibit_rules.len(),
                        src.join(", "),
                        tgt.join(", ")
                    ),
                    DEPLOY.into(),
                );
            }
        }
        Err(e) => sec.error(
            Code::ApiFailed,
            format!("the generated alertmanager.yml cannot be read back: {e}"),
            "report this as a sloforge bug".into(),
        ),
    }
}
