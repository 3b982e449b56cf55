//! The main job: MFA code in, temporary credentials out, into the target profile (and, with
//! `--env`, into the shell). `refresh` runs the same job for what a shell holds, without asking.

use crate::aws::{RoleRequest, TempCreds};
use crate::cli::GetArgs;
use crate::credfile;
use crate::error::{Error, Result};
use crate::history;
use crate::ini::Doc;
use crate::obtain::{self, Request};
use crate::settings::Settings;
use crate::shellcode::{self, Shell};
use crate::source;
use crate::timefmt;
use crate::token;

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
fn execute(s: &Settings, source: token::Source, newer_than: Option<i64>) -> Result<()> {
    let text = credfile::read(&s.credentials)?;
    let doc = credfile::parse(&s.credentials, &text)?;
    let keys = credfile::identity_keys(&doc, &s.credentials, &s.identity)?;
    let region = region(&doc, &s.identity);
    let req = Request {
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
    let creds = obtain::obtain(&req, source)?;
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
    if let Some(shell) = s.env {
        print_env(shell, &creds, &source::encode(s))?;
    }
    Ok(())
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
