//! One function per command: turn parsed options into pum-core options,
//! call the library, hand the result to the renderer.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use pum_core::catalog::{self, Kind};
use pum_core::compare::{self, CompareOptions};
use pum_core::config::Config;
use pum_core::dump::{DumpFormat, DumpOptions, RestoreOptions};
use pum_core::engine::{self, BaselineOptions, Source, UpgradeFailure, UpgradeOptions};
use pum_core::fleet;
use pum_core::history::UpgradesTable;
use pum_core::pg::{Conn, ConnTarget};
use pum_core::plan::PlanOptions;
use pum_core::rehearse::{Reference, RehearsalOptions, TestDatabase};
use pum_core::sandbox::{Sandbox, SandboxOptions};
use pum_core::vars::Variables;
use pum_core::Version;

use crate::cli::{
    BaselineArgs, CheckArgs, CheckFormat, Command, CompareArgs, DumpArgs, DumpFormatArg, Format,
    InfoArgs, PlanArgs, RehearsalArgs, RestoreArgs, RunArgs, SandboxArgs, SnapshotArgs, SourceArgs,
    TableArgs, Targets, UpgradeArgs,
};
use crate::render::{self, Progress};
use crate::{EXIT_DIFFERENCES, EXIT_FAILED, EXIT_OK, EXIT_PENDING};

const APP: &str = "pum";

/// The config file (if any) merged under the command-line options.
pub struct Ctx {
    config: Config,
    path: Option<PathBuf>,
}

impl Ctx {
    /// Loads the config file given with `-c`.
    pub fn load(path: Option<PathBuf>) -> Result<Ctx> {
        let config = match &path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        Ok(Ctx { config, path })
    }

    fn hint(&self, key: &str) -> String {
        match &self.path {
            Some(p) => format!("(or `{key}` in {})", p.display()),
            None => format!("(or `{key}` in a config file given with -c)"),
        }
    }

    pub(crate) fn table(&self, cli: &Option<String>) -> Result<UpgradesTable> {
        Ok(UpgradesTable::parse(&self.table_pattern(cli)?)?)
    }

    /// The upgrades table as given (`{schema}` not yet replaced).
    pub(crate) fn table_pattern(&self, cli: &Option<String>) -> Result<String> {
        match cli.as_ref().or(self.config.upgrades_table.as_ref()) {
            Some(t) => Ok(t.clone()),
            None => bail!(
                "the upgrades table is missing: give -t SCHEMA.TABLE {}",
                self.hint("upgrades_table")
            ),
        }
    }

    fn dirs(&self, cli: &[PathBuf]) -> Result<Vec<PathBuf>> {
        if !cli.is_empty() {
            return Ok(cli.to_vec());
        }
        match self.config.dirs() {
            Some(d) if !d.is_empty() => Ok(d),
            _ => bail!(
                "the delta directories are missing: give -d DIR... {}",
                self.hint("delta_dir")
            ),
        }
    }

    fn optional_dirs(&self, cli: &[PathBuf]) -> Vec<PathBuf> {
        if cli.is_empty() {
            self.config.dirs().unwrap_or_default()
        } else {
            cli.to_vec()
        }
    }

    pub(crate) fn lock_timeout(&self, cli: Option<u64>) -> Duration {
        Duration::from_secs(cli.or(self.config.lock_timeout).unwrap_or(60))
    }

    fn python(&self, cli: &Option<String>) -> OsString {
        OsString::from(
            cli.clone()
                .or_else(|| self.config.python.clone())
                .unwrap_or_else(|| "python3".into()),
        )
    }

    pub(crate) fn variables(&self, raw: &[String]) -> Result<Variables> {
        let mut vars = match &self.path {
            Some(p) => self.config.variables(p)?,
            None => Variables::new(),
        };
        for chunk in raw.chunks(3) {
            if let [kind, name, value] = chunk {
                vars.set_from_cli(kind, name, value)?;
            }
        }
        Ok(vars)
    }

    fn list(cli: &[String], config: &Option<Vec<String>>) -> Vec<String> {
        if cli.is_empty() {
            config.clone().unwrap_or_default()
        } else {
            cli.to_vec()
        }
    }

    fn exclude_schemas(&self, cli: &[String]) -> Vec<String> {
        Ctx::list(cli, &self.config.exclude_schemas)
    }

    fn backup_file(&self, cli: &Option<PathBuf>, what: &str) -> Result<PathBuf> {
        match cli.as_ref().or(self.config.backup_file.as_ref()) {
            Some(f) => Ok(f.clone()),
            None => bail!(
                "the {what} file is missing: give FILE {}",
                self.hint("backup_file")
            ),
        }
    }

    fn source(&self, a: &TableArgs) -> Result<Source> {
        Ok(Source {
            table: self.table(&a.table)?,
            dirs: self.dirs(&a.dirs)?,
        })
    }

    /// The source of a fleet run: the table is a placeholder, replaced per
    /// target from the pattern.
    fn fleet_source(&self, a: &TableArgs) -> Result<(Source, String)> {
        let pattern = self.table_pattern(&a.table)?;
        let placeholder = pattern.replace(pum_core::fleet::SCHEMA_PLACEHOLDER, "schema");
        let table = UpgradesTable::parse(&placeholder)?;
        Ok((
            Source {
                table,
                dirs: self.dirs(&a.dirs)?,
            },
            pattern,
        ))
    }

    fn compare_options(&self, a: &CompareArgs) -> Result<CompareOptions> {
        let mut opts = CompareOptions {
            exclude_schemas: self.exclude_schemas(&a.exclude_schema),
            exclude_field_patterns: Ctx::list(
                &a.exclude_field_pattern,
                &self.config.exclude_field_patterns,
            ),
            column_order: a.column_order,
            ignore_whitespace: a.ignore_whitespace,
            privileges: a.privileges,
            owners: a.owners,
            extension_versions: a.extension_versions,
            ..CompareOptions::default()
        };
        if a.all {
            opts = opts.all();
        }
        for i in Ctx::list(&a.ignore, &self.config.ignore_elements) {
            opts.ignore.insert(i.parse::<Kind>()?);
        }
        Ok(opts)
    }
}

/// Runs one command and returns its exit code.
pub fn run(command: Command, ctx: &Ctx) -> Result<u8> {
    match command {
        Command::Baseline(a) => baseline(a, ctx),
        Command::Info(a) => info(a, ctx),
        Command::Upgrade(a) => upgrade(a, ctx),
        Command::Check(a) => check(a, ctx),
        Command::Snapshot(a) => snapshot(a),
        Command::Dump(a) => dump(a, ctx),
        Command::Restore(a) => restore(a, ctx),
        Command::TestAndUpgrade(a) => rehearse(a.rehearsal, true, a.yes, ctx),
        Command::Test(a) => rehearse(a, false, false, ctx),
        Command::Create(a) => crate::create_deploy::create(a, ctx),
        Command::Deploy(a) => crate::create_deploy::deploy(a, ctx),
        Command::Sandbox(a) => sandbox(a),
        Command::Completions(a) => crate::docs::completions(a),
        Command::Man(a) => crate::docs::man(a),
        Command::Cm(a) => crate::cm::run(a, ctx.config.pg_dump_exe.clone()),
    }
}

pub(crate) fn connect(pg_service: &str) -> Result<(ConnTarget, Conn)> {
    let target = ConnTarget::parse(pg_service)?;
    let conn = Conn::connect(&target, APP)?;
    Ok((target, conn))
}

fn source(a: &SourceArgs, ctx: &Ctx) -> Result<(Source, PlanOptions)> {
    Ok((ctx.source(&a.tables)?, plan_options(&a.plan)?))
}

fn plan_options(a: &PlanArgs) -> Result<PlanOptions> {
    Ok(PlanOptions {
        max_version: a
            .max_version
            .as_deref()
            .map(|v| Version::parse(v, "--max-version"))
            .transpose()?,
        out_of_order: a.out_of_order,
        allow_duplicates: a.allow_duplicates,
    })
}

/// Upgrade options from the command line and the config file.
fn upgrade_options(
    source: Source,
    plan: &PlanArgs,
    run: &RunArgs,
    ctx: &Ctx,
) -> Result<UpgradeOptions> {
    let mut opts = UpgradeOptions::new(source);
    opts.plan = plan_options(plan)?;
    opts.variables = ctx.variables(&run.var)?;
    opts.strict = run.strict;
    opts.lock_timeout = ctx.lock_timeout(run.lock_timeout);
    opts.python = ctx.python(&run.python);
    Ok(opts)
}

/// The targets of a command, when they make a fleet: `None` for one
/// database (the command runs as it always did).
fn fleet_targets(
    targets: &Targets,
    table: Option<&str>,
    history: &str,
) -> Result<Option<(Vec<fleet::Target>, fleet::FleetOptions)>> {
    let spec = targets.fleet.spec(&targets.pg_service, table);
    if !spec.is_fleet() {
        return Ok(None);
    }
    if let Some(t) = table {
        crate::fleet::require_schema_in_table(&spec, t, history)?;
    }
    let opts = targets.fleet.options();
    Ok(Some((fleet::expand(&spec, opts.jobs)?, opts)))
}

/// The one database of a command that is not a fleet run.
fn single(targets: &Targets) -> &str {
    targets
        .pg_service
        .first()
        .map(String::as_str)
        .unwrap_or_default()
}

fn baseline(a: BaselineArgs, ctx: &Ctx) -> Result<u8> {
    let version = Version::parse(&a.baseline, "--baseline")?;
    let pattern = ctx.table_pattern(&a.table)?;
    let fleet = fleet_targets(&a.conn, Some(&pattern), "upgrades table")?;
    let table = match &fleet {
        Some(_) => UpgradesTable::parse(&pattern.replace(fleet::SCHEMA_PLACEHOLDER, "schema"))?,
        None => UpgradesTable::parse(&pattern)?,
    };
    let opts = BaselineOptions {
        table,
        version,
        dirs: ctx.optional_dirs(&a.dirs),
        mark_applied: a.mark_applied,
        allow_duplicates: a.allow_duplicates,
        lock_timeout: ctx.lock_timeout(a.lock_timeout),
    };
    if let Some((targets, fopts)) = fleet {
        let json = a.format == Format::Json;
        return crate::fleet_run::baseline(&targets, &fopts, &opts, &pattern, json);
    }
    let (_, mut conn) = connect(single(&a.conn))?;
    let mut progress = Progress::new(false);
    let report = engine::baseline(&mut conn, &opts, &mut progress)?;
    if a.format == Format::Json {
        render::json(&report)?;
    } else {
        render::baseline(&report, &opts.table)?;
    }
    Ok(EXIT_OK)
}

fn info(a: InfoArgs, ctx: &Ctx) -> Result<u8> {
    let pattern = ctx.table_pattern(&a.source.tables.table)?;
    if let Some((targets, fopts)) = fleet_targets(&a.source.conn, Some(&pattern), "upgrades table")?
    {
        let (src, pattern) = ctx.fleet_source(&a.source.tables)?;
        let plan_opts = plan_options(&a.source.plan)?;
        let json = a.source.format == Format::Json;
        return crate::fleet_run::info(
            &targets,
            &fopts,
            &src,
            &pattern,
            &plan_opts,
            json,
            a.exit_code,
        );
    }
    let (src, plan_opts) = source(&a.source, ctx)?;
    // The delta files are read and hashed while the connection is made.
    let prefetch = engine::Prefetch::start(&src.dirs);
    let (_, mut conn) = connect(single(&a.source.conn))?;
    let info = engine::info_prefetched(&mut conn, &src, &plan_opts, prefetch)?;
    match a.source.format {
        Format::Text => render::info_text(&info)?,
        Format::Json => render::json(&info)?,
    }
    if a.exit_code && info.plan.pending_count() > 0 {
        return Ok(EXIT_PENDING);
    }
    Ok(EXIT_OK)
}

fn upgrade(a: UpgradeArgs, ctx: &Ctx) -> Result<u8> {
    let json = a.source.format == Format::Json;
    let pattern = ctx.table_pattern(&a.source.tables.table)?;
    if let Some((targets, fopts)) = fleet_targets(&a.source.conn, Some(&pattern), "upgrades table")?
    {
        let (src, pattern) = ctx.fleet_source(&a.source.tables)?;
        let mut opts = upgrade_options(src, &a.source.plan, &a.run, ctx)?;
        fleet::check_variables(&a.source.conn.fleet.spec(&[], None), &opts.variables)?;
        opts.single_transaction = a.single_transaction;
        opts.dry_run = a.dry_run;
        if a.verbose {
            bail!("--verbose shows one database's info table; with several targets run `pum info` on the one you want to see");
        }
        return crate::fleet_run::upgrade(&targets, &fopts, &opts, &pattern, json);
    }
    let mut opts = upgrade_options(ctx.source(&a.source.tables)?, &a.source.plan, &a.run, ctx)?;
    opts.single_transaction = a.single_transaction;
    opts.dry_run = a.dry_run;
    let connected = ConnTarget::parse(single(&a.source.conn))
        .and_then(|t| Conn::connect(&t, APP).map(|c| (t, c)))
        .map_err(pum_core::Error::from);
    let (target, mut conn) = match connected {
        Ok(c) => c,
        // Scripts get a connection failure as a JSON report too.
        Err(error) if json => {
            let failure = UpgradeFailure::from(error);
            render::upgrade_failed(&failure);
            let _ = render::upgrade_failed_json(&failure);
            return Ok(EXIT_FAILED);
        }
        Err(error) => return Err(error.into()),
    };
    if a.verbose && !json {
        let info = engine::info(&mut conn, &opts.source, &opts.plan)?;
        render::info_text(&info)?;
    }
    let mut progress = Progress::new(json);
    match engine::upgrade(&mut conn, &target, &opts, &mut progress) {
        Ok(report) => {
            if json {
                render::json(&report)?;
            } else {
                render::upgrade_done(&report)?;
            }
            Ok(EXIT_OK)
        }
        Err(failure) => {
            render::upgrade_failed(&failure);
            if json {
                // The exit code says it failed, even if stdout is closed.
                let _ = render::upgrade_failed_json(&failure);
            }
            Ok(EXIT_FAILED)
        }
    }
}

fn check(a: CheckArgs, ctx: &Ctx) -> Result<u8> {
    let opts = ctx.compare_options(&a.compare)?;
    let spec = a.fleet.spec(&a.pg_service2, None);
    if spec.is_fleet() {
        crate::fleet_run::check_refusals(
            &a.pg_service2,
            a.format == CheckFormat::Html,
            spec.schemas != fleet::Schemas::None,
        )?;
        let fopts = a.fleet.options();
        let targets = fleet::expand(&spec, fopts.jobs)?;
        let out = crate::fleet_run::CheckOutput {
            json: a.format == CheckFormat::Json,
            verbose: a.verbose_level,
            file: a.output_file.clone(),
        };
        return crate::fleet_run::check(&a.pg_service1, &targets, &fopts, &opts, &out);
    }
    let side_a = catalog::Source::parse(&a.pg_service1).context("-p1")?;
    let side_b = catalog::Source::parse(single_b(&a.pg_service2)).context("-p2")?;
    let (ra, rb) = catalog::read_pair(&side_a, &side_b, &opts.kinds());
    let snap_a = ra.with_context(|| format!("reading A ({})", side_a.display()))?;
    let snap_b = rb.with_context(|| format!("reading B ({})", side_b.display()))?;
    let result = compare::compare(&snap_a, &snap_b, &opts);
    let labels = (side_a.display(), side_b.display());
    let format = match a.format {
        CheckFormat::Text => Format::Text,
        CheckFormat::Json => Format::Json,
        CheckFormat::Html => Format::Text,
    };
    let write = |out: &mut dyn Write, color: bool| -> std::io::Result<()> {
        if a.format == CheckFormat::Html {
            crate::html::report(out, &result, &labels, (&snap_a, &snap_b))
        } else {
            render::comparison(out, &result, &labels, format, a.verbose_level, color)
        }
    };
    match &a.output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            );
            write(&mut f, false)?;
            f.flush()?;
        }
        None => {
            let color = render::use_color();
            let mut out = std::io::stdout().lock();
            write(&mut out, color)?;
        }
    }
    // pum exits right after the report: freeing hundreds of thousands of
    // small objects one by one would cost more than comparing them.
    std::mem::forget((snap_a, snap_b));
    Ok(if result.is_empty() {
        EXIT_OK
    } else {
        EXIT_DIFFERENCES
    })
}

fn single_b(b: &[String]) -> &str {
    b.first().map(String::as_str).unwrap_or_default()
}

fn snapshot(a: SnapshotArgs) -> Result<u8> {
    let (_, mut conn) = connect(&a.conn.pg_service)?;
    let snap = catalog::snapshot(&mut conn)?;
    let text = serde_json::to_string_pretty(&snap)?;
    match &a.output {
        Some(path) if path.as_os_str() != "-" => std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?,
        _ => writeln!(std::io::stdout().lock(), "{text}")?,
    }
    Ok(EXIT_OK)
}

fn dump(a: DumpArgs, ctx: &Ctx) -> Result<u8> {
    let opts = DumpOptions {
        target: ConnTarget::parse(&a.conn.pg_service)?,
        file: ctx.backup_file(&a.file, "dump")?,
        format: match a.format {
            DumpFormatArg::Custom => DumpFormat::Custom,
            DumpFormatArg::Plain => DumpFormat::Plain,
            DumpFormatArg::Directory => DumpFormat::Directory,
        },
        exclude_schemas: ctx.exclude_schemas(&a.exclude_schema),
        exclude_schema_data: Vec::new(),
        pg_dump: ctx.config.pg_dump_exe.clone(),
        compression: None,
    };
    let mut ticker = render::Ticker::new("pg_dump");
    let report = pum_core::dump::dump(&opts, &mut |p| ticker.tick(&p));
    ticker.clear();
    let report = report?;
    writeln!(
        std::io::stdout(),
        "Dumped {} to {} ({}, {:.1} s).",
        opts.target.display(),
        report.file.display(),
        render::bytes(report.bytes),
        report.millis as f64 / 1000.0
    )?;
    Ok(EXIT_OK)
}

fn restore(a: RestoreArgs, ctx: &Ctx) -> Result<u8> {
    let opts = RestoreOptions {
        target: ConnTarget::parse(&a.conn.pg_service)?,
        file: ctx.backup_file(&a.file, "dump")?,
        ignore_errors: a.ignore_errors,
        single_transaction: a.single_transaction,
        exclude_schemas: ctx.exclude_schemas(&a.exclude_schema),
        no_privileges: false,
        pg_restore: ctx.config.pg_restore_exe.clone(),
    };
    let mut ticker = render::Ticker::new("pg_restore");
    let report = pum_core::dump::restore(&opts, &mut |p| ticker.tick(&p));
    ticker.clear();
    let report = report?;
    render::restore_errors(&report.errors)?;
    writeln!(
        std::io::stdout(),
        "Restored {} into {} ({} objects, {:.1} s{}).",
        opts.file.display(),
        opts.target.display(),
        report.objects,
        report.millis as f64 / 1000.0,
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(", {} error(s) ignored", report.errors.len())
        }
    )?;
    Ok(EXIT_OK)
}

fn rehearse(a: RehearsalArgs, upgrade_production: bool, yes: bool, ctx: &Ctx) -> Result<u8> {
    let compare = ctx.compare_options(&a.compare)?;
    let upgrade = upgrade_options(ctx.source(&a.tables)?, &a.plan, &a.run, ctx)?;
    let production = ConnTarget::parse(&a.pg_service_prod).context("-pp")?;
    let test = match (&a.pg_service_test, a.sandbox) {
        (Some(t), _) => TestDatabase::Given(ConnTarget::parse(t).context("-pt")?),
        (None, true) => TestDatabase::Sandbox,
        (None, false) => TestDatabase::Scratch,
    };
    let reference = match (&a.pg_service_comp, &a.comp_init) {
        (Some(c), _) => Reference::Given(match catalog::Source::parse(c) {
            Ok(source) => source,
            // A snapshot file that does not exist: reported by the
            // rehearsal's first step, with the reference named.
            Err(_) if c.ends_with(".json") && !c.contains('=') => {
                catalog::Source::File(PathBuf::from(c))
            }
            Err(e) => return Err(e).context("-pc"),
        }),
        (None, Some(cmd)) => Reference::Init(cmd.clone()),
        (None, None) => bail!("the reference is missing: give -pc COMP or --comp-init COMMAND"),
    };
    let opts = RehearsalOptions {
        production,
        test,
        reference,
        upgrade,
        backup_file: a.file.clone().or_else(|| ctx.config.backup_file.clone()),
        ignore_restore_errors: a.ignore_restore_errors,
        compare,
        upgrade_production,
        keep: a.keep,
        pg_dump: ctx.config.pg_dump_exe.clone(),
        pg_restore: ctx.config.pg_restore_exe.clone(),
    };
    let mut progress = Progress::new(false);
    let prod_label = opts.production.display().to_string();
    let verbose = if a.verbose { 2 } else { 1 };
    let mut confirm = |_: &pum_core::rehearse::RehearsalReport| render::confirm(&prod_label, yes);
    let outcome = pum_core::rehearse::rehearse(&opts, &mut progress, &mut confirm);
    Ok(render::rehearsal(outcome, verbose, render::use_color()))
}

fn sandbox(a: SandboxArgs) -> Result<u8> {
    let opts = SandboxOptions {
        bin_dir: a.pg_bindir.clone(),
        ..SandboxOptions::default()
    };
    let mut stderr = std::io::stderr();
    let mut sandbox = Sandbox::start(&opts)?;
    sandbox.keep_files(a.keep);
    // Even if pum itself is killed (-9), the server stops and its files go.
    if !a.keep {
        sandbox.stop_when_process_exits()?;
    }
    for db in &a.dbs {
        sandbox.create_database(db, None)?;
    }
    let services: Vec<(&str, &str)> = a.dbs.iter().map(|d| (d.as_str(), d.as_str())).collect();
    let service_file = sandbox.write_service_file(&services)?;
    writeln!(
        stderr,
        "pum sandbox: PostgreSQL running in {} (databases: {})",
        sandbox.root().display(),
        a.dbs.join(", ")
    )?;
    let exe: PathBuf = std::env::current_exe().context("cannot find the pum executable")?;
    let (program, args) = a.command.split_first().expect("clap requires a command");
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env("PGSERVICEFILE", &service_file)
        .env("PGHOST", sandbox.socket_dir())
        .env("PGPORT", sandbox.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", &a.dbs[0])
        .env("PUM", &exe);
    // On a terminal the command stays in the terminal's foreground group
    // (it may read from it; Ctrl-C reaches it directly) and a SIGTERM or
    // SIGHUP to pum is passed on to it. Elsewhere (scripts, CI) it gets a
    // process group of its own, terminated as a whole on a signal (SIGTERM,
    // then SIGKILL), so nothing it started is orphaned.
    let interactive = std::io::stdin().is_terminal();
    if !interactive {
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run `{program}`"))?;
    let watch = if interactive {
        pum_core::interrupt::forward_signals(child.id())
    } else {
        pum_core::interrupt::watch_process_group(child.id())
    };
    let status = child
        .wait()
        .with_context(|| format!("cannot wait for `{program}`"))?;
    drop(watch);
    if a.keep {
        writeln!(
            stderr,
            "pum sandbox: files kept in {}",
            sandbox.root().display()
        )?;
    }
    sandbox.stop()?;
    Ok(match status.code() {
        Some(c) => u8::try_from(c).unwrap_or(EXIT_FAILED),
        None => EXIT_FAILED,
    })
}
