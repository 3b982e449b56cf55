//! The command line. Every option awsmfa 0.2 read from a variable still reads it (0.2.9 read
//! none for --role-session-name and --aws-credentials; they take AWS_MFA_ROLE_SESSION_NAME and
//! AWS_SHARED_CREDENTIALS_FILE), so existing setups keep working.

pub mod complete;
pub mod environment;
#[cfg(test)]
mod man;

use crate::aws::CALL_TIMEOUT;
use crate::shell::Shell;
use crate::shell::contract;
use crate::ui;
use clap::builder::{PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// Every variable an option reads (a unit test compares with the options). clap takes an
/// empty one as an empty value, which no option accepts; awsmfa 0.2 and `status` take it as
/// unset, and so does `forget_empty_env`.
pub const ENV_VARS: &[&str] = &[
    "AWS_MFA_ROLE_TO_ASSUME",
    "AWS_MFA_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_MFA_DURATION",
    "AWS_MFA_IDENTITY_PROFILE",
    "AWS_MFA_SERIAL_NUMBER",
    "AWS_MFA_ROLE_SESSION_NAME",
    "AWS_MFA_TOKEN_CODE",
    "AWS_MFA_PROCESS",
    "AWS_MFA_TARGET_PROFILE",
    "AWS_MFA_ROTATE_IDENTITY_KEYS",
    "AWS_MFA_ENV",
    "AWSMFA_PROMPT_FORMAT",
    "AWSMFA_PROMPT_EXPIRED",
    "AWSMFA_PROMPT_WARN",
    "AWSMFA_PROMPT_CRIT",
];

/// Removes the empty variables of `ENV_VARS` from the environment, so that every parser (the
/// fast paths', completion's, the full one) sees them unset. A fixed list, not a scan of the
/// environment: `prompt` runs at every prompt.
///
/// # Safety
///
/// No other thread may exist: call it first thing in `main`.
pub unsafe fn forget_empty_env() {
    for name in ENV_VARS {
        if std::env::var_os(name).is_some_and(|v| v.is_empty()) {
            // SAFETY: the caller guarantees a single thread.
            unsafe { std::env::remove_var(name) };
        }
    }
}

/// A switch's value as awsmfa 0.2 users write it: true/1/yes/on or false/0/no/off, in any case.
fn switch_value(text: &str) -> Option<bool> {
    const ON: [&str; 4] = ["true", "1", "yes", "on"];
    const OFF: [&str; 4] = ["false", "0", "no", "off"];
    if ON.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if OFF.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// A switch set by its flag or its variable. Any other value in the variable is off, with a
/// warning: awsmfa 0.2 read anything but "true" as off, so a setup made for it never aborts.
#[derive(Clone)]
struct Switch;

impl TypedValueParser for Switch {
    type Value = bool;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<bool, clap::Error> {
        let text = value.to_string_lossy();
        Ok(switch_value(&text).unwrap_or_else(|| {
            let var = arg.and_then(clap::Arg::get_env).unwrap_or_default();
            ui::warn(&format!(
                "{}={text:?} is neither true/1/yes/on nor false/0/no/off; taken as off",
                var.to_string_lossy()
            ));
            false
        }))
    }
}

/// A value that cannot be empty; `fix` says what to give instead. (An empty variable never
/// gets here: it counts as unset.)
fn non_empty(fix: &'static str) -> impl TypedValueParser<Value = String> {
    StringValueParser::new().try_map(move |s| if s.is_empty() { Err(fix) } else { Ok(s) })
}

const IDENTITY_FIX: &str =
    "name the profile with your long-lived keys, or leave -i out for [identity]";
const FORGET_FIX: &str = "name the identity profile, or leave -i out to forget every session";

#[derive(Parser, Debug)]
#[command(
    name = "awsmfa",
    version,
    about = "Temporary AWS credentials from your long-lived keys and an MFA code",
    long_about = "Temporary AWS credentials from your long-lived keys and an MFA code.\n\n\
        Reads the long-lived keys of the identity profile, asks AWS STS for an MFA session (or \
        assumes ROLE_ARN) and writes the temporary credentials to the target profile of the \
        credentials file, which every AWS SDK and tool reads.",
    after_long_help = environment::long_help(),
    args_conflicts_with_subcommands = true,
    // As awsmfa 0.2's argparse: `--prof` for `--profile`, and the last of a repeated option
    // wins (`alias awsmfa='awsmfa -t admin'`, then `awsmfa -t other`). Both reach every
    // subcommand.
    infer_long_args = true,
    args_override_self = true
)]
pub struct Cli {
    #[command(flatten)]
    pub get: GetArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The command line `args` (program name first), noting where the duration came from.
    pub fn read(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        let (creds, sub) = match (&mut cli.command, matches.subcommand()) {
            (None, _) => (&mut cli.get.creds, &matches),
            (Some(Command::Rotate(creds) | Command::CredentialProcess(creds)), Some((_, sub))) => {
                (creds, sub)
            }
            (Some(Command::Exec(exec)), Some((_, sub))) => (&mut exec.creds, sub),
            (Some(Command::Console(console)), Some((_, sub))) => (&mut console.creds, sub),
            _ => return Ok(cli),
        };
        creds.duration_from_env = sub.value_source("duration") == Some(ValueSource::EnvVariable);
        Ok(cli)
    }
}

/// Subcommands never collide with the role positional: a role ARN starts with `arn:`.
/// `shell::contract::SUBCOMMANDS` lists them for the shell function (a unit test compares).
#[derive(Subcommand, Debug)]
pub enum Command {
    #[command(about = INIT_ABOUT)]
    Init(InitArgs),
    #[command(about = PROMPT_ABOUT)]
    Prompt(PromptArgs),
    /// Renew the credentials this shell holds without asking for an MFA code (exit 3: a code is needed)
    Refresh(RefreshArgs),
    /// Delete cached MFA sessions: all, or the identity profile's with -i
    Forget(ForgetArgs),
    /// Replace the identity profile's access key (new key written and proven before the old is deleted)
    Rotate(CredentialArgs),
    /// Print credentials as JSON for `credential_process = awsmfa credential-process --profile NAME`
    CredentialProcess(CredentialArgs),
    /// Run a command with the credentials in its environment: awsmfa exec [ROLE_ARN] -- CMD ARGS...
    Exec(ExecArgs),
    #[command(about = CONSOLE_ABOUT, long_about = CONSOLE_LONG)]
    Console(ConsoleArgs),
    /// Serve credentials on 127.0.0.1 to IDEs, notebooks and containers until interrupted
    Serve(ServeArgs),
    /// Show every profile, its kind, key id (masked) and time left, and the cached MFA sessions
    Status(StatusArgs),
    /// Keep the identity's long-lived keys in the OS keyring: import, export, forget
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print the IAM policy starter kit (a CloudFormation template); docs/policies.md says how to deploy it
    Policies,
    /// Print a static completion script (the init scripts complete dynamically instead)
    Completions(CompletionsArgs),
}

#[derive(Args, Debug)]
pub struct RefreshArgs {
    /// Syntax of the shell code: fish, nu (a record for load-env), or POSIX for bash, zsh and sh (the same code) [default: sh, whatever $SHELL is]
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,

    /// Give up on an AWS call after SECONDS (the shell hook allows a few)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = CALL_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=60)
    )]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// Only this identity profile's session
    #[arg(short, long, value_name = "NAME", value_parser = non_empty(FORGET_FIX))]
    #[arg(add = ArgValueCompleter::new(complete::profiles))]
    pub identity_profile: Option<String>,

    #[command(flatten)]
    pub credentials: CredentialsFile,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Move the identity profile's keys into the OS keyring (checked with AWS, stored and read back first)
    Import(KeysArgs),
    /// Move them back from the OS keyring into the credentials file
    Export(KeysArgs),
    /// Delete them from the OS keyring (after asking), leaving the profile without keys
    Forget(KeysForgetArgs),
}

#[derive(Args, Debug, Clone)]
pub struct KeysArgs {
    /// Profile holding the long-lived access keys [default: identity]
    #[arg(short, long, value_name = "NAME", env = "AWS_MFA_IDENTITY_PROFILE")]
    #[arg(value_parser = non_empty(IDENTITY_FIX))]
    #[arg(add = ArgValueCompleter::new(complete::profiles))]
    pub identity_profile: Option<String>,

    #[command(flatten)]
    pub credentials: CredentialsFile,
}

#[derive(Args, Debug)]
pub struct KeysForgetArgs {
    #[command(flatten)]
    pub keys: KeysArgs,

    /// Do not ask (for scripts): the keys may exist nowhere else
    #[arg(long)]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    pub creds: CredentialArgs,

    /// Serve the credentials to CMD from a local server that renews them while it runs,
    /// instead of fixed keys in its environment
    #[arg(long)]
    pub server: bool,

    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

const CONSOLE_ABOUT: &str =
    "Open the AWS console signed in as a role: awsmfa console [ROLE_ARN | --profile NAME]";
const CONSOLE_LONG: &str = "Open the AWS console signed in as a role: awsmfa console [ROLE_ARN | --profile NAME].\n\n\
    Assumes the role on the cached MFA session (as the main command does), trades its \
    credentials for a sign-in token at AWS's federation endpoint, and opens the sign-in URL with \
    xdg-open (open on macOS). The console takes role credentials only: an MFA session without a \
    role cannot sign in. The URL signs in whoever has it, for 15 minutes: it is printed only \
    with --print, and then to standard output alone.";

#[derive(Args, Debug)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub creds: CredentialArgs,

    /// Console region [default: the region of awsmfa's calls: AWS_REGION, the profiles', us-east-1]
    #[arg(long, value_name = "REGION", value_parser = non_empty("name a region, such as eu-west-1"))]
    pub region: Option<String>,

    /// Console page to open, e.g. /s3/home or /ec2/home#Instances: [default: the console home]
    #[arg(long, value_name = "PATH")]
    pub destination: Option<String>,

    /// Print the sign-in URL instead of opening it; anyone who has the URL is signed in as the role
    #[arg(long)]
    pub print: bool,
}

#[derive(Args, Debug)]
#[command(
    long_about = "Serve credentials on 127.0.0.1 to IDEs, notebooks and containers until \
        interrupted.\n\n\
        Prints the variables that point AWS SDKs and the aws CLI at the server (the container-\
        credentials protocol, with a random token), then answers with the credentials asked \
        for, renewed as they near expiry (AWSMFA_REFRESH_WINDOW). A new MFA code is asked for \
        once, when the MFA session ends."
)]
pub struct ServeArgs {
    #[command(flatten)]
    pub creds: CredentialArgs,

    /// Port to listen on [default: a free one]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Syntax of the variables printed: fish, or POSIX for bash, zsh and sh [default: sh, whatever $SHELL is]
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The shells with an integration: `sh` has none.
fn init_shell() -> impl TypedValueParser<Value = Shell> {
    PossibleValuesParser::new(["bash", "zsh", "fish", "nu"])
        .map(|name| Shell::from_str(&name, false).expect("a listed shell"))
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(value_parser = init_shell())]
    pub shell: Shell,
}

const INIT_ABOUT: &str =
    "Print the shell integration; add `eval \"$(awsmfa init zsh)\"` to your shell's rc file";
const PROMPT_ABOUT: &str =
    "Print the remaining lifetime of the credentials in use, for prompts and status lines";

/// `args` (`init …`, `prompt …`) parsed as that subcommand alone: shells run these at every
/// start or prompt, so they skip building the whole command tree.
fn parse_alone<A: Args + FromArgMatches>(
    name: &'static str,
    about: &'static str,
    args: &[OsString],
) -> Result<A, clap::Error> {
    let cmd = clap::Command::new(name)
        .bin_name(name)
        .about(about)
        .infer_long_args(true)
        .args_override_self(true);
    A::from_arg_matches(&A::augment_args(cmd).try_get_matches_from(args)?)
}

pub fn parse_init(args: &[OsString]) -> Result<InitArgs, clap::Error> {
    parse_alone("awsmfa init", INIT_ABOUT, args)
}

pub fn parse_prompt(args: &[OsString]) -> Result<PromptArgs, clap::Error> {
    parse_alone("awsmfa prompt", PROMPT_ABOUT, args)
}

/// The target profile: the main command writes the temporary credentials there, and
/// `prompt` reads their `expiration` there when AWS_CREDENTIAL_EXPIRATION is unset.
#[derive(Args, Debug, Clone, Default)]
pub struct Target {
    /// Profile that receives the temporary credentials (and whose expiration prompts show)
    #[arg(
        id = "target_profile",
        short = 't',
        long = "target-profile",
        value_name = "NAME"
    )]
    #[arg(env = "AWS_MFA_TARGET_PROFILE", default_value = "default")]
    #[arg(add = ArgValueCompleter::new(complete::profiles))]
    pub name: String,
}

#[derive(Args, Debug, Clone)]
pub struct PromptArgs {
    #[command(flatten)]
    pub target: Target,

    #[command(flatten)]
    pub credentials: CredentialsFile,

    /// Colour the text: green, yellow below --warn, red below --critical (NO_COLOR wins)
    #[arg(long)]
    pub color: bool,

    /// Text while valid; fields {remaining} (5h59m), {seconds}, {expiration} (RFC 3339)
    #[arg(long, value_name = "FORMAT", env = "AWSMFA_PROMPT_FORMAT")]
    #[arg(default_value = contract::PROMPT_FORMAT)]
    pub format: String,

    /// Text once expired
    #[arg(
        long = "expired-format",
        value_name = "TEXT",
        env = "AWSMFA_PROMPT_EXPIRED"
    )]
    #[arg(default_value = contract::PROMPT_EXPIRED)]
    pub expired_format: String,

    /// Seconds left below which the segment turns yellow
    #[arg(long, value_name = "SECONDS", env = "AWSMFA_PROMPT_WARN")]
    #[arg(default_value_t = contract::PROMPT_WARN)]
    pub warn: i64,

    /// Seconds left below which the segment turns red
    #[arg(long, value_name = "SECONDS", env = "AWSMFA_PROMPT_CRIT")]
    #[arg(default_value_t = contract::PROMPT_CRITICAL)]
    pub critical: i64,
}

/// `--aws-credentials`, taken by every command that reads the credentials file.
#[derive(Args, Debug, Clone, Default)]
pub struct CredentialsFile {
    /// Credentials file: identities are read and targets written there [default: ~/.aws/credentials]
    #[arg(long, value_name = "PATH", env = "AWS_SHARED_CREDENTIALS_FILE")]
    pub aws_credentials: Option<PathBuf>,
}

impl CredentialsFile {
    /// The file given, else `~/.aws/credentials`.
    pub fn path(&self) -> PathBuf {
        self.aws_credentials.clone().unwrap_or_else(|| {
            dirs::home_dir()
                .unwrap_or_default()
                .join(".aws")
                .join("credentials")
        })
    }
}

/// Which credentials, and how to get the MFA code for them: shared by the main command,
/// `rotate`, `credential-process` and `exec`.
#[derive(Args, Debug, Clone, Default)]
pub struct CredentialArgs {
    /// Role to assume, e.g. arn:aws:iam::123456789012:role/admin; without it, an MFA session
    #[arg(value_name = "ROLE_ARN", env = "AWS_MFA_ROLE_TO_ASSUME", add = ArgValueCompleter::new(complete::roles))]
    pub role_arn: Option<String>,

    /// Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config
    #[arg(long, value_name = "NAME", env = "AWS_MFA_PROFILE")]
    #[arg(add = ArgValueCompleter::new(complete::profiles))]
    pub profile: Option<String>,

    #[command(flatten)]
    pub credentials: CredentialsFile,

    /// Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]
    #[arg(short, long, value_name = "SECONDS", env = "AWS_MFA_DURATION")]
    pub duration: Option<u32>,

    /// Whether `duration` came from AWS_MFA_DURATION, which is fitted to roles (settings.rs).
    #[arg(skip)]
    pub duration_from_env: bool,

    /// Profile holding the long-lived access keys [default: identity]
    #[arg(short, long, value_name = "NAME", env = "AWS_MFA_IDENTITY_PROFILE")]
    #[arg(value_parser = non_empty(IDENTITY_FIX))]
    #[arg(add = ArgValueCompleter::new(complete::profiles))]
    pub identity_profile: Option<String>,

    /// MFA device ARN [default: discovered with iam:ListMFADevices]
    #[arg(long, value_name = "ARN", env = "AWS_MFA_SERIAL_NUMBER")]
    #[arg(value_parser = non_empty(
        "give the MFA device's ARN, or leave --serial-number out to have it discovered"
    ))]
    #[arg(add = ArgValueCompleter::new(complete::serials))]
    pub serial_number: Option<String>,

    /// Session name for role assumption [default: awsmfa_YYYYMMDDTHHMMSS, local time]
    #[arg(long, value_name = "NAME", env = "AWS_MFA_ROLE_SESSION_NAME")]
    pub role_session_name: Option<String>,

    /// The 6-digit MFA code, or `skip` for no MFA [default: asked on the terminal]
    #[arg(
        short = 'c',
        long,
        value_name = "CODE",
        env = "AWS_MFA_TOKEN_CODE",
        hide_env_values = true
    )]
    pub token_code: Option<String>,

    /// Command whose output is the MFA code, run with `/bin/sh -c` (e.g. `ykman oath accounts code --single aws`)
    #[arg(
        long,
        value_name = "CMD",
        env = "AWS_MFA_PROCESS",
        // It may hold a TOTP seed (`oathtool --totp -b SEED`).
        hide_env_values = true
    )]
    pub mfa_process: Option<String>,

    /// Neither reuse nor cache an MFA session; assume roles directly with MFA
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct GetArgs {
    #[command(flatten)]
    pub creds: CredentialArgs,

    #[command(flatten)]
    pub target: Target,

    /// Then replace the identity profile's access key (as `awsmfa rotate` does)
    #[arg(long, env = "AWS_MFA_ROTATE_IDENTITY_KEYS", value_parser = Switch, default_value_t = false, num_args = 0, default_missing_value = "true")]
    pub rotate_identity_keys: bool,

    /// Also print shell code that exports the credentials, for `eval "$(awsmfa --env)"`
    #[arg(long, env = "AWS_MFA_ENV", value_parser = Switch, default_value_t = false, num_args = 0, default_missing_value = "true")]
    pub env: bool,

    /// Syntax of the --env code: fish, nu (a record for load-env), or POSIX for bash, zsh and sh (the same code) [default: sh, whatever $SHELL is]
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn env_names(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            if let Some(name) = arg.get_env() {
                out.push(name.to_string_lossy().into_owned());
            }
        }
        for sub in cmd.get_subcommands() {
            env_names(sub, out);
        }
    }

    /// A variable missing from the list would abort runs when set empty.
    #[test]
    fn env_vars_lists_every_variable_an_option_reads() {
        let mut names = Vec::new();
        env_names(&Cli::command(), &mut names);
        names.sort();
        names.dedup();
        let mut listed: Vec<String> = ENV_VARS.iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(names, listed);
    }

    #[test]
    fn switch_values() {
        for on in ["true", "TRUE", "True", "1", "yes", "Yes", "on", "ON"] {
            assert_eq!(switch_value(on), Some(true), "{on}");
        }
        for off in ["false", "False", "0", "no", "NO", "off", "Off"] {
            assert_eq!(switch_value(off), Some(false), "{off}");
        }
        for other in ["please", "", " true", "2", "y", "enabled"] {
            assert_eq!(switch_value(other), None, "{other}");
        }
    }
}
