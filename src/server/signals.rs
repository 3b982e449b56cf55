//! Signals while the server runs: blocked in every thread and taken one at a time, so that
//! awsmfa outlives a Ctrl-C meant for its child (and can pass on what was sent to it alone).

use libc::c_int;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// What would end awsmfa and can be caught: interrupt, terminate, hang up, quit, the user
/// signals, the timers and, on Linux, the rest whose default is to end a process, real-time
/// signals included — each passed on, so that the child never outlives a server that died.
/// Not the faults (SIGSEGV and the like), which only awsmfa itself causes, nor SIGPIPE (Rust
/// ignores it), SIGXCPU and SIGXFSZ (awsmfa's own limits).
fn catchable() -> Vec<c_int> {
    #[allow(unused_mut)]
    let mut signals = vec![
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
    ];
    #[cfg(target_os = "linux")]
    {
        signals.extend([libc::SIGIO, libc::SIGPWR, libc::SIGSTKFLT]);
        signals.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    }
    signals
}

/// What a terminal sends a background job that writes to it (with `stty tostop`) or reads
/// it: blocked too, so that the server behind an interactive child is never stopped — it can
/// write its one line about a failed renewal, and a read fails instead of stopping it. Not
/// passed on.
const TERMINAL_STOPS: [c_int; 2] = [libc::SIGTTOU, libc::SIGTTIN];

#[derive(Clone, Copy)]
pub struct Blocked {
    /// What is waited for and passed on.
    handled: libc::sigset_t,
    /// That and the terminal's stops: what the child gets unblocked.
    all: libc::sigset_t,
}

/// A signal taken, and whether the terminal sent it (Ctrl-C, Ctrl-\, a hang-up): the terminal
/// sends those to its whole foreground process group, a child started from it included.
pub struct Received {
    pub signal: c_int,
    pub from_terminal: bool,
}

impl Blocked {
    /// Blocks the handled signals in this thread and in every thread it starts afterwards, so
    /// call it before starting any. Signals ignored on entry (`nohup`, `&` in a script) stay
    /// ignored.
    pub fn handled() -> Blocked {
        // SAFETY: plain sigset and sigaction calls on sets that live on our stack; the
        // sigaction call only reads the current disposition.
        unsafe {
            let mut handled = std::mem::zeroed();
            libc::sigemptyset(&mut handled);
            for signal in catchable() {
                let mut current: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut current);
                if current.sa_sigaction != libc::SIG_IGN {
                    libc::sigaddset(&mut handled, signal);
                }
            }
            let mut all = handled;
            for signal in TERMINAL_STOPS {
                libc::sigaddset(&mut all, signal);
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
            Blocked { handled, all }
        }
    }

    /// Unblocks them again in `cmd`'s process before it runs: a child inherits the mask.
    pub fn unblocked_in(&self, cmd: &mut Command) {
        let set = self.all;
        // SAFETY: pthread_sigmask is async-signal-safe, so it may run between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                Ok(())
            });
        }
    }

    /// Waits for the next handled signal.
    #[cfg(target_os = "linux")]
    pub fn next(&self) -> Received {
        loop {
            // SAFETY: sigwaitinfo fills `info`, which lives on our stack.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let signal = unsafe { libc::sigwaitinfo(&self.handled, &mut info) };
            if signal > 0 {
                return Received {
                    signal,
                    from_terminal: info.si_code == libc::SI_KERNEL,
                };
            }
        }
    }

    /// Waits for the next handled signal; without the sender's identity, every one counts as
    /// sent to awsmfa alone.
    #[cfg(not(target_os = "linux"))]
    pub fn next(&self) -> Received {
        let mut signal = 0;
        // SAFETY: sigwait writes the signal number to `signal`.
        while unsafe { libc::sigwait(&self.handled, &mut signal) } != 0 {}
        Received {
            signal,
            from_terminal: false,
        }
    }
}
