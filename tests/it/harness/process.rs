//! Starting processes: the binary under test, children that die with the test, limits.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The binary under test: this build's, or the one AWSMFA_TEST_BIN names — to show that a new
/// test fails on an older awsmfa.
pub fn bin() -> &'static str {
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("AWSMFA_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_awsmfa").to_string())
    })
}

/// Makes what `cmd` starts die with the thread that started it.
pub(super) fn tie(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe; it only sets the death signal of the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// Starts `program args` so that it dies with the thread that started it.
pub(super) fn spawn_tied(program: &str, args: &[&str]) -> Child {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    tie(&mut cmd);
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e} (is moto[server] installed?)"))
}

/// Limits the files `cmd` writes to `bytes` (RLIMIT_FSIZE, which binds root too), with
/// SIGXFSZ ignored so that a write past it fails with EFBIG, as on a full disk.
pub fn limit_file_size(cmd: &mut Command, bytes: u64) {
    // SAFETY: signal and setrlimit are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
}
