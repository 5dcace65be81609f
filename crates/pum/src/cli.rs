//! Command-line definitions. Spellings follow pum 0.x so existing scripts
//! keep working; see `argv.rs` for the multi-letter single-dash options.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (check: no difference; info: nothing pending, or --exit-code not given)
  1  differences found (check), pending deltas found (info --exit-code)
  2  pum failed: bad input, connection, a failing delta, lock timeout...
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP: the running statement was
     cancelled and rolled back, children stopped, temporary files removed";

const CONNECTION_HELP: &str = "\
A pg_service name (as in pum 0.x, looked up in PGSERVICEFILE, ~/.pg_service.conf or \
PGSYSCONFDIR/pg_service.conf), a libpq connection string ('service=x sslmode=require', \
'host=db dbname=qwat user=me') or a URI ('postgresql://me@db/qwat'). .pgpass and PG* \
environment variables apply as in psql.";

/// pum: PostgreSQL upgrades manager.
///
/// Keeps the version of a data model inside the database and applies versioned SQL and
/// Python delta files in order. A drop-in for pum 0.x: same commands, options, delta
/// files and upgrades table.
#[derive(Debug, Parser)]
#[command(
    name = "pum",
    disable_version_flag = true,
    after_help = EXIT_CODES,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Print the version and exit (as pum 0.x: `pum -v`).
    #[arg(short = 'v', long = "version", action = ArgAction::SetTrue)]
    pub version: bool,

    /// YAML config file: defaults for every command (upgrades_table, delta_dir(s),
    /// backup_file, ignore_elements, pg_dump_exe, pg_restore_exe, python, lock_timeout,
    /// variables, exclude_schemas, exclude_field_patterns). Options given on the command
    /// line win.
    #[arg(
        short = 'c',
        long = "config_file",
        visible_alias = "config-file",
        value_name = "FILE",
        global = true
    )]
    pub config: Option<PathBuf>,

    /// When to colour the output: auto (on a terminal only; never with NO_COLOR set,
    /// also when not a terminal with CLICOLOR_FORCE set), always, never.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = clap::ColorChoice::Auto, global = true)]
    pub color: clap::ColorChoice,

    /// The command.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the upgrades table and record the version the database is at.
    #[command(
        after_help = EXIT_CODES,
        override_usage = "pum baseline [OPTIONS] --baseline <X.Y.Z> --pg_service <SERVICE>...\n       \
                          pum baseline [OPTIONS] --baseline <X.Y.Z> --databases <DB,...> [--uri <URI>]"
    )]
    Baseline(BaselineArgs),
    /// Show every delta's status, the applied rows and the current version.
    #[command(
        after_help = EXIT_CODES,
        override_usage = "pum info [OPTIONS] --pg_service <SERVICE>...\n       \
                          pum info [OPTIONS] --databases <DB,...> [--uri <URI>]"
    )]
    Info(InfoArgs),
    /// Apply the pending deltas, each delta and its row committed together.
    #[command(
        after_help = EXIT_CODES,
        override_usage = "pum upgrade [OPTIONS] --pg_service <SERVICE>...\n       \
                          pum upgrade [OPTIONS] --databases <DB,...> [--uri <URI>]"
    )]
    Upgrade(UpgradeArgs),
    /// Compare the schemas of two databases (or snapshot files) and show the differences.
    ///
    /// Reads both sides from pg_catalog at the same time. Objects are matched by name and
    /// signature; definitions are compared as the server renders them; objects that belong
    /// to an extension are left out. Exit code 1 when differences are found.
    #[command(
        after_help = EXIT_CODES,
        override_usage = "pum check [OPTIONS] --pg_service1 <A> --pg_service2 <B>...\n       \
                          pum check [OPTIONS] --pg_service1 <A> --databases <DB,...> [--uri <URI>]"
    )]
    Check(CheckArgs),
    /// Write a schema snapshot (JSON) of a database, to commit or to compare later with
    /// `pum check -p2 FILE.json`.
    #[command(after_help = EXIT_CODES)]
    Snapshot(SnapshotArgs),
    /// Dump a database with pg_dump (custom format by default).
    #[command(after_help = EXIT_CODES)]
    Dump(DumpArgs),
    /// Restore a dump into a database with pg_restore (--no-owner).
    #[command(after_help = EXIT_CODES)]
    Restore(RestoreArgs),
    /// Rehearse the upgrade on a copy of production, compare it with a reference, then
    /// (after confirmation) upgrade production.
    ///
    /// Steps: dump production, restore it into the test database, upgrade the test
    /// database, compare it with the reference, and only if no difference is found ask
    /// `Apply deltas to PROD? [n]|y:` and upgrade production.
    #[command(name = "test-and-upgrade", after_help = REHEARSAL_EXIT_CODES)]
    TestAndUpgrade(TestAndUpgradeArgs),
    /// Rehearse the upgrade on a copy of production and compare it with a reference,
    /// without touching production.
    ///
    /// Steps: dump production, restore it into the test database, upgrade the test
    /// database, compare it with the reference. Production is only read (dumped), never
    /// changed: this is test-and-upgrade without its last step.
    #[command(after_help = TEST_EXIT_CODES)]
    Test(RehearsalArgs),
    /// Build a new database from a creation tree: numbered subdirectories of SQL files.
    ///
    /// Subdirectories run in natural order of their names (2-x before 10-x); inside one,
    /// the files run in the order of its order.json ({"1": "tbl_a.sql", "2": ...}, keys
    /// compared as numbers), else in natural order of their names. Everything runs in one
    /// transaction: a failing file leaves the database as it was. A file whose first line
    /// is `-- pum:no-transaction` runs outside it (the files before it are committed
    /// first). With --baseline, the upgrades table and its baseline row are written in the
    /// same transaction, so the database continues with `pum upgrade`.
    #[command(after_help = EXIT_CODES)]
    Create(CreateArgs),
    /// Run the pending ordinal deployment files (00000-name.sql...), each once.
    ///
    /// Before anything runs, the files are checked: every .sql file named
    /// <ordinal>-<name>.sql with the directory's ordinal width, no gap between ordinals
    /// (not checked for --manual), no ordinal used twice; every violation is reported,
    /// with the next free ordinal. Then each pending file runs in ordinal order, and the
    /// file and its row in the deployments table commit together. The table is the one
    /// the original deployment tool writes (tbl_deployments), created when missing.
    #[command(
        after_help = DEPLOY_EXIT_CODES,
        override_usage = "pum deploy [OPTIONS] --pg_service <SERVICE>...\n       \
                          pum deploy [OPTIONS] --databases <DB,...> [--uri <URI>]\n       \
                          pum deploy --check [OPTIONS]"
    )]
    Deploy(DeployArgs),
    /// Run a command against a throwaway local PostgreSQL that pum starts and removes.
    ///
    /// Starts a private cluster from the installed server binaries (listening only on a
    /// Unix socket), creates the databases named with --db, writes a pg_service.conf with
    /// one service per database (service name = database name), then runs COMMAND with
    /// PGSERVICEFILE, PGHOST, PGPORT, PGUSER and PGDATABASE (the first --db) set, and PUM
    /// pointing at this pum binary. The cluster is stopped and deleted afterwards.
    #[command(after_help = "Exit code: the command's own, or 2 if the cluster could not start.")]
    Sandbox(SandboxArgs),
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(after_help = crate::docs::COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print pum's manual page (roff), or write one page per command into a directory.
    #[command(after_help = crate::docs::MAN_HELP)]
    Man(ManArgs),
    /// Change management for many databases and schemas at once (psql-cm): setup, submit,
    /// dump, restore.
    ///
    /// Each target schema keeps its history in a control table (pg_psql_cm): a base row
    /// with the schema's DDL, then one row per change. psql-cm's spellings work, before or
    /// after the action: `pum cm --databases a,b --uri URI setup` (or `submit --change
    /// FILE`, `dump`, `restore`).
    #[command(after_help = crate::cm::CM_EXIT_CODES)]
    Cm(crate::cm::CmArgs),
}

/// The connection option shared by the database commands.
#[derive(Debug, Args)]
pub struct Connection {
    /// Database to work on: pg_service name, connection string or URI.
    #[arg(short = 'p', long = "pg_service", visible_alias = "pg-service", value_name = "SERVICE", long_help = CONNECTION_HELP)]
    pub pg_service: String,
}

/// The targets of the commands that work on many databases at once
/// (`baseline`, `info`, `upgrade`).
#[derive(Debug, Args)]
pub struct Targets {
    /// Database to work on: pg_service name, connection string or URI. Repeat -p to work on
    /// several databases (see --jobs).
    #[arg(short = 'p', long = "pg_service", visible_alias = "pg-service", value_name = "SERVICE", long_help = CONNECTION_HELP, action = ArgAction::Append, required_unless_present = "databases")]
    pub pg_service: Vec<String>,
    #[command(flatten)]
    pub fleet: crate::fleet::FleetArgs,
}

/// The connection option of `create` and `deploy`, which also take the original
/// deployment tool's spelling.
#[derive(Debug, Args)]
pub struct DsnConnection {
    /// Database to work on: pg_service name, connection string or URI (also spelled
    /// --postgres-dsn).
    #[arg(short = 'p', long = "pg_service", visible_aliases = ["pg-service", "postgres-dsn"], value_name = "SERVICE", long_help = CONNECTION_HELP)]
    pub pg_service: Option<String>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Text,
    /// One JSON document on stdout, for scripts.
    Json,
}

/// Options of `baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub conn: Targets,
    /// Upgrades table, schema-qualified (e.g. qwat_sys.info; a name holding a dot is
    /// double-quoted, three parts are refused) [config: upgrades_table].
    #[arg(short = 't', long = "table", value_name = "SCHEMA.TABLE")]
    pub table: Option<String>,
    /// Delta directories (space-separated, or repeat -d); needed with --mark-applied.
    #[arg(short = 'd', long = "dir", value_name = "DIR", num_args = 1.., action = ArgAction::Append)]
    pub dirs: Vec<PathBuf>,
    /// The version the database is at, X.Y.Z.
    #[arg(short = 'b', long = "baseline", value_name = "X.Y.Z")]
    pub baseline: String,
    /// Also record every delta up to and including the baseline version as applied
    /// (for a database built fresh at that version, so those deltas do not run again).
    #[arg(long)]
    pub mark_applied: bool,
    /// With --mark-applied: when two files are the same delta for pum (same version, name
    /// and kind: one row in the upgrades table), record the first (in -d order) and skip
    /// the others instead of refusing.
    #[arg(long)]
    pub allow_duplicates: bool,
    /// Seconds to wait for another pum working on the same database [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
    /// Output format. With json, stdout is one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The upgrades table and the delta directories.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Upgrades table, schema-qualified (e.g. qwat_sys.info; a name holding a dot is
    /// double-quoted, three parts are refused) [config: upgrades_table].
    #[arg(short = 't', long = "table", value_name = "SCHEMA.TABLE")]
    pub table: Option<String>,
    /// Delta directories (space-separated, or repeat -d), read in the order given
    /// [config: delta_dir / delta_dirs].
    #[arg(short = 'd', long = "dir", value_name = "DIR", num_args = 1.., action = ArgAction::Append)]
    pub dirs: Vec<PathBuf>,
}

/// Options that decide which deltas run.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Upper bound (inclusive): deltas above this version are not applied.
    #[arg(
        short = 'u',
        long = "max-version",
        visible_alias = "max_version",
        value_name = "X.Y.Z"
    )]
    pub max_version: Option<String>,
    /// Also apply deltas older than the current version that never ran (pum 0.x skipped
    /// them silently).
    #[arg(long)]
    pub out_of_order: bool,
    /// When two files are the same delta for pum (same version, name and kind, which the
    /// upgrades table records as one row), run the first (in -d order) and skip the others,
    /// shown as `duplicate (skipped)`. Without it such files are refused before anything
    /// runs.
    #[arg(long)]
    pub allow_duplicates: bool,
}

/// Options of running deltas.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Variable for SQL deltas, as in pum 0.x: TYPE is int, float or anything else for a
    /// string. Every SQL file then gets `%(NAME)s` replaced by the value as an SQL literal
    /// (and `%%` by `%`). Repeatable [config: variables].
    #[arg(short = 'v', long = "var", num_args = 3, value_names = ["TYPE", "NAME", "VALUE"], action = ArgAction::Append)]
    pub var: Vec<String>,
    /// Refuse to upgrade when anything is off: files that are not deltas, applied deltas
    /// changed since, deltas skipped as out of order (duplicates are refused anyway).
    #[arg(long)]
    pub strict: bool,
    /// Seconds to wait for another upgrade of the same database before giving up
    /// [config: lock_timeout] [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
    /// Python interpreter for Python deltas (needs the modules the deltas import, e.g.
    /// psycopg2) [config: python] [default: python3].
    #[arg(long, env = "PUM_PYTHON", value_name = "PATH")]
    pub python: Option<String>,
}

/// What a schema comparison looks at.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Elements to leave out (space-separated, or repeat -i): tables, columns, constraints,
    /// views, sequences, indexes, triggers, functions, rules, schemas, materialized_views,
    /// types, domains, extensions, policies, privileges, comments, collations, statistics,
    /// event_triggers, foreign_data_wrappers, foreign_servers, user_mappings, publications,
    /// subscriptions [config: ignore_elements].
    #[arg(short = 'i', long = "ignore", value_name = "ELEMENT", num_args = 1.., action = ArgAction::Append)]
    pub ignore: Vec<String>,
    /// Schema to leave out of the comparison (repeatable; in a rehearsal the dump stays
    /// complete, so the restore works) [config: exclude_schemas].
    #[arg(short = 'N', long = "exclude-schema", visible_alias = "exclude_schema", value_name = "SCHEMA", action = ArgAction::Append)]
    pub exclude_schema: Vec<String>,
    /// Leave out columns whose name matches this SQL LIKE pattern (repeatable)
    /// [config: exclude_field_patterns].
    #[arg(short = 'P', long = "exclude-field-pattern", visible_alias = "exclude_field_pattern", value_name = "PATTERN", action = ArgAction::Append)]
    pub exclude_field_pattern: Vec<String>,
    /// Report a different column order (by default it is not a difference).
    #[arg(long)]
    pub column_order: bool,
    /// Compare function bodies and view/index/trigger definitions with whitespace folded.
    #[arg(long)]
    pub ignore_whitespace: bool,
    /// Also compare privileges (GRANTs to roles other than the owner, default privileges).
    #[arg(long)]
    pub privileges: bool,
    /// Also compare the owners of objects.
    #[arg(long)]
    pub owners: bool,
    /// Also compare the versions of installed extensions.
    #[arg(long)]
    pub extension_versions: bool,
    /// Compare everything pum knows: --privileges, --owners, --extension-versions and
    /// --column-order together.
    #[arg(long)]
    pub all: bool,
}

/// Options shared by `info` and `upgrade`.
#[derive(Debug, Args)]
pub struct SourceArgs {
    #[command(flatten)]
    pub conn: Targets,
    #[command(flatten)]
    pub tables: TableArgs,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Output format. With json, stdout is one JSON document, also when an upgrade fails
    /// (the error, with file, line and SQLSTATE, and what was applied); progress and the
    /// readable error go to stderr.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Options of `info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Exit with 1 when deltas are pending (for scripts and monitoring).
    #[arg(long)]
    pub exit_code: bool,
}

/// Options of `upgrade`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Show the info table (every delta with its status) before applying. (In test and
    /// test-and-upgrade, --verbose shows the differences in full instead.)
    #[arg(long = "verbose")]
    pub verbose: bool,
    /// Run the whole upgrade in one transaction: all or nothing.
    ///
    /// Refused when a Python delta is pending, or a SQL delta whose first line is the
    /// no-transaction marker:
    ///
    ///     -- pum:no-transaction
    #[arg(long, verbatim_doc_comment)]
    pub single_transaction: bool,
    /// Show what would run, change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Database to create (repeatable); each also gets a service of the same name.
    #[arg(long = "db", value_name = "NAME", default_value = "pum")]
    pub dbs: Vec<String>,
    /// Directory with the PostgreSQL server binaries (initdb, postgres).
    #[arg(long, env = "PUM_PG_BINDIR", value_name = "DIR")]
    pub pg_bindir: Option<PathBuf>,
    /// Keep the cluster's files (data, logs) after it stops, and print where they are.
    #[arg(long)]
    pub keep: bool,
    /// The command to run, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// The global -c means nothing here; it is hidden and refused (give it to the pum
    /// commands run inside instead).
    #[arg(short = 'c', long = "config_file", value_name = "FILE", hide = true)]
    pub config: Option<PathBuf>,
}

const SIDE_HELP: &str = "\
A pg_service name, a libpq connection string or URI, or a snapshot file written by \
`pum snapshot` (a value ending in .json that names an existing file).";

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The first database (A): service, connection string, URI or snapshot .json file.
    #[arg(long = "pg_service1", visible_alias = "pg-service1", value_name = "A", long_help = SIDE_HELP)]
    pub pg_service1: String,
    /// The second database (B): service, connection string, URI or snapshot .json file.
    /// Repeat -p2 (or give --databases) to compare several databases with A.
    #[arg(long = "pg_service2", visible_alias = "pg-service2", value_name = "B", long_help = SIDE_HELP, action = ArgAction::Append, required_unless_present = "databases")]
    pub pg_service2: Vec<String>,
    #[command(flatten)]
    pub fleet: crate::fleet::FleetArgs,
    #[command(flatten)]
    pub compare: CompareArgs,
    /// How much to print: 0 the summary only, 1 one line per difference (long values cut),
    /// 2 everything, with a unified diff for long definitions.
    #[arg(short = 'v', long = "verbose_level", visible_alias = "verbose-level", value_name = "0|1|2", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub verbose_level: u8,
    /// Write the report to this file instead of stdout.
    #[arg(
        short = 'o',
        long = "output_file",
        visible_alias = "output-file",
        value_name = "FILE"
    )]
    pub output_file: Option<PathBuf>,
    /// Output format: text, json, or html (one self-contained page; use with -o).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Lines for people.
    Text,
    /// One JSON document, for scripts.
    Json,
    /// One self-contained HTML page, both sides next to each other.
    Html,
}

/// Options of `snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub conn: Connection,
    /// File to write (default: stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const TEST_EXIT_CODES: &str = "\
Exit codes:
  0  the rehearsal passed: the upgraded copy matches the reference
  1  the upgraded copy differs from the reference
  2  pum failed before the rehearsal started (bad input, connection, unusable -pc
     reference, scratch database)
  3  dumping production failed
  4  restoring into the test database failed
  5  upgrading the test database failed (a delta failed)
  6  building or reading the reference, or comparing, failed
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP, after cleaning up (scratch
     databases dropped, the temporary dump removed)
pum test never changes production.";

const REHEARSAL_EXIT_CODES: &str = "\
Exit codes:
  0  the rehearsal passed and production was upgraded
  1  the upgraded copy differs from the reference: production untouched
  2  pum failed before the rehearsal started (bad input, connection, unusable -pc
     reference, scratch database)
  3  dumping production failed
  4  restoring into the test database failed
  5  upgrading the test database failed (a delta failed)
  6  building or reading the reference, or comparing, failed
  7  upgrading production failed
  8  production not upgraded: not confirmed (declined, or no terminal and no --yes), or
     its upgrades table changed since the dump
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP, after cleaning up (scratch
     databases dropped, the temporary dump removed)";

/// Dump formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DumpFormatArg {
    /// pg_dump -Fc (what pum 0.x wrote; pg_restore reads it)
    Custom,
    /// pg_dump -Fp: an SQL script
    Plain,
    /// pg_dump -Fd: a directory, one file per table
    Directory,
}

/// Options of `dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    #[command(flatten)]
    pub conn: Connection,
    /// Schema to leave out (repeatable; each becomes its own --exclude-schema)
    /// [config: exclude_schemas].
    #[arg(short = 'N', long = "exclude-schema", visible_alias = "exclude_schema", value_name = "SCHEMA", action = ArgAction::Append)]
    pub exclude_schema: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DumpFormatArg::Custom)]
    pub format: DumpFormatArg,
    /// The dump file (or directory) [config: backup_file].
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Options of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub conn: Connection,
    /// Accept a partial restore: exit with 0 despite restore errors (they are still listed).
    /// pg_restore goes on after an error either way.
    #[arg(short = 'x')]
    pub ignore_errors: bool,
    /// Restore all or nothing: pg_restore runs in one transaction, stops at the first error
    /// and undoes everything (without it, a failed restore leaves the database partly
    /// restored).
    #[arg(long, conflicts_with = "ignore_errors")]
    pub single_transaction: bool,
    /// Schema not to restore (repeatable) [config: exclude_schemas].
    #[arg(short = 'N', long = "exclude-schema", visible_alias = "exclude_schema", value_name = "SCHEMA", action = ArgAction::Append)]
    pub exclude_schema: Vec<String>,
    /// The dump file (custom format) or directory [config: backup_file].
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Options shared by `test` and `test-and-upgrade`.
#[derive(Debug, Args)]
pub struct RehearsalArgs {
    /// Production: pg_service name, connection string or URI.
    #[arg(
        long = "pg_service_prod",
        visible_alias = "pg-service-prod",
        value_name = "PROD"
    )]
    pub pg_service_prod: String,
    /// The test database, restored from production's dump (must be empty). Leave it out
    /// to let pum create a scratch database (on production's server, or with --sandbox in
    /// a throwaway local cluster) and drop it afterwards.
    #[arg(
        long = "pg_service_test",
        visible_alias = "pg-service-test",
        value_name = "TEST"
    )]
    pub pg_service_test: Option<String>,
    /// The reference database the upgraded copy must match: a live database or a
    /// snapshot .json file (`pum snapshot`).
    #[arg(
        long = "pg_service_comp",
        visible_alias = "pg-service-comp",
        value_name = "COMP",
        required_unless_present = "comp_init"
    )]
    pub pg_service_comp: Option<String>,
    /// Build the reference for the occasion: run this shell command (the data model's
    /// creation script) against a scratch database, given to it as the default libpq
    /// connection (PGSERVICE, through a private service file).
    #[arg(long, value_name = "COMMAND", conflicts_with = "pg_service_comp")]
    pub comp_init: Option<String>,
    /// Create the scratch databases in a throwaway local cluster instead of on
    /// production's server (GRANTs are not restored there, since its roles do not exist:
    /// hence not with --privileges or --all).
    #[arg(long, conflicts_with_all = ["pg_service_test", "privileges", "all"])]
    pub sandbox: bool,
    /// Keep the scratch databases (and the throwaway cluster's files) afterwards.
    #[arg(long)]
    pub keep: bool,
    #[command(flatten)]
    pub tables: TableArgs,
    /// Keep production's dump in this file [config: backup_file] (default: a temporary
    /// file, removed afterwards).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Rehearse despite restore errors (they are still listed).
    #[arg(short = 'x')]
    pub ignore_restore_errors: bool,
    #[command(flatten)]
    pub compare: CompareArgs,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Show the differences in full: every attribute, long values uncut, unified diffs for
    /// long definitions (as check -v 2). (In upgrade, --verbose shows the info table
    /// instead.)
    #[arg(long = "verbose")]
    pub verbose: bool,
}

/// Options of `test-and-upgrade`.
#[derive(Debug, Args)]
pub struct TestAndUpgradeArgs {
    #[command(flatten)]
    pub rehearsal: RehearsalArgs,
    /// Upgrade production without asking (needed when there is no terminal to ask on).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

const DEPLOY_EXIT_CODES: &str = "\
Exit codes:
  0  success (--check: every check passed; --status: nothing pending, or --exit-code not given)
  1  --check found a violation; --status --exit-code: files are pending
  2  pum failed: bad input, a violation found before deploying, connection, a failing file,
     lock timeout...
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP: the running statement was
     cancelled and rolled back";

/// Options of `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub conn: DsnConnection,
    /// The creation directory: numbered subdirectories of .sql files.
    #[arg(
        short = 'd',
        long = "dir",
        value_name = "DIR",
        default_value = "create"
    )]
    pub dir: PathBuf,
    /// Record this version in the upgrades table (-t) at the end, in the same
    /// transaction, so the new database continues with `pum upgrade`.
    #[arg(short = 'b', long = "baseline", value_name = "X.Y.Z")]
    pub baseline: Option<String>,
    /// The upgrades table for --baseline, schema-qualified (e.g. qwat_sys.info)
    /// [config: upgrades_table].
    #[arg(short = 't', long = "table", value_name = "SCHEMA.TABLE")]
    pub table: Option<String>,
    /// Variable for SQL files, as in pum 0.x deltas: `%(NAME)s` becomes the value as an
    /// SQL literal. Repeatable [config: variables].
    #[arg(short = 'v', long = "var", num_args = 3, value_names = ["TYPE", "NAME", "VALUE"], action = ArgAction::Append)]
    pub var: Vec<String>,
    /// Refuse to run when anything is off (files that never run: not .sql, directly in
    /// the creation directory).
    #[arg(long)]
    pub strict: bool,
    /// List the files in the order they would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for another pum working on the same database [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
    /// Output format. With json, stdout is one JSON document (also on failure).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Options of `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Database to work on: pg_service name, connection string or URI (also spelled
    /// --postgres-dsn). Repeat -p to deploy to several databases (see --jobs).
    #[arg(short = 'p', long = "pg_service", visible_aliases = ["pg-service", "postgres-dsn"], value_name = "SERVICE", long_help = CONNECTION_HELP, action = ArgAction::Append)]
    pub pg_service: Vec<String>,
    #[command(flatten)]
    pub fleet: crate::fleet::FleetArgs,
    /// The directory of deployment files [default: deployment, or manual-deployment with
    /// --manual].
    #[arg(short = 'd', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The deployments table, [schema.]table (without a schema, the first one on the
    /// search path).
    #[arg(
        short = 't',
        long = "table",
        value_name = "TABLE",
        default_value = "tbl_deployments"
    )]
    pub table: String,
    /// Manual deployments: no gap check, recorded with manual_deployment = true; each
    /// file still runs once.
    #[arg(long)]
    pub manual: bool,
    /// Only check the files (format, gaps, duplicates); no database needed. For CI.
    #[arg(long, conflicts_with_all = ["status", "dry_run"])]
    pub check: bool,
    /// With --check: also check this manual deployment directory, and that no file name is
    /// used in both (the deployments table records a file by its name alone).
    #[arg(
        long,
        value_name = "DIR",
        requires = "check",
        conflicts_with = "manual"
    )]
    pub manual_dir: Option<PathBuf>,
    /// Show every file's status (applied, pending, modified since applied) and the rows;
    /// change nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub status: bool,
    /// With --status: exit with 1 when files are pending.
    #[arg(long, requires = "status")]
    pub exit_code: bool,
    /// Show what would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Variable for SQL files, as in pum 0.x deltas: `%(NAME)s` becomes the value as an
    /// SQL literal. Repeatable [config: variables].
    #[arg(short = 'v', long = "var", num_args = 3, value_names = ["TYPE", "NAME", "VALUE"], action = ArgAction::Append)]
    pub var: Vec<String>,
    /// Refuse to run when anything is off: files that are not deployments, applied files
    /// changed since, pending files numbered before applied ones.
    #[arg(long)]
    pub strict: bool,
    /// Seconds to wait for another deploy of the same database [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
    /// Output format. With json, stdout is one JSON document (also on failure).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The page of this command (pum-COMMAND(1)) instead of pum(1).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,
    /// Write every page (pum.1 and pum-COMMAND.1 for each command) into this directory
    /// instead of printing one.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
