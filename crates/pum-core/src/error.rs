//! The one error type of the library.
//!
//! Every failure carries the context a user needs to act on it: the file and
//! line of a failing delta, the SQLSTATE and server message, the table, the
//! version. The binary decides how to render it; the library never prints.

use std::fmt;
use std::path::PathBuf;

use crate::pg::DbError;
use crate::script::Placeholder;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in pum.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The `-p` value is neither a usable service name nor a valid
    /// connection string.
    InvalidTarget {
        /// What the user gave, with any password removed.
        input: String,
        /// libpq's explanation.
        message: String,
    },
    /// libpq could not connect.
    Connect {
        /// The connection target, with any password removed.
        target: String,
        /// libpq's message.
        message: String,
    },
    /// A statement outside a delta file failed on the server.
    Db(Box<DbError>),
    /// A statement of a delta file failed on the server.
    DeltaSql {
        /// The delta file.
        file: PathBuf,
        /// 1-based line of the failing position (or of the statement start).
        line: usize,
        /// The server's error.
        error: Box<DbError>,
    },
    /// A delta ran, but its row could not be written to the upgrades
    /// table (typically: the connection was lost in between).
    NotRecorded {
        /// The delta file.
        file: PathBuf,
        /// True when what the delta did stays: it ran outside pum's
        /// transaction (a Python delta, a `-- pum:no-transaction` delta).
        /// False when the delta was rolled back with its row.
        kept: bool,
        /// The server's (or libpq's) error.
        error: Box<DbError>,
    },
    /// A delta file could not be parsed (unterminated quote, bad variable...).
    Script {
        /// The delta file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A SQL delta uses pum variables (`%(NAME)s`) that were not given
    /// with `-v`.
    UndefinedVariables {
        /// The delta file.
        file: PathBuf,
        /// 1-based line: of the server's error when there is one, else of
        /// the first placeholder naming a missing variable.
        line: usize,
        /// Each missing variable, once, with the line of its first use.
        missing: Vec<Placeholder>,
        /// With no variable given at all, pum 0.x sends the file unchanged:
        /// this is the server's error (a syntax error at the `%`). `None`
        /// when pum refused the file before sending it.
        error: Option<Box<DbError>>,
    },
    /// A Python delta raised or exited with an error.
    Python {
        /// The delta file.
        file: PathBuf,
        /// Short reason (exit status, exception line).
        message: String,
        /// The traceback or the last lines the script printed on stderr.
        traceback: String,
        /// The interpreter that ran it, with its version
        /// (`/usr/bin/python3 (Python 3.11.2)`).
        interpreter: String,
    },
    /// pum was asked to stop (SIGINT, SIGTERM or SIGHUP); the work in
    /// progress was cancelled and rolled back.
    Interrupted {
        /// The signal number.
        signal: i32,
    },
    /// The Python interpreter could not be started.
    PythonLaunch {
        /// The interpreter that was tried.
        interpreter: String,
        /// The OS error.
        message: String,
    },
    /// A file or directory could not be read or written.
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A version string is not of the form X.Y.Z.
    InvalidVersion {
        /// What was given.
        input: String,
        /// Where it came from ("--baseline", "--max-version", a table row...).
        origin: String,
    },
    /// The upgrades table name is not usable.
    InvalidTable {
        /// What was given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// The upgrades table does not exist in the database.
    TableMissing {
        /// The table name as given.
        table: String,
    },
    /// `baseline` would clash with what the table already holds.
    BaselineExists {
        /// The table name.
        table: String,
        /// The version already recorded as baseline.
        existing: String,
    },
    /// Another pum holds the lock of a history table and did not release it
    /// in time.
    LockTimeout {
        /// The table whose lock was requested.
        table: String,
        /// Seconds waited.
        waited_secs: u64,
        /// Who holds it, as far as the server tells.
        holder: Option<String>,
    },
    /// The plan has problems that forbid running it (strict mode, invalid
    /// combination of options...). Each string is one finding.
    Refused {
        /// One line per problem.
        problems: Vec<String>,
    },
    /// A value given by the user is not valid.
    Invalid {
        /// What was wrong and how to fix it.
        message: String,
    },
    /// A throwaway cluster could not be created, started or stopped.
    Sandbox {
        /// What failed.
        message: String,
    },
    /// The reference of a rehearsal (`-pc`) cannot be used; found while
    /// preparing, before anything is dumped.
    ReferenceUnusable {
        /// The reference: a snapshot file or a connection without password.
        reference: String,
        /// Why it cannot be used.
        cause: Box<Error>,
    },
    /// pg_restore reported errors: what was restored, what failed, and
    /// the state the database was left in.
    Restore(Box<crate::dump::RestoreFailure>),
}

impl Error {
    /// Builds an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::Invalid`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
        }
    }

    /// A stable name for the kind of error, as scripts see it in JSON
    /// reports (`delta-sql`, `refused`, `lock-timeout`...).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidTarget { .. } => "invalid-target",
            Error::Connect { .. } => "connect",
            Error::Db(_) => "db",
            Error::DeltaSql { .. } => "delta-sql",
            Error::NotRecorded { .. } => "not-recorded",
            Error::Script { .. } => "script",
            Error::UndefinedVariables { .. } => "undefined-variables",
            Error::Python { .. } => "python",
            Error::PythonLaunch { .. } => "python-launch",
            Error::Interrupted { .. } => "interrupted",
            Error::ReferenceUnusable { .. } => "reference-unusable",
            Error::Restore(_) => "restore",
            Error::Io { .. } => "io",
            Error::InvalidVersion { .. } => "invalid-version",
            Error::InvalidTable { .. } => "invalid-table",
            Error::TableMissing { .. } => "table-missing",
            Error::BaselineExists { .. } => "baseline-exists",
            Error::LockTimeout { .. } => "lock-timeout",
            Error::Refused { .. } => "refused",
            Error::Invalid { .. } => "invalid",
            Error::Sandbox { .. } => "sandbox",
        }
    }

    /// The file the error is about, if any (a delta, a directory...).
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            Error::DeltaSql { file, .. }
            | Error::Script { file, .. }
            | Error::UndefinedVariables { file, .. }
            | Error::NotRecorded { file, .. }
            | Error::Python { file, .. } => Some(file),
            Error::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The 1-based line in [`Error::file`] the error is about, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::DeltaSql { line, .. }
            | Error::Script { line, .. }
            | Error::UndefinedVariables { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The server error behind this error, if there is one.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::Db(e) => Some(e),
            Error::DeltaSql { error, .. } | Error::NotRecorded { error, .. } => Some(error),
            Error::UndefinedVariables {
                error: Some(error), ..
            } => Some(error),
            _ => None,
        }
    }

    /// The SQLSTATE of the server error behind this error, if any.
    pub fn sqlstate(&self) -> Option<&str> {
        self.db_error().map(|e| e.code.as_str())
    }

    /// True when the upgrade lock could not be taken in time.
    pub fn is_lock_timeout(&self) -> bool {
        matches!(self, Error::LockTimeout { .. })
    }

    /// True when a delta (SQL or Python) failed while running.
    pub fn is_delta_failure(&self) -> bool {
        matches!(
            self,
            Error::DeltaSql { .. }
                | Error::Python { .. }
                | Error::Script { .. }
                | Error::UndefinedVariables { .. }
                | Error::NotRecorded { .. }
        )
    }

    /// True when the error comes from connecting to the server.
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connect { .. } | Error::InvalidTarget { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidTarget { input, message } => write!(
                f,
                "invalid connection '{input}': {message}\n  \
                 give a pg_service name (see pg_service.conf), a connection string \
                 ('host=... dbname=...') or a URI ('postgresql://...')"
            ),
            Error::Connect { target, message } => {
                write!(f, "could not connect to {target}: {}", message.trim_end())
            }
            Error::Db(e) => write!(f, "{e}"),
            Error::DeltaSql { file, line, error } => {
                write!(f, "{}:{line}: {error}", file.display())
            }
            Error::NotRecorded { file, kept, error } => {
                write!(
                    f,
                    "{}: its row could not be written: {error}",
                    file.display()
                )?;
                if *kept {
                    write!(
                        f,
                        "\n  the file ran outside pum's transaction, so what it did stays, but it is \
                         not recorded: the next run runs it again"
                    )
                } else {
                    write!(f, "\n  the file was rolled back with its row")
                }
            }
            Error::Script {
                file,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", file.display()),
            Error::UndefinedVariables {
                file,
                line,
                missing,
                error,
            } => {
                let names: Vec<String> = missing
                    .iter()
                    .map(|p| format!("`{}` (line {})", p.name, p.line))
                    .collect();
                let flags: Vec<String> = missing
                    .iter()
                    .map(|p| format!("-v TYPE {} VALUE", p.name))
                    .collect();
                match error {
                    Some(e) => write!(
                        f,
                        "{}:{line}: {e}\n  hint: the file uses pum variables, and no variable was \
                         given (without -v, files run unchanged): {}; pass {} (TYPE int, float \
                         or string)",
                        file.display(),
                        names.join(", "),
                        flags.join(" ")
                    ),
                    None => write!(
                        f,
                        "{}:{line}: the file uses pum variables that were not given: {}; pass {} \
                         (TYPE int, float or string), or write %% for a literal %",
                        file.display(),
                        names.join(", "),
                        flags.join(" ")
                    ),
                }
            }
            Error::Python {
                file,
                message,
                traceback,
                interpreter,
            } => {
                write!(f, "{}: {message}", file.display())?;
                if !traceback.trim().is_empty() {
                    write!(f, "\n{}", traceback.trim_end())?;
                }
                if message.contains("ModuleNotFoundError") || message.contains("ImportError") {
                    // "No module named 'psycopg2'" (or 'a.b'): name it.
                    let module = message
                        .split("No module named '")
                        .nth(1)
                        .and_then(|rest| rest.split('\'').next())
                        .map(|m| format!(" ('{m}')"))
                        .unwrap_or_default();
                    write!(
                        f,
                        "\n  the Python files ran with {interpreter}: install the missing module{module} \
                         for that interpreter, or choose another one with --python, PUM_PYTHON or \
                         the config file's `python` key"
                    )?;
                }
                Ok(())
            }
            Error::Interrupted { signal } => write!(
                f,
                "interrupted by {}",
                crate::interrupt::signal_name(*signal)
            ),
            Error::PythonLaunch {
                interpreter,
                message,
            } => write!(
                f,
                "could not start the Python interpreter '{interpreter}': {message}\n  \
                 install python3 or name another interpreter with --python or PUM_PYTHON"
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::InvalidVersion { input, origin } => write!(
                f,
                "invalid version '{input}' ({origin}): expected X.Y.Z with numbers, e.g. 1.4.2"
            ),
            Error::InvalidTable { input, reason } => write!(
                f,
                "invalid upgrades table '{input}': {reason} (expected SCHEMA.TABLE, e.g. qwat_sys.info)"
            ),
            Error::TableMissing { table } => write!(
                f,
                "the upgrades table {table} does not exist in this database\n  \
                 create it with `pum baseline -t {table} -b X.Y.Z ...` first"
            ),
            Error::BaselineExists { table, existing } => write!(
                f,
                "{table} already has a baseline (version {existing}); a database has one baseline\n  \
                 use `pum upgrade` to move it forward, or drop the table to start over"
            ),
            Error::LockTimeout {
                table,
                waited_secs,
                holder,
            } => {
                write!(
                    f,
                    "another pum is working on this database ({table}); gave up after {waited_secs} s"
                )?;
                if let Some(h) = holder {
                    write!(f, "\n  lock held by {h}")?;
                }
                write!(f, "\n  wait for it to finish, or raise --lock-timeout")
            }
            Error::Refused { problems } => {
                write!(f, "refusing to run:")?;
                for p in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
            Error::Invalid { message } => f.write_str(message),
            Error::Sandbox { message } => write!(f, "throwaway cluster: {message}"),
            Error::Restore(failure) => write!(f, "{failure}"),
            Error::ReferenceUnusable { reference, cause } => write!(
                f,
                "the reference {reference} (-pc) cannot be used: {cause}\n  \
                 pum stopped before the rehearsal started: nothing was dumped, restored or upgraded"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        Error::Db(Box::new(e))
    }
}

impl From<crate::pg::PgError> for Error {
    fn from(e: crate::pg::PgError) -> Self {
        use crate::pg::PgError;
        match e {
            PgError::Connect { target, message } => Error::Connect { target, message },
            PgError::InvalidTarget { input, message } => Error::InvalidTarget { input, message },
            PgError::InvalidName { input, reason } => Error::InvalidTable { input, reason },
            PgError::InvalidText { what } => Error::Invalid {
                message: format!("{what} contains a NUL byte"),
            },
            // PgError is non_exhaustive to its users, not to this crate.
        }
    }
}
