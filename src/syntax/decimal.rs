//! Exact decimal numbers for objectives, budgets, factors and thresholds, so that every number
//! sloforge prints is the one a person would write (`0.0144`, never `0.014399999999998414`).

use std::cmp::Ordering;
use std::fmt;

/// `mantissa × 10^-scale`, kept normalised (no trailing zeros in the mantissa).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Largest scale kept; deeper results of a division are refused rather than rounded.
const MAX_SCALE: u32 = 30;

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };
    pub const ONE: Decimal = Decimal {
        mantissa: 1,
        scale: 0,
    };

    pub fn new(mantissa: i128, scale: u32) -> Decimal {
        Decimal { mantissa, scale }.normalised()
    }

    pub fn from_int(v: i64) -> Decimal {
        Decimal::new(i128::from(v), 0)
    }

    fn normalised(mut self) -> Decimal {
        if self.mantissa == 0 {
            return Decimal::ZERO;
        }
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// Parses a plain decimal (`99.9`, `-0.5`, `1e-3`, `14`).
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (num, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
            None => (s, 0),
        };
        let (neg, digits) = match num.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, num.strip_prefix('+').unwrap_or(num)),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((a, b)) => (a, b),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .chars()
            .chain(frac_part.chars())
            .all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let mut mantissa: i128 = 0;
        for c in int_part.chars().chain(frac_part.chars()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(c as u8 - b'0'))?;
        }
        let mut scale = i64::try_from(frac_part.len()).ok()? - i64::from(exp);
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        let scale = u32::try_from(scale).ok()?;
        if scale > 60 {
            return None;
        }
        let mut d = Decimal {
            mantissa: if neg { -mantissa } else { mantissa },
            scale,
        };
        while d.scale > MAX_SCALE {
            if d.mantissa % 10 != 0 {
                return None;
            }
            d.mantissa /= 10;
            d.scale -= 1;
        }
        Some(d.normalised())
    }

    /// The shortest decimal that reads back as `v` (what a person typed into YAML).
    pub fn from_f64(v: f64) -> Option<Decimal> {
        if !v.is_finite() {
            return None;
        }
        Decimal::parse(&format!("{v}"))
    }

    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, u32)> {
        let scale = a.scale.max(b.scale);
        let am = a
            .mantissa
            .checked_mul(10i128.checked_pow(scale - a.scale)?)?;
        let bm = b
            .mantissa
            .checked_mul(10i128.checked_pow(scale - b.scale)?)?;
        Some((am, bm, scale))
    }

    pub fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = Decimal::align(self, o)?;
        Some(Decimal::new(a.checked_add(b)?, s))
    }

    pub fn checked_sub(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = Decimal::align(self, o)?;
        Some(Decimal::new(a.checked_sub(b)?, s))
    }

    pub fn checked_mul(self, o: Decimal) -> Option<Decimal> {
        let m = self.mantissa.checked_mul(o.mantissa)?;
        let mut d = Decimal {
            mantissa: m,
            scale: self.scale + o.scale,
        }
        .normalised();
        if d.scale > MAX_SCALE {
            d = Decimal::parse(&d.to_string())?;
        }
        Some(d)
    }

    /// Exact division; `None` when the quotient has no finite decimal form within 30 places
    /// (`1/3`) or on division by zero.
    pub fn checked_div(self, o: Decimal) -> Option<Decimal> {
        if o.mantissa == 0 {
            return None;
        }
        let (mut a, b, _) = Decimal::align(self, o)?;
        let mut scale = 0u32;
        loop {
            if a % b == 0 {
                return Some(Decimal::new(a / b, scale));
            }
            if scale >= MAX_SCALE {
                return None;
            }
            a = a.checked_mul(10)?;
            scale += 1;
        }
    }

    /// Division rounded to `places` decimals (for display-only figures such as minutes).
    pub fn div_rounded(self, o: Decimal, places: u32) -> Option<Decimal> {
        if o.mantissa == 0 {
            return None;
        }
        let (a, b, _) = Decimal::align(self, o)?;
        let a = a.checked_mul(10i128.checked_pow(places + 1)?)?;
        let q = a / b;
        let rounded = if q >= 0 { (q + 5) / 10 } else { (q - 5) / 10 };
        Some(Decimal::new(rounded, places))
    }

    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match Decimal::align(*self, *other) {
            Some((a, b, _)) => a.cmp(&b),
            None => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The decimal digits of `n`, written into the end of `buf` (printing without allocating).
pub fn decimal_digits(n: u128, buf: &mut [u8; 40]) -> &str {
    let mut start = buf.len();
    // 128-bit division is a library call per digit: only digits of a number above 64 bits
    // take it (every duration and most decimals never do).
    let mut wide = n;
    while wide > u128::from(u64::MAX) {
        start -= 1;
        buf[start] = b'0' + (wide % 10) as u8;
        wide /= 10;
    }
    let mut n = u64::try_from(wide).unwrap_or(u64::MAX);
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or_default()
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 40];
        let digits = decimal_digits(self.mantissa.unsigned_abs(), &mut buf);
        let len = digits.len();
        let scale = self.scale as usize;
        if self.mantissa < 0 {
            f.write_str("-")?;
        }
        if scale == 0 {
            f.write_str(digits)
        } else if len > scale {
            let (i, fr) = digits.split_at(len - scale);
            f.write_str(i)?;
            f.write_str(".")?;
            f.write_str(fr)
        } else {
            f.write_str("0.")?;
            for _ in len..scale {
                f.write_str("0")?;
            }
            f.write_str(digits)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn exact_arithmetic() {
        let budget = d("100")
            .checked_sub(d("99.9"))
            .unwrap()
            .checked_div(d("100"))
            .unwrap();
        assert_eq!(budget.to_string(), "0.001");
        assert_eq!(d("14.4").checked_mul(budget).unwrap().to_string(), "0.0144");
        assert_eq!(d("0.02").checked_mul(d("720")).unwrap().to_string(), "14.4");
        assert_eq!(d("1").checked_div(d("3")), None);
        assert_eq!(d("1e-3").to_string(), "0.001");
        assert_eq!(Decimal::from_f64(99.95).unwrap().to_string(), "99.95");
        assert_eq!(d("2").div_rounded(d("3"), 2).unwrap().to_string(), "0.67");
        assert!(d("0.5") < d("0.75"));
        assert_eq!(Decimal::parse("1e400"), None);
        assert_eq!(Decimal::parse("abc"), None);
        assert_eq!(Decimal::parse("."), None);
        for (text, shown) in [
            ("0", "0"),
            ("-0.05", "-0.05"),
            ("120", "120"),
            ("-3", "-3"),
            ("0.000123", "0.000123"),
            ("12.5", "12.5"),
        ] {
            assert_eq!(d(text).to_string(), shown);
        }
        assert_eq!(
            Decimal {
                mantissa: i128::MIN,
                scale: 0
            }
            .to_string(),
            i128::MIN.to_string()
        );
    }

    #[test]
    fn digits_on_both_sides_of_64_bits() {
        let wide = u128::from(u64::MAX);
        for n in [
            0,
            7,
            10,
            1_000_000_007,
            wide - 1,
            wide,
            wide + 1,
            wide * 10 + 9,
            u128::MAX,
        ] {
            let mut buf = [0u8; 40];
            assert_eq!(super::decimal_digits(n, &mut buf), n.to_string());
        }
    }
}
