mod aws;
mod cli;
mod cmd;
mod error;
mod files;
mod job;
mod mfa;
mod server;
mod shell;
mod timefmt;
mod ui;

use clap::CommandFactory;
use error::Error;
use shell::contract::{SUBCOMMANDS, takes_value};
use std::ffi::OsString;
use std::process::ExitCode;

/// clap's usage errors, folded into our one-line form.
fn usage_error(e: &clap::Error) -> Error {
    if let Some(msg) = second_role(e) {
        return Error::usage(msg);
    }
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

/// A second role ARN is a word after ROLE_ARN, which clap reads as a subcommand in the wrong
/// place; say what it is and how to get what was probably meant.
fn second_role(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    (e.kind() == ErrorKind::ArgumentConflict && word.starts_with("arn:")).then(|| {
        format!(
            "awsmfa takes one ROLE_ARN, but {word} came after another; to chain roles, define \
             them in ~/.aws/config (role_arn with source_profile) and pass --profile NAME"
        )
    })
}

/// The subcommand moved to the front when options come before it (`awsmfa --profile x
/// rotate`), as the shell function reads the line: the first word that is neither an option
/// nor an option's value names it.
fn subcommand_first(mut args: Vec<OsString>) -> Vec<OsString> {
    let mut i = 0;
    while let Some(word) = args.get(i).and_then(|a| a.to_str()) {
        if word == "--" || !word.starts_with('-') {
            if i > 0 && SUBCOMMANDS.contains(&word) {
                let sub = args.remove(i);
                args.insert(0, sub);
            }
            break;
        }
        i += if takes_value(word) { 2 } else { 1 };
    }
    args
}

fn main() -> ExitCode {
    // SAFETY: nothing has started a thread yet.
    unsafe { cli::forget_empty_env() };
    // Answers completion requests (COMPLETE=zsh awsmfa -- …) and exits; otherwise a no-op.
    clap_complete::CompleteEnv::with_factory(cli::Cli::command)
        .bin("awsmfa")
        .completer("awsmfa")
        .complete();
    let args = subcommand_first(std::env::args_os().skip(1).collect());
    // The commands shells run at every start or prompt skip building the whole command tree.
    match args.first().and_then(|a| a.to_str()) {
        Some("prompt") => {
            return match cli::parse_prompt(&args) {
                Ok(p) => exit(cmd::prompt::run(&p)),
                Err(e) => clap_exit(&e),
            };
        }
        Some("init") => {
            return match cli::parse_init(&args) {
                Ok(i) => exit(cmd::init::run(&i)),
                Err(e) => clap_exit(&e),
            };
        }
        Some("-V" | "--version") if args.len() == 1 => {
            return exit(ui::stdout(&format!(
                "awsmfa {}\n",
                env!("CARGO_PKG_VERSION")
            )));
        }
        _ => {}
    }
    let program = std::iter::once(OsString::from("awsmfa"));
    match cli::Cli::read(program.chain(args)) {
        Ok(cli) => exit(cmd::run(&cli)),
        Err(e) => clap_exit(&e),
    }
}

fn exit(result: error::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ui::error(&e.msg);
            ExitCode::from(e.exit as u8)
        }
    }
}

/// `--help` and `--version` print and succeed; anything else is a usage error.
fn clap_exit(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        exit(Err(usage_error(e)))
    } else {
        let _ = ui::stdout(&e.render().to_string());
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reordered(line: &str) -> String {
        let args = line.split(' ').map(OsString::from).collect();
        let out: Vec<String> = subcommand_first(args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        out.join(" ")
    }

    #[test]
    fn options_may_come_before_the_subcommand() {
        assert_eq!(reordered("--profile x status"), "status --profile x");
        assert_eq!(
            reordered("-i work --no-cache rotate -c 1"),
            "rotate -i work --no-cache -c 1"
        );
        assert_eq!(reordered("status --json"), "status --json");
        // An option's value is not a subcommand, nor is anything after the first plain word.
        assert_eq!(reordered("-t status"), "-t status");
        assert_eq!(
            reordered("-t=x arn:aws:iam::1:role/r status"),
            "-t=x arn:aws:iam::1:role/r status"
        );
        assert_eq!(reordered("--env -- exec"), "--env -- exec");
        // Abbreviated as clap takes them.
        assert_eq!(reordered("--prof x status"), "status --prof x");
        assert_eq!(reordered("--ta status"), "--ta status");
        assert_eq!(reordered("--sh fish status"), "status --sh fish");
    }
}
