//! Runs on a pseudo-terminal of their own (pexpect), for the prompts awsmfa shows there.

use super::sandbox::Sandbox;

impl Sandbox {
    /// Runs `line` with `sh -c` on a pseudo-terminal of its own (pexpect), in a clean
    /// environment, and plays `dialogue`: for each (text, answer) it waits for the text to
    /// show and types the answer and Enter; an answer of "\x03" is Ctrl-C alone, one that
    /// starts with "$ " runs the rest with `sh -c` instead (what happens before the answer).
    pub fn on_terminal(&self, line: &str, dialogue: &[(&str, &str)]) -> Screen {
        self.on_terminal_within(line, dialogue, 30)
    }

    /// As `on_terminal`, waiting up to `secs` seconds for each text and for the end, for a
    /// run that waits longer than 30 s by design.
    pub fn on_terminal_within(&self, line: &str, dialogue: &[(&str, &str)], secs: u32) -> Screen {
        let script = r#"
import io, pexpect, subprocess, sys
secs, line, steps = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
child = pexpect.spawn('/bin/sh', ['-c', line], encoding='utf-8', timeout=secs)
child.logfile_read = screen = io.StringIO()
status, want = 99, 'the end'
try:
    for want, say in zip(steps[::2], steps[1::2]):
        child.expect_exact(want)
        if say.startswith('$ '):
            subprocess.run(['sh', '-c', say[2:]], check=True)
        else:
            child.sendintr() if say == '\x03' else child.sendline(say)
    want = 'the end'
    child.expect(pexpect.EOF)
    child.close()
    status = child.exitstatus if child.signalstatus is None else 128 + child.signalstatus
except (pexpect.TIMEOUT, pexpect.EOF) as e:
    screen.write(f'\n[pexpect: {type(e).__name__} waiting for {want!r}]')
    child.close(force=True)
sys.stdout.write(screen.getvalue())
sys.exit(status)
"#;
        let mut cmd = self.program("python3");
        cmd.arg("-c").arg(script).arg(secs.to_string()).arg(line);
        for (want, say) in dialogue {
            cmd.args([want, say]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.code().is_some(),
            "pexpect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        Screen {
            status: out.status.code().unwrap(),
            text: text.replace("\r\n", "\n"),
        }
    }
}

/// What a run on a pseudo-terminal showed, and its exit status (128 + N when signal N ended
/// it, 99 when the text the dialogue waited for did not show).
pub struct Screen {
    pub status: i32,
    pub text: String,
}
