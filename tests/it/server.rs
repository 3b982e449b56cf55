//! The credential server: `exec --server` and `serve`, with the aws CLI and boto3 as clients,
//! raw requests for the refusals, STS requests counted by a proxy in front of moto.

use crate::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::time::Duration;

/// A sandbox for a new user whose requests pass through a counting proxy, and a role.
fn counted() -> (Fake, Sandbox, String) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let mut sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    sb.set("AWS_DEFAULT_REGION", "us-east-1");
    (proxy, sb, moto.role())
}

/// `awsmfa exec --server ARGS -- sh -c SCRIPT`.
fn exec_sh(sb: &Sandbox, args: &[&str], script: &str) -> Run {
    let mut all = vec!["exec", "--server"];
    all.extend(args);
    all.extend(["--", "sh", "-c", script]);
    sb.run(&all)
}

/// Python that talks to the server the child was given: `get(headers, method, path)` answers
/// (status, body) on a connection of its own.
const CLIENT: &str = r#"
import http.client, json, os, socket, sys, threading, time, urllib.parse
uri = urllib.parse.urlsplit(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'])
tok = os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']
def get(headers=None, method='GET', path='/'):
    c = http.client.HTTPConnection(uri.hostname, uri.port, timeout=60)
    c.request(method, path, headers={'Authorization': tok} if headers is None else headers)
    r = c.getresponse()
    return r.status, r.read().decode()
def key():
    status, body = get()
    assert status == 200, (status, body)
    return json.loads(body)['AccessKeyId']
def together(n):
    # n requests released at once; their key ids, in order.
    start, keys = threading.Barrier(n), [None] * n
    def one(i):
        start.wait()
        keys[i] = key()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    return keys
"#;

fn python(code: &str) -> String {
    let script = format!("{CLIENT}\n{code}");
    format!("python3 -c '{}'", script.replace('\'', r"'\''"))
}

/// The lines of `text` that start with `word `, without it.
fn lines_of<'a>(text: &'a str, word: &str) -> Vec<&'a str> {
    let prefix = format!("{word} ");
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .collect()
}

#[track_caller]
fn one_line<'a>(text: &'a str, word: &str) -> &'a str {
    match lines_of(text, word).as_slice() {
        [line] => line,
        other => panic!("one `{word}` line expected, got {other:?} in\n{text}"),
    }
}

fn port_of(uri: &str) -> u16 {
    let rest = uri
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{uri}"));
    rest.trim_end_matches('/').parse().unwrap()
}

#[test]
fn the_aws_cli_and_boto3_in_the_child_get_renewed_credentials_from_the_server() {
    let (proxy, mut sb, role) = counted();
    // What would otherwise win over the server: keys and a profile in the environment, and a
    // [default] profile in the credentials file.
    sb.set("AWS_ACCESS_KEY_ID", "AKIASHADOWENV")
        .set("AWS_SECRET_ACCESS_KEY", "shadow")
        .set("AWS_SESSION_TOKEN", "shadow")
        .set("AWS_PROFILE", "shadow")
        .set("AWSMFA_SOURCE", "target=default")
        // Longer than the role's hour: every fetch renews, so each client sees a new key.
        .set("AWSMFA_REFRESH_WINDOW", "100000");
    sb.write_creds(&format!(
        "{}[default]\naws_access_key_id = AKIASHADOWFILE\naws_secret_access_key = x\n\
         [shadow]\naws_access_key_id = AKIASHADOWPROFILE\naws_secret_access_key = x\n",
        sb.creds()
    ));
    let script = format!(
        "env | grep -E '^(AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN|PROFILE|DEFAULT_PROFILE)|AWSMFA_(SOURCE|EXPIRATION))=' \
         | sed 's/^/leaked /'\n\
         echo \"token $AWS_CONTAINER_AUTHORIZATION_TOKEN\"\n\
         echo \"cli $(aws sts get-caller-identity --query Arn --output text)\"\n\
         python3 -c 'import boto3; print(\"boto3\", boto3.client(\"sts\").get_caller_identity()[\"Arn\"])'\n\
         python3 -c 'import boto3\nfor _ in range(2): print(\"key\", boto3.Session().get_credentials().get_frozen_credentials().access_key)'\n\
         {}",
        python("s, body = get(); print('secret', json.loads(body)['SecretAccessKey'])")
    );
    let run = exec_sh(&sb, &[&role, "-c", "123456"], &script);
    run.ok();
    let out = &run.stdout;
    assert_eq!(lines_of(out, "leaked"), Vec::<&str>::new(), "{out}");
    let name = role.rsplit('/').next().unwrap();
    for client in ["cli", "boto3"] {
        let arn = one_line(out, client);
        assert!(
            arn.contains(&format!(":assumed-role/{name}/")),
            "{client}: {arn}"
        );
    }
    let keys = lines_of(out, "key");
    assert_eq!(keys.len(), 2, "{out}");
    assert!(keys.iter().all(|k| k.starts_with("ASIA")), "{keys:?}");
    assert_ne!(keys[0], keys[1], "each fetch renews");
    // One code for the whole run: every renewal rode on the MFA session.
    assert_eq!(proxy.count("GetSessionToken"), 1);
    assert_eq!(proxy.count("AssumeRole"), 6, "the first, and one a fetch");
    // Nothing secret on stderr.
    for secret in [one_line(out, "token"), one_line(out, "secret"), "123456"] {
        assert!(
            secret.len() >= 6 && !run.stderr.contains(secret),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn requests_without_the_token_are_refused_and_requests_are_bounded() {
    let (_, sb, _) = counted();
    let code = r#"
for name, headers in [('none', {}), ('wrong', {'Authorization': 'f' * 64}),
                      ('short', {'Authorization': tok[:-1]}), ('longer', {'Authorization': tok + '0'}),
                      ('bearer', {'Authorization': 'Bearer ' + tok})]:
    status, body = get(headers)
    print('refused', name, status, 'leak' if 'AccessKeyId' in body or 'Token"' in body else 'clean')
print('post', get(method='POST')[0])
print('path', get(path='/other')[0])
c = http.client.HTTPConnection(uri.hostname, uri.port, timeout=60)
for i in range(3):
    c.request('GET', '/', headers={'Authorization': tok})
    r = c.getresponse()
    print('kept', r.status, json.loads(r.read())['AccessKeyId'][:4])
print('big', get({'Authorization': tok, 'X-Big': 'a' * 10000})[0])
s = socket.create_connection((uri.hostname, uri.port))
s.sendall(b'GET / HTTP/1.1\r\n')
t = time.time()
print('slow', s.recv(100), round(time.time() - t))
s = socket.create_connection((uri.hostname, uri.port))
s.sendall(('GET / HTTP/1.1\r\nAuthorization: ' + tok + '\r\n\r\n').encode())
s.settimeout(5)
answer = s.recv(4096)
while b'"Expiration"' not in answer: answer += s.recv(4096)
assert answer.startswith(b'HTTP/1.1 200 '), answer
s.settimeout(None)
t = time.time()
s.sendall(b'GET / HTTP/1.1\r\n')
print('slowknown', s.recv(100), round(time.time() - t))
"#;
    let script = format!(
        "echo \"uri $AWS_CONTAINER_CREDENTIALS_FULL_URI\"\n\
         ss -ltnH | awk '{{print \"listening\", $4}}'\n{}",
        python(code)
    );
    let run = exec_sh(&sb, &["-c", "123456"], &script);
    run.ok();
    let out = &run.stdout;
    let refused = lines_of(out, "refused");
    assert_eq!(
        refused,
        [
            "none 401 clean",
            "wrong 403 clean",
            "short 403 clean",
            "longer 403 clean",
            "bearer 403 clean"
        ],
        "{out}"
    );
    assert_eq!(one_line(out, "post"), "405");
    assert_eq!(one_line(out, "path"), "404");
    assert_eq!(lines_of(out, "kept"), ["200 AKIA"; 3], "keep-alive");
    assert_eq!(one_line(out, "big"), "431");
    // A client that stops half-way is cut off: after three seconds when it has not shown the
    // token (hostile/flood.rs), ten once it has.
    let waited = |word: &str| -> u64 {
        let slow = one_line(out, word);
        slow.strip_prefix("b'' ")
            .unwrap_or_else(|| panic!("{slow}"))
            .parse()
            .unwrap()
    };
    assert!((2..=6).contains(&waited("slow")), "{out}");
    assert!((9..=15).contains(&waited("slowknown")), "{out}");
    // Loopback only, and nothing listens once the child has exited.
    let port = port_of(one_line(out, "uri"));
    let ours: Vec<&str> = lines_of(out, "listening")
        .into_iter()
        .filter(|a| a.ends_with(&format!(":{port}")))
        .collect();
    assert_eq!(ours, [format!("127.0.0.1:{port}")], "{out}");
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    let ss = std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&ss.stdout), "");
}

#[test]
fn a_missing_code_or_command_fails_with_one_line() {
    let (_, sb, role) = counted();
    let marker = sb.home().join("ran");
    let script = format!("touch '{}'", marker.display());
    exec_sh(&sb, &[&role], &script).fails(2, "there is no terminal to ask on");
    assert!(!marker.exists(), "the child ran without credentials");
    sb.run(&[
        "exec",
        "--server",
        "-c",
        "123456",
        "--",
        "no-such-command-here",
    ])
    .fails(1, "cannot run no-such-command-here");
}

#[test]
fn the_child_s_exit_status_and_signals_pass_through() {
    let (_, sb, _) = counted();
    assert_eq!(exec_sh(&sb, &["-c", "123456"], "exit 7").code, 7);
    assert_eq!(exec_sh(&sb, &["-c", "123456"], "kill -KILL $$").code, 137);
    // The child starts with no signal blocked, though awsmfa blocks some.
    let mask = sb.run(&[
        "exec",
        "--server",
        "-c",
        "123456",
        "--",
        "grep",
        "^SigBlk",
        "/proc/self/status",
    ]);
    assert_eq!(
        mask.stdout, "SigBlk:\t0000000000000000\n",
        "{}",
        mask.stderr
    );
    for (signal, status) in [(libc::SIGTERM, 5), (libc::SIGINT, 6)] {
        let _ = std::fs::remove_file(sb.home().join("ready"));
        let script = "trap 'echo TERM > \"$HOME/got\"; exit 5' TERM\n\
                      trap 'echo INT > \"$HOME/got\"; exit 6' INT\n\
                      touch \"$HOME/ready\"\n\
                      for i in $(seq 300); do sleep 0.1; done; exit 9";
        let child = sb.exec_server(script);
        // SAFETY: kill(2) on the awsmfa the test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let run: Run = child.wait_with_output().unwrap().into();
        assert_eq!(run.code, status, "{}", run.stderr);
        let got = std::fs::read_to_string(sb.home().join("got")).unwrap();
        assert_eq!(got.trim(), if status == 5 { "TERM" } else { "INT" });
    }
}

#[test]
fn ctrl_c_at_the_terminal_reaches_the_child_once_and_awsmfa_outlives_it() {
    let (_, sb, _) = counted();
    // The child counts the SIGINTs it gets and exits 3 a moment later: awsmfa must still be
    // there to pass that on. The terminal interrupts its whole foreground group, the child
    // included, so awsmfa must not send it again: strace records every kill(2).
    let child_script = "$n = 0; $SIG{INT} = sub { $n++ }; $| = 1; print \"ready\\n\"; \
                        select(undef, undef, undef, 0.1) for 1 .. 20; print \"interrupts=$n\\n\"; exit 3";
    let driver = r#"
import pexpect, sys
child = pexpect.spawn(sys.argv[1], sys.argv[2:], encoding='utf-8', timeout=60)
child.expect('ready')
child.sendintr()
child.expect('interrupts=[0-9]+')
print(child.after)
child.expect(pexpect.EOF)
child.close()
print(child.exitstatus, child.signalstatus)
"#;
    let log = sb.home().join("kills");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            driver,
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=kill",
            "-e",
            "signal=none",
            "-o",
        ])
        .arg(&log)
        .args([
            bin(),
            "exec",
            "--server",
            "-c",
            "123456",
            "--",
            "perl",
            "-e",
            child_script,
        ])
        .env("HOME", sb.home())
        .env("AWS_ENDPOINT_URL", &sb.endpoint)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        "interrupts=1\n3 None",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kills = std::fs::read_to_string(&log).unwrap();
    assert!(!kills.contains("SIGINT"), "{kills}");
}

fn rfc3339(epoch: i64) -> String {
    aws_smithy_types::DateTime::from_secs(epoch)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap()
}

#[test]
fn concurrent_requests_during_a_renewal_share_it() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let upstream = moto.url.clone();
    let assumed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = assumed.clone();
    // The first role session ends inside the refresh window; the renewal is slow.
    let proxy = Fake::start(move |req| {
        if req.action() != "AssumeRole" {
            return Reply::Forward(upstream.clone());
        }
        if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            let soon = rfc3339(now() + 200);
            return Reply::Http(
                200,
                sts_credentials("AssumeRole", "ASIAFIRST", "s", "t", &soon),
            );
        }
        std::thread::sleep(Duration::from_secs(2));
        Reply::Forward(upstream.clone())
    });
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    let run = exec_sh(
        &sb,
        &[&role, "-c", "123456"],
        &python("print('keys', *together(10))"),
    );
    run.ok();
    let keys: Vec<&str> = one_line(&run.stdout, "keys").split(' ').collect();
    assert_eq!(keys.len(), 10);
    assert!(
        keys[0].starts_with("ASIA") && keys[0] != "ASIAFIRST",
        "{keys:?}"
    );
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(proxy.count("AssumeRole"), 2, "the first, and one renewal");
}

/// A sandbox whose MFA session cache holds a session that ends in `secs` s (by moto's lax
/// rules any keys do), with an `mfa_process` that logs each run to `$HOME/codes` and takes
/// a second.
fn ending_session(secs: i64) -> (Fake, Sandbox, String, i64) {
    let (proxy, mut sb, role) = counted();
    let user_key = value(&sb.creds(), "identity", "aws_access_key_id").unwrap();
    let dir = sb.home().join(".cache/awsmfa");
    std::fs::create_dir_all(&dir).unwrap();
    // Private, as awsmfa keeps them: it discards a session file others could read.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.join(format!("session-{user_key}"));
    let expiration = now() + secs;
    std::fs::write(
        &file,
        format!(
            "[session]\nserial = arn:aws:iam::123456789012:mfa/planted\n\
             aws_access_key_id = ASIAPLANTED\naws_secret_access_key = s\n\
             aws_session_token = t\nexpiration = {expiration}\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    sb.set(
        "AWS_MFA_PROCESS",
        "echo run >> \"$HOME/codes\"; sleep 1; echo 123456",
    )
    .set("AWSMFA_REFRESH_WINDOW", "100000");
    // When the cached session is past the margin a session must keep (600 s).
    (proxy, sb, role, expiration - 600)
}

fn codes_asked(sb: &Sandbox) -> usize {
    std::fs::read_to_string(sb.home().join("codes"))
        .unwrap_or_default()
        .lines()
        .count()
}

/// Waits in the child until `epoch` has passed.
fn until(epoch: i64) -> String {
    format!("while [ \"$(date +%s)\" -le {epoch} ]; do sleep 0.2; done\n")
}

#[test]
fn when_the_mfa_session_ends_one_code_is_asked_for_all_waiting_requests() {
    let (proxy, sb, role, stale) = ending_session(606);
    let script = format!(
        "echo \"before $(cat \"$HOME/codes\" 2>/dev/null | wc -l)\"\n{}{}",
        until(stale),
        python("print('keys', *together(6)); print('again', key())")
    );
    let run = exec_sh(&sb, &[&role], &script);
    run.ok();
    assert_eq!(
        one_line(&run.stdout, "before"),
        "0",
        "the cached session served first"
    );
    assert_eq!(codes_asked(&sb), 1, "{}", run.stderr);
    assert_eq!(proxy.count("GetSessionToken"), 1);
    let keys = one_line(&run.stdout, "keys");
    assert!(keys.split(' ').all(|k| k.starts_with("ASIA")), "{keys}");
    assert!(one_line(&run.stdout, "again").starts_with("ASIA"));
    // Before the end, on the cached session; after it, on the new one.
    let signers = proxy.key_ids("AssumeRole");
    assert_eq!(signers[0], "ASIAPLANTED");
    assert!(
        signers[1..].iter().all(|k| k == "AKIAIOSFODNN7EXAMPLE"),
        "{signers:?}"
    );
}

#[test]
fn when_the_mfa_session_ends_a_session_cached_meanwhile_is_used() {
    let (proxy, sb, role, stale) = ending_session(606);
    let go = sb.home().join("go");
    let script = format!(
        "touch \"$HOME/ready\"\nwhile [ ! -e '{}' ]; do sleep 0.1; done\n{}{}",
        go.display(),
        until(stale),
        python("print('key', key())")
    );
    let child = sb
        .command(&["exec", "--server", &role, "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&sb.home().join("ready"));
    // Another run (say, in a terminal) starts a new MFA session meanwhile.
    sb.run(&["forget"]).ok();
    sb.run(&["-c", "654321", "-t", "other"]).ok();
    std::fs::write(&go, "").unwrap();
    let run: Run = child.wait_with_output().unwrap().into();
    run.ok();
    assert_eq!(codes_asked(&sb), 0, "{}", run.stderr);
    assert_eq!(proxy.count("GetSessionToken"), 1, "the other run's only");
    assert!(one_line(&run.stdout, "key").starts_with("ASIA"));
    // The renewal chained on the new session, not on the one that had ended.
    let signers = proxy.key_ids("AssumeRole");
    assert_eq!(signers[0], "ASIAPLANTED");
    assert_eq!(signers[1..], ["AKIAIOSFODNN7EXAMPLE"], "{signers:?}");
}

#[test]
fn a_code_given_with_c_serves_the_first_session_only() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let upstream = moto.url.clone();
    // MFA sessions that end in 606 s: past the 600 s a session must keep within seconds.
    let ends = now() + 606;
    let proxy = Fake::start(move |req| {
        if req.action() == "GetSessionToken" {
            let soon = rfc3339(ends);
            return Reply::Http(
                200,
                sts_credentials("GetSessionToken", "ASIASHORT", "s", "t", &soon),
            );
        }
        Reply::Forward(upstream.clone())
    });
    let mut sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    sb.set(
        "AWS_MFA_PROCESS",
        "echo run >> \"$HOME/codes\"; echo 654321",
    )
    .set("AWSMFA_REFRESH_WINDOW", "100000");
    let script = format!("{}{}", until(ends - 600), python("print('key', key())"));
    let run = exec_sh(&sb, &[&role, "-c", "123456"], &script);
    run.ok();
    assert!(one_line(&run.stdout, "key").starts_with("ASIA"));
    // The spent code is not sent again: the next session's code came from mfa_process.
    let codes: Vec<String> = proxy
        .bodies("GetSessionToken")
        .iter()
        .map(|b| {
            b.split('&')
                .find(|p| p.starts_with("TokenCode="))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        codes,
        ["TokenCode=123456", "TokenCode=654321"],
        "{}",
        run.stderr
    );
    assert_eq!(codes_asked(&sb), 1);
}

/// The value of `set -gx NAME 'value';` (fish) or `export NAME='value';` (sh).
fn printed(stdout: &str, name: &str) -> String {
    stdout
        .lines()
        .find_map(|l| {
            let rest = l
                .strip_prefix(&format!("set -gx {name} "))
                .or_else(|| l.strip_prefix(&format!("export {name}=")))?;
            Some(rest.strip_suffix(';')?.trim_matches('\'').to_string())
        })
        .unwrap_or_else(|| panic!("no {name} in {stdout}"))
}

/// GET / with `token` as the Authorization header: the status and the body.
fn get(uri: &str, token: &str) -> (u16, String) {
    let addr = uri.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    (status, resp.split_once("\r\n\r\n").unwrap().1.to_string())
}

/// `awsmfa serve ARGS` started, and the variables it printed.
fn serving(sb: &Sandbox, args: &[&str]) -> (Child, String) {
    let mut all = vec!["serve"];
    all.extend(args);
    let mut child = sb
        .command(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    for _ in 0..3 {
        stdout.read_line(&mut text).unwrap();
    }
    (child, text)
}

#[test]
fn serve_prints_the_variables_and_serves_until_interrupted() {
    let (_, sb, role) = counted();
    let port = free_port();
    let (child, vars) = serving(&sb, &[&role, "-c", "123456", "--port", &port.to_string()]);
    // POSIX syntax without --shell.
    assert!(vars.lines().all(|l| l.starts_with("export ")), "{vars}");
    let uri = printed(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_eq!(uri, format!("http://127.0.0.1:{port}/"));
    let token = printed(&vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    assert_eq!(printed(&vars, "AWS_SHARED_CREDENTIALS_FILE"), "/dev/null");
    let (status, body) = get(&uri, &token);
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(get(&uri, "nope").0, 403);
    // A second server cannot take the same port.
    sb.run(&["serve", &role, "-c", "123456", "--port", &port.to_string()])
        .fails(1, &format!("cannot listen on 127.0.0.1:{port}"));

    // SAFETY: kill(2) on the awsmfa the test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let run: Run = child.wait_with_output().unwrap().into();
    run.ok();
    assert_eq!(
        run.stderr.lines().last(),
        Some(format!("Serving credentials on {uri} until interrupted.").as_str()),
        "{}",
        run.stderr
    );
    for secret in [token.as_str(), doc["SecretAccessKey"].as_str().unwrap()] {
        assert!(!run.stderr.contains(secret), "{}", run.stderr);
    }
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());

    // fish's syntax on request, a free port without --port.
    let (mut child, vars) = serving(&sb, &[&role, "--shell", "fish"]);
    assert!(vars.lines().all(|l| l.starts_with("set -gx ")), "{vars}");
    let uri = printed(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_eq!(
        get(&uri, &printed(&vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN")).0,
        200
    );
    // SAFETY: kill(2) on the awsmfa the test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(0));

    // No cached session and no code: no server.
    sb.run(&["forget"]).ok();
    sb.run(&["serve", &role])
        .fails(2, "there is no terminal to ask on");
}
