//! The MFA session cache: one GetSessionToken answer per identity, reused by every shell, role
//! and `credential-process` call while it lives, so one MFA code lasts the whole session.
//! Files are 0600 in a 0700 `awsmfa` folder under the user's cache directory, written
//! atomically under the same lock as every other file; a folder or file there that awsmfa did
//! not make is not trusted (`private`). The session of an identity whose keys are in the OS
//! keyring is kept in the keyring instead (`keyring::holds`), in the same text.

use crate::aws::{Keys, TempCreds};
use crate::error::Result;
use crate::files::ini::Doc;
use crate::files::{atomic, keyring, private};
use crate::timefmt;
use std::path::PathBuf;

/// A cached session is reused only while it has this many seconds left, so that what is built
/// on it (a role, a shell's credentials) does not expire at once.
pub const MARGIN: i64 = 600;

pub struct Session {
    pub serial: String,
    pub creds: TempCreds,
    /// The lifetime asked of AWS when it was made; unknown in files written before 0.3.
    pub duration: Option<u32>,
}

impl Session {
    /// Whether this session serves a request for `wanted` seconds: it was made to last that
    /// long (so a run that asks again later is served), or, when that is unknown, still has
    /// that long.
    pub fn serves(&self, wanted: u32, now: i64) -> bool {
        match self.duration {
            Some(made_for) => made_for >= wanted,
            None => self.creds.expiration - now >= i64::from(wanted),
        }
    }
}

/// Where the cache folder is, whatever state it is in.
pub fn location() -> Option<PathBuf> {
    Some(dirs::cache_dir()?.join("awsmfa"))
}

/// The cache folder, when it exists and may be used.
pub fn dir() -> Option<PathBuf> {
    let dir = location()?;
    private::folder(&dir, false).ok()?.then_some(dir)
}

/// The cache folder, created when missing; `None` when it may not be used (that was said).
pub fn dir_created() -> Result<Option<PathBuf>> {
    let Some(dir) = location() else {
        return Ok(None);
    };
    Ok(private::folder(&dir, true)?.then_some(dir))
}

fn name(identity_key: &str) -> String {
    // Access key ids are [A-Z0-9]; anything else is dropped so a name can never leave the folder.
    let safe: String = identity_key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("session-{safe}")
}

/// The session file's text: one `[session]` section in the credentials-file format. Every
/// value must be one word: a line break in one (a crafted `--serial-number`, a hostile
/// answer) would add lines of its choosing.
fn render(session: &Session) -> Result<String> {
    let c = &session.creds;
    private::storable("MFA serial", &session.serial)?;
    private::storable("access key id", &c.keys.access_key_id)?;
    private::storable("secret access key", &c.keys.secret_access_key)?;
    let token = c.keys.session_token.as_deref().unwrap_or_default();
    private::storable("session token", token)?;
    Ok(format!(
        "[session]\nserial = {}\naws_access_key_id = {}\naws_secret_access_key = {}\n\
         aws_session_token = {}\nexpiration = {}\n{}",
        session.serial,
        c.keys.access_key_id,
        c.keys.secret_access_key,
        token,
        c.expiration,
        session
            .duration
            .map_or(String::new(), |d| format!("duration = {d}\n"))
    ))
}

fn parse(text: &str) -> Option<Session> {
    let doc = Doc::parse(text).ok()?;
    let get = |k: &str| doc.get("session", k).map(str::to_string);
    Some(Session {
        serial: get("serial")?,
        creds: TempCreds {
            keys: Keys {
                access_key_id: get("aws_access_key_id")?,
                secret_access_key: get("aws_secret_access_key")?,
                session_token: Some(get("aws_session_token")?),
            },
            expiration: get("expiration")?.parse().ok()?,
        },
        duration: get("duration").and_then(|d| d.parse().ok()),
    })
}

/// The cached session of this identity, alive or not.
pub fn read(identity_key: &str) -> Option<Session> {
    if keyring::holds(identity_key) {
        return parse(&keyring::session(identity_key)?);
    }
    parse(&private::read(&location()?, &name(identity_key))?)
}

/// The cached session of an identity whose keys are in the keyring, alive or not.
pub fn read_in_keyring(identity_key: &str) -> Option<Session> {
    parse(&keyring::session(identity_key)?)
}

/// The live session of this identity; `serial`, when given, must be the one it was made with.
pub fn load(identity_key: &str, serial: Option<&str>) -> Option<Session> {
    let session = read(identity_key)?;
    let fresh = session.creds.expiration - timefmt::now() > MARGIN;
    let same_device = serial.is_none_or(|s| s == session.serial);
    (fresh && same_device).then_some(session)
}

pub fn save(identity_key: &str, session: &Session) -> Result<()> {
    let text = render(session)?;
    if keyring::holds(identity_key) {
        return keyring::store_session(identity_key, &text);
    }
    let Some(dir) = location() else {
        return Ok(());
    };
    private::update(&dir, &name(identity_key), |_| Ok(text))
}

/// Moves a cached session to a rotated identity's new key id; nothing cached, nothing moved.
pub fn rekey(old: &str, new: &str) {
    if keyring::holds(new) {
        if let Some(text) = keyring::session(old)
            && keyring::store_session(new, &text).is_ok()
        {
            let _ = keyring::delete_session(old);
        }
        return;
    }
    if let Some(dir) = dir() {
        let _ = std::fs::rename(dir.join(name(old)), dir.join(name(new)));
    }
}

/// Moves the cached session of `identity_key` between its file and the keyring, to where
/// `keyring::holds` now says it belongs; best-effort, as a session is only a convenience.
pub fn relocate(identity_key: &str) {
    let Some(dir) = dir() else { return };
    let file = dir.join(name(identity_key));
    if keyring::holds(identity_key) {
        let text = private::read(&dir, &name(identity_key));
        if text.is_some_and(|t| keyring::store_session(identity_key, &t).is_ok()) {
            let _ = std::fs::remove_file(file);
        }
    } else if let Some(session) = keyring::session(identity_key).as_deref().and_then(parse)
        && save(identity_key, &session).is_ok()
    {
        let _ = keyring::delete_session(identity_key);
    }
}

/// Deletes the cached session of one identity, or of all; returns how many were deleted.
pub fn forget(identity_key: Option<&str>) -> Result<usize> {
    if let Some(key) = identity_key.filter(|k| keyring::holds(k)) {
        return Ok(usize::from(keyring::delete_session(key)?));
    }
    let Some(dir) = dir() else { return Ok(0) };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let wanted = identity_key.map(|k| dir.join(name(k)));
    let mut n = 0;
    for entry in entries.flatten() {
        let p = entry.path();
        let ours = p
            .file_name()
            .is_some_and(|f| f.to_string_lossy().starts_with("session-"));
        if ours && wanted.as_ref().is_none_or(|w| *w == p) {
            std::fs::remove_file(&p).map_err(|e| atomic::io_error("delete", &p, e))?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = Session {
            serial: "arn:aws:iam::123456789012:mfa/me".into(),
            creds: TempCreds {
                keys: Keys {
                    access_key_id: "ASIA1".into(),
                    secret_access_key: "s/e+c=r".into(),
                    session_token: Some("tok==".into()),
                },
                expiration: 1_795_843_871,
            },
            duration: Some(3600),
        };
        let back = parse(&render(&s).unwrap()).unwrap();
        assert_eq!(back.serial, s.serial);
        assert_eq!(back.creds.keys.secret_access_key, "s/e+c=r");
        assert_eq!(back.creds.keys.session_token.as_deref(), Some("tok=="));
        assert_eq!(back.creds.expiration, 1_795_843_871);
        assert_eq!(back.duration, Some(3600));
        assert!(parse("[session]\nserial = x\n").is_none());
    }

    #[test]
    fn a_session_serves_what_it_was_made_for() {
        let made = |duration| Session {
            serial: "s".into(),
            creds: TempCreds {
                keys: Keys {
                    access_key_id: "ASIA1".into(),
                    secret_access_key: "s".into(),
                    session_token: Some("t".into()),
                },
                expiration: 10_000,
            },
            duration,
        };
        // Made for an hour, 40 minutes ago: an hour or less is served, more is not.
        assert!(made(Some(3600)).serves(3600, 7600));
        assert!(!made(Some(3600)).serves(3601, 7600));
        // Unknown: what is left counts.
        assert!(made(None).serves(2400, 7600));
        assert!(!made(None).serves(2401, 7600));
        let old = "[session]\nserial = s\naws_access_key_id = A\naws_secret_access_key = B\n\
                   aws_session_token = C\nexpiration = 1\n";
        assert_eq!(parse(old).unwrap().duration, None);
    }

    #[test]
    fn no_value_adds_a_line() {
        let evil = Session {
            serial: "arn:aws:iam::1:mfa/x\naws_access_key_id = EVIL".into(),
            creds: TempCreds {
                keys: Keys {
                    access_key_id: "ASIA1".into(),
                    secret_access_key: "s".into(),
                    session_token: Some("t".into()),
                },
                expiration: 1,
            },
            duration: None,
        };
        assert!(render(&evil).unwrap_err().msg.contains("MFA serial"));
        let token = Session {
            serial: "arn:aws:iam::1:mfa/x".into(),
            creds: TempCreds {
                keys: Keys {
                    session_token: Some("t\r\nexpiration = 9".into()),
                    ..evil.creds.keys.clone()
                },
                expiration: 1,
            },
            duration: None,
        };
        assert!(render(&token).unwrap_err().msg.contains("session token"));
    }
}
