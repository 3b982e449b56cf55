//! Keys in the OS keyring, against a real one: gnome-keyring-daemon's Secret Service on a
//! D-Bus session bus of the test's own, unlocked with a test password, its encrypted keyring
//! files in the sandbox HOME; `secret-tool` (libsecret) reads the items back.

use crate::harness::*;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of the test's login keyring, which its unlock prompt asks for.
pub(crate) const PASSWORD: &str = "test-password";

/// A session bus without service activation (a killed daemon stays dead, as when a desktop
/// session's keyring goes away) and a gnome-keyring-daemon on it.
pub(crate) struct Keyring {
    dbus: Child,
    daemon: Child,
    /// The sandbox's clean environment, the bus's address in it.
    clean: Clean,
}

pub(crate) fn tied(cmd: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe; it only sets the death signal of the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        })
    }
}

impl Keyring {
    /// Starts the bus and the daemon for `sb`, whose runs then reach them.
    pub(crate) fn start(sb: &mut Sandbox) -> Keyring {
        Keyring::start_at(sb, "unix:tmpdir=/tmp")
    }

    /// As `start`, the bus listening at the D-Bus address `listen`.
    pub(crate) fn start_at(sb: &mut Sandbox, listen: &str) -> Keyring {
        let conf = sb.home().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<busconfig><type>session</type><listen>{listen}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">\
                 <allow send_destination=\"*\"/><allow eavesdrop=\"true\"/>\
                 <allow own=\"*\"/></policy></busconfig>"
            ),
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
        .expect("dbus-daemon (scripts/install-deps installs dbus)");
        let mut bus = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut bus)
            .unwrap();
        let bus = bus.trim().to_string();
        let mut daemon = tied(
            sb.program("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .spawn()
        .expect("gnome-keyring-daemon (scripts/install-deps installs gnome-keyring)");
        {
            use std::io::Write;
            let mut stdin = daemon.stdin.take().unwrap();
            stdin.write_all(PASSWORD.as_bytes()).unwrap();
        }
        sb.set("DBUS_SESSION_BUS_ADDRESS", &bus);
        let k = Keyring {
            dbus,
            daemon,
            clean: sb.clean(),
        };
        // Ready once it stores an item.
        let start = Instant::now();
        while !k.store("ready", "x", "x") {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no Secret Service"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        k
    }

    /// `program` in the sandbox's environment, on this bus (`--session` reaches it).
    pub(crate) fn program(&self, program: &str) -> Command {
        self.clean.program(program)
    }

    fn tool(&self, args: &[&str]) -> std::process::Output {
        self.clean
            .program("secret-tool")
            .args(args)
            .output()
            .expect("secret-tool (scripts/install-deps installs libsecret-tools)")
    }

    /// Stores `secret` as libsecret does; whether that worked.
    pub(crate) fn store(&self, service: &str, username: &str, secret: &str) -> bool {
        let mut child = self
            .clean
            .program("secret-tool")
            .args([
                "store", "--label", service, "service", service, "username", username,
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("secret-tool (scripts/install-deps installs libsecret-tools)");
        {
            use std::io::Write;
            let _ = child.stdin.take().unwrap().write_all(secret.as_bytes());
        }
        child.wait().unwrap().success()
    }

    /// The secret stored for `service` and `username`, as libsecret reads it.
    pub(crate) fn lookup(&self, service: &str, username: &str) -> Option<String> {
        let out = self.tool(&["lookup", "service", service, "username", username]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Whether there is an item for `service` and `username`, locked or not: found without
    /// unlocking anything (a lookup would ask to unlock a locked one).
    pub(crate) fn holds(&self, service: &str, username: &str) -> bool {
        let found = self.call_service(
            "SearchItems",
            &format!("dict:string:string:service,{service},username,{username}"),
        );
        String::from_utf8_lossy(&found.stdout).contains("object path")
    }

    /// Deletes the item for `service` and `username`, as libsecret does.
    pub(crate) fn clear(&self, service: &str, username: &str) {
        let out = self.tool(&["clear", "service", service, "username", username]);
        assert!(out.status.success(), "{out:?}");
    }

    /// Locks the default (login) collection, as a screen lock or a desktop's idle timeout
    /// does: its items are then found but not read until it is unlocked.
    pub(crate) fn lock(&self) {
        self.call_service(
            "Lock",
            "array:objpath:/org/freedesktop/secrets/aliases/default",
        );
    }

    /// Calls `member` of the Secret Service with one argument (dbus-send's notation), as any
    /// client on the bus can; the call must succeed.
    fn call_service(&self, member: &str, argument: &str) -> std::process::Output {
        self.call(
            "org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            &format!("org.freedesktop.Secret.Service.{member}"),
            argument,
        )
    }

    /// Calls `method` (interface.member) of `path` at `destination` on the test's bus with one
    /// argument (dbus-send's notation) and its reply printed; the call must succeed.
    pub(crate) fn call(
        &self,
        destination: &str,
        path: &str,
        method: &str,
        argument: &str,
    ) -> std::process::Output {
        let out = self
            .program("dbus-send")
            .args([
                "--session",
                "--print-reply",
                &format!("--dest={destination}"),
                path,
                method,
                argument,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "dbus-send {method}: {out:?}");
        out
    }

    fn kill_daemon(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        self.kill_daemon();
        let _ = self.dbus.kill();
        let _ = self.dbus.wait();
    }
}

/// Every regular file under `dir` that contains `secret`.
fn files_holding(dir: &Path, secret: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            found.extend(files_holding(&path, secret));
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

pub(crate) fn keyed(moto: &Moto) -> (User, Sandbox, Keyring) {
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    let keyring = Keyring::start(&mut sb);
    (user, sb, keyring)
}

#[test]
fn import_moves_the_keys_and_every_command_reads_them_there() {
    let moto = Moto::shared();
    let (user, sb, keyring) = keyed(moto);
    let original = format!("# mine\n{}region = us-east-1\n", user.identity_section());
    sb.write_creds(&original);
    let run = sb.run(&["keys", "import"]);
    run.ok();
    assert!(
        run.stderr.contains("are in the OS keyring now"),
        "{}",
        run.stderr
    );
    assert_eq!(
        sb.creds(),
        format!(
            "# mine\n[identity]\nawsmfa_keys = keyring {}\nregion = us-east-1\n",
            user.key_id
        )
    );
    assert_eq!(
        keyring.lookup("awsmfa", &user.key_id).as_deref(),
        Some(user.secret.as_str())
    );
    assert!(sb.home().join(".local/share/keyrings").is_dir());
    assert_eq!(files_holding(sb.home(), &user.secret), Vec::<String>::new());

    // The main job, with its MFA session cached in the keyring, not in ~/.cache/awsmfa.
    sb.run(&["-c", "123456"]).ok();
    assert_eq!(
        value(&sb.creds(), "default", "aws_access_key_id").as_deref(),
        Some("AKIAIOSFODNN7EXAMPLE")
    );
    assert!(value(&sb.creds(), "default", "awsmfa_keys").is_none());
    let session = keyring
        .lookup("awsmfa-session", &user.key_id)
        .expect("session in keyring");
    assert!(session.contains("aws_session_token"), "{session}");
    assert!(
        !sb.home()
            .join(".cache/awsmfa")
            .join(format!("session-{}", user.key_id))
            .exists()
    );
    // A role rides on that session, asking no code.
    let role = moto.role();
    let run = sb.run(&[&role, "-t", "admin"]);
    run.ok();
    assert!(
        run.stderr.contains("Reusing the MFA session") || !run.stderr.contains("MFA Token"),
        "{}",
        run.stderr
    );
    assert!(value(&sb.creds(), "admin", "aws_session_token").is_some());
    // status says where the keys are.
    let status = sb.run(&["status"]);
    status.ok();
    let line = status
        .stdout
        .lines()
        .find(|l| l.starts_with("identity"))
        .unwrap();
    assert!(line.contains("keys in keyring"), "{}", status.stdout);
    assert!(
        status.stdout.contains("cached MFA session"),
        "{}",
        status.stdout
    );
    assert!(!status.stdout.contains(&user.secret));

    // forget finds the sessions in the keyring too.
    let run = sb.run(&["forget"]);
    run.ok();
    assert!(
        run.stderr.contains("Forgot 1 cached MFA session."),
        "{}",
        run.stderr
    );
    assert_eq!(keyring.lookup("awsmfa-session", &user.key_id), None);
    sb.run(&["-c", "123456"]).ok();

    // export is the undo: the keys back in the file, the session in the cache folder, the
    // keyring empty of them.
    sb.run(&["keys", "export"]).ok();
    assert!(
        sb.home()
            .join(".cache/awsmfa")
            .join(format!("session-{}", user.key_id))
            .is_file()
    );
    assert!(sb.creds().starts_with(&original), "{}", sb.creds());
    assert_eq!(keyring.lookup("awsmfa", &user.key_id), None);
    assert_eq!(keyring.lookup("awsmfa-session", &user.key_id), None);
    sb.run(&["-c", "123456", "-d", "3600"]).ok();
}

#[test]
fn rotation_stores_the_new_key_in_the_keyring_before_deleting_the_old() {
    let moto = Moto::shared();
    let (user, sb, keyring) = keyed(moto);
    sb.run(&["keys", "import"]).ok();
    let run = sb.run(&["rotate", "-c", "123456"]);
    run.ok();
    let new = value(&sb.creds(), "identity", "awsmfa_keys")
        .and_then(|m| m.strip_prefix("keyring ").map(str::to_string))
        .unwrap();
    assert_ne!(new, user.key_id);
    assert!(
        run.stderr
            .contains(&format!("Rotating from {} to {new}.", user.key_id))
    );
    let secret = keyring
        .lookup("awsmfa", &new)
        .expect("the new key in the keyring");
    assert_eq!(
        keyring.lookup("awsmfa", &user.key_id),
        None,
        "the old key is gone"
    );
    assert!(value(&sb.creds(), "identity", "aws_secret_access_key").is_none());
    assert_eq!(files_holding(sb.home(), &secret), Vec::<String>::new());
    // The session moved with the key, and the new key works.
    assert!(keyring.lookup("awsmfa-session", &new).is_some());
    let keys = moto
        .run(moto.iam().list_access_keys().user_name(&user.name).send())
        .unwrap();
    let ids: Vec<&str> = keys
        .access_key_metadata()
        .iter()
        .filter_map(|k| k.access_key_id())
        .collect();
    assert_eq!(ids, vec![new.as_str()]);
    sb.run(&["-c", "123456", "--no-cache"]).ok();
}

#[test]
fn without_a_session_bus_import_moves_nothing_and_runs_say_why() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    // A runtime folder of the user's own without a `bus` in it: no per-user bus either.
    let run = runtime_dir(&sb, 0o700);
    sb.set("XDG_RUNTIME_DIR", run.to_str().unwrap());
    let before = sb.creds();
    sb.run(&["keys", "import"])
        .fails(1, "no OS keyring is reachable: no D-Bus session bus");
    assert_eq!(sb.creds(), before);
    // Keys imported elsewhere (a desktop session), read where no keyring is.
    sb.write_creds(&format!(
        "[identity]\nawsmfa_keys = keyring {}\n",
        user.key_id
    ));
    let run = sb.run(&["-c", "123456"]);
    run.fails(
        1,
        "the keys of [identity] are in the OS keyring, which awsmfa cannot read",
    );
    assert!(run.stderr.contains("unlock"), "{}", run.stderr);
}

#[test]
fn a_keyring_that_dies_during_the_import_leaves_the_file_as_it_was() {
    let moto = Moto::shared();
    let (user, sb, mut keyring) = keyed(moto);
    let before = sb.creds();
    // strace slows awsmfa's D-Bus writes (sendmsg, sendto or write: whichever the client
    // uses) down to 0.3 s each, so that between the store and the read-back there is time to
    // see the item appear and kill the daemon, as a crash or a logout would at that moment.
    let mut cmd = sb.program("strace");
    cmd.args([
        "-f",
        "-o",
        "/dev/null",
        "-e",
        "trace=sendmsg,sendto,write",
        "-e",
        "inject=sendmsg,sendto,write:delay_enter=300000",
    ]);
    cmd.arg(bin()).args(["keys", "import"]);
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while keyring.lookup("awsmfa", &user.key_id).is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "never stored");
        std::thread::sleep(Duration::from_millis(20));
    }
    keyring.kill_daemon();
    let run: Run = child.wait_with_output().unwrap().into();
    run.fails(1, "could not give it back");
    assert!(run.stderr.contains("nothing was moved"), "{}", run.stderr);
    assert_eq!(sb.creds(), before);
}

#[test]
fn forget_asks_and_without_a_terminal_wants_yes() {
    let moto = Moto::shared();
    let (user, sb, keyring) = keyed(moto);
    sb.run(&["keys", "import"]).ok();
    let marked = sb.creds();
    sb.run(&["keys", "forget"]).fails(2, "pass --yes");
    assert_eq!(sb.creds(), marked);
    assert!(keyring.lookup("awsmfa", &user.key_id).is_some());
    let line = format!("{} keys forget", bin());
    let screen = sb.on_terminal(&line, &[("[y/N]", "n")]);
    assert_eq!(screen.status, 1, "{}", screen.text);
    assert!(keyring.lookup("awsmfa", &user.key_id).is_some());
    let screen = sb.on_terminal(&line, &[("[y/N]", "y")]);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert_eq!(keyring.lookup("awsmfa", &user.key_id), None);
    assert_eq!(sb.creds(), "[identity]\n");
}

/// A folder `name` in the sandbox with `mode`, for XDG_RUNTIME_DIR.
fn folder(sb: &Sandbox, name: &str, mode: u32) -> PathBuf {
    let dir = sb.home().join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
    dir
}

/// The sandbox's runtime folder, `run`, with `mode`.
pub(crate) fn runtime_dir(sb: &Sandbox, mode: u32) -> PathBuf {
    folder(sb, "run", mode)
}

/// The binary as an SSH login, a systemd user service or cron runs it: no
/// DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR=`run`.
fn without_address(sb: &Sandbox, run: &Path, args: &[&str]) -> Run {
    sb.command(args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", run)
        .output()
        .unwrap()
        .into()
}

#[test]
fn without_a_bus_address_the_users_bus_in_the_runtime_folder_serves() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    let run = runtime_dir(&sb, 0o700);
    let keyring = Keyring::start_at(&mut sb, &format!("unix:path={}/bus", run.display()));
    without_address(&sb, &run, &["keys", "import"]).ok();
    assert_eq!(
        value(&sb.creds(), "identity", "awsmfa_keys"),
        Some(format!("keyring {}", user.key_id))
    );
    assert_eq!(
        keyring.lookup("awsmfa", &user.key_id).as_deref(),
        Some(user.secret.as_str())
    );
    without_address(&sb, &run, &["-c", "123456"]).ok();
    assert_eq!(
        value(&sb.creds(), "default", "aws_access_key_id").as_deref(),
        Some("AKIAIOSFODNN7EXAMPLE")
    );
    assert!(keyring.lookup("awsmfa-session", &user.key_id).is_some());
}

/// A listening socket that takes nothing from anyone: a connection made to it stays in its
/// queue, where `connected` finds it.
struct Trap(UnixListener);

impl Trap {
    fn at(path: &Path) -> Trap {
        let listener = UnixListener::bind(path).unwrap();
        listener.set_nonblocking(true).unwrap();
        Trap(listener)
    }

    fn connected(&self) -> bool {
        self.0.accept().is_ok()
    }
}

/// `keys import` (which sends the secret) and a run reading keys from the keyring, with
/// XDG_RUNTIME_DIR=`run` whose `bus` is `trap` or leads to it: refused with `why`, and nothing
/// reaches the trap.
fn refused(sb: &Sandbox, user: &User, run: &Path, trap: &Trap, why: &str) {
    let before = sb.creds();
    let needle = format!(
        "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and {}/bus is not a socket of \
         yours in a private folder ({why})",
        run.display()
    );
    without_address(sb, run, &["keys", "import"]).fails(1, &needle);
    assert_eq!(sb.creds(), before);
    sb.write_creds(&format!(
        "[identity]\nawsmfa_keys = keyring {}\n",
        user.key_id
    ));
    without_address(sb, run, &["-c", "123456"]).fails(1, &needle);
    sb.write_creds(&before);
    assert!(!trap.connected(), "awsmfa connected to {}", run.display());
}

#[test]
fn a_users_bus_that_someone_else_could_have_planted_is_not_used() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);

    // A folder anyone may write in, as /tmp: anyone could have made that socket.
    for mode in [0o777, 0o1777] {
        let run = folder(&sb, &format!("run-{mode:o}"), mode);
        let trap = Trap::at(&run.join("bus"));
        refused(&sb, &user, &run, &trap, "its folder is writable by others");
        // The trap records a connection.
        UnixStream::connect(run.join("bus")).unwrap();
        assert!(trap.connected());
    }

    // A symbolic link in a private folder, to a socket elsewhere.
    let elsewhere = folder(&sb, "elsewhere", 0o700);
    let trap = Trap::at(&elsewhere.join("bus"));
    let run = folder(&sb, "linked", 0o700);
    std::os::unix::fs::symlink(elsewhere.join("bus"), run.join("bus")).unwrap();
    refused(&sb, &user, &run, &trap, "it is a symbolic link");

    // A file that is no socket.
    let run = folder(&sb, "file", 0o700);
    std::fs::write(run.join("bus"), "").unwrap();
    let before = sb.creds();
    without_address(&sb, &run, &["keys", "import"]).fails(1, "(it is not a socket)");
    assert_eq!(sb.creds(), before);

    // Another user's socket, and another user's folder: made with chown, as root (the suite
    // runs as root here).
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let run = folder(&sb, "theirs", 0o700);
    let trap = Trap::at(&run.join("bus"));
    std::os::unix::fs::chown(run.join("bus"), Some(65534), Some(65534)).unwrap();
    refused(&sb, &user, &run, &trap, "it belongs to another user");
    let run = folder(&sb, "their-folder", 0o700);
    let trap = Trap::at(&run.join("bus"));
    std::os::unix::fs::chown(&run, Some(65534), Some(65534)).unwrap();
    refused(
        &sb,
        &user,
        &run,
        &trap,
        "its folder belongs to another user",
    );
}
