//! Fleet runs: `baseline`, `info`, `upgrade`, `deploy` and `check` on many
//! databases or schemas at once, against a real cluster.

mod common;

use std::path::Path;

use common::{assert_has, cluster, Db, Run};

/// The shared cluster, as a connection string without a database.
fn server() -> String {
    let s = cluster().lock().unwrap();
    format!(
        "host={} port={} user=postgres",
        s.socket_dir().display(),
        s.port()
    )
}

/// `n` fresh databases, each with the schema `app`.
fn fleet(test: &str, n: usize) -> Vec<Db> {
    (0..n)
        .map(|_| {
            let db = Db::new(test);
            db.exec("CREATE SCHEMA app");
            db
        })
        .collect()
}

fn names(dbs: &[Db]) -> String {
    dbs.iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Three deltas: a table, a row in it, a second table.
fn deltas(dir: &Path) -> String {
    let d = dir.join("deltas");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("delta_1.0.1_pipes.sql"),
        "CREATE TABLE app.pipes (id int);\n",
    )
    .unwrap();
    std::fs::write(
        d.join("delta_1.0.2_first_pipe.sql"),
        "INSERT INTO app.pipes VALUES (1);\n",
    )
    .unwrap();
    std::fs::write(
        d.join("delta_1.0.3_valves.sql"),
        "-- valves\nCREATE TABLE app.valves (id int);\n",
    )
    .unwrap();
    d.display().to_string()
}

fn pum(db: &Db, args: &[&str]) -> Run {
    db.run(args)
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}\n{}", run.stdout(), run.stderr()))
}

fn versions(db: &Db) -> Vec<String> {
    db.column("SELECT version FROM app.info WHERE type <> 0 ORDER BY id")
}

#[test]
fn a_fleet_of_twenty_databases_with_one_failing_target_then_a_rerun() {
    let dbs = fleet("fleet20", 20);
    let first = &dbs[0];
    let dir = deltas(first.path());
    let server = server();
    let list = names(&dbs);
    let common = ["--databases", &list, "--uri", &server, "-t", "app.info"];
    let mut args = vec!["baseline"];
    args.extend(common);
    args.extend(["-b", "1.0.0", "--jobs", "4"]);
    let out = pum(first, &args);
    out.ok();
    assert_has(&out.stdout(), &["20 targets: 20 recorded."]);
    // The eighth database already has what the third delta creates.
    dbs[7].exec("CREATE TABLE app.valves (id int)");

    let mut args = vec!["upgrade"];
    args.extend(common);
    args.extend(["-d", &dir, "--jobs", "4"]);
    let out = pum(first, &args);
    out.expect_code(2);
    let stdout = out.stdout();
    assert_has(
        &stdout,
        &[
            "| Target",
            "| From",
            "| Applied",
            "20 targets: 19 upgraded, 1 failed.",
        ],
    );
    let bad = stdout
        .lines()
        .find(|l| l.contains(&dbs[7].name))
        .expect("a row for the failing target");
    assert_has(bad, &["1.0.0", "1.0.2", "| 2 ", "delta_1.0.3_valves.sql"]);
    // Its error in full, with the file, line and source line.
    assert_has(
        &out.stderr(),
        &[
            &format!("== {}", dbs[7].name),
            "delta_1.0.3_valves.sql:2",
            "already exists",
            "2 | CREATE TABLE app.valves (id int);",
            "Applied and kept before the failure (2)",
        ],
    );
    for (i, db) in dbs.iter().enumerate() {
        if i == 7 {
            assert_eq!(versions(db), ["1.0.1", "1.0.2"], "{}", db.name);
        } else {
            assert_eq!(versions(db), ["1.0.1", "1.0.2", "1.0.3"], "{}", db.name);
        }
    }

    // Fixed, the re-run continues where each target stopped.
    dbs[7].exec("DROP TABLE app.valves");
    let mut args = vec!["upgrade"];
    args.extend(common);
    args.extend(["-d", &dir, "--jobs", "4", "--format", "json"]);
    let out = pum(first, &args);
    out.ok();
    let doc = json(&out);
    assert_eq!(doc["command"], "upgrade");
    assert_eq!(doc["ok"], 20);
    assert_eq!(doc["failed"], 0);
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 20);
    for (i, t) in targets.iter().enumerate() {
        assert_eq!(t["target"], dbs[i].name.as_str());
        assert_eq!(t["status"], "ok");
        let applied = t["applied"].as_array().unwrap().len();
        assert_eq!(applied, usize::from(i == 7), "{t}");
        assert_eq!(t["to"], "1.0.3");
    }
    assert_eq!(versions(&dbs[7]), ["1.0.1", "1.0.2", "1.0.3"]);

    // info over the fleet: everyone up to date.
    let mut args = vec!["info"];
    args.extend(common);
    args.extend(["-d", &dir, "--exit-code"]);
    let out = pum(first, &args);
    out.ok();
    assert_has(&out.stdout(), &["20 targets: 20 read."]);
}

#[test]
fn a_failing_target_reports_in_json_and_the_others_go_on() {
    let dbs = fleet("fleetjson", 3);
    let dir = deltas(dbs[0].path());
    let p: Vec<String> = dbs.iter().map(|d| d.conninfo.clone()).collect();
    for db in &dbs {
        pum(
            db,
            &["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"],
        )
        .ok();
    }
    dbs[0].exec("CREATE TABLE app.valves (id int)");
    let out = pum(
        &dbs[0],
        &[
            "upgrade", "-p", &p[0], "-p", &p[1], "-p", &p[2], "-t", "app.info", "-d", &dir,
            "--format", "json",
        ],
    );
    out.expect_code(2);
    let doc = json(&out);
    assert_eq!(
        (doc["ok"].as_u64(), doc["failed"].as_u64()),
        (Some(2), Some(1))
    );
    let t0 = &doc["targets"][0];
    assert_eq!(t0["status"], "failed");
    assert_eq!(t0["from"], "1.0.0");
    assert_eq!(t0["to"], "1.0.2");
    assert_eq!(t0["applied"].as_array().unwrap().len(), 2);
    assert_eq!(t0["error"]["sqlstate"], "42P07");
    assert_eq!(t0["error"]["line"], 2);
    assert!(t0["error"]["file"]
        .as_str()
        .unwrap()
        .ends_with("delta_1.0.3_valves.sql"));
    assert_eq!(doc["targets"][1]["status"], "ok");
    // Progress and the readable error went to stderr.
    assert_has(
        &out.stderr(),
        &[
            &format!("{}: FAILED", dbs[0].name),
            &format!("{}: done", dbs[1].name),
        ],
    );
}

#[test]
fn fail_fast_and_canary_keep_the_rest_untouched() {
    let dbs = fleet("fleetcanary", 5);
    let dir = deltas(dbs[0].path());
    let server = server();
    let list = names(&dbs);
    let common = ["--databases", &list, "--uri", &server, "-t", "app.info"];
    let mut args = vec!["baseline"];
    args.extend(common);
    args.extend(["-b", "1.0.0"]);
    pum(&dbs[0], &args).ok();

    // The canary (the first two) fails: nobody else starts.
    dbs[1].exec("CREATE TABLE app.valves (id int)");
    let mut args = vec!["upgrade"];
    args.extend(common);
    args.extend(["-d", &dir, "--canary", "2", "--jobs", "2"]);
    let out = pum(&dbs[0], &args);
    out.expect_code(2);
    assert_has(
        &out.stdout(),
        &[
            "not started: a canary target failed (--canary)",
            "5 targets: 1 upgraded, 1 failed, 3 not started.",
        ],
    );
    for db in &dbs[2..] {
        assert!(versions(db).is_empty(), "{} was upgraded", db.name);
    }

    // --fail-fast, one at a time: the third fails, the fourth and fifth
    // never start.
    dbs[1].exec("DROP TABLE app.valves");
    dbs[2].exec("CREATE TABLE app.valves (id int)");
    let mut args = vec!["upgrade"];
    args.extend(common);
    args.extend(["-d", &dir, "--fail-fast"]);
    let out = pum(&dbs[0], &args);
    out.expect_code(2);
    assert_has(
        &out.stdout(),
        &[
            "not started: another target failed (--fail-fast)",
            "2 upgraded, 1 failed, 2 not started",
        ],
    );
    assert_eq!(versions(&dbs[1]), ["1.0.1", "1.0.2", "1.0.3"]);
    assert_eq!(versions(&dbs[2]), ["1.0.1", "1.0.2"]);
    assert!(versions(&dbs[3]).is_empty());

    // A good canary: everything goes.
    dbs[2].exec("DROP TABLE app.valves");
    let mut args = vec!["upgrade"];
    args.extend(common);
    args.extend(["-d", &dir, "--canary", "1", "--jobs", "3"]);
    pum(&dbs[0], &args).ok();
    for db in &dbs {
        assert_eq!(versions(db), ["1.0.1", "1.0.2", "1.0.3"], "{}", db.name);
    }
}

#[test]
fn one_schema_per_tenant() {
    let db = Db::new("fleetschemas");
    db.exec("CREATE SCHEMA t1; CREATE SCHEMA t2; CREATE SCHEMA \"T 3\"; CREATE SCHEMA pum_sys");
    let d = db.path().join("tenant");
    std::fs::create_dir_all(&d).unwrap();
    // Unqualified names land in the tenant's schema; the schema's name
    // is the variable `schema`.
    std::fs::write(
        d.join("delta_1.0.1_pipes.sql"),
        "CREATE TABLE pipes (owner text, note text);\n\
         INSERT INTO pipes VALUES (%(schema)s, current_schema() || ' 100%%');\n",
    )
    .unwrap();
    std::fs::write(
        d.join("delta_1.0.2_search_path.sql"),
        "SET search_path = public;\nCREATE TABLE public.spoiler_marker_never_used (x int);\nDROP TABLE public.spoiler_marker_never_used;\n",
    )
    .unwrap();
    std::fs::write(
        d.join("delta_1.0.3_valves.sql"),
        "CREATE TABLE valves (id int);\n",
    )
    .unwrap();
    let dir = d.display().to_string();
    let schemas = "t1,t2,T 3";
    pum(
        &db,
        &[
            "baseline",
            "-p",
            &db.name,
            "--schemas",
            schemas,
            "-t",
            "{schema}.pum_upgrades",
            "-b",
            "1.0.0",
        ],
    )
    .ok();
    let out = pum(
        &db,
        &[
            "upgrade",
            "-p",
            &db.name,
            "--schemas",
            schemas,
            "-t",
            "{schema}.pum_upgrades",
            "-d",
            &dir,
            "--jobs",
            "2",
        ],
    );
    out.ok();
    assert_has(
        &out.stdout(),
        &[
            &format!("{}/t1", db.name),
            &format!("{}/T 3", db.name),
            "3 targets: 3 upgraded.",
        ],
    );
    for s in ["t1", "t2", "T 3"] {
        let q = s.replace('"', "\"\"");
        assert_eq!(
            db.rows(&format!("SELECT owner, note FROM \"{q}\".pipes")),
            [format!("{s}|{s} 100%")]
        );
        // The SET of the second delta did not leak into the third.
        assert_eq!(
            db.scalar(&format!(
                "SELECT count(*) FROM pg_tables WHERE schemaname = '{s}' AND tablename = 'valves'"
            )),
            "1"
        );
        assert_eq!(
            db.column(&format!(
                "SELECT version FROM \"{q}\".pum_upgrades WHERE type <> 0 ORDER BY id"
            )),
            ["1.0.1", "1.0.2", "1.0.3"]
        );
    }
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
        "0"
    );

    // --all-schemas with one shared history schema: that schema is not a
    // tenant, public is (and gets its own table).
    let out = pum(
        &db,
        &[
            "baseline",
            "-p",
            &db.name,
            "--all-schemas",
            "--skip-schemas",
            "T 3",
            "-t",
            "pum_sys.up_{schema}",
            "-b",
            "1.0.0",
            "--format",
            "json",
        ],
    );
    out.ok();
    let doc = json(&out);
    let labels: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["schema"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["public", "t1", "t2"]);
    assert_eq!(
        db.column("SELECT tablename::text FROM pg_tables WHERE schemaname = 'pum_sys' ORDER BY 1"),
        ["up_public", "up_t1", "up_t2"]
    );

    // One table for every schema is refused, before anything runs.
    let out = pum(
        &db,
        &[
            "upgrade",
            "-p",
            &db.name,
            "--schemas",
            "t1,t2",
            "-t",
            "pum_sys.info",
            "-d",
            &dir,
        ],
    );
    out.expect_code(2);
    assert_has(&out.stderr(), &["{schema}", "-t pum_sys.info"]);
    // A schema that does not exist fails its own target only.
    let out = pum(
        &db,
        &[
            "info",
            "-p",
            &db.name,
            "--schemas",
            "t1,nope",
            "-t",
            "{schema}.pum_upgrades",
            "-d",
            &dir,
        ],
    );
    out.expect_code(2);
    assert_has(
        &out.stdout(),
        &["the schema nope does not exist", "1 read, 1 failed"],
    );
    // `schema` is not a -v variable with schemas as targets.
    let out = pum(
        &db,
        &[
            "upgrade",
            "-p",
            &db.name,
            "--schemas",
            "t1",
            "-t",
            "{schema}.pum_upgrades",
            "-d",
            &dir,
            "-v",
            "text",
            "schema",
            "x",
        ],
    );
    out.expect_code(2);
    assert_has(&out.stderr(), &["variable `schema`"]);
}

#[test]
fn info_exit_code_says_whether_any_target_is_behind() {
    let dbs = fleet("fleetinfo", 2);
    let dir = deltas(dbs[0].path());
    let p: Vec<&str> = dbs.iter().map(|d| d.conninfo.as_str()).collect();
    pum(
        &dbs[0],
        &[
            "baseline", "-p", p[0], "-p", p[1], "-t", "app.info", "-b", "1.0.0",
        ],
    )
    .ok();
    pum(
        &dbs[0],
        &["upgrade", "-p", p[0], "-t", "app.info", "-d", &dir],
    )
    .ok();
    let out = pum(
        &dbs[0],
        &[
            "info",
            "-p",
            p[0],
            "-p",
            p[1],
            "-t",
            "app.info",
            "-d",
            &dir,
            "--exit-code",
        ],
    );
    out.expect_code(1);
    let behind = out
        .stdout()
        .lines()
        .find(|l| l.contains(&dbs[1].name))
        .unwrap()
        .to_string();
    assert_has(&behind, &["1.0.0", "| 3 ", "1.0.3"]);
    let out = pum(
        &dbs[0],
        &[
            "info", "-p", p[0], "-p", p[1], "-t", "app.info", "-d", &dir, "--format", "json",
        ],
    );
    out.ok();
    let doc = json(&out);
    assert_eq!(doc["targets"][0]["pending"].as_array().unwrap().len(), 0);
    assert_eq!(doc["targets"][1]["pending"].as_array().unwrap().len(), 3);
    assert_eq!(doc["targets"][1]["current"], "1.0.0");
}

#[test]
fn check_compares_every_target_with_one_reference() {
    let dbs = fleet("fleetcheck", 4);
    for db in &dbs {
        db.exec("CREATE TABLE app.pipes (id int PRIMARY KEY, name text)");
    }
    dbs[2].exec("ALTER TABLE app.pipes ADD COLUMN extra int");
    let server = server();
    let list = names(&dbs[1..]);
    let out = pum(
        &dbs[0],
        &[
            "check",
            "-p1",
            &dbs[0].name,
            "--databases",
            &list,
            "--uri",
            &server,
            "--jobs",
            "2",
        ],
    );
    out.expect_code(1);
    let stdout = out.stdout();
    assert_has(
        &stdout,
        &[
            &format!("== {}", dbs[2].name),
            "extra",
            "3 targets: 2 equal to the reference, 1 different.",
        ],
    );
    assert!(!stdout.contains(&format!("== {}", dbs[1].name)), "{stdout}");
    let out = pum(
        &dbs[0],
        &[
            "check",
            "-p1",
            &dbs[0].conninfo,
            "-p2",
            &dbs[1].conninfo,
            "-p2",
            &dbs[2].conninfo,
            "--format",
            "json",
        ],
    );
    out.expect_code(1);
    let doc = json(&out);
    assert_eq!(doc["differ"], 1);
    assert_eq!(doc["targets"][0]["equal"], true);
    assert_eq!(doc["targets"][1]["equal"], false);
    assert!(!doc["targets"][1]["differences"]
        .as_array()
        .unwrap()
        .is_empty());
    // A target that cannot be read fails alone.
    let out = pum(
        &dbs[0],
        &[
            "check",
            "-p1",
            &dbs[0].conninfo,
            "-p2",
            &dbs[1].conninfo,
            "-p2",
            &format!("{} dbname=no_such_db_here", server),
        ],
    );
    out.expect_code(2);
    assert_has(&out.stdout(), &["1 equal to the reference, 1 failed"]);
}

#[test]
fn deploy_to_many_databases() {
    let dbs = fleet("fleetdeploy", 3);
    let d = dbs[0].path().join("deployment");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("00001-pipes.sql"),
        "CREATE TABLE app.pipes (id int);\n",
    )
    .unwrap();
    std::fs::write(
        d.join("00002-valves.sql"),
        "CREATE TABLE app.valves (id int);\n",
    )
    .unwrap();
    let dir = d.display().to_string();
    dbs[2].exec("CREATE TABLE app.valves (id int)");
    let p: Vec<&str> = dbs.iter().map(|d| d.conninfo.as_str()).collect();
    let out = pum(
        &dbs[0],
        &[
            "deploy", "-p", p[0], "-p", p[1], "-p", p[2], "-d", &dir, "--jobs", "3",
        ],
    );
    out.expect_code(2);
    assert_has(&out.stdout(), &["3 targets: 2 deployed, 1 failed."]);
    assert_has(&out.stderr(), &["00002-valves.sql", "already exists"]);
    let out = pum(
        &dbs[0],
        &[
            "deploy",
            "-p",
            p[0],
            "-p",
            p[1],
            "-p",
            p[2],
            "-d",
            &dir,
            "--status",
            "--exit-code",
        ],
    );
    out.expect_code(1);
    let row = out
        .stdout()
        .lines()
        .find(|l| l.contains(&dbs[2].name))
        .unwrap()
        .to_string();
    assert_has(&row, &["| 1 ", "| 1 "]);
    dbs[2].exec("DROP TABLE app.valves");
    pum(
        &dbs[0],
        &["deploy", "-p", p[0], "-p", p[1], "-p", p[2], "-d", &dir],
    )
    .ok();
    for db in &dbs {
        assert_eq!(
            db.column("SELECT file_name FROM tbl_deployments ORDER BY 1"),
            ["00001-pipes.sql", "00002-valves.sql"]
        );
    }
}

#[test]
fn an_interrupt_stops_the_fleet_cleanly() {
    let dbs = fleet("fleetint", 3);
    let d = dbs[0].path().join("slow");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("delta_1.0.1_slow.sql"),
        "CREATE TABLE app.slow (id int);\nSELECT pg_sleep(30);\n",
    )
    .unwrap();
    let dir = d.display().to_string();
    let p: Vec<&str> = dbs.iter().map(|d| d.conninfo.as_str()).collect();
    pum(
        &dbs[0],
        &[
            "baseline", "-p", p[0], "-p", p[1], "-p", p[2], "-t", "app.info", "-b", "1.0.0",
        ],
    )
    .ok();
    let child = dbs[0]
        .pum()
        .args([
            "upgrade", "-p", p[0], "-p", p[1], "-p", p[2], "-t", "app.info", "-d", &dir,
            "--format", "json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first target's statement is running.
    let started = std::time::Instant::now();
    while dbs[0].scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") == "0" {
        assert!(started.elapsed().as_secs() < 20, "the slow delta never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    nix_kill(child.id(), "INT");
    let out = Run(child.wait_with_output().unwrap());
    out.expect_code(130);
    let doc = json(&out);
    assert_eq!(doc["targets"][0]["status"], "failed");
    assert_eq!(doc["targets"][0]["error"]["kind"], "interrupted");
    assert_eq!(doc["targets"][1]["status"], "not-started");
    assert_eq!(doc["targets"][1]["not_started"], "interrupted");
    for db in &dbs {
        assert!(versions(db).is_empty());
        assert_eq!(
            db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'slow'"),
            "0"
        );
    }
}

fn nix_kill(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn deploy_into_every_tenant_schema() {
    let db = Db::new("fleetdeployschemas");
    db.exec("CREATE SCHEMA t1; CREATE SCHEMA t2");
    let d = db.path().join("deployment");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("00001-pipes.sql"), "CREATE TABLE pipes (id int);\n").unwrap();
    let dir = d.display().to_string();
    // The default table has no schema: each tenant's search_path puts it
    // in the tenant's schema.
    let out = pum(
        &db,
        &[
            "deploy",
            "-p",
            &db.conninfo,
            "--schemas",
            "t1,t2",
            "-d",
            &dir,
        ],
    );
    out.ok();
    assert_has(&out.stdout(), &["2 targets: 2 deployed."]);
    for s in ["t1", "t2"] {
        assert_eq!(
            db.column(&format!("SELECT file_name FROM {s}.tbl_deployments")),
            ["00001-pipes.sql"]
        );
        assert_eq!(
            db.scalar(&format!(
                "SELECT count(*) FROM pg_tables WHERE schemaname = '{s}' AND tablename = 'pipes'"
            )),
            "1"
        );
    }
    // A schema-qualified table shared by every tenant is refused.
    let out = pum(
        &db,
        &[
            "deploy",
            "-p",
            &db.conninfo,
            "--schemas",
            "t1,t2",
            "-d",
            &dir,
            "-t",
            "public.tbl_deployments",
        ],
    );
    out.expect_code(2);
    assert_has(&out.stderr(), &["{schema}"]);
}

#[test]
fn a_pum_1_module_on_many_databases() {
    let dbs: Vec<Db> = (0..3).map(|_| Db::new("fleetmodule")).collect();
    let m = dbs[0].path().join("m");
    std::fs::create_dir_all(m.join("changelogs/1.0.0")).unwrap();
    std::fs::create_dir_all(m.join("changelogs/1.1.0")).unwrap();
    std::fs::write(
        m.join(".pum.yaml"),
        "pum:\n  module: fleetmod\n  migration_table_schema: fm_sys\n",
    )
    .unwrap();
    std::fs::write(
        m.join("changelogs/1.0.0/01_pipes.sql"),
        "CREATE SCHEMA fm_od;\nCREATE TABLE fm_od.pipes (id int);\n",
    )
    .unwrap();
    std::fs::write(
        m.join("changelogs/1.1.0/01_valves.sql"),
        "CREATE TABLE fm_od.valves (id int);\n",
    )
    .unwrap();
    let dir = m.display().to_string();
    let p: Vec<&str> = dbs.iter().map(|d| d.conninfo.as_str()).collect();
    let out = pum(
        &dbs[0],
        &[
            "-p",
            p[0],
            "-p",
            p[1],
            "-p",
            p[2],
            "-d",
            &dir,
            "install",
            "--max-version",
            "1.0.0",
        ],
    );
    out.ok();
    assert_has(&out.stdout(), &["3 targets: 3 installed."]);
    dbs[1].exec("CREATE TABLE fm_od.valves (id int)");
    let server = server();
    let list = names(&dbs);
    let out = pum(
        &dbs[0],
        &[
            "--databases",
            &list,
            "--uri",
            &server,
            "--jobs",
            "2",
            "-d",
            &dir,
            "upgrade",
        ],
    );
    out.expect_code(2);
    let stdout = out.stdout();
    assert_has(
        &stdout,
        &["3 targets: 2 upgraded, 1 failed.", "already exists"],
    );
    let bad = stdout.lines().find(|l| l.contains(&dbs[1].name)).unwrap();
    assert_has(bad, &["01_valves.sql"]);
    let versions =
        |db: &Db| db.column("SELECT version FROM fm_sys.pum_migrations ORDER BY version");
    assert_eq!(versions(&dbs[0]), ["1.0.0", "1.1.0"]);
    assert_eq!(versions(&dbs[1]), ["1.0.0"]);
    let out = pum(
        &dbs[0],
        &[
            "--databases",
            &list,
            "--uri",
            &server,
            "-d",
            &dir,
            "info",
            "--exit-code",
            "--format",
            "json",
        ],
    );
    out.expect_code(1);
    let doc = json(&out);
    assert_eq!(doc["targets"][1]["current"], "1.0.0");
    assert_eq!(doc["targets"][0]["current"], "1.1.0");
    // Schemas are no targets of a module.
    let out = pum(
        &dbs[0],
        &["-p", p[0], "--schemas", "a,b", "-d", &dir, "info"],
    );
    out.expect_code(2);
    assert_has(&out.stderr(), &["migration_table_schema"]);
}

#[test]
fn what_a_fleet_cannot_do_is_refused_before_anything_runs() {
    let dbs = fleet("fleetrefuse", 2);
    let p: Vec<&str> = dbs.iter().map(|d| d.conninfo.as_str()).collect();
    let snap = dbs[0].write("ref.json", "{}");
    let snap = snap.display().to_string();
    for (args, needle) in [
        (
            vec![
                "check", "-p1", p[0], "-p2", p[0], "-p2", p[1], "--format", "html",
            ],
            "--format html writes one comparison",
        ),
        (
            vec!["check", "-p1", p[0], "-p2", p[1], "-p2", snap.as_str()],
            "every -p2 is a database",
        ),
        (
            vec!["check", "-p1", p[0], "-p2", p[1], "--schemas", "app"],
            "check compares whole databases",
        ),
        (
            vec!["-p", p[0], "-p", p[1], "-d", ".", "role", "list"],
            "works on one database at a time",
        ),
    ] {
        let out = pum(&dbs[0], &args);
        out.expect_code(2);
        assert_has(&out.stderr(), &[needle]);
    }
}
