//! pum 1.x modules (`.pum.yaml`, changelogs, `pum_migrations`) run by our
//! pum against real clusters: install then upgrade of the example module,
//! one transaction per run, the refusals, bad `.pum.yaml` inputs each named
//! clearly, older table versions, baseline, roles and grants, the `role`
//! actions, `uninstall`, `app create|drop|recreate`, demo data, and pum
//! 0.x command lines left alone.

mod common;

use std::path::Path;

use common::{assert_has, Db};

/// Copies `examples/pum1-module` into the test's directory as `m/`, its
/// roles renamed after the database (roles are cluster-wide: each test
/// has its own); the guard drops them when the test ends.
fn example(db: &Db) -> Roles {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/pum1-module");
    copy_dir(&src, &db.path().join("m"));
    let yaml = std::fs::read_to_string(db.path().join("m/.pum.yaml")).unwrap();
    db.write(
        "m/.pum.yaml",
        &yaml
            .replace("waternet_viewer", &format!("{}_viewer", db.name))
            .replace("waternet_user", &format!("{}_user", db.name)),
    );
    Roles::of(db, &["viewer", "user"])
}

/// Drops the test's roles (`DB_suffix`, and the DB-specific variants
/// `DB_suffix_*`) and what they hold in the test database when dropped
/// (before the database: declare it after the `Db`).
struct Roles {
    conninfo: String,
    prefix: String,
}

impl Roles {
    fn of(db: &Db, _names: &[&str]) -> Roles {
        Roles {
            conninfo: db.conninfo.clone(),
            prefix: db.name.clone(),
        }
    }

    /// The full name of the example's role `short` (`viewer`, `user`).
    fn name(&self, short: &str) -> String {
        format!("{}_{short}", self.prefix)
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        let target = pum_core::pg::ConnTarget::parse(&self.conninfo).unwrap();
        let Ok(mut c) = pum_core::pg::Conn::connect(&target, "pum-tests") else {
            return;
        };
        let like = format!("{}\\_%", self.prefix.replace('_', "\\_"));
        let Ok(rows) = c.query(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY length(rolname) DESC",
            &[Some(&like)],
        ) else {
            return;
        };
        for r in rows.rows.into_iter().filter_map(|r| r[0].clone()) {
            let q = pum_core::pg::quote_ident(&r);
            let _ = c.execute(&format!("DROP OWNED BY {q}; DROP ROLE IF EXISTS {q}"));
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Writes a module `dir` with `.pum.yaml` and files (relative paths).
fn module(db: &Db, dir: &str, yaml: &str, files: &[(&str, &str)]) {
    db.write(&format!("{dir}/.pum.yaml"), yaml);
    for (path, content) in files {
        db.write(&format!("{dir}/{path}"), content);
    }
}

const ROWS: &str =
    "SELECT module, version, beta_testing, changelog_files::text, parameters::text, \
                    migration_table_version FROM wn_sys.pum_migrations ORDER BY date_installed";

#[test]
fn example_module_installs_then_upgrades() {
    let db = Db::new("mod_example");
    let _roles = example(&db);
    let p = db.name.as_str();
    // Nothing installed: info shows both versions pending.
    let r = db.run(&["-p", p, "-d", "m", "info", "--exit-code"]);
    r.expect_code(1);
    assert_has(
        &r.stdout(),
        &[
            "(not installed)",
            "2 version(s) pending (1.0.0, 1.1.0",
            "pum install",
        ],
    );
    let r = db.run(&["-p", p, "-d", "m", "install", "--max-version", "1.0.0"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &["Installed waternet to 1.0.0", "committed together"],
    );
    assert_eq!(
        db.rows(ROWS),
        [
            "waternet|1.0.0|f|{m/changelogs/1.0.0/01_schema.sql,m/changelogs/1.0.0/02_data.sql}|\
             {\"SRID\": 2056, \"lang\": \"en\"}|3"
        ]
    );
    // {SRID} became a literal, {{...}} a brace; the create hook made the views.
    assert_eq!(
        db.scalar("SELECT column_default FROM information_schema.columns WHERE table_schema = 'wn_od' AND table_name = 'node' AND column_name = 'srid'"),
        "2056"
    );
    assert_eq!(
        db.scalar("SELECT tags::text FROM wn_od.material WHERE id = 1"),
        "{plastic}"
    );
    db.exec("INSERT INTO wn_od.node (name) VALUES ('a'), ('b'); INSERT INTO wn_od.pipe (from_node, to_node, diameter) VALUES (1, 2, 110)");
    assert_eq!(db.scalar("SELECT label FROM wn_app.vw_pipe"), "pipe");
    assert_eq!(
        db.scalar("SELECT pum_version FROM wn_sys.pum_migrations"),
        format!("1.9.2+pumrs.{}", env!("CARGO_PKG_VERSION"))
    );
    // info: the row, 1.1.0 pending, stored parameters.
    let r = db.run(&["-p", p, "-d", "m", "info", "-p", "lang", "de"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            "current version: 1.0.0",
            "| 1.1.0   | pending",
            "| lang | text",
            "de (-p)",
        ],
    );
    let r = db.run(&["-p", p, "-d", "m", "info", "--format", "json"]);
    let info: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(info["current"], "1.0.0");
    assert_eq!(info["changelogs"][1]["status"], "pending");
    // A standard parameter cannot change; an app_only one can.
    let r = db.run(&["-p", p, "-d", "m", "upgrade", "-p", "SRID", "2057"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "parameter SRID is 2057 here but was 2056",
            "-p SRID 2056",
            "Nothing was changed",
        ],
    );
    let r = db.run(&["-p", p, "-d", "m", "upgrade", "-p", "lang", "de"]);
    r.ok();
    assert_has(&r.stdout(), &["Upgraded waternet from 1.0.0 to 1.1.0"]);
    assert_has(&r.stderr(), &["valves added (SRID 2056)"]);
    assert_eq!(db.rows(ROWS).len(), 2);
    assert_eq!(
        db.rows(ROWS)[1],
        "waternet|1.1.0|f|{m/changelogs/1.1.0/01_valves.sql}|{\"SRID\": 2056, \"lang\": \"de\"}|3"
    );
    // The hooks rebuilt the views with the new label; the data stayed.
    assert_eq!(db.scalar("SELECT label FROM wn_app.vw_pipe"), "Leitung");
    assert_eq!(db.scalar("SELECT count(*) FROM wn_od.valve"), "0");
    // Nothing pending: an upgrade still rebuilds the application, as pum 1.x.
    let r = db.run(&["-p", p, "-d", "m", "upgrade", "-p", "lang", "fr"]);
    r.ok();
    assert_has(&r.stdout(), &["No changelog pending", "2 hook(s) ran"]);
    assert_eq!(db.scalar("SELECT label FROM wn_app.vw_pipe"), "conduite");
    assert_eq!(db.rows(ROWS).len(), 2);
    db.run(&["-p", p, "-d", "m", "info", "--exit-code"]).ok();
}

#[test]
fn install_is_one_transaction_and_a_failure_names_file_and_line() {
    let db = Db::new("mod_atomic");
    module(
        &db,
        "m",
        "pum: {module: t, migration_table_schema: t_sys}\n",
        &[
            (
                "changelogs/1.0.0/a.sql",
                "CREATE SCHEMA t_od;\nCREATE TABLE t_od.a (i int);\n",
            ),
            (
                "changelogs/1.1.0/a.sql",
                "-- a comment\nCREATE TABLE t_od.b (i int);\n\nINSERT INTO t_od.b VALUES ('x');\n",
            ),
        ],
    );
    let r = db.run(&["-p", &db.name, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "m/changelogs/1.1.0/a.sql:4: ERROR 22P02",
            "everything was rolled back",
        ],
    );
    // Nothing stays: no table, no schema of 1.0.0, not even t_sys.
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('t_od', 't_sys')"),
        "0"
    );
    // Fixed, it installs; a second install is refused.
    db.write("m/changelogs/1.1.0/a.sql", "CREATE TABLE t_od.b (i int);\n");
    db.run(&["-p", &db.name, "-d", "m", "install"]).ok();
    let r = db.run(&["-p", &db.name, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["t_sys.pum_migrations already exists", "upgrade"],
    );
    // Another module in the same database needs --allow-multiple-modules.
    module(
        &db,
        "n",
        "pum: {module: n, migration_table_schema: n_sys}\n",
        &[("changelogs/1.0/a.sql", "SELECT 1;")],
    );
    let r = db.run(&["-p", &db.name, "-d", "n", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "another module is installed",
            "t_sys",
            "--allow-multiple-modules",
        ],
    );
    db.run(&[
        "-p",
        &db.name,
        "-d",
        "n",
        "install",
        "--allow-multiple-modules",
    ])
    .ok();
    assert_eq!(db.scalar("SELECT version FROM n_sys.pum_migrations"), "1.0");
}

#[test]
fn upgrade_refusals() {
    let db = Db::new("mod_refusals");
    let files: &[(&str, &str)] = &[
        ("changelogs/1.0.0/a.sql", "CREATE TABLE public.a (i int);"),
        ("changelogs/1.1.0/a.sql", "CREATE TABLE public.b (i int);"),
    ];
    module(&db, "m", "pum: {module: m}\n", files);
    let p = db.name.as_str();
    let r = db.run(&["-p", p, "-d", "m", "upgrade"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["public.pum_migrations does not exist", "install"],
    );
    db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "install",
        "--max-version",
        "1.0.0",
        "--beta-testing",
    ])
    .ok();
    let r = db.run(&["-p", p, "-d", "m", "upgrade"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["beta testing", "--force"]);
    // Another module's file for this database.
    module(&db, "other", "pum: {module: other}\n", files);
    let r = db.run(&["-p", p, "-d", "other", "upgrade", "--force"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["the installed module is 'm' but other/.pum.yaml defines module 'other'"],
    );
    db.run(&["-p", p, "-d", "m", "upgrade", "--force"]).ok();
    // Beta testing sticks to the rows that follow.
    assert_eq!(
        db.column(
            "SELECT version || ' ' || beta_testing FROM pum_migrations ORDER BY date_installed"
        ),
        ["1.0.0 true", "1.1.0 true"]
    );
    // A version below the current one that was never applied.
    db.exec("DELETE FROM pum_migrations WHERE version = '1.0.0'");
    db.write("m/changelogs/1.2.0/a.sql", "SELECT 1;");
    let r = db.run(&["-p", p, "-d", "m", "upgrade", "--force"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["changelog 1.0.0", "never applied", "--skip-baseline-check"],
    );
    db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "upgrade",
        "--force",
        "--skip-baseline-check",
    ])
    .ok();
    assert_eq!(
        db.scalar("SELECT max(version) FROM pum_migrations"),
        "1.2.0"
    );
}

/// Runs `info` on a module `m` made of `yaml` and `files`; returns stderr.
fn refused(db: &Db, yaml: &str, files: &[(&str, &str)], command: &[&str]) -> String {
    let _ = std::fs::remove_dir_all(db.path().join("m"));
    module(db, "m", yaml, files);
    let mut args = vec!["-p", db.name.as_str(), "-d", "m"];
    args.extend_from_slice(command);
    let r = db.run(&args);
    assert_eq!(r.code(), 2, "accepted:\n{}{}", r.stdout(), r.stderr());
    r.stderr()
}

#[test]
fn bad_module_inputs_are_each_named() {
    let db = Db::new("mod_bad");
    let one = [("changelogs/1.0.0/a.sql", "SELECT 1;")];
    for (yaml, needles) in [
        (
            "pum:\n  module: m\nparamters: []\n",
            vec!["m/.pum.yaml:3:1: unknown key `paramters` (did you mean `parameters`?)"],
        ),
        (
            "pum:\n  module: m\n  schema: s\n",
            vec![
                "m/.pum.yaml:3:3: unknown key `schema`",
                "module, migration_table_schema, minimum_version",
            ],
        ),
        (
            "pum: {module: m}\nparameters:\n  - {name: a, type: bool}\n",
            vec!["parameters[0] (a).type: must be one of boolean"],
        ),
        (
            "pum: {module: m}\napplication:\n  create:\n    - {file: a.sql, code: 'SELECT 1'}\n",
            vec!["application.create[0]: exactly one of `file` and `code`"],
        ),
        (
            "pum: {module: m}\napplication: {}\nmigration_hooks: {}\n",
            vec!["give `application` or its old name `migration_hooks`, not both"],
        ),
        (
            "parameters: []\n",
            vec!["`pum:` with `module: NAME` is missing"],
        ),
        (
            "pum: {module: m}\n  bad indent: [\n",
            vec!["m/.pum.yaml:", "not valid YAML"],
        ),
        (
            "pum: {module: m, minimum_version: 9.0.0}\n",
            vec!["needs pum 9.0.0 or newer"],
        ),
    ] {
        let command: &[&str] = if yaml.contains("minimum_version") {
            &["install"]
        } else {
            &["info"]
        };
        let err = refused(&db, yaml, &one, command);
        assert_has(&err, &needles);
    }
    let y = "pum: {module: m}\nparameters:\n  - {name: SRID, type: integer, default: 2056}\n  - {name: v, app_only: true}\n";
    for (files, needles) in [
        (
            vec![
                ("changelogs/latest/a.sql", "SELECT 1;"),
                ("changelogs/1.0.0/a.sql", "SELECT 1;"),
            ],
            vec!["m/changelogs/latest: not a version directory"],
        ),
        (
            vec![("changelogs/1.0.0/README", "x")],
            vec!["m/changelogs/1.0.0: holds no .sql file", "APP_ONLY_RELEASE"],
        ),
        (
            vec![("changelogs/1.0.0/a.sql", "SELECT 1;\nBEGIN;\n")],
            vec!["m/changelogs/1.0.0/a.sql:2: `BEGIN;` is not allowed"],
        ),
        (
            vec![(
                "changelogs/1.0.0/a.sql",
                "SELECT 1;\nSELECT '{1,2}'::int[];\n",
            )],
            vec![
                "m/changelogs/1.0.0/a.sql:2: `{1,2}` is not a parameter",
                "`{{`",
            ],
        ),
        (
            vec![("changelogs/1.0.0/a.sql", "SELECT {v};")],
            vec!["`{v}` is an app_only parameter"],
        ),
        (
            vec![("changelogs/1.0rc1/a.sql", "SELECT 1;")],
            vec!["version 1.0rc1 cannot be recorded"],
        ),
    ] {
        let err = refused(&db, y, &files, &["install"]);
        assert_has(&err, &needles);
    }
    // Parameters given wrong.
    let err = refused(
        &db,
        y,
        &one,
        &["install", "-p", "SRID", "x", "-p", "nope", "1"],
    );
    assert_has(
        &err,
        &[
            "-p SRID x: SRID is an integer parameter",
            "-p nope: the module has no such parameter; its parameters are: SRID, v",
        ],
    );
    // Not supported yet (or not possible): each names what needs it, and how to go on.
    let py_hook = "pum: {module: m}\napplication:\n  create:\n    - file: app/create_app.py\n";
    let err = refused(
        &db,
        py_hook,
        &[
            ("changelogs/1.0.0/a.sql", "SELECT 1;"),
            ("app/create_app.py", ""),
        ],
        &["install", "--python", "/nonexistent/python-for-pum"],
    );
    // Python hooks run (tests/module_hooks.rs); without an interpreter
    // that starts, nothing does.
    assert_has(&err, &["/nonexistent/python-for-pum"]);
    // A role inheriting an undefined one, a demo data set that is not
    // defined, a module without uninstall hooks: each named.
    let roles = "pum: {module: m}\nroles:\n  - name: viewer\n    inherit: reader\n    permissions: [{type: read, schemas: [public]}]\n";
    let err = refused(&db, roles, &one, &["install"]);
    assert_has(
        &err,
        &["roles[0] (viewer) inherits reader, which is not defined before it"],
    );
    let err = refused(&db, "pum: {module: m}\n", &one, &["uninstall", "--force"]);
    assert_has(&err, &["No uninstall hooks defined in the configuration"]);
    let err = refused(&db, "pum: {module: m}\n", &one, &["install", "-d", "demo"]);
    assert_has(
        &err,
        &[
            "--demo-data demo: Demo data 'demo' not found in the configuration",
            "the module defines no `demo_data:`",
        ],
    );
    // None of it touched the database.
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'pum_migrations'"),
        "0"
    );
    // Skipped, the Python hook is no obstacle.
    let _ = std::fs::remove_dir_all(db.path().join("m"));
    module(
        &db,
        "m",
        py_hook,
        &[
            ("changelogs/1.0.0/a.sql", "SELECT 1;"),
            ("app/create_app.py", ""),
        ],
    );
    db.run(&["-p", &db.name, "-d", "m", "install", "--skip-create-app"])
        .ok();
}

#[test]
fn session_settings_and_app_only_releases_follow_pum_1() {
    let db = Db::new("mod_session");
    module(
        &db,
        "m",
        "pum: {module: s}\nparameters:\n  - {name: flag, type: boolean}\n  - {name: ratio, type: decimal, default: 0.5}\n",
        &[
            // A SET in one file holds for the next, as on pum 1.x's one connection.
            ("changelogs/1.0.0/01.sql", "CREATE SCHEMA s;\nSET search_path = s;\n"),
            ("changelogs/1.0.0/02.sql", "CREATE TABLE t (b boolean DEFAULT {flag}, r numeric DEFAULT {ratio});\n"),
            ("changelogs/1.1.0/APP_ONLY_RELEASE", ""),
        ],
    );
    db.run(&["-p", &db.name, "-d", "m", "install", "-p", "ratio", "-2"])
        .ok();
    assert_eq!(db.scalar("SELECT count(*) FROM s.t"), "0");
    assert_eq!(
        db.rows("SELECT version, changelog_files::text, parameters::text FROM pum_migrations ORDER BY version"),
        [
            "1.0.0|{m/changelogs/1.0.0/01.sql,m/changelogs/1.0.0/02.sql}|{\"flag\": null, \"ratio\": -2.0}",
            "1.1.0|{}|{\"flag\": null, \"ratio\": -2.0}"
        ]
    );
    assert_eq!(
        db.scalar("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 's.t'::regclass AND adnum = 2"),
        "'-2.0'::numeric"
    );
}

#[test]
fn older_table_versions_are_read_and_brought_to_version_3() {
    let db = Db::new("mod_tables");
    let files: &[(&str, &str)] = &[
        ("changelogs/1.0.0/a.sql", "CREATE TABLE public.a (i int);"),
        ("changelogs/1.1.0/a.sql", "CREATE TABLE public.b (i int);"),
    ];
    module(
        &db,
        "m",
        "pum: {module: tww, migration_table_schema: v1}\n",
        files,
    );
    module(
        &db,
        "n",
        "pum: {module: tww, migration_table_schema: v2}\n",
        files,
    );
    // Version 1: module nullable, migration_table_version text.
    db.exec(
        "CREATE TABLE public.a (i int); CREATE SCHEMA v1; \
         CREATE TABLE v1.pum_migrations (id uuid DEFAULT gen_random_uuid() PRIMARY KEY, \
         date_installed timestamp NOT NULL DEFAULT now(), module character varying(50), \
         version character varying(50) NOT NULL, beta_testing boolean NOT NULL DEFAULT false, \
         changelog_files text[], parameters jsonb, \
         migration_table_version character varying(50) NOT NULL DEFAULT '2025.0'); \
         INSERT INTO v1.pum_migrations (version, changelog_files, parameters) VALUES ('1.0.0', '{x}', '{}')",
    );
    let r = db.run(&["-p", &db.name, "-d", "m", "info"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            "(table version 1)",
            "current version: 1.0.0",
            "| 1.1.0   | pending",
        ],
    );
    db.run(&["-p", &db.name, "-d", "m", "upgrade"]).ok();
    assert_eq!(
        db.rows("SELECT module, version, migration_table_version, pum_version IS NULL FROM v1.pum_migrations ORDER BY version"),
        ["tww|1.0.0|1|t", "tww|1.1.0|3|f"]
    );
    assert_eq!(
        db.rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'v1' AND column_name IN ('module', 'migration_table_version', 'pum_version') ORDER BY 1"),
        ["migration_table_version|integer|NO", "module|character varying|NO", "pum_version|character varying|YES"]
    );
    assert_eq!(
        db.scalar("SELECT obj_description('v1.pum_migrations'::regclass)"),
        "migration_table_version: 3"
    );
    // Version 2: no pum_version.
    db.exec(
        "DROP TABLE public.b; CREATE SCHEMA v2; \
         CREATE TABLE v2.pum_migrations (id uuid DEFAULT gen_random_uuid() PRIMARY KEY, \
         date_installed timestamp NOT NULL DEFAULT now(), module character varying(50) NOT NULL, \
         version character varying(50) NOT NULL, beta_testing boolean NOT NULL DEFAULT false, \
         changelog_files text[], parameters jsonb, migration_table_version integer NOT NULL DEFAULT 2); \
         INSERT INTO v2.pum_migrations (module, version) VALUES ('tww', '1.0.0')",
    );
    db.run(&["-p", &db.name, "-d", "n", "upgrade"]).ok();
    assert_eq!(
        db.rows("SELECT version, migration_table_version FROM v2.pum_migrations ORDER BY version"),
        ["1.0.0|2", "1.1.0|3"]
    );
}

#[test]
fn baseline_records_a_version_without_running_anything() {
    let db = Db::new("mod_baseline");
    module(
        &db,
        "m",
        "pum: {module: b, migration_table_schema: b_sys}\n",
        &[
            (
                "changelogs/1.0.0/a.sql",
                "CREATE TABLE public.never (i int);",
            ),
            (
                "changelogs/1.1.0/a.sql",
                "CREATE TABLE public.after (i int);",
            ),
        ],
    );
    let p = db.name.as_str();
    let r = db.run(&["-p", p, "-d", "m", "baseline", "-b", "1.0.0"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["b_sys.pum_migrations does not exist", "--create-table"],
    );
    let r = db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "baseline",
        "-b",
        "1.0.0.0",
        "--create-table",
    ]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["X.Y or X.Y.Z"]);
    db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "baseline",
        "-b",
        "1.0.0",
        "--create-table",
    ])
    .ok();
    let r = db.run(&["-p", p, "-d", "m", "baseline", "-b", "1.0"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["cannot record version 1.0", "at version 1.0.0 already"],
    );
    assert_eq!(
        db.rows(
            "SELECT version, changelog_files::text, parameters::text FROM b_sys.pum_migrations"
        ),
        ["1.0.0|{}|{}"]
    );
    db.run(&["-p", p, "-d", "m", "upgrade"]).ok();
    assert_eq!(db.scalar("SELECT to_regclass('public.never') IS NULL"), "t");
    assert_eq!(
        db.scalar("SELECT to_regclass('public.after') IS NOT NULL"),
        "t"
    );
}

#[test]
fn command_lines_are_told_apart() {
    let db = Db::new("mod_argv");
    let _roles = example(&db);
    // pum 0.x's spelling on a module directory: told how to write it.
    let r = db.run(&["upgrade", "-p", &db.name, "-t", "a.b", "-d", "m"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["m is a pum 1.x module", "pum -p SERVICE -d m upgrade"],
    );
    // -c names the file; the module directory is the file's.
    db.run(&["-c", "m/.pum.yaml", "-p", &db.name, "install"])
        .ok();
    // No connection before the command.
    let r = db.run(&["-d", "m", "info"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["give -p SERVICE before the command"]);
    // pum 0.x command lines stay pum 0.x's.
    db.run(&[
        "info",
        "-p",
        &db.name,
        "-t",
        "public.info",
        "-d",
        "m/changelogs",
    ])
    .expect_code(2);
    let r = db.run(&["-p", &db.name, "-d", "m", "install", "--help"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &["--skip-create-app", "-p, --parameter <NAME> <VALUE>"],
    );
}

/// `has_*_privilege` of a role, as "t"/"f".
fn can(db: &Db, what: &str, role: &str, object: &str, privilege: &str) -> String {
    db.scalar(&format!(
        "SELECT has_{what}_privilege('{role}', '{object}', '{privilege}')"
    ))
}

#[test]
fn install_creates_the_roles_and_grants_their_permissions() {
    let db = Db::new("mod_roles");
    let roles = example(&db);
    let (viewer, user) = (roles.name("viewer"), roles.name("user"));
    let p = db.name.as_str();
    let r = db.run(&["-p", p, "-d", "m", "install"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            &format!("Roles created: {viewer}, {user}."),
            &format!("Permissions granted to roles: {viewer}, {user}."),
        ],
    );
    // Created as pum 1.x creates them, with their description.
    assert_eq!(
        db.scalar(&format!(
            "SELECT rolsuper::text || rolinherit::text || rolcreatedb::text || rolcanlogin::text \
             || ' ' || shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = '{user}'"
        )),
        "falsetruefalsefalse Edits the network."
    );
    // The user inherits the viewer.
    assert_eq!(
        db.scalar(&format!(
            "SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid \
             JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = '{user}'"
        )),
        viewer
    );
    // read: usage and select on both schemas; write: everything on wn_od.
    assert_eq!(can(&db, "schema", &viewer, "wn_app", "USAGE"), "t");
    assert_eq!(can(&db, "schema", &viewer, "wn_od", "CREATE"), "f");
    assert_eq!(can(&db, "table", &viewer, "wn_od.node", "SELECT"), "t");
    assert_eq!(can(&db, "table", &viewer, "wn_app.vw_pipe", "SELECT"), "t");
    assert_eq!(can(&db, "table", &viewer, "wn_od.node", "INSERT"), "f");
    assert_eq!(can(&db, "schema", &user, "wn_od", "CREATE"), "t");
    assert_eq!(can(&db, "table", &user, "wn_od.valve", "DELETE"), "t");
    assert_eq!(
        can(&db, "sequence", &user, "wn_od.node_id_seq", "UPDATE"),
        "t"
    );
    // Default privileges: a table created later is readable by the viewer.
    db.exec("CREATE TABLE wn_od.later (id int)");
    assert_eq!(can(&db, "table", &viewer, "wn_od.later", "SELECT"), "t");
    // The application's schema is recreated by the hooks: `app recreate`
    // grants again, `--skip-grant` does not.
    let r = db.run(&["-p", p, "-d", "m", "app", "recreate", "--skip-grant"]);
    r.ok();
    assert_has(&r.stdout(), &["app recreate: 2 hook(s) of waternet ran"]);
    assert_eq!(can(&db, "schema", &viewer, "wn_app", "USAGE"), "f");
    db.run(&["-p", p, "-d", "m", "app", "recreate"]).ok();
    assert_eq!(can(&db, "table", &viewer, "wn_app.vw_pipe", "SELECT"), "t");
    // An upgrade grants again, and asserts a revoked membership.
    db.exec(&format!(
        "REVOKE \"{viewer}\" FROM \"{user}\"; REVOKE ALL ON SCHEMA wn_app FROM \"{viewer}\""
    ));
    let r = db.run(&["-p", p, "-d", "m", "upgrade"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[&format!("Permissions granted to roles: {viewer}, {user}.")],
    );
    assert_eq!(can(&db, "schema", &viewer, "wn_app", "USAGE"), "t");
    assert_eq!(
        db.scalar(&format!(
            "SELECT pg_has_role('{user}', '{viewer}', 'MEMBER')"
        )),
        "t"
    );
}

#[test]
fn skip_roles_and_skip_grant_follow_pum_1() {
    let db = Db::new("mod_skiproles");
    let roles = example(&db);
    let (viewer, user) = (roles.name("viewer"), roles.name("user"));
    let p = db.name.as_str();
    let exists = |r: &str| {
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{r}'"
        ))
    };
    // Both skipped: no role.
    db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "install",
        "--skip-roles",
        "--skip-grant",
    ])
    .ok();
    assert_eq!(exists(&viewer), "0");
    // An upgrade with --skip-grant creates none either.
    db.run(&["-p", p, "-d", "m", "upgrade", "--skip-grant"])
        .ok();
    assert_eq!(exists(&viewer), "0");
    db.exec("DROP SCHEMA wn_sys, wn_od, wn_app CASCADE");
    // --skip-roles alone: pum 1.x still creates the roles to grant them.
    db.run(&["-p", p, "-d", "m", "install", "--skip-roles"])
        .ok();
    assert_eq!(exists(&user), "1");
    assert_eq!(can(&db, "schema", &viewer, "wn_od", "USAGE"), "t");
    db.exec("DROP SCHEMA wn_sys, wn_od, wn_app CASCADE");
    db.exec(&format!(
        "DROP ROLE \"{user}\"; DROP OWNED BY \"{viewer}\"; DROP ROLE \"{viewer}\""
    ));
    // --skip-grant alone: created, nothing granted.
    let r = db.run(&["-p", p, "-d", "m", "install", "--skip-grant"]);
    r.ok();
    assert!(
        !r.stdout().contains("Permissions granted"),
        "{}",
        r.stdout()
    );
    assert_eq!(exists(&user), "1");
    assert_eq!(can(&db, "schema", &viewer, "wn_od", "USAGE"), "f");
}

#[test]
fn role_configuration_errors_and_missing_schemas() {
    let db = Db::new("mod_rolebad");
    let r1 = format!("{}_a", db.name);
    let r2 = format!("{}_b", db.name);
    let _roles = Roles::of(&db, &[]);
    // A role inheriting one defined after it: refused before anything.
    module(
        &db,
        "m",
        &format!(
            "pum: {{module: m}}\nroles:\n  - {{name: {r2}, inherit: {r1}, permissions: [{{type: write, schemas: [s]}}]}}\n  - {{name: {r1}, permissions: [{{type: read, schemas: [s]}}]}}\n"
        ),
        &[("changelogs/1.0.0/a.sql", "CREATE SCHEMA s;")],
    );
    let r = db.run(&["-p", &db.name, "-d", "m", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            &format!("roles[0] ({r2}) inherits {r1}, which is not defined before it"),
            "Nothing was changed",
        ],
    );
    assert_eq!(
        db.scalar("SELECT to_regclass('public.pum_migrations') IS NULL"),
        "t"
    );
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('{r1}', '{r2}')"
        )),
        "0"
    );
    // The roles are created in the install's transaction: a failing
    // changelog leaves none.
    module(
        &db,
        "f",
        &format!(
            "pum: {{module: f}}\nroles:\n  - {{name: {r1}, permissions: [{{type: read, schemas: [s]}}]}}\n"
        ),
        &[
            ("changelogs/1.0.0/a.sql", "CREATE SCHEMA s;"),
            ("changelogs/1.1.0/a.sql", "SELECT 1/0;"),
        ],
    );
    let r = db.run(&["-p", &db.name, "-d", "f", "install"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["division by zero", "everything was rolled back"],
    );
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{r1}'"
        )),
        "0"
    );
    // A permission on a schema that does not exist: skipped with pum 1.x's warning.
    module(
        &db,
        "n",
        &format!(
            "pum: {{module: n}}\nroles:\n  - {{name: {r1}, permissions: [{{type: read, schemas: [s, nope]}}]}}\n"
        ),
        &[("changelogs/1.0.0/a.sql", "CREATE SCHEMA s; CREATE TABLE s.t (i int);")],
    );
    let r = db.run(&["-p", &db.name, "-d", "n", "install"]);
    r.ok();
    assert_has(
        &r.stderr(),
        &[&format!(
            "Schema nope does not exist; skipping grant of read permission to role {r1}."
        )],
    );
    assert_eq!(can(&db, "table", &r1, "s.t", "SELECT"), "t");
    // A failing grant (the role was dropped behind pum's back) rolls back the hooks too.
    db.exec(&format!("DROP OWNED BY \"{r1}\"; DROP ROLE \"{r1}\""));
    db.write("n/app.sql", "CREATE TABLE s.app (i int);");
    let yaml = std::fs::read_to_string(db.path().join("n/.pum.yaml")).unwrap();
    db.write(
        "n/.pum.yaml",
        &format!("{yaml}application:\n  create:\n    - file: app.sql\n"),
    );
    let r = db.run(&["-p", &db.name, "-d", "n", "app", "create"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["does not exist"]);
    assert_eq!(db.scalar("SELECT to_regclass('s.app') IS NULL"), "t");
}

#[test]
fn role_commands() {
    let db = Db::new("mod_rolecmd");
    let roles = example(&db);
    let (viewer, user) = (roles.name("viewer"), roles.name("user"));
    let login = roles.name("login");
    let p = db.name.as_str();
    let role = |args: &[&str]| {
        let mut all = vec!["-p", p, "-d", "m", "role"];
        all.extend_from_slice(args);
        db.run(&all)
    };
    db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "install",
        "--skip-roles",
        "--skip-grant",
    ])
    .ok();
    // list before: both missing.
    let r = role(&["list"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            &format!("✗ {viewer}  (missing)"),
            &format!("✗ {user}  (missing)"),
        ],
    );
    // create: the roles and their permissions.
    let r = role(&["create"]);
    r.ok();
    assert_has(&r.stdout(), &[&format!("Roles created: {viewer}, {user}")]);
    assert_eq!(can(&db, "table", &user, "wn_od.node", "INSERT"), "t");
    let r = role(&["list"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            &format!("✓ {viewer}\n"),
            "✓ wn_od  (read)",
            &format!("member of: {viewer}"),
            "✓ wn_od  (read, write)",
        ],
    );
    // DB-specific roles: created with the permissions, inheriting each other.
    let r = role(&["create", "--suffix", "lausanne"]);
    r.ok();
    assert_eq!(
        db.scalar(&format!(
            "SELECT pg_has_role('{user}_lausanne', '{viewer}_lausanne', 'MEMBER')"
        )),
        "t"
    );
    assert_eq!(
        can(
            &db,
            "table",
            &format!("{viewer}_lausanne"),
            "wn_od.node",
            "SELECT"
        ),
        "t"
    );
    assert_has(
        &role(&["list"]).stdout(),
        &[&format!("{viewer}_lausanne  [suffixed]")],
    );
    // Login roles and membership.
    role(&["create-login", "--name", &login]).ok();
    assert_has(&role(&["login-roles"]).stdout(), &[&format!("  {login}\n")]);
    let r = role(&["grant", "--to", &login, "--roles", &viewer]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[&format!("Roles granted to {login}: {viewer}.")],
    );
    assert_eq!(
        role(&["members", "--roles", &viewer]).stdout(),
        format!("  {login}\n")
    );
    assert_has(
        &role(&["list"]).stdout(),
        &[
            "Grantee roles (members of configured roles):",
            &format!("→ {login} [login]"),
        ],
    );
    role(&["revoke", "--from", &login, "--roles", &viewer]).ok();
    let r = role(&["members", "--roles", &viewer]);
    r.ok();
    assert_has(
        &r.stderr(),
        &[&format!("No login members found for role '{viewer}'.")],
    );
    role(&["drop-login", "--name", &login]).ok();
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{login}'"
        )),
        "0"
    );
    // revoke: permissions and memberships go.
    role(&["revoke", "--roles", &user]).ok();
    assert_eq!(can(&db, "table", &user, "wn_od.node", "INSERT"), "f");
    assert_eq!(
        db.scalar(&format!(
            "SELECT pg_has_role('{user}', '{viewer}', 'MEMBER')"
        )),
        "f"
    );
    // grant: back again (the membership is create's).
    role(&["grant", "--roles", &user]).ok();
    assert_eq!(can(&db, "table", &user, "wn_od.node", "INSERT"), "t");
    // Errors, each named, nothing changed.
    let r = role(&["grant", "--roles", "nope"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[&format!(
            "Unknown role(s): nope. Configured roles: {viewer}, {user}"
        )],
    );
    let r = role(&["members"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["--roles with exactly one role name is required for the 'members' action."],
    );
    let r = role(&["create-login"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["--name is required for the 'create-login' action."],
    );
    let r = role(&["frobnicate"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["invalid value 'frobnicate'"]);
    // A role owning an object cannot be dropped without --force: the
    // whole drop rolls back.
    db.exec(&format!(
        "CREATE TABLE wn_od.owned (i int); ALTER TABLE wn_od.owned OWNER TO \"{user}\""
    ));
    let r = role(&["drop"]);
    r.expect_code(2);
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('{viewer}', '{user}')"
        )),
        "2"
    );
    assert_eq!(can(&db, "table", &viewer, "wn_od.node", "SELECT"), "t");
    let r = role(&["drop", "--force"]);
    r.ok();
    assert_has(&r.stdout(), &[&format!("Roles dropped: {viewer}, {user}.")]);
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('{viewer}', '{user}')"
        )),
        "0"
    );
    assert_eq!(
        db.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'owned'"),
        "postgres"
    );
    // Only the suffixed ones with --suffix.
    role(&["drop", "--suffix", "lausanne"]).ok();
    assert_eq!(
        db.scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE '{viewer}_lausanne'"
        )),
        "0"
    );
}

#[test]
fn uninstall_runs_the_uninstall_hooks_in_one_transaction() {
    let db = Db::new("mod_uninstall");
    let _roles = example(&db);
    let p = db.name.as_str();
    db.run(&["-p", p, "-d", "m", "install"]).ok();
    // No confirmation possible: refused, nothing changed.
    let r = db.run(&["-p", p, "-d", "m", "uninstall"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["This will execute uninstall hooks", "give --force"],
    );
    assert_eq!(
        db.scalar("SELECT to_regclass('wn_sys.pum_migrations') IS NOT NULL"),
        "t"
    );
    // Answered no: cancelled.
    let run_with = |answer: &str| {
        use std::io::Write;
        let mut child = db
            .pum()
            .args(["-p", p, "-d", "m", "uninstall"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        common::Run(child.wait_with_output().unwrap())
    };
    let r = run_with("no\n");
    r.ok();
    assert_has(&r.stderr(), &["Uninstall cancelled."]);
    assert_eq!(
        db.scalar("SELECT to_regclass('wn_od.node') IS NOT NULL"),
        "t"
    );
    // A failing hook rolls back the ones before it.
    let sql = std::fs::read_to_string(db.path().join("m/uninstall.sql")).unwrap();
    db.write("m/uninstall.sql", &format!("{sql}SELECT 1/0;\n"));
    let r = db.run(&["-p", p, "-d", "m", "uninstall", "--force"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "m/uninstall.sql",
            "division by zero",
            "everything was rolled back",
        ],
    );
    assert_eq!(
        db.scalar("SELECT to_regclass('wn_od.node') IS NOT NULL"),
        "t"
    );
    db.write("m/uninstall.sql", &sql);
    // Answered yes: the hooks drop everything, pum_migrations included.
    let r = run_with("y\n");
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            "uninstall: 1 hook(s) of waternet ran",
            "Uninstall completed successfully.",
        ],
    );
    assert_eq!(
        db.scalar(
            "SELECT count(*) FROM pg_namespace WHERE nspname IN ('wn_od', 'wn_app', 'wn_sys')"
        ),
        "0"
    );
    // A module without uninstall hooks: pum 1.x's error.
    module(
        &db,
        "n",
        "pum: {module: n}\n",
        &[("changelogs/1.0.0/a.sql", "SELECT 1;")],
    );
    let r = db.run(&["-p", p, "-d", "n", "uninstall", "--force"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["No uninstall hooks defined in the configuration. Add 'uninstall' section"],
    );
}

#[test]
fn app_runs_the_hooks_alone() {
    let db = Db::new("mod_app");
    let roles = example(&db);
    let viewer = roles.name("viewer");
    let p = db.name.as_str();
    db.run(&["-p", p, "-d", "m", "install", "-p", "lang", "de"])
        .ok();
    let rows = db.rows(ROWS);
    // drop: the application goes, nothing else; no grant, no row.
    let r = db.run(&["-p", p, "-d", "m", "app", "drop"]);
    r.ok();
    assert_has(&r.stdout(), &["app drop: 1 hook(s) of waternet ran"]);
    assert_eq!(db.scalar("SELECT to_regnamespace('wn_app') IS NULL"), "t");
    // create: with an app_only parameter, granted again.
    let r = db.run(&["-p", p, "-d", "m", "app", "create", "-p", "lang", "fr"]);
    r.ok();
    assert_has(
        &r.stdout(),
        &["app create: 1 hook(s)", "Permissions granted to roles"],
    );
    assert_eq!(
        db.scalar("SELECT label FROM wn_app.vw_pipe UNION ALL SELECT 'conduite' LIMIT 1"),
        "conduite"
    );
    assert_eq!(can(&db, "schema", &viewer, "wn_app", "USAGE"), "t");
    assert_eq!(db.rows(ROWS), rows);
    // JSON: the hooks that ran and the roles granted.
    let r = db.run(&["-p", p, "-d", "m", "app", "recreate", "--format", "json"]);
    r.ok();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(doc["command"], "app recreate");
    assert_eq!(doc["ran"].as_array().unwrap().len(), 2);
    assert_eq!(doc["ran"][0]["step"]["kind"], "drop-hook");
    assert_eq!(doc["granted"][0], viewer.as_str());
    let r = db.run(&["-p", p, "-d", "m", "role", "list", "--format", "json"]);
    r.ok();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(doc["configured"][0]["name"], viewer.as_str());
    assert_eq!(doc["configured"][0]["schemas"][1]["read"], true);
    // A standard parameter that differs from the recorded one: refused.
    let r = db.run(&["-p", p, "-d", "m", "app", "recreate", "-p", "SRID", "4326"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "parameter SRID is 4326 here but was 2056",
            "Nothing was changed",
        ],
    );
    assert_eq!(
        db.scalar("SELECT to_regnamespace('wn_app') IS NOT NULL"),
        "t"
    );
    // Unknown parameter, unknown action.
    let r = db.run(&["-p", p, "-d", "m", "app", "create", "-p", "nope", "1"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["nope"]);
    db.run(&["-p", p, "-d", "m", "app", "rebuild"])
        .expect_code(2);
    // A failing create hook after the drop hook: both rolled back.
    db.write(
        "m/app/create_views.sql",
        "CREATE SCHEMA wn_app; SELECT 1/0;",
    );
    let r = db.run(&["-p", p, "-d", "m", "app", "recreate"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["create_views.sql", "division by zero"]);
    assert_eq!(
        db.scalar("SELECT to_regclass('wn_app.vw_pipe') IS NOT NULL"),
        "t"
    );
    // A Python hook and an interpreter without psycopg 3 (this test's):
    // refused before anything runs (tests/module_hooks.rs runs app with
    // Python hooks).
    db.write("m/app/py_hook.py", "");
    let yaml = std::fs::read_to_string(db.path().join("m/.pum.yaml")).unwrap();
    db.write(
        "m/.pum.yaml",
        &yaml.replace(
            "    - file: app/create_views.sql",
            "    - file: app/py_hook.py",
        ),
    );
    let r = db.run(&["-p", p, "-d", "m", "app", "recreate"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "the module's Python hooks need psycopg 3",
            "Nothing was changed",
        ],
    );
    assert_eq!(
        db.scalar("SELECT to_regclass('wn_app.vw_pipe') IS NOT NULL"),
        "t"
    );
}

#[test]
fn install_loads_demo_data() {
    let db = Db::new("mod_demo");
    let _roles = example(&db);
    let p = db.name.as_str();
    // An unknown name: refused before anything runs.
    let r = db.run(&["-p", p, "-d", "m", "install", "--demo-data", "big_city"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &[
            "Demo data 'big_city' not found in the configuration",
            "its demo data sets are small_town",
            "Nothing was changed",
        ],
    );
    assert_eq!(db.scalar("SELECT to_regnamespace('wn_sys') IS NULL"), "t");
    // A failing demo file: the install stays, the demo data is rolled back.
    let good = std::fs::read_to_string(db.path().join("m/demo_data/small_town.sql")).unwrap();
    db.write(
        "m/demo_data/small_town.sql",
        &format!("{good}INSERT INTO wn_od.nope VALUES (1);\n"),
    );
    let r = db.run(&["-p", p, "-d", "m", "install", "-d", "small_town"]);
    r.expect_code(2);
    assert_has(&r.stderr(), &["small_town.sql", "wn_od.nope", "waternet 1.1.0 is installed and committed; only the demo data small_town was rolled back"]);
    assert_eq!(db.rows(ROWS).len(), 2);
    assert_eq!(db.scalar("SELECT count(*) FROM wn_od.node"), "0");
    assert_eq!(
        db.scalar("SELECT to_regclass('wn_app.vw_pipe') IS NOT NULL"),
        "t"
    );
    db.exec("DROP SCHEMA wn_sys, wn_od, wn_app CASCADE");
    // The demo data, with the parameters, then the hooks again.
    db.write("m/demo_data/small_town.sql", &good);
    let r = db.run(&[
        "-p",
        p,
        "-d",
        "m",
        "install",
        "--demo-data",
        "small_town",
        "-p",
        "SRID",
        "2057",
    ]);
    r.ok();
    assert_has(
        &r.stdout(),
        &[
            "Installed waternet",
            "Demo data 'small_town' installed successfully.",
        ],
    );
    assert_eq!(
        db.scalar("SELECT count(*) || ' ' || min(srid) FROM wn_od.node"),
        "3 2057"
    );
    assert_eq!(db.scalar("SELECT count(*) FROM wn_app.vw_pipe"), "2");
    // A demo file that is missing is named before anything runs.
    db.exec("DROP SCHEMA wn_sys, wn_od, wn_app CASCADE");
    std::fs::remove_file(db.path().join("m/demo_data/small_town.sql")).unwrap();
    let r = db.run(&["-p", p, "-d", "m", "install", "--demo-data", "small_town"]);
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["small_town.sql: a file of the demo data small_town does not exist"],
    );
    assert_eq!(db.scalar("SELECT to_regnamespace('wn_sys') IS NULL"), "t");
}
