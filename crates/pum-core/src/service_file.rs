//! Private pg_service files: how pum hands a connection given as a
//! connection string to programs that expect a service name (Python
//! deltas, a reference database's creation script), without putting the
//! password in their argv or environment.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::pg::ConnTarget;

/// Writes the target's options as a service file with one section
/// `[section]` in a fresh private directory (mode 0600 file). Returns the
/// directory (removed on drop) and the file.
pub fn write_service_file(
    target: &ConnTarget,
    section: &str,
) -> Result<(tempfile::TempDir, PathBuf)> {
    let mut text = format!("# written by pum; removed afterwards\n[{section}]\n");
    let mut nested_service = None;
    for (key, value) in target.options() {
        if key == "service" {
            // A service file cannot refer to another service: copy that
            // service's settings below the explicit ones (libpq keeps the
            // first value of a key, so the explicit ones win, as they do in
            // a connection string).
            nested_service = Some(value.as_str());
            continue;
        }
        check_service_value(key, value)?;
        text.push_str(key);
        text.push('=');
        text.push_str(value);
        text.push('\n');
    }
    if let Some(name) = nested_service {
        for line in find_service_section(name).unwrap_or_default() {
            text.push_str(&line);
            text.push('\n');
        }
    }

    let dir = crate::tempfiles::private_dir("pum-service-")?;
    let path = dir.path().join("pg_service.conf");
    crate::tempfiles::write_private(&path, text.as_bytes())?;
    Ok((dir, path))
}

/// A service file holds `key=value` lines with no quoting: refuse what it
/// cannot carry (never showing the value, which may be a password).
pub(crate) fn check_service_value(key: &str, value: &str) -> Result<()> {
    if value.contains(['\n', '\r']) || value.ends_with(char::is_whitespace) {
        return Err(Error::invalid(format!(
            "the connection option '{key}' contains a line break or ends with a space, \
             which a pg_service file cannot hold; give the connection as a pg_service name"
        )));
    }
    Ok(())
}

/// The settings of service `name` from the files libpq reads (the user's
/// file first, then the system one), as `key=value` lines.
fn find_service_section(name: &str) -> Option<Vec<String>> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    match std::env::var_os("PGSERVICEFILE") {
        Some(f) => candidates.push(PathBuf::from(f)),
        None => {
            if let Some(home) = std::env::var_os("HOME") {
                candidates.push(Path::new(&home).join(".pg_service.conf"));
            }
        }
    }
    match std::env::var_os("PGSYSCONFDIR") {
        Some(d) => candidates.push(Path::new(&d).join("pg_service.conf")),
        None => {
            candidates.push(PathBuf::from("/etc/postgresql-common/pg_service.conf"));
            candidates.push(PathBuf::from("/etc/pg_service.conf"));
        }
    }
    candidates.iter().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        parse_service_section(&text, name)
    })
}

/// The `key=value` lines of section `[name]`, as libpq reads them.
pub(crate) fn parse_service_section(text: &str, name: &str) -> Option<Vec<String>> {
    let mut in_section = false;
    let mut found = false;
    let mut lines = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let section = rest.split(']').next().unwrap_or("");
            in_section = section == name;
            found |= in_section;
            continue;
        }
        if in_section && line.contains('=') && !line.starts_with("service=") {
            lines.push(line.to_string());
        }
    }
    found.then_some(lines)
}
