//! `awsmfa serve`: the credential server standing alone, for IDEs, notebooks and containers.
//! Prints the variables that point an SDK at it, then serves until interrupted.

use crate::cli::ServeArgs;
use crate::error::Result;
use crate::job::CredentialJob;
use crate::server::{self, signals};
use crate::shell::{Shell, quote};
use crate::ui;

pub fn run(args: &ServeArgs) -> Result<()> {
    let shell = args.shell.unwrap_or(Shell::Sh);
    let provider = server::prepare(CredentialJob::new(&args.creds)?)?;
    // Before any thread starts, so that every thread of awsmfa keeps them blocked.
    let signals = signals::Blocked::handled();
    let endpoint = server::listen(provider, args.port.unwrap_or(0))?;
    let vars = endpoint.vars();
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The variables that would outrank the server go too (after the three lines that point at
    // it, which scripts read first).
    let code = quote::exports(shell, &pairs) + &quote::unsets(shell, server::SHADOWING);
    ui::stdout(&code)?;
    ui::notice(&format!(
        "Serving credentials on {} until interrupted.",
        endpoint.url
    ));
    signals.next();
    Ok(())
}
