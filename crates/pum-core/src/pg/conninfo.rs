//! What `-p` means: a pg_service name (pum 0.x) or any libpq connection
//! string or URI.

use std::fmt;

use super::{PgError, Result};

/// A parsed connection target.
///
/// A bare word (no `=`, not a URI) is a pg_service name, as in pum 0.x;
/// anything else is handed to libpq as it is. [`ConnTarget::display`] never
/// contains a password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnTarget {
    conninfo: String,
    service: Option<String>,
    display: String,
    options: Vec<(String, String)>,
}

fn is_uri(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// Quotes a value for a key=value connection string.
pub(crate) fn conninfo_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for ch in v.chars() {
        if ch == '\'' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('\'');
    out
}

impl ConnTarget {
    /// Parses what the user gave with `-p`.
    pub fn parse(input: &str) -> Result<ConnTarget> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PgError::InvalidTarget {
                input: String::new(),
                message: "empty connection".into(),
            });
        }
        let (conninfo, service) = if is_uri(trimmed) || trimmed.contains('=') {
            (trimmed.to_string(), None)
        } else {
            (
                format!("service={}", conninfo_value(trimmed)),
                Some(trimmed.to_string()),
            )
        };
        let options =
            super::parse_conninfo(&conninfo).map_err(|message| PgError::InvalidTarget {
                input: redact_raw(trimmed),
                message: redact_message(message, trimmed),
            })?;
        let display = match &service {
            Some(s) => format!("service {s}"),
            None => options
                .iter()
                .filter(|(k, _)| k != "password")
                .map(|(k, v)| {
                    if v.is_empty()
                        || v.contains(|c: char| c.is_whitespace() || c == '\'' || c == '\\')
                    {
                        format!("{k}={}", conninfo_value(v))
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        };
        Ok(ConnTarget {
            conninfo,
            service,
            display,
            options,
        })
    }

    /// The string handed to libpq (may contain a password: never print it).
    pub fn conninfo(&self) -> &str {
        &self.conninfo
    }

    /// The service name, when the target was given as a bare service name.
    pub fn service_name(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// A description safe to print: no password.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The options set explicitly by the target, as libpq parsed them
    /// (including a password if the string holds one: never print them).
    pub fn options(&self) -> &[(String, String)] {
        &self.options
    }

    /// The same target with one more option set (e.g. another `dbname`).
    pub fn with_option(&self, key: &str, value: &str) -> Result<ConnTarget> {
        let mut s = String::new();
        for (k, v) in self.options.iter().filter(|(k, _)| k != key) {
            s.push_str(k);
            s.push('=');
            s.push_str(&conninfo_value(v));
            s.push(' ');
        }
        s.push_str(key);
        s.push('=');
        s.push_str(&conninfo_value(value));
        ConnTarget::parse(&s)
    }
}

/// Where a URI holds passwords, as libpq reads it: after the `:` of the
/// user info (which ends at the first `@` before any `/`), and the values
/// of `password=` query parameters.
fn uri_password_ranges(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let start = s.find("://").map_or(0, |i| i + 3);
    let mut host = start;
    if let Some(end) = s[start..].find(['@', '/']).map(|i| start + i) {
        if s.as_bytes()[end] == b'@' {
            if let Some(colon) = s[start..end].find(':') {
                out.push(start + colon + 1..end);
            }
            host = end + 1;
        }
    }
    if let Some(q) = s[host..].find('?').map(|i| host + i) {
        let mut at = q + 1;
        for param in s[q + 1..].split('&') {
            if let Some(value) = param.strip_prefix("password=") {
                let v = at + "password=".len();
                out.push(v..v + value.len());
            }
            at += param.len() + 1;
        }
    }
    out
}

/// Best-effort removal of a password from a string libpq could not parse.
fn redact_raw(s: &str) -> String {
    if is_uri(s) {
        let mut out = String::with_capacity(s.len());
        let mut copied = 0;
        for r in uri_password_ranges(s) {
            if r.start >= copied {
                out.push_str(&s[copied..r.start]);
                out.push_str("***");
                copied = r.end;
            }
        }
        out.push_str(&s[copied..]);
        return out;
    }
    let lower = s.to_ascii_lowercase();
    match lower.find("password") {
        Some(i) => format!("{}password=***", &s[..i]),
        None => s.to_string(),
    }
}

/// libpq's message about a URI it could not parse may quote a part of it,
/// the password included: that is replaced by `***` (passwords shorter than
/// three characters are left, so as not to garble the message).
/// With more passwords than [`MAX_REDACTED`], the message is withheld (the
/// replacements would take time quadratic in the input).
fn redact_message(mut message: String, input: &str) -> String {
    if !is_uri(input) {
        return message;
    }
    let passwords: std::collections::BTreeSet<&str> = uri_password_ranges(input)
        .into_iter()
        .map(|r| &input[r])
        .filter(|p| p.len() >= 3)
        .collect();
    if passwords.len() > MAX_REDACTED {
        return "the URI could not be parsed (libpq's message is withheld: it may quote a \
                password)"
            .into();
    }
    for password in passwords {
        message = message.replace(password, "***");
    }
    message
}

/// See [`redact_message`].
const MAX_REDACTED: usize = 16;

impl fmt::Debug for ConnTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnTarget({})", self.display)
    }
}

impl fmt::Display for ConnTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_word_is_a_service() {
        let t = ConnTarget::parse("qwat_prod").unwrap();
        assert_eq!(t.service_name(), Some("qwat_prod"));
        assert_eq!(t.conninfo(), "service='qwat_prod'");
        assert_eq!(t.display(), "service qwat_prod");
    }

    #[test]
    fn service_with_quote_is_escaped() {
        let t = ConnTarget::parse("it's").unwrap();
        assert_eq!(t.conninfo(), r"service='it\'s'");
    }

    #[test]
    fn conninfo_password_never_displayed() {
        let t = ConnTarget::parse("host=db dbname=x password=s3cret user=u").unwrap();
        assert!(t.service_name().is_none());
        assert!(!t.display().contains("s3cret"), "{}", t.display());
        assert!(!format!("{t:?}").contains("s3cret"));
        assert!(t.display().contains("host=db"));
    }

    #[test]
    fn uri_password_never_displayed() {
        let t = ConnTarget::parse("postgresql://bob:s3cret@localhost:5433/qwat").unwrap();
        assert!(!t.display().contains("s3cret"), "{}", t.display());
        assert!(t.display().contains("dbname=qwat"));
    }

    #[test]
    fn bad_conninfo_is_refused_without_password() {
        let e = ConnTarget::parse("host=x nosuchoption=1 password=s3cret").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("nosuchoption"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
    }

    #[test]
    fn with_option_replaces() {
        let t = ConnTarget::parse("host=h dbname=a").unwrap();
        let u = t.with_option("dbname", "b c").unwrap();
        assert!(u.display().contains("dbname='b c'"), "{}", u.display());
        assert!(!u.display().contains("dbname=a"));
    }

    #[test]
    fn redact_raw_handles_uri_and_kv() {
        assert_eq!(
            redact_raw("postgresql://u:pw@h/db"),
            "postgresql://u:***@h/db"
        );
        assert_eq!(redact_raw("host=x password=pw"), "host=x password=***");
        assert_eq!(
            redact_raw("postgresql://u:pw@h/db?sslmode=x&password=s3cret&a=b"),
            "postgresql://u:***@h/db?sslmode=x&password=***&a=b"
        );
        // An `@` after the host is not the end of the user info.
        assert_eq!(
            redact_raw("postgresql://h/db?password=a@b:c"),
            "postgresql://h/db?password=***"
        );
        // A `?` in the user info does not start the query.
        assert_eq!(
            redact_raw("postgresql://u?a:pw@h/db?password=s3cret&x=1"),
            "postgresql://u?a:***@h/db?password=***&x=1"
        );
    }

    #[test]
    fn uri_query_password_not_in_error() {
        let e = ConnTarget::parse("postgres://?host==&password=s3cret")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
        let e = ConnTarget::parse("postgresql://h/db?password=s3cret&bogus=1")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
        // Many passwords: bounded time, nothing echoed.
        let many = format!(
            "postgresql://h/db?{}x=%zz",
            "password=s3cret%zz&".repeat(20_000)
        );
        let t = std::time::Instant::now();
        let e = ConnTarget::parse(&many).unwrap_err().to_string();
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
        assert!(!e.contains("s3cret"), "{e:.200}");
        // libpq quotes the part it could not decode.
        let e = ConnTarget::parse("postgresql://u:s3cret%zz@h/db")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
    }
}
