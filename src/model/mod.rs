//! Stage 3, model: the validated, typed fleet. Everything here has been checked; compile never
//! fails on it.

pub(crate) mod alertmanager;
mod calendar;
pub(crate) mod receiver;
pub(crate) mod routing;
mod severity;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use crate::syntax::decimal::Decimal;
pub use crate::syntax::duration::Duration;
use promql_parser::parser::Expr;

pub use calendar::{
    Calendar, CalendarPeriod, Exclusion, ExclusionWhen, OFFSET_YEARS, OffsetChange, WEEKDAYS,
    clock, offsets,
};
pub use severity::SeverityKind;

/// Where a service came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Native,
    Sloth,
    OpenSlo,
}

#[derive(Debug, Clone)]
pub struct Fleet {
    pub settings: Settings,
    /// Sorted by name.
    pub services: Vec<std::sync::Arc<Service>>,
    /// Alertmanager routing, when the specs hold an `AlertRouting` document.
    pub routing: Option<routing::Routing>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub evaluation_interval: Duration,
    pub base_window: Duration,
    /// Scrape interval of the SLI series, when given: raw rates are then read over
    /// `base_window + scrape_interval` and windows summed half-open (exact windows).
    pub scrape_interval: Option<Duration>,
    pub page_severity: String,
    pub ticket_severity: String,
    pub notify_severity: String,
    pub alert_tiers: Vec<AlertTierPolicy>,
    /// The generated runbooks.
    pub runbooks: RunbookSettings,
    /// The engines the rules must run on (default: every supported engine).
    pub engines: Vec<Engine>,
}

/// `runbooks` of the `Defaults` document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunbookSettings {
    /// Whether runbooks are generated (default true).
    pub enabled: bool,
    /// Where the generated runbooks are published, without a trailing `/`: an alert without a
    /// `runbook_url` annotation links to `<base_url>/<service>/<slo>.md`.
    pub base_url: Option<String>,
    /// Templates that replace the default text of runbook sections, by section name.
    pub sections: BTreeMap<String, String>,
}

impl Settings {
    /// The severity label value of a severity kind.
    pub fn severity(&self, kind: SeverityKind) -> &str {
        match kind {
            SeverityKind::Page => &self.page_severity,
            SeverityKind::Ticket => &self.ticket_severity,
            SeverityKind::Notify => &self.notify_severity,
        }
    }
}

/// Evaluations a window may sum from the recorded base-window rates (3d at the default 1m);
/// a longer window averages the coarse rates instead, so that no rule reads more than this many
/// samples of a recorded series.
pub const FINE_EVALUATIONS: u64 = 4320;
/// Evaluations one coarse rate covers (1h at the default 1m): the interval of the coarse group.
pub const COARSE_EVALUATIONS: u64 = 60;

impl Settings {
    /// The raw read's span in whole scrapes: the base window, plus one scrape interval when it
    /// is known.
    pub fn raw_span(&self) -> Duration {
        Duration::from_millis(
            self.base_window.as_millis() + self.scrape_interval.map_or(0, Duration::as_millis),
        )
    }

    /// Range of the one raw read: the span less 1ms, so that it holds the same samples on
    /// Prometheus 2's closed ranges as on 3's left-open ones, `(t-span, t]`. With samples one
    /// scrape apart that is the base window's samples and, `rate()` extrapolating to the range's
    /// start, exactly their increase per second of the base window: consecutive evaluations take
    /// every increment between scrapes once.
    pub fn raw_range(&self) -> Duration {
        self.window_range(self.raw_span())
    }

    /// Range of a window `w`: `[w - 1ms]`, the half-open `(t-w, t]` on Prometheus 2 as on 3.
    pub fn window_range(&self, w: Duration) -> Duration {
        if w.as_millis() > 1 {
            Duration::from_millis(w.as_millis() - 1)
        } else {
            w
        }
    }

    /// The longest window summed from the recorded base-window rates ([`FINE_EVALUATIONS`]).
    pub fn fine_limit(&self) -> Duration {
        Duration::from_millis(
            self.evaluation_interval
                .as_millis()
                .saturating_mul(FINE_EVALUATIONS),
        )
    }

    /// What one coarse rate covers, and the coarse group's interval ([`COARSE_EVALUATIONS`]).
    pub fn coarse_step(&self) -> Duration {
        Duration::from_millis(
            self.evaluation_interval
                .as_millis()
                .saturating_mul(COARSE_EVALUATIONS),
        )
    }
}

/// One window pair of the alert policy, given for a 30-day SLO window.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTierPolicy {
    pub name: String,
    pub severity: SeverityKind,
    pub long_window: Duration,
    pub short_window: Duration,
    pub burn_rate: Decimal,
    pub for_: Duration,
    pub keep_firing_for: Duration,
}

/// The 30-day window the policy windows are given for.
pub const REFERENCE_WINDOW: Duration = Duration::from_mins(30 * 24 * 60);

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub team: String,
    pub tier: Option<String>,
    pub file: PathBuf,
    pub format: SourceFormat,
    pub slos: Vec<Slo>,
}

#[derive(Debug, Clone)]
pub struct Slo {
    pub service: String,
    pub name: String,
    pub description: String,
    /// Percent, e.g. 99.9.
    pub objective: Decimal,
    /// The rolling window, or a calendar window's nominal length (7d, 30d, 90d), which the
    /// burn-rate tiers are scaled to.
    pub window: Duration,
    /// A budget that resets at the start of each calendar period instead of a rolling one.
    pub calendar: Option<Calendar>,
    /// Planned maintenance: events in these windows count neither as errors nor as traffic.
    pub exclusions: Vec<Exclusion>,
    pub sli: Sli,
    /// Labels on every recorded series and alert of the SLO (identity labels included); shared
    /// with the recording rules that carry them.
    pub labels: std::sync::Arc<BTreeMap<String, String>>,
    pub alerts: Vec<BurnAlert>,
    pub budget_alerts: Vec<BudgetAlert>,
    /// Alerts on the SLI's data being absent (none for a raw error-ratio SLI, which cannot
    /// tell missing data from zero traffic).
    pub no_data_alerts: Vec<NoDataAlert>,
    pub min_events: u64,
    /// The alert tiers are this SLO's own (absolute windows), not the fleet policy scaled.
    pub custom_tiers: bool,
    /// `group_by`: one budget and one set of alerts per value of these labels.
    pub grouping: Option<Grouping>,
    /// The SLO's alerting settings as written (templates unrendered, fleet defaults left
    /// out), for `convert`.
    pub source: SloSource,
}

/// A grouped SLO's labels, its cardinality guard and the alert that reports it.
#[derive(Debug, Clone)]
pub struct Grouping {
    /// Label names, in the spec's order.
    pub labels: Vec<String>,
    pub max_groups: u64,
    /// `max_groups` as the spec gave it, for `convert`.
    pub max_groups_set: bool,
    /// Fires while more groups than `max_groups` report events.
    pub guard: GuardAlert,
}

/// The alert of a grouped SLO's cardinality guard.
#[derive(Debug, Clone)]
pub struct GuardAlert {
    pub alert_name: String,
    pub for_: Duration,
    pub severity: String,
    /// The expression is label-free: the SLO's labels are the rule's, with severity and the
    /// user's alert labels.
    pub labels: std::sync::Arc<BTreeMap<String, String>>,
    pub annotations: std::sync::Arc<BTreeMap<String, String>>,
}

/// Alerting settings of one SLO as its spec gave them.
#[derive(Debug, Clone, Default)]
pub struct SloSource {
    pub alert_name: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Per alert tier: settings that differ from the policy.
    pub tiers: BTreeMap<String, TierSource>,
    pub budget_alerts: bool,
    /// `alerting.no_data` as written, when it differs from the defaults.
    pub no_data: Option<NoDataSource>,
}

/// `alerting.no_data` of one SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct NoDataSource {
    pub enabled: bool,
    pub for_: Duration,
    pub severity: SeverityKind,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierSource {
    pub enabled: bool,
    pub for_: Option<Duration>,
    pub keep_firing_for: Option<Duration>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Slo {
    /// The `window` label of the SLO window's series: `30d`, or the calendar period (`month`).
    pub fn window_label(&self) -> String {
        match &self.calendar {
            Some(c) => c.period.as_str().to_string(),
            None => self.window.to_string(),
        }
    }

    /// The labels of the SLO's groups (empty when it is not grouped).
    pub fn group_labels(&self) -> &[String] {
        self.grouping.as_ref().map_or(&[], |g| g.labels.as_slice())
    }

    /// The objective as a ratio (0.999).
    pub fn objective_ratio(&self) -> Decimal {
        self.objective
            .checked_div(Decimal::from_int(100))
            .unwrap_or(Decimal::ZERO)
    }

    /// The error budget as a ratio (0.001).
    pub fn error_budget(&self) -> Decimal {
        Decimal::ONE
            .checked_sub(self.objective_ratio())
            .unwrap_or(Decimal::ZERO)
    }

    /// Every rolling window a ratio is recorded for: the alert windows and the full SLO window
    /// (for a calendar SLO, whose window is the current period, the alert windows only).
    pub fn ratio_windows(&self) -> Vec<Duration> {
        let mut w: Vec<Duration> = self
            .alerts
            .iter()
            .flat_map(|a| [a.short_window, a.long_window])
            .collect();
        if self.calendar.is_none() {
            w.push(self.window);
        }
        w.sort();
        w.dedup();
        w
    }

    /// Whether some window is longer than the fine limit: its rates are then averaged in a
    /// coarse rule group of the SLO's own.
    pub fn has_coarse_group(&self, settings: &Settings) -> bool {
        // A calendar period sums the coarse rates recorded in it.
        self.calendar.is_some()
            || self
                .ratio_windows()
                .into_iter()
                .any(|w| w > settings.fine_limit())
    }
}

/// How the SLI is measured. Expressions are parsed PromQL; compile renders them.
#[derive(Debug, Clone)]
pub enum Sli {
    /// Selectors or instant-vector expressions of counters; `rate()` is added.
    Ratio { errors: Counter, total: Expr },
    /// A histogram; `metric` without suffix, `matchers` in `{…}` form (may be empty).
    Latency {
        metric: String,
        matchers: String,
        le: String,
        /// The histogram's bucket bounds as the spec lists them (`buckets:`), for `convert`.
        buckets: Option<Vec<f64>>,
        /// Classic (`_bucket`/`_count` series) or native (one series of histogram samples).
        histogram: HistogramKind,
    },
    /// 0/1 gauge selector.
    Probe { selector: Expr },
    /// Sloth-style event queries that already contain `rate(…[window])`.
    WindowedEvents { errors: Expr, total: Expr },
    /// An error-ratio query over a window; averaged over time for longer windows.
    RawRatio { ratio: Expr },
}

/// How a latency SLI's histogram is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistogramKind {
    /// `<metric>_bucket{le=…}` and `<metric>_count` float series.
    #[default]
    Classic,
    /// One series `<metric>` of native-histogram samples: exponential buckets, or custom ones
    /// (NHCB, a classic histogram converted by Prometheus 3).
    Native,
}

impl HistogramKind {
    pub fn name(self) -> &'static str {
        match self {
            HistogramKind::Classic => "classic",
            HistogramKind::Native => "native",
        }
    }
}

/// An engine the rules are meant to run on (the `Defaults` document's `engines`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Engine {
    Prometheus2,
    Prometheus3,
    VictoriaMetrics,
    Mimir,
    Cortex,
    Thanos,
}

impl Engine {
    /// Every engine of README "Supported engines", the default of `engines`.
    pub const ALL: &'static [Engine] = &[
        Engine::Prometheus2,
        Engine::Prometheus3,
        Engine::VictoriaMetrics,
        Engine::Mimir,
        Engine::Cortex,
        Engine::Thanos,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Prometheus2 => "prometheus-2",
            Engine::Prometheus3 => "prometheus-3",
            Engine::VictoriaMetrics => "victoriametrics",
            Engine::Mimir => "mimir",
            Engine::Cortex => "cortex",
            Engine::Thanos => "thanos",
        }
    }

    pub fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.iter().copied().find(|e| e.name() == s)
    }

    /// Whether the engine stores native histograms and evaluates `histogram_fraction` on them:
    /// not Prometheus 2 (native histograms were an experiment there, without custom buckets)
    /// nor VictoriaMetrics (no native histograms at all).
    pub fn native_histograms(self) -> bool {
        !matches!(self, Engine::Prometheus2 | Engine::VictoriaMetrics)
    }
}

#[derive(Debug, Clone)]
pub enum Counter {
    Errors(Expr),
    Good(Expr),
}

#[derive(Debug, Clone)]
pub struct BurnAlert {
    pub alert_name: String,
    pub tier: String,
    pub severity_kind: SeverityKind,
    /// The severity label value.
    pub severity: String,
    pub long_window: Duration,
    pub short_window: Duration,
    pub burn_rate: Decimal,
    pub for_: Duration,
    pub keep_firing_for: Duration,
    /// Labels added by the alert rule (severity, tier, user alert labels).
    pub labels: std::sync::Arc<BTreeMap<String, String>>,
    pub annotations: std::sync::Arc<BTreeMap<String, String>>,
}

impl BurnAlert {
    /// Error-ratio threshold = burn rate × budget (exact).
    pub fn threshold(&self, budget: Decimal) -> Decimal {
        self.burn_rate.checked_mul(budget).unwrap_or(Decimal::ZERO)
    }
}

#[derive(Debug, Clone)]
pub struct BudgetAlert {
    pub alert_name: String,
    pub stage: String,
    /// Fires while remaining < `below` (ratio) and remaining ≥ `floor` when there is one.
    pub below: Decimal,
    pub floor: Option<Decimal>,
    pub severity_kind: SeverityKind,
    pub severity: String,
    pub labels: std::sync::Arc<BTreeMap<String, String>>,
    pub annotations: std::sync::Arc<BTreeMap<String, String>>,
}

/// What a no-data alert finds missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoDataKind {
    /// The SLI's events: its total, `_count` or probe series.
    Events,
    /// The latency threshold's bucket, while the histogram's `_count` is present.
    ThresholdBucket,
}

impl NoDataKind {
    /// The value of the alert's `no_data` label.
    pub fn label_value(self) -> &'static str {
        match self {
            NoDataKind::Events => crate::names::label::NO_DATA_EVENTS,
            NoDataKind::ThresholdBucket => crate::names::label::NO_DATA_BUCKET,
        }
    }
}

/// An alert that fires while the data an SLI reads is absent: the SLO would otherwise read as
/// zero traffic (no errors, no alert) or, for a missing bucket, as every request failing.
#[derive(Debug, Clone)]
pub struct NoDataAlert {
    pub alert_name: String,
    pub kind: NoDataKind,
    pub for_: Duration,
    pub severity_kind: SeverityKind,
    pub severity: String,
    /// The expression is label-free: the SLO's labels are the rule's, with severity, `no_data`
    /// and the user's alert labels.
    pub labels: std::sync::Arc<BTreeMap<String, String>>,
    pub annotations: std::sync::Arc<BTreeMap<String, String>>,
}
