//! Edits splice lines: every line outside the edited section is kept byte for byte, and inside
//! it only the keys awsmfa owns change, placed so that botocore reads every other line as before.

use super::*;

/// An edited text, in three parts: the text before the edited section and after it, kept as
/// they were, and the section as it is now, so that a big file is written without a copy of it.
#[derive(Debug)]
pub struct Edited<'a> {
    pub before: &'a str,
    pub section: String,
    pub after: &'a str,
    /// The section as it was: what `section` replaces.
    was: &'a str,
}

impl Edited<'_> {
    /// Whether the edit changed anything.
    pub fn changed(&self) -> bool {
        self.section != self.was
    }

    /// The parts in order, to be written one after the other.
    pub fn parts(&self) -> [&str; 3] {
        [self.before, &self.section, self.after]
    }
}

impl fmt::Display for Edited<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts().iter().try_for_each(|p| f.write_str(p))
    }
}

impl<'a> Doc<'a> {
    /// The text with `section` holding `set` in place of every key named in `remove`
    /// (case-insensitive) and the lines that continue their values. The new keys take the
    /// place of the first removed key, or follow the section's last key or its header; a
    /// missing section is appended. Nothing else changes. See `unwritable` for what `set` and
    /// `section` may hold.
    pub fn upsert(&self, section: &str, remove: &[&str], set: &[(&str, &str)]) -> Edited<'a> {
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
    ) -> Edited<'a> {
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

    pub(super) fn key_lines(&self, set: &[(&str, &str)]) -> String {
        let eol = self.eol();
        set.iter().map(|(k, v)| format!("{k} = {v}{eol}")).collect()
    }

    /// The lines of `from`'s keys that `to` lacks and `skip` does not name, unindented, so
    /// that `splice` can indent them with the new keys. A key's continuation lines keep their
    /// own indentation, which `splice` deepens with the rest: deeper than the key, they still
    /// continue it. Blank lines between them count in the value and come along; comment lines
    /// do not.
    pub(super) fn inherited(&self, from: &str, to: &str, skip: impl Fn(&str) -> bool) -> String {
        let Some(span) = self.span(from) else {
            return String::new();
        };
        let eol = self.eol();
        let mut out = String::new();
        let mut copying = false;
        let mut blanks = 0;
        for l in self.lines(span) {
            let body = body(l.raw);
            match l.kind {
                Kind::Key { name, .. } => {
                    copying = !skip(name) && self.value(to, name).is_none();
                    blanks = 0;
                    if copying {
                        out.push_str(body.trim_start());
                        out.push_str(eol);
                    }
                }
                Kind::Continuation if copying => {
                    for _ in 0..std::mem::take(&mut blanks) {
                        out.push_str(eol);
                    }
                    out.push_str(body);
                    out.push_str(eol);
                }
                Kind::Blank => blanks += 1,
                _ => {}
            }
        }
        out
    }

    /// The text with `new_lines` (unindented key lines, and the continuation lines of their
    /// values) in `section` in place of the keys named in `remove` and the lines that continue
    /// their values.
    fn splice(&self, section: &str, remove: &[&str], new_lines: &str) -> Edited<'a> {
        let eol = self.eol();
        let text = self.text;
        let Some(span) = self.span(section) else {
            let mut out = String::with_capacity(new_lines.len() + section.len() + 8);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(eol);
            }
            if self.count() > 0 && self.line(self.count() - 1).kind != Kind::Blank {
                out.push_str(eol);
            }
            out.push_str(&format!("[{section}]{eol}"));
            out.push_str(new_lines);
            return Edited {
                before: text,
                section: out,
                after: "",
                was: "",
            };
        };
        let lines: Vec<Line<'_>> = self.lines(span.clone()).collect();
        // The removed keys and their continuation lines, which may follow blank and comment
        // lines.
        let mut gone = vec![false; lines.len()];
        let mut dropping = false;
        for (l, gone) in lines.iter().zip(&mut gone) {
            match l.kind {
                Kind::Key { name, .. } => {
                    dropping = remove.iter().any(|r| r.eq_ignore_ascii_case(name));
                    *gone = dropping;
                }
                Kind::Continuation => *gone = dropping,
                _ => {}
            }
        }
        let at = match gone.iter().position(|&g| g) {
            Some(first) => first,
            None => {
                let last = lines
                    .iter()
                    .rposition(|l| matches!(l.kind, Kind::Key { .. } | Kind::Continuation));
                last.unwrap_or(0) + 1
            }
        };
        // The new lines take the indentation of the next key or header: indented less, that
        // line would continue our last value; more, our first key would continue the value
        // above it. Not indented at the end of the file.
        let next = (at..lines.len())
            .filter(|&i| !gone[i])
            .find(|&i| matches!(lines[i].kind, Kind::Key { .. } | Kind::Section(_)))
            .map(|i| lines[i].raw)
            .or_else(|| (span.end < self.count()).then(|| self.line(span.end).raw));
        let block = indented(new_lines, next.map_or("", |raw| leading(body(raw))));
        let start = self.index.lines[span.start].start as usize;
        let end = match self.index.lines.get(span.end) {
            Some(e) => e.start as usize,
            None => text.len(),
        };
        let mut out = String::with_capacity(end - start + block.len() + eol.len());
        for (i, l) in lines.iter().enumerate() {
            if i == at {
                out.push_str(&block);
            }
            if !gone[i] {
                out.push_str(l.raw);
            }
        }
        if at == lines.len() {
            if !out.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&block);
        }
        Edited {
            before: &text[..start],
            section: out,
            after: &text[end..],
            was: &text[start..end],
        }
    }
}

/// `lines` with `indent` before each line that is not blank.
pub(super) fn indented(lines: &str, indent: &str) -> String {
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
