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
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn runtime(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            exit: Exit::Runtime,
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            exit: Exit::Usage,
        }
    }

    pub fn need_mfa(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            exit: Exit::NeedMfa,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}
