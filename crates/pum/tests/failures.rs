mod common;

// Failure paths and edge cases of `pum upgrade` / `info` / `baseline` on a
// real PostgreSQL: failing deltas and where they are reported, COPY data,
// no-transaction deltas, --single-transaction, variables, files that are
// not deltas, deltas changed since applied, bad inputs, pum 0.x spellings.

use common::{app_tables, assert_has, recorded, Db, Run};

/// A fresh database with schema `app` and `app.info` baselined at 1.0.0.
fn baselined(test: &str) -> Db {
    let db = Db::new(test);
    db.exec("CREATE SCHEMA app");
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    db
}

/// `pum upgrade -p <db> -t app.info -d d <extra...>`.
fn up(db: &Db, extra: &[&str]) -> Run {
    let mut args = vec![
        "upgrade",
        "-p",
        db.name.as_str(),
        "-t",
        "app.info",
        "-d",
        "d",
    ];
    args.extend_from_slice(extra);
    db.run(&args)
}

/// `pum info -p <db> -t app.info -d d`.
fn info(db: &Db) -> Run {
    db.run(&["info", "-p", db.name.as_str(), "-t", "app.info", "-d", "d"])
}

/// Three deltas, the middle one failing with `middle`.
fn three_with_failing_middle(db: &Db, middle: &str) {
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write("d/delta_1.0.2_b.sql", middle);
    db.write("d/delta_1.0.3_c.sql", "CREATE TABLE app.c (id int);\n");
}

/// What every "middle delta failed" test checks about the database.
#[track_caller]
fn assert_only_first_kept(db: &Db, run: &Run) {
    run.expect_code(2);
    assert_eq!(app_tables(db), ["a"], "{}", run.stderr());
    assert_eq!(recorded(db), ["1.0.1 a 8 d/delta_1.0.1_a.sql"]);
    assert_has(
        &run.stderr(),
        &[
            "Applied and kept before the failure (1): delta_1.0.1_a.sql",
            "d/delta_1.0.2_b.sql failed: it was rolled back and is not recorded",
        ],
    );
    assert!(
        !run.all().contains("delta_1.0.3_c.sql"),
        "the delta after the failing one must not start:\n{}",
        run.all()
    );
}

// 1. Failing SQL deltas: what is kept, what is reported.

#[test]
fn syntax_error_in_middle_delta_keeps_earlier_and_reports_line() {
    let db = baselined("fail_syntax");
    three_with_failing_middle(
        &db,
        "/* a comment\n   over two lines */\nCREATE TABLE app.b_partial (id int);\nSELEC 1;\nCREATE TABLE app.b_after (id int);\n",
    );
    let run = up(&db, &[]);
    assert_only_first_kept(&db, &run);
    let err = run.stderr();
    assert_has(
        &err,
        &[
            "error: d/delta_1.0.2_b.sql:4: ERROR 42601: syntax error at or near \"SELEC\"",
            "\n  4 | SELEC 1;\n",
        ],
    );
    // The failing file's earlier statement was rolled back with it.
    assert!(!app_tables(&db).contains(&"b_partial".to_string()));
    // Still at 1.0.1: the failing delta and the next one are pending.
    let info = info(&db);
    info.ok();
    assert_has(&info.stdout(), &["Current version: 1.0.1"]);
    assert_eq!(info.stdout().matches("pending").count(), 2 + 1);
}

#[test]
fn runtime_error_without_position_reports_statement_start_line() {
    let db = baselined("fail_unique");
    db.exec("CREATE TABLE app.u (id int PRIMARY KEY); INSERT INTO app.u VALUES (1)");
    three_with_failing_middle(
        &db,
        "-- first comment line\n-- second comment line\nCREATE TABLE app.b_partial (id int);\nINSERT INTO app.u (id)\n    VALUES (2),\n           (1);\n",
    );
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_eq!(app_tables(&db), ["a", "u"]);
    assert_eq!(recorded(&db), ["1.0.1 a 8 d/delta_1.0.1_a.sql"]);
    let err = run.stderr();
    assert_has(
        &err,
        &[
            "error: d/delta_1.0.2_b.sql:4: ERROR 23505: duplicate key value violates unique constraint",
            "DETAIL: Key (id)=(1) already exists.",
            "\n  4 | INSERT INTO app.u (id)\n",
        ],
    );
    // The statement's first row was not kept either.
    assert_eq!(db.column("SELECT id::text FROM app.u"), ["1"]);
    assert!(!run.all().contains("delta_1.0.3_c.sql"));
}

#[test]
fn division_by_zero_reports_statement_start_line() {
    let db = baselined("fail_div0");
    three_with_failing_middle(
        &db,
        "/*\n * header\n */\nCREATE TABLE app.b_partial AS\n  SELECT 1 / (count(*) - count(*)) AS x\n  FROM pg_catalog.pg_class;\n",
    );
    let run = up(&db, &[]);
    assert_only_first_kept(&db, &run);
    assert_has(
        &run.stderr(),
        &[
            "error: d/delta_1.0.2_b.sql:4: ERROR 22012: division by zero",
            "\n  4 | CREATE TABLE app.b_partial AS\n",
        ],
    );
}

#[test]
fn error_position_inside_multiline_statement_maps_to_its_line() {
    let db = baselined("fail_multiline");
    // The statement starts on line 3; the server's error position (in
    // characters, not bytes: the string holds two-byte characters) points
    // at its third line, line 5 of the file.
    three_with_failing_middle(
        &db,
        "-- header\nCREATE TABLE app.b_partial (id int);\nSELECT 'ééééééééééééééééééééééééééééééééééééééééé' AS x,\n       2 AS y,\n       nosuchcol\n  FROM pg_catalog.pg_class;\n",
    );
    let run = up(&db, &[]);
    assert_only_first_kept(&db, &run);
    assert_has(
        &run.stderr(),
        &[
            "error: d/delta_1.0.2_b.sql:5: ERROR 42703: column \"nosuchcol\" does not exist",
            "\n  5 |        nosuchcol\n",
        ],
    );
}

// 2. Fix and rerun.

#[test]
fn fixed_delta_applies_on_rerun_and_is_recorded_once() {
    let db = baselined("fix_rerun");
    three_with_failing_middle(&db, "CREATE TABLE app.b (id int);\nSELEC 1;\n");
    up(&db, &[]).expect_code(2);
    assert_eq!(recorded(&db), ["1.0.1 a 8 d/delta_1.0.1_a.sql"]);

    db.write(
        "d/delta_1.0.2_b.sql",
        "CREATE TABLE app.b (id int);\nSELECT 1;\n",
    );
    let run = up(&db, &[]);
    run.ok();
    assert_has(
        &run.stdout(),
        &["Upgraded from 1.0.1 to 1.0.3: 2 delta(s) applied"],
    );
    assert_eq!(app_tables(&db), ["a", "b", "c"]);
    assert_eq!(
        recorded(&db),
        [
            "1.0.1 a 8 d/delta_1.0.1_a.sql",
            "1.0.2 b 8 d/delta_1.0.2_b.sql",
            "1.0.3 c 8 d/delta_1.0.3_c.sql",
        ]
    );
    // A third run does nothing and records nothing.
    up(&db, &[]).ok();
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "4");
    assert_eq!(
        db.scalar("SELECT count(*) FROM app.info WHERE description = 'b' AND success"),
        "1"
    );
}

// 3. COPY FROM stdin and pg_dump files.

#[test]
fn copy_from_stdin_with_inline_data_then_more_statements() {
    let db = baselined("copy_inline");
    db.write(
        "d/delta_1.0.1_copy.sql",
        "CREATE TABLE app.t (id int PRIMARY KEY, name text, note text);\n\
         COPY app.t (id, name, note) FROM stdin;\n\
         1\tplain\t\\N\n\
         2\ta\\tb\tback\\\\slash\n\
         3\twith; semicolon\t'quote'\n\
         \\.\n\
         INSERT INTO app.t VALUES (4, 'after copy', NULL);\n\
         UPDATE app.t SET note = 'updated' WHERE id = 4;\n",
    );
    up(&db, &[]).ok();
    assert_eq!(
        db.rows("SELECT id, name, coalesce(note, '<null>') FROM app.t ORDER BY id"),
        [
            "1|plain|<null>",
            "2|a\tb|back\\slash",
            "3|with; semicolon|'quote'",
            "4|after copy|updated",
        ]
    );
    assert_eq!(recorded(&db), ["1.0.1 copy 8 d/delta_1.0.1_copy.sql"]);
}

#[test]
fn pg_dump_plain_file_applies() {
    let db = baselined("pgdump");
    db.write(
        "d/delta_1.0.1_dump.sql",
        r#"--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

--
-- Name: dump_t; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.dump_t (
    id integer NOT NULL,
    label text
);

--
-- Data for Name: dump_t; Type: TABLE DATA; Schema: app; Owner: -
--

COPY app.dump_t (id, label) FROM stdin;
1	one
2	two; not the end of anything
3	\N
\.


--
-- Name: dump_t dump_t_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.dump_t
    ADD CONSTRAINT dump_t_pkey PRIMARY KEY (id);

--
-- Name: f(integer); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.f(x integer) RETURNS text
    LANGUAGE plpgsql
    AS $body$
DECLARE
  r text := 'a;b';
BEGIN
  IF x > 1 THEN
    r := r || $$;c$$;
  END IF;
  RETURN r;
END;
$body$;

CREATE FUNCTION app.g() RETURNS integer
    LANGUAGE sql
    AS $$ SELECT 1; $$;

--
-- PostgreSQL database dump complete
--

"#,
    );
    up(&db, &[]).ok();
    assert_eq!(
        db.rows("SELECT id, coalesce(label, '<null>') FROM app.dump_t ORDER BY id"),
        ["1|one", "2|two; not the end of anything", "3|<null>"]
    );
    assert_eq!(
        db.scalar(
            "SELECT count(*) FROM pg_catalog.pg_constraint WHERE conname = 'dump_t_pkey' AND contype = 'p'"
        ),
        "1"
    );
    assert_eq!(db.scalar("SELECT app.f(2)"), "a;b;c");
    assert_eq!(db.scalar("SELECT app.f(1)"), "a;b");
    assert_eq!(db.scalar("SELECT app.g()"), "1");
    assert_eq!(recorded(&db), ["1.0.1 dump 8 d/delta_1.0.1_dump.sql"]);
}

#[test]
fn copy_with_bad_data_fails_at_the_bad_row_line() {
    let db = baselined("copy_bad");
    db.write(
        "d/delta_1.0.1_copy.sql",
        "-- bad data below\nCREATE TABLE app.cb (id int, name text);\nCOPY app.cb (id, name) FROM stdin;\n1\tok\n2\ttoo\tmany\n\\.\nCREATE TABLE app.after_copy (id int);\n",
    );
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            // The line of the bad data row (the server's CONTEXT says
            // "COPY cb, line 2"; the data starts on line 4 of the file).
            "error: d/delta_1.0.1_copy.sql:5: ERROR 22P04: extra data after last expected column",
            "CONTEXT: COPY cb, line 2",
            "\n  5 | 2\ttoo\tmany\n",
            "Nothing was applied.",
        ],
    );
    assert!(app_tables(&db).is_empty(), "{:?}", app_tables(&db));
    assert!(recorded(&db).is_empty());
}

// 4. -- pum:no-transaction

#[test]
fn no_transaction_marker_allows_create_index_concurrently() {
    let db = baselined("notx");
    db.write(
        "d/delta_1.0.1_table.sql",
        "CREATE TABLE app.t (id int, name text);\n",
    );
    db.write(
        "d/delta_1.0.2_index.sql",
        "-- pum:no-transaction\nCREATE INDEX CONCURRENTLY t_name_idx ON app.t (name);\n",
    );
    up(&db, &[]).ok();
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_indexes WHERE indexname = 't_name_idx'"),
        "1"
    );
    assert_eq!(
        recorded(&db),
        [
            "1.0.1 table 8 d/delta_1.0.1_table.sql",
            "1.0.2 index 8 d/delta_1.0.2_index.sql",
        ]
    );
}

#[test]
fn create_index_concurrently_without_marker_fails_in_transaction() {
    let db = baselined("notx_missing");
    db.write(
        "d/delta_1.0.1_table.sql",
        "CREATE TABLE app.t (id int, name text);\n",
    );
    db.write(
        "d/delta_1.0.2_index.sql",
        "-- no marker here\nCREATE INDEX CONCURRENTLY t_name_idx ON app.t (name);\n",
    );
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "d/delta_1.0.2_index.sql:2: ERROR 25001:",
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block",
        ],
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_indexes WHERE indexname = 't_name_idx'"),
        "0"
    );
    assert_eq!(recorded(&db), ["1.0.1 table 8 d/delta_1.0.1_table.sql"]);
}

// 5. --single-transaction

#[test]
fn single_transaction_rolls_everything_back_on_failure() {
    let db = baselined("single_tx");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write("d/delta_1.0.2_b.sql", "CREATE TABLE app.b (id int);\n");
    db.write(
        "d/delta_1.0.3_c.sql",
        "CREATE TABLE app.c (id int);\nSELECT 1/0;\n",
    );
    let run = up(&db, &["--single-transaction"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "d/delta_1.0.3_c.sql:2: ERROR 22012: division by zero",
            "Everything was rolled back (--single-transaction): the database is unchanged.",
        ],
    );
    assert!(
        !run.stderr().contains("Applied and kept"),
        "{}",
        run.stderr()
    );
    assert!(app_tables(&db).is_empty(), "{:?}", app_tables(&db));
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");
    // The same deltas without the failure apply all together.
    db.write("d/delta_1.0.3_c.sql", "CREATE TABLE app.c (id int);\n");
    up(&db, &["--single-transaction"]).ok();
    assert_eq!(app_tables(&db), ["a", "b", "c"]);
    assert_eq!(recorded(&db).len(), 3);
}

#[test]
fn single_transaction_refuses_pending_python_delta() {
    let db = baselined("single_tx_py");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write(
        "d/delta_1.0.2_p.py",
        "from pum.core.deltapy import DeltaPy\n\nclass P(DeltaPy):\n    def run(self):\n        pass\n",
    );
    let run = up(&db, &["--single-transaction"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "refusing to run",
            "d/delta_1.0.2_p.py",
            "--single-transaction",
        ],
    );
    assert!(!run.stdout().contains("Applying"), "{}", run.stdout());
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn single_transaction_refuses_pending_no_transaction_delta() {
    let db = baselined("single_tx_notx");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write(
        "d/delta_1.0.2_idx.sql",
        "-- pum:no-transaction\nCREATE INDEX CONCURRENTLY a_idx ON app.a (id);\n",
    );
    let run = up(&db, &["--single-transaction"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "refusing to run",
            "d/delta_1.0.2_idx.sql",
            "-- pum:no-transaction",
            "--single-transaction",
        ],
    );
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn single_transaction_refuses_a_delta_that_commits_itself() {
    // After its COMMIT the deltas before it could not be rolled back any
    // more: refused before anything runs, with its line.
    let db = baselined("single_tx_commit");
    db.write(
        "d/delta_1.0.1_a.sql",
        "BEGIN;\nCREATE TABLE app.a (id int);\nCOMMIT;\n",
    );
    db.write(
        "d/delta_1.0.2_b.sql",
        "SAVEPOINT s;\nCREATE TABLE app.b (id int);\nROLLBACK TO SAVEPOINT s;\nSELECT 1/0;\n",
    );
    let run = up(&db, &["--single-transaction"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["refusing to run", "d/delta_1.0.1_a.sql:3: `COMMIT`"],
    );
    // Savepoints are fine.
    assert!(
        !run.stderr().contains("delta_1.0.2_b.sql"),
        "{}",
        run.stderr()
    );
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

// 6. Variables.

#[test]
fn variables_are_substituted_as_literals() {
    let db = baselined("vars");
    db.write(
        "d/delta_1.0.1_vars.sql",
        "CREATE TABLE app.v (srid int, x float8, name text, pct text, srid_type text, x_type text);\n\
         INSERT INTO app.v VALUES (%(SRID)s, %(X)s, %(NAME)s, '100%%', \
         pg_typeof(%(SRID)s)::text, pg_typeof(%(X)s)::text);\n",
    );
    up(
        &db,
        &[
            "-v", "int", "SRID", "2056", "-v", "float", "X", "2.5", "-v", "string", "NAME", "it's",
        ],
    )
    .ok();
    assert_eq!(
        db.rows("SELECT srid, x, name, pct, srid_type, x_type FROM app.v"),
        ["2056|2.5|it's|100%|integer|numeric"]
    );
    assert_eq!(recorded(&db), ["1.0.1 vars 8 d/delta_1.0.1_vars.sql"]);
}

#[test]
fn variables_given_make_a_lone_percent_an_error() {
    let db = baselined("vars_percent");
    db.write(
        "d/delta_1.0.1_pct.sql",
        "CREATE TABLE app.p (s text, srid int);\n-- next line has a lone percent\nINSERT INTO app.p VALUES ('50%', %(SRID)s);\n",
    );
    let run = up(&db, &["-v", "int", "SRID", "2056"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["d/delta_1.0.1_pct.sql:3:", "%%", "Nothing was applied."],
    );
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn missing_variable_is_named() {
    let db = baselined("vars_missing");
    db.write(
        "d/delta_1.0.1_nope.sql",
        "CREATE TABLE app.n (i int);\nINSERT INTO app.n VALUES (%(NOPE)s);\n",
    );
    let run = up(&db, &["-v", "int", "SRID", "2056"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["d/delta_1.0.1_nope.sql:2:", "NOPE"]);
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn without_variables_files_run_unchanged() {
    let db = baselined("vars_none");
    db.write(
        "d/delta_1.0.1_raw.sql",
        "CREATE TABLE app.r (id serial, s text);\nINSERT INTO app.r (s) VALUES ('%(x)s'), ('50%'), ('100%%');\n",
    );
    up(&db, &[]).ok();
    assert_eq!(
        db.column("SELECT s FROM app.r ORDER BY id"),
        ["%(x)s", "50%", "100%%"]
    );
}

#[test]
fn int_variable_that_is_not_an_integer_is_refused() {
    let db = baselined("vars_badint");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    let run = up(&db, &["-v", "int", "SRID", "abc"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["SRID", "'abc' is not an integer"]);
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

// 7. Files that are not deltas.

#[test]
fn files_that_are_not_deltas_are_listed_and_refused_when_strict() {
    let db = baselined("not_deltas");
    db.write("d/delta_1.0.1_ok.sql", "CREATE TABLE app.ok (id int);\n");
    db.write(
        "d/delta_1.0.1_model_file.data_media.sql",
        "CREATE TABLE app.never (id int);\n",
    );
    db.write("d/notes.txt", "some notes\n");
    db.write(
        "d/delta_1.0.1_x.sql.post",
        "CREATE TABLE app.never2 (id int);\n",
    );
    let odd = [
        "d/delta_1.0.1_model_file.data_media.sql: not a delta",
        "d/notes.txt: not a delta",
        "d/delta_1.0.1_x.sql.post: not a delta",
    ];

    let strict = up(&db, &["--strict"]);
    strict.expect_code(2);
    assert_has(&strict.stderr(), &["refusing to run", "--strict"]);
    assert_has(&strict.stderr(), &odd);
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());

    let info = info(&db);
    info.ok();
    let out = info.stdout();
    for o in odd {
        assert_has(&out, &[&format!("warning: {o}")]);
    }

    let run = up(&db, &[]);
    run.ok();
    for o in odd {
        assert_has(&run.stderr(), &[&format!("warning: {o}")]);
    }
    assert_eq!(app_tables(&db), ["ok"]);
    assert_eq!(recorded(&db), ["1.0.1 ok 8 d/delta_1.0.1_ok.sql"]);
}

// 8. Deltas changed since applied.

#[test]
fn delta_modified_since_applied_is_reported_and_refused_when_strict() {
    let db = baselined("modified");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    up(&db, &[]).ok();
    let info0 = info(&db);
    assert!(!info0.stdout().contains("modified"), "{}", info0.stdout());

    db.write(
        "d/delta_1.0.1_a.sql",
        "CREATE TABLE app.a (id int, extra text);\n",
    );
    let info = info(&db);
    info.ok();
    assert_has(
        &info.stdout(),
        &[
            "modified since applied",
            "d/delta_1.0.1_a.sql changed since it was applied",
        ],
    );
    let run = up(&db, &[]);
    run.ok();
    assert_has(
        &run.stderr(),
        &["warning: d/delta_1.0.1_a.sql changed since it was applied"],
    );
    // Not run again.
    assert_eq!(recorded(&db), ["1.0.1 a 8 d/delta_1.0.1_a.sql"]);
    let strict = up(&db, &["--strict"]);
    strict.expect_code(2);
    assert_has(
        &strict.stderr(),
        &[
            "refusing to run",
            "d/delta_1.0.1_a.sql changed since it was applied",
        ],
    );
}

#[test]
fn crlf_or_bom_is_not_a_modification() {
    let db = baselined("crlf_bom");
    let text = "CREATE TABLE app.a (id int);\nCREATE TABLE app.b (id int);\n";
    db.write("d/delta_1.0.1_a.sql", text);
    db.write(
        "d/delta_1.0.2_b.sql",
        text.replace("app.", "app.b_").as_str(),
    );
    up(&db, &[]).ok();
    assert_eq!(recorded(&db).len(), 2);

    db.write("d/delta_1.0.1_a.sql", &text.replace('\n', "\r\n"));
    db.write(
        "d/delta_1.0.2_b.sql",
        &format!("\u{feff}{}", text.replace("app.", "app.b_")),
    );
    let info = info(&db);
    info.ok();
    assert!(!info.stdout().contains("modified"), "{}", info.stdout());
    assert!(
        !info.stdout().contains("changed since"),
        "{}",
        info.stdout()
    );
    assert_eq!(
        info.stdout().matches("| applied").count(),
        2,
        "{}",
        info.stdout()
    );
    let strict = up(&db, &["--strict"]);
    strict.ok();
    assert!(!strict.all().contains("warning"), "{}", strict.all());
    assert_eq!(recorded(&db).len(), 2);
}

// 9. Bad inputs.

#[test]
fn unknown_service_is_named() {
    let db = Db::new("bad_service");
    let run = db.run(&[
        "info",
        "-p",
        "no_such_service_xyz",
        "-t",
        "app.info",
        "-d",
        "d",
    ]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["no_such_service_xyz"]);
}

#[test]
fn connection_string_with_unknown_keyword_is_refused() {
    let db = Db::new("bad_keyword");
    let run = db.run(&[
        "info",
        "-p",
        "host=/tmp nosuchkeyword=1",
        "-t",
        "app.info",
        "-d",
        "d",
    ]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["invalid connection", "nosuchkeyword"]);
}

#[test]
fn password_never_printed_on_connection_failure() {
    let db = Db::new("bad_password");
    let (host, port) = {
        let s = common::cluster().lock().unwrap();
        (s.socket_dir().display().to_string(), s.port())
    };
    let kv =
        format!("host={host} port={port} user=postgres dbname=no_such_db_xyz password=s3cretpw");
    let uri = format!("postgresql://postgres:s3cretpw@/no_such_db_xyz?host={host}&port={port}");
    for target in [kv.as_str(), uri.as_str()] {
        for cmd in ["info", "upgrade"] {
            let run = db.run(&[cmd, "-p", target, "-t", "app.info", "-d", "d"]);
            run.expect_code(2);
            assert_has(&run.stderr(), &["no_such_db_xyz"]);
            assert!(
                !run.all().contains("s3cretpw"),
                "password printed:\n{}",
                run.all()
            );
        }
    }
    // A connection string libpq cannot parse is not echoed with its password either.
    let bad = db.run(&[
        "info",
        "-p",
        "host=x nosuchkeyword=1 password=s3cretpw",
        "-t",
        "app.info",
        "-d",
        "d",
    ]);
    bad.expect_code(2);
    assert!(!bad.all().contains("s3cretpw"), "{}", bad.all());
}

#[test]
fn missing_delta_directory_is_named() {
    let db = baselined("bad_dir");
    let run = db.run(&[
        "upgrade",
        "-p",
        &db.name,
        "-t",
        "app.info",
        "-d",
        "no_such_dir",
    ]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["no_such_dir"]);
    let info = db.run(&[
        "info",
        "-p",
        &db.name,
        "-t",
        "app.info",
        "-d",
        "no_such_dir",
    ]);
    info.expect_code(2);
    assert_has(&info.stderr(), &["no_such_dir"]);
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");
}

#[test]
fn missing_upgrades_table_suggests_baseline() {
    let db = Db::new("bad_table");
    db.exec("CREATE SCHEMA app");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    for cmd in ["info", "upgrade"] {
        let run = db.run(&[cmd, "-p", &db.name, "-t", "app.info", "-d", "d"]);
        run.expect_code(2);
        assert_has(
            &run.stderr(),
            &["app.info", "does not exist", "pum baseline"],
        );
    }
    assert!(app_tables(&db).is_empty());
    // Nor was the table created behind the user's back.
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'info'"),
        "0"
    );
}

#[test]
fn table_without_schema_is_refused() {
    let db = baselined("bad_noschema");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    for cmd in ["info", "upgrade"] {
        let run = db.run(&[cmd, "-p", &db.name, "-t", "info", "-d", "d"]);
        run.expect_code(2);
        assert_has(&run.stderr(), &["'info'", "schema is missing"]);
    }
    let run = db.run(&["baseline", "-p", &db.name, "-t", "info", "-b", "1.0.0"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["'info'", "schema is missing"]);
    assert!(app_tables(&db).is_empty());
}

#[test]
fn three_part_table_name_is_refused() {
    let db = Db::new("bad_threepart");
    db.exec("CREATE SCHEMA app");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    let run = db.run(&[
        "baseline",
        "-p",
        &db.name,
        "-t",
        "app.sys.info",
        "-b",
        "1.0.0",
    ]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["'app.sys.info'", "3 dot-separated parts", "SCHEMA.TABLE"],
    );
    for cmd in ["info", "upgrade"] {
        let run = db.run(&[cmd, "-p", &db.name, "-t", "app.sys.info", "-d", "d"]);
        run.expect_code(2);
        assert_has(&run.stderr(), &["'app.sys.info'", "SCHEMA.TABLE"]);
    }
    // Nothing was created, in particular not app."sys.info".
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'app'"),
        "0"
    );
    // A quoted name may hold a dot.
    db.run(&[
        "baseline",
        "-p",
        &db.name,
        "-t",
        "app.\"sys.info\"",
        "-b",
        "1.0.0",
    ])
    .ok();
    assert_eq!(
        db.column("SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = 'app'"),
        ["sys.info"]
    );
}

#[test]
fn bad_max_version_is_refused() {
    let db = baselined("bad_maxver");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    let run = up(&db, &["-u", "1.x"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["invalid version '1.x'", "--max-version"]);
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn delta_not_utf8_is_refused_with_line() {
    let db = baselined("bad_utf8");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    let path = db.path().join("d/delta_1.0.2_latin1.sql");
    std::fs::write(
        &path,
        b"CREATE TABLE app.l (id int);\n-- caf\xe9 in Latin-1\nINSERT INTO app.l VALUES (1);\n",
    )
    .unwrap();
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["d/delta_1.0.2_latin1.sql:2:", "not valid UTF-8"],
    );
    assert_eq!(app_tables(&db), ["a"]);
    assert_eq!(recorded(&db), ["1.0.1 a 8 d/delta_1.0.1_a.sql"]);
}

#[test]
fn psql_meta_command_is_refused_with_line() {
    let db = baselined("bad_meta");
    db.write(
        "d/delta_1.0.1_meta.sql",
        "CREATE TABLE app.m (id int);\n\n\\connect other\nCREATE TABLE app.m2 (id int);\n",
    );
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["d/delta_1.0.1_meta.sql:3:", "\\connect", "not supported"],
    );
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn unterminated_dollar_quote_reports_its_start() {
    let db = baselined("bad_dollar");
    db.write(
        "d/delta_1.0.1_fn.sql",
        "CREATE TABLE app.f (id int);\n\nCREATE FUNCTION app.fn() RETURNS int\n  AS $fn$\n  SELECT 1;\n$$ LANGUAGE sql;\n",
    );
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "d/delta_1.0.1_fn.sql:4:",
            "unterminated dollar-quoted string $fn$",
        ],
    );
    assert!(app_tables(&db).is_empty());
    assert!(recorded(&db).is_empty());
}

#[test]
fn baseline_into_missing_schema_is_refused() {
    let db = Db::new("bad_schema");
    let run = db.run(&[
        "baseline",
        "-p",
        &db.name,
        "-t",
        "nosuch.info",
        "-b",
        "1.0.0",
    ]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["\"nosuch\"", "nosuch.info", "does not exist"],
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'info'"),
        "0"
    );
}

// 10. Version and help.

#[test]
fn version_flags_print_version() {
    let db = Db::new("version");
    let expected = format!("pum version {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["-v", "--version"] {
        let run = db.run(&[flag]);
        run.ok();
        assert_eq!(run.stdout(), expected);
    }
}

#[test]
fn no_arguments_prints_help() {
    let db = Db::new("noargs");
    let run = db.run(&[]);
    // clap's "help because nothing was given" counts as a usage error.
    run.expect_code(2);
    let all = run.all();
    assert_has(
        &all,
        &["Usage:", "baseline", "info", "upgrade", "Exit codes:"],
    );
}

#[test]
fn upgrade_help_documents_options_and_exit_codes() {
    let db = Db::new("help");
    let run = db.run(&["upgrade", "--help"]);
    run.ok();
    // Help is wrapped to the terminal width, possibly inside a phrase.
    let text = run
        .stdout()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_has(
        &text,
        &[
            "--single-transaction",
            "-- pum:no-transaction",
            "--strict",
            "--max-version",
            "Exit codes:",
            "0 success",
            "pending deltas found (info --exit-code)",
            "2 pum failed",
        ],
    );
}

/// `pum ARGS --help` (or any run), its stdout with whitespace folded.
fn help(db: &Db, args: &[&str]) -> String {
    let run = db.run(args);
    run.ok();
    run.stdout()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The "Options:" section of a help text, up to the exit codes.
fn options_section(help: &str) -> String {
    let start = help.find("Options:").expect("an Options section");
    let end = help.find("Exit code").unwrap_or(help.len());
    help[start..end].to_string()
}

#[test]
fn help_shows_the_multi_letter_spellings() {
    let db = Db::new("help_multi");
    let check = help(&db, &["check", "--help"]);
    assert_has(
        &check,
        &[
            "Usage: pum check [OPTIONS] -p1 <A> -p2 <B>",
            "-p1, --pg_service1 <A>",
            "-p2, --pg_service2 <B>",
        ],
    );
    assert!(!check.contains("[OPTIONS] --pg_service1"), "{check}");
    for cmd in ["test", "test-and-upgrade"] {
        let text = help(&db, &[cmd, "--help"]);
        assert_has(
            &text,
            &[
                &format!("Usage: pum {cmd} [OPTIONS] -pp <PROD>"),
                "-pp, --pg_service_prod <PROD>",
                "-pt, --pg_service_test <TEST>",
                "-pc, --pg_service_comp <COMP>",
                "-vv, --verbose",
            ],
        );
    }
    assert_has(&help(&db, &["upgrade", "--help"]), &["-vv, --verbose"]);
    // A usage error names the option the way scripts spell it.
    let run = db.run(&["check", "-p1", "a"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &[
            "provided:\n  -p2 <B>",
            "Usage: pum check [OPTIONS] -p1 <A> -p2 <B>",
        ],
    );
    // The spellings still work.
    let run = db.run(&["check", "-p1", &db.name, "-p2", &db.name]);
    run.ok();
}

#[test]
fn test_and_test_and_upgrade_share_a_layout_but_not_their_exit_codes() {
    let db = Db::new("help_rehearsal");
    let raw = |cmd: &str| {
        let run = db.run(&[cmd, "--help"]);
        run.ok();
        run.stdout()
    };
    let (test, tau) = (raw("test"), raw("test-and-upgrade"));
    // Same options, laid out the same, but --yes.
    let yes = tau.find("  -y, --yes").expect("test-and-upgrade has --yes");
    let yes_end = tau[yes..]
        .find("\n\n")
        .map(|i| yes + i + 2)
        .unwrap_or(tau.len());
    let tau_without_yes = format!("{}{}", &tau[..yes], &tau[yes_end..]);
    assert_eq!(options_section(&test), options_section(&tau_without_yes));
    assert!(!test.contains("--yes"), "{test}");

    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (test, tau) = (fold(&test), fold(&tau));
    assert_has(
        &test,
        &[
            "Exit codes:",
            "0 the rehearsal passed",
            "1 the upgraded copy differs from the reference",
            "2 pum failed before the rehearsal started",
            "4 restoring into the test database failed",
            "6 building or reading the reference, or comparing, failed",
            "pum test never changes production.",
        ],
    );
    let codes = &test[test.find("Exit codes:").unwrap()..];
    assert!(!codes.contains(" 7 "), "{codes}");
    assert!(!codes.contains(" 8 "), "{codes}");
    assert!(!codes.contains("upgrading production"), "{codes}");
    assert_has(
        &tau,
        &["7 upgrading production failed", "8 production not upgraded"],
    );
}

#[test]
fn verbose_is_explained_for_upgrade_and_for_the_rehearsals() {
    let db = Db::new("help_verbose");
    let upgrade = help(&db, &["upgrade", "--help"]);
    assert_has(
        &upgrade,
        &[
            "-vv, --verbose Show the info table (every delta with its status) before applying",
            "(In test and test-and-upgrade, --verbose shows the differences in full instead.)",
        ],
    );
    for cmd in ["test", "test-and-upgrade"] {
        assert_has(
            &help(&db, &[cmd, "--help"]),
            &[
                "-vv, --verbose Show the differences in full",
                "unified diffs",
                "(In upgrade, --verbose shows the info table instead.)",
            ],
        );
    }
}

#[test]
fn sandbox_takes_no_config_file() {
    let db = Db::new("help_sandbox");
    let text = help(&db, &["sandbox", "--help"]);
    assert!(!text.contains("--config_file"), "{text}");
    assert!(!text.contains("-c,"), "{text}");
    assert_has(&text, &["--db <NAME>", "--keep"]);
    // The commands that read it still list it.
    for cmd in ["upgrade", "check", "test", "dump"] {
        assert_has(&help(&db, &[cmd, "--help"]), &["-c, --config_file <FILE>"]);
    }
    // Given anyway, it is refused, saying where it belongs.
    db.write("pum.yaml", "upgrades_table: a.b\n");
    for args in [
        &["sandbox", "-c", "pum.yaml", "--", "true"][..],
        &["-c", "pum.yaml", "sandbox", "--", "true"][..],
    ] {
        let run = db.run(args);
        run.expect_code(2);
        assert_has(
            &run.stderr(),
            &["pum sandbox takes no config file", "$PUM -c pum.yaml"],
        );
    }
}

// 11. pum 0.x spellings.

fn two_dirs(db: &Db) {
    db.write("d1/delta_1.0.1_one.sql", "CREATE TABLE app.one (id int);\n");
    db.write(
        "d1/delta_1.0.3_three.sql",
        "CREATE TABLE app.three (id int);\n",
    );
    db.write("d2/delta_1.0.2_two.sql", "CREATE TABLE app.two (id int);\n");
}

#[test]
fn several_dirs_after_one_flag_or_repeated_flag_agree() {
    let a = baselined("dirs_list");
    two_dirs(&a);
    a.run(&["upgrade", "-p", &a.name, "-t", "app.info", "-d", "d1", "d2"])
        .ok();
    let b = baselined("dirs_repeat");
    two_dirs(&b);
    b.run(&[
        "upgrade", "-p", &b.name, "-t", "app.info", "-d", "d1", "-d", "d2",
    ])
    .ok();
    let expected = [
        "1.0.1 one 8 d1/delta_1.0.1_one.sql",
        "1.0.3 three 8 d1/delta_1.0.3_three.sql",
        "1.0.2 two 8 d2/delta_1.0.2_two.sql",
    ];
    assert_eq!(recorded(&a), expected);
    assert_eq!(recorded(&b), expected);
    assert_eq!(app_tables(&a), ["one", "three", "two"]);
    assert_eq!(app_tables(&b), ["one", "three", "two"]);
}

#[test]
fn long_option_spellings_work() {
    let db = Db::new("long_opts");
    db.exec("CREATE SCHEMA app");
    db.write("d/delta_1.0.1_a.sql", "CREATE TABLE app.a (id int);\n");
    db.write("d/delta_1.0.2_b.sql", "CREATE TABLE app.b (id int);\n");
    db.run(&[
        "baseline",
        "--pg_service",
        &db.name,
        "--table",
        "app.info",
        "--baseline",
        "1.0.0",
    ])
    .ok();
    db.run(&[
        "upgrade",
        "--pg_service",
        &db.name,
        "--table",
        "app.info",
        "--dir",
        "d",
        "--max-version",
        "1.0.1",
    ])
    .ok();
    assert_eq!(app_tables(&db), ["a"]);
    let info = db.run(&[
        "info",
        "--pg_service",
        &db.name,
        "--table",
        "app.info",
        "--dir",
        "d",
        "--max-version",
        "1.0.1",
    ]);
    info.ok();
    assert_has(
        &info.stdout(),
        &["Current version: 1.0.1", "above max version"],
    );
    db.run(&[
        "upgrade",
        "--pg_service",
        &db.name,
        "--table",
        "app.info",
        "--dir",
        "d",
    ])
    .ok();
    assert_eq!(app_tables(&db), ["a", "b"]);
}

// 12. Server notices.

#[test]
fn server_notice_from_delta_is_shown() {
    let db = baselined("notice");
    db.write(
        "d/delta_1.0.1_n.sql",
        "DO $$ BEGIN RAISE NOTICE 'hello from delta'; END $$;\n",
    );
    let run = up(&db, &[]);
    run.ok();
    assert_has(
        &run.all(),
        &["d/delta_1.0.1_n.sql: NOTICE: hello from delta"],
    );
}

// Found while testing pg_dump files (item 3).

#[test]
fn session_settings_of_one_delta_do_not_leak_into_the_next() {
    let db = baselined("session_leak");
    // What every pg_dump plain file starts with.
    db.write(
        "d/delta_1.0.1_dump.sql",
        "SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET client_min_messages = warning;\n\
         CREATE TABLE app.dumped (id int);\n",
    );
    db.write(
        "d/delta_1.0.2_next.sql",
        "DO $$ BEGIN RAISE NOTICE 'notice from next'; END $$;\n\
         CREATE TABLE unqualified (id int);\n",
    );
    let run = up(&db, &[]);
    // Run alone (in a later `pum upgrade`), delta_1.0.2_next.sql works;
    // the outcome must not depend on what ran before it on the connection.
    run.ok();
    assert_has(&run.all(), &["notice from next"]);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename = 'unqualified'"),
        "1"
    );
}

#[test]
fn line_numbers_stay_right_after_a_multiline_variable() {
    let db = baselined("vars_multiline");
    db.write(
        "d/delta_1.0.1_v.sql",
        "CREATE TABLE app.v (note text);\nINSERT INTO app.v VALUES (%(NOTE)s);\nSELEC 1;\n",
    );
    let run = up(&db, &["-v", "string", "NOTE", "first line\nsecond line"]);
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["d/delta_1.0.1_v.sql:3: ERROR 42601", "\n  3 | SELEC 1;\n"],
    );
}

#[test]
fn settings_made_by_pre_all_apply_to_every_delta() {
    // As in pum 0.x, pre-all runs on the same session as the deltas, so a
    // data model may set its search_path there.
    let db = baselined("pre_all_settings");
    db.write("d/pre-all.sql", "SET search_path = app, public;\n");
    db.write(
        "d/delta_1.0.1_a.sql",
        "CREATE TABLE first_t (id int);\nSET search_path = public;\n",
    );
    db.write("d/delta_1.0.2_b.sql", "CREATE TABLE second_t (id int);\n");
    up(&db, &[]).ok();
    assert_eq!(
        db.column(
            "SELECT schemaname FROM pg_catalog.pg_tables \
             WHERE tablename IN ('first_t', 'second_t') ORDER BY tablename"
        ),
        ["app", "app"]
    );
}

#[test]
fn deferred_constraint_failing_at_commit_is_charged_to_the_delta() {
    let db = baselined("deferred_fk");
    db.exec(
        "CREATE TABLE app.parent (id int PRIMARY KEY); \
         CREATE TABLE app.child (id int, parent int REFERENCES app.parent DEFERRABLE INITIALLY DEFERRED)",
    );
    db.write(
        "d/delta_1.0.1_ok.sql",
        "INSERT INTO app.parent VALUES (1);\n",
    );
    db.write(
        "d/delta_1.0.2_orphan.sql",
        "INSERT INTO app.child VALUES (1, 1);\nINSERT INTO app.child VALUES (2, 99);\n",
    );
    let run = up(&db, &[]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["d/delta_1.0.2_orphan.sql:", "23503"]);
    // The first delta stays; the second left nothing, not even its valid row.
    assert_eq!(db.scalar("SELECT count(*) FROM app.child"), "0");
    assert_eq!(
        db.column("SELECT description FROM app.info WHERE type <> 0 ORDER BY id"),
        ["ok"]
    );
    // Execution time is recorded, computed by the server.
    assert!(
        db.scalar("SELECT execution_time FROM app.info WHERE description = 'ok'")
            .parse::<i32>()
            .unwrap()
            >= 0
    );
}

#[test]
fn sandbox_without_server_binaries_names_the_fix() {
    let db = Db::new("sandbox_nobin");
    let run = Run(db
        .pum()
        .env("PUM_PG_BINDIR", "/nonexistent/pg/bin")
        .args(["sandbox", "--", "true"])
        .output()
        .unwrap());
    run.expect_code(2);
    assert_has(
        &run.stderr(),
        &["/nonexistent/pg/bin", "initdb", "PUM_PG_BINDIR"],
    );
}

#[test]
fn sandbox_with_a_missing_command_fails_and_cleans_up() {
    let db = Db::new("sandbox_nocmd");
    let run = db.run(&["sandbox", "--", "/nonexistent/command"]);
    run.expect_code(2);
    assert_has(&run.stderr(), &["cannot run `/nonexistent/command`"]);
    // The cluster it started is stopped and its directory removed.
    let root = run
        .stderr()
        .lines()
        .find_map(|l| {
            l.strip_prefix("pum sandbox: PostgreSQL running in ")
                .map(|r| r.split(' ').next().unwrap().to_string())
        })
        .expect("the sandbox reports where it runs");
    assert!(!std::path::Path::new(&root).exists(), "{root} left behind");
}

// Ordinary deltas travel many to a round trip; a failure deep inside such
// a batch must behave exactly as a failure of a delta sent on its own.

#[test]
fn a_failure_deep_inside_a_pipelined_batch_keeps_every_delta_before_it() {
    let db = baselined("batch_failure");
    // More deltas than one round trip carries, so the failure is in a
    // later batch, in the middle of it.
    for i in 1..=300 {
        let body = match i {
            7 => "DO $$ BEGIN RAISE NOTICE 'notice of seven'; END $$;\nCREATE TABLE app.t7 (id int);\n".to_string(),
            250 => "CREATE TABLE app.t250 (id int);\nINSERT INTO app.missing VALUES (1);\n".to_string(),
            _ => format!("CREATE TABLE app.t{i} (id int);\n"),
        };
        db.write(&format!("d/delta_1.0.{i}_t{i}.sql"), &body);
    }
    let run = up(&db, &[]);
    run.expect_code(2);
    let tables = db.scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'app' AND tablename LIKE 't%'");
    assert_eq!(tables, "249", "{}", run.stderr());
    assert_eq!(
        db.scalar("SELECT count(*) FROM app.info WHERE type = 8"),
        "249"
    );
    assert_eq!(
        db.scalar("SELECT max(version) FROM app.info WHERE version LIKE '1.0.24_'"),
        "1.0.249"
    );
    assert_has(
        &run.stderr(),
        &[
            "d/delta_1.0.250_t250.sql:2: ERROR 42P01",
            "  2 | INSERT INTO app.missing VALUES (1);",
            "d/delta_1.0.250_t250.sql failed: it was rolled back and is not recorded",
        ],
    );
    // The notice is charged to its own file; progress stops at the
    // failing delta.
    assert_has(
        &run.all(),
        &["d/delta_1.0.7_t7.sql: NOTICE: notice of seven", "[250/300]"],
    );
    assert!(!run.all().contains("[251/300]"), "{}", run.all());
    // The rerun continues with the failing delta, fixed.
    db.write(
        "d/delta_1.0.250_t250.sql",
        "CREATE TABLE app.t250 (id int);\n",
    );
    up(&db, &[]).ok();
    assert_eq!(
        db.scalar("SELECT count(*) FROM app.info WHERE type = 8"),
        "300"
    );
}
