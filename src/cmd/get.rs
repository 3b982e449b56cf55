//! The main job: MFA code in, temporary credentials out, into the target profile (and, with
//! `--env`, into the shell); `--rotate-identity-keys` then replaces the identity's key.

use crate::cli::GetArgs;
use crate::error::{Error, Result};
use crate::files::{credfile, history, ini};
use crate::job::CredentialJob;
use crate::mfa::code;
use crate::shell::Shell;
use crate::shell::exports::{self, Labels};
use crate::shell::renewal;
use crate::{timefmt, ui};

/// A name a `[section]` line holds and botocore gives back unchanged, checked before any
/// request.
fn check_profile_name(name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.trim() == name && !name.contains(['\n', '\r']);
    if !ok {
        return Err(Error::usage(format!(
            "the target profile name {name:?} cannot be a [section] name: no line breaks, and \
             no spaces at either end"
        )));
    }
    match ini::unwritable(name, &[]) {
        Some(why) => Err(Error::usage(format!("{why}; pick another with -t NAME"))),
        None => Ok(()),
    }
}

pub fn run(args: &GetArgs) -> Result<()> {
    execute(args, CredentialJob::new(&args.creds)?, None)
}

/// Obtains the job's credentials, writes them to the target profile and reports. With
/// `newer_than` (`refresh`), credentials that do not outlive that instant count as needing a
/// code.
pub fn execute(args: &GetArgs, mut job: CredentialJob, newer_than: Option<i64>) -> Result<()> {
    check_profile_name(&args.target.name)?;
    let settings = job.settings();
    if settings.identity == args.target.name {
        return Err(Error::usage(format!(
            "the target profile [{}] is the identity profile: writing there would destroy your \
             long-lived keys; pick another with -t NAME",
            args.target.name
        )));
    }
    // POSIX unless fish is asked for: the shell that evaluates the code is the caller's,
    // whatever $SHELL (the login shell) says.
    let shell = args.env.then(|| args.shell.unwrap_or(Shell::Sh));
    if args.rotate_identity_keys {
        // A rotation AWS would refuse must fail before the target is written.
        job.check_rotation()?;
    }
    let creds = job.credentials()?;
    // The shell's expiry is by the local clock, AWS's by its own.
    if newer_than.is_some_and(|t| creds.expiration - timefmt::skew() <= t + 60) {
        return Err(code::need_code());
    }
    // Before anything is written: credentials no shell can evaluate are refused.
    let labels = Labels {
        profile: Some(&args.target.name),
        region: job.configured_region(),
    };
    let env_code = match shell {
        Some(shell) => Some(exports::code(
            shell,
            &creds,
            &labels,
            &renewal::encode(args),
        )?),
        None => None,
    };
    let file = job.take_file();
    let settings = job.settings();
    let dropped = credfile::store(
        &settings.credentials,
        &args.target.name,
        &settings.identity,
        &creds,
        file.as_ref(),
    )?;
    if !dropped.is_empty() {
        ui::notice(&format!(
            "Removed {} from [{}]: SDKs would have used {} instead of the credentials written there.",
            dropped.join(", "),
            args.target.name,
            if dropped.len() == 1 { "it" } else { "them" }
        ));
    }
    for role in &settings.roles {
        // Only completion reads the history: failing to record is not worth failing the run.
        if let Err(e) = history::record(&role.arn) {
            ui::warn(&e.msg);
        }
    }
    ui::notice(&format!(
        "Temporary credentials will expire in {}.",
        timefmt::human(timefmt::remaining(creds.expiration))
    ));
    if args.rotate_identity_keys {
        job.rotate()?;
    }
    if let Some(code) = env_code {
        ui::stdout(&code)?;
    }
    Ok(())
}
