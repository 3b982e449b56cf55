//! The roles this user assumed before, for completion: one ARN a line, most recent last, in a
//! 0600 file under the user's data directory.

use crate::error::Result;
use crate::files::atomic;
use std::path::PathBuf;

const KEEP: usize = 50;

fn path() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("awsmfa").join("roles"))
}

pub fn roles() -> Vec<String> {
    path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| {
            t.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
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
    let Some(path) = path() else { return Ok(()) };
    if let Some(dir) = path.parent() {
        atomic::private_dir(dir)?;
    }
    atomic::update(&path, |text| Ok(with_role(text, arn)))
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
}
