//! The man pages under man/ are clap_mangen's rendering of the command line: `awsmfa.1` and
//! one page per subcommand (`awsmfa-init.1`, …). They are generated here, in a unit test, so
//! that neither clap_mangen nor a `man` subcommand ends up in the binary; the test fails when
//! a page is missing, stale or left over, and rewrites them all with `AWSMFA_WRITE_MAN=1`.

use crate::cli::Cli;
use clap::CommandFactory;
use std::collections::BTreeMap;
use std::path::Path;

/// Every page clap_mangen makes for the command tree, by file name.
fn pages() -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(Cli::command(), dir.path()).unwrap();
    read_pages(dir.path())
}

fn read_pages(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".1"))
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn checked_in_man_pages_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let fresh = pages();
    assert!(fresh.contains_key("awsmfa.1") && fresh.contains_key("awsmfa-init.1"));
    if std::env::var_os("AWSMFA_WRITE_MAN").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for name in read_pages(&dir).keys() {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        for (name, text) in &fresh {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let checked_in = read_pages(&dir);
    let stale: Vec<&String> = fresh
        .keys()
        .chain(checked_in.keys())
        .filter(|name| fresh.get(*name) != checked_in.get(*name))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        stale.is_empty(),
        "man/{{{}}} differ from the command line (missing, stale or left over); regenerate \
         them with\n  AWSMFA_WRITE_MAN=1 cargo test --bin awsmfa checked_in_man_pages_are_current",
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
}
