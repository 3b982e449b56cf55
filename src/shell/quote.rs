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

/// Lines that export each variable. Names are our own constants, so only values are quoted.
pub fn exports(shell: Shell, vars: &[(&str, &str)]) -> String {
    vars.iter()
        .map(|(name, value)| match shell {
            Shell::Fish => format!("set -gx {name} {}\n", quote_fish(value)),
            _ => format!("export {name}={}\n", quote_posix(value)),
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
        assert_eq!(exports(Shell::Zsh, &[("A", "x y")]), "export A='x y'\n");
        assert_eq!(exports(Shell::Fish, &[("A", "x'")]), "set -gx A 'x\\''\n");
    }
}
