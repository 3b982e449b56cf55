//! `awsmfa init SHELL`: prints the shell integration for `eval`.

use crate::cli::InitArgs;
use crate::error::Result;
use crate::shell::init;
use crate::ui;

pub fn run(args: &InitArgs) -> Result<()> {
    ui::stdout(&init::script(args.shell))
}
