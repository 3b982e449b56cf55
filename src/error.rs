//! The one error type: a message that names the problem and the fix, and the exit status.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Something failed at run time: AWS, files, the terminal.
    Runtime = 1,
    /// The command line or its environment variables are wrong.
    Usage = 2,
    /// Only a fresh MFA code can produce credentials (`refresh` and the shell hook use this).
    NeedMfa = 3,
}

#[derive(Debug)]
pub struct Error {
    pub msg: String,
    pub exit: Exit,
    /// AWS's error code, when AWS answered with one (`ExpiredToken`, `AccessDenied`, …).
    pub aws_code: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    fn new(msg: impl Into<String>, exit: Exit) -> Self {
        Error {
            msg: msg.into(),
            exit,
            aws_code: None,
        }
    }

    pub fn runtime(msg: impl Into<String>) -> Self {
        Error::new(msg, Exit::Runtime)
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::new(msg, Exit::Usage)
    }

    pub fn need_mfa(msg: impl Into<String>) -> Self {
        Error::new(msg, Exit::NeedMfa)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}
