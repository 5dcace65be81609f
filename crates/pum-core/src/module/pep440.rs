//! PEP 440 versions, as Python's `packaging.version.Version` reads, writes
//! and orders them: pum 1.x names changelog directories with them
//! (`2025.0.1`), sorts them with them, and records their normalised text
//! (`01.0` is recorded as `1.0`) in `pum_migrations`.

use std::cmp::Ordering;
use std::fmt;

/// A pre-release kind, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pre {
    /// `a`, `alpha`.
    Alpha,
    /// `b`, `beta`.
    Beta,
    /// `rc`, `c`, `pre`, `preview`.
    Rc,
}

/// A local version segment part: text sorts before numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocalPart {
    /// A part that is not a number (lower case).
    Text(String),
    /// A number.
    Number(u64),
}

/// A PEP 440 version. Equality is `packaging`'s: `1.0 == 1.0.0`.
#[derive(Debug, Clone)]
pub struct Pep440 {
    /// `N!`, 0 when absent.
    pub epoch: u64,
    /// The release numbers (`1.2.0` is `[1, 2, 0]`).
    pub release: Vec<u64>,
    /// Pre-release kind and number.
    pub pre: Option<(Pre, u64)>,
    /// Post-release number.
    pub post: Option<u64>,
    /// Development release number.
    pub dev: Option<u64>,
    /// Local version label parts.
    pub local: Vec<LocalPart>,
}

/// Why a text is not a PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPep440(pub String);

impl fmt::Display for InvalidPep440 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a version (PEP 440, such as 1.2.0 or 2025.0.1)",
            self.0
        )
    }
}

/// A cursor over the lower-cased text.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        // Leading zeros are insignificant; huge numbers saturate (they
        // only ever compare with each other).
        let digits = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("0");
        Some(digits.parse().unwrap_or(u64::MAX))
    }

    /// An optional `-`, `_` or `.` separator.
    fn separator(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Tries `parse`; restores the position when it gives nothing.
    fn attempt<T>(&mut self, parse: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let at = self.at;
        let out = parse(self);
        if out.is_none() {
            self.at = at;
        }
        out
    }
}

impl Pep440 {
    /// Parses a version the way `packaging.version.Version(text)` does
    /// (surrounding whitespace, a leading `v`, any case, the alternative
    /// spellings of pre, post and dev releases).
    pub fn parse(text: &str) -> Result<Pep440, InvalidPep440> {
        let bad = || InvalidPep440(text.to_string());
        let lower = text.trim().to_ascii_lowercase();
        if !lower.is_ascii() {
            return Err(bad());
        }
        let mut c = Cursor {
            s: lower.as_bytes(),
            at: 0,
        };
        c.eat("v");
        let mut epoch = 0;
        if let Some(n) = c.attempt(|c| {
            let n = c.number()?;
            c.eat("!").then_some(n)
        }) {
            epoch = n;
        }
        let mut release = vec![c.number().ok_or_else(bad)?];
        while let Some(n) = c.attempt(|c| {
            c.eat(".").then_some(())?;
            c.number()
        }) {
            release.push(n);
        }
        let pre = c.attempt(|c| {
            c.separator();
            // Longest spellings first.
            let kind = [
                ("alpha", Pre::Alpha),
                ("a", Pre::Alpha),
                ("beta", Pre::Beta),
                ("b", Pre::Beta),
                ("preview", Pre::Rc),
                ("pre", Pre::Rc),
                ("rc", Pre::Rc),
                ("c", Pre::Rc),
            ]
            .into_iter()
            .find(|(w, _)| c.eat(w))?
            .1;
            let n = c
                .attempt(|c| {
                    c.separator();
                    c.number()
                })
                .unwrap_or(0);
            Some((kind, n))
        });
        let post = c
            .attempt(|c| {
                c.eat("-").then_some(())?;
                c.number()
            })
            .or_else(|| {
                c.attempt(|c| {
                    c.separator();
                    ["post", "rev", "r"].into_iter().find(|w| c.eat(w))?;
                    Some(
                        c.attempt(|c| {
                            c.separator();
                            c.number()
                        })
                        .unwrap_or(0),
                    )
                })
            });
        let dev = c.attempt(|c| {
            c.separator();
            c.eat("dev").then_some(())?;
            Some(
                c.attempt(|c| {
                    c.separator();
                    c.number()
                })
                .unwrap_or(0),
            )
        });
        let mut local = Vec::new();
        if c.eat("+") {
            let rest = std::str::from_utf8(&c.s[c.at..]).map_err(|_| bad())?;
            for part in rest.split(['-', '_', '.']) {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(bad());
                }
                local.push(if part.bytes().all(|b| b.is_ascii_digit()) {
                    LocalPart::Number(part.parse().unwrap_or(u64::MAX))
                } else {
                    LocalPart::Text(part.to_string())
                });
            }
            c.at = c.s.len();
        }
        if c.at != c.s.len() {
            return Err(bad());
        }
        Ok(Pep440 {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// True when the normalised text is `X.Y` or `X.Y.Z`: the only
    /// versions pum 1.x records in `pum_migrations`.
    pub fn is_recordable(&self) -> bool {
        self.epoch == 0
            && (2..=3).contains(&self.release.len())
            && self.pre.is_none()
            && self.post.is_none()
            && self.dev.is_none()
            && self.local.is_empty()
    }

    /// The release without its trailing zeros (`1.0.0` and `1.0` are equal).
    fn trimmed_release(&self) -> &[u64] {
        let end = self
            .release
            .iter()
            .rposition(|&n| n != 0)
            .map_or(0, |i| i + 1);
        &self.release[..end]
    }
}

/// `packaging`'s sort key pieces: a missing pre-release sorts after every
/// pre-release (before, for a bare dev release), a missing post-release
/// before every post-release, a missing dev release after every one.
fn pre_key(v: &Pep440) -> (i8, Option<(Pre, u64)>) {
    match (v.pre, v.post, v.dev) {
        (None, None, Some(_)) => (-1, None),
        (None, _, _) => (1, None),
        (Some(p), _, _) => (0, Some(p)),
    }
}

impl Ord for Pep440 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.trimmed_release().cmp(other.trimmed_release()))
            .then_with(|| pre_key(self).cmp(&pre_key(other)))
            .then_with(|| {
                self.post
                    .map(|p| p as i128)
                    .unwrap_or(-1)
                    .cmp(&other.post.map(|p| p as i128).unwrap_or(-1))
            })
            .then_with(|| {
                self.dev
                    .map(|d| d as i128)
                    .unwrap_or(i128::MAX)
                    .cmp(&other.dev.map(|d| d as i128).unwrap_or(i128::MAX))
            })
            .then_with(|| match (self.local.is_empty(), other.local.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => self.local.cmp(&other.local),
            })
    }
}

impl PartialEq for Pep440 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440 {}

impl PartialOrd for Pep440 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The normalised text, as `str(Version(...))` writes it.
impl fmt::Display for Pep440 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        let release: Vec<String> = self.release.iter().map(u64::to_string).collect();
        f.write_str(&release.join("."))?;
        if let Some((kind, n)) = self.pre {
            let k = match kind {
                Pre::Alpha => "a",
                Pre::Beta => "b",
                Pre::Rc => "rc",
            };
            write!(f, "{k}{n}")?;
        }
        if let Some(n) = self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = self.dev {
            write!(f, ".dev{n}")?;
        }
        if !self.local.is_empty() {
            let parts: Vec<String> = self
                .local
                .iter()
                .map(|p| match p {
                    LocalPart::Text(t) => t.clone(),
                    LocalPart::Number(n) => n.to_string(),
                })
                .collect();
            write!(f, "+{}", parts.join("."))?;
        }
        Ok(())
    }
}

impl serde::Serialize for Pep440 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Pep440::parse(s).unwrap().to_string()
    }

    #[test]
    fn normalises_as_packaging_does() {
        // Pairs checked against packaging 26 (`str(Version(s))`).
        for (given, want) in [
            ("1.0.0", "1.0.0"),
            ("01.0.0", "1.0.0"),
            ("v1.0", "1.0"),
            ("1.0.0-beta1", "1.0.0b1"),
            ("1.0.0.post1", "1.0.0.post1"),
            ("1.0-1", "1.0.post1"),
            ("1!2.0", "1!2.0"),
            ("1.0+Local_X-1", "1.0+local.x.1"),
            ("1.0RC1", "1.0rc1"),
            ("1.0.dev", "1.0.dev0"),
            ("1.0a", "1.0a0"),
            ("  1.0  ", "1.0"),
            ("1.0.0.0", "1.0.0.0"),
            ("1.0c1", "1.0rc1"),
            ("1.0-pre.2", "1.0rc2"),
            ("1.0preview3", "1.0rc3"),
            ("1.0_rev4", "1.0.post4"),
            ("1.0r", "1.0.post0"),
            ("2025.0.1", "2025.0.1"),
        ] {
            assert_eq!(norm(given), want, "{given}");
        }
    }

    #[test]
    fn refuses_what_packaging_refuses() {
        for bad in [
            "",
            "x",
            "1.0.x",
            "1..0",
            ".1",
            "1.0+",
            "1.0+a..b",
            "1.0 a",
            "é",
            "1.0-",
            "latest",
            "__pycache__",
            ".git",
        ] {
            assert!(Pep440::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn orders_as_packaging_does() {
        // sorted() by packaging 26.
        let want = [
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0b2",
            "1.0rc1",
            "1.0",
            "1.0+abc",
            "1.0+abc.5",
            "1.0+1",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1.9.0",
            "1.10.0",
            "2025.0.0",
        ];
        let mut got: Vec<Pep440> = want
            .iter()
            .rev()
            .map(|s| Pep440::parse(s).unwrap())
            .collect();
        got.sort();
        let got: Vec<String> = got.iter().map(|v| v.to_string()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn trailing_zeros_compare_equal() {
        let a = Pep440::parse("1.0").unwrap();
        let b = Pep440::parse("1.0.0").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.to_string(), b.to_string());
    }

    #[test]
    fn recordable_versions_are_x_y_or_x_y_z() {
        for ok in ["1.0", "1.0.0", "2025.1.3", "01.2"] {
            assert!(Pep440::parse(ok).unwrap().is_recordable(), "{ok}");
        }
        for no in [
            "1",
            "1.0.0.0",
            "1.0rc1",
            "1.0.post1",
            "1.0+x",
            "1!1.0",
            "1.0.dev0",
        ] {
            assert!(!Pep440::parse(no).unwrap().is_recordable(), "{no}");
        }
    }
}
