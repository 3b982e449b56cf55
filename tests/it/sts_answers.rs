//! STS answers are checked once, where they arrive: keys and tokens in the alphabets AWS
//! issues, an expiration in the future and no later than STS can give. A bad answer is one
//! error line, and nothing is written: not the credentials file, not the cache.

use crate::harness::*;
use std::process::Command;

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/me";
const ROLE: &str = "arn:aws:iam::123456789012:role/r";

/// `epoch` in RFC 3339, as STS writes it.
pub fn rfc3339(epoch: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// An expiration STS could give, the same for the whole test run: six hours after the first
/// call, so that a run repeated within a test writes the same text.
pub fn far() -> &'static str {
    static FAR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FAR.get_or_init(|| rfc3339(now() + 21_600))
}

/// A file with live credentials in `[default]`, which a bad answer must not replace.
fn original(planted: &str) -> String {
    format!(
        "[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n\n[default]\n\
         aws_access_key_id = ASIALIVE\naws_secret_access_key = live\naws_session_token = live\n\
         x = {planted}\n"
    )
}

/// The MFA sessions in the sandbox's cache.
fn cached(sb: &Sandbox) -> Vec<String> {
    let dir = sb.home().join(".cache/awsmfa");
    let names = std::fs::read_dir(dir).into_iter().flatten().flatten();
    names
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("session"))
        .collect()
}

/// Runs awsmfa `args` against an endpoint that answers `action` with these credentials, and
/// checks the one error line and that no file changed.
fn refused(action: &str, args: &[&str], key: &str, secret: &str, token: &str, expiration: &str) {
    let body = sts_credentials(action, key, secret, token, expiration);
    let fake = Fake::start(move |_| Reply::Http(200, body.clone()));
    let sb = Sandbox::new(&fake.url);
    let marker = sb.home().join("pwned");
    let text = original(&marker.display().to_string());
    sb.write_creds(&text);
    for env in [false, true] {
        let mut all = args.to_vec();
        if env {
            all.push("--env");
        }
        let run = sb.run(&all);
        run.fails(
            1,
            &format!("sts:{action} returned credentials STS does not issue"),
        );
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
        for secretish in [key, secret, token].iter().filter(|s| s.len() > 3) {
            assert!(!run.stderr.contains(*secretish), "{}", run.stderr);
        }
        assert_eq!(sb.creds(), text, "{key:?} {expiration}");
        assert!(cached(&sb).is_empty(), "a session was cached");
        assert!(!marker.exists());
    }
    assert_eq!(fake.count(action), 2);
}

#[test]
fn an_expiration_past_about_to_pass_or_beyond_what_sts_gives_is_refused() {
    let session = ["-c", "123456", "--serial-number", SERIAL];
    let role = [
        ROLE,
        "-c",
        "123456",
        "--serial-number",
        SERIAL,
        "--no-cache",
    ];
    for expiration in [
        rfc3339(now() - 3600),
        rfc3339(now() - 1),
        rfc3339(now() + 30),
        "9999-12-31T23:59:59Z".to_string(),
        rfc3339(now() + 129_600 + 3600),
    ] {
        refused("GetSessionToken", &session, "ASIAX", "s", "t", &expiration);
    }
    // Longer than the 12 hours a role session may last.
    let long = rfc3339(now() + 43_200 + 3600);
    refused("AssumeRole", &role, "ASIAX", "s", "t", &long);
}

#[test]
fn keys_and_tokens_outside_aws_s_alphabets_are_refused() {
    let session = ["-c", "123456", "--serial-number", SERIAL];
    let exp = rfc3339(now() + 3600);
    let pwn = "$(touch $HOME/pwned)";
    for (key, secret, token) in [
        ("ASIA$(id)", "s", "t"),
        ("ASIAX", pwn, "t"),
        ("ASIAX", "s", pwn),
        ("ASIAX", "s", "t\nrole_arn = arn:aws:iam::1:role/evil"),
        ("ASIAX", "s\n[identity]", "t"),
        ("ASIA X", "s", "t"),
        ("ASIAX", "s", "t';touch $HOME/pwned;'"),
        ("ASIAX", "s", "tok\u{e9}n"),
    ] {
        refused("GetSessionToken", &session, key, secret, token, &exp);
    }
}

/// What STS issues is accepted: the longest session, and base64 with `+/=`.
#[test]
fn the_longest_session_and_base64_tokens_are_accepted() {
    let exp = rfc3339(now() + 129_600);
    let body = sts_credentials("GetSessionToken", "ASIAOK", "ab+c/d=", "IQo+/==", &exp);
    let fake = Fake::start(move |_| Reply::Http(200, body.clone()));
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(&original("x"));
    let run = sb.run(&[
        "-c",
        "123456",
        "--serial-number",
        SERIAL,
        "-d",
        "129600",
        "--env",
    ]);
    run.ok();
    assert!(run.stdout.contains("IQo+/=="), "{}", run.stdout);
    assert!(sb.creds().contains("aws_secret_access_key = ab+c/d="));
    assert_eq!(cached(&sb).len(), 1, "the session is cached");
}
