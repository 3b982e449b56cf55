//! The credentials file: reading it with hints for the usual mistakes, and writing temporary
//! credentials into a profile through the line-splicing editor.

use crate::aws::endpoint::Configured;
use crate::aws::{Keys, TempCreds};
use crate::error::{Error, Result};
use crate::files::ini::{self, Doc, Edited, Parsed};
use crate::files::{atomic, keyring, regular};
use crate::timefmt;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

/// The file's text; a missing file is an error with the command that creates one.
pub fn read(path: &Path) -> Result<String> {
    // A FIFO or a device would block or never end: only regular files are credentials files.
    match regular::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            Error::runtime(format!(
                "{} is not UTF-8 text; fix or re-create it with `aws configure`",
                path.display()
            ))
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Error::runtime(format!(
            "no credentials file at {}{}; create it with `aws configure --profile identity`",
            path.display(),
            match fs::read_link(path) {
                Ok(t) => format!(" (a symlink to the missing {})", t.display()),
                Err(_) => String::new(),
            }
        ))),
        Err(e) if e.kind() == ErrorKind::IsADirectory => Err(Error::runtime(format!(
            "{} is a directory, not a credentials file; point --aws-credentials at the file",
            path.display()
        ))),
        Err(e) if e.kind() == ErrorKind::InvalidInput => Err(Error::runtime(format!(
            "{} is not a regular file ({e}); point --aws-credentials at your credentials file",
            path.display()
        ))),
        Err(e) => Err(atomic::io_error("read", path, e)),
    }
}

/// The keys awsmfa owns in a target profile: replaced together, so no stale token survives,
/// and never copied from the identity. `awsmfa_expiration` is what awsmfa 0.2 wrote; scripts
/// made for it still read it. The identity's keyring marker (`MARKER`) is its own.
pub const OWNED_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "expiration",
    "awsmfa_expiration",
    MARKER,
];

pub fn parse<'a>(path: &Path, text: &'a str) -> Result<Doc<'a>> {
    Doc::parse(text).map_err(|e| unsafe_to_edit(path, &e))
}

fn unsafe_to_edit(path: &Path, e: &ini::ParseError) -> Error {
    Error::runtime(format!(
        "cannot safely edit {}: {e}; fix that line and run again (the file was not changed)",
        path.display()
    ))
}

/// The file read and parsed, kept by a job that may edit it at its end (`store`): when the
/// file is still that text, the edit uses this parse again.
pub fn load(path: &Path) -> Result<Parsed> {
    Parsed::parse(read(path)?).map_err(|e| unsafe_to_edit(path, &e))
}

/// Runs `step` under the file's lock (`atomic::Locked`) on the file as it is then, parsed
/// (with `known`'s parse when it is still `known`'s text); `step` writes what it changes
/// (`Held::write`). What it does outside the file, such as storing or deleting a keyring item
/// the file names, is thus decided and done under the same lock as the edit. Other runs wait
/// on that lock, so `step` never waits for a human: the keyring's unlock prompt is forbidden
/// in it (`keyring::without_asking`), and the caller unlocks what it needs before
/// (`keyring::ready`). The lock is taken once: `step` must not edit the file through another
/// function here (a second flock on the folder would wait for this one forever).
pub fn locked<T>(
    path: &Path,
    known: Option<&Parsed>,
    step: impl for<'d> FnOnce(&Doc<'d>, &Held) -> Result<T>,
) -> Result<T> {
    let file = atomic::Locked::new(path)?;
    let read;
    let doc = match known {
        Some(known) => match file.read_unless(known.doc().text())? {
            None => known.doc(),
            Some(text) => {
                read = text;
                parse(path, &read)?
            }
        },
        None => {
            read = file.read()?;
            parse(path, &read)?
        }
    };
    keyring::without_asking(|| step(&doc, &Held(&file)))
}

/// The file while `locked` holds it.
pub struct Held<'f>(&'f atomic::Locked);

impl Held<'_> {
    /// Replaces the file by `edited`, atomically; nothing is written when it changes nothing.
    pub fn write(&self, edited: &Edited) -> Result<()> {
        if edited.changed() {
            self.0.replace(&edited.parts())?;
        }
        Ok(())
    }
}

/// Edits the file under its lock: `change` sees the file as `locked` gives it, and what it
/// changes is written.
fn edit(
    path: &Path,
    known: Option<&Parsed>,
    change: impl for<'d> FnOnce(&Doc<'d>) -> Result<Edited<'d>>,
) -> Result<()> {
    locked(path, known, |doc, held| held.write(&change(doc)?))
}

/// The long-lived keys of `profile`.
pub fn identity_keys(doc: &Doc, path: &Path, profile: &str) -> Result<Keys> {
    if !doc.has_section(profile) {
        let names: Vec<&str> = doc.sections().collect();
        let there = if names.is_empty() {
            "it has no profiles".to_string()
        } else {
            format!("profiles there: {}", names.join(", "))
        };
        return Err(Error::runtime(format!(
            "no profile [{profile}] in {} ({there}); create it with `aws configure --profile {profile}` or pick one with -i NAME",
            path.display()
        )));
    }
    let get = |key: &str| doc.get(profile, key).filter(|v| !v.is_empty());
    let keys = [
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
    ];
    if let Some(key) = keys
        .iter()
        .find(|k| get(k).is_some_and(|v| v.contains('\n')))
    {
        return Err(Error::runtime(format!(
            "{key} of [{profile}] in {} runs over several lines: botocore reads the indented \
             lines after it as part of it, even past blank lines; unindent them or put the key \
             on one line",
            path.display()
        )));
    }
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (None, None) if get(MARKER).is_some() => {
            let id = in_keyring(doc, path, profile)?.unwrap_or_default();
            Ok(Keys {
                secret_access_key: keyring::secret(profile, &id)?,
                access_key_id: id,
                session_token: None,
            })
        }
        (Some(id), Some(secret)) => Ok(Keys {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: get("aws_session_token").map(str::to_string),
        }),
        _ => Err(Error::runtime(format!(
            "profile [{profile}] in {} lacks aws_access_key_id or aws_secret_access_key; set them with `aws configure --profile {profile}`",
            path.display()
        ))),
    }
}

/// The line that replaces an identity's keys in the file once they are in the OS keyring:
/// `awsmfa_keys = keyring AKIA…`. Not secret, ignored by botocore, and it tells a reader where
/// the keys went.
pub const MARKER: &str = "awsmfa_keys";
const IN_KEYRING: &str = "keyring";

/// The access key id whose keys `profile` keeps in the OS keyring: `None` when its keys are in
/// the file (keys there win over a marker), an error for a marker awsmfa did not write.
pub fn in_keyring(doc: &Doc, path: &Path, profile: &str) -> Result<Option<String>> {
    let has = |k: &str| doc.get(profile, k).is_some_and(|v| !v.is_empty());
    let Some(marker) = doc
        .get(profile, MARKER)
        .filter(|_| !has("aws_access_key_id"))
    else {
        return Ok(None);
    };
    match marker.split_once(' ') {
        Some((IN_KEYRING, id)) if is_key_id(id.trim()) => Ok(Some(id.trim().to_string())),
        _ => Err(Error::runtime(format!(
            "{MARKER} of [{profile}] in {} is not `{IN_KEYRING} ACCESS_KEY_ID` as awsmfa writes \
             it; fix that line, or put the keys back with `aws configure --profile {profile}`",
            path.display()
        ))),
    }
}

/// The profiles whose markers name `key_id`: they share one keyring item, which only the last
/// of them may delete. A marker awsmfa did not write names nothing.
pub fn sharing(doc: &Doc, path: &Path, key_id: &str) -> Vec<String> {
    doc.sections()
        .filter(|p| in_keyring(doc, path, p).ok().flatten().as_deref() == Some(key_id))
        .map(str::to_string)
        .collect()
}

/// An access key id as AWS makes them: 16 to 128 letters and digits.
fn is_key_id(id: &str) -> bool {
    (16..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn marker(key_id: &str) -> String {
    format!("{IN_KEYRING} {key_id}")
}

/// `doc` with the marker in place of `keys`, which must still be `profile`'s there: the keys
/// are in the keyring now.
pub fn keys_to_marker<'d>(
    doc: &Doc<'d>,
    path: &Path,
    profile: &str,
    keys: &Keys,
) -> Result<Edited<'d>> {
    let same = doc.get(profile, "aws_access_key_id") == Some(keys.access_key_id.as_str())
        && doc.get(profile, "aws_secret_access_key") == Some(keys.secret_access_key.as_str());
    if !same {
        return Err(Error::runtime(format!(
            "the keys of [{profile}] in {} changed while awsmfa was storing them; run again",
            path.display()
        )));
    }
    let value = marker(&keys.access_key_id);
    let remove = ["aws_access_key_id", "aws_secret_access_key", MARKER];
    Ok(doc.upsert(profile, &remove, &[(MARKER, value.as_str())]))
}

/// Points `profile`'s marker at the key id `new` (a rotated key, stored in the keyring).
pub fn set_marker(path: &Path, profile: &str, new: &str) -> Result<()> {
    let value = marker(new);
    edit(path, None, |doc| {
        Ok(doc.upsert(profile, &[MARKER], &[(MARKER, value.as_str())]))
    })
}

/// `doc` without `profile`'s marker, `keys` (when given) back in its place.
pub fn marker_to_keys<'d>(doc: &Doc<'d>, profile: &str, keys: Option<&Keys>) -> Result<Edited<'d>> {
    let set: Vec<(&str, &str)> = keys.map_or_else(Vec::new, |k| {
        vec![
            ("aws_access_key_id", k.access_key_id.as_str()),
            ("aws_secret_access_key", k.secret_access_key.as_str()),
        ]
    });
    check_values(profile, &set)?;
    let remove = [MARKER, "aws_access_key_id", "aws_secret_access_key"];
    Ok(doc.upsert(profile, &remove, &set))
}

/// Keys that make a profile another source of credentials: a role to assume (`role_arn` with
/// `source_profile` or `credential_source`, or with `web_identity_token_file`), an SSO or
/// `aws login` session, a `credential_process`. SDKs take them over static keys in the same
/// profile (botocore: a role, web identity and SSO; the Java SDKs: `credential_process` too;
/// the Go SDK v2 assumes `role_arn` with the static keys, or refuses the profile), so a target
/// keeping one would not be read as the credentials awsmfa wrote there.
fn other_source(key: &str) -> bool {
    const KEYS: &[&str] = &[
        "role_arn",
        "source_profile",
        "credential_source",
        "credential_process",
        "web_identity_token_file",
        "login_session",
    ];
    let key = key.to_ascii_lowercase();
    KEYS.contains(&key.as_str()) || key.starts_with("sso_")
}

/// Keys that make a profile a source of credentials by themselves: static keys (botocore
/// reads `aws_security_token` as the session token too) or another source (`other_source`).
pub fn credential_source(key: &str) -> bool {
    const STATIC: &[&str] = &[
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
    ];
    other_source(key) || STATIC.contains(&key.to_ascii_lowercase().as_str())
}

/// Writes temporary credentials into `profile`, keeping the profile's other keys and adding
/// those of the `identity` profile it lacks (`region`, an `s3` block…), as awsmfa 0.2 did.
/// Keys that name another source of credentials (`other_source`) are neither kept nor copied:
/// returns those the profile held, now removed. `known`: the file as the job read it (`load`).
pub fn store(
    path: &Path,
    profile: &str,
    identity: &str,
    creds: &TempCreds,
    known: Option<&Parsed>,
) -> Result<Vec<String>> {
    let expiration = timefmt::rfc3339(creds.expiration);
    let python_expiration = timefmt::python_isoformat(creds.expiration);
    let token = creds.keys.session_token.as_deref().unwrap_or_default();
    let set = [
        ("aws_access_key_id", creds.keys.access_key_id.as_str()),
        (
            "aws_secret_access_key",
            creds.keys.secret_access_key.as_str(),
        ),
        ("aws_session_token", token),
        ("aws_security_token", token),
        ("expiration", expiration.as_str()),
        ("awsmfa_expiration", python_expiration.as_str()),
    ];
    check_values(profile, &set)?;
    let mut dropped = Vec::new();
    edit(path, known, |doc| {
        let in_target = doc.keys(profile).into_iter().filter(|k| other_source(k));
        dropped = in_target.map(str::to_string).collect();
        // Named for removal, the identity's are not copied either.
        let in_identity = doc.keys(identity).into_iter().filter(|k| other_source(k));
        let mut remove = OWNED_KEYS.to_vec();
        remove.extend(dropped.iter().map(String::as_str).chain(in_identity));
        Ok(doc.upsert_inheriting(profile, &remove, &set, identity))
    })?;
    Ok(dropped)
}

/// Replaces the long-lived key pair of `profile`, in place.
pub fn set_keys(path: &Path, profile: &str, keys: &Keys) -> Result<()> {
    let set = [
        ("aws_access_key_id", keys.access_key_id.as_str()),
        ("aws_secret_access_key", keys.secret_access_key.as_str()),
    ];
    check_values(profile, &set)?;
    let remove = ["aws_access_key_id", "aws_secret_access_key"];
    edit(path, None, |doc| Ok(doc.upsert(profile, &remove, &set)))
}

/// What botocore would read back otherwise (a line break starts a line of its own) is never
/// written.
fn check_values(profile: &str, set: &[(&str, &str)]) -> Result<()> {
    match ini::unwritable(profile, set) {
        Some(why) => Err(Error::runtime(format!("{why}; nothing was written"))),
        None => Ok(()),
    }
}

/// The region the job's calls are signed for, and whether it is the user's own choice in a
/// file (a config profile's or the identity profile's `region`): only such a region is handed
/// to the shell, which has its own when the environment sets one, and none when awsmfa fell
/// back to us-east-1 for STS.
#[derive(Debug, PartialEq)]
pub struct Region {
    pub name: String,
    pub configured: bool,
}

/// The region: AWS_REGION, AWS_DEFAULT_REGION, then `preferred` (a config profile's region),
/// `own` (the identity profile's), else us-east-1 (STS's global endpoint).
fn region(env: [Option<String>; 2], preferred: Option<&str>, own: Option<&str>) -> Region {
    let set = |r: &Option<&str>| r.is_some_and(|r| !r.is_empty());
    if let Some(name) = env.into_iter().flatten().find(|r| !r.is_empty()) {
        return Region {
            name,
            configured: false,
        };
    }
    match [preferred, own].into_iter().find(set).flatten() {
        Some(name) => Region {
            name: name.to_string(),
            configured: true,
        },
        None => Region {
            name: "us-east-1".to_string(),
            configured: false,
        },
    }
}

/// The identity profile's keys in `doc` (the file at `path`), the region to use with them
/// (`region`) and its endpoint settings. Never the SDK's chain, which would wait on instance
/// metadata.
pub fn identity(
    doc: &Doc,
    path: &Path,
    profile: &str,
    preferred: Option<&str>,
) -> Result<(Keys, Region, Configured)> {
    let keys = identity_keys(doc, path, profile)?;
    let env = ["AWS_REGION", "AWS_DEFAULT_REGION"].map(|v| std::env::var(v).ok());
    let region = region(env, preferred, doc.get(profile, "region"));
    Ok((keys, region, Configured::read(doc, path, profile)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, configured: bool) -> Region {
        Region {
            name: name.to_string(),
            configured,
        }
    }

    #[test]
    fn other_sources_of_credentials_are_told_from_settings() {
        for key in [
            "role_arn",
            "Source_Profile",
            "credential_process",
            "sso_session",
            "sso_start_url",
            "login_session",
        ] {
            assert!(other_source(key), "{key}");
        }
        for key in [
            "region",
            "output",
            "mfa_serial",
            "aws_access_key_id",
            "s3",
            "ssox",
        ] {
            assert!(!other_source(key), "{key}");
        }
    }

    #[test]
    fn credential_sources_are_static_keys_and_the_other_sources() {
        for key in [
            "AWS_Access_Key_Id",
            "aws_secret_access_key",
            "aws_session_token",
            "aws_security_token",
            "role_arn",
            "sso_session",
        ] {
            assert!(credential_source(key), "{key}");
        }
        for key in ["region", "expiration", "mfa_serial", "endpoint_url", "s3"] {
            assert!(!credential_source(key), "{key}");
        }
    }

    #[test]
    fn the_region_and_whether_a_file_chose_it() {
        let env = |a: Option<&str>, b: Option<&str>| [a.map(str::to_string), b.map(str::to_string)];
        assert_eq!(region(env(None, None), None, None), r("us-east-1", false));
        assert_eq!(region(env(None, None), Some(""), Some("b")), r("b", true));
        assert_eq!(region(env(None, None), Some("a"), Some("b")), r("a", true));
        assert_eq!(
            region(env(Some(""), Some("e")), Some("a"), None),
            r("e", false)
        );
        assert_eq!(
            region(env(Some("d"), Some("e")), Some("a"), None),
            r("d", false)
        );
    }

    #[test]
    fn the_keyring_marker_names_a_key_id_and_yields_to_keys_in_the_file() {
        let doc = Doc::parse(
            "[a]\nawsmfa_keys = keyring AKIAIOSFODNN7EXAMPLE\n\
             [b]\naws_access_key_id = AKIAB\nawsmfa_keys = keyring AKIAIOSFODNN7EXAMPLE\n\
             [c]\nawsmfa_keys = keyring ../../x\n[d]\nawsmfa_keys = vault AKIAIOSFODNN7EXAMPLE\n\
             [e]\nregion = x\n",
        )
        .unwrap();
        let p = Path::new("creds");
        let id = |s: &str| in_keyring(&doc, p, s);
        assert_eq!(id("a").unwrap().as_deref(), Some("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(id("b").unwrap(), None);
        assert!(
            id("c")
                .unwrap_err()
                .msg
                .contains("awsmfa_keys of [c] in creds")
        );
        assert!(id("d").is_err());
        assert_eq!(id("e").unwrap(), None);
    }
}
