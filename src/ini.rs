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
        let mut seen: Vec<String> = Vec::new();
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
                    seen.push(name.clone());
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
        let eol = self.eol;
        let new_lines: String = set.iter().map(|(k, v)| format!("{k} = {v}{eol}")).collect();
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
            out.push_str(&new_lines);
            return out;
        };
        let removed = |kind: &Kind| matches!(kind, Kind::Key { name, .. } if remove.iter().any(|r| r.eq_ignore_ascii_case(name)));
        // Insert where the first removed key stood, else right after the header.
        let after_header = !self.lines[span.clone()].iter().any(|l| removed(&l.kind));
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
                        out.push_str(&new_lines);
                        inserted = true;
                    }
                    continue;
                }
                Kind::Continuation if dropping => continue,
                _ => dropping = false,
            }
            out.push_str(l.raw);
            if i == span.start && after_header {
                if !l.raw.ends_with('\n') {
                    out.push_str(eol);
                }
                out.push_str(&new_lines);
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
    fn inserts_after_header_when_section_has_no_credentials() {
        assert_eq!(
            upsert("[b]\nregion=x\n[c]\n", "b"),
            "[b]\naws_access_key_id = NEW\naws_secret_access_key = S\nregion=x\n[c]\n"
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
            "[a]\r\naws_access_key_id = NEW\r\naws_secret_access_key = S\r\nx=1\r\n"
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
}
