//! Several pum processes on one database: the advisory lock serialises
//! them, times out with a useful message, and is released on failure.

mod common;

use std::time::{Duration, Instant};

use common::{Db, Run};

const LOCK_SQL: &str = "SELECT pg_advisory_lock(hashtext('pum'), hashtext('app.info'))";
const TRY_LOCK_SQL: &str = "SELECT pg_try_advisory_lock(hashtext('pum'), hashtext('app.info'))";
const UNLOCK_SQL: &str = "SELECT pg_advisory_unlock(hashtext('pum'), hashtext('app.info'))";

/// Schema `app`, a table with one row per applied delta whose UNIQUE
/// constraint makes any double application fail, and `app.info`
/// baselined at 1.0.0.
fn setup(db: &Db) {
    db.exec(
        "CREATE SCHEMA app; \
         CREATE TABLE app.applied (version text NOT NULL UNIQUE, at timestamptz DEFAULT clock_timestamp())",
    );
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
}

fn delta_sql(version: &str, sleep: bool) -> String {
    let pause = if sleep {
        "SELECT pg_sleep(0.05);\n"
    } else {
        ""
    };
    format!("{pause}INSERT INTO app.applied (version) VALUES ('{version}');\n")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn upgrade_args(db: &Db) -> Vec<String> {
    ["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn two_simultaneous_upgrades_apply_each_delta_once() {
    let db = Db::new("conc_two");
    setup(&db);
    let versions: Vec<String> = (1..=20).map(|i| format!("1.0.{i}")).collect();
    for (i, v) in versions.iter().enumerate() {
        db.write(&format!("delta/delta_{v}_d{i}.sql"), &delta_sql(v, i < 10));
    }
    let args = upgrade_args(&db);
    let spawn = || {
        db.pum()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn pum")
    };
    let a = spawn();
    let b = spawn();
    let a = Run(a.wait_with_output().unwrap());
    let b = Run(b.wait_with_output().unwrap());
    a.ok();
    b.ok();

    let mut expected = versions.clone();
    expected.sort();
    assert_eq!(
        sorted(db.column("SELECT version FROM app.applied")),
        expected
    );
    assert_eq!(
        sorted(db.column(
            "SELECT version FROM app.info WHERE type <> 0 GROUP BY version \
             HAVING count(*) = 1"
        )),
        expected
    );
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "21");

    // The runs really overlapped: one of them waited for the other, and
    // between them every delta was applied by exactly one.
    let waited = [&a, &b]
        .iter()
        .filter(|r| {
            r.stderr()
                .contains("Another pum is working on this database (app.info)")
        })
        .count();
    assert_eq!(waited, 1, "--- a\n{}\n--- b\n{}", a.all(), b.all());
    let applied = |r: &Run| r.stdout().matches("] Applying ").count();
    assert_eq!(
        applied(&a) + applied(&b),
        20,
        "--- a\n{}\n--- b\n{}",
        a.all(),
        b.all()
    );
}

#[test]
fn lock_timeout_names_the_holder() {
    let db = Db::new("conc_timeout");
    setup(&db);
    db.write("delta/delta_1.0.1_a.sql", &delta_sql("1.0.1", false));
    let mut holder = db.conn();
    let pid = holder
        .query("SELECT pg_backend_pid()", &[])
        .unwrap()
        .scalar()
        .unwrap()
        .to_string();
    holder.execute(LOCK_SQL).unwrap();

    let mut args = upgrade_args(&db);
    args.extend(["--lock-timeout".to_string(), "1".to_string()]);
    let started = Instant::now();
    let up = Run(db.pum().args(&args).output().unwrap());
    let took = started.elapsed();
    up.expect_code(2);
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let err = up.stderr();
    assert!(
        err.contains("error: another pum is working on this database (app.info)"),
        "{}",
        up.all()
    );
    assert!(
        err.contains(&format!("pid {pid}")),
        "pid {pid}:\n{}",
        up.all()
    );
    assert!(err.contains("--lock-timeout"), "{}", up.all());
    assert_eq!(db.scalar("SELECT count(*) FROM app.applied"), "0");
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");

    // Released: the same command succeeds at once.
    assert_eq!(holder.query(UNLOCK_SQL, &[]).unwrap().scalar(), Some("t"));
    Run(db.pum().args(&args).output().unwrap()).ok();
    assert_eq!(db.column("SELECT version FROM app.applied"), ["1.0.1"]);
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "2");
    drop(holder);
}

#[test]
fn lock_is_released_after_a_failed_upgrade() {
    let db = Db::new("conc_release");
    setup(&db);
    db.write("delta/delta_1.0.1_a.sql", &delta_sql("1.0.1", false));
    db.write("delta/delta_1.0.2_bad.sql", "SELECT 1/0;\n");
    db.write(
        "delta/delta_1.0.3_badpy.py",
        "from pum.core.deltapy import DeltaPy\n\n\nclass Bad(DeltaPy):\n    def run(self):\n        raise RuntimeError('not yet')\n",
    );
    let mut args = upgrade_args(&db);
    args.extend(["--lock-timeout".to_string(), "30".to_string()]);

    // A failing SQL delta.
    Run(db.pum().args(&args).output().unwrap()).expect_code(2);
    {
        let mut c = db.conn();
        assert_eq!(c.query(TRY_LOCK_SQL, &[]).unwrap().scalar(), Some("t"));
        assert_eq!(c.query(UNLOCK_SQL, &[]).unwrap().scalar(), Some("t"));
    }
    assert_eq!(db.column("SELECT version FROM app.applied"), ["1.0.1"]);

    // Fixed; now the Python delta fails.
    db.write("delta/delta_1.0.2_bad.sql", &delta_sql("1.0.2", false));
    let started = Instant::now();
    let up = Run(db.pum().args(&args).output().unwrap());
    up.expect_code(2);
    assert!(
        up.stderr().contains("RuntimeError: not yet"),
        "{}",
        up.all()
    );
    assert!(
        !up.stderr().contains("Another pum"),
        "waited for a lock:\n{}",
        up.all()
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    {
        let mut c = db.conn();
        assert_eq!(c.query(TRY_LOCK_SQL, &[]).unwrap().scalar(), Some("t"));
        assert_eq!(c.query(UNLOCK_SQL, &[]).unwrap().scalar(), Some("t"));
    }

    // Fixed too: a new process goes through at once.
    db.write(
        "delta/delta_1.0.3_badpy.py",
        "from pum.core.deltapy import DeltaPy\n\n\nclass Bad(DeltaPy):\n    def run(self):\n        pass\n",
    );
    let started = Instant::now();
    let up = Run(db.pum().args(&args).output().unwrap());
    up.ok();
    assert!(
        !up.stderr().contains("Another pum"),
        "waited for a lock:\n{}",
        up.all()
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(
        db.column("SELECT version FROM app.info ORDER BY id"),
        ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    );
    assert_eq!(
        db.column("SELECT version FROM app.applied ORDER BY version"),
        ["1.0.1", "1.0.2"]
    );
}
