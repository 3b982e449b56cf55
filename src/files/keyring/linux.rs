//! The keyring operations on the Secret Service: one connection and one encrypted session per
//! run, made on first use; every operation within the run's deadline. A service that let a
//! deadline pass is not asked again in this run: each later operation would wait as long.

use super::bus::Fault;
use super::secret_service::{Failure, Found, SecretService};
use super::{Limits, Trouble};
use std::sync::Mutex;
use std::time::Instant;
use zvariant::OwnedObjectPath;

enum State {
    Unopened,
    Open(Box<SecretService>),
    /// It let a deadline pass.
    Silent,
}

static STATE: Mutex<State> = Mutex::new(State::Unopened);

fn trouble(f: Failure, limits: &Limits) -> Trouble {
    match f {
        Failure::Bus(Fault::Timeout) => Trouble::Timeout(limits.timeout.as_secs()),
        Failure::Bus(Fault::NoBus(why)) => Trouble::NoBus(why),
        Failure::Bus(Fault::Broken(why)) => Trouble::Other(why),
        Failure::Bus(Fault::Refused(name, text)) => Trouble::Other(
            match name.as_str() {
                "org.freedesktop.DBus.Error.ServiceUnknown"
                | "org.freedesktop.DBus.Error.NameHasNoOwner" => {
                    format!("no Secret Service on the session bus: {text}")
                }
                _ => format!("{name}: {text}"),
            }
            .replace('\n', " "),
        ),
        Failure::Locked => Trouble::Locked,
        Failure::Dismissed => Trouble::Dismissed,
        Failure::Unanswered => {
            Trouble::Unanswered(limits.unlock.unwrap_or(limits.timeout).as_secs())
        }
        Failure::Garbled(why) => Trouble::Other(why.to_string()),
    }
}

/// Runs `op` on the run's session, opening it first if need be, within the deadline.
fn with<T>(
    limits: &Limits,
    op: impl FnOnce(&mut SecretService, Instant, Option<Instant>) -> Result<T, Failure>,
) -> Result<T, Trouble> {
    let deadline = Instant::now() + limits.timeout;
    let unlock = limits.unlock.map(|wait| Instant::now() + wait);
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    if matches!(*state, State::Silent) {
        return Err(Trouble::Timeout(limits.timeout.as_secs()));
    }
    if matches!(*state, State::Unopened) {
        match SecretService::open(deadline) {
            Ok(ss) => *state = State::Open(Box::new(ss)),
            Err(f) => {
                if matches!(f, Failure::Bus(Fault::Timeout)) {
                    *state = State::Silent;
                }
                return Err(trouble(f, limits));
            }
        }
    }
    let State::Open(ss) = &mut *state else {
        unreachable!("opened above")
    };
    let result = op(ss, deadline, unlock);
    match &result {
        // A connection left mid-answer cannot be read from again.
        Err(Failure::Bus(Fault::Timeout)) => *state = State::Silent,
        // The unlock wait may have ended mid-message too: a later operation connects anew.
        Err(Failure::Bus(Fault::Broken(_)) | Failure::Unanswered) => *state = State::Unopened,
        Err(_) if ss.unopened() => *state = State::Unopened,
        _ => {}
    }
    result.map_err(|f| trouble(f, limits))
}

fn query<'a>(service: &'a str, key_id: &'a str) -> [(&'a str, &'a str); 2] {
    [("service", service), ("username", key_id)]
}

/// The items found, unlocking locked ones only when there is no unlocked one.
fn usable(
    ss: &mut SecretService,
    (unlocked, locked): Found,
    unlock: Option<Instant>,
) -> Result<Vec<OwnedObjectPath>, Failure> {
    if !unlocked.is_empty() || locked.is_empty() {
        return Ok(unlocked);
    }
    ss.unlock(&locked, unlock)?;
    Ok(locked)
}

fn text(bytes: Vec<u8>) -> Result<String, Failure> {
    String::from_utf8(bytes).map_err(|_| Failure::Garbled("an item holds no text"))
}

/// The secrets of the first items of `services` for `key_id`, found by searches sent
/// together and read in one call; an item that is locked is unlocked if allowed, or, past the
/// first service, taken as absent.
pub fn get_many(
    services: &[&str],
    key_id: &str,
    limits: &Limits,
) -> Result<Vec<Option<String>>, Trouble> {
    with(limits, |ss, deadline, unlock| {
        let queries: Vec<_> = services.iter().map(|s| query(s, key_id)).collect();
        let mut found = ss.search(&queries, deadline)?.into_iter();
        let first = usable(ss, found.next().unwrap_or_default(), unlock)?;
        // Unlocking the first unlocked its collection, where the others live too.
        let unlocked_all = unlock.is_some();
        let mut items = vec![first.first().cloned()];
        for (open, locked) in found {
            let pick = open.first().or(locked.first().filter(|_| unlocked_all));
            items.push(pick.cloned());
        }
        let wanted: Vec<OwnedObjectPath> = items.iter().flatten().cloned().collect();
        let mut secrets = ss.secrets(&wanted, deadline)?;
        items
            .into_iter()
            .map(|item| item.and_then(|p| secrets.remove(&p)).map(text).transpose())
            .collect()
    })
}

/// Stores `secret` in every item of `service` for `key_id`, or in a new one.
pub fn set(service: &str, key_id: &str, secret: &str, limits: &Limits) -> Result<(), Trouble> {
    with(limits, |ss, deadline, unlock| {
        let found = ss.search(&[query(service, key_id)], deadline)?;
        let items = usable(ss, found.into_iter().next().unwrap_or_default(), unlock)?;
        if items.is_empty() {
            let label = format!("keyring:{key_id}@{service}");
            return ss.create(
                &label,
                &query(service, key_id),
                secret.as_bytes(),
                unlock,
                deadline,
            );
        }
        for item in items {
            ss.set(item.as_str(), secret.as_bytes(), deadline)?;
        }
        Ok(())
    })
}

/// Unlocks what `set` or `delete` of `service`'s items for `key_id` would: the items found,
/// or, when there is none and a `new` one is to be created, the collection it goes into.
pub fn ready(service: &str, key_id: &str, new: bool, limits: &Limits) -> Result<(), Trouble> {
    with(limits, |ss, deadline, unlock| {
        let found = ss.search(&[query(service, key_id)], deadline)?;
        let items = usable(ss, found.into_iter().next().unwrap_or_default(), unlock)?;
        if items.is_empty() && new {
            ss.default_collection(unlock, deadline)?;
        }
        Ok(())
    })
}

/// Deletes every item of `service` for `key_id`; whether there was one.
pub fn delete(service: &str, key_id: &str, limits: &Limits) -> Result<bool, Trouble> {
    with(limits, |ss, deadline, unlock| {
        let found = ss.search(&[query(service, key_id)], deadline)?;
        let items = usable(ss, found.into_iter().next().unwrap_or_default(), unlock)?;
        for item in &items {
            ss.delete(item.as_str(), unlock, deadline)?;
        }
        Ok(!items.is_empty())
    })
}
