//! Shell code that `eval` runs: quoting and `export` lines for each shell.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Sh,
}

impl Shell {
    /// The shell named by `$SHELL` (e.g. `/usr/bin/zsh`), else POSIX `sh`.
    pub fn from_env(var: Option<&str>) -> Shell {
        let name = var.and_then(|p| p.rsplit('/').next()).unwrap_or("");
        Shell::from_str(name, false).unwrap_or(Shell::Sh)
    }
}

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

    #[test]
    fn shell_from_env() {
        assert_eq!(Shell::from_env(Some("/usr/bin/zsh")), Shell::Zsh);
        assert_eq!(Shell::from_env(Some("fish")), Shell::Fish);
        assert_eq!(Shell::from_env(Some("/bin/tcsh")), Shell::Sh);
        assert_eq!(Shell::from_env(None), Shell::Sh);
    }
}
