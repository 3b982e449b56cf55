//! `awsmfa prompt`: the segment for the credentials in use. It reads one environment variable
//! or one file — no runtime, no AWS configuration, no process.

use crate::cli::PromptArgs;
use crate::error::Result;
use crate::files::credfile;
use crate::files::ini::Doc;
use crate::shell::segment::{self, Style};
use crate::{timefmt, ui};

/// The expiry of the credentials in use: AWS_CREDENTIAL_EXPIRATION, else the target profile's
/// `expiration`. A missing or unreadable file is no expiry, not an error: prompts stay quiet.
fn expiration(args: &PromptArgs) -> Option<i64> {
    if let Some(value) = std::env::var("AWS_CREDENTIAL_EXPIRATION")
        .ok()
        .filter(|v| !v.is_empty())
    {
        return timefmt::parse_rfc3339(&value);
    }
    let path = args.credentials.path();
    let text = credfile::read(&path).ok()?;
    let doc = Doc::parse(&text).ok()?;
    timefmt::parse_rfc3339(doc.get(&args.target.name, "expiration")?)
}

pub fn run(args: &PromptArgs) -> Result<()> {
    let Some(expiration) = expiration(args) else {
        return Ok(());
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let style = Style {
        format: &args.format,
        expired: &args.expired_format,
        warn: args.warn,
        critical: args.critical,
        color: args.color && !no_color,
    };
    ui::stdout(&format!(
        "{}\n",
        segment::segment(expiration, timefmt::remaining(expiration), &style)
    ))
}
