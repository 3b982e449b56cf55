//! What the binary and the scripts in `shell/` must agree on: defaults, segment texts and the
//! command line's shape. The scripts hold `::NAME::` placeholders that `fill` replaces at
//! `awsmfa init`, so a value lives here only; unit tests hold the lists to clap's.

use super::Shell;
use super::quote::{quote_fish, quote_posix};

/// The prompt segment while the credentials live; fields {remaining}, {seconds}, {expiration}.
pub const PROMPT_FORMAT: &str = "aws {remaining}";
/// The prompt segment once they have expired.
pub const PROMPT_EXPIRED: &str = "aws expired";
/// Seconds left below which the segment is yellow (AWSMFA_PROMPT_WARN).
pub const PROMPT_WARN: i64 = 3600;
/// Seconds left below which the segment is red (AWSMFA_PROMPT_CRIT).
pub const PROMPT_CRITICAL: i64 = 600;
/// Seconds left below which the hook renews (AWSMFA_REFRESH_WINDOW).
pub const REFRESH_WINDOW: i64 = 300;
/// Seconds between the hook's attempts for the same credentials (AWSMFA_REFRESH_BACKOFF).
pub const REFRESH_BACKOFF: i64 = 300;
/// Seconds the hook's refresh may wait for AWS (`refresh --timeout`): it holds the prompt, or
/// the command the user just typed.
pub const REFRESH_TIMEOUT: i64 = 2;

/// Unset wherever awsmfa's credentials enter an environment (the shell function, the hook's
/// refresh, `exec`). AWS_PROFILE and AWS_DEFAULT_PROFILE: SDKs and the CLI would load that
/// profile instead of the exported keys. AWSU_PROFILE, AWS_VAULT and AWSUME_PROFILE: other
/// tools' names for the credentials ours replace, which prompts show ahead of ours (see
/// `exports::vars`); with them gone aws-vault and awsume no longer take awsmfa's keys for
/// their own session.
pub const SUPERSEDED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWSU_PROFILE",
    "AWS_VAULT",
    "AWSUME_PROFILE",
];

/// Every subcommand, `help` included: the shell function hands these to the binary as they
/// are, since they print or do something other than export credentials.
pub const SUBCOMMANDS: &[&str] = &[
    "init",
    "prompt",
    "refresh",
    "forget",
    "rotate",
    "credential-process",
    "exec",
    "console",
    "serve",
    "status",
    "keys",
    "policies",
    "completions",
    "help",
];

/// The main command's options whose value is the next word: skipped when looking for the
/// subcommand among the arguments (`awsmfa --profile x status`). `--shell` takes one too, but
/// the shell function hands any line with it to the binary as it is, before this list counts.
pub const VALUE_OPTIONS: &[&str] = &[
    "--profile",
    "--aws-credentials",
    "-d",
    "--duration",
    "-i",
    "--identity-profile",
    "--serial-number",
    "--role-session-name",
    "-c",
    "--token-code",
    "--mfa-process",
    "-t",
    "--target-profile",
];

/// The main command's other long options. With `VALUE_OPTIONS` and `--shell`, every long
/// option: clap takes an unambiguous prefix of one (`--prof`), as awsmfa 0.2's argparse did,
/// so the scripts and `takes_value` must know the prefixes too.
const SWITCHES: &[&str] = &[
    "--no-cache",
    "--rotate-identity-keys",
    "--env",
    "--help",
    "--version",
];

/// The long options `word` (`--x`, no `=`) names: itself, or the only one it begins.
fn long_option(word: &str) -> Option<&'static str> {
    let longs = VALUE_OPTIONS.iter().chain(SWITCHES).chain(&["--shell"]);
    let longs = longs.filter(|o| o.starts_with("--"));
    if let Some(exact) = longs.clone().find(|o| **o == word) {
        return Some(exact);
    }
    let mut found = longs.filter(|o| word.len() > 2 && o.starts_with(word));
    found.next().filter(|_| found.next().is_none()).copied()
}

/// Whether the main command's option `word` takes the next word as its value, abbreviated or
/// not (`--shell` included).
pub fn takes_value(word: &str) -> bool {
    VALUE_OPTIONS.contains(&word)
        || long_option(word).is_some_and(|o| o == "--shell" || VALUE_OPTIONS.contains(&o))
}

/// Every word clap reads as the long option `option`: itself and its unambiguous prefixes.
fn spellings(option: &'static str) -> impl Iterator<Item = &'static str> {
    (3..=option.len())
        .map(|end| &option[..end])
        .filter(move |word| long_option(word) == Some(option))
}

/// The abbreviations clap accepts for `VALUE_OPTIONS` (`--prof`, `--ta`), for the scripts'
/// `case` patterns.
fn abbreviations() -> Vec<&'static str> {
    let longs = VALUE_OPTIONS.iter().filter(|o| o.starts_with("--"));
    longs
        .flat_map(|o| spellings(o).filter(move |word| word != o))
        .collect()
}

/// The main command's options that make the shell function hand the whole line to the binary
/// as it is: help and the version are no code to eval, and `--env`/`--shell` ask for code the
/// caller evals (the function adding its own `--env --shell` would be a usage error, or a later
/// `--shell` would win and the function eval another shell's code). The scripts match every
/// spelling clap reads as one of these: `passthrough_words`, `passthrough_prefixes`.
const PASSTHROUGH: &[&str] = &["-h", "--help", "-V", "--version", "--env", "--shell"];

/// Every word clap reads as a `PASSTHROUGH` long option (`--help`, `--hel`, `--e`, `--sh`).
fn passthrough_words() -> Vec<&'static str> {
    let longs = PASSTHROUGH.iter().filter(|o| o.starts_with("--"));
    longs.flat_map(|o| spellings(o)).collect()
}

/// How the words clap reads as a `PASSTHROUGH` option with more glued on begin: `-h` and
/// `-V` (clap acts on the first letter of a cluster, `-hV`, before it reads the rest; they are
/// the only short switches, and a cluster that begins with another short option is that option
/// with the rest as its value), and each spelling of one that takes a value, with `=`
/// (`--sh=fish`).
fn passthrough_prefixes() -> Vec<String> {
    let shorts = PASSTHROUGH.iter().filter(|o| !o.starts_with("--"));
    let glued = passthrough_words().into_iter().filter(|w| takes_value(w));
    shorts
        .map(|o| o.to_string())
        .chain(glued.map(|w| format!("{w}=")))
        .collect()
}

/// `case` patterns for the words that begin with one of `prefixes`, in bash, zsh and fish; in
/// nushell the prefixes themselves, a list for `str starts-with`.
fn beginnings(shell: Shell, prefixes: &[String]) -> String {
    match shell {
        Shell::Nu => serde_json::to_string(prefixes).expect("strings serialise"),
        // Quoted: fish expands an unquoted `*` in a `case` word against file names.
        Shell::Fish => prefixes
            .iter()
            .map(|p| quote_fish(&format!("{p}*")))
            .collect::<Vec<_>>()
            .join(" "),
        _ => prefixes
            .iter()
            .map(|p| format!("{p}*"))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// A numeric setting read as the scripts read it: plain decimal digits (at most 15), else the
/// default.
fn seconds(value: Option<&str>, default: i64) -> i64 {
    value
        .filter(|v| !v.is_empty() && v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The numeric setting in environment variable `var`, as the scripts read it.
pub fn env_seconds(var: &str, default: i64) -> i64 {
    seconds(std::env::var(var).ok().as_deref(), default)
}

/// The word list of a `case` pattern: `a | b` in bash and zsh, `a b` in fish; a list of
/// strings for nushell's `in`.
fn alternatives(shell: Shell, words: &[&str]) -> String {
    match shell {
        Shell::Nu => serde_json::to_string(words).expect("strings serialise"),
        Shell::Fish => words.join(" "),
        _ => words.join(" | "),
    }
}

fn quoted(shell: Shell, text: &str) -> String {
    match shell {
        Shell::Fish => quote_fish(text),
        // A JSON string is a nu double-quoted string: the same escapes, no interpolation.
        Shell::Nu => serde_json::to_string(text).expect("strings serialise"),
        _ => quote_posix(text),
    }
}

/// `script` with every `::NAME::` placeholder replaced by this module's value, in `shell`'s
/// syntax.
pub fn fill(script: &str, shell: Shell) -> String {
    let values = [
        ("::SUBCOMMANDS::", alternatives(shell, SUBCOMMANDS)),
        ("::VALUE_OPTIONS::", alternatives(shell, VALUE_OPTIONS)),
        (
            "::VALUE_ABBREVIATIONS::",
            alternatives(shell, &abbreviations()),
        ),
        ("::PASSTHROUGH::", alternatives(shell, &passthrough_words())),
        (
            "::PASSTHROUGH_PREFIXES::",
            beginnings(shell, &passthrough_prefixes()),
        ),
        ("::PROMPT_FORMAT::", quoted(shell, PROMPT_FORMAT)),
        ("::PROMPT_EXPIRED::", quoted(shell, PROMPT_EXPIRED)),
        ("::PROMPT_WARN::", PROMPT_WARN.to_string()),
        ("::PROMPT_CRITICAL::", PROMPT_CRITICAL.to_string()),
        ("::REFRESH_WINDOW::", REFRESH_WINDOW.to_string()),
        ("::REFRESH_BACKOFF::", REFRESH_BACKOFF.to_string()),
        ("::REFRESH_TIMEOUT::", REFRESH_TIMEOUT.to_string()),
        ("::SUPERSEDED::", SUPERSEDED.join(" ")),
    ];
    values
        .iter()
        .fold(script.to_string(), |text, (name, value)| {
            text.replace(name, value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    #[test]
    fn subcommands_are_clap_s() {
        let cli = Cli::command();
        let mut clap: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
        clap.push("help");
        clap.sort_unstable();
        let mut ours = SUBCOMMANDS.to_vec();
        ours.sort_unstable();
        assert_eq!(ours, clap);
    }

    #[test]
    fn value_options_are_clap_s() {
        let cli = Cli::command();
        let mut clap: Vec<String> = Vec::new();
        for arg in cli.get_arguments().filter(|a| !a.is_positional()) {
            let takes_value = arg.get_action().takes_values()
                && arg.get_num_args().is_none_or(|n| n.min_values() > 0);
            if takes_value {
                clap.extend(arg.get_short().map(|s| format!("-{s}")));
                clap.extend(arg.get_long().map(|l| format!("--{l}")));
            }
        }
        clap.retain(|o| o != "--shell");
        clap.sort_unstable();
        let mut ours: Vec<String> = VALUE_OPTIONS.iter().map(|s| s.to_string()).collect();
        ours.sort_unstable();
        assert_eq!(ours, clap);
    }

    #[test]
    fn switches_and_value_options_are_every_long_option_of_clap_s() {
        let cli = Cli::command();
        let mut clap: Vec<String> = cli
            .get_arguments()
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .chain(["--help".to_string(), "--version".to_string()])
            .collect();
        clap.sort_unstable();
        clap.dedup();
        let mut ours: Vec<String> = VALUE_OPTIONS
            .iter()
            .chain(SWITCHES)
            .chain(&["--shell"])
            .filter(|o| o.starts_with("--"))
            .map(|s| s.to_string())
            .collect();
        ours.sort_unstable();
        assert_eq!(ours, clap);
    }

    #[test]
    fn abbreviated_options_take_values_as_clap_reads_them() {
        for word in [
            "--prof", "--p", "--ta", "--to", "--ser", "--dur", "--i", "--sh", "-t",
        ] {
            assert!(takes_value(word), "{word}");
        }
        // Ambiguous (--target-profile, --token-code; --role-session-name,
        // --rotate-identity-keys), a switch, a value glued on, not an option.
        for word in [
            "--t", "--ro", "--rot", "--e", "--no", "--prof=x", "--", "-", "x",
        ] {
            assert!(!takes_value(word), "{word}");
        }
        let words = abbreviations();
        assert!(words.contains(&"--ta") && words.contains(&"--rol"));
        assert!(!words.contains(&"--t") && !words.contains(&"--ro"));
        assert!(!words.contains(&"--profile"));
    }

    /// The `PASSTHROUGH` option clap reads `args` (after the program name) as, if any.
    fn passthrough_option(args: &[&str]) -> Option<&'static str> {
        use clap::error::ErrorKind;
        use clap::parser::ValueSource;
        let from_line =
            |m: &clap::ArgMatches, id| m.value_source(id) == Some(ValueSource::CommandLine);
        match Cli::command().try_get_matches_from(std::iter::once("awsmfa").chain(args.to_vec())) {
            Err(e) if e.kind() == ErrorKind::DisplayHelp => Some("--help"),
            Err(e) if e.kind() == ErrorKind::DisplayVersion => Some("--version"),
            Ok(m) if from_line(&m, "shell") => Some("--shell"),
            Ok(m) if from_line(&m, "env") => Some("--env"),
            _ => None,
        }
    }

    #[test]
    fn passthrough_words_are_every_spelling_clap_reads_as_those_options() {
        let words = passthrough_words();
        for option in PASSTHROUGH.iter().filter(|o| o.starts_with("--")) {
            for end in 3..=option.len() {
                let word = &option[..end];
                let args: &[&str] = match takes_value(option) {
                    true => &[word, "fish"],
                    false => &[word],
                };
                let read = passthrough_option(args);
                assert!(
                    read.is_none() || read == Some(option),
                    "{word} read as {read:?}"
                );
                assert_eq!(
                    words.contains(&word),
                    read.is_some(),
                    "{word}: clap reads it as {read:?}"
                );
            }
        }
        // Ambiguous: --serial-number and --shell.
        assert!(!words.contains(&"--s") && passthrough_option(&["--s", "fish"]).is_none());
        assert!(words.contains(&"--e") && words.contains(&"--sh"));
    }

    #[test]
    fn passthrough_prefixes_begin_every_glued_spelling_clap_reads_as_those_options() {
        let prefixes = passthrough_prefixes();
        for prefix in &prefixes {
            let (option, rests): (_, &[&str]) = match prefix.as_str() {
                "-h" => ("--help", &["", "V", "h", "x", "=x"]),
                "-V" => ("--version", &["", "V", "h", "x", "=x"]),
                glued => {
                    assert!(glued.starts_with("--sh") && glued.ends_with('='), "{glued}");
                    ("--shell", &["fish", "nu"])
                }
            };
            for rest in rests {
                let word = format!("{prefix}{rest}");
                assert_eq!(passthrough_option(&[&word]), Some(option), "{word}");
            }
        }
        assert!(prefixes.contains(&"--sh=".to_string()));
        // A switch takes no value glued on: clap refuses `--env=x`, as the binary would.
        for word in passthrough_words().iter().filter(|w| !takes_value(w)) {
            assert_eq!(passthrough_option(&[&format!("{word}=x")]), None, "{word}");
        }
        // -h and -V are the only short switches: a cluster that begins with any other short
        // option is that option with the rest of the cluster as its value.
        let mut cli = Cli::command();
        cli.build();
        let mut shorts: Vec<String> = cli
            .get_arguments()
            .filter(|a| !a.get_action().takes_values())
            .filter_map(|a| a.get_short())
            .map(|s| format!("-{s}"))
            .collect();
        shorts.sort_unstable();
        let mut ours: Vec<&str> = PASSTHROUGH
            .iter()
            .copied()
            .filter(|o| !o.starts_with("--"))
            .collect();
        ours.sort_unstable();
        assert_eq!(shorts, ours);
    }

    #[test]
    fn passthrough_is_quoted_for_each_shell() {
        assert!(
            fill("::PASSTHROUGH:: | ::PASSTHROUGH_PREFIXES::", Shell::Bash)
                .contains("--help | --v | --ve | ")
        );
        let bash = fill("::PASSTHROUGH_PREFIXES::", Shell::Bash);
        assert!(bash.starts_with("-h* | -V* | --sh=* | "), "{bash}");
        let fish = fill("::PASSTHROUGH:: ::PASSTHROUGH_PREFIXES::", Shell::Fish);
        assert!(fish.contains(" --shell '-h*' '-V*' '--sh=*' "), "{fish}");
        let nu = fill("::PASSTHROUGH:: ::PASSTHROUGH_PREFIXES::", Shell::Nu);
        assert!(
            nu.contains("\"--shell\"] [\"-h\",\"-V\",\"--sh=\","),
            "{nu}"
        );
    }

    #[test]
    fn every_placeholder_is_filled() {
        for (shell, script) in [
            (Shell::Bash, super::super::init::BASH),
            (Shell::Zsh, super::super::init::ZSH),
            (Shell::Fish, super::super::init::FISH),
            (Shell::Nu, super::super::init::NU),
        ] {
            let filled = fill(script, shell);
            let left: Vec<&str> = filled
                .split("::")
                .skip(1)
                .step_by(2)
                .filter(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                .collect();
            assert!(left.is_empty(), "{shell:?}: unknown placeholders {left:?}");
            for list in [SUBCOMMANDS, VALUE_OPTIONS] {
                assert!(filled.contains(&alternatives(shell, list)), "{shell:?}");
            }
            assert!(filled.contains(&PROMPT_CRITICAL.to_string()), "{shell:?}");
        }
    }

    #[test]
    fn values_are_quoted_for_each_shell() {
        assert_eq!(
            fill("f=::PROMPT_FORMAT:: w=::PROMPT_WARN::", Shell::Bash),
            "f='aws {remaining}' w=3600"
        );
        assert_eq!(
            fill("case ::SUBCOMMANDS::", Shell::Fish),
            format!("case {}", SUBCOMMANDS.join(" "))
        );
        assert_eq!(
            fill("f=::PROMPT_FORMAT:: s=::SUBCOMMANDS::", Shell::Nu),
            format!(
                "f=\"aws {{remaining}}\" s=[\"{}\"]",
                SUBCOMMANDS.join("\",\"")
            )
        );
    }

    #[test]
    fn numbers_as_the_scripts_read_them() {
        assert_eq!(seconds(Some("120"), 7), 120);
        assert_eq!(seconds(Some("0120"), 7), 120);
        for bad in [
            Some("-5"),
            Some(""),
            Some("1e3"),
            Some(" 9"),
            Some("1234567890123456"),
            None,
        ] {
            assert_eq!(seconds(bad, 7), 7, "{bad:?}");
        }
    }
}
