//! Completion through each shell's own machinery, also at the keyboard in tmux.

use super::kit::*;
use crate::harness::*;
use std::os::unix::fs::PermissionsExt;

/// The tests' role in the test ~/.aws/config.
const TEAM: &str = "arn:aws:iam::123456789012:role/team-admin";

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
#[test]
fn serial_number_completes_with_the_devices_awsmfa_has_seen() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let shells = Shells::new(Sandbox::with_user(moto, &user));
    let configured = "arn:aws:iam::123456789012:mfa/configured";
    let key = "arn:aws:iam::123456789012:u2f/user/alice/key-1";
    std::fs::write(
        shells.home().join(".aws/config"),
        format!("[profile a]\nmfa_serial = {configured}\n[profile b]\nmfa_serial = {key}\n"),
    )
    .unwrap();
    // The discovered device, which a code was sent to.
    shells.sb.run(&["-c", "123456"]).ok();
    let fish = |line: &str| -> Vec<String> {
        let script = format!("{}; complete -C '{line}'", Sh::Fish.init());
        let out = shells.exec("fish", &["--no-config", "-c", &script]);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out}");
        out.stdout
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    // No FIDO key: it cannot take a code.
    assert_eq!(
        fish("awsmfa --serial-number "),
        [configured, user.serials[0].as_str()]
    );
    assert_eq!(
        fish("awsmfa console --serial-number arn:aws:iam::123456789012:mfa/c"),
        [configured]
    );
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

/// Profiles whose names a shell must not take apart or run, next to the test identity: a
/// blank, a command substitution (it would create `pwned` in HOME), a pattern and a quote.
/// Returns the sandbox and the substitution profile's name. The shells start in `~/globs`,
/// where `starfile1` and `starfile2` match `star*`.
fn awkward_profiles() -> (Shells, String) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let shells = Shells::new(Sandbox::with_user(moto, &user));
    let home = shells.home().to_path_buf();
    let substitution = format!("pwn$(touch {}/pwned)", home.display());
    let sections: String = ["my prof", &substitution, "star*", "it's"]
        .iter()
        .map(|name| format!("[{name}]\nregion = us-east-1\n"))
        .collect();
    std::fs::write(
        shells.sb.creds_path(),
        format!("{}{sections}", shells.sb.creds()),
    )
    .unwrap();
    std::fs::create_dir(home.join("globs")).unwrap();
    for file in ["starfile1", "starfile2"] {
        std::fs::write(home.join("globs").join(file), "").unwrap();
    }
    std::fs::write(
        home.join("bashrc"),
        format!("{}\nPS1='READY$ '\ncd ~/globs\n", Sh::Bash.init()),
    )
    .unwrap();
    (shells, substitution)
}

#[test]
fn bash_completion_quotes_each_candidate_for_where_it_goes() {
    let (shells, substitution) = awkward_profiles();
    // COMPREPLY for a line typed up to the cursor, as readline calls the function.
    let complete = |line: &str| -> Vec<String> {
        let script = "source ~/bashrc; COMP_LINE=$LINE; COMP_POINT=${#COMP_LINE}; \
                      _awsmfa_complete awsmfa; printf '%s\\n' \"${COMPREPLY[@]}\"";
        let mut cmd = shells.command("bash", &["--norc", "-uc", script]);
        cmd.env("LINE", line);
        let out = output_within(cmd, "", 60, line);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out}");
        out.stdout.lines().map(str::to_string).collect()
    };
    let home = shells.home().display().to_string();
    for (line, want) in [
        ("awsmfa -t my", r"my\ prof".to_string()),
        (r"awsmfa -t my\ p", r"my\ prof".to_string()),
        // After an open quote readline keeps the quote and closes it after the candidate.
        ("awsmfa -t 'my p", "my prof".to_string()),
        ("awsmfa -t pw", format!(r"pwn\$\(touch\ {home}/pwned\)")),
        ("awsmfa -t \"pw", format!(r"pwn\$(touch {home}/pwned)")),
        ("awsmfa -t st", r"star\*".to_string()),
        ("awsmfa -t it", r"it\'s".to_string()),
        ("awsmfa -t 'it", r"it'\''s".to_string()),
        (
            "awsmfa -i identity -t \"my prof\" --profile=my",
            r"my\ prof".to_string(),
        ),
    ] {
        assert_eq!(complete(line), [want], "{line}");
    }
    assert!(!shells.home().join("pwned").exists(), "{substitution} ran");
}

/// Interactive bash in tmux, in ~/globs.
fn bash_in_tmux(shells: &Shells) -> Tmux {
    let rc = shells.home().join("bashrc");
    Tmux::start(
        shells,
        &[],
        &format!("bash --rcfile {} -i", rc.display()),
        "READY",
    )
}

/// Types `awsmfa -c 123456 -t PREFIX`, Tab; waits for the completed line to show `shown`,
/// then runs it and waits for the next prompt.
fn complete_and_run(t: &Tmux, prefix: &str, shown: impl Fn(&str) -> bool, what: &str) {
    t.keys(&[&format!("awsmfa -c 123456 -t {prefix}"), "Tab"]);
    t.wait_for(shown, what);
    t.keys(&["Enter"]);
    t.wait_for(|p| p.matches("READY$").count() == 2, "the next prompt");
}

#[test]
fn bash_completes_a_profile_with_a_blank_as_one_word() {
    let (shells, _) = awkward_profiles();
    let t = bash_in_tmux(&shells);
    complete_and_run(
        &t,
        "my",
        |p| p.contains(r"-t my\ prof "),
        r"the completion `my\ prof`",
    );
    assert!(value(&shells.sb.creds(), "my prof", "aws_access_key_id").is_some());
}

#[test]
fn a_completed_profile_named_like_a_command_runs_nothing() {
    let (shells, substitution) = awkward_profiles();
    let t = bash_in_tmux(&shells);
    // However it is quoted: the line is completed up to the substitution's end.
    complete_and_run(&t, "pw", |p| p.contains("pwned"), "the completion");
    assert!(
        !shells.home().join("pwned").exists(),
        "the completed line ran touch\n{}",
        t.tmux(&["capture-pane", "-p", "-J"])
    );
    assert!(value(&shells.sb.creds(), &substitution, "aws_access_key_id").is_some());
}

#[test]
fn a_completed_star_profile_stays_literal_where_files_match() {
    let (shells, _) = awkward_profiles();
    let t = bash_in_tmux(&shells);
    complete_and_run(
        &t,
        "st",
        |p| p.contains(r"-t star\* "),
        r"the completion `star\*`",
    );
    let text = shells.sb.creds();
    assert!(
        value(&text, "star*", "aws_access_key_id").is_some(),
        "{text}"
    );
    assert!(!text.contains("starfile"), "{text}");
}
