//! Ordinal deployments: numbered SQL files run once each, recorded in
//! `tbl_deployments` (pure apart from reading directories and the table's
//! own SQL).
//!
//! # Files
//!
//! A deployment directory (`deployment/`) holds files named
//! `<ordinal>-<name>.sql`, e.g. `00000-add-new-table.sql`:
//!
//! - the ordinal is one or more ASCII digits; every file of a directory
//!   writes it with the same number of digits (five in practice: the width
//!   most files use is the directory's width);
//! - a dash, then the name: at least one character, any character but
//!   whitespace, control characters and path separators (`/`, `\`), so
//!   dots, dashes, underscores and letters of any script are fine;
//! - the extension `.sql`, in lower case.
//!
//! A separate directory (`manual-deployment/`) holds manual deployments,
//! named the same way.
//!
//! Before anything runs, [`discover`] checks a directory and reports
//! every violation at once, each with what is needed to print a fix
//! (the suggested new name):
//!
//! - **format**: a `.sql` file not named as above, or whose ordinal has
//!   another width than the directory's, is an error; other files are
//!   warnings (they never run); hidden files (`.gitkeep`) are ignored;
//! - **gaps**: the ordinals must follow each other from the smallest one
//!   present (`00000, 00001, 00040` misses `00002` to `00039`); not checked
//!   for manual deployments;
//! - **duplicates**: two files with the same ordinal.
//!
//! [`Deployments::next_free`] is the ordinal for a new file (the largest
//! plus one, at the directory's width); suggested renames take ordinals
//! from there on. [`check`] runs the checks on both directories without a
//! database, for CI.
//!
//! # History
//!
//! The table is the original tool's, unchanged:
//! `tbl_deployments(file_name text PRIMARY KEY, manual_deployment boolean
//! NOT NULL DEFAULT false, date_applied timestamp NOT NULL DEFAULT now())`
//! (`-t` may name another table, schema-qualified or not). `file_name` is
//! the file's name without its directory.
//!
//! # Checksums
//!
//! The original table has no checksum column. pum adds one, nullable,
//! when it first writes to the table:
//! `ALTER TABLE ... ADD COLUMN IF NOT EXISTS checksum text`
//! ([`DeploymentsTable::prepare_for_writing`]), and stores the MD5 of each
//! file it runs there, as the upgrades table does. Why a column and not a
//! side table:
//!
//! - the original tool keeps working on the table: its inserts name their
//!   columns (`INSERT INTO tbl_deployments (file_name) VALUES (...)`, with
//!   `manual_deployment` for manual files), and a new nullable column
//!   without a default takes NULL in every such insert;
//! - the checksum lives in the row it describes: one table to dump, grant,
//!   compare and clean up, no orphan rows when a row is deleted;
//! - reading never writes: on a table without the column (only the original
//!   tool ever wrote to it) rows read with no checksum, and reading works
//!   with `SELECT` alone; the column is added only on a write, and only
//!   when it is missing (so later runs need neither ownership of the table
//!   nor its lock).
//!
//! A row without a checksum (written by the original tool) is applied; its
//! file cannot be checked, which the plan notes. A row with one whose file
//! changed since (line endings and a BOM ignored) is *modified since
//! applied*. [`DeploymentsTable::record_checksum_sql`] fills in the checksum
//! of a row that has none, for a caller that chooses to adopt the current
//! files as the applied ones.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::plan::Severity;

use crate::error::{Error, Result};
use crate::pg::{Conn, DbError, QualifiedName};
use crate::tree::natural_cmp;

/// The table the original tool records deployments in.
pub const DEFAULT_TABLE: &str = "tbl_deployments";

/// The ordinal width of a directory with no well-formed file.
pub const DEFAULT_WIDTH: usize = 5;

/// Regular or manual deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `deployment/`: ordinals without gaps, each file runs once.
    Regular,
    /// `manual-deployment/`: gaps allowed, each file runs once, recorded
    /// with `manual_deployment = true`.
    Manual,
}

impl Kind {
    /// The value of the `manual_deployment` column.
    pub fn is_manual(self) -> bool {
        self == Kind::Manual
    }
}

/// One deployment file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deployment {
    /// The directory as given joined with the file name.
    pub path: PathBuf,
    /// The file name, as recorded in `file_name`.
    pub file_name: String,
    /// The ordinal's value.
    pub ordinal: u64,
    /// The ordinal as written (`00012`).
    pub digits: String,
    /// The name part (`add-new-table`).
    pub name: String,
    /// Regular or manual.
    pub kind: Kind,
}

/// Why a `.sql` file name is not `<ordinal>-<name>.sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameProblem {
    /// It does not start with a digit.
    NoOrdinal,
    /// The digits are not followed by `-`.
    NoDash,
    /// Nothing between the dash and `.sql`.
    EmptyName,
    /// The name holds whitespace, a control character or a path separator.
    BadCharacter,
    /// The ordinal does not fit in 64 bits.
    OrdinalTooLarge,
}

impl NameProblem {
    fn describe(self) -> &'static str {
        match self {
            NameProblem::NoOrdinal => "it does not start with an ordinal",
            NameProblem::NoDash => "the ordinal is not followed by '-'",
            NameProblem::EmptyName => "the name after the ordinal is empty",
            NameProblem::BadCharacter => {
                "the name holds whitespace, a control character or a path separator"
            }
            NameProblem::OrdinalTooLarge => "the ordinal is too large",
        }
    }
}

/// The parts of a well-formed deployment file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// The ordinal's value.
    pub ordinal: u64,
    /// The ordinal as written.
    pub digits: String,
    /// The name part.
    pub name: String,
}

fn bad_char(c: char) -> bool {
    c.is_whitespace() || c.is_control() || c == '/' || c == '\\'
}

/// Parses `<ordinal>-<name>.sql`; the file name must end with `.sql`.
pub fn parse_file_name(file_name: &str) -> std::result::Result<ParsedName, NameProblem> {
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    let end = stem
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(stem.len());
    if end == 0 {
        return Err(NameProblem::NoOrdinal);
    }
    let (digits, rest) = stem.split_at(end);
    let name = rest.strip_prefix('-').ok_or(NameProblem::NoDash)?;
    if name.is_empty() {
        return Err(NameProblem::EmptyName);
    }
    if name.chars().any(bad_char) {
        return Err(NameProblem::BadCharacter);
    }
    let ordinal = digits
        .parse::<u64>()
        .map_err(|_| NameProblem::OrdinalTooLarge)?;
    Ok(ParsedName {
        ordinal,
        digits: digits.to_string(),
        name: name.to_string(),
    })
}

/// An ordinal written at a width (`format_ordinal(7, 5)` is `00007`).
pub fn format_ordinal(ordinal: u64, width: usize) -> String {
    format!("{ordinal:0width$}")
}

/// What a finding about deployments is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FindingKind {
    /// A `.sql` file not named `<ordinal>-<name>.sql` (error).
    BadName {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        problem: NameProblem,
        /// A name that would do, when one can be derived.
        suggested: Option<String>,
    },
    /// An ordinal written with another number of digits than the
    /// directory's (error).
    WidthMismatch {
        /// The file.
        file: PathBuf,
        /// Its ordinal's width.
        width: usize,
        /// The directory's width.
        expected: usize,
        /// The same ordinal at the directory's width, if it fits.
        suggested: Option<String>,
    },
    /// Ordinals missing between two files (error; not for manual
    /// deployments).
    Gap {
        /// The first missing ordinal, at the directory's width.
        first_missing: String,
        /// The last missing ordinal, at the directory's width.
        last_missing: String,
        /// The file before the gap.
        after: PathBuf,
        /// The file after the gap.
        before: PathBuf,
    },
    /// Files with the same ordinal (error).
    Duplicate {
        /// The ordinal, at the directory's width.
        ordinal: String,
        /// The files, in name order.
        files: Vec<PathBuf>,
        /// New names for the files after the first, at free ordinals.
        suggested: Vec<String>,
    },
    /// A file that is not `.sql` (warning: it never runs).
    NotSql {
        /// The file.
        file: PathBuf,
    },
    /// A directory inside the deployment directory (warning: nothing in it
    /// runs).
    Subdirectory {
        /// The directory.
        dir: PathBuf,
    },
    /// An entry that could not be read (error).
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// The same file name in the regular and the manual directory: the
    /// table records a file by its name, so they would be one row (error).
    SameNameInBoth {
        /// The regular file.
        file: PathBuf,
        /// The manual file.
        manual_file: PathBuf,
    },
    /// An applied file that changed since it was applied (warning).
    Modified {
        /// The file.
        file: PathBuf,
        /// When it was applied.
        date_applied: String,
    },
    /// Applied rows whose files cannot be checked for changes: they were
    /// recorded without a checksum (by the original tool) (note).
    NoChecksum {
        /// The file names.
        files: Vec<String>,
    },
    /// A row of the table whose file is not in the directory (note).
    FileGone {
        /// The recorded file name.
        file_name: String,
        /// When it was applied.
        date_applied: String,
    },
    /// A pending regular file with a smaller ordinal than an applied one:
    /// it runs after files that were meant to follow it (warning).
    OlderThanApplied {
        /// The file.
        file: PathBuf,
        /// The largest applied ordinal, at the directory's width.
        latest_applied: String,
    },
    /// A file recorded as the other kind (a regular file in a row with
    /// `manual_deployment = true`, or the reverse); it counts as applied
    /// (note).
    RecordedAsOtherKind {
        /// The file.
        file: PathBuf,
        /// The row's `manual_deployment`.
        manual_in_row: bool,
    },
}

/// Something the user should know about deployment files or their table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// What it is about (serialised as `kind` plus its fields).
    #[serde(flatten)]
    pub kind: FindingKind,
    /// One line for people, with the fix.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn blocking<'a>(findings: impl Iterator<Item = &'a Finding>, strict: bool) -> Vec<&'a Finding> {
    findings
        .filter(|f| match f.severity {
            Severity::Error => true,
            Severity::Warning => strict,
            Severity::Note => false,
        })
        .collect()
}

/// The deployment files of one directory, checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deployments {
    /// The directory as given.
    pub dir: PathBuf,
    /// Regular or manual.
    pub kind: Kind,
    /// The well-formed files (right width or not), by ordinal then name.
    pub files: Vec<Deployment>,
    /// The directory's ordinal width.
    pub width: usize,
    /// The ordinal for a new file: the largest plus one (0 when empty).
    pub next_free: u64,
    /// The violations and warnings, in the order: format, gaps,
    /// duplicates.
    pub findings: Vec<Finding>,
}

impl Deployments {
    /// [`Deployments::next_free`] at the directory's width (`00041`).
    pub fn next_free_ordinal(&self) -> String {
        format_ordinal(self.next_free, self.width)
    }

    /// True when a finding is an error: nothing may run.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings that forbid running (warnings count when `strict`).
    pub fn blocking(&self, strict: bool) -> Vec<&Finding> {
        blocking(self.findings.iter(), strict)
    }
}

/// A file name with whitespace and separators turned into dashes and
/// control characters dropped; `None` when nothing is left.
fn sanitise(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_whitespace() || c == '/' || c == '\\' {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else if !c.is_control() {
            out.push(c);
        }
    }
    let out = out.trim_matches('-');
    (!out.is_empty()).then(|| out.to_string())
}

/// A suggested name for a badly named `.sql` file; `next` hands out free
/// ordinals for names without one.
fn suggest(
    file_name: &str,
    problem: NameProblem,
    width: usize,
    next: &mut impl FnMut() -> u64,
) -> Option<String> {
    let stem = file_name.strip_suffix(".sql")?;
    let end = stem
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(stem.len());
    let (digits, rest) = stem.split_at(end);
    match problem {
        NameProblem::NoOrdinal => {
            let name = sanitise(stem)?;
            Some(format!("{}-{name}.sql", format_ordinal(next(), width)))
        }
        NameProblem::NoDash | NameProblem::BadCharacter => {
            let ordinal: u64 = digits.parse().ok()?;
            let name = sanitise(rest.trim_start_matches(['-', '_', '.', ' ']))?;
            Some(format!("{}-{name}.sql", format_ordinal(ordinal, width)))
        }
        NameProblem::EmptyName | NameProblem::OrdinalTooLarge => None,
    }
}

/// Lists and checks the deployment files of `dir`.
///
/// Fails only when `dir` itself cannot be read; everything in it is
/// reported as findings.
pub fn discover(dir: &Path, kind: Kind) -> Result<Deployments> {
    let what = match kind {
        Kind::Regular => "deployment",
        Kind::Manual => "manual deployment",
    };
    let unreadable_dir = |e: std::io::Error| {
        Error::io(
            dir,
            std::io::Error::new(
                e.kind(),
                format!("cannot read this {what} directory ({e}); check the -d/--dir value"),
            ),
        )
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable_dir)? {
        let entry = entry.map_err(unreadable_dir)?;
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with('.') {
            names.push(name);
        }
    }
    names.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));

    let mut format = Vec::new();
    let mut files = Vec::new();
    let mut bad: Vec<(PathBuf, String, NameProblem)> = Vec::new();
    for os_name in names {
        let path = dir.join(&os_name);
        let file_name = os_name.to_string_lossy().into_owned();
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => format.push(Finding {
                severity: Severity::Warning,
                message: format!(
                    "{}: a directory inside the {what} directory; nothing in it runs",
                    path.display()
                ),
                kind: FindingKind::Subdirectory { dir: path },
            }),
            Ok(m) if m.is_file() => {
                if !file_name.ends_with(".sql") {
                    let hint = if file_name.to_ascii_lowercase().ends_with(".sql") {
                        " (the extension must be .sql in lower case)"
                    } else {
                        ""
                    };
                    format.push(Finding {
                        severity: Severity::Warning,
                        message: format!("{}: not a .sql file, never runs{hint}", path.display()),
                        kind: FindingKind::NotSql { file: path },
                    });
                    continue;
                }
                match parse_file_name(&file_name) {
                    Ok(p) => files.push(Deployment {
                        path,
                        file_name,
                        ordinal: p.ordinal,
                        digits: p.digits,
                        name: p.name,
                        kind,
                    }),
                    Err(problem) => bad.push((path, file_name, problem)),
                }
            }
            Ok(_) => format.push(unreadable(path, "not a regular file or directory".into())),
            Err(e) => format.push(unreadable(path, e.to_string())),
        }
    }
    files.sort_by(|a, b| {
        a.ordinal
            .cmp(&b.ordinal)
            .then_with(|| natural_cmp(&a.file_name, &b.file_name))
    });

    // The width most files use; on a tie, the wider.
    let mut widths: BTreeMap<usize, usize> = BTreeMap::new();
    for f in &files {
        *widths.entry(f.digits.len()).or_default() += 1;
    }
    let width = widths
        .iter()
        .max_by_key(|(w, n)| (**n, **w))
        .map_or(DEFAULT_WIDTH, |(w, _)| *w);
    // Badly named files keep their ordinal when renamed: not free either.
    let next_free = files
        .iter()
        .map(|f| f.ordinal)
        .chain(bad.iter().filter_map(|(_, name, _)| {
            let end = name.find(|c: char| !c.is_ascii_digit())?;
            name[..end].parse::<u64>().ok()
        }))
        .max()
        .map_or(0, |m| m.saturating_add(1));
    let mut handed_out = next_free;
    let mut next = || {
        let n = handed_out;
        handed_out = handed_out.saturating_add(1);
        n
    };

    for (path, file_name, problem) in bad {
        let suggested = suggest(&file_name, problem, width, &mut next);
        let fix = match &suggested {
            Some(s) => format!("rename it {s}"),
            None => {
                let end = file_name.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
                let ordinal = file_name[..end].parse().unwrap_or(next_free);
                format!(
                    "rename it <ordinal>-<name>.sql, e.g. {}-describe-the-change.sql",
                    format_ordinal(ordinal, width)
                )
            }
        };
        format.push(Finding {
            severity: Severity::Error,
            message: format!(
                "{}: not named <ordinal>-<name>.sql: {}; it would never run: {fix}",
                path.display(),
                problem.describe()
            ),
            kind: FindingKind::BadName {
                file: path,
                problem,
                suggested,
            },
        });
    }
    for f in files.iter().filter(|f| f.digits.len() != width) {
        let fits = f.ordinal.to_string().len() <= width;
        let suggested =
            fits.then(|| format!("{}-{}.sql", format_ordinal(f.ordinal, width), f.name));
        let fix = match &suggested {
            Some(s) => format!("rename it {s}"),
            None => format!("its ordinal does not fit in {width} digits: renumber it"),
        };
        format.push(Finding {
            severity: Severity::Error,
            message: format!(
                "{}: the ordinal has {} digits where the other files of {} have {width}; {fix}",
                f.path.display(),
                f.digits.len(),
                dir.display()
            ),
            kind: FindingKind::WidthMismatch {
                file: f.path.clone(),
                width: f.digits.len(),
                expected: width,
                suggested,
            },
        });
    }

    let mut gaps = Vec::new();
    if kind == Kind::Regular {
        for pair in files.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if b.ordinal > a.ordinal + 1 {
                let first = format_ordinal(a.ordinal + 1, width);
                let last = format_ordinal(b.ordinal - 1, width);
                let range = if first == last {
                    format!("ordinal {first} is")
                } else {
                    format!("ordinals {first} to {last} are")
                };
                gaps.push(Finding {
                    severity: Severity::Error,
                    message: format!(
                        "{range} missing between {} and {}; deployments are numbered without \
                         gaps: renumber {} and the files after it from {first}",
                        a.file_name, b.file_name, b.file_name
                    ),
                    kind: FindingKind::Gap {
                        first_missing: first,
                        last_missing: last,
                        after: a.path.clone(),
                        before: b.path.clone(),
                    },
                });
            }
        }
    }

    let mut duplicates = Vec::new();
    for group in files.chunk_by(|a, b| a.ordinal == b.ordinal) {
        if group.len() < 2 {
            continue;
        }
        let ordinal = format_ordinal(group[0].ordinal, width);
        let suggested: Vec<String> = group[1..]
            .iter()
            .map(|f| format!("{}-{}.sql", format_ordinal(next(), width), f.name))
            .collect();
        let names: Vec<&str> = group.iter().map(|f| f.file_name.as_str()).collect();
        let renames: Vec<String> = group[1..]
            .iter()
            .zip(&suggested)
            .map(|(f, s)| format!("{} to {s}", f.file_name))
            .collect();
        duplicates.push(Finding {
            severity: Severity::Error,
            message: format!(
                "{} share the ordinal {ordinal} in {}; each ordinal is one file: rename {}",
                names.join(" and "),
                dir.display(),
                renames.join(", ")
            ),
            kind: FindingKind::Duplicate {
                ordinal,
                files: group.iter().map(|f| f.path.clone()).collect(),
                suggested,
            },
        });
    }

    let mut findings = format;
    findings.extend(gaps);
    findings.extend(duplicates);
    Ok(Deployments {
        dir: dir.to_path_buf(),
        kind,
        files,
        width,
        next_free,
        findings,
    })
}

fn unreadable(path: PathBuf, message: String) -> Finding {
    Finding {
        severity: Severity::Error,
        message: format!("{}: cannot be read: {message}", path.display()),
        kind: FindingKind::Unreadable { path, message },
    }
}

/// The checks of both directories, without a database (for CI).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// The regular deployments.
    pub regular: Deployments,
    /// The manual deployments, when a directory was given.
    pub manual: Option<Deployments>,
    /// Findings across the two directories.
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// Every finding: the regular directory's, the manual one's, then those
    /// across both.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.regular
            .findings
            .iter()
            .chain(self.manual.iter().flat_map(|m| m.findings.iter()))
            .chain(self.findings.iter())
    }

    /// True when a finding is an error.
    pub fn has_errors(&self) -> bool {
        self.all_findings().any(|f| f.severity == Severity::Error)
    }

    /// The findings that fail the check (warnings count when `strict`).
    pub fn blocking(&self, strict: bool) -> Vec<&Finding> {
        blocking(self.all_findings(), strict)
    }
}

/// Checks the deployment directory and, if given, the manual one: format,
/// gaps (regular only), duplicates, and file names used in both (the table
/// records a file by its name alone).
pub fn check(dir: &Path, manual_dir: Option<&Path>) -> Result<CheckReport> {
    let regular = discover(dir, Kind::Regular)?;
    let manual = manual_dir.map(|m| discover(m, Kind::Manual)).transpose()?;
    let mut findings = Vec::new();
    if let Some(m) = &manual {
        let by_name: HashMap<&str, &Deployment> =
            m.files.iter().map(|f| (f.file_name.as_str(), f)).collect();
        for f in &regular.files {
            if let Some(other) = by_name.get(f.file_name.as_str()) {
                findings.push(Finding {
                    severity: Severity::Error,
                    message: format!(
                        "{} and {} have the same name, and the deployments table records a file \
                         by its name: rename one of them",
                        f.path.display(),
                        other.path.display()
                    ),
                    kind: FindingKind::SameNameInBoth {
                        file: f.path.clone(),
                        manual_file: other.path.clone(),
                    },
                });
            }
        }
    }
    Ok(CheckReport {
        regular,
        manual,
        findings,
    })
}

/// A row of the deployments table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeploymentRow {
    /// The file name.
    pub file_name: String,
    /// True for a manual deployment.
    pub manual_deployment: bool,
    /// When (server time, as text).
    pub date_applied: String,
    /// MD5 hex of the file when pum applied it; `None` for rows the
    /// original tool wrote (or a table without the column).
    pub checksum: Option<String>,
}

/// A row to add.
#[derive(Debug, Clone)]
pub struct NewDeploymentRow<'a> {
    /// The file name.
    pub file_name: &'a str,
    /// True for a manual deployment.
    pub manual: bool,
    /// MD5 hex of the file ([`crate::delta::checksum`]).
    pub checksum: &'a str,
}

/// The deployments table of one database (`-t [schema.]table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentsTable {
    name: QualifiedName,
    given: String,
}

impl Default for DeploymentsTable {
    fn default() -> Self {
        DeploymentsTable {
            name: QualifiedName {
                schema: None,
                name: DEFAULT_TABLE.into(),
            },
            given: DEFAULT_TABLE.into(),
        }
    }
}

impl DeploymentsTable {
    /// Parses `table` or `schema.table`; without a schema the table is the
    /// first one of that name on the search path, as in the original tool.
    pub fn parse(input: &str) -> Result<DeploymentsTable> {
        let name = QualifiedName::parse(input).map_err(|e| match e {
            crate::pg::PgError::InvalidName { input, reason } => Error::invalid(format!(
                "invalid deployments table '{input}': {reason} (expected TABLE or SCHEMA.TABLE, \
                 e.g. tbl_deployments or deploy.tbl_deployments)"
            )),
            other => Error::from(other),
        })?;
        Ok(DeploymentsTable {
            name,
            given: input.trim().to_string(),
        })
    }

    /// The name as given.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The quoted SQL name.
    pub fn sql(&self) -> String {
        self.name.sql()
    }

    /// The original tool's DDL, `IF NOT EXISTS`.
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\
             file_name text PRIMARY KEY, \
             manual_deployment boolean NOT NULL DEFAULT false, \
             date_applied timestamp NOT NULL DEFAULT now())",
            self.sql()
        )
    }

    /// Adds pum's checksum column (nullable, no default) if missing.
    pub fn checksum_column_sql(&self) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS checksum text",
            self.sql()
        )
    }

    /// Reads the rows; parameters none. `with_checksum` is false for a
    /// table without the column.
    pub fn read_sql(&self, with_checksum: bool) -> String {
        format!(
            "SELECT file_name, manual_deployment, date_applied::text, {} FROM {} \
             ORDER BY date_applied, file_name",
            if with_checksum {
                "checksum"
            } else {
                "NULL::text"
            },
            self.sql()
        )
    }

    /// Adds a row: parameters file name, `manual_deployment` (`true` /
    /// `false`), checksum; `date_applied` takes its default.
    pub fn insert_sql(&self) -> String {
        format!(
            "INSERT INTO {} (file_name, manual_deployment, checksum) \
             VALUES ($1, $2::boolean, $3)",
            self.sql()
        )
    }

    /// Fills in the checksum of a row that has none: parameters file name,
    /// checksum.
    pub fn record_checksum_sql(&self) -> String {
        format!(
            "UPDATE {} SET checksum = $2 WHERE file_name = $1 AND checksum IS NULL",
            self.sql()
        )
    }

    /// The same table with its schema spelled out: the schema it is in,
    /// or, when it does not exist yet, the one `CREATE TABLE` puts it in
    /// (the first of the search path). A deployment that changes
    /// `search_path` (pg_dump files set it to '') then cannot make its own
    /// row go astray. Messages keep the name as given. Unchanged when the
    /// name is schema-qualified, or when no schema can be found (writing
    /// then fails as it would have).
    pub fn resolve(&self, conn: &mut Conn) -> Result<DeploymentsTable> {
        if self.name.schema.is_some() {
            return Ok(self.clone());
        }
        let rows = conn.query(
            "SELECT coalesce((SELECT n.nspname FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.oid = pg_catalog.to_regclass($1)), pg_catalog.current_schema())::text",
            &[Some(&self.sql())],
        )?;
        Ok(match rows.scalar() {
            Some(schema) => DeploymentsTable {
                name: QualifiedName {
                    schema: Some(schema.to_string()),
                    name: self.name.name.clone(),
                },
                given: self.given.clone(),
            },
            None => self.clone(),
        })
    }

    /// True when the table exists (on the search path when unqualified).
    pub fn exists(&self, conn: &mut Conn) -> Result<bool> {
        let rows = conn.query(
            "SELECT pg_catalog.to_regclass($1) IS NOT NULL",
            &[Some(&self.sql())],
        )?;
        Ok(rows.scalar() == Some("t"))
    }

    /// True when the table has pum's checksum column.
    pub fn has_checksum_column(&self, conn: &mut Conn) -> Result<bool> {
        let rows = conn.query(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute \
             WHERE attrelid = pg_catalog.to_regclass($1) AND attname = 'checksum' \
             AND attnum > 0 AND NOT attisdropped)",
            &[Some(&self.sql())],
        )?;
        Ok(rows.scalar() == Some("t"))
    }

    /// Creates the table with the original DDL if it does not exist.
    pub fn create(&self, conn: &mut Conn) -> Result<()> {
        if let Some(schema) = &self.name.schema {
            let rows = conn.query(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
                &[Some(schema)],
            )?;
            if rows.rows.is_empty() {
                return Err(Error::invalid(format!(
                    "the schema \"{schema}\" of the deployments table {} does not exist; \
                     create it first",
                    self.given
                )));
            }
        }
        conn.execute(&self.create_sql())?;
        // "relation already exists, skipping" is noise here.
        conn.take_notices();
        Ok(())
    }

    /// Makes the table ready for pum's rows: creates it if needed and adds
    /// the checksum column if it is missing (only then, so a table that
    /// has it needs no `ALTER`).
    ///
    /// Neither is tried when not needed: a role that may only read and
    /// insert rows deploys into a table that exists with the column,
    /// without the right to create tables in its schema. When the right is
    /// missing for what is needed, the error says what to run as the owner.
    pub fn prepare_for_writing(&self, conn: &mut Conn) -> Result<()> {
        if !self.exists(conn)? {
            self.create(conn).map_err(|e| {
                self.explain_denied(
                    e,
                    "cannot create the deployments table",
                    "create it as a role that may create tables in its schema (or give -t \
                     another table)",
                )
            })?;
        }
        if !self.has_checksum_column(conn)? {
            conn.execute(&self.checksum_column_sql()).map_err(|e| {
                self.explain_denied(
                    e.into(),
                    "cannot add pum's checksum column to the deployments table",
                    &format!(
                        "pum adds it once, nullable, so the original tool's inserts keep \
                         working: run `{}` as the table's owner, or deploy once as the owner",
                        self.checksum_column_sql()
                    ),
                )
            })?;
            conn.take_notices();
        }
        Ok(())
    }

    /// A permission error of the server, turned into one that says what
    /// pum was doing and what to do; any other error as it is.
    fn explain_denied(&self, e: Error, doing: &str, fix: &str) -> Error {
        match e.db_error() {
            Some(db) if db.code == "42501" => Error::invalid(format!(
                "{doing} {}: ERROR {}: {}; {fix}",
                self.given, db.code, db.message
            )),
            _ => e,
        }
    }

    /// Reads every row, oldest first. A database without the table has no
    /// deployment yet: no rows. Never writes.
    pub fn read(&self, conn: &mut Conn) -> Result<Vec<DeploymentRow>> {
        if !self.exists(conn)? {
            return Ok(Vec::new());
        }
        let with_checksum = self.has_checksum_column(conn)?;
        let rows = conn.query(&self.read_sql(with_checksum), &[])?;
        Ok(rows
            .rows
            .into_iter()
            .map(|mut r| {
                let mut take = |i: usize| r[i].take();
                DeploymentRow {
                    file_name: take(0).unwrap_or_default(),
                    manual_deployment: take(1).as_deref() == Some("t"),
                    date_applied: take(2).unwrap_or_default(),
                    checksum: take(3).filter(|c| !c.is_empty()),
                }
            })
            .collect())
    }

    /// Adds one row, values as bound parameters. Call
    /// [`DeploymentsTable::prepare_for_writing`] first.
    pub fn insert(&self, conn: &mut Conn, row: &NewDeploymentRow<'_>) -> Result<(), DbError> {
        let manual = if row.manual { "true" } else { "false" };
        conn.query(
            &self.insert_sql(),
            &[Some(row.file_name), Some(manual), Some(row.checksum)],
        )?;
        Ok(())
    }

    /// Fills in the checksum of a row written without one; returns whether
    /// a row changed.
    pub fn record_checksum(
        &self,
        conn: &mut Conn,
        file_name: &str,
        checksum: &str,
    ) -> Result<bool, DbError> {
        let rows = conn.query(
            &self.record_checksum_sql(),
            &[Some(file_name), Some(checksum)],
        )?;
        Ok(rows.affected == Some(1))
    }
}

impl fmt::Display for DeploymentsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

/// The state of one deployment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Recorded, file unchanged (or recorded without a checksum).
    Applied,
    /// Recorded, but the file changed since.
    Modified,
    /// Not recorded: the next deploy runs it.
    Pending,
}

impl Status {
    /// The words a listing shows.
    pub fn label(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Modified => "modified since applied",
            Status::Pending => "pending",
        }
    }
}

/// One deployment file with its status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanItem {
    /// The file.
    pub deployment: Deployment,
    /// Its state.
    pub status: Status,
    /// Whether a deploy runs it.
    pub runs: bool,
    /// When it was applied, if it was.
    pub date_applied: Option<String>,
    /// False for an applied file recorded without a checksum: it cannot be
    /// checked for changes.
    pub checksum_known: bool,
}

/// What a deploy of one directory will do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeploymentPlan {
    /// Regular or manual.
    pub kind: Kind,
    /// Every well-formed file, by ordinal, with its status.
    pub items: Vec<PlanItem>,
    /// The directory's findings, then the plan's.
    pub findings: Vec<Finding>,
    /// The ordinal for a new file, at the directory's width.
    pub next_free: String,
}

impl DeploymentPlan {
    /// The files a deploy runs, in order.
    pub fn to_run(&self) -> impl Iterator<Item = &Deployment> {
        self.items.iter().filter(|i| i.runs).map(|i| &i.deployment)
    }

    /// The findings that forbid the deploy (warnings count when `strict`).
    pub fn blocking(&self, strict: bool) -> Vec<&Finding> {
        blocking(self.findings.iter(), strict)
    }
}

/// Builds the plan of one directory against the table's rows (all of them:
/// rows of the other kind are matched by name too, since the table records
/// a file by name alone). `is_modified` tells whether an applied file
/// changed since its row was written; it is called only for rows with a
/// checksum.
///
/// Every file runs once, manual ones included (the original tool re-ran
/// every manual file on every deploy): a recorded file is applied.
pub fn plan(
    found: &Deployments,
    rows: &[DeploymentRow],
    mut is_modified: impl FnMut(&Deployment, &DeploymentRow) -> bool,
) -> DeploymentPlan {
    let mut findings = found.findings.clone();
    let by_name: HashMap<&str, &DeploymentRow> =
        rows.iter().map(|r| (r.file_name.as_str(), r)).collect();
    let mut items = Vec::with_capacity(found.files.len());
    let mut unverified = Vec::new();
    let mut latest_applied: Option<u64> = None;
    for d in &found.files {
        let item = match by_name.get(d.file_name.as_str()) {
            Some(row) => {
                latest_applied = latest_applied.max(Some(d.ordinal));
                if row.manual_deployment != d.kind.is_manual() {
                    findings.push(Finding {
                        severity: Severity::Note,
                        message: format!(
                            "{} is recorded as a {} deployment ({}); it counts as applied",
                            d.path.display(),
                            if row.manual_deployment {
                                "manual"
                            } else {
                                "regular"
                            },
                            row.date_applied
                        ),
                        kind: FindingKind::RecordedAsOtherKind {
                            file: d.path.clone(),
                            manual_in_row: row.manual_deployment,
                        },
                    });
                }
                let status = match &row.checksum {
                    None => {
                        unverified.push(d.file_name.clone());
                        Status::Applied
                    }
                    Some(_) if is_modified(d, row) => {
                        findings.push(Finding {
                            severity: Severity::Warning,
                            message: format!(
                                "{} changed since it was applied ({}); the change never reached \
                                 this database: put it in a new file ({}-...sql)",
                                d.path.display(),
                                row.date_applied,
                                format_ordinal(found.next_free, found.width)
                            ),
                            kind: FindingKind::Modified {
                                file: d.path.clone(),
                                date_applied: row.date_applied.clone(),
                            },
                        });
                        Status::Modified
                    }
                    Some(_) => Status::Applied,
                };
                PlanItem {
                    deployment: d.clone(),
                    status,
                    runs: false,
                    date_applied: Some(row.date_applied.clone()),
                    checksum_known: row.checksum.is_some(),
                }
            }
            None => PlanItem {
                deployment: d.clone(),
                status: Status::Pending,
                runs: true,
                date_applied: None,
                checksum_known: false,
            },
        };
        items.push(item);
    }
    if found.kind == Kind::Regular {
        if let Some(latest) = latest_applied {
            for i in items.iter().filter(|i| i.runs) {
                if i.deployment.ordinal < latest {
                    let latest = format_ordinal(latest, found.width);
                    findings.push(Finding {
                        severity: Severity::Warning,
                        message: format!(
                            "{} is pending but {latest} is already applied: it runs after the \
                             files it was numbered before; renumber it {}-{}.sql if it depends \
                             on them",
                            i.deployment.path.display(),
                            format_ordinal(found.next_free, found.width),
                            i.deployment.name
                        ),
                        kind: FindingKind::OlderThanApplied {
                            file: i.deployment.path.clone(),
                            latest_applied: latest,
                        },
                    });
                }
            }
        }
    }
    if !unverified.is_empty() {
        findings.push(Finding {
            severity: Severity::Note,
            message: format!(
                "recorded without a checksum, so changes to them cannot be detected: {}",
                unverified.join(", ")
            ),
            kind: FindingKind::NoChecksum { files: unverified },
        });
    }
    let present: HashSet<&str> = found.files.iter().map(|f| f.file_name.as_str()).collect();
    for row in rows {
        if row.manual_deployment == found.kind.is_manual()
            && !present.contains(row.file_name.as_str())
        {
            findings.push(Finding {
                severity: Severity::Note,
                message: format!(
                    "{} was applied ({}) but is no longer in {}",
                    row.file_name,
                    row.date_applied,
                    found.dir.display()
                ),
                kind: FindingKind::FileGone {
                    file_name: row.file_name.clone(),
                    date_applied: row.date_applied.clone(),
                },
            });
        }
    }
    DeploymentPlan {
        kind: found.kind,
        items,
        findings,
        next_free: found.next_free_ordinal(),
    }
}

/// True when the file differs from what the row recorded (line endings and
/// a BOM ignored); false for a row without a checksum. Reads the file.
pub fn changed_since(d: &Deployment, row: &DeploymentRow) -> Result<bool> {
    let Some(stored) = &row.checksum else {
        return Ok(false);
    };
    let bytes = crate::delta::read(&d.path)?;
    Ok(!crate::delta::matches_ignoring_line_endings(&bytes, stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for f in files {
            let p = t.path().join(f);
            if f.ends_with('/') {
                std::fs::create_dir_all(p).unwrap();
            } else {
                std::fs::write(p, format!("-- {f}\n")).unwrap();
            }
        }
        t
    }

    fn kinds(d: &Deployments) -> Vec<FindingKind> {
        d.findings.iter().map(|f| f.kind.clone()).collect()
    }

    fn file_names(d: &Deployments) -> Vec<&str> {
        d.files.iter().map(|f| f.file_name.as_str()).collect()
    }

    #[test]
    fn names() {
        let p = parse_file_name("00000-add-new-table.sql").unwrap();
        assert_eq!((p.ordinal, p.digits.as_str()), (0, "00000"));
        assert_eq!(p.name, "add-new-table");
        assert_eq!(
            parse_file_name("00012-v1.2_fix.ä.sql").unwrap().name,
            "v1.2_fix.ä"
        );
        assert_eq!(parse_file_name("7-x.sql").unwrap().ordinal, 7);
        assert_eq!(parse_file_name("add.sql"), Err(NameProblem::NoOrdinal));
        assert_eq!(parse_file_name("-1-a.sql"), Err(NameProblem::NoOrdinal));
        assert_eq!(parse_file_name("00001_a.sql"), Err(NameProblem::NoDash));
        assert_eq!(parse_file_name("00001.sql"), Err(NameProblem::NoDash));
        assert_eq!(parse_file_name("00001-.sql"), Err(NameProblem::EmptyName));
        assert_eq!(
            parse_file_name("00001-a b.sql"),
            Err(NameProblem::BadCharacter)
        );
        assert_eq!(
            parse_file_name("00001-a\\b.sql"),
            Err(NameProblem::BadCharacter)
        );
        assert_eq!(
            parse_file_name("99999999999999999999999-a.sql"),
            Err(NameProblem::OrdinalTooLarge)
        );
        assert_eq!(format_ordinal(41, 5), "00041");
        assert_eq!(format_ordinal(123456, 5), "123456");
    }

    #[test]
    fn a_clean_directory() {
        let t = dir_with(&[
            "00002-c.sql",
            "00000-a.sql",
            "00001-b.sql",
            ".gitkeep",
            "00010-later.sql",
        ]);
        std::fs::remove_file(t.path().join("00010-later.sql")).unwrap();
        let d = discover(t.path(), Kind::Regular).unwrap();
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        assert_eq!(
            file_names(&d),
            ["00000-a.sql", "00001-b.sql", "00002-c.sql"]
        );
        assert_eq!(d.width, 5);
        assert_eq!(d.next_free_ordinal(), "00003");
        assert_eq!(d.files[1].path, t.path().join("00001-b.sql"));
    }

    #[test]
    fn empty_directory_starts_at_zero() {
        let t = dir_with(&[]);
        let d = discover(t.path(), Kind::Regular).unwrap();
        assert_eq!((d.width, d.next_free_ordinal().as_str()), (5, "00000"));
    }

    #[test]
    fn every_violation_at_once_with_fixes() {
        let t = dir_with(&[
            "00000-a.sql",
            "00001-b.sql",
            "00001-b-again.sql",
            "00040-c.sql",
            "3-short.sql",
            "add table.sql",
            "00041_underscore.sql",
            "00042-.sql",
            "notes.txt",
            "old/",
        ]);
        let d = discover(t.path(), Kind::Regular).unwrap();
        let p = |f: &str| t.path().join(f);
        // Well-formed names are kept (the short one too), by ordinal.
        assert_eq!(
            file_names(&d),
            [
                "00000-a.sql",
                "00001-b-again.sql",
                "00001-b.sql",
                "3-short.sql",
                "00040-c.sql"
            ]
        );
        // 00041 and 00042 are taken by the badly named files.
        assert_eq!(d.next_free_ordinal(), "00043");
        assert_eq!(
            kinds(&d),
            [
                FindingKind::NotSql {
                    file: p("notes.txt")
                },
                FindingKind::Subdirectory { dir: p("old") },
                FindingKind::BadName {
                    file: p("00041_underscore.sql"),
                    problem: NameProblem::NoDash,
                    suggested: Some("00041-underscore.sql".into()),
                },
                FindingKind::BadName {
                    file: p("00042-.sql"),
                    problem: NameProblem::EmptyName,
                    suggested: None,
                },
                FindingKind::BadName {
                    file: p("add table.sql"),
                    problem: NameProblem::NoOrdinal,
                    suggested: Some("00043-add-table.sql".into()),
                },
                FindingKind::WidthMismatch {
                    file: p("3-short.sql"),
                    width: 1,
                    expected: 5,
                    suggested: Some("00003-short.sql".into()),
                },
                FindingKind::Gap {
                    first_missing: "00002".into(),
                    last_missing: "00002".into(),
                    after: p("00001-b.sql"),
                    before: p("3-short.sql"),
                },
                FindingKind::Gap {
                    first_missing: "00004".into(),
                    last_missing: "00039".into(),
                    after: p("3-short.sql"),
                    before: p("00040-c.sql"),
                },
                FindingKind::Duplicate {
                    ordinal: "00001".into(),
                    files: vec![p("00001-b-again.sql"), p("00001-b.sql")],
                    suggested: vec!["00044-b.sql".into()],
                },
            ]
        );
        assert!(d.has_errors());
        assert_eq!(d.blocking(false).len(), 7);
        assert_eq!(d.blocking(true).len(), 9);
        let m: Vec<&str> = d.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(m[4].contains("rename it 00043-add-table.sql"), "{}", m[4]);
        assert!(
            m[3].contains("e.g. 00042-describe-the-change.sql"),
            "{}",
            m[3]
        );
        assert!(m[7].contains("00004 to 00039"), "{}", m[7]);
        assert!(m[8].contains("00001-b.sql to 00044-b.sql"), "{}", m[8]);
    }

    #[test]
    fn the_width_is_the_one_most_files_use() {
        let t = dir_with(&["001-a.sql", "002-b.sql", "00003-c.sql", "123456-d.sql"]);
        let d = discover(t.path(), Kind::Manual).unwrap();
        assert_eq!(d.width, 3);
        assert_eq!(
            kinds(&d),
            [
                FindingKind::WidthMismatch {
                    file: t.path().join("00003-c.sql"),
                    width: 5,
                    expected: 3,
                    suggested: Some("003-c.sql".into()),
                },
                FindingKind::WidthMismatch {
                    file: t.path().join("123456-d.sql"),
                    width: 6,
                    expected: 3,
                    suggested: None,
                },
            ]
        );
        // A tie goes to the wider.
        let t = dir_with(&["01-a.sql", "00002-b.sql"]);
        assert_eq!(discover(t.path(), Kind::Manual).unwrap().width, 5);
    }

    #[test]
    fn manual_deployments_may_have_gaps_but_not_duplicates() {
        let t = dir_with(&["00000-a.sql", "00007-b.sql", "00007-c.sql"]);
        let d = discover(t.path(), Kind::Manual).unwrap();
        assert_eq!(d.findings.len(), 1);
        assert!(matches!(d.findings[0].kind, FindingKind::Duplicate { .. }));
        let d = discover(t.path(), Kind::Regular).unwrap();
        assert_eq!(d.findings.len(), 2);
        assert!(matches!(d.findings[0].kind, FindingKind::Gap { .. }));
    }

    #[test]
    fn check_both_directories() {
        let t = dir_with(&["deployment/", "manual-deployment/"]);
        let dep = t.path().join("deployment");
        let man = t.path().join("manual-deployment");
        for f in ["00000-a.sql", "00001-b.sql"] {
            std::fs::write(dep.join(f), "").unwrap();
        }
        for f in ["00001-b.sql", "00005-fix.sql"] {
            std::fs::write(man.join(f), "").unwrap();
        }
        let r = check(&dep, Some(&man)).unwrap();
        assert_eq!(
            r.findings.iter().map(|f| &f.kind).collect::<Vec<_>>(),
            [&FindingKind::SameNameInBoth {
                file: dep.join("00001-b.sql"),
                manual_file: man.join("00001-b.sql"),
            }]
        );
        assert!(r.has_errors());
        assert_eq!(r.regular.next_free_ordinal(), "00002");
        assert_eq!(r.manual.as_ref().unwrap().next_free_ordinal(), "00006");
        let r = check(&dep, None).unwrap();
        assert!(!r.has_errors());
        let e = check(&t.path().join("nope"), None).unwrap_err().to_string();
        assert!(e.contains("nope") && e.contains("-d"), "{e}");
    }

    fn row(file_name: &str, manual: bool, checksum: Option<&str>) -> DeploymentRow {
        DeploymentRow {
            file_name: file_name.into(),
            manual_deployment: manual,
            date_applied: "2024-01-01 00:00:00".into(),
            checksum: checksum.map(str::to_string),
        }
    }

    fn statuses(p: &DeploymentPlan) -> Vec<(&str, Status, bool)> {
        p.items
            .iter()
            .map(|i| (i.deployment.file_name.as_str(), i.status, i.runs))
            .collect()
    }

    #[test]
    fn plan_statuses() {
        let t = dir_with(&["00000-a.sql", "00001-b.sql", "00002-c.sql", "00003-d.sql"]);
        let d = discover(t.path(), Kind::Regular).unwrap();
        let rows = [
            row("00000-a.sql", false, None),
            row("00001-b.sql", false, Some("x")),
            row("00002-c.sql", false, Some("y")),
            row("00000-gone.sql", false, Some("z")),
            row("00009-manual.sql", true, None),
        ];
        let mut asked = Vec::new();
        let p = plan(&d, &rows, |d, r| {
            asked.push(d.file_name.clone());
            r.checksum.as_deref() == Some("y")
        });
        assert_eq!(asked, ["00001-b.sql", "00002-c.sql"]);
        assert_eq!(
            statuses(&p),
            [
                ("00000-a.sql", Status::Applied, false),
                ("00001-b.sql", Status::Applied, false),
                ("00002-c.sql", Status::Modified, false),
                ("00003-d.sql", Status::Pending, true),
            ]
        );
        assert!(!p.items[0].checksum_known && p.items[1].checksum_known);
        assert_eq!(p.items[2].status.label(), "modified since applied");
        let kinds: Vec<&FindingKind> = p.findings.iter().map(|f| &f.kind).collect();
        assert_eq!(
            kinds,
            [
                &FindingKind::Modified {
                    file: t.path().join("00002-c.sql"),
                    date_applied: "2024-01-01 00:00:00".into(),
                },
                &FindingKind::NoChecksum {
                    files: vec!["00000-a.sql".into()]
                },
                // The manual row is not reported missing from deployment/.
                &FindingKind::FileGone {
                    file_name: "00000-gone.sql".into(),
                    date_applied: "2024-01-01 00:00:00".into(),
                },
            ]
        );
        assert_eq!(p.findings[1].severity, Severity::Note);
        assert_eq!(p.blocking(false).len(), 0);
        assert_eq!(p.blocking(true).len(), 1);
        assert_eq!(p.next_free, "00004");
        let run: Vec<&str> = p.to_run().map(|d| d.file_name.as_str()).collect();
        assert_eq!(run, ["00003-d.sql"]);
    }

    #[test]
    fn manual_files_run_once() {
        let t = dir_with(&["00000-fix.sql", "00004-other.sql"]);
        let d = discover(t.path(), Kind::Manual).unwrap();
        let p = plan(&d, &[row("00000-fix.sql", true, None)], |_, _| false);
        assert_eq!(
            statuses(&p),
            [
                ("00000-fix.sql", Status::Applied, false),
                ("00004-other.sql", Status::Pending, true),
            ]
        );
        // Only the NoChecksum note: no gap, no out-of-order warning.
        assert_eq!(p.findings.len(), 1, "{:?}", p.findings);
    }

    #[test]
    fn plan_carries_directory_findings_and_odd_rows() {
        let t = dir_with(&["00000-a.sql", "00001-b.sql", "00002-c.sql", "x.txt"]);
        let d = discover(t.path(), Kind::Regular).unwrap();
        let rows = [
            row("00000-a.sql", true, Some("s")),
            row("00002-c.sql", false, Some("s")),
        ];
        let p = plan(&d, &rows, |_, _| false);
        let kinds: Vec<&FindingKind> = p.findings.iter().map(|f| &f.kind).collect();
        assert_eq!(
            kinds,
            [
                &FindingKind::NotSql {
                    file: t.path().join("x.txt")
                },
                &FindingKind::RecordedAsOtherKind {
                    file: t.path().join("00000-a.sql"),
                    manual_in_row: true,
                },
                &FindingKind::OlderThanApplied {
                    file: t.path().join("00001-b.sql"),
                    latest_applied: "00002".into(),
                },
            ]
        );
        assert!(p.findings[2].message.contains("00003-b.sql"));
    }

    #[test]
    fn changed_since_ignores_line_endings() {
        let t = dir_with(&[]);
        let path = t.path().join("00000-a.sql");
        std::fs::write(&path, "SELECT 1;\r\n").unwrap();
        let d = Deployment {
            path: path.clone(),
            file_name: "00000-a.sql".into(),
            ordinal: 0,
            digits: "00000".into(),
            name: "a".into(),
            kind: Kind::Regular,
        };
        let sum = crate::delta::checksum(b"SELECT 1;\n");
        assert!(!changed_since(&d, &row("00000-a.sql", false, Some(&sum))).unwrap());
        std::fs::write(&path, "SELECT 2;\n").unwrap();
        assert!(changed_since(&d, &row("00000-a.sql", false, Some(&sum))).unwrap());
        assert!(!changed_since(&d, &row("00000-a.sql", false, None)).unwrap());
    }

    #[test]
    fn table_sql() {
        let t = DeploymentsTable::default();
        assert_eq!(t.sql(), "\"tbl_deployments\"");
        assert_eq!(
            t.create_sql(),
            "CREATE TABLE IF NOT EXISTS \"tbl_deployments\" (file_name text PRIMARY KEY, \
             manual_deployment boolean NOT NULL DEFAULT false, \
             date_applied timestamp NOT NULL DEFAULT now())"
        );
        let t = DeploymentsTable::parse("app.\"My Deployments\"").unwrap();
        assert_eq!(t.sql(), "\"app\".\"My Deployments\"");
        assert!(t.insert_sql().contains("VALUES ($1, $2::boolean, $3)"));
        assert!(DeploymentsTable::parse("a.b.c").is_err());
    }
}
