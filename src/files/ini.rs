//! A line-preserving model of an AWS credentials file.
//!
//! rust-ini reads such files well but cannot write them back without dropping comments, spacing
//! and key order, so edits splice lines: every line outside the edited section is kept byte for
//! byte, and inside it only the keys we own change.

use std::fmt;

/// One physical line, with its terminator (`\n`, `\r\n` or nothing at end of file).
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Blank,
    Comment,
    Section(String),
    Key {
        name: String,
        value: String,
    },
    /// An indented line after a key: configparser folds it into that key's value.
    Continuation,
}

#[derive(Debug, Clone)]
struct Line<'a> {
    raw: &'a str,
    kind: Kind,
}

/// Why a file cannot be safely edited; `line` is 1-based.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub what: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

#[derive(Debug)]
pub struct Doc<'a> {
    lines: Vec<Line<'a>>,
    eol: &'static str,
}

fn classify(raw: &str, after_key: bool) -> Result<Kind, String> {
    let body = raw.trim_end_matches(['\n', '\r']);
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Ok(Kind::Blank);
    }
    if trimmed.starts_with('#') || trimmed.starts_with(';') {
        return Ok(Kind::Comment);
    }
    if let Some(inner) = trimmed.strip_prefix('[') {
        return match inner.strip_suffix(']') {
            Some(name) if !name.trim().is_empty() => Ok(Kind::Section(name.trim().to_string())),
            _ => Err(format!("malformed section header {trimmed:?}")),
        };
    }
    let indented = body.starts_with([' ', '\t']);
    if indented && after_key {
        return Ok(Kind::Continuation);
    }
    match trimmed.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok(Kind::Key {
            name: name.trim().to_string(),
            value: value.trim().to_string(),
        }),
        _ => Err("expected `[section]`, `key = value`, a comment or a blank line".to_string()),
    }
}

impl<'a> Doc<'a> {
    /// Parses `text`, refusing anything an edit could misread: a line that is neither a section,
    /// a key, a comment nor blank, a key before the first section, and a duplicate section.
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        let mut lines = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut in_section = false;
        let mut after_key = false;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let err = |what: String| ParseError { line: i + 1, what };
            let kind = classify(raw, after_key).map_err(err)?;
            match &kind {
                Kind::Section(name) => {
                    if seen.contains(name) {
                        return Err(err(format!("duplicate section [{name}]")));
                    }
                    seen.insert(name.clone());
                    in_section = true;
                }
                Kind::Key { .. } if !in_section => {
                    return Err(err("key outside any [section]".to_string()));
                }
                _ => {}
            }
            after_key = matches!(kind, Kind::Key { .. } | Kind::Continuation);
            lines.push(Line { raw, kind });
        }
        let eol = if text
            .split_inclusive('\n')
            .next()
            .is_some_and(|l| l.ends_with("\r\n"))
        {
            "\r\n"
        } else {
            "\n"
        };
        Ok(Doc { lines, eol })
    }

    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter_map(|l| match &l.kind {
            Kind::Section(name) => Some(name.as_str()),
            _ => None,
        })
    }

    pub fn has_section(&self, section: &str) -> bool {
        self.sections().any(|s| s == section)
    }

    /// Index range of the section's lines, header included.
    fn span(&self, section: &str) -> Option<std::ops::Range<usize>> {
        let start = self
            .lines
            .iter()
            .position(|l| matches!(&l.kind, Kind::Section(n) if n == section))?;
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| matches!(l.kind, Kind::Section(_)))
            .map_or(self.lines.len(), |p| start + 1 + p);
        Some(start..end)
    }

    /// The value of `key` (case-insensitive, as botocore reads it) in `section`.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let span = self.span(section)?;
        self.lines[span].iter().find_map(|l| match &l.kind {
            Kind::Key { name, value } if name.eq_ignore_ascii_case(key) => Some(value.as_str()),
            _ => None,
        })
    }

    /// Returns the whole text with `section` holding `set` in place of every key named in
    /// `remove` (case-insensitive). The new keys take the place of the first removed key, or
    /// follow the header; a missing section is appended. Nothing else changes.
    pub fn upsert(&self, section: &str, remove: &[&str], set: &[(&str, &str)]) -> String {
        self.splice(section, remove, &self.key_lines(set))
    }

    /// `upsert`, and after the set keys, the keys of section `from` that `section` lacks, with
    /// their continuation lines (an `s3 =` block): never one this edit removes or sets, and
    /// never over a key `section` has.
    pub fn upsert_inheriting(
        &self,
        section: &str,
        remove: &[&str],
        set: &[(&str, &str)],
        from: &str,
    ) -> String {
        let ours = |name: &str| {
            remove
                .iter()
                .chain(set.iter().map(|(k, _)| k))
                .any(|k| k.eq_ignore_ascii_case(name))
        };
        let mut lines = self.key_lines(set);
        lines.push_str(&self.inherited(from, section, ours));
        self.splice(section, remove, &lines)
    }

    fn key_lines(&self, set: &[(&str, &str)]) -> String {
        let eol = self.eol;
        set.iter().map(|(k, v)| format!("{k} = {v}{eol}")).collect()
    }

    /// The lines of `from`'s keys (the first of each name, as `get` reads) that `to` lacks and
    /// `skip` does not name. A key line loses its indentation, which after another key would
    /// make it a continuation of that key; its continuation lines stay as they are.
    fn inherited(&self, from: &str, to: &str, skip: impl Fn(&str) -> bool) -> String {
        let Some(span) = self.span(from) else {
            return String::new();
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut out = String::new();
        let mut copying = false;
        for l in &self.lines[span] {
            let body = l.raw.trim_end_matches(['\n', '\r']);
            match &l.kind {
                Kind::Key { name, .. } => {
                    copying = !seen.iter().any(|s| s.eq_ignore_ascii_case(name))
                        && !skip(name)
                        && self.get(to, name).is_none();
                    seen.push(name);
                    if copying {
                        out.push_str(body.trim_start());
                        out.push_str(self.eol);
                    }
                }
                Kind::Continuation if copying => {
                    out.push_str(body);
                    out.push_str(self.eol);
                }
                Kind::Continuation => {}
                _ => copying = false,
            }
        }
        out
    }

    /// The whole text with `new_lines` in `section` in place of the keys named in `remove`.
    fn splice(&self, section: &str, remove: &[&str], new_lines: &str) -> String {
        let eol = self.eol;
        let mut out = String::new();
        let Some(span) = self.span(section) else {
            for l in &self.lines {
                out.push_str(l.raw);
            }
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(eol);
            }
            if self.lines.last().is_some_and(|l| l.kind != Kind::Blank) {
                out.push_str(eol);
            }
            out.push_str(&format!("[{section}]{eol}"));
            out.push_str(new_lines);
            return out;
        };
        let removed = |kind: &Kind| matches!(kind, Kind::Key { name, .. } if remove.iter().any(|r| r.eq_ignore_ascii_case(name)));
        // Insert where the first removed key stood. Else after the section's last key: right
        // after the header, an indented first key would become a continuation of ours.
        let has_removed = self.lines[span.clone()].iter().any(|l| removed(&l.kind));
        let anchor = (!has_removed).then(|| {
            span.clone()
                .rev()
                .find(|&i| matches!(self.lines[i].kind, Kind::Key { .. } | Kind::Continuation))
                .unwrap_or(span.start)
        });
        let mut inserted = false;
        let mut dropping = false;
        for (i, l) in self.lines.iter().enumerate() {
            if !span.contains(&i) {
                out.push_str(l.raw);
                continue;
            }
            match &l.kind {
                kind if removed(kind) => {
                    dropping = true;
                    if !inserted {
                        out.push_str(new_lines);
                        inserted = true;
                    }
                    continue;
                }
                Kind::Continuation if dropping => continue,
                _ => dropping = false,
            }
            out.push_str(l.raw);
            if anchor == Some(i) {
                if !l.raw.ends_with('\n') {
                    out.push_str(eol);
                }
                out.push_str(new_lines);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDS: &[&str] = &["aws_access_key_id", "aws_secret_access_key"];

    fn upsert(text: &str, section: &str) -> String {
        Doc::parse(text).unwrap().upsert(
            section,
            CREDS,
            &[("aws_access_key_id", "NEW"), ("aws_secret_access_key", "S")],
        )
    }

    #[test]
    fn replaces_keys_in_place_and_keeps_everything_else() {
        let text = "# top\n[identity]\nAWS_Access_Key_Id=A\n\n; c\n[default]\nregion = eu-west-1\naws_access_key_id = OLD\n  aws_secret_access_key=X\noutput=json\n\n# tail";
        let out = upsert(text, "default");
        assert_eq!(
            out,
            "# top\n[identity]\nAWS_Access_Key_Id=A\n\n; c\n[default]\nregion = eu-west-1\naws_access_key_id = NEW\naws_secret_access_key = S\noutput=json\n\n# tail"
        );
    }

    #[test]
    fn appends_missing_section_after_a_blank_line() {
        assert_eq!(
            upsert("[a]\nk=v", "b"),
            "[a]\nk=v\n\n[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
        );
        assert_eq!(
            upsert("", "b"),
            "[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
        );
        assert_eq!(
            upsert("[a]\n\n", "b"),
            "[a]\n\n[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
        );
    }

    #[test]
    fn inserts_after_the_last_key_when_section_has_no_credentials() {
        assert_eq!(
            upsert("[b]\nregion=x\n  more\n\n# about c\n[c]\n", "b"),
            "[b]\nregion=x\n  more\naws_access_key_id = NEW\naws_secret_access_key = S\n\n# about c\n[c]\n"
        );
        assert_eq!(
            upsert("[b]", "b"),
            "[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
        );
    }

    #[test]
    fn keeps_crlf() {
        assert_eq!(
            upsert("[a]\r\nx=1\r\n", "a"),
            "[a]\r\nx=1\r\naws_access_key_id = NEW\r\naws_secret_access_key = S\r\n"
        );
    }

    #[test]
    fn drops_continuation_lines_of_removed_keys() {
        assert_eq!(
            upsert(
                "[a]\naws_secret_access_key = x\n  more\nk = v\n  nested = 1\n",
                "a"
            ),
            "[a]\naws_access_key_id = NEW\naws_secret_access_key = S\nk = v\n  nested = 1\n"
        );
    }

    #[test]
    fn reads_values_case_insensitively() {
        let doc = Doc::parse("[p]\nAWS_ACCESS_KEY_ID = AK \nregion=us-west-2\n").unwrap();
        assert_eq!(doc.get("p", "aws_access_key_id"), Some("AK"));
        assert_eq!(doc.get("p", "missing"), None);
        assert_eq!(doc.get("q", "region"), None);
        assert_eq!(doc.sections().collect::<Vec<_>>(), ["p"]);
    }

    #[test]
    fn refuses_what_it_cannot_edit_safely() {
        let err = |t: &str| Doc::parse(t).unwrap_err();
        assert_eq!(err("[a]\nk=v\n[a]\n").line, 3);
        assert!(
            err("[a]\nk=v\n[a]\n")
                .what
                .contains("duplicate section [a]")
        );
        assert_eq!(err("[a]\njunk\n").line, 2);
        assert_eq!(err("k=v\n[a]\n").line, 1);
        assert_eq!(err("[a\n").line, 1);
        assert_eq!(err("[]\n").line, 1);
        assert_eq!(err("[a]\n  indented junk\n").line, 2);
    }

    #[test]
    fn section_names_with_spaces_and_unicode() {
        let doc = Doc::parse("[ my prof ]\nk=v\n[prod ünï]\n").unwrap();
        assert!(doc.has_section("my prof"));
        assert!(doc.has_section("prod ünï"));
    }

    /// botocore (configparser) reads an indented line after a key as that key's continuation.
    /// New keys inserted right after a header that is followed by an indented key turn that key
    /// into part of the last new value: `[t]\n  region = x` becomes `expiration = …\n  region = x`,
    /// which botocore reads as expiration "…\nregion = x" and no region.
    #[test]
    fn an_indented_first_line_stays_a_key_of_its_own() {
        let out = upsert("[t]\n  region = x\n", "t");
        let doc = Doc::parse(&out).unwrap();
        assert_eq!(doc.get("t", "region"), Some("x"), "{out:?}");
        assert_eq!(doc.get("t", "aws_secret_access_key"), Some("S"), "{out:?}");
        let again = upsert(&out, "t");
        assert!(
            again.contains("region = x"),
            "lost on the next edit: {again:?}"
        );
    }

    /// awsmfa 0.2 copied the identity's settings ("including region or s3") to the target.
    #[test]
    fn inherits_the_keys_the_target_lacks_with_their_nested_lines() {
        const OWNED: &[&str] = crate::files::credfile::OWNED_KEYS;
        let set = &[("aws_access_key_id", "NEW"), ("expiration", "E")];
        let identity = "[identity]\n  region = eu-west-1\naws_access_key_id = AK\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\nexpiration = old\n  old-continued\nREGION = second\noutput=json\n# c\n";
        let doc = Doc::parse(identity).unwrap();
        assert_eq!(
            doc.upsert_inheriting("new", OWNED, set, "identity"),
            format!(
                "{identity}\n[new]\naws_access_key_id = NEW\nexpiration = E\nregion = eu-west-1\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\noutput=json\n"
            )
        );
        // The target's own keys win, whatever their case; the rest follows ours.
        let text = format!("{identity}[t]\nRegion = us-east-2\naws_access_key_id = OLD\nk = v\n");
        assert_eq!(
            Doc::parse(&text)
                .unwrap()
                .upsert_inheriting("t", OWNED, set, "identity"),
            format!(
                "{identity}[t]\nRegion = us-east-2\naws_access_key_id = NEW\nexpiration = E\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\noutput=json\nk = v\n"
            )
        );
        let crlf = "[i]\r\nregion = x\r\n";
        assert_eq!(
            Doc::parse(crlf)
                .unwrap()
                .upsert_inheriting("t", OWNED, set, "i"),
            format!("{crlf}\r\n[t]\r\naws_access_key_id = NEW\r\nexpiration = E\r\nregion = x\r\n")
        );
    }

    /// Property: for any file that parses, `upsert` changes only the target section's lines,
    /// the result parses again, and the target holds each set key exactly once plus its other
    /// lines in order. Files mix sections, keys, continuation lines, comments and blank lines,
    /// LF and CRLF, odd spacing and case, with or without a final newline.
    mod prop {
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
        const HEADERS: &[&str] = &["[{}]", "[ {} ]", "  [{}]", "[{}]  ", "\t[ {}]"];
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
            /// indent, key, space before `=`, space after, value, continuation lines.
            Key(usize, usize, usize, usize, usize, usize),
            Comment(usize),
            Blank(usize),
        }

        fn entry() -> impl Strategy<Value = Entry> {
            prop_oneof![
                5 => (0..3usize, 0..KEYS.len(), 0..SPACES.len(), 0..SPACES.len(), 0..VALUES.len(), 0..3usize)
                    .prop_map(|(i, k, a, b, v, c)| Entry::Key(i, k, a, b, v, c)),
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

        /// Appends the lines of `e`; `after_key` tracks whether an indented line would continue a
        /// key.
        fn push(e: &Entry, out: &mut Vec<String>, after_key: &mut bool) {
            match *e {
                Entry::Key(indent, k, a, b, v, cont) => {
                    // Indented right after a key, it would be a continuation line.
                    let indent = if *after_key { "" } else { SPACES[indent] };
                    let (key, a, b, v) = (KEYS[k], SPACES[a], SPACES[b], VALUES[v]);
                    out.push(format!("{indent}{key}{a}={b}{v}"));
                    for c in 0..cont {
                        out.push(format!("{}more{c}", [" ", "\t", "    "][c % 3]));
                    }
                    *after_key = true;
                }
                Entry::Comment(c) => {
                    out.push(COMMENTS[c].to_string());
                    *after_key = *after_key && COMMENTS[c].starts_with(' ');
                }
                Entry::Blank(b) => {
                    out.push(BLANKS[b].to_string());
                    *after_key = false;
                }
            }
        }

        /// The file's lines, without terminators.
        fn lines(pre: &[Entry], sections: &[(usize, &str, Vec<Entry>)]) -> Vec<String> {
            let mut out = Vec::new();
            let mut after_key = false;
            for e in pre {
                push(e, &mut out, &mut after_key);
            }
            for (style, name, entries) in sections {
                out.push(HEADERS[*style].replace("{}", name));
                after_key = false;
                for e in entries {
                    push(e, &mut out, &mut after_key);
                }
            }
            out
        }

        prop_compose! {
            /// A file that parses, and the target: an existing section or a new one.
            fn file()(
                pre in proptest::collection::vec(trivia(), 0..3),
                names in proptest::sample::subsequence(NAMES, 0..=5).prop_shuffle(),
                bodies in proptest::collection::vec(
                    (0..HEADERS.len(), proptest::collection::vec(entry(), 0..7)), 5),
                eol_mode in 0..3u8,
                eol_bits in proptest::collection::vec(any::<bool>(), 60),
                final_newline in any::<bool>(),
                pick in any::<proptest::sample::Index>(),
                new_name in 0..NEW_NAMES.len(),
                existing in any::<bool>(),
            ) -> (String, String) {
                let sections: Vec<(usize, &str, Vec<Entry>)> = names
                    .iter()
                    .zip(bodies)
                    .map(|(n, (style, entries))| (style, *n, entries))
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
        /// continuation lines.
        fn others<'a>(doc: &'a Doc, section: &str, remove: &[&str]) -> Vec<&'a str> {
            let Some(span) = doc.span(section) else {
                return Vec::new();
            };
            let mut dropping = false;
            let mut kept = Vec::new();
            for l in &doc.lines[span] {
                if removed(&l.kind, remove) {
                    dropping = true;
                    continue;
                }
                if dropping && l.kind == Kind::Continuation {
                    continue;
                }
                dropping = false;
                kept.push(l.raw.trim_end_matches(['\n', '\r']));
            }
            kept
        }

        /// Byte offsets of the section's first line and of the line after its last.
        fn bytes(doc: &Doc, section: &str) -> Option<(usize, usize)> {
            let span = doc.span(section)?;
            let at = |i: usize| doc.lines[..i].iter().map(|l| l.raw.len()).sum();
            Some((at(span.start), at(span.end)))
        }

        /// The section's key names, in order.
        fn keys_of<'a>(doc: &'a Doc, section: &str) -> Vec<&'a str> {
            let Some(span) = doc.span(section) else {
                return Vec::new();
            };
            doc.lines[span]
                .iter()
                .filter_map(|l| match &l.kind {
                    Kind::Key { name, .. } => Some(name.as_str()),
                    _ => None,
                })
                .collect()
        }

        /// The first `key` of the section as configparser reads it: the value and its
        /// continuation lines, trimmed.
        fn read_entry(doc: &Doc, section: &str, key: &str) -> Option<Vec<String>> {
            let span = doc.span(section)?;
            let lines = &doc.lines[span];
            let at = lines.iter().position(
                |l| matches!(&l.kind, Kind::Key { name, .. } if name.eq_ignore_ascii_case(key)),
            )?;
            let Kind::Key { value, .. } = &lines[at].kind else {
                unreachable!()
            };
            let mut out = vec![value.clone()];
            out.extend(
                lines[at + 1..]
                    .iter()
                    .take_while(|l| l.kind == Kind::Continuation)
                    .map(|l| l.raw.trim().to_string()),
            );
            Some(out)
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
                let out = doc.upsert(&target, remove, set);

                // It parses again, and a second identical edit changes nothing.
                let new = Doc::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
                prop_assert_eq!(new.upsert(&target, remove, set), out.clone());

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
                // ours; the other lines as they were, in order.
                let span = new.span(&target).expect("target present");
                let ours: Vec<(&str, &str)> = new.lines[span]
                    .iter()
                    .filter(|l| removed(&l.kind, remove))
                    .map(|l| match &l.kind {
                        Kind::Key { name, value } => (name.as_str(), value.as_str()),
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
                prop_assert_eq!(new.sections().count(), doc.sections().count() + usize::from(!doc.has_section(&target)));
            }

            /// `upsert_inheriting` is `upsert` with the source's keys that the target lacks
            /// right after the set keys, and each of them then reads in the target as it
            /// reads in the source.
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
                let out = doc.upsert_inheriting(&target, OWNED, SET, &from);

                let new = Doc::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
                prop_assert_eq!(new.upsert_inheriting(&target, OWNED, SET, &from), out.clone());

                let ours = |n: &str| OWNED.iter().any(|k| k.eq_ignore_ascii_case(n));
                let set_lines = doc.key_lines(SET);
                let copied = doc.inherited(&from, &target, ours);
                prop_assert_eq!(
                    &out,
                    &doc.upsert(&target, OWNED, SET)
                        .replacen(&set_lines, &format!("{set_lines}{copied}"), 1)
                );
                for name in keys_of(&doc, &from).into_iter().filter(|n| !ours(n)) {
                    let want = read_entry(&doc, &target, name).or_else(|| read_entry(&doc, &from, name));
                    prop_assert_eq!(read_entry(&new, &target, name), want, "{}: {:?}", name, out);
                }
            }
        }
    }
}
