//! Integration tests: the real binary against a real moto server, real shells and real clients.

mod codes;
mod core;
mod errors;
mod faults;
mod files;
mod harness;
mod keyring;
mod policies;
mod profiles;
mod roles;
mod rotate;
mod sessions;
mod shell;
