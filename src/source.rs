//! AWSMFA_SOURCE: what a shell's credentials came from, so that `awsmfa refresh` can renew
//! them. `key=value` pairs joined by `;`, with `%`, `;`, `=` and control characters
//! percent-encoded so that any path or name survives.

use crate::cli::GetArgs;
use crate::error::{Error, Result};
use std::path::PathBuf;

fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c == '%' || c == ';' || c == '=' || c.is_control() {
            for b in c.to_string().bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn unescape(s: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex = [it.next()?, it.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

/// What `args` asked for: the flags that decide which credentials, not how to get a code.
pub fn encode(args: &GetArgs) -> String {
    let a = &args.source;
    let mut pairs = vec![("target", args.target_profile.clone())];
    let optional = [
        (
            "credentials",
            a.aws_credentials
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
        ),
        ("profile", a.profile.clone()),
        ("identity", a.identity_profile.clone()),
        ("role", a.role_arn.clone()),
        ("duration", a.duration.map(|d| d.to_string())),
        ("serial", a.serial_number.clone()),
        ("session", a.role_session_name.clone()),
    ];
    pairs.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", escape(v)))
        .collect::<Vec<_>>()
        .join(";")
}

pub fn decode(text: &str) -> Result<GetArgs> {
    let bad = || Error::usage("AWSMFA_SOURCE is garbled; run awsmfa to get new credentials");
    let mut args = GetArgs::default();
    let a = &mut args.source;
    for pair in text.split(';') {
        let (key, value) = pair.split_once('=').ok_or_else(bad)?;
        let value = unescape(value).ok_or_else(bad)?;
        match key {
            "target" => args.target_profile = value,
            "credentials" => a.aws_credentials = Some(PathBuf::from(value)),
            "profile" => a.profile = Some(value),
            "identity" => a.identity_profile = Some(value),
            "role" => a.role_arn = Some(value),
            "duration" => a.duration = Some(value.parse().map_err(|_| bad())?),
            "serial" => a.serial_number = Some(value),
            "session" => a.role_session_name = Some(value),
            // Written by a newer awsmfa: what this one does not know it cannot renew better.
            _ => {}
        }
    }
    if args.target_profile.is_empty() {
        return Err(bad());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SourceArgs;

    #[test]
    fn round_trip_with_awkward_values() {
        let args = GetArgs {
            source: SourceArgs {
                role_arn: Some("arn:aws:iam::123456789012:role/a=b".into()),
                aws_credentials: Some("/home/me/odd;dir/100%/cred\nentials".into()),
                identity_profile: Some("id ünï".into()),
                profile: Some("team".into()),
                duration: Some(3600),
                token_code: Some("123456".into()),
                ..SourceArgs::default()
            },
            target_profile: "t".into(),
            ..GetArgs::default()
        };
        let encoded = encode(&args);
        assert!(!encoded.contains('\n'));
        let back = decode(&encoded).unwrap();
        assert_eq!(back.source.role_arn, args.source.role_arn);
        assert_eq!(back.source.aws_credentials, args.source.aws_credentials);
        assert_eq!(back.source.identity_profile.as_deref(), Some("id ünï"));
        assert_eq!(back.source.profile.as_deref(), Some("team"));
        assert_eq!(back.target_profile, "t");
        assert_eq!(back.source.duration, Some(3600));
        assert_eq!(back.source.serial_number, None);
        assert_eq!(back.source.token_code, None, "a code is never kept");
    }

    #[test]
    fn garbage_is_a_usage_error() {
        assert!(decode("nonsense").is_err());
        assert!(decode("target=b;duration=x").is_err());
        assert!(decode("target=%zz").is_err());
        assert!(decode("identity=a").is_err());
        assert!(decode("target=b;future=1").is_ok());
    }
}
