//! `awsmfa keys import|export|forget`: moves an identity's long-lived keys between the
//! credentials file and the OS keyring. Every move writes the new place first and proves it,
//! and only then empties the old one: a failure on the way leaves the keys where they were.
//! Whether a keyring item is stored or deleted is decided and done under the credentials
//! file's lock, with the edit it goes with: profiles sharing an item (one key, one item) may
//! be changed by another run at the same time. Questions are asked, and a locked keyring is
//! unlocked (`keyring::ready`), before the lock is taken: other runs wait on it.

use crate::aws::Aws;
use crate::cli::{KeysArgs, KeysCommand, KeysForgetArgs};
use crate::error::{Error, Result};
use crate::files::{cache, config, credfile, keyring};
use crate::ui;
use crate::ui::mask;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use users::{names, unchanged, users};

mod users;

pub fn run(cmd: &KeysCommand) -> Result<()> {
    match cmd {
        KeysCommand::Import(args) => import(args),
        KeysCommand::Export(args) => export(args),
        KeysCommand::Forget(args) => forget(args),
    }
}

fn target(args: &KeysArgs) -> (PathBuf, String) {
    let path = args.credentials.path();
    let profile = args
        .identity_profile
        .clone()
        .unwrap_or_else(|| "identity".to_string());
    (path, profile)
}

/// Checks the keys with AWS, then, under the file's lock, stores them in the keyring and
/// writes the marker in their place.
fn import(args: &KeysArgs) -> Result<()> {
    let (path, profile) = target(args);
    let file = credfile::load(&path)?;
    if let Some(id) = credfile::in_keyring(&file.doc(), &path, &profile)? {
        return Err(Error::runtime(format!(
            "the keys of [{profile}] ({}) are in the OS keyring already",
            mask(&id)
        )));
    }
    let (keys, region, own) = credfile::identity(&file.doc(), &path, &profile, None)?;
    if keys.session_token.is_some() {
        return Err(Error::runtime(format!(
            "[{profile}] holds temporary credentials (aws_session_token); only long-lived keys \
             go into the keyring"
        )));
    }
    let site = config::site(region.name, None, &profile, own)?;
    let unmoved = |e: Error| Error::runtime(format!("{}; nothing was moved", e.msg));
    Aws::new(&keys, &site)?.caller_arn().map_err(|e| {
        unmoved(Error::runtime(format!(
            "AWS refused the keys of [{profile}]: {}",
            e.msg
        )))
    })?;
    let id = &keys.access_key_id;
    keyring::ready(id, true).map_err(unmoved)?;
    credfile::locked(&path, Some(&file), |doc, held| {
        let marked = credfile::keys_to_marker(doc, &path, &profile, &keys)?;
        // An item another profile's marker names was theirs before this run stored it.
        let theirs = !credfile::sharing(doc, &path, id).is_empty();
        keyring::store_secret(id, &keys.secret_access_key)?;
        held.write(&marked).inspect_err(|_| {
            // The file still has the keys: the copy in the keyring would only be a second one.
            if !theirs {
                let _ = keyring::delete_secret(id);
            }
            keyring::release(id);
        })
    })
    .map_err(unmoved)?;
    cache::relocate(id);
    ui::notice(&format!(
        "The keys of [{profile}] ({}) are in the OS keyring now; {} keeps `{} = keyring {id}` \
         in their place.",
        mask(id),
        path.display(),
        credfile::MARKER
    ));
    Ok(())
}

fn export(args: &KeysArgs) -> Result<()> {
    let (path, profile) = target(args);
    let seen = users(&credfile::load(&path)?.doc(), &path, &profile, "export")?;
    // Another profile's marker names the same item: it is written into [profile] only when
    // the user, shown every profile that uses it, says so, and it stays theirs.
    let asked = !seen.others.is_empty();
    if asked {
        let everyone = names(&[vec![profile.clone()], seen.others.clone()].concat());
        confirm(
            &format!(
                "The key {} in the OS keyring is used by {everyone}. Write it into [{profile}] in \
                 {}? It stays in the keyring for {}. [y/N] ",
                mask(&seen.id),
                path.display(),
                names(&seen.others)
            ),
            &format!(
                "the key {} in the OS keyring is used by {everyone}, and there is no terminal to \
                 confirm on; run `awsmfa keys export -i {profile}` on a terminal",
                mask(&seen.id)
            ),
        )?;
    }
    let id = &seen.id;
    // Export reads the keys under the lock; reading them first unlocks the keyring, if need be.
    keyring::secret(&profile, id)?;
    let deletion = credfile::locked(&path, None, |doc, held| {
        let now = users(doc, &path, &profile, "export")?;
        unchanged(&seen, &now, &profile, asked)?;
        // The item the marker of [profile] names, and no other.
        let keys = credfile::identity_keys(doc, &path, &profile)?;
        held.write(&credfile::marker_to_keys(doc, &profile, Some(&keys))?)?;
        // A shared item stays for the others; the last user's goes.
        Ok((!asked).then(|| {
            keyring::release(id);
            keyring::delete_secret(id)
        }))
    })?;
    let Some(deleted) = deletion else {
        ui::notice(&format!(
            "The keys of [{profile}] ({}) are back in {}; the OS keyring keeps them for {}, \
             which uses them too.",
            mask(id),
            path.display(),
            names(&seen.others)
        ));
        return Ok(());
    };
    cache::relocate(id);
    if let Err(e) = deleted {
        ui::warn(&format!(
            "the keys of [{profile}] are back in {}, but a copy stays in the OS keyring: {}",
            path.display(),
            e.msg
        ));
    }
    ui::notice(&format!(
        "The keys of [{profile}] ({}) are back in {}.",
        mask(id),
        path.display()
    ));
    Ok(())
}

fn forget(args: &KeysForgetArgs) -> Result<()> {
    let (path, profile) = target(&args.keys);
    let seen = users(&credfile::load(&path)?.doc(), &path, &profile, "forget")?;
    let asked = !args.yes;
    if asked {
        let question = if seen.others.is_empty() {
            format!(
                "Delete the keys of [{profile}] ({}) from the OS keyring? No file holds them: \
                 without a copy elsewhere you will need a new access key. [y/N] ",
                mask(&seen.id)
            )
        } else {
            format!(
                "The key {} in the OS keyring is used by {}. Remove it from [{profile}] only? \
                 It stays in the keyring for {}. [y/N] ",
                mask(&seen.id),
                names(&[vec![profile.clone()], seen.others.clone()].concat()),
                names(&seen.others)
            )
        };
        confirm(
            &question,
            "`keys forget` deletes keys that may exist nowhere else, and there is no terminal \
             to ask on; pass --yes to confirm",
        )?;
    }
    // An item the others use is not touched: no need to unlock it for them.
    if seen.others.is_empty() {
        keyring::ready(&seen.id, false)?;
    }
    // With --yes, whatever the file says under the lock is what was agreed to.
    let (now, deleted) = credfile::locked(&path, None, |doc, held| {
        let now = users(doc, &path, &profile, "forget")?;
        if asked {
            unchanged(&seen, &now, &profile, true)?;
        }
        let unmarked = credfile::marker_to_keys(doc, &profile, None)?;
        if !now.others.is_empty() {
            held.write(&unmarked)?;
            return Ok((now, None));
        }
        let deleted = keyring::delete_secret(&now.id)?;
        let _ = keyring::delete_session(&now.id);
        held.write(&unmarked)?;
        Ok((now, Some(deleted)))
    })?;
    ui::notice(&match deleted {
        None => format!(
            "Removed the keys from [{profile}]; they stay in the OS keyring ({}) for {}, which \
             uses them too. [{profile}] has no keys now.",
            mask(&now.id),
            names(&now.others)
        ),
        Some(deleted) => format!(
            "{} the keys of [{profile}] ({}) from the OS keyring; [{profile}] has no keys now.",
            if deleted { "Deleted" } else { "There were no" },
            mask(&now.id)
        ),
    });
    Ok(())
}

/// Asks on the terminal; anything but y/yes is no. Without a terminal, the error `no_tty`.
fn confirm(question: &str, no_tty: &str) -> Result<()> {
    let tty: File = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| Error::usage(no_tty))?;
    ui::ask(&tty, question)?;
    let mut answer = String::new();
    BufReader::new(&tty)
        .read_line(&mut answer)
        .map_err(|e| Error::runtime(format!("cannot read the terminal: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Error::runtime("nothing was changed")),
    }
}
