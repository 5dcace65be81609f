//! Rehearsing an upgrade: dump production, restore it into a test
//! database, upgrade the copy, compare it with a reference database, and
//! only then (after confirmation) upgrade production.
//!
//! Every step is reported as it runs, and a failure names its step, so the
//! caller can say which one failed. Scratch databases and throwaway
//! clusters created for the rehearsal are removed on every path unless the
//! caller asks to keep them.

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use crate::catalog::{self, Snapshot};
use crate::compare::{self, CompareOptions, Comparison};
use crate::dump::{self, DumpFormat, DumpOptions, RestoreOptions};
use crate::engine::{self, UpgradeOptions, UpgradeReport};
use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::history::AppliedRow;
use crate::pg::{quote_ident, Conn, ConnTarget};
use crate::sandbox::{Sandbox, SandboxOptions};

/// The steps of a rehearsal, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Checking the inputs and preparing scratch databases.
    Prepare,
    /// pg_dump of production.
    Dump,
    /// pg_restore into the test database.
    Restore,
    /// Upgrading the test database.
    UpgradeTest,
    /// Building or reading the reference and comparing.
    Compare,
    /// Asking before touching production.
    Confirm,
    /// Upgrading production.
    UpgradeProduction,
}

impl Step {
    /// What the step does, for people.
    pub fn label(self) -> &'static str {
        match self {
            Step::Prepare => "prepare",
            Step::Dump => "dump production",
            Step::Restore => "restore into the test database",
            Step::UpgradeTest => "upgrade the test database",
            Step::Compare => "compare with the reference",
            Step::Confirm => "confirm",
            Step::UpgradeProduction => "upgrade production",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where the rehearsal's test database is.
#[derive(Debug, Clone)]
pub enum TestDatabase {
    /// A database the user gives (`-pt`); it must be empty.
    Given(ConnTarget),
    /// A scratch database created on production's server.
    Scratch,
    /// A scratch database in a throwaway local cluster (`--sandbox`).
    Sandbox,
}

/// What the upgraded copy is compared with.
#[derive(Debug, Clone)]
pub enum Reference {
    /// A live database or a snapshot file (`-pc`).
    Given(catalog::Source),
    /// Built for the occasion by the data model's own creation command
    /// (`--comp-init`), run against a scratch database.
    Init(String),
}

/// Options of [`rehearse`].
#[derive(Debug, Clone)]
pub struct RehearsalOptions {
    /// Production.
    pub production: ConnTarget,
    /// The test database.
    pub test: TestDatabase,
    /// The reference.
    pub reference: Reference,
    /// The upgrade to rehearse (table, directories, variables...).
    pub upgrade: UpgradeOptions,
    /// Keep the dump here (default: a temporary file, removed afterwards).
    pub backup_file: Option<PathBuf>,
    /// Go on after restore errors (they are still reported).
    pub ignore_restore_errors: bool,
    /// The comparison. Its `exclude_schemas` concern the comparison only:
    /// the dump is always complete, so the restore works.
    pub compare: CompareOptions,
    /// Upgrade production after a clean comparison (`test-and-upgrade`);
    /// `false` stops after the comparison (`test`).
    pub upgrade_production: bool,
    /// Keep scratch databases and throwaway clusters.
    pub keep: bool,
    /// pg_dump from the config file.
    pub pg_dump: Option<PathBuf>,
    /// pg_restore from the config file.
    pub pg_restore: Option<PathBuf>,
}

/// How a rehearsal ended (when no step failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// `test`: the upgraded copy matches the reference.
    Passed,
    /// The upgraded copy differs from the reference: production untouched.
    Differences,
    /// Production was not upgraded: the confirmation was declined or could
    /// not be asked.
    NotConfirmed,
    /// Production was upgraded.
    Upgraded,
}

/// Time taken by one step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepTime {
    /// The step.
    pub step: Step,
    /// Milliseconds.
    pub millis: u64,
}

/// What a rehearsal did.
#[derive(Debug, Default, serde::Serialize)]
pub struct RehearsalReport {
    /// How it ended (`None` while running or after a failure).
    pub outcome: Option<Outcome>,
    /// Steps that ran, with their durations.
    pub steps: Vec<StepTime>,
    /// The dump file, when kept.
    pub dump_file: Option<PathBuf>,
    /// Bytes of the dump.
    pub dump_bytes: u64,
    /// Errors pg_restore reported (with `-x`).
    pub restore_errors: Vec<String>,
    /// The upgrade of the test database.
    pub test_upgrade: Option<UpgradeReport>,
    /// The comparison of the upgraded copy with the reference.
    pub comparison: Option<Comparison>,
    /// The upgrade of production.
    pub production_upgrade: Option<UpgradeReport>,
    /// Scratch databases left in place (with `keep`), as connection strings
    /// without password.
    pub kept: Vec<String>,
    /// What the clean-up could not remove, each with how to remove it.
    pub left_behind: Vec<String>,
}

/// A failed rehearsal: the step, the error, and what happened before.
#[derive(Debug)]
pub struct RehearsalFailure {
    /// The step that failed.
    pub step: Step,
    /// Why.
    pub error: Error,
    /// What ran before.
    pub report: RehearsalReport,
}

/// Scratch databases and clusters to remove at the end.
struct Scratch {
    sandbox: Option<Sandbox>,
    /// (server to connect to for DROP, database name, display).
    databases: Vec<(ConnTarget, String)>,
    keep: bool,
}

impl Scratch {
    fn cleanup(&mut self, report: &mut RehearsalReport) {
        if self.keep {
            for (server, name) in &self.databases {
                if let Ok(t) = server.with_option("dbname", name) {
                    report.kept.push(t.display().to_string());
                }
            }
            if let Some(s) = self.sandbox.as_mut() {
                s.keep_files(true);
                report
                    .kept
                    .push(format!("cluster in {}", s.root().display()));
            }
            // The sandbox server still stops when pum exits.
            return;
        }
        for (server, name) in self.databases.drain(..) {
            let drop_sql = format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&name)
            );
            let dropped = Conn::connect(&server, "pum rehearsal")
                .map_err(Error::from)
                .and_then(|mut conn| conn.execute(&drop_sql).map(drop).map_err(Error::from));
            if let Err(e) = dropped {
                report.left_behind.push(format!(
                    "the scratch database {name} on the server of {} could not be dropped ({e}); \
                     drop it with `{drop_sql}`",
                    server.display()
                ));
            }
        }
        if let Some(s) = self.sandbox.take() {
            let root = s.root().to_path_buf();
            if let Err(e) = s.stop() {
                report.left_behind.push(format!(
                    "the throwaway cluster in {} could not be removed ({e}); stop any \
                     `postgres -D {}` process and delete the directory",
                    root.display(),
                    root.display()
                ));
            }
        }
    }
}

/// Creates a scratch database next to `server` (a target whose server is
/// used) and returns its target.
fn create_scratch(server: &ConnTarget, purpose: &str) -> Result<(ConnTarget, String)> {
    let mut conn = Conn::connect(server, "pum rehearsal")?;
    let base = format!(
        "pum_{purpose}_{}_{}",
        std::process::id(),
        conn.backend_pid()
    );
    conn.execute(&format!(
        "CREATE DATABASE {} TEMPLATE template0",
        quote_ident(&base)
    ))
    .map_err(|e| {
        Error::invalid(format!(
            "cannot create the scratch database {base} on the server of {}: {e}\n  \
                 grant the role CREATEDB, give a test database with -pt, or use --sandbox",
            server.display()
        ))
    })?;
    Ok((server.with_option("dbname", &base)?, base))
}

fn ensure_empty(target: &ConnTarget) -> Result<()> {
    let mut conn = Conn::connect(target, "pum rehearsal")?;
    let rows = conn.query(
        "SELECT count(*) FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')",
        &[],
    )?;
    if rows.scalar() != Some("0") {
        return Err(Error::invalid(format!(
            "the test database {} is not empty ({} relations); pum restores production into it: \
             drop and re-create it, or leave out -pt to let pum use a scratch database",
            target.display(),
            rows.scalar().unwrap_or("?")
        )));
    }
    Ok(())
}

/// What to do after a failed restore into the rehearsal's test database.
fn rehearsal_restore_advice(test: &TestDatabase, target: &str) -> Vec<String> {
    let state = match test {
        TestDatabase::Given(_) => format!(
            "the test database {target} is left partly restored: drop and re-create it \
             before rehearsing again"
        ),
        TestDatabase::Scratch | TestDatabase::Sandbox => {
            "the scratch database is dropped (unless --keep)".to_string()
        }
    };
    vec![
        state,
        "to rehearse despite restore errors (they are still listed), use -x".to_string(),
    ]
}

/// Checks that a given reference can be used, before anything else runs:
/// a snapshot file exists and reads as one, a database accepts a
/// connection (closed again at once; the comparison connects anew).
fn check_reference(reference: &Reference) -> Result<()> {
    let Reference::Given(source) = reference else {
        return Ok(());
    };
    let checked = match source {
        catalog::Source::File(path) if !path.is_file() => Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "snapshot file not found"),
        )),
        catalog::Source::File(path) => Snapshot::load(path).map(drop),
        catalog::Source::Database(target) => Conn::connect(target, "pum rehearsal")
            .map(drop)
            .map_err(Error::from),
    };
    checked.map_err(|cause| Error::ReferenceUnusable {
        reference: source.display(),
        cause: Box::new(cause),
    })
}

fn read_rows(target: &ConnTarget, opts: &UpgradeOptions) -> Result<Vec<AppliedRow>> {
    let mut conn = Conn::connect(target, "pum rehearsal")?;
    if !opts.source.table.exists(&mut conn)? {
        return Err(Error::TableMissing {
            table: opts.source.table.given().to_string(),
        });
    }
    opts.source.table.read(&mut conn)
}

/// Runs a rehearsal. `confirm` is asked before production is touched and
/// returns whether to go on.
pub fn rehearse(
    opts: &RehearsalOptions,
    observer: &mut dyn Observer,
    confirm: &mut dyn FnMut(&RehearsalReport) -> bool,
) -> Result<RehearsalReport, RehearsalFailure> {
    let mut report = RehearsalReport::default();
    let mut scratch = Scratch {
        sandbox: None,
        databases: Vec::new(),
        keep: opts.keep,
    };
    let result = run_steps(opts, observer, confirm, &mut report, &mut scratch);
    scratch.cleanup(&mut report);
    match result {
        Ok(outcome) => {
            report.outcome = Some(outcome);
            Ok(report)
        }
        Err((step, error)) => Err(RehearsalFailure {
            step,
            // A cancelled statement or a stopped child: report the signal.
            error: match crate::interrupt::requested() {
                Some(signal) => Error::Interrupted { signal },
                None => error,
            },
            report,
        }),
    }
}

type StepResult<T> = std::result::Result<T, (Step, Error)>;

fn timed<T>(
    step: Step,
    detail: &str,
    report: &mut RehearsalReport,
    observer: &mut dyn Observer,
    f: impl FnOnce(&mut dyn Observer) -> Result<T>,
) -> StepResult<T> {
    crate::interrupt::check().map_err(|e| (step, e))?;
    observer.event(&Event::StepStarted { step, detail });
    let started = Instant::now();
    let out = f(observer).map_err(|e| (step, e))?;
    let elapsed = started.elapsed();
    observer.event(&Event::StepFinished { step, elapsed });
    report.steps.push(StepTime {
        step,
        millis: elapsed.as_millis() as u64,
    });
    Ok(out)
}

fn run_steps(
    opts: &RehearsalOptions,
    observer: &mut dyn Observer,
    confirm: &mut dyn FnMut(&RehearsalReport) -> bool,
    report: &mut RehearsalReport,
    scratch: &mut Scratch,
) -> StepResult<Outcome> {
    // Prepare: production readable, deltas readable, test database ready.
    let (prod_rows, test_target) = timed(
        Step::Prepare,
        &format!("production {}", opts.production.display()),
        report,
        observer,
        |_| {
            let rows = read_rows(&opts.production, &opts.upgrade)?;
            check_reference(&opts.reference)?;
            crate::delta::discover(&opts.upgrade.source.dirs)?;
            let test = match &opts.test {
                TestDatabase::Given(t) => {
                    ensure_empty(t)?;
                    t.clone()
                }
                TestDatabase::Scratch => {
                    let (t, name) = create_scratch(&opts.production, "test")?;
                    scratch.databases.push((opts.production.clone(), name));
                    t
                }
                TestDatabase::Sandbox => {
                    let mut s = Sandbox::start(&SandboxOptions::default())?;
                    s.stop_when_process_exits()?;
                    s.create_database("pum_test", None)?;
                    let t = s.target("pum_test")?;
                    scratch.sandbox = Some(s);
                    t
                }
            };
            Ok((rows, test))
        },
    )?;

    // Dump.
    let temp_dir;
    let dump_file = match &opts.backup_file {
        Some(f) => f.clone(),
        None => {
            // Production's data: private (0700) from the start.
            temp_dir =
                crate::tempfiles::private_dir("pum-rehearsal-").map_err(|e| (Step::Dump, e))?;
            temp_dir.path().join("production.dump")
        }
    };
    let dumped = timed(
        Step::Dump,
        &dump_file.display().to_string(),
        report,
        observer,
        |obs| {
            dump::dump(
                &DumpOptions {
                    target: opts.production.clone(),
                    file: dump_file.clone(),
                    format: DumpFormat::Custom,
                    exclude_schemas: Vec::new(),
                    // Complete: `-N` is for the comparison only; leaving a schema (or its
                    // rows) out of the dump breaks what depends on it.
                    exclude_schema_data: Vec::new(),
                    pg_dump: opts.pg_dump.clone(),
                    // A dump that only lives for the rehearsal is compressed
                    // lightly: pg_dump's default level costs most of its time.
                    compression: opts.backup_file.is_none().then_some(1),
                },
                &mut |p| {
                    obs.event(&Event::ToolProgress {
                        step: Step::Dump,
                        progress: p,
                    })
                },
            )
        },
    )?;
    report.dump_bytes = dumped.bytes;
    if opts.backup_file.is_some() {
        report.dump_file = Some(dump_file.clone());
    }

    // Restore.
    let restored = timed(
        Step::Restore,
        test_target.display(),
        report,
        observer,
        |obs| {
            dump::restore(
                &RestoreOptions {
                    target: test_target.clone(),
                    file: dump_file.clone(),
                    ignore_errors: opts.ignore_restore_errors,
                    // Not one transaction: the test database is empty and a
                    // scratch one is dropped anyway, every error is listed
                    // (not just the first), and a large dump would need a
                    // lock per table until the end.
                    single_transaction: false,
                    exclude_schemas: Vec::new(),
                    no_privileges: matches!(opts.test, TestDatabase::Sandbox),
                    pg_restore: opts.pg_restore.clone(),
                },
                &mut |p| {
                    obs.event(&Event::ToolProgress {
                        step: Step::Restore,
                        progress: p,
                    })
                },
            )
            .map_err(|e| match e {
                Error::Restore(mut failure) => {
                    failure.advice = rehearsal_restore_advice(&opts.test, &failure.target);
                    Error::Restore(failure)
                }
                e => e,
            })
        },
    )?;
    report.restore_errors = restored.errors;

    // Upgrade the copy.
    let test_upgrade = timed(
        Step::UpgradeTest,
        test_target.display(),
        report,
        observer,
        |obs| {
            let mut conn = Conn::connect(&test_target, "pum")?;
            engine::upgrade(&mut conn, &test_target, &opts.upgrade, obs).map_err(|f| f.error)
        },
    )?;
    report.test_upgrade = Some(test_upgrade);

    // Compare.
    let reference_label = match &opts.reference {
        Reference::Given(source) => source.display(),
        Reference::Init(_) => "built by the --comp-init command in a scratch database".into(),
    };
    let comparison = timed(Step::Compare, &reference_label, report, observer, |_| {
        let reference: Snapshot = match &opts.reference {
            Reference::Given(source) => {
                let (ra, rb) = catalog::read_pair(
                    &catalog::Source::Database(test_target.clone()),
                    source,
                    &opts.compare.kinds(),
                );
                let test_snap = ra?;
                let reference = rb.map_err(|e| {
                    Error::invalid(format!("reading the reference {}: {e}", source.display()))
                })?;
                return Ok(compare::compare(&test_snap, &reference, &opts.compare));
            }
            Reference::Init(command) => {
                let server = match (&opts.test, scratch.sandbox.as_ref()) {
                    (TestDatabase::Sandbox, Some(s)) => s.target("postgres")?,
                    _ => opts.production.clone(),
                };
                let (target, name) = create_scratch(&server, "reference")?;
                scratch.databases.push((server, name));
                run_init(command, &target)?;
                let mut conn = Conn::connect(&target, "pum rehearsal")?;
                catalog::snapshot_kinds(&mut conn, &opts.compare.kinds())?
            }
        };
        let mut conn = Conn::connect(&test_target, "pum rehearsal")?;
        let test_snap = catalog::snapshot_kinds(&mut conn, &opts.compare.kinds())?;
        Ok(compare::compare(&test_snap, &reference, &opts.compare))
    })?;
    let differs = !comparison.is_empty();
    report.comparison = Some(comparison);
    if differs {
        return Ok(Outcome::Differences);
    }
    if !opts.upgrade_production {
        return Ok(Outcome::Passed);
    }

    // Confirm, then check nobody upgraded production meanwhile.
    let confirmed = confirm(report);
    crate::interrupt::check().map_err(|e| (Step::Confirm, e))?;
    if !confirmed {
        return Ok(Outcome::NotConfirmed);
    }
    let guard = "production's upgrades table unchanged since the dump?";
    timed(Step::Confirm, guard, report, observer, |_| {
        let now = read_rows(&opts.production, &opts.upgrade)?;
        if now != prod_rows {
            return Err(Error::invalid(format!(
                "the upgrades table of production changed since the dump ({} rows then, {} now): \
                 someone else upgraded it; rehearse again",
                prod_rows.len(),
                now.len()
            )));
        }
        Ok(())
    })?;

    let prod_upgrade = timed(
        Step::UpgradeProduction,
        opts.production.display(),
        report,
        observer,
        |obs| {
            let mut conn = Conn::connect(&opts.production, "pum")?;
            engine::upgrade(&mut conn, &opts.production, &opts.upgrade, obs).map_err(|f| f.error)
        },
    )?;
    report.production_upgrade = Some(prod_upgrade);
    Ok(Outcome::Upgraded)
}

/// Runs the reference's creation command with its database as the default
/// libpq connection (PGSERVICE, through a private service file).
fn run_init(command: &str, target: &ConnTarget) -> Result<()> {
    let (_dir, file) = crate::service_file::write_service_file(target, "pum_reference")?;
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", command])
        .env("PGSERVICEFILE", &file)
        .env("PGSERVICE", "pum_reference")
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGDATABASE")
        .env_remove("PGUSER")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // Its own process group, terminated by `interrupt` on a signal.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd
        .spawn()
        .map_err(|e| Error::invalid(format!("cannot run --comp-init command: {e}")))?;
    let _watch = crate::interrupt::watch_process_group(child.id());
    let out = child
        .wait_with_output()
        .map_err(|e| Error::invalid(format!("cannot run --comp-init command: {e}")))?;
    crate::interrupt::check()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        return Err(Error::invalid(format!(
            "the --comp-init command failed ({}):\n{}",
            out.status,
            lines[lines.len().saturating_sub(15)..].join("\n")
        )));
    }
    Ok(())
}
