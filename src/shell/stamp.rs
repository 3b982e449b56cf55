//! Stamp files for fish, whose only forkless clock is `path mtime`: a file whose mtime is the
//! credentials' expiry, so `path mtime --relative` gives minus the seconds left.

use std::fs::{self, File};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

/// The stamp for `expiration`, shared by every shell holding credentials with that expiry.
/// Stamps expired for a day are removed. `None` when the cache directory is unusable: the
/// prompt then shows nothing rather than something wrong.
pub fn create(expiration: i64) -> Option<PathBuf> {
    let dir = crate::files::cache::dir()?.join("stamps");
    crate::files::atomic::private_dir(&dir).ok()?;
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
    let path = dir.join(expiration.to_string());
    let file = File::create(&path).ok()?;
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(expiration).ok()?);
    file.set_modified(at).ok()?;
    Some(path)
}
