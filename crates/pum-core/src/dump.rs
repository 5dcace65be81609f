//! Running the real pg_dump and pg_restore.
//!
//! The tools are found explicitly (a configured path, `PG_DUMP_EXE` /
//! `PG_RESTORE_EXE`, or `PATH`), their version is checked against the
//! server's before they run, and their arguments are built from typed
//! options. The connection is handed over as a libpq connection string
//! *without* its password; a password given in the connection string
//! travels in a temporary passfile (mode 0600), never in argv.

use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::pg::{conninfo_value, Conn, ConnTarget};

/// pg_dump or pg_restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// pg_dump
    PgDump,
    /// pg_restore
    PgRestore,
}

impl ToolKind {
    fn program(self) -> &'static str {
        match self {
            ToolKind::PgDump => "pg_dump",
            ToolKind::PgRestore => "pg_restore",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            ToolKind::PgDump => "PG_DUMP_EXE",
            ToolKind::PgRestore => "PG_RESTORE_EXE",
        }
    }

    fn config_key(self) -> &'static str {
        match self {
            ToolKind::PgDump => "pg_dump_exe",
            ToolKind::PgRestore => "pg_restore_exe",
        }
    }
}

/// A located tool and its major version.
#[derive(Debug, Clone)]
pub struct Tool {
    /// Which tool.
    pub kind: ToolKind,
    /// The executable.
    pub path: PathBuf,
    /// Major version (e.g. 15).
    pub major: u32,
    /// The version line it printed.
    pub version: String,
}

fn tool_err(kind: ToolKind, message: String) -> Error {
    Error::invalid(format!(
        "{message}\n  install the PostgreSQL client tools (e.g. `apt-get install postgresql-client`), \
         or name the program with {} or `{}` in the config file",
        kind.env_var(),
        kind.config_key()
    ))
}

impl Tool {
    /// Finds the tool: `configured` (from the config file) first, then the
    /// environment variable, then `PATH`.
    pub fn find(kind: ToolKind, configured: Option<&Path>) -> Result<Tool> {
        let path: PathBuf = match configured {
            Some(p) => p.to_path_buf(),
            None => match std::env::var_os(kind.env_var()) {
                Some(p) if !p.is_empty() => PathBuf::from(p),
                _ => PathBuf::from(kind.program()),
            },
        };
        let out = Command::new(&path)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| tool_err(kind, format!("cannot run {} ({e})", path.display())))?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let major = parse_major(kind.program(), &version).ok_or_else(|| {
            tool_err(
                kind,
                format!(
                    "{} does not look like {} (it printed '{version}' for --version)",
                    path.display(),
                    kind.program()
                ),
            )
        })?;
        Ok(Tool {
            kind,
            path,
            major,
            version,
        })
    }

    /// Refuses a tool older than the server (pg_dump cannot dump a newer
    /// server), naming both versions and the fix.
    pub fn check_server(&self, server_version_num: i32, target: &ConnTarget) -> Result<()> {
        let server_major = (server_version_num / 10000) as u32;
        if self.kind == ToolKind::PgDump && self.major < server_major {
            return Err(Error::invalid(format!(
                "{} is version {}, older than the server of {} (PostgreSQL {server_major}); \
                 pg_dump cannot dump a newer server\n  install the PostgreSQL {server_major} client \
                 (e.g. `apt-get install postgresql-client-{server_major}`) and point {} or `{}` at its {}",
                self.path.display(),
                self.major,
                target.display(),
                self.kind.env_var(),
                self.kind.config_key(),
                self.kind.program()
            )));
        }
        Ok(())
    }
}

/// The major version from `pg_dump (PostgreSQL) 15.18 (Debian ...)`; `None`
/// unless the line is really that program's.
fn parse_major(program: &str, version_line: &str) -> Option<u32> {
    let after = version_line
        .trim()
        .strip_prefix(program)?
        .strip_prefix(" (PostgreSQL) ")?;
    let num: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    num.parse().ok()
}

/// How a connection is handed to a child tool: a connection string
/// without password, and the password (if the string had one) in a
/// private passfile that lives as long as this value.
pub struct Handover {
    conninfo: String,
    passfile: Option<tempfile::TempDir>,
}

impl Handover {
    /// Prepares the handover of `target`.
    pub fn new(target: &ConnTarget) -> Result<Handover> {
        let mut conninfo = String::new();
        let mut password = None;
        for (k, v) in target.options() {
            if k == "password" {
                password = Some(v.clone());
                continue;
            }
            if !conninfo.is_empty() {
                conninfo.push(' ');
            }
            conninfo.push_str(k);
            conninfo.push('=');
            conninfo.push_str(&conninfo_value(v));
        }
        let passfile = match password {
            None => None,
            Some(pw) => {
                let dir = crate::tempfiles::private_dir("pum-pass-")?;
                let path = dir.path().join("pgpass");
                let escaped = pw.replace('\\', "\\\\").replace(':', "\\:");
                crate::tempfiles::write_private(&path, format!("*:*:*:*:{escaped}\n").as_bytes())?;
                Some(dir)
            }
        };
        Ok(Handover { conninfo, passfile })
    }

    /// The connection string to pass with `-d` (no password in it).
    pub fn conninfo(&self) -> &str {
        &self.conninfo
    }

    /// Sets the child's environment for the password, if any.
    pub fn apply(&self, cmd: &mut Command) {
        if let Some(dir) = &self.passfile {
            cmd.env("PGPASSFILE", dir.path().join("pgpass"));
        }
    }
}

/// Formats pg_dump can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DumpFormat {
    /// `-Fc`, what pum 0.x wrote and pg_restore reads.
    #[default]
    Custom,
    /// `-Fp`, an SQL script.
    Plain,
    /// `-Fd`, a directory (one file per table).
    Directory,
}

impl DumpFormat {
    fn flag(self) -> &'static str {
        match self {
            DumpFormat::Custom => "-Fc",
            DumpFormat::Plain => "-Fp",
            DumpFormat::Directory => "-Fd",
        }
    }
}

impl fmt::Display for DumpFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DumpFormat::Custom => "custom",
            DumpFormat::Plain => "plain",
            DumpFormat::Directory => "directory",
        })
    }
}

/// Options of [`dump`].
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// The database to dump.
    pub target: ConnTarget,
    /// The file (or directory) to write.
    pub file: PathBuf,
    /// Output format.
    pub format: DumpFormat,
    /// Schemas left out entirely (`-N`, one argument each).
    pub exclude_schemas: Vec<String>,
    /// Schemas whose table data is left out (structure kept).
    pub exclude_schema_data: Vec<String>,
    /// Configured pg_dump path (config file), if any.
    pub pg_dump: Option<PathBuf>,
    /// Compression level (`-Z`); `None` keeps pg_dump's default.
    pub compression: Option<u8>,
}

/// Progress of a long-running tool, reported about five times a second.
#[derive(Debug, Clone, Copy)]
pub struct ToolProgress {
    /// Time since the start.
    pub elapsed: Duration,
    /// Bytes written so far (dump).
    pub bytes: u64,
    /// Objects processed so far (restore).
    pub objects: u64,
}

/// What a dump did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DumpReport {
    /// The file written.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Milliseconds.
    pub millis: u64,
}

fn size_of(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|d| {
                d.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Dumps a database with pg_dump.
pub fn dump(opts: &DumpOptions, progress: &mut dyn FnMut(ToolProgress)) -> Result<DumpReport> {
    let tool = Tool::find(ToolKind::PgDump, opts.pg_dump.as_deref())?;
    {
        let conn = Conn::connect(&opts.target, "pum dump")?;
        tool.check_server(conn.server_version(), &opts.target)?;
    }
    if let Some(parent) = opts.file.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(Error::io(
                parent,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the dump file's directory does not exist",
                ),
            ));
        }
    }
    let handover = Handover::new(&opts.target)?;
    // pg_dump writes beside the target under a private temporary name,
    // renamed into place only when it succeeds: a failed or interrupted
    // dump never leaves a partial file at the target.
    let staged = crate::tempfiles::Staged::new(&opts.file, opts.format == DumpFormat::Directory)?;
    let mut cmd = Command::new(&tool.path);
    cmd.arg(opts.format.flag()).arg("-f").arg(staged.path());
    if let Some(level) = opts.compression {
        cmd.arg(format!("-Z{level}"));
    }
    for s in &opts.exclude_schemas {
        cmd.arg(format!("--exclude-schema={s}"));
    }
    for s in &opts.exclude_schema_data {
        cmd.arg(format!(
            "--exclude-table-data={}.*",
            crate::pg::quote_ident(s)
        ));
    }
    cmd.arg("-d").arg(handover.conninfo());
    handover.apply(&mut cmd);
    let started = Instant::now();
    let stderr = run_tool(&mut cmd, &tool, |_| {}, &mut |elapsed, _| {
        progress(ToolProgress {
            elapsed,
            bytes: size_of(staged.path()),
            objects: 0,
        })
    })?;
    if !stderr.status_ok {
        return Err(Error::invalid(format!(
            "pg_dump of {} failed:\n{}",
            opts.target.display(),
            tail_lines(&stderr.text, 20)
        )));
    }
    staged.commit()?;
    Ok(DumpReport {
        file: opts.file.clone(),
        bytes: size_of(&opts.file),
        millis: started.elapsed().as_millis() as u64,
    })
}

struct ToolOutput {
    status_ok: bool,
    text: String,
}

/// Runs a tool, collecting stderr (line by line, to `on_line`) and calling
/// `tick` about five times a second until it exits.
fn run_tool(
    cmd: &mut Command,
    tool: &Tool,
    mut on_line: impl FnMut(&str),
    tick: &mut dyn FnMut(Duration, u64),
) -> Result<ToolOutput> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Its own process group, terminated by `interrupt` on a signal.
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| {
        tool_err(
            tool.kind,
            format!("cannot run {} ({e})", tool.path.display()),
        )
    })?;
    let _watch = crate::interrupt::watch_process_group(child.id());
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut text = String::new();
    let mut lines = 0u64;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                on_line(&line);
                lines += 1;
                text.push_str(&line);
                text.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => tick(started.elapsed(), lines),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = reader.join();
    let status = child.wait().map_err(|e| Error::io(&tool.path, e))?;
    crate::interrupt::check()?;
    tick(started.elapsed(), lines);
    Ok(ToolOutput {
        status_ok: status.success(),
        text,
    })
}

/// Options of [`restore`].
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// The database to restore into (it should be empty).
    pub target: ConnTarget,
    /// The dump (custom or directory format).
    pub file: PathBuf,
    /// Go on after errors (`-x`); they are still reported.
    pub ignore_errors: bool,
    /// Restore in one transaction (`pg_restore --single-transaction`): all
    /// or nothing, pg_restore stops at the first error. Not with
    /// `ignore_errors`.
    pub single_transaction: bool,
    /// Schemas not restored (`-N`, one argument each).
    pub exclude_schemas: Vec<String>,
    /// Do not restore GRANTs (for a cluster that lacks the roles).
    pub no_privileges: bool,
    /// Configured pg_restore path (config file), if any.
    pub pg_restore: Option<PathBuf>,
}

/// What a restore did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    /// Objects restored (items pg_restore processed).
    pub objects: u64,
    /// Errors pg_restore reported (with `-x`, the restore went on).
    pub errors: Vec<String>,
    /// Milliseconds.
    pub millis: u64,
}

/// A restore in which pg_restore reported errors, as
/// [`Error::Restore`] carries it.
#[derive(Debug, Clone)]
pub struct RestoreFailure {
    /// The database restored into, without password.
    pub target: String,
    /// Entries of the archive selected for the restore (`pg_restore -l`),
    /// when they could be counted.
    pub entries: Option<u64>,
    /// Entries that failed (distinct TOC entries named by the errors).
    pub failed: u64,
    /// The errors, each as `ENTRY: message` when pg_restore named the entry.
    pub errors: Vec<String>,
    /// The restore ran in one transaction: pg_restore stopped at the first
    /// error and nothing was restored.
    pub rolled_back: bool,
    /// What to do next, one line each, for the context the restore ran in
    /// (callers other than `pum restore` replace it).
    pub advice: Vec<String>,
}

impl RestoreFailure {
    /// Entries restored: none after a rollback, else the selected entries
    /// that did not fail (pg_restore goes on after an error).
    pub fn restored(&self) -> Option<u64> {
        if self.rolled_back {
            Some(0)
        } else {
            self.entries.map(|n| n.saturating_sub(self.failed))
        }
    }
}

impl fmt::Display for RestoreFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rolled_back {
            write!(
                f,
                "pg_restore into {} stopped at its first error and rolled back \
                 (--single-transaction): nothing was restored, the database is unchanged",
                self.target
            )?;
        } else {
            write!(f, "pg_restore into {} failed: ", self.target)?;
            match (self.entries, self.restored()) {
                (Some(n), Some(ok)) => write!(
                    f,
                    "{} of {n} archive entries failed and {ok} were restored",
                    self.failed
                )?,
                _ => write!(f, "{} archive entries failed", self.failed)?,
            }
            write!(
                f,
                "; pg_restore goes on after an error, so the database is now partly restored"
            )?;
        }
        write!(f, "\n  {} error(s):", self.errors.len())?;
        for e in self.errors.iter().take(10) {
            write!(f, "\n    {e}")?;
        }
        if self.errors.len() > 10 {
            write!(f, "\n    ... and {} more", self.errors.len() - 10)?;
        }
        for a in &self.advice {
            write!(f, "\n  {a}")?;
        }
        Ok(())
    }
}

/// What pg_restore's `--verbose` stderr says, read line by line.
#[derive(Default)]
struct RestoreLog {
    /// Items started (`creating ...`, `processing ...`).
    objects: u64,
    /// The item being restored, e.g. `TABLE "app.t"`.
    current: Option<String>,
    /// A `from TOC entry` line was seen since the last error.
    entry_named: bool,
    /// Distinct TOC entries that failed.
    failed: std::collections::BTreeSet<u64>,
    /// `ENTRY: message` for each error.
    errors: Vec<String>,
    /// The server's version (`server_version_num`).
    server_version: i32,
    /// Errors that do not matter (see [`is_newer_tool_setting`]).
    harmless: u64,
}

impl RestoreLog {
    fn line(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("pg_restore: ") else {
            return;
        };
        if let Some(item) = rest.strip_prefix("creating ") {
            self.objects += 1;
            self.current = Some(item.to_string());
        } else if let Some(table) = rest.strip_prefix("processing data for table ") {
            self.objects += 1;
            self.current = Some(format!("TABLE DATA {table}"));
        } else if let Some(item) = rest.strip_prefix("processing ") {
            self.objects += 1;
            self.current = Some(item.to_string());
        } else if let Some(item) = rest.strip_prefix("executing ") {
            self.current = Some(item.to_string());
        } else if let Some(entry) = rest.strip_prefix("from TOC entry ") {
            if let Some(Ok(id)) = entry.split(';').next().map(str::parse::<u64>) {
                self.failed.insert(id);
            }
            self.entry_named = true;
        } else if let Some(message) = rest.strip_prefix("error: ") {
            let message = message.trim_start_matches("could not execute query: ");
            let message = message.trim_start_matches("ERROR:").trim_start();
            if is_newer_tool_setting(message, self.server_version) {
                self.harmless += 1;
                self.entry_named = false;
                return;
            }
            match (self.entry_named, &self.current) {
                (true, Some(item)) => self.errors.push(format!("{item}: {message}")),
                _ => self.errors.push(message.to_string()),
            }
            self.entry_named = false;
        }
    }
}

/// Counts the archive entries a restore with these options selects
/// (`pg_restore -l`); `None` if pg_restore cannot list them.
fn count_entries(tool: &Tool, opts: &RestoreOptions) -> Option<u64> {
    let mut cmd = Command::new(&tool.path);
    cmd.arg("-l");
    if opts.no_privileges {
        cmd.arg("--no-privileges");
    }
    for s in &opts.exclude_schemas {
        cmd.arg(format!("--exclude-schema={s}"));
    }
    cmd.arg(OsString::from(&opts.file));
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
            .count() as u64,
    )
}

/// Restores a dump with pg_restore (`--no-owner`, as pum 0.x).
///
/// pg_restore goes on after an error; when it reported errors (and
/// `ignore_errors` is off) this fails with [`Error::Restore`], which says
/// how many entries were restored and how many failed. With
/// `single_transaction` pg_restore stops at the first error and nothing is
/// restored.
pub fn restore(
    opts: &RestoreOptions,
    progress: &mut dyn FnMut(ToolProgress),
) -> Result<RestoreReport> {
    let meta = std::fs::metadata(&opts.file).map_err(|e| Error::io(&opts.file, e))?;
    if meta.is_file() {
        let mut head = [0u8; 5];
        let n = std::fs::File::open(&opts.file)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|e| Error::io(&opts.file, e))?;
        if &head[..n] != b"PGDMP" {
            return Err(Error::invalid(format!(
                "{} is not a pg_dump archive (custom or directory format); a plain SQL dump \
                 is restored with `psql -f`",
                opts.file.display()
            )));
        }
    }
    if opts.ignore_errors && opts.single_transaction {
        return Err(Error::invalid(
            "going on despite errors (-x) and restoring all or nothing (--single-transaction) \
             contradict each other: choose one",
        ));
    }
    let tool = Tool::find(ToolKind::PgRestore, opts.pg_restore.as_deref())?;
    // Connect first: a wrong service or password is then reported as such.
    let server_version = Conn::connect(&opts.target, "pum restore")?.server_version();
    if opts.single_transaction && tool.major >= 17 && server_version < 170000 {
        // Its first statement would fail and abort the one transaction.
        return Err(Error::invalid(format!(
            "{} (version {}) cannot restore into PostgreSQL {} in one transaction: it starts \
             with `SET transaction_timeout`, a setting that PostgreSQL before 17 does not have\n  \
             use pg_restore 16 or older (point {} or `{}` at it), or restore without \
             --single-transaction into an empty database",
            tool.path.display(),
            tool.major,
            server_version / 10000,
            ToolKind::PgRestore.env_var(),
            ToolKind::PgRestore.config_key()
        )));
    }
    let handover = Handover::new(&opts.target)?;
    let mut cmd = Command::new(&tool.path);
    cmd.args(["--no-owner", "--verbose"]);
    if opts.no_privileges {
        cmd.arg("--no-privileges");
    }
    if opts.single_transaction {
        cmd.arg("--single-transaction");
    }
    for s in &opts.exclude_schemas {
        cmd.arg(format!("--exclude-schema={s}"));
    }
    cmd.arg("-d").arg(handover.conninfo());
    handover.apply(&mut cmd);
    cmd.arg(OsString::from(&opts.file));
    let started = Instant::now();
    let log = std::cell::RefCell::new(RestoreLog {
        server_version,
        ..RestoreLog::default()
    });
    let out = run_tool(
        &mut cmd,
        &tool,
        |line| log.borrow_mut().line(line),
        &mut |elapsed, _| {
            progress(ToolProgress {
                elapsed,
                bytes: 0,
                objects: log.borrow().objects,
            })
        },
    )?;
    let log = log.into_inner();
    // pg_restore goes on after an error: when the only ones were harmless,
    // everything else is restored.
    let status_ok = out.status_ok || (log.harmless > 0 && log.errors.is_empty());
    if !status_ok && log.errors.is_empty() {
        return Err(Error::invalid(format!(
            "pg_restore into {} failed:\n{}",
            opts.target.display(),
            tail_lines(&out.text, 15)
        )));
    }
    if !status_ok && !opts.ignore_errors {
        let rolled_back = opts.single_transaction;
        let advice = if rolled_back {
            vec!["restore into an empty database, or fix the cause and run again".to_string()]
        } else {
            vec![
                "to restore all or nothing, restore into an empty database with \
                 --single-transaction (pg_restore then stops at the first error and undoes \
                 everything)"
                    .to_string(),
                "to accept a partial restore (exit code 0), use -x".to_string(),
            ]
        };
        return Err(Error::Restore(Box::new(RestoreFailure {
            target: opts.target.display().to_string(),
            entries: count_entries(&tool, opts),
            failed: (log.failed.len() as u64).max(1),
            errors: log.errors,
            rolled_back,
            advice,
        })));
    }
    Ok(RestoreReport {
        objects: log.objects,
        errors: log.errors,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Whether a pg_restore error is pg_restore 17 or newer disabling
/// `transaction_timeout` (new in 17) on an older server: every restore
/// script starts with `SET transaction_timeout = 0`, whatever the server.
/// The setting does not exist there, so there is no timeout to disable.
fn is_newer_tool_setting(error: &str, server_version_num: i32) -> bool {
    server_version_num < 170000
        && error.ends_with("unrecognized configuration parameter \"transaction_timeout\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines() {
        assert_eq!(
            parse_major(
                "pg_dump",
                "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
            ),
            Some(15)
        );
        assert_eq!(
            parse_major("pg_restore", "pg_restore (PostgreSQL) 17.2\n"),
            Some(17)
        );
        assert_eq!(
            parse_major("pg_dump", "pg_dump (PostgreSQL) 9.6.24"),
            Some(9)
        );
        assert_eq!(parse_major("pg_dump", "Python 3.11"), None);
        // Not the program asked for, even with the same shape.
        assert_eq!(parse_major("pg_dump", "echo (GNU coreutils) 9.1"), None);
        assert_eq!(parse_major("pg_dump", "pg_restore (PostgreSQL) 15.1"), None);
    }

    #[test]
    fn transaction_timeout_is_harmless_before_17_only() {
        let e = "could not execute query: ERROR:  unrecognized configuration parameter \"transaction_timeout\"";
        assert!(is_newer_tool_setting(e, 130023));
        assert!(is_newer_tool_setting(e, 160010));
        assert!(!is_newer_tool_setting(e, 170000));
        let other =
            "could not execute query: ERROR:  unrecognized configuration parameter \"work_mem2\"";
        assert!(!is_newer_tool_setting(other, 130023));
    }

    #[test]
    fn handover_keeps_the_password_out_of_the_string() {
        let t = ConnTarget::parse("host=db dbname=x user=u password='s3:c\\\\ret'").unwrap();
        let h = Handover::new(&t).unwrap();
        assert!(!h.conninfo().contains("s3"), "{}", h.conninfo());
        assert!(h.conninfo().contains("host='db'"));
        let dir = h.passfile.as_ref().unwrap().path().join("pgpass");
        let text = std::fs::read_to_string(&dir).unwrap();
        assert_eq!(text, "*:*:*:*:s3\\:c\\\\ret\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn restore_log_names_failed_entries() {
        let mut log = RestoreLog::default();
        for line in [
            "pg_restore: connecting to database for restore",
            "pg_restore: creating SCHEMA \"app\"",
            "pg_restore: while PROCESSING TOC:",
            "pg_restore: from TOC entry 6; 2615 16387 SCHEMA app postgres",
            "pg_restore: error: could not execute query: ERROR:  schema \"app\" already exists",
            "Command was: CREATE SCHEMA app;",
            "pg_restore: creating TABLE \"app.u\"",
            "pg_restore: processing data for table \"app.t\"",
            "pg_restore: from TOC entry 3350; 0 16388 TABLE DATA t postgres",
            "pg_restore: error: could not execute query: ERROR:  column \"v\" does not exist",
            "pg_restore: error: connection to server lost",
            "pg_restore: warning: errors ignored on restore: 3",
        ] {
            log.line(line);
        }
        assert_eq!(log.objects, 3);
        assert_eq!(log.failed.iter().copied().collect::<Vec<_>>(), [6, 3350]);
        assert_eq!(
            log.errors,
            [
                "SCHEMA \"app\": schema \"app\" already exists",
                "TABLE DATA \"app.t\": column \"v\" does not exist",
                "connection to server lost",
            ]
        );
    }

    #[test]
    fn service_targets_need_no_passfile() {
        let t = ConnTarget::parse("qwat").unwrap();
        let h = Handover::new(&t).unwrap();
        assert_eq!(h.conninfo(), "service='qwat'");
        assert!(h.passfile.is_none());
    }
}
