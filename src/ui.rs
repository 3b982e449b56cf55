//! What awsmfa says. On stderr, in one voice: notices plain (the messages awsmfa 0.2 users
//! know), warnings after `awsmfa: warning: `, errors after `awsmfa: error: `; every message is
//! cleaned first, because parts of it came from a server, a file or the environment. On the
//! terminal, only the dialogue of a code typed there. On stdout, only what a command produces.

use crate::error::{Error, Result};
use std::borrow::Cow;
use std::fs::File;
use std::io::{ErrorKind, Write};

/// `text` with every control character (ESC, CR, LF, the other C0 and C1 codes, DEL) written
/// as an escape such as `\u{1b}`, so that no answer or file can clear the screen, retitle the
/// window or break a message into lines that look like ours.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// What is happening: `Reusing the MFA session, which expires in 5h59m.`
pub fn notice(msg: &str) {
    eprintln!("{}", clean(msg));
}

/// Something the user should know that does not stop the run.
pub fn warn(msg: &str) {
    eprintln!("awsmfa: warning: {}", clean(msg));
}

/// The reason the run failed: one line, the last thing awsmfa prints.
pub fn error(msg: &str) {
    eprintln!("awsmfa: error: {}", clean(msg));
}

/// Asks on the terminal the answer is read from: stderr may be captured (botocore runs a
/// `credential_process` so) or discarded, and a prompt there would leave the user waiting.
pub fn ask(tty: &File, question: &str) -> Result<()> {
    to_terminal(tty, &clean(question))
}

/// Says on that terminal what the dialogue needs said: a malformed or reused code.
pub fn tell(tty: &File, msg: &str) -> Result<()> {
    to_terminal(tty, &format!("{}\n", clean(msg)))
}

fn to_terminal(mut tty: &File, text: &str) -> Result<()> {
    tty.write_all(text.as_bytes())
        .and_then(|()| tty.flush())
        .map_err(|e| Error::runtime(format!("cannot write to the terminal: {e}")))
}

/// Writes a command's output; a reader that went away (`awsmfa … | head`) is not an error.
pub fn stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(Error::runtime(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// `AKIA…WXYZ`: enough to recognise a key, too little to use it.
pub fn mask(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "…".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(clean("plain — ünï"), "plain — ünï");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("\u{1b}]0;title\u{7}"), "\\u{1b}]0;title\\u{7}");
        assert_eq!(
            clean("x\ry\nz\u{9b}\u{7f}"),
            "x\\u{d}y\\u{a}z\\u{9b}\\u{7f}"
        );
    }

    #[test]
    fn masks_keep_four_and_four() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        assert_eq!(mask("SHORT"), "…");
    }
}
