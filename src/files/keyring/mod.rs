//! The OS keyring (the Secret Service on Linux, the Keychain on macOS, the Credential Manager
//! on Windows). It holds an identity's secret access key and that identity's cached MFA
//! session, each under the access key id; the credentials file keeps a marker naming the key
//! id (`credfile::MARKER`). Nothing here runs unless a profile has that marker or `awsmfa
//! keys` is asked for: the store is connected on first use, so other runs (the prompt above
//! all) never touch the keyring. Every operation has a deadline (`limit`), and a locked
//! keyring is unlocked (the store's own prompt) only by a run that may ask the user, and never
//! while a lock is held (`without_asking`; `ready` unlocks before).

#[cfg(target_os = "linux")]
mod bus;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as store;
#[cfg(not(target_os = "linux"))]
mod native;
#[cfg(not(target_os = "linux"))]
use native as store;
#[cfg(target_os = "linux")]
mod secret_service;

use crate::error::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

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

/// How long a run waits for the keyring, and whether (and how long) it may ask to unlock it.
pub struct Limits {
    pub timeout: Duration,
    pub unlock: Option<Duration>,
}

/// How long a user has to answer the store's unlock prompt, when a run may show it.
const UNLOCK_WAIT: Duration = Duration::from_secs(60);

/// The run's wait for the keyring; `None` until `limit` (then the AWS call timeout holds).
static LIMIT: Mutex<Option<(Duration, bool)>> = Mutex::new(None);

/// Bounds every keyring operation of this run by `timeout`; with `ask` false, a locked
/// keyring is never unlocked (no prompt): for the runs nobody watches, such as the shell
/// hook's refresh.
pub fn limit(timeout: Duration, ask: bool) {
    *LIMIT.lock().unwrap_or_else(|e| e.into_inner()) = Some((timeout, ask));
}

/// Runs `step` with the keyring's unlock prompt forbidden (a locked keyring fails it at once,
/// `Trouble::Locked`) and every keyring call bounded by the run's timeout: for a step under a
/// lock that other runs wait on, which must never wait for a human. What it needs unlocked is
/// unlocked before the lock is taken (`ready`).
pub fn without_asking<T>(step: impl FnOnce() -> T) -> T {
    /// Puts the run's limits back, however `step` ends.
    struct Restore(Option<(Duration, bool)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            *LIMIT.lock().unwrap_or_else(|e| e.into_inner()) = self.0;
        }
    }
    let before = *LIMIT.lock().unwrap_or_else(|e| e.into_inner());
    let _restore = Restore(before);
    limit(
        before.map_or(crate::aws::CALL_TIMEOUT, |(timeout, _)| timeout),
        false,
    );
    step()
}

/// This run's limits: by default the AWS call timeout, and unlocking only with a terminal to
/// show that a prompt waits (a `credential_process` started by an SDK has none).
fn limits() -> Limits {
    let set = *LIMIT.lock().unwrap_or_else(|e| e.into_inner());
    let (timeout, ask) = set.unwrap_or_else(|| {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok();
        (crate::aws::CALL_TIMEOUT, tty)
    });
    Limits {
        timeout,
        unlock: ask.then_some(UNLOCK_WAIT.max(timeout)),
    }
}

/// Why the store could not serve.
pub enum Trouble {
    /// No D-Bus session bus: why.
    NoBus(String),
    /// No answer within this many seconds.
    Timeout(u64),
    /// Locked, and this run may not ask to unlock it.
    Locked,
    /// The user dismissed the unlock prompt.
    Dismissed,
    /// Nobody answered the unlock prompt within this many seconds.
    Unanswered(u64),
    Other(String),
}

/// Why the keyring cannot be used, in one line.
fn unreachable(t: Trouble) -> String {
    match t {
        Trouble::NoBus(why) => format!("no OS keyring is reachable: no D-Bus session bus: {why}"),
        Trouble::Timeout(secs) => format!("the OS keyring did not answer within {secs} s"),
        Trouble::Locked => "the OS keyring is locked, and this run does not ask to unlock it \
                            (it runs without a terminal, for the shell hook, or under the \
                            credentials file's lock)"
            .to_string(),
        Trouble::Dismissed => {
            "the OS keyring stayed locked (its unlock prompt was dismissed)".to_string()
        }
        Trouble::Unanswered(secs) => {
            format!("the OS keyring's unlock prompt was not answered within {secs} s")
        }
        Trouble::Other(detail) => format!("the OS keyring cannot be used ({detail})"),
    }
}

fn failed(t: Trouble) -> Error {
    Error::runtime(format!("{}; {UNLOCK}", unreachable(t)))
}

/// The sessions read along with keys in this run, by key id: a credential run reads both,
/// in one exchange, and the cache asks for the session later.
static SESSIONS: Mutex<Option<HashMap<String, Option<String>>>> = Mutex::new(None);

fn remember(key_id: &str, session: Option<&str>) {
    let mut seen = SESSIONS.lock().unwrap_or_else(|e| e.into_inner());
    seen.get_or_insert_with(HashMap::new)
        .insert(key_id.to_string(), session.map(str::to_string));
}

/// Stores `secret` as the secret access key of `key_id`, then reads it back: only a key the
/// keyring gives back counts as stored.
pub fn store_secret(key_id: &str, secret: &str) -> Result<()> {
    let limits = limits();
    store::set(KEYS, key_id, secret, &limits).map_err(failed)?;
    match store::get_many(&[KEYS], key_id, &limits).map(|mut v| v.pop().flatten()) {
        Ok(Some(back)) if back == secret => {
            hold(key_id, true);
            Ok(())
        }
        Ok(Some(_)) => Err(Error::runtime(format!(
            "the OS keyring gave back another secret for {key_id} than was stored"
        ))),
        Ok(None) => Err(Error::runtime(format!(
            "the OS keyring took the key {key_id} but could not give it back (no item); {UNLOCK}"
        ))),
        Err(t) => Err(Error::runtime(format!(
            "the OS keyring took the key {key_id} but could not give it back ({}); {UNLOCK}",
            unreachable(t)
        ))),
    }
}

/// The secret access key of `key_id`, which `profile`'s marker says is in the keyring; the
/// identity's cached session comes along.
pub fn secret(profile: &str, key_id: &str) -> Result<String> {
    match store::get_many(&[KEYS, SESSION], key_id, &limits()) {
        Ok(found) => {
            let mut found = found.into_iter();
            let (key, session) = (found.next().flatten(), found.next().flatten());
            let Some(key) = key else {
                return Err(Error::runtime(format!(
                    "the keys of [{profile}] are not in the OS keyring (no item for {key_id}); \
                     put them back with `aws configure --profile {profile}` and `awsmfa keys \
                     import -i {profile}`"
                )));
            };
            remember(key_id, session.as_deref());
            hold(key_id, true);
            Ok(key)
        }
        Err(t) => Err(Error::runtime(format!(
            "the keys of [{profile}] are in the OS keyring, which awsmfa cannot read: {}; \
             {UNLOCK}, and run again",
            unreachable(t)
        ))),
    }
}

/// Brings the keyring to where storing (`new`) or deleting the secret access key of `key_id`
/// needs no answer from the user: reachable, its item unlocked (or, for a `new` one when there
/// is none yet, the collection it goes into), asking to unlock now when this run may ask. For
/// the run's next step under the credentials file's lock (`without_asking`); errors as
/// `store_secret` and `delete_secret` give them.
pub fn ready(key_id: &str, new: bool) -> Result<()> {
    store::ready(KEYS, key_id, new, &limits()).map_err(failed)
}

/// Deletes the secret access key of `key_id`; `false` when there was none.
pub fn delete_secret(key_id: &str) -> Result<bool> {
    store::delete(KEYS, key_id, &limits()).map_err(failed)
}

/// The cached MFA session of `key_id`, as `cache` writes it to a file.
pub fn session(key_id: &str) -> Option<String> {
    let known = SESSIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|s| s.get(key_id).cloned());
    if let Some(session) = known {
        return session;
    }
    store::get_many(&[SESSION], key_id, &limits())
        .ok()?
        .pop()
        .flatten()
}

pub fn store_session(key_id: &str, text: &str) -> Result<()> {
    store::set(SESSION, key_id, text, &limits()).map_err(|t| Error::runtime(unreachable(t)))?;
    remember(key_id, Some(text));
    Ok(())
}

/// Deletes the cached MFA session of `key_id`; `false` when there was none.
pub fn delete_session(key_id: &str) -> Result<bool> {
    let deleted = store::delete(SESSION, key_id, &limits()).map_err(failed)?;
    remember(key_id, None);
    Ok(deleted)
}

/// Forgets that this run keeps `key_id` in the keyring (its keys went back to the file).
pub fn release(key_id: &str) {
    hold(key_id, false);
}
