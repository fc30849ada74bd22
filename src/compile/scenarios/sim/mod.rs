//! Exact model of the generated rules over a synthetic timeline: what the recorded event rates
//! hold at every evaluation, and when each alert tier is pending, firing and resolved. The
//! generated promtool tests are written from it, so every expected alert set is computed with
//! integer arithmetic rather than guessed.
//!
//! The model follows `promtool test rules` as Prometheus 2.42, 2.53 and 3.5 run it alike:
//! every rule group is evaluated at every multiple of the evaluation interval from 0 (promtool
//! ignores a group's own interval, so the coarse rates are recorded every evaluation too); the
//! rules' ranges are `[w - 1ms]`, which hold the samples in `(t-w, t]` under both range
//! semantics; the raw read spans the base window plus one scrape less 1ms, so `rate()` holds
//! the base window's increase per second exactly (the synthetic counters never start at 0, so
//! the extrapolation to the range's start is never cut short); a window read at evaluation `k`
//! is made of evaluations `k-m … k-1` (`offset` one interval); an alert becomes active on the
//! first evaluation its expression returns a result, fires once it has been active for `for`,
//! and after its expression stops returning a result keeps firing until `keep_firing_for` has
//! passed.

mod exact;
mod recorded;
mod tier;
mod timeline;

pub use exact::{Frac, decimal_parts, gcd, lcm};
pub use recorded::{Reading, Recorded, Windows};
pub use tier::{TierModel, TierRun, run_tier};
pub use timeline::{Phase, Timeline, point_badness};

#[cfg(test)]
mod tests {
    use super::timeline::is_bad;
    use super::*;
    use crate::model::Decimal;

    #[test]
    fn bad_items_are_spread_evenly() {
        let f = Frac::new(1, 4);
        let bad: Vec<bool> = (1..=8).map(|i| is_bad(f, i)).collect();
        assert_eq!(bad, [false, false, false, true, false, false, false, true]);
        assert!((1..=5).all(|i| is_bad(Frac::ONE, i)));
        assert!((1..=5).all(|i| !is_bad(Frac::ZERO, i)));
        assert_eq!(
            Frac::from_decimal(Decimal::parse("0.0144").unwrap()),
            Some(Frac::new(18, 1250))
        );
        let early: Vec<bool> = (1..=8).map(|i| Phase::TrafficEarly(f).bad(i)).collect();
        assert_eq!(
            early,
            [true, false, false, false, true, false, false, false]
        );
    }

    #[test]
    fn total_outage_on_one_hour_window() {
        // 1m evaluations, 15s scrapes: 1h idle warm-up is not needed here, 1m is.
        let mut tl = Timeline::new(15_000);
        tl.push(60_000, Phase::Idle);
        tl.push(60 * 60_000, Phase::Traffic(Frac::ZERO));
        tl.push(30 * 60_000, Phase::Traffic(Frac::ONE));
        let w = Windows {
            step_ms: 60_000,
            base_ms: 60_000,
            span_ms: 75_000,
            fine_ms: 3 * 86_400_000,
            coarse_evals: 60,
        };
        let rec = Recorded::compute(
            &tl,
            Reading::Counters {
                per_second: true,
                ratio: false,
            },
            10,
            w,
        )
        .unwrap();
        let tier = TierModel {
            long_ms: 3_600_000,
            short_ms: 300_000,
            threshold: (144, 4),
            for_ms: 120_000,
            keep_firing_ms: 0,
            min_events: 0,
        };
        let run = run_tier(&rec, &tier);
        assert!(!run.ambiguous);
        // The outage starts at 61m; the window read at 63m ends at 62m and holds one bad
        // minute of 60: 1/60 > 0.0144.
        assert_eq!(run.first_active(0), Some(63));
        assert_eq!(run.first_firing(0), Some(65));
    }
}
