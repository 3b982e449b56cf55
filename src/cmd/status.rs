//! `awsmfa status`: every profile of the credentials and config files and every cached MFA
//! session, with its kind, masked key id and time left. It never prints a secret.

use crate::cli::StatusArgs;
use crate::error::Result;
use crate::files::ini::Doc;
use crate::files::{cache, config, credfile};
use crate::shell::contract;
use crate::shell::segment::{self, Level};
use crate::ui::mask;
use crate::{timefmt, ui};
use owo_colors::OwoColorize;
use std::io::IsTerminal;

#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub profile: String,
    /// credentials, config or cache
    pub source: &'static str,
    pub kind: &'static str,
    pub key_id: Option<String>,
    pub role_arn: Option<String>,
    pub expiration: Option<i64>,
}

pub fn credentials_entries(doc: &Doc) -> Vec<Entry> {
    doc.sections()
        .map(|name| {
            let get = |k: &str| {
                doc.get(name, k)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            let temporary = get("aws_session_token").is_some();
            let in_keyring = keyring_key(doc, name);
            let key_id = get("aws_access_key_id").or(in_keyring.clone());
            Entry {
                profile: name.to_string(),
                source: "credentials",
                kind: match (&key_id, temporary) {
                    _ if in_keyring.is_some() => KEYRING_KIND,
                    (None, _) => "no keys",
                    (Some(_), true) => "temporary",
                    (Some(_), false) => "long-lived keys",
                },
                key_id: key_id.as_deref().map(mask),
                role_arn: None,
                expiration: get("expiration").and_then(|e| timefmt::parse_rfc3339(&e)),
            }
        })
        .collect()
}

/// The kind of a profile whose long-lived keys are in the OS keyring.
const KEYRING_KIND: &str = "keys in keyring";

/// The key id a profile keeps in the OS keyring, read from its marker.
fn keyring_key(doc: &Doc, profile: &str) -> Option<String> {
    credfile::in_keyring(doc, std::path::Path::new(""), profile)
        .ok()
        .flatten()
}

pub fn config_entries(conf: &rust_ini::Ini) -> Vec<Entry> {
    conf.iter()
        .filter_map(|(section, props)| {
            let section = section?;
            let name = config::profile_of(section)?;
            let role = props.get("role_arn").map(str::to_string);
            Some(Entry {
                profile: name.to_string(),
                source: "config",
                kind: if role.is_some() {
                    "config role profile"
                } else {
                    "config profile"
                },
                key_id: props.get("aws_access_key_id").map(mask),
                role_arn: role,
                expiration: None,
            })
        })
        .collect()
}

fn session_entry(profile: String, session: &cache::Session) -> Entry {
    Entry {
        profile,
        source: "cache",
        kind: "cached MFA session",
        key_id: Some(mask(&session.creds.keys.access_key_id)),
        role_arn: None,
        expiration: Some(session.creds.expiration),
    }
}

/// Cached MFA sessions, named after the credentials profile whose key obtained them: the
/// files of the cache folder, and the keyring's for the identities whose keys are there.
fn cache_entries(doc: Option<&Doc>) -> Vec<Entry> {
    let files = cache::dir().and_then(|d| std::fs::read_dir(d).ok());
    let mut entries: Vec<Entry> = files
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|f| {
            let name = f.file_name().to_string_lossy().into_owned();
            let identity_key = name.strip_prefix("session-")?.to_string();
            let session = cache::read(&identity_key)?;
            let owner = doc.and_then(|d| {
                d.sections()
                    .find(|s| d.get(s, "aws_access_key_id") == Some(identity_key.as_str()))
            });
            let profile = owner.map_or_else(|| mask(&identity_key), str::to_string);
            Some(session_entry(profile, &session))
        })
        .collect();
    for profile in doc.iter().flat_map(|d| d.sections()) {
        let key = doc.and_then(|d| keyring_key(d, profile));
        if let Some(session) = key.and_then(|k| cache::read_in_keyring(&k)) {
            entries.push(session_entry(profile.to_string(), &session));
        }
    }
    entries.sort_by(|a, b| a.profile.cmp(&b.profile));
    entries
}

fn left(expiration: Option<i64>, now: i64) -> Option<i64> {
    expiration.map(|e| e - now)
}

pub fn json(entries: &[Entry], now: i64) -> String {
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "profile": e.profile,
                "source": e.source,
                "kind": e.kind,
                "key_id": e.key_id,
                "role_arn": e.role_arn,
                "expiration": e.expiration.map(timefmt::rfc3339),
                "seconds_left": left(e.expiration, now).map(|s| s.max(0)),
            })
        })
        .collect();
    format!("{}\n", serde_json::Value::Array(items))
}

/// Colour by time left, with the prompt's thresholds: `Some((warn, critical))`.
pub type Colours = Option<(i64, i64)>;

pub fn table(entries: &[Entry], now: i64, colours: Colours) -> String {
    let width = entries
        .iter()
        .map(|e| e.profile.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let mut out = format!("{:width$}  {:19}  {:10}  LEFT\n", "PROFILE", "KIND", "KEY");
    for e in entries {
        let key = e
            .key_id
            .clone()
            .or_else(|| e.role_arn.clone())
            .unwrap_or_default();
        let time = match left(e.expiration, now) {
            None => String::new(),
            Some(s) if s <= 0 => "expired".to_string(),
            Some(s) => timefmt::short(s),
        };
        let time = match (colours, left(e.expiration, now)) {
            (Some((warn, critical)), Some(s)) => match segment::level(s, warn, critical) {
                Level::Fine => time.green().to_string(),
                Level::Warn => time.yellow().to_string(),
                Level::Critical => time.red().to_string(),
            },
            _ => time,
        };
        // Names and ARNs come from the user's files: shown, never obeyed.
        let (profile, key) = (ui::clean(&e.profile), ui::clean(&key));
        out.push_str(
            &format!("{profile:width$}  {:19}  {key:10}  {time}\n", e.kind).replace("  \n", "\n"),
        );
    }
    out
}

pub fn run(args: &StatusArgs) -> Result<()> {
    let path = config::aws_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let text = credfile::read(&path).unwrap_or_default();
    let doc = Doc::parse(&text).ok();
    let mut entries = doc.as_ref().map(credentials_entries).unwrap_or_default();
    if let Some(conf_text) = config::text()? {
        entries.extend(
            config::load(&conf_text)
                .map(|c| config_entries(&c))
                .unwrap_or_default(),
        );
    }
    entries.extend(cache_entries(doc.as_ref()));
    let now = timefmt::now();
    let out = if args.json {
        json(&entries, now)
    } else {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let thresholds = (
            contract::env_seconds("AWSMFA_PROMPT_WARN", contract::PROMPT_WARN),
            contract::env_seconds("AWSMFA_PROMPT_CRIT", contract::PROMPT_CRITICAL),
        );
        table(&entries, now, color.then_some(thresholds))
    };
    ui::stdout(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_the_credentials_file() {
        let doc = Doc::parse(
            "[identity]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
             [default]\naws_access_key_id = ASIAIOSFODNN7EXAMPL2\naws_session_token = t\n\
             expiration = 2026-11-28T05:31:11Z\n[empty]\n",
        )
        .unwrap();
        let e = credentials_entries(&doc);
        assert_eq!(e[0].kind, "long-lived keys");
        assert_eq!(e[1].kind, "temporary");
        assert_eq!(e[1].expiration, Some(1_795_843_871));
        assert_eq!(e[2].kind, "no keys");
        let table = table(&e, 1_795_843_871 - 3600 * 5, None);
        assert!(
            table.contains("default   temporary            ASIA…MPL2   5h0m\n"),
            "{table}"
        );
        assert!(!table.contains("EXAMPLE") && !table.contains(" s\n"));
    }

    #[test]
    fn colours_follow_the_prompt_thresholds() {
        let doc = Doc::parse("[t]\naws_access_key_id = ASIAIOSFODNN7EXAMPL2\naws_session_token = x\nexpiration = 2026-11-28T05:31:11Z\n[\u{1b}]0;x\u{7}]\n").unwrap();
        let e = credentials_entries(&doc);
        let now = 1_795_843_871 - 3600 * 5;
        assert!(table(&e, now, Some((3600, 600))).contains("\x1b[32m5h0m"));
        assert!(table(&e, now, Some((6 * 3600, 600))).contains("\x1b[33m5h0m"));
        assert!(table(&e, now, Some((6 * 3600, 5 * 3600))).contains("\x1b[31m5h0m"));
        let plain = table(&e, now, None);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(plain.contains("\\u{1b}]0;x\\u{7}"), "{plain}");
    }

    #[test]
    fn config_profiles_and_json() {
        let conf = config::load("[profile team]\nrole_arn = arn:aws:iam::1:role/t\n[default]\nregion=x\n[sso-session s]\n").unwrap();
        let e = config_entries(&conf);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].kind, "config role profile");
        let doc: serde_json::Value = serde_json::from_str(&json(&e, 0)).unwrap();
        assert_eq!(doc[0]["role_arn"], "arn:aws:iam::1:role/t");
        assert_eq!(doc[1]["profile"], "default");
        assert_eq!(doc[1]["seconds_left"], serde_json::Value::Null);
    }
}
