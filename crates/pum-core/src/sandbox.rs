//! Throwaway local PostgreSQL clusters, started from the installed server
//! binaries: for trying an upgrade without a server to prepare, for tests,
//! and for benchmarks.
//!
//! The cluster listens only on a Unix socket in its own directory, so it
//! never clashes with another server. When run as root, `initdb` and
//! `postgres` (which refuse root) run as the `postgres` system user.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, Uid, User};

use crate::error::{Error, Result};
use crate::pg::{quote_ident, Conn, ConnTarget};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Directory holding `initdb` and `postgres`; found automatically when
    /// `None` (`PUM_PG_BINDIR`, then `pg_config --bindir`, then the newest
    /// `/usr/lib/postgresql/*/bin`, then `PATH`).
    pub bin_dir: Option<PathBuf>,
    /// Trade durability for speed (`fsync=off` and friends): right for tests.
    pub fast: bool,
    /// Extra `-c name=value` server settings.
    pub settings: Vec<(String, String)>,
    /// Where to create the cluster's directory (default: the temp dir).
    pub parent_dir: Option<PathBuf>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            bin_dir: None,
            fast: true,
            settings: Vec::new(),
            parent_dir: None,
        }
    }
}

/// A running throwaway cluster; stopped and deleted on drop.
#[derive(Debug)]
pub struct Sandbox {
    root: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    child: Option<Child>,
    keep: bool,
    reaper: Option<(Child, std::process::ChildStdin)>,
}

const SUPERUSER: &str = "postgres";
const PORT: u16 = 5432;

fn sandbox_err(message: impl Into<String>) -> Error {
    Error::Sandbox {
        message: message.into(),
    }
}

fn has_server(d: &Path) -> bool {
    d.join("initdb").is_file() && d.join("postgres").is_file()
}

/// Finds the directory with the server binaries.
pub fn find_bin_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("PUM_PG_BINDIR") {
        let d = PathBuf::from(d);
        return if has_server(&d) {
            Ok(d)
        } else {
            Err(sandbox_err(format!(
                "PUM_PG_BINDIR={} holds no initdb/postgres",
                d.display()
            )))
        };
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server(&d) {
            return Ok(d);
        }
    }
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let v: u32 = e.file_name().to_str()?.parse().ok()?;
                let bin = e.path().join("bin");
                has_server(&bin).then_some((v, bin))
            })
            .collect();
        versions.sort();
        if let Some((_, d)) = versions.pop() {
            return Ok(d);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if has_server(&d) {
                return Ok(d);
            }
        }
    }
    Err(sandbox_err(
        "no PostgreSQL server binaries (initdb, postgres) found; install the server package \
         (e.g. `apt-get install postgresql`) or set PUM_PG_BINDIR",
    ))
}

/// The account the server runs as: ourselves, or `postgres` when we are root.
fn server_user() -> Result<Option<User>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    match User::from_name(SUPERUSER) {
        Ok(Some(u)) => Ok(Some(u)),
        _ => Err(sandbox_err(
            "running as root, and PostgreSQL refuses to run as root: create a `postgres` \
             system user (installing the server package does) or run pum as another user",
        )),
    }
}

fn as_server_user(cmd: &mut Command, user: &Option<User>) {
    if let Some(u) = user {
        cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
        cmd.env("HOME", &u.dir);
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let mut s = String::new();
    if let Ok(mut f) = fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Sandbox {
    /// Creates and starts a cluster. Takes about two seconds.
    pub fn start(opts: &SandboxOptions) -> Result<Sandbox> {
        let bin_dir = match &opts.bin_dir {
            Some(d) if has_server(d) => d.clone(),
            Some(d) => {
                return Err(sandbox_err(format!(
                    "{} holds no PostgreSQL server binaries (initdb, postgres); point \
                     --pg-bindir or PUM_PG_BINDIR at a directory that does \
                     (e.g. /usr/lib/postgresql/15/bin)",
                    d.display()
                )))
            }
            None => find_bin_dir()?,
        };
        let user = server_user()?;
        let parent = opts.parent_dir.clone().unwrap_or_else(std::env::temp_dir);
        let root = tempfile::Builder::new()
            .prefix("pum-sandbox-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?
            .keep();
        let mut sandbox = Sandbox {
            root: root.clone(),
            bin_dir: bin_dir.clone(),
            port: PORT,
            child: None,
            keep: false,
            reaper: None,
        };
        // The server user must be able to enter and write here.
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(&root, e))?;
        if let Some(u) = &user {
            std::os::unix::fs::chown(&root, Some(u.uid.as_raw()), Some(u.gid.as_raw()))
                .map_err(|e| Error::io(&root, e))?;
        }
        let data = sandbox.data_dir();
        let log = root.join("initdb.log");
        let log_file = fs::File::create(&log).map_err(|e| Error::io(&log, e))?;
        if let Some(u) = &user {
            std::os::unix::fs::chown(&log, Some(u.uid.as_raw()), Some(u.gid.as_raw()))
                .map_err(|e| Error::io(&log, e))?;
        }
        let mut initdb = Command::new(bin_dir.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| Error::io(&log, e))?)
            .stderr(log_file);
        as_server_user(&mut initdb, &user);
        // Own process group, stopped by `interrupt` on a signal (the
        // directory is removed when `sandbox` drops).
        initdb.process_group(0);
        let mut initdb = initdb.spawn().map_err(|e| {
            sandbox_err(format!(
                "cannot run {}: {e}",
                bin_dir.join("initdb").display()
            ))
        })?;
        let watch = crate::interrupt::watch_process_group(initdb.id());
        let status = initdb
            .wait()
            .map_err(|e| Error::io(bin_dir.join("initdb"), e))?;
        drop(watch);
        crate::interrupt::check()?;
        if !status.success() {
            return Err(sandbox_err(format!("initdb failed:\n{}", tail(&log, 20))));
        }

        let server_log = root.join("server.log");
        let log_file = fs::File::create(&server_log).map_err(|e| Error::io(&server_log, e))?;
        let mut postgres = Command::new(bin_dir.join("postgres"));
        postgres
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&root)
            .arg("-p")
            .arg(PORT.to_string())
            .args(["-c", "listen_addresses="]);
        if opts.fast {
            for s in [
                "fsync=off",
                "full_page_writes=off",
                "synchronous_commit=off",
            ] {
                postgres.args(["-c", s]);
            }
        }
        for (k, v) in &opts.settings {
            postgres.arg("-c").arg(format!("{k}={v}"));
        }
        postgres
            .stdin(Stdio::null())
            .stdout(
                log_file
                    .try_clone()
                    .map_err(|e| Error::io(&server_log, e))?,
            )
            .stderr(log_file);
        as_server_user(&mut postgres, &user);
        // Own process group: a Ctrl-C in the terminal reaches pum, which
        // then stops the server cleanly, instead of killing it mid-way.
        postgres.process_group(0);
        let child = postgres
            .spawn()
            .map_err(|e| sandbox_err(format!("cannot start postgres: {e}")))?;
        sandbox.child = Some(child);

        // Wait until it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(60);
        let target = sandbox.target("postgres")?;
        loop {
            if Conn::connect(&target, "pum-sandbox").is_ok() {
                break;
            }
            crate::interrupt::check()?;
            if let Some(c) = sandbox.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    return Err(sandbox_err(format!(
                        "postgres exited ({status}):\n{}",
                        tail(&server_log, 20)
                    )));
                }
            }
            if Instant::now() > deadline {
                return Err(sandbox_err(format!(
                    "postgres did not accept connections within 60 s:\n{}",
                    tail(&server_log, 20)
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(sandbox)
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The directory holding the socket, data and logs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of the server binaries in use.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The socket directory (the `host` to connect to).
    pub fn socket_dir(&self) -> &Path {
        &self.root
    }

    /// The port (part of the socket file name).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string for one database of the sandbox.
    pub fn conninfo(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user={SUPERUSER} dbname={}",
            crate::pg::conninfo_value(&self.root.to_string_lossy()),
            self.port,
            crate::pg::conninfo_value(dbname)
        )
    }

    /// A parsed target for one database of the sandbox.
    pub fn target(&self, dbname: &str) -> Result<ConnTarget> {
        Ok(ConnTarget::parse(&self.conninfo(dbname))?)
    }

    /// Creates a database (optionally from a template).
    pub fn create_database(&self, name: &str, template: Option<&str>) -> Result<()> {
        let mut conn = Conn::connect(&self.target("postgres")?, "pum-sandbox")?;
        let mut sql = format!("CREATE DATABASE {}", quote_ident(name));
        if let Some(t) = template {
            sql.push_str(" TEMPLATE ");
            sql.push_str(&quote_ident(t));
        }
        conn.execute(&sql)?;
        Ok(())
    }

    /// Drops a database if it exists.
    pub fn drop_database(&self, name: &str) -> Result<()> {
        let mut conn = Conn::connect(&self.target("postgres")?, "pum-sandbox")?;
        conn.execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ))?;
        Ok(())
    }

    /// Writes a pg_service.conf with one service per database name, and
    /// returns its path (for `PGSERVICEFILE`).
    pub fn write_service_file(&self, services: &[(&str, &str)]) -> Result<PathBuf> {
        let path = self.root.join("pg_service.conf");
        let mut text = String::new();
        for (service, db) in services {
            text.push_str(&format!(
                "[{service}]\nhost={}\nport={}\nuser={SUPERUSER}\ndbname={db}\n\n",
                self.root.display(),
                self.port
            ));
        }
        fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        Ok(path)
    }

    /// Leaves the cluster directory in place when dropped (the server is
    /// still stopped).
    pub fn keep_files(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// Makes sure the server stops and its files go when this process ends,
    /// even if `Drop` never runs (a sandbox kept in a `static`, a killed
    /// process): a small watcher process waits for this process's end
    /// (its stdin pipe closing), then stops the server and deletes the files.
    pub fn stop_when_process_exits(&mut self) -> Result<()> {
        let Some(child) = &self.child else {
            return Ok(());
        };
        let script = "read _; kill -INT \"$1\" 2>/dev/null; \
                      i=0; while kill -0 \"$1\" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; \
                      kill -QUIT \"$1\" 2>/dev/null; rm -rf -- \"$2\"";
        let mut reaper = Command::new("sh")
            .args(["-c", script, "pum-sandbox-reaper"])
            .arg(child.id().to_string())
            .arg(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| sandbox_err(format!("cannot start the clean-up watcher: {e}")))?;
        let stdin = reaper.stdin.take().expect("piped stdin");
        self.reaper = Some((reaper, stdin));
        Ok(())
    }

    /// Stops the server (fast shutdown) and removes its files.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            let pid = Pid::from_raw(child.id() as i32);
            let _ = kill(pid, Signal::SIGINT);
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    _ => {
                        let _ = kill(pid, Signal::SIGQUIT);
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
        if let Some((mut reaper, stdin)) = self.reaper.take() {
            drop(stdin);
            let _ = reaper.wait();
        }
        if !self.keep && self.root.exists() {
            fs::remove_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        }
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
