//! The Debian package: scripts/package-deb builds it (here from the debug binary the suite
//! already has, so the test needs no release build), `dpkg-deb -c` lists it, and it is unpacked
//! into a throwaway root and run from there.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn built_deb(repo: &Path, out: &Path) -> PathBuf {
    run(Command::new(repo.join("scripts/package-deb"))
        .arg("--debug")
        .arg(out));
    let debs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    assert_eq!(debs.len(), 1, "one .deb in {out:?}: {debs:?}");
    debs[0].clone()
}

#[test]
fn debian_package_installs_the_binary_man_pages_and_completions() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let deb = built_deb(repo, tmp.path());

    let fields = run(Command::new("dpkg-deb")
        .arg("-f")
        .arg(&deb)
        .args(["Package", "Version"]));
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(fields, format!("Package: awsmfa\nVersion: {version}-1\n"));

    // `dpkg-deb -c` lines end in the path (./usr/bin/awsmfa) and start with the mode.
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    let mode_of = |path: &str| {
        listing
            .lines()
            .find(|l| l.ends_with(&format!(" ./{path}")))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
    };
    let mut expected = vec![
        ("usr/bin/awsmfa".to_string(), "-rwxr-xr-x"),
        (
            "usr/share/bash-completion/completions/awsmfa".into(),
            "-rw-r--r--",
        ),
        (
            "usr/share/zsh/vendor-completions/_awsmfa".into(),
            "-rw-r--r--",
        ),
        (
            "usr/share/fish/vendor_completions.d/awsmfa.fish".into(),
            "-rw-r--r--",
        ),
    ];
    let mut pages: Vec<String> = std::fs::read_dir(repo.join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    assert!(pages.contains(&"awsmfa.1".to_string()), "{pages:?}");
    for page in &pages {
        expected.push((format!("usr/share/man/man1/{page}.gz"), "-rw-r--r--"));
    }
    for (path, mode) in &expected {
        assert_eq!(
            mode_of(path).as_deref(),
            Some(*mode),
            "{path} in the package:\n{listing}"
        );
    }

    // Installed into a throwaway root: the binary runs, and the files are the repository's.
    let root = tmp.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let installed = run(Command::new(root.join("usr/bin/awsmfa")).arg("--version"));
    assert_eq!(installed, format!("awsmfa {version}\n"));
    for page in &pages {
        let text = run(Command::new("gzip")
            .arg("-dc")
            .arg(root.join(format!("usr/share/man/man1/{page}.gz"))));
        let checked_in = std::fs::read_to_string(repo.join("man").join(page)).unwrap();
        assert!(text == checked_in, "{page} differs from man/{page}");
    }
    for (installed, checked_in) in [
        ("bash-completion/completions/awsmfa", "awsmfa.bash"),
        ("zsh/vendor-completions/_awsmfa", "_awsmfa"),
        ("fish/vendor_completions.d/awsmfa.fish", "awsmfa.fish"),
    ] {
        let got = std::fs::read(root.join("usr/share").join(installed)).unwrap();
        let want = std::fs::read(repo.join("completions").join(checked_in)).unwrap();
        assert!(
            got == want,
            "{installed} differs from completions/{checked_in}"
        );
    }
}
