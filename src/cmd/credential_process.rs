//! `awsmfa credential-process`: the JSON document of the AWS CLI's `credential_process`, and
//! nothing else on stdout. No file is written.

use crate::aws::TempCreds;
use crate::cli::CredentialArgs;
use crate::error::Result;
use crate::job::CredentialJob;
use crate::{timefmt, ui};

fn document(creds: &TempCreds) -> String {
    let doc = serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.keys.access_key_id,
        "SecretAccessKey": creds.keys.secret_access_key,
        "SessionToken": creds.keys.session_token.as_deref().unwrap_or_default(),
        "Expiration": timefmt::rfc3339(creds.expiration),
    });
    format!("{doc}\n")
}

pub fn run(args: &CredentialArgs) -> Result<()> {
    let creds = CredentialJob::new(args)?.credentials()?;
    ui::stdout(&document(&creds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Keys;

    #[test]
    fn credential_process_document() {
        let creds = TempCreds {
            keys: Keys {
                access_key_id: "ASIA1".into(),
                secret_access_key: "s\"e\\c".into(),
                session_token: Some("t".into()),
            },
            expiration: 1_795_843_871,
        };
        let doc: serde_json::Value = serde_json::from_str(&document(&creds)).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"Version": 1, "AccessKeyId": "ASIA1", "SecretAccessKey": "s\"e\\c",
                "SessionToken": "t", "Expiration": "2026-11-28T05:31:11Z"})
        );
    }
}
