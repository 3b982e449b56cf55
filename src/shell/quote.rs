//! Shell code that `eval` runs: quoting and `export` lines for each shell.

use super::Shell;

/// Single-quotes `s` for bash, zsh and sh: inside `'…'` nothing is special but `'` itself.
pub fn quote_posix(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Single-quotes `s` for fish, where `\\` and `\'` are the only escapes inside `'…'`.
pub fn quote_fish(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// A character that means the same to every shell however the code is evaluated. Quoting
/// cannot protect what `eval $(awsmfa --env)` (unquoted, as 0.2.x's users write it) does to
/// the text before eval parses it: blanks and newlines are split and rejoined as one space,
/// and a word with `*`, `?`, `[` (or extglob's `(`, or bash 5.0's `\`) is matched against
/// file names, or dropped under nullglob. Values made of these characters alone come through
/// both forms byte for byte, and read the same in fish: AWS's keys and tokens (base64),
/// timestamps and the percent-encoded renewal record.
pub fn inert(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+/=-_.:%;".contains(c)
}

/// Whether `value` means itself unquoted, in any shell and however the code is evaluated: no
/// character a shell or `eval $(…)` treats apart, and a letter or digit first (zsh expands a
/// leading `=`).
fn bare(value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=-_.:%".contains(c))
}

/// The credentials' shell code, as awsmfa 0.2 printed it for bash, zsh and sh: each line
/// starts `NAME=` (`NAME=value; export NAME;`), which scripts grep to build docker
/// `--env-file`s; a value that is not `bare` is single-quoted. fish and nushell as `exports`.
pub fn assignments(shell: Shell, vars: &[(&str, &str)]) -> String {
    if matches!(shell, Shell::Fish | Shell::Nu) {
        return exports(shell, vars);
    }
    vars.iter()
        .map(|(name, value)| match bare(value) {
            true => format!("{name}={value}; export {name};\n"),
            false => format!("{name}={}; export {name};\n", quote_posix(value)),
        })
        .collect()
}

/// A line that removes `names` from the environment, for bash, zsh, sh and fish; nothing for
/// nushell, whose code is a record to load.
pub fn unsets(shell: Shell, names: &[&str]) -> String {
    match shell {
        Shell::Nu => String::new(),
        Shell::Fish => format!("set -e {};\n", names.join(" ")),
        _ => format!("unset {};\n", names.join(" ")),
    }
}

/// Lines that export each variable. Names are our own constants, so only values are quoted.
/// Each statement ends in `;`: unquoted `eval $(…)` joins the lines into one. nushell gets one
/// JSON object instead, which its function loads as data (`from json | load-env`), never runs.
pub fn exports(shell: Shell, vars: &[(&str, &str)]) -> String {
    if shell == Shell::Nu {
        let record: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), (*value).into()))
            .collect();
        return format!("{}\n", serde_json::Value::Object(record));
    }
    vars.iter()
        .map(|(name, value)| match shell {
            Shell::Fish => format!("set -gx {name} {};\n", quote_fish(value)),
            _ => format!("export {name}={};\n", quote_posix(value)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(quote_posix("a'b"), r"'a'\''b'");
        assert_eq!(quote_posix(""), "''");
        assert_eq!(quote_fish(r"a'b\c"), r"'a\'b\\c'");
    }

    #[test]
    fn export_lines() {
        assert_eq!(exports(Shell::Zsh, &[("A", "x y")]), "export A='x y';\n");
        assert_eq!(exports(Shell::Sh, &[("A", "")]), "export A='';\n");
        assert_eq!(exports(Shell::Fish, &[("A", "x'")]), "set -gx A 'x\\'';\n");
    }

    #[test]
    fn assignment_lines_start_with_the_name() {
        let vars = [("A", "IQo+/=="), ("B", "x y"), ("C", "=x"), ("D", "")];
        assert_eq!(
            assignments(Shell::Bash, &vars),
            "A=IQo+/==; export A;\nB='x y'; export B;\nC='=x'; export C;\nD=''; export D;\n"
        );
        assert_eq!(assignments(Shell::Fish, &vars), exports(Shell::Fish, &vars));
    }

    #[test]
    fn nu_gets_a_json_record_that_keeps_every_value() {
        let hostile = "a\"b\\c\n$(rm -rf ~)'`{}";
        let out = exports(Shell::Nu, &[("A", "x y"), ("B", hostile)]);
        assert_eq!(out.lines().count(), 1);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, serde_json::json!({"A": "x y", "B": hostile}));
    }

    #[test]
    fn inert_characters() {
        let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+=";
        assert!(token.chars().all(inert));
        assert!("2026-01-01T00:00:00Z".chars().all(inert));
        for c in " \t\n'\"\\$`*?[](){}!#&|<>~^@é\u{0}".chars() {
            assert!(!inert(c), "{c:?}");
        }
    }
}
