//! `pum cm restore`: a dump tree back into databases, all or nothing.
//!
//! For each `<database>/` directory pum creates the database (from
//! `template0`), then in one transaction per database:
//!
//! 1. reads each `<schema>.sql`: runs it inside a savepoint that is rolled
//!    back, and takes the control table's rows from what it created (so
//!    the server parses the file, whatever wrote it: pum, or psql-cm's
//!    pg_dump);
//! 2. replays each schema's latest base row, schemas in name order; a base
//!    that fails (it refers to a schema restored later) is tried again
//!    after the others, as long as that makes progress;
//! 3. replays the change rows that follow the bases, of every schema, in
//!    the order they were made (`created_at`, then id), each with
//!    `search_path` set to its schema, as `submit` ran it;
//! 4. re-creates the control tables with their rows by running the files.
//!
//! Before step 2 of any database, every role the replayed SQL refers to
//! must exist on the server, or be created (`create_roles`). The first
//! error stops the restore; then every database and role this restore
//! created is dropped again, so the server is as before and the same
//! command can run again once the cause is fixed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use super::roles::roles_in;
use super::{path_name, run_parallel, CmEvent, Emitter, Failure, Notices, Scope, Target};
use crate::apply::sql::{self, SqlFile};
use crate::error::{Error, Result};
use crate::pg::{quote_ident, Conn};
use crate::script::Piece;
use crate::vars::Variables;

/// Options of [`restore`].
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Where to: [`Scope::databases`] empty means every database directory
    /// of the tree; [`Scope::schemas`] restricts the schema files read.
    pub scope: Scope,
    /// The tree (`--sql-path`).
    pub sql_path: PathBuf,
    /// Create the roles the SQL needs that do not exist (`--create-roles`,
    /// as `NOLOGIN` roles); without it, a missing role stops the restore
    /// before anything is replayed.
    pub create_roles: bool,
}

/// Whether a role the restore needs is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RoleStatus {
    /// It exists on the server.
    Exists,
    /// pum created it (`create_roles`).
    Created,
    /// It does not exist: the restore stopped.
    Missing,
}

/// A role the replayed SQL refers to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoleNeed {
    /// Its name.
    pub name: String,
    /// Whether it is there.
    pub status: RoleStatus,
    /// Where it is first used (`sql/walk/public.sql`, the file of the row).
    pub first_use: PathBuf,
}

/// What happened to one database.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DatabaseOutcome {
    /// Restored and committed.
    Restored {
        /// Schemas restored.
        schemas: usize,
        /// Rows replayed (bases and changes).
        replayed: usize,
    },
    /// Restoring it failed.
    Failed {
        /// Why, with the file and line.
        error: Failure,
    },
    /// Not started (an earlier failure, or an interrupt).
    NotAttempted,
}

/// One database of the restore.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatabaseResult {
    /// Its name.
    pub database: String,
    /// What happened.
    pub outcome: DatabaseOutcome,
    /// Wall time, in milliseconds.
    pub millis: u64,
}

/// What [`restore`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    /// Every database of the tree that was selected, in name order.
    pub databases: Vec<DatabaseResult>,
    /// The roles the SQL refers to.
    pub roles: Vec<RoleNeed>,
    /// A failure that is not one database's (missing roles, say).
    pub error: Option<Failure>,
    /// After a failure: the databases this restore had created and dropped again.
    pub dropped_databases: Vec<String>,
    /// After a failure: the roles this restore had created and dropped again.
    pub dropped_roles: Vec<String>,
    /// Clean-up steps that failed, each with what is left and the command
    /// that removes it.
    pub left_behind: Vec<String>,
}

impl RestoreReport {
    /// True when the restore did not complete (and was undone).
    pub fn failed(&self) -> bool {
        self.error.is_some()
            || self
                .databases
                .iter()
                .any(|d| !matches!(d.outcome, DatabaseOutcome::Restored { .. }))
    }
}

/// One schema file of the tree.
#[derive(Debug, Clone)]
struct SchemaFile {
    schema: String,
    path: PathBuf,
}

/// A database directory of the tree.
#[derive(Debug, Clone)]
struct DatabaseDir {
    database: String,
    files: Vec<SchemaFile>,
}

/// A row to replay.
#[derive(Debug, Clone)]
struct Replay {
    id: i64,
    is_base: bool,
    /// `created_at` in UTC, fixed width, for ordering; empty for NULL.
    at: String,
    content: String,
    /// The line of the dump file where the content starts, if found there.
    line: Option<usize>,
}

/// A schema read from its file: the file prepared, and the rows to replay.
#[derive(Debug)]
struct SchemaRead {
    schema: String,
    path: PathBuf,
    file: SqlFile,
    rows: Vec<Replay>,
}

/// A failure with where it happened.
struct Stop {
    error: Error,
    context: Option<String>,
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop {
            error,
            context: None,
        }
    }
}

impl From<crate::pg::DbError> for Stop {
    fn from(e: crate::pg::DbError) -> Self {
        Error::from(e).into()
    }
}

impl Stop {
    fn failure(&self) -> Failure {
        let mut f = Failure::from(&self.error);
        if let Some(c) = &self.context {
            f.message.push_str(&format!("\n  ({c})"));
        }
        f
    }
}

/// Lists the tree: database directories (hidden ones skipped) with their
/// `.sql` files (empty ones skipped, as psql-cm did), filtered by the scope.
fn scan(opts: &RestoreOptions) -> Result<Vec<DatabaseDir>> {
    let root = &opts.sql_path;
    if !root.is_dir() {
        return Err(Error::invalid(format!(
            "{} is not a directory: give the tree `pum cm dump` wrote with --sql-path",
            root.display()
        )));
    }
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(root).map_err(|e| Error::io(root, e))? {
        let entry = entry.map_err(|e| Error::io(root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let mut files = Vec::new();
        let dir = entry.path();
        for f in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let path = f.map_err(|e| Error::io(&dir, e))?.path();
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(schema) = file.strip_suffix(".sql") else {
                continue;
            };
            if schema.is_empty() || file.starts_with('.') || !path.is_file() {
                continue;
            }
            if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0 {
                continue;
            }
            files.push(SchemaFile {
                schema: schema.to_string(),
                path,
            });
        }
        files.sort_by(|a, b| a.schema.cmp(&b.schema));
        if !files.is_empty() {
            found.insert(name.clone(), files);
        }
    }
    let names: Vec<String> = if opts.scope.databases.is_empty() {
        found.keys().cloned().collect()
    } else {
        let missing: Vec<&String> = opts
            .scope
            .databases
            .iter()
            .filter(|d| !found.contains_key(*d))
            .collect();
        if let Some(d) = missing.first() {
            return Err(Error::invalid(format!(
                "{}: no such database directory with .sql files in it ({} given with --databases)",
                root.join(d).display(),
                d
            )));
        }
        let mut names = opts.scope.databases.clone();
        names.sort();
        names
    };
    if names.is_empty() {
        return Err(Error::invalid(format!(
            "nothing to restore in {}: it holds no <database>/<schema>.sql files",
            root.display()
        )));
    }
    let mut dirs = Vec::new();
    for database in names {
        path_name(&database, "database")?;
        let mut files = found.remove(&database).unwrap_or_default();
        if let Some(wanted) = &opts.scope.schemas {
            if let Some(s) = wanted
                .iter()
                .find(|s| !files.iter().any(|f| &f.schema == *s))
            {
                return Err(Error::invalid(format!(
                    "{}: no such file ({s} given with --schemas)",
                    root.join(&database).join(format!("{s}.sql")).display()
                )));
            }
            files.retain(|f| wanted.contains(&f.schema));
        }
        dirs.push(DatabaseDir { database, files });
    }
    Ok(dirs)
}

/// Restores the tree into new databases on the server (see the module
/// documentation). Returns `Err` when nothing was changed (bad input, a
/// database that exists already, the server unreachable); otherwise the
/// report says what happened, and after a failure what was undone.
pub fn restore(opts: &RestoreOptions, events: &mut dyn FnMut(&CmEvent)) -> Result<RestoreReport> {
    let scope = &opts.scope;
    scope.validate(false)?;
    let dirs = scan(opts)?;
    let mut maint = scope.maintenance()?;
    let existing = scope.existing_databases(&mut maint)?;
    let clash: Vec<&str> = dirs
        .iter()
        .map(|d| d.database.as_str())
        .filter(|d| existing.contains(*d))
        .collect();
    if !clash.is_empty() {
        return Err(Error::invalid(format!(
            "{} already {} on {}: {}\n  pum cm restore creates the databases it restores: drop \
             {}, restore into another server, or leave {} out with --databases",
            super::plural(clash.len(), "this database", "these databases"),
            if clash.len() == 1 { "exists" } else { "exist" },
            scope.server_label(),
            clash.join(", "),
            super::plural(clash.len(), "it", "them"),
            super::plural(clash.len(), "it", "them"),
        )));
    }
    let created = Mutex::new(Vec::<String>::new());
    let mut report = RestoreReport {
        databases: Vec::new(),
        roles: Vec::new(),
        error: None,
        dropped_databases: Vec::new(),
        dropped_roles: Vec::new(),
        left_behind: Vec::new(),
    };

    // 1. Create each database and read its files.
    let reads = run_parallel(
        &dirs,
        scope.jobs,
        |r: &std::result::Result<Vec<SchemaRead>, Stop>| r.is_err(),
        |d, _, _: &mut ()| create_and_read(scope, d, &created),
        events,
    );
    let mut read = Vec::new();
    let mut failed = false;
    for (d, r) in dirs.iter().zip(reads) {
        let outcome = match r {
            Some(Ok(schemas)) => {
                read.push((d.database.clone(), schemas));
                continue;
            }
            Some(Err(stop)) => DatabaseOutcome::Failed {
                error: stop.failure(),
            },
            None => DatabaseOutcome::NotAttempted,
        };
        failed = true;
        report.databases.push(DatabaseResult {
            database: d.database.clone(),
            outcome,
            millis: 0,
        });
    }
    let created_dbs = created.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut created_roles = Vec::new();

    // 2. The roles.
    if !failed {
        let roles = needed_roles(&read);
        match existing_roles(&mut maint) {
            Ok(have) => {
                for (name, first_use) in roles {
                    let status = if have.contains(&name) {
                        RoleStatus::Exists
                    } else {
                        RoleStatus::Missing
                    };
                    report.roles.push(RoleNeed {
                        name,
                        status,
                        first_use,
                    });
                }
            }
            Err(e) => report.error = Some((&e).into()),
        }
        let missing: Vec<String> = report
            .roles
            .iter()
            .filter(|r| r.status == RoleStatus::Missing)
            .map(|r| r.name.clone())
            .collect();
        if !missing.is_empty() && !opts.create_roles {
            let uses: Vec<String> = report
                .roles
                .iter()
                .filter(|r| r.status == RoleStatus::Missing)
                .map(|r| format!("{} (first used in {})", r.name, r.first_use.display()))
                .collect();
            report.error = Some(
                (&Error::invalid(format!(
                    "the schemas refer to {} that {} not exist on {}: {}\n  create {} first, or \
                     pass --create-roles to let pum create {} (NOLOGIN, no privileges of their own)",
                    super::plural(missing.len(), "a role", "roles"),
                    if missing.len() == 1 { "does" } else { "do" },
                    scope.server_label(),
                    uses.join(", "),
                    super::plural(missing.len(), "it", "them"),
                    super::plural(missing.len(), "it", "them")
                )))
                    .into(),
            );
        } else if !missing.is_empty() {
            for name in &missing {
                match maint.execute(&format!("CREATE ROLE {} NOLOGIN", quote_ident(name))) {
                    Ok(_) => {
                        created_roles.push(name.clone());
                        events(&CmEvent::Created {
                            what: "role",
                            name: name.clone(),
                        });
                        for r in report.roles.iter_mut().filter(|r| &r.name == name) {
                            r.status = RoleStatus::Created;
                        }
                    }
                    Err(e) => {
                        report.error = Some(
                            (&Error::invalid(format!("cannot create the role {name}: {e}"))).into(),
                        );
                        break;
                    }
                }
            }
        }
        failed = report.error.is_some();
    }

    // 3. Replay, database by database.
    if !failed {
        let results = run_parallel(
            &read,
            scope.jobs,
            |r: &DatabaseResult| !matches!(r.outcome, DatabaseOutcome::Restored { .. }),
            |(db, schemas), emitter, _: &mut ()| replay_database(scope, db, schemas, emitter),
            events,
        );
        for ((db, _), r) in read.iter().zip(results) {
            let r = r.unwrap_or_else(|| DatabaseResult {
                database: db.clone(),
                outcome: DatabaseOutcome::NotAttempted,
                millis: 0,
            });
            failed |= !matches!(r.outcome, DatabaseOutcome::Restored { .. });
            report.databases.push(r);
        }
    } else {
        for (db, _) in &read {
            report.databases.push(DatabaseResult {
                database: db.clone(),
                outcome: DatabaseOutcome::NotAttempted,
                millis: 0,
            });
        }
    }
    report.databases.sort_by(|a, b| a.database.cmp(&b.database));

    // 4. All or nothing: after a failure, undo what this restore created.
    if failed {
        for db in &created_dbs {
            match maint.execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(db)
            )) {
                Ok(_) => report.dropped_databases.push(db.clone()),
                Err(e) => report.left_behind.push(format!(
                    "the database {db} (could not drop it: {}); drop it with: DROP DATABASE {} WITH (FORCE);",
                    e.message,
                    quote_ident(db)
                )),
            }
        }
        for role in &created_roles {
            match maint.execute(&format!("DROP ROLE IF EXISTS {}", quote_ident(role))) {
                Ok(_) => report.dropped_roles.push(role.clone()),
                Err(e) => report.left_behind.push(format!(
                    "the role {role} (could not drop it: {}); drop it with: DROP ROLE {};",
                    e.message,
                    quote_ident(role)
                )),
            }
        }
        report.dropped_databases.sort();
    }
    Ok(report)
}

/// Creates the database and reads every schema file in it (savepoints
/// rolled back: nothing stays).
fn create_and_read(
    scope: &Scope,
    d: &DatabaseDir,
    created: &Mutex<Vec<String>>,
) -> std::result::Result<Vec<SchemaRead>, Stop> {
    crate::interrupt::check()?;
    let mut maint = scope.maintenance()?;
    let _watch = crate::interrupt::watch_conn(&maint);
    maint.execute(&format!(
        "CREATE DATABASE {} TEMPLATE template0",
        quote_ident(&d.database)
    ))?;
    created
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(d.database.clone());
    drop(maint);
    let mut conn = scope.connect(&d.database)?;
    let _watch = crate::interrupt::watch_conn(&conn);
    conn.execute("BEGIN")?;
    let mut out = Vec::new();
    for f in &d.files {
        out.push(read_schema(scope, &mut conn, f)?);
    }
    conn.execute("ROLLBACK")?;
    Ok(out)
}

/// Runs a schema file in a savepoint, takes the rows it put in the
/// control table, and rolls the savepoint back.
fn read_schema(
    scope: &Scope,
    conn: &mut Conn,
    f: &SchemaFile,
) -> std::result::Result<SchemaRead, Stop> {
    let bytes = std::fs::read(&f.path).map_err(|e| Error::io(&f.path, e))?;
    let file = sql::prepare(&f.path, &bytes, &Variables::new())?;
    let file = without_newer_settings(file, conn.server_version());
    let text = String::from_utf8_lossy(&bytes);
    let table = scope.table_sql(&f.schema);
    conn.execute("SAVEPOINT pum_cm_read")?;
    conn.execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {}",
        quote_ident(&f.schema)
    ))?;
    sql::run(conn, &f.path, &file, &mut ())?;
    let rows = conn
        .query(
            &format!(
                "SELECT id::text, is_base::text, \
                 coalesce(to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ''), \
                 content FROM {table} ORDER BY id"
            ),
            &[],
        )
        .map_err(|e| {
            if e.code == "42P01" {
                Error::invalid(format!(
                    "{}: running it does not create the control table {}.{}: is it a pum cm \
                     dump of the schema {} (and is --cm-table right)?",
                    f.path.display(),
                    f.schema,
                    scope.table,
                    f.schema
                ))
            } else {
                Error::from(e)
            }
        })?;
    conn.execute("ROLLBACK TO SAVEPOINT pum_cm_read")?;
    conn.execute("RELEASE SAVEPOINT pum_cm_read")?;
    conn.take_notices();
    let mut all: Vec<Replay> = rows
        .rows
        .into_iter()
        .map(|r| {
            let text = |i: usize| r[i].clone().unwrap_or_default();
            Replay {
                id: text(0).parse().unwrap_or_default(),
                is_base: text(1) == "true",
                at: text(2),
                content: text(3),
                line: None,
            }
        })
        .collect();
    // Where each content starts in the file, so that errors name the
    // file's own line (found in id order, as pum writes them).
    let mut from = 0;
    for r in &mut all {
        if r.content.is_empty() {
            continue;
        }
        if let Some(at) = text[from..].find(&r.content) {
            let start = from + at;
            r.line = Some(text[..start].matches('\n').count() + 1);
            from = start + r.content.len();
        }
    }
    let Some(base) = all.iter().rposition(|r| r.is_base) else {
        return Err(Error::invalid(format!(
            "{}: the control table holds no base row (is_base = true): nothing to restore the \
             schema {} from",
            f.path.display(),
            f.schema
        ))
        .into());
    };
    // The latest base, then the changes made after it (rows before it
    // are in the base already).
    let rows = all.split_off(base);
    Ok(SchemaRead {
        schema: f.schema.clone(),
        path: f.path.clone(),
        file,
        rows,
    })
}

/// The roles the rows to replay refer to, with the file of their first use.
fn needed_roles(read: &[(String, Vec<SchemaRead>)]) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for (_, schemas) in read {
        for s in schemas {
            for r in &s.rows {
                for role in roles_in(&r.content) {
                    if !out.iter().any(|(n, _)| n == &role) {
                        out.push((role, s.path.clone()));
                    }
                }
            }
        }
    }
    out
}

fn existing_roles(conn: &mut Conn) -> Result<std::collections::BTreeSet<String>> {
    let rows = conn.query("SELECT rolname::text FROM pg_catalog.pg_roles", &[])?;
    Ok(rows.rows.into_iter().filter_map(|r| r[0].clone()).collect())
}

/// A row's SQL, prepared, with lines counted in the dump file when the
/// content was found there (else in the content, the row named).
fn row_file(s: &SchemaRead, r: &Replay, server_version: i32) -> Result<(PathBuf, SqlFile)> {
    let (path, offset) = match r.line {
        Some(line) => (s.path.clone(), line - 1),
        None => (
            PathBuf::from(format!("{} (row {})", s.path.display(), r.id)),
            0,
        ),
    };
    let mut file = without_newer_settings(
        sql::prepare(&path, r.content.as_bytes(), &Variables::new())?,
        server_version,
    );
    for p in &mut file.pieces {
        match p {
            Piece::Statement { line, .. } => *line += offset,
            Piece::Copy {
                line, data_line, ..
            } => {
                *line += offset;
                *data_line += offset;
            }
        }
    }
    Ok((path, file))
}

/// Leaves out `SET transaction_timeout = 0;` for a server older than 17:
/// pg_dump 17 and later write it into every dump, whatever the server, and
/// older servers do not have the setting, so there is no timeout to disable
/// (`pum restore` ignores pg_restore's error about it the same way).
fn without_newer_settings(mut file: SqlFile, server_version: i32) -> SqlFile {
    if server_version < 170000 {
        file.pieces.retain(|p| {
            let words: Vec<String> = p
                .sql()
                .split_whitespace()
                .map(str::to_ascii_lowercase)
                .collect();
            words != ["set", "transaction_timeout", "=", "0;"]
        });
    }
    file
}

/// Is this piece `CREATE SCHEMA <schema>;` (pg_dump writes it for every
/// schema dumped with `--schema`, `public` included)?
fn creates_schema(piece: &Piece, schema: &str) -> bool {
    let sql = piece.sql().trim().trim_end_matches(';').trim_end();
    let Some(head) = sql.get(..14) else {
        return false;
    };
    if !head.eq_ignore_ascii_case("CREATE SCHEMA ") {
        return false;
    }
    let name = sql[14..].trim();
    let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => name.to_string(),
    };
    name == schema
}

fn schema_exists(conn: &mut Conn, schema: &str) -> Result<bool> {
    let rows = conn.query(
        "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
        &[Some(schema)],
    )?;
    Ok(!rows.rows.is_empty())
}

/// A clean session state before each row, as a fresh session had when
/// the row was made.
fn reset(conn: &mut Conn) -> Result<()> {
    conn.execute("RESET ALL; SET client_encoding = 'UTF8'")?;
    Ok(())
}

fn replay_database(
    scope: &Scope,
    database: &str,
    schemas: &[SchemaRead],
    emitter: &Emitter,
) -> DatabaseResult {
    let target = Target {
        database: database.to_string(),
        schema: String::new(),
    };
    emitter.send(CmEvent::Started {
        target: target.clone(),
    });
    let started = std::time::Instant::now();
    let outcome = match try_replay(scope, &target, schemas, emitter) {
        Ok(replayed) => DatabaseOutcome::Restored {
            schemas: schemas.len(),
            replayed,
        },
        Err(stop) => DatabaseOutcome::Failed {
            error: stop.failure(),
        },
    };
    let elapsed = started.elapsed();
    emitter.send(CmEvent::Finished {
        target,
        ok: matches!(outcome, DatabaseOutcome::Restored { .. }),
        elapsed,
    });
    DatabaseResult {
        database: database.to_string(),
        outcome,
        millis: elapsed.as_millis() as u64,
    }
}

fn try_replay(
    scope: &Scope,
    db: &Target,
    schemas: &[SchemaRead],
    emitter: &Emitter,
) -> std::result::Result<usize, Stop> {
    crate::interrupt::check()?;
    let mut conn = scope.connect(&db.database)?;
    let _watch = crate::interrupt::watch_conn(&conn);
    let conn = &mut conn;
    conn.execute("BEGIN")?;
    let mut replayed = 0;

    // The bases; one that fails is tried again after the others.
    let mut pending: Vec<&SchemaRead> = schemas.iter().collect();
    while !pending.is_empty() {
        let mut failures = Vec::new();
        let before = pending.len();
        for s in std::mem::take(&mut pending) {
            let base = &s.rows[0];
            conn.execute("SAVEPOINT pum_cm_base")?;
            match run_base(conn, db, s, base, emitter) {
                Ok(()) => {
                    conn.execute("RELEASE SAVEPOINT pum_cm_base")?;
                    replayed += 1;
                }
                Err(e) => {
                    conn.execute("ROLLBACK TO SAVEPOINT pum_cm_base")?;
                    conn.execute("RELEASE SAVEPOINT pum_cm_base")?;
                    pending.push(s);
                    failures.push(Stop {
                        error: e,
                        context: Some(format!(
                            "row {}, the base of the schema {}",
                            base.id, s.schema
                        )),
                    });
                }
            }
        }
        if !pending.is_empty() && pending.len() == before {
            return Err(failures.swap_remove(0));
        }
    }

    // The changes, in the order they were made, across schemas.
    let mut changes: Vec<(&str, usize, &SchemaRead, &Replay)> = Vec::new();
    for (i, s) in schemas.iter().enumerate() {
        for r in s.rows.iter().skip(1) {
            changes.push((r.at.as_str(), i, s, r));
        }
    }
    changes.sort_by_key(|(at, i, _, r)| (*at, *i, r.id));
    for (_, _, s, r) in changes {
        crate::interrupt::check()?;
        let context = || Some(format!("row {}, a change of the schema {}", r.id, s.schema));
        let mut run = || -> Result<()> {
            let (path, file) = row_file(s, r, conn.server_version())?;
            reset(conn)?;
            conn.execute(&format!(
                "SET LOCAL search_path TO {}",
                quote_ident(&s.schema)
            ))?;
            let target = Target {
                database: db.database.clone(),
                schema: s.schema.clone(),
            };
            let mut notices = Notices {
                target: &target,
                emitter,
            };
            sql::run(conn, &path, &file, &mut notices)
        };
        run().map_err(|error| Stop {
            error,
            context: context(),
        })?;
        replayed += 1;
    }

    // The control tables with their rows, from the files.
    for s in schemas {
        reset(conn)?;
        // A psql-cm base may hold the control table itself (psql-cm did
        // not leave it out): the file's rows go into a fresh one.
        conn.execute(&format!(
            "DROP TABLE IF EXISTS {}",
            scope.table_sql(&s.schema)
        ))?;
        sql::run(conn, &s.path, &s.file, &mut ()).map_err(|error| Stop {
            error,
            context: Some(format!("the control table of the schema {}", s.schema)),
        })?;
    }
    crate::interrupt::check()?;
    conn.execute("COMMIT")?;
    Ok(replayed)
}

fn run_base(
    conn: &mut Conn,
    db: &Target,
    s: &SchemaRead,
    base: &Replay,
    emitter: &Emitter,
) -> Result<()> {
    let (path, mut file) = row_file(s, base, conn.server_version())?;
    reset(conn)?;
    // `CREATE SCHEMA public;` (pg_dump writes it) into a new database,
    // which has `public` already: the existing schema is kept.
    if schema_exists(conn, &s.schema)? {
        file.pieces.retain(|p| !creates_schema(p, &s.schema));
    }
    let target = Target {
        database: db.database.clone(),
        schema: s.schema.clone(),
    };
    let mut notices = Notices {
        target: &target,
        emitter,
    };
    sql::run(conn, &path, &file, &mut notices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script;

    #[test]
    fn create_schema_statements_are_recognised() {
        let pieces = script::split(
            "CREATE SCHEMA public;\nCREATE SCHEMA \"Odd \"\"One\";\ncreate schema  x ;\n\
             CREATE SCHEMA publicx;\nCREATE SCHEMA public AUTHORIZATION bob;\nCOMMENT ON SCHEMA public IS 'x';",
        )
        .unwrap();
        assert!(creates_schema(&pieces[0], "public"));
        assert!(creates_schema(&pieces[1], "Odd \"One"));
        assert!(creates_schema(&pieces[2], "x"));
        assert!(!creates_schema(&pieces[3], "public"));
        assert!(!creates_schema(&pieces[4], "public"));
        assert!(!creates_schema(&pieces[5], "public"));
    }

    #[test]
    fn pg_dump_17_s_transaction_timeout_is_left_out_before_17_only() {
        let text = "SET statement_timeout = 0;\nSET transaction_timeout = 0;\nSELECT 1;\n";
        let file = sql::prepare(
            std::path::Path::new("f"),
            text.as_bytes(),
            &Variables::new(),
        )
        .unwrap();
        let old = without_newer_settings(file, 160004);
        let sqls: Vec<&str> = old.pieces.iter().map(Piece::sql).collect();
        assert_eq!(sqls, ["SET statement_timeout = 0;", "SELECT 1;"]);
        let file = sql::prepare(
            std::path::Path::new("f"),
            text.as_bytes(),
            &Variables::new(),
        )
        .unwrap();
        assert_eq!(without_newer_settings(file, 170000).pieces.len(), 3);
    }
}
