//! Scenarios of different SLOs of one service share a promtool test group when neither SLO's
//! queries can see the other's series.
//!
//! promtool evaluates every rule of the file at every evaluation step of every test group, from
//! 0 to the group's last check: a group costs its length times the whole file's rules, whichever
//! SLO it exercises. Two scenarios run side by side in one group cost the longer of the two
//! instead of their sum, and each still proves the same thing: its input series are invisible to
//! the other SLO's rules (checked selector by selector), and every check names its SLO (`slo=`).

use super::TestGroup;
use super::synth::Reads;
use crate::model::Duration;
use crate::names::TEST_GROUP_JOINER;

/// Packs `groups` (each with the index of its SLO in `reads`) into as few groups as the rules
/// allow, longest first into the first group that takes it; the packed groups keep the order of
/// their first scenario, and scenarios within one keep theirs.
pub fn pack(groups: Vec<(usize, TestGroup)>, reads: &[Option<Reads>]) -> Vec<TestGroup> {
    let lengths: Vec<Duration> = groups.iter().map(|(_, g)| length(g)).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    let mut bins: Vec<Vec<usize>> = Vec::new();
    for g in order {
        let fits = |bin: &Vec<usize>| {
            bin.iter()
                .all(|&h| side_by_side(&groups[g], &groups[h], reads))
        };
        match bins.iter_mut().find(|b| fits(b)) {
            Some(b) => b.push(g),
            None => bins.push(vec![g]),
        }
    }
    for b in &mut bins {
        b.sort_unstable();
    }
    bins.sort_unstable_by_key(|b| b[0]);
    let mut slots: Vec<Option<TestGroup>> = groups.into_iter().map(|(_, g)| Some(g)).collect();
    bins.into_iter()
        .map(|b| {
            let mut members = b.into_iter().filter_map(|i| slots[i].take());
            let mut out = members.next().expect("a packed group has a member");
            for g in members {
                out.name.push_str(TEST_GROUP_JOINER);
                out.name.push_str(&g.name);
                out.input_series.extend(g.input_series);
                out.promql_expr_test.extend(g.promql_expr_test);
            }
            out
        })
        .collect()
}

/// Whether two scenarios can run in one group: other SLOs, the same scrape interval, and
/// neither SLO's selectors select a series of the other's scenario.
fn side_by_side(a: &(usize, TestGroup), b: &(usize, TestGroup), reads: &[Option<Reads>]) -> bool {
    let ((sa, ga), (sb, gb)) = (a, b);
    if sa == sb || ga.interval != gb.interval {
        return false;
    }
    let (Some(Some(ra)), Some(Some(rb))) = (reads.get(*sa), reads.get(*sb)) else {
        return false;
    };
    !gb.input_series.iter().any(|s| ra.selects(&s.series))
        && !ga.input_series.iter().any(|s| rb.selects(&s.series))
}

/// The time of a group's last check: promtool evaluates the rules up to it.
fn length(g: &TestGroup) -> Duration {
    g.promql_expr_test
        .iter()
        .filter_map(|t| Duration::parse(&t.eval_time).ok())
        .max()
        .unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::super::synth::reads;
    use super::super::{ExprTest, InputSeries};
    use super::*;
    use crate::model::{Counter, Sli};
    use crate::syntax::promql;

    fn group(name: &str, series: &str, last: &str) -> TestGroup {
        TestGroup {
            name: name.into(),
            interval: "15s".into(),
            input_series: vec![InputSeries {
                series: series.into(),
                values: "0+1x10".into(),
            }],
            promql_expr_test: vec![ExprTest {
                expr: "vector(1)".into(),
                eval_time: last.into(),
                exp_samples: Vec::new(),
            }],
        }
    }

    fn ratio(errors: &str, total: &str) -> Option<Reads> {
        reads(&Sli::Ratio {
            errors: Counter::Errors(promql::parse(errors).unwrap()),
            total: promql::parse(total).unwrap(),
        })
    }

    #[test]
    fn longest_with_longest_and_never_overlapping() {
        let reads = vec![
            ratio(r#"a_total{code="5xx"}"#, "a_total"),
            ratio(r#"b_total{code="5xx"}"#, "b_total"),
            // Reads `a_total` too: never beside the first SLO.
            ratio(r#"a_total{code="4xx"}"#, r#"c_total"#),
        ];
        let groups = vec![
            (0, group("a1", r#"a_total{code="5xx"}"#, "1h")),
            (0, group("a2", "a_total", "6h")),
            (1, group("b1", "b_total", "5h")),
            (1, group("b2", "b_total", "30m")),
            (2, group("c1", r#"a_total{code="4xx"}"#, "2h")),
        ];
        let packed = pack(groups, &reads);
        let names: Vec<&str> = packed.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["a1", "a2 | b1", "b2 | c1"]);
        assert_eq!(packed[1].input_series.len(), 2);
        assert_eq!(packed[1].promql_expr_test.len(), 2);
    }

    #[test]
    fn unknown_reads_and_other_intervals_stay_alone() {
        let reads = vec![None, ratio("b_total", "b_total")];
        let packed = pack(
            vec![
                (0, group("a", "a_total", "1h")),
                (1, group("b", "b_total", "1h")),
            ],
            &reads,
        );
        assert_eq!(packed.len(), 2);
        let reads = vec![ratio("a_total", "a_total"), ratio("b_total", "b_total")];
        let mut b = group("b", "b_total", "1h");
        b.interval = "1m".into();
        let packed = pack(vec![(0, group("a", "a_total", "1h")), (1, b)], &reads);
        assert_eq!(packed.len(), 2);
    }
}
