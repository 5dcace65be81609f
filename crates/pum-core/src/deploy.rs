//! `deploy`: runs the pending ordinal deployments of one directory
//! ([`crate::deployment`]), as a checklist: check the files (format, gaps,
//! duplicates: every violation at once, nothing runs when one fails),
//! lock, read `tbl_deployments`, plan, run, report.
//!
//! Each file and its row commit together, with the same guarantees as an
//! upgrade (file:line errors, COPY, notices, `-- pum:no-transaction`), so
//! an interrupted deploy leaves every file either applied and recorded or
//! not at all. Manual deployments run once each too, recorded with
//! `manual_deployment = true`.

use std::path::PathBuf;
use std::time::Duration;

use crate::apply::runner::{
    self, Elapsed, History, Leftover, Ran, Record, RunOptions, Script, Transactions,
};
use crate::deployment::{self, Deployment, DeploymentPlan, DeploymentRow, DeploymentsTable, Kind};
use crate::error::{Error, Result};
use crate::event::Observer;
use crate::history::{self, DEFAULT_LOCK_TIMEOUT};
use crate::pg::Conn;
use crate::vars::Variables;

impl Script for Deployment {
    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn label(&self) -> String {
        match self.kind {
            Kind::Regular => format!("deployment {}", self.digits),
            Kind::Manual => format!("manual deployment {}", self.digits),
        }
    }
}

/// Every deployment gets a row: its file name, whether it is manual, and
/// the checksum of what ran.
impl History<Deployment> for DeploymentsTable {
    fn record(&self, d: &Deployment, checksum: &str, _elapsed: Elapsed) -> Option<Record> {
        Some(Record {
            sql: self.insert_sql(),
            params: vec![
                Some(d.file_name.clone()),
                Some(d.kind.is_manual().to_string()),
                Some(checksum.to_string()),
            ],
        })
    }
}

impl DeploymentsTable {
    /// The key of this table's advisory lock: one deploy at a time.
    pub fn lock_key(&self) -> String {
        format!("deployments:{}", self.sql())
    }
}

/// Options of [`deploy`] and [`status`].
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The directory of deployment files.
    pub dir: PathBuf,
    /// Regular or manual deployments.
    pub kind: Kind,
    /// The table that records them.
    pub table: DeploymentsTable,
    /// `-v` variables (pum 0.x substitution when not empty).
    pub variables: Variables,
    /// Refuse to run when any warning is found.
    pub strict: bool,
    /// List the plan, run nothing.
    pub dry_run: bool,
    /// How long to wait for another deploy of the same database.
    pub lock_timeout: Duration,
}

impl DeployOptions {
    /// Regular deployments of `dir` into `tbl_deployments`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DeployOptions {
            dir: dir.into(),
            kind: Kind::Regular,
            table: DeploymentsTable::default(),
            variables: Variables::default(),
            strict: false,
            dry_run: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// A deployment that ran.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deployed {
    /// The file.
    pub deployment: Deployment,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// What a successful deploy did (or, with `dry_run`, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeployReport {
    /// The table.
    pub table: String,
    /// Every file with its status, and the findings.
    pub plan: DeploymentPlan,
    /// The files that ran, in order.
    pub applied: Vec<Deployed>,
    /// True when nothing ran.
    pub dry_run: bool,
}

/// A deploy that stopped.
#[derive(Debug)]
pub struct DeployFailure {
    /// Why.
    pub error: Error,
    /// Files that ran and stay committed, with their rows.
    pub applied: Vec<Deployed>,
    /// The file that was running, and what it leaves (never recorded).
    pub stopped_in: Option<(Deployment, Leftover)>,
}

impl From<Error> for DeployFailure {
    fn from(error: Error) -> Self {
        DeployFailure {
            error,
            applied: Vec::new(),
            stopped_in: None,
        }
    }
}

/// The status of every deployment file of a directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeployStatus {
    /// The directory.
    pub dir: PathBuf,
    /// The table.
    pub table: String,
    /// Every file with its status (applied, pending, modified since
    /// applied), and the findings.
    pub plan: DeploymentPlan,
    /// Every row of the table, oldest first.
    pub rows: Vec<DeploymentRow>,
}

fn is_modified(d: &Deployment, row: &DeploymentRow) -> bool {
    deployment::changed_since(d, row).unwrap_or(true)
}

/// Reports the status of every file of `opts.dir`; changes nothing (a
/// database without the table has every file pending).
pub fn status(conn: &mut Conn, opts: &DeployOptions) -> Result<DeployStatus> {
    let found = deployment::discover(&opts.dir, opts.kind)?;
    let rows = opts.table.read(conn)?;
    Ok(DeployStatus {
        dir: opts.dir.clone(),
        table: opts.table.given().to_string(),
        plan: deployment::plan(&found, &rows, is_modified),
        rows,
    })
}

/// Finds and checks the files of `opts.dir` (format, gaps, duplicates),
/// refusing with every violation at once: what [`deploy`] does first,
/// before the database is touched.
pub fn check_files(opts: &DeployOptions) -> Result<deployment::Deployments> {
    let found = deployment::discover(&opts.dir, opts.kind)?;
    refuse(found.blocking(opts.strict), opts.strict)?;
    Ok(found)
}

/// Runs the pending deployments of `opts.dir`, each with its row.
pub fn deploy(
    conn: &mut Conn,
    opts: &DeployOptions,
    observer: &mut dyn Observer,
) -> Result<DeployReport, DeployFailure> {
    crate::interrupt::check()?;
    let found = check_files(opts)?;
    // Named with its schema: the files may change search_path, and two
    // spellings of one table (tbl_deployments, public.tbl_deployments)
    // share one lock.
    let table = &opts.table.resolve(conn)?;
    let mut failure = None;
    let outcome = history::with_lock(
        conn,
        &table.lock_key(),
        table.given(),
        opts.lock_timeout,
        observer,
        |conn, observer| {
            let rows = table.read(conn)?;
            let plan = deployment::plan(&found, &rows, is_modified);
            refuse(plan.blocking(opts.strict), opts.strict)?;
            let files: Vec<&Deployment> = plan.to_run().collect();
            let mut report = DeployReport {
                table: table.given().to_string(),
                applied: Vec::new(),
                dry_run: opts.dry_run,
                plan: plan.clone(),
            };
            if opts.dry_run || files.is_empty() {
                return Ok(report);
            }
            table.prepare_for_writing(conn)?;
            let deployed = |ran: Vec<Ran>| -> Vec<Deployed> {
                ran.into_iter()
                    .map(|r| Deployed {
                        deployment: files[r.index].clone(),
                        millis: r.millis,
                    })
                    .collect()
            };
            let run = RunOptions::new(Transactions::PerScript, &opts.variables);
            match runner::run(conn, &files, table, run, observer) {
                Ok(ran) => report.applied = deployed(ran),
                Err(f) => {
                    failure = Some(DeployFailure {
                        applied: deployed(f.committed),
                        stopped_in: f.stopped_in.map(|(i, left)| (files[i].clone(), left)),
                        error: f.error,
                    });
                }
            }
            // On failure, what matters is in `failure`.
            Ok(report)
        },
    );
    // A failure of the run wins over one of unlocking (a lost connection
    // fails both).
    match (failure, outcome) {
        (Some(failure), _) => Err(failure),
        (None, Ok(report)) => Ok(report),
        // A lock wait ended by a signal: report the signal, not its symptom.
        (None, Err(error)) => Err(DeployFailure::from(match crate::interrupt::requested() {
            Some(signal) => Error::Interrupted { signal },
            None => error,
        })),
    }
}

/// Refuses with every blocking finding at once.
fn refuse(blocking: Vec<&deployment::Finding>, strict: bool) -> Result<()> {
    if blocking.is_empty() {
        return Ok(());
    }
    let mut problems: Vec<String> = blocking.iter().map(|f| f.message.clone()).collect();
    if strict {
        problems.push("(--strict turns warnings into errors)".into());
    }
    Err(Error::Refused { problems })
}
