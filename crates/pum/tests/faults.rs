//! Faults of the server and the network while a delta runs: the backend
//! terminated from another session, the server restarted (fast and
//! immediate), and, for a Python delta, its own connection or pum's cut.
//!
//! Each test runs a real `pum upgrade` whose second delta (the victim)
//! sleeps in the server while the fault strikes, then checks that pum
//! failed with exit code 2 and an error naming the victim (and the line
//! for SQL), that the victim is not half-applied (for a transactional
//! delta: its effects exist if and only if its row does, and here, since
//! it never finished, neither does), that the upgrade lock is gone, and
//! that the next `pum upgrade` continues and finishes.
//!
//! The victim sleeps only while `app.hold` has rows, so the re-run, after
//! the test empties it, goes straight through.

mod common;

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Db, Run};
use pum_core::pg::{Conn, ConnTarget};
use pum_core::sandbox::{Sandbox, SandboxOptions};

/// The kind of delta the fault strikes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// More than 64 statements: sent one statement at a time.
    Sql,
    /// `COPY ... FROM stdin` with inline rows; a trigger sleeps per row.
    Copy,
    /// A short delta: sent with its row in one libpq pipeline.
    Pipelined,
    /// `-- pum:no-transaction` with `CREATE INDEX CONCURRENTLY`, whose
    /// index expression sleeps.
    NoTransaction,
    /// A Python delta working through its own psycopg2 connection.
    Python,
}

/// What goes wrong while the victim runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// `pg_terminate_backend` of the session running the victim's
    /// statement (for a Python delta: its psycopg2 session).
    Terminate,
    /// `pg_terminate_backend` of pum's own session while a Python delta
    /// runs on its connection; the delta then finishes.
    TerminatePum,
    /// `pg_ctl restart -m fast` (a private cluster).
    RestartFast,
    /// `pg_ctl restart -m immediate` (a private cluster): the backends die
    /// without a word, the server recovers from its WAL.
    RestartImmediate,
}

/// Where the test database lives: a database of the shared cluster, or of
/// a private one that the test may restart.
struct Env {
    service: String,
    conninfo: String,
    service_file: PathBuf,
    dir: PathBuf,
}

impl Env {
    fn of(db: &Db) -> Env {
        Env {
            service: db.name.clone(),
            conninfo: db.conninfo.clone(),
            service_file: db.service_file.clone(),
            dir: db.path().to_path_buf(),
        }
    }

    fn try_conn(&self) -> Option<Conn> {
        Conn::connect(&ConnTarget::parse(&self.conninfo).unwrap(), "pum-tests").ok()
    }

    fn conn(&self) -> Conn {
        self.try_conn().expect("connect to the test database")
    }

    fn exec(&self, sql: &str) {
        self.conn()
            .execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn column(&self, sql: &str) -> Vec<String> {
        let rows = self
            .conn()
            .query(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.rows
            .into_iter()
            .map(|r| r[0].clone().unwrap_or_else(|| "NULL".into()))
            .collect()
    }

    fn scalar(&self, sql: &str) -> String {
        self.column(sql).into_iter().next().expect("one row")
    }

    fn write(&self, rel: &str, content: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn pum(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pum"));
        c.env("PGSERVICEFILE", &self.service_file)
            .env("PUM_PYTHON", common::python())
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .env_remove("PGDATABASE")
            .env_remove("PGSERVICE")
            .current_dir(&self.dir);
        c
    }

    fn upgrade_args(&self) -> Vec<String> {
        [
            "upgrade",
            "-p",
            &self.service,
            "-t",
            "app.info",
            "-d",
            "delta",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn run(&self, args: &[String]) -> Run {
        Run(self.pum().args(args).output().expect("run pum"))
    }

    /// Starts `pum upgrade` in the background, its output going to files.
    fn spawn_upgrade(&self) -> Child {
        let out = File::create(self.dir.join("upgrade.out")).unwrap();
        let err = File::create(self.dir.join("upgrade.err")).unwrap();
        self.pum()
            .args(self.upgrade_args())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn pum")
    }

    /// Waits for the background upgrade to end (60 s at most).
    fn finish(&self, mut child: Child) -> (i32, String, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "pum did not end within 60 s of the fault\n--- stdout\n{}\n--- stderr\n{}",
                    self.read("upgrade.out"),
                    self.read("upgrade.err")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (
            status.code().unwrap_or(-1),
            self.read("upgrade.out"),
            self.read("upgrade.err"),
        )
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).unwrap_or_default()
    }

    /// The pids of this database's sessions that sleep in `pg_sleep`, and
    /// of pum's own session.
    fn sessions(&self) -> (Vec<String>, Option<String>) {
        let Some(mut c) = self.try_conn() else {
            return (Vec::new(), None);
        };
        let rows = c
            .query(
                "SELECT pid::text, wait_event IS NOT DISTINCT FROM 'PgSleep', application_name = 'pum' \
                 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap();
        let mut sleeping = Vec::new();
        let mut pum = None;
        for r in rows.rows {
            let pid = r[0].clone().unwrap();
            if r[1].as_deref() == Some("t") {
                sleeping.push(pid.clone());
            }
            if r[2].as_deref() == Some("t") {
                pum = Some(pid);
            }
        }
        (sleeping, pum)
    }

    /// Waits until the victim sleeps in the server.
    fn wait_for_victim(&self, child: &mut Child) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let (sleeping, Some(pum)) = self.sessions() {
                if let Some(pid) = sleeping.into_iter().next() {
                    return (pid, pum);
                }
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "pum ended ({status}) before the victim delta slept\n--- stdout\n{}\n--- stderr\n{}",
                    self.read("upgrade.out"),
                    self.read("upgrade.err")
                );
            }
            assert!(
                Instant::now() < deadline,
                "the victim delta never started sleeping"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn terminate(&self, pid: &str) {
        let done = self.scalar(&format!("SELECT pg_terminate_backend({pid})"));
        assert_eq!(done, "t", "pg_terminate_backend({pid})");
    }

    fn table_exists(&self, name: &str) -> bool {
        self.scalar(&format!("SELECT to_regclass('app.{name}') IS NOT NULL")) == "t"
    }

    fn row_count(&self, version: &str) -> usize {
        self.scalar(&format!(
            "SELECT count(*) FROM app.info WHERE version = '{version}' AND type <> 0"
        ))
        .parse()
        .unwrap()
    }

    /// True while a session holds one of pum's advisory locks.
    fn lock_held(&self) -> bool {
        self.scalar(
            "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' \
             AND classid = hashtext('pum')::oid",
        ) == "t"
    }
}

/// A private cluster for the tests that restart the server: the shared
/// one cannot be restarted under the other tests of this binary. `pg_ctl`
/// restarts the postmaster as a process of its own, which the drop stops.
struct Private {
    sandbox: Option<Sandbox>,
    restarted: bool,
    name: String,
    service_file: PathBuf,
    dir: tempfile::TempDir,
}

impl Private {
    fn start(name: &str) -> Private {
        // Durable (fast: false): with synchronous_commit=off, an immediate
        // shutdown loses the last commits, which would hide what pum did.
        let sandbox = Sandbox::start(&SandboxOptions {
            fast: false,
            ..SandboxOptions::default()
        })
        .expect("start a private cluster");
        sandbox
            .create_database(name, None)
            .expect("create database");
        let dir = tempfile::tempdir().unwrap();
        let service_file = sandbox
            .write_service_file(&[(name, name)])
            .expect("write the service file");
        Private {
            sandbox: Some(sandbox),
            restarted: false,
            name: name.to_string(),
            service_file,
            dir,
        }
    }

    fn env(&self) -> Env {
        Env {
            service: self.name.clone(),
            conninfo: self.sandbox.as_ref().unwrap().conninfo(&self.name),
            service_file: self.service_file.clone(),
            dir: self.dir.path().to_path_buf(),
        }
    }

    /// Runs `pg_ctl ARGS` as the owner of the data directory (the
    /// server refuses root).
    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        let s = self.sandbox.as_ref().unwrap();
        let data = s.root().join("data");
        let meta = std::fs::metadata(&data).unwrap();
        let mut cmd = Command::new(s.bin_dir().join("pg_ctl"));
        cmd.arg("-D").arg(&data).args(args).stdin(Stdio::null());
        if meta.uid() != current_uid() {
            cmd.uid(meta.uid()).gid(meta.gid());
        }
        cmd.output().expect("run pg_ctl")
    }

    fn restart(&mut self, mode: &str) {
        let log = self
            .sandbox
            .as_ref()
            .unwrap()
            .root()
            .join("restart.log")
            .to_string_lossy()
            .into_owned();
        self.restarted = true;
        let out = self.pg_ctl(&["-m", mode, "-w", "-t", "60", "-l", &log, "restart"]);
        assert!(
            out.status.success(),
            "pg_ctl restart -m {mode}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The uid of this process (the owner of `/proc/self`).
fn current_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

impl Drop for Private {
    fn drop(&mut self) {
        if self.restarted {
            let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        }
        self.sandbox.take();
    }
}

/// The victim delta's file name and content.
fn victim(kind: Kind) -> (&'static str, String) {
    match kind {
        Kind::Sql => {
            let mut s = String::from("CREATE TABLE app.victim_a (x int);\n");
            for i in 0..70 {
                s.push_str(&format!("INSERT INTO app.victim_a VALUES ({i});\n"));
            }
            s.push_str("SELECT pg_sleep(60) FROM app.hold;\n");
            s.push_str("CREATE TABLE app.victim_b (x int);\n");
            ("delta_1.0.2_victim.sql", s)
        }
        Kind::Copy => (
            "delta_1.0.2_victim.sql",
            "CREATE TABLE app.victim_a (x int);\n\
             CREATE TRIGGER slow BEFORE INSERT ON app.victim_a FOR EACH ROW EXECUTE FUNCTION app.slow_row();\n\
             COPY app.victim_a (x) FROM stdin;\n\
             1\n\
             2\n\
             \\.\n\
             CREATE TABLE app.victim_b (x int);\n"
                .into(),
        ),
        Kind::Pipelined => (
            "delta_1.0.2_victim.sql",
            "CREATE TABLE app.victim_a (x int);\n\
             SELECT pg_sleep(60) FROM app.hold;\n\
             CREATE TABLE app.victim_b (x int);\n"
                .into(),
        ),
        // Re-runnable, as a no-transaction delta must be: an interrupted
        // CREATE INDEX CONCURRENTLY leaves an invalid index behind.
        Kind::NoTransaction => (
            "delta_1.0.2_victim.sql",
            "-- pum:no-transaction\n\
             CREATE TABLE IF NOT EXISTS app.victim_a (x int);\n\
             DROP INDEX CONCURRENTLY IF EXISTS app.victim_idx;\n\
             CREATE INDEX CONCURRENTLY victim_idx ON app.first (app.slow_id(x));\n\
             CREATE TABLE IF NOT EXISTS app.victim_b (x int);\n"
                .into(),
        ),
        // It polls app.hold, so that it can finish once released; its
        // work is one transaction of its own, re-runnable.
        Kind::Python => (
            "delta_1.0.2_victim.py",
            r#"import psycopg2
from pum.core.deltapy import DeltaPy


class Victim(DeltaPy):
    def run(self):
        conn = psycopg2.connect("service={}".format(self.pg_service))
        cur = conn.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS app.victim_a (x int)")
        while True:
            cur.execute("SELECT count(*) FROM app.hold")
            if cur.fetchone()[0] == 0:
                break
            cur.execute("SELECT pg_sleep(0.2)")
        cur.execute("CREATE TABLE IF NOT EXISTS app.victim_b (x int)")
        conn.commit()
        conn.close()
"#
            .into(),
        ),
    }
}

/// The line of the victim an error must name (SQL deltas): the sleeping
/// statement, or for COPY its statement or first data row.
fn victim_lines(kind: Kind) -> &'static [usize] {
    match kind {
        Kind::Sql => &[72],
        Kind::Copy => &[3, 4],
        Kind::Pipelined => &[2],
        Kind::NoTransaction => &[4],
        Kind::Python => &[],
    }
}

fn setup(env: &Env) {
    env.exec(
        "CREATE SCHEMA app; \
         CREATE TABLE app.hold (x int); INSERT INTO app.hold VALUES (1); \
         CREATE FUNCTION app.slow_row() RETURNS trigger LANGUAGE plpgsql AS \
           $$BEGIN PERFORM pg_sleep(60) FROM app.hold; RETURN NEW; END$$; \
         CREATE FUNCTION app.slow_id(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS \
           $$BEGIN PERFORM pg_sleep(60) FROM app.hold; RETURN $1; END$$",
    );
    let args: Vec<String> = [
        "baseline",
        "-p",
        &env.service,
        "-t",
        "app.info",
        "-b",
        "1.0.0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    env.run(&args).ok();
}

/// Runs the scenario; `restart` performs a server restart when the fault
/// is one.
fn scenario(env: &Env, kind: Kind, fault: Fault, restart: &mut dyn FnMut(&str)) {
    setup(env);
    env.write(
        "delta/delta_1.0.1_first.sql",
        "CREATE TABLE app.first (x int);\nINSERT INTO app.first VALUES (1);\n",
    );
    let (file, content) = victim(kind);
    env.write(&format!("delta/{file}"), &content);
    env.write(
        "delta/delta_1.0.3_last.sql",
        "CREATE TABLE app.last (x int);\n",
    );

    let mut child = env.spawn_upgrade();
    let (sleeper, pum_pid) = env.wait_for_victim(&mut child);
    match fault {
        Fault::Terminate => env.terminate(&sleeper),
        Fault::TerminatePum => {
            env.terminate(&pum_pid);
            // Let the delta finish its work.
            env.exec("DELETE FROM app.hold");
        }
        Fault::RestartFast => restart("fast"),
        Fault::RestartImmediate => restart("immediate"),
    }
    let (code, out, err) = env.finish(child);
    let all = format!("--- stdout\n{out}\n--- stderr\n{err}");

    // A clear error, naming the delta (and the line for SQL), exit code 2.
    assert_eq!(code, 2, "exit code\n{all}");
    let path = format!("delta/{file}");
    let lines = victim_lines(kind);
    if lines.is_empty() {
        assert!(err.contains(&format!("error: {path}")), "{all}");
    } else {
        assert!(
            lines
                .iter()
                .any(|l| err.contains(&format!("error: {path}:{l}: "))),
            "the error names {path} and one of the lines {lines:?}\n{all}"
        );
    }
    assert!(
        err.contains("connection") || err.contains("terminating"),
        "the error says the connection was lost\n{all}"
    );
    match kind {
        Kind::Sql | Kind::Copy | Kind::Pipelined => assert!(
            err.contains("the connection to the server was lost, and the server rolled back"),
            "the report says what happened to the delta\n{all}"
        ),
        Kind::NoTransaction => assert!(
            err.contains("runs outside a transaction") && !err.contains("left no trace"),
            "a no-transaction delta may have left work behind\n{all}"
        ),
        Kind::Python => assert!(!err.contains("left no trace"), "{all}"),
    }
    assert!(err.contains("delta_1.0.1_first.sql"), "{all}");
    assert!(!out.contains("delta_1.0.3_last.sql"), "{all}");

    // Nothing half-applied: the first delta is in, the victim is not
    // recorded and, when transactional, left nothing.
    assert_eq!(env.row_count("1.0.1"), 1);
    assert!(env.table_exists("first"));
    assert_eq!(env.row_count("1.0.2"), 0, "the victim is not recorded");
    assert_eq!(env.row_count("1.0.3"), 0);
    assert!(!env.table_exists("last"));
    match (kind, fault) {
        // The delta's own transaction finished after pum lost its
        // session: its work is committed, but it is not recorded.
        (Kind::Python, Fault::TerminatePum) => {
            assert!(env.table_exists("victim_a") && env.table_exists("victim_b"));
            assert!(
                err.contains("not recorded"),
                "the error says the delta ran but is not recorded\n{all}"
            );
        }
        // Autocommit: the statements before the fault stay, the index
        // being built is left invalid.
        (Kind::NoTransaction, _) => {
            assert!(env.table_exists("victim_a"));
            assert!(!env.table_exists("victim_b"));
            assert_eq!(
                env.column(
                    "SELECT i.indisvalid::text FROM pg_index i \
                     WHERE i.indexrelid = to_regclass('app.victim_idx')"
                ),
                ["false"],
                "the interrupted CREATE INDEX CONCURRENTLY left an invalid index"
            );
        }
        _ => {
            assert!(!env.table_exists("victim_a"), "rolled back\n{all}");
            assert!(!env.table_exists("victim_b"), "rolled back\n{all}");
        }
    }

    // The session is gone, and its lock with it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while env.lock_held() {
        assert!(Instant::now() < deadline, "the upgrade lock is still held");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The next upgrade continues and finishes.
    env.exec("DELETE FROM app.hold");
    let again = env.run(&env.upgrade_args());
    again.ok();
    let again_out = again.stdout();
    assert!(!again_out.contains("delta_1.0.1_first"), "{again_out}");
    assert!(again_out.contains(&path), "{again_out}");
    for v in ["1.0.1", "1.0.2", "1.0.3"] {
        assert_eq!(env.row_count(v), 1, "{v} recorded once");
    }
    for t in ["first", "victim_a", "victim_b", "last"] {
        assert!(env.table_exists(t), "app.{t}");
    }
    if kind == Kind::NoTransaction {
        assert_eq!(
            env.scalar(
                "SELECT i.indisvalid::text FROM pg_index i \
                 WHERE i.indexrelid = to_regclass('app.victim_idx')"
            ),
            "true"
        );
    }
    if kind == Kind::Copy {
        assert_eq!(env.scalar("SELECT count(*) FROM app.victim_a"), "2");
    }
    if kind == Kind::Sql {
        assert_eq!(env.scalar("SELECT count(*) FROM app.victim_a"), "70");
    }
}

fn on_shared_cluster(test: &str, kind: Kind, fault: Fault) {
    let db = Db::new(test);
    scenario(&Env::of(&db), kind, fault, &mut |_| {
        unreachable!("the shared cluster is never restarted")
    });
}

fn on_private_cluster(test: &str, kind: Kind, fault: Fault) {
    let mut private = Private::start(test);
    let env = private.env();
    let cell = std::cell::RefCell::new(&mut private);
    scenario(&env, kind, fault, &mut |mode| {
        cell.borrow_mut().restart(mode)
    });
}

#[test]
fn terminated_backend_during_a_sql_delta() {
    on_shared_cluster("fault_term_sql", Kind::Sql, Fault::Terminate);
}

#[test]
fn terminated_backend_during_a_copy_delta() {
    on_shared_cluster("fault_term_copy", Kind::Copy, Fault::Terminate);
}

#[test]
fn terminated_backend_during_a_pipelined_delta() {
    on_shared_cluster("fault_term_pipe", Kind::Pipelined, Fault::Terminate);
}

#[test]
fn terminated_backend_during_a_no_transaction_delta() {
    on_shared_cluster("fault_term_notx", Kind::NoTransaction, Fault::Terminate);
}

#[test]
fn terminated_python_delta_connection() {
    on_shared_cluster("fault_term_py", Kind::Python, Fault::Terminate);
}

#[test]
fn terminated_pum_session_during_a_python_delta() {
    on_shared_cluster("fault_term_pum_py", Kind::Python, Fault::TerminatePum);
}

#[test]
fn fast_restart_during_a_sql_delta() {
    on_private_cluster("fault_fast_sql", Kind::Sql, Fault::RestartFast);
}

#[test]
fn fast_restart_during_a_pipelined_delta() {
    on_private_cluster("fault_fast_pipe", Kind::Pipelined, Fault::RestartFast);
}

#[test]
fn fast_restart_during_a_python_delta() {
    on_private_cluster("fault_fast_py", Kind::Python, Fault::RestartFast);
}

#[test]
fn immediate_restart_during_a_copy_delta() {
    on_private_cluster("fault_imm_copy", Kind::Copy, Fault::RestartImmediate);
}

#[test]
fn immediate_restart_during_a_pipelined_delta() {
    on_private_cluster("fault_imm_pipe", Kind::Pipelined, Fault::RestartImmediate);
}

#[test]
fn immediate_restart_during_a_no_transaction_delta() {
    on_private_cluster(
        "fault_imm_notx",
        Kind::NoTransaction,
        Fault::RestartImmediate,
    );
}

/// The processes whose parent is `pid`, from /proc.
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        let rest = &stat[stat.rfind(')').unwrap() + 1..];
        let ppid: u32 = rest.split_whitespace().nth(1).unwrap().parse().unwrap();
        if ppid == pid {
            out.push(child);
        }
    }
    out
}

/// True while `pid` runs (a zombie, never reaped in some containers, does not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let rest = &stat[stat.rfind(')').unwrap() + 1..];
            !matches!(rest.split_whitespace().next(), Some("Z" | "X"))
        }
        Err(_) => false,
    }
}

/// `kill -9` of pum while a Python delta runs: the worker sees its input
/// close and exits at once, so the server rolls back the delta's open
/// transaction instead of the delta finishing unrecorded (here it would
/// never finish: it waits for `app.hold` to empty).
#[test]
fn kill_9_of_pum_stops_the_python_worker() {
    let db = Db::new("fault_kill_py");
    let env = Env::of(&db);
    setup(&env);
    env.write(
        "delta/delta_1.0.1_first.sql",
        "CREATE TABLE app.first (x int);\n",
    );
    let (file, content) = victim(Kind::Python);
    env.write(&format!("delta/{file}"), &content);
    let mut child = env.spawn_upgrade();
    env.wait_for_victim(&mut child);
    let workers = children_of(child.id());
    assert_eq!(workers.len(), 1, "one Python worker: {workers:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(workers[0]) {
        assert!(
            Instant::now() < deadline,
            "the Python worker outlived pum by 5 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Its session goes with it, and the delta's work is rolled back.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !env.sessions().0.is_empty() || env.lock_held() {
        assert!(
            Instant::now() < deadline,
            "sessions of the killed run remain"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!env.table_exists("victim_a"));
    assert_eq!(env.row_count("1.0.2"), 0);
    env.exec("DELETE FROM app.hold");
    env.run(&env.upgrade_args()).ok();
    assert_eq!(env.row_count("1.0.2"), 1);
    assert!(env.table_exists("victim_b"));
}
