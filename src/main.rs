mod atomic;
mod aws;
mod cache;
mod cli;
mod complete;
mod config;
mod credfile;
mod error;
mod get;
mod history;
mod ini;
mod init;
mod lastcode;
mod obtain;
mod prompt;
mod rotate;
mod settings;
mod shellcode;
mod source;
mod stamp;
mod status;
mod timefmt;
mod token;

use clap::{CommandFactory, Parser};
use cli::Command;
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
    // Answers completion requests (COMPLETE=zsh awsmfa -- …) and exits; otherwise a no-op.
    clap_complete::CompleteEnv::with_factory(cli::Cli::command)
        .bin("awsmfa")
        .completer("awsmfa")
        .complete();
    // The commands shells run at every start or prompt skip building the whole command tree.
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match args.first().and_then(|a| a.to_str()) {
        Some("prompt") => {
            return match cli::PromptCli::try_parse_from(&args) {
                Ok(p) => exit(prompt::run(&p.args)),
                Err(e) => clap_exit(&e),
            };
        }
        Some("init") => {
            return match cli::InitCli::try_parse_from(&args) {
                Ok(i) => exit(stdout(&init::script(i.args.shell))),
                Err(e) => clap_exit(&e),
            };
        }
        Some("-V" | "--version") if args.len() == 1 => {
            return exit(stdout(&format!("awsmfa {}\n", env!("CARGO_PKG_VERSION"))));
        }
        _ => {}
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    let result = match &cli.command {
        None => get::run(&cli.get),
        Some(Command::Init(i)) => stdout(&init::script(i.shell)),
        Some(Command::Prompt(args)) => prompt::run(args),
        Some(Command::Refresh { shell }) => get::refresh(*shell),
        Some(Command::Rotate(args)) => get::rotate_only(args),
        Some(Command::CredentialProcess(args)) => get::credential_process(args),
        Some(Command::Exec { source, command }) => get::exec(source, command),
        Some(Command::Status { json }) => status::run(*json),
        Some(Command::Policies) => stdout(include_str!("../policies/awsmfa-policies.yaml")),
        Some(Command::Forget {
            identity_profile,
            aws_credentials,
        }) => forget(identity_profile.as_deref(), aws_credentials.clone()),
        Some(Command::Completions { shell }) => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cli::Cli::command(), "awsmfa", &mut buf);
            stdout(&String::from_utf8_lossy(&buf))
        }
    };
    exit(result)
}

fn exit(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `--help` and `--version` print and succeed; anything else is a usage error.
fn clap_exit(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        fail(&usage_error(e))
    } else {
        let _ = stdout(&e.render().to_string());
        ExitCode::SUCCESS
    }
}

/// `awsmfa forget`: the cache is keyed by access key id, so a profile name is looked up first.
fn forget(identity: Option<&str>, credentials: Option<std::path::PathBuf>) -> Result<()> {
    let key = match identity {
        None => None,
        Some(profile) => {
            let path = credentials.unwrap_or_else(settings::default_credentials);
            let text = credfile::read(&path)?;
            let doc = credfile::parse(&path, &text)?;
            Some(credfile::identity_keys(&doc, &path, profile)?.access_key_id)
        }
    };
    let n = cache::forget(key.as_deref())?;
    eprintln!(
        "Forgot {n} cached MFA session{}.",
        if n == 1 { "" } else { "s" }
    );
    Ok(())
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("awsmfa: error: {e}");
    ExitCode::from(e.exit as u8)
}
