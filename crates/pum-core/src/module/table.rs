//! `<migration_table_schema>.pum_migrations`, pum 1.x's history table
//! (`schema_migrations.py`): one row per version, written in the
//! transaction of that version's changelog files.
//!
//! Table versions:
//!
//! | version | what changed |
//! |---|---|
//! | 1 | `module` nullable, `migration_table_version` text (`2025.0`) |
//! | 2 | `migration_table_version` integer, `module` NOT NULL |
//! | 3 | `pum_version`, the pum that wrote the row |
//!
//! Every version is read. Before the first row is written into an older
//! table, it is brought to version 3 in the same transaction, as pum 1.x
//! intends (pum 1.9.2's own step from version 1 is broken SQL; here it
//! works: the old text values become 1 and rows without module get the
//! module's name).
//!
//! The current version is the highest row version compared as PEP 440
//! (pum 1.x compares the text, so it takes 1.9.0 for newer than 1.10.0).

use serde_json::Value;

use super::pep440::Pep440;
use super::session::Session;
use crate::apply::runner::{Elapsed, History, Record};
use crate::error::{Error, Result};
use crate::pg::{quote_ident, Conn};

/// The table's name.
pub const TABLE_NAME: &str = "pum_migrations";

/// The table version pum writes.
pub const TABLE_VERSION: i32 = 3;

/// The pum 1.x release whose module format this pum implements.
pub const PUM1_LEVEL: &str = "1.9.2";

/// What `pum_version` records: the pum 1.x level, with this pum's own
/// version as a PEP 440 local label (`1.9.2+pumrs.0.1.0`), so pum 1.x
/// reads it as 1.9.2 and a person sees which tool wrote the row.
pub fn pum_version() -> String {
    let ours: String = env!("CARGO_PKG_VERSION")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!("{PUM1_LEVEL}+pumrs.{ours}")
}

/// A row of `pum_migrations`, of any table version.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationRow {
    /// `id` (a uuid).
    pub id: String,
    /// `date_installed`, as the server writes it.
    pub date_installed: String,
    /// `module` (null in version 1 tables).
    pub module: Option<String>,
    /// `version`, as recorded.
    pub version: String,
    /// `beta_testing`.
    pub beta_testing: bool,
    /// `changelog_files`.
    pub changelog_files: Vec<String>,
    /// `parameters`.
    pub parameters: Value,
    /// `migration_table_version` (text in version 1 tables).
    pub migration_table_version: String,
    /// `pum_version` (absent before table version 3).
    pub pum_version: Option<String>,
}

impl MigrationRow {
    /// The version read as PEP 440.
    pub fn parsed_version(&self) -> Option<Pep440> {
        Pep440::parse(&self.version).ok()
    }
}

/// The table of one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationsTable {
    schema: String,
}

impl MigrationsTable {
    /// The table in `schema`.
    pub fn new(schema: &str) -> MigrationsTable {
        MigrationsTable {
            schema: schema.to_string(),
        }
    }

    /// `schema.pum_migrations`, as messages write it.
    pub fn name(&self) -> String {
        format!("{}.{TABLE_NAME}", self.schema)
    }

    /// Its schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The quoted SQL name.
    pub fn sql(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(TABLE_NAME))
    }

    /// The key of pum's advisory lock for this module.
    pub fn lock_key(&self) -> String {
        format!("pum_migrations:{}", self.schema)
    }

    /// True when the table exists.
    pub fn exists(&self, conn: &mut Conn) -> Result<bool> {
        Ok(!tables(conn, Some(&self.schema))?.is_empty())
    }

    /// The other schemas holding a `pum_migrations` table (other modules).
    pub fn other_schemas(&self, conn: &mut Conn) -> Result<Vec<String>> {
        Ok(tables(conn, None)?
            .into_iter()
            .filter(|s| *s != self.schema)
            .collect())
    }

    /// The table's version, from its columns: 3 with `pum_version`, 2
    /// with an integer `migration_table_version`, else 1.
    pub fn version(&self, conn: &mut Conn) -> Result<i32> {
        let rows = conn.query(
            "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod) \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
            &[Some(&self.schema), Some(TABLE_NAME)],
        )?;
        let col = |name: &str| {
            rows.rows
                .iter()
                .find(|r| r[0].as_deref() == Some(name))
                .and_then(|r| r[1].clone())
        };
        for needed in [
            "id",
            "date_installed",
            "module",
            "version",
            "beta_testing",
            "changelog_files",
            "parameters",
            "migration_table_version",
        ] {
            if col(needed).is_none() {
                return Err(Error::invalid(format!(
                    "{} has no column {needed}: it is not a pum 1.x migrations table",
                    self.name()
                )));
            }
        }
        Ok(if col("pum_version").is_some() {
            3
        } else if col("migration_table_version").as_deref() == Some("integer") {
            2
        } else {
            1
        })
    }

    /// Every row, oldest first.
    pub fn read(&self, conn: &mut Conn) -> Result<Vec<MigrationRow>> {
        // to_jsonb reads every table version alike.
        let sql = format!(
            "SELECT pg_catalog.to_jsonb(t)::text FROM {} t ORDER BY t.date_installed, t.id",
            self.sql()
        );
        let rows = conn.query(&sql, &[])?;
        let bad = || {
            Error::invalid(format!(
                "{} holds a row pum cannot read; is it a pum 1.x migrations table?",
                self.name()
            ))
        };
        rows.rows
            .into_iter()
            .map(|r| {
                let text = r.into_iter().next().flatten().ok_or_else(bad)?;
                let v: Value = serde_json::from_str(&text).map_err(|_| bad())?;
                let s = |k: &str| match &v[k] {
                    Value::String(s) => Some(s.clone()),
                    Value::Null => None,
                    other => Some(other.to_string()),
                };
                Ok(MigrationRow {
                    id: s("id").unwrap_or_default(),
                    date_installed: s("date_installed").unwrap_or_default(),
                    module: s("module"),
                    version: s("version").ok_or_else(bad)?,
                    beta_testing: v["beta_testing"].as_bool().unwrap_or(false),
                    changelog_files: v["changelog_files"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|f| f.as_str().unwrap_or_default().to_string())
                                .collect()
                        })
                        .unwrap_or_default(),
                    parameters: v["parameters"].clone(),
                    migration_table_version: s("migration_table_version").unwrap_or_default(),
                    pum_version: s("pum_version"),
                })
            })
            .collect()
    }

    /// Creates the schema (unless `public`) and the table, version 3, with
    /// pum 1.x's DDL and comment. Runs in the caller's transaction.
    pub fn create<S: Session + ?Sized>(&self, conn: &mut S) -> Result<()> {
        if self.schema != "public" {
            conn.run_sql(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                quote_ident(&self.schema)
            ))?;
        }
        // pum 1.x's DDL, default included (the pum 1.x level; every row
        // pum writes gives its own pum_version), so a module's schema is
        // the same whichever tool installed it. DEFAULT needs a constant:
        // the literal goes through the quoting helper.
        conn.run_sql(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (\n\
             id uuid DEFAULT gen_random_uuid() PRIMARY KEY,\n\
             date_installed timestamp without time zone NOT NULL DEFAULT now(),\n\
             module character varying(50) NOT NULL,\n\
             version character varying(50) NOT NULL,\n\
             beta_testing boolean NOT NULL DEFAULT false,\n\
             changelog_files text[],\n\
             parameters jsonb,\n\
             migration_table_version integer NOT NULL DEFAULT {TABLE_VERSION},\n\
             pum_version character varying(50) NOT NULL DEFAULT {pum}\n)",
            table = self.sql(),
            pum = crate::pg::quote_literal(PUM1_LEVEL),
        ))?;
        self.comment(conn)?;
        conn.discard_notices();
        Ok(())
    }

    fn comment<S: Session + ?Sized>(&self, conn: &mut S) -> Result<()> {
        conn.run_sql(&format!(
            "COMMENT ON TABLE {} IS 'migration_table_version: {TABLE_VERSION}'",
            self.sql()
        ))?;
        Ok(())
    }

    /// Brings a table of version `from` to version 3 (in the caller's
    /// transaction); `module` fills the rows of a version 1 table that
    /// have none.
    pub fn migrate<S: Session + ?Sized>(
        &self,
        conn: &mut S,
        from: i32,
        module: &str,
    ) -> Result<()> {
        let t = self.sql();
        if from < 2 {
            conn.run_sql(&format!(
                "ALTER TABLE {t} ALTER COLUMN migration_table_version DROP DEFAULT"
            ))?;
            conn.run_sql(&format!(
                "ALTER TABLE {t} ALTER COLUMN migration_table_version TYPE integer USING 1"
            ))?;
            conn.run_sql(&format!(
                "ALTER TABLE {t} ALTER COLUMN migration_table_version SET DEFAULT {TABLE_VERSION}"
            ))?;
            conn.run_params(
                &format!("UPDATE {t} SET module = $1 WHERE module IS NULL"),
                &[Some(module)],
            )?;
            conn.run_sql(&format!("ALTER TABLE {t} ALTER COLUMN module SET NOT NULL"))?;
        }
        if from < 3 {
            // pum 1.x leaves the column NULL for the rows before it.
            conn.run_sql(&format!(
                "ALTER TABLE {t} ADD COLUMN IF NOT EXISTS pum_version character varying(50)"
            ))?;
            self.comment(conn)?;
        }
        conn.discard_notices();
        Ok(())
    }

    /// The INSERT of one row; parameters: module, version, beta_testing,
    /// changelog files (a JSON array), parameters (JSON), pum_version.
    pub fn insert_sql(&self) -> String {
        format!(
            "INSERT INTO {} (module, version, beta_testing, migration_table_version, \
             changelog_files, parameters, pum_version) VALUES ($1, $2, $3::boolean, \
             {TABLE_VERSION}, ARRAY(SELECT f FROM pg_catalog.jsonb_array_elements_text($4::jsonb) \
             WITH ORDINALITY AS x(f, n) ORDER BY n), $5::jsonb, $6)",
            self.sql()
        )
    }
}

/// The schemas holding a `pum_migrations` table (only `schema` when given).
fn tables(conn: &mut Conn, schema: Option<&str>) -> Result<Vec<String>> {
    let rows = conn.query(
        "SELECT n.nspname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = $1 AND c.relkind IN ('r', 'p', 'v', 'f') \
           AND ($2::text IS NULL OR n.nspname = $2::text) ORDER BY 1",
        &[Some(TABLE_NAME), schema],
    )?;
    Ok(rows.rows.into_iter().filter_map(|r| r[0].clone()).collect())
}

/// A row to write: the version and its files.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewRow {
    /// The version, as recorded.
    pub version: String,
    /// Its files, as pum 1.x names them.
    pub files: Vec<String>,
}

/// What every row of one run records besides its version.
#[derive(Debug, Clone)]
pub struct RowWriter {
    /// The table.
    pub table: MigrationsTable,
    /// `pum.module`.
    pub module: String,
    /// Every parameter's value.
    pub parameters: Value,
    /// `beta_testing`.
    pub beta_testing: bool,
    /// The rows, indexed by the scripts that end them.
    pub rows: Vec<NewRow>,
}

impl RowWriter {
    /// The statement that writes row `index`.
    pub fn record(&self, index: usize) -> Option<Record> {
        let row = self.rows.get(index)?;
        Some(Record {
            sql: self.table.insert_sql(),
            params: vec![
                Some(self.module.clone()),
                Some(row.version.clone()),
                Some(self.beta_testing.to_string()),
                Some(Value::from(row.files.clone()).to_string()),
                Some(self.parameters.to_string()),
                Some(pum_version()),
            ],
        })
    }
}

/// The row of a version is written by the last script of that version.
impl History<super::ops::Step> for RowWriter {
    fn record(
        &self,
        step: &super::ops::Step,
        _checksum: &str,
        _elapsed: Elapsed,
    ) -> Option<Record> {
        step.row.and_then(|i| RowWriter::record(self, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pum_version_is_the_pum_1_level_with_a_local_label() {
        let v = pum_version();
        let parsed = Pep440::parse(&v).unwrap();
        assert_eq!(parsed.release, [1, 9, 2]);
        assert!(v.starts_with("1.9.2+pumrs."), "{v}");
        assert!(v.len() <= 50);
    }
}
