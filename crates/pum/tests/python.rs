//! Python deltas end to end: the real pum binary, a real interpreter with
//! psycopg2, a real PostgreSQL.

mod common;

use common::Db;

/// Schema `app`, a log table the deltas write markers into, and the
/// upgrades table `app.info` baselined at 1.0.0.
fn setup(db: &Db) {
    db.exec(
        "CREATE SCHEMA app; \
         CREATE TABLE app.log (id serial PRIMARY KEY, marker text NOT NULL)",
    );
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
}

/// A Python delta whose single DeltaPy subclass appends `marker` to
/// app.log through psycopg2 and the service name pum hands over.
fn py_marker(marker: &str) -> String {
    format!(
        r#"import psycopg2
from pum.core.deltapy import DeltaPy


class Marker(DeltaPy):
    def run(self):
        conn = psycopg2.connect("service={{}}".format(self.pg_service))
        with conn:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO app.log (marker) VALUES (%s)", ({marker:?},))
        conn.close()
"#
    )
}

/// An SQL delta appending `marker` to app.log.
fn sql_marker(marker: &str) -> String {
    format!("INSERT INTO app.log (marker) VALUES ('{marker}');\n")
}

fn markers(db: &Db) -> Vec<String> {
    db.column("SELECT marker FROM app.log ORDER BY id")
}

/// MD5 of a text as PostgreSQL computes it (independent of pum's code).
fn md5_of(db: &Db, text: &str) -> String {
    assert!(!text.contains("$md5$"));
    db.scalar(&format!("SELECT md5($md5${text}$md5$)"))
}

#[test]
fn psycopg2_delta_is_applied_and_recorded() {
    let db = Db::new("py_psycopg2");
    setup(&db);
    let content = py_marker("from python");
    db.write("delta/delta_1.0.1_fill.py", &content);
    let up = db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"]);
    up.ok();
    assert_eq!(markers(&db), ["from python"]);
    assert_eq!(
        db.rows(
            "SELECT version, description, type, script, success FROM app.info \
             WHERE type <> 0 ORDER BY id"
        ),
        ["1.0.1|fill|4|delta/delta_1.0.1_fill.py|t"]
    );
    assert_eq!(
        db.scalar("SELECT checksum FROM app.info WHERE version = '1.0.1'"),
        md5_of(&db, &content)
    );
    // Recorded, so not run again.
    db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
        .ok();
    assert_eq!(markers(&db), ["from python"]);
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "2");
}

#[test]
fn delta_can_shell_out_to_psql() {
    let db = Db::new("py_psql");
    setup(&db);
    db.write(
        "delta/delta_1.0.1_psql.py",
        r#"import subprocess
from pum.core.deltapy import DeltaPy


class ViaPsql(DeltaPy):
    def run(self):
        subprocess.run(
            ["psql", "service={}".format(self.pg_service), "-X",
             "-v", "ON_ERROR_STOP=1",
             "-c", "INSERT INTO app.log (marker) VALUES ('via psql')"],
            check=True,
        )
"#,
    );
    let up = db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"]);
    up.ok();
    assert_eq!(markers(&db), ["via psql"]);
    // psql's own output reaches pum's output.
    assert!(up.stdout().contains("INSERT 0 1"), "{}", up.all());
    assert_eq!(
        db.rows("SELECT version, type FROM app.info WHERE type <> 0"),
        ["1.0.1|4"]
    );
}

#[test]
fn raising_delta_fails_and_is_not_recorded() {
    let db = Db::new("py_raise");
    setup(&db);
    db.write("delta/delta_1.0.1_before.sql", &sql_marker("1.0.1"));
    let content = r#"from pum.core.deltapy import DeltaPy


def check(diameter):
    if diameter is None:
        raise ValueError("pipe diameter missing")


class Boom(DeltaPy):
    def run(self):
        print("starting boom")
        check(None)
"#;
    let raise_line = content
        .lines()
        .position(|l| l.contains("raise ValueError"))
        .unwrap()
        + 1;
    db.write("delta/delta_1.0.2_boom.py", content);
    db.write("delta/delta_1.0.3_after.sql", &sql_marker("1.0.3"));
    let up = db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"]);
    up.expect_code(2);
    let err = up.stderr();
    assert!(
        err.contains("ValueError: pipe diameter missing"),
        "{}",
        up.all()
    );
    assert!(
        err.contains(&format!("delta_1.0.2_boom.py\", line {raise_line}")),
        "line {raise_line} of the raise not shown:\n{}",
        up.all()
    );
    assert!(up.stdout().contains("starting boom"), "{}", up.all());
    assert_eq!(markers(&db), ["1.0.1"]);
    assert_eq!(
        db.rows("SELECT version, description FROM app.info ORDER BY id"),
        ["1.0.0|baseline", "1.0.1|before"]
    );

    // Fixed: the run resumes at the Python delta.
    db.write(
        "delta/delta_1.0.2_boom.py",
        &content.replace("check(None)", "check(1)"),
    );
    db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
        .ok();
    assert_eq!(markers(&db), ["1.0.1", "1.0.3"]);
    assert_eq!(
        db.column("SELECT version FROM app.info ORDER BY id"),
        ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    );
}

#[test]
fn subclasses_messages_and_properties() {
    let db = Db::new("py_props");
    setup(&db);
    db.write("delta/delta_1.0.1_first.sql", &sql_marker("sql 1.0.1"));
    // Defined in reverse order: they run in alphabetical order of name.
    db.write(
        "delta/delta_1.0.2_props.py",
        r#"import json
import psycopg2
from pum.core.deltapy import DeltaPy


def log(self, marker):
    conn = psycopg2.connect("service={}".format(self.pg_service))
    with conn:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO app.log (marker) VALUES (%s)", (marker,))
    conn.close()


class Zulu(DeltaPy):
    def run(self):
        log(self, "Zulu")
        self.write_message("zulu ran")


class Alpha(DeltaPy):
    def run(self):
        log(self, "Alpha")
        self.write_message("alpha ran")
        self.write_message("PROPS " + json.dumps({
            "delta_dir": self.delta_dir,
            "delta_dirs": self.delta_dirs,
            "upgrades_table": self.upgrades_table,
            "current_db_version": str(self.current_db_version),
            "version_type": type(self.current_db_version).__name__,
            "variables": {k: [type(v).__name__, v] for k, v in self.variables.items()},
        }, sort_keys=True))
"#,
    );
    db.write("more/delta_1.0.3_last.sql", &sql_marker("sql 1.0.3"));
    let up = db.run(&[
        "upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta", "more", "-v", "int", "SRID",
        "2056", "-v", "float", "RATIO", "2.5", "-v", "text", "LABEL", "pipes",
    ]);
    up.ok();
    assert_eq!(
        markers(&db),
        ["sql 1.0.1", "Alpha", "Zulu", "sql 1.0.3"],
        "{}",
        up.all()
    );
    let out = up.stdout();
    let alpha = out
        .find("Message from Alpha: alpha ran")
        .unwrap_or_else(|| panic!("no message from Alpha:\n{}", up.all()));
    let zulu = out
        .find("Message from Zulu: zulu ran")
        .unwrap_or_else(|| panic!("no message from Zulu:\n{}", up.all()));
    assert!(alpha < zulu, "{out}");

    let props_line = out
        .lines()
        .find_map(|l| l.split_once("Message from Alpha: PROPS ").map(|(_, j)| j))
        .unwrap_or_else(|| panic!("no properties:\n{}", up.all()));
    let props: serde_json::Value = serde_json::from_str(props_line).unwrap();
    assert_eq!(props["delta_dir"], "delta/", "{props}");
    assert_eq!(props["delta_dirs"], serde_json::json!(["delta", "more"]));
    assert_eq!(props["upgrades_table"], "app.info");
    assert_eq!(props["current_db_version"], "1.0.1");
    assert_eq!(props["version_type"], "Version");
    assert_eq!(
        props["variables"],
        serde_json::json!({
            "SRID": ["int", 2056],
            "RATIO": ["float", 2.5],
            "LABEL": ["str", "pipes"],
        })
    );
    assert_eq!(
        db.column("SELECT version FROM app.info ORDER BY id"),
        ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    );
}

#[test]
fn current_db_version_of_first_delta_is_the_baseline() {
    let db = Db::new("py_curver");
    setup(&db);
    db.write(
        "delta/delta_1.0.1_v.py",
        r#"from pum.core.deltapy import DeltaPy


class V(DeltaPy):
    def run(self):
        self.write_message("version={}".format(self.current_db_version))
        self.write_message("vars={}".format(self.variables))
"#,
    );
    let up = db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"]);
    up.ok();
    assert!(
        up.stdout().contains("Message from V: version=1.0.0"),
        "{}",
        up.all()
    );
    assert!(
        up.stdout().contains("Message from V: vars={}"),
        "{}",
        up.all()
    );
}

#[test]
fn pre_post_and_always_files_order_across_two_dirs() {
    let db = Db::new("py_order");
    setup(&db);
    for d in ["d1", "d2"] {
        db.write(
            &format!("{d}/pre-all.py"),
            &py_marker(&format!("{d} pre-all.py")),
        );
        db.write(
            &format!("{d}/pre-all.sql"),
            &sql_marker(&format!("{d} pre-all.sql")),
        );
        db.write(
            &format!("{d}/post-all.py"),
            &py_marker(&format!("{d} post-all.py")),
        );
        db.write(
            &format!("{d}/post-all.sql"),
            &sql_marker(&format!("{d} post-all.sql")),
        );
    }
    db.write("d1/delta_1.0.1_a.pre.py", &py_marker("1.0.1 pre.py"));
    db.write("d1/delta_1.0.1_a.sql", &sql_marker("1.0.1 sql"));
    db.write("d1/delta_1.0.1_a.post.py", &py_marker("1.0.1 post.py"));
    db.write("d2/delta_1.0.2_b.pre.sql", &sql_marker("1.0.2 pre.sql"));
    db.write("d2/delta_1.0.2_b.py", &py_marker("1.0.2 py"));
    db.write("d2/delta_1.0.2_b.post.sql", &sql_marker("1.0.2 post.sql"));

    let args = [
        "upgrade", "-p", &db.name, "-t", "app.info", "-d", "d1", "d2",
    ];
    db.run(&args).ok();
    let always_before = [
        "d2 pre-all.py",
        "d2 pre-all.sql",
        "d1 pre-all.py",
        "d1 pre-all.sql",
    ];
    let always_after = [
        "d1 post-all.py",
        "d1 post-all.sql",
        "d2 post-all.py",
        "d2 post-all.sql",
    ];
    let mut expected: Vec<&str> = always_before.to_vec();
    expected.extend([
        "1.0.1 pre.py",
        "1.0.1 sql",
        "1.0.1 post.py",
        "1.0.2 pre.sql",
        "1.0.2 py",
        "1.0.2 post.sql",
    ]);
    expected.extend(always_after);
    assert_eq!(markers(&db), expected);
    let history = [
        "1.0.0|baseline|0|",
        "1.0.1|a|5|d1/delta_1.0.1_a.pre.py",
        "1.0.1|a|8|d1/delta_1.0.1_a.sql",
        "1.0.1|a|6|d1/delta_1.0.1_a.post.py",
        "1.0.2|b|9|d2/delta_1.0.2_b.pre.sql",
        "1.0.2|b|4|d2/delta_1.0.2_b.py",
        "1.0.2|b|10|d2/delta_1.0.2_b.post.sql",
    ];
    let history_sql = "SELECT version, description, type, script FROM app.info ORDER BY id";
    assert_eq!(db.rows(history_sql), history);

    // Nothing pending: pre-all and post-all still run, and are never recorded.
    db.exec("TRUNCATE app.log");
    db.run(&args).ok();
    let mut again: Vec<&str> = always_before.to_vec();
    again.extend(always_after);
    assert_eq!(markers(&db), again);
    assert_eq!(db.rows(history_sql), history);
}

#[test]
fn conninfo_target_gives_the_delta_a_temporary_service() {
    let db = Db::new("py_conninfo");
    setup(&db);
    db.write(
        "delta/delta_1.0.1_svc.py",
        r#"import os
import psycopg2
from pum.core.deltapy import DeltaPy


class Svc(DeltaPy):
    def run(self):
        conn = psycopg2.connect("service=" + self.pg_service)
        with conn:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO app.log (marker) VALUES (current_database())")
        conn.close()
        self.write_message("service file " + os.environ["PGSERVICEFILE"])
"#,
    );
    // No service file at all in pum's environment: only the connection string.
    let out = db
        .pum()
        .env_remove("PGSERVICEFILE")
        .args([
            "upgrade",
            "-p",
            &db.conninfo,
            "-t",
            "app.info",
            "-d",
            "delta",
        ])
        .output()
        .unwrap();
    let up = common::Run(out);
    up.ok();
    assert_eq!(markers(&db), std::slice::from_ref(&db.name));
    assert_eq!(
        db.rows("SELECT version, type FROM app.info WHERE type <> 0"),
        ["1.0.1|4"]
    );
    let file = up
        .stdout()
        .lines()
        .find_map(|l| {
            l.split_once("Message from Svc: service file ")
                .map(|(_, f)| f.to_string())
        })
        .unwrap_or_else(|| panic!("{}", up.all()));
    assert!(
        !std::path::Path::new(&file).exists(),
        "temporary service file {file} left behind"
    );
}

#[test]
fn missing_interpreter_is_reported_with_the_fix() {
    let db = Db::new("py_nointerp");
    setup(&db);
    db.write("delta/delta_1.0.1_p.py", &py_marker("py"));
    db.write("delta/delta_1.0.2_s.sql", &sql_marker("sql"));
    let up = db.run(&[
        "upgrade",
        "-p",
        &db.name,
        "-t",
        "app.info",
        "-d",
        "delta",
        "--python",
        "/nonexistent/python",
    ]);
    up.expect_code(2);
    let err = up.stderr();
    assert!(err.contains("/nonexistent/python"), "{}", up.all());
    assert!(err.contains("--python"), "{}", up.all());
    assert!(err.contains("PUM_PYTHON"), "{}", up.all());
    assert!(markers(&db).is_empty());
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");

    // PUM_PYTHON is honoured.
    let out = db
        .pum()
        .env("PUM_PYTHON", "/nonexistent/pum-python-from-env")
        .args(["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
        .output()
        .unwrap();
    let up = common::Run(out);
    up.expect_code(2);
    assert!(
        up.stderr().contains("/nonexistent/pum-python-from-env"),
        "{}",
        up.all()
    );
    assert!(markers(&db).is_empty());
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");

    // --python wins over PUM_PYTHON.
    let out = db
        .pum()
        .env("PUM_PYTHON", "/nonexistent/pum-python-from-env")
        .args([
            "upgrade",
            "-p",
            &db.name,
            "-t",
            "app.info",
            "-d",
            "delta",
            "--python",
            &common::python(),
        ])
        .output()
        .unwrap();
    common::Run(out).ok();
    assert_eq!(markers(&db), ["py", "sql"]);
}

#[test]
fn file_without_deltapy_subclass_warns_and_continues() {
    let db = Db::new("py_nosub");
    setup(&db);
    db.write(
        "delta/delta_1.0.1_plain.py",
        "print('plain module imported')\n",
    );
    db.write("delta/delta_1.0.2_next.sql", &sql_marker("next"));
    let up = db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"]);
    up.ok();
    assert!(
        up.stderr().contains("warning:") && up.stderr().contains("no subclass of DeltaPy"),
        "{}",
        up.all()
    );
    assert!(
        up.stderr().contains("delta_1.0.1_plain.py"),
        "warning does not name the file:\n{}",
        up.all()
    );
    assert!(
        up.stdout().contains("plain module imported"),
        "{}",
        up.all()
    );
    assert_eq!(markers(&db), ["next"]);
    assert_eq!(
        db.column("SELECT version FROM app.info ORDER BY id"),
        ["1.0.0", "1.0.1", "1.0.2"]
    );
}

#[test]
fn missing_interpreter_fails_before_any_delta_runs() {
    let db = Db::new("py_nointerp_first");
    setup(&db);
    db.write("delta/delta_1.0.1_sql_first.sql", &sql_marker("sql"));
    db.write("delta/delta_1.0.2_py_second.py", &py_marker("py"));
    let out = db.run(&[
        "upgrade",
        "-p",
        &db.name,
        "-t",
        "app.info",
        "-d",
        "delta",
        "--python",
        "/nonexistent/python3",
    ]);
    out.expect_code(2);
    assert!(
        out.stderr().contains("/nonexistent/python3"),
        "{}",
        out.stderr()
    );
    // The SQL delta before the Python one did not run either.
    assert!(markers(&db).is_empty());
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");
}

/// Without --python, PUM_PYTHON or a config key, pum runs the `python3`
/// first on PATH. A module missing there is reported with the module, that
/// interpreter, and every way to choose another one.
#[test]
fn missing_module_names_the_interpreter_from_path_and_how_to_choose() {
    let envs = std::env::var_os("PUM_TEST_PY_ENVS")
        .expect("set PUM_TEST_PY_ENVS, see scripts/setup.sh --tests");
    // A venv without psycopg2, first on PATH.
    let bin = std::path::Path::new(&envs).join("bare/bin");
    let db = Db::new("missing_module");
    setup(&db);
    db.write("delta/delta_1.0.1_needs.py", &py_marker("never"));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = db
        .pum()
        .env_remove("PUM_PYTHON")
        .env("PATH", path)
        .args(["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
        .output()
        .unwrap();
    let up = common::Run(out);
    up.expect_code(2);
    common::assert_has(
        &up.stderr(),
        &[
            "No module named 'psycopg2'",
            &format!(
                "the Python files ran with {} (Python 3.",
                bin.join("python3").display()
            ),
            "install the missing module ('psycopg2') for that interpreter",
            "--python, PUM_PYTHON or the config file's `python` key",
        ],
    );
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");
}
