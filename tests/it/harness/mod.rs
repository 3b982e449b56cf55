//! The one integration-test harness, one file per concern; tests `use crate::harness::*`.
//!
//! - `moto`: a real moto server (IAM and STS), shared or a test's own, and its users and roles;
//! - `fake`: a fault-injecting HTTP endpoint for what moto cannot produce, and STS's answers;
//! - `sandbox`: a HOME of the test's own, the clean environment programs run in there, the
//!   binary run in it and what the run did;
//! - `terminal`: `Sandbox::on_terminal`, runs on a pseudo-terminal of their own (pexpect);
//! - `xvfb`: a virtual X display, for the dialogs;
//! - `lock`: a folder's lock as awsmfa takes it, held by the test, and runs waiting for it;
//! - `creds`: reading what awsmfa wrote and said (INI values, expirations);
//! - `process`: the binary under test, children that die with the test, file size limits;
//! - `util`: unique names, free ports, a minimal HTTP client, the clock.

mod creds;
mod fake;
mod lock;
mod moto;
mod process;
mod sandbox;
mod terminal;
mod util;
mod xvfb;

pub use creds::*;
pub use fake::*;
pub use lock::*;
pub use moto::*;
pub use process::{bin, limit_file_size};
pub use sandbox::*;
pub use terminal::Screen;
pub use util::*;
pub use xvfb::*;
