//! The renewal record: how to renew a shell's credentials, kept in AWSMFA_SOURCE for
//! `awsmfa refresh`. `key=value` pairs joined by `;`, with every byte of a value
//! percent-encoded but the shell-inert characters (`shell::quote::inert`) other than `%`, `;`
//! and `=`: any path or name survives, and the record comes through every form of eval.

use crate::cli::{CredentialArgs, CredentialsFile, GetArgs, Target};
use crate::error::{Error, Result};
use crate::shell::quote;
use std::path::PathBuf;

fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !quote::inert(c) || matches!(c, '%' | ';' | '=') {
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

/// What `args` asked for: the options that decide which credentials, not how to get a code.
/// Every field is named, so a new option does not compile until it is placed here.
pub fn encode(args: &GetArgs) -> String {
    let GetArgs {
        creds,
        target,
        // What a run does besides renewing: refresh rotates nothing and always prints --env.
        rotate_identity_keys: _,
        env: _,
        shell: _,
    } = args;
    let CredentialArgs {
        role_arn,
        profile,
        credentials: CredentialsFile { aws_credentials },
        duration,
        duration_from_env,
        identity_profile,
        serial_number,
        role_session_name,
        // Refresh never asks for a code, and a code or the command that prints one (which
        // may hold a TOTP seed) does not belong in the environment.
        token_code: _,
        mfa_process: _,
        no_cache,
    } = creds;
    // Absolute, so that `refresh` from another directory reads the same file.
    let aws_credentials = aws_credentials
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    let optional = [
        (
            "credentials",
            aws_credentials.map(|p| p.to_string_lossy().into_owned()),
        ),
        ("profile", profile.clone()),
        ("identity", identity_profile.clone()),
        ("role", role_arn.clone()),
        // Renewed as it was got: one from AWS_MFA_DURATION is fitted to roles, -d is not.
        (
            if *duration_from_env {
                "env-duration"
            } else {
                "duration"
            },
            duration.map(|d| d.to_string()),
        ),
        ("serial", serial_number.clone()),
        ("session", role_session_name.clone()),
        ("no-cache", no_cache.then(|| "1".to_string())),
    ];
    let mut pairs = vec![("target", target.name.clone())];
    pairs.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", escape(v)))
        .collect::<Vec<_>>()
        .join(";")
}

/// The options `encode` recorded, as the main command would have them (`--env` on).
pub fn decode(text: &str) -> Result<GetArgs> {
    let bad = || Error::usage("AWSMFA_SOURCE is garbled; run awsmfa to get new credentials");
    let mut target_profile = String::new();
    let mut creds = CredentialArgs {
        role_arn: None,
        profile: None,
        credentials: CredentialsFile::default(),
        duration: None,
        duration_from_env: false,
        identity_profile: None,
        serial_number: None,
        role_session_name: None,
        token_code: None,
        mfa_process: None,
        no_cache: false,
    };
    for pair in text.split(';') {
        let (key, value) = pair.split_once('=').ok_or_else(bad)?;
        let value = unescape(value).ok_or_else(bad)?;
        match key {
            "target" => target_profile = value,
            "credentials" => creds.credentials.aws_credentials = Some(PathBuf::from(value)),
            "profile" => creds.profile = Some(value),
            "identity" => creds.identity_profile = Some(value),
            "role" => creds.role_arn = Some(value),
            "duration" | "env-duration" => {
                creds.duration = Some(value.parse().map_err(|_| bad())?);
                creds.duration_from_env = key == "env-duration";
            }
            "serial" => creds.serial_number = Some(value),
            "session" => creds.role_session_name = Some(value),
            "no-cache" => creds.no_cache = value == "1",
            // Written by a newer awsmfa: what this one does not know it cannot renew better.
            _ => {}
        }
    }
    if target_profile.is_empty() {
        return Err(bad());
    }
    Ok(GetArgs {
        creds,
        target: Target {
            name: target_profile,
        },
        rotate_identity_keys: false,
        env: true,
        shell: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_awkward_values() {
        let args = GetArgs {
            creds: CredentialArgs {
                role_arn: Some("arn:aws:iam::123456789012:role/a=b".into()),
                credentials: CredentialsFile {
                    aws_credentials: Some("/home/me/odd;dir/100%/cred\nent  'ia*ls".into()),
                },
                identity_profile: Some("id ünï".into()),
                profile: Some("team".into()),
                duration: Some(3600),
                token_code: Some("123456".into()),
                ..CredentialArgs::default()
            },
            target: Target { name: "t".into() },
            ..GetArgs::default()
        };
        let encoded = encode(&args);
        assert!(encoded.chars().all(quote::inert), "{encoded}");
        let back = decode(&encoded).unwrap();
        assert_eq!(back.creds.role_arn, args.creds.role_arn);
        assert_eq!(
            back.creds.credentials.aws_credentials,
            args.creds.credentials.aws_credentials
        );
        assert_eq!(back.creds.identity_profile.as_deref(), Some("id ünï"));
        assert_eq!(back.creds.profile.as_deref(), Some("team"));
        assert_eq!(back.target.name, "t");
        assert_eq!(back.creds.duration, Some(3600));
        assert!(!back.creds.duration_from_env);
        assert_eq!(back.creds.serial_number, None);
        assert_eq!(back.creds.token_code, None, "a code is never kept");
    }

    #[test]
    fn no_cache_is_kept_and_mfa_process_is_not() {
        let mut args = GetArgs {
            target: Target { name: "t".into() },
            ..GetArgs::default()
        };
        args.creds.no_cache = true;
        args.creds.mfa_process = Some("oathtool --totp -b SEED".into());
        let encoded = encode(&args);
        assert!(!encoded.contains("SEED"), "{encoded}");
        let back = decode(&encoded).unwrap();
        assert!(back.creds.no_cache);
        assert_eq!(back.creds.mfa_process, None);
        assert!(!decode("target=t").unwrap().creds.no_cache);
    }

    #[test]
    fn a_duration_from_the_environment_stays_one() {
        let mut args = GetArgs {
            target: Target { name: "t".into() },
            ..GetArgs::default()
        };
        args.creds.duration = Some(129_600);
        args.creds.duration_from_env = true;
        let back = decode(&encode(&args)).unwrap();
        assert_eq!(back.creds.duration, Some(129_600));
        assert!(back.creds.duration_from_env);
    }

    #[test]
    fn a_relative_credentials_path_is_kept_absolute() {
        let mut args = GetArgs {
            target: Target { name: "t".into() },
            ..GetArgs::default()
        };
        args.creds.credentials.aws_credentials = Some("rel/creds".into());
        let back = decode(&encode(&args)).unwrap();
        let path = back.creds.credentials.aws_credentials.unwrap();
        assert!(path.is_absolute(), "{}", path.display());
        assert!(path.ends_with("rel/creds"));
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
