//! `awsmfa console`: the AWS console, signed in as a role whose credentials come from the cached
//! MFA session (aws/signin.rs builds the requests). The sign-in URL is a bearer secret: it is
//! handed to the browser opener through a private page, or printed on stdout with --print, and never shown otherwise.

use crate::aws::{CALL_TIMEOUT, https, signin};
use crate::cli::ConsoleArgs;
use crate::error::{Error, Result};
use crate::files::handoff::Handoff;
use crate::job::CredentialJob;
use crate::ui;
use std::time::Duration;

/// The console's home, where no --destination is given.
const HOME: &str = "/console/home";

/// The program that opens a URL in the user's browser.
const OPENER: &str = if cfg!(target_os = "macos") {
    "open"
} else {
    "xdg-open"
};

pub fn run(args: &ConsoleArgs) -> Result<()> {
    let path = args.destination.as_deref().unwrap_or(HOME);
    signin::check_destination(path).map_err(Error::usage)?;
    let configured = std::env::var(signin::ENDPOINT_VAR)
        .ok()
        .filter(|v| !v.is_empty());
    if let Some(url) = &configured {
        signin::check_endpoint(url).map_err(Error::usage)?;
    }
    let mut job = CredentialJob::new(&args.creds)?;
    let Some(role) = job.settings().roles.last().map(|r| r.arn.clone()) else {
        return Err(Error::usage(
            "the AWS console signs in with role credentials only, and no role was given (an \
             MFA session cannot sign in); pass a ROLE_ARN, or --profile NAME of a profile with \
             role_arn",
        ));
    };
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| job.region().to_string());
    let duration = signin::session_duration(job.chains_roles(), job.settings().duration);
    let creds = job.credentials()?;

    let (aws_endpoint, console) = signin::partition_hosts(&role);
    let endpoint = configured.as_deref().unwrap_or(aws_endpoint);
    let token_url = signin::token_url(endpoint, &creds.keys, duration);
    let (status, body) = https::get(&token_url, CALL_TIMEOUT).map_err(|why| {
        Error::runtime(format!(
            "cannot get a console sign-in token from {endpoint}: {why}"
        ))
    })?;
    if status != 200 {
        return Err(Error::runtime(format!(
            "the console sign-in endpoint {endpoint} refused the credentials of {role} (HTTP \
             {status}); try again, or sign in to the console with your password and MFA"
        )));
    }
    let token = signin::signin_token(&body).ok_or_else(|| {
        Error::runtime(format!(
            "the console sign-in endpoint {endpoint} answered without a SigninToken; is {} a \
             sign-in endpoint?",
            signin::ENDPOINT_VAR
        ))
    })?;
    let url = signin::login_url(
        endpoint,
        &signin::destination(console, path, &region),
        &token,
    );
    if args.print {
        ui::notice(&format!(
            "Anyone who has this URL is signed in as {role} for the next 15 minutes: keep it to \
             yourself."
        ));
        return ui::stdout(&format!("{url}\n"));
    }
    open(&url)?;
    ui::notice(&format!("Opened the AWS console as {role} in {region}."));
    Ok(())
}

/// How long the page stays for a browser that reads it after the opener has ended.
const GRACE: Duration = Duration::from_secs(10);

/// Hands `url` to the browser opener, through a private page (`Handoff`): the opener's
/// arguments are visible to every local user. Waits for the opener, then for the browser to
/// read the page, and removes it.
fn open(url: &str) -> Result<()> {
    let page = Handoff::create(url)?;
    let status = std::process::Command::new(OPENER)
        .arg(page.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| {
            Error::runtime(format!(
                "cannot run {OPENER} to open the console ({e}); use `awsmfa console --print` \
                 and open the URL yourself"
            ))
        })?;
    if status.success() {
        page.wait_for_reader(GRACE);
        Ok(())
    } else {
        Err(Error::runtime(format!(
            "{OPENER} could not open the console ({status}); use `awsmfa console --print` and \
             open the URL yourself"
        )))
    }
}
