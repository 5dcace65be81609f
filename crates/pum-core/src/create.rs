//! `create`: builds a new database from a creation tree ([`crate::tree`]),
//! as a checklist: find the files, refuse a tree with errors, lock, run
//! every file in one transaction, record the baseline version.
//!
//! The whole creation is one transaction, so a failing file leaves the
//! database as it was. A file whose first line is `-- pum:no-transaction`
//! (e.g. `CREATE INDEX CONCURRENTLY`) cannot run inside it: the files
//! before it are committed first, and a later failure keeps them (the
//! failure says which). With a baseline, the upgrades table and its
//! baseline row are written in the same transaction as the last file, so
//! the new database continues with `pum upgrade`.

use std::path::PathBuf;
use std::time::Duration;

use crate::apply::runner::{self, Leftover, NoHistory, Ran, RunOptions, Transactions};
use crate::delta::type_bits;
use crate::error::{Error, Result};
use crate::event::Observer;
use crate::history::{self, NewRow, UpgradesTable, DEFAULT_LOCK_TIMEOUT};
use crate::pg::Conn;
use crate::tree::{self, Tree, TreeFile};
use crate::vars::Variables;
use crate::version::Version;

impl runner::Script for TreeFile {
    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn label(&self) -> String {
        "creation file".into()
    }
}

/// The version to record in a pum upgrades table once the tree ran.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The upgrades table (created).
    pub table: UpgradesTable,
    /// The version the tree builds.
    pub version: Version,
}

/// Options of [`create`].
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The creation directory (`create/`).
    pub root: PathBuf,
    /// Record this version when the tree ran.
    pub baseline: Option<Baseline>,
    /// `-v` variables (pum 0.x substitution when not empty).
    pub variables: Variables,
    /// Refuse to run when any warning is found (files that never run).
    pub strict: bool,
    /// List the plan, run nothing.
    pub dry_run: bool,
    /// How long to wait for another pum on the same database.
    pub lock_timeout: Duration,
}

impl CreateOptions {
    /// Options for `root` with the defaults.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        CreateOptions {
            root: root.into(),
            baseline: None,
            variables: Variables::default(),
            strict: false,
            dry_run: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// A creation file that ran.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    /// The file.
    pub file: TreeFile,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// What a successful `create` did (or, with `dry_run`, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreateReport {
    /// The tree: every file in run order, and the findings.
    pub tree: Tree,
    /// The files that ran (none with `dry_run`).
    pub applied: Vec<Created>,
    /// The version recorded, if any.
    pub baseline: Option<Version>,
    /// True when nothing ran.
    pub dry_run: bool,
}

/// A `create` that stopped.
#[derive(Debug)]
pub struct CreateFailure {
    /// Why.
    pub error: Error,
    /// Files that ran and stay committed (before a `-- pum:no-transaction`
    /// file); usually none.
    pub committed: Vec<Created>,
    /// How many files ran and were rolled back with the failing one.
    pub rolled_back: usize,
    /// The file that was running, and what it leaves.
    pub stopped_in: Option<(TreeFile, Leftover)>,
}

impl From<Error> for CreateFailure {
    fn from(error: Error) -> Self {
        CreateFailure {
            error,
            committed: Vec::new(),
            rolled_back: 0,
            stopped_in: None,
        }
    }
}

/// The lock of a creation without a baseline: one creation at a time per
/// database.
const CREATE_LOCK: &str = "create";

/// Builds the database from the creation tree.
pub fn create(
    conn: &mut Conn,
    opts: &CreateOptions,
    observer: &mut dyn Observer,
) -> Result<CreateReport, CreateFailure> {
    crate::interrupt::check()?;
    let tree = tree::discover(&opts.root)?;
    let mut problems: Vec<String> = tree
        .blocking(opts.strict)
        .into_iter()
        .map(|f| f.message.clone())
        .collect();
    problems.extend(transaction_ends(&tree, &opts.variables));
    if tree.files.is_empty() && problems.is_empty() {
        problems.push(format!(
            "{} holds no SQL file to run: a creation tree has numbered subdirectories \
             (1-tables/, 2-functions/...) of .sql files",
            opts.root.display()
        ));
    }
    if !problems.is_empty() {
        if opts.strict {
            problems.push("(--strict turns warnings into errors)".into());
        }
        return Err(Error::Refused { problems }.into());
    }
    let (key, lock_name) = match &opts.baseline {
        Some(b) => (b.table.lock_key(), b.table.given().to_string()),
        None => (CREATE_LOCK.to_string(), "creation".to_string()),
    };
    // A failure of the run wins over one of unlocking (a lost connection
    // fails both).
    let mut failure = None;
    let outcome = history::with_lock(
        conn,
        &key,
        &lock_name,
        opts.lock_timeout,
        observer,
        |conn, observer| {
            if let Some(b) = &opts.baseline {
                refuse_existing_baseline(conn, &b.table)?;
            }
            let mut report = CreateReport {
                tree: tree.clone(),
                applied: Vec::new(),
                baseline: opts.baseline.as_ref().map(|b| b.version),
                dry_run: opts.dry_run,
            };
            if opts.dry_run {
                return Ok(report);
            }
            let files: Vec<&TreeFile> = tree.files.iter().collect();
            let mut run = RunOptions::new(Transactions::Single, &opts.variables);
            if let Some(b) = &opts.baseline {
                run.finally = Some(Box::new(move |conn: &mut Conn| record_baseline(conn, b)));
            }
            let created = |ran: &[Ran]| -> Vec<Created> {
                ran.iter()
                    .map(|r| Created {
                        file: files[r.index].clone(),
                        millis: r.millis,
                    })
                    .collect()
            };
            match runner::run(conn, &files, &NoHistory, run, observer) {
                Ok(ran) => {
                    report.applied = created(&ran);
                    Ok(report)
                }
                Err(f) => {
                    failure = Some(CreateFailure {
                        committed: created(&f.committed),
                        rolled_back: f.rolled_back.len(),
                        stopped_in: f.stopped_in.map(|(i, left)| (files[i].clone(), left)),
                        error: f.error,
                    });
                    // What matters is in `failure`.
                    Ok(report)
                }
            }
        },
    );
    match (failure, outcome) {
        (Some(failure), _) => Err(failure),
        (None, Ok(report)) => Ok(report),
        // A lock wait ended by a signal: report the signal, not its symptom.
        (None, Err(error)) => Err(CreateFailure::from(match crate::interrupt::requested() {
            Some(signal) => Error::Interrupted { signal },
            None => error,
        })),
    }
}

/// The files that would end the creation's transaction themselves
/// (`BEGIN; ... COMMIT;`, common in files written for a tool that ran each
/// file on its own): refused before anything runs, each with its line.
/// Files marked `-- pum:no-transaction` run on their own and may.
fn transaction_ends(tree: &Tree, variables: &Variables) -> Vec<String> {
    tree.files
        .iter()
        .filter_map(|f| {
            crate::apply::sql::ends_transaction_in(
                &f.path,
                variables,
                "the transaction the whole creation runs in",
                "remove it (and its BEGIN), or mark the file `-- pum:no-transaction` on its \
                 first line to run it on its own",
            )
        })
        .collect()
}

/// A database that has a baseline already is not new: refuse before
/// anything runs.
fn refuse_existing_baseline(conn: &mut Conn, table: &UpgradesTable) -> Result<()> {
    if !table.exists(conn)? {
        return Ok(());
    }
    match table.read(conn)?.into_iter().find(|r| r.is_baseline()) {
        Some(b) => Err(Error::BaselineExists {
            table: table.given().to_string(),
            existing: b.version,
        }),
        None => Ok(()),
    }
}

/// Creates the upgrades table and writes the baseline row (inside the
/// creation's transaction).
fn record_baseline(conn: &mut Conn, b: &Baseline) -> Result<()> {
    b.table.create(conn)?;
    refuse_existing_baseline(conn, &b.table)?;
    let version = b.version.to_string();
    b.table.insert(
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
    Ok(())
}
