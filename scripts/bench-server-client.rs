//! The load generator of scripts/bench-server (std only; the script builds it with rustc -O).
//! Times GET requests to the credential server and checks every answer.
//!
//! Usage: bench-server-client URL TOKEN MODE ARGS
//!   seq N        one keep-alive connection, N requests in turn
//!   fresh N      a new connection for each request, N in turn
//!   burst C      C connections at once, one request each (C threads released together)
//!   load C N     C keep-alive connections in as many threads, N requests in all
//! Prints one line: requests errors seconds requests_per_second p50_us p99_us max_us

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

struct Conn {
    reader: BufReader<TcpStream>,
    request: Arc<Vec<u8>>,
}

impl Conn {
    fn open(addr: &str, request: Arc<Vec<u8>>) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            reader: BufReader::new(stream),
            request,
        })
    }

    /// One request and its whole answer; an error unless it is a 200 with credentials.
    fn get(&mut self) -> std::io::Result<()> {
        let bad = |what: String| std::io::Error::other(what);
        self.reader.get_mut().write_all(&self.request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        if !line.starts_with("HTTP/1.1 200 ") {
            return Err(bad(format!("status line {line:?}")));
        }
        let mut length = 0;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("answer cut short".into()));
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().map_err(|_| bad(line.clone()))?;
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        if !body.starts_with(b"{\"AccessKeyId\":\"") {
            return Err(bad("no credentials in the answer".into()));
        }
        Ok(())
    }
}

/// Latencies in µs (errors are not timed) and the number of errors.
type Sample = (Vec<f64>, usize);

fn timed(f: impl FnOnce() -> std::io::Result<()>, sample: &mut Sample) {
    let t = Instant::now();
    match f() {
        Ok(()) => sample.0.push(t.elapsed().as_secs_f64() * 1e6),
        Err(e) => {
            if sample.1 == 0 {
                eprintln!("bench-server-client: {e}");
            }
            sample.1 += 1;
        }
    }
}

fn sequential(addr: &str, request: Arc<Vec<u8>>, n: usize, fresh: bool) -> Sample {
    let mut sample = (Vec::with_capacity(n), 0);
    let mut kept = None;
    for _ in 0..n {
        if fresh {
            timed(|| Conn::open(addr, request.clone())?.get(), &mut sample);
        } else {
            let conn = match &mut kept {
                Some(conn) => conn,
                None => kept.insert(Conn::open(addr, request.clone()).expect("connect")),
            };
            timed(|| conn.get(), &mut sample);
        }
    }
    sample
}

/// `threads` threads released together, each opening a connection and making `each` requests.
fn parallel(addr: &str, request: Arc<Vec<u8>>, threads: usize, each: usize) -> Sample {
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (addr, request, start) = (addr.to_string(), request.clone(), start.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut sample = (Vec::with_capacity(each), 0);
                    start.wait();
                    let mut conn = None;
                    for _ in 0..each {
                        timed(
                            || {
                                let c = match &mut conn {
                                    Some(c) => c,
                                    None => conn.insert(Conn::open(&addr, request.clone())?),
                                };
                                c.get()
                            },
                            &mut sample,
                        );
                    }
                    sample
                })
                .expect("thread")
        })
        .collect();
    let mut all = (Vec::new(), 0);
    for h in handles {
        let (times, errors) = h.join().unwrap();
        all.0.extend(times);
        all.1 += errors;
    }
    all
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench-server-client URL TOKEN seq N | fresh N | burst C | load C N";
    let [_, url, token, mode, rest @ ..] = args.as_slice() else {
        panic!("{usage}")
    };
    let num = |i: usize| -> usize { rest.get(i).and_then(|v| v.parse().ok()).expect(usage) };
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let request = Arc::new(
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\n\r\n").into_bytes(),
    );
    let t = Instant::now();
    let (mut times, errors) = match mode.as_str() {
        "seq" => sequential(&addr, request, num(0), false),
        "fresh" => sequential(&addr, request, num(0), true),
        "burst" => parallel(&addr, request, num(0), 1),
        "load" => parallel(&addr, request, num(0), num(1) / num(0)),
        _ => panic!("{usage}"),
    };
    let seconds = t.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let n = times.len() + errors;
    println!(
        "{n} {errors} {seconds:.3} {:.0} {:.0} {:.0} {:.0}",
        n as f64 / seconds,
        percentile(&times, 50.0),
        percentile(&times, 99.0),
        times.last().copied().unwrap_or(f64::NAN)
    );
}
