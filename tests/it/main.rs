//! Integration tests: the real binary against a real moto server, real shells and real clients.

mod codes;
mod console;
mod core;
mod errors;
mod faults;
mod files;
mod habits;
mod harness;
mod keyring;
mod one_profile;
mod package;
mod policies;
mod profiles;
mod roles;
mod rotate;
mod server;
mod server_env;
mod sessions;
mod shell;
mod sts_answers;
mod target_sources;
