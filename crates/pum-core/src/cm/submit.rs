//! `pum cm submit`: one change, run in every target schema, each time
//! committed together with its row in that schema's control table.

use std::path::{Path, PathBuf};

use super::{
    list, lock_table, plural, resolve_targets, rollback, run_parallel, timed, CmEvent,
    ControlTable, Emitter, Failure, Notices, Scope, Target, TargetResult,
};
use crate::apply::sql::{self, SqlFile};
use crate::error::{Error, Result};
use crate::pg::{quote_ident, Conn};
use crate::script::Piece;
use crate::vars::Variables;

/// A change: SQL text, from a file or given as it is.
#[derive(Debug, Clone)]
pub struct Change {
    /// The file, or `--change` for text given on the command line (errors
    /// name it with the line: `--change:2: ERROR ...`).
    pub label: PathBuf,
    /// The SQL, recorded as the row's `content`.
    pub text: String,
}

impl Change {
    /// The change in a file.
    pub fn file(path: &Path) -> Result<Change> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::invalid(format!(
                "{}: the change is not valid UTF-8; save it as UTF-8",
                path.display()
            ))
        })?;
        Ok(Change {
            label: path.to_path_buf(),
            text,
        })
    }

    /// SQL text given as it is.
    pub fn text(sql: &str) -> Change {
        Change {
            label: PathBuf::from("--change"),
            text: sql.to_string(),
        }
    }

    /// psql-cm's `--change FILE|SQL`: an existing file is read; a value
    /// that looks like a file name (one word, ending in `.sql` or holding a
    /// `/`) but names no file is an error rather than SQL; anything else is
    /// SQL.
    pub fn from_arg(arg: &str) -> Result<Change> {
        let path = Path::new(arg);
        if path.is_file() {
            return Change::file(path);
        }
        let one_word = !arg.trim().contains(char::is_whitespace) && !arg.contains(';');
        if one_word && (arg.ends_with(".sql") || arg.contains('/')) {
            return Err(Error::invalid(format!(
                "--change {arg}: no such file (a change is a file or SQL text such as \
                 --change 'ALTER TABLE t ADD c int;')"
            )));
        }
        Ok(Change::text(arg))
    }

    /// Splits the change and refuses what cannot commit with its row.
    fn prepare(&self) -> Result<SqlFile> {
        let file = sql::prepare(&self.label, self.text.as_bytes(), &Variables::new())?;
        let label = self.label.display();
        if file.pieces.is_empty() {
            return Err(Error::invalid(format!(
                "{label}: the change holds no SQL statement"
            )));
        }
        if file.no_transaction {
            return Err(Error::invalid(format!(
                "{label}:1: a change runs in a transaction with its row in the control table, so \
                 both commit or neither: `-- pum:no-transaction` is not possible here"
            )));
        }
        for p in &file.pieces {
            if let Some(word) = transaction_control(p) {
                return Err(Error::invalid(format!(
                    "{label}:{}: the change has a `{word}` of its own; pum runs each change in a \
                     transaction with its row in the control table, so that both commit or \
                     neither: remove it",
                    p.line()
                )));
            }
        }
        Ok(file)
    }
}

/// The statement's first word (`COMMIT`), if it opens or ends a
/// transaction (savepoints are fine).
fn transaction_control(piece: &Piece) -> Option<String> {
    let mut words = piece
        .sql()
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase());
    let first = words.next()?;
    let second = words.next();
    let is = match first.as_str() {
        "BEGIN" | "START" | "COMMIT" | "END" | "ABORT" | "PREPARE" => true,
        "ROLLBACK" => second.as_deref() != Some("TO"),
        _ => false,
    };
    is.then_some(first)
}

/// Options of [`submit`].
#[derive(Debug, Clone)]
pub struct SubmitOptions {
    /// Where.
    pub scope: Scope,
    /// What.
    pub change: Change,
    /// Recorded as each row's `implementer`.
    pub implementer: String,
    /// Go on with the other targets after one fails (`--keep-going`);
    /// by default no target starts after a failure.
    pub keep_going: bool,
    /// Submit to targets that already have this exact change recorded
    /// (`--again`); by default they are skipped.
    pub again: bool,
}

/// What submit did in one target.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SubmitOutcome {
    /// The change ran and is recorded; both are committed.
    Committed {
        /// Its row in the control table.
        row: i64,
    },
    /// The schema already has this exact change (an earlier submit):
    /// nothing was run.
    AlreadyThere {
        /// The row recording it.
        row: i64,
    },
    /// The change failed here and was rolled back: this schema has
    /// neither the change nor its row.
    Failed {
        /// Why.
        error: Failure,
    },
}

/// What [`submit`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubmitReport {
    /// The change's file, or `--change`.
    pub change: PathBuf,
    /// The targets worked on, in order.
    pub targets: Vec<TargetResult<SubmitOutcome>>,
    /// Targets not started: after a failure (without `keep_going`) or an
    /// interrupt. They do not have the change.
    pub not_attempted: Vec<Target>,
}

impl SubmitReport {
    /// Targets where the change is committed (now or before).
    pub fn committed(&self) -> Vec<&Target> {
        self.targets
            .iter()
            .filter(|t| !matches!(t.outcome, SubmitOutcome::Failed { .. }))
            .map(|t| &t.target)
            .collect()
    }

    /// Targets that do not have the change: failed, or not attempted.
    pub fn not_committed(&self) -> Vec<&Target> {
        self.targets
            .iter()
            .filter(|t| matches!(t.outcome, SubmitOutcome::Failed { .. }))
            .map(|t| &t.target)
            .chain(self.not_attempted.iter())
            .collect()
    }

    /// How many targets failed.
    pub fn failed(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| matches!(t.outcome, SubmitOutcome::Failed { .. }))
            .count()
    }
}

/// Runs the change in every target, one transaction per schema: `BEGIN`,
/// `SET LOCAL search_path` to the schema, the change's statements, its row
/// (`is_base = false`), `COMMIT`. A schema has both the change and its
/// row, or neither.
///
/// Checked before anything runs: the change (split into statements; no
/// `BEGIN`/`COMMIT` of its own), the databases and named schemas exist,
/// every target is set up. At the first failure no further target starts
/// (unless `keep_going`); the ones already committed stay committed and
/// the report says exactly which have the change and which do not.
pub fn submit(opts: &SubmitOptions, events: &mut dyn FnMut(&CmEvent)) -> Result<SubmitReport> {
    let scope = &opts.scope;
    scope.validate(true)?;
    let file = opts.change.prepare()?;
    let mut maint = scope.maintenance()?;
    let existing = scope.existing_databases(&mut maint)?;
    drop(maint);
    scope.require_databases(&existing, "")?;
    let (found, missing) = resolve_targets(scope, &scope.databases)?;
    if !missing.is_empty() {
        return Err(Error::invalid(format!(
            "{} named by --schemas {} not exist: {}; nothing was changed",
            plural(missing.len(), "a schema", "schemas"),
            if missing.len() == 1 { "does" } else { "do" },
            list(&missing)
        )));
    }
    let mut targets = Vec::new();
    let mut not_set_up = Vec::new();
    for (t, table) in found {
        match table {
            ControlTable::Present => targets.push(t),
            ControlTable::Missing => not_set_up.push(t),
        }
    }
    if !not_set_up.is_empty() {
        return Err(Error::invalid(format!(
            "{} not set up for change management (no table {}): {}\n  run `pum cm setup` \
             with the same --databases and --schemas first; nothing was changed",
            plural(not_set_up.len(), "this schema is", "these schemas are"),
            scope.table,
            list(&not_set_up)
        )));
    }

    let results = run_parallel(
        &targets,
        scope.jobs,
        |r: &TargetResult<SubmitOutcome>| {
            !opts.keep_going && matches!(r.outcome, SubmitOutcome::Failed { .. })
        },
        |t, emitter, _: &mut ()| {
            timed(
                t,
                emitter,
                || submit_one(opts, &file, t, emitter),
                |o| !matches!(o, SubmitOutcome::Failed { .. }),
            )
        },
        events,
    );
    let mut report = SubmitReport {
        change: opts.change.label.clone(),
        targets: Vec::new(),
        not_attempted: Vec::new(),
    };
    for (t, r) in targets.into_iter().zip(results) {
        match r {
            Some(r) => report.targets.push(r),
            None => report.not_attempted.push(t),
        }
    }
    Ok(report)
}

fn submit_one(
    opts: &SubmitOptions,
    file: &SqlFile,
    t: &Target,
    emitter: &Emitter,
) -> SubmitOutcome {
    let mut conn = match opts.scope.connect(&t.database) {
        Ok(c) => c,
        Err(e) => return SubmitOutcome::Failed { error: (&e).into() },
    };
    let _watch = crate::interrupt::watch_conn(&conn);
    match try_submit(opts, file, t, emitter, &mut conn) {
        Ok(o) => o,
        Err(e) => {
            rollback(&mut conn);
            SubmitOutcome::Failed { error: (&e).into() }
        }
    }
}

fn try_submit(
    opts: &SubmitOptions,
    file: &SqlFile,
    t: &Target,
    emitter: &Emitter,
    conn: &mut Conn,
) -> Result<SubmitOutcome> {
    crate::interrupt::check()?;
    let table = opts.scope.table_sql(&t.schema);
    conn.execute("BEGIN")?;
    lock_table(conn, &table)?;
    if !opts.again {
        let seen = conn.query(
            &format!(
                "SELECT id::text FROM {table} WHERE NOT is_base AND content = $1 ORDER BY id DESC LIMIT 1"
            ),
            &[Some(&opts.change.text)],
        )?;
        if let Some(id) = seen.scalar() {
            let row = id.parse().unwrap_or_default();
            conn.execute("ROLLBACK")?;
            return Ok(SubmitOutcome::AlreadyThere { row });
        }
    }
    conn.execute(&format!(
        "SET LOCAL search_path TO {}",
        quote_ident(&t.schema)
    ))?;
    let mut notices = Notices { target: t, emitter };
    sql::run(conn, &opts.change.label, file, &mut notices)?;
    if !conn.in_transaction() {
        return Err(Error::invalid(format!(
            "{}: the change ended pum's transaction; what it did before is committed, but its \
             row could not be written with it",
            opts.change.label.display()
        )));
    }
    let row = conn.query(
        &format!(
            "INSERT INTO {table} (is_base, implementer, content) VALUES (false, $1, $2) RETURNING id::text"
        ),
        &[Some(&opts.implementer), Some(&opts.change.text)],
    )?;
    sql::control(conn, "COMMIT", &opts.change.label, Some(file), &mut notices)?;
    Ok(SubmitOutcome::Committed {
        row: row
            .scalar()
            .and_then(|v| v.parse().ok())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_that_would_commit_without_their_row_are_refused() {
        for (sql, word, line) in [
            ("CREATE TABLE t (a int);\nCOMMIT;\n", "COMMIT", 2),
            ("BEGIN;\nCREATE TABLE t (a int);\n", "BEGIN", 1),
            ("START TRANSACTION;", "START", 1),
            ("SELECT 1;\n\nend;", "END", 3),
            ("ROLLBACK;", "ROLLBACK", 1),
            ("PREPARE TRANSACTION 'x';", "PREPARE", 1),
        ] {
            let e = Change::text(sql).prepare().unwrap_err().to_string();
            assert!(
                e.starts_with(&format!(
                    "--change:{line}: the change has a `{word}` of its own"
                )),
                "{sql:?}: {e}"
            );
        }
        let ok = "SAVEPOINT a;\nCREATE TABLE t (a int);\nROLLBACK TO SAVEPOINT a;\n\
                  CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;";
        assert_eq!(Change::text(ok).prepare().unwrap().pieces.len(), 4);
        let e = Change::text("-- pum:no-transaction\nVACUUM;")
            .prepare()
            .unwrap_err();
        assert!(e.to_string().contains("no-transaction"), "{e}");
        let e = Change::text("  -- only a comment\n").prepare().unwrap_err();
        assert!(e.to_string().contains("no SQL statement"), "{e}");
        let e = Change::text("SELECT 'unterminated;").prepare().unwrap_err();
        assert!(e.to_string().starts_with("--change:1:"), "{e}");
    }

    #[test]
    fn a_change_is_a_file_or_sql() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("c.sql");
        std::fs::write(&f, "ALTER TABLE t ADD c int;\n").unwrap();
        let c = Change::from_arg(f.to_str().unwrap()).unwrap();
        assert_eq!(c.label, f);
        assert_eq!(c.text, "ALTER TABLE t ADD c int;\n");
        let c = Change::from_arg("ALTER TABLE t ADD c int").unwrap();
        assert_eq!(c.label, Path::new("--change"));
        for missing in ["chnage.sql", "changes/2025.sql"] {
            let e = Change::from_arg(missing).unwrap_err().to_string();
            assert!(e.contains("no such file"), "{e}");
        }
        std::fs::write(&f, b"\xff\xfe").unwrap();
        assert!(Change::from_arg(f.to_str().unwrap()).is_err());
    }
}
