//! The seeds' error-budget policy: its stages by the budget left, which of them freeze deploys,
//! and when a frozen budget is back above the line at zero errors.

use serde::Serialize;

/// A stage of the policy, by the share of the error budget left: ≥ 75 % normal, 50–75 %
/// caution, 25–50 % alert (freeze non-critical launches), 10–25 % critical (freeze all but
/// critical fixes; CI/CD deployments pause except hotfixes), < 10 % lockdown (exhausted
/// included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Normal,
    Caution,
    Alert,
    Critical,
    Lockdown,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Normal,
        Stage::Caution,
        Stage::Alert,
        Stage::Critical,
        Stage::Lockdown,
    ];

    /// The stage of a budget with `remaining` (ratio, 1 = untouched) left.
    pub fn of(remaining: f64) -> Stage {
        Stage::ALL
            .into_iter()
            .find(|s| remaining >= s.floor())
            .unwrap_or(Stage::Lockdown)
    }

    /// The least budget left (ratio) of this stage.
    pub fn floor(self) -> f64 {
        match self {
            Stage::Normal => 0.75,
            Stage::Caution => 0.5,
            Stage::Alert => 0.25,
            Stage::Critical => 0.1,
            Stage::Lockdown => f64::NEG_INFINITY,
        }
    }

    /// The budget left (ratio) below which this stage begins.
    pub fn ceiling(self) -> f64 {
        match self {
            Stage::Normal => f64::INFINITY,
            Stage::Caution => 0.75,
            Stage::Alert => 0.5,
            Stage::Critical => 0.25,
            Stage::Lockdown => 0.1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Normal => "normal",
            Stage::Caution => "caution",
            Stage::Alert => "alert",
            Stage::Critical => "critical",
            Stage::Lockdown => "lockdown",
        }
    }

    /// What the policy asks for in this stage.
    pub fn action(self) -> &'static str {
        match self {
            Stage::Normal => "ship as usual",
            Stage::Caution => "review the burn daily",
            Stage::Alert => "freeze non-critical launches",
            Stage::Critical => "deploys paused except hotfixes",
            Stage::Lockdown => "all deploys paused",
        }
    }
}

/// Which stages freeze deploys: from `min_stage` on; with `allow_hotfix`, a hotfix passes in
/// every stage but lockdown.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    pub min_stage: Stage,
    pub allow_hotfix: bool,
}

impl Default for Gate {
    /// The seeds' policy: deploys pause below 25 % of the budget (critical and lockdown).
    fn default() -> Gate {
        Gate {
            min_stage: Stage::Critical,
            allow_hotfix: false,
        }
    }
}

impl Gate {
    /// The first stage that freezes.
    pub fn freezes_from(self) -> Stage {
        if self.allow_hotfix {
            self.min_stage.max(Stage::Lockdown)
        } else {
            self.min_stage
        }
    }

    pub fn frozen(self, stage: Stage) -> bool {
        stage >= self.freezes_from()
    }

    /// The budget left (ratio) a frozen SLO must reach to let deploys through again.
    pub fn reopens_at(self) -> f64 {
        self.freezes_from().ceiling()
    }
}

/// When a rolling window's budget is back at `target` (ratio left) if no error happens from
/// `at` on: the errors of the window age out hour by hour. `steps` are the SLO's coarse rates
/// over the window ending at `at`: (timestamp, errors per second, requests per second), each
/// the mean over `step` seconds; `window` in seconds. The budget is that of the whole window's
/// expected requests (the requests seen, scaled to the window while it is younger). `None` when
/// there are no requests to tell.
pub fn rolling_recovery(
    steps: &[(f64, f64, f64)],
    step: f64,
    window: f64,
    budget: f64,
    target: f64,
    at: f64,
) -> Option<f64> {
    let total: f64 = steps.iter().map(|s| s.2 * step).sum();
    let covered = (steps.len() as f64 * step).min(window);
    if total <= 0.0 || covered <= 0.0 || budget <= 0.0 {
        return None;
    }
    let allowed = budget * total * window / covered;
    // Errors that may stay in the window with `target` of the budget left.
    let keep = (1.0 - target) * allowed;
    let mut errors: f64 = steps.iter().map(|s| s.1 * step).sum();
    if errors <= keep {
        return Some(at);
    }
    let mut sorted: Vec<&(f64, f64, f64)> = steps.iter().collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for s in sorted {
        errors -= s.1 * step;
        if errors <= keep {
            // That step's rate leaves the window one window after it was recorded.
            return Some((s.0 + window).max(at));
        }
    }
    Some(at + window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_seeds_policy() {
        assert_eq!(Stage::of(1.0), Stage::Normal);
        assert_eq!(Stage::of(0.75), Stage::Normal);
        assert_eq!(Stage::of(0.7499), Stage::Caution);
        assert_eq!(Stage::of(0.25), Stage::Alert);
        assert_eq!(Stage::of(0.2), Stage::Critical);
        assert_eq!(Stage::of(0.0999), Stage::Lockdown);
        assert_eq!(Stage::of(-3.0), Stage::Lockdown);
        assert_eq!(Stage::of(f64::NAN), Stage::Lockdown);
    }

    #[test]
    fn the_default_gate_freezes_below_a_quarter() {
        let g = Gate::default();
        assert!(!g.frozen(Stage::Alert));
        assert!(g.frozen(Stage::Critical));
        assert_eq!(g.reopens_at(), 0.25);
        let hotfix = Gate {
            allow_hotfix: true,
            ..g
        };
        assert!(!hotfix.frozen(Stage::Critical));
        assert!(hotfix.frozen(Stage::Lockdown));
        assert_eq!(hotfix.reopens_at(), 0.1);
    }

    #[test]
    fn errors_age_out_of_a_rolling_window() {
        // Ten hours of 1 request/s; 36 errors (1 %) in the second hour, budget 1 % of 10 h.
        let steps: Vec<(f64, f64, f64)> = (0..10)
            .map(|h| (f64::from(h) * 3600.0, if h == 1 { 0.01 } else { 0.0 }, 1.0))
            .collect();
        let window = 36_000.0;
        let at = 9.0 * 3600.0;
        // 36 errors of an allowed 360: 90 % left, above 25 % already.
        assert_eq!(
            rolling_recovery(&steps, 3600.0, window, 0.01, 0.25, at),
            Some(at)
        );
        // Back to 95 % only once the bad hour leaves the window.
        assert_eq!(
            rolling_recovery(&steps, 3600.0, window, 0.01, 0.95, at),
            Some(3600.0 + window)
        );
        assert_eq!(rolling_recovery(&[], 3600.0, window, 0.01, 0.95, at), None);
    }
}
