//! A fault-injecting HTTP endpoint, for what moto cannot produce, and the STS answers it gives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

    /// A fake STS that grants every request an MFA session expiring at `expiration`.
    pub fn granting(expiration: &str) -> Fake {
        let answer = sts_credentials("GetSessionToken", "ASIAR", "s", "t", expiration);
        Fake::start(move |_| Reply::Http(200, answer.clone()))
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
