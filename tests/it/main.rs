//! Integration tests: the real binary against a real moto server, real shells and real clients.

mod codes;
mod console;
mod core;
mod errors;
mod faults;
mod files;
mod harness;
mod keyring;
mod keyring_deadline;
mod package;
mod policies;
mod profiles;
mod roles;
mod rotate;
mod server;
mod sessions;
mod shell;
