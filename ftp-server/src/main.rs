//! `ftpd`: parse the command line, set up logging, bind, and run the server
//! until SIGINT or SIGTERM; SIGHUP reloads the users file. `ftpd
//! hash-password` prints the hash of a password read on stdin.

use anyhow::Context;
use clap::Parser;
use ftp_server::cli::{Cli, Command, LogFormat};

fn main() {
    if let Err(e) = real_main() {
        eprintln!("ftpd: {e:#}");
        std::process::exit(1);
    }
}

#[tokio::main]
async fn real_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cli.command == Some(Command::HashPassword) {
        let phc = ftp_server::accounts::hash_password_from(std::io::stdin().lock())?;
        println!("{phc}");
        return Ok(());
    }
    let log_format = cli.log_format;
    let config = cli.into_config().map_err(anyhow::Error::msg)?;
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("FTPD_LOG").unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    // SIGHUP reloads the users file; watched before ftpd says it is ready.
    if let Some(accounts) = config.accounts.clone() {
        let hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("cannot watch SIGHUP")?;
        tokio::spawn(ftp_server::accounts::reload_on(accounts, hup));
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr().context("local address")?;
    println!(
        "ftpd listening on ftp://{addr} serving {}",
        config.root.display()
    );
    let implicit = match config.implicit_tls_listen {
        Some(at) => {
            let l = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen on {at}"))?;
            println!(
                "ftpd listening on ftps://{}",
                l.local_addr().context("local address")?
            );
            Some(l)
        }
        None => None,
    };
    if let Some(fp) = config
        .tls
        .as_ref()
        .and_then(|t| t.self_signed_fingerprint.as_ref())
    {
        println!("ftpd self-signed certificate SHA-256 fingerprint {fp}");
    }
    // First signal: stop accepting and drain. Second signal: exit at once.
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        signal().await;
        let _ = first_tx.send(());
        signal().await;
        eprintln!("ftpd: second signal, exiting now");
        std::process::exit(1);
    });
    ftp_server::run_listeners(listener, implicit, config, async {
        let _ = first_rx.await;
    })
    .await?;
    Ok(())
}

/// Resolves on the next SIGINT or SIGTERM.
async fn signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
    }
}
