//! The changelogs of a pum 1.x module (`changelog.py`): one directory per
//! version under `changelogs/`, in PEP 440 order, holding `.sql` files
//! run in code-point order of their names. A version without SQL (an
//! application-only release) holds an empty `APP_ONLY_RELEASE` file
//! instead, and is recorded all the same.
//!
//! Paths are written the way pum 1.x writes them into
//! `pum_migrations.changelog_files`: the module directory as given (as
//! Python's `pathlib` normalises it: `./m/` is `m`, `.` disappears), then
//! `changelogs/<version dir>/<file>`.

use std::path::PathBuf;

use super::pep440::Pep440;
use crate::error::{Error, Result};

/// The marker of a version without SQL.
pub const APP_ONLY_RELEASE: &str = "APP_ONLY_RELEASE";

/// One version directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Changelog {
    /// The directory, as pum 1.x names it (`m/changelogs/1.0.0`).
    pub dir: String,
    /// Its version (the directory's name read as PEP 440).
    pub version: Pep440,
    /// Its `.sql` files, in the order they run, as pum 1.x names them.
    pub files: Vec<String>,
    /// True for an application-only release (an `APP_ONLY_RELEASE`
    /// marker and no SQL).
    pub app_only: bool,
    /// Files of the directory that never run (not `.sql`, not the marker).
    pub ignored: Vec<String>,
}

impl Changelog {
    /// The version as recorded (`str(Version(...))`).
    pub fn recorded_version(&self) -> String {
        self.version.to_string()
    }
}

/// `PurePosixPath(parts[0]) / parts[1] / ...` as text: `.` and empty
/// components dropped, an absolute part restarting the path, `.` for
/// nothing.
pub fn py_path(parts: &[&str]) -> String {
    let mut absolute = false;
    let mut comps: Vec<&str> = Vec::new();
    for part in parts {
        if part.starts_with('/') {
            absolute = true;
            comps.clear();
        }
        comps.extend(part.split('/').filter(|c| !c.is_empty() && *c != "."));
    }
    match (absolute, comps.is_empty()) {
        (true, _) => format!("/{}", comps.join("/")),
        (false, true) => ".".into(),
        (false, false) => comps.join("/"),
    }
}

/// The parent of a pathlib-normalised path (`PurePosixPath.parent`).
pub fn py_parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => path[..i].to_string(),
        None => ".".into(),
    }
}

/// Reads the changelogs of `changelogs_dir` (a pathlib-normalised path):
/// every version directory, sorted. Every problem is reported at once:
/// a directory that is not a version, two directories of the same
/// version, a version without SQL and without marker, or with both.
pub fn discover(changelogs_dir: &str) -> Result<Vec<Changelog>> {
    let dir = PathBuf::from(changelogs_dir);
    if !dir.is_dir() {
        return Err(Error::invalid(format!(
            "{changelogs_dir}: the changelogs directory does not exist (set \
             `changelogs_directory` in .pum.yaml; the default is changelogs)"
        )));
    }
    let mut entries: Vec<(String, bool)> = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Symbolic links are followed, as Python's is_dir() does.
        let is_dir = entry.path().is_dir();
        entries.push((name, is_dir));
    }
    if entries.is_empty() {
        return Err(Error::invalid(format!(
            "{changelogs_dir}: the changelogs directory is empty: it needs one directory per \
             version (1.0.0/, 1.1.0/...) of .sql files"
        )));
    }
    entries.sort();
    let mut problems = Vec::new();
    let mut found: Vec<Changelog> = Vec::new();
    for (name, is_dir) in entries.into_iter().filter(|(_, d)| *d) {
        let path = py_path(&[changelogs_dir, &name]);
        let version = match Pep440::parse(&name) {
            Ok(v) => v,
            Err(_) => {
                problems.push(format!(
                    "{path}: not a version directory: every directory of {changelogs_dir} is \
                     named after the version it brings, such as 1.2.0 (pum 1.x fails on it too); \
                     move it elsewhere"
                ));
                continue;
            }
        };
        debug_assert!(is_dir);
        let mut files = Vec::new();
        let mut ignored = Vec::new();
        let mut marker = false;
        let real = PathBuf::from(&path);
        let mut names: Vec<(String, bool)> = Vec::new();
        for entry in std::fs::read_dir(&real).map_err(|e| Error::io(&real, e))? {
            let entry = entry.map_err(|e| Error::io(&real, e))?;
            let n = entry.file_name().to_string_lossy().into_owned();
            names.push((n, entry.path().is_file()));
        }
        // Python sorts the paths: code-point order of the names.
        names.sort();
        for (n, is_file) in names {
            if !is_file {
                continue;
            }
            if n.ends_with(".sql") {
                files.push(py_path(&[&path, &n]));
            } else if n == APP_ONLY_RELEASE {
                marker = true;
            } else {
                ignored.push(py_path(&[&path, &n]));
            }
        }
        if files.is_empty() && !marker {
            problems.push(format!(
                "{path}: holds no .sql file; for an application-only release (no database \
                 change), add an empty {APP_ONLY_RELEASE} file to it"
            ));
            continue;
        }
        if !files.is_empty() && marker {
            problems.push(format!(
                "{path}: holds .sql files and an {APP_ONLY_RELEASE} marker; remove one or the other"
            ));
            continue;
        }
        if let Some(other) = found.iter().find(|c| c.version == version) {
            problems.push(format!(
                "{} and {path} are the same version {} for pum 1.x; keep one",
                other.dir, version
            ));
            continue;
        }
        found.push(Changelog {
            dir: path,
            version,
            files,
            app_only: marker,
            ignored,
        });
    }
    if !problems.is_empty() {
        return Err(Error::Refused { problems });
    }
    found.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_joined_as_pathlib_joins_them() {
        assert_eq!(py_path(&[".", "changelogs"]), "changelogs");
        assert_eq!(
            py_path(&["./m/", "changelogs", "1.0.0"]),
            "m/changelogs/1.0.0"
        );
        assert_eq!(py_path(&["a//b/./c"]), "a/b/c");
        assert_eq!(py_path(&["../m", "changelogs"]), "../m/changelogs");
        assert_eq!(py_path(&["/abs/m", "x"]), "/abs/m/x");
        assert_eq!(py_path(&["m", "/elsewhere"]), "/elsewhere");
        assert_eq!(py_path(&[""]), ".");
        assert_eq!(py_parent("m/.pum.yaml"), "m");
        assert_eq!(py_parent(".pum.yaml"), ".");
        assert_eq!(py_parent("/.pum.yaml"), "/");
    }

    #[test]
    fn versions_sort_as_pep_440_and_files_by_code_point() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("changelogs");
        for (dir, files) in [
            ("1.10.0", vec!["b.sql", "a.sql", "B.sql", "notes.md"]),
            ("1.9.0", vec!["x.sql"]),
            ("2.0.0", vec![APP_ONLY_RELEASE]),
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            for f in files {
                std::fs::write(root.join(dir).join(f), "").unwrap();
            }
        }
        std::fs::write(root.join("README"), "").unwrap();
        let base = root.to_str().unwrap();
        let c = discover(base).unwrap();
        let versions: Vec<String> = c.iter().map(|c| c.recorded_version()).collect();
        assert_eq!(versions, ["1.9.0", "1.10.0", "2.0.0"]);
        let names: Vec<&str> = c[1]
            .files
            .iter()
            .map(|f| f.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["B.sql", "a.sql", "b.sql"]);
        assert_eq!(c[1].ignored.len(), 1);
        assert!(c[2].app_only && c[2].files.is_empty());
    }

    #[test]
    fn bad_directories_are_all_named() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("changelogs");
        for dir in ["1.0.0", "1.0", "latest", "2.0.0", "3.0.0"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("1.0.0/a.sql"), "").unwrap();
        std::fs::write(root.join("1.0/a.sql"), "").unwrap();
        std::fs::write(root.join("3.0.0/a.sql"), "").unwrap();
        std::fs::write(root.join("3.0.0").join(APP_ONLY_RELEASE), "").unwrap();
        let Err(Error::Refused { problems }) = discover(root.to_str().unwrap()) else {
            panic!("accepted")
        };
        let all = problems.join("\n");
        assert_eq!(problems.len(), 4, "{all}");
        assert!(all.contains("latest: not a version directory"), "{all}");
        assert!(all.contains("are the same version 1.0"), "{all}");
        assert!(all.contains("2.0.0: holds no .sql file"), "{all}");
        assert!(
            all.contains("3.0.0: holds .sql files and an APP_ONLY_RELEASE marker"),
            "{all}"
        );
        assert!(discover(t.path().join("nope").to_str().unwrap()).is_err());
    }
}
