//! Versions of deltas and baselines: `X.Y.Z`, compared numerically.
//!
//! pum 0.x compared versions as text when it picked the current version
//! (`1.9.0` > `1.10.0`); here every comparison is numeric.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A version `major.minor.patch`, ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major part.
    pub major: u64,
    /// Minor part.
    pub minor: u64,
    /// Patch part.
    pub patch: u64,
}

impl Version {
    /// Builds a version from its parts.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Parses `X.Y.Z` (ASCII digits only), naming `origin` in the error.
    pub fn parse(input: &str, origin: &str) -> Result<Version, Error> {
        input.parse().map_err(|()| Error::InvalidVersion {
            input: input.to_string(),
            origin: origin.to_string(),
        })
    }
}

impl FromStr for Version {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let mut parts = s.split('.');
        let mut next = || -> Result<u64, ()> {
            let p = parts.next().ok_or(())?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            p.parse().map_err(|_| ())
        };
        let v = Version::new(next()?, next()?, next()?);
        if parts.next().is_some() {
            return Err(());
        }
        Ok(v)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_not_text_order() {
        let a: Version = "1.9.0".parse().unwrap();
        let b: Version = "1.10.0".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.to_string(), "1.10.0");
    }

    #[test]
    fn leading_zeros_compare_numerically() {
        let a: Version = "1.02.0".parse().unwrap();
        assert_eq!(a, Version::new(1, 2, 0));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "1", "1.2", "1.2.3.4", "1.2.x", "v1.2.3", "1..3", "1.2.3 ", "-1.2.3", "١.٢.٣",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?} accepted");
        }
        let e = Version::parse("1.2", "--baseline").unwrap_err();
        assert!(e.to_string().contains("--baseline"));
    }
}
