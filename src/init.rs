//! `awsmfa init SHELL`: the script from `shell/`, then the dynamic completion registration.

use crate::cli::InitShell;
use clap_complete::env::{EnvCompleter, Fish, Zsh};

const BASH: &str = include_str!("../shell/awsmfa.bash");
const ZSH: &str = include_str!("../shell/awsmfa.zsh");
const FISH: &str = include_str!("../shell/awsmfa.fish");

/// clap_complete's registration for the shell, naming the command rather than this binary's
/// path, which would break on upgrades of symlinked installs. bash uses its own function in
/// shell/awsmfa.bash: the stock one cannot complete ARNs, whose `:` is a bash word break.
fn registration(shell: InitShell) -> String {
    let completer: &dyn EnvCompleter = match shell {
        InitShell::Bash => return String::new(),
        InitShell::Zsh => &Zsh,
        InitShell::Fish => &Fish,
    };
    let mut buf = Vec::new();
    completer
        .write_registration("COMPLETE", "awsmfa", "awsmfa", "awsmfa", &mut buf)
        .expect("writing to a Vec cannot fail");
    let text = String::from_utf8_lossy(&buf).into_owned();
    // compdef exists only after compinit: without it, init must stay silent and harmless, and
    // end with status 0 (a false `&&` as the last line would fail `eval` under `set -e`).
    match text.split_once("\ncompdef ") {
        Some((head, tail)) => {
            format!(
                "{head}\nif (( $+functions[compdef] )); then\n    compdef {}\nfi\n",
                tail.trim_end()
            )
        }
        None => text,
    }
}

pub fn script(shell: InitShell) -> String {
    let body = match shell {
        InitShell::Bash => BASH,
        InitShell::Zsh => ZSH,
        InitShell::Fish => FISH,
    };
    format!("{body}{}", registration(shell))
}
