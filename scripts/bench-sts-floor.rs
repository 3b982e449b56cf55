// The least any MFA tool must do for one GetSessionToken, as a process of its own: send the
// request, read the answer, and write the keys to the credentials file durably (a temporary
// file, fsync, rename over the file, fsync of its folder). `scripts/bench-peers` times it beside
// the tools: the Python awsmfa's time divided by this one is the most any tool can reach on the
// machine, whatever it is written in.
//
// Not done, as nothing here depends on it: SigV4 signing (moto does not check signatures; in
// awsmfa it is about 0.2 M instructions), reading ~/.aws/config, parsing the credentials file.
//
// Usage: bench-sts-floor HOST:PORT SERIAL CODE CREDENTIALS_FILE PROFILE
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, serial, code, file, profile] = &args[..] else {
        eprintln!("usage: bench-sts-floor HOST:PORT SERIAL CODE CREDENTIALS_FILE PROFILE");
        std::process::exit(2);
    };
    let body = format!(
        "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=21600&SerialNumber={}&TokenCode={code}",
        serial.replace(':', "%3A").replace('/', "%2F")
    );
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {endpoint}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKIAX/20260101/us-east-1/sts/aws4_request, \
         SignedHeaders=host, Signature=0\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(endpoint).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream.write_all(request.as_bytes()).expect("send");
    let answer = read_answer(&mut stream);
    let field = |name: &str| {
        let start = answer.find(&format!("<{name}>")).expect(name) + name.len() + 2;
        &answer[start..start + answer[start..].find('<').expect(name)]
    };
    let section = format!(
        "\n[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
        field("AccessKeyId"),
        field("SecretAccessKey"),
        field("SessionToken")
    );

    let path = Path::new(file);
    let folder = path.parent().expect("folder");
    let text = fs::read_to_string(path).expect("read");
    let temporary = folder.join(".credentials.floor.tmp");
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .expect("create");
    out.write_all(text.as_bytes()).expect("write");
    out.write_all(section.as_bytes()).expect("write");
    out.sync_all().expect("fsync");
    fs::rename(&temporary, path).expect("rename");
    File::open(folder)
        .and_then(|f| f.sync_all())
        .expect("fsync folder");
}

/// Reads one HTTP response whose body has a Content-Length; returns it as text.
fn read_answer(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).expect("receive");
        assert!(n > 0, "the endpoint closed the connection early");
        bytes.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&bytes);
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_ascii_lowercase();
            let length: usize = head
                .split("content-length:")
                .nth(1)
                .and_then(|v| v.lines().next())
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if bytes.len() >= end + 4 + length {
                assert!(head.starts_with("http/1.1 200"), "not a 200 answer: {text}");
                return text.into_owned();
            }
        }
    }
}
