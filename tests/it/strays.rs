//! Nothing awsmfa started outlives it: what an `mfa_process` left behind in sessions of its own,
//! and the child of `exec --server` when awsmfa is sent a signal it does not otherwise handle.

use crate::harness::*;
use std::time::{Duration, Instant};

/// A `sleep` argument no other process on the machine has: `300.<pid><n>`.
fn marker() -> String {
    unique("300.").replace('x', "")
}

/// The processes running `sleep MARKER`.
fn sleepers(marker: &str) -> Vec<i32> {
    let want = format!("sleep\0{marker}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == want.as_bytes())
        })
        .filter(|pid| {
            // A zombie has ended.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| !s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
        })
        .collect()
}

/// Asserts that no `sleep MARKER` is left a moment after the run; kills any that is.
#[track_caller]
fn assert_none_left(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut left = sleepers(marker);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        left = sleepers(marker);
    }
    for pid in &left {
        // SAFETY: kill(2) on a sleeper this test made.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    assert!(left.is_empty(), "left running: {left:?}");
}

fn user_sandbox() -> Sandbox {
    let moto = Moto::shared();
    let user = moto.user(1);
    Sandbox::with_user(moto, &user)
}

/// A sleeper in a session of its own, detached from every output (so that nothing waits for
/// it to close one), started by way of `how`.
fn detached(how: &str, marker: &str) -> String {
    format!("{how} sleep {marker} </dev/null >/dev/null 2>&1")
}

#[test]
fn what_an_mfa_process_started_in_another_session_ends_with_the_run() {
    let sb = user_sandbox();
    // Started in the background, the command goes on to print the code and exit.
    let m = marker();
    let cmd = format!("{} & echo 123456", detached("setsid", &m));
    sb.run(&["--no-cache", "--mfa-process", &cmd]).ok();
    assert_none_left(&m);
    // Daemonised: its parent is gone before the command prints the code.
    let m = marker();
    let cmd = format!("({} &); echo 654321", detached("setsid", &m));
    sb.run(&["--no-cache", "-t", "b", "--mfa-process", &cmd])
        .ok();
    assert_none_left(&m);
}

#[test]
fn what_an_mfa_process_started_in_another_session_ends_at_the_timeout() {
    let mut sb = user_sandbox();
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "2");
    let m = marker();
    let cmd = format!("{} & sleep 30", detached("setsid", &m));
    sb.run(&["--no-cache", "--mfa-process", &cmd])
        .fails(1, "gave no code within 2 s");
    assert_none_left(&m);
}

#[test]
fn every_signal_that_would_end_exec_server_reaches_its_child() {
    let sb = user_sandbox();
    for (signal, name) in [
        (libc::SIGUSR1, "USR1"),
        (libc::SIGUSR2, "USR2"),
        (libc::SIGALRM, "ALRM"),
    ] {
        let _ = std::fs::remove_file(sb.home().join("ready"));
        let script = format!(
            "trap 'echo {name} > \"$HOME/got\"; exit 7' {name}\n\
             touch \"$HOME/ready\"\n\
             for i in $(seq 300); do sleep 0.1; done; exit 9"
        );
        let child = sb.exec_server(&script);
        // SAFETY: kill(2) on the awsmfa the test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let run: Run = child.wait_with_output().unwrap().into();
        assert_eq!(run.code, 7, "{name}: {}", run.stderr);
        let got = std::fs::read_to_string(sb.home().join("got")).unwrap();
        assert_eq!(got.trim(), name);
    }
}
