//! What a user meets when installing and first running pum: shell
//! completions, the manual pages, colour conventions, aligned tables, and
//! TLS connections through the libpq pum was built with.
//!
//! `PUM_TEST_BIN` runs these against another pum binary, e.g. the one a
//! wheel installed into a venv (`scripts/wheel.sh` does that), which links
//! its own libpq and OpenSSL.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_has, Db, Run};
use pum_core::sandbox::{Sandbox, SandboxOptions};
use unicode_width::UnicodeWidthStr;

/// The pum under test.
fn pum_bin() -> PathBuf {
    std::env::var_os("PUM_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_pum").into())
}

/// A pum command with no colour settings inherited from the environment.
fn pum() -> Command {
    let mut c = Command::new(pum_bin());
    for v in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        c.env_remove(v);
    }
    c
}

/// The pum under test, set up as [`Db::pum`] sets up the test build.
fn db_pum(db: &Db) -> Command {
    let mut c = pum();
    c.env("PGSERVICEFILE", &db.service_file)
        .env("PUM_PYTHON", common::python())
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGDATABASE")
        .env_remove("PGSERVICE")
        .current_dir(db.path());
    c
}

fn run(c: &mut Command) -> Run {
    Run(c.output().expect("run pum"))
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---------------------------------------------------------------- completions

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(pum().args(["completions", shell]));
        r.ok();
        // Every command and the long forms of pum 0.x's multi-letter options.
        assert_has(
            &r.stdout(),
            &["test-and-upgrade", "baseline", "pg_service1", "comp-init"],
        );
    }
    let r = run(pum().args(["completions", "tcsh"]));
    r.expect_code(2);
    assert_has(
        &r.stderr(),
        &["tcsh", "bash", "zsh", "fish", "powershell", "elvish"],
    );
}

/// Asks bash's completion function what it offers after `words`.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "source {script}\n\
         COMP_WORDS=({line}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT={point}\n\
         _pum pum '{cur}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = script.display(),
        cword = words.len() - 1,
        point = line.len(),
        cur = words[words.len() - 1],
        prev = words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pum.bash");
    let r = run(pum().args(["completions", "bash"]));
    r.ok();
    std::fs::write(&script, r.stdout()).unwrap();

    assert_eq!(
        bash_completes(&script, &["pum", "test-and"]),
        ["test-and-upgrade"]
    );
    let mut check = bash_completes(&script, &["pum", "check", "--pg_serv"]);
    check.sort();
    assert_eq!(check, ["--pg_service1", "--pg_service2"]);
    let color = bash_completes(&script, &["pum", "info", "--color", ""]);
    assert_eq!(color, ["auto", "always", "never"]);
    let shells = bash_completes(&script, &["pum", "completions", "p"]);
    assert_eq!(shells, ["powershell"]);
}

#[test]
fn fish_and_zsh_read_their_scripts() {
    let dir = tempfile::tempdir().unwrap();
    if have("fish") {
        let script = dir.path().join("pum.fish");
        std::fs::write(&script, run(pum().args(["completions", "fish"])).stdout()).unwrap();
        let out = Command::new("fish")
            .args([
                "--no-config",
                "-c",
                &format!("source {}; complete -C 'pum test-and'", script.display()),
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with("test-and-upgrade"), "{text}");
    } else {
        eprintln!("fish not installed: its script is only checked for content");
    }
    if have("zsh") {
        let script = dir.path().join("_pum");
        std::fs::write(&script, run(pum().args(["completions", "zsh"])).stdout()).unwrap();
        let out = Command::new("zsh")
            .args(["-n", &script.display().to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        eprintln!("zsh not installed: its script is only checked for content");
    }
}

// ---------------------------------------------------------------- man pages

const COMMANDS: &[&str] = &[
    "baseline",
    "info",
    "upgrade",
    "check",
    "snapshot",
    "dump",
    "restore",
    "test-and-upgrade",
    "test",
    "create",
    "deploy",
    "sandbox",
    "cm",
    "completions",
    "man",
];

#[test]
fn man_prints_pages() {
    let main = run(pum().arg("man"));
    main.ok();
    let page = main.stdout();
    assert!(page.contains(".TH pum 1"), "{page}");
    for c in COMMANDS {
        assert!(
            page.contains(&format!("pum\\-{}(1)", c.replace('-', "\\-"))),
            "{c}: {page}"
        );
    }
    let upgrade = run(pum().args(["man", "upgrade"]));
    upgrade.ok();
    assert_has(
        &upgrade.stdout(),
        &[
            ".TH pum-upgrade 1",
            "\\-\\-single\\-transaction",
            ".SH \"EXIT STATUS\"",
        ],
    );
    let check = run(pum().args(["man", "check"])).stdout();
    assert!(
        check.contains("\\fB\\-p1\\fR, \\fB\\-\\-pg_service1\\fR"),
        "{check}"
    );

    let none = run(pum().args(["man", "nope"]));
    none.expect_code(2);
    assert_has(&none.stderr(), &["no command 'nope'", "test-and-upgrade"]);
}

#[test]
fn man_writes_every_page_into_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    run(pum().args(["man", "--dir"]).arg(&out)).ok();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = COMMANDS.iter().map(|c| format!("pum-{c}.1")).collect();
    want.push("pum.1".into());
    want.sort();
    assert_eq!(names, want);
    if have("man") {
        // What a reader sees: formatted, with the multi-letter spellings.
        let r = Command::new("man")
            .arg("-l")
            .arg(out.join("pum-test-and-upgrade.1"))
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert_has(
            &text,
            &["-pp, --pg_service_prod", "EXIT STATUS", "--comp-init"],
        );
    }
}

// ---------------------------------------------------------------- colour

/// Two snapshot files that differ (a table only in B), for `check`.
fn snapshots(db: &Db) -> (PathBuf, PathBuf) {
    let a = db.path().join("a.json");
    let b = db.path().join("b.json");
    db.run(&["snapshot", "-p", &db.name, "-o", "a.json"]).ok();
    db.exec("CREATE TABLE public.only_in_b (id int)");
    db.run(&["snapshot", "-p", &db.name, "-o", "b.json"]).ok();
    (a, b)
}

const ESC: &str = "\x1b[";

#[test]
fn colour_follows_the_conventions() {
    let db = Db::new("colour");
    let (a, b) = snapshots(&db);
    let check = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = pum();
        c.arg("check")
            .arg("-p1")
            .arg(&a)
            .arg("-p2")
            .arg(&b)
            .args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let r = run(&mut c);
        r.expect_code(1);
        assert!(r.stdout().contains("public.only_in_b"), "{}", r.stdout());
        r.stdout().contains(ESC)
    };
    // Piped: plain, unless forced.
    assert!(!check(&[], &[]));
    assert!(check(&["--color", "always"], &[]));
    assert!(check(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!check(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    // The option decides alone; it may stand before the command too.
    assert!(check(&["--color=always"], &[("NO_COLOR", "1")]));
    assert!(!check(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    let mut before = pum();
    before
        .args(["--color", "always", "check", "-p1"])
        .arg(&a)
        .arg("-p2")
        .arg(&b);
    assert!(run(&mut before).stdout().contains(ESC));
    // A report written with -o is never coloured.
    let out = db.path().join("report.txt");
    let mut to_file = pum();
    to_file
        .args(["check", "--color", "always", "-p1"])
        .arg(&a)
        .arg("-p2")
        .arg(&b)
        .arg("-o")
        .arg(&out);
    run(&mut to_file).expect_code(1);
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(
        report.contains("only_in_b") && !report.contains(ESC),
        "{report}"
    );
    // The error label on stderr follows the same rules.
    let err = run(pum().args([
        "--color", "always", "check", "-p1", "x.json", "-p2", "y.json",
    ]));
    err.expect_code(2);
    assert!(err.stderr().contains(ESC) && err.stderr().contains("error:"));
    let err = run(pum().args(["check", "-p1", "x.json", "-p2", "y.json"]));
    assert!(err.stderr().starts_with("error:"), "{}", err.stderr());
}

#[test]
fn colour_on_a_terminal_only() {
    if !have("script") {
        eprintln!("script (util-linux) not installed: no terminal to test with");
        return;
    }
    let db = Db::new("colour_tty");
    let (a, b) = snapshots(&db);
    // `script` gives pum a pseudo-terminal as stdout.
    let on_tty = |extra: &str, env: &[(&str, &str)]| {
        let line = format!(
            "{} check {extra} -p1 {} -p2 {}",
            pum_bin().display(),
            a.display(),
            b.display()
        );
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"])
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("only_in_b"), "{text}");
        text.contains(ESC)
    };
    assert!(on_tty("", &[]));
    assert!(!on_tty("", &[("NO_COLOR", "1")]));
    assert!(!on_tty("", &[("CLICOLOR", "0")]));
    assert!(!on_tty("--color never", &[]));
}

// ---------------------------------------------------------------- widths

/// The display column of every `|` of a table line.
fn bar_columns(line: &str) -> Vec<usize> {
    let mut cols = Vec::new();
    for (i, c) in line.char_indices() {
        if c == '|' {
            cols.push(UnicodeWidthStr::width(&line[..i]));
        }
    }
    cols
}

#[test]
fn info_tables_line_up_accented_and_wide_names() {
    let db = Db::new("widths");
    // A directory name with a decomposed accent (as macOS writes file
    // names): e + U+0301 is two chars, one column.
    let dir = "re\u{301}seau";
    db.write(
        &format!("{dir}/delta_1.0.1_vannes_réseau.sql"),
        "SELECT 1;\n",
    );
    db.write(&format!("{dir}/delta_1.0.2_水道.sql"), "SELECT 1;\n");
    db.write(&format!("{dir}/delta_1.0.3_plain.sql"), "SELECT 1;\n");
    db.run(&[
        "baseline",
        "-p",
        &db.name,
        "-t",
        "public.pum_info",
        "-b",
        "1.0.0",
    ])
    .ok();
    let r = run(db_pum(&db).args(["info", "-p", &db.name, "-t", "public.pum_info", "-d", dir]));
    r.ok();
    let out = r.stdout();
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("| Version"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(table.len(), 5, "{out}");
    let header = bar_columns(table[0]);
    for line in &table {
        assert_eq!(
            bar_columns(line),
            header,
            "misaligned:\n{}",
            table.join("\n")
        );
    }
    assert_has(&out, &["水道", "vannes_réseau"]);
}

// ---------------------------------------------------------------- TLS

/// A self-signed certificate for localhost, readable by the server user.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // As root, the sandbox's server runs as postgres, which must own the key.
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    if root {
        let s = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&cert)
            .arg(&key)
            .status()
            .unwrap();
        assert!(s.success());
    }
    (cert, key)
}

#[test]
fn connects_over_tls_with_verified_certificate() {
    if !have("openssl") {
        panic!("the openssl command is needed to make a test certificate (scripts/setup.sh --tests installs it)");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let (cert, key) = certificate(dir.path());
    // Only TLS connections over TCP are accepted, on an address of the
    // loopback range no other test server uses.
    let addr = format!(
        "127.0.{}.{}",
        100 + std::process::id() % 100,
        2 + std::process::id() % 200
    );
    let hba = dir.path().join("pg_hba.conf");
    std::fs::write(
        &hba,
        "local all all trust\nhostssl all all 127.0.0.0/8 trust\n",
    )
    .unwrap();
    let settings = [
        ("listen_addresses", addr.clone()),
        ("ssl", "on".into()),
        ("ssl_cert_file", cert.display().to_string()),
        ("ssl_key_file", key.display().to_string()),
        ("hba_file", hba.display().to_string()),
    ];
    let sandbox = Sandbox::start(&SandboxOptions {
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..SandboxOptions::default()
    })
    .expect("start a TLS server");
    let base = format!(
        "host=localhost hostaddr={addr} port={} user=postgres dbname=postgres",
        sandbox.port()
    );
    let verified = format!("{base} sslmode=verify-full sslrootcert={}", cert.display());
    let r = run(pum().args([
        "baseline",
        "-p",
        &verified,
        "-t",
        "public.pum_info",
        "-b",
        "1.0.0",
    ]));
    r.ok();
    let r = run(pum()
        .args(["info", "-p", &verified, "-t", "public.pum_info", "-d"])
        .arg(dir.path()));
    r.ok();
    assert_has(&r.stdout(), &["Current version: 1.0.0"]);
    // Without TLS the server refuses: the success above went through it.
    let plain = run(pum()
        .args([
            "info",
            "-p",
            &format!("{base} sslmode=disable"),
            "-t",
            "public.pum_info",
            "-d",
        ])
        .arg(dir.path()));
    plain.expect_code(2);
    assert_has(&plain.stderr(), &["no encryption"]);
    // A certificate that is not the server's is refused.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let (other, _) = certificate(&other_dir);
    let wrong = run(pum()
        .args([
            "info",
            "-p",
            &format!("{base} sslmode=verify-full sslrootcert={}", other.display()),
            "-t",
            "public.pum_info",
            "-d",
        ])
        .arg(dir.path()));
    wrong.expect_code(2);
    assert_has(&wrong.stderr(), &["certificate verify failed"]);
    sandbox.stop().unwrap();
}
