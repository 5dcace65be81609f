//! Running an ordered list of scripts: the one runner behind `upgrade`,
//! `create` and `deploy`.
//!
//! A command finds its scripts (pum 0.x deltas, a creation tree, ordinal
//! deployments: each a [`Script`]), decides the order, then hands them to
//! [`run`] with the table that records them (a [`History`]). The runner
//! owns everything about running:
//!
//! - **transactions**: each script and its row commit together
//!   ([`Transactions::PerScript`]), or everything runs in one transaction
//!   ([`Transactions::Single`]); a script marked `-- pum:no-transaction`
//!   runs outside any transaction (in `Single` mode the work before it is
//!   committed first);
//! - **round trips**: an ordinary SQL script is sent with its row in one
//!   libpq pipeline, every statement still reporting its own error, so the
//!   failing file and line are exact;
//! - **session state**: a `SET` in one script does not leak into the next;
//!   each script starts from the settings the session had before the first
//!   one, except after scripts that [set the session](Script::sets_session)
//!   for the rest of the run (pum 0.x's pre-all files);
//! - **Python scripts** run in the interpreter handed over in
//!   [`RunOptions::python`], then their row is written;
//! - **failures and signals**: the failing script leaves nothing (or says
//!   what it may leave, [`Leftover`]), and the [`RunFailure`] tells what
//!   stays committed.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::apply::{python, sql};
use crate::delta::{self, Lang};
use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::pg::Conn;
use crate::vars::Variables;
use crate::version::Version;

/// One script to run, whatever scheme named it.
pub trait Script {
    /// The file.
    fn path(&self) -> &Path;
    /// SQL or Python.
    fn lang(&self) -> Lang {
        Lang::Sql
    }
    /// What progress calls it (`1.2.3 add_pipes (delta sql)`, `deployment 00004`).
    fn label(&self) -> String;
    /// The module name a Python script is imported as.
    fn module_name(&self) -> &str {
        ""
    }
    /// The version the database is at once this script ran, for the
    /// scripts that move it (pum 0.x versioned deltas).
    fn version(&self) -> Option<Version> {
        None
    }
    /// True when the session settings this script makes hold for the rest
    /// of the run (pum 0.x pre-all files). Every other SQL script starts
    /// from the settings the session had before it.
    fn sets_session(&self) -> bool {
        false
    }
}

/// How long a script took, for the history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elapsed {
    /// Computed by the server when the row is written: the time since the
    /// script's transaction began.
    SinceTransactionStart,
    /// Measured by pum, in milliseconds.
    Millis(i32),
}

/// A statement with its parameters (always bound, never spliced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The SQL, with `$1`... placeholders.
    pub sql: String,
    /// The parameters.
    pub params: Vec<Option<String>>,
}

impl Record {
    /// A statement without parameters.
    pub fn plain(sql: impl Into<String>) -> Record {
        Record {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    fn borrowed(&self) -> Vec<Option<&str>> {
        self.params.iter().map(|p| p.as_deref()).collect()
    }
}

/// A table that records the scripts applied to a database (pum's upgrades
/// table, `tbl_deployments`).
pub trait History<S: ?Sized> {
    /// The statement that records `script`, whose bytes hash to `checksum`;
    /// it runs inside the script's transaction. `None` when the script is
    /// not recorded (pum 0.x pre-all and post-all files, creation files).
    fn record(&self, script: &S, checksum: &str, elapsed: Elapsed) -> Option<Record>;
}

/// Records nothing: for scripts that run without a history (creation).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHistory;

impl<S: ?Sized> History<S> for NoHistory {
    fn record(&self, _script: &S, _checksum: &str, _elapsed: Elapsed) -> Option<Record> {
        None
    }
}

/// Where transactions begin and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transactions {
    /// Each script and its row commit together; a failure keeps what ran
    /// before.
    PerScript,
    /// Everything (and [`RunOptions::finally`]) in one transaction: a
    /// failure leaves the database as it was. A script marked
    /// `-- pum:no-transaction` commits what ran before it and runs on its
    /// own; callers that cannot allow that refuse such scripts first.
    Single,
}

/// How to run.
pub struct RunOptions<'a> {
    /// Where transactions begin and end.
    pub transactions: Transactions,
    /// `-v` variables for pum 0.x substitution (none: files sent as they are).
    pub variables: &'a Variables,
    /// The interpreter of the Python scripts (needed when there are some).
    pub python: Option<python::Worker>,
    /// The version the database is at before the first script.
    pub current: Option<Version>,
    /// Work done after the last script: in the same transaction in
    /// `Single` mode, in one of its own otherwise (e.g. the upgrades table
    /// and baseline row of a database just created).
    pub finally: Option<Finally<'a>>,
}

/// Work done on the connection after the last script.
pub type Finally<'a> = Box<dyn FnOnce(&mut Conn) -> Result<()> + 'a>;

impl<'a> RunOptions<'a> {
    /// Each script in its own transaction, no variables, no interpreter.
    pub fn new(transactions: Transactions, variables: &'a Variables) -> Self {
        RunOptions {
            transactions,
            variables,
            python: None,
            current: None,
            finally: None,
        }
    }
}

/// A script that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Ran {
    /// Its position in the list given to [`run`].
    pub index: usize,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// What a script that failed or was interrupted leaves in the database. It
/// is never recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Leftover {
    /// Its transaction rolled back: nothing of it stays.
    Nothing,
    /// Marked `-- pum:no-transaction`: the statements that ran before it
    /// stopped stay, so it may be partly applied.
    MayBePartial,
    /// A Python script: what it changed through its own connections stays.
    OwnConnections,
}

/// A run that stopped.
#[derive(Debug)]
pub struct RunFailure {
    /// Why it stopped ([`Error::Interrupted`] when a signal stopped it).
    pub error: Error,
    /// Scripts that ran and stay committed, in order.
    pub committed: Vec<Ran>,
    /// Scripts that ran but were rolled back with the failing one (`Single`
    /// mode).
    pub rolled_back: Vec<Ran>,
    /// The script that was running, and what it leaves.
    pub stopped_in: Option<(usize, Leftover)>,
}

/// Runs `scripts` in order and records each in `history`. The caller holds
/// the lock and has checked the plan. Returns the scripts that ran.
pub fn run<S: Script>(
    conn: &mut Conn,
    scripts: &[&S],
    history: &dyn History<S>,
    opts: RunOptions<'_>,
    observer: &mut dyn Observer,
) -> Result<Vec<Ran>, RunFailure> {
    // A signal cancels the statement running here (and rolls it back).
    let _watch = crate::interrupt::watch_conn(conn);
    let single = opts.transactions == Transactions::Single;
    let finally = opts.finally;
    let mut runner = Runner {
        conn,
        history,
        observer,
        variables: opts.variables,
        single,
        worker: opts.python,
        current: opts.current,
        total: scripts.len(),
        ran: Vec::new(),
        committed: 0,
        settings: None,
        needs_restore: false,
        running_no_transaction: false,
    };
    let mut stopped_in = None;
    let outcome = (|| {
        crate::interrupt::check()?;
        for (i, s) in scripts.iter().enumerate() {
            if let Err(e) = runner.script(*s, i) {
                stopped_in = Some((i, runner.leftover(*s)));
                return Err(e);
            }
        }
        runner.finish(scripts.last().map(|s| s.path()), finally)
    })();
    match outcome {
        Ok(()) => Ok(runner.ran),
        Err(error) => {
            if runner.conn.in_transaction() {
                let _ = runner.conn.execute("ROLLBACK");
            }
            // A statement cancelled, a lock wait ended or a Python worker
            // terminated by a signal: report the signal, not its symptom.
            let error = match crate::interrupt::requested() {
                Some(signal) => Error::Interrupted { signal },
                None => error,
            };
            let rolled_back = runner.ran.split_off(runner.committed);
            Err(RunFailure {
                error,
                committed: runner.ran,
                rolled_back,
                stopped_in,
            })
        }
    }
}

/// State of a run.
struct Runner<'a, 'o, S: ?Sized> {
    conn: &'a mut Conn,
    history: &'a dyn History<S>,
    observer: &'a mut (dyn Observer + 'o),
    variables: &'a Variables,
    single: bool,
    worker: Option<python::Worker>,
    current: Option<Version>,
    total: usize,
    ran: Vec<Ran>,
    /// How many of `ran` are committed.
    committed: usize,
    /// The session settings scripts start from, taken before the first
    /// script that must not change them for the others.
    settings: Option<Vec<(String, String)>>,
    /// A script ran since the session was last brought back to them.
    needs_restore: bool,
    /// The SQL script running now is marked `-- pum:no-transaction`.
    running_no_transaction: bool,
}

/// The most statements a script may have to be sent in one round trip.
const PIPELINE_MAX_STATEMENTS: usize = 64;
/// The most SQL text a script may have to be sent in one round trip.
const PIPELINE_MAX_BYTES: usize = 256 * 1024;

/// True for statements that end or open transactions themselves.
fn is_transaction_control(sql: &str) -> bool {
    let word: String = sql
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "PREPARE"
    )
}

impl<S: Script + ?Sized> Runner<'_, '_, S> {
    fn leftover(&self, s: &S) -> Leftover {
        match s.lang() {
            Lang::Python => Leftover::OwnConnections,
            Lang::Sql if self.running_no_transaction => Leftover::MayBePartial,
            Lang::Sql => Leftover::Nothing,
        }
    }

    fn script(&mut self, s: &S, index: usize) -> Result<()> {
        crate::interrupt::check()?;
        self.running_no_transaction = false;
        let label = s.label();
        self.observer.event(&Event::Starting {
            file: s.path(),
            label: &label,
            index: index + 1,
            total: self.total,
        });
        let isolated = s.lang() == Lang::Sql && !s.sets_session();
        if isolated && self.settings.is_none() {
            self.settings = Some(self.session_settings()?);
        }
        let started = Instant::now();
        let bytes = delta::read(s.path())?;
        match s.lang() {
            Lang::Sql => self
                .sql(s, &bytes, started)
                .map_err(|e| sql::explain_undefined_variables(e, &bytes, self.variables))?,
            Lang::Python => self.python(s, &bytes, started)?,
        }
        // A SET in one file (pg_dump files set search_path to '') must not
        // change how the next file runs.
        self.needs_restore |= isolated;
        if let Some(v) = s.version() {
            self.current = self.current.max(Some(v));
        }
        let elapsed = started.elapsed();
        self.observer.event(&Event::Finished {
            file: s.path(),
            elapsed,
        });
        self.ran.push(Ran {
            index,
            millis: elapsed.as_millis() as u64,
        });
        // Outside a transaction, what ran is committed.
        if !self.conn.in_transaction() {
            self.committed = self.ran.len();
        }
        Ok(())
    }

    /// In `Single` mode, opens the run's transaction if none is open (at
    /// the start, and again after a `-- pum:no-transaction` script).
    fn ensure_transaction(&mut self) -> Result<()> {
        if self.single && !self.conn.in_transaction() {
            self.conn.execute("BEGIN")?;
        }
        Ok(())
    }

    /// The statements after the last script, then the final COMMIT.
    fn finish(&mut self, last: Option<&Path>, finally: Option<Finally<'_>>) -> Result<()> {
        let last = last.unwrap_or(Path::new("-"));
        if let Some(work) = finally {
            self.restore_session()?;
            if self.single {
                self.ensure_transaction()?;
            } else {
                self.conn.execute("BEGIN")?;
            }
            work(self.conn)?;
            if !self.single {
                self.conn.execute("COMMIT")?;
            }
        }
        if self.single && self.conn.in_transaction() {
            sql::control(self.conn, "COMMIT", last, None, self.observer)?;
        }
        self.committed = self.ran.len();
        Ok(())
    }

    /// The session settings made so far.
    fn session_settings(&mut self) -> Result<Vec<(String, String)>> {
        let rows = self.conn.query(
            "SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session' ORDER BY name",
            &[],
        )?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| {
                let mut it = r.into_iter();
                Some((it.next()??, it.next()??))
            })
            .collect())
    }

    /// The statements that bring the session back to the settings scripts
    /// start from (none when no script ran since).
    fn restore_statements(&self) -> Vec<Record> {
        if !self.needs_restore {
            return Vec::new();
        }
        let mut out = vec![Record::plain("RESET ALL")];
        for (name, value) in self.settings.iter().flatten() {
            out.push(Record {
                sql: "SELECT pg_catalog.set_config($1, $2, false)".into(),
                params: vec![Some(name.clone()), Some(value.clone())],
            });
        }
        out
    }

    /// Brings the session back, one statement at a time.
    fn restore_session(&mut self) -> Result<()> {
        for r in &self.restore_statements() {
            self.conn.query(&r.sql, &r.borrowed())?;
        }
        self.needs_restore = false;
        Ok(())
    }

    fn sql(&mut self, s: &S, bytes: &[u8], started: Instant) -> Result<()> {
        let path = s.path();
        let file = sql::prepare(path, bytes, self.variables)?;
        let checksum = delta::checksum(bytes);
        if file.no_transaction {
            return self.sql_outside_transaction(s, &checksum, &file, started);
        }
        self.ensure_transaction()?;
        // In a script's own transaction, the server times its row; in one
        // long transaction it would count from the start of the run, so
        // there pum times the script and writes the row after it.
        let timed = self
            .history
            .record(s, &checksum, Elapsed::SinceTransactionStart);
        if pipelinable(&file) && (!self.single || timed.is_none()) {
            return self.sql_pipelined(path, &file, timed.as_ref());
        }
        self.restore_session()?;
        if !self.single {
            sql::control(self.conn, "BEGIN", path, None, self.observer)?;
        }
        let res = sql::run(self.conn, path, &file, self.observer).and_then(|()| {
            if !self.single && !self.conn.in_transaction() {
                let msg = format!(
                    "{} ends the transaction itself (COMMIT/ROLLBACK inside the file); \
                     its row is recorded separately",
                    path.display()
                );
                self.observer.event(&Event::Warning { message: &msg });
            }
            let ms = elapsed_ms(started.elapsed());
            let record = self.history.record(s, &checksum, Elapsed::Millis(ms));
            self.write(path, record.as_ref(), false)
        });
        res?;
        if !self.single && self.conn.in_transaction() {
            sql::control(self.conn, "COMMIT", path, Some(&file), self.observer)?;
        }
        Ok(())
    }

    /// A script marked `-- pum:no-transaction`: each statement commits on
    /// its own, then its row is written.
    fn sql_outside_transaction(
        &mut self,
        s: &S,
        checksum: &str,
        file: &sql::SqlFile,
        started: Instant,
    ) -> Result<()> {
        let path = s.path();
        if self.conn.in_transaction() {
            // What ran before stays: it cannot share this file's fate.
            sql::control(self.conn, "COMMIT", path, None, self.observer)?;
            self.committed = self.ran.len();
        }
        self.restore_session()?;
        self.running_no_transaction = true;
        sql::run(self.conn, path, file, self.observer)?;
        let ms = elapsed_ms(started.elapsed());
        let record = self.history.record(s, checksum, Elapsed::Millis(ms));
        self.write(path, record.as_ref(), true)
    }

    /// Writes a script's row; `kept` when the script's work is committed
    /// already, so a failure here leaves it unrecorded.
    fn write(&mut self, path: &Path, record: Option<&Record>, kept: bool) -> Result<()> {
        let Some(r) = record else { return Ok(()) };
        self.conn
            .query(&r.sql, &r.borrowed())
            .map(|_| ())
            .map_err(|error| Error::NotRecorded {
                file: path.to_path_buf(),
                kept,
                error: Box::new(error),
            })
    }

    /// Runs a script and its row in ONE round trip (libpq pipeline mode):
    /// session restore, BEGIN, the statements, the row, COMMIT (BEGIN and
    /// COMMIT only per script). Each statement still reports its own
    /// error, so the file and line are exact.
    fn sql_pipelined(
        &mut self,
        path: &Path,
        file: &sql::SqlFile,
        record: Option<&Record>,
    ) -> Result<()> {
        let restore = self.restore_statements();
        let own_tx = !self.single;
        let mut statements: Vec<(&str, Vec<Option<&str>>)> = restore
            .iter()
            .map(|r| (r.sql.as_str(), r.borrowed()))
            .collect();
        if own_tx {
            statements.push(("BEGIN", Vec::new()));
        }
        let first_piece = statements.len();
        statements.extend(file.pieces.iter().map(|p| (p.sql(), Vec::new())));
        let after_pieces = statements.len();
        if let Some(r) = record {
            statements.push((r.sql.as_str(), r.borrowed()));
        }
        if own_tx {
            statements.push(("COMMIT", Vec::new()));
        }
        let borrowed: Vec<(&str, &[Option<&str>])> =
            statements.iter().map(|(q, p)| (*q, p.as_slice())).collect();
        let result = self.conn.pipeline(&borrowed);
        for n in self.conn.take_notices() {
            self.observer.event(&Event::Notice {
                file: Some(path),
                notice: &n,
            });
        }
        let (index, error) = match result {
            Ok(_) => {
                self.needs_restore = false;
                return Ok(());
            }
            Err(e) => e,
        };
        if own_tx && self.conn.in_transaction() {
            let _ = self.conn.execute("ROLLBACK");
        }
        let piece = index
            .checked_sub(first_piece)
            .and_then(|i| file.pieces.get(i));
        let record_at = record.map(|_| after_pieces);
        Err(match piece {
            Some(p) => sql::located(path, p, error),
            None if Some(index) == record_at => Error::NotRecorded {
                file: path.to_path_buf(),
                kept: false,
                error: Box::new(error),
            },
            // COMMIT: a deferred constraint, charged to the file.
            None if index >= after_pieces => Error::DeltaSql {
                file: path.to_path_buf(),
                line: file.pieces.last().map_or(1, |p| p.line()),
                error: Box::new(error),
            },
            None => Error::from(error),
        })
    }

    fn python(&mut self, s: &S, bytes: &[u8], started: Instant) -> Result<()> {
        let path = s.path();
        let Some(worker) = &mut self.worker else {
            return Err(Error::invalid(format!(
                "{}: no Python interpreter was started for this run",
                path.display()
            )));
        };
        let job = python::PythonJob {
            file: path,
            module_name: s.module_name(),
            current_db_version: self.current.map(|v| v.to_string()),
        };
        let observer = &mut *self.observer;
        worker.run(&job, &mut |out| match out {
            python::Output::Stdout(line) => observer.event(&Event::PythonOutput {
                file: path,
                line,
                stderr: false,
            }),
            python::Output::Stderr(line) => observer.event(&Event::PythonOutput {
                file: path,
                line,
                stderr: true,
            }),
            python::Output::Warning(message) => observer.event(&Event::Warning { message }),
        })?;
        // The script committed on its own connection: if the row cannot be
        // written now, its work stays unrecorded, and the error says so.
        let ms = elapsed_ms(started.elapsed());
        let record = self
            .history
            .record(s, &delta::checksum(bytes), Elapsed::Millis(ms));
        self.write(path, record.as_ref(), true)
    }
}

fn elapsed_ms(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}

/// True when a script can be sent in one round trip: plain statements
/// only (no COPY data, no transaction control), and not too many.
fn pipelinable(file: &sql::SqlFile) -> bool {
    file.pieces.len() <= PIPELINE_MAX_STATEMENTS
        && file.pieces.iter().map(|p| p.sql().len()).sum::<usize>() <= PIPELINE_MAX_BYTES
        && file.pieces.iter().all(|p| {
            matches!(p, crate::script::Piece::Statement { .. }) && !is_transaction_control(p.sql())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_control_is_recognised_whatever_the_case() {
        for s in [
            "BEGIN",
            "  commit;",
            "End",
            "rollback to x",
            "PREPARE TRANSACTION 'a'",
        ] {
            assert!(is_transaction_control(s), "{s}");
        }
        for s in [
            "SELECT 1",
            "CREATE TABLE begin_x (i int)",
            "COMMENT ON TABLE t IS 'x'",
        ] {
            assert!(!is_transaction_control(s), "{s}");
        }
    }
}
