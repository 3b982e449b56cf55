//! The keyring operations on the platform's store (the Keychain, the Credential Manager)
//! through the `keyring` crate, each on a thread of its own so that the run's deadline holds
//! even when the store does not answer.

use super::{Limits, Trouble};
use ::keyring::{Entry, Error as E};
use std::time::Duration;

fn trouble(e: E) -> Trouble {
    let detail = match &e {
        E::NoDefaultStore => match Entry::store_status() {
            Err(inner) => inner.to_string(),
            Ok(()) => e.to_string(),
        },
        other => other.to_string(),
    };
    Trouble::Other(detail.replace('\n', " "))
}

/// `op` on a thread, within `timeout`; a store that does not answer is left to the thread.
fn bounded<T: Send + 'static>(
    timeout: Duration,
    op: impl FnOnce() -> Result<T, Trouble> + Send + 'static,
) -> Result<T, Trouble> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(op());
    });
    rx.recv_timeout(timeout)
        .unwrap_or(Err(Trouble::Timeout(timeout.as_secs())))
}

fn entry(service: &str, key_id: &str) -> Result<Entry, Trouble> {
    Entry::new(service, key_id).map_err(trouble)
}

pub fn get_many(
    services: &[&str],
    key_id: &str,
    limits: &Limits,
) -> Result<Vec<Option<String>>, Trouble> {
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let key_id = key_id.to_string();
    bounded(limits.timeout, move || {
        services
            .iter()
            .map(|s| match entry(s, &key_id)?.get_password() {
                Ok(secret) => Ok(Some(secret)),
                Err(E::NoEntry) => Ok(None),
                Err(e) => Err(trouble(e)),
            })
            .collect()
    })
}

pub fn set(service: &str, key_id: &str, secret: &str, limits: &Limits) -> Result<(), Trouble> {
    let (service, key_id, secret) = (service.to_string(), key_id.to_string(), secret.to_string());
    bounded(limits.timeout, move || {
        entry(&service, &key_id)?
            .set_password(&secret)
            .map_err(trouble)
    })
}

pub fn delete(service: &str, key_id: &str, limits: &Limits) -> Result<bool, Trouble> {
    let (service, key_id) = (service.to_string(), key_id.to_string());
    bounded(limits.timeout, move || {
        match entry(&service, &key_id)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(E::NoEntry) => Ok(false),
            Err(e) => Err(trouble(e)),
        }
    })
}

/// Nothing to do: the platform's store has no unlock step that awsmfa drives, and it asks (if
/// at all) by itself when an item is used.
pub fn ready(_service: &str, _key_id: &str, _new: bool, _limits: &Limits) -> Result<(), Trouble> {
    Ok(())
}
