//! Hostile neighbours: files that are not files, a sign-in endpoint that lies about its host,
//! a sign-in URL in a process list, another user flooding the credential server, and profiles
//! that share one keyring item.

mod files;
mod flood;
mod keys;
mod opener;
mod signin;

use crate::harness::*;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `cmd` and returns what it did, failing the test when it has not finished by itself
/// within `limit` (it is killed then): the hangs under test never end on their own. Memory is
/// capped, so a run that reads without end dies instead of taking the machine.
pub fn finishes(mut cmd: Command, limit: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            Ok(())
        });
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id() as i32;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap().into(),
        Err(_) => {
            // SAFETY: kill sends a signal to the child this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("{cmd:?} had not finished after {limit:?}: it hangs");
        }
    }
}

/// A listener on `ip` that records the head of every request it gets and answers each with
/// `status` and `body`, closing the connection: a stand-in for a host the test may not reach,
/// or a proxy that must hear nothing.
pub struct Listener {
    pub addr: std::net::SocketAddr,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Listener {
    pub fn start(ip: &str, status: u16, body: &str) -> Listener {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (log, body) = (heads.clone(), body.to_string());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut head = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    head.push_str(&line);
                    line.clear();
                }
                log.lock().unwrap().push(head);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Listener { addr, heads }
    }

    /// The heads of the requests so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}
