//! The command line. Every option of the main command can also come from the environment
//! variable the Python awsmfa 0.2 read, so existing setups keep working.

use crate::shellcode::Shell;
use clap::builder::BoolishValueParser;
use clap::{Args, Parser};
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
}

#[derive(Args, Debug, Clone)]
pub struct GetArgs {
    /// Role to assume, e.g. arn:aws:iam::123456789012:role/admin; without it, an MFA session
    #[arg(value_name = "ROLE_ARN", env = "AWS_MFA_ROLE_TO_ASSUME")]
    pub role_arn: Option<String>,

    /// Credentials file to read the identity from and write the target to [default: ~/.aws/credentials]
    #[arg(long, value_name = "PATH", env = "AWS_SHARED_CREDENTIALS_FILE")]
    pub aws_credentials: Option<PathBuf>,

    /// Lifetime in seconds [default: 21600 for sessions (900-129600), 3600 for roles (900-43200)]
    #[arg(short, long, value_name = "SECONDS", env = "AWS_MFA_DURATION")]
    pub duration: Option<u32>,

    /// Profile holding the long-lived access keys
    #[arg(
        short,
        long,
        value_name = "NAME",
        env = "AWS_MFA_IDENTITY_PROFILE",
        default_value = "identity"
    )]
    pub identity_profile: String,

    /// MFA device ARN [default: discovered with iam:ListMFADevices]
    #[arg(long, value_name = "ARN", env = "AWS_MFA_SERIAL_NUMBER")]
    pub serial_number: Option<String>,

    /// Profile that receives the temporary credentials
    #[arg(
        short,
        long,
        value_name = "NAME",
        env = "AWS_MFA_TARGET_PROFILE",
        default_value = "default"
    )]
    pub target_profile: String,

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

    /// Replace the identity profile's access key after getting the credentials
    #[arg(long, env = "AWS_MFA_ROTATE_IDENTITY_KEYS", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true")]
    pub rotate_identity_keys: bool,

    /// Also print shell code that exports the credentials, for `eval "$(awsmfa --env)"`
    #[arg(long, env = "AWS_MFA_ENV", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true")]
    pub env: bool,

    /// Syntax of the --env code [default: from $SHELL, else sh]
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,
}
