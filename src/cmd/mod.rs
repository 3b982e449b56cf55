//! One file per subcommand, each with a `run`; `run` here picks the one the command line names.

pub mod completions;
pub mod console;
pub mod credential_process;
pub mod exec;
pub mod forget;
pub mod get;
pub mod init;
pub mod keys;
pub mod policies;
pub mod prompt;
pub mod refresh;
pub mod rotate;
pub mod serve;
pub mod status;

use crate::cli::{Cli, Command};
use crate::error::Result;

pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        None => get::run(&cli.get),
        Some(Command::Init(args)) => init::run(args),
        Some(Command::Prompt(args)) => prompt::run(args),
        Some(Command::Refresh(args)) => refresh::run(args),
        Some(Command::Forget(args)) => forget::run(args),
        Some(Command::Rotate(args)) => rotate::run(args),
        Some(Command::CredentialProcess(args)) => credential_process::run(args),
        Some(Command::Exec(args)) => exec::run(args),
        Some(Command::Console(args)) => console::run(args),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Status(args)) => status::run(args),
        Some(Command::Keys(cmd)) => keys::run(cmd),
        Some(Command::Policies) => policies::run(),
        Some(Command::Completions(args)) => completions::run(args),
    }
}
