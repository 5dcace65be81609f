//! What an upgrade will do, computed from plain data: the deltas found on
//! disk and the rows of the upgrades table. No database, no I/O.
//!
//! The rule is pum 0.x's, with numeric versions: a delta runs when it is not
//! applied (a successful row with the same version, name and type) and its
//! version is at least the current version (and at most `--max-version`).
//! The traps of that rule are made visible instead of silent: a delta older
//! than the current version that never ran is reported as out of order (and
//! runs only with `--out-of-order`); an applied delta whose file changed is
//! reported as modified.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::delta::{Delta, Discovery};
use crate::history::AppliedRow;
use crate::version::Version;

/// Options that change the plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Run nothing above this version (inclusive bound, as pum 0.x's `-u`).
    pub max_version: Option<Version>,
    /// Also run deltas older than the current version that never ran.
    pub out_of_order: bool,
    /// When two files are the same delta for pum (same version, name and
    /// kind), run the first (in `-d` order) and skip the others instead of
    /// refusing.
    pub allow_duplicates: bool,
}

/// The state of one delta file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Recorded in the upgrades table, file unchanged.
    Applied,
    /// Recorded, but the file changed since (line endings and BOM ignored).
    Modified,
    /// Will run on the next upgrade.
    Pending,
    /// Older than the baseline and never run: part of the baseline.
    Baseline,
    /// Older than the current version (but not than the baseline) and never
    /// run: pum 0.x skipped these silently.
    OutOfOrder,
    /// Above `--max-version`.
    AboveMax,
    /// Same version, name and kind as an earlier file: the upgrades table
    /// cannot tell them apart, so the upgrade is refused.
    Duplicate,
    /// A duplicate skipped with `--allow-duplicates`: the earlier file is
    /// the one that runs.
    DuplicateSkipped,
}

impl Status {
    /// The word `info` shows.
    pub fn label(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Modified => "modified since applied",
            Status::Pending => "pending",
            Status::Baseline => "baseline",
            Status::OutOfOrder => "out of order",
            Status::AboveMax => "above max version",
            Status::Duplicate => "duplicate",
            Status::DuplicateSkipped => "duplicate (skipped)",
        }
    }
}

/// One delta with its status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Item {
    /// The delta.
    pub delta: Delta,
    /// Its state.
    pub status: Status,
    /// Whether the upgrade runs it.
    pub runs: bool,
    /// The id of its row in the upgrades table, if applied.
    pub row_id: Option<i64>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information (shown by `info`); never refuses, even under
    /// `--strict`.
    Note,
    /// Reported; an error under `--strict`.
    Warning,
    /// Always refuses the upgrade.
    Error,
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FindingKind {
    /// The upgrades table has no successful row with a version.
    NoVersion,
    /// A row's version is not X.Y.Z.
    BadRowVersion {
        /// The row id.
        row: i64,
    },
    /// A file in a delta directory is not a delta.
    NotADelta {
        /// The file.
        file: PathBuf,
    },
    /// Python package files (`__init__.py`, `*.pyc`) in the delta
    /// directories: ignored.
    PythonPackageFiles {
        /// The files.
        files: Vec<PathBuf>,
    },
    /// A `-d` directory given again (another spelling of the same path):
    /// read once.
    RepeatedDir {
        /// The later spelling.
        dir: PathBuf,
        /// The first spelling.
        same_as: PathBuf,
    },
    /// Two files are the same delta for the upgrades table.
    Duplicate {
        /// The later file (never runs).
        file: PathBuf,
        /// The earlier file, which runs with `--allow-duplicates`.
        first: PathBuf,
    },
    /// A name or path too long for the upgrades table.
    TooLong {
        /// The file.
        file: PathBuf,
    },
    /// An applied delta whose file changed since.
    Modified {
        /// The file.
        file: PathBuf,
        /// The row that recorded it.
        row: i64,
    },
    /// A delta older than the current version that never ran.
    OutOfOrder {
        /// The file.
        file: PathBuf,
    },
}

/// Something the user should know about the deltas or the table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// What it is about (serialised as `kind` plus its fields).
    #[serde(flatten)]
    pub kind: FindingKind,
    /// One line for people.
    pub message: String,
}

/// The plan of an upgrade.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Plan {
    /// Highest version among the successful rows (numeric).
    pub current: Option<Version>,
    /// Highest baseline version.
    pub baseline: Option<Version>,
    /// Every versioned delta, in execution order, with its status.
    pub items: Vec<Item>,
    /// pre-all files (run on every upgrade, never recorded).
    pub pre_all: Vec<Delta>,
    /// post-all files (run on every upgrade, never recorded).
    pub post_all: Vec<Delta>,
    /// Problems and warnings.
    pub findings: Vec<Finding>,
}

impl Plan {
    /// The deltas the upgrade runs, in order.
    pub fn to_run(&self) -> impl Iterator<Item = &Delta> {
        self.items.iter().filter(|i| i.runs).map(|i| &i.delta)
    }

    /// How many versioned deltas the upgrade runs.
    pub fn pending_count(&self) -> usize {
        self.items.iter().filter(|i| i.runs).count()
    }

    /// The findings that forbid the upgrade (warnings count when `strict`,
    /// notes never).
    pub fn blocking(&self, strict: bool) -> Vec<String> {
        self.findings
            .iter()
            .filter(|f| match f.severity {
                Severity::Error => true,
                Severity::Warning => strict,
                Severity::Note => false,
            })
            .map(|f| f.message.clone())
            .collect()
    }

    /// The version the database has after running this plan.
    pub fn target_version(&self) -> Option<Version> {
        self.to_run()
            .filter_map(|d| d.version)
            .chain(self.current)
            .max()
    }
}

/// Longest `description` the pum 0.x table accepts.
pub const MAX_DESCRIPTION: usize = 200;
/// Longest `script` the pum 0.x table accepts.
pub const MAX_SCRIPT: usize = 1000;

/// The key the upgrades table records a delta by: version, name
/// (`description`) and type.
fn key(d: &Delta) -> Option<(Version, &str, i32)> {
    d.version.map(|v| (v, d.name.as_str(), d.type_code()))
}

/// For each delta, the index of the earlier delta pum records as the same
/// one (same version, name and kind), if any.
pub fn duplicate_of(deltas: &[Delta]) -> Vec<Option<usize>> {
    let mut first: HashMap<(Version, &str, i32), usize> = HashMap::with_capacity(deltas.len());
    deltas
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let k = key(d)?;
            match first.get(&k) {
                Some(&f) => Some(f),
                None => {
                    first.insert(k, i);
                    None
                }
            }
        })
        .collect()
}

/// The finding for `later`, the same delta as `first` for the upgrades
/// table: an error, or with `allowed` (`--allow-duplicates`) a note that
/// `later` is skipped.
pub fn duplicate_finding(later: &Delta, first: &Delta, allowed: bool) -> Finding {
    let what = format!(
        "same version ({}), name ({}) and kind ({})",
        later.version.map(|v| v.to_string()).unwrap_or_default(),
        later.name,
        later.kind_label()
    );
    let (severity, message) = if allowed {
        (
            Severity::Note,
            format!(
                "{} is skipped (--allow-duplicates): {what} as {}, the file pum runs and records instead",
                later.path.display(),
                first.path.display()
            ),
        )
    } else {
        (
            Severity::Error,
            format!(
                "{} and {} are the same delta for pum: {what}, and the upgrades table records \
                 a delta by these three, as one row; rename or remove one of them, or pass \
                 --allow-duplicates to run only the first ({}) and skip the other",
                later.path.display(),
                first.path.display(),
                first.path.display()
            ),
        )
    };
    Finding {
        severity,
        kind: FindingKind::Duplicate {
            file: later.path.clone(),
            first: first.path.clone(),
        },
        message,
    }
}

/// Builds the plan. `is_modified` tells whether an applied delta's file
/// changed since its row was written (it is called only for applied deltas).
pub fn plan(
    found: &Discovery,
    rows: &[AppliedRow],
    opts: &PlanOptions,
    mut is_modified: impl FnMut(&Delta, &AppliedRow) -> bool,
) -> Plan {
    let mut findings = Vec::new();
    let mut applied: HashMap<(Version, &str, i32), &AppliedRow> =
        HashMap::with_capacity(rows.len());
    let mut current: Option<Version> = None;
    let mut baseline: Option<Version> = None;
    for row in rows.iter().filter(|r| r.success) {
        match row.parsed_version() {
            Some(v) => {
                current = current.max(Some(v));
                if row.is_baseline() {
                    baseline = baseline.max(Some(v));
                }
                applied.entry((v, row.description.as_str(), row.type_code)).or_insert(row);
            }
            None => findings.push(Finding {
                severity: Severity::Warning,
                kind: FindingKind::BadRowVersion { row: row.id },
                message: format!(
                    "row {} of the upgrades table has version '{}', which is not X.Y.Z; it is ignored",
                    row.id, row.version
                ),
            }),
        }
    }
    if current.is_none() {
        findings.push(Finding {
            severity: Severity::Error,
            kind: FindingKind::NoVersion,
            message:
                "the upgrades table holds no version yet; record one with `pum baseline -b X.Y.Z`"
                    .into(),
        });
    }

    for r in &found.repeated_dirs {
        findings.push(Finding {
            severity: Severity::Note,
            kind: FindingKind::RepeatedDir {
                dir: r.dir.clone(),
                same_as: r.same_as.clone(),
            },
            message: format!(
                "-d {} is the same directory as {}: read once",
                r.dir.display(),
                r.same_as.display()
            ),
        });
    }
    for n in &found.not_deltas {
        findings.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::NotADelta {
                file: n.path.clone(),
            },
            message: format!(
                "{}: not a delta, never runs: {}",
                n.path.display(),
                n.reason
            ),
        });
    }
    if !found.python_package_files.is_empty() {
        let files: Vec<String> = found
            .python_package_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        findings.push(Finding {
            severity: Severity::Note,
            kind: FindingKind::PythonPackageFiles {
                files: found.python_package_files.clone(),
            },
            message: format!("Python package files, ignored: {}", files.join(", ")),
        });
    }

    let duplicates = duplicate_of(&found.deltas);
    let mut items = Vec::with_capacity(found.deltas.len());
    for (d, dup) in found.deltas.iter().zip(duplicates) {
        let Some(key) = key(d) else { continue };
        let v = key.0;
        if let Some(first) = dup {
            // Never compared with the first file's row: it is not a change
            // of that file.
            findings.push(duplicate_finding(
                d,
                &found.deltas[first],
                opts.allow_duplicates,
            ));
            items.push(Item {
                delta: d.clone(),
                status: if opts.allow_duplicates {
                    Status::DuplicateSkipped
                } else {
                    Status::Duplicate
                },
                runs: false,
                row_id: None,
            });
            continue;
        }
        if d.name.chars().count() > MAX_DESCRIPTION {
            findings.push(Finding {
                severity: Severity::Error,
                kind: FindingKind::TooLong {
                    file: d.path.clone(),
                },
                message: format!(
                    "{}: the name part is longer than {MAX_DESCRIPTION} characters, the upgrades table cannot record it",
                    d.path.display()
                ),
            });
        }
        if d.script().chars().count() > MAX_SCRIPT {
            findings.push(Finding {
                severity: Severity::Error,
                kind: FindingKind::TooLong {
                    file: d.path.clone(),
                },
                message: format!(
                    "{}: the path is longer than {MAX_SCRIPT} characters, the upgrades table cannot record it",
                    d.path.display()
                ),
            });
        }
        let (status, row_id) = match applied.get(&key) {
            Some(row) if is_modified(d, row) => {
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::Modified {
                        file: d.path.clone(),
                        row: row.id,
                    },
                    message: format!(
                        "{} changed since it was applied (row {}, {}); the change never reached this database",
                        d.path.display(),
                        row.id,
                        row.installed_on
                    ),
                });
                (Status::Modified, Some(row.id))
            }
            Some(row) => (Status::Applied, Some(row.id)),
            None if opts.max_version.is_some_and(|m| v > m) => (Status::AboveMax, None),
            None => match current {
                Some(c) if v < c => {
                    if baseline.is_some_and(|b| v < b) {
                        (Status::Baseline, None)
                    } else {
                        if !opts.out_of_order {
                            findings.push(Finding {
                                severity: Severity::Warning,
                                kind: FindingKind::OutOfOrder {
                                    file: d.path.clone(),
                                },
                                message: format!(
                                    "{} (version {v}) never ran and is older than the current version {c}; \
                                     it is skipped (run it with --out-of-order)",
                                    d.path.display()
                                ),
                            });
                        }
                        (Status::OutOfOrder, None)
                    }
                }
                _ => (Status::Pending, None),
            },
        };
        let runs = match status {
            Status::Pending => true,
            Status::OutOfOrder => opts.out_of_order,
            _ => false,
        };
        items.push(Item {
            delta: d.clone(),
            status,
            runs,
            row_id,
        });
    }

    Plan {
        current,
        baseline,
        items,
        pre_all: found.pre_all.clone(),
        post_all: found.post_all.clone(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::{parse_file_name, NotADelta};
    use std::path::PathBuf;

    fn delta(name: &str) -> Delta {
        let p = parse_file_name(name).unwrap();
        Delta {
            path: PathBuf::from("d").join(name),
            dir_index: 0,
            version: p.version,
            name: p.name,
            phase: p.phase,
            lang: p.lang,
        }
    }

    fn row(id: i64, version: &str, description: &str, type_code: i32) -> AppliedRow {
        AppliedRow {
            id,
            version: version.into(),
            description: description.into(),
            type_code,
            script: String::new(),
            checksum: String::new(),
            installed_by: "u".into(),
            installed_on: "2024-01-01".into(),
            execution_time: 1,
            success: true,
        }
    }

    fn found(names: &[&str]) -> Discovery {
        Discovery {
            deltas: names.iter().map(|n| delta(n)).collect(),
            ..Discovery::default()
        }
    }

    fn statuses(p: &Plan) -> Vec<(String, Status, bool)> {
        p.items
            .iter()
            .map(|i| (i.delta.file_name(), i.status, i.runs))
            .collect()
    }

    fn never_modified(_: &Delta, _: &AppliedRow) -> bool {
        false
    }

    #[test]
    fn deltas_at_baseline_version_run_like_pum() {
        let f = found(&["delta_1.0.0_a.sql", "delta_1.0.1_b.sql"]);
        let p = plan(
            &f,
            &[row(1, "1.0.0", "baseline", 0)],
            &PlanOptions::default(),
            never_modified,
        );
        assert_eq!(p.current, Some(Version::new(1, 0, 0)));
        assert!(p
            .items
            .iter()
            .all(|i| i.status == Status::Pending && i.runs));
        assert_eq!(p.target_version(), Some(Version::new(1, 0, 1)));
    }

    #[test]
    fn current_version_is_numeric_not_text() {
        // Text order would pick 1.9.0 and re-run 1.9.5.
        let f = found(&["delta_1.9.5_x.sql", "delta_1.10.1_y.sql"]);
        let rows = [row(1, "1.9.0", "baseline", 0), row(2, "1.10.0", "z", 8)];
        let p = plan(&f, &rows, &PlanOptions::default(), never_modified);
        assert_eq!(p.current, Some(Version::new(1, 10, 0)));
        let s = statuses(&p);
        assert_eq!(s[0].1, Status::OutOfOrder);
        assert!(!s[0].2);
        assert_eq!(s[1].1, Status::Pending);
        assert!(p
            .findings
            .iter()
            .any(|f| f.message.contains("--out-of-order")));
    }

    #[test]
    fn out_of_order_runs_when_asked() {
        let f = found(&["delta_1.1.0_late.sql"]);
        let rows = [row(1, "1.0.0", "baseline", 0), row(2, "1.2.0", "z", 8)];
        let opts = PlanOptions {
            out_of_order: true,
            ..PlanOptions::default()
        };
        let p = plan(&f, &rows, &opts, never_modified);
        assert_eq!(
            statuses(&p)[0],
            ("delta_1.1.0_late.sql".into(), Status::OutOfOrder, true)
        );
        assert!(p.findings.is_empty());
    }

    #[test]
    fn older_than_baseline_is_covered() {
        let f = found(&["delta_0.9.0_old.sql"]);
        let p = plan(
            &f,
            &[row(1, "1.0.0", "baseline", 0)],
            &PlanOptions::default(),
            never_modified,
        );
        assert_eq!(statuses(&p)[0].1, Status::Baseline);
        assert!(p.findings.is_empty());
    }

    #[test]
    fn applied_identified_by_version_name_type() {
        let f = found(&[
            "delta_1.0.1_a.sql",
            "delta_1.0.1_a.pre.sql",
            "delta_1.0.1_a.py",
        ]);
        let rows = [row(1, "1.0.0", "baseline", 0), row(2, "1.0.1", "a", 8)];
        let p = plan(&f, &rows, &PlanOptions::default(), never_modified);
        let s = statuses(&p);
        assert_eq!(s[0].1, Status::Applied); // sql
        assert_eq!(s[1].1, Status::Pending); // pre: same name, other type
        assert_eq!(s[2].1, Status::Pending); // py: same name, other type
        assert_eq!(p.items[0].row_id, Some(2));
    }

    #[test]
    fn failed_rows_do_not_count() {
        let f = found(&["delta_1.0.1_a.sql"]);
        let mut failed = row(2, "1.0.1", "a", 8);
        failed.success = false;
        let p = plan(
            &f,
            &[row(1, "1.0.0", "baseline", 0), failed],
            &PlanOptions::default(),
            never_modified,
        );
        assert_eq!(statuses(&p)[0].1, Status::Pending);
        assert_eq!(p.current, Some(Version::new(1, 0, 0)));
    }

    #[test]
    fn max_version_is_inclusive() {
        let f = found(&[
            "delta_1.0.1_a.sql",
            "delta_1.0.2_b.sql",
            "delta_1.0.3_c.sql",
        ]);
        let opts = PlanOptions {
            max_version: Some(Version::new(1, 0, 2)),
            ..PlanOptions::default()
        };
        let p = plan(&f, &[row(1, "1.0.0", "baseline", 0)], &opts, never_modified);
        let runs: Vec<bool> = p.items.iter().map(|i| i.runs).collect();
        assert_eq!(runs, [true, true, false]);
        assert_eq!(p.items[2].status, Status::AboveMax);
        assert_eq!(p.target_version(), Some(Version::new(1, 0, 2)));
    }

    #[test]
    fn modified_is_a_warning_and_blocks_when_strict() {
        let f = found(&["delta_1.0.1_a.sql"]);
        let rows = [row(1, "1.0.0", "baseline", 0), row(2, "1.0.1", "a", 8)];
        let p = plan(&f, &rows, &PlanOptions::default(), |_, _| true);
        assert_eq!(p.items[0].status, Status::Modified);
        assert!(p.blocking(false).is_empty());
        assert_eq!(p.blocking(true).len(), 1);
    }

    #[test]
    fn empty_table_blocks() {
        let p = plan(
            &found(&["delta_1.0.0_a.sql"]),
            &[],
            &PlanOptions::default(),
            never_modified,
        );
        assert!(p.blocking(false)[0].contains("pum baseline"));
    }

    #[test]
    fn not_deltas_are_warnings() {
        let mut f = found(&["delta_1.0.1_a.sql"]);
        f.not_deltas.push(NotADelta {
            path: "d/delta_1.5.7_x.y.sql".into(),
            reason: "bad".into(),
        });
        let p = plan(
            &f,
            &[row(1, "1.0.0", "baseline", 0)],
            &PlanOptions::default(),
            never_modified,
        );
        assert_eq!(p.findings.len(), 1);
        assert_eq!(
            p.findings[0].kind,
            FindingKind::NotADelta {
                file: "d/delta_1.5.7_x.y.sql".into()
            }
        );
        assert!(p.blocking(false).is_empty());
        assert_eq!(p.blocking(true).len(), 1);
    }

    /// `d/delta_1.0.1_a.sql` applied, `other/delta_1.0.1_a.sql` the same delta.
    fn with_duplicate() -> (Discovery, Vec<AppliedRow>) {
        let mut f = found(&["delta_1.0.1_a.sql", "delta_1.0.2_b.sql"]);
        let mut dup = delta("delta_1.0.1_a.sql");
        dup.path = PathBuf::from("other/delta_1.0.1_a.sql");
        dup.dir_index = 1;
        f.deltas.push(dup);
        let rows = vec![row(1, "1.0.0", "baseline", 0), row(2, "1.0.1", "a", 8)];
        (f, rows)
    }

    /// Only the later file differs from what the row recorded.
    fn other_modified(d: &Delta, _: &AppliedRow) -> bool {
        d.path.starts_with("other")
    }

    #[test]
    fn duplicates_are_errors_and_never_run() {
        let (f, rows) = with_duplicate();
        let p = plan(&f, &rows, &PlanOptions::default(), other_modified);
        assert_eq!(
            statuses(&p),
            [
                ("delta_1.0.1_a.sql".into(), Status::Applied, false),
                ("delta_1.0.2_b.sql".into(), Status::Pending, true),
                ("delta_1.0.1_a.sql".into(), Status::Duplicate, false),
            ]
        );
        assert_eq!(p.items[2].row_id, None);
        assert_eq!(p.findings.len(), 1, "{:?}", p.findings);
        let finding = &p.findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding.kind,
            FindingKind::Duplicate {
                file: "other/delta_1.0.1_a.sql".into(),
                first: "d/delta_1.0.1_a.sql".into(),
            }
        );
        assert!(
            finding.message.contains("--allow-duplicates"),
            "{}",
            finding.message
        );
        assert_eq!(p.blocking(false).len(), 1);
    }

    #[test]
    fn allowed_duplicates_are_skipped_and_never_block() {
        let (f, rows) = with_duplicate();
        let opts = PlanOptions {
            allow_duplicates: true,
            ..PlanOptions::default()
        };
        let p = plan(&f, &rows, &opts, other_modified);
        assert_eq!(p.items[2].status, Status::DuplicateSkipped);
        assert!(!p.items[2].runs);
        assert_eq!(p.items[2].status.label(), "duplicate (skipped)");
        assert_eq!(p.findings.len(), 1);
        assert_eq!(p.findings[0].severity, Severity::Note);
        assert!(p.blocking(true).is_empty());
        assert_eq!(p.pending_count(), 1);
    }

    #[test]
    fn duplicate_of_points_at_the_first() {
        let mut ds = vec![
            delta("delta_1.0.1_a.sql"),
            delta("delta_1.0.1__a.sql"),
            delta("delta_1.0.1_a.pre.sql"),
            delta("delta_1.0.2_a.sql"),
        ];
        ds.push(delta("delta_1.0.1_a.sql"));
        assert_eq!(duplicate_of(&ds), [None, Some(0), None, None, Some(0)]);
    }

    #[test]
    fn notes_never_block() {
        let mut f = found(&["delta_1.0.1_a.sql"]);
        f.python_package_files.push("d/__init__.py".into());
        f.repeated_dirs.push(crate::delta::RepeatedDir {
            dir: "./d".into(),
            same_as: "d".into(),
        });
        let p = plan(
            &f,
            &[row(1, "1.0.0", "baseline", 0)],
            &PlanOptions::default(),
            never_modified,
        );
        assert_eq!(p.findings.len(), 2);
        assert!(p.findings.iter().all(|f| f.severity == Severity::Note));
        assert!(p.blocking(true).is_empty());
    }

    #[test]
    fn unparsable_row_version_is_reported() {
        let p = plan(
            &found(&[]),
            &[row(1, "1.0.0", "baseline", 0), row(2, "1.0", "x", 8)],
            &PlanOptions::default(),
            never_modified,
        );
        assert!(p.findings[0].message.contains("'1.0'"));
    }

    #[test]
    fn linear_in_deltas() {
        // 20,000 deltas, all applied: one map lookup each.
        let names: Vec<String> = (0..20_000)
            .map(|i| format!("delta_1.{i}.0_d.sql"))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let f = found(&refs);
        let mut rows = vec![row(0, "1.0.0", "baseline", 0)];
        rows.extend((0..20_000).map(|i| row(i + 1, &format!("1.{i}.0"), "d", 8)));
        let p = plan(&f, &rows, &PlanOptions::default(), never_modified);
        assert_eq!(p.pending_count(), 0);
    }
}
