//! test-and-upgrade / test: rehearsing an upgrade on a copy of production.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use common::{Db, Run};

const T: &str = "app_sys.info";

/// The data model at 1.0.0, as its creation script builds it.
const CREATE_100: &str = "
CREATE SCHEMA app;
CREATE SCHEMA app_sys;
CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int);
INSERT INTO app.pipe (diameter) VALUES (100), (200);
";

const DELTA_101: &str = "CREATE TABLE app.material (id int PRIMARY KEY, name text);
ALTER TABLE app.pipe ADD COLUMN material int REFERENCES app.material;
";

const DELTA_110: &str = "-- the network view
CREATE VIEW app.vw_pipe AS SELECT p.id, p.diameter, m.name AS material
  FROM app.pipe p LEFT JOIN app.material m ON m.id = p.material;
";

/// The data model at 1.1.0, built fresh.
const REF_110: &str = "
CREATE SCHEMA app;
CREATE SCHEMA app_sys;
CREATE TABLE app.material (id int PRIMARY KEY, name text);
CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int, material int REFERENCES app.material);
CREATE VIEW app.vw_pipe AS SELECT p.id, p.diameter, m.name AS material
  FROM app.pipe p LEFT JOIN app.material m ON m.id = p.material;
";

/// Production at 1.0.0 (creation script + baseline) with the deltas and
/// ref.sql in its directory, and a reference database at 1.1.0.
fn setup(test: &str) -> (Db, Db) {
    setup_with(test, CREATE_100, &[DELTA_101, DELTA_110], REF_110)
}

fn setup_with(test: &str, create: &str, deltas: &[&str], reference: &str) -> (Db, Db) {
    let prod = Db::new(&format!("{test}_prod"));
    let comp = Db::new(&format!("{test}_comp"));
    prod.exec(create);
    prod.write("create_1.0.0.sql", create);
    let names = [
        "delta/delta_1.0.1_material.sql",
        "delta/delta_1.1.0_view.sql",
    ];
    for (name, text) in names.iter().zip(deltas) {
        prod.write(name, text);
    }
    prod.write("ref.sql", reference);
    prod.run(&["baseline", "-p", &prod.name, "-t", T, "-b", "1.0.0"])
        .ok();
    comp.exec(reference);
    prod.run(&["baseline", "-p", &comp.conninfo, "-t", T, "-b", "1.1.0"])
        .ok();
    (prod, comp)
}

/// What must not change when production is left untouched.
fn state(db: &Db) -> Vec<String> {
    let mut s = db.rows(&format!(
        "SELECT id, version, description, type, script, checksum, success FROM {T} ORDER BY id"
    ));
    s.extend(db.column(
        "SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type \
         FROM information_schema.columns WHERE table_schema IN ('app', 'ext') ORDER BY 1",
    ));
    s.extend(db.column(
        "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('app', 'ext') ORDER BY 1",
    ));
    s
}

fn versions(db: &Db) -> Vec<String> {
    db.column(&format!(
        "SELECT version || ' ' || description FROM {T} ORDER BY id"
    ))
}

/// Runs pum with stdin from /dev/null and returns its output and pid
/// (scratch databases carry the pid in their name).
fn run_pid(db: &Db, args: &[&str]) -> (Run, u32) {
    let child = db
        .pum()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pum");
    let pid = child.id();
    (Run(child.wait_with_output().unwrap()), pid)
}

/// Scratch databases of the pum run `pid` still on the server.
fn scratch_left(db: &Db, pid: u32) -> Vec<String> {
    db.column(&format!(
        "SELECT datname FROM pg_database WHERE datname LIKE 'pum\\_%\\_{pid}\\_%' ORDER BY 1"
    ))
}

fn rehearsal_args<'a>(cmd: &'a str, prod: &'a Db, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd, "-pp", prod.name.as_str(), "-t", T, "-d", "delta"];
    v.extend_from_slice(rest);
    v
}

#[test]
fn test_and_upgrade_upgrades_production_after_a_clean_rehearsal() {
    let (prod, comp) = setup("rh_ok");
    let test = Db::new("rh_ok_test");
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &["-pt", &test.conninfo, "-pc", &comp.conninfo, "--yes"],
    ));
    r.ok();
    let out = r.stdout();
    assert!(
        out.contains("The rehearsal passed and production was upgraded."),
        "{out}"
    );
    for step in [
        "== dump production",
        "== restore into the test database",
        "== upgrade the test database",
        "== compare with the reference",
        "== upgrade production",
    ] {
        assert!(out.contains(step), "{step}: {out}");
    }
    assert_eq!(
        versions(&prod),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
    prod.run(&["check", "-p1", &prod.name, "-p2", &comp.conninfo])
        .ok();
    // Production's data is still there.
    assert_eq!(prod.scalar("SELECT count(*) FROM app.vw_pipe"), "2");
    // The test database was restored from production and upgraded.
    assert_eq!(
        versions(&test),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
    assert_eq!(
        test.scalar("SELECT string_agg(diameter::text, ',' ORDER BY id) FROM app.vw_pipe"),
        "100,200"
    );
}

#[test]
fn differences_stop_before_production() {
    let (prod, comp) = setup("rh_diff");
    comp.exec("ALTER TABLE app.pipe ADD COLUMN extra_col_xyz int");
    let test = Db::new("rh_diff_test");
    let before = state(&prod);
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &["-pt", &test.conninfo, "-pc", &comp.conninfo, "--yes"],
    ));
    r.expect_code(1);
    let out = r.stdout();
    assert!(out.contains("extra_col_xyz"), "{out}");
    assert!(out.contains("only in B"), "{out}");
    assert!(
        out.contains("differs from the reference: production was not touched"),
        "{out}"
    );
    assert!(!out.contains("== upgrade production"), "{out}");
    assert_eq!(state(&prod), before);
    assert_eq!(versions(&prod), ["1.0.0 baseline"]);
}

#[test]
fn failing_delta_in_the_rehearsal_exits_5() {
    let (prod, comp) = setup("rh_fail");
    prod.write(
        "delta/delta_1.1.0_view.sql",
        "-- line 1\nSELECT 1;\nSELECT * FROM no_such_table_zz;\n",
    );
    let test = Db::new("rh_fail_test");
    let before = state(&prod);
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &["-pt", &test.conninfo, "-pc", &comp.conninfo, "--yes"],
    ));
    r.expect_code(5);
    let err = r.stderr();
    assert!(
        err.contains("The rehearsal failed at step: upgrade the test database."),
        "{err}"
    );
    assert!(err.contains("delta_1.1.0_view.sql:3"), "{err}");
    assert!(err.contains("no_such_table_zz"), "{err}");
    assert!(err.contains("Production was not changed."), "{err}");
    assert_eq!(state(&prod), before);
}

/// A test database that holds a schema of production's (but no relation,
/// so it passes as empty) makes pg_restore fail on that schema and go on:
/// pum says the test database is partly restored and what to do.
#[test]
fn failing_restore_in_the_rehearsal_exits_4_and_says_what_is_left() {
    let (prod, comp) = setup("rh_rfail");
    let test = Db::new("rh_rfail_test");
    test.exec("CREATE SCHEMA app");
    let before = state(&prod);
    let r = prod.run(&rehearsal_args(
        "test",
        &prod,
        &["-pt", &test.conninfo, "-pc", &comp.conninfo],
    ));
    r.expect_code(4);
    let err = r.stderr().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        err.contains("The rehearsal failed at step: restore into the test database."),
        "{err}"
    );
    assert!(
        err.contains(r#"SCHEMA "app": schema "app" already exists"#),
        "{err}"
    );
    assert!(err.contains("archive entries failed and"), "{err}");
    assert!(err.contains("partly restored"), "{err}");
    assert!(err.contains("drop and re-create it"), "{err}");
    assert!(err.contains("use -x"), "{err}");
    // `pum restore`'s own advice does not apply to a rehearsal.
    assert!(!err.contains("--single-transaction"), "{err}");
    assert!(err.contains("Production was not changed."), "{err}");
    assert_eq!(state(&prod), before);
    // It is partly restored indeed: the tables came in.
    assert_eq!(test.scalar("SELECT count(*) FROM app.pipe"), "2");
}

/// A reference that cannot be used is found before anything is dumped:
/// exit code 2, the reference and the cause named, the test database and
/// production untouched.
#[test]
fn unusable_reference_fails_before_the_dump() {
    let (prod, _comp) = setup("rh_badref");
    let test = Db::new("rh_badref_test");
    let before = state(&prod);
    prod.write("not_a_snapshot.json", "{\"hello\": 1}\n");
    let cases: &[(&str, &[&str])] = &[
        // A snapshot file that does not exist.
        ("missing_ref.json", &["missing_ref.json", "not found"]),
        // A file that is not a snapshot.
        (
            "not_a_snapshot.json",
            &["not_a_snapshot.json", "not a pum schema snapshot"],
        ),
        // A connection that cannot be made.
        (
            "host=/nonexistent/pum-socket-dir dbname=ref_db",
            &["/nonexistent/pum-socket-dir", "could not connect"],
        ),
        // A service that does not exist.
        ("no_such_ref_service", &["no_such_ref_service"]),
    ];
    for cmd in ["test", "test-and-upgrade"] {
        for (reference, expected) in cases {
            let mut args = rehearsal_args(cmd, &prod, &["-pt", &test.conninfo, "-pc", reference]);
            if cmd == "test-and-upgrade" {
                args.push("--yes");
            }
            let (r, pid) = run_pid(&prod, &args);
            r.expect_code(2);
            let err = r.stderr();
            assert!(err.contains("the reference"), "{reference}: {err}");
            assert!(err.contains("(-pc)"), "{reference}: {err}");
            assert!(
                err.contains("before the rehearsal started"),
                "{reference}: {err}"
            );
            for e in *expected {
                assert!(err.contains(e), "{reference}: {err}");
            }
            // Nothing was dumped or restored.
            assert!(!r.stdout().contains("== dump production"), "{}", r.stdout());
            assert_eq!(
                test.scalar(
                    "SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
                     AND nspname NOT IN ('public', 'information_schema')"
                ),
                "0"
            );
            assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());
        }
    }
    assert_eq!(state(&prod), before);
    // Without -pt either: no scratch database is created or left.
    let (r, pid) = run_pid(
        &prod,
        &rehearsal_args("test", &prod, &["-pc", "no_such_ref_service"]),
    );
    r.expect_code(2);
    assert!(!r.stdout().contains("== dump production"), "{}", r.stdout());
    assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());
}

#[test]
fn scratch_test_database_is_dropped_unless_kept() {
    let (prod, comp) = setup("rh_scratch");
    let before = state(&prod);

    // Success.
    let (r, pid) = run_pid(
        &prod,
        &rehearsal_args("test", &prod, &["-pc", &comp.conninfo]),
    );
    r.ok();
    assert!(
        r.stdout().contains("The rehearsal passed"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stdout().contains(&format!("pum_test_{pid}_")),
        "the scratch database is shown: {}",
        r.stdout()
    );
    assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());

    // Failure.
    prod.write(
        "bad/delta_1.0.1_boom.sql",
        "SELECT * FROM no_such_table_boom;\n",
    );
    let (r, pid) = run_pid(
        &prod,
        &[
            "test",
            "-pp",
            &prod.name,
            "-t",
            T,
            "-d",
            "bad",
            "-pc",
            &comp.conninfo,
        ],
    );
    r.expect_code(5);
    assert!(r.stderr().contains("no_such_table_boom"), "{}", r.stderr());
    assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());

    // Differences (exit 1) also drop it.
    comp.exec("ALTER TABLE app.pipe ADD COLUMN extra_scratch int");
    let (r, pid) = run_pid(
        &prod,
        &rehearsal_args("test", &prod, &["-pc", &comp.conninfo]),
    );
    r.expect_code(1);
    assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());
    comp.exec("ALTER TABLE app.pipe DROP COLUMN extra_scratch");

    // --keep: it stays, and its name is printed.
    let (r, pid) = run_pid(
        &prod,
        &rehearsal_args("test", &prod, &["-pc", &comp.conninfo, "--keep"]),
    );
    r.ok();
    let left = scratch_left(&prod, pid);
    assert_eq!(left.len(), 1, "{left:?}");
    let kept = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("Kept: "))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no Kept line: {}", r.stdout()));
    assert!(kept.contains(&left[0]), "{kept} / {left:?}");
    // The kept copy is the upgraded one.
    let name = left[0].clone();
    let rows = {
        let s = common::cluster().lock().unwrap();
        let t = pum_core::pg::ConnTarget::parse(&s.conninfo(&name)).unwrap();
        drop(s);
        let mut c = pum_core::pg::Conn::connect(&t, "pum-tests").unwrap();
        let q = c.query(&format!("SELECT count(*) FROM {T}"), &[]).unwrap();
        q.scalar().unwrap().to_string()
    };
    common::cluster()
        .lock()
        .unwrap()
        .drop_database(&name)
        .unwrap();
    assert_eq!(rows, "3");
    assert_eq!(state(&prod), before);
}

#[test]
fn sandbox_rehearsal_leaves_nothing_behind() {
    let (prod, comp) = setup("rh_sbx");
    // A private temporary directory (reachable by the server user) so that
    // the harness's own cluster and other runs do not get in the way.
    let tmp = tempfile::Builder::new()
        .prefix("pum-rh-tmp-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let listing = || -> Vec<String> {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(listing().is_empty());
    let child = prod
        .pum()
        .env("TMPDIR", tmp.path())
        .args(rehearsal_args(
            "test-and-upgrade",
            &prod,
            &["--sandbox", "-pc", &comp.conninfo, "--yes"],
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let r = Run(child.wait_with_output().unwrap());
    r.ok();
    assert!(
        r.stdout().contains("production was upgraded"),
        "{}",
        r.stdout()
    );
    assert_eq!(
        versions(&prod),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
    prod.run(&["check", "-p1", &prod.name, "-p2", &comp.conninfo])
        .ok();
    // The test database was in a cluster under TMPDIR, not on production's server.
    let restore_line = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("== restore into the test database"))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(
        restore_line.contains(&format!("{}/pum-sandbox-", tmp.path().display())),
        "{}",
        r.stdout()
    );
    // Nothing on production's server, nothing in the temporary directory.
    assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());
    let left: Vec<String> = listing()
        .into_iter()
        .filter(|n| n.starts_with("pum-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn comp_init_builds_the_reference() {
    let (prod, _comp) = setup("rh_init");
    let test = Db::new("rh_init_test");
    let ok = format!(
        "psql -X -q -v ON_ERROR_STOP=1 -f ref.sql && '{}' baseline -p \"$PGSERVICE\" -t {T} -b 1.1.0",
        env!("CARGO_BIN_EXE_pum")
    );
    let (r, pid) = run_pid(
        &prod,
        &rehearsal_args(
            "test-and-upgrade",
            &prod,
            &["-pt", &test.conninfo, "--comp-init", &ok, "--yes"],
        ),
    );
    r.ok();
    assert_eq!(
        versions(&prod),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
    assert_eq!(scratch_left(&prod, pid), Vec::<String>::new());

    // The reference really is what the command builds: one more column in
    // it is a difference.
    let (prod2, _c2) = setup("rh_init2");
    prod2.write(
        "ref_extra.sql",
        &format!("{REF_110}ALTER TABLE app.pipe ADD COLUMN init_extra_col int;\n"),
    );
    let extra = format!(
        "psql -X -q -v ON_ERROR_STOP=1 -f ref_extra.sql && '{}' baseline -p \"$PGSERVICE\" -t {T} -b 1.1.0",
        env!("CARGO_BIN_EXE_pum")
    );
    let (r, pid) = run_pid(
        &prod2,
        &rehearsal_args("test", &prod2, &["--comp-init", &extra]),
    );
    r.expect_code(1);
    assert!(r.stdout().contains("init_extra_col"), "{}", r.stdout());
    assert_eq!(scratch_left(&prod2, pid), Vec::<String>::new());

    // A failing command: exit 6 with its stderr.
    prod2.write("ref_bad.sql", "SELECT * FROM no_such_table_ref;\n");
    let before = state(&prod2);
    let (r, pid) = run_pid(
        &prod2,
        &rehearsal_args(
            "test-and-upgrade",
            &prod2,
            &[
                "--comp-init",
                "psql -X -q -v ON_ERROR_STOP=1 -f ref_bad.sql",
                "--yes",
            ],
        ),
    );
    r.expect_code(6);
    let err = r.stderr();
    assert!(
        err.contains("The rehearsal failed at step: compare with the reference."),
        "{err}"
    );
    assert!(err.contains("--comp-init command failed"), "{err}");
    assert!(err.contains("no_such_table_ref"), "{err}");
    assert!(err.contains("Production was not changed."), "{err}");
    assert_eq!(state(&prod2), before);
    assert_eq!(scratch_left(&prod2, pid), Vec::<String>::new());
}

#[test]
fn snapshot_file_as_reference() {
    let (prod, comp) = setup("rh_snap");
    prod.run(&["snapshot", "-p", &comp.conninfo, "-o", "ref.json"])
        .ok();
    // A snapshot of production itself (still at 1.0.0) as a wrong reference.
    prod.run(&["snapshot", "-p", &prod.name, "-o", "old.json"])
        .ok();
    let test = Db::new("rh_snap_test");
    let r = prod.run(&rehearsal_args(
        "test",
        &prod,
        &["-pt", &test.conninfo, "-pc", "old.json"],
    ));
    r.expect_code(1);
    assert!(r.stdout().contains("vw_pipe"), "{}", r.stdout());

    let test2 = Db::new("rh_snap_test2");
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &["-pt", &test2.conninfo, "-pc", "ref.json", "--yes"],
    ));
    r.ok();
    assert_eq!(
        versions(&prod),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
}

#[test]
fn no_terminal_no_yes_and_test_never_touch_production() {
    let (prod, comp) = setup("rh_confirm");
    let before = state(&prod);
    let test = Db::new("rh_confirm_test");
    let (r, _) = run_pid(
        &prod,
        &rehearsal_args(
            "test-and-upgrade",
            &prod,
            &["-pt", &test.conninfo, "-pc", &comp.conninfo],
        ),
    );
    r.expect_code(8);
    assert!(r.stderr().contains("--yes"), "{}", r.stderr());
    assert!(
        r.stdout().contains("Production was not upgraded."),
        "{}",
        r.stdout()
    );
    assert!(
        !r.stdout().contains("== upgrade production"),
        "{}",
        r.stdout()
    );
    assert_eq!(state(&prod), before);
    // The rehearsal itself ran.
    assert_eq!(versions(&test).len(), 3);

    // `pum test`: never touches production, exit 0 when matching.
    let test2 = Db::new("rh_confirm_test2");
    let (r, _) = run_pid(
        &prod,
        &rehearsal_args(
            "test",
            &prod,
            &["-pt", &test2.conninfo, "-pc", &comp.conninfo],
        ),
    );
    r.ok();
    assert!(
        r.stdout()
            .contains("the upgraded copy matches the reference. Production was not touched."),
        "{}",
        r.stdout()
    );
    assert_eq!(state(&prod), before);
    assert_eq!(versions(&test2).len(), 3);
}

#[test]
fn production_changed_since_the_dump_is_refused() {
    let (prod, comp) = setup("rh_guard");
    let test = Db::new("rh_guard_test");
    // A Python delta that, when run on the test copy (not on production),
    // plays "someone else" upgrading production meanwhile.
    prod.write(
        "delta/delta_1.1.1_intrude.py",
        &format!(
            r#"import psycopg2
from pum.core.deltapy import DeltaPy


class Intrude(DeltaPy):
    def run(self):
        conn = psycopg2.connect("service={{}}".format(self.pg_service))
        with conn:
            with conn.cursor() as cur:
                cur.execute("SELECT current_database()")
                here = cur.fetchone()[0]
        conn.close()
        if here == {prod_name:?}:
            raise Exception("must never run on production")
        prod = psycopg2.connect({prod_conninfo:?})
        with prod:
            with prod.cursor() as cur:
                cur.execute(
                    "INSERT INTO {T} (version, description, type, script, checksum, "
                    "installed_by, execution_time, success) "
                    "VALUES ('0.0.1', 'intruder', 8, 'x.sql', '', 'someone', 0, true)"
                )
        prod.close()
"#,
            prod_name = prod.name,
            prod_conninfo = prod.conninfo,
        ),
    );
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &["-pt", &test.conninfo, "-pc", &comp.conninfo, "--yes"],
    ));
    r.expect_code(8);
    let err = r.stderr();
    assert!(
        err.contains("The rehearsal failed at step: confirm."),
        "{err}"
    );
    assert!(
        err.contains("upgrades table of production changed since the dump"),
        "{err}"
    );
    assert!(err.contains("Production was not changed."), "{err}");
    // Only the intruder's row was added; no delta ran on production.
    assert_eq!(versions(&prod), ["1.0.0 baseline", "0.0.1 intruder"]);
    assert_eq!(
        prod.scalar("SELECT count(*) FROM pg_class WHERE relname IN ('material', 'vw_pipe')"),
        "0"
    );
    // The rehearsal did upgrade the test copy.
    assert_eq!(versions(&test).len(), 4);
}

/// A model with a schema `ext` the app depends on (a type, a foreign key).
const CREATE_EXT_100: &str = "
CREATE SCHEMA ext;
CREATE TYPE ext.color AS ENUM ('red', 'blue');
CREATE TABLE ext.kind (id int PRIMARY KEY, name text);
INSERT INTO ext.kind VALUES (1, 'main'), (2, 'service');
CREATE SCHEMA app;
CREATE SCHEMA app_sys;
CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int, color ext.color,
                       kind_id int REFERENCES ext.kind);
INSERT INTO app.pipe (diameter, color) VALUES (100, 'red'), (200, 'blue');
";

/// The reference: `ext` differs (one more column), the app part matches.
const REF_EXT_110: &str = "
CREATE SCHEMA ext;
CREATE TYPE ext.color AS ENUM ('red', 'blue');
CREATE TABLE ext.kind (id int PRIMARY KEY, name text, only_in_reference text);
CREATE SCHEMA app;
CREATE SCHEMA app_sys;
CREATE TABLE app.material (id int PRIMARY KEY, name text);
CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int, color ext.color,
                       kind_id int REFERENCES ext.kind, material int REFERENCES app.material);
CREATE VIEW app.vw_pipe AS SELECT p.id, p.diameter, m.name AS material
  FROM app.pipe p LEFT JOIN app.material m ON m.id = p.material;
";

#[test]
fn excluded_schema_is_left_out_of_the_comparison_but_restored() {
    let (prod, comp) = setup_with(
        "rh_excl",
        CREATE_EXT_100,
        &[DELTA_101, DELTA_110],
        REF_EXT_110,
    );
    let before = state(&prod);
    // Without -N the difference in ext counts.
    let test = Db::new("rh_excl_test");
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &["-pt", &test.conninfo, "-pc", &comp.conninfo, "--yes"],
    ));
    r.expect_code(1);
    assert!(r.stdout().contains("only_in_reference"), "{}", r.stdout());
    assert_eq!(state(&prod), before);

    // With -N ext: restored (app depends on it), compared without it.
    let test2 = Db::new("rh_excl_test2");
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &[
            "-pt",
            &test2.conninfo,
            "-pc",
            &comp.conninfo,
            "-N",
            "ext",
            "--yes",
        ],
    ));
    r.ok();
    assert!(!r.stdout().contains("only_in_reference"), "{}", r.stdout());
    assert!(
        !r.stderr().contains("pg_restore reported"),
        "{}",
        r.stderr()
    );
    assert_eq!(
        test2.scalar("SELECT count(*) FROM pg_type WHERE typname = 'color'"),
        "1"
    );
    assert_eq!(test2.scalar("SELECT count(*) FROM app.pipe"), "2");
    assert_eq!(
        versions(&prod),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
    // Production's own data in ext is intact.
    assert_eq!(prod.scalar("SELECT count(*) FROM ext.kind"), "2");
}

/// Rows of another schema reference the excluded schema's rows: leaving
/// the excluded schema's data out of the dump makes the restore fail on
/// the foreign key.
#[test]
fn excluded_schema_referenced_by_rows_still_restores() {
    let create = CREATE_EXT_100.replace(
        "INSERT INTO app.pipe (diameter, color) VALUES (100, 'red'), (200, 'blue');",
        "INSERT INTO app.pipe (diameter, color, kind_id) VALUES (100, 'red', 1), (200, 'blue', 2);",
    );
    let (prod, comp) = setup_with("rh_exclfk", &create, &[DELTA_101, DELTA_110], REF_EXT_110);
    let test = Db::new("rh_exclfk_test");
    let r = prod.run(&rehearsal_args(
        "test-and-upgrade",
        &prod,
        &[
            "-pt",
            &test.conninfo,
            "-pc",
            &comp.conninfo,
            "-N",
            "ext",
            "--yes",
        ],
    ));
    r.ok();
    assert_eq!(
        versions(&prod),
        ["1.0.0 baseline", "1.0.1 material", "1.1.0 view"]
    );
}

#[test]
fn missing_grant_is_caught_with_privileges_or_all() {
    let (prod, comp) = setup("rh_priv");
    comp.exec(
        "DO $$ BEGIN CREATE ROLE pum_rh_reader NOLOGIN;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         GRANT SELECT ON app.vw_pipe TO pum_rh_reader;",
    );
    let before = state(&prod);
    // Grants are not compared by default: the rehearsal passes.
    let r = prod.run(&rehearsal_args("test", &prod, &["-pc", &comp.conninfo]));
    r.ok();
    // With --privileges (and --all) the missing grant stops it.
    for option in ["--privileges", "--all"] {
        // (With --all, owners too: the copy belongs to the role pum
        // restores it as, who also built the reference.)
        let r = prod.run(&rehearsal_args(
            "test",
            &prod,
            &["-pc", &comp.conninfo, option],
        ));
        r.expect_code(1);
        let out = r.stdout();
        assert!(out.contains("privileges"), "{option}: {out}");
        assert!(out.contains("view app.vw_pipe"), "{option}: {out}");
    }
    assert_eq!(state(&prod), before);
    // A sandbox restores no GRANTs: --privileges and --all are refused there.
    for option in ["--privileges", "--all"] {
        let r = prod.run(&rehearsal_args(
            "test",
            &prod,
            &["-pc", &comp.conninfo, "--sandbox", option],
        ));
        r.expect_code(2);
        assert!(r.stderr().contains("--sandbox"), "{}", r.stderr());
    }
}
