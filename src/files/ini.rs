//! A line-preserving model of an AWS credentials file, read as botocore reads it.
//!
//! botocore parses the file with Python's `configparser.RawConfigParser`: a header is `[` up to
//! the line's last `]`, and its name is the profile name verbatim (spaces included); a key ends
//! at the first `=` or `:` and is lowercased; only whole lines are comments (`#`, `;`); a line
//! indented deeper than the key above it continues that key's value, even past blank and comment
//! lines; a value that starts on such lines (`s3 =` then `  k = v`) is a nested table; duplicate
//! sections and keys are errors. `Doc` applies the same rules, so awsmfa sees the profiles and
//! values botocore sees, or refuses the file naming the line.
//!
//! Edits splice lines: every line outside the edited section is kept byte for byte, and inside
//! it only the keys we own change, placed so that botocore reads every other line as before.

use std::collections::HashSet;
use std::fmt;

/// One physical line, with its terminator (`\n`, `\r\n` or nothing at end of file).
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Blank,
    Comment,
    Section(String),
    /// `name` as botocore keys it (lowercased); `value` as configparser joins the key's line
    /// and its continuation lines.
    Key {
        name: String,
        value: String,
    },
    /// An indented line that configparser folds into the value of the key above it.
    Continuation,
}

#[derive(Debug, Clone)]
struct Line<'a> {
    raw: &'a str,
    kind: Kind,
}

/// Why a file cannot be read as botocore reads it, or safely edited; `line` is 1-based.
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

/// Characters Python and awsmfa would split or strip differently: line breaks to Python (in a
/// file, or in a nested value) that are not `\n`, and the separators Python counts as spaces.
fn misread(c: char) -> bool {
    matches!(
        c,
        '\r' | '\u{b}' | '\u{c}' | '\u{1c}'..='\u{1f}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// The line without its terminator.
fn body(raw: &str) -> &str {
    match raw.strip_suffix('\n') {
        Some(b) => b.strip_suffix('\r').unwrap_or(b),
        None => raw,
    }
}

/// The line's leading whitespace; configparser measures indentation in characters.
fn leading(body: &str) -> &str {
    &body[..body.len() - body.trim_start().len()]
}

/// The name in a section header: configparser's `\[(?P<header>.+)\]` matched at the start of
/// the stripped line, greedy, so `[x] # note` is `x` and `[a]b]` is `a]b`.
fn header(stripped: &str) -> Option<&str> {
    let inner = stripped.strip_prefix('[')?;
    let end = inner.rfind(']').filter(|&e| e > 0)?;
    Some(&inner[..end])
}

/// `key` and `value` of an option line: the key ends at the first `=` or `:`.
fn option(stripped: &str) -> Option<(&str, &str)> {
    let at = stripped.find(['=', ':'])?;
    Some((stripped[..at].trim_end(), stripped[at + 1..].trim()))
}

impl<'a> Doc<'a> {
    /// Parses `text` as botocore does, refusing what botocore refuses (a line that is neither a
    /// section, a key, a comment nor blank; a key before the first section; a duplicate section
    /// or key; a nested value line without `=`) and what awsmfa would read differently or could
    /// not edit safely (characters Python splits or strips otherwise, a byte-order mark, a
    /// `[DEFAULT]` section, whose keys configparser gives to every profile).
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        let mut lines: Vec<Line<'a>> = Vec::new();
        let mut sections = HashSet::new();
        let mut keys = HashSet::new();
        let mut in_section = false;
        // configparser's state: the key whose value continues, and the indentation of the
        // last key or header line.
        let mut key: Option<usize> = None;
        let mut level = 0;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let err = |what: String| ParseError { line: i + 1, what };
            let body = body(raw);
            if let Some(c) = body.chars().find(|&c| misread(c)) {
                return Err(err(format!(
                    "contains {}, which botocore and awsmfa would read differently; remove it",
                    if c == '\r' {
                        "a carriage return that does not end the line".to_string()
                    } else {
                        format!("the character U+{:04X}", c as u32)
                    }
                )));
            }
            if i == 0 && body.starts_with('\u{feff}') {
                return Err(err(
                    "starts with a byte-order mark, which botocore cannot read; save the file as \
                     UTF-8 without one"
                        .to_string(),
                ));
            }
            let stripped = body.trim();
            let indent = leading(body).chars().count();
            let kind = if stripped.starts_with(['#', ';']) {
                Kind::Comment
            } else if stripped.is_empty() {
                // configparser adds an empty line to the value, dropped again if it ends it.
                if let Some(Kind::Key { value, .. }) = key.map(|k| &mut lines[k].kind) {
                    value.push('\n');
                }
                Kind::Blank
            } else if let Some(k) = key.filter(|_| indent > level) {
                let Kind::Key { name, value } = &mut lines[k].kind else {
                    unreachable!("`key` indexes a key line")
                };
                if (value.is_empty() || value.starts_with('\n')) && !stripped.contains('=') {
                    return Err(err(format!(
                        "botocore reads the lines indented under `{name} =` as `name = value` \
                         settings, and this one has no `=`"
                    )));
                }
                value.push('\n');
                value.push_str(stripped);
                Kind::Continuation
            } else {
                level = indent;
                if let Some(name) = header(stripped) {
                    if name == "DEFAULT" {
                        return Err(err(
                            "[DEFAULT] is no profile: botocore gives its keys to every profile; \
                             rename it"
                                .to_string(),
                        ));
                    }
                    if !sections.insert(name) {
                        return Err(err(format!("duplicate section [{name}]")));
                    }
                    keys.clear();
                    in_section = true;
                    key = None;
                    Kind::Section(name.to_string())
                } else {
                    match option(stripped) {
                        Some(_) if !in_section => {
                            return Err(err("key outside any [section]".to_string()));
                        }
                        Some((name, value)) if !name.is_empty() => {
                            let name = name.to_lowercase();
                            if !keys.insert(name.clone()) {
                                return Err(err(format!("duplicate key {name}")));
                            }
                            key = Some(lines.len());
                            Kind::Key {
                                name,
                                value: value.to_string(),
                            }
                        }
                        Some(_) => return Err(err("no key name before `=`".to_string())),
                        None => {
                            return Err(err(
                                "expected `[section]`, `key = value`, a comment or a blank line"
                                    .to_string(),
                            ));
                        }
                    }
                }
            };
            lines.push(Line { raw, kind });
        }
        for line in &mut lines {
            if let Kind::Key { value, .. } = &mut line.kind {
                value.truncate(value.trim_end().len());
            }
        }
        let eol = if lines.first().is_some_and(|l| l.raw.ends_with("\r\n")) {
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

    /// The value of `key` in `section` as configparser gives it, nested tables included.
    fn value(&self, section: &str, key: &str) -> Option<&str> {
        let span = self.span(section)?;
        self.lines[span].iter().find_map(|l| match &l.kind {
            Kind::Key { name, value } if name.eq_ignore_ascii_case(key) => Some(value.as_str()),
            _ => None,
        })
    }

    /// The value of `key` (case-insensitive, as botocore reads it) in `section`; a nested
    /// table (`key =` followed by indented `name = value` lines) is no value.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.value(section, key).filter(|v| !v.starts_with('\n'))
    }

    /// `name` in the nested table of `key` in `section` (`sts =` then `  endpoint_url = …`),
    /// as botocore reads it: names as written, the last one wins.
    pub fn nested(&self, section: &str, key: &str, name: &str) -> Option<&str> {
        let table = self.value(section, key)?.strip_prefix('\n')?;
        table
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim())
            .next_back()
    }

    /// Returns the whole text with `section` holding `set` in place of every key named in
    /// `remove` (case-insensitive) and the lines that continue their values. The new keys take
    /// the place of the first removed key, or follow the section's last key or its header; a
    /// missing section is appended. Nothing else changes. See `unwritable` for what `set` and
    /// `section` may hold.
    pub fn upsert(&self, section: &str, remove: &[&str], set: &[(&str, &str)]) -> String {
        self.splice(section, remove, &self.key_lines(set))
    }

    /// `upsert`, and after the set keys, the keys of section `from` that `section` lacks, with
    /// the lines that continue their values (an `s3 =` block): never one this edit removes or
    /// sets, and never over a key `section` has.
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

    /// The lines of `from`'s keys that `to` lacks and `skip` does not name, unindented, so
    /// that `splice` can indent them with the new keys. A key's continuation lines keep their
    /// own indentation, which `splice` deepens with the rest: deeper than the key, they still
    /// continue it. Blank lines between them count in the value and come along; comment lines
    /// do not.
    fn inherited(&self, from: &str, to: &str, skip: impl Fn(&str) -> bool) -> String {
        let Some(span) = self.span(from) else {
            return String::new();
        };
        let mut out = String::new();
        let mut copying = false;
        let mut blanks = 0;
        for l in &self.lines[span] {
            let body = body(l.raw);
            match &l.kind {
                Kind::Key { name, .. } => {
                    copying = !skip(name) && self.value(to, name).is_none();
                    blanks = 0;
                    if copying {
                        out.push_str(body.trim_start());
                        out.push_str(self.eol);
                    }
                }
                Kind::Continuation if copying => {
                    for _ in 0..std::mem::take(&mut blanks) {
                        out.push_str(self.eol);
                    }
                    out.push_str(body);
                    out.push_str(self.eol);
                }
                Kind::Blank => blanks += 1,
                _ => {}
            }
        }
        out
    }

    /// The whole text with `new_lines` (unindented key lines, and the continuation lines of
    /// their values) in `section` in place of the keys named in `remove` and the lines that
    /// continue their values.
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
        // The removed keys and their continuation lines, which may follow blank and comment
        // lines.
        let mut gone = vec![false; self.lines.len()];
        let mut dropping = false;
        for i in span.clone() {
            match &self.lines[i].kind {
                Kind::Key { name, .. } => {
                    dropping = remove.iter().any(|r| r.eq_ignore_ascii_case(name));
                    gone[i] = dropping;
                }
                Kind::Continuation => gone[i] = dropping,
                _ => {}
            }
        }
        let at = match span.clone().find(|&i| gone[i]) {
            Some(first) => first,
            None => {
                let last = span
                    .clone()
                    .rev()
                    .find(|&i| matches!(self.lines[i].kind, Kind::Key { .. } | Kind::Continuation));
                last.unwrap_or(span.start) + 1
            }
        };
        // The new lines take the indentation of the next key or header: indented less, that
        // line would continue our last value; more, our first key would continue the value
        // above it. Not indented at the end of the file.
        let next = (at..self.lines.len())
            .filter(|&i| !gone[i])
            .find(|&i| matches!(self.lines[i].kind, Kind::Key { .. } | Kind::Section(_)));
        let block = indented(
            new_lines,
            next.map_or("", |i| leading(body(self.lines[i].raw))),
        );
        for (i, l) in self.lines.iter().enumerate() {
            if i == at {
                out.push_str(&block);
            }
            if !gone[i] {
                out.push_str(l.raw);
            }
        }
        if at == self.lines.len() {
            if !out.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&block);
        }
        out
    }
}

/// `lines` with `indent` before each line that is not blank.
fn indented(lines: &str, indent: &str) -> String {
    lines
        .split_inclusive('\n')
        .map(|l| match body(l).trim().is_empty() {
            true => l.to_string(),
            false => format!("{indent}{l}"),
        })
        .collect()
}

/// Why botocore would not read `[section]` holding `set` back as awsmfa writes them (with
/// `upsert`), if it would not. Keys are awsmfa's own names.
pub fn unwritable(section: &str, set: &[(&str, &str)]) -> Option<String> {
    let odd = |s: &str| s.chars().any(|c| c == '\n' || misread(c));
    if section.is_empty() || odd(section) {
        return Some(format!(
            "the profile name {section:?} cannot be a [section] name: it is empty or holds a line break"
        ));
    }
    if section == "DEFAULT" {
        return Some(
            "[DEFAULT] is no profile: botocore would give its keys to every profile".to_string(),
        );
    }
    set.iter()
        .find(|(_, v)| odd(v) || v.trim() != *v)
        .map(|(key, v)| {
            format!("the {key} value {v:?} has a line break or spaces at either end, which botocore would not read back")
        })
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
        // Past blank and comment lines too, which stay.
        assert_eq!(
            upsert(
                "[a]\naws_secret_access_key = x\n\n# c\n  more\nk = v\n",
                "a"
            ),
            "[a]\naws_access_key_id = NEW\naws_secret_access_key = S\n\n# c\nk = v\n"
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

    /// What botocore reads and the previous parser did not: `key: value`, a comment after a
    /// header, headers up to their last `]`, continuation lines after blank and comment lines,
    /// inline `#` as part of the value, spaces inside the brackets as part of the name.
    #[test]
    fn reads_as_configparser_does() {
        let doc = Doc::parse(
            "[x] # note\nregion: eu-west-1\nk = v # not a comment\n  more\n\n# c\n  last\n\
             [ spaced ]\na=b:c\nc:d=e\n[p]q]\n[y]junk]\ns3 =\n  addressing_style = path\n\n  \
             max = 1\n  max = 2\n",
        )
        .unwrap();
        assert_eq!(
            doc.sections().collect::<Vec<_>>(),
            ["x", " spaced ", "p]q", "y]junk"]
        );
        assert_eq!(doc.get("x", "region"), Some("eu-west-1"));
        assert_eq!(doc.get("x", "k"), Some("v # not a comment\nmore\n\nlast"));
        assert!(!doc.has_section("spaced"));
        assert_eq!(doc.get(" spaced ", "a"), Some("b:c"));
        assert_eq!(doc.get(" spaced ", "c"), Some("d=e"));
        assert_eq!(doc.get("y]junk", "s3"), None);
        assert_eq!(doc.nested("y]junk", "s3", "addressing_style"), Some("path"));
        assert_eq!(doc.nested("y]junk", "s3", "max"), Some("2"));
        assert_eq!(doc.nested("x", "region", "max"), None);
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
        for (text, line, what) in [
            ("[a]\nK=1\nk:2\n", 3, "duplicate key k"),
            ("[a]\n= v\n", 2, "no key name"),
            ("[a]\nk =\n  no equals\n", 3, "has no `=`"),
            ("[DEFAULT]\nk=v\n", 1, "[DEFAULT] is no profile"),
            ("\u{feff}[a]\n", 1, "byte-order mark"),
            ("[a]\nk = v\rw\n", 2, "carriage return"),
            ("[a]\nk = v\u{1c}\n", 2, "U+001C"),
        ] {
            let e = err(text);
            assert_eq!(
                (e.line, e.what.contains(what)),
                (line, true),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn section_names_are_kept_verbatim() {
        let doc = Doc::parse("[ my prof ]\nk=v\n[prod ünï]\n").unwrap();
        assert!(doc.has_section(" my prof "));
        assert!(!doc.has_section("my prof"));
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
        let identity = "[identity]\n  region = eu-west-1\naws_access_key_id = AK\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\nexpiration = old\n  old-continued\noutput=json\n# c\n";
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
        // A value continued past a blank line comes whole, indented with the new keys.
        let text = "[i]\nk = a\n\n# c\n  b\n[t]\n  aws_access_key_id = OLD\n  region = x\n";
        let out = Doc::parse(text)
            .unwrap()
            .upsert_inheriting("t", OWNED, set, "i");
        assert_eq!(
            out,
            "[i]\nk = a\n\n# c\n  b\n[t]\n  aws_access_key_id = NEW\n  expiration = E\n  k = a\n\n    b\n  region = x\n"
        );
        let doc = Doc::parse(&out).unwrap();
        assert_eq!(
            (doc.get("t", "k"), doc.get("t", "region")),
            (Some("a\n\nb"), Some("x"))
        );
    }

    /// Keys indented alike are all keys; new keys replacing the first must be indented alike,
    /// or the keys after them would continue the last new value.
    #[test]
    fn new_keys_take_the_indentation_of_the_next_key() {
        let out = upsert("[t]\n  aws_access_key_id = OLD\n  region = x\n[u]\n", "t");
        assert_eq!(
            out,
            "[t]\n  aws_access_key_id = NEW\n  aws_secret_access_key = S\n  region = x\n[u]\n"
        );
        let doc = Doc::parse(&out).unwrap();
        assert_eq!(doc.get("t", "region"), Some("x"));
        assert_eq!(doc.get("t", "aws_secret_access_key"), Some("S"));
    }

    #[test]
    fn unwritable_names_and_values() {
        assert_eq!(unwritable("x] # y", &[("k", "v = w # z")]), None);
        assert_eq!(unwritable(" spaced ", &[("k", "")]), None);
        for (section, value) in [
            ("", "v"),
            ("a\nb", "v"),
            ("DEFAULT", "v"),
            ("a", " v"),
            ("a", "v\n"),
            ("a", "v\u{2028}w"),
        ] {
            assert!(
                unwritable(section, &[("k", "ok"), ("k2", value)]).is_some(),
                "{section:?} {value:?}"
            );
        }
    }

    /// Differential property: botocore's own parser (`botocore.configloader.raw_config_parse`,
    /// run by a python3 that stays up for the whole test) and `Doc` read every generated file
    /// alike — the same profiles, keys and values, nested tables included — or `Doc` refuses
    /// it, and then botocore refuses it too unless the refusal is one of awsmfa's own (a
    /// `[DEFAULT]` section, characters Python splits or strips otherwise). And after
    /// `upsert_inheriting` writes a profile into a file both read, botocore reads exactly the
    /// values written there, the inherited ones as in their source, and everything else as
    /// before.
    mod botocore {
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
            for l in &doc.lines {
                match &l.kind {
                    Kind::Section(name) => {
                        current = name.clone();
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
            " a ", "default", " default", "x]y", "[z", "a b", "ü", "#h", "a=b", "k: v", "",
            "DEFAULT",
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
        fn name(
            prefix: &'static str,
            odd: &'static [&'static str],
        ) -> impl Strategy<Value = String> {
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
                let out = doc.upsert_inheriting(target, OWNED, SET, from);
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
    }

    /// Property: for any file that parses, `upsert` changes only the target section's lines,
    /// the result parses again, and the target holds each set key exactly once plus its other
    /// lines in order, every other key keeping its value. Files mix sections, keys indented
    /// alike or deeper (continuations), continuation lines, comments and blank lines, LF and
    /// CRLF, odd spacing and case, with or without a final newline.
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
            for l in &doc.lines[span] {
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
            doc.lines[span]
                .iter()
                .filter_map(|l| match &l.kind {
                    Kind::Key { name, value } if !removed(&l.kind, remove) => {
                        Some((name.as_str(), value.as_str()))
                    }
                    _ => None,
                })
                .collect()
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

        /// Byte offsets of the section's first line and of the line after its last.
        fn bytes(doc: &Doc, section: &str) -> Option<(usize, usize)> {
            let span = doc.span(section)?;
            let at = |i: usize| doc.lines[..i].iter().map(|l| l.raw.len()).sum();
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
                // ours; the other lines as they were, in order, and every other key with the
                // value it had.
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
                let out = doc.upsert_inheriting(&target, OWNED, SET, &from);

                let new = Doc::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
                prop_assert_eq!(new.upsert_inheriting(&target, OWNED, SET, &from), out.clone());

                let ours = |n: &str| OWNED.iter().any(|k| k.eq_ignore_ascii_case(n));
                let set_lines = doc.key_lines(SET);
                let copied = doc.inherited(&from, &target, ours);
                let plain = doc.upsert(&target, OWNED, SET);
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
    }
}
