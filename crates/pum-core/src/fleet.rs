//! One command on many targets: many databases, or one schema per tenant.
//!
//! A *target* is a database (a `-p` connection, or one of `--databases` on
//! the server of `--uri`) or, with `--schemas`/`--all-schemas`, one schema
//! of such a database. For a schema target:
//!
//! - its connections have `search_path` set to the schema, then `public`
//!   (where extensions such as PostGIS usually live), through libpq's
//!   `options`, so every session pum opens for it (the Python worker's
//!   too) starts there, and a session reset between scripts keeps it;
//! - `{schema}` in a table name (`-t {schema}.pum_upgrades`) is replaced by
//!   the schema ([`Target::substitute`]), so each schema has its own
//!   history table and its own lock;
//! - the deltas get the schema's name as the variable `schema`
//!   ([`Target::variables`]).
//!
//! [`expand`] turns what was given into targets, and [`run`] runs one
//! operation on every target: at most [`FleetOptions::jobs`] at once, one
//! connection per target, a first group of [`FleetOptions::canary`]
//! targets before the others, and no new target after a failure with
//! [`FleetOptions::fail_fast`]. The operation itself is the single-target
//! one (`engine::upgrade`, `deploy::deploy`...), so each target keeps every
//! guarantee it has alone; its progress comes back as [`TargetEvent`]s on
//! the caller's thread, and its result in the returned [`Outcome`]s.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::parallel::{self, Emitter};
use crate::pg::{quote_ident, Conn, ConnTarget, Notice};
use crate::vars::{Value, Variables};

/// What a table name holds where each target's schema goes.
pub const SCHEMA_PLACEHOLDER: &str = "{schema}";

/// The variable that holds a schema target's schema.
pub const SCHEMA_VARIABLE: &str = "schema";

/// Which schemas of each database are targets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Schemas {
    /// None: each database is one target.
    #[default]
    None,
    /// These schemas of every database, in this order (`--schemas`).
    List(Vec<String>),
    /// Every schema of every database (`--all-schemas`) except `pg_*`,
    /// `information_schema`, schemas that belong to an extension, and
    /// these.
    All {
        /// Schemas left out (`--skip-schemas`, and the fixed schema of a
        /// history table shared by the tenants).
        skip: Vec<String>,
    },
}

/// What the user named as targets.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    /// Connections given one by one (`-p`, repeatable).
    pub connections: Vec<String>,
    /// The server of [`databases`](Self::databases) (`--uri`): a URI,
    /// connection string or service name; its own database is ignored.
    /// `None`: libpq's defaults (`PGHOST`, `PGPORT`...).
    pub server: Option<String>,
    /// Databases on that server (`--databases a,b`).
    pub databases: Vec<String>,
    /// Schemas as targets.
    pub schemas: Schemas,
}

impl TargetSpec {
    /// True when this names a fleet rather than one database: several
    /// connections, `--databases`, or schemas.
    pub fn is_fleet(&self) -> bool {
        self.connections.len() > 1 || !self.databases.is_empty() || self.schemas != Schemas::None
    }
}

/// One target of a fleet run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Target {
    /// How reports name it: the service or database name, with
    /// `/schema` for a schema target (never a password).
    pub label: String,
    /// The schema, for a schema target.
    pub schema: Option<String>,
    /// The connection (with `search_path` set for a schema target).
    #[serde(skip)]
    pub conn: ConnTarget,
}

impl Target {
    /// `pattern` with every `{schema}` replaced by the target's schema
    /// (double-quoted when the name needs it, so the result parses as a
    /// table name). A target without a schema refuses a pattern that has
    /// one.
    pub fn substitute(&self, pattern: &str, option: &str) -> Result<String> {
        if !pattern.contains(SCHEMA_PLACEHOLDER) {
            return Ok(pattern.to_string());
        }
        let Some(schema) = &self.schema else {
            return Err(Error::invalid(format!(
                "{option} {pattern}: {SCHEMA_PLACEHOLDER} stands for each target's schema, but no \
                 schema is a target; name them with --schemas s1,s2 or --all-schemas"
            )));
        };
        let mut out = String::with_capacity(pattern.len() + schema.len());
        let mut rest = pattern;
        while let Some(at) = rest.find(SCHEMA_PLACEHOLDER) {
            let before = &rest[..at];
            out.push_str(before);
            let quoted_by_user = before.ends_with('"');
            if quoted_by_user {
                out.push_str(&schema.replace('"', "\"\""));
            } else if needs_quotes(schema) {
                out.push_str(&quote_ident(schema));
            } else {
                out.push_str(schema);
            }
            rest = &rest[at + SCHEMA_PLACEHOLDER.len()..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The variables for this target's scripts: `base`, plus `schema` for
    /// a schema target.
    pub fn variables(&self, base: &Variables) -> Variables {
        let mut vars = base.clone();
        if let Some(schema) = &self.schema {
            vars.set(SCHEMA_VARIABLE, Value::Text(schema.clone()));
        }
        vars
    }

    /// Connects, and for a schema target checks that the schema exists.
    pub fn connect(&self, application: &str) -> Result<Conn> {
        let mut conn = Conn::connect(&self.conn, application)?;
        if let Some(schema) = &self.schema {
            let found = conn.query(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
                &[Some(schema)],
            )?;
            if found.rows.is_empty() {
                return Err(Error::invalid(format!(
                    "the schema {schema} does not exist in {}; check --schemas",
                    self.label
                        .rsplit_once('/')
                        .map_or(&*self.label, |(db, _)| db)
                )));
            }
        }
        Ok(conn)
    }
}

/// True when a name cannot stand unquoted in a table name as pum parses it.
fn needs_quotes(name: &str) -> bool {
    name.is_empty()
        || name.contains(|c: char| c == '.' || c == '"' || c == ';' || c.is_whitespace())
}

/// Refuses `-v ... schema ...` when schemas are targets (the variable is
/// each target's schema).
pub fn check_variables(spec: &TargetSpec, vars: &Variables) -> Result<()> {
    if spec.schemas != Schemas::None && vars.get(SCHEMA_VARIABLE).is_some() {
        return Err(Error::invalid(format!(
            "the variable `{SCHEMA_VARIABLE}` is set for each target to its schema (--schemas, \
             --all-schemas); do not give it with -v"
        )));
    }
    Ok(())
}

/// The connection and label of one database.
struct Database {
    label: String,
    conn: ConnTarget,
}

/// A short name for a connection: its service, else its database, else
/// the whole description (which never holds a password).
fn short_label(t: &ConnTarget) -> String {
    if let Some(s) = t.service_name() {
        return s.to_string();
    }
    match t.options().iter().find(|(k, _)| k == "dbname") {
        Some((_, db)) if !db.is_empty() && !db.contains('=') => db.clone(),
        _ => t.display().to_string(),
    }
}

fn databases(spec: &TargetSpec) -> Result<Vec<Database>> {
    let mut out = Vec::new();
    for c in &spec.connections {
        let conn = ConnTarget::parse(c).map_err(|e| Error::invalid(format!("-p: {e}")))?;
        out.push(Database {
            label: short_label(&conn),
            conn,
        });
    }
    if !spec.databases.is_empty() {
        let server = ConnTarget::parse(spec.server.as_deref().unwrap_or("postgresql://"))
            .map_err(|e| Error::invalid(format!("--uri: {e}")))?;
        for db in &spec.databases {
            if db.trim().is_empty() {
                return Err(Error::invalid("--databases names an empty database"));
            }
            out.push(Database {
                label: db.clone(),
                conn: server.with_option("dbname", db)?,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(
            "no database given: give -p SERVICE (repeatable) or --databases a,b [--uri URI]",
        ));
    }
    // Two targets with one name (the same database on two servers): name
    // them all by their whole description.
    let labels: BTreeSet<&str> = out.iter().map(|d| d.label.as_str()).collect();
    if labels.len() < out.len() {
        for d in &mut out {
            d.label = d.conn.display().to_string();
        }
    }
    let mut seen = BTreeSet::new();
    for d in &out {
        if !seen.insert(d.conn.conninfo()) {
            return Err(Error::invalid(format!(
                "the database {} is named twice",
                d.label
            )));
        }
    }
    Ok(out)
}

/// The connection with `search_path` set to `schema`, then `public`,
/// added to the connection's own `options`.
fn with_search_path(conn: &ConnTarget, schema: &str) -> Result<ConnTarget> {
    let path = if schema == "public" {
        quote_ident(schema)
    } else {
        format!("{},public", quote_ident(schema))
    };
    // libpq splits `options` at white space; a backslash escapes.
    let mut escaped = String::new();
    for ch in path.chars() {
        if ch == '\\' || ch.is_whitespace() {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    let arg = format!("-c search_path={escaped}");
    let options = match conn.options().iter().find(|(k, _)| k == "options") {
        Some((_, existing)) if !existing.trim().is_empty() => format!("{existing} {arg}"),
        _ => arg,
    };
    Ok(conn.with_option("options", &options)?)
}

/// The schemas of a database that `--all-schemas` takes, sorted.
fn all_schemas(conn: &ConnTarget, skip: &[String]) -> Result<Vec<String>> {
    let mut c = Conn::connect(conn, "pum")?;
    let rows = c.query(
        "SELECT n.nspname::text FROM pg_catalog.pg_namespace n \
         WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
             WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid \
             AND d.deptype = 'e') \
         ORDER BY 1",
        &[],
    )?;
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| r[0].clone())
        .filter(|s| !skip.contains(s))
        .collect())
}

/// Turns what was given into targets, in order: the `-p` connections,
/// then `--databases`; with schemas, each database's schemas in the order
/// given (`--all-schemas`: sorted by name, read from each database with
/// up to `jobs` connections at once).
pub fn expand(spec: &TargetSpec, jobs: usize) -> Result<Vec<Target>> {
    let dbs = databases(spec)?;
    let per_db: Vec<Vec<String>> = match &spec.schemas {
        Schemas::None => {
            return Ok(dbs
                .into_iter()
                .map(|d| Target {
                    label: d.label,
                    schema: None,
                    conn: d.conn,
                })
                .collect())
        }
        Schemas::List(list) => {
            if list.is_empty() {
                return Err(Error::invalid("--schemas names no schema"));
            }
            let mut seen = BTreeSet::new();
            for s in list {
                if s.is_empty() {
                    return Err(Error::invalid("--schemas names an empty schema"));
                }
                if !seen.insert(s) {
                    return Err(Error::invalid(format!("--schemas names {s} twice")));
                }
            }
            dbs.iter().map(|_| list.clone()).collect()
        }
        Schemas::All { skip } => {
            let found = parallel::run(
                &dbs,
                jobs,
                |r: &Result<Vec<String>>| r.is_err(),
                |d, _: &Emitter<()>, _: &mut ()| {
                    all_schemas(&d.conn, skip).map_err(|e| {
                        Error::invalid(format!("{}: cannot list its schemas: {e}", d.label))
                    })
                },
                &mut |_| {},
            );
            crate::interrupt::check()?;
            let mut lists = Vec::new();
            for r in found.into_iter().flatten() {
                lists.push(r?);
            }
            lists
        }
    };
    let mut targets = Vec::new();
    for (d, schemas) in dbs.iter().zip(per_db) {
        for schema in schemas {
            targets.push(Target {
                label: format!("{}/{schema}", d.label),
                conn: with_search_path(&d.conn, &schema)?,
                schema: Some(schema),
            });
        }
    }
    if targets.is_empty() {
        return Err(Error::invalid(
            "--all-schemas found no schema to work on (pg_*, information_schema, the schemas of \
             extensions and --skip-schemas are left out)",
        ));
    }
    Ok(targets)
}

/// How a fleet run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetOptions {
    /// Targets worked on at once (at least 1).
    pub jobs: usize,
    /// After a failed target, start no other.
    pub fail_fast: bool,
    /// Run the first this-many targets first, and the others only if all
    /// of them succeeded (0: no canary).
    pub canary: usize,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            jobs: 1,
            fail_fast: false,
            canary: 0,
        }
    }
}

/// Why a target did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotStarted {
    /// Another target failed and `--fail-fast` was given.
    FailFast,
    /// A canary target failed.
    CanaryFailed,
    /// A signal came before it started.
    Interrupted,
}

impl NotStarted {
    /// Why, in words.
    pub fn reason(self) -> &'static str {
        match self {
            NotStarted::FailFast => "not started: another target failed (--fail-fast)",
            NotStarted::CanaryFailed => "not started: a canary target failed (--canary)",
            NotStarted::Interrupted => "not started: interrupted",
        }
    }
}

/// What happened to one target.
#[derive(Debug)]
pub enum Outcome<R> {
    /// It ran; `result` is the operation's own.
    Ran {
        /// The operation's result.
        result: R,
        /// Wall time, connecting included, in milliseconds.
        millis: u64,
    },
    /// It never started.
    NotStarted(NotStarted),
}

/// Something that happened on a target, owned so that it can cross
/// threads (the [`Event`]s of the single-target operation, plus the
/// target's start and end).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TargetEvent {
    /// Work on the target starts.
    Started,
    /// The target's history table is locked by another session; pum waits.
    LockWaiting {
        /// The table.
        table: String,
        /// Who holds it.
        holder: Option<String>,
        /// How long pum waits.
        timeout: Duration,
    },
    /// A script starts.
    Script {
        /// The file.
        file: PathBuf,
        /// What it is (`1.2.3 add_pipes (delta sql)`).
        label: String,
        /// 1-based position among the target's scripts.
        index: usize,
        /// How many scripts the target runs.
        total: usize,
    },
    /// A script finished.
    ScriptDone {
        /// The file.
        file: PathBuf,
        /// How long it took.
        elapsed: Duration,
    },
    /// The server sent a notice.
    Notice {
        /// The script it came from, if any.
        file: Option<PathBuf>,
        /// The notice.
        notice: Notice,
    },
    /// A line a Python script printed.
    Output {
        /// The script.
        file: PathBuf,
        /// The line.
        line: String,
        /// True if printed on stderr.
        stderr: bool,
    },
    /// Something to know that does not stop the target.
    Warning {
        /// One line.
        message: String,
    },
    /// Work on the target finished.
    Finished {
        /// Whether it succeeded.
        ok: bool,
        /// How long it took.
        elapsed: Duration,
    },
}

impl TargetEvent {
    /// The owned form of a single-target event (`None` for the events a
    /// fleet run does not pass on: rehearsal steps).
    pub fn from_event(event: &Event<'_>) -> Option<TargetEvent> {
        Some(match event {
            Event::LockWaiting {
                table,
                holder,
                timeout,
            } => TargetEvent::LockWaiting {
                table: table.to_string(),
                holder: holder.map(str::to_string),
                timeout: *timeout,
            },
            Event::Starting {
                file,
                label,
                index,
                total,
            } => TargetEvent::Script {
                file: file.to_path_buf(),
                label: label.to_string(),
                index: *index,
                total: *total,
            },
            Event::Finished { file, elapsed } => TargetEvent::ScriptDone {
                file: file.to_path_buf(),
                elapsed: *elapsed,
            },
            Event::Notice { file, notice } => TargetEvent::Notice {
                file: file.map(|f| f.to_path_buf()),
                notice: (*notice).clone(),
            },
            Event::PythonOutput { file, line, stderr } => TargetEvent::Output {
                file: file.to_path_buf(),
                line: line.to_string(),
                stderr: *stderr,
            },
            Event::Warning { message } => TargetEvent::Warning {
                message: message.to_string(),
            },
            _ => return None,
        })
    }
}

/// Passes a target's events to the caller's thread.
struct Forward<'a> {
    index: usize,
    emitter: &'a Emitter<(usize, TargetEvent)>,
}

impl Observer for Forward<'_> {
    fn event(&mut self, event: &Event<'_>) {
        if let Some(e) = TargetEvent::from_event(event) {
            self.emitter.send((self.index, e));
        }
    }
}

/// Runs `work` on every target and returns one [`Outcome`] per target, in
/// the order of `targets`. `ok` says whether a result is a success (for
/// `--fail-fast` and `--canary`). `events` gets every target's events on
/// the caller's thread, with the target's index; they interleave when
/// targets run at once.
///
/// A signal stops new targets from starting; the running ones see their
/// statement cancelled (their connections are watched as always) and
/// report it through their own results.
pub fn run<R: Send>(
    targets: &[Target],
    opts: &FleetOptions,
    ok: impl Fn(&R) -> bool + Sync,
    work: impl Fn(&Target, &mut dyn Observer) -> R + Sync,
    events: &mut dyn FnMut(usize, &TargetEvent),
) -> Vec<Outcome<R>> {
    let canary = opts.canary.min(targets.len());
    let indexed: Vec<(usize, &Target)> = targets.iter().enumerate().collect();
    let (first, rest) = indexed.split_at(canary);
    let mut outcomes: Vec<Outcome<R>> = Vec::with_capacity(targets.len());
    let mut run_group = |group: &[(usize, &Target)], outcomes: &mut Vec<Outcome<R>>| -> bool {
        let results = parallel::run(
            group,
            opts.jobs,
            |r: &(R, u64)| opts.fail_fast && !ok(&r.0),
            |&(index, target), emitter: &Emitter<(usize, TargetEvent)>, _: &mut ()| {
                emitter.send((index, TargetEvent::Started));
                let started = Instant::now();
                let result = work(target, &mut Forward { index, emitter });
                let elapsed = started.elapsed();
                emitter.send((
                    index,
                    TargetEvent::Finished {
                        ok: ok(&result),
                        elapsed,
                    },
                ));
                (result, elapsed.as_millis() as u64)
            },
            &mut |(i, e)| events(i, &e),
        );
        let mut all_ok = true;
        for r in results {
            outcomes.push(match r {
                Some((result, millis)) => {
                    all_ok &= ok(&result);
                    Outcome::Ran { result, millis }
                }
                None => {
                    all_ok = false;
                    Outcome::NotStarted(if crate::interrupt::requested().is_some() {
                        NotStarted::Interrupted
                    } else {
                        NotStarted::FailFast
                    })
                }
            });
        }
        all_ok
    };
    if run_group(first, &mut outcomes) {
        run_group(rest, &mut outcomes);
    } else {
        let why = if crate::interrupt::requested().is_some() {
            NotStarted::Interrupted
        } else if canary > 0 {
            NotStarted::CanaryFailed
        } else {
            NotStarted::FailFast
        };
        outcomes.extend(rest.iter().map(|_| Outcome::NotStarted(why)));
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(label: &str, schema: Option<&str>) -> Target {
        Target {
            label: label.into(),
            schema: schema.map(str::to_string),
            conn: ConnTarget::parse("dbname=x").unwrap(),
        }
    }

    #[test]
    fn the_schema_goes_into_table_names_quoted_when_needed() {
        let t = target("a/tenant_1", Some("tenant_1"));
        assert_eq!(
            t.substitute("{schema}.pum_upgrades", "-t").unwrap(),
            "tenant_1.pum_upgrades"
        );
        assert_eq!(
            t.substitute("pum_sys.up_{schema}", "-t").unwrap(),
            "pum_sys.up_tenant_1"
        );
        let odd = target("a/x", Some("my.te\"nant"));
        let s = odd.substitute("{schema}.t", "-t").unwrap();
        assert_eq!(s, "\"my.te\"\"nant\".t");
        let q = crate::pg::QualifiedName::parse(&s).unwrap();
        assert_eq!(q.schema.as_deref(), Some("my.te\"nant"));
        // Already quoted by the user: only the quotes inside are doubled.
        assert_eq!(
            odd.substitute("\"{schema}\".t", "-t").unwrap(),
            "\"my.te\"\"nant\".t"
        );
        assert_eq!(target("a", None).substitute("s.t", "-t").unwrap(), "s.t");
        let e = target("a", None)
            .substitute("{schema}.t", "-t")
            .unwrap_err();
        assert!(e.to_string().contains("--schemas"), "{e}");
    }

    #[test]
    fn schema_targets_get_their_search_path_and_variable() {
        let db = ConnTarget::parse("host=/tmp dbname=walk options='-c work_mem=64MB'").unwrap();
        let t = with_search_path(&db, "Tenant A").unwrap();
        let options = &t.options().iter().find(|(k, _)| k == "options").unwrap().1;
        assert_eq!(
            options,
            r#"-c work_mem=64MB -c search_path="Tenant\ A",public"#
        );
        let t = Target {
            label: "walk/Tenant A".into(),
            schema: Some("Tenant A".into()),
            conn: t,
        };
        let vars = t.variables(&Variables::new());
        assert_eq!(vars.get("schema"), Some(&Value::Text("Tenant A".into())));
        let spec = TargetSpec {
            schemas: Schemas::List(vec!["a".into()]),
            ..TargetSpec::default()
        };
        let mut given = Variables::new();
        given.set("schema", Value::Int(1));
        assert!(check_variables(&spec, &given).is_err());
        assert!(check_variables(&TargetSpec::default(), &given).is_ok());
    }

    #[test]
    fn databases_are_named_by_service_or_database() {
        let spec = TargetSpec {
            connections: vec!["prod_a".into(), "host=db1 dbname=b password=s3cret".into()],
            server: Some("postgresql://me:pw@db2:5433/x?sslmode=require".into()),
            databases: vec!["c".into(), "d".into()],
            schemas: Schemas::None,
        };
        assert!(spec.is_fleet());
        let t = expand(&spec, 1).unwrap();
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["prod_a", "b", "c", "d"]);
        let c = t[2].conn.options();
        assert!(c.contains(&("sslmode".into(), "require".into())), "{c:?}");
        assert!(c.contains(&("dbname".into(), "c".into())), "{c:?}");
        // The same name on two servers: the whole description (no password).
        let spec = TargetSpec {
            connections: vec![
                "host=h1 dbname=b".into(),
                "host=h2 dbname=b password=x".into(),
            ],
            ..TargetSpec::default()
        };
        let t = expand(&spec, 1).unwrap();
        assert_eq!(t[0].label, "dbname=b host=h1");
        assert!(!t[1].label.contains("password"), "{}", t[1].label);
        let twice = TargetSpec {
            connections: vec!["a".into(), "a".into()],
            ..TargetSpec::default()
        };
        assert!(expand(&twice, 1).unwrap_err().to_string().contains("twice"));
        assert!(!TargetSpec {
            connections: vec!["a".into()],
            ..TargetSpec::default()
        }
        .is_fleet());
    }

    #[test]
    fn schemas_multiply_the_databases() {
        let spec = TargetSpec {
            databases: vec!["a".into(), "b".into()],
            schemas: Schemas::List(vec!["t1".into(), "t2".into()]),
            ..TargetSpec::default()
        };
        let t = expand(&spec, 1).unwrap();
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["a/t1", "a/t2", "b/t1", "b/t2"]);
        let twice = TargetSpec {
            schemas: Schemas::List(vec!["t1".into(), "t1".into()]),
            ..spec
        };
        assert!(expand(&twice, 1).is_err());
    }

    fn targets(n: usize) -> Vec<Target> {
        (0..n).map(|i| target(&format!("db{i}"), None)).collect()
    }

    fn ran(outcomes: &[Outcome<bool>]) -> Vec<Option<bool>> {
        outcomes
            .iter()
            .map(|o| match o {
                Outcome::Ran { result, .. } => Some(*result),
                Outcome::NotStarted(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_failed_target_does_not_stop_the_others_unless_fail_fast() {
        let ts = targets(6);
        let work = |t: &Target, _: &mut dyn Observer| t.label != "db2";
        let mut finished = 0;
        let out = run(&ts, &FleetOptions::default(), |r| *r, work, &mut |_, e| {
            if matches!(e, TargetEvent::Finished { .. }) {
                finished += 1
            }
        });
        assert_eq!(finished, 6);
        assert_eq!(
            ran(&out),
            [
                Some(true),
                Some(true),
                Some(false),
                Some(true),
                Some(true),
                Some(true)
            ]
        );
        let opts = FleetOptions {
            fail_fast: true,
            ..FleetOptions::default()
        };
        let out = run(&ts, &opts, |r| *r, work, &mut |_, _| {});
        assert_eq!(
            ran(&out),
            [Some(true), Some(true), Some(false), None, None, None]
        );
        assert!(matches!(out[3], Outcome::NotStarted(NotStarted::FailFast)));
    }

    #[test]
    fn the_canary_goes_first_and_alone() {
        let ts = targets(6);
        let opts = FleetOptions {
            jobs: 3,
            canary: 2,
            ..FleetOptions::default()
        };
        // A failing canary: nothing else starts.
        let out = run(&ts, &opts, |r| *r, |t, _| t.label != "db1", &mut |_, _| {});
        assert_eq!(ran(&out), [Some(true), Some(false), None, None, None, None]);
        assert!(matches!(
            out[5],
            Outcome::NotStarted(NotStarted::CanaryFailed)
        ));
        // A good canary: everything runs, the canary before the others.
        let order = std::sync::Mutex::new(Vec::new());
        let out = run(
            &ts,
            &opts,
            |r| *r,
            |t, _| {
                order.lock().unwrap().push(t.label.clone());
                true
            },
            &mut |_, _| {},
        );
        assert_eq!(ran(&out), vec![Some(true); 6]);
        let order = order.into_inner().unwrap();
        let mut first: Vec<&str> = order[..2].iter().map(String::as_str).collect();
        first.sort();
        assert_eq!(first, ["db0", "db1"]);
        // A canary as large as the fleet is the whole fleet.
        let all = FleetOptions { canary: 10, ..opts };
        assert_eq!(
            ran(&run(&ts, &all, |r| *r, |_, _| true, &mut |_, _| {})).len(),
            6
        );
    }
}
