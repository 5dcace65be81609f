//! The one place where identifiers and literals become SQL text.
//!
//! Values travel as bind parameters wherever the server allows it; these
//! helpers cover the rest (identifiers, and variable substitution in delta
//! files, where pum's format requires literal text).

use std::fmt;

use super::{PgError, Result};

/// Quotes an identifier: always double-quoted, inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for ch in name.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// Quotes a string literal so it means the same whatever
/// `standard_conforming_strings` is: `'...'`, or `E'...'` when the text holds
/// a backslash or a line break. Line breaks are written as `\n` / `\r`
/// escapes, so a literal never spans lines (line numbers in a file that
/// received it stay right).
pub fn quote_literal(value: &str) -> String {
    let escape = value.contains(['\\', '\n', '\r']);
    let mut out = String::with_capacity(value.len() + 3);
    if escape {
        out.push('E');
    }
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' if escape => out.push_str("\\n"),
            '\r' if escape => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Quotes a string literal as libpq's `PQescapeLiteral` does, which is
/// what psycopg 3's `sql.Literal` gives for text (pum 1.x parameters):
/// `'...'` with quotes doubled, or ` E'...'` (with a leading space) and
/// backslashes doubled when the text holds a backslash. Line breaks stay
/// as they are.
pub fn psycopg_literal(value: &str) -> String {
    let escape = value.contains('\\');
    let mut out = String::with_capacity(value.len() + 4);
    if escape {
        out.push_str(" E");
    }
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A possibly schema-qualified name such as `qwat_sys.info`.
///
/// Split at the dot outside double quotes, each part then quoted as an
/// identifier. Double-quoted parts are accepted too; a name with more than
/// two parts (`db.schema.table`, or an unquoted dot inside a name) is
/// refused, where pum 0.x took everything after the first dot as the name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    /// Schema part; `None` means "first schema on the search_path".
    pub schema: Option<String>,
    /// Object name.
    pub name: String,
}

fn parse_part(part: &str, whole: &str) -> Result<String> {
    let invalid = |reason: &str| PgError::InvalidName {
        input: whole.to_string(),
        reason: reason.to_string(),
    };
    if part.is_empty() {
        return Err(invalid("empty name part"));
    }
    if let Some(inner) = part.strip_prefix('"') {
        let inner = inner
            .strip_suffix('"')
            .ok_or_else(|| invalid("unbalanced double quote"))?;
        if inner.is_empty() {
            return Err(invalid("empty quoted name"));
        }
        return Ok(inner.replace("\"\"", "\""));
    }
    if part
        .chars()
        .any(|c| c.is_whitespace() || c == '"' || c == ';')
    {
        return Err(invalid(
            "unquoted names may not contain spaces, quotes or ';'",
        ));
    }
    Ok(part.to_string())
}

impl QualifiedName {
    /// Parses `schema.table` or `table`; refuses three parts or more.
    pub fn parse(input: &str) -> Result<QualifiedName> {
        let s = input.trim();
        // Split at the dots outside double quotes.
        let mut in_quotes = false;
        let mut dots = Vec::new();
        for (i, ch) in s.char_indices() {
            match ch {
                '"' => in_quotes = !in_quotes,
                '.' if !in_quotes => dots.push(i),
                _ => {}
            }
        }
        if dots.len() > 1 {
            // `db.schema.table` or a dot meant inside a name: pum 0.x took
            // `a.b.c` for schema `a`, table `b.c`.
            return Err(PgError::InvalidName {
                input: input.to_string(),
                reason: format!(
                    "it has {} dot-separated parts; give only the schema and the table, \
                     and double-quote a name that holds a dot (app.\"my.table\")",
                    dots.len() + 1
                ),
            });
        }
        let split = dots.first().copied();
        match split {
            Some(i) => Ok(QualifiedName {
                schema: Some(parse_part(&s[..i], input)?),
                name: parse_part(&s[i + 1..], input)?,
            }),
            None => Ok(QualifiedName {
                schema: None,
                name: parse_part(s, input)?,
            }),
        }
    }

    /// The quoted SQL form, e.g. `"qwat_sys"."info"`.
    pub fn sql(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", quote_ident(s), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_are_always_quoted() {
        assert_eq!(quote_ident("info"), "\"info\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            quote_ident("Robert'); DROP TABLE x;--"),
            "\"Robert'); DROP TABLE x;--\""
        );
    }

    #[test]
    fn literals_survive_quotes_and_backslashes() {
        assert_eq!(quote_literal("abc"), "'abc'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"a\b"), r"E'a\\b'");
        assert_eq!(quote_literal("a\nb\r\n"), r"E'a\nb\r\n'");
    }

    #[test]
    fn qualified_names() {
        let q = QualifiedName::parse("qwat_sys.info").unwrap();
        assert_eq!(q.sql(), "\"qwat_sys\".\"info\"");
        assert_eq!(q.to_string(), "qwat_sys.info");
        let q = QualifiedName::parse("\"My.Schema\".t").unwrap();
        assert_eq!(q.schema.as_deref(), Some("My.Schema"));
        let q = QualifiedName::parse("info").unwrap();
        assert_eq!(q.schema, None);
        assert!(QualifiedName::parse("a.").is_err());
        assert!(QualifiedName::parse("a b.c").is_err());
        assert!(QualifiedName::parse("x.y;drop").is_err());
    }

    #[test]
    fn three_part_names_are_refused() {
        for input in ["a.b.c", "db.app.info", "\"a\".b.c", "a.\"b\".c"] {
            match QualifiedName::parse(input) {
                Err(PgError::InvalidName {
                    input: given,
                    reason,
                }) => {
                    assert_eq!(given, input);
                    assert!(reason.contains("3 dot-separated parts"), "{reason}");
                }
                other => panic!("{input}: {other:?}"),
            }
        }
        // As users see it, through the crate's error.
        let e = crate::Error::from(QualifiedName::parse("a.b.c").unwrap_err()).to_string();
        assert!(e.contains("'a.b.c'") && e.contains("SCHEMA.TABLE"), "{e}");
        // A dot inside double quotes is part of the name.
        let q = QualifiedName::parse("a.\"b.c\"").unwrap();
        assert_eq!((q.schema.as_deref(), q.name.as_str()), (Some("a"), "b.c"));
        let q = QualifiedName::parse("\"x.y\".\"b.c\"").unwrap();
        assert_eq!(q.sql(), "\"x.y\".\"b.c\"");
    }
}
