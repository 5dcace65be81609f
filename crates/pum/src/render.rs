//! Everything pum prints. Results go to stdout; progress, notices and
//! warnings to stderr in JSON mode (so stdout stays one JSON document) and
//! to stdout in text mode, in the order they happen.

use std::borrow::Cow;
use std::io::{self, Write};

use pum_core::delta::{kind_label, Phase};
use pum_core::engine::{BaselineReport, Info, Leftover, UpgradeFailure, UpgradeReport};
use pum_core::history::UpgradesTable;
use pum_core::plan::{FindingKind, Severity};
use pum_core::{Error, Event, Observer};

use crate::term::{self, Paint};

/// Renders library events as they happen.
pub struct Progress {
    json: bool,
    ticker: Option<Ticker>,
}

impl Progress {
    /// `json`: keep stdout for the final JSON document.
    pub fn new(json: bool) -> Self {
        Progress { json, ticker: None }
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
            Event::LockWaiting {
                table,
                holder,
                timeout,
            } => writeln!(
                err,
                "Another pum is working on this database ({table}){}; waiting up to {} s...",
                holder.map(|h| format!(", held by {h}")).unwrap_or_default(),
                timeout.as_secs()
            ),
            Event::Starting {
                file,
                label,
                index,
                total,
            } => writeln!(
                self.out(),
                "[{index}/{total}] Applying {label}: {}",
                file.display()
            ),
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
            Event::StepStarted { step, detail } => {
                let detail = if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                };
                writeln!(self.out(), "== {}{detail}", step.label())
            }
            Event::StepFinished { elapsed, .. } => {
                if let Some(t) = self.ticker.take() {
                    t.clear();
                }
                writeln!(self.out(), "   done in {:.1} s", elapsed.as_secs_f64())
            }
            Event::ToolProgress { step, progress } => {
                self.ticker
                    .get_or_insert_with(|| Ticker::new(step.label()))
                    .tick(progress);
                Ok(())
            }
            _ => Ok(()),
        };
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    // Buffered: stdout alone is line-buffered, a write per line.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// A plain text table with `|` separators, as pum 0.x prints them.
pub fn table<S: AsRef<str>>(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<S>],
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| term::width(h)).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(term::width(c.as_ref()));
        }
    }
    table_line(out, header, &widths)?;
    let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    table_line(out, &dashes, &widths)?;
    for r in rows {
        table_line(out, r, &widths)?;
    }
    Ok(())
}

/// One row of [`table`]: each cell left-aligned and padded to its width.
fn table_line(out: &mut impl Write, cells: &[impl AsRef<str>], widths: &[usize]) -> io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    out.write_all(b"| ")?;
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            out.write_all(b" | ")?;
        }
        let cell = cell.as_ref();
        out.write_all(cell.as_bytes())?;
        let mut pad = w.saturating_sub(term::width(cell));
        while pad > 0 {
            let n = pad.min(SPACES.len());
            out.write_all(&SPACES[..n])?;
            pad -= n;
        }
    }
    out.write_all(b" |\n")
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
    // Cells borrowed where they can be: two thousand-row tables.
    let rows: Vec<Vec<Cow<str>>> = plan
        .items
        .iter()
        .map(|i| {
            vec![
                i.delta
                    .version
                    .map(|v| v.to_string())
                    .unwrap_or_default()
                    .into(),
                i.delta.name.as_str().into(),
                i.delta.kind_label().into(),
                i.status.label().into(),
                i.delta.path.to_string_lossy(),
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
    let rows: Vec<Vec<Cow<str>>> = info
        .rows
        .iter()
        .map(|r| {
            vec![
                r.version.as_str().into(),
                r.description.as_str().into(),
                kind_label(r.type_code, Phase::Normal).into(),
                r.installed_by.as_str().into(),
                r.installed_on.as_str().into(),
                if r.success { "Success" } else { "Failed" }.into(),
                r.execution_time.to_string().into(),
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
        writeln!(out, "{}: {}", severity_label(f.severity), f.message)?;
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

/// The word a finding is shown with.
fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
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
    for f in &report.skipped {
        writeln!(io::stderr(), "note: {}", f.message)?;
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
        // Notes are for `info`, except what the upgrade skipped on purpose.
        let shown = f.severity != Severity::Note || matches!(f.kind, FindingKind::Duplicate { .. });
        if shown {
            writeln!(
                io::stderr(),
                "{}: {}",
                severity_label(f.severity),
                f.message
            )?;
        }
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

/// The error of a failed command in a JSON report.
#[derive(serde::Serialize)]
pub struct ErrorJson<'a> {
    kind: &'static str,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    severity: Option<&'a str>,
    sqlstate: Option<&'a str>,
    server_message: Option<&'a str>,
    detail: Option<&'a str>,
    hint: Option<&'a str>,
    context: Option<&'a str>,
    traceback: Option<&'a str>,
    problems: &'a [String],
    missing_variables: Vec<&'a str>,
}

/// The document `upgrade --format json` prints when the upgrade fails.
#[derive(serde::Serialize)]
struct FailureJson<'a> {
    failed: bool,
    rolled_back: bool,
    applied: &'a [pum_core::engine::Applied],
    stopped_in: Option<&'a pum_core::engine::StoppedFile>,
    interrupted: Option<String>,
    error: ErrorJson<'a>,
}

/// `pum upgrade --format json` failure: one JSON document on stdout (the
/// human-readable error goes to stderr as well, see [`upgrade_failed`]).
pub fn upgrade_failed_json(failure: &UpgradeFailure) -> io::Result<()> {
    json(&FailureJson {
        failed: true,
        rolled_back: failure.rolled_back,
        applied: &failure.applied,
        stopped_in: failure.stopped_in.as_ref(),
        interrupted: interrupted(&failure.error),
        error: error_json(&failure.error),
    })
}

/// The signal that stopped a command, if one did.
pub fn interrupted(e: &Error) -> Option<String> {
    match e {
        Error::Interrupted { signal } => Some(pum_core::interrupt::signal_name(*signal)),
        _ => None,
    }
}

/// An error as a JSON report shows it: file, line, SQLSTATE and the
/// server's fields.
pub fn error_json(e: &Error) -> ErrorJson<'_> {
    let db = e.db_error();
    ErrorJson {
        kind: e.kind(),
        message: e.to_string(),
        file: e.file().map(|f| f.display().to_string()),
        line: e.line(),
        severity: db.map(|d| d.severity.as_str()),
        sqlstate: db.map(|d| d.code.as_str()),
        server_message: db.map(|d| d.message.as_str()),
        detail: db.and_then(|d| d.detail.as_deref()),
        hint: db.and_then(|d| d.hint.as_deref()),
        context: db.and_then(|d| d.context.as_deref()),
        traceback: match e {
            Error::Python { traceback, .. } => Some(traceback.as_str()),
            _ => None,
        },
        problems: match e {
            Error::Refused { problems } => problems,
            _ => &[],
        },
        missing_variables: match e {
            Error::UndefinedVariables { missing, .. } => {
                missing.iter().map(|p| p.name.as_str()).collect()
            }
            _ => Vec::new(),
        },
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
    let verb = if matches!(failure.error, Error::Interrupted { .. }) {
        "was running when pum was interrupted"
    } else {
        "failed"
    };
    let Some(stopped) = &failure.stopped_in else {
        return;
    };
    let file = stopped.delta.path.display();
    let _ = match (&failure.error, stopped.left) {
        (Error::NotRecorded { kept: true, .. }, _) => writeln!(
            err,
            "{file} ran, but its row could not be written: what it did stays and is not recorded, \
             so the next `pum upgrade` runs it again. Make sure it can run twice (or record it by \
             hand) before running `pum upgrade` again."
        ),
        (_, Leftover::Nothing) if failure.rolled_back => Ok(()),
        (e, Leftover::Nothing) if connection_lost(e) => writeln!(
            err,
            "{file} {verb}: the connection to the server was lost, and the server rolled back the \
             delta's transaction (a delta and its row commit together or not at all). Once the \
             server is reachable, `pum upgrade` continues from the first delta not recorded \
             (`pum info` shows which)."
        ),
        (_, Leftover::Nothing) => writeln!(
            err,
            "{file} {verb}: it was rolled back and is not recorded; run `pum upgrade` again to apply it."
        ),
        (_, Leftover::MayBePartial) => writeln!(
            err,
            "{file} {verb}: it runs outside a transaction (-- pum:no-transaction), so it cannot be \
             rolled back and MAY BE PARTLY APPLIED: the statements before the failing one stay. It \
             is not recorded, so the next `pum upgrade` runs it again from the top; check what it \
             did, and write it to be re-runnable (IF NOT EXISTS, DROP INDEX CONCURRENTLY IF EXISTS \
             before CREATE INDEX CONCURRENTLY)."
        ),
        (_, Leftover::OwnConnections) => writeln!(
            err,
            "{file} {verb}: it is not recorded, but what this Python delta committed through its \
             own connections stays. Check it, then run `pum upgrade` again."
        ),
    };
}

/// True when the error says the session with the server is gone
/// (terminated, server shut down or crashed, network cut).
pub fn connection_lost(e: &Error) -> bool {
    e.db_error().is_some_and(|d| {
        matches!(
            d.code.as_str(),
            "57P01" | "57P02" | "57P03" | "08006" | "08003"
        ) || (d.code.is_empty()
            && (d.message.contains("server closed the connection")
                || d.message.contains("connection to server")
                || d.message.contains("no connection to the server")))
    })
}

/// Prints an error, with the failing line of a SQL file.
pub fn core_error(err: &mut impl Write, e: &Error) {
    let _ = writeln!(err, "{} {e}", error_label());
    if let Error::DeltaSql { file, line, .. } | Error::UndefinedVariables { file, line, .. } = e {
        if let Ok(text) = std::fs::read_to_string(file) {
            if let Some(src) = text.lines().nth(line.saturating_sub(1)) {
                let _ = writeln!(err, "  {line} | {}", src.trim_end());
            }
        }
    }
}

/// `error:`, in red on a terminal (stderr).
fn error_label() -> String {
    Paint(term::stderr_color()).wrap(term::ERROR, "error:")
}

/// Any error that ended a command.
pub fn error(e: &anyhow::Error) {
    let mut err = io::stderr().lock();
    // The libpq wrapper's own errors render as the library's.
    let converted = e
        .downcast_ref::<pum_core::pg::PgError>()
        .map(|p| Error::from(p.clone()));
    match e.downcast_ref::<Error>().or(converted.as_ref()) {
        Some(core) => core_error(&mut err, core),
        None => {
            let _ = writeln!(err, "{} {e:#}", error_label());
        }
    }
}

/// True when stdout is to be coloured (see [`term`]).
pub fn use_color() -> bool {
    term::stdout_color()
}

fn one_line(s: Option<&str>) -> String {
    match s {
        Some(v) => v.split_whitespace().collect::<Vec<_>>().join(" "),
        None => "(not set)".into(),
    }
}

/// The JSON document of `check --format json`.
#[derive(serde::Serialize)]
struct CheckJson<'a> {
    a: &'a str,
    b: &'a str,
    equal: bool,
    summary: &'a std::collections::BTreeMap<String, pum_core::compare::Counts>,
    differences: &'a [pum_core::compare::Difference],
}

/// `pum check` output.
pub fn comparison(
    out: &mut dyn Write,
    result: &pum_core::compare::Comparison,
    labels: &(String, String),
    format: crate::cli::Format,
    verbose: u8,
    color: bool,
) -> io::Result<()> {
    use pum_core::compare::Status;
    if format == crate::cli::Format::Json {
        let doc = CheckJson {
            a: &labels.0,
            b: &labels.1,
            equal: result.is_empty(),
            summary: &result.summary,
            differences: &result.differences,
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
        return writeln!(out);
    }
    let paint = Paint(color);
    writeln!(out, "A: {}", labels.0)?;
    writeln!(out, "B: {}", labels.1)?;
    if result.is_empty() {
        return writeln!(out, "{}", paint.wrap(term::GREEN, "No difference."));
    }
    let mut current = None;
    for d in &result.differences {
        if verbose > 0 && current != Some(d.kind) {
            current = Some(d.kind);
            let c = result.summary[d.kind.name()];
            let mut parts = Vec::new();
            if c.only_in_a > 0 {
                parts.push(format!("{} only in A", c.only_in_a));
            }
            if c.only_in_b > 0 {
                parts.push(format!("{} only in B", c.only_in_b));
            }
            if c.different > 0 {
                parts.push(format!("{} different", c.different));
            }
            writeln!(out)?;
            writeln!(
                out,
                "{} ({})",
                paint.wrap(term::BOLD, d.kind.name()),
                parts.join(", ")
            )?;
        }
        if verbose == 0 {
            continue;
        }
        let (mark, code, what) = match d.status {
            Status::OnlyInA => ("-", term::RED, "only in A"),
            Status::OnlyInB => ("+", term::GREEN, "only in B"),
            Status::Different => ("~", term::YELLOW, "different"),
        };
        let line = format!("  {mark} {}  ({what})", d.display_name());
        let line = if verbose == 1 {
            term::cut(&line, 79)
        } else {
            line
        };
        writeln!(out, "{}", paint.wrap(code, &line))?;
        for attr in &d.attributes {
            let (a, b) = (attr.a.as_deref(), attr.b.as_deref());
            let multi = |v: Option<&str>| v.is_some_and(|v| v.contains('\n') || v.len() > 60);
            if verbose >= 2 && (multi(a) || multi(b)) {
                writeln!(out, "      {}:", attr.name)?;
                let diff = similar::TextDiff::from_lines(a.unwrap_or(""), b.unwrap_or(""));
                let text = diff.unified_diff().header("A", "B").to_string();
                for l in text.lines() {
                    let code = match l.chars().next() {
                        Some('-') if !l.starts_with("---") => term::RED,
                        Some('+') if !l.starts_with("+++") => term::GREEN,
                        _ => term::PLAIN,
                    };
                    writeln!(out, "        {}", paint.wrap(code, l))?;
                }
            } else {
                let l = format!("      {}: A {} | B {}", attr.name, one_line(a), one_line(b));
                let l = if verbose == 1 { term::cut(&l, 79) } else { l };
                writeln!(out, "{l}")?;
            }
        }
    }
    writeln!(out)?;
    let total: Vec<String> = result
        .summary
        .iter()
        .map(|(k, c)| format!("{k} {}", c.only_in_a + c.only_in_b + c.different))
        .collect();
    writeln!(
        out,
        "{}",
        paint.wrap(
            term::YELLOW,
            &format!(
                "{} difference(s): {}.",
                result.differences.len(),
                total.join(", ")
            )
        )
    )
}

/// Human-readable byte counts.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A one-line progress display for long-running tools, on a terminal only.
pub struct Ticker {
    label: String,
    active: bool,
    shown: bool,
}

impl Ticker {
    /// A ticker for `label` (shown only when stderr is a terminal).
    pub fn new(label: &str) -> Ticker {
        use std::io::IsTerminal;
        Ticker {
            label: label.to_string(),
            active: io::stderr().is_terminal(),
            shown: false,
        }
    }

    /// Shows the latest progress.
    pub fn tick(&mut self, p: &pum_core::dump::ToolProgress) {
        if !self.active || p.elapsed.as_millis() < 500 {
            return;
        }
        let mut what = format!("{:.0} s", p.elapsed.as_secs_f64());
        if p.bytes > 0 {
            what.push_str(&format!(", {} written", bytes(p.bytes)));
        }
        if p.objects > 0 {
            what.push_str(&format!(", {} objects", p.objects));
        }
        let _ = write!(io::stderr(), "\r\x1b[2K   {}: {what}", self.label);
        self.shown = true;
    }

    /// Removes the progress line.
    pub fn clear(&self) {
        if self.shown {
            let _ = write!(io::stderr(), "\r\x1b[2K");
        }
    }
}

/// Lists the errors pg_restore reported but that were ignored (`-x`).
pub fn restore_errors(errors: &[String]) -> io::Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "warning: pg_restore reported {} error(s), ignored (-x):",
        errors.len()
    )?;
    for e in errors.iter().take(10) {
        writeln!(err, "  {e}")?;
    }
    if errors.len() > 10 {
        writeln!(err, "  ... and {} more", errors.len() - 10)?;
    }
    Ok(())
}

/// Asks before upgrading production: `--yes`, or a terminal prompt (pum 0.x's
/// wording); never an implicit yes without a terminal.
pub fn confirm(production: &str, yes: bool) -> bool {
    use std::io::IsTerminal;
    // Asked only after a comparison that found nothing.
    let _ = writeln!(
        io::stdout(),
        "   no difference: the upgraded copy matches the reference"
    );
    if yes {
        let _ = writeln!(
            io::stdout(),
            "Upgrading production ({production}): confirmed by --yes."
        );
        return true;
    }
    if !io::stdin().is_terminal() {
        let _ = writeln!(
            io::stderr(),
            "No terminal to ask on: production was not upgraded. Run again with --yes to upgrade it without asking."
        );
        return false;
    }
    let _ = write!(io::stdout(), "Apply deltas to {production}? [n]|y: ");
    let _ = io::stdout().flush();
    // Read on another thread, so that Ctrl-C at the prompt is seen at once
    // (the read itself is not interrupted by the signal).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let ok = io::stdin().read_line(&mut answer).is_ok();
        let _ = tx.send(ok.then_some(answer));
    });
    loop {
        match rx.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(Some(answer)) => {
                return matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
            }
            Ok(None) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return false,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if pum_core::interrupt::requested().is_some() {
                    let _ = writeln!(io::stdout());
                    return false;
                }
            }
        }
    }
}

/// Prints a rehearsal's result and returns the exit code.
pub fn rehearsal(
    outcome: Result<pum_core::rehearse::RehearsalReport, pum_core::rehearse::RehearsalFailure>,
    verbose: u8,
    color: bool,
) -> u8 {
    use pum_core::rehearse::{Outcome, Step};
    let (report, code) = match outcome {
        Ok(report) => {
            let code = match report.outcome {
                Some(Outcome::Passed) | Some(Outcome::Upgraded) => 0,
                Some(Outcome::Differences) => 1,
                Some(Outcome::NotConfirmed) | None => 8,
            };
            (report, code)
        }
        Err(failure) => {
            let mut err = io::stderr().lock();
            let _ = writeln!(
                err,
                "The rehearsal failed at step: {}.",
                failure.step.label()
            );
            core_error(&mut err, &failure.error);
            let code = match failure.step {
                Step::Prepare => 2,
                Step::Dump => 3,
                Step::Restore => 4,
                Step::UpgradeTest => 5,
                Step::Compare => 6,
                Step::Confirm => 8,
                Step::UpgradeProduction => 7,
            };
            if failure.step != Step::UpgradeProduction {
                let _ = writeln!(err, "Production was not changed.");
            }
            (failure.report, code)
        }
    };
    let mut out = io::stdout().lock();
    let _ = restore_errors(&report.restore_errors);
    if let Some(c) = &report.comparison {
        if !c.is_empty() {
            let _ = writeln!(out);
            let labels = ("the upgraded copy".to_string(), "the reference".to_string());
            let _ = comparison(
                &mut out,
                c,
                &labels,
                crate::cli::Format::Text,
                verbose,
                color,
            );
        }
    }
    let message = match report.outcome {
        Some(Outcome::Passed) => "The rehearsal passed: the upgraded copy matches the reference. Production was not touched.",
        Some(Outcome::Upgraded) => "The rehearsal passed and production was upgraded.",
        Some(Outcome::Differences) => "The upgraded copy differs from the reference: production was not touched.",
        Some(Outcome::NotConfirmed) => "Production was not upgraded.",
        None => "",
    };
    if !message.is_empty() {
        let _ = writeln!(out, "{message}");
    }
    for k in &report.kept {
        let _ = writeln!(out, "Kept: {k}");
    }
    for left in &report.left_behind {
        let _ = writeln!(io::stderr(), "Left behind: {left}");
    }
    if let Some(f) = &report.dump_file {
        let _ = writeln!(
            out,
            "Production's dump: {} ({})",
            f.display(),
            bytes(report.dump_bytes)
        );
    }
    code
}
