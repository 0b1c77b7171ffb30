//! The accept loop and shutdown: each connection becomes a `Session` task
//! tracked by a `TaskTracker`; the shutdown future cancels a token that every
//! session watches (idle sessions answer 421 and close), and `run` returns
//! once all sessions ended or `Config::shutdown_grace` passed.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::session::Session;
use crate::storage::LocalStorage;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot serve root directory: {0}")]
    Root(#[source] std::io::Error),
}

/// Serve FTP on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    // Fail early on a bad root, and remove temp files an earlier crash left.
    let storage = LocalStorage::new(&config.root).map_err(ServerError::Root)?;
    let removed = storage.cleanup_temp_files();
    if removed > 0 {
        tracing::info!(removed, "removed leftover temporary upload files");
    }
    let config = Arc::new(config);
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    tracker.spawn(Session::run(stream, config.clone(), token.clone()));
                }
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down");
    token.cancel();
    tracker.close();
    if tokio::time::timeout(config.shutdown_grace, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; sessions left behind");
    }
    Ok(())
}
