//! Python deltas, run the way pum 0.x runs them.
//!
//! A Python delta defines subclasses of `pum.core.deltapy.DeltaPy`; pum 0.x
//! imported the file and called `run()` on an instance of each. pum runs
//! the file in a child interpreter with a small embedded bootstrap
//! (`python/bootstrap.py`) that provides the `pum.core.deltapy` module, so
//! existing deltas work without pum 0.x being installed.
//!
//! The job goes to the child as JSON on its standard input (which is then
//! closed: a delta cannot wait for input). Its standard output and error
//! are streamed back line by line. Two protocol lines on stderr are not
//! output: `pum-warning: ...` (becomes [`Output::Warning`]) and
//! `pum-exception: {json}` (the summary and traceback of an exception).
//!
//! The delta gets a pg_service name to connect with. When the user gave a
//! connection string instead of a service name, pum writes the options to
//! a temporary service file (mode 0600, removed afterwards) with one
//! section `[pum]` and points `PGSERVICEFILE` at it: a password never
//! appears in the child's arguments or environment.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::pg::ConnTarget;
use crate::vars::{Value, Variables};

/// The bootstrap script run by the interpreter with `-c`.
const BOOTSTRAP: &str = include_str!("../../../../python/bootstrap.py");

/// The section name of the temporary service file.
const TEMP_SERVICE: &str = "pum";

/// How many stderr lines are kept for the error of a failed delta.
const STDERR_TAIL: usize = 60;

/// How long to wait for the output pipes to close once the interpreter has
/// exited (a process started by the delta may keep them open).
const PIPE_GRACE: Duration = Duration::from_secs(2);

const WARNING_PREFIX: &str = "pum-warning: ";
const EXCEPTION_PREFIX: &str = "pum-exception: ";

/// Everything a Python delta run needs.
#[derive(Debug, Clone)]
pub struct PythonJob<'a> {
    /// The delta file (as given; may be relative to the current directory).
    pub file: &'a Path,
    /// The module name the file is imported as (`pre-all`, the delta name...).
    pub module_name: &'a str,
    /// The version of the database before this delta, if known.
    pub current_db_version: Option<String>,
    /// The delta directories, as given on the command line.
    pub delta_dirs: &'a [PathBuf],
    /// The database the delta works on.
    pub target: &'a ConnTarget,
    /// The upgrades table, as `schema.table`.
    pub upgrades_table: &'a str,
    /// The variables given with `-v`.
    pub variables: &'a Variables,
    /// The interpreter: a name looked up in `PATH` (`python3`) or a path.
    pub interpreter: &'a OsStr,
}

/// Output of the script, line by line, as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output<'a> {
    /// A line printed on standard output (without its newline).
    Stdout(&'a str),
    /// A line printed on standard error (without its newline).
    Stderr(&'a str),
    /// Something the user should know, e.g. a file with no `DeltaPy` subclass.
    Warning(&'a str),
}

/// Checks that the interpreter starts, so an upgrade whose plan holds
/// Python deltas fails before anything runs rather than half-way.
pub fn check_interpreter(interpreter: &OsStr) -> Result<()> {
    let launch_error = |message: String| Error::PythonLaunch {
        interpreter: interpreter.to_string_lossy().into_owned(),
        message,
    };
    let status = Command::new(interpreter)
        .args(["-c", "import sys; sys.exit(0)"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| launch_error(e.to_string()))?;
    if status.success() {
        Ok(())
    } else {
        Err(launch_error(format!(
            "it does not run Python code ({status})"
        )))
    }
}

/// Runs one Python delta to completion, streaming its output to `on_output`.
///
/// `on_output` is called on the calling thread, once per line, in the order
/// the lines arrive. Fails with [`Error::PythonLaunch`] when the interpreter
/// cannot be started and with [`Error::Python`] when the delta raises or
/// exits with a non-zero status.
pub fn run(job: &PythonJob<'_>, on_output: &mut dyn FnMut(Output<'_>)) -> Result<()> {
    let launch_error = |message: String| Error::PythonLaunch {
        interpreter: job.interpreter.to_string_lossy().into_owned(),
        message,
    };

    let mut cmd = Command::new(job.interpreter);
    cmd.arg("-u")
        .arg("-c")
        .arg(BOOTSTRAP)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // `_service_dir` is kept alive until the child is done: the temporary
    // service file lives in it.
    let (pg_service, _service_dir) = match job.target.service_name() {
        Some(name) => (name.to_string(), None),
        None => {
            let (dir, file) =
                crate::pg::service_file::write_service_file(job.target, TEMP_SERVICE)?;
            cmd.env("PGSERVICEFILE", &file);
            (TEMP_SERVICE.to_string(), Some(dir))
        }
    };
    let payload = job_json(job, &pg_service);

    let mut child = cmd.spawn().map_err(|e| launch_error(e.to_string()))?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");

    // The job is small, but a writer thread means no deadlock whatever its
    // size. A write error means the interpreter died early: its exit
    // status tells why.
    let writer = thread::spawn(move || {
        let mut stdin = stdin;
        let _ = stdin.write_all(payload.as_bytes());
    });

    let (tx, rx) = mpsc::channel::<Line>();
    spawn_reader(stdout, Stream::Stdout, tx.clone());
    spawn_reader(stderr, Stream::Stderr, tx);

    let mut tail: VecDeque<String> = VecDeque::with_capacity(STDERR_TAIL);
    let mut exception: Option<ExceptionReport> = None;
    let mut open_streams = 2;
    let mut exited: Option<(ExitStatus, Instant)> = None;
    while open_streams > 0 {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Line::Eof) => open_streams -= 1,
            Ok(Line::Text(Stream::Stdout, text)) => on_output(Output::Stdout(&text)),
            Ok(Line::Text(Stream::Stderr, text)) => {
                if let Some(rest) = text.strip_prefix(WARNING_PREFIX) {
                    on_output(Output::Warning(rest));
                } else if let Some(report) = text
                    .strip_prefix(EXCEPTION_PREFIX)
                    .and_then(|json| serde_json::from_str::<ExceptionReport>(json).ok())
                {
                    exception = Some(report);
                } else {
                    on_output(Output::Stderr(&text));
                    if tail.len() == STDERR_TAIL {
                        tail.pop_front();
                    }
                    tail.push_back(text);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => match exited {
                None => {
                    if let Some(status) = try_wait(&mut child, job)? {
                        exited = Some((status, Instant::now()));
                    }
                }
                Some((_, at)) if at.elapsed() > PIPE_GRACE => break,
                Some(_) => {}
            },
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = match exited {
        Some((status, _)) => status,
        None => child.wait().map_err(|e| Error::io(job.file, e))?,
    };
    let _ = writer.join();

    if status.success() {
        return Ok(());
    }
    let (message, traceback) = match exception {
        Some(report) => (
            format!("the Python delta raised {}", report.summary),
            report.traceback.trim_end().to_string(),
        ),
        None => (
            describe_status(status),
            tail.into_iter().collect::<Vec<_>>().join("\n"),
        ),
    };
    Err(Error::Python {
        file: job.file.to_path_buf(),
        message,
        traceback,
    })
}

fn try_wait(child: &mut Child, job: &PythonJob<'_>) -> Result<Option<ExitStatus>> {
    child.try_wait().map_err(|e| Error::io(job.file, e))
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

/// What the bootstrap reports when the delta raises.
#[derive(serde::Deserialize)]
struct ExceptionReport {
    summary: String,
    traceback: String,
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

/// The job as the bootstrap reads it. Floats travel as strings so that NaN
/// and infinities survive JSON.
fn job_json(job: &PythonJob<'_>, pg_service: &str) -> String {
    use serde_json::{json, Value as J};
    let variables: Vec<J> = job
        .variables
        .iter()
        .map(|(name, value)| match value {
            Value::Int(i) => json!({"name": name, "type": "int", "value": i}),
            Value::Float(f) => json!({"name": name, "type": "float", "value": float_text(*f)}),
            Value::Text(s) => json!({"name": name, "type": "text", "value": s}),
        })
        .collect();
    let delta_dirs: Vec<String> = job
        .delta_dirs
        .iter()
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    json!({
        "file": job.file.to_string_lossy(),
        "module_name": job.module_name,
        "current_db_version": job.current_db_version,
        "delta_dirs": delta_dirs,
        "pg_service": pg_service,
        "upgrades_table": job.upgrades_table,
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

    fn run_delta(dir: &Path, file_name: &str, target: &str, variables: &Variables) -> Ran {
        run_with(dir, file_name, target, variables, OsStr::new(PY))
    }

    fn run_with(
        dir: &Path,
        file_name: &str,
        target: &str,
        variables: &Variables,
        interpreter: &OsStr,
    ) -> Ran {
        let target = ConnTarget::parse(target).unwrap();
        let file = dir.join(file_name);
        let dirs = vec![dir.to_path_buf(), PathBuf::from("other/dir")];
        let job = PythonJob {
            file: &file,
            module_name: file_name.trim_end_matches(".py"),
            current_db_version: Some("1.2.3".into()),
            delta_dirs: &dirs,
            target: &target,
            upgrades_table: "qwat_sys.info",
            variables,
            interpreter,
        };
        let (mut stdout, mut stderr, mut warnings) = (vec![], vec![], vec![]);
        let result = run(&job, &mut |o| match o {
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
                "'1.2.3'".to_string(),
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
            }
            e => panic!("unexpected {e:?}"),
        }
        // The traceback goes into the error, not the output.
        assert!(r.stderr.is_empty(), "{:?}", r.stderr);
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
        write(dir.path(), "x.py", "");
        let r = run_with(
            dir.path(),
            "x.py",
            "svc",
            &Variables::new(),
            OsStr::new("/nonexistent/python-for-pum"),
        );
        match r.result.unwrap_err() {
            Error::PythonLaunch { interpreter, .. } => {
                assert_eq!(interpreter, "/nonexistent/python-for-pum")
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

    #[test]
    fn sibling_module_is_importable() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "helper_for_pum_test.py", "VALUE = 42\n");
        write(
            dir.path(),
            "uses_helper.py",
            "from helper_for_pum_test import VALUE\nfrom pum.core.deltapy import DeltaPy\n\
             class P(DeltaPy):\n    def run(self):\n        self.write_message(VALUE)\n",
        );
        let r = run_delta(dir.path(), "uses_helper.py", "svc", &Variables::new());
        r.result.unwrap();
        assert_eq!(r.stdout, ["Message from P: 42"]);
    }

    #[test]
    fn floats_round_trip_as_text() {
        assert_eq!(float_text(2.5), "2.5");
        assert_eq!(float_text(2056.0), "2056.0");
        assert_eq!(float_text(f64::NAN), "nan");
        assert_eq!(float_text(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn service_section_parsing() {
        let text = "# c\n[a]\nhost=h1\n\n[b]\n host=h2 \nport=5433\nservice=x\n[c]\nhost=h3\n";
        assert_eq!(
            crate::pg::service_file::parse_service_section(text, "b").unwrap(),
            ["host=h2", "port=5433"]
        );
        assert!(crate::pg::service_file::parse_service_section(text, "zz").is_none());
    }

    #[test]
    fn unrepresentable_value_is_refused_without_showing_it() {
        let e = crate::pg::service_file::check_service_value("password", "s3cret\nx").unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
        crate::pg::service_file::check_service_value("password", "s 3").unwrap();
    }
}
