//! `pum check` and `pum snapshot` end to end on a real PostgreSQL.
//!
//! Every directory of `tests/check_fixtures/<case>/` (see the README there)
//! is a test of its own, `fixture::<case>`: it builds two databases that
//! differ in a known way, checks pum reports exactly that, that each side
//! compares equal to itself and to its pg_dump/pg_restore copy, and that a
//! snapshot file of A compares with B as the live A does. The option tests
//! (`options::...`) share one pair of databases. One cluster serves the
//! whole binary; run one case with `cargo test --test check -- fixture::NAME`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use common::Run;
use libtest_mimic::{Arguments, Failed, Trial};
use pum_core::catalog::{Attrs, Kind, Object};
use pum_core::pg::{Conn, ConnTarget};
use serde_json::Value;

/// Tests run at the same time (they mostly wait for the server).
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
    /// Below this major, the pg_dump/pg_restore copy is not compared (the
    /// pg_dump run there cannot restore the case into that server).
    dump_restore_min_major: i32,
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
                "dump_restore_min_server_major",
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
    let dump_restore_min_major = major("dump_restore_min_server_major", 0);
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
        dump_restore_min_major,
        expected,
    }
}

/// Every fixture directory, in name order.
fn fixtures() -> Vec<Fixture> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/check_fixtures")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| read_fixture(d)).collect()
}

/// Why a fixture does not run on this server major, if it does not.
fn left_out(fx: &Fixture, major: i32) -> Option<String> {
    if fx.server_majors.contains(&major) {
        return None;
    }
    let majors = match (*fx.server_majors.start(), *fx.server_majors.end()) {
        (from, i32::MAX) => format!("{from} and newer"),
        (0, to) => format!("{to} and older"),
        (from, to) => format!("{from} to {to}"),
    };
    Some(format!("for PostgreSQL {majors} (the cluster is {major})"))
}

/// A database of the shared cluster. Never dropped: in PostgreSQL 15
/// DROP DATABASE forces a checkpoint, which made dropping the hundreds of
/// databases of these tests the slowest part; the cluster goes at exit.
struct Database {
    name: String,
}

/// The shared cluster's socket directory and port.
fn server() -> &'static (String, u16) {
    static SERVER: OnceLock<(String, u16)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let s = common::cluster().lock().unwrap();
        (s.socket_dir().display().to_string(), s.port())
    })
}

impl Database {
    /// A new database, created without holding the cluster's lock, so that
    /// the tests create theirs at the same time.
    fn create(prefix: &str) -> Database {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("{prefix}_{}_{n}", std::process::id());
        let postgres = Database {
            name: "postgres".into(),
        };
        postgres
            .exec(&format!(
                "CREATE DATABASE {}",
                pum_core::pg::quote_ident(&name)
            ))
            .expect("create a database");
        Database { name }
    }

    /// `host=<socket dir> port=<port> user=postgres dbname=<name>`.
    fn conninfo(&self) -> String {
        let (host, port) = server();
        format!("host={host} port={port} user=postgres dbname={}", self.name)
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
        let (host, port) = server();
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
                attrs: Attrs::new(),
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

/// Each distinct script is dumped and restored once, by the first
/// fixture that has it (several fixtures share one side).
fn first_time(sql: &str) -> bool {
    static SEEN: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
        .lock()
        .unwrap()
        .insert(sql.to_string())
}

/// Secret values in fixtures start with this; pum must never print them.
const SECRET: &str = "pum-fx-secret";

/// One fixture, end to end: the expected report, no false positives on
/// either side (against its pg_dump/pg_restore copy), and a snapshot file of
/// A that compares with B as the live A does.
fn run_fixture(fx: &Fixture) -> Result<(), Failed> {
    let a = Database::load("ckfx", &fx.a_sql).map_err(|e| format!("a.sql: {e}"))?;
    let b = Database::load("ckfx", &fx.b_sql).map_err(|e| format!("b.sql: {e}"))?;
    let work = Work::new();
    let mut problems = Vec::new();
    let mut outputs = Vec::new();

    // The report.
    let mut args = vec!["--format", "json"];
    args.extend(fx.options.iter().map(String::as_str));
    let live = work.check(&a, &b, &args);
    let want_code = if fx.expected.is_empty() { 0 } else { 1 };
    let actual = serde_json::from_str::<Value>(&live.stdout())
        .ok()
        .map(|doc| keys(&doc));
    if live.code() != want_code || actual.as_ref() != Some(&fx.expected) {
        problems.push(format!(
            "exit {} (expected {want_code})\n  expected:\n{}  actual:\n{}  stdout:\n{}\n  stderr:\n{}",
            live.code(),
            show(&fx.expected),
            actual.as_ref().map(show).unwrap_or_else(|| "    (no JSON)\n".into()),
            live.stdout(),
            live.stderr()
        ));
    }
    outputs.push(live.all());

    // No false positives.
    let major = common::server_major();
    for (side, db, sql) in [("a", &a, &fx.a_sql), ("b", &b, &fx.b_sql)] {
        if major < fx.dump_restore_min_major {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "check fixture {}: no pg_dump/pg_restore comparison below PostgreSQL {}",
                fx.name,
                fx.dump_restore_min_major
            );
            break;
        }
        if !first_time(sql) {
            continue;
        }
        match dump_restore(&work, db) {
            Err(e) => problems.push(format!("{side}.sql: {e}")),
            Ok(copy) => {
                let mut args: Vec<&str> = fx.restore_options.iter().map(String::as_str).collect();
                args.extend(["-v", "2"]);
                let run = work.check(db, &copy, &args);
                if run.code() != 0 {
                    problems.push(format!(
                        "{side}.sql compared with its pg_dump/pg_restore copy ({}): exit {}\n{}",
                        args.join(" "),
                        run.code(),
                        run.all()
                    ));
                }
            }
        }
    }

    // A snapshot file compares like the live database.
    let file = format!("{}.json", a.name);
    let run = work.run(&[&a], &["snapshot", "-p", &a.name, "-o", &file]);
    if run.code() != 0 {
        problems.push(format!("snapshot failed: {}", run.all()));
    } else {
        outputs.push(std::fs::read_to_string(work.path().join(&file)).unwrap_or_default());
        let mut args = vec!["check", "-p1", &file, "-p2", &b.name, "--format", "json"];
        args.extend(fx.options.iter().map(String::as_str));
        let from_file = work.run(&[&b], &args);
        let same = match (
            serde_json::from_str::<Value>(&live.stdout()),
            serde_json::from_str::<Value>(&from_file.stdout()),
        ) {
            (Ok(x), Ok(y)) => x["differences"] == y["differences"] && x["summary"] == y["summary"],
            _ => false,
        };
        if live.code() != from_file.code() || !same {
            problems.push(format!(
                "snapshot: live exit {}, file exit {}\n--- live\n{}\n--- file\n{}",
                live.code(),
                from_file.code(),
                live.stdout(),
                from_file.all()
            ));
        }
    }

    // Secrets are never shown, in any format.
    if fx.a_sql.contains(SECRET) || fx.b_sql.contains(SECRET) {
        let mut args = vec!["-v", "2"];
        args.extend(fx.options.iter().map(String::as_str));
        outputs.push(work.check(&a, &b, &args).all());
        let html = work.check(&a, &b, &["--format", "html", "-o", "report.html"]);
        outputs.push(html.all());
        outputs.push(std::fs::read_to_string(work.path().join("report.html")).unwrap_or_default());
        if outputs.iter().any(|o| o.contains(SECRET)) {
            problems.push(format!(
                "a secret value was shown:\n{}",
                outputs.join("\n---\n")
            ));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n\n").into())
    }
}

/// The fixtures are enough of both sorts to mean something.
fn fixture_counts(all: &[Fixture]) -> Result<(), Failed> {
    let same = all.iter().filter(|f| f.expected.is_empty()).count();
    if all.len() < 60 || same < 8 {
        return Err(format!(
            "only {} fixtures, {same} of them without differences",
            all.len()
        )
        .into());
    }
    Ok(())
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

fn html_report_is_one_self_contained_page() {
    let work = Work::new();
    let run = check_pair(&work, &["--format", "html", "-o", "report.html"]);
    run.expect_code(1);
    assert_eq!(run.stdout(), "");
    let html = std::fs::read_to_string(work.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    // Nothing to fetch: no script, no stylesheet or image from elsewhere.
    for needle in [
        "<script", "<link", "<img", "src=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!html.contains(needle), "{needle} in the report:\n{html}");
    }
    // The summary per kind, then the differences, by kind.
    assert!(html.contains("<table class=\"summary\">"), "{html}");
    for kind in ["columns", "views", "functions", "triggers"] {
        assert!(
            html.contains(&format!("<a href=\"#{kind}\">{kind}</a>")),
            "{kind}: {html}"
        );
        assert!(
            html.contains(&format!("<h2 id=\"{kind}\">")),
            "{kind}: {html}"
        );
    }
    // A function body side by side, the changed line marked on each side.
    assert!(html.contains("app.compute(integer)"), "{html}");
    let sbs = &html[html.find("app.compute(integer)").unwrap()..];
    let sbs = &sbs[..sbs.find("</table>").unwrap()];
    assert!(
        sbs.contains("<td class=\"del\">  y := x * 2;</td>"),
        "{sbs}"
    );
    assert!(
        sbs.contains("<td class=\"ins\">  y := x * 3;</td>"),
        "{sbs}"
    );
    assert!(sbs.contains("<td class=\"\">  RETURN y + 1;</td>"), "{sbs}");
    // A column type in a short table: both values.
    assert!(html.contains("app.pipe.id"), "{html}");
    assert!(html.contains("<span class=\"v\">integer</span>"), "{html}");
    assert!(html.contains("<span class=\"v\">bigint</span>"), "{html}");
    // Without -o it goes to stdout; equal databases say so.
    let (a, _) = option_pair();
    let run = work.check(a, a, &["--format", "html"]);
    run.expect_code(0);
    assert!(run.stdout().contains("No difference."), "{}", run.stdout());
}

fn a_role_that_cannot_read_connection_strings_still_compares() {
    let db = Database::load(
        "ckplain",
        "DO $$ BEGIN CREATE ROLE pum_ck_plain LOGIN;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere password=pum-fx-secret-x'
           PUBLICATION p1 WITH (connect = false);",
    )
    .unwrap();
    let (host, port) = server();
    let plain = format!(
        "host={host} port={port} user=pum_ck_plain dbname={}",
        db.name
    );
    let work = Work::new();
    // Superusers read the connection string (its password hidden) ...
    let run = work.run(&[&db], &["snapshot", "-p", &db.name]);
    run.ok();
    assert!(
        run.stdout().contains("password=(hidden)"),
        "{}",
        run.stdout()
    );
    // ... other roles compare everything else, and say what they cannot read.
    let run = work.run(&[&db], &["check", "-p1", &plain, "-p2", &plain, "--all"]);
    run.ok();
    let run = work.run(&[&db], &["snapshot", "-p", &plain]);
    run.ok();
    let out = run.stdout();
    assert!(
        out.contains(pum_core::catalog::CONNINFO_NOT_READABLE),
        "{out}"
    );
    assert!(!out.contains("pum-fx-secret"), "{out}");
    // Against a superuser's read: the connection string differs, nothing else.
    let run = work.run(
        &[&db],
        &["check", "-p1", &db.name, "-p2", &plain, "--format", "json"],
    );
    run.expect_code(1);
    let names: BTreeSet<(String, String, String, Vec<String>)> = keys(&json(&run));
    // (On 13, synchronous_commit is for superusers only too.)
    let mut unread = vec!["conninfo".to_string(), "secrets".to_string()];
    if common::server_major() < 14 {
        unread.push("synchronous_commit".to_string());
    }
    assert_eq!(
        names,
        [(
            "subscriptions".to_string(),
            "sub".to_string(),
            "different".to_string(),
            unread
        )]
        .into(),
        "{}",
        run.stdout()
    );
}

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

/// One test per fixture directory and per option test.
fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        args.test_threads = Some(THREADS);
    }
    let all = fixtures();
    // Listing the tests needs no server.
    let major = (!args.list).then(common::server_major);
    let mut trials = Vec::new();
    let counts = fixture_counts(&all);
    trials.push(Trial::test("fixtures_are_enough", move || counts));
    for fx in all {
        let name = format!("fixture::{}", fx.name);
        match major.and_then(|m| left_out(&fx, m)) {
            Some(why) => {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "check fixture {} left out: it is {why}",
                    fx.name
                );
                trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true));
            }
            None => trials.push(Trial::test(name, move || run_fixture(&fx))),
        }
    }
    let options: &[(&str, fn())] = &[
        (
            "ignore_takes_a_list_after_one_flag_or_repeated_flags",
            ignore_takes_a_list_after_one_flag_or_repeated_flags,
        ),
        ("exclude_schema_is_repeatable", exclude_schema_is_repeatable),
        (
            "exclude_field_pattern_leaves_out_matching_columns",
            exclude_field_pattern_leaves_out_matching_columns,
        ),
        ("verbose_levels", verbose_levels),
        ("output_file_gets_the_report", output_file_gets_the_report),
        (
            "usage_errors_exit_2_with_a_clear_message",
            usage_errors_exit_2_with_a_clear_message,
        ),
        (
            "ignore_whitespace_folds_function_bodies",
            ignore_whitespace_folds_function_bodies,
        ),
        (
            "html_report_is_one_self_contained_page",
            html_report_is_one_self_contained_page,
        ),
        (
            "a_role_that_cannot_read_connection_strings_still_compares",
            a_role_that_cannot_read_connection_strings_still_compares,
        ),
    ];
    for &(name, f) in options {
        trials.push(Trial::test(format!("options::{name}"), move || {
            f();
            Ok(())
        }));
    }
    libtest_mimic::run(&args, trials).exit_code()
}
