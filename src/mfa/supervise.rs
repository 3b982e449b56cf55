//! A program awsmfa waits on for an MFA code (an `mfa_process`, a dialog): its output read as
//! it comes, a real deadline, signals noted rather than obeyed while it runs, and what it
//! started ended when awsmfa stops waiting.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Seconds awsmfa waits for a code from a program (AWSMFA_MFA_PROCESS_TIMEOUT, default 60).
fn timeout() -> Duration {
    let secs = std::env::var("AWSMFA_MFA_PROCESS_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok());
    Duration::from_secs(secs.unwrap_or(60))
}

/// More output than this is no code; the rest is read and dropped.
const KEEP: usize = 4096;

/// Reads of what is left in the pipes once the program exited: enough to empty a pipe's
/// buffer, not enough to follow a process it left behind that never stops writing.
const DRAIN_READS: usize = 16;

/// How the wait for the program ended.
enum Waited {
    Exited,
    TimedOut,
    Interrupted,
}

/// Where the program's processes live, which decides how they are ended.
pub enum Group {
    /// A process group of its own, ended whole: even a process that outlived the program
    /// holding its output or awsmfa's stderr ends with it.
    Own,
    /// awsmfa's own group, which may hold the user's shell (`eval "$(awsmfa --env)"`) and is
    /// never signalled: the program and the processes descending from it are, when awsmfa
    /// stops waiting before the program exits. For a program that reads the terminal.
    Shared,
}

/// What a finished run gave.
pub struct Finished {
    waited: Waited,
    status: std::io::Result<ExitStatus>,
    pub stdout: Output,
    /// Empty unless the caller piped stderr.
    pub stderr: Output,
}

impl Finished {
    /// The program's exit status, or why there is none, in words that follow its name.
    pub fn exit(&self) -> std::result::Result<ExitStatus, String> {
        match (&self.waited, &self.status) {
            (Waited::TimedOut, _) => Err(format!(
                "gave no code within {} s (set AWSMFA_MFA_PROCESS_TIMEOUT to wait longer)",
                timeout().as_secs()
            )),
            (Waited::Interrupted, _) => Err("was interrupted".to_string()),
            (Waited::Exited, Ok(status)) => Ok(*status),
            (Waited::Exited, Err(e)) => Err(format!("was lost: {e}")),
        }
    }
}

/// Runs `cmd`, its stdout piped, until it exits, the deadline passes or one of `signals`
/// comes, and ends what it started. The child is signalled before it is reaped, so its id
/// cannot have been reused.
pub fn run(cmd: &mut Command, group: Group, signals: &Signals) -> std::io::Result<Finished> {
    cmd.stdout(Stdio::piped());
    if let Group::Own = group {
        cmd.process_group(0);
    }
    let mut child = cmd.spawn()?;
    let mut stdout = Output::new(child.stdout.take().map(OwnedFd::from), Keep::Head);
    let mut stderr = Output::new(child.stderr.take().map(OwnedFd::from), Keep::Tail);
    let waited = wait(&child, &mut [&mut stdout, &mut stderr], signals);
    let pid = child.id() as i32;
    // SAFETY: kill(2) on our unreaped child's group, or on it and its descendants.
    unsafe {
        match group {
            Group::Own => {
                libc::kill(-pid, libc::SIGKILL);
            }
            Group::Shared if !matches!(waited, Waited::Exited) => {
                for member in family(pid) {
                    libc::kill(member, libc::SIGKILL);
                }
            }
            Group::Shared => {}
        }
    }
    let status = child.wait();
    Ok(Finished {
        waited,
        status,
        stdout,
        stderr,
    })
}

/// Reads the program's output while waiting for it to exit, until the deadline or a signal.
fn wait(child: &Child, outs: &mut [&mut Output], signals: &Signals) -> Waited {
    let deadline = Instant::now() + timeout();
    loop {
        if signals.caught().is_some() {
            return Waited::Interrupted;
        }
        if exited(child) {
            // What it wrote is in the pipes; a process it left behind may hold them open.
            drain(outs);
            return Waited::Exited;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Waited::TimedOut;
        }
        let time = left.min(Duration::from_millis(20));
        let ready = ready(outs, time);
        if ready.is_empty() && outs.iter().all(|o| o.pipe.is_none()) {
            std::thread::sleep(time);
        }
        for i in ready {
            outs[i].read_once();
        }
    }
}

/// Reads what is in the pipes now, without waiting for more.
fn drain(outs: &mut [&mut Output]) {
    for _ in 0..DRAIN_READS {
        let ready = ready(outs, Duration::ZERO);
        if ready.is_empty() {
            return;
        }
        for i in ready {
            outs[i].read_once();
        }
    }
}

/// The outputs with something to read within `time`, by index.
fn ready(outs: &[&mut Output], time: Duration) -> Vec<usize> {
    let open: Vec<usize> = (0..outs.len())
        .filter(|&i| outs[i].pipe.is_some())
        .collect();
    if open.is_empty() {
        return open;
    }
    let mut polls: Vec<libc::pollfd> = open
        .iter()
        .map(|&i| libc::pollfd {
            fd: outs[i].pipe.as_ref().map_or(-1, AsRawFd::as_raw_fd),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = time.as_millis() as libc::c_int;
    // SAFETY: poll(2) on descriptors we own, with the length of the array we pass.
    if unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, ms) } <= 0 {
        return Vec::new();
    }
    open.into_iter()
        .zip(polls)
        .filter(|(_, p)| p.revents != 0)
        .map(|(i, _)| i)
        .collect()
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

/// Which part of a long output is kept.
enum Keep {
    /// The start, as a code comes first: more than a code is none.
    Head,
    /// The end, where a failing program says why.
    Tail,
}

/// One output of the program, read as it comes so that a full pipe never blocks it.
pub struct Output {
    pipe: Option<File>,
    keep: Keep,
    kept: Vec<u8>,
    overflow: bool,
}

impl Output {
    fn new(pipe: Option<OwnedFd>, keep: Keep) -> Output {
        Output {
            pipe: pipe.map(File::from),
            keep,
            kept: Vec::new(),
            overflow: false,
        }
    }

    fn read_once(&mut self) {
        let Some(pipe) = &mut self.pipe else { return };
        let mut buf = [0; 8192];
        match pipe.read(&mut buf) {
            Ok(0) => self.pipe = None,
            Ok(n) if self.kept.len() + n <= KEEP => self.kept.extend_from_slice(&buf[..n]),
            Ok(n) => {
                self.overflow = true;
                if let Keep::Tail = self.keep {
                    self.kept.extend_from_slice(&buf[..n]);
                    self.kept.drain(..self.kept.len() - KEEP);
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => self.pipe = None,
        }
    }

    /// All of it, if it was text of no more than a code's worth.
    pub fn text(&self) -> Option<String> {
        if self.overflow {
            return None;
        }
        String::from_utf8(self.kept.clone()).ok()
    }

    /// Its last line with anything on it, to name why the program failed.
    pub fn last_line(&self) -> Option<String> {
        let text = String::from_utf8_lossy(&self.kept);
        let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
        Some(line.trim().to_string())
    }
}

/// The last of SIGINT, SIGTERM and SIGHUP received while the program ran.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(signal: libc::c_int) {
    CAUGHT.store(signal, Ordering::SeqCst);
}

/// While the program runs, Ctrl-C and the signals that end a run are noted rather than
/// obeyed, so that awsmfa ends the program first and then dies of the signal as usual.
/// A signal that was ignored (`nohup`, a background job of a script) stays ignored.
pub struct Signals {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl Signals {
    pub fn catch() -> Signals {
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
    pub fn reraise(self) {
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

    #[test]
    fn both_outputs_are_read_whatever_their_size() {
        let signals = Signals::catch();
        let mut cmd = Command::new("/bin/sh");
        cmd.args([
            "-c",
            "yes noise | head -n 20000 >&2; echo 'last words' >&2; echo 123456",
        ])
        .stderr(Stdio::piped());
        let done = run(&mut cmd, Group::Own, &signals).unwrap();
        signals.reraise();
        assert!(done.exit().unwrap().success());
        assert_eq!(done.stdout.text().as_deref(), Some("123456\n"));
        assert_eq!(done.stderr.last_line().as_deref(), Some("last words"));
    }
}
