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
fn usage_error(e: &clap::Error, args: &[OsString]) -> Error {
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
    let msg = match from_variable(e, args) {
        Some((option, var)) => msg.replace(
            &format!("'{option}'"),
            &format!(
                "{var} (the variable {} reads)",
                option.split(' ').next().unwrap_or_default()
            ),
        ),
        None => msg.to_string(),
    };
    Error::usage(format!("{msg}; see `awsmfa --help`"))
}

/// The option a refused value was for (`--duration <SECONDS>`) and the variable it came from,
/// when it came from one: set to that value, which no word of the command line holds.
fn from_variable(e: &clap::Error, args: &[OsString]) -> Option<(String, String)> {
    use clap::error::{ContextKind, ContextValue};
    let (Some(ContextValue::String(option)), Some(ContextValue::String(value))) = (
        e.get(ContextKind::InvalidArg),
        e.get(ContextKind::InvalidValue),
    ) else {
        return None;
    };
    let long = option.split(' ').next()?.strip_prefix("--")?;
    let var = env_of(&cli::Cli::command(), long)?;
    let typed = args
        .iter()
        .any(|a| a.to_str().is_some_and(|a| a.ends_with(value.as_str())));
    (std::env::var(&var).ok().as_ref() == Some(value) && !typed).then(|| (option.clone(), var))
}

/// The variable the option `--long` reads, in `cmd` or a subcommand.
fn env_of(cmd: &clap::Command, long: &str) -> Option<String> {
    let own = cmd
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
        .and_then(|a| a.get_env());
    own.map(|v| v.to_string_lossy().into_owned())
        .or_else(|| cmd.get_subcommands().find_map(|s| env_of(s, long)))
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
                Err(e) => clap_exit(&e, &args),
            };
        }
        Some("init") => {
            return match cli::parse_init(&args) {
                Ok(i) => exit(cmd::init::run(&i)),
                Err(e) => clap_exit(&e, &args),
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
    match cli::Cli::read(program.chain(args.iter().cloned())) {
        Ok(cli) => exit(cmd::run(&cli)),
        Err(e) => clap_exit(&e, &args),
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
fn clap_exit(e: &clap::Error, args: &[OsString]) -> ExitCode {
    if e.use_stderr() {
        exit(Err(usage_error(e, args)))
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
