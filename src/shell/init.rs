//! `awsmfa init SHELL`: the script from `shell/` with its contract filled in, then the dynamic
//! completion registration.

use super::{Shell, contract};
use clap_complete::env::{EnvCompleter, Fish, Zsh};

pub(super) const BASH: &str = include_str!("../../shell/awsmfa.bash");
pub(super) const ZSH: &str = include_str!("../../shell/awsmfa.zsh");
pub(super) const FISH: &str = include_str!("../../shell/awsmfa.fish");
pub(super) const NU: &str = include_str!("../../shell/awsmfa.nu");

/// clap_complete's registration for the shell, naming the command rather than this binary's
/// path, which would break on upgrades of symlinked installs. bash uses its own function in
/// shell/awsmfa.bash: the stock one cannot complete ARNs, whose `:` is a bash word break.
fn registration(shell: Shell) -> String {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        // clap_complete has no nushell completer; nu completes external commands through one
        // completer for all of them (`$env.config.completions.external`).
        Shell::Bash | Shell::Nu | Shell::Sh => return String::new(),
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

/// The integration for `shell`; `sh` has none (the command line refuses it).
pub fn script(shell: Shell) -> String {
    let body = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
        Shell::Nu => NU,
        Shell::Sh => return String::new(),
    };
    format!("{}{}", contract::fill(body, shell), registration(shell))
}
