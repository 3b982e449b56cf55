//! Everything a shell evaluates: the init scripts with their contract filled in, the `export`
//! lines for credentials, quoting, and fish's stamp-file clock.

pub mod contract;
pub mod exports;
pub mod init;
pub mod quote;
pub mod renewal;
pub mod segment;
pub mod stamp;

use clap::ValueEnum;

/// The shells awsmfa writes code for. `init` takes the four with an integration. As a syntax
/// (`--shell` of `--env` and `refresh`) there are three: fish's; nushell's, a record for
/// `load-env` (nu has no eval); and POSIX sh's, which bash, zsh, dash and every other POSIX
/// shell run, so `bash`, `zsh` and `sh` print the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Nu,
    Sh,
}
