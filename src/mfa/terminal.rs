//! The controlling terminal: whether awsmfa may use it now, and its settings saved and put
//! back. A process that is not in the terminal's foreground process group (a background job,
//! the server of `exec --server` behind an interactive shell) is stopped by the terminal when
//! it reads from it or changes its settings, so awsmfa asks there only from the foreground.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

/// The controlling terminal, if awsmfa has one.
pub fn open() -> Option<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// The controlling terminal, if awsmfa has one and is in its foreground process group.
pub fn foreground() -> Option<File> {
    open().filter(holds)
}

/// Whether awsmfa's process group is the foreground one of `tty`.
pub fn holds(tty: &File) -> bool {
    // SAFETY: tcgetpgrp(3) and getpgrp(2) only read.
    unsafe { libc::tcgetpgrp(tty.as_raw_fd()) == libc::getpgrp() }
}

/// The terminal's settings as they were: a tool killed while it had echo off (a PIN prompt),
/// or awsmfa interrupted while reading a code, would leave the user typing blind.
pub struct Saved<'a> {
    tty: &'a File,
    settings: libc::termios,
}

impl<'a> Saved<'a> {
    pub fn save(tty: &'a File) -> Option<Saved<'a>> {
        // SAFETY: tcgetattr(3) writes only into `settings`.
        unsafe {
            let mut settings: libc::termios = std::mem::zeroed();
            (libc::tcgetattr(tty.as_raw_fd(), &mut settings) == 0)
                .then_some(Saved { tty, settings })
        }
    }

    /// Stops the terminal from showing what is typed, as getpass(3) does; the Enter that ends
    /// the line is not shown either.
    pub fn echo_off(&self) {
        let mut quiet = self.settings;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        self.set(&quiet);
    }

    /// Puts the settings back.
    pub fn restore(&self) {
        self.set(&self.settings);
    }

    /// Unless awsmfa is in the background, where changing them would stop it (SIGTTOU).
    fn set(&self, settings: &libc::termios) {
        if holds(self.tty) {
            // SAFETY: tcsetattr(3) on a descriptor we own, with settings tcgetattr gave.
            unsafe { libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSADRAIN, settings) };
        }
    }
}
