//! Replacing the identity's access key so that no failure can lock the user out: the new key
//! is created and written before the old one is deleted, the file never holds a key AWS does
//! not have, and every failure says which keys exist and what to do. Keys kept in the OS
//! keyring stay there: the new key is stored and read back before the file's marker names it.

use crate::aws::{Aws, Keys, Site, TempCreds};
use crate::error::{Error, Result};
use crate::files::{cache, credfile, keyring};
use crate::ui;
use std::path::Path;
use std::time::{Duration, Instant};

/// IAM is eventually consistent: a new key may take seconds to work everywhere.
const PROOF_PATIENCE: Duration = Duration::from_secs(30);

/// The identity whose key is replaced: where its keys are written, and who owns them.
pub struct Identity<'a> {
    pub credentials: &'a Path,
    pub profile: &'a str,
    /// The IAM user the keys belong to (GetUser with those keys), named in every IAM call.
    pub user: &'a str,
    pub keys: &'a Keys,
    pub site: &'a Site,
}

fn delete_hint(user: &str, key: &str) -> String {
    format!("aws iam delete-access-key --user-name {user} --access-key-id {key}")
}

/// Retries `GetCallerIdentity` with the new key, backing off, for up to `PROOF_PATIENCE`.
fn prove(keys: &Keys, site: &Site) -> Result<()> {
    let aws = Aws::new(keys, site)?;
    let start = Instant::now();
    let mut wait = Duration::from_millis(500);
    loop {
        match aws.caller_arn() {
            Ok(_) => return Ok(()),
            Err(e) if start.elapsed() + wait > PROOF_PATIENCE => return Err(e),
            Err(_) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(8));
            }
        }
    }
}

/// Refuses, before anything changes, a rotation AWS would refuse: a user with two keys has no
/// room for a new one. `session` as for `rotate`.
pub fn check(id: &Identity, session: &TempCreds) -> Result<()> {
    room_for_a_key(&Aws::new(&session.keys, id.site)?, id)
}

fn room_for_a_key(aws: &Aws, id: &Identity) -> Result<()> {
    let user = id.user;
    let old = id.keys.access_key_id.as_str();
    let existing = aws.access_keys(user)?;
    if let Some(other) = existing
        .iter()
        .find(|k| *k != old)
        .filter(|_| existing.len() >= 2)
    {
        return Err(Error::runtime(format!(
            "IAM user {user} already has two access keys ({old} in [{}] and {other}); AWS allows \
             no third, and awsmfa deletes no key you did not ask it to. If you do not use \
             {other}, delete it with `{}` and run again",
            id.profile,
            delete_hint(user, other)
        )));
    }
    Ok(())
}

/// Rotates `id`'s key using `session`, the MFA session's credentials (sensible policies let
/// users manage their keys only with MFA), naming the user explicitly.
pub fn rotate(id: &Identity, session: &TempCreds) -> Result<()> {
    let user = id.user;
    let aws = Aws::new(&session.keys, id.site)?;
    let old = id.keys.access_key_id.as_str();
    room_for_a_key(&aws, id)?;
    let new = aws.create_access_key(user)?;
    ui::notice(&format!("Rotating from {old} to {}.", new.access_key_id));
    if let Err(e) = write_new(id, &new) {
        // The file still holds the old key, which still works: take the new one back.
        let undo = match aws.delete_access_key(user, &new.access_key_id) {
            Ok(()) => format!("the new key {} was deleted again", new.access_key_id),
            Err(d) => format!(
                "the new key {} could not be deleted ({}): delete it with `{}`",
                new.access_key_id,
                d.msg,
                delete_hint(user, &new.access_key_id)
            ),
        };
        return Err(Error::runtime(format!(
            "{}; {undo}; [{}] still holds {old}, which still works",
            e.msg, id.profile
        )));
    }
    ui::notice(&format!("{} profile updated.", id.profile));
    // Temporary credentials outlive the key that obtained them: the cached session now
    // belongs to the new key.
    cache::rekey(old, &new.access_key_id);
    if let Err(e) = prove(&new, id.site) {
        return Err(Error::runtime(format!(
            "[{}] now holds the new key {}, but AWS did not accept it within {} s ({}); the old \
             key {old} is still active: once the new key works, delete the old one with `{}`",
            id.profile,
            new.access_key_id,
            PROOF_PATIENCE.as_secs(),
            e.msg,
            delete_hint(user, old)
        )));
    }
    aws.delete_access_key(user, old).map_err(|e| {
        Error::runtime(format!(
            "[{}] holds the new key {}, which works, but deleting the old key {old} failed \
             ({}); it is still active: delete it with `{}`",
            id.profile,
            new.access_key_id,
            e.msg,
            delete_hint(user, old)
        ))
    })?;
    if keyring::holds(old)
        && let Err(e) = keyring::delete_secret(old)
    {
        ui::warn(&format!(
            "the deleted key {old} stays in the OS keyring, where it is of no use: {}",
            e.msg
        ));
    }
    Ok(())
}

/// Writes the new key where the identity keeps its keys: in the file, or in the OS keyring
/// (stored and read back) with the file's marker then naming it.
fn write_new(id: &Identity, new: &Keys) -> Result<()> {
    if !keyring::holds(&id.keys.access_key_id) {
        return credfile::set_keys(id.credentials, id.profile, new);
    }
    keyring::store_secret(&new.access_key_id, &new.secret_access_key)?;
    credfile::set_marker(id.credentials, id.profile, &new.access_key_id).inspect_err(|_| {
        let _ = keyring::delete_secret(&new.access_key_id);
        keyring::release(&new.access_key_id);
    })
}
