mod aws;
mod cli;
mod credfile;
mod error;
mod get;
mod ini;
mod settings;
mod shellcode;
mod timefmt;
mod token;

use clap::Parser;
use error::{Error, Result};
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// Writes to stdout; a reader that went away (`awsmfa … | head`) is not an error of ours.
pub fn stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(Error::runtime(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// clap's usage errors, folded into our one-line form.
fn usage_error(e: &clap::Error) -> Error {
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let msg = first.join(" ");
    let msg = msg.strip_prefix("error: ").unwrap_or(&msg);
    Error::usage(format!("{msg}; see `awsmfa --help`"))
}

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = stdout(&e.render().to_string());
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&usage_error(&e)),
    };
    match get::run(&cli.get) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("awsmfa: error: {e}");
    ExitCode::from(e.exit as u8)
}
