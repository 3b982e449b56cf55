//! The files awsmfa reads and writes: the credentials file (edited line by line, never
//! regenerated), `~/.aws/config`, and its own cache of MFA sessions, recent codes and roles,
//! in folders of its own that trust only what awsmfa made (`private`).
//! Every write of a file that holds data goes through `atomic`; fish's stamp files
//! (`shell::stamp`), whose content is empty and whose mtime is the data, are made in place.

pub mod atomic;
pub mod cache;
pub mod config;
pub mod credfile;
pub mod handoff;
pub mod history;
pub mod ini;
pub mod keyring;
pub mod lastcode;
pub mod private;
pub mod regular;
