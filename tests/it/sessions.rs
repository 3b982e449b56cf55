//! One MFA code per session: the cache, role chaining, `refresh` and `forget`, with STS requests
//! counted by a proxy in front of moto.

use crate::core::value;
use crate::harness::*;
use std::os::unix::fs::PermissionsExt;

/// A sandbox for a new user whose requests pass through a counting proxy.
fn counted() -> (Fake, Sandbox, &'static Moto) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    (proxy, sb, moto)
}

/// The value of `export NAME='value';` in --env output (values without quotes inside).
pub fn exported(stdout: &str, name: &str) -> Option<String> {
    let prefix = format!("export {name}='");
    stdout.lines().find_map(|l| {
        l.strip_prefix(&prefix)?
            .strip_suffix("';")
            .map(str::to_string)
    })
}

fn cache_dir(sb: &Sandbox) -> std::path::PathBuf {
    sb.home().join(".cache/awsmfa")
}

#[test]
fn one_code_serves_later_sessions_and_roles() {
    let (proxy, sb, moto) = counted();
    sb.run(&["-c", "123456"]).ok();
    assert_eq!(proxy.count("GetSessionToken"), 1);
    // No code and no terminal: only the cache can answer.
    let run = sb.run(&["-t", "again"]);
    run.ok();
    assert!(
        run.stderr
            .starts_with("Reusing the MFA session, which expires in 5h59m"),
        "{}",
        run.stderr
    );
    assert_eq!(
        value(&sb.creds(), "again", "aws_session_token"),
        value(&sb.creds(), "default", "aws_session_token")
    );
    for (i, role) in [moto.role(), moto.role()].iter().enumerate() {
        let run = sb.run(&[role, "-t", "role"]);
        run.ok();
        assert_expires_in(&run.stderr, 3599);
        assert!(
            value(&sb.creds(), "role", "aws_access_key_id")
                .unwrap()
                .starts_with("ASIA")
        );
        assert_eq!(proxy.count("AssumeRole"), i + 1);
    }
    // exec and credential-process ride on the same session, still without a code.
    let role = moto.role();
    let exec = sb.run(&["exec", &role, "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID"]);
    exec.ok();
    assert!(exec.stdout.starts_with("ASIA"), "{}", exec.stdout);
    let json = sb.run(&["credential-process", &role]);
    json.ok();
    assert!(
        json.stdout.contains("\"AccessKeyId\":\"ASIA"),
        "{}",
        json.stdout
    );
    assert_eq!(proxy.count("AssumeRole"), 4);
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("GetUser"), 1, "the device is discovered once");

    let file = cache_dir(&sb).join(format!(
        "session-{}",
        value(&sb.creds(), "identity", "aws_access_key_id").unwrap()
    ));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(cache_dir(&sb))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn a_role_without_a_session_gets_one_then_chains() {
    let (proxy, sb, moto) = counted();
    let role = moto.role();
    sb.run(&[&role, "-c", "123456"]).ok();
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 1)
    );
    // The role's credentials come from the chained call, made with the session's keys.
    assert!(
        value(&sb.creds(), "default", "aws_access_key_id")
            .unwrap()
            .starts_with("ASIA")
    );
}

#[test]
fn roles_longer_than_an_hour_are_assumed_directly_with_mfa() {
    let (proxy, sb, moto) = counted();
    let role = moto.role();
    let run = sb.run(&[&role, "-c", "123456", "-d", "7200"]);
    run.ok();
    assert!(
        run.stderr.contains("AWS caps chained role sessions at 1 h"),
        "{}",
        run.stderr
    );
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (0, 1)
    );
    assert_expires_in(&run.stderr, 7199);
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let (proxy, sb, moto) = counted();
    sb.run(&["-c", "123456", "--no-cache"]).ok();
    let sessions = || {
        std::fs::read_dir(cache_dir(&sb))
            .map(|d| {
                d.flatten()
                    .filter(|f| f.file_name().to_string_lossy().starts_with("session-"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(sessions(), 0);
    sb.run(&[&moto.role(), "-c", "123456", "--no-cache"]).ok();
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 1)
    );
    sb.run(&["-c", "123456"]).ok();
    sb.run(&["--no-cache"]).fails(2, "no terminal to ask on");
}

#[test]
fn a_session_about_to_expire_is_replaced() {
    let (proxy, sb, _) = counted();
    sb.run(&["-c", "123456"]).ok();
    let file = std::fs::read_dir(cache_dir(&sb))
        .unwrap()
        .flatten()
        .find(|f| f.file_name().to_string_lossy().starts_with("session-"))
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&file).unwrap();
    let soon = now() + 60;
    let edited: String = text
        .lines()
        .map(|l| {
            if l.starts_with("expiration") {
                format!("expiration = {soon}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&file, edited).unwrap();
    sb.run(&[]).fails(2, "no terminal to ask on");
    sb.run(&["-c", "123456"]).ok();
    assert_eq!(proxy.count("GetSessionToken"), 2);
}

#[test]
fn a_rejected_cached_session_is_replaced_transparently() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The first session AWS hands out is later refused; the second works.
    let sessions = AtomicUsize::new(0);
    let fake = Fake::start(move |req| match req.action() {
        "GetSessionToken" => {
            let key = if sessions.fetch_add(1, Ordering::SeqCst) == 0 {
                "ASIASTALE"
            } else {
                "ASIAFRESH"
            };
            Reply::Http(
                200,
                sts_credentials("GetSessionToken", key, "s", "t", "2099-01-01T00:00:00Z"),
            )
        }
        "AssumeRole" if req.key_id() == "ASIASTALE" => Reply::Http(
            403,
            sts_error(
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
        ),
        "AssumeRole" => Reply::Http(
            200,
            sts_credentials("AssumeRole", "ASIAROLE", "s", "t", "2099-01-01T00:00:00Z"),
        ),
        other => Reply::Http(400, sts_error("InvalidAction", other)),
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds("[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n");
    let serial = ["--serial-number", "arn:aws:iam::123456789012:mfa/me"];
    sb.run(&[&["-c", "123456"][..], &serial].concat()).ok();
    let role = "arn:aws:iam::123456789012:role/r";
    let run = sb.run(&[&[role, "-c", "123456"][..], &serial].concat());
    run.ok();
    assert!(
        run.stderr
            .contains("the cached MFA session was rejected (ExpiredToken)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        value(&sb.creds(), "default", "aws_access_key_id").unwrap(),
        "ASIAROLE"
    );
    assert_eq!(
        (fake.count("GetSessionToken"), fake.count("AssumeRole")),
        (2, 2)
    );
}

#[test]
fn refresh_renews_a_role_without_a_code() {
    let (proxy, sb, moto) = counted();
    let role = moto.role();
    let run = sb.run(&[
        &role, "-c", "123456", "--env", "--shell", "bash", "-t", "shell",
    ]);
    run.ok();
    let source = exported(&run.stdout, "AWSMFA_SOURCE").unwrap();
    let expiry: i64 = exported(&run.stdout, "AWSMFA_EXPIRATION")
        .unwrap()
        .parse()
        .unwrap();
    // Fifty minutes later, as the hook would see it.
    let mut later = Sandbox {
        env: vec![],
        ..Sandbox::new(&proxy.url)
    };
    later.dir = sb.dir;
    later
        .set("AWSMFA_SOURCE", &source)
        .set("AWSMFA_EXPIRATION", &(expiry - 3000).to_string());
    let run = later.run(&["refresh", "--shell", "bash"]);
    run.ok();
    let renewed: i64 = exported(&run.stdout, "AWSMFA_EXPIRATION")
        .unwrap()
        .parse()
        .unwrap();
    assert!(renewed >= expiry, "{renewed} < {expiry}");
    assert!(
        exported(&run.stdout, "AWS_ACCESS_KEY_ID")
            .unwrap()
            .starts_with("ASIA")
    );
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 2)
    );

    // Credentials no newer than the ones held, or a forgotten session: a code is needed.
    later.env.retain(|(k, _)| k != "AWSMFA_EXPIRATION");
    later.set("AWSMFA_EXPIRATION", &(expiry + 3600).to_string());
    later
        .run(&["refresh", "--shell", "bash"])
        .fails(3, "a new MFA code is needed");
    later.run(&["forget"]).ok();
    later.env.retain(|(k, _)| k != "AWSMFA_EXPIRATION");
    later.set("AWSMFA_EXPIRATION", &(expiry - 3000).to_string());
    later
        .run(&["refresh", "--shell", "bash"])
        .fails(3, "a new MFA code is needed");
    assert_eq!(
        proxy.count("GetSessionToken"),
        1,
        "refresh never asks for a code"
    );
}

#[test]
fn refresh_of_a_plain_session_needs_a_code_and_nothing_needs_one_too() {
    let (_, sb, _) = counted();
    let run = sb.run(&["-c", "123456", "--env", "--shell", "bash"]);
    run.ok();
    sb.run(&["refresh"]).fails(3, "AWSMFA_SOURCE is unset");
    let mut sb = sb;
    // The shell holds the cached session itself: nothing newer exists without a code.
    sb.set(
        "AWSMFA_SOURCE",
        &exported(&run.stdout, "AWSMFA_SOURCE").unwrap(),
    );
    sb.set(
        "AWSMFA_EXPIRATION",
        &exported(&run.stdout, "AWSMFA_EXPIRATION").unwrap(),
    );
    sb.run(&["refresh"]).fails(3, "a new MFA code is needed");
    sb.set("AWSMFA_SOURCE", "garbage");
    sb.run(&["refresh"]).fails(2, "AWSMFA_SOURCE is garbled");
}

#[test]
fn forget_one_identity_or_all() {
    let (_, sb, moto) = counted();
    sb.run(&["-c", "123456"]).ok();
    let other = moto.user(1);
    std::fs::write(
        sb.creds_path(),
        format!(
            "{}{}",
            sb.creds(),
            other.identity_section().replace("[identity]", "[other]")
        ),
    )
    .unwrap();
    sb.run(&["-c", "123456", "-i", "other", "-t", "o"]).ok();
    assert_eq!(
        std::fs::read_dir(cache_dir(&sb))
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("session-"))
            .count(),
        2
    );
    let run = sb.run(&["forget", "-i", "other"]);
    run.ok();
    assert_eq!(run.stderr, "Forgot 1 cached MFA session.\n");
    assert_eq!(sb.run(&["forget"]).stderr, "Forgot 1 cached MFA session.\n");
    assert_eq!(
        sb.run(&["forget"]).stderr,
        "Forgot 0 cached MFA sessions.\n"
    );
    sb.run(&["forget", "-i", "nobody"])
        .fails(1, "no profile [nobody]");
}
