//! Reading and atomically rewriting the credentials file.
//!
//! Writes go to a temporary file in the same directory, are fsynced and renamed over the real
//! file (a symlink's target, so the link survives), under an exclusive lock on that directory
//! that serialises concurrent awsmfa runs. The mode of an existing file is kept; new files are
//! 0600.

use crate::aws::{Keys, TempCreds};
use crate::error::{Error, Result};
use crate::ini::Doc;
use crate::timefmt;
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

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::runtime(format!("cannot {what} {}: {e}", path.display()))
}

/// The file's text; a missing file is an error with the command that creates one.
pub fn read(path: &Path) -> Result<String> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            Error::runtime(format!(
                "{} is not UTF-8 text; fix or re-create it with `aws configure`",
                path.display()
            ))
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Error::runtime(format!(
            "no credentials file at {}{}; create it with `aws configure --profile identity`",
            path.display(),
            match fs::read_link(path) {
                Ok(t) => format!(" (a symlink to the missing {})", t.display()),
                Err(_) => String::new(),
            }
        ))),
        Err(e) if e.kind() == ErrorKind::IsADirectory => Err(Error::runtime(format!(
            "{} is a directory, not a credentials file; point --aws-credentials at the file",
            path.display()
        ))),
        Err(e) => Err(io_error("read", path, e)),
    }
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
        Ok(m) => (read(&real)?, m.permissions().mode() & 0o7777),
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
    let tmp = dir.join(format!(".{name}.awsmfa-{}.tmp", std::process::id()));
    let written = (|| {
        // Under the lock, a temp file of ours can only be left over from a killed run.
        let _ = fs::remove_file(&tmp);
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

/// The keys awsmfa owns in a target profile: replaced together, so no stale token survives.
/// `awsmfa_expiration` is what the Python awsmfa wrote; `expiration` replaces it.
pub const OWNED_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "expiration",
    "awsmfa_expiration",
];

pub fn parse<'a>(path: &Path, text: &'a str) -> Result<Doc<'a>> {
    Doc::parse(text).map_err(|e| {
        Error::runtime(format!(
            "cannot safely edit {}: {e}; fix that line and run again (the file was not changed)",
            path.display()
        ))
    })
}

/// The long-lived keys of `profile`.
pub fn identity_keys(doc: &Doc, path: &Path, profile: &str) -> Result<Keys> {
    if !doc.has_section(profile) {
        let names: Vec<&str> = doc.sections().collect();
        let there = if names.is_empty() {
            "it has no profiles".to_string()
        } else {
            format!("profiles there: {}", names.join(", "))
        };
        return Err(Error::runtime(format!(
            "no profile [{profile}] in {} ({there}); create it with `aws configure --profile {profile}` or pick one with -i NAME",
            path.display()
        )));
    }
    let get = |key: &str| doc.get(profile, key).filter(|v| !v.is_empty());
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Keys {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: get("aws_session_token").map(str::to_string),
        }),
        _ => Err(Error::runtime(format!(
            "profile [{profile}] in {} lacks aws_access_key_id or aws_secret_access_key; set them with `aws configure --profile {profile}`",
            path.display()
        ))),
    }
}

/// Writes temporary credentials into `profile`, keeping the profile's other keys.
pub fn store(path: &Path, profile: &str, creds: &TempCreds) -> Result<()> {
    let expiration = timefmt::rfc3339(creds.expiration);
    let token = creds.keys.session_token.as_deref().unwrap_or_default();
    let set = [
        ("aws_access_key_id", creds.keys.access_key_id.as_str()),
        (
            "aws_secret_access_key",
            creds.keys.secret_access_key.as_str(),
        ),
        ("aws_session_token", token),
        ("aws_security_token", token),
        ("expiration", expiration.as_str()),
    ];
    update(path, |text| {
        Ok(parse(path, text)?.upsert(profile, OWNED_KEYS, &set))
    })
}
