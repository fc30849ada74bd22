//! Synthetic input series for an SLI: which series to write, with which labels, so that the
//! SLO's own queries read exactly the error and total events a scenario intends.
//!
//! Label values are derived from the queries' matchers (equality values, examples of regular
//! expressions) and checked against every matcher, so a "good" series is never selected by the
//! error query. Queries of other shapes than a selector under `sum`/`min`/`max`/`avg` (and the
//! first operand of `or`) are not synthesised: the SLO then gets the zero-traffic test only.

use std::collections::BTreeMap;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, VectorSelector};

use super::sim::Reading;
use crate::model::{Counter, Sli};
use crate::syntax::promql;

/// What one synthetic series carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// A counter increasing by the bad events.
    Errors,
    /// A counter increasing by the good events.
    Good,
    /// A counter increasing by all events.
    Total,
    /// A 0/1 gauge: 0 on bad samples.
    Probe,
    /// A gauge whose value is `time_factor × t + offset` (t in seconds) with the good or the bad
    /// offset.
    Gauge {
        time_factor: i64,
        good: i64,
        bad: i64,
    },
}

#[derive(Clone, Debug)]
pub struct SeriesSpec {
    /// `metric{label="value",…}` as promtool reads it.
    pub text: String,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct Synthetic {
    pub reading: Reading,
    pub series: Vec<SeriesSpec>,
}

/// A selector reduced to its metric name and label matchers.
#[derive(Clone, Debug)]
struct Sel {
    name: String,
    matchers: Vec<Matcher>,
}

impl Sel {
    fn of(vs: &VectorSelector) -> Option<Sel> {
        if !vs.matchers.or_matchers.is_empty() || vs.offset.is_some() || vs.at.is_some() {
            return None;
        }
        let mut name = vs.name.clone();
        let mut matchers = Vec::new();
        for m in &vs.matchers.matchers {
            if m.name == "__name__" {
                match &m.op {
                    MatchOp::Equal => name = Some(m.value.clone()),
                    _ => return None,
                }
            } else {
                matchers.push(m.clone());
            }
        }
        Some(Sel {
            name: name?,
            matchers,
        })
    }

    fn matches(&self, name: &str, labels: &BTreeMap<String, String>) -> bool {
        self.name == name
            && self
                .matchers
                .iter()
                .all(|m| m.is_match(labels.get(&m.name).map_or("", String::as_str)))
    }
}

/// The selector an expression reads one series' value through, and the selectors of `or`
/// alternatives that must stay empty.
fn plain_shape(e: &Expr) -> Option<(Sel, Vec<Sel>)> {
    match e {
        Expr::VectorSelector(vs) => Some((Sel::of(vs)?, Vec::new())),
        Expr::Paren(p) => plain_shape(&p.expr),
        Expr::Aggregate(a)
            if a.param.is_none()
                && matches!(a.op.to_string().as_str(), "sum" | "min" | "max" | "avg") =>
        {
            plain_shape(&a.expr)
        }
        Expr::Binary(b) if b.op.to_string() == "or" => {
            let (sel, mut avoid) = plain_shape(&b.lhs)?;
            avoid.extend(all_selectors(&b.rhs)?);
            Some((sel, avoid))
        }
        _ => None,
    }
}

/// Function applied to a windowed selector.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RangeFn {
    Rate,
    Increase,
}

/// `sum(rate(sel[$window]))` and the like.
fn windowed_shape(e: &Expr) -> Option<(Sel, Vec<Sel>, RangeFn)> {
    match e {
        Expr::Paren(p) => windowed_shape(&p.expr),
        Expr::Aggregate(a)
            if a.param.is_none()
                && matches!(a.op.to_string().as_str(), "sum" | "min" | "max" | "avg") =>
        {
            windowed_shape(&a.expr)
        }
        Expr::Call(c) => {
            let f = match c.func.name {
                "rate" => RangeFn::Rate,
                "increase" => RangeFn::Increase,
                _ => return None,
            };
            match c.args.args.first().map(|a| a.as_ref()) {
                Some(Expr::MatrixSelector(ms)) if c.args.args.len() == 1 => {
                    Some((Sel::of(&ms.vs)?, Vec::new(), f))
                }
                _ => None,
            }
        }
        Expr::Binary(b) if b.op.to_string() == "or" => {
            let (sel, mut avoid, f) = windowed_shape(&b.lhs)?;
            avoid.extend(all_selectors(&b.rhs)?);
            Some((sel, avoid, f))
        }
        _ => None,
    }
}

fn all_selectors(e: &Expr) -> Option<Vec<Sel>> {
    struct Collect(Vec<Option<Sel>>);
    impl promql_parser::util::ExprVisitor for Collect {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::VectorSelector(vs) => self.0.push(Sel::of(vs)),
                Expr::MatrixSelector(ms) => {
                    self.0.push(Sel::of(&ms.vs));
                    return Ok(false);
                }
                _ => {}
            }
            Ok(true)
        }
    }
    let mut c = Collect(Vec::new());
    let _ = promql_parser::util::walk_expr(&mut c, e);
    c.0.into_iter().collect()
}

/// Example strings a (fully anchored) regular expression matches: one per top-level
/// alternative. Candidates only; callers check them against the matcher.
pub fn regex_examples(re: &str) -> Vec<String> {
    let branches = split_top(re, '|');
    let mut out = Vec::new();
    for b in branches {
        let inner = strip_group(b);
        if let Some(inner) = inner {
            out.extend(regex_examples(inner));
        } else {
            out.push(example(b));
        }
    }
    out
}

fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut class, mut esc, mut start) = (0i32, false, false, 0usize);
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' => esc = true,
            '[' if !class => class = true,
            ']' if class => class = false,
            '(' if !class => depth += 1,
            ')' if !class => depth -= 1,
            c if c == sep && depth == 0 && !class => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The inside of `(…)` / `(?:…)` when the whole string is one group.
fn strip_group(s: &str) -> Option<&str> {
    let s = s.trim_start_matches('^').trim_end_matches('$');
    if !s.starts_with('(') || !s.ends_with(')') {
        return None;
    }
    let mut depth = 0;
    let mut esc = false;
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' => esc = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i != s.len() - 1 {
                    return None;
                }
            }
            _ => {}
        }
    }
    let inner = &s[1..s.len() - 1];
    Some(inner.strip_prefix("?:").unwrap_or(inner))
}

/// One string matched by a regex without top-level alternation (best effort).
fn example(re: &str) -> String {
    let chars: Vec<char> = re.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let (piece, next) = match chars[i] {
            '^' | '$' => (String::new(), i + 1),
            '\\' if i + 1 < chars.len() => {
                let c = chars[i + 1];
                let s = match c {
                    'd' => "0".to_string(),
                    'w' => "a".to_string(),
                    's' => " ".to_string(),
                    c => c.to_string(),
                };
                (s, i + 2)
            }
            '.' => ("0".to_string(), i + 1),
            '[' => {
                let mut j = i + 1;
                let negated = chars.get(j) == Some(&'^');
                if negated {
                    j += 1;
                }
                let first = chars.get(j).copied().unwrap_or('a');
                while j < chars.len() && (chars[j] != ']' || j == i + 1 + usize::from(negated)) {
                    j += 1;
                }
                let set: String = chars[i + 1..j.min(chars.len())].iter().collect();
                let pick = if negated {
                    ['a', 'z', '0', '_', 'x']
                        .into_iter()
                        .find(|c| !set.contains(*c))
                        .unwrap_or('~')
                } else {
                    first
                };
                (pick.to_string(), j + 1)
            }
            '(' => {
                let mut depth = 0;
                let mut j = i;
                while j < chars.len() {
                    match chars[j] {
                        '\\' => j += 1,
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let inner: String = chars[i + 1..j.min(chars.len())].iter().collect();
                let inner = inner
                    .strip_prefix("?:")
                    .map(str::to_string)
                    .unwrap_or(inner);
                (
                    regex_examples(&inner)
                        .into_iter()
                        .next()
                        .unwrap_or_default(),
                    j + 1,
                )
            }
            c => (c.to_string(), i + 1),
        };
        // Quantifier after the piece.
        let (times, after) = match chars.get(next) {
            Some('*') | Some('?') => (0, next + 1),
            Some('+') => (1, next + 1),
            Some('{') => {
                let close = chars[next..]
                    .iter()
                    .position(|c| *c == '}')
                    .map_or(next, |p| next + p);
                let body: String = chars[next + 1..close].iter().collect();
                let n = body
                    .split(',')
                    .next()
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .unwrap_or(1);
                (n, close + 1)
            }
            _ => (1, next),
        };
        let after = if chars.get(after) == Some(&'?') && after != next {
            after + 1
        } else {
            after
        };
        for _ in 0..times {
            out.push_str(&piece);
        }
        i = after;
    }
    out
}

const FALLBACK_VALUES: &[&str] = &["", "500", "200", "0", "1", "ok", "x", "synthetic"];

/// Values for `label` satisfying every matcher in `must` on it, in order of preference.
fn values_for(label: &str, must: &[&Sel]) -> Vec<String> {
    let ms: Vec<&Matcher> = must
        .iter()
        .flat_map(|s| s.matchers.iter())
        .filter(|m| m.name == label)
        .collect();
    let mut cands: Vec<String> = Vec::new();
    for m in &ms {
        match &m.op {
            MatchOp::Equal => cands.push(m.value.clone()),
            MatchOp::Re(_) => cands.extend(regex_examples(&m.value)),
            MatchOp::NotEqual | MatchOp::NotRe(_) => {}
        }
    }
    cands.extend(FALLBACK_VALUES.iter().map(|s| s.to_string()));
    let mut seen = Vec::new();
    for c in cands {
        if !seen.contains(&c) && ms.iter().all(|m| m.is_match(&c)) {
            seen.push(c);
        }
    }
    seen
}

/// A series selected by every selector in `must` and by none in `avoid`.
fn series_for(must: &[&Sel], avoid: &[&Sel]) -> Option<(String, BTreeMap<String, String>)> {
    let name = must.first()?.name.clone();
    if must.iter().any(|s| s.name != name) {
        return None;
    }
    let mut labels = BTreeMap::new();
    let names: Vec<String> = {
        let mut v: Vec<String> = must
            .iter()
            .flat_map(|s| s.matchers.iter().map(|m| m.name.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for l in &names {
        let v = values_for(l, must).into_iter().next()?;
        if !v.is_empty() {
            labels.insert(l.clone(), v);
        }
    }
    for x in avoid {
        if !x.matches(&name, &labels) {
            continue;
        }
        // Break one of its matchers with a value every `must` selector still accepts.
        let mut fixed = false;
        for m in &x.matchers {
            for v in values_for(&m.name, must) {
                if !m.is_match(&v) {
                    let mut l2 = labels.clone();
                    if v.is_empty() {
                        l2.remove(&m.name);
                    } else {
                        l2.insert(m.name.clone(), v);
                    }
                    if must.iter().all(|s| s.matches(&name, &l2)) {
                        labels = l2;
                        fixed = true;
                        break;
                    }
                }
            }
            if fixed {
                break;
            }
        }
        if !fixed {
            return None;
        }
    }
    let ok = must.iter().all(|s| s.matches(&name, &labels))
        && avoid.iter().all(|s| !s.matches(&name, &labels));
    ok.then_some((name, labels))
}

fn series_text(name: &str, labels: &BTreeMap<String, String>) -> String {
    promql::selector(name, labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Two counters: `a` selected by both `inner` and `outer`, `b` by `outer` only (the subset
/// layout of `errors ⊂ total`), or, when the selectors are disjoint, `a` by `inner` only and `b`
/// by `outer` only.
fn pair(
    inner: &Sel,
    outer: &Sel,
    avoid: &[Sel],
    roles: [(Role, Role); 2],
) -> Option<Vec<SeriesSpec>> {
    let avoid: Vec<&Sel> = avoid.iter().collect();
    let mut not_inner = avoid.clone();
    not_inner.push(inner);
    if let (Some(a), Some(b)) = (
        series_for(&[inner, outer], &avoid),
        series_for(&[outer], &not_inner),
    ) {
        let [(ra, rb), _] = roles.clone();
        return Some(vec![
            SeriesSpec {
                text: series_text(&a.0, &a.1),
                role: ra,
            },
            SeriesSpec {
                text: series_text(&b.0, &b.1),
                role: rb,
            },
        ]);
    }
    let mut not_outer = avoid.clone();
    not_outer.push(outer);
    let a = series_for(&[inner], &not_outer)?;
    let b = series_for(&[outer], &not_inner)?;
    let [_, (ra, rb)] = roles;
    Some(vec![
        SeriesSpec {
            text: series_text(&a.0, &a.1),
            role: ra,
        },
        SeriesSpec {
            text: series_text(&b.0, &b.1),
            role: rb,
        },
    ])
}

/// Synthetic series for an SLI, or why there are none.
pub fn synthesize(sli: &Sli) -> Result<Synthetic, String> {
    let unsupported = |what: &str| {
        format!(
            "its {what} is not a selector under sum/min/max/avg, so sloforge cannot synthesise series for it"
        )
    };
    match sli {
        Sli::Ratio { errors, total } => {
            let (n, mut avoid) = plain_shape(total).ok_or_else(|| unsupported("total query"))?;
            let series = match errors {
                Counter::Errors(e) => {
                    let (e, a2) = plain_shape(e).ok_or_else(|| unsupported("error query"))?;
                    avoid.extend(a2);
                    pair(
                        &e,
                        &n,
                        &avoid,
                        [(Role::Errors, Role::Good), (Role::Errors, Role::Total)],
                    )
                }
                Counter::Good(g) => {
                    let (g, a2) = plain_shape(g).ok_or_else(|| unsupported("good query"))?;
                    avoid.extend(a2);
                    pair(
                        &g,
                        &n,
                        &avoid,
                        [(Role::Good, Role::Errors), (Role::Good, Role::Total)],
                    )
                }
            }
            .ok_or_else(|| "no label values satisfy its selectors' matchers".to_string())?;
            Ok(Synthetic {
                reading: Reading::Counters {
                    per_second: true,
                    ratio: false,
                },
                series,
            })
        }
        Sli::Latency {
            metric,
            matchers,
            le,
        } => {
            let count = promql::parse(&format!(
                "{metric}_count{}",
                if matchers.is_empty() { "" } else { matchers }
            ))
            .map_err(|e| format!("its selector does not parse: {e}"))?;
            let Expr::VectorSelector(vs) = count else {
                return Err(unsupported("selector"));
            };
            let sel = Sel::of(&vs).ok_or_else(|| unsupported("selector"))?;
            let (name, labels) = series_for(&[&sel], &[])
                .ok_or_else(|| "no label values satisfy its matchers".to_string())?;
            let mut bucket = labels.clone();
            bucket.insert("le".into(), le.clone());
            let bucket_name = format!("{}_bucket", name.trim_end_matches("_count"));
            Ok(Synthetic {
                reading: Reading::Counters {
                    per_second: true,
                    ratio: false,
                },
                series: vec![
                    SeriesSpec {
                        text: series_text(&bucket_name, &bucket),
                        role: Role::Good,
                    },
                    SeriesSpec {
                        text: series_text(&name, &labels),
                        role: Role::Total,
                    },
                ],
            })
        }
        Sli::Probe { selector } => {
            let (sel, avoid) =
                plain_shape(selector).ok_or_else(|| unsupported("probe selector"))?;
            let avoid: Vec<&Sel> = avoid.iter().collect();
            let (name, labels) = series_for(&[&sel], &avoid)
                .ok_or_else(|| "no label values satisfy its matchers".to_string())?;
            Ok(Synthetic {
                reading: Reading::Probe,
                series: vec![SeriesSpec {
                    text: series_text(&name, &labels),
                    role: Role::Probe,
                }],
            })
        }
        Sli::WindowedEvents { errors, total } => {
            let (e, mut avoid, fe) =
                windowed_shape(errors).ok_or_else(|| unsupported("error query"))?;
            let (n, a2, fn_) = windowed_shape(total).ok_or_else(|| unsupported("total query"))?;
            avoid.extend(a2);
            let series = pair(
                &e,
                &n,
                &avoid,
                [(Role::Errors, Role::Good), (Role::Errors, Role::Total)],
            )
            .ok_or_else(|| "no label values satisfy its selectors' matchers".to_string())?;
            if fe != fn_ {
                return Err("its error and total queries use different functions".into());
            }
            Ok(Synthetic {
                reading: Reading::Counters {
                    per_second: fe == RangeFn::Rate,
                    ratio: false,
                },
                series,
            })
        }
        Sli::RawRatio { ratio } => raw(ratio),
    }
}

fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        e => e,
    }
}

/// Raw error-ratio queries of two shapes: `errors / total` over windowed counters (Sloth's raw
/// SLIs), and `avg_over_time((gauge-comparison)[$window:step])` (the share of bad readings).
fn raw(ratio: &Expr) -> Result<Synthetic, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Expr {
        promql::parse(s).unwrap()
    }

    #[test]
    fn regex_examples_match() {
        assert_eq!(regex_examples("5.."), ["500"]);
        assert_eq!(regex_examples("(5..|429)"), ["500", "429"]);
        assert_eq!(
            regex_examples("approved|declined_server"),
            ["approved", "declined_server"]
        );
        assert_eq!(regex_examples("/debug.*"), ["/debug"]);
        assert_eq!(regex_examples("[0-9]+x{2}"), ["0xx"]);
    }

    #[test]
    fn subset_and_disjoint_layouts() {
        let sli = Sli::Ratio {
            errors: Counter::Errors(parse(r#"http_requests_total{job="api",code=~"5.."}"#)),
            total: parse(r#"http_requests_total{job="api"}"#),
        };
        let s = synthesize(&sli).unwrap();
        let texts: Vec<&str> = s.series.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                r#"http_requests_total{code="500",job="api"}"#,
                r#"http_requests_total{job="api"}"#
            ]
        );
        assert_eq!(s.series[1].role, Role::Good);
        let sli = Sli::Ratio {
            errors: Counter::Good(parse(r#"p_total{outcome="approved"}"#)),
            total: parse(
                r#"sum without (instance) (p_total{outcome=~"approved|declined_server"})"#,
            ),
        };
        let s = synthesize(&sli).unwrap();
        let texts: Vec<&str> = s.series.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                r#"p_total{outcome="approved"}"#,
                r#"p_total{outcome="declined_server"}"#
            ]
        );
        let sli = Sli::Ratio {
            errors: Counter::Errors(parse("e_total")),
            total: parse("t_total"),
        };
        let s = synthesize(&sli).unwrap();
        assert_eq!(s.series[1].role, Role::Total);
        let sli = Sli::Ratio {
            errors: Counter::Errors(parse("a_total")),
            total: parse("a_total + b_total"),
        };
        assert!(synthesize(&sli).is_err());
    }

    #[test]
    fn gauge_freshness() {
        let e = promql::parse_windowed(
            "avg_over_time((time() - ts{job=\"r\"} > bool 3600)[$window:1m])",
        )
        .unwrap();
        let s = synthesize(&Sli::RawRatio { ratio: e }).unwrap();
        assert_eq!(s.reading, Reading::Points { point_ms: 60_000 });
        assert_eq!(
            s.series[0].role,
            Role::Gauge {
                time_factor: 1,
                good: 0,
                bad: -3601
            }
        );
    }
}
