//! `awsmfa forget`: deletes cached MFA sessions. The cache is keyed by access key id, so a
//! profile name is looked up first.

use crate::cli::ForgetArgs;
use crate::error::Result;
use crate::files::{cache, credfile};
use crate::settings;
use crate::ui;

pub fn run(args: &ForgetArgs) -> Result<()> {
    let key = match &args.identity_profile {
        None => None,
        Some(profile) => {
            let path = args
                .aws_credentials
                .clone()
                .unwrap_or_else(settings::default_credentials);
            let text = credfile::read(&path)?;
            let doc = credfile::parse(&path, &text)?;
            Some(credfile::identity_keys(&doc, &path, profile)?.access_key_id)
        }
    };
    let n = cache::forget(key.as_deref())?;
    ui::notice(&format!(
        "Forgot {n} cached MFA session{}.",
        if n == 1 { "" } else { "s" }
    ));
    Ok(())
}
