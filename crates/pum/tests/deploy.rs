//! `pum deploy` on a real PostgreSQL: ordinal deployment files checked
//! before anything runs, each run once with its row in `tbl_deployments`,
//! tables the original tool wrote continued, manual deployments,
//! failures, signals and concurrent deploys.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{assert_has, Db, Run};

/// The original tool's DDL, exactly.
const ORIGINAL_DDL: &str = "CREATE TABLE tbl_deployments (\
    file_name text PRIMARY KEY, \
    manual_deployment boolean NOT NULL DEFAULT false, \
    date_applied timestamp NOT NULL DEFAULT now())";

/// A log every deployment here appends its name to.
fn with_log(db: &Db) {
    db.exec("CREATE TABLE log (n serial PRIMARY KEY, file text NOT NULL)");
}

/// A deployment file that appends `name` to the log.
fn logs(name: &str) -> String {
    format!("INSERT INTO log (file) VALUES ('{name}');\n")
}

/// Writes `deployment/<file>` logging its own name, for each file.
fn deployments(db: &Db, dir: &str, files: &[&str]) {
    for f in files {
        db.write(&format!("{dir}/{f}"), &logs(f));
    }
}

/// The files that ran, in order.
fn log(db: &Db) -> Vec<String> {
    db.column("SELECT file FROM log ORDER BY n")
}

/// The rows of `table` as "file_name|manual_deployment", by file name.
fn rows(db: &Db, table: &str) -> Vec<String> {
    db.rows(&format!(
        "SELECT file_name, manual_deployment FROM {table} ORDER BY file_name"
    ))
}

fn table_exists(db: &Db, table: &str) -> bool {
    db.scalar(&format!("SELECT to_regclass('{table}') IS NOT NULL")) == "t"
}

/// `pum deploy -p DB EXTRA...` (the default directory: `deployment`).
fn deploy(db: &Db, extra: &[&str]) -> Run {
    let mut args = vec!["deploy", "-p", db.name.as_str()];
    args.extend_from_slice(extra);
    db.run(&args)
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}:\n{}", run.all()))
}

// 1. Checks before anything runs.

/// A directory breaking every rule: a bad name, a wrong width, a gap
/// (00000, 00001, 00040) and a duplicate ordinal.
fn broken_directory(db: &Db) {
    deployments(
        db,
        "deployment",
        &[
            "00000-a.sql",
            "00001-b.sql",
            "00001-b-again.sql",
            "00040-c.sql",
            "0041-narrow.sql",
            "add-stuff.sql",
        ],
    );
}

/// The violations of [`broken_directory`], each with its fix.
const VIOLATIONS: &[&str] = &[
    "deployment/add-stuff.sql: not named <ordinal>-<name>.sql",
    "deployment/0041-narrow.sql: the ordinal has 4 digits where the other files of deployment have 5; rename it 00041-narrow.sql",
    "ordinals 00002 to 00039 are missing between 00001-b.sql and 00040-c.sql",
    "00001-b-again.sql and 00001-b.sql share the ordinal 00001",
];

#[test]
fn checks_report_every_violation_together_and_nothing_runs() {
    let db = Db::new("dp_checks");
    with_log(&db);
    broken_directory(&db);
    let run = deploy(&db, &[]);
    run.expect_code(2);
    assert_has(&run.stderr(), VIOLATIONS);
    // The next free ordinals: after 00041, one for the unnumbered file and
    // one for the duplicate.
    assert_has(
        &run.stderr(),
        &["rename it 00042-add-stuff.sql", "to 00043-b.sql"],
    );
    assert!(!run.all().contains("Applying"), "{}", run.all());
    assert_eq!(log(&db), Vec::<String>::new());
    assert!(!table_exists(&db, "tbl_deployments"));
}

#[test]
fn violations_are_reported_before_connecting() {
    // A database that cannot be reached: the files' own problems come
    // first, and they are what the user has to fix.
    let db = Db::new("dp_checks_offline");
    broken_directory(&db);
    let run = db.run(&["deploy", "-p", "host=/nonexistent dbname=nowhere"]);
    run.expect_code(2);
    assert_has(&run.stderr(), VIOLATIONS);
    assert!(!run.stderr().contains("nonexistent"), "{}", run.stderr());
}

#[test]
fn check_with_a_manual_dir_finds_a_file_name_used_in_both() {
    let db = Db::new("dp_check_both");
    deployments(&db, "deployment", &["00000-a.sql", "00001-fix.sql"]);
    deployments(&db, "manual-deployment", &["00001-fix.sql", "00007-b.sql"]);
    let run = db.run(&["deploy", "--check", "--manual-dir", "manual-deployment"]);
    run.expect_code(1);
    assert_has(
        &run.stdout(),
        &[
            "deployment: 2 files, 00000 to 00001, every check passed",
            "manual-deployment: 2 files, 00001 to 00007, every check passed",
            "deployment/00001-fix.sql and manual-deployment/00001-fix.sql have the same name",
        ],
    );
    std::fs::rename(
        db.path().join("manual-deployment/00001-fix.sql"),
        db.path().join("manual-deployment/00001-manual-fix.sql"),
    )
    .unwrap();
    db.run(&["deploy", "--check", "--manual-dir", "manual-deployment"])
        .ok();
}

#[test]
fn check_needs_no_database_and_exits_1_on_a_violation() {
    let dir = tempfile::tempdir().unwrap();
    let pum = |args: &[&str]| {
        Run(std::process::Command::new(env!("CARGO_BIN_EXE_pum"))
            .args(args)
            .current_dir(dir.path())
            // Nowhere to connect to.
            .env("PGHOST", "/nonexistent")
            .env("PGSERVICEFILE", "/nonexistent")
            .output()
            .unwrap())
    };
    let write = |name: &str| {
        std::fs::create_dir_all(dir.path().join("deployment")).unwrap();
        std::fs::write(dir.path().join("deployment").join(name), "SELECT 1;\n").unwrap();
    };
    for f in [
        "00000-a.sql",
        "00001-b.sql",
        "00001-b-again.sql",
        "00040-c.sql",
        "0041-narrow.sql",
        "add-stuff.sql",
    ] {
        write(f);
    }
    let run = pum(&["deploy", "--check", "-d", "deployment"]);
    run.expect_code(1);
    assert_has(&run.stdout(), VIOLATIONS);
    assert_has(&run.stdout(), &["4 problem(s)"]);

    let v = json(&pum(&["deploy", "--check", "--format", "json"]));
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["bad-name", "width-mismatch", "gap", "duplicate"]);

    // Fixed: every check passes, and the next file is named.
    for f in [
        "00001-b-again.sql",
        "00040-c.sql",
        "0041-narrow.sql",
        "add-stuff.sql",
    ] {
        std::fs::remove_file(dir.path().join("deployment").join(f)).unwrap();
    }
    write("00002-c.sql");
    let run = pum(&["deploy", "--check"]);
    run.ok();
    assert_has(
        &run.stdout(),
        &["3 files, 00000 to 00002, every check passed; the next file is 00003-"],
    );
}

#[test]
fn manual_check_allows_gaps() {
    let db = Db::new("dp_manual_check");
    deployments(&db, "manual-deployment", &["00000-a.sql", "00040-b.sql"]);
    db.run(&["deploy", "--check", "--manual"]).ok();
    db.write("manual-deployment/00040-b-again.sql", "SELECT 1;\n");
    let run = db.run(&["deploy", "--check", "--manual"]);
    run.expect_code(1);
    assert_has(&run.stdout(), &["share the ordinal 00040"]);
}

// 2. Running.

#[test]
fn each_file_runs_once_in_ordinal_order() {
    let db = Db::new("dp_once");
    with_log(&db);
    // Sorted as text, 00010 would still come after 00009; the names would
    // not: "b" before "a".
    let names: Vec<String> = (0..12)
        .map(|i| format!("{i:05}-{}.sql", if i % 2 == 0 { "b" } else { "a" }))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    deployments(&db, "deployment", &names);
    let run = deploy(&db, &[]);
    run.ok();
    assert_has(
        &run.stdout(),
        &["Deployed 12 files", "each recorded in tbl_deployments"],
    );
    assert_eq!(log(&db), names);
    assert_eq!(
        db.column("SELECT file_name FROM tbl_deployments ORDER BY date_applied, file_name"),
        names
    );
    // Rows as the original tool's, plus pum's checksum of each file.
    assert_eq!(
        db.scalar(
            "SELECT count(*) FROM tbl_deployments \
             WHERE NOT manual_deployment AND checksum ~ '^[0-9a-f]{32}$'"
        ),
        "12"
    );

    let again = deploy(&db, &[]);
    again.ok();
    assert_has(&again.stdout(), &["Nothing to deploy: 12 files applied."]);
    assert_eq!(log(&db).len(), 12);

    // A new file: only it runs.
    deployments(&db, "deployment", &["00012-c.sql"]);
    deploy(&db, &[]).ok();
    assert_eq!(log(&db).len(), 13);
    assert_eq!(log(&db).last().unwrap(), "00012-c.sql");
}

#[test]
fn dry_run_lists_pending_files_and_changes_nothing() {
    let db = Db::new("dp_dry_run");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql", "00001-b.sql"]);
    let run = deploy(&db, &["--dry-run"]);
    run.ok();
    assert_has(
        &run.stdout(),
        &[
            "Would run deployment/00000-a.sql",
            "Would run deployment/00001-b.sql",
            "nothing changed",
        ],
    );
    assert_eq!(log(&db), Vec::<String>::new());
    assert!(!table_exists(&db, "tbl_deployments"));
}

#[test]
fn continues_a_table_written_by_the_original_tool() {
    let db = Db::new("dp_original");
    with_log(&db);
    db.exec(ORIGINAL_DDL);
    // As the original tool records what it ran.
    db.exec("INSERT INTO tbl_deployments (file_name) VALUES ('00000-a.sql')");
    db.exec("INSERT INTO tbl_deployments (file_name) VALUES ('00001-b.sql')");
    db.exec(
        "INSERT INTO tbl_deployments (file_name, manual_deployment) VALUES ('00000-fix.sql', true)",
    );
    deployments(
        &db,
        "deployment",
        &["00000-a.sql", "00001-b.sql", "00002-c.sql"],
    );
    deployments(&db, "manual-deployment", &["00000-fix.sql"]);

    let status = deploy(&db, &["--status"]);
    status.ok();
    assert_has(
        &status.stdout(),
        &[
            "| 00000   | 00000-a.sql | applied |",
            "| 00001   | 00001-b.sql | applied |",
            "| 00002   | 00002-c.sql | pending |",
            "recorded without a checksum",
        ],
    );
    // Reading changed nothing.
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = 'tbl_deployments'::regclass AND attname = 'checksum'"),
        "0"
    );

    deploy(&db, &[]).ok();
    deploy(&db, &["--manual"]).ok();
    assert_eq!(log(&db), ["00002-c.sql"]);
    assert_eq!(
        db.rows(
            "SELECT file_name, manual_deployment, checksum IS NOT NULL FROM tbl_deployments \
             ORDER BY file_name"
        ),
        [
            "00000-a.sql|f|f",
            "00000-fix.sql|t|f",
            "00001-b.sql|f|f",
            "00002-c.sql|f|t"
        ]
    );
    // pum's column is nullable without a default: the original tool's
    // inserts still work.
    assert_eq!(
        db.rows(
            "SELECT format_type(atttypid, atttypmod), attnotnull, atthasdef FROM pg_attribute \
             WHERE attrelid = 'tbl_deployments'::regclass AND attname = 'checksum'"
        ),
        ["text|f|f"]
    );
    db.exec("INSERT INTO tbl_deployments (file_name) VALUES ('00003-by-the-original.sql')");
    db.exec(
        "INSERT INTO tbl_deployments (file_name, manual_deployment) \
         VALUES ('00001-manual-by-the-original.sql', true)",
    );
    deployments(
        &db,
        "deployment",
        &["00003-by-the-original.sql", "00004-d.sql"],
    );
    deploy(&db, &[]).ok();
    assert_eq!(log(&db), ["00002-c.sql", "00004-d.sql"]);
}

#[test]
fn modified_file_is_reported_and_refused_with_strict() {
    let db = Db::new("dp_modified");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    deploy(&db, &[]).ok();
    db.write(
        "deployment/00000-a.sql",
        "INSERT INTO log (file) VALUES ('changed');\n",
    );
    deployments(&db, "deployment", &["00001-b.sql"]);

    let status = deploy(&db, &["--status"]);
    status.ok();
    assert_has(
        &status.stdout(),
        &[
            "| 00000   | 00000-a.sql | modified since applied |",
            "| 00001   | 00001-b.sql | pending                |",
            "warning: deployment/00000-a.sql changed since it was applied",
            "0 applied, 1 pending, 1 modified since applied",
        ],
    );
    let v = json(&deploy(&db, &["--status", "--format", "json"]));
    let statuses: Vec<&str> = v["plan"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["modified", "pending"]);
    assert!(
        v["plan"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "modified" && f["severity"] == "warning"),
        "{v:#}"
    );

    let strict = deploy(&db, &["--strict"]);
    strict.expect_code(2);
    assert_has(
        &strict.stderr(),
        &[
            "deployment/00000-a.sql changed since it was applied",
            "--strict",
        ],
    );
    assert_eq!(log(&db), ["00000-a.sql"]);

    // Without --strict: a warning; the changed file does not run again,
    // the pending one does.
    let run = deploy(&db, &[]);
    run.ok();
    assert_has(
        &run.all(),
        &["warning: deployment/00000-a.sql changed since"],
    );
    assert_eq!(log(&db), ["00000-a.sql", "00001-b.sql"]);
}

#[test]
fn line_endings_are_not_a_modification() {
    let db = Db::new("dp_crlf");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    deploy(&db, &[]).ok();
    db.write(
        "deployment/00000-a.sql",
        &format!("\u{feff}{}", logs("00000-a.sql").replace('\n', "\r\n")),
    );
    let status = deploy(&db, &["--status", "--strict"]);
    status.ok();
    assert_has(&status.stdout(), &["| 00000-a.sql | applied |"]);
    deploy(&db, &["--strict"]).ok();
}

#[test]
fn manual_deployments_allow_gaps_are_flagged_manual_and_run_once() {
    let db = Db::new("dp_manual");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    deployments(
        &db,
        "manual-deployment",
        &["00000-fix.sql", "00007-cleanup.sql"],
    );
    deploy(&db, &[]).ok();
    // The default directory with --manual is manual-deployment.
    let run = deploy(&db, &["--manual"]);
    run.ok();
    assert_has(&run.stdout(), &["Applying manual deployment 00000"]);
    assert_eq!(
        rows(&db, "tbl_deployments"),
        ["00000-a.sql|f", "00000-fix.sql|t", "00007-cleanup.sql|t"]
    );
    // The original tool ran every manual file again on every manual run.
    deploy(&db, &["--manual"]).ok();
    deploy(&db, &["--manual", "-d", "manual-deployment"]).ok();
    assert_eq!(
        log(&db),
        ["00000-a.sql", "00000-fix.sql", "00007-cleanup.sql"]
    );
    // A regular deploy does not run manual files.
    deploy(&db, &[]).ok();
    assert_eq!(log(&db).len(), 3);
}

#[test]
fn failing_deployment_keeps_the_ones_before_it_and_leaves_nothing_of_itself() {
    let db = Db::new("dp_failing");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql", "00002-c.sql"]);
    db.write(
        "deployment/00001-b.sql",
        "CREATE TABLE b (id int);\n-- then\nINSERT INTO b\n  VALUES (1 / 0);\n",
    );
    let run = deploy(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "error: deployment/00001-b.sql:3: ERROR 22012: division by zero",
            "\n  3 | INSERT INTO b\n",
            "Deployed and kept before the failure (1): 00000-a.sql",
            "deployment/00001-b.sql failed: it was rolled back and is not recorded",
        ],
    );
    assert!(!run.all().contains("00002-c.sql"), "{}", run.all());
    assert_eq!(log(&db), ["00000-a.sql"]);
    assert_eq!(rows(&db, "tbl_deployments"), ["00000-a.sql|f"]);
    assert!(!table_exists(&db, "b"));

    // Fixed: the rerun continues with it.
    db.write("deployment/00001-b.sql", "CREATE TABLE b (id int);\n");
    deploy(&db, &[]).ok();
    assert!(table_exists(&db, "b"));
    assert_eq!(log(&db), ["00000-a.sql", "00002-c.sql"]);
    assert_eq!(
        rows(&db, "tbl_deployments"),
        ["00000-a.sql|f", "00001-b.sql|f", "00002-c.sql|f"]
    );
}

#[test]
fn json_on_success_lists_what_ran() {
    let db = Db::new("dp_json_ok");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql", "00001-b.sql"]);
    let file_names = |v: &serde_json::Value| -> Vec<String> {
        v["applied"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["deployment"]["file_name"].as_str().unwrap().to_string())
            .collect()
    };
    let run = deploy(&db, &["--format", "json"]);
    run.ok();
    let v = json(&run);
    assert_eq!(file_names(&v), ["00000-a.sql", "00001-b.sql"]);
    assert_eq!(v["table"], "tbl_deployments");
    assert_eq!(v["dry_run"], false);

    let v = json(deploy(&db, &["--format", "json"]).ok());
    assert_eq!(file_names(&v), Vec::<String>::new());
    assert_eq!(v["plan"]["items"][1]["status"], "applied");
    assert_eq!(log(&db), ["00000-a.sql", "00001-b.sql"]);
}

#[test]
fn failure_in_json_names_what_stays() {
    let db = Db::new("dp_json_fail");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    db.write("deployment/00001-b.sql", "SELECT 1 / 0;\n");
    let run = deploy(&db, &["--format", "json"]);
    run.expect_code(2);
    let v = json(&run);
    assert_eq!(v["failed"], true);
    assert_eq!(v["applied"][0]["deployment"]["file_name"], "00000-a.sql");
    assert_eq!(v["stopped_in"]["path"], "deployment/00001-b.sql");
    assert_eq!(v["stopped_in"]["left"], "nothing");
    assert_eq!(v["error"]["line"], 1);
    assert_eq!(v["error"]["sqlstate"], "22012");
}

#[test]
fn copy_from_stdin_in_a_deployment() {
    let db = Db::new("dp_copy");
    db.write(
        "deployment/00000-data.sql",
        "CREATE TABLE t (id int, name text);\n\
         COPY t (id, name) FROM stdin;\n\
         1\tone\n\
         2\t\\N\n\
         \\.\n\
         INSERT INTO t VALUES (3, 'three');\n",
    );
    db.write(
        "deployment/00001-bad.sql",
        "COPY t (id, name) FROM stdin;\n4\tfour\nfive\t5\n\\.\n",
    );
    let run = deploy(&db, &[]);
    run.expect_code(2);
    assert_eq!(
        db.rows("SELECT id, name FROM t ORDER BY id"),
        ["1|one", "2|NULL", "3|three"]
    );
    assert_has(&run.stderr(), &["error: deployment/00001-bad.sql:3:"]);
    assert_eq!(rows(&db, "tbl_deployments"), ["00000-data.sql|f"]);
}

#[test]
fn server_notices_are_shown_with_their_file() {
    let db = Db::new("dp_notices");
    db.write(
        "deployment/00000-a.sql",
        "DO $$BEGIN RAISE NOTICE 'hello from a'; END$$;\n",
    );
    let run = deploy(&db, &[]);
    run.ok();
    assert_has(
        &run.stderr(),
        &["deployment/00000-a.sql: NOTICE: hello from a"],
    );
}

#[test]
fn no_transaction_deployment_runs_create_index_concurrently() {
    let db = Db::new("dp_notx");
    db.write(
        "deployment/00000-t.sql",
        "CREATE TABLE t (id int);\nINSERT INTO t SELECT generate_series(1, 10);\n",
    );
    db.write(
        "deployment/00001-index.sql",
        "-- pum:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n",
    );
    deploy(&db, &[]).ok();
    assert_eq!(
        db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass"),
        "t"
    );
    assert_eq!(
        rows(&db, "tbl_deployments"),
        ["00000-t.sql|f", "00001-index.sql|f"]
    );
}

#[test]
fn search_path_set_in_a_deployment_neither_loses_its_row_nor_leaks_into_the_next() {
    let db = Db::new("dp_search_path");
    db.write(
        "deployment/00000-schema.sql",
        "CREATE SCHEMA app;\nSET search_path = app;\nCREATE TABLE in_app (id int);\n",
    );
    db.write(
        "deployment/00001-a.sql",
        "CREATE TABLE in_public (id int);\n",
    );
    // As pg_dump writes it.
    db.write(
        "deployment/00002-dump.sql",
        "SELECT pg_catalog.set_config('search_path', '', false);\n\
         CREATE TABLE app.from_dump (id int);\n",
    );
    db.write(
        "deployment/00003-b.sql",
        "CREATE TABLE also_public (id int);\n",
    );
    deploy(&db, &[]).ok();
    assert_eq!(
        db.column(
            "SELECT relnamespace::regnamespace || '.' || relname FROM pg_class \
             WHERE relname IN ('in_app', 'in_public', 'from_dump', 'also_public') ORDER BY 1"
        ),
        [
            "app.from_dump",
            "app.in_app",
            "public.also_public",
            "public.in_public"
        ]
    );
    assert_eq!(
        rows(&db, "public.tbl_deployments"),
        [
            "00000-schema.sql|f",
            "00001-a.sql|f",
            "00002-dump.sql|f",
            "00003-b.sql|f"
        ]
    );
}

/// A role that may log in, named after the test's database.
fn role(db: &Db) -> String {
    let role = format!("{}_writer", db.name);
    db.exec(&format!("CREATE ROLE {role} LOGIN"));
    // PostgreSQL before 15 lets everyone create in public.
    db.exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    db.exec(&format!("GRANT SELECT, INSERT ON log TO {role}"));
    db.exec(&format!("GRANT USAGE ON SEQUENCE log_n_seq TO {role}"));
    role
}

#[test]
fn deploying_needs_only_select_and_insert_on_a_table_pum_wrote() {
    let db = Db::new("dp_writer");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    deploy(&db, &[]).ok();
    let role = role(&db);
    db.exec(&format!(
        "GRANT SELECT, INSERT ON tbl_deployments TO {role}"
    ));
    deployments(&db, "deployment", &["00001-b.sql"]);
    let as_role = format!("service={} user={role}", db.name);
    db.run(&["deploy", "-p", &as_role]).ok();
    assert_eq!(log(&db), ["00000-a.sql", "00001-b.sql"]);
    assert_eq!(
        rows(&db, "tbl_deployments"),
        ["00000-a.sql|f", "00001-b.sql|f"]
    );
}

#[test]
fn a_role_that_cannot_add_the_checksum_column_is_told_what_to_run() {
    let db = Db::new("dp_not_owner");
    with_log(&db);
    db.exec(ORIGINAL_DDL);
    deployments(&db, "deployment", &["00000-a.sql"]);
    let role = role(&db);
    db.exec(&format!(
        "GRANT SELECT, INSERT ON tbl_deployments TO {role}"
    ));
    let as_role = format!("service={} user={role}", db.name);
    let run = db.run(&["deploy", "-p", &as_role]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "cannot add pum's checksum column to the deployments table tbl_deployments",
            "must be owner",
            "ADD COLUMN IF NOT EXISTS checksum text` as the table's owner",
        ],
    );
    assert_eq!(log(&db), Vec::<String>::new());
    // Once the owner added it, the role deploys.
    db.exec("ALTER TABLE tbl_deployments ADD COLUMN checksum text");
    db.run(&["deploy", "-p", &as_role]).ok();
    assert_eq!(log(&db), ["00000-a.sql"]);
}

#[test]
fn schema_qualified_table() {
    let db = Db::new("dp_table");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    let missing = deploy(&db, &["-t", "myschema.my_deployments"]);
    missing.expect_code(2);
    assert_has(&missing.stderr(), &["myschema", "does not exist"]);
    assert_eq!(log(&db), Vec::<String>::new());

    db.exec("CREATE SCHEMA myschema");
    let run = deploy(&db, &["-t", "myschema.my_deployments"]);
    run.ok();
    assert_has(&run.stdout(), &["recorded in myschema.my_deployments"]);
    assert_eq!(rows(&db, "myschema.my_deployments"), ["00000-a.sql|f"]);
    assert!(!table_exists(&db, "tbl_deployments"));
    deploy(&db, &["-t", "myschema.my_deployments"]).ok();
    assert_eq!(log(&db), ["00000-a.sql"]);
    // Another table has its own history.
    let other = deploy(&db, &["--status"]);
    assert_has(&other.stdout(), &["| 00000-a.sql | pending |"]);
}

#[test]
fn status_exit_code_says_whether_files_are_pending() {
    let db = Db::new("dp_exit_code");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    deploy(&db, &["--status", "--exit-code"]).expect_code(1);
    // Without --exit-code, status is a success whatever is pending.
    deploy(&db, &["--status"]).ok();
    // Reading created nothing.
    assert!(!table_exists(&db, "tbl_deployments"));
    deploy(&db, &[]).ok();
    deploy(&db, &["--status", "--exit-code"]).ok();
    deploy(
        &db,
        &["--status", "--exit-code", "--manual", "-d", "deployment"],
    )
    .ok();
}

#[test]
fn postgres_dsn_takes_a_uri() {
    let db = Db::new("dp_dsn");
    with_log(&db);
    deployments(&db, "deployment", &["00000-a.sql"]);
    let uri = {
        let s = common::cluster().lock().unwrap();
        format!(
            "postgresql://postgres@/{}?host={}&port={}",
            db.name,
            s.socket_dir().display(),
            s.port()
        )
    };
    db.run(&["deploy", &format!("--postgres-dsn={uri}")]).ok();
    assert_eq!(log(&db), ["00000-a.sql"]);
}

// 3. Signals and concurrency.

fn spawn_deploy(db: &Db) -> Child {
    db.pum()
        .args(["deploy", "-p", &db.name])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pum")
}

/// Waits until `cond` holds (at most 20 s).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sleeping_statements(db: &Db) -> usize {
    db.column(&format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND state = 'active' \
         AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
        db.name
    ))
    .len()
}

fn send(child: &Child, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} failed");
}

#[test]
fn interrupted_deploy_leaves_nothing_half_applied_and_the_rerun_continues() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let db = Db::new(&format!("dp_sig_{}", signal.to_lowercase()));
        with_log(&db);
        deployments(&db, "deployment", &["00000-a.sql", "00002-c.sql"]);
        db.write(
            "deployment/00001-slow.sql",
            "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\nINSERT INTO slow VALUES (1);\n",
        );
        let child = spawn_deploy(&db);
        wait_for("the slow statement", || sleeping_statements(&db) == 1);
        let sent = Instant::now();
        send(&child, signal);
        let out = Run(child.wait_with_output().unwrap());
        out.expect_code(code);
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "took {:?}",
            sent.elapsed()
        );
        assert_has(
            &out.stderr(),
            &[
                &format!("interrupted by SIG{signal}"),
                "Deployed and kept before the failure (1): 00000-a.sql",
                "deployment/00001-slow.sql was running when pum was interrupted: it was rolled back",
            ],
        );
        // The statement is gone (its backend leaves `active` a moment
        // after pum exits, once it has skipped the rest of the pipeline):
        // nothing of the file can commit later.
        wait_for("the cancelled statement to end", || {
            sleeping_statements(&db) == 0
        });
        assert!(!table_exists(&db, "slow"));
        assert_eq!(rows(&db, "tbl_deployments"), ["00000-a.sql|f"]);
        assert_eq!(log(&db), ["00000-a.sql"]);
        assert_eq!(
            // This database's: the other tests hold theirs meanwhile.
            db.scalar(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = \
                 (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            "0"
        );

        db.write(
            "deployment/00001-slow.sql",
            "CREATE TABLE slow (id int);\nINSERT INTO slow VALUES (1);\n",
        );
        deploy(&db, &[]).ok();
        assert_eq!(db.scalar("SELECT count(*) FROM slow"), "1");
        assert_eq!(log(&db), ["00000-a.sql", "00002-c.sql"]);
    }
}

#[test]
fn two_deploys_at_once_run_each_file_once() {
    let db = Db::new("dp_concurrent");
    db.exec("CREATE TABLE applied (file text NOT NULL UNIQUE)");
    let names: Vec<String> = (0..20).map(|i| format!("{i:05}-d.sql")).collect();
    for (i, f) in names.iter().enumerate() {
        let pause = if i < 10 {
            "SELECT pg_sleep(0.05);\n"
        } else {
            ""
        };
        db.write(
            &format!("deployment/{f}"),
            &format!("{pause}INSERT INTO applied VALUES ('{f}');\n"),
        );
    }
    let a = spawn_deploy(&db);
    let b = spawn_deploy(&db);
    let a = Run(a.wait_with_output().unwrap());
    let b = Run(b.wait_with_output().unwrap());
    a.ok();
    b.ok();
    assert_eq!(db.column("SELECT file FROM applied ORDER BY file"), names);
    assert_eq!(
        db.column("SELECT file_name FROM tbl_deployments ORDER BY file_name"),
        names
    );
    // One waited for the other; between them each file ran once.
    let waited = [&a, &b]
        .iter()
        .filter(|r| r.stderr().contains("waiting up to 60 s"))
        .count();
    assert_eq!(waited, 1, "--- a\n{}\n--- b\n{}", a.all(), b.all());
    let applied = |r: &Run| r.stdout().matches("] Applying ").count();
    assert_eq!(
        applied(&a) + applied(&b),
        20,
        "--- a\n{}\n--- b\n{}",
        a.all(),
        b.all()
    );
}

#[test]
fn lock_timeout_gives_up_and_runs_nothing() {
    let db = Db::new("dp_lock_timeout");
    with_log(&db);
    db.write(
        "deployment/00000-slow.sql",
        "SELECT pg_sleep(30);\nINSERT INTO log (file) VALUES ('00000-slow.sql');\n",
    );
    let holder = spawn_deploy(&db);
    wait_for("the slow statement", || sleeping_statements(&db) == 1);
    // Another spelling of the same table waits for the same lock.
    let started = Instant::now();
    let run = deploy(
        &db,
        &["-t", "public.tbl_deployments", "--lock-timeout", "1"],
    );
    run.expect_code(2);
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_has(&run.stderr(), &["public.tbl_deployments", "--lock-timeout"]);
    assert!(!run.stdout().contains("Applying"), "{}", run.all());
    send(&holder, "INT");
    Run(holder.wait_with_output().unwrap()).expect_code(130);
    assert_eq!(log(&db), Vec::<String>::new());
    assert_eq!(rows(&db, "tbl_deployments"), Vec::<String>::new());
}
