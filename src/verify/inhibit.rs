//! Inhibition rules against the generated alerts: which generated alerts a rule can mute, by
//! which source alert, and whether that source could belong to another SLO.
//!
//! Alertmanager's semantics, as its inhibitor implements them (`inhibit/inhibit.go`): a target
//! alert T (matching the target matchers) is muted while an active alert S matches the source
//! matchers and `S.labels[l] == T.labels[l]` for every `l` in `equal`. The lookup is a map
//! lookup, so a label absent on both sides (or empty on one and absent on the other) counts as
//! equal. When T matches the source matchers as well, sources that also match the target
//! matchers are disregarded (an alert never mutes itself that way).
//!
//! A source alert can come from anywhere, not only from sloforge's rules, so S may carry any
//! labels. A rule can therefore mute T exactly when some label set S satisfies: the source
//! matchers; `S[l] = T[l]` for each `equal` label (T's static labels; a label T lacks is `""`,
//! so S must lack it too); and, when T matches both sides, not all target matchers. Labels
//! outside `equal` are free, so the question splits per label: does one value (or absence)
//! satisfy all matchers on it? That is exact for a label pinned by `equal` or by an `=`
//! matcher, or with a regex matcher of finitely many literal values (`warning|info`); any other
//! free label is taken to be satisfiable, so a rule is never judged harmless on a guess.
//!
//! sloforge's own rules (recognised by `is_sloforge_rule`) are checked structurally: `equal` on
//! the SLO identity, disjoint sides, labels the alerts carry, and at least one pair they apply
//! to. A user's rule is a conflict when it can mute a generated alert by a source that need not
//! share that alert's SLO identity (`service` and `slo`, both in `equal` and both carried);
//! when its target matchers take generated alerts but no source can mute them, it is reported
//! as a note naming why.

use std::collections::{BTreeMap, BTreeSet};

use super::alerts::AlertInstance;
use super::amconfig::{InhibitRule, is_sloforge_rule};
use crate::compile::alertmanager;
use crate::names::label;
use crate::syntax::matchers::{Matcher, Op};
use crate::syntax::regex_examples::finite_language;

/// Where a finding goes: an error (it can misroute generated alerts) or a note.
pub(crate) trait Report {
    fn error(&mut self, message: String);
    fn note(&mut self, message: String);
}

/// `service/slo stage`, as the routing table names an alert.
fn describe(a: &AlertInstance) -> String {
    format!(
        "{}/{} {}",
        a.get(label::SERVICE),
        a.get(label::SLO),
        a.what()
    )
}

fn braces(ms: &[Matcher]) -> String {
    let m: Vec<String> = ms.iter().map(ToString::to_string).collect();
    format!("{{{}}}", m.join(", "))
}

fn ticks(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks one inhibition rule of a configuration against the generated alerts.
pub(crate) fn check_inhibition(
    r: &InhibitRule,
    alerts: &[AlertInstance],
    carried: &BTreeSet<&str>,
    report: &mut impl Report,
) {
    if is_sloforge_rule(r) {
        check_own(r, alerts, carried, report);
    } else {
        check_user(r, alerts, report);
    }
}

// ---------------------------------------------------------------------------------------------
// Whether a source alert can exist.

/// Why no source alert can mute a target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NoSource {
    /// The source matchers need `label` to match, `equal` makes it the target's value (`""`
    /// when the target lacks it), and a matcher rejects that value.
    Equal {
        label: String,
        matcher: String,
        value: String,
    },
    /// The source matchers on one free label match no value together.
    Contradiction { label: String, matchers: String },
    /// The target matches both sides, and every possible source matches the target matchers
    /// too (Alertmanager disregards such sources for such a target).
    TwoSided,
}

/// Whether one value (`""` for absence) of a label meets every matcher: exact when the value
/// is pinned (by `equal` or an `=` matcher) or a regex matcher allows finitely many literal
/// values (`warning|info`); otherwise the label is taken as satisfiable.
fn label_satisfiable(ms: &[&Matcher], pinned: Option<&str>) -> bool {
    let all = |v: &str| ms.iter().all(|m| m.matches(v));
    if let Some(v) = pinned {
        return all(v);
    }
    if let Some(eq) = ms.iter().find(|m| m.op == Op::Eq) {
        return all(&eq.value);
    }
    for m in ms.iter().filter(|m| m.op == Op::Re) {
        if let Some(words) = finite_language(&m.value) {
            return words.iter().any(|w| all(w));
        }
    }
    true
}

/// Whether a source alert can satisfy `source` while agreeing with `t` on every `equal` label;
/// the first label that cannot be satisfied otherwise.
fn source_exists(source: &[Matcher], equal: &[String], t: &AlertInstance) -> Result<(), NoSource> {
    let mut by_label: BTreeMap<&str, Vec<&Matcher>> = BTreeMap::new();
    for m in source {
        by_label.entry(m.name.as_str()).or_default().push(m);
    }
    for (l, ms) in &by_label {
        let pinned = equal.iter().any(|e| e == l).then(|| t.get(l));
        if let Some(v) = pinned {
            if let Some(m) = ms.iter().find(|m| !m.matches(v)) {
                return Err(NoSource::Equal {
                    label: (*l).to_string(),
                    matcher: m.to_string(),
                    value: v.to_string(),
                });
            }
        } else if !label_satisfiable(ms, None) {
            return Err(NoSource::Contradiction {
                label: (*l).to_string(),
                matchers: braces(&ms.iter().map(|m| (*m).clone()).collect::<Vec<_>>()),
            });
        }
    }
    Ok(())
}

/// The negation of a matcher (`=` ↔ `!=`, `=~` ↔ `!~`).
fn negate(m: &Matcher) -> Option<Matcher> {
    let op = match m.op {
        Op::Eq => Op::NotEq,
        Op::NotEq => Op::Eq,
        Op::Re => Op::NotRe,
        Op::NotRe => Op::Re,
    };
    Matcher::new(&m.name, op, &m.value).ok()
}

/// Whether rule `r` can mute `t` (which matches its target matchers): some source alert can
/// exist, or why none can.
fn can_mute(r: &InhibitRule, t: &AlertInstance) -> Result<(), NoSource> {
    source_exists(&r.source, &r.equal, t)?;
    if !r.source.iter().all(|m| t.matched_by(m)) {
        return Ok(());
    }
    // Both sides match the target: a source must fail at least one target matcher.
    for m in &r.target {
        let Some(not) = negate(m) else {
            return Ok(());
        };
        let mut side = r.source.clone();
        side.push(not);
        if source_exists(&side, &r.equal, t).is_ok() {
            return Ok(());
        }
    }
    Err(NoSource::TwoSided)
}

/// Whether every source that can mute `t` shares its SLO identity: `equal` names `service`
/// and `slo`, and `t` carries both.
fn identity_pinned(r: &InhibitRule, t: &AlertInstance) -> bool {
    alertmanager::identity()
        .iter()
        .all(|l| r.equal.contains(l) && !t.get(l).is_empty())
}

// ---------------------------------------------------------------------------------------------
// A user's rule.

fn check_user(r: &InhibitRule, alerts: &[AlertInstance], report: &mut impl Report) {
    let name = format!("inhibit_rules[{}]", r.index);
    let targets: Vec<&AlertInstance> = alerts
        .iter()
        .filter(|a| r.target.iter().all(|m| a.matched_by(m)))
        .collect();
    if targets.is_empty() {
        return;
    }
    let mut muted: Vec<&AlertInstance> = Vec::new();
    let mut within_slo = 0;
    let mut reasons: BTreeMap<NoSource, Vec<&AlertInstance>> = BTreeMap::new();
    for t in &targets {
        match can_mute(r, t) {
            Ok(()) if identity_pinned(r, t) => within_slo += 1,
            Ok(()) => muted.push(t),
            Err(why) => reasons.entry(why).or_default().push(t),
        }
    }
    if !muted.is_empty() {
        report.error(conflict(&name, r, &muted));
        return;
    }
    if within_slo > 0 {
        return;
    }
    let why: Vec<String> = reasons
        .iter()
        .map(|(why, ts)| {
            if reasons.len() == 1 {
                explain(r, why)
            } else {
                format!("for {}: {}", examples(ts), explain(r, why))
            }
        })
        .collect();
    report.note(format!(
        "{name} cannot mute generated alerts: its target matchers {} take {} of them ({}), but {}",
        braces(&r.target),
        targets.len(),
        examples(&targets),
        why.join("; ")
    ));
}

/// A list of alerts: the first three and how many more.
fn examples(ts: &[&AlertInstance]) -> String {
    let first: Vec<String> = ts.iter().take(3).map(|t| describe(t)).collect();
    if ts.len() > 3 {
        format!("{} and {} more", first.join(", "), ts.len() - 3)
    } else {
        first.join(", ")
    }
}

/// The error for a rule that can mute generated alerts by a source of another SLO: which
/// alerts, which source, and which part of `equal` lets the source's SLO differ.
fn conflict(name: &str, r: &InhibitRule, muted: &[&AlertInstance]) -> String {
    let source = if r.source.is_empty() {
        "any alert at all".to_string()
    } else {
        format!("any alert matching {}", braces(&r.source))
    };
    let same = if r.equal.is_empty() {
        String::new()
    } else {
        format!(" with the same {}", ticks(&r.equal))
    };
    let mut why = Vec::new();
    if r.equal.is_empty() {
        why.push("it has no `equal`, so the source may be about any SLO or team".to_string());
    } else {
        let lacking: Vec<String> = alertmanager::identity()
            .into_iter()
            .filter(|l| !r.equal.contains(l))
            .collect();
        if !lacking.is_empty() {
            why.push(format!(
                "its `equal` lacks {}, so the source need not be about the same SLO",
                ticks(&lacking)
            ));
        }
        for l in alertmanager::identity() {
            if let Some(t) = muted
                .iter()
                .find(|t| r.equal.contains(&l) && t.get(&l).is_empty())
            {
                why.push(format!(
                    "`equal` names `{l}`, but {} lacks `{l}` and the source matchers do not require it: a source without `{l}` counts as equal on it",
                    describe(t)
                ));
            }
        }
    }
    if r.source.is_empty() {
        why.push("it has no source matchers".to_string());
    }
    format!(
        "{name} can mute {} generated alert(s) ({}): they match its target matchers {}, and {source}{same} mutes them; {}",
        muted.len(),
        examples(muted),
        braces(&r.target),
        why.join("; ")
    )
}

/// Why no source can mute some targets, for a note.
fn explain(r: &InhibitRule, why: &NoSource) -> String {
    match why {
        NoSource::Equal {
            label,
            matcher,
            value,
        } if value.is_empty() => format!(
            "a source must have `{label}` (source matcher {matcher}) and `equal` names `{label}`, which they lack, so a source and they never agree on it"
        ),
        NoSource::Equal {
            label,
            matcher,
            value,
        } => format!(
            "`equal` gives a source their `{label}` (`{value}`), which source matcher {matcher} rejects"
        ),
        NoSource::Contradiction { label, matchers } => format!(
            "its source matchers on `{label}` {matchers} match no value, so no alert is a source"
        ),
        NoSource::TwoSided => format!(
            "they match its source matchers {} too, and Alertmanager disregards a source that also matches the target matchers, which every possible source here does",
            braces(&r.source)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// sloforge's own rule.

fn check_own(
    r: &InhibitRule,
    alerts: &[AlertInstance],
    carried: &BTreeSet<&str>,
    report: &mut impl Report,
) {
    let name = format!("inhibit_rules[{}]", r.index);
    let matches = |side: &[Matcher], a: &AlertInstance| side.iter().all(|m| a.matched_by(m));
    let targets: Vec<&AlertInstance> = alerts.iter().filter(|a| matches(&r.target, a)).collect();
    let sources: Vec<&AlertInstance> = alerts.iter().filter(|a| matches(&r.source, a)).collect();
    for l in &r.equal {
        if !carried.contains(l.as_str()) {
            report.error(format!(
                "{name}: `equal` names `{l}`, a label no generated alert carries (missing labels are equal, so it matches everything)"
            ));
        } else if let Some(t) = targets
            .iter()
            // A group label (after the identity) may be missing: the identity pins the source
            // to the target's SLO, and a target without the label is muted only by that SLO's
            // alerts that lack it too (an ungrouped SLO's, or a grouped one's SLO-wide ones).
            .find(|t| alertmanager::identity().contains(l) && t.get(l).is_empty())
        {
            report.error(format!(
                "{name}: it mutes {}, which lacks `{l}`: alerts without a label count as equal on it",
                describe(t)
            ));
        }
    }
    for m in r.source.iter().chain(&r.target) {
        if !carried.contains(m.name.as_str()) {
            report.error(format!(
                "{name} matches on `{}`, a label no generated alert carries",
                m.name
            ));
        }
    }
    if let Some(a) = alerts
        .iter()
        .find(|a| matches(&r.source, a) && matches(&r.target, a))
    {
        report.error(format!(
            "{name}: source and target both match {}; such an alert is never muted by the rule",
            describe(a)
        ));
    }
    let key = |a: &AlertInstance| {
        r.equal
            .iter()
            .map(|l| a.get(l).to_string())
            .collect::<Vec<_>>()
    };
    let source_keys: BTreeMap<Vec<String>, Vec<&AlertInstance>> =
        sources.iter().fold(BTreeMap::new(), |mut m, s| {
            m.entry(key(s)).or_default().push(*s);
            m
        });
    let useful = targets.iter().any(|t| {
        source_keys
            .get(&key(t))
            .is_some_and(|s| s.iter().any(|s| *s != *t))
    });
    if !useful {
        report.error(format!(
            "{name} never applies: no generated alert of one SLO matches its source and another its target"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::alerts::tests::alert;
    use crate::verify::amconfig::AmConfig;

    #[derive(Default)]
    struct Found {
        errors: Vec<String>,
        notes: Vec<String>,
    }

    impl Report for Found {
        fn error(&mut self, message: String) {
            self.errors.push(message);
        }
        fn note(&mut self, message: String) {
            self.notes.push(message);
        }
    }

    fn alerts() -> Vec<AlertInstance> {
        vec![
            alert(&[
                ("alertname", "AX"),
                ("service", "a"),
                ("slo", "x"),
                ("severity", "page"),
                ("team", "t"),
            ]),
            alert(&[
                ("alertname", "AX"),
                ("service", "a"),
                ("slo", "x"),
                ("severity", "ticket"),
                ("team", "t"),
            ]),
            alert(&[
                ("alertname", "BY"),
                ("service", "b"),
                ("slo", "y"),
                ("severity", "ticket"),
                ("team", "t"),
            ]),
            alert(&[("service", "c"), ("severity", "warning"), ("team", "t")]),
        ]
    }

    fn run(yaml: &str) -> Found {
        let cfg = AmConfig::parse(&format!(
            "route: {{receiver: r}}\nreceivers: [{{name: r}}]\ninhibit_rules:\n{yaml}"
        ))
        .unwrap();
        let alerts = alerts();
        let carried: BTreeSet<&str> = ["alertname", "service", "slo", "severity", "team"]
            .into_iter()
            .collect();
        let mut found = Found::default();
        for r in &cfg.inhibit_rules {
            check_inhibition(r, &alerts, &carried, &mut found);
        }
        found
    }

    fn errors(yaml: &str) -> String {
        run(yaml).errors.join("\n")
    }

    #[test]
    fn sloforge_rules_are_checked_structurally() {
        let good = "- source_matchers: ['severity=\"page\"', 'service=~\".+\"', 'slo=~\".+\"']\n  target_matchers: ['severity=\"ticket\"', 'service=~\".+\"', 'slo=~\".+\"']\n  equal: [service, slo]\n";
        let f = run(good);
        assert!(f.errors.is_empty() && f.notes.is_empty(), "{:?}", f.errors);
        let overlap = "- source_matchers: ['service=~\".+\"', 'slo=~\".+\"']\n  target_matchers: ['severity=\"ticket\"', 'service=~\".+\"', 'slo=~\".+\"']\n  equal: [service, slo]\n";
        assert!(errors(overlap).contains("both match"));
        let unknown = "- source_matchers: ['env=\"prod\"', 'service=~\".+\"', 'slo=~\".+\"']\n  target_matchers: ['severity=\"ticket\"', 'service=~\".+\"', 'slo=~\".+\"']\n  equal: [service, slo]\n";
        assert!(errors(unknown).contains("`env`"));
    }

    #[test]
    fn a_user_rule_that_can_mute_across_slos_is_an_error_naming_how() {
        let no_equal = "- source_matchers: ['severity=\"page\"']\n  target_matchers: ['severity=\"ticket\"']\n";
        let e = errors(no_equal);
        assert!(
            e.contains("inhibit_rules[0] can mute 2 generated alert(s) (a/x AX, b/y BY)")
                && e.contains("any alert matching {severity=\"page\"} mutes them")
                && e.contains("no `equal`"),
            "{e}"
        );
        let not_slo = "- source_matchers: ['severity=\"page\"']\n  target_matchers: ['severity=\"ticket\"']\n  equal: [alertname, service]\n";
        let e = errors(not_slo);
        assert!(
            e.contains("with the same `alertname`, `service` mutes them")
                && e.contains("its `equal` lacks `slo`"),
            "{e}"
        );
        // The warning lacks `slo`; a source may lack it too, and then they agree on it.
        let lacking = "- source_matchers: ['severity=\"page\"']\n  target_matchers: ['severity=\"warning\"']\n  equal: [service, slo]\n";
        let e = errors(lacking);
        assert!(
            e.contains("`equal` names `slo`, but c/  lacks `slo`"),
            "{e}"
        );
        let no_source = "- target_matchers: ['severity=\"ticket\"']\n  equal: [service]\n";
        let e = errors(no_source);
        assert!(
            e.contains("any alert at all with the same `service`")
                && e.contains("no source matchers"),
            "{e}"
        );
    }

    #[test]
    fn a_user_rule_pinned_to_the_slo_mutes_within_it() {
        let within = "- target_matchers: ['severity=\"ticket\"']\n  equal: [service, slo]\n";
        let f = run(within);
        assert!(f.errors.is_empty() && f.notes.is_empty(), "{:?}", f.errors);
    }

    #[test]
    fn a_user_rule_no_source_can_satisfy_is_a_note() {
        // The chart-style rule: a source needs `cluster`, `equal` makes it the target's, which
        // generated alerts lack.
        for rule in [
            "- source_matchers: ['cluster=~\".+\"']\n  target_matchers: []\n  equal: [cluster]\n",
            "- source_match_re: {cluster: '.+'}\n  target_match_re: {severity: 'warning|ticket'}\n  equal: [cluster]\n",
        ] {
            let f = run(rule);
            assert!(f.errors.is_empty(), "{rule}: {:?}", f.errors);
            assert!(
                f.notes.len() == 1
                    && f.notes[0].contains("cannot mute generated alerts")
                    && f.notes[0].contains("a source must have `cluster` (source matcher cluster=~\".+\") and `equal` names `cluster`, which they lack"),
                "{:?}",
                f.notes
            );
        }
        // With `equal` on labels a source may share, the same source can mute them.
        let e = errors(
            "- source_matchers: ['cluster=~\".+\"']\n  target_matchers: ['severity=~\"warning|ticket\"']\n  equal: [namespace, alertname]\n",
        );
        assert!(
            e.contains("can mute 3 generated alert(s)")
                && e.contains(
                    "any alert matching {cluster=~\".+\"} with the same `namespace`, `alertname`"
                ),
            "{e}"
        );
        // A source value `equal` pins that a source matcher rejects.
        let f = run(
            "- source_matchers: ['service=\"other\"']\n  target_matchers: ['severity=\"ticket\"']\n  equal: [service]\n",
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.notes[0].contains("which source matcher service=\"other\" rejects"));
        // Contradicting source matchers on a free label.
        let f = run(
            "- source_matchers: ['env=~\"a|b\"', 'env!~\"a|b\"']\n  target_matchers: ['severity=\"ticket\"']\n",
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.notes[0].contains("match no value"), "{:?}", f.notes);
        // Both sides match every target, and every possible source matches the target side.
        let f = run(
            "- source_matchers: ['severity=\"ticket\"']\n  target_matchers: ['severity=\"ticket\"']\n  equal: [alertname]\n",
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.notes[0].contains("disregards a source"), "{:?}", f.notes);
    }
}
