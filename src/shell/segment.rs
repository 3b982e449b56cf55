//! The prompt segment: the remaining lifetime as text, coloured by how much is left. Pure: the
//! shell scripts compute the same text and colour by the same rule (tests hold them to it).

use crate::timefmt;
use owo_colors::OwoColorize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Fine,
    Warn,
    Critical,
}

/// Green above `warn` seconds, yellow from there, red from `critical` and when expired.
pub fn level(remaining: i64, warn: i64, critical: i64) -> Level {
    if remaining <= critical {
        Level::Critical
    } else if remaining <= warn {
        Level::Warn
    } else {
        Level::Fine
    }
}

pub struct Style<'a> {
    pub format: &'a str,
    pub expired: &'a str,
    pub warn: i64,
    pub critical: i64,
    pub color: bool,
}

/// The segment for credentials expiring at `expiration`, `remaining` seconds from now. Fields:
/// `{remaining}` (e.g. `5h59m`), `{seconds}`, `{expiration}` (RFC 3339).
pub fn segment(expiration: i64, remaining: i64, style: &Style) -> String {
    let text = if remaining > 0 {
        style
            .format
            .replace("{remaining}", &timefmt::short(remaining))
            .replace("{seconds}", &remaining.to_string())
            .replace("{expiration}", &timefmt::rfc3339(expiration))
    } else {
        style.expired.to_string()
    };
    if !style.color {
        return text;
    }
    match level(remaining, style.warn, style.critical) {
        Level::Fine => text.green().to_string(),
        Level::Warn => text.yellow().to_string(),
        Level::Critical => text.red().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(color: bool) -> Style<'static> {
        Style {
            format: "aws {remaining}",
            expired: "aws expired",
            warn: 3600,
            critical: 600,
            color,
        }
    }

    #[test]
    fn text_at_each_stage() {
        let s = style(false);
        assert_eq!(segment(0, 10800, &s), "aws 3h0m");
        assert_eq!(segment(0, 1800, &s), "aws 30m");
        assert_eq!(segment(0, 300, &s), "aws 5m");
        assert_eq!(segment(0, 0, &s), "aws expired");
        assert_eq!(segment(0, -5, &s), "aws expired");
    }

    #[test]
    fn colour_by_remaining_time() {
        let s = style(true);
        assert_eq!(segment(0, 10800, &s), "\x1b[32maws 3h0m\x1b[39m");
        assert_eq!(segment(0, 1800, &s), "\x1b[33maws 30m\x1b[39m");
        assert_eq!(segment(0, 300, &s), "\x1b[31maws 5m\x1b[39m");
        assert_eq!(segment(0, -1, &s), "\x1b[31maws expired\x1b[39m");
        assert_eq!(level(3600, 3600, 600), Level::Warn);
        assert_eq!(level(600, 3600, 600), Level::Critical);
        assert_eq!(level(3601, 3600, 600), Level::Fine);
    }

    #[test]
    fn format_fields() {
        let s = Style {
            format: "{seconds}s until {expiration}",
            ..style(false)
        };
        assert_eq!(
            segment(1_795_843_871, 42, &s),
            "42s until 2026-11-28T05:31:11Z"
        );
    }
}
