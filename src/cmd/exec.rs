//! `awsmfa exec … -- CMD`: replaces this process with CMD, the credentials in its environment,
//! so that its signals and exit status are its own. No file is written.

use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::job::CredentialJob;
use crate::shell::contract;
use crate::shell::exports::{self, Labels};
use std::os::unix::process::CommandExt;

pub fn run(args: &ExecArgs) -> Result<()> {
    let mut job = CredentialJob::new(&args.creds)?;
    let creds = job.credentials()?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("exec needs a command after --"))?;
    let mut cmd = std::process::Command::new(program);
    // AWS_PROFILE goes, so that SDKs use the credentials given, and so do other tools' names.
    cmd.args(rest);
    for name in contract::SUPERSEDED {
        cmd.env_remove(name);
    }
    // No profile is named: exec writes none, so none holds these credentials.
    let labels = Labels {
        profile: None,
        region: job.configured_region(),
    };
    for (name, value) in exports::vars(&creds, &labels) {
        cmd.env(name, value);
    }
    let e = cmd.exec();
    Err(Error::runtime(format!(
        "cannot run {}: {e}",
        program.to_string_lossy()
    )))
}
