//! `ftpd`: parse the command line, set up logging, bind, and run the server
//! until SIGINT or SIGTERM; SIGHUP reloads the users file. `ftpd
//! hash-password` prints the hash of a password read on stdin.

use anyhow::Context;
use ftp_server::cli::{self, Cli, Command, ParseFailure};
use ftp_server::daemon;

fn main() {
    if let Err(e) = real_main() {
        eprintln!("ftpd: {e:#}");
        std::process::exit(1);
    }
}

/// Parse the command line (and its config file); a usage error is one
/// line on stderr and exit 2 (help and version print as usual).
fn parse_args() -> Cli {
    match cli::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(ParseFailure::Display(e)) => e.exit(),
        Err(ParseFailure::Usage(what)) => {
            eprintln!("ftpd: {what}");
            std::process::exit(2);
        }
    }
}

#[tokio::main]
async fn real_main() -> anyhow::Result<()> {
    let cli = parse_args();
    match cli.command {
        Some(Command::HashPassword) => {
            let phc = ftp_server::accounts::hash_password_from(std::io::stdin().lock())?;
            println!("{phc}");
            return Ok(());
        }
        Some(Command::Completions { shell }) => return Ok(cli::print_completions(shell)?),
        Some(Command::Man) => return Ok(cli::print_man()?),
        None => {}
    }
    let log_format = cli.log_format;
    let config = cli.into_config().map_err(anyhow::Error::msg)?;
    daemon::init_logging(log_format, config.log_protocol);
    // SIGHUP reloads the users file and the certificate; watched before
    // ftpd says it is ready.
    daemon::watch_sighup(&config).context("cannot watch SIGHUP")?;
    ftp_server::preflight(&config).await?;
    if let Some(addr) = config.metrics_listen {
        ftp_server::metrics::install(addr).map_err(anyhow::Error::msg)?;
    }
    let (listener, implicit) = daemon::bind_listeners(&config).await?;
    let shutdown = daemon::shutdown_signals();
    ftp_server::run_listeners(listener, implicit, config, shutdown).await?;
    Ok(())
}
