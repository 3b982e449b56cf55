//! Item 1 of the hostile review: another local user, without the token, floods the credential
//! server with more connections than it keeps open and re-sends requests on them; the owner's
//! request must still be answered at once.

use crate::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

/// Another user's flood: COUNT connections to the server, half of them sending `GET /` without
/// the token every two seconds, half sending nothing, all re-opened when the server closes
/// them, for SECONDS; then the number of answers it got. Prints `ready` once all are open.
const FLOOD: &str = r#"
import socket, sys, time
host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
req = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
def conn(i):
    try:
        s = socket.create_connection((host, port), timeout=0.5)
        if i % 2 == 0:
            s.sendall(req)
        s.setblocking(False)
        return s
    except OSError:
        return None
socks = [conn(i) for i in range(count)]
print('ready', sum(s is not None for s in socks), flush=True)
answers, end = 0, time.time() + seconds
while time.time() < end:
    time.sleep(2)
    for i, s in enumerate(socks):
        if s is not None:
            try:
                data = s.recv(65536)
                answers += data.count(b'HTTP/1.1 ')
                if data:
                    i % 2 == 0 and s.sendall(req)
                    continue
            except BlockingIOError:
                i % 2 == 0 and s.sendall(req)
                continue
            except OSError:
                pass
            s.close()
        socks[i] = conn(i)
print('answers', answers, flush=True)
"#;

/// The owner's request with the token: its status, or `None` when no answer came within two
/// seconds.
fn owners_request(addr: &str, token: &str) -> Option<u16> {
    let deadline = Duration::from_secs(2);
    let mut s = TcpStream::connect_timeout(&addr.parse().unwrap(), deadline).ok()?;
    s.set_read_timeout(Some(deadline)).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn value(vars: &str, name: &str) -> String {
    vars.lines()
        .find_map(|l| {
            l.strip_prefix(&format!("export {name}='"))?
                .strip_suffix("';")
        })
        .unwrap_or_else(|| panic!("no {name} in {vars}"))
        .to_string()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn another_users_flood_never_starves_the_owner() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let mut serve = sb
        .command(&["serve", "-c", "123456"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(serve.stdout.take().unwrap());
    let _serve = Killed(serve);
    let mut vars = String::new();
    for _ in 0..3 {
        out.read_line(&mut vars).unwrap();
    }
    let uri = value(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    let token = value(&vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    let addr = uri.trim_start_matches("http://").trim_end_matches('/');
    assert_eq!(owners_request(addr, &token), Some(200), "before the flood");

    let (host, port) = addr.split_once(':').unwrap();
    let mut flood = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .args(["/usr/bin/python3", "-c", FLOOD, host, port, "1100", "10"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut flood_out = BufReader::new(flood.stdout.take().unwrap());
    let flood = Killed(flood);
    let mut ready = String::new();
    flood_out.read_line(&mut ready).unwrap();
    let opened: usize = ready
        .trim()
        .strip_prefix("ready ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(opened > 1024, "the flood opened only {opened} connections");
    // While the flood re-sends its requests, the owner asks several times.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(
            owners_request(addr, &token),
            Some(200),
            "the owner got no answer within 2 s during the flood"
        );
    }
    let mut rest = String::new();
    flood_out.read_to_string(&mut rest).unwrap();
    let answers: usize = rest
        .trim()
        .strip_prefix("answers ")
        .unwrap_or_else(|| panic!("{rest}"))
        .parse()
        .unwrap();
    assert!(answers > 0, "the flood reached the server");
    drop(flood);
}
