//! pum 1.x modules on the command line, with pum 1.x's spellings: global
//! options before the command (`pum -p SERVICE -d DIR install`), `-p NAME
//! VALUE` after it for parameters.
//!
//! [`is_module_invocation`] decides, before any parsing, whether a command
//! line is meant for a pum 1.x module: its command is one of pum 1.x's
//! module commands and a `-p` or `-d` stands before it (pum 0.x never puts
//! them there), or `-c` names a `.pum.yaml`, or the command exists only in
//! pum 1.x (`install`, `uninstall`, `app`, `role`). Everything else is
//! pum 0.x's command line, unchanged.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::{ArgAction, Args, Parser, Subcommand};
use pum_core::module::ops::{ChangelogStatus, StepKind};
use pum_core::module::pep440::Pep440;
use pum_core::module::{
    self, AppAction, AppOptions, BaselineOptions, InfoOptions, InstallOptions, Location, Module,
    ModuleFailure, ModuleInfo, RoleAction, RoleOptions, RunModuleOptions, RunReport,
    UninstallOptions, UpgradeOptions,
};
use pum_core::Error;

use crate::cli::Format;
use crate::commands::connect;
use crate::render::{self, Progress};
use crate::{EXIT_FAILED, EXIT_OK, EXIT_PENDING};

/// The commands pum 1.x runs on a module.
const MODULE_COMMANDS: &[&str] = &[
    "info",
    "install",
    "upgrade",
    "baseline",
    "uninstall",
    "app",
    "role",
];

/// The commands only pum 1.x has.
const PUM1_ONLY: &[&str] = &["install", "uninstall", "app", "role"];

/// The global options pum 1.x reads before the command.
#[derive(Debug, Default)]
struct Globals {
    connection: bool,
    dir: bool,
    config: Option<String>,
    command: Option<String>,
}

/// Reads the options before the command word, pum 1.x's way; `None` when
/// a token is not one of them (then it is not a pum 1.x command line).
fn globals(args: &[OsString]) -> Option<Globals> {
    let mut g = Globals::default();
    let mut i = 1;
    while i < args.len() {
        let t = args[i].to_str()?;
        let value = |i: usize| args.get(i + 1).and_then(|a| a.to_str()).map(str::to_string);
        match t {
            "-c" | "--config_file" | "--config-file" => {
                g.config = value(i);
                i += 2;
            }
            "-p" | "--pg-connection" => {
                g.connection = true;
                i += 2;
            }
            "-d" | "--dir" => {
                g.dir = true;
                i += 2;
            }
            "--databases" | "--database" | "--uri" | "--jobs" | "-j" | "--canary" => {
                g.connection |= t.starts_with("--database");
                i += 2;
            }
            "--schemas" | "--schema" | "--skip-schemas" => i += 2,
            "--fail-fast" | "--all-schemas" => i += 1,
            _ if t.starts_with("--databases=") || t.starts_with("--database=") => {
                g.connection = true;
                i += 1;
            }
            _ if t.starts_with("--uri=")
                || t.starts_with("--jobs=")
                || t.starts_with("--canary=") =>
            {
                i += 1
            }
            "-q" | "--quiet" | "--verbose" => i += 1,
            _ if t.starts_with("--config_file=") || t.starts_with("--config-file=") => {
                g.config = t.split_once('=').map(|(_, v)| v.to_string());
                i += 1;
            }
            _ if t.starts_with("--pg-connection=") => {
                g.connection = true;
                i += 1;
            }
            _ if t.starts_with("--dir=") => {
                g.dir = true;
                i += 1;
            }
            _ if t.len() > 1 && t.starts_with('-') && t[1..].bytes().all(|b| b == b'v') => i += 1,
            _ if t.starts_with('-') => return None,
            _ => {
                g.command = Some(t.to_string());
                break;
            }
        }
    }
    Some(g)
}

/// True when the command line is meant for a pum 1.x module.
pub fn is_module_invocation(args: &[OsString]) -> bool {
    let Some(g) = globals(args) else {
        return false;
    };
    let Some(command) = g.command.as_deref() else {
        return false;
    };
    if !MODULE_COMMANDS.contains(&command) {
        return false;
    }
    g.connection
        || g.dir
        || PUM1_ONLY.contains(&command)
        || g.config
            .as_deref()
            .is_some_and(|c| c.ends_with(".pum.yaml"))
}

/// A `-d DIR` of a pum 0.x command line that is a pum 1.x module: the
/// message that says how to run it.
pub fn module_given_the_old_way(args: &[OsString]) -> Option<String> {
    let mut after_d = false;
    for a in args.iter().skip(1).filter_map(|a| a.to_str()) {
        if a == "-d" || a == "--dir" {
            after_d = true;
            continue;
        }
        if a.starts_with('-') {
            after_d = false;
            continue;
        }
        if after_d && Path::new(a).join(".pum.yaml").is_file() {
            let command = args
                .get(1)
                .and_then(|c| c.to_str())
                .filter(|c| MODULE_COMMANDS.contains(c))
                .unwrap_or("upgrade");
            return Some(format!(
                "{a} is a pum 1.x module (it holds .pum.yaml): give the connection and the \
                 directory before the command, as pum 1.x does:\n  \
                 pum -p SERVICE -d {a} {command} [-p NAME VALUE]..."
            ));
        }
    }
    None
}

/// pum, for a pum 1.x module (a directory holding `.pum.yaml`).
///
/// The connection (-p), the module directory (-d) and the file (-c) come
/// before the command, as with Python pum 1.x; after install, upgrade, app,
/// uninstall and info, -p NAME VALUE gives a parameter.
#[derive(Debug, Parser)]
#[command(
    name = "pum",
    disable_version_flag = true,
    after_help = MODULE_EXIT_CODES
)]
pub struct ModuleCli {
    /// The module's .pum.yaml (default: DIR/.pum.yaml).
    #[arg(
        short = 'c',
        long = "config_file",
        visible_alias = "config-file",
        value_name = "FILE"
    )]
    config: Option<PathBuf>,
    /// Database: pg_service name, connection string or URI. Repeat -p (or give
    /// --databases) to install, upgrade, baseline or show the module in several
    /// databases (see --jobs).
    #[arg(short = 'p', long = "pg-connection", value_name = "SERVICE", action = ArgAction::Append)]
    pg_connection: Vec<String>,
    #[command(flatten)]
    fleet: crate::fleet::FleetArgs,
    /// The module directory (holding .pum.yaml).
    #[arg(short = 'd', long = "dir", value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// More output (pum 1.x's -v, -vv; accepted).
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    verbose: u8,
    /// Less output (accepted).
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    #[command(subcommand)]
    command: ModuleCommand,
}

const MODULE_EXIT_CODES: &str = "\
Exit codes:
  0  success (info: nothing pending, or --exit-code not given)
  1  info --exit-code: versions are pending
  2  pum failed: bad input, connection, a failing file (everything rolled back), refused
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP: rolled back";

#[derive(Debug, Subcommand)]
enum ModuleCommand {
    /// Show the module, its rows, every changelog with its status and the parameters
    /// (stored and given).
    Info(InfoArgs),
    /// Install the module: create pum_migrations, run the drop hooks, every changelog
    /// with its row, the create hooks, in one transaction.
    Install(InstallArgs),
    /// Upgrade the module: the drop hooks, the pending changelogs with their rows, the
    /// create hooks, in one transaction.
    Upgrade(UpgradeArgs),
    /// Record a version in pum_migrations without running anything.
    Baseline(BaselineArgs),
    /// Uninstall the module by executing uninstall hooks (the `uninstall` list of
    /// .pum.yaml, in one transaction; asks for confirmation unless --force).
    Uninstall(UninstallArgs),
    /// Manage application handlers (create, drop, recreate): run the create and/or drop
    /// hooks alone, then grant the roles' permissions (create, recreate), in one
    /// transaction.
    App(AppArgs),
    /// Manage the module's roles in the database (create, grant, revoke, drop, list...).
    Role(RoleArgs),
}

#[derive(Debug, Args)]
struct UninstallArgs {
    #[command(flatten)]
    params: ParamArgs,
    /// Skip confirmation prompt and proceed with uninstall.
    #[arg(long)]
    force: bool,
    /// Seconds to wait for another pum working on the same module [default: 60].
    #[arg(long, value_name = "SECONDS")]
    lock_timeout: Option<u64>,
    /// Python interpreter for the module's Python hooks; it needs psycopg 3 and the
    /// module's dependencies, and the run then goes all through its connection, in one
    /// transaction [default: python3].
    #[arg(long, env = "PUM_PYTHON", value_name = "PATH")]
    python: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AppActionArg {
    /// Run the create hooks (application.create), then grant.
    Create,
    /// Run the drop hooks (application.drop).
    Drop,
    /// Run the drop hooks, then the create hooks, then grant.
    Recreate,
}

#[derive(Debug, Args)]
struct AppArgs {
    /// Action to perform: create (run create_app handlers), drop (run drop_app handlers),
    /// recreate (run drop then create).
    #[arg(value_enum)]
    action: AppActionArg,
    #[command(flatten)]
    params: ParamArgs,
    /// Skip granting permissions to roles.
    #[arg(long)]
    skip_grant: bool,
    /// Grant the permissions to the DB-specific roles with this suffix instead of the
    /// generic ones.
    #[arg(long, value_name = "SUFFIX")]
    suffix: Option<String>,
    /// Seconds to wait for another pum working on the same module [default: 60].
    #[arg(long, value_name = "SECONDS")]
    lock_timeout: Option<u64>,
    /// Python interpreter for the module's Python hooks; it needs psycopg 3 and the
    /// module's dependencies, and the run then goes all through its connection, in one
    /// transaction [default: python3].
    #[arg(long, env = "PUM_PYTHON", value_name = "PATH")]
    python: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleActionArg {
    /// Create the roles (when missing) and grant their permissions.
    Create,
    /// Create a login role (--name).
    CreateLogin,
    /// Revoke the roles' permissions and memberships, then drop them.
    Drop,
    /// Drop a login role (--name).
    DropLogin,
    /// Grant the roles' permissions, or with --to make a user a member of the roles.
    Grant,
    /// Revoke the roles' permissions and memberships, or with --from end a user's
    /// membership.
    Revoke,
    /// List the roles and their access to the module's schemas.
    List,
    /// List the login roles that are not superusers.
    LoginRoles,
    /// List the login members of one role (--roles NAME).
    Members,
}

#[derive(Debug, Args)]
struct RoleArgs {
    /// Action to perform.
    #[arg(value_enum)]
    action: RoleActionArg,
    /// Create DB-specific roles by appending this suffix to each role name (e.g.
    /// 'lausanne' creates 'role_lausanne').
    #[arg(long, value_name = "SUFFIX")]
    suffix: Option<String>,
    /// Restrict the action to specific configured role names (space-separated). When
    /// omitted, all configured roles are affected.
    #[arg(long, num_args = 1.., value_name = "ROLE")]
    roles: Option<Vec<String>>,
    /// Target database user to grant role membership to (used with 'grant' action).
    #[arg(long, value_name = "USER")]
    to: Option<String>,
    /// Target database user to revoke role membership from (used with 'revoke' action).
    #[arg(long, value_name = "USER")]
    from: Option<String>,
    /// Name of the login role (used with 'create-login' and 'drop-login' actions).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Force role drops by reassigning and dropping owned objects before DROP ROLE (used
    /// with 'drop' action).
    #[arg(long)]
    force: bool,
    /// Include superusers in the role listing (they are hidden by default).
    #[arg(long)]
    include_superusers: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct ParamArgs {
    /// A parameter: NAME VALUE, read by the parameter's type (repeatable).
    #[arg(
        short = 'p',
        long = "parameter",
        num_args = 2,
        value_names = ["NAME", "VALUE"],
        action = ArgAction::Append,
        allow_negative_numbers = true
    )]
    parameter: Vec<String>,
}

impl ParamArgs {
    fn pairs(&self) -> Vec<(String, String)> {
        self.parameter
            .chunks(2)
            .filter_map(|c| match c {
                [n, v] => Some((n.clone(), v.clone())),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug, Args)]
struct InfoArgs {
    #[command(flatten)]
    params: ParamArgs,
    /// Show the plan up to this version.
    #[arg(short = 'u', long = "max-version", value_name = "VERSION")]
    max_version: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with 1 when versions are pending.
    #[arg(long)]
    exit_code: bool,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    params: ParamArgs,
    /// Skip the drop hooks (application.drop).
    #[arg(long)]
    skip_drop_app: bool,
    /// Skip the create hooks (application.create).
    #[arg(long)]
    skip_create_app: bool,
    /// Record the versions as beta testing (the module then takes no upgrade without
    /// --force).
    #[arg(long)]
    beta_testing: bool,
    /// Skip granting permissions to roles (install and upgrade grant the permissions of
    /// the module's roles after the create hooks, in the same transaction).
    #[arg(long)]
    skip_grant: bool,
    /// Seconds to wait for another pum working on the same module [default: 60].
    #[arg(long, value_name = "SECONDS")]
    lock_timeout: Option<u64>,
    /// Python interpreter for the module's Python hooks (.py in application: create/drop).
    /// It needs psycopg 3 and the module's dependencies; a run with Python hooks goes all
    /// through its connection, in one transaction [default: python3].
    #[arg(long, env = "PUM_PYTHON", value_name = "PATH")]
    python: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct InstallArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The last version to install.
    #[arg(long = "max-version", value_name = "VERSION")]
    max_version: Option<String>,
    /// Skip creating roles (as in pum 1.x, the roles are still created unless
    /// --skip-grant is given too, since their permissions are granted).
    #[arg(long)]
    skip_roles: bool,
    /// Load demo data with the given name (demo_data in .pum.yaml) once the install is
    /// committed, in a second transaction: drop hooks, its files, create hooks, grants.
    #[arg(short = 'd', long = "demo-data", value_name = "NAME")]
    demo_data: Option<String>,
    /// Install although another module's pum_migrations is in the database.
    #[arg(long)]
    allow_multiple_modules: bool,
}

#[derive(Debug, Args)]
struct UpgradeArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The last version to apply.
    #[arg(short = 'u', long = "max-version", value_name = "VERSION")]
    max_version: Option<String>,
    /// Upgrade a module installed for beta testing.
    #[arg(long)]
    force: bool,
    /// Do not require a row for every changelog up to the current version (after
    /// restoring a dump and recording a baseline).
    #[arg(long)]
    skip_baseline_check: bool,
}

#[derive(Debug, Args)]
struct BaselineArgs {
    /// The version to record, X.Y or X.Y.Z.
    #[arg(short = 'b', long = "baseline", value_name = "VERSION")]
    baseline: String,
    /// Create pum_migrations when it is missing.
    #[arg(long)]
    create_table: bool,
    /// Create it although another module's pum_migrations is in the database.
    #[arg(long)]
    allow_multiple_modules: bool,
    /// Seconds to wait for another pum working on the same module [default: 60].
    #[arg(long, value_name = "SECONDS")]
    lock_timeout: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Parses a pum 1.x command line; `Err` carries clap's own output (help,
/// usage errors) and whether it is an error.
pub fn parse(args: Vec<OsString>) -> std::result::Result<ModuleCli, (String, bool)> {
    ModuleCli::try_parse_from(args).map_err(|e| (e.render().to_string(), e.use_stderr()))
}

fn location(cli: &ModuleCli) -> Location {
    match &cli.config {
        Some(f) => Location::File(f.clone()),
        None => Location::Dir(cli.dir.clone()),
    }
}

fn connection(cli: &ModuleCli, command: &str) -> Result<String> {
    match cli.pg_connection.first() {
        Some(c) => Ok(c.clone()),
        None => bail!(
            "the database is missing: give -p SERVICE before the command, as pum 1.x does: \
             pum -p SERVICE -d {} {command} (after the command, -p NAME VALUE is a parameter)",
            cli.dir.display()
        ),
    }
}

fn max_version(v: &Option<String>) -> Result<Option<Pep440>> {
    v.as_deref()
        .map(|s| Pep440::parse(s).map_err(|e| anyhow::anyhow!("--max-version: {e}")))
        .transpose()
}

fn lock_timeout(s: Option<u64>) -> std::time::Duration {
    std::time::Duration::from_secs(s.unwrap_or(60))
}

/// Runs a parsed pum 1.x command line.
pub fn dispatch(cli: ModuleCli) -> Result<u8> {
    let name = match &cli.command {
        ModuleCommand::Info(_) => "info",
        ModuleCommand::Install(_) => "install",
        ModuleCommand::Upgrade(_) => "upgrade",
        ModuleCommand::Uninstall(_) => "uninstall",
        ModuleCommand::App(_) => "app",
        ModuleCommand::Role(_) => "role",
        ModuleCommand::Baseline(_) => "baseline",
    };
    let spec = cli.fleet.spec(&cli.pg_connection, None);
    if spec.is_fleet() {
        return fleet(&cli, name, spec);
    }
    let pg = connection(&cli, name)?;
    let module = Module::open(&location(&cli))?;
    if let ModuleCommand::Uninstall(a) = &cli.command {
        if !a.force && !confirm_uninstall()? {
            eprintln!("Uninstall cancelled.");
            return Ok(EXIT_OK);
        }
    }
    let (target, mut conn) = connect(&pg)?;
    match &cli.command {
        ModuleCommand::Info(a) => {
            let info = module::info(
                &mut conn,
                &module,
                &InfoOptions {
                    parameters: a.params.pairs(),
                    max_version: max_version(&a.max_version)?,
                },
            )?;
            if a.format == Format::Json {
                render::json(&info)?;
            } else {
                info_text(&info)?;
            }
            Ok(if a.exit_code && info.pending().next().is_some() {
                EXIT_PENDING
            } else {
                EXIT_OK
            })
        }
        ModuleCommand::Install(a) => {
            let opts = InstallOptions {
                run: run_options(&a.run, max_version(&a.max_version)?, a.skip_roles, &target),
                allow_multiple_modules: a.allow_multiple_modules,
                demo_data: a.demo_data.clone(),
            };
            let json = a.run.format == Format::Json;
            let mut progress = Progress::new(json);
            let outcome = module::install(&mut conn, &module, &opts, &mut progress);
            finish(outcome, json, "install")
        }
        ModuleCommand::Upgrade(a) => {
            let opts = UpgradeOptions {
                run: run_options(&a.run, max_version(&a.max_version)?, false, &target),
                force: a.force,
                skip_baseline_check: a.skip_baseline_check,
            };
            let json = a.run.format == Format::Json;
            let mut progress = Progress::new(json);
            let outcome = module::upgrade(&mut conn, &module, &opts, &mut progress);
            finish(outcome, json, "upgrade")
        }
        ModuleCommand::Baseline(a) => {
            let report = module::baseline(
                &mut conn,
                &module,
                &BaselineOptions {
                    version: a.baseline.clone(),
                    create_table: a.create_table,
                    allow_multiple_modules: a.allow_multiple_modules,
                    lock_timeout: lock_timeout(a.lock_timeout),
                },
                &mut Progress::new(a.format == Format::Json),
            )?;
            if a.format == Format::Json {
                render::json(&report)?;
            } else {
                let mut out = io::stdout().lock();
                if report.created_table {
                    writeln!(out, "Created {}.", report.table)?;
                }
                if report.migrated_table {
                    writeln!(out, "Brought {} to table version 3.", report.table)?;
                }
                writeln!(
                    out,
                    "Recorded version {} in {}.",
                    report.version, report.table
                )?;
            }
            Ok(EXIT_OK)
        }
        ModuleCommand::Uninstall(a) => {
            let json = a.format == Format::Json;
            let mut progress = Progress::new(json);
            let outcome = module::uninstall(
                &mut conn,
                &module,
                &UninstallOptions {
                    parameters: a.params.pairs(),
                    lock_timeout: lock_timeout(a.lock_timeout),
                    python: interpreter(&a.python, &target),
                },
                &mut progress,
            );
            finish_hooks(outcome, json)
        }
        ModuleCommand::App(a) => {
            let json = a.format == Format::Json;
            let mut progress = Progress::new(json);
            let outcome = module::app(
                &mut conn,
                &module,
                &AppOptions {
                    action: match a.action {
                        AppActionArg::Create => AppAction::Create,
                        AppActionArg::Drop => AppAction::Drop,
                        AppActionArg::Recreate => AppAction::Recreate,
                    },
                    parameters: a.params.pairs(),
                    skip_grant: a.skip_grant,
                    suffix: a.suffix.clone(),
                    python: interpreter(&a.python, &target),
                    lock_timeout: lock_timeout(a.lock_timeout),
                },
                &mut progress,
            );
            finish_hooks(outcome, json)
        }
        ModuleCommand::Role(a) => {
            let opts = RoleOptions {
                action: match a.action {
                    RoleActionArg::Create => RoleAction::Create,
                    RoleActionArg::CreateLogin => RoleAction::CreateLogin,
                    RoleActionArg::Drop => RoleAction::Drop,
                    RoleActionArg::DropLogin => RoleAction::DropLogin,
                    RoleActionArg::Grant => RoleAction::Grant,
                    RoleActionArg::Revoke => RoleAction::Revoke,
                    RoleActionArg::List => RoleAction::List,
                    RoleActionArg::LoginRoles => RoleAction::LoginRoles,
                    RoleActionArg::Members => RoleAction::Members,
                },
                suffix: a.suffix.clone(),
                roles: a.roles.clone(),
                to: a.to.clone(),
                from: a.from.clone(),
                name: a.name.clone(),
                force: a.force,
                include_superusers: a.include_superusers,
            };
            if matches!(opts.action, RoleAction::Create) && opts.roles.is_some() {
                eprintln!(
                    "warning: --roles is not read by `role create`: as with pum 1.x, every role \
                     of the module is created"
                );
            }
            let report = module::role(&mut conn, &module, &opts)?;
            role_output(&report, a.format == Format::Json)
        }
    }
}

/// pum 1.x's confirmation of `uninstall`: true to go on.
fn confirm_uninstall() -> Result<bool> {
    eprintln!("⚠️  WARNING: This will execute uninstall hooks which may drop schemas and data!");
    print!("Are you sure you want to proceed? (yes/no): ");
    io::stdout().flush()?;
    let mut line = String::new();
    if io::stdin().read_line(&mut line)? == 0 {
        bail!(
            "uninstall needs a confirmation and standard input is closed: give --force to \
             uninstall without asking"
        );
    }
    let answer = line.trim().to_lowercase();
    Ok(answer == "yes" || answer == "y")
}

fn run_options(
    a: &RunArgs,
    max_version: Option<Pep440>,
    skip_roles: bool,
    target: &pum_core::pg::ConnTarget,
) -> RunModuleOptions {
    RunModuleOptions {
        parameters: a.params.pairs(),
        max_version,
        beta_testing: a.beta_testing,
        skip_drop_app: a.skip_drop_app,
        skip_create_app: a.skip_create_app,
        skip_roles,
        skip_grant: a.skip_grant,
        lock_timeout: lock_timeout(a.lock_timeout),
        python: interpreter(&a.python, target),
    }
}

/// The interpreter of a module's Python hooks (`--python`, `PUM_PYTHON`,
/// else `python3`), connecting to `target`.
fn interpreter(
    python: &Option<String>,
    target: &pum_core::pg::ConnTarget,
) -> Option<module::hooks::HookInterpreter> {
    Some(module::hooks::HookInterpreter {
        interpreter: python.clone().unwrap_or_else(|| "python3".into()).into(),
        target: target.clone(),
    })
}

/// The document `--format json` prints when an install or upgrade fails.
#[derive(serde::Serialize)]
struct FailureJson<'a> {
    failed: bool,
    rolled_back: bool,
    stopped_in: Option<&'a module::ops::Step>,
    interrupted: Option<String>,
    error: render::ErrorJson<'a>,
}

fn finish(
    outcome: std::result::Result<RunReport, ModuleFailure>,
    json: bool,
    what: &str,
) -> Result<u8> {
    match outcome {
        Ok(report) => {
            if json {
                render::json(&report)?;
            } else {
                run_done(&report, what)?;
            }
            Ok(EXIT_OK)
        }
        Err(failure) => {
            let mut err = io::stderr().lock();
            render::core_error(&mut err, &failure.error);
            if let Some(kept) = &failure.kept {
                let _ = writeln!(err, "{kept}.");
                if json {
                    let _ = render::json(&FailureJson {
                        failed: true,
                        rolled_back: false,
                        stopped_in: failure.stopped_in.as_ref().map(|(s, _)| s),
                        interrupted: render::interrupted(&failure.error),
                        error: render::error_json(&failure.error),
                    });
                }
                return Ok(EXIT_FAILED);
            }
            let _ = match (&failure.stopped_in, failure.rolled_back) {
                (Some((step, pum_core::apply::runner::Leftover::MayBePartial)), _) => writeln!(
                    err,
                    "{} ended the run's transaction itself: what ran before it may be committed \
                     (check the database and its pum_migrations rows); the rest was rolled \
                     back.",
                    step.path.display()
                ),
                (Some((step, _)), n) => writeln!(
                    err,
                    "{} {}: everything was rolled back ({} step(s) before it too): the database \
                     is as it was before `pum {what}`.",
                    step.path.display(),
                    if matches!(failure.error, Error::Interrupted { .. }) {
                        "was running when pum was interrupted"
                    } else {
                        "failed"
                    },
                    n
                ),
                (None, _) => writeln!(err, "Nothing was changed."),
            };
            if json {
                let _ = render::json(&FailureJson {
                    failed: true,
                    rolled_back: !matches!(
                        failure.stopped_in,
                        Some((_, pum_core::apply::runner::Leftover::MayBePartial))
                    ),
                    stopped_in: failure.stopped_in.as_ref().map(|(s, _)| s),
                    interrupted: render::interrupted(&failure.error),
                    error: render::error_json(&failure.error),
                });
            }
            Ok(EXIT_FAILED)
        }
    }
}

fn run_done(report: &RunReport, what: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let ms: u64 = report.ran.iter().map(|s| s.millis).sum();
    let files = report
        .ran
        .iter()
        .filter(|s| matches!(s.step.kind, StepKind::Changelog { .. }))
        .count();
    let hooks = report
        .ran
        .iter()
        .filter(|s| {
            matches!(
                s.step.kind,
                StepKind::DropHook { .. } | StepKind::CreateHook { .. }
            )
        })
        .count();
    if report.migrated_table {
        writeln!(out, "Brought {} to table version 3.", report.table)?;
    }
    let versions: Vec<&str> = report.recorded.iter().map(|r| r.version.as_str()).collect();
    let to = report.to.as_deref().unwrap_or("none");
    if versions.is_empty() {
        writeln!(
            out,
            "No changelog pending: {} stays at {to}; {hooks} hook(s) ran in {ms} ms, committed.",
            report.module
        )?;
    } else {
        let from = match &report.from {
            Some(f) => format!("from {f} "),
            None => String::new(),
        };
        writeln!(
            out,
            "{} {} {from}to {to}: {} version(s) ({}), {files} changelog file(s) and {hooks} \
             hook(s) in {ms} ms, committed together; recorded in {}{}.",
            if what == "install" {
                "Installed"
            } else {
                "Upgraded"
            },
            report.module,
            versions.len(),
            versions.join(", "),
            report.table,
            if report.beta_testing {
                " (beta testing)"
            } else {
                ""
            }
        )?;
    }
    roles_done(&mut out, &report.roles_created, &report.granted)?;
    if let Some(d) = &report.demo_data {
        writeln!(out, "Demo data '{d}' installed successfully.")?;
    }
    Ok(())
}

fn show(v: &serde_json::Value) -> String {
    module::params::display(v)
}

fn info_text(info: &ModuleInfo) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "Module: {} ({})", info.module, info.yaml.display())?;
    match (&info.installed, &info.current) {
        (false, _) => writeln!(out, "Migrations table: {} (not installed)", info.table)?,
        (true, current) => writeln!(
            out,
            "Migrations table: {} (table version {}), current version: {}{}",
            info.table,
            info.table_version.unwrap_or(0),
            current.as_deref().unwrap_or("none"),
            if info.beta_testing {
                " (beta testing)"
            } else {
                ""
            }
        )?,
    }
    if !info.rows.is_empty() {
        writeln!(out)?;
        writeln!(out, "Rows of {}", info.table)?;
        let rows: Vec<Vec<String>> = info
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.version.clone(),
                    r.module.clone().unwrap_or_default(),
                    r.date_installed.replace('T', " "),
                    r.changelog_files.len().to_string(),
                    if r.beta_testing { "yes" } else { "no" }.into(),
                    r.pum_version.clone().unwrap_or_default(),
                ]
            })
            .collect();
        render::table(
            &mut out,
            &["Version", "Module", "Installed on", "Files", "Beta", "pum"],
            &rows,
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Changelogs")?;
    let rows: Vec<Vec<String>> = info
        .changelogs
        .iter()
        .map(|c| {
            let status = match c.status {
                ChangelogStatus::Applied => "applied",
                ChangelogStatus::Pending => "pending",
                ChangelogStatus::Missing => "not applied (below current)",
                ChangelogStatus::AboveMaxVersion => "above max version",
            };
            let files = if c.changelog.app_only {
                "(application-only release)".to_string()
            } else {
                c.changelog
                    .files
                    .iter()
                    .map(|f| f.rsplit('/').next().unwrap_or(f).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                c.changelog.recorded_version(),
                status.into(),
                c.changelog.dir.clone(),
                files,
            ]
        })
        .collect();
    render::table(
        &mut out,
        &["Version", "Status", "Directory", "Files"],
        &rows,
    )?;
    if !info.parameters.is_empty() {
        writeln!(out)?;
        writeln!(out, "Parameters")?;
        let rows: Vec<Vec<String>> = info
            .parameters
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.kind.name().into(),
                    show(&p.default),
                    p.stored.as_ref().map(show).unwrap_or_else(|| "-".into()),
                    format!("{}{}", show(&p.value), if p.given { " (-p)" } else { "" }),
                    if p.app_only { "yes" } else { "no" }.into(),
                    if p.conflict {
                        "differs: upgrade refuses".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        render::table(
            &mut out,
            &[
                "Name", "Type", "Default", "Stored", "This run", "app_only", "",
            ],
            &rows,
        )?;
    }
    let hook_line = |h: &module::ops::HookInfo| -> String {
        let what = match &h.source {
            module::config::HookSource::File(f) => f.clone(),
            module::config::HookSource::Code(c) => {
                let one: String = c.split_whitespace().collect::<Vec<_>>().join(" ");
                let cut: String = one.chars().take(60).collect();
                format!(
                    "SQL code: {cut}{}",
                    if one.chars().count() > 60 { "..." } else { "" }
                )
            }
        };
        format!(
            "  {}: {what}{}",
            h.origin,
            match (h.supported, h.python) {
                (false, _) => " (not supported)",
                (true, true) => " (Python)",
                (true, false) => "",
            }
        )
    };
    if !info.drop_hooks.is_empty() || !info.create_hooks.is_empty() {
        writeln!(out)?;
        writeln!(out, "Application hooks (run by every install and upgrade)")?;
        for h in info.drop_hooks.iter().chain(&info.create_hooks) {
            writeln!(out, "{}", hook_line(h))?;
        }
    }
    for (label, list) in [
        ("Roles", &info.roles),
        ("Demo data", &info.demo_data),
        ("Python dependencies", &info.dependencies),
    ] {
        if !list.is_empty() {
            writeln!(out, "{label}: {}", list.join(", "))?;
        }
    }
    writeln!(out)?;
    for f in &info.findings {
        writeln!(out, "{}: {}", f.severity, f.message)?;
    }
    let pending: Vec<String> = info
        .pending()
        .map(|c| c.changelog.recorded_version())
        .collect();
    if pending.is_empty() {
        writeln!(
            out,
            "No changelog pending{}.",
            match &info.current {
                Some(c) => format!(": the module is at {c}"),
                None => String::new(),
            }
        )?;
    } else {
        let files: usize = info.pending().map(|c| c.changelog.files.len()).sum();
        writeln!(
            out,
            "{} version(s) pending ({}, {files} file(s)): `pum {}` would run them.",
            pending.len(),
            pending.join(", "),
            if info.installed { "upgrade" } else { "install" }
        )?;
    }
    out.flush()
}

/// The lines on roles after an install or upgrade.
fn roles_done(out: &mut dyn Write, created: &[String], granted: &[String]) -> io::Result<()> {
    if !created.is_empty() {
        writeln!(out, "Roles created: {}.", created.join(", "))?;
    }
    if !granted.is_empty() {
        writeln!(out, "Permissions granted to roles: {}.", granted.join(", "))?;
    }
    Ok(())
}

/// The end of `app` and `uninstall`.
fn finish_hooks(
    outcome: std::result::Result<module::HooksReport, ModuleFailure>,
    json: bool,
) -> Result<u8> {
    match outcome {
        Ok(report) => {
            if json {
                render::json(&report)?;
            } else {
                let mut out = io::stdout().lock();
                let ms: u64 = report.ran.iter().map(|s| s.millis).sum();
                writeln!(
                    out,
                    "{}: {} hook(s) of {} ran in {ms} ms, committed.",
                    report.command,
                    report.ran.len(),
                    report.module
                )?;
                roles_done(&mut out, &[], &report.granted)?;
                if report.command == "uninstall" {
                    writeln!(out, "Uninstall completed successfully.")?;
                }
            }
            Ok(EXIT_OK)
        }
        Err(failure) => {
            let mut err = io::stderr().lock();
            render::core_error(&mut err, &failure.error);
            let _ = match &failure.stopped_in {
                Some((step, _)) => writeln!(
                    err,
                    "{} {}: everything was rolled back: the database is as it was before.",
                    step.path.display(),
                    if matches!(failure.error, Error::Interrupted { .. }) {
                        "was running when pum was interrupted"
                    } else {
                        "failed"
                    }
                ),
                None => writeln!(err, "Nothing was changed."),
            };
            if json {
                let _ = render::json(&FailureJson {
                    failed: true,
                    rolled_back: true,
                    stopped_in: failure.stopped_in.as_ref().map(|(s, _)| s),
                    interrupted: render::interrupted(&failure.error),
                    error: render::error_json(&failure.error),
                });
            }
            Ok(EXIT_FAILED)
        }
    }
}

/// The output of `role`, in pum 1.x's words.
fn role_output(report: &module::RoleReport, json: bool) -> Result<u8> {
    use module::RoleReport;
    if json {
        render::json(report)?;
        return Ok(EXIT_OK);
    }
    let mut out = io::stdout().lock();
    match report {
        RoleReport::Done {
            action,
            roles,
            created,
            target,
            warnings,
        } => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            let list = roles.join(", ");
            let to = target.as_deref().unwrap_or("");
            match action {
                RoleAction::Create => {
                    if created.is_empty() {
                        writeln!(out, "Roles exist already: {list}; permissions granted.")?
                    } else {
                        writeln!(
                            out,
                            "Roles created: {}; permissions granted to roles: {list}.",
                            created.join(", ")
                        )?
                    }
                }
                RoleAction::Grant if target.is_some() => {
                    writeln!(out, "Roles granted to {to}: {list}.")?
                }
                RoleAction::Grant => writeln!(out, "Permissions granted to roles: {list}.")?,
                RoleAction::Revoke if target.is_some() => {
                    writeln!(out, "Roles revoked from {to}: {list}.")?
                }
                RoleAction::Revoke => writeln!(out, "Permissions revoked from roles: {list}.")?,
                RoleAction::Drop => writeln!(out, "Roles dropped: {list}.")?,
                RoleAction::CreateLogin => writeln!(out, "Login role '{to}' created.")?,
                RoleAction::DropLogin => writeln!(out, "Login role '{to}' dropped.")?,
                _ => {}
            }
        }
        RoleReport::Names { role, names, .. } => {
            if names.is_empty() {
                if let Some(r) = role {
                    eprintln!("No login members found for role '{r}'.");
                }
            }
            for n in names {
                writeln!(out, "  {n}")?;
            }
        }
        RoleReport::Inventory(inv) => inventory_text(&mut out, inv)?,
    }
    Ok(EXIT_OK)
}

/// pum 1.x's `role list` (marks without colours).
fn inventory_text(out: &mut dyn Write, inv: &module::roles::Inventory) -> io::Result<()> {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let access = |s: &module::roles::SchemaAccess| {
        let mut a = Vec::new();
        if s.read {
            a.push("read");
        }
        if s.write {
            a.push("write");
        }
        if a.is_empty() {
            "none".to_string()
        } else {
            a.join(", ")
        }
    };
    for r in &inv.configured {
        let ok = r.schemas.iter().all(|s| s.satisfied());
        let mut badges = Vec::new();
        if !r.suffix.is_empty() {
            badges.push("[suffixed]");
        }
        if r.login {
            badges.push("[login]");
        }
        if r.superuser {
            badges.push("[superuser]");
        }
        let b = if badges.is_empty() {
            String::new()
        } else {
            format!("  {}", badges.join(" "))
        };
        writeln!(out, "  {} {}{b}", mark(ok), r.name)?;
        if !r.member_of.is_empty() {
            writeln!(out, "      member of: {}", r.member_of.join(", "))?;
        }
        for s in &r.schemas {
            if s.satisfied() {
                writeln!(out, "      {} {}  ({})", mark(true), s.schema, access(s))?;
            } else {
                writeln!(
                    out,
                    "      {} {}  (expected: {}, actual: {})",
                    mark(false),
                    s.schema,
                    s.expected.as_deref().unwrap_or("none"),
                    access(s)
                )?;
            }
        }
    }
    if !inv.missing.is_empty() {
        writeln!(out)?;
        for m in &inv.missing {
            writeln!(out, "  {} {m}  (missing)", mark(false))?;
        }
    }
    let others = |out: &mut dyn Write, list: &[module::roles::RoleStatus], arrow: &str| {
        for r in list {
            let schemas: Vec<&str> = r.schemas.iter().map(|s| s.schema.as_str()).collect();
            let mut badges = String::new();
            if r.login {
                badges.push_str(" [login]");
            }
            if r.superuser {
                badges.push_str(" [superuser]");
            }
            writeln!(
                out,
                "    {arrow} {}{badges}  ({})",
                r.name,
                schemas.join(", ")
            )?;
            if arrow == "→" {
                writeln!(out, "      member of: {}", r.member_of.join(", "))?;
            }
        }
        Ok::<(), io::Error>(())
    };
    if !inv.grantees.is_empty() {
        writeln!(out)?;
        writeln!(out, "  Grantee roles (members of configured roles):")?;
        others(out, &inv.grantees, "→")?;
    }
    if !inv.others.is_empty() {
        writeln!(out)?;
        writeln!(out, "  Other roles with schema access:")?;
        others(out, &inv.others, "?")?;
    }
    if !inv.other_logins.is_empty() {
        writeln!(out)?;
        writeln!(out, "  Other login roles (no schema access):")?;
        for n in &inv.other_logins {
            writeln!(out, "    - {n}")?;
        }
    }
    Ok(())
}

/// What a module command did on one target of a fleet run.
enum FleetDone {
    Ran(RunReport),
    Baseline(module::ops::BaselineReport),
    Info(ModuleInfo),
}

/// install, upgrade, baseline or info of the module on every target
/// (repeated `-p`, `--databases`): the single-database command per target,
/// then the summary table (or one JSON document).
#[allow(clippy::result_large_err)]
fn fleet(cli: &ModuleCli, name: &'static str, spec: pum_core::fleet::TargetSpec) -> Result<u8> {
    use crate::fleet::{self as view, millis, FleetJson};
    use pum_core::fleet::{Outcome, Schemas};
    if spec.schemas != Schemas::None {
        bail!(
            "a pum 1.x module keeps its table in the schema its .pum.yaml names \
             (migration_table_schema): --schemas and --all-schemas do not apply; give databases \
             (-p, --databases)"
        );
    }
    if !matches!(name, "install" | "upgrade" | "baseline" | "info") {
        bail!(
            "pum {name} works on one database at a time; install, upgrade, baseline and info \
             take several (-p A -p B, --databases)"
        );
    }
    let module = Module::open(&location(cli))?;
    let fopts = cli.fleet.options();
    let targets = pum_core::fleet::expand(&spec, fopts.jobs)?;
    let (json, info_exit) = match &cli.command {
        ModuleCommand::Install(a) => (a.run.format == Format::Json, false),
        ModuleCommand::Upgrade(a) => (a.run.format == Format::Json, false),
        ModuleCommand::Info(a) => (a.format == Format::Json, a.exit_code),
        _ => (false, false),
    };
    let work = |t: &pum_core::fleet::Target,
                obs: &mut dyn pum_core::event::Observer|
     -> std::result::Result<FleetDone, ModuleFailure> {
        let mut conn = t.connect("pum")?;
        match &cli.command {
            ModuleCommand::Install(a) => {
                let max = max_version(&a.max_version).map_err(|e| Error::invalid(e.to_string()))?;
                let opts = InstallOptions {
                    run: run_options(&a.run, max, a.skip_roles, &t.conn),
                    allow_multiple_modules: a.allow_multiple_modules,
                    demo_data: a.demo_data.clone(),
                };
                module::install(&mut conn, &module, &opts, obs).map(FleetDone::Ran)
            }
            ModuleCommand::Upgrade(a) => {
                let max = max_version(&a.max_version).map_err(|e| Error::invalid(e.to_string()))?;
                let opts = UpgradeOptions {
                    run: run_options(&a.run, max, false, &t.conn),
                    force: a.force,
                    skip_baseline_check: a.skip_baseline_check,
                };
                module::upgrade(&mut conn, &module, &opts, obs).map(FleetDone::Ran)
            }
            ModuleCommand::Baseline(a) => {
                let opts = BaselineOptions {
                    version: a.baseline.clone(),
                    create_table: a.create_table,
                    allow_multiple_modules: a.allow_multiple_modules,
                    lock_timeout: lock_timeout(a.lock_timeout),
                };
                Ok(FleetDone::Baseline(module::baseline(
                    &mut conn, &module, &opts, obs,
                )?))
            }
            ModuleCommand::Info(a) => {
                let max = max_version(&a.max_version).map_err(|e| Error::invalid(e.to_string()))?;
                let opts = InfoOptions {
                    parameters: a.params.pairs(),
                    max_version: max,
                };
                Ok(FleetDone::Info(module::info(&mut conn, &module, &opts)?))
            }
            _ => unreachable!("refused above"),
        }
    };
    let outcomes = view::run(&targets, &fopts, name, |r| r.is_ok(), work);
    let ok = |r: &std::result::Result<FleetDone, ModuleFailure>| r.is_ok();
    let count = |s: &str| outcomes.iter().filter(|o| view::status(o, ok) == s).count();
    let (n_ok, n_failed, n_not) = (count("ok"), count("failed"), count("not-started"));
    let pending = outcomes.iter().any(|o| {
        matches!(o, Outcome::Ran { result: Ok(FleetDone::Info(i)), .. } if i.pending().next().is_some())
    });
    if json {
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Detail<'a> {
            Ran(&'a RunReport),
            Baseline(&'a module::ops::BaselineReport),
            Info(&'a ModuleInfo),
        }
        let docs = crate::fleet_run::json_targets(
            &targets,
            &outcomes,
            |d: &FleetDone| match d {
                FleetDone::Ran(r) => Detail::Ran(r),
                FleetDone::Baseline(b) => Detail::Baseline(b),
                FleetDone::Info(i) => Detail::Info(i),
            },
            |f: &ModuleFailure| (None, &f.error),
        );
        let _ = render::json(&FleetJson::new(name, docs));
    } else {
        let header: &[&str] = if name == "info" {
            &["Target", "Installed", "Pending versions", "Error"]
        } else {
            &["Target", "From", "To", "Versions recorded", "Time", "Error"]
        };
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| {
                let mut row = vec![t.label.clone()];
                match o {
                    Outcome::Ran {
                        result: Ok(FleetDone::Info(i)),
                        ..
                    } => {
                        row.push(match (&i.current, i.installed) {
                            (Some(v), _) => v.clone(),
                            (None, true) => "installed, no version".into(),
                            (None, false) => "not installed".into(),
                        });
                        row.push(i.pending().count().to_string());
                    }
                    Outcome::Ran {
                        result: Ok(FleetDone::Baseline(b)),
                        millis: ms,
                    } => {
                        row.push(b.previous.clone().unwrap_or_else(|| "none".into()));
                        row.push(b.version.clone());
                        row.push("1".into());
                        row.push(millis(*ms));
                    }
                    Outcome::Ran {
                        result: Ok(FleetDone::Ran(r)),
                        millis: ms,
                    } => {
                        row.push(r.from.clone().unwrap_or_else(|| "none".into()));
                        row.push(r.to.clone().unwrap_or_default());
                        row.push(r.recorded.len().to_string());
                        row.push(millis(*ms));
                    }
                    Outcome::Ran {
                        result: Err(f),
                        millis: ms,
                    } => {
                        row.resize(header.len() - 2, String::new());
                        if name != "info" {
                            row.push(millis(*ms));
                        } else {
                            row.push(String::new());
                        }
                        row.truncate(header.len() - 1);
                        row.push(view::error_cell(&f.error));
                        return row;
                    }
                    Outcome::NotStarted(why) => {
                        row.resize(header.len() - 1, String::new());
                        row.push(why.reason().to_string());
                        return row;
                    }
                }
                row.resize(header.len(), String::new());
                row
            })
            .collect();
        for (t, o) in targets.iter().zip(&outcomes) {
            if let Outcome::Ran { result: Err(f), .. } = o {
                view::failure_header(&t.label);
                render::core_error(&mut io::stderr().lock(), &f.error);
            }
        }
        let mut out = io::BufWriter::new(io::stdout().lock());
        render::table(&mut out, header, &rows)?;
        let word = match name {
            "install" => "installed",
            "upgrade" => "upgraded",
            "baseline" => "recorded",
            _ => "read",
        };
        view::summary_line(&mut out, targets.len(), n_ok, word, n_failed, n_not)?;
        out.flush()?;
    }
    Ok(if n_failed + n_not > 0 {
        EXIT_FAILED
    } else if info_exit && pending {
        EXIT_PENDING
    } else {
        EXIT_OK
    })
}
