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

#[cfg(test)]
mod tests {
    use super::*;

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
