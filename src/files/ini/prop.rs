//! Properties of the editor: an edit changes only the target section, and inheriting adds only
//! what the target lacks.

use super::edit::indented;
use super::*;
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "default", "identity", "prod", "a b", "ünï", "x=y", "Default", "p]q", "w",
];
const NEW_NAMES: &[&str] = &["new", "fresh one", "ü2"];
const KEYS: &[&str] = &[
    "aws_access_key_id",
    "AWS_ACCESS_KEY_ID",
    "Aws_Secret_Access_Key",
    "aws_session_token",
    "aws_security_token",
    "expiration",
    "awsmfa_expiration",
    "region",
    "output",
    "Region",
];
const VALUES: &[&str] = &[
    "",
    "v",
    "a b",
    "x=y",
    "ü",
    "[not a section]",
    "# not a comment",
    "  padded  ",
];
const SPACES: &[&str] = &["", " ", "  ", "\t"];
const COMMENTS: &[&str] = &["#c", ";c", "# [x]", "  # indented", "#", "; k = v"];
const BLANKS: &[&str] = &["", " ", "\t", "  \t"];
const HEADERS: &[&str] = &["[{}]", "[ {} ]", "  [{}]", "[{}]  ", "\t[ {}]", "[{}] # c"];
// The keys a real edit replaces.
const OWNED: &[&str] = crate::files::credfile::OWNED_KEYS;
const SET: &[(&str, &str)] = &[
    ("aws_access_key_id", "ASIANEW"),
    ("aws_secret_access_key", "new/secret+=="),
    ("aws_session_token", "tok = en"),
    ("aws_security_token", "tok = en"),
    ("expiration", "2099-01-01T00:00:00Z"),
];

#[derive(Debug, Clone)]
enum Entry {
    /// deeper than the section's keys, key, space before `=`, space after, value,
    /// continuation lines.
    Key(bool, usize, usize, usize, usize, usize),
    Comment(usize),
    Blank(usize),
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        5 => (proptest::bool::weighted(0.1), 0..KEYS.len(), 0..SPACES.len(), 0..SPACES.len(), 0..VALUES.len(), 0..3usize)
            .prop_map(|(d, k, a, b, v, c)| Entry::Key(d, k, a, b, v, c)),
        1 => (0..COMMENTS.len()).prop_map(Entry::Comment),
        1 => (0..BLANKS.len()).prop_map(Entry::Blank),
    ]
}

fn trivia() -> impl Strategy<Value = Entry> {
    prop_oneof![
        (0..COMMENTS.len()).prop_map(Entry::Comment),
        (0..BLANKS.len()).prop_map(Entry::Blank),
    ]
}

/// Appends the lines of `e` to a section whose keys are indented by `indent`.
fn push(e: &Entry, indent: &str, out: &mut Vec<String>) {
    match *e {
        Entry::Key(deeper, k, a, b, v, cont) => {
            let indent = if deeper {
                format!("{indent}  ")
            } else {
                indent.to_string()
            };
            let (key, a, b, v) = (KEYS[k], SPACES[a], SPACES[b], VALUES[v]);
            out.push(format!("{indent}{key}{a}={b}{v}"));
            for c in 0..cont {
                out.push(format!(
                    "{indent}{}more{c} = {c}",
                    [" ", "\t", "    "][c % 3]
                ));
            }
        }
        Entry::Comment(c) => out.push(COMMENTS[c].to_string()),
        Entry::Blank(b) => out.push(BLANKS[b].to_string()),
    }
}

/// The file's lines, without terminators.
fn lines(pre: &[Entry], sections: &[(usize, usize, &str, Vec<Entry>)]) -> Vec<String> {
    let mut out = Vec::new();
    for e in pre {
        push(e, "", &mut out);
    }
    for (style, indent, name, entries) in sections {
        out.push(HEADERS[*style].replace("{}", name));
        // Duplicate keys are refused: keep each key's first entry.
        let mut seen = HashSet::new();
        for e in entries {
            if let Entry::Key(_, k, ..) = e
                && !seen.insert(KEYS[*k].to_lowercase())
            {
                continue;
            }
            push(e, SPACES[*indent], &mut out);
        }
    }
    out
}

prop_compose! {
    /// A file that mostly parses, and the target: an existing section or a new one.
    fn file()(
        pre in proptest::collection::vec(trivia(), 0..3),
        names in proptest::sample::subsequence(NAMES, 0..=5).prop_shuffle(),
        bodies in proptest::collection::vec(
            (0..HEADERS.len(), 0..SPACES.len(), proptest::collection::vec(entry(), 0..7)), 5),
        eol_mode in 0..3u8,
        eol_bits in proptest::collection::vec(any::<bool>(), 60),
        final_newline in any::<bool>(),
        pick in any::<proptest::sample::Index>(),
        new_name in 0..NEW_NAMES.len(),
        existing in any::<bool>(),
    ) -> (String, String) {
        let sections: Vec<(usize, usize, &str, Vec<Entry>)> = names
            .iter()
            .zip(bodies)
            .map(|(n, (style, indent, entries))| (style, indent, *n, entries))
            .collect();
        let lines = lines(&pre, &sections);
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            text.push_str(l);
            if i + 1 < lines.len() || final_newline {
                let crlf = match eol_mode { 0 => false, 1 => true, _ => eol_bits[i % 60] };
                text.push_str(if crlf { "\r\n" } else { "\n" });
            }
        }
        let target = if existing && !names.is_empty() {
            pick.get(&names).to_string()
        } else {
            NEW_NAMES[new_name].to_string()
        };
        (text, target)
    }
}

fn removed(kind: &Kind, remove: &[&str]) -> bool {
    matches!(kind, Kind::Key { name, .. } if remove.iter().any(|r| r.eq_ignore_ascii_case(name)))
}

/// The section's lines, without terminators, less the removed keys and their
/// continuation lines (which may follow blank and comment lines).
fn others<'a>(doc: &'a Doc, section: &str, remove: &[&str]) -> Vec<&'a str> {
    let Some(span) = doc.span(section) else {
        return Vec::new();
    };
    let mut dropping = false;
    let mut kept = Vec::new();
    for l in doc.lines(span) {
        match &l.kind {
            Kind::Key { .. } => dropping = removed(&l.kind, remove),
            Kind::Continuation => {}
            _ => {
                kept.push(body(l.raw));
                continue;
            }
        }
        if !dropping {
            kept.push(body(l.raw));
        }
    }
    kept
}

/// The section's keys and values, less the removed keys.
fn values<'a>(doc: &'a Doc, section: &str, remove: &[&str]) -> Vec<(&'a str, &'a str)> {
    let span = doc.span(section).unwrap_or_default();
    doc.lines(span)
        .filter_map(|l| match l.kind {
            Kind::Key { name, value } if !removed(&l.kind, remove) => Some((name, value)),
            _ => None,
        })
        .collect()
}

/// The section's key names, in order.
fn keys_of<'a>(doc: &'a Doc, section: &str) -> Vec<&'a str> {
    let Some(span) = doc.span(section) else {
        return Vec::new();
    };
    doc.lines(span)
        .filter_map(|l| match l.kind {
            Kind::Key { name, .. } => Some(name),
            _ => None,
        })
        .collect()
}

/// Byte offsets of the section's first line and of the line after its last.
fn bytes(doc: &Doc, section: &str) -> Option<(usize, usize)> {
    let span = doc.span(section)?;
    let at = |i: usize| doc.lines(0..i).map(|l| l.raw.len()).sum();
    Some((at(span.start), at(span.end)))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        max_global_rejects: 20_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn upsert_changes_only_the_target((text, target) in file(), keys_only in any::<bool>()) {
        let doc = Doc::parse(&text);
        prop_assume!(doc.is_ok());
        let doc = doc.unwrap();
        let (remove, set): (&[&str], &[(&str, &str)]) = if keys_only {
            (&OWNED[..2], &SET[..2])
        } else {
            (OWNED, SET)
        };
        let edited = doc.upsert(&target, remove, set);
        let out = edited.to_string();
        prop_assert_eq!(edited.changed(), out != text);

        // It parses again, and a second identical edit changes nothing.
        let new = Doc::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        let again = new.upsert(&target, remove, set);
        prop_assert!(!again.changed());
        prop_assert_eq!(again.to_string(), out.clone());

        // Outside the target, every byte stays.
        match bytes(&doc, &target) {
            Some((start, end)) => {
                prop_assert_eq!(&out[..start], &text[..start]);
                prop_assert!(out.ends_with(&text[end..]), "tail changed: {:?}", out);
                prop_assert!(out.len() >= start + text.len() - end);
            }
            None => prop_assert!(out.starts_with(&text), "{:?}", out),
        }

        // The target: each set key once, in order, with its value; nothing else of
        // ours; the other lines as they were, in order, and every other key with the
        // value it had.
        let span = new.span(&target).expect("target present");
        let ours: Vec<(&str, &str)> = new.lines(span)
            .filter(|l| removed(&l.kind, remove))
            .map(|l| match l.kind {
                Kind::Key { name, value } => (name, value),
                _ => unreachable!(),
            })
            .collect();
        prop_assert_eq!(&ours[..], set);
        let mut before = others(&doc, &target, remove);
        if before.is_empty() {
            before.push("");
        }
        let after = others(&new, &target, remove);
        prop_assert_eq!(&after[1..], &before[1..]);
        prop_assert_eq!(values(&new, &target, remove), values(&doc, &target, remove));
        prop_assert_eq!(new.sections().count(), doc.sections().count() + usize::from(!doc.has_section(&target)));
    }

    /// `upsert_inheriting` is `upsert` with the source's keys that the target lacks
    /// right after the set keys, indented alike, and each of them then reads in the
    /// target as it reads in the source.
    #[test]
    fn inheriting_adds_only_what_the_target_lacks(
        (text, target) in file(),
        from in any::<proptest::sample::Index>(),
    ) {
        let doc = Doc::parse(&text);
        prop_assume!(doc.is_ok());
        let doc = doc.unwrap();
        let names: Vec<&str> = doc.sections().collect();
        prop_assume!(!names.is_empty());
        let from = from.get(&names).to_string();
        let edited = doc.upsert_inheriting(&target, OWNED, SET, &from);
        let out = edited.to_string();
        prop_assert_eq!(edited.changed(), out != text);

        let new = Doc::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        let again = new.upsert_inheriting(&target, OWNED, SET, &from);
        prop_assert!(!again.changed());
        prop_assert_eq!(again.to_string(), out.clone());

        let ours = |n: &str| OWNED.iter().any(|k| k.eq_ignore_ascii_case(n));
        let set_lines = doc.key_lines(SET);
        let copied = doc.inherited(&from, &target, ours);
        let plain = doc.upsert(&target, OWNED, SET).to_string();
        let first = format!("{} = {}", SET[0].0, SET[0].1);
        let indent = plain.lines().find(|l| l.trim_start() == first).map_or("", leading);
        prop_assert_eq!(
            &out,
            &plain.replacen(
                &indented(&set_lines, indent),
                &indented(&format!("{set_lines}{copied}"), indent),
                1
            )
        );
        for name in keys_of(&doc, &from).into_iter().filter(|n| !ours(n)) {
            let want = doc.value(&target, name).or_else(|| doc.value(&from, name));
            prop_assert_eq!(new.value(&target, name), want, "{}: {:?}", name, out);
        }
    }
}
