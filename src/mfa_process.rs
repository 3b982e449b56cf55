//! An `mfa_process`: the command that prints the MFA code. It may talk to the user (a PIN, a
//! passphrase) on the terminal, its output is read as it comes, it has a real deadline, and
//! when awsmfa stops waiting — a code, a timeout, Ctrl-C — what it started ends. Its command
//! line may hold a TOTP seed (`oathtool --totp -b SEED`), so it is never shown: messages name
//! where it was set instead.

use crate::code::{self, Code};
use crate::error::{Error, Result};
use crate::files::config;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Where the command was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env,
    /// `mfa_process` in this profile of ~/.aws/config.
    Profile(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("the mfa_process from --mfa-process"),
            Origin::Env => f.write_str("the mfa_process from AWS_MFA_PROCESS"),
            Origin::Profile(name) => {
                let section = if name == "default" {
                    "[default]".to_string()
                } else {
                    format!("[profile {name}]")
                };
                write!(
                    f,
                    "the mfa_process of {section} in {}",
                    config::path().display()
                )
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct MfaProcess {
    pub cmd: String,
    pub origin: Origin,
}

/// Without the command line, which may hold a seed.
impl fmt::Debug for MfaProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaProcess")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// Seconds an `mfa_process` may take (AWSMFA_MFA_PROCESS_TIMEOUT, default 60).
fn timeout() -> Duration {
    let secs = std::env::var("AWSMFA_MFA_PROCESS_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok());
    Duration::from_secs(secs.unwrap_or(60))
}

/// More output than this is no code; the rest is read and dropped.
const KEEP: usize = 4096;

/// How the wait for the command ended.
enum Waited {
    Exited,
    TimedOut,
    Interrupted,
}

impl MfaProcess {
    /// The command given with --mfa-process or in AWS_MFA_PROCESS: clap gives both in one
    /// field, so the variable's own value tells which.
    pub fn from_arg(cmd: &str) -> MfaProcess {
        let env = std::env::var_os("AWS_MFA_PROCESS").is_some_and(|v| v == cmd);
        MfaProcess {
            cmd: cmd.to_string(),
            origin: if env { Origin::Env } else { Origin::Flag },
        }
    }

    pub fn error(&self, why: &str) -> Error {
        Error::runtime(format!("{} {why}", self.origin))
    }

    /// Runs the command and takes the code from its stdout, which is never echoed: it may be a
    /// secret.
    pub fn code(&self) -> Result<Code> {
        let (waited, status, out) = self.run()?;
        let status = match waited {
            Waited::TimedOut => {
                return Err(self.error(&format!(
                    "gave no code within {} s (set AWSMFA_MFA_PROCESS_TIMEOUT to wait longer)",
                    timeout().as_secs()
                )));
            }
            Waited::Interrupted => return Err(self.error("was interrupted")),
            Waited::Exited => status.map_err(|e| self.error(&format!("was lost: {e}")))?,
        };
        if !status.success() {
            return Err(self.error(&format!("failed ({status})")));
        }
        match out.text().as_deref().and_then(code::parse) {
            Some(Code::Digits(d)) => Ok(Code::Digits(d)),
            _ => Err(self.error("printed no 6-digit code")),
        }
    }

    /// Runs the command with `/bin/sh -c` until it exits, the deadline passes or a signal
    /// comes, and ends what it started.
    ///
    /// On a terminal the command gets it as stdin and stderr, whatever awsmfa's own are (a
    /// caller such as botocore captures them), and stays in awsmfa's process group, so that it
    /// may read the terminal and Ctrl-C reaches it. That group may hold the user's shell
    /// (`eval "$(awsmfa --env)"`), so it is never signalled: when awsmfa stops waiting, the
    /// command and the processes descending from it are. Without a terminal the command has a
    /// group of its own, and the whole group ends with it, even a process that outlived it
    /// holding its output or awsmfa's stderr. The child is signalled before it is reaped, so
    /// its id cannot have been reused.
    fn run(&self) -> Result<(Waited, std::io::Result<ExitStatus>, Output)> {
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(&self.cmd).stdout(Stdio::piped());
        match &tty {
            Some(tty) => {
                let handle = || {
                    tty.try_clone()
                        .map_err(|e| Error::runtime(format!("cannot use the terminal: {e}")))
                };
                cmd.stdin(handle()?).stderr(handle()?);
            }
            None => {
                cmd.stdin(Stdio::null()).process_group(0);
            }
        }
        let terminal = tty.as_ref().and_then(Terminal::save);
        let signals = Signals::catch();
        let mut child = cmd
            .spawn()
            .map_err(|e| self.error(&format!("could not start: {e}")))?;
        let mut out = Output::new(child.stdout.take());
        let waited = wait(&child, &mut out, &signals);
        let pid = child.id() as i32;
        // SAFETY: kill(2) on our unreaped child's group, or on it and its descendants.
        unsafe {
            if tty.is_none() {
                libc::kill(-pid, libc::SIGKILL);
            } else if !matches!(waited, Waited::Exited) {
                for member in family(pid) {
                    libc::kill(member, libc::SIGKILL);
                }
            }
        }
        let status = child.wait();
        if let Some(terminal) = terminal {
            terminal.restore();
        }
        signals.reraise();
        Ok((waited, status, out))
    }
}

/// Reads the command's output while waiting for it to exit, until the deadline or a signal.
fn wait(child: &Child, out: &mut Output, signals: &Signals) -> Waited {
    let deadline = Instant::now() + timeout();
    loop {
        if signals.caught().is_some() {
            return Waited::Interrupted;
        }
        if exited(child) {
            // What it wrote is in the pipe; a process it left behind may hold the pipe open.
            out.drain();
            return Waited::Exited;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Waited::TimedOut;
        }
        out.read_for(left.min(Duration::from_millis(20)));
    }
}

/// Whether the child has exited, leaving it unreaped.
fn exited(child: &Child) -> bool {
    // SAFETY: waitid(2) with WNOWAIT on our own child writes only into `info`.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        libc::waitid(libc::P_PID, child.id() as libc::id_t, &mut info, flags) == 0
            && info.si_pid() != 0
    }
}

/// `pid` and every process descending from it, by the parent links in /proc.
#[cfg(target_os = "linux")]
fn family(pid: i32) -> Vec<i32> {
    let links: Vec<(i32, i32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let id = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // The name in parentheses may hold anything; the state, then the parent, follow.
            let parent = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
            Some((id, parent.parse().ok()?))
        })
        .collect();
    let mut family = vec![pid];
    let mut i = 0;
    while let Some(&member) = family.get(i) {
        family.extend(links.iter().filter(|l| l.1 == member).map(|l| l.0));
        i += 1;
    }
    family
}

/// Elsewhere only the child itself is known.
#[cfg(not(target_os = "linux"))]
fn family(pid: i32) -> Vec<i32> {
    vec![pid]
}

/// The command's stdout, read as it comes so that a full pipe never blocks it.
struct Output {
    pipe: Option<ChildStdout>,
    kept: Vec<u8>,
    overflow: bool,
}

impl Output {
    fn new(pipe: Option<ChildStdout>) -> Output {
        Output {
            pipe,
            kept: Vec::new(),
            overflow: false,
        }
    }

    /// Waits up to `time` for output and reads what came.
    fn read_for(&mut self, time: Duration) {
        if self.ready(time) {
            self.read_once();
        } else if self.pipe.is_none() {
            std::thread::sleep(time);
        }
    }

    /// Reads what is in the pipe now, without waiting for more; a writer that never stops
    /// is cut off once there is more than a code.
    fn drain(&mut self) {
        while !self.overflow && self.ready(Duration::ZERO) {
            self.read_once();
        }
    }

    fn ready(&self, time: Duration) -> bool {
        let Some(pipe) = &self.pipe else {
            return false;
        };
        let mut poll = libc::pollfd {
            fd: pipe.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll(2) on one descriptor we own.
        unsafe { libc::poll(&mut poll, 1, time.as_millis() as libc::c_int) > 0 }
    }

    fn read_once(&mut self) {
        let Some(pipe) = &mut self.pipe else { return };
        let mut buf = [0; 8192];
        match pipe.read(&mut buf) {
            Ok(0) => self.pipe = None,
            Ok(n) if self.kept.len() + n <= KEEP => self.kept.extend_from_slice(&buf[..n]),
            Ok(_) => self.overflow = true,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => self.pipe = None,
        }
    }

    fn text(&self) -> Option<String> {
        if self.overflow {
            return None;
        }
        String::from_utf8(self.kept.clone()).ok()
    }
}

/// The terminal's settings before the command ran: a tool killed while it had echo off (a PIN
/// prompt) would leave the user typing blind.
struct Terminal<'a> {
    tty: &'a File,
    settings: libc::termios,
}

impl<'a> Terminal<'a> {
    fn save(tty: &'a File) -> Option<Terminal<'a>> {
        // SAFETY: tcgetattr(3) writes only into `settings`.
        unsafe {
            let mut settings: libc::termios = std::mem::zeroed();
            (libc::tcgetattr(tty.as_raw_fd(), &mut settings) == 0)
                .then_some(Terminal { tty, settings })
        }
    }

    /// Puts the settings back, unless awsmfa runs in the background, where changing them
    /// would stop it (SIGTTOU).
    fn restore(&self) {
        let fd = self.tty.as_raw_fd();
        // SAFETY: terminal calls on a descriptor we own, with settings it gave.
        unsafe {
            if libc::tcgetpgrp(fd) == libc::getpgrp() {
                libc::tcsetattr(fd, libc::TCSADRAIN, &self.settings);
            }
        }
    }
}

/// The last of SIGINT, SIGTERM and SIGHUP received while the command ran.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(signal: libc::c_int) {
    CAUGHT.store(signal, Ordering::SeqCst);
}

/// While the command runs, Ctrl-C and the signals that end a run are noted rather than
/// obeyed, so that awsmfa ends the command first and then dies of the signal as usual.
/// A signal that was ignored (`nohup`, a background job of a script) stays ignored.
struct Signals {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl Signals {
    fn catch() -> Signals {
        CAUGHT.store(0, Ordering::SeqCst);
        let mut previous = Vec::new();
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: sigaction(2) with a handler that only stores into an atomic.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut old);
                if old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = note as extern "C" fn(libc::c_int) as libc::sighandler_t;
                libc::sigemptyset(&mut new.sa_mask);
                libc::sigaction(signal, &new, std::ptr::null_mut());
                previous.push((signal, old));
            }
        }
        Signals { previous }
    }

    fn caught(&self) -> Option<libc::c_int> {
        Some(CAUGHT.load(Ordering::SeqCst)).filter(|&s| s != 0)
    }

    /// Puts the previous handling back and, if a signal came, lets it take its course.
    fn reraise(self) {
        let caught = self.caught();
        drop(self);
        if let Some(signal) = caught {
            // SAFETY: raise(3) on ourselves; with the default action this does not return.
            unsafe { libc::raise(signal) };
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: restores the action sigaction(2) gave us.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_origin_not_the_command() {
        let p = MfaProcess {
            cmd: "oathtool --totp -b SEED".into(),
            origin: Origin::Profile("work".into()),
        };
        let e = p.error("failed (exit status: 1)");
        assert!(e.msg.starts_with("the mfa_process of [profile work] in "));
        assert!(!e.msg.contains("SEED") && !format!("{p:?}").contains("SEED"));
        assert_eq!(
            Origin::Profile("default".into()).to_string(),
            format!(
                "the mfa_process of [default] in {}",
                config::path().display()
            )
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_family_is_found_by_parent_links() {
        let mut child = Command::new("/bin/sh")
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let sleeper: i32 = line.trim().parse().unwrap();
        let family = family(child.id() as i32);
        child.kill().unwrap();
        child.wait().unwrap();
        // SAFETY: kill(2) on the sleeper this test started.
        unsafe { libc::kill(sleeper, libc::SIGKILL) };
        assert_eq!(family, [child.id() as i32, sleeper]);
    }
}
