//! Where the SQL of a module run goes: a [`Session`].
//!
//! A module run without Python hooks sends its SQL on pum's own libpq
//! connection ([`Conn`], through the pipelined runner). A run with Python
//! hooks sends all of it (the table, the changelogs, the SQL hooks, the
//! `pum_migrations` rows) through the psycopg 3 connection of the Python
//! worker ([`Worker`] started by [`Worker::start_pum1`]), so that the
//! hooks see what the changelogs created and everything is one
//! transaction, as in pum 1.x. Both are sessions: the code that runs a
//! step does not care which.

use crate::apply::python::{SqlFailure, Worker};
use crate::error::{Error, Result};
use crate::pg::{quote_literal, Conn, DbError, Notice};

/// One connection a module run executes on, in one transaction.
pub trait Session {
    /// Opens the run's transaction.
    fn begin(&mut self) -> Result<()>;
    /// Commits it.
    fn commit(&mut self) -> Result<()>;
    /// Rolls it back.
    fn rollback(&mut self) -> Result<()>;
    /// Runs one statement.
    fn run_sql(&mut self, sql: &str) -> Result<()>;
    /// Runs one statement with `$1`... parameters.
    fn run_params(&mut self, sql: &str, params: &[Option<&str>]) -> Result<()>;
    /// Runs statements in order, stopping at the first that fails:
    /// `Err((index, error))` for a statement the server refused.
    fn run_statements(&mut self, statements: &[&str]) -> Result<(), StatementFailure>;
    /// The notices the server sent since the last call.
    fn take_notices(&mut self) -> Vec<Notice>;
    /// Drops the notices collected so far (for pum's own statements).
    fn discard_notices(&mut self) {
        self.take_notices();
    }
    /// The Python worker, when this session is one (Python hooks run only
    /// there).
    fn python(&mut self) -> Option<&mut Worker> {
        None
    }
}

/// Why [`Session::run_statements`] stopped.
#[derive(Debug)]
pub enum StatementFailure {
    /// Statement `.0` failed on the server.
    Statement(usize, DbError),
    /// Something else (the connection or the worker is gone).
    Other(Error),
}

impl Session for Conn {
    fn begin(&mut self) -> Result<()> {
        self.execute("BEGIN")?;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.execute("COMMIT")?;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        self.execute("ROLLBACK")?;
        Ok(())
    }

    fn run_sql(&mut self, sql: &str) -> Result<()> {
        self.execute(sql)?;
        Ok(())
    }

    fn run_params(&mut self, sql: &str, params: &[Option<&str>]) -> Result<()> {
        self.query(sql, params)?;
        Ok(())
    }

    fn run_statements(&mut self, statements: &[&str]) -> Result<(), StatementFailure> {
        for (i, s) in statements.iter().enumerate() {
            self.execute(s)
                .map_err(|e| StatementFailure::Statement(i, e))?;
        }
        Ok(())
    }

    fn take_notices(&mut self) -> Vec<Notice> {
        Conn::take_notices(self)
    }
}

impl Session for Worker {
    /// psycopg opens the transaction before the first statement (its
    /// connection is not in autocommit mode, as pum 1.x's).
    fn begin(&mut self) -> Result<()> {
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        Worker::commit(self)
    }

    fn rollback(&mut self) -> Result<()> {
        Worker::rollback(self)
    }

    fn run_sql(&mut self, sql: &str) -> Result<()> {
        self.run_statements(&[sql]).map_err(|f| match f {
            StatementFailure::Statement(_, e) => Error::Db(e.into()),
            StatementFailure::Other(e) => e,
        })
    }

    /// The values are written into the statement as quoted literals (the
    /// worker's protocol carries statements only).
    fn run_params(&mut self, sql: &str, params: &[Option<&str>]) -> Result<()> {
        let sql = inline_params(sql, params);
        self.run_sql(&sql)
    }

    fn run_statements(&mut self, statements: &[&str]) -> Result<(), StatementFailure> {
        self.sql(statements).map_err(|f| match f {
            SqlFailure::Statement(i, e) => StatementFailure::Statement(i, e),
            SqlFailure::Other(e) => StatementFailure::Other(e),
        })
    }

    fn take_notices(&mut self) -> Vec<Notice> {
        Worker::take_notices(self)
    }

    fn python(&mut self) -> Option<&mut Worker> {
        Some(self)
    }
}

/// `sql` with every `$N` outside quotes replaced by the literal of
/// parameter N (`NULL` for none). For pum's own statements only (their
/// text has no `$` in quotes or dollar-quoted bodies).
pub(crate) fn inline_params(sql: &str, params: &[Option<&str>]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let (mut single, mut double) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '$' if !single && !double && chars.peek().is_some_and(|d| d.is_ascii_digit()) => {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                let value = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| params.get(i.wrapping_sub(1)).copied())
                    .flatten();
                match value {
                    Some(v) => out.push_str(&quote_literal(v)),
                    None => out.push_str("NULL"),
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_literals_outside_quotes() {
        assert_eq!(
            inline_params(
                "INSERT INTO t VALUES ($1, $2::boolean, '$1', $10, $3)",
                &[Some("it's"), Some("true"), None]
            ),
            "INSERT INTO t VALUES ('it''s', 'true'::boolean, '$1', NULL, NULL)"
        );
    }
}
