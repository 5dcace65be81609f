//! Compatibility with the Python pum 0.10 (the tool this one replaces).
//!
//! A database must be able to move between the two tools in both
//! directions: same upgrades table, same rows, same delta semantics. These
//! tests run the real Python pum 0.10 next to our binary on the shared
//! throwaway cluster and compare what ends up in the databases.
//!
//! Python pum is found through `PUM010` (path to its `pum` executable) or
//! at `/opt/pum010/bin/pum`. Without it the tests are skipped, except on CI
//! (env `CI` set) where they fail.
//!
//! The cross-tool delta sets only use versions whose text order and
//! numeric order agree (no 1.9.0 next to 1.10.0): pum 0.10 picks the
//! current version with `ORDER BY version DESC` on a varchar column, i.e.
//! a text sort, while we compare numerically. With versions like 1.10.0 the
//! two tools would legitimately disagree (see `numeric_versions_not_text`
//! in upgrade.rs).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{Db, Run};

const INSTALL_HINT: &str = "install it with `python3 -m venv /opt/pum010 && \
     /opt/pum010/bin/pip install pum==0.10.0 psycopg2-binary`, or set PUM010 to the path \
     of its `pum` executable";

/// The `pum` executable of Python pum 0.10, or `None` when the test must be
/// skipped. Panics on CI (env `CI` set) when it is missing, and whenever
/// the executable found is not pum 0.10.
fn python_pum() -> Option<PathBuf> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let (path, from_env) = match std::env::var_os("PUM010") {
            Some(p) if !p.is_empty() => (PathBuf::from(p), true),
            _ => (PathBuf::from("/opt/pum010/bin/pum"), false),
        };
        if !path.is_file() {
            return Err(format!(
                "no executable at {} ({}); {INSTALL_HINT}",
                path.display(),
                if from_env {
                    "from PUM010"
                } else {
                    "the default location; PUM010 is not set"
                }
            ));
        }
        let out = Command::new(&path)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("pum version 0.10."),
            "{} is not Python pum 0.10 (`--version` said {text:?}); {INSTALL_HINT}",
            path.display()
        );
        Ok(path)
    });
    match found {
        Ok(p) => Some(p.clone()),
        Err(msg) if std::env::var_os("CI").is_some() => {
            panic!(
                "Python pum 0.10 not found: {msg} (these compatibility tests are mandatory on CI)"
            )
        }
        Err(msg) => {
            eprintln!("skipping: Python pum 0.10 not found: {msg}");
            None
        }
    }
}

/// Runs Python pum 0.10 on `db`: same service file and working directory as
/// `db.run` (so `-p db.name` and relative delta paths mean the same).
fn py(db: &Db, exe: &Path, args: &[&str]) -> Run {
    let out = Command::new(exe)
        .args(args)
        .env("PGSERVICEFILE", &db.service_file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGDATABASE")
        .env_remove("PGSERVICE")
        .env_remove("PGUSER")
        .current_dir(db.path())
        .output()
        .expect("run Python pum 0.10");
    Run(out)
}

/// Runs our pum on `db` (no `__pycache__` in the delta directories, as for
/// Python pum, so both see the same files).
fn ours(db: &Db, args: &[&str]) -> Run {
    Run(db
        .pum()
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(args)
        .output()
        .expect("run pum"))
}

/// The history rows as both tools must write them: everything except id,
/// installed_on and execution_time.
const HISTORY: &str = "SELECT version, description, type, script, checksum, installed_by, success \
                       FROM app.info ORDER BY id";

/// A small water-network model: a creation script (schema + a log table
/// whose UNIQUE constraint makes any delta that runs twice fail) and
/// deltas 1.0.0 .. 1.2.0 with pre/post files, a double underscore and an
/// empty name.
fn network_model(db: &Db) {
    db.exec(
        "CREATE SCHEMA app; \
         CREATE TABLE app.delta_log (seq serial, delta text NOT NULL UNIQUE)",
    );
    let log = |d: &str| format!("INSERT INTO app.delta_log (delta) VALUES ('{d}');\n");
    let files: &[(&str, String)] = &[
        (
            "delta_1.0.0_init.sql",
            "CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int);\n".to_string()
                + &log("1.0.0 init"),
        ),
        (
            "delta_1.0.1_material.pre.sql",
            "CREATE TABLE app.material (id int PRIMARY KEY, name text NOT NULL);\n".to_string()
                + &log("1.0.1 material pre"),
        ),
        (
            "delta_1.0.1_material.sql",
            "ALTER TABLE app.pipe ADD COLUMN material int REFERENCES app.material;\n".to_string()
                + &log("1.0.1 material"),
        ),
        (
            "delta_1.0.1_material.post.sql",
            "INSERT INTO app.material VALUES (1, 'PE'), (2, 'steel');\n\
             INSERT INTO app.pipe (diameter, material) VALUES (110, 1), (200, 2);\n"
                .to_string()
                + &log("1.0.1 material post"),
        ),
        (
            "delta_1.0.2_valve.sql",
            "CREATE TABLE app.valve (id serial PRIMARY KEY, pipe int REFERENCES app.pipe);\n"
                .to_string()
                + &log("1.0.2 valve"),
        ),
        (
            // Description "valve_seed": pum 0.10 drops any number of leading '_'.
            "delta_1.0.2__valve_seed.sql",
            "INSERT INTO app.valve (pipe) SELECT id FROM app.pipe ORDER BY id;\n".to_string()
                + &log("1.0.2 valve_seed"),
        ),
        (
            // Empty description: a valid name for pum 0.10.
            "delta_1.1.0.sql",
            "COMMENT ON TABLE app.pipe IS 'pipes';\n".to_string() + &log("1.1.0"),
        ),
        (
            "delta_1.1.0_status.sql",
            "ALTER TABLE app.pipe ADD COLUMN status text NOT NULL DEFAULT 'active';\n\
             UPDATE app.pipe SET status = 'planned' WHERE diameter > 150;\n"
                .to_string()
                + &log("1.1.0 status"),
        ),
        (
            "delta_1.2.0_views.sql",
            "CREATE VIEW app.vw_pipe AS SELECT p.id, p.diameter, p.status, m.name AS material \
             FROM app.pipe p LEFT JOIN app.material m ON m.id = p.material;\n"
                .to_string()
                + &log("1.2.0 views"),
        ),
        (
            "delta_1.2.0_views.post.sql",
            "COMMENT ON VIEW app.vw_pipe IS 'pipes with their material';\n".to_string()
                + &log("1.2.0 views post"),
        ),
    ];
    for (name, sql) in files {
        db.write(&format!("delta/{name}"), sql);
    }
    // Not a delta: pum 0.10 ignores it, we warn; neither records it.
    db.write("delta/README.md", "Deltas of the network model.\n");
}

/// Every delta of `network_model`, in application order.
const NETWORK_LOG: [&str; 10] = [
    "1.0.0 init",
    "1.0.1 material pre",
    "1.0.1 material",
    "1.0.1 material post",
    "1.0.2 valve",
    "1.0.2 valve_seed",
    "1.1.0",
    "1.1.0 status",
    "1.2.0 views",
    "1.2.0 views post",
];

/// The history `network_model` must end with, whoever applied what.
const NETWORK_HISTORY: [&str; 11] = [
    "1.0.0|baseline|0|||postgres|t",
    "1.0.0|init|8|delta/delta_1.0.0_init.sql",
    "1.0.1|material|9|delta/delta_1.0.1_material.pre.sql",
    "1.0.1|material|8|delta/delta_1.0.1_material.sql",
    "1.0.1|material|10|delta/delta_1.0.1_material.post.sql",
    "1.0.2|valve|8|delta/delta_1.0.2_valve.sql",
    "1.0.2|valve_seed|8|delta/delta_1.0.2__valve_seed.sql",
    "1.1.0||8|delta/delta_1.1.0.sql",
    "1.1.0|status|8|delta/delta_1.1.0_status.sql",
    "1.2.0|views|8|delta/delta_1.2.0_views.sql",
    "1.2.0|views|10|delta/delta_1.2.0_views.post.sql",
];

/// Checks the history rows against `NETWORK_HISTORY` (prefixes; the
/// checksums and user are compared across databases by the callers).
fn assert_network_history(db: &Db) {
    let rows = db.rows(HISTORY);
    assert_eq!(rows.len(), NETWORK_HISTORY.len(), "{rows:#?}");
    for (row, want) in rows.iter().zip(NETWORK_HISTORY) {
        assert!(
            row.starts_with(want),
            "row {row:?} should start with {want:?}"
        );
        assert!(row.ends_with("|postgres|t"), "{row:?}");
    }
}

/// The data and structure of the model, to compare across databases.
fn network_state(db: &Db) -> Vec<String> {
    let mut s = db.rows("SELECT seq, delta FROM app.delta_log ORDER BY seq");
    s.extend(db.rows("SELECT * FROM app.pipe ORDER BY id"));
    s.extend(db.rows("SELECT * FROM app.material ORDER BY id"));
    s.extend(db.rows("SELECT * FROM app.valve ORDER BY id"));
    s.extend(db.rows("SELECT * FROM app.vw_pipe ORDER BY id"));
    s.extend(db.rows(
        "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '') \
         FROM information_schema.columns WHERE table_schema = 'app' AND table_name <> 'info' \
         ORDER BY table_name, ordinal_position",
    ));
    s.extend(db.rows(
        "SELECT c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' ORDER BY 1",
    ));
    s
}

/// A fresh database with `network_model`, baselined at 1.0.0 and fully
/// upgraded by Python pum 0.10 alone: the reference.
fn network_by_python_alone(exe: &Path) -> Db {
    let db = Db::new("compat_ref");
    network_model(&db);
    let p = db.name.as_str();
    py(
        &db,
        exe,
        &[
            "baseline", "-p", p, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
        ],
    )
    .ok();
    py(
        &db,
        exe,
        &["upgrade", "-p", p, "-t", "app.info", "-d", "delta"],
    )
    .ok();
    assert_eq!(
        db.column("SELECT delta FROM app.delta_log ORDER BY seq"),
        NETWORK_LOG
    );
    assert_network_history(&db);
    db
}

/// The delta table of Python pum's `info`: (version, name, type, status).
fn python_info_deltas(out: &str) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in out.lines() {
        if line.starts_with("delta files in dir:") {
            in_table = true;
            continue;
        }
        if line.starts_with("Applied upgrades in database") {
            break;
        }
        if !in_table || !line.starts_with('|') {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        if cells[0] == "Version" || cells[0].starts_with('-') {
            continue;
        }
        assert_eq!(cells.len(), 4, "unexpected info line {line:?}");
        rows.push([
            cells[0].clone(),
            cells[1].clone(),
            cells[2].clone(),
            cells[3].clone(),
        ]);
    }
    rows
}

/// Our `info --format json`: the plan's items as (path, status), and the
/// current version.
fn our_info(db: &Db, dirs: &[&str]) -> (String, Vec<(String, String)>) {
    let p = db.name.as_str();
    let mut args = vec!["info", "-p", p, "-t", "app.info", "-d"];
    args.extend_from_slice(dirs);
    args.extend_from_slice(&["--format", "json"]);
    let run = ours(db, &args);
    run.ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).expect("valid JSON");
    let items = v["plan"]["items"]
        .as_array()
        .expect("plan items")
        .iter()
        .map(|i| {
            (
                i["delta"]["path"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (v["plan"]["current"].as_str().unwrap().to_string(), items)
}

/// Python pum 0.10 baselines and applies up to 1.0.2; we read its table,
/// agree on what is applied and apply the rest; the history is the one
/// Python pum alone writes.
#[test]
fn python_pum_starts_we_continue() {
    let Some(exe) = python_pum() else { return };
    let db = Db::new("compat_py_then_us");
    network_model(&db);
    let p = db.name.as_str();
    py(
        &db,
        &exe,
        &[
            "baseline", "-p", p, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
        ],
    )
    .ok();
    py(
        &db,
        &exe,
        &[
            "upgrade", "-p", p, "-t", "app.info", "-d", "delta", "-u", "1.0.2",
        ],
    )
    .ok();
    assert_eq!(
        db.column("SELECT delta FROM app.delta_log ORDER BY seq"),
        NETWORK_LOG[..6]
    );

    // Our info reads pum 0.10's table.
    let (current, items) = our_info(&db, &["delta"]);
    assert_eq!(current, "1.0.2");
    let status: Vec<(&str, &str)> = items
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("delta/delta_1.0.0_init.sql", "applied"),
            ("delta/delta_1.0.1_material.pre.sql", "applied"),
            ("delta/delta_1.0.1_material.sql", "applied"),
            ("delta/delta_1.0.1_material.post.sql", "applied"),
            ("delta/delta_1.0.2_valve.sql", "applied"),
            ("delta/delta_1.0.2__valve_seed.sql", "applied"),
            ("delta/delta_1.1.0.sql", "pending"),
            ("delta/delta_1.1.0_status.sql", "pending"),
            ("delta/delta_1.2.0_views.sql", "pending"),
            ("delta/delta_1.2.0_views.post.sql", "pending"),
        ]
    );
    let text = ours(&db, &["info", "-p", p, "-t", "app.info", "-d", "delta"]);
    text.ok();
    assert!(
        text.stdout().contains("Current version: 1.0.2"),
        "{}",
        text.stdout()
    );

    // We apply the rest, and nothing twice (the UNIQUE log would fail).
    let up = ours(&db, &["upgrade", "-p", p, "-t", "app.info", "-d", "delta"]);
    up.ok();
    assert!(
        up.stdout().contains("from 1.0.2 to 1.2.0"),
        "{}",
        up.stdout()
    );
    assert_eq!(
        db.column("SELECT delta FROM app.delta_log ORDER BY seq"),
        NETWORK_LOG
    );
    assert_network_history(&db);
    let (current, items) = our_info(&db, &["delta"]);
    assert_eq!(current, "1.2.0");
    assert!(items.iter().all(|(_, s)| s == "applied"), "{items:?}");

    // Same rows as Python pum alone, column by column.
    let reference = network_by_python_alone(&exe);
    assert_eq!(db.rows(HISTORY), reference.rows(HISTORY));
    assert_eq!(network_state(&db), network_state(&reference));
    // execution_time: pum 0.10 always writes 1 (baseline included); we
    // write the real duration in ms. That is the one documented difference.
    assert_eq!(
        db.column("SELECT execution_time FROM app.info WHERE id <= 7 ORDER BY id"),
        ["1"; 7]
    );
    assert_eq!(
        reference.column("SELECT DISTINCT execution_time FROM app.info"),
        ["1"]
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM app.info WHERE id > 7 AND execution_time >= 0"),
        "4"
    );
    assert_eq!(
        db.scalar(
            "SELECT count(*) FROM app.info WHERE installed_on IS NOT NULL \
             AND installed_on <= now()::timestamp"
        ),
        "11"
    );
}

/// We baseline and apply up to 1.0.2; Python pum 0.10 applies the rest
/// without re-running anything and sees every delta as applied.
#[test]
fn we_start_python_pum_continues() {
    let Some(exe) = python_pum() else { return };
    let db = Db::new("compat_us_then_py");
    network_model(&db);
    let p = db.name.as_str();
    ours(
        &db,
        &[
            "baseline", "-p", p, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
        ],
    )
    .ok();
    ours(
        &db,
        &[
            "upgrade", "-p", p, "-t", "app.info", "-d", "delta", "-u", "1.0.2",
        ],
    )
    .ok();
    assert_eq!(
        db.column("SELECT delta FROM app.delta_log ORDER BY seq"),
        NETWORK_LOG[..6]
    );

    // Python pum's view before: the first six applied, the rest pending.
    let info = py(
        &db,
        &exe,
        &["info", "-p", p, "-t", "app.info", "-d", "delta"],
    );
    info.ok();
    let deltas = python_info_deltas(&info.stdout());
    assert_eq!(deltas.len(), 10, "{}", info.stdout());
    let statuses: Vec<&str> = deltas.iter().map(|d| d[3].as_str()).collect();
    assert_eq!(
        statuses,
        [
            "Applied", "Applied", "Applied", "Applied", "Applied", "Applied", "Pending", "Pending",
            "Pending", "Pending"
        ],
        "{}",
        info.stdout()
    );

    let up = py(
        &db,
        &exe,
        &["upgrade", "-p", p, "-t", "app.info", "-d", "delta"],
    );
    up.ok();
    let out = up.stdout();
    // Only the pending deltas ran (a re-run would have hit the UNIQUE log).
    for applied in ["1.1.0 ...", "1.1.0 status", "1.2.0 views"] {
        assert!(
            out.contains(&format!("Applying delta {applied}")),
            "{applied}: {out}"
        );
    }
    for skipped in ["1.0.0", "1.0.1", "1.0.2"] {
        assert!(
            !out.contains(&format!("Applying delta {skipped}")),
            "{skipped} ran again: {out}"
        );
    }
    assert_eq!(
        db.column("SELECT delta FROM app.delta_log ORDER BY seq"),
        NETWORK_LOG
    );
    assert_network_history(&db);

    let info = py(
        &db,
        &exe,
        &["info", "-p", p, "-t", "app.info", "-d", "delta"],
    );
    info.ok();
    let deltas = python_info_deltas(&info.stdout());
    assert_eq!(deltas.len(), 10, "{}", info.stdout());
    assert!(
        deltas.iter().all(|d| d[3] == "Applied"),
        "{}",
        info.stdout()
    );
    assert_eq!(
        deltas
            .iter()
            .map(|d| format!("{} {} {}", d[0], d[1], d[2]))
            .collect::<Vec<_>>(),
        [
            "1.0.0 init delta sql",
            "1.0.1 material pre sql",
            "1.0.1 material delta sql",
            "1.0.1 material post sql",
            "1.0.2 valve delta sql",
            "1.0.2 valve_seed delta sql",
            "1.1.0  delta sql",
            "1.1.0 status delta sql",
            "1.2.0 views delta sql",
            "1.2.0 views post sql",
        ]
    );
    // A second run of pum 0.10 has nothing to do.
    let again = py(
        &db,
        &exe,
        &["upgrade", "-p", p, "-t", "app.info", "-d", "delta"],
    );
    again.ok();
    assert!(
        !again.stdout().contains("Applying delta"),
        "{}",
        again.stdout()
    );

    let reference = network_by_python_alone(&exe);
    assert_eq!(db.rows(HISTORY), reference.rows(HISTORY));
    assert_eq!(network_state(&db), network_state(&reference));
}

/// Everything that describes the upgrades table app.info in the catalogs.
fn upgrades_table_ddl(db: &Db) -> Vec<String> {
    let mut s = Vec::new();
    let mut q = |label: &str, sql: &str| {
        for row in db.rows(sql) {
            s.push(format!("{label}: {row}"));
        }
    };
    q(
        "table",
        "SELECT relkind, relpersistence, relreplident, coalesce(reloptions::text, ''), \
         pg_get_userbyid(relowner), relchecks, relhastriggers, relrowsecurity \
         FROM pg_class WHERE oid = 'app.info'::regclass",
    );
    q(
        "attribute",
        "SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
         a.attidentity, a.attgenerated, coalesce(co.collname, ''), \
         coalesce(replace(pg_get_expr(d.adbin, d.adrelid), \
                          pg_get_serial_sequence('app.info', a.attname), '<seq>'), 'NULL') \
         FROM pg_attribute a \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         WHERE a.attrelid = 'app.info'::regclass AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attnum",
    );
    q(
        "column",
        "SELECT ordinal_position, column_name, data_type, \
         coalesce(character_maximum_length::text, ''), coalesce(numeric_precision::text, ''), \
         is_nullable, is_identity, \
         coalesce(replace(column_default, pg_get_serial_sequence('app.info', column_name), \
                          '<seq>'), 'NULL') \
         FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'info' \
         ORDER BY ordinal_position",
    );
    q(
        "constraint",
        "SELECT conname, contype, pg_get_constraintdef(oid), condeferrable, condeferred, \
         convalidated FROM pg_constraint WHERE conrelid = 'app.info'::regclass ORDER BY conname",
    );
    q(
        "index",
        "SELECT i.relname, am.amname, x.indisunique, x.indisprimary, x.indisexclusion, \
         pg_get_indexdef(x.indexrelid) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam \
         WHERE x.indrelid = 'app.info'::regclass ORDER BY i.relname",
    );
    q(
        "sequence",
        "SELECT format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin, \
         s.seqcache, s.seqcycle, d.deptype \
         FROM pg_sequence s JOIN pg_depend d ON d.classid = 'pg_class'::regclass \
           AND d.objid = s.seqrelid AND d.refobjid = 'app.info'::regclass \
         WHERE s.seqrelid = pg_get_serial_sequence('app.info', 'id')::regclass",
    );
    q(
        "trigger",
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'app.info'::regclass ORDER BY tgname",
    );
    q(
        "policy",
        "SELECT polname FROM pg_policy WHERE polrelid = 'app.info'::regclass ORDER BY polname",
    );
    s
}

/// Two fresh databases with schema `app`, baselined at 1.4.2 into
/// `app.info`: the first by Python pum 0.10, the second by ours.
fn baselined_by_both(exe: &Path, test: &str) -> (Db, Db) {
    let theirs = Db::new(&format!("{test}_py"));
    let mine = Db::new(&format!("{test}_us"));
    for db in [&theirs, &mine] {
        db.exec("CREATE SCHEMA app");
        std::fs::create_dir_all(db.path().join("delta")).unwrap();
    }
    py(
        &theirs,
        exe,
        &[
            "baseline",
            "-p",
            &theirs.name,
            "-t",
            "app.info",
            "-d",
            "delta",
            "-b",
            "1.4.2",
        ],
    )
    .ok();
    ours(
        &mine,
        &[
            "baseline", "-p", &mine.name, "-t", "app.info", "-d", "delta", "-b", "1.4.2",
        ],
    )
    .ok();
    (theirs, mine)
}

/// The upgrades table our `baseline` creates is pum 0.10's, to the catalog.
#[test]
fn baseline_creates_the_same_upgrades_table() {
    let Some(exe) = python_pum() else { return };
    let (theirs, mine) = baselined_by_both(&exe, "compat_ddl");

    let (a, b) = (upgrades_table_ddl(&theirs), upgrades_table_ddl(&mine));
    // Sanity: the comparison sees what matters.
    assert!(
        a.iter()
            .any(|l| l.contains("EXCLUDE USING btree (version WITH =) WHERE ((type = 0))")),
        "{a:#?}"
    );
    assert!(
        a.iter()
            .any(|l| l.contains("|id|integer|t|||") && l.ends_with("nextval('<seq>'::regclass)")),
        "{a:#?}"
    );
    assert_eq!(a.iter().filter(|l| l.starts_with("attribute:")).count(), 10);
    assert_eq!(a.iter().filter(|l| l.starts_with("sequence:")).count(), 1);
    assert_eq!(a, b);
    // The baseline row, but for execution_time (see baseline_row_is_the_same).
    assert_eq!(theirs.rows(HISTORY), ["1.4.2|baseline|0|||postgres|t"]);
    assert_eq!(mine.rows(HISTORY), theirs.rows(HISTORY));

    // And the EXCLUDE constraint bites the same way: one baseline per version.
    for db in [&theirs, &mine] {
        let err = db
            .conn()
            .execute(
                "INSERT INTO app.info (version, description, type, script, checksum, \
                 installed_by, execution_time, success) \
                 VALUES ('1.4.2', 'baseline', 0, '', '', 'x', 1, true)",
            )
            .expect_err("a second baseline row for 1.4.2 must be refused");
        assert!(err.to_string().contains("info_version_excl"), "{err}");
    }
}

/// The baseline row our `baseline` writes is pum 0.10's, execution_time
/// included: pum 0.10 writes 1 there (its documented row is
/// `(version, 'baseline', 0, '', '', user, 1, true)`); a baseline takes no
/// time that "real ms" could mean.
#[test]
fn baseline_row_is_the_same() {
    let Some(exe) = python_pum() else { return };
    let (theirs, mine) = baselined_by_both(&exe, "compat_brow");
    let row = "SELECT version, description, type, script, checksum, installed_by, \
               execution_time, success FROM app.info ORDER BY id";
    assert_eq!(theirs.rows(row), ["1.4.2|baseline|0|||postgres|1|t"]);
    assert_eq!(mine.rows(row), theirs.rows(row));
}

/// The survey model: pre/post SQL, a DeltaPy delta with two classes,
/// pre-all/post-all, and `-v` variables (`%(NAME)s`, `%%`) in every SQL file.
fn survey_model(db: &Db) {
    db.exec(
        "CREATE SCHEMA app; \
         CREATE TABLE app.delta_log (seq serial, delta text NOT NULL UNIQUE); \
         CREATE TABLE app.runs (seq serial, what text NOT NULL, srid int NOT NULL); \
         CREATE TABLE app.pyrun (seq serial, cls text, srid text, srid_type text, tol text, \
           owner text, vars_type text, cur text, delta_dir text, dirs text, dirs_type text, \
           service text, tbl text)",
    );
    db.write(
        "delta/pre-all.sql",
        "INSERT INTO app.runs (what, srid) VALUES ('pre-all', %(SRID)s);\n",
    );
    db.write(
        "delta/post-all.sql",
        "INSERT INTO app.runs (what, srid) VALUES ('post-all 100%%', %(SRID)s);\n",
    );
    db.write(
        "delta/delta_1.0.0_init.sql",
        "CREATE TABLE app.point (id serial PRIMARY KEY, srid int NOT NULL DEFAULT %(SRID)s, \
         label text, owner text, tolerance float8);\n\
         INSERT INTO app.delta_log (delta) VALUES ('1.0.0 init');\n",
    );
    db.write(
        "delta/delta_1.0.1_labels.pre.sql",
        "CREATE TABLE app.label_style (srid int PRIMARY KEY, name text NOT NULL);\n\
         INSERT INTO app.delta_log (delta) VALUES ('1.0.1 labels pre');\n",
    );
    db.write(
        "delta/delta_1.0.1_labels.sql",
        "-- progress in %% (a literal percent sign must be doubled)\n\
         INSERT INTO app.point (label, owner, tolerance) \
         VALUES ('100%%', %(OWNER)s, %(TOL)s), ('50%% done', %(OWNER)s, %(TOL)s * 2);\n\
         UPDATE app.point SET label = upper(label) WHERE label LIKE '50%%';\n\
         INSERT INTO app.delta_log (delta) VALUES ('1.0.1 labels');\n",
    );
    db.write(
        "delta/delta_1.0.1_labels.post.sql",
        "INSERT INTO app.label_style VALUES (%(SRID)s, 'EPSG:' || %(SRID)s);\n\
         INSERT INTO app.delta_log (delta) VALUES ('1.0.1 labels post');\n",
    );
    db.write(
        "delta/delta_1.1.0_import.py",
        r#"import psycopg2

from pum.core.deltapy import DeltaPy


def record(delta, cls):
    v = delta.variables
    conn = psycopg2.connect("service={}".format(delta.pg_service))
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO app.pyrun (cls, srid, srid_type, tol, owner, vars_type, cur, delta_dir, "
        "dirs, dirs_type, service, tbl) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (cls, str(v["SRID"]), type(v["SRID"]).__name__, repr(v["TOL"]), v["OWNER"],
         type(v).__name__, str(delta.current_db_version), delta.delta_dir,
         ",".join(delta.delta_dirs), type(delta.delta_dirs).__name__, delta.pg_service,
         delta.upgrades_table))
    cur.execute("INSERT INTO app.point (srid, label) VALUES (%s, %s)", (v["SRID"], cls))
    conn.commit()
    conn.close()


# Defined in reverse order: pum runs the subclasses by name.
class ZImportSecond(DeltaPy):
    def run(self):
        self.write_message("second, SRID {}".format(self.variables["SRID"]))
        record(self, "ZImportSecond")


class AImportFirst(DeltaPy):
    def run(self):
        self.write_message("first, SRID {}".format(self.variables["SRID"]))
        record(self, "AImportFirst")
"#,
    );
    db.write(
        "delta/delta_1.1.0_import.post.sql",
        "UPDATE app.point SET label = label || ' (imported)' WHERE label LIKE '%%Import%%';\n\
         INSERT INTO app.delta_log (delta) VALUES ('1.1.0 import post');\n",
    );
    db.write(
        "delta/delta_1.2.0_cleanup.sql",
        "DELETE FROM app.point WHERE label = '100%%';\n\
         INSERT INTO app.delta_log (delta) VALUES ('1.2.0 cleanup');\n",
    );
}

const SURVEY_VARS: [&str; 12] = [
    "-v", "int", "SRID", "2056", "-v", "float", "TOL", "0.5", "-v", "string", "OWNER", "O'Brien",
];

fn survey_state(db: &Db) -> Vec<String> {
    let mut s = db.rows("SELECT seq, delta FROM app.delta_log ORDER BY seq");
    s.extend(db.rows("SELECT * FROM app.runs ORDER BY seq"));
    s.extend(db.rows("SELECT * FROM app.point ORDER BY id"));
    s.extend(db.rows("SELECT * FROM app.label_style ORDER BY srid"));
    // The service name is each database's own.
    s.extend(db.rows(&format!(
        "SELECT seq, cls, srid, srid_type, tol, owner, vars_type, cur, delta_dir, dirs, \
         dirs_type, replace(service, '{}', '<service>'), tbl FROM app.pyrun ORDER BY seq",
        db.name
    )));
    s
}

/// The same deltas (pre/post, DeltaPy, variables, pre-all/post-all) give
/// the same data and the same history in both tools.
#[test]
fn deltapy_variables_pre_post_same_result() {
    let Some(exe) = python_pum() else { return };
    let theirs = Db::new("compat_vars_py");
    let mine = Db::new("compat_vars_us");
    survey_model(&theirs);
    survey_model(&mine);

    let mut args = vec![
        "upgrade",
        "-p",
        &theirs.name,
        "-t",
        "app.info",
        "-d",
        "delta",
    ];
    args.extend_from_slice(&SURVEY_VARS);
    py(
        &theirs,
        &exe,
        &[
            "baseline",
            "-p",
            &theirs.name,
            "-t",
            "app.info",
            "-d",
            "delta",
            "-b",
            "1.0.0",
        ],
    )
    .ok();
    let py_up = py(&theirs, &exe, &args);
    py_up.ok();

    let mut args = vec!["upgrade", "-p", &mine.name, "-t", "app.info", "-d", "delta"];
    args.extend_from_slice(&SURVEY_VARS);
    ours(
        &mine,
        &[
            "baseline", "-p", &mine.name, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
        ],
    )
    .ok();
    let our_up = ours(&mine, &args);
    our_up.ok();

    // write_message reaches the user in both tools, class by class.
    for up in [&py_up, &our_up] {
        let out = up.all();
        let first = out
            .find("Message from AImportFirst: first, SRID 2056")
            .unwrap_or_else(|| panic!("{out}"));
        let second = out
            .find("Message from ZImportSecond: second, SRID 2056")
            .unwrap_or_else(|| panic!("{out}"));
        assert!(first < second, "{out}");
    }

    // Python pum's result is what pum 0.10 users have; check it is what we
    // think it is, then compare ours to it.
    let reference = survey_state(&theirs);
    for want in [
        "1|1.0.0 init",
        "2|1.0.1 labels pre",
        "3|1.0.1 labels",
        "4|1.0.1 labels post",
        "5|1.1.0 import post",
        "6|1.2.0 cleanup",
        "1|pre-all|2056",
        "2|post-all 100%|2056",
        "2|2056|50% DONE|O'Brien|1",
        "3|2056|AImportFirst (imported)|NULL|NULL",
        "4|2056|ZImportSecond (imported)|NULL|NULL",
        "2056|EPSG:2056",
        "1|AImportFirst|2056|int|0.5|O'Brien|dict|1.0.1|delta/|delta|list|<service>|app.info",
        "2|ZImportSecond|2056|int|0.5|O'Brien|dict|1.0.1|delta/|delta|list|<service>|app.info",
    ] {
        assert!(
            reference.iter().any(|r| r == want),
            "{want:?} missing from pum 0.10's result {reference:#?}"
        );
    }
    assert_eq!(survey_state(&mine), reference);

    let history = [
        "1.0.0|baseline|0|||postgres|t",
        "1.0.0|init|8|delta/delta_1.0.0_init.sql|",
        "1.0.1|labels|9|delta/delta_1.0.1_labels.pre.sql|",
        "1.0.1|labels|8|delta/delta_1.0.1_labels.sql|",
        "1.0.1|labels|10|delta/delta_1.0.1_labels.post.sql|",
        "1.1.0|import|4|delta/delta_1.1.0_import.py|",
        "1.1.0|import|10|delta/delta_1.1.0_import.post.sql|",
        "1.2.0|cleanup|8|delta/delta_1.2.0_cleanup.sql|",
    ];
    let rows = theirs.rows(HISTORY);
    assert_eq!(rows.len(), history.len(), "{rows:#?}");
    for (row, want) in rows.iter().zip(history) {
        assert!(row.starts_with(want), "{row:?} vs {want:?}");
    }
    assert_eq!(mine.rows(HISTORY), rows);

    // Both tools see the other's database as up to date.
    let (current, items) = our_info(&theirs, &["delta"]);
    assert_eq!(current, "1.2.0");
    assert!(items.iter().all(|(_, s)| s == "applied"), "{items:?}");
    let info = py(
        &mine,
        &exe,
        &["info", "-p", &mine.name, "-t", "app.info", "-d", "delta"],
    );
    info.ok();
    let deltas = python_info_deltas(&info.stdout());
    assert_eq!(deltas.len(), 7, "{}", info.stdout());
    assert!(
        deltas.iter().all(|d| d[3] == "Applied"),
        "{}",
        info.stdout()
    );
}

/// A delta at the baseline version runs after `baseline` (pum's `>=`
/// rule), an older one does not, whichever tool baselines and whichever
/// upgrades.
#[test]
fn delta_at_baseline_version_runs_in_both_tools() {
    let Some(exe) = python_pum() else { return };
    #[derive(Clone, Copy, Debug)]
    enum Tool {
        Python,
        Ours,
    }
    let mut histories = Vec::new();
    for (base, up) in [
        (Tool::Python, Tool::Python),
        (Tool::Python, Tool::Ours),
        (Tool::Ours, Tool::Python),
        (Tool::Ours, Tool::Ours),
    ] {
        let db = Db::new("compat_at_baseline");
        db.exec(
            "CREATE SCHEMA app; \
             CREATE TABLE app.delta_log (seq serial, delta text NOT NULL UNIQUE)",
        );
        for (file, what) in [
            ("delta_0.9.0_old.sql", "0.9.0 old"),
            ("delta_1.0.0_first.sql", "1.0.0 first"),
            ("delta_1.0.0_first.post.sql", "1.0.0 first post"),
            ("delta_1.0.1_next.sql", "1.0.1 next"),
        ] {
            db.write(
                &format!("delta/{file}"),
                &format!("INSERT INTO app.delta_log (delta) VALUES ('{what}');\n"),
            );
        }
        let p = db.name.as_str();
        let run = |tool: Tool, args: &[&str]| match tool {
            Tool::Python => py(&db, &exe, args),
            Tool::Ours => ours(&db, args),
        };
        run(
            base,
            &[
                "baseline", "-p", p, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
            ],
        )
        .ok();
        run(up, &["upgrade", "-p", p, "-t", "app.info", "-d", "delta"]).ok();
        assert_eq!(
            db.column("SELECT delta FROM app.delta_log ORDER BY seq"),
            ["1.0.0 first", "1.0.0 first post", "1.0.1 next"],
            "baseline by {base:?}, upgrade by {up:?}"
        );
        // Nothing more on a second run by the other tool.
        let other = match up {
            Tool::Python => Tool::Ours,
            Tool::Ours => Tool::Python,
        };
        run(
            other,
            &["upgrade", "-p", p, "-t", "app.info", "-d", "delta"],
        )
        .ok();
        assert_eq!(db.scalar("SELECT count(*) FROM app.delta_log"), "3");
        histories.push((base, up, db.rows(HISTORY)));
    }
    let (_, _, first) = &histories[0];
    assert_eq!(
        first
            .iter()
            .map(|r| r.rsplitn(4, '|').last().unwrap().to_string())
            .collect::<Vec<_>>(),
        [
            "1.0.0|baseline|0|",
            "1.0.0|first|8|delta/delta_1.0.0_first.sql",
            "1.0.0|first|10|delta/delta_1.0.0_first.post.sql",
            "1.0.1|next|8|delta/delta_1.0.1_next.sql",
        ]
    );
    for (base, up, rows) in &histories[1..] {
        assert_eq!(rows, first, "baseline by {base:?}, upgrade by {up:?}");
    }
}
