//! The framework of the shell tests: the shells (`Sh`), scripts typed into them (`Script`),
//! what they printed (`Out`), a sandboxed HOME with `awsmfa` on PATH (`Shells`), a shell in tmux
//! (`Tmux`), and the helpers the tests share.

use crate::harness::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

/// Fails the test (never skips it) when a tool it drives is missing.
#[track_caller]
pub(super) fn need(tool: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    assert!(
        Path::new(tool).is_absolute()
            || std::env::split_paths(&path).any(|d| d.join(tool).is_file()),
        "{tool} is needed by the shell tests and is not on PATH; \
         scripts/test installs it (see scripts/install-deps)"
    );
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sh {
    Bash,
    Zsh,
    Fish,
}

pub(super) const SHELLS: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];

impl Sh {
    pub(super) fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// The line of the user's rc file.
    pub(super) fn init(self) -> &'static str {
        match self {
            Sh::Bash => r#"eval "$(awsmfa init bash)""#,
            Sh::Zsh => r#"eval "$(awsmfa init zsh)""#,
            Sh::Fish => "awsmfa init fish | source",
        }
    }

    /// The shell reading a script on stdin as if typed: bash and zsh run their pre-command
    /// hooks before every line and draw a prompt (running the prompt hook) after it; fish does
    /// neither, so `Script` emits fish_preexec and fish_prompt itself.
    pub(super) fn interactive(self) -> &'static [&'static str] {
        match self {
            Sh::Bash => &["--norc", "-i"],
            Sh::Zsh => &["-f", "-i"],
            Sh::Fish => &["--no-config"],
        }
    }

    /// `$?`.
    pub(super) fn status(self) -> &'static str {
        match self {
            Sh::Fish => "$status",
            _ => "$?",
        }
    }

    /// A statement exporting NAME=VALUE (VALUE without single quotes).
    pub(super) fn export(self, name: &str, value: &str) -> String {
        match self {
            Sh::Fish => format!("set -gx {name} '{value}'"),
            _ => format!("export {name}='{value}'"),
        }
    }

    pub(super) fn unset(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("set -e {name}"),
            _ => format!("unset {name}"),
        }
    }

    /// The value of a variable, empty when unset (also under `set -u`).
    pub(super) fn var(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("\"${name}\""),
            _ => format!("\"${{{name}-}}\""),
        }
    }

    /// `set` when the variable is set, else empty.
    pub(super) fn is_set(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("(set -q {name}; and echo set)"),
            _ => format!("\"${{{name}+set}}\""),
        }
    }

    /// AWSMFA_PROMPT as the terminal gets it: zsh decodes its %-escapes when drawing.
    pub(super) fn rendered_segment(self) -> &'static str {
        match self {
            Sh::Zsh => "\"${(%)AWSMFA_PROMPT}\"",
            Sh::Bash => "\"${AWSMFA_PROMPT-}\"",
            Sh::Fish => "\"$AWSMFA_PROMPT\"",
        }
    }
}

/// A script typed into a shell, one prompt per line.
pub(super) struct Script {
    sh: Sh,
    pub(super) text: String,
}

impl Script {
    pub(super) fn new(sh: Sh) -> Script {
        Script {
            sh,
            text: String::new(),
        }
    }

    /// As strict as a user's rc file may be: unset variables are errors (bash and zsh). `-e`
    /// is left out: `(exit 7)` would end the shell.
    pub(super) fn strict(sh: Sh) -> Script {
        let mut s = Script::new(sh);
        match sh {
            Sh::Bash => s.line("set -u"),
            Sh::Zsh => s.line("setopt nounset"),
            Sh::Fish => &mut s,
        };
        s
    }

    /// One input line, then the next prompt (fish: the events around it, as an interactive
    /// fish fires them).
    pub(super) fn line(&mut self, line: &str) -> &mut Self {
        if self.sh == Sh::Fish {
            self.text.push_str("emit fish_preexec\n");
        }
        self.text.push_str(line);
        self.text.push('\n');
        if self.sh == Sh::Fish {
            self.text.push_str("emit fish_prompt\n");
        }
        self
    }

    /// Prints `KEY:value of EXPR` on stdout.
    pub(super) fn show(&mut self, key: &str, expr: &str) -> &mut Self {
        self.line(&format!("printf '%s:%s\\n' {key} {expr}"))
    }

    /// Runs `command` and prints `KEY:its status`.
    pub(super) fn status(&mut self, key: &str, command: &str) -> &mut Self {
        let st = self.sh.status();
        self.line(&format!("{command}; printf '%s:%s\\n' {key} {st}"))
    }
}

/// What a shell printed.
pub(super) struct Out {
    what: String,
    pub(super) code: i32,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

impl Out {
    pub(super) fn all(&self, key: &str) -> Vec<&str> {
        let prefix = format!("{key}:");
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .collect()
    }

    /// The value printed under `key` (exactly once).
    #[track_caller]
    pub(super) fn get(&self, key: &str) -> &str {
        match self.all(key)[..] {
            [one] => one,
            _ => panic!("{}: no single {key:?} line\n{self}", self.what),
        }
    }

    pub(super) fn count(&self, needle: &str) -> usize {
        self.stderr.matches(needle).count()
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "{} exited {}\n--- stdout\n{}\n--- stderr\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` with `input` on stdin; fails the test after `secs` rather than hang.
pub(super) fn output_within(mut cmd: Command, input: &str, secs: u64, what: &str) -> Out {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {secs} s; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Out {
        what: what.to_string(),
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// The refresh calls in a `Shells::logged` call log between the marker lines `--from` and `--to`.
pub(super) fn refreshes_between(calls: &str, from: &str, to: &str) -> usize {
    calls
        .lines()
        .skip_while(|l| *l != format!("--{from}"))
        .skip(1)
        .take_while(|l| *l != format!("--{to}"))
        .filter(|l| l.starts_with("refresh "))
        .count()
}

/// A sandboxed HOME whose PATH starts with a directory holding `awsmfa`.
pub(super) struct Shells {
    pub(super) sb: Sandbox,
    bin: PathBuf,
}

impl Shells {
    /// `awsmfa` is a symlink to the binary.
    pub(super) fn new(sb: Sandbox) -> Shells {
        let bin = sb.home().join(".test-bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(crate::harness::bin(), bin.join("awsmfa")).unwrap();
        Shells { sb, bin }
    }

    /// `awsmfa` appends its arguments to `calls()`'s file, then execs the binary.
    pub(super) fn logged(sb: Sandbox) -> Shells {
        let bin = sb.home().join(".test-bin");
        std::fs::create_dir(&bin).unwrap();
        let wrapper = bin.join("awsmfa");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                sb.home().join("calls").display(),
                crate::harness::bin()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Shells { sb, bin }
    }

    pub(super) fn home(&self) -> &Path {
        self.sb.home()
    }

    pub(super) fn calls_path(&self) -> PathBuf {
        self.home().join("calls")
    }

    /// Every logged invocation, one a line.
    pub(super) fn calls(&self) -> String {
        std::fs::read_to_string(self.calls_path()).unwrap_or_default()
    }

    /// `program` in the sandbox's clean environment (`Sandbox::program`), with `awsmfa`'s
    /// directory first on PATH, a terminal type (fish's set_color prints nothing for a dumb
    /// one) and no controlling terminal.
    pub(super) fn command(&self, program: &str, args: &[&str]) -> Command {
        need(program);
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = self.sb.program(program);
        cmd.args(args)
            .env("PATH", path)
            .env("TERM", "xterm-256color");
        // SAFETY: setsid only detaches the child from our terminal: an interactive shell must
        // not take it over, and awsmfa must find no /dev/tty.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd
    }

    /// `program args` with nothing on stdin.
    pub(super) fn exec(&self, program: &str, args: &[&str]) -> Out {
        let what = format!("{program} {args:?}");
        output_within(self.command(program, args), "", 60, &what)
    }

    /// The script typed into an interactive shell.
    pub(super) fn run(&self, script: &Script) -> Out {
        let sh = script.sh;
        output_within(
            self.command(sh.name(), sh.interactive()),
            &script.text,
            120,
            sh.name(),
        )
    }

    /// `awsmfa prompt --color` (the binary) for credentials expiring at `expiration`.
    pub(super) fn binary_segment(&self, expiration: Option<i64>, env: &[(&str, &str)]) -> String {
        let mut cmd = self.command(bin(), &["prompt", "--color"]);
        cmd.envs(env.iter().copied());
        if let Some(e) = expiration {
            cmd.env("AWS_CREDENTIAL_EXPIRATION", rfc3339(e));
        }
        let out = output_within(cmd, "", 30, "awsmfa prompt");
        assert_eq!(out.code, 0, "{out}");
        out.stdout
            .strip_suffix('\n')
            .unwrap_or(&out.stdout)
            .to_string()
    }
}

/// `2026-11-28T05:31:11Z` for an epoch.
pub(super) fn rfc3339(epoch: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A stamp file for fish: its mtime is `expiration`.
pub(super) fn stamp(dir: &Path, expiration: i64) -> PathBuf {
    let path = dir.join(format!("stamp-{expiration}"));
    let file = std::fs::File::create(&path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(expiration as u64))
        .unwrap();
    path
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Colour {
    Green,
    Yellow,
    Red,
}

/// The colour (the first SGR foreground code) and the visible text of a drawn segment: escape
/// sequences and readline's \001 / \002 markers removed.
pub(super) fn parse_segment(s: &str) -> (Option<Colour>, String) {
    let mut colour = None;
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x01' | '\x02' => {}
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    for p in chars.by_ref() {
                        if p.is_ascii_alphabetic() {
                            if p == 'm' && colour.is_none() {
                                colour = match params.as_str() {
                                    "32" => Some(Colour::Green),
                                    "33" => Some(Colour::Yellow),
                                    "31" => Some(Colour::Red),
                                    _ => None,
                                };
                            }
                            break;
                        }
                        params.push(p);
                    }
                }
                Some('(') => {
                    chars.next();
                }
                _ => {}
            },
            c => text.push(c),
        }
    }
    (colour, text)
}

/// The prompt of `Tmux::shell`.
pub(super) const PROMPT: &str = "READY> ";

/// A shell in a tmux of its own, for completion and commands typed at the keyboard.
pub(super) struct Tmux {
    sock: PathBuf,
}

impl Tmux {
    pub(super) fn start(
        shells: &Shells,
        extra_env: &[(&str, String)],
        command: &str,
        ready: &str,
    ) -> Tmux {
        need("tmux");
        let sock = shells.home().join("tmux.sock");
        let _ = std::fs::remove_file(&sock);
        let sock_arg = sock.to_string_lossy().into_owned();
        let mut cmd = shells.command(
            "tmux",
            &[
                "-S",
                &sock_arg,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "150",
                "-y",
                "40",
                command,
            ],
        );
        cmd.envs(extra_env.iter().map(|(k, v)| (*k, v.as_str())));
        let out = output_within(cmd, "", 30, "tmux new-session");
        assert_eq!(out.code, 0, "{out}");
        let t = Tmux { sock };
        t.wait_for(|p| p.contains(ready), &format!("the prompt {ready:?}"));
        t
    }

    /// `sh` interactive in a terminal, as a user has it: `awsmfa init` in its rc file, and
    /// `PROMPT` as its prompt.
    pub(super) fn shell(shells: &Shells, sh: Sh) -> Tmux {
        let home = shells.home();
        let write = |path: PathBuf, text: String| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let init = sh.init();
        let (command, env) = match sh {
            Sh::Bash => {
                let rc = home.join("bashrc");
                write(rc.clone(), format!("{init}\nPS1='{PROMPT}'\n"));
                (format!("bash --rcfile {} -i", rc.display()), vec![])
            }
            Sh::Zsh => {
                write(home.join(".zshrc"), format!("{init}\nPROMPT='{PROMPT}'\n"));
                let dir = ("ZDOTDIR", home.display().to_string());
                ("zsh -i".to_string(), vec![dir])
            }
            Sh::Fish => {
                write(
                    home.join(".config/fish/config.fish"),
                    format!(
                        "set -g fish_greeting\n{init}\nfunction fish_prompt; printf '{PROMPT}'; end\n"
                    ),
                );
                let dir = (
                    "XDG_CONFIG_HOME",
                    home.join(".config").display().to_string(),
                );
                ("fish".to_string(), vec![dir])
            }
        };
        // A UTF-8 locale, as users have: tmux shows anything else as `_`.
        let mut env = env;
        env.push(("LC_ALL", "C.UTF-8".to_string()));
        Tmux::start(shells, &env, &command, PROMPT.trim_end())
    }

    /// Types `line` at the prompt; once the next prompt is drawn, the lines it printed.
    #[track_caller]
    pub(super) fn run(&self, line: &str) -> Vec<String> {
        let prompt = PROMPT.trim_end();
        let typed = format!("{PROMPT}{line}");
        let prompts = |pane: &str| pane.lines().filter(|l| l.starts_with(prompt)).count();
        let before = prompts(&self.history());
        self.tmux(&["send-keys", "-l", line]);
        self.keys(&["Enter"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let pane = self.history();
            let lines: Vec<&str> = pane.lines().map(str::trim_end).collect();
            let start = lines.iter().rposition(|l| *l == typed.trim_end());
            if let Some(start) = start.filter(|_| prompts(&pane) > before) {
                let rest = &lines[start + 1..];
                if let Some(end) = rest.iter().position(|l| l.starts_with(prompt)) {
                    return rest[..end].iter().map(|l| l.to_string()).collect();
                }
            }
            assert!(
                Instant::now() < deadline,
                "typed {line:?}, no prompt came back; the terminal:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The terminal's whole history, wrapped lines joined.
    pub(super) fn history(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-"])
    }

    pub(super) fn tmux(&self, args: &[&str]) -> String {
        let sock = self.sock.to_string_lossy().into_owned();
        let mut all = vec!["-S", sock.as_str()];
        all.extend(args);
        let out = Command::new("tmux").args(&all).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(super) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// The pane once `done` holds for it; fails after 20 s with the pane.
    #[track_caller]
    pub(super) fn wait_for(&self, done: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let pane = self.tmux(&["capture-pane", "-p", "-J"]);
            if done(&pane) {
                return pane;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; the pane:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
