//! `awsmfa rotate`: an MFA session (cached, or from a code), then the rotation of the identity's
//! key. `--profile` names the identity and its MFA settings; a role has no part.

use crate::cli::CredentialArgs;
use crate::error::Result;
use crate::job::CredentialJob;
use crate::job::settings::Settings;
use crate::mfa::source::CodeSource;

pub fn run(args: &CredentialArgs) -> Result<()> {
    let settings = Settings::resolve_identity(args)?;
    let codes = CodeSource::new(settings.code.clone(), settings.mfa_process.clone());
    CredentialJob::with(settings, codes)?.rotate()
}
