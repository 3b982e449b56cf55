//! The expiry hook: renewal near expiry, its back-off, its notices, and what it leaves alone.

use super::kit::*;
use crate::harness::*;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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
            // Without back-off every check tries again, before each command line and each
            // prompt, but the notice is not repeated for the same credentials.
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
        // The prompts after the export line and the two `:`, and the checks before those two
        // and the end mark's line (the export line's ran while the back-off held); one call
        // each also shows that init evaluated twice registered each hook once.
        assert_eq!(
            refreshes_between(&calls, "nobackoff", "end"),
            6,
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

/// The refresh calls in the log.
fn refreshes(calls: &str) -> usize {
    calls.lines().filter(|l| l.starts_with("refresh ")).count()
}

/// `sh` in a terminal holding a role's credentials from `awsmfa` (AWSMFA_SOURCE records the
/// role; the MFA session is cached), then `setup`, then left at its prompt until the
/// credentials have expired: they expire 2 s after the prompt is drawn, and with no refresh
/// window that prompt has no reason to renew them. Returns the terminal and the expired key.
fn left_at_the_prompt_past_expiry(
    shells: &Shells,
    sh: Sh,
    role: &str,
    setup: &str,
) -> (Tmux, String) {
    let what = sh.name();
    let t = Tmux::shell(shells, sh);
    t.run(&format!("awsmfa {role} -c 123456"));
    let key = t.run("printenv AWS_ACCESS_KEY_ID").concat();
    assert!(key.starts_with("ASIA"), "{what}: {key:?}\n{}", t.history());
    if !setup.is_empty() {
        t.run(setup);
    }
    // The shell's own clock, at the moment the line runs.
    t.run(&match sh {
        Sh::Fish => "set -gx AWSMFA_REFRESH_WINDOW 0; \
                     set -gx AWSMFA_EXPIRATION (math (date +%s) + 2)"
            .to_string(),
        _ => "export AWSMFA_REFRESH_WINDOW=0 AWSMFA_EXPIRATION=$((EPOCHSECONDS + 2))".to_string(),
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        refreshes(&shells.calls()),
        0,
        "{what}: renewed before the prompt sat past expiry\n{}",
        t.history()
    );
    (t, key)
}

#[test]
fn a_command_typed_after_expiry_runs_with_renewed_credentials() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    std::thread::scope(|scope| {
        for sh in SHELLS {
            let (user, role) = (&user, &role);
            scope.spawn(move || {
                let what = sh.name();
                let shells = Shells::logged(Sandbox::with_user(moto, user));
                let (t, old) = left_at_the_prompt_past_expiry(&shells, sh, role, "");
                let out = t.run("printenv AWS_ACCESS_KEY_ID");
                let ctx = || {
                    format!(
                        "--- terminal\n{}\n--- calls\n{}",
                        t.history(),
                        shells.calls()
                    )
                };
                assert_eq!(out.len(), 1, "{what}: {out:?}\n{}", ctx());
                assert_ne!(
                    out[0],
                    old,
                    "{what}: the command ran with the expired key\n{}",
                    ctx()
                );
                assert!(out[0].starts_with("ASIA"), "{what}: {out:?}\n{}", ctx());
                assert_eq!(refreshes(&shells.calls()), 1, "{what}\n{}", ctx());
                let exp: i64 = t
                    .run(&format!("echo {}", sh.var("AWSMFA_EXPIRATION")))
                    .concat()
                    .parse()
                    .unwrap();
                assert!(
                    exp > now() + 3000,
                    "{what}: {exp} is not a new hour\n{}",
                    ctx()
                );
                // Renewed: the next command starts nothing.
                t.run(":");
                assert_eq!(refreshes(&shells.calls()), 1, "{what}\n{}", ctx());
            });
        }
    });
}

#[test]
fn a_hung_endpoint_holds_the_typed_command_for_seconds_only() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let hung = Fake::start(|_| Reply::Hang);
    std::thread::scope(|scope| {
        for sh in SHELLS {
            let (user, role, hung) = (&user, &role, &hung);
            scope.spawn(move || {
                let what = sh.name();
                let shells = Shells::logged(Sandbox::with_user(moto, user));
                let to_hung = sh.export("AWS_ENDPOINT_URL", &hung.url);
                let (t, old) = left_at_the_prompt_past_expiry(&shells, sh, role, &to_hung);
                let start = Instant::now();
                let out = t.run("printenv AWS_ACCESS_KEY_ID");
                let took = start.elapsed();
                let ctx = format!(
                    "--- terminal\n{}\n--- calls\n{}",
                    t.history(),
                    shells.calls()
                );
                // One attempt, given up after 2 s (measured: 2.5 s to the next prompt, with a
                // debug binary and the terminal polled); one line says so; the command runs.
                assert!(
                    took < Duration::from_secs(4),
                    "{what}: the command and the next prompt took {took:?}\n{ctx}"
                );
                assert_eq!(
                    out,
                    [
                        "awsmfa: could not refresh AWS credentials — run awsmfa refresh to see why",
                        old.as_str()
                    ],
                    "{what}\n{ctx}"
                );
                assert_eq!(refreshes(&shells.calls()), 1, "{what}\n{ctx}");
            });
        }
    });
    assert!(
        hung.requests.load(Ordering::SeqCst) >= 3,
        "the refreshes did not reach the hung endpoint"
    );
}

#[test]
fn the_check_before_commands_keeps_status_last_argument_and_other_hooks() {
    // Expired, without back-off: the check before every command line runs `awsmfa refresh`
    // (which needs a code: one notice), so all that follows survives a real attempt.
    let expired = "export AWSMFA_EXPIRATION=1 AWSMFA_REFRESH_BACKOFF=0";
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));

    // bash, alone and after a DEBUG trap of the user's that records what it sees.
    let user_trap =
        r#"trap 'st=$? la=$_; case $BASH_COMMAND in *status*) seen="$st $la" ;; esac' DEBUG"#;
    for prior in ["", user_trap] {
        let mut s = Script::strict(Sh::Bash);
        s.line("seen=none");
        if !prior.is_empty() {
            s.line(prior);
        }
        s.line(Sh::Bash.init())
            .line(Sh::Bash.init())
            .show("trap", "\"$(trap -p DEBUG)\"")
            .line(expired)
            .line("echo a b lastword >/dev/null; (exit 7)")
            .show("status", "\"$? $_\"")
            .show("seen", "\"$seen\"")
            .line("false | true")
            .show("pipe", "\"${PIPESTATUS[*]}\"")
            // With extdebug a DEBUG trap that fails skips the command.
            .line("shopt -s extdebug")
            .line("(exit 3)")
            .show("extdebug", "\"$? ran\"");
        let out = shells.run(&s);
        let what = if prior.is_empty() {
            "bash"
        } else {
            "bash with a DEBUG trap"
        };
        assert_eq!(
            out.get("trap"),
            r#"trap -- '_awsmfa_debug "$_"' DEBUG"#,
            "{what}\n{out}"
        );
        assert_eq!(out.get("status"), "7 lastword", "{what}\n{out}");
        let seen = if prior.is_empty() {
            "none"
        } else {
            "7 lastword"
        };
        assert_eq!(out.get("seen"), seen, "{what}: the user's trap\n{out}");
        assert_eq!(out.get("pipe"), "1 0", "{what}\n{out}");
        assert_eq!(out.get("extdebug"), "3 ran", "{what}\n{out}");
        // One notice: a trap traced into the hook (extdebug) cannot change what it saw.
        assert_eq!(
            out.count("awsmfa: AWS credentials expired"),
            1,
            "{what}\n{out}"
        );
        assert_eq!(out.count("could not refresh"), 0, "{what}\n{out}");
    }

    // zsh: the user's preexec hook runs after ours and sees the status.
    let mut s = Script::strict(Sh::Zsh);
    s.line(Sh::Zsh.init())
        .line(Sh::Zsh.init())
        .line("seen=none; mine() { local st=$?; [[ $1 != *status* ]] || seen=$st }")
        .line("add-zsh-hook preexec mine")
        .show("pf", "\"${preexec_functions[*]}\"")
        .line(expired)
        .line("echo a b lastword >/dev/null; (exit 7)")
        .show("status", "\"$?\"")
        .show("seen", "\"$seen\"")
        .line("echo a b lastword >/dev/null")
        .show("last", "\"$_\"");
    let out = shells.run(&s);
    assert_eq!(out.get("pf"), "_awsmfa_hook mine", "{out}");
    assert_eq!(out.get("status"), "7", "{out}");
    assert_eq!(out.get("seen"), "7", "{out}");
    assert_eq!(out.get("last"), "lastword", "{out}");
    assert_eq!(out.count("awsmfa: AWS credentials expired"), 1, "{out}");
}
