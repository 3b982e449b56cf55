//! awsmfa's own folders — the cache (`~/.cache/awsmfa`, with `stamps`) and the role history
//! (`~/.local/share/awsmfa`) — and the files in them. awsmfa trusts only what it could have
//! made: a folder or file of the user's that no one else can read or write. A folder of the
//! user's that others can open is closed (0700); someone else's folder is not used, which is
//! said once; a file that is someone else's, open to others or not a plain file is removed
//! unread. "The user" is the account awsmfa runs as and, run as root, the owner of the folder
//! the entry is in: whose HOME `sudo` left awsmfa in (see `atomic::owner_in`).

use crate::error::{Error, Result};
use crate::files::{atomic, regular};
use crate::ui;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Whether an entry owned by `uid`, in a folder owned by `parent_uid`, is the user's when
/// awsmfa runs as `euid`.
fn users(uid: u32, parent_uid: Option<u32>, euid: u32) -> bool {
    uid == euid || (euid == 0 && parent_uid == Some(uid))
}

fn owned_by_user(uid: u32, parent: &Path) -> bool {
    let parent_uid = fs::metadata(parent).ok().map(|m| m.uid());
    users(uid, parent_uid, atomic::euid())
}

enum Folder {
    Missing,
    Ours,
    /// The user's, but others may open it: its mode.
    Open(u32),
    /// Not to be used, and why.
    Refused(String),
}

fn inspect(dir: &Path) -> Folder {
    // A linked folder is judged by what it links to.
    let m = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Folder::Missing,
        Err(e) => return Folder::Refused(format!("cannot use {}: {e}", dir.display())),
    };
    let parent = dir.parent().unwrap_or(Path::new("/"));
    if !m.is_dir() {
        Folder::Refused(format!(
            "{} is not a folder, so awsmfa does not use it; remove it",
            dir.display()
        ))
    } else if !owned_by_user(m.uid(), parent) {
        Folder::Refused(format!(
            "{} belongs to another user (uid {}), so awsmfa does not use it; remove it or make \
             it yours (chown)",
            dir.display(),
            m.uid()
        ))
    } else if m.mode() & 0o077 != 0 {
        Folder::Open(m.mode() & 0o7777)
    } else {
        Folder::Ours
    }
}

/// Says `why` once a run for `dir`: every use of the cache asks.
fn warn_once(dir: &Path, why: &str) {
    static SAID: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(PoisonError::into_inner);
    if !said.iter().any(|d| d == dir) {
        said.push(dir.to_path_buf());
        ui::warn(why);
    }
}

/// Makes `dir` usable as one of awsmfa's folders: created (0700, with its missing parents)
/// when `create`, closed to 0700 when it is the user's but open to others. `false` when it is
/// missing and not created, or may not be used (said once).
pub fn folder(dir: &Path, create: bool) -> Result<bool> {
    match inspect(dir) {
        Folder::Ours => Ok(true),
        Folder::Missing if create => atomic::create_dirs(dir).map(|()| true),
        Folder::Missing => Ok(false),
        Folder::Open(mode) => {
            match fs::set_permissions(dir, fs::Permissions::from_mode(0o700)) {
                Ok(()) => ui::warn(&format!(
                    "{} was open to other users (mode {mode:04o}); awsmfa made it 0700",
                    dir.display()
                )),
                Err(e) => {
                    warn_once(
                        dir,
                        &format!(
                            "{} is open to other users (mode {mode:04o}) and cannot be closed \
                             ({e}), so awsmfa does not use it",
                            dir.display()
                        ),
                    );
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Folder::Refused(why) => {
            warn_once(dir, &why);
            Ok(false)
        }
    }
}

/// Why `path` is not awsmfa's, or `None` when it is or is absent.
fn file_problem(path: &Path) -> Option<String> {
    let m = fs::symlink_metadata(path).ok()?;
    let dir = path.parent()?;
    if !m.is_file() {
        Some("it is not a plain file".into())
    } else if !owned_by_user(m.uid(), dir) {
        Some(format!("it belongs to another user (uid {})", m.uid()))
    } else if m.mode() & 0o077 != 0 {
        Some(format!(
            "other users can read or write it (mode {:04o})",
            m.mode() & 0o7777
        ))
    } else {
        None
    }
}

/// Removes `path` when it is not awsmfa's, so that it is neither read nor kept.
fn vet(path: &Path) {
    if let Some(why) = file_problem(path) {
        match fs::remove_file(path) {
            Ok(()) => ui::warn(&format!(
                "removed {}: {why}, so it is not awsmfa's",
                path.display()
            )),
            Err(e) => ui::warn(&format!(
                "ignored {}: {why}, so it is not awsmfa's; it cannot be removed ({e})",
                path.display()
            )),
        }
    }
}

/// The text of `name` in the folder `dir` when both are awsmfa's.
pub fn read(dir: &Path, name: &str) -> Option<String> {
    if !folder(dir, false).ok()? {
        return None;
    }
    let path = dir.join(name);
    vet(&path);
    regular::read_to_string(&path).ok()
}

/// The text of `name` in the folder `dir` when both are awsmfa's, without a word or a change:
/// for completion, whose stderr is the user's command line.
pub fn peek(dir: &Path, name: &str) -> Option<String> {
    let path = dir.join(name);
    if !matches!(inspect(dir), Folder::Ours) || file_problem(&path).is_some() {
        return None;
    }
    regular::read_to_string(&path).ok()
}

/// `atomic::update` of `name` in the folder `dir`, which is created when missing. Does nothing
/// when the folder may not be used (that was said).
pub fn update(dir: &Path, name: &str, edit: impl FnOnce(&str) -> Result<String>) -> Result<()> {
    if !folder(dir, true)? {
        return Ok(());
    }
    let path = dir.join(name);
    vet(&path);
    atomic::update(&path, edit)
}

/// Refuses a value that would not stay one value in awsmfa's files: a line break would add a
/// line, a space split a field. The value itself is not shown: it may be a secret.
pub fn storable(what: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::runtime(format!(
            "the {what} is empty or holds a space, a line break or a control character, so it \
             was not stored"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_entries_are_awsmfas_and_roots_in_a_users_folder() {
        assert!(users(1000, Some(1000), 1000));
        // Not root: another user's entry is never trusted, wherever it is.
        assert!(!users(0, Some(0), 1000));
        assert!(!users(1001, Some(1001), 1000));
        // Root in someone's folder: root's own entries and that someone's.
        assert!(users(0, Some(1000), 0));
        assert!(users(1000, Some(1000), 0));
        assert!(!users(1001, Some(1000), 0));
        assert!(!users(1001, None, 0));
    }

    #[test]
    fn only_single_words_are_stored() {
        assert!(storable("serial", "arn:aws:iam::123456789012:mfa/me").is_ok());
        assert!(storable("serial", "GAHT12345678").is_ok());
        for bad in ["", "a b", "a\rb", "a\tb", "a\u{1b}b"] {
            assert!(storable("serial", bad).is_err(), "{bad:?}");
        }
        let e = storable("serial", "arn:x\naws_access_key_id = EVIL").unwrap_err();
        assert!(!e.msg.contains("EVIL"), "{}", e.msg);
    }
}
