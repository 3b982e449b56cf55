//! Where there is no terminal, the MFA code is asked in a dialog: zenity under Xvfb, answered
//! with xdotool.

use crate::harness::*;
use crate::mfa_process::{assert_ends, codes_sent};
use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

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
