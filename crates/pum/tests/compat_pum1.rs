//! Compatibility with Python pum 1.x (the format of the TEKSI data models):
//! a module installed by one tool is upgraded by the other, with the same
//! `pum_migrations` rows, the same schema and the same roles, memberships
//! and privileges; `app`, `uninstall`, `role` and demo data run by either
//! tool after an install by the other leave what pum 1.x leaves, and `role
//! list` prints what it prints; and pum 1.9.2's own readers
//! (its SQL splitting and `{name}` formatting, its `.pum.yaml` model) agree
//! with ours on many inputs.
//!
//! Python pum 1.x is found through `PUM1` (path to its `pum` executable) or
//! at `target/pum1-venv/bin/pum` (what `scripts/setup.sh --tests` installs).
//! Without it the tests are skipped, except on CI (env `CI` set) where they
//! fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{assert_has, Db, Run};
use pum_core::module::{params, sql};

const INSTALL_HINT: &str = "run `scripts/setup.sh --tests` (it installs pum==1.9.2 and \
     psycopg[binary] into target/pum1-venv), or set PUM1 to the path of a pum 1.x `pum`";

fn python_pum() -> Option<PathBuf> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let path = match std::env::var_os("PUM1") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pum1-venv/bin/pum"),
        };
        if !path.is_file() {
            return Err(format!(
                "no executable at {}; {INSTALL_HINT}",
                path.display()
            ));
        }
        let out = Command::new(&path)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("pum 1."),
            "{} is not Python pum 1.x (`--version` said {text:?}); {INSTALL_HINT}",
            path.display()
        );
        Ok(path)
    });
    match found {
        Ok(p) => Some(p.clone()),
        Err(msg) if std::env::var_os("CI").is_some() => {
            panic!("Python pum 1.x not found: {msg} (these tests are mandatory on CI)")
        }
        Err(msg) => {
            eprintln!("skipping: Python pum 1.x not found: {msg}");
            None
        }
    }
}

/// The interpreter of the venv holding Python pum 1.x.
fn python_of(exe: &Path) -> PathBuf {
    exe.with_file_name("python")
}

/// Runs Python pum 1.x on `db`: same service file and directory as `db.run`.
fn py(db: &Db, exe: &Path, args: &[&str]) -> Run {
    Run(Command::new(exe)
        .args(args)
        .env("PGSERVICEFILE", &db.service_file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_COLOR", "1")
        .env("PUM_CACHE_DIR", db.path().join(".pum-cache"))
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGDATABASE")
        .env_remove("PGSERVICE")
        .env_remove("PGUSER")
        .current_dir(db.path())
        .output()
        .expect("run Python pum 1.x"))
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

/// The example module as `m/`, plus an application-only release and a
/// boolean parameter without default (null for both tools); its roles
/// are named after `roles` (see [`Roles`]).
fn module(db: &Db, roles: &Roles) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/pum1-module");
    copy_dir(&src, &db.path().join("m"));
    db.write("m/changelogs/1.2.0/APP_ONLY_RELEASE", "");
    let yaml = std::fs::read_to_string(db.path().join("m/.pum.yaml")).unwrap();
    db.write(
        "m/.pum.yaml",
        &yaml.replace(
            "parameters:\n",
            "parameters:\n  - name: audit\n    type: boolean\n  - name: ratio\n    type: decimal\n    default: 1\n",
        )
        .replace("waternet_viewer", &roles.name("viewer"))
        .replace("waternet_user", &roles.name("user")),
    );
}

/// The example's roles for one test (roles are cluster-wide: each test
/// has its own, shared by its databases so that their privileges compare
/// alike). Declared before the test's databases, it is dropped after
/// them, and drops the roles (and their DB-specific variants).
struct Roles(String);

impl Roles {
    fn new(test: &str) -> Roles {
        Roles(format!("{test}_{}", std::process::id()))
    }

    fn name(&self, short: &str) -> String {
        format!("{}_{short}", self.0)
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        let conninfo = match common::cluster().lock() {
            Ok(s) => s.conninfo("postgres"),
            Err(_) => return,
        };
        let target = pum_core::pg::ConnTarget::parse(&conninfo).unwrap();
        let Ok(mut c) = pum_core::pg::Conn::connect(&target, "pum-tests") else {
            return;
        };
        let like = format!("{}\\_%", self.0.replace('_', "\\_"));
        let Ok(rows) = c.query(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY length(rolname) DESC",
            &[Some(&like)],
        ) else {
            return;
        };
        for r in rows.rows.into_iter().filter_map(|r| r[0].clone()) {
            let _ = c.execute(&format!(
                "DROP ROLE IF EXISTS {}",
                pum_core::pg::quote_ident(&r)
            ));
        }
    }
}

/// The roles' attributes, memberships and privileges on every object of
/// the module's schemas (ACL items sorted), one line each.
fn privileges(db: &Db, roles: &Roles) -> Vec<String> {
    let like = format!("{}\\_%", roles.0.replace('_', "\\_"));
    db.rows(&format!(
        "WITH r AS (SELECT oid, rolname FROM pg_roles WHERE rolname LIKE '{like}'), \
         acl(kind, name, acl) AS ( \
           SELECT 'schema', nspname::text, nspacl FROM pg_namespace WHERE nspname LIKE 'wn\\_%' \
           UNION ALL SELECT 'rel', n.nspname || '.' || c.relname, c.relacl FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'wn\\_%' \
           UNION ALL SELECT 'proc', n.nspname || '.' || p.proname, p.proacl FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname LIKE 'wn\\_%' \
           UNION ALL SELECT 'default ' || d.defaclobjtype::text, coalesce(n.nspname, '-'), d.defaclacl \
             FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace) \
         SELECT 'role ' || rolname || ' ' || (SELECT rolsuper::text || rolinherit::text || \
           rolcreaterole::text || rolcreatedb::text || rolcanlogin::text FROM pg_roles p \
           WHERE p.oid = r.oid) || ' ' || coalesce(shobj_description(oid, 'pg_authid'), '-') FROM r \
         UNION ALL SELECT 'member ' || m.rolname || ' of ' || g.rolname FROM pg_auth_members a \
           JOIN r m ON m.oid = a.member JOIN r g ON g.oid = a.roleid \
         UNION ALL SELECT kind || ' ' || name || ' ' || coalesce((SELECT string_agg(i::text, ',' \
           ORDER BY i::text) FROM unnest(acl) i WHERE i::text LIKE '%{like}%'), '') \
           FROM acl \
         ORDER BY 1"
    ))
}

/// Every column both tools must write alike (the pum of each row by its
/// pum 1.x level: ours adds a local label).
const ROWS: &str =
    "SELECT module, version, beta_testing, changelog_files::text, parameters::text, \
                    migration_table_version, split_part(pum_version, '+', 1) \
                    FROM wn_sys.pum_migrations ORDER BY date_installed";

#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Python,
    Ours,
}

fn step(db: &Db, exe: &Path, tool: Tool, args: &[&str]) {
    let mut all = vec!["-p", db.name.as_str(), "-d", "m"];
    all.extend_from_slice(args);
    let r = match tool {
        Tool::Python => py(db, exe, &all),
        Tool::Ours => db.run(&all),
    };
    assert_eq!(
        r.code(),
        0,
        "{} {all:?}\n{}{}",
        if tool == Tool::Python {
            "pum 1.x"
        } else {
            "ours"
        },
        r.stdout(),
        r.stderr()
    );
}

/// Installs 1.0.0 with one tool, upgrades with the other (with a changed
/// app_only parameter and a decimal given on the command line).
fn install_upgrade(exe: &Path, name: &str, roles: &Roles, first: Tool, second: Tool) -> Db {
    let db = Db::new(name);
    module(&db, roles);
    step(
        &db,
        exe,
        first,
        &["install", "--max-version", "1.0.0", "-p", "ratio", "2.5"],
    );
    db.exec("INSERT INTO wn_od.node (name) VALUES ('a'), ('b'); INSERT INTO wn_od.pipe (from_node, to_node, diameter) VALUES (1, 2, 110)");
    step(
        &db,
        exe,
        second,
        &["upgrade", "-p", "lang", "de", "-p", "ratio", "2.5"],
    );
    db
}

#[test]
fn a_module_moves_between_the_tools_in_both_directions() {
    let Some(exe) = python_pum() else { return };
    let roles = Roles::new("pum1_moves");
    let reference = install_upgrade(&exe, "pum1_ref", &roles, Tool::Python, Tool::Python);
    let grants = privileges(&reference, &roles);
    assert_has(
        &grants.join("\n"),
        &[
            &format!("member {} of {}", roles.name("user"), roles.name("viewer")),
            &format!("rel wn_od.node {}=arwdDxt", roles.name("user")),
            &format!("default r wn_od {}=arwdDxt", roles.name("user")),
            &format!("schema wn_app {}=U/postgres", roles.name("viewer")),
        ],
    );
    let rows = reference.rows(ROWS);
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert_eq!(
        rows[0],
        "waternet|1.0.0|f|{m/changelogs/1.0.0/01_schema.sql,m/changelogs/1.0.0/02_data.sql}|\
         {\"SRID\": 2056, \"lang\": \"en\", \"audit\": null, \"ratio\": 2.5}|3|1.9.2"
    );
    assert!(rows[2].starts_with("waternet|1.2.0|f|{}|"), "{}", rows[2]);
    for (name, first, second) in [
        ("pum1_py_ours", Tool::Python, Tool::Ours),
        ("pum1_ours_py", Tool::Ours, Tool::Python),
        ("pum1_ours", Tool::Ours, Tool::Ours),
    ] {
        let db = install_upgrade(&exe, name, &roles, first, second);
        assert_eq!(
            db.rows(ROWS),
            rows,
            "{name}: rows differ from pum 1.x's own"
        );
        // The same roles, memberships and privileges (default ones too).
        assert_eq!(
            privileges(&db, &roles),
            grants,
            "{name}: privileges differ from pum 1.x's own"
        );
        assert_eq!(
            db.column("SELECT label FROM wn_app.vw_pipe"),
            ["Leitung"],
            "{name}"
        );
        // The same schema, the migrations table included.
        let r = db.run(&["check", "-p1", &reference.conninfo, "-p2", &db.conninfo]);
        assert_eq!(r.code(), 0, "{name}: schemas differ\n{}", r.stdout());
        // Each tool reads what the other wrote.
        let info = py(&db, &exe, &["-p", &db.name, "-d", "m", "info"]);
        assert_has(&info.all(), &["Version: 1.2.0"]);
        let ours = db.run(&["-p", &db.name, "-d", "m", "info", "--exit-code"]);
        ours.ok();
        assert_has(
            &ours.stdout(),
            &["current version: 1.2.0", "No changelog pending"],
        );
    }
}

#[test]
fn pum_1_upgrades_a_table_we_brought_from_version_2() {
    let Some(exe) = python_pum() else { return };
    let roles = Roles::new("pum1_tablev2");
    let db = Db::new("pum1_tablev2");
    module(&db, &roles);
    // Installed by an older pum 1.x: table version 2, no pum_version.
    step(
        &db,
        &exe,
        Tool::Python,
        &["install", "--max-version", "1.0.0"],
    );
    db.exec(
        "ALTER TABLE wn_sys.pum_migrations DROP COLUMN pum_version; \
         UPDATE wn_sys.pum_migrations SET migration_table_version = 2; \
         COMMENT ON TABLE wn_sys.pum_migrations IS 'migration_table_version: 2'",
    );
    step(
        &db,
        &exe,
        Tool::Ours,
        &["upgrade", "--max-version", "1.1.0"],
    );
    assert_eq!(
        db.rows("SELECT version, migration_table_version, coalesce(pum_version, 'null') FROM wn_sys.pum_migrations ORDER BY version"),
        ["1.0.0|2|null".to_string(), format!("1.1.0|3|1.9.2+pumrs.{}", env!("CARGO_PKG_VERSION"))]
    );
    step(&db, &exe, Tool::Python, &["upgrade"]);
    assert_eq!(
        db.scalar("SELECT max(version) FROM wn_sys.pum_migrations"),
        "1.2.0"
    );
}

/// What `app`, `uninstall`, `role` and demo data leave, whichever tool
/// ran them, after an install by either: the same privileges, roles and
/// data as pum 1.x's own.
#[test]
fn app_uninstall_roles_and_demo_data_match_pum_1() {
    let Some(exe) = python_pum() else { return };
    let roles = Roles::new("pum1_app");
    let run = |first: Tool, second: Tool, name: &str| -> (Vec<String>, Vec<String>, Vec<String>) {
        let db = Db::new(name);
        module(&db, &roles);
        step(
            &db,
            &exe,
            first,
            &["install", "-d", "small_town", "-p", "SRID", "2057"],
        );
        let data = db.rows("SELECT name, srid FROM wn_od.node ORDER BY id");
        assert_eq!(data.len(), 3, "{name}");
        // The other tool rebuilds the application: grants again.
        step(
            &db,
            &exe,
            second,
            &["app", "recreate", "-p", "SRID", "2057", "-p", "lang", "fr"],
        );
        assert_eq!(
            db.scalar("SELECT DISTINCT label FROM wn_app.vw_pipe"),
            "conduite"
        );
        // DB-specific roles by the other tool.
        step(&db, &exe, second, &["role", "create", "--suffix", "sion"]);
        let grants = privileges(&db, &roles);
        // The first tool revokes what the second granted to the suffixed roles.
        step(
            &db,
            &exe,
            first,
            &[
                "role",
                "revoke",
                "--suffix",
                "sion",
                "--roles",
                &roles.name("user"),
            ],
        );
        let revoked = privileges(&db, &roles);
        step(&db, &exe, second, &["role", "drop", "--suffix", "sion"]);
        // The other tool uninstalls: nothing of the module stays.
        step(&db, &exe, second, &["uninstall", "--force"]);
        assert_eq!(
            db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'wn\\_%'"),
            "0",
            "{name}"
        );
        // The first installs again: the roles exist, they are granted.
        step(&db, &exe, first, &["install"]);
        assert_eq!(
            db.scalar(&format!(
                "SELECT has_table_privilege('{}', 'wn_app.vw_pipe', 'SELECT')",
                roles.name("viewer")
            )),
            "t"
        );
        (data, grants, revoked)
    };
    let reference = run(Tool::Python, Tool::Python, "pum1_app_ref");
    assert_has(
        &reference.1.join("\n"),
        &[
            &format!(
                "member {}_sion of {}_sion",
                roles.name("user"),
                roles.name("viewer")
            ),
            &format!(
                "role {}_sion falsetruefalsefalsefalse Edits the network. (specific to sion)",
                roles.name("user")
            ),
        ],
    );
    assert_ne!(reference.1, reference.2);
    for (first, second, name) in [
        (Tool::Python, Tool::Ours, "pum1_app_py_ours"),
        (Tool::Ours, Tool::Python, "pum1_app_ours_py"),
        (Tool::Ours, Tool::Ours, "pum1_app_ours"),
    ] {
        let got = run(first, second, name);
        assert_eq!(got.0, reference.0, "{name}: demo data");
        assert_eq!(
            got.1, reference.1,
            "{name}: privileges after app recreate and role create"
        );
        assert_eq!(got.2, reference.2, "{name}: privileges after role revoke");
    }
}

/// `role list`, `role members` and `role login-roles` print what pum
/// 1.x prints (its colours aside), configured, suffixed, grantee and
/// other roles alike.
#[test]
fn role_listings_read_as_pum_1s() {
    let Some(exe) = python_pum() else { return };
    let roles = Roles::new("pum1_list");
    let db = Db::new("pum1_list");
    module(&db, &roles);
    let (viewer, login, other) = (
        roles.name("viewer"),
        roles.name("login"),
        roles.name("other"),
    );
    step(&db, &exe, Tool::Ours, &["install"]);
    step(&db, &exe, Tool::Ours, &["role", "create", "--suffix", "x"]);
    step(
        &db,
        &exe,
        Tool::Ours,
        &["role", "create-login", "--name", &login],
    );
    step(
        &db,
        &exe,
        Tool::Ours,
        &["role", "grant", "--to", &login, "--roles", &viewer],
    );
    db.exec(&format!(
        "CREATE ROLE \"{other}\"; GRANT USAGE ON SCHEMA wn_od TO \"{other}\"; \
         REVOKE SELECT ON wn_app.vw_pipe FROM \"{viewer}_x\", \"{viewer}\""
    ));
    let strip = |t: String| -> String {
        let mut out = String::new();
        let mut chars = t.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    for args in [
        vec!["role", "list"],
        vec!["role", "members", "--roles", viewer.as_str()],
        vec!["role", "login-roles"],
    ] {
        let mut all = vec!["-p", db.name.as_str(), "-d", "m"];
        all.extend_from_slice(&args);
        let theirs = strip(py(&db, &exe, &all).stdout());
        let ours = db.run(&all);
        ours.ok();
        assert_eq!(ours.stdout(), theirs, "{args:?}");
        if args[1] == "list" {
            assert_has(
                &theirs,
                &[
                    // The generic role beside DB-specific ones expects nothing.
                    &format!("✓ {viewer}\n      ✓ wn_od  (read)\n      ✓ wn_app  (none)"),
                    &format!("✗ {viewer}_x  [suffixed]"),
                    "✗ wn_app  (expected: read, actual: none)",
                    &format!("→ {login} [login]"),
                    &format!("? {other}  (wn_app, wn_od)"),
                ],
            );
        }
    }
    db.exec(&format!(
        "DROP OWNED BY \"{other}\"; DROP ROLE \"{other}\"; DROP ROLE \"{login}\""
    ));
}

/// A tiny deterministic generator (no dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// SQL texts that exercise every rule of pum 1.x's reading: quotes,
/// comments, dollar quotes, forbidden statements, braces.
fn sql_cases() -> Vec<String> {
    const TOKENS: &[&str] = &[
        "SELECT 1",
        "SELECT 'a;b'",
        "\"q;x\"",
        ";",
        ";",
        "\n",
        "\r\n",
        " ",
        "  ",
        "-- c; d\n",
        "--x",
        "/* c; */",
        "/*",
        "*/",
        "$$",
        "$$ ; $$",
        "$a$",
        "$a$ x; $a$",
        "$BODY$",
        "$body$ ; $body$",
        "$do$",
        "$$DO$$",
        "BEGIN",
        "begin;",
        "BEGIN ATOMIC",
        "COMMIT ;",
        "END;",
        "{SRID}",
        "{lang}",
        "{neg}",
        "{ratio}",
        "{{",
        "}}",
        "{x}",
        "{",
        "}",
        "{SRID:}",
        "{}",
        "{0}",
        "E'\\''",
        "'",
        "\"",
        "-",
        "a",
        "é",
        "SELECT pg_catalog.set_config(",
        "'search_path'",
        ", '', false)",
        "SET search_path = s",
        "\t",
        "{lang!r}",
    ];
    let mut rng = Lcg(0x5eed);
    let mut out: Vec<String> = (0..500)
        .map(|_| {
            let n = 1 + rng.next(14);
            (0..n).map(|_| TOKENS[rng.next(TOKENS.len())]).collect()
        })
        .collect();
    // Without the tokens pum 1.x refuses, for more accepted files.
    let quiet: Vec<&str> = TOKENS
        .iter()
        .copied()
        .filter(|t| {
            !t.contains(['{', '}']) && !t.to_lowercase().contains("begin") && !t.contains("COMMIT")
        })
        .collect();
    out.extend((0..300).map(|_| {
        let n = 1 + rng.next(20);
        (0..n)
            .map(|_| quiet[rng.next(quiet.len())])
            .collect::<String>()
    }));
    for f in [
        "changelogs/1.0.0/01_schema.sql",
        "changelogs/1.0.0/02_data.sql",
        "changelogs/1.1.0/01_valves.sql",
        "app/create_views.sql",
    ] {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/pum1-module")
            .join(f);
        out.push(std::fs::read_to_string(p).unwrap());
    }
    out
}

/// pum 1.9.2's reading of each file: its statements as it sends them, or
/// null when it refuses (or fails on) the file.
const PY_SQL: &str = r#"
import json, sys
from pathlib import Path
import psycopg
from psycopg import sql
from pum.sql_content import SqlContent
conn = psycopg.connect(sys.argv[1])
params = SqlContent.prepare_parameters({"SRID": 2056, "lang": "it's", "neg": -5, "ratio": 2.5})
out = []
for path in sys.argv[2:]:
    try:
        out.append([s.as_string(conn) for s in SqlContent(Path(path))._prepare_sql(params)])
    except Exception:
        out.append(None)
print(json.dumps(out))
"#;

/// Our reading of the same text, with the same parameters.
fn ours_sql(text: &str) -> Option<Vec<String>> {
    let values = [
        ("SRID", serde_json::json!(2056)),
        ("lang", serde_json::json!("it's")),
        ("neg", serde_json::json!(-5)),
        ("ratio", serde_json::json!(2.5)),
    ];
    let lookup = |name: &str| match values.iter().find(|(n, _)| *n == name) {
        Some((_, v)) => sql::Lookup::Literal(params::sql_literal(v).unwrap()),
        None => sql::Lookup::Unknown,
    };
    let text = sql::as_python_reads(text);
    let chunks = sql::chunks(&text).ok()?;
    chunks
        .into_iter()
        .map(|c| sql::format(&c.text, &lookup).ok())
        .collect()
}

#[test]
fn sql_is_read_as_pum_1_reads_it() {
    let Some(exe) = python_pum() else { return };
    let db = Db::new("pum1_sql");
    let cases = sql_cases();
    let mut paths = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let p = db.path().join(format!("case{i:03}.sql"));
        std::fs::write(&p, c).unwrap();
        paths.push(p);
    }
    let out = Command::new(python_of(&exe))
        .arg("-c")
        .arg(PY_SQL)
        .arg(&db.conninfo)
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<Option<Vec<String>>> = serde_json::from_slice(&out.stdout).unwrap();
    let mut refused = 0;
    for (i, (case, want)) in cases.iter().zip(&theirs).enumerate() {
        refused += usize::from(want.is_none());
        assert_eq!(&ours_sql(case), want, "case{i:03}.sql: {case:?}");
    }
    // Both kinds of outcome were exercised.
    eprintln!("{refused} of {} files refused by both tools", cases.len());
    assert!(
        refused > 50 && refused < cases.len() - 50,
        "{refused} refused"
    );
}

/// pum 1.9.2's model on each file: the parameters' defaults, or null when
/// it refuses the file.
const PY_YAML: &str = r#"
import json, sys, yaml
from pum.config_model import ConfigModel
out = []
for path in sys.argv[1:]:
    try:
        data = yaml.safe_load(open(path))
        if "base_path" in data:
            raise ValueError("base_path")
        c = ConfigModel(**data)
        out.append(json.dumps({p.name: p.default for p in c.parameters}))
    except Exception:
        out.append(None)
print(json.dumps(out))
"#;

#[test]
fn pum_yaml_is_read_as_pum_1_reads_it() {
    let Some(exe) = python_pum() else { return };
    let db = Db::new("pum1_yaml");
    let p = |body: &str| format!("pum: {{module: m}}\nparameters:\n{body}");
    let cases: Vec<String> = vec![
        p("  - {name: a, type: integer, default: 2056}\n"),
        p("  - {name: a, default: yes}\n"),
        p("  - {name: a, default: 'yes'}\n"),
        p("  - {name: a, default: Off}\n"),
        p("  - {name: a, default: 010}\n"),
        p("  - {name: a, default: 09}\n"),
        p("  - {name: a, default: 1_000}\n"),
        p("  - {name: a, default: 1:30}\n"),
        p("  - {name: a, default: 2.5}\n"),
        p("  - {name: a, default: ~}\n"),
        p("  - {name: a, default: en, values: [en, de]}\n"),
        p("  - {name: a, default: fr, values: [en, de]}\n"),
        p("  - {name: a, default: true, values: [1, 2]}\n"),
        p("  - {name: a, type: boolean}\n"),
        p("  - {name: a, type: bool}\n"),
        p("  - {name: a, app_only: 'yes'}\n"),
        p("  - {name: a, app_only: maybe}\n"),
        p("  - {name: 5}\n"),
        p("  - {name: a, typo: 1}\n"),
        p("  - {default: 1}\n"),
        "pum: {module: m, extra: 1}\n".into(),
        "pum: {}\n".into(),
        "parameters: []\n".into(),
        "pum: {module: m}\nbase_path: x\n".into(),
        "pum: {module: m}\napplication: {pre: [{code: 'SELECT 1'}], post: [{file: a.sql}]}\n"
            .into(),
        "pum: {module: m}\nmigration_hooks: {drop: [{code: x}]}\n".into(),
        "pum: {module: m}\napplication: {drop: [], pre: []}\n".into(),
        "pum: {module: m}\napplication: {}\nmigration_hooks: {}\n".into(),
        "pum: {module: m}\napplication: {create: [{file: a.sql, code: x}]}\n".into(),
        "pum: {module: m}\napplication: {create: [{}]}\n".into(),
        "pum: {module: m}\nuninstall: [{code: x}]\n".into(),
        "pum: {module: m}\nroles: [{name: r, permissions: [{type: read, schemas: [a]}]}]\n".into(),
        "pum: {module: m}\nroles: [{name: r, permissions: [{type: admin}]}]\n".into(),
        "pum: {module: m}\ndemo_data: [{name: d, file: a.sql}]\n".into(),
        "pum: {module: m}\ndemo_data: [{name: d}]\n".into(),
        "pum: {module: m}\ndependencies: [{name: pirogue, minimum_version: 3.0.0}]\n".into(),
        "pum: {module: m}\ndependencies: [{name: pirogue, minimum_version: x.y}]\n".into(),
        "pum: {module: m, minimum_version: 1.1.14, migration_table_schema: tww_sys}\n".into(),
        "pum: {module: m}\nchangelogs_directory: deltas\n".into(),
    ];
    let mut paths = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let p = db.path().join(format!("case{i:02}.yaml"));
        std::fs::write(&p, c).unwrap();
        paths.push(p);
    }
    let out = Command::new(python_of(&exe))
        .arg("-c")
        .arg(PY_YAML)
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<Option<String>> = serde_json::from_slice(&out.stdout).unwrap();
    for (i, (case, want)) in cases.iter().zip(&theirs).enumerate() {
        let ours = pum_core::module::config::parse(case, Path::new("x.yaml"))
            .map(|c| {
                serde_json::Value::Object(
                    c.parameters
                        .iter()
                        .map(|p| (p.name.clone(), p.default.clone()))
                        .collect(),
                )
            })
            .ok();
        let want: Option<serde_json::Value> =
            want.as_ref().map(|w| serde_json::from_str(w).unwrap());
        assert_eq!(ours, want, "case{i:02}.yaml: {case}");
    }
}
