//! An `mfa_process`: the command that prints the MFA code. Its command line may hold a TOTP
//! seed (`oathtool --totp -b SEED`), so it is never shown: messages name where it was set
//! instead.

use crate::code::{self, Code};
use crate::error::{Error, Result};
use crate::files::config;
use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the command was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env,
    /// `mfa_process` in this profile of ~/.aws/config.
    Profile(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("the mfa_process from --mfa-process"),
            Origin::Env => f.write_str("the mfa_process from AWS_MFA_PROCESS"),
            Origin::Profile(name) => {
                let section = if name == "default" {
                    "[default]".to_string()
                } else {
                    format!("[profile {name}]")
                };
                write!(
                    f,
                    "the mfa_process of {section} in {}",
                    config::path().display()
                )
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

/// Seconds an `mfa_process` may take (AWSMFA_MFA_PROCESS_TIMEOUT, default 60).
fn timeout() -> Duration {
    let secs = std::env::var("AWSMFA_MFA_PROCESS_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok());
    Duration::from_secs(secs.unwrap_or(60))
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

    /// Runs `cmd` with `sh -c` and takes the code from its stdout, which is never echoed: it
    /// may be a secret. The child gets a process group of its own so that a timeout ends all it
    /// started; that group is not the terminal's foreground, so a tool that reads the terminal
    /// is stopped.
    pub fn code(&self) -> Result<Code> {
        let mut child = Command::new("sh")
            .args(["-c", &self.cmd])
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| self.error(&format!("could not start: {e}")))?;
        let timeout = timeout();
        let deadline = Instant::now() + timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    // The whole group: `sh -c` may have started the real tool as a child.
                    // SAFETY: kill(2) on our own child's process group.
                    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                    let _ = child.wait();
                    return Err(self.error(&format!(
                        "gave no code within {} s (set AWSMFA_MFA_PROCESS_TIMEOUT to wait longer)",
                        timeout.as_secs()
                    )));
                }
            }
        };
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        if !status.success() {
            return Err(self.error(&format!("failed ({status})")));
        }
        match code::parse(&out) {
            Some(Code::Digits(d)) => Ok(Code::Digits(d)),
            _ => Err(self.error("printed no 6-digit code")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_origin_not_the_command() {
        let p = MfaProcess {
            cmd: "oathtool --totp -b SEED".into(),
            origin: Origin::Profile("work".into()),
        };
        let e = p.error("failed (exit status: 1)");
        assert!(e.msg.starts_with("the mfa_process of [profile work] in "));
        assert!(!e.msg.contains("SEED") && !format!("{p:?}").contains("SEED"));
        assert_eq!(
            Origin::Profile("default".into()).to_string(),
            format!(
                "the mfa_process of [default] in {}",
                config::path().display()
            )
        );
    }
}
