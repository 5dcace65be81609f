//! `pum cm setup|submit|dump|restore`: psql-cm's change management, with
//! psql-cm's option spellings. Options in, pum-core's `cm` called, its
//! reports rendered.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{ArgAction, Args, Subcommand};
use pum_core::cm::{
    self, Change, CmEvent, CommitOutcome, DatabaseOutcome, DumpOutcome, RoleStatus, Scope,
    SetupOutcome, SubmitOutcome, Target,
};
use pum_core::pg::ConnTarget;

use crate::cli::Format;
use crate::{EXIT_FAILED, EXIT_OK};

/// The exit codes of `pum cm`, for its help.
pub const CM_EXIT_CODES: &str = "\
Exit codes:
  0  success: every target done (or already done)
  2  pum failed: bad input, a database or schema that does not exist, a target that
     failed (the report says which targets have the change and which do not), a
     restore that stopped (and was undone)
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP: running statements cancelled
     and rolled back";

const URI_HELP: &str = "\
The server: a URI (postgresql://user@host:5432?sslmode=require), a libpq connection string \
('host=db sslmode=verify-full') or a pg_service name. Every parameter reaches every \
connection pum makes and pg_dump; the database in it, if any, is only the one pum connects \
to for looking up and creating databases (default: postgres, else template1). A password \
in it is handed to pg_dump through a temporary passfile, never on the command line. \
Without --uri: libpq's defaults (PGHOST, PGPORT, PGUSER, PGSSLMODE, PGSERVICE...).";

/// Options of `pum cm`, accepted before or after the action, as psql-cm
/// took them.
#[derive(Debug, Args)]
pub struct CmArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: CmAction,
    #[command(flatten)]
    pub common: CmCommon,
}

/// The options every action shares.
#[derive(Debug, Args)]
pub struct CmCommon {
    /// Databases to work on, comma separated or repeated (psql-cm's --databases a,b;
    /// --database too). A database that does not exist is an error (setup: unless --create).
    /// restore: the database directories of --sql-path to restore (default: all of them).
    #[arg(
        long = "databases",
        visible_alias = "database",
        value_name = "NAMES",
        value_delimiter = ',',
        action = ArgAction::Append,
        global = true
    )]
    pub databases: Vec<String>,
    /// The server (see --help for details).
    #[arg(long, value_name = "URI", global = true, long_help = URI_HELP)]
    pub uri: Option<String>,
    /// Schemas to work on, comma separated or repeated (--schema too); default: every
    /// schema except pg_* and information_schema. A named schema that does not exist is an
    /// error (setup: unless --create).
    #[arg(
        long = "schemas",
        visible_alias = "schema",
        value_name = "NAMES",
        value_delimiter = ',',
        action = ArgAction::Append,
        global = true
    )]
    pub schemas: Vec<String>,
    /// The control table in each schema.
    #[arg(long = "cm-table", value_name = "NAME", default_value = cm::DEFAULT_TABLE, global = true)]
    pub cm_table: String,
    /// The directory of the dump tree: <sql-path>/<database>/<schema>.sql.
    #[arg(
        long = "sql-path",
        value_name = "DIR",
        default_value = "sql",
        global = true
    )]
    pub sql_path: PathBuf,
    /// Work on up to N targets at once (schemas; for restore, databases), one connection
    /// each.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64), global = true)]
    pub jobs: u16,
    /// Output format: text, or one JSON document on stdout (the report; with the error
    /// when pum stopped before any target).
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,
}

/// The actions.
#[derive(Debug, Subcommand)]
pub enum CmAction {
    /// Add the control table to every target schema, with one base row holding the schema's
    /// DDL (pg_dump --schema-only, the control table left out). Idempotent: a schema set up
    /// already is left alone, so running it again sets up only what is new.
    #[command(after_help = CM_EXIT_CODES)]
    Setup(CmSetupArgs),
    /// Run a change in every target schema (search_path set to it) and record it; in each
    /// schema the change and its row commit together or not at all.
    ///
    /// Stops at the first schema where the change fails (unless --keep-going): the schemas
    /// before it keep the change, the failing one is rolled back, the rest are not touched,
    /// and the report names each. Running the same submit again skips the schemas that
    /// have this exact change recorded.
    #[command(after_help = CM_EXIT_CODES)]
    Submit(CmSubmitArgs),
    /// Write each control table to <sql-path>/<database>/<schema>.sql: deterministic (same
    /// rows, same bytes; unchanged files are not rewritten), diffable (each change verbatim),
    /// restorable with `pum cm restore`.
    #[command(after_help = CM_EXIT_CODES)]
    Dump(CmDumpArgs),
    /// Create the databases of a dump tree on a server (a new cluster) and replay each
    /// schema's base and changes; all or nothing: the first error stops the restore and
    /// every database (and role) it created is dropped again.
    #[command(after_help = CM_EXIT_CODES)]
    Restore(CmRestoreArgs),
}

/// Options of `pum cm setup`.
#[derive(Debug, Args)]
pub struct CmSetupArgs {
    /// Create the databases that do not exist, and the --schemas that do not exist in them.
    #[arg(long)]
    pub create: bool,
    /// Recorded as the base rows' implementer [default: git's `user.name <user.email>`,
    /// else login@host].
    #[arg(long, value_name = "TEXT")]
    pub implementer: Option<String>,
}

/// Options of `pum cm submit`.
#[derive(Debug, Args)]
pub struct CmSubmitArgs {
    /// The change: a SQL file, SQL text, or - for standard input. A value that looks like a
    /// file name (one word ending in .sql, or with a /) but names no file is an error.
    #[arg(long, value_name = "FILE|SQL")]
    pub change: String,
    /// Go on with the other schemas after one fails (by default none starts after a failure).
    #[arg(long)]
    pub keep_going: bool,
    /// Also run the change in schemas that have it recorded already (by default they are
    /// skipped).
    #[arg(long)]
    pub again: bool,
    /// Recorded as the rows' implementer [default: git's `user.name <user.email>`, else
    /// login@host].
    #[arg(long, value_name = "TEXT")]
    pub implementer: Option<String>,
}

/// Options of `pum cm dump`.
#[derive(Debug, Args)]
pub struct CmDumpArgs {
    /// Commit the databases' directories to git afterwards (git init if the tree is in no
    /// repository); nothing is committed when nothing changed.
    #[arg(long)]
    pub commit: bool,
}

/// Options of `pum cm restore`.
#[derive(Debug, Args)]
pub struct CmRestoreArgs {
    /// Create the roles the schemas refer to (GRANT ... TO, OWNER TO, policies...) that do
    /// not exist on the server, as NOLOGIN roles. Without it, a missing role stops the
    /// restore before anything is replayed, with every missing role named.
    #[arg(long)]
    pub create_roles: bool,
}

fn scope(c: &CmCommon) -> Result<Scope> {
    let server = ConnTarget::parse(c.uri.as_deref().unwrap_or("postgresql://")).context("--uri")?;
    let mut scope = Scope::new(server, c.databases.clone());
    scope.schemas = (!c.schemas.is_empty()).then(|| c.schemas.clone());
    scope.table = c.cm_table.clone();
    scope.jobs = usize::from(c.jobs);
    Ok(scope)
}

/// Runs `pum cm`; `pg_dump` is the config file's `pg_dump_exe`.
pub fn run(a: CmArgs, pg_dump: Option<PathBuf>) -> Result<u8> {
    let json = a.common.format == Format::Json;
    let outcome = run_action(a, pg_dump);
    if let (Err(e), true) = (&outcome, json) {
        // Scripts get the refusal as JSON too; the readable error goes to stderr.
        let error = match e.downcast_ref::<pum_core::Error>() {
            Some(core) => serde_json::to_value(cm::Failure::from(core))?,
            None => serde_json::json!({ "kind": "invalid", "message": format!("{e:#}") }),
        };
        let _ = crate::render::json(&serde_json::json!({ "failed": true, "error": error }));
    }
    outcome
}

fn run_action(a: CmArgs, pg_dump: Option<PathBuf>) -> Result<u8> {
    let json = a.common.format == Format::Json;
    let scope = scope(&a.common)?;
    let mut events = Events::new(json);
    match a.action {
        CmAction::Setup(s) => {
            let opts = cm::SetupOptions {
                scope,
                create: s.create,
                implementer: s.implementer.unwrap_or_else(cm::implementer),
                pg_dump,
            };
            let report = cm::setup(&opts, &mut |e| events.event(e))?;
            if json {
                crate::render::json(&report)?;
            } else {
                setup_text(&report)?;
            }
            Ok(if report.failed() > 0 {
                EXIT_FAILED
            } else {
                EXIT_OK
            })
        }
        CmAction::Submit(s) => {
            let change = if s.change == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the change from standard input")?;
                Change {
                    label: PathBuf::from("<stdin>"),
                    text,
                }
            } else {
                Change::from_arg(&s.change)?
            };
            let opts = cm::SubmitOptions {
                scope,
                change,
                implementer: s.implementer.unwrap_or_else(cm::implementer),
                keep_going: s.keep_going,
                again: s.again,
            };
            let report = cm::submit(&opts, &mut |e| events.event(e))?;
            if json {
                crate::render::json(&report)?;
            } else {
                submit_text(&report)?;
            }
            Ok(if report.not_committed().is_empty() {
                EXIT_OK
            } else {
                EXIT_FAILED
            })
        }
        CmAction::Dump(d) => {
            let opts = cm::DumpOptions {
                scope,
                sql_path: a.common.sql_path.clone(),
                commit: d.commit,
            };
            let report = cm::dump(&opts, &mut |e| events.event(e))?;
            if json {
                crate::render::json(&report)?;
            } else {
                dump_text(&report)?;
            }
            Ok(if report.failed() > 0 {
                EXIT_FAILED
            } else {
                EXIT_OK
            })
        }
        CmAction::Restore(r) => {
            let opts = cm::RestoreOptions {
                scope,
                sql_path: a.common.sql_path.clone(),
                create_roles: r.create_roles,
            };
            let report = cm::restore(&opts, &mut |e| events.event(e))?;
            if json {
                crate::render::json(&report)?;
            } else {
                restore_text(&report, &opts.sql_path)?;
            }
            Ok(if report.failed() {
                EXIT_FAILED
            } else {
                EXIT_OK
            })
        }
    }
}

/// Renders events as they come: notices and creations; with many targets
/// on a terminal, a line counting the targets done.
struct Events {
    json: bool,
    started: usize,
    done: usize,
    ticking: bool,
}

impl Events {
    fn new(json: bool) -> Self {
        Events {
            json,
            started: 0,
            done: 0,
            ticking: false,
        }
    }

    fn clear_tick(&mut self) {
        if self.ticking {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.ticking = false;
        }
    }

    fn event(&mut self, e: &CmEvent) {
        match e {
            CmEvent::Started { .. } => self.started += 1,
            CmEvent::Finished { target, .. } => {
                self.done += 1;
                if std::io::stderr().is_terminal() {
                    let _ = write!(
                        std::io::stderr(),
                        "\r\x1b[2K{} done, {} running; last: {}",
                        self.done,
                        self.started - self.done,
                        label(target)
                    );
                    self.ticking = true;
                }
            }
            CmEvent::Notice { target, notice } => {
                self.clear_tick();
                let _ = writeln!(
                    std::io::stderr(),
                    "{}: {}: {}",
                    label(target),
                    notice.severity,
                    notice.message
                );
            }
            CmEvent::Created { what, name } => {
                self.clear_tick();
                let line = format!("Created {what} {name}.");
                let _ = if self.json {
                    writeln!(std::io::stderr(), "{line}")
                } else {
                    writeln!(std::io::stdout(), "{line}")
                };
            }
            _ => {}
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.clear_tick();
    }
}

fn label(t: &Target) -> String {
    if t.schema.is_empty() {
        t.database.clone()
    } else {
        t.to_string()
    }
}

fn joined(targets: &[&Target]) -> String {
    targets
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn setup_text(r: &cm::SetupReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let (mut new, mut old) = (0, 0);
    for t in &r.targets {
        match &t.outcome {
            SetupOutcome::SetUp { base_row, bytes } => {
                new += 1;
                writeln!(
                    out,
                    "{}: set up (base row {base_row}, {} of DDL)",
                    t.target,
                    crate::render::bytes(*bytes as u64)
                )?;
            }
            SetupOutcome::AlreadySetUp { base_row } => {
                old += 1;
                writeln!(out, "{}: already set up (base row {base_row})", t.target)?;
            }
            SetupOutcome::Failed { error } => {
                writeln!(out, "{}: FAILED, nothing changed there", t.target)?;
                eprintln!("error: {}: {error}", t.target);
            }
            _ => {}
        }
    }
    for t in &r.not_attempted {
        writeln!(out, "{t}: not attempted")?;
    }
    writeln!(
        out,
        "Set up {new} {}; {old} already set up{}.",
        plural(new, "schema", "schemas"),
        match r.failed() {
            0 => String::new(),
            n => format!("; {n} failed or not attempted (run setup again once fixed)"),
        }
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn submit_text(r: &cm::SubmitReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for t in &r.targets {
        match &t.outcome {
            SubmitOutcome::Committed { row } => {
                writeln!(out, "{}: committed (row {row}, {} ms)", t.target, t.millis)?
            }
            SubmitOutcome::AlreadyThere { row } => writeln!(
                out,
                "{}: skipped, already has this change (row {row}; --again runs it anyway)",
                t.target
            )?,
            SubmitOutcome::Failed { error } => {
                writeln!(
                    out,
                    "{}: FAILED, rolled back: neither the change nor its row is there",
                    t.target
                )?;
                eprintln!("error: {}: {error}", t.target);
            }
            _ => {}
        }
    }
    for t in &r.not_attempted {
        writeln!(out, "{t}: not attempted (stopped after the first failure)")?;
    }
    let has = r.committed();
    let lacks = r.not_committed();
    let total = has.len() + lacks.len();
    let schemas = plural(total, "schema", "schemas");
    if lacks.is_empty() {
        return match has.as_slice() {
            [only] => writeln!(out, "The change is in {only}."),
            _ => writeln!(out, "The change is in all {total} {schemas}."),
        };
    }
    if has.is_empty() {
        writeln!(out, "The change is in none of the {total} {schemas}.")?;
    } else {
        writeln!(
            out,
            "The change is in {} of {total} {schemas}: {}.",
            has.len(),
            joined(&has)
        )?;
    }
    writeln!(out, "It is not in: {}.", joined(&lacks))?;
    if has.is_empty() {
        return writeln!(out, "  Nothing was committed: once fixed, submit it again.");
    }
    let dbs: std::collections::BTreeSet<&str> = lacks.iter().map(|t| t.database.as_str()).collect();
    let narrow = match dbs.iter().next() {
        Some(db) if dbs.len() == 1 => format!(
            "--databases {db} --schemas {}",
            lacks
                .iter()
                .map(|t| t.schema.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => "--databases and --schemas".to_string(),
    };
    writeln!(
        out,
        "  Once fixed, the same submit again skips the schemas that have this change; a \
         corrected change goes to the others only with {narrow}."
    )
}

fn dump_text(r: &cm::DumpReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let (mut written, mut same) = (0, 0);
    for t in &r.targets {
        match &t.outcome {
            DumpOutcome::Written { file, rows } => {
                written += 1;
                writeln!(
                    out,
                    "{}: wrote {} ({rows} {})",
                    t.target,
                    file.display(),
                    plural(*rows, "row", "rows")
                )?;
            }
            DumpOutcome::Unchanged { file, rows } => {
                same += 1;
                writeln!(
                    out,
                    "{}: unchanged {} ({rows} {})",
                    t.target,
                    file.display(),
                    plural(*rows, "row", "rows")
                )?;
            }
            DumpOutcome::Failed { error } => {
                writeln!(out, "{}: FAILED, its file is as before", t.target)?;
                eprintln!("error: {}: {error}", t.target);
            }
            _ => {}
        }
    }
    for t in &r.not_attempted {
        writeln!(out, "{t}: not attempted")?;
    }
    if !r.not_set_up.is_empty() {
        let names: Vec<&Target> = r.not_set_up.iter().collect();
        writeln!(
            out,
            "Not set up, left out: {} (`pum cm setup` sets them up).",
            joined(&names)
        )?;
    }
    for f in &r.removed {
        writeln!(
            out,
            "Removed {} (its schema is not set up any more).",
            f.display()
        )?;
    }
    writeln!(
        out,
        "Dumped {} {} to {}: {written} written, {same} unchanged.",
        r.targets.len(),
        plural(r.targets.len(), "schema", "schemas"),
        r.sql_path.display()
    )?;
    match &r.commit {
        Some(CommitOutcome::Committed { commit, subject }) => writeln!(
            out,
            "Committed {}: {subject}",
            &commit[..commit.len().min(12)]
        )?,
        Some(CommitOutcome::NothingToCommit) => writeln!(out, "Nothing to commit.")?,
        _ => {}
    }
    Ok(())
}

fn restore_text(r: &cm::RestoreReport, sql_path: &Path) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if !r.roles.is_empty() {
        let roles: Vec<String> = r
            .roles
            .iter()
            .map(|n| {
                let status = match n.status {
                    RoleStatus::Exists => "exists",
                    RoleStatus::Created => "created",
                    RoleStatus::Missing => "MISSING",
                    _ => "?",
                };
                format!("{} ({status})", n.name)
            })
            .collect();
        writeln!(out, "Roles the schemas refer to: {}.", roles.join(", "))?;
    }
    let mut restored = 0;
    for d in &r.databases {
        match &d.outcome {
            DatabaseOutcome::Restored { schemas, replayed } => {
                restored += 1;
                writeln!(
                    out,
                    "{}: restored ({schemas} {}, {replayed} {} replayed, {:.1} s)",
                    d.database,
                    plural(*schemas, "schema", "schemas"),
                    plural(*replayed, "row", "rows"),
                    d.millis as f64 / 1000.0
                )?;
            }
            DatabaseOutcome::Failed { error } => {
                writeln!(out, "{}: FAILED", d.database)?;
                eprintln!("error: {}: {error}", d.database);
            }
            DatabaseOutcome::NotAttempted => writeln!(out, "{}: not restored", d.database)?,
            _ => {}
        }
    }
    if let Some(e) = &r.error {
        eprintln!("error: {e}");
    }
    if !r.failed() {
        return writeln!(
            out,
            "Restored {restored} {} from {}.",
            plural(restored, "database", "databases"),
            sql_path.display()
        );
    }
    let mut undone = Vec::new();
    if !r.dropped_databases.is_empty() {
        undone.push(format!(
            "dropped the {} it had created ({})",
            plural(r.dropped_databases.len(), "database", "databases"),
            r.dropped_databases.join(", ")
        ));
    }
    if !r.dropped_roles.is_empty() {
        undone.push(format!(
            "dropped the {} it had created ({})",
            plural(r.dropped_roles.len(), "role", "roles"),
            r.dropped_roles.join(", ")
        ));
    }
    writeln!(
        out,
        "The restore stopped{}{}.",
        if undone.is_empty() { "" } else { "; undone: " },
        undone.join("; ")
    )?;
    for l in &r.left_behind {
        eprintln!("left behind: {l}");
    }
    Ok(())
}
