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
//! - **round trips**: ordinary SQL scripts (plain statements, no COPY, no
//!   transaction control) travel with their rows in libpq pipelines, many
//!   scripts per round trip, each still in its own transaction and every
//!   statement still reporting its own error, so the failing file and line
//!   are exact and nothing after a failure runs;
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
    /// The statements of a SQL script whose source prepares them itself
    /// (pum 1.x changelogs and hooks: their own statement splitting and
    /// `{name}` parameters). `None`, the default: the runner reads
    /// [`path`](Script::path) and prepares it as a pum 0.x script (psql's
    /// splitting, `-v` variables). For a script that gives its
    /// statements, the checksum handed to [`History::record`] is that of
    /// their text.
    fn statements(&self) -> Option<Result<sql::SqlFile>> {
        None
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
    /// failure leaves the database as it was. A transaction the caller
    /// opened before [`run`] is that transaction (work done in it before
    /// the first script shares its fate). A script marked
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
        let mut i = 0;
        while i < scripts.len() {
            // Ordinary SQL scripts travel together, several per round trip;
            // any other script (or one that cannot be read or prepared, so
            // that its error comes in its turn) runs on its own.
            let batch = runner.gather(&scripts[i..]);
            let result = if batch.is_empty() {
                runner.script(scripts[i], i).map(|()| 1).map_err(|e| (i, e))
            } else {
                runner.batch(&scripts[i..], i, batch)
            };
            match result {
                Ok(n) => i += n,
                Err((at, e)) => {
                    stopped_in = Some((at, runner.leftover(scripts[at])));
                    return Err(e);
                }
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
/// The most statements (the scripts', their rows, BEGIN, COMMIT and
/// session resets) sent in one round trip. Every statement is sent before
/// any outcome is read, so the outcomes must fit in the socket buffers:
/// a few dozen bytes each.
const BATCH_MAX_STATEMENTS: usize = 1024;
/// The most SQL text sent in one round trip.
const BATCH_MAX_BYTES: usize = 1024 * 1024;

/// A SQL script read and prepared.
struct Loaded {
    /// The file's bytes, for hints about pum 0.x variables (empty when
    /// the source gave the statements).
    bytes: Vec<u8>,
    file: sql::SqlFile,
    /// What its row records as its checksum.
    checksum: String,
}

/// A script read and prepared to travel in a batch.
struct Prepared {
    bytes: Vec<u8>,
    file: sql::SqlFile,
    /// Its row, timed by the server (per-script transactions only).
    record: Option<Record>,
}

/// Where one script's statements sit in a batch.
struct Span {
    /// Its first own statement.
    first_piece: usize,
    /// The statement after its own ones (its row, COMMIT, or the next
    /// script's first).
    after_pieces: usize,
    /// Its row's statement, if it has one.
    record_at: Option<usize>,
    /// The statement after its last.
    end: usize,
}

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

    /// Reads and prepares a SQL script (or takes the statements its source
    /// prepared).
    fn load(&self, s: &S) -> Result<Loaded> {
        if let Some(file) = s.statements() {
            let file = file?;
            let mut text = String::new();
            for p in &file.pieces {
                text.push_str(p.sql());
                text.push('\n');
            }
            return Ok(Loaded {
                bytes: Vec::new(),
                checksum: delta::checksum(text.as_bytes()),
                file,
            });
        }
        let bytes = delta::read(s.path())?;
        let file = sql::prepare(s.path(), &bytes, self.variables)?;
        Ok(Loaded {
            checksum: delta::checksum(&bytes),
            bytes,
            file,
        })
    }

    fn script(&mut self, s: &S, index: usize) -> Result<()> {
        crate::interrupt::check()?;
        self.running_no_transaction = false;
        self.starting(s, index);
        let isolated = s.lang() == Lang::Sql && !s.sets_session();
        if isolated && self.settings.is_none() {
            self.settings = Some(self.session_settings()?);
        }
        let started = Instant::now();
        match s.lang() {
            Lang::Sql => {
                let loaded = self.load(s)?;
                self.sql(s, &loaded, started).map_err(|e| {
                    sql::explain_undefined_variables(e, &loaded.bytes, self.variables)
                })?
            }
            Lang::Python => {
                let bytes = delta::read(s.path())?;
                self.python(s, &bytes, started)?
            }
        }
        // A SET in one file (pg_dump files set search_path to '') must not
        // change how the next file runs.
        self.needs_restore |= isolated;
        self.finished(s, index, started.elapsed());
        Ok(())
    }

    fn starting(&mut self, s: &S, index: usize) {
        let label = s.label();
        self.observer.event(&Event::Starting {
            file: s.path(),
            label: &label,
            index: index + 1,
            total: self.total,
        });
    }

    /// Bookkeeping once a script ran.
    fn finished(&mut self, s: &S, index: usize, elapsed: Duration) {
        if let Some(v) = s.version() {
            self.current = self.current.max(Some(v));
        }
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
    }

    /// The ordinary SQL scripts at the head of `scripts` that can travel
    /// together in one round trip (none when the first cannot).
    fn gather(&mut self, scripts: &[&S]) -> Vec<Prepared> {
        let mut batch = Vec::new();
        let (mut statements, mut bytes) = (0, 0);
        // A session reset: RESET ALL and one set_config per setting.
        let reset = 1 + self.settings.as_ref().map_or(0, Vec::len);
        for s in scripts {
            if s.lang() != Lang::Sql || s.sets_session() {
                break;
            }
            let Ok(Loaded {
                bytes: content,
                file,
                checksum,
            }) = self.load(s)
            else {
                break;
            };
            if file.no_transaction || !pipelinable(&file) {
                break;
            }
            let record = self
                .history
                .record(s, &checksum, Elapsed::SinceTransactionStart);
            // In one long transaction the server would time a row from the
            // start of the run: such scripts go on their own, timed by pum.
            if self.single && record.is_some() {
                break;
            }
            let size: usize = file.pieces.iter().map(|p| p.sql().len()).sum();
            // The pieces, a session reset, BEGIN, the row and COMMIT.
            let count = file.pieces.len() + reset + 3;
            if !batch.is_empty()
                && (statements + count > BATCH_MAX_STATEMENTS || bytes + size > BATCH_MAX_BYTES)
            {
                break;
            }
            statements += count;
            bytes += size;
            batch.push(Prepared {
                bytes: content,
                file,
                record,
            });
        }
        batch
    }

    /// Runs `batch`, the prepared scripts at the head of `scripts` (`first`
    /// being the first one's index in the run), in ONE round trip (libpq
    /// pipeline mode): for each, a session reset, BEGIN, its statements,
    /// its row and COMMIT (BEGIN and COMMIT only per script). Each
    /// statement still reports its own error, so the failing file and line
    /// are exact, and the server skips everything after a failure. Returns
    /// how many scripts ran, or the failing one's index and error.
    fn batch(
        &mut self,
        scripts: &[&S],
        first: usize,
        batch: Vec<Prepared>,
    ) -> Result<usize, (usize, Error)> {
        let at_first = |e: Error| (first, e);
        crate::interrupt::check().map_err(at_first)?;
        self.starting(scripts[0], first);
        if self.settings.is_none() {
            self.settings = Some(self.session_settings().map_err(at_first)?);
        }
        self.ensure_transaction().map_err(at_first)?;
        let own_tx = !self.single;
        let reset = self.restore_statements();
        let mut statements: Vec<(&str, Vec<Option<&str>>)> = Vec::new();
        let mut spans = Vec::with_capacity(batch.len());
        for (j, p) in batch.iter().enumerate() {
            // The first script resets the session only when the one before
            // the batch changed it; every later one does.
            if j > 0 || self.needs_restore {
                statements.extend(reset.iter().map(|r| (r.sql.as_str(), r.borrowed())));
            }
            if own_tx {
                statements.push(("BEGIN", Vec::new()));
            }
            let first_piece = statements.len();
            statements.extend(p.file.pieces.iter().map(|piece| (piece.sql(), Vec::new())));
            let after_pieces = statements.len();
            let record_at = p.record.as_ref().map(|r| {
                statements.push((r.sql.as_str(), r.borrowed()));
                after_pieces
            });
            if own_tx {
                statements.push(("COMMIT", Vec::new()));
            }
            spans.push(Span {
                first_piece,
                after_pieces,
                record_at,
                end: statements.len(),
            });
        }
        let started = Instant::now();
        let borrowed: Vec<(&str, &[Option<&str>])> =
            statements.iter().map(|(q, p)| (*q, p.as_slice())).collect();
        let mut notices = Vec::new();
        let result = self.conn.pipeline(&borrowed, &mut notices);
        // The failing script's transaction ends here; those before it are
        // committed.
        if result.is_err() && own_tx && self.conn.in_transaction() {
            let _ = self.conn.execute("ROLLBACK");
        }
        // The scripts of a batch share its round trip's time.
        let each = started.elapsed() / batch.len() as u32;
        // The script that failed (the server skipped those after it).
        let failed = match &result {
            Ok(_) => batch.len(),
            Err((at, _)) => spans
                .iter()
                .position(|sp| *at < sp.end)
                .unwrap_or(batch.len() - 1),
        };
        let mut notices = notices.into_iter().peekable();
        for (j, span) in spans.iter().enumerate().take(failed + 1) {
            if j > 0 {
                self.starting(scripts[j], first + j);
            }
            while let Some((_, n)) = notices.next_if(|(at, _)| *at < span.end) {
                self.observer.event(&Event::Notice {
                    file: Some(scripts[j].path()),
                    notice: &n,
                });
            }
            if j < failed {
                self.needs_restore = true;
                self.finished(scripts[j], first + j, each);
            }
        }
        let Err((index, error)) = result else {
            return Ok(batch.len());
        };
        let (span, p) = (&spans[failed], &batch[failed]);
        let path = scripts[failed].path();
        let piece = (span.first_piece..span.after_pieces)
            .contains(&index)
            .then(|| &p.file.pieces[index - span.first_piece]);
        let error = match piece {
            Some(piece) => sql::located(path, piece, error),
            None if Some(index) == span.record_at => Error::NotRecorded {
                file: path.to_path_buf(),
                kept: false,
                error: Box::new(error),
            },
            // COMMIT: a deferred constraint, charged to the file.
            None if index >= span.after_pieces => Error::DeltaSql {
                file: path.to_path_buf(),
                line: p.file.pieces.last().map_or(1, |p| p.line()),
                error: Box::new(error),
            },
            // A session reset or BEGIN.
            None => Error::from(error),
        };
        Err((
            first + failed,
            sql::explain_undefined_variables(error, &p.bytes, self.variables),
        ))
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
    /// start from.
    fn restore_statements(&self) -> Vec<Record> {
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
        if !self.needs_restore {
            return Ok(());
        }
        for r in &self.restore_statements() {
            self.conn.query(&r.sql, &r.borrowed())?;
        }
        self.needs_restore = false;
        Ok(())
    }

    fn sql(&mut self, s: &S, loaded: &Loaded, started: Instant) -> Result<()> {
        let path = s.path();
        let (file, checksum) = (&loaded.file, &loaded.checksum);
        if file.no_transaction {
            return self.sql_outside_transaction(s, checksum, file, started);
        }
        self.ensure_transaction()?;
        self.restore_session()?;
        if !self.single {
            sql::control(self.conn, "BEGIN", path, None, self.observer)?;
        }
        let res = sql::run(self.conn, path, file, self.observer).and_then(|()| {
            if !self.single && !self.conn.in_transaction() {
                let msg = format!(
                    "{} ends the transaction itself (COMMIT/ROLLBACK inside the file); \
                     its row is recorded separately",
                    path.display()
                );
                self.observer.event(&Event::Warning { message: &msg });
            }
            let ms = elapsed_ms(started.elapsed());
            let record = self.history.record(s, checksum, Elapsed::Millis(ms));
            self.write(path, record.as_ref(), false)
        });
        res?;
        if !self.single && self.conn.in_transaction() {
            sql::control(self.conn, "COMMIT", path, Some(file), self.observer)?;
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
