//! What the `ftpd` process needs around the server: logging set-up, binding
//! the listeners (and announcing them on stdout, which scripts and tests
//! read), and the shutdown signals: the first SIGINT/SIGTERM drains, a
//! second exits at once.

use std::future::Future;

use tokio::net::TcpListener;

use crate::cli::LogFormat;
use crate::config::Config;

/// Why the process could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What is logged when `FTPD_LOG` does not say: info, except rustls's
/// handshake warnings. GnuTLS clients (lftp, seen here) send the server's
/// IP address as SNI, which RFC 6066 §3 forbids and rustls ignores with a
/// WARN, once per TLS connection: an lftp mirror put hundreds of warnings
/// about a normal client in the log.
const DEFAULT_LOG_FILTER: &str = "info,rustls::msgs::handshake=error";

/// Log to stderr in `format`, at the levels in `FTPD_LOG` (default
/// `DEFAULT_LOG_FILTER`), with colours only on a terminal, dropping lines
/// stderr cannot take; `protocol` adds the protocol log (`--log-protocol`)
/// at debug level whatever `FTPD_LOG` says.
pub fn init_logging(format: LogFormat, protocol: bool) {
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("FTPD_LOG")
        .unwrap_or_else(|_| DEFAULT_LOG_FILTER.into());
    if protocol {
        let directive = format!("{}=debug", crate::session::PROTOCOL_LOG_TARGET);
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    // No internal-error reports: when stderr is a pipe nobody reads any
    // more, tracing-subscriber would report the failed write with
    // `eprintln!`, which panics on that same broken pipe, in whatever
    // session logged, so every new session died before its greeting.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn bind(
    addr: std::net::SocketAddr,
) -> Result<(TcpListener, std::net::SocketAddr), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    Ok((listener, bound))
}

/// Bind the FTP listener and, if configured, the implicit-FTPS one, and
/// print the addresses actually bound (port 0 picks a free port) and the
/// self-signed certificate's fingerprint.
pub async fn bind_listeners(
    config: &Config,
) -> Result<(TcpListener, Option<TcpListener>), StartError> {
    let (listener, addr) = bind(config.listen).await?;
    let served = match &config.s3 {
        Some(s3) => format!("s3://{}/{}", s3.bucket, s3.prefix),
        None => config.root.display().to_string(),
    };
    announce(&format!("ftpd listening on ftp://{addr} serving {served}"));
    let implicit = match config.implicit_tls_listen {
        Some(at) => {
            let (l, addr) = bind(at).await?;
            announce(&format!("ftpd listening on ftps://{addr}"));
            Some(l)
        }
        None => None,
    };
    if let Some(fp) = config
        .tls
        .as_ref()
        .and_then(|t| t.self_signed_fingerprint.as_ref())
    {
        announce(&format!(
            "ftpd self-signed certificate SHA-256 fingerprint {fp}"
        ));
    }
    Ok((listener, implicit))
}

/// Print one start-up line on stdout. A script that starts ftpd often
/// reads the first line (the address) and closes the pipe; `println!`
/// would then panic on EPIPE and take the server down before it served
/// anyone. The line goes to the log instead, so it is not lost.
fn announce(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        tracing::warn!(error = %e, line, "cannot write to stdout");
    }
}

/// A future that completes on the first SIGINT or SIGTERM; a second one
/// exits the process at once (status 1).
pub fn shutdown_signals() -> impl Future<Output = ()> {
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        signal().await;
        let _ = first_tx.send(());
        signal().await;
        eprintln!("ftpd: second signal, exiting now");
        std::process::exit(1);
    });
    async {
        let _ = first_rx.await;
    }
}

/// Resolves on the next SIGINT or SIGTERM.
async fn signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let term = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// SIGHUP reloads the users file and the TLS certificate, whichever are
/// configured, without dropping a session. Watched from before ftpd says
/// it is ready, so a SIGHUP right after startup is never lost.
pub fn watch_sighup(config: &Config) -> std::io::Result<()> {
    let accounts = config.accounts.clone();
    let certs = config.tls.as_ref().and_then(|t| t.reloader.clone());
    if accounts.is_none() && certs.is_none() {
        return Ok(());
    }
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            if let Some(accounts) = &accounts {
                crate::accounts::reload_logged(accounts).await;
            }
            if let Some(certs) = &certs {
                let c = certs.clone();
                let file = certs.cert_path().display().to_string();
                match tokio::task::spawn_blocking(move || c.reload()).await {
                    Ok(Ok(sha256)) => {
                        tracing::info!(%file, %sha256, "SIGHUP: TLS certificate reloaded")
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(%file, error = %e, "SIGHUP: TLS certificate not reloaded; keeping the old one")
                    }
                    Err(e) => {
                        tracing::warn!(%file, error = %e, "SIGHUP: TLS certificate reload failed; keeping the old one")
                    }
                }
            }
        }
    });
    Ok(())
}
