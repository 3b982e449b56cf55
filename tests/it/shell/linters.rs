//! The scripts and what `awsmfa init` prints pass their shells' linters.

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
        let out = Command::new(BIN).args(["init", sh]).output().unwrap();
        std::fs::write(&path, out.stdout).unwrap();
        path.to_string_lossy().into_owned()
    };
    let (bash, zsh, fish) = (file("awsmfa.bash"), file("awsmfa.zsh"), file("awsmfa.fish"));
    let (init_bash, init_zsh, init_fish) = (init("bash"), init("zsh"), init("fish"));
    for (program, args) in [
        ("shellcheck", vec!["-s", "bash", bash.as_str()]),
        ("shellcheck", vec!["-s", "bash", init_bash.as_str()]),
        ("zsh", vec!["-n", zsh.as_str()]),
        ("zsh", vec!["-n", init_zsh.as_str()]),
        ("fish", vec!["--no-config", "--no-execute", fish.as_str()]),
        (
            "fish",
            vec!["--no-config", "--no-execute", init_fish.as_str()],
        ),
        ("fish_indent", vec!["--check", fish.as_str()]),
    ] {
        let out = shells.exec(program, &args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{out}"
        );
    }
    // fish_indent round-trips the file byte for byte.
    let text = std::fs::read_to_string(&fish).unwrap();
    let out = output_within(shells.command("fish_indent", &[]), &text, 30, "fish_indent");
    assert_eq!(
        out.stdout, text,
        "fish_indent would change shell/awsmfa.fish"
    );
}
