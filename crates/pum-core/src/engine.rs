//! The three operations on the upgrades table, each a checklist:
//! connect, lock, read the table, discover, plan, run, unlock.
//!
//! - [`baseline`] creates the table and records the version a database is at;
//! - [`info`] reports every delta's status without changing anything;
//! - [`upgrade`] runs the pending deltas, each delta and its row committed
//!   together (or the whole run in one transaction).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::apply::{python, sql};
use crate::delta::{self, type_bits, Delta, Discovery, Lang};
use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::history::{AppliedRow, NewRow, UpgradesTable, DEFAULT_LOCK_TIMEOUT};
use crate::pg::{Conn, ConnTarget};
use crate::plan::{self, Plan, PlanOptions};
use crate::vars::Variables;
use crate::version::Version;

/// What `info` and `upgrade` read: the table and the delta directories.
#[derive(Debug, Clone)]
pub struct Source {
    /// The upgrades table.
    pub table: UpgradesTable,
    /// Delta directories, in the order given.
    pub dirs: Vec<PathBuf>,
}

/// Options of [`upgrade`].
#[derive(Debug, Clone)]
pub struct UpgradeOptions {
    /// Table and directories.
    pub source: Source,
    /// Max version and out-of-order.
    pub plan: PlanOptions,
    /// `-v` variables (pum 0.x substitution when not empty).
    pub variables: Variables,
    /// Refuse to run when any warning is found.
    pub strict: bool,
    /// Run everything in one transaction.
    pub single_transaction: bool,
    /// How long to wait for another upgrade of the same database.
    pub lock_timeout: Duration,
    /// Interpreter for Python deltas.
    pub python: OsString,
    /// Plan and report, run nothing.
    pub dry_run: bool,
}

impl UpgradeOptions {
    /// Options with pum 0.x's defaults.
    pub fn new(source: Source) -> Self {
        UpgradeOptions {
            source,
            plan: PlanOptions::default(),
            variables: Variables::default(),
            strict: false,
            single_transaction: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            python: OsString::from("python3"),
            dry_run: false,
        }
    }
}

/// One file that ran.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Applied {
    /// The file.
    pub delta: Delta,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// What a successful upgrade did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UpgradeReport {
    /// The plan it followed.
    pub plan: Plan,
    /// Every file run, pre-all and post-all included, in order.
    pub applied: Vec<Applied>,
    /// Version before.
    pub from: Option<Version>,
    /// Version after.
    pub to: Option<Version>,
}

/// A failed upgrade: the error and what was applied (and kept) before it.
#[derive(Debug)]
pub struct UpgradeFailure {
    /// Why it stopped ([`Error::Interrupted`] when a signal stopped it).
    pub error: Error,
    /// Files that ran and stay committed.
    pub applied: Vec<Applied>,
    /// True when `--single-transaction` rolled everything back.
    pub rolled_back: bool,
    /// The file that was running when the upgrade stopped, if one was.
    pub stopped_in: Option<StoppedFile>,
}

impl From<Error> for UpgradeFailure {
    fn from(error: Error) -> Self {
        UpgradeFailure {
            error,
            applied: Vec::new(),
            rolled_back: false,
            stopped_in: None,
        }
    }
}

/// The file that was running when an upgrade failed or was interrupted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoppedFile {
    /// The file.
    pub delta: Delta,
    /// What it left in the database.
    pub left: Leftover,
}

/// What a file that failed or was interrupted leaves in the database. It
/// is never recorded in the upgrades table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Leftover {
    /// Its transaction rolled back: nothing of it stays.
    Nothing,
    /// Marked `-- pum:no-transaction`: the statements that ran before it
    /// stopped stay, so it may be partly applied.
    MayBePartial,
    /// A Python delta: what it changed through its own connections stays.
    OwnConnections,
}

fn require_table(conn: &mut Conn, table: &UpgradesTable) -> Result<()> {
    if table.exists(conn)? {
        Ok(())
    } else {
        Err(Error::TableMissing {
            table: table.given().to_string(),
        })
    }
}

fn is_modified(d: &Delta, row: &AppliedRow) -> bool {
    match std::fs::read(&d.path) {
        Ok(bytes) => !delta::matches_ignoring_line_endings(&bytes, &row.checksum),
        Err(_) => true,
    }
}

fn make_plan(found: &Discovery, rows: &[AppliedRow], opts: &PlanOptions) -> Plan {
    plan::plan(found, rows, opts, is_modified)
}

/// Everything `info` shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Info {
    /// The upgrades table.
    pub table: String,
    /// The plan the next `upgrade` would follow (statuses of all deltas).
    pub plan: Plan,
    /// Every row of the table, in id order.
    pub rows: Vec<AppliedRow>,
}

/// Reports the status of every delta and the rows of the table.
pub fn info(conn: &mut Conn, source: &Source, opts: &PlanOptions) -> Result<Info> {
    require_table(conn, &source.table)?;
    let rows = source.table.read(conn)?;
    let found = delta::discover(&source.dirs)?;
    Ok(Info {
        table: source.table.given().to_string(),
        plan: make_plan(&found, &rows, opts),
        rows,
    })
}

/// Options of [`baseline`].
#[derive(Debug, Clone)]
pub struct BaselineOptions {
    /// The upgrades table.
    pub table: UpgradesTable,
    /// The version the database is at.
    pub version: Version,
    /// Delta directories (needed with `mark_applied`).
    pub dirs: Vec<PathBuf>,
    /// Also record every delta up to and including `version` as applied,
    /// for a database built fresh at that version.
    pub mark_applied: bool,
    /// With `mark_applied`, when two files are the same delta for pum,
    /// record the first and skip the others instead of refusing.
    pub allow_duplicates: bool,
    /// How long to wait for another pum on the same database.
    pub lock_timeout: Duration,
}

/// What `baseline` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaselineReport {
    /// True when the table was created now.
    pub created_table: bool,
    /// The version recorded.
    pub version: Version,
    /// Deltas recorded as applied (with `mark_applied`).
    pub marked: Vec<Delta>,
    /// Files in the directories that are not deltas.
    pub not_deltas: Vec<delta::NotADelta>,
    /// Duplicates left out of `marked` (with `allow_duplicates`), one note
    /// each naming the file recorded instead.
    pub skipped: Vec<plan::Finding>,
}

/// Creates the upgrades table if needed and records the baseline version,
/// all in one transaction.
pub fn baseline(
    conn: &mut Conn,
    opts: &BaselineOptions,
    observer: &mut dyn Observer,
) -> Result<BaselineReport> {
    let found = if opts.mark_applied || !opts.dirs.is_empty() {
        delta::discover(&opts.dirs)?
    } else {
        Discovery::default()
    };
    if opts.mark_applied && opts.dirs.is_empty() {
        return Err(Error::invalid(
            "--mark-applied needs the delta directories (-d DIR)",
        ));
    }
    // The deltas to record, each once: two files pum records as the same
    // delta are refused (or, when allowed, the first one is recorded).
    let mut to_mark = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    if opts.mark_applied {
        let duplicates = plan::duplicate_of(&found.deltas);
        for (d, dup) in found.deltas.iter().zip(duplicates) {
            if d.version.is_none_or(|v| v > opts.version) {
                continue;
            }
            match dup {
                None => to_mark.push(d),
                Some(first) => {
                    let f = plan::duplicate_finding(d, &found.deltas[first], opts.allow_duplicates);
                    if opts.allow_duplicates {
                        skipped.push(f);
                    } else {
                        problems.push(f.message);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    let table = &opts.table;
    table.with_lock(conn, opts.lock_timeout, observer, |conn, _obs| {
        let existed = table.exists(conn)?;
        conn.execute("BEGIN")?;
        table.create(conn)?;
        let rows = table.read(conn)?;
        if let Some(b) = rows.iter().find(|r| r.is_baseline()) {
            return Err(Error::BaselineExists {
                table: table.given().to_string(),
                existing: b.version.clone(),
            });
        }
        let version = opts.version.to_string();
        table.insert(
            conn,
            &NewRow {
                version: &version,
                description: "baseline",
                type_code: type_bits::BASELINE,
                script: "",
                checksum: "",
                // pum 0.x writes 1 here; keep the row identical.
                execution_time: 1,
            },
        )?;
        let mut marked = Vec::new();
        for d in &to_mark {
            let bytes = delta::read(&d.path)?;
            let v = d.version.map(|v| v.to_string()).unwrap_or_default();
            table.insert(
                conn,
                &NewRow {
                    version: &v,
                    description: &d.name,
                    type_code: d.type_code(),
                    script: &d.script(),
                    checksum: &delta::checksum(&bytes),
                    execution_time: 0,
                },
            )?;
            marked.push((*d).clone());
        }
        conn.execute("COMMIT")?;
        Ok(BaselineReport {
            created_table: !existed,
            version: opts.version,
            marked,
            not_deltas: found.not_deltas.clone(),
            skipped: skipped.clone(),
        })
    })
}

/// Runs the pending deltas.
///
/// On failure, the returned [`UpgradeFailure`] lists the files that were
/// applied (and stay committed) before the failing one; the failing file
/// leaves no trace (unless it is marked `-- pum:no-transaction`).
pub fn upgrade(
    conn: &mut Conn,
    target: &ConnTarget,
    opts: &UpgradeOptions,
    observer: &mut dyn Observer,
) -> Result<UpgradeReport, UpgradeFailure> {
    let table = &opts.source.table;
    // A signal cancels the statement running here (and rolls it back).
    let _watch = crate::interrupt::watch_conn(conn);
    crate::interrupt::check()?;
    require_table(conn, table)?;
    let found = delta::discover(&opts.source.dirs)?;
    let mut applied = Vec::new();
    let mut stopped_in = None;
    let outcome = table.with_lock(conn, opts.lock_timeout, observer, |conn, observer| {
        let rows = table.read(conn)?;
        let plan = make_plan(&found, &rows, &opts.plan);
        let mut problems = plan.blocking(opts.strict);
        let files: Vec<&Delta> = plan
            .pre_all
            .iter()
            .chain(plan.to_run())
            .chain(plan.post_all.iter())
            .collect();
        if opts.single_transaction {
            problems.extend(single_transaction_problems(&files)?);
        }
        if !problems.is_empty() {
            if opts.strict {
                problems.push("(--strict turns warnings into errors)".into());
            }
            return Err(Error::Refused { problems });
        }
        // One interpreter runs every Python file of the upgrade, as in pum
        // 0.10; starting it first means a broken interpreter fails the
        // upgrade before anything runs.
        let worker = if files.iter().any(|d| d.lang == Lang::Python) {
            Some(start_worker(opts, target)?)
        } else {
            None
        };
        let from = plan.current;
        if opts.dry_run {
            return Ok(UpgradeReport {
                to: plan.target_version(),
                plan,
                applied: Vec::new(),
                from,
            });
        }
        let mut run = Run {
            conn,
            target,
            opts,
            observer,
            current: plan.current,
            total: files.len(),
            applied: &mut applied,
            stopped_in: &mut stopped_in,
            settings: None,
            needs_restore: false,
            worker,
            running_no_transaction: false,
        };
        if opts.single_transaction {
            run.conn.execute("BEGIN")?;
        }
        for (i, d) in files.iter().enumerate() {
            run.file(d, i + 1)?;
        }
        if opts.single_transaction {
            let last = files
                .last()
                .map(|d| d.path.as_path())
                .unwrap_or(Path::new("-"));
            sql::control(run.conn, "COMMIT", last, None, run.observer)?;
        }
        Ok(UpgradeReport {
            to: run.current,
            plan,
            applied: Vec::new(),
            from,
        })
    });
    match outcome {
        Ok(mut report) => {
            report.applied = applied;
            Ok(report)
        }
        Err(error) => {
            let rolled_back = opts.single_transaction && !applied.is_empty();
            if rolled_back {
                applied.clear();
            }
            // A statement cancelled, a lock wait ended or a Python worker
            // terminated by a signal: report the signal, not its symptom.
            let error = match crate::interrupt::requested() {
                Some(signal) => Error::Interrupted { signal },
                None => error,
            };
            Err(UpgradeFailure {
                error,
                applied,
                rolled_back,
                stopped_in,
            })
        }
    }
}

/// Starts the interpreter that runs the Python files of one upgrade.
fn start_worker(opts: &UpgradeOptions, target: &ConnTarget) -> Result<python::Worker> {
    python::Worker::start(&python::WorkerOptions {
        interpreter: &opts.python,
        target,
        delta_dirs: &opts.source.dirs,
        upgrades_table: opts.source.table.given(),
        variables: &opts.variables,
    })
}

fn single_transaction_problems(files: &[&Delta]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for d in files {
        match d.lang {
            Lang::Python => problems.push(format!(
                "{}: Python deltas use their own connections and cannot run inside --single-transaction",
                d.path.display()
            )),
            Lang::Sql => {
                let bytes = delta::read(&d.path)?;
                let text = String::from_utf8_lossy(&bytes);
                if crate::script::is_no_transaction(text.trim_start_matches('\u{feff}')) {
                    problems.push(format!(
                        "{}: marked `-- pum:no-transaction`, so it cannot run inside --single-transaction",
                        d.path.display()
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// State of a running upgrade.
struct Run<'a, 'o> {
    conn: &'a mut Conn,
    target: &'a ConnTarget,
    opts: &'a UpgradeOptions,
    observer: &'a mut (dyn Observer + 'o),
    current: Option<Version>,
    total: usize,
    applied: &'a mut Vec<Applied>,
    /// Set when a file fails or is interrupted.
    stopped_in: &'a mut Option<StoppedFile>,
    /// The SQL file running now is marked `-- pum:no-transaction`.
    running_no_transaction: bool,
    /// The session settings made by the pre-all files, taken before the
    /// first versioned delta: each SQL file starts from them.
    settings: Option<Vec<(String, String)>>,
    /// A versioned delta ran since the session was last brought back to
    /// those settings.
    needs_restore: bool,
    /// The interpreter of the Python files (when there are any).
    worker: Option<python::Worker>,
}

/// The most statements a delta may have to be sent in one round trip.
const PIPELINE_MAX_STATEMENTS: usize = 64;
/// The most SQL text a delta may have to be sent in one round trip.
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

impl Run<'_, '_> {
    fn file(&mut self, d: &Delta, index: usize) -> Result<()> {
        crate::interrupt::check()?;
        self.running_no_transaction = false;
        let result = self.run_file(d, index);
        if result.is_err() {
            let left = match d.lang {
                Lang::Python => Leftover::OwnConnections,
                Lang::Sql if self.running_no_transaction => Leftover::MayBePartial,
                Lang::Sql => Leftover::Nothing,
            };
            *self.stopped_in = Some(StoppedFile {
                delta: d.clone(),
                left,
            });
        }
        result
    }

    fn run_file(&mut self, d: &Delta, index: usize) -> Result<()> {
        self.observer.event(&Event::Starting {
            delta: d,
            index,
            total: self.total,
        });
        let versioned_sql = d.version.is_some() && d.lang == Lang::Sql;
        if versioned_sql && self.settings.is_none() {
            self.settings = Some(self.session_settings()?);
        }
        let started = Instant::now();
        let bytes = delta::read(&d.path)?;
        match d.lang {
            Lang::Sql => self.sql(d, &bytes, started)?,
            Lang::Python => self.python(d, &bytes, started)?,
        }
        // A SET in one delta (pg_dump files set search_path to '') must not
        // change how the next file runs.
        self.needs_restore |= versioned_sql;
        let elapsed = started.elapsed();
        if let Some(v) = d.version {
            self.current = self.current.max(Some(v));
        }
        self.observer.event(&Event::Finished { delta: d, elapsed });
        self.applied.push(Applied {
            delta: d.clone(),
            millis: elapsed.as_millis() as u64,
        });
        Ok(())
    }

    /// The session settings made so far (by pre-all files).
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

    /// The statements that bring the session back to the settings made by
    /// the pre-all files (none when no delta ran since).
    fn restore_statements(&self) -> Vec<(&'static str, Vec<String>)> {
        if !self.needs_restore {
            return Vec::new();
        }
        let mut out = vec![("RESET ALL", Vec::new())];
        for (name, value) in self.settings.iter().flatten() {
            out.push((
                "SELECT pg_catalog.set_config($1, $2, false)",
                vec![name.clone(), value.clone()],
            ));
        }
        out
    }

    /// Brings the session back to the pre-all settings, one statement at a
    /// time.
    fn restore_session(&mut self) -> Result<()> {
        for (q, params) in &self.restore_statements() {
            let params: Vec<Option<&str>> = params.iter().map(|p| Some(p.as_str())).collect();
            self.conn.query(q, &params)?;
        }
        self.needs_restore = false;
        Ok(())
    }

    /// Runs a delta and records it in ONE round trip (libpq pipeline mode):
    /// session restore, BEGIN, the statements, the row, COMMIT. Each
    /// statement still reports its own error, so the file and line are exact.
    fn sql_pipelined(&mut self, d: &Delta, bytes: &[u8], file: &sql::SqlFile) -> Result<()> {
        let version = d.version.map(|v| v.to_string()).unwrap_or_default();
        let type_code = d.type_code().to_string();
        let script = d.script();
        let checksum = delta::checksum(bytes);
        let insert = self.opts.source.table.insert_timed_sql();
        let restore = self.restore_statements();
        let mut statements: Vec<(&str, Vec<Option<&str>>)> = restore
            .iter()
            .map(|(q, p)| (*q, p.iter().map(|v| Some(v.as_str())).collect()))
            .collect();
        let first_piece = statements.len() + 1;
        statements.push(("BEGIN", Vec::new()));
        statements.extend(file.pieces.iter().map(|p| (p.sql(), Vec::new())));
        let insert_at = statements.len();
        statements.push((
            insert.as_str(),
            vec![
                Some(version.as_str()),
                Some(d.name.as_str()),
                Some(type_code.as_str()),
                Some(script.as_str()),
                Some(checksum.as_str()),
            ],
        ));
        statements.push(("COMMIT", Vec::new()));
        let borrowed: Vec<(&str, &[Option<&str>])> =
            statements.iter().map(|(q, p)| (*q, p.as_slice())).collect();
        let result = self.conn.pipeline(&borrowed);
        for n in self.conn.take_notices() {
            self.observer.event(&Event::Notice {
                file: Some(&d.path),
                notice: &n,
            });
        }
        match result {
            Ok(_) => {
                self.needs_restore = false;
                Ok(())
            }
            Err((index, error)) => {
                if self.conn.in_transaction() {
                    let _ = self.conn.execute("ROLLBACK");
                }
                let piece = index
                    .checked_sub(first_piece)
                    .and_then(|i| file.pieces.get(i));
                Err(match piece {
                    Some(p) => sql::located(&d.path, p, error),
                    None if index == insert_at => Error::NotRecorded {
                        file: d.path.clone(),
                        kept: false,
                        error: Box::new(error),
                    },
                    // COMMIT: a deferred constraint, charged to the file.
                    None if index == insert_at + 1 => Error::DeltaSql {
                        file: d.path.clone(),
                        line: file.pieces.last().map_or(1, |p| p.line()),
                        error: Box::new(error),
                    },
                    None => Error::from(error),
                })
            }
        }
    }

    fn pipelinable(&self, d: &Delta, file: &sql::SqlFile) -> bool {
        d.version.is_some()
            && !self.opts.single_transaction
            && !file.no_transaction
            && file.pieces.len() <= PIPELINE_MAX_STATEMENTS
            && file.pieces.iter().map(|p| p.sql().len()).sum::<usize>() <= PIPELINE_MAX_BYTES
            && file.pieces.iter().all(|p| {
                matches!(p, crate::script::Piece::Statement { .. })
                    && !is_transaction_control(p.sql())
            })
    }

    fn record(&mut self, d: &Delta, bytes: &[u8], started: Instant) -> Result<()> {
        let Some(v) = d.version else { return Ok(()) };
        let version = v.to_string();
        let ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        self.opts
            .source
            .table
            .insert(
                self.conn,
                &NewRow {
                    version: &version,
                    description: &d.name,
                    type_code: d.type_code(),
                    script: &d.script(),
                    checksum: &delta::checksum(bytes),
                    execution_time: ms,
                },
            )
            .map_err(Error::from)
    }

    fn sql(&mut self, d: &Delta, bytes: &[u8], started: Instant) -> Result<()> {
        self.sql_file(d, bytes, started)
            .map_err(|e| sql::explain_undefined_variables(e, bytes, &self.opts.variables))
    }

    fn sql_file(&mut self, d: &Delta, bytes: &[u8], started: Instant) -> Result<()> {
        let file = sql::prepare(&d.path, bytes, &self.opts.variables)?;
        self.running_no_transaction = file.no_transaction && !self.opts.single_transaction;
        if self.pipelinable(d, &file) {
            return self.sql_pipelined(d, bytes, &file);
        }
        self.restore_session()?;
        let own_tx = !self.opts.single_transaction && !file.no_transaction;
        if own_tx {
            sql::control(self.conn, "BEGIN", &d.path, None, self.observer)?;
        }
        let res = sql::run(self.conn, &d.path, &file, self.observer).and_then(|()| {
            if own_tx && !self.conn.in_transaction() {
                let msg = format!(
                    "{} ends the transaction itself (COMMIT/ROLLBACK inside the file); \
                     its row is recorded separately",
                    d.path.display()
                );
                self.observer.event(&Event::Warning { message: &msg });
            }
            self.record(d, bytes, started)
                .map_err(|e| not_recorded(d, !file.no_transaction, e))
        });
        if let Err(e) = res {
            if own_tx && self.conn.in_transaction() {
                let _ = self.conn.execute("ROLLBACK");
            }
            return Err(e);
        }
        if own_tx && self.conn.in_transaction() {
            if let Err(e) = sql::control(self.conn, "COMMIT", &d.path, Some(&file), self.observer) {
                let _ = self.conn.execute("ROLLBACK");
                return Err(e);
            }
        }
        Ok(())
    }

    fn python(&mut self, d: &Delta, bytes: &[u8], started: Instant) -> Result<()> {
        let worker = match &mut self.worker {
            Some(w) => w,
            None => self.worker.insert(start_worker(self.opts, self.target)?),
        };
        let job = python::PythonJob {
            file: &d.path,
            module_name: &d.name,
            current_db_version: self.current.map(|v| v.to_string()),
        };
        let observer = &mut *self.observer;
        let path = d.path.as_path();
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
        // The delta committed on its own connection: if the row cannot be
        // written now, its work stays unrecorded, and the error says so.
        self.record(d, bytes, started)
            .map_err(|e| not_recorded(d, false, e))
    }
}

/// The error of a delta whose row could not be written: `rolled_back`
/// when the delta ran in pum's transaction, which the row's failure undid.
fn not_recorded(d: &Delta, rolled_back: bool, error: Error) -> Error {
    match error {
        Error::Db(error) => Error::NotRecorded {
            file: d.path.clone(),
            kept: !rolled_back,
            error,
        },
        other => other,
    }
}
