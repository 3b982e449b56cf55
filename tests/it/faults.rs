//! Fault injection: writers killed mid-write, writers racing each other, a full disk, a
//! read-only directory, endpoints that misbehave, and hostile files and names. Every fault ends
//! in a correct file or in one `awsmfa: error:` line with the file untouched.

use crate::harness::*;
use crate::sts_answers::{far, rfc3339};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const IDENTITY: &str = "[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n";
const SERIAL: &str = "arn:aws:iam::123456789012:mfa/me";

/// A run that needs no IAM call and never reads or writes the MFA session cache.
fn direct(extra: &[&str]) -> Vec<String> {
    ["-c", "123456", "--serial-number", SERIAL, "--no-cache"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// An STS answer carrying fixed credentials.
fn good_answer() -> Reply {
    Reply::Http(
        200,
        sts_credentials("GetSessionToken", "ASIAGOOD", "secret", "token", far()),
    )
}

/// The value of `key` in `[section]`, however the header is spaced.
fn get(text: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            inside = name.trim() == section;
        } else if inside
            && let Some((k, v)) = t.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// Names of the entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The file holds exactly `original` and nothing else appeared beside it.
#[track_caller]
fn untouched(sb: &Sandbox, original: &str) {
    assert_eq!(sb.creds(), original, "the file changed");
    assert_eq!(
        entries(&sb.home().join(".aws")),
        ["credentials"],
        "no temp file may be left behind"
    );
}

/// Splits `text` around the lines of `[section]`: (before, section, after).
fn around<'a>(text: &'a str, section: &str) -> (&'a str, &'a str, &'a str) {
    let header = format!("[{section}]");
    let start = if text.starts_with(&header) {
        0
    } else {
        text.find(&format!("\n{header}")).expect("section present") + 1
    };
    let end = text[start + 1..]
        .find("\n[")
        .map_or(text.len(), |i| start + 1 + i + 1);
    (&text[..start], &text[start..end], &text[end..])
}

/// A small deterministic PRNG (xorshift64*), seeded from the clock unless AWSMFA_FAULT_SEED is
/// set, so that a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("AWSMFA_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Crash safety
// ---------------------------------------------------------------------------------------------

/// A sandbox whose identity has a live cached MFA session (made once against moto), and whose
/// endpoint is then a dead port: later runs must need neither a code nor AWS.
fn cached_offline() -> (Sandbox, User, String) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    sb.run(&["-c", "123456", "-t", "warmup"]).ok();
    let token = value(&sb.creds(), "warmup", "aws_session_token").unwrap();
    sb.endpoint = format!("http://127.0.0.1:{}", free_port());
    (sb, user, token)
}

/// The other profiles of the crash test's file: everything but `[target]`.
fn crash_head(user: &User) -> String {
    let mut head = format!("# hand-kept credentials\n{}\n", user.identity_section());
    for i in 0..40 {
        head.push_str(&format!(
            "[p{i}]\naws_access_key_id = AKIAP{i:04}\naws_secret_access_key = {}\nregion = eu-west-{}\n\n",
            "s".repeat(40),
            i % 3
        ));
    }
    head
}

const CRASH_TAIL: &str = "[omega]\n; last profile\nregion = us-west-2\noutput=json";

/// Old contents of `[target]`, all different from what awsmfa writes, so that old and new are
/// told apart. The empty one means the section is missing (awsmfa appends it).
fn crash_variants() -> Vec<String> {
    vec![
        String::new(),
        "[target]\nregion = eu-west-1\n\n".into(),
        "[target]\naws_access_key_id = ASIAOLD1\naws_secret_access_key = old1\naws_session_token = tok1\nexpiration = 2000-01-01T00:00:00Z\noutput = json\n\n".into(),
        "[target]\n# note kept\nAWS_SESSION_TOKEN = old2\n  continued-old2\nregion=x\n\n".into(),
        // Longer than the new section: a truncated write would show.
        format!(
            "[target]\naws_access_key_id = ASIAOLD3\naws_session_token = {}\n\n",
            "T".repeat(6000)
        ),
        "[target]\nawsmfa_expiration = 2001-01-01T00:00:00Z\naws_access_key_id=ASIAOLD4\n\n".into(),
    ]
}

#[test]
fn killed_writers_leave_the_old_file_or_the_new_one_never_half() {
    let (sb, user, cached_token) = cached_offline();
    let head = crash_head(&user);
    let file_for = |v: &str| format!("{head}{v}{CRASH_TAIL}");
    let variants = crash_variants();
    let target = ["-t", "target"];
    // Private, like a real credentials file: temp files get the same mode.
    sb.write_creds(&file_for(""));
    std::fs::set_permissions(sb.creds_path(), std::fs::Permissions::from_mode(0o600)).unwrap();

    // What a completed run writes for each old content; checked once in full.
    let news: Vec<String> = variants
        .iter()
        .map(|v| {
            let old = file_for(v);
            sb.write_creds(&old);
            sb.run(&target).ok();
            let new = sb.creds();
            assert_ne!(new, old);
            assert!(new.starts_with(&head), "other profiles kept byte for byte");
            if v.is_empty() {
                assert!(new.starts_with(&old), "{new}");
            } else {
                assert!(new.ends_with(CRASH_TAIL), "{new}");
            }
            let token = value(&new, "target", "aws_session_token").unwrap();
            assert_eq!(value(&new, "target", "aws_security_token").unwrap(), token);
            assert_eq!(token, cached_token, "the cached session was written");
            new
        })
        .collect();

    // Calibrate: the kill delays span a bit more than a whole run, spawn included.
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            sb.write_creds(&file_for(&variants[2]));
            let t = Instant::now();
            sb.run(&target).ok();
            t.elapsed()
        })
        .collect();
    times.sort();
    let span_us = (times[2].as_micros() as u64 * 3 / 2).max(1000);

    let mut rng = Rng::new();
    let seed = rng.0;
    let aws = sb.home().join(".aws");
    let (mut olds, mut newer, mut strays) = (0, 0, 0);
    for run in 0..200 {
        let v = run % variants.len();
        let old = file_for(&variants[v]);
        sb.write_creds(&old);
        let delay = Duration::from_micros(rng.below(span_us));
        let mut child = sb
            .command(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let now = sb.creds();
        let ctx =
            format!("run {run}, variant {v}, kill after {delay:?} (AWSMFA_FAULT_SEED={seed})");
        if now == old {
            olds += 1;
        } else if now == news[v] {
            newer += 1;
        } else {
            panic!("{ctx}: the file is neither the old nor the new one:\n{now}");
        }
        // A killed run may leave its temp file: only under awsmfa's own name, private, and a
        // prefix of what it was writing, never anything else.
        for name in entries(&aws).iter().filter(|n| *n != "credentials") {
            let pid = name
                .strip_prefix(".credentials.awsmfa-")
                .and_then(|r| r.strip_suffix(".tmp"))
                .unwrap_or_else(|| panic!("{ctx}: unexpected file {name}"));
            assert!(pid.bytes().all(|b| b.is_ascii_digit()), "{ctx}: {name}");
            let path = aws.join(name);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{ctx}: {name} holds secrets");
            let partial = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                news.iter().any(|n| n.starts_with(&partial)),
                "{ctx}: {name} is not a prefix of a new file"
            );
        }
        strays = entries(&aws).len() - 1;
    }
    assert!(
        olds >= 5 && newer >= 5,
        "the kills must land both before and after the rename: {olds} old, {newer} new \
         (kill delays 0-{span_us} us)"
    );
    // A completed run after all that still edits correctly.
    sb.write_creds(&file_for(&variants[1]));
    sb.run(&target).ok();
    assert_eq!(sb.creds(), news[1]);
    eprintln!(
        "crash test: {olds} runs killed before the rename, {newer} after it; {strays} temp \
         files of killed runs left in ~/.aws until the next run"
    );
}

/// A killed run leaves `.credentials.awsmfa-PID.tmp`, a copy of the credentials; the next run,
/// holding the lock, removes every such leftover whatever its PID.
#[test]
fn leftover_temp_files_of_killed_runs_are_cleaned() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    // Exactly what a run with PID 4194303 (the largest possible) killed before its rename leaves.
    let stray = sb.home().join(".aws/.credentials.awsmfa-4194303.tmp");
    std::fs::write(&stray, "[identity]\naws_access_key_id = AKIAX\naws_secr").unwrap();
    std::fs::set_permissions(&stray, std::fs::Permissions::from_mode(0o600)).unwrap();
    sb.run(&args(&direct(&[]))).ok();
    assert_eq!(
        entries(&sb.home().join(".aws")),
        ["credentials"],
        "a run under the lock should remove every leftover of killed runs"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Concurrency
// ---------------------------------------------------------------------------------------------

/// The number in a value written from the concurrency test's STS (`ASIA0007`, `secret7`, …).
fn serial_of(v: &str) -> usize {
    v.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap()
}

/// The expiration of answer `i`: `i` minutes after a base six hours ahead, the same for the
/// whole run.
fn minutes(i: usize) -> String {
    static BASE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(|| now() + 21_600);
    rfc3339(base + 60 * i as i64)
}

#[test]
fn forty_concurrent_writers_32_profiles_and_8_on_one_all_land_whole() {
    // Each answer carries its own number in every value, expiration included (minutes).
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    let fake = Fake::start(move |_| {
        let i = counter.fetch_add(1, Ordering::SeqCst) + 1;
        Reply::Http(
            200,
            sts_credentials(
                "GetSessionToken",
                &format!("ASIA{i:04}"),
                &format!("secret{i}"),
                &format!("token{i}"),
                &minutes(i),
            ),
        )
    });
    let sb = Sandbox::new(&fake.url);
    let original = format!("# shared by 40 writers\n{IDENTITY}\n[keep]\nregion = x\n");
    sb.write_creds(&original);
    let targets: Vec<String> = (0..32)
        .map(|i| format!("p{i}"))
        .chain((0..8).map(|_| "shared".to_string()))
        .collect();
    let t = Instant::now();
    let children: Vec<_> = targets
        .iter()
        .map(|target| {
            sb.command(&args(&direct(&["-t", target])))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        Run::from(child.wait_with_output().unwrap()).ok();
    }
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    assert_eq!(fake.requests.load(Ordering::SeqCst), 40);

    let text = sb.creds();
    assert!(text.starts_with(&original), "{text}");
    let whole = |section: &str| -> usize {
        let get = |k: &str| {
            value(&text, section, k).unwrap_or_else(|| panic!("[{section}] lacks {k}: {text}"))
        };
        let i = serial_of(&get("aws_access_key_id"));
        assert_eq!(
            get("aws_secret_access_key"),
            format!("secret{i}"),
            "[{section}]"
        );
        assert_eq!(get("aws_session_token"), format!("token{i}"), "[{section}]");
        assert_eq!(
            get("aws_security_token"),
            format!("token{i}"),
            "[{section}]"
        );
        assert_eq!(get("expiration"), minutes(i), "[{section}]");
        assert_eq!(
            get("awsmfa_expiration"),
            minutes(i).replace('Z', "+00:00"),
            "[{section}]"
        );
        let (_, lines, _) = around(&text, section);
        assert_eq!(lines.matches(" = ").count(), 6, "each key once: {lines}");
        i
    };
    let mut seen: Vec<usize> = (0..32).map(|i| whole(&format!("p{i}"))).collect();
    let shared = whole("shared");
    assert!(
        !seen.contains(&shared),
        "[shared] got another profile's set"
    );
    seen.push(shared);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 33);
    assert_eq!(text.matches("\n[").count(), 1 + 1 + 33, "{text}");
    assert_eq!(
        entries(&sb.home().join(".aws")),
        ["credentials"],
        "no temp file left behind"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Full disk, read-only directory
// ---------------------------------------------------------------------------------------------

#[test]
fn a_file_size_limit_fails_the_write_and_keeps_the_file() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    // Any rewrite is larger than the limit below.
    let original = format!("{IDENTITY}# {}\n[default]\nregion = x\n", "x".repeat(1100));
    sb.write_creds(&original);
    let mut cmd = sb.command(&args(&direct(&[])));
    limit_file_size(&mut cmd, 1024);
    Run::from(cmd.output().unwrap())
        .fails(1, "cannot write")
        .fails(1, "File too large")
        .fails(1, "the file was not changed");
    untouched(&sb, &original);
}

/// Whether this machine lets a test make a private mount namespace (root with CAP_SYS_ADMIN).
fn mount_namespaces() -> bool {
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The sandbox's awsmfa command, run as `sh -c script sh AWS_DIR awsmfa ARGS…` inside a private
/// mount namespace, so that whatever the script mounts dies with it.
fn in_mount_namespace(sb: &Sandbox, script: &str, run_args: &[&str]) -> Command {
    let mut cmd = sb.program("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        "sh",
    ])
    .arg(sb.home().join(".aws"))
    .arg(bin())
    .args(run_args);
    cmd
}

#[test]
fn a_full_disk_fails_the_write_and_keeps_the_file() {
    if !mount_namespaces() {
        eprintln!("SKIPPED: no mount namespaces here (needs root with CAP_SYS_ADMIN)");
        return;
    }
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    // Two 4 KiB pages; the rewrite needs two as well.
    let original = format!("{IDENTITY}# {}\n[default]\nregion = x\n", "x".repeat(6000));
    sb.write_creds(&original);
    // A 16 KiB tmpfs over ~/.aws holding the file, filled up but for one page; what is there
    // after the run is copied out to ~/after.
    let script = r#"set -e
d=$1; shift
mkdir "$d/../seed" "$d/../after"
cp -a "$d/." "$d/../seed/"
mount -t tmpfs -o size=16k,mode=0755 tmpfs "$d"
cp -a "$d/../seed/." "$d/"
head -c 1000000 /dev/zero > "$d/filler" 2>/dev/null || true
truncate -s -4096 "$d/filler"
set +e
"$@"
rc=$?
rm "$d/filler"
cp -a "$d/." "$d/../after/"
exit $rc"#;
    let run = Run::from(
        in_mount_namespace(&sb, script, &args(&direct(&[])))
            .output()
            .unwrap(),
    );
    run.fails(1, "cannot write")
        .fails(1, "No space left on device")
        .fails(1, "the file was not changed");
    let after = sb.home().join("after");
    assert_eq!(
        std::fs::read_to_string(after.join("credentials")).unwrap(),
        original
    );
    assert_eq!(entries(&after), ["credentials"], "no temp file left behind");
}

/// Runs `cmd` without the capabilities that let root ignore mode bits, so that a read-only
/// directory stops root too (CI runs as root). Fails to spawn where they cannot be dropped.
fn without_dac_override(cmd: &mut Command) {
    // SAFETY: prctl and geteuid are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            // CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: gone from the bounding set,
            // they are not regained on exec.
            for cap in [1, 2, 3] {
                if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && libc::geteuid() == 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

#[test]
fn a_read_only_directory_fails_the_write_even_for_root() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    let original = format!("{IDENTITY}[default]\nregion = x\n");
    sb.write_creds(&original);
    let aws = sb.home().join(".aws");
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o555)).unwrap();
    let restore = || std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755));
    // The fault must be real: a plain write there has to fail first.
    let mut probe = Command::new("sh");
    probe
        .args(["-c", r#"touch "$1/probe""#, "sh"])
        .arg(&aws)
        .stderr(Stdio::null());
    without_dac_override(&mut probe);
    match probe.status() {
        Ok(s) if !s.success() => {}
        other => {
            restore().unwrap();
            eprintln!("SKIPPED: cannot make a directory read-only for this user ({other:?})");
            return;
        }
    }
    let mut cmd = sb.command(&args(&direct(&[])));
    without_dac_override(&mut cmd);
    let run = Run::from(cmd.output().unwrap());
    restore().unwrap();
    run.fails(1, "cannot write")
        .fails(1, "Permission denied")
        .fails(1, "the file was not changed");
    untouched(&sb, &original);
}

#[test]
fn a_read_only_mount_fails_the_write_and_keeps_the_file() {
    if !mount_namespaces() {
        eprintln!("SKIPPED: no mount namespaces here (needs root with CAP_SYS_ADMIN)");
        return;
    }
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    let original = format!("{IDENTITY}[default]\nregion = x\n");
    sb.write_creds(&original);
    let script = r#"set -e
d=$1; shift
mount --bind "$d" "$d"
mount -o remount,bind,ro "$d"
exec "$@""#;
    Run::from(
        in_mount_namespace(&sb, script, &args(&direct(&[])))
            .output()
            .unwrap(),
    )
    .fails(1, "cannot write")
    .fails(1, "Read-only file system")
    .fails(1, "the file was not changed");
    untouched(&sb, &original);
}

// ---------------------------------------------------------------------------------------------
// 4. Endpoints that misbehave (refused, hanging, throttling and AWS error codes: errors.rs)
// ---------------------------------------------------------------------------------------------

/// Runs a direct session request against `url`: the failure it gives, within `bound`, with the
/// file untouched.
#[track_caller]
fn fails_within(url: &str, bound: Duration, needle: &str) {
    let sb = Sandbox::new(url);
    sb.write_creds(IDENTITY);
    let t = Instant::now();
    let run = sb.run(&args(&direct(&[])));
    let took = t.elapsed();
    run.fails(1, needle);
    assert!(took < bound, "took {took:?}, bound {bound:?}");
    untouched(&sb, IDENTITY);
}

#[test]
fn http_500_is_retried_then_reported() {
    // Always 500, with AWS's error document or with a proxy's HTML page.
    let fake = Fake::start(|_| Reply::Http(500, sts_error("InternalFailure", "try later")));
    fails_within(
        &fake.url,
        Duration::from_secs(15),
        "sts:GetSessionToken failed: InternalFailure: try later",
    );
    assert_eq!(fake.requests.load(Ordering::SeqCst), 3, "bounded retries");
    let fake = Fake::start(|_| Reply::Http(500, "<html><h1>Bad Gateway</h1></html>".into()));
    fails_within(
        &fake.url,
        Duration::from_secs(15),
        "sts:GetSessionToken failed: HTTP 500",
    );

    // Once 500, then an answer: the retry recovers.
    let calls = AtomicUsize::new(0);
    let fake = Fake::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Http(500, sts_error("InternalFailure", "blip"))
        } else {
            good_answer()
        }
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    let t = Instant::now();
    sb.run(&args(&direct(&[]))).ok();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert_eq!(fake.requests.load(Ordering::SeqCst), 2);
    assert_eq!(
        value(&sb.creds(), "default", "aws_access_key_id").unwrap(),
        "ASIAGOOD"
    );
}

#[test]
fn malformed_answers_are_one_line_errors() {
    let creds = sts_credentials("GetSessionToken", "ASIAX", "s", "t", far());
    for (body, needle) in [
        ("".to_string(), "sts:GetSessionToken failed: HTTP 200"),
        (
            "<html><body>Captive portal</body></html>".into(),
            "sts:GetSessionToken failed: HTTP 200",
        ),
        (
            "{\"json\": true}".into(),
            "sts:GetSessionToken failed: HTTP 200",
        ),
        (
            creds.replace(far(), "tomorrow"),
            "sts:GetSessionToken failed: HTTP 200",
        ),
        (
            "<GetSessionTokenResponse><GetSessionTokenResult></GetSessionTokenResult>\
             </GetSessionTokenResponse>"
                .into(),
            "sts:GetSessionToken returned no credentials",
        ),
    ] {
        let fake = Fake::start(move |_| Reply::Http(200, body.clone()));
        fails_within(&fake.url, Duration::from_secs(10), needle);
    }
}

/// The SDK fills required members missing from an answer with defaults (empty strings, the
/// epoch): a document cut short, or one without SessionToken or Expiration, must be refused
/// rather than written (and cached) as credentials.
#[test]
fn incomplete_credentials_are_refused_not_written() {
    let creds = sts_credentials("GetSessionToken", "ASIAX", "s", "t", far());
    for body in [
        creds[..creds.find("<SecretAccessKey>").unwrap() + 20].to_string(),
        creds.replace("<SessionToken>t</SessionToken>", ""),
        creds.replace(&format!("<Expiration>{}</Expiration>", far()), ""),
        creds.replace("<AccessKeyId>ASIAX</AccessKeyId>", ""),
    ] {
        let fake = Fake::start(move |_| Reply::Http(200, body.clone()));
        fails_within(&fake.url, Duration::from_secs(10), "sts:GetSessionToken");
    }
}

/// An endpoint on 127.0.0.1 whose connections get `serve`; returns its URL.
fn raw_endpoint(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    url
}

#[test]
fn dropped_connections_and_cut_answers_fail_fast() {
    // Accepts and closes at once.
    let url = raw_endpoint(drop);
    fails_within(
        &url,
        Duration::from_secs(15),
        &format!("sts:GetSessionToken failed: cannot reach {url}"),
    );
    // Reads the request, promises 1000 bytes, sends 10 and closes.
    let url = raw_endpoint(|mut s| {
        let mut buf = [0; 65536];
        let _ = s.read(&mut buf);
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<GetSessio",
        );
    });
    fails_within(&url, Duration::from_secs(15), "sts:GetSessionToken failed");
}

/// `date -u` for `epoch`, as an HTTP Date header.
fn http_date(epoch: i64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{epoch}"),
            "+%a, %d %b %Y %H:%M:%S GMT",
        ])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A Date header an hour off either way: one warning naming the direction, and the file holds
/// the credentials exactly as STS issued them, expiration included (an absolute instant, right
/// whatever the local clock says). profiles.rs checks the countdown for a clock behind AWS's.
#[test]
fn a_date_header_an_hour_off_warns_and_the_file_is_still_correct() {
    for (skew, direction) in [
        (3600, "about 1h0m behind AWS's"),
        (-3600, "about 1h0m ahead of AWS's"),
    ] {
        let server_now = now() + skew;
        let exp_text = Command::new("date")
            .args([
                "-u",
                "-d",
                &format!("@{}", server_now + 21600),
                "+%Y-%m-%dT%H:%M:%SZ",
            ])
            .output()
            .unwrap();
        let exp_text = String::from_utf8(exp_text.stdout)
            .unwrap()
            .trim()
            .to_string();
        let body = sts_credentials("GetSessionToken", "ASIASKEW", "sk", "tk", &exp_text);
        // Dated when it answers, as STS is: a Date fixed before awsmfa starts would be a second
        // further off whenever a loaded machine starts it across a second boundary.
        let fake = Fake::start(move |_| {
            let date = format!("Date: {}\r\n", http_date(now() + skew));
            Reply::WithHeaders(200, date, body.clone())
        });
        let sb = Sandbox::new(&fake.url);
        sb.write_creds(IDENTITY);
        let t = Instant::now();
        let run = sb.run(&args(&direct(&[])));
        run.ok();
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        assert!(
            run.stderr
                .contains(&format!("this machine's clock is {direction}")),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.matches("clock is").count(), 1, "warned once");
        let text = sb.creds();
        assert!(text.starts_with(IDENTITY));
        for (k, v) in [
            ("aws_access_key_id", "ASIASKEW"),
            ("aws_secret_access_key", "sk"),
            ("aws_session_token", "tk"),
            ("aws_security_token", "tk"),
            ("expiration", exp_text.as_str()),
        ] {
            assert_eq!(
                value(&text, "default", k).as_deref(),
                Some(v),
                "skew {skew}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Hostile inputs (a directory, a dangling symlink, malformed lines: errors.rs, files.rs)
// ---------------------------------------------------------------------------------------------

/// Odd names, and odd one-line values a user wrote in the identity profile, which awsmfa
/// copies into the target (STS's own values are checked where they arrive: sts_answers.rs).
#[test]
fn odd_profile_names_and_values_round_trip() {
    let odd_values = ("ASIA=[ü]", "se cret=[x]#;ü", "tok en==ü[]");
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    let identity = format!(
        "{}x_key = {}\nx_secret = {}\nx_token = {}\n",
        IDENTITY.replace("[identity]", "[my id ü]"),
        odd_values.0,
        odd_values.1,
        odd_values.2
    );
    let original = format!(
        "; odd names\n{identity}\n[ spaced ]\nk = v = w\n\n[東京]\nregion = ap-northeast-1\n"
    );
    for target in [
        "prod ünï",
        "a=b",
        "x]y",
        "[z]",
        "東京",
        "spaced",
        "#hash",
        "default",
    ] {
        sb.write_creds(&original);
        let run_args = direct(&["-i", "my id ü", "-t", target]);
        sb.run(&args(&run_args)).ok();
        let once = sb.creds();
        for (k, v) in [
            ("x_key", odd_values.0),
            ("x_secret", odd_values.1),
            ("x_token", odd_values.2),
            ("aws_access_key_id", "ASIAGOOD"),
        ] {
            assert_eq!(
                get(&once, target, k).as_deref(),
                Some(v),
                "[{target}]: {once}"
            );
        }
        // The profile is found again: a second run replaces, never appends.
        sb.run(&args(&run_args)).ok();
        assert_eq!(sb.creds(), once, "[{target}] is not found again");
        let edited = once.matches('\n').count() - original.matches('\n').count();
        // At most a new section: its header, the blank line before it, our six keys and the
        // three the identity lends.
        assert!(edited <= 8 + 3, "[{target}]: {edited} lines added: {once}");
        let header = [format!("[{target}]"), format!("[ {target} ]")]
            .into_iter()
            .find_map(|h| original.find(&h));
        if let Some(start) = header {
            assert_eq!(once[..start], original[..start], "[{target}]");
        } else {
            assert!(once.starts_with(&original), "[{target}]");
        }
    }
}

/// Names that a `[section]` line cannot hold as they are (they would be read back as another
/// name, or not at all) are refused before anything is written.
#[test]
fn target_names_a_header_cannot_hold_are_refused_before_writing() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    let original = format!("{IDENTITY}[default]\nregion = x\n");
    for target in ["", " padded ", "a\nb", "a\rb", " identity "] {
        sb.write_creds(&original);
        let run_args = direct(&["-t", target]);
        let run = sb.run(&args(&run_args));
        if run.code == 0 {
            // Accepted: then it must be an edit that awsmfa itself can repeat.
            let text = sb.creds();
            sb.run(&args(&run_args)).ok();
            assert_eq!(sb.creds(), text, "target {target:?}");
        } else {
            run.fails(2, "target");
            untouched(&sb, &original);
        }
    }
}

#[test]
fn a_crlf_file_ending_in_the_target_without_a_newline() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    let original = format!(
        "{}\r\n[default]\r\nregion = x\r\naws_session_token = old",
        IDENTITY.replace('\n', "\r\n")
    );
    sb.write_creds(&original);
    sb.run(&args(&direct(&[]))).ok();
    let text = sb.creds();
    let (before, section, after) = around(&text, "default");
    assert_eq!(before, &original[..before.len()]);
    assert_eq!(after, "");
    assert_eq!(
        section,
        format!(
            "[default]\r\nregion = x\r\naws_access_key_id = ASIAGOOD\r\naws_secret_access_key = secret\r\n\
             aws_session_token = token\r\naws_security_token = token\r\nexpiration = {}\r\n\
             awsmfa_expiration = {}\r\n",
            far(),
            far().replace('Z', "+00:00")
        )
    );
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    sb.run(&args(&direct(&[]))).ok();
    assert_eq!(sb.creds(), text);
}

/// Its speed and memory are a benchmark (`scripts/bench-bigfile`), not asserted here: a timed
/// test fails on a busy machine.
#[test]
fn a_5_mb_file_is_edited_correctly() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    let mut original = format!("# {} profiles\n{IDENTITY}", 26_000);
    for i in 0..26_000 {
        original.push_str(&format!(
            "\n[profile{i}]\naws_access_key_id = AKIA{i:016}\naws_secret_access_key = {}\n\
             region = eu-west-1\n# note {i}\n",
            "s".repeat(80)
        ));
    }
    assert!(original.len() > 5_000_000, "{}", original.len());
    sb.write_creds(&original);
    sb.run(&args(&direct(&["-t", "profile13000"]))).ok();
    let text = sb.creds();
    let (before, section, after) = around(&text, "profile13000");
    let (o_before, o_section, o_after) = around(&original, "profile13000");
    assert_eq!(before, o_before);
    assert_eq!(after, o_after);
    assert!(section.starts_with("[profile13000]\naws_access_key_id = ASIAGOOD\n"));
    assert!(section.ends_with("region = eu-west-1\n# note 13000\n\n"));
    assert_ne!(section, o_section);
    untouched(&sb, &text);
}

#[test]
fn empty_binary_and_looping_files_are_refused_untouched() {
    let fake = Fake::start(|_| good_answer());
    let sb = Sandbox::new(&fake.url);
    sb.write_creds("");
    sb.run(&args(&direct(&[])))
        .fails(1, "no profile [identity]")
        .fails(1, "it has no profiles");
    untouched(&sb, "");

    let binary = b"\xff\xfe[identity]\naws_access_key_id = \x80\n";
    std::fs::write(sb.creds_path(), binary).unwrap();
    sb.run(&args(&direct(&[]))).fails(1, "is not UTF-8 text");
    assert_eq!(std::fs::read(sb.creds_path()).unwrap(), binary);

    std::fs::remove_file(sb.creds_path()).unwrap();
    let aws = sb.home().join(".aws");
    std::os::unix::fs::symlink("loop", sb.creds_path()).unwrap();
    std::os::unix::fs::symlink("credentials", aws.join("loop")).unwrap();
    sb.run(&args(&direct(&[])))
        .fails(1, "Too many levels of symbolic links");
    assert_eq!(entries(&aws), ["credentials", "loop"]);
    assert_eq!(fake.requests.load(Ordering::SeqCst), 0);
}

/// `fs::read` of a FIFO would block in open(2) until a writer comes: it is refused instead.
#[test]
fn a_fifo_as_credentials_file_fails_instead_of_hanging() {
    let sb = Sandbox::new(&format!("http://127.0.0.1:{}", free_port()));
    let status = Command::new("mkfifo")
        .arg(sb.creds_path())
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = sb
        .command(&args(&direct(&[])))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("awsmfa still blocked on the FIFO after 10 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::from(child.wait_with_output().unwrap()).fails(1, "credentials");
}
