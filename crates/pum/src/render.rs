//! Everything pum prints. Results go to stdout; progress, notices and
//! warnings to stderr in JSON mode (so stdout stays one JSON document) and
//! to stdout in text mode, in the order they happen.

use std::io::{self, Write};

use pum_core::delta::{kind_label, Phase};
use pum_core::engine::{BaselineReport, Info, UpgradeFailure, UpgradeReport};
use pum_core::history::UpgradesTable;
use pum_core::{Error, Event, Observer};

/// Renders library events as they happen.
pub struct Progress {
    json: bool,
}

impl Progress {
    /// `json`: keep stdout for the final JSON document.
    pub fn new(json: bool) -> Self {
        Progress { json }
    }

    fn out(&self) -> Box<dyn Write> {
        if self.json {
            Box::new(io::stderr().lock())
        } else {
            Box::new(io::stdout().lock())
        }
    }
}

impl Observer for Progress {
    fn event(&mut self, event: &Event<'_>) {
        let mut err = io::stderr().lock();
        // Output errors (closed pipe) must not abort an upgrade half-way.
        let _ = match event {
            Event::LockWaiting { holder, timeout } => writeln!(
                err,
                "Another upgrade of this database is running{}; waiting up to {} s...",
                holder.map(|h| format!(" ({h})")).unwrap_or_default(),
                timeout.as_secs()
            ),
            Event::Starting {
                delta,
                index,
                total,
            } => {
                let what = match delta.version {
                    Some(v) => format!("{v} {} ({})", delta.name, delta.kind_label()),
                    None => delta.kind_label().to_string(),
                };
                writeln!(
                    self.out(),
                    "[{index}/{total}] Applying {what}: {}",
                    delta.path.display()
                )
            }
            Event::Finished { elapsed, .. } => {
                writeln!(self.out(), "        OK ({} ms)", elapsed.as_millis())
            }
            Event::Notice { file, notice } => match file {
                Some(f) => writeln!(
                    err,
                    "{}: {}: {}",
                    f.display(),
                    notice.severity,
                    notice.message
                ),
                None => writeln!(err, "{}: {}", notice.severity, notice.message),
            },
            Event::PythonOutput { line, stderr, .. } => {
                if *stderr {
                    writeln!(err, "    {line}")
                } else {
                    writeln!(self.out(), "    {line}")
                }
            }
            Event::Warning { message } => writeln!(err, "warning: {message}"),
            _ => Ok(()),
        };
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// A plain text table with `|` separators, as pum 0.x prints them.
fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "| {} |", parts.join(" | "))
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(out, &head)?;
    let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &dashes)?;
    for r in rows {
        line(out, r)?;
    }
    Ok(())
}

/// `pum info` as text.
pub fn info_text(info: &Info) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let plan = &info.plan;
    let current = plan
        .current
        .map(|v| v.to_string())
        .unwrap_or_else(|| "none".into());
    writeln!(out, "Upgrades table: {}", info.table)?;
    match plan.baseline {
        Some(b) => writeln!(out, "Current version: {current} (baseline {b})")?,
        None => writeln!(out, "Current version: {current}")?,
    }
    writeln!(out)?;
    writeln!(out, "Delta files")?;
    let rows: Vec<Vec<String>> = plan
        .items
        .iter()
        .map(|i| {
            vec![
                i.delta.version.map(|v| v.to_string()).unwrap_or_default(),
                i.delta.name.clone(),
                i.delta.kind_label().to_string(),
                i.status.label().to_string(),
                i.delta.path.display().to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &["Version", "Name", "Type", "Status", "File"],
        &rows,
    )?;
    let always: Vec<String> = plan
        .pre_all
        .iter()
        .chain(&plan.post_all)
        .map(|d| d.path.display().to_string())
        .collect();
    if !always.is_empty() {
        writeln!(out, "Run on every upgrade: {}", always.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "Applied upgrades in database")?;
    let rows: Vec<Vec<String>> = info
        .rows
        .iter()
        .map(|r| {
            vec![
                r.version.clone(),
                r.description.clone(),
                kind_label(r.type_code, Phase::Normal).to_string(),
                r.installed_by.clone(),
                r.installed_on.clone(),
                if r.success { "Success" } else { "Failed" }.to_string(),
                r.execution_time.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "Version",
            "Name",
            "Type",
            "Installed by",
            "Installed on",
            "Status",
            "ms",
        ],
        &rows,
    )?;
    writeln!(out)?;
    for f in &plan.findings {
        writeln!(out, "warning: {}", f.message)?;
    }
    let pending = plan.pending_count();
    match plan.target_version() {
        Some(t) if pending > 0 => writeln!(
            out,
            "{pending} delta(s) pending: `pum upgrade` would take the database from {current} to {t}."
        )?,
        _ => writeln!(out, "No delta pending: the database is up to date at {current}.")?,
    }
    out.flush()
}

/// `pum baseline` result.
pub fn baseline(report: &BaselineReport, table: &UpgradesTable) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for n in &report.not_deltas {
        writeln!(
            io::stderr(),
            "warning: {}: not a delta, never runs: {}",
            n.path.display(),
            n.reason
        )?;
    }
    if report.created_table {
        writeln!(out, "Created the upgrades table {table}.")?;
    }
    writeln!(out, "Baseline set to {}.", report.version)?;
    if !report.marked.is_empty() {
        writeln!(
            out,
            "Recorded {} delta(s) up to {} as applied.",
            report.marked.len(),
            report.version
        )?;
    }
    Ok(())
}

/// `pum upgrade` success.
pub fn upgrade_done(report: &UpgradeReport) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for f in &report.plan.findings {
        writeln!(io::stderr(), "warning: {}", f.message)?;
    }
    let v =
        |v: Option<pum_core::Version>| v.map(|v| v.to_string()).unwrap_or_else(|| "none".into());
    let deltas = report
        .applied
        .iter()
        .filter(|a| !a.delta.is_always())
        .count();
    if report.applied.is_empty() && report.plan.pending_count() > 0 {
        writeln!(out, "Dry run: nothing was changed. Would apply:")?;
        for d in report.plan.to_run() {
            writeln!(
                out,
                "  {} {} ({}): {}",
                v(d.version),
                d.name,
                d.kind_label(),
                d.path.display()
            )?;
        }
        return Ok(());
    }
    let ms: u64 = report.applied.iter().map(|a| a.millis).sum();
    if deltas == 0 {
        writeln!(
            out,
            "Nothing to apply: the database is up to date at {}.",
            v(report.to)
        )
    } else {
        writeln!(
            out,
            "Upgraded from {} to {}: {deltas} delta(s) applied in {ms} ms.",
            v(report.from),
            v(report.to)
        )
    }
}

/// `pum upgrade` failure: the error, then what was kept.
pub fn upgrade_failed(failure: &UpgradeFailure) {
    let mut err = io::stderr().lock();
    core_error(&mut err, &failure.error);
    let _ = if failure.rolled_back {
        writeln!(
            err,
            "Everything was rolled back (--single-transaction): the database is unchanged."
        )
    } else if failure.applied.is_empty() {
        writeln!(err, "Nothing was applied.")
    } else {
        let names: Vec<String> = failure
            .applied
            .iter()
            .map(|a| a.delta.file_name())
            .collect();
        writeln!(
            err,
            "Applied and kept before the failure ({}): {}",
            names.len(),
            names.join(", ")
        )
    };
    if failure.error.is_delta_failure() {
        let _ = writeln!(
            err,
            "The failing delta left no trace (rolled back, not recorded); fix it and run `pum upgrade` again."
        );
    }
}

fn core_error(err: &mut impl Write, e: &Error) {
    let _ = writeln!(err, "error: {e}");
    if let Error::DeltaSql { file, line, .. } = e {
        if let Ok(text) = std::fs::read_to_string(file) {
            if let Some(src) = text.lines().nth(line.saturating_sub(1)) {
                let _ = writeln!(err, "  {line} | {}", src.trim_end());
            }
        }
    }
}

/// Any error that ended a command.
pub fn error(e: &anyhow::Error) {
    let mut err = io::stderr().lock();
    match e.downcast_ref::<Error>() {
        Some(core) => core_error(&mut err, core),
        None => {
            let _ = writeln!(err, "error: {e:#}");
        }
    }
}
