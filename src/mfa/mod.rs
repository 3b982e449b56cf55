//! How an MFA code arrives: what a code is (`code`), where it comes from (`source`): given,
//! printed by an `mfa_process` (`process`, run under `supervise`), typed at the `terminal`,
//! piped on standard input (each read as a `line`), or typed in a desktop `dialog`.

pub mod code;
pub mod dialog;
pub mod line;
pub mod process;
pub mod source;
pub mod supervise;
pub mod terminal;
