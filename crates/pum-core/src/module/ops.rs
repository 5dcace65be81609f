//! The commands on a pum 1.x module, each a checklist on the one runner:
//! lock, read `pum_migrations`, find the changelogs, check, plan, run
//! (drop hooks, every pending changelog with its row, create hooks, all in
//! one transaction), report.
//!
//! - [`info`]: the full plan without changing anything;
//! - [`install`]: a database without the module's table;
//! - [`upgrade`]: a database where the module is installed;
//! - [`baseline`]: records a version without running anything.
//!
//! - [`app`](super::app::app): the create/drop hooks alone (`app create|drop|recreate`);
//! - [`uninstall`](super::app::uninstall): the `uninstall` hooks;
//! - [`role`](super::app::role): the module's roles ([`super::roles`]).
//!
//! Install creates the module's roles (before the drop hooks) and grants
//! their permissions (after the create hooks) in its one transaction, as
//! pum 1.9.2 does; upgrade asserts the roles and grants after the create
//! hooks. `install --demo-data NAME` loads the demo data in a second
//! transaction once the install is committed (pum 1.9.2 commits the
//! install first too).
//!
//! A run with Python hooks goes through the Python worker's connection
//! ([`super::hooks`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::changelog::{self, py_parent, py_path, Changelog, APP_ONLY_RELEASE};
use super::config::{self, Config, HookSource, ParamType};
use super::hooks::{self, HookInterpreter, PythonRun};
use super::params::{self, Parameters};
use super::pep440::Pep440;
use super::session::Session;
use super::sql::{self, Lookup};
use super::table::{self, MigrationRow, MigrationsTable, NewRow, RowWriter};
use crate::apply::python::Worker;
use crate::apply::runner::{self, Leftover, RunOptions, Script, Transactions};
use crate::apply::sql::SqlFile;
use crate::error::{Error, Result};
use crate::event::Observer;
use crate::history::{self, DEFAULT_LOCK_TIMEOUT};
use crate::pg::Conn;
use crate::script::Piece;
use crate::vars::Variables;

/// Where a module is: its directory (holding `.pum.yaml`), or the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory holding `.pum.yaml` (`-d DIR`).
    Dir(PathBuf),
    /// The `.pum.yaml` itself (`-c FILE`).
    File(PathBuf),
}

/// A module: its `.pum.yaml` read and checked.
#[derive(Debug, Clone)]
pub struct Module {
    /// The `.pum.yaml`.
    pub yaml: PathBuf,
    /// The module directory as pum 1.x writes it in paths (`m`, `.`).
    pub base: String,
    /// The file's content.
    pub config: Config,
}

impl Module {
    /// Reads the module at `location`.
    pub fn open(location: &Location) -> Result<Module> {
        let yaml = match location {
            Location::Dir(d) => config::file_in(d),
            Location::File(f) => f.clone(),
        };
        let text = yaml.to_string_lossy().into_owned();
        let base = py_parent(&py_path(&[&text]));
        let config = config::load(&yaml)?;
        Ok(Module { yaml, base, config })
    }

    /// Its `pum_migrations` table.
    pub fn table(&self) -> MigrationsTable {
        MigrationsTable::new(&self.config.migration_table_schema)
    }

    /// Its changelogs directory, as pum 1.x writes it.
    pub fn changelogs_dir(&self) -> String {
        py_path(&[&self.base, &self.config.changelogs_directory])
    }

    /// A file of the module (a hook, demo data), as pum 1.x finds it.
    pub fn file(&self, relative: &str) -> String {
        py_path(&[&self.base, relative])
    }

    /// Its changelogs, every problem reported at once.
    pub fn changelogs(&self) -> Result<Vec<Changelog>> {
        changelog::discover(&self.changelogs_dir())
    }
}

/// What a step of a run is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum StepKind {
    /// An `application.drop` hook.
    DropHook {
        /// Where it is declared.
        origin: String,
    },
    /// A changelog file.
    Changelog {
        /// Its version.
        version: String,
    },
    /// An application-only release: nothing to run, a row to write.
    AppOnly {
        /// Its version.
        version: String,
    },
    /// An `application.create` hook.
    CreateHook {
        /// Where it is declared.
        origin: String,
    },
    /// An `uninstall` hook.
    UninstallHook {
        /// Where it is declared.
        origin: String,
    },
    /// A file of a demo data set.
    DemoData {
        /// The set's name.
        name: String,
    },
    /// The roles' creation or grants, on a run through the Python worker's
    /// connection (where they are statements that decide on the server).
    Roles {
        /// `create` or `grant`.
        what: String,
    },
}

/// One script of an install or upgrade, its SQL ready (comments removed,
/// split, parameters filled in as pum 1.x does).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// What it is.
    #[serde(flatten)]
    pub kind: StepKind,
    /// The file (for SQL code in `.pum.yaml`: the file and the key).
    pub path: PathBuf,
    /// How many statements it sends.
    pub statements: usize,
    /// The row it ends, when it is the last script of a version.
    #[serde(skip)]
    pub row: Option<usize>,
    /// True for a Python hook (`path` is the `.py` file).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub python: bool,
    #[serde(skip)]
    pub(crate) pieces: Vec<Piece>,
}

impl Step {
    /// Its statements (none for a Python hook).
    pub(crate) fn pieces(&self) -> &[Piece] {
        &self.pieces
    }
}

impl Script for Step {
    fn path(&self) -> &Path {
        &self.path
    }

    fn label(&self) -> String {
        let py = if self.python { " (Python)" } else { "" };
        match &self.kind {
            StepKind::DropHook { origin } => format!("drop hook {origin}{py}"),
            StepKind::Changelog { version } => format!("changelog {version}"),
            StepKind::AppOnly { version } => {
                format!("application-only release {version} (nothing to run)")
            }
            StepKind::CreateHook { origin } => format!("create hook {origin}{py}"),
            StepKind::UninstallHook { origin } => format!("uninstall hook {origin}{py}"),
            StepKind::DemoData { name } => format!("demo data {name}"),
            StepKind::Roles { what } => format!("roles: {what}"),
        }
    }

    fn statements(&self) -> Option<Result<SqlFile>> {
        Some(Ok(SqlFile {
            pieces: self.pieces.clone(),
            no_transaction: false,
        }))
    }

    /// As in pum 1.x, every script runs on one session: a `SET` in one
    /// holds for the next.
    fn sets_session(&self) -> bool {
        true
    }
}

/// Parameters as SQL literals for `{name}`, and which may not be used.
pub(crate) struct Literals<'a> {
    pub(crate) params: &'a Parameters,
    pub(crate) config: &'a Config,
    /// Changelogs may not use `app_only` parameters.
    pub(crate) changelog: bool,
}

impl Literals<'_> {
    pub(crate) fn lookup(&self, name: &str) -> Lookup {
        let Some(def) = self.config.parameter(name) else {
            return Lookup::Unknown;
        };
        if self.changelog && def.app_only {
            return Lookup::Refused(format!(
                "`{{{name}}}` is an app_only parameter: those are for application hooks \
                 (create/drop) only, never for changelogs (pum 1.x refuses it too); make it a \
                 standard parameter or move the statement to a hook"
            ));
        }
        let value = self.params.get(name).cloned().unwrap_or(Value::Null);
        match params::sql_literal(&value) {
            Ok(sql) => Lookup::Literal(sql),
            Err(why) => Lookup::Refused(format!("`{{{name}}}`: {why}")),
        }
    }
}

/// The statements of a pum 1.x SQL file, parameters filled in.
pub(crate) fn file_pieces(
    path: &str,
    lit: &Literals<'_>,
) -> std::result::Result<Vec<Piece>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{path}: the file is not valid UTF-8; save it as UTF-8"))?;
    let text = sql::as_python_reads(&text);
    let chunks = sql::chunks(&text).map_err(|p| format!("{path}:{}: {}", p.line, p.message))?;
    chunks
        .into_iter()
        .map(|c| {
            sql::format(&c.text, &|n| lit.lookup(n))
                .map(|sql| Piece::Statement { sql, line: c.line })
                .map_err(|(l, m)| format!("{path}:{}: {m}", c.line + l))
        })
        .collect()
}

/// Options shared by install and upgrade.
#[derive(Debug, Clone)]
pub struct RunModuleOptions {
    /// `-p NAME VALUE`, in command-line order.
    pub parameters: Vec<(String, String)>,
    /// `--max-version`: the last version to apply.
    pub max_version: Option<Pep440>,
    /// `--beta-testing`.
    pub beta_testing: bool,
    /// `--skip-drop-app`.
    pub skip_drop_app: bool,
    /// `--skip-create-app`.
    pub skip_create_app: bool,
    /// `--skip-roles` (install): do not create the roles. As in pum 1.9.2,
    /// the roles are still created when their permissions are granted
    /// (without `--skip-grant`).
    pub skip_roles: bool,
    /// `--skip-grant`: do not grant the roles' permissions.
    pub skip_grant: bool,
    /// How long to wait for another pum on the same module.
    pub lock_timeout: Duration,
    /// The interpreter of the Python hooks (`--python`); needed when the
    /// run includes one.
    pub python: Option<HookInterpreter>,
}

impl Default for RunModuleOptions {
    fn default() -> Self {
        RunModuleOptions {
            parameters: Vec::new(),
            max_version: None,
            beta_testing: false,
            skip_drop_app: false,
            skip_create_app: false,
            skip_roles: false,
            skip_grant: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            python: None,
        }
    }
}

/// Options of [`install`].
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// What install and upgrade share.
    pub run: RunModuleOptions,
    /// `--allow-multiple-modules`: install although another module's
    /// `pum_migrations` is in the database.
    pub allow_multiple_modules: bool,
    /// `--demo-data NAME`: load this demo data set once installed.
    pub demo_data: Option<String>,
}

/// Options of [`upgrade`].
#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    /// What install and upgrade share.
    pub run: RunModuleOptions,
    /// `--force`: upgrade a module installed for beta testing.
    pub force: bool,
    /// `--skip-baseline-check`: do not require a row for every version up
    /// to the current one.
    pub skip_baseline_check: bool,
}

/// A step that ran.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepRun {
    /// The step.
    pub step: Step,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// What an install or upgrade did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    /// `pum.module`.
    pub module: String,
    /// The table.
    pub table: String,
    /// The version before (none for an install).
    pub from: Option<String>,
    /// The version after.
    pub to: Option<String>,
    /// The rows written.
    pub recorded: Vec<NewRow>,
    /// Every step, in order.
    pub ran: Vec<StepRun>,
    /// The parameters recorded.
    pub parameters: Value,
    /// True when the rows are marked `beta_testing`.
    pub beta_testing: bool,
    /// True when the table was brought to version 3 first.
    pub migrated_table: bool,
    /// The roles created now (the others existed already).
    pub roles_created: Vec<String>,
    /// The roles whose permissions were granted.
    pub granted: Vec<String>,
    /// The demo data set loaded (`--demo-data`).
    pub demo_data: Option<String>,
    /// What did not stop the run (a role's schema that does not exist).
    pub warnings: Vec<String>,
}

/// An install or upgrade that stopped: everything ran in one transaction,
/// so nothing of it stays.
#[derive(Debug)]
pub struct ModuleFailure {
    /// Why ([`Error::Interrupted`] when a signal stopped it).
    pub error: Error,
    /// How many steps ran before and were rolled back with it.
    pub rolled_back: usize,
    /// The step that was running, and what it leaves.
    pub stopped_in: Option<(Step, Leftover)>,
    /// What an earlier transaction of the same command committed and
    /// keeps (the install before its demo data failed), if anything.
    pub kept: Option<String>,
}

impl From<Error> for ModuleFailure {
    fn from(error: Error) -> Self {
        ModuleFailure {
            error,
            rolled_back: 0,
            stopped_in: None,
            kept: None,
        }
    }
}

/// The minimum_version check pum 1.x makes before install and upgrade.
pub(crate) fn check_minimum_version(module: &Module) -> Result<()> {
    let Some(min) = &module.config.minimum_version else {
        return Ok(());
    };
    let ours = Pep440::parse(table::PUM1_LEVEL).expect("a valid version");
    if ours < *min {
        return Err(Error::invalid(format!(
            "{}: the module needs pum {min} or newer (pum.minimum_version); this pum runs the \
             modules of pum {}",
            module.yaml.display(),
            table::PUM1_LEVEL
        )));
    }
    Ok(())
}

/// Builds every step of a run (nothing runs yet): every problem of the
/// SQL, the hooks and the changelogs is reported at once.
fn build_steps(
    module: &Module,
    params: &Parameters,
    all: &[Changelog],
    pending: &[&Changelog],
    opts: &RunModuleOptions,
) -> Result<(Vec<Step>, Vec<NewRow>)> {
    let config = &module.config;
    let mut problems = Vec::new();
    let for_changelogs = Literals {
        params,
        config,
        changelog: true,
    };
    let for_hooks = Literals {
        params,
        config,
        changelog: false,
    };
    // pum 1.x checks every changelog, not only the pending ones.
    let mut rendered: Vec<Vec<Vec<Piece>>> = Vec::new();
    for c in all {
        let mut files = Vec::new();
        for f in &c.files {
            match file_pieces(f, &for_changelogs) {
                Ok(p) => files.push(p),
                Err(m) => problems.push(m),
            }
        }
        rendered.push(files);
    }
    let hooks =
        |list: &[config::Hook], skip: bool, problems: &mut Vec<String>| -> Vec<HookPieces> {
            if skip {
                return Vec::new();
            }
            let mut out = Vec::new();
            for h in list {
                match hook_pieces(module, h, &for_hooks) {
                    Ok(p) => out.push(p),
                    Err(m) => problems.push(m),
                }
            }
            out
        };
    let drop = hooks(&config.drop_hooks, opts.skip_drop_app, &mut problems);
    let create = hooks(&config.create_hooks, opts.skip_create_app, &mut problems);
    for c in pending {
        if !c.version.is_recordable() {
            problems.push(format!(
                "{}: version {} cannot be recorded: pum 1.x records X.Y or X.Y.Z versions only \
                 (it fails on this one after running its files)",
                c.dir, c.version
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    let mut steps = Vec::new();
    let mut rows = Vec::new();
    for (origin, path, pieces, python) in drop {
        steps.push(Step {
            kind: StepKind::DropHook { origin },
            path,
            statements: pieces.len(),
            row: None,
            python,
            pieces,
        });
    }
    for c in pending {
        let index = all.iter().position(|a| a.dir == c.dir).unwrap_or(0);
        let version = c.recorded_version();
        let row = rows.len();
        rows.push(NewRow {
            version: version.clone(),
            files: c.files.clone(),
        });
        if c.app_only {
            steps.push(Step {
                kind: StepKind::AppOnly { version },
                path: PathBuf::from(py_path(&[&c.dir, APP_ONLY_RELEASE])),
                statements: 0,
                row: Some(row),
                python: false,
                pieces: Vec::new(),
            });
            continue;
        }
        let n = c.files.len();
        for (i, (f, pieces)) in c.files.iter().zip(rendered[index].iter()).enumerate() {
            steps.push(Step {
                kind: StepKind::Changelog {
                    version: version.clone(),
                },
                path: PathBuf::from(f),
                statements: pieces.len(),
                row: (i + 1 == n).then_some(row),
                python: false,
                pieces: pieces.clone(),
            });
        }
    }
    for (origin, path, pieces, python) in create {
        steps.push(Step {
            kind: StepKind::CreateHook { origin },
            path,
            statements: pieces.len(),
            row: None,
            python,
            pieces,
        });
    }
    Ok((steps, rows))
}

/// A hook made ready: where it is declared, its file, its statements, and
/// whether it is a Python hook (no statements then).
type HookPieces = (String, PathBuf, Vec<Piece>, bool);

/// A hook's statements (parameters filled in), or its Python file.
fn hook_pieces(
    module: &Module,
    h: &config::Hook,
    for_hooks: &Literals<'_>,
) -> std::result::Result<HookPieces, String> {
    match &h.source {
        HookSource::Code(code) => {
            let path = PathBuf::from(format!(
                "{}: {}.code",
                py_path(&[&module.yaml.to_string_lossy()]),
                h.origin
            ));
            match sql::format(code, &|n| for_hooks.lookup(n)) {
                Ok(sql) => Ok((
                    h.origin.clone(),
                    path,
                    vec![Piece::Statement { sql, line: 1 }],
                    false,
                )),
                Err((l, m)) => Err(format!("{}:{}: {m}", path.display(), l + 1)),
            }
        }
        HookSource::File(f) => {
            let path = module.file(f);
            if !Path::new(&path).is_file() {
                Err(format!(
                    "{path}: the hook file of {} does not exist (file: {f} in {})",
                    h.origin,
                    module.yaml.display()
                ))
            } else if f.ends_with(".py") {
                Ok((h.origin.clone(), PathBuf::from(&path), Vec::new(), true))
            } else if !f.ends_with(".sql") {
                Err(format!(
                    "{path}: a hook file ({}) must be .sql or .py (pum 1.x refuses other files \
                     too)",
                    h.origin
                ))
            } else {
                file_pieces(&path, for_hooks)
                    .map(|p| (h.origin.clone(), PathBuf::from(&path), p, false))
            }
        }
    }
}

/// One hook as a step (for [`super::hooks::run_hook`]).
pub(crate) fn hook_step(module: &Module, hook: &config::Hook, params: &Parameters) -> Result<Step> {
    let for_hooks = Literals {
        params,
        config: &module.config,
        changelog: false,
    };
    let (origin, path, pieces, python) =
        hook_pieces(module, hook, &for_hooks).map_err(|m| Error::Refused { problems: vec![m] })?;
    let kind = if hook.origin.contains("drop") || hook.origin.contains(".pre") {
        StepKind::DropHook { origin }
    } else {
        StepKind::CreateHook { origin }
    };
    Ok(Step {
        kind,
        path,
        statements: pieces.len(),
        row: None,
        python,
        pieces,
    })
}

/// The highest row by version (PEP 440; then the latest), pum 1.x's
/// "migration details".
pub(crate) fn last_row(rows: &[MigrationRow]) -> Option<&MigrationRow> {
    rows.iter()
        .filter_map(|r| r.parsed_version().map(|v| (v, r)))
        .max_by(|(va, a), (vb, b)| {
            va.cmp(vb)
                .then_with(|| a.date_installed.cmp(&b.date_installed))
        })
        .map(|(_, r)| r)
}

/// Runs `steps` in one transaction after `setup` (table creation or
/// migration, role creation), then `finally` (the grants) in the same
/// transaction, with the lock held by the caller.
pub(crate) fn run_steps_with<'a>(
    conn: &mut Conn,
    steps: &[Step],
    history: &dyn runner::History<Step>,
    setup: impl FnOnce(&mut Conn) -> Result<()>,
    finally: Option<runner::Finally<'a>>,
    observer: &mut dyn Observer,
) -> Result<Vec<StepRun>, ModuleFailure> {
    // The run's one transaction starts here: the runner continues it
    // (Transactions::Single) and commits it after the last step.
    conn.execute("BEGIN").map_err(Error::from)?;
    if let Err(e) = setup(conn) {
        let _ = conn.execute("ROLLBACK");
        return Err(e.into());
    }
    let refs: Vec<&Step> = steps.iter().collect();
    let vars = Variables::default();
    let mut opts = RunOptions::new(Transactions::Single, &vars);
    opts.finally = finally;
    match runner::run(conn, &refs, history, opts, observer) {
        Ok(ran) => Ok(ran
            .into_iter()
            .map(|r| StepRun {
                step: steps[r.index].clone(),
                millis: r.millis,
            })
            .collect()),
        Err(f) => Err(ModuleFailure {
            rolled_back: f.rolled_back.len() + f.committed.len(),
            stopped_in: f.stopped_in.map(|(i, left)| (steps[i].clone(), left)),
            error: f.error,
            kept: None,
        }),
    }
}

/// The Python worker of a run that includes Python hooks, started and
/// checked (psycopg 3, dependencies, every hook loaded) before anything
/// runs; none for a run without.
fn python_worker(
    module: &Module,
    opts: &RunModuleOptions,
    params: &Parameters,
) -> Result<Option<Worker>> {
    let config = &module.config;
    if !hooks::runs_python(config, opts.skip_drop_app, opts.skip_create_app) {
        return Ok(None);
    }
    let mut worker = hooks::start_worker(module, opts.python.as_ref())?;
    let mut list: Vec<&config::Hook> = Vec::new();
    if !opts.skip_drop_app {
        list.extend(&config.drop_hooks);
    }
    if !opts.skip_create_app {
        list.extend(&config.create_hooks);
    }
    hooks::load_hooks(&mut worker, module, &list, params)?;
    Ok(Some(worker))
}

/// The roles' statements as a step of a run on the Python worker's
/// connection (errors name the `.pum.yaml`, where the roles are).
pub(crate) fn roles_step(module: &Module, what: &str, statements: Vec<String>) -> Step {
    Step {
        kind: StepKind::Roles { what: what.into() },
        path: module.yaml.clone(),
        statements: statements.len(),
        row: None,
        python: false,
        pieces: statements
            .into_iter()
            .map(|sql| Piece::Statement { sql, line: 1 })
            .collect(),
    }
}

/// The module's roles that do not exist yet (what a run creates).
fn missing_roles(conn: &mut Conn, roles: &[config::Role]) -> Vec<String> {
    roles
        .iter()
        .filter(|r| matches!(super::roles::exists(conn, &r.name), Ok(false)))
        .map(|r| r.name.clone())
        .collect()
}

/// A signal that ended a lock wait is reported as the signal.
pub(crate) fn signal_or(error: Error) -> Error {
    match crate::interrupt::requested() {
        Some(signal) => Error::Interrupted { signal },
        None => error,
    }
}

/// The changelogs up to `max`.
fn up_to<'c>(all: &'c [Changelog], max: Option<&Pep440>) -> Vec<&'c Changelog> {
    all.iter()
        .filter(|c| max.is_none_or_le(&c.version))
        .collect()
}

trait MaxVersion {
    fn is_none_or_le(&self, v: &Pep440) -> bool;
}

impl MaxVersion for Option<&Pep440> {
    fn is_none_or_le(&self, v: &Pep440) -> bool {
        match self {
            None => true,
            Some(max) => v <= *max,
        }
    }
}

/// Installs the module: creates `pum_migrations`, runs the drop hooks,
/// every changelog (up to `--max-version`) with its row, the create
/// hooks, all in one transaction. A database that has the table already
/// is refused.
pub fn install(
    conn: &mut Conn,
    module: &Module,
    opts: &InstallOptions,
    observer: &mut dyn Observer,
) -> Result<RunReport, ModuleFailure> {
    crate::interrupt::check()?;
    check_minimum_version(module)?;
    super::roles::check(&module.config, &module.yaml.to_string_lossy())?;
    let params = Parameters::resolve(&module.config, &opts.run.parameters)?;
    // The demo data is checked with everything else, before anything runs
    // (pum 1.9.2 finds an unknown name only after the install).
    let demo = match &opts.demo_data {
        Some(name) => Some(super::app::demo_steps(module, &params, name, &opts.run)?),
        None => None,
    };
    let all = module.changelogs()?;
    let pending = up_to(&all, opts.run.max_version.as_ref());
    if pending.is_empty() {
        return Err(Error::invalid(format!(
            "no changelog up to --max-version {} in {}: nothing to install",
            opts.run
                .max_version
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            module.changelogs_dir()
        ))
        .into());
    }
    let (steps, rows) = build_steps(module, &params, &all, &pending, &opts.run)?;
    let mut worker = python_worker(module, &opts.run, &params)?;
    let table = module.table();
    let mut failure = None;
    let outcome = history::with_lock(
        conn,
        &table.lock_key(),
        &table.name(),
        opts.run.lock_timeout,
        observer,
        |conn, observer| {
            if table.exists(conn)? {
                return Err(Error::invalid(format!(
                    "{} already exists: the module is installed (or the database is not empty); \
                     use `pum -p SERVICE -d DIR upgrade` to upgrade it, or start from an empty \
                     database",
                    table.name()
                )));
            }
            if !opts.allow_multiple_modules {
                let others = table.other_schemas(conn)?;
                if !others.is_empty() {
                    return Err(Error::invalid(format!(
                        "another module is installed in this database (pum_migrations in {}); \
                         give --allow-multiple-modules to install {} beside it",
                        others.join(", "),
                        module.config.module
                    )));
                }
            }
            let writer = RowWriter {
                table: table.clone(),
                module: module.config.module.clone(),
                parameters: params.to_json(),
                beta_testing: opts.run.beta_testing,
                rows: rows.clone(),
            };
            let report = RunReport {
                module: module.config.module.clone(),
                table: table.name(),
                from: None,
                to: rows.last().map(|r| r.version.clone()),
                recorded: rows.clone(),
                ran: Vec::new(),
                parameters: params.to_json(),
                beta_testing: opts.run.beta_testing,
                migrated_table: false,
                roles_created: Vec::new(),
                granted: Vec::new(),
                demo_data: None,
                warnings: Vec::new(),
            };
            // pum 1.9.2: `roles or grant` creates the roles (so --skip-roles
            // alone still creates them), right after the table.
            let roles = &module.config.roles;
            let create = !roles.is_empty() && (!opts.run.skip_roles || !opts.run.skip_grant);
            let grant = !roles.is_empty() && !opts.run.skip_grant;
            let mut created = Vec::new();
            let mut granted = Vec::new();
            let mut warnings = Vec::new();
            let setup = |c: &mut Conn| {
                table.create(c)?;
                if create {
                    created = super::roles::create_roles(c, roles, None, false, &mut warnings)?;
                }
                Ok(())
            };
            let mut grant_warnings = Vec::new();
            let finally: Option<runner::Finally<'_>> = grant.then(|| {
                Box::new(|c: &mut Conn| {
                    let all: Vec<&config::Role> = roles.iter().collect();
                    granted = super::roles::grant_permissions(c, &all, None, &mut grant_warnings)?;
                    Ok(())
                }) as runner::Finally<'_>
            });
            let outcome = match worker.as_mut() {
                // Python hooks: everything on the worker's connection
                // (roles were refused for this case before anything ran).
                Some(worker) => {
                    drop((setup, finally));
                    // The roles as statements that decide on the server: on
                    // this connection the catalog cannot be read as the
                    // transaction sees it.
                    let role_sql = if create {
                        created = missing_roles(conn, roles);
                        super::roles::create_roles_sql(roles, None, false)
                    } else {
                        Vec::new()
                    };
                    let mut run = steps.clone();
                    if grant {
                        let all: Vec<&config::Role> = roles.iter().collect();
                        run.push(roles_step(
                            module,
                            "grant",
                            super::roles::grant_permissions_sql(&all, None),
                        ));
                        granted = roles.iter().map(|r| r.name.clone()).collect();
                    }
                    let python = PythonRun {
                        worker,
                        module,
                        parameters: &params,
                    };
                    let setup = |c: &mut dyn Session| {
                        table.create(c)?;
                        role_sql.iter().try_for_each(|sql| c.run_sql(sql))
                    };
                    hooks::run_in_session(python, conn, &run, &writer, setup, observer)
                }
                None => run_steps_with(conn, &steps, &writer, setup, finally, observer),
            };
            warnings.append(&mut grant_warnings);
            for w in &warnings {
                observer.event(&crate::event::Event::Warning { message: w });
            }
            let mut report = match outcome {
                Ok(ran) => RunReport {
                    ran,
                    roles_created: created,
                    granted,
                    warnings,
                    ..report
                },
                Err(f) => {
                    failure = Some(f);
                    return Ok(report);
                }
            };
            if let Some(demo) = &demo {
                match super::app::load_demo(
                    conn,
                    module,
                    demo,
                    grant,
                    opts.run.python.as_ref(),
                    observer,
                ) {
                    Ok((ran, mut w)) => {
                        report.ran.extend(ran);
                        report.warnings.append(&mut w);
                        report.demo_data = opts.demo_data.clone();
                    }
                    Err(mut f) => {
                        f.kept = Some(format!(
                            "{} {} is installed and committed; only the demo data {} was \
                             rolled back (with the drop and create hooks run for it): the \
                             module stays as installed, without demo data",
                            report.module,
                            report.to.as_deref().unwrap_or(""),
                            opts.demo_data.as_deref().unwrap_or("")
                        ));
                        failure = Some(f);
                    }
                }
            }
            Ok(report)
        },
    );
    match (failure, outcome) {
        (Some(f), _) => Err(f),
        (None, Ok(r)) => Ok(r),
        (None, Err(e)) => Err(signal_or(e).into()),
    }
}

/// Why an upgrade cannot start, checked in pum 1.x's order.
fn upgrade_checks(
    module: &Module,
    rows: &[MigrationRow],
    params: &Parameters,
    force: bool,
) -> Result<()> {
    let table = module.table();
    let Some(last) = last_row(rows) else {
        return Err(Error::invalid(format!(
            "{} has no row: the module was never installed here (or its rows were removed); \
             install it, or record its version with `pum -p SERVICE -d DIR baseline -b X.Y.Z`",
            table.name()
        )));
    };
    if let Some(m) = last.module.as_deref().filter(|m| !m.is_empty()) {
        if m != module.config.module {
            return Err(Error::invalid(format!(
                "the installed module is '{m}' but {} defines module '{}': is it the right \
                 .pum.yaml for this database?",
                module.yaml.display(),
                module.config.module
            )));
        }
    }
    if last.beta_testing && !force {
        return Err(Error::invalid(
            "the module is installed for beta testing (--beta-testing), and upgrades of such an \
             installation are disabled; give --force to upgrade it anyway"
                .to_string(),
        ));
    }
    let problems = parameter_conflicts(module, last, params);
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    Ok(())
}

/// Standard (non-`app_only`) parameters that differ from the stored ones.
pub(crate) fn parameter_conflicts(
    module: &Module,
    last: &MigrationRow,
    params: &Parameters,
) -> Vec<String> {
    let Value::Object(stored) = &last.parameters else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in &params.values {
        if module.config.parameter(name).is_some_and(|d| d.app_only) {
            continue;
        }
        if let Some(old) = stored.get(name) {
            if !params::py_eq(old, value) {
                out.push(format!(
                    "parameter {name} is {} here but was {} when version {} was installed: \
                     standard parameters keep their value for the life of the module (give -p \
                     {name} {}; only app_only parameters may change)",
                    params::display(value),
                    params::display(old),
                    last.version,
                    params::display(old)
                ));
            }
        }
    }
    out
}

/// The pending changelogs of an upgrade: above the current version, up to
/// `max`; the ones at or below it must have a row (unless `skip_check`).
fn upgrade_plan<'c>(
    all: &'c [Changelog],
    rows: &[MigrationRow],
    max: Option<&Pep440>,
    skip_check: bool,
) -> Result<(Option<Pep440>, Vec<&'c Changelog>)> {
    let current = last_row(rows).and_then(MigrationRow::parsed_version);
    let mut pending = Vec::new();
    let mut problems = Vec::new();
    for c in up_to(all, max) {
        match &current {
            Some(cur) if c.version <= *cur => {
                let recorded = c.recorded_version();
                if !skip_check && !rows.iter().any(|r| r.version == recorded) {
                    problems.push(format!(
                        "changelog {} ({}) is at or below the current version {cur} but was never \
                         applied: the database is not in the state its rows say; check it, or give \
                         --skip-baseline-check (after restoring a dump and recording a baseline)",
                        recorded, c.dir
                    ));
                }
            }
            _ => pending.push(c),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    Ok((current, pending))
}

/// Upgrades the module: the drop hooks, every pending changelog with its
/// row, the create hooks, in one transaction (the hooks run even when no
/// changelog is pending, as in pum 1.x).
pub fn upgrade(
    conn: &mut Conn,
    module: &Module,
    opts: &UpgradeOptions,
    observer: &mut dyn Observer,
) -> Result<RunReport, ModuleFailure> {
    crate::interrupt::check()?;
    check_minimum_version(module)?;
    super::roles::check(&module.config, &module.yaml.to_string_lossy())?;
    let params = Parameters::resolve(&module.config, &opts.run.parameters)?;
    let all = module.changelogs()?;
    let mut worker = python_worker(module, &opts.run, &params)?;
    let table = module.table();
    let mut failure = None;
    let outcome = history::with_lock(
        conn,
        &table.lock_key(),
        &table.name(),
        opts.run.lock_timeout,
        observer,
        |conn, observer| {
            if !table.exists(conn)? {
                return Err(not_installed(module));
            }
            let version = table.version(conn)?;
            let rows = table.read(conn)?;
            upgrade_checks(module, &rows, &params, opts.force)?;
            let installed_beta = last_row(&rows).is_some_and(|r| r.beta_testing);
            let (current, pending) = upgrade_plan(
                &all,
                &rows,
                opts.run.max_version.as_ref(),
                opts.skip_baseline_check,
            )?;
            let (steps, new_rows) = build_steps(module, &params, &all, &pending, &opts.run)?;
            let beta = opts.run.beta_testing || installed_beta;
            let migrate = version < table::TABLE_VERSION && !new_rows.is_empty();
            let writer = RowWriter {
                table: table.clone(),
                module: module.config.module.clone(),
                parameters: params.to_json(),
                beta_testing: beta,
                rows: new_rows.clone(),
            };
            let report = RunReport {
                module: module.config.module.clone(),
                table: table.name(),
                from: current.as_ref().map(|v| v.to_string()),
                to: new_rows
                    .last()
                    .map(|r| r.version.clone())
                    .or_else(|| last_row(&rows).map(|r| r.version.clone())),
                recorded: new_rows.clone(),
                ran: Vec::new(),
                parameters: params.to_json(),
                beta_testing: beta,
                migrated_table: migrate,
                roles_created: Vec::new(),
                granted: Vec::new(),
                demo_data: None,
                warnings: Vec::new(),
            };
            let module_name = module.config.module.clone();
            let setup = |c: &mut dyn Session| {
                if migrate {
                    table.migrate(c, version, &module_name)
                } else {
                    Ok(())
                }
            };
            // pum 1.9.2's upgrade (with grant, the default): after the
            // create hooks, the roles are asserted, then granted.
            let roles = &module.config.roles;
            let grant = !roles.is_empty() && !opts.run.skip_grant;
            let mut created = Vec::new();
            let mut granted = Vec::new();
            let mut warnings = Vec::new();
            let finally: Option<runner::Finally<'_>> = grant.then(|| {
                Box::new(|c: &mut Conn| {
                    created = super::roles::create_roles(c, roles, None, false, &mut warnings)?;
                    let all: Vec<&config::Role> = roles.iter().collect();
                    granted = super::roles::grant_permissions(c, &all, None, &mut warnings)?;
                    Ok(())
                }) as runner::Finally<'_>
            });
            let outcome = match worker.as_mut() {
                Some(worker) => {
                    drop(finally);
                    let mut run = steps.clone();
                    if grant {
                        created = missing_roles(conn, roles);
                        let all: Vec<&config::Role> = roles.iter().collect();
                        let mut sql = super::roles::create_roles_sql(roles, None, false);
                        sql.extend(super::roles::grant_permissions_sql(&all, None));
                        run.push(roles_step(module, "create and grant", sql));
                        granted = roles.iter().map(|r| r.name.clone()).collect();
                    }
                    let python = PythonRun {
                        worker,
                        module,
                        parameters: &params,
                    };
                    hooks::run_in_session(python, conn, &run, &writer, setup, observer)
                }
                None => run_steps_with(
                    conn,
                    &steps,
                    &writer,
                    |c: &mut Conn| setup(c),
                    finally,
                    observer,
                ),
            };
            for w in &warnings {
                observer.event(&crate::event::Event::Warning { message: w });
            }
            match outcome {
                Ok(ran) => Ok(RunReport {
                    ran,
                    roles_created: created,
                    granted,
                    warnings,
                    ..report
                }),
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
        (None, Err(e)) => Err(signal_or(e).into()),
    }
}

fn not_installed(module: &Module) -> Error {
    Error::invalid(format!(
        "{} does not exist: the module {} is not installed in this database; install it with \
         `pum -p SERVICE -d DIR install`",
        module.table().name(),
        module.config.module
    ))
}

/// Options of [`baseline`].
#[derive(Debug, Clone)]
pub struct BaselineOptions {
    /// The version, `X.Y` or `X.Y.Z`, recorded as given.
    pub version: String,
    /// `--create-table`: create `pum_migrations` when it is missing.
    pub create_table: bool,
    /// `--allow-multiple-modules`.
    pub allow_multiple_modules: bool,
    /// How long to wait for another pum on the same module.
    pub lock_timeout: Duration,
}

/// What [`baseline`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaselineReport {
    /// The table.
    pub table: String,
    /// True when the table was created now.
    pub created_table: bool,
    /// True when an older table was brought to version 3.
    pub migrated_table: bool,
    /// The version recorded.
    pub version: String,
    /// The version before, if any.
    pub previous: Option<String>,
}

/// Records `version` in `pum_migrations` without running anything (pum
/// 1.x's `baseline`): refused when the table already holds that version
/// or a newer one.
pub fn baseline(
    conn: &mut Conn,
    module: &Module,
    opts: &BaselineOptions,
    observer: &mut dyn Observer,
) -> Result<BaselineReport> {
    let v = &opts.version;
    let parts: Vec<&str> = v.split('.').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::invalid(format!(
            "-b {v}: the version must be X.Y or X.Y.Z with numbers, such as 1.2.0 (as pum 1.x \
             requires)"
        )));
    }
    let wanted = Pep440::parse(v).map_err(|e| Error::invalid(e.to_string()))?;
    let table = module.table();
    history::with_lock(
        conn,
        &table.lock_key(),
        &table.name(),
        opts.lock_timeout,
        observer,
        |conn, _| {
            let exists = table.exists(conn)?;
            if !exists && !opts.create_table {
                return Err(Error::invalid(format!(
                    "{} does not exist; give --create-table to create it",
                    table.name()
                )));
            }
            if !exists && !opts.allow_multiple_modules {
                let others = table.other_schemas(conn)?;
                if !others.is_empty() {
                    return Err(Error::invalid(format!(
                        "another module is installed in this database (pum_migrations in {}); \
                         give --allow-multiple-modules to create {} beside it",
                        others.join(", "),
                        table.name()
                    )));
                }
            }
            let (rows, version) = if exists {
                (table.read(conn)?, table.version(conn)?)
            } else {
                (Vec::new(), table::TABLE_VERSION)
            };
            let previous = last_row(&rows).map(|r| r.version.clone());
            if let Some(cur) = last_row(&rows).and_then(MigrationRow::parsed_version) {
                if cur >= wanted {
                    return Err(Error::invalid(format!(
                        "cannot record version {v}: {} is at version {cur} already",
                        table.name()
                    )));
                }
            }
            conn.execute("BEGIN")?;
            if !exists {
                table.create(conn)?;
            }
            let migrate = exists && version < table::TABLE_VERSION;
            if migrate {
                table.migrate(conn, version, &module.config.module)?;
            }
            let writer = RowWriter {
                table: table.clone(),
                module: module.config.module.clone(),
                parameters: Value::Object(Default::default()),
                beta_testing: false,
                rows: vec![NewRow {
                    version: v.clone(),
                    files: Vec::new(),
                }],
            };
            if let Some(r) = writer.record(0) {
                let p: Vec<Option<&str>> = r.params.iter().map(|p| p.as_deref()).collect();
                conn.query(&r.sql, &p)?;
            }
            conn.execute("COMMIT")?;
            Ok(BaselineReport {
                table: table.name(),
                created_table: !exists,
                migrated_table: migrate,
                version: v.clone(),
                previous,
            })
        },
    )
    .map_err(signal_or)
}

/// A changelog's status for [`info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangelogStatus {
    /// A row records it.
    Applied,
    /// The next install or upgrade runs it.
    Pending,
    /// At or below the current version but never recorded: an upgrade
    /// refuses (unless `--skip-baseline-check`).
    Missing,
    /// Above `--max-version`: not run.
    AboveMaxVersion,
}

/// A changelog with its status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangelogInfo {
    /// The changelog.
    pub changelog: Changelog,
    /// Its status.
    pub status: ChangelogStatus,
}

/// A parameter: its definition, the stored value, the value of this run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParameterInfo {
    /// The name.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// The default.
    pub default: Value,
    /// The value recorded by the last row, if any.
    pub stored: Option<Value>,
    /// The value an install or upgrade would use now (the default, or
    /// `-p`).
    pub value: Value,
    /// True when given with `-p`.
    pub given: bool,
    /// `app_only`.
    pub app_only: bool,
    /// True when an upgrade would refuse: a standard parameter whose value
    /// differs from the stored one.
    pub conflict: bool,
}

/// A hook for [`info`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct HookInfo {
    /// Where it is declared.
    pub origin: String,
    /// A file, or SQL code.
    pub source: HookSource,
    /// False for what this pum cannot run.
    pub supported: bool,
    /// True for a Python hook (run with `--python`'s interpreter).
    pub python: bool,
}

/// A finding of [`info`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// `error` (install/upgrade would refuse), `warning` or `note`.
    pub severity: &'static str,
    /// What, and what to do.
    pub message: String,
}

/// Everything `info` shows about a module and a database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModuleInfo {
    /// `pum.module`.
    pub module: String,
    /// The `.pum.yaml`.
    pub yaml: PathBuf,
    /// The table.
    pub table: String,
    /// True when the table exists (the module is installed).
    pub installed: bool,
    /// The table's version (3 is current), when installed.
    pub table_version: Option<i32>,
    /// The current version (the highest recorded).
    pub current: Option<String>,
    /// The module recorded by the last row.
    pub installed_module: Option<String>,
    /// True when installed for beta testing.
    pub beta_testing: bool,
    /// Every row, oldest first.
    pub rows: Vec<MigrationRow>,
    /// Every changelog with its status (empty when they cannot be read:
    /// see `findings`).
    pub changelogs: Vec<ChangelogInfo>,
    /// Every parameter.
    pub parameters: Vec<ParameterInfo>,
    /// The drop hooks.
    pub drop_hooks: Vec<HookInfo>,
    /// The create hooks.
    pub create_hooks: Vec<HookInfo>,
    /// The roles (created by install, granted by install and upgrade).
    pub roles: Vec<String>,
    /// The demo data sets (`install --demo-data NAME`).
    pub demo_data: Vec<String>,
    /// The Python dependencies (for Python hooks).
    pub dependencies: Vec<String>,
    /// What would stop an install or upgrade, and what is worth knowing.
    pub findings: Vec<Finding>,
}

impl ModuleInfo {
    /// The versions the next install or upgrade runs.
    pub fn pending(&self) -> impl Iterator<Item = &ChangelogInfo> {
        self.changelogs
            .iter()
            .filter(|c| c.status == ChangelogStatus::Pending)
    }
}

/// Options of [`info`].
#[derive(Debug, Clone, Default)]
pub struct InfoOptions {
    /// `-p NAME VALUE`: the values to compare with the stored ones.
    pub parameters: Vec<(String, String)>,
    /// `--max-version`.
    pub max_version: Option<Pep440>,
}

fn error(findings: &mut Vec<Finding>, message: String) {
    findings.push(Finding {
        severity: "error",
        message,
    });
}

/// Reads the module and the database and tells what an install or upgrade
/// would do; changes nothing.
pub fn info(conn: &mut Conn, module: &Module, opts: &InfoOptions) -> Result<ModuleInfo> {
    let config = &module.config;
    let table = module.table();
    let mut findings = Vec::new();
    let installed = table.exists(conn)?;
    let (table_version, rows) = if installed {
        (Some(table.version(conn)?), table.read(conn)?)
    } else {
        (None, Vec::new())
    };
    let last = last_row(&rows);
    let params = match Parameters::resolve(config, &opts.parameters) {
        Ok(p) => p,
        Err(e) => {
            error(&mut findings, e.to_string());
            Parameters::resolve(config, &[]).unwrap_or_default()
        }
    };
    let all = match module.changelogs() {
        Ok(a) => a,
        Err(Error::Refused { problems }) => {
            for p in problems {
                error(&mut findings, p);
            }
            Vec::new()
        }
        Err(e) => {
            error(&mut findings, e.to_string());
            Vec::new()
        }
    };
    let current = last.and_then(MigrationRow::parsed_version);
    let max = opts.max_version.as_ref();
    let changelogs: Vec<ChangelogInfo> = all
        .iter()
        .map(|c| {
            let recorded = rows.iter().any(|r| r.version == c.recorded_version());
            let status = if recorded {
                ChangelogStatus::Applied
            } else if max.is_some_and(|m| c.version > *m) {
                ChangelogStatus::AboveMaxVersion
            } else if current.as_ref().is_some_and(|cur| c.version <= *cur) {
                ChangelogStatus::Missing
            } else {
                ChangelogStatus::Pending
            };
            ChangelogInfo {
                changelog: c.clone(),
                status,
            }
        })
        .collect();
    for c in &changelogs {
        if c.status == ChangelogStatus::Missing {
            error(
                &mut findings,
                format!(
                    "changelog {} is at or below the current version but was never applied: an \
                 upgrade refuses (unless --skip-baseline-check)",
                    c.changelog.recorded_version()
                ),
            );
        }
        for f in &c.changelog.ignored {
            findings.push(Finding {
                severity: "note",
                message: format!("{f}: not a .sql file, never run"),
            });
        }
    }
    let stored = last.and_then(|r| r.parameters.as_object().cloned());
    let parameters: Vec<ParameterInfo> = config
        .parameters
        .iter()
        .map(|d| {
            let value = params.get(&d.name).cloned().unwrap_or(Value::Null);
            let old = stored.as_ref().and_then(|s| s.get(&d.name).cloned());
            let conflict = !d.app_only && old.as_ref().is_some_and(|o| !params::py_eq(o, &value));
            ParameterInfo {
                name: d.name.clone(),
                kind: d.kind,
                default: d.default.clone(),
                stored: old,
                value,
                given: params.given.contains(&d.name),
                app_only: d.app_only,
                conflict,
            }
        })
        .collect();
    if installed {
        if let Some(last) = last {
            for c in parameter_conflicts(module, last, &params) {
                error(&mut findings, c);
            }
            if let Some(m) = last
                .module
                .as_deref()
                .filter(|m| *m != config.module && !m.is_empty())
            {
                error(
                    &mut findings,
                    format!(
                        "the installed module is '{m}', not '{}': an upgrade refuses",
                        config.module
                    ),
                );
            }
            if last.beta_testing {
                findings.push(Finding {
                    severity: "warning",
                    message: "installed for beta testing: an upgrade needs --force".into(),
                });
            }
        } else {
            error(&mut findings, format!("{} has no row", table.name()));
        }
        if table_version.is_some_and(|v| v < table::TABLE_VERSION) {
            findings.push(Finding {
                severity: "note",
                message: format!(
                    "{} is of table version {}: the next upgrade brings it to version {}",
                    table.name(),
                    table_version.unwrap_or(0),
                    table::TABLE_VERSION
                ),
            });
        }
    }
    if let Err(e) = check_minimum_version(module) {
        error(&mut findings, e.to_string());
    }
    let hook_info = |h: &config::Hook| HookInfo {
        origin: h.origin.clone(),
        supported: true,
        python: hooks::is_python(h),
        source: h.source.clone(),
    };
    let drop_hooks: Vec<HookInfo> = config.drop_hooks.iter().map(hook_info).collect();
    let create_hooks: Vec<HookInfo> = config.create_hooks.iter().map(hook_info).collect();
    if drop_hooks.iter().chain(&create_hooks).any(|h| h.python) {
        findings.push(Finding {
            severity: "note",
            message: "the module has Python hooks: install and upgrade run them, and the whole \
                      run, with the --python interpreter (PUM_PYTHON, default python3), which \
                      needs psycopg 3 and the module's dependencies"
                .into(),
        });
    }
    if let Err(e) = super::roles::check(config, &module.yaml.to_string_lossy()) {
        error(&mut findings, e.to_string());
    }
    Ok(ModuleInfo {
        module: config.module.clone(),
        yaml: module.yaml.clone(),
        table: table.name(),
        installed,
        table_version,
        current: last.map(|r| r.version.clone()),
        installed_module: last.and_then(|r| r.module.clone()),
        beta_testing: last.is_some_and(|r| r.beta_testing),
        rows,
        changelogs,
        parameters,
        drop_hooks,
        create_hooks,
        roles: config.roles.iter().map(|r| r.name.clone()).collect(),
        demo_data: config.demo_data.iter().map(|d| d.name.clone()).collect(),
        dependencies: config
            .dependencies
            .iter()
            .map(|d| {
                let mut s = d.name.clone();
                if let Some(v) = &d.minimum_version {
                    s.push_str(&format!(" >= {v}"));
                }
                if let Some(v) = &d.maximum_version {
                    s.push_str(&format!(" <= {v}"));
                }
                s
            })
            .collect(),
        findings,
    })
}
