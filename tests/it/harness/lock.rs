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

    /// The lock of `dir` if no one holds it (`flock(LOCK_EX|LOCK_NB)`), else `None`.
    pub fn try_take(dir: &Path) -> Option<FolderLock> {
        let file = File::open(dir).unwrap();
        match file.try_lock() {
            Ok(()) => Some(FolderLock(file)),
            Err(std::fs::TryLockError::WouldBlock) => None,
            Err(e) => panic!("flock {}: {e:?}", dir.display()),
        }
    }

    /// Whether a process (`pid`, or any) is blocked waiting for this lock, as the kernel lists
    /// it in /proc/locks (a waiter's line has `->` after the number).
    fn waited_for_by(&self, pid: Option<&str>) -> bool {
        let dev = format!(":{}", self.0.metadata().unwrap().ino());
        let locks = std::fs::read_to_string("/proc/locks").unwrap();
        locks.lines().any(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            f.get(1) == Some(&"->")
                && pid.is_none_or(|pid| f.get(5) == Some(&pid))
                && f[6].ends_with(&dev)
        })
    }

    /// Waits until some process is blocked waiting for this lock: a run the test did not start
    /// itself, such as one on a terminal, which has `ended` (fails the test) if it never did.
    #[track_caller]
    pub fn wait_for_a_waiter(&self, ended: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.waited_for_by(None) {
            assert!(!ended(), "the run ended without waiting for the lock");
            assert!(Instant::now() < deadline, "no run ever waited for the lock");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `child` is blocked waiting for this lock. A child that ends before fails
    /// the test with what it said.
    #[track_caller]
    pub fn wait_for_waiter(&self, child: &mut Child) {
        let pid = child.id().to_string();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.waited_for_by(Some(&pid)) {
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
