//! `awsmfa keys` against another run editing the credentials file at the same time: whether a
//! keyring item is stored or deleted is decided under the file's lock, on the file as it is
//! then, so a key another profile starts (or stops) sharing meanwhile is never lost. The test
//! holds that lock (awsmfa's flock on the file's folder) to put its own edit, standing for the
//! other run, between awsmfa's reading and its deciding; no timing involved.

use crate::harness::*;
use crate::keyring::{Keyring, keyed};
use std::process::{Child, Stdio};

/// `[a]` keeping the user's keys in the keyring (`awsmfa_keys = keyring KEY`, the item stored),
/// `[b]` with no keys.
pub(crate) fn marked(moto: &Moto) -> (User, Sandbox, Keyring) {
    let (user, sb, keyring) = keyed(moto);
    sb.write_creds(&format!(
        "[a]\nawsmfa_keys = keyring {}\n[b]\nregion = us-east-1\n",
        user.key_id
    ));
    assert!(keyring.store("awsmfa", &user.key_id, &user.secret));
    (user, sb, keyring)
}

/// `awsmfa ARGS` started while the test holds the lock of the credentials folder, once it
/// waits for that lock.
fn blocked(sb: &Sandbox, args: &[&str]) -> (FolderLock, Child) {
    let lock = FolderLock::take(&sb.home().join(".aws"));
    let mut child = sb
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    lock.wait_for_waiter(&mut child);
    (lock, child)
}

fn masked(key_id: &str) -> String {
    format!("{}…{}", &key_id[..4], &key_id[key_id.len() - 4..])
}

#[test]
fn forget_keeps_the_item_a_profile_started_sharing_before_it_got_the_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let key = &user.key_id;
    let (lock, forget) = blocked(&sb, &["keys", "forget", "-i", "a", "--yes"]);
    // An import of [b] with the same key completes first: [b]'s marker names the item.
    let shared = format!(
        "[a]\nawsmfa_keys = keyring {key}\n[b]\nregion = us-east-1\nawsmfa_keys = keyring {key}\n"
    );
    sb.write_creds(&shared);
    drop(lock);
    let run: Run = forget.wait_with_output().unwrap().into();
    run.ok();
    assert_eq!(
        keyring.lookup("awsmfa", key).as_deref(),
        Some(user.secret.as_str()),
        "the item [b] names is gone: {}",
        run.stderr
    );
    assert_eq!(
        sb.creds(),
        format!("[a]\n[b]\nregion = us-east-1\nawsmfa_keys = keyring {key}\n")
    );
    assert!(
        run.stderr.contains(&format!(
            "Removed the keys from [a]; they stay in the OS keyring ({}) for [b], which uses \
             them too.",
            masked(key)
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn import_stores_the_key_only_once_it_has_the_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let key = &user.key_id;
    sb.write_creds(&format!(
        "[a]\nawsmfa_keys = keyring {key}\n[b]\naws_access_key_id = {key}\n\
         aws_secret_access_key = {}\n",
        user.secret
    ));
    let (lock, import) = blocked(&sb, &["keys", "import", "-i", "b"]);
    // `keys forget -i a` completes first: no marker but [a]'s named the key, so the item
    // went with [a]'s marker.
    keyring.clear("awsmfa", key);
    sb.write_creds(&format!(
        "[a]\n[b]\naws_access_key_id = {key}\naws_secret_access_key = {}\n",
        user.secret
    ));
    drop(lock);
    let run: Run = import.wait_with_output().unwrap().into();
    run.ok();
    assert!(
        run.stderr.contains("are in the OS keyring now"),
        "{}",
        run.stderr
    );
    assert_eq!(
        sb.creds(),
        format!("[a]\n[b]\nawsmfa_keys = keyring {key}\n")
    );
    assert_eq!(
        keyring.lookup("awsmfa", key).as_deref(),
        Some(user.secret.as_str()),
        "[b]'s marker names an item that is gone"
    );
}

#[test]
fn export_deletes_no_item_a_profile_started_sharing_before_it_got_the_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let key = &user.key_id;
    let (lock, export) = blocked(&sb, &["keys", "export", "-i", "a"]);
    let shared = format!(
        "[a]\nawsmfa_keys = keyring {key}\n[b]\nregion = us-east-1\nawsmfa_keys = keyring {key}\n"
    );
    sb.write_creds(&shared);
    drop(lock);
    // Exporting a shared key is asked about first: awsmfa did not ask, so it does nothing.
    let run: Run = export.wait_with_output().unwrap().into();
    run.fails(
        1,
        &format!(
            "[b] started using the key {} meanwhile; nothing was changed, run again",
            masked(key)
        ),
    );
    assert_eq!(sb.creds(), shared);
    assert_eq!(
        keyring.lookup("awsmfa", key).as_deref(),
        Some(user.secret.as_str())
    );
}

#[test]
fn forget_on_a_terminal_refuses_when_the_key_became_shared_while_it_asked() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let key = &user.key_id;
    let share = format!("$ printf 'awsmfa_keys = keyring {key}\\n' >>\"$HOME/.aws/credentials\"");
    let screen = sb.on_terminal(
        &format!("{} keys forget -i a", bin()),
        &[("[y/N]", &share), ("", "y")],
    );
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(
        screen.text.contains(&format!(
            "[b] started using the key {} while awsmfa was asking; nothing was \
             changed, run again",
            masked(key)
        )),
        "{}",
        screen.text
    );
    assert_eq!(
        sb.creds(),
        format!(
            "[a]\nawsmfa_keys = keyring {key}\n[b]\nregion = us-east-1\nawsmfa_keys = keyring {key}\n"
        )
    );
    assert_eq!(
        keyring.lookup("awsmfa", key).as_deref(),
        Some(user.secret.as_str())
    );
}

#[test]
fn export_on_a_terminal_refuses_when_the_sharing_changed_while_it_asked() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let key = &user.key_id;
    sb.write_creds(&format!(
        "[a]\nawsmfa_keys = keyring {key}\n[b]\nawsmfa_keys = keyring {key}\n"
    ));
    // [b] forgets its marker while [a]'s export asks: the item would stay for nobody.
    let unshare = format!(
        "$ printf '[a]\\nawsmfa_keys = keyring {key}\\n[b]\\n' >\"$HOME/.aws/credentials\""
    );
    let screen = sb.on_terminal(
        &format!("{} keys export -i a", bin()),
        &[("[y/N]", &unshare), ("", "y")],
    );
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(
        screen.text.contains(&format!(
            "[b] stopped using the key {} while awsmfa was asking; nothing was \
             changed, run again",
            masked(key)
        )),
        "{}",
        screen.text
    );
    assert_eq!(
        sb.creds(),
        format!("[a]\nawsmfa_keys = keyring {key}\n[b]\n")
    );
    assert_eq!(
        keyring.lookup("awsmfa", key).as_deref(),
        Some(user.secret.as_str())
    );
}
