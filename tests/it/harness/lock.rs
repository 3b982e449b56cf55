//! The lock awsmfa takes for every edit of a file (an flock on the file's folder), held by a
//! test: it orders a run's steps against the test's own, with no timing involved.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// The lock of a folder, held until dropped.
pub struct FolderLock(File);

impl FolderLock {
    /// Takes the lock of `dir`, as awsmfa does (`flock(LOCK_EX)` on the folder opened
    /// read-only).
    pub fn take(dir: &Path) -> FolderLock {
        let file = File::open(dir).unwrap();
        file.lock().unwrap();
        FolderLock(file)
    }

    /// Waits until `child` is blocked waiting for this lock, as the kernel lists it in
    /// /proc/locks (a waiter's line has `->` after the number). A child that ends before
    /// fails the test with what it said.
    #[track_caller]
    pub fn wait_for_waiter(&self, child: &mut Child) {
        let ino = self.0.metadata().unwrap().ino();
        let (pid, dev) = (child.id().to_string(), format!(":{ino}"));
        let waiting = |line: &str| {
            let f: Vec<&str> = line.split_whitespace().collect();
            f.get(1) == Some(&"->") && f.get(5) == Some(&pid.as_str()) && f[6].ends_with(&dev)
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let locks = std::fs::read_to_string("/proc/locks").unwrap();
            if locks.lines().any(waiting) {
                return;
            }
            if let Some(status) = child.try_wait().unwrap() {
                let mut said = String::new();
                if let Some(mut err) = child.stderr.take() {
                    use std::io::Read;
                    let _ = err.read_to_string(&mut said);
                }
                panic!("the run ended ({status}) without waiting for the lock: {said}");
            }
            assert!(
                Instant::now() < deadline,
                "the run never waited for the lock"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
