//! A dialog on the desktop that asks for the MFA code when there is no terminal (an IDE running
//! `credential_process`, a server started from a launcher): zenity or kdialog where a display
//! is set (`DISPLAY`, `WAYLAND_DISPLAY`), osascript on macOS. The answer is read from the
//! dialog's stdout, never passed on a command line; what the dialog says on stderr (toolkit
//! warnings) is kept from awsmfa's own and shown only when it fails.

use crate::error::{Error, Result};
use crate::mfa::supervise::{self, Group, Signals};
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Program {
    Zenity,
    Kdialog,
    /// macOS's; untested.
    Osascript,
}

impl Program {
    fn name(self) -> &'static str {
        match self {
            Program::Zenity => "zenity",
            Program::Kdialog => "kdialog",
            Program::Osascript => "osascript",
        }
    }

    /// The arguments that show an entry titled "awsmfa" saying `text` and print the answer.
    fn args(self, text: &str) -> Vec<String> {
        match self {
            // zenity reads backslash escapes in the text and takes `_` for a mnemonic.
            Program::Zenity => vec![
                "--entry".into(),
                "--title=awsmfa".into(),
                format!("--text={}", text.replace('\\', "\\\\").replace('_', "__")),
            ],
            Program::Kdialog => vec![
                "--title".into(),
                "awsmfa".into(),
                "--inputbox".into(),
                text.into(),
            ],
            // The text goes in as an argument of the script, so it needs no quoting.
            Program::Osascript => [
                "on run argv",
                "display dialog (item 1 of argv) default answer \"\" with title \"awsmfa\"",
                "return text returned of result",
                "end run",
            ]
            .iter()
            .flat_map(|line| ["-e".to_string(), line.to_string()])
            .chain([text.to_string()])
            .collect(),
        }
    }
}

/// The programs to try, in order: on macOS its own; elsewhere those of a desktop, when the
/// session has a display (these variables' values).
fn programs(macos: bool, display: Option<&OsStr>, wayland: Option<&OsStr>) -> &'static [Program] {
    let set = |v: Option<&OsStr>| v.is_some_and(|v| !v.is_empty());
    if macos {
        &[Program::Osascript]
    } else if set(display) || set(wayland) {
        &[Program::Zenity, Program::Kdialog]
    } else {
        &[]
    }
}

/// The executable file `name` in the first directory of `path` that has one, found without
/// starting a process.
fn on_path(name: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|file| executable(file))
}

fn executable(file: &Path) -> bool {
    std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What the user did with the dialog.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Text(String),
    Cancelled,
}

pub struct Dialog {
    program: Program,
    path: PathBuf,
}

impl Dialog {
    /// The dialog this session can show, if it has a desktop and a dialog program on PATH.
    pub fn find() -> Option<Dialog> {
        let var = std::env::var_os;
        let path = var("PATH")?;
        let display = (var("DISPLAY"), var("WAYLAND_DISPLAY"));
        let macos = cfg!(target_os = "macos");
        programs(macos, display.0.as_deref(), display.1.as_deref())
            .iter()
            .find_map(|&program| {
                let path = on_path(program.name(), &path)?;
                Some(Dialog { program, path })
            })
    }

    /// Shows `text` and waits for the answer, as long as an `mfa_process` may take.
    pub fn ask(&self, text: &str) -> Result<Answer> {
        let mut cmd = Command::new(&self.path);
        cmd.args(self.program.args(text))
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        // These would change what zenity's exit statuses mean.
        for name in ["OK", "CANCEL", "ESC", "ERROR", "EXTRA", "TIMEOUT"] {
            cmd.env_remove(format!("ZENITY_{name}"));
        }
        let signals = Signals::catch();
        let done = supervise::run(&mut cmd, Group::Own, &signals);
        signals.reraise();
        let done = done.map_err(|e| self.error(&format!("could not start: {e}")))?;
        let status = done.exit().map_err(|why| self.error(&why))?;
        let said = done.stderr.last_line().unwrap_or_default();
        match ended(self.program, status.code(), &said) {
            Ended::Answered => Ok(Answer::Text(done.stdout.text().unwrap_or_default())),
            Ended::Cancelled => Ok(Answer::Cancelled),
            Ended::Failed if said.is_empty() => Err(self.error(&format!("failed ({status})"))),
            Ended::Failed => Err(self.error(&format!("failed ({status}): {said}"))),
        }
    }

    fn error(&self, why: &str) -> Error {
        Error::runtime(format!(
            "the MFA code dialog ({}) {why}",
            self.program.name()
        ))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Answered,
    /// Cancel, Escape, or the window closed.
    Cancelled,
    Failed,
}

/// How `program`, exited with `code` and its stderr ending in `said`, ended. All three exit 1
/// on Cancel, but zenity does too when it cannot open the display, and osascript on any error
/// (Cancel is its error -128).
fn ended(program: Program, code: Option<i32>, said: &str) -> Ended {
    let cancelled = match program {
        Program::Zenity => !said.contains("cannot open display"),
        Program::Kdialog => true,
        Program::Osascript => said.contains("(-128)"),
    };
    match code {
        Some(0) => Ended::Answered,
        Some(1) if cancelled => Ended::Cancelled,
        _ => Ended::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_is_needed_but_on_macos() {
        let none: Option<&OsStr> = None;
        let x = Some(OsStr::new(":0"));
        assert_eq!(programs(false, none, none), []);
        assert_eq!(programs(false, Some(OsStr::new("")), none), []);
        assert_eq!(
            programs(false, x, none),
            [Program::Zenity, Program::Kdialog]
        );
        let wayland = Some(OsStr::new("wayland-0"));
        assert_eq!(
            programs(false, none, wayland),
            [Program::Zenity, Program::Kdialog]
        );
        assert_eq!(programs(true, none, none), [Program::Osascript]);
        assert_eq!(programs(true, x, none), [Program::Osascript]);
    }

    #[test]
    fn programs_are_found_on_path_without_running_anything() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&a, &b] {
            std::fs::create_dir(d).unwrap();
        }
        std::fs::write(a.join("zenity"), "").unwrap();
        std::fs::write(b.join("zenity"), "").unwrap();
        std::fs::set_permissions(b.join("zenity"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(a.join("kdialog")).unwrap();
        let path =
            std::env::join_paths(["relative", a.to_str().unwrap(), b.to_str().unwrap()]).unwrap();
        // Not executable, a folder, a relative entry: passed over.
        assert_eq!(on_path("zenity", &path), Some(b.join("zenity")));
        assert_eq!(on_path("kdialog", &path), None);
        assert_eq!(on_path("zenity", OsStr::new("")), None);
    }

    #[test]
    fn the_text_reaches_each_dialog_as_written() {
        let text = "MFA code for arn:aws:iam::1:mfa/my_user\\n";
        assert_eq!(
            Program::Zenity.args(text)[2],
            "--text=MFA code for arn:aws:iam::1:mfa/my__user\\\\n"
        );
        assert_eq!(Program::Kdialog.args(text).last().unwrap(), text);
        let osascript = Program::Osascript.args(text);
        assert_eq!(osascript.last().unwrap(), text);
        assert!(
            osascript[..osascript.len() - 1]
                .iter()
                .all(|a| !a.contains("my_user"))
        );
    }

    #[test]
    fn cancel_is_told_from_failure() {
        use Program::*;
        assert_eq!(ended(Zenity, Some(0), ""), Ended::Answered);
        let noise = "Gtk-Message: Failed to load module \"canberra-gtk-module\"";
        assert_eq!(ended(Zenity, Some(1), noise), Ended::Cancelled);
        let no_display = "(zenity:9): Gtk-WARNING **: cannot open display: :9";
        assert_eq!(ended(Zenity, Some(1), no_display), Ended::Failed);
        assert_eq!(ended(Kdialog, Some(1), ""), Ended::Cancelled);
        let cancel = "0:80: execution error: User canceled. (-128)";
        assert_eq!(ended(Osascript, Some(1), cancel), Ended::Cancelled);
        let no_gui = "0:80: execution error: No user interaction allowed. (-1713)";
        assert_eq!(ended(Osascript, Some(1), no_gui), Ended::Failed);
        assert_eq!(ended(Zenity, Some(255), ""), Ended::Failed);
        assert_eq!(ended(Kdialog, None, ""), Ended::Failed);
    }
}
