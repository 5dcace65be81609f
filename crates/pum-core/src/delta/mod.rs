//! Finding and naming delta files (pure apart from reading directories).
//!
//! File names follow pum 0.x exactly:
//! `delta_<X.Y.Z>[_...]<name>.<pre.sql|sql|post.sql|pre.py|py|post.py>`, plus
//! `pre-all.{sql,py}` and `post-all.{sql,py}` that run on every upgrade.
//! Unlike pum 0.x, a file in a delta directory that is not a delta is never
//! ignored silently: it is returned in [`Discovery::not_deltas`] (Python
//! package files, `__init__.py` and `*.pyc`, in
//! [`Discovery::python_package_files`]).

mod checksum;

pub use checksum::{checksum, matches_ignoring_line_endings};

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::version::Version;

/// When a file runs relative to the others of its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// `pre-all.*`: before every upgrade, never recorded.
    PreAll,
    /// `delta_X.Y.Z_name.pre.*`
    Pre,
    /// `delta_X.Y.Z_name.*`
    Normal,
    /// `delta_X.Y.Z_name.post.*`
    Post,
    /// `post-all.*`: after every upgrade, never recorded.
    PostAll,
}

/// The language of a delta file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// A `.sql` file.
    Sql,
    /// A `.py` file defining `DeltaPy` subclasses.
    Python,
}

/// pum 0.x's type bits, as stored in the `type` column.
pub mod type_bits {
    /// Baseline rows.
    pub const BASELINE: i32 = 0;
    /// `.pre.*`
    pub const PRE: i32 = 1;
    /// `.post.*`
    pub const POST: i32 = 2;
    /// `.py`
    pub const PYTHON: i32 = 4;
    /// `.sql`
    pub const SQL: i32 = 8;
}

/// One delta file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delta {
    /// The directory joined with the file name, as given on the command
    /// line (what pum 0.x stores in the `script` column).
    pub path: PathBuf,
    /// Index of its directory in the `-d` list.
    pub dir_index: usize,
    /// The version (`None` for pre-all / post-all).
    pub version: Option<Version>,
    /// The name part (pum's `description` column); `pre-all` / `post-all`
    /// for those files.
    pub name: String,
    /// When it runs.
    pub phase: Phase,
    /// SQL or Python.
    pub lang: Lang,
}

impl Delta {
    /// The `type` value pum 0.x stores for this file.
    pub fn type_code(&self) -> i32 {
        let lang = match self.lang {
            Lang::Sql => type_bits::SQL,
            Lang::Python => type_bits::PYTHON,
        };
        let phase = match self.phase {
            Phase::Pre => type_bits::PRE,
            Phase::Post => type_bits::POST,
            _ => 0,
        };
        lang | phase
    }

    /// True for pre-all / post-all files.
    pub fn is_always(&self) -> bool {
        matches!(self.phase, Phase::PreAll | Phase::PostAll)
    }

    /// The `script` column value (the path as given).
    pub fn script(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// The file name without the directory.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// A short label for the kind, as pum 0.x `info` shows it
    /// (`pre sql`, `delta py`, `post-all sql`...).
    pub fn kind_label(&self) -> &'static str {
        kind_label(self.type_code(), self.phase)
    }
}

/// The label pum 0.x prints for a `type` value.
pub fn kind_label(type_code: i32, phase: Phase) -> &'static str {
    match (phase, type_code) {
        (Phase::PreAll, c) if c & type_bits::PYTHON != 0 => "pre-all py",
        (Phase::PreAll, _) => "pre-all sql",
        (Phase::PostAll, c) if c & type_bits::PYTHON != 0 => "post-all py",
        (Phase::PostAll, _) => "post-all sql",
        (_, 0) => "baseline",
        (_, 5) => "pre py",
        (_, 9) => "pre sql",
        (_, 4) => "delta py",
        (_, 8) => "delta sql",
        (_, 6) => "post py",
        (_, 10) => "post sql",
        _ => "unknown",
    }
}

impl crate::apply::runner::Script for Delta {
    fn path(&self) -> &Path {
        &self.path
    }

    fn lang(&self) -> Lang {
        self.lang
    }

    fn label(&self) -> String {
        match self.version {
            Some(v) => format!("{v} {} ({})", self.name, self.kind_label()),
            None => self.kind_label().to_string(),
        }
    }

    fn module_name(&self) -> &str {
        &self.name
    }

    fn version(&self) -> Option<Version> {
        self.version
    }

    /// The session settings of pre-all files hold for the whole upgrade.
    fn sets_session(&self) -> bool {
        self.phase == Phase::PreAll
    }
}

impl fmt::Display for Delta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())
    }
}

/// What a file name says, when it is a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// The version (`None` for pre-all / post-all).
    pub version: Option<Version>,
    /// The name part.
    pub name: String,
    /// When it runs.
    pub phase: Phase,
    /// SQL or Python.
    pub lang: Lang,
}

/// pum 0.x's `\w`: Unicode letters, digits and underscore.
fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Parses a file name the way pum 0.x's pattern does:
/// `^delta_(\d+\.\d+\.\d+)(_*)(\w*)\.(pre\.sql|sql|post\.sql|pre\.py|py|post\.py)$`.
pub fn parse_file_name(file_name: &str) -> Option<ParsedName> {
    let always = |phase, lang, name: &str| {
        Some(ParsedName {
            version: None,
            name: name.to_string(),
            phase,
            lang,
        })
    };
    match file_name {
        "pre-all.sql" => return always(Phase::PreAll, Lang::Sql, "pre-all"),
        "pre-all.py" => return always(Phase::PreAll, Lang::Python, "pre-all"),
        "post-all.sql" => return always(Phase::PostAll, Lang::Sql, "post-all"),
        "post-all.py" => return always(Phase::PostAll, Lang::Python, "post-all"),
        _ => {}
    }
    let rest = file_name.strip_prefix("delta_")?;
    // The extension: the name part is \w* (no dots), so the first dot after
    // the version starts the extension.
    let (lang, phase, stem) = [
        (".pre.sql", Lang::Sql, Phase::Pre),
        (".post.sql", Lang::Sql, Phase::Post),
        (".sql", Lang::Sql, Phase::Normal),
        (".pre.py", Lang::Python, Phase::Pre),
        (".post.py", Lang::Python, Phase::Post),
        (".py", Lang::Python, Phase::Normal),
    ]
    .iter()
    .find_map(|(ext, lang, phase)| rest.strip_suffix(ext).map(|s| (*lang, *phase, s)))?;
    // Version: three dot-separated digit runs.
    let mut end = 0;
    let bytes = stem.as_bytes();
    for part in 0..3 {
        let start = end;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return None;
        }
        if part < 2 {
            if end >= bytes.len() || bytes[end] != b'.' {
                return None;
            }
            end += 1;
        }
    }
    let version: Version = stem[..end].parse().ok()?;
    let name = stem[end..].trim_start_matches('_');
    if !name.chars().all(is_word_char) {
        return None;
    }
    // `delta_1.2.3abc.sql` matches pum's pattern too (`_*` may be empty).
    Some(ParsedName {
        version: Some(version),
        name: name.to_string(),
        phase,
        lang,
    })
}

/// Why a file in a delta directory is not a delta.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotADelta {
    /// The file.
    pub path: PathBuf,
    /// A hint for the user.
    pub reason: String,
}

/// A `-d` directory that names a directory given earlier in the list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RepeatedDir {
    /// The later spelling (not read).
    pub dir: PathBuf,
    /// The earlier spelling of the same directory (read at its position).
    pub same_as: PathBuf,
}

/// The delta files found in the `-d` directories.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Discovery {
    /// Versioned deltas in execution order (per directory sorted by version,
    /// phase, name; directories in argument order, as pum 0.x).
    pub deltas: Vec<Delta>,
    /// pre-all files in execution order (directories reversed, `.py` first).
    pub pre_all: Vec<Delta>,
    /// post-all files in execution order (directories in order, `.py` first).
    pub post_all: Vec<Delta>,
    /// Files that are not deltas (pum 0.x ignored them silently).
    pub not_deltas: Vec<NotADelta>,
    /// Files that make a delta directory a Python package (`__init__.py`)
    /// and compiled Python (`*.pyc`, `*.pyo`): not deltas, but not mistakes
    /// either.
    pub python_package_files: Vec<PathBuf>,
    /// Directories given more than once (compared after resolving the path):
    /// each is read once, at its first position.
    pub repeated_dirs: Vec<RepeatedDir>,
}

/// True for the files a delta directory holds when it is a Python package:
/// `__init__.py` and compiled Python files.
pub fn is_python_package_file(file_name: &str) -> bool {
    file_name == "__init__.py" || file_name.ends_with(".pyc") || file_name.ends_with(".pyo")
}

fn reason_for(file_name: &str) -> String {
    let lower = file_name.to_ascii_lowercase();
    if lower.starts_with("delta_") {
        if lower.ends_with(".sql") || lower.ends_with(".py") {
            "looks like a delta but does not match delta_X.Y.Z_name.[pre.|post.]sql|py \
             (the name part may hold only letters, digits and '_')"
                .into()
        } else {
            "looks like a delta but its extension is not .sql, .pre.sql, .post.sql, .py, .pre.py or .post.py"
                .into()
        }
    } else if lower.ends_with(".sql") || lower.ends_with(".py") {
        "not named delta_X.Y.Z_name.*, pre-all.* or post-all.*, so it never runs".into()
    } else {
        "not a delta file".into()
    }
}

/// Lists the delta files of the given directories.
pub fn discover(dirs: &[PathBuf]) -> Result<Discovery> {
    let mut out = Discovery::default();
    let mut pre_all_by_dir: Vec<Vec<Delta>> = Vec::with_capacity(dirs.len());
    let mut seen_dirs: Vec<(PathBuf, &PathBuf)> = Vec::with_capacity(dirs.len());
    for (dir_index, dir) in dirs.iter().enumerate() {
        let unreadable = |e: std::io::Error| {
            Error::io(
                dir,
                std::io::Error::new(
                    e.kind(),
                    format!("cannot read this delta directory ({e}); check the -d/--dir value"),
                ),
            )
        };
        // `d`, `./d` and `d/` are one directory: read it once, where it
        // first appears (twice would run its deltas twice).
        let resolved = std::fs::canonicalize(dir).map_err(unreadable)?;
        if let Some((_, first)) = seen_dirs.iter().find(|(r, _)| *r == resolved) {
            out.repeated_dirs.push(RepeatedDir {
                dir: dir.clone(),
                same_as: (*first).clone(),
            });
            continue;
        }
        seen_dirs.push((resolved, dir));
        let entries = std::fs::read_dir(dir).map_err(unreadable)?;
        let mut here = Vec::new();
        let mut always = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let file_type = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let path = dir.join(&file_name);
            // Follow symlinks like pum 0.x's isfile(); skip directories.
            let is_file = file_type.is_file()
                || (file_type.is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_file()));
            if !is_file || file_name.starts_with('.') {
                continue;
            }
            match parse_file_name(&file_name) {
                Some(p) => {
                    let d = Delta {
                        path,
                        dir_index,
                        version: p.version,
                        name: p.name,
                        phase: p.phase,
                        lang: p.lang,
                    };
                    if d.is_always() {
                        always.push(d);
                    } else {
                        here.push(d);
                    }
                }
                None if is_python_package_file(&file_name) => out.python_package_files.push(path),
                None => out.not_deltas.push(NotADelta {
                    reason: reason_for(&file_name),
                    path,
                }),
            }
        }
        here.sort_by(|a, b| {
            (a.version, a.phase, &a.name, a.lang).cmp(&(b.version, b.phase, &b.name, b.lang))
        });
        out.deltas.extend(here);
        // .py before .sql, as pum 0.x.
        always.sort_by_key(|d| (d.phase, d.lang != Lang::Python));
        let (pre, post): (Vec<_>, Vec<_>) =
            always.into_iter().partition(|d| d.phase == Phase::PreAll);
        pre_all_by_dir.push(pre);
        out.post_all.extend(post);
    }
    out.pre_all = pre_all_by_dir.into_iter().rev().flatten().collect();
    out.not_deltas.sort_by(|a, b| a.path.cmp(&b.path));
    out.python_package_files.sort();
    Ok(out)
}

/// Reads a delta file's bytes, naming the file in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: &str) -> Option<(Option<String>, String, Phase, Lang)> {
        parse_file_name(n).map(|p| (p.version.map(|v| v.to_string()), p.name, p.phase, p.lang))
    }

    #[test]
    fn pum_names() {
        assert_eq!(
            p("delta_1.2.3_add_column.sql"),
            Some((
                Some("1.2.3".into()),
                "add_column".into(),
                Phase::Normal,
                Lang::Sql
            ))
        );
        assert_eq!(p("delta_1.2.3_x.pre.sql").map(|t| t.2), Some(Phase::Pre));
        assert_eq!(
            p("delta_1.2.3_x.post.py").map(|t| (t.2, t.3)),
            Some((Phase::Post, Lang::Python))
        );
        assert_eq!(p("delta_1.2.3.sql").map(|t| t.1), Some(String::new()));
        assert_eq!(p("delta_1.2.3___x.sql").map(|t| t.1), Some("x".into()));
        assert_eq!(p("delta_1.2.3x.sql").map(|t| t.1), Some("x".into()));
        assert_eq!(p("delta_10.20.30_ä.sql").map(|t| t.1), Some("ä".into()));
        assert_eq!(p("pre-all.sql").map(|t| t.2), Some(Phase::PreAll));
        assert_eq!(
            p("post-all.py").map(|t| (t.2, t.3)),
            Some((Phase::PostAll, Lang::Python))
        );
    }

    #[test]
    fn names_pum_ignored() {
        for n in [
            "delta_1.5.7_model_file.data_media.sql",
            "delta_1.5.7_fix-typo.sql",
            "delta_1.5.7_x.sql.post",
            "delta_1.5.7_x",
            "delta_1.5_x.sql",
            "delta_1.5.7.1_x.sql",
            "Delta_1.5.7_x.sql",
            "delta_1.5.7_x.SQL",
            "pre-all.sql.bak",
            "README.md",
        ] {
            assert_eq!(parse_file_name(n), None, "{n}");
        }
    }

    #[test]
    fn type_codes_match_pum() {
        let code = |n: &str| {
            let p = parse_file_name(n).unwrap();
            Delta {
                path: n.into(),
                dir_index: 0,
                version: p.version,
                name: p.name,
                phase: p.phase,
                lang: p.lang,
            }
            .type_code()
        };
        assert_eq!(code("delta_1.0.0_a.sql"), 8);
        assert_eq!(code("delta_1.0.0_a.pre.sql"), 9);
        assert_eq!(code("delta_1.0.0_a.post.sql"), 10);
        assert_eq!(code("delta_1.0.0_a.py"), 4);
        assert_eq!(code("delta_1.0.0_a.pre.py"), 5);
        assert_eq!(code("delta_1.0.0_a.post.py"), 6);
    }

    #[test]
    fn ordering_and_dirs() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        for f in [
            "delta_1.10.0_z.sql",
            "delta_1.9.0_b.sql",
            "delta_1.9.0_a.post.sql",
            "delta_1.9.0_c.pre.sql",
            "delta_1.9.0_a.sql",
            "pre-all.sql",
            "pre-all.py",
            "post-all.sql",
            "notes.txt",
            "delta_1.5.7_x.y.sql",
        ] {
            std::fs::write(a.join(f), "").unwrap();
        }
        for f in ["delta_0.1.0_first.sql", "pre-all.sql", "post-all.py"] {
            std::fs::write(b.join(f), "").unwrap();
        }
        std::fs::create_dir(a.join("subdir")).unwrap();
        std::fs::write(a.join(".gitkeep"), "").unwrap();
        let d = discover(&[a.clone(), b.clone()]).unwrap();
        let names: Vec<String> = d.deltas.iter().map(|d| d.file_name()).collect();
        assert_eq!(
            names,
            [
                "delta_1.9.0_c.pre.sql",
                "delta_1.9.0_a.sql",
                "delta_1.9.0_b.sql",
                "delta_1.9.0_a.post.sql",
                "delta_1.10.0_z.sql",
                // second directory after the first, not merged
                "delta_0.1.0_first.sql",
            ]
        );
        let pre: Vec<String> = d.pre_all.iter().map(|d| d.script()).collect();
        assert_eq!(
            pre,
            [
                b.join("pre-all.sql").to_string_lossy().into_owned(),
                a.join("pre-all.py").to_string_lossy().into_owned(),
                a.join("pre-all.sql").to_string_lossy().into_owned(),
            ]
        );
        let post: Vec<String> = d.post_all.iter().map(|d| d.script()).collect();
        assert_eq!(
            post,
            [
                a.join("post-all.sql").to_string_lossy().into_owned(),
                b.join("post-all.py").to_string_lossy().into_owned(),
            ]
        );
        let ignored: Vec<String> = d
            .not_deltas
            .iter()
            .map(|n| n.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(ignored, ["delta_1.5.7_x.y.sql", "notes.txt"]);
        assert!(d.not_deltas[0].reason.contains("letters, digits"));
    }

    #[test]
    fn the_same_dir_given_twice_is_read_once() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("delta_1.0.0_x.sql"), "").unwrap();
        std::fs::write(a.join("pre-all.sql"), "").unwrap();
        std::fs::write(b.join("delta_1.0.0_y.sql"), "").unwrap();
        let slash = PathBuf::from(format!("{}/", a.display()));
        let dirs = [
            a.clone(),
            b.clone(),
            a.join("."),
            slash.clone(),
            b.join("../a"),
        ];
        let d = discover(&dirs).unwrap();
        let names: Vec<String> = d.deltas.iter().map(|d| d.file_name()).collect();
        assert_eq!(names, ["delta_1.0.0_x.sql", "delta_1.0.0_y.sql"]);
        assert_eq!(d.deltas[1].dir_index, 1);
        assert_eq!(d.pre_all.len(), 1);
        let repeated: Vec<(PathBuf, PathBuf)> = d
            .repeated_dirs
            .iter()
            .map(|r| (r.dir.clone(), r.same_as.clone()))
            .collect();
        assert_eq!(
            repeated,
            [
                (a.join("."), a.clone()),
                (slash, a.clone()),
                (b.join("../a"), a.clone())
            ]
        );
    }

    #[test]
    fn python_package_files_are_set_apart() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        std::fs::create_dir_all(a.join("__pycache__")).unwrap();
        for f in [
            "__init__.py",
            "delta_1.0.0_x.py",
            "helpers.pyc",
            "old.pyo",
            "__pycache__/delta_1.0.0_x.cpython-311.pyc",
            "init.py",
        ] {
            std::fs::write(a.join(f), "").unwrap();
        }
        let d = discover(std::slice::from_ref(&a)).unwrap();
        assert_eq!(d.deltas.len(), 1);
        assert_eq!(
            d.python_package_files,
            [
                a.join("__init__.py"),
                a.join("helpers.pyc"),
                a.join("old.pyo")
            ]
        );
        let odd: Vec<&Path> = d.not_deltas.iter().map(|n| n.path.as_path()).collect();
        assert_eq!(odd, [a.join("init.py")]);
    }

    #[test]
    fn missing_dir_is_named() {
        let e = discover(&[PathBuf::from("/nonexistent/deltas")]).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/deltas"), "{e}");
        assert!(e.to_string().contains("-d"), "{e}");
    }
}
