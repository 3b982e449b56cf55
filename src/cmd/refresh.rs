//! `awsmfa refresh`: renews what the shell's AWSMFA_SOURCE records without asking for anything.
//! Exit 3 (a new MFA code is needed) when only a code would give credentials that outlive the
//! current ones.

use crate::cli::RefreshArgs;
use crate::cmd::get;
use crate::error::{Error, Result};
use crate::files::keyring;
use crate::job::CredentialJob;
use crate::shell::renewal;
use std::time::Duration;

pub fn run(args: &RefreshArgs) -> Result<()> {
    let encoded = std::env::var("AWSMFA_SOURCE").unwrap_or_default();
    if encoded.is_empty() {
        return Err(Error::need_mfa(
            "this shell holds no credentials from awsmfa (AWSMFA_SOURCE is unset); run awsmfa",
        ));
    }
    let mut get_args = renewal::decode(&encoded)?;
    get_args.shell = args.shell;
    let current = std::env::var("AWSMFA_EXPIRATION")
        .ok()
        .and_then(|v| v.parse().ok());
    // The hook waits on this run: the keyring gets its deadline too, and no unlock prompt.
    let timeout = Duration::from_secs(args.timeout);
    keyring::limit(timeout, false);
    let job = CredentialJob::renewing(&get_args.creds, timeout)?;
    get::execute(&get_args, job, Some(current.unwrap_or(0)))
}
