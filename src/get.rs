//! The main job: MFA code in, temporary credentials out, into the target profile (and, with
//! `--env`, into the shell). `refresh` runs the same job for what a shell holds, without asking.

use crate::aws::{RoleRequest, TempCreds};
use crate::cli::{GetArgs, RotateArgs};
use crate::credfile;
use crate::error::{Error, Result};
use crate::history;
use crate::obtain::{self, Request};
use crate::rotate;
use crate::settings::{self, SESSION_DEFAULT, Settings};
use crate::shellcode::{self, Shell};
use crate::source;
use crate::timefmt;
use crate::token;

/// The variables `--env` exports. AWSMFA_EXPIRATION is the expiry in epoch seconds so that
/// prompts count down without parsing dates; AWSMFA_SOURCE says what `refresh` renews.
fn env_vars(creds: &TempCreds, source: &str) -> Vec<(&'static str, String)> {
    let token = creds.keys.session_token.clone().unwrap_or_default();
    vec![
        ("AWS_ACCESS_KEY_ID", creds.keys.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            creds.keys.secret_access_key.clone(),
        ),
        ("AWS_SESSION_TOKEN", token.clone()),
        ("AWS_SECURITY_TOKEN", token),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            timefmt::rfc3339(creds.expiration),
        ),
        ("AWSMFA_EXPIRATION", creds.expiration.to_string()),
        ("AWSMFA_SOURCE", source.to_string()),
    ]
}

fn print_env(shell: Shell, creds: &TempCreds, source: &str) -> Result<()> {
    let mut vars = env_vars(creds, source);
    if shell == Shell::Fish {
        // fish has no forkless clock but `path mtime`: a file whose mtime is the expiry.
        if let Some(stamp) = crate::stamp::create(creds.expiration) {
            vars.push(("AWSMFA_EXPIRATION_STAMP", stamp.display().to_string()));
        }
    }
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::stdout(&shellcode::exports(shell, &pairs))
}

/// Obtains credentials for `s`, writes them to the target profile and reports. With
/// `newer_than`, credentials that do not outlive that instant count as needing a code.
fn execute(s: &Settings, mut source: token::Source, newer_than: Option<i64>) -> Result<()> {
    let (keys, region) = credfile::identity(&s.credentials, &s.identity)?;
    let mut req = Request {
        identity: &keys,
        region: &region,
        role: s.role.as_deref().map(|arn| RoleRequest {
            arn,
            session_name: &s.session_name,
            external_id: None,
        }),
        duration: s.duration,
        serial: s.serial.as_deref(),
        use_cache: !s.no_cache,
    };
    let creds = obtain::obtain(&req, &mut source)?;
    if newer_than.is_some_and(|t| creds.expiration <= t + 60) {
        return Err(token::need_code());
    }
    credfile::store(&s.credentials, &s.target, &creds)?;
    if let Some(arn) = &s.role {
        // Only completion reads the history: failing to record is not worth failing the run.
        if let Err(e) = history::record(arn) {
            eprintln!("awsmfa: warning: {e}");
        }
    }
    eprintln!(
        "Temporary credentials will expire in {}.",
        timefmt::human(timefmt::remaining(creds.expiration))
    );
    if s.rotate {
        // Rotation needs the MFA session itself; a role was chained on it (or, assumed
        // directly, needs one now).
        let session = match s.role {
            None => creds.clone(),
            Some(_) => {
                req.role = None;
                req.duration = SESSION_DEFAULT;
                obtain::obtain(&req, &mut source)?
            }
        };
        let id = rotate::Identity {
            credentials: &s.credentials,
            profile: &s.identity,
            keys: &keys,
            region: &region,
        };
        rotate::rotate(&id, &session)?;
    }
    if let Some(shell) = s.env {
        print_env(shell, &creds, &source::encode(s))?;
    }
    Ok(())
}

/// `awsmfa rotate`: an MFA session (cached, or from a code), then the rotation.
pub fn rotate_only(args: &RotateArgs) -> Result<()> {
    let credentials = args
        .aws_credentials
        .clone()
        .unwrap_or_else(settings::default_credentials);
    let code = args
        .token_code
        .as_deref()
        .map(token::from_arg)
        .transpose()?;
    let (keys, region) = credfile::identity(&credentials, &args.identity_profile)?;
    let req = Request {
        identity: &keys,
        region: &region,
        role: None,
        duration: SESSION_DEFAULT,
        serial: args.serial_number.as_deref(),
        use_cache: !args.no_cache,
    };
    let session = obtain::obtain(&req, &mut token::Source::new(code))?;
    let id = rotate::Identity {
        credentials: &credentials,
        profile: &args.identity_profile,
        keys: &keys,
        region: &region,
    };
    rotate::rotate(&id, &session)
}

pub fn run(args: &GetArgs) -> Result<()> {
    let s = Settings::resolve(args)?;
    let source = token::Source::new(s.code.clone());
    execute(&s, source, None)
}

/// `awsmfa refresh`: renews what AWSMFA_SOURCE describes without asking for anything. Exit 3
/// (a new MFA code is needed) when only a code would give credentials that outlive the
/// current ones.
pub fn refresh(shell: Option<Shell>) -> Result<()> {
    let encoded = std::env::var("AWSMFA_SOURCE").unwrap_or_default();
    if encoded.is_empty() {
        return Err(Error::need_mfa(
            "this shell holds no credentials from awsmfa (AWSMFA_SOURCE is unset); run awsmfa",
        ));
    }
    let mut args = source::decode(&encoded)?;
    args.env = true;
    args.shell = shell;
    let s = Settings::resolve(&args)?;
    let current = std::env::var("AWSMFA_EXPIRATION")
        .ok()
        .and_then(|v| v.parse().ok());
    execute(&s, token::Source::Never, Some(current.unwrap_or(0)))
}
