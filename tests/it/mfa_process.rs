//! Where the MFA code comes from when a command gives it: an `mfa_process` from the config, a
//! flag or the environment, that talks to the user on the terminal, a deadline that holds
//! whatever the command does with its output, and a command line (a TOTP seed) never shown.

use crate::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// A TOTP seed, as it would sit on a command line.
const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// The code oathtool gives for SEED at `epoch`.
fn totp(epoch: i64) -> String {
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", SEED, "-N", &format!("@{epoch}")])
        .output()
        .expect("oathtool (scripts/install-deps installs it)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The TokenCode of every GetSessionToken the proxy passed on.
pub(crate) fn codes_sent(proxy: &Fake) -> Vec<String> {
    proxy
        .bodies("GetSessionToken")
        .iter()
        .map(|b| b.split("TokenCode=").nth(1).unwrap()[..6].to_string())
        .collect()
}

/// An executable `sh` script in the sandbox's HOME; returns its path.
fn script(sb: &Sandbox, name: &str, body: &str) -> String {
    let path = sb.home().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

/// The process ids a script wrote to `file`.
fn pids(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.split_whitespace().map(str::to_string).collect()
}

/// Asserts that process `pid` ends (a zombie counts as ended) within a few seconds.
#[track_caller]
pub(crate) fn assert_ends(pid: &str) {
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit_once(") ")
                .is_some_and(|(_, r)| r.starts_with(['Z', 'X']))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while running() {
        assert!(Instant::now() < deadline, "process {pid} was left running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn mfa_process_from_config_flag_and_environment() {
    for how in ["config", "flag", "env"] {
        // The identity's own config section holds its device settings, as for the AWS CLI.
        let config = if how == "config" {
            "[profile identity]\nmfa_process = printf '%s\\n' 246810\n"
        } else {
            ""
        };
        let (proxy, mut sb, _) = with_config(config);
        let args: Vec<&str> = match how {
            "config" => vec!["--profile", "identity"],
            "flag" => vec!["--mfa-process", "echo 246810"],
            _ => {
                sb.set("AWS_MFA_PROCESS", "echo 246810");
                vec![]
            }
        };
        sb.run(&args).ok();
        let sent = proxy.bodies("GetSessionToken");
        assert!(sent[0].contains("TokenCode=246810"), "{how}: {}", sent[0]);
    }
}

#[test]
fn mfa_process_failures_are_clear_and_bounded() {
    let (_, mut sb, _) = with_config("");
    // The command line is not shown (it may hold a TOTP seed); where it was set is.
    sb.run(&["--mfa-process", "echo oops >&2; exit 4"]).fails(
        1,
        "the mfa_process from --mfa-process failed (exit status: 4)",
    );
    sb.run(&["--mfa-process", "echo not-a-code"])
        .fails(1, "printed no 6-digit code");
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "1");
    let start = Instant::now();
    sb.run(&["--mfa-process", "sleep 30; echo 123456"])
        .fails(1, "gave no code within 1 s");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_code_just_used_is_not_sent_again() {
    // A stand-in authenticator: one code per 30-second window, like TOTP.
    let totp = "echo $(( $(date +%s) / 30 % 900000 + 100000 ))";
    let (proxy, sb, _) = with_config("");
    sb.run(&["--mfa-process", totp, "--no-cache"]).ok();
    let start = Instant::now();
    let run = sb.run(&["--mfa-process", totp, "--no-cache", "-t", "again"]);
    run.ok();
    let sent = proxy.bodies("GetSessionToken");
    let code = |b: &str| b.split("TokenCode=").nth(1).unwrap()[..6].to_string();
    if code(&sent[0]) != code(&sent[1]) || run.stderr.contains("waiting") {
        // Either the window turned between the runs, or awsmfa waited for it to.
        assert_ne!(code(&sent[0]), code(&sent[1]));
    }
    if run.stderr.contains("waiting") {
        assert!(run.stderr.contains("was used"), "{}", run.stderr);
        assert!(start.elapsed() <= Duration::from_secs(32));
    }
    // A code given on the command line is sent as given.
    sb.run(&["-c", "111111", "--no-cache", "-t", "x"]).ok();
    sb.run(&["-c", "111111", "--no-cache", "-t", "y"]).ok();
    assert_eq!(proxy.count("GetSessionToken"), 4);
}

#[test]
fn an_mfa_process_asks_for_its_pin_on_the_terminal() {
    let (proxy, mut sb, _) = with_config("");
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "10");
    // Code tools guarded by a PIN, as ykman is by an OATH password: one asks on stderr and
    // reads stdin with echo off, the other asks with Python's getpass, on /dev/tty. Each
    // prints a code only for the right PIN.
    let on_stdin = script(
        &sb,
        "pin-on-stdin",
        &format!(
            "printf 'PIN for the token: ' >&2\nstty -echo\nread -r pin\nstty echo\necho >&2\n\
             [ \"$pin\" = 4321 ] || {{ echo 'wrong PIN' >&2; exit 1; }}\n\
             exec oathtool --totp -b {SEED}\n"
        ),
    );
    let on_tty = script(
        &sb,
        "pin-on-tty",
        "python3 -c 'import getpass, sys; getpass.getpass(\"Passphrase: \") == \"4321\" or \
         sys.exit(\"wrong passphrase\")' && echo 135790\n",
    );
    // awsmfa's own stdin and stderr are not the terminal, as under a credential_process.
    let err = sb.home().join("err");
    let line = |tool: &str, target: &str| {
        format!(
            "{} --no-cache -t {target} --mfa-process {tool} </dev/null 2>{}",
            bin(),
            err.display()
        )
    };
    let before = now();
    let screen = sb.on_terminal(&line(&on_stdin, "a"), &[("PIN for the token: ", "4321")]);
    let after = now();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert_eq!(screen.status, 0, "{}\n{stderr}", screen.text);
    assert!(!screen.text.contains("4321"), "the tool's stty -echo took");
    assert!(
        [totp(before), totp(after)].contains(&codes_sent(&proxy)[0]),
        "not oathtool's code"
    );

    let screen = sb.on_terminal(&line(&on_tty, "b"), &[("Passphrase: ", "4321")]);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert_eq!(codes_sent(&proxy)[1], "135790");
    let screen = sb.on_terminal(&line(&on_tty, "c"), &[("Passphrase: ", "1111")]);
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(screen.text.contains("wrong passphrase"), "{}", screen.text);
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert_eq!(
        stderr,
        "awsmfa: error: the mfa_process from --mfa-process failed (exit status: 1)\n"
    );
}

#[test]
fn ctrl_c_ends_the_mfa_process_and_what_it_started() {
    let (_, sb, _) = with_config("");
    let file = sb.home().join("pids");
    // It and what it starts ignore Ctrl-C, and the hangup when the terminal closes.
    let stubborn = script(
        &sb,
        "stubborn",
        &format!(
            "trap '' INT HUP\nsleep 60 &\necho $$ $! > {}\necho started >&2\nwait\necho 123456\n",
            file.display()
        ),
    );
    let line = format!("{} --mfa-process {stubborn}", bin());
    let screen = sb.on_terminal(&line, &[("started", "\x03")]);
    let started = pids(&file);
    assert_eq!(started.len(), 2, "{}", screen.text);
    for pid in &started {
        assert_ends(pid);
    }
    assert_eq!(screen.status, 130, "ended by SIGINT: {}", screen.text);
    assert!(value(&sb.creds(), "default", "aws_session_token").is_none());
}

#[test]
fn a_timeout_ends_a_tool_on_the_terminal_and_gives_the_terminal_back() {
    let (_, mut sb, _) = with_config("");
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "3");
    let file = sb.home().join("pids");
    // What it starts survives the hangup when the terminal closes.
    let forgotten = script(
        &sb,
        "forgotten",
        &format!(
            "trap '' HUP\nsleep 60 &\necho $$ $! > {}\nstty -echo\nprintf 'PIN: ' >&2\nread -r pin\n",
            file.display()
        ),
    );
    let start = Instant::now();
    let screen = sb.on_terminal(
        &format!("{} --mfa-process {forgotten}; stty -a", bin()),
        &[],
    );
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(3 + 7),
        "{elapsed:?}: {}",
        screen.text
    );
    assert!(screen.text.contains("PIN: "), "{}", screen.text);
    assert!(
        screen
            .text
            .contains("awsmfa: error: the mfa_process from --mfa-process gave no code within 3 s"),
        "{}",
        screen.text
    );
    // The tool died with echo off; the terminal is as it was before.
    let words: Vec<&str> = screen.text.split_whitespace().collect();
    assert!(
        words.contains(&"echo") && !words.contains(&"-echo"),
        "{}",
        screen.text
    );
    for pid in pids(&file) {
        assert_ends(&pid);
    }
}

#[test]
fn a_background_process_holding_the_output_does_not_hold_awsmfa() {
    let (proxy, mut sb, _) = with_config("");
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "5");
    let file = sb.home().join("pid");
    let cmd = format!("sleep 30 & echo $! > {}; echo 111111", file.display());
    let start = Instant::now();
    sb.run(&["--mfa-process", &cmd]).ok();
    assert!(
        start.elapsed() < Duration::from_secs(5 + 3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(codes_sent(&proxy), ["111111"]);
    // It also held awsmfa's stderr, which a caller such as botocore reads to the end.
    assert_ends(&pids(&file)[0]);
}

#[test]
fn output_beyond_a_pipe_buffer_is_read_while_waiting() {
    let (_, mut sb, _) = with_config("");
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "5");
    let junk = "head -c 100000 /dev/zero | tr '\\0' x";
    for cmd in [
        format!("{junk}; echo; echo 123456"),
        format!("echo 123456; {junk}"),
    ] {
        let start = Instant::now();
        sb.run(&["--mfa-process", &cmd])
            .fails(1, "printed no 6-digit code");
        assert!(
            start.elapsed() < Duration::from_secs(5 + 3),
            "{:?}",
            start.elapsed()
        );
    }
}

/// awsmfa with `cmd` as the mfa_process, set where `origin` names, and `env` besides.
fn with_mfa_process(
    sb: &Sandbox,
    origin: &str,
    cmd: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut args = args.to_vec();
    match origin {
        "--mfa-process" => args.extend(["--mfa-process", cmd]),
        "AWS_MFA_PROCESS" => {}
        _ => {
            let config = format!("[profile identity]\nmfa_process = {cmd}\n");
            sb.write_config(&config);
            args.extend(["--profile", "identity"]);
        }
    }
    let mut command = sb.command(&args);
    if origin == "AWS_MFA_PROCESS" {
        command.env(origin, cmd);
    }
    command.envs(env.iter().copied()).output().unwrap().into()
}

/// Every way an `mfa_process` from `origin` can fail names `origin` and never shows SEED.
fn seed_never_shown(origin: &str) {
    let (proxy, sb, _) = with_config("");
    let before = now();
    let run = with_mfa_process(
        &sb,
        origin,
        &format!("oathtool --totp -b {SEED}"),
        &["--no-cache"],
        &[],
    );
    run.ok();
    assert!([totp(before), totp(now())].contains(&codes_sent(&proxy)[0]));
    let cases = [
        (
            format!("oathtool --totp -b {SEED} >/dev/null && false"),
            "10",
            "failed (exit status: 1)",
        ),
        (
            format!("oathtool --totp --digits=8 -b {SEED}"),
            "10",
            "printed no 6-digit code",
        ),
        (
            format!("sleep 30 && oathtool --totp -b {SEED}"),
            "1",
            "gave no code within 1 s",
        ),
    ];
    for (cmd, timeout, needle) in cases {
        let run = with_mfa_process(
            &sb,
            origin,
            &cmd,
            &["--no-cache"],
            &[("AWSMFA_MFA_PROCESS_TIMEOUT", timeout)],
        );
        run.fails(1, needle).fails(1, origin);
        assert!(!run.stderr.contains(SEED), "{origin}: {}", run.stderr);
    }
    // A device with a stuck clock gives the same code in the next window too. awsmfa says so
    // when the code comes again less than 30 s after it was sent: both runs start in the middle
    // of one window, and the second waits for the next — and asks again at its first second,
    // less than 30 s after the first run by as many seconds as the window was old at its start
    // (a margin for the start of the run under load).
    while !(10..=15).contains(&(now() % 30)) {
        std::thread::sleep(Duration::from_millis(500));
    }
    let stuck = format!("oathtool --totp -b {SEED} -N '2020-01-01 00:00:00 UTC'");
    with_mfa_process(&sb, origin, &stuck, &["--no-cache"], &[]).ok();
    let run = with_mfa_process(&sb, origin, &stuck, &["--no-cache", "-t", "again"], &[]);
    run.fails(1, "gave the code it gave before")
        .fails(1, origin);
    assert!(!run.stderr.contains(SEED), "{origin}: {}", run.stderr);
}

#[test]
fn a_totp_seed_in_an_mfa_process_is_never_shown() {
    let origins = ["--mfa-process", "AWS_MFA_PROCESS", "[profile identity]"];
    // In parallel: each waits up to 31 s for the next 30-second window.
    let runs: Vec<_> = origins
        .into_iter()
        .map(|origin| std::thread::spawn(move || seed_never_shown(origin)))
        .collect();
    for run in runs {
        run.join().unwrap();
    }
}

#[test]
fn help_never_shows_an_mfa_process_from_the_environment() {
    let mut sb = Sandbox::new("http://127.0.0.1:9");
    sb.set("AWS_MFA_PROCESS", &format!("oathtool --totp -b {SEED}"));
    for args in [
        &["--help"][..],
        &["-h"],
        &["credential-process", "--help"],
        &["help", "exec"],
        &["rotate", "-h"],
    ] {
        let run = sb.run(args);
        run.ok();
        assert!(run.stdout.contains("AWS_MFA_PROCESS"), "{args:?}");
        assert!(!run.stdout.contains(SEED), "{args:?}: {}", run.stdout);
    }
}
