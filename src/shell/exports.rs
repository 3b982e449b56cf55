//! The variables that carry credentials into a shell (`--env`, `refresh`) or a child (`exec`).

use super::{Shell, quote, stamp};
use crate::aws::TempCreds;
use crate::error::{Error, Result};
use crate::timefmt;

/// The credentials' variables. AWSMFA_EXPIRATION is the expiry in epoch seconds by the local
/// clock (corrected for a skew seen this run), so that prompts count down without parsing
/// dates; AWS_CREDENTIAL_EXPIRATION keeps AWS's instant, for SDKs and other prompts.
pub fn vars(creds: &TempCreds) -> Vec<(&'static str, String)> {
    let local_expiration = creds.expiration - timefmt::skew();
    let token = creds.keys.session_token.clone().unwrap_or_default();
    vec![
        ("AWS_ACCESS_KEY_ID", creds.keys.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            creds.keys.secret_access_key.clone(),
        ),
        ("AWS_SESSION_TOKEN", token.clone()),
        ("AWS_SECURITY_TOKEN", token),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            timefmt::rfc3339(creds.expiration),
        ),
        ("AWSMFA_EXPIRATION", local_expiration.to_string()),
    ]
}

/// Shell code that exports the credentials and AWSMFA_SOURCE, the record of how to renew
/// them (`renewal`). Refused when a value holds a character that is not `quote::inert`: such a
/// value cannot come through every way the code is evaluated, and no AWS credential has one,
/// so it comes from a broken or hostile endpoint (the value is not shown: it may be a secret).
pub fn code(shell: Shell, creds: &TempCreds, renewal: &str) -> Result<String> {
    let mut vars = vars(creds);
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
    Ok(quote::exports(shell, &pairs))
}
