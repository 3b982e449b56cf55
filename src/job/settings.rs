//! Turns the command line (and the `~/.aws/config` profile it names) into validated settings:
//! defaults, ranges and formats are checked here, before the credentials file is read or any
//! request is sent.

use crate::aws::arn::check_role_arn;
use crate::cli::CredentialArgs;
use crate::error::{Error, Result};
use crate::files::config::{self, Role};
use crate::mfa::code::{self, Code};
use crate::mfa::process::MfaProcess;
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
    /// The `--profile` config profile, whose settings (endpoints) come before the identity's.
    pub profile: Option<String>,
    /// Roles to assume, base first; each has its session name.
    pub roles: Vec<Role>,
    /// What AWS is asked for: the duration requested, fitted to roles, or the default.
    pub duration: u32,
    /// The duration requested (with -d, in the profile or in AWS_MFA_DURATION), if any.
    pub requested: Option<u32>,
    pub serial: Option<String>,
    /// The config profile's region, which comes before the identity profile's.
    pub region: Option<String>,
    pub mfa_process: Option<MfaProcess>,
    /// A code given up front.
    pub code: Option<Code>,
    pub no_cache: bool,
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

/// What a run asks of AWS: an MFA session, one role, or a chain of roles (each chained on
/// the one before, which AWS caps at an hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Session,
    Role,
    Chain,
}

impl Product {
    fn of(roles: usize) -> Product {
        match roles {
            0 => Product::Session,
            1 => Product::Role,
            _ => Product::Chain,
        }
    }
}

/// The duration to ask AWS for, from `requested` or the default. A duration given with -d or
/// in the profile must suit what is asked for, or it is a usage error. One from
/// AWS_MFA_DURATION (`from_env`), which 0.2 users set for 36-hour sessions, needs only suit a
/// session: a role gets the most it may have, as 0.2 gave it.
pub fn check_duration(requested: Option<u32>, product: Product, from_env: bool) -> Result<u32> {
    let ((lo, hi), default) = match product {
        Product::Session => (SESSION_RANGE, SESSION_DEFAULT),
        Product::Role => (ROLE_RANGE, ROLE_DEFAULT),
        Product::Chain => ((ROLE_RANGE.0, CHAIN_MAX), ROLE_DEFAULT),
    };
    let Some(d) = requested else {
        return Ok(default);
    };
    if from_env {
        let (lo, max) = SESSION_RANGE;
        return if (lo..=max).contains(&d) {
            Ok(d.min(hi))
        } else {
            Err(Error::usage(format!(
                "AWS_MFA_DURATION={d} is out of range: set it between {lo} and {max} seconds"
            )))
        };
    }
    match product {
        _ if (lo..=hi).contains(&d) => Ok(d),
        Product::Chain if d > hi => Err(Error::usage(format!(
            "AWS caps each role of a chain at {CHAIN_MAX} s; use -d {CHAIN_MAX} or less"
        ))),
        Product::Session => Err(Error::usage(format!(
            "duration {d} s is out of range for MFA sessions: use -d between {lo} and {hi}"
        ))),
        Product::Role | Product::Chain => Err(Error::usage(format!(
            "duration {d} s is out of range for role sessions: use -d between {lo} and {hi}"
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
            requested: None,
            ..Settings::resolve(args)?
        })
    }

    pub fn resolve(args: &CredentialArgs) -> Result<Settings> {
        let profile = match &args.profile {
            Some(name) => {
                let Some(text) = config::text()? else {
                    return Err(Error::usage(format!(
                        "--profile {name} needs {}, which does not exist; set AWS_CONFIG_FILE or \
                         create it",
                        config::path().display()
                    )));
                };
                config::resolve(&config::parse(&text)?, name)?
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
        // -d, then the profile's duration_seconds (the role's own), then AWS_MFA_DURATION.
        let (flag, env) = if args.duration_from_env {
            (None, args.duration)
        } else {
            (args.duration, None)
        };
        let (requested, from_env) = match flag.or(profile.duration) {
            Some(d) => (Some(d), false),
            None => (env, env.is_some()),
        };
        let duration = check_duration(requested, Product::of(roles.len()), from_env)?;
        let identity = args
            .identity_profile
            .clone()
            .or(Some(profile.identity).filter(|i| !i.is_empty()))
            .unwrap_or_else(|| "identity".to_string());
        Ok(Settings {
            credentials: args.credentials.path(),
            identity,
            profile: args.profile.clone(),
            roles,
            duration,
            requested,
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
    fn durations() {
        use Product::*;
        let check = |d, product| check_duration(d, product, false);
        assert_eq!(check(None, Session).unwrap(), 21600);
        assert_eq!(check(None, Role).unwrap(), 3600);
        assert_eq!(check(None, Chain).unwrap(), 3600);
        assert_eq!(check(Some(129_600), Session).unwrap(), 129_600);
        assert!(check(Some(129_601), Session).is_err());
        assert!(check(Some(43_201), Role).is_err());
        assert!(check(Some(899), Role).is_err());
        let e = check(Some(100), Session).unwrap_err();
        assert!(e.msg.contains("between 900 and 129600"), "{}", e.msg);
        let e = check(Some(7200), Chain).unwrap_err();
        assert!(
            e.msg.contains("caps each role of a chain at 3600 s"),
            "{}",
            e.msg
        );
    }

    #[test]
    fn a_duration_from_the_environment_is_fitted_to_roles() {
        use Product::*;
        let env = |d, product| check_duration(Some(d), product, true);
        assert_eq!(env(129_600, Session).unwrap(), 129_600);
        assert_eq!(env(129_600, Role).unwrap(), 43_200);
        assert_eq!(env(7200, Role).unwrap(), 7200);
        assert_eq!(env(129_600, Chain).unwrap(), 3600);
        assert_eq!(env(1800, Chain).unwrap(), 1800);
        for bad in [899, 129_601] {
            let e = env(bad, Role).unwrap_err();
            assert!(
                e.msg.starts_with(&format!("AWS_MFA_DURATION={bad} ")),
                "{}",
                e.msg
            );
        }
    }

    #[test]
    fn session_names() {
        assert!(check_session_name("awsmfa_20261127T233000").is_ok());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name(&"x".repeat(65)).is_err());
        assert!(check_session_name("has space").is_err());
    }
}
