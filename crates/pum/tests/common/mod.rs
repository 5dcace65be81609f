//! Test harness: one throwaway PostgreSQL cluster per test binary (started
//! on first use, stopped when the process exits), one database per test,
//! and helpers to run the real `pum` binary against it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use pum_core::pg::{Conn, ConnTarget};
use pum_core::sandbox::{Sandbox, SandboxOptions};

static CLUSTER: OnceLock<Mutex<Sandbox>> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The shared cluster of this test binary.
pub fn cluster() -> &'static Mutex<Sandbox> {
    CLUSTER.get_or_init(|| {
        let mut s = Sandbox::start(&SandboxOptions::default()).expect("start a test cluster");
        s.stop_when_process_exits().expect("clean-up watcher");
        check_server_version(&s);
        Mutex::new(s)
    })
}

/// Says which server this test binary runs against (on stderr, past the
/// test harness's capture), and when `PUM_TEST_PG_MAJOR` is set, makes sure
/// it is that major: a matrix run cannot silently test another version.
fn check_server_version(s: &Sandbox) {
    use std::io::Write;
    let conn = Conn::connect(&s.target("postgres").unwrap(), "pum-tests").unwrap();
    let num = conn.server_version();
    let _ = writeln!(
        std::io::stderr(),
        "test cluster: PostgreSQL {}.{} from {}",
        num / 10000,
        num % 10000,
        s.bin_dir().display()
    );
    if let Ok(want) = std::env::var("PUM_TEST_PG_MAJOR") {
        assert_eq!(
            want.trim(),
            (num / 10000).to_string(),
            "PUM_TEST_PG_MAJOR={want}, but the test cluster from {} is PostgreSQL {num}",
            s.bin_dir().display()
        );
    }
}

/// The major version of the test cluster's server (e.g. 15).
pub fn server_major() -> i32 {
    let s = cluster().lock().unwrap();
    let conn = Conn::connect(&s.target("postgres").unwrap(), "pum-tests").unwrap();
    conn.server_version() / 10000
}

/// A database of its own for one test, plus a pg_service.conf naming it.
pub struct Db {
    pub name: String,
    pub conninfo: String,
    pub dir: tempfile::TempDir,
    pub service_file: PathBuf,
}

impl Db {
    /// Creates a fresh database named after the test.
    pub fn new(test: &str) -> Db {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("{}_{}_{}", test, std::process::id(), n);
        let (conninfo, service_file, dir) = {
            let s = cluster().lock().unwrap();
            s.create_database(&name, None)
                .expect("create test database");
            let dir = tempfile::tempdir().unwrap();
            // World-readable so a delta run as another user can read it too.
            let service_file = dir.path().join("pg_service.conf");
            std::fs::write(
                &service_file,
                format!(
                    "[{name}]\nhost={}\nport={}\nuser=postgres\ndbname={name}\n",
                    s.socket_dir().display(),
                    s.port()
                ),
            )
            .unwrap();
            (s.conninfo(&name), service_file, dir)
        };
        Db {
            name,
            conninfo,
            dir,
            service_file,
        }
    }

    /// A connection to this database.
    pub fn conn(&self) -> Conn {
        Conn::connect(&ConnTarget::parse(&self.conninfo).unwrap(), "pum-tests").unwrap()
    }

    /// Runs SQL and panics on error.
    pub fn exec(&self, sql: &str) {
        self.conn()
            .execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// First column of every row, as text ("NULL" for NULL).
    pub fn column(&self, sql: &str) -> Vec<String> {
        let rows = self
            .conn()
            .query(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.rows
            .into_iter()
            .map(|r| r[0].clone().unwrap_or_else(|| "NULL".into()))
            .collect()
    }

    /// One value.
    pub fn scalar(&self, sql: &str) -> String {
        self.column(sql).into_iter().next().expect("one row")
    }

    /// All rows of a query, each row's columns joined with '|'.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let rows = self
            .conn()
            .query(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| v.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    /// A `pum` command with the service file in its environment; `-p`
    /// arguments can use `self.name` as the service name.
    pub fn pum(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pum"));
        c.env("PGSERVICEFILE", &self.service_file)
            .env("PUM_PYTHON", python())
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .env_remove("PGDATABASE")
            .env_remove("PGSERVICE")
            .current_dir(self.dir.path());
        c
    }

    /// Writes a file under this test's directory (creating parents) and
    /// returns its path.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// This test's directory (the current directory of `pum` runs).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs pum with args and returns the output.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.pum().args(args).output().expect("run pum"))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(s) = cluster().lock() {
            let _ = s.drop_database(&self.name);
        }
    }
}

/// The output of one pum run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout(), self.stderr())
    }
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }
}

/// The interpreter for Python deltas: one that has psycopg2
/// (`PUM_TEST_PYTHON`, else /usr/bin/python3).
pub fn python() -> String {
    std::env::var("PUM_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

/// Tables of schema `app` other than the upgrades table, sorted.
pub fn app_tables(db: &Db) -> Vec<String> {
    db.column(
        "SELECT tablename::text FROM pg_catalog.pg_tables \
         WHERE schemaname = 'app' AND tablename <> 'info' ORDER BY 1",
    )
}

/// Non-baseline rows of app.info as "version description type script", in id order.
pub fn recorded(db: &Db) -> Vec<String> {
    db.column(
        "SELECT version || ' ' || description || ' ' || type || ' ' || script \
         FROM app.info WHERE type <> 0 ORDER BY id",
    )
}

/// Asserts `haystack` contains every needle, showing the haystack otherwise.
#[track_caller]
pub fn assert_has(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            haystack.contains(n),
            "expected to find {n:?} in:\n{haystack}"
        );
    }
}
