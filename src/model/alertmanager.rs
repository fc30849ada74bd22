//! Alertmanager releases: the ones whose configuration format sloforge knows, and what a part
//! of the routing spec needs of the release that loads the configuration written from it.

use std::fmt;

use crate::diag::Loc;

/// An Alertmanager release whose configuration format sloforge checks against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AmVersion {
    V0_25,
    V0_28,
    V0_33,
}

impl AmVersion {
    /// Every release known, oldest first.
    pub const ALL: [AmVersion; 3] = [AmVersion::V0_25, AmVersion::V0_28, AmVersion::V0_33];
    /// The release checked against unless another is asked for.
    pub const NEWEST: AmVersion = AmVersion::V0_33;
    /// The release `alertmanager.yml` is written for unless the routing spec names another
    /// (Debian bookworm's).
    pub const OLDEST: AmVersion = AmVersion::V0_25;

    /// `0.25`, `0.28.1`, `v0.33.1`: the release by its minor version.
    pub fn parse(s: &str) -> Option<AmVersion> {
        let s = s.trim().trim_start_matches('v');
        let mut parts = s.split('.');
        let (major, minor) = (parts.next()?, parts.next()?);
        if major != "0" || parts.any(|p| p.parse::<u32>().is_err()) {
            return None;
        }
        AmVersion::ALL.into_iter().find(|v| v.minor() == minor)
    }

    /// The newest release known at or before `0.<minor>`: the configuration format a release
    /// between two known ones reads (0.30 loads what 0.28 loads).
    pub fn at_or_before(minor: u32) -> Option<AmVersion> {
        AmVersion::ALL
            .into_iter()
            .rev()
            .find(|r| r.minor().parse::<u32>().is_ok_and(|k| k <= minor))
    }

    fn minor(self) -> &'static str {
        match self {
            AmVersion::V0_25 => "25",
            AmVersion::V0_28 => "28",
            AmVersion::V0_33 => "33",
        }
    }
}

impl fmt::Display for AmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0.{}", self.minor())
    }
}

/// A part of the routing spec that only a later release than 0.25 loads (or, for a release
/// that loads it, handles as documented).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The oldest release that takes it.
    pub version: AmVersion,
    /// Where it is in the routing spec, and its field path.
    pub loc: Loc,
    pub path: String,
    /// What is written for it into `alertmanager.yml` (`msteamsv2_configs`).
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::AmVersion;

    #[test]
    fn a_release_between_two_known_ones_reads_as_the_older() {
        assert_eq!(AmVersion::at_or_before(24), None);
        assert_eq!(AmVersion::at_or_before(25), Some(AmVersion::V0_25));
        assert_eq!(AmVersion::at_or_before(27), Some(AmVersion::V0_25));
        assert_eq!(AmVersion::at_or_before(28), Some(AmVersion::V0_28));
        assert_eq!(AmVersion::at_or_before(32), Some(AmVersion::V0_28));
        assert_eq!(AmVersion::at_or_before(40), Some(AmVersion::V0_33));
    }
}
