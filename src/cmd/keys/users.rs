//! Who uses a key in the OS keyring: profiles whose markers name the same key share its item,
//! and what `keys export` and `keys forget` decide depends on them.

use crate::error::{Error, Result};
use crate::files::credfile;
use crate::files::ini::Doc;
use crate::ui::mask;
use std::path::Path;

/// The key `profile`'s marker names and the other profiles whose markers name it too: they
/// share its keyring item, which only the last of them may delete.
#[derive(Debug)]
pub(super) struct Users {
    pub id: String,
    pub others: Vec<String>,
}

/// The users of the key of `profile` in `doc`; an error ending in `nothing to {what}` when
/// its keys are not in the keyring.
pub(super) fn users(doc: &Doc, path: &Path, profile: &str, what: &str) -> Result<Users> {
    let Some(id) = credfile::in_keyring(doc, path, profile)? else {
        return Err(Error::runtime(format!(
            "the keys of [{profile}] are not in the OS keyring; nothing to {what}"
        )));
    };
    let mut others = credfile::sharing(doc, path, &id);
    others.retain(|p| p != profile);
    Ok(Users { id, others })
}

/// Refuses when the users of the key, as `now` under the lock, are not those `seen` before
/// (what the user was asked about, when `asked`): another run changed the file in between,
/// and what awsmfa decided on no longer holds.
pub(super) fn unchanged(seen: &Users, now: &Users, profile: &str, asked: bool) -> Result<()> {
    let only_in = |a: &Users, b: &Users| -> Vec<String> {
        a.others
            .iter()
            .filter(|p| !b.others.contains(p))
            .cloned()
            .collect()
    };
    let (started, stopped) = (only_in(now, seen), only_in(seen, now));
    let key = mask(&seen.id);
    let what = if now.id != seen.id {
        format!(
            "the marker of [{profile}] was changed to the key {}",
            mask(&now.id)
        )
    } else {
        match (started.is_empty(), stopped.is_empty()) {
            (true, true) => return Ok(()),
            (false, true) => format!("{} started using the key {key}", names(&started)),
            (true, false) => format!("{} stopped using the key {key}", names(&stopped)),
            (false, false) => format!(
                "{} started and {} stopped using the key {key}",
                names(&started),
                names(&stopped)
            ),
        }
    };
    let when = if asked {
        "while awsmfa was asking"
    } else {
        "meanwhile"
    };
    Err(Error::runtime(format!(
        "{what} {when}; nothing was changed, run again"
    )))
}

/// `[a], [b] and [c]`.
pub(super) fn names(profiles: &[String]) -> String {
    let quoted: Vec<String> = profiles.iter().map(|p| format!("[{p}]")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: &str, others: &[&str]) -> Users {
        Users {
            id: id.to_string(),
            others: others.iter().map(|p| p.to_string()).collect(),
        }
    }

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const NEW: &str = "AKIAIOSFODNN7NEWKEY1";

    fn refusal(before: &Users, now: &Users, asked: bool) -> String {
        unchanged(before, now, "a", asked).unwrap_err().msg
    }

    #[test]
    fn the_same_users_in_another_order_are_unchanged() {
        let before = seen(KEY, &["b", "c"]);
        assert!(unchanged(&before, &seen(KEY, &["c", "b"]), "a", true).is_ok());
        assert!(unchanged(&seen(KEY, &[]), &seen(KEY, &[]), "a", false).is_ok());
    }

    #[test]
    fn a_change_is_named_and_nothing_is_done() {
        assert_eq!(
            refusal(&seen(KEY, &[]), &seen(KEY, &["b"]), true),
            "[b] started using the key AKIA…MPLE while awsmfa was asking; nothing was \
             changed, run again"
        );
        assert_eq!(
            refusal(&seen(KEY, &["b", "c"]), &seen(KEY, &["b"]), false),
            "[c] stopped using the key AKIA…MPLE meanwhile; nothing was changed, run again"
        );
        assert_eq!(
            refusal(&seen(KEY, &["b"]), &seen(KEY, &["c", "d"]), true),
            "[c] and [d] started and [b] stopped using the key AKIA…MPLE while awsmfa was \
             asking; nothing was changed, run again"
        );
        assert_eq!(
            refusal(&seen(KEY, &["b"]), &seen(NEW, &["b"]), true),
            "the marker of [a] was changed to the key AKIA…KEY1 while awsmfa was asking; \
             nothing was changed, run again"
        );
    }

    #[test]
    fn the_users_of_a_key_are_the_other_markers_naming_it() {
        let text = format!(
            "[a]\nawsmfa_keys = keyring {KEY}\n[b]\nawsmfa_keys = keyring {KEY}\n\
             [c]\nawsmfa_keys = keyring {NEW}\n[d]\naws_access_key_id = x\n\
             awsmfa_keys = keyring {KEY}\n"
        );
        let doc = Doc::parse(&text).unwrap();
        let p = Path::new("creds");
        let found = users(&doc, p, "a", "forget").unwrap();
        assert_eq!(
            (found.id.as_str(), found.others),
            (KEY, vec!["b".to_string()])
        );
        assert_eq!(
            users(&doc, p, "d", "export").unwrap_err().msg,
            "the keys of [d] are not in the OS keyring; nothing to export"
        );
    }

    #[test]
    fn names_are_listed_as_a_sentence() {
        let list = |n: &[&str]| names(&n.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&["a"]), "[a]");
        assert_eq!(list(&["a", "b"]), "[a] and [b]");
        assert_eq!(list(&["a", "b", "c"]), "[a], [b] and [c]");
    }
}
