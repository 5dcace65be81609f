//! A snapshot of a database's schema, read from pg_catalog.
//!
//! Why pg_catalog and not information_schema: it is orders of magnitude
//! faster on large schemas and shows the definitions of objects the role
//! does not own. Each object kind has one readable query in `sql/`; every
//! query returns `schema`, `name` (the identity inside the schema: table,
//! `table.column`, `function(argtypes)`...) and then one column per
//! attribute. Definitions are the server's own rendering (`pg_get_*def`),
//! read with an empty `search_path` so that every name in them is
//! schema-qualified and the text does not depend on the session.
//!
//! A snapshot is plain data: serialisable, sorted, comparable. Objects are
//! matched by name and signature, never by OID; objects that belong to an
//! extension are left out.
//!
//! Rows are read through a cursor, a few thousand at a time, and turned
//! into compact objects ([`Attrs`]) as they come: the memory a snapshot
//! takes is its objects', not that of the whole result of the largest query.

mod attrs;

pub use attrs::Attrs;
use attrs::Layout;

use std::fmt;
use std::str::FromStr;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::pg::{Conn, ConnTarget};

/// The kinds of objects a snapshot holds. The names are those of
/// `check -i` (pum 0.x's nine first).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Tables, with options, partitioning, inheritance, RLS switches,
    /// replica identity, and a foreign table's server and options.
    Tables,
    /// Columns of tables, views, materialized views and foreign tables.
    Columns,
    /// Table constraints.
    Constraints,
    /// Views.
    Views,
    /// Sequences (not identity ones).
    Sequences,
    /// Indexes.
    Indexes,
    /// Triggers.
    Triggers,
    /// Functions and procedures.
    Functions,
    /// Rewrite rules.
    Rules,
    /// Schemas.
    Schemas,
    /// Materialized views.
    MaterializedViews,
    /// Enum, composite and range types.
    Types,
    /// Domains.
    Domains,
    /// Extensions.
    Extensions,
    /// Row-level security policies.
    Policies,
    /// Privileges granted to roles other than the owner, and default
    /// privileges.
    Privileges,
    /// Comments on objects.
    Comments,
    /// Collations.
    Collations,
    /// Extended statistics objects (`CREATE STATISTICS`).
    Statistics,
    /// Event triggers.
    EventTriggers,
    /// Foreign-data wrappers.
    ForeignDataWrappers,
    /// Foreign servers.
    ForeignServers,
    /// User mappings (secret option values are never read as such).
    UserMappings,
    /// Publications (logical replication).
    Publications,
    /// Subscriptions (logical replication; the connection string's
    /// password is never read as such).
    Subscriptions,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 25] = [
        Kind::Schemas,
        Kind::Extensions,
        Kind::Collations,
        Kind::Types,
        Kind::Domains,
        Kind::Tables,
        Kind::Columns,
        Kind::Constraints,
        Kind::Indexes,
        Kind::Statistics,
        Kind::Views,
        Kind::MaterializedViews,
        Kind::Sequences,
        Kind::Functions,
        Kind::Triggers,
        Kind::Rules,
        Kind::Policies,
        Kind::EventTriggers,
        Kind::ForeignDataWrappers,
        Kind::ForeignServers,
        Kind::UserMappings,
        Kind::Publications,
        Kind::Subscriptions,
        Kind::Privileges,
        Kind::Comments,
    ];

    /// The kinds a snapshot file of pum's first format holds when it does
    /// not say (written before the others were read).
    pub const FIRST: [Kind; 17] = [
        Kind::Schemas,
        Kind::Extensions,
        Kind::Types,
        Kind::Domains,
        Kind::Tables,
        Kind::Columns,
        Kind::Constraints,
        Kind::Indexes,
        Kind::Views,
        Kind::MaterializedViews,
        Kind::Sequences,
        Kind::Functions,
        Kind::Triggers,
        Kind::Rules,
        Kind::Policies,
        Kind::Privileges,
        Kind::Comments,
    ];

    /// The `-i` name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tables => "tables",
            Kind::Columns => "columns",
            Kind::Constraints => "constraints",
            Kind::Views => "views",
            Kind::Sequences => "sequences",
            Kind::Indexes => "indexes",
            Kind::Triggers => "triggers",
            Kind::Functions => "functions",
            Kind::Rules => "rules",
            Kind::Schemas => "schemas",
            Kind::MaterializedViews => "materialized_views",
            Kind::Types => "types",
            Kind::Domains => "domains",
            Kind::Extensions => "extensions",
            Kind::Policies => "policies",
            Kind::Privileges => "privileges",
            Kind::Comments => "comments",
            Kind::Collations => "collations",
            Kind::Statistics => "statistics",
            Kind::EventTriggers => "event_triggers",
            Kind::ForeignDataWrappers => "foreign_data_wrappers",
            Kind::ForeignServers => "foreign_servers",
            Kind::UserMappings => "user_mappings",
            Kind::Publications => "publications",
            Kind::Subscriptions => "subscriptions",
        }
    }

    /// True for kinds whose objects are not in a schema (and whose
    /// identity, for privileges and comments, names the schema itself).
    fn schema_in_name(self) -> bool {
        matches!(
            self,
            Kind::Schemas
                | Kind::Privileges
                | Kind::Comments
                | Kind::EventTriggers
                | Kind::ForeignDataWrappers
                | Kind::ForeignServers
                | Kind::UserMappings
                | Kind::Publications
                | Kind::Subscriptions
        )
    }

    /// The query of this kind for a server of `server_version_num`: the
    /// one in `sql/<kind>.sql`, or, on an older server whose catalog lacks
    /// something it reads, its variant in [`OLDER_QUERIES`].
    fn query(self, server_version_num: i32) -> &'static str {
        OLDER_QUERIES
            .iter()
            .find(|(kind, below, _)| *kind == self && server_version_num < *below)
            .map(|(_, _, q)| *q)
            .unwrap_or_else(|| self.current_query())
    }

    fn current_query(self) -> &'static str {
        match self {
            Kind::Tables => include_str!("sql/tables.sql"),
            Kind::Columns => include_str!("sql/columns.sql"),
            Kind::Constraints => include_str!("sql/constraints.sql"),
            Kind::Views => include_str!("sql/views.sql"),
            Kind::Sequences => include_str!("sql/sequences.sql"),
            Kind::Indexes => include_str!("sql/indexes.sql"),
            Kind::Triggers => include_str!("sql/triggers.sql"),
            Kind::Functions => include_str!("sql/functions.sql"),
            Kind::Rules => include_str!("sql/rules.sql"),
            Kind::Schemas => include_str!("sql/schemas.sql"),
            Kind::MaterializedViews => include_str!("sql/materialized_views.sql"),
            Kind::Types => include_str!("sql/types.sql"),
            Kind::Domains => include_str!("sql/domains.sql"),
            Kind::Extensions => include_str!("sql/extensions.sql"),
            Kind::Policies => include_str!("sql/policies.sql"),
            Kind::Privileges => include_str!("sql/privileges.sql"),
            Kind::Comments => include_str!("sql/comments.sql"),
            Kind::Collations => include_str!("sql/collations.sql"),
            Kind::Statistics => include_str!("sql/statistics.sql"),
            Kind::EventTriggers => include_str!("sql/event_triggers.sql"),
            Kind::ForeignDataWrappers => include_str!("sql/foreign_data_wrappers.sql"),
            Kind::ForeignServers => include_str!("sql/foreign_servers.sql"),
            Kind::UserMappings => include_str!("sql/user_mappings.sql"),
            Kind::Publications => include_str!("sql/publications.sql"),
            Kind::Subscriptions => include_str!("sql/subscriptions.sql"),
        }
    }
}

/// The connection strings of subscriptions, read into the subscriptions'
/// objects when the role may read them.
const SUBSCRIPTION_CONNECTIONS: &str = include_str!("sql/subscription_connections.sql");

/// The same for PostgreSQL 13, where `subsynccommit` is not readable by
/// everyone either.
const SUBSCRIPTION_CONNECTIONS_BEFORE14: &str =
    include_str!("sql/subscription_connections.before14.sql");

fn subscription_connections(server_version_num: i32) -> &'static str {
    if server_version_num < 140000 {
        SUBSCRIPTION_CONNECTIONS_BEFORE14
    } else {
        SUBSCRIPTION_CONNECTIONS
    }
}

/// What the `conninfo` of a subscription says when the role may not read it.
pub const CONNINFO_NOT_READABLE: &str = "(not readable by this role)";

/// Variants of the queries for older servers, the one place where the
/// catalog's differences between major versions are handled: `(kind,
/// servers below this server_version_num, query)`. The first match wins, so
/// for one kind list the oldest servers first. Each variant is a whole
/// query, `sql/<kind>.before<major>.sql`, tested on the majors it serves.
const OLDER_QUERIES: &[(Kind, i32, &str)] = &[
    // pg_proc.prosqlbody (SQL-standard function bodies) is new in 14.
    (
        Kind::Functions,
        140000,
        include_str!("sql/functions.before14.sql"),
    ),
    // pg_attribute.attcompression is new in 14.
    (
        Kind::Columns,
        140000,
        include_str!("sql/columns.before14.sql"),
    ),
    // pg_collation: colliculocale is new in 15, collicurules in 16, and
    // colliculocale is colllocale from 17.
    (
        Kind::Collations,
        150000,
        include_str!("sql/collations.before15.sql"),
    ),
    (
        Kind::Collations,
        160000,
        include_str!("sql/collations.before16.sql"),
    ),
    (
        Kind::Collations,
        170000,
        include_str!("sql/collations.before17.sql"),
    ),
    // Row filters, column lists and schemas of publications are new in
    // 15, pg_publication.pubgencols in 18.
    (
        Kind::Publications,
        150000,
        include_str!("sql/publications.before15.sql"),
    ),
    (
        Kind::Publications,
        180000,
        include_str!("sql/publications.before18.sql"),
    ),
    // Subscription options, by the major that added them.
    (
        Kind::Subscriptions,
        140000,
        include_str!("sql/subscriptions.before14.sql"),
    ),
    (
        Kind::Subscriptions,
        150000,
        include_str!("sql/subscriptions.before15.sql"),
    ),
    (
        Kind::Subscriptions,
        160000,
        include_str!("sql/subscriptions.before16.sql"),
    ),
    (
        Kind::Subscriptions,
        170000,
        include_str!("sql/subscriptions.before17.sql"),
    ),
];

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Kind> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        let wanted = match wanted.as_str() {
            "matviews" | "materialized_view" => "materialized_views",
            "index" => "indexes",
            other => other,
        };
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                Error::invalid(format!(
                    "unknown element '{s}'; expected one of: {}",
                    names.join(", ")
                ))
            })
    }
}

/// One object of a schema.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Object {
    /// What it is.
    pub kind: Kind,
    /// The schema it lives in (for schemas: itself).
    pub schema: String,
    /// Its identity inside the schema.
    pub name: String,
    /// Its attributes; absent ones are not set (SQL NULL).
    pub attrs: Attrs,
}

impl Object {
    /// The name to show: `schema.name`, or just the name for schemas and
    /// for objects whose identity already carries the schema.
    pub fn display_name(&self) -> String {
        if self.kind.schema_in_name() || self.schema.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.schema, self.name)
        }
    }
}

/// The version of the snapshot file format.
pub const FORMAT: u32 = 1;

/// All objects of one database, sorted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// File format version ([`FORMAT`]).
    pub format: u32,
    /// The server's version (`server_version`), for the record.
    pub server_version: String,
    /// The kinds read (a kind not read is not compared). Files of the
    /// first format written before this was recorded hold [`Kind::FIRST`].
    #[serde(default = "first_kinds")]
    pub kinds: Vec<Kind>,
    /// The objects, sorted by kind, schema and name.
    pub objects: Vec<Object>,
}

fn first_kinds() -> Vec<Kind> {
    Kind::FIRST.to_vec()
}

/// Sorts objects by identity (kind, schema, name), the order the comparison
/// relies on; attributes only break ties between duplicates.
pub fn sort_objects(objects: &mut [Object]) {
    objects.sort_unstable_by(|x, y| {
        (x.kind, &x.schema, &x.name)
            .cmp(&(y.kind, &y.schema, &y.name))
            .then_with(|| x.attrs.cmp(&y.attrs))
    });
}

/// Reads a snapshot of every kind from a connection.
pub fn snapshot(conn: &mut Conn) -> Result<Snapshot> {
    snapshot_kinds(conn, &Kind::ALL)
}

/// Rows fetched from the cursor at a time.
const BATCH: usize = 5000;

/// Reads a snapshot of some kinds only.
pub fn snapshot_kinds(conn: &mut Conn, kinds: &[Kind]) -> Result<Snapshot> {
    // One consistent view of the catalog, names always schema-qualified.
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    let result = (|| {
        // Names schema-qualified; work_mem for the window function over
        // all columns, which sorts; and plans for fetching every row, not
        // the first ones.
        let version = conn
            .execute(
                "SELECT pg_catalog.set_config('search_path', '', true), \
                        pg_catalog.set_config('work_mem', '64MB', true), \
                        pg_catalog.set_config('cursor_tuple_fraction', '1', true); \
                 SELECT pg_catalog.current_setting('server_version')",
            )?
            .scalar()
            .unwrap_or_default()
            .to_string();
        let server = conn.server_version();
        let mut objects = Vec::new();
        for &kind in kinds {
            let read = |conn: &mut Conn, query: &str, objects: &mut Vec<Object>| {
                read_query(conn, kind, query, objects).map_err(|e| {
                    Error::invalid(format!("reading {kind} from the catalog failed: {e}"))
                })
            };
            if kind != Kind::Subscriptions {
                read(conn, kind.query(server), &mut objects)?;
                continue;
            }
            let mut subs = Vec::new();
            read(conn, kind.query(server), &mut subs)?;
            let readable = conn
                .query(
                    "SELECT pg_catalog.has_column_privilege('pg_catalog.pg_subscription', \
                     'subconninfo', 'SELECT')::text",
                    &[],
                )?
                .scalar()
                == Some("true");
            let mut connections = Vec::new();
            if readable && !subs.is_empty() {
                read(conn, subscription_connections(server), &mut connections)?;
            }
            let not_readable: Attrs = [("conninfo", CONNINFO_NOT_READABLE)].into_iter().collect();
            for mut sub in subs {
                let extra = match connections.iter().find(|c| c.name == sub.name) {
                    Some(c) => Some(&c.attrs),
                    None if !readable => Some(&not_readable),
                    None => None,
                };
                if let Some(extra) = extra {
                    sub.attrs = sub.attrs.merged(extra);
                }
                objects.push(sub);
            }
        }
        sort_objects(&mut objects);
        Ok(Snapshot {
            format: FORMAT,
            server_version: version,
            kinds: kinds.to_vec(),
            objects,
        })
    })();
    let _ = conn.execute("COMMIT");
    result
}

/// Runs one catalog query through a cursor and appends its objects. The
/// cursor is declared and first fetched in one round trip (most kinds have
/// fewer rows than a batch), and closed by the transaction's end.
fn read_query(
    conn: &mut Conn,
    kind: Kind,
    query: &str,
    objects: &mut Vec<Object>,
) -> std::result::Result<(), crate::pg::DbError> {
    static CURSORS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let cursor = format!(
        "pum_catalog_{}",
        CURSORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let fetch = format!("FETCH FORWARD {BATCH} FROM {cursor}");
    let mut rows = conn.execute(&format!(
        "DECLARE {cursor} NO SCROLL CURSOR FOR {}; {fetch}",
        query.trim_end().trim_end_matches(';')
    ))?;
    let layout = Layout::new(&rows.columns[2..]);
    loop {
        let n = rows.rows.len();
        objects.reserve(n);
        for row in rows.rows {
            let mut it = row.into_iter();
            let schema = it.next().flatten().unwrap_or_default();
            let name = it.next().flatten().unwrap_or_default();
            let values: Vec<Option<String>> = it.collect();
            let attrs = layout.build(values.iter().map(|v| v.as_deref()));
            objects.push(Object {
                kind,
                schema,
                name,
                attrs,
            });
        }
        if n < BATCH {
            return Ok(());
        }
        rows = conn.query(&fetch, &[])?;
    }
}

impl Snapshot {
    /// Reads a snapshot file written by `pum snapshot`.
    pub fn load(path: &std::path::Path) -> Result<Snapshot> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Snapshot::from_json(&text, path)
    }

    /// Parses the content of a snapshot file (`path` is only used in
    /// messages); what [`Snapshot::load`] does after reading the file.
    #[doc(hidden)]
    pub fn from_json(text: &[u8], path: &std::path::Path) -> Result<Snapshot> {
        let mut snap: Snapshot = serde_json::from_slice(text).map_err(|e| {
            Error::invalid(format!(
                "{}: not a pum schema snapshot ({e}); write one with `pum snapshot -p SERVICE -o FILE`",
                path.display()
            ))
        })?;
        // The comparison walks both sides in identity order.
        sort_objects(&mut snap.objects);
        if snap.format != FORMAT {
            return Err(Error::invalid(format!(
                "{}: snapshot format {} is not supported (this pum reads format {FORMAT})",
                path.display(),
                snap.format
            )));
        }
        Ok(snap)
    }
}

/// One side of a comparison: a live database or a snapshot file.
#[derive(Debug, Clone)]
pub enum Source {
    /// A database to read now.
    Database(ConnTarget),
    /// A file written by `pum snapshot`.
    File(PathBuf),
}

impl Source {
    /// A value ending in `.json` that names an existing file is a snapshot
    /// file; anything else is a connection (service, string or URI).
    pub fn parse(input: &str) -> Result<Source> {
        let path = Path::new(input);
        if input.ends_with(".json") && path.is_file() {
            return Ok(Source::File(path.to_path_buf()));
        }
        if input.ends_with(".json") && !input.contains('=') {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "snapshot file not found"),
            ));
        }
        Ok(Source::Database(ConnTarget::parse(input)?))
    }

    /// What to call it in messages (no password).
    pub fn display(&self) -> String {
        match self {
            Source::Database(t) => t.display().to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// Reads the snapshot (from a live database: only the given kinds).
    pub fn read(&self, kinds: &[Kind]) -> Result<Snapshot> {
        match self {
            Source::Database(t) => {
                let mut conn = Conn::connect(t, "pum check")?;
                // A signal cancels the catalog queries too.
                let _watch = crate::interrupt::watch_conn(&conn);
                crate::interrupt::check()?;
                snapshot_kinds(&mut conn, kinds)
            }
            Source::File(p) => Snapshot::load(p),
        }
    }
}

/// Reads two sides at the same time (two connections, two threads); live
/// databases are asked only for `kinds`.
pub fn read_pair(a: &Source, b: &Source, kinds: &[Kind]) -> (Result<Snapshot>, Result<Snapshot>) {
    std::thread::scope(|scope| {
        let hb = scope.spawn(|| b.read(kinds));
        let ra = a.read(kinds);
        let rb = hb
            .join()
            .unwrap_or_else(|_| Err(Error::invalid("reading the second database panicked")));
        (ra, rb)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(k.name().parse::<Kind>().unwrap(), k);
        }
        assert_eq!("matviews".parse::<Kind>().unwrap(), Kind::MaterializedViews);
        let e = "tablez".parse::<Kind>().unwrap_err().to_string();
        assert!(e.contains("tablez") && e.contains("columns"), "{e}");
    }

    #[test]
    fn older_servers_get_their_variant() {
        let current = Kind::Functions.query(180000);
        assert!(current.contains("p.prosqlbody"));
        assert_eq!(Kind::Functions.query(140000), current);
        let older = Kind::Functions.query(130023);
        assert!(!older.contains("p.prosqlbody"), "{older}");
        assert_eq!(Kind::Tables.query(130000), Kind::Tables.query(180000));
        for (_, below, _) in OLDER_QUERIES {
            assert!(*below > 130000 && below % 10000 == 0, "{below}");
        }
    }

    #[test]
    fn each_major_gets_the_variant_written_for_it() {
        let q = |kind: Kind, v: i32| kind.query(v);
        let coll = |n: &str| -> &'static str {
            match n {
                "13" => include_str!("sql/collations.before15.sql"),
                "15" => include_str!("sql/collations.before16.sql"),
                "16" => include_str!("sql/collations.before17.sql"),
                _ => include_str!("sql/collations.sql"),
            }
        };
        assert_eq!(q(Kind::Collations, 130023), coll("13"));
        assert_eq!(q(Kind::Collations, 140000), coll("13"));
        assert_eq!(q(Kind::Collations, 150004), coll("15"));
        assert_eq!(q(Kind::Collations, 160000), coll("16"));
        assert_eq!(q(Kind::Collations, 170000), coll("17"));
        assert!(!q(Kind::Publications, 140000).contains("pr.prqual"));
        assert!(q(Kind::Publications, 170000).contains("pr.prqual"));
        assert!(!q(Kind::Publications, 170000).contains("p.pubgencols"));
        assert!(q(Kind::Publications, 180000).contains("p.pubgencols"));
        assert!(!q(Kind::Subscriptions, 130000).contains("s.subbinary"));
        assert!(q(Kind::Subscriptions, 140000).contains("s.subbinary"));
        assert!(!q(Kind::Subscriptions, 160000).contains("s.subfailover"));
        assert!(q(Kind::Subscriptions, 170000).contains("s.subfailover"));
        assert!(!q(Kind::Columns, 130000).contains("a.attcompression"));
        assert!(q(Kind::Columns, 140000).contains("a.attcompression"));
        // No query reads the connection string (superusers only) but the
        // one read apart.
        for k in Kind::ALL {
            assert!(!q(k, 999999).contains("s.subconninfo"), "{k}");
        }
        assert!(subscription_connections(130000).contains("s.subconninfo"));
        assert!(subscription_connections(130000).contains("s.subsynccommit"));
        assert!(subscription_connections(140000).contains("s.subconninfo"));
        assert!(!q(Kind::Subscriptions, 130000).contains("s.subsynccommit"));
    }

    #[test]
    fn every_query_returns_schema_and_name_first() {
        // The oldest supported server, the newest, and just below each variant's limit.
        let mut versions = vec![130000, 999999];
        versions.extend(OLDER_QUERIES.iter().map(|(_, below, _)| below - 1));
        for (k, v) in Kind::ALL
            .into_iter()
            .flat_map(|k| versions.iter().map(move |&v| (k, v)))
        {
            let q = k.query(v);
            let select = q.find("SELECT").unwrap();
            let body = &q[select..];
            assert!(
                body.contains(" AS schema") || body.starts_with("SELECT acl.schema"),
                "{k}"
            );
        }
    }
}
