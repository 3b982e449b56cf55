//! The processes a prompt, and the check before each command line, start, counted under strace.

use super::kit::*;
use crate::harness::*;

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

/// What a traced run exercises.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    /// The prompt: 60 prompts drawn with the segment.
    Prompts,
    /// The check before commands alone (the prompt hook removed): 60 command lines of three
    /// builtins each.
    Commands,
}

/// 60 prompts or command lines under strace; the expiry (and `setup`) is set on the line that
/// opens MARK_START, so the hooks' first runs after it are counted.
fn traced(
    shells: &Shells,
    sh: Sh,
    path: Path,
    expiration: i64,
    setup: &str,
) -> ((usize, usize), Out, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let trace = dir.path().join("trace");
    let right = dir.path().join("right");
    let mut text = String::new();
    let mut push = |l: &str| {
        text.push_str(l);
        text.push('\n');
    };
    let command = match path {
        Path::Prompts => ":",
        Path::Commands => ": ; : ; :",
    };
    match sh {
        Sh::Bash => {
            push(sh.init());
            push(r"PS1='\u@\h \w ${AWSMFA_PROMPT:+$AWSMFA_PROMPT }\$ '");
            if path == Path::Commands {
                push("PROMPT_COMMAND=");
            }
            push(&format!(
                "export AWSMFA_EXPIRATION={expiration} {setup}; : > {d}/MARK_START"
            ));
            for _ in 0..60 {
                push(command);
            }
            push(&format!(": > {d}/MARK_END"));
        }
        Sh::Zsh => {
            push(sh.init());
            push(
                "setopt prompt_subst; PROMPT='%n@%m %~ ${AWSMFA_PROMPT} %# '; RPROMPT='${AWSMFA_PROMPT}'",
            );
            if path == Path::Commands {
                push("add-zsh-hook -d precmd _awsmfa_hook");
            }
            push(&format!(
                "export AWSMFA_EXPIRATION={expiration} {setup}; : > {d}/MARK_START"
            ));
            for _ in 0..60 {
                push(command);
            }
            push(&format!(": > {d}/MARK_END"));
        }
        Sh::Fish => {
            let file = stamp(dir.path(), expiration);
            push(sh.init());
            // fish's default prompt runs git.
            push("function fish_prompt; printf '> '; end");
            push("function fish_right_prompt; awsmfa_prompt; end");
            let setup = match setup.split_once('=') {
                Some((name, value)) => format!("; set -gx {name} {value}"),
                None => String::new(),
            };
            push(&format!(
                "set -gx AWSMFA_EXPIRATION {expiration}; set -gx AWSMFA_EXPIRATION_STAMP {}{setup}; true > {d}/MARK_START",
                file.display()
            ));
            for _ in 0..60 {
                match path {
                    Path::Prompts => push(&format!(
                        "emit fish_prompt; fish_prompt >/dev/null; fish_right_prompt >> {}",
                        right.display()
                    )),
                    // The event an interactive fish fires before a command line.
                    Path::Commands => push(&format!("emit fish_preexec; {command}")),
                }
            }
            let end = format!("true > {d}/MARK_END");
            match path {
                Path::Prompts => push(&end),
                Path::Commands => push(&format!("emit fish_preexec; {end}")),
            }
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
        let ((all, own), out, drawn) = traced(&shells, sh, Path::Prompts, now() + 10800, "");
        assert_eq!(
            (all, own),
            (0, 0),
            "{what}: processes over 60 prompts\n{out}"
        );
        let segments = drawn.matches("aws 3h0m").count() + drawn.matches("aws 2h59m").count();
        assert!(segments >= 60, "{what}: {segments} segments drawn\n{drawn}");

        // Near expiry the same count sees the hook's one refresh attempt (the back-off holds
        // the other 59): the count is not blind.
        let ((_, own), out, _) = traced(&shells, sh, Path::Prompts, now() + 200, "");
        assert_eq!(own, 1, "{what}: near expiry\n{out}");
    }
}

#[test]
fn the_check_before_commands_starts_no_process_while_far_from_expiry() {
    need("strace");
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    for sh in SHELLS {
        let what = sh.name();
        let ((all, own), out, _) = traced(&shells, sh, Path::Commands, now() + 10800, "");
        assert_eq!(
            (all, own),
            (0, 0),
            "{what}: processes over 60 command lines\n{out}"
        );

        // Near expiry the check makes its one refresh attempt (the back-off holds the other
        // 59): it runs, and the count sees it.
        let ((_, own), out, _) = traced(&shells, sh, Path::Commands, now() + 200, "");
        assert_eq!(own, 1, "{what}: near expiry\n{out}");
        // Without back-off, one attempt per command line, not per command: the 60 lines and
        // the one that opens MARK_END.
        let ((_, own), out, _) = traced(
            &shells,
            sh,
            Path::Commands,
            now() + 200,
            "AWSMFA_REFRESH_BACKOFF=0",
        );
        assert_eq!(own, 61, "{what}: without back-off\n{out}");
    }
}
