//! Everything a shell evaluates: the init scripts with their contract filled in, the `export`
//! lines for credentials, quoting, and fish's stamp-file clock.

pub mod contract;
pub mod exports;
pub mod init;
pub mod quote;
pub mod stamp;

use clap::ValueEnum;

/// The shells awsmfa writes code for. `init` takes the three with an integration; `sh` is the
/// POSIX syntax of `--env` for any other.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_from_env() {
        assert_eq!(Shell::from_env(Some("/usr/bin/zsh")), Shell::Zsh);
        assert_eq!(Shell::from_env(Some("fish")), Shell::Fish);
        assert_eq!(Shell::from_env(Some("/bin/tcsh")), Shell::Sh);
        assert_eq!(Shell::from_env(None), Shell::Sh);
    }
}
