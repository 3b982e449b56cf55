//! Entering the MFA code: typed on the terminal without echo, piped on standard input where
//! there is no terminal, and never asked on a terminal awsmfa does not hold (a background job,
//! the server of `exec --server` behind an interactive shell).

use crate::harness::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `program` with the environment the sandbox gives awsmfa, with no controlling terminal.
fn like(sb: &Sandbox, program: &str) -> Command {
    let awsmfa = sb.command(&[]);
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for (k, v) in awsmfa.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    // SAFETY: setsid only detaches the child from our terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd
}

/// A sandbox for a new user of the shared moto.
fn user_sandbox() -> Sandbox {
    let moto = Moto::shared();
    let user = moto.user(1);
    Sandbox::with_user(moto, &user)
}

/// Whether the credentials file holds a session token in `[section]`.
fn has_session(sb: &Sandbox, section: &str) -> bool {
    let header = format!("[{section}]");
    let mut inside = false;
    sb.creds().lines().any(|line| {
        if line.starts_with('[') {
            inside = line.trim() == header;
        }
        inside && line.starts_with("aws_session_token")
    })
}

/// Waits for `child` for at most `secs` s; kills it and fails the test beyond.
#[track_caller]
fn finished_within(mut child: Child, secs: u64) -> Run {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let run: Run = child.wait_with_output().unwrap().into();
            panic!("still waiting after {secs} s: {}", run.stderr);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap().into()
}

#[test]
fn the_typed_code_is_not_shown_and_ctrl_c_gives_the_echo_back() {
    let sb = user_sandbox();
    let screen = sb.on_terminal(
        &format!("{} --no-cache", bin()),
        &[("MFA Token Code: ", "123456")],
    );
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(has_session(&sb, "default"));
    assert!(!screen.text.contains("123456"), "echoed: {}", screen.text);
    // The Enter was not echoed either: awsmfa ends the line itself.
    let after = screen.text.split("MFA Token Code: ").nth(1).unwrap();
    assert!(after.starts_with('\n'), "{:?}", screen.text);

    // Interrupted while echo is off, the terminal is given back as it was.
    let line = format!(
        "trap 'stty -a; exit 130' INT; {} --no-cache -t other",
        bin()
    );
    let screen = sb.on_terminal(&line, &[("MFA Token Code: ", "\x03")]);
    assert_eq!(screen.status, 130, "{}", screen.text);
    let words: Vec<&str> = screen.text.split_whitespace().collect();
    assert!(
        words.contains(&"echo") && !words.contains(&"-echo"),
        "{}",
        screen.text
    );
    assert!(!has_session(&sb, "other"));
}

/// awsmfa with no controlling terminal (setsid) and `input` written to its stdin, which is
/// then closed unless `keep_open`.
fn piped(sb: &Sandbox, args: &[&str], input: &str, keep_open: bool, secs: u64) -> Run {
    let mut child = sb
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    let held = keep_open.then_some(stdin);
    let run = finished_within(child, secs);
    drop(held);
    run
}

#[test]
fn a_code_piped_in_without_a_terminal_is_read() {
    let sb = user_sandbox();
    piped(&sb, &["--no-cache"], "123456\n", false, 60).ok();
    assert!(has_session(&sb, "default"));
    // As `oathtool … | awsmfa` in cron: the line may lack its newline.
    piped(&sb, &["--no-cache", "-t", "cron"], "654321", false, 60).ok();
    assert!(has_session(&sb, "cron"));
    // The same under a shell, as the issue's `setsid sh -c 'echo 123456 | awsmfa'`.
    let line = format!("echo 123456 | {} --no-cache -t sh", bin());
    let run: Run = like(&sb, "sh")
        .args(["-c", &line])
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into();
    run.ok();
    assert!(has_session(&sb, "sh"));
}

#[test]
fn without_a_terminal_stdin_gives_a_code_or_one_line_in_time() {
    let sb = user_sandbox();
    let before = sb.creds();
    // Nothing on stdin at all (/dev/null, as systemd gives): nothing to wait for.
    sb.run(&["--no-cache"])
        .fails(2, "no terminal to ask on; pass -c CODE");
    // A pipe that ends without a code.
    piped(&sb, &["--no-cache"], "", false, 60).fails(2, "no MFA code entered");
    // A line that is no code is not sent, and not shown.
    let run = piped(&sb, &["--no-cache"], "12345x\n", false, 60);
    run.fails(2, "standard input");
    assert!(!run.stderr.contains("12345x"), "{}", run.stderr);
    // A pipe held open and silent: the code-entry deadline holds.
    let mut sb = sb;
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "2");
    piped(&sb, &["--no-cache"], "", true, 30).fails(2, "within 2 s");
    assert_eq!(sb.creds(), before, "failed runs change no file");
}

/// A sandbox whose cached MFA session ends in 606 s (by moto's lax rules any keys do), with
/// AWSMFA_REFRESH_WINDOW so large that every request renews, and a role; returns the time at
/// which the session is past the 600 s a session must keep, when a renewal needs a code.
fn ending_session() -> (Sandbox, String, i64) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    let dir = sb.home().join(".cache/awsmfa");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.join(format!("session-{}", user.key_id));
    let expiration = now() + 606;
    std::fs::write(
        &file,
        format!(
            "[session]\nserial = {}\naws_access_key_id = ASIAPLANTED\n\
             aws_secret_access_key = s\naws_session_token = t\nexpiration = {expiration}\n",
            user.serials[0]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    sb.set("AWSMFA_REFRESH_WINDOW", "100000")
        .set("AWS_DEFAULT_REGION", "us-east-1");
    (sb, moto.role(), expiration - 600)
}

/// Runs `program args` on a pseudo-terminal (pexpect) with the sandbox's environment, an
/// interactive bash in it prompting `ready> `: each of `lines` is typed at the next prompt,
/// then `exit` until it ends. Returns the screen.
fn interactive(sb: &Sandbox, program: &[&str], lines: &[&str]) -> String {
    let driver = r#"
import io, json, os, pexpect, sys
argv, lines = json.loads(sys.argv[1]), json.loads(sys.argv[2])
child = pexpect.spawn(argv[0], argv[1:], env=dict(os.environ, PS1='ready> '),
                      encoding='utf-8', timeout=90)
child.logfile_read = screen = io.StringIO()
try:
    for line in lines:
        child.expect_exact('ready> ')
        child.sendline(line)
    # Shells within shells, and stopped jobs that make the first exit a warning.
    for _ in range(4):
        if child.expect_exact(['ready> ', pexpect.EOF]) == 1:
            break
        child.sendline('exit')
except (pexpect.TIMEOUT, pexpect.EOF) as e:
    screen.write(f'\n[pexpect: {type(e).__name__}]')
child.close(force=True)
sys.stdout.write(screen.getvalue())
"#;
    let json = |v: &[&str]| {
        let quoted: Vec<String> = v
            .iter()
            .map(|s| {
                let s = s.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{}\"", s.replace('\n', "\\n"))
            })
            .collect();
        format!("[{}]", quoted.join(","))
    };
    let out = like(sb, "python3")
        .env("TERM", "dumb")
        .args(["-c", driver, &json(program), &json(lines)])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
        + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn a_renewal_behind_an_interactive_shell_answers_at_once_and_never_stops_awsmfa() {
    let (sb, role, stale) = ending_session();
    // From inside the shell, once the session has ended: one request to the server, then the
    // state of awsmfa, the shell's parent.
    let request = format!(
        "while [ \"$(date +%s)\" -le {stale} ]; do sleep 0.2; done; python3 -c '\
import os, urllib.request, urllib.error
r = urllib.request.Request(os.environ[\"AWS_CONTAINER_CREDENTIALS_FULL_URI\"], \
headers={{\"Authorization\": os.environ[\"AWS_CONTAINER_AUTHORIZATION_TOKEN\"]}})
try:
    a = urllib.request.urlopen(r, timeout=20); print(\"answer\", a.status)
except urllib.error.HTTPError as e:
    print(\"answer\", e.code, e.read().decode())
except OSError as e:
    print(\"answer none\", e)
'; echo \"state of awsmfa: $(cut -d\" \" -f3 /proc/$PPID/stat)\""
    );
    // Started from an interactive shell, as a user would: a job of its own, which the
    // terminal would stop.
    let exec = format!(
        "{} exec --server {role} -- bash --norc --noprofile -i",
        bin()
    );
    let shell = ["bash", "--norc", "--noprofile", "-i"];
    let screen = interactive(&sb, &shell, &[&exec, &request]);
    let answer = screen
        .lines()
        .find(|l| l.starts_with("answer "))
        .unwrap_or_else(|| panic!("no answer: {screen}"));
    assert!(answer.starts_with("answer 500 "), "{screen}");
    assert!(answer.contains("foreground"), "{answer}");
    assert!(
        screen.contains("state of awsmfa: S") || screen.contains("state of awsmfa: R"),
        "{screen}"
    );
    // Said once where the user sees it, the terminal; never asked there.
    assert!(!screen.contains("MFA Token Code:"), "{screen}");
    let said: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with("awsmfa: warning: the credentials could not be renewed"))
        .collect();
    assert_eq!(said.len(), 1, "{screen}");
}

#[test]
fn an_mfa_process_of_a_background_job_never_stops_and_never_waits_for_the_terminal() {
    let mut sb = user_sandbox();
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "20");
    let err = sb.home().join("err");
    // A tool that asks for a PIN on the terminal, as ykman does for an OATH password.
    let tool = "python3 -c 'import getpass, sys; getpass.getpass(\"PIN: \") == \"4321\" or \
                sys.exit(\"wrong PIN\")' && echo 123456";
    let line = format!(
        "{} --no-cache --mfa-process '{}' 2>{} & wait $!; echo \"status $?\"",
        bin(),
        tool.replace('\'', r"'\''"),
        err.display()
    );
    let screen = interactive(&sb, &["bash", "--norc", "--noprofile", "-i"], &[&line]);
    assert!(screen.lines().any(|l| l.trim() == "status 1"), "{screen}");
    let stderr = std::fs::read_to_string(&err).unwrap();
    // It found no terminal to ask on and said so at once, instead of being stopped by the
    // terminal until the deadline.
    assert!(
        stderr.ends_with(
            "awsmfa: error: the mfa_process from --mfa-process failed (exit status: 1)\n"
        ),
        "{stderr}\n{screen}"
    );
    assert!(!has_session(&sb, "default"));
}

#[test]
fn a_code_piped_in_comes_before_the_dialog() {
    let x = Xvfb::start();
    let mut sb = user_sandbox();
    // A dialog nobody answers would end the run at this deadline, with an error.
    sb.set("DISPLAY", &x.display)
        .set("AWSMFA_MFA_PROCESS_TIMEOUT", "5");
    piped(&sb, &["--no-cache"], "123456\n", false, 60).ok();
    assert!(has_session(&sb, "default"));
}
