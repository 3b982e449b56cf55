//! One line typed on the terminal or piped on standard input, read so that a signal or a
//! deadline ends the wait: awsmfa puts the terminal back before it dies of Ctrl-C, and a pipe
//! that stays open and silent does not hold it forever.

use super::supervise::Signals;
use std::io::ErrorKind;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// More than this is no code; the rest of the line is read and dropped.
const LONGEST: usize = 64;

/// How often a wait looks at the signals caught.
const TICK: Duration = Duration::from_millis(100);

/// How the wait for a line ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The line, without its end; it may lack a newline when the input ended after it.
    Text(String),
    /// A line too long to be a code.
    TooLong,
    /// The input ended with nothing on the line.
    End,
    TimedOut,
    Interrupted,
}

/// Reads one line from `fd` a byte at a time, so that nothing after it is taken from a pipe
/// that other readers share, until `deadline` (if any) or one of `signals`.
pub fn read(
    fd: BorrowedFd<'_>,
    deadline: Option<Instant>,
    signals: &Signals,
) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let mut long = false;
    loop {
        if signals.caught().is_some() {
            return Ok(Line::Interrupted);
        }
        let wait = match deadline.map(|d| d.saturating_duration_since(Instant::now())) {
            Some(left) if left.is_zero() => return Ok(Line::TimedOut),
            Some(left) => left.min(TICK),
            None => TICK,
        };
        if !arrives(fd, wait) {
            continue;
        }
        let mut byte = 0u8;
        // SAFETY: read(2) of one byte into `byte`, on a descriptor the caller holds.
        let n = unsafe { libc::read(fd.as_raw_fd(), (&raw mut byte).cast(), 1) };
        match n {
            1 if byte == b'\n' => return Ok(finished(line, long)),
            1 if line.len() < LONGEST => line.push(byte),
            1 => long = true,
            0 if line.is_empty() && !long => return Ok(Line::End),
            0 => return Ok(finished(line, long)),
            _ => {
                let e = std::io::Error::last_os_error();
                if !matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) {
                    return Err(e);
                }
            }
        }
    }
}

fn finished(line: Vec<u8>, long: bool) -> Line {
    if long {
        return Line::TooLong;
    }
    Line::Text(String::from_utf8_lossy(&line).into_owned())
}

/// Whether `fd` has input (or its end) now or within `wait`; a signal ends the wait early.
pub fn arrives(fd: BorrowedFd<'_>, wait: Duration) -> bool {
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll(2) on one descriptor the caller holds.
    unsafe { libc::poll(&mut poll, 1, wait.as_millis() as libc::c_int) > 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsFd;

    fn pipe() -> (std::fs::File, std::fs::File) {
        let mut fds = [0; 2];
        // SAFETY: pipe(2) fills `fds` with two descriptors we then own.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        use std::os::fd::FromRawFd;
        // SAFETY: the descriptors pipe(2) just gave.
        unsafe {
            (
                std::fs::File::from_raw_fd(fds[0]),
                std::fs::File::from_raw_fd(fds[1]),
            )
        }
    }

    #[test]
    fn lines_are_read_one_at_a_time_and_long_ones_refused() {
        let signals = Signals::catch();
        let (r, mut w) = pipe();
        let long = "1".repeat(LONGEST + 1);
        write!(w, "123456\n{long}\nlast").unwrap();
        drop(w);
        let next = || read(r.as_fd(), None, &signals).unwrap();
        assert_eq!(next(), Line::Text("123456".into()));
        assert_eq!(next(), Line::TooLong);
        assert_eq!(next(), Line::Text("last".into()));
        assert_eq!(next(), Line::End);
        drop(signals);
    }

    #[test]
    fn a_silent_pipe_ends_at_the_deadline() {
        let signals = Signals::catch();
        let (r, _w) = pipe();
        let soon = Instant::now() + Duration::from_millis(50);
        assert_eq!(
            read(r.as_fd(), Some(soon), &signals).unwrap(),
            Line::TimedOut
        );
        assert!(!arrives(r.as_fd(), Duration::ZERO));
        drop(signals);
    }
}
