//! The PromQL of the dashboards' panels: selectors of the series the rules record (and of
//! `ALERTS`), with literal or Grafana-variable matchers. Every name comes from [`names`].

use crate::names::{self, alert_label, label};
use crate::syntax::promql::push_string_literal;

/// One label matcher: `label="value"` (`Eq`), `label=~"regex"` (`Re`) or `label!="value"`
/// (`Ne`). A Grafana variable (`$slo`) goes in a regex matcher: Grafana writes a multi-value
/// or `All` selection of a Prometheus query variable as a regex.
#[derive(Clone, Copy)]
pub(super) enum M<'a> {
    Eq(&'a str, &'a str),
    Re(&'a str, &'a str),
    Ne(&'a str, &'a str),
}

/// `metric{matchers}`, values escaped.
pub(super) fn sel(metric: &str, matchers: &[M<'_>]) -> String {
    let mut out = String::with_capacity(metric.len() + 48);
    out.push_str(metric);
    out.push('{');
    for (i, m) in matchers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (name, op, value) = match *m {
            M::Eq(n, v) => (n, "=", v),
            M::Re(n, v) => (n, "=~", v),
            M::Ne(n, v) => (n, "!=", v),
        };
        out.push_str(name);
        out.push_str(op);
        push_string_literal(value, &mut out);
    }
    out.push('}');
    out
}

/// The SLI over `window` (1 − the recorded error ratio).
pub(super) fn sli(of: &[M<'_>], window: &str) -> String {
    let mut m = of.to_vec();
    m.push(M::Eq(label::WINDOW, window));
    format!("1 - {}", sel(names::ERROR_RATIO, &m))
}

/// The recorded burn rate over `window`.
pub(super) fn burn_rate(of: &[M<'_>], window: &str) -> String {
    let mut m = of.to_vec();
    m.push(M::Eq(label::WINDOW, window));
    sel(names::BURN_RATE, &m)
}

/// The alerts of `of` that are not budget-stage notifications (`severity` other than
/// `notify_severity`): pages, tickets and no-data alerts.
fn alerts(of: &[M<'_>], state: &str, notify_severity: &str) -> String {
    let mut m = of.to_vec();
    m.push(M::Eq(alert_label::ALERTSTATE, state));
    m.push(M::Ne(label::SEVERITY, notify_severity));
    sel(names::ALERTS, &m)
}

/// Alert state per `by` labels (`service, slo` or `slo`): 2 while one of their alerts fires,
/// 1 while one is pending, 0 otherwise. Every SLO of `of` has a value, from its recorded
/// objective, also when none of its alerts exists.
pub(super) fn alert_state(of: &[M<'_>], by: &str, notify_severity: &str) -> String {
    format!(
        "max by ({by}) (2 * {} or {} or 0 * {})",
        alerts(of, alert_label::FIRING, notify_severity),
        alerts(of, PENDING, notify_severity),
        sel(names::OBJECTIVE, of)
    )
}

/// How many alerts of `of` are in `state` (0 when none).
pub(super) fn alert_count(of: &[M<'_>], state: &str, notify_severity: &str) -> String {
    format!(
        "count({}) or on() vector(0)",
        alerts(of, state, notify_severity)
    )
}

/// The `alertstate` of an alert that waits for its `for`.
pub(super) const PENDING: &str = "pending";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse() {
        let of = [M::Eq("service", "a\"b"), M::Re("slo", "$slo")];
        for q in [
            sli(&of, "30d"),
            burn_rate(&of, "1h"),
            alert_state(&of, "slo", "notify"),
            alert_count(&of, "firing", "notify"),
        ] {
            crate::syntax::promql::parse(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
        assert_eq!(
            sel("m", &of),
            r#"m{service="a\"b",slo=~"$slo"}"#.to_string()
        );
    }
}
