//! The YAML config file (`pum -c FILE`).
//!
//! Every key pum 0.x knew is a real default for every command (pum 0.x
//! read them all but used only the two `_exe` keys), plus a few of our
//! own. Options on the command line override the file. An unknown key or a
//! value of the wrong type is an error naming the file, line and column
//! once, and saying in plain words what the key expects.

use std::collections::BTreeMap;
use std::fmt;
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
#[derive(Debug, Clone, Default, PartialEq)]
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

    /// Parses config text (`path` is only used in messages). An empty file
    /// (or one holding only comments) gives no defaults.
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
        MESSAGE.with(|m| m.take());
        let result = serde::de::DeserializeSeed::deserialize(
            FileSeed,
            serde_norway::Deserializer::from_str(text),
        );
        let config = result.map_err(|e| {
            let ours = MESSAGE.with(|m| m.take());
            let (location, suffix) = match e.location() {
                Some(l) => (
                    format!(":{}:{}", l.line(), l.column()),
                    format!(" at line {} column {}", l.line(), l.column()),
                ),
                None => (String::new(), String::new()),
            };
            let message = match ours {
                Some(m) => m,
                // A syntax error: libyaml's words, without the location
                // given above.
                None => format!("not valid YAML: {}", e.to_string().replacen(&suffix, "", 1)),
            };
            Error::invalid(format!("{}{location}: {message}", path.display()))
        })?;
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
                        "{}: variables.{name}: expected a number or a text",
                        path.display()
                    )))
                }
            };
            vars.set(name.clone(), value);
        }
        Ok(vars)
    }
}

// Reading the file. serde's own messages ("invalid type: sequence, expected
// struct Config") speak of Rust types, so the file is read by hand-written
// visitors that say, key by key, what is expected in plain words. Each
// error is raised while serde_norway reads the offending node, so it
// carries that node's line and column; the message itself is kept aside
// (serde_norway would prefix its own path and append the location again).

thread_local! {
    static MESSAGE: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// An error with `message`, kept aside for [`Config::parse`].
fn fail<E: serde::de::Error>(message: String) -> E {
    MESSAGE.with(|m| m.set(Some(message.clone())));
    E::custom(message)
}

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    /// A text (a path, a name).
    Text,
    /// A text or a list of texts.
    TextOrList,
    /// A list of texts; a single text is a list of one.
    List,
    /// A whole number of seconds.
    Seconds,
    /// A mapping of NAME: number or text.
    Variables,
}

/// A key of the file: its name, its rule and what it expects, in words.
struct Key {
    name: &'static str,
    rule: Rule,
    expected: &'static str,
}

/// Every key, in the order messages list them.
const KEYS: &[Key] = &[
    Key {
        name: "upgrades_table",
        rule: Rule::Text,
        expected: "a schema-qualified table name such as qwat_sys.info",
    },
    Key {
        name: "delta_dir",
        rule: Rule::TextOrList,
        expected: "a directory or a list of directories",
    },
    Key {
        name: "delta_dirs",
        rule: Rule::TextOrList,
        expected: "a directory or a list of directories",
    },
    Key {
        name: "backup_file",
        rule: Rule::Text,
        expected: "a file path",
    },
    Key {
        name: "ignore_elements",
        rule: Rule::List,
        expected: "a list of element names such as [columns, constraints]",
    },
    Key {
        name: "pg_dump_exe",
        rule: Rule::Text,
        expected: "the path of a pg_dump program",
    },
    Key {
        name: "pg_restore_exe",
        rule: Rule::Text,
        expected: "the path of a pg_restore program",
    },
    Key {
        name: "python",
        rule: Rule::Text,
        expected: "the name or path of a Python interpreter",
    },
    Key {
        name: "lock_timeout",
        rule: Rule::Seconds,
        expected: "a number of seconds, such as 60",
    },
    Key {
        name: "variables",
        rule: Rule::Variables,
        expected: "a mapping of NAME: value, such as SRID: 2056",
    },
    Key {
        name: "exclude_schemas",
        rule: Rule::List,
        expected: "a list of schema names",
    },
    Key {
        name: "exclude_field_patterns",
        rule: Rule::List,
        expected: "a list of SQL LIKE patterns",
    },
];

/// A YAML node as messages name it.
enum Found {
    Text(String),
    Number(String),
    Bool(bool),
    List,
    Mapping,
    Nothing,
    Other,
}

impl Found {
    /// " (quote it ...)" for a scalar YAML did not read as text.
    fn hint(&self) -> &'static str {
        match self {
            Found::Number(_) | Found::Bool(_) => " (quote it if it is meant as text)",
            _ => "",
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Text(t) => write!(f, "the text '{t}'"),
            Found::Number(n) => write!(f, "the number {n}"),
            Found::Bool(b) => write!(f, "{b}"),
            Found::List => f.write_str("a list"),
            Found::Mapping => f.write_str("a mapping"),
            Found::Nothing => f.write_str("empty"),
            Found::Other => f.write_str("a value of another kind"),
        }
    }
}

/// Implements the `visit_*` methods of a visitor that only accepts some
/// kinds of node: every kind goes through `self.found(Found)`, which the
/// visitor overrides for the kinds it accepts.
macro_rules! found_visitor {
    () => {
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.found(Found::Bool(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.found(Found::Number(v.to_string()))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.found(Found::Number(v.to_string()))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.found(Found::Number(v.to_string()))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.found(Found::Text(v.to_string()))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.found(Found::Nothing)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.found(Found::Nothing)
        }
        fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            self.found(Found::Other)
        }
    };
}

/// The whole file: a mapping of keys.
struct FileSeed;

impl<'de> serde::de::DeserializeSeed<'de> for FileSeed {
    type Value = Config;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Config, D::Error> {
        d.deserialize_any(FileVisitor)
    }
}

struct FileVisitor;

impl FileVisitor {
    fn found<E: serde::de::Error>(self, found: Found) -> Result<Config, E> {
        match found {
            // `~` or comments only: no defaults.
            Found::Nothing => Ok(Config::default()),
            found => Err(fail(format!(
                "the file must be a mapping of keys such as `upgrades_table: qwat_sys.info`, \
                 not {found}"
            ))),
        }
    }
}

impl<'de> serde::de::Visitor<'de> for FileVisitor {
    type Value = Config;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of keys such as `upgrades_table: qwat_sys.info`")
    }

    found_visitor!();

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Config, A::Error> {
        self.found(Found::List)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Config, A::Error> {
        let mut config = Config::default();
        let mut seen = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed { seen: &mut seen })? {
            let value = map.next_value_seed(ValueSeed { key, item: false })?;
            let text = |v: Parsed| match v {
                Parsed::Text(t) => Some(t),
                _ => None,
            };
            let list = |v: Parsed| match v {
                Parsed::Text(t) => Some(vec![t]),
                Parsed::Many(l) => Some(l),
                _ => None,
            };
            let dirs = |v: Parsed| match v {
                Parsed::Text(t) => Some(OneOrMany::One(PathBuf::from(t))),
                Parsed::Many(l) => {
                    Some(OneOrMany::Many(l.into_iter().map(PathBuf::from).collect()))
                }
                _ => None,
            };
            match key.name {
                "upgrades_table" => config.upgrades_table = text(value),
                "delta_dir" => config.delta_dir = dirs(value),
                "delta_dirs" => config.delta_dirs = dirs(value),
                "backup_file" => config.backup_file = text(value).map(PathBuf::from),
                "ignore_elements" => config.ignore_elements = list(value),
                "pg_dump_exe" => config.pg_dump_exe = text(value).map(PathBuf::from),
                "pg_restore_exe" => config.pg_restore_exe = text(value).map(PathBuf::from),
                "python" => config.python = text(value),
                "lock_timeout" => {
                    config.lock_timeout = match value {
                        Parsed::Seconds(n) => Some(n),
                        _ => None,
                    }
                }
                "variables" => {
                    config.variables = match value {
                        Parsed::Variables(v) => Some(v),
                        _ => None,
                    }
                }
                "exclude_schemas" => config.exclude_schemas = list(value),
                "exclude_field_patterns" => config.exclude_field_patterns = list(value),
                _ => unreachable!("KeySeed only returns known keys"),
            }
        }
        Ok(config)
    }
}

/// A key of the file: known, given once, and not both delta_dir and
/// delta_dirs.
struct KeySeed<'a> {
    seen: &'a mut Vec<&'static str>,
}

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = &'static Key;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<&'static Key, D::Error> {
        d.deserialize_any(self)
    }
}

impl KeySeed<'_> {
    fn found<E: serde::de::Error>(self, found: Found) -> Result<&'static Key, E> {
        let name = match found {
            Found::Text(t) => t,
            found => {
                return Err(fail(format!(
                    "keys are names such as upgrades_table, not {found}"
                )))
            }
        };
        let names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        let Some(key) = KEYS.iter().find(|k| k.name == name) else {
            let closest = names
                .iter()
                .map(|k| (edit_distance(k, &name), *k))
                .min()
                .filter(|(d, _)| *d <= 3)
                .map(|(_, k)| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            return Err(fail(format!(
                "unknown key '{name}'{closest}; the keys are: {}",
                names.join(", ")
            )));
        };
        if self.seen.contains(&key.name) {
            return Err(fail(format!("{} is given twice", key.name)));
        }
        let other = match key.name {
            "delta_dir" => Some("delta_dirs"),
            "delta_dirs" => Some("delta_dir"),
            _ => None,
        };
        if other.is_some_and(|o| self.seen.contains(&o)) {
            return Err(fail(
                "give either delta_dir or delta_dirs, not both".to_string(),
            ));
        }
        self.seen.push(key.name);
        Ok(key)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed<'_> {
    type Value = &'static Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key such as upgrades_table")
    }

    found_visitor!();

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.found(Found::List)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.found(Found::Mapping)
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A value read for a key.
enum Parsed {
    /// Empty (`key:` with nothing after it): as if the key were not given.
    Nothing,
    Text(String),
    Many(Vec<String>),
    Seconds(u64),
    Variables(BTreeMap<String, serde_norway::Value>),
}

/// The value of `key`, or (`item`) one item of its list.
struct ValueSeed {
    key: &'static Key,
    item: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for ValueSeed {
    type Value = Parsed;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_any(self)
    }
}

impl ValueSeed {
    fn found<E: serde::de::Error>(self, found: Found) -> Result<Parsed, E> {
        let key = self.key;
        match (&found, key.rule) {
            (Found::Nothing, _) if !self.item => return Ok(Parsed::Nothing),
            (Found::Text(t), Rule::Text | Rule::TextOrList | Rule::List) => {
                if self.item && key.name == "ignore_elements" {
                    t.parse::<crate::catalog::Kind>()
                        .map_err(|e| fail::<E>(format!("{}: {e}", key.name)))?;
                }
                return Ok(Parsed::Text(t.clone()));
            }
            (Found::Number(n), Rule::Seconds) => {
                if let Ok(n) = n.parse::<u64>() {
                    return Ok(Parsed::Seconds(n));
                }
            }
            _ => {}
        }
        Err(fail(if self.item {
            format!(
                "{}: expected {}; this item is {found}{}",
                key.name,
                key.expected,
                found.hint()
            )
        } else {
            let hint = if key.rule == Rule::Seconds {
                ""
            } else {
                found.hint()
            };
            format!("{}: expected {}, not {found}{hint}", key.name, key.expected)
        }))
    }
}

impl<'de> serde::de::Visitor<'de> for ValueSeed {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key.name, self.key.expected)
    }

    found_visitor!();

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Parsed, A::Error> {
        if self.item || !matches!(self.key.rule, Rule::TextOrList | Rule::List) {
            return self.found(Found::List);
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed {
            key: self.key,
            item: true,
        })? {
            if let Parsed::Text(t) = item {
                items.push(t);
            }
        }
        Ok(Parsed::Many(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        if self.item || self.key.rule != Rule::Variables {
            return self.found(Found::Mapping);
        }
        let mut vars = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(VariableSeed { name: &name })?;
            vars.insert(name, value);
        }
        Ok(Parsed::Variables(vars))
    }
}

/// The value of one variable: a number or a text.
struct VariableSeed<'a> {
    name: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for VariableSeed<'_> {
    type Value = serde_norway::Value;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<serde_norway::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl VariableSeed<'_> {
    fn found<E: serde::de::Error>(self, found: Found) -> Result<serde_norway::Value, E> {
        Err(fail(format!(
            "variables.{}: expected a number or a text, not {found}{}",
            self.name,
            found.hint()
        )))
    }
}

impl<'de> serde::de::Visitor<'de> for VariableSeed<'_> {
    type Value = serde_norway::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "variables.{}: a number or a text", self.name)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.found(Found::Bool(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.found(Found::Nothing)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.found(Found::Nothing)
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.found(Found::Other)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Number(v.into()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Number(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Number(v.into()))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::String(v.to_string()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.found(Found::List)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.found(Found::Mapping)
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
    fn empty_values_single_items_and_quoted_numbers() {
        let c = parse(
            "backup_file:\nexclude_schemas: public\nignore_elements: [columns]\n\
             python: '3'\nlock_timeout: 5\n",
        )
        .unwrap();
        assert_eq!(c.backup_file, None);
        assert_eq!(c.exclude_schemas.unwrap(), ["public"]);
        assert_eq!(c.ignore_elements.unwrap(), ["columns"]);
        assert_eq!(c.python.as_deref(), Some("3"));
        assert_eq!(c.lock_timeout, Some(5));
        assert_eq!(parse("# nothing yet\n").unwrap(), Config::default());
    }

    #[test]
    fn closest_key() {
        assert_eq!(edit_distance("upgrade_table", "upgrades_table"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let e = parse("delta_dri: x\n").unwrap_err().to_string();
        assert!(e.contains("(did you mean delta_dir?)"), "{e}");
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
