//! The deployments table (`tbl_deployments`) on a real PostgreSQL: pum's
//! SQL, and tables written the way the original tool writes them.

mod common;

use common::Db;
use pum_core::delta::checksum;
use pum_core::deployment::{self, DeploymentsTable, Kind, NewDeploymentRow, Status};

/// The original tool's DDL, exactly.
const ORIGINAL_DDL: &str = "CREATE TABLE tbl_deployments (\
    file_name text PRIMARY KEY, \
    manual_deployment boolean NOT NULL DEFAULT false, \
    date_applied timestamp NOT NULL DEFAULT now())";

/// Rows as the original tool inserts them.
fn original_rows(db: &Db) {
    db.exec("INSERT INTO tbl_deployments (file_name) VALUES ('00000-add-new-table.sql')");
    db.exec("INSERT INTO tbl_deployments (file_name) VALUES ('00001-add-column.sql')");
    db.exec(
        "INSERT INTO tbl_deployments (file_name, manual_deployment) \
         VALUES ('00000-fix-data.sql', true)",
    );
}

/// The columns of a table: name, type, nullability, default.
fn columns(db: &Db, table: &str) -> Vec<String> {
    db.rows(&format!(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull, \
                coalesce(pg_get_expr(adbin, adrelid), '') \
         FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum \
         WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped \
         ORDER BY attnum"
    ))
}

#[test]
fn create_on_a_fresh_database_is_the_original_table() {
    let db = Db::new("dh_create");
    let t = DeploymentsTable::default();
    let mut conn = db.conn();
    assert!(!t.exists(&mut conn).unwrap());
    // No table: no deployment yet, and reading does not create it.
    assert!(t.read(&mut conn).unwrap().is_empty());
    assert!(!t.exists(&mut conn).unwrap());
    t.create(&mut conn).unwrap();
    t.create(&mut conn).unwrap(); // IF NOT EXISTS
    assert!(t.exists(&mut conn).unwrap());
    assert!(!t.has_checksum_column(&mut conn).unwrap());

    // Same columns and key as the original DDL.
    db.exec("CREATE SCHEMA orig");
    db.exec(&ORIGINAL_DDL.replace("tbl_deployments", "orig.tbl_deployments"));
    assert_eq!(
        columns(&db, "tbl_deployments"),
        columns(&db, "orig.tbl_deployments")
    );
    assert_eq!(
        columns(&db, "tbl_deployments"),
        [
            "file_name|text|t|",
            "manual_deployment|boolean|t|false",
            "date_applied|timestamp without time zone|t|now()",
        ]
    );
    assert_eq!(
        db.scalar(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'tbl_deployments'::regclass AND contype = 'p'"
        ),
        "PRIMARY KEY (file_name)"
    );
}

#[test]
fn rows_written_by_the_original_tool_read_without_checksum() {
    let db = Db::new("dh_read_original");
    db.exec(ORIGINAL_DDL);
    original_rows(&db);
    let t = DeploymentsTable::default();
    let rows = t.read(&mut db.conn()).unwrap();
    let got: Vec<(&str, bool, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r.file_name.as_str(),
                r.manual_deployment,
                r.checksum.as_deref(),
            )
        })
        .collect();
    // Same date_applied within one test: file names break the tie.
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ("00000-add-new-table.sql", false, None),
            ("00000-fix-data.sql", true, None),
            ("00001-add-column.sql", false, None),
        ]
    );
    assert!(rows.iter().all(|r| r.date_applied.len() >= 19));
    // Reading never altered the table.
    assert_eq!(columns(&db, "tbl_deployments").len(), 3);
}

#[test]
fn checksum_column_on_the_original_table() {
    let db = Db::new("dh_checksum");
    db.exec(ORIGINAL_DDL);
    original_rows(&db);
    let t = DeploymentsTable::default();
    let mut conn = db.conn();
    t.prepare_for_writing(&mut conn).unwrap();
    t.prepare_for_writing(&mut conn).unwrap(); // once is enough
    assert!(t.has_checksum_column(&mut conn).unwrap());
    assert_eq!(
        columns(&db, "tbl_deployments")[3],
        "checksum|text|f|",
        "nullable, no default"
    );

    let sum = checksum(b"ALTER TABLE a ADD COLUMN b int;\n");
    t.insert(
        &mut conn,
        &NewDeploymentRow {
            file_name: "00002-add-b.sql",
            manual: false,
            checksum: &sum,
        },
    )
    .unwrap();
    // The original tool keeps inserting as before, after pum's column.
    original_rows_after(&db);

    let rows = t.read(&mut conn).unwrap();
    let sum_of = |name: &str| {
        rows.iter()
            .find(|r| r.file_name == name)
            .unwrap()
            .checksum
            .clone()
    };
    assert_eq!(sum_of("00002-add-b.sql"), Some(sum.clone()));
    assert_eq!(sum_of("00000-add-new-table.sql"), None);
    assert_eq!(sum_of("00003-by-the-original.sql"), None);
    assert_eq!(sum_of("00001-manual-by-the-original.sql"), None);

    // Adopting the current file for a row without a checksum, once.
    assert!(t
        .record_checksum(&mut conn, "00000-add-new-table.sql", &sum)
        .unwrap());
    assert!(!t
        .record_checksum(&mut conn, "00000-add-new-table.sql", "other")
        .unwrap());
    assert!(!t
        .record_checksum(&mut conn, "00002-add-b.sql", "x")
        .unwrap());
    assert_eq!(
        db.scalar(
            "SELECT checksum FROM tbl_deployments WHERE file_name = '00000-add-new-table.sql'"
        ),
        sum
    );
}

fn original_rows_after(db: &Db) {
    db.exec("INSERT INTO tbl_deployments (file_name) VALUES ('00003-by-the-original.sql')");
    db.exec(
        "INSERT INTO tbl_deployments (file_name, manual_deployment) \
         VALUES ('00001-manual-by-the-original.sql', true)",
    );
}

#[test]
fn insert_binds_its_values() {
    let db = Db::new("dh_insert");
    let t = DeploymentsTable::default();
    let mut conn = db.conn();
    t.prepare_for_writing(&mut conn).unwrap();
    let nasty = "00000-it's-a-\"name\"-$1-;DROP-TABLE-x.sql";
    t.insert(
        &mut conn,
        &NewDeploymentRow {
            file_name: nasty,
            manual: true,
            checksum: "0123",
        },
    )
    .unwrap();
    assert_eq!(
        db.rows("SELECT file_name, manual_deployment, checksum, date_applied <= now() FROM tbl_deployments"),
        [format!("{nasty}|t|0123|t")]
    );
    // The primary key still holds.
    let again = t.insert(
        &mut conn,
        &NewDeploymentRow {
            file_name: nasty,
            manual: false,
            checksum: "",
        },
    );
    assert_eq!(again.unwrap_err().code, "23505");
}

#[test]
fn schema_qualified_table() {
    let db = Db::new("dh_qualified");
    let t = DeploymentsTable::parse("Ops.\"Deploy Log\"").unwrap();
    let mut conn = db.conn();
    let e = t.create(&mut conn).unwrap_err().to_string();
    assert!(e.contains("Ops") && e.contains("does not exist"), "{e}");
    db.exec("CREATE SCHEMA \"Ops\"");
    t.prepare_for_writing(&mut conn).unwrap();
    assert!(t.exists(&mut conn).unwrap());
    // Not on the search path: the default name does not see it.
    assert!(!DeploymentsTable::default().exists(&mut conn).unwrap());
    t.insert(
        &mut conn,
        &NewDeploymentRow {
            file_name: "00000-a.sql",
            manual: false,
            checksum: "abc",
        },
    )
    .unwrap();
    let rows = t.read(&mut conn).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].checksum.as_deref(), Some("abc"));
    assert_eq!(
        db.scalar("SELECT count(*) FROM \"Ops\".\"Deploy Log\""),
        "1"
    );
}

#[test]
fn plan_against_a_table_the_original_tool_wrote() {
    let db = Db::new("dh_plan");
    db.exec(ORIGINAL_DDL);
    original_rows(&db);
    let dir = db.path().join("deployment");
    db.write("deployment/00000-add-new-table.sql", "CREATE TABLE t();\n");
    db.write(
        "deployment/00001-add-column.sql",
        "ALTER TABLE t ADD a int;\n",
    );
    db.write("deployment/00002-add-b.sql", "ALTER TABLE t ADD b int;\n");
    let t = DeploymentsTable::default();
    let mut conn = db.conn();
    let found = deployment::discover(&dir, Kind::Regular).unwrap();
    let rows = t.read(&mut conn).unwrap();
    let p = deployment::plan(&found, &rows, |d, r| {
        deployment::changed_since(d, r).unwrap()
    });
    let statuses: Vec<Status> = p.items.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        [Status::Applied, Status::Applied, Status::Pending]
    );

    // pum runs the pending file and records it with its checksum; then the
    // file changes.
    t.prepare_for_writing(&mut conn).unwrap();
    let file = &found.files[2];
    let sum = checksum(&std::fs::read(&file.path).unwrap());
    t.insert(
        &mut conn,
        &NewDeploymentRow {
            file_name: &file.file_name,
            manual: false,
            checksum: &sum,
        },
    )
    .unwrap();
    db.write(
        "deployment/00002-add-b.sql",
        "ALTER TABLE t ADD b bigint;\n",
    );
    let rows = t.read(&mut conn).unwrap();
    let p = deployment::plan(&found, &rows, |d, r| {
        deployment::changed_since(d, r).unwrap()
    });
    let statuses: Vec<Status> = p.items.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        [Status::Applied, Status::Applied, Status::Modified]
    );
    assert_eq!(p.to_run().count(), 0);
}

/// The example in `examples/creation-tree` runs as the sources order it:
/// the creation tree, the deployments, the manual one; then nothing is
/// pending.
#[test]
fn the_example_runs_in_order() {
    let db = Db::new("dh_example");
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/creation-tree");
    let tree = pum_core::tree::discover(&example.join("create")).unwrap();
    assert!(tree.findings.is_empty(), "{:?}", tree.findings);
    let order: Vec<String> = tree
        .files
        .iter()
        .map(|f| format!("{}/{}", f.subdir, f.file_name))
        .collect();
    assert_eq!(
        order,
        [
            "1-tables/1_schema.sql",
            "1-tables/2_material.sql",
            "1-tables/3_node.sql",
            "1-tables/10_pipe.sql",
            "2-indexes/pipe_nodes.sql",
            "3-functions/pipe_length.sql",
            "10-seed/materials.sql",
            "10-seed/nodes.sql",
            "10-seed/pipes.sql",
        ]
    );
    for f in &tree.files {
        db.exec(&std::fs::read_to_string(&f.path).unwrap());
    }
    let report = deployment::check(
        &example.join("deployment"),
        Some(&example.join("manual-deployment")),
    )
    .unwrap();
    assert!(report.all_findings().next().is_none());
    let t = DeploymentsTable::default();
    let mut conn = db.conn();
    t.prepare_for_writing(&mut conn).unwrap();
    let manual = report.manual.as_ref().unwrap();
    for found in [&report.regular, manual] {
        let p = deployment::plan(found, &t.read(&mut conn).unwrap(), |_, _| false);
        for d in p.to_run() {
            let bytes = std::fs::read(&d.path).unwrap();
            db.exec(std::str::from_utf8(&bytes).unwrap());
            t.insert(
                &mut conn,
                &NewDeploymentRow {
                    file_name: &d.file_name,
                    manual: d.kind == Kind::Manual,
                    checksum: &checksum(&bytes),
                },
            )
            .unwrap();
        }
    }
    assert_eq!(db.scalar("SELECT count(*) FROM water.pipe"), "2");
    assert_eq!(db.scalar("SELECT round(water.pipe_length(1))"), "50");
    assert_eq!(db.scalar("SELECT count(*) FROM tbl_deployments"), "4");
    let rows = t.read(&mut conn).unwrap();
    for found in [&report.regular, manual] {
        let p = deployment::plan(found, &rows, |d, r| {
            deployment::changed_since(d, r).unwrap()
        });
        assert!(p.items.iter().all(|i| i.status == Status::Applied));
        assert!(p.findings.is_empty(), "{:?}", p.findings);
    }
}
