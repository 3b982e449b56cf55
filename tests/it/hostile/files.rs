//! Item 7 of the hostile review: every file awsmfa reads may be named by the environment, and a
//! FIFO, `/dev/zero` or `/dev/stdin` there must neither hang awsmfa (nor the prompt hook with
//! it) nor grow its memory without end: one error line, or nothing where nothing is shown.

use super::finishes;
use crate::harness::*;
use crate::sessions::exported;
use std::path::PathBuf;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

/// A FIFO no one writes to, in the sandbox.
fn fifo(sb: &Sandbox) -> PathBuf {
    let path = sb.home().join("fifo");
    if path.exists() {
        return path;
    }
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    path
}

/// The files that are not files: a FIFO, an endless device, and stdin when it is a pipe (kept
/// open, with nothing written to it, by the test).
fn hostile(sb: &Sandbox) -> Vec<String> {
    vec![
        fifo(sb).display().to_string(),
        "/dev/zero".into(),
        "/dev/stdin".into(),
    ]
}

/// `sb`'s command for `args` with AWS_CONFIG_FILE set to `config`, stdin a pipe that stays
/// open and silent.
fn with_config(sb: &Sandbox, config: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = sb.command(args);
    cmd.env("AWS_CONFIG_FILE", config)
        .stdin(std::process::Stdio::piped());
    cmd
}

fn run(sb: &Sandbox, config: &str, args: &[&str]) -> Run {
    // The pipe's write end lives in the spawned child's parent until the run ends: a reader of
    // /dev/stdin would wait for it forever.
    finishes(with_config(sb, config, args), LIMIT)
}

#[test]
fn a_config_file_that_is_not_a_file_ends_the_job_in_one_line() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let before = sb.creds();
    for config in hostile(&sb) {
        for args in [
            &["-c", "123456"][..],
            &["--profile", "p", "-c", "123456"],
            &["status"],
        ] {
            run(&sb, &config, args).fails(1, "not a regular file");
            assert_eq!(sb.creds(), before, "{config} {args:?}");
        }
    }
}

#[test]
fn the_prompt_and_completion_show_nothing_and_never_wait() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    for config in hostile(&sb) {
        let prompt = run(&sb, &config, &["prompt"]);
        prompt.ok();
        assert_eq!((prompt.stdout.as_str(), prompt.stderr.as_str()), ("", ""));
        let mut cmd = with_config(&sb, &config, &["--", "awsmfa", "--profile", ""]);
        cmd.env("COMPLETE", "fish");
        let complete = finishes(cmd, LIMIT);
        complete.ok();
        assert_eq!(complete.stderr, "", "{config}");
    }
    // The credentials file itself, as the prompt reads it.
    for creds in hostile(&sb).iter().skip(1) {
        let mut cmd = sb.command(&["prompt"]);
        cmd.env("AWS_SHARED_CREDENTIALS_FILE", creds)
            .stdin(std::process::Stdio::piped());
        let prompt = finishes(cmd, LIMIT);
        prompt.ok();
        assert_eq!(prompt.stdout, "", "{creds}");
    }
}

/// What the prompt hook runs: `refresh` must not hang the shell on a FIFO config.
#[test]
fn the_hooks_refresh_ends_in_one_line() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    let first = sb.run(&["-c", "123456", "--env", "--shell", "bash"]);
    first.ok();
    let before = sb.creds();
    sb.set(
        "AWSMFA_SOURCE",
        // `export NAME='value';` is how older builds wrote it (AWSMFA_TEST_BIN).
        &exported(&first.stdout, "AWSMFA_SOURCE")
            .or_else(|| {
                first.stdout.lines().find_map(|l| {
                    let v = l.strip_prefix("export AWSMFA_SOURCE='")?;
                    Some(v.strip_suffix("';")?.to_string())
                })
            })
            .unwrap(),
    )
    .set("AWSMFA_EXPIRATION", "0");
    for config in hostile(&sb) {
        run(
            &sb,
            &config,
            &["refresh", "--shell", "bash", "--timeout", "2"],
        )
        .fails(1, "not a regular file");
        assert_eq!(sb.creds(), before);
    }
}
