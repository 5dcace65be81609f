//! The dump file of one control table: a plain SQL script that psql or
//! pum can run, written so that the same rows always give the same bytes
//! and that a diff between two dumps reads as what changed.
//!
//! - no dump time, no server or tool version, no random key (pg_dump 17.6
//!   and later write one), rows in id order, times in UTC;
//! - each row is one `INSERT` whose `content` is dollar-quoted verbatim,
//!   so the schema's DDL and the changes appear as they were written, line
//!   by line, and a new change shows up as added lines at the end.

use super::create_table_sql;
use crate::pg::{quote_ident, quote_literal};

/// The first line of every file pum writes (how a stale file is told
/// from one someone else put there).
pub(crate) const MARKER: &str = "-- pum cm: ";

/// One row of a control table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// `id`.
    pub id: i64,
    /// `is_base`: the schema's DDL at setup rather than a change.
    pub is_base: bool,
    /// `created_at` in UTC, as `YYYY-MM-DD HH:MI:SS.US+00`; `None` for NULL.
    pub created_at: Option<String>,
    /// `implementer`.
    pub implementer: String,
    /// `content`: the SQL.
    pub content: String,
}

/// A name for a comment line: quoted, and on one line.
fn comment_name(name: &str) -> String {
    quote_ident(name)
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The shortest dollar-quote tag (`$cm$`, `$cm1$`, ...) that can enclose
/// `content`: it does not occur in it, and the content followed by the tag
/// holds the tag only at its end (content ending in `$cm` would otherwise
/// end the string early).
fn tag_for(content: &str) -> String {
    let mut n = 0u64;
    loop {
        let tag = if n == 0 {
            "$cm$".to_string()
        } else {
            format!("$cm{n}$")
        };
        let closed = format!("{content}{tag}");
        if closed.find(&tag) == Some(content.len()) {
            return tag;
        }
        n += 1;
    }
}

/// The file for the control table `table` of `schema` in `database`,
/// holding `rows` (in id order).
pub fn render(database: &str, schema: &str, table: &str, rows: &[Row]) -> String {
    let table_sql = format!("{}.{}", quote_ident(schema), quote_ident(table));
    let mut out = String::new();
    out.push_str(&format!(
        "{MARKER}the change-management table {} of schema {} in database {}.\n",
        comment_name(table),
        comment_name(schema),
        comment_name(database)
    ));
    out.push_str(
        "-- Written by `pum cm dump`, restored by `pum cm restore`: the base row (the schema's\n\
         -- DDL when it was set up), then every change submitted since, in id order.\n\n",
    );
    out.push_str(&create_table_sql(&table_sql));
    out.push_str(";\n");
    for r in rows {
        let kind = if r.is_base { "base" } else { "change" };
        out.push_str(&format!("\n-- row {} ({kind})\n", r.id));
        let tag = tag_for(&r.content);
        out.push_str(&format!(
            "INSERT INTO {table_sql} (id, is_base, created_at, implementer, content) VALUES ({}, {}, {}, {}, {tag}{}{tag});\n",
            r.id,
            r.is_base,
            r.created_at
                .as_deref()
                .map(quote_literal)
                .unwrap_or_else(|| "NULL".into()),
            quote_literal(&r.implementer),
            r.content
        ));
    }
    if let Some(max) = rows.iter().map(|r| r.id).max() {
        out.push_str(&format!(
            "\nSELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({}, 'id'), {max});\n",
            quote_literal(&table_sql)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{self, Piece};

    fn row(id: i64, is_base: bool, content: &str) -> Row {
        Row {
            id,
            is_base,
            created_at: Some("2025-01-02 03:04:05.678901+00".into()),
            implementer: "Ann O'Neil <ann@example.org>".into(),
            content: content.into(),
        }
    }

    #[test]
    fn tags_never_clash_with_the_content() {
        assert_eq!(tag_for("SELECT 1;"), "$cm$");
        assert_eq!(tag_for("a $cm$ b"), "$cm1$");
        // Content ending in the start of the tag would close early.
        assert_eq!(tag_for("x $cm"), "$cm1$");
        assert_eq!(tag_for("$cm$ $cm1$ $cm2"), "$cm3$");
    }

    #[test]
    fn content_survives_verbatim_and_splits_into_one_insert_per_row() {
        let base = "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE s.t (a int);\n";
        let nasty =
            "CREATE FUNCTION f() RETURNS text AS $cm$ it's \\n $cm$ LANGUAGE sql;\r\n-- $cm";
        let text = render(
            "db",
            "s",
            "pg_psql_cm",
            &[row(1, true, base), row(2, false, nasty)],
        );
        assert!(text.starts_with(MARKER));
        assert!(text.contains(base), "{text}");
        assert!(text.contains(nasty), "{text}");
        let pieces = script::split(&text).unwrap();
        let sql: Vec<&str> = pieces.iter().map(Piece::sql).collect();
        assert_eq!(sql.len(), 4, "{sql:#?}");
        assert!(sql[0].starts_with("CREATE TABLE IF NOT EXISTS \"s\".\"pg_psql_cm\""));
        assert!(sql[1].starts_with("INSERT INTO") && sql[1].ends_with("$cm$);"));
        assert!(sql[2].contains("$cm1$") && sql[2].contains("'Ann O''Neil <ann@example.org>'"));
        assert!(sql[3].contains("setval") && sql[3].ends_with(", 2);"));
    }

    #[test]
    fn same_rows_same_bytes_and_no_rows_no_setval() {
        let rows = [row(1, true, "x"), row(5, false, "y")];
        assert_eq!(render("d", "s", "t", &rows), render("d", "s", "t", &rows));
        let empty = render("d", "s", "t", &[]);
        assert!(!empty.contains("setval") && !empty.contains("INSERT"));
        let null_time = Row {
            created_at: None,
            ..row(1, true, "x")
        };
        assert!(render("d", "s", "t", &[null_time]).contains("(1, true, NULL, "));
    }

    #[test]
    fn names_in_comments_stay_on_one_line() {
        let text = render("d\nb", "s\"x", "t", &[]);
        let first = text.lines().next().unwrap();
        assert!(
            first.contains("\"d\\nb\"") && first.contains("\"s\"\"x\""),
            "{first}"
        );
    }
}
