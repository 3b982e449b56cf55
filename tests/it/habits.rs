//! awsmfa 0.2 habits that keep working: abbreviated long options and a repeated option whose
//! last value wins (as argparse had them), `--env` lines that start `NAME=` (scripts grep
//! them), and a bad variable named as the variable.

use crate::harness::*;
use std::process::Command;

/// A sandbox whose identity is `[me]`, moto's user with one MFA device.
fn me() -> (Sandbox, User) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    sb.write_creds(&user.identity_section().replace("[identity]", "[me]"));
    (sb, user)
}

#[test]
fn unambiguous_prefixes_of_long_options_are_taken_as_argparse_took_them() {
    let (sb, user) = me();
    let serial = &user.serials[0];
    let run = sb.run(&[
        "--target",
        "t",
        "--identity",
        "me",
        "--serial",
        serial,
        "--token",
        "123456",
        "--dur",
        "3600",
        "--rotate",
    ]);
    run.ok();
    assert_expires_in(
        run.stderr
            .lines()
            .find(|l| l.starts_with("Temporary"))
            .unwrap_or_default(),
        3600,
    );
    let text = sb.creds();
    assert!(value(&text, "t", "aws_session_token").is_some(), "{text}");
    // --rotate is --rotate-identity-keys: [me] holds a new key.
    let key = value(&text, "me", "aws_access_key_id").unwrap();
    assert_ne!(key, user.key_id, "{}", run.stderr);
    // An ambiguous prefix (--target-profile, --token-code) is a usage error, as it was.
    sb.run(&["--t", "x", "-i", "me", "-c", "123456"])
        .fails(2, "--t");
}

/// Options before the subcommand, abbreviated: the binary and the shell function both know
/// that `--ident` and `--tok` take the next word.
#[test]
fn abbreviated_value_options_before_a_subcommand() {
    let (sb, _) = me();
    let args = ["--ident", "me", "--tok", "123456", "credential-process"];
    let run = sb.run(&args);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        doc["AccessKeyId"].as_str().is_some_and(|k| !k.is_empty()),
        "{doc}"
    );

    // The bash function hands the line to the binary as it is (a subcommand), not to eval.
    let bin_dir = sb.home().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(bin(), bin_dir.join("awsmfa")).unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let script = format!(
        "eval \"$(awsmfa init bash)\"; awsmfa {}; echo \"status $?\"",
        args.join(" ")
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &script])
        .env_clear()
        .env("PATH", &path)
        .env("HOME", sb.home())
        .env("AWS_ENDPOINT_URL", &sb.endpoint)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\"AccessKeyId\"") && stdout.ends_with("status 0\n"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_repeated_option_takes_its_last_value() {
    let (sb, _) = me();
    // alias awsmfa='awsmfa -t admin', then `awsmfa -t other`.
    let run = sb.run(&[
        "-t", "admin", "-i", "me", "-t", "other", "-c", "123456", "-c", "654321",
    ]);
    run.ok();
    let text = sb.creds();
    assert!(
        value(&text, "other", "aws_session_token").is_some(),
        "{text}"
    );
    assert!(!text.contains("[admin]"), "{text}");
}

/// Scripts built for awsmfa 0.2 grep `^AWS_SESSION_TOKEN=` to make docker `--env-file`s.
#[test]
fn env_lines_start_with_the_variable_name_and_still_evaluate() {
    let (sb, _) = me();
    let run = sb.run(&["-i", "me", "-c", "123456", "--env"]);
    run.ok();
    let out = sb.home().join("env.sh");
    std::fs::write(&out, &run.stdout).unwrap();
    let text = sb.creds();
    let token = value(&text, "default", "aws_session_token").unwrap();
    let grep = Command::new("sh")
        .arg("-c")
        .arg("grep '^AWS_SESSION_TOKEN=' \"$1\" | sed 's/; export .*//'")
        .arg("sh")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&grep.stdout),
        format!("AWS_SESSION_TOKEN={token}\n"),
        "{}",
        run.stdout
    );
    for shell in ["dash", "bash", "zsh"] {
        let eval = Command::new(shell)
            .arg("-c")
            .arg("eval \"$(cat \"$1\")\"; sh -c 'echo \"$AWS_SESSION_TOKEN\"'")
            .arg("sh")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&eval.stdout),
            format!("{token}\n"),
            "{shell}: {}",
            String::from_utf8_lossy(&eval.stderr)
        );
    }
}

#[test]
fn a_bad_variable_is_named_as_the_variable() {
    let (mut sb, _) = me();
    sb.set("AWS_MFA_DURATION", "abc");
    let text = sb.creds();
    let run = sb.run(&["-i", "me", "-c", "123456"]);
    run.fails(2, "AWS_MFA_DURATION");
    assert!(!run.stderr.contains("'--duration"), "{}", run.stderr);
    assert_eq!(sb.creds(), text);
    // The same value on the command line is the option's.
    let (sb, _) = me();
    sb.run(&["-i", "me", "-c", "123456", "-d", "abc"])
        .fails(2, "'--duration <SECONDS>'");
}
