//! Where an MFA code comes from (`CodeSource`): given up front, printed by an `mfa_process`,
//! typed at the terminal, or, without one, in a dialog on the desktop.

use super::code::{Code, need_code, parse};
use super::dialog::{Answer, Dialog};
use super::process::MfaProcess;
use crate::error::{Error, Result};
use crate::timefmt;
use crate::ui;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::time::Duration;

/// Said when an answer was no code, before asking again.
const MALFORMED: &str = "The code is the 6 digits your MFA device shows (or `skip`).";

/// Said when the code was sent a moment ago, before asking for the next.
const REUSED: &str = "That code was used a moment ago and AWS accepts it once; enter the next one.";

/// Answers a dialog may give before awsmfa stops asking: nobody may be there to type.
const DIALOG_TRIES: usize = 3;

fn no_terminal() -> Error {
    Error::usage(
        "an MFA code is needed and there is no terminal to ask on; \
         pass -c CODE or set AWS_MFA_TOKEN_CODE",
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
    /// and the dialogue is there too, whoever holds stderr.
    Terminal(File),
    /// No terminal, but a desktop: asked in a dialog, saying `note` first when there is one.
    Dialog {
        dialog: Dialog,
        note: Option<&'static str>,
    },
    /// No code was given and there is no terminal or desktop to ask on.
    NoTerminal,
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
            (None, None) => OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .map_or_else(|_| Self::desktop(), CodeSource::Terminal),
        }
    }

    fn desktop() -> CodeSource {
        Dialog::find().map_or(CodeSource::NoTerminal, |dialog| CodeSource::Dialog {
            dialog,
            note: None,
        })
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
            CodeSource::Given(_)
            | CodeSource::Process { .. }
            | CodeSource::Terminal(_)
            | CodeSource::Dialog { .. } => Ok(()),
        }
    }

    /// The code for the MFA device `serial`; on the terminal, asked again until it is
    /// well-formed, in a dialog a few times.
    pub fn code(&mut self, serial: &str) -> Result<Code> {
        let tty = match self {
            CodeSource::Terminal(tty) => tty,
            CodeSource::Given(code) => return Ok(code.clone()),
            CodeSource::Process { process, .. } => return process.code(),
            CodeSource::Dialog { dialog, note } => return by_dialog(dialog, note.take(), serial),
            CodeSource::NoTerminal => return Err(no_terminal()),
            CodeSource::Never => return Err(need_code()),
        };
        let mut input = BufReader::new(&*tty);
        loop {
            ui::ask(tty, "MFA Token Code: ")?;
            let mut line = String::new();
            let n = input.read_line(&mut line).map_err(|e| {
                Error::runtime(format!("cannot read the MFA code from the terminal: {e}"))
            })?;
            if n == 0 {
                return Err(Error::usage("no MFA code entered (end of input)"));
            }
            match parse(&line) {
                Some(code) => return Ok(code),
                None => ui::tell(tty, MALFORMED)?,
            }
        }
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
                ui::tell(tty, REUSED)?;
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
            CodeSource::Given(_) | CodeSource::NoTerminal | CodeSource::Never => Ok(false),
        }
    }
}
