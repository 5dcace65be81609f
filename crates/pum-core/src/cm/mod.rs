//! Change management for many databases and schemas at once: what the
//! Ruby tool psql-cm did, with pum's guarantees.
//!
//! Every *target* is one schema of one database. Each target schema holds
//! a control table (`pg_psql_cm` by default) whose rows are the history of
//! that schema: one *base* row with the schema's DDL when it was set up,
//! then one row per change submitted since. The four operations:
//!
//! - [`setup()`]: creates the control table in every target and records the
//!   base (`pg_dump --schema-only` of the schema, the control table left
//!   out). Idempotent: a schema that has its base is left alone.
//! - [`submit()`]: runs a change in every target with `search_path` set to
//!   it; the change and its row commit together, per schema.
//! - [`dump()`]: writes each control table to `<sql-path>/<database>/<schema>.sql`,
//!   deterministically (same database, same bytes), and commits the tree to
//!   git on request.
//! - [`restore()`]: creates the databases of such a tree on a server and
//!   replays, per schema, the base and then the changes; all or nothing.
//!
//! Connections go through libpq with the server's connection string
//! (`--uri`) and `dbname` set per database, so every parameter of it
//! (`sslmode` and all) applies to every connection and to pg_dump, which
//! gets it as a connection string (a password through a temporary
//! passfile, see [`crate::dump::Handover`]).
//!
//! Targets run in parallel on [`Scope::jobs`] threads, one connection per
//! target. The library never prints: progress comes as [`CmEvent`]s, and
//! each operation returns a report with the outcome of every target.

mod dump;
mod format;
mod restore;
mod roles;
mod setup;
mod submit;

pub use dump::{dump, CommitOutcome, DumpOptions, DumpOutcome, DumpReport};
pub use format::{render, Row};
pub use restore::{
    restore, DatabaseOutcome, DatabaseResult, RestoreOptions, RestoreReport, RoleNeed, RoleStatus,
};
pub use roles::roles_in;
pub use setup::{setup, SetupOptions, SetupOutcome, SetupReport};
pub use submit::{submit, Change, SubmitOptions, SubmitOutcome, SubmitReport};

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::pg::{quote_ident, Conn, ConnTarget, Notice};

/// The control table's name unless `--cm-table` says otherwise (psql-cm's).
pub const DEFAULT_TABLE: &str = "pg_psql_cm";

/// The application name pum's connections carry.
const APP: &str = "pum cm";

/// The columns a control table must have.
const COLUMNS: [&str; 5] = ["id", "is_base", "created_at", "implementer", "content"];

/// What the operations work on: a server, databases on it, schemas in
/// them, and the name of the control table.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The server (`--uri`): a URI, connection string or service name. Its
    /// `dbname`, if any, is only the database pum connects to for looking
    /// up and creating databases (else `postgres`, then `template1`).
    pub server: ConnTarget,
    /// The databases, in the order given (`--databases`).
    pub databases: Vec<String>,
    /// The schemas (`--schemas`), in the order given; `None`: every schema
    /// of each database except `pg_*` and `information_schema`.
    pub schemas: Option<Vec<String>>,
    /// The control table (`--cm-table`).
    pub table: String,
    /// How many targets run at once (at least 1).
    pub jobs: usize,
}

impl Scope {
    /// A scope with the default control table and one job.
    pub fn new(server: ConnTarget, databases: Vec<String>) -> Scope {
        Scope {
            server,
            databases,
            schemas: None,
            table: DEFAULT_TABLE.to_string(),
            jobs: 1,
        }
    }

    /// Refuses empty or repeated names, and names that cannot be a file or
    /// directory name under `--sql-path`.
    fn validate(&self, need_databases: bool) -> Result<()> {
        if need_databases && self.databases.is_empty() {
            return Err(Error::invalid(
                "no database given: name them with --databases a,b (the URI names the server only)",
            ));
        }
        for d in &self.databases {
            path_name(d, "database")?;
        }
        no_repeats(&self.databases, "database", "--databases")?;
        if let Some(s) = &self.schemas {
            if s.is_empty() {
                return Err(Error::invalid("--schemas names no schema"));
            }
            for name in s {
                path_name(name, "schema")?;
            }
            no_repeats(s, "schema", "--schemas")?;
        }
        if self.table.is_empty() {
            return Err(Error::invalid("--cm-table is empty: give a table name"));
        }
        if self.table.contains('\0') {
            return Err(Error::invalid("--cm-table contains a NUL byte"));
        }
        Ok(())
    }

    /// The server, for messages (no password).
    fn server_label(&self) -> String {
        match self.server.display() {
            "" => "the default server (libpq's PGHOST, PGPORT...)".to_string(),
            d => d.to_string(),
        }
    }

    /// The connection to one database of the server.
    pub fn database_target(&self, database: &str) -> Result<ConnTarget> {
        Ok(self.server.with_option("dbname", database)?)
    }

    /// The control table of a schema, quoted.
    fn table_sql(&self, schema: &str) -> String {
        format!("{}.{}", quote_ident(schema), quote_ident(&self.table))
    }

    fn connect(&self, database: &str) -> Result<Conn> {
        let mut conn = Conn::connect(&self.database_target(database)?, APP)?;
        // pum's strings are UTF-8; the server converts for other encodings.
        conn.execute("SET client_encoding = 'UTF8'")?;
        Ok(conn)
    }

    /// The database pum connects to for looking up and creating
    /// databases: the server string's own `dbname`, else `postgres`, else
    /// `template1` (as createdb and pg_dumpall do).
    fn maintenance(&self) -> Result<Conn> {
        if self.server.options().iter().any(|(k, _)| k == "dbname") {
            return Ok(Conn::connect(&self.server, APP)?);
        }
        match self.connect("postgres") {
            Ok(c) => Ok(c),
            Err(first) => self.connect("template1").map_err(|_| first),
        }
    }

    /// Which of the given databases exist on the server.
    fn existing_databases(&self, conn: &mut Conn) -> Result<BTreeSet<String>> {
        let rows = conn.query("SELECT datname::text FROM pg_catalog.pg_database", &[])?;
        Ok(rows.rows.into_iter().filter_map(|r| r[0].clone()).collect())
    }

    /// Refuses databases that do not exist, naming all of them.
    fn require_databases(&self, existing: &BTreeSet<String>, fix: &str) -> Result<()> {
        let missing: Vec<&str> = self
            .databases
            .iter()
            .filter(|d| !existing.contains(*d))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let what = match missing.as_slice() {
            [one] => format!(
                "the database {one} does not exist on {}",
                self.server_label()
            ),
            _ => format!(
                "these databases do not exist on {}: {}",
                self.server_label(),
                missing.join(", ")
            ),
        };
        Err(Error::invalid(format!("{what}\n  check --databases{fix}")))
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn no_repeats(names: &[String], what: &str, option: &str) -> Result<()> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(Error::invalid(format!(
                "{option} names the {what} {n} twice"
            )));
        }
    }
    Ok(())
}

/// A database or schema name must work as a file name under `--sql-path`.
fn path_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid(format!("an empty {what} name was given")));
    }
    if name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(Error::invalid(format!(
            "the {what} name '{name}' cannot be used: pum cm keeps each {what} in a file or \
             directory of that name, so it may not be '.' or '..' or hold a '/'"
        )));
    }
    Ok(())
}

/// One schema of one database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Target {
    /// The database.
    pub database: String,
    /// The schema.
    pub schema: String,
}

impl fmt::Display for Target {
    /// `database/schema`, as the dump tree lays them out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.database, self.schema)
    }
}

/// Why a target failed, as plain data (for reports and JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// The kind of error ([`Error::kind`]): `delta-sql`, `db`, `connect`...
    pub kind: String,
    /// The whole message, with file and line when there are some.
    pub message: String,
    /// The file the error is in (a change file, a dump file), if any.
    pub file: Option<PathBuf>,
    /// Its 1-based line, if known.
    pub line: Option<usize>,
    /// The server's SQLSTATE, if the server reported the error.
    pub sqlstate: Option<String>,
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Self {
        Failure {
            kind: e.kind().to_string(),
            message: e.to_string(),
            file: e.file().map(|p| p.to_path_buf()),
            line: e.line(),
            sqlstate: e.sqlstate().filter(|s| !s.is_empty()).map(str::to_string),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The outcome of one target of an operation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetResult<O> {
    /// The target.
    pub target: Target,
    /// What happened to it.
    pub outcome: O,
    /// Wall time spent on it, in milliseconds.
    pub millis: u64,
}

/// Something that happened while an operation runs, in the order it
/// happened (targets running in parallel interleave).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CmEvent {
    /// Work on a target (or, for a restore, a database) starts.
    Started {
        /// The target; for a restore, the schema is empty.
        target: Target,
    },
    /// Work on a target finished.
    Finished {
        /// The target; for a restore, the schema is empty.
        target: Target,
        /// Whether it succeeded.
        ok: bool,
        /// How long it took.
        elapsed: Duration,
    },
    /// The server sent a notice while a change (or a restored row) ran.
    Notice {
        /// The target it ran in.
        target: Target,
        /// The notice.
        notice: Notice,
    },
    /// A database, schema or role was created.
    Created {
        /// `database`, `schema` or `role`.
        what: &'static str,
        /// Its name (`database/schema` for a schema).
        name: String,
    },
}

/// Hands events from worker threads to the caller's thread.
type Emitter = crate::parallel::Emitter<CmEvent>;

/// Passes the notices of a script run on to the caller as [`CmEvent`]s.
struct Notices<'a> {
    target: &'a Target,
    emitter: &'a Emitter,
}

impl Observer for Notices<'_> {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::Notice { notice, .. } = event {
            self.emitter.send(CmEvent::Notice {
                target: self.target.clone(),
                notice: (*notice).clone(),
            });
        }
    }
}

/// Runs `work` on every target (see [`crate::parallel::run`]).
fn run_parallel<T, R, S>(
    items: &[T],
    jobs: usize,
    stop: impl Fn(&R) -> bool + Sync,
    work: impl Fn(&T, &Emitter, &mut S) -> R + Sync,
    events: &mut dyn FnMut(&CmEvent),
) -> Vec<Option<R>>
where
    T: Sync,
    R: Send,
    S: Default,
{
    crate::parallel::run(items, jobs, stop, work, &mut |e| events(&e))
}

/// A worker's connection, kept from one target to the next of the same
/// database (for dump and setup, whose sessions run only pum's own SQL;
/// a submitted change gets a fresh session in every schema).
#[derive(Default)]
struct CachedConn(Option<(String, Conn)>);

impl CachedConn {
    /// The connection to `database`, opened if needed.
    fn get(&mut self, scope: &Scope, database: &str) -> Result<&mut Conn> {
        if !matches!(&self.0, Some((db, _)) if db == database) {
            self.0 = None;
            self.0 = Some((database.to_string(), scope.connect(database)?));
        }
        Ok(&mut self.0.as_mut().expect("just set").1)
    }

    /// Forgets the connection (after a failure: it may be broken).
    fn reset(&mut self) {
        self.0 = None;
    }
}

/// Times a target's work and reports its start and end.
fn timed<O>(
    target: &Target,
    emitter: &Emitter,
    work: impl FnOnce() -> O,
    ok: impl Fn(&O) -> bool,
) -> TargetResult<O> {
    emitter.send(CmEvent::Started {
        target: target.clone(),
    });
    let started = Instant::now();
    let outcome = work();
    let elapsed = started.elapsed();
    emitter.send(CmEvent::Finished {
        target: target.clone(),
        ok: ok(&outcome),
        elapsed,
    });
    TargetResult {
        target: target.clone(),
        outcome,
        millis: elapsed.as_millis() as u64,
    }
}

/// The schemas of a database that change management looks at: all but
/// `pg_*` and `information_schema` (psql-cm's rule), sorted.
fn list_schemas(conn: &mut Conn) -> Result<Vec<String>> {
    let rows = conn.query(
        "SELECT nspname::text FROM pg_catalog.pg_namespace \
         WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1",
        &[],
    )?;
    Ok(rows.rows.into_iter().filter_map(|r| r[0].clone()).collect())
}

/// What a schema holds under the control table's name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ControlTable {
    /// Nothing of that name.
    Missing,
    /// A table with the right columns.
    Present,
}

/// Looks at the control table of a schema: absent, or a table with the
/// five columns; anything else is an error naming what is wrong.
fn inspect_table(conn: &mut Conn, scope: &Scope, target: &Target) -> Result<ControlTable> {
    let kind = conn.query(
        "SELECT c.relkind::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2",
        &[Some(&target.schema), Some(&scope.table)],
    )?;
    let Some(kind) = kind.scalar().map(str::to_string) else {
        return Ok(ControlTable::Missing);
    };
    let what = match kind.as_str() {
        "r" | "p" => None,
        "v" => Some("a view"),
        "m" => Some("a materialized view"),
        "S" => Some("a sequence"),
        "i" | "I" => Some("an index"),
        "f" => Some("a foreign table"),
        _ => Some("not a table"),
    };
    if let Some(what) = what {
        return Err(Error::invalid(format!(
            "{target}: {}.{} is {what}, not a change-management table; give another name with \
             --cm-table",
            target.schema, scope.table
        )));
    }
    let cols = conn.query(
        "SELECT a.attname::text FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
        &[Some(&target.schema), Some(&scope.table)],
    )?;
    let have: BTreeSet<String> = cols.rows.into_iter().filter_map(|r| r[0].clone()).collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !have.contains(*c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(format!(
            "{target}: the table {}.{} exists but is not a change-management table: it lacks \
             the {} {}; give another name with --cm-table",
            target.schema,
            scope.table,
            plural(missing.len(), "column", "columns"),
            missing.join(", ")
        )));
    }
    Ok(ControlTable::Present)
}

/// The control table's DDL (psql-cm's), used by setup and by dump files.
fn create_table_sql(table_sql: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table_sql} (id bigserial PRIMARY KEY, is_base boolean NOT NULL, \
         created_at timestamptz DEFAULT now(), implementer text NOT NULL, content text NOT NULL)"
    )
}

/// Serialises pum cm's writes to one control table (setup and submit),
/// for the rest of the transaction.
fn lock_table(conn: &mut Conn, table_sql: &str) -> Result<()> {
    conn.query(
        "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pum cm'), pg_catalog.hashtext($1))",
        &[Some(table_sql)],
    )?;
    Ok(())
}

/// Rolls back after a failure; the failure is what gets reported (a
/// broken connection cannot roll back, and the server does it anyway).
fn rollback(conn: &mut Conn) {
    if conn.in_transaction() {
        let _ = conn.execute("ROLLBACK");
    }
}

/// Who submits: git's `user.name <user.email>` (as psql-cm recorded it);
/// without git or its settings, the login name at the host name
/// (`ann@build-01`), as git itself would make it up.
pub fn implementer() -> String {
    let git = |key: &str| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(["config", "--get", key])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !v.is_empty()).then_some(v)
    };
    match (git("user.name"), git("user.email")) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(name), None) => name,
        (None, Some(email)) => format!("<{email}>"),
        (None, None) => {
            let user = nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .or_else(|| std::env::var("USER").ok())
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "unknown".into());
            match nix::unistd::gethostname() {
                Ok(h) if !h.is_empty() => format!("{user}@{}", h.to_string_lossy()),
                _ => user,
            }
        }
    }
}

/// Targets with what they hold, and the named schemas that do not exist.
type Resolved = (Vec<(Target, ControlTable)>, Vec<Target>);

/// Resolves the targets of the scope's existing databases: every listed
/// schema that exists (all of them without `--schemas`), each with what it
/// holds under the control table's name (one connection per database).
/// Returns those and the `(database, schema)` pairs named by `--schemas`
/// that do not exist.
fn resolve_targets(scope: &Scope, databases: &[String]) -> Result<Resolved> {
    let mut targets = Vec::new();
    let mut missing = Vec::new();
    for db in databases {
        let mut conn = scope.connect(db)?;
        let present = list_schemas(&mut conn)?;
        let wanted = match &scope.schemas {
            None => present.clone(),
            Some(wanted) => wanted.clone(),
        };
        for schema in wanted {
            let t = Target {
                database: db.clone(),
                schema,
            };
            if present.contains(&t.schema) {
                let table = inspect_table(&mut conn, scope, &t)?;
                targets.push((t, table));
            } else {
                missing.push(t);
            }
        }
    }
    Ok((targets, missing))
}

/// Lists targets, for messages (`a/x, a/y and 3 more`).
fn list(targets: &[Target]) -> String {
    let shown: Vec<String> = targets.iter().take(12).map(|t| t.to_string()).collect();
    let mut s = shown.join(", ");
    if targets.len() > shown.len() {
        s.push_str(&format!(" and {} more", targets.len() - shown.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_files_are_refused() {
        for bad in ["", ".", "..", "a/b", "x\0"] {
            assert!(path_name(bad, "database").is_err(), "{bad:?}");
        }
        for good in ["walk", "Schema One", ".hidden", "a.b", "ünï"] {
            path_name(good, "schema").unwrap();
        }
    }

    #[test]
    fn a_scope_needs_databases_once_each() {
        let server = ConnTarget::parse("host=/tmp").unwrap();
        let e = Scope::new(server.clone(), vec![])
            .validate(true)
            .unwrap_err();
        assert!(e.to_string().contains("--databases"), "{e}");
        let e = Scope::new(server.clone(), vec!["a".into(), "a".into()])
            .validate(true)
            .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let mut s = Scope::new(server, vec!["a".into()]);
        s.schemas = Some(vec![]);
        assert!(s.validate(true).is_err());
        s.schemas = Some(vec!["x".into()]);
        s.validate(true).unwrap();
    }

    #[test]
    fn the_database_replaces_the_uri_path_and_keeps_the_parameters() {
        let server =
            ConnTarget::parse("postgresql://me:s3cret@db.example.org:5433/ignored?sslmode=require")
                .unwrap();
        let s = Scope::new(server, vec!["walk".into()]);
        let t = s.database_target("walk").unwrap();
        let opts: Vec<(&str, &str)> = t
            .options()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for want in [
            ("host", "db.example.org"),
            ("port", "5433"),
            ("user", "me"),
            ("password", "s3cret"),
            ("sslmode", "require"),
            ("dbname", "walk"),
        ] {
            assert!(opts.contains(&want), "{want:?} in {opts:?}");
        }
        assert!(!t.display().contains("s3cret"));
    }

    #[test]
    fn without_a_uri_the_server_is_libpq_s_default() {
        let s = Scope::new(
            ConnTarget::parse("postgresql://").unwrap(),
            vec!["a".into()],
        );
        assert!(s.server_label().starts_with("the default server"));
        let t = s.database_target("a").unwrap();
        assert_eq!(t.options(), [("dbname".to_string(), "a".to_string())]);
    }
}
