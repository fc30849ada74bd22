//! Exact arithmetic for the model: non-negative fractions, greatest common divisors, the
//! mantissa and scale of a decimal, and comparisons of exact values that floating point could
//! not tell apart.

use crate::model::Decimal;

/// A non-negative exact fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frac {
    pub num: u64,
    pub den: u64,
}

impl Frac {
    pub const ZERO: Frac = Frac { num: 0, den: 1 };
    pub const ONE: Frac = Frac { num: 1, den: 1 };

    pub fn new(num: u64, den: u64) -> Frac {
        let g = gcd(num, den).max(1);
        Frac {
            num: num / g,
            den: den / g,
        }
    }

    /// The fraction of a decimal in [0, 1].
    pub fn from_decimal(d: Decimal) -> Option<Frac> {
        let (m, s) = decimal_parts(d)?;
        let m = u64::try_from(m).ok()?;
        let den = 10u64.checked_pow(s)?;
        (m <= den).then(|| Frac::new(m, den))
    }
}

pub fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

pub fn lcm(a: u64, b: u64) -> Option<u64> {
    if a == 0 || b == 0 {
        return Some(a.max(b));
    }
    (a / gcd(a, b)).checked_mul(b)
}

pub(super) fn gcd_i(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd_i(b, a % b) }
}

/// `(mantissa, scale)` of a decimal: `0.0144` → `(144, 4)`.
pub fn decimal_parts(d: Decimal) -> Option<(i128, u32)> {
    let s = d.to_string();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.as_str()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let m: i128 = format!("{int}{frac}").parse().ok()?;
    Some((if neg { -m } else { m }, u32::try_from(frac.len()).ok()?))
}

/// `a` compared with `b`, both exact; `None` when they are within a relative 1e-11 of each
/// other, closer than the floating-point sums of up to 10,000 recorded rates may tell apart.
pub(super) fn compare(a: i128, b: i128) -> Option<std::cmp::Ordering> {
    let d = (a - b).abs();
    let scale = a.abs().max(b.abs());
    if d == 0 || d.checked_mul(100_000_000_000).is_some_and(|x| x <= scale) {
        return None;
    }
    Some(a.cmp(&b))
}
