//! `awsmfa init` evaluates silently under strict modes.

use super::kit::*;
use crate::harness::*;

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
