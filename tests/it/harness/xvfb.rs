//! A virtual X display, for the dialogs awsmfa shows when there is no terminal.

use super::process::tie;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A virtual X display of the test's own (Xvfb, on the first free display number), ended with
/// it; for the dialogs awsmfa shows when there is no terminal.
pub struct Xvfb {
    /// The value for DISPLAY.
    pub display: String,
    child: Child,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "800x600x24",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        tie(&mut cmd);
        let mut child = cmd
            .spawn()
            .expect("Xvfb (scripts/install-deps installs it)");
        // It writes the number it chose once it accepts clients.
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            BufReader::new(out).read_line(&mut line).ok();
            tx.send(line).ok();
        });
        let number = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let mut xvfb = Xvfb {
            display: format!(":{}", number.trim()),
            child,
        };
        assert!(
            !number.trim().is_empty(),
            "Xvfb did not start: {:?}",
            xvfb.child.try_wait()
        );
        xvfb
    }

    /// Runs `xdotool ARGS` on this display, for at most 20 s, and asserts that it succeeded;
    /// returns what it printed.
    #[track_caller]
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("timeout")
            .args(["20", "xdotool"])
            .args(args)
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .output()
            .expect("timeout and xdotool (scripts/install-deps installs xdotool)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "xdotool {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
