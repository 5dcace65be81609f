//! `pum create` and `pum deploy`: options in, library call, report out.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{bail, Result};
use pum_core::apply::runner::Leftover;
use pum_core::create::{self, Baseline, CreateFailure, CreateOptions, CreateReport};
use pum_core::deploy::{self, DeployFailure, DeployOptions, DeployReport, DeployStatus};
use pum_core::deployment::{self, DeploymentsTable, Kind, Severity, Status};
use pum_core::{fleet, Error, Version};

use crate::cli::{CreateArgs, DeployArgs, Format};
use crate::commands::{connect, Ctx};
use crate::render::{self, Progress};
use crate::{EXIT_DIFFERENCES, EXIT_FAILED, EXIT_OK, EXIT_PENDING};

fn required_connection(conn: Option<&String>, command: &str) -> Result<String> {
    match conn {
        Some(c) => Ok(c.clone()),
        None => bail!(
            "the database is missing: give -p SERVICE (or --postgres-dsn postgresql://user@host/db) \
             to pum {command}"
        ),
    }
}

/// `pum create`.
pub fn create(a: CreateArgs, ctx: &Ctx) -> Result<u8> {
    let pg = required_connection(a.conn.pg_service.as_ref(), "create")?;
    let mut opts = CreateOptions::new(&a.dir);
    if let Some(v) = &a.baseline {
        opts.baseline = Some(Baseline {
            table: ctx.table(&a.table)?,
            version: Version::parse(v, "--baseline")?,
        });
    } else if a.table.is_some() {
        bail!("-t names the upgrades table for --baseline: give --baseline X.Y.Z too, or leave -t out");
    }
    opts.variables = ctx.variables(&a.var)?;
    opts.strict = a.strict;
    opts.dry_run = a.dry_run;
    opts.lock_timeout = ctx.lock_timeout(a.lock_timeout);
    let json = a.format == Format::Json;
    let (_, mut conn) = connect(&pg)?;
    let mut progress = Progress::new(json);
    match create::create(&mut conn, &opts, &mut progress) {
        Ok(report) => {
            if json {
                render::json(&report)?;
            } else {
                create_done(&report, &opts)?;
            }
            Ok(EXIT_OK)
        }
        Err(failure) => {
            create_failed(&failure, &opts);
            if json {
                let _ = render::json(&FailureJson {
                    failed: true,
                    // A failing -- pum:no-transaction file keeps its
                    // statements before the failing one.
                    rolled_back: failure.committed.is_empty()
                        && !matches!(failure.stopped_in, Some((_, Leftover::MayBePartial))),
                    applied: &failure.committed,
                    stopped_in: failure.stopped_in.as_ref().map(|(f, left)| StoppedJson {
                        path: f.path.display().to_string(),
                        left: *left,
                    }),
                    interrupted: render::interrupted(&failure.error),
                    error: render::error_json(&failure.error),
                });
            }
            Ok(EXIT_FAILED)
        }
    }
}

/// The document `--format json` prints when `create` or `deploy` fails.
#[derive(serde::Serialize)]
struct FailureJson<'a, T: serde::Serialize> {
    failed: bool,
    /// True when nothing of the run stays.
    rolled_back: bool,
    /// What ran and stays committed.
    applied: &'a [T],
    stopped_in: Option<StoppedJson>,
    interrupted: Option<String>,
    error: render::ErrorJson<'a>,
}

#[derive(serde::Serialize)]
struct StoppedJson {
    path: String,
    left: Leftover,
}

fn findings<'a>(
    out: &mut impl Write,
    list: impl Iterator<Item = (Severity, &'a str)>,
) -> io::Result<()> {
    for (severity, message) in list {
        let word = match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        writeln!(out, "{word}: {message}")?;
    }
    Ok(())
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn create_done(report: &CreateReport, opts: &CreateOptions) -> io::Result<()> {
    let mut out = io::stdout().lock();
    findings(
        &mut out,
        report
            .tree
            .findings
            .iter()
            .map(|f| (f.severity, f.message.as_str())),
    )?;
    if report.dry_run {
        let rows: Vec<Vec<String>> = report
            .tree
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                vec![
                    (i + 1).to_string(),
                    f.subdir.clone(),
                    f.file_name.clone(),
                    f.order_key.map(|k| k.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        render::table(
            &mut out,
            &["#", "directory", "file", "order.json key"],
            &rows,
        )?;
        writeln!(
            out,
            "Would run {} files of {} in one transaction{} (--dry-run: nothing changed).",
            report.tree.files.len(),
            opts.root.display(),
            match &opts.baseline {
                Some(b) => format!(
                    ", then record baseline {} in {}",
                    b.version,
                    b.table.given()
                ),
                None => String::new(),
            }
        )?;
        return Ok(());
    }
    let ms: u64 = report.applied.iter().map(|c| c.millis).sum();
    writeln!(
        out,
        "Created from {}: {} in {}, committed together.",
        opts.root.display(),
        files(report.applied.len()),
        duration(ms)
    )?;
    if let Some(b) = &opts.baseline {
        writeln!(
            out,
            "Recorded baseline {} in {}: the database continues with `pum upgrade`.",
            b.version,
            b.table.given()
        )?;
    }
    Ok(())
}

fn create_failed(failure: &CreateFailure, opts: &CreateOptions) {
    let mut err = io::stderr().lock();
    render::core_error(&mut err, &failure.error);
    let stopped = failure.stopped_in.as_ref();
    let partial = matches!(stopped, Some((_, Leftover::MayBePartial)));
    let partial_note = "the failing file runs outside a transaction (-- pum:no-transaction): \
                        the statements before the failing one stay";
    let _ = if failure.committed.is_empty() {
        if partial {
            writeln!(err, "Nothing before it was kept, but {partial_note}.")
        } else if failure.rolled_back > 0 {
            writeln!(
                err,
                "Everything was rolled back ({} that had run): the database is as it was before \
                 `pum create`.",
                files(failure.rolled_back)
            )
        } else {
            writeln!(
                err,
                "Nothing was changed: the database is as it was before `pum create`."
            )
        }
    } else {
        let names: Vec<String> = failure
            .committed
            .iter()
            .map(|c| c.file.path.display().to_string())
            .collect();
        let mut text = format!(
            "Kept, committed by a -- pum:no-transaction file ({}): {}.",
            names.len(),
            names.join(", ")
        );
        match failure.rolled_back {
            0 => {}
            1 => text.push_str("\n1 file after them was rolled back."),
            n => text.push_str(&format!("\n{n} files after them were rolled back.")),
        }
        if partial {
            text.push_str(&format!("\nAnd {partial_note}."));
        }
        writeln!(
            err,
            "{text}\nDrop the database and run `pum create` again once the file is fixed."
        )
    };
    if opts.baseline.is_some() && (stopped.is_some() || failure.rolled_back > 0) {
        let _ = writeln!(err, "No baseline was recorded.");
    }
}

/// `pum deploy`.
pub fn deploy(a: DeployArgs, ctx: &Ctx) -> Result<u8> {
    let kind = if a.manual {
        Kind::Manual
    } else {
        Kind::Regular
    };
    let dir = a.dir.clone().unwrap_or_else(|| {
        PathBuf::from(match kind {
            Kind::Regular => "deployment",
            Kind::Manual => "manual-deployment",
        })
    });
    let json = a.format == Format::Json;
    if a.check {
        return check(&dir, a.manual_dir.as_deref(), kind, a.strict, json);
    }
    let spec = a.fleet.spec(&a.pg_service, Some(&a.table));
    let mut opts = DeployOptions::new(&dir);
    opts.kind = kind;
    opts.table = if spec.is_fleet() {
        crate::fleet::require_schema_in_table(&spec, &a.table, "deployments table")?;
        DeploymentsTable::parse(&a.table.replace(fleet::SCHEMA_PLACEHOLDER, "schema"))?
    } else {
        DeploymentsTable::parse(&a.table)?
    };
    opts.variables = ctx.variables(&a.var)?;
    opts.strict = a.strict;
    opts.dry_run = a.dry_run;
    opts.lock_timeout = ctx.lock_timeout(a.lock_timeout);
    if !a.status {
        // The files' own problems first: they need no database.
        deploy::check_files(&opts)?;
    }
    if spec.is_fleet() {
        fleet::check_variables(&spec, &opts.variables)?;
        let fopts = a.fleet.options();
        let targets = fleet::expand(&spec, fopts.jobs)?;
        return crate::fleet_run::deploy(
            &targets,
            &fopts,
            &opts,
            &a.table,
            a.status,
            json,
            a.exit_code,
        );
    }
    let pg = required_connection(a.pg_service.first(), "deploy")?;
    let (_, mut conn) = connect(&pg)?;
    if a.status {
        let status = deploy::status(&mut conn, &opts)?;
        if json {
            render::json(&status)?;
        } else {
            status_text(&status)?;
        }
        let pending = status.plan.to_run().next().is_some();
        return Ok(if a.exit_code && pending {
            EXIT_PENDING
        } else {
            EXIT_OK
        });
    }
    let mut progress = Progress::new(json);
    match deploy::deploy(&mut conn, &opts, &mut progress) {
        Ok(report) => {
            if json {
                render::json(&report)?;
            } else {
                deploy_done(&report)?;
            }
            Ok(EXIT_OK)
        }
        Err(failure) => {
            deploy_failed(&failure);
            if json {
                let _ = render::json(&FailureJson {
                    failed: true,
                    rolled_back: false,
                    applied: &failure.applied,
                    stopped_in: failure.stopped_in.as_ref().map(|(d, left)| StoppedJson {
                        path: d.path.display().to_string(),
                        left: *left,
                    }),
                    interrupted: render::interrupted(&failure.error),
                    error: render::error_json(&failure.error),
                });
            }
            Ok(EXIT_FAILED)
        }
    }
}

/// `pum deploy --check`: the checks alone, no database; with
/// `--manual-dir`, both directories and the file names they share.
fn check(
    dir: &std::path::Path,
    manual_dir: Option<&std::path::Path>,
    kind: Kind,
    strict: bool,
    json: bool,
) -> Result<u8> {
    let (dirs, across, blocking) = match manual_dir {
        Some(m) => {
            let report = deployment::check(dir, Some(m))?;
            let blocking = report.blocking(strict).len();
            if json {
                render::json(&report)?;
            }
            let mut dirs = vec![report.regular];
            dirs.extend(report.manual);
            (dirs, report.findings, blocking)
        }
        None => {
            let found = deployment::discover(dir, kind)?;
            let blocking = found.blocking(strict).len();
            if json {
                render::json(&found)?;
            }
            (vec![found], Vec::new(), blocking)
        }
    };
    if !json {
        let mut out = io::stdout().lock();
        for d in &dirs {
            let list = d.findings.iter().map(|f| (f.severity, f.message.as_str()));
            findings(&mut out, list)?;
            let problems = d.blocking(strict).len();
            let next = d.next_free_ordinal();
            if problems == 0 {
                let range = match (d.files.first(), d.files.last()) {
                    (Some(a), Some(b)) => format!(", {} to {}", a.digits, b.digits),
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "{}: {}{range}, every check passed; the next file is {next}-....sql",
                    d.dir.display(),
                    files(d.files.len())
                )?;
            } else {
                writeln!(
                    out,
                    "{}: {problems} problem(s) to fix before anything can be deployed; \
                     the next free ordinal is {next}",
                    d.dir.display()
                )?;
            }
        }
        findings(
            &mut out,
            across.iter().map(|f| (f.severity, f.message.as_str())),
        )?;
    }
    Ok(if blocking == 0 {
        EXIT_OK
    } else {
        EXIT_DIFFERENCES
    })
}

fn status_text(status: &DeployStatus) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let rows: Vec<Vec<String>> = status
        .plan
        .items
        .iter()
        .map(|i| {
            vec![
                i.deployment.digits.clone(),
                i.deployment.file_name.clone(),
                i.status.label().to_string(),
                i.date_applied.clone().unwrap_or_default(),
            ]
        })
        .collect();
    writeln!(
        out,
        "Deployments of {} ({}):",
        status.dir.display(),
        status.table
    )?;
    render::table(
        &mut out,
        &["ordinal", "file", "status", "applied on"],
        &rows,
    )?;
    findings(
        &mut out,
        status
            .plan
            .findings
            .iter()
            .map(|f| (f.severity, f.message.as_str())),
    )?;
    let count = |s: Status| status.plan.items.iter().filter(|i| i.status == s).count();
    writeln!(
        out,
        "{} applied, {} pending, {} modified since applied; the next new file is {}-....sql",
        count(Status::Applied),
        count(Status::Pending),
        count(Status::Modified),
        status.plan.next_free
    )
}

fn deploy_done(report: &DeployReport) -> io::Result<()> {
    let mut out = io::stdout().lock();
    findings(
        &mut out,
        report
            .plan
            .findings
            .iter()
            .map(|f| (f.severity, f.message.as_str())),
    )?;
    let pending: Vec<_> = report.plan.to_run().collect();
    if report.dry_run {
        if pending.is_empty() {
            return writeln!(out, "Nothing to deploy (--dry-run).");
        }
        for d in &pending {
            writeln!(out, "Would run {}", d.path.display())?;
        }
        return writeln!(
            out,
            "{} would run, each with its row in {} (--dry-run: nothing changed).",
            files(pending.len()),
            report.table
        );
    }
    if report.applied.is_empty() {
        let applied = report.plan.items.len();
        return writeln!(out, "Nothing to deploy: {} applied.", files(applied));
    }
    let ms: u64 = report.applied.iter().map(|d| d.millis).sum();
    writeln!(
        out,
        "Deployed {} in {}, each recorded in {}.",
        files(report.applied.len()),
        duration(ms),
        report.table
    )
}

fn deploy_failed(failure: &DeployFailure) {
    let mut err = io::stderr().lock();
    render::core_error(&mut err, &failure.error);
    let _ = if failure.applied.is_empty() {
        writeln!(err, "Nothing was deployed.")
    } else {
        let names: Vec<&str> = failure
            .applied
            .iter()
            .map(|d| d.deployment.file_name.as_str())
            .collect();
        writeln!(
            err,
            "Deployed and kept before the failure ({}): {}",
            names.len(),
            names.join(", ")
        )
    };
    let Some((d, left)) = &failure.stopped_in else {
        return;
    };
    let verb = if matches!(failure.error, Error::Interrupted { .. }) {
        "was running when pum was interrupted"
    } else {
        "failed"
    };
    let file = d.path.display();
    let _ = match left {
        Leftover::MayBePartial => writeln!(
            err,
            "{file} {verb}: it runs outside a transaction (-- pum:no-transaction), so it MAY BE \
             PARTLY APPLIED. It is not recorded: the next `pum deploy` runs it again from the top."
        ),
        _ if render::connection_lost(&failure.error) => writeln!(
            err,
            "{file} {verb}: the connection was lost and the server rolled it back; it is not \
             recorded. `pum deploy` continues with it once the server is reachable."
        ),
        _ => writeln!(
            err,
            "{file} {verb}: it was rolled back and is not recorded; fix it and run `pum deploy` again."
        ),
    };
}
