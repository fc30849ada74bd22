//! Durations in Prometheus' integer-with-unit form (`30d`, `1h30m`; never `1.5h`).

use std::fmt;

/// A non-negative duration in whole milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

const UNITS: &[(&str, u64)] = &[
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    Empty,
    Syntax(String),
    Overflow,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => f.write_str("empty duration"),
            DurationError::Syntax(s) => write!(
                f,
                "`{s}` is not a duration: use whole numbers with units y, w, d, h, m, s, ms (e.g. `30d`, `1h30m`)"
            ),
            DurationError::Overflow => f.write_str("duration is too large"),
        }
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms)
    }

    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * 1000)
    }

    pub const fn from_mins(m: u64) -> Duration {
        Duration(m * 60_000)
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub fn parse(s: &str) -> Result<Duration, DurationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DurationError::Empty);
        }
        let bad = || DurationError::Syntax(s.to_string());
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut total: u64 = 0;
        let mut last_unit = usize::MAX;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return Err(bad());
            }
            let n: u64 = s[start..i].parse().map_err(|_| DurationError::Overflow)?;
            let ustart = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit = &s[ustart..i];
            let idx = UNITS.iter().position(|(u, _)| *u == unit).ok_or_else(bad)?;
            if last_unit != usize::MAX && idx <= last_unit {
                return Err(bad());
            }
            last_unit = idx;
            let ms = n.checked_mul(UNITS[idx].1).ok_or(DurationError::Overflow)?;
            total = total.checked_add(ms).ok_or(DurationError::Overflow)?;
        }
        Ok(Duration(total))
    }

    pub fn is_whole_minutes(self) -> bool {
        self.0.is_multiple_of(60_000)
    }

    pub fn minutes(self) -> u64 {
        self.0 / 60_000
    }

    pub fn checked_mul(self, k: u64) -> Option<Duration> {
        self.0.checked_mul(k).map(Duration)
    }

    pub fn div_floor(self, k: u64) -> Duration {
        Duration(self.0 / k.max(1))
    }

    /// Rounds to the nearest multiple of `step` (ties up), never below one `step`.
    pub fn round_to(self, step: Duration) -> Duration {
        if step.0 == 0 {
            return self;
        }
        let n = (self.0 + step.0 / 2) / step.0;
        Duration(n.max(1) * step.0)
    }
}

impl Duration {
    /// The text of [`fmt::Display`], in one exact allocation: durations are printed all over
    /// every rule, and `ToString` would grow its buffer through a `Formatter`. (Shadows
    /// `ToString::to_string`, with the same result.)
    #[allow(clippy::inherent_to_string_shadow_display)]
    pub fn to_string(&self) -> String {
        let mut buf = [0u8; 48];
        let len = self.encode(&mut buf);
        String::from_utf8_lossy(&buf[..len]).into_owned()
    }

    /// Days, hours, minutes, seconds and milliseconds, largest first (`30d`, `1h30m`, `0s`),
    /// written at the start of `buf` (at most 20 digits of days and four more pieces of at
    /// most three digits each); returns the length.
    fn encode(&self, buf: &mut [u8; 48]) -> usize {
        if self.0 == 0 {
            buf[..2].copy_from_slice(b"0s");
            return 2;
        }
        let mut len = 0;
        let mut rest = self.0;
        for (unit, ms) in UNITS.iter().skip(2) {
            if rest >= *ms {
                let n = rest / ms;
                rest -= n * ms;
                len += push_digits(n, &mut buf[len..]);
                buf[len..len + unit.len()].copy_from_slice(unit.as_bytes());
                len += unit.len();
            }
        }
        len
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 48];
        let len = self.encode(&mut buf);
        f.write_str(std::str::from_utf8(&buf[..len]).map_err(|_| fmt::Error)?)
    }
}

/// Writes the decimal digits of `n` at the start of `buf`; returns how many.
fn push_digits(mut n: u64, buf: &mut [u8]) -> usize {
    let mut digits = 1;
    let mut m = n;
    while m >= 10 {
        m /= 10;
        digits += 1;
    }
    for i in (0..digits).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::Duration;

    #[test]
    fn parse_and_print() {
        assert_eq!(
            Duration::from_millis(u64::MAX).to_string(),
            "213503982334d14h25m51s615ms"
        );
        for (s, out) in [
            ("30d", "30d"),
            ("90m", "1h30m"),
            ("1w", "7d"),
            ("1h30m", "1h30m"),
            ("500ms", "500ms"),
            ("0s", "0s"),
        ] {
            assert_eq!(Duration::parse(s).unwrap().to_string(), out);
        }
        for bad in [
            "",
            "1.5h",
            "h",
            "5",
            "1m1h",
            "-1m",
            "1 m",
            "99999999999999999999d",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Duration::parse("4m40s")
                .unwrap()
                .round_to(Duration::from_mins(1))
                .to_string(),
            "5m"
        );
    }
}
