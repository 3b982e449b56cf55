//! Where the MFA code comes from, across boundaries: the prompt on the terminal whoever holds
//! stderr, and an `mfa_process` whose command line is never shown.

use crate::core::value;
use crate::harness::*;
use crate::profiles::with_config;

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
    // A device with a stuck clock gives the same code in the next window too.
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
