//! The command line. Every option of the main command can also come from the environment
//! variable the Python awsmfa 0.2 read, so existing setups keep working.

use crate::complete;
use crate::shellcode::Shell;
use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "awsmfa",
    version,
    about = "Temporary AWS credentials from your long-lived keys and an MFA code",
    long_about = "Temporary AWS credentials from your long-lived keys and an MFA code.\n\n\
        Reads the long-lived keys of the identity profile, asks AWS STS for an MFA session (or \
        assumes ROLE_ARN) and writes the temporary credentials to the target profile of the \
        credentials file, which every AWS SDK and tool reads.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub get: GetArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands never collide with the role positional: a role ARN starts with `arn:`.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the shell integration; add `eval "$(awsmfa init zsh)"` to your shell's rc file
    Init(InitArgs),
    /// Print the remaining lifetime of the credentials in use, for prompts and status lines
    Prompt(PromptArgs),
    /// Renew the credentials this shell holds without asking for an MFA code (exit 3: a code is needed)
    Refresh {
        /// Syntax of the shell code [default: from $SHELL, else sh]
        #[arg(long, value_enum, value_name = "SHELL")]
        shell: Option<Shell>,
    },
    /// Delete cached MFA sessions: all, or the identity profile's with -i
    Forget {
        /// Only this identity profile's session
        #[arg(short, long, value_name = "NAME", add = ArgValueCompleter::new(complete::profiles))]
        identity_profile: Option<String>,

        /// Credentials file [default: ~/.aws/credentials]
        #[arg(long, value_name = "PATH", env = "AWS_SHARED_CREDENTIALS_FILE")]
        aws_credentials: Option<PathBuf>,
    },
    /// Replace the identity profile's access key (new key written and proven before the old is deleted)
    Rotate(SourceArgs),
    /// Print credentials as JSON for `credential_process = awsmfa credential-process --profile NAME`
    CredentialProcess(SourceArgs),
    /// Run a command with the credentials in its environment: awsmfa exec [ROLE_ARN] -- CMD ARGS...
    Exec {
        #[command(flatten)]
        source: SourceArgs,

        /// The command and its arguments, after `--`
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<std::ffi::OsString>,
    },
    /// Show every profile, its kind, key id (masked) and time left, and the cached MFA sessions
    Status {
        /// Machine-readable output
        #[arg(long)]
        json: bool,
    },
    /// Print the IAM policy starter kit (a CloudFormation template); see the README to deploy it
    Policies,
    /// Print a static completion script (the init scripts complete dynamically instead)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(value_enum)]
    pub shell: InitShell,
}

/// `awsmfa init` on its own: it runs at every shell start, so it is parsed without building
/// the whole command tree.
#[derive(Parser, Debug)]
#[command(
    name = "awsmfa init",
    bin_name = "awsmfa init",
    about = "Print the shell integration; add `eval \"$(awsmfa init zsh)\"` to your shell's rc file"
)]
pub struct InitCli {
    #[command(flatten)]
    pub args: InitArgs,
}

/// `awsmfa prompt` on its own: it runs before every shell prompt, so it is parsed without
/// building the whole command tree.
#[derive(Parser, Debug)]
#[command(
    name = "awsmfa prompt",
    bin_name = "awsmfa prompt",
    about = "Print the remaining lifetime of the credentials in use, for prompts and status lines"
)]
pub struct PromptCli {
    #[command(flatten)]
    pub args: PromptArgs,
}

#[derive(Args, Debug, Clone)]
pub struct PromptArgs {
    /// Profile whose `expiration` counts when AWS_CREDENTIAL_EXPIRATION is unset
    #[arg(
        short,
        long,
        value_name = "NAME",
        env = "AWS_MFA_TARGET_PROFILE",
        default_value = "default",
        add = ArgValueCompleter::new(complete::profiles)
    )]
    pub target_profile: String,

    /// Credentials file [default: ~/.aws/credentials]
    #[arg(long, value_name = "PATH", env = "AWS_SHARED_CREDENTIALS_FILE")]
    pub aws_credentials: Option<PathBuf>,

    /// Colour the text: green, yellow below --warn, red below --critical (NO_COLOR wins)
    #[arg(long)]
    pub color: bool,

    /// Text while valid; fields {remaining} (5h59m), {seconds}, {expiration} (RFC 3339)
    #[arg(
        long,
        value_name = "FORMAT",
        env = "AWSMFA_PROMPT_FORMAT",
        default_value = "aws {remaining}"
    )]
    pub format: String,

    /// Text once expired
    #[arg(
        long,
        value_name = "TEXT",
        env = "AWSMFA_PROMPT_EXPIRED",
        default_value = "aws expired"
    )]
    pub expired_format: String,

    /// Seconds left below which the segment turns yellow
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AWSMFA_PROMPT_WARN",
        default_value_t = 3600
    )]
    pub warn: i64,

    /// Seconds left below which the segment turns red
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AWSMFA_PROMPT_CRIT",
        default_value_t = 600
    )]
    pub critical: i64,
}

/// Where credentials come from: shared by the main command, `credential-process` and `exec`.
#[derive(Args, Debug, Clone, Default)]
pub struct SourceArgs {
    /// Role to assume, e.g. arn:aws:iam::123456789012:role/admin; without it, an MFA session
    #[arg(value_name = "ROLE_ARN", env = "AWS_MFA_ROLE_TO_ASSUME", add = ArgValueCompleter::new(complete::roles))]
    pub role_arn: Option<String>,

    /// Take role, MFA device, duration, region and mfa_process from [profile NAME] in ~/.aws/config
    #[arg(
        long,
        value_name = "NAME",
        env = "AWS_MFA_PROFILE",
        add = ArgValueCompleter::new(complete::profiles)
    )]
    pub profile: Option<String>,

    /// Credentials file to read the identity from and write the target to [default: ~/.aws/credentials]
    #[arg(long, value_name = "PATH", env = "AWS_SHARED_CREDENTIALS_FILE")]
    pub aws_credentials: Option<PathBuf>,

    /// Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]
    #[arg(short, long, value_name = "SECONDS", env = "AWS_MFA_DURATION")]
    pub duration: Option<u32>,

    /// Profile holding the long-lived access keys [default: identity]
    #[arg(
        short,
        long,
        value_name = "NAME",
        env = "AWS_MFA_IDENTITY_PROFILE",
        add = ArgValueCompleter::new(complete::profiles)
    )]
    pub identity_profile: Option<String>,

    /// MFA device ARN [default: discovered with iam:ListMFADevices]
    #[arg(long, value_name = "ARN", env = "AWS_MFA_SERIAL_NUMBER")]
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

    /// Command whose output is the MFA code, run with `sh -c` (e.g. `ykman oath accounts code --single aws`)
    #[arg(long, value_name = "CMD", env = "AWS_MFA_PROCESS")]
    pub mfa_process: Option<String>,

    /// Neither reuse nor cache an MFA session; assume roles directly with MFA
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct GetArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Profile that receives the temporary credentials
    #[arg(
        short,
        long,
        value_name = "NAME",
        env = "AWS_MFA_TARGET_PROFILE",
        default_value = "default",
        add = ArgValueCompleter::new(complete::profiles)
    )]
    pub target_profile: String,

    /// Then replace the identity profile's access key (as `awsmfa rotate` does)
    #[arg(long, env = "AWS_MFA_ROTATE_IDENTITY_KEYS", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true")]
    pub rotate_identity_keys: bool,

    /// Also print shell code that exports the credentials, for `eval "$(awsmfa --env)"`
    #[arg(long, env = "AWS_MFA_ENV", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true")]
    pub env: bool,

    /// Syntax of the --env code [default: from $SHELL, else sh]
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,
}
