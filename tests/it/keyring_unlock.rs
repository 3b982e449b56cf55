//! The keyring's unlock prompt and the credentials file's lock: `awsmfa keys` asks to unlock a
//! locked keyring before it takes the lock, never while it holds it. Other runs (the shell
//! hook's refresh among them) wait on that lock, and a human may take a minute to answer.
//! Against a real gnome-keyring, whose prompt gcr-prompter shows on a virtual display: while
//! the prompt waits, the test tries the lock without waiting, then answers or dismisses the
//! prompt. No timing involved.

use crate::harness::*;
use crate::keyring::{Keyring, PASSWORD, keyed, tied};
use crate::keyring_deadline::Monitor;
use crate::keyring_race::marked;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// gcr-prompter, which shows gnome-keyring's prompts (a GTK dialog), on a virtual display of
/// its own and the keyring's bus.
struct Prompter {
    child: Child,
    xvfb: Xvfb,
}

impl Prompter {
    fn start(keyring: &Keyring) -> Prompter {
        let xvfb = Xvfb::start();
        let child = tied(
            keyring
                .program("/usr/libexec/gcr-prompter")
                .env("DISPLAY", &xvfb.display)
                // Else it quits after 10 s with no prompt to show.
                .env("GCR_PERSIST", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .spawn()
        .expect("gcr-prompter (scripts/install-deps installs gcr)");
        let prompter = Prompter { child, xvfb };
        // gnome-keyring finds it by its name on the bus.
        let start = Instant::now();
        loop {
            let out = keyring
                .program("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.gnome.keyring.SystemPrompter",
                ])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return prompter;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "gcr-prompter never took its name on the bus"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The window of the unlock prompt, if it shows.
    fn unlock_window(&self) -> Option<String> {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^Unlock"])
            .env("DISPLAY", &self.xvfb.display)
            .stdin(Stdio::null())
            .output()
            .expect("xdotool (scripts/install-deps installs it)");
        let found = String::from_utf8_lossy(&out.stdout);
        found.split_whitespace().next().map(str::to_string)
    }
}

impl Drop for Prompter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the user meets the unlock prompt.
enum Answer {
    Dismiss,
    Password,
}

/// Runs `line` on a terminal of its own (so that awsmfa may ask to unlock the keyring) and
/// waits for the keyring's unlock prompt; while it shows, tries the lock of the credentials
/// folder without waiting, then gives the prompt `answer`. Whether the lock was free while
/// the prompt waited for the user, and what the run showed.
fn prompted(sb: &Sandbox, prompter: &Prompter, line: &str, answer: Answer) -> (bool, Screen) {
    std::thread::scope(|s| {
        let run = s.spawn(|| sb.on_terminal(line, &[]));
        let start = Instant::now();
        let window = loop {
            if let Some(window) = prompter.unlock_window() {
                break window;
            }
            if run.is_finished() {
                let screen = run.join().unwrap();
                panic!("the run ended with no unlock prompt: {}", screen.text);
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no unlock prompt"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let free = FolderLock::try_take(&sb.home().join(".aws")).is_some();
        let x = &prompter.xvfb;
        match answer {
            Answer::Dismiss => {
                x.xdotool(&["windowfocus", "--sync", &window, "key", "Escape"]);
            }
            Answer::Password => {
                x.xdotool(&["windowfocus", "--sync", &window, "type", PASSWORD]);
                x.xdotool(&["key", "Return"]);
            }
        }
        (free, run.join().unwrap())
    })
}

const HELD: &str = "the credentials file's lock was held while the keyring's unlock prompt \
                    waited for the user";

#[test]
fn forget_asks_to_unlock_the_keyring_before_it_takes_the_file_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let before = sb.creds();
    keyring.lock();
    let prompter = Prompter::start(&keyring);
    let line = format!("{} keys forget -i a --yes", bin());
    let (free, screen) = prompted(&sb, &prompter, &line, Answer::Dismiss);
    assert!(free, "{HELD}: {}", screen.text);
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(
        screen
            .text
            .contains("the OS keyring stayed locked (its unlock prompt was dismissed)"),
        "{}",
        screen.text
    );
    assert_eq!(sb.creds(), before);
    assert!(keyring.holds("awsmfa", &user.key_id));
}

#[test]
fn export_asks_to_unlock_the_keyring_before_it_takes_the_file_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    keyring.lock();
    let prompter = Prompter::start(&keyring);
    let line = format!("{} keys export -i a", bin());
    let (free, screen) = prompted(&sb, &prompter, &line, Answer::Password);
    assert!(free, "{HELD}: {}", screen.text);
    assert_eq!(screen.status, 0, "{}", screen.text);
    let creds = sb.creds();
    assert_eq!(
        value(&creds, "a", "aws_secret_access_key").as_deref(),
        Some(user.secret.as_str()),
        "{creds}"
    );
    assert_eq!(value(&creds, "a", "awsmfa_keys"), None, "{creds}");
    assert_eq!(keyring.lookup("awsmfa", &user.key_id), None);
}

#[test]
fn import_asks_to_unlock_the_keyring_before_it_takes_the_file_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = keyed(moto);
    keyring.lock();
    let prompter = Prompter::start(&keyring);
    let line = format!("{} keys import", bin());
    let (free, screen) = prompted(&sb, &prompter, &line, Answer::Password);
    assert!(free, "{HELD}: {}", screen.text);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert_eq!(
        value(&sb.creds(), "identity", "awsmfa_keys"),
        Some(format!("keyring {}", user.key_id))
    );
    assert_eq!(
        keyring.lookup("awsmfa", &user.key_id).as_deref(),
        Some(user.secret.as_str())
    );
}

/// Unlocked before the lock, locked again (a screen lock) while the run waits for it: under
/// the lock awsmfa does not ask, it fails, and the file and the item stay.
#[test]
fn a_keyring_locked_again_while_forget_waits_for_the_file_lock_is_not_unlocked_under_it() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let before = sb.creds();
    let monitor = Monitor::start(&keyring, sb.home());
    let line = format!("{} keys forget -i a --yes", bin());
    let screen = std::thread::scope(|s| {
        let lock = FolderLock::take(&sb.home().join(".aws"));
        let run = s.spawn(|| sb.on_terminal(&line, &[]));
        lock.wait_for_a_waiter(|| run.is_finished());
        keyring.lock();
        drop(lock);
        run.join().unwrap()
    });
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(
        screen.text.contains("the OS keyring is locked"),
        "{}",
        screen.text
    );
    assert_eq!(monitor.unlocks(), Vec::<String>::new());
    assert_eq!(sb.creds(), before);
    assert!(keyring.holds("awsmfa", &user.key_id));
}
