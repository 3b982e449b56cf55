//! The roles this user assumed before, for completion: one ARN a line, most recent last, in a
//! 0600 file in the 0700 folder `awsmfa` under the user's data directory (`private`).

use crate::aws::arn::check_role_arn;
use crate::error::Result;
use crate::files::private;
use std::path::PathBuf;

const KEEP: usize = 50;
const NAME: &str = "roles";

fn dir() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("awsmfa"))
}

/// The roles in the history. Completion puts them on the user's command line: only role ARNs
/// are offered, whatever the file holds.
pub fn roles() -> Vec<String> {
    dir()
        .and_then(|d| private::peek(&d, NAME))
        .map(|t| parse(&t))
        .unwrap_or_default()
}

fn parse(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| check_role_arn(l).is_ok())
        .map(str::to_string)
        .collect()
}

/// `text` with `arn` moved to the end, keeping the last `KEEP` lines.
fn with_role(text: &str, arn: &str) -> String {
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && *l != arn)
        .collect();
    lines.push(arn);
    let start = lines.len().saturating_sub(KEEP);
    lines[start..].iter().map(|l| format!("{l}\n")).collect()
}

pub fn record(arn: &str) -> Result<()> {
    private::storable("role ARN", arn)?;
    let Some(dir) = dir() else { return Ok(()) };
    private::update(&dir, NAME, |text| Ok(with_role(text, arn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_recent_last_without_repeats() {
        assert_eq!(with_role("", "a"), "a\n");
        assert_eq!(with_role("a\nb\n", "a"), "b\na\n");
        let many: String = (0..60).map(|i| format!("r{i}\n")).collect();
        let out = with_role(&many, "new");
        assert_eq!(out.lines().count(), KEEP);
        assert!(out.starts_with("r11\n") && out.ends_with("r59\nnew\n"));
    }

    #[test]
    fn only_role_arns_are_offered() {
        let text =
            "arn:aws:iam::123456789012:role/a\n$(touch x)\n\narn:aws:iam::123456789012:role/b c\n";
        assert_eq!(parse(text), ["arn:aws:iam::123456789012:role/a"]);
    }
}
