//! The commands of a pum 1.x module besides install and upgrade, with
//! pum 1.9.2's semantics, each in one transaction:
//!
//! - [`app`]: `app create|drop|recreate`, the application hooks alone
//!   (`create` and `recreate` then grant the roles' permissions, as pum
//!   1.9.2 does since the hooks usually drop and recreate the schemas they
//!   own, and with them their grants);
//! - [`uninstall`]: the `uninstall` hooks of `.pum.yaml` (pum 1.9.2 runs
//!   them and nothing else: `pum_migrations` goes when a hook drops it);
//! - [`role`]: the module's roles ([`super::roles`]);
//! - demo data ([`demo_steps`], [`load_demo`]), loaded by `install
//!   --demo-data NAME` once the install is committed.
//!
//! Python hooks are refused before anything runs, with a message saying
//! how to go on.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::changelog::py_path;
use super::config::{Hook, HookSource, Role};
use super::hooks::{self, HookInterpreter, PythonRun};
use super::ops::{
    self, Literals, Module, ModuleFailure, RunModuleOptions, Step, StepKind, StepRun,
};
use super::params::Parameters;
use super::roles::{self, Inventory, Warnings};
use super::sql;
use super::table::RowWriter;
use crate::apply::runner::{Finally, NoHistory};
use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::history::{self, DEFAULT_LOCK_TIMEOUT};
use crate::pg::Conn;
use crate::script::Piece;

/// The steps of `hooks` (SQL code, SQL and Python files), every problem
/// added to `problems`.
fn hook_steps(
    module: &Module,
    hooks: &[Hook],
    kind: fn(String) -> StepKind,
    lit: &Literals<'_>,
    problems: &mut Vec<String>,
) -> Vec<Step> {
    let mut out = Vec::new();
    for h in hooks {
        let (path, pieces) = match &h.source {
            HookSource::Code(code) => {
                let path = PathBuf::from(format!(
                    "{}: {}.code",
                    py_path(&[&module.yaml.to_string_lossy()]),
                    h.origin
                ));
                match sql::format(code, &|n| lit.lookup(n)) {
                    Ok(sql) => (path, vec![Piece::Statement { sql, line: 1 }]),
                    Err((l, m)) => {
                        problems.push(format!("{}:{}: {m}", path.display(), l + 1));
                        continue;
                    }
                }
            }
            HookSource::File(f) => {
                let path = module.file(f);
                if !Path::new(&path).is_file() {
                    problems.push(format!(
                        "{path}: the hook file of {} does not exist (file: {f} in {})",
                        h.origin,
                        module.yaml.display()
                    ));
                    continue;
                } else if f.ends_with(".py") {
                    out.push(Step {
                        kind: kind(h.origin.clone()),
                        path: PathBuf::from(&path),
                        statements: 0,
                        row: None,
                        python: true,
                        pieces: Vec::new(),
                    });
                    continue;
                } else if !f.ends_with(".sql") {
                    problems.push(format!(
                        "{path}: a hook file ({}) must be .sql or .py (pum 1.x refuses other \
                         files too)",
                        h.origin
                    ));
                    continue;
                }
                match ops::file_pieces(&path, lit) {
                    Ok(p) => (PathBuf::from(&path), p),
                    Err(m) => {
                        problems.push(m);
                        continue;
                    }
                }
            }
        };
        out.push(Step {
            kind: kind(h.origin.clone()),
            path,
            statements: pieces.len(),
            row: None,
            python: false,
            pieces,
        });
    }
    out
}

fn drop_kind(origin: String) -> StepKind {
    StepKind::DropHook { origin }
}

fn create_kind(origin: String) -> StepKind {
    StepKind::CreateHook { origin }
}

fn uninstall_kind(origin: String) -> StepKind {
    StepKind::UninstallHook { origin }
}

fn hooks_literals<'a>(module: &'a Module, params: &'a Parameters) -> Literals<'a> {
    Literals {
        params,
        config: &module.config,
        changelog: false,
    }
}

/// A demo data set ready to load: its drop hooks, files and create hooks.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    /// The set's name.
    pub name: String,
    steps: Vec<Step>,
    /// The parameters (for Python hooks).
    parameters: Parameters,
    /// The hooks run around the data.
    hooks: Vec<Hook>,
}

/// Checks and reads the demo data set `name` (pum 1.9.2's
/// `install_demo_data`: the drop hooks, the set's files with every
/// parameter, the create hooks); nothing runs.
pub fn demo_steps(
    module: &Module,
    params: &Parameters,
    name: &str,
    opts: &RunModuleOptions,
) -> Result<DemoPlan> {
    let config = &module.config;
    let Some(set) = config.demo_data.iter().find(|d| d.name == name) else {
        let names: Vec<&str> = config.demo_data.iter().map(|d| d.name.as_str()).collect();
        return Err(Error::invalid(format!(
            "--demo-data {name}: Demo data '{name}' not found in the configuration ({}): {}",
            module.yaml.display(),
            if names.is_empty() {
                "the module defines no `demo_data:`".to_string()
            } else {
                format!("its demo data sets are {}", names.join(", "))
            }
        )));
    };
    let lit = hooks_literals(module, params);
    let mut problems = Vec::new();
    let mut steps = Vec::new();
    if !opts.skip_drop_app {
        steps.extend(hook_steps(
            module,
            &config.drop_hooks,
            drop_kind,
            &lit,
            &mut problems,
        ));
    }
    for f in &set.files {
        let path = module.file(f);
        if !Path::new(&path).is_file() {
            problems.push(format!(
                "{path}: a file of the demo data {name} does not exist (in {})",
                module.yaml.display()
            ));
            continue;
        }
        match ops::file_pieces(&path, &lit) {
            Ok(pieces) => steps.push(Step {
                kind: StepKind::DemoData {
                    name: name.to_string(),
                },
                path: PathBuf::from(&path),
                statements: pieces.len(),
                row: None,
                python: false,
                pieces,
            }),
            Err(m) => problems.push(m),
        }
    }
    if !opts.skip_create_app {
        steps.extend(hook_steps(
            module,
            &config.create_hooks,
            create_kind,
            &lit,
            &mut problems,
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    Ok(DemoPlan {
        name: name.to_string(),
        steps,
        parameters: params.clone(),
        hooks: {
            let mut h = Vec::new();
            if !opts.skip_drop_app {
                h.extend(config.drop_hooks.iter().cloned());
            }
            if !opts.skip_create_app {
                h.extend(config.create_hooks.iter().cloned());
            }
            h
        },
    })
}

/// Grants every role's permissions after the last step, in the same
/// transaction.
fn grant_after<'a>(
    roles: &'a [Role],
    suffix: Option<&'a str>,
    granted: &'a mut Vec<String>,
    warnings: &'a mut Warnings,
) -> Finally<'a> {
    Box::new(move |c: &mut Conn| {
        let all: Vec<&Role> = roles.iter().collect();
        *granted = roles::grant_permissions(c, &all, suffix, warnings)?;
        Ok(())
    })
}

/// Loads a demo data set in one transaction (with the lock held by the
/// caller), then grants the roles' permissions when `grant`.
pub fn load_demo(
    conn: &mut Conn,
    module: &Module,
    plan: &DemoPlan,
    grant: bool,
    python: Option<&HookInterpreter>,
    observer: &mut dyn Observer,
) -> Result<(Vec<StepRun>, Warnings), ModuleFailure> {
    let roles = &module.config.roles;
    let grant = grant && !roles.is_empty();
    if plan.steps.iter().any(|s| s.python) {
        // Python hooks around the data: all of it on the worker's
        // connection, the grants as statements there.
        let mut worker = hooks::start_worker(module, python)?;
        let list: Vec<&Hook> = plan.hooks.iter().collect();
        hooks::load_hooks(&mut worker, module, &list, &plan.parameters)?;
        let mut run = plan.steps.clone();
        if grant {
            let all: Vec<&Role> = roles.iter().collect();
            run.push(ops::roles_step(
                module,
                "grant",
                roles::grant_permissions_sql(&all, None),
            ));
        }
        let writer = RowWriter {
            table: module.table(),
            module: module.config.module.clone(),
            parameters: plan.parameters.to_json(),
            beta_testing: false,
            rows: Vec::new(),
        };
        let session = PythonRun {
            worker: &mut worker,
            module,
            parameters: &plan.parameters,
        };
        let ran = hooks::run_in_session(session, conn, &run, &writer, |_| Ok(()), observer)?;
        return Ok((ran, Vec::new()));
    }
    let mut granted = Vec::new();
    let mut warnings = Vec::new();
    let finally = grant.then(|| grant_after(roles, None, &mut granted, &mut warnings));
    let ran = ops::run_steps_with(conn, &plan.steps, &NoHistory, |_| Ok(()), finally, observer)?;
    for w in &warnings {
        observer.event(&Event::Warning { message: w });
    }
    Ok((ran, warnings))
}

/// What `app` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppAction {
    /// The create hooks, then the grants.
    Create,
    /// The drop hooks.
    Drop,
    /// The drop hooks, the create hooks, the grants.
    Recreate,
}

impl AppAction {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            AppAction::Create => "create",
            AppAction::Drop => "drop",
            AppAction::Recreate => "recreate",
        }
    }
}

/// Options of [`app`].
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// What to run.
    pub action: AppAction,
    /// `-p NAME VALUE`.
    pub parameters: Vec<(String, String)>,
    /// `--skip-grant`: do not grant the roles' permissions.
    pub skip_grant: bool,
    /// `--suffix`: grant to the DB-specific roles `name_SUFFIX` instead.
    pub suffix: Option<String>,
    /// How long to wait for another pum on the same module.
    pub lock_timeout: Duration,
    /// The interpreter of Python hooks (`None`: `python3`).
    pub python: Option<HookInterpreter>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            action: AppAction::Recreate,
            parameters: Vec::new(),
            skip_grant: false,
            suffix: None,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            python: None,
        }
    }
}

/// What [`app`] or [`uninstall`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HooksReport {
    /// `pum.module`.
    pub module: String,
    /// `app create`, `app drop`, `app recreate` or `uninstall`.
    pub command: String,
    /// Every hook, in order.
    pub ran: Vec<StepRun>,
    /// The roles whose permissions were granted.
    pub granted: Vec<String>,
    /// What did not stop the run.
    pub warnings: Vec<String>,
}

/// Runs the module's application hooks alone (pum 1.9.2's `app`): the drop
/// hooks (`drop`, `recreate`), the create hooks (`create`, `recreate`),
/// then the grants (`create`, `recreate`, unless `skip_grant`), in one
/// transaction. `create` and `recreate` refuse standard parameters that
/// differ from the ones recorded in `pum_migrations`, as pum 1.9.2 does.
pub fn app(
    conn: &mut Conn,
    module: &Module,
    opts: &AppOptions,
    observer: &mut dyn Observer,
) -> Result<HooksReport, ModuleFailure> {
    crate::interrupt::check()?;
    ops::check_minimum_version(module)?;
    roles::check(&module.config, &module.yaml.to_string_lossy())?;
    let config = &module.config;
    let params = Parameters::resolve(config, &opts.parameters)?;
    let lit = hooks_literals(module, &params);
    let mut problems = Vec::new();
    let mut steps = Vec::new();
    let creates = opts.action != AppAction::Drop;
    if opts.action != AppAction::Create {
        steps.extend(hook_steps(
            module,
            &config.drop_hooks,
            drop_kind,
            &lit,
            &mut problems,
        ));
    }
    if creates {
        steps.extend(hook_steps(
            module,
            &config.create_hooks,
            create_kind,
            &lit,
            &mut problems,
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems }.into());
    }
    let grant = creates && !opts.skip_grant && !config.roles.is_empty();
    let command = format!("app {}", opts.action.name());
    let mut ran_hooks: Vec<&Hook> = Vec::new();
    if opts.action != AppAction::Create {
        ran_hooks.extend(&config.drop_hooks);
    }
    if creates {
        ran_hooks.extend(&config.create_hooks);
    }
    run_hooks(
        conn,
        module,
        &steps,
        RunHooks {
            command,
            check_parameters: creates.then_some(&params),
            grant,
            suffix: opts.suffix.as_deref(),
            lock_timeout: opts.lock_timeout,
            parameters: &params,
            hooks: ran_hooks,
            python: opts.python.as_ref(),
        },
        observer,
    )
}

struct RunHooks<'a> {
    command: String,
    check_parameters: Option<&'a Parameters>,
    grant: bool,
    suffix: Option<&'a str>,
    lock_timeout: Duration,
    /// The hooks' parameters.
    parameters: &'a Parameters,
    /// The hooks run, for loading the Python ones first.
    hooks: Vec<&'a Hook>,
    /// The interpreter of Python hooks.
    python: Option<&'a HookInterpreter>,
}

fn run_hooks(
    conn: &mut Conn,
    module: &Module,
    steps: &[Step],
    how: RunHooks<'_>,
    observer: &mut dyn Observer,
) -> Result<HooksReport, ModuleFailure> {
    let table = module.table();
    let roles = &module.config.roles;
    // Python hooks: the run goes through the Python worker's connection,
    // started and its hooks loaded before anything runs.
    let mut worker = None;
    if steps.iter().any(|s| s.python) {
        let mut w = hooks::start_worker(module, how.python)?;
        hooks::load_hooks(&mut w, module, &how.hooks, how.parameters)?;
        worker = Some(w);
    }
    let mut failure = None;
    let outcome = history::with_lock(
        conn,
        &table.lock_key(),
        &table.name(),
        how.lock_timeout,
        observer,
        |conn, observer| {
            if let Some(params) = how.check_parameters {
                if table.exists(conn)? {
                    let rows = table.read(conn)?;
                    if let Some(last) = ops::last_row(&rows) {
                        let problems = ops::parameter_conflicts(module, last, params);
                        if !problems.is_empty() {
                            return Err(Error::Refused { problems });
                        }
                    }
                }
            }
            let mut granted = Vec::new();
            let mut warnings = Vec::new();
            let finally = how
                .grant
                .then(|| grant_after(roles, how.suffix, &mut granted, &mut warnings));
            let outcome = match worker.as_mut() {
                Some(worker) => {
                    drop(finally);
                    let mut run = steps.to_vec();
                    if how.grant {
                        let all: Vec<&Role> = roles.iter().collect();
                        run.push(ops::roles_step(
                            module,
                            "grant",
                            roles::grant_permissions_sql(&all, how.suffix),
                        ));
                        granted = roles
                            .iter()
                            .map(|r| roles::role_name(&r.name, how.suffix))
                            .collect();
                    }
                    // Hooks write no pum_migrations row.
                    let writer = RowWriter {
                        table: table.clone(),
                        module: module.config.module.clone(),
                        parameters: how.parameters.to_json(),
                        beta_testing: false,
                        rows: Vec::new(),
                    };
                    let python = PythonRun {
                        worker,
                        module,
                        parameters: how.parameters,
                    };
                    hooks::run_in_session(python, conn, &run, &writer, |_| Ok(()), observer)
                }
                None => ops::run_steps_with(conn, steps, &NoHistory, |_| Ok(()), finally, observer),
            };
            for w in &warnings {
                observer.event(&Event::Warning { message: w });
            }
            let report = HooksReport {
                module: module.config.module.clone(),
                command: how.command.clone(),
                ran: Vec::new(),
                granted,
                warnings,
            };
            match outcome {
                Ok(ran) => Ok(HooksReport { ran, ..report }),
                Err(f) => {
                    failure = Some(f);
                    Ok(report)
                }
            }
        },
    );
    match (failure, outcome) {
        (Some(f), _) => Err(f),
        (None, Ok(r)) => Ok(r),
        (None, Err(e)) => Err(ops::signal_or(e).into()),
    }
}

/// Options of [`uninstall`].
#[derive(Debug, Clone)]
pub struct UninstallOptions {
    /// `-p NAME VALUE`.
    pub parameters: Vec<(String, String)>,
    /// How long to wait for another pum on the same module.
    pub lock_timeout: Duration,
    /// The interpreter of Python hooks (`None`: `python3`).
    pub python: Option<HookInterpreter>,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            parameters: Vec::new(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            python: None,
        }
    }
}

/// Runs the module's `uninstall` hooks in one transaction (pum 1.9.2's
/// `uninstall`); refused when the module defines none. The confirmation
/// is the caller's.
pub fn uninstall(
    conn: &mut Conn,
    module: &Module,
    opts: &UninstallOptions,
    observer: &mut dyn Observer,
) -> Result<HooksReport, ModuleFailure> {
    crate::interrupt::check()?;
    let config = &module.config;
    if config.uninstall.is_empty() {
        return Err(Error::invalid(format!(
            "{}: No uninstall hooks defined in the configuration. Add 'uninstall' section to your \
             .pum.yaml file to define uninstall hooks (a list of `- file: ...sql` or `- code: ...`)",
            module.yaml.display()
        ))
        .into());
    }
    let params = Parameters::resolve(config, &opts.parameters)?;
    let lit = hooks_literals(module, &params);
    let mut problems = Vec::new();
    let steps = hook_steps(
        module,
        &config.uninstall,
        uninstall_kind,
        &lit,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(Error::Refused { problems }.into());
    }
    run_hooks(
        conn,
        module,
        &steps,
        RunHooks {
            command: "uninstall".into(),
            check_parameters: None,
            grant: false,
            suffix: None,
            lock_timeout: opts.lock_timeout,
            parameters: &params,
            hooks: config.uninstall.iter().collect(),
            python: opts.python.as_ref(),
        },
        observer,
    )
}

/// The actions of `role` (pum 1.9.2's spellings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleAction {
    /// Create the roles and grant their permissions.
    Create,
    /// `CREATE ROLE name LOGIN`.
    CreateLogin,
    /// Revoke the roles' permissions, then drop them.
    Drop,
    /// `DROP ROLE IF EXISTS name`.
    DropLogin,
    /// Grant the roles' permissions, or (`--to`) the roles to a user.
    Grant,
    /// Revoke the roles' permissions, or (`--from`) the roles from a user.
    Revoke,
    /// The roles in the database and their access.
    List,
    /// The login roles that are not superusers.
    LoginRoles,
    /// The login members of one role.
    Members,
}

/// Options of [`role`].
#[derive(Debug, Clone)]
pub struct RoleOptions {
    /// What to do.
    pub action: RoleAction,
    /// `--suffix`: the DB-specific roles `name_SUFFIX`.
    pub suffix: Option<String>,
    /// `--roles`: only these configured roles.
    pub roles: Option<Vec<String>>,
    /// `--to` (grant).
    pub to: Option<String>,
    /// `--from` (revoke).
    pub from: Option<String>,
    /// `--name` (create-login, drop-login).
    pub name: Option<String>,
    /// `--force` (drop): reassign and drop what the roles own first.
    pub force: bool,
    /// `--include-superusers` (list).
    pub include_superusers: bool,
}

/// What [`role`] did or found.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum RoleReport {
    /// Roles acted on, committed.
    Done {
        /// The action.
        action: RoleAction,
        /// The roles acted on (with their suffix).
        roles: Vec<String>,
        /// The roles created now (create).
        created: Vec<String>,
        /// The user given (`--to`, `--from`, `--name`).
        target: Option<String>,
        /// What did not stop it.
        warnings: Vec<String>,
    },
    /// Names found (login-roles, members).
    Names {
        /// The action.
        action: RoleAction,
        /// The role asked about (members).
        role: Option<String>,
        /// The names.
        names: Vec<String>,
    },
    /// The inventory (list).
    Inventory(Inventory),
}

fn required<'o>(value: &'o Option<String>, what: &str, action: &str) -> Result<&'o str> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid(format!("{what} is required for the '{action}' action.")))
}

/// Runs a `role` action (pum 1.9.2's `role` command); the actions that
/// change something run in one transaction.
pub fn role(conn: &mut Conn, module: &Module, opts: &RoleOptions) -> Result<RoleReport> {
    crate::interrupt::check()?;
    let config = &module.config;
    roles::check(config, &module.yaml.to_string_lossy())?;
    let suffix = opts.suffix.as_deref().filter(|s| !s.is_empty());
    let action = opts.action;
    match action {
        RoleAction::List => {
            return Ok(RoleReport::Inventory(roles::inventory(
                conn,
                config,
                opts.include_superusers,
            )?))
        }
        RoleAction::LoginRoles => {
            return Ok(RoleReport::Names {
                action,
                role: None,
                names: roles::login_roles(conn)?,
            })
        }
        RoleAction::Members => {
            let one =
                match opts.roles.as_deref() {
                    Some([one]) => one.clone(),
                    _ => return Err(Error::invalid(
                        "--roles with exactly one role name is required for the 'members' action.",
                    )),
                };
            let names = roles::members_of(conn, &one)?;
            return Ok(RoleReport::Names {
                action,
                role: Some(one),
                names,
            });
        }
        _ => {}
    }
    // Checked before the transaction: nothing starts on bad input.
    let name = match action {
        RoleAction::CreateLogin => Some(required(&opts.name, "--name", "create-login")?),
        RoleAction::DropLogin => Some(required(&opts.name, "--name", "drop-login")?),
        _ => None,
    };
    let selected = roles::resolve(config, opts.roles.as_deref())?;
    let mut warnings = Vec::new();
    conn.execute("BEGIN").map_err(Error::from)?;
    let done = (|| -> Result<(Vec<String>, Vec<String>, Option<String>)> {
        Ok(match action {
            RoleAction::Create => {
                // pum 1.9.2's `role create` acts on every role (no --roles).
                let created =
                    roles::create_roles(conn, &config.roles, suffix, true, &mut warnings)?;
                let names = config
                    .roles
                    .iter()
                    .map(|r| roles::role_name(&r.name, suffix))
                    .collect();
                (names, created, None)
            }
            RoleAction::Grant => match opts.to.as_deref() {
                Some(to) => (
                    roles::grant_to(conn, &selected, suffix, to)?,
                    Vec::new(),
                    Some(to.to_string()),
                ),
                None => (
                    roles::grant_permissions(conn, &selected, suffix, &mut warnings)?,
                    Vec::new(),
                    None,
                ),
            },
            RoleAction::Revoke => match opts.from.as_deref() {
                Some(from) => (
                    roles::revoke_from(conn, &selected, suffix, from)?,
                    Vec::new(),
                    Some(from.to_string()),
                ),
                None => (
                    roles::revoke_permissions(conn, config, &selected, suffix, &mut warnings)?,
                    Vec::new(),
                    None,
                ),
            },
            RoleAction::Drop => (
                roles::drop_roles(conn, config, &selected, suffix, opts.force, &mut warnings)?,
                Vec::new(),
                None,
            ),
            RoleAction::CreateLogin => {
                let n = name.unwrap_or_default();
                roles::create_login(conn, n)?;
                (
                    vec![n.to_string()],
                    vec![n.to_string()],
                    Some(n.to_string()),
                )
            }
            RoleAction::DropLogin => {
                let n = name.unwrap_or_default();
                roles::drop_login(conn, n)?;
                (vec![n.to_string()], Vec::new(), Some(n.to_string()))
            }
            RoleAction::List | RoleAction::LoginRoles | RoleAction::Members => {
                unreachable!("answered above")
            }
        })
    })();
    match done {
        Ok((roles, created, target)) => {
            conn.execute("COMMIT").map_err(Error::from)?;
            Ok(RoleReport::Done {
                action,
                roles,
                created,
                target,
                warnings,
            })
        }
        Err(e) => {
            let _ = conn.execute("ROLLBACK");
            Err(e)
        }
    }
}
