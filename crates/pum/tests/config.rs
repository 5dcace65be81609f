//! The YAML config file (`-c`): its keys are real defaults, the command
//! line wins, mistakes are reported with file:line:col.

mod common;

use common::Db;

fn log_model(db: &Db) {
    db.exec("CREATE SCHEMA app; CREATE TABLE app.log (id serial PRIMARY KEY, v text)");
}

fn log(db: &Db) -> Vec<String> {
    db.column("SELECT v FROM app.log ORDER BY id")
}

/// True when `text` holds `file:line:COL` with a numeric column.
fn has_location(text: &str, file: &str, line: usize) -> bool {
    let needle = format!("{file}:{line}:");
    text.match_indices(&needle).any(|(i, _)| {
        text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

#[test]
fn config_gives_table_dirs_and_variables() {
    let db = Db::new("cfg_basic");
    log_model(&db);
    let p = db.name.as_str();
    db.write(
        "pum.yaml",
        "upgrades_table: app.info\ndelta_dir: delta\nvariables:\n  SRID: 2056\n",
    );
    db.write(
        "delta/delta_1.0.1_srid.sql",
        "INSERT INTO app.log (v) VALUES (%(SRID)s::text);\n",
    );
    db.run(&["-c", "pum.yaml", "baseline", "-p", p, "-b", "1.0.0"])
        .ok();
    let up = db.run(&["-c", "pum.yaml", "upgrade", "-p", p]);
    up.ok();
    assert_eq!(log(&db), ["2056"]);
    assert_eq!(
        db.column("SELECT version || ' ' || script FROM app.info ORDER BY id"),
        ["1.0.0 ", "1.0.1 delta/delta_1.0.1_srid.sql"]
    );

    // Command-line -t / -d win over the file.
    db.write(
        "delta2/delta_1.0.1_other.sql",
        "INSERT INTO app.log (v) VALUES ('from delta2');\n",
    );
    db.run(&[
        "-c",
        "pum.yaml",
        "baseline",
        "-p",
        p,
        "-t",
        "app.other",
        "-b",
        "1.0.0",
    ])
    .ok();
    db.run(&[
        "-c",
        "pum.yaml",
        "upgrade",
        "-p",
        p,
        "-t",
        "app.other",
        "-d",
        "delta2",
    ])
    .ok();
    assert_eq!(log(&db), ["2056", "from delta2"]);
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "2");
    assert_eq!(
        db.column("SELECT script FROM app.other WHERE type <> 0"),
        ["delta2/delta_1.0.1_other.sql"]
    );

    // -c after the subcommand (a global option); -v on the command line
    // wins over `variables`.
    db.write(
        "delta/delta_1.0.2_more.sql",
        "INSERT INTO app.log (v) VALUES ('more ' || %(SRID)s);\n",
    );
    db.run(&[
        "upgrade", "-p", p, "-c", "pum.yaml", "-v", "int", "SRID", "21781",
    ])
    .ok();
    assert_eq!(log(&db), ["2056", "from delta2", "more 21781"]);
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "3");
    // info, long spelling after the subcommand.
    let info = db.run(&["info", "-p", p, "--config_file", "pum.yaml"]);
    info.ok();
    assert!(
        info.stdout().contains("Current version: 1.0.2"),
        "{}",
        info.stdout()
    );
}

#[test]
fn config_delta_dirs_as_a_list() {
    let db = Db::new("cfg_dirs");
    log_model(&db);
    let p = db.name.as_str();
    db.write(
        "pum.yaml",
        "upgrades_table: app.info\ndelta_dirs:\n  - d1\n  - d2\n",
    );
    db.write(
        "d1/delta_1.0.1_a.sql",
        "INSERT INTO app.log (v) VALUES ('a');\n",
    );
    db.write(
        "d2/delta_1.0.2_b.sql",
        "INSERT INTO app.log (v) VALUES ('b');\n",
    );
    db.write(
        "d2/delta_1.0.3_c.sql",
        "INSERT INTO app.log (v) VALUES ('c');\n",
    );
    db.run(&["-c", "pum.yaml", "baseline", "-p", p, "-b", "1.0.0"])
        .ok();
    db.run(&["-c", "pum.yaml", "upgrade", "-p", p]).ok();
    assert_eq!(log(&db), ["a", "b", "c"]);
    // The inline list form too.
    let db2 = Db::new("cfg_dirs2");
    log_model(&db2);
    db2.write(
        "pum.yaml",
        "upgrades_table: app.info\ndelta_dirs: [d1, d2]\n",
    );
    db2.write(
        "d1/delta_1.0.1_a.sql",
        "INSERT INTO app.log (v) VALUES ('a');\n",
    );
    db2.write(
        "d2/delta_1.0.2_b.sql",
        "INSERT INTO app.log (v) VALUES ('b');\n",
    );
    db2.run(&["-c", "pum.yaml", "baseline", "-p", &db2.name, "-b", "1.0.0"])
        .ok();
    db2.run(&["-c", "pum.yaml", "upgrade", "-p", &db2.name])
        .ok();
    assert_eq!(log(&db2), ["a", "b"]);
}

#[test]
fn config_dump_keys_are_real_defaults() {
    let src = Db::new("cfg_dump_src");
    let dst = Db::new("cfg_dump_dst");
    src.exec(
        "CREATE SCHEMA app; CREATE TABLE app.t (x int); INSERT INTO app.t VALUES (1), (2);
         CREATE SCHEMA schema_b; CREATE TABLE schema_b.t (y int);",
    );
    let p = src.name.as_str();
    let pg_dump = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("pg_dump"))
        .find(|p| p.is_file())
        .unwrap();
    src.write(
        "pum.yaml",
        &format!(
            "backup_file: backup.dump\nexclude_schemas: [schema_b]\npg_dump_exe: {}\n",
            pg_dump.display()
        ),
    );
    // dump without FILE writes backup_file; schema_b is left out.
    let r = src.run(&["-c", "pum.yaml", "dump", "-p", p]);
    r.ok();
    assert!(r.stdout().contains("backup.dump"), "{}", r.stdout());
    assert!(src.path().join("backup.dump").is_file());
    // restore without FILE reads it.
    src.run(&["-c", "pum.yaml", "restore", "-p", &dst.conninfo])
        .ok();
    assert_eq!(dst.scalar("SELECT count(*) FROM app.t"), "2");
    assert_eq!(
        dst.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'schema_b'"),
        "0"
    );
    // check: exclude_schemas applies too.
    src.run(&["check", "-p1", p, "-p2", &dst.conninfo])
        .expect_code(1);
    src.run(&["-c", "pum.yaml", "check", "-p1", p, "-p2", &dst.conninfo])
        .ok();
    // Without the config and without FILE: the message names both ways.
    let r = src.run(&["dump", "-p", p]);
    r.expect_code(2);
    assert!(r.stderr().contains("backup_file"), "{}", r.stderr());

    // ignore_elements for check.
    dst.exec("CREATE FUNCTION app.only_in_dst() RETURNS int LANGUAGE sql AS 'SELECT 1'");
    src.write("exclude.yaml", "exclude_schemas: [schema_b]\n");
    let r = src.run(&[
        "-c",
        "exclude.yaml",
        "check",
        "-p1",
        p,
        "-p2",
        &dst.conninfo,
    ]);
    r.expect_code(1);
    assert!(r.stdout().contains("only_in_dst"), "{}", r.stdout());
    src.write(
        "ignore.yaml",
        "ignore_elements:\n  - functions\nexclude_schemas: [schema_b]\n",
    );
    src.run(&["-c", "ignore.yaml", "check", "-p1", p, "-p2", &dst.conninfo])
        .ok();

    // pg_dump_exe / pg_restore_exe that do not exist: named in the error.
    src.write(
        "badexe.yaml",
        "pg_dump_exe: /nonexistent/cfg/pg_dump\npg_restore_exe: /nonexistent/cfg/pg_restore\n",
    );
    let r = src.run(&["-c", "badexe.yaml", "dump", "-p", p, "x.dump"]);
    r.expect_code(2);
    assert!(
        r.stderr().contains("/nonexistent/cfg/pg_dump"),
        "{}",
        r.stderr()
    );
    assert!(!src.path().join("x.dump").exists());
    let r = src.run(&[
        "-c",
        "badexe.yaml",
        "restore",
        "-p",
        &dst.conninfo,
        "backup.dump",
    ]);
    r.expect_code(2);
    assert!(
        r.stderr().contains("/nonexistent/cfg/pg_restore"),
        "{}",
        r.stderr()
    );
    // The config file's pg_dump_exe wins over PG_DUMP_EXE.
    let r = common::Run(
        src.pum()
            .env("PG_DUMP_EXE", "/nonexistent/env/pg_dump")
            .args(["-c", "badexe.yaml", "dump", "-p", p, "x.dump"])
            .output()
            .unwrap(),
    );
    r.expect_code(2);
    assert!(
        r.stderr().contains("/nonexistent/cfg/pg_dump"),
        "{}",
        r.stderr()
    );
}

#[test]
fn config_mistakes_are_located() {
    let db = Db::new("cfg_bad");
    log_model(&db);
    let p = db.name.as_str();
    db.write("delta/delta_1.0.1_a.sql", "SELECT 1;\n");

    // Unknown key.
    db.write(
        "bad.yaml",
        "upgrades_table: app.info\nupgrade_table: app.other\n",
    );
    let r = db.run(&["-c", "bad.yaml", "info", "-p", p, "-d", "delta"]);
    r.expect_code(2);
    let err = r.stderr();
    assert!(has_location(&err, "bad.yaml", 2), "{err}");
    assert!(err.contains("unknown key 'upgrade_table'"), "{err}");

    // Wrong type.
    db.write("type.yaml", "delta_dir: delta\nlock_timeout: soon\n");
    let r = db.run(&["-c", "type.yaml", "upgrade", "-p", p, "-t", "app.info"]);
    r.expect_code(2);
    let err = r.stderr();
    assert!(has_location(&err, "type.yaml", 2), "{err}");
    assert!(err.contains("soon"), "{err}");

    // A config file that does not exist.
    let r = db.run(&["-c", "no-such-config.yaml", "info", "-p", p]);
    r.expect_code(2);
    assert!(r.stderr().contains("no-such-config.yaml"), "{}", r.stderr());

    // No -t and no config: both ways are named.
    let r = db.run(&["info", "-p", p, "-d", "delta"]);
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains("-t"), "{err}");
    assert!(err.contains("upgrades_table"), "{err}");
    // With a config that lacks it, the file is named.
    db.write("notable.yaml", "delta_dir: delta\n");
    let r = db.run(&["-c", "notable.yaml", "info", "-p", p]);
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains("upgrades_table"), "{err}");
    assert!(err.contains("notable.yaml"), "{err}");
    // Nothing was created by any of these.
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_class WHERE relname IN ('info', 'other')"),
        "0"
    );
}

#[test]
fn pum_0x_config_file_is_accepted() {
    let db = Db::new("cfg_qwat");
    let dst = Db::new("cfg_qwat_dst");
    db.exec(
        "CREATE SCHEMA qwat_od; CREATE SCHEMA qwat_sys;
         CREATE TABLE qwat_od.pipe (id serial PRIMARY KEY, diameter int);
         INSERT INTO qwat_od.pipe (diameter) VALUES (100);",
    );
    let p = db.name.as_str();
    let backup = db.path().join("backup.dump");
    // Keys exactly as QWAT's upgrades config uses them.
    db.write(
        "update/upgrades.yaml",
        &format!(
            "upgrades_table: qwat_sys.info\n\
             delta_dir: update/delta/\n\
             backup_file: {}\n\
             ignore_elements:\n  - columns\n  - constraints\n  - views\n  - sequences\n  \
             - indexes\n  - triggers\n  - functions\n  - rules\n\
             pg_dump_exe: pg_dump\n\
             pg_restore_exe: pg_restore\n",
            backup.display()
        ),
    );
    db.write(
        "update/delta/delta_1.0.1_material.sql",
        "ALTER TABLE qwat_od.pipe ADD COLUMN material text;\n",
    );
    let c = "update/upgrades.yaml";
    db.run(&["-c", c, "baseline", "-p", p, "-b", "1.0.0"]).ok();
    let info = db.run(&["-c", c, "info", "-p", p]);
    info.ok();
    assert!(info.stdout().contains("pending"), "{}", info.stdout());
    db.run(&["-c", c, "upgrade", "-p", p]).ok();
    assert_eq!(
        db.scalar(
            "SELECT count(*) FROM information_schema.columns \
             WHERE table_schema = 'qwat_od' AND column_name = 'material'"
        ),
        "1"
    );
    db.run(&["-c", c, "dump", "-p", p]).ok();
    assert!(backup.is_file());
    db.run(&["-c", c, "restore", "-p", &dst.conninfo]).ok();
    assert_eq!(dst.scalar("SELECT count(*) FROM qwat_od.pipe"), "1");
    // ignore_elements: a column difference is ignored with the config, not without.
    dst.exec("ALTER TABLE qwat_od.pipe ADD COLUMN extra int");
    db.run(&["check", "-p1", p, "-p2", &dst.conninfo])
        .expect_code(1);
    db.run(&["-c", c, "check", "-p1", p, "-p2", &dst.conninfo])
        .ok();
}

/// Runs `pum -c pum.yaml info ...` with `text` as the config file and
/// returns the first line of the error.
fn config_error(db: &Db, text: &str) -> String {
    db.write("pum.yaml", text);
    let r = db.run(&[
        "-c", "pum.yaml", "info", "-p", &db.name, "-t", "a.b", "-d", ".",
    ]);
    r.expect_code(2);
    let err = r.stderr();
    // The location appears once, as file:line:col, not again as serde's
    // "at line N column M".
    assert_eq!(err.matches("pum.yaml:").count(), 1, "{err}");
    let first = err.lines().next().unwrap_or_default().to_string();
    let mut at = first
        .trim_start_matches("error: pum.yaml:")
        .split(':')
        .take(2)
        .map(|n| n.parse::<usize>().unwrap_or(0));
    let (line, col) = (at.next().unwrap_or(0), at.next().unwrap_or(0));
    assert!(!err.contains(&format!("line {line} column {col}")), "{err}");
    first
}

#[test]
fn wrong_types_are_explained_key_by_key() {
    let db = Db::new("cfg_types");
    let cases: &[(&str, &str)] = &[
        (
            "upgrades_table: [a, b]\n",
            "pum.yaml:1:17: upgrades_table: expected a schema-qualified table name such as \
             qwat_sys.info, not a list",
        ),
        (
            "delta_dir: {a: 1}\n",
            "pum.yaml:1:12: delta_dir: expected a directory or a list of directories, not a mapping",
        ),
        (
            "delta_dirs:\n  - a\n  - [b]\n",
            "pum.yaml:3:5: delta_dirs: expected a directory or a list of directories; this item \
             is a list",
        ),
        (
            "backup_file: [x.dump]\n",
            "pum.yaml:1:14: backup_file: expected a file path, not a list",
        ),
        (
            "ignore_elements: {columns: true}\n",
            "pum.yaml:1:18: ignore_elements: expected a list of element names such as \
             [columns, constraints], not a mapping",
        ),
        (
            "ignore_elements: [columns, colums]\n",
            "pum.yaml:1:28: ignore_elements: unknown element 'colums'; expected one of: schemas, \
             extensions, collations, types, domains, tables, columns, constraints, indexes, \
             statistics, views, materialized_views, sequences, functions, triggers, rules, \
             policies, event_triggers, foreign_data_wrappers, foreign_servers, user_mappings, \
             publications, subscriptions, privileges, comments",
        ),
        (
            "pg_dump_exe: [pg_dump]\n",
            "pum.yaml:1:14: pg_dump_exe: expected the path of a pg_dump program, not a list",
        ),
        (
            "pg_restore_exe:\n  path: pg_restore\n",
            "pum.yaml:2:3: pg_restore_exe: expected the path of a pg_restore program, not a mapping",
        ),
        (
            "python: 3.11\n",
            "pum.yaml:1:9: python: expected the name or path of a Python interpreter, not the \
             number 3.11 (quote it if it is meant as text)",
        ),
        (
            "upgrades_table: a.b\nlock_timeout: soon\n",
            "pum.yaml:2:15: lock_timeout: expected a number of seconds, such as 60, not the \
             text 'soon'",
        ),
        (
            "lock_timeout: -5\n",
            "pum.yaml:1:15: lock_timeout: expected a number of seconds, such as 60, not the \
             number -5",
        ),
        (
            "variables: [SRID]\n",
            "pum.yaml:1:12: variables: expected a mapping of NAME: value, such as SRID: 2056, \
             not a list",
        ),
        (
            "variables:\n  SRID: 2056\n  X: [1]\n",
            "pum.yaml:3:6: variables.X: expected a number or a text, not a list",
        ),
        (
            "variables:\n  FLAG: true\n",
            "pum.yaml:2:9: variables.FLAG: expected a number or a text, not true (quote it if \
             it is meant as text)",
        ),
        (
            "exclude_schemas: {public: 1}\n",
            "pum.yaml:1:18: exclude_schemas: expected a list of schema names, not a mapping",
        ),
        (
            "exclude_field_patterns: [[a]]\n",
            "pum.yaml:1:26: exclude_field_patterns: expected a list of SQL LIKE patterns; this \
             item is a list",
        ),
    ];
    for (text, expected) in cases {
        let expected = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            config_error(&db, text),
            format!("error: {expected}"),
            "config:\n{text}"
        );
    }
}

#[test]
fn the_file_itself_must_be_a_mapping() {
    let db = Db::new("cfg_top");
    assert_eq!(
        config_error(&db, "- upgrades_table: a.b\n- delta_dir: delta\n"),
        "error: pum.yaml:1:1: the file must be a mapping of keys such as \
         `upgrades_table: qwat_sys.info`, not a list"
    );
    assert_eq!(
        config_error(&db, "qwat_sys.info\n"),
        "error: pum.yaml:1:1: the file must be a mapping of keys such as \
         `upgrades_table: qwat_sys.info`, not the text 'qwat_sys.info'"
    );
    // Not YAML at all: said so, located once.
    let e = config_error(&db, "upgrades_table: 'a.b\n");
    assert!(
        e.starts_with("error: pum.yaml:2:1: not valid YAML: "),
        "{e}"
    );

    // An empty file, or one with comments only, gives no defaults: the
    // command then asks for what it lacks.
    for text in ["", "\n\n", "# defaults for qwat\n", "~\n"] {
        db.write("pum.yaml", text);
        let r = db.run(&["-c", "pum.yaml", "info", "-p", &db.name, "-d", "."]);
        r.expect_code(2);
        let err = r.stderr();
        assert!(
            err.contains("the upgrades table is missing: give -t SCHEMA.TABLE (or `upgrades_table` in pum.yaml)"),
            "{text:?}: {err}"
        );
    }
}

#[test]
fn unknown_and_repeated_keys_are_named() {
    let db = Db::new("cfg_keys");
    let known = "upgrades_table, delta_dir, delta_dirs, backup_file, ignore_elements, \
                 pg_dump_exe, pg_restore_exe, python, lock_timeout, variables, exclude_schemas, \
                 exclude_field_patterns";
    assert_eq!(
        config_error(&db, "upgrades_table: a.b\nupgrade_table: c.d\n"),
        format!(
            "error: pum.yaml:2:1: unknown key 'upgrade_table' (did you mean upgrades_table?); \
             the keys are: {known}"
        )
    );
    assert_eq!(
        config_error(&db, "delta_dir: d\ncolour: red\n"),
        format!("error: pum.yaml:2:1: unknown key 'colour'; the keys are: {known}")
    );
    assert_eq!(
        config_error(&db, "python: a\npython: b\n"),
        "error: pum.yaml:2:1: python is given twice"
    );
    assert_eq!(
        config_error(&db, "delta_dir: a\ndelta_dirs: [b]\n"),
        "error: pum.yaml:2:1: give either delta_dir or delta_dirs, not both"
    );
}
