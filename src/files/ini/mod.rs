//! The AWS INI files awsmfa reads — the credentials file, `~/.aws/config` and its own session
//! cache — as botocore reads them, in a model that keeps every line so that `edit` can change
//! one section and leave the rest byte for byte.
//!
//! botocore parses these files with Python's `configparser.RawConfigParser`: a header is `[` up to
//! the line's last `]`, and its name is the profile name verbatim (spaces included); a key ends
//! at the first `=` or `:` and is lowercased; only whole lines are comments (`#`, `;`); a line
//! indented deeper than the key above it continues that key's value, even past blank and comment
//! lines; a value that starts on such lines (`s3 =` then `  k = v`) is a nested table; duplicate
//! sections and keys are errors. `Doc` applies the same rules, so awsmfa sees the profiles and
//! values botocore sees, or refuses the file naming the line.
//!
//! This module is the parser and the document (`Doc`); `edit` splices lines into it.

#[cfg(test)]
mod differential;
mod edit;
#[cfg(test)]
mod prop;
#[cfg(test)]
mod tests;

pub use edit::unwritable;

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// One physical line, with its terminator (`\n`, `\r\n` or nothing at end of file). Names and
/// values borrow from the text unless botocore's reading differs from it (a name with capitals,
/// a value continued on other lines): a big file costs few allocations.
#[derive(Debug, Clone, PartialEq)]
enum Kind<'a> {
    Blank,
    Comment,
    Section(&'a str),
    /// `name` as botocore keys it (lowercased); `value` as configparser joins the key's line
    /// and its continuation lines.
    Key {
        name: Cow<'a, str>,
        value: Cow<'a, str>,
    },
    /// An indented line that configparser folds into the value of the key above it.
    Continuation,
}

#[derive(Debug, Clone)]
struct Line<'a> {
    raw: &'a str,
    kind: Kind<'a>,
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
    /// The text's length, for sizing an edited copy at once.
    len: usize,
}

/// Characters Python and awsmfa would split or strip differently: line breaks to Python (in a
/// file, or in a nested value) that are not `\n`, and the separators Python counts as spaces.
fn misread(c: char) -> bool {
    matches!(
        c,
        '\r' | '\u{b}' | '\u{c}' | '\u{1c}'..='\u{1f}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether `b` may be (part of) a character `misread` names: a cheap test that rules out most
/// texts before any character is decoded. U+0085 is C2 85 in UTF-8, U+2028 and U+2029 start
/// with E2.
const fn may_misread(b: u8) -> bool {
    matches!(b, b'\r' | 0x0b | 0x0c | 0x1c..=0x1f | 0xc2 | 0xe2)
}

/// `may_misread` of every byte, looked up: a few instructions a byte.
const MAY_MISREAD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = may_misread(b as u8);
        b += 1;
    }
    table
};

/// FNV-1a, for the sets of section and key names `parse` checks for duplicates: a few
/// instructions a byte where std's SipHash takes many, for 50 000 names in a big file. Those
/// names are the user's own file's, so hash flooding is no concern.
struct FnvHasher(u64);

impl Default for FnvHasher {
    fn default() -> Self {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

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

/// `name` lowercased as Python does, borrowed when that changes nothing (ASCII without capitals).
fn lowercase(name: &str) -> Cow<'_, str> {
    match name
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        true => Cow::Borrowed(name),
        false => Cow::Owned(name.to_lowercase()),
    }
}

/// `key` and `value` of an option line: the key ends at the first `=` or `:`.
fn option(stripped: &str) -> Option<(&str, &str)> {
    // Bytes, not characters: an ASCII byte is never part of another character in UTF-8.
    let at = stripped.bytes().position(|b| b == b'=' || b == b':')?;
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
        let mut sections: HashSet<&str, Fnv> = HashSet::default();
        let mut keys: HashSet<Cow<'a, str>, Fnv> = HashSet::default();
        // Lines are searched for misread characters only if the text may hold one: one pass
        // without branches over the bytes instead of a search in every line.
        let suspect = text.as_bytes().chunks(256).any(|c| {
            c.iter()
                .fold(false, |any, &b| any | MAY_MISREAD[b as usize])
        });
        let mut in_section = false;
        // configparser's state: the key whose value continues, the blank lines since its last
        // line (which its value gets if a continuation line follows), and the indentation of
        // the last key or header line.
        let mut key: Option<usize> = None;
        let mut blanks = 0;
        let mut level = 0;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let err = |what: String| ParseError { line: i + 1, what };
            let body = body(raw);
            if let Some(c) = suspect
                .then(|| body.chars().find(|&c| misread(c)))
                .flatten()
            {
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
            let indented = leading(body);
            let stripped = body[indented.len()..].trim_end();
            let indent = indented.chars().count();
            let kind = if stripped.starts_with(['#', ';']) {
                Kind::Comment
            } else if stripped.is_empty() {
                // configparser adds an empty line to the value, dropped again if it ends it.
                blanks += 1;
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
                let value = value.to_mut();
                for _ in 0..=std::mem::take(&mut blanks) {
                    value.push('\n');
                }
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
                    Kind::Section(name)
                } else {
                    match option(stripped) {
                        Some(_) if !in_section => {
                            return Err(err("key outside any [section]".to_string()));
                        }
                        Some((name, value)) if !name.is_empty() => {
                            let name = lowercase(name);
                            if !keys.insert(name.clone()) {
                                return Err(err(format!("duplicate key {name}")));
                            }
                            key = Some(lines.len());
                            blanks = 0;
                            Kind::Key {
                                name,
                                value: Cow::Borrowed(value),
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
        let eol = if lines.first().is_some_and(|l| l.raw.ends_with("\r\n")) {
            "\r\n"
        } else {
            "\n"
        };
        Ok(Doc {
            lines,
            eol,
            len: text.len(),
        })
    }

    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter_map(|l| match l.kind {
            Kind::Section(name) => Some(name),
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
            .position(|l| matches!(l.kind, Kind::Section(n) if n == section))?;
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| matches!(l.kind, Kind::Section(_)))
            .map_or(self.lines.len(), |p| start + 1 + p);
        Some(start..end)
    }

    /// The names of `section`'s keys, as botocore keys them (lowercased), in file order.
    pub fn keys(&self, section: &str) -> Vec<&str> {
        let Some(span) = self.span(section) else {
            return Vec::new();
        };
        self.lines[span]
            .iter()
            .filter_map(|l| match &l.kind {
                Kind::Key { name, .. } => Some(name.as_ref()),
                _ => None,
            })
            .collect()
    }

    /// The value of `key` in `section` as configparser gives it, nested tables included.
    fn value(&self, section: &str, key: &str) -> Option<&str> {
        let span = self.span(section)?;
        self.lines[span].iter().find_map(|l| match &l.kind {
            Kind::Key { name, value } if name.eq_ignore_ascii_case(key) => Some(value.as_ref()),
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
}
