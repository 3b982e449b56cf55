//! The scripts and what `awsmfa init` prints pass their shells' linters, as zoxide holds its init
//! scripts: shellcheck with every optional check and shfmt for bash, `zsh -n` for zsh, and
//! `fish --no-execute` and fish_indent for fish, and nu's own checker (`nu --ide-check`) for
//! what `awsmfa init nu` prints (the template in shell/ does not parse before it is filled).
//!
//! shfmt's options are the scripts' own style: 4-space indentation (`-i 4`) with the patterns of
//! a `case` indented under it (`-ci`). zsh has no shfmt check: shfmt 3.6 (Debian's) knows no zsh
//! dialect (`-ln zsh` is "unknown shell language variant"), and read as bash the script stops
//! at its first zsh-only syntax (the `<->` glob: "== must be followed by a word").

use super::kit::*;
use crate::harness::*;
use std::path::Path;
use std::process::Command;

#[test]
fn the_scripts_pass_their_linters() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let file = |name: &str| root.join("shell").join(name).to_string_lossy().into_owned();
    // What init prints: the script and clap's registration.
    let init = |sh: &str| {
        let path = shells.home().join(format!("init.{sh}"));
        let out = Command::new(bin()).args(["init", sh]).output().unwrap();
        std::fs::write(&path, out.stdout).unwrap();
        path.to_string_lossy().into_owned()
    };
    let (bash, zsh, fish) = (file("awsmfa.bash"), file("awsmfa.zsh"), file("awsmfa.fish"));
    let (init_bash, init_zsh, init_fish) = (init("bash"), init("zsh"), init("fish"));
    let shellcheck_all = |f| vec!["--enable=all", "-s", "bash", f];
    let shfmt = |f| vec!["-d", "-i", "4", "-ci", "-ln", "bash", f];
    // Every linter runs, and the failure lists each one that complained; a missing tool fails
    // the test (need(), in Shells::command).
    let mut failed = Vec::new();
    for (program, args) in [
        ("shellcheck", vec!["-s", "bash", bash.as_str()]),
        ("shellcheck", vec!["-s", "bash", init_bash.as_str()]),
        ("shellcheck", shellcheck_all(bash.as_str())),
        ("shellcheck", shellcheck_all(init_bash.as_str())),
        ("shfmt", shfmt(bash.as_str())),
        ("shfmt", shfmt(init_bash.as_str())),
        ("zsh", vec!["-n", zsh.as_str()]),
        ("zsh", vec!["-n", init_zsh.as_str()]),
        ("fish", vec!["--no-config", "--no-execute", fish.as_str()]),
        (
            "fish",
            vec!["--no-config", "--no-execute", init_fish.as_str()],
        ),
        ("fish_indent", vec!["--check", fish.as_str()]),
        ("fish_indent", vec!["--check", init_fish.as_str()]),
    ] {
        // The scripts hold UTF-8 (—): without a UTF-8 locale shellcheck stops its report at the
        // first such line ("commitBuffer: invalid argument") and exits 2.
        let mut cmd = shells.command(program, &args);
        cmd.env("LC_ALL", "C.UTF-8");
        let out = output_within(cmd, "", 60, &format!("{program} {args:?}"));
        if (out.code, out.stdout.as_str(), out.stderr.as_str()) != (0, "", "") {
            failed.push(out.to_string());
        }
    }
    // nu --ide-check exits 0 either way and prints its findings as JSON lines: type hints, and
    // diagnostics for what nu would refuse.
    let init_nu = init("nu");
    let nu = super::nu::nu();
    let out = output_within(
        shells.command(&nu, &["-n", "--ide-check", "100", &init_nu]),
        "",
        60,
        "nu --ide-check",
    );
    if out.code != 0 || out.stdout.contains(r#""type":"diagnostic""#) || !out.stderr.is_empty() {
        failed.push(out.to_string());
    }
    assert!(
        failed.is_empty(),
        "{} linter runs failed:\n\n{}",
        failed.len(),
        failed.join("\n\n")
    );
    // fish_indent round-trips the file byte for byte.
    let text = std::fs::read_to_string(&fish).unwrap();
    let out = output_within(shells.command("fish_indent", &[]), &text, 30, "fish_indent");
    assert_eq!(
        out.stdout, text,
        "fish_indent would change shell/awsmfa.fish"
    );
}
