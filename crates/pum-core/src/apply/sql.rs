//! Running the statements of one SQL delta file, the way psql would: one
//! statement at a time, `COPY ... FROM stdin` fed from the file, notices
//! passed on, and a failure pinned to its file and line.

use std::path::Path;

use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::pg::{Conn, DbError};
use crate::script::{self, Piece};
use crate::vars::Variables;

/// A SQL delta read and prepared for running.
#[derive(Debug)]
pub struct SqlFile {
    /// The pieces to send.
    pub pieces: Vec<Piece>,
    /// True when the file starts with `-- pum:no-transaction`.
    pub no_transaction: bool,
}

const BOM: &str = "\u{feff}";

/// Decodes, substitutes variables (only when some are given, as pum 0.x
/// does) and splits a SQL delta.
pub fn prepare(path: &Path, bytes: &[u8], vars: &Variables) -> Result<SqlFile> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::Script {
            file: path.to_path_buf(),
            line,
            message: "the file is not valid UTF-8; save it as UTF-8".into(),
        }
    })?;
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let no_transaction = script::is_no_transaction(text);
    let substituted;
    let text = if vars.is_empty() {
        text
    } else {
        // Every missing variable at once, rather than one per run.
        let missing = vars.undefined(text);
        if let Some(first) = missing.first() {
            return Err(Error::UndefinedVariables {
                file: path.to_path_buf(),
                line: first.line,
                missing,
                error: None,
            });
        }
        substituted = script::substitute(text, vars).map_err(|e| Error::Script {
            file: path.to_path_buf(),
            line: e.line,
            message: e.message,
        })?;
        &substituted
    };
    let pieces = script::split(text).map_err(|e| Error::Script {
        file: path.to_path_buf(),
        line: e.line,
        message: e.message,
    })?;
    Ok(SqlFile {
        pieces,
        no_transaction,
    })
}

/// SQLSTATE of a syntax error.
const SYNTAX_ERROR: &str = "42601";

/// When no variable was given, pum 0.x sends a file unchanged, so a
/// `%(NAME)s` placeholder reaches the server as a syntax error. This turns
/// such an error of a file that holds placeholders into
/// [`Error::UndefinedVariables`], which says what to pass; any other error
/// is returned as it is.
pub fn explain_undefined_variables(error: Error, bytes: &[u8], vars: &Variables) -> Error {
    let Error::DeltaSql {
        file,
        line,
        error: db,
    } = error
    else {
        return error;
    };
    let missing = if vars.is_empty() && db.code == SYNTAX_ERROR {
        vars.undefined(&String::from_utf8_lossy(bytes))
    } else {
        Vec::new()
    };
    if missing.is_empty() {
        Error::DeltaSql {
            file,
            line,
            error: db,
        }
    } else {
        Error::UndefinedVariables {
            file,
            line,
            missing,
            error: Some(db),
        }
    }
}

fn pass_notices(conn: &mut Conn, path: &Path, observer: &mut dyn Observer) {
    for n in conn.take_notices() {
        observer.event(&Event::Notice {
            file: Some(path),
            notice: &n,
        });
    }
}

/// For a bad data row of `COPY ... FROM stdin`, the server's context reads
/// `COPY table, line N[, column ...]`: that is the Nth data row.
fn copy_data_line(piece: &Piece, error: &DbError) -> Option<usize> {
    let Piece::Copy { data_line, .. } = piece else {
        return None;
    };
    let context = error.context.as_deref()?;
    let rest = context.strip_prefix("COPY ")?;
    let after = &rest[rest.find(", line ")? + ", line ".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let n: usize = digits.parse().ok()?;
    Some(data_line + n.saturating_sub(1))
}

/// The error of a failing statement, with its file and line.
pub fn located(path: &Path, piece: &Piece, error: DbError) -> Error {
    let line = match error.position {
        Some(p) => script::line_of_position(piece, p),
        None => copy_data_line(piece, &error).unwrap_or_else(|| piece.line()),
    };
    Error::DeltaSql {
        file: path.to_path_buf(),
        line,
        error: Box::new(error),
    }
}

/// Sends every piece of the file on `conn`, in the current transaction
/// state (the caller decides about BEGIN/COMMIT).
pub fn run(
    conn: &mut Conn,
    path: &Path,
    file: &SqlFile,
    observer: &mut dyn Observer,
) -> Result<()> {
    for piece in &file.pieces {
        // A signal between two statements stops the file before the next.
        crate::interrupt::check()?;
        let res = match piece {
            Piece::Statement { sql, .. } => conn.execute(sql),
            Piece::Copy { sql, data, .. } => conn.copy_in(sql, data.as_bytes()),
        };
        pass_notices(conn, path, observer);
        if let Err(e) = res {
            return Err(located(path, piece, e));
        }
    }
    Ok(())
}

/// Runs a transaction-control statement (BEGIN/COMMIT/ROLLBACK) on behalf
/// of a file, attributing a failure (e.g. a deferred constraint at COMMIT)
/// to the file's last statement.
pub fn control(
    conn: &mut Conn,
    sql: &str,
    path: &Path,
    file: Option<&SqlFile>,
    observer: &mut dyn Observer,
) -> Result<()> {
    let res = conn.execute(sql);
    pass_notices(conn, path, observer);
    res.map(|_| ()).map_err(|e| {
        let line = file
            .and_then(|f| f.pieces.last())
            .map(|p| p.line())
            .unwrap_or(1);
        Error::DeltaSql {
            file: path.to_path_buf(),
            line,
            error: Box::new(DbError {
                message: format!("{} (at {sql})", e.message),
                ..e
            }),
        }
    })
}

/// The first statement of a file that ends the transaction it runs in
/// (COMMIT, ROLLBACK...), as a refusal naming the file and line, for the
/// runs that must stay one transaction (`pum create`, `upgrade
/// --single-transaction`): after such a statement, what ran before could
/// not be rolled back. `what` names that transaction, `fix` says what to
/// do. `None` for files marked `-- pum:no-transaction` (they run on their
/// own) and for files that cannot be read or split (the run reports them
/// with their line).
pub fn ends_transaction_in(path: &Path, vars: &Variables, what: &str, fix: &str) -> Option<String> {
    let bytes = crate::delta::read(path).ok()?;
    let file = prepare(path, &bytes, vars).ok()?;
    if file.no_transaction {
        return None;
    }
    let p = file
        .pieces
        .iter()
        .find(|p| matches!(p, Piece::Statement { .. }) && ends_transaction(p.sql()))?;
    let statement: String = p.sql().split_whitespace().collect::<Vec<_>>().join(" ");
    Some(format!(
        "{}:{}: `{}` ends {what}, so a later failure could not roll back what ran before it: {fix}",
        path.display(),
        p.line(),
        statement.trim_end_matches(';').trim_end()
    ))
}

/// True for a statement that ends the current transaction (COMMIT, END,
/// ROLLBACK, ABORT, PREPARE TRANSACTION), not for ROLLBACK TO SAVEPOINT.
fn ends_transaction(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let word = |i: usize| words.get(i).map(String::as_str);
    match word(0) {
        Some("COMMIT" | "END" | "ABORT") => true,
        Some("ROLLBACK") => {
            let next = match word(1) {
                Some("WORK" | "TRANSACTION") => word(2),
                other => other,
            };
            next != Some("TO")
        }
        Some("PREPARE") => word(1) == Some("TRANSACTION"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_that_end_the_transaction() {
        for s in [
            "COMMIT;",
            "commit work",
            "END;",
            "ROLLBACK;",
            "rollback transaction",
            "ABORT",
            "PREPARE TRANSACTION 'x'",
            "COMMIT AND CHAIN",
            "COMMIT/* done */;",
        ] {
            assert!(ends_transaction(s), "{s}");
        }
        for s in [
            "BEGIN;",
            "ROLLBACK TO SAVEPOINT a;",
            "rollback work to a",
            "ROLLBACK TRANSACTION TO SAVEPOINT a",
            "SAVEPOINT a",
            "RELEASE SAVEPOINT a",
            "PREPARE q AS SELECT 1",
            "COMMENT ON TABLE t IS 'commit'",
            "CREATE TABLE commit_log (id int)",
            "SELECT 'END'",
        ] {
            assert!(!ends_transaction(s), "{s}");
        }
    }

    fn syntax_error() -> Error {
        Error::DeltaSql {
            file: "d/delta_1.0.1_a.sql".into(),
            line: 2,
            error: Box::new(DbError {
                code: SYNTAX_ERROR.into(),
                message: "syntax error at or near \"%\"".into(),
                ..DbError::default()
            }),
        }
    }

    #[test]
    fn syntax_error_in_a_file_with_placeholders_names_the_variables() {
        let bytes = b"CREATE TABLE t (i int);\nINSERT INTO t VALUES (%(SRID)s, %(N)s);\n";
        match explain_undefined_variables(syntax_error(), bytes, &Variables::new()) {
            Error::UndefinedVariables {
                line,
                missing,
                error: Some(db),
                ..
            } => {
                assert_eq!(line, 2);
                let names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
                assert_eq!(names, ["SRID", "N"]);
                assert_eq!(db.code, SYNTAX_ERROR);
            }
            other => panic!("{other:?}"),
        }
        // No placeholder, or another error: unchanged.
        let plain = explain_undefined_variables(syntax_error(), b"SELEC 1;", &Variables::new());
        assert!(matches!(plain, Error::DeltaSql { .. }), "{plain:?}");
        let mut other = syntax_error();
        if let Error::DeltaSql { error, .. } = &mut other {
            error.code = "42P07".into();
        }
        let other = explain_undefined_variables(other, bytes, &Variables::new());
        assert!(matches!(other, Error::DeltaSql { .. }), "{other:?}");
    }

    #[test]
    fn missing_variables_are_named_together_before_anything_is_sent() {
        let mut vars = Variables::new();
        vars.set_from_cli("int", "SRID", "2056").unwrap();
        let text = b"SELECT %(SRID)s;\nSELECT %(A)s, '50%';\nSELECT %(B)s;\n";
        match prepare(Path::new("f.sql"), text, &vars) {
            Err(Error::UndefinedVariables {
                line,
                missing,
                error: None,
                ..
            }) => {
                assert_eq!(line, 2);
                let names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
                assert_eq!(names, ["A", "B"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn copy_errors_point_at_the_data_row() {
        let pieces = script::split("COPY t (a) FROM stdin;\n1\n2\n\\.\n").unwrap();
        let e = DbError {
            context: Some("COPY t, line 2, column a: \"2\"".into()),
            ..DbError::default()
        };
        assert_eq!(copy_data_line(&pieces[0], &e), Some(3));
        let other = DbError {
            context: Some("SQL function \"f\"".into()),
            ..DbError::default()
        };
        assert_eq!(copy_data_line(&pieces[0], &other), None);
    }
}
