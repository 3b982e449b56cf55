//! `awsmfa exec … -- CMD`: replaces this process with CMD, the credentials in its environment,
//! so that its signals and exit status are its own. No file is written.

use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::job::CredentialJob;
use crate::shell::exports;
use std::os::unix::process::CommandExt;

pub fn run(args: &ExecArgs) -> Result<()> {
    let creds = CredentialJob::new(&args.creds)?.credentials()?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("exec needs a command after --"))?;
    let mut cmd = std::process::Command::new(program);
    // AWS_PROFILE goes, so that SDKs use the credentials given.
    cmd.args(rest)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    for (name, value) in exports::vars(&creds) {
        cmd.env(name, value);
    }
    let e = cmd.exec();
    Err(Error::runtime(format!(
        "cannot run {}: {e}",
        program.to_string_lossy()
    )))
}
