//! AWS's federation sign-in to the console, as the IAM User Guide describes it ("Enable custom
//! identity broker access to the AWS console"): role credentials are traded for a sign-in
//! token (`Action=getSigninToken`), and the token makes a login URL (`Action=login`) that signs
//! its holder in. Pure: the URLs and the answer's reading; cmd/console.rs does the I/O.

use super::{Keys, https};

/// Where tests point the sign-in requests (a stand-in on loopback), instead of AWS's endpoint.
pub const ENDPOINT_VAR: &str = "AWSMFA_SIGNIN_ENDPOINT";

/// The console session AWS allows for role credentials (SessionDuration, 15 min to 12 h).
pub const SESSION_RANGE: (u32, u32) = (900, 43_200);

/// The federation endpoint and the console of the role's partition (its ARN's second field).
pub fn partition_hosts(role_arn: &str) -> (&'static str, &'static str) {
    match role_arn.split(':').nth(1) {
        Some("aws-cn") => (
            "https://signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn",
        ),
        Some("aws-us-gov") => (
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com",
        ),
        _ => (
            "https://signin.aws.amazon.com/federation",
            "https://console.aws.amazon.com",
        ),
    }
}

/// The configured endpoint, refused unless it is https or plain http to this machine, read as
/// the HTTP client reads it (`https::destination`): the token request carries the role's
/// secret key.
pub fn check_endpoint(url: &str) -> Result<(), String> {
    let why = match https::destination(url) {
        Ok(_) if url.contains(['?', '#']) => "it has a query or fragment".to_string(),
        Ok(_) => return Ok(()),
        Err(why) => why,
    };
    Err(format!(
        "{ENDPOINT_VAR}={url:?} is not a sign-in endpoint awsmfa sends credentials to ({why}); \
         give an https:// URL without user name or query (plain http:// only to 127.0.0.1, \
         localhost or [::1]), or unset it for AWS's"
    ))
}

/// A console page (`--destination`): a path on the console, with its query and fragment.
pub fn check_destination(path: &str) -> Result<(), String> {
    if path.starts_with('/') && !path.starts_with("//") && !path.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(format!(
            "--destination {path:?} is not a console path; give one starting with /, such as \
             /s3/home or /ec2/home#Instances:"
        ))
    }
}

/// The console page `path` (checked) on `console`, in `region`. The region goes in the query,
/// before any fragment, where the console reads it.
pub fn destination(console: &str, path: &str, region: &str) -> String {
    let (page, fragment) = match path.split_once('#') {
        Some((page, fragment)) => (page, Some(fragment)),
        None => (path, None),
    };
    let sep = if page.contains('?') { '&' } else { '?' };
    let mut url = format!("{console}{page}{sep}region={}", encode(region));
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// The SessionDuration to ask for. The guide allows it (900-43200 s) for credentials from
/// AssumeRole, and says the federation request fails when the role was assumed with a
/// DurationSeconds by anything but an IAM user's long-term keys: that is role chaining, which
/// is how awsmfa assumes a role on the cached MFA session. Our reading: for chained credentials
/// the parameter is left out and AWS's default console session applies (AWS cannot be asked
/// from the tests). A role assumed directly with the identity's keys gets a console session as
/// long as its credentials.
pub fn session_duration(chained: bool, duration: u32) -> Option<u32> {
    (!chained).then(|| duration.clamp(SESSION_RANGE.0, SESSION_RANGE.1))
}

/// The getSigninToken request: the credentials as the guide's JSON document.
pub fn token_url(endpoint: &str, keys: &Keys, session_duration: Option<u32>) -> String {
    let session = serde_json::json!({
        "sessionId": keys.access_key_id,
        "sessionKey": keys.secret_access_key,
        "sessionToken": keys.session_token.as_deref().unwrap_or_default(),
    });
    let duration = session_duration.map_or(String::new(), |d| format!("&SessionDuration={d}"));
    format!(
        "{endpoint}?Action=getSigninToken{duration}&Session={}",
        encode(&session.to_string())
    )
}

/// The SigninToken of getSigninToken's JSON answer, if it has one.
pub fn signin_token(body: &[u8]) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let token = doc.get("SigninToken")?.as_str()?;
    (!token.is_empty()).then(|| token.to_string())
}

/// The login URL: whoever opens it is signed in to `destination`.
pub fn login_url(endpoint: &str, destination: &str, token: &str) -> String {
    format!(
        "{endpoint}?Action=login&Issuer=awsmfa&Destination={}&SigninToken={}",
        encode(destination),
        encode(token)
    )
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
        let query = url.split_once('?')?.1;
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
    }

    #[test]
    fn token_request_carries_the_credentials_as_json() {
        let keys = Keys {
            access_key_id: "ASIAX".into(),
            secret_access_key: "s/e+c=r&e t".into(),
            session_token: Some("tok/en+=".into()),
        };
        let url = token_url(
            "https://signin.aws.amazon.com/federation",
            &keys,
            Some(7200),
        );
        assert!(url.starts_with("https://signin.aws.amazon.com/federation?Action=getSigninToken&"));
        assert_eq!(param(&url, "SessionDuration"), Some("7200"));
        let session: serde_json::Value =
            serde_json::from_str(&decode(param(&url, "Session").unwrap())).unwrap();
        assert_eq!(
            session,
            serde_json::json!({"sessionId": "ASIAX", "sessionKey": "s/e+c=r&e t",
                "sessionToken": "tok/en+="})
        );
        let without = token_url("https://e/f", &keys, None);
        assert_eq!(param(&without, "SessionDuration"), None);
    }

    #[test]
    fn session_duration_only_for_roles_assumed_with_long_term_keys() {
        assert_eq!(session_duration(true, 3600), None);
        assert_eq!(session_duration(false, 7200), Some(7200));
        assert_eq!(session_duration(false, 100), Some(900));
        assert_eq!(session_duration(false, 50_000), Some(43_200));
    }

    #[test]
    fn login_url_encodes_destination_and_token() {
        let dest = destination(
            "https://console.aws.amazon.com",
            "/ec2/home#Instances:",
            "eu-west-1",
        );
        assert_eq!(
            dest,
            "https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
        );
        assert_eq!(
            destination("https://c", "/s3/buckets?tab=x", "us-east-1"),
            "https://c/s3/buckets?tab=x&region=us-east-1"
        );
        let url = login_url("https://signin.aws.amazon.com/federation", &dest, "a+b/c=");
        assert_eq!(param(&url, "Action"), Some("login"));
        assert_eq!(decode(param(&url, "Destination").unwrap()), dest);
        assert_eq!(decode(param(&url, "SigninToken").unwrap()), "a+b/c=");
        assert!(
            !param(&url, "Destination")
                .unwrap()
                .contains(['&', '?', '#', '='])
        );
    }

    #[test]
    fn the_token_is_read_from_json_only() {
        assert_eq!(
            signin_token(br#"{"SigninToken":"abc"}"#).as_deref(),
            Some("abc")
        );
        for bad in [
            &b"<html>"[..],
            b"{}",
            br#"{"SigninToken":""}"#,
            br#"{"SigninToken":1}"#,
        ] {
            assert_eq!(signin_token(bad), None);
        }
    }

    #[test]
    fn endpoints_that_would_leak_credentials_are_refused() {
        for good in [
            "https://signin.aws.amazon.com/federation",
            "http://127.0.0.1:8080/federation",
            "http://localhost/f",
            "http://[::1]:9/f",
            "http://LOCALHOST:9/f",
            "http://127.0.0.2:9/f",
        ] {
            assert_eq!(check_endpoint(good), Ok(()), "{good}");
        }
        for bad in [
            "http://signin.example.com/federation",
            "http://127.0.0.1.evil.com/f",
            "http://localhost.evil.com/f",
            "ftp://x",
            "https://",
            "https://x/f?Action=login",
            "signin.aws.amazon.com",
            "http://localhost:1@elsewhere/federation",
            "http://localhost@elsewhere/federation",
            "https://user:pw@signin.aws.amazon.com/federation",
            "http://[::1]@elsewhere/f",
            "http://127.0.0.1:80@10.0.0.1/f",
            "http:///f",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn partitions_and_destinations() {
        assert_eq!(
            partition_hosts("arn:aws-cn:iam::1:role/r").1,
            "https://console.amazonaws.cn"
        );
        assert_eq!(
            partition_hosts("arn:aws:iam::1:role/r").0,
            "https://signin.aws.amazon.com/federation"
        );
        assert!(check_destination("/s3/home").is_ok());
        for bad in ["s3", "//evil.com/x", "/a b", "https://evil.com"] {
            assert!(check_destination(bad).is_err(), "{bad}");
        }
    }
}
