//! The man pages under man/ are clap_mangen's rendering of the command line: `awsmfa.1` and
//! one page per subcommand (`awsmfa-init.1`, …). They are generated here, in a unit test, so
//! that neither clap_mangen nor a `man` subcommand ends up in the binary; the test fails when
//! a page is missing, stale or left over, and rewrites them all with `AWSMFA_WRITE_MAN=1`.
//! `awsmfa.1` gets EXIT STATUS and ENVIRONMENT sections from `cli::environment`, the lists
//! `--help` shows after its options.

use crate::cli::Cli;
use crate::cli::environment::{ENVIRONMENT, EXIT_STATUS};
use clap::CommandFactory;
use std::collections::BTreeMap;
use std::path::Path;

/// Every page clap_mangen makes for the command tree, by file name.
fn pages() -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    // The text after --help's options becomes sections of their own, not clap_mangen's EXTRA.
    let cmd = Cli::command().after_long_help(None::<&str>);
    clap_mangen::generate_to(cmd, dir.path()).unwrap();
    let mut pages = read_pages(dir.path());
    let top = pages.get_mut("awsmfa.1").expect("the main page");
    let text = String::from_utf8(std::mem::take(top)).unwrap();
    let at = text.find(".SH VERSION").expect("a VERSION section");
    *top = format!("{}{}{}", &text[..at], contract_sections(), &text[at..]).into_bytes();
    pages
}

/// `text` as roff prose: backslashes and hyphens escaped, no line read as a request.
fn roff(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

fn contract_sections() -> String {
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUS {
        out.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff(meaning)));
    }
    out.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in ENVIRONMENT {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(meaning)));
    }
    out
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
fn the_main_page_states_exit_statuses_and_the_environment() {
    let page = String::from_utf8(pages().remove("awsmfa.1").unwrap()).unwrap();
    assert!(page.contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\n"));
    for (name, _) in ENVIRONMENT {
        assert!(page.contains(&format!("\\fB{}\\fR", roff(name))), "{name}");
    }
    assert!(!page.contains(".SH EXTRA"));
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
