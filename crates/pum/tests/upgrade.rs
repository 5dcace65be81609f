//! baseline / info / upgrade end to end on a real PostgreSQL.

mod common;

use common::Db;

fn model(db: &Db) {
    db.exec("CREATE SCHEMA app");
    db.write(
        "delta/delta_1.0.0_init.sql",
        "CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int);\n",
    );
    db.write(
        "delta/delta_1.0.1_material.pre.sql",
        "CREATE TABLE app.material (id int PRIMARY KEY, name text);\n",
    );
    db.write(
        "delta/delta_1.0.1_material.sql",
        "ALTER TABLE app.pipe ADD COLUMN material int REFERENCES app.material;\n",
    );
    db.write(
        "delta/delta_1.0.1_material.post.sql",
        "INSERT INTO app.material VALUES (1, 'PE'), (2, 'steel');\n",
    );
}

#[test]
fn baseline_info_upgrade_end_to_end() {
    let db = Db::new("e2e");
    model(&db);
    let p = db.name.as_str();
    db.run(&[
        "baseline", "-p", p, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
    ])
    .ok();
    let info = db.run(&["info", "-p", p, "-t", "app.info", "-d", "delta"]);
    info.ok();
    let out = info.stdout();
    assert!(out.contains("Current version: 1.0.0"), "{out}");
    // Deltas at the baseline version are pending, as in pum 0.x.
    assert!(out.contains("| 1.0.0   | init"), "{out}");
    assert_eq!(out.matches("pending").count(), 4 + 1, "{out}");

    db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "delta"])
        .ok();
    assert_eq!(
        db.column("SELECT name FROM app.material ORDER BY id"),
        ["PE", "steel"]
    );
    assert_eq!(
        db.rows("SELECT version, description, type, script, success FROM app.info ORDER BY id"),
        [
            "1.0.0|baseline|0||t",
            "1.0.0|init|8|delta/delta_1.0.0_init.sql|t",
            "1.0.1|material|9|delta/delta_1.0.1_material.pre.sql|t",
            "1.0.1|material|8|delta/delta_1.0.1_material.sql|t",
            "1.0.1|material|10|delta/delta_1.0.1_material.post.sql|t",
        ]
    );
    // Second run: nothing to do, nothing recorded twice.
    let again = db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "delta"]);
    again.ok();
    assert!(
        again.stdout().contains("up to date at 1.0.1"),
        "{}",
        again.stdout()
    );
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "5");
    // info --exit-code: 0 when nothing is pending.
    db.run(&[
        "info",
        "-p",
        p,
        "-t",
        "app.info",
        "-d",
        "delta",
        "--exit-code",
    ])
    .ok();
}

#[test]
fn info_exit_code_and_json() {
    let db = Db::new("infojson");
    model(&db);
    let p = db.name.as_str();
    db.run(&["baseline", "-p", p, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    db.run(&[
        "info",
        "-p",
        p,
        "-t",
        "app.info",
        "-d",
        "delta",
        "--exit-code",
    ])
    .expect_code(1);
    let json = db.run(&[
        "info", "-p", p, "-t", "app.info", "-d", "delta", "--format", "json",
    ]);
    json.ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout()).expect("valid JSON");
    assert_eq!(v["plan"]["current"], "1.0.0");
    assert_eq!(v["plan"]["items"].as_array().unwrap().len(), 4);
    assert_eq!(v["plan"]["items"][0]["status"], "pending");
    assert_eq!(v["rows"][0]["description"], "baseline");
}

#[test]
fn conninfo_and_uri_targets_work() {
    let db = Db::new("targets");
    model(&db);
    db.run(&[
        "baseline",
        "-p",
        &db.conninfo,
        "-t",
        "app.info",
        "-b",
        "1.0.0",
    ])
    .ok();
    let s = common::cluster().lock().unwrap();
    let uri = format!(
        "postgresql://postgres@/{}?host={}&port={}",
        db.name,
        s.socket_dir().display(),
        s.port()
    );
    drop(s);
    db.run(&[
        "upgrade",
        "--pg_service",
        &uri,
        "--table",
        "app.info",
        "--dir",
        "delta",
    ])
    .ok();
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "5");
}

#[test]
fn numeric_versions_not_text() {
    let db = Db::new("numeric");
    db.exec("CREATE SCHEMA app; CREATE TABLE app.log (v text)");
    db.write(
        "d/delta_1.9.0_a.sql",
        "INSERT INTO app.log VALUES ('1.9.0');",
    );
    db.write(
        "d/delta_1.10.0_b.sql",
        "INSERT INTO app.log VALUES ('1.10.0');",
    );
    let p = db.name.as_str();
    db.run(&["baseline", "-p", p, "-t", "app.info", "-b", "1.9.0"])
        .ok();
    db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "d"])
        .ok();
    assert_eq!(db.column("SELECT v FROM app.log"), ["1.9.0", "1.10.0"]);
    // pum 0.x would now think the current version is 1.9.0 (text sort) and
    // re-run nothing but report wrongly; we report 1.10.0.
    let info = db.run(&["info", "-p", p, "-t", "app.info", "-d", "d"]);
    assert!(
        info.stdout().contains("Current version: 1.10.0"),
        "{}",
        info.stdout()
    );
}

#[test]
fn max_version_is_inclusive_and_out_of_order_is_reported() {
    let db = Db::new("maxver");
    db.exec("CREATE SCHEMA app; CREATE TABLE app.log (v text)");
    for v in ["1.0.1", "1.0.2", "1.0.3"] {
        db.write(
            &format!("d/delta_{v}_x.sql"),
            &format!("INSERT INTO app.log VALUES ('{v}');"),
        );
    }
    let p = db.name.as_str();
    db.run(&["baseline", "-p", p, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    db.run(&[
        "upgrade", "-p", p, "-t", "app.info", "-d", "d", "-u", "1.0.2",
    ])
    .ok();
    assert_eq!(db.column("SELECT v FROM app.log"), ["1.0.1", "1.0.2"]);
    db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "d"])
        .ok();
    // A delta merged late, older than the current version.
    db.write(
        "d/delta_1.0.2_late.sql",
        "INSERT INTO app.log VALUES ('late');",
    );
    let up = db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "d"]);
    up.ok();
    assert!(up.stderr().contains("--out-of-order"), "{}", up.stderr());
    assert_eq!(
        db.scalar("SELECT count(*) FROM app.log WHERE v = 'late'"),
        "0"
    );
    db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "d", "--strict"])
        .expect_code(2);
    db.run(&[
        "upgrade",
        "-p",
        p,
        "-t",
        "app.info",
        "-d",
        "d",
        "--out-of-order",
    ])
    .ok();
    assert_eq!(
        db.scalar("SELECT count(*) FROM app.log WHERE v = 'late'"),
        "1"
    );
}

#[test]
fn baseline_mark_applied_skips_deltas_up_to_the_baseline() {
    let db = Db::new("markapplied");
    model(&db);
    // A database built fresh at 1.0.1: everything is already there.
    db.exec(
        "CREATE TABLE app.material (id int PRIMARY KEY, name text); \
         CREATE TABLE app.pipe (id serial PRIMARY KEY, diameter int, material int REFERENCES app.material)",
    );
    let p = db.name.as_str();
    let out = db.run(&[
        "baseline",
        "-p",
        p,
        "-t",
        "app.info",
        "-d",
        "delta",
        "-b",
        "1.0.1",
        "--mark-applied",
    ]);
    out.ok();
    assert!(
        out.stdout().contains("Recorded 4 delta(s)"),
        "{}",
        out.stdout()
    );
    db.run(&["upgrade", "-p", p, "-t", "app.info", "-d", "delta"])
        .ok();
    assert_eq!(db.scalar("SELECT count(*) FROM app.material"), "0");
}

#[test]
fn baseline_refuses_bad_version_and_second_baseline() {
    let db = Db::new("badbaseline");
    db.exec("CREATE SCHEMA app");
    let p = db.name.as_str();
    let bad = db.run(&["baseline", "-p", p, "-t", "app.info", "-b", "1.0"]);
    bad.expect_code(2);
    assert!(
        bad.stderr().contains("invalid version '1.0'"),
        "{}",
        bad.stderr()
    );
    assert!(bad.stderr().contains("--baseline"), "{}", bad.stderr());
    db.run(&["baseline", "-p", p, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    let again = db.run(&["baseline", "-p", p, "-t", "app.info", "-b", "2.0.0"]);
    again.expect_code(2);
    assert!(
        again
            .stderr()
            .contains("already has a baseline (version 1.0.0)"),
        "{}",
        again.stderr()
    );
    assert_eq!(db.scalar("SELECT count(*) FROM app.info"), "1");
}
