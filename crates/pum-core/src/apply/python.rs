//! Python deltas, run the way pum 0.10 runs them: every Python file of an
//! upgrade in one interpreter.
//!
//! A Python delta defines subclasses of `pum.core.deltapy.DeltaPy`; pum
//! 0.10 imported the file into its own process and called `run()` on an
//! instance of each. pum starts one child interpreter per upgrade (a
//! [`Worker`]) with a small embedded bootstrap (`python/bootstrap.py`)
//! that provides the `pum.core.deltapy` module and pum 0.10's contract
//! (version objects, a visible `pum` distribution, module loading), so
//! existing deltas work without Python pum being installed, and the cost
//! of starting Python and importing heavy modules is paid once.
//!
//! The worker reads jobs as JSON lines on its standard input; deltas get
//! an empty standard input of their own. Their standard output and error
//! are streamed back line by line; the worker's protocol messages travel
//! on the same pipes, marked with a per-worker nonce, and pum waits for
//! the end marker on both pipes before it goes on, so every line a file
//! printed is shown before the file is reported done.
//!
//! The delta gets a pg_service name to connect with. When the user gave a
//! connection string instead of a service name, pum writes the options to
//! a temporary service file (mode 0600, removed with the worker) with one
//! section `[pum]` and points `PGSERVICEFILE` at it: a password never
//! appears in the child's arguments or environment.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::pg::{ConnTarget, DbError};
use crate::vars::{Value, Variables};

/// The bootstrap script run by the interpreter with `-c`.
const BOOTSTRAP: &str = include_str!("../../python/bootstrap.py");

/// The section name of the temporary service file.
const TEMP_SERVICE: &str = "pum";

/// How many stderr lines are kept for the error of a failed delta.
const STDERR_TAIL: usize = 60;

/// How long to wait for the output pipes to close once the interpreter has
/// exited (a process started by the delta may keep them open).
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// How long the interpreter may take to start and load the bootstrap.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a worker may take to exit once its input is closed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// What the Python files of one upgrade share.
#[derive(Debug, Clone)]
pub struct WorkerOptions<'a> {
    /// The interpreter: a name looked up in `PATH` (`python3`) or a path.
    pub interpreter: &'a OsStr,
    /// The database the deltas work on.
    pub target: &'a ConnTarget,
    /// The delta directories, as given on the command line.
    pub delta_dirs: &'a [PathBuf],
    /// The upgrades table, as given (`schema.table`).
    pub upgrades_table: &'a str,
    /// The variables given with `-v`.
    pub variables: &'a Variables,
}

/// One Python file to run.
#[derive(Debug, Clone)]
pub struct PythonJob<'a> {
    /// The delta file (as given; may be relative to the current directory).
    pub file: &'a Path,
    /// The module name the file is imported as (`pre-all`, the delta name...).
    pub module_name: &'a str,
    /// The version of the database before this file, if known.
    pub current_db_version: Option<String>,
}

/// Output of a Python file, line by line, as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output<'a> {
    /// A line printed on standard output (without its newline).
    Stdout(&'a str),
    /// A line printed on standard error (without its newline).
    Stderr(&'a str),
    /// Something the user should know, e.g. a file with no `DeltaPy` subclass.
    Warning(&'a str),
}

/// The interpreter that runs the Python files of one upgrade.
///
/// Started by [`Worker::start`], which fails when the interpreter cannot
/// run the bootstrap (so an upgrade fails before anything runs, not half
/// way); stopped when dropped (its input is closed, then it is killed if
/// it does not exit in time).
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<Line>,
    open_streams: usize,
    marker: String,
    seq: u64,
    interpreter: String,
    executable: String,
    python_version: String,
    /// What runs in it, for messages: `deltas` or `hooks`.
    role: &'static str,
    /// What a pum 1.x worker found (empty for pum 0.x deltas).
    pum1: Pum1Ready,
    /// A pum 1.x hook ended the connection's transaction itself.
    ended_transaction: bool,
    /// The notices of the pum 1.x jobs, until taken.
    notices: Vec<DbError>,
    /// Keeps the temporary service file (if any) alive with the worker.
    _service_dir: Option<tempfile::TempDir>,
    /// Terminates the worker's process group on a signal.
    _watch: crate::interrupt::Watch,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("pid", &self.child.id())
            .field("executable", &self.executable)
            .field("python_version", &self.python_version)
            .finish()
    }
}

/// A protocol message of the bootstrap.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Message {
    Ready {
        executable: String,
        version: String,
        #[serde(default)]
        psycopg: Option<String>,
        #[serde(default)]
        psycopg_error: Option<String>,
        #[serde(default)]
        pum: Option<String>,
        #[serde(default)]
        dependencies: std::collections::BTreeMap<String, Option<String>>,
    },
    Warning {
        text: String,
    },
    Done {
        seq: u64,
        ok: bool,
        #[serde(default)]
        summary: Option<String>,
        #[serde(default)]
        traceback: Option<String>,
        #[serde(default)]
        exit: Option<i64>,
        #[serde(default)]
        index: Option<usize>,
        #[serde(default)]
        db_error: Option<ServerError>,
        #[serde(default)]
        pid: Option<i32>,
        #[serde(default)]
        ended_transaction: bool,
        #[serde(default)]
        notices: Vec<ServerError>,
    },
}

/// A server error as psycopg reports it (its `diag`).
#[derive(serde::Deserialize, Default)]
struct ServerError {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    position: Option<usize>,
    internal_position: Option<usize>,
    internal_query: Option<String>,
    context: Option<String>,
}

impl From<ServerError> for DbError {
    fn from(e: ServerError) -> DbError {
        DbError {
            severity: e.severity,
            code: e.code,
            message: e.message,
            detail: e.detail,
            hint: e.hint,
            position: e.position,
            internal_position: e.internal_position,
            internal_query: e.internal_query,
            context: e.context,
        }
    }
}

/// What one job came to, as the bootstrap reported it.
struct Outcome {
    ok: bool,
    summary: Option<String>,
    traceback: Option<String>,
    exit: Option<i64>,
    index: Option<usize>,
    db_error: Option<ServerError>,
    pid: Option<i32>,
    ended_transaction: bool,
    notices: Vec<ServerError>,
}

/// What a worker for pum 1.x hooks found in its interpreter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pum1Ready {
    /// The version of psycopg 3, when importable.
    pub psycopg: Option<String>,
    /// Why psycopg 3 cannot be imported.
    pub psycopg_error: Option<String>,
    /// Where the hooks' `pum` comes from: `pum 1.9.2` (the real package)
    /// or `bootstrap` (pum's own copy of the API).
    pub pum: Option<String>,
    /// The installed version of each dependency asked for (none: missing).
    pub dependencies: std::collections::BTreeMap<String, Option<String>>,
}

/// A statement the pum 1.x worker's connection refused, or another failure.
#[derive(Debug)]
pub enum SqlFailure {
    /// Statement `.0` of the list failed with the server's error.
    Statement(usize, DbError),
    /// The worker could not run the list (it died, the connection is gone...).
    Other(Error),
}

impl Worker {
    /// Starts the interpreter with the bootstrap and waits until it is
    /// ready to run files.
    pub fn start(opts: &WorkerOptions<'_>) -> Result<Worker> {
        Worker::launch(
            opts.interpreter,
            opts.target,
            "deltas",
            &|nonce, service| setup_json(opts, nonce, service),
        )
    }

    /// Starts an interpreter for the Python hooks of a pum 1.x module, in
    /// psycopg 3 mode (see the bootstrap): it reports whether psycopg 3
    /// and the `dependencies` are importable ([`Worker::pum1`]); it
    /// connects when asked ([`Worker::connect`]).
    pub fn start_pum1(
        interpreter: &OsStr,
        target: &ConnTarget,
        dependencies: &[String],
    ) -> Result<Worker> {
        Worker::launch(interpreter, target, "hooks", &|nonce, service| {
            serde_json::json!({
                "nonce": nonce,
                "mode": "pum1",
                "pg_service": service,
                "dependencies": dependencies,
            })
            .to_string()
        })
    }

    /// What a worker started by [`Worker::start_pum1`] found.
    pub fn pum1(&self) -> &Pum1Ready {
        &self.pum1
    }

    fn launch(
        interpreter_arg: &OsStr,
        target: &ConnTarget,
        role: &'static str,
        setup: &dyn Fn(&str, &str) -> String,
    ) -> Result<Worker> {
        let opts_interpreter = interpreter_arg;
        let interpreter = opts_interpreter.to_string_lossy().into_owned();
        let launch_error = |message: String| Error::PythonLaunch {
            interpreter: interpreter.clone(),
            message,
        };
        let mut cmd = Command::new(opts_interpreter);
        cmd.arg("-u")
            .arg("-c")
            .arg(BOOTSTRAP)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (pg_service, service_dir) = match target.service_name() {
            Some(name) => (name.to_string(), None),
            None => {
                let (dir, file) = crate::service_file::write_service_file(target, TEMP_SERVICE)?;
                cmd.env("PGSERVICEFILE", &file);
                (TEMP_SERVICE.to_string(), Some(dir))
            }
        };
        // Its own process group: a signal to pum reaches it through
        // `interrupt` (SIGTERM, then SIGKILL), never half-way.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let nonce = nonce();
        let mut child = cmd.spawn().map_err(|e| launch_error(e.to_string()))?;
        let watch = crate::interrupt::watch_process_group(child.id());
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel::<Line>();
        spawn_reader(stdout, Stream::Stdout, tx.clone());
        spawn_reader(stderr, Stream::Stderr, tx);
        let mut worker = Worker {
            child,
            stdin: Some(stdin),
            lines: rx,
            open_streams: 2,
            marker: format!("\u{1e}pum:{nonce}:"),
            seq: 0,
            interpreter: interpreter.clone(),
            executable: String::new(),
            python_version: String::new(),
            role,
            pum1: Pum1Ready::default(),
            ended_transaction: false,
            notices: Vec::new(),
            _service_dir: service_dir,
            _watch: watch,
        };
        let setup = setup(&nonce, &pg_service);
        // A write error means the interpreter died at once: the wait below
        // says why.
        let _ = worker.send(&setup);

        let started = Instant::now();
        let mut tail: VecDeque<String> = VecDeque::new();
        loop {
            match worker.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(Line::Eof) => {
                    worker.open_streams -= 1;
                    if worker.open_streams == 0 {
                        break;
                    }
                }
                Ok(Line::Text(stream, text)) => {
                    if let Some((before, rest)) = split_marker(&text, &worker.marker) {
                        if let Ok(Message::Ready {
                            executable,
                            version,
                            psycopg,
                            psycopg_error,
                            pum,
                            dependencies,
                        }) = serde_json::from_str(rest)
                        {
                            worker.executable = executable;
                            worker.python_version = version;
                            worker.pum1 = Pum1Ready {
                                psycopg,
                                psycopg_error,
                                pum,
                                dependencies,
                            };
                            return Ok(worker);
                        }
                        push_tail(&mut tail, before);
                    } else if matches!(stream, Stream::Stderr) {
                        push_tail(&mut tail, &text);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if started.elapsed() > READY_TIMEOUT {
                        return Err(launch_error(format!(
                            "it did not start within {} seconds",
                            READY_TIMEOUT.as_secs()
                        )));
                    }
                    if let Ok(Some(_)) = worker.child.try_wait() {
                        // Let the pipes deliver what it printed.
                        if started.elapsed() > PIPE_GRACE {
                            break;
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = worker.child.wait().ok();
        let why = match (tail.back(), status) {
            (Some(last), _) => format!("it cannot run pum's Python bootstrap: {last}"),
            (None, Some(s)) => format!("it does not run Python 3 code ({})", describe_status(s)),
            (None, None) => "it does not run Python 3 code".to_string(),
        };
        Err(launch_error(why))
    }

    /// The interpreter as Python reports it (`sys.executable`) and its version.
    pub fn describe(&self) -> String {
        let exe = if self.executable.is_empty() {
            &self.interpreter
        } else {
            &self.executable
        };
        format!("{exe} (Python {})", self.python_version)
    }

    fn send(&mut self, line: &str) -> std::io::Result<()> {
        match self.stdin.as_mut() {
            Some(stdin) => {
                stdin.write_all(line.as_bytes())?;
                stdin.write_all(b"\n")?;
                stdin.flush()
            }
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        }
    }

    /// Runs one Python file to completion, streaming its output to
    /// `on_output` (called on this thread, once per line, in the order the
    /// lines arrive).
    ///
    /// Fails with [`Error::Python`] when the file raises, exits with a
    /// non-zero status, or the interpreter dies while running it (the
    /// worker cannot be used after that).
    pub fn run(
        &mut self,
        job: &PythonJob<'_>,
        on_output: &mut dyn FnMut(Output<'_>),
    ) -> Result<()> {
        let payload = serde_json::json!({
            "file": job.file.to_string_lossy(),
            "module_name": job.module_name,
            "current_db_version": job.current_db_version,
        });
        let (outcome, tail) = self.exchange(payload, job.file, on_output)?;
        let file = job.file.to_path_buf();
        let interpreter = self.describe();
        match outcome {
            Outcome { ok: true, .. } => Ok(()),
            Outcome {
                exit: Some(code), ..
            } => Err(Error::Python {
                file,
                message: format!("exited with status {code}"),
                traceback: tail.join("\n"),
                interpreter,
            }),
            Outcome {
                summary, traceback, ..
            } => Err(Error::Python {
                file,
                message: format!(
                    "the Python delta raised {}",
                    summary.unwrap_or_else(|| "an exception".into())
                ),
                traceback: traceback.unwrap_or_default(),
                interpreter,
            }),
        }
    }

    /// Sends one job (`payload` gets its `seq`) and waits for its end,
    /// streaming what it prints to `on_output`. Fails when the
    /// interpreter dies before the job ends (the worker cannot be used
    /// after that). Returns the outcome and the last lines of stderr.
    fn exchange(
        &mut self,
        mut payload: serde_json::Value,
        file: &Path,
        on_output: &mut dyn FnMut(Output<'_>),
    ) -> Result<(Outcome, Vec<String>)> {
        self.seq += 1;
        let seq = self.seq;
        payload["seq"] = seq.into();
        let payload = payload.to_string();
        let sent = self.send(&payload);

        let mut tail: VecDeque<String> = VecDeque::with_capacity(STDERR_TAIL);
        let mut stdout_done = false;
        let mut outcome: Option<Outcome> = None;
        let mut exited: Option<(ExitStatus, Instant)> = None;
        while !(stdout_done && outcome.is_some()) && self.open_streams > 0 {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(Line::Eof) => self.open_streams -= 1,
                Ok(Line::Text(stream, text)) => {
                    let (before, rest) = match split_marker(&text, &self.marker) {
                        Some((before, rest)) => (before, Some(rest)),
                        None => (text.as_str(), None),
                    };
                    if !before.is_empty() || rest.is_none() {
                        match stream {
                            Stream::Stdout => on_output(Output::Stdout(before)),
                            Stream::Stderr => {
                                on_output(Output::Stderr(before));
                                push_tail(&mut tail, before);
                            }
                        }
                    }
                    match (stream, rest) {
                        (_, None) => {}
                        (Stream::Stdout, Some(rest)) => {
                            if rest.strip_prefix("done:") == Some(seq.to_string().as_str()) {
                                stdout_done = true;
                            }
                        }
                        (Stream::Stderr, Some(rest)) => match serde_json::from_str(rest) {
                            Ok(Message::Warning { text }) => on_output(Output::Warning(&text)),
                            Ok(Message::Done {
                                seq: done,
                                ok,
                                summary,
                                traceback,
                                exit,
                                index,
                                db_error,
                                pid,
                                ended_transaction,
                                notices,
                            }) if done == seq => {
                                outcome = Some(Outcome {
                                    ok,
                                    summary,
                                    traceback,
                                    exit,
                                    index,
                                    db_error,
                                    pid,
                                    ended_transaction,
                                    notices,
                                })
                            }
                            _ => {}
                        },
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => match exited {
                    None => {
                        if let Some(status) =
                            self.child.try_wait().map_err(|e| Error::io(file, e))?
                        {
                            exited = Some((status, Instant::now()));
                        }
                    }
                    Some((_, at)) if at.elapsed() > PIPE_GRACE => break,
                    Some(_) => {}
                },
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }

        let tail: Vec<String> = tail.into_iter().collect();
        let interpreter = self.describe();
        match outcome {
            Some(outcome) => Ok((outcome, tail)),
            None => {
                // The interpreter died under the file (os._exit, a crash, a
                // signal): nothing more can run in it.
                self.stdin = None;
                let status = match exited {
                    Some((s, _)) => Some(s),
                    None => self.child.wait().ok(),
                };
                let how = match (status, sent) {
                    (Some(s), _) => describe_status(s),
                    (None, Err(e)) => format!("could not be given the file ({e})"),
                    (None, Ok(())) => "stopped".into(),
                };
                Err(Error::Python {
                    file: file.to_path_buf(),
                    message: format!("the Python interpreter running the {} {how}", self.role),
                    traceback: tail.join("\n"),
                    interpreter,
                })
            }
        }
    }
}

/// The pum 1.x jobs of a worker started by [`Worker::start_pum1`]: one
/// psycopg 3 connection, one transaction, driven from here.
impl Worker {
    fn pum1_job(
        &mut self,
        payload: serde_json::Value,
        file: &Path,
        on_output: &mut dyn FnMut(Output<'_>),
    ) -> Result<Outcome> {
        let (mut outcome, _) = self.exchange(payload, file, on_output)?;
        self.notices.extend(
            std::mem::take(&mut outcome.notices)
                .into_iter()
                .map(DbError::from),
        );
        Ok(outcome)
    }

    /// The notices the server sent the worker's connection since the last
    /// call (RAISE NOTICE in a changelog, a hook's statements...).
    pub fn take_notices(&mut self) -> Vec<DbError> {
        std::mem::take(&mut self.notices)
    }

    fn pum1_error(&self, file: &Path, what: &str, outcome: Outcome) -> Error {
        if let Some(e) = outcome.db_error {
            return Error::Db(DbError::from(e).into());
        }
        Error::Python {
            file: file.to_path_buf(),
            message: format!(
                "{what} failed: {}",
                outcome.summary.unwrap_or_else(|| "an exception".into())
            ),
            traceback: outcome.traceback.unwrap_or_default(),
            interpreter: self.describe(),
        }
    }

    /// Opens the worker's connection (psycopg 3, not in autocommit mode,
    /// as pum 1.x's); returns its backend pid.
    pub fn connect(&mut self) -> Result<i32> {
        let file = Path::new("(pum worker)");
        let o = self.pum1_job(serde_json::json!({"op": "connect"}), file, &mut |_| {})?;
        match (o.ok, o.pid) {
            (true, Some(pid)) => Ok(pid),
            _ => Err(self.pum1_error(file, "connecting with psycopg", o)),
        }
    }

    /// Runs `statements` in order on the worker's connection, in its
    /// transaction (psycopg opens it before the first); stops at the
    /// first that fails.
    pub fn sql(&mut self, statements: &[&str]) -> std::result::Result<(), SqlFailure> {
        let file = Path::new("(pum worker)");
        let o = self
            .pum1_job(
                serde_json::json!({"op": "sql", "statements": statements}),
                file,
                &mut |_| {},
            )
            .map_err(SqlFailure::Other)?;
        if o.ok {
            return Ok(());
        }
        match (o.index, o.db_error) {
            (Some(i), Some(e)) => Err(SqlFailure::Statement(i, e.into())),
            (_, db_error) => Err(SqlFailure::Other(self.pum1_error(
                file,
                "running SQL",
                Outcome { db_error, ..o },
            ))),
        }
    }

    /// Loads the Python hook `file` and checks it as pum 1.9.2 does when
    /// it reads a module (a class `Hook` deriving from `HookBase`,
    /// `run_hook` taking `connection` and only parameters of the module),
    /// without running it and without a connection.
    pub fn load_hook(
        &mut self,
        file: &Path,
        base_path: &Path,
        parameters: &serde_json::Value,
    ) -> Result<()> {
        let o = self.pum1_job(
            serde_json::json!({
                "op": "load",
                "file": file.to_string_lossy(),
                "base_path": base_path.to_string_lossy(),
                "parameters": parameters,
            }),
            file,
            &mut |_| {},
        )?;
        if o.ok {
            return Ok(());
        }
        Err(Error::Python {
            file: file.to_path_buf(),
            message: format!(
                "the Python hook cannot be loaded: {}",
                o.summary.unwrap_or_else(|| "an exception".into())
            ),
            traceback: o.traceback.unwrap_or_default(),
            interpreter: self.describe(),
        })
    }

    /// Runs the Python hook `file` (a class `Hook` deriving from
    /// `pum.HookBase`) as pum 1.9.2 does, on the worker's connection in
    /// its transaction, with the module's `parameters` (a JSON object,
    /// values typed as pum 1.x casts them); what it prints goes to
    /// `on_output`.
    pub fn hook(
        &mut self,
        file: &Path,
        base_path: &Path,
        parameters: &serde_json::Value,
        on_output: &mut dyn FnMut(Output<'_>),
    ) -> Result<()> {
        let o = self.pum1_job(
            serde_json::json!({
                "op": "hook",
                "file": file.to_string_lossy(),
                "base_path": base_path.to_string_lossy(),
                "parameters": parameters,
            }),
            file,
            on_output,
        )?;
        if o.ok {
            return Ok(());
        }
        let ended = o.ended_transaction;
        self.ended_transaction |= ended;
        Err(Error::Python {
            file: file.to_path_buf(),
            message: if ended {
                format!(
                    "{}: what ran before it in this run (and the hook's own work) may be \
                     committed; a hook must not end the transaction, pum commits it at the end",
                    o.summary.unwrap_or_default()
                )
            } else {
                format!(
                    "the Python hook raised {}",
                    o.summary.unwrap_or_else(|| "an exception".into())
                )
            },
            traceback: o.traceback.unwrap_or_default(),
            interpreter: self.describe(),
        })
    }

    /// True once a hook ended the connection's transaction itself (a
    /// `COMMIT` statement): what ran before it may be committed.
    pub fn transaction_ended(&self) -> bool {
        self.ended_transaction
    }

    /// Commits the worker connection's transaction.
    pub fn commit(&mut self) -> Result<()> {
        let file = Path::new("(pum worker)");
        let o = self.pum1_job(serde_json::json!({"op": "commit"}), file, &mut |_| {})?;
        if o.ok {
            Ok(())
        } else {
            Err(self.pum1_error(file, "COMMIT", o))
        }
    }

    /// Rolls the worker connection's transaction back.
    pub fn rollback(&mut self) -> Result<()> {
        let file = Path::new("(pum worker)");
        let o = self.pum1_job(serde_json::json!({"op": "rollback"}), file, &mut |_| {})?;
        if o.ok {
            Ok(())
        } else {
            Err(self.pum1_error(file, "ROLLBACK", o))
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing its input ends the worker's job loop.
        self.stdin = None;
        let deadline = Instant::now() + EXIT_GRACE;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => break,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A value unlikely to appear in a delta's output, marking protocol lines.
fn nonce() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// Splits a line at the protocol marker: the text before it and the
/// message after it.
fn split_marker<'t>(line: &'t str, marker: &str) -> Option<(&'t str, &'t str)> {
    line.find(marker)
        .map(|at| (&line[..at], &line[at + marker.len()..]))
}

fn push_tail(tail: &mut VecDeque<String>, line: &str) {
    if tail.len() == STDERR_TAIL {
        tail.pop_front();
    }
    tail.push_back(line.to_string());
}

fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("was killed by signal {sig}");
        }
    }
    format!("failed ({status})")
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

enum Line {
    Text(Stream, String),
    Eof,
}

fn spawn_reader(pipe: impl Read + Send + 'static, stream: Stream, tx: mpsc::Sender<Line>) {
    thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    while matches!(buf.last(), Some(b'\n' | b'\r')) {
                        buf.pop();
                    }
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if tx.send(Line::Text(stream, text)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(Line::Eof);
    });
}

/// The first line the bootstrap reads. Floats travel as strings so that
/// NaN and infinities survive JSON.
fn setup_json(opts: &WorkerOptions<'_>, nonce: &str, pg_service: &str) -> String {
    use serde_json::{json, Value as J};
    let variables: Vec<J> = opts
        .variables
        .iter()
        .map(|(name, value)| match value {
            Value::Int(i) => json!({"name": name, "type": "int", "value": i}),
            Value::Float(f) => json!({"name": name, "type": "float", "value": float_text(*f)}),
            Value::Text(s) => json!({"name": name, "type": "text", "value": s}),
        })
        .collect();
    let delta_dirs: Vec<String> = opts
        .delta_dirs
        .iter()
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    let pum_exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "pum".into());
    json!({
        "nonce": nonce,
        "pum_exe": pum_exe,
        "delta_dirs": delta_dirs,
        "pg_service": pg_service,
        "upgrades_table": opts.upgrades_table,
        "variables": variables,
    })
    .to_string()
}

/// A float as text Python's `float()` reads back exactly.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{f:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const PY: &str = "/usr/bin/python3";

    struct Ran {
        result: Result<()>,
        stdout: Vec<String>,
        stderr: Vec<String>,
        warnings: Vec<String>,
    }

    fn worker(
        dir: &Path,
        target: &ConnTarget,
        variables: &Variables,
        interpreter: &OsStr,
    ) -> Result<Worker> {
        let dirs = vec![dir.to_path_buf(), PathBuf::from("other/dir")];
        Worker::start(&WorkerOptions {
            interpreter,
            target,
            delta_dirs: &dirs,
            upgrades_table: "qwat_sys.info",
            variables,
        })
    }

    fn run_in(w: &mut Worker, dir: &Path, file_name: &str) -> Ran {
        let file = dir.join(file_name);
        let job = PythonJob {
            file: &file,
            module_name: file_name.trim_end_matches(".py"),
            current_db_version: Some("1.2.3".into()),
        };
        let (mut stdout, mut stderr, mut warnings) = (vec![], vec![], vec![]);
        let result = w.run(&job, &mut |o| match o {
            Output::Stdout(l) => stdout.push(l.to_string()),
            Output::Stderr(l) => stderr.push(l.to_string()),
            Output::Warning(l) => warnings.push(l.to_string()),
        });
        Ran {
            result,
            stdout,
            stderr,
            warnings,
        }
    }

    fn run_with(
        dir: &Path,
        file_name: &str,
        target: &str,
        variables: &Variables,
        interpreter: &OsStr,
    ) -> Ran {
        let target = ConnTarget::parse(target).unwrap();
        let mut w = worker(dir, &target, variables, interpreter).unwrap();
        run_in(&mut w, dir, file_name)
    }

    fn run_delta(dir: &Path, file_name: &str, target: &str, variables: &Variables) -> Ran {
        run_with(dir, file_name, target, variables, OsStr::new(PY))
    }

    fn write(dir: &Path, name: &str, text: &str) {
        fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn runs_every_subclass_in_alphabetical_order() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "delta_1.0.1_two.py",
            "from pum.core.deltapy import DeltaPy\n\
             import pum.core.deltapy\n\
             class B(pum.core.deltapy.DeltaPy):\n    def run(self):\n        self.write_message('b ran')\n\
             class A(DeltaPy):\n    def run(self):\n        self.write_message('a ran')\n",
        );
        let r = run_delta(dir.path(), "delta_1.0.1_two.py", "svc", &Variables::new());
        r.result.unwrap();
        assert_eq!(r.stdout, ["Message from A: a ran", "Message from B: b ran"]);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn properties_and_typed_variables() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pre-all.py",
            "from pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n\
             \x20       print(repr(self.current_db_version))\n\
             \x20       print(repr(self.delta_dir))\n\
             \x20       print(repr(self.delta_dirs))\n\
             \x20       print(repr(self.pg_service))\n\
             \x20       print(repr(self.upgrades_table))\n\
             \x20       print(repr(self.variables))\n\
             \x20       print(__name__)\n",
        );
        let mut vars = Variables::new();
        vars.set("SRID", Value::Int(2056));
        vars.set("x", Value::Float(2.5));
        vars.set("n", Value::Float(f64::NAN));
        vars.set("big", Value::Float(1e-7));
        vars.set("s", Value::Text("it's".into()));
        let r = run_delta(dir.path(), "pre-all.py", "my_service", &vars);
        r.result.unwrap();
        let d = dir.path().display().to_string();
        assert_eq!(
            r.stdout,
            [
                "<Version('1.2.3')>".to_string(),
                format!("'{d}/'"),
                format!("['{d}', 'other/dir']"),
                "'my_service'".into(),
                "'qwat_sys.info'".into(),
                "{'SRID': 2056, 'x': 2.5, 'n': nan, 'big': 1e-07, 's': \"it's\"}".into(),
                "pre-all".into(),
            ]
        );
    }

    #[test]
    fn exception_names_the_error_and_the_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "boom.py",
            "from pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n        print('before')\n        1 / 0\n",
        );
        let r = run_delta(dir.path(), "boom.py", "svc", &Variables::new());
        assert_eq!(r.stdout, ["before"]);
        match r.result.unwrap_err() {
            Error::Python {
                file,
                message,
                traceback,
                interpreter,
            } => {
                assert_eq!(file, dir.path().join("boom.py"));
                assert_eq!(
                    message,
                    "the Python delta raised ZeroDivisionError: division by zero"
                );
                assert!(traceback.contains("boom.py\", line 5"), "{traceback}");
                assert!(traceback.contains("1 / 0"), "{traceback}");
                assert!(!traceback.contains("<string>"), "{traceback}");
                assert!(!traceback.contains("importlib"), "{traceback}");
                assert!(
                    interpreter.starts_with("/usr/bin/python3 (Python 3."),
                    "{interpreter}"
                );
            }
            e => panic!("unexpected {e:?}"),
        }
        // The traceback goes into the error, not the output.
        assert!(r.stderr.is_empty(), "{:?}", r.stderr);
    }

    #[test]
    fn missing_module_names_the_interpreter_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "needs.py",
            "import a_module_pum_tests_never_have\n",
        );
        let r = run_delta(dir.path(), "needs.py", "svc", &Variables::new());
        let text = r.result.unwrap_err().to_string();
        assert!(text.contains("ModuleNotFoundError"), "{text}");
        assert!(
            text.contains("the Python files ran with /usr/bin/python3 (Python 3."),
            "{text}"
        );
        assert!(text.contains("--python, PUM_PYTHON"), "{text}");
        assert!(
            text.contains("install the missing module ('a_module_pum_tests_never_have')"),
            "{text}"
        );
    }

    #[test]
    fn syntax_error_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "bad.py", "def (:\n");
        let r = run_delta(dir.path(), "bad.py", "svc", &Variables::new());
        match r.result.unwrap_err() {
            Error::Python {
                message, traceback, ..
            } => {
                assert!(message.contains("SyntaxError"), "{message}");
                assert!(traceback.contains("bad.py"), "{traceback}");
            }
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn no_subclass_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "plain.py",
            "import sys\nprint('imported')\nsys.stderr.write('note\\n')\n",
        );
        let r = run_delta(dir.path(), "plain.py", "svc", &Variables::new());
        r.result.unwrap();
        assert_eq!(r.stdout, ["imported"]);
        assert_eq!(r.stderr, ["note"]);
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].contains("no subclass of DeltaPy"),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn missing_interpreter_is_a_launch_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = ConnTarget::parse("svc").unwrap();
        let e = worker(
            dir.path(),
            &target,
            &Variables::new(),
            OsStr::new("/nonexistent/python-for-pum"),
        )
        .unwrap_err();
        match e {
            Error::PythonLaunch { interpreter, .. } => {
                assert_eq!(interpreter, "/nonexistent/python-for-pum")
            }
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn a_program_that_is_not_python_is_a_launch_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = ConnTarget::parse("svc").unwrap();
        let e = worker(
            dir.path(),
            &target,
            &Variables::new(),
            OsStr::new("/bin/true"),
        )
        .unwrap_err();
        match e {
            Error::PythonLaunch {
                interpreter,
                message,
            } => {
                assert_eq!(interpreter, "/bin/true");
                assert!(message.contains("does not run Python 3 code"), "{message}");
            }
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn conninfo_goes_through_a_private_service_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "svc.py",
            "import os, stat\n\
             from pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n\
             \x20       path = os.environ['PGSERVICEFILE']\n\
             \x20       text = open(path).read()\n\
             \x20       print('service', self.pg_service)\n\
             \x20       print('section', '[' + self.pg_service + ']' in text.splitlines())\n\
             \x20       print('dbname', 'dbname=x' in text.splitlines())\n\
             \x20       print('host', 'host=/tmp' in text.splitlines())\n\
             \x20       print('mode', oct(stat.S_IMODE(os.stat(path).st_mode)))\n\
             \x20       print('path', path)\n",
        );
        let r = run_delta(
            dir.path(),
            "svc.py",
            "host=/tmp dbname=x password=s3cret",
            &Variables::new(),
        );
        r.result.unwrap();
        assert_eq!(
            &r.stdout[..5],
            [
                "service pum",
                "section True",
                "dbname True",
                "host True",
                "mode 0o600"
            ]
        );
        let path = r.stdout[5].strip_prefix("path ").unwrap();
        assert!(!Path::new(path).exists(), "service file left behind");
        for line in r.stdout.iter().chain(&r.stderr).chain(&r.warnings) {
            assert!(!line.contains("s3cret"), "{line}");
        }
    }

    #[test]
    fn service_name_keeps_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "env.py",
            "import os\nfrom pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n\
             \x20       print(self.pg_service, os.environ.get('PGSERVICEFILE', '-'))\n",
        );
        let r = run_delta(dir.path(), "env.py", "svc", &Variables::new());
        r.result.unwrap();
        let inherited = std::env::var("PGSERVICEFILE").unwrap_or_else(|_| "-".into());
        assert_eq!(r.stdout, [format!("svc {inherited}")]);
    }

    #[test]
    fn sys_exit_nonzero_fails() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "exit.py",
            "import sys\nfrom pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n\
             \x20       sys.stderr.write('giving up\\n')\n        sys.exit(3)\n",
        );
        let r = run_delta(dir.path(), "exit.py", "svc", &Variables::new());
        match r.result.unwrap_err() {
            Error::Python {
                message, traceback, ..
            } => {
                assert_eq!(message, "exited with status 3");
                assert_eq!(traceback, "giving up");
            }
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn sys_exit_zero_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "exit0.py",
            "import sys\nfrom pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n        sys.exit(0)\n",
        );
        let r = run_delta(dir.path(), "exit0.py", "svc", &Variables::new());
        r.result.unwrap();
    }

    /// As in pum 0.10 (a console script), neither the delta's directory
    /// nor the current directory is on sys.path.
    #[test]
    fn sibling_module_is_not_importable() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "helper_for_pum_test.py", "VALUE = 42\n");
        write(
            dir.path(),
            "uses_helper.py",
            "import sys, os\nprint('' in sys.path, os.getcwd() in sys.path)\n\
             from helper_for_pum_test import VALUE\n",
        );
        let r = run_delta(dir.path(), "uses_helper.py", "svc", &Variables::new());
        assert_eq!(r.stdout, ["False False"]);
        let text = r.result.unwrap_err().to_string();
        assert!(
            text.contains("No module named 'helper_for_pum_test'"),
            "{text}"
        );
    }

    /// Every file of an upgrade runs in one interpreter: what one file
    /// imports or adds to sys.path is there for the next, and a file that
    /// raises does not take the worker down.
    #[test]
    fn one_interpreter_for_every_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "shared_state_for_pum_test.py", "COUNT = []\n");
        write(
            dir.path(),
            "first.py",
            "import os, sys\nsys.path.append(os.path.dirname(__file__))\n\
             import shared_state_for_pum_test as s\ns.COUNT.append(1)\nprint(os.getpid())\n",
        );
        write(dir.path(), "boom.py", "raise RuntimeError('no')\n");
        write(
            dir.path(),
            "second.py",
            "import os, sys\nimport shared_state_for_pum_test as s\ns.COUNT.append(2)\n\
             print(os.getpid())\nprint(s.COUNT, sys.stdin.read() == '')\n",
        );
        let target = ConnTarget::parse("svc").unwrap();
        let mut w = worker(dir.path(), &target, &Variables::new(), OsStr::new(PY)).unwrap();
        let a = run_in(&mut w, dir.path(), "first.py");
        a.result.unwrap();
        let b = run_in(&mut w, dir.path(), "boom.py");
        assert!(b
            .result
            .unwrap_err()
            .to_string()
            .contains("RuntimeError: no"));
        let c = run_in(&mut w, dir.path(), "second.py");
        c.result.unwrap();
        assert_eq!(a.stdout[0], c.stdout[0], "not the same process");
        assert_eq!(c.stdout[1], "[1, 2] True");
    }

    /// Output without a final newline, from Python and from a program the
    /// file starts, is shown before the file is reported done.
    #[test]
    fn output_of_the_file_and_its_children_comes_before_done() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "out.py",
            "import subprocess, sys\nprint('from python', end='')\nsys.stdout.flush()\n\
             subprocess.run(['sh', '-c', 'echo; echo from sh; echo to stderr >&2'])\n\
             sys.stderr.write('partial')\n",
        );
        let r = run_delta(dir.path(), "out.py", "svc", &Variables::new());
        r.result.unwrap();
        assert_eq!(r.stdout, ["from python", "from sh"]);
        assert_eq!(r.stderr, ["to stderr", "partial"]);
    }

    #[test]
    fn interpreter_dying_under_a_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "die.py",
            "import os, sys\nsys.stderr.write('about to go\\n')\nsys.stderr.flush()\nos._exit(7)\n",
        );
        write(dir.path(), "after.py", "print('never')\n");
        let target = ConnTarget::parse("svc").unwrap();
        let mut w = worker(dir.path(), &target, &Variables::new(), OsStr::new(PY)).unwrap();
        let r = run_in(&mut w, dir.path(), "die.py");
        match r.result.unwrap_err() {
            Error::Python {
                message, traceback, ..
            } => {
                assert_eq!(
                    message,
                    "the Python interpreter running the deltas exited with status 7"
                );
                assert_eq!(traceback, "about to go");
            }
            e => panic!("unexpected {e:?}"),
        }
        let after = run_in(&mut w, dir.path(), "after.py");
        assert!(after.result.is_err());
        assert!(after.stdout.is_empty());
    }

    #[test]
    fn version_objects_compare_like_pum_0_10s() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "v.py",
            "import pkg_resources\nfrom pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n\
             \x20       v = self.current_db_version\n\
             \x20       print(type(v).__name__, str(v))\n\
             \x20       print(v > pkg_resources.parse_version('1.2.2'), v < pkg_resources.parse_version('1.10.0'))\n\
             \x20       print(pkg_resources.get_distribution('pum').version)\n\
             \x20       import importlib.metadata as m\n\
             \x20       print(m.version('pum'))\n",
        );
        let r = run_delta(dir.path(), "v.py", "svc", &Variables::new());
        r.result.unwrap();
        assert_eq!(r.stdout, ["Version 1.2.3", "True True", "0.10.0", "0.10.0"]);
    }

    #[test]
    fn floats_round_trip_as_text() {
        assert_eq!(float_text(2.5), "2.5");
        assert_eq!(float_text(2056.0), "2056.0");
        assert_eq!(float_text(f64::NAN), "nan");
        assert_eq!(float_text(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn markers_split_from_text() {
        assert_eq!(
            split_marker("abc\u{1e}pum:N:done:1", "\u{1e}pum:N:"),
            Some(("abc", "done:1"))
        );
        assert_eq!(split_marker("plain", "\u{1e}pum:N:"), None);
    }

    #[test]
    fn service_section_parsing() {
        let text = "# c\n[a]\nhost=h1\n\n[b]\n host=h2 \nport=5433\nservice=x\n[c]\nhost=h3\n";
        assert_eq!(
            crate::service_file::parse_service_section(text, "b").unwrap(),
            ["host=h2", "port=5433"]
        );
        assert!(crate::service_file::parse_service_section(text, "zz").is_none());
    }

    #[test]
    fn unrepresentable_value_is_refused_without_showing_it() {
        let e = crate::service_file::check_service_value("password", "s3cret\nx").unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
        crate::service_file::check_service_value("password", "s 3").unwrap();
    }
}
