//! Differential property: botocore's own parser (`botocore.configloader.raw_config_parse`,
//! run by a python3 that stays up for the whole test) and `Doc` read every generated file
//! alike — the same profiles, keys and values, nested tables included — or `Doc` refuses
//! it, and then botocore refuses it too unless the refusal is one of awsmfa's own (a
//! `[DEFAULT]` section, characters Python splits or strips otherwise). And after
//! `upsert_inheriting` writes a profile into a file both read, botocore reads exactly the
//! values written there, the inherited ones as in their source, and everything else as
//! before.

use super::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

const SCRIPT: &str = r#"
import json, os, sys, tempfile
import botocore.configloader as loader, botocore.exceptions as exceptions
path = os.path.join(tempfile.mkdtemp(), "credentials")
for request in sys.stdin:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(json.loads(request))
    try:
        answer = {"ok": loader.raw_config_parse(path)}
    except exceptions.ConfigParseError as e:
        answer = {"error": str(e)}
    print(json.dumps(answer), flush=True)
"#;

/// One python3 for the whole test; it ends when its input closes with the test.
struct Python {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// What botocore reads from a file holding `text`: its sections, or its error.
fn botocore(text: &str) -> Result<Value, String> {
    static PYTHON: OnceLock<Mutex<Python>> = OnceLock::new();
    let python = PYTHON.get_or_init(|| {
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (scripts/install-deps installs it with boto3)");
        Mutex::new(Python {
            stdin: child.stdin.take().unwrap(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            _child: child,
        })
    });
    let mut python = python.lock().unwrap_or_else(|e| e.into_inner());
    writeln!(python.stdin, "{}", Value::from(text)).unwrap();
    let mut answer = String::new();
    python.stdout.read_line(&mut answer).unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap_or_else(|_| {
        panic!("python3 with botocore is needed (scripts/install-deps): {answer:?}")
    });
    match (answer.get("ok"), answer.get("error")) {
        (Some(ok), _) => Ok(ok.clone()),
        (_, Some(e)) => Err(e.to_string()),
        _ => panic!("odd answer {answer}"),
    }
}

/// What `doc` reads, in botocore's shape: section → key → value or nested table.
fn model(doc: &Doc) -> Value {
    let mut sections = Map::new();
    let mut current = String::new();
    for l in doc.lines(0..doc.count()) {
        match l.kind {
            Kind::Section(name) => {
                current = name.to_string();
                sections.insert(current.clone(), json!({}));
            }
            Kind::Key { name, value } => {
                let value = match value.strip_prefix('\n') {
                    Some(table) => Value::Object(
                        table
                            .lines()
                            .filter_map(|l| l.split_once('='))
                            .map(|(k, v)| (k.trim().to_string(), json!(v.trim())))
                            .collect(),
                    ),
                    None => json!(value),
                };
                sections[&current][name] = value;
            }
            _ => {}
        }
    }
    Value::Object(sections)
}

/// Refusals of awsmfa's own, of files botocore may read.
fn awsmfa_only(e: &ParseError) -> bool {
    e.what.contains("[DEFAULT]") || e.what.contains("read differently")
}

const WS: &[&str] = &["", "", "", " ", "  ", "\t", "\u{a0}"];
const NAMES: &[&str] = &[
    " a ", "default", " default", "x]y", "[z", "a b", "ü", "#h", "a=b", "k: v", "", "DEFAULT",
];
const TAILS: &[&str] = &[" # note", "x", "]", " ; c", "  ", "=v"];
const KEYS: &[&str] = &[
    "aws_access_key_id",
    "AWS_Access_Key_Id",
    "aws_session_token",
    "Expiration",
    "awsmfa_expiration",
    "region",
    "Region",
    "a b",
    "ü",
    "Ü",
    "x#y",
    "",
    "k;",
    "[k",
];
const DELIMS: &[&str] = &["=", ":", " = ", " : ", "\t=", "= "];
const VALUES: &[&str] = &[
    "v", "v # c", "a=b", "a:b", "[x]", " sp ", "#", ";x", "ü", "k = v", "", "", "",
];
const TEXTS: &[&str] = &["k = v", "k: v", "more", "[s]", "# c", "; c", "=", "ü = 1"];

/// Mostly `p<n>` and `k<n>`, sometimes an odd name from `odd`.
fn name(prefix: &'static str, odd: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (0..40u8).prop_map(move |n| format!("{prefix}{n}")),
        1 => proptest::sample::select(odd).prop_map(str::to_string),
    ]
}

fn line() -> impl Strategy<Value = String> {
    let ws = || proptest::sample::select(WS);
    prop_oneof![
        8 => (ws(), name("p", NAMES), prop_oneof![3 => Just(""), 1 => proptest::sample::select(TAILS)])
            .prop_map(|(w, n, t)| format!("{w}[{n}]{t}")),
        24 => (ws(), name("k", KEYS), proptest::sample::select(DELIMS),
              proptest::sample::select(VALUES))
            .prop_map(|(w, k, d, v)| format!("{w}{k}{d}{v}")),
        8 => (ws(), ws(), proptest::sample::select(TEXTS))
            .prop_map(|(a, b, t)| format!(" {a}{b}{t}")),
        4 => (ws(), proptest::sample::select(&["#", ";"][..]), proptest::sample::select(TEXTS))
            .prop_map(|(w, c, t)| format!("{w}{c}{t}")),
        8 => ws().prop_map(str::to_string),
        // What Python splits or strips otherwise.
        1 => proptest::sample::select(&["k = a\u{b}b", "k = a\rb", "\u{1c}[p]", "k = \u{2028}"][..])
            .prop_map(str::to_string),
    ]
}

prop_compose! {
    fn file()(
        header in proptest::bool::weighted(0.9),
        bom in proptest::bool::weighted(0.02),
        lines in proptest::collection::vec(
            (line(), prop_oneof![80 => Just("\n"), 20 => Just("\r\n"), 1 => Just("\r")]),
            0..14),
        last_eol in any::<bool>(),
    ) -> String {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        if header {
            text.push_str("[p]\n");
        }
        for (i, (l, eol)) in lines.iter().enumerate() {
            text.push_str(l);
            if i + 1 < lines.len() || last_eol {
                text.push_str(eol);
            }
        }
        text
    }
}

const OWNED: &[&str] = crate::files::credfile::OWNED_KEYS;
const SET: &[(&str, &str)] = &[
    ("aws_access_key_id", "ASIA:X=Y"),
    ("aws_secret_access_key", "s#;[x] = y"),
    ("aws_session_token", "t = o:k"),
    ("aws_security_token", "t = o:k"),
    ("expiration", "2099-01-01T00:00:00Z"),
];
const TARGETS: &[&str] = &["new", " spaced ", "x] # y", "default"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn doc_reads_and_writes_as_botocore_does(
        text in file(),
        pick in any::<proptest::sample::Index>(),
        source in any::<proptest::sample::Index>(),
    ) {
        let theirs = botocore(&text);
        let doc = match Doc::parse(&text) {
            Ok(doc) => doc,
            Err(e) => {
                prop_assert!(
                    awsmfa_only(&e) || theirs.is_err(),
                    "awsmfa refuses ({e}) what botocore reads as {theirs:?}: {text:?}"
                );
                return Ok(());
            }
        };
        let ours = model(&doc);
        prop_assert_eq!(Ok(&ours), theirs.as_ref(), "{:?}", text);

        // Mostly a profile of the file, inheriting from one (the identity).
        let sections: Vec<&str> = doc.sections().collect();
        let names: Vec<&str> = [&sections[..], &sections, &sections, TARGETS].concat();
        let (target, from) = (pick.get(&names), source.get(&names));
        prop_assume!(unwritable(target, SET).is_none());
        let out = doc.upsert_inheriting(target, OWNED, SET, from).to_string();
        let mut expected = ours.clone();
        let own = expected[target].as_object().cloned().unwrap_or_default();
        let mut section: Map<String, Value> = own
            .clone()
            .into_iter()
            .filter(|(k, _)| !OWNED.contains(&k.as_str()))
            .collect();
        for (k, v) in SET {
            section.insert(k.to_string(), json!(v));
        }
        for (k, v) in ours[from].as_object().cloned().unwrap_or_default() {
            if !OWNED.contains(&k.as_str()) && !own.contains_key(&k) {
                section.insert(k, v);
            }
        }
        expected[target] = Value::Object(section);
        prop_assert_eq!(botocore(&out), Ok(expected.clone()), "{:?} -> {:?}", text, out);
        let again = Doc::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        prop_assert_eq!(model(&again), expected);
    }
}
