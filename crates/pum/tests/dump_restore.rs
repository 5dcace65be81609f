//! dump / restore end to end with the real pg_dump and pg_restore.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{Db, Run};

/// A small data model with rows, a sequence moved ahead, a view and a function.
fn populate(db: &Db) {
    db.exec(
        "CREATE SCHEMA app;
         CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int NOT NULL, label text);
         INSERT INTO app.pipe (diameter, label)
             SELECT g * 10, 'pipe ' || g FROM generate_series(1, 25) g;
         CREATE SEQUENCE app.counter START 1;
         SELECT setval('app.counter', 4242);
         CREATE VIEW app.big_pipes AS SELECT id, diameter FROM app.pipe WHERE diameter > 100;
         CREATE FUNCTION app.double_it(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;",
    );
}

/// Writes an executable shell script.
fn script(db: &Db, rel: &str, body: &str) -> PathBuf {
    let p = db.write(rel, body);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// The absolute path of a program found on PATH.
fn on_path(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} not on PATH"))
}

fn schemas(db: &Db) -> Vec<String> {
    db.column(
        "SELECT nspname FROM pg_namespace \
         WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
    )
}

#[test]
fn custom_dump_round_trip_preserves_everything() {
    let src = Db::new("dr_src");
    let dst = Db::new("dr_dst");
    populate(&src);
    let out = src.run(&["dump", "-p", &src.name, "prod.dump"]);
    out.ok();
    assert!(out.stdout().contains("Dumped"), "{}", out.stdout());
    let file = src.path().join("prod.dump");
    let head = std::fs::read(&file).unwrap();
    assert!(head.starts_with(b"PGDMP"), "custom format expected");

    let r = src.run(&["restore", "-p", &dst.conninfo, "prod.dump"]);
    r.ok();
    assert!(r.stdout().contains("Restored"), "{}", r.stdout());
    assert!(!r.stdout().contains("error(s) ignored"), "{}", r.stdout());

    // Schemas equal.
    src.run(&["check", "-p1", &src.name, "-p2", &dst.conninfo])
        .ok();
    // Data, sequence positions, view and function.
    assert_eq!(dst.scalar("SELECT count(*) FROM app.pipe"), "25");
    assert_eq!(
        dst.scalar("SELECT sum(diameter) FROM app.pipe"),
        src.scalar("SELECT sum(diameter) FROM app.pipe")
    );
    assert_eq!(dst.scalar("SELECT last_value FROM app.counter"), "4242");
    assert_eq!(
        dst.scalar("SELECT last_value FROM app.pipe_id_seq"),
        src.scalar("SELECT last_value FROM app.pipe_id_seq")
    );
    assert_eq!(dst.scalar("SELECT nextval('app.pipe_id_seq')"), "26");
    assert_eq!(dst.scalar("SELECT count(*) FROM app.big_pipes"), "15");
    assert_eq!(dst.scalar("SELECT app.double_it(21)"), "42");
}

#[test]
fn dump_excludes_each_schema_given() {
    let src = Db::new("dr_excl_src");
    let dst = Db::new("dr_excl_dst");
    src.exec(
        "CREATE SCHEMA schema_a; CREATE TABLE schema_a.t (x int);
         CREATE SCHEMA schema_b; CREATE TABLE schema_b.t (x int);
         CREATE SCHEMA schema_c; CREATE TABLE schema_c.t (x int); INSERT INTO schema_c.t VALUES (7);",
    );
    src.run(&[
        "dump", "-N", "schema_a", "-N", "schema_b", "-p", &src.name, "x.dump",
    ])
    .ok();
    src.run(&["restore", "-p", &dst.conninfo, "x.dump"]).ok();
    let s = schemas(&dst);
    assert!(!s.contains(&"schema_a".to_string()), "{s:?}");
    assert!(!s.contains(&"schema_b".to_string()), "{s:?}");
    assert!(s.contains(&"schema_c".to_string()), "{s:?}");
    assert_eq!(dst.scalar("SELECT x FROM schema_c.t"), "7");

    // The long spelling works the same way.
    let dst2 = Db::new("dr_excl_dst2");
    src.run(&[
        "dump",
        "--exclude-schema",
        "schema_a",
        "--exclude_schema=schema_c",
        "-p",
        &src.name,
        "y.dump",
    ])
    .ok();
    src.run(&["restore", "-p", &dst2.conninfo, "y.dump"]).ok();
    let s = schemas(&dst2);
    assert!(!s.contains(&"schema_a".to_string()), "{s:?}");
    assert!(!s.contains(&"schema_c".to_string()), "{s:?}");
    assert!(s.contains(&"schema_b".to_string()), "{s:?}");
}

#[test]
fn plain_and_directory_formats() {
    let src = Db::new("dr_fmt_src");
    populate(&src);

    // Plain: an SQL script, which restore refuses (psql -f is the way).
    src.run(&["dump", "--format", "plain", "-p", &src.name, "plain.sql"])
        .ok();
    let text = std::fs::read_to_string(src.path().join("plain.sql")).unwrap();
    assert!(text.starts_with("--"), "{}", &text[..text.len().min(200)]);
    assert!(text.contains("CREATE TABLE app.pipe"), "plain dump content");
    let dst = Db::new("dr_fmt_dst");
    let r = src.run(&["restore", "-p", &dst.conninfo, "plain.sql"]);
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains("plain.sql"), "{err}");
    assert!(err.contains("psql -f"), "{err}");
    assert!(err.contains("not a pg_dump archive"), "{err}");
    // Nothing was restored.
    assert_eq!(
        dst.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"),
        "0"
    );

    // Directory: written as a directory, restorable.
    src.run(&["dump", "--format", "directory", "-p", &src.name, "dumpdir"])
        .ok();
    let dir = src.path().join("dumpdir");
    assert!(dir.is_dir(), "a directory is written");
    assert!(dir.join("toc.dat").is_file(), "directory-format dump");
    let dst2 = Db::new("dr_fmt_dst2");
    src.run(&["restore", "-p", &dst2.conninfo, "dumpdir"]).ok();
    assert_eq!(dst2.scalar("SELECT count(*) FROM app.pipe"), "25");
    assert_eq!(dst2.scalar("SELECT last_value FROM app.counter"), "4242");
    src.run(&["check", "-p1", &src.name, "-p2", &dst2.conninfo])
        .ok();
}

#[test]
fn restore_errors_fail_without_x_and_are_listed_with_x() {
    let src = Db::new("dr_err_src");
    src.exec(
        "CREATE SCHEMA app;
         CREATE TABLE app.t (id int PRIMARY KEY, v text);
         INSERT INTO app.t VALUES (1, 'one'), (2, 'two');",
    );
    src.run(&["dump", "-p", &src.name, "t.dump"]).ok();

    let conflicting = "CREATE SCHEMA app; CREATE TABLE app.t (id int, other date);";

    // Without -x: exit 2, errors listed, -x named.
    let dst = Db::new("dr_err_dst");
    dst.exec(conflicting);
    let r = src.run(&["restore", "-p", &dst.conninfo, "t.dump"]);
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains("pg_restore into"), "{err}");
    assert!(err.contains("partly restored"), "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert!(err.contains("-x"), "{err}");

    // With -x: exit 0, the ignored errors counted and listed on stderr.
    let dst2 = Db::new("dr_err_dst2");
    dst2.exec(conflicting);
    let r = src.run(&["restore", "-x", "-p", &dst2.conninfo, "t.dump"]);
    r.ok();
    let err = r.stderr();
    let header = err
        .lines()
        .find(|l| l.starts_with("warning: pg_restore reported "))
        .unwrap_or_else(|| panic!("no warning header: {err}"));
    let n: usize = header
        .trim_start_matches("warning: pg_restore reported ")
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n >= 1, "{err}");
    assert!(header.ends_with("error(s), ignored (-x):"), "{header}");
    let listed = err.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(listed, n.min(10), "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert!(
        r.stdout().contains(&format!("{n} error(s) ignored")),
        "{}",
        r.stdout()
    );
}

/// pg_restore goes on after an error: a restore into a database that
/// already holds some of the objects leaves it partly restored, and pum says
/// so, with the counts; `--single-transaction` gives all or nothing.
#[test]
fn restore_into_a_non_empty_database_says_what_happened() {
    let src = Db::new("dr_part_src");
    src.exec(
        "CREATE SCHEMA app;
         CREATE TABLE app.t (id int PRIMARY KEY, v text);
         INSERT INTO app.t VALUES (1, 'one'), (2, 'two');
         CREATE TABLE app.u (x int);
         INSERT INTO app.u VALUES (5);",
    );
    src.run(&["dump", "-p", &src.name, "t.dump"]).ok();
    // Entries: SCHEMA app, TABLE t, TABLE u, TABLE DATA t, TABLE DATA u,
    // CONSTRAINT t_pkey. The schema, table t and its data fail.
    let conflicting = "CREATE SCHEMA app; CREATE TABLE app.t (id int, other date);";

    let dst = Db::new("dr_part_dst");
    dst.exec(conflicting);
    let r = src.run(&["restore", "-p", &dst.conninfo, "t.dump"]);
    r.expect_code(2);
    let err = r.stderr().split_whitespace().collect::<Vec<_>>().join(" ");
    // 6 entries with pg_dump 13-17; pg_dump 18 adds statistics entries.
    let counts = err
        .split_once(" archive entries failed and ")
        .and_then(|(before, after)| {
            let (failed, total) = before.rsplit_once(" of ")?;
            let failed: u32 = failed.rsplit(' ').next()?.parse().ok()?;
            let total: u32 = total.parse().ok()?;
            let restored: u32 = after.split(' ').next()?.parse().ok()?;
            Some((failed, total, restored))
        })
        .unwrap_or_else(|| panic!("no counts in {err}"));
    assert_eq!(counts.0, 3, "{err}");
    assert!(counts.1 >= 6 && counts.2 == counts.1 - 3, "{err}");
    assert!(err.contains("the database is now partly restored"), "{err}");
    assert!(!err.contains("use -x to go on"), "{err}");
    // Each error names its entry.
    assert!(
        err.contains(r#"TABLE "app.t": relation "t" already exists"#),
        "{err}"
    );
    assert!(
        err.contains(r#"SCHEMA "app": schema "app" already exists"#),
        "{err}"
    );
    assert!(err.contains("--single-transaction"), "{err}");
    assert!(err.contains("all or nothing"), "{err}");
    // What it said is what happened: app.u and its row are there.
    assert_eq!(dst.scalar("SELECT count(*) FROM app.u"), "1");

    // --single-transaction: pg_restore stops at the first error and rolls
    // everything back. pg_restore 17+ cannot do that into an older server
    // (its preamble sets transaction_timeout): refused, saying so.
    if restore_major() >= 17 && server_major(&src) < 17 {
        let r = src.run(&[
            "restore",
            "--single-transaction",
            "-p",
            &dst.conninfo,
            "t.dump",
        ]);
        r.expect_code(2);
        assert!(
            r.stderr().contains("cannot restore into PostgreSQL"),
            "{}",
            r.stderr()
        );
        assert!(r.stderr().contains("transaction_timeout"), "{}", r.stderr());
        return;
    }
    let dst2 = Db::new("dr_part_dst2");
    dst2.exec(conflicting);
    let r = src.run(&[
        "restore",
        "--single-transaction",
        "-p",
        &dst2.conninfo,
        "t.dump",
    ]);
    r.expect_code(2);
    let err = r.stderr().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(err.contains("rolled back"), "{err}");
    assert!(err.contains("nothing was restored"), "{err}");
    assert!(!err.contains("partly restored"), "{err}");
    assert!(
        err.contains(r#"SCHEMA "app": schema "app" already exists"#),
        "{err}"
    );
    // The database is unchanged: nothing from the dump.
    assert_eq!(
        dst2.column(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE nspname = 'app' ORDER BY 1"
        ),
        ["t"]
    );
    assert_eq!(
        dst2.column(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'app.t'::regclass \
             AND attnum > 0 ORDER BY attnum"
        ),
        ["id", "other"]
    );
    assert_eq!(dst2.scalar("SELECT count(*) FROM app.t"), "0");

    // Into an empty database, --single-transaction restores everything.
    let dst3 = Db::new("dr_part_dst3");
    src.run(&[
        "restore",
        "--single-transaction",
        "-p",
        &dst3.conninfo,
        "t.dump",
    ])
    .ok();
    assert_eq!(dst3.scalar("SELECT count(*) FROM app.t"), "2");
    src.run(&["check", "-p1", &src.name, "-p2", &dst3.conninfo])
        .ok();

    // -x and --single-transaction contradict each other.
    let r = src.run(&[
        "restore",
        "-x",
        "--single-transaction",
        "-p",
        &dst3.conninfo,
        "t.dump",
    ]);
    r.expect_code(2);
    assert!(r.stderr().contains("cannot be used with"), "{}", r.stderr());
}

#[test]
fn bad_input_is_reported_clearly() {
    let db = Db::new("dr_bad");
    populate(&db);
    let p = db.name.as_str();

    // pg_dump missing.
    let r = Run(db
        .pum()
        .env("PG_DUMP_EXE", "/nonexistent/pg_dump")
        .args(["dump", "-p", p, "a.dump"])
        .output()
        .unwrap());
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains("/nonexistent/pg_dump"), "{err}");
    assert!(err.contains("PG_DUMP_EXE"), "{err}");
    assert!(err.contains("pg_dump_exe"), "{err}");
    assert!(!db.path().join("a.dump").exists());

    // Not pg_dump at all: a program that prints no version line.
    let hello = script(&db, "hello/pg_dump", "#!/bin/sh\necho hello\n");
    let r = Run(db
        .pum()
        .env("PG_DUMP_EXE", &hello)
        .args(["dump", "-p", p, "a.dump"])
        .output()
        .unwrap());
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains(&hello.display().to_string()), "{err}");
    assert!(err.contains("does not look like pg_dump"), "{err}");
    assert!(err.contains("'hello'"), "{err}");

    // An old pg_dump.
    let old = script(
        &db,
        "old/pg_dump",
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 9.6.24'; exit 0; fi\n\
         echo 'should not run' >&2; exit 1\n",
    );
    let r = Run(db
        .pum()
        .env("PG_DUMP_EXE", &old)
        .args(["dump", "-p", p, "a.dump"])
        .output()
        .unwrap());
    r.expect_code(2);
    let err = r.stderr();
    assert!(err.contains(&old.display().to_string()), "{err}");
    assert!(err.contains("version 9"), "{err}");
    let major = common::server_major();
    assert!(err.contains(&format!("PostgreSQL {major}")), "{err}");
    assert!(err.contains(&format!("postgresql-client-{major}")), "{err}");
    assert!(!err.contains("should not run"), "{err}");

    // Restore: a missing dump file is named.
    let r = db.run(&["restore", "-p", p, "no-such.dump"]);
    r.expect_code(2);
    assert!(r.stderr().contains("no-such.dump"), "{}", r.stderr());

    // An unknown service is named.
    let r = db.run(&["dump", "-p", "no_such_service_qq", "a.dump"]);
    r.expect_code(2);
    assert!(r.stderr().contains("no_such_service_qq"), "{}", r.stderr());
    let real = db.path().join("real.dump");
    db.run(&["dump", "-p", p, "real.dump"]).ok();
    let r = db.run(&["restore", "-p", "no_such_service_qq", "real.dump"]);
    r.expect_code(2);
    assert!(r.stderr().contains("no_such_service_qq"), "{}", r.stderr());
    assert!(real.is_file());

    // Dump into a directory that does not exist.
    let r = db.run(&["dump", "-p", p, "missing_dir/sub/a.dump"]);
    r.expect_code(2);
    assert!(r.stderr().contains("missing_dir/sub"), "{}", r.stderr());
    assert!(!db.path().join("missing_dir").exists());
}

/// GNU coreutils print "echo (GNU coreutils) 9.1" for --version, which the
/// version parser takes for PostgreSQL 9.
#[test]
fn programs_that_are_not_pg_dump_are_refused() {
    let db = Db::new("dr_notpg");
    populate(&db);
    let p = db.name.as_str();
    for fake in ["/bin/echo", "/bin/true"] {
        let r = Run(db
            .pum()
            .env("PG_DUMP_EXE", fake)
            .args(["dump", "-p", p, "a.dump"])
            .output()
            .unwrap());
        r.expect_code(2);
        let err = r.stderr();
        assert!(err.contains(fake), "{err}");
        assert!(err.contains("does not look like pg_dump"), "{err}");
    }
    // pg_restore is not checked against the server: a program that is not
    // pg_restore must not "restore" successfully.
    db.run(&["dump", "-p", p, "real.dump"]).ok();
    let dst = Db::new("dr_notpg_dst");
    for fake in ["/bin/echo", "/bin/true"] {
        let r = Run(db
            .pum()
            .env("PG_RESTORE_EXE", fake)
            .args(["restore", "-p", &dst.conninfo, "real.dump"])
            .output()
            .unwrap());
        r.expect_code(2);
        let err = r.stderr();
        assert!(err.contains(fake), "{err}");
        assert!(err.contains("does not look like pg_restore"), "{err}");
    }
}

#[test]
fn password_never_in_argv_and_travels_in_a_passfile() {
    let db = Db::new("dr_pw");
    populate(&db);
    let real = on_path("pg_dump");
    let argv_file = db.path().join("argv.txt");
    let env_file = db.path().join("env.txt");
    let wrapper = script(
        &db,
        "wrap/pg_dump",
        &format!(
            "#!/bin/sh\nREAL='{}'\n\
             echo '--- call' >> '{argv}'\n\
             for a in \"$@\"; do printf '%s\\n' \"$a\" >> '{argv}'; done\n\
             echo '--- call' >> '{env}'\n\
             env >> '{env}'\n\
             if [ -n \"$PGPASSFILE\" ]; then cat \"$PGPASSFILE\" > '{pass}'; fi\n\
             exec \"$REAL\" \"$@\"\n",
            real.display(),
            argv = argv_file.display(),
            env = env_file.display(),
            pass = db.path().join("pass-seen.txt").display(),
        ),
    );
    let secret = "Sup3rSecretPw";
    let target = format!("{} password={secret}", db.conninfo);
    let r = Run(db
        .pum()
        .env("PG_DUMP_EXE", &wrapper)
        .args(["dump", "-p", &target, "pw.dump"])
        .output()
        .unwrap());
    r.ok();
    assert!(!r.all().contains(secret), "{}", r.all());
    assert!(db.path().join("pw.dump").is_file());
    let argv = std::fs::read_to_string(&argv_file).unwrap();
    // --version, then the dump itself.
    assert!(argv.contains("--version"), "{argv}");
    assert!(argv.contains("-Fc"), "{argv}");
    assert!(!argv.contains(secret), "password in argv: {argv}");
    assert!(!argv.contains("password"), "password in argv: {argv}");
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.contains("PGPASSFILE="), "{env}");
    assert!(!env.contains(secret), "password in the environment: {env}");
    // The passfile held the password while pg_dump ran; it is gone now.
    let seen = std::fs::read_to_string(db.path().join("pass-seen.txt")).unwrap();
    assert!(seen.contains(secret), "{seen}");
    let passfile = env
        .lines()
        .find_map(|l| l.strip_prefix("PGPASSFILE="))
        .unwrap();
    assert!(
        !Path::new(passfile).exists(),
        "passfile left behind: {passfile}"
    );
}

/// The major version of the pg_restore pum runs (`PG_RESTORE_EXE` or PATH).
fn restore_major() -> u32 {
    let exe = std::env::var("PG_RESTORE_EXE").unwrap_or_else(|_| "pg_restore".into());
    let out = std::process::Command::new(exe)
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(2)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("cannot read pg_restore's version from {text:?}"))
}

/// The server's major version.
fn server_major(db: &Db) -> u32 {
    db.scalar("SELECT current_setting('server_version_num')::int / 10000")
        .parse()
        .unwrap()
}
