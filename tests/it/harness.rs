//! The one integration-test harness: a real moto server, a sandboxed HOME per test, the awsmfa
//! binary, and a fault-injecting HTTP endpoint for what moto cannot produce.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// The binary under test: this build's, or the one AWSMFA_TEST_BIN names — to show that a new
/// test fails on an older awsmfa.
pub fn bin() -> &'static str {
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("AWSMFA_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_awsmfa").to_string())
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A name no other test in this run uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Makes what `cmd` starts die with the thread that started it.
fn tie(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe; it only sets the death signal of the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// Starts `program args` so that it dies with the thread that started it.
fn spawn_tied(program: &str, args: &[&str]) -> Child {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    tie(&mut cmd);
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e} (is moto[server] installed?)"))
}

/// Minimal HTTP/1.0 request; returns status code and body.
pub fn http(url: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let status = resp.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

pub struct Moto {
    pub url: String,
    child: Option<Child>,
}

impl Moto {
    pub fn spawn(program: &str, extra: &[&str]) -> Moto {
        let port = free_port().to_string();
        let mut args = extra.to_vec();
        args.extend(["-H", "127.0.0.1", "-p", &port]);
        let child = spawn_tied(program, &args);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !matches!(http(&url, "GET", "/moto-api/", ""), Ok((200, _))) {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on {url}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            url,
            child: Some(child),
        }
    }

    /// A server of the test's own, for tests that change server-wide state (authentication).
    pub fn start() -> Moto {
        Moto::spawn("moto_server", &[])
    }

    /// One server shared by the tests that only add their own uniquely named users and roles.
    /// It is started from a thread that lives as long as the test process, and dies with it.
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Moto> = OnceLock::new();
        SHARED.get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut moto = Moto::start();
                let child = moto.child.take();
                tx.send(moto).unwrap();
                let _keep = child;
                loop {
                    std::thread::park();
                }
            });
            rx.recv().unwrap()
        })
    }

    /// Turns moto's request authentication on (IAM policies and signatures are then checked).
    pub fn auth_on(&self) {
        let (status, body) = http(&self.url, "POST", "/moto-api/reset-auth", "0").unwrap();
        assert_eq!(status, 200, "{body}");
    }

    fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn sdk_config(&self, key: &str, secret: &str, token: Option<&str>) -> aws_config::SdkConfig {
        let creds = aws_credential_types::Credentials::new(
            key,
            secret,
            token.map(str::to_string),
            None,
            "test",
        );
        Self::block(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .credentials_provider(creds)
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(&self.url)
                .load(),
        )
    }

    /// An IAM client with moto's admin-like default keys.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config("AKIAADMIN", "admin", None))
    }

    /// An STS client with the given keys.
    pub fn sts_as(&self, key: &str, secret: &str, token: Option<&str>) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.sdk_config(key, secret, token))
    }

    /// Blocks on an SDK future from a test.
    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        Self::block(f)
    }

    /// A new IAM user with an access key and `devices` enabled virtual MFA devices.
    pub fn user(&self, devices: usize) -> User {
        let iam = self.iam();
        let name = unique("user");
        Self::block(async {
            iam.create_user().user_name(&name).send().await.unwrap();
            let key = iam
                .create_access_key()
                .user_name(&name)
                .send()
                .await
                .unwrap();
            let key = key.access_key().unwrap();
            let mut serials = Vec::new();
            for i in 0..devices {
                let dev = iam
                    .create_virtual_mfa_device()
                    .virtual_mfa_device_name(format!("{name}-{i}"))
                    .send()
                    .await
                    .unwrap();
                let serial = dev
                    .virtual_mfa_device()
                    .unwrap()
                    .serial_number()
                    .to_string();
                iam.enable_mfa_device()
                    .user_name(&name)
                    .serial_number(&serial)
                    .authentication_code1("123456")
                    .authentication_code2("654321")
                    .send()
                    .await
                    .unwrap();
                serials.push(serial);
            }
            User {
                name: name.clone(),
                key_id: key.access_key_id().to_string(),
                secret: key.secret_access_key().to_string(),
                serials,
            }
        })
    }

    /// Gives the user every permission (for tests with authentication on).
    pub fn allow_all(&self, user: &User) {
        let iam = self.iam();
        Self::block(
            iam.put_user_policy()
                .user_name(&user.name)
                .policy_name("all")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                )
                .send(),
        )
        .unwrap();
    }

    /// A role anyone in the account may assume; returns its ARN.
    pub fn role(&self) -> String {
        self.role_lasting(None)
    }

    /// A role anyone in the account may assume, with this MaxSessionDuration (AWS's default,
    /// 3600 s, without); returns its ARN.
    pub fn role_lasting(&self, max: Option<i32>) -> String {
        let iam = self.iam();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let out = Self::block(
            iam.create_role()
                .role_name(unique("role"))
                .assume_role_policy_document(trust)
                .set_max_session_duration(max)
                .send(),
        )
        .unwrap();
        out.role().unwrap().arn().to_string()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct User {
    pub name: String,
    pub key_id: String,
    pub secret: String,
    pub serials: Vec<String>,
}

impl User {
    pub fn identity_section(&self) -> String {
        format!(
            "[identity]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.key_id, self.secret
        )
    }
}

/// What a run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// A failure: exactly one `awsmfa: error:` line containing `needle`, nothing on stdout.
    #[track_caller]
    pub fn fails(&self, code: i32, needle: &str) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stdout, "", "stdout must stay empty on failure");
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("awsmfa: error: "))
            .collect();
        assert_eq!(errors.len(), 1, "one error line expected: {}", self.stderr);
        assert!(
            errors[0].contains(needle),
            "{needle:?} not in {:?}",
            errors[0]
        );
        assert!(!self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"));
        self
    }
}

/// A HOME of the test's own, with `~/.aws/credentials` and the binary's environment.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub endpoint: String,
    pub env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new(endpoint: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        Sandbox {
            dir,
            endpoint: endpoint.to_string(),
            env: Vec::new(),
        }
    }

    /// A sandbox whose credentials file holds `user` as the identity profile.
    pub fn with_user(moto: &Moto, user: &User) -> Sandbox {
        let sb = Sandbox::new(&moto.url);
        sb.write_creds(&user.identity_section());
        sb
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn creds_path(&self) -> PathBuf {
        self.home().join(".aws/credentials")
    }

    pub fn write_creds(&self, text: &str) {
        std::fs::write(self.creds_path(), text).unwrap();
    }

    pub fn creds(&self) -> String {
        std::fs::read_to_string(self.creds_path()).unwrap()
    }

    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// `program` with a clean environment: only what a user's shell would plausibly have,
    /// HOME pointing at the sandbox, and the endpoint (in AWS_ENDPOINT_URL, unless it is
    /// empty).
    fn clean(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("NO_PROXY", "127.0.0.1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if !self.endpoint.is_empty() {
            cmd.env("AWS_ENDPOINT_URL", &self.endpoint);
        }
        cmd
    }

    /// The binary in a clean environment, with no controlling terminal.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.clean(bin());
        cmd.args(args);
        // SAFETY: setsid only detaches the child from our terminal, so /dev/tty is absent.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    /// Runs `line` with `sh -c` on a pseudo-terminal of its own (pexpect), in a clean
    /// environment, and plays `dialogue`: for each (text, answer) it waits for the text to
    /// show and types the answer and Enter; an answer of "\x03" is Ctrl-C alone.
    pub fn on_terminal(&self, line: &str, dialogue: &[(&str, &str)]) -> Screen {
        let script = r#"
import io, pexpect, sys
line, steps = sys.argv[1], sys.argv[2:]
child = pexpect.spawn('/bin/sh', ['-c', line], encoding='utf-8', timeout=30)
child.logfile_read = screen = io.StringIO()
status, want = 99, 'the end'
try:
    for want, say in zip(steps[::2], steps[1::2]):
        child.expect_exact(want)
        child.sendintr() if say == '\x03' else child.sendline(say)
    want = 'the end'
    child.expect(pexpect.EOF)
    child.close()
    status = child.exitstatus if child.signalstatus is None else 128 + child.signalstatus
except (pexpect.TIMEOUT, pexpect.EOF) as e:
    screen.write(f'\n[pexpect: {type(e).__name__} waiting for {want!r}]')
    child.close(force=True)
sys.stdout.write(screen.getvalue())
sys.exit(status)
"#;
        let mut cmd = self.clean("python3");
        cmd.arg("-c").arg(script).arg(line);
        for (want, say) in dialogue {
            cmd.args([want, say]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.code().is_some(),
            "pexpect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        Screen {
            status: out.status.code().unwrap(),
            text: text.replace("\r\n", "\n"),
        }
    }
}

/// What a run on a pseudo-terminal showed, and its exit status (128 + N when signal N ended
/// it, 99 when the text the dialogue waited for did not show).
pub struct Screen {
    pub status: i32,
    pub text: String,
}

/// A request the fault endpoint received.
#[derive(Clone)]
pub struct Request {
    /// Request line and headers.
    pub head: String,
    pub body: String,
}

impl Request {
    /// The query API's `Action` (GetSessionToken, AssumeRole, …).
    pub fn action(&self) -> &str {
        self.body
            .split('&')
            .find_map(|p| p.strip_prefix("Action="))
            .unwrap_or_default()
    }

    /// The access key id the request is signed with.
    pub fn key_id(&self) -> &str {
        self.head
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next())
            .unwrap_or_default()
    }
}

/// Limits the files `cmd` writes to `bytes` (RLIMIT_FSIZE, which binds root too), with
/// SIGXFSZ ignored so that a write past it fails with EFBIG, as on a full disk.
pub fn limit_file_size(cmd: &mut Command, bytes: u64) {
    // SAFETY: signal and setrlimit are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
}

/// What the fault endpoint does with a request.
pub enum Reply {
    /// Status and XML body.
    Http(u16, String),
    /// Status, extra header lines and XML body.
    WithHeaders(u16, String, String),
    /// Accept and never answer.
    Hang,
    /// Forward to a real server (moto) and pass its answer back.
    Forward(String),
}

/// An HTTP endpoint on 127.0.0.1 that answers every request with `reply(request)`, and counts
/// the requests by action.
pub struct Fake {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    /// Every request, in order.
    log: Arc<std::sync::Mutex<Vec<Request>>>,
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

impl Fake {
    pub fn start(reply: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = Fake {
            url,
            requests: Arc::default(),
            log: Arc::default(),
        };
        let (count, actions) = (fake.requests.clone(), fake.log.clone());
        let reply: Arc<Handler> = Arc::new(reply);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (reply, count, actions) = (reply.clone(), count.clone(), actions.clone());
                std::thread::spawn(move || serve(stream, &*reply, &count, &actions));
            }
        });
        fake
    }

    /// A counting proxy in front of `upstream`.
    pub fn proxy(upstream: &str) -> Fake {
        let upstream = upstream.to_string();
        Fake::start(move |_| Reply::Forward(upstream.clone()))
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests had this action.
    pub fn count(&self, action: &str) -> usize {
        self.bodies(action).len()
    }

    /// The bodies of the requests with this action.
    pub fn bodies(&self, action: &str) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|r| r.action() == action)
            .map(|r| r.body.clone())
            .collect()
    }

    /// The access key ids the requests with this action were signed with, in order.
    pub fn key_ids(&self, action: &str) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|r| r.action() == action)
            .map(|r| r.key_id().to_string())
            .collect()
    }

    /// The region each request was signed for (its SigV4 credential scope), in order.
    pub fn regions(&self) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter_map(|r| {
                let scope = r.head.split("Credential=").nth(1)?;
                scope.split('/').nth(2).map(str::to_string)
            })
            .collect()
    }
}

fn forward(upstream: &str, req: &Request) -> Vec<u8> {
    let addr = upstream.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    // One request a connection, so the answer ends where the stream does.
    let head: String = req
        .head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    write!(s, "{head}Connection: close\r\n\r\n{}", req.body).unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    resp
}

type Log = std::sync::Mutex<Vec<Request>>;

fn serve(stream: TcpStream, reply: &Handler, count: &AtomicUsize, actions: &Log) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut len = 0;
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            head.push_str(line.trim_end());
            head.push('\n');
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Request {
            head,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        count.fetch_add(1, Ordering::SeqCst);
        actions.lock().unwrap().push(req.clone());
        let bytes = match reply(&req) {
            Reply::Hang => {
                std::thread::sleep(Duration::from_secs(120));
                return;
            }
            Reply::Forward(upstream) => forward(&upstream, &req),
            Reply::Http(status, body) => respond(status, "", &body),
            Reply::WithHeaders(status, headers, body) => respond(status, &headers, &body),
        };
        if (&stream).write_all(&bytes).is_err() {
            return;
        }
    }
}

fn respond(status: u16, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// STS's XML error document.
pub fn sts_error(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
}

/// A GetSessionToken / AssumeRole answer carrying the given (XML-escaped) values.
pub fn sts_credentials(
    action: &str,
    key: &str,
    secret: &str,
    token: &str,
    expiration: &str,
) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         <Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{}</SessionToken><Expiration>{expiration}</Expiration></Credentials>\
         </{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>",
        esc(key),
        esc(secret),
        esc(token)
    )
}

/// Asserts that `stderr` ends with `Temporary credentials will expire in D.` where D, a
/// human duration such as `5h59m59s`, is at most `secs` and at most 5 s less (the time a run
/// under load may take between AWS's answer and the message).
#[track_caller]
pub fn assert_expires_in(stderr: &str, secs: i64) {
    let last = stderr.lines().last().unwrap_or_default();
    let d = last
        .strip_prefix("Temporary credentials will expire in ")
        .and_then(|d| d.strip_suffix('.'))
        .unwrap_or_else(|| panic!("no expiry message in {stderr:?}"));
    let mut total = 0;
    let mut n = 0;
    for c in d.chars() {
        match c {
            '0'..='9' => n = n * 10 + i64::from(c as u8 - b'0'),
            'd' | 'h' | 'm' | 's' => {
                total += n * [86400, 3600, 60, 1]["dhms".find(c).unwrap()];
                n = 0;
            }
            _ => panic!("odd duration {d:?}"),
        }
    }
    assert!(
        (secs - 5..=secs).contains(&total),
        "{d:?} is not about {secs} s"
    );
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A virtual X display of the test's own (Xvfb, on the first free display number), ended with
/// it; for the dialogs awsmfa shows when there is no terminal.
pub struct Xvfb {
    /// The value for DISPLAY.
    pub display: String,
    child: Child,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "800x600x24",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; it only sets the death signal of the child.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .expect("Xvfb (scripts/install-deps installs it)");
        // It writes the number it chose once it accepts clients.
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            BufReader::new(out).read_line(&mut line).ok();
            tx.send(line).ok();
        });
        let number = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let mut xvfb = Xvfb {
            display: format!(":{}", number.trim()),
            child,
        };
        assert!(
            !number.trim().is_empty(),
            "Xvfb did not start: {:?}",
            xvfb.child.try_wait()
        );
        xvfb
    }

    /// Runs `xdotool ARGS` on this display, for at most 20 s, and asserts that it succeeded;
    /// returns what it printed.
    #[track_caller]
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("timeout")
            .args(["20", "xdotool"])
            .args(args)
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .output()
            .expect("timeout and xdotool (scripts/install-deps installs xdotool)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "xdotool {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
