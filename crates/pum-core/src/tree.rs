//! Creation trees: the SQL files that build a data model from scratch
//! (pure apart from reading directories).
//!
//! A creation tree is a directory (`create/`) whose subdirectories run one
//! after the other, in [natural order](natural_cmp) of their names
//! (`1-tables/`, `2-indexes/`, ... `10-seed/`: `2-` before `10-`).
//! Inside a subdirectory, the files run
//!
//! - in the order of `order.json` when there is one: an object mapping
//!   integer keys to file names, `{"1": "tbl_a.sql", "2": "tbl_b.sql"}`,
//!   run by the keys compared as numbers (`"10"` after `"9"`), whatever
//!   their order in the file;
//! - else every `.sql` file, in natural order of the file names.
//!
//! The tool this replaces sorted directories as text, read `order.json`
//! in file order and skipped files it did not understand without a word.
//! Here nothing is skipped silently: [`discover`] returns every file that
//! runs and a [`Finding`] for everything else, all in one pass. A finding
//! of severity [`Severity::Error`] means the tree must not run at all
//! (a file would be lost or run in a surprising order); the caller decides.
//!
//! Hidden files and directories (`.gitkeep`, `.git/`) are ignored.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::plan::Severity;

use crate::error::{Error, Result};

/// The name of the file that orders a subdirectory.
pub const ORDER_FILE: &str = "order.json";

/// Compares two names in natural order: runs of ASCII digits compare as
/// numbers (`2` before `10`, `007` equal to `7`), other runs as text (by
/// code point, so case matters), a digit run before a text run at the same
/// place. Names that are equal that way (`01-x` and `1-x`) compare as plain
/// text, so the order is total and the same on every machine.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (Runs(a), Runs(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(r), Some(s)) => match cmp_run(r, s) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// A maximal run of ASCII digits (`true`) or of other characters.
struct Runs<'a>(&'a str);

impl<'a> Iterator for Runs<'a> {
    type Item = (bool, &'a str);

    fn next(&mut self) -> Option<(bool, &'a str)> {
        let first = self.0.chars().next()?;
        let digits = first.is_ascii_digit();
        let end = self
            .0
            .find(|c: char| c.is_ascii_digit() != digits)
            .unwrap_or(self.0.len());
        let (run, rest) = self.0.split_at(end);
        self.0 = rest;
        Some((digits, run))
    }
}

fn cmp_run((a_digits, a): (bool, &str), (b_digits, b): (bool, &str)) -> Ordering {
    match (a_digits, b_digits) {
        (true, true) => {
            // Any length: compare without leading zeros, shorter is smaller.
            let a = a.trim_start_matches('0');
            let b = b.trim_start_matches('0');
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// One SQL file of a creation tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreeFile {
    /// The root as given joined with the subdirectory and the file name.
    pub path: PathBuf,
    /// The subdirectory's name (`1-tables`).
    pub subdir: String,
    /// The file's name (`tbl_a.sql`).
    pub file_name: String,
    /// 0-based position of the subdirectory among those of the tree.
    pub dir_index: usize,
    /// 0-based position of the file in the whole tree (its index in
    /// [`Tree::files`]).
    pub position: usize,
    /// Its key in `order.json`, when the subdirectory has one.
    pub order_key: Option<i64>,
}

/// What a finding about a creation tree is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FindingKind {
    /// A `.sql` file directly in the root: it never runs (error).
    SqlInRoot {
        /// The file.
        file: PathBuf,
    },
    /// Another file directly in the root (note).
    OtherInRoot {
        /// The file.
        file: PathBuf,
    },
    /// A file in a subdirectory that is neither `.sql` nor `order.json`
    /// (warning).
    NotSql {
        /// The file.
        file: PathBuf,
    },
    /// A directory inside a subdirectory: nothing in it runs (warning).
    NestedDir {
        /// The directory.
        dir: PathBuf,
    },
    /// A subdirectory whose name does not start with a number: it runs
    /// after the numbered ones (note).
    UnnumberedDir {
        /// The subdirectory.
        dir: PathBuf,
    },
    /// A subdirectory with no file to run (note).
    EmptyDir {
        /// The subdirectory.
        dir: PathBuf,
    },
    /// A file or directory that could not be read (error).
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// `order.json` is not valid JSON or not an object (error).
    OrderInvalid {
        /// The `order.json` file.
        order_file: PathBuf,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// 1-based column of the problem (0 when unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A key of `order.json` is not an integer (error).
    KeyNotInteger {
        /// The `order.json` file.
        order_file: PathBuf,
        /// The key.
        key: String,
    },
    /// Two keys of `order.json` are the same number (error): `"3"` twice,
    /// or `"3"` and `"03"`.
    DuplicateKey {
        /// The `order.json` file.
        order_file: PathBuf,
        /// The later key (its entry is not used).
        key: String,
        /// The earlier key with the same value.
        first_key: String,
    },
    /// A value of `order.json` is not a string (error).
    ValueNotString {
        /// The `order.json` file.
        order_file: PathBuf,
        /// Its key.
        key: String,
    },
    /// A value of `order.json` is not the name of a `.sql` file of the
    /// subdirectory (a path, or another extension) (error).
    BadListedName {
        /// The `order.json` file.
        order_file: PathBuf,
        /// Its key.
        key: String,
        /// The value.
        value: String,
    },
    /// A file listed under two keys of `order.json` (error).
    ListedTwice {
        /// The `order.json` file.
        order_file: PathBuf,
        /// The listed file.
        file: PathBuf,
        /// The key it runs at.
        first_key: String,
        /// The later key.
        key: String,
    },
    /// A file listed in `order.json` that does not exist (error).
    ListedMissing {
        /// The `order.json` file.
        order_file: PathBuf,
        /// Its key.
        key: String,
        /// The missing file.
        file: PathBuf,
    },
    /// A `.sql` file of a subdirectory with `order.json` that
    /// `order.json` does not list: it would never run (error).
    Unlisted {
        /// The `order.json` file.
        order_file: PathBuf,
        /// The file.
        file: PathBuf,
    },
}

/// Something the user should know about a creation tree.
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

/// A creation tree as found on disk.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Tree {
    /// The root as given.
    pub root: PathBuf,
    /// The subdirectories, in the order they run.
    pub dirs: Vec<PathBuf>,
    /// The files that run, in order.
    pub files: Vec<TreeFile>,
    /// Everything else worth saying, in the order found (root first, then
    /// each subdirectory in run order).
    pub findings: Vec<Finding>,
}

impl Tree {
    /// True when a finding is an error: the tree must not run.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings that forbid running the tree (warnings count when
    /// `strict`, notes never).
    pub fn blocking(&self, strict: bool) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| match f.severity {
                Severity::Error => true,
                Severity::Warning => strict,
                Severity::Note => false,
            })
            .collect()
    }
}

/// What a directory entry is, symlinks followed.
enum EntryKind {
    File,
    Dir,
    /// Neither (a socket...), or a symlink that leads nowhere.
    Other(String),
}

struct Entry {
    name: String,
    os_name: OsString,
    kind: EntryKind,
}

/// Reads a directory's entries, hidden ones left out, sorted by name.
fn entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let os_name = entry.file_name();
        let name = os_name.to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = match std::fs::metadata(dir.join(&os_name)) {
            Ok(m) if m.is_file() => EntryKind::File,
            Ok(m) if m.is_dir() => EntryKind::Dir,
            Ok(_) => EntryKind::Other("not a regular file or directory".into()),
            Err(e) => EntryKind::Other(e.to_string()),
        };
        out.push(Entry {
            name,
            os_name,
            kind,
        });
    }
    out.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    Ok(out)
}

/// Lists the files of the creation tree at `root`, in the order they run,
/// with every problem found.
///
/// Fails only when `root` itself cannot be read; everything below it is
/// reported as findings.
pub fn discover(root: &Path) -> Result<Tree> {
    let root_entries = entries(root).map_err(|e| {
        Error::io(
            root,
            std::io::Error::new(
                e.kind(),
                format!("cannot read this creation directory ({e}); check the -d/--dir value"),
            ),
        )
    })?;
    let mut tree = Tree {
        root: root.to_path_buf(),
        ..Tree::default()
    };
    let mut subdirs = Vec::new();
    for entry in root_entries {
        let path = root.join(&entry.os_name);
        match entry.kind {
            EntryKind::Dir => subdirs.push(entry),
            EntryKind::File if entry.name.ends_with(".sql") => tree.findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{}: a .sql file directly in the creation directory never runs; move it \
                     into a numbered subdirectory (e.g. {})",
                    path.display(),
                    root.join("1-tables").join(&entry.os_name).display()
                ),
                kind: FindingKind::SqlInRoot { file: path },
            }),
            EntryKind::File => tree.findings.push(Finding {
                severity: Severity::Note,
                message: format!(
                    "{}: not in a subdirectory, never runs (only subdirectories run)",
                    path.display()
                ),
                kind: FindingKind::OtherInRoot { file: path },
            }),
            EntryKind::Other(message) => tree.findings.push(unreadable(path, message)),
        }
    }
    // `entries` sorted them in natural order already.
    for (dir_index, entry) in subdirs.into_iter().enumerate() {
        let dir = root.join(&entry.os_name);
        if !entry.name.starts_with(|c: char| c.is_ascii_digit()) {
            tree.findings.push(Finding {
                severity: Severity::Note,
                message: format!(
                    "{}: the name does not start with a number; it runs after the numbered \
                     subdirectories (rename it N-{} to place it)",
                    dir.display(),
                    entry.name
                ),
                kind: FindingKind::UnnumberedDir { dir: dir.clone() },
            });
        }
        let before = tree.files.len();
        read_subdir(&mut tree, &dir, &entry.name, dir_index);
        if tree.files.len() == before
            && !tree
                .findings
                .iter()
                .any(|f| f.severity == Severity::Error && finding_in(f, &dir))
        {
            tree.findings.push(Finding {
                severity: Severity::Note,
                message: format!("{}: no .sql file, nothing runs here", dir.display()),
                kind: FindingKind::EmptyDir { dir: dir.clone() },
            });
        }
        tree.dirs.push(dir);
    }
    Ok(tree)
}

/// True when the finding is about something inside `dir`.
fn finding_in(f: &Finding, dir: &Path) -> bool {
    let p = match &f.kind {
        FindingKind::Unreadable { path, .. } => path,
        FindingKind::OrderInvalid { order_file, .. }
        | FindingKind::KeyNotInteger { order_file, .. }
        | FindingKind::DuplicateKey { order_file, .. }
        | FindingKind::ValueNotString { order_file, .. }
        | FindingKind::BadListedName { order_file, .. }
        | FindingKind::ListedTwice { order_file, .. }
        | FindingKind::ListedMissing { order_file, .. }
        | FindingKind::Unlisted { order_file, .. } => order_file,
        _ => return false,
    };
    p.starts_with(dir)
}

fn unreadable(path: PathBuf, message: String) -> Finding {
    Finding {
        severity: Severity::Error,
        message: format!("{}: cannot be read: {message}", path.display()),
        kind: FindingKind::Unreadable { path, message },
    }
}

/// Reads one subdirectory: its files go to `tree.files`, its problems to
/// `tree.findings`.
fn read_subdir(tree: &mut Tree, dir: &Path, subdir: &str, dir_index: usize) {
    let list = match entries(dir) {
        Ok(l) => l,
        Err(e) => {
            tree.findings
                .push(unreadable(dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let mut sql: Vec<&Entry> = Vec::new();
    let mut has_order = false;
    for entry in &list {
        let path = dir.join(&entry.os_name);
        match &entry.kind {
            EntryKind::Dir => tree.findings.push(Finding {
                severity: Severity::Warning,
                message: format!(
                    "{}: a directory inside a creation subdirectory; nothing in it runs \
                     (only {}/*.sql runs)",
                    path.display(),
                    dir.display()
                ),
                kind: FindingKind::NestedDir { dir: path },
            }),
            EntryKind::Other(message) => tree.findings.push(unreadable(path, message.clone())),
            EntryKind::File if entry.name == ORDER_FILE => has_order = true,
            EntryKind::File if entry.name.ends_with(".sql") => sql.push(entry),
            EntryKind::File => {
                let hint = if entry.name.to_ascii_lowercase().ends_with(".sql") {
                    " (the extension must be .sql in lower case)"
                } else {
                    ""
                };
                tree.findings.push(Finding {
                    severity: Severity::Warning,
                    message: format!("{}: not a .sql file, never runs{hint}", path.display()),
                    kind: FindingKind::NotSql { file: path },
                });
            }
        }
    }
    let mut file = |name: &str, os_name: &OsString, order_key: Option<i64>| {
        let position = tree.files.len();
        tree.files.push(TreeFile {
            path: dir.join(os_name),
            subdir: subdir.to_string(),
            file_name: name.to_string(),
            dir_index,
            position,
            order_key,
        });
    };
    if !has_order {
        // Natural order: `entries` sorted them.
        for e in sql {
            file(&e.name, &e.os_name, None);
        }
        return;
    }
    let order_file = dir.join(ORDER_FILE);
    let (ordered, findings) = match std::fs::read(&order_file) {
        Ok(bytes) => apply_order(&order_file, &bytes, dir, &sql),
        Err(e) => (Vec::new(), vec![unreadable(order_file, e.to_string())]),
    };
    for (key, e) in ordered {
        file(&e.name, &e.os_name, Some(key));
    }
    tree.findings.extend(findings);
}

/// Every entry of a JSON object, duplicates kept, in file order.
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"an object of numbers and file names, e.g. {"1": "tbl_a.sql"}"#)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The `.sql` files of a subdirectory in the order of its `order.json`
/// (with each one's key), and the problems found.
fn apply_order<'e>(
    order_file: &Path,
    bytes: &[u8],
    dir: &Path,
    sql: &[&'e Entry],
) -> (Vec<(i64, &'e Entry)>, Vec<Finding>) {
    let mut findings = Vec::new();
    let entries = match serde_json::from_slice::<Entries>(bytes) {
        Ok(Entries(e)) => e,
        Err(e) => {
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{}:{}:{}: not a valid order file: {e}; nothing in {} can run",
                    order_file.display(),
                    e.line(),
                    e.column(),
                    dir.display()
                ),
                kind: FindingKind::OrderInvalid {
                    order_file: order_file.to_path_buf(),
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                },
            });
            return (Vec::new(), findings);
        }
    };
    let by_name: HashMap<&str, &'e Entry> = sql.iter().map(|e| (e.name.as_str(), *e)).collect();
    let mut keys: HashMap<i64, &str> = HashMap::new();
    let mut listed: HashMap<&str, &str> = HashMap::new();
    // Files named by any entry, even a refused one: not reported unlisted.
    let mut mentioned: HashSet<&str> = HashSet::new();
    let mut ordered = Vec::new();
    let of = order_file.display();
    for (key, value) in &entries {
        let value = value.as_str();
        if let Some(v) = value {
            mentioned.insert(v);
        }
        let Ok(n) = key.parse::<i64>() else {
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{of}: key \"{key}\" is not an integer; the keys give the order, as \
                     numbers (\"1\", \"2\", ... \"10\")"
                ),
                kind: FindingKind::KeyNotInteger {
                    order_file: order_file.to_path_buf(),
                    key: key.clone(),
                },
            });
            continue;
        };
        if let Some(first) = keys.get(&n) {
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{of}: key \"{key}\" appears twice (as \"{first}\" before); each position \
                     holds one file: give one of them another number"
                ),
                kind: FindingKind::DuplicateKey {
                    order_file: order_file.to_path_buf(),
                    key: key.clone(),
                    first_key: first.to_string(),
                },
            });
            continue;
        }
        keys.insert(n, key);
        let Some(name) = value else {
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{of}: the value of key \"{key}\" is not a string; give a file name, \
                     e.g. \"{key}\": \"tbl_a.sql\""
                ),
                kind: FindingKind::ValueNotString {
                    order_file: order_file.to_path_buf(),
                    key: key.clone(),
                },
            });
            continue;
        };
        if name.contains(['/', '\\']) || !name.ends_with(".sql") || name.starts_with('.') {
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{of}: key \"{key}\": \"{name}\" is not the name of a .sql file of {}; \
                     list file names only, without a directory",
                    dir.display()
                ),
                kind: FindingKind::BadListedName {
                    order_file: order_file.to_path_buf(),
                    key: key.clone(),
                    value: name.to_string(),
                },
            });
            continue;
        }
        if let Some(first) = listed.get(name) {
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{of}: {name} is listed twice, under keys \"{first}\" and \"{key}\"; a file \
                     runs once: remove one of them"
                ),
                kind: FindingKind::ListedTwice {
                    order_file: order_file.to_path_buf(),
                    file: dir.join(name),
                    first_key: first.to_string(),
                    key: key.clone(),
                },
            });
            continue;
        }
        listed.insert(name, key);
        match by_name.get(name) {
            Some(e) => ordered.push((n, *e)),
            None => findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{of}: key \"{key}\" lists {}, which does not exist; fix the name or \
                     remove the entry",
                    dir.join(name).display()
                ),
                kind: FindingKind::ListedMissing {
                    order_file: order_file.to_path_buf(),
                    key: key.clone(),
                    file: dir.join(name),
                },
            }),
        }
    }
    ordered.sort_by_key(|(n, _)| *n);
    for e in sql {
        if !mentioned.contains(e.name.as_str()) {
            let file = dir.join(&e.os_name);
            findings.push(Finding {
                severity: Severity::Error,
                message: format!(
                    "{}: not listed in {of}, so it would never run; add it under a key \
                     (\"{}\": \"{}\") or move it out",
                    file.display(),
                    keys.keys().max().map_or(1, |m| m + 1),
                    e.name
                ),
                kind: FindingKind::Unlisted {
                    order_file: order_file.to_path_buf(),
                    file,
                },
            });
        }
    }
    (ordered, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        v
    }

    #[test]
    fn natural_order_numbers() {
        assert_eq!(
            sorted(&["10-x", "2-x", "1-tables", "3-functions", "20-a", "9-z"]),
            ["1-tables", "2-x", "3-functions", "9-z", "10-x", "20-a"]
        );
        assert_eq!(sorted(&["a10", "a2", "a1"]), ["a1", "a2", "a10"]);
        assert_eq!(natural_cmp("a2", "a10"), Ordering::Less);
        assert_eq!(natural_cmp("a10", "a2"), Ordering::Greater);
        // Leading zeros do not change the number.
        assert_eq!(natural_cmp("007-x", "10-x"), Ordering::Less);
        assert_eq!(natural_cmp("0010-x", "9-x"), Ordering::Greater);
        // Longer than any integer type.
        assert_eq!(
            natural_cmp(
                "123456789012345678901234567890",
                "99999999999999999999999999999"
            ),
            Ordering::Greater
        );
    }

    #[test]
    fn natural_order_ties_are_deterministic() {
        // Equal numbers, different text: plain text decides, both ways.
        assert_eq!(natural_cmp("01-x", "1-x"), Ordering::Less);
        assert_eq!(natural_cmp("1-x", "01-x"), Ordering::Greater);
        assert_eq!(natural_cmp("1-x", "1-x"), Ordering::Equal);
        assert_eq!(sorted(&["1-x", "001-x", "01-x"]), ["001-x", "01-x", "1-x"]);
        // The text after the number decides before the zeros do.
        assert_eq!(natural_cmp("01-b", "1-a"), Ordering::Greater);
        // Numbers before text; text by code point.
        assert_eq!(
            sorted(&["seed", "2-x", "B", "a"]),
            ["2-x", "B", "a", "seed"]
        );
        assert_eq!(sorted(&["x", "", "1"]), ["", "1", "x"]);
    }

    #[test]
    fn natural_order_is_a_total_order() {
        let names = [
            "", "0", "00", "1", "01", "1a", "1-a", "a", "a1", "a01", "a1b", "a10", "a-1", "2-x",
            "10-x", "x10y2", "x10y10", "x010y2", "é", "1é",
        ];
        for a in names {
            assert_eq!(natural_cmp(a, a), Ordering::Equal);
            for b in names {
                assert_eq!(natural_cmp(a, b), natural_cmp(b, a).reverse(), "{a} {b}");
                if a != b {
                    assert_ne!(natural_cmp(a, b), Ordering::Equal, "{a} {b}");
                }
                for c in names {
                    if natural_cmp(a, b).is_le() && natural_cmp(b, c).is_le() {
                        assert!(natural_cmp(a, c).is_le(), "{a} {b} {c}");
                    }
                }
            }
        }
    }

    struct Fixture(tempfile::TempDir);

    impl Fixture {
        fn new(files: &[(&str, &str)]) -> Fixture {
            let t = tempfile::tempdir().unwrap();
            std::fs::create_dir(t.path().join("create")).unwrap();
            for (rel, content) in files {
                let p = t.path().join("create").join(rel);
                if rel.ends_with('/') {
                    std::fs::create_dir_all(&p).unwrap();
                } else {
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(&p, content).unwrap();
                }
            }
            Fixture(t)
        }
        fn root(&self) -> PathBuf {
            self.0.path().join("create")
        }
        fn tree(&self) -> Tree {
            discover(&self.root()).unwrap()
        }
        fn p(&self, rel: &str) -> PathBuf {
            self.root().join(rel)
        }
    }

    fn names(t: &Tree) -> Vec<String> {
        t.files
            .iter()
            .map(|f| format!("{}/{}", f.subdir, f.file_name))
            .collect()
    }

    fn kinds(t: &Tree) -> Vec<(Severity, FindingKind)> {
        t.findings
            .iter()
            .map(|f| (f.severity, f.kind.clone()))
            .collect()
    }

    #[test]
    fn subdirectories_in_natural_order_files_too() {
        let f = Fixture::new(&[
            ("10-x/a.sql", ""),
            ("2-indexes/idx10.sql", ""),
            ("2-indexes/idx2.sql", ""),
            ("1-tables/t.sql", ""),
            ("1-tables/.gitkeep", ""),
            (".hidden/x.sql", ""),
        ]);
        let t = f.tree();
        assert_eq!(
            names(&t),
            [
                "1-tables/t.sql",
                "2-indexes/idx2.sql",
                "2-indexes/idx10.sql",
                "10-x/a.sql"
            ]
        );
        assert!(t.findings.is_empty(), "{:?}", t.findings);
        assert_eq!(t.dirs, [f.p("1-tables"), f.p("2-indexes"), f.p("10-x")]);
        let last = &t.files[3];
        assert_eq!(last.path, f.p("10-x/a.sql"));
        assert_eq!((last.dir_index, last.position), (2, 3));
        assert_eq!(last.order_key, None);
    }

    #[test]
    fn order_json_keys_are_numbers_not_text() {
        // File order and text order would both put "10" before "9".
        let f = Fixture::new(&[
            (
                "5-seed/order.json",
                r#"{"10": "last.sql", "2": "second.sql", "9": "ninth.sql", "1": "first.sql"}"#,
            ),
            ("5-seed/first.sql", ""),
            ("5-seed/second.sql", ""),
            ("5-seed/ninth.sql", ""),
            ("5-seed/last.sql", ""),
        ]);
        let t = f.tree();
        assert!(t.findings.is_empty(), "{:?}", t.findings);
        assert_eq!(
            names(&t),
            [
                "5-seed/first.sql",
                "5-seed/second.sql",
                "5-seed/ninth.sql",
                "5-seed/last.sql"
            ]
        );
        let keys: Vec<Option<i64>> = t.files.iter().map(|f| f.order_key).collect();
        assert_eq!(keys, [Some(1), Some(2), Some(9), Some(10)]);
    }

    #[test]
    fn order_json_problems_are_all_reported() {
        let f = Fixture::new(&[
            (
                "1-t/order.json",
                r#"{
                    "1": "a.sql",
                    "2": "gone.sql",
                    "1": "b.sql",
                    "x": "c.sql",
                    "3": "a.sql",
                    "4": 5,
                    "5": "../up.sql",
                    "6": "notes.txt"
                }"#,
            ),
            ("1-t/a.sql", ""),
            ("1-t/b.sql", ""),
            ("1-t/c.sql", ""),
            ("1-t/d.sql", ""),
            ("1-t/notes.txt", ""),
        ]);
        let t = f.tree();
        let of = f.p("1-t/order.json");
        assert_eq!(names(&t), ["1-t/a.sql"]);
        let k = kinds(&t);
        let expected = [
            FindingKind::NotSql {
                file: f.p("1-t/notes.txt"),
            },
            FindingKind::ListedMissing {
                order_file: of.clone(),
                key: "2".into(),
                file: f.p("1-t/gone.sql"),
            },
            FindingKind::DuplicateKey {
                order_file: of.clone(),
                key: "1".into(),
                first_key: "1".into(),
            },
            FindingKind::KeyNotInteger {
                order_file: of.clone(),
                key: "x".into(),
            },
            FindingKind::ListedTwice {
                order_file: of.clone(),
                file: f.p("1-t/a.sql"),
                first_key: "1".into(),
                key: "3".into(),
            },
            FindingKind::ValueNotString {
                order_file: of.clone(),
                key: "4".into(),
            },
            FindingKind::BadListedName {
                order_file: of.clone(),
                key: "5".into(),
                value: "../up.sql".into(),
            },
            FindingKind::BadListedName {
                order_file: of.clone(),
                key: "6".into(),
                value: "notes.txt".into(),
            },
            // b.sql and c.sql are named by refused entries: reported there.
            FindingKind::Unlisted {
                order_file: of.clone(),
                file: f.p("1-t/d.sql"),
            },
        ];
        let got: Vec<FindingKind> = k.iter().map(|(_, k)| k.clone()).collect();
        assert_eq!(got, expected);
        assert_eq!(k[0].0, Severity::Warning);
        assert!(k[1..].iter().all(|(s, _)| *s == Severity::Error));
        assert!(t.has_errors());
        // Every message names order.json or the file, and the key.
        for finding in &t.findings[1..] {
            assert!(finding.message.contains("order.json"), "{finding}");
        }
        assert!(t.findings[1].message.contains("\"2\""));
        assert!(t.findings[8].message.contains("d.sql"));
    }

    #[test]
    fn duplicate_keys_compare_as_numbers() {
        let f = Fixture::new(&[
            ("1-t/order.json", r#"{"3": "a.sql", "03": "b.sql"}"#),
            ("1-t/a.sql", ""),
            ("1-t/b.sql", ""),
        ]);
        let t = f.tree();
        assert_eq!(
            kinds(&t),
            [(
                Severity::Error,
                FindingKind::DuplicateKey {
                    order_file: f.p("1-t/order.json"),
                    key: "03".into(),
                    first_key: "3".into(),
                }
            )]
        );
    }

    #[test]
    fn invalid_order_json_has_a_location() {
        let f = Fixture::new(&[
            (
                "1-t/order.json",
                "{\n  \"1\": \"a.sql\",\n  \"2\" \"b.sql\"\n}",
            ),
            ("1-t/a.sql", ""),
            ("2-u/order.json", r#"["a.sql"]"#),
            ("2-u/a.sql", ""),
        ]);
        let t = f.tree();
        assert!(t.files.is_empty());
        match &t.findings[0].kind {
            FindingKind::OrderInvalid {
                order_file,
                line,
                column,
                ..
            } => {
                assert_eq!(order_file, &f.p("1-t/order.json"));
                assert_eq!((*line, *column), (3, 7));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            t.findings[0].message.contains("order.json:3:7"),
            "{}",
            t.findings[0]
        );
        assert!(matches!(
            t.findings[1].kind,
            FindingKind::OrderInvalid { .. }
        ));
        assert!(
            t.findings[1].message.contains("an object"),
            "{}",
            t.findings[1]
        );
        // No "empty directory" note on top of the error.
        assert_eq!(t.findings.len(), 2, "{:?}", t.findings);
    }

    #[test]
    fn root_files_and_odd_entries() {
        let f = Fixture::new(&[
            ("stray.sql", ""),
            ("README.md", ""),
            (".gitignore", ""),
            ("1-t/a.sql", ""),
            ("1-t/a.SQL", ""),
            ("1-t/old/", ""),
            ("1-t/.gitkeep", ""),
            ("2-empty/.gitkeep", ""),
            ("seed/s.sql", ""),
        ]);
        let t = f.tree();
        assert_eq!(names(&t), ["1-t/a.sql", "seed/s.sql"]);
        assert_eq!(
            kinds(&t),
            [
                (
                    Severity::Note,
                    FindingKind::OtherInRoot {
                        file: f.p("README.md")
                    }
                ),
                (
                    Severity::Error,
                    FindingKind::SqlInRoot {
                        file: f.p("stray.sql")
                    }
                ),
                (
                    Severity::Warning,
                    FindingKind::NotSql {
                        file: f.p("1-t/a.SQL")
                    }
                ),
                (
                    Severity::Warning,
                    FindingKind::NestedDir {
                        dir: f.p("1-t/old")
                    }
                ),
                (
                    Severity::Note,
                    FindingKind::EmptyDir {
                        dir: f.p("2-empty")
                    }
                ),
                (
                    Severity::Note,
                    FindingKind::UnnumberedDir { dir: f.p("seed") }
                ),
            ]
        );
        assert!(t.findings[1].message.contains("subdirectory"));
        assert!(t.findings[2].message.contains("lower case"));
        assert_eq!(t.blocking(false).len(), 1);
        assert_eq!(t.blocking(true).len(), 3);
    }

    #[test]
    fn missing_root_names_path_and_option() {
        let e = discover(Path::new("/nonexistent/create")).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("/nonexistent/create") && s.contains("-d"), "{s}");
        assert_eq!(e.kind(), "io");
    }

    #[cfg(unix)]
    #[test]
    fn broken_symlink_is_an_error() {
        let f = Fixture::new(&[("1-t/a.sql", "")]);
        std::os::unix::fs::symlink("/nonexistent/x.sql", f.p("1-t/b.sql")).unwrap();
        let t = f.tree();
        assert_eq!(names(&t), ["1-t/a.sql"]);
        assert!(matches!(
            &t.findings[0].kind,
            FindingKind::Unreadable { path, .. } if path == &f.p("1-t/b.sql")
        ));
    }
}
