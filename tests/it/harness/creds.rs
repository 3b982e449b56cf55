//! Reading what awsmfa wrote and said: INI values, expirations, the expiry message.

use super::util::now;

/// The value of `key` in `[section]` of an INI text.
pub fn value(text: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == header;
        } else if inside
            && let Some((k, v)) = t.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// Seconds left until the `expiration` written in `[section]`.
pub fn expiration_in(text: &str, section: &str) -> i64 {
    let exp = value(text, section, "expiration").expect("expiration written");
    let out = std::process::Command::new("date")
        .args(["-d", &exp, "+%s"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse::<i64>()
        .unwrap()
        - now()
}

/// Asserts that `stderr` ends with `Temporary credentials will expire in D.` where D, a
/// human duration such as `5h59m59s`, is at most `secs` and at most 5 s less (the time a run
/// under load may take between AWS's answer and the message).
#[track_caller]
pub fn assert_expires_in(stderr: &str, secs: i64) {
    let last = stderr.lines().last().unwrap_or_default();
    let d = last
        .strip_prefix("Temporary credentials will expire in ")
        .and_then(|d| d.strip_suffix('.'))
        .unwrap_or_else(|| panic!("no expiry message in {stderr:?}"));
    let mut total = 0;
    let mut n = 0;
    for c in d.chars() {
        match c {
            '0'..='9' => n = n * 10 + i64::from(c as u8 - b'0'),
            'd' | 'h' | 'm' | 's' => {
                total += n * [86400, 3600, 60, 1]["dhms".find(c).unwrap()];
                n = 0;
            }
            _ => panic!("odd duration {d:?}"),
        }
    }
    assert!(
        (secs - 5..=secs).contains(&total),
        "{d:?} is not about {secs} s"
    );
}
