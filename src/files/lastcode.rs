//! The last MFA code awsmfa sent for each device: a TOTP code is accepted once, so the same
//! code again within 30 s is not worth sending. Lines `serial code epoch` in a 0600 file in the
//! cache folder.

use crate::files::{cache, private};
use crate::timefmt;

/// How long a sent code stays spent.
pub const WINDOW: i64 = 30;

const NAME: &str = "last-codes";

/// When `code` was sent for `serial` within the last `WINDOW` seconds. A time ahead of the
/// clock is no evidence: believing it would hold a code back for good.
pub fn recent(text: &str, serial: &str, code: &str, now: i64) -> Option<i64> {
    text.lines().find_map(|l| {
        let mut f = l.split(' ');
        let (s, c, at) = (f.next()?, f.next()?, f.next()?.parse::<i64>().ok()?);
        (s == serial && c == code && (0..WINDOW).contains(&(now - at))).then_some(at)
    })
}

fn with_code(text: &str, serial: &str, code: &str, now: i64) -> String {
    let mut out: String = text
        .lines()
        .filter(|l| l.split(' ').next() != Some(serial))
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(&format!("{serial} {code} {now}\n"));
    out
}

pub fn used_at(serial: &str, code: &str) -> Option<i64> {
    let text = private::read(&cache::location()?, NAME)?;
    recent(&text, serial, code, timefmt::now())
}

/// The devices codes were sent to, for completion: read as found, never vetted or changed.
pub fn devices() -> Vec<String> {
    let text = cache::location().and_then(|dir| private::peek(&dir, NAME));
    let lines = text.as_deref().unwrap_or_default().lines();
    lines
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect()
}

/// A record being written while the run goes on: the two fsyncs that make it durable (a
/// millisecond or two) overlap the AWS call the code is for. Dropping it waits for the write:
/// the job drops it right after the call, before any cache write or exec.
pub struct Recording(Option<std::thread::JoinHandle<()>>);

impl Drop for Recording {
    fn drop(&mut self) {
        if let Some(writer) = self.0.take() {
            // The writer warns of its own failure.
            let _ = writer.join();
        }
    }
}

/// Remembers that `code` was sent, on a thread of its own (inline if none can be started).
pub fn record(serial: &str, code: &str) -> Recording {
    let (s, c) = (serial.to_string(), code.to_string());
    match std::thread::Builder::new().spawn(move || write(&s, &c)) {
        Ok(writer) => Recording(Some(writer)),
        Err(_) => {
            write(serial, code);
            Recording(None)
        }
    }
}

/// Failing to remember is not worth failing the run. A serial that is not one word is not
/// recorded, as it would add or split lines; AWS's serials never hold a space, and the cache
/// says when it refuses one.
fn write(serial: &str, code: &str) {
    if private::storable("MFA serial", serial).is_err() {
        return;
    }
    let Some(dir) = cache::location() else { return };
    let saved = private::update(&dir, NAME, |t| {
        Ok(with_code(t, serial, code, timefmt::now()))
    });
    if let Err(e) = saved {
        crate::ui::warn(&e.msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_one_code_per_device_for_thirty_seconds() {
        let t = with_code("", "arn:a", "111111", 1000);
        let t = with_code(&t, "arn:b", "222222", 1005);
        let t = with_code(&t, "arn:a", "333333", 1010);
        assert_eq!(t, "arn:b 222222 1005\narn:a 333333 1010\n");
        assert_eq!(recent(&t, "arn:a", "333333", 1039), Some(1010));
        assert_eq!(recent(&t, "arn:a", "333333", 1040), None);
        assert_eq!(recent(&t, "arn:a", "111111", 1011), None);
        assert_eq!(recent(&t, "arn:c", "333333", 1011), None);
        assert_eq!(recent("garbage\n", "arn:a", "1", 0), None);
        assert_eq!(
            recent(&t, "arn:a", "333333", 1009),
            None,
            "sent in the future"
        );
    }
}
