//! Python hooks of pum 1.x modules, and running a module's steps in a
//! [`Session`].
//!
//! A `.py` hook defines a class `Hook` deriving from `pum.HookBase`; pum
//! 1.x calls its `run_hook(connection, <parameters>...)` with its own
//! psycopg 3 connection, inside the install's transaction. pum does the
//! same: a run that includes Python hooks starts one interpreter
//! ([`start_worker`]: psycopg 3 and the module's `dependencies` are
//! checked there, before anything runs), and sends the whole run through
//! the interpreter's connection (`run_in_session`), so the hooks read
//! the tables the changelogs just created and everything commits or rolls
//! back together. [`run_hook`] runs one hook, SQL or Python, in a session
//! (for commands that run hooks outside an install).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::config::{Config, Hook, HookSource};
use super::ops::{Module, ModuleFailure, Step, StepRun};
use super::params::Parameters;
use super::pep440::Pep440;
use super::session::{inline_params, Session, StatementFailure};
use super::table::RowWriter;
use crate::apply::python::{Output, Worker};
use crate::apply::runner::Leftover;
use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::pg::{Conn, ConnTarget};

/// The interpreter Python hooks run in, and the database it connects to.
#[derive(Debug, Clone)]
pub struct HookInterpreter {
    /// A name looked up in `PATH` (`python3`) or a path (`--python`,
    /// `PUM_PYTHON`).
    pub interpreter: std::ffi::OsString,
    /// The database (the worker connects to it itself; a password goes
    /// through a private service file, never its arguments).
    pub target: ConnTarget,
}

/// True for a hook that is a Python file.
pub fn is_python(hook: &Hook) -> bool {
    matches!(&hook.source, HookSource::File(f) if f.ends_with(".py"))
}

/// True when a run with these skips runs a Python hook.
pub fn runs_python(config: &Config, skip_drop: bool, skip_create: bool) -> bool {
    (!skip_drop && config.drop_hooks.iter().any(is_python))
        || (!skip_create && config.create_hooks.iter().any(is_python))
}

/// A dependency requirement as pip writes it (`name>=1.0,<=2.0`).
fn requirement(d: &super::config::Dependency) -> String {
    let mut r = d.name.clone();
    match (&d.minimum_version, &d.maximum_version) {
        (Some(a), Some(b)) => r.push_str(&format!(">={a},<={b}")),
        (Some(a), None) => r.push_str(&format!(">={a}")),
        (None, Some(b)) => r.push_str(&format!("<={b}")),
        (None, None) => {}
    }
    r
}

/// Starts the interpreter for a module's Python hooks and checks it:
/// psycopg 3 must be importable and every `dependencies` entry installed
/// in the versions asked for (pum never installs packages: the error
/// gives the `pip install` command for that interpreter).
pub fn start_worker(module: &Module, python: Option<&HookInterpreter>) -> Result<Worker> {
    let Some(python) = python else {
        return Err(Error::invalid(format!(
            "{}: the module has Python hooks, and no Python interpreter was given to run them",
            module.yaml.display()
        )));
    };
    let names: Vec<String> = module
        .config
        .dependencies
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let worker = Worker::start_pum1(OsStr::new(&python.interpreter), &python.target, &names)?;
    let ready = worker.pum1().clone();
    let exe = worker.describe();
    let pip = exe
        .split(" (Python")
        .next()
        .unwrap_or("python3")
        .to_string();
    let mut problems = Vec::new();
    if ready.psycopg.is_none() {
        problems.push(format!(
            "the module's Python hooks need psycopg 3, which {exe} cannot import ({}): install \
             it with `{pip} -m pip install \"psycopg[binary]\"`, or give another interpreter \
             with --python (or PUM_PYTHON)",
            ready
                .psycopg_error
                .as_deref()
                .unwrap_or("ModuleNotFoundError")
        ));
    }
    for d in &module.config.dependencies {
        let req = requirement(d);
        let installed = ready.dependencies.get(&d.name).cloned().flatten();
        let why = match installed.as_deref().map(Pep440::parse) {
            None => Some("is not installed".to_string()),
            Some(Err(_)) => None,
            Some(Ok(v)) => {
                if d.minimum_version.as_ref().is_some_and(|m| v < *m) {
                    Some(format!(
                        "is at version {v}, lower than the minimum required"
                    ))
                } else if d.maximum_version.as_ref().is_some_and(|m| v > *m) {
                    Some(format!(
                        "is at version {v}, higher than the maximum allowed"
                    ))
                } else {
                    None
                }
            }
        };
        if let Some(why) = why {
            problems.push(format!(
                "{}: the module depends on the Python package `{req}` (dependencies), which {why} \
                 for {exe}: install it with `{pip} -m pip install \"{req}\"`, or give another \
                 interpreter with --python (or PUM_PYTHON)",
                module.yaml.display()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    Ok(worker)
}

/// Loads and checks every Python hook a run includes (pum 1.x does it
/// when it reads the module), so that a broken hook is refused before
/// anything runs.
pub fn load_hooks(
    worker: &mut Worker,
    module: &Module,
    hooks: &[&Hook],
    parameters: &Parameters,
) -> Result<()> {
    let base = absolute(&module_dir(module));
    let values = parameters.to_json();
    for h in hooks.iter().filter(|h| is_python(h)) {
        if let HookSource::File(f) = &h.source {
            let shown = PathBuf::from(module.file(f));
            worker
                .load_hook(&absolute(&shown), &base, &values)
                .map_err(|e| with_file(e, &shown))?;
        }
    }
    Ok(())
}

/// A Python error named by the file as the module names it.
fn with_file(e: Error, shown: &Path) -> Error {
    match e {
        Error::Python {
            message,
            traceback,
            interpreter,
            ..
        } => Error::Python {
            file: shown.to_path_buf(),
            message,
            traceback,
            interpreter,
        },
        e => e,
    }
}

/// What a run of Python hooks needs: the worker, the module, the
/// parameters handed to the hooks.
pub(crate) struct PythonRun<'a> {
    /// The worker whose connection runs everything.
    pub worker: &'a mut Worker,
    /// The module.
    pub module: &'a Module,
    /// The parameters of the run.
    pub parameters: &'a Parameters,
}

/// Runs `steps` (table `setup` first) in one transaction on `session`,
/// writing each version's row after its last step; commits at the end.
/// A failure rolls everything back and says where it stopped. `conn`
/// (pum's own connection, holding the lock) ends the worker's backend if
/// the worker cannot roll back.
pub(crate) fn run_in_session(
    py: PythonRun<'_>,
    conn: &mut Conn,
    steps: &[Step],
    writer: &RowWriter,
    setup: impl FnOnce(&mut dyn Session) -> Result<()>,
    observer: &mut dyn Observer,
) -> Result<Vec<StepRun>, ModuleFailure> {
    let PythonRun {
        worker: session,
        module,
        parameters,
    } = py;
    let pid = session.connect()?;
    let mut ran: Vec<StepRun> = Vec::new();
    let mut stopped: Option<usize> = None;
    let outcome = (|| -> Result<()> {
        session.begin()?;
        setup(session)?;
        session.discard_notices();
        for (i, step) in steps.iter().enumerate() {
            crate::interrupt::check()?;
            stopped = Some(i);
            observer.event(&Event::Starting {
                file: &step.path,
                label: &crate::apply::runner::Script::label(step),
                index: i + 1,
                total: steps.len(),
            });
            let started = Instant::now();
            // The row travels with the step's statements (one exchange with
            // the worker per file).
            let row = step.row.and_then(|r| writer.record(r)).map(|r| {
                let p: Vec<Option<&str>> = r.params.iter().map(|p| p.as_deref()).collect();
                inline_params(&r.sql, &p)
            });
            if step.python {
                run_step(session, module, step, None, parameters, observer)?;
                if let Some(row) = row {
                    session
                        .run_sql(&row)
                        .map_err(|e| not_recorded(&step.path, e))?;
                }
            } else {
                run_step(session, module, step, row.as_deref(), parameters, observer)?;
            }
            for notice in session.take_notices() {
                observer.event(&Event::Notice {
                    file: Some(&step.path),
                    notice: &notice,
                });
            }
            let elapsed = started.elapsed();
            observer.event(&Event::Finished {
                file: &step.path,
                elapsed,
            });
            ran.push(StepRun {
                step: step.clone(),
                millis: elapsed.as_millis() as u64,
            });
        }
        stopped = None;
        crate::interrupt::check()?;
        session.commit()
    })();
    match outcome {
        Ok(()) => Ok(ran),
        Err(error) => {
            if session.rollback().is_err() {
                end_backend(conn, pid);
            }
            let error = match crate::interrupt::requested() {
                Some(signal) => Error::Interrupted { signal },
                None => error,
            };
            // A hook that committed itself: what ran before it may stay.
            let left = if session.transaction_ended() {
                Leftover::MayBePartial
            } else {
                Leftover::Nothing
            };
            Err(ModuleFailure {
                error,
                rolled_back: ran.len(),
                stopped_in: stopped.map(|i| (steps[i].clone(), left)),
                kept: None,
            })
        }
    }
}

fn not_recorded(path: &Path, e: Error) -> Error {
    match e {
        Error::Db(error) => Error::NotRecorded {
            file: path.to_path_buf(),
            kept: false,
            error,
        },
        e => e,
    }
}

/// Ends the worker's backend (its transaction rolls back) and waits until
/// it is gone, for a worker that died or cannot answer.
fn end_backend(conn: &mut Conn, pid: i32) {
    let pid = pid.to_string();
    let _ = conn.query(
        "SELECT pg_catalog.pg_terminate_backend($1::int)",
        &[Some(&pid)],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match conn.query(
            "SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1::int",
            &[Some(&pid)],
        ) {
            Ok(rows) if rows.rows.is_empty() => return,
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return,
        }
    }
}

/// Runs one step: its statements, or its Python hook.
fn run_step(
    session: &mut dyn Session,
    module: &Module,
    step: &Step,
    row: Option<&str>,
    parameters: &Parameters,
    observer: &mut dyn Observer,
) -> Result<()> {
    if step.python {
        let Some(worker) = session.python() else {
            return Err(Error::invalid(format!(
                "{}: a Python hook needs the Python worker's session",
                step.path.display()
            )));
        };
        let base = absolute(&module_dir(module));
        let file = absolute(&step.path);
        let path = step.path.as_path();
        let ran = worker.hook(&file, &base, &parameters.to_json(), &mut |out| match out {
            Output::Stdout(line) => observer.event(&Event::PythonOutput {
                file: path,
                line,
                stderr: false,
            }),
            Output::Stderr(line) => observer.event(&Event::PythonOutput {
                file: path,
                line,
                stderr: true,
            }),
            Output::Warning(message) => observer.event(&Event::Warning { message }),
        });
        // Named as the module names it, not by its absolute path.
        return ran.map_err(|e| with_file(e, &step.path));
    }
    let pieces = step.pieces();
    let mut statements: Vec<&str> = pieces.iter().map(|p| p.sql()).collect();
    statements.extend(row);
    match session.run_statements(&statements) {
        Ok(()) => Ok(()),
        Err(StatementFailure::Statement(i, e)) if i < pieces.len() => {
            Err(crate::apply::sql::located(&step.path, &pieces[i], e))
        }
        Err(StatementFailure::Statement(_, e)) => Err(Error::NotRecorded {
            file: step.path.clone(),
            kept: false,
            error: Box::new(e),
        }),
        Err(StatementFailure::Other(e)) => Err(e),
    }
}

/// The module directory (the one holding `.pum.yaml`).
fn module_dir(module: &Module) -> PathBuf {
    match module.yaml.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Runs one hook of `module` (SQL code, a `.sql` or a `.py` file) in
/// `session`, in its current transaction, with `parameters`: the hook
/// runner of install and upgrade, for commands that run hooks on their
/// own (`app create`, `app drop`). A Python hook needs the worker's
/// session ([`start_worker`], then [`Worker::connect`]).
pub fn run_hook(
    session: &mut dyn Session,
    module: &Module,
    hook: &Hook,
    parameters: &Parameters,
    observer: &mut dyn Observer,
) -> Result<()> {
    let step = super::ops::hook_step(module, hook, parameters)?;
    run_step(session, module, &step, None, parameters, observer)
}
