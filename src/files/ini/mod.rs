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

pub use edit::{Edited, unwritable};

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// What a line is, as `parse` records it: names and values are read again from the line when
/// asked for (`Doc::line`), so that a big file costs eight bytes a line.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tag {
    Blank,
    Comment,
    Section,
    Key,
    Continuation,
}

/// A line as `parse` records it: where it starts in the text (it ends where the next one
/// starts, or with the text) and what it is.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    tag: Tag,
}

/// One physical line as the editor and the lookups see it, with its terminator (`\n`, `\r\n`
/// or nothing at end of file).
#[derive(Debug, Clone, PartialEq)]
enum Kind<'a> {
    Blank,
    Comment,
    Section(&'a str),
    /// `name` as botocore keys it (lowercased); `value` as configparser joins the key's line
    /// and its continuation lines.
    Key {
        name: &'a str,
        value: &'a str,
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

/// What `parse` keeps of a text, apart from it (offsets into it), so that a parse can be kept
/// with its text (`Parsed`) and used again.
#[derive(Debug, Clone)]
struct Index {
    lines: Vec<Entry>,
    /// Each section's header line and the byte range of its name: finding a section looks at
    /// these alone.
    sections: Vec<(u32, u32, u32)>,
    /// The key names botocore reads otherwise than written (lowercased), by line, in order.
    names: Vec<(u32, String)>,
    /// The values configparser joins from continuation lines, by the key's line, in order.
    values: Vec<(u32, String)>,
    eol: &'static str,
}

/// A text as botocore reads it.
#[derive(Debug)]
pub struct Doc<'a> {
    text: &'a str,
    index: Cow<'a, Index>,
}

/// A text and its parse, owned: what a job reads at its start and may edit at its end, when
/// the file is still that text (`atomic::Locked::read_unless`).
#[derive(Debug)]
pub struct Parsed {
    text: String,
    index: Index,
}

impl Parsed {
    pub fn parse(text: String) -> Result<Parsed, ParseError> {
        let index = Index::parse(&text)?;
        Ok(Parsed { text, index })
    }

    pub fn doc(&self) -> Doc<'_> {
        Doc {
            text: &self.text,
            index: Cow::Borrowed(&self.index),
        }
    }
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
/// lines before any character is decoded. Control bytes and every byte of a character past
/// ASCII (U+0085 is C2 85 in UTF-8, U+2028 and U+2029 start with E2); a tab passes too, and
/// is then looked at as a character.
const fn may_misread(b: u8) -> bool {
    b < 0x20 || b >= 0x80
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The end of the line that starts at `start` (its `\n`, or the end of `bytes`), and whether
/// a byte before it is one `may_misread` names. Eight bytes at a time, which the release
/// build (optimised for size, not vectorised) would not do by itself: this search looks at
/// every byte of a big file.
fn line_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut at = start;
    let mut suspect = 0;
    while let Some((word, _)) = bytes[at..].split_first_chunk() {
        let word = u64::from_le_bytes(*word);
        // The high bit of each byte that is `\n`: exact up to the first one, which is what
        // counts (a borrow sets bits above a zero byte only).
        let lf = word ^ (ONES * u64::from(b'\n'));
        let lf = lf.wrapping_sub(ONES) & !lf & HIGHS;
        // The high bit of each byte below 0x20 or from 0x80, exact up to the first such byte.
        let odd = (word.wrapping_sub(ONES * 0x20) | word) & HIGHS;
        if lf != 0 {
            let n = lf.trailing_zeros() as usize / 8;
            let before = (1u64 << (n * 8)) - 1;
            return (at + n, suspect | (odd & before) != 0);
        }
        suspect |= odd;
        at += 8;
    }
    let mut odd = suspect != 0;
    while at < bytes.len() && bytes[at] != b'\n' {
        odd |= may_misread(bytes[at]);
        at += 1;
    }
    (at, odd)
}

/// A multiply-rotate hash eight bytes at a time (rustc's FxHash), for the sets of section and
/// key names `parse` checks for duplicates: a few instructions a word where std's SipHash takes
/// many a byte, for 50 000 names in a big file. Those names are the user's own file's, so hash
/// flooding is no concern.
#[derive(Default)]
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((word, rest)) = bytes.split_first_chunk() {
            self.add(u64::from_le_bytes(*word));
            bytes = rest;
        }
        if let Some((word, rest)) = bytes.split_first_chunk() {
            self.add(u64::from(u32::from_le_bytes(*word)));
            bytes = rest;
        }
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
}

type Words = std::hash::BuildHasherDefault<WordHasher>;

/// The names met so far in one scope, to refuse a second one: compared one by one while they
/// are few (a section's keys), hashed once they are many (a file's sections).
#[derive(Default)]
struct Seen<'a> {
    few: Vec<Cow<'a, str>>,
    many: HashSet<Cow<'a, str>, Words>,
}

impl<'a> Seen<'a> {
    const FEW: usize = 16;

    /// Whether `name` is new, adding it.
    fn insert(&mut self, name: Cow<'a, str>) -> bool {
        if self.many.is_empty() {
            if self.few.contains(&name) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(name);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(name)
    }

    fn clear(&mut self) {
        self.few.clear();
        self.many.clear();
    }
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
    let end = inner.bytes().rposition(|b| b == b']').filter(|&e| e > 0)?;
    Some(&inner[..end])
}

/// `name` lowercased as Python does, borrowed when that changes nothing (ASCII without capitals).
fn lowercase(name: &str) -> Cow<'_, str> {
    let mut bytes = name.as_bytes();
    let mut odd = 0;
    // The high bit of each byte past ASCII or from `A` to `Z`, eight at a time: no carry
    // crosses a byte, as every sum stays below 0x100.
    while let Some((word, rest)) = bytes.split_first_chunk() {
        let word = u64::from_le_bytes(*word);
        let low = word & !HIGHS;
        let from_a = low + ONES * (0x80 - u64::from(b'A'));
        let past_z = low + ONES * (0x80 - u64::from(b'Z' + 1));
        odd |= ((from_a & !past_z) | word) & HIGHS;
        bytes = rest;
    }
    let mut plain = odd == 0;
    for &b in bytes {
        plain &= b.is_ascii() && !b.is_ascii_uppercase();
    }
    match plain {
        true => Cow::Borrowed(name),
        false => Cow::Owned(name.to_lowercase()),
    }
}

/// `key` and `value` of an option line: the key ends at the first `=` or `:`.
fn option(stripped: &str) -> Option<(&str, &str)> {
    // Bytes, not characters: an ASCII byte is never part of another character in UTF-8.
    let at = separator(stripped.as_bytes())?;
    Some((
        trim_end(&stripped[..at]),
        trim_end(trim_start(&stripped[at + 1..])),
    ))
}

/// Where the first `=` or `:` is, eight bytes at a time (as `line_end`).
fn separator(bytes: &[u8]) -> Option<usize> {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut at = 0;
    while let Some((word, _)) = bytes[at..].split_first_chunk() {
        let word = u64::from_le_bytes(*word);
        // Each search's lowest bit is exact, so the lowest of both is.
        let found = zero(word ^ (ONES * u64::from(b'='))) | zero(word ^ (ONES * u64::from(b':')));
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = bytes[at..].iter().position(|&b| b == b'=' || b == b':')?;
    Some(at + rest)
}

/// Whether `b` is ASCII and neither a space nor a control character: no whitespace starts or
/// ends there.
fn printable(b: Option<&u8>) -> bool {
    b.is_some_and(|b| (b'!'..=b'~').contains(b))
}

/// `s.trim_start()`, decoding characters only past leading ASCII spaces and tabs that end
/// with anything but a printable ASCII character (seldom).
fn trim_start(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut blank = 0;
    while blank < bytes.len() && matches!(bytes[blank], b' ' | b'\t') {
        blank += 1;
    }
    let s = &s[blank..];
    match printable(s.as_bytes().first()) {
        true => s,
        false => s.trim_start(),
    }
}

/// `s.trim_end()`, as `trim_start`.
fn trim_end(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let s = &s[..end];
    match printable(s.as_bytes().last()) {
        true => s,
        false => s.trim_end(),
    }
}

impl Index {
    /// See `Doc::parse`.
    fn parse(text: &str) -> Result<Index, ParseError> {
        if u32::try_from(text.len()).is_err() {
            return Err(ParseError {
                line: 1,
                what: "the file is larger than 4 GiB".to_string(),
            });
        }
        let bytes = text.as_bytes();
        let mut lines: Vec<Entry> = Vec::new();
        let mut sections = Vec::new();
        let mut names: Vec<(u32, String)> = Vec::new();
        let mut values: Vec<(u32, String)> = Vec::new();
        let mut seen = Seen::default();
        let mut keys = Seen::default();
        let mut eol = "\n";
        let mut in_section = false;
        // configparser's state: the key whose value continues (its line) and whether that
        // value is a nested table (it started on the lines after the key), the blank lines
        // since its last line (which its value gets if a continuation line follows), and the
        // indentation of the last key or header line.
        let mut key: Option<usize> = None;
        let mut nested = false;
        let mut blanks = 0;
        let mut level = 0;
        let mut start = 0;
        while start < bytes.len() {
            let i = lines.len();
            let err = |what: String| ParseError { line: i + 1, what };
            // The line's end and, in the same pass, whether it may hold a misread character:
            // only then are its characters decoded and looked at.
            let (end, suspect) = line_end(bytes, start);
            let next = (end + 1).min(bytes.len());
            // `body`: a carriage return before the line feed is part of the terminator.
            let cr = end < bytes.len() && end > start && bytes[end - 1] == b'\r';
            let body = &text[start..end - usize::from(cr)];
            if i == 0 && cr {
                eol = "\r\n";
            }
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
            let unindented = trim_start(body);
            let indented = &body[..body.len() - unindented.len()];
            let stripped = trim_end(unindented);
            // configparser measures indentation in characters.
            let indent = match indented.is_ascii() {
                true => indented.len(),
                false => indented.chars().count(),
            };
            let tag = if matches!(stripped.as_bytes().first(), Some(b'#' | b';')) {
                Tag::Comment
            } else if stripped.is_empty() {
                // configparser adds an empty line to the value, dropped again if it ends it.
                blanks += 1;
                Tag::Blank
            } else if let Some(k) = key.filter(|_| indent > level) {
                let (name, first) = option(stripped_of(&text[lines[k].start as usize..]))
                    .expect("`key` is a key line");
                if nested && !stripped.contains('=') {
                    return Err(err(format!(
                        "botocore reads the lines indented under `{} =` as `name = value` \
                         settings, and this one has no `=`",
                        lowercase(name)
                    )));
                }
                if values.last().is_none_or(|&(line, _)| line as usize != k) {
                    values.push((k as u32, first.to_string()));
                }
                let value = &mut values.last_mut().expect("just pushed").1;
                for _ in 0..=std::mem::take(&mut blanks) {
                    value.push('\n');
                }
                value.push_str(stripped);
                Tag::Continuation
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
                    if !seen.insert(Cow::Borrowed(name)) {
                        return Err(err(format!("duplicate section [{name}]")));
                    }
                    let at = name.as_ptr() as usize - text.as_ptr() as usize;
                    sections.push((i as u32, at as u32, (at + name.len()) as u32));
                    keys.clear();
                    in_section = true;
                    key = None;
                    Tag::Section
                } else {
                    match option(stripped) {
                        Some(_) if !in_section => {
                            return Err(err("key outside any [section]".to_string()));
                        }
                        Some((name, value)) if !name.is_empty() => {
                            let lower = lowercase(name);
                            if let Cow::Owned(lower) = &lower {
                                names.push((i as u32, lower.clone()));
                            }
                            if !keys.insert(lower) {
                                return Err(err(format!("duplicate key {}", lowercase(name))));
                            }
                            key = Some(i);
                            nested = value.is_empty();
                            blanks = 0;
                            Tag::Key
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
            lines.push(Entry {
                start: start as u32,
                tag,
            });
            start = next;
        }
        Ok(Index {
            lines,
            sections,
            names,
            values,
            eol,
        })
    }
}

/// The first line of `text` without its indentation, terminator and trailing spaces.
fn stripped_of(text: &str) -> &str {
    let line = text.split_inclusive('\n').next().unwrap_or_default();
    body(line).trim()
}

/// The entry of line `i` in a table of `Index`.
fn by_line(table: &[(u32, String)], i: usize) -> Option<&str> {
    let at = table.binary_search_by_key(&i, |e| e.0 as usize).ok()?;
    Some(&table[at].1)
}

impl<'a> Doc<'a> {
    /// Parses `text` as botocore does, refusing what botocore refuses (a line that is neither a
    /// section, a key, a comment nor blank; a key before the first section; a duplicate section
    /// or key; a nested value line without `=`) and what awsmfa would read differently or could
    /// not edit safely (characters Python splits or strips otherwise, a byte-order mark, a
    /// `[DEFAULT]` section, whose keys configparser gives to every profile).
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        Ok(Doc {
            text,
            index: Cow::Owned(Index::parse(text)?),
        })
    }

    /// The text parsed.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn eol(&self) -> &'static str {
        self.index.eol
    }

    /// How many lines the text has.
    fn count(&self) -> usize {
        self.index.lines.len()
    }

    /// Line `i` as the editor and the lookups see it.
    fn line(&self, i: usize) -> Line<'_> {
        let Entry { start, tag } = self.index.lines[i];
        let end = self
            .index
            .lines
            .get(i + 1)
            .map_or(self.text.len(), |e| e.start as usize);
        let raw = &self.text[start as usize..end];
        let kind = match tag {
            Tag::Blank => Kind::Blank,
            Tag::Comment => Kind::Comment,
            Tag::Continuation => Kind::Continuation,
            Tag::Section => Kind::Section(header(body(raw).trim()).expect("a header line")),
            Tag::Key => {
                let (name, value) = option(body(raw).trim()).expect("a key line");
                Kind::Key {
                    name: by_line(&self.index.names, i).unwrap_or(name),
                    value: by_line(&self.index.values, i).unwrap_or(value),
                }
            }
        };
        Line { raw, kind }
    }

    /// The lines in `range`.
    fn lines(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Line<'_>> {
        range.map(|i| self.line(i))
    }

    pub fn sections(&self) -> impl Iterator<Item = &str> {
        let text = self.text;
        self.index
            .sections
            .iter()
            .map(move |&(_, start, end)| &text[start as usize..end as usize])
    }

    pub fn has_section(&self, section: &str) -> bool {
        self.sections().any(|s| s == section)
    }

    /// Index range of the section's lines, header included.
    fn span(&self, section: &str) -> Option<std::ops::Range<usize>> {
        let at = self.sections().position(|s| s == section)?;
        let line = |at: usize| self.index.sections.get(at).map(|s| s.0 as usize);
        Some(line(at)?..line(at + 1).unwrap_or(self.count()))
    }

    /// The names of `section`'s keys, as botocore keys them (lowercased), in file order.
    pub fn keys(&self, section: &str) -> Vec<&str> {
        let Some(span) = self.span(section) else {
            return Vec::new();
        };
        self.lines(span)
            .filter_map(|l| match l.kind {
                Kind::Key { name, .. } => Some(name),
                _ => None,
            })
            .collect()
    }

    /// The value of `key` in `section` as configparser gives it, nested tables included.
    fn value(&self, section: &str, key: &str) -> Option<&str> {
        let span = self.span(section)?;
        self.lines(span).find_map(|l| match l.kind {
            Kind::Key { name, value } if name.eq_ignore_ascii_case(key) => Some(value),
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
