//! The `awsmfa` function: credentials evaluated into the shell, everything else straight through.

use super::kit::*;
use crate::harness::*;

/// The version `awsmfa --version` prints.
const VERSION: &str = env!("CARGO_PKG_VERSION");

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

/// The subcommand is the first word that is neither an option nor an option's value: options
/// may come first (`awsmfa -i identity forget`), and an option's value that spells a
/// subcommand (`-t status`) is still a value.
#[test]
fn the_function_finds_the_subcommand_after_options() {
    let moto = Moto::shared();
    let user = moto.user(1);
    for sh in SHELLS {
        let shells = Shells::new(Sandbox::with_user(moto, &user));
        let mut s = Script::strict(sh);
        s.line(sh.init())
            .status("forget", "awsmfa -i identity forget")
            .status("process", "awsmfa -c 123456 --no-cache credential-process")
            .show("process.key", &sh.is_set("AWS_ACCESS_KEY_ID"))
            .status("target", "awsmfa -c 123456 -t status")
            .show("target.key", &sh.var("AWS_ACCESS_KEY_ID"));
        let out = shells.run(&s);
        let what = sh.name();
        assert_eq!(out.get("forget"), "0", "{what}: {out}");
        assert!(
            out.stderr.contains("Forgot 0 cached MFA sessions."),
            "{what}: {out}"
        );
        assert_eq!(out.get("process"), "0", "{what}: {out}");
        assert!(
            out.stdout
                .contains("\"AccessKeyId\":\"AKIAIOSFODNN7EXAMPLE\""),
            "{what}: credential-process must print its JSON\n{out}"
        );
        assert_eq!(
            out.get("process.key"),
            "",
            "{what}: nothing is evaluated\n{out}"
        );
        assert_eq!(out.get("target"), "0", "{what}: {out}");
        assert_eq!(
            out.get("target.key"),
            "AKIAIOSFODNN7EXAMPLE",
            "{what}: {out}"
        );
        assert!(
            value(&shells.sb.creds(), "status", "aws_session_token").is_some(),
            "{what}: {}",
            shells.sb.creds()
        );
    }
}

/// Every spelling the binary reads as `--shell`, `--env`, `--help` or `--version` goes to it
/// as the full spelling does: clap takes an unambiguous prefix of a long option (`--sh`) and
/// acts on `-h`/`-V` first in a cluster (`-hV`), so the function must not add its own
/// `--env --shell` and eval what comes back (another shell's code, help text, or a usage
/// error). What the binary prints reaches stdout, and the shell's environment is unchanged.
#[test]
fn the_function_passes_every_spelling_of_help_version_env_and_shell_through() {
    let moto = Moto::shared();
    let user = moto.user(1);
    for sh in SHELLS {
        let shells = Shells::new(Sandbox::with_user(moto, &user));
        let what = sh.name();
        // Another shell's code than the one running, so evaluating it could not pass.
        let other = match sh {
            Sh::Fish => "bash",
            _ => "fish",
        };
        let cases = [
            // Without --env the binary prints no code: nothing to eval, nothing printed.
            ("sh", format!("--sh {other} -t sh -c 123456")),
            ("shel", format!("-t shel -c 123456 --shel={other}")),
            ("she", "--she nu -t she -c 123456".to_string()),
            ("en", "--en -t en -c 123456".to_string()),
            ("e", "-t e -c 123456 --e".to_string()),
            ("ensh", format!("--en -t ensh -c 123456 --sh={other}")),
            ("hel", "--hel".to_string()),
            ("h", "--h".to_string()),
            ("cluster", "-hV".to_string()),
            ("vers", "--vers".to_string()),
        ];
        let mut s = Script::strict(sh);
        s.line(sh.init());
        for (name, args) in &cases {
            let file = shells.home().join(format!("{name}.out"));
            s.line(&sh.export("AWS_ACCESS_KEY_ID", "sentinel"))
                // The function's eval path unsets it after evaluating what the binary printed.
                .line(&sh.export("AWS_PROFILE", "p"))
                .line(&sh.unset("AWSMFA_EXPIRATION"))
                .status(name, &format!("awsmfa {args} >'{}'", file.display()))
                .show(&format!("{name}.key"), &sh.var("AWS_ACCESS_KEY_ID"))
                .show(&format!("{name}.profile"), &sh.var("AWS_PROFILE"))
                .show(&format!("{name}.exp"), &sh.is_set("AWSMFA_EXPIRATION"));
        }
        let out = shells.run(&s);
        let printed = |name: &str| {
            std::fs::read_to_string(shells.home().join(format!("{name}.out"))).unwrap()
        };
        // Printed, never evaluated: the credentials were written, not exported here.
        for (name, args) in &cases {
            let what = format!("{what}: awsmfa {args}");
            assert_eq!(out.get(name), "0", "{what}\n{out}");
            assert_eq!(out.get(&format!("{name}.key")), "sentinel", "{what}\n{out}");
            assert_eq!(out.get(&format!("{name}.profile")), "p", "{what}\n{out}");
            assert_eq!(out.get(&format!("{name}.exp")), "", "{what}\n{out}");
        }
        let fish_line = "set -gx AWS_ACCESS_KEY_ID 'AKIAIOSFODNN7EXAMPLE';";
        let posix_line = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE; export AWS_ACCESS_KEY_ID;";
        let other_line = if other == "fish" {
            fish_line
        } else {
            posix_line
        };
        for name in ["sh", "shel", "she"] {
            assert_eq!(printed(name), "", "{what}: {name}\n{out}");
        }
        assert!(
            printed("ensh").lines().any(|l| l == other_line),
            "{what}: {other}'s code must be printed\n{}\n{out}",
            printed("ensh")
        );
        for name in ["en", "e"] {
            assert!(
                printed(name).lines().any(|l| l == posix_line),
                "{what}: {name}: the POSIX exports must be printed\n{}\n{out}",
                printed(name)
            );
        }
        for name in ["hel", "h", "cluster"] {
            assert!(
                printed(name).contains("Usage: awsmfa [OPTIONS] [ROLE_ARN]"),
                "{what}: {name}: help must be printed\n{}\n{out}",
                printed(name)
            );
        }
        assert_eq!(printed("vers"), format!("awsmfa {VERSION}\n"), "{what}");
        for profile in ["sh", "shel", "she", "en", "e", "ensh"] {
            assert!(
                value(&shells.sb.creds(), profile, "aws_session_token").is_some(),
                "{what}: [{profile}] was not written\n{}",
                shells.sb.creds()
            );
        }
        assert!(!out.stderr.contains("awsmfa: error"), "{what}: {out}");
    }
}
