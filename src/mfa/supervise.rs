//! A program awsmfa waits on for an MFA code (an `mfa_process`, a dialog): its output read as
//! it comes, a real deadline, signals noted rather than obeyed while it runs, and what it
//! started ended when awsmfa stops waiting — also what left its process group or session.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Seconds awsmfa waits for a code from a program or a pipe (AWSMFA_MFA_PROCESS_TIMEOUT,
/// default 60).
pub fn timeout() -> Duration {
    let secs = std::env::var("AWSMFA_MFA_PROCESS_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok());
    Duration::from_secs(secs.unwrap_or(60))
}

/// More output than this is no code; the rest is read and dropped.
const KEEP: usize = 4096;

/// How often the processes the program started are looked for while it runs.
const LOOK_EVERY: Duration = Duration::from_millis(200);

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
    /// A session of its own, so no controlling terminal that could stop it, and a process
    /// group ended whole: even a process that outlived the program holding its output or
    /// awsmfa's stderr ends with it.
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
        // SAFETY: setsid(2) is async-signal-safe; the child leads a session and group of its own.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let adopting = Adoption::begin();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            adopting.end(&[]);
            return Err(e);
        }
    };
    let pid = child.id() as i32;
    let mut started = Descendants::new(pid, &adopting);
    let mut stdout = Output::new(child.stdout.take().map(OwnedFd::from), Keep::Head);
    let mut stderr = Output::new(child.stderr.take().map(OwnedFd::from), Keep::Tail);
    let waited = wait(
        &child,
        &mut [&mut stdout, &mut stderr],
        signals,
        &mut started,
    );
    if let Group::Own = group {
        // SAFETY: kill(2) on our unreaped child's group.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    // The program's own group may hold the user's shell (Group::Shared): only the processes
    // found descending from it are ended, the program itself once it has stopped waiting.
    let ended = started.end(matches!(waited, Waited::Exited));
    let status = child.wait();
    adopting.end(&ended);
    Ok(Finished {
        waited,
        status,
        stdout,
        stderr,
    })
}

/// Reads the program's output while waiting for it to exit, until the deadline or a signal,
/// and looks for what it starts meanwhile.
fn wait(
    child: &Child,
    outs: &mut [&mut Output],
    signals: &Signals,
    started: &mut Descendants,
) -> Waited {
    let deadline = Instant::now() + timeout();
    let mut looked = Instant::now();
    loop {
        if signals.caught().is_some() {
            return Waited::Interrupted;
        }
        if exited(child) {
            // What it wrote is in the pipes; a process it left behind may hold them open.
            drain(outs);
            return Waited::Exited;
        }
        if looked.elapsed() >= LOOK_EVERY {
            started.look();
            looked = Instant::now();
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

/// A process as /proc shows it.
#[derive(Debug, Clone, Copy)]
struct Process {
    pid: i32,
    parent: i32,
    group: i32,
    session: i32,
    /// Since boot, in clock ticks: with the id, tells a process from a later one that reused
    /// the id.
    start: u64,
}

/// Every process running now.
#[cfg(target_os = "linux")]
fn processes() -> Vec<Process> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| process(entry.file_name().to_str()?.parse().ok()?))
        .collect()
}

/// Elsewhere none is known; only the program's own group is ended.
#[cfg(not(target_os = "linux"))]
fn processes() -> Vec<Process> {
    Vec::new()
}

fn process(pid: i32) -> Option<Process> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold anything; the state, parent, group, session follow,
    // and the start time is the 22nd field.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let number = |i: usize| fields.get(i)?.parse().ok();
    Some(Process {
        pid,
        parent: number(1)?,
        group: number(2)?,
        session: number(3)?,
        start: fields.get(19)?.parse().ok()?,
    })
}

/// awsmfa's own children now.
fn own_children(all: &[Process]) -> Vec<i32> {
    let me = std::process::id() as i32;
    all.iter()
        .filter(|p| p.parent == me)
        .map(|p| p.pid)
        .collect()
}

/// `root` and what descends from it in `all`: by parent links, and by the sessions and
/// process groups those processes made, whose members they started even where the parent
/// links have gone (a daemon whose parent exited).
fn family(root: &[i32], all: &[Process]) -> Vec<Process> {
    let mut ids: Vec<i32> = root.to_vec();
    let mut found: Vec<Process> = all
        .iter()
        .filter(|p| ids.contains(&p.pid))
        .copied()
        .collect();
    loop {
        let more: Vec<Process> = all
            .iter()
            .filter(|p| !ids.contains(&p.pid))
            .filter(|p| {
                [p.parent, p.group, p.session]
                    .iter()
                    .any(|id| ids.contains(id))
            })
            .copied()
            .collect();
        if more.is_empty() {
            return found;
        }
        ids.extend(more.iter().map(|p| p.pid));
        found.extend(more);
    }
}

/// awsmfa as the reaper of the program's orphans while it runs (Linux's child subreaper), so
/// that a process whose parent exits at once (`setsid -f`, a double fork) is handed to
/// awsmfa, where it is found, rather than to init. Only while awsmfa has no other child:
/// under `exec --server` the orphans of the user's command would be handed to it too.
struct Adoption {
    on: bool,
}

impl Adoption {
    fn begin() -> Adoption {
        #[cfg(target_os = "linux")]
        if own_children(&processes()).is_empty() {
            // SAFETY: prctl(2) sets a flag of this process.
            let on = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0;
            return Adoption { on };
        }
        Adoption { on: false }
    }

    /// Reaps the adopted processes that were ended (`ended`), or that ended by themselves,
    /// and hands orphans to init again.
    fn end(self, ended: &[i32]) {
        if !self.on {
            return;
        }
        #[cfg(target_os = "linux")]
        // SAFETY: prctl(2) clears the flag it set; waitpid(2) on our own children, which
        // were all adopted during the run (there were none before it).
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
            let deadline = Instant::now() + Duration::from_secs(1);
            let mut left: Vec<i32> = own_children(&processes());
            left.retain(|pid| ended.contains(pid) || zombie(*pid));
            while !left.is_empty() && Instant::now() < deadline {
                left.retain(|&pid| libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) == 0);
                if !left.is_empty() {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
}

fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
}

/// The processes the program started, looked for while it runs: a process that leaves its
/// parent, group or session stays known by what it was seen as.
struct Descendants {
    root: i32,
    adopting: bool,
    seen: Vec<Process>,
}

impl Descendants {
    fn new(root: i32, adoption: &Adoption) -> Descendants {
        Descendants {
            root,
            adopting: adoption.on,
            seen: Vec::new(),
        }
    }

    fn look(&mut self) {
        let all = processes();
        let mut roots = vec![self.root];
        // Those seen before that still run, whatever their parent, group or session now.
        roots.extend(
            all.iter()
                .filter(|p| {
                    self.seen
                        .iter()
                        .any(|s| s.pid == p.pid && s.start == p.start)
                })
                .map(|p| p.pid),
        );
        if self.adopting {
            // awsmfa had no child before the program: every other one was handed to it.
            roots.extend(own_children(&all));
        }
        for p in family(&roots, &all) {
            if !self
                .seen
                .iter()
                .any(|s| s.pid == p.pid && s.start == p.start)
            {
                self.seen.push(p);
            }
        }
    }

    /// Kills what the program started, and the program itself unless it `exited`; returns
    /// the ids signalled.
    fn end(mut self, exited: bool) -> Vec<i32> {
        self.look();
        let me = std::process::id() as i32;
        let mut ended = Vec::new();
        for p in &self.seen {
            if p.pid == me || (p.pid == self.root && exited) {
                continue;
            }
            // Not a later process that took the id of one that ended.
            if p.pid != self.root && process(p.pid).is_none_or(|now| now.start != p.start) {
                continue;
            }
            // SAFETY: kill(2) on a process the program started (checked just above), or on
            // our unreaped child.
            unsafe { libc::kill(p.pid, libc::SIGKILL) };
            ended.push(p.pid);
        }
        ended
    }
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

    pub fn caught(&self) -> Option<libc::c_int> {
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
        let family: Vec<i32> = family(&[child.id() as i32], &processes())
            .iter()
            .map(|p| p.pid)
            .collect();
        child.kill().unwrap();
        child.wait().unwrap();
        // SAFETY: kill(2) on the sleeper this test started.
        unsafe { libc::kill(sleeper, libc::SIGKILL) };
        assert_eq!(family, [child.id() as i32, sleeper]);
    }

    #[test]
    fn a_family_is_found_by_the_sessions_and_groups_it_made() {
        let p = |pid, parent, group, session| Process {
            pid,
            parent,
            group,
            session,
            start: 0,
        };
        // awsmfa (10) and a shell (40) share a group and session; the program (20) runs in
        // it and started 30 in a session of its own, which forked 31 and then exited.
        let all = [
            p(10, 1, 10, 10),
            p(20, 10, 10, 10),
            p(31, 1, 30, 30),
            p(40, 10, 10, 10),
            p(41, 40, 10, 10),
        ];
        let ids = |root: &[i32]| -> Vec<i32> { family(root, &all).iter().map(|p| p.pid).collect() };
        assert_eq!(ids(&[20, 30]), [20, 31]);
        assert_eq!(ids(&[20]), [20]);
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
