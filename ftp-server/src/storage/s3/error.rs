//! How the S3 backend's failures become `StorageError`s, and the deadline
//! on every request: object_store retries for minutes by default, but an
//! FTP client is waiting for a reply, so each operation (a request with
//! its retries) is cut off after the configured timeout and answered 451.

use std::future::Future;
use std::time::Duration;

use crate::storage::StorageError;

/// Map an object_store error. Only the kinds with their own reply are
/// kept apart; the rest (network, server errors, bad responses) are
/// `Unavailable`, with the error text for the log.
pub(super) fn map(what: &'static str, e: object_store::Error) -> StorageError {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => StorageError::NotFound,
        E::AlreadyExists { .. } | E::Precondition { .. } => StorageError::AlreadyExists,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => {
            tracing::warn!(what, error = %e, "object store refused the request");
            StorageError::PermissionDenied
        }
        E::InvalidPath { .. } => StorageError::InvalidName,
        other => StorageError::Unavailable(format!("{what}: {other}")),
    }
}

/// Run one object-store operation under `limit`.
pub(super) async fn bounded<T>(
    limit: Duration,
    what: &'static str,
    fut: impl Future<Output = Result<T, object_store::Error>>,
) -> Result<T, StorageError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(map(what, e)),
        Err(_) => Err(StorageError::Unavailable(format!(
            "{what}: no answer within {} s",
            limit.as_secs_f64()
        ))),
    }
}
