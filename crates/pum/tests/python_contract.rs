//! The Python delta contract, item by item, against pum 0.10 itself and
//! on interpreters with and without setuptools / packaging.
//!
//! A probe delta set records everything a delta can observe (the type and
//! value of every constructor argument and property, `write_message`,
//! module name, `__file__`, `sys.path`, working directory, process, order
//! of subclasses, the `pum` distribution) into a JSON-lines file. Python
//! pum 0.10 and our pum, given the same interpreter, must record the same
//! lines. Then our pum runs the probes with three more interpreters (with
//! setuptools, with only packaging, with neither) and what a real data
//! model does with `current_db_version` must work on each.
//!
//! Python pum 0.10 comes from `PUM010`, the interpreters from
//! `PUM_TEST_PY_ENVS` (both installed by `scripts/setup.sh --tests`).
//! Without them the tests are skipped, except on CI where they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Db, Run};

/// Records what the delta sees. `{tag}` names the file in the output.
const PROBE: &str = r#"import json, os, sys
from pum.core.deltapy import DeltaPy


def record(self, tag):
    v = self.current_db_version
    out = {
        "tag": tag,
        "class": type(self).__name__,
        "module": __name__,
        "module_in_sys_modules": __name__ in sys.modules,
        "file": __file__,
        "version_type": type(v).__module__ + "." + type(v).__name__,
        "version_repr": repr(v),
        "version_str": str(v),
        "delta_dir": self.delta_dir,
        "delta_dir_type": type(self.delta_dir).__name__,
        "delta_dirs": repr(self.delta_dirs),
        "pg_service_type": type(self.pg_service).__name__,
        "upgrades_table": self.upgrades_table,
        "variables": repr(self.variables),
        "variables_type": type(self.variables).__name__,
        "cwd": os.getcwd(),
        "cwd_on_path": os.getcwd() in sys.path or "" in sys.path or "." in sys.path,
        "delta_dir_on_path": os.path.abspath(self.delta_dir).rstrip(os.sep) in sys.path,
        "pid": os.getpid(),
        "stdin": sys.stdin.read(),
        "deltapy_module": DeltaPy.__module__,
    }
    try:
        import importlib.metadata as m
        out["metadata_version"] = m.version("pum")
    except Exception as e:
        out["metadata_version"] = type(e).__name__
    try:
        import pkg_resources
        out["pkg_resources_version"] = pkg_resources.get_distribution("pum").version
        out["gt_1_0_0"] = v > pkg_resources.parse_version("1.0.0")
        out["lt_1_10_0"] = v < pkg_resources.parse_version("1.10.0")
        out["eq_self"] = v == pkg_resources.parse_version(str(v))
    except ImportError as e:
        out["pkg_resources_version"] = type(e).__name__
    with open(os.environ["PUM_PROBE_OUT"], "a") as f:
        f.write(json.dumps(out, sort_keys=True) + "\n")
    self.write_message("{} {}".format(tag, v))


class Zulu(DeltaPy):
    def run(self):
        record(self, "{tag}")


class Alpha(DeltaPy):
    def run(self):
        record(self, "{tag}")
"#;

/// The probe set: pre-all, a delta, a post delta in a second directory,
/// post-all; SQL deltas in between move the version on.
fn probe_model(db: &Db) {
    db.exec("CREATE SCHEMA app");
    for (path, tag) in [
        ("delta/pre-all.py", "pre-all"),
        ("delta/delta_1.0.1_probe.py", "1.0.1"),
        ("more/delta_1.0.3_late.post.py", "1.0.3"),
        ("more/post-all.py", "post-all"),
    ] {
        db.write(path, &PROBE.replace("{tag}", tag));
    }
    db.write(
        "delta/delta_1.0.2_step.sql",
        "CREATE TABLE app.step (id int);\n",
    );
    db.write(
        "more/delta_1.0.3_late.sql",
        "CREATE TABLE app.late (id int);\n",
    );
}

fn probe_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const VARS: [&str; 12] = [
    "-v", "int", "SRID", "2056", "-v", "float", "RATIO", "0.5", "-v", "text", "OWNER", "O'Brien",
];

/// Runs the probe upgrade with `tool` (our pum, or Python pum 0.10 when
/// `python_pum` is given) and returns the recorded lines, pids replaced by
/// "same process as the first line" flags.
fn run_probes(
    db: &Db,
    python_pum: Option<&Path>,
    interpreter: &str,
) -> (Run, Vec<serde_json::Value>) {
    let out = db
        .path()
        .join(format!("probe-{}.jsonl", python_pum.is_some()));
    let _ = std::fs::remove_file(&out);
    let baseline = [
        "baseline", "-p", &db.name, "-t", "app.info", "-d", "delta", "-b", "1.0.0",
    ];
    let mut upgrade = vec![
        "upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta", "more",
    ];
    upgrade.extend_from_slice(&VARS);
    let run = |args: &[&str]| -> Run {
        let mut c = match python_pum {
            Some(exe) => {
                let mut c = Command::new(exe);
                c.env("PGSERVICEFILE", &db.service_file)
                    .env_remove("PGHOST")
                    .env_remove("PGPORT")
                    .env_remove("PGDATABASE")
                    .env_remove("PGSERVICE")
                    .current_dir(db.path());
                c
            }
            None => {
                let mut c = db.pum();
                c.env("PUM_PYTHON", interpreter);
                c
            }
        };
        c.env("PUM_PROBE_OUT", &out)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(args);
        Run(c.output().expect("run pum"))
    };
    run(&baseline).ok();
    let up = run(&upgrade);
    let mut lines = probe_lines(&out);
    let first_pid = lines.first().map(|l| l["pid"].clone());
    for l in &mut lines {
        let same = Some(l["pid"].clone()) == first_pid;
        l.as_object_mut().unwrap().remove("pid");
        l["same_process"] = serde_json::Value::Bool(same);
    }
    (up, lines)
}

/// A required test tool: `None` (skip) off CI, a panic on CI.
fn required(what: &str, found: Option<PathBuf>, hint: &str) -> Option<PathBuf> {
    match found {
        Some(p) if p.exists() => Some(p),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{what} not found ({hint}); these tests are mandatory on CI")
        }
        _ => {
            eprintln!("skipping: {what} not found ({hint})");
            None
        }
    }
}

fn pum010() -> Option<PathBuf> {
    required(
        "Python pum 0.10",
        std::env::var_os("PUM010").map(PathBuf::from),
        "set PUM010, see scripts/setup.sh --tests",
    )
}

fn test_interpreter(name: &str) -> Option<PathBuf> {
    required(
        &format!("the '{name}' test interpreter"),
        std::env::var_os("PUM_TEST_PY_ENVS")
            .map(|d| PathBuf::from(d).join(name).join("bin/python")),
        "set PUM_TEST_PY_ENVS, see scripts/setup.sh --tests",
    )
}

/// With the interpreter pum 0.10 runs in, a delta sees exactly what it
/// sees under pum 0.10: every recorded item, for every file and class, in
/// the same order, and the same messages.
#[test]
fn deltas_see_what_pum_0_10_shows_them() {
    let Some(exe) = pum010() else { return };
    let interpreter = exe.with_file_name("python");
    let theirs = Db::new("contract_py");
    let mine = Db::new("contract_us");
    probe_model(&theirs);
    probe_model(&mine);
    let (their_up, their_lines) = run_probes(&theirs, Some(&exe), "");
    their_up.ok();
    let (our_up, our_lines) = run_probes(&mine, None, &interpreter.to_string_lossy());
    our_up.ok();

    // What pum 0.10 hands over, as we read it in its source; checked here
    // so that a change of the reference is noticed.
    let tags: Vec<(&str, &str)> = their_lines
        .iter()
        .map(|l| (l["tag"].as_str().unwrap(), l["class"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tags,
        [
            ("pre-all", "Alpha"),
            ("pre-all", "Zulu"),
            ("1.0.1", "Alpha"),
            ("1.0.1", "Zulu"),
            ("1.0.3", "Alpha"),
            ("1.0.3", "Zulu"),
            ("post-all", "Alpha"),
            ("post-all", "Zulu"),
        ]
    );
    let first = &their_lines[0];
    assert_eq!(first["version_repr"], "<Version('1.0.0')>");
    assert_eq!(first["module"], "pre-all");
    assert!(
        first["file"]
            .as_str()
            .unwrap()
            .ends_with("/delta/pre-all.py"),
        "{first}"
    );
    assert_eq!(first["delta_dir"], "delta/");
    assert_eq!(first["delta_dirs"], "['delta', 'more']");
    assert_eq!(
        first["variables"],
        "{'SRID': 2056, 'RATIO': 0.5, 'OWNER': \"O'Brien\"}"
    );
    assert_eq!(first["pkg_resources_version"], "0.10.0");
    assert_eq!(their_lines[2]["module"], "probe");
    assert_eq!(their_lines[2]["version_str"], "1.0.0");
    assert_eq!(their_lines[4]["version_str"], "1.0.3");
    assert_eq!(their_lines[6]["version_str"], "1.0.3");

    // Ours: the same, line for line (the working directories differ only
    // by the test database's directory).
    let normalize = |lines: &[serde_json::Value], db: &Db| -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                l.to_string()
                    .replace(&db.path().display().to_string(), "<dir>")
            })
            .collect()
    };
    assert_eq!(
        normalize(&our_lines, &mine),
        normalize(&their_lines, &theirs)
    );

    // write_message reaches the user, in the same order.
    let messages = |run: &Run| -> Vec<String> {
        run.stdout()
            .lines()
            .filter_map(|l| l.find("Message from ").map(|at| l[at + 13..].to_string()))
            .collect()
    };
    assert_eq!(messages(&our_up), messages(&their_up));
    assert_eq!(messages(&our_up).len(), 8, "{}", our_up.all());
}

/// What a real data model's pre-all.py does with `current_db_version`
/// and the pum distribution works with every kind of interpreter.
#[test]
fn version_and_distribution_on_every_interpreter() {
    for (env, version_type, pkg_resources) in [
        ("setuptools", "pkg_resources", true),
        ("packaging", "packaging.version.Version", false),
        ("bare", "pum.version.Version", false),
    ] {
        let Some(python) = test_interpreter(env) else {
            return;
        };
        let db = Db::new(&format!("contract_{env}"));
        probe_model(&db);
        // Comparisons a delta written for any of these makes.
        db.write(
            "more/delta_1.0.4_compare.py",
            r#"from pum.core.deltapy import DeltaPy


class Compare(DeltaPy):
    def run(self):
        v = self.current_db_version
        checks = [str(v) == "1.0.3"]
        try:
            import pkg_resources
            checks += [v > pkg_resources.parse_version("1.0.2"),
                       v < pkg_resources.parse_version("1.10.0"),
                       v >= pkg_resources.parse_version("1.0.3")]
        except ImportError:
            pass
        try:
            from packaging.version import Version, parse
            checks += [v > Version("1.0.2"), v < parse("1.10.0"), not (v < Version("1.0.3"))]
        except ImportError:
            pass
        if type(v).__module__ == "pum.version":
            checks += [v > "1.0.2", v < "1.10.0", v == "1.0.3", v >= "1.0.3", v != "1.0.4",
                       "1.0.2" < v, sorted([v, "1.0.0"])[0] == "1.0.0"]
        self.write_message("checks {} {}".format(len(checks), all(checks)))
"#,
        );
        let (up, lines) = run_probes(&db, None, &python.to_string_lossy());
        up.ok();
        assert_eq!(lines.len(), 8, "{env}: {}", up.all());
        for l in &lines {
            let t = l["version_type"].as_str().unwrap();
            assert!(t.starts_with(version_type), "{env}: {t}");
            assert_eq!(l["metadata_version"], "0.10.0", "{env}: {l}");
            assert_eq!(l["same_process"], true, "{env}: {l}");
            assert_eq!(l["cwd_on_path"], false, "{env}: {l}");
            assert_eq!(l["delta_dir_on_path"], false, "{env}: {l}");
            if pkg_resources {
                assert_eq!(l["pkg_resources_version"], "0.10.0", "{env}: {l}");
                assert_eq!(l["gt_1_0_0"], l["version_str"] != "1.0.0", "{env}: {l}");
                assert_eq!(l["lt_1_10_0"], true, "{env}: {l}");
                assert_eq!(l["eq_self"], true, "{env}: {l}");
            } else {
                assert_eq!(
                    l["pkg_resources_version"], "ModuleNotFoundError",
                    "{env}: {l}"
                );
            }
        }
        let want_checks = match env {
            "setuptools" => "checks 4 True",
            "packaging" => "checks 4 True",
            _ => "checks 8 True",
        };
        assert!(
            up.stdout()
                .contains(&format!("Message from Compare: {want_checks}")),
            "{env}: {}",
            up.all()
        );
    }
}

/// A real data model checks the installed pum's version; with a real pum
/// installed, the real distribution is the one seen.
#[test]
fn a_real_pum_distribution_wins() {
    let Some(exe) = pum010() else { return };
    let Some(bare) = test_interpreter("bare") else {
        return;
    };
    // A site directory with a pum 9.9.9 distribution (metadata only).
    let db = Db::new("contract_real");
    let site = db.path().join("site");
    std::fs::create_dir_all(site.join("pum-9.9.9.dist-info")).unwrap();
    std::fs::write(
        site.join("pum-9.9.9.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: pum\nVersion: 9.9.9\n",
    )
    .unwrap();
    db.exec("CREATE SCHEMA app");
    db.write(
        "delta/pre-all.py",
        "import importlib.metadata as m\nfrom pum.core.deltapy import DeltaPy\n\n\n\
         class P(DeltaPy):\n    def run(self):\n        self.write_message(m.version('pum'))\n",
    );
    db.run(&["baseline", "-p", &db.name, "-t", "app.info", "-b", "1.0.0"])
        .ok();
    let up = Run(db
        .pum()
        .env("PYTHONPATH", &site)
        .env("PUM_PYTHON", &bare)
        .args(["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
        .output()
        .unwrap());
    up.ok();
    assert!(
        up.stdout().contains("Message from P: 9.9.9"),
        "{}",
        up.all()
    );
    // And the pum 0.10 venv's own distribution is its real one.
    let venv_python = exe.with_file_name("python");
    let up = Run(db
        .pum()
        .env("PUM_PYTHON", &venv_python)
        .args(["upgrade", "-p", &db.name, "-t", "app.info", "-d", "delta"])
        .output()
        .unwrap());
    up.ok();
    assert!(
        up.stdout().contains("Message from P: 0.10.0"),
        "{}",
        up.all()
    );
}
