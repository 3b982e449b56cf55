//! Shell integration in real bash, zsh and fish, one file per concern:
//!
//! - `init`: `awsmfa init` under strict modes;
//! - `function`: the `awsmfa` function against moto;
//! - `env`: `--env` and `refresh` code in every shell and form of eval, hostile values;
//! - `segment`: the prompt segment, held to `awsmfa prompt`;
//! - `frameworks`: starship (the real binary) and the powerlevel10k segment;
//! - `hook`: the expiry hook and its back-off;
//! - `processes`: the processes a prompt starts (strace);
//! - `completion`: completion through each shell's own machinery (also at the keyboard, in tmux);
//! - `completion_files`: the checked-in completion scripts;
//! - `linters`: the linters;
//! - `nu`: nushell's integration (its own driver: nu cannot run the POSIX-style `Script`s).
//!
//! `kit` holds what they share: the shells, the scripts typed into them, what they printed,
//! the sandboxed HOME they run in, tmux, and the segment parser.
//!
//! Every shell finds the real binary as `awsmfa` first on PATH. Where refresh calls are counted,
//! that `awsmfa` is a two-line script that logs its arguments and execs the binary, which still
//! answers. Times are pinned by the AWSMFA_EXPIRATION the test exports, with 30 s of margin.

mod completion;
mod completion_files;
mod env;
mod frameworks;
mod function;
mod hook;
mod init;
mod kit;
mod linters;
mod nu;
mod processes;
mod segment;
