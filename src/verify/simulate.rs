//! Alertmanager's routing, as sloforge simulates it: matchers, nesting, `continue`, inherited
//! receivers and the default route.

use std::collections::BTreeSet;

use super::alerts::AlertInstance;
use super::amconfig::AmConfig;

impl AmConfig {
    fn node_matches(&self, n: usize, a: &AlertInstance) -> bool {
        self.nodes[n].matchers.iter().all(|m| a.matched_by(m))
    }

    /// Alertmanager's route matching: the routes an alert is dispatched by (each sends to its
    /// receiver), in order; `visited` collects every route whose matchers the alert met.
    pub fn route(&self, a: &AlertInstance, visited: &mut BTreeSet<usize>) -> Vec<usize> {
        self.walk(0, a, visited).unwrap_or_default()
    }

    fn walk(
        &self,
        n: usize,
        a: &AlertInstance,
        visited: &mut BTreeSet<usize>,
    ) -> Option<Vec<usize>> {
        if !self.node_matches(n, a) {
            return None;
        }
        visited.insert(n);
        let mut all = Vec::new();
        for &c in &self.nodes[n].children {
            if let Some(m) = self.walk(c, a, visited) {
                all.extend(m);
                if !self.nodes[c].continue_ {
                    break;
                }
            }
        }
        if all.is_empty() {
            all.push(n);
        }
        Some(all)
    }

    /// Receivers an alert reaches, in order (as `amtool config routes test` prints them).
    pub fn receivers_of(&self, a: &AlertInstance) -> Vec<String> {
        self.route(a, &mut BTreeSet::new())
            .into_iter()
            .map(|n| self.nodes[n].receiver.clone())
            .collect()
    }

    /// The first inhibition rule that mutes `target` while the alerts `active` fire (as
    /// Alertmanager's inhibitor decides it), with the source alert that mutes it: a source
    /// matches the source matchers and carries the target's values of the `equal` labels (a
    /// missing label is the empty string); when the target matches the source matchers too,
    /// sources that also match the target matchers are disregarded.
    pub fn inhibitor<'a>(
        &self,
        target: &AlertInstance,
        active: &'a [AlertInstance],
    ) -> Option<(usize, &'a AlertInstance)> {
        let all = |ms: &[crate::syntax::matchers::Matcher], a: &AlertInstance| {
            ms.iter().all(|m| a.matched_by(m))
        };
        self.inhibit_rules
            .iter()
            .filter(|r| all(&r.target, target))
            .find_map(|r| {
                let two_sided = all(&r.source, target);
                active
                    .iter()
                    .find(|s| {
                        all(&r.source, s)
                            && !(two_sided && all(&r.target, s))
                            && r.equal.iter().all(|l| s.get(l) == target.get(l))
                    })
                    .map(|s| (r.index, s))
            })
    }

    /// Every node below `n` (itself included).
    pub(crate) fn subtree(&self, n: usize) -> Vec<usize> {
        let mut out = vec![n];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.nodes[out[i]].children.iter().copied());
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::verify::alerts::tests::alert;
    use crate::verify::amconfig::AmConfig;

    const TRAP: &str = r#"
route:
  receiver: fallback
  routes:
    - receiver: audit
      continue: true
    - receiver: team-a
      matchers: ['team="a"']
receivers: [{name: fallback}, {name: audit}, {name: team-a}]
"#;

    #[test]
    fn a_misspelt_team_reaches_only_the_continue_route() {
        let cfg = AmConfig::parse(TRAP).unwrap();
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a")])),
            ["audit", "team-a"]
        );
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "aa")])),
            ["audit"],
            "the root's receiver is not used"
        );
        assert_eq!(cfg.receivers_of(&alert(&[])), ["audit"]);
        let fixed = TRAP.replace("receivers: [", "    - receiver: fallback\nreceivers: [");
        let cfg = AmConfig::parse(&fixed).unwrap();
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "aa")])),
            ["audit", "fallback"]
        );
    }

    #[test]
    fn an_earlier_sibling_shadows_a_narrower_route() {
        let cfg = AmConfig::parse(
            "route:\n  receiver: r\n  routes:\n    - {receiver: any, matchers: ['severity=~\"page|ticket\"']}\n    - {receiver: pages, matchers: ['severity=\"page\"']}\nreceivers: [{name: r}, {name: any}, {name: pages}]\n",
        )
        .unwrap();
        let mut visited = BTreeSet::new();
        assert_eq!(cfg.receivers_of(&alert(&[("severity", "page")])), ["any"]);
        cfg.route(&alert(&[("severity", "page")]), &mut visited);
        assert!(!visited.contains(&2), "the narrower route is never reached");
    }

    #[test]
    fn legacy_match_and_inherited_receivers() {
        let cfg = AmConfig::parse(
            "route:\n  receiver: r\n  routes:\n    - match: {team: a}\n      routes:\n        - match_re: {severity: 'pa.e'}\n          receiver: p\n        - match: {severity: ticket}\nreceivers: [{name: r}, {name: p}]\n",
        )
        .unwrap();
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a"), ("severity", "page")])),
            ["p"]
        );
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a"), ("severity", "ticket")])),
            ["r"],
            "inherits the receiver"
        );
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a"), ("severity", "xpage")])),
            ["r"]
        );
    }

    #[test]
    fn a_firing_source_mutes_a_target_of_its_own_slo_only() {
        let cfg = AmConfig::parse(
            "route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n  - source_matchers: ['severity=\"page\"']\n    target_matchers: ['severity=~\"page|ticket\"']\n    equal: [slo]\n",
        )
        .unwrap();
        let page = alert(&[("severity", "page"), ("slo", "a")]);
        let ticket = alert(&[("severity", "ticket"), ("slo", "a")]);
        let other = alert(&[("severity", "ticket"), ("slo", "b")]);
        let active = [page.clone(), ticket.clone(), other.clone()];
        assert_eq!(cfg.inhibitor(&ticket, &active), Some((0, &active[0])));
        assert_eq!(cfg.inhibitor(&other, &active), None, "another SLO");
        assert_eq!(cfg.inhibitor(&ticket, &active[1..]), None, "no page fires");
        // The page matches both sides: it does not mute itself, nor another page.
        let page2 = alert(&[("severity", "page"), ("slo", "a"), ("x", "2")]);
        assert_eq!(cfg.inhibitor(&page, &[page.clone(), page2]), None);
    }
}
