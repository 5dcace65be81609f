//! The upgrades table: pum 0.x's DDL and row meaning, so a database can move
//! between pum 0.x and this pum in both directions.
//!
//! Also the advisory lock that serialises upgrades of one database.

use std::time::{Duration, Instant};

use crate::apply::runner::{Elapsed, History, Record};
use crate::delta::{type_bits, Delta};
use crate::error::{Error, Result};
use crate::event::{Event, Observer};
use crate::pg::{Conn, DbError, QualifiedName};
use crate::version::Version;

/// The execution time of a row written inside its delta's transaction:
/// milliseconds since the transaction began, computed by the server.
const SERVER_TIMED: &str =
    "(extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::integer";

/// Versioned deltas get a row; pre-all and post-all files do not (as in
/// pum 0.x).
impl History<Delta> for UpgradesTable {
    fn record(&self, d: &Delta, checksum: &str, elapsed: Elapsed) -> Option<Record> {
        let version = d.version?;
        let mut params = vec![
            Some(version.to_string()),
            Some(d.name.clone()),
            Some(d.type_code().to_string()),
            Some(d.script()),
            Some(checksum.to_string()),
        ];
        let time = match elapsed {
            Elapsed::SinceTransactionStart => SERVER_TIMED,
            Elapsed::Millis(ms) => {
                params.push(Some(ms.to_string()));
                "$6::integer"
            }
        };
        Some(Record {
            sql: self.insert_sql(time),
            params,
        })
    }
}

/// A row of the upgrades table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedRow {
    /// Serial id (insertion order).
    pub id: i64,
    /// The version text as stored.
    pub version: String,
    /// The delta's name part, or `baseline`.
    pub description: String,
    /// pum 0.x type bits (0 = baseline).
    #[serde(rename = "type")]
    pub type_code: i32,
    /// The file as given on the command line when it was applied.
    pub script: String,
    /// MD5 hex of the file when it was applied.
    pub checksum: String,
    /// The user who applied it.
    pub installed_by: String,
    /// When (server time, as text).
    pub installed_on: String,
    /// Milliseconds (pum 0.x always wrote 1).
    pub execution_time: i32,
    /// pum 0.x only ever wrote `true`.
    pub success: bool,
}

impl AppliedRow {
    /// The version parsed, if it is of the form X.Y.Z.
    pub fn parsed_version(&self) -> Option<Version> {
        self.version.trim().parse().ok()
    }

    /// True for the baseline row.
    pub fn is_baseline(&self) -> bool {
        self.type_code == type_bits::BASELINE
    }
}

/// A row to add.
#[derive(Debug, Clone)]
pub struct NewRow<'a> {
    /// Version text.
    pub version: &'a str,
    /// Name part.
    pub description: &'a str,
    /// Type bits.
    pub type_code: i32,
    /// The file as given.
    pub script: &'a str,
    /// MD5 hex.
    pub checksum: &'a str,
    /// Milliseconds.
    pub execution_time: i32,
}

/// The upgrades table of one database (`-t schema.table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradesTable {
    name: QualifiedName,
    given: String,
}

/// Seconds to wait for another upgrade by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

impl UpgradesTable {
    /// Parses `schema.table` (pum 0.x requires the schema part).
    pub fn parse(input: &str) -> Result<UpgradesTable> {
        let name = QualifiedName::parse(input)?;
        if name.schema.is_none() {
            return Err(Error::InvalidTable {
                input: input.to_string(),
                reason: "the schema is missing".into(),
            });
        }
        Ok(UpgradesTable {
            name,
            given: input.trim().to_string(),
        })
    }

    /// The name as the user gave it (what Python deltas receive).
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The quoted SQL name.
    pub fn sql(&self) -> String {
        self.name.sql()
    }

    fn schema(&self) -> &str {
        self.name.schema.as_deref().unwrap_or_default()
    }

    /// True when the table exists.
    pub fn exists(&self, conn: &mut Conn) -> Result<bool> {
        let rows = conn.query(
            "SELECT 1 FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'f')",
            &[Some(self.schema()), Some(&self.name.name)],
        )?;
        Ok(!rows.rows.is_empty())
    }

    /// True when the table's schema exists.
    pub fn schema_exists(&self, conn: &mut Conn) -> Result<bool> {
        let rows = conn.query(
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
            &[Some(self.schema())],
        )?;
        Ok(!rows.rows.is_empty())
    }

    /// Creates the table with pum 0.x's DDL if it does not exist.
    pub fn create(&self, conn: &mut Conn) -> Result<()> {
        if !self.schema_exists(conn)? {
            return Err(Error::invalid(format!(
                "the schema \"{}\" of the upgrades table {} does not exist; create it first \
                 (the data model's creation script normally does)",
                self.schema(),
                self.given
            )));
        }
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (\
             id serial NOT NULL, \
             version character varying(50) NOT NULL, \
             description character varying(200) NOT NULL, \
             type integer NOT NULL, \
             script character varying(1000) NOT NULL, \
             checksum character varying(32) NOT NULL, \
             installed_by character varying(100) NOT NULL, \
             installed_on timestamp without time zone NOT NULL DEFAULT now(), \
             execution_time integer NOT NULL, \
             success boolean NOT NULL, \
             PRIMARY KEY (id), \
             EXCLUDE (version WITH =) WHERE (type = 0))",
            self.sql()
        );
        conn.execute(&sql)?;
        // "relation already exists, skipping" is noise here.
        conn.take_notices();
        Ok(())
    }

    /// Reads every row, in id order.
    pub fn read(&self, conn: &mut Conn) -> Result<Vec<AppliedRow>> {
        // Sorted here rather than by the server: in a new session an ORDER BY
        // costs more to plan (operator lookups) than sorting a thousand
        // rows. A timestamp's text output is what `::text` gives.
        let sql = format!(
            "SELECT id, version, description, type, script, checksum, installed_by, \
             installed_on, execution_time, success FROM {}",
            self.sql()
        );
        let rows = conn.query(&sql, &[])?;
        let bad = |what: &str| {
            Error::invalid(format!(
                "the upgrades table {} has an unexpected {what}; is it a pum upgrades table?",
                self.given
            ))
        };
        rows.rows
            .into_iter()
            .map(|mut r| {
                let mut text = |i: usize| r[i].take().unwrap_or_default();
                Ok(AppliedRow {
                    id: text(0).parse().map_err(|_| bad("id"))?,
                    version: text(1),
                    description: text(2),
                    type_code: text(3).parse().map_err(|_| bad("type"))?,
                    script: text(4),
                    checksum: text(5),
                    installed_by: text(6),
                    installed_on: text(7),
                    execution_time: text(8).parse().unwrap_or(0),
                    success: text(9) == "t",
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(|mut rows| {
                rows.sort_by_key(|r| r.id);
                rows
            })
    }

    /// The INSERT of one row; `execution_time` is the SQL of that column's
    /// value. Parameters: version, description, type, script, checksum
    /// (and whatever `execution_time` uses). `installed_by` is the session
    /// user, as pum 0.x records it.
    fn insert_sql(&self, execution_time: &str) -> String {
        format!(
            "INSERT INTO {} (version, description, type, script, checksum, installed_by, \
             execution_time, success) VALUES ($1, $2, $3::integer, $4, $5, session_user, \
             {execution_time}, true)",
            self.sql()
        )
    }

    /// Adds one row. The values are bound parameters.
    pub fn insert(&self, conn: &mut Conn, row: &NewRow<'_>) -> Result<(), DbError> {
        let type_code = row.type_code.to_string();
        let ms = row.execution_time.to_string();
        conn.query(
            &self.insert_sql("$6::integer"),
            &[
                Some(row.version),
                Some(row.description),
                Some(&type_code),
                Some(row.script),
                Some(row.checksum),
                Some(&ms),
            ],
        )?;
        Ok(())
    }

    /// The key of this table's advisory lock (see [`with_lock`]).
    pub fn lock_key(&self) -> String {
        format!("{}.{}", self.schema(), self.name.name)
    }

    /// Runs `body` while holding the advisory lock for this table, waiting
    /// up to `timeout` for another pum to finish. The lock is released on
    /// every path (and by the server if the connection drops).
    pub fn with_lock<T>(
        &self,
        conn: &mut Conn,
        timeout: Duration,
        observer: &mut dyn Observer,
        body: impl FnOnce(&mut Conn, &mut dyn Observer) -> Result<T>,
    ) -> Result<T> {
        with_lock(conn, &self.lock_key(), &self.given, timeout, observer, body)
    }
}

/// Runs `body` while holding pum's advisory lock `key` (one per history
/// table, named `table` in messages), waiting up to `timeout` for another
/// pum to release it. The lock is released on every path (and by the
/// server if the connection drops); a transaction `body` leaves open is
/// rolled back.
pub fn with_lock<T>(
    conn: &mut Conn,
    key: &str,
    table: &str,
    timeout: Duration,
    observer: &mut dyn Observer,
    body: impl FnOnce(&mut Conn, &mut dyn Observer) -> Result<T>,
) -> Result<T> {
    lock(conn, key, table, timeout, observer)?;
    let out = body(conn, observer);
    if conn.in_transaction() {
        let _ = conn.execute("ROLLBACK");
    }
    let unlocked = conn.query(
        "SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtext('pum'), pg_catalog.hashtext($1))",
        &[Some(key)],
    );
    conn.take_notices();
    match (out, unlocked) {
        (Ok(v), Ok(_)) => Ok(v),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

fn lock(
    conn: &mut Conn,
    key: &str,
    table: &str,
    timeout: Duration,
    observer: &mut dyn Observer,
) -> Result<()> {
    let got = conn.query(
        "SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('pum'), pg_catalog.hashtext($1))",
        &[Some(key)],
    )?;
    if got.scalar() == Some("t") {
        return Ok(());
    }
    let holder = lock_holder(conn, key)?;
    observer.event(&Event::LockWaiting {
        table,
        holder: holder.as_deref(),
        timeout,
    });
    let started = Instant::now();
    // lock_timeout covers advisory locks: wait on the server, no polling.
    let ms = timeout.as_millis().clamp(1, i32::MAX as u128).to_string();
    conn.query(
        "SELECT pg_catalog.set_config('lock_timeout', $1, false)",
        &[Some(&ms)],
    )?;
    let res = conn.query(
        "SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtext('pum'), pg_catalog.hashtext($1))",
        &[Some(key)],
    );
    conn.execute("RESET lock_timeout")?;
    match res {
        Ok(_) => Ok(()),
        Err(e) if e.code == "55P03" => Err(Error::LockTimeout {
            table: table.to_string(),
            waited_secs: started.elapsed().as_secs(),
            holder: lock_holder(conn, key)?.or(holder),
        }),
        Err(e) => Err(e.into()),
    }
}

fn lock_holder(conn: &mut Conn, key: &str) -> Result<Option<String>> {
    let rows = conn.query(
        "SELECT a.pid::text, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), \
                coalesce(a.client_addr::text, 'local'), \
                coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), '') \
         FROM pg_catalog.pg_locks l \
         JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 \
           AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) \
           AND l.classid = pg_catalog.hashtext('pum')::oid \
           AND l.objid = pg_catalog.hashtext($1)::oid \
         LIMIT 1",
        &[Some(key)],
    )?;
    Ok(rows.rows.first().map(|r| {
        let v = |i: usize| r[i].clone().unwrap_or_default();
        format!(
            "pid {} (user {}, application '{}', from {}, connected since {})",
            v(0),
            v(1),
            v(2),
            v(3),
            v(4)
        )
    }))
}

impl std::fmt::Display for UpgradesTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_needs_schema() {
        assert!(UpgradesTable::parse("info").is_err());
        let t = UpgradesTable::parse("qwat_sys.info").unwrap();
        assert_eq!(t.sql(), "\"qwat_sys\".\"info\"");
        assert_eq!(t.given(), "qwat_sys.info");
    }
}
