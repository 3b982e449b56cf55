//! The checked-in completion scripts under completions/ are current.

use crate::harness::*;
use std::path::Path;
use std::process::Command;

#[test]
fn checked_in_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (shell, file) in [
        ("bash", "completions/awsmfa.bash"),
        ("zsh", "completions/_awsmfa"),
        ("fish", "completions/awsmfa.fish"),
    ] {
        let out = Command::new(bin())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "awsmfa completions {shell}");
        let checked_in = std::fs::read(root.join(file)).unwrap_or_default();
        if out.stdout != checked_in {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "{} differ from `awsmfa completions`; regenerate them with\n  \
         for s in bash:awsmfa.bash zsh:_awsmfa fish:awsmfa.fish; do \
         cargo run -q -- completions \"${{s%%:*}}\" > \"completions/${{s#*:}}\"; done",
        stale.join(", ")
    );
}
