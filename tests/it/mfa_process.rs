//! Where the MFA code comes from, across boundaries: the prompt on the terminal whoever holds
//! stderr, an `mfa_process` that talks to the user there, a deadline that holds whatever the
//! command does with its output, a command line that is never shown, and a dialog (zenity
//! under Xvfb, answered with xdotool) where there is no terminal.

use crate::config_profiles::with_config;
use crate::harness::*;
use crate::main_job::value;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Stdio};
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
fn codes_sent(proxy: &Fake) -> Vec<String> {
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
fn assert_ends(pid: &str) {
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
fn the_prompt_reaches_the_terminal_when_a_client_captures_stderr() {
    // botocore runs a credential_process with stdout and stderr captured.
    let (_, sb, _) = with_config(&format!(
        "[profile via-awsmfa]\ncredential_process = {} credential-process\n",
        bin()
    ));
    let boto3 = "python3 -c 'import boto3; \
        c = boto3.Session(profile_name=\"via-awsmfa\").get_credentials(); \
        print(\"key:\", c.get_frozen_credentials().access_key)'";
    let screen = sb.on_terminal(boto3, &[("MFA Token Code: ", "123456")]);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(
        screen.text.contains("key: AKIAIOSFODNN7EXAMPLE"),
        "{}",
        screen.text
    );
}

#[test]
fn the_dialogue_stays_on_the_terminal_when_stderr_is_discarded() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let typo = [
        ("MFA Token Code: ", "12"),
        ("6 digits your MFA device shows", "123456"),
    ];
    let screen = sb.on_terminal(&format!("{} --no-cache 2>/dev/null", bin()), &typo);
    assert_eq!(screen.status, 0, "{}", screen.text);
    // Only the dialogue is on the terminal: the report stays on stderr.
    assert!(
        !screen.text.contains("Temporary credentials"),
        "{}",
        screen.text
    );
    let reused = [
        ("MFA Token Code: ", "123456"),
        ("used a moment ago", "654321"),
    ];
    let line = format!("{} --no-cache -t again 2>/dev/null", bin());
    let screen = sb.on_terminal(&line, &reused);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(value(&sb.creds(), "again", "aws_session_token").is_some());
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
            std::fs::write(sb.home().join(".aws/config"), config).unwrap();
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
    // when the code comes again less than 30 s after it was sent: both runs start early in
    // one window, and the second waits for the next.
    while !(2..=15).contains(&(now() % 30)) {
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

/// awsmfa `args`, with no terminal, on `x`'s display, its output piped; waiting up to
/// `timeout` seconds for an answer.
fn on_display(sb: &Sandbox, x: &Xvfb, args: &[&str], timeout: &str) -> Child {
    sb.command(args)
        .env("DISPLAY", &x.display)
        // A module GTK does not find, as on many desktops: zenity warns about it on stderr.
        .env("GTK_MODULES", "canberra-gtk-module")
        .env("AWSMFA_MFA_PROCESS_TIMEOUT", timeout)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The process id and the text (its arguments) of the next dialog `awsmfa` shows, other than
/// those `seen`.
fn next_dialog(awsmfa: &mut Child, seen: &[u32]) -> (u32, String) {
    let parent = awsmfa.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dialog = std::fs::read_dir("/proc").unwrap().flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            let args = std::fs::read_to_string(e.path().join("cmdline")).ok()?;
            (name == "zenity" && ppid == parent && !seen.contains(&pid))
                .then(|| (pid, args.replace('\0', " ")))
        });
        if let Some(dialog) = dialog {
            return dialog;
        }
        if let Some(status) = awsmfa.try_wait().unwrap() {
            let mut stderr = String::new();
            awsmfa
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .ok();
            panic!("awsmfa ended ({status}) without a dialog: {stderr}");
        }
        assert!(Instant::now() < deadline, "awsmfa showed no dialog");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Types `text` and Return into the window of dialog `pid`, or presses Escape there (`None`).
fn answer(x: &Xvfb, pid: u32, text: Option<&str>) {
    let pid = pid.to_string();
    let found = x.xdotool(&[
        "search",
        "--sync",
        "--all",
        "--onlyvisible",
        "--pid",
        &pid,
        "--name",
        "awsmfa",
    ]);
    let window = found.lines().next().unwrap();
    x.xdotool(&["windowfocus", "--sync", window]);
    match text {
        Some(text) => {
            x.xdotool(&["type", "--delay", "20", text]);
            x.xdotool(&["key", "Return"]);
        }
        None => {
            x.xdotool(&["key", "Escape"]);
        }
    }
}

/// What awsmfa did, once it ended (within a minute).
fn finish(child: Child) -> Run {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()).ok());
    let out = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            // SAFETY: kill(2) on the awsmfa this test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("awsmfa did not end")
        });
    out.into()
}

#[test]
fn without_a_terminal_the_code_is_asked_in_a_dialog() {
    let (proxy, sb, user) = with_config("");
    let x = Xvfb::start();
    // A credential_process of an IDE: no terminal, stdout and stderr captured.
    let mut awsmfa = on_display(&sb, &x, &["credential-process"], "30");
    let (first, text) = next_dialog(&mut awsmfa, &[]);
    // The dialog names the device; the underscore is not taken for a mnemonic.
    assert!(
        text.contains(&format!(
            "MFA code for {}",
            user.serials[0].replace('_', "__")
        )),
        "{text}"
    );
    answer(&x, first, Some("12 34"));
    let (second, text) = next_dialog(&mut awsmfa, &[first]);
    assert!(text.contains("6 digits your MFA device shows"), "{text}");
    answer(&x, second, Some("123456"));
    let run = finish(awsmfa);
    run.ok();
    assert!(run.stdout.contains("\"AccessKeyId\""), "{}", run.stdout);
    assert_eq!(codes_sent(&proxy), ["123456"]);
    // What zenity says on stderr (the module warning) stays out of awsmfa's.
    assert_eq!(run.stderr, "");
}

#[test]
fn a_code_used_a_moment_ago_is_asked_again_in_the_dialog() {
    let (proxy, sb, _) = with_config("");
    let x = Xvfb::start();
    for (target, answers) in [("a", &["123456"][..]), ("b", &["123456", "654321"])] {
        let mut awsmfa = on_display(&sb, &x, &["--no-cache", "-t", target], "30");
        let mut seen = Vec::new();
        for code in answers {
            let (dialog, text) = next_dialog(&mut awsmfa, &seen);
            assert_eq!(
                text.contains("used a moment ago"),
                !seen.is_empty(),
                "{text}"
            );
            answer(&x, dialog, Some(code));
            seen.push(dialog);
        }
        finish(awsmfa).ok();
    }
    assert_eq!(codes_sent(&proxy), ["123456", "654321"]);
}

#[test]
fn a_cancelled_dialog_ends_the_run_with_one_line() {
    let (proxy, sb, _) = with_config("");
    let x = Xvfb::start();
    let mut awsmfa = on_display(&sb, &x, &["credential-process"], "30");
    let (dialog, _) = next_dialog(&mut awsmfa, &[]);
    answer(&x, dialog, None);
    let run = finish(awsmfa);
    run.fails(2, "no MFA code entered (the dialog was cancelled)");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(proxy.count("GetSessionToken"), 0);
}

#[test]
fn a_dialog_asks_a_few_times_not_forever() {
    let (proxy, sb, _) = with_config("");
    let x = Xvfb::start();
    let mut awsmfa = on_display(&sb, &x, &["credential-process"], "30");
    let mut seen = Vec::new();
    for typo in ["", "1234567", "abcdef"] {
        let (dialog, _) = next_dialog(&mut awsmfa, &seen);
        answer(&x, dialog, Some(typo));
        seen.push(dialog);
    }
    finish(awsmfa).fails(2, "the dialog got no 6-digit code in 3 answers");
    assert_eq!(proxy.count("GetSessionToken"), 0);
}

#[test]
fn a_dialog_nobody_answers_ends_at_the_deadline() {
    let (proxy, sb, _) = with_config("");
    let x = Xvfb::start();
    let start = Instant::now();
    let mut awsmfa = on_display(&sb, &x, &["credential-process"], "3");
    let (dialog, _) = next_dialog(&mut awsmfa, &[]);
    let run = finish(awsmfa);
    assert!(
        start.elapsed() < Duration::from_secs(3 + 7),
        "{:?}",
        start.elapsed()
    );
    run.fails(
        1,
        "the MFA code dialog (zenity) gave no code within 3 s (set AWSMFA_MFA_PROCESS_TIMEOUT",
    );
    assert_ends(&dialog.to_string());
    assert_eq!(proxy.count("GetSessionToken"), 0);
}

#[test]
fn without_a_display_or_a_dialog_program_nothing_is_asked() {
    let (_, mut sb, _) = with_config("");
    let line = "an MFA code is needed and there is no terminal to ask on; pass -c CODE";
    sb.run(&["credential-process"]).fails(2, line);
    // A display, but no dialog program on PATH.
    sb.set("DISPLAY", ":0").set("PATH", "/nowhere");
    sb.run(&["credential-process"]).fails(2, line);
}

#[test]
fn a_dialog_that_cannot_show_says_why_in_one_line() {
    let (proxy, mut sb, _) = with_config("");
    // No X server listens there: zenity fails, and says why on a stderr awsmfa captured.
    sb.set("DISPLAY", ":65000");
    let run = sb.run(&["credential-process"]);
    run.fails(1, "the MFA code dialog (zenity) failed (exit status: 1): ")
        .fails(1, "cannot open display: :65000");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(proxy.count("GetSessionToken"), 0);
}
