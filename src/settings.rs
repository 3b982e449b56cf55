//! Turns the command line into validated settings: defaults, ranges and formats are checked
//! here, before any file is read or any request is sent.

use crate::cli::GetArgs;
use crate::error::{Error, Result};
use crate::shellcode::Shell;
use crate::timefmt;
use crate::token::{self, Code};
use std::path::PathBuf;

pub const SESSION_DEFAULT: u32 = 21600;
pub const SESSION_RANGE: (u32, u32) = (900, 129_600);
/// AWS's default MaxSessionDuration for roles.
pub const ROLE_DEFAULT: u32 = 3600;
pub const ROLE_RANGE: (u32, u32) = (900, 43_200);

#[derive(Debug)]
pub struct Settings {
    pub credentials: PathBuf,
    pub identity: String,
    pub target: String,
    pub role: Option<String>,
    pub duration: u32,
    pub serial: Option<String>,
    pub session_name: String,
    /// A code given up front; `None` means ask on the terminal.
    pub code: Option<Code>,
    /// The shell to print `--env` code for, when asked.
    pub env: Option<Shell>,
    pub no_cache: bool,
    pub rotate: bool,
}

pub fn default_credentials() -> PathBuf {
    dirs::home_dir()
        .unwrap_or_default()
        .join(".aws")
        .join("credentials")
}

/// `arn:<partition>:iam::<12 digits>:role/<path/>name`.
pub fn check_role_arn(arn: &str) -> Result<()> {
    let bad = || {
        Error::usage(format!(
            "{arn:?} is not a role ARN; expected arn:aws:iam::123456789012:role/NAME"
        ))
    };
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad());
    };
    let name = resource.strip_prefix("role/").ok_or_else(bad)?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && !s.starts_with('/')
            && !s.ends_with('/')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
    };
    if partition.is_empty()
        || !partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || !name_ok(name)
    {
        return Err(bad());
    }
    Ok(())
}

/// AWS's rule for RoleSessionName: 2-64 of `[\w+=,.@-]`.
pub fn check_session_name(name: &str) -> Result<()> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "role session name {name:?} must be 2-64 letters, digits or +=,.@_-"
        )))
    }
}

/// The requested duration, or the default, within AWS's range for sessions or roles.
pub fn check_duration(requested: Option<u32>, role: bool) -> Result<u32> {
    let ((lo, hi), default, what) = if role {
        (ROLE_RANGE, ROLE_DEFAULT, "role sessions")
    } else {
        (SESSION_RANGE, SESSION_DEFAULT, "MFA sessions")
    };
    match requested {
        None => Ok(default),
        Some(d) if (lo..=hi).contains(&d) => Ok(d),
        Some(d) => Err(Error::usage(format!(
            "duration {d} s is out of range for {what}: use -d between {lo} and {hi}"
        ))),
    }
}

impl Settings {
    pub fn resolve(args: &GetArgs) -> Result<Settings> {
        if args.identity_profile == args.target_profile {
            return Err(Error::usage(format!(
                "the target profile [{}] is the identity profile: writing there would destroy \
                 your long-lived keys; pick another with -t NAME",
                args.target_profile
            )));
        }
        if let Some(arn) = &args.role_arn {
            check_role_arn(arn)?;
        }
        let duration = check_duration(args.duration, args.role_arn.is_some())?;
        let session_name = match &args.role_session_name {
            Some(n) => {
                check_session_name(n)?;
                n.clone()
            }
            None => format!("awsmfa_{}", timefmt::local_stamp(timefmt::now())),
        };
        let code = args
            .token_code
            .as_deref()
            .map(token::from_arg)
            .transpose()?;
        let env = args.env.then(|| {
            args.shell
                .unwrap_or_else(|| Shell::from_env(std::env::var("SHELL").ok().as_deref()))
        });
        Ok(Settings {
            credentials: args
                .aws_credentials
                .clone()
                .unwrap_or_else(default_credentials),
            identity: args.identity_profile.clone(),
            target: args.target_profile.clone(),
            role: args.role_arn.clone(),
            duration,
            serial: args.serial_number.clone(),
            session_name,
            code,
            env,
            no_cache: args.no_cache,
            rotate: args.rotate_identity_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        for ok in [
            "arn:aws:iam::123456789012:role/admin",
            "arn:aws-us-gov:iam::123456789012:role/path/to/x+y=z,a.b@c_d-e",
            "arn:aws-cn:iam::000000000000:role/r",
        ] {
            assert!(check_role_arn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "admin",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/a b",
            "arn::iam::123456789012:role/x",
        ] {
            assert!(check_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(check_duration(None, false).unwrap(), 21600);
        assert_eq!(check_duration(None, true).unwrap(), 3600);
        assert_eq!(check_duration(Some(129_600), false).unwrap(), 129_600);
        assert!(check_duration(Some(129_601), false).is_err());
        assert!(check_duration(Some(43_201), true).is_err());
        assert!(check_duration(Some(899), true).is_err());
        let e = check_duration(Some(100), false).unwrap_err();
        assert!(e.msg.contains("between 900 and 129600"), "{}", e.msg);
    }

    #[test]
    fn session_names() {
        assert!(check_session_name("awsmfa_20261127T233000").is_ok());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name(&"x".repeat(65)).is_err());
        assert!(check_session_name("has space").is_err());
    }
}
