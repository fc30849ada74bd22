//! Who an alert notifies, as the generated Alertmanager configuration routes it (sloforge's
//! simulation of Alertmanager's routing, `continue` routes included), and the `amtool` line
//! that silences it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::compile::alertmanager::{AmReceiver, Compiled};
use crate::names::{alert_label, label};
use crate::syntax::matchers::Matcher;
use crate::verify::alerts::AlertInstance;
use crate::verify::amconfig::AmConfig;

/// One receiver an alert reaches.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Receiver {
    /// Its name in `alertmanager.yml`.
    pub name: String,
    /// Its integrations (`Slack #payments-oncall`, `PagerDuty`), or empty.
    pub via: String,
}

/// The generated routing tree, to route the alerts of runbooks through.
pub struct Routes {
    config: AmConfig,
    via: BTreeMap<String, String>,
}

impl Routes {
    /// The routes of a compiled configuration (none if it cannot be read back, which the
    /// routing proof reports).
    pub fn new(am: &Compiled) -> Option<Routes> {
        let config = AmConfig::parse(&am.text).ok()?;
        let via = am
            .config
            .receivers
            .iter()
            .map(|r| (r.name.clone(), integrations(r)))
            .collect();
        Some(Routes { config, via })
    }

    /// The receivers `a` reaches, in the order Alertmanager notifies them.
    pub fn receivers(&self, a: &AlertInstance) -> Vec<Receiver> {
        self.config
            .receivers_of(a)
            .into_iter()
            .map(|name| Receiver {
                via: self.via.get(&name).cloned().unwrap_or_default(),
                name,
            })
            .collect()
    }
}

/// A receiver's integrations in words.
fn integrations(r: &AmReceiver) -> String {
    let mut out: Vec<String> = Vec::new();
    out.extend(r.pagerduty_configs.iter().map(|_| "PagerDuty".to_string()));
    out.extend(r.opsgenie_configs.iter().map(|_| "Opsgenie".to_string()));
    out.extend(r.slack_configs.iter().map(|s| match &s.channel {
        Some(c) => format!("Slack {c}"),
        None => "Slack".to_string(),
    }));
    out.extend(r.email_configs.iter().map(|e| format!("email to {}", e.to)));
    out.extend(
        r.msteams_configs
            .iter()
            .chain(&r.msteamsv2_configs)
            .map(|_| "Microsoft Teams".to_string()),
    );
    out.extend(
        r.webhook_configs
            .iter()
            .map(|w| format!("webhook {}", w.url)),
    );
    out.join(", ")
}

/// The labels that pick one alert of an SLO out: its name, the SLO's identity and its tier,
/// budget stage or missing data.
const SILENCE_LABELS: &[&str] = &[
    alert_label::ALERTNAME,
    label::SERVICE,
    label::SLO,
    label::TIER,
    label::BUDGET_STAGE,
    label::NO_DATA,
];

/// The matchers of a silence of alert `a` (equality on [`SILENCE_LABELS`] it carries).
pub fn silence_matchers(a: &AlertInstance) -> Vec<Matcher> {
    SILENCE_LABELS
        .iter()
        .filter_map(|l| a.labels.get(*l).map(|v| Matcher::equal(l, v)))
        .collect()
}

/// A word for the shell: single-quoted, a `'` written as `'\''`.
fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `amtool` command that silences alert `a` for `duration`.
pub fn silence_command(a: &AlertInstance, duration: &str, comment: &str) -> String {
    let mut out = format!(
        "amtool silence add --duration={duration} --comment={}",
        shell_word(comment)
    );
    for m in silence_matchers(a) {
        out.push(' ');
        out.push_str(&shell_word(&m.to_string()));
    }
    out
}
