//! Item 4 of the hostile review: two profiles holding the same key share one keyring item.
//! `keys forget` and `keys export` of one of them must not take it from the other, and any
//! question names every profile that uses the key.

use crate::harness::*;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A session bus of the test's own and a gnome-keyring-daemon on it, unlocked (as in
/// tests/it/keyring.rs).
struct Keyring {
    bus: String,
    home: std::path::PathBuf,
    children: Vec<Child>,
}

fn tied(cmd: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe; it only sets the death signal of the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        })
    }
}

impl Keyring {
    fn start(sb: &mut Sandbox) -> Keyring {
        let home = sb.home().to_path_buf();
        let conf = home.join("bus.conf");
        std::fs::write(
            &conf,
            "<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>\
             <auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\"/>\
             <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>",
        )
        .unwrap();
        let mut dbus = tied(
            Command::new("dbus-daemon")
                .arg(format!("--config-file={}", conf.display()))
                .args(["--nofork", "--print-address=1"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .spawn()
        .unwrap();
        let mut bus = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut bus)
            .unwrap();
        let bus = bus.trim().to_string();
        let mut daemon = tied(
            Command::new("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .env_clear()
                .env("HOME", &home)
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .spawn()
        .unwrap();
        daemon
            .stdin
            .take()
            .unwrap()
            .write_all(b"test-password")
            .unwrap();
        sb.set("DBUS_SESSION_BUS_ADDRESS", &bus);
        let k = Keyring {
            bus,
            home,
            children: vec![dbus, daemon],
        };
        let start = Instant::now();
        while !k.tool(
            &["store", "--label", "r", "service", "ready", "username", "x"],
            "x",
        ) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no Secret Service"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        k
    }

    fn tool(&self, args: &[&str], input: &str) -> bool {
        let mut child = Command::new("secret-tool")
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child.wait().unwrap().success()
    }

    /// Whether the keyring holds awsmfa's item for `key_id`.
    fn holds(&self, key_id: &str) -> bool {
        self.tool(&["lookup", "service", "awsmfa", "username", key_id], "")
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
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
    assert!(keyring.holds(&user.key_id));
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
        keyring.holds(&user.key_id),
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
    assert!(!keyring.holds(&user.key_id));
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
    assert!(keyring.holds(&user.key_id));
    let line = format!("{} keys export -i b", bin());
    let screen = sb.on_terminal(&line, &[("[y/N]", "y")]);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(
        keyring.holds(&user.key_id),
        "the item [a] names was deleted"
    );
    let creds = sb.creds();
    assert!(
        creds.contains(&format!("[b]\naws_access_key_id = {}", user.key_id)),
        "{creds}"
    );
    sb.run(&["-i", "a", "-c", "123456"]).ok();
}
