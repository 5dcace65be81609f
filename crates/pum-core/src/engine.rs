//! The three operations on the upgrades table, each a checklist:
//! connect, lock, read the table, discover, plan, run, unlock.
//!
//! - [`baseline`] creates the table and records the version a database is at;
//! - [`info`] reports every delta's status without changing anything;
//! - [`upgrade`] runs the pending deltas, each delta and its row committed
//!   together (or the whole run in one transaction).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::apply::runner::{self, Ran, RunOptions, Transactions};
use crate::apply::{python, sql};
use crate::delta::{self, type_bits, Delta, Discovery, Lang};
use crate::error::{Error, Result};
use crate::event::Observer;
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
    /// The version before the upgrade, when it got as far as reading it.
    pub from: Option<Version>,
}

impl From<Error> for UpgradeFailure {
    fn from(error: Error) -> Self {
        UpgradeFailure {
            error,
            applied: Vec::new(),
            rolled_back: false,
            stopped_in: None,
            from: None,
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

pub use crate::apply::runner::Leftover;

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
    info_prefetched(conn, source, opts, Prefetch::start(&source.dirs))
}

/// [`info`] with the delta files already being read: start the
/// [`Prefetch`] before connecting, so the files are read and hashed while
/// the connection is made and the upgrades table read.
pub fn info_prefetched(
    conn: &mut Conn,
    source: &Source,
    opts: &PlanOptions,
    prefetch: Prefetch,
) -> Result<Info> {
    // One query: the table's existence is only asked when reading it failed.
    let rows = match source.table.read(conn) {
        Ok(rows) => rows,
        Err(e) => {
            require_table(conn, &source.table)?;
            return Err(e);
        }
    };
    let scanned = prefetch.finish()?;
    let plan = plan::plan(&scanned.found, &rows, opts, scanned.modified());
    Ok(Info {
        table: source.table.given().to_string(),
        plan,
        rows,
    })
}

/// The delta directories, read on another thread: the files found and the
/// MD5 of each delta (what `info` compares with the stored checksums).
/// Reading and hashing a thousand files costs about as much as connecting
/// and reading the upgrades table, so both are done at once.
pub struct Prefetch {
    dirs: Vec<PathBuf>,
    thread: Option<JoinHandle<Result<Scanned>>>,
}

struct Scanned {
    found: Discovery,
    /// MD5 hex of each of `found.deltas`, in order; None if unreadable.
    digests: Vec<Option<String>>,
}

impl Scanned {
    /// Whether an applied delta's file changed since: the stored checksum
    /// is the MD5 of the file as it is in the common case; otherwise the
    /// file is read again and compared ignoring line endings and a BOM.
    fn modified(&self) -> impl Fn(&Delta, &AppliedRow) -> bool + '_ {
        let by_path: HashMap<&Path, &str> = self
            .found
            .deltas
            .iter()
            .zip(&self.digests)
            .filter_map(|(d, h)| Some((d.path.as_path(), h.as_deref()?)))
            .collect();
        move |d: &Delta, row: &AppliedRow| match by_path.get(d.path.as_path()) {
            Some(hex) if row.checksum.trim().eq_ignore_ascii_case(hex) => false,
            _ => is_modified(d, row),
        }
    }
}

fn scan(dirs: &[PathBuf]) -> Result<Scanned> {
    let found = delta::discover(dirs)?;
    let hash = |deltas: &[Delta]| -> Vec<Option<String>> {
        let mut buf = vec![0; 1 << 16];
        deltas
            .iter()
            .map(|d| md5_of_file(&d.path, &mut buf))
            .collect()
    };
    // Opening and reading the files is most of the time (system calls):
    // two threads halve it.
    let digests = if found.deltas.len() >= 64 {
        let (a, b) = found.deltas.split_at(found.deltas.len() / 2);
        std::thread::scope(|s| {
            let second = std::thread::Builder::new().spawn_scoped(s, || hash(b)).ok();
            let mut digests = hash(a);
            match second.map(|t| t.join()) {
                Some(Ok(rest)) => digests.extend(rest),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => digests.extend(hash(b)),
            }
            digests
        })
    } else {
        hash(&found.deltas)
    };
    Ok(Scanned { found, digests })
}

/// MD5 hex of a file, read into `buf` (grown as needed): open, read until
/// end, close; unlike `fs::read`, no `statx` and no new buffer per file.
fn md5_of_file(path: &Path, buf: &mut Vec<u8>) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(delta::checksum(&buf[..len]))
}

impl Prefetch {
    /// Starts reading the directories (on this thread, later, if no thread
    /// can be started).
    pub fn start(dirs: &[PathBuf]) -> Prefetch {
        let owned = dirs.to_vec();
        let thread = std::thread::Builder::new()
            .name("pum-prefetch".into())
            .spawn(move || scan(&owned))
            .ok();
        Prefetch {
            dirs: dirs.to_vec(),
            thread,
        }
    }

    fn finish(self) -> Result<Scanned> {
        match self.thread.map(JoinHandle::join) {
            Some(Ok(scanned)) => scanned,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => scan(&self.dirs),
        }
    }
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
    crate::interrupt::check()?;
    // The files are read and hashed while the table is looked up.
    let prefetch = Prefetch::start(&opts.source.dirs);
    require_table(conn, table)?;
    let scanned = prefetch.finish()?;
    let modified = scanned.modified();
    let found = &scanned.found;
    // A failure of the run wins over one of unlocking (a lost connection
    // fails both).
    let mut failure = None;
    let outcome = table.with_lock(conn, opts.lock_timeout, observer, |conn, observer| {
        let rows = table.read(conn)?;
        let plan = plan::plan(found, &rows, &opts.plan, &modified);
        let mut problems = plan.blocking(opts.strict);
        let files: Vec<&Delta> = plan
            .pre_all
            .iter()
            .chain(plan.to_run())
            .chain(plan.post_all.iter())
            .collect();
        if opts.single_transaction {
            problems.extend(single_transaction_problems(&files, &opts.variables)?);
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
        let mut report = UpgradeReport {
            to: plan.target_version(),
            from: plan.current,
            applied: Vec::new(),
            plan: plan.clone(),
        };
        if opts.dry_run {
            return Ok(report);
        }
        let transactions = if opts.single_transaction {
            Transactions::Single
        } else {
            Transactions::PerScript
        };
        let mut run_opts = RunOptions::new(transactions, &opts.variables);
        run_opts.python = worker;
        run_opts.current = plan.current;
        let applied = |ran: Vec<Ran>| -> Vec<Applied> {
            ran.into_iter()
                .map(|r| Applied {
                    delta: files[r.index].clone(),
                    millis: r.millis,
                })
                .collect()
        };
        match runner::run(conn, &files, table, run_opts, observer) {
            Ok(ran) => {
                report.applied = applied(ran);
                report.to = report
                    .applied
                    .iter()
                    .filter_map(|a| a.delta.version)
                    .max()
                    .max(plan.current);
                Ok(report)
            }
            Err(f) => {
                failure = Some(UpgradeFailure {
                    from: plan.current,
                    rolled_back: !f.rolled_back.is_empty(),
                    applied: applied(f.committed),
                    stopped_in: f.stopped_in.map(|(i, left)| StoppedFile {
                        delta: files[i].clone(),
                        left,
                    }),
                    error: f.error,
                });
                // What matters is in `failure`.
                Ok(report)
            }
        }
    });
    match (failure, outcome) {
        (Some(failure), _) => Err(failure),
        (None, Ok(report)) => Ok(report),
        // A lock wait ended by a signal: report the signal, not its symptom.
        (None, Err(error)) => Err(UpgradeFailure::from(match crate::interrupt::requested() {
            Some(signal) => Error::Interrupted { signal },
            None => error,
        })),
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

fn single_transaction_problems(files: &[&Delta], variables: &Variables) -> Result<Vec<String>> {
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
                problems.extend(sql::ends_transaction_in(
                    &d.path,
                    variables,
                    "the transaction of --single-transaction",
                    "remove it (and its BEGIN), or upgrade without --single-transaction",
                ));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digests come back in the order of the deltas, whether one
    /// thread or two read them, and an unreadable file has none.
    #[test]
    fn prefetch_hashes_every_delta_in_order() {
        for n in [3, 64, 101] {
            let dir = tempfile::tempdir().unwrap();
            for i in 1..=n {
                let body = format!("SELECT {i};\n").repeat(i);
                std::fs::write(dir.path().join(format!("delta_1.0.{i}_x.sql")), body).unwrap();
            }
            let Scanned { found, digests } = Prefetch::start(&[dir.path().to_path_buf()])
                .finish()
                .unwrap();
            assert_eq!(found.deltas.len(), n);
            assert_eq!(digests.len(), n);
            for (d, h) in found.deltas.iter().zip(&digests) {
                let want = delta::checksum(&std::fs::read(&d.path).unwrap());
                assert_eq!(h.as_deref(), Some(want.as_str()), "{}", d.path.display());
            }
        }
    }

    #[test]
    fn md5_of_file_grows_its_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.sql");
        let body = vec![b'x'; 200_000];
        std::fs::write(&p, &body).unwrap();
        let mut buf = vec![0; 16];
        assert_eq!(md5_of_file(&p, &mut buf), Some(delta::checksum(&body)));
        assert_eq!(md5_of_file(&dir.path().join("missing.sql"), &mut buf), None);
    }
}
