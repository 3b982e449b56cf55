//! One credential job: the resolved settings, the identity's long-lived keys, where its calls
//! go (region and endpoints), and where the MFA code comes from. It answers with the MFA
//! session (from the cache while it lives, else with one code), with the credentials asked for
//! (roles chained on that session, so they renew without a code), and rotates the identity's
//! key.

pub mod rotation;
pub mod settings;

use crate::aws::{Aws, CALL_TIMEOUT, Keys, MfaCode, RoleRequest, Site, TempCreds, takes_code};
use crate::cli::CredentialArgs;
use crate::error::{Error, Result};
use crate::files::ini::Parsed;
use crate::files::{cache, config, credfile, lastcode};
use crate::job::settings::{CHAIN_MAX, ROLE_DEFAULT, SESSION_DEFAULT, Settings};
use crate::mfa::code::Code;
use crate::mfa::source::CodeSource;
use crate::timefmt;
use crate::ui;
use std::time::Duration;

pub struct CredentialJob {
    settings: Settings,
    keys: Keys,
    /// The region and endpoints every call of the job uses.
    site: Site,
    /// Whether `site.region` is the user's choice in a file (not the environment's, not the
    /// fallback), so the shell may take it.
    region_configured: bool,
    codes: CodeSource,
    /// The client that signs with the identity's keys, made on first use: a run the cache
    /// answers needs no runtime and no SDK configuration.
    identity_client: Option<Aws>,
    /// The MFA session in hand, once loaded or obtained: rotation after a run asks no more.
    session: Option<TempCreds>,
    /// How long each AWS call may take.
    timeout: Duration,
    /// The credentials file as read at the start, for the edit at the end (`take_file`).
    file: Option<Parsed>,
    /// The record of the code just sent, still being written while the call goes out.
    recording: Option<lastcode::Recording>,
}

/// Whether AWS refused the credentials themselves, so a new session may succeed.
fn rejected(e: &Error) -> bool {
    matches!(
        e.aws_code.as_deref(),
        Some("ExpiredToken" | "InvalidClientTokenId")
    )
}

/// Whether AWS refused a role's duration as longer than the role's MaxSessionDuration.
fn beyond_role_max(e: &Error) -> bool {
    e.aws_code.as_deref() == Some("ValidationError") && e.msg.contains("MaxSessionDuration")
}

/// The refusal of `duration` (and of the `retry` after it) as one line with the fix.
fn too_long(arn: &str, duration: u32, retry: Option<u32>) -> Error {
    let also = retry.map_or(String::new(), |r| format!(", nor of {r} s"));
    Error::runtime(format!(
        "{arn} does not allow sessions of {duration} s{also} (its MaxSessionDuration is lower); \
         ask for less with `-d 3600`, or raise the role's MaxSessionDuration"
    ))
}

/// The MaxSessionDuration of the role `arn`, if `aws` may read it. IAM reads roles of the
/// caller's own account only: a role elsewhere is not looked up, lest a namesake answer.
fn role_max(aws: &Aws, arn: &str) -> Option<u32> {
    let account = |arn: &str| arn.split(':').nth(4).map(str::to_string);
    if account(&aws.caller_arn().ok()?) != account(arn) {
        return None;
    }
    aws.role_max_session(arn.rsplit('/').next()?).ok()?
}

impl CredentialJob {
    /// The job `args` describe; a code comes from `-c`, the `mfa_process` or the terminal.
    pub fn new(args: &CredentialArgs) -> Result<CredentialJob> {
        let settings = Settings::resolve(args)?;
        let codes = CodeSource::new(settings.code.clone(), settings.mfa_process.clone());
        CredentialJob::with(settings, codes)
    }

    /// The job `args` describe, for renewing without the user (`refresh`): a code is never
    /// asked for, and needing one is the answer; each AWS call gives up after `timeout`.
    pub fn renewing(args: &CredentialArgs, timeout: Duration) -> Result<CredentialJob> {
        let job = CredentialJob::with(Settings::resolve(args)?, CodeSource::Never)?;
        Ok(CredentialJob { timeout, ..job })
    }

    /// `settings` with the identity's keys read from the credentials file, and where its
    /// calls go.
    pub fn with(settings: Settings, codes: CodeSource) -> Result<CredentialJob> {
        let file = credfile::load(&settings.credentials)?;
        let (keys, region, own) = credfile::identity(
            &file.doc(),
            &settings.credentials,
            &settings.identity,
            settings.region.as_deref(),
        )?;
        let region_configured = region.configured;
        let site = config::site(
            region.name,
            settings.profile.as_deref(),
            &settings.identity,
            own,
        )?;
        Ok(CredentialJob {
            settings,
            keys,
            site,
            region_configured,
            codes,
            identity_client: None,
            session: None,
            timeout: CALL_TIMEOUT,
            file: Some(file),
            recording: None,
        })
    }

    /// The credentials file as the job read it at its start, for an edit that may use its
    /// parse again (`credfile::store`); the job keeps it no longer.
    pub fn take_file(&mut self) -> Option<Parsed> {
        self.file.take()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The region a config profile or the identity profile names, unless the environment
    /// names one: what a shell holding the credentials should use.
    pub fn configured_region(&self) -> Option<&str> {
        self.region_configured.then_some(self.site.region.as_str())
    }

    fn identity_client(&mut self) -> Result<&Aws> {
        let aws = match self.identity_client.take() {
            Some(aws) => aws,
            None => Aws::with_timeout(&self.keys, &self.site, self.timeout)?,
        };
        Ok(self.identity_client.insert(aws))
    }

    fn skip(&self) -> bool {
        self.codes.is_skip()
    }

    /// The region the job's calls go to.
    pub fn region(&self) -> &str {
        &self.site.region
    }

    /// Whether the base role is assumed with the identity's own keys and MFA rather than chained
    /// on the MFA session: no cache wanted, `skip`, or longer than AWS allows a chained session.
    fn assumes_directly(&self) -> bool {
        self.skip() || self.settings.no_cache || self.settings.duration > CHAIN_MAX
    }

    /// Whether `credentials()` answers with role credentials obtained with other temporary
    /// credentials (role chaining), which the console sign-in treats apart.
    pub fn chains_roles(&self) -> bool {
        self.settings.roles.len() > 1 || !self.assumes_directly()
    }

    /// The live cached session, unless this run asks for a new one: `--no-cache`, a code given
    /// up front (`-c`, AWS_MFA_TOKEN_CODE, `skip`), or `wanted` seconds, longer than the
    /// cached session was made for.
    fn cached(&self, wanted: Option<u32>) -> Option<TempCreds> {
        if self.settings.no_cache || matches!(self.codes, CodeSource::Given(_)) {
            return None;
        }
        let serial = self.settings.serial.as_deref();
        let session = cache::load(&self.keys.access_key_id, serial)?;
        let serves = wanted.is_none_or(|w| session.serves(w, timefmt::now()));
        serves.then_some(session.creds)
    }

    /// The MFA session: the one in hand, the cached one while it lives and lasts what was
    /// asked for, else a new one. A new session lasts what was asked for when it is the
    /// product, the default when roles ride on it.
    pub fn mfa_session(&mut self) -> Result<TempCreds> {
        if let Some(session) = &self.session {
            return Ok(session.clone());
        }
        let product = self.settings.roles.is_empty();
        if let Some(creds) = self.cached(self.settings.requested.filter(|_| product)) {
            ui::notice(&format!(
                "Reusing the MFA session, which expires in {}.",
                timefmt::human(timefmt::remaining(creds.expiration))
            ));
            self.session = Some(creds.clone());
            return Ok(creds);
        }
        let duration = if product {
            self.settings.duration
        } else {
            SESSION_DEFAULT
        };
        self.new_session(duration)
    }

    /// Lets go of the MFA session in hand once it is as good as over (the cache's margin), so
    /// that the next renewal reads the cache again (another run may have renewed it) or asks
    /// for a code. For jobs that live for hours: the credential server.
    pub fn release_ending_session(&mut self) {
        if self
            .session
            .as_ref()
            .is_some_and(|s| timefmt::remaining(s.expiration) <= cache::MARGIN)
        {
            self.session = None;
        }
    }

    /// A code given up front (`-c`) is good for one session: once spent, later sessions ask
    /// as a run without it would (`mfa_process`, the terminal). For jobs that live for hours.
    pub fn spend_given_code(&mut self) {
        if let CodeSource::Given(Code::Digits(_)) = self.codes {
            self.settings.code = None;
            self.codes = CodeSource::new(None, self.settings.mfa_process.clone());
        }
    }

    /// The credentials asked for: the MFA session itself, or the last role of the chain.
    pub fn credentials(&mut self) -> Result<TempCreds> {
        let roles = self.settings.roles.clone();
        let requests: Vec<RoleRequest> = roles
            .iter()
            .map(|r| RoleRequest {
                arn: &r.arn,
                session_name: r.session_name.as_deref().unwrap_or_default(),
                external_id: r.external_id.as_deref(),
            })
            .collect();
        let Some((first, rest)) = requests.split_first() else {
            return self.mfa_session();
        };
        let duration = self.settings.duration;
        if let Some(asked) = self.settings.requested.filter(|&d| d > duration) {
            ui::notice(&format!(
                "AWS_MFA_DURATION asks for {asked} s, more than AWS allows {}; asking for \
                 {duration} s.",
                if rest.is_empty() {
                    "a role"
                } else {
                    "a chain of roles"
                }
            ));
        }
        let mut creds = self.assume_first(first)?;
        for role in rest {
            creds = Aws::with_timeout(&creds.keys, &self.site, self.timeout)?
                .assume_role(role, None, duration)?;
        }
        Ok(creds)
    }

    /// Replaces the identity's access key, authorised by the MFA session.
    pub fn rotate(&mut self) -> Result<()> {
        self.with_identity(rotation::rotate)
    }

    /// Refuses a rotation that cannot happen, before the run writes anything.
    pub fn check_rotation(&mut self) -> Result<()> {
        self.with_identity(rotation::check)
    }

    fn with_identity(
        &mut self,
        then: impl FnOnce(&rotation::Identity, &TempCreds) -> Result<()>,
    ) -> Result<()> {
        let session = self.mfa_session()?;
        let user = self.identity_client()?.user_name()?;
        let identity = rotation::Identity {
            credentials: &self.settings.credentials,
            profile: &self.settings.identity,
            user: &user,
            keys: &self.keys,
            site: &self.site,
        };
        then(&identity, &session)
    }

    /// The base role: chained on the MFA session when it can be, else assumed directly with
    /// MFA (no cache wanted, `skip`, or longer than AWS allows a chained session).
    fn assume_first(&mut self, role: &RoleRequest) -> Result<TempCreds> {
        let duration = self.settings.duration;
        let skip = self.skip();
        if self.assumes_directly() {
            if !skip && !self.settings.no_cache {
                ui::notice(&format!(
                    "AWS caps chained role sessions at 1 h, so {} is assumed directly with MFA \
                     for {duration} s.",
                    role.arn
                ));
            }
            let mfa = self.serial_and_code()?;
            let role = self.assume_directly(role, mfa.as_ref(), duration);
            self.recorded();
            return role;
        }
        let (site, timeout) = (self.site.clone(), self.timeout);
        let chain = |session: &TempCreds| {
            Aws::with_timeout(&session.keys, &site, timeout)?.assume_role(role, None, duration)
        };
        let Some(session) = self.session.clone().or_else(|| self.cached(None)) else {
            return chain(&self.new_session(SESSION_DEFAULT)?);
        };
        match chain(&session) {
            Err(e) if rejected(&e) => {
                ui::warn(&format!(
                    "the cached MFA session was rejected ({}); starting a new one.",
                    e.aws_code.as_deref().unwrap_or_default()
                ));
                // Best-effort, like saving: the new session replaces the entry anyway.
                if let Err(e) = cache::forget(Some(&self.keys.access_key_id)) {
                    ui::warn(&e.msg);
                }
                self.session = None;
                chain(&self.new_session(SESSION_DEFAULT)?)
            }
            other => {
                self.session = Some(session);
                other
            }
        }
    }

    /// The role assumed with the identity's keys and `mfa`. When AWS refuses the duration
    /// because the role's MaxSessionDuration is lower, once more at the most the role allows:
    /// its MaxSessionDuration where iam:GetRole may read it, else AWS's default, 3600 s.
    fn assume_directly(
        &mut self,
        role: &RoleRequest,
        mfa: Option<&MfaCode>,
        duration: u32,
    ) -> Result<TempCreds> {
        let aws = self.identity_client()?;
        let first = aws.assume_role(role, mfa, duration);
        let retry = match &first {
            Err(e) if beyond_role_max(e) && duration > ROLE_DEFAULT => {
                let max = role_max(aws, role.arn).filter(|&max| max < duration);
                let why = match max {
                    Some(_) => "its maximum",
                    None => "AWS's default maximum; iam:GetRole did not tell the role's own",
                };
                let retry = max.unwrap_or(ROLE_DEFAULT);
                ui::notice(&format!(
                    "{} allows less than {duration} s (its MaxSessionDuration); asking for \
                     {retry} s, {why}.",
                    role.arn
                ));
                retry
            }
            Err(e) if beyond_role_max(e) => return Err(too_long(role.arn, duration, None)),
            _ => return first,
        };
        aws.assume_role(role, mfa, retry).map_err(|e| {
            if beyond_role_max(&e) {
                too_long(role.arn, duration, Some(retry))
            } else {
                e
            }
        })
    }

    /// A new MFA session from GetSessionToken, cached unless it was made without MFA or the
    /// cache is not wanted.
    fn new_session(&mut self, duration: u32) -> Result<TempCreds> {
        let mfa = self.serial_and_code()?;
        let creds = self
            .identity_client()?
            .session_token(mfa.as_ref(), duration);
        self.recorded();
        let creds = creds?;
        if let (Some(mfa), false) = (&mfa, self.settings.no_cache) {
            let session = cache::Session {
                serial: mfa.serial.clone(),
                creds: creds.clone(),
                duration: Some(duration),
            };
            // The credentials are good either way; only the next run would ask again.
            if let Err(e) = cache::save(&self.keys.access_key_id, &session) {
                ui::warn(&format!("the MFA session was not cached: {}", e.msg));
            }
        }
        self.session = Some(creds.clone());
        Ok(creds)
    }

    /// Waits until the code sent is on record, so that what follows (the cache, an exec)
    /// comes after it.
    fn recorded(&mut self) {
        drop(self.recording.take());
    }

    /// The MFA device and a code, or `None` for `skip`. A run that cannot ask fails before
    /// any request.
    fn serial_and_code(&mut self) -> Result<Option<MfaCode>> {
        self.codes.ready()?;
        if self.skip() {
            ui::notice(
                "MFA skipped: these credentials will not satisfy aws:MultiFactorAuthPresent.",
            );
            return Ok(None);
        }
        let serial = match self.settings.serial.clone() {
            Some(serial) if !takes_code(&serial) => {
                return Err(Error::usage(format!(
                    "{serial} is a FIDO security key, which cannot give STS a code; name a \
                     virtual or hardware TOTP device with --serial-number (or mfa_serial), or \
                     leave it out to have one discovered"
                )));
            }
            Some(serial) => serial,
            None => self.discover_serial()?,
        };
        loop {
            let code = match self.codes.code(&serial)? {
                Code::Digits(digits) => digits,
                Code::Skip => return Ok(None),
            };
            match lastcode::used_at(&serial, &code) {
                Some(at) if self.codes.reused(at)? => continue,
                _ => {
                    self.recording = Some(lastcode::record(&serial, &code));
                    return Ok(Some(MfaCode { serial, code }));
                }
            }
        }
    }

    /// The first MFA device of the user who owns the keys that takes a code, saying which
    /// when there are several.
    fn discover_serial(&mut self) -> Result<String> {
        let aws = self.identity_client()?;
        let user = aws.user_name()?;
        let devices = aws.mfa_devices(&user)?;
        let (usable, keys): (Vec<&str>, Vec<&str>) = devices
            .iter()
            .map(String::as_str)
            .partition(|d| takes_code(d));
        let keys = keys.join(", ");
        let Some(&first) = usable.first() else {
            return Err(Error::runtime(if devices.is_empty() {
                format!(
                    "IAM user {user} has no MFA device; assign one (IAM console: Security \
                     credentials, Assign MFA device), or pass --serial-number ARN"
                )
            } else {
                format!(
                    "IAM user {user} has only FIDO security keys ({keys}), which cannot give STS \
                     a code; assign a virtual or hardware TOTP MFA device too (IAM console: \
                     Security credentials, Assign MFA device)"
                )
            }));
        };
        if devices.len() > 1 {
            let skipped = if keys.is_empty() {
                String::new()
            } else {
                format!(" FIDO security keys ({keys}) cannot give STS a code.")
            };
            let msg = format!(
                "IAM user {user} has {} MFA devices ({}); using {first}.{skipped} Pick one with \
                 --serial-number ARN.",
                devices.len(),
                devices.join(", ")
            );
            // A choice among devices that all take a code may be the wrong one: a warning.
            if usable.len() > 1 {
                ui::warn(&msg);
            } else {
                ui::notice(&msg);
            }
        }
        Ok(first.to_string())
    }
}
