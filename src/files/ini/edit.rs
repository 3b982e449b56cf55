//! Edits splice lines: every line outside the edited section is kept byte for byte, and inside
//! it only the keys awsmfa owns change, placed so that botocore reads every other line as before.

use super::*;

impl Doc<'_> {
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

    pub(super) fn key_lines(&self, set: &[(&str, &str)]) -> String {
        let eol = self.eol;
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
        let mut out = String::with_capacity(self.len + new_lines.len() + section.len() + 8);
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
