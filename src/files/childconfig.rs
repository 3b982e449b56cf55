//! The config file as the programs pointed at the credential server see it. The SDKs take a
//! source of credentials in the default profile of the config file — static keys, a role, SSO,
//! a `credential_process` — over the container endpoint, as they take a `[default]` in the
//! credentials file (which the server's variables make empty). So when the default profile
//! holds one, those programs are given a private copy of the file without those keys, and
//! everything else (regions, endpoints, the other profiles) byte for byte. The user's file is
//! only read.

use crate::error::{Error, Result};
use crate::files::{config, credfile, private};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// `text` (a config file) with the credential sources of its default profile removed —
/// from `[default]` and from `[profile default]`, which some SDKs read instead — and the names
/// of the keys removed; `None` when it holds none.
pub fn without_default_sources(text: &str) -> Result<Option<(String, Vec<String>)>> {
    let doc = config::parse(text)?;
    let sections: Vec<String> = doc
        .sections()
        .filter(|s| config::profile_of(s) == Some("default"))
        .map(str::to_string)
        .collect();
    let mut out = text.to_string();
    let mut hidden: Vec<String> = Vec::new();
    for section in sections {
        let doc = config::parse(&out)?;
        let keys: Vec<&str> = doc
            .keys(&section)
            .into_iter()
            .filter(|k| credfile::credential_source(k))
            .collect();
        if keys.is_empty() {
            continue;
        }
        for key in &keys {
            if !hidden.iter().any(|h| h == key) {
                hidden.push(key.to_string());
            }
        }
        out = doc.upsert(&section, &keys, &[]).to_string();
    }
    Ok((!hidden.is_empty()).then_some((out, hidden)))
}

/// A private copy of the config file (0600, in a fresh 0700 folder), removed when dropped.
pub struct ConfigCopy {
    dir: PathBuf,
    path: PathBuf,
    /// The keys left out of the default profile.
    pub hidden: Vec<String>,
}

impl ConfigCopy {
    /// The copy for the programs under the server, when the config file's default profile
    /// holds a source of credentials; `None` (no copy) when it holds none or there is no file.
    pub fn make() -> Result<Option<ConfigCopy>> {
        let Some(text) = config::text()? else {
            return Ok(None);
        };
        let Some((edited, hidden)) = without_default_sources(&text)? else {
            return Ok(None);
        };
        let failed = |e: std::io::Error| {
            Error::runtime(format!(
                "cannot write a private copy of {} without the credentials of its [default] \
                 ({e}); move them to another profile, or set XDG_RUNTIME_DIR or TMPDIR to a \
                 folder awsmfa can write",
                config::path().display()
            ))
        };
        let dir = private::fresh_dir().map_err(failed)?;
        let copy = ConfigCopy {
            path: dir.join("config"),
            dir,
            hidden,
        };
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&copy.path)
            .and_then(|mut f| f.write_all(edited.as_bytes()))
            .map_err(failed)?;
        Ok(Some(copy))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ConfigCopy {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let _ = fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_default_profiles_sources_go() {
        let text = "# mine\n[default]\nregion = eu-west-1\nAWS_Access_Key_Id = AKIA1\n\
                    aws_secret_access_key = s\ns3 =\n  addressing_style = path\n\
                    credential_process = x\n  --more\noutput = json\n\n\
                    [profile dev]\nrole_arn = arn:r\nsource_profile = default\n\
                    [profile default]\nsso_session = corp\nregion = us-east-2\n\
                    [sso-session corp]\nsso_start_url = https://x\n";
        let (out, hidden) = without_default_sources(text).unwrap().unwrap();
        assert_eq!(
            out,
            "# mine\n[default]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n\
             output = json\n\n\
             [profile dev]\nrole_arn = arn:r\nsource_profile = default\n\
             [profile default]\nregion = us-east-2\n\
             [sso-session corp]\nsso_start_url = https://x\n"
        );
        assert_eq!(
            hidden,
            [
                "aws_access_key_id",
                "aws_secret_access_key",
                "credential_process",
                "sso_session"
            ]
        );
    }

    #[test]
    fn a_default_without_sources_is_left_alone() {
        for text in [
            "",
            "[default]\nregion = eu-west-1\r\nendpoint_url = http://x\n",
            "[profile dev]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n",
        ] {
            assert_eq!(without_default_sources(text).unwrap(), None, "{text:?}");
        }
    }

    #[test]
    fn line_endings_and_a_missing_last_newline_are_kept() {
        let text = "[default]\r\nregion = x\r\nrole_arn = arn:r\r\n[p]\r\nk = v";
        let (out, _) = without_default_sources(text).unwrap().unwrap();
        assert_eq!(out, "[default]\r\nregion = x\r\n[p]\r\nk = v");
    }
}
