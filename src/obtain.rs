//! Getting temporary credentials: from the MFA session cache when it lives, else with one MFA
//! code; roles are chained on the MFA session so that they renew without a code.

use crate::aws::{Aws, Keys, RoleRequest, TempCreds};
use crate::cache::{self, Session};
use crate::error::{Error, Result};
use crate::lastcode;
use crate::settings::{CHAIN_MAX, SESSION_DEFAULT};
use crate::timefmt;
use crate::token::{self, Code};

pub struct Request<'a> {
    pub identity: &'a Keys,
    pub region: &'a str,
    /// Roles to assume, base first: the first on the MFA session (or directly with MFA), each
    /// next one with the credentials of the one before.
    pub roles: Vec<RoleRequest<'a>>,
    /// Seconds; already checked against AWS's range for a session or a role.
    pub duration: u32,
    pub serial: Option<&'a str>,
    pub use_cache: bool,
}

/// The identity's client and, asked for lazily, the MFA serial and code.
struct Mfa<'a> {
    req: &'a Request<'a>,
    /// Made on first use: a run the cache answers needs no runtime and no SDK configuration.
    aws: Option<Aws>,
    source: &'a mut token::Source,
}

impl Mfa<'_> {
    /// The client that signs with the identity's long-lived keys.
    fn aws(&mut self) -> Result<&Aws> {
        let aws = match self.aws.take() {
            Some(aws) => aws,
            None => Aws::new(self.req.identity, self.req.region)?,
        };
        Ok(self.aws.insert(aws))
    }

    /// The first MFA device of the user who owns the keys, warning when there are several.
    fn discover_serial(&mut self) -> Result<String> {
        let aws = self.aws()?;
        let user = aws.user_name()?;
        let devices = aws.mfa_devices(&user)?;
        match devices.as_slice() {
            [] => Err(Error::runtime(format!(
                "IAM user {user} has no MFA device; assign one (IAM console: Security \
                 credentials, Assign MFA device), or pass --serial-number ARN"
            ))),
            [one] => Ok(one.clone()),
            [first, ..] => {
                eprintln!(
                    "awsmfa: warning: IAM user {user} has {} MFA devices ({}); using {first}. \
                     Pick one with --serial-number ARN.",
                    devices.len(),
                    devices.join(", ")
                );
                Ok(first.clone())
            }
        }
    }

    /// Serial and code, or `None` for `skip`. A run that cannot ask fails before any request.
    fn serial_and_code(&mut self) -> Result<Option<(String, String)>> {
        self.source.ready()?;
        if self.source.is_skip() {
            eprintln!(
                "MFA skipped: these credentials will not satisfy aws:MultiFactorAuthPresent."
            );
            return Ok(None);
        }
        let serial = match self.req.serial {
            Some(serial) => serial.to_string(),
            None => self.discover_serial()?,
        };
        loop {
            let digits = match self.source.code()? {
                Code::Digits(digits) => digits,
                Code::Skip => return Ok(None),
            };
            match lastcode::used_at(&serial, &digits) {
                Some(at) if self.source.reused(&digits, at)? => continue,
                _ => {
                    lastcode::record(&serial, &digits);
                    return Ok(Some((serial, digits)));
                }
            }
        }
    }

    /// A new MFA session from GetSessionToken, cached unless it was made without MFA.
    fn new_session(&mut self, duration: u32) -> Result<TempCreds> {
        let mfa = self.serial_and_code()?;
        let creds = self.aws()?.session_token(
            mfa.as_ref().map(|(s, c)| (s.as_str(), c.as_str())),
            duration,
        )?;
        if let (Some((serial, _)), true) = (&mfa, self.req.use_cache) {
            let session = Session {
                serial: serial.clone(),
                creds: creds.clone(),
            };
            // The credentials are good either way; only the next run would ask again.
            if let Err(e) = cache::save(&self.req.identity.access_key_id, &session) {
                eprintln!("awsmfa: warning: the MFA session was not cached: {e}");
            }
        }
        Ok(creds)
    }
}

fn cached(req: &Request) -> Option<TempCreds> {
    if !req.use_cache {
        return None;
    }
    cache::load(&req.identity.access_key_id, req.serial).map(|s| s.creds)
}

/// Whether AWS refused the credentials themselves, so a new session may succeed.
fn rejected(e: &Error) -> bool {
    matches!(
        e.aws_code.as_deref(),
        Some("ExpiredToken" | "InvalidClientTokenId")
    )
}

pub fn obtain(req: &Request, source: &mut token::Source) -> Result<TempCreds> {
    let skip = source.is_skip();
    let mut mfa = Mfa {
        req,
        aws: None,
        source,
    };
    let Some((first, rest)) = req.roles.split_first() else {
        if let Some(creds) = cached(req).filter(|_| !skip) {
            eprintln!(
                "Reusing the MFA session, which expires in {}.",
                timefmt::human(timefmt::remaining(creds.expiration))
            );
            return Ok(creds);
        }
        return mfa.new_session(req.duration);
    };
    let mut creds = assume_first(&mut mfa, first, skip)?;
    for role in rest {
        creds = Aws::new(&creds.keys, req.region)?.assume_role(role, None, req.duration)?;
    }
    Ok(creds)
}

/// The base role: chained on the MFA session when it can be, else assumed directly with MFA.
fn assume_first(mfa: &mut Mfa, role: &RoleRequest, skip: bool) -> Result<TempCreds> {
    let req = mfa.req;
    if skip || !req.use_cache || req.duration > CHAIN_MAX {
        if !skip && req.use_cache {
            eprintln!(
                "AWS caps chained role sessions at 1 h, so {} is assumed directly with MFA for \
                 {} s.",
                role.arn, req.duration
            );
        }
        let mfa_args = mfa.serial_and_code()?;
        let mfa_ref = mfa_args.as_ref().map(|(s, c)| (s.as_str(), c.as_str()));
        return mfa.aws()?.assume_role(role, mfa_ref, req.duration);
    }
    let chain = |session: &TempCreds| {
        Aws::new(&session.keys, req.region)?.assume_role(role, None, req.duration)
    };
    match cached(req) {
        Some(session) => match chain(&session) {
            Err(e) if rejected(&e) => {
                cache::forget(Some(&req.identity.access_key_id))?;
                eprintln!(
                    "awsmfa: the cached MFA session was rejected ({}); starting a new one.",
                    e.aws_code.as_deref().unwrap_or_default()
                );
                chain(&mfa.new_session(SESSION_DEFAULT)?)
            }
            other => other,
        },
        None => chain(&mfa.new_session(SESSION_DEFAULT)?),
    }
}
