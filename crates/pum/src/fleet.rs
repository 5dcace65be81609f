//! Fleet runs: `baseline`, `info`, `upgrade`, `deploy` and `check` on many
//! databases or schemas at once (`-p a -p b`, `--databases a,b --uri URI`,
//! `--schemas s1,s2`, `--all-schemas`). Each target runs the single-target
//! command of the library; this module shows their progress side by side
//! and the summary table at the end.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use pum_core::fleet::{
    FleetOptions, NotStarted, Outcome, Schemas, Target, TargetEvent, TargetSpec,
};
use pum_core::pg::QualifiedName;
use pum_core::Error;

use crate::render::ErrorJson;
use crate::term::{self, Paint};

const HEADING: &str = "Many databases and schemas";

/// The options that turn a command into a fleet run.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// Databases to work on, comma-separated (or repeat), on the server of --uri; each is a
    /// target, next to those given with -p.
    #[arg(help_heading = HEADING, long = "databases", visible_alias = "database", value_name = "DB,...", value_delimiter = ',', action = clap::ArgAction::Append)]
    pub databases: Vec<String>,
    /// The server of --databases: a URI, connection string or service (its own database is
    /// ignored; sslmode and every other parameter apply to every connection). Default:
    /// libpq's (PGHOST, PGPORT...).
    #[arg(help_heading = HEADING, long, value_name = "URI", requires = "databases")]
    pub uri: Option<String>,
    /// Make these schemas of every database the targets (one schema per tenant): each gets
    /// search_path set to it (then public), `{schema}` in -t replaced by it, and the
    /// variable `schema` holding its name.
    #[arg(help_heading = HEADING, long = "schemas", visible_alias = "schema", value_name = "SCHEMA,...", value_delimiter = ',', action = clap::ArgAction::Append, conflicts_with = "all_schemas")]
    pub schemas: Vec<String>,
    /// Make every schema of every database a target, except pg_*, information_schema, the
    /// schemas of extensions, the fixed schema of -t and --skip-schemas.
    #[arg(help_heading = HEADING, long)]
    pub all_schemas: bool,
    /// With --all-schemas: schemas that are not targets (comma-separated).
    #[arg(help_heading = HEADING,
        long,
        value_name = "SCHEMA,...",
        value_delimiter = ',',
        requires = "all_schemas"
    )]
    pub skip_schemas: Vec<String>,
    /// How many targets to work on at once (one connection each).
    #[arg(help_heading = HEADING, short = 'j', long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// After a target fails, start no other (the running ones finish).
    #[arg(help_heading = HEADING, long)]
    pub fail_fast: bool,
    /// Work on the first K targets first; go on with the others only if all K succeeded.
    #[arg(help_heading = HEADING, long, value_name = "K")]
    pub canary: Option<usize>,
}

impl FleetArgs {
    /// The targets named by `-p` (repeatable) and these options.
    pub fn spec(&self, connections: &[String], table_pattern: Option<&str>) -> TargetSpec {
        let schemas = if self.all_schemas {
            let mut skip = self.skip_schemas.clone();
            // A history table in a fixed schema, shared by the tenants
            // (`pum_sys.upgrades_{schema}`): that schema is not a tenant.
            if let Some(schema) = table_pattern
                .and_then(|t| QualifiedName::parse(t).ok())
                .and_then(|q| q.schema)
                .filter(|s| !s.contains(pum_core::fleet::SCHEMA_PLACEHOLDER))
            {
                skip.push(schema);
            }
            Schemas::All { skip }
        } else if !self.schemas.is_empty() {
            Schemas::List(self.schemas.clone())
        } else {
            Schemas::None
        };
        TargetSpec {
            connections: connections.to_vec(),
            server: self.uri.clone(),
            databases: self.databases.clone(),
            schemas,
        }
    }

    /// How the run goes.
    pub fn options(&self) -> FleetOptions {
        FleetOptions {
            jobs: usize::from(self.jobs),
            fail_fast: self.fail_fast,
            canary: self.canary.unwrap_or(0),
        }
    }
}

/// With schemas as targets, a history table must be one per schema.
pub fn require_schema_in_table(spec: &TargetSpec, table: &str, what: &str) -> Result<()> {
    if spec.schemas == Schemas::None || table.contains(pum_core::fleet::SCHEMA_PLACEHOLDER) {
        return Ok(());
    }
    let qualified = QualifiedName::parse(table)
        .map(|q| q.schema.is_some())
        .unwrap_or(true);
    if qualified {
        anyhow::bail!(
            "with --schemas or --all-schemas every schema needs its own {what}, but -t {table} \
             names one table for all of them; put {{schema}} in it (e.g. -t {{schema}}.{})",
            QualifiedName::parse(table)
                .map(|q| q.name)
                .unwrap_or_else(|_| "pum_upgrades".into())
        );
    }
    Ok(())
}

/// Live progress of a fleet run on stderr: on a terminal, one line per
/// running target under the lines that stay (notices, finished targets);
/// elsewhere, only the lines that stay.
pub struct FleetProgress {
    labels: Vec<String>,
    verb: &'static str,
    live: bool,
    color: bool,
    running: BTreeMap<usize, String>,
    drawn: usize,
    done: usize,
    failed: usize,
    last_draw: Option<Instant>,
}

impl FleetProgress {
    /// Progress for these targets; `verb` says what is done to them
    /// (`upgrade`, `deploy`...).
    pub fn new(targets: &[Target], verb: &'static str) -> Self {
        FleetProgress {
            labels: targets.iter().map(|t| t.label.clone()).collect(),
            verb,
            live: io::stderr().is_terminal(),
            color: term::stderr_color(),
            running: BTreeMap::new(),
            drawn: 0,
            done: 0,
            failed: 0,
            last_draw: None,
        }
    }

    /// Shows one event of target `i`.
    pub fn event(&mut self, i: usize, e: &TargetEvent) {
        let label = self.labels[i].clone();
        match e {
            TargetEvent::Started => {
                self.running.insert(i, "connecting".into());
            }
            TargetEvent::Script {
                label: what,
                index,
                total,
                ..
            } => {
                self.running.insert(i, format!("[{index}/{total}] {what}"));
            }
            TargetEvent::LockWaiting {
                table,
                holder,
                timeout,
            } => {
                self.running
                    .insert(i, format!("waiting for the lock on {table}"));
                self.say(format!(
                    "{label}: another pum is working on it ({table}){}; waiting up to {} s...",
                    holder
                        .as_ref()
                        .map(|h| format!(", held by {h}"))
                        .unwrap_or_default(),
                    timeout.as_secs()
                ));
            }
            TargetEvent::Notice { file, notice } => self.say(match file {
                Some(f) => format!(
                    "{label}: {}: {}: {}",
                    f.display(),
                    notice.severity,
                    notice.message
                ),
                None => format!("{label}: {}: {}", notice.severity, notice.message),
            }),
            TargetEvent::Output { line, .. } => self.say(format!("{label}:     {line}")),
            TargetEvent::Warning { message } => self.say(format!("{label}: warning: {message}")),
            TargetEvent::Finished { ok, elapsed } => {
                self.running.remove(&i);
                self.done += 1;
                let paint = Paint(self.color);
                let verdict = if *ok {
                    paint.wrap(term::GREEN, "done")
                } else {
                    self.failed += 1;
                    paint.wrap(term::RED, "FAILED")
                };
                self.say(format!(
                    "{label}: {verdict} ({}) [{}/{}]",
                    seconds(*elapsed),
                    self.done,
                    self.labels.len()
                ));
            }
            _ => {}
        }
        self.draw(false);
    }

    /// A line that stays.
    fn say(&mut self, line: String) {
        let mut err = io::stderr().lock();
        self.clear(&mut err);
        let _ = writeln!(err, "{line}");
        self.last_draw = None;
    }

    fn clear(&mut self, err: &mut impl Write) {
        if self.drawn > 0 {
            let _ = write!(err, "\x1b[{}A\r\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    /// Redraws the running targets (at most ten times a second).
    fn draw(&mut self, force: bool) {
        if !self.live {
            return;
        }
        if !force
            && self.drawn > 0
            && self
                .last_draw
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        let width = terminal_size::terminal_size_of(io::stderr())
            .map(|(w, _)| usize::from(w.0))
            .unwrap_or(100)
            .max(20)
            - 1;
        let mut err = io::stderr().lock();
        self.clear(&mut err);
        if self.running.is_empty() {
            return;
        }
        let mut lines = vec![format!(
            "{}: {}/{} done{}, {} running",
            self.verb,
            self.done,
            self.labels.len(),
            if self.failed > 0 {
                format!(" ({} failed)", self.failed)
            } else {
                String::new()
            },
            self.running.len()
        )];
        for (i, what) in &self.running {
            lines.push(format!("  {}: {what}", self.labels[*i]));
        }
        for l in &lines {
            let _ = writeln!(err, "{}", term::cut(l, width));
        }
        self.drawn = lines.len();
        self.last_draw = Some(Instant::now());
    }

    /// Removes the live lines.
    pub fn finish(&mut self) {
        let mut err = io::stderr().lock();
        self.clear(&mut err);
    }
}

/// `1.2 s`, `340 ms`.
pub fn seconds(d: Duration) -> String {
    millis(d.as_millis() as u64)
}

/// `1.2 s`, `340 ms` from milliseconds.
pub fn millis(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// The status of a target in reports.
pub fn status<R>(o: &Outcome<R>, ok: impl Fn(&R) -> bool) -> &'static str {
    match o {
        Outcome::Ran { result, .. } if ok(result) => "ok",
        Outcome::Ran { .. } => "failed",
        Outcome::NotStarted(_) => "not-started",
    }
}

/// The first line of an error, for a table cell.
pub fn error_cell(e: &Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    term::cut(first, 100)
}

/// One target in a fleet's JSON report.
#[derive(serde::Serialize)]
pub struct TargetJson<'a, T: serde::Serialize> {
    /// Its label.
    pub target: &'a str,
    /// Its schema, for a schema target.
    pub schema: Option<&'a str>,
    /// `ok`, `failed` or `not-started`.
    pub status: &'static str,
    /// Why it did not start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_started: Option<NotStarted>,
    /// Wall time.
    pub millis: Option<u64>,
    /// What the command reports for it.
    #[serde(flatten)]
    pub detail: Option<T>,
    /// Why it failed.
    pub error: Option<ErrorJson<'a>>,
}

/// A fleet's JSON report.
#[derive(serde::Serialize)]
pub struct FleetJson<'a, T: serde::Serialize> {
    /// The command.
    pub command: &'static str,
    /// Every target, in order.
    pub targets: Vec<TargetJson<'a, T>>,
    /// How many succeeded.
    pub ok: usize,
    /// How many failed.
    pub failed: usize,
    /// How many never started.
    pub not_started: usize,
}

impl<'a, T: serde::Serialize> FleetJson<'a, T> {
    /// Counts the statuses of `targets`.
    pub fn new(command: &'static str, targets: Vec<TargetJson<'a, T>>) -> Self {
        let count = |s: &str| targets.iter().filter(|t| t.status == s).count();
        FleetJson {
            command,
            ok: count("ok"),
            failed: count("failed"),
            not_started: count("not-started"),
            targets,
        }
    }
}

/// The last line of a fleet's text report.
pub fn summary_line(
    out: &mut impl Write,
    total: usize,
    ok: usize,
    done_word: &str,
    failed: usize,
    not_started: usize,
) -> io::Result<()> {
    let mut parts = vec![format!("{ok} {done_word}")];
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if not_started > 0 {
        parts.push(format!("{not_started} not started"));
    }
    writeln!(
        out,
        "{total} target{}: {}.",
        if total == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// Prints, on stderr, a failed target's error in full under its name.
pub fn failure_header(label: &str) {
    let paint = Paint(term::stderr_color());
    let _ = writeln!(
        io::stderr(),
        "\n{}",
        paint.wrap(term::BOLD, &format!("== {label}"))
    );
}

/// Runs a fleet with live progress and returns the outcomes.
pub fn run<R: Send>(
    targets: &[Target],
    opts: &FleetOptions,
    verb: &'static str,
    ok: impl Fn(&R) -> bool + Sync,
    work: impl Fn(&Target, &mut dyn pum_core::event::Observer) -> R + Sync,
) -> Vec<Outcome<R>> {
    let mut progress = FleetProgress::new(targets, verb);
    let outcomes = pum_core::fleet::run(targets, opts, ok, work, &mut |i, e| progress.event(i, e));
    progress.finish();
    outcomes
}
