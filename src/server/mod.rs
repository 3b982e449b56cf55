//! The local credential server of `exec --server` and `serve`: the container-credentials
//! protocol every AWS SDK and the aws CLI read (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), on
//! 127.0.0.1 only. A request must carry the run's random token as its `Authorization` header;
//! the answer is the job's current credentials, renewed as they near their end
//! (`provider`). Each connection is served by a thread of a pool that grows on demand and
//! shrinks when idle, bounded in time and size. Until a connection has shown the token it is a
//! stranger (`strangers`): a budget of its own, a short deadline, closed after its refusal,
//! and making way for newer connections, so that another user cannot starve the owner.

mod http;
mod provider;
pub mod signals;
mod strangers;

use crate::aws::TempCreds;
use crate::error::{Error, Result};
use crate::files::childconfig::ConfigCopy;
use crate::files::config;
use crate::job::CredentialJob;
use crate::shell::contract;
use crate::timefmt;
use crate::ui;
use http::Request;
use provider::{Provider, Renew};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use strangers::{Conn, Strangers};

/// Variables that would make an SDK take other credentials than the server's: keys (with the
/// older names the Java SDK v1 and the Go and Ruby SDKs still read), profiles, other container
/// endpoints, and the awsmfa shell state that renews keys into a shell.
pub const SHADOWING: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AMAZON_ACCESS_KEY_ID",
    "AMAZON_SECRET_ACCESS_KEY",
    "AMAZON_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWSMFA_EXPIRATION",
    "AWSMFA_EXPIRATION_STAMP",
    "AWSMFA_SOURCE",
];

/// How long a request may take to arrive, and an idle connection may stay open, once the
/// connection has shown the token.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection that has not shown the token may take to send its first request:
/// the SDKs send it as soon as they connect.
const STRANGER_TIMEOUT: Duration = Duration::from_secs(3);
/// Connections that have shown the token kept open at once; past that, one is answered and
/// closed.
const MAX_CONNECTIONS: usize = 1024;
/// How long a thread that has served a connection waits for another before it ends. A thread
/// that waits is woken at once where a new one may wait for a busy CPU.
const IDLE_THREAD: Duration = Duration::from_secs(60);

/// Where the server listens and the token it wants.
pub struct Endpoint {
    pub url: String,
    pub token: String,
}

impl Endpoint {
    /// What points an SDK at the server. The SDKs read a `[default]` profile in the
    /// credentials file before the container endpoint, so that file is made empty for them:
    /// AWS_SHARED_CREDENTIALS_FILE for most, AWS_CREDENTIAL_PROFILES_FILE for the Java SDK v1.
    /// (The config file stays, for its regions and endpoints; see `config_copy` for a
    /// `[default]` there that would outrank the server.)
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", self.url.clone()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", self.token.clone()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_string()),
            ("AWS_CREDENTIAL_PROFILES_FILE", "/dev/null".to_string()),
        ]
    }
}

/// A private copy of the config file for the programs pointed at the server
/// (`AWS_CONFIG_FILE`), when its default profile holds a source of credentials that would
/// outrank the server; said once, naming the keys hidden from `whom`. The copy is removed
/// when dropped.
pub fn config_copy(whom: &str) -> Result<Option<ConfigCopy>> {
    let copy = ConfigCopy::make()?;
    if let Some(copy) = &copy {
        ui::notice(&format!(
            "{whom} reads a copy of {} whose [default] lacks {}, which would outrank the \
             credential server.",
            config::path().display(),
            copy.hidden.join(", ")
        ));
    }
    Ok(copy)
}

/// The job's first credentials, obtained before anything listens (so that a missing code fails
/// at once), and what renews them afterwards.
pub fn prepare(mut job: CredentialJob) -> Result<Provider<CredentialJob>> {
    // The server never edits the credentials file: its text need not live as long.
    job.take_file();
    let first = job.credentials()?;
    job.spend_given_code();
    let window = contract::env_seconds("AWSMFA_REFRESH_WINDOW", contract::REFRESH_WINDOW);
    Ok(Provider::new(job, first, window))
}

/// Listens on 127.0.0.1:`port` (0: a free port) and serves from threads of its own until the
/// process ends.
pub fn listen<S: Renew + 'static>(provider: Provider<S>, port: u16) -> Result<Endpoint> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
        Error::runtime(format!(
            "cannot listen on 127.0.0.1:{port}: {e}; pick another --port, or none for a free one"
        ))
    })?;
    // std listens with a backlog of 128: in a burst of more connections the rest would wait
    // for the client's SYN to be sent again, a second and more later.
    // SAFETY: listen(2) again on our own listening socket only changes its backlog.
    unsafe { libc::listen(listener.as_raw_fd(), MAX_CONNECTIONS as libc::c_int) };
    let addr = listener
        .local_addr()
        .map_err(|e| Error::runtime(format!("cannot read the server's address: {e}")))?;
    let token = token()?;
    let server = Arc::new(Server {
        provider,
        token: token.clone(),
        slots: Slots::default(),
        strangers: Arc::default(),
    });
    std::thread::Builder::new()
        .name("accept".into())
        .spawn(move || server.accept(&listener))
        .map_err(|e| Error::runtime(format!("cannot start the server: {e}")))?;
    Ok(Endpoint {
        url: format!("http://{addr}/"),
        token,
    })
}

/// 256 random bits, hex-encoded.
fn token() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::runtime(format!("cannot read /dev/urandom for a token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equality in time that does not depend on where the values differ.
fn same(given: &[u8], token: &[u8]) -> bool {
    let diff = given
        .iter()
        .zip(token)
        .fold(0u8, |acc, (a, b)| std::hint::black_box(acc | (a ^ b)));
    given.len() == token.len() && diff == 0
}

/// The answer to a request with the right token: the protocol's JSON document.
fn document(creds: &TempCreds) -> String {
    serde_json::json!({
        "AccessKeyId": creds.keys.access_key_id,
        "SecretAccessKey": creds.keys.secret_access_key,
        "Token": creds.keys.session_token.as_deref().unwrap_or_default(),
        "Expiration": timefmt::rfc3339(creds.expiration),
    })
    .to_string()
}

/// Writes the last answer and closes. What the client still sends (a body, the rest of an
/// oversized head) is read first, briefly: closing with unread input would reset the
/// connection, and the client could lose the answer.
fn close_after(stream: &mut TcpStream, answer: &[u8]) {
    if stream.write_all(answer).is_ok() && stream.shutdown(Shutdown::Write).is_ok() {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let _ = std::io::copy(&mut (&*stream).take(64 * 1024), &mut std::io::sink());
    }
}

fn refusal(code: &str, message: &str) -> String {
    serde_json::json!({"Code": code, "Message": message}).to_string()
}

/// A count of the connections that have shown the token and are kept open.
#[derive(Default)]
struct Slots {
    taken: AtomicUsize,
}

impl Slots {
    /// A place, if one is free.
    fn take(&self) -> bool {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_CONNECTIONS).then_some(n + 1)
            })
            .is_ok()
    }

    fn free(&self) {
        self.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Server<S> {
    provider: Provider<S>,
    token: String,
    slots: Slots,
    strangers: Arc<Strangers>,
}

impl<S: Renew + 'static> Server<S> {
    /// Hands each connection to a thread that has finished its last one, else to a new one.
    /// Never waits for a place: a new connection is a stranger (see strangers.rs).
    fn accept(self: Arc<Self>, listener: &TcpListener) {
        // A rendezvous: a send succeeds only while an idle thread waits to receive.
        let (idle, waiting) = mpsc::sync_channel::<Conn>(0);
        let waiting = Arc::new(Mutex::new(waiting));
        loop {
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                // Out of file descriptors, most likely: let connections finish.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            let conn = self.strangers.admit(stream);
            let Err(TrySendError::Full(conn)) = idle.try_send(conn) else {
                continue;
            };
            let (server, waiting) = (self.clone(), waiting.clone());
            // Dropped (closed) with the closure when no thread can be started.
            let _ = std::thread::Builder::new().spawn(move || server.work(conn, &waiting));
        }
    }

    /// Serves connections until none has come for a while.
    fn work(&self, mut conn: Conn, waiting: &Mutex<mpsc::Receiver<Conn>>) {
        loop {
            self.connection(conn);
            let next = waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .recv_timeout(IDLE_THREAD);
            match next {
                Ok(next) => conn = next,
                Err(_) => return,
            }
        }
    }

    /// Requests on one connection, in turn, until the client or a timeout ends it.
    fn connection(&self, mut conn: Conn) {
        let mut kept = false;
        self.requests(&mut conn, &mut kept);
        if kept {
            self.slots.free();
        }
    }

    /// `connection`'s loop; `kept` tells whether it holds one of the slots.
    fn requests(&self, conn: &mut Conn, kept: &mut bool) {
        let _ = conn.stream.set_nodelay(true);
        let _ = conn.stream.set_write_timeout(Some(TIMEOUT));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 2048];
        loop {
            let timeout = if conn.stranger() {
                STRANGER_TIMEOUT
            } else {
                TIMEOUT
            };
            let deadline = Instant::now() + timeout;
            let stream = &mut conn.stream;
            let end = loop {
                match http::head_end(&buf) {
                    Some(end) if end <= http::MAX_HEAD => break end,
                    None if buf.len() <= http::MAX_HEAD => {}
                    _ => return close_after(stream, &http::response(431, "", false)),
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
                    return;
                }
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            let (status, body, keep_alive) = match http::parse(&buf[..end]) {
                Ok(request) => {
                    let known = self.authorized(&request);
                    if known && conn.stranger() {
                        // Made to give way meanwhile: its socket is shut.
                        if !conn.known() {
                            return;
                        }
                        *kept = self.slots.take();
                    }
                    let (status, body) = self.answer(&request, known);
                    (status, body, request.keep_alive && known && *kept)
                }
                Err(status) => (status, String::new(), false),
            };
            let answer = http::response(status, &body, keep_alive);
            if !keep_alive {
                return close_after(&mut conn.stream, &answer);
            }
            if conn.stream.write_all(&answer).is_err() {
                return;
            }
            buf.drain(..end);
        }
    }

    /// Whether `request` carries the token.
    fn authorized(&self, request: &Request) -> bool {
        request
            .authorization
            .is_some_and(|given| same(given, self.token.as_bytes()))
    }

    /// The answer to `request`; one without the token (`known`) is refused, and its
    /// connection closed after.
    fn answer(&self, request: &Request, known: bool) -> (u16, String) {
        if request.authorization.is_none() {
            return (401, refusal("Unauthorized", "no Authorization header"));
        }
        if !known {
            return (403, refusal("Forbidden", "wrong Authorization token"));
        }
        if request.method != "GET" {
            return (405, refusal("MethodNotAllowed", "only GET is served"));
        }
        if request.target != "/" {
            return (404, refusal("NotFound", "the credentials are at /"));
        }
        match self.provider.get() {
            Ok(creds) => (200, document(&creds)),
            Err(msg) => (500, refusal("CredentialsUnavailable", &msg)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Keys;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        for other in [&b"abd"[..], b"ab", b"abcd", b"", b"ABC"] {
            assert!(!same(other, b"abc"), "{other:?}");
        }
        let (a, b) = (token().unwrap(), token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_protocol_document() {
        let creds = TempCreds {
            keys: Keys {
                access_key_id: "ASIA1".into(),
                secret_access_key: "s\"e".into(),
                session_token: Some("t".into()),
            },
            expiration: 1_795_843_871,
        };
        let doc: serde_json::Value = serde_json::from_str(&document(&creds)).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"AccessKeyId": "ASIA1", "SecretAccessKey": "s\"e", "Token": "t",
                "Expiration": "2026-11-28T05:31:11Z"})
        );
    }
}
