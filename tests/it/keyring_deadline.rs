//! The keyring on the runs that must not wait or ask: the prompt hook's `refresh --timeout`
//! and `credential-process` without a terminal end by themselves, in one error line, when the
//! session bus never answers, and never start an unlock prompt for a locked collection.

use crate::harness::*;
use crate::keyring::{Keyring, keyed, tied};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A unix socket that accepts every connection and never says a word: a session bus (or a
/// Secret Service behind it) that hangs.
struct SilentBus {
    listener: Child,
    address: String,
}

impl SilentBus {
    fn start(dir: &Path) -> SilentBus {
        let script = "import socket, sys\n\
                      s = socket.socket(socket.AF_UNIX)\n\
                      s.bind(sys.argv[1]); s.listen(64)\n\
                      print('ready', flush=True)\n\
                      held = []\n\
                      while True: held.append(s.accept()[0])\n";
        SilentBus::run(dir, script, &[])
    }

    /// The python `script` listening at `sys.argv[1]`, `args` after it; it prints `ready` once
    /// it listens.
    fn run(dir: &Path, script: &str, args: &[&str]) -> SilentBus {
        let path = dir.join("silent-bus");
        // The socket of the one before.
        let _ = std::fs::remove_file(&path);
        let mut listener = tied(
            Command::new("python3")
                .args(["-c", script])
                .arg(&path)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped()),
        )
        .spawn()
        .unwrap();
        let mut line = String::new();
        BufReader::new(listener.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        SilentBus {
            listener,
            address: format!("unix:path={}", path.display()),
        }
    }
}

impl Drop for SilentBus {
    fn drop(&mut self) {
        let _ = self.listener.kill();
        let _ = self.listener.wait();
    }
}

/// Runs `cmd` to its end; a run still going after `patience` (far beyond any deadline awsmfa
/// sets itself) is killed and fails the test: it would have held the prompt or the SDK.
#[track_caller]
fn ends_by_itself(mut cmd: Command, patience: Duration) -> Run {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > patience {
            let _ = child.kill();
            let run: Run = child.wait_with_output().unwrap().into();
            panic!(
                "still waiting on the keyring after {patience:?}, killed; stderr: {}",
                run.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap().into()
}

/// A sandbox whose identity's keys are marked as in the keyring, and that file's text.
fn marked_identity(moto: &Moto) -> (Sandbox, String) {
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let marked = format!("[identity]\nawsmfa_keys = keyring {}\n", user.key_id);
    sb.write_creds(&marked);
    (sb, marked)
}

/// What the prompt hook runs ends by itself with the one keyring line: its 2 s are the
/// keyring's too. The file stays `marked`.
#[track_caller]
fn hook_refresh_gives_up_in_2_s(sb: &Sandbox, marked: &str) -> Run {
    let run = ends_by_itself(
        sb.command(&["refresh", "--timeout", "2"]),
        Duration::from_secs(20),
    );
    run.fails(1, "the OS keyring did not answer within 2 s");
    assert_eq!(sb.creds(), marked);
    run
}

#[test]
fn a_session_bus_that_never_answers_ends_the_hook_refresh_and_credential_process() {
    let (mut sb, marked) = marked_identity(Moto::shared());
    let bus = SilentBus::start(sb.home());
    sb.set("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .set("AWSMFA_SOURCE", "target=default");

    let run = hook_refresh_gives_up_in_2_s(&sb, &marked);
    assert!(run.stderr.contains("[identity]"), "{}", run.stderr);

    // An SDK's credential_process, no terminal: the run's own deadline.
    let run = ends_by_itself(sb.command(&["credential-process"]), Duration::from_secs(40));
    run.fails(1, "the OS keyring did not answer within 10 s");
    assert_eq!(sb.creds(), marked);
}

/// A hung bus that no longer accepts connections: once its listen backlog is full (here one
/// connection, made by the bus itself), connect(2) waits until it accepts.
#[test]
fn a_session_bus_whose_backlog_is_full_ends_the_hook_refresh() {
    let (mut sb, marked) = marked_identity(Moto::shared());
    let script = "import socket, sys, time\n\
                  s = socket.socket(socket.AF_UNIX)\n\
                  s.bind(sys.argv[1]); s.listen(0)\n\
                  held = socket.socket(socket.AF_UNIX); held.connect(sys.argv[1])\n\
                  print('ready', flush=True)\n\
                  while True: time.sleep(60)\n";
    let bus = SilentBus::run(sb.home(), script, &[]);
    sb.set("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .set("AWSMFA_SOURCE", "target=default");
    hook_refresh_gives_up_in_2_s(&sb, &marked);
}

/// A bus that sends a byte now and then but never a whole answer, first in its greeting, then
/// in a message: the deadline holds for the whole answer, not for each byte.
#[test]
fn a_session_bus_that_dribbles_ends_the_hook_refresh() {
    let (mut sb, marked) = marked_identity(Moto::shared());
    sb.set("AWSMFA_SOURCE", "target=default");
    let script = "import socket, sys, threading, time\n\
                  s = socket.socket(socket.AF_UNIX)\n\
                  s.bind(sys.argv[1]); s.listen(64)\n\
                  first, byte = bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])\n\
                  def drip(c):\n\
                  \x20   try:\n\
                  \x20       c.sendall(first)\n\
                  \x20       while True: c.sendall(byte); time.sleep(0.2)\n\
                  \x20   except OSError: pass\n\
                  print('ready', flush=True)\n\
                  while True:\n\
                  \x20   c = s.accept()[0]\n\
                  \x20   threading.Thread(target=drip, args=(c,), daemon=True).start()\n";
    // The greeting's line, never ended; then an OK and a message header announcing a 4 KiB
    // body, which comes a zero byte at a time.
    let ok = b"OK 0123456789abcdef0123456789abcdef\r\n";
    let mut header = vec![b'l', 2, 0, 1];
    header.extend_from_slice(&4096u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    for (first, drip) in [
        (String::new(), hex(b"O")),
        (hex(&[&ok[..], &header].concat()), hex(&[0])),
    ] {
        let bus = SilentBus::run(sb.home(), script, &[&first, &drip]);
        sb.set("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        hook_refresh_gives_up_in_2_s(&sb, &marked);
    }
}

/// What a Secret Service client asked on the bus while it ran: a monitor that eavesdrops on
/// the test's own bus (its policy allows that), started before the runs.
pub(crate) struct Monitor {
    child: Child,
    log: std::path::PathBuf,
}

impl Monitor {
    pub(crate) fn start(keyring: &Keyring, dir: &Path) -> Monitor {
        let log = dir.join("monitor.log");
        let child = tied(
            keyring
                .program("dbus-monitor")
                .arg("--session")
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(Stdio::null()),
        )
        .spawn()
        .expect("dbus-monitor (scripts/install-deps installs dbus)");
        // It is listening once it reports its own name.
        let start = Instant::now();
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("NameAcquired")
        {
            assert!(start.elapsed() < Duration::from_secs(10), "no dbus-monitor");
            std::thread::sleep(Duration::from_millis(20));
        }
        Monitor { child, log }
    }

    /// What it logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// The unlock requests and prompts seen so far.
    pub(crate) fn unlocks(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| {
                l.contains("member=Unlock") || l.contains("interface=org.freedesktop.Secret.Prompt")
            })
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_locked_keyring_is_never_unlocked_by_the_hook_or_credential_process() {
    let moto = Moto::shared();
    let (user, mut sb, keyring) = keyed(moto);
    sb.run(&["keys", "import"]).ok();
    sb.run(&["-c", "123456"]).ok();
    assert!(keyring.lookup("awsmfa-session", &user.key_id).is_some());
    let marked = sb.creds();
    keyring.lock();
    let monitor = Monitor::start(&keyring, sb.home());
    sb.set("AWSMFA_SOURCE", "target=default");

    let run = ends_by_itself(
        sb.command(&["refresh", "--timeout", "2"]),
        Duration::from_secs(20),
    );
    run.fails(1, "the OS keyring is locked");
    let run = ends_by_itself(sb.command(&["credential-process"]), Duration::from_secs(40));
    run.fails(1, "the OS keyring is locked");
    assert!(run.stderr.contains("[identity]"), "{}", run.stderr);
    assert_eq!(monitor.unlocks(), Vec::<String>::new());
    assert_eq!(sb.creds(), marked);
}
