//! The contract scripts and packagers read: what each exit status means and every `AWS_MFA_*`
//! and `AWSMFA_*` variable awsmfa reads, in one list that `awsmfa --help` and the man page show
//! and a unit test holds equal to the variables the source names.

/// Exit statuses and what each means.
pub const EXIT_STATUS: &[(u8, &str)] = &[
    (0, "Success."),
    (
        1,
        "A run-time failure: AWS refused or could not be reached, a file could not be read or \
         written, no code could be read.",
    ),
    (
        2,
        "A usage error: a bad option, variable or profile setting; fix it and run again.",
    ),
    (
        3,
        "Only a new MFA code can produce credentials, and refresh (which the shell hook runs) \
         never asks for one; run awsmfa to enter it.",
    ),
];

/// Every `AWS_MFA_*` and `AWSMFA_*` variable awsmfa reads, with what it does. The first group
/// are the options' variables (the Python awsmfa 0.2's names); then awsmfa's own settings;
/// then the shell state the shell function keeps, which awsmfa reads back.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("AWS_MFA_ROLE_TO_ASSUME", "ROLE_ARN: the role to assume."),
    (
        "AWS_MFA_PROFILE",
        "--profile: settings from [profile NAME] in ~/.aws/config.",
    ),
    (
        "AWS_MFA_DURATION",
        "--duration: seconds the credentials last.",
    ),
    (
        "AWS_MFA_IDENTITY_PROFILE",
        "--identity-profile: the profile with the long-lived keys.",
    ),
    ("AWS_MFA_SERIAL_NUMBER", "--serial-number: the MFA device."),
    (
        "AWS_MFA_TARGET_PROFILE",
        "--target-profile: the profile the credentials are written to.",
    ),
    (
        "AWS_MFA_ROLE_SESSION_NAME",
        "--role-session-name: the assumed role's session name.",
    ),
    ("AWS_MFA_TOKEN_CODE", "--token-code: the MFA code, or skip."),
    (
        "AWS_MFA_PROCESS",
        "--mfa-process: a command that prints the MFA code.",
    ),
    (
        "AWS_MFA_ROTATE_IDENTITY_KEYS",
        "--rotate-identity-keys (true/1/yes/on).",
    ),
    ("AWS_MFA_ENV", "--env (true/1/yes/on)."),
    (
        "AWSMFA_MFA_PROCESS_TIMEOUT",
        "Seconds to wait for an mfa_process or the dialog (default 60).",
    ),
    (
        "AWSMFA_PROMPT_FORMAT",
        "Prompt segment text: {remaining}, {seconds}, {expiration}.",
    ),
    ("AWSMFA_PROMPT_EXPIRED", "Prompt segment text once expired."),
    (
        "AWSMFA_PROMPT_WARN",
        "Seconds left below which the segment turns yellow (3600).",
    ),
    (
        "AWSMFA_PROMPT_CRIT",
        "Seconds left below which the segment turns red (600).",
    ),
    (
        "AWSMFA_REFRESH_WINDOW",
        "Seconds before expiry at which the shell hook, the pre-command check and the \
         credential server renew (300).",
    ),
    (
        "AWSMFA_SIGNIN_ENDPOINT",
        "The federation endpoint of console (https, or http on loopback).",
    ),
    (
        "AWSMFA_EXPIRATION",
        "Shell state: when the shell's credentials expire (epoch seconds).",
    ),
    (
        "AWSMFA_EXPIRATION_STAMP",
        "Shell state (fish): a file whose mtime is that expiry.",
    ),
    (
        "AWSMFA_SOURCE",
        "Shell state: how refresh renews the shell's credentials.",
    ),
];

/// The text after `awsmfa --help`'s options.
pub fn long_help() -> String {
    let mut out = String::from("Exit status:\n");
    for (code, meaning) in EXIT_STATUS {
        out.push_str(&format!("  {code}  {meaning}\n"));
    }
    out.push_str("\nEnvironment:\n");
    let width = ENVIRONMENT.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, meaning) in ENVIRONMENT {
        out.push_str(&format!("  {name:width$}  {meaning}\n"));
    }
    out.push_str(
        "\nAlso read as the AWS CLI reads them: AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, \
         AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, \
         AWS_ENDPOINT_URL_IAM. A variable set to the empty string counts as unset.",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The `AWS_MFA_*` / `AWSMFA_*` names in `text`'s string literals, before its unit tests.
    fn names_in(text: &str, out: &mut BTreeSet<String>) {
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        for piece in code.split('"').skip(1).step_by(2) {
            let name_like = piece
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if name_like && (piece.starts_with("AWS_MFA_") || piece.starts_with("AWSMFA_")) {
                out.insert(piece.to_string());
            }
        }
    }

    fn source_names(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                source_names(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "environment.rs")
            {
                names_in(&std::fs::read_to_string(&path).unwrap(), out);
            }
        }
    }

    #[test]
    fn the_list_is_every_variable_the_source_names() {
        let mut read = BTreeSet::new();
        source_names(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut read,
        );
        // The man-page test's own switch, not awsmfa's.
        read.remove("AWSMFA_WRITE_MAN");
        let listed: BTreeSet<String> = ENVIRONMENT.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            listed, read,
            "ENVIRONMENT differs from the variables src/ names"
        );
    }

    #[test]
    fn help_states_exit_statuses_and_every_variable() {
        use clap::CommandFactory;
        let help = crate::cli::Cli::command().render_long_help().to_string();
        for (name, _) in ENVIRONMENT {
            assert!(help.contains(name), "--help does not name {name}");
        }
        for code in 0..=3 {
            assert!(
                help.contains(&format!("\n  {code}  ")),
                "--help lacks exit status {code}"
            );
        }
    }
}
