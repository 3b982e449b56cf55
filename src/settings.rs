//! Turns the command line (and the `~/.aws/config` profile it names) into validated settings:
//! defaults, ranges and formats are checked here, before the credentials file is read or any
//! request is sent.

use crate::cli::CredentialArgs;
use crate::code::{self, Code};
use crate::error::{Error, Result};
use crate::files::config::{self, Role};
use crate::mfa_process::MfaProcess;
use crate::timefmt;
use std::path::PathBuf;

pub const SESSION_DEFAULT: u32 = 21600;
pub const SESSION_RANGE: (u32, u32) = (900, 129_600);
/// AWS's default MaxSessionDuration for roles.
pub const ROLE_DEFAULT: u32 = 3600;
pub const ROLE_RANGE: (u32, u32) = (900, 43_200);
/// AWS caps role sessions assumed with temporary credentials ("role chaining") at one hour.
pub const CHAIN_MAX: u32 = 3600;

/// Where credentials come from, validated: what the flags say, else what the config profile
/// says, else the defaults.
#[derive(Debug)]
pub struct Settings {
    pub credentials: PathBuf,
    pub identity: String,
    /// Roles to assume, base first; each has its session name.
    pub roles: Vec<Role>,
    pub duration: u32,
    pub serial: Option<String>,
    /// The config profile's region, which comes before the identity profile's.
    pub region: Option<String>,
    pub mfa_process: Option<MfaProcess>,
    /// A code given up front.
    pub code: Option<Code>,
    pub no_cache: bool,
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
    /// The settings for rotating the identity's key: the identity and its MFA settings only.
    /// A role has no part, and the MFA session that authorises rotation has the default
    /// lifetime whatever a role profile asks for.
    pub fn resolve_identity(args: &CredentialArgs) -> Result<Settings> {
        if args.role_arn.is_some() {
            return Err(Error::usage(
                "rotate replaces the identity profile's key and assumes no role; drop ROLE_ARN",
            ));
        }
        Ok(Settings {
            roles: Vec::new(),
            duration: SESSION_DEFAULT,
            ..Settings::resolve(args)?
        })
    }

    pub fn resolve(args: &CredentialArgs) -> Result<Settings> {
        let profile = match &args.profile {
            Some(name) => {
                let path = config::path();
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Error::usage(format!(
                        "--profile {name} needs {}: {e}; set AWS_CONFIG_FILE or create it",
                        path.display()
                    ))
                })?;
                config::resolve(&config::load(&text)?, name)?
            }
            None => config::Profile::default(),
        };
        let mut roles = profile.roles;
        if let Some(arn) = &args.role_arn {
            // The ARN given replaces the profile's own role (the last of its chain).
            let own = Role {
                arn: arn.clone(),
                session_name: None,
                external_id: None,
            };
            match roles.last_mut() {
                Some(last) => last.arn = own.arn,
                None => roles.push(own),
            }
        }
        if let Some(name) = &args.role_session_name {
            check_session_name(name)?;
        }
        let default_name = format!("awsmfa_{}", timefmt::local_stamp(timefmt::now()));
        let count = roles.len();
        for (i, role) in roles.iter_mut().enumerate() {
            check_role_arn(&role.arn)?;
            if i + 1 == count && args.role_session_name.is_some() {
                role.session_name = args.role_session_name.clone();
            }
            let name = role
                .session_name
                .get_or_insert_with(|| default_name.clone());
            check_session_name(name)?;
        }
        let duration = check_duration(args.duration.or(profile.duration), !roles.is_empty())?;
        if roles.len() > 1 && duration > CHAIN_MAX {
            return Err(Error::usage(format!(
                "AWS caps each role of a chain at {CHAIN_MAX} s; use -d {CHAIN_MAX} or less"
            )));
        }
        let identity = args
            .identity_profile
            .clone()
            .or(Some(profile.identity).filter(|i| !i.is_empty()))
            .unwrap_or_else(|| "identity".to_string());
        Ok(Settings {
            credentials: args
                .aws_credentials
                .clone()
                .unwrap_or_else(default_credentials),
            identity,
            roles,
            duration,
            serial: args.serial_number.clone().or(profile.mfa_serial),
            region: profile.region,
            mfa_process: args
                .mfa_process
                .as_deref()
                .map(MfaProcess::from_arg)
                .or(profile.mfa_process),
            code: args.token_code.as_deref().map(code::from_arg).transpose()?,
            no_cache: args.no_cache,
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
