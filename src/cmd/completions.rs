//! `awsmfa completions SHELL`: a static completion script (the init scripts complete
//! dynamically instead).

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use crate::ui;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "awsmfa", &mut buf);
    ui::stdout(&String::from_utf8_lossy(&buf))
}
