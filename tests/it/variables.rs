//! How awsmfa reads its environment variables: a switch never aborts a run, an empty variable
//! is an unset one (for the main job and for `awsmfa prompt`).

use crate::harness::*;

/// awsmfa 0.2 read anything but "true" as off: a switch variable never aborts a run. Empty is
/// unset, the usual words mean what they say in any case, anything else is off with a warning
/// that names the variable.
#[test]
fn switch_variables_never_abort_a_run() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let with = |var: &str, value: &str| {
        let run = Run::from(
            sb.command(&["-c", "123456", "--shell", "bash"])
                .env(var, value)
                .output()
                .unwrap(),
        );
        run.ok();
        run
    };
    for (value, exports) in [
        ("", false),
        ("On", true),
        ("YES", true),
        ("1", true),
        ("true", true),
        ("off", false),
        ("No", false),
        ("0", false),
        ("FALSE", false),
    ] {
        let run = with("AWS_MFA_ENV", value);
        assert_eq!(
            run.stdout.contains("; export AWS_ACCESS_KEY_ID;"),
            exports,
            "{value:?}"
        );
        assert!(!run.stderr.contains("warning"), "{value:?}: {}", run.stderr);
    }
    let run = with("AWS_MFA_ENV", "please");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(
            "awsmfa: warning: AWS_MFA_ENV=\"please\" is neither true/1/yes/on nor false/0/no/off; taken as off\n"
        ),
        "{}",
        run.stderr
    );
    for value in ["", "please", "Off"] {
        let run = with("AWS_MFA_ROTATE_IDENTITY_KEYS", value);
        assert!(!run.stderr.contains("Rotating"), "{}", run.stderr);
        let warnings: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("awsmfa: warning:"))
            .collect();
        match value {
            "please" => assert_eq!(
                warnings,
                [
                    "awsmfa: warning: AWS_MFA_ROTATE_IDENTITY_KEYS=\"please\" is neither true/1/yes/on nor false/0/no/off; taken as off"
                ]
            ),
            _ => assert!(warnings.is_empty(), "{warnings:?}"),
        }
    }
    assert!(
        sb.creds().starts_with(&user.identity_section()),
        "no key rotated"
    );
}

/// An empty variable is an unset one, for every variable an option reads: awsmfa 0.2 and
/// `status` read them so. Each run goes to STS, so the request shows what was used.
#[test]
fn empty_variables_count_as_unset() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    let serial = format!(
        "SerialNumber={}",
        user.serials[0].replace(':', "%3A").replace('/', "%2F")
    );
    for var in [
        "AWS_MFA_ROLE_TO_ASSUME",
        "AWS_MFA_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_MFA_DURATION",
        "AWS_MFA_IDENTITY_PROFILE",
        "AWS_MFA_SERIAL_NUMBER",
        "AWS_MFA_ROLE_SESSION_NAME",
        "AWS_MFA_TARGET_PROFILE",
        "AWS_MFA_ROTATE_IDENTITY_KEYS",
        "AWS_MFA_ENV",
    ] {
        std::fs::remove_file(sb.creds_path()).ok();
        sb.write_creds(&user.identity_section());
        let run = Run::from(
            sb.command(&["-c", "123456", "--no-cache"])
                .env(var, "")
                .output()
                .unwrap(),
        );
        run.ok();
        assert_eq!(run.stdout, "", "{var}");
        assert!(
            run.stderr.contains("expire in 5h59m"),
            "{var}: {}",
            run.stderr
        );
        let body = proxy.bodies("GetSessionToken").pop().unwrap();
        assert!(
            body.contains(&serial),
            "{var}: the discovered device: {body}"
        );
        assert!(body.contains("DurationSeconds=21600"), "{var}: {body}");
        let text = sb.creds();
        assert!(
            value(&text, "default", "aws_session_token").is_some(),
            "{var}: {text}"
        );
    }
    // Without -c, an empty code or code command is no code: the terminal would be asked.
    for var in ["AWS_MFA_TOKEN_CODE", "AWS_MFA_PROCESS"] {
        Run::from(sb.command(&[]).env(var, "").output().unwrap())
            .fails(2, "no terminal to ask on; pass -c CODE");
    }
}

/// `awsmfa prompt` runs at every prompt: an empty variable must not make it fail, and reads
/// as unset there as in the shell scripts.
#[test]
fn the_prompt_reads_empty_variables_as_unset() {
    let sb = Sandbox::new("http://127.0.0.1:9");
    let expiry = timefmt_in(7200);
    sb.write_creds(&format!("[default]\nexpiration = {expiry}\n"));
    let plain = sb.run(&["prompt"]);
    plain.ok();
    assert!(plain.stdout.starts_with("aws 1h59m"), "{}", plain.stdout);
    for var in [
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_MFA_TARGET_PROFILE",
        "AWSMFA_PROMPT_FORMAT",
        "AWSMFA_PROMPT_EXPIRED",
        "AWSMFA_PROMPT_WARN",
        "AWSMFA_PROMPT_CRIT",
    ] {
        let run = Run::from(
            sb.command(&["prompt", "--color"])
                .env(var, "")
                .output()
                .unwrap(),
        );
        run.ok();
        let colored = sb.run(&["prompt", "--color"]);
        assert_eq!(run.stdout, colored.stdout, "{var}");
        assert_eq!(run.stderr, "", "{var}");
    }
}

/// RFC 3339 for `secs` from now, by `date`.
fn timefmt_in(secs: i64) -> String {
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", now() + secs),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
