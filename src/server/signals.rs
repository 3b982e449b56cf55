//! Signals while the server runs: blocked in every thread and taken one at a time, so that
//! awsmfa outlives a Ctrl-C meant for its child (and can pass on what was sent to it alone).

use libc::c_int;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Interrupt, terminate, hang up, quit: what ends a job run from a terminal.
const HANDLED: [c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

#[derive(Clone, Copy)]
pub struct Blocked(libc::sigset_t);

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
        // SAFETY: plain sigset and sigaction calls on a set that lives on our stack; the
        // sigaction call only reads the current disposition.
        unsafe {
            let mut set = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in HANDLED {
                let mut current: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut current);
                if current.sa_sigaction != libc::SIG_IGN {
                    libc::sigaddset(&mut set, signal);
                }
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            Blocked(set)
        }
    }

    /// Unblocks them again in `cmd`'s process before it runs: a child inherits the mask.
    pub fn unblocked_in(&self, cmd: &mut Command) {
        let set = self.0;
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
            let signal = unsafe { libc::sigwaitinfo(&self.0, &mut info) };
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
        while unsafe { libc::sigwait(&self.0, &mut signal) } != 0 {}
        Received {
            signal,
            from_terminal: false,
        }
    }
}
