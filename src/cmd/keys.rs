//! `awsmfa keys import|export|forget`: moves an identity's long-lived keys between the
//! credentials file and the OS keyring. Every move writes the new place first and proves it,
//! and only then empties the old one: a failure on the way leaves the keys where they were.

use crate::aws::Aws;
use crate::cli::{KeysArgs, KeysCommand, KeysForgetArgs};
use crate::error::{Error, Result};
use crate::files::{cache, config, credfile, keyring};
use crate::ui;
use crate::ui::mask;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

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

/// The key id `profile`'s marker names, if its keys are in the keyring.
fn marked(path: &Path, profile: &str) -> Result<Option<String>> {
    let text = credfile::read(path)?;
    let doc = credfile::parse(path, &text)?;
    credfile::in_keyring(&doc, path, profile)
}

/// The other profiles whose markers name `key_id`, as the file is now.
fn sharing_with(path: &Path, profile: &str, key_id: &str) -> Result<Vec<String>> {
    let text = credfile::read(path)?;
    let doc = credfile::parse(path, &text)?;
    let mut all = credfile::sharing(&doc, path, key_id);
    all.retain(|p| p != profile);
    Ok(all)
}

/// `[a], [b] and [c]`.
fn names(profiles: &[String]) -> String {
    let quoted: Vec<String> = profiles.iter().map(|p| format!("[{p}]")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn import(args: &KeysArgs) -> Result<()> {
    let (path, profile) = target(args);
    if let Some(id) = marked(&path, &profile)? {
        return Err(Error::runtime(format!(
            "the keys of [{profile}] ({}) are in the OS keyring already",
            mask(&id)
        )));
    }
    let file = credfile::load(&path)?;
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
    keyring::store_secret(id, &keys.secret_access_key).map_err(unmoved)?;
    if let Err(e) = credfile::keys_to_marker(&path, &profile, &keys) {
        // The file still has the keys: the copy in the keyring would only be a second one.
        let _ = keyring::delete_secret(id);
        keyring::release(id);
        return Err(unmoved(e));
    }
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
    let Some(id) = marked(&path, &profile)? else {
        return Err(Error::runtime(format!(
            "the keys of [{profile}] are not in the OS keyring; nothing to export"
        )));
    };
    // Another profile's marker names the same item: it is written into [profile] only when
    // the user, shown every profile that uses it, says so, and it stays theirs.
    let others = sharing_with(&path, &profile, &id)?;
    if !others.is_empty() {
        let users = names(&[vec![profile.clone()], others.clone()].concat());
        confirm(
            &format!(
                "The key {} in the OS keyring is used by {users}. Write it into [{profile}] in \
                 {}? It stays in the keyring for {}. [y/N] ",
                mask(&id),
                path.display(),
                names(&others)
            ),
            &format!(
                "the key {} in the OS keyring is used by {users}, and there is no terminal to \
                 confirm on; run `awsmfa keys export -i {profile}` on a terminal",
                mask(&id)
            ),
        )?;
    }
    // The item the marker of [profile] names, and no other.
    let file = credfile::load(&path)?;
    let keys = credfile::identity(&file.doc(), &path, &profile, None)?.0;
    credfile::marker_to_keys(&path, &profile, Some(&keys))?;
    if !others.is_empty() {
        ui::notice(&format!(
            "The keys of [{profile}] ({}) are back in {}; the OS keyring keeps them for {}, \
             which uses them too.",
            mask(&id),
            path.display(),
            names(&others)
        ));
        return Ok(());
    }
    keyring::release(&id);
    cache::relocate(&id);
    if let Err(e) = keyring::delete_secret(&id) {
        ui::warn(&format!(
            "the keys of [{profile}] are back in {}, but a copy stays in the OS keyring: {}",
            path.display(),
            e.msg
        ));
    }
    ui::notice(&format!(
        "The keys of [{profile}] ({}) are back in {}.",
        mask(&id),
        path.display()
    ));
    Ok(())
}

fn forget(args: &KeysForgetArgs) -> Result<()> {
    let (path, profile) = target(&args.keys);
    let Some(id) = marked(&path, &profile)? else {
        return Err(Error::runtime(format!(
            "the keys of [{profile}] are not in the OS keyring; nothing to forget"
        )));
    };
    let others = sharing_with(&path, &profile, &id)?;
    if !args.yes {
        let question = if others.is_empty() {
            format!(
                "Delete the keys of [{profile}] ({}) from the OS keyring? No file holds them: \
                 without a copy elsewhere you will need a new access key. [y/N] ",
                mask(&id)
            )
        } else {
            format!(
                "The key {} in the OS keyring is used by {}. Remove it from [{profile}] only? \
                 It stays in the keyring for {}. [y/N] ",
                mask(&id),
                names(&[vec![profile.clone()], others.clone()].concat()),
                names(&others)
            )
        };
        confirm(
            &question,
            "`keys forget` deletes keys that may exist nowhere else, and there is no terminal \
             to ask on; pass --yes to confirm",
        )?;
    }
    if !others.is_empty() {
        credfile::marker_to_keys(&path, &profile, None)?;
        ui::notice(&format!(
            "Removed the keys from [{profile}]; they stay in the OS keyring ({}) for {}, which \
             uses them too. [{profile}] has no keys now.",
            mask(&id),
            names(&others)
        ));
        return Ok(());
    }
    let deleted = keyring::delete_secret(&id)?;
    let _ = keyring::delete_session(&id);
    credfile::marker_to_keys(&path, &profile, None)?;
    ui::notice(&format!(
        "{} the keys of [{profile}] ({}) from the OS keyring; [{profile}] has no keys now.",
        if deleted { "Deleted" } else { "There were no" },
        mask(&id)
    ));
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
