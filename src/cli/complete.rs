//! Dynamic completion of profile names, role ARNs and MFA devices. It reads four small files —
//! the credentials file, the config file, the role history and the devices codes were sent to —
//! and never calls AWS. rust-ini reads leniently here: a file awsmfa would refuse to edit can
//! still offer its names.

use crate::aws::takes_code;
use crate::files::config;
use crate::files::{history, lastcode, regular};
use clap_complete::engine::CompletionCandidate;
use rust_ini::Ini;
use std::ffi::OsStr;

fn load(text: &str) -> Ini {
    config::load(text).unwrap_or_default()
}

/// `[name]` in the credentials file; `[profile name]` and `[default]` in the config file.
pub fn profile_names(credentials: &str, config: &str) -> Vec<String> {
    let mut names: Vec<String> = load(credentials)
        .sections()
        .flatten()
        .map(str::to_string)
        .collect();
    let conf = load(config);
    names.extend(
        conf.sections()
            .flatten()
            .filter_map(config::profile_of)
            .map(str::to_string),
    );
    names.sort();
    names.dedup();
    names
}

/// Every `role_arn` of the config file, then the roles assumed before, without repeats.
pub fn role_arns(config: &str, history: &[String]) -> Vec<String> {
    let mut arns: Vec<String> = Vec::new();
    let conf = load(config);
    let from_config = conf.iter().filter_map(|(_, props)| props.get("role_arn"));
    for arn in from_config.chain(history.iter().rev().map(String::as_str)) {
        if !arns.iter().any(|a| a == arn) {
            arns.push(arn.to_string());
        }
    }
    arns
}

/// Whether `serial` may be offered: what AWS's serials are made of (`[\w+=/:,.@-]`, 9 to 256
/// characters), since completion puts it on the user's command line, and a device that takes
/// a code.
fn offered_serial(serial: &str) -> bool {
    (9..=256).contains(&serial.len())
        && serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c))
        && takes_code(serial)
}

/// The MFA devices awsmfa has seen: every `mfa_serial` of the config file, then the devices
/// codes were sent to (most recent last in that file, so first here), without repeats.
pub fn serial_numbers(config: &str, used: &[String]) -> Vec<String> {
    let mut serials: Vec<String> = Vec::new();
    let conf = load(config);
    let from_config = conf.iter().filter_map(|(_, props)| props.get("mfa_serial"));
    for serial in from_config.chain(used.iter().rev().map(String::as_str)) {
        if offered_serial(serial) && !serials.iter().any(|s| s == serial) {
            serials.push(serial.to_string());
        }
    }
    serials
}

fn read(var: &str, name: &str) -> String {
    regular::read_to_string(&config::aws_path(var, name)).unwrap_or_default()
}

fn matching(items: Vec<String>, current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    items
        .into_iter()
        .filter(|i| i.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

pub fn profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let names = profile_names(
        &read("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        &read("AWS_CONFIG_FILE", "config"),
    );
    matching(names, current)
}

pub fn roles(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(
        role_arns(&read("AWS_CONFIG_FILE", "config"), &history::roles()),
        current,
    )
}

pub fn serials(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(
        serial_numbers(&read("AWS_CONFIG_FILE", "config"), &lastcode::devices()),
        current,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_from_config_then_codes_sent_only_code_devices() {
        let config = "[profile a]\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n\
                      [profile b]\nmfa_serial = arn:aws:iam::111111111111:u2f/user/alice/key-1\n";
        let used = vec![
            "GAHT12345678".to_string(),
            "$(touch${IFS}pwned)".to_string(),
            "arn:aws:iam::111111111111:mfa/alice".to_string(),
            "arn:aws:iam::222222222222:mfa/bob".to_string(),
        ];
        assert_eq!(
            serial_numbers(config, &used),
            [
                "arn:aws:iam::111111111111:mfa/alice",
                "arn:aws:iam::222222222222:mfa/bob",
                "GAHT12345678"
            ]
        );
    }

    #[test]
    fn profiles_from_both_files() {
        let creds = "[identity]\nk=v\n[default]\n[prod ünï]\n";
        let config =
            "[default]\nregion=x\n[profile team]\nrole_arn=a\n[sso-session s]\n[services x]\n";
        assert_eq!(
            profile_names(creds, config),
            ["default", "identity", "prod ünï", "team"]
        );
        assert_eq!(profile_names("not ini at all [", ""), Vec::<String>::new());
    }

    #[test]
    fn roles_from_config_then_history_most_recent_first() {
        let config = "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\n[profile b]\nsource_profile=a\n";
        let history = vec![
            "arn:aws:iam::222222222222:role/old".to_string(),
            "arn:aws:iam::111111111111:role/a".to_string(),
            "arn:aws:iam::222222222222:role/new".to_string(),
        ];
        assert_eq!(
            role_arns(config, &history),
            [
                "arn:aws:iam::111111111111:role/a",
                "arn:aws:iam::222222222222:role/new",
                "arn:aws:iam::222222222222:role/old"
            ]
        );
    }

    #[test]
    fn candidates_match_the_prefix() {
        let items = vec![
            "arn:aws:iam::1:role/test".to_string(),
            "arn:aws:iam::1:role/prod".to_string(),
        ];
        let got = matching(items, OsStr::new("arn:aws:iam::1:role/te"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].get_value(), "arn:aws:iam::1:role/test");
    }
}
