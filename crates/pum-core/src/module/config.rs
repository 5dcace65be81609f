//! The `.pum.yaml` of a pum 1.x module: pum 1.x's pydantic model
//! (`config_model.py`), rule for rule, with messages that name the file,
//! line, key and fix.
//!
//! - Unknown keys are refused at every level (pydantic `extra="forbid"`);
//!   so is `base_path`, which pum 1.x refuses by name.
//! - Old names are accepted: `migration_hooks` for `application`, `pre`
//!   and `post` for `drop` and `create`; giving both spellings is refused.
//! - A hook is exactly one of `file` and `code`; a demo data set exactly
//!   one of `file` and `files`.
//! - Parameters: `type` is one of boolean, integer, text, decimal, path
//!   (default text); `default` is kept as YAML typed it (pum 1.x turns no
//!   boolean default into `false`: a boolean without default is null);
//!   a default outside `values` is refused; `app_only` is a boolean.
//! - Keys pum 1.x reads as optional but crashes on when empty
//!   (`parameters:`, `dependencies:`, `changelogs_directory:`,
//!   `application:`) are refused empty, so a module that loads here loads
//!   in pum 1.x too. Names given twice (a parameter, a key) are refused.

use std::path::{Path, PathBuf};

use super::pep440::Pep440;
use super::yaml::{self, Node, Spanned};
use crate::error::{Error, Result};

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    /// `boolean`.
    Boolean,
    /// `integer`.
    Integer,
    /// `text` (the default).
    Text,
    /// `decimal`.
    Decimal,
    /// `path`.
    Path,
}

impl ParamType {
    /// The name in `.pum.yaml`.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Boolean => "boolean",
            ParamType::Integer => "integer",
            ParamType::Text => "text",
            ParamType::Decimal => "decimal",
            ParamType::Path => "path",
        }
    }
}

/// A parameter definition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParameterDef {
    /// Its name, as `{name}` in SQL.
    pub name: String,
    /// Its type (decides how `-p NAME VALUE` is read).
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// The default, as YAML typed it (null when not given).
    pub default: serde_json::Value,
    /// What it is for.
    pub description: Option<String>,
    /// The values allowed, if restricted.
    pub values: Option<Vec<serde_json::Value>>,
    /// True when it may change from one install or upgrade to the next
    /// (application hooks only); the others must keep their value for
    /// the whole life of the module.
    pub app_only: bool,
}

/// What a hook runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookSource {
    /// A `.sql` or `.py` file, relative to the module directory.
    File(String),
    /// SQL written in `.pum.yaml`.
    Code(String),
}

/// An application or uninstall hook.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hook {
    /// Where it is declared (`application.create[0]`).
    pub origin: String,
    /// What it runs.
    pub source: HookSource,
}

/// A permission of a role.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Permission {
    /// `read` or `write`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The schemas it applies to.
    pub schemas: Vec<String>,
}

/// A role of the module.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// Its permissions.
    pub permissions: Vec<Permission>,
    /// The role it inherits from.
    pub inherit: Option<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// A demo data set.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoData {
    /// Its name (`install --demo-data NAME`).
    pub name: String,
    /// Its SQL files, relative to the module directory.
    pub files: Vec<String>,
}

/// A Python package the module's Python hooks need.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dependency {
    /// The distribution name.
    pub name: String,
    /// The lowest version accepted.
    pub minimum_version: Option<Pep440>,
    /// The highest version accepted.
    pub maximum_version: Option<Pep440>,
}

/// The content of a `.pum.yaml`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Config {
    /// `pum.module`: the module's name, recorded in every row.
    pub module: String,
    /// `pum.migration_table_schema` (default `public`).
    pub migration_table_schema: String,
    /// `pum.minimum_version`: the oldest pum 1.x that can run the module.
    pub minimum_version: Option<Pep440>,
    /// `parameters`, in file order.
    pub parameters: Vec<ParameterDef>,
    /// `application.drop` (old name `pre`): run before the changelogs.
    pub drop_hooks: Vec<Hook>,
    /// `application.create` (old name `post`): run after the changelogs.
    pub create_hooks: Vec<Hook>,
    /// `changelogs_directory` (default `changelogs`).
    pub changelogs_directory: String,
    /// `roles`.
    pub roles: Vec<Role>,
    /// `demo_data`.
    pub demo_data: Vec<DemoData>,
    /// `dependencies`.
    pub dependencies: Vec<Dependency>,
    /// `uninstall` hooks.
    pub uninstall: Vec<Hook>,
}

impl Config {
    /// The definition of the parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&ParameterDef> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// Reads and checks a `.pum.yaml`.
pub fn load(path: &Path) -> Result<Config> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::invalid(format!(
                "{}: not found: a pum 1.x module is a directory holding a .pum.yaml \
                 (give it with -d DIR, or the file with -c FILE)",
                path.display()
            ))
        } else {
            Error::io(path, e)
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::invalid(format!(
            "{}: the file is not valid UTF-8; save it as UTF-8",
            path.display()
        ))
    })?;
    parse(&text, path)
}

/// Checks the text of a `.pum.yaml` (`path` is only used in messages).
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let root = yaml::parse(text).map_err(|(at, message)| {
        let loc = at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
        Error::invalid(format!("{}{loc}: {message}", path.display()))
    })?;
    let r = Reader { text, path };
    r.config(&root)
}

/// Walks the tree, naming the file, line and key of every problem.
struct Reader<'a> {
    text: &'a str,
    path: &'a Path,
}

/// A mapping's entries by key, with where each key is.
struct Fields<'n> {
    entries: Vec<(&'n str, &'n Spanned, Option<usize>)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<(&'n Spanned, Option<usize>)> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, at)| (*v, *at))
    }
}

/// Where a value is: its own place, else its key's.
fn place(value: &Spanned, key_at: Option<usize>) -> Option<usize> {
    value.at.or(key_at)
}

impl Reader<'_> {
    fn fail(&self, at: Option<usize>, what: &str, message: impl AsRef<str>) -> Error {
        let loc = at
            .map(|a| {
                let (l, c) = yaml::line_col(self.text, a);
                format!(":{l}:{c}")
            })
            .unwrap_or_default();
        let what = if what.is_empty() {
            String::new()
        } else {
            format!("{what}: ")
        };
        Error::invalid(format!(
            "{}{loc}: {what}{}",
            self.path.display(),
            message.as_ref()
        ))
    }

    /// The entries of a mapping whose keys must be among `known`.
    fn fields<'n>(
        &self,
        node: &'n Spanned,
        at: Option<usize>,
        what: &str,
        known: &[&str],
        example: &str,
    ) -> Result<Fields<'n>> {
        let Node::Map(entries) = &node.node else {
            return Err(self.fail(
                place(node, at),
                what,
                format!(
                    "expected a mapping of keys such as {example}, not {}",
                    node.node.describe()
                ),
            ));
        };
        let mut out: Vec<(&str, &Spanned, Option<usize>)> = Vec::new();
        for (k, v) in entries {
            let Node::Str(name) = &k.node else {
                return Err(self.fail(
                    k.at.or(at),
                    what,
                    format!(
                        "keys are names such as {example}, not {}",
                        k.node.describe()
                    ),
                ));
            };
            if !known.contains(&name.as_str()) {
                let hint = closest(name, known)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                let place = if what.is_empty() {
                    "the top level of the file".to_string()
                } else {
                    format!("`{what}`")
                };
                let extra = if what.is_empty() && name == "base_path" {
                    " (pum 1.x refuses it too: the module directory is the file's directory)"
                        .to_string()
                } else {
                    String::new()
                };
                return Err(self.fail(
                    k.at,
                    "",
                    format!(
                        "unknown key `{name}`{hint}{extra}; the keys of {place} are: {}",
                        known.join(", ")
                    ),
                ));
            }
            if out.iter().any(|(n, _, _)| n == name) {
                let path = if what.is_empty() {
                    name.clone()
                } else {
                    format!("{what}.{name}")
                };
                return Err(self.fail(k.at, "", format!("`{path}` is given twice")));
            }
            out.push((name, v, k.at));
        }
        Ok(Fields { entries: out })
    }

    /// Refuses both the name and its old spelling.
    fn one_of<'n>(
        &self,
        f: &Fields<'n>,
        what: &str,
        name: &str,
        old: &str,
    ) -> Result<Option<(&'n Spanned, Option<usize>)>> {
        match (f.get(name), f.get(old)) {
            (Some(_), Some((_, at))) => Err(self.fail(
                at,
                what,
                format!("give `{name}` or its old name `{old}`, not both"),
            )),
            (Some(v), None) | (None, Some(v)) => Ok(Some(v)),
            (None, None) => Ok(None),
        }
    }

    fn text(&self, v: &Spanned, at: Option<usize>, what: &str) -> Result<String> {
        match &v.node {
            Node::Str(s) => Ok(s.clone()),
            other => Err(self.fail(
                place(v, at),
                what,
                format!(
                    "expected text, not {}{}",
                    other.describe(),
                    quote_hint(other)
                ),
            )),
        }
    }

    fn optional_text(
        &self,
        v: Option<(&Spanned, Option<usize>)>,
        what: &str,
    ) -> Result<Option<String>> {
        match v {
            None => Ok(None),
            Some((s, _)) if s.node == Node::Null => Ok(None),
            Some((s, at)) => self.text(s, at, what).map(Some),
        }
    }

    /// A list; `null_ok` when pum 1.x treats an empty key as no list.
    fn list<'n>(
        &self,
        v: Option<(&'n Spanned, Option<usize>)>,
        what: &str,
        null_ok: bool,
    ) -> Result<&'n [Spanned]> {
        match v {
            None => Ok(&[]),
            Some((s, at)) => match &s.node {
                Node::Seq(items) => Ok(items),
                Node::Null if null_ok => Ok(&[]),
                Node::Null => Err(self.fail(
                    at,
                    what,
                    "is empty; give a list (`- ...` items) or remove the key (pum 1.x fails on an \
                     empty one)",
                )),
                other => Err(self.fail(
                    place(s, at),
                    what,
                    format!("expected a list (`- ...` items), not {}", other.describe()),
                )),
            },
        }
    }

    fn version(&self, v: Option<(&Spanned, Option<usize>)>, what: &str) -> Result<Option<Pep440>> {
        let Some(text) = self.optional_text(v, what)? else {
            return Ok(None);
        };
        Pep440::parse(&text)
            .map(Some)
            .map_err(|e| self.fail(v.and_then(|(s, at)| place(s, at)), what, e.to_string()))
    }

    fn config(&self, root: &Spanned) -> Result<Config> {
        const TOP: &[&str] = &[
            "pum",
            "parameters",
            "application",
            "migration_hooks",
            "changelogs_directory",
            "roles",
            "demo_data",
            "dependencies",
            "uninstall",
        ];
        if root.node == Node::Null {
            return Err(self.fail(
                None,
                "",
                "the file is empty; a pum 1.x module needs at least `pum:` with `module: NAME`",
            ));
        }
        let f = self.fields(root, None, "", TOP, "`pum:` and `parameters:`")?;

        // pum
        let Some((pum, pum_at)) = f.get("pum") else {
            return Err(self.fail(
                None,
                "",
                "`pum:` with `module: NAME` is missing (pum 1.x requires pum.module)",
            ));
        };
        let p = self.fields(
            pum,
            pum_at,
            "pum",
            &["module", "migration_table_schema", "minimum_version"],
            "`module: tww`",
        )?;
        let module = match p.get("module") {
            Some((v, at)) => self.text(v, at, "pum.module")?,
            None => {
                return Err(self.fail(
                    pum_at,
                    "pum",
                    "`module: NAME` is missing: the module's name is recorded in every row of \
                     pum_migrations",
                ))
            }
        };
        if module.is_empty() || module.chars().count() > 50 {
            return Err(self.fail(
                p.get("module").and_then(|(v, at)| place(v, at)),
                "pum.module",
                "must be a name of 1 to 50 characters (pum_migrations.module is varchar(50))",
            ));
        }
        let migration_table_schema = match p.get("migration_table_schema") {
            None => "public".to_string(),
            Some((v, at)) => {
                if v.node == Node::Null {
                    return Err(self.fail(
                        at,
                        "pum.migration_table_schema",
                        "is empty; give a schema name or remove the key (default: public)",
                    ));
                }
                self.text(v, at, "pum.migration_table_schema")?
            }
        };
        let minimum_version = self.version(p.get("minimum_version"), "pum.minimum_version")?;

        // parameters
        let mut parameters: Vec<ParameterDef> = Vec::new();
        for (i, item) in self
            .list(f.get("parameters"), "parameters", false)?
            .iter()
            .enumerate()
        {
            let what = format!("parameters[{i}]");
            let def = self.parameter(item, f.get("parameters").and_then(|x| x.1), &what)?;
            if parameters.iter().any(|d| d.name == def.name) {
                return Err(self.fail(
                    item.at.or(f.get("parameters").and_then(|x| x.1)),
                    &what,
                    format!("the parameter `{}` is defined twice", def.name),
                ));
            }
            parameters.push(def);
        }

        // application
        let mut drop_hooks = Vec::new();
        let mut create_hooks = Vec::new();
        if let Some((app, app_at)) = self.one_of(&f, "", "application", "migration_hooks")? {
            let name = if f.get("application").is_some() {
                "application"
            } else {
                "migration_hooks"
            };
            if app.node == Node::Null {
                return Err(self.fail(
                    app_at,
                    name,
                    "is empty; give `drop:` and `create:` hooks or remove the key (pum 1.x fails \
                     on an empty one)",
                ));
            }
            let a = self.fields(
                app,
                app_at,
                name,
                &["drop", "create", "pre", "post"],
                "`create:`",
            )?;
            let drop = self.one_of(&a, name, "drop", "pre")?;
            let create = self.one_of(&a, name, "create", "post")?;
            let drop_name = if a.get("drop").is_some() {
                "drop"
            } else {
                "pre"
            };
            let create_name = if a.get("create").is_some() {
                "create"
            } else {
                "post"
            };
            drop_hooks = self.hooks(drop, &format!("{name}.{drop_name}"))?;
            create_hooks = self.hooks(create, &format!("{name}.{create_name}"))?;
        }

        // changelogs_directory
        let changelogs_directory = match f.get("changelogs_directory") {
            None => "changelogs".to_string(),
            Some((v, at)) if v.node == Node::Null => {
                return Err(self.fail(
                    at,
                    "changelogs_directory",
                    "is empty; give a directory or remove the key (default: changelogs)",
                ))
            }
            Some((v, at)) => self.text(v, at, "changelogs_directory")?,
        };

        // roles
        let mut roles = Vec::new();
        let roles_at = f.get("roles").and_then(|x| x.1);
        for (i, item) in self.list(f.get("roles"), "roles", true)?.iter().enumerate() {
            let what = format!("roles[{i}]");
            let r = self.fields(
                item,
                roles_at,
                &what,
                &["name", "permissions", "inherit", "description"],
                "`name:` and `permissions:`",
            )?;
            let name = match r.get("name") {
                Some((v, at)) => self.text(v, at, &format!("{what}.name"))?,
                None => return Err(self.fail(item.at.or(roles_at), &what, "`name:` is missing")),
            };
            let mut permissions = Vec::new();
            let perms = r.get("permissions");
            for (j, p) in self
                .list(perms, &format!("{what}.permissions"), false)?
                .iter()
                .enumerate()
            {
                let pw = format!("{what}.permissions[{j}]");
                let pf = self.fields(
                    p,
                    perms.and_then(|x| x.1),
                    &pw,
                    &["type", "schemas"],
                    "`type: read`",
                )?;
                let kind = match pf.get("type") {
                    Some((v, at)) => {
                        let t = self.text(v, at, &format!("{pw}.type"))?;
                        if t != "read" && t != "write" {
                            return Err(self.fail(
                                place(v, at),
                                &format!("{pw}.type"),
                                format!("must be read or write, not '{t}'"),
                            ));
                        }
                        t
                    }
                    None => {
                        return Err(self.fail(
                            perms.and_then(|x| x.1),
                            &pw,
                            "`type:` (read or write) is missing",
                        ))
                    }
                };
                let mut schemas = Vec::new();
                let sw = format!("{pw}.schemas");
                for s in self.list(pf.get("schemas"), &sw, false)? {
                    schemas.push(self.text(s, pf.get("schemas").and_then(|x| x.1), &sw)?);
                }
                permissions.push(Permission { kind, schemas });
            }
            roles.push(Role {
                name,
                permissions,
                inherit: self.optional_text(r.get("inherit"), &format!("{what}.inherit"))?,
                description: self
                    .optional_text(r.get("description"), &format!("{what}.description"))?,
            });
        }

        // demo_data
        let mut demo_data = Vec::new();
        let demo_at = f.get("demo_data").and_then(|x| x.1);
        for (i, item) in self
            .list(f.get("demo_data"), "demo_data", true)?
            .iter()
            .enumerate()
        {
            let what = format!("demo_data[{i}]");
            let d = self.fields(
                item,
                demo_at,
                &what,
                &["name", "file", "files"],
                "`name:` and `file:`",
            )?;
            let name = match d.get("name") {
                Some((v, at)) => self.text(v, at, &format!("{what}.name"))?,
                None => return Err(self.fail(demo_at, &what, "`name:` is missing")),
            };
            let file = self.optional_text(d.get("file"), &format!("{what}.file"))?;
            let mut files = Vec::new();
            for s in self.list(d.get("files"), &format!("{what}.files"), true)? {
                files.push(self.text(
                    s,
                    d.get("files").and_then(|x| x.1),
                    &format!("{what}.files"),
                )?);
            }
            let file = file.filter(|f| !f.is_empty());
            match (file, files.is_empty()) {
                (Some(f), true) => files.push(f),
                (None, false) => {}
                _ => {
                    return Err(self.fail(
                        demo_at,
                        &what,
                        "exactly one of `file` and `files` must be given (pum 1.x: \"Exactly one \
                         of 'file' or 'files' must be set in a demo data set.\")",
                    ))
                }
            }
            demo_data.push(DemoData { name, files });
        }

        // dependencies
        let mut dependencies = Vec::new();
        let dep_at = f.get("dependencies").and_then(|x| x.1);
        for (i, item) in self
            .list(f.get("dependencies"), "dependencies", false)?
            .iter()
            .enumerate()
        {
            let what = format!("dependencies[{i}]");
            let d = self.fields(
                item,
                dep_at,
                &what,
                &["name", "minimum_version", "maximum_version"],
                "`name: pirogue`",
            )?;
            let name = match d.get("name") {
                Some((v, at)) => self.text(v, at, &format!("{what}.name"))?,
                None => return Err(self.fail(dep_at, &what, "`name:` is missing")),
            };
            dependencies.push(Dependency {
                name,
                minimum_version: self
                    .version(d.get("minimum_version"), &format!("{what}.minimum_version"))?,
                maximum_version: self
                    .version(d.get("maximum_version"), &format!("{what}.maximum_version"))?,
            });
        }

        let uninstall = self.hooks(f.get("uninstall"), "uninstall")?;

        Ok(Config {
            module,
            migration_table_schema,
            minimum_version,
            parameters,
            drop_hooks,
            create_hooks,
            changelogs_directory,
            roles,
            demo_data,
            dependencies,
            uninstall,
        })
    }

    fn parameter(
        &self,
        item: &Spanned,
        list_at: Option<usize>,
        what: &str,
    ) -> Result<ParameterDef> {
        let f = self.fields(
            item,
            list_at,
            what,
            &[
                "name",
                "type",
                "default",
                "description",
                "values",
                "app_only",
            ],
            "`name: SRID`",
        )?;
        let name = match f.get("name") {
            Some((v, at)) => self.text(v, at, &format!("{what}.name"))?,
            None => return Err(self.fail(list_at, what, "`name:` is missing")),
        };
        let what = format!("{what} ({name})");
        let kind = match f.get("type") {
            None => ParamType::Text,
            Some((v, at)) => {
                let t = match &v.node {
                    Node::Str(s) => s.as_str(),
                    _ => "",
                };
                match t {
                    "boolean" => ParamType::Boolean,
                    "integer" => ParamType::Integer,
                    "text" => ParamType::Text,
                    "decimal" => ParamType::Decimal,
                    "path" => ParamType::Path,
                    _ => {
                        return Err(self.fail(
                            place(v, at),
                            &format!("{what}.type"),
                            format!(
                                "must be one of boolean, integer, text, decimal, path, not {}",
                                v.node.describe()
                            ),
                        ))
                    }
                }
            }
        };
        let default = match f.get("default") {
            None => serde_json::Value::Null,
            Some((v, at)) => self.json(v, at, &format!("{what}.default"))?,
        };
        let description =
            self.optional_text(f.get("description"), &format!("{what}.description"))?;
        let values = match f.get("values") {
            None => None,
            Some((v, _)) if v.node == Node::Null => None,
            Some((v, at)) => {
                let Node::Seq(items) = &v.node else {
                    return Err(self.fail(
                        place(v, at),
                        &format!("{what}.values"),
                        format!(
                            "expected a list of allowed values, not {}",
                            v.node.describe()
                        ),
                    ));
                };
                let mut out = Vec::new();
                for item in items {
                    out.push(self.json(item, at, &format!("{what}.values"))?);
                }
                Some(out)
            }
        };
        let app_only = match f.get("app_only") {
            None => false,
            Some((v, at)) => lax_bool(&v.node).ok_or_else(|| {
                self.fail(
                    place(v, at),
                    &format!("{what}.app_only"),
                    format!("expected true or false, not {}", v.node.describe()),
                )
            })?,
        };
        if let Some(allowed) = &values {
            // pum 1.x: only a non-empty list restricts, and a null default
            // is not checked.
            if !allowed.is_empty()
                && !default.is_null()
                && !allowed.iter().any(|a| super::params::py_eq(a, &default))
            {
                return Err(self.fail(
                    f.get("default").and_then(|(v, at)| place(v, at)),
                    &format!("{what}.default"),
                    format!(
                        "{default} is not one of the allowed values {}",
                        serde_json::Value::Array(allowed.clone())
                    ),
                ));
            }
        }
        Ok(ParameterDef {
            name,
            kind,
            default,
            description,
            values,
            app_only,
        })
    }

    fn hooks(&self, v: Option<(&Spanned, Option<usize>)>, what: &str) -> Result<Vec<Hook>> {
        let at = v.and_then(|x| x.1);
        let mut out = Vec::new();
        for (i, item) in self.list(v, what, true)?.iter().enumerate() {
            let origin = format!("{what}[{i}]");
            let h = self.fields(
                item,
                at,
                &origin,
                &["file", "code"],
                "`file: app/create.sql`",
            )?;
            let file = self.optional_text(h.get("file"), &format!("{origin}.file"))?;
            let code = self.optional_text(h.get("code"), &format!("{origin}.code"))?;
            let source =
                match (
                    file.filter(|s| !s.is_empty()),
                    code.filter(|s| !s.is_empty()),
                ) {
                    (Some(f), None) => HookSource::File(f),
                    (None, Some(c)) => HookSource::Code(c),
                    _ => return Err(self.fail(
                        item.at.or(at),
                        &origin,
                        "exactly one of `file` and `code` must be given (pum 1.x: \"Exactly one \
                         of 'file' or 'code' must be set in a hook.\")",
                    )),
                };
            out.push(Hook { origin, source });
        }
        Ok(out)
    }

    /// A value kept as pum 1.x keeps it (`default`, `values`), as JSON.
    fn json(&self, v: &Spanned, at: Option<usize>, what: &str) -> Result<serde_json::Value> {
        use serde_json::Value;
        Ok(match &v.node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => match i64::try_from(*i) {
                Ok(n) => Value::from(n),
                Err(_) => {
                    return Err(self.fail(
                        place(v, at),
                        what,
                        format!("the number {i} is too large (at most 64 bits)"),
                    ))
                }
            },
            Node::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => Value::Number(n),
                None => {
                    return Err(self.fail(
                        place(v, at),
                        what,
                        format!("{f} cannot be stored in pum_migrations (JSON has no {f})"),
                    ))
                }
            },
            Node::Str(s) => Value::String(s.clone()),
            Node::Date(d) => {
                return Err(self.fail(
                    place(v, at),
                    what,
                    format!(
                        "YAML reads {d} as a date, which pum 1.x cannot store; quote it ('{d}')"
                    ),
                ))
            }
            Node::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(self.json(item, at, what)?);
                }
                Value::Array(out)
            }
            Node::Map(entries) => {
                let mut out = serde_json::Map::new();
                for (k, item) in entries {
                    let key = self.text(k, at, what)?;
                    out.insert(key, self.json(item, at, what)?);
                }
                Value::Object(out)
            }
        })
    }
}

/// pydantic's lax boolean.
fn lax_bool(n: &Node) -> Option<bool> {
    match n {
        Node::Bool(b) => Some(*b),
        Node::Int(0) => Some(false),
        Node::Int(1) => Some(true),
        Node::Float(f) if *f == 0.0 => Some(false),
        Node::Float(f) if *f == 1.0 => Some(true),
        Node::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn quote_hint(n: &Node) -> &'static str {
    match n {
        Node::Int(_) | Node::Float(_) | Node::Bool(_) | Node::Date(_) => {
            " (quote it if it is meant as text)"
        }
        _ => "",
    }
}

/// The known name closest to `name`, for "did you mean".
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(k, name), *k))
        .min()
        .filter(|(d, k)| *d <= 3 && *d < k.len())
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The `.pum.yaml` of a module directory.
pub fn file_in(dir: &Path) -> PathBuf {
    dir.join(".pum.yaml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Config {
        parse(text, Path::new("m/.pum.yaml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn bad(text: &str) -> String {
        match parse(text, Path::new("m/.pum.yaml")) {
            Ok(c) => panic!("accepted: {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_teksi_wastewater_file_reads() {
        let c = ok(r#"
pum:
  module: tww
  migration_table_schema: tww_sys
  minimum_version: 1.1.14

roles:
  - name: tww_viewer
    description: Role for users who can view the TWW data.
    permissions:
      - type: read
        schemas: [tww_od, tww_vl, tww_sys, tww_app]
  - name: tww_user
    inherit: tww_viewer
    permissions:
      - type: write
        schemas: [tww_od]

parameters:
  - name: SRID
    type: integer
    default: 2056
    description: Coordinate Reference System (CRS) to use for the data.
  - name: modification_ci
    type: boolean
    default: false
  - name: modification_yaml
    type: path
  - name: lang_code
    type: text
    default: en

dependencies:
  - name: pirogue
    minimum_version: 3.0.0

migration_hooks:
  pre:
    - code: DROP SCHEMA IF EXISTS tww_app CASCADE;
  post:
    - file: app/create_app.py

demo_data:
  - name: Aletsch
    file: demo_data/demo_data_aletsch.sql
"#);
        assert_eq!(c.module, "tww");
        assert_eq!(c.migration_table_schema, "tww_sys");
        assert_eq!(c.parameters.len(), 4);
        assert_eq!(c.parameters[0].default, serde_json::json!(2056));
        assert_eq!(c.parameters[1].default, serde_json::json!(false));
        assert_eq!(c.parameters[2].default, serde_json::Value::Null);
        assert_eq!(
            c.drop_hooks[0].source,
            HookSource::Code("DROP SCHEMA IF EXISTS tww_app CASCADE;".into())
        );
        assert_eq!(c.create_hooks[0].origin, "migration_hooks.post[0]");
        assert_eq!(c.roles[1].inherit.as_deref(), Some("tww_viewer"));
        assert_eq!(c.demo_data[0].files, ["demo_data/demo_data_aletsch.sql"]);
        assert_eq!(
            c.dependencies[0]
                .minimum_version
                .as_ref()
                .unwrap()
                .to_string(),
            "3.0.0"
        );
        assert_eq!(c.changelogs_directory, "changelogs");
    }

    #[test]
    fn a_boolean_without_default_stays_null_as_in_pum_1() {
        let c = ok("pum: {module: m}\nparameters:\n  - {name: b, type: boolean}\n  - {name: c, type: boolean, default: 'true'}\n");
        assert_eq!(c.parameters[0].default, serde_json::Value::Null);
        assert_eq!(c.parameters[1].default, serde_json::json!("true"));
    }

    #[test]
    fn unknown_keys_are_named_with_their_line_and_the_keys_allowed() {
        let e = bad("pum:\n  module: m\nparamters: []\n");
        assert!(
            e.starts_with("m/.pum.yaml:3:1: unknown key `paramters` (did you mean `parameters`?)"),
            "{e}"
        );
        let e = bad("pum:\n  module: m\n  schema: x\n");
        assert!(
            e.starts_with("m/.pum.yaml:3:3: unknown key `schema`"),
            "{e}"
        );
        assert!(
            e.contains("the keys of `pum` are: module, migration_table_schema, minimum_version"),
            "{e}"
        );
        let e = bad("pum: {module: m}\nparameters:\n  - name: a\n    typ: text\n");
        assert!(
            e.starts_with("m/.pum.yaml:4:5: unknown key `typ` (did you mean `type`?)"),
            "{e}"
        );
        let e = bad("pum: {module: m}\nbase_path: x\n");
        assert!(
            e.contains("`base_path`") && e.contains("pum 1.x refuses it too"),
            "{e}"
        );
    }

    #[test]
    fn old_and_new_names_are_not_given_together() {
        let c = ok("pum: {module: m}\nmigration_hooks:\n  pre: [{code: 'SELECT 1'}]\n  post: [{file: a.sql}]\n");
        assert_eq!(c.drop_hooks.len(), 1);
        assert_eq!(c.create_hooks[0].source, HookSource::File("a.sql".into()));
        let e = bad("pum: {module: m}\napplication: {}\nmigration_hooks: {}\n");
        assert!(
            e.contains("give `application` or its old name `migration_hooks`, not both"),
            "{e}"
        );
        let e = bad("pum: {module: m}\napplication:\n  drop: []\n  pre: []\n");
        assert!(
            e.contains("application: give `drop` or its old name `pre`, not both"),
            "{e}"
        );
    }

    #[test]
    fn a_hook_is_exactly_one_of_file_and_code() {
        for h in ["{}", "{file: a.sql, code: 'SELECT 1'}", "{code: ''}"] {
            let e = bad(&format!(
                "pum: {{module: m}}\napplication:\n  create:\n    - {h}\n"
            ));
            assert!(
                e.contains("application.create[0]: exactly one of `file` and `code`"),
                "{e}"
            );
        }
    }

    #[test]
    fn parameter_rules() {
        let e = bad("pum: {module: m}\nparameters:\n  - {name: a, type: bool}\n");
        assert!(e.contains("parameters[0] (a).type: must be one of boolean, integer, text, decimal, path, not the text 'bool'"), "{e}");
        let e = bad("pum: {module: m}\nparameters:\n  - {name: a, default: x, values: [y, z]}\n");
        assert!(
            e.contains("\"x\" is not one of the allowed values [\"y\",\"z\"]"),
            "{e}"
        );
        let e = bad("pum: {module: m}\nparameters:\n  - {name: 5}\n");
        assert!(
            e.contains("parameters[0].name: expected text, not the number 5 (quote it"),
            "{e}"
        );
        let e = bad("pum: {module: m}\nparameters:\n  - {name: a}\n  - {name: a}\n");
        assert!(e.contains("the parameter `a` is defined twice"), "{e}");
        let e = bad("pum: {module: m}\nparameters:\n  - {name: a, default: 2025-01-01}\n");
        assert!(e.contains("quote it ('2025-01-01')"), "{e}");
        // pydantic's lax booleans, and `True in [1, 2]` as in Python.
        let c = ok("pum: {module: m}\nparameters:\n  - {name: a, app_only: 'yes'}\n  - {name: b, app_only: 1, default: true, values: [1, 2]}\n");
        assert!(c.parameters[0].app_only && c.parameters[1].app_only);
        let e = bad("pum: {module: m}\nparameters:\n  - {name: a, app_only: maybe}\n");
        assert!(e.contains("app_only: expected true or false"), "{e}");
    }

    #[test]
    fn required_and_empty_keys() {
        assert!(bad("").contains("the file is empty"));
        assert!(bad("parameters: []\n").contains("`pum:` with `module: NAME` is missing"));
        assert!(bad("pum: {}\n").contains("`module: NAME` is missing"));
        assert!(bad("pum: {module: m}\nparameters:\n").contains("parameters: is empty"));
        assert!(bad("pum: {module: m}\nchangelogs_directory:\n")
            .contains("changelogs_directory: is empty"));
        assert!(bad("- a\n- b\n").contains("expected a mapping of keys"));
        assert!(bad("pum: {module: m}\npum: {module: n}\n").contains("`pum` is given twice"));
        let e = bad("pum: {module: m, minimum_version: x.y}\n");
        assert!(
            e.contains("pum.minimum_version: 'x.y' is not a version"),
            "{e}"
        );
        // Empty keys pum 1.x accepts.
        let c = ok("pum: {module: m}\nroles:\nuninstall:\ndemo_data:\n");
        assert!(c.roles.is_empty() && c.uninstall.is_empty() && c.demo_data.is_empty());
    }

    #[test]
    fn roles_and_demo_data_rules() {
        let e = bad("pum: {module: m}\nroles:\n  - name: r\n    permissions:\n      - {type: admin, schemas: [a]}\n");
        assert!(
            e.contains("roles[0].permissions[0].type: must be read or write, not 'admin'"),
            "{e}"
        );
        let e = bad("pum: {module: m}\ndemo_data:\n  - {name: d, file: a.sql, files: [b.sql]}\n");
        assert!(
            e.contains("demo_data[0]: exactly one of `file` and `files`"),
            "{e}"
        );
    }
}
