//! The variables that carry credentials into a shell (`--env`, `refresh`) or a child (`exec`).

use super::{Shell, quote, stamp};
use crate::aws::TempCreds;
use crate::error::{Error, Result};
use crate::timefmt;

/// What a shell or child learns besides the credentials, for prompts and tools.
#[derive(Default)]
pub struct Labels<'a> {
    /// The profile that holds the same credentials (the target), named in AWS_SSO_PROFILE.
    pub profile: Option<&'a str>,
    /// The region a profile chose (`CredentialJob::configured_region`), for AWS_REGION and
    /// AWS_DEFAULT_REGION. None when the environment has one, and for the us-east-1 fallback:
    /// that is where awsmfa signs STS calls, not a region the user chose for their tools.
    pub region: Option<&'a str>,
}

/// The credentials' variables. AWSMFA_EXPIRATION is the expiry in epoch seconds by the local
/// clock (corrected for a skew seen this run), so that prompts count down without parsing
/// dates; AWS_CREDENTIAL_EXPIRATION keeps AWS's instant, for SDKs and other prompts, and
/// AWS_SESSION_EXPIRATION repeats it for prompts older than it (starship before 1.14).
///
/// The profile goes in AWS_SSO_PROFILE: prompts need a profile variable or a region to show
/// the credentials at all (starship's `aws` module reads AWSU_PROFILE, AWS_VAULT,
/// AWSUME_PROFILE, AWS_PROFILE, AWS_SSO_PROFILE; recent powerlevel10k AWS_SSO_PROFILE,
/// AWS_VAULT, AWSUME_PROFILE, AWS_PROFILE, AWS_DEFAULT_PROFILE), and of these it is the one
/// that changes no tool: AWS_PROFILE and AWS_DEFAULT_PROFILE make SDKs and the CLI load that
/// profile instead of the keys exported here, aws-vault refuses to run under AWS_VAULT, awsume
/// reads AWSUME_PROFILE as its own session's, and aws-sso-cli sets AWS_SSO_PROFILE but reads
/// it back for nothing that chooses credentials. Its value is the target profile, which holds
/// these very credentials, so a script that loads the profile it names gets them too.
/// A label that is not made of `quote::inert` characters is left out rather than refused:
/// it names, it does not authenticate.
pub fn vars(creds: &TempCreds, labels: &Labels) -> Vec<(&'static str, String)> {
    let local_expiration = creds.expiration - timefmt::skew();
    let token = creds.keys.session_token.clone().unwrap_or_default();
    let expiration = timefmt::rfc3339(creds.expiration);
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", creds.keys.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            creds.keys.secret_access_key.clone(),
        ),
        ("AWS_SESSION_TOKEN", token.clone()),
        ("AWS_SECURITY_TOKEN", token),
        ("AWS_CREDENTIAL_EXPIRATION", expiration.clone()),
        ("AWS_SESSION_EXPIRATION", expiration),
        ("AWSMFA_EXPIRATION", local_expiration.to_string()),
    ];
    let label = |value: Option<&str>| {
        value
            .filter(|v| !v.is_empty() && v.chars().all(quote::inert))
            .map(str::to_string)
    };
    if let Some(region) = label(labels.region) {
        vars.push(("AWS_REGION", region.clone()));
        vars.push(("AWS_DEFAULT_REGION", region));
    }
    if let Some(profile) = label(labels.profile) {
        vars.push(("AWS_SSO_PROFILE", profile));
    }
    vars
}

/// Shell code that exports the credentials and AWSMFA_SOURCE, the record of how to renew
/// them (`renewal`). Refused when a value holds a character that is not `quote::inert`: such a
/// value cannot come through every way the code is evaluated, and no AWS credential has one,
/// so it comes from a broken or hostile endpoint (the value is not shown: it may be a secret).
pub fn code(shell: Shell, creds: &TempCreds, labels: &Labels, renewal: &str) -> Result<String> {
    let mut vars = vars(creds, labels);
    vars.push(("AWSMFA_SOURCE", renewal.to_string()));
    if let Some((name, _)) = vars.iter().find(|(_, v)| !v.chars().all(quote::inert)) {
        return Err(Error::runtime(format!(
            "the credentials AWS returned hold characters no AWS credential has (in \
             {name}: blanks, quotes or shell syntax), so no shell could evaluate them safely; \
             they were neither exported nor written to the credentials file; check that the STS \
             endpoint is genuine"
        )));
    }
    if shell == Shell::Fish {
        // fish has no forkless clock but `path mtime`: a file whose mtime is the expiry. Its
        // path may hold anything: fish's quoting carries it (fish code goes to `source`).
        if let Some(stamp) = stamp::create(creds.expiration - timefmt::skew()) {
            vars.push(("AWSMFA_EXPIRATION_STAMP", stamp.display().to_string()));
        }
    }
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(quote::assignments(shell, &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Keys;

    fn creds() -> TempCreds {
        TempCreds {
            keys: Keys {
                access_key_id: "ASIAX".into(),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
            },
            expiration: 1_800_000_000,
        }
    }

    fn get<'v>(vars: &'v [(&str, String)], name: &str) -> Option<&'v str> {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn prompts_get_both_expiries_the_profile_and_a_chosen_region() {
        let labels = Labels {
            profile: Some("work"),
            region: Some("eu-west-2"),
        };
        let vars = vars(&creds(), &labels);
        let instant = Some("2027-01-15T08:00:00Z");
        assert_eq!(get(&vars, "AWS_CREDENTIAL_EXPIRATION"), instant);
        assert_eq!(get(&vars, "AWS_SESSION_EXPIRATION"), instant);
        assert_eq!(get(&vars, "AWS_SSO_PROFILE"), Some("work"));
        assert_eq!(get(&vars, "AWS_REGION"), Some("eu-west-2"));
        assert_eq!(get(&vars, "AWS_DEFAULT_REGION"), Some("eu-west-2"));
        for name in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_VAULT"] {
            assert_eq!(get(&vars, name), None, "{name}");
        }
    }

    #[test]
    fn labels_no_shell_could_carry_are_left_out() {
        let labels = Labels {
            profile: Some("my profile"),
            region: Some("$(id)"),
        };
        let left = vars(&creds(), &labels);
        for name in ["AWS_SSO_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"] {
            assert_eq!(get(&left, name), None, "{name}");
        }
        let code = code(Shell::Sh, &creds(), &labels, "r").unwrap();
        assert!(
            code.starts_with("AWS_ACCESS_KEY_ID=ASIAX; export AWS_ACCESS_KEY_ID;\n"),
            "{code}"
        );
        let none = vars(&creds(), &Labels::default());
        assert_eq!(get(&none, "AWS_REGION"), None);
    }
}
