//! AWSMFA_SOURCE: what a shell's credentials came from, so that `awsmfa refresh` can renew
//! them. `key=value` pairs joined by `;`, with `%`, `;`, `=` and control characters
//! percent-encoded so that any path or name survives.

use crate::cli::GetArgs;
use crate::error::{Error, Result};
use crate::settings::Settings;
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

pub fn encode(s: &Settings) -> String {
    let mut pairs = vec![
        ("credentials", s.credentials.to_string_lossy().into_owned()),
        ("identity", s.identity.clone()),
        ("target", s.target.clone()),
        ("duration", s.duration.to_string()),
    ];
    if let Some(role) = &s.role {
        pairs.push(("role", role.clone()));
    }
    if let Some(serial) = &s.serial {
        pairs.push(("serial", serial.clone()));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", escape(v)))
        .collect::<Vec<_>>()
        .join(";")
}

pub fn decode(text: &str) -> Result<GetArgs> {
    let bad = || Error::usage("AWSMFA_SOURCE is garbled; run awsmfa to get new credentials");
    let mut args = GetArgs::default();
    for pair in text.split(';') {
        let (key, value) = pair.split_once('=').ok_or_else(bad)?;
        let value = unescape(value).ok_or_else(bad)?;
        match key {
            "credentials" => args.aws_credentials = Some(PathBuf::from(value)),
            "identity" => args.identity_profile = value,
            "target" => args.target_profile = value,
            "duration" => args.duration = Some(value.parse().map_err(|_| bad())?),
            "role" => args.role_arn = Some(value),
            "serial" => args.serial_number = Some(value),
            // Written by a newer awsmfa: what this one does not know it cannot renew better.
            _ => {}
        }
    }
    if args.identity_profile.is_empty() || args.target_profile.is_empty() {
        return Err(bad());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_awkward_values() {
        let args = GetArgs {
            role_arn: Some("arn:aws:iam::123456789012:role/a=b".into()),
            aws_credentials: Some("/home/me/odd;dir/100%/cred\nentials".into()),
            identity_profile: "id ünï".into(),
            target_profile: "t".into(),
            duration: Some(3600),
            ..GetArgs::default()
        };
        let s = Settings::resolve(&args).unwrap();
        let encoded = encode(&s);
        assert!(!encoded.contains('\n'));
        let back = decode(&encoded).unwrap();
        assert_eq!(back.role_arn, args.role_arn);
        assert_eq!(back.aws_credentials, args.aws_credentials);
        assert_eq!(back.identity_profile, "id ünï");
        assert_eq!(back.target_profile, "t");
        assert_eq!(back.duration, Some(3600));
        assert_eq!(back.serial_number, None);
    }

    #[test]
    fn garbage_is_a_usage_error() {
        assert!(decode("nonsense").is_err());
        assert!(decode("identity=a;target=b;duration=x").is_err());
        assert!(decode("identity=%zz;target=b").is_err());
        assert!(decode("identity=a;target=b;future=1").is_ok());
    }
}
