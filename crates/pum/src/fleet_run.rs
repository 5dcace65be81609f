//! The fleet forms of `baseline`, `info`, `upgrade`, `deploy` and `check`:
//! the single-target command on every target, then a summary table (text)
//! or one JSON document, and an exit code that is non-zero when any target
//! failed.

use std::io::{self, Write};

use anyhow::{bail, Context, Result};
use pum_core::catalog::{self, Snapshot};
use pum_core::compare::{self, CompareOptions, Comparison};
use pum_core::deploy::{self, DeployFailure, DeployOptions, DeployReport, DeployStatus};
use pum_core::deployment::{DeploymentsTable, Status as DeployItemStatus};
use pum_core::engine::{
    self, Applied, BaselineOptions, BaselineReport, Info, Source, UpgradeFailure, UpgradeOptions,
    UpgradeReport,
};
use pum_core::event::Observer;
use pum_core::fleet::{FleetOptions, Outcome, Target};
use pum_core::history::UpgradesTable;
use pum_core::plan::PlanOptions;
use pum_core::Error;

use crate::fleet::{self as view, millis, status, FleetJson, TargetJson};
use crate::render;
use crate::{EXIT_DIFFERENCES, EXIT_FAILED, EXIT_OK, EXIT_PENDING};

const APP: &str = "pum";

fn version(v: Option<pum_core::Version>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "none".into())
}

/// Prints the table and the summary line on stdout.
fn print_table(
    header: &[&str],
    rows: &[Vec<String>],
    counts: (usize, usize, usize),
    done_word: &str,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    render::table(&mut out, header, rows)?;
    view::summary_line(
        &mut out,
        rows.len(),
        counts.0,
        done_word,
        counts.1,
        counts.2,
    )?;
    out.flush()
}

/// (ok, failed, not started) counts.
fn counts<R>(outcomes: &[Outcome<R>], ok: impl Fn(&R) -> bool) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for o in outcomes {
        match status(o, &ok) {
            "ok" => c.0 += 1,
            "failed" => c.1 += 1,
            _ => c.2 += 1,
        }
    }
    c
}

fn exit(c: (usize, usize, usize)) -> u8 {
    if c.1 + c.2 > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn target_json<'a, T: serde::Serialize>(
    t: &'a Target,
    status: &'static str,
    millis: Option<u64>,
    detail: Option<T>,
    error: Option<&'a Error>,
    not_started: Option<pum_core::fleet::NotStarted>,
) -> TargetJson<'a, T> {
    TargetJson {
        target: &t.label,
        schema: t.schema.as_deref(),
        status,
        not_started,
        millis,
        detail,
        error: error.map(render::error_json),
    }
}

/// Every target's entry of a JSON report: `ok` with `detail` of its
/// result, `failed` with what `failed` makes of its error (the detail that
/// stays, and the error), or `not-started`.
pub(crate) fn json_targets<'a, R, E, T: serde::Serialize>(
    targets: &'a [Target],
    outcomes: &'a [Outcome<std::result::Result<R, E>>],
    detail: impl Fn(&'a R) -> T,
    failed: impl Fn(&'a E) -> (Option<T>, &'a Error),
) -> Vec<TargetJson<'a, T>> {
    targets
        .iter()
        .zip(outcomes)
        .map(|(t, o)| match o {
            Outcome::Ran {
                result: Ok(r),
                millis,
            } => target_json(t, "ok", Some(*millis), Some(detail(r)), None, None),
            Outcome::Ran {
                result: Err(e),
                millis,
            } => {
                let (kept, error) = failed(e);
                target_json(t, "failed", Some(*millis), kept, Some(error), None)
            }
            Outcome::NotStarted(why) => target_json(t, "not-started", None, None, None, Some(*why)),
        })
        .collect()
}

/// The cells of a target that did not start, or failed before its work.
fn not_started_row(t: &Target, why: pum_core::fleet::NotStarted, width: usize) -> Vec<String> {
    let mut row = vec![t.label.clone()];
    row.resize(width - 1, String::new());
    row.push(why.reason().to_string());
    row
}

// --- upgrade -------------------------------------------------------------

#[derive(serde::Serialize)]
struct UpgradeJson<'a> {
    from: Option<String>,
    to: Option<String>,
    applied: &'a [Applied],
    #[serde(skip_serializing_if = "Option::is_none")]
    would_apply: Option<Vec<String>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    rolled_back: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_in: Option<&'a engine::StoppedFile>,
}

/// `pum upgrade` on every target.
// A failure carries what stays committed; it is moved once per target.
#[allow(clippy::result_large_err)]
pub fn upgrade(
    targets: &[Target],
    fleet: &FleetOptions,
    opts: &UpgradeOptions,
    table: &str,
    json: bool,
) -> Result<u8> {
    let work = |t: &Target, obs: &mut dyn Observer| -> Result<UpgradeReport, UpgradeFailure> {
        let mut o = opts.clone();
        o.source.table = UpgradesTable::parse(&t.substitute(table, "-t")?)?;
        o.variables = t.variables(&opts.variables);
        let mut conn = t.connect(APP)?;
        engine::upgrade(&mut conn, &t.conn, &o, obs)
    };
    let outcomes = view::run(targets, fleet, "upgrade", |r| r.is_ok(), work);
    let c = counts(&outcomes, |r| r.is_ok());
    if json {
        let docs = json_targets(
            targets,
            &outcomes,
            |r: &UpgradeReport| UpgradeJson {
                from: r.from.map(|v| v.to_string()),
                to: r.to.map(|v| v.to_string()),
                applied: &r.applied,
                would_apply: opts.dry_run.then(|| {
                    r.plan
                        .to_run()
                        .map(|d| d.path.display().to_string())
                        .collect()
                }),
                rolled_back: false,
                stopped_in: None,
            },
            |f: &UpgradeFailure| {
                let detail = UpgradeJson {
                    from: f.from.map(|v| v.to_string()),
                    to: reached(f).map(|v| v.to_string()),
                    applied: &f.applied,
                    would_apply: None,
                    rolled_back: f.rolled_back,
                    stopped_in: f.stopped_in.as_ref(),
                };
                (Some(detail), &f.error)
            },
        );
        let _ = render::json(&FleetJson::new("upgrade", docs));
    } else {
        let header = [
            "Target",
            "From",
            "To",
            if opts.dry_run { "To apply" } else { "Applied" },
            "Time",
            "Error",
        ];
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Ran {
                    result: Ok(r),
                    millis: ms,
                } => {
                    let n = if opts.dry_run {
                        r.plan.to_run().count()
                    } else {
                        r.applied.len()
                    };
                    let to = if opts.dry_run {
                        r.plan.target_version().or(r.from)
                    } else {
                        r.to
                    };
                    vec![
                        t.label.clone(),
                        version(r.from),
                        version(to),
                        n.to_string(),
                        millis(*ms),
                        String::new(),
                    ]
                }
                Outcome::Ran {
                    result: Err(f),
                    millis: ms,
                } => vec![
                    t.label.clone(),
                    f.from.map(|v| v.to_string()).unwrap_or_default(),
                    reached(f)
                        .or(f.from)
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    f.applied.len().to_string(),
                    millis(*ms),
                    view::error_cell(&f.error),
                ],
                Outcome::NotStarted(why) => not_started_row(t, *why, header.len()),
            })
            .collect();
        for (t, o) in targets.iter().zip(&outcomes) {
            if let Outcome::Ran { result: Err(f), .. } = o {
                view::failure_header(&t.label);
                render::upgrade_failed(f);
            }
        }
        let word = if opts.dry_run { "checked" } else { "upgraded" };
        print_table(&header, &rows, c, word)?;
    }
    Ok(exit(c))
}

/// The highest version among the deltas a failed upgrade kept.
fn reached(f: &UpgradeFailure) -> Option<pum_core::Version> {
    f.applied.iter().filter_map(|a| a.delta.version).max()
}

// --- baseline ------------------------------------------------------------

#[derive(serde::Serialize)]
struct BaselineJson<'a> {
    table: String,
    #[serde(flatten)]
    report: &'a BaselineReport,
}

/// `pum baseline` on every target.
pub fn baseline(
    targets: &[Target],
    fleet: &FleetOptions,
    opts: &BaselineOptions,
    table: &str,
    json: bool,
) -> Result<u8> {
    let work = |t: &Target, obs: &mut dyn Observer| -> pum_core::Result<(String, BaselineReport)> {
        let mut o = opts.clone();
        o.table = UpgradesTable::parse(&t.substitute(table, "-t")?)?;
        let mut conn = t.connect(APP)?;
        let r = engine::baseline(&mut conn, &o, obs)?;
        Ok((o.table.given().to_string(), r))
    };
    let outcomes = view::run(targets, fleet, "baseline", |r| r.is_ok(), work);
    let c = counts(&outcomes, |r| r.is_ok());
    if json {
        let docs = json_targets(
            targets,
            &outcomes,
            |(table, r): &(String, BaselineReport)| BaselineJson {
                table: table.clone(),
                report: r,
            },
            |e: &Error| (None, e),
        );
        let _ = render::json(&FleetJson::new("baseline", docs));
    } else {
        let header = [
            "Target",
            "Table",
            "Baseline",
            "Marked applied",
            "Time",
            "Error",
        ];
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Ran {
                    result: Ok((table, r)),
                    millis: ms,
                } => vec![
                    t.label.clone(),
                    table.clone(),
                    r.version.to_string(),
                    r.marked.len().to_string(),
                    millis(*ms),
                    String::new(),
                ],
                Outcome::Ran {
                    result: Err(e),
                    millis: ms,
                } => vec![
                    t.label.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    millis(*ms),
                    view::error_cell(e),
                ],
                Outcome::NotStarted(why) => not_started_row(t, *why, header.len()),
            })
            .collect();
        failures(targets, &outcomes, |r| r.as_ref().err());
        print_table(&header, &rows, c, "recorded")?;
    }
    Ok(exit(c))
}

/// Prints every failed target's error in full, on stderr.
fn failures<R>(targets: &[Target], outcomes: &[Outcome<R>], error: impl Fn(&R) -> Option<&Error>) {
    for (t, o) in targets.iter().zip(outcomes) {
        if let Outcome::Ran { result, .. } = o {
            if let Some(e) = error(result) {
                view::failure_header(&t.label);
                render::core_error(&mut io::stderr().lock(), e);
            }
        }
    }
}

// --- info ----------------------------------------------------------------

#[derive(serde::Serialize)]
struct InfoJson<'a> {
    table: &'a str,
    current: Option<String>,
    baseline: Option<String>,
    target_version: Option<String>,
    pending: Vec<String>,
    findings: Vec<&'a str>,
}

/// `pum info` on every target: one line each.
pub fn info(
    targets: &[Target],
    fleet: &FleetOptions,
    source: &Source,
    table: &str,
    plan: &PlanOptions,
    json: bool,
    exit_code: bool,
) -> Result<u8> {
    let work = |t: &Target, _: &mut dyn Observer| -> pum_core::Result<Info> {
        let mut s = source.clone();
        s.table = UpgradesTable::parse(&t.substitute(table, "-t")?)?;
        let mut conn = t.connect(APP)?;
        engine::info(&mut conn, &s, plan)
    };
    let outcomes = view::run(targets, fleet, "info", |r| r.is_ok(), work);
    let c = counts(&outcomes, |r| r.is_ok());
    let pending = outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Ran { result: Ok(i), .. } if i.plan.pending_count() > 0));
    if json {
        let docs = json_targets(
            targets,
            &outcomes,
            |i: &Info| InfoJson {
                table: &i.table,
                current: i.plan.current.map(|v| v.to_string()),
                baseline: i.plan.baseline.map(|v| v.to_string()),
                target_version: i.plan.target_version().map(|v| v.to_string()),
                pending: i
                    .plan
                    .to_run()
                    .map(|d| d.path.display().to_string())
                    .collect(),
                findings: i.plan.findings.iter().map(|f| f.message.as_str()).collect(),
            },
            |e: &Error| (None, e),
        );
        let _ = render::json(&FleetJson::new("info", docs));
    } else {
        let header = [
            "Target",
            "Current",
            "Pending",
            "Would reach",
            "Warnings",
            "Error",
        ];
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Ran { result: Ok(i), .. } => {
                    let n = i.plan.pending_count();
                    let warnings = i
                        .plan
                        .findings
                        .iter()
                        .filter(|f| f.severity != pum_core::plan::Severity::Note)
                        .count();
                    vec![
                        t.label.clone(),
                        version(i.plan.current),
                        n.to_string(),
                        if n > 0 {
                            version(i.plan.target_version())
                        } else {
                            String::new()
                        },
                        if warnings > 0 {
                            warnings.to_string()
                        } else {
                            String::new()
                        },
                        String::new(),
                    ]
                }
                Outcome::Ran { result: Err(e), .. } => {
                    let mut row = vec![t.label.clone()];
                    row.resize(header.len() - 1, String::new());
                    row.push(view::error_cell(e));
                    row
                }
                Outcome::NotStarted(why) => not_started_row(t, *why, header.len()),
            })
            .collect();
        failures(targets, &outcomes, |r| r.as_ref().err());
        print_table(&header, &rows, c, "read")?;
    }
    Ok(if c.1 + c.2 > 0 {
        EXIT_FAILED
    } else if exit_code && pending {
        EXIT_PENDING
    } else {
        EXIT_OK
    })
}

// --- deploy --------------------------------------------------------------

enum Deployed {
    Ran(DeployReport),
    Status(DeployStatus),
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum DeployJson<'a> {
    Ran(&'a DeployReport),
    Status(&'a DeployStatus),
    Failed {
        applied: &'a [pum_core::deploy::Deployed],
    },
}

/// `pum deploy` (or `deploy --status`) on every target.
#[allow(clippy::result_large_err)]
pub fn deploy(
    targets: &[Target],
    fleet: &FleetOptions,
    opts: &DeployOptions,
    table: &str,
    show_status: bool,
    json: bool,
    exit_code: bool,
) -> Result<u8> {
    let work = |t: &Target, obs: &mut dyn Observer| -> Result<Deployed, DeployFailure> {
        let mut o = opts.clone();
        o.table = DeploymentsTable::parse(&t.substitute(table, "-t")?)?;
        o.variables = t.variables(&opts.variables);
        let mut conn = t.connect(APP)?;
        if show_status {
            return Ok(Deployed::Status(deploy::status(&mut conn, &o)?));
        }
        deploy::deploy(&mut conn, &o, obs).map(Deployed::Ran)
    };
    let verb = if show_status { "status" } else { "deploy" };
    let outcomes = view::run(targets, fleet, verb, |r| r.is_ok(), work);
    let c = counts(&outcomes, |r| r.is_ok());
    let pending = outcomes.iter().any(|o| {
        matches!(o, Outcome::Ran { result: Ok(Deployed::Status(s)), .. } if s.plan.to_run().next().is_some())
    });
    if json {
        let docs = json_targets(
            targets,
            &outcomes,
            |d: &Deployed| match d {
                Deployed::Ran(r) => DeployJson::Ran(r),
                Deployed::Status(s) => DeployJson::Status(s),
            },
            |f: &DeployFailure| {
                let detail = DeployJson::Failed {
                    applied: &f.applied,
                };
                (Some(detail), &f.error)
            },
        );
        let _ = render::json(&FleetJson::new(verb, docs));
    } else {
        let header: &[&str] = if show_status {
            &["Target", "Applied", "Pending", "Modified", "Error"]
        } else if opts.dry_run {
            &["Target", "To apply", "Time", "Error"]
        } else {
            &["Target", "Applied", "Time", "Error"]
        };
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Ran {
                    result: Ok(Deployed::Status(s)),
                    ..
                } => {
                    let n = |st: DeployItemStatus| {
                        s.plan
                            .items
                            .iter()
                            .filter(|i| i.status == st)
                            .count()
                            .to_string()
                    };
                    vec![
                        t.label.clone(),
                        n(DeployItemStatus::Applied),
                        n(DeployItemStatus::Pending),
                        n(DeployItemStatus::Modified),
                        String::new(),
                    ]
                }
                Outcome::Ran {
                    result: Ok(Deployed::Ran(r)),
                    millis: ms,
                } => vec![
                    t.label.clone(),
                    if r.dry_run {
                        r.plan.to_run().count()
                    } else {
                        r.applied.len()
                    }
                    .to_string(),
                    millis(*ms),
                    String::new(),
                ],
                Outcome::Ran {
                    result: Err(f),
                    millis: ms,
                } => {
                    let mut row = vec![t.label.clone(), f.applied.len().to_string()];
                    if !show_status {
                        row.push(millis(*ms));
                    }
                    row.resize(header.len() - 1, String::new());
                    row.push(view::error_cell(&f.error));
                    row
                }
                Outcome::NotStarted(why) => not_started_row(t, *why, header.len()),
            })
            .collect();
        failures(targets, &outcomes, |r| r.as_ref().err().map(|f| &f.error));
        let word = if show_status {
            "read"
        } else if opts.dry_run {
            "checked"
        } else {
            "deployed"
        };
        print_table(header, &rows, c, word)?;
    }
    Ok(if c.1 + c.2 > 0 {
        EXIT_FAILED
    } else if exit_code && pending {
        EXIT_PENDING
    } else {
        EXIT_OK
    })
}

// --- check ---------------------------------------------------------------

#[derive(serde::Serialize)]
struct CheckJson<'a> {
    equal: bool,
    summary: &'a std::collections::BTreeMap<String, compare::Counts>,
    differences: &'a [compare::Difference],
}

/// What `check` writes where.
pub struct CheckOutput {
    /// json, else text.
    pub json: bool,
    /// `-v`.
    pub verbose: u8,
    /// `-o`.
    pub file: Option<std::path::PathBuf>,
}

/// `pum check -p1 REF -p2 a -p2 b`: every target compared with one
/// reference, read once.
pub fn check(
    reference: &str,
    targets: &[Target],
    fleet: &FleetOptions,
    opts: &CompareOptions,
    out: &CheckOutput,
) -> Result<u8> {
    let kinds = opts.kinds();
    let side_a = catalog::Source::parse(reference).context("-p1")?;
    let snap_a: Snapshot = side_a
        .read(&kinds)
        .with_context(|| format!("reading the reference ({})", side_a.display()))?;
    let work = |t: &Target, _: &mut dyn Observer| -> pum_core::Result<Comparison> {
        let snap_b = catalog::Source::Database(t.conn.clone()).read(&kinds)?;
        let result = compare::compare(&snap_a, &snap_b, opts);
        Ok(result)
    };
    let outcomes = view::run(targets, fleet, "check", |r| r.is_ok(), work);
    let c = counts(&outcomes, |r| r.is_ok());
    let differ = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Ran { result: Ok(r), .. } if !r.is_empty()))
        .count();
    let mut sink: Box<dyn Write> = match &out.file {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    let color = out.file.is_none() && render::use_color();
    if out.json {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            reference: String,
            #[serde(flatten)]
            fleet: FleetJson<'a, CheckJson<'a>>,
            differ: usize,
        }
        let docs = json_targets(
            targets,
            &outcomes,
            |r: &Comparison| CheckJson {
                equal: r.is_empty(),
                summary: &r.summary,
                differences: &r.differences,
            },
            |e: &Error| (None, e),
        );
        let doc = Doc {
            reference: side_a.display(),
            fleet: FleetJson::new("check", docs),
            differ,
        };
        serde_json::to_writer_pretty(&mut sink, &doc)?;
        writeln!(sink)?;
    } else {
        for (t, o) in targets.iter().zip(&outcomes) {
            if let Outcome::Ran { result: Ok(r), .. } = o {
                if !r.is_empty() {
                    writeln!(sink, "== {}", t.label)?;
                    let labels = (side_a.display(), t.label.clone());
                    render::comparison(
                        &mut *sink,
                        r,
                        &labels,
                        crate::cli::Format::Text,
                        out.verbose,
                        color,
                    )?;
                    writeln!(sink)?;
                }
            }
        }
        let header = ["Target", "Differences", "Time", "Error"];
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Ran {
                    result: Ok(r),
                    millis: ms,
                } => vec![
                    t.label.clone(),
                    if r.is_empty() {
                        "none".to_string()
                    } else {
                        r.differences.len().to_string()
                    },
                    millis(*ms),
                    String::new(),
                ],
                Outcome::Ran {
                    result: Err(e),
                    millis: ms,
                } => vec![
                    t.label.clone(),
                    String::new(),
                    millis(*ms),
                    view::error_cell(e),
                ],
                Outcome::NotStarted(why) => not_started_row(t, *why, header.len()),
            })
            .collect();
        writeln!(sink, "Reference (A): {}", side_a.display())?;
        render::table(&mut sink, &header, &rows)?;
        let mut parts = vec![format!("{} equal to the reference", c.0 - differ)];
        if differ > 0 {
            parts.push(format!("{differ} different"));
        }
        if c.1 > 0 {
            parts.push(format!("{} failed", c.1));
        }
        if c.2 > 0 {
            parts.push(format!("{} not started", c.2));
        }
        writeln!(sink, "{} targets: {}.", targets.len(), parts.join(", "))?;
        failures(targets, &outcomes, |r| r.as_ref().err());
    }
    sink.flush()?;
    drop(sink);
    // As in a single check: exiting frees the snapshots faster than
    // dropping them object by object.
    std::mem::forget(snap_a);
    std::mem::forget(outcomes);
    Ok(if c.1 + c.2 > 0 {
        EXIT_FAILED
    } else if differ > 0 {
        EXIT_DIFFERENCES
    } else {
        EXIT_OK
    })
}

/// Refuses what a fleet check cannot do.
pub fn check_refusals(b_sides: &[String], html: bool, schemas: bool) -> Result<()> {
    if html {
        bail!(
            "--format html writes one comparison; with several targets use --format text or json"
        );
    }
    if schemas {
        bail!(
            "check compares whole databases: --schemas and --all-schemas are for baseline, info, \
             upgrade and deploy"
        );
    }
    if let Some(f) = b_sides.iter().find(|s| s.ends_with(".json")) {
        bail!(
            "{f}: with several targets every -p2 is a database; compare a snapshot file on its own \
             (pum check -p1 REF -p2 {f})"
        );
    }
    Ok(())
}
