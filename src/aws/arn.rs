//! Role ARNs as IAM writes them.

use crate::error::{Error, Result};

/// `arn:<partition>:iam::<12 digits>:role/<path/>name`.
pub fn check_role_arn(arn: &str) -> Result<()> {
    let bad = || {
        Error::usage(format!(
            "{arn:?} is not a role ARN; expected arn:aws:iam::123456789012:role/NAME"
        ))
    };
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad());
    };
    let name = resource.strip_prefix("role/").ok_or_else(bad)?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && !s.starts_with('/')
            && !s.ends_with('/')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
    };
    if partition.is_empty()
        || !partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || !name_ok(name)
    {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        for ok in [
            "arn:aws:iam::123456789012:role/admin",
            "arn:aws-us-gov:iam::123456789012:role/path/to/x+y=z,a.b@c_d-e",
            "arn:aws-cn:iam::000000000000:role/r",
        ] {
            assert!(check_role_arn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "admin",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/a b",
            "arn::iam::123456789012:role/x",
        ] {
            assert!(check_role_arn(bad).is_err(), "{bad}");
        }
    }
}
