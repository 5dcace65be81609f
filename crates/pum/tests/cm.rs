//! `pum cm`: psql-cm's change management (setup, submit, dump, restore)
//! against real clusters.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use common::{assert_has, cluster, Db, Run};
use pum_core::pg::{Conn, ConnTarget};
use pum_core::sandbox::{Sandbox, SandboxOptions};

/// The shared cluster's connection string, without a database (the
/// maintenance database is `postgres`).
fn server() -> String {
    let s = cluster().lock().unwrap();
    format!(
        "host={} port={} user=postgres",
        s.socket_dir().display(),
        s.port()
    )
}

/// psql-cm's walkthrough database: `public`, `schema_one`, `schema_two`,
/// a table in each, plus a view in schema_one over schema_two (its base
/// refers to a schema restored after it).
fn walkthrough_db(test: &str) -> Db {
    let db = Db::new(test);
    db.exec(
        "SET search_path = public;
         CREATE SCHEMA schema_one;
         CREATE TABLE a_bool(a BOOL);
         SET search_path = schema_one;
         CREATE TABLE an_integer(an INTEGER);
         CREATE SCHEMA schema_two;
         SET search_path = schema_two;
         CREATE TABLE a_varchar(a VARCHAR);
         CREATE VIEW schema_one.v AS SELECT a FROM schema_two.a_varchar;",
    );
    db
}

/// `pum cm --uri SERVER --databases DB ARGS...`, with git's settings in
/// the test's directory (user Test User <test@example.org>).
fn cm(db: &Db, args: &[&str]) -> Run {
    let mut c = db.pum();
    git_env(db, &mut c);
    c.args(["cm", "--uri", &server(), "--databases", &db.name])
        .args(args);
    Run(c.output().expect("run pum"))
}

fn git_env(db: &Db, c: &mut std::process::Command) {
    let config = db.write(
        "gitconfig",
        "[user]\n\tname = Test User\n\temail = test@example.org\n",
    );
    c.env("GIT_CONFIG_GLOBAL", config)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
}

/// Drops a database of the shared cluster.
fn drop_database(name: &str) {
    let s = cluster().lock().unwrap();
    s.drop_database(name).unwrap();
}

fn rows(db: &Db, schema: &str) -> Vec<String> {
    db.rows(&format!(
        "SELECT id, is_base, implementer, left(content, 40) FROM {schema}.pg_psql_cm ORDER BY id"
    ))
}

fn tables(db: &Db, schema: &str) -> Vec<String> {
    db.column(&format!(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = '{schema}' ORDER BY 1"
    ))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn psql_cm_walkthrough_setup_dump_drop_restore_is_equal_to_the_snapshot_before() {
    let db = walkthrough_db("cm_walk");
    let out = cm(&db, &["setup"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("{}/public: set up (base row 1", db.name),
            &format!("{}/schema_one: set up", db.name),
            &format!("{}/schema_two: set up", db.name),
            "Set up 3 schemas",
        ],
    );
    // Each schema: its table and the control table, with one base row that
    // holds the schema's DDL without the control table.
    for (schema, table) in [
        ("public", "a_bool"),
        ("schema_one", "an_integer"),
        ("schema_two", "a_varchar"),
    ] {
        assert_eq!(tables(&db, schema), [table, "pg_psql_cm"]);
        let base = db.scalar(&format!(
            "SELECT content FROM {schema}.pg_psql_cm WHERE is_base"
        ));
        assert!(
            base.contains(&format!("CREATE TABLE {schema}.{table}")),
            "{base}"
        );
        assert!(!base.contains("pg_psql_cm"), "{base}");
        assert_eq!(
            rows(&db, schema)[0].split('|').take(3).collect::<Vec<_>>(),
            ["1", "t", "Test User <test@example.org>"]
        );
    }

    cm(&db, &["dump"]).ok();
    let dir = db.path().join("sql").join(&db.name);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["public.sql", "schema_one.sql", "schema_two.sql"]);
    let before: Vec<String> = files.iter().map(|f| read(&dir.join(f))).collect();
    db.run(&["snapshot", "-p", &db.conninfo, "-o", "before.json"])
        .ok();

    drop_database(&db.name);
    let out = cm(&db, &["restore"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("{}: restored (3 schemas, 3 rows replayed", db.name),
            "Restored 1 database from sql.",
        ],
    );
    let check = db.run(&["check", "-p1", "before.json", "-p2", &db.conninfo]);
    check.ok();
    assert_has(&check.stdout(), &["No difference."]);
    // The control tables came back with their rows: dumping again gives
    // the same bytes.
    let again = cm(&db, &["dump"]);
    again.ok();
    assert_has(&again.stdout(), &["0 written, 3 unchanged"]);
    let after: Vec<String> = files.iter().map(|f| read(&dir.join(f))).collect();
    assert_eq!(before, after);
}

#[test]
fn setup_twice_records_one_base_and_sets_up_only_what_is_new() {
    let db = walkthrough_db("cm_twice");
    cm(&db, &["setup"]).ok();
    let out = cm(&db, &["setup"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("{}/public: already set up (base row 1)", db.name),
            "Set up 0 schemas; 3 already set up.",
        ],
    );
    for s in ["public", "schema_one", "schema_two"] {
        assert_eq!(rows(&db, s).len(), 1, "{s}");
    }
    db.exec("CREATE SCHEMA later; CREATE TABLE later.t (i int);");
    let out = cm(&db, &["setup", "--jobs", "3"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("{}/later: set up (base row 1", db.name),
            "Set up 1 schema; 3 already set up.",
        ],
    );
    assert_eq!(rows(&db, "later").len(), 1);
}

#[test]
fn a_submit_that_fails_in_the_second_schema_keeps_the_first_and_leaves_the_second_untouched() {
    let db = walkthrough_db("cm_submit");
    cm(&db, &["setup"]).ok();
    let change = db.write(
        "change.sql",
        "CREATE TABLE added (i int);\nINSERT INTO an_integer VALUES (1);\n",
    );
    let out = cm(
        &db,
        &[
            "submit",
            "--schemas",
            "schema_one,schema_two,public",
            "--change",
            change.to_str().unwrap(),
        ],
    );
    out.expect_code(2);
    let n = &db.name;
    assert_has(
        &out.stdout(),
        &[
            &format!("{n}/schema_one: committed (row 2"),
            &format!("{n}/schema_two: FAILED, rolled back"),
            &format!("{n}/public: not attempted"),
            &format!("The change is in 1 of 3 schemas: {n}/schema_one."),
            &format!("It is not in: {n}/schema_two, {n}/public."),
        ],
    );
    assert_has(
        &out.stderr(),
        &[&format!(
            "{n}/schema_two: {}:2: ERROR 42P01: relation \"an_integer\" does not exist",
            change.display()
        )],
    );
    // schema_one: the change and its row; schema_two and public: neither.
    assert_eq!(
        tables(&db, "schema_one"),
        ["added", "an_integer", "pg_psql_cm"]
    );
    assert_eq!(db.scalar("SELECT count(*) FROM schema_one.an_integer"), "1");
    let r = rows(&db, "schema_one");
    assert_eq!(r.len(), 2);
    assert!(
        r[1].starts_with("2|f|Test User <test@example.org>|CREATE TABLE added"),
        "{r:?}"
    );
    assert_eq!(tables(&db, "schema_two"), ["a_varchar", "pg_psql_cm"]);
    assert_eq!(rows(&db, "schema_two").len(), 1);
    assert_eq!(rows(&db, "public").len(), 1);

    // Once fixed (schema_two gets the table), the same submit again skips
    // schema_one, which has it, and goes on.
    db.exec(
        "CREATE TABLE schema_two.an_integer (an int); CREATE TABLE public.an_integer (an int);",
    );
    let out = cm(
        &db,
        &[
            "submit",
            "--schemas",
            "schema_one,schema_two,public",
            "--change",
            change.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    out.ok();
    let report: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
    let statuses: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["outcome"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["already-there", "committed", "committed"]);
    assert_eq!(rows(&db, "schema_one").len(), 2);
    assert_eq!(rows(&db, "schema_two").len(), 2);
}

#[test]
fn keep_going_submits_to_the_schemas_after_a_failure() {
    let db = walkthrough_db("cm_keep_going");
    cm(&db, &["setup"]).ok();
    let out = cm(
        &db,
        &[
            "submit",
            "--keep-going",
            "--jobs",
            "2",
            "--change",
            "INSERT INTO a_varchar VALUES ('x')",
        ],
    );
    out.expect_code(2);
    let n = &db.name;
    assert_has(
        &out.stdout(),
        &[
            &format!("{n}/public: FAILED"),
            &format!("{n}/schema_one: FAILED"),
            &format!("{n}/schema_two: committed"),
            &format!("The change is in 1 of 3 schemas: {n}/schema_two."),
        ],
    );
    assert_eq!(db.scalar("SELECT a FROM schema_two.a_varchar"), "x");
}

#[test]
fn changes_that_cannot_commit_with_their_row_are_refused_before_anything_runs() {
    let db = walkthrough_db("cm_refused");
    cm(&db, &["setup"]).ok();
    let out = cm(
        &db,
        &["submit", "--change", "CREATE TABLE x (i int);\nCOMMIT;"],
    );
    out.expect_code(2);
    assert_has(
        &out.stderr(),
        &["--change:2: the change has a `COMMIT` of its own"],
    );
    let out = cm(&db, &["submit", "--change", "chnage.sql"]);
    out.expect_code(2);
    assert_has(&out.stderr(), &["--change chnage.sql: no such file"]);
    // Not set up: refused, nothing changed anywhere.
    db.exec("CREATE SCHEMA fresh");
    let out = cm(&db, &["submit", "--change", "CREATE TABLE y (i int)"]);
    out.expect_code(2);
    assert_has(
        &out.stderr(),
        &[
            "not set up for change management (no table pg_psql_cm)",
            &format!("{}/fresh", db.name),
            "nothing was changed",
        ],
    );
    assert_eq!(rows(&db, "public").len(), 1);
}

#[test]
fn a_database_that_does_not_exist_is_an_error_unless_created_explicitly() {
    let db = walkthrough_db("cm_unknown");
    let missing = format!("{}_nope", db.name);
    for action in [
        &["setup"][..],
        &["dump"][..],
        &["submit", "--change", "SELECT 1"][..],
    ] {
        let mut c = db.pum();
        git_env(&db, &mut c);
        c.args(["cm", "--uri", &server(), "--databases"])
            .arg(format!("{},{missing}", db.name))
            .args(action);
        let out = Run(c.output().unwrap());
        out.expect_code(2);
        assert_has(&out.stderr(), &["does not exist", &missing]);
        assert!(
            db.column("SELECT tablename::text FROM pg_tables WHERE tablename = 'pg_psql_cm'")
                .is_empty(),
            "{action:?} changed something"
        );
    }
    let out = cm(&db, &["setup", "--schemas", "public,nope"]);
    out.expect_code(2);
    assert_has(
        &out.stderr(),
        &[&format!("{}/nope", db.name), "--create to create them"],
    );

    // --create: the database and the named schemas are created.
    let mut c = db.pum();
    git_env(&db, &mut c);
    c.args(["cm", "--uri", &server(), "--database", &missing])
        .args(["--schema", "public,app", "setup", "--create"]);
    let out = Run(c.output().unwrap());
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("Created database {missing}."),
            &format!("Created schema {missing}/app."),
            &format!("{missing}/app: set up"),
        ],
    );
    drop_database(&missing);
}

/// A TCP port on 127.0.0.1 that passes every connection on to the
/// cluster's Unix socket: the server then sees a client over TCP ask for
/// SSL, which it does not offer.
fn tcp_proxy() -> u16 {
    let socket = {
        let s = cluster().lock().unwrap();
        s.socket_dir().join(format!(".s.PGSQL.{}", s.port()))
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().map_while(Result::ok) {
            let Ok(unix) = UnixStream::connect(&socket) else {
                continue;
            };
            let (mut tcp_r, mut unix_w) = (tcp.try_clone().unwrap(), unix.try_clone().unwrap());
            let (mut unix_r, mut tcp_w) = (unix, tcp);
            std::thread::spawn(move || {
                let _ = pipe(&mut tcp_r, &mut unix_w);
                let _ = unix_w.shutdown(Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = pipe(&mut unix_r, &mut tcp_w);
                let _ = tcp_w.shutdown(Shutdown::Write);
            });
        }
    });
    port
}

fn pipe(from: &mut impl Read, to: &mut impl Write) -> std::io::Result<()> {
    let mut buf = [0u8; 16384];
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buf[..n])?;
    }
}

#[test]
fn the_uri_parameters_reach_every_connection_and_pg_dump_and_no_password_shows() {
    let db = walkthrough_db("cm_sslmode");
    let port = tcp_proxy();
    // pg_dump through a wrapper that logs its arguments and environment.
    let real = Tools::pg_dump();
    let log = db.path().join("pg_dump.log");
    let wrapper = db.write(
        "pg_dump_wrapper.sh",
        &format!(
            "#!/bin/sh\necho \"ARGS $* PGSSLMODE=$PGSSLMODE PGPASSFILE=${{PGPASSFILE:+set}}\" >> {}\nexec {} \"$@\"\n",
            log.display(),
            real.display()
        ),
    );
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let uri = |mode: &str| {
        format!("postgresql://postgres:s3cret@127.0.0.1:{port}/postgres?sslmode={mode}&application_name=cmtest")
    };
    let run = |mode: &str, args: &[&str]| {
        let mut c = db.pum();
        git_env(&db, &mut c);
        // The environment asks for the opposite: the URI must win.
        c.env(
            "PGSSLMODE",
            if mode == "disable" {
                "require"
            } else {
                "disable"
            },
        )
        .env("PG_DUMP_EXE", &wrapper)
        .args(["cm", "--uri", &uri(mode), "--databases", &db.name])
        .args(args);
        Run(c.output().unwrap())
    };
    // require against a server without SSL: every action fails at once
    // with libpq's error, and nothing is changed.
    db.write(&format!("sql/{}/public.sql", db.name), "SELECT 1;\n");
    for action in [
        &["setup"][..],
        &["submit", "--change", "CREATE TABLE t (i int)"][..],
        &["dump"][..],
        &["restore"][..],
    ] {
        let out = run("require", action);
        out.expect_code(2);
        assert_has(
            &out.stderr(),
            &["server does not support SSL, but SSL was required"],
        );
        assert!(!out.all().contains("s3cret"), "{}", out.all());
    }
    // (Only `pg_dump --version`, to check the tool before connecting.)
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.contains("--schema-only"), "pg_dump ran: {logged}");
    assert!(tables(&db, "public") == ["a_bool"]);

    // disable: everything works over TCP, pg_dump included, although
    // PGSSLMODE=require is in the environment.
    let out = run("disable", &["setup"]);
    out.ok();
    assert!(!out.all().contains("s3cret"), "{}", out.all());
    let logged = read(&log);
    assert_eq!(
        logged
            .lines()
            .filter(|l| l.contains("--schema-only"))
            .count(),
        3,
        "{logged}"
    );
    for line in logged.lines().filter(|l| l.contains("--schema-only")) {
        assert!(line.contains("sslmode='disable'"), "{line}");
        assert!(
            line.contains("host='127.0.0.1'") && line.contains("application_name='cmtest'"),
            "{line}"
        );
        assert!(line.contains("PGPASSFILE=set"), "{line}");
        assert!(!line.contains("s3cret"), "{line}");
    }
    run("disable", &["submit", "--change", "CREATE TABLE t (i int)"]).ok();
    run("disable", &["dump"]).ok();
    drop_database(&db.name);
    run("disable", &["restore"]).ok();
    assert_eq!(tables(&db, "schema_two"), ["a_varchar", "pg_psql_cm", "t"]);
}

/// Where the real client tools are.
struct Tools;

impl Tools {
    fn pg_dump() -> PathBuf {
        if let Some(p) = std::env::var_os("PG_DUMP_EXE") {
            return PathBuf::from(p);
        }
        std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join("pg_dump"))
            .find(|p| p.is_file())
            .expect("pg_dump on PATH")
    }
}

/// A database on `sandbox` as a connection string.
fn on(sandbox: &Sandbox, db: &str) -> String {
    sandbox.conninfo(db)
}

#[test]
fn restore_into_a_fresh_cluster_creates_the_roles_asked_for_and_equals_the_source() {
    let a = walkthrough_db("cm_fresh_a");
    let b = Db::new("cm_fresh_b");
    let reader = format!("cm_reader_{}", std::process::id());
    let owner = format!("cm_Owner_{}", std::process::id());
    a.exec(&format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{reader}') THEN CREATE ROLE {reader}; END IF;
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN CREATE ROLE \"{owner}\"; END IF;
         END $$;
         GRANT USAGE ON SCHEMA schema_one TO {reader};
         GRANT SELECT ON schema_one.an_integer TO {reader};
         CREATE FUNCTION schema_two.f(x int) RETURNS int LANGUAGE sql AS $f$ SELECT x + 1 $f$;
         ALTER DEFAULT PRIVILEGES FOR ROLE \"{owner}\" IN SCHEMA schema_two GRANT SELECT ON TABLES TO {reader};"
    ));
    b.exec(
        "CREATE SCHEMA app; CREATE TABLE app.pipe (id serial PRIMARY KEY, d int CHECK (d > 0));",
    );
    let both = format!("{},{}", a.name, b.name);
    let mut c = a.pum();
    git_env(&a, &mut c);
    let sql = a.path().join("tree");
    c.args(["cm", "--uri", &server(), "--databases", &both, "--sql-path"])
        .arg(&sql)
        .args(["setup", "--jobs", "4"]);
    Run(c.output().unwrap()).ok();
    let mut c = a.pum();
    git_env(&a, &mut c);
    c.args(["cm", "--uri", &server(), "--databases", &both, "--sql-path"])
        .arg(&sql)
        .args([
            "submit",
            "--schemas",
            "app",
            "--change",
            "ALTER TABLE pipe ADD label text;",
        ]);
    // a has no schema app.
    Run(c.output().unwrap()).expect_code(2);
    let mut c = a.pum();
    git_env(&a, &mut c);
    c.args([
        "cm",
        "--uri",
        &server(),
        "--databases",
        &b.name,
        "--sql-path",
    ])
    .arg(&sql)
    .args([
        "submit",
        "--schemas",
        "app",
        "--change",
        "ALTER TABLE pipe ADD label text;",
    ]);
    Run(c.output().unwrap()).ok();
    let mut c = a.pum();
    c.args(["cm", "--uri", &server(), "--databases", &both, "--sql-path"])
        .arg(&sql)
        .args(["dump", "--jobs", "4"]);
    Run(c.output().unwrap()).ok();

    let fresh = Sandbox::start(&SandboxOptions::default()).unwrap();
    let fresh_server = format!(
        "host={} port={} user=postgres",
        fresh.socket_dir().display(),
        fresh.port()
    );
    let restore = |extra: &[&str]| {
        let mut c = a.pum();
        c.args(["cm", "--uri", &fresh_server, "--sql-path"])
            .arg(&sql)
            .args(["restore", "--jobs", "2"])
            .args(extra);
        Run(c.output().unwrap())
    };
    // The roles are missing there: listed, and nothing is kept.
    let out = restore(&[]);
    out.expect_code(2);
    assert_has(
        &out.stderr(),
        &[
            "refer to roles that do not exist",
            &format!("{reader} (first used in {}", sql.join(&a.name).display()),
            &owner,
            "--create-roles",
        ],
    );
    assert_has(
        &out.stdout(),
        &[
            &format!("{reader} (MISSING)"),
            "undone: dropped the databases",
        ],
    );
    let mut maint =
        Conn::connect(&ConnTarget::parse(&on(&fresh, "postgres")).unwrap(), "t").unwrap();
    let dbs = maint
        .query(
            "SELECT count(*)::text FROM pg_database WHERE datname LIKE 'cm_fresh%'",
            &[],
        )
        .unwrap();
    assert_eq!(dbs.scalar(), Some("0"));

    let out = restore(&["--create-roles"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("Created role {reader}."),
            &format!("Created role {owner}."),
            &format!("{}: restored (3 schemas", a.name),
            &format!("{}: restored (2 schemas, 3 rows replayed", b.name),
            "Restored 2 databases",
        ],
    );
    let login = maint
        .query(
            "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = $1",
            &[Some(&reader)],
        )
        .unwrap();
    assert_eq!(login.scalar(), Some("false"));
    for db in [&a, &b] {
        let check = a.run(&[
            "check",
            "-p1",
            &db.conninfo,
            "-p2",
            &on(&fresh, &db.name),
            "--privileges",
        ]);
        check.ok();
        assert_has(&check.stdout(), &["No difference."]);
    }
    drop(maint);
    fresh.stop().unwrap();
}

#[test]
fn a_failing_restore_names_the_file_and_line_and_keeps_nothing() {
    let a = walkthrough_db("cm_fail_a");
    let b = walkthrough_db("cm_fail_b");
    for db in [&a, &b] {
        let mut c = db.pum();
        git_env(db, &mut c);
        c.args([
            "cm",
            "--uri",
            &server(),
            "--databases",
            &db.name,
            "--sql-path",
        ])
        .arg(a.path().join("sql"))
        .args(["setup"]);
        Run(c.output().unwrap()).ok();
    }
    cm(
        &b,
        &[
            "submit",
            "--schemas",
            "schema_one",
            "--change",
            "CREATE TABLE later (i int);\nCREATE INDEX ON later (i);",
        ],
    )
    .ok();
    let both = format!("{},{}", a.name, b.name);
    let mut c = a.pum();
    c.args(["cm", "--uri", &server(), "--databases", &both, "dump"]);
    Run(c.output().unwrap()).ok();
    // Break b's change in its dump file: the index on a column that is not there.
    let file = a.path().join("sql").join(&b.name).join("schema_one.sql");
    let text = read(&file).replace("CREATE INDEX ON later (i);", "CREATE INDEX ON later (j);");
    std::fs::write(&file, &text).unwrap();
    let line = text[..text.find("CREATE INDEX ON later (j)").unwrap()]
        .matches('\n')
        .count()
        + 1;
    drop_database(&a.name);
    drop_database(&b.name);

    let mut c = a.pum();
    c.args(["cm", "--uri", &server(), "--databases", &both, "restore"]);
    let out = Run(c.output().unwrap());
    out.expect_code(2);
    assert_has(
        &out.stderr(),
        &[
            &format!(
                "{}: {}:{line}: ERROR 42703: column \"j\" does not exist",
                b.name,
                file.strip_prefix(a.path()).unwrap().display()
            ),
            "(row 2, a change of the schema schema_one)",
        ],
    );
    assert_has(
        &out.stdout(),
        &[
            &format!("{}: FAILED", b.name),
            "The restore stopped; undone: dropped the databases it had created",
        ],
    );
    let mut maint = Conn::connect(
        &ConnTarget::parse(&format!("{} dbname=postgres", server())).unwrap(),
        "t",
    )
    .unwrap();
    let left = maint
        .query(
            "SELECT count(*)::text FROM pg_database WHERE datname IN ($1, $2)",
            &[Some(&a.name), Some(&b.name)],
        )
        .unwrap();
    assert_eq!(left.scalar(), Some("0"));
    // An existing database is refused before anything happens.
    let mut c = a.pum();
    c.args(["cm", "--uri", &server(), "--databases", &a.name, "restore"]);
    let s = cluster().lock().unwrap();
    s.create_database(&a.name, None).unwrap();
    drop(s);
    let out = Run(c.output().unwrap());
    out.expect_code(2);
    assert_has(
        &out.stderr(),
        &["already exists", "creates the databases it restores"],
    );
}

#[test]
fn dump_commits_to_git_only_when_asked_and_only_what_changed() {
    let db = walkthrough_db("cm_git");
    cm(&db, &["setup"]).ok();
    cm(&db, &["dump"]).ok();
    assert!(!db.path().join("sql/.git").exists());
    // A second database where nothing is set up: its directory stays empty.
    let empty = Db::new("cm_git_empty");
    let out = cm(&db, &["--databases", &empty.name, "dump", "--commit"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            "Committed ",
            &format!("pum cm dump: {}, {}", db.name, empty.name),
            &format!("Not set up, left out: {}/public", empty.name),
        ],
    );
    let git = |args: &[&str]| {
        let mut c = std::process::Command::new("git");
        git_env(&db, &mut c);
        let out = c
            .arg("-C")
            .arg(db.path().join("sql"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(git(&["rev-list", "--count", "HEAD"]).trim(), "1");
    let out = cm(&db, &["dump", "--commit"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &["Nothing to commit.", "0 written, 3 unchanged"],
    );
    cm(
        &db,
        &[
            "submit",
            "--schemas",
            "public",
            "--change",
            "CREATE TABLE t (i int);",
        ],
    )
    .ok();
    db.exec("DROP TABLE schema_two.pg_psql_cm");
    let out = cm(&db, &["dump", "--commit"]);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("{}/public: wrote", db.name),
            &format!("Not set up, left out: {}/schema_two", db.name),
            "Removed sql/",
        ],
    );
    assert_eq!(git(&["rev-list", "--count", "HEAD"]).trim(), "2");
    let diff = git(&["show", "--stat", "--format=%s", "HEAD"]);
    assert_has(&diff, &["public.sql", "schema_two.sql"]);
    let shown = git(&["show", "HEAD", "--", &format!("{}/public.sql", db.name)]);
    assert_has(
        &shown,
        &["+-- row 2 (change)", "CREATE TABLE t (i int);$cm$);"],
    );
}

#[test]
fn the_implementer_falls_back_to_login_at_host_without_git_settings() {
    let db = walkthrough_db("cm_implementer");
    let mut c = db.pum();
    c.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "cm",
            "--uri",
            &server(),
            "--databases",
            &db.name,
            "--schemas",
            "public",
            "setup",
        ]);
    Run(c.output().unwrap()).ok();
    let who = db.scalar("SELECT implementer FROM public.pg_psql_cm");
    assert!(who.contains('@') && !who.contains('<'), "{who}");
    let mut c = db.pum();
    c.args([
        "cm",
        "--uri",
        &server(),
        "--databases",
        &db.name,
        "--schemas",
        "public",
    ])
    .args([
        "submit",
        "--implementer",
        "Ann <ann@example.org>",
        "--change",
        "SELECT 1",
    ]);
    Run(c.output().unwrap()).ok();
    assert_eq!(
        db.column("SELECT implementer FROM public.pg_psql_cm WHERE NOT is_base"),
        ["Ann <ann@example.org>"]
    );
}

#[test]
fn restore_reads_psql_cm_dump_files_written_by_pg_dump() {
    let db = walkthrough_db("cm_psqlcm");
    cm(&db, &["setup"]).ok();
    cm(
        &db,
        &[
            "submit",
            "--schemas",
            "schema_two",
            "--change",
            "ALTER TABLE a_varchar ADD b int;",
        ],
    )
    .ok();
    db.run(&["snapshot", "-p", &db.conninfo, "-o", "before.json"])
        .ok();
    // psql-cm's dump: pg_dump of the control table alone, COPY and all.
    let dir = db.path().join("sql").join(&db.name);
    std::fs::create_dir_all(&dir).unwrap();
    for s in ["public", "schema_one", "schema_two"] {
        let out = std::process::Command::new(Tools::pg_dump())
            .args([
                "--no-owner",
                &format!("--schema={s}"),
                &format!("--table={s}.pg_psql_cm"),
            ])
            .arg(format!("--file={}", dir.join(format!("{s}.sql")).display()))
            .arg(&db.conninfo)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_has(
        &read(&dir.join("schema_two.sql")),
        &["COPY schema_two.pg_psql_cm"],
    );
    drop_database(&db.name);
    cm(&db, &["restore"]).ok();
    db.run(&["check", "-p1", "before.json", "-p2", &db.conninfo])
        .ok();
    assert_eq!(
        db.column("SELECT b::text FROM schema_two.a_varchar"),
        Vec::<String>::new()
    );
    assert_eq!(rows(&db, "schema_two").len(), 2);
}

#[test]
fn the_example_walkthrough_runs_end_to_end() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/cm/walkthrough.sh");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pum"))
        .args(["sandbox", "--db", "psqlcm_test", "--", "bash"])
        .arg(&script)
        .env_remove("PGSERVICE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let out = Run(out);
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            "psqlcm_test/schema_one: already set up (base row 1)",
            "psqlcm_test/schema_one: committed (row 2",
            "sql/psqlcm_test/schema_two.sql",
            "psqlcm_test: restored (3 schemas, 4 rows replayed",
            "No difference.",
            "Nothing to commit.",
            "walkthrough: OK",
        ],
    );
}

#[test]
fn ctrl_c_during_a_submit_cancels_the_running_schema_and_starts_no_other() {
    let db = walkthrough_db("cm_interrupt");
    cm(&db, &["setup"]).ok();
    let mut c = db.pum();
    git_env(&db, &mut c);
    c.args(["cm", "--uri", &server(), "--databases", &db.name])
        .args(["submit", "--schemas", "schema_one,schema_two"])
        .args([
            "--change",
            "CREATE TABLE slow (i int);\nSELECT pg_sleep(60);",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    // Wait until the change is running in schema_one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while db
        .column("SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'")
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "the change never ran");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let started = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = Run(child.wait_with_output().unwrap());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    out.expect_code(130);
    let n = &db.name;
    assert_has(
        &out.stdout(),
        &[
            &format!("{n}/schema_one: FAILED, rolled back"),
            &format!("{n}/schema_two: not attempted"),
            "The change is in none of the 2 schemas.",
        ],
    );
    assert_has(&out.stderr(), &["57014"]);
    assert_eq!(tables(&db, "schema_one"), ["an_integer", "pg_psql_cm"]);
    assert_eq!(rows(&db, "schema_one").len(), 1);
    assert_eq!(rows(&db, "schema_two").len(), 1);
}
