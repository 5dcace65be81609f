//! Python hooks of pum 1.x modules, against real clusters and real
//! interpreters: the hook runs in the install's transaction (it sees the
//! tables the changelogs created; its failure leaves nothing), commits are
//! refused, parameters arrive typed as pum 1.9.2 casts them, the legacy
//! `pre`/`post` names, missing dependencies and psycopg refused before
//! anything runs, Ctrl-C during a hook, the bootstrap's own `pum` API, and
//! compatibility with Python pum 1.9.2 in both directions.
//!
//! The interpreter with psycopg 3 is the one of `target/pum1-venv` (next
//! to `PUM1`), installed by `scripts/setup.sh --tests`. Without it the
//! tests are skipped, except on CI (env `CI` set) where they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_has, Db, Run};

fn pum1_exe() -> PathBuf {
    match std::env::var_os("PUM1") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pum1-venv/bin/pum"),
    }
}

/// The interpreter with psycopg 3 and the real pum 1.9.2.
fn venv_python() -> Option<String> {
    let py = pum1_exe().with_file_name("python");
    if py.is_file() {
        return Some(py.to_string_lossy().into_owned());
    }
    let msg = format!(
        "no interpreter at {}: run `scripts/setup.sh --tests` (it makes target/pum1-venv with \
         psycopg 3 and pum 1.9.2), or set PUM1",
        py.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg} (these tests are mandatory on CI)");
    }
    eprintln!("skipping: {msg}");
    None
}

/// Python pum 1.9.2's `pum`, when there (mandatory on CI).
fn pum1() -> Option<PathBuf> {
    venv_python()?;
    let p = pum1_exe();
    if p.is_file() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("Python pum 1.x not found at {}", p.display())
    } else {
        None
    }
}

fn py1(db: &Db, exe: &Path, args: &[&str]) -> Run {
    Run(Command::new(exe)
        .args(args)
        .env("PGSERVICEFILE", &db.service_file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_COLOR", "1")
        .env("PUM_CACHE_DIR", db.path().join(".pum-cache"))
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGDATABASE")
        .env_remove("PGSERVICE")
        .env_remove("PGUSER")
        .current_dir(db.path())
        .output()
        .expect("run Python pum 1.x"))
}

/// Runs our pum with `--python PY` after the command.
fn run_py(db: &Db, py: &str, args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--python", py]);
    db.run(&all)
}

const YAML: &str = "pum:\n  module: hooked\n  migration_table_schema: hk_sys\n\
parameters:\n  - name: SRID\n    type: integer\n    default: 2056\n\
application:\n  drop:\n    - code: DROP SCHEMA IF EXISTS hk_app CASCADE;\n  create:\n    - file: app/create.sql\n    - file: app/views.py\n";

const CHANGELOG_1: &str = "CREATE SCHEMA hk_od;\n\
CREATE TABLE hk_od.pipe (id serial PRIMARY KEY, srid integer DEFAULT {SRID});\n\
INSERT INTO hk_od.pipe (srid) VALUES (1), (2), (3);\n";

const CREATE_SQL: &str = "CREATE SCHEMA hk_app;\n";

/// Reads the changelogs' table, creates a view over it, prints.
const VIEWS_PY: &str = r#"from pum import HookBase
from pum.exceptions import PumHookError

class Hook(HookBase):
    def run_hook(self, connection, SRID):
        with connection.cursor() as cur:
            cur.execute('SELECT count(*) FROM hk_od.pipe')
            n = cur.fetchone()[0]
        self.execute('CREATE VIEW hk_app.vw_pipe AS SELECT id, {SRID}::integer AS srid FROM hk_od.pipe')
        print('hook saw', n, 'pipes; SRID', repr(SRID))
"#;

fn hooked_module(db: &Db, views_py: &str) {
    db.write("m/.pum.yaml", YAML);
    db.write("m/changelogs/1.0.0/01_pipe.sql", CHANGELOG_1);
    db.write("m/app/create.sql", CREATE_SQL);
    db.write("m/app/views.py", views_py);
}

const ROWS: &str =
    "SELECT module, version, beta_testing, changelog_files::text, parameters::text, \
     migration_table_version FROM hk_sys.pum_migrations ORDER BY date_installed, version";

/// Everything a failed install must not leave.
fn assert_untouched(db: &Db) {
    assert_eq!(
        db.scalar(
            "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname IN ('hk_sys', 'hk_od', 'hk_app')"
        ),
        "0",
        "schemas left behind"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'pum_migrations'"),
        "0"
    );
}

#[test]
fn python_hook_creates_views_over_the_tables_of_the_same_install() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_views");
    hooked_module(&db, VIEWS_PY);
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.ok();
    assert_has(
        &r.all(),
        &["hook saw 3 pipes; SRID 2056", "Installed hooked to 1.0.0"],
    );
    assert_eq!(
        db.rows("SELECT srid FROM hk_app.vw_pipe ORDER BY id"),
        ["2056", "2056", "2056"]
    );
    assert_eq!(
        db.rows(ROWS),
        ["hooked|1.0.0|f|{m/changelogs/1.0.0/01_pipe.sql}|{\"SRID\": 2056}|3"]
    );
    // An upgrade with nothing pending runs the hooks again (drop, create).
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "upgrade"]);
    r.ok();
    assert_has(&r.all(), &["hook saw 3 pipes", "No changelog pending"]);
    assert_eq!(db.scalar("SELECT count(*) FROM hk_app.vw_pipe"), "3");
    // info names the hook as Python.
    let r = db.run(&["-p", p, "-d", "m", "info"]);
    assert_has(&r.stdout(), &["app/views.py (Python)"]);
}

#[test]
fn failing_hook_leaves_the_database_as_it_was() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_fail");
    hooked_module(
        &db,
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection):\n\
         \x20       self.execute('CREATE VIEW hk_app.v AS SELECT 1')\n\
         \x20       raise ValueError('the hook gives up')\n",
    );
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "error: m/app/views.py: the Python hook raised ValueError: the hook gives up",
            "views.py\", line 5, in run_hook",
            "everything was rolled back (3 step(s) before it too)",
        ],
    );
    assert_untouched(&db);
    // No backend of the worker is left behind.
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = '{p}' AND application_name = 'pum'"
        )),
        "0"
    );
}

#[test]
fn failing_changelog_statement_names_file_and_line_on_the_worker_connection() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_sqlfail");
    hooked_module(&db, VIEWS_PY);
    db.write(
        "m/changelogs/1.0.0/02_bad.sql",
        "-- a comment\nCREATE TABLE hk_od.ok (id int);\nSELECT\n  no_such_column\nFROM hk_od.ok;\n",
    );
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "m/changelogs/1.0.0/02_bad.sql:4",
            "no_such_column",
            "42703",
            "everything was rolled back",
        ],
    );
    assert_untouched(&db);
}

#[test]
fn a_hook_that_commits_is_refused_and_nothing_stays() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_commit");
    hooked_module(
        &db,
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection):\n\
         \x20       connection.commit()\n",
    );
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "PumHookError",
            "connection.commit() in a hook",
            "one transaction",
        ],
    );
    assert_untouched(&db);
}

/// A COMMIT statement cannot be stopped: pum says what may be committed.
#[test]
fn a_hook_that_runs_commit_is_reported_as_such() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_commit_sql");
    hooked_module(
        &db,
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection):\n\
         \x20       connection.execute('COMMIT')\n",
    );
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "the hook ended the transaction (a COMMIT or ROLLBACK statement)",
            "m/app/views.py ended the run's transaction itself: what ran before it may be committed",
        ],
    );
    assert!(!r.stderr().contains("everything was rolled back"));
}

#[test]
fn parameters_reach_run_hook_with_pum_1_types() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_params");
    db.write(
        "m/.pum.yaml",
        "pum:\n  module: typed\n  migration_table_schema: hk_sys\n\
parameters:\n\
  - {name: n, type: integer, default: 1}\n\
  - {name: x, type: decimal, default: 1.5}\n\
  - {name: b, type: boolean, default: false}\n\
  - {name: t, type: text, default: abc}\n\
  - {name: d, type: path, default: /tmp}\n\
  - {name: lang, type: text, default: en, app_only: true}\n\
application:\n  create:\n    - file: app/p.py\n",
    );
    db.write("m/changelogs/1.0.0/01.sql", "CREATE SCHEMA hk_od;\n");
    db.write(
        "m/app/p.py",
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection, n, x, b, t, d):\n\
         \x20       for v in (n, x, b, t, d):\n\
         \x20           print(type(v).__name__, repr(v))\n\
         \x20       print('all', sorted(self._parameters))\n",
    );
    let p = db.name.as_str();
    let r = run_py(
        &db,
        &py,
        &[
            "-p", p, "-d", "m", "install", "-p", "n", "42", "-p", "x", "2", "-p", "b", "yes", "-p",
            "t", "it's", "-p", "d", "rel/dir",
        ],
    );
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            "int 42",
            "float 2.0",
            "bool True",
            "str \"it's\"",
            "str 'rel/dir'",
            "all ['b', 'd', 'lang', 'n', 't', 'x']",
        ],
    );
    // A run_hook argument that is not a parameter: pum 1.x's error.
    db.write(
        "m/app/p.py",
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection, nope):\n\
         \x20       pass\n",
    );
    let r = run_py(
        &db,
        &py,
        &[
            "-p", p, "-d", "m", "upgrade", "-p", "n", "42", "-p", "x", "2", "-p", "b", "yes", "-p",
            "t", "it's", "-p", "d", "rel/dir",
        ],
    );
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "the Python hook cannot be loaded: pum.exceptions.PumHookError: Hook function",
            "unexpected argument 'nope' which is not specified in the parameters",
            "Nothing was changed.",
        ],
    );
}

/// As pum 1.x, which loads the hooks when it reads the module: a hook
/// that cannot be loaded is refused before anything runs.
#[test]
fn a_hook_that_cannot_load_is_refused_before_anything_runs() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_load");
    let p = db.name.as_str();
    for (code, needles) in [
        (
            "from pum import HookBase\nclass NotAHook(HookBase):\n    def run_hook(self, connection):\n        pass\n",
            vec!["Python hook file", "must define a class named 'Hook'"],
        ),
        (
            "class Hook:\n    def run_hook(self, connection):\n        pass\n",
            vec!["Class 'Hook' in", "must inherit from HookBase. Found bases: Hook, object"],
        ),
        (
            "from pum import HookBase\nclass Hook(HookBase):\n    def run_hook(self, conn):\n        pass\n",
            vec!["must accept 'connection' as an argument"],
        ),
        (
            "import a_module_pum_tests_never_have\n",
            vec!["ModuleNotFoundError: No module named 'a_module_pum_tests_never_have'"],
        ),
    ] {
        hooked_module(&db, code);
        let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
        r.expect_code(2);
        let err = r.stderr();
        assert_has(&err, &needles);
        assert_has(&err, &["m/app/views.py: the Python hook cannot be loaded", "Nothing was changed."]);
        assert_untouched(&db);
    }
}

#[test]
fn legacy_pre_and_post_names_run_python_hooks() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_legacy");
    db.write(
        "m/.pum.yaml",
        "pum:\n  module: legacy\n  migration_table_schema: hk_sys\n\
migration_hooks:\n  pre:\n    - file: pre.py\n  post:\n    - file: post.py\n",
    );
    db.write(
        "m/changelogs/1.0.0/01.sql",
        "CREATE SCHEMA hk_od;\nCREATE TABLE hk_od.t (id int);\n",
    );
    let hook = |what: &str| {
        format!(
            "from pum import HookBase\n\
             class Hook(HookBase):\n\
             \x20   def run_hook(self, connection):\n\
             \x20       with connection.cursor() as c:\n\
             \x20           c.execute(\"SELECT to_regclass('hk_od.t') IS NOT NULL\")\n\
             \x20           print('{what} sees table:', c.fetchone()[0])\n"
        )
    };
    db.write("m/pre.py", &hook("pre"));
    db.write("m/post.py", &hook("post"));
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.ok();
    let out = r.stdout();
    assert_has(&out, &["pre sees table: False", "post sees table: True"]);
    assert!(out.find("pre sees").unwrap() < out.find("post sees").unwrap());
}

#[test]
fn missing_dependency_or_psycopg_is_refused_before_anything_runs() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_deps");
    hooked_module(&db, VIEWS_PY);
    db.write(
        "m/.pum.yaml",
        &format!(
            "{YAML}dependencies:\n  - name: pum-tests-never-have-this\n    minimum_version: 1.0.0\n\
             \x20 - name: psycopg\n    maximum_version: 3.0.0\n"
        ),
    );
    let p = db.name.as_str();
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.expect_code(2);
    let err = r.stderr();
    assert_has(
        &err,
        &[
            "`pum-tests-never-have-this>=1.0.0` (dependencies), which is not installed",
            &format!("install it with `{py} -m pip install \"pum-tests-never-have-this>=1.0.0\"`"),
            "`psycopg<=3.0.0` (dependencies), which is at version 3.3",
            "higher than the maximum allowed",
            "Nothing was changed.",
        ],
    );
    assert_untouched(&db);
    // An interpreter without psycopg 3 is named with the command to fix it.
    db.write("m/.pum.yaml", YAML);
    let r = run_py(&db, "/usr/bin/python3", &["-p", p, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "need psycopg 3, which /usr/bin/python3 (Python 3.",
            "ModuleNotFoundError",
            "install it with `/usr/bin/python3 -m pip install \"psycopg[binary]\"`",
        ],
    );
    assert_untouched(&db);
    // Skipping the Python hook needs no interpreter at all.
    let r = run_py(
        &db,
        "/nonexistent/python",
        &["-p", p, "-d", "m", "install", "--skip-create-app"],
    );
    r.ok();
}

#[test]
fn sigint_during_a_hook_rolls_everything_back() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_sigint");
    hooked_module(
        &db,
        "import sys\nfrom pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection):\n\
         \x20       print('sleeping', flush=True)\n\
         \x20       connection.execute('SELECT pg_sleep(60)')\n",
    );
    let p = db.name.as_str();
    let child = db
        .pum()
        .args(["-p", p, "-d", "m", "install", "--python", &py])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let n = db.scalar(&format!(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = '{p}' \
             AND query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'"
        ));
        if n == "1" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the hook never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let at = Instant::now();
    let out = child.wait_with_output().unwrap();
    let r = Run(out);
    r.expect_code(130);
    assert!(at.elapsed() < Duration::from_secs(10), "{:?}", at.elapsed());
    assert_has(&r.stderr(), &["was running when pum was interrupted"]);
    assert_untouched(&db);
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = '{p}' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
        )),
        "0"
    );
}

/// SIGTERM while the worker's connection runs a changelog statement.
#[test]
fn sigterm_during_a_changelog_on_the_worker_route_rolls_back() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_sigterm");
    hooked_module(&db, VIEWS_PY);
    db.write("m/changelogs/1.0.0/02_slow.sql", "SELECT pg_sleep(60);\n");
    let p = db.name.as_str();
    let child = db
        .pum()
        .args(["-p", p, "-d", "m", "install", "--python", &py])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while db.scalar(&format!(
        "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = '{p}' \
         AND query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'"
    )) != "1"
    {
        assert!(started.elapsed() < Duration::from_secs(30), "never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let at = Instant::now();
    let r = Run(child.wait_with_output().unwrap());
    r.expect_code(143);
    assert!(at.elapsed() < Duration::from_secs(10), "{:?}", at.elapsed());
    assert_has(
        &r.stderr(),
        &["02_slow.sql was running when pum was interrupted"],
    );
    assert_untouched(&db);
}

/// An interpreter with psycopg 3 but without the pum package: the
/// bootstrap's own HookBase, SqlContent and pum.exceptions.
#[test]
fn bootstrap_provides_pum_api_without_the_pum_package() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_bootstrap");
    // Only psycopg's packages, through PYTHONPATH, on the venv's base
    // interpreter (no site-packages of the venv: no pum).
    let site = std::fs::read_dir(Path::new(&py).parent().unwrap().join("../lib"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("site-packages");
    let only = db.path().join("only-psycopg");
    std::fs::create_dir_all(&only).unwrap();
    for e in std::fs::read_dir(&site).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("psycopg") || name.starts_with("typing_extensions") {
            std::os::unix::fs::symlink(e.path(), only.join(&name)).unwrap();
        }
    }
    let base = Command::new(&py)
        .args(["-c", "import sys; print(sys._base_executable)"])
        .output()
        .unwrap();
    let base = String::from_utf8(base.stdout).unwrap().trim().to_string();
    let wrapper = db.write(
        "python-no-pum",
        &format!(
            "#!/bin/sh\nPYTHONPATH={} exec {base} -s \"$@\"\n",
            only.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let check = Command::new(&wrapper)
        .args(["-c", "import psycopg\ntry:\n import pum\n print('pum!')\nexcept ImportError:\n print('no pum')"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "no pum");

    hooked_module(
        &db,
        "import pum, pum.exceptions\n\
         from pum import HookBase, SqlContent\n\
         from pum.exceptions import PumHookError, PumSqlError, PumException\n\
         from pathlib import Path\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection, SRID):\n\
         \x20       print('api', pum.__version__, pum.HookBase.__module__, issubclass(PumHookError, PumException))\n\
         \x20       self.execute(Path(__file__).with_name('views.sql'))\n\
         \x20       r = SqlContent('SELECT count(*) FROM hk_app.vw_pipe').execute(connection)\n\
         \x20       print('rows', r.fetchone()[0])\n\
         \x20       try:\n\
         \x20           self.execute(Path(__file__).with_name('bad.sql'))\n\
         \x20       except PumSqlError as e:\n\
         \x20           print('refused:', e)\n",
    );
    db.write(
        "m/app/views.sql",
        "/* views */\nCREATE VIEW hk_app.vw_pipe AS SELECT id, {SRID}::integer AS srid FROM hk_od.pipe; -- x\n\
         COMMENT ON VIEW hk_app.vw_pipe IS 'a;b';\n",
    );
    db.write("m/app/bad.sql", "BEGIN;\nSELECT 1;\n");
    let p = db.name.as_str();
    let r = run_py(
        &db,
        wrapper.to_str().unwrap(),
        &["-p", p, "-d", "m", "install"],
    );
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            "api 1.9.2 pum.hook True",
            "rows 3",
            "refused: SQL contains forbidden transaction statement: BEGIN; COMMIT; is not authorized",
        ],
    );
    assert_eq!(
        db.scalar("SELECT obj_description('hk_app.vw_pipe'::regclass)"),
        "a;b"
    );
    assert_eq!(db.scalar("SELECT min(srid) FROM hk_app.vw_pipe"), "2056");
}

const CHANGELOG_2: &str = "ALTER TABLE hk_od.pipe ADD COLUMN diameter integer;\n";

fn rows_and_view(db: &Db) -> (Vec<String>, String) {
    (
        db.rows(
            "SELECT module, version, beta_testing, changelog_files::text, parameters::text, \
             migration_table_version FROM hk_sys.pum_migrations ORDER BY version",
        ),
        db.scalar("SELECT count(*) || ' ' || min(srid) FROM hk_app.vw_pipe"),
    )
}

/// Ours installs, Python pum 1.9.2 upgrades; and the other way round: the
/// same rows, the same view, the hook run by both.
#[test]
fn compatible_with_python_pum_1_in_both_directions() {
    let Some(py) = venv_python() else { return };
    let Some(theirs) = pum1() else { return };
    let mut results = Vec::new();
    for ours_first in [true, false] {
        let db = Db::new(if ours_first {
            "hook_c_ours"
        } else {
            "hook_c_theirs"
        });
        hooked_module(&db, VIEWS_PY);
        db.write("m/changelogs/1.1.0/01_diameter.sql", CHANGELOG_2);
        let p = db.name.as_str();
        let install = ["-p", p, "-d", "m", "install", "--max-version", "1.0.0"];
        let upgrade = ["-p", p, "-d", "m", "upgrade"];
        if ours_first {
            run_py(&db, &py, &install).ok();
            let r = py1(&db, &theirs, &upgrade);
            r.ok();
        } else {
            py1(&db, &theirs, &install).ok();
            let r = run_py(&db, &py, &upgrade);
            r.ok();
            assert_has(&r.all(), &["hook saw 3 pipes"]);
        }
        results.push(rows_and_view(&db));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(
        results[0].0,
        [
            "hooked|1.0.0|f|{m/changelogs/1.0.0/01_pipe.sql}|{\"SRID\": 2056}|3",
            "hooked|1.1.0|f|{m/changelogs/1.1.0/01_diameter.sql}|{\"SRID\": 2056}|3"
        ]
    );
    assert_eq!(results[0].1, "3 2056");
}

/// The example module's Python hook (examples/pum1-module/app/summary.py).
#[test]
fn example_python_hook_makes_its_view() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_example");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/pum1-module");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(db.path().join("m"))
        .status()
        .unwrap();
    assert!(status.success());
    let p = db.name.as_str();
    let r = run_py(
        &db,
        &py,
        &[
            "-p",
            p,
            "-c",
            "m/python-hooks.pum.yaml",
            "install",
            "--max-version",
            "1.0.0",
        ],
    );
    r.ok();
    assert_has(
        &r.stdout(),
        &["wn_app.vw_summary created (", "SRID 2056, lang en)"],
    );
    let r = run_py(
        &db,
        &py,
        &[
            "-p",
            p,
            "-c",
            "m/python-hooks.pum.yaml",
            "upgrade",
            "-p",
            "lang",
            "de",
        ],
    );
    r.ok();
    // The changelog's RAISE NOTICE comes through the worker's connection.
    assert_has(
        &r.all(),
        &["01_valves.sql: NOTICE: valves added (SRID 2056)"],
    );
    assert_eq!(
        db.scalar("SELECT srid || ' ' || lang FROM wn_app.vw_summary"),
        "2056 de"
    );
}

/// Two installs at once: the second waits for the first's lock (held on
/// pum's own connection while the worker's runs everything), then finds
/// the module installed and refuses; nothing interleaves.
#[test]
fn two_installs_with_python_hooks_do_not_interleave() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_two");
    hooked_module(
        &db,
        "import time\nfrom pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection):\n\
         \x20       self.execute('CREATE VIEW hk_app.v AS SELECT 1 AS one')\n\
         \x20       time.sleep(2)\n",
    );
    let p = db.name.as_str();
    let spawn = || {
        db.pum()
            .args(["-p", p, "-d", "m", "install", "--python", &py])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn();
    let started = Instant::now();
    // The first holds the module's lock and its worker is in the hook.
    while db.scalar(&format!(
        "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = '{p}' \
         AND application_name = 'pum' AND state = 'idle in transaction' \
         AND query LIKE 'CREATE VIEW hk_app.v%'"
    )) != "1"
    {
        assert!(started.elapsed() < Duration::from_secs(30), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = spawn();
    let a = Run(first.wait_with_output().unwrap());
    let b = Run(second.wait_with_output().unwrap());
    a.ok();
    b.expect_code(2);
    assert_has(&b.stderr(), &["hk_sys.pum_migrations already exists"]);
    assert_eq!(
        db.rows("SELECT version FROM hk_sys.pum_migrations"),
        ["1.0.0"]
    );
    assert_eq!(db.scalar("SELECT one FROM hk_app.v"), "1");
}

#[test]
fn roles_and_grants_share_the_transaction_of_a_run_with_python_hooks() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_roles");
    hooked_module(&db, VIEWS_PY);
    let role = format!("hk_viewer_{}", std::process::id());
    let yaml = format!(
        "{YAML}roles:\n  - name: {role}\n    description: reads it's data\n    permissions:\n      - type: read\n        schemas: [hk_od, hk_app, no_such_schema]\n"
    );
    db.write("m/.pum.yaml", &yaml);
    let p = db.name.as_str();
    let drop_role = || {
        let _ = db
            .conn()
            .execute(&format!("DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}"));
    };
    // A failing hook: the role goes with everything else.
    db.write("m/app/views.py", "from pum import HookBase\nclass Hook(HookBase):\n    def run_hook(self, connection, SRID):\n        raise RuntimeError('stop')\n");
    run_py(&db, &py, &["-p", p, "-d", "m", "install"]).expect_code(2);
    assert_untouched(&db);
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"
        )),
        "0",
        "the role was rolled back with the install"
    );
    // The good hook: role created (with its comment) before the changelogs,
    // granted after the create hooks, on the schemas the same transaction
    // made; the missing schema is a notice.
    db.write("m/app/views.py", VIEWS_PY);
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "install"]);
    r.ok();
    assert_has(
        &r.all(),
        &["Schema no_such_schema does not exist; skipping grant of read permission"],
    );
    let checks = db.rows(&format!(
        "SELECT has_schema_privilege('{role}', 'hk_od', 'USAGE'), \
                has_table_privilege('{role}', 'hk_od.pipe', 'SELECT'), \
                has_table_privilege('{role}', 'hk_app.vw_pipe', 'SELECT'), \
                has_table_privilege('{role}', 'hk_od.pipe', 'INSERT'), \
                shobj_description((SELECT oid FROM pg_roles WHERE rolname = '{role}'), 'pg_authid')"
    ));
    drop_role();
    assert_eq!(checks, ["t|t|t|f|reads it's data"]);
}

#[test]
fn app_and_uninstall_run_python_hooks_in_one_transaction() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_app");
    hooked_module(&db, VIEWS_PY);
    let p = db.name.as_str();
    run_py(&db, &py, &["-p", p, "-d", "m", "install"]).ok();
    db.exec("CREATE TABLE hk_app.marker (x int)");
    // recreate: the drop hook drops hk_app (and the marker), the create
    // hooks make it again, the Python one its view.
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "app", "recreate"]);
    r.ok();
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_views WHERE viewname = 'vw_pipe'"),
        "1"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'marker'"),
        "0"
    );
    // A failing Python hook: the drop hook's work is rolled back too.
    db.exec("CREATE TABLE hk_app.marker (x int)");
    db.write(
        "m/app/views.py",
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection, SRID):\n\
         \x20       raise RuntimeError('no views today')\n",
    );
    let r = run_py(&db, &py, &["-p", p, "-d", "m", "app", "recreate"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["no views today"]);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'marker'"),
        "1",
        "the drop hook's work was rolled back"
    );
    // uninstall with a Python hook.
    let yaml = format!("{YAML}uninstall:\n  - file: app/uninstall.py\n");
    db.write("m/.pum.yaml", &yaml);
    db.write("m/app/views.py", VIEWS_PY);
    db.write(
        "m/app/uninstall.py",
        "from pum import HookBase\n\
         class Hook(HookBase):\n\
         \x20   def run_hook(self, connection, SRID):\n\
         \x20       self.execute('DROP SCHEMA hk_app CASCADE')\n\
         \x20       self.execute('DROP SCHEMA hk_od CASCADE')\n\
         \x20       self.execute('DROP SCHEMA hk_sys CASCADE')\n",
    );
    run_py(&db, &py, &["-p", p, "-d", "m", "uninstall", "--force"]).ok();
    assert_untouched(&db);
}

#[test]
fn demo_data_runs_with_python_hooks_around_it() {
    let Some(py) = venv_python() else { return };
    let db = Db::new("hook_demo");
    hooked_module(&db, VIEWS_PY);
    let yaml = format!("{YAML}demo_data:\n  - name: town\n    file: demo/town.sql\n");
    db.write("m/.pum.yaml", &yaml);
    db.write(
        "m/demo/town.sql",
        "INSERT INTO hk_od.pipe (srid) VALUES (7), (8);\n",
    );
    let p = db.name.as_str();
    let r = run_py(
        &db,
        &py,
        &["-p", p, "-d", "m", "install", "--demo-data", "town"],
    );
    r.ok();
    // The Python create hook ran again after the demo data, and saw it.
    assert_has(&r.stdout(), &["hook saw 5 pipes"]);
    assert_eq!(db.scalar("SELECT count(*) FROM hk_app.vw_pipe"), "5");
}
