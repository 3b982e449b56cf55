//! Stamp files for fish, whose only forkless clock is `path mtime`: a file whose mtime is the
//! credentials' expiry, so `path mtime --relative` gives minus the seconds left.

use crate::files::{atomic, cache, private};
use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

/// The stamp for `expiration`, shared by every shell holding credentials with that expiry.
/// Stamps expired for a day are removed. `None` when the cache folder is unusable: the
/// prompt then shows nothing rather than something wrong.
pub fn create(expiration: i64) -> Option<PathBuf> {
    let dir = cache::dir_created().ok()??.join("stamps");
    if !private::folder(&dir, true).ok()? {
        return None;
    }
    let old = crate::timefmt::now() - 86_400;
    for entry in fs::read_dir(&dir).ok()?.flatten() {
        let name = entry.file_name();
        if name
            .to_str()
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|t| t < old)
        {
            let _ = fs::remove_file(entry.path());
        }
    }
    // Whatever holds the name is replaced, never opened: it may be a link planted to make
    // awsmfa truncate or retime the file it points to.
    let path = dir.join(expiration.to_string());
    let _ = fs::remove_file(&path);
    let file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(file) => file,
        // A concurrent run just made the same stamp.
        Err(e)
            if e.kind() == ErrorKind::AlreadyExists
                && fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) =>
        {
            return Some(path);
        }
        Err(_) => return None,
    };
    atomic::adopt(&file, &dir).ok()?;
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(expiration).ok()?);
    file.set_modified(at).ok()?;
    Some(path)
}
