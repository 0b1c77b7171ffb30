//! File digests for HASH and the X* verbs (draft-bryan-ftp-hash;
//! proftpd's mod_digest): RustCrypto's hashes and crc32fast behind one
//! `Digest`, and `hash_file`, which streams a file from storage through it.
//!
//! Hashing is CPU work: each chunk is hashed on tokio's blocking pool, so
//! the async workers keep serving other sessions. At most
//! `Config::max_hashes` files are hashed at once across the server (CPU
//! exhaustion by many HASH commands); the others wait for a slot, and a
//! waiting or running hash ends at once when the session cancels it (ABOR,
//! or the client leaving).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ftp_proto::HashAlgo;
use sha1::Digest as _;
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::storage::{Storage, StorageError, VirtualPath};

/// Bytes read and hashed at a time.
const CHUNK: usize = 256 * 1024;

/// A running digest of one of the algorithms.
pub enum Digest {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    Sha1(sha1::Sha1),
    Md5(md5::Md5),
    Crc32(crc32fast::Hasher),
}

impl Digest {
    pub fn new(algo: HashAlgo) -> Digest {
        match algo {
            HashAlgo::Sha256 => Digest::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => Digest::Sha512(sha2::Sha512::new()),
            HashAlgo::Sha1 => Digest::Sha1(sha1::Sha1::new()),
            HashAlgo::Md5 => Digest::Md5(md5::Md5::new()),
            HashAlgo::Crc32 => Digest::Crc32(crc32fast::Hasher::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Digest::Sha256(h) => h.update(data),
            Digest::Sha512(h) => h.update(data),
            Digest::Sha1(h) => h.update(data),
            Digest::Md5(h) => h.update(data),
            Digest::Crc32(h) => h.update(data),
        }
    }

    /// The digest in lowercase hex (CRC-32 as 8 digits, big-endian).
    pub fn finish_hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Digest::Sha256(h) => h.finalize().to_vec(),
            Digest::Sha512(h) => h.finalize().to_vec(),
            Digest::Sha1(h) => h.finalize().to_vec(),
            Digest::Md5(h) => h.finalize().to_vec(),
            Digest::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(algo: HashAlgo, data: &[u8]) -> String {
        let mut d = Digest::new(algo);
        d.update(data);
        d.finish_hex()
    }

    #[test]
    fn known_digests_of_abc() {
        let cases = [
            (
                HashAlgo::Sha256,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (HashAlgo::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (HashAlgo::Md5, "900150983cd24fb0d6963f7d28e17f72"),
            (HashAlgo::Crc32, "352441c2"),
        ];
        for (algo, want) in cases {
            assert_eq!(hex(algo, b"abc"), want, "{algo:?}");
        }
        assert_eq!(hex(HashAlgo::Sha512, b"abc").len(), 128);
    }
}
