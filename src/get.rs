//! The main job: MFA code in, temporary credentials out, into the target profile (and, with
//! `--env`, into the shell); and the other ways out for the same credentials: `refresh`,
//! `credential-process` and `exec`.

use crate::aws::{Keys, RoleRequest, TempCreds};
use crate::cli::{GetArgs, SourceArgs};
use crate::credfile;
use crate::error::{Error, Result};
use crate::history;
use crate::obtain::{self, Request};
use crate::rotate;
use crate::settings::{SESSION_DEFAULT, Settings};
use crate::shellcode::{self, Shell};
use crate::source;
use crate::timefmt;
use crate::token;

/// The variables `--env` exports. AWSMFA_EXPIRATION is the expiry in epoch seconds by the
/// local clock (corrected for a skew seen this run), so that prompts count down without
/// parsing dates; AWSMFA_SOURCE says what `refresh` renews.
fn env_vars(creds: &TempCreds) -> Vec<(&'static str, String)> {
    let local_expiration = creds.expiration - timefmt::skew();
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
        ("AWSMFA_EXPIRATION", local_expiration.to_string()),
    ]
}

fn print_env(shell: Shell, creds: &TempCreds, source: &str) -> Result<()> {
    let mut vars = env_vars(creds);
    vars.push(("AWSMFA_SOURCE", source.to_string()));
    if shell == Shell::Fish {
        // fish has no forkless clock but `path mtime`: a file whose mtime is the expiry.
        if let Some(stamp) = crate::stamp::create(creds.expiration - timefmt::skew()) {
            vars.push(("AWSMFA_EXPIRATION_STAMP", stamp.display().to_string()));
        }
    }
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::stdout(&shellcode::exports(shell, &pairs))
}

/// The identity's keys and the request for `s`.
struct Prepared {
    keys: Keys,
    region: String,
}

impl Prepared {
    fn new(s: &Settings) -> Result<Prepared> {
        let (keys, region) = credfile::identity(&s.credentials, &s.identity, s.region.as_deref())?;
        Ok(Prepared { keys, region })
    }

    fn request<'a>(&'a self, s: &'a Settings) -> Request<'a> {
        Request {
            identity: &self.keys,
            region: &self.region,
            roles: s
                .roles
                .iter()
                .map(|r| RoleRequest {
                    arn: &r.arn,
                    session_name: r.session_name.as_deref().unwrap_or_default(),
                    external_id: r.external_id.as_deref(),
                })
                .collect(),
            duration: s.duration,
            serial: s.serial.as_deref(),
            use_cache: !s.no_cache,
        }
    }
}

/// A name a `[section]` line holds and gives back unchanged.
fn check_profile_name(name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.trim() == name && !name.contains(['\n', '\r']);
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "the target profile name {name:?} cannot be a [section] name: no line breaks, and \
             no spaces at either end"
        )))
    }
}

fn code_source(s: &Settings) -> token::Source {
    token::Source::new(s.code.clone(), s.mfa_process.clone())
}

/// Obtains credentials for `args`, writes them to the target profile and reports. With
/// `newer_than`, credentials that do not outlive that instant count as needing a code.
fn execute(
    args: &GetArgs,
    s: &Settings,
    mut source: token::Source,
    newer_than: Option<i64>,
) -> Result<()> {
    check_profile_name(&args.target_profile)?;
    if s.identity == args.target_profile {
        return Err(Error::usage(format!(
            "the target profile [{}] is the identity profile: writing there would destroy your \
             long-lived keys; pick another with -t NAME",
            args.target_profile
        )));
    }
    let shell = args.env.then(|| {
        args.shell
            .unwrap_or_else(|| Shell::from_env(std::env::var("SHELL").ok().as_deref()))
    });
    let prepared = Prepared::new(s)?;
    let mut req = prepared.request(s);
    let creds = obtain::obtain(&req, &mut source)?;
    // The shell's expiry is by the local clock, AWS's by its own.
    if newer_than.is_some_and(|t| creds.expiration - timefmt::skew() <= t + 60) {
        return Err(token::need_code());
    }
    credfile::store(&s.credentials, &args.target_profile, &creds)?;
    for role in &s.roles {
        // Only completion reads the history: failing to record is not worth failing the run.
        if let Err(e) = history::record(&role.arn) {
            eprintln!("awsmfa: warning: {e}");
        }
    }
    eprintln!(
        "Temporary credentials will expire in {}.",
        timefmt::human(timefmt::remaining(creds.expiration))
    );
    if args.rotate_identity_keys {
        // Rotation needs the MFA session itself; a role was chained on it (or, assumed
        // directly, needs one now).
        let session = if s.roles.is_empty() {
            creds.clone()
        } else {
            req.roles.clear();
            req.duration = SESSION_DEFAULT;
            obtain::obtain(&req, &mut source)?
        };
        let id = rotate::Identity {
            credentials: &s.credentials,
            profile: &s.identity,
            keys: &prepared.keys,
            region: &prepared.region,
        };
        rotate::rotate(&id, &session)?;
    }
    if let Some(shell) = shell {
        print_env(shell, &creds, &source::encode(args))?;
    }
    Ok(())
}

pub fn run(args: &GetArgs) -> Result<()> {
    let s = Settings::resolve(&args.source)?;
    execute(args, &s, code_source(&s), None)
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
    let s = Settings::resolve(&args.source)?;
    let current = std::env::var("AWSMFA_EXPIRATION")
        .ok()
        .and_then(|v| v.parse().ok());
    execute(&args, &s, token::Source::Never, Some(current.unwrap_or(0)))
}

/// Credentials for `credential-process` and `exec`: the cache and the code sources as always,
/// and no file written.
fn obtain_only(args: &SourceArgs) -> Result<TempCreds> {
    let s = Settings::resolve(args)?;
    let prepared = Prepared::new(&s)?;
    obtain::obtain(&prepared.request(&s), &mut code_source(&s))
}

/// The document `credential_process` expects, and nothing else on stdout.
pub fn credential_process_json(creds: &TempCreds) -> String {
    let doc = serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.keys.access_key_id,
        "SecretAccessKey": creds.keys.secret_access_key,
        "SessionToken": creds.keys.session_token.as_deref().unwrap_or_default(),
        "Expiration": timefmt::rfc3339(creds.expiration),
    });
    format!("{doc}\n")
}

pub fn credential_process(args: &SourceArgs) -> Result<()> {
    let creds = obtain_only(args)?;
    crate::stdout(&credential_process_json(&creds))
}

/// `awsmfa exec … -- CMD`: replaces this process with CMD, so its signals and exit status are
/// its own. AWS_PROFILE goes, so that SDKs use the credentials given.
pub fn exec(args: &SourceArgs, command: &[std::ffi::OsString]) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let creds = obtain_only(args)?;
    let (program, rest) = command
        .split_first()
        .ok_or_else(|| Error::usage("exec needs a command after --"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    for (name, value) in env_vars(&creds) {
        cmd.env(name, value);
    }
    let e = cmd.exec();
    Err(Error::runtime(format!(
        "cannot run {}: {e}",
        program.to_string_lossy()
    )))
}

/// `awsmfa rotate`: an MFA session (cached, or from a code), then the rotation of the
/// identity's key. `--profile` names the identity and its MFA settings; a role has no part.
pub fn rotate_only(args: &SourceArgs) -> Result<()> {
    if args.role_arn.is_some() {
        return Err(Error::usage(
            "rotate replaces the identity profile's key and assumes no role; drop ROLE_ARN",
        ));
    }
    let s = Settings::resolve(args)?;
    let prepared = Prepared::new(&s)?;
    let mut req = prepared.request(&s);
    req.roles.clear();
    req.duration = SESSION_DEFAULT;
    let session = obtain::obtain(&req, &mut code_source(&s))?;
    let id = rotate::Identity {
        credentials: &s.credentials,
        profile: &s.identity,
        keys: &prepared.keys,
        region: &prepared.region,
    };
    rotate::rotate(&id, &session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_process_document() {
        let creds = TempCreds {
            keys: Keys {
                access_key_id: "ASIA1".into(),
                secret_access_key: "s\"e\\c".into(),
                session_token: Some("t".into()),
            },
            expiration: 1_795_843_871,
        };
        let doc: serde_json::Value =
            serde_json::from_str(&credential_process_json(&creds)).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"Version": 1, "AccessKeyId": "ASIA1", "SecretAccessKey": "s\"e\\c",
                "SessionToken": "t", "Expiration": "2026-11-28T05:31:11Z"})
        );
    }
}
