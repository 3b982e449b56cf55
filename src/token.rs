//! MFA codes: validation, and the prompt on the terminal.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// Six digits from the authenticator.
    Digits(String),
    /// No MFA at all: the credentials will not satisfy `aws:MultiFactorAuthPresent`.
    Skip,
}

pub fn parse(s: &str) -> Option<Code> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("skip") {
        Some(Code::Skip)
    } else if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        Some(Code::Digits(s.to_string()))
    } else {
        None
    }
}

/// A code given on the command line or in AWS_MFA_TOKEN_CODE.
pub fn from_arg(s: &str) -> Result<Code> {
    parse(s).ok_or_else(|| {
        Error::usage(
            "the MFA token code must be 6 digits or `skip` (from -c or AWS_MFA_TOKEN_CODE)",
        )
    })
}

/// The answer of a run that may not ask for a code but needs one.
pub fn need_code() -> Error {
    Error::need_mfa("a new MFA code is needed; run awsmfa to enter one")
}

fn no_terminal() -> Error {
    Error::usage(
        "an MFA code is needed and there is no terminal to ask on; \
         pass -c CODE or set AWS_MFA_TOKEN_CODE",
    )
}

/// Where the code comes from. Whether a code is needed at all is known only after the MFA
/// session cache has been looked at; `ready` then fails before any request is sent.
pub enum Source {
    Given(Code),
    /// Asked on the terminal itself, so stdout stays clean for `eval` and stdin may be a pipe.
    Terminal(File),
    /// No code was given and there is no terminal to ask on.
    NoTerminal,
    /// No code may be asked for (`refresh`): needing one is the answer.
    Never,
}

impl Source {
    pub fn new(given: Option<Code>) -> Source {
        match given {
            Some(code) => Source::Given(code),
            None => OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .map_or(Source::NoTerminal, Source::Terminal),
        }
    }

    pub fn is_skip(&self) -> bool {
        matches!(self, Source::Given(Code::Skip))
    }

    /// Whether `code` can deliver; checked before the requests that precede it.
    pub fn ready(&self) -> Result<()> {
        match self {
            Source::Never => Err(need_code()),
            Source::NoTerminal => Err(no_terminal()),
            Source::Given(_) | Source::Terminal(_) => Ok(()),
        }
    }

    /// The code; on the terminal, asked again until it is well-formed.
    pub fn code(&mut self) -> Result<Code> {
        let tty = match self {
            Source::Terminal(tty) => tty,
            Source::Given(code) => return Ok(code.clone()),
            Source::NoTerminal => return Err(no_terminal()),
            Source::Never => return Err(need_code()),
        };
        let mut input = BufReader::new(&*tty);
        loop {
            eprint!("MFA Token Code: ");
            let mut line = String::new();
            let n = input.read_line(&mut line).map_err(|e| {
                Error::runtime(format!("cannot read the MFA code from the terminal: {e}"))
            })?;
            if n == 0 {
                return Err(Error::usage("no MFA code entered (end of input)"));
            }
            match parse(&line) {
                Some(code) => return Ok(code),
                None => eprintln!("The code is the 6 digits your MFA device shows (or `skip`)."),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(parse("123456"), Some(Code::Digits("123456".into())));
        assert_eq!(parse(" 012345\n"), Some(Code::Digits("012345".into())));
        assert_eq!(parse("SKIP"), Some(Code::Skip));
        for bad in ["12345", "1234567", "abcdef", "", "12 456", "١٢٣٤٥٦"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
