//! The OS keyring (the Secret Service on Linux, the Keychain on macOS, the Credential Manager
//! on Windows), through the `keyring` crate. It holds an identity's secret access key and that
//! identity's cached MFA session, each under the access key id; the credentials file keeps a
//! marker naming the key id (`credfile::MARKER`). Nothing here runs unless a profile has that
//! marker or `awsmfa keys` is asked for: the store is connected on first use, so other runs
//! (the prompt above all) never touch the keyring.

use crate::error::{Error, Result};
use ::keyring::Entry;
use std::collections::HashSet;
use std::sync::Mutex;

/// The service names of the two kinds of item; the user name is the access key id.
const KEYS: &str = "awsmfa";
const SESSION: &str = "awsmfa-session";

/// How to make the keyring reachable again, per platform.
#[cfg(target_os = "linux")]
const UNLOCK: &str = "start or unlock your Secret Service (log in to the desktop session, or run \
                      `gnome-keyring-daemon --unlock` in it)";
#[cfg(not(target_os = "linux"))]
const UNLOCK: &str = "unlock the keychain / credential store of your session";

/// The access key ids whose keys this run read from, or wrote to, the keyring: their MFA
/// sessions are kept there too (`cache`), whichever command read the keys.
static HELD: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn hold(key_id: &str, held: bool) {
    let mut set = HELD.lock().unwrap_or_else(|e| e.into_inner());
    let set = set.get_or_insert_with(HashSet::new);
    if held {
        set.insert(key_id.to_string());
    } else {
        set.remove(key_id);
    }
}

/// Whether this run keeps `key_id`'s keys in the keyring.
pub fn holds(key_id: &str) -> bool {
    HELD.lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .is_some_and(|s| s.contains(key_id))
}

/// Why the keyring cannot be used, in one line: the store's own words cleaned of its
/// prefixes, and what is missing.
fn unreachable(e: &::keyring::Error) -> String {
    use ::keyring::Error as E;
    let detail = match e {
        E::NoDefaultStore => match Entry::store_status() {
            Err(inner) => inner.to_string(),
            Ok(()) => e.to_string(),
        },
        other => other.to_string(),
    };
    let bus = cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none();
    let what = if bus {
        "no OS keyring is reachable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), \
         so no Secret Service"
    } else {
        "the OS keyring cannot be used"
    };
    format!("{what} ({})", detail.replace('\n', " "))
}

fn entry(service: &str, key_id: &str) -> Result<Entry> {
    Entry::new(service, key_id).map_err(|e| Error::runtime(unreachable(&e)))
}

/// Stores `secret` as the secret access key of `key_id`, then reads it back: only a key the
/// keyring gives back counts as stored.
pub fn store_secret(key_id: &str, secret: &str) -> Result<()> {
    let e = entry(KEYS, key_id)?;
    e.set_password(secret)
        .map_err(|e| Error::runtime(format!("{}; {UNLOCK}", unreachable(&e))))?;
    match e.get_password() {
        Ok(back) if back == secret => {
            hold(key_id, true);
            Ok(())
        }
        Ok(_) => Err(Error::runtime(format!(
            "the OS keyring gave back another secret for {key_id} than was stored"
        ))),
        Err(err) => Err(Error::runtime(format!(
            "the OS keyring took the key {key_id} but could not give it back ({}); {UNLOCK}",
            unreachable(&err)
        ))),
    }
}

/// The secret access key of `key_id`, which `profile`'s marker says is in the keyring.
pub fn secret(profile: &str, key_id: &str) -> Result<String> {
    let found = entry(KEYS, key_id).and_then(|e| {
        e.get_password().map_err(|err| match err {
            ::keyring::Error::NoEntry => Error::runtime(format!(
                "the keys of [{profile}] are not in the OS keyring (no item for {key_id}); \
                 put them back with `aws configure --profile {profile}` and `awsmfa keys import \
                 -i {profile}`"
            )),
            other => Error::runtime(unreachable(&other)),
        })
    });
    match found {
        Ok(secret) => {
            hold(key_id, true);
            Ok(secret)
        }
        Err(e) if e.msg.starts_with("the keys of") => Err(e),
        Err(e) => Err(Error::runtime(format!(
            "the keys of [{profile}] are in the OS keyring, which awsmfa cannot read: {}; \
             {UNLOCK}, and run again",
            e.msg
        ))),
    }
}

/// Deletes the secret access key of `key_id`; `false` when there was none.
pub fn delete_secret(key_id: &str) -> Result<bool> {
    delete(KEYS, key_id)
}

fn delete(service: &str, key_id: &str) -> Result<bool> {
    match entry(service, key_id)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(::keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(Error::runtime(format!("{}; {UNLOCK}", unreachable(&e)))),
    }
}

/// The cached MFA session of `key_id`, as `cache` writes it to a file.
pub fn session(key_id: &str) -> Option<String> {
    entry(SESSION, key_id).ok()?.get_password().ok()
}

pub fn store_session(key_id: &str, text: &str) -> Result<()> {
    entry(SESSION, key_id)?
        .set_password(text)
        .map_err(|e| Error::runtime(unreachable(&e)))
}

/// Deletes the cached MFA session of `key_id`; `false` when there was none.
pub fn delete_session(key_id: &str) -> Result<bool> {
    delete(SESSION, key_id)
}

/// Forgets that this run keeps `key_id` in the keyring (its keys went back to the file).
pub fn release(key_id: &str) {
    hold(key_id, false);
}
