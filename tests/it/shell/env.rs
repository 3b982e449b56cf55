//! What `--env` and `refresh` print runs in the shell that evaluates it, whatever `$SHELL`
//! (the login shell) names: POSIX code unless fish's is asked for, evaluated quoted
//! (`eval "$(awsmfa --env)"`) or unquoted (0.2.x's `eval $(awsmfa --env)`), in bash, zsh,
//! dash and fish. A value no shell could carry in every form is refused, never run.

use super::kit::*;
use crate::harness::*;

/// The login shell of a fish user, who runs bash, zsh or dash scripts too.
const FISH_LOGIN: &str = "/usr/bin/fish";

/// The variables `--env` exports besides fish's stamp.
const VARS: [&str; 7] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWSMFA_EXPIRATION",
    "AWSMFA_SOURCE",
];

/// A way of evaluating awsmfa's output: the shell, its arguments before the script, and the
/// statement that evaluates the output of a command line.
struct Eval {
    shell: &'static str,
    args: &'static [&'static str],
    what: &'static str,
    eval: fn(&str) -> String,
}

impl Eval {
    fn fish(&self) -> bool {
        self.shell == "fish"
    }

    /// A statement printing `KEY:value` of the exported (environment) variable `name`.
    fn show(&self, key: &str, name: &str) -> String {
        if self.fish() {
            format!("printf '%s:%s\\n' {key} (printenv {name})")
        } else {
            format!("printf '%s:%s\\n' {key} \"$(printenv {name})\"")
        }
    }
}

/// POSIX code in the POSIX shells, both forms; bash's unquoted form with nullglob and extglob,
/// under which a word with a pattern character vanishes or changes.
const POSIX: [Eval; 6] = [
    Eval {
        shell: "bash",
        args: &["--norc", "-c"],
        what: "bash: eval \"$(…)\"",
        eval: |cmd| format!("eval \"$({cmd})\""),
    },
    Eval {
        shell: "bash",
        args: &["--norc", "-c"],
        what: "bash (nullglob, extglob): eval $(…)",
        eval: |cmd| format!("shopt -s nullglob extglob; eval $({cmd})"),
    },
    Eval {
        shell: "zsh",
        args: &["-f", "-c"],
        what: "zsh: eval \"$(…)\"",
        eval: |cmd| format!("eval \"$({cmd})\""),
    },
    Eval {
        shell: "zsh",
        args: &["-f", "-c"],
        what: "zsh: eval $(…)",
        eval: |cmd| format!("eval $({cmd})"),
    },
    Eval {
        shell: "dash",
        args: &["-c"],
        what: "dash: eval \"$(…)\"",
        eval: |cmd| format!("eval \"$({cmd})\""),
    },
    Eval {
        shell: "dash",
        args: &["-c"],
        what: "dash: eval $(…)",
        eval: |cmd| format!("eval $({cmd})"),
    },
];

/// fish sources its own code (`--shell fish`): the POSIX lines start `NAME=value;` as awsmfa
/// 0.2's did (scripts grep them), which fish cannot parse.
const FISH: [Eval; 2] = [
    Eval {
        shell: "fish",
        args: &["--no-config", "-c"],
        what: "fish: … | source",
        eval: |cmd| format!("{cmd} | source"),
    },
    Eval {
        shell: "fish",
        args: &["--no-config", "-c"],
        what: "fish: eval (…)",
        eval: |cmd| format!("eval ({cmd})"),
    },
];

#[test]
fn env_and_refresh_code_runs_in_posix_shells_whatever_shell_names() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let mut sb = Sandbox::new(&moto.url);
    sb.set("SHELL", FISH_LOGIN);
    // A credentials path that no word splitting or globbing may touch: two blanks and a star.
    let dir = sb.home().join("my  aws*dir");
    std::fs::create_dir(&dir).unwrap();
    let creds = dir.join("credentials");
    std::fs::write(&creds, user.identity_section()).unwrap();
    let path = creds.to_str().unwrap();
    // The MFA session, cached: the shells below need no code.
    sb.run(&["-c", "123456", "--aws-credentials", path]).ok();
    let shells = Shells::new(sb);
    // So that unquoted `aws*dir` would match something, were it globbed.
    std::fs::create_dir(shells.home().join("my  aws-dir")).unwrap();

    let snapshot = shells.home().join("credentials-after-get");
    for e in POSIX.iter().chain(&FISH) {
        let flag = if e.fish() { " --shell fish" } else { "" };
        let get = (e.eval)(&format!(
            "awsmfa {role} --aws-credentials '{path}' -t shell --env{flag} 2>/dev/null"
        ));
        let refresh = (e.eval)(&format!("awsmfa refresh{flag} 2>/dev/null"));
        let lower = if e.fish() {
            "set -gx AWSMFA_EXPIRATION (math $AWSMFA_EXPIRATION - 3000)"
        } else {
            "AWSMFA_EXPIRATION=$((AWSMFA_EXPIRATION - 3000))"
        };
        let mut script = vec![get, format!("cp '{path}' '{}'", snapshot.display())];
        script.extend(VARS.iter().map(|v| e.show(&format!("GET_{v}"), v)));
        // Fifty minutes later, as the hook sees it: refresh must find the credentials file
        // again from AWSMFA_SOURCE, and its code must run too.
        script.extend([lower.to_string(), refresh]);
        script.extend(VARS.iter().map(|v| e.show(&format!("REFRESH_{v}"), v)));
        let mut cmd = shells.command(e.shell, e.args);
        cmd.arg(script.join("\n")).current_dir(shells.home());
        let out = output_within(cmd, "", 60, e.what);
        let what = e.what;
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{what}: {out}");
        for (step, file) in [("GET", &snapshot), ("REFRESH", &creds)] {
            let text = std::fs::read_to_string(file).unwrap();
            let file = |key| value(&text, "shell", key).unwrap();
            let var = |name| out.get(&format!("{step}_{name}")).to_string();
            assert!(
                var("AWS_ACCESS_KEY_ID").starts_with("ASIA"),
                "{what}: {out}"
            );
            for (name, key) in [
                ("AWS_ACCESS_KEY_ID", "aws_access_key_id"),
                ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"),
                ("AWS_SESSION_TOKEN", "aws_session_token"),
                ("AWS_SECURITY_TOKEN", "aws_session_token"),
                ("AWS_CREDENTIAL_EXPIRATION", "expiration"),
            ] {
                assert_eq!(var(name), file(key), "{what}: {step} {name}\n{out}");
            }
            let expiration: i64 = var("AWSMFA_EXPIRATION").parse().unwrap();
            assert!(
                (3500..=3600).contains(&(expiration - now())),
                "{what}: {step}\n{out}"
            );
            assert!(var("AWSMFA_SOURCE").contains("credentials="), "{what}");
        }
    }
}

const IDENTITY: &str = "[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n";

#[test]
fn values_crafted_to_break_out_of_quoting_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("pwned");
    let m = mark.display();
    // Each tried as the secret and the token: refused, or (`true`) exported as it is.
    let cases = [
        // fish's quoting turns ' into \', in POSIX a backslash that ends a quoted string:
        // `set -gx A '\'; touch …; #'` runs touch in bash, zsh and dash.
        ("fish quotes", format!("'; touch {m}; #"), false),
        ("POSIX quotes", format!("'; touch {m}; '"), false),
        ("backslash", format!("\\'; touch {m}; #\\"), false),
        ("substitution", format!("$(touch {m})`touch {m}`"), false),
        ("line break", format!("x\ntouch {m}\n'"), false),
        // Single quotes do not protect this one from unquoted eval under nullglob: the words
        // `A='p*` and `*'` hold a `*` and vanish, with the quotes that kept the rest a string.
        ("pattern", format!("p* ;touch {m}; *"), false),
        ("tab and blanks", "a\t b  c".to_string(), false),
        // Refused where they arrive (sts_answers.rs) unless made of what AWS issues.
        ("every character AWS issues", "AZaz09+/=".to_string(), true),
    ];
    for (case, hostile, exact) in cases {
        let value = hostile.clone();
        let fake = Fake::start(move |_| {
            Reply::Http(
                200,
                sts_credentials(
                    "GetSessionToken",
                    "ASIAHOSTILE",
                    &value,
                    &value,
                    crate::sts_answers::far(),
                ),
            )
        });
        let mut sb = Sandbox::new(&fake.url);
        sb.set("SHELL", FISH_LOGIN);
        sb.write_creds(IDENTITY);
        let shells = Shells::new(sb);
        let err = shells.home().join("awsmfa.err");
        let evals: Vec<(&Eval, &str)> = POSIX
            .iter()
            .map(|e| (e, ""))
            .chain([(&FISH[0], " --shell fish")])
            .collect();
        for (e, shell_flag) in evals {
            let what = format!("{case}: {}{shell_flag}", e.what);
            let get = (e.eval)(&format!(
                "awsmfa -c skip --env{shell_flag} 2>'{}'",
                err.display()
            ));
            let script = [
                get,
                e.show("SECRET", "AWS_SECRET_ACCESS_KEY"),
                e.show("TOKEN", "AWS_SESSION_TOKEN"),
            ]
            .join("\n");
            let mut cmd = shells.command(e.shell, e.args);
            cmd.arg(script).current_dir(shells.home());
            let out = output_within(cmd, "", 60, &what);
            assert!(!mark.exists(), "{what}: the value ran a command\n{out}");
            assert_eq!(out.stderr, "", "{what}: {out}");
            let awsmfa_err = std::fs::read_to_string(&err).unwrap();
            if exact {
                assert_eq!(out.get("SECRET"), hostile, "{what}");
                assert_eq!(out.get("TOKEN"), hostile, "{what}");
            } else {
                assert_eq!(out.stdout, "SECRET:\nTOKEN:\n", "{what}: {out}");
                let errors = awsmfa_err
                    .lines()
                    .filter(|l| l.starts_with("awsmfa: error: "));
                assert_eq!(errors.count(), 1, "{what}: one error line: {awsmfa_err}");
                assert!(!awsmfa_err.contains("touch"), "{what}: {awsmfa_err}");
            }
        }
        if !exact {
            for flags in [&["--env"][..], &["--env", "--shell", "fish"]] {
                let mut args = vec!["-c", "skip"];
                args.extend(flags);
                shells
                    .sb
                    .run(&args)
                    .fails(1, "returned credentials STS does not issue");
            }
            assert_eq!(
                shells.sb.creds(),
                IDENTITY,
                "{case}: a refused run writes nothing"
            );
        }
    }
}
