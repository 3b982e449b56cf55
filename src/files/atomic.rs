//! Atomic, locked file replacement shared by everything awsmfa writes.
//!
//! Writes go to a temporary file in the same directory, are fsynced and renamed over the real
//! file (a symlink's target, so the link survives), under an exclusive lock on that directory
//! that serialises concurrent awsmfa runs. The mode of an existing file is kept; new files are
//! 0600.

use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Follows symlinks to the file that really holds the data, even when that file is missing.
fn resolve(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&p).map_err(|e| io_error("read", &p, e))?;
                p = p.parent().unwrap_or(Path::new(".")).join(target);
            }
            _ => return Ok(p),
        }
    }
    Err(Error::runtime(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

pub fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::runtime(format!("cannot {what} {}: {e}", path.display()))
}

/// Applies `edit` to the current text under the lock and replaces the file atomically. `edit`
/// sees the file as it is after taking the lock, so concurrent runs never undo each other.
pub fn update(path: &Path, edit: impl FnOnce(&str) -> Result<String>) -> Result<()> {
    let real = resolve(path)?;
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let lock = File::open(&dir).map_err(|e| io_error("open", &dir, e))?;
    lock.lock().map_err(|e| io_error("lock", &dir, e))?;
    let (text, mode) = match fs::metadata(&real) {
        Ok(m) => (read_text(&real)?, m.permissions().mode() & 0o7777),
        Err(e) if e.kind() == ErrorKind::NotFound => (String::new(), 0o600),
        Err(e) => return Err(io_error("read", &real, e)),
    };
    let new = edit(&text)?;
    if new != text {
        write_atomic(&dir, &real, new.as_bytes(), mode)?;
    }
    Ok(())
}

fn write_atomic(dir: &Path, real: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let prefix = format!(".{name}.awsmfa-");
    // Under the lock, any temp file of ours is left over from a killed run.
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let n = entry.file_name();
            let n = n.to_string_lossy();
            if n.starts_with(&prefix) && n.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    let tmp = dir.join(format!("{prefix}{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        // Exactly the old mode: umask must neither widen nor narrow it.
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, real)?;
        File::open(dir)?.sync_all()
    })();
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::runtime(format!(
            "cannot write {}: {e}; the file was not changed",
            real.display()
        ))
    })
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| io_error("read", path, e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::runtime(format!(
            "{} is not UTF-8 text; fix it first",
            path.display()
        ))
    })
}

/// Creates `dir` and its missing parents, the last one 0700: it holds secrets or history.
pub fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_error("create", dir, e))
}
