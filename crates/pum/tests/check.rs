//! `pum check` and `pum snapshot` end to end on a real PostgreSQL.
//!
//! The fixtures in `tests/check_fixtures/<case>/` (see the README there)
//! each build two databases that differ in a known way; every case is loaded
//! once per test binary (in parallel) and shared, read-only, by the tests
//! that compare them, dump and restore them, and snapshot them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use common::Run;
use pum_core::catalog::{Kind, Object};
use pum_core::pg::{Conn, ConnTarget};
use serde_json::Value;

/// Worker threads for the per-fixture work.
const THREADS: usize = 8;

/// One difference as a fixture states it: kind, display name, status and
/// the sorted names of the differing attributes.
type Key = (String, String, String, Vec<String>);

/// One case of `tests/check_fixtures`.
struct Fixture {
    name: String,
    a_sql: String,
    b_sql: String,
    /// Extra `pum check` arguments.
    options: Vec<String>,
    /// Options of the comparison with a pg_dump/pg_restore copy.
    restore_options: Vec<String>,
    /// The server majors the case runs on: its SQL needs a newer server,
    /// or an older server renders the objects differently.
    server_majors: std::ops::RangeInclusive<i32>,
    expected: BTreeSet<Key>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_fixtures")
}

fn strings(v: Option<&Value>, what: &str) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .unwrap_or_else(|| panic!("{what}: not a string: {i}"))
                    .to_string()
            })
            .collect(),
        Some(other) => panic!("{what}: not a list: {other}"),
    }
}

/// Reads one fixture directory, rejecting anything the format does not know
/// (a typo must not silently weaken a case).
fn read_fixture(dir: &Path) -> Fixture {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"))
    };
    let (a_sql, b_sql) = (read("a.sql"), read("b.sql"));
    for (f, sql) in [("a.sql", &a_sql), ("b.sql", &b_sql)] {
        assert!(
            !sql.lines().any(|l| l.trim_start().starts_with('\\')) && !sql.contains("COPY "),
            "{name}/{f}: psql meta-commands and COPY are not supported"
        );
    }
    let doc: Value = serde_json::from_str(&read("expected.json"))
        .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
    let obj = doc
        .as_object()
        .unwrap_or_else(|| panic!("{name}/expected.json: not an object"));
    for k in obj.keys() {
        assert!(
            [
                "options",
                "restore_options",
                "min_server_major",
                "max_server_major",
                "differences"
            ]
            .contains(&k.as_str()),
            "{name}/expected.json: unknown key {k}"
        );
    }
    let options = strings(obj.get("options"), &name);
    let restore_options = match obj.get("restore_options") {
        Some(v) => strings(Some(v), &name),
        None => vec!["--privileges".into(), "--extension-versions".into()],
    };
    let major = |key: &str, default: i32| match obj.get(key) {
        None => default,
        Some(v) => {
            v.as_i64()
                .filter(|m| (13..100).contains(m))
                .unwrap_or_else(|| panic!("{name}/expected.json: bad {key} {v}")) as i32
        }
    };
    let server_majors = major("min_server_major", 0)..=major("max_server_major", i32::MAX);
    let mut expected = BTreeSet::new();
    let diffs = obj
        .get("differences")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{name}/expected.json: no differences list"));
    for d in diffs {
        let d = d
            .as_object()
            .unwrap_or_else(|| panic!("{name}/expected.json: {d} is not an object"));
        for k in d.keys() {
            assert!(
                ["kind", "name", "status", "attributes"].contains(&k.as_str()),
                "{name}/expected.json: unknown key {k}"
            );
        }
        let field = |k: &str| {
            d.get(k)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{name}/expected.json: a difference without {k}"))
                .to_string()
        };
        let kind = field("kind");
        kind.parse::<Kind>()
            .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
        let status = field("status");
        assert!(
            ["only_in_a", "only_in_b", "different"].contains(&status.as_str()),
            "{name}/expected.json: bad status {status}"
        );
        let mut attributes = strings(d.get("attributes"), &name);
        attributes.sort();
        assert!(
            attributes.is_empty() || status == "different",
            "{name}/expected.json: attributes are for `different` only"
        );
        expected.insert((kind, field("name"), status, attributes));
    }
    Fixture {
        name,
        a_sql,
        b_sql,
        options,
        restore_options,
        server_majors,
        expected,
    }
}

fn fixtures() -> Vec<Fixture> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/check_fixtures")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let all: Vec<Fixture> = dirs.iter().map(|d| read_fixture(d)).collect();
    // Cases for other server majors are left out.
    let major = common::server_major();
    let (run, skipped): (Vec<Fixture>, Vec<Fixture>) = all
        .into_iter()
        .partition(|f| f.server_majors.contains(&major));
    for f in &skipped {
        use std::io::Write;
        let majors = match (*f.server_majors.start(), *f.server_majors.end()) {
            (from, i32::MAX) => format!("{from} and newer"),
            (0, to) => format!("{to} and older"),
            (from, to) => format!("{from} to {to}"),
        };
        let _ = writeln!(
            std::io::stderr(),
            "check fixture {} left out: it is for PostgreSQL {majors} (the cluster is {major})",
            f.name
        );
    }
    run
}

/// Runs `f` on every item with a few threads; results in item order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..THREADS.min(items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item done"))
        .collect()
}

/// A database of the shared cluster. Never dropped: in PostgreSQL 15
/// DROP DATABASE forces a checkpoint, which made dropping the hundreds of
/// databases of these tests the slowest part; the cluster goes at exit.
struct Database {
    name: String,
}

impl Database {
    fn create(prefix: &str) -> Database {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("{prefix}_{}_{n}", std::process::id());
        common::cluster()
            .lock()
            .unwrap()
            .create_database(&name, None)
            .expect("create a database");
        Database { name }
    }

    /// `host=<socket dir> port=<port> user=postgres dbname=<name>`.
    fn conninfo(&self) -> String {
        common::cluster().lock().unwrap().conninfo(&self.name)
    }

    fn exec(&self, sql: &str) -> Result<(), String> {
        let target = ConnTarget::parse(&self.conninfo()).map_err(|e| e.to_string())?;
        let mut conn = Conn::connect(&target, "pum-tests").map_err(|e| e.to_string())?;
        conn.execute(sql).map(|_| ()).map_err(|e| e.to_string())
    }

    /// A fresh database with `sql` run in it.
    fn load(prefix: &str, sql: &str) -> Result<Database, String> {
        let db = Database::create(prefix);
        db.exec(sql)?;
        Ok(db)
    }
}

/// One test's directory: the current directory of its pum runs, which
/// name databases by service (the service name is the database name).
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        Work {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `pum` command whose service file names `dbs`.
    fn pum(&self, dbs: &[&Database]) -> Command {
        let (host, port) = {
            let s = common::cluster().lock().unwrap();
            (s.socket_dir().display().to_string(), s.port())
        };
        let mut text = String::new();
        for db in dbs {
            text.push_str(&format!(
                "[{0}]\nhost={host}\nport={port}\nuser=postgres\ndbname={0}\n\n",
                db.name
            ));
        }
        let names: Vec<&str> = dbs.iter().map(|d| d.name.as_str()).collect();
        let file = self.path().join(format!("{}.conf", names.join("+")));
        std::fs::write(&file, text).unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_pum"));
        c.env("PGSERVICEFILE", file)
            .env("NO_COLOR", "1")
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .env_remove("PGDATABASE")
            .env_remove("PGSERVICE")
            .current_dir(self.path());
        c
    }

    /// `pum ARGS` with the services of `dbs`.
    fn run(&self, dbs: &[&Database], args: &[&str]) -> Run {
        Run(self.pum(dbs).args(args).output().expect("run pum"))
    }

    /// `pum check -p1 <x> -p2 <y> ARGS`.
    fn check(&self, x: &Database, y: &Database, args: &[&str]) -> Run {
        let mut all = vec!["check", "-p1", &x.name, "-p2", &y.name];
        all.extend_from_slice(args);
        self.run(&[x, y], &all)
    }
}

/// A fixture with its two databases.
struct Loaded {
    fx: Fixture,
    a: Database,
    b: Database,
}

/// Every fixture, loaded once for the whole test binary.
fn loaded() -> &'static [Loaded] {
    static LOADED: OnceLock<Vec<Loaded>> = OnceLock::new();
    LOADED.get_or_init(|| {
        let fixtures = fixtures();
        let results = parallel(&fixtures, |fx| {
            let a =
                Database::load("ckfx", &fx.a_sql).map_err(|e| format!("{}/a.sql: {e}", fx.name))?;
            let b =
                Database::load("ckfx", &fx.b_sql).map_err(|e| format!("{}/b.sql: {e}", fx.name))?;
            Ok::<_, String>((a, b))
        });
        let mut errors = Vec::new();
        let mut out = Vec::new();
        for (fx, r) in fixtures.into_iter().zip(results) {
            match r {
                Ok((a, b)) => out.push(Loaded { fx, a, b }),
                Err(e) => errors.push(e),
            }
        }
        assert!(
            errors.is_empty(),
            "fixtures failed to load:\n{}",
            errors.join("\n")
        );
        out
    })
}

/// The differences of a `--format json` report, as fixtures state them.
fn keys(doc: &Value) -> BTreeSet<Key> {
    doc["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            let kind: Kind = serde_json::from_value(d["kind"].clone()).expect("kind");
            let object = Object {
                kind,
                schema: d["schema"].as_str().unwrap().to_string(),
                name: d["name"].as_str().unwrap().to_string(),
                attrs: BTreeMap::new(),
            };
            let mut attributes: Vec<String> = d["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect();
            attributes.sort();
            (
                kind.name().to_string(),
                object.display_name(),
                d["status"].as_str().unwrap().to_string(),
                attributes,
            )
        })
        .collect()
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
            run.stdout(),
            run.stderr()
        )
    })
}

fn show(keys: &BTreeSet<Key>) -> String {
    if keys.is_empty() {
        return "    (none)\n".into();
    }
    keys.iter()
        .map(|(k, n, s, a)| format!("    {k} {n} {s} [{}]\n", a.join(", ")))
        .collect()
}

/// `pum check -p1 <a> -p2 <b> --format json OPTIONS` of every fixture, run
/// once and shared by the tests that need it.
fn live_reports() -> &'static [Run] {
    static REPORTS: OnceLock<Vec<Run>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let work = Work::new();
        parallel(loaded(), |l| {
            let mut args = vec!["--format", "json"];
            args.extend(l.fx.options.iter().map(String::as_str));
            work.check(&l.a, &l.b, &args)
        })
    })
}

#[test]
fn fixtures_report_exactly_the_expected_differences() {
    let all = loaded();
    assert!(all.len() >= 60, "only {} fixtures", all.len());
    let same = all.iter().filter(|l| l.fx.expected.is_empty()).count();
    assert!(same >= 8, "only {same} no-difference fixtures");
    let mut failures = Vec::new();
    for (l, run) in all.iter().zip(live_reports()) {
        let want_code = if l.fx.expected.is_empty() { 0 } else { 1 };
        let actual = serde_json::from_str::<Value>(&run.stdout())
            .ok()
            .map(|doc| keys(&doc));
        if run.code() == want_code && actual.as_ref() == Some(&l.fx.expected) {
            continue;
        }
        failures.push(format!(
            "{}: exit {} (expected {want_code})\n  expected:\n{}  actual:\n{}  stdout:\n{}\n  stderr:\n{}",
            l.fx.name,
            run.code(),
            show(&l.fx.expected),
            actual.as_ref().map(show).unwrap_or_else(|| "    (no JSON)\n".into()),
            run.stdout(),
            run.stderr()
        ));
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// A copy of `db` made with pg_dump -Fc and pg_restore --no-owner.
fn dump_restore(work: &Work, db: &Database) -> Result<Database, String> {
    let dump = work.path().join(format!("{}.dump", db.name));
    let out = Command::new("pg_dump")
        .args(["-Fc", "-f"])
        .arg(&dump)
        .arg("-d")
        .arg(db.conninfo())
        .output()
        .map_err(|e| format!("pg_dump: {e}"))?;
    if !out.status.success() {
        return Err(format!("pg_dump: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let copy = Database::create("ckcopy");
    let out = Command::new("pg_restore")
        .args(["--no-owner", "-d"])
        .arg(copy.conninfo())
        .arg(&dump)
        .output()
        .map_err(|e| format!("pg_restore: {e}"))?;
    // pg_restore 17 and newer always disable transaction_timeout, which
    // older servers lack: that error alone is harmless (pg_restore goes on).
    let stderr = String::from_utf8_lossy(&out.stderr);
    let harmless =
        |l: &str| l.ends_with("unrecognized configuration parameter \"transaction_timeout\"");
    let errors = stderr
        .lines()
        .filter(|l| l.starts_with("pg_restore: error:"));
    let only_harmless =
        errors.clone().count() > 0 && errors.clone().all(harmless) && common::server_major() < 17;
    if !out.status.success() && !only_harmless {
        return Err(format!(
            "pg_restore: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(copy)
}

#[test]
fn no_false_positives_against_itself_and_a_dump_restore_copy() {
    let all = loaded();
    // Each distinct script once (several fixtures share one side).
    let mut seen = BTreeSet::new();
    let mut sides: Vec<(String, &Database, &[String])> = Vec::new();
    for l in all {
        for (side, db, sql) in [("a", &l.a, &l.fx.a_sql), ("b", &l.b, &l.fx.b_sql)] {
            if seen.insert(sql.as_str()) {
                sides.push((
                    format!("{}/{side}.sql", l.fx.name),
                    db,
                    &l.fx.restore_options,
                ));
            }
        }
    }
    let work = Work::new();
    let failures: Vec<String> = parallel(&sides, |(what, db, restore_options)| {
        let mut problems = Vec::new();
        let every_option = [
            "--privileges",
            "--extension-versions",
            "--column-order",
            "-v",
            "2",
        ];
        let run = work.check(db, db, &every_option);
        if run.code() != 0 {
            problems.push(format!(
                "compared with itself: exit {}\n{}{}",
                run.code(),
                run.stdout(),
                run.stderr()
            ));
        }
        match dump_restore(&work, db) {
            Err(e) => problems.push(e),
            Ok(copy) => {
                let mut args: Vec<&str> = restore_options.iter().map(String::as_str).collect();
                args.extend(["-v", "2"]);
                let run = work.check(db, &copy, &args);
                if run.code() != 0 {
                    problems.push(format!(
                        "compared with its pg_dump/pg_restore copy ({}): exit {}\n{}{}",
                        args.join(" "),
                        run.code(),
                        run.stdout(),
                        run.stderr()
                    ));
                }
            }
        }
        (!problems.is_empty()).then(|| format!("{what}:\n{}", problems.join("\n")))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scripts have false positives:\n\n{}",
        failures.len(),
        sides.len(),
        failures.join("\n")
    );
}

#[test]
fn snapshot_files_compare_like_live_databases() {
    let all = loaded();
    let work = Work::new();
    let jobs: Vec<(&Loaded, &Run)> = all.iter().zip(live_reports()).collect();
    let failures: Vec<String> = parallel(&jobs, |(l, live)| {
        let file = format!("{}.json", l.a.name);
        let run = work.run(&[&l.a], &["snapshot", "-p", &l.a.name, "-o", &file]);
        if run.code() != 0 {
            return Some(format!("{}: snapshot failed: {}", l.fx.name, run.all()));
        }
        // The snapshot against its own database: nothing differs.
        let run = work.run(
            &[&l.a],
            &[
                "check",
                "-p1",
                &file,
                "-p2",
                &l.a.name,
                "--privileges",
                "--extension-versions",
                "--column-order",
            ],
        );
        if run.code() != 0 {
            return Some(format!(
                "{}: snapshot vs its database: exit {}\n{}",
                l.fx.name,
                run.code(),
                run.all()
            ));
        }
        // The snapshot against the other database: the same report as live.
        let mut args = vec!["check", "-p1", &file, "-p2", &l.b.name, "--format", "json"];
        args.extend(l.fx.options.iter().map(String::as_str));
        let from_file = work.run(&[&l.b], &args);
        let same = match (
            serde_json::from_str::<Value>(&live.stdout()),
            serde_json::from_str::<Value>(&from_file.stdout()),
        ) {
            (Ok(x), Ok(y)) => x["differences"] == y["differences"] && x["summary"] == y["summary"],
            _ => false,
        };
        if live.code() != from_file.code() || !same {
            return Some(format!(
                "{}: live exit {}, file exit {}\n--- live\n{}\n--- file\n{}",
                l.fx.name,
                live.code(),
                from_file.code(),
                live.stdout(),
                from_file.all()
            ));
        }
        None
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------------ options

const OPT_A: &str = r#"
CREATE SCHEMA app;
CREATE SCHEMA topo;
CREATE TABLE app.pipe (id int PRIMARY KEY, geom_line text, geom_point text, material text);
CREATE VIEW app.pipe_view AS SELECT id, material FROM app.pipe WHERE material IS NOT NULL;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER pipe_touch BEFORE INSERT ON app.pipe FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE FUNCTION app.compute(x int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  y int := 0;
BEGIN
  y := x * 2;
  RETURN y + 1;
END
$$;
CREATE FUNCTION app.spaced() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END
$$;
CREATE FUNCTION app.a_function_with_a_rather_long_name_to_cut_in_reports_abcdefghijklmnopq()
  RETURNS text LANGUAGE sql
  AS $$SELECT 'a single line body that is well beyond seventy-nine characters wide: version one'$$;
CREATE TABLE topo.edge (id int);
"#;

const OPT_B: &str = r#"
CREATE SCHEMA app;
CREATE SCHEMA topo;
CREATE TABLE app.pipe (id bigint PRIMARY KEY, geom_line varchar(10), geom_point int, material text);
CREATE VIEW app.pipe_view AS SELECT id, material FROM app.pipe WHERE material IS NOT NULL AND id > 0;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER pipe_touch AFTER INSERT ON app.pipe FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE FUNCTION app.compute(x int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  y int := 0;
BEGIN
  y := x * 3;
  RETURN y + 1;
END
$$;
CREATE FUNCTION app.spaced() RETURNS int LANGUAGE plpgsql AS $$  BEGIN
	RETURN 1;   END $$;
CREATE FUNCTION app.a_function_with_a_rather_long_name_to_cut_in_reports_abcdefghijklmnopq()
  RETURNS text LANGUAGE sql
  AS $$SELECT 'a single line body that is well beyond seventy-nine characters wide: version two'$$;
CREATE TABLE topo.edge (id bigint);
"#;

/// Two databases with differences of many kinds in two schemas.
fn option_pair() -> &'static (Database, Database) {
    static PAIR: OnceLock<(Database, Database)> = OnceLock::new();
    PAIR.get_or_init(|| {
        let a = Database::load("ckopt", OPT_A).unwrap();
        let b = Database::load("ckopt", OPT_B).unwrap();
        (a, b)
    })
}

/// `pum check -p1 <option pair A> -p2 <B> ARGS` in `work`.
fn check_pair(work: &Work, args: &[&str]) -> Run {
    let (a, b) = option_pair();
    work.check(a, b, args)
}

/// `(kind, display name)` of every difference of a JSON report.
fn names(run: &Run) -> BTreeSet<(String, String)> {
    keys(&json(run))
        .into_iter()
        .map(|(k, n, _, _)| (k, n))
        .collect()
}

fn kinds(run: &Run) -> BTreeSet<String> {
    names(run).into_iter().map(|(k, _)| k).collect()
}

#[test]
fn ignore_takes_a_list_after_one_flag_or_repeated_flags() {
    let work = Work::new();
    let all = check_pair(&work, &["--format", "json"]);
    all.expect_code(1);
    let k = kinds(&all);
    assert!(k.contains("views") && k.contains("triggers"), "{k:?}");

    let one_flag = check_pair(&work, &["--format", "json", "-i", "views", "triggers"]);
    one_flag.expect_code(1);
    let repeated = check_pair(
        &work,
        &["-i", "views", "-i", "triggers", "--format", "json"],
    );
    repeated.expect_code(1);
    for run in [&one_flag, &repeated] {
        let k = kinds(run);
        assert!(!k.contains("views") && !k.contains("triggers"), "{k:?}");
        assert!(k.contains("columns") && k.contains("functions"), "{k:?}");
    }
    assert_eq!(names(&one_flag), names(&repeated));
}

#[test]
fn exclude_schema_is_repeatable() {
    let work = Work::new();
    let all = check_pair(&work, &["--format", "json"]);
    assert!(
        names(&all).iter().any(|(_, n)| n.starts_with("topo.")),
        "{}",
        all.stdout()
    );
    let run = check_pair(&work, &["--format", "json", "-N", "topo"]);
    run.expect_code(1);
    let n = names(&run);
    assert!(!n.iter().any(|(_, n)| n.starts_with("topo.")), "{n:?}");
    assert!(n.iter().any(|(_, n)| n.starts_with("app.")), "{n:?}");
    let run = check_pair(&work, &["--format", "json", "-N", "topo", "-N", "app"]);
    run.expect_code(0);
    assert_eq!(json(&run)["equal"], Value::Bool(true));
}

#[test]
fn exclude_field_pattern_leaves_out_matching_columns() {
    let work = Work::new();
    let geom = |run: &Run| {
        names(run)
            .into_iter()
            .filter(|(k, n)| k == "columns" && n.starts_with("app.pipe.geom"))
            .count()
    };
    let all = check_pair(&work, &["--format", "json"]);
    assert_eq!(geom(&all), 2, "{}", all.stdout());
    let run = check_pair(&work, &["--format", "json", "-P", "geom%"]);
    run.expect_code(1);
    assert_eq!(geom(&run), 0, "{}", run.stdout());
    let n = names(&run);
    assert!(
        n.contains(&("columns".to_string(), "app.pipe.id".to_string())),
        "{n:?}"
    );
}

#[test]
fn verbose_levels() {
    let work = Work::new();
    // 0: the summary line only (after the A:/B: header).
    let run = check_pair(&work, &["-v", "0"]);
    run.expect_code(1);
    let out = run.stdout();
    let body: Vec<&str> = out
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("A: ") && !l.starts_with("B: "))
        .collect();
    assert_eq!(body.len(), 1, "{out}");
    assert!(body[0].contains("difference(s)"), "{out}");

    // 1: one line per difference, cut at 79 characters.
    let run = check_pair(&work, &["-v", "1"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("app.compute(integer)"), "{out}");
    for l in out.lines() {
        assert!(l.chars().count() <= 79, "line longer than 79: {l:?}\n{out}");
    }
    assert!(out.lines().any(|l| l.ends_with('…')), "{out}");

    // 2: a unified diff for a function body and a view definition.
    let run = check_pair(&work, &["-v", "2"]);
    run.expect_code(1);
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().map(str::trim_start).collect();
    assert!(
        lines.contains(&"--- A") && lines.contains(&"+++ B"),
        "{out}"
    );
    assert!(lines.iter().any(|l| l.starts_with("@@")), "{out}");
    assert!(lines.contains(&"-  y := x * 2;"), "{out}");
    assert!(lines.contains(&"+  y := x * 3;"), "{out}");
    // (`pipe.id` before PostgreSQL 16, which leaves out the table name in
    // a one-table view.)
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('+') && l.contains("id > 0")),
        "{out}"
    );
    // Nothing is cut at level 2.
    assert!(!out.contains('…'), "{out}");
}

#[test]
fn output_file_gets_the_report() {
    let work = Work::new();
    let run = check_pair(&work, &["-o", "report.txt"]);
    run.expect_code(1);
    assert_eq!(run.stdout(), "");
    let text = std::fs::read_to_string(work.path().join("report.txt")).unwrap();
    assert!(
        text.contains("app.compute(integer)") && text.contains("difference(s)"),
        "{text}"
    );
    let run = check_pair(&work, &["--format", "json", "-o", "report.json"]);
    run.expect_code(1);
    assert_eq!(run.stdout(), "");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(doc["equal"], Value::Bool(false));
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let work = Work::new();
    let (a, _) = option_pair();
    let fails = |run: &Run, needles: &[&str]| {
        run.expect_code(2);
        let err = run.stderr();
        for n in needles {
            assert!(err.contains(n), "{n:?} not in:\n{err}");
        }
    };
    fails(
        &check_pair(&work, &["-i", "views", "tablez"]),
        &["unknown element", "tablez"],
    );
    fails(
        &work.run(&[a], &["check", "-p1", "missing.json", "-p2", &a.name]),
        &["missing.json", "not found"],
    );
    std::fs::write(
        work.path().join("not_a_snapshot.json"),
        "{\"hello\": \"world\"}\n",
    )
    .unwrap();
    fails(
        &work.run(
            &[a],
            &["check", "-p1", "not_a_snapshot.json", "-p2", &a.name],
        ),
        &["not_a_snapshot.json", "not a pum schema snapshot"],
    );
    fails(
        &work.run(
            &[a],
            &["check", "-p1", &a.name, "-p2", "pum_no_such_service"],
        ),
        &["pum_no_such_service"],
    );
}

#[test]
fn ignore_whitespace_folds_function_bodies() {
    let work = Work::new();
    let functions = |run: &Run| -> BTreeSet<String> {
        names(run)
            .into_iter()
            .filter(|(k, _)| k == "functions")
            .map(|(_, n)| n)
            .collect()
    };
    let run = check_pair(&work, &["--format", "json"]);
    let f = functions(&run);
    assert!(
        f.contains("app.spaced()") && f.contains("app.compute(integer)"),
        "{f:?}"
    );
    let run = check_pair(&work, &["--format", "json", "--ignore-whitespace"]);
    run.expect_code(1);
    let f = functions(&run);
    assert!(
        !f.contains("app.spaced()") && f.contains("app.compute(integer)"),
        "{f:?}"
    );
}
