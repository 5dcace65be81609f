//! Fails early, with what to install, when libpq cannot be found.
//!
//! pq-sys links `-lpq` whether or not it found libpq, so a missing library
//! otherwise shows up as a linker error at the very end of the build. This
//! script looks where pq-sys looks (`PQ_LIB_DIR`, pkg-config, `pg_config`)
//! and in the linker's usual directories. With the `bundled-libpq` feature
//! libpq is built from source and nothing is checked.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "PQ_LIB_DIR",
        "PG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let bundled = env::var_os("CARGO_FEATURE_BUNDLED_LIBPQ").is_some();
    let windows = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows");
    // Cross builds and Windows (vcpkg) are left to pq-sys.
    let cross = env::var("TARGET").ok() != env::var("HOST").ok();
    if bundled || windows || cross || found() {
        return;
    }
    eprintln!(
        "\n\
         error: pum needs libpq, PostgreSQL's client library, and it was not found\n\
         (no PQ_LIB_DIR, no pkg-config entry for libpq, no pg_config on PATH, no libpq\n\
         in the linker's directories). Install it:\n\
         \x20 Debian, Ubuntu:  apt install libpq-dev pkg-config\n\
         \x20 Fedora, RHEL:    dnf install libpq-devel\n\
         \x20 Alpine:          apk add libpq-dev\n\
         \x20 macOS:           brew install libpq, then export PQ_LIB_DIR=\"$(brew --prefix libpq)/lib\"\n\
         or set PQ_LIB_DIR to the directory holding libpq, or build libpq into pum\n\
         from source instead (needs a C compiler, and OpenSSL's headers):\n\
         \x20 cargo install pum --features bundled-libpq\n"
    );
    std::process::exit(1);
}

fn found() -> bool {
    let target = env::var("TARGET")
        .unwrap_or_default()
        .to_uppercase()
        .replace('-', "_");
    if env::var_os(format!("PQ_LIB_DIR_{target}")).is_some() || env::var_os("PQ_LIB_DIR").is_some()
    {
        return true;
    }
    if pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("libpq")
        .is_ok()
    {
        return true;
    }
    let pg_config = env::var_os("PG_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| "pg_config".into());
    if let Ok(out) = Command::new(pg_config).arg("--libdir").output() {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && has_libpq(Path::new(&dir)) {
            return true;
        }
    }
    let multiarch = format!(
        "/usr/lib/{}-linux-gnu",
        env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default()
    );
    [
        multiarch.as_str(),
        "/usr/lib64",
        "/usr/lib",
        "/lib64",
        "/lib",
        "/usr/local/lib",
        "/opt/homebrew/opt/libpq/lib",
        "/usr/local/opt/libpq/lib",
    ]
    .iter()
    .any(|d| has_libpq(Path::new(d)))
}

fn has_libpq(dir: &Path) -> bool {
    ["libpq.so", "libpq.a", "libpq.dylib"]
        .iter()
        .any(|f| dir.join(f).is_file())
}
