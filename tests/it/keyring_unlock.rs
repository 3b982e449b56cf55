//! The keyring's unlock prompt and the credentials file's lock: `awsmfa keys` asks to unlock a
//! locked keyring before it takes the lock, never while it holds it. Other runs (the shell
//! hook's refresh among them) wait on that lock, and a human may take a minute to answer.
//! Against a real gnome-keyring, whose prompt gcr-prompter shows on a virtual display: while
//! the prompt waits, the test tries the lock without waiting, then answers or dismisses the
//! prompt. Also: a `Completed` signal forged by another peer on the bus, and a prompt nobody
//! answers. No timing involved.

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
            let out = keyring.call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.gnome.keyring.SystemPrompter",
            );
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

/// Locks the keyring, runs `line` on a terminal of its own (so that awsmfa may ask to unlock
/// it) and waits for the keyring's unlock prompt; while it shows, the credentials folder's lock
/// must be free (tried without waiting). Then gives the prompt `answer`; what the run showed.
fn prompted(sb: &Sandbox, keyring: &Keyring, line: &str, answer: Answer) -> Screen {
    keyring.lock();
    let prompter = Prompter::start(keyring);
    let (free, screen) = std::thread::scope(|s| {
        let run = s.spawn(|| sb.on_terminal(line, &[]));
        let (window, run) = shown(&prompter, run);
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
    });
    assert!(free, "{HELD}: {}", screen.text);
    screen
}

/// The window of the unlock prompt once `run` shows it; a run that ends first fails the test.
fn shown<'s>(prompter: &Prompter, run: Running<'s>) -> (String, Running<'s>) {
    let start = Instant::now();
    loop {
        if let Some(window) = prompter.unlock_window() {
            return (window, run);
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
    }
}

type Running<'s> = std::thread::ScopedJoinHandle<'s, Screen>;

const HELD: &str = "the credentials file's lock was held while the keyring's unlock prompt \
                    waited for the user";

#[test]
fn forget_asks_to_unlock_the_keyring_before_it_takes_the_file_lock() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let before = sb.creds();
    let line = format!("{} keys forget -i a --yes", bin());
    let screen = prompted(&sb, &keyring, &line, Answer::Dismiss);
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
    let line = format!("{} keys export -i a", bin());
    let screen = prompted(&sb, &keyring, &line, Answer::Password);
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
    let line = format!("{} keys import", bin());
    let screen = prompted(&sb, &keyring, &line, Answer::Password);
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

/// A field of a dbus-monitor line, such as `sender=`.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(name))
        .map(|v| v.trim_end_matches(';'))
}

/// The first line of the monitor's log that `wanted` picks, once it shows.
fn logged(monitor: &Monitor, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        if let Some(line) = monitor.log().lines().find(|l| wanted(l)) {
            return line.to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "dbus-monitor never showed {what}:\n{}",
            monitor.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// awsmfa's name on the bus and the path of the prompt it waits on, from its Prompt call,
/// once the service's answer to that call went to it.
fn prompt_call(monitor: &Monitor) -> (String, String) {
    let call = logged(monitor, "awsmfa's Prompt call", |l| {
        l.starts_with("method call")
            && l.contains("interface=org.freedesktop.Secret.Prompt;")
            && l.contains("member=Prompt")
    });
    let awsmfa = field(&call, "sender=").unwrap().to_string();
    let serial = field(&call, "serial=").unwrap();
    logged(monitor, "the answer to awsmfa's Prompt call", |l| {
        l.starts_with("method return")
            && field(l, "destination=") == Some(&awsmfa)
            && field(l, "reply_serial=") == Some(serial)
    });
    (awsmfa, field(&call, "path=").unwrap().to_string())
}

/// Sends `awsmfa`, from another connection, the signal that says the prompt at `path` ended
/// with the collection unlocked (not dismissed).
fn forge(keyring: &Keyring, awsmfa: &str, path: &str) {
    let sent = keyring
        .program("dbus-send")
        .args([
            "--session",
            "--type=signal",
            &format!("--dest={awsmfa}"),
            path,
            "org.freedesktop.Secret.Prompt.Completed",
            "boolean:false",
            "variant:string:",
        ])
        .output()
        .unwrap();
    assert!(sent.status.success(), "dbus-send: {sent:?}");
}

/// The process id of the connection `name` on the bus.
fn pid_of(keyring: &Keyring, name: &str) -> String {
    let out = keyring.call(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.GetConnectionUnixProcessID",
        &format!("string:{name}"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// Whether process `pid` sleeps reading a unix socket (awsmfa: waiting for the bus).
fn reading(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/wchan"))
        .is_ok_and(|w| w.starts_with("unix_stream_read"))
}

/// Another peer on the session bus sends awsmfa a `Completed(dismissed=false)` signal in the
/// name of the prompt it waits on: awsmfa reads it and waits on, and only the keyring's own
/// answer (the password typed in its dialog) ends the wait. The signal reaches awsmfa after
/// the service's answer to its Prompt call; the test answers the dialog once awsmfa has read
/// everything and sleeps on the bus again (or ended: a failure).
#[test]
fn a_forged_completed_signal_does_not_end_the_wait_for_the_unlock_prompt() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    keyring.lock();
    let monitor = Monitor::start(&keyring, sb.home());
    let prompter = Prompter::start(&keyring);
    let line = format!("{} keys forget -i a --yes", bin());
    let screen = std::thread::scope(|s| {
        let run = s.spawn(|| sb.on_terminal(&line, &[]));
        let (window, run) = shown(&prompter, run);
        let (awsmfa, path) = prompt_call(&monitor);
        forge(&keyring, &awsmfa, &path);
        logged(&monitor, "the forged signal", |l| {
            l.starts_with("signal")
                && field(l, "destination=") == Some(&awsmfa)
                && l.contains("member=Completed")
        });
        let pid = pid_of(&keyring, &awsmfa);
        let start = Instant::now();
        while !run.is_finished() && !reading(&pid) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "awsmfa never waited"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if run.is_finished() {
            let screen = run.join().unwrap();
            panic!(
                "the forged Completed signal ended awsmfa's wait for the unlock prompt: {}",
                screen.text
            );
        }
        assert!(
            prompter.unlock_window().is_some(),
            "the unlock prompt went away"
        );
        let x = &prompter.xvfb;
        x.xdotool(&["windowfocus", "--sync", &window, "type", PASSWORD]);
        x.xdotool(&["key", "Return"]);
        run.join().unwrap()
    });
    // Had awsmfa taken the forged signal for the answer, it would have searched the locked
    // keyring before the password was typed, and failed.
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert_eq!(keyring.lookup("awsmfa", &user.key_id), None);
    assert_eq!(value(&sb.creds(), "a", "awsmfa_keys"), None);
}

/// Nobody answers the unlock prompt: the run ends when the time a user has to answer it
/// (60 s) runs out, and says so, not that the keyring was slow to answer a call (10 s).
#[test]
fn an_unanswered_unlock_prompt_is_reported_with_the_unlock_wait() {
    let moto = Moto::shared();
    let (user, sb, keyring) = marked(moto);
    let before = sb.creds();
    keyring.lock();
    let prompter = Prompter::start(&keyring);
    let line = format!("{} keys forget -i a --yes", bin());
    let screen = std::thread::scope(|s| {
        let run = s.spawn(|| sb.on_terminal_within(&line, &[], 120));
        let (_, run) = shown(&prompter, run);
        run.join().unwrap()
    });
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(
        screen.text.contains(
            "awsmfa: error: the OS keyring's unlock prompt was not answered within 60 s; \
             start or unlock your Secret Service"
        ),
        "{}",
        screen.text
    );
    assert_eq!(sb.creds(), before);
    assert!(keyring.holds("awsmfa", &user.key_id));
}
