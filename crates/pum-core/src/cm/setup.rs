//! `pum cm setup`: a control table in every target schema, with one base
//! row holding the schema's DDL.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{
    create_table_sql, inspect_table, list, list_schemas, lock_table, plural, resolve_targets,
    rollback, run_parallel, timed, CachedConn, CmEvent, ControlTable, Failure, Scope, Target,
    TargetResult,
};
use crate::dump::{Handover, Tool, ToolKind};
use crate::error::{Error, Result};
use crate::pg::{quote_ident, Conn, ConnTarget};

/// Options of [`setup`].
#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// Where.
    pub scope: Scope,
    /// Create the databases that do not exist, and the schemas named by
    /// [`Scope::schemas`] that do not exist in them (`--create`); without
    /// it, either is an error and nothing is changed.
    pub create: bool,
    /// Recorded as the base rows' `implementer` (see [`super::implementer`]).
    pub implementer: String,
    /// The pg_dump to run (config file), else `PG_DUMP_EXE`, else `PATH`.
    pub pg_dump: Option<PathBuf>,
}

/// What setup did to one target.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SetupOutcome {
    /// The control table was created (if needed) and the base row written.
    SetUp {
        /// The base row's id.
        base_row: i64,
        /// Size of the schema's DDL recorded, in bytes.
        bytes: usize,
    },
    /// The schema already had its base row: nothing was changed.
    AlreadySetUp {
        /// The base row's id.
        base_row: i64,
    },
    /// Setting up this schema failed; its transaction was rolled back, so
    /// it has neither a new control table nor a base row.
    Failed {
        /// Why.
        error: Failure,
    },
}

/// What [`setup`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SetupReport {
    /// Databases created (`--create`).
    pub created_databases: Vec<String>,
    /// Schemas created (`--create`).
    pub created_schemas: Vec<Target>,
    /// Every target, in order.
    pub targets: Vec<TargetResult<SetupOutcome>>,
    /// Targets not reached because pum was interrupted.
    pub not_attempted: Vec<Target>,
}

impl SetupReport {
    /// How many targets failed (or were not reached).
    pub fn failed(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| matches!(t.outcome, SetupOutcome::Failed { .. }))
            .count()
            + self.not_attempted.len()
    }
}

/// Sets up change management in every target: the control table and its
/// base row, each schema in a transaction of its own. A schema that has
/// its base row already is left alone, so running it again only sets up
/// what is new (a schema created since).
///
/// Everything is checked before anything changes: the databases exist
/// (or `create`), the named schemas exist (or `create`), a table of the
/// control table's name is one, pg_dump is there and not older than the
/// server. A target that fails does not stop the others: the report says
/// which failed.
pub fn setup(opts: &SetupOptions, events: &mut dyn FnMut(&CmEvent)) -> Result<SetupReport> {
    let scope = &opts.scope;
    scope.validate(true)?;
    let tool = Tool::find(ToolKind::PgDump, opts.pg_dump.as_deref())?;
    let mut maint = scope.maintenance()?;
    tool.check_server(maint.server_version(), &scope.server)?;
    let existing = scope.existing_databases(&mut maint)?;
    if !opts.create {
        scope.require_databases(&existing, ", or pass --create to create them")?;
    }
    let (present, absent): (Vec<String>, Vec<String>) = scope
        .databases
        .iter()
        .cloned()
        .partition(|d| existing.contains(d));
    // (A table of the control table's name that is not one is refused
    // there, before anything changes.)
    let (found, missing) = resolve_targets(scope, &present)?;
    let mut targets: Vec<Target> = found.into_iter().map(|(t, _)| t).collect();
    if !missing.is_empty() && !opts.create {
        return Err(Error::invalid(format!(
            "{} named by --schemas {} not exist: {}\n  check --schemas, or pass --create to \
             create them",
            plural(missing.len(), "a schema", "schemas"),
            if missing.len() == 1 { "does" } else { "do" },
            list(&missing)
        )));
    }
    // From here on, things change.
    let mut report = SetupReport {
        created_databases: Vec::new(),
        created_schemas: Vec::new(),
        targets: Vec::new(),
        not_attempted: Vec::new(),
    };
    for db in &absent {
        maint.execute(&format!("CREATE DATABASE {}", quote_ident(db)))?;
        events(&CmEvent::Created {
            what: "database",
            name: db.clone(),
        });
        report.created_databases.push(db.clone());
    }
    let mut to_create = missing;
    for db in &absent {
        match &scope.schemas {
            Some(wanted) => to_create.extend(wanted.iter().map(|s| Target {
                database: db.clone(),
                schema: s.clone(),
            })),
            None => {
                let mut conn = scope.connect(db)?;
                targets.extend(list_schemas(&mut conn)?.into_iter().map(|schema| Target {
                    database: db.clone(),
                    schema,
                }));
            }
        }
    }
    let mut fresh = BTreeSet::new();
    for t in &to_create {
        let mut conn = scope.connect(&t.database)?;
        if list_schemas(&mut conn)?.contains(&t.schema) {
            continue;
        }
        conn.execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(&t.schema)
        ))?;
        events(&CmEvent::Created {
            what: "schema",
            name: t.to_string(),
        });
        report.created_schemas.push(t.clone());
        fresh.insert(t.clone());
    }
    targets.extend(to_create);
    // In the order given: databases as listed, schemas as listed or sorted.
    let order = |t: &Target| {
        let d = scope.databases.iter().position(|d| d == &t.database);
        let s = scope
            .schemas
            .as_ref()
            .and_then(|s| s.iter().position(|s| s == &t.schema));
        (d, s, t.schema.clone())
    };
    targets.sort_by_key(order);

    let results = run_parallel(
        &targets,
        scope.jobs,
        |_| false,
        |t, emitter, conn: &mut CachedConn| {
            timed(
                t,
                emitter,
                || set_up_one(scope, &tool, &opts.implementer, t, conn),
                |o| !matches!(o, SetupOutcome::Failed { .. }),
            )
        },
        events,
    );
    for (t, r) in targets.into_iter().zip(results) {
        match r {
            Some(r) => report.targets.push(r),
            None => report.not_attempted.push(t),
        }
    }
    Ok(report)
}

fn set_up_one(
    scope: &Scope,
    tool: &Tool,
    implementer: &str,
    target: &Target,
    cache: &mut CachedConn,
) -> SetupOutcome {
    let result = scope.database_target(&target.database).and_then(|db| {
        let conn = cache.get(scope, &target.database)?;
        let _watch = crate::interrupt::watch_conn(conn);
        try_set_up(scope, tool, implementer, target, &db, conn).inspect_err(|_| rollback(conn))
    });
    result.unwrap_or_else(|e| {
        cache.reset();
        SetupOutcome::Failed { error: (&e).into() }
    })
}

fn try_set_up(
    scope: &Scope,
    tool: &Tool,
    implementer: &str,
    target: &Target,
    db: &ConnTarget,
    conn: &mut Conn,
) -> Result<SetupOutcome> {
    crate::interrupt::check()?;
    let table = scope.table_sql(&target.schema);
    conn.execute("BEGIN")?;
    lock_table(conn, &table)?;
    let existed = inspect_table(conn, scope, target)? == ControlTable::Present;
    let mut sequence = None;
    if existed {
        let base = conn.query(
            &format!("SELECT id::text FROM {table} WHERE is_base ORDER BY id LIMIT 1"),
            &[],
        )?;
        if let Some(id) = base.scalar() {
            let base_row = id.parse().unwrap_or_default();
            conn.execute("ROLLBACK")?;
            return Ok(SetupOutcome::AlreadySetUp { base_row });
        }
        // A table without its base (psql-cm may leave one): its sequence
        // is left out of the base along with it.
        let seq = conn.query(
            "SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.oid = pg_catalog.pg_get_serial_sequence($1, 'id')::regclass",
            &[Some(&table)],
        )?;
        if let Some(r) = seq.rows.first() {
            sequence = Some((
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
            ));
        }
    } else {
        conn.execute(&create_table_sql(&table))?;
    }
    // pg_dump runs in a session of its own, which does not see the table
    // created above (not committed yet); a table that existed is excluded
    // by name, with its sequence.
    let content = base_ddl(tool, db, target, &scope.table, sequence.as_ref())?;
    crate::interrupt::check()?;
    let rows = conn.query(
        &format!(
            "INSERT INTO {table} (is_base, implementer, content) VALUES (true, $1, $2) RETURNING id::text"
        ),
        &[Some(implementer), Some(&content)],
    )?;
    conn.execute("COMMIT")?;
    conn.take_notices();
    Ok(SetupOutcome::SetUp {
        base_row: rows
            .scalar()
            .and_then(|v| v.parse().ok())
            .unwrap_or_default(),
        bytes: content.len(),
    })
}

/// `pg_dump --schema-only --no-owner --schema=S`, the control table (and
/// its sequence) left out: the schema's DDL, as the base row records it.
/// Owners are left out as psql-cm did (a restore makes the restoring role
/// the owner, as `pum restore` does); privileges are kept.
fn base_ddl(
    tool: &Tool,
    db: &ConnTarget,
    target: &Target,
    table: &str,
    sequence: Option<&(String, String)>,
) -> Result<String> {
    let schema = quote_ident(&target.schema);
    let mut args = vec![
        "--schema-only".to_string(),
        "--no-owner".to_string(),
        "--strict-names".to_string(),
        // Patterns: double quotes make every character literal.
        format!("--schema={schema}"),
        format!("--exclude-table={schema}.{}", quote_ident(table)),
    ];
    if let Some((s, n)) = sequence {
        args.push(format!(
            "--exclude-table={}.{}",
            quote_ident(s),
            quote_ident(n)
        ));
    }
    let handover = Handover::new(db)?;
    let mut cmd = Command::new(&tool.path);
    cmd.args(&args).arg("-d").arg(handover.conninfo());
    handover.apply(&mut cmd);
    cmd.env("PGCLIENTENCODING", "UTF8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, stopped by `interrupt` on a signal.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd
        .spawn()
        .map_err(|e| Error::invalid(format!("cannot run {} ({e})", tool.path.display())))?;
    let watch = crate::interrupt::watch_process_group(child.id());
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io(&tool.path, e))?;
    drop(watch);
    crate::interrupt::check()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::invalid(format!(
            "{target}: pg_dump of the schema failed: {}",
            stderr.trim_end()
        )));
    }
    String::from_utf8(out.stdout).map_err(|_| {
        Error::invalid(format!(
            "{target}: pg_dump wrote text that is not UTF-8 (PGCLIENTENCODING=UTF8 was set)"
        ))
    })
}
