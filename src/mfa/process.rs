//! An `mfa_process`: the command that prints the MFA code. It may talk to the user (a PIN, a
//! passphrase) on the terminal, its output is read as it comes, it has a real deadline, and
//! when awsmfa stops waiting — a code, a timeout, Ctrl-C — what it started ends. Its command
//! line may hold a TOTP seed (`oathtool --totp -b SEED`), so it is never shown: messages name
//! where it was set instead.

use super::code::{self, Code};
use super::supervise::{self, Finished, Group, Signals};
use super::terminal::{self, Saved};
use crate::error::{Error, Result};
use std::fmt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Where the command was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env,
    /// `mfa_process` in `profile` of the config file `file`.
    Profile {
        profile: String,
        file: PathBuf,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("the mfa_process from --mfa-process"),
            Origin::Env => f.write_str("the mfa_process from AWS_MFA_PROCESS"),
            Origin::Profile { profile, file } => {
                let section = if profile == "default" {
                    "[default]".to_string()
                } else {
                    format!("[profile {profile}]")
                };
                write!(f, "the mfa_process of {section} in {}", file.display())
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct MfaProcess {
    pub cmd: String,
    pub origin: Origin,
}

/// Without the command line, which may hold a seed.
impl fmt::Debug for MfaProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaProcess")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl MfaProcess {
    /// The command given with --mfa-process or in AWS_MFA_PROCESS: clap gives both in one
    /// field, so the variable's own value tells which.
    pub fn from_arg(cmd: &str) -> MfaProcess {
        let env = std::env::var_os("AWS_MFA_PROCESS").is_some_and(|v| v == cmd);
        MfaProcess {
            cmd: cmd.to_string(),
            origin: if env { Origin::Env } else { Origin::Flag },
        }
    }

    pub fn error(&self, why: &str) -> Error {
        Error::runtime(format!("{} {why}", self.origin))
    }

    /// Runs the command and takes the code from its stdout, which is never echoed: it may be a
    /// secret.
    pub fn code(&self) -> Result<Code> {
        let done = self.run()?;
        let status = done.exit().map_err(|why| self.error(&why))?;
        if !status.success() {
            return Err(self.error(&format!("failed ({status})")));
        }
        match done.stdout.text().as_deref().and_then(code::parse) {
            Some(Code::Digits(d)) => Ok(Code::Digits(d)),
            _ => Err(self.error("printed no 6-digit code")),
        }
    }

    /// Runs the command with `/bin/sh -c` until it exits, the deadline passes or a signal
    /// comes, and ends what it started.
    ///
    /// On a terminal awsmfa holds, the command gets it as stdin and stderr, whatever awsmfa's
    /// own are (a caller such as botocore captures them), and stays in awsmfa's process group,
    /// so that it may read the terminal and Ctrl-C reaches it. Otherwise — no terminal, or
    /// awsmfa in the background of one, where the terminal would stop a command that reads
    /// it — the command has a session of its own, without a terminal: a PIN it cannot ask
    /// for makes it fail rather than wait.
    fn run(&self) -> Result<Finished> {
        let tty = terminal::foreground();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(&self.cmd);
        let group = match &tty {
            Some(tty) => {
                let handle = || {
                    tty.try_clone()
                        .map_err(|e| Error::runtime(format!("cannot use the terminal: {e}")))
                };
                cmd.stdin(handle()?).stderr(handle()?);
                Group::Shared
            }
            None => {
                cmd.stdin(Stdio::null());
                Group::Own
            }
        };
        let terminal = tty.as_ref().and_then(Saved::save);
        let signals = Signals::catch();
        let done = supervise::run(&mut cmd, group, &signals);
        if let Some(terminal) = terminal {
            terminal.restore();
        }
        signals.reraise();
        done.map_err(|e| self.error(&format!("could not start: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_origin_not_the_command() {
        let p = MfaProcess {
            cmd: "oathtool --totp -b SEED".into(),
            origin: Origin::Profile {
                profile: "work".into(),
                file: "/home/u/.aws/config".into(),
            },
        };
        let e = p.error("failed (exit status: 1)");
        assert!(e.msg.starts_with("the mfa_process of [profile work] in "));
        assert!(!e.msg.contains("SEED") && !format!("{p:?}").contains("SEED"));
        assert_eq!(
            Origin::Profile {
                profile: "default".into(),
                file: "/home/u/.aws/config".into(),
            }
            .to_string(),
            "the mfa_process of [default] in /home/u/.aws/config"
        );
    }
}
