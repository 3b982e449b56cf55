//! Hostile neighbours: files that are not files, a sign-in endpoint that lies about its host,
//! a sign-in URL in a process list, another user flooding the credential server, and profiles
//! that share one keyring item.

mod files;

use crate::harness::*;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `cmd` and returns what it did, failing the test when it has not finished by itself
/// within `limit` (it is killed then): the hangs under test never end on their own. Memory is
/// capped, so a run that reads without end dies instead of taking the machine.
pub fn finishes(mut cmd: Command, limit: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            Ok(())
        });
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id() as i32;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap().into(),
        Err(_) => {
            // SAFETY: kill sends a signal to the child this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("{cmd:?} had not finished after {limit:?}: it hangs");
        }
    }
}

/// The value of `export NAME='value';` in `--env --shell bash` output.
pub fn exported(stdout: &str, name: &str) -> Option<String> {
    let prefix = format!("export {name}='");
    stdout.lines().find_map(|l| {
        l.strip_prefix(&prefix)?
            .strip_suffix("';")
            .map(str::to_string)
    })
}
