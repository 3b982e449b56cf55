//! Item 4 of the hostile review: two profiles holding the same key share one keyring item.
//! `keys forget` and `keys export` of one of them must not take it from the other, and any
//! question names every profile that uses the key.

use crate::harness::*;
use crate::keyring::Keyring;

/// Whether the keyring holds awsmfa's item for `key_id`.
fn holds(keyring: &Keyring, key_id: &str) -> bool {
    keyring.lookup("awsmfa", key_id).is_some()
}

/// Profiles [a] and [b] holding the same key, both imported into the keyring.
fn shared(moto: &Moto) -> (User, Sandbox, Keyring) {
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    let keys = format!(
        "aws_access_key_id = {}\naws_secret_access_key = {}\n",
        user.key_id, user.secret
    );
    sb.write_creds(&format!("[a]\n{keys}\n[b]\n{keys}"));
    let keyring = Keyring::start(&mut sb);
    sb.run(&["keys", "import", "-i", "a"]).ok();
    sb.run(&["keys", "import", "-i", "b"]).ok();
    assert!(holds(&keyring, &user.key_id));
    (user, sb, keyring)
}

#[test]
fn forgetting_one_profile_keeps_the_item_another_still_names() {
    let moto = Moto::shared();
    let (user, sb, keyring) = shared(moto);
    // The question names both profiles; no changes nothing.
    let marked = sb.creds();
    let line = format!("{} keys forget -i b", bin());
    let screen = sb.on_terminal(&line, &[("[y/N]", "n")]);
    assert_eq!(screen.status, 1, "{}", screen.text);
    let question = screen.text.replace('\n', " ");
    assert!(
        question.contains("[b] and [a]") || question.contains("[a] and [b]"),
        "{}",
        screen.text
    );
    assert_eq!(sb.creds(), marked);

    let run = sb.run(&["keys", "forget", "-i", "b", "--yes"]);
    run.ok();
    assert!(run.stderr.contains("[a]"), "{}", run.stderr);
    assert!(
        holds(&keyring, &user.key_id),
        "the item [a] names was deleted"
    );
    let creds = sb.creds();
    assert!(
        creds.contains(&format!("[a]\nawsmfa_keys = keyring {}", user.key_id)),
        "{creds}"
    );
    assert!(
        creds.contains("[b]\n") && creds.matches("awsmfa_keys").count() == 1,
        "{creds}"
    );
    // [a] still has its secret.
    sb.run(&["-i", "a", "-c", "123456"]).ok();
    // The last one deletes it.
    sb.run(&["keys", "forget", "-i", "a", "--yes"]).ok();
    assert!(!holds(&keyring, &user.key_id));
}

#[test]
fn exporting_a_shared_key_asks_naming_both_and_keeps_the_item() {
    let moto = Moto::shared();
    let (user, sb, keyring) = shared(moto);
    let marked = sb.creds();
    // No terminal to show the question on: nothing happens.
    sb.run(&["keys", "export", "-i", "b"])
        .fails(2, "is used by [b] and [a]");
    assert_eq!(sb.creds(), marked);
    assert!(holds(&keyring, &user.key_id));
    let line = format!("{} keys export -i b", bin());
    let screen = sb.on_terminal(&line, &[("[y/N]", "y")]);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(
        holds(&keyring, &user.key_id),
        "the item [a] names was deleted"
    );
    let creds = sb.creds();
    assert!(
        creds.contains(&format!("[b]\naws_access_key_id = {}", user.key_id)),
        "{creds}"
    );
    sb.run(&["-i", "a", "-c", "123456"]).ok();
}
