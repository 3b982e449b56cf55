//! The little HTTP/1.1 the credential server speaks: a request head parsed (bounded, strict),
//! and an answer written. Pure, so every rule is unit-tested here.

/// The most a request head may take; the SDKs send about 200 bytes.
pub const MAX_HEAD: usize = 8 * 1024;

/// What the server needs of a request.
#[derive(Debug, PartialEq, Eq)]
pub struct Request<'a> {
    pub method: &'a str,
    pub target: &'a str,
    /// The `Authorization` header's value.
    pub authorization: Option<&'a [u8]>,
    /// Whether the connection may carry another request after the answer.
    pub keep_alive: bool,
}

/// Where the head ends (just past the blank line), once it has all arrived.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Parses a complete head (`head_end` bytes); the error is the status to answer with.
pub fn parse(head: &[u8]) -> Result<Request<'_>, u16> {
    let mut lines = head
        .strip_suffix(b"\r\n\r\n")
        .ok_or(400u16)?
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = std::str::from_utf8(lines.next().ok_or(400u16)?).map_err(|_| 400u16)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(400),
    };
    if method.is_empty() || !target.starts_with('/') {
        return Err(400);
    }
    let mut authorization = None;
    for line in lines {
        let colon = line.iter().position(|&b| b == b':').ok_or(400u16)?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        // A name with spaces (or a folded line) is what request smuggling is made of.
        if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
            return Err(400);
        }
        if name.eq_ignore_ascii_case(b"authorization") {
            if authorization.replace(value).is_some() {
                return Err(400);
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && version == "HTTP/1.0" {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || (name.eq_ignore_ascii_case(b"content-length") && value != b"0")
        {
            // No request of this protocol has a body; one we do not read would be taken for
            // the next request, so the connection ends after the answer.
            keep_alive = false;
        }
    }
    Ok(Request {
        method,
        target,
        authorization,
        keep_alive,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    }
}

/// A complete answer with a JSON body. Nothing in it may be stored by anyone on the way.
pub fn response(status: u16, body: &str, keep_alive: bool) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\n{allow}Connection: {connection}\r\n\r\n{body}",
        reason(status),
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Request<'_>, u16> {
        let end = head_end(text.as_bytes()).expect("a whole head");
        assert_eq!(end, text.len());
        parse(text.as_bytes())
    }

    #[test]
    fn the_requests_sdks_send() {
        let botocore = "GET / HTTP/1.1\r\nHost: 127.0.0.1:4567\r\nAccept-Encoding: identity\r\n\
                        Accept: application/json\r\nAuthorization: abc\r\nUser-Agent: Boto3\r\n\r\n";
        assert_eq!(
            parsed(botocore),
            Ok(Request {
                method: "GET",
                target: "/",
                authorization: Some(&b"abc"[..]),
                keep_alive: true,
            })
        );
        let r = parsed("GET /x HTTP/1.0\r\nauthorization:   t t  \r\n\r\n").unwrap();
        assert_eq!(r.authorization, Some(&b"t t"[..]));
        assert!(!r.keep_alive);
        assert_eq!(
            parsed("GET / HTTP/1.1\r\n\r\n").unwrap().authorization,
            None
        );
    }

    #[test]
    fn connection_rules() {
        let keep = |h: &str| parsed(h).unwrap().keep_alive;
        assert!(!keep("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!keep(
            "GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n"
        ));
        assert!(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        assert!(keep("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
        assert!(!keep("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
        assert!(!keep(
            "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        ));
    }

    #[test]
    fn malformed_heads_are_400() {
        for bad in [
            "GET /\r\n\r\n",
            "GET / HTTP/2\r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "GET http://x/ HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1 x\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nAuthorization : t\r\n\r\n",
            "GET / HTTP/1.1\r\n folded: t\r\n\r\n",
            "GET / HTTP/1.1\r\nAuthorization: a\r\nauthorization: b\r\n\r\n",
            "\r\n\r\n",
        ] {
            assert_eq!(parsed(bad), Err(400), "{bad:?}");
        }
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\n\xff: x\r\n\r\n").unwrap().method,
            "GET"
        );
        assert_eq!(parse(b"G\xffT / HTTP/1.1\r\n\r\n"), Err(400));
    }

    #[test]
    fn heads_end_at_the_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nGET"), Some(18));
    }

    #[test]
    fn answers() {
        let text = String::from_utf8(response(200, "{}", true)).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\
             Cache-Control: no-store\r\nConnection: keep-alive\r\n\r\n{}"
        );
        let text = String::from_utf8(response(405, "", false)).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Allow: GET\r\nConnection: close\r\n\r\n"),
            "{text}"
        );
    }
}
