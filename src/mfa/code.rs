//! What an MFA code is: six digits from the authenticator, or `skip` for no MFA at all.

use crate::error::{Error, Result};

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
