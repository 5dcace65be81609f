//! The YAML config file (`pum -c FILE`).
//!
//! Every key pum 0.x knew is a real default for every command (pum 0.x
//! read them all but used only the two `_exe` keys), plus a few of our
//! own. Options on the command line override the file. An unknown key or a
//! value of the wrong type is an error naming the file, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::vars::{Value, Variables};

/// A value that may be given as one item or a list.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single item.
    One(T),
    /// A list.
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    /// The items as a list.
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// The config file's content.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Default for `-t`.
    pub upgrades_table: Option<String>,
    /// Default for `-d` (one directory or a list).
    pub delta_dir: Option<OneOrMany<PathBuf>>,
    /// Default for `-d` (one directory or a list).
    pub delta_dirs: Option<OneOrMany<PathBuf>>,
    /// Default dump file for `dump`, `restore` and the rehearsals (`-f`).
    pub backup_file: Option<PathBuf>,
    /// Default for `check -i` (and the rehearsals' comparison).
    pub ignore_elements: Option<Vec<String>>,
    /// pg_dump to run.
    pub pg_dump_exe: Option<PathBuf>,
    /// pg_restore to run.
    pub pg_restore_exe: Option<PathBuf>,
    /// Python interpreter for Python deltas.
    pub python: Option<String>,
    /// Seconds to wait for the upgrade lock.
    pub lock_timeout: Option<u64>,
    /// Variables for SQL deltas: `NAME: value` (YAML integers are `int`,
    /// decimals `float`, anything else a string), as `-v` gives them.
    pub variables: Option<BTreeMap<String, serde_norway::Value>>,
    /// Default for `-N` (check, dump, restore, rehearsals).
    pub exclude_schemas: Option<Vec<String>>,
    /// Default for `check -P`.
    pub exclude_field_patterns: Option<Vec<String>>,
}

/// The YAML parser spends time proportional to the `[`/`{` nesting depth
/// on every token, so a deeply nested file takes seconds to parse. A file
/// whose [`parse_cost`] exceeds this (about 0.4 s of parsing; a real config
/// file stays below 100 000) is refused before parsing.
const MAX_PARSE_COST: u64 = 20_000_000;

/// Each byte weighted by the number of `[` and `{` before it (a bound on the
/// nesting depth that quotes and comments cannot fool).
fn parse_cost(text: &str) -> u64 {
    let mut open = 0u64;
    let mut cost = 0u64;
    for b in text.bytes() {
        if matches!(b, b'[' | b'{') {
            open += 1;
        }
        cost += open;
    }
    cost
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text, path)
    }

    /// Parses config text (`path` is only used in messages).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        if parse_cost(text) > MAX_PARSE_COST {
            return Err(Error::invalid(format!(
                "{}: too many nested `[` or `{{` for the file's size; a pum config file needs few",
                path.display()
            )));
        }
        let config: Config = serde_norway::from_str(text).map_err(|e| {
            let location = e
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            Error::invalid(format!("{}{location}: {e}", path.display()))
        })?;
        if config.delta_dir.is_some() && config.delta_dirs.is_some() {
            return Err(Error::invalid(format!(
                "{}: give either delta_dir or delta_dirs, not both",
                path.display()
            )));
        }
        config.variables(path)?;
        Ok(config)
    }

    /// The delta directories, if the file names any.
    pub fn dirs(&self) -> Option<Vec<PathBuf>> {
        self.delta_dirs
            .as_ref()
            .or(self.delta_dir.as_ref())
            .map(OneOrMany::to_vec)
    }

    /// The variables, typed as `-v` would type them.
    pub fn variables(&self, path: &Path) -> Result<Variables> {
        let mut vars = Variables::new();
        for (name, v) in self.variables.iter().flatten() {
            let value = match v {
                serde_norway::Value::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap_or(0)),
                serde_norway::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
                serde_norway::Value::String(s) => Value::Text(s.clone()),
                _ => {
                    return Err(Error::invalid(format!(
                        "{}: variables.{name}: expected a number or a string",
                        path.display()
                    )))
                }
            };
            vars.set(name.clone(), value);
        }
        Ok(vars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("pum.yaml"))
    }

    #[test]
    fn pum_0x_keys() {
        let c = parse(
            "upgrades_table: qwat_sys.info\n\
             delta_dir: update/delta/\n\
             backup_file: /tmp/qwat.dump\n\
             ignore_elements:\n  - columns\n  - constraints\n\
             pg_dump_exe: /usr/lib/postgresql/16/bin/pg_dump\n\
             pg_restore_exe: /usr/lib/postgresql/16/bin/pg_restore\n",
        )
        .unwrap();
        assert_eq!(c.upgrades_table.as_deref(), Some("qwat_sys.info"));
        assert_eq!(c.dirs(), Some(vec![PathBuf::from("update/delta/")]));
        assert_eq!(c.ignore_elements.unwrap(), ["columns", "constraints"]);
    }

    #[test]
    fn delta_dirs_as_list_and_variables() {
        let c =
            parse("delta_dirs: [a, b]\nvariables:\n  SRID: 2056\n  TOL: 0.5\n  NAME: x\n").unwrap();
        assert_eq!(c.dirs().unwrap(), [PathBuf::from("a"), PathBuf::from("b")]);
        let v = c.variables(Path::new("x")).unwrap();
        assert_eq!(v.get("SRID"), Some(&Value::Int(2056)));
        assert_eq!(v.get("TOL"), Some(&Value::Float(0.5)));
        assert_eq!(v.get("NAME"), Some(&Value::Text("x".into())));
    }

    #[test]
    fn unknown_key_names_file_line_column() {
        let e = parse("upgrades_table: a.b\nupgrade_table: c.d\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("pum.yaml:2:"), "{e}");
        assert!(e.contains("upgrade_table"), "{e}");
    }

    #[test]
    fn wrong_type_names_file_line_column() {
        let e = parse("lock_timeout: soon\n").unwrap_err().to_string();
        assert!(e.starts_with("pum.yaml:1:"), "{e}");
        let e = parse("variables:\n  X: [1]\n").unwrap_err().to_string();
        assert!(e.contains("variables.X"), "{e}");
    }

    #[test]
    fn deeply_nested_flow_collections_are_refused_quickly() {
        for unit in ["{a: ", "[", "[? ", "? [complex, "] {
            let text = format!("--- {}", unit.repeat(20_000));
            let t = std::time::Instant::now();
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains("too many nested"), "{e}");
            assert!(t.elapsed() < std::time::Duration::from_secs(1));
        }
        let c = parse("variables: {A: 1, B: x}\nexclude_schemas: [a, '[b']\n").unwrap();
        assert_eq!(c.exclude_schemas.unwrap(), ["a", "[b"]);
        // A few flow collections, then a long file, is fine.
        let long = format!("exclude_schemas: [a, b]\n{}", "# comment\n".repeat(100_000));
        assert!(parse(&long).is_ok());
    }

    #[test]
    fn empty_file_is_empty_config() {
        assert_eq!(parse("\n").unwrap(), Config::default());
    }
}
