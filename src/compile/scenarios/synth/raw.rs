//! Raw error-ratio queries: `errors / total` of windowed counters, and the share of bad
//! readings of a gauge compared with a number under `avg_over_time` of a subquery.

use promql_parser::parser::Expr;

use super::labels::{pair, series_for, series_text};
use super::shape::{RangeFn, Sel, unparen, windowed_shape};
use super::{Role, SeriesSpec, Synthetic};
use crate::compile::scenarios::sim::Reading;

/// Raw error-ratio queries of two shapes: `errors / total` over windowed counters (Sloth's raw
/// SLIs), and `avg_over_time((gauge-comparison)[$window:step])` (the share of bad readings).
pub(super) fn raw(ratio: &Expr) -> Result<Synthetic, String> {
    let e = unparen(ratio);
    if let Expr::Binary(b) = e
        && b.op.to_string() == "/"
    {
        let (err, mut avoid, fe) =
            windowed_shape(&b.lhs).ok_or("its numerator is not a windowed counter query")?;
        let (tot, a2, ft) =
            windowed_shape(&b.rhs).ok_or("its denominator is not a windowed counter query")?;
        if fe != ft {
            return Err("its numerator and denominator use different functions".into());
        }
        avoid.extend(a2);
        let series = pair(
            &err,
            &tot,
            &avoid,
            [(Role::Errors, Role::Good), (Role::Errors, Role::Total)],
        )
        .ok_or("no label values satisfy its selectors' matchers")?;
        return Ok(Synthetic {
            reading: Reading::Counters {
                per_second: fe == RangeFn::Rate,
                ratio: true,
            },
            series,
        });
    }
    if let Expr::Call(c) = e
        && c.func.name == "avg_over_time"
        && let Some(Expr::Subquery(sq)) = c.args.args.first().map(|a| a.as_ref())
    {
        let step = sq.step.ok_or("its subquery has no step")?;
        let point_ms = u64::try_from(step.as_millis()).map_err(|_| "subquery step too large")?;
        if sq.offset.is_some() || sq.at.is_some() || point_ms == 0 || point_ms % 1000 != 0 {
            return Err("its subquery has an offset or a fractional step".into());
        }
        let (sel, role) = gauge_comparison(unparen(&sq.expr))
            .ok_or("its subquery is not a `bool` comparison of a gauge with a number")?;
        let (name, labels) =
            series_for(&[&sel], &[]).ok_or("no label values satisfy its matchers")?;
        return Ok(Synthetic {
            reading: Reading::Points { point_ms },
            series: vec![SeriesSpec {
                text: series_text(&name, &labels),
                role,
            }],
        });
    }
    Err("its error ratio query has neither the shape `errors / total` of windowed counters nor `avg_over_time((gauge > bool N)[$window:step])`".into())
}

/// `sel OP bool N` or `time() - sel OP bool N`: the gauge values that read as good and as bad.
fn gauge_comparison(e: &Expr) -> Option<(Sel, Role)> {
    let Expr::Binary(b) = e else { return None };
    if !b.modifier.as_ref().is_some_and(|m| m.return_bool) {
        return None;
    }
    let op = b.op.to_string();
    let Expr::NumberLiteral(n) = unparen(&b.rhs) else {
        return None;
    };
    if !n.val.is_finite() || n.val.fract() != 0.0 || n.val.abs() > 1e12 {
        return None;
    }
    let c = n.val as i64;
    let (sel, time_based) = match unparen(&b.lhs) {
        Expr::VectorSelector(vs) => (Sel::of(vs)?, false),
        Expr::Binary(d) if d.op.to_string() == "-" => match (unparen(&d.lhs), unparen(&d.rhs)) {
            (Expr::Call(t), Expr::VectorSelector(vs)) if t.func.name == "time" => {
                (Sel::of(vs)?, true)
            }
            _ => return None,
        },
        _ => return None,
    };
    let holds = |x: i64| match op.as_str() {
        ">" => x > c,
        ">=" => x >= c,
        "<" => x < c,
        "<=" => x <= c,
        "==" => x == c,
        "!=" => x != c,
        _ => false,
    };
    // The compared quantity: the gauge's age (time() - value) or its value.
    let candidates = [
        0,
        c - 1,
        c + 1,
        2 * c + 1,
        c.saturating_mul(2).saturating_add(3600),
        -1,
        1,
    ];
    let good = candidates
        .iter()
        .copied()
        .find(|x| !holds(*x) && (!time_based || *x >= 0))?;
    let bad = candidates
        .iter()
        .copied()
        .find(|x| holds(*x) && (!time_based || *x >= 0))?;
    // For an age the gauge holds `t - age`.
    let role = if time_based {
        Role::Gauge {
            time_factor: 1,
            good: -good,
            bad: -bad,
        }
    } else {
        Role::Gauge {
            time_factor: 0,
            good,
            bad,
        }
    };
    Some((sel, role))
}
