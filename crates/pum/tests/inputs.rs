//! What pum makes of its inputs, on a real PostgreSQL: the same delta
//! directory given twice, two files pum records as the same delta
//! (`--allow-duplicates`), Python package files in a delta directory,
//! variables a delta uses but that were not given, and the JSON report of
//! a failed upgrade.

mod common;

use common::{app_tables, assert_has, recorded, Db, Run};
use serde_json::Value;

/// A fresh database with schema `app` and `app.info` baselined at 1.0.0.
fn baselined(test: &str) -> Db {
    let db = Db::new(test);
    db.exec("CREATE SCHEMA app");
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    db
}

/// `pum COMMAND -p <db> -t app.info <args...>`.
fn pum(db: &Db, command: &str, args: &[&str]) -> Run {
    let mut all = vec![command, "-p", db.name.as_str(), "-t", "app.info"];
    all.extend_from_slice(args);
    db.run(&all)
}

/// Asserts `haystack` contains none of the needles.
#[track_caller]
fn assert_lacks(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            !haystack.contains(n),
            "did not expect {n:?} in:\n{haystack}"
        );
    }
}

/// The stdout of a run as JSON.
#[track_caller]
fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\n--- stderr\n{}",
            run.stdout(),
            run.stderr()
        )
    })
}

/// The status of the `info --format json` item whose file is `script`.
#[track_caller]
fn status_of(info: &Value, script: &str) -> String {
    info["plan"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["delta"]["path"] == script)
        .unwrap_or_else(|| panic!("no item {script} in {info:#}"))["status"]
        .as_str()
        .expect("status")
        .to_string()
}

// 1. The same directory given twice.

#[test]
fn the_same_directory_given_twice_is_read_once() {
    for (i, second) in ["d", "./d", "d/", "d/."].iter().enumerate() {
        let db = baselined(&format!("same_dir_{i}"));
        db.write(
            "d/pre-all.sql",
            "CREATE TABLE IF NOT EXISTS app.pre_runs (n int); INSERT INTO app.pre_runs VALUES (1);\n",
        );
        db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
        db.write("d/delta_1.0.2_b.sql", "CREATE TABLE app.b (id int);\n");
        let run = pum(&db, "upgrade", &["-d", "d", second]);
        run.ok();
        assert_eq!(app_tables(&db), ["a", "b", "pre_runs"], "-d d {second}");
        assert_eq!(
            recorded(&db),
            [
                "1.0.1 a 8 d/delta_1.0.1_a.sql",
                "1.0.2 b 8 d/delta_1.0.2_b.sql"
            ],
            "-d d {second}"
        );
        assert_eq!(db.scalar("SELECT count(*) FROM app.pre_runs"), "1");
        assert_lacks(&run.all(), &["duplicate", "warning"]);

        let info = pum(&db, "info", &["-d", "d", second]);
        info.ok();
        assert_lacks(
            &info.stdout(),
            &["changed since", "duplicate", "warning", "error"],
        );
        assert_eq!(
            info.stdout().matches("| applied").count(),
            2,
            "{}",
            info.stdout()
        );
    }
}

// 2. Two files pum records as the same delta.

/// d1 and d2 both hold a 1.0.1 delta named `a` (different contents).
fn duplicates(db: &Db) {
    db.write("d1/delta_1.0.1_a.sql", "CREATE TABLE app.a1 (id int);\n");
    db.write("d1/delta_1.0.2_b.sql", "CREATE TABLE app.b (id int);\n");
    db.write("d2/delta_1.0.1_a.sql", "CREATE TABLE app.a2 (id int);\n");
}

#[test]
fn duplicate_deltas_are_refused_before_anything_runs() {
    let db = baselined("dup_refused");
    duplicates(&db);
    for extra in [&[][..], &["--strict"][..], &["--dry-run"][..]] {
        let mut args = vec!["-d", "d1", "d2"];
        args.extend_from_slice(extra);
        let run = pum(&db, "upgrade", &args);
        run.expect_code(2);
        assert_has(
            &run.stderr(),
            &[
                "refusing to run",
                "d2/delta_1.0.1_a.sql",
                "d1/delta_1.0.1_a.sql",
                "same version (1.0.1), name (a) and kind (delta sql)",
                "one row",
                "--allow-duplicates",
            ],
        );
        assert!(app_tables(&db).is_empty(), "{extra:?}");
        assert!(recorded(&db).is_empty(), "{extra:?}");
    }

    let info = pum(&db, "info", &["-d", "d1", "d2"]);
    info.ok();
    let out = info.stdout();
    assert_has(
        &out,
        &[
            "| duplicate | d2/delta_1.0.1_a.sql",
            "| pending   | d1/delta_1.0.1_a.sql",
            "error: d2/delta_1.0.1_a.sql and d1/delta_1.0.1_a.sql",
        ],
    );
    let doc = json(&pum(&db, "info", &["-d", "d1", "d2", "--format", "json"]));
    assert_eq!(status_of(&doc, "d2/delta_1.0.1_a.sql"), "duplicate");
    assert_eq!(status_of(&doc, "d1/delta_1.0.1_a.sql"), "pending");
    let findings = doc["plan"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["kind"], "duplicate");
    assert_eq!(findings[0]["file"], "d2/delta_1.0.1_a.sql");
    assert_eq!(findings[0]["first"], "d1/delta_1.0.1_a.sql");
}

#[test]
fn allow_duplicates_runs_the_first_and_skips_the_others() {
    let db = baselined("dup_allowed");
    duplicates(&db);
    // Even --strict: the duplicate is allowed explicitly.
    let run = pum(
        &db,
        "upgrade",
        &["-d", "d1", "d2", "--allow-duplicates", "--strict"],
    );
    run.ok();
    assert_eq!(app_tables(&db), ["a1", "b"]);
    assert_eq!(
        recorded(&db),
        [
            "1.0.1 a 8 d1/delta_1.0.1_a.sql",
            "1.0.2 b 8 d1/delta_1.0.2_b.sql"
        ]
    );
    assert_has(&run.all(), &["d2/delta_1.0.1_a.sql", "skipped"]);

    let info = pum(&db, "info", &["-d", "d1", "d2", "--allow-duplicates"]);
    info.ok();
    let out = info.stdout();
    assert_has(
        &out,
        &[
            "| duplicate (skipped) | d2/delta_1.0.1_a.sql",
            "| applied             | d1/delta_1.0.1_a.sql",
        ],
    );
    // The later file was never claimed to be a change of the applied one.
    assert_lacks(&out, &["changed since", "modified", "error:", "warning:"]);

    // Without the option, info still says what is wrong, truthfully.
    let info = pum(&db, "info", &["-d", "d1", "d2"]);
    info.ok();
    assert_has(
        &info.stdout(),
        &["| duplicate | d2/delta_1.0.1_a.sql", "error: "],
    );
    assert_lacks(&info.stdout(), &["changed since", "modified"]);
    let doc = json(&pum(
        &db,
        "info",
        &["-d", "d1", "d2", "--allow-duplicates", "--format", "json"],
    ));
    assert_eq!(status_of(&doc, "d2/delta_1.0.1_a.sql"), "duplicate-skipped");
    assert_eq!(status_of(&doc, "d1/delta_1.0.1_a.sql"), "applied");
}

#[test]
fn duplicates_inside_one_directory_are_caught_too() {
    // `_*` after the version is dropped: both are version 1.0.1, name `a`.
    let db = baselined("dup_one_dir");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a1 (id int);\n");
    db.write("d/delta_1.0.1__a.sql", "CREATE TABLE app.a2 (id int);\n");
    let run = pum(&db, "upgrade", &["-d", "d"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "d/delta_1.0.1_a.sql",
            "d/delta_1.0.1__a.sql",
            "--allow-duplicates",
        ],
    );
    assert!(app_tables(&db).is_empty());
}

#[test]
fn baseline_mark_applied_refuses_duplicates_unless_allowed() {
    let db = Db::new("dup_baseline");
    db.exec("CREATE SCHEMA app");
    duplicates(&db);
    let args = [
        "baseline",
        "-p",
        &db.name,
        "-t",
        "app.info",
        "-b",
        "1.0.1",
        "-d",
        "d1",
        "d2",
        "--mark-applied",
    ];
    let run = db.run(&args);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "d2/delta_1.0.1_a.sql",
            "d1/delta_1.0.1_a.sql",
            "--allow-duplicates",
        ],
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'app'"),
        "0"
    );

    let mut allowed = args.to_vec();
    allowed.push("--allow-duplicates");
    let run = db.run(&allowed);
    run.ok();
    assert_eq!(recorded(&db), ["1.0.1 a 8 d1/delta_1.0.1_a.sql"]);
    assert_has(&run.all(), &["d2/delta_1.0.1_a.sql", "skipped"]);
}

#[test]
fn allow_duplicates_is_documented() {
    let db = Db::new("dup_help");
    for cmd in ["upgrade", "info", "test", "test-and-upgrade", "baseline"] {
        let run = db.run(&[cmd, "--help"]);
        run.ok();
        assert_has(&run.stdout(), &["--allow-duplicates"]);
    }
}

// 3. Python package files in a delta directory.

#[test]
fn python_package_files_are_not_reported_as_mistakes() {
    let db = baselined("py_package");
    db.write("d/__init__.py", "");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write("d/helpers.pyc", "\u{0}compiled");
    db.write(
        "d/__pycache__/delta_1.0.1_x.cpython-311.pyc",
        "\u{0}compiled",
    );
    db.write("d/notes.txt", "a real mistake\n");

    // --strict still refuses for notes.txt, and only for it.
    let run = pum(&db, "upgrade", &["-d", "d", "--strict"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["d/notes.txt: not a delta"]);
    assert_lacks(&run.stderr(), &["__init__", ".pyc"]);

    std::fs::remove_file(db.path().join("d/notes.txt")).unwrap();
    let run = pum(&db, "upgrade", &["-d", "d", "--strict"]);
    run.ok();
    assert_eq!(app_tables(&db), ["a"]);
    assert_lacks(&run.all(), &["__init__", ".pyc", "warning", "not a delta"]);

    let info = pum(&db, "info", &["-d", "d"]);
    info.ok();
    let out = info.stdout();
    assert_lacks(&out, &["warning", "not a delta", "__pycache__"]);
    assert_eq!(out.matches("note: ").count(), 1, "{out}");
    assert_has(&out, &["note: ", "d/__init__.py", "d/helpers.pyc"]);
    let doc = json(&pum(&db, "info", &["-d", "d", "--format", "json"]));
    let findings = doc["plan"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["severity"], "note");
    assert_eq!(findings[0]["kind"], "python-package-files");

    let run = db.run(&[
        "baseline",
        "-p",
        &db.name,
        "-t",
        "app.other",
        "-b",
        "1.0.0",
        "-d",
        "d",
    ]);
    run.ok();
    assert_lacks(&run.all(), &["__init__", ".pyc", "warning"]);
}

// 4. Variables a delta uses but that were not given.

#[test]
fn placeholders_without_any_variable_get_a_hint() {
    let db = baselined("vars_none_given");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write(
        "d/delta_1.0.2_geom.sql",
        "CREATE TABLE app.g (srid int, name text);\n\
         INSERT INTO app.g VALUES (%(SRID)s, %(NAME)s);\n\
         INSERT INTO app.g VALUES (%(SRID)s, 'x');\n",
    );
    let run = pum(&db, "upgrade", &["-d", "d"]);
    run.expect_code(2);
    let err = run.stderr();
    assert_has(
        &err,
        &[
            // The server's error, where it happened.
            "d/delta_1.0.2_geom.sql:2: ERROR 42601: syntax error at or near \"%\"",
            // What to do about it.
            "pum variables",
            "no variable was given",
            "-v TYPE SRID VALUE -v TYPE NAME VALUE",
            "Applied and kept before the failure (1): delta_1.0.1_a.sql",
        ],
    );
    assert_eq!(err.matches("`SRID`").count(), 1, "{err}");
    assert_eq!(app_tables(&db), ["a"]);
    assert_eq!(recorded(&db), ["1.0.1 a 8 d/delta_1.0.1_a.sql"]);

    // A syntax error in a file without placeholders gets no such hint.
    db.write("d/delta_1.0.2_geom.sql", "SELEC 1;\n");
    let run = pum(&db, "upgrade", &["-d", "d"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["syntax error at or near \"SELEC\""]);
    assert_lacks(&run.stderr(), &["pum variables"]);
}

#[test]
fn every_variable_missing_from_the_given_ones_is_named() {
    let db = baselined("vars_some_given");
    db.write(
        "d/delta_1.0.1_geom.sql",
        "CREATE TABLE app.g (srid int, name text, owner text);\n\
         INSERT INTO app.g VALUES (%(SRID)s, %(NAME)s, %(OWNER)s);\n\
         INSERT INTO app.g VALUES (%(SRID)s, %(NAME)s, 'x');\n",
    );
    let run = pum(&db, "upgrade", &["-d", "d", "-v", "int", "SRID", "2056"]);
    run.expect_code(2);
    let err = run.stderr();
    assert_has(
        &err,
        &[
            "d/delta_1.0.1_geom.sql:2:",
            "`NAME`",
            "`OWNER`",
            "-v TYPE NAME VALUE -v TYPE OWNER VALUE",
            "Nothing was applied.",
        ],
    );
    assert_lacks(&err, &["`SRID`", "syntax error"]);
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

// 5. The JSON report of a failed upgrade.

#[test]
fn failed_upgrade_prints_a_json_report() {
    let db = baselined("json_failure");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write(
        "d/delta_1.0.2_b.sql",
        "CREATE TABLE app.b (id int PRIMARY KEY);\nINSERT INTO app.b VALUES (1);\n\nINSERT INTO app.b VALUES (1);\n",
    );
    db.write("d/delta_1.0.3_c.sql", "CREATE TABLE app.c (id int);\n");
    let run = pum(&db, "upgrade", &["-d", "d", "--format", "json"]);
    run.expect_code(2);
    // The human-readable error still goes to stderr.
    assert_has(
        &run.stderr(),
        &[
            "error: d/delta_1.0.2_b.sql:4: ERROR 23505",
            "Applied and kept before the failure (1): delta_1.0.1_a.sql",
        ],
    );
    let doc = json(&run);
    assert_eq!(doc["failed"], true, "{doc:#}");
    assert_eq!(doc["rolled_back"], false);
    let applied = doc["applied"].as_array().expect("applied");
    assert_eq!(applied.len(), 1, "{doc:#}");
    assert_eq!(applied[0]["delta"]["path"], "d/delta_1.0.1_a.sql");
    let e = &doc["error"];
    assert_eq!(e["kind"], "delta-sql");
    assert_eq!(e["file"], "d/delta_1.0.2_b.sql");
    assert_eq!(e["line"], 4);
    assert_eq!(e["sqlstate"], "23505");
    assert_eq!(e["severity"], "ERROR");
    assert!(
        e["server_message"]
            .as_str()
            .unwrap()
            .starts_with("duplicate key value violates unique constraint"),
        "{e:#}"
    );
    assert_eq!(e["detail"], "Key (id)=(1) already exists.");
    assert!(e["hint"].is_null());
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("d/delta_1.0.2_b.sql:4"));
    assert_eq!(app_tables(&db), ["a"]);

    // --single-transaction: everything rolled back, nothing kept.
    let db = baselined("json_failure_single");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write("d/delta_1.0.2_b.sql", "SELEC 1;\n");
    let run = pum(
        &db,
        "upgrade",
        &["-d", "d", "--format", "json", "--single-transaction"],
    );
    run.expect_code(2);
    assert_has(&run.stderr(), &["Everything was rolled back"]);
    let doc = json(&run);
    assert_eq!(doc["rolled_back"], true, "{doc:#}");
    assert_eq!(doc["applied"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["error"]["sqlstate"], "42601");
    assert_eq!(doc["error"]["line"], 1);
    assert!(app_tables(&db).is_empty());
}

#[test]
fn refused_upgrade_prints_a_json_report() {
    let db = baselined("json_refused");
    duplicates(&db);
    let run = pum(&db, "upgrade", &["-d", "d1", "d2", "--format", "json"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["refusing to run"]);
    let doc = json(&run);
    assert_eq!(doc["failed"], true);
    assert_eq!(doc["error"]["kind"], "refused");
    assert!(doc["error"]["file"].is_null());
    let problems = doc["error"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .contains("d2/delta_1.0.1_a.sql"),
        "{problems:?}"
    );

    // A missing variable: the names, typed.
    let db = baselined("json_vars");
    db.write("d/delta_1.0.1_v.sql", "SELECT %(SRID)s;\n");
    let run = pum(&db, "upgrade", &["-d", "d", "--format", "json"]);
    run.expect_code(2);
    let doc = json(&run);
    assert_eq!(doc["error"]["kind"], "undefined-variables");
    assert_eq!(
        doc["error"]["missing_variables"],
        serde_json::json!(["SRID"])
    );
    assert_eq!(doc["error"]["sqlstate"], "42601");

    // Not even connected.
    let run = db.run(&[
        "upgrade",
        "-p",
        "no_such_service_x",
        "-t",
        "app.info",
        "-d",
        "d",
        "--format",
        "json",
    ]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["error: ", "no_such_service_x"]);
    let doc = json(&run);
    assert_eq!(doc["failed"], true);
    assert!(
        ["connect", "invalid-target"].contains(&doc["error"]["kind"].as_str().unwrap()),
        "{doc:#}"
    );
    assert_eq!(doc["applied"].as_array().map(Vec::len), Some(0));
}
