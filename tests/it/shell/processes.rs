//! The processes a prompt starts, counted under strace.

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
