//! Integration tests: the real binary against a real moto server, real shells and real clients.

mod config_profiles;
mod console;
mod credential_process;
mod dialogs;
mod errors;
mod exec;
mod faults;
mod files;
mod harness;
mod keyring;
mod main_job;
mod mfa_process;
mod package;
mod plain_http;
mod policies;
mod roles;
mod rotate;
mod server;
mod sessions;
mod shell;
mod status;
mod terminal_prompt;
mod variables;
