//! `~/.aws/config` profiles, with the AWS CLI's meaning for each key: a profile either holds
//! (or names in the credentials file) long-lived keys, or assumes `role_arn` with the
//! credentials of its `source_profile`, which may itself be a role profile. What awsmfa acts
//! on is read as botocore reads it (`files::ini`); `load` reads leniently, for what only shows
//! names (completion, `status`).

use crate::aws::endpoint::{Configured, Site};
use crate::error::{Error, Result};
use crate::files::ini::Doc;
use crate::files::regular;
use crate::mfa::process::{MfaProcess, Origin};
use rust_ini::{Ini, ParseOption};
use std::io::ErrorKind;
use std::path::PathBuf;

/// One role of a chain, in the order it is assumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// What `--profile NAME` contributes; flags override each field.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// The profile with the long-lived keys at the base of the chain; empty when the chain ends
    /// in a profile whose credential_process runs awsmfa (the identity is then the usual one).
    pub identity: String,
    /// Roles to assume, base first.
    pub roles: Vec<Role>,
    pub mfa_serial: Option<String>,
    pub duration: Option<u32>,
    pub region: Option<String>,
    pub mfa_process: Option<MfaProcess>,
}

/// The file named by `var`, else `~/.aws/NAME`, as the AWS CLI finds its files.
pub fn aws_path(var: &str, name: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| dirs::home_dir().unwrap_or_default().join(".aws").join(name))
}

pub fn path() -> PathBuf {
    aws_path("AWS_CONFIG_FILE", "config")
}

/// The config file's text, `None` when there is none. One that is not a regular file, too large
/// or not text is an error naming it.
pub fn text() -> Result<Option<String>> {
    let path = path();
    match regular::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::runtime(format!(
            "cannot read {}: {e}; point AWS_CONFIG_FILE at your AWS config file",
            path.display()
        ))),
    }
}

/// The config file as botocore reads it, or the line it cannot read.
pub fn parse(text: &str) -> Result<Doc<'_>> {
    Doc::parse(text).map_err(|e| {
        Error::runtime(format!(
            "cannot read {}: {e}; fix that line and run again",
            path().display()
        ))
    })
}

/// The config file read leniently, for showing names: a file awsmfa would refuse to act on
/// can still offer them.
pub fn load(text: &str) -> Result<Ini> {
    let opt = ParseOption {
        enabled_escape: false,
        enabled_quote: false,
        ..Default::default()
    };
    Ini::load_from_str_opt(text, opt)
        .map_err(|e| Error::runtime(format!("cannot read {}: {e}", path().display())))
}

/// The profile a config-file section defines, as the AWS CLI names them: `[default]` is
/// `default`, `[profile NAME]` is `NAME`; other sections (`[sso-session x]`) define none.
pub fn profile_of(section: &str) -> Option<&str> {
    if section == "default" {
        Some(section)
    } else {
        section.strip_prefix("profile ").map(str::trim)
    }
}

/// Of `sections`, the one that defines profile `name`; `[default]` wins over
/// `[profile default]`.
fn defining<'a>(sections: impl Iterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    let mut found = None;
    for section in sections.filter(|s| profile_of(s) == Some(name)) {
        if section == "default" {
            return Some(section);
        }
        found = found.or(Some(section));
    }
    found
}

/// Where the calls go: `region`, and the endpoints of the environment, of profile `top`
/// (`--profile`), then of the identity — its credentials-file settings `own` over its
/// config-file ones. The config file is read as botocore reads it; none is no settings.
pub fn site(region: String, top: Option<&str>, identity: &str, own: Configured) -> Result<Site> {
    let path = path();
    let text = text()?.unwrap_or_default();
    let doc = parse(&text)?;
    let of = |name: &str| {
        defining(doc.sections(), name)
            .map_or_else(Configured::default, |s| Configured::read(&doc, &path, s))
    };
    let mut profiles: Vec<Configured> = top.map(of).into_iter().collect();
    profiles.push(own.or(of(identity)));
    let env = |name: &str| std::env::var(name).ok();
    Ok(Site::new(region, env, &profiles, Some((&doc, &path))))
}

/// Follows `name` through `source_profile` links down to the profile with keys.
pub fn resolve(conf: &Doc, name: &str) -> Result<Profile> {
    let section = |name: &str| defining(conf.sections(), name);
    let Some(top) = section(name) else {
        return Err(Error::usage(format!(
            "no profile {name:?} in {}; define [profile {name}] there",
            path().display()
        )));
    };
    let get = |s: &str, k: &str| conf.get(s, k).map(str::to_string).filter(|v| !v.is_empty());
    let mut profile = Profile {
        duration: match get(top, "duration_seconds") {
            Some(d) => Some(d.parse().map_err(|_| {
                Error::usage(format!(
                    "duration_seconds of profile {name} is not a number: {d:?}"
                ))
            })?),
            None => None,
        },
        region: get(top, "region"),
        ..Profile::default()
    };
    let mut seen = vec![name.to_string()];
    let mut current = name.to_string();
    loop {
        let Some(props) = section(&current) else {
            // Not in the config: the credentials file holds it.
            profile.identity = current;
            break;
        };
        profile.mfa_serial = profile
            .mfa_serial
            .take()
            .or_else(|| get(props, "mfa_serial"));
        profile.mfa_process = profile.mfa_process.take().or_else(|| {
            Some(MfaProcess {
                cmd: get(props, "mfa_process")?,
                origin: Origin::Profile {
                    profile: current.clone(),
                    file: path(),
                },
            })
        });
        profile.region = profile.region.take().or_else(|| get(props, "region"));
        let Some(arn) = get(props, "role_arn") else {
            // A profile whose credential_process runs awsmfa (`[profile p]` with
            // `credential_process = awsmfa credential-process --profile p`) names settings,
            // not keys: the identity is the usual one (-i, else [identity]).
            if get(props, "credential_process").is_none() {
                profile.identity = current;
            }
            break;
        };
        profile.roles.push(Role {
            arn,
            session_name: get(props, "role_session_name"),
            external_id: get(props, "external_id"),
        });
        let Some(source) = get(props, "source_profile") else {
            return Err(Error::usage(format!(
                "profile {current} has role_arn but no source_profile; name the profile with \
                 your long-lived keys there (awsmfa does not use credential_source)"
            )));
        };
        if seen.contains(&source) {
            seen.push(source);
            return Err(Error::usage(format!(
                "the source_profile links of profile {name} form a cycle: {}",
                seen.join(" -> ")
            )));
        }
        seen.push(source.clone());
        current = source;
    }
    profile.roles.reverse();
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> Doc<'_> {
        parse(text).unwrap()
    }

    const CHAIN: &str = "\
[profile identity]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/me

[profile base]
role_arn = arn:aws:iam::111111111111:role/base
source_profile = identity
external_id = ext-1

[profile top]
role_arn = arn:aws:iam::222222222222:role/top
source_profile = base
role_session_name = me-top
duration_seconds = 1800
mfa_process = ykman oath accounts code --single aws
";

    #[test]
    fn a_credential_process_profile_names_settings_not_the_identity() {
        let text = "[profile p]\ncredential_process = awsmfa credential-process --profile p\n\
                    mfa_serial = arn:aws:iam::1:mfa/me\nregion = eu-west-1\n";
        let p = resolve(&conf(text), "p").unwrap();
        assert_eq!(p.identity, "");
        assert_eq!(p.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
        assert!(p.roles.is_empty());
    }

    #[test]
    fn follows_source_profiles_to_the_keys() {
        let p = resolve(&conf(CHAIN), "top").unwrap();
        assert_eq!(p.identity, "identity");
        assert_eq!(
            p.roles,
            [
                Role {
                    arn: "arn:aws:iam::111111111111:role/base".into(),
                    session_name: None,
                    external_id: Some("ext-1".into())
                },
                Role {
                    arn: "arn:aws:iam::222222222222:role/top".into(),
                    session_name: Some("me-top".into()),
                    external_id: None
                },
            ]
        );
        assert_eq!(p.duration, Some(1800));
        assert_eq!(
            p.mfa_serial.as_deref(),
            Some("arn:aws:iam::111111111111:mfa/me")
        );
        assert_eq!(
            p.mfa_process,
            Some(MfaProcess {
                cmd: "ykman oath accounts code --single aws".into(),
                origin: Origin::Profile {
                    profile: "top".into(),
                    file: path(),
                }
            })
        );
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn a_source_only_in_the_credentials_file_is_the_identity() {
        let p = resolve(
            &conf("[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = keys\n"),
            "r",
        )
        .unwrap();
        assert_eq!(p.identity, "keys");
        assert_eq!(p.roles.len(), 1);
        let d = resolve(&conf("[default]\nregion = us-west-2\n"), "default").unwrap();
        assert_eq!(
            (d.identity.as_str(), d.region.as_deref()),
            ("default", Some("us-west-2"))
        );
    }

    #[test]
    fn sections_name_profiles_as_the_aws_cli_does() {
        assert_eq!(profile_of("default"), Some("default"));
        assert_eq!(profile_of("profile team"), Some("team"));
        assert_eq!(profile_of("profile  spaced "), Some("spaced"));
        assert_eq!(profile_of("sso-session s"), None);
        assert_eq!(profile_of("team"), None);
        let c = conf("[profile default]\nregion = b\n[default]\nregion = a\n");
        assert_eq!(resolve(&c, "default").unwrap().region.as_deref(), Some("a"));
    }

    #[test]
    fn cycles_and_gaps_are_reported() {
        let c = conf(
            "[profile a]\nrole_arn=arn:aws:iam::1:role/a\nsource_profile=b\n[profile b]\nrole_arn=arn:aws:iam::1:role/b\nsource_profile=a\n",
        );
        let e = resolve(&c, "a").unwrap_err();
        assert!(e.msg.contains("cycle: a -> b -> a"), "{}", e.msg);
        let e = resolve(&conf("[profile a]\nrole_arn=arn:aws:iam::1:role/a\n"), "a").unwrap_err();
        assert!(e.msg.contains("no source_profile"), "{}", e.msg);
        assert!(
            resolve(&conf(""), "nope")
                .unwrap_err()
                .msg
                .contains("no profile \"nope\"")
        );
        let e = resolve(&conf("[profile d]\nduration_seconds = long\n"), "d").unwrap_err();
        assert!(e.msg.contains("not a number"), "{}", e.msg);
    }
}
