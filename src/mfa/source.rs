//! Where an MFA code comes from (`CodeSource`): given up front, printed by an `mfa_process`,
//! typed at the terminal, piped on standard input, or, without any, in a dialog on the
//! desktop.

use super::code::{Code, need_code, parse};
use super::dialog::{Answer, Dialog};
use super::line::{self, Line};
use super::process::MfaProcess;
use super::supervise::{self, Signals};
use super::terminal::{self, Saved};
use crate::error::{Error, Result};
use crate::timefmt;
use crate::ui;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// Said when an answer was no code, before asking again.
const MALFORMED: &str = "The code is the 6 digits your MFA device shows (or `skip`).";

/// Said when the code was sent a moment ago, before asking for the next.
const REUSED: &str = "That code was used a moment ago and AWS accepts it once; enter the next one.";

/// Answers a dialog may give before awsmfa stops asking: nobody may be there to type.
const DIALOG_TRIES: usize = 3;

/// How long a pipe on standard input may take to give its code before the dialog is shown:
/// a program piping one (`oathtool … | awsmfa`) has written it long before; an SDK that runs
/// awsmfa as its credential_process holds a pipe that never will.
const PIPE_FIRST: Duration = Duration::from_secs(1);

fn no_terminal() -> Error {
    Error::usage(
        "an MFA code is needed and there is no terminal to ask on; \
         pass -c CODE or set AWS_MFA_TOKEN_CODE",
    )
}

fn in_background() -> Error {
    Error::usage(
        "an MFA code is needed and awsmfa is not in the foreground of its terminal, where it \
         could ask; run awsmfa in the foreground to renew the MFA session, set mfa_process, \
         or pass -c CODE",
    )
}

/// Where the code comes from. Whether a code is needed at all is known only after the MFA
/// session cache has been looked at; `ready` then fails before any request is sent.
pub enum CodeSource {
    Given(Code),
    /// A command that prints the code (`mfa_process`); `waited` once a reused code made us
    /// wait for the next one.
    Process {
        process: MfaProcess,
        waited: bool,
    },
    /// Asked on the terminal itself, so stdout stays clean for `eval` and stdin may be a pipe,
    /// and the dialogue is there too, whoever holds stderr. Only while awsmfa is in the
    /// terminal's foreground: a server started from it may have to renew behind a shell.
    Terminal(File),
    /// No terminal to ask on, but a pipe or file on standard input (cron, CI, systemd:
    /// `oathtool … | awsmfa`): its first line. A code piped in was given before it was asked
    /// for, so it comes before the `dialog`, which is shown only when none comes at once.
    Stdin {
        dialog: Option<Dialog>,
    },
    /// No terminal, but a desktop: asked in a dialog, saying `note` first when there is one.
    Dialog {
        dialog: Dialog,
        note: Option<&'static str>,
    },
    /// No code was given and there is no terminal or desktop to ask on.
    NoTerminal,
    /// The same, but for a terminal awsmfa runs in the background of.
    Background,
    /// No code may be asked for (`refresh`): needing one is the answer.
    Never,
}

impl CodeSource {
    pub fn new(given: Option<Code>, process: Option<MfaProcess>) -> CodeSource {
        match (given, process) {
            (Some(code), _) => CodeSource::Given(code),
            (None, Some(process)) => CodeSource::Process {
                process,
                waited: false,
            },
            (None, None) => match terminal::open() {
                Some(tty) if terminal::holds(&tty) => CodeSource::Terminal(tty),
                tty => Self::elsewhere(tty.is_some()),
            },
        }
    }

    /// Where to ask without the terminal; `background`: there is one, in another job's hands.
    fn elsewhere(background: bool) -> CodeSource {
        let dialog = Dialog::find();
        if stdin_gives_input() {
            return CodeSource::Stdin { dialog };
        }
        match dialog {
            Some(dialog) => CodeSource::Dialog { dialog, note: None },
            None if background => CodeSource::Background,
            None => CodeSource::NoTerminal,
        }
    }

    pub fn is_skip(&self) -> bool {
        matches!(self, CodeSource::Given(Code::Skip))
    }

    /// Whether this source can deliver a code; checked before any request that only serves one
    /// (discovering the MFA device), so a run that cannot ask fails first.
    pub fn ready(&self) -> Result<()> {
        match self {
            CodeSource::Never => Err(need_code()),
            CodeSource::NoTerminal => Err(no_terminal()),
            CodeSource::Background => Err(in_background()),
            CodeSource::Given(_)
            | CodeSource::Process { .. }
            | CodeSource::Terminal(_)
            | CodeSource::Stdin { .. }
            | CodeSource::Dialog { .. } => Ok(()),
        }
    }

    /// The code for the MFA device `serial`; on the terminal, asked again until it is
    /// well-formed, in a dialog a few times.
    pub fn code(&mut self, serial: &str) -> Result<Code> {
        match self {
            CodeSource::Terminal(tty) if terminal::holds(tty) => by_terminal(tty),
            // The terminal was left to another job since (`exec --server -- bash -i`).
            CodeSource::Terminal(_) => Self::elsewhere(true).code(serial),
            CodeSource::Given(code) => Ok(code.clone()),
            CodeSource::Process { process, .. } => process.code(),
            CodeSource::Stdin { dialog } => by_stdin(dialog.as_ref(), serial),
            CodeSource::Dialog { dialog, note } => by_dialog(dialog, note.take(), serial),
            CodeSource::NoTerminal => Err(no_terminal()),
            CodeSource::Background => Err(in_background()),
            CodeSource::Never => Err(need_code()),
        }
    }
}

/// Whether standard input is a pipe, a socket or a file, which a code may be read from; not
/// a terminal (not the one awsmfa may ask on), not /dev/null (what cron and systemd give).
fn stdin_gives_input() -> bool {
    let stdin = std::io::stdin();
    // SAFETY: fstat(2) fills `stat`, on a descriptor the process holds open.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(stdin.as_fd().as_raw_fd(), &mut stat) != 0 {
            return false;
        }
        matches!(
            stat.st_mode & libc::S_IFMT,
            libc::S_IFIFO | libc::S_IFSOCK | libc::S_IFREG
        )
    }
}

/// The code typed on `tty`, not shown as it is typed: it would stay on the screen, in
/// recordings and in scrollback. The terminal's settings come back whatever happens, Ctrl-C
/// included: awsmfa notes the signal, puts them back, then dies of it.
fn by_terminal(tty: &File) -> Result<Code> {
    let signals = Signals::catch();
    let saved = Saved::save(tty);
    if let Some(saved) = &saved {
        saved.echo_off();
    }
    let code = ask_terminal(tty, &signals);
    if let Some(saved) = saved {
        saved.restore();
    }
    signals.reraise();
    code
}

fn ask_terminal(tty: &File, signals: &Signals) -> Result<Code> {
    loop {
        ui::ask(tty, "MFA Token Code: ")?;
        let line = line::read(tty.as_fd(), None, signals);
        // The Enter was not shown: what follows starts on a line of its own all the same.
        ui::tell(tty, "")?;
        let line = line.map_err(|e| {
            Error::runtime(format!("cannot read the MFA code from the terminal: {e}"))
        })?;
        match line {
            Line::Text(text) => match parse(&text) {
                Some(code) => return Ok(code),
                None => ui::tell(tty, MALFORMED)?,
            },
            Line::TooLong => ui::tell(tty, MALFORMED)?,
            Line::End | Line::TimedOut => {
                return Err(Error::usage("no MFA code entered (end of input)"));
            }
            Line::Interrupted => return Err(Error::usage("no MFA code entered (interrupted)")),
        }
    }
}

/// The code on the first line of standard input, within the time an `mfa_process` has. With
/// a `dialog` at hand, a pipe that gives nothing at once (or only its end) leaves it the
/// question.
fn by_stdin(dialog: Option<&Dialog>, serial: &str) -> Result<Code> {
    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    if let Some(dialog) = dialog
        && (!line::arrives(fd, PIPE_FIRST) || at_end(fd))
    {
        return by_dialog(dialog, None, serial);
    }
    let signals = Signals::catch();
    let wait = supervise::timeout();
    let line = line::read(fd, Some(Instant::now() + wait), &signals);
    signals.reraise();
    let line = line.map_err(|e| {
        Error::runtime(format!("cannot read the MFA code from standard input: {e}"))
    })?;
    let no_code = || {
        Error::usage(
            "the line on standard input is no MFA code; the code is the 6 digits your MFA \
             device shows (or `skip`)",
        )
    };
    match line {
        Line::Text(text) => parse(&text).ok_or_else(no_code),
        Line::TooLong => Err(no_code()),
        Line::End | Line::Interrupted => Err(Error::usage(
            "no MFA code entered (standard input ended without one, and there is no terminal \
             to ask on); pass -c CODE or set AWS_MFA_TOKEN_CODE",
        )),
        Line::TimedOut => Err(Error::usage(format!(
            "no MFA code came on standard input within {} s, and there is no terminal to ask \
             on (set AWSMFA_MFA_PROCESS_TIMEOUT to wait longer, or pass -c CODE)",
            wait.as_secs()
        ))),
    }
}

/// Whether `fd`, which has something to read, is at its end: nothing is taken from it.
fn at_end(fd: BorrowedFd<'_>) -> bool {
    let mut byte = 0u8;
    // SAFETY: recv(2) with MSG_PEEK on a socket leaves the byte in place; on a pipe or file
    // it fails, and FIONREAD tells what is waiting without taking it.
    unsafe {
        let peeked = libc::recv(fd.as_raw_fd(), (&raw mut byte).cast(), 1, libc::MSG_PEEK);
        if peeked >= 0 {
            return peeked == 0;
        }
        let mut waiting: libc::c_int = 0;
        libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut waiting) == 0 && waiting == 0
    }
}

/// The code typed in `dialog`, which names the device: it may show up long after the command
/// that needs it started, in front of anything.
fn by_dialog(dialog: &Dialog, mut note: Option<&str>, serial: &str) -> Result<Code> {
    let question = format!("MFA code for {}", ui::clean(serial));
    for _ in 0..DIALOG_TRIES {
        let text = match note {
            Some(note) => format!("{note}\n\n{question}"),
            None => question.clone(),
        };
        match dialog.ask(&text)? {
            Answer::Cancelled => {
                return Err(Error::usage(
                    "no MFA code entered (the dialog was cancelled)",
                ));
            }
            Answer::Text(answer) => match parse(&answer) {
                Some(code) => return Ok(code),
                None => note = Some(MALFORMED),
            },
        }
    }
    Err(Error::usage(format!(
        "no MFA code entered: the dialog got no 6-digit code in {DIALOG_TRIES} answers"
    )))
}

impl CodeSource {
    /// `code` was sent by awsmfa within the last 30 s, and AWS accepts a TOTP code once.
    /// Returns whether to ask again: the terminal and the dialog say so and ask, a process is
    /// run again after the next 30-second window begins, a code given on the command line is
    /// sent as is.
    pub fn reused(&mut self, used_at: i64) -> Result<bool> {
        match self {
            CodeSource::Terminal(tty) => {
                if terminal::holds(tty) {
                    ui::tell(tty, REUSED)?;
                }
                Ok(true)
            }
            CodeSource::Dialog { note, .. } => {
                *note = Some(REUSED);
                Ok(true)
            }
            CodeSource::Process {
                waited: true,
                process,
            } => Err(process.error(
                "gave the code it gave before, also in the next 30-second window; check the \
                 device's clock",
            )),
            CodeSource::Process { waited, .. } => {
                let next = (timefmt::now() / 30 + 1) * 30 + 1;
                let wait = (next - timefmt::now()).max(1);
                // The code itself is not shown: a spent code is still a secret for its window.
                ui::warn(&format!(
                    "the MFA code mfa_process gave was used {} s ago and AWS accepts it once; \
                     waiting {wait} s for the next one.",
                    timefmt::now() - used_at
                ));
                std::thread::sleep(Duration::from_secs(wait as u64));
                *waited = true;
                Ok(true)
            }
            // A pipe is not asked again: the code it gave is sent as it is.
            CodeSource::Given(_)
            | CodeSource::Stdin { .. }
            | CodeSource::NoTerminal
            | CodeSource::Background
            | CodeSource::Never => Ok(false),
        }
    }
}
