//! Atomic, locked file replacement shared by everything awsmfa writes.
//!
//! Writes go to a temporary file in the same directory, are fsynced and renamed over the real
//! file (a symlink's target, so the link survives), under an exclusive lock on that directory
//! that serialises concurrent awsmfa runs. The mode, owner and group of an existing file are
//! kept; new files are 0600.
//!
//! Run as root (`sudo awsmfa` keeps the user's HOME) in a folder that belongs to someone else,
//! what awsmfa creates there is given to that folder's owner and group, so the user is not
//! locked out of their own files. The folder's owner, not HOME's: a file given to whoever owns
//! its folder gives them nothing they could not already do (delete or replace it), whereas a
//! file outside HOME (`AWS_SHARED_CREDENTIALS_FILE=/etc/…`) stays root's.

use crate::error::{Error, Result};
use crate::files::regular;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The user id awsmfa runs as.
pub fn euid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// Who gets what awsmfa creates in `dir`, when that is not simply awsmfa's own user: run as
/// root in a folder that is not root's, that folder's owner and group.
pub fn owner_in(dir: &Path) -> Option<(u32, u32)> {
    if euid() != 0 {
        return None;
    }
    let m = fs::metadata(dir).ok()?;
    (m.uid() != 0).then(|| (m.uid(), m.gid()))
}

/// Gives `file`, just created in `dir`, to the owner `owner_in` names.
pub fn adopt(file: &File, dir: &Path) -> std::io::Result<()> {
    match owner_in(dir) {
        Some((uid, gid)) => give(file, uid, gid),
        None => Ok(()),
    }
}

/// Makes `file` owned by `uid`:`gid`, unless it already is.
fn give(file: &File, uid: u32, gid: u32) -> std::io::Result<()> {
    let m = file.metadata()?;
    if (m.uid(), m.gid()) == (uid, gid) {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, Some(uid), Some(gid)).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot give it its owner and group {uid}:{gid} ({e})"),
        )
    })
}

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
    let file = Locked::new(path)?;
    let text = file.read()?;
    let new = edit(&text)?;
    if new != text {
        file.replace(&[&new])?;
    }
    Ok(())
}

/// A file held under the lock of its folder until dropped: read it (`read`, or `read_unless`
/// what the caller read before), then replace it (`replace`). `update` in steps, for an edit
/// whose result borrows from what it read.
pub struct Locked {
    real: PathBuf,
    dir: PathBuf,
    _lock: File,
    /// The file's mode and owner, `None` when it is missing.
    found: Option<(u32, (u32, u32))>,
}

impl Locked {
    /// Takes the lock on `path`'s folder (its target's, for a symlink).
    pub fn new(path: &Path) -> Result<Locked> {
        let real = resolve(path)?;
        let dir = match real.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let lock = File::open(&dir).map_err(|e| io_error("open", &dir, e))?;
        lock.lock().map_err(|e| io_error("lock", &dir, e))?;
        let found = match fs::metadata(&real) {
            Ok(m) => Some((m.permissions().mode() & 0o7777, (m.uid(), m.gid()))),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(io_error("read", &real, e)),
        };
        Ok(Locked {
            real,
            dir,
            _lock: lock,
            found,
        })
    }

    /// The file's text; a missing file is empty.
    pub fn read(&self) -> Result<String> {
        match self.found {
            Some(_) => text(&self.real, regular::read(&self.real)),
            None => Ok(String::new()),
        }
    }

    /// The file's text, or `None` when it is byte for byte `known` (compared as it is read:
    /// a big file is not held twice in memory).
    pub fn read_unless(&self, known: &str) -> Result<Option<String>> {
        match self.found {
            Some(_) => match regular::read_unless(&self.real, known.as_bytes()) {
                Ok(None) => Ok(None),
                bytes => text(&self.real, bytes.map(Option::unwrap_or_default)).map(Some),
            },
            None if known.is_empty() => Ok(None),
            None => Ok(Some(String::new())),
        }
    }

    /// Replaces the file by `parts`, written one after the other.
    pub fn replace(&self, parts: &[&str]) -> Result<()> {
        let (mode, owner) = match self.found {
            Some((mode, owner)) => (mode, Some(owner)),
            None => (0o600, owner_in(&self.dir)),
        };
        write_atomic(&self.dir, &self.real, parts, mode, owner)
    }
}

/// Replaces `real` by `parts` with exactly `mode`, owned by `owner` when given. A replaced file
/// that cannot keep its owner is not replaced: it would change hands and, with the same mode,
/// be readable by another group.
fn write_atomic(
    dir: &Path,
    real: &Path,
    parts: &[&str],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<()> {
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
        if let Some((uid, gid)) = owner {
            give(&f, uid, gid)?;
        }
        // Exactly the old mode: umask must neither widen nor narrow it (and after chown, which
        // may clear set-id bits).
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        for part in parts {
            f.write_all(part.as_bytes())?;
        }
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

fn text(path: &Path, bytes: std::io::Result<Vec<u8>>) -> Result<String> {
    let bytes = bytes.map_err(|e| io_error("read", path, e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::runtime(format!(
            "{} is not UTF-8 text; fix it first",
            path.display()
        ))
    })
}

/// Creates `dir` and its missing parents, 0700 (they hold secrets or history), each given to
/// the owner of the folder it is made in as `owner_in` says.
pub fn create_dirs(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.is_dir()).collect();
    for d in missing.into_iter().rev() {
        match fs::DirBuilder::new().mode(0o700).create(d) {
            Ok(()) => {}
            // Made by a concurrent run, which gives it its owner.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && d.is_dir() => continue,
            Err(e) => return Err(io_error("create", d, e)),
        }
        if let Some((uid, gid)) = d.parent().and_then(owner_in) {
            std::os::unix::fs::chown(d, Some(uid), Some(gid)).map_err(|e| {
                Error::runtime(format!(
                    "cannot give {} to the owner of its folder: {e}",
                    d.display()
                ))
            })?;
        }
    }
    Ok(())
}
