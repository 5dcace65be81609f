//! `pum cm dump`: every control table to `<sql-path>/<database>/<schema>.sql`,
//! and on request a git commit of the tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::format::{render, Row, MARKER};
use super::{
    list, plural, resolve_targets, run_parallel, timed, CachedConn, CmEvent, ControlTable, Failure,
    Scope, Target, TargetResult,
};
use crate::error::{Error, Result};

/// Options of [`dump`].
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// Where.
    pub scope: Scope,
    /// The tree's root (`--sql-path`, psql-cm's default `sql`); created if
    /// missing.
    pub sql_path: PathBuf,
    /// Commit the databases' directories to git (`--commit`); the tree is
    /// made a repository if it is in none.
    pub commit: bool,
}

/// What dump did for one target.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DumpOutcome {
    /// The file was written (new or changed).
    Written {
        /// The file.
        file: PathBuf,
        /// Rows in it.
        rows: usize,
    },
    /// The file already held exactly this: left untouched.
    Unchanged {
        /// The file.
        file: PathBuf,
        /// Rows in it.
        rows: usize,
    },
    /// Reading the table or writing the file failed; the file is as before.
    Failed {
        /// Why.
        error: Failure,
    },
}

/// The git commit of a dump.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CommitOutcome {
    /// A commit was made.
    Committed {
        /// Its hash.
        commit: String,
        /// Its first line.
        subject: String,
    },
    /// The files were as committed already.
    NothingToCommit,
}

/// What [`dump`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DumpReport {
    /// The tree's root.
    pub sql_path: PathBuf,
    /// Every target dumped, in order.
    pub targets: Vec<TargetResult<DumpOutcome>>,
    /// Schemas without a control table, left out (run setup for them).
    pub not_set_up: Vec<Target>,
    /// Files pum had written for schemas that are no longer set up (or
    /// exist no more), removed so that the tree mirrors the databases.
    pub removed: Vec<PathBuf>,
    /// The git commit, with `commit`.
    pub commit: Option<CommitOutcome>,
    /// Targets not reached because pum was interrupted.
    pub not_attempted: Vec<Target>,
}

impl DumpReport {
    /// How many targets failed (or were not reached).
    pub fn failed(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| matches!(t.outcome, DumpOutcome::Failed { .. }))
            .count()
            + self.not_attempted.len()
    }
}

/// Writes each target's control table as a SQL file (see [`render`]): the
/// same rows give the same bytes, and a file whose content did not change
/// is not rewritten. Files are written under a temporary name and renamed
/// into place, so a failure never leaves a partial file.
///
/// Without [`Scope::schemas`], schemas that are not set up are left out
/// (and listed), and files pum wrote earlier for schemas that are no
/// longer there are removed. With it, every named schema must be set up.
/// With `commit`, the databases' directories are committed to git when
/// every target succeeded and something changed.
pub fn dump(opts: &DumpOptions, events: &mut dyn FnMut(&CmEvent)) -> Result<DumpReport> {
    let scope = &opts.scope;
    scope.validate(true)?;
    let mut maint = scope.maintenance()?;
    let existing = scope.existing_databases(&mut maint)?;
    drop(maint);
    scope.require_databases(&existing, "")?;
    let (all, missing) = resolve_targets(scope, &scope.databases)?;
    if !missing.is_empty() {
        return Err(Error::invalid(format!(
            "{} named by --schemas {} not exist: {}",
            plural(missing.len(), "a schema", "schemas"),
            if missing.len() == 1 { "does" } else { "do" },
            list(&missing)
        )));
    }
    let mut targets = Vec::new();
    let mut not_set_up = Vec::new();
    for (t, table) in all {
        match table {
            ControlTable::Present => targets.push(t),
            ControlTable::Missing => not_set_up.push(t),
        }
    }
    if scope.schemas.is_some() && !not_set_up.is_empty() {
        return Err(Error::invalid(format!(
            "{} not set up for change management (no table {}): {}\n  run `pum cm setup` for \
             {} first",
            plural(not_set_up.len(), "this schema is", "these schemas are"),
            scope.table,
            list(&not_set_up),
            plural(not_set_up.len(), "it", "them")
        )));
    }
    std::fs::create_dir_all(&opts.sql_path).map_err(|e| Error::io(&opts.sql_path, e))?;
    for db in &scope.databases {
        let dir = opts.sql_path.join(db);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }

    let results = run_parallel(
        &targets,
        scope.jobs,
        |_| false,
        |t, emitter, conn: &mut CachedConn| {
            timed(
                t,
                emitter,
                || match dump_one(scope, &opts.sql_path, t, conn) {
                    Ok(o) => o,
                    Err(e) => {
                        conn.reset();
                        DumpOutcome::Failed { error: (&e).into() }
                    }
                },
                |o| !matches!(o, DumpOutcome::Failed { .. }),
            )
        },
        events,
    );
    let mut report = DumpReport {
        sql_path: opts.sql_path.clone(),
        targets: Vec::new(),
        not_set_up,
        removed: Vec::new(),
        commit: None,
        not_attempted: Vec::new(),
    };
    for (t, r) in targets.iter().zip(results) {
        match r {
            Some(r) => report.targets.push(r),
            None => report.not_attempted.push(t.clone()),
        }
    }
    if report.failed() > 0 {
        return Ok(report);
    }
    if scope.schemas.is_none() {
        for db in &scope.databases {
            let kept: BTreeSet<String> = targets
                .iter()
                .filter(|t| &t.database == db)
                .map(|t| format!("{}.sql", t.schema))
                .collect();
            report
                .removed
                .extend(remove_stale(&opts.sql_path.join(db), &kept)?);
        }
    }
    if opts.commit {
        report.commit = Some(commit(opts, &report)?);
    }
    Ok(report)
}

fn dump_one(
    scope: &Scope,
    sql_path: &Path,
    t: &Target,
    conn: &mut CachedConn,
) -> Result<DumpOutcome> {
    crate::interrupt::check()?;
    let conn = conn.get(scope, &t.database)?;
    let _watch = crate::interrupt::watch_conn(conn);
    let table = scope.table_sql(&t.schema);
    let result = conn.query(
        &format!(
            "SELECT id::text, is_base::text, \
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), \
             implementer, content FROM {table} ORDER BY id"
        ),
        &[],
    )?;
    let rows: Vec<Row> = result
        .rows
        .into_iter()
        .map(|r| {
            let text = |i: usize| r[i].clone().unwrap_or_default();
            Row {
                id: text(0).parse().unwrap_or_default(),
                is_base: text(1) == "true",
                created_at: r[2].as_ref().map(|t| format!("{t}+00")),
                implementer: text(3),
                content: text(4),
            }
        })
        .collect();
    let text = render(&t.database, &t.schema, &scope.table, &rows);
    let file = sql_path.join(&t.database).join(format!("{}.sql", t.schema));
    if std::fs::read(&file).ok().as_deref() == Some(text.as_bytes()) {
        return Ok(DumpOutcome::Unchanged {
            file,
            rows: rows.len(),
        });
    }
    let staged = crate::tempfiles::Staged::new(&file, false)?;
    std::fs::write(staged.path(), text.as_bytes()).map_err(|e| Error::io(staged.path(), e))?;
    // Meant to be committed and read: not private like a dump of data.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staged.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(staged.path(), e))?;
    }
    staged.commit()?;
    Ok(DumpOutcome::Written {
        file,
        rows: rows.len(),
    })
}

/// Removes the `.sql` files of `dir` that pum wrote (first line
/// [`MARKER`]) and that are not in `kept`.
fn remove_stale(dir: &Path, kept: &BTreeSet<String>) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.ends_with(".sql") || kept.contains(&name) || !path.is_file() {
            continue;
        }
        let head = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if head.starts_with(MARKER.as_bytes()) {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Runs git in `dir`, pathspecs taken literally; its stderr on failure.
fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("--literal-pathspecs")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::invalid(format!(
                "cannot run git ({e}); install git, or dump without --commit"
            ))
        })?;
    if !out.status.success() {
        return Err(Error::invalid(format!(
            "git {} in {} failed: {}",
            args.first().copied().unwrap_or_default(),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Commits the databases' directories (and only them) under `sql_path`.
fn commit(opts: &DumpOptions, report: &DumpReport) -> Result<CommitOutcome> {
    let dir = &opts.sql_path;
    if git(dir, &["rev-parse", "--is-inside-work-tree"]).is_err() {
        git(dir, &["init", "--quiet"])?;
    }
    // The databases' directories that hold files, or held some that git
    // tracks (a pathspec that matches nothing is an error for git add).
    let mut dbs: Vec<&str> = Vec::new();
    for db in &opts.scope.databases {
        let has_files = std::fs::read_dir(dir.join(db))
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if has_files || !git(dir, &["ls-files", "--", db])?.is_empty() {
            dbs.push(db);
        }
    }
    if dbs.is_empty() {
        return Ok(CommitOutcome::NothingToCommit);
    }
    let mut add = vec!["add", "--all", "--"];
    add.extend(&dbs);
    git(dir, &add)?;
    let mut status = vec!["status", "--porcelain", "--"];
    status.extend(&dbs);
    if git(dir, &status)?.is_empty() {
        return Ok(CommitOutcome::NothingToCommit);
    }
    let subject = format!("pum cm dump: {}", opts.scope.databases.join(", "));
    let mut body = String::new();
    for t in &report.targets {
        if let DumpOutcome::Written { rows, .. } = &t.outcome {
            body.push_str(&format!("\n{} ({rows} rows)", t.target));
        }
    }
    for r in &report.removed {
        body.push_str(&format!("\nremoved {}", r.display()));
    }
    let message = if body.is_empty() {
        subject.clone()
    } else {
        format!("{subject}\n{body}")
    };
    let mut commit = vec!["commit", "--quiet", "-m", &message, "--"];
    commit.extend(&dbs);
    git(dir, &commit).map_err(|e| {
        Error::invalid(format!(
            "{e}\n  the files are written; commit them by hand, or set git's user.name and \
             user.email and dump again"
        ))
    })?;
    Ok(CommitOutcome::Committed {
        commit: git(dir, &["rev-parse", "HEAD"])?,
        subject,
    })
}
