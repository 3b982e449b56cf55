//! `awsmfa exec … -- CMD`: replaces this process with CMD, the credentials in its environment,
//! so that its signals and exit status are its own. No file is written.
//!
//! With `--server`, CMD runs as a child instead, pointed at a credential server that renews
//! the credentials while it runs; awsmfa passes signals on, and exits with CMD's status as
//! soon as CMD ends, which ends the server.

use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::job::CredentialJob;
use crate::server::{self, signals};
use crate::shell::contract;
use crate::shell::exports::{self, Labels};
use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus};

pub fn run(args: &ExecArgs) -> Result<()> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("exec needs a command after --"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    if args.server {
        return with_server(args, cmd, program);
    }
    let mut job = CredentialJob::new(&args.creds)?;
    let creds = job.credentials()?;
    // AWS_PROFILE goes, so that SDKs use the credentials given, and so do other tools' names.
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
    Err(cannot_run(program, &cmd.exec()))
}

fn cannot_run(program: &OsString, e: &std::io::Error) -> Error {
    Error::runtime(format!("cannot run {}: {e}", program.to_string_lossy()))
}

/// The status a shell would report: the exit code, or 128 + the signal that killed CMD.
fn shell_status(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

fn with_server(args: &ExecArgs, mut cmd: Command, program: &OsString) -> Result<()> {
    let provider = server::prepare(CredentialJob::new(&args.creds)?)?;
    // Before any thread starts, so that every thread of awsmfa keeps them blocked.
    let signals = signals::Blocked::handled();
    let endpoint = server::listen(provider, 0)?;
    for name in server::SHADOWING {
        cmd.env_remove(name);
    }
    for (name, value) in endpoint.vars() {
        cmd.env(name, value);
    }
    let config = server::config_copy(&program.to_string_lossy())?;
    if let Some(copy) = &config {
        cmd.env("AWS_CONFIG_FILE", copy.path());
    }
    signals.unblocked_in(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| cannot_run(program, &e))?;
    let pid = child.id() as libc::pid_t;
    std::thread::spawn(move || {
        loop {
            let received = signals.next();
            // What the terminal sent reached CMD too: it is in the same foreground group.
            if !received.from_terminal {
                // SAFETY: kill(2) on our child; awsmfa exits as soon as it has reaped it.
                unsafe { libc::kill(pid, received.signal) };
            }
        }
    });
    let status = child.wait().map_err(|e| {
        Error::runtime(format!(
            "cannot wait for {}: {e}",
            program.to_string_lossy()
        ))
    })?;
    // exit runs no destructors.
    drop(config);
    std::process::exit(shell_status(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_as_shells_report_them() {
        assert_eq!(shell_status(ExitStatus::from_raw(7 << 8)), 7);
        assert_eq!(shell_status(ExitStatus::from_raw(libc::SIGKILL)), 137);
        assert_eq!(shell_status(ExitStatus::from_raw(libc::SIGTERM)), 143);
    }
}
