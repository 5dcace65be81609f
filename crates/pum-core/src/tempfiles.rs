//! Temporary files and directories that may hold secrets (passwords) or
//! production data: private from the start (directories 0700, files
//! 0600), and removed by their guards on every path, interrupts included
//! (see [`crate::interrupt`]: a signal does not end the process, so the
//! guards run).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A fresh directory only the current user can enter (mode 0700), in the
/// system's temporary directory, removed when the guard is dropped.
pub fn private_dir(prefix: &str) -> Result<tempfile::TempDir> {
    private_dir_in(&std::env::temp_dir(), prefix)
}

/// Like [`private_dir`], inside `parent`.
pub fn private_dir_in(parent: &Path, prefix: &str) -> Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    b.tempdir_in(parent).map_err(|e| Error::io(parent, e))
}

/// Writes a new file only the current user can read (mode 0600); fails if
/// it exists.
pub fn write_private(path: &Path, content: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    file.write_all(content)
        .and_then(|()| file.flush())
        .map_err(|e| Error::io(path, e))
}

/// A file (or directory) being written under a temporary name beside its
/// final path; removed on drop unless [`Staged::commit`] renamed it into
/// place. So an interrupted or failed write never leaves a partial file
/// at the final path.
#[derive(Debug)]
pub struct Staged {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staged {
    /// Reserves a private temporary name beside `target`
    /// (`.<name>.pum-partial-XXXXXX`): an empty 0600 file, or with `dir`
    /// an empty 0700 directory.
    pub fn new(target: &Path, dir: bool) -> Result<Staged> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dump".into());
        let prefix = format!(".{name}.pum-partial-");
        let temp = if dir {
            private_dir_in(&parent, &prefix)?.keep()
        } else {
            let mut b = tempfile::Builder::new();
            b.prefix(&prefix);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                b.permissions(std::fs::Permissions::from_mode(0o600));
            }
            let file = b.tempfile_in(&parent).map_err(|e| Error::io(&parent, e))?;
            let (_, path) = file.keep().map_err(|e| Error::io(&parent, e.error))?;
            path
        };
        Ok(Staged {
            temp,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Renames the temporary file into place (replacing a file there).
    pub fn commit(mut self) -> Result<()> {
        std::fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_dirs_and_files() {
        let d = private_dir("pum-test-").unwrap();
        assert_eq!(mode(d.path()), 0o700);
        let f = d.path().join("secret");
        write_private(&f, b"x").unwrap();
        assert_eq!(mode(&f), 0o600);
        assert!(write_private(&f, b"y").is_err(), "must not overwrite");
    }

    #[test]
    fn staged_file_is_private_and_removed_unless_committed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("out.dump");
        let s = Staged::new(&target, false).unwrap();
        assert_eq!(mode(s.path()), 0o600);
        let temp = s.path().to_path_buf();
        std::fs::write(&temp, b"partial").unwrap();
        drop(s);
        assert!(!temp.exists() && !target.exists());

        let s = Staged::new(&target, false).unwrap();
        std::fs::write(s.path(), b"whole").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn staged_dir_is_private_and_removed_unless_committed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("out.dir");
        let s = Staged::new(&target, true).unwrap();
        assert_eq!(mode(s.path()), 0o700);
        std::fs::write(s.path().join("toc.dat"), b"x").unwrap();
        let temp = s.path().to_path_buf();
        drop(s);
        assert!(!temp.exists());
        let s = Staged::new(&target, true).unwrap();
        std::fs::write(s.path().join("toc.dat"), b"x").unwrap();
        s.commit().unwrap();
        assert!(target.join("toc.dat").exists());
    }
}
