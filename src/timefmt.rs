//! Clock, RFC 3339 and human durations. The formatting is pure; `now` reads the clock, corrected
//! by the skew `observe_server_time` saw this run.

use aws_smithy_types::date_time::{DateTime, Format};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds the server's clock is ahead of ours, once an answer showed more than `SKEW_LIMIT`.
static SKEW: AtomicI64 = AtomicI64::new(0);
/// Differences up to this are ordinary latency and clock jitter.
pub const SKEW_LIMIT: i64 = 60;

fn local_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The time by the server's clock when an answer showed ours to be off, else ours.
pub fn now() -> i64 {
    local_ms().div_euclid(1000) + skew()
}

pub fn skew() -> i64 {
    SKEW.load(Ordering::Relaxed)
}

/// Compares a server's Date with the local clock; beyond `SKEW_LIMIT` warns (once) and makes
/// every remaining time in this run count by the server's clock.
pub fn observe_server_time(server: i64) {
    let skew = server - local_ms().div_euclid(1000);
    if skew.abs() > SKEW_LIMIT && SKEW.swap(skew, Ordering::Relaxed) == 0 {
        // To the minute: a Date header has whole seconds, so the last second is not known.
        crate::ui::warn(&format!(
            "this machine's clock is about {} {} AWS's; remaining times are counted by AWS's \
             clock. Fix the clock (e.g. enable NTP).",
            short((skew.abs() + 30) / 60 * 60),
            if skew > 0 { "behind" } else { "ahead of" }
        ));
    }
}

/// Whole seconds until `expiration`, rounded down: fresh 6-hour credentials have 5h59m59s left.
pub fn remaining(expiration: i64) -> i64 {
    (expiration * 1000 - local_ms() - skew() * 1000).div_euclid(1000)
}

/// `2026-11-28T05:31:11Z`: the form starship and credential_process read.
pub fn rfc3339(epoch: i64) -> String {
    DateTime::from_secs(epoch)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| epoch.to_string())
}

/// `2026-11-28T05:31:11+00:00`: Python's `isoformat()` of an AWS expiry, the form awsmfa 0.2
/// wrote to `awsmfa_expiration`.
pub fn python_isoformat(epoch: i64) -> String {
    let utc = rfc3339(epoch);
    match utc.strip_suffix('Z') {
        Some(time) => format!("{time}+00:00"),
        None => utc,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of an RFC 3339 timestamp (`Z` or an offset, fractions dropped).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let sep = |i: usize, c: &[u8]| s.as_bytes().get(i).is_some_and(|b| c.contains(b));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset)
}

fn split(secs: i64) -> (i64, i64, i64, i64) {
    let s = secs.max(0);
    (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60)
}

/// `secs` in at most `most` units, from the largest that is not zero; seconds after minutes
/// only when `seconds` says so (a lone seconds count is always shown).
fn in_units(secs: i64, most: usize, seconds: bool) -> String {
    let (d, h, m, s) = split(secs);
    let units = [(d, 'd'), (h, 'h'), (m, 'm'), (s, 's')];
    let first = units.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    let end = if seconds { 4 } else { 3.max(first + 1) };
    units[first..end.min(first + most)]
        .iter()
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect()
}

/// The message form: `5h59m59s`, `59s`, or with days `1d11h59m` (seconds no longer matter).
pub fn human(secs: i64) -> String {
    in_units(secs, 3, true)
}

/// The prompt form, two units at most: `1d11h`, `5h59m`, `29m`, `42s`. The shell scripts in
/// `shell/` compute the same text; the shell tests hold them to it.
pub fn short(secs: i64) -> String {
    in_units(secs, 2, false)
}

/// `YYYYMMDDTHHMMSS` in local time, for the default role session name.
pub fn local_stamp(epoch: i64) -> String {
    // SAFETY: localtime_r writes only into the tm we own; a zeroed tm is a valid value.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let t = epoch as libc::time_t;
        libc::localtime_r(&t, &mut tm);
        tm
    };
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human(21599), "5h59m59s");
        assert_eq!(human(129599), "1d11h59m");
        assert_eq!(human(3600), "1h0m0s");
        assert_eq!(human(899), "14m59s");
        assert_eq!(human(42), "42s");
        assert_eq!(human(-5), "0s");
    }

    #[test]
    fn short_durations() {
        assert_eq!(short(10800), "3h0m");
        assert_eq!(short(21599), "5h59m");
        assert_eq!(short(1800), "30m");
        assert_eq!(short(300), "5m");
        assert_eq!(short(42), "42s");
        assert_eq!(short(129599), "1d11h");
    }

    #[test]
    fn rfc3339_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_843_871), "2026-11-28T05:31:11Z");
        assert_eq!(parse_rfc3339("2026-11-28T05:31:11Z"), Some(1_795_843_871));
        assert_eq!(
            parse_rfc3339("2026-11-28T06:31:11+01:00"),
            Some(1_795_843_871)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T05:31:11.123Z"),
            Some(1_795_843_871)
        );
        assert_eq!(parse_rfc3339("1970-01-01 00:00:00-00:30"), Some(1800));
        assert_eq!(parse_rfc3339("2000-02-29T12:00:00Z"), Some(951_825_600));
        assert_eq!(parse_rfc3339("tomorrow"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-28T05:31:11"), None);
        assert_eq!(parse_rfc3339("2026-11-28T05:31:11+0100"), None);
        assert_eq!(python_isoformat(1_795_843_871), "2026-11-28T05:31:11+00:00");
        assert_eq!(
            parse_rfc3339(&python_isoformat(1_795_843_871)),
            Some(1_795_843_871)
        );
    }

    #[test]
    fn local_stamp_shape() {
        let s = local_stamp(1_795_843_871);
        assert_eq!(s.len(), 15);
        assert_eq!(&s[8..9], "T");
        assert!(s.starts_with("2026112"));
    }
}
