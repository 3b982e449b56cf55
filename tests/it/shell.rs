//! Shell integration in real bash, zsh and fish: `awsmfa init` under strict modes, the `awsmfa`
//! function against moto, the prompt segment (held to `awsmfa prompt`), the expiry hook and its
//! back-off, the processes a prompt starts (strace), completion through each shell's own
//! machinery (also at the keyboard, in tmux), the checked-in completion scripts and the linters.
//!
//! Every shell finds the real binary as `awsmfa` first on PATH. Where refresh calls are counted,
//! that `awsmfa` is a two-line script that logs its arguments and execs the binary, which still
//! answers. Times are pinned by the AWSMFA_EXPIRATION the test exports, with 30 s of margin.

use crate::core::value;
use crate::harness::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

/// The version `awsmfa --version` prints.
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The tests' role in the test ~/.aws/config.
const TEAM: &str = "arn:aws:iam::123456789012:role/team-admin";

/// Fails the test (never skips it) when a tool it drives is missing.
#[track_caller]
fn need(tool: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    assert!(
        Path::new(tool).is_absolute()
            || std::env::split_paths(&path).any(|d| d.join(tool).is_file()),
        "{tool} is needed by the shell tests and is not on PATH; \
         scripts/test installs it (see scripts/install-deps)"
    );
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sh {
    Bash,
    Zsh,
    Fish,
}

const SHELLS: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];

impl Sh {
    fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// The line of the user's rc file.
    fn init(self) -> &'static str {
        match self {
            Sh::Bash => r#"eval "$(awsmfa init bash)""#,
            Sh::Zsh => r#"eval "$(awsmfa init zsh)""#,
            Sh::Fish => "awsmfa init fish | source",
        }
    }

    /// The shell reading a script on stdin as if typed: bash and zsh draw a prompt (and run
    /// the hook) before every line; fish does not, so `Script` emits fish_prompt itself.
    fn interactive(self) -> &'static [&'static str] {
        match self {
            Sh::Bash => &["--norc", "-i"],
            Sh::Zsh => &["-f", "-i"],
            Sh::Fish => &["--no-config"],
        }
    }

    /// `$?`.
    fn status(self) -> &'static str {
        match self {
            Sh::Fish => "$status",
            _ => "$?",
        }
    }

    /// A statement exporting NAME=VALUE (VALUE without single quotes).
    fn export(self, name: &str, value: &str) -> String {
        match self {
            Sh::Fish => format!("set -gx {name} '{value}'"),
            _ => format!("export {name}='{value}'"),
        }
    }

    fn unset(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("set -e {name}"),
            _ => format!("unset {name}"),
        }
    }

    /// The value of a variable, empty when unset (also under `set -u`).
    fn var(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("\"${name}\""),
            _ => format!("\"${{{name}-}}\""),
        }
    }

    /// `set` when the variable is set, else empty.
    fn is_set(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("(set -q {name}; and echo set)"),
            _ => format!("\"${{{name}+set}}\""),
        }
    }

    /// AWSMFA_PROMPT as the terminal gets it: zsh decodes its %-escapes when drawing.
    fn rendered_segment(self) -> &'static str {
        match self {
            Sh::Zsh => "\"${(%)AWSMFA_PROMPT}\"",
            Sh::Bash => "\"${AWSMFA_PROMPT-}\"",
            Sh::Fish => "\"$AWSMFA_PROMPT\"",
        }
    }
}

/// A script typed into a shell, one prompt per line.
struct Script {
    sh: Sh,
    text: String,
}

impl Script {
    fn new(sh: Sh) -> Script {
        Script {
            sh,
            text: String::new(),
        }
    }

    /// As strict as a user's rc file may be: unset variables are errors (bash and zsh). `-e`
    /// is left out: `(exit 7)` would end the shell.
    fn strict(sh: Sh) -> Script {
        let mut s = Script::new(sh);
        match sh {
            Sh::Bash => s.line("set -u"),
            Sh::Zsh => s.line("setopt nounset"),
            Sh::Fish => &mut s,
        };
        s
    }

    /// One input line, then the next prompt (fish: its event, as an interactive fish fires it).
    fn line(&mut self, line: &str) -> &mut Self {
        self.text.push_str(line);
        self.text.push('\n');
        if self.sh == Sh::Fish {
            self.text.push_str("emit fish_prompt\n");
        }
        self
    }

    /// Prints `KEY:value of EXPR` on stdout.
    fn show(&mut self, key: &str, expr: &str) -> &mut Self {
        self.line(&format!("printf '%s:%s\\n' {key} {expr}"))
    }

    /// Runs `command` and prints `KEY:its status`.
    fn status(&mut self, key: &str, command: &str) -> &mut Self {
        let st = self.sh.status();
        self.line(&format!("{command}; printf '%s:%s\\n' {key} {st}"))
    }
}

/// What a shell printed.
struct Out {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self, key: &str) -> Vec<&str> {
        let prefix = format!("{key}:");
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .collect()
    }

    /// The value printed under `key` (exactly once).
    #[track_caller]
    fn get(&self, key: &str) -> &str {
        match self.all(key)[..] {
            [one] => one,
            _ => panic!("{}: no single {key:?} line\n{self}", self.what),
        }
    }

    fn count(&self, needle: &str) -> usize {
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
fn output_within(mut cmd: Command, input: &str, secs: u64, what: &str) -> Out {
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

/// A sandboxed HOME whose PATH starts with a directory holding `awsmfa`.
struct Shells {
    sb: Sandbox,
    bin: PathBuf,
}

impl Shells {
    /// `awsmfa` is a symlink to the binary.
    fn new(sb: Sandbox) -> Shells {
        let bin = sb.home().join(".test-bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(BIN, bin.join("awsmfa")).unwrap();
        Shells { sb, bin }
    }

    /// `awsmfa` appends its arguments to `calls()`'s file, then execs the binary.
    fn logged(sb: Sandbox) -> Shells {
        let bin = sb.home().join(".test-bin");
        std::fs::create_dir(&bin).unwrap();
        let wrapper = bin.join("awsmfa");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{BIN}' \"$@\"\n",
                sb.home().join("calls").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Shells { sb, bin }
    }

    fn home(&self) -> &Path {
        self.sb.home()
    }

    fn calls_path(&self) -> PathBuf {
        self.home().join("calls")
    }

    /// Every logged invocation, one a line.
    fn calls(&self) -> String {
        std::fs::read_to_string(self.calls_path()).unwrap_or_default()
    }

    /// `program` with a clean environment like `Sandbox::command`'s, a terminal type (fish's
    /// set_color prints nothing for a dumb one) and no controlling terminal.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        need(program);
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home())
            .env("TERM", "xterm-256color")
            .env("AWS_ENDPOINT_URL", &self.sb.endpoint)
            .env("NO_PROXY", "127.0.0.1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(self.sb.env.iter().map(|(k, v)| (k, v)));
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
    fn exec(&self, program: &str, args: &[&str]) -> Out {
        let what = format!("{program} {args:?}");
        output_within(self.command(program, args), "", 60, &what)
    }

    /// The script typed into an interactive shell.
    fn run(&self, script: &Script) -> Out {
        let sh = script.sh;
        output_within(
            self.command(sh.name(), sh.interactive()),
            &script.text,
            120,
            sh.name(),
        )
    }

    /// `awsmfa prompt --color` (the binary) for credentials expiring at `expiration`.
    fn binary_segment(&self, expiration: Option<i64>, env: &[(&str, &str)]) -> String {
        let mut cmd = self.command(BIN, &["prompt", "--color"]);
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
fn rfc3339(epoch: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A stamp file for fish: its mtime is `expiration`.
fn stamp(dir: &Path, expiration: i64) -> PathBuf {
    let path = dir.join(format!("stamp-{expiration}"));
    let file = std::fs::File::create(&path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(expiration as u64))
        .unwrap();
    path
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Colour {
    Green,
    Yellow,
    Red,
}

/// The colour (the first SGR foreground code) and the visible text of a drawn segment: escape
/// sequences and readline's \001 / \002 markers removed.
fn parse_segment(s: &str) -> (Option<Colour>, String) {
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

// 1. init --------------------------------------------------------------------------------------

#[test]
fn init_evaluates_silently_under_strict_modes() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let twice = |sh: Sh| format!("{}; {}", sh.init(), sh.init());
    let bash = twice(Sh::Bash);
    let zsh = format!(
        "autoload -Uz compinit && compinit -u -D; {}",
        twice(Sh::Zsh)
    );
    let fish = twice(Sh::Fish);
    for (program, args) in [
        ("bash", vec!["-euc", &bash]),
        ("bash", vec!["--posix", "-euc", &bash]),
        ("bash", vec!["-euo", "pipefail", "-c", &bash]),
        ("zsh", vec!["-f", "-euc", &zsh]),
        ("fish", vec!["--no-config", "-c", &fish]),
    ] {
        let out = shells.exec(program, &args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{out}"
        );
    }
}

/// Without compinit (a plain `zsh -f`, or an rc file that loads completion later), the guarded
/// `compdef` line is the last command of the init code and leaves status 1 behind: `eval` fails,
/// and under `zsh -e` the shell exits.
#[test]
fn zsh_init_without_compinit_is_silent_under_errexit() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let script = format!("{}; {}", Sh::Zsh.init(), Sh::Zsh.init());
    let out = shells.exec("zsh", &["-f", "-euc", &script]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", ""),
        "{out}"
    );
}

// 2. the awsmfa function -----------------------------------------------------------------------

#[test]
fn the_function_evals_credentials_into_the_shell() {
    let moto = Moto::shared();
    let user = moto.user(1);
    for sh in SHELLS {
        let shells = Shells::new(Sandbox::with_user(moto, &user));
        let env_shell = format!("--shell {}", sh.name());
        let eval_env = match sh {
            Sh::Fish => format!("awsmfa --env {env_shell} -t viaenv -c 123456 | source"),
            _ => format!("eval \"$(awsmfa --env {env_shell} -t viaenv -c 123456)\""),
        };
        let mut s = Script::strict(sh);
        s.line(sh.init())
            .line(&sh.export("AWS_ACCESS_KEY_ID", "sentinel"))
            .line(&sh.export("AWS_PROFILE", "p"))
            .line(&sh.export("AWS_DEFAULT_PROFILE", "dp"))
            // A failure: the binary's status, nothing changed.
            .status("bad", "awsmfa -c 12")
            .show("bad.key", &sh.var("AWS_ACCESS_KEY_ID"))
            .show("bad.exp", &sh.is_set("AWSMFA_EXPIRATION"))
            .show("bad.profile", &sh.var("AWS_PROFILE"))
            .status("good", "awsmfa -c 123456")
            .show("good.key", &sh.var("AWS_ACCESS_KEY_ID"))
            .show("good.exp", &sh.var("AWSMFA_EXPIRATION"))
            .show("good.profile", &sh.is_set("AWS_PROFILE"))
            .show("good.dprofile", &sh.is_set("AWS_DEFAULT_PROFILE"))
            // The exports reach child processes: the binary reads AWS_CREDENTIAL_EXPIRATION.
            .status("prompt", "awsmfa prompt")
            .status("version", "awsmfa --version")
            .status("usage", "awsmfa prompt --bogus")
            // The README's `eval "$(awsmfa --env)"` still works with the function loaded.
            .status("viaenv", &eval_env);
        let out = shells.run(&s);
        let what = sh.name();

        assert_eq!(out.get("bad"), "2", "{out}");
        assert_eq!(out.get("bad.key"), "sentinel", "{out}");
        assert_eq!(out.get("bad.exp"), "", "{out}");
        assert_eq!(out.get("bad.profile"), "p", "{out}");
        assert!(
            out.stderr
                .contains("awsmfa: error: the MFA token code must be 6 digits"),
            "{what}: the binary's message must reach the terminal\n{out}"
        );

        assert_eq!(out.get("good"), "0", "{out}");
        assert_eq!(out.get("good.key"), "AKIAIOSFODNN7EXAMPLE", "{out}");
        let exp: i64 = out.get("good.exp").parse().unwrap();
        assert!((21500..=21600).contains(&(exp - now())), "{what}: {exp}");
        assert_eq!(out.get("good.profile"), "", "{out}");
        assert_eq!(out.get("good.dprofile"), "", "{out}");
        assert!(
            value(&shells.sb.creds(), "default", "aws_session_token").is_some(),
            "{what}: the credentials file was not written\n{}",
            shells.sb.creds()
        );

        assert_eq!(out.get("prompt"), "0", "{out}");
        assert!(
            out.stdout
                .lines()
                .any(|l| l == "aws 5h59m" || l == "aws 6h0m"),
            "{what}: awsmfa prompt did not see the exported expiry\n{out}"
        );
        assert_eq!(out.get("version"), "0", "{out}");
        assert!(
            out.stdout.lines().any(|l| l == format!("awsmfa {VERSION}")),
            "{what}: --version must pass through to stdout\n{out}"
        );
        assert_eq!(out.get("usage"), "2", "{out}");
        assert_eq!(out.get("viaenv"), "0", "{out}");
        assert!(
            value(&shells.sb.creds(), "viaenv", "aws_access_key_id").is_some(),
            "{what}: {out}"
        );
        assert!(
            !out.stderr.contains("cannot be used multiple times"),
            "{out}"
        );
    }
}

// 3. the segment -------------------------------------------------------------------------------

/// A segment case: seconds left (none: no credentials), extra environment, what is drawn.
struct Case {
    name: &'static str,
    left: Option<i64>,
    env: Vec<(&'static str, String)>,
    colour: Option<Colour>,
    text: String,
}

#[test]
fn segment_text_and_colour_match_the_binary() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let t0 = now();
    let format = "⏳ {remaining} until {expiration} 100%";
    let case = |name, left, env: &[(&'static str, &str)], colour, text: &str| Case {
        name,
        left,
        env: env.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        colour,
        text: text.to_string(),
    };
    use Colour::*;
    // Seconds left keep 30 s of margin inside the minute shown.
    let cases = [
        case("3h", Some(10830), &[], Some(Green), "aws 3h0m"),
        case("30m", Some(1830), &[], Some(Yellow), "aws 30m"),
        case("5m", Some(330), &[], Some(Red), "aws 5m"),
        case("expired", Some(-30), &[], Some(Red), "aws expired"),
        case("none", None, &[], None, ""),
        case(
            "nocolor",
            Some(10830),
            &[("NO_COLOR", "1")],
            None,
            "aws 3h0m",
        ),
        case(
            "format",
            Some(10830),
            &[("AWSMFA_PROMPT_FORMAT", format)],
            Some(Green),
            &format!("⏳ 3h0m until {} 100%", rfc3339(t0 + 10830)),
        ),
        case(
            "levels",
            Some(10830),
            &[
                ("AWSMFA_PROMPT_WARN", "20000"),
                ("AWSMFA_PROMPT_CRIT", "600"),
            ],
            Some(Yellow),
            "aws 3h0m",
        ),
        case(
            "gone",
            Some(-30),
            &[("AWSMFA_PROMPT_EXPIRED", "creds gone")],
            Some(Red),
            "creds gone",
        ),
    ];
    let vars = [
        "NO_COLOR",
        "AWSMFA_PROMPT_FORMAT",
        "AWSMFA_PROMPT_WARN",
        "AWSMFA_PROMPT_CRIT",
        "AWSMFA_PROMPT_EXPIRED",
        "AWS_CREDENTIAL_EXPIRATION",
    ];
    for sh in SHELLS {
        let mut s = Script::strict(sh);
        s.line(sh.init());
        for Case {
            name, left, env, ..
        } in &cases
        {
            let mut set: Vec<String> = vars.iter().map(|v| sh.unset(v)).collect();
            match left {
                Some(o) => {
                    let exp = t0 + o;
                    set.push(sh.export("AWSMFA_EXPIRATION", &exp.to_string()));
                    set.push(sh.export("AWS_CREDENTIAL_EXPIRATION", &rfc3339(exp)));
                    if sh == Sh::Fish {
                        let file = stamp(shells.home(), exp);
                        set.push(sh.export("AWSMFA_EXPIRATION_STAMP", &file.to_string_lossy()));
                    }
                }
                None => set.push(sh.unset("AWSMFA_EXPIRATION")),
            }
            set.extend(env.iter().map(|(k, v)| sh.export(k, v)));
            s.line(&set.join("; "))
                .show(&format!("seg.{name}"), sh.rendered_segment())
                .show(&format!("raw.{name}"), &sh.var("AWSMFA_PROMPT"));
        }
        // fish without a stamp, or with the stamp of other credentials: the clock of `/`.
        if sh == Sh::Fish {
            let exp = t0 + 10830;
            let other = stamp(shells.home(), t0 + 99);
            s.line(&format!(
                "set -e NO_COLOR; set -e AWSMFA_PROMPT_WARN; set -e AWSMFA_PROMPT_EXPIRED; \
                 set -gx AWSMFA_EXPIRATION {exp}; set -e AWSMFA_EXPIRATION_STAMP"
            ))
            .show("seg.nostamp", sh.rendered_segment())
            .line(&sh.export("AWSMFA_EXPIRATION_STAMP", &other.to_string_lossy()))
            .show("seg.otherstamp", sh.rendered_segment());
        }
        let out = shells.run(&s);
        let what = sh.name();
        for Case {
            name,
            left,
            env,
            colour,
            text,
        } in &cases
        {
            let got = out.get(&format!("seg.{name}"));
            assert_eq!(
                parse_segment(got),
                (*colour, text.clone()),
                "{what} {name}: {got:?}\n{out}"
            );
            if colour.is_none() {
                assert_eq!(got, text, "{what} {name}: no escapes without colour");
            }
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let binary = shells.binary_segment(left.map(|o| t0 + o), &env);
            assert_eq!(
                parse_segment(got),
                parse_segment(&binary),
                "{what} {name}: the shell and `awsmfa prompt` disagree: {got:?} vs {binary:?}"
            );
            // Byte for byte where the shell adds nothing of its own: bash's readline markers
            // around the escapes, zsh's drawn prompt, fish's `set_color normal`.
            match sh {
                Sh::Bash => assert_eq!(got.replace(['\x01', '\x02'], ""), binary, "{name}"),
                Sh::Zsh => assert_eq!(got, binary, "{name}"),
                Sh::Fish => assert_eq!(got.replace("\x1b(B\x1b[m", "\x1b[39m"), binary, "{name}"),
            }
        }
        let raw = out.get("raw.3h");
        match sh {
            Sh::Bash => assert_eq!(raw, "\x01\x1b[32m\x02aws 3h0m\x01\x1b[39m\x02"),
            Sh::Zsh => {
                assert_eq!(raw, "%F{green}aws 3h0m%f");
                // The prompt decodes %-escapes: a literal % in the text is doubled.
                assert!(out.get("raw.format").ends_with(" 100%%%f"), "{out}");
            }
            Sh::Fish => assert_eq!(raw, "\x1b[32maws 3h0m\x1b(B\x1b[m"),
        }
        if sh == Sh::Fish {
            for name in ["seg.nostamp", "seg.otherstamp"] {
                assert_eq!(
                    parse_segment(out.get(name)),
                    (Some(Colour::Green), "aws 3h0m".to_string()),
                    "{name}\n{out}"
                );
            }
        }
    }
}

#[test]
fn seconds_field_counts_down_by_the_shell_clock() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    for sh in SHELLS {
        let t0 = now();
        let mut s = Script::strict(sh);
        s.line(sh.init())
            .line(&format!(
                "{}; {}",
                sh.export("NO_COLOR", "1"),
                sh.export("AWSMFA_PROMPT_FORMAT", "{seconds}")
            ))
            .line(&sh.export("AWSMFA_EXPIRATION", &(t0 + 5000).to_string()))
            .show("secs", &sh.var("AWSMFA_PROMPT"));
        let out = shells.run(&s);
        let secs: i64 = out.get("secs").parse().unwrap();
        let elapsed = now() - t0;
        assert!(
            (5000 - elapsed - 1..=5000).contains(&secs),
            "{}: {secs} after {elapsed} s\n{out}",
            sh.name()
        );
    }
}

// 4. the hook ----------------------------------------------------------------------------------

/// The refresh calls in the log between the marker lines `--from` and `--to`.
fn refreshes_between(calls: &str, from: &str, to: &str) -> usize {
    calls
        .lines()
        .skip_while(|l| *l != format!("--{from}"))
        .skip(1)
        .take_while(|l| *l != format!("--{to}"))
        .filter(|l| l.starts_with("refresh "))
        .count()
}

/// A line that appends `--NAME` to the call log with a builtin.
fn mark(shells: &Shells, name: &str) -> String {
    format!("echo '--{name}' >> '{}'", shells.calls_path().display())
}

#[test]
fn the_hook_renews_near_expiry_once_and_backs_off_after_a_failure() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    for sh in SHELLS {
        let shells = Shells::logged(Sandbox::with_user(moto, &user));
        // Inside the 300 s refresh window; "3m" left for the two lowered expiries below, with
        // 40 s of margin.
        let near = now() + 240;
        let mut s = Script::strict(sh);
        s.line(sh.init())
            .line(sh.init())
            .status("role", &format!("awsmfa {role} -c 123456"))
            .show("key1", &sh.var("AWS_ACCESS_KEY_ID"))
            .show("exp1", &sh.var("AWSMFA_EXPIRATION"))
            .line(&mark(&shells, "far"))
            .line(":")
            .line(":")
            // Five minutes from expiry: the hook renews from the cached MFA session.
            .line(&sh.export("AWS_PROFILE", "p"))
            .line(&mark(&shells, "near"))
            .line(&sh.export("AWSMFA_EXPIRATION", &near.to_string()))
            .show("key2", &sh.var("AWS_ACCESS_KEY_ID"))
            .show("exp2", &sh.var("AWSMFA_EXPIRATION"))
            .show("profile2", &sh.is_set("AWS_PROFILE"))
            .line(":")
            // Without the session a code is needed (exit 3): one notice, then quiet.
            .line(&mark(&shells, "forget"))
            .line("command awsmfa forget")
            .line(&sh.export("AWSMFA_EXPIRATION", &(near - 10).to_string()))
            .line(":")
            .line(":")
            .line(":")
            // Without back-off every prompt tries again, but the notice is not repeated for
            // the same credentials.
            .line(&mark(&shells, "nobackoff"))
            .line(&format!(
                "{}; {}",
                sh.export("AWSMFA_REFRESH_BACKOFF", "0"),
                sh.export("AWSMFA_EXPIRATION", &(near - 20).to_string())
            ))
            .line(":")
            .line(":")
            .line(&mark(&shells, "end"));
        let out = shells.run(&s);
        let calls = shells.calls();
        let what = sh.name();
        let ctx = format!("{out}\n--- calls\n{calls}");

        assert_eq!(out.get("role"), "0", "{ctx}");
        let key1 = out.get("key1");
        assert!(key1.starts_with("ASIA"), "{ctx}");
        assert_eq!(
            refreshes_between(&calls, "far", "near"),
            0,
            "{what}: far from expiry\n{ctx}"
        );
        assert_eq!(
            refreshes_between(&calls, "near", "forget"),
            1,
            "{what}: near expiry\n{ctx}"
        );
        let key2 = out.get("key2");
        assert!(
            key2.starts_with("ASIA") && key2 != key1,
            "{what}: not renewed\n{ctx}"
        );
        let exp2: i64 = out.get("exp2").parse().unwrap();
        assert!(
            exp2 > near + 3000,
            "{what}: {exp2} is not a new hour\n{ctx}"
        );
        assert_eq!(out.get("profile2"), "", "{ctx}");
        assert_eq!(
            refreshes_between(&calls, "forget", "nobackoff"),
            1,
            "{what}: one attempt, then back-off\n{ctx}"
        );
        // The mark line, the export line and two `:`, each followed by a prompt; one call each
        // also shows that init evaluated twice registered the hook once.
        assert_eq!(
            refreshes_between(&calls, "nobackoff", "end"),
            3,
            "{what}: without back-off\n{ctx}"
        );
        // One notice for each of the two expiries the shell held.
        assert_eq!(
            out.count("— run awsmfa to renew"),
            2,
            "{what}: one notice per expiry\n{ctx}"
        );
        assert_eq!(
            out.count("awsmfa: AWS credentials expire in 3m — run awsmfa to renew"),
            2,
            "{ctx}"
        );
        assert_eq!(out.count("could not refresh"), 0, "{ctx}");
        assert!(
            !out.stderr.contains("new MFA code is needed"),
            "{what}: refresh's own message leaked\n{ctx}"
        );
    }
}

#[test]
fn the_hook_notices_expiry_and_errors_once_each() {
    for sh in SHELLS {
        let shells = Shells::logged(Sandbox::new("http://127.0.0.1:9"));
        let t0 = now();
        let mut s = Script::strict(sh);
        s.line(sh.init())
            .line(&mark(&shells, "expired"))
            .line(&sh.export("AWSMFA_EXPIRATION", &(t0 - 30).to_string()))
            .line(":")
            .line(":")
            .line(&mark(&shells, "garbled"))
            .line(&format!(
                "{}; {}",
                sh.export("AWSMFA_SOURCE", "garbage"),
                sh.export("AWSMFA_EXPIRATION", &(t0 + 100).to_string())
            ))
            .line(":")
            .line(":")
            .line(&mark(&shells, "end"));
        let out = shells.run(&s);
        let calls = shells.calls();
        let what = sh.name();
        let ctx = format!("{out}\n--- calls\n{calls}");
        assert_eq!(
            refreshes_between(&calls, "expired", "garbled"),
            1,
            "{what}\n{ctx}"
        );
        assert_eq!(
            refreshes_between(&calls, "garbled", "end"),
            1,
            "{what}\n{ctx}"
        );
        assert_eq!(
            out.count("awsmfa: AWS credentials expired — run awsmfa to renew"),
            1,
            "{what}\n{ctx}"
        );
        assert_eq!(
            out.count("awsmfa: could not refresh AWS credentials — run awsmfa refresh to see why"),
            1,
            "{what}\n{ctx}"
        );
        assert!(
            !out.stderr.contains("AWSMFA_SOURCE is garbled"),
            "{what}: refresh's own message leaked\n{ctx}"
        );
    }
}

#[test]
fn the_hook_keeps_the_exit_status_and_prompt_command() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    // The hook goes through its refresh attempt (a process) on the first prompt, and through
    // its back-off on the others: $? must survive both.
    let expired = (now() - 30).to_string();

    // bash, PROMPT_COMMAND as a string and as an array.
    for (form, setup, want, attr) in [
        (
            "string",
            "PROMPT_COMMAND='last=$?'",
            "_awsmfa_hook;last=$?",
            "",
        ),
        (
            "array",
            "PROMPT_COMMAND=('last=$?' 'mine=ran')",
            "_awsmfa_hook last=$? mine=ran",
            "a",
        ),
        ("unset", "unset PROMPT_COMMAND", "_awsmfa_hook", ""),
    ] {
        let mut s = Script::strict(Sh::Bash);
        s.line(setup)
            .line(Sh::Bash.init())
            .line(Sh::Bash.init())
            .show("pc", "\"${PROMPT_COMMAND[*]}\"")
            .show("attr", "\"${PROMPT_COMMAND@a}\"")
            .line("PS1='[$?] $ '")
            .line(&format!("AWSMFA_EXPIRATION={expired}"))
            .line("(exit 7)")
            .show("last", "\"${last-}\"")
            .line("(exit 5)")
            .show("last2", "\"${last-}\"");
        let out = shells.run(&s);
        assert_eq!(out.get("pc"), want, "{form}\n{out}");
        assert_eq!(out.get("attr"), attr, "{form}: array or string\n{out}");
        if form != "unset" {
            assert_eq!(out.get("last"), "7", "{form}\n{out}");
            assert_eq!(out.get("last2"), "5", "{form}\n{out}");
        }
        assert!(out.stderr.contains("[7] $ "), "{form}: PS1's $?\n{out}");
        assert!(out.stderr.contains("[5] $ "), "{form}: PS1's $?\n{out}");
        assert_eq!(out.count("AWS credentials expired"), 1, "{form}\n{out}");
    }

    // zsh: the hook once in precmd_functions; %? and a later precmd hook see the status.
    let mut s = Script::strict(Sh::Zsh);
    s.line(Sh::Zsh.init())
        .line(Sh::Zsh.init())
        .line("mine() { last=$? }; add-zsh-hook precmd mine")
        .show("pf", "\"${precmd_functions[*]}\"")
        .line("PROMPT='[%?] > '")
        .line(&format!("AWSMFA_EXPIRATION={expired}"))
        .line("(exit 7)")
        .show("last", "\"${last-}\"")
        .line("(exit 5)")
        .show("last2", "\"${last-}\"");
    let out = shells.run(&s);
    assert_eq!(out.get("pf"), "_awsmfa_hook mine", "{out}");
    assert_eq!(out.get("last"), "7", "{out}");
    assert_eq!(out.get("last2"), "5", "{out}");
    assert!(out.stderr.contains("[7] > "), "{out}");
    assert!(out.stderr.contains("[5] > "), "{out}");
    assert_eq!(out.count("AWS credentials expired"), 1, "{out}");

    // fish: one handler; the handler returns the status it found.
    let mut s = Script::new(Sh::Fish);
    s.text = format!(
        "{init}\n{init}\nfunctions --handlers --handlers-type generic | string match -e _awsmfa_hook | count | string replace -r '^' 'handlers:'\n\
         set -gx AWSMFA_EXPIRATION {expired}\n\
         false; _awsmfa_hook; printf 'st1:%s\\n' $status\n\
         sh -c 'exit 7'; _awsmfa_hook; printf 'st7:%s\\n' $status\n\
         true; _awsmfa_hook; printf 'st0:%s\\n' $status\n",
        init = Sh::Fish.init()
    );
    let out = shells.run(&s);
    assert_eq!(out.get("handlers"), "1", "{out}");
    assert_eq!(out.get("st1"), "1", "{out}");
    assert_eq!(out.get("st7"), "7", "{out}");
    assert_eq!(out.get("st0"), "0", "{out}");
    assert_eq!(out.count("AWS credentials expired"), 1, "{out}");
}

// 5. processes per prompt ----------------------------------------------------------------------

/// (all, the shell's own) process starts between the openings of MARK_START and MARK_END in an
/// `strace -f` log; threads do not count.
fn forks_between_marks(trace: &str) -> (usize, usize) {
    let main = trace.split_whitespace().next().unwrap_or_default();
    let (mut on, mut all, mut own) = (false, 0, 0);
    for line in trace.lines() {
        if line.contains("MARK_START") {
            on = true;
            continue;
        }
        if line.contains("MARK_END") {
            on = false;
        }
        let fork = ["fork(", "vfork(", "clone(", "clone3("]
            .iter()
            .any(|f| line.contains(&format!(" {f}")));
        if on && fork && !line.contains("CLONE_THREAD") && !line.contains("resumed") {
            all += 1;
            if line.split_whitespace().next() == Some(main) {
                own += 1;
            }
        }
    }
    (all, own)
}

/// 60 prompts with the segment in the prompt under strace; the expiry is set on the line that
/// opens MARK_START, so the hook's first run after it is counted.
fn traced_prompts(shells: &Shells, sh: Sh, expiration: i64) -> ((usize, usize), Out, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let trace = dir.path().join("trace");
    let right = dir.path().join("right");
    let mut text = String::new();
    let mut push = |l: &str| {
        text.push_str(l);
        text.push('\n');
    };
    match sh {
        Sh::Bash => {
            push(sh.init());
            push(r"PS1='\u@\h \w ${AWSMFA_PROMPT:+$AWSMFA_PROMPT }\$ '");
            push(&format!(
                "export AWSMFA_EXPIRATION={expiration}; : > {d}/MARK_START"
            ));
            for _ in 0..60 {
                push(":");
            }
            push(&format!(": > {d}/MARK_END"));
        }
        Sh::Zsh => {
            push(sh.init());
            push(
                "setopt prompt_subst; PROMPT='%n@%m %~ ${AWSMFA_PROMPT} %# '; RPROMPT='${AWSMFA_PROMPT}'",
            );
            push(&format!(
                "export AWSMFA_EXPIRATION={expiration}; : > {d}/MARK_START"
            ));
            for _ in 0..60 {
                push(":");
            }
            push(&format!(": > {d}/MARK_END"));
        }
        Sh::Fish => {
            let file = stamp(dir.path(), expiration);
            push(sh.init());
            // fish's default prompt runs git.
            push("function fish_prompt; printf '> '; end");
            push("function fish_right_prompt; awsmfa_prompt; end");
            push(&format!(
                "set -gx AWSMFA_EXPIRATION {expiration}; set -gx AWSMFA_EXPIRATION_STAMP {}; true > {d}/MARK_START",
                file.display()
            ));
            for _ in 0..60 {
                push(&format!(
                    "emit fish_prompt; fish_prompt >/dev/null; fish_right_prompt >> {}",
                    right.display()
                ));
            }
            push(&format!("true > {d}/MARK_END"));
        }
    }
    let trace_arg = trace.to_string_lossy().into_owned();
    let mut args = vec![
        "-f",
        "-qq",
        "-o",
        &trace_arg,
        "-e",
        "trace=fork,vfork,clone,clone3,openat",
        sh.name(),
    ];
    args.extend(sh.interactive());
    let out = output_within(
        shells.command("strace", &args),
        &text,
        120,
        &format!("strace {}", sh.name()),
    );
    let trace = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(
        trace.matches("MARK_").count(),
        2,
        "{}: the markers were not both opened\n{out}",
        sh.name()
    );
    let drawn = match sh {
        Sh::Fish => std::fs::read_to_string(&right).unwrap_or_default(),
        _ => out.stderr.clone(),
    };
    (forks_between_marks(&trace), out, drawn)
}

#[test]
fn prompts_start_no_process_while_far_from_expiry() {
    need("strace");
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    for sh in SHELLS {
        let what = sh.name();
        let ((all, own), out, drawn) = traced_prompts(&shells, sh, now() + 10800);
        assert_eq!(
            (all, own),
            (0, 0),
            "{what}: processes over 60 prompts\n{out}"
        );
        let segments = drawn.matches("aws 3h0m").count() + drawn.matches("aws 2h59m").count();
        assert!(segments >= 60, "{what}: {segments} segments drawn\n{drawn}");

        // Near expiry the same count sees the hook's one refresh attempt (the back-off holds
        // the other 59): the count is not blind.
        let ((_, own), out, _) = traced_prompts(&shells, sh, now() + 200);
        assert_eq!(own, 1, "{what}: near expiry\n{out}");
    }
}

// 6. completion --------------------------------------------------------------------------------

/// A sandbox with the test config, an identity whose role history holds `role`, and `[default]`.
fn completion_sandbox() -> (Shells, String) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let shells = Shells::new(Sandbox::with_user(moto, &user));
    std::fs::write(
        shells.home().join(".aws/config"),
        format!("[profile team]\nrole_arn = {TEAM}\n"),
    )
    .unwrap();
    shells.sb.run(&[&role, "-c", "123456"]).ok();
    let history = shells.home().join(".local/share/awsmfa/roles");
    assert_eq!(
        std::fs::read_to_string(&history).unwrap(),
        format!("{role}\n")
    );
    assert_eq!(
        std::fs::metadata(&history).unwrap().permissions().mode() & 0o777,
        0o600
    );
    (shells, role)
}

#[test]
fn completion_offers_profiles_and_roles() {
    let (shells, role) = completion_sandbox();
    let role_prefix = "arn:aws:iam::123456789012:role/";
    let profiles = ["default", "identity", "team"];

    // fish: `complete -C` runs the registered completion (which calls the awsmfa function).
    let fish = |line: &str| -> Vec<String> {
        let script = format!("{}; complete -C '{line}'", Sh::Fish.init());
        let out = shells.exec("fish", &["--no-config", "-c", &script]);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out}");
        out.stdout
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(fish("awsmfa -t "), profiles, "fish -t");
    assert_eq!(fish("awsmfa forget -i i"), ["identity"], "fish forget -i");
    assert_eq!(
        fish(&format!("awsmfa {role_prefix}te")),
        [TEAM],
        "fish role"
    );
    let both = fish(&format!("awsmfa {role_prefix}"));
    assert!(
        both.contains(&TEAM.to_string()) && both.contains(&role),
        "fish: {both:?}"
    );

    // bash: the registered function, with the variables bash sets for the line (COMP_WORDS
    // split at COMP_WORDBREAKS, hence at every `:` of an ARN); bash replaces only the part
    // after the last `:`.
    let bash = |words: &[&str], line: &str| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let script = format!(
            "{init}; [[ $(complete -p awsmfa) == 'complete -F _awsmfa_complete awsmfa' ]] || exit 9; \
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             COMP_TYPE=9; COMP_KEY=9; _awsmfa_complete awsmfa \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            init = Sh::Bash.init(),
            words = quoted.join(" ")
        );
        let out = shells.exec("bash", &["--norc", "-uc", &script]);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out}");
        out.stdout.lines().map(str::to_string).collect()
    };
    // As bash splits `awsmfa arn:aws:iam::123456789012:role/te` (`::` is one word).
    let arn = |last| {
        [
            "awsmfa",
            "arn",
            ":",
            "aws",
            ":",
            "iam",
            "::",
            "123456789012",
            ":",
            last,
        ]
    };
    assert_eq!(
        bash(&arn("role/te"), &format!("awsmfa {role_prefix}te")),
        ["role/team-admin"]
    );
    let mut both = bash(&arn("role/"), &format!("awsmfa {role_prefix}"));
    both.sort();
    let mut want = vec![
        TEAM.trim_start_matches("arn:aws:iam::123456789012:")
            .to_string(),
        role.trim_start_matches("arn:aws:iam::123456789012:")
            .to_string(),
    ];
    want.sort();
    assert_eq!(both, want, "bash roles");
    assert_eq!(
        bash(&["awsmfa", "-t", ""], "awsmfa -t "),
        profiles,
        "bash -t"
    );
    assert_eq!(
        bash(&["awsmfa", "forget", "-i", "i"], "awsmfa forget -i i"),
        ["identity"],
        "bash forget -i"
    );
}

/// A shell in a tmux of its own, for completion at the keyboard.
struct Tmux {
    sock: PathBuf,
}

impl Tmux {
    fn start(shells: &Shells, extra_env: &[(&str, String)], command: &str, ready: &str) -> Tmux {
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

    fn tmux(&self, args: &[&str]) -> String {
        let sock = self.sock.to_string_lossy().into_owned();
        let mut all = vec!["-S", sock.as_str()];
        all.extend(args);
        let out = Command::new("tmux").args(&all).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// The pane once `done` holds for it; fails after 20 s with the pane.
    #[track_caller]
    fn wait_for(&self, done: impl Fn(&str) -> bool, what: &str) -> String {
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

#[test]
fn completion_and_the_mfa_prompt_at_the_keyboard() {
    let (shells, role) = completion_sandbox();
    let home = shells.home().to_path_buf();
    let prefix = "awsmfa arn:aws:iam::123456789012:role/";
    let role_name = role.rsplit('/').next().unwrap().to_string();

    let bashrc = home.join("bashrc");
    std::fs::write(
        &bashrc,
        format!(
            "{}\nPS1='${{AWSMFA_PROMPT:+$AWSMFA_PROMPT }}READY$ '\n",
            Sh::Bash.init()
        ),
    )
    .unwrap();
    // compinit first: compdef exists only after it.
    std::fs::write(
        home.join(".zshrc"),
        format!(
            "autoload -Uz compinit && compinit -u -D\n{}\n\
             setopt prompt_subst; PROMPT='${{AWSMFA_PROMPT}} READY%# '\n",
            Sh::Zsh.init()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(home.join(".config/fish")).unwrap();
    std::fs::write(
        home.join(".config/fish/config.fish"),
        format!(
            "set -g fish_greeting\n{}\nfunction fish_prompt; printf 'READY> '; end\n\
             function fish_right_prompt; awsmfa_prompt; end\n",
            Sh::Fish.init()
        ),
    )
    .unwrap();

    for (sh, command, env) in [
        (
            Sh::Bash,
            format!("bash --rcfile {} -i", bashrc.display()),
            vec![],
        ),
        (
            Sh::Zsh,
            "zsh -i".to_string(),
            vec![("ZDOTDIR", home.display().to_string())],
        ),
        (
            Sh::Fish,
            "fish".to_string(),
            vec![(
                "XDG_CONFIG_HOME",
                home.join(".config").display().to_string(),
            )],
        ),
    ] {
        need(sh.name());
        let what = sh.name();
        let t = Tmux::start(&shells, &env, &command, "READY");
        // One candidate: the line is completed in place.
        t.keys(&[&format!("{prefix}te"), "Tab"]);
        t.wait_for(
            |p| p.contains(&format!("{prefix}team-admin")),
            &format!("{what}: the config's role"),
        );
        t.keys(&["C-u"]);
        t.wait_for(|p| !p.contains("team-admin"), "the cleared line");
        t.keys(&[&format!("{prefix}{}", &role_name[..6]), "Tab"]);
        t.wait_for(
            |p| p.contains(&format!("{prefix}{role_name}")),
            &format!("{what}: the history's role {role_name}"),
        );
        t.keys(&["C-u"]);
        t.wait_for(|p| !p.contains(&role_name), "the cleared line");
        // Several: listed (bash on the second Tab).
        t.keys(&["awsmfa -t ", "Tab", "Tab"]);
        t.wait_for(
            |p| {
                ["default", "identity", "team"]
                    .iter()
                    .all(|n| p.contains(n))
            },
            &format!("{what}: the profiles"),
        );
        let pane = t.tmux(&["capture-pane", "-p", "-J"]);
        for bad in ["command not found", "Unknown command", "error"] {
            assert!(!pane.contains(bad), "{what}: {bad}\n{pane}");
        }

        // The function asks for the code on the terminal and evals what the binary printed;
        // the next prompt draws the segment.
        t.keys(&["C-u", "C-l"]);
        t.keys(&["awsmfa -t typed --no-cache", "Enter"]);
        t.wait_for(
            |p| p.contains("MFA Token Code:"),
            &format!("{what}: the MFA prompt"),
        );
        // A code of each shell's own: one just used is refused.
        let code = match sh {
            Sh::Bash => "111111",
            Sh::Zsh => "222222",
            Sh::Fish => "333333",
        };
        t.keys(&[code, "Enter"]);
        t.wait_for(
            |p| p.contains("Temporary credentials will expire in"),
            &format!("{what}: the credentials"),
        );
        t.keys(&["echo \"K=$AWS_ACCESS_KEY_ID\"", "Enter"]);
        let pane = t.wait_for(
            |p| p.contains("K=AKIAIOSFODNN7EXAMPLE"),
            &format!("{what}: the exported key"),
        );
        assert!(
            pane.contains("aws 5h59m") || pane.contains("aws 6h0m"),
            "{what}: no segment drawn\n{pane}"
        );
        assert!(
            value(&shells.sb.creds(), "typed", "aws_access_key_id").is_some(),
            "{what}"
        );
    }
}

// 7. completions/ ------------------------------------------------------------------------------

#[test]
fn checked_in_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (shell, file) in [
        ("bash", "completions/awsmfa.bash"),
        ("zsh", "completions/_awsmfa"),
        ("fish", "completions/awsmfa.fish"),
    ] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "awsmfa completions {shell}");
        let checked_in = std::fs::read(root.join(file)).unwrap_or_default();
        if out.stdout != checked_in {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "{} differ from `awsmfa completions`; regenerate them with\n  \
         for s in bash:awsmfa.bash zsh:_awsmfa fish:awsmfa.fish; do \
         cargo run -q -- completions \"${{s%%:*}}\" > \"completions/${{s#*:}}\"; done",
        stale.join(", ")
    );
}

// 8. linters -----------------------------------------------------------------------------------

#[test]
fn the_scripts_pass_their_linters() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let file = |name: &str| root.join("shell").join(name).to_string_lossy().into_owned();
    // What init prints: the script and clap's registration.
    let init = |sh: &str| {
        let path = shells.home().join(format!("init.{sh}"));
        let out = Command::new(BIN).args(["init", sh]).output().unwrap();
        std::fs::write(&path, out.stdout).unwrap();
        path.to_string_lossy().into_owned()
    };
    let (bash, zsh, fish) = (file("awsmfa.bash"), file("awsmfa.zsh"), file("awsmfa.fish"));
    let (init_bash, init_zsh, init_fish) = (init("bash"), init("zsh"), init("fish"));
    for (program, args) in [
        ("shellcheck", vec!["-s", "bash", bash.as_str()]),
        ("shellcheck", vec!["-s", "bash", init_bash.as_str()]),
        ("zsh", vec!["-n", zsh.as_str()]),
        ("zsh", vec!["-n", init_zsh.as_str()]),
        ("fish", vec!["--no-config", "--no-execute", fish.as_str()]),
        (
            "fish",
            vec!["--no-config", "--no-execute", init_fish.as_str()],
        ),
        ("fish_indent", vec!["--check", fish.as_str()]),
    ] {
        let out = shells.exec(program, &args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{out}"
        );
    }
    // fish_indent round-trips the file byte for byte.
    let text = std::fs::read_to_string(&fish).unwrap();
    let out = output_within(shells.command("fish_indent", &[]), &text, 30, "fish_indent");
    assert_eq!(
        out.stdout, text,
        "fish_indent would change shell/awsmfa.fish"
    );
}
