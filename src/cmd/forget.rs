//! `awsmfa forget`: deletes cached MFA sessions. The cache is keyed by access key id, so a
//! profile name is looked up first.

use crate::cli::ForgetArgs;
use crate::error::Result;
use crate::files::{cache, credfile, keyring};
use crate::ui;

/// The sessions cached in the OS keyring, of the identities whose keys are there: the keyring
/// is opened only when the credentials file names one.
fn forget_in_keyring(args: &ForgetArgs) -> Result<usize> {
    let path = args.credentials.path();
    let Ok(text) = credfile::read(&path) else {
        return Ok(0);
    };
    let doc = credfile::parse(&path, &text)?;
    let mut n = 0;
    for profile in doc.sections() {
        if let Some(key) = credfile::in_keyring(&doc, &path, profile)? {
            n += usize::from(keyring::delete_session(&key)?);
        }
    }
    Ok(n)
}

pub fn run(args: &ForgetArgs) -> Result<()> {
    let key = match &args.identity_profile {
        None => None,
        Some(profile) => {
            let path = args.credentials.path();
            let text = credfile::read(&path)?;
            let doc = credfile::parse(&path, &text)?;
            Some(credfile::identity_keys(&doc, &path, profile)?.access_key_id)
        }
    };
    let mut n = cache::forget(key.as_deref())?;
    if key.is_none() {
        n += forget_in_keyring(args)?;
    }
    ui::notice(&format!(
        "Forgot {n} cached MFA session{}.",
        if n == 1 { "" } else { "s" }
    ));
    Ok(())
}
