//! File digests for HASH and the X* verbs (draft-bryan-ftp-hash;
//! proftpd's mod_digest): `hash_file` streams a file from storage through
//! ftp-proto's `Digest` (shared with `ftpc`, so both sides agree).
//!
//! Hashing is CPU work: each chunk is hashed on tokio's blocking pool, so
//! the async workers keep serving other sessions. At most
//! `Config::max_hashes` files are hashed at once across the server (CPU
//! exhaustion by many HASH commands); the others wait for a slot, and a
//! waiting or running hash ends at once when the session cancels it (ABOR,
//! or the client leaving).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ftp_proto::{Digest, HashAlgo};
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::storage::{Storage, StorageError, VirtualPath};

/// Bytes read and hashed at a time.
const CHUNK: usize = 256 * 1024;

/// Why a hash produced no digest.
#[derive(Debug)]
pub enum HashError {
    /// The session cancelled it (ABOR, or the client left).
    Cancelled,
    Storage(StorageError),
}

impl From<StorageError> for HashError {
    fn from(e: StorageError) -> Self {
        HashError::Storage(e)
    }
}

/// The digest of the whole file `path` and its length. Waits for one of
/// `slots`; `progress` counts the bytes hashed so far (for STAT).
pub async fn hash_file(
    storage: Arc<dyn Storage>,
    path: VirtualPath,
    algo: HashAlgo,
    slots: Arc<Semaphore>,
    cancel: CancellationToken,
    progress: Arc<AtomicU64>,
) -> Result<(String, u64), HashError> {
    let _slot = tokio::select! {
        permit = slots.acquire_owned() => permit.map_err(|_| HashError::Cancelled)?,
        _ = cancel.cancelled() => return Err(HashError::Cancelled),
    };
    let mut stream = storage.read(&path, 0).await?;
    let mut digest = Digest::new(algo);
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = tokio::select! {
            n = stream.read(&mut buf) => n.map_err(StorageError::from)?,
            _ = cancel.cancelled() => return Err(HashError::Cancelled),
        };
        if n == 0 {
            break;
        }
        // The digest and the buffer go to a blocking thread and come back.
        let (d, b) = tokio::task::spawn_blocking(move || {
            digest.update(&buf[..n]);
            (digest, buf)
        })
        .await
        .map_err(StorageError::join)?;
        (digest, buf) = (d, b);
        total += n as u64;
        progress.store(total, Ordering::Relaxed);
    }
    Ok((digest.finish_hex(), total))
}
