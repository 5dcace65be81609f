//! One function per command: turn parsed options into pum-core options,
//! call the library, hand the result to the renderer.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use pum_core::catalog::{self, Kind};
use pum_core::compare::{self, CompareOptions};
use pum_core::engine::{self, BaselineOptions, Source, UpgradeOptions};
use pum_core::history::UpgradesTable;
use pum_core::pg::{Conn, ConnTarget};
use pum_core::plan::PlanOptions;
use pum_core::sandbox::{Sandbox, SandboxOptions};
use pum_core::vars::Variables;
use pum_core::Version;

use crate::cli::{
    BaselineArgs, CheckArgs, Command, Format, InfoArgs, SandboxArgs, SnapshotArgs, SourceArgs,
    UpgradeArgs,
};
use crate::render::{self, Progress};
use crate::{EXIT_DIFFERENCES, EXIT_FAILED, EXIT_OK, EXIT_PENDING};

const APP: &str = "pum";

/// Runs one command and returns its exit code.
pub fn run(command: Command) -> Result<u8> {
    match command {
        Command::Baseline(a) => baseline(a),
        Command::Info(a) => info(a),
        Command::Upgrade(a) => upgrade(a),
        Command::Check(a) => check(a),
        Command::Snapshot(a) => snapshot(a),
        Command::Sandbox(a) => sandbox(a),
    }
}

fn connect(pg_service: &str) -> Result<(ConnTarget, Conn)> {
    let target = ConnTarget::parse(pg_service)?;
    let conn = Conn::connect(&target, APP)?;
    Ok((target, conn))
}

fn source(a: &SourceArgs) -> Result<(Source, PlanOptions)> {
    let table = UpgradesTable::parse(&a.table)?;
    let max_version = a
        .max_version
        .as_deref()
        .map(|v| Version::parse(v, "--max-version"))
        .transpose()?;
    Ok((
        Source {
            table,
            dirs: a.dirs.clone(),
        },
        PlanOptions {
            max_version,
            out_of_order: a.out_of_order,
        },
    ))
}

fn baseline(a: BaselineArgs) -> Result<u8> {
    let version = Version::parse(&a.baseline, "--baseline")?;
    let opts = BaselineOptions {
        table: UpgradesTable::parse(&a.table)?,
        version,
        dirs: a.dirs,
        mark_applied: a.mark_applied,
        lock_timeout: Duration::from_secs(a.lock_timeout),
    };
    let (_, mut conn) = connect(&a.conn.pg_service)?;
    let mut progress = Progress::new(false);
    let report = engine::baseline(&mut conn, &opts, &mut progress)?;
    render::baseline(&report, &opts.table)?;
    Ok(EXIT_OK)
}

fn info(a: InfoArgs) -> Result<u8> {
    let (src, plan_opts) = source(&a.source)?;
    let (_, mut conn) = connect(&a.source.conn.pg_service)?;
    let info = engine::info(&mut conn, &src, &plan_opts)?;
    match a.source.format {
        Format::Text => render::info_text(&info)?,
        Format::Json => render::json(&info)?,
    }
    if a.exit_code && info.plan.pending_count() > 0 {
        return Ok(EXIT_PENDING);
    }
    Ok(EXIT_OK)
}

fn variables(raw: &[String]) -> Result<Variables> {
    let mut vars = Variables::new();
    for chunk in raw.chunks(3) {
        if let [kind, name, value] = chunk {
            vars.set_from_cli(kind, name, value)?;
        }
    }
    Ok(vars)
}

fn upgrade(a: UpgradeArgs) -> Result<u8> {
    let (src, plan_opts) = source(&a.source)?;
    let mut opts = UpgradeOptions::new(src);
    opts.plan = plan_opts;
    opts.variables = variables(&a.var)?;
    opts.strict = a.strict;
    opts.single_transaction = a.single_transaction;
    opts.lock_timeout = Duration::from_secs(a.lock_timeout);
    opts.python = OsString::from(&a.python);
    opts.dry_run = a.dry_run;
    let json = a.source.format == Format::Json;
    let (target, mut conn) = connect(&a.source.conn.pg_service)?;
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
            Ok(EXIT_FAILED)
        }
    }
}

fn check(a: CheckArgs) -> Result<u8> {
    let mut opts = CompareOptions {
        exclude_schemas: a.exclude_schema.clone(),
        exclude_field_patterns: a.exclude_field_pattern.clone(),
        column_order: a.column_order,
        ignore_whitespace: a.ignore_whitespace,
        privileges: a.privileges,
        extension_versions: a.extension_versions,
        ..CompareOptions::default()
    };
    for i in &a.ignore {
        opts.ignore.insert(i.parse::<Kind>()?);
    }
    let side_a = catalog::Source::parse(&a.pg_service1).context("-p1")?;
    let side_b = catalog::Source::parse(&a.pg_service2).context("-p2")?;
    let (ra, rb) = catalog::read_pair(&side_a, &side_b);
    let snap_a = ra.with_context(|| format!("reading A ({})", side_a.display()))?;
    let snap_b = rb.with_context(|| format!("reading B ({})", side_b.display()))?;
    let result = compare::compare(&snap_a, &snap_b, &opts);
    let labels = (side_a.display(), side_b.display());
    match &a.output_file {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            );
            render::comparison(&mut f, &result, &labels, a.format, a.verbose_level, false)?;
            f.flush()?;
        }
        None => {
            let color = render::use_color();
            let mut out = std::io::stdout().lock();
            render::comparison(&mut out, &result, &labels, a.format, a.verbose_level, color)?;
        }
    }
    Ok(if result.is_empty() {
        EXIT_OK
    } else {
        EXIT_DIFFERENCES
    })
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

fn sandbox(a: SandboxArgs) -> Result<u8> {
    let opts = SandboxOptions {
        bin_dir: a.pg_bindir.clone(),
        ..SandboxOptions::default()
    };
    let mut stderr = std::io::stderr();
    let mut sandbox = Sandbox::start(&opts)?;
    sandbox.keep_files(a.keep);
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
    let status = std::process::Command::new(program)
        .args(args)
        .env("PGSERVICEFILE", &service_file)
        .env("PGHOST", sandbox.socket_dir())
        .env("PGPORT", sandbox.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", &a.dbs[0])
        .env("PUM", &exe)
        .status()
        .with_context(|| format!("cannot run `{program}`"))?;
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
