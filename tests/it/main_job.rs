//! The main job against moto: sessions, roles, `skip`, MFA device discovery, `--env`, and the
//! command line's fast paths.

use crate::harness::*;

#[test]
fn session_token_goes_to_the_default_profile() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let run = sb.run(&["-c", "123456"]);
    run.ok();
    assert_eq!(run.stdout, "");
    assert_expires_in(&run.stderr, 21599);
    let text = sb.creds();
    assert!(
        text.starts_with(&user.identity_section()),
        "identity kept: {text}"
    );
    assert_eq!(
        value(&text, "default", "aws_access_key_id").unwrap(),
        "AKIAIOSFODNN7EXAMPLE"
    );
    let token = value(&text, "default", "aws_session_token").unwrap();
    assert!(!token.is_empty());
    assert_eq!(
        value(&text, "default", "aws_security_token").unwrap(),
        token
    );
    assert!(value(&text, "default", "aws_secret_access_key").is_some());
    let left = expiration_in(&text, "default");
    assert!((21500..=21600).contains(&left), "{left}");
}

#[test]
fn role_is_assumed_with_the_identity_keys() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let sb = Sandbox::with_user(moto, &user);
    let run = sb.run(&[
        &role,
        "-c",
        "123456",
        "-t",
        "work",
        "--role-session-name",
        "me-here",
    ]);
    run.ok();
    assert_expires_in(&run.stderr, 3599);
    let text = sb.creds();
    assert!(
        value(&text, "work", "aws_access_key_id")
            .unwrap()
            .starts_with("ASIA")
    );
    let left = expiration_in(&text, "work");
    assert!((3500..=3600).contains(&left), "{left}");
    // The credentials belong to the role session we named.
    let sts = moto.sts_as(
        &value(&text, "work", "aws_access_key_id").unwrap(),
        &value(&text, "work", "aws_secret_access_key").unwrap(),
        value(&text, "work", "aws_session_token").as_deref(),
    );
    let who = moto.run(sts.get_caller_identity().send()).unwrap();
    assert!(who.arn().unwrap().ends_with("/me-here"), "{:?}", who.arn());
}

#[test]
fn duration_and_environment_variables_are_honoured() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::new(&moto.url);
    let file = sb.home().join("elsewhere.ini");
    std::fs::write(&file, user.identity_section().replace("[identity]", "[me]")).unwrap();
    sb.set("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap())
        .set("AWS_MFA_IDENTITY_PROFILE", "me")
        .set("AWS_MFA_TARGET_PROFILE", "tmp")
        .set("AWS_MFA_DURATION", "129600")
        .set("AWS_MFA_TOKEN_CODE", "000000")
        .set("AWS_MFA_SERIAL_NUMBER", &user.serials[0])
        .set("AWS_MFA_ROTATE_IDENTITY_KEYS", "No")
        .set("AWS_MFA_ENV", "YES")
        .set("SHELL", "/usr/bin/fish");
    let run = sb.run(&[]);
    run.ok();
    assert!(run.stderr.contains("expire in 1d11h59m"), "{}", run.stderr);
    // POSIX code, though SHELL names fish: the shell evaluating it is the caller's.
    assert!(
        run.stdout.starts_with("AWS_ACCESS_KEY_ID=AKIA"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(value(&text, "tmp", "aws_session_token").is_some());
    assert!(!sb.creds_path().exists());
}

#[test]
fn skip_sends_no_mfa_and_says_so() {
    let moto = Moto::shared();
    // No device at all: discovery would fail, so success proves nothing was looked up.
    let user = moto.user(0);
    let sb = Sandbox::with_user(moto, &user);
    let run = sb.run(&["-c", "skip"]);
    run.ok();
    assert!(
        run.stderr
            .contains("will not satisfy aws:MultiFactorAuthPresent"),
        "{}",
        run.stderr
    );
    assert!(value(&sb.creds(), "default", "aws_session_token").is_some());
}

#[test]
fn serial_discovery_with_zero_one_and_two_devices() {
    let moto = Moto::shared();
    let none = moto.user(0);
    let sb = Sandbox::with_user(moto, &none);
    sb.run(&["-c", "123456"])
        .fails(1, &format!("IAM user {} has no MFA device", none.name));
    assert_eq!(
        sb.creds(),
        none.identity_section(),
        "a failed run changes no file"
    );

    let two = moto.user(2);
    let sb = Sandbox::with_user(moto, &two);
    let run = sb.run(&["-c", "123456"]);
    run.ok();
    let warning = format!(
        "awsmfa: warning: IAM user {} has 2 MFA devices ({}, {}); using {}.",
        two.name, two.serials[0], two.serials[1], two.serials[0]
    );
    assert!(run.stderr.contains(&warning), "{}", run.stderr);
    assert!(run.stderr.contains("--serial-number"));
}

/// Enables a device with this serial for the user in moto (which takes any serial, so a FIDO
/// security key's too), after the devices the user has.
fn enable_device(moto: &Moto, user: &mut User, serial: &str) {
    let req = moto
        .iam()
        .enable_mfa_device()
        .user_name(&user.name)
        .serial_number(serial)
        .authentication_code1("123456")
        .authentication_code2("654321");
    moto.run(req.send()).unwrap();
    user.serials.push(serial.to_string());
}

/// The SerialNumber each GetSessionToken request the proxy saw carried.
fn serials_sent(proxy: &Fake) -> Vec<String> {
    let bodies = proxy.bodies("GetSessionToken");
    bodies
        .iter()
        .map(|b| {
            let v = b.split('&').find_map(|p| p.strip_prefix("SerialNumber="));
            v.unwrap_or_default()
                .replace("%3A", ":")
                .replace("%2F", "/")
        })
        .collect()
}

#[test]
fn discovery_prefers_a_device_that_takes_a_code_over_a_fido_key() {
    let moto = Moto::shared();
    let mut user = moto.user(0);
    let key = format!("arn:aws:iam::123456789012:u2f/user/{}/key-1", user.name);
    enable_device(moto, &mut user, &key);
    let made = moto
        .iam()
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(&user.name);
    let made = moto.run(made.send()).unwrap();
    let virt = made
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_string();
    enable_device(moto, &mut user, &virt);
    let proxy = Fake::proxy(&moto.url);
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    let run = sb.run(&["-c", "123456"]);
    run.ok();
    assert_eq!(serials_sent(&proxy), [virt.as_str()]);
    let notice = format!(
        "IAM user {} has 2 MFA devices ({key}, {virt}); using {virt}. FIDO security keys \
         ({key}) cannot give STS a code.",
        user.name
    );
    assert!(run.stderr.contains(&notice), "{}", run.stderr);
    // One device that takes a code: nothing to warn about.
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn only_fido_keys_is_one_line_and_no_request() {
    let moto = Moto::shared();
    let mut user = moto.user(0);
    let key = format!("arn:aws:iam::123456789012:u2f/user/{}/key-1", user.name);
    enable_device(moto, &mut user, &key);
    let proxy = Fake::proxy(&moto.url);
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    sb.run(&["-c", "123456"]).fails(
        1,
        &format!("IAM user {} has only FIDO security keys ({key})", user.name),
    );
    assert_eq!(proxy.count("GetSessionToken"), 0);
    assert_eq!(
        sb.creds(),
        user.identity_section(),
        "a failed run changes no file"
    );
    // Named as the device: refused before STS is asked.
    sb.run(&["-c", "123456", "--serial-number", &key])
        .fails(2, "is a FIDO security key, which cannot give STS a code");
    assert_eq!(proxy.count("GetSessionToken"), 0);
}

#[test]
fn the_environment_credentials_and_profile_are_ignored() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let other = moto.user(0);
    let mut sb = Sandbox::with_user(moto, &user);
    // A shell that already holds other credentials: discovery must still ask as the identity,
    // whose device exists, not as `other`, who has none.
    sb.set("AWS_ACCESS_KEY_ID", &other.key_id)
        .set("AWS_SECRET_ACCESS_KEY", &other.secret)
        .set("AWS_SESSION_TOKEN", "stale")
        .set("AWS_PROFILE", "does-not-exist");
    sb.run(&["-c", "123456"]).ok();
}

#[test]
fn env_output_evals_in_real_shells() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    for (shell, eval) in [
        ("bash", "eval \"$(cat)\""),
        ("zsh", "eval \"$(cat)\""),
        ("fish", "cat | source"),
    ] {
        let run = sb.run(&["-c", "123456", "--env", "--shell", shell]);
        run.ok();
        let script = format!(
            "{eval}; printf '%s|%s|%s' \"$AWS_ACCESS_KEY_ID\" \"$AWSMFA_EXPIRATION\" \"$AWS_CREDENTIAL_EXPIRATION\""
        );
        let out = pipe_to_shell(shell, &script, &run.stdout);
        let parts: Vec<&str> = out.split('|').collect();
        assert_eq!(parts[0], "AKIAIOSFODNN7EXAMPLE", "{shell}: {out}");
        let epoch: i64 = parts[1].parse().unwrap();
        assert!((21500..=21600).contains(&(epoch - now())), "{shell}: {out}");
        assert!(
            parts[2].ends_with('Z') && parts[2].contains('T'),
            "{shell}: {out}"
        );
        assert_eq!(
            value(&sb.creds(), "default", "aws_access_key_id").unwrap(),
            "AKIAIOSFODNN7EXAMPLE"
        );
    }
}

/// Runs `script` in `shell` with `input` on stdin; returns stdout.
pub fn pipe_to_shell(shell: &str, script: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(shell)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{shell} is needed for this test (the test command installs it): {e}")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let sb = Sandbox::new("http://127.0.0.1:9");
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("{0} completions bash | head -c 1 >/dev/null; {0} policies | head -n 1 >/dev/null; echo ok", bin())])
        .env("HOME", sb.home())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn version_and_the_fast_paths_answer_like_the_full_command_line() {
    let sb = Sandbox::new("http://127.0.0.1:9");
    let want = format!("awsmfa {}\n", env!("CARGO_PKG_VERSION"));
    for args in [&["--version"][..], &["-V"], &["-V", "-t", "x"]] {
        let run = sb.run(args);
        run.ok();
        assert_eq!(run.stdout, want, "{args:?}");
    }
    // `init` and `prompt` have parsers of their own: their errors look like everyone else's.
    sb.run(&["init", "tcsh"]).fails(2, "invalid value 'tcsh'");
    sb.run(&["prompt", "--bogus"])
        .fails(2, "unexpected argument '--bogus'");
    assert!(
        sb.run(&["init", "--help"])
            .stdout
            .contains("Usage: awsmfa init <SHELL>")
    );
    assert!(
        sb.run(&["prompt", "--help"])
            .stdout
            .contains("Usage: awsmfa prompt [OPTIONS]")
    );
}
