//! `pum create` on a real PostgreSQL: creation trees run in natural order
//! (order.json keys as numbers), refused before anything runs when a file
//! would be lost, in one transaction, with a baseline to continue from.

mod common;

use common::{assert_has, Db, Run};

/// The first subdirectory of every tree here: a log each file appends its
/// name to, with the id of the transaction it ran in.
const LOG: &str = "CREATE TABLE public.log (n serial PRIMARY KEY, file text NOT NULL, \
                   tx bigint NOT NULL DEFAULT txid_current());\n";

/// A creation file that appends `name` to the log.
fn logs(name: &str) -> String {
    format!("INSERT INTO public.log (file) VALUES ('{name}');\n")
}

/// Writes `create/0-log/log.sql` and, for each `(path, name)`, a file
/// `create/<path>` that logs `name`.
fn tree(db: &Db, files: &[(&str, &str)]) {
    db.write("create/0-log/log.sql", LOG);
    for (path, name) in files {
        db.write(&format!("create/{path}"), &logs(name));
    }
}

/// The files in the order they ran.
fn log(db: &Db) -> Vec<String> {
    db.column("SELECT file FROM public.log ORDER BY n")
}

/// Every schema and relation a creation could have made: user schemas,
/// then `schema.relation` of every table, index, sequence, view and
/// function outside the system schemas.
fn user_objects(db: &Db) -> Vec<String> {
    db.column(
        "SELECT 'schema ' || nspname FROM pg_namespace \
         WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('public', 'information_schema') \
         UNION ALL \
         SELECT 'relation ' || n.nspname || '.' || c.relname FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' \
         UNION ALL \
         SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' \
         ORDER BY 1",
    )
}

/// Asserts the database holds nothing a creation could have made.
#[track_caller]
fn assert_untouched(db: &Db, run: &Run) {
    assert_eq!(
        user_objects(db),
        Vec::<String>::new(),
        "the database was changed\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout(),
        run.stderr()
    );
}

/// `pum create -p DB -d create EXTRA...`
fn create(db: &Db, extra: &[&str]) -> Run {
    let mut args = vec!["create", "-p", db.name.as_str(), "-d", "create"];
    args.extend_from_slice(extra);
    db.run(&args)
}

// 1. Order.

#[test]
fn without_order_json_directories_and_files_run_in_natural_order() {
    let db = Db::new("cr_natural");
    // Sorted as text, 10-seed would run before 2-indexes, and 10_c before 2_b.
    tree(
        &db,
        &[
            ("1-tables/10_c.sql", "1-tables/10_c"),
            ("1-tables/2_b.sql", "1-tables/2_b"),
            ("1-tables/1_a.sql", "1-tables/1_a"),
            ("10-seed/data.sql", "10-seed/data"),
            ("2-indexes/idx.sql", "2-indexes/idx"),
        ],
    );
    create(&db, &[]).ok();
    assert_eq!(
        log(&db),
        [
            "1-tables/1_a",
            "1-tables/2_b",
            "1-tables/10_c",
            "2-indexes/idx",
            "10-seed/data"
        ]
    );
    // One transaction for the whole tree.
    assert_eq!(db.scalar("SELECT count(DISTINCT tx) FROM public.log"), "1");
}

#[test]
fn order_json_keys_run_as_numbers_whatever_their_order_in_the_file() {
    let db = Db::new("cr_order_json");
    tree(
        &db,
        &[
            ("1-seed/a.sql", "a"),
            ("1-seed/b.sql", "b"),
            ("1-seed/c.sql", "c"),
        ],
    );
    // File order would run a, b, c; keys sorted as text "10", "2", "9"
    // would run a, c, b; as numbers: c (2), b (9), a (10).
    db.write(
        "create/1-seed/order.json",
        r#"{"10": "a.sql", "9": "b.sql", "2": "c.sql"}"#,
    );
    create(&db, &[]).ok();
    assert_eq!(log(&db), ["c", "b", "a"]);
}

// 2. Refused before anything runs.

#[test]
fn order_json_naming_a_missing_file_is_refused_before_anything_runs() {
    let db = Db::new("cr_listed_missing");
    tree(&db, &[("1-seed/a.sql", "a")]);
    db.write(
        "create/1-seed/order.json",
        r#"{"1": "a.sql", "2": "gone.sql"}"#,
    );
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["gone.sql", "create/1-seed/order.json"]);
    assert!(!run.all().contains("Applying"), "{}", run.all());
    assert_untouched(&db, &run);
}

#[test]
fn sql_file_not_listed_in_order_json_is_refused_before_anything_runs() {
    let db = Db::new("cr_unlisted");
    tree(&db, &[("1-seed/a.sql", "a"), ("1-seed/forgotten.sql", "f")]);
    db.write("create/1-seed/order.json", r#"{"1": "a.sql"}"#);
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["create/1-seed/forgotten.sql"]);
    assert!(!run.all().contains("Applying"), "{}", run.all());
    assert_untouched(&db, &run);
}

#[test]
fn sql_file_directly_in_the_creation_directory_is_refused() {
    let db = Db::new("cr_sql_in_root");
    tree(&db, &[("1-tables/a.sql", "a")]);
    db.write("create/stray.sql", "CREATE TABLE stray ();\n");
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["create/stray.sql", "never runs"]);
    assert_untouched(&db, &run);
}

#[test]
fn files_that_never_run_are_reported_and_refused_with_strict() {
    let db = Db::new("cr_not_sql");
    tree(&db, &[("1-tables/a.sql", "a")]);
    db.write("create/1-tables/notes.txt", "not SQL\n");
    db.write("create/1-tables/b.SQL", "CREATE TABLE b ();\n");
    db.write("create/README.md", "# the model\n");

    let strict = create(&db, &["--strict"]);
    strict.expect_code(2);
    assert_has(
        &strict.stderr(),
        &[
            "create/1-tables/notes.txt",
            "create/1-tables/b.SQL",
            "--strict",
        ],
    );
    assert_untouched(&db, &strict);

    let run = create(&db, &[]);
    run.ok();
    assert_has(
        &run.all(),
        &[
            "create/1-tables/notes.txt: not a .sql file, never runs",
            "create/1-tables/b.SQL: not a .sql file, never runs (the extension must be .sql",
            "create/README.md",
        ],
    );
    assert_eq!(log(&db), ["a"]);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'b'"),
        "0"
    );
}

// 3. Failures.

#[test]
fn failing_file_leaves_the_database_as_it_was_and_names_file_and_line() {
    let db = Db::new("cr_failing");
    db.write(
        "create/1-tables/a.sql",
        "CREATE SCHEMA app;\nCREATE TABLE app.a (id int);\n",
    );
    db.write(
        "create/2-more/b.sql",
        "-- b\nCREATE TABLE app.b (id int);\nINSERT INTO app.b\n  VALUES (1 / 0);\n",
    );
    db.write("create/3-last/c.sql", "CREATE TABLE app.c (id int);\n");
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_untouched(&db, &run);
    let err = run.stderr();
    assert_has(
        &err,
        &[
            "error: create/2-more/b.sql:3: ERROR 22012: division by zero",
            "\n  3 | INSERT INTO app.b\n",
            "Everything was rolled back",
        ],
    );
    assert!(!run.all().contains("3-last/c.sql"), "{}", run.all());
}

#[test]
fn syntax_error_shows_its_own_line() {
    let db = Db::new("cr_syntax");
    db.write("create/1-tables/a.sql", "CREATE TABLE a (id int);\n");
    db.write(
        "create/1-tables/b.sql",
        "/* two\n   lines */\nCREATE TABLE b (id int);\nSELEC 1;\n",
    );
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "error: create/1-tables/b.sql:4: ERROR 42601: syntax error at or near \"SELEC\"",
            "\n  4 | SELEC 1;\n",
        ],
    );
    assert_untouched(&db, &run);
}

// 4. Baseline.

/// A tree that builds schema `app` at version 1.2.0.
fn model_at_1_2_0(db: &Db) {
    db.write(
        "create/1-schema/app.sql",
        "CREATE SCHEMA app;\nCREATE TABLE app.pipe (id serial PRIMARY KEY);\n",
    );
    db.write(
        "create/2-data/pipes.sql",
        "INSERT INTO app.pipe DEFAULT VALUES;\n",
    );
    // Older than the baseline: part of it, never runs.
    db.write(
        "deltas/delta_1.1.0_old.sql",
        "ALTER TABLE app.pipe ADD COLUMN never int;\n",
    );
    db.write(
        "deltas/delta_1.3.0_diameter.sql",
        "ALTER TABLE app.pipe ADD COLUMN diameter int;\n",
    );
}

#[test]
fn baseline_lets_info_and_upgrade_continue_from_it() {
    let db = Db::new("cr_baseline");
    model_at_1_2_0(&db);
    let p = db.name.as_str();
    let run = create(&db, &["--baseline", "1.2.0", "-t", "app.info"]);
    run.ok();
    assert_has(&run.stdout(), &["Recorded baseline 1.2.0 in app.info"]);
    // The same row `pum baseline` writes.
    assert_eq!(
        db.rows("SELECT version, description, type, script, checksum, execution_time, success FROM app.info"),
        ["1.2.0|baseline|0|||1|t"]
    );

    let info = db.run(&["info", "-p", p, "-t", "app.info", "-d", "deltas"]);
    info.ok();
    assert_has(&info.stdout(), &["Current version: 1.2.0"]);
    assert_has(
        &info.stdout(),
        &[
            "| 1.1.0   | old      | delta sql | baseline |",
            "| 1.3.0   | diameter | delta sql | pending  |",
        ],
    );

    db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "deltas"])
        .ok();
    assert_eq!(
        db.column(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'app.pipe'::regclass \
             AND attnum > 0 ORDER BY attnum"
        ),
        ["id", "diameter"]
    );
    assert_eq!(
        db.column("SELECT version FROM app.info ORDER BY id"),
        ["1.2.0", "1.3.0"]
    );
}

#[test]
fn baseline_already_present_is_refused_before_anything_runs() {
    let db = Db::new("cr_baseline_exists");
    db.exec("CREATE SCHEMA app");
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    db.write("create/1-tables/a.sql", "CREATE TABLE app.a (id int);\n");
    let run = create(&db, &["--baseline", "1.2.0", "-t", "app.info"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["app.info", "1.0.0"]);
    assert!(!run.all().contains("Applying"), "{}", run.all());
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'a'"),
        "0"
    );
    assert_eq!(db.column("SELECT version FROM app.info"), ["1.0.0"]);
}

#[test]
fn baseline_table_in_a_schema_nobody_creates_rolls_everything_back() {
    let db = Db::new("cr_baseline_noschema");
    db.write("create/1-tables/a.sql", "CREATE TABLE a (id int);\n");
    let run = create(&db, &["--baseline", "1.2.0", "-t", "nowhere.info"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "nowhere",
            "does not exist",
            "Everything was rolled back (1 file that had run)",
            "No baseline was recorded.",
        ],
    );
    assert_untouched(&db, &run);
}

// 5. Dry run, output formats, connections.

#[test]
fn dry_run_lists_the_order_and_changes_nothing() {
    let db = Db::new("cr_dry_run");
    tree(
        &db,
        &[
            ("10-seed/s.sql", "s"),
            ("2-tables/b.sql", "b"),
            ("2-tables/a.sql", "a"),
        ],
    );
    db.write(
        "create/2-tables/order.json",
        r#"{"2": "a.sql", "1": "b.sql"}"#,
    );
    let run = create(
        &db,
        &["--dry-run", "--baseline", "1.0.0", "-t", "public.info"],
    );
    run.ok();
    let out = run.stdout();
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in:\n{out}"))
    };
    assert!(at("log.sql") < at("b.sql"), "{out}");
    assert!(at("b.sql") < at("a.sql"), "{out}");
    assert!(at("a.sql") < at("s.sql"), "{out}");
    assert_has(&out, &["Would run 4 files", "1.0.0", "nothing changed"]);
    assert_untouched(&db, &run);
}

#[test]
fn json_on_success_lists_what_ran() {
    let db = Db::new("cr_json_ok");
    tree(&db, &[("1-tables/a.sql", "a"), ("2-seed/b.sql", "b")]);
    let run = create(&db, &["--format", "json"]);
    run.ok();
    let v: serde_json::Value =
        serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}:\n{}", run.stdout()));
    let applied: Vec<&str> = v["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"]["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(applied, ["log.sql", "a.sql", "b.sql"]);
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["tree"]["files"].as_array().unwrap().len(), 3);
    assert_eq!(log(&db), ["a", "b"]);
}

#[test]
fn json_on_failure_names_the_file_and_line() {
    let db = Db::new("cr_json_fail");
    tree(&db, &[("1-tables/a.sql", "a")]);
    db.write("create/2-seed/bad.sql", "\n\nSELECT 1 / 0;\n");
    let run = create(&db, &["--format", "json"]);
    run.expect_code(2);
    let v: serde_json::Value =
        serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}:\n{}", run.stdout()));
    assert_eq!(v["failed"], true);
    assert_eq!(v["rolled_back"], true);
    assert_eq!(v["applied"].as_array().unwrap().len(), 0);
    assert_eq!(v["stopped_in"]["path"], "create/2-seed/bad.sql");
    assert_eq!(v["error"]["file"], "create/2-seed/bad.sql");
    assert_eq!(v["error"]["line"], 3);
    assert_eq!(v["error"]["sqlstate"], "22012");
    assert_untouched(&db, &run);
}

#[test]
fn refusal_in_json_lists_every_problem() {
    let db = Db::new("cr_json_refused");
    tree(&db, &[("1-seed/a.sql", "a"), ("1-seed/b.sql", "b")]);
    db.write(
        "create/1-seed/order.json",
        r#"{"1": "a.sql", "2": "gone.sql"}"#,
    );
    let run = create(&db, &["--format", "json"]);
    run.expect_code(2);
    let v: serde_json::Value =
        serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}:\n{}", run.stdout()));
    assert_eq!(v["failed"], true);
    let problems: Vec<&str> = v["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("gone.sql")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("b.sql")), "{problems:?}");
    assert_untouched(&db, &run);
}

#[test]
fn postgres_dsn_takes_a_uri() {
    let db = Db::new("cr_dsn");
    tree(&db, &[("1-tables/a.sql", "a")]);
    let uri = {
        let s = common::cluster().lock().unwrap();
        format!(
            "postgresql://postgres@/{}?host={}&port={}",
            db.name,
            s.socket_dir().display(),
            s.port()
        )
    };
    db.run(&["create", "--postgres-dsn", &uri, "-d", "create"])
        .ok();
    assert_eq!(log(&db), ["a"]);
}

#[test]
fn missing_connection_is_named() {
    let db = Db::new("cr_no_conn");
    tree(&db, &[("1-tables/a.sql", "a")]);
    let run = db.run(&["create", "-d", "create"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["--postgres-dsn"]);
}

// 6. Transactions and sessions.

#[test]
fn no_transaction_file_runs_create_index_concurrently() {
    let db = Db::new("cr_notx");
    db.write(
        "create/1-tables/a.sql",
        "CREATE TABLE a (id int);\nINSERT INTO a SELECT generate_series(1, 100);\n",
    );
    db.write(
        "create/2-indexes/a_id.sql",
        "-- pum:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n",
    );
    db.write("create/3-more/b.sql", "CREATE TABLE b (id int);\n");
    create(&db, &[]).ok();
    assert_eq!(
        db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'a_id'::regclass"),
        "t"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b')"),
        "2"
    );
}

#[test]
fn failure_after_a_no_transaction_file_reports_what_was_committed() {
    let db = Db::new("cr_notx_fail");
    db.write("create/1-tables/a.sql", "CREATE TABLE a (id int);\n");
    db.write(
        "create/2-indexes/a_id.sql",
        "-- pum:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n",
    );
    db.write("create/3-seed/b.sql", "CREATE TABLE b (id int);\n");
    db.write("create/3-seed/c.sql", "INSERT INTO a VALUES ('x');\n");
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_eq!(
        user_objects(&db),
        ["relation public.a", "relation public.a_id"],
        "{}",
        run.stderr()
    );
    assert_has(
        &run.stderr(),
        &[
            "error: create/3-seed/c.sql:1:",
            "Kept, committed by a -- pum:no-transaction file (2): \
             create/1-tables/a.sql, create/2-indexes/a_id.sql.\n\
             1 file after them was rolled back.\n",
        ],
    );
}

#[test]
fn failing_no_transaction_file_says_its_earlier_statements_stay() {
    let db = Db::new("cr_notx_partial");
    db.write(
        "create/1-tables/a.sql",
        "-- pum:no-transaction\nCREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (nope);\n",
    );
    let run = create(&db, &["--format", "json"]);
    run.expect_code(2);
    assert_eq!(user_objects(&db), ["relation public.a"]);
    assert_has(
        &run.stderr(),
        &[
            "error: create/1-tables/a.sql:3:",
            "the statements before the failing one stay",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v["rolled_back"], false, "{v:#}");
    assert_eq!(v["stopped_in"]["left"], "may-be-partial");
}

#[test]
fn interrupted_create_leaves_the_database_as_it_was() {
    let db = Db::new("cr_interrupted");
    db.write("create/1-tables/a.sql", "CREATE TABLE a (id int);\n");
    db.write(
        "create/2-seed/slow.sql",
        "CREATE TABLE b (id int);\nSELECT pg_sleep(30);\n",
    );
    let child = db
        .pum()
        .args(["create", "-p", &db.name, "-d", "create"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sleeping = || {
        db.column(&format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND state = 'active' \
             AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
            db.name
        ))
        .len()
    };
    let started = std::time::Instant::now();
    while sleeping() == 0 {
        assert!(started.elapsed().as_secs() < 20, "the slow file never ran");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let run = Run(child.wait_with_output().unwrap());
    run.expect_code(143);
    assert_has(
        &run.stderr(),
        &[
            "interrupted by SIGTERM",
            "Everything was rolled back (1 file that had run)",
        ],
    );
    assert_eq!(sleeping(), 0);
    assert_untouched(&db, &run);
}

#[test]
fn file_that_commits_itself_is_refused_before_anything_runs() {
    let db = Db::new("cr_commit_in_file");
    db.write(
        "create/1-tables/a.sql",
        "BEGIN;\nCREATE TABLE a (id int);\n  commit ;\n",
    );
    db.write("create/2-seed/b.sql", "INSERT INTO a VALUES (1);\n");
    let run = create(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "create/1-tables/a.sql:3: `commit` ends the transaction",
            "-- pum:no-transaction",
        ],
    );
    assert!(!run.all().contains("Applying"), "{}", run.all());
    assert_untouched(&db, &run);

    // Marked, it runs on its own.
    db.write(
        "create/1-tables/a.sql",
        "-- pum:no-transaction\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
    );
    create(&db, &[]).ok();
    assert_eq!(db.column("SELECT id FROM a"), ["1"]);
}

#[test]
fn savepoints_in_a_file_are_fine() {
    let db = Db::new("cr_savepoint");
    db.write(
        "create/1-tables/a.sql",
        "CREATE TABLE a (id int);\nSAVEPOINT s;\nINSERT INTO a VALUES (1);\n\
         ROLLBACK TO SAVEPOINT s;\nINSERT INTO a VALUES (2);\nRELEASE SAVEPOINT s;\n",
    );
    create(&db, &[]).ok();
    assert_eq!(db.column("SELECT id FROM a"), ["2"]);
}

#[test]
fn search_path_set_in_one_file_does_not_leak_into_the_next() {
    let db = Db::new("cr_search_path");
    db.write(
        "create/1-tables/a.sql",
        "CREATE SCHEMA app;\nSET search_path = app;\nCREATE TABLE in_app (id int);\n",
    );
    db.write(
        "create/1-tables/b.sql",
        "CREATE TABLE in_public (id int);\n",
    );
    db.write(
        "create/2-more/c.sql",
        "SELECT pg_catalog.set_config('search_path', 'app', false);\n",
    );
    db.write(
        "create/2-more/d.sql",
        "CREATE TABLE also_public (id int);\n",
    );
    create(&db, &[]).ok();
    assert_eq!(
        user_objects(&db),
        [
            "relation app.in_app",
            "relation public.also_public",
            "relation public.in_public",
            "schema app"
        ]
    );
}
