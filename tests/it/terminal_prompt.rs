//! The MFA code prompt on the terminal: asked again after a typo or a code just used, on the
//! terminal whoever holds stderr, with stdout kept clean for `--env`.

use crate::harness::*;

/// Runs `awsmfa ARGS > OUT` on a pseudo-terminal driven by pexpect with `dialogue`, a list of
/// (expected text, line to type) pairs; returns the exit status.
fn on_terminal(sb: &Sandbox, args: &str, out: &std::path::Path, dialogue: &[(&str, &str)]) -> i32 {
    let screen = sb.on_terminal(&format!("{} {args} > '{}'", bin(), out.display()), dialogue);
    eprintln!("{}", screen.text);
    screen.status
}

#[test]
fn the_terminal_prompt_asks_again_and_keeps_stdout_clean() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let out = sb.home().join("out");
    let dialogue = [
        ("MFA Token Code: ", "12"),
        ("6 digits your MFA device shows", "abcdef"),
        ("MFA Token Code: ", "123456"),
    ];
    assert_eq!(
        on_terminal(&sb, "--no-cache --env --shell bash", &out, &dialogue),
        0
    );
    let stdout = std::fs::read_to_string(&out).unwrap();
    assert!(
        stdout.lines().all(|l| l
            .split_once('=')
            .is_some_and(|(name, _)| l.ends_with(&format!("; export {name};")))),
        "{stdout}"
    );
    assert!(stdout.contains("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE; export AWS_ACCESS_KEY_ID;\n"));

    // The same code again within 30 s: AWS would refuse it, so the terminal asks for the next.
    let dialogue = [
        ("MFA Token Code: ", "123456"),
        ("used a moment ago", "654321"),
    ];
    assert_eq!(on_terminal(&sb, "--no-cache -t again", &out, &dialogue), 0);
    assert!(value(&sb.creds(), "again", "aws_session_token").is_some());
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
