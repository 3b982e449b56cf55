//! One MFA code per session: the cache, role chaining, `refresh` and `forget`, with STS requests
//! counted by a proxy in front of moto; and what the cache trusts.

use crate::files::{chown, mode, nobody};
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

/// The value of `NAME=value; export NAME;` in --env output (values without quotes inside,
/// single-quoted or not).
pub fn exported(stdout: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    let suffix = format!("; export {name};");
    stdout.lines().find_map(|l| {
        let value = l.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
        let quoted = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\''));
        Some(quoted.unwrap_or(value).to_string())
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
                sts_credentials("GetSessionToken", key, "s", "t", crate::sts_answers::far()),
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
            sts_credentials(
                "AssumeRole",
                "ASIAROLE",
                "s",
                "t",
                crate::sts_answers::far(),
            ),
        ),
        other => Reply::Http(400, sts_error("InvalidAction", other)),
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds("[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n");
    let serial = ["--serial-number", "arn:aws:iam::123456789012:mfa/me"];
    sb.run(&[&["-c", "123456"][..], &serial].concat()).ok();
    let role = "arn:aws:iam::123456789012:role/r";
    // A code from a command, not -c: a code given up front asks for a new session outright.
    let code = ["--mfa-process", "echo 654321"];
    let run = sb.run(&[&[role][..], &code, &serial].concat());
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

#[test]
fn a_code_given_up_front_starts_a_new_session() {
    let (proxy, sb, _) = counted();
    sb.run(&["-c", "111111", "-d", "3600"]).ok();
    // The user asks for a 36-hour session with a new code: not the cached one-hour session.
    let run = sb.run(&["-c", "222222", "-d", "129600"]);
    run.ok();
    assert!(!run.stderr.contains("Reusing"), "{}", run.stderr);
    assert_eq!(proxy.count("GetSessionToken"), 2);
    assert!(proxy.bodies("GetSessionToken")[1].contains("TokenCode=222222"));
    let left = expiration_in(&sb.creds(), "default");
    assert!((129_590..=129_600).contains(&left), "{left} s left");
    // That session is the one cached now, and serves later runs that ask as much of it.
    let run = sb.run(&["-d", "129600", "-t", "again"]);
    run.ok();
    assert!(
        run.stderr
            .starts_with("Reusing the MFA session, which expires in 1d11h59m"),
        "{}",
        run.stderr
    );
    assert_eq!(proxy.count("GetSessionToken"), 2);
}

#[test]
fn a_longer_duration_than_the_cached_session_asks_for_a_code() {
    let (proxy, sb, _) = counted();
    sb.run(&["-c", "111111", "-d", "3600"]).ok();
    let run = sb.run(&["-d", "1800", "-t", "shorter"]);
    run.ok();
    assert!(
        run.stderr.starts_with("Reusing the MFA session"),
        "{}",
        run.stderr
    );
    // Two hours from a one-hour session: a code is needed, and there is no terminal here.
    sb.run(&["-d", "7200", "-t", "longer"])
        .fails(2, "no terminal to ask on");
    // `refresh` may not ask: it says so.
    let refresh: Run = sb
        .command(&["refresh", "--shell", "bash"])
        .env("AWSMFA_SOURCE", "target=longer;duration=7200")
        .env("AWSMFA_EXPIRATION", "0")
        .output()
        .unwrap()
        .into();
    refresh.fails(3, "a new MFA code is needed");
    assert_eq!(proxy.count("GetSessionToken"), 1);
    // A code from a command makes the new session.
    let run = sb.run(&["-d", "7200", "-t", "longer", "--mfa-process", "echo 222222"]);
    run.ok();
    assert!(!run.stderr.contains("Reusing"), "{}", run.stderr);
    assert_eq!(proxy.count("GetSessionToken"), 2);
    assert!(proxy.bodies("GetSessionToken")[1].contains("TokenCode=222222"));
    assert_expires_in(&run.stderr, 7199);
}

#[test]
fn a_code_given_with_a_role_makes_a_new_session_to_chain_on() {
    let (proxy, sb, moto) = counted();
    sb.run(&["-c", "111111"]).ok();
    let role = moto.role();
    let run = sb.run(&[&role, "-c", "222222", "-t", "role"]);
    run.ok();
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (2, 1)
    );
    assert!(proxy.bodies("GetSessionToken")[1].contains("TokenCode=222222"));
    let assumed = &proxy.bodies("AssumeRole")[0];
    assert!(
        !assumed.contains("TokenCode"),
        "chained, not direct: {assumed}"
    );
    assert_expires_in(&run.stderr, 3599);
    // The new session is cached: the next role rides on it without a code.
    sb.run(&[&role, "-t", "again"]).ok();
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (2, 2)
    );
}

// What the cache trusts: only what awsmfa could have made.

/// The identity's access key id in `sb`'s credentials file.
fn identity_key(sb: &Sandbox) -> String {
    value(&sb.creds(), "identity", "aws_access_key_id").unwrap()
}

const PLANTED_KEY: &str = "AKIAPLANTEDBYANOTHER";

/// A session file someone else wrote for `sb`'s identity, alive until 2100.
fn planted_session() -> String {
    format!(
        "[session]\nserial = arn:aws:iam::123456789012:mfa/x\naws_access_key_id = {PLANTED_KEY}\n\
         aws_secret_access_key = planted\naws_session_token = planted\nexpiration = 4102444800\n"
    )
}

/// Runs without `-c` (a code given explicitly asks for a new session), the code from a
/// command, so that only the cache decides whether STS is asked.
fn run_with_code_process(sb: &Sandbox) -> Run {
    let run = sb.run(&["--mfa-process", "echo 123456", "--env"]);
    run.ok();
    run
}

#[test]
fn a_cache_folder_open_to_others_is_closed() {
    let (_, sb, _) = counted();
    let dir = cache_dir(&sb);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = sb.run(&["-c", "123456"]);
    run.ok();
    assert_eq!(mode(&dir), 0o700, "the cache folder is still open");
    assert!(
        run.stderr
            .contains("was open to other users (mode 0777); awsmfa made it 0700"),
        "{}",
        run.stderr
    );
}

#[test]
fn planted_session_files_are_removed_unread() {
    let (uid, gid) = nobody();
    // Open to others, another user's, a link to a file elsewhere: none is awsmfa's.
    for plant in ["mode 0666", "owner nobody", "symlink"] {
        let (proxy, sb, _) = counted();
        let dir = cache_dir(&sb);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let file = dir.join(format!("session-{}", identity_key(&sb)));
        match plant {
            "mode 0666" => {
                std::fs::write(&file, planted_session()).unwrap();
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
            }
            "owner nobody" => {
                std::fs::write(&file, planted_session()).unwrap();
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
                chown(&file, uid, gid);
            }
            _ => {
                let elsewhere = sb.home().join("elsewhere");
                std::fs::write(&elsewhere, planted_session()).unwrap();
                std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600))
                    .unwrap();
                std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
            }
        }
        let run = run_with_code_process(&sb);
        assert_ne!(
            exported(&run.stdout, "AWS_ACCESS_KEY_ID").as_deref(),
            Some(PLANTED_KEY),
            "{plant}: the planted session was used"
        );
        assert_eq!(proxy.count("GetSessionToken"), 1, "{plant}: no new session");
        assert!(
            run.stderr.contains(&format!("removed {}", file.display())),
            "{plant}: {}",
            run.stderr
        );
        // What is there now is awsmfa's own session, made in this run.
        let meta = std::fs::symlink_metadata(&file).unwrap();
        assert!(meta.is_file(), "{plant}");
        assert_eq!(mode(&file), 0o600, "{plant}");
        assert!(
            !std::fs::read_to_string(&file)
                .unwrap()
                .contains(PLANTED_KEY)
        );
    }
}

#[test]
fn a_cache_folder_of_another_user_is_not_used() {
    let (uid, gid) = nobody();
    let (proxy, sb, _) = counted();
    let dir = cache_dir(&sb);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("session-{}", identity_key(&sb)));
    std::fs::write(&file, planted_session()).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    chown(&file, uid, gid);
    chown(&dir, uid, gid);
    let run = run_with_code_process(&sb);
    assert_ne!(
        exported(&run.stdout, "AWS_ACCESS_KEY_ID").as_deref(),
        Some(PLANTED_KEY),
        "the session in another user's folder was used"
    );
    assert_eq!(proxy.count("GetSessionToken"), 1);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("awsmfa: warning: "))
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "awsmfa: warning: {} belongs to another user (uid {uid}), so awsmfa does not use \
             it; remove it or make it yours (chown)",
            dir.display()
        )],
        "{}",
        run.stderr
    );
    // Someone else's folder is left as it was: nothing removed, nothing added.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), planted_session());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn a_serial_with_a_line_break_adds_no_line_to_the_cache() {
    let (_, sb, _) = counted();
    let serial = "arn:aws:iam::123456789012:mfa/x\naws_access_key_id = EVIL";
    // Whether this run refuses the serial or only refuses to cache it, no line may be added.
    sb.run(&["--serial-number", serial, "-c", "123456"]);
    let injected: Vec<String> = std::fs::read_dir(cache_dir(&sb))
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.lines()
                .any(|l| l.starts_with("aws_access_key_id = EVIL"))
        })
        .map(|p| p.display().to_string())
        .collect();
    // A later run without --serial-number, which takes any cached session of this identity.
    let run = run_with_code_process(&sb);
    assert_ne!(
        exported(&run.stdout, "AWS_ACCESS_KEY_ID").as_deref(),
        Some("EVIL"),
        "the injected key was exported"
    );
    assert_eq!(
        injected,
        Vec::<String>::new(),
        "lines were added to these files"
    );
}

#[test]
fn a_planted_record_of_spent_codes_delays_nothing() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let dir = cache_dir(&sb);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    // Says 123456 was just sent for this device, and keeps saying so until 2100.
    let file = dir.join("last-codes");
    std::fs::write(&file, format!("{} 123456 4102444800\n", user.serials[0])).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let started = std::time::Instant::now();
    let run = run_with_code_process(&sb);
    assert!(
        !run.stderr.contains("was used"),
        "the planted record was believed: {}",
        run.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(mode(&file), 0o600);
    assert!(
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("4102444800")
    );
}
