//! The main job: MFA code in, temporary credentials out, into the target profile.

use crate::aws::{Aws, TempCreds};
use crate::cli::GetArgs;
use crate::credfile;
use crate::error::{Error, Result};
use crate::ini::Doc;
use crate::settings::Settings;
use crate::shellcode::{self, Shell};
use crate::timefmt;
use crate::token::{self, Code};

/// AWS_REGION, AWS_DEFAULT_REGION, the identity profile's region, else us-east-1 (STS's global
/// endpoint). Never the SDK's chain, which would wait on instance metadata.
fn region(doc: &Doc, identity: &str) -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|r| !r.is_empty()))
        .or_else(|| {
            doc.get(identity, "region")
                .filter(|r| !r.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// The first MFA device of the user who owns the keys, warning when there are several.
fn discover_serial(aws: &Aws) -> Result<String> {
    let user = aws.user_name()?;
    let devices = aws.mfa_devices(&user)?;
    match devices.as_slice() {
        [] => Err(Error::runtime(format!(
            "IAM user {user} has no MFA device; assign one (IAM console: Security credentials, \
             Assign MFA device), or pass --serial-number ARN"
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

/// The variables `--env` exports. AWSMFA_EXPIRATION is the expiry in epoch seconds so that
/// shell prompts can count down without parsing dates.
pub fn env_vars(creds: &TempCreds) -> Vec<(&'static str, String)> {
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
    ]
}

pub fn print_env(shell: Shell, creds: &TempCreds) -> Result<()> {
    let vars = env_vars(creds);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::stdout(&shellcode::exports(shell, &pairs))
}

pub fn run(args: &GetArgs) -> Result<()> {
    let s = Settings::resolve(args)?;
    let text = credfile::read(&s.credentials)?;
    let doc = credfile::parse(&s.credentials, &text)?;
    let source = token::Source::new(s.code.clone())?;
    let keys = credfile::identity_keys(&doc, &s.credentials, &s.identity)?;
    let aws = Aws::new(&keys, &region(&doc, &s.identity))?;

    let serial = match (&s.serial, source.is_skip()) {
        (_, true) => String::new(),
        (Some(serial), false) => serial.clone(),
        (None, false) => discover_serial(&aws)?,
    };
    let code = source.code()?;
    let mfa = match &code {
        Code::Digits(digits) => Some((serial.as_str(), digits.as_str())),
        Code::Skip => {
            eprintln!(
                "MFA skipped: these credentials will not satisfy aws:MultiFactorAuthPresent."
            );
            None
        }
    };
    let creds = match &s.role {
        None => aws.session_token(mfa, s.duration)?,
        Some(arn) => aws.assume_role(arn, &s.session_name, mfa, s.duration)?,
    };
    credfile::store(&s.credentials, &s.target, &creds)?;
    eprintln!(
        "Temporary credentials will expire in {}.",
        timefmt::human(timefmt::remaining(creds.expiration))
    );
    if let Some(shell) = s.env {
        print_env(shell, &creds)?;
    }
    Ok(())
}
