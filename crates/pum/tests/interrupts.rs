//! Interrupts and faults: cancelling the server's work, broken
//! connections, and what pum leaves behind when stopped.

mod common;

use std::time::{Duration, Instant};

use common::Db;

/// A cancel handle stops a statement running on another thread's
/// connection: the statement fails with SQLSTATE 57014, at once.
#[test]
fn cancel_handle_cancels_a_running_statement() {
    let db = Db::new("cancel_handle");
    let mut conn = db.conn();
    let handle = conn.cancel_handle().expect("a cancel handle");
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.cancel()
    });
    let started = Instant::now();
    let err = conn.execute("SELECT pg_sleep(30)").unwrap_err();
    assert_eq!(err.code, "57014", "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    canceller.join().unwrap().unwrap();
    // The connection is still usable.
    assert_eq!(conn.execute("SELECT 1").unwrap().scalar(), Some("1"));
}

/// A statement on a connection whose backend was terminated is an error,
/// never an empty success.
#[test]
fn terminated_backend_is_an_error() {
    let db = Db::new("terminated_backend");
    let mut victim = db.conn();
    let pid = victim.backend_pid().to_string();
    db.conn()
        .query("SELECT pg_terminate_backend($1::int)", &[Some(&pid)])
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(victim.execute("SELECT 1").is_err());
    assert!(victim.query("SELECT $1::int", &[Some("1")]).is_err());
}

/// Schema `app` and the upgrades table, baselined at 1.0.0.
fn setup(db: &Db) {
    db.exec("CREATE SCHEMA app");
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
}

/// Starts `pum upgrade` on `db` in the background.
fn spawn_upgrade(db: &Db, target: &str) -> std::process::Child {
    db.pum()
        .args(["upgrade", "-p", target, "-t", "app.info", "-d", "delta"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
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
         AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()",
        db.name
    ))
    .len()
}

fn send(child: &std::process::Child, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} failed");
}

fn advisory_locks(db: &Db) -> usize {
    // This database's: the other tests hold theirs meanwhile.
    db.column(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .len()
}

/// Ctrl-C (or SIGTERM, SIGHUP) during an SQL delta cancels the statement
/// on the server: the delta and its row are not committed, not even
/// later, the lock is released, pum says what happened and exits 128 +
/// signal.
#[test]
fn signal_during_sql_delta_rolls_it_back() {
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let db = Db::new(&format!("sig_sql_{}", signal.to_lowercase()));
        setup(&db);
        db.write(
            "delta/delta_1.0.1_first.sql",
            "CREATE TABLE app.first (id int);\n",
        );
        db.write(
            "delta/delta_1.0.2_slow.sql",
            "CREATE TABLE app.slow (id int);\nSELECT pg_sleep(5);\nINSERT INTO app.slow VALUES (1);\n",
        );
        let child = spawn_upgrade(&db, &db.name);
        wait_for("the slow statement", || sleeping_statements(&db) == 1);
        let sent = Instant::now();
        send(&child, signal);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        assert!(
            sent.elapsed() < Duration::from_secs(4),
            "took {:?}",
            sent.elapsed()
        );
        assert!(
            stderr.contains(&format!("interrupted by SIG{signal}")),
            "{stderr}"
        );
        assert!(
            stderr.contains("Applied and kept before the failure (1): delta_1.0.1_first.sql"),
            "{stderr}"
        );
        assert!(
            stderr.contains("delta/delta_1.0.2_slow.sql was running when pum was interrupted: it was rolled back"),
            "{stderr}"
        );
        // Nothing of the slow delta, now or after its sleep would have ended.
        std::thread::sleep(Duration::from_millis(
            5500 - sent.elapsed().as_millis().min(5500) as u64,
        ));
        assert_eq!(
            db.column("SELECT description FROM app.info ORDER BY id"),
            ["baseline", "first"]
        );
        assert_eq!(
            db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'slow'"),
            "0"
        );
        assert_eq!(sleeping_statements(&db), 0);
        assert_eq!(advisory_locks(&db), 0);
        // The next run applies it.
        db.run(&["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
            .ok();
        assert_eq!(db.scalar("SELECT count(*) FROM app.slow"), "1");
    }
}

/// Ctrl-C during a Python delta stops its interpreter, removes the
/// temporary service file holding the password, and records nothing.
#[test]
fn signal_during_python_delta_stops_the_interpreter_and_removes_secrets() {
    let db = Db::new("sig_python");
    setup(&db);
    let probe = db.path().join("probe");
    db.write(
        "delta/delta_1.0.1_slow.py",
        &format!(
            "import os, time\nfrom pum.core.deltapy import DeltaPy\n\n\n\
             class Slow(DeltaPy):\n    def run(self):\n\
             \x20       with open({probe:?} + '.tmp', 'w') as f:\n\
             \x20           f.write('%d %s' % (os.getpid(), os.environ['PGSERVICEFILE']))\n\
             \x20       os.rename({probe:?} + '.tmp', {probe:?})\n\
             \x20       time.sleep(30)\n",
            probe = probe.display().to_string()
        ),
    );
    // A connection string with a password: it goes to a temporary file.
    let target = format!("{} password=s3cret-for-test", db.conninfo);
    let child = spawn_upgrade(&db, &target);
    wait_for("the Python delta", || probe.exists());
    let text = std::fs::read_to_string(&probe).unwrap();
    let (pid, service_file) = text.split_once(' ').unwrap();
    assert!(std::path::Path::new(service_file).exists());
    let sent = Instant::now();
    send(&child, "INT");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        sent.elapsed() < Duration::from_secs(8),
        "took {:?}",
        sent.elapsed()
    );
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert!(
        stderr.contains("delta_1.0.1_slow.py was running when pum was interrupted"),
        "{stderr}"
    );
    assert!(stderr.contains("own connections"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "interpreter {pid} still runs"
    );
    assert!(
        !std::path::Path::new(service_file).exists(),
        "service file left behind"
    );
    assert_eq!(
        db.column("SELECT description FROM app.info ORDER BY id"),
        ["baseline"]
    );
}

/// An interrupted `-- pum:no-transaction` delta is named as possibly
/// partial: it cannot be rolled back.
#[test]
fn interrupted_no_transaction_delta_is_reported_as_possibly_partial() {
    let db = Db::new("sig_notx");
    setup(&db);
    db.write(
        "delta/delta_1.0.1_notx.sql",
        "-- pum:no-transaction\nCREATE TABLE app.part (id int);\nSELECT pg_sleep(5);\nCREATE TABLE app.rest (id int);\n",
    );
    let child = spawn_upgrade(&db, &db.name);
    wait_for("the slow statement", || sleeping_statements(&db) == 1);
    send(&child, "INT");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("delta/delta_1.0.1_notx.sql was running when pum was interrupted"),
        "{stderr}"
    );
    assert!(stderr.contains("MAY BE PARTLY APPLIED"), "{stderr}");
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('part', 'rest')"),
        "1"
    );
    assert_eq!(
        db.column("SELECT description FROM app.info ORDER BY id"),
        ["baseline"]
    );
}

/// Holds an ACCESS EXCLUSIVE lock on `app.big` in an open transaction, so
/// that pg_dump (which needs ACCESS SHARE) waits until dropped.
fn block_dumps(db: &Db) -> pum_core::pg::Conn {
    db.exec("CREATE TABLE IF NOT EXISTS app.big (id int)");
    let mut conn = db.conn();
    conn.execute("BEGIN; LOCK TABLE app.big IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    conn
}

fn waiting_dumps(db: &Db) -> usize {
    db.column(&format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'pg_dump' \
         AND wait_event_type = 'Lock'",
        db.name
    ))
    .len()
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|it| {
            it.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Ctrl-C during `pum dump` stops pg_dump and leaves neither a partial
/// dump at the target nor the temporary passfile.
#[test]
fn interrupted_dump_leaves_no_partial_file_and_no_passfile() {
    let db = Db::new("sig_dump");
    db.exec("CREATE SCHEMA app");
    let _lock = block_dumps(&db);
    let tmp = db.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out_dir = db.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = format!("{} password=s3cret-for-test", db.conninfo);
    let child = db
        .pum()
        .env("TMPDIR", &tmp)
        .args(["dump", "-p", &target, "out/prod.dump"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("pg_dump waiting on the lock", || waiting_dumps(&db) == 1);
    // While it runs: the passfile is private, the partial dump is hidden.
    let pass: Vec<String> = entries(&tmp);
    assert_eq!(pass.len(), 1, "{pass:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tmp.join(&pass[0]))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
    let partial = entries(&out_dir);
    assert!(
        partial.len() == 1 && partial[0].starts_with(".prod.dump.pum-partial-"),
        "{partial:?}"
    );
    send(&child, "INT");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert_eq!(entries(&out_dir), Vec::<String>::new());
    assert_eq!(entries(&tmp), Vec::<String>::new());
    assert_eq!(waiting_dumps(&db), 0, "pg_dump still running");
}

/// Ctrl-C during `test-and-upgrade` drops the scratch database it made on
/// production's server and removes the temporary production dump (kept
/// private, 0700, while it existed).
#[test]
fn interrupted_rehearsal_drops_its_scratch_database_and_dump() {
    let db = Db::new("sig_rehearsal");
    setup(&db);
    db.write("delta/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    let _lock = block_dumps(&db);
    let tmp = db.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let snapshot = db.path().join("ref.json");
    db.run(&["snapshot", "-p", &db.name, "-o", "ref.json"]).ok();
    assert!(snapshot.exists());
    let child = db
        .pum()
        .env("TMPDIR", &tmp)
        .args([
            "test-and-upgrade",
            "-pp",
            &db.name,
            "-pc",
            "ref.json",
            "-t",
            "app.info",
            "-d",
            "delta",
            "--yes",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("pg_dump waiting on the lock", || waiting_dumps(&db) == 1);
    let scratch = || db.column("SELECT datname FROM pg_database WHERE datname LIKE 'pum_test_%'");
    assert_eq!(scratch().len(), 1);
    let dirs = entries(&tmp);
    let rehearsal: Vec<&String> = dirs
        .iter()
        .filter(|d| d.starts_with("pum-rehearsal-"))
        .collect();
    assert_eq!(rehearsal.len(), 1, "{dirs:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tmp.join(rehearsal[0]))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
    send(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    assert!(stderr.contains("Production was not changed"), "{stderr}");
    assert_eq!(scratch(), Vec::<String>::new());
    assert_eq!(entries(&tmp), Vec::<String>::new());
    assert_eq!(
        db.column("SELECT description FROM app.info ORDER BY id"),
        ["baseline"]
    );
}

/// True while process `pid` runs (a zombie waiting for its reaper does not).
fn alive(pid: &str) -> bool {
    let started = Instant::now();
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_string)
            });
        match state.as_deref() {
            None | Some("Z") | Some("X") => return false,
            // It may still be handling its SIGTERM.
            Some(_) if started.elapsed() < Duration::from_secs(2) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Some(_) => return true,
        }
    }
}

/// SIGTERM to `pum sandbox` reaches its command, then the server stops
/// and its directory goes; the command is not orphaned.
#[test]
fn signal_to_sandbox_stops_the_command_and_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    // The command and a program it started: neither may outlive pum.
    let script = format!(
        "sleep 60 & echo \"$$ $!\" > {p}.tmp && mv {p}.tmp {p} && wait",
        p = pidfile.display()
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_pum"))
        .args(["sandbox", "--", "sh", "-c", &script])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the sandbox's command", || pidfile.exists());
    let pids = std::fs::read_to_string(&pidfile).unwrap();
    let (command_pid, sleep_pid) = pids.trim().split_once(' ').unwrap();
    send(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    let root = stderr
        .lines()
        .find_map(|l| l.strip_prefix("pum sandbox: PostgreSQL running in "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("{stderr}"))
        .to_string();
    assert!(!std::path::Path::new(&root).exists(), "{root} left behind");
    assert!(!alive(command_pid), "command orphaned");
    assert!(!alive(sleep_pid), "its child orphaned");
    let servers = std::process::Command::new("pgrep")
        .args(["-f", &format!("postgres -D {root}")])
        .output()
        .unwrap();
    assert!(servers.stdout.is_empty(), "server still runs");
}
